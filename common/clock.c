#include "common/clock.h"

#include <stdlib.h>
#include <time.h>

double clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_jitter_unit(void)
{
	return (double)random() / ((double)RAND_MAX + 1.0);
}
