/*
 * notify/retry: the delivery retry schedule (hardening.md, after Svix):
 * 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h, with +-20% jitter so a fleet of
 * events failed together does not retry together; a receiver's larger
 * Retry-After wins, capped at 24 h so a hostile value cannot park an event.
 */
#include "notify/notify.h"

#include <math.h>

#define RETRY_AFTER_CAP_S (24.0 * 3600.0)

static const double retry_schedule_s[] = {5., 300., 1800., 7200., 18000., 36000.};

double notify_retry_delay(int attempt, double retry_after_s, double jitter_unit)
{
	const int n = (int)(sizeof(retry_schedule_s) / sizeof(retry_schedule_s[0]));
	double j = jitter_unit;
	double delay;
	int i;

	i = attempt < 1 ? 0 : attempt > n ? n - 1 : attempt - 1;
	if (!(j >= 0.)) /* negative or NaN */
		j = 0.;
	if (j > 1.)
		j = 1.;
	delay = retry_schedule_s[i] * (0.8 + 0.4 * j);
	if (isfinite(retry_after_s) && retry_after_s > delay)
		delay = fmin(retry_after_s, RETRY_AFTER_CAP_S);
	else if (retry_after_s == INFINITY)
		delay = RETRY_AFTER_CAP_S;
	return delay;
}
