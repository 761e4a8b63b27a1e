/*
 * segment.h — a subscriber's segment at an instant: the monthly revenue
 * the ARPU tier is taken from, the tier, the tenure stage. Pure functions
 * of the state and the engine's settings, below both the engine and the
 * retention loop (loop.c), which judge on them.
 */
#ifndef CW_SEGMENT_H
#define CW_SEGMENT_H

#include <stdint.h>

#include "cw/engine.h"
#include "cw/state.h"

/* The mean of the closed calendar months (up to 3) since activation; the
 * current month for a brand-new line. Money units. */
int64_t cw_segment_revenue(const struct cw_engine_conf *c,
			   const struct cw_state *st, int64_t now);
/* 0 low, 1 mid, 2 high (segments.arpu_mid / arpu_high). */
int cw_segment_arpu_tier(const struct cw_engine_conf *c,
			 const struct cw_state *st, int64_t now);
/* 0 new, 1 stable, 2 mature (segments.tenure_stable / tenure_mature). */
int cw_segment_tenure_stage(const struct cw_engine_conf *c,
			    const struct cw_state *st, int64_t now);

#endif
