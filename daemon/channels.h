/* daemon/channels: a [notify] section as notify/'s plain channel config. */
#ifndef SW_CHANNELS_H
#define SW_CHANNELS_H

#include "notify/notify.h"

struct config;
struct config_notify;

/*
 * Fills out from n (NULL: the default stdout channel). Strings are borrowed
 * from the config, which must outlive the channel.
 */
void channels_config(const struct config *cfg, const struct config_notify *n,
		     struct notify_channel_config *out);

#endif
