/*
 * limit.h — a rule's `limit:` as a deterministic daily selection (pure,
 * no I/O; used by the daemon's pipeline and the in-memory driver).
 *
 * `limit: N` keeps, of each event-time (UTC) day, the N alerts of the rule
 * that rank first by
 *
 *     priority descending, then alert_id descending
 *
 * (the order of a Redis ZREVRANGE over a priority-scored set, as the
 * worklists use) and publishes them when the day closes: when every event
 * and timer of the day has been judged. The rest of the day's alerts are
 * withheld (counted as suppressed). Which alerts pass is therefore a
 * function of the day's alerts alone, never of the order batches, threads
 * or restarts offered them in (guarantee 3).
 *
 * The book holds the candidates of the open days, at most N per (rule,
 * day): offering one more drops the lowest-ranked. Entries carry the
 * caller's payload (what to publish), owned by the book from a KEPT offer
 * until it is handed back (evicted, closed or cleared). Not thread-safe.
 */
#ifndef CW_LIMIT_H
#define CW_LIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "cw/engine.h"

struct cw_limit_entry {
	uint32_t rule_hash;     /* the engine's rule hash (of its name) */
	int32_t day;            /* UTC event-time day of the alert */
	int32_t partition;      /* where the daemon keeps it (-1: none) */
	int64_t priority;       /* money units (engine.h) */
	char id[CW_ALERT_ID_LEN + 1];
	void *payload;          /* the caller's */
};

struct cw_limit_book;

/* 0, or -ENOMEM. `free_payload` may be NULL (payloads not owned). */
int cw_limit_book_new(void (*free_payload)(void *),
		      struct cw_limit_book **out);
void cw_limit_book_free(struct cw_limit_book *b);
/* Forget every candidate (payloads freed); closed days stay closed. */
void cw_limit_book_clear(struct cw_limit_book *b);
/* Forget closed days too (a fresh assignment; the store has the rest). */
void cw_limit_book_reset(struct cw_limit_book *b);

enum cw_limit_offer {
	CW_LIMIT_KEPT,      /* the book owns the payload now */
	CW_LIMIT_CUT,       /* ranks below the day's N (or N <= 0): not kept */
	CW_LIMIT_LATE,      /* its day is closed already: not kept */
	CW_LIMIT_DUP,       /* the same alert id is held: not kept */
};

/*
 * Offer a candidate (`e` is copied; its payload is the book's only when
 * KEPT). When it pushes the (rule, day)'s lowest-ranked entry out, that
 * entry is copied to *evicted and `*have_evicted` set: its payload is the
 * caller's again. -ENOMEM leaves the book as it was.
 */
int cw_limit_offer(struct cw_limit_book *b, const struct cw_limit_entry *e,
		   int64_t limit, struct cw_limit_entry *evicted,
		   int *have_evicted);

/* Entries held, over all open days. */
size_t cw_limit_held(const struct cw_limit_book *b);
/* The earliest day still held, or INT32_MAX when none. */
int32_t cw_limit_oldest_day(const struct cw_limit_book *b);

/*
 * Close every day before `first_open` (its alerts are all judged): for
 * each (day, rule) in (day, rule hash) order, its entries in rank order,
 * `fn(ctx, entry, admitted)` with admitted for the first limit_of(ctx,
 * rule_hash) (a rule gone since: 0, nothing admitted). `fn` takes the
 * payload. Days before `first_open` are closed from now on: a later offer
 * for one is LATE.
 */
void cw_limit_close(struct cw_limit_book *b, int32_t first_open,
		    int64_t (*limit_of)(void *ctx, uint32_t rule_hash),
		    void (*fn)(void *ctx, struct cw_limit_entry *e, int admitted),
		    void *ctx);

/* The rank order: < 0 when a ranks before b (priority, then alert id,
 * both descending). */
int cw_limit_rank_cmp(const struct cw_limit_entry *a,
		      const struct cw_limit_entry *b);

/* The entry of alert `a` (its rule's hash in engine e, its UTC day,
 * priority and id) for `partition`, carrying `payload`. */
void cw_limit_entry_of(const struct cw_engine *e, const struct cw_alert *a,
		       int32_t partition, void *payload,
		       struct cw_limit_entry *out);

/* The current limit of the engine's rule with that name hash (0: none,
 * disabled or gone). */
int64_t cw_limit_of_rule(const struct cw_engine *e, uint32_t rule_hash);

#endif
