#include "daemon/channels.h"

#include <string.h>

#include "common/buf.h"
#include "config/config.h"

static const char *type_name(const struct config_notify *n)
{
	if (n == NULL || n->type == CHANNEL_STDOUT)
		return "stdout";
	return n->type == CHANNEL_WEBHOOK ? "webhook" : "mail";
}

static const char *tls_name(enum config_tls t)
{
	return t == TLS_REQUIRED ? "required" : t == TLS_NONE ? "none" : "opportunistic";
}

void channels_config(const struct config *cfg, const struct config_notify *n,
		     struct notify_channel_config *out)
{
	memset(out, 0, sizeof(*out));
	out->id = n ? n->id : "stdout";
	out->type = type_name(n);
	out->user_agent = cfg->daemon.user_agent;
	if (n == NULL)
		return;
	out->url = n->url;
	out->secret = n->secret;
	out->timeout_s = n->timeout;
	if (n->type != CHANNEL_MAIL)
		return;
	out->smtp_url = n->smtp_url;
	out->tls = tls_name(n->tls);
	out->from = n->from;
	out->envelope_from = n->envelope_from;
	out->to = (const char *const *)n->to.v;
	out->cc = (const char *const *)n->cc.v;
	out->user = n->user;
	out->password = n->password;
	out->ca_file = n->ca_file;
	out->subject = n->subject;
	out->body = n->body_template;
	out->html = n->html;
	out->digest_s = n->digest;
}

size_t channels_check(const struct config *cfg, struct ev_loop *loop, struct http *h,
		      struct buf *errors)
{
	size_t bad = 0;

	for (size_t i = 0; i < cfg->nnotifies; i++) {
		const struct config_notify *n = &cfg->notifies[i];
		struct notify_channel_config cc;
		struct notify_channel *ch;
		char err[512];

		channels_config(cfg, n, &cc);
		ch = notify_channel_new(loop, h, &cc, err, sizeof(err));
		if (ch == NULL) {
			buf_printf(errors, "%s:%d: notify '%s': %s\n", n->at.file, n->at.line,
				   n->id, err);
			bad++;
		}
		notify_channel_free(ch);
	}
	return bad;
}
