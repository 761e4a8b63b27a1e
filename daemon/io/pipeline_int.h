/*
 * pipeline_int.h — internals shared by the pipeline's files (not installed).
 *
 *   pipeline.c  the loop, rebalancing, watermark, life cycle: it calls
 *               the files below and none of them calls it back
 *   merge.c     per-partition queues merged pairwise in event time; hands
 *               invalid messages back (p->rejects) instead of publishing
 *   apply.c     subscriber table, Redis reads, the step (two shards, one
 *               on a worker thread) into the held batch, its transaction;
 *               hands states too large to keep back (p->too_large)
 *   held.c      alerts of limited rules, held until their day closes
 *   publish.c   alerts, dead letters, the outbox, post-commit
 *   exchange.c  one Redis round trip, retried through outages while the
 *               consumer is still served (used by pipeline.c and publish.c)
 * The small helpers all of them use are static inline below.
 */
#ifndef CW_PIPELINE_INT_H
#define CW_PIPELINE_INT_H

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "cw/batch.h"
#include "cw/engine.h"
#include "cw/failpoint.h"
#include "cw/limit.h"
#include "cw/loop.h"
#include "cw/log.h"
#include "cw/pipeline.h"
#include "cw/routing.h"
#include "cw/state.h"
#include "cw/statestore.h"
#include "cw/store.h"
#include "cw/watermark.h"

#define PARTS_MAX 1024
#define SWEEP_TOTAL 8000          /* due subscribers loaded per batch */
#define INFLIGHT_MAX 100000       /* produce back-pressure threshold */
#define KEY_MAX 96

struct part {
	int assigned;
	int have_ts;
	int64_t newest_ts;   /* newest event ts consumed */
	int64_t next_offset; /* next offset to read; -1 unknown */
	int dirty;           /* offset/ts changed in the batch being built */
	rd_kafka_queue_t *q;      /* this partition's own queue (see pl_collect) */
	rd_kafka_message_t *head; /* consumed from q, not yet taken (owned) */
	enum cw_invalid head_why; /* CW_INVALID_NONE: head_ev is valid */
	struct cw_event head_ev;
};


#define DLQ_PAYLOAD_MAX (64 * 1024) /* bad input copied to the DLQ, at most */

struct pending_alert {
	char *json;         /* owned until produced */
	char id[CW_ALERT_ID_LEN + 2]; /* archive records: "~" + their id */
	int archive;        /* a churn-archive record, not an alert */
	char sub[CW_SUB_MAX + 1];
	int32_t partition;
	int64_t src_kafka_ts; /* newest input of its batch (latency); 0: none */
	/* Its retention task (routing.yaml): queue "" when it opens or
	 * raises none. `day` is the task's (its first alert's) event-time
	 * day; `raise`: an attached alert lifting the open task's priority. */
	char queue[CW_QUEUE_NAME_MAX + 1];
	char day[11];         /* YYYY-MM-DD */
	int64_t priority;
	char task_id[CW_ALERT_ID_LEN + 1];
	int raise;
};

struct delivered {
	char id[CW_ALERT_ID_LEN + 2];
	int32_t partition;
};

enum dr_kind { DR_ALERT, DR_DLQ };

struct dr_rec {
	enum dr_kind kind;
	struct cw_pipeline *p;
	int32_t partition;
	int64_t src_kafka_ts;
	char id[CW_ALERT_ID_LEN + 2];
};

/* An invalid message taken by merge.c, dead-lettered by the loop. */
struct reject {
	rd_kafka_message_t *m;    /* owned until dead-lettered */
	enum cw_invalid why;
};

/*
 * A stepped batch (apply.c): what its subscribers' states became, its
 * alerts and its offsets, kept until its transaction is committed. The
 * transaction is queued behind the NEXT batch's state reads, so that
 * Redis runs it while the loop steps that batch; the next batch therefore
 * takes the states this one wrote from here (the carry), not from Redis,
 * which answers its reads before the transaction.
 */
enum out_kind {
	OUT_STATE,   /* write the blob (and its timer) */
	OUT_FORGET,  /* no state: forget its timer */
	OUT_KEEP,    /* nothing written (too large: dead-lettered) */
};

