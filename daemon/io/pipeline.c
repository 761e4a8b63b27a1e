/*
 * pipeline.c — the batch loop behind churnwatchd (see pipeline.h). It
 * orchestrates: merge.c collects a batch, apply.c runs the core's step
 * per subscriber and queues the transaction through statestore.c,
 * publish.c produces alerts and dead letters, exchange.c makes the Redis
 * round trip; none of them calls back here.
 *
 * One round trip per batch carries this batch's state reads, then the
 * previous (held) batch's transaction, then the timer sweeps. The reads
 * are answered first, and the batch is stepped while Redis runs the
 * transaction; the held batch's alerts are published and its offsets
 * committed once the round trip is through (docs/performance.md).
 *
 * Ownership: a message consumed from a partition queue waits as that
 * partition's head (owned by struct part) until pl_collect takes it; a
 * valid one is destroyed right there (the batch keeps the parsed copy),
 * an invalid one waits in p->rejects until this loop has dead-lettered
 * it, and heads are destroyed on the revocation path (pl_drop_heads).
 * Alert JSON strings are owned by the pending batch until handed to the
 * producer (RD_KAFKA_MSG_F_FREE). Delivery-report records (struct dr_rec)
 * are owned by librdkafka between produce and their delivery report.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <xxhash.h>

#include "cw/engine.h"
#include "cw/kafka.h"
#include "cw/log.h"
#include "cw/pipeline.h"
#include "cw/state.h"
#include "cw/store.h"
#include "cw/watermark.h"
#include "pipeline_int.h"

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
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

/* Send the round trip and read the batch's states ahead of the rest. 0:
 * they are readable; -1: the exchange that follows retries it all. */
static int read_states_early(struct cw_pipeline *p, const struct reads *r)
{
	char err[256];

	if (r->mget < 0)
		return -1;
	return cw_store_receive(p->store, (size_t)r->mget + 1, err, sizeof(err));
}

static int topic_kind(const struct cw_pipeline *p, const char *name,
		      enum cw_topic_kind *out)
{
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		if (!strcmp(name, pl_topic_name(p, (enum cw_topic_kind)t))) {
			*out = (enum cw_topic_kind)t;
			return 0;
		}
	return -1;
}

/* Reply index of every command on_assign queues, per list element. */
struct assign_reads {
	int off, wm;        /* HGET off:/wm: <topic>/<n> */
	int fence;          /* INCR fence:<group>:<n> (cdr elements only) */
	int sentinel;       /* ZSCORE due:<n> sentinel (cdr elements only) */
	int marker;         /* HGET off: ~due/<n> (cdr elements only) */
};

static long long reply_ll(const struct cw_store *s, int i, int *have)
{
	char buf[32];
	size_t len;
	const char *v = cw_store_reply_str(s, i, -1, &len);

	*have = v && len < sizeof(buf);
	if (!*have)
		return 0;
	memcpy(buf, v, len);
	buf[len] = '\0';
	return strtoll(buf, NULL, 10);
}

/*
 * Offsets Redis does not have although Kafka has committed some for the
 * group: churnwatch's keys were lost (evicted, flushed, another db or
 * key_prefix), and processing on would alert from incomplete state.
 * Returns the number of such partitions (logged), -1 if Kafka could not
 * say (then nothing is concluded).
 */
