/*
 * pipeline.c — the batch loop behind churnwatchd (see pipeline.h).
 *
 * Ownership: a message consumed from a partition queue waits as that
 * partition's head (owned by struct part) until collect() takes it; it is
 * destroyed right there (the batch keeps the parsed copy) or on the
 * revocation path (drop_heads). Alert JSON
 * strings are owned by the pending batch until handed to the producer
 * (RD_KAFKA_MSG_F_FREE). Delivery-report records (struct dr_rec) are owned
 * by librdkafka between produce and their delivery report.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <xxhash.h>

#include "cw/engine.h"
#include "cw/kafka.h"
#include "cw/log.h"
#include "cw/pipeline.h"
#include "cw/state.h"
#include "cw/store.h"
#include "pipeline_int.h"

int64_t pl_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void pl_heartbeat(struct cw_pipeline *p)
{
	if (p->opts.heartbeat)
		p->opts.heartbeat(p->opts.heartbeat_ctx);
}

static int stopping(struct cw_pipeline *p)
{
	return p->fatal ||
	       (p->opts.should_stop && p->opts.should_stop(p->opts.heartbeat_ctx));
}

int cw_pipeline_fatal(const struct cw_pipeline *p)
{
	return p->fatal;
}

/*
 * Anything but noeviction lets Redis drop state, timers, offsets or
 * cooldown marks under memory pressure: duplicate alerts with new ids,
 * lost silences. Refused at start (configuration), a metric and an error
 * line while running.
 */
static int judge_eviction(struct cw_pipeline *p, const char *policy,
			  long long evicted, char *err, size_t errlen)
{
	cw_metrics_set_redis_memory(p->metrics, !strcmp(policy, "noeviction"), evicted);
	if (strcmp(policy, "noeviction")) {
		snprintf(err, errlen,
			 "redis maxmemory-policy is %s: churnwatch's state, timers "
			 "and offsets must never be evicted (%lld keys evicted so "
			 "far); set maxmemory-policy noeviction, or give churnwatch "
			 "a Redis of its own",
			 policy, evicted);
		return -2;
	}
	return 0;
}

/* At start: its own round trip. -1 unreachable, -2 an evicting Redis. */
static int check_eviction(struct cw_pipeline *p, char *err, size_t errlen)
{
	char policy[64];
	long long evicted = 0;

	if (cw_store_memory_info(p->store, policy, sizeof(policy), &evicted, err,
				 errlen) < 0)
		return -1;
	return judge_eviction(p, policy, evicted, err, errlen);
}

static int topic_kind(const struct cw_pipeline *p, const char *name,
		      enum cw_topic_kind *out)
{
	if (!strcmp(name, p->conf->topic_cdr))
		*out = CW_TOPIC_CDR;
	else if (!strcmp(name, p->conf->topic_billing))
		*out = CW_TOPIC_BILLING;
	else
		return -1;
	return 0;
}

const char *pl_topic_name(const struct cw_pipeline *p,
			  enum cw_topic_kind t)
{
	return t == CW_TOPIC_CDR ? p->conf->topic_cdr : p->conf->topic_billing;
}

void *pl_grow(void *ptr, size_t *cap, size_t need, size_t elem)
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

/*
 * Send what is queued, retrying through outages with backoff. Returns 0
 * when it went through, -1 if we were asked to stop first (the queue is
 * then still intact and nothing was acknowledged).
 */
int pl_exchange(struct cw_pipeline *p)
{
	char err[512];
	int64_t backoff = 100;

	for (;;) {
		if (cw_store_exchange(p->store, err, sizeof(err)) == 0) {
			if (backoff > 100)
				log_notice("redis: connection restored");
			return 0;
		}
		cw_metrics_redis_error(p->metrics);
		if (cw_store_last_fault(p->store) == CW_STORE_PERMANENT) {
			/* Retrying cannot heal it: stop without acknowledging
			 * anything; the batch is read again after the fix. */
			log_err("%s; stopping (exit 1): retrying cannot fix this", err);
			p->fatal = 1;
			return -1;
		}
		if (cw_store_last_fault(p->store) == CW_STORE_OOM) {
			cw_metrics_redis_oom(p->metrics);
			log_err_rl("redis refused the batch for lack of memory (%s); "
				   "retrying, nothing is skipped: raise maxmemory", err);
		}
		cw_metrics_set_ready(p->metrics, 0);
		log_warn_rl("redis: exchange failed, retrying in %" PRId64 " ms: %s",
			    backoff, err);
		pl_heartbeat(p);
		if (stopping(p))
			return -1;
		sleep_ms(backoff);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
		if (cw_store_reconnect(p->store, err, sizeof(err)) < 0) {
			if (cw_store_last_fault(p->store) == CW_STORE_PERMANENT) {
				log_err("%s; stopping (exit 1)", err);
				p->fatal = 1;
				return -1;
			}
			log_warn_rl("redis reconnect: %s", err);
		}
	}
}

