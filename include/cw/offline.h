/*
 * offline.h — drive the real engine in event time, in memory.
 *
 * No Kafka, no Redis: used by `churnctl test-rules`, `churnctl backtest`
 * and benchmarks. It behaves like the daemon where that matters for alerts:
 *
 *   - each subscriber's state is kept ENCODED (cw_state_encode with the
 *     engine's profile) between calls and decoded into one scratch state
 *     for every event or timer run, exactly as the pipeline round-trips it
 *     through Redis — so a rule that reads something the profile drops
 *     behaves here as it would in production;
 *   - an event first runs its own subscriber's timers due up to its ts,
 *     then applies (cw_batch_apply, the daemon's step); every other timer
 *     runs from cw_offline_advance(watermark), in due order (a min-heap
 *     on cw_engine_next_due);
 *   - a rule's `limit:` is the daemon's daily selection (limit.h): its
 *     alerts wait until cw_offline_advance has run every timer of their
 *     day, then the day's N best-ranked reach the sink; the rest are
 *     withheld (recorded in the state all the same, with their tasks).
 *     Events alone never close a day: advance the watermark.
 *
 * Nothing is global: any number of drivers may coexist. Not thread-safe.
 */
#ifndef CW_OFFLINE_H
#define CW_OFFLINE_H

#include <stddef.h>
#include <stdint.h>

#include "cw/engine.h"

struct cw_offline;

struct cw_offline_stats {
	uint64_t events;        /* events offered (duplicates included) */
	uint64_t duplicates;    /* rejected by event_id de-duplication */
	uint64_t subscribers;   /* distinct subscribers seen */
	uint64_t state_bytes;   /* sum of the encoded state blobs now */
	uint64_t state_max;     /* largest single blob now or ever */
	uint64_t alerts;        /* alerts handed to the sink */
	uint64_t suppressed;    /* alerts withheld by a rule's limit */
	uint64_t held;          /* alerts of limited rules whose day is
				 * still open (limit.h) */
	uint64_t timer_runs;    /* subscribers run through cw_engine_advance */
	uint64_t due;           /* subscribers with a pending timer */
	int64_t watermark;      /* last watermark advanced to (INT64_MIN) */
};

/*
 * A new driver over `engine` (borrowed; must outlive the driver, as must
 * its rules and reference data). Alerts that pass the rule limits go to
 * `sink` (copied; its ctx is borrowed; NULL discards them).
 * Returns 0, or -ENOMEM.
 */
int cw_offline_new(const struct cw_engine *engine,
		   const struct cw_alert_sink *sink, struct cw_offline **out);
void cw_offline_free(struct cw_offline *o);

/*
 * Apply one valid event (cw_event_parse output): decode its subscriber's
 * state, run its timers due up to the event's ts and apply the event
 * (cw_batch_apply, as the daemon does), encode, re-schedule. Other
 * subscribers' timers wait for cw_offline_advance(watermark).
 * O(log subscribers) besides the engine's own work.
 * Returns 0 applied, 1 duplicate, -ENOMEM, or -EOVERFLOW when the state
 * would not encode within CW_STATE_BLOB_MAX (the event is then lost).
 */
int cw_offline_event(struct cw_offline *o, const struct cw_event *ev);

/*
 * Run timers: every subscriber whose next timer is due at or before
 * `watermark`, earliest first, through cw_engine_advance(watermark), then
 * re-schedule it. A watermark older than the last one is ignored (it never
 * goes backwards). At most `max` subscribers are run (0 = no bound);
 * returns how many were run, or -ENOMEM. Call again while it returns `max`.
 */
int cw_offline_advance_some(struct cw_offline *o, int64_t watermark,
			    size_t max);
/* cw_offline_advance_some with no bound. */
int cw_offline_advance(struct cw_offline *o, int64_t watermark);

/* Earliest pending timer, INT64_MAX if none. */
int64_t cw_offline_next_due(const struct cw_offline *o);

void cw_offline_stats(const struct cw_offline *o,
		      struct cw_offline_stats *out);

/*
 * Decode the current state of `subscriber` into *st (caller's buffer;
 * struct cw_state is large). Returns 0, -ENOENT if never seen, -EINVAL if
 * the stored blob does not decode. For tests and tools.
 */
int cw_offline_state(const struct cw_offline *o, const char *subscriber,
		     struct cw_state *st);
/*
 * Call fn for every subscriber seen, in first-seen order, with its decoded
 * state (the driver's scratch: valid only during the call). Stops at the
 * first non-zero return and returns it; -EINVAL if a blob does not decode.
 */
int cw_offline_foreach(const struct cw_offline *o,
		       int (*fn)(void *ctx, const char *subscriber,
				 const struct cw_state *st),
		       void *ctx);
/* Encoded size of `subscriber`'s state, -1 if never seen. */
long cw_offline_state_size(const struct cw_offline *o,
			   const char *subscriber);

#endif
