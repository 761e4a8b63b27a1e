/*
 * segment.c — a subscriber's segment at an instant (see segment.h).
 */
#include "cw/segment.h"

int64_t cw_segment_revenue(const struct cw_engine_conf *c,
			   const struct cw_state *st, int64_t now)
{
	int32_t cur = cw_month_of(now, c->utc_offset_ms);
	int32_t first = cw_month_of(st->activate_ms, c->utc_offset_ms);
	int64_t sum = 0;
	int n = 0;

	for (int32_t m = cur - 1; m >= cur - 3 && m >= first; m--) {
		sum += cw_state_month(st, m);
		n++;
	}
	return n ? sum / n : cw_state_month(st, cur);
}

int cw_segment_arpu_tier(const struct cw_engine_conf *c,
			 const struct cw_state *st, int64_t now)
{
	int64_t a = cw_segment_revenue(c, st, now);

	if (a < c->arpu_mid)
		return 0;
	return a <= c->arpu_high ? 1 : 2;
}

int cw_segment_tenure_stage(const struct cw_engine_conf *c,
			    const struct cw_state *st, int64_t now)
{
	int64_t t = now - st->activate_ms;

	if (t < c->tenure_stable_ms)
		return 0;
	return t <= c->tenure_mature_ms ? 1 : 2;
}
