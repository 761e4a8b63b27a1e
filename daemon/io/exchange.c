/*
 * exchange.c — one Redis round trip for the pipeline, retried through
 * outages with backoff. While it retries it keeps serving the consumer
 * (rebalances, errors), so that a revocation during an outage is noticed
 * and a batch whose partitions moved on is dropped, not written (the
 * fencing of docs/guarantees.md); permanent errors stop the daemon.
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "cw/log.h"
#include "cw/metrics.h"
#include "cw/store.h"
#include "pipeline_int.h"

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * While retrying, keep serving the consumer: its own queue carries only
 * rebalances and errors (messages wait in the partition queues, see
 * merge.c), so polling it takes nothing from the batch. A revocation is
 * then noticed during an outage, and the group does not give our
 * partitions away for want of polls (max.poll.interval.ms). Not inside
 * the rebalance callback itself.
 */
void pl_wait_serving_kafka(struct cw_pipeline *p, int64_t ms)
{
	int64_t end = pl_wall_ms() + ms;

	if (p->in_callback || !p->consumer) {
		sleep_ms(ms);
		return;
	}
	for (int64_t left = ms; left > 0 && !p->abandoned; left = end - pl_wall_ms()) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(p->consumer,
							       (int)(left < 100 ? left : 100));
		if (m) {
			if (m->err)
				pl_consumer_error(p, m);
			rd_kafka_message_destroy(m);
		}
		pl_heartbeat(p);
	}
}

/* Another instance holds (some of) our pairs: stop writing until the
 * group tells us what we own. */
static void enter_fenced(struct cw_pipeline *p, const char *why)
{
	if (p->assign_all) {
		/* No group will ever reassign: another instance reads the
		 * same partitions, which kafka.assignment: all rules out. */
		log_err("%s; kafka.assignment is 'all' but another instance "
			"writes the same partitions: stopping (exit 1)", why);
		cw_store_fence_clear(p->store);
		p->fenced = 1;
		p->fatal = 1;
		return;
	}
	log_err("%s; discarding the batch, waiting for the consumer group to "
		"reassign partitions", why);
	cw_metrics_fenced(p->metrics);
	cw_metrics_set_ready(p->metrics, 0);
	cw_store_fence_clear(p->store);
	p->fenced = 1;
	p->fenced_log_ms = pl_wall_ms();
}

static int exchange_once(struct cw_pipeline *p, int64_t *backoff)
{
	char err[512];

	if (cw_store_exchange(p->store, err, sizeof(err)) == 0) {
		if (*backoff > 100)
			log_notice("redis: connection restored");
		return 0;
	}
	cw_metrics_redis_error(p->metrics);
	switch (cw_store_last_fault(p->store)) {
	case CW_STORE_FENCED:
		enter_fenced(p, err);
		return -2;
	case CW_STORE_PERMANENT:
		/* Retrying cannot heal it: stop without acknowledging
		 * anything; the batch is read again after the fix. */
		log_err("%s; stopping (exit 1): retrying cannot fix this", err);
		p->fatal = 1;
		return -1;
	case CW_STORE_OOM:
		cw_metrics_redis_oom(p->metrics);
		log_err_rl("redis refused the batch for lack of memory (%s); "
			   "retrying, nothing is skipped: raise maxmemory", err);
		break;
	default:
		break;
	}
	cw_metrics_set_ready(p->metrics, 0);
	log_warn_rl("redis: exchange failed, retrying in %" PRId64 " ms: %s",
		    *backoff, err);
	pl_heartbeat(p);
	if (pl_stopping(p))
		return -1;
	pl_wait_serving_kafka(p, *backoff);
	if (p->abandoned)
		return -2;
	*backoff = *backoff * 2 > 5000 ? 5000 : *backoff * 2;
	if (cw_store_reconnect(p->store, err, sizeof(err)) < 0) {
		switch (cw_store_last_fault(p->store)) {
		case CW_STORE_FENCED:
			cw_store_discard(p->store);
			enter_fenced(p, err);
			return -2;
		case CW_STORE_PERMANENT:
			log_err("%s; stopping (exit 1)", err);
			p->fatal = 1;
			return -1;
		default:
			log_warn_rl("redis reconnect: %s", err);
		}
	}
	return 1;
}

int pl_exchange(struct cw_pipeline *p)
{
	int64_t backoff = 100;
	int rc;

	if (p->in_exchange++ == 0)
		p->abandoned = 0;
	while ((rc = exchange_once(p, &backoff)) > 0)
		;
	p->in_exchange--;
	return rc;
}

