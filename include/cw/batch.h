/*
 * batch.h — the per-subscriber step both drivers share (pure, no I/O):
 * the daemon's pipeline (daemon/io/apply.c) and the in-memory driver
 * (daemon/core/offline.c, behind test-rules and the feature tools) apply
 * events, run timers and encode states through these functions (rule
 * limits are limit.h's), so a rule cannot behave one way live and another in a
 * test.
 */
#ifndef CW_BATCH_H
#define CW_BATCH_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "cw/engine.h"
#include "cw/state.h"

/*
 * One event of a subscriber, in that subscriber's ts order: first every
 * timer due up to the event's own ts is judged on the state as of its
 * due time (the result must not depend on where batches begin or how far
 * this partition runs ahead of others: guarantee 3), then the event is
 * applied and the event-driven rules judge it.
 */
enum cw_apply_result cw_batch_apply(const struct cw_engine *e,
				    struct cw_state *st,
				    const struct cw_event *ev,
				    const struct cw_alert_sink *sink);

/*
 * Encode `st` with the engine's profile into buf (CW_STATE_BLOB_MAX).
 * When it does not fit and the state remembers event ids, they are given
 * up (the part that grows with traffic; de-duplication of this
 * subscriber's recent events is lost) and *dropped_ids is set. Returns
 * the length, or -1 when even that does not fit (the caller must
 * dead-letter the subscriber's events, never drop them silently).
 */
int cw_batch_encode(const struct cw_engine *e, struct cw_state *st,
		    uint8_t *buf, size_t cap, int *dropped_ids);

/* ---- the subscriber table of a batch ------------------------------------- */

/* One subscriber touched by a batch: its events chained in the order they
 * are applied, (ts, topic), through a caller's `next` array. */
struct cw_batch_sub {
	char id[CW_SUB_MAX + 1];
	int32_t partition;
	int first_ev;       /* index into the batch's events, -1 none */
	int nev;
	int used;
};

/* Open addressing on the subscriber id; `order` lists the used slots in
 * first-seen order, the order the batch is applied and written in. */
struct cw_batch_subs {
	struct cw_batch_sub *slot;
	int *order;
	size_t cap;         /* a power of two, at least twice the most
			     * subscribers one batch can touch */
	size_t n;
};

/* 0, or -ENOMEM. `most` is the most subscribers one batch can touch. */
int cw_batch_subs_init(struct cw_batch_subs *t, size_t most);
void cw_batch_subs_fini(struct cw_batch_subs *t);
void cw_batch_subs_reset(struct cw_batch_subs *t);
/* The subscriber's entry, added (with no events) if new. */
struct cw_batch_sub *cw_batch_subs_get(struct cw_batch_subs *t,
				       const char *id, int32_t partition);
/* Chain events[0..n) to their subscribers (partition of event i in
 * parts[i]), each chain ordered by (ts, topic) with arrival breaking
 * ties: the order a subscriber's events are applied in. */
void cw_batch_subs_chain(struct cw_batch_subs *t, const struct cw_event *events,
			 const int32_t *parts, int *next, size_t n);

/* ---- the per-subscriber step ---------------------------------------------- */

struct cw_step_result {
	int64_t next_due;   /* INT64_MAX: no timer */
	int len;            /* encoded length; -1: does not fit (dead-letter) */
	int dropped_ids;    /* event ids given up to fit */
	int corrupt;        /* the stored blob did not decode: started afresh */
	uint32_t late;      /* events older than wm_before */
	uint32_t duplicates;
	uint32_t rejected;  /* refused by the engine (sink->refused) */
};

/*
 * One subscriber's whole step, what the daemon does per subscriber per
 * batch and the in-memory driver per event or timer run: decode `blob`
 * (NULL: a fresh state), apply its events (the chain from `first`
 * through `next`, in order, each after the timers due before it: see
 * cw_batch_apply), run the timers due up to `watermark` (INT64_MIN:
 * none), encode into out (CW_STATE_BLOB_MAX) and say when it is next due.
 * Alerts go to `sink`. `st` is the caller's scratch state.
 */
void cw_batch_step(const struct cw_engine *e, struct cw_state *st,
		   const char *sub, const uint8_t *blob, size_t bloblen,
		   const struct cw_event *events, const int *next, int first,
		   int64_t wm_before, int64_t watermark,
		   const struct cw_alert_sink *sink, uint8_t *out,
		   struct cw_step_result *r);

#endif