void pl_part_key(const struct cw_pipeline *p, enum cw_topic_kind t,
		 int32_t part, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%" PRId32, pl_topic_name(p, t), part);
}

static void on_assign(struct cw_pipeline *p,
		      rd_kafka_topic_partition_list_t *parts)
{
	char key_off[KEY_MAX], key_wm[KEY_MAX], field[KEY_MAX];
	int *io = calloc((size_t)parts->cnt + 1, sizeof(int));
	int *iw = calloc((size_t)parts->cnt + 1, sizeof(int));
	int32_t *nums = calloc((size_t)parts->cnt + 1, sizeof(int32_t));
	size_t nnums = 0;

	if (!io || !iw || !nums) {
		log_err("out of memory on assignment");
		rd_kafka_assign(p->consumer, NULL);
		goto done;
	}
	if (pl_flush_pending(p) < 0)
		pl_drop_pending(p);
	cw_store_key(p->store, key_off, sizeof(key_off), "off:%s", p->conf->group_id);
	cw_store_key(p->store, key_wm, sizeof(key_wm), "wm:%s", p->conf->group_id);
	for (int i = 0; i < parts->cnt; i++) {
		enum cw_topic_kind t;
		if (topic_kind(p, parts->elems[i].topic, &t) < 0)
			continue;
		pl_part_key(p, t, parts->elems[i].partition, field, sizeof(field));
		io[i] = cw_store_queue(p->store, 3, (const char *[]){"HGET", key_off, field}, NULL);
		iw[i] = cw_store_queue(p->store, 3, (const char *[]){"HGET", key_wm, field}, NULL);
	}
	if (pl_exchange(p) < 0) {
		/* Stopping while Redis is down: take nothing rather than
		 * guess offsets. */
		cw_store_discard(p->store);
		rd_kafka_assign(p->consumer, NULL);
		goto done;
	}
	for (int i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *tp = &parts->elems[i];
		enum cw_topic_kind t;
		size_t len;
		char buf[32];
		if (topic_kind(p, tp->topic, &t) < 0 || tp->partition >= PARTS_MAX)
			continue;
		struct part *pt = &p->parts[t][tp->partition];
		*pt = (struct part){.assigned = 1, .next_offset = -1};
		const char *s = cw_store_reply_str(p->store, io[i], -1, &len);
		if (s && len < sizeof(buf)) {
			memcpy(buf, s, len);
			buf[len] = '\0';
			tp->offset = strtoll(buf, NULL, 10);
			pt->next_offset = tp->offset;
		} else {
			tp->offset = RD_KAFKA_OFFSET_STORED;
		}
		s = cw_store_reply_str(p->store, iw[i], -1, &len);
		if (s && len < sizeof(buf)) {
			memcpy(buf, s, len);
			buf[len] = '\0';
			pt->newest_ts = strtoll(buf, NULL, 10);
			pt->have_ts = 1;
		}
		/* Own queue per partition, before any message can flow. */
		pt->q = rd_kafka_queue_get_partition(p->consumer, tp->topic,
						     tp->partition);
		if (pt->q)
			rd_kafka_queue_forward(pt->q, NULL);
		if (t == CW_TOPIC_CDR)
			nums[nnums++] = tp->partition;
		p->swept_upto[tp->partition] = INT64_MIN;
		p->sweep_more[tp->partition] = 1;
	}
	cw_store_release(p->store);
	pl_republish_outbox(p, nums, nnums);
	log_info("assigned %d partitions", parts->cnt);
	rd_kafka_assign(p->consumer, parts);
	cw_metrics_set_ready(p->metrics, 1);
done:
	free(io);
	free(iw);
	free(nums);
}

static void on_revoke(struct cw_pipeline *p)
{
	/* If the group already gave our partitions away (we stalled past
	 * max.poll.interval.ms), writing now could overwrite the new owner's
	 * progress: drop the batch instead; it will be processed again. */
	if (rd_kafka_assignment_lost(p->consumer)) {
		log_warn("assignment lost: discarding the unsent batch");
		pl_drop_pending(p);
	} else if (pl_flush_pending(p) < 0) {
		pl_drop_pending(p);
	}
	pl_drop_heads(p);
	memset(p->parts, 0, sizeof(p->parts));
	p->nswept = 0;
	cw_metrics_clear_consumer_lag(p->metrics);
	rd_kafka_assign(p->consumer, NULL);
	log_info("partitions revoked");
}