static int kafka_has_offsets(struct cw_pipeline *p,
			     const rd_kafka_topic_partition_list_t *parts,
			     const int *missing)
{
	rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_new(parts->cnt);
	int lost = 0;

	for (int i = 0; i < parts->cnt; i++)
		if (missing[i])
			rd_kafka_topic_partition_list_add(q, parts->elems[i].topic,
							  parts->elems[i].partition);
	if (q->cnt == 0) {
		rd_kafka_topic_partition_list_destroy(q);
		return 0;
	}
	rd_kafka_resp_err_t e = rd_kafka_committed(p->consumer, q, 10000);
	if (e) {
		log_warn("kafka committed offsets: %s (cannot check for lost "
			 "offsets)", rd_kafka_err2str(e));
		rd_kafka_topic_partition_list_destroy(q);
		return -1;
	}
	for (int i = 0; i < q->cnt; i++) {
		if (q->elems[i].offset < 0)
			continue;
		log_err("redis has no offset for %s/%" PRId32 " but Kafka has "
			"offset %" PRId64 " committed for group %s: churnwatch's "
			"keys in redis were lost (evicted, flushed, or another "
			"redis.url / key_prefix). Stopping rather than alerting "
			"from incomplete state; restore Redis, or start afresh "
			"with a new group_id (docs/guarantees.md)",
			q->elems[i].topic, q->elems[i].partition,
			q->elems[i].offset, p->conf->group_id);
		lost++;
	}
	rd_kafka_topic_partition_list_destroy(q);
	return lost;
}

/*
 * Lost keys, judged before anything is read from them. Every batch
 * transaction that stores offsets of pair n also writes the sentinel
 * member of due:<n> and the field ~due/<n> of off:<group> (apply.c), so:
 * timers lost = the field without the sentinel; offsets lost = the
 * sentinel without offsets, or offsets only Kafka has. Returns the number of problems found (each logged).
 */
static int judge_lost_keys(struct cw_pipeline *p,
			   rd_kafka_topic_partition_list_t *parts,
			   const struct assign_reads *ar)
{
	int *missing = calloc((size_t)parts->cnt + 1, sizeof(int));
	int problems = 0, have;

	if (!missing)
		return 0;
	for (int i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *tp = &parts->elems[i];
		(void)reply_ll(p->store, ar[i].off, &have);
		missing[i] = !have;
		if (ar[i].sentinel < 0)
			continue;
		int sentinel = !cw_store_reply_is_nil(p->store, ar[i].sentinel);
		int marker = !cw_store_reply_is_nil(p->store, ar[i].marker);
		int offsets = 0;
		for (int j = 0; j < parts->cnt; j++) {
			int hj;
			if (parts->elems[j].partition == tp->partition) {
				(void)reply_ll(p->store, ar[j].off, &hj);
				offsets |= hj;
			}
		}
		if (marker && offsets && !sentinel) {
			log_err("redis lost the timers of partition %" PRId32 " (%sdue:%"
				PRId32 " has no sentinel, its offsets are there): "
				"stopping rather than missing or repeating silence "
				"alerts; restore Redis (docs/guarantees.md)",
				tp->partition, cw_store_prefix(p->store), tp->partition);
			problems++;
		} else if (sentinel && !offsets) {
			log_err("redis lost the offsets of partition %" PRId32 " (its "
				"timers are there, %soff:%s has none): stopping rather "
				"than reprocessing and alerting again; restore Redis "
				"(docs/guarantees.md)", tp->partition,
				cw_store_prefix(p->store), p->conf->group_id);
			problems++;
		}
	}
	if (!problems) {
		int lost = kafka_has_offsets(p, parts, missing);
		problems += lost > 0 ? lost : 0;
	}
	free(missing);
	return problems;
}

/* Take the fence of every pair (first, so that what we read next is
 * what the previous owner left) and read offsets, times and sentinels. */
static int assign_read(struct cw_pipeline *p,
		       rd_kafka_topic_partition_list_t *parts,
		       struct assign_reads *ar)
{
	char field[KEY_MAX];

