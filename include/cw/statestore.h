/*
 * statestore.h — churnwatch's Redis key layout and the commands on it:
 * the one place that knows them (docs/state.md). store.h moves bytes
 * (pipelined RESP, one round trip, retries); this module says what the
 * bytes are. Every function queues onto the store's pending exchange and
 * returns the reply index to read after it (or a negative errno: -EINVAL
 * for a partition out of range, -ENOMEM), so a batch's reads and the
 * previous batch's transaction still share one round trip.
 *
 * Key layout (prefix P = redis.key_prefix, default "cw:"):
 *   P s:<subscriber>          string  subscriber state blob (docs/state.md)
 *   P due:<partition>         zset    subscriber -> next timer due (ms)
 *   P off:<group>             hash    "<topic>/<partition>" -> next offset
 *   P wm:<group>              hash    "<topic>/<partition>" -> newest ts
 *   P outbox:<partition>      hash    alert_id -> alert JSON (undelivered)
 *   P kpi:<YYYY-MM>           hash    the retention loop's counters of
 *                                     that event-time month (field -> n)
 *   P held:<partition>        hash    alert_id -> record of an alert of a
 *                                     limited rule waiting for its day's
 *                                     selection (daemon/io/held.c)
 *   P fence:<group>:<pair>    string  owner epoch of partition pair N
 *   P wl:<queue>:<day>        zset    alert_id -> priority (money units):
 *                                     the retention queue's tasks of that
 *                                     event-time day (docs/retention.md)
 *   P wlj:<queue>:<day>       hash    alert_id -> alert JSON
 *   (both expire 31 days after their last write, wall clock)
 * Sentinels make lost keys visible (docs/guarantees.md): each batch
 * transaction that stores offsets of pair N also writes the member
 * CW_STORE_TIMER_SENTINEL<group> (score +inf, never due) of due:<N> and
 * the field CW_STORE_SENTINEL_FIELD<N> ("~due/N") of off:<group>.
 *
 * Room is left for a stronger fence (a Lua script checking the epoch
 * inside the transaction instead of WATCH): it would replace
 * cw_ss_begin/cw_ss_commit only.
 */
#ifndef CW_STATESTORE_H
#define CW_STATESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "cw/store.h"

#define CW_SS_KEY_MAX 96

struct cw_statestore;

struct cw_ss_opts {
	struct cw_store *store;   /* borrowed; must outlive the statestore */
	const char *group;        /* kafka.group_id: offsets, fences, sentinel */
	int nparts;               /* partitions of a pair (0: a tool's view) */
	int64_t state_ttl_ms;     /* redis.state_ttl */
	int64_t closed_ttl_ms;    /* redis.closed_ttl (deactivated lines) */
};

/* 0, or -ENOMEM / -EINVAL (a group or prefix too long for a key). */
int cw_ss_new(const struct cw_ss_opts *o, struct cw_statestore **out);
void cw_ss_free(struct cw_statestore *ss);
struct cw_store *cw_ss_store(const struct cw_statestore *ss);

/* ---- a batch's reads ---------------------------------------------------- */

/* MGET of the subscribers' states; reply index, or -ENOMEM. */
int cw_ss_queue_states(struct cw_statestore *ss, const char *const *subs,
		       size_t n);
/* Subscribers of `partition` due at or before `upto`, at most `limit`. */
int cw_ss_queue_due(struct cw_statestore *ss, int32_t partition,
		    int64_t upto, int limit);

/* ---- the batch transaction ------------------------------------------------ */

void cw_ss_begin(struct cw_statestore *ss);                 /* MULTI */
/* A state and its next timer (INT64_MAX: none); `closed` keeps it for
 * redis.closed_ttl instead of redis.state_ttl. */
void cw_ss_put_state(struct cw_statestore *ss, const char *sub,
		     int32_t partition, const uint8_t *blob, size_t len,
		     int closed, int64_t due);
/* A due subscriber whose state expired: forget its timer. */
void cw_ss_forget_due(struct cw_statestore *ss, const char *sub,
		      int32_t partition);
void cw_ss_put_outbox(struct cw_statestore *ss, int32_t partition,
		      const char *alert_id, const char *json);
/* The sentinels vouching for pair `partition`'s offsets. */
void cw_ss_put_sentinels(struct cw_statestore *ss, int32_t partition);
/* A partition's next offset and, when have_ts, its newest event ts;
 * `field` is "<topic>/<partition>". */
void cw_ss_put_progress(struct cw_statestore *ss, const char *field,
			int64_t next_offset, int have_ts, int64_t newest_ts);
/* An alert the alert topic acknowledged leaves the outbox. */
void cw_ss_delete_outbox(struct cw_statestore *ss, int32_t partition,
			 const char *alert_id);
void cw_ss_commit(struct cw_statestore *ss);                /* EXEC */