/*
 * librdkafka statistics (statistics.interval.ms): the consumer lag of each
 * assigned partition, in messages, for /metrics. The JSON is librdkafka's
 * and documented in its STATISTICS.md: topics.T.partitions.N.consumer_lag.
 */
static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct cw_pipeline *p = opaque;
	json_object *root = json_tokener_parse(json), *topics;

	(void)rk;
	(void)len;
	if (!root)
		return 0;
	if (json_object_object_get_ex(root, "topics", &topics)) {
		json_object_object_foreach(topics, tname, tobj)
		{
			enum cw_topic_kind t;
			json_object *parts;

			if (topic_kind(p, tname, &t) < 0 ||
			    !json_object_object_get_ex(tobj, "partitions", &parts))
				continue;
			json_object_object_foreach(parts, pname, pobj)
			{
				json_object *lag, *desired;
				char *end;
				long n = strtol(pname, &end, 10);

				if (*end || n < 0 || n >= PARTS_MAX ||
				    !p->parts[t][n].assigned ||
				    !json_object_object_get_ex(pobj, "consumer_lag", &lag))
					continue;
				if (json_object_object_get_ex(pobj, "desired", &desired) &&
				    !json_object_get_boolean(desired))
					continue;
				cw_metrics_set_consumer_lag(p->metrics, t, (int32_t)n,
							    json_object_get_int64(lag));
			}
		}
	}
	json_object_put(root);
	return 0; /* librdkafka frees json */
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct cw_pipeline *p = opaque;

	(void)rk;
	p->rebalanced = 1;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
		on_assign(p, parts);
	else
		on_revoke(p);
}

/*
 * CONTRACT §7: the lowest newest-ts over partitions that still have unread
 * messages; if all are caught up, the newest ts seen anywhere; minus the
 * allowed lateness; never backwards.
 */
static void update_watermark(struct cw_pipeline *p)
{
	int64_t min_unread = INT64_MAX, max_seen = INT64_MIN;
	int any_unread = 0, any = 0;

	for (int t = 0; t < CW_TOPIC__COUNT; t++) {
		for (int i = 0; i < p->nparts && i < PARTS_MAX; i++) {
			struct part *pt = &p->parts[t][i];
			if (!pt->assigned)
				continue;
			any = 1;
			if (pl_part_unread(p, (enum cw_topic_kind)t, i)) {
				any_unread = 1;
				int64_t ts = pt->have_ts ? pt->newest_ts : INT64_MIN;
				if (ts < min_unread)
					min_unread = ts;
			}
			if (pt->have_ts && pt->newest_ts > max_seen)
				max_seen = pt->newest_ts;
		}
	}
	int64_t base = any_unread ? min_unread : max_seen;
	if (!any || base == INT64_MIN || base == INT64_MAX)
		return;
	int64_t wm = base - p->conf->lateness_ms;
	if (p->watermark == INT64_MIN || wm > p->watermark) {
		p->watermark = wm;
		cw_metrics_set_watermark(p->metrics, wm);
	}
}