struct out_sub {
	char id[CW_SUB_MAX + 1];
	int32_t partition;
	enum out_kind kind;
	int closed;          /* a deactivated line: the shorter TTL */
	int64_t due;         /* INT64_MAX: no timer */
	size_t off, len;     /* the blob in the arena */
};

/* A partition's progress as the batch left it (written with its states). */
struct out_progress {
	enum cw_topic_kind topic;
	int32_t partition;
	int64_t next_offset;
	int have_ts;
	int64_t newest_ts;
};

/* A batch's retention counters (counts.c), summed per (month, field). */
struct count_cell {
	int32_t month;
	char field[128];
	int64_t delta;
};

struct counts {
	struct count_cell *cell;
	size_t n, cap;
	int *index;                /* open addressing over cell, -1 empty */
	size_t index_cap;
};

/* A contact/offer/outcome for no task of its subscriber (apply.c),
 * dead-lettered by the loop before the batch's transaction goes. */
struct task_reject {
	char *json;                /* the event, canonical (owned) */
	enum cw_topic_kind topic;
	int32_t partition;
	int64_t offset;
};

/* The subscribers of one shard of a stepped batch (a subscriber's shard
 * is a hash of its id: the same in every batch). */
struct out_shard {
	struct out_sub *subs;          /* in apply order */
	size_t nsubs, subs_cap;
	int *index;                    /* open addressing over subs, -1 empty */
	size_t index_cap;              /* a power of two, > 2 * nsubs */
	uint8_t *arena;
	size_t arena_len, arena_cap;
	struct pending_alert *alerts;  /* owned, published after the commit */
	size_t nalerts, alerts_cap;
	struct counts counts;          /* the retention loop's (loop.h) */
	uint64_t late, dups;
};

#define STEP_SHARDS 2

struct batch_out {
	int used;                      /* stepped, not yet committed */
	struct out_shard sh[STEP_SHARDS];
	struct out_progress *progress;
	size_t nprogress, progress_cap;
	uint64_t msgs;
};

/* A subscriber whose state would not fit (apply.c), dead-lettered by the
 * loop before the batch's transaction goes. */
struct too_large {
	char sub[CW_SUB_MAX + 1];
	int32_t partition;
	size_t nevents;
};


struct cw_pipeline {
	const struct cw_conf *conf;
	struct cw_metrics *metrics;
	struct cw_runtime *rt;
	struct cw_pipeline_opts opts;
	struct cw_store *store;
	rd_kafka_t *consumer;
	rd_kafka_t *producer;
	struct cw_event_limits limits;

	struct part parts[CW_TOPIC__COUNT][PARTS_MAX];
	int nparts;
	int64_t watermark;       /* INT64_MIN until known */
	struct cw_wm_pair wm_pairs[PARTS_MAX]; /* scratch for the rule */
	int64_t swept_upto[PARTS_MAX];
	int sweep_more[PARTS_MAX];

	/* the batch being collected/processed */
	size_t nmsgs;            /* messages taken into the current batch */
	int cursor, cursor_next; /* merge_pass round robin */
	int64_t batch_kafka_ts;  /* newest Kafka timestamp taken (input lag) */
	struct cw_event *events;
	int32_t *ev_part;
	int64_t *ev_offset;      /* each event's Kafka offset (dead letters) */
	int *ev_next;
	size_t nevents;
	struct cw_batch_subs subs; /* subscribers touched (batch.h) */
	int rebalanced;

	/* subscribers found due by the last sweep, loaded with the next batch */
	struct cw_batch_sub *swept;
	size_t nswept, swept_cap;

	/* Stepped batches: `held` waits for its transaction to commit,
	 * `next` is stepped meanwhile; they swap after each step. */
	struct batch_out out[2];
	struct batch_out *held, *next;
	int pending;                  /* held->used: a transaction waits */

	struct reject *rejects;  /* of the batch being collected */
	size_t nrejects, rejects_cap;
	struct too_large *too_large; /* of the batch just applied */
	size_t ntoo_large, too_large_cap;
	struct task_reject *task_rejects; /* of the batch just applied */
	size_t ntask_rejects, task_rejects_cap;

	struct delivered *delivered;
	size_t ndelivered, delivered_cap;
	int64_t dlq_inflight;
	int64_t alerts_inflight;

