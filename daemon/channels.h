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

/*
 * Opens every configured channel once on loop and h without sending, so that
 * what only the channel can judge (mail templates, secrets' encoding) is
 * reported; appends "FILE:LINE: notify 'x': ..." lines to errors. Returns the
 * number of bad channels.
 */
struct buf;
struct ev_loop;
struct http;
size_t channels_check(const struct config *cfg, struct ev_loop *loop, struct http *h,
		      struct buf *errors);

#endif
