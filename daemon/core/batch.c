/*
 * batch.c — the per-subscriber step both drivers share (see batch.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

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

/* ---- the subscriber table ------------------------------------------------- */

int cw_batch_subs_init(struct cw_batch_subs *t, size_t most)
{
	memset(t, 0, sizeof(*t));
	t->cap = 1;
	while (t->cap < 2 * most)
		t->cap *= 2;
	t->slot = calloc(t->cap, sizeof(*t->slot));
	t->order = calloc(t->cap, sizeof(*t->order));
	if (!t->slot || !t->order) {
		cw_batch_subs_fini(t);
		return -ENOMEM;
	}
	return 0;
}

void cw_batch_subs_fini(struct cw_batch_subs *t)
{
	free(t->slot);
	free(t->order);
	memset(t, 0, sizeof(*t));
}

void cw_batch_subs_reset(struct cw_batch_subs *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->slot[t->order[i]].used = 0;
	t->n = 0;
}

struct cw_batch_sub *cw_batch_subs_get(struct cw_batch_subs *t,
				       const char *id, int32_t partition)
{
	size_t mask = t->cap - 1;
	size_t h = (size_t)XXH3_64bits(id, strlen(id)) & mask;

	for (;; h = (h + 1) & mask) {
		struct cw_batch_sub *s = &t->slot[h];
		if (!s->used) {
			s->used = 1;
			snprintf(s->id, sizeof(s->id), "%s", id);
			s->partition = partition;
			s->first_ev = -1;
			s->nev = 0;
			t->order[t->n++] = (int)h;
			return s;
		}
		if (!strcmp(s->id, id))
			return s;
	}
}

void cw_batch_subs_chain(struct cw_batch_subs *t, const struct cw_event *events,
			 const int32_t *parts, int *next, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cw_event *ev = &events[i];
		struct cw_batch_sub *s = cw_batch_subs_get(t, ev->subscriber, parts[i]);
		int *link = &s->first_ev;

		while (*link >= 0 &&
		       (events[*link].ts_ms < ev->ts_ms ||
			(events[*link].ts_ms == ev->ts_ms &&
			 events[*link].topic <= ev->topic)))
			link = &next[*link];
		next[i] = *link;
		*link = (int)i;
		s->nev++;
	}
}

/* ---- the per-subscriber step ---------------------------------------------- */

void cw_batch_step(const struct cw_engine *e, struct cw_state *st,
		   const char *sub, const uint8_t *blob, size_t bloblen,
		   const struct cw_event *events, const int *next, int first,
		   int64_t wm_before, int64_t watermark,
		   const struct cw_alert_sink *sink, uint8_t *out,
		   struct cw_step_result *r)
{
	memset(r, 0, sizeof(*r));
	if (blob) {
		if (cw_state_decode(st, &e->profile, blob, bloblen) < 0)
			r->corrupt = 1; /* decode reset it: start afresh */
	} else {
		cw_state_init(st);
	}
	for (int i = first; i >= 0; i = next[i]) {
		const struct cw_event *ev = &events[i];

		if (wm_before != INT64_MIN && ev->ts_ms < wm_before)
			r->late++;
		enum cw_apply_result res = cw_batch_apply(e, st, ev, sink);
		if (res == CW_APPLY_DUPLICATE)
			r->duplicates++;
		else if (res == CW_APPLY_UNKNOWN_TASK) {
			r->rejected++;
			if (sink && sink->refused)
				sink->refused(sink->ctx, ev, CW_INVALID_UNKNOWN_TASK);
		}
	}
	if (watermark != INT64_MIN)
		cw_engine_advance(e, st, sub, watermark, sink);
	r->len = cw_batch_encode(e, st, out, CW_STATE_BLOB_MAX, &r->dropped_ids);
	r->next_due = cw_engine_next_due(e, st);
}