/* ---- assignment ------------------------------------------------------------ */

void cw_ss_queue_unwatch(struct cw_statestore *ss);
/* INCR of pair N's fence: the new epoch is the reply. */
int cw_ss_queue_take_fence(struct cw_statestore *ss, int32_t pair);
/* The fence key of pair N into buf (CW_SS_KEY_MAX); its length or
 * -ENAMETOOLONG. */
int cw_ss_fence_key(const struct cw_statestore *ss, int32_t pair, char *buf,
		    size_t len);
/* HGET of a "<topic>/<partition>" field: the stored offset, newest ts. */
int cw_ss_queue_offset(struct cw_statestore *ss, const char *field);
int cw_ss_queue_newest(struct cw_statestore *ss, const char *field);
/* Pair N's two sentinels (ZSCORE in due:N, HGET of ~due/N in off:). */
int cw_ss_queue_timer_sentinel(struct cw_statestore *ss, int32_t pair);
int cw_ss_queue_offset_sentinel(struct cw_statestore *ss, int32_t pair);
/* HGETALL of pair N's outbox (alert_id, json, alert_id, json, ...). */
int cw_ss_queue_outbox(struct cw_statestore *ss, int32_t pair);

/* The retention loop's monthly counter `field` of month "YYYY-MM" +=
 * delta (HINCRBY P kpi:<month>; docs/retention.md#kpis). */
void cw_ss_add_count(struct cw_statestore *ss, const char *month,
		     const char *field, int64_t delta);

/*
 * Every monthly counter (churnctl report): fn(ctx, "YYYY-MM", field, n)
 * for each field of each P kpi:<month>. Read-only (SCAN, HGETALL). 0, or
 * -1 with a message (fn returning < 0 stops it: out of memory).
 */
int cw_ss_read_counts(struct cw_statestore *ss,
		      int (*fn)(void *ctx, const char *month, const char *field,
				int64_t n),
		      void *ctx, char *err, size_t errlen);

/* Alerts of limited rules waiting for their day to close (limit.h), kept
 * with the batch that judged them: `record` is the pipeline's (held.c). */
void cw_ss_put_held(struct cw_statestore *ss, int32_t partition,
		    const char *alert_id, const char *record);
void cw_ss_drop_held(struct cw_statestore *ss, int32_t partition,
		     const char *alert_id);
/* HGETALL of pair N's held alerts (alert_id, record, ...). */
int cw_ss_queue_held(struct cw_statestore *ss, int32_t pair);

/* ---- tools (own connection, round trips of their own) ----------------- */

/*
 * One subscriber as inspect sees it: its state blob (malloc'd into
 * *blob, NULL when there is none) and its next timer from whichever
 * due:<n> holds it (*due = INT64_MAX when none). Read-only: GET, SCAN,
 * ZSCORE. 0, or -1 with a message.
 */
int cw_ss_read_subscriber(struct cw_statestore *ss, const char *sub,
			  uint8_t **blob, size_t *len, int64_t *due,
			  char *err, size_t errlen);

/* Within a transaction: alert `alert_id` (its JSON) is a task of `queue`
 * on event-time day `day` ("YYYY-MM-DD"), ranked
 * by `priority`. Absolute writes (ZADD, HSET) and a TTL refresh: repeating
 * them is harmless. */
void cw_ss_put_task(struct cw_statestore *ss, const char *queue,
		    const char *day, const char *alert_id,
		    int64_t priority, const char *json);

/* Within a transaction: an alert attached to open task `task_id` lifts
 * its rank to `priority` if higher (ZADD GT: absolute, repeatable). */
void cw_ss_raise_task(struct cw_statestore *ss, const char *queue,
		      const char *day, const char *task_id, int64_t priority);

/* One task of a worklist, owned by the caller (cw_ss_worklist_free). */
struct cw_ss_task {
	char *alert_id;
	int64_t priority;
	char *json;          /* NULL when the alert's text is missing */
};

/*
 * The tasks of `queue` on `day`, highest priority first (ties: the larger
 * alert id first, as ZREVRANGE orders them), at most `limit` (the queue's
 * capacity); *total is how many the day has in all. Read-only (ZREVRANGE,
 * ZCARD, HMGET). 0, or -1 with a message.
 */
int cw_ss_read_worklist(struct cw_statestore *ss, const char *queue,
			const char *day, int64_t limit, struct cw_ss_task **out,
			size_t *n, size_t *total, char *err, size_t errlen);
void cw_ss_worklist_free(struct cw_ss_task *t, size_t n);
/* Delete every key under the store's prefix (a back-test's scratch
 * prefix), SCAN and UNLINK in rounds. The keys removed, or -1 with a
 * message. */
long cw_ss_drop_prefix(struct cw_statestore *ss, char *err, size_t errlen);

#endif
