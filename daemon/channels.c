#include "daemon/channels.h"

#include <string.h>

#include "config/config.h"

static const char *type_name(const struct config_notify *n)
{
	if (n == NULL || n->type == CHANNEL_STDOUT)
		return "stdout";
	return n->type == CHANNEL_WEBHOOK ? "webhook" : "mail";
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
}