	/* The previous assignment's WATCH is still armed on this connection:
	 * our own INCRs below would make the next EXEC fail. */
	cw_ss_queue_unwatch(p->ss);
	for (int i = 0; i < parts->cnt; i++) {
		enum cw_topic_kind t;
		ar[i] = (struct assign_reads){-1, -1, -1, -1, -1};
		if (topic_kind(p, parts->elems[i].topic, &t) < 0 ||
		    parts->elems[i].partition >= PARTS_MAX || t != CW_TOPIC_CDR)
			continue;
		ar[i].fence = cw_ss_queue_take_fence(p->ss, parts->elems[i].partition);
	}
	for (int i = 0; i < parts->cnt; i++) {
		enum cw_topic_kind t;
		if (topic_kind(p, parts->elems[i].topic, &t) < 0 ||
		    parts->elems[i].partition >= PARTS_MAX)
			continue;
		pl_part_key(p, t, parts->elems[i].partition, field, sizeof(field));
		ar[i].off = cw_ss_queue_offset(p->ss, field);
		ar[i].wm = cw_ss_queue_newest(p->ss, field);
		if (t != CW_TOPIC_CDR)
			continue;
		ar[i].sentinel = cw_ss_queue_timer_sentinel(p->ss, parts->elems[i].partition);
		ar[i].marker = cw_ss_queue_offset_sentinel(p->ss, parts->elems[i].partition);
	}
	return pl_exchange(p);
}

/* Hold the fences just taken: every later exchange checks them. */
static int assign_fence(struct cw_pipeline *p,
			const rd_kafka_topic_partition_list_t *parts,
			const struct assign_reads *ar)
{
	char (*keys)[KEY_MAX] = calloc((size_t)parts->cnt + 1, KEY_MAX);
	const char **kp = calloc((size_t)parts->cnt + 1, sizeof(*kp));
	long long *epochs = calloc((size_t)parts->cnt + 1, sizeof(*epochs));
	size_t n = 0;
	int rc = -1;

	if (!keys || !kp || !epochs)
		goto out;
	for (int i = 0; i < parts->cnt; i++) {
		if (ar[i].fence < 0 ||
		    cw_store_reply_int(p->store, ar[i].fence, &epochs[n]) < 0)
			continue;
		cw_ss_fence_key(p->ss, parts->elems[i].partition, keys[n], KEY_MAX);
		kp[n] = keys[n];
		n++;
	}
	rc = cw_store_fence_set(p->store, n, kp, epochs);
out:
	free(keys);
	free(kp);
	free(epochs);
	return rc;
}

