/*
 * watermark.c — the event-time rule (see watermark.h).
 *
 * Why the second newest pair and not the newest: once every partition is
 * caught up, taking the newest lets one future-dated event (a wrong
 * clock on one switch) fire everybody's silence timers hours early, and
 * the real events that follow are then late. Why not the oldest: a pair
 * with no traffic (a quiet partition, the sparse billing side) would hold
 * every timer back indefinitely. Flink and Kafka Streams take the minimum
 * over non-idle inputs; here "idle" is "caught up", which the log decides,
 * not a wall-clock timeout, so a back-test moves time as live did.
 */
#include "cw/watermark.h"

int64_t cw_watermark_base(const struct cw_wm_pair *pairs, size_t n,
			  int64_t wall_ms)
{
	int64_t behind = INT64_MAX, first = INT64_MIN, second = INT64_MIN;
	size_t timed = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t t = pairs[i].time;
		if (pairs[i].behind && t < behind)
			behind = t;
		if (t == INT64_MIN)
			continue;
		timed++;
		if (t > first) {
			second = first;
			first = t;
		} else if (t > second) {
			second = t;
		}
	}
	if (timed == 0 || behind == INT64_MIN)
		return INT64_MIN;
	int64_t base = n == 1 ? first : second;
	if (base == INT64_MIN)
		return INT64_MIN;
	if (behind < base)
		base = behind;
	if (base > wall_ms)
		base = wall_ms;
	return base;
}