int cw_pipeline_step(struct cw_pipeline *p)
{
	struct reads r;
	int64_t wm_before = p->watermark;
	size_t consumed;

	rd_kafka_poll(p->producer, 0);
	if (p->alerts_inflight + p->dlq_inflight > INFLIGHT_MAX) {
		/* Alert or dead-letter topic not keeping up: stop taking
		 * input until it does. */
		rd_kafka_poll(p->producer, 100);
		pl_heartbeat(p);
		return 0;
	}
	int64_t t0 = pl_wall_ms();
	int info_mem = -1, info_stats = -1;
	p->batch_kafka_ts = -1;
	pl_collect(p);
	consumed = p->nmsgs;
	/* Nothing taken: nothing is waiting, so the input is not behind
	 * (rather than freezing at the last batch's value while idle). */
	p->input_lag_ms = p->batch_kafka_ts > 0 ? pl_wall_ms() - p->batch_kafka_ts
				: consumed ? p->input_lag_ms : 0;
	cw_metrics_set_input_lag(p->metrics, p->input_lag_ms);
	update_watermark(p);
	pl_group_events(p);

	/* The previous batch's transaction may only go once its dead letters
	 * are safely in Kafka. */
	if (p->pending)
		pl_wait_dead_letters(p);
	pl_queue_reads(p, &r);
	/* Once a minute the eviction policy rides on this round trip. */
	if (t0 - p->memcheck_ms >= 60000) {
		p->memcheck_ms = t0;
		cw_store_queue_memory_info(p->store, &info_mem, &info_stats);
	}
	if (cw_store_queued(p->store) > 0) {
		uint64_t cmds = cw_store_queued(p->store);
		if (pl_exchange(p) < 0) {
			/* Stopping during an outage: nothing of this batch
			 * or the previous one is acknowledged; both are
			 * read again after the restart. */
			pl_destroy_msgs(p);
			pl_subs_reset(p);
			pl_drop_pending(p);
			return (int)consumed;
		}
		cw_metrics_set_ready(p->metrics, 1);
		p->stats.redis_exchanges++;
		p->stats.redis_commands += cmds;
		cw_metrics_batch(p->metrics, p->pending_msgs, cmds, 1);
		if (p->pending)
			pl_post_commit(p);
		pl_take_sweep(p, &r);
		if (info_mem >= 0) {
			char policy[64], err[512];
			long long evicted = 0;

			if (cw_store_parse_memory_info(p->store, info_mem, info_stats,
						       policy, sizeof(policy),
						       &evicted) == 0 &&
			    judge_eviction(p, policy, evicted, err, sizeof(err)) < 0)
				log_err_rl("%s", err);
		}
	}
	p->pending_msgs = consumed;
	if (p->nsubs || consumed) {
		pl_apply_batch(p, &r, wm_before);
		cw_metrics_rule_evaluations(p->metrics, p->rt->rules, p->evals);
		memset(p->evals, 0, sizeof(p->evals));
	}
	cw_metrics_set_outbox_depth(p->metrics, p->alerts_inflight);
	if (consumed)
		cw_metrics_observe_batch(p->metrics, (double)(pl_wall_ms() - t0) / 1000.0);
	cw_store_release(p->store);
	pl_subs_reset(p);
	pl_destroy_msgs(p);
	p->stats.watermark_ms = p->watermark;
	if (consumed)
		log_debug("batch: %zu messages, input lag %" PRId64 " ms, step %" PRId64 " ms",
			  consumed, p->batch_kafka_ts > 0 ? t0 - p->batch_kafka_ts : -1,
			  pl_wall_ms() - t0);
	return (int)consumed;
}

static int connect_redis(struct cw_pipeline *p, char *err, size_t errlen)
{
	struct cw_store_opts so = {
		.url = p->conf->redis_url,
		.password = p->opts.secrets ? p->opts.secrets->redis_password : NULL,
		.username = p->opts.secrets ? p->opts.secrets->redis_username : NULL,
		.prefix = p->conf->key_prefix,
		.timeout_ms = p->conf->redis_timeout_ms,
	};
	int64_t start = pl_wall_ms(), backoff = 100;

	int rc;

	while ((rc = cw_store_open(&so, &p->store, err, errlen)) < 0) {
		if (rc == -2)
			return -2; /* authentication refused: configuration */
		if (pl_wall_ms() - start > p->conf->startup_retry_ms || stopping(p))
			return -1;
		log_warn("%s (retrying)", err);
		pl_heartbeat(p);
		sleep_ms(backoff);
		backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
	}
	return 0;
}