static void on_assign(struct cw_pipeline *p,
		      rd_kafka_topic_partition_list_t *parts)
{
	struct assign_reads *ar = calloc((size_t)parts->cnt + 1, sizeof(*ar));
	int32_t *nums = calloc((size_t)parts->cnt + 1, sizeof(int32_t));
	size_t nnums = 0;

	p->fenced = 0;
	if (!ar || !nums) {
		log_err("out of memory on assignment");
		rd_kafka_assign(p->consumer, NULL);
		goto done;
	}
	if (pl_flush_pending(p) < 0)
		pl_drop_pending(p);
	cw_store_fence_clear(p->store);
	if (assign_read(p, parts, ar) < 0) {
		/* Stopping while Redis is down: take nothing rather than
		 * guess offsets. */
		cw_store_discard(p->store);
		rd_kafka_assign(p->consumer, NULL);
		goto done;
	}
	if (judge_lost_keys(p, parts, ar) > 0) {
		p->fatal = 1;
		cw_store_release(p->store);
		rd_kafka_assign(p->consumer, NULL);
		goto done;
	}
	for (int i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *tp = &parts->elems[i];
		enum cw_topic_kind t;
		int have;
		if (topic_kind(p, tp->topic, &t) < 0 || tp->partition >= PARTS_MAX)
			continue;
		struct part *pt = &p->parts[t][tp->partition];
		*pt = (struct part){.assigned = 1, .next_offset = -1};
		long long off = reply_ll(p->store, ar[i].off, &have);
		tp->offset = have ? off : RD_KAFKA_OFFSET_STORED;
		pt->next_offset = have ? off : -1;
		pt->newest_ts = reply_ll(p->store, ar[i].wm, &pt->have_ts);
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
	if (assign_fence(p, parts, ar) < 0) {
		log_err("out of memory on assignment");
		memset(p->parts, 0, sizeof(p->parts));
		cw_store_release(p->store);
		rd_kafka_assign(p->consumer, NULL);
		goto done;
	}
	cw_store_release(p->store);
	pl_held_load(p, nums, nnums);
	pl_republish_outbox(p, nums, nnums);
	log_info("assigned %d partitions", parts->cnt);
	rd_kafka_assign(p->consumer, parts);
	cw_metrics_set_ready(p->metrics, 1);
done:
	free(ar);
	free(nums);
}

static void on_revoke(struct cw_pipeline *p)
{
	if (p->in_exchange) {
		/* Revoked while the batch waits for Redis: it cannot be made
		 * durable now, and must not be later (the next owner reads
		 * it again from the stored offsets). */
		log_warn("partitions revoked during a redis outage: discarding "
			 "the unsent batch");
		pl_drop_pending(p);
		p->abandoned = 1;
	} else if (rd_kafka_assignment_lost(p->consumer)) {
		/* The group already gave our partitions away (we stalled
		 * past max.poll.interval.ms): writing now could overwrite the
		 * new owner's progress (the fence would refuse it anyway). */
		log_warn("assignment lost: discarding the unsent batch");
		pl_drop_pending(p);
	} else if (pl_flush_pending(p) < 0) {
		pl_drop_pending(p);
	}
	cw_store_fence_clear(p->store);
	p->fenced = 0;
	pl_held_reset(p);
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
	p->in_callback++;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
		on_assign(p, parts);
	else
		on_revoke(p);
	p->in_callback--;
}

/*
 * kafka.assignment: all — every partition of both topics, no group
 * membership: what on_assign does for a group's assignment, done once at
 * start (and again while Redis cannot be read for it). 0 assigned.
 */
static int assign_all(struct cw_pipeline *p)
{
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(2 * p->nparts);

	if (!l)
		return -1;
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		for (int i = 0; i < p->nparts; i++)
			rd_kafka_topic_partition_list_add(l, pl_topic_name(p, (enum cw_topic_kind)t), i);
	on_assign(p, l);
	rd_kafka_topic_partition_list_destroy(l);
	return p->parts[CW_TOPIC_CDR][0].assigned ? 0 : -1;
}

/* One entry per assigned pair for cw_watermark_base. */
static size_t watermark_pairs(struct cw_pipeline *p)
{
	size_t n = 0;

	for (int i = 0; i < p->nparts && i < PARTS_MAX; i++) {
		struct cw_wm_pair *w = &p->wm_pairs[n];
		int assigned = 0;

		*w = (struct cw_wm_pair){.time = INT64_MIN};
		for (int k = 0; k < CW_TOPIC__COUNT; k++) {
			struct part *pt = &p->parts[k][i];
			if (!pt->assigned)
				continue;
			assigned = 1;
			if (pt->have_ts && pt->newest_ts > w->time)
				w->time = pt->newest_ts;
			if (pl_part_unread(p, (enum cw_topic_kind)k, i))
				w->behind = 1;
		}
		n += assigned;
	}
	return n;
}

/* The rule is cw_watermark_base's (watermark.h); here it is bounded by
 * the wall clock, shifted by the allowed lateness and kept monotonic. */
static void update_watermark(struct cw_pipeline *p)
{
	int64_t base = cw_watermark_base(p->wm_pairs, watermark_pairs(p),
					 pl_wall_ms());

	if (base == INT64_MIN)
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
	if (p->assign_all && !p->parts[CW_TOPIC_CDR][0].assigned) {
		if (assign_all(p) < 0 && !p->fatal)
			pl_wait_serving_kafka(p, 1000);
		return 0;
	}
	if (p->fenced) {
		/* Nothing is ours to write until the group reassigns. */
		if (pl_wall_ms() - p->fenced_log_ms > 30000) {
			log_err("fenced: still waiting for the consumer group to "
				"reassign partitions");
			p->fenced_log_ms = pl_wall_ms();
		}
		pl_wait_serving_kafka(p, 100);
		return 0;
	}
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
	/* The subscribers the last sweep found due are stepped now: once
	 * they are, every timer up to that sweep's watermark has run. */
	int64_t fired_if_stepped = p->fire_after_step;
	p->fire_after_step = INT64_MIN;
	pl_group_events(p);

	/* The held batch's transaction may only go once its dead letters
	 * are safely in Kafka. Waited for before this batch's own go out,
	 * which only its own transaction (next round) waits for: produced
	 * a batch ago, they are normally acknowledged by now. */
	if (p->pending)
		pl_wait_dead_letters(p);
	pl_dead_letter_rejects(p);
	pl_queue_reads(p, &r);
	/* Once a minute the eviction policy rides on this round trip. */
	if (t0 - p->memcheck_ms >= 60000) {
		p->memcheck_ms = t0;
		cw_store_queue_memory_info(p->store, &info_mem, &info_stats);
	}
	int stepped = 0;
	int step_due = p->subs.n || consumed;
	if (cw_store_queued(p->store) > 0) {
		uint64_t cmds = cw_store_queued(p->store);
		if (p->pending)
			cw_failpoint(&p->fp, "stall-before-exec");
		/* Redis runs the held transaction while this batch steps on
		 * its states (read first, in the same round trip). */
		if (step_due && read_states_early(p, &r) == 0) {
			pl_step_batch(p, &r, wm_before, consumed);
			stepped = 1;
		}
		if (pl_exchange(p) < 0) {
			/* Stopping during an outage, fenced, or revoked
			 * while retrying: nothing of this batch or the
			 * previous one is acknowledged; both are read
			 * again (after the restart, or by the owner). */
			pl_destroy_msgs(p);
			pl_subs_reset(p);
			pl_drop_pending(p);
			p->ntoo_large = 0;
			return (int)consumed;
		}
		cw_metrics_set_ready(p->metrics, 1);
		p->stats.redis_exchanges++;
		p->stats.redis_commands += cmds;
		cw_metrics_batch(p->metrics, p->pending ? p->held->msgs : 0, cmds, 1);
		if (step_due && !stepped) {
			pl_step_batch(p, &r, wm_before, consumed);
			stepped = 1;
		}
		if (p->pending) {
			cw_failpoint(&p->fp, "crash-after-exec");
			pl_post_commit(p);
		}
		if (stepped && fired_if_stepped > p->fired_upto)
			p->fired_upto = fired_if_stepped;
		pl_take_sweep(p, &r);
		pl_held_note_sweep(p);
		if (info_mem >= 0) {
			char policy[64], err[512];
			long long evicted = 0;

			if (cw_store_parse_memory_info(p->store, info_mem, info_stats,
						       policy, sizeof(policy),
						       &evicted) == 0 &&
			    judge_eviction(p, policy, evicted, err, sizeof(err)) < 0)
				log_err_rl("%s", err);
		}
	} else if (step_due) {
		pl_step_batch(p, &r, wm_before, consumed);
		stepped = 1;
		if (fired_if_stepped > p->fired_upto)
			p->fired_upto = fired_if_stepped;
	}
	if (stepped) {
		/* The batch just stepped is now the one whose transaction
		 * waits (it goes behind the next batch's reads). */
		struct batch_out *t = p->held;
		p->held = p->next;
		p->next = t;
		p->pending = p->held->used;
		pl_dead_letter_too_large(p);
		pl_dead_letter_task_rejects(p);
		cw_metrics_rule_evaluations(p->metrics, p->rt->rules, p->evals);
		memset(p->evals, 0, sizeof(p->evals));
	}
	/* Days whose every event and timer is judged: their held alerts
	 * go with the held batch's transaction (a transaction of their
	 * own when no stepped batch waits). */
	if (pl_held_due(p) && !p->pending) {
		pl_out_clear(p->held);
		p->held->used = 1;
		p->pending = 1;
	}
	pl_held_close(p);
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
		if (pl_wall_ms() - start > p->conf->startup_retry_ms || pl_stopping(p))
			return -1;
		log_warn("%s (retrying)", err);
		pl_heartbeat(p);
		sleep_ms(backoff);
		backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
	}
	return 0;
}

