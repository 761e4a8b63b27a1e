/*
 * watermark.h — the event-time rule (pure, no I/O).
 *
 * The pipeline's time is one number, the watermark: timers (silence
 * deadlines, month closes, `when:` ticks) run when it passes their due
 * time. It is derived from the time of each partition pair (cdr/N and
 * billing/N, which have one writer): the newest event ts the pair gave.
 * docs/guarantees.md ("Watermark") states the rule for operators.
 */
#ifndef CW_WATERMARK_H
#define CW_WATERMARK_H

#include <stddef.h>
#include <stdint.h>

struct cw_wm_pair {
	int64_t time; /* newest event ts of the pair; INT64_MIN: none yet */
	int behind;   /* the pair still has unread input */
};

/*
 * The least of: the time of every pair that is behind; the second newest
 * pair time (the newest when n == 1), so one pair's outlier cannot move
 * everyone's time alone; and wall_ms (INT64_MAX: no wall clock bound).
 * Pairs that are caught up do not hold it back. INT64_MIN when it is not
 * known yet (no pair has a time, a pair that is behind has none, or fewer
 * than two pairs have one).
 *
 * The caller subtracts time.lateness and keeps the result monotonic.
 */
int64_t cw_watermark_base(const struct cw_wm_pair *pairs, size_t n,
			  int64_t wall_ms);

#endif
