/*
 * inspect.h — one subscriber's decoded state as a store or call-centre
 * agent reads it (churnctl inspect): plan and fee, tenure and stage, ARPU
 * tier, last outgoing activity, revenue by month, windowed usage,
 * forwarding, suspension, money owed, the commitment, the last alerts
 * with their cooldowns, the next timer. Pure: no I/O.
 */
#ifndef CW_INSPECT_H
#define CW_INSPECT_H

#include <stdint.h>

#include "cw/engine.h"
#include "cw/state.h"

struct cw_inspect {
	const struct cw_engine *engine;  /* the loaded rules (profile, marks) */
	const struct cw_state *state;    /* decoded */
	const char *subscriber;
	int64_t at;                      /* event time the features are read at */
	int64_t next_due;                /* from the timer index; INT64_MAX none */
};

/* Text (json 0) or JSON (json 1), malloc'd; NULL when out of memory. */
char *cw_inspect_render(const struct cw_inspect *in, int json);

#endif