static int connect_kafka(struct cw_pipeline *p, char *err, size_t errlen)
{
	char e[512];
	rd_kafka_conf_t *cc = cw_kafka_conf_new(p->conf, p->opts.secrets,
						CW_KAFKA_CONSUMER, err, errlen);
	rd_kafka_conf_t *pc = cc ? cw_kafka_conf_new(p->conf, p->opts.secrets,
						     CW_KAFKA_PRODUCER, err, errlen)
				 : NULL;

	if (!cc || !pc) {
		if (cc)
			rd_kafka_conf_destroy(cc);
		if (pc)
			rd_kafka_conf_destroy(pc);
		return CW_PIPE_CONFIG;
	}
	rd_kafka_conf_set_opaque(cc, p);
	rd_kafka_conf_set_rebalance_cb(cc, rebalance_cb);
	rd_kafka_conf_set_stats_cb(cc, stats_cb);
	rd_kafka_conf_set_dr_msg_cb(pc, pl_dr_cb);
	p->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, e, sizeof(e));
	if (!p->producer) {
		rd_kafka_conf_destroy(pc);
		rd_kafka_conf_destroy(cc);
		snprintf(err, errlen, "kafka producer: %s", e);
		return CW_PIPE_CONFIG;
	}
	pc = NULL; /* owned by producer */
	p->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, e, sizeof(e));
	if (!p->consumer) {
		rd_kafka_conf_destroy(cc);
		snprintf(err, errlen, "kafka consumer: %s", e);
		return CW_PIPE_CONFIG;
	}
	rd_kafka_poll_set_consumer(p->consumer);

	/* Both input topics must exist and be co-partitioned. */
	int64_t start = pl_wall_ms();
	int ncdr, nbill;
	for (;;) {
		ncdr = cw_kafka_partition_count(p->consumer, p->conf->topic_cdr, 2000, err, errlen);
		nbill = ncdr < 0 ? -1
				 : cw_kafka_partition_count(p->consumer, p->conf->topic_billing,
							    2000, err, errlen);
		if (ncdr > 0 && nbill > 0)
			break;
		/* A topic the cluster says does not exist may be being
		 * created: retry within the budget, then it is a
		 * configuration error (exit 1), not an outage (exit 2). */
		if (pl_wall_ms() - start > p->conf->startup_retry_ms || stopping(p))
			return ncdr == -2 || nbill == -2 ? CW_PIPE_CONFIG
							 : CW_PIPE_UNREACHABLE;
		log_warn("%s (retrying)", err);
		pl_heartbeat(p);
		sleep_ms(500);
	}
	if (ncdr != nbill || ncdr > PARTS_MAX) {
		snprintf(err, errlen,
			 "topics %s (%d partitions) and %s (%d) must have the same "
			 "partition count (at most %d): churnwatch relies on both "
			 "being partitioned by subscriber alike",
			 p->conf->topic_cdr, ncdr, p->conf->topic_billing, nbill,
			 PARTS_MAX);
		return CW_PIPE_CONFIG;
	}
	p->nparts = ncdr;

	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(2);
	rd_kafka_topic_partition_list_add(topics, p->conf->topic_cdr, RD_KAFKA_PARTITION_UA);
	rd_kafka_topic_partition_list_add(topics, p->conf->topic_billing, RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t re = rd_kafka_subscribe(p->consumer, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (re) {
		snprintf(err, errlen, "kafka subscribe: %s", rd_kafka_err2str(re));
		return CW_PIPE_CONFIG;
	}
	return CW_PIPE_OK;
}

int cw_pipeline_new(const struct cw_pipeline_opts *o, struct cw_runtime *rt,
		    struct cw_pipeline **out, char *err, size_t errlen)
{
	struct cw_pipeline *p = calloc(1, sizeof(*p));
	size_t bs;
	int rc;

	if (!p) {
		cw_runtime_free(rt);
		snprintf(err, errlen, "out of memory");
		return CW_PIPE_CONFIG;
	}
	p->opts = *o;
	p->conf = o->conf;
	p->metrics = o->metrics;
	p->rt = rt;
	p->watermark = INT64_MIN;
	cw_event_limits_default(&p->limits, pl_wall_ms());
	p->limits.max_future_ms = p->conf->max_future_ms;
	bs = (size_t)p->conf->batch_size;
	p->subs_cap = 1;
	while (p->subs_cap < 2 * (bs + (size_t)SWEEP_TOTAL + 50 * PARTS_MAX))
		p->subs_cap *= 2;
	p->events = calloc(bs, sizeof(*p->events));
	p->ev_part = calloc(bs, sizeof(*p->ev_part));
	p->ev_next = calloc(bs, sizeof(*p->ev_next));
	p->subs = calloc(p->subs_cap, sizeof(*p->subs));
	p->sub_order = calloc(p->subs_cap, sizeof(*p->sub_order));
	p->scratch = malloc(sizeof(*p->scratch));
	p->blob = malloc(CW_STATE_BLOB_MAX);
	if (!p->events || !p->ev_part || !p->ev_next || !p->subs ||
	    !p->sub_order || !p->scratch || !p->blob) {
		snprintf(err, errlen, "out of memory");
		rc = CW_PIPE_CONFIG;
		goto fail;
	}
	/* A URL that can never work is configuration, not an outage: no
	 * retries, exit 1 (so systemd does not restart into it). */
	if (cw_store_check_url(p->conf->redis_url, err, errlen) < 0) {
		rc = CW_PIPE_CONFIG;
		goto fail;
	}
	rc = connect_redis(p, err, errlen);
	if (rc < 0) {
		rc = rc == -2 ? CW_PIPE_CONFIG : CW_PIPE_UNREACHABLE;
		goto fail;
	}
	rc = check_eviction(p, err, errlen);
	if (rc < 0) {
		rc = rc == -2 ? CW_PIPE_CONFIG : CW_PIPE_UNREACHABLE;
		goto fail;
	}
	p->memcheck_ms = pl_wall_ms();
	rc = connect_kafka(p, err, errlen);
	if (rc != CW_PIPE_OK)
		goto fail;
	p->due_key = calloc((size_t)p->nparts, KEY_MAX);
	p->outbox_key = calloc((size_t)p->nparts, KEY_MAX);
	if (!p->due_key || !p->outbox_key) {
		snprintf(err, errlen, "out of memory");
		rc = CW_PIPE_CONFIG;
		goto fail;
	}
	for (int i = 0; i < p->nparts; i++) {
		cw_store_key(p->store, p->due_key[i], KEY_MAX, "due:%d", i);
		cw_store_key(p->store, p->outbox_key[i], KEY_MAX, "outbox:%d", i);
	}
	p->prefix_len = strlen(cw_store_prefix(p->store));
	if (p->prefix_len > 64) {
		/* Keys are built in fixed buffers on the hot path. */
		snprintf(err, errlen, "redis.key_prefix is longer than 64 bytes");
		rc = CW_PIPE_CONFIG;
		goto fail;
	}
	pl_i64_to_str(p->conf->state_ttl_ms, p->ttl);
	pl_i64_to_str(p->conf->closed_ttl_ms, p->ttl_closed);
	*out = p;
	return CW_PIPE_OK;
fail:
	cw_pipeline_free(p);
	return rc;
}

void cw_pipeline_swap_runtime(struct cw_pipeline *p, struct cw_runtime *rt)
{
	/* Alerts already built hold only copies; nothing borrows the old
	 * generation once a step has returned. */
	cw_runtime_free(p->rt);
	p->rt = rt;
}

const struct cw_runtime *cw_pipeline_runtime(const struct cw_pipeline *p)
{
	return p->rt;
}

int cw_pipeline_drain(struct cw_pipeline *p)
{
	int rc = 0;

	if (p->pending && pl_flush_pending(p) < 0) {
		log_warn("drain: redis unreachable; the last batch will be "
			 "processed again on restart");
		pl_drop_pending(p);
		rc = -1;
	}
	if (p->producer) {
		rd_kafka_resp_err_t e = rd_kafka_flush(p->producer, 10000);
		if (e)
			log_warn("drain: %" PRId64 " alerts not yet acknowledged; they "
				 "stay in the outbox and are republished on restart",
				 p->alerts_inflight);
		rd_kafka_poll(p->producer, 0);
	}
	/* Delivered alerts: clear them from the outbox now. */
	if (p->ndelivered && p->store) {
		pl_queue_outbox_cleanup(p);
		char err[256];
		if (cw_store_exchange(p->store, err, sizeof(err)) < 0)
			cw_store_discard(p->store);
		cw_store_release(p->store);
	}
	if (p->consumer) {
		rd_kafka_commit(p->consumer, NULL, 0);
		rd_kafka_consumer_close(p->consumer);
	}
	return rc;
}

void cw_pipeline_free(struct cw_pipeline *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->npalerts; i++)
		free(p->palerts[i].json);
	if (p->pending_offsets)
		rd_kafka_topic_partition_list_destroy(p->pending_offsets);
	pl_drop_heads(p);
	if (p->consumer)
		rd_kafka_destroy(p->consumer);
	if (p->producer) {
		rd_kafka_flush(p->producer, 1000);
		rd_kafka_destroy(p->producer);
	}
	cw_store_close(p->store);
	cw_runtime_free(p->rt);
	free(p->events);
	free(p->ev_part);
	free(p->ev_next);
	free(p->subs);
	free(p->sub_order);
	free(p->swept);
	free(p->palerts);
	free(p->delivered);
	free(p->scratch);
	free(p->blob);
	free(p->due_key);
	free(p->outbox_key);
	free(p);
}

void cw_pipeline_get_stats(const struct cw_pipeline *p,
			   struct cw_pipeline_stats *st)
{
	*st = p->stats;
	st->partitions = 0;
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		for (int i = 0; i < p->nparts && i < PARTS_MAX; i++)
			st->partitions += p->parts[t][i].assigned;
	st->input_lag_ms = p->input_lag_ms;
}
