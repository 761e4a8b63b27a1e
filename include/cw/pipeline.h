/*
 * pipeline.h — the daemon's processing loop: Kafka in, Redis state, alerts
 * and dead letters out, offsets committed.
 *
 * One iteration (cw_pipeline_step):
 *   1. poll a batch of messages; parse; bad ones go to the dead-letter topic
 *   2. one Redis round trip carrying both the previous batch's transaction
 *      (MULTI ... EXEC: states, timers, outbox, offsets) and this batch's
 *      reads (MGET states, due timers)
 *   3. the previous batch is now durable: publish its alerts, commit its
 *      offsets to Kafka
 *   4. apply this batch in memory and queue its transaction for step 2 of
 *      the next iteration
 * See docs/guarantees.md for why this gives exactly-once state effects.
 */
#ifndef CW_PIPELINE_H
#define CW_PIPELINE_H

#include <stdint.h>

#include "cw/conf.h"
#include "cw/metrics.h"
#include "cw/runtime.h"

struct cw_pipeline;

struct cw_pipeline_opts {
	const struct cw_conf *conf;       /* borrowed; outlives the pipeline */
	struct cw_metrics *metrics;       /* borrowed */
	const struct cw_secrets *secrets; /* borrowed; may be NULL */
	/* Called while waiting (outages, back-pressure), so the caller can
	 * keep the systemd watchdog fed and notice stop requests. */
	void (*heartbeat)(void *ctx);
	void *heartbeat_ctx;
	/* Returns non-zero when the process should stop waiting and exit. */
	int (*should_stop)(void *ctx);
	/* Fault injection for the fault suite (failpoint.h); NULL: none. */
	const struct cw_failpoint *failpoint;
};

enum cw_pipeline_err {
	CW_PIPE_OK = 0,
	CW_PIPE_CONFIG = -1,       /* exit 1 */
	CW_PIPE_UNREACHABLE = -2,  /* exit 2: dependency not reachable */
};

/* Connect to Redis and Kafka (retrying within startup.retry_budget) and
 * subscribe. Takes ownership of rt. */
int cw_pipeline_new(const struct cw_pipeline_opts *o, struct cw_runtime *rt,
		    struct cw_pipeline **out, char *err, size_t errlen);

/* One iteration; returns the number of messages consumed (>= 0). */
int cw_pipeline_step(struct cw_pipeline *p);

/* Install a new rule generation (takes ownership); the old one is freed.
 * Only call between steps. */
void cw_pipeline_swap_runtime(struct cw_pipeline *p, struct cw_runtime *rt);
const struct cw_runtime *cw_pipeline_runtime(const struct cw_pipeline *p);

/* Finish the batch in flight, publish, commit, leave the group. */
int cw_pipeline_drain(struct cw_pipeline *p);
void cw_pipeline_free(struct cw_pipeline *p);

struct cw_pipeline_stats {
	uint64_t messages;
	uint64_t events;
	uint64_t invalid;
	uint64_t duplicates;
	uint64_t late;
	uint64_t alerts;
	uint64_t batches;
	uint64_t redis_exchanges;
	uint64_t redis_commands;
	int64_t watermark_ms;
	int partitions;           /* assigned now (cdr + billing) */
	int64_t input_lag_ms;     /* see churnwatch_input_lag_seconds */
	uint64_t held;            /* alerts of limited rules whose day is open */
};
/* A permanent Redis error (WRONGTYPE, NOPERM, MOVED, authentication...)
 * stopped the pipeline: the daemon exits 1. */
int cw_pipeline_fatal(const struct cw_pipeline *p);
void cw_pipeline_get_stats(const struct cw_pipeline *p,
			   struct cw_pipeline_stats *st);

#endif