	/* Alerts of limited rules waiting for their day (held.c): the
	 * book, its changes for the next transaction, and how far every
	 * event and timer has been judged (days before it can close). */
	struct cw_limit_book *book;
	struct held_op *held_ops;
	size_t nheld_ops, held_ops_cap;
	int64_t fired_upto;           /* INT64_MIN: not known yet */
	int64_t fire_after_step;      /* fired_upto once the swept are stepped */

	struct cw_state *scratch;
	uint64_t evals[CW_RULES_MAX]; /* per-rule evaluations of this batch */
	/* The step's second shard runs on this thread (apply.c), with its
	 * own scratch state and evaluation counts. */
	struct step_worker *worker;
	struct cw_state *scratch2;
	uint64_t evals2[CW_RULES_MAX];
	pthread_mutex_t step_lock;    /* the book and hand-backs */
	int fatal;                    /* a permanent Redis error: stop, exit 1 */
	int in_callback;              /* inside the rebalance callback */
	int in_exchange;              /* pl_exchange depth */
	int abandoned;                /* revoked during an exchange's retries */
	int fenced;                   /* another instance took our partitions */
	int assign_all;               /* kafka.assignment: all (no group) */
	int64_t fenced_log_ms;
	struct cw_failpoint fp;
	int64_t memcheck_ms;          /* last eviction-policy check (wall) */
	int64_t input_lag_ms;

	struct cw_statestore *ss;     /* the key layout over p->store */

	struct cw_pipeline_stats stats;
};

struct reads {
	int mget;                 /* reply index of MGET, -1 none */
	int sweep[PARTS_MAX];     /* reply index per partition, -1 none */
	/* The batch whose transaction follows the MGET in the same round
	 * trip: its states are newer than the MGET's answer. NULL none. */
	const struct batch_out *carry;
};

/* ---- helpers every part uses -------------------------------------------- */

static inline int64_t pl_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Grow an array to hold `need` elements (doubling); NULL when out of
 * memory (the old array is then still valid). */
static inline void *pl_grow(void *ptr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return ptr;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	void *np = realloc(ptr, n * elem);
	if (!np)
		return NULL;
	*cap = n;
	return np;
}

static inline void pl_heartbeat(struct cw_pipeline *p)
{
	if (p->opts.heartbeat)
		p->opts.heartbeat(p->opts.heartbeat_ctx);
}

static inline int pl_stopping(struct cw_pipeline *p)
{
	return p->fatal ||
	       (p->opts.should_stop && p->opts.should_stop(p->opts.heartbeat_ctx));
}

static inline const char *pl_topic_name(const struct cw_pipeline *p,
					enum cw_topic_kind t)
{
	switch (t) {
	case CW_TOPIC_CDR:
		return p->conf->topic_cdr;
	case CW_TOPIC_BILLING:
		return p->conf->topic_billing;
	case CW_TOPIC_RETENTION:
	case CW_TOPIC__COUNT:
		break;
	}
	return p->conf->topic_retention;
}

/*
 * An error the consumer reports as a whole (not a message). A fatal one
 * (another member took our group.instance.id: KIP-345 fences the older)
 * stops the daemon with exit 1, like any configuration error: it does
 * not heal by retrying.
 */
static inline void pl_consumer_error(struct cw_pipeline *p,
				     const rd_kafka_message_t *m)
{
	char why[512];

	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
		return;
	if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(p->consumer, why, sizeof(why));
		log_err("kafka: fatal consumer error: %s%s; stopping (exit 1)", why,
			strstr(why, "nstance") ? " (kafka.group_instance_id is "
			"used by another running instance)" : "");
		p->fatal = 1;
		return;
	}
	log_warn_rl("kafka: %s", rd_kafka_message_errstr(m));
}

/* "<topic>/<partition>": the field of off:/wm: hashes. */
static inline void pl_part_key(const struct cw_pipeline *p,
			       enum cw_topic_kind t, int32_t part, char *buf,
			       size_t len)
{
	snprintf(buf, len, "%s/%" PRId32, pl_topic_name(p, t), part);
}

/* apply.c */
void pl_group_events(struct cw_pipeline *p);
/* MGET of the batch's subscribers (r->mget), then the held batch's
 * transaction (r->carry), then the sweeps (r->sweep). */