/* The input topics must exist and be co-partitioned: their partition
 * count, asked with the producer (the consumer's prefetch depends on it). */
static int count_partitions(struct cw_pipeline *p, char *err, size_t errlen)
{
	int64_t start = pl_wall_ms();
	int n[CW_TOPIC__COUNT];

	for (;;) {
		int ok = 1, missing = 0;
		for (int t = 0; t < CW_TOPIC__COUNT && ok; t++) {
			n[t] = cw_kafka_partition_count(p->producer,
							pl_topic_name(p, (enum cw_topic_kind)t),
							2000, err, errlen);
			ok = n[t] > 0;
			missing |= n[t] == -2;
		}
		if (ok)
			break;
		/* A topic the cluster says does not exist may be being
		 * created: retry within the budget, then it is a
		 * configuration error (exit 1), not an outage (exit 2). */
		if (pl_wall_ms() - start > p->conf->startup_retry_ms || pl_stopping(p))
			return missing ? CW_PIPE_CONFIG : CW_PIPE_UNREACHABLE;
		log_warn("%s (retrying)", err);
		pl_heartbeat(p);
		sleep_ms(500);
	}
	for (int t = 1; t < CW_TOPIC__COUNT; t++)
		if (n[t] != n[0] || n[0] > PARTS_MAX) {
			snprintf(err, errlen,
				 "topics %s (%d partitions) and %s (%d) must have the same "
				 "partition count (at most %d): churnwatch relies on the "
				 "input topics being partitioned by subscriber alike",
				 p->conf->topic_cdr, n[0],
				 pl_topic_name(p, (enum cw_topic_kind)t), n[t], PARTS_MAX);
			return CW_PIPE_CONFIG;
		}
	p->nparts = n[0];
	return CW_PIPE_OK;
}

