/*
 * daemon/channels: a [notify] section handed to notify/ as it is. The
 * daemon knows no channel type: it passes the id, the type's name, its own
 * user agent and digest period and the section's other lines with their
 * FILE:LINE; the type's backend reads and judges them.
 */
#ifndef SW_CHANNELS_H
#define SW_CHANNELS_H

#include <stddef.h>

#include "notify/notify.h"

struct buf;
struct config;
struct config_notify;
struct ev_loop;
struct http;

/*
 * Opens n's channel (NULL: the default stdout channel) on loop and h. The
 * config is borrowed and may go after this returns. Returns the channel, or
 * NULL with err filled with "FILE:LINE: notify 'id': message" lines.
 */
struct notify_channel *channels_open(const struct config *cfg, const struct config_notify *n,
				     struct ev_loop *loop, struct http *h, char *err,
				     size_t errlen);

/* The type of n's channel ("stdout" for the default one). */
const char *channels_type(const struct config_notify *n);

/*
 * Opens every configured channel once on loop and h without sending, so that
 * what only the channel's type can judge (its keys, files, templates,
 * secrets) is reported; appends "FILE:LINE: notify 'x': ..." lines to errors.
 * Returns the number of bad channels.
 */
size_t channels_check(const struct config *cfg, struct ev_loop *loop, struct http *h,
		      struct buf *errors);

#endif