void pl_queue_reads(struct cw_pipeline *p, struct reads *r);
/* Step the collected batch into p->next from the states just read (and
 * r->carry), then make it the held batch. */
void pl_step_batch(struct cw_pipeline *p, const struct reads *r,
		   int64_t wm_before, uint64_t msgs);
/* Queue the held batch's MULTI/EXEC: states, timers, outbox, offsets. */
void pl_queue_held(struct cw_pipeline *p);
void pl_queue_outbox_cleanup(struct cw_pipeline *p);
void pl_subs_reset(struct cw_pipeline *p);
void pl_take_sweep(struct cw_pipeline *p, const struct reads *r);
void pl_out_clear(struct batch_out *o);
void pl_out_free(struct batch_out *o);
/* The second step thread: 0, or -1 (then the step runs on one thread). */
int pl_step_worker_start(struct cw_pipeline *p);
void pl_step_worker_stop(struct cw_pipeline *p);
/* counts.c */
/* 0, or -1 (out of memory, or a field too long: the count is lost and
 * logged by the caller). */
int pl_counts_add(struct counts *c, int32_t month, const char *field,
		  int64_t delta);
/* HINCRBY of every cell into the open transaction. */
void pl_counts_queue(struct cw_statestore *ss, const struct counts *c);
void pl_counts_clear(struct counts *c);
void pl_counts_free(struct counts *c);
/* held.c */
int pl_held_init(struct cw_pipeline *p);
void pl_held_fini(struct cw_pipeline *p);
/* Forget the book and the unwritten changes (a dropped batch; the next
 * assignment loads it again). */
void pl_held_reset(struct cw_pipeline *p);
/* An alert of a limited rule (step threads), `pa` its pending alert
 * (taken; NULL: it could not be built, out of memory). */
void pl_held_offer(struct cw_pipeline *p, const struct cw_alert *a,
		   struct pending_alert *pa);
/* The book's changes into the open transaction. */
void pl_held_queue_writes(struct cw_pipeline *p);
/* After the sweep is taken: how far timers have run (fired_upto). */
void pl_held_note_sweep(struct cw_pipeline *p);
/* Would pl_held_close have alerts to publish or drop? */
int pl_held_due(const struct cw_pipeline *p);
/* Close the days before fired_upto into the held batch (used). */
void pl_held_close(struct cw_pipeline *p);
/* A fresh book from P held: of the assigned partitions. */
void pl_held_load(struct cw_pipeline *p, const int32_t *parts, size_t n);
/* merge.c */
void pl_collect(struct cw_pipeline *p);
void pl_destroy_msgs(struct cw_pipeline *p);
void pl_drop_heads(struct cw_pipeline *p);
int pl_part_unread(struct cw_pipeline *p, enum cw_topic_kind t,
		   int32_t part);
/* exchange.c */
/* Send what is queued, retrying through outages. 0: done; -1: stopping
 * or a permanent error (nothing acknowledged); -2: the batch is void
 * (fenced, or the partitions were revoked while retrying): drop it. */
int pl_exchange(struct cw_pipeline *p);
/* Sleep ms while serving the consumer (rebalances, errors). */
void pl_wait_serving_kafka(struct cw_pipeline *p, int64_t ms);
/* publish.c */
/* Dead-letter what merge.c rejected and what apply.c could not keep
 * (p->rejects, p->too_large), emptying both lists. */
void pl_dead_letter_rejects(struct cw_pipeline *p);
void pl_dead_letter_too_large(struct cw_pipeline *p);
/* ... and the retention events for no known task (p->task_rejects). */
void pl_dead_letter_task_rejects(struct cw_pipeline *p);
/* Forget rejects not yet dead-lettered (shutdown). */
void pl_free_rejects(struct cw_pipeline *p);
void pl_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);
void pl_drop_pending(struct cw_pipeline *p);
int pl_flush_pending(struct cw_pipeline *p);
void pl_post_commit(struct cw_pipeline *p);
void pl_republish_outbox(struct cw_pipeline *p, const int32_t *parts,
			 size_t n);
void pl_wait_dead_letters(struct cw_pipeline *p);

#endif
