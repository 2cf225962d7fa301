#include "common/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The test hook of clock_wall (clock.h): 0 unless the variable names a file with a number. */
static double test_offset(void)
{
	const char *path = getenv("SPEECHWATCH_TEST_CLOCK_OFFSET_FILE");
	double off = 0;
	FILE *f;

	if (path == NULL || *path == '\0' || (f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%lf", &off) != 1)
		off = 0;
	fclose(f);
	return off;
}

static double read_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_wall(void)
{
	return read_clock(CLOCK_REALTIME) + test_offset();
}

double clock_mono(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

double clock_steady(void)
{
	static double wall0, mono0;
	static int anchored;

	if (!anchored) {
		wall0 = clock_wall();
		mono0 = clock_mono();
		anchored = 1;
	}
	return wall0 + (clock_mono() - mono0);
}

double clock_jitter_unit(void)
{
	return (double)random() / ((double)RAND_MAX + 1.0);
}
