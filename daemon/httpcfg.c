#include "daemon/httpcfg.h"

#include <string.h>

#include "config/config.h"
#include "fetch/http.h"

void httpcfg_from_daemon(const struct config_daemon *dc, struct http_config *out)
{
	memset(out, 0, sizeof(*out));
	if (dc == NULL)
		return;
	out->user_agent = dc->user_agent;
	out->max_connections = dc->max_connections;
	out->max_per_host = dc->max_per_host;
	out->proxy = dc->proxy;
	out->allow_private = dc->allow_private;
	out->timeout_s = (long)dc->timeout;
	out->connect_timeout_s = (long)dc->connect_timeout;
	out->low_speed_time_s = (long)dc->low_speed_time;
	out->browser = dc->browser;
	out->max_renders = dc->max_renders;
}
