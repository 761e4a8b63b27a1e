/*
 * batch.h — the per-subscriber step both drivers share (pure, no I/O):
 * the daemon's pipeline (daemon/io/apply.c) and the in-memory driver
 * (daemon/core/offline.c, behind test-rules and the feature tools) apply
 * events, run timers, guard against floods and encode states through
 * these functions, so a rule cannot behave one way live and another in a
 * test.
 */
#ifndef CW_BATCH_H
#define CW_BATCH_H

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

/*
 * The flood guard: at most a rule's `limit:` alerts per UTC event-time
 * day, per instance. Days are remembered in CW_FLOOD_SLOTS slots shared
 * by all rules, the oldest day making room; keyed by the engine's rule
 * hash, so a reload that keeps a rule keeps its count.
 */
#define CW_FLOOD_SLOTS 512

struct cw_flood {
	struct {
		uint32_t rule_hash;
		int32_t day;
		int64_t count;
	} slot[CW_FLOOD_SLOTS];
};

void cw_flood_init(struct cw_flood *f);
/* 0: the alert passes (and is counted); 1: the rule's limit for the
 * alert's day is reached, withhold it. */
int cw_flood_admit(struct cw_flood *f, const struct cw_engine *e,
		   const struct cw_alert *a);

#endif
