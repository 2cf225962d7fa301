/*
 * daemon/outbox: delivery of the events the store holds. Each event is
 * sent through its channel (notify/); the answer moves it along
 * queued -> sending -> delivered | retry_wait -> ... -> dead, and every move
 * is written to the store before the next attempt. Ids never change, so a
 * receiver can de-duplicate the repeats that at-least-once delivery allows.
 */
#ifndef SW_OUTBOX_H
#define SW_OUTBOX_H

#include <stddef.h>

struct daemon;
struct outbox;
struct config;

/*
 * Channels from d->cfg (a stdout channel when none is configured). NULL after
 * logging. At start, events left "sending" by an earlier process are queued
 * again; after a reload they are not: they belong to the retired outbox.
 */
struct outbox *outbox_new(struct daemon *d, int at_start);
/* Cancels sends in flight (their events stay pending) and frees. */
void outbox_free(struct outbox *ob);

/*
 * Reload: ob (the outbox of the configuration cfg) starts no more sends;
 * those in flight finish on their channels and are judged as usual, then
 * ob and cfg are freed. So a SIGHUP does not cancel and re-send a delivery
 * that is under way. Takes ownership of both; d->outbox must already be the
 * new outbox.
 */
void outbox_retire(struct outbox *ob, struct config *cfg);
/* Shutdown: cancels the sends of retired outboxes (events stay pending), frees them. */
void outbox_free_retired(struct daemon *d);

/* The channel ids events are written for, in config order. */
size_t outbox_channels(const struct outbox *ob, const char *const **ids);

/* Something was committed: look for due events soon (from the loop, not now). */
void outbox_kick(struct outbox *ob);

/* Sends in flight. */
size_t outbox_in_flight(const struct outbox *ob);
/* Once mode: 1 when every event was tried in this run and nothing is in flight. */
int outbox_idle(const struct outbox *ob);

/* Stops scheduling new attempts (graceful stop); in-flight sends finish. */
void outbox_stop(struct outbox *ob);

#endif
