/*
 * common/clock: wall-clock time, the outbox's step-free clock and the jitter
 * source. Deadlines inside the loop use ev_now() (monotonic, style.md §13);
 * clock_wall is for what is stored or shown (detected_at, delivered_at),
 * clock_steady for instants the daemon waits for (an event's next attempt).
 */
#ifndef SW_CLOCK_H
#define SW_CLOCK_H

/*
 * Unix time now, with sub-second precision (CLOCK_REALTIME). Tests step it:
 * when SPEECHWATCH_TEST_CLOCK_OFFSET_FILE names a readable file, the number
 * of seconds in it (read at each call) is added. Without the variable the
 * real clock is returned untouched.
 */
double clock_wall(void);

/* Seconds on CLOCK_MONOTONIC: only differences mean anything. */
double clock_mono(void);

/*
 * The wall clock as it read at the first call in this process, advanced by
 * the monotonic clock since: Unix time that a step of the system clock
 * (back an hour, or NTP fixing a clock days off) does not move while the
 * process runs. It is re-anchored to the wall clock at each start, so
 * instants written with it stay meaningful in the store.
 */
double clock_steady(void);

/* A uniform number in [0, 1) from random(3); the daemon seeds it once. */
double clock_jitter_unit(void);

#endif
