#include "daemon/channels.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/config.h"

#define CHANNELS_ERR_MAX 4096 /* every error of one section */

const char *channels_type(const struct config_notify *n)
{
	return n ? n->type : "stdout";
}

struct notify_channel *channels_open(const struct config *cfg, const struct config_notify *n,
				     struct ev_loop *loop, struct http *h, char *err, size_t errlen)
{
	struct notify_channel_config c = {
	    .id = n ? n->id : "stdout",
	    .type = channels_type(n),
	    .user_agent = cfg->daemon.user_agent,
	};
	struct notify_line *lines = NULL;
	struct notify_channel *ch;

	if (n != NULL) {
		c.digest_s = n->digest;
		c.file = n->at.file;
		c.line = n->at.line;
		c.type_line = n->type_line;
		lines = xcalloc(n->nlines + 1, sizeof(*lines));
		for (size_t i = 0; i < n->nlines; i++)
			lines[i] = (struct notify_line){n->lines[i].key, n->lines[i].value,
							n->lines[i].at.file, n->lines[i].at.line};
		c.lines = lines;
		c.nlines = n->nlines;
	}
	ch = notify_channel_new(loop, h, &c, err, errlen);
	free(lines);
	return ch;
}

size_t channels_check(const struct config *cfg, struct ev_loop *loop, struct http *h,
		      struct buf *errors)
{
	char *err = xmalloc(CHANNELS_ERR_MAX);
	size_t bad = 0;

	for (size_t i = 0; i < cfg->nnotifies; i++) {
		struct notify_channel *ch;

		err[0] = '\0';
		ch = channels_open(cfg, &cfg->notifies[i], loop, h, err, CHANNELS_ERR_MAX);
		if (ch == NULL) {
			buf_printf(errors, "%s\n", err);
			bad++;
		}
		notify_channel_free(ch);
	}
	free(err);
	return bad;
}
