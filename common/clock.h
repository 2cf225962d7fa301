/*
 * common/clock: wall-clock time and the jitter source. Deadlines inside the
 * loop use ev_now() (monotonic, style.md §13); these are for what is stored
 * or shown (detected_at, next_attempt) and for spreading retries.
 */
#ifndef SW_CLOCK_H
#define SW_CLOCK_H

/* Unix time now, with sub-second precision (CLOCK_REALTIME). */
double clock_wall(void);

/* A uniform number in [0, 1) from random(3); the daemon seeds it once. */
double clock_jitter_unit(void);

#endif
