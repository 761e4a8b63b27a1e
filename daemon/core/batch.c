/*
 * batch.c — the per-subscriber step both drivers share (see batch.h).
 */
#include <string.h>

#include "cw/batch.h"

enum cw_apply_result cw_batch_apply(const struct cw_engine *e,
				    struct cw_state *st,
				    const struct cw_event *ev,
				    const struct cw_alert_sink *sink)
{
	cw_engine_advance(e, st, ev->subscriber, ev->ts_ms, sink);
	return cw_engine_apply(e, st, ev, sink);
}

int cw_batch_encode(const struct cw_engine *e, struct cw_state *st,
		    uint8_t *buf, size_t cap, int *dropped_ids)
{
	int n = cw_state_encode(st, &e->profile, buf, cap);

	*dropped_ids = 0;
	if (n < 0 && st->ndedup) {
		uint32_t kept = st->ndedup;

		st->ndedup = 0;
		n = cw_state_encode(st, &e->profile, buf, cap);
		st->ndedup = kept;
		*dropped_ids = n >= 0;
	}
	return n;
}

void cw_flood_init(struct cw_flood *f)
{
	memset(f, 0, sizeof(*f));
}

int cw_flood_admit(struct cw_flood *f, const struct cw_engine *e,
		   const struct cw_alert *a)
{
	const struct cw_rule *r = a->rule;
	size_t idx = (size_t)(r - e->rules->rules);
	uint32_t h;
	int32_t day = cw_day_of(a->ts_ms, 0);
	int victim = 0;

	if (r->limit_per_day <= 0)
		return 0;
	h = idx < CW_RULES_MAX ? e->rule_hash[idx] : 0;
	for (int i = 0; i < CW_FLOOD_SLOTS; i++) {
		if (f->slot[i].count && f->slot[i].rule_hash == h &&
		    f->slot[i].day == day) {
			victim = i;
			goto found;
		}
		if (!f->slot[i].count || f->slot[i].day < f->slot[victim].day)
			victim = i;
	}
	f->slot[victim].rule_hash = h;
	f->slot[victim].day = day;
	f->slot[victim].count = 0;
found:
	if (f->slot[victim].count >= r->limit_per_day)
		return 1;
	f->slot[victim].count++;
	return 0;
}
