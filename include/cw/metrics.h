/*
 * metrics.h — Prometheus counters and the /metrics, /healthz, /readyz
 * endpoints (libmicrohttpd, its own thread).
 *
 * The processing loop only increments atomics; the HTTP thread formats
 * them. Label sets are fixed (topics, event types, reasons) except rules,
 * which are looked up by name under a mutex (alerts are rare).
 */
#ifndef CW_METRICS_H
#define CW_METRICS_H

#include <stdint.h>

#include "cw/event.h"
#include "cw/rules.h"

struct cw_metrics;

int cw_metrics_new(struct cw_metrics **out);
/* Is `listen` an address cw_metrics_listen accepts? (--check-config) */
int cw_metrics_check_listen(const char *listen, char *err, size_t errlen);
/* Start serving on "host:port" ("" or NULL: do not serve). */
int cw_metrics_listen(struct cw_metrics *m, const char *listen, char *err,
		      size_t errlen);
void cw_metrics_free(struct cw_metrics *m);

void cw_metrics_event(struct cw_metrics *m, enum cw_topic_kind t,
		      enum cw_event_type type);
void cw_metrics_invalid(struct cw_metrics *m, enum cw_invalid why);
/* Late and duplicate events of a batch, counted once the batch is
 * durable (a batch discarded and read again is not counted twice). */
void cw_metrics_late(struct cw_metrics *m, uint64_t n);
void cw_metrics_duplicate(struct cw_metrics *m, uint64_t n);
void cw_metrics_alert(struct cw_metrics *m, const char *rule,
		      enum cw_severity sev, int suppressed);
/* A published alert's retention task: `kind` is enum cw_task_kind
 * (engine.h); queue = the task's queue (NULL: none). */
void cw_metrics_task(struct cw_metrics *m, const char *queue, int kind);
/* A retention-loop counter (loop.h's field names): the live ones are
 * exposed (outcomes by rule, contacts by result, churn by kind). */
void cw_metrics_count(struct cw_metrics *m, const char *field, int64_t delta);
void cw_metrics_redis_error(struct cw_metrics *m);
void cw_metrics_set_watermark(struct cw_metrics *m, int64_t ms);
void cw_metrics_set_reload(struct cw_metrics *m, int success,
			   int64_t unix_s);
void cw_metrics_set_ready(struct cw_metrics *m, int ready);
void cw_metrics_batch(struct cw_metrics *m, uint64_t msgs,
		      uint64_t redis_cmds, uint64_t redis_exchanges);

/* How far behind the input the daemon is: wall clock minus the Kafka
 * timestamp of the newest message taken (ms). */
void cw_metrics_set_input_lag(struct cw_metrics *m, int64_t ms);

/* The loaded rules: their series exist at 0 from now on, and
 * churnwatch_rules_info carries the set's version. Call on every load. */
void cw_metrics_set_rules(struct cw_metrics *m, const struct cw_ruleset *rs);
/* Add per-rule evaluation counts (indexed like rs->rules). */
void cw_metrics_rule_evaluations(struct cw_metrics *m,
				 const struct cw_ruleset *rs,
				 const uint64_t *evals);
void cw_metrics_observe_batch(struct cw_metrics *m, double seconds);
void cw_metrics_observe_alert_latency(struct cw_metrics *m, double seconds);
/* A dead letter's delivery report: 1 acknowledged, 0 refused. */
void cw_metrics_dlq(struct cw_metrics *m, int delivered);
void cw_metrics_set_outbox_depth(struct cw_metrics *m, int64_t n);
/* Alerts of limited rules waiting for their day (daemon/io/held.c). */
void cw_metrics_set_alerts_held(struct cw_metrics *m, int64_t n);
/* Consumer lag in messages of one partition (librdkafka statistics);
 * clear() forgets them all (revocation). */
void cw_metrics_set_consumer_lag(struct cw_metrics *m, enum cw_topic_kind t,
				 int32_t partition, int64_t lag);
void cw_metrics_clear_consumer_lag(struct cw_metrics *m);
/* A subscriber state over the blob limit (its batch dead-lettered). */
void cw_metrics_state_too_large(struct cw_metrics *m);
/* A batch refused because another instance holds its partitions' fence. */
void cw_metrics_fenced(struct cw_metrics *m);
/* Redis refused a write for lack of memory (the batch is retried). */
void cw_metrics_redis_oom(struct cw_metrics *m);
/* Last eviction-policy check: noeviction or not, keys evicted so far. */
void cw_metrics_set_redis_memory(struct cw_metrics *m, int noeviction,
				 long long evicted);

/* Render the exposition text into a malloc'd string (tests, HTTP). */
char *cw_metrics_render(struct cw_metrics *m);
int cw_metrics_ready(struct cw_metrics *m);

#endif