static int connect_kafka(struct cw_pipeline *p, char *err, size_t errlen)
{
	char e[512], inst[300];
	rd_kafka_conf_t *pc, *cc;
	int rc;

	/* Both clients' properties first: a bad one is configuration (exit
	 * 1) even while the cluster is out of reach. The consumer's own is
	 * built once the partition count is known (its prefetch share). */
	if (cw_kafka_check_conf(p->conf, p->opts.secrets, err, errlen) < 0)
		return CW_PIPE_CONFIG;
	pc = cw_kafka_conf_new(p->conf, p->opts.secrets, CW_KAFKA_PRODUCER, 0,
			       err, errlen);
	if (!pc)
		return CW_PIPE_CONFIG;
	rd_kafka_conf_set_dr_msg_cb(pc, pl_dr_cb);
	rd_kafka_conf_set_opaque(pc, p);
	p->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, e, sizeof(e));
	if (!p->producer) {
		rd_kafka_conf_destroy(pc);
		snprintf(err, errlen, "kafka producer: %s", e);
		return CW_PIPE_CONFIG;
	}
	rc = count_partitions(p, err, errlen);
	if (rc != CW_PIPE_OK)
		return rc;
	cc = cw_kafka_conf_new(p->conf, p->opts.secrets, CW_KAFKA_CONSUMER,
			       p->nparts, err, errlen);
	if (!cc)
		return CW_PIPE_CONFIG;
	rd_kafka_conf_set_opaque(cc, p);
	rd_kafka_conf_set_rebalance_cb(cc, rebalance_cb);
	rd_kafka_conf_set_stats_cb(cc, stats_cb);
	p->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, e, sizeof(e));
	if (!p->consumer) {
		rd_kafka_conf_destroy(cc);
		snprintf(err, errlen, "kafka consumer: %s", e);
		return CW_PIPE_CONFIG;
	}
	rd_kafka_poll_set_consumer(p->consumer);
	if (cw_kafka_instance_id(p->conf, inst, sizeof(inst)) > 0)
		log_info("kafka: static group member %s (a restart under this id "
			 "takes its partitions back without a rebalance)", inst);

	if (p->assign_all) {
		/* Assigned by cw_pipeline_step once the state store is up. */
		log_info("kafka: reading all %d partitions of %s, %s and %s "
			 "without group membership (kafka.assignment: all)",
			 p->nparts, p->conf->topic_cdr, p->conf->topic_billing,
			 p->conf->topic_retention);
		return CW_PIPE_OK;
	}
	rd_kafka_topic_partition_list_t *topics =
		rd_kafka_topic_partition_list_new(CW_TOPIC__COUNT);
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		rd_kafka_topic_partition_list_add(topics,
						  pl_topic_name(p, (enum cw_topic_kind)t),
						  RD_KAFKA_PARTITION_UA);
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
	pthread_mutex_init(&p->step_lock, NULL);
	if (o->failpoint)
		p->fp = *o->failpoint;
	p->conf = o->conf;
	p->assign_all = o->conf->assignment && !strcmp(o->conf->assignment, "all");
	p->metrics = o->metrics;
	p->rt = rt;
	p->watermark = INT64_MIN;
	cw_event_limits_default(&p->limits, pl_wall_ms());
	p->limits.max_future_ms = p->conf->max_future_ms;
	bs = (size_t)p->conf->batch_size;
	p->events = calloc(bs, sizeof(*p->events));
	p->ev_part = calloc(bs, sizeof(*p->ev_part));
	p->ev_offset = calloc(bs, sizeof(*p->ev_offset));
	p->ev_next = calloc(bs, sizeof(*p->ev_next));
	p->scratch = malloc(sizeof(*p->scratch));
	rc = pl_held_init(p);
	p->held = &p->out[0];
	p->next = &p->out[1];
	/* A batch touches at most its events' subscribers, the swept ones
	 * and the sweep's per-partition floor. */
	if (!p->events || !p->ev_part || !p->ev_offset || !p->ev_next ||
	    !p->scratch || rc < 0 ||
	    cw_batch_subs_init(&p->subs, bs + (size_t)SWEEP_TOTAL + 50 * PARTS_MAX) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = CW_PIPE_CONFIG;
		goto fail;
	}
	/* A second step thread only pays where there is a second core. */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1 && pl_step_worker_start(p) < 0)
		log_warn("no second step thread (out of memory or threads): "
			 "stepping batches on one");
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
	if (strlen(cw_store_prefix(p->store)) > 64) {
		/* Keys are built in fixed buffers on the hot path. */
		snprintf(err, errlen, "redis.key_prefix is longer than 64 bytes");
		rc = CW_PIPE_CONFIG;
		goto fail;
	}
	struct cw_ss_opts so = {
		.store = p->store,
		.group = p->conf->group_id,
		.nparts = p->nparts,
		.state_ttl_ms = p->conf->state_ttl_ms,
		.closed_ttl_ms = p->conf->closed_ttl_ms,
	};
	if (cw_ss_new(&so, &p->ss) < 0) {
		snprintf(err, errlen, "kafka.group_id or redis.key_prefix too long "
			 "for a key, or out of memory");
		rc = CW_PIPE_CONFIG;
		goto fail;
	}
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
	pl_step_worker_stop(p);
	pl_out_free(&p->out[0]);
	pl_out_free(&p->out[1]);
	pl_held_fini(p);
	pl_drop_heads(p);
	pl_free_rejects(p);
	free(p->too_large);
	for (size_t i = 0; i < p->ntask_rejects; i++)
		free(p->task_rejects[i].json);
	free(p->task_rejects);
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
	free(p->ev_offset);
	free(p->ev_next);
	cw_batch_subs_fini(&p->subs);
	free(p->swept);
	free(p->delivered);
	free(p->scratch);
	pthread_mutex_destroy(&p->step_lock);
	cw_ss_free(p->ss);
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
	st->held = p->book ? cw_limit_held(p->book) : 0;
}
