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

#include <xxhash.h>

#include "cw/engine.h"
#include "cw/kafka.h"
#include "cw/log.h"
#include "cw/pipeline.h"
#include "cw/state.h"
#include "cw/store.h"

#define PARTS_MAX 1024
#define SWEEP_TOTAL 8000          /* due subscribers loaded per batch */
#define INFLIGHT_MAX 100000       /* produce back-pressure threshold */
#define LIMIT_SLOTS 512           /* flood-guard (rule, day) counters */
#define KEY_MAX 96

struct part {
	int assigned;
	int have_ts;
	int64_t newest_ts;   /* newest event ts consumed */
	int64_t next_offset; /* next offset to read; -1 unknown */
	int dirty;           /* offset/ts changed in the batch being built */
	rd_kafka_queue_t *q;      /* this partition's own queue (see collect) */
	rd_kafka_message_t *head; /* consumed from q, not yet taken (owned) */
	enum cw_invalid head_why; /* CW_INVALID_NONE: head_ev is valid */
	struct cw_event head_ev;
};

/* One subscriber touched by the current batch. */
struct sub {
	char id[CW_SUB_MAX + 1];
	int32_t partition;
	int first_ev;       /* index into batch events, -1 none; chained */
	int nev;
	int used;
};

struct pending_alert {
	char *json;         /* owned until produced */
	char id[CW_ALERT_ID_LEN + 1];
	char sub[CW_SUB_MAX + 1];
	int32_t partition;
};

struct delivered {
	char id[CW_ALERT_ID_LEN + 1];
	int32_t partition;
};

enum dr_kind { DR_ALERT, DR_DLQ };

struct dr_rec {
	enum dr_kind kind;
	struct cw_pipeline *p;
	int32_t partition;
	char id[CW_ALERT_ID_LEN + 1];
};

struct limit_slot {
	uint32_t rule_hash;
	int32_t day;
	int64_t count;
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
	int64_t swept_upto[PARTS_MAX];
	int sweep_more[PARTS_MAX];

	/* the batch being collected/processed */
	size_t nmsgs;            /* messages taken into the current batch */
	int cursor, cursor_next; /* merge_pass round robin */
	int64_t batch_kafka_ts;  /* newest Kafka timestamp taken (input lag) */
	struct cw_event *events;
	int32_t *ev_part;
	int *ev_next;
	size_t nevents;
	struct sub *subs;        /* open addressing table */
	size_t subs_cap;
	int *sub_order;          /* indices of used slots, in first-seen order */
	size_t nsubs;
	int rebalanced;

	/* subscribers found due by the last sweep, loaded with the next batch */
	struct sub *swept;
	size_t nswept, swept_cap;

	/* the previous batch's transaction, queued in the store, not yet sent */
	int pending;
	struct pending_alert *palerts;
	size_t npalerts, palerts_cap;
	rd_kafka_topic_partition_list_t *pending_offsets;
	uint64_t pending_msgs;

	struct delivered *delivered;
	size_t ndelivered, delivered_cap;
	int64_t dlq_inflight;
	int64_t alerts_inflight;

	struct limit_slot limits_guard[LIMIT_SLOTS];

	struct cw_state *scratch;
	uint8_t *blob;

	/* Keys and strings used per subscriber, built once (hot path). */
	char (*due_key)[KEY_MAX];     /* P due:<partition> */
	char (*outbox_key)[KEY_MAX];  /* P outbox:<partition> */
	char ttl[24];
	size_t prefix_len;

	struct cw_pipeline_stats stats;
};

static void drop_heads(struct cw_pipeline *p);
static int part_unread(struct cw_pipeline *p, enum cw_topic_kind t,
		       int32_t part);

/* ---- small helpers ------------------------------------------------------ */

/* Decimal text of v into buf (at least 24 bytes); returns the length. */
static size_t i64_to_str(int64_t v, char *buf)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t k = 0, n = 0;
	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[n++] = '-';
	while (k)
		buf[n++] = tmp[--k];
	buf[n] = '\0';
	return n;
}

/* P s:<subscriber> into buf (KEY_MAX); returns the length. */
static size_t state_key(const struct cw_pipeline *p, const char *sub,
			char *buf)
{
	size_t n = strlen(sub);
	memcpy(buf, cw_store_prefix(p->store), p->prefix_len);
	memcpy(buf + p->prefix_len, "s:", 2);
	memcpy(buf + p->prefix_len + 2, sub, n + 1);
	return p->prefix_len + 2 + n;
}

static int64_t wall_ms(void)
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

static void heartbeat(struct cw_pipeline *p)
{
	if (p->opts.heartbeat)
		p->opts.heartbeat(p->opts.heartbeat_ctx);
}

static int stopping(struct cw_pipeline *p)
{
	return p->opts.should_stop && p->opts.should_stop(p->opts.heartbeat_ctx);
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

static const char *topic_name(const struct cw_pipeline *p,
			      enum cw_topic_kind t)
{
	return t == CW_TOPIC_CDR ? p->conf->topic_cdr : p->conf->topic_billing;
}

static void *grow(void *ptr, size_t *cap, size_t need, size_t elem)
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

/* ---- Redis exchange with outage handling -------------------------------- */

/*
 * Send what is queued, retrying through outages with backoff. Returns 0
 * when it went through, -1 if we were asked to stop first (the queue is
 * then still intact and nothing was acknowledged).
 */
static int exchange(struct cw_pipeline *p)
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
		cw_metrics_set_ready(p->metrics, 0);
		log_warn_rl("redis exchange failed, retrying in %" PRId64 " ms: %s",
			    backoff, err);
		heartbeat(p);
		if (stopping(p))
			return -1;
		sleep_ms(backoff);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
		if (cw_store_reconnect(p->store, err, sizeof(err)) < 0)
			log_warn_rl("redis reconnect: %s", err);
	}
}

/* ---- producing: alerts and dead letters --------------------------------- */

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct dr_rec *r = m->_private;

	(void)rk;
	(void)opaque;
	if (!r)
		return;
	struct cw_pipeline *p = r->p;
	if (r->kind == DR_DLQ) {
		p->dlq_inflight--;
		if (m->err)
			log_err("dead-letter publish failed (%s); the message is "
				"logged here instead: offset %" PRId64,
				rd_kafka_err2str(m->err), m->offset);
	} else {
		p->alerts_inflight--;
		if (m->err) {
			/* It stays in the Redis outbox and is published
			 * again on the next assignment or restart. */
			log_err("alert %s publish failed: %s", r->id,
				rd_kafka_err2str(m->err));
		} else {
			struct delivered *d = grow(p->delivered, &p->delivered_cap,
						   p->ndelivered + 1, sizeof(*d));
			if (d) {
				p->delivered = d;
				d = &p->delivered[p->ndelivered++];
				memcpy(d->id, r->id, sizeof(d->id));
				d->partition = r->partition;
			}
		}
	}
	free(r);
}

/* Produce, waiting (and serving delivery reports) while the queue is full:
 * back-pressure, never loss. Takes ownership of `value` (malloc'd). */
static int produce(struct cw_pipeline *p, const char *topic, const char *key,
		   size_t keylen, char *value, size_t len,
		   rd_kafka_headers_t *hdrs, struct dr_rec *rec)
{
	for (;;) {
		rd_kafka_resp_err_t e = rd_kafka_producev(
			p->producer, RD_KAFKA_V_TOPIC(topic),
			RD_KAFKA_V_KEY(key, keylen), RD_KAFKA_V_VALUE(value, len),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
			RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(rec),
			RD_KAFKA_V_END);
		if (!e)
			return 0;
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			log_err("produce to %s: %s", topic, rd_kafka_err2str(e));
			free(value);
			if (hdrs)
				rd_kafka_headers_destroy(hdrs);
			return -1;
		}
		rd_kafka_poll(p->producer, 50);
		heartbeat(p);
	}
}

static void dead_letter(struct cw_pipeline *p, const rd_kafka_message_t *m,
			enum cw_invalid why)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(4);
	const char *reason = cw_invalid_str(why);
	char num[32];
	struct dr_rec *rec = calloc(1, sizeof(*rec));
	char *copy = malloc(m->len ? m->len : 1);

	cw_metrics_invalid(p->metrics, why);
	p->stats.invalid++;
	log_warn_rl("invalid event %s/%" PRId32 "@%" PRId64 ": %s",
		    rd_kafka_topic_name(m->rkt), m->partition, m->offset, reason);
	if (!h || !rec || !copy) {
		log_err("out of memory for dead letter at offset %" PRId64, m->offset);
		free(rec);
		free(copy);
		if (h)
			rd_kafka_headers_destroy(h);
		return;
	}
	/* Kafka Connect's errors.deadletterqueue header convention. */
	rd_kafka_header_add(h, "__connect.errors.exception.message", -1, reason, -1);
	rd_kafka_header_add(h, "__connect.errors.topic", -1,
			    rd_kafka_topic_name(m->rkt), -1);
	snprintf(num, sizeof(num), "%" PRId32, m->partition);
	rd_kafka_header_add(h, "__connect.errors.partition", -1, num, -1);
	snprintf(num, sizeof(num), "%" PRId64, m->offset);
	rd_kafka_header_add(h, "__connect.errors.offset", -1, num, -1);
	if (m->len)
		memcpy(copy, m->payload, m->len);
	rec->kind = DR_DLQ;
	rec->p = p;
	p->dlq_inflight++;
	if (produce(p, p->conf->topic_dead_letter, m->key, m->key_len, copy,
		    m->len, h, rec) < 0) {
		p->dlq_inflight--;
		free(rec);
	}
}

/* Dead letters of a batch must be in Kafka before its offsets are stored:
 * otherwise a crash in between would lose them. */
static void wait_dead_letters(struct cw_pipeline *p)
{
	int64_t start = wall_ms();
	while (p->dlq_inflight > 0) {
		rd_kafka_poll(p->producer, 50);
		heartbeat(p);
		if (wall_ms() - start > 10000) {
			log_warn_rl("waiting for %" PRId64 " dead letters to be acknowledged",
				    p->dlq_inflight);
			start = wall_ms();
		}
	}
}

static void publish_alert(struct cw_pipeline *p, struct pending_alert *a)
{
	struct dr_rec *rec = calloc(1, sizeof(*rec));
	if (!rec) {
		log_err("out of memory publishing alert %s (kept in outbox)", a->id);
		free(a->json);
		a->json = NULL;
		return;
	}
	rec->kind = DR_ALERT;
	rec->p = p;
	rec->partition = a->partition;
	memcpy(rec->id, a->id, sizeof(rec->id));
	p->alerts_inflight++;
	if (produce(p, p->conf->topic_alerts, a->sub, strlen(a->sub), a->json,
		    strlen(a->json), NULL, rec) < 0) {
		p->alerts_inflight--;
		free(rec);
	}
	a->json = NULL; /* owned by librdkafka now */
}

/* ---- the previous batch became durable ---------------------------------- */

static void post_commit(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->npalerts; i++)
		publish_alert(p, &p->palerts[i]);
	p->stats.alerts += p->npalerts;
	p->npalerts = 0;
	if (p->pending_offsets && p->pending_offsets->cnt > 0) {
		rd_kafka_resp_err_t e =
			rd_kafka_commit(p->consumer, p->pending_offsets, 1);
		if (e)
			log_warn_rl("kafka offset commit: %s", rd_kafka_err2str(e));
	}
	if (p->pending_offsets) {
		rd_kafka_topic_partition_list_destroy(p->pending_offsets);
		p->pending_offsets = NULL;
	}
	p->stats.batches++;
	p->pending = 0;
	rd_kafka_poll(p->producer, 0);
}

static void drop_pending(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->npalerts; i++)
		free(p->palerts[i].json);
	p->npalerts = 0;
	if (p->pending_offsets) {
		rd_kafka_topic_partition_list_destroy(p->pending_offsets);
		p->pending_offsets = NULL;
	}
	p->pending = 0;
	cw_store_discard(p->store);
}

/* Make the queued transaction durable now (revocation, drain). */
static int flush_pending(struct cw_pipeline *p)
{
	if (!p->pending)
		return 0;
	wait_dead_letters(p);
	if (exchange(p) < 0)
		return -1;
	cw_store_release(p->store);
	post_commit(p);
	return 0;
}

/* ---- rebalancing --------------------------------------------------------- */

static void part_key(const struct cw_pipeline *p, enum cw_topic_kind t,
		     int32_t part, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%" PRId32, topic_name(p, t), part);
}

/* Publish again whatever the outbox of these partitions still holds: those
 * alerts were committed with their batch but maybe never acknowledged. */
static void republish_outbox(struct cw_pipeline *p, const int32_t *parts,
			     size_t n)
{
	char key[KEY_MAX];
	int *idx = calloc(n ? n : 1, sizeof(*idx));
	if (!idx)
		return;
	for (size_t i = 0; i < n; i++) {
		cw_store_key(p->store, key, sizeof(key), "outbox:%" PRId32, parts[i]);
		idx[i] = cw_store_queue(p->store, 2, (const char *[]){"HGETALL", key}, NULL);
	}
	if (exchange(p) == 0) {
		size_t total = 0;
		for (size_t i = 0; i < n; i++) {
			size_t m = cw_store_reply_len(p->store, idx[i]);
			for (size_t j = 0; j + 1 < m; j += 2) {
				size_t il, jl;
				const char *id = cw_store_reply_str(p->store, idx[i], (int)j, &il);
				const char *js = cw_store_reply_str(p->store, idx[i], (int)j + 1, &jl);
				struct pending_alert a = {.partition = parts[i]};
				if (!id || !js || il != CW_ALERT_ID_LEN)
					continue;
				memcpy(a.id, id, il);
				a.json = malloc(jl + 1);
				if (!a.json)
					continue;
				memcpy(a.json, js, jl);
				a.json[jl] = '\0';
				/* The subscriber is the message key. */
				const char *s = strstr(a.json, "\"subscriber\":\"");
				if (s)
					snprintf(a.sub, sizeof(a.sub), "%.*s",
						 (int)strcspn(s + 14, "\""), s + 14);
				publish_alert(p, &a);
				total++;
			}
		}
		if (total)
			log_notice("republished %zu alerts from the outbox", total);
	}
	cw_store_release(p->store);
	free(idx);
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
	if (flush_pending(p) < 0)
		drop_pending(p);
	cw_store_key(p->store, key_off, sizeof(key_off), "off:%s", p->conf->group_id);
	cw_store_key(p->store, key_wm, sizeof(key_wm), "wm:%s", p->conf->group_id);
	for (int i = 0; i < parts->cnt; i++) {
		enum cw_topic_kind t;
		if (topic_kind(p, parts->elems[i].topic, &t) < 0)
			continue;
		part_key(p, t, parts->elems[i].partition, field, sizeof(field));
		io[i] = cw_store_queue(p->store, 3, (const char *[]){"HGET", key_off, field}, NULL);
		iw[i] = cw_store_queue(p->store, 3, (const char *[]){"HGET", key_wm, field}, NULL);
	}
	if (exchange(p) < 0) {
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
	republish_outbox(p, nums, nnums);
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
		drop_pending(p);
	} else if (flush_pending(p) < 0) {
		drop_pending(p);
	}
	drop_heads(p);
	memset(p->parts, 0, sizeof(p->parts));
	p->nswept = 0;
	rd_kafka_assign(p->consumer, NULL);
	log_info("partitions revoked");
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

/* ---- watermark ------------------------------------------------------------ */

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
			if (part_unread(p, (enum cw_topic_kind)t, i)) {
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

/* ---- batch collection and parsing ---------------------------------------- */

/* Forget every partition queue and waiting head (revocation, shutdown). */
static void drop_heads(struct cw_pipeline *p)
{
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		for (int i = 0; i < PARTS_MAX; i++) {
			struct part *pt = &p->parts[t][i];
			if (pt->head)
				rd_kafka_message_destroy(pt->head);
			pt->head = NULL;
			if (pt->q)
				rd_kafka_queue_destroy(pt->q);
			pt->q = NULL;
		}
}

/* Forget the batch being collected (its messages were freed when taken). */
static void destroy_msgs(struct cw_pipeline *p)
{
	p->nmsgs = 0;
	p->nevents = 0;
}

/*
 * Collecting a batch: a pairwise merge in event time.
 *
 * Partition N of cdr and partition N of billing carry the same subscribers
 * (both keyed by subscriber). To apply each subscriber's events in event
 * time order, whatever the fetch scheduling — the same order live, replayed
 * or back-tested — every assigned partition has its own librdkafka queue
 * and the two sides of a pair are merged by ts, Kafka Streams style: take
 * the side whose head is older; a side with no head may only be passed by
 * the other when it has nothing unread (a caught-up side, typically the
 * sparse billing topic, never holds anything back). At most one message
 * per partition waits in memory.
 */

static int part_unread(struct cw_pipeline *p, enum cw_topic_kind t,
		       int32_t part)
{
	int64_t lo = -1, hi = -1;
	int64_t next = p->parts[t][part].next_offset;
	rd_kafka_get_watermark_offsets(p->consumer, topic_name(p, t), part,
				       &lo, &hi);
	/* Not fetched yet: the end of the log is unknown, so assume there is
	 * more to read (holding time back is the safe side). */
	if (hi < 0)
		return 1;
	return next < 0 ? hi > lo : next < hi;
}

static void fill_head(struct cw_pipeline *p, enum cw_topic_kind t,
		      struct part *pt)
{
	enum cw_invalid why = CW_INVALID_NONE;

	while (!pt->head && pt->q) {
		rd_kafka_message_t *m = rd_kafka_consume_queue(pt->q, 0);
		if (!m)
			return;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				log_warn_rl("kafka: %s", rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		if (!m->payload ||
		    cw_event_parse(m->payload, m->len, t, m->key, m->key_len,
				   &p->limits, &pt->head_ev, &why) < 0)
			pt->head_why = why ? why : CW_INVALID_MALFORMED_JSON;
		else
			pt->head_why = CW_INVALID_NONE;
		pt->head = m;
	}
}

/* Move a partition's head into the batch (valid) or the dead-letter topic. */
static void take_head(struct cw_pipeline *p, enum cw_topic_kind t, int32_t i)
{
	struct part *pt = &p->parts[t][i];
	rd_kafka_message_t *m = pt->head;

	pt->head = NULL;
	pt->next_offset = m->offset + 1;
	pt->dirty = 1;
	p->stats.messages++;
	p->nmsgs++;
	int64_t kts = rd_kafka_message_timestamp(m, NULL);
	if (kts > p->batch_kafka_ts)
		p->batch_kafka_ts = kts;
	/* The message is not kept: a valid one lives on as its parsed copy,
	 * an invalid one as the dead letter's copy. Holding it would pin its
	 * whole fetch buffer. */
	if (pt->head_why != CW_INVALID_NONE)
		dead_letter(p, m, pt->head_why);
	rd_kafka_message_destroy(m);
	if (pt->head_why != CW_INVALID_NONE)
		return;
	cw_metrics_event(p->metrics, t, pt->head_ev.type);
	p->stats.events++;
	if (!pt->have_ts || pt->head_ev.ts_ms > pt->newest_ts) {
		pt->newest_ts = pt->head_ev.ts_ms;
		pt->have_ts = 1;
	}
	p->events[p->nevents] = pt->head_ev;
	p->ev_part[p->nevents] = i;
	p->nevents++;
}

/* Which side of pair i may go next: CW_TOPIC__COUNT if neither. */
static enum cw_topic_kind pick_side(struct cw_pipeline *p, int32_t i)
{
	struct part *c = &p->parts[CW_TOPIC_CDR][i];
	struct part *b = &p->parts[CW_TOPIC_BILLING][i];

	fill_head(p, CW_TOPIC_CDR, c);
	fill_head(p, CW_TOPIC_BILLING, b);
	if (c->head && b->head) {
		/* Invalid messages have no time: they go first. */
		if (c->head_why || b->head_why)
			return c->head_why ? CW_TOPIC_CDR : CW_TOPIC_BILLING;
		return b->head_ev.ts_ms < c->head_ev.ts_ms ? CW_TOPIC_BILLING
							   : CW_TOPIC_CDR;
	}
	if (c->head)
		return !b->assigned || !part_unread(p, CW_TOPIC_BILLING, i)
			       ? CW_TOPIC_CDR : CW_TOPIC__COUNT;
	if (b->head)
		return !c->assigned || !part_unread(p, CW_TOPIC_CDR, i)
			       ? CW_TOPIC_BILLING : CW_TOPIC__COUNT;
	return CW_TOPIC__COUNT;
}

/* One pass over all pairs, up to `room` messages; returns how many. The
 * pass starts where the last full batch stopped: always starting at pair 0
 * would starve the high partitions under load (their events waiting for
 * seconds). */
static size_t merge_pass(struct cw_pipeline *p, size_t room)
{
	size_t taken = 0;
	int n = p->nparts < PARTS_MAX ? p->nparts : PARTS_MAX;

	for (int k = 0; k < n && taken < room; k++) {
		int i = (p->cursor + k) % n;
		if (!p->parts[CW_TOPIC_CDR][i].q && !p->parts[CW_TOPIC_BILLING][i].q)
			continue;
		p->cursor_next = i;
		/* Drain this pair while it can go: keeps batches dense. */
		while (taken < room) {
			enum cw_topic_kind t = pick_side(p, i);
			if (t == CW_TOPIC__COUNT)
				break;
			take_head(p, t, i);
			taken++;
		}
	}
	/* Resume at the pair that filled the batch, else the one after. */
	if (n)
		p->cursor = taken >= room ? p->cursor_next : (p->cursor_next + 1) % n;
	return taken;
}

static void collect(struct cw_pipeline *p)
{
	size_t room = (size_t)p->conf->batch_size;
	int64_t wait = p->pending ? 5 : p->conf->batch_wait_ms;
	int64_t deadline = wall_ms() + wait;

	p->rebalanced = 0;
	p->nevents = 0;
	p->limits.now_ms = wall_ms();
	for (;;) {
		size_t n = merge_pass(p, room - p->nmsgs);
		if (p->nmsgs >= room)
			break;
		/* Serve rebalances and errors on the consumer queue; the
		 * short timeout also paces waiting for partition queues. */
		int64_t left = deadline - wall_ms();
		/* Nothing more is ready: go with what we have rather than wait
		 * (latency); wait only while the batch is empty. */
		if (n == 0 && (left <= 0 || p->nmsgs > 0))
			break;
		rd_kafka_message_t *m = rd_kafka_consumer_poll(
			p->consumer, n ? 0 : (int)(left < 5 ? left : 5));
		if (m) {
			/* Partition queues take every message; this is an
			 * error or event for the consumer as a whole. */
			if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				log_warn_rl("kafka: %s", rd_kafka_message_errstr(m));
			else if (!m->err)
				log_warn_rl("kafka: message outside partition queues: %s/%d@%" PRId64,
					    rd_kafka_topic_name(m->rkt), m->partition, m->offset);
			rd_kafka_message_destroy(m);
		}
		if (p->rebalanced) {
			/* Taken messages may belong to partitions we no
			 * longer own: drop them; they are read again from
			 * the offsets stored in Redis by the next owner. */
			destroy_msgs(p);
			p->nevents = 0;
			p->rebalanced = 0;
		}
	}
}

static struct sub *sub_find(struct cw_pipeline *p, const char *id,
			    int32_t partition)
{
	size_t mask = p->subs_cap - 1;
	size_t h = (size_t)XXH3_64bits(id, strlen(id)) & mask;

	for (;; h = (h + 1) & mask) {
		struct sub *s = &p->subs[h];
		if (!s->used) {
			s->used = 1;
			snprintf(s->id, sizeof(s->id), "%s", id);
			s->partition = partition;
			s->first_ev = -1;
			s->nev = 0;
			p->sub_order[p->nsubs++] = (int)h;
			return s;
		}
		if (!strcmp(s->id, id))
			return s;
	}
}

static void subs_reset(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->nsubs; i++)
		p->subs[p->sub_order[i]].used = 0;
	p->nsubs = 0;
}

/* Chain each event to its subscriber, keeping each chain ordered by
 * (ts, arrival): the order a subscriber's events are applied in. */
static void group_events(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->nevents; i++) {
		struct cw_event *ev = &p->events[i];
		struct sub *s = sub_find(p, ev->subscriber, p->ev_part[i]);
		int *link = &s->first_ev;
		while (*link >= 0 &&
		       (p->events[*link].ts_ms < ev->ts_ms ||
			(p->events[*link].ts_ms == ev->ts_ms &&
			 p->events[*link].topic <= ev->topic)))
			link = &p->ev_next[*link];
		p->ev_next[i] = *link;
		*link = (int)i;
		s->nev++;
	}
	for (size_t i = 0; i < p->nswept; i++)
		(void)sub_find(p, p->swept[i].id, p->swept[i].partition);
	p->nswept = 0;
}

/* ---- reads ---------------------------------------------------------------- */

struct reads {
	int mget;                 /* reply index of MGET, -1 none */
	int sweep[PARTS_MAX];     /* reply index per partition, -1 none */
};

/* Per-partition share of the due subscribers one batch may load. */
static int sweep_limit(const struct cw_pipeline *p)
{
	int n = p->nparts > 0 ? SWEEP_TOTAL / p->nparts : SWEEP_TOTAL;
	return n < 50 ? 50 : n;
}

static void queue_reads(struct cw_pipeline *p, struct reads *r)
{
	char due[KEY_MAX], upto[32], limit[16];

	r->mget = -1;
	if (p->nsubs) {
		size_t n = p->nsubs + 1;
		const char **argv = malloc(n * sizeof(*argv));
		size_t *lens = malloc(n * sizeof(*lens));
		char (*keys)[KEY_MAX] = malloc(p->nsubs * KEY_MAX);
		if (argv && lens && keys) {
			argv[0] = "MGET";
			lens[0] = 4;
			for (size_t i = 0; i < p->nsubs; i++) {
				argv[i + 1] = keys[i];
				lens[i + 1] = state_key(p, p->subs[p->sub_order[i]].id,
							keys[i]);
			}
			r->mget = cw_store_queue(p->store, (int)n, argv, lens);
		}
		free(argv);
		free(lens);
		free(keys);
	}
	snprintf(upto, sizeof(upto), "%" PRId64, p->watermark);
	snprintf(limit, sizeof(limit), "%d", sweep_limit(p));
	for (int i = 0; i < p->nparts && i < PARTS_MAX; i++) {
		r->sweep[i] = -1;
		if (!p->parts[CW_TOPIC_CDR][i].assigned || p->watermark == INT64_MIN)
			continue;
		if (p->watermark <= p->swept_upto[i] && !p->sweep_more[i])
			continue;
		cw_store_key(p->store, due, sizeof(due), "due:%d", i);
		r->sweep[i] = cw_store_queue(p->store, 7,
			(const char *[]){"ZRANGEBYSCORE", due, "-inf", upto,
					 "LIMIT", "0", limit}, NULL);
		p->swept_upto[i] = p->watermark;
	}
}

static void take_sweep(struct cw_pipeline *p, const struct reads *r)
{
	for (int i = 0; i < p->nparts && i < PARTS_MAX; i++) {
		if (r->sweep[i] < 0)
			continue;
		size_t n = cw_store_reply_len(p->store, r->sweep[i]);
		p->sweep_more[i] = n >= (size_t)sweep_limit(p);
		if (p->nswept + n > SWEEP_TOTAL) {
			/* The table of one batch is bounded: the rest of
			 * this partition waits for the next batch. */
			n = p->nswept < SWEEP_TOTAL ? SWEEP_TOTAL - p->nswept : 0;
			p->sweep_more[i] = 1;
		}
		struct sub *sw = grow(p->swept, &p->swept_cap, p->nswept + n,
				      sizeof(*sw));
		if (!sw)
			continue;
		p->swept = sw;
		for (size_t j = 0; j < n; j++) {
			size_t len;
			const char *s = cw_store_reply_str(p->store, r->sweep[i], (int)j, &len);
			if (!s || len > CW_SUB_MAX)
				continue;
			struct sub *e = &p->swept[p->nswept++];
			memcpy(e->id, s, len);
			e->id[len] = '\0';
			e->partition = i;
		}
	}
}

/* ---- applying the batch --------------------------------------------------- */

static struct limit_slot *limit_slot(struct cw_pipeline *p, uint32_t rule,
				     int32_t day)
{
	struct limit_slot *victim = &p->limits_guard[0];
	for (int i = 0; i < LIMIT_SLOTS; i++) {
		struct limit_slot *s = &p->limits_guard[i];
		if (s->count && s->rule_hash == rule && s->day == day)
			return s;
		if (!s->count || s->day < victim->day)
			victim = s;
	}
	*victim = (struct limit_slot){rule, day, 0};
	return victim;
}

struct sink_ctx {
	struct cw_pipeline *p;
	int32_t partition;
	const char *outbox_key;
};

static int sink_emit(void *ctx, const struct cw_alert *a)
{
	struct sink_ctx *c = ctx;
	struct cw_pipeline *p = c->p;
	const struct cw_rule *r = a->rule;

	if (r->limit_per_day > 0) {
		uint32_t h = (uint32_t)XXH32(r->name, strlen(r->name), 0);
		struct limit_slot *s = limit_slot(p, h, cw_day_of(a->ts_ms, 0));
		if (s->count >= r->limit_per_day) {
			cw_metrics_alert(p->metrics, r->name, r->severity, 1);
			log_warn_rl("rule %s: daily limit %" PRId64 " reached; alert suppressed",
				    r->name, r->limit_per_day);
			return 1;
		}
		s->count++;
	}
	char *json = cw_alert_to_json(a, p->rt->rules->version);
	struct pending_alert *pa = grow(p->palerts, &p->palerts_cap,
					p->npalerts + 1, sizeof(*pa));
	if (!json || !pa) {
		/* The firing is recorded; losing its text would lose the
		 * alert, so fail loudly rather than silently. */
		log_err("out of memory building alert %s", a->alert_id);
		free(json);
		return 1;
	}
	p->palerts = pa;
	pa = &p->palerts[p->npalerts++];
	pa->json = json;
	memcpy(pa->id, a->alert_id, sizeof(pa->id));
	snprintf(pa->sub, sizeof(pa->sub), "%s", a->subscriber);
	pa->partition = c->partition;
	cw_store_queue(p->store, 4,
		       (const char *[]){"HSET", c->outbox_key, a->alert_id, json},
		       NULL);
	cw_metrics_alert(p->metrics, r->name, r->severity, 0);
	return 0;
}

static void write_subscriber(struct cw_pipeline *p, const struct sub *s,
			     const struct cw_state *st, int64_t due)
{
	char key[KEY_MAX], score[24];
	size_t kl = state_key(p, s->id, key);
	const char *duekey = p->due_key[s->partition];
	int n = cw_state_encode(st, &p->rt->engine.profile, p->blob,
				CW_STATE_BLOB_MAX);

	if (n < 0) {
		log_err("state of %s does not fit %d bytes; not written",
			s->id, CW_STATE_BLOB_MAX);
		return;
	}
	cw_store_queue(p->store, 5,
		       (const char *[]){"SET", key, (const char *)p->blob, "PX", p->ttl},
		       (const size_t[]){3, kl, (size_t)n, 2, strlen(p->ttl)});
	if (due == INT64_MAX) {
		cw_store_queue(p->store, 3, (const char *[]){"ZREM", duekey, s->id}, NULL);
	} else {
		i64_to_str(due, score);
		cw_store_queue(p->store, 4, (const char *[]){"ZADD", duekey, score, s->id}, NULL);
	}
}

static void apply_subscriber(struct cw_pipeline *p, const struct sub *s,
			     const char *blob, size_t bloblen,
			     int64_t wm_before)
{
	const struct cw_engine *e = &p->rt->engine;
	struct cw_state *st = p->scratch;
	struct sink_ctx sc = {p, s->partition, p->outbox_key[s->partition]};
	struct cw_alert_sink sink = {sink_emit, &sc};

	if (blob) {
		if (cw_state_decode(st, &e->profile, (const uint8_t *)blob, bloblen) < 0)
			log_warn_rl("state of %s is corrupt; starting afresh", s->id);
	} else {
		cw_state_init(st);
		if (s->nev == 0) {
			/* Swept but expired: forget its timer. */
			cw_store_queue(p->store, 3, (const char *[]){"ZREM",
				       p->due_key[s->partition], s->id}, NULL);
			return;
		}
	}
	for (int i = s->first_ev; i >= 0; i = p->ev_next[i]) {
		const struct cw_event *ev = &p->events[i];
		if (wm_before != INT64_MIN && ev->ts_ms < wm_before) {
			cw_metrics_late(p->metrics);
			p->stats.late++;
		}
		if (cw_engine_apply(e, st, ev, &sink) == CW_APPLY_DUPLICATE) {
			cw_metrics_duplicate(p->metrics);
			p->stats.duplicates++;
		}
	}
	if (p->watermark != INT64_MIN)
		cw_engine_advance(e, st, s->id, p->watermark, &sink);
	write_subscriber(p, s, st, cw_engine_next_due(e, st));
}

static void queue_progress(struct cw_pipeline *p)
{
	char key_off[KEY_MAX], key_wm[KEY_MAX], field[KEY_MAX], v[32];

	cw_store_key(p->store, key_off, sizeof(key_off), "off:%s", p->conf->group_id);
	cw_store_key(p->store, key_wm, sizeof(key_wm), "wm:%s", p->conf->group_id);
	p->pending_offsets = rd_kafka_topic_partition_list_new(16);
	for (int t = 0; t < CW_TOPIC__COUNT; t++) {
		for (int i = 0; i < p->nparts && i < PARTS_MAX; i++) {
			struct part *pt = &p->parts[t][i];
			if (!pt->dirty || !pt->assigned)
				continue;
			pt->dirty = 0;
			part_key(p, (enum cw_topic_kind)t, i, field, sizeof(field));
			snprintf(v, sizeof(v), "%" PRId64, pt->next_offset);
			cw_store_queue(p->store, 4, (const char *[]){"HSET", key_off, field, v}, NULL);
			if (pt->have_ts) {
				snprintf(v, sizeof(v), "%" PRId64, pt->newest_ts);
				cw_store_queue(p->store, 4, (const char *[]){"HSET", key_wm, field, v}, NULL);
			}
			if (p->pending_offsets)
				rd_kafka_topic_partition_list_add(
					p->pending_offsets, topic_name(p, (enum cw_topic_kind)t), i)
					->offset = pt->next_offset;
		}
	}
}

static void queue_outbox_cleanup(struct cw_pipeline *p)
{
	char key[KEY_MAX];
	for (size_t i = 0; i < p->ndelivered; i++) {
		cw_store_key(p->store, key, sizeof(key), "outbox:%" PRId32,
			     p->delivered[i].partition);
		cw_store_queue(p->store, 3,
			       (const char *[]){"HDEL", key, p->delivered[i].id}, NULL);
	}
	p->ndelivered = 0;
}

/* Build this batch's transaction from the states just read. */
static void apply_batch(struct cw_pipeline *p, const struct reads *r,
			int64_t wm_before)
{
	cw_store_queue(p->store, 1, (const char *[]){"MULTI"}, NULL);
	for (size_t i = 0; i < p->nsubs; i++) {
		const struct sub *s = &p->subs[p->sub_order[i]];
		size_t len = 0;
		const char *blob = r->mget >= 0
			? cw_store_reply_str(p->store, r->mget, (int)i, &len)
			: NULL;
		apply_subscriber(p, s, blob, len, wm_before);
	}
	queue_progress(p);
	queue_outbox_cleanup(p);
	cw_store_queue(p->store, 1, (const char *[]){"EXEC"}, NULL);
	p->pending = 1;
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
		heartbeat(p);
		return 0;
	}
	int64_t t0 = wall_ms();
	p->batch_kafka_ts = -1;
	collect(p);
	consumed = p->nmsgs;
	if (p->batch_kafka_ts > 0)
		cw_metrics_set_input_lag(p->metrics, wall_ms() - p->batch_kafka_ts);
	update_watermark(p);
	group_events(p);

	/* The previous batch's transaction may only go once its dead letters
	 * are safely in Kafka. */
	if (p->pending)
		wait_dead_letters(p);
	queue_reads(p, &r);
	if (cw_store_queued(p->store) > 0) {
		uint64_t cmds = cw_store_queued(p->store);
		if (exchange(p) < 0) {
			/* Stopping during an outage: nothing of this batch
			 * or the previous one is acknowledged; both are
			 * read again after the restart. */
			destroy_msgs(p);
			subs_reset(p);
			drop_pending(p);
			return (int)consumed;
		}
		cw_metrics_set_ready(p->metrics, 1);
		p->stats.redis_exchanges++;
		p->stats.redis_commands += cmds;
		cw_metrics_batch(p->metrics, p->pending_msgs, cmds, 1);
		if (p->pending)
			post_commit(p);
		take_sweep(p, &r);
	}
	p->pending_msgs = consumed;
	if (p->nsubs || consumed)
		apply_batch(p, &r, wm_before);
	cw_store_release(p->store);
	subs_reset(p);
	destroy_msgs(p);
	p->stats.watermark_ms = p->watermark;
	if (consumed)
		log_debug("batch: %zu messages, input lag %" PRId64 " ms, step %" PRId64 " ms",
			  consumed, p->batch_kafka_ts > 0 ? t0 - p->batch_kafka_ts : -1,
			  wall_ms() - t0);
	return (int)consumed;
}

/* ---- life cycle ----------------------------------------------------------- */

static int connect_redis(struct cw_pipeline *p, char *err, size_t errlen)
{
	struct cw_store_opts so = {
		.url = p->conf->redis_url,
		.password = p->opts.redis_password,
		.prefix = p->conf->key_prefix,
		.timeout_ms = p->conf->redis_timeout_ms,
	};
	int64_t start = wall_ms(), backoff = 100;

	while (cw_store_open(&so, &p->store, err, errlen) < 0) {
		if (wall_ms() - start > p->conf->startup_retry_ms || stopping(p))
			return -1;
		log_warn("%s (retrying)", err);
		heartbeat(p);
		sleep_ms(backoff);
		backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
	}
	return 0;
}

static int connect_kafka(struct cw_pipeline *p, char *err, size_t errlen)
{
	char e[512];
	rd_kafka_conf_t *cc = cw_kafka_conf_new(p->conf, CW_KAFKA_CONSUMER, err, errlen);
	rd_kafka_conf_t *pc = cw_kafka_conf_new(p->conf, CW_KAFKA_PRODUCER, err, errlen);

	if (!cc || !pc) {
		if (cc)
			rd_kafka_conf_destroy(cc);
		if (pc)
			rd_kafka_conf_destroy(pc);
		return CW_PIPE_CONFIG;
	}
	rd_kafka_conf_set_opaque(cc, p);
	rd_kafka_conf_set_rebalance_cb(cc, rebalance_cb);
	rd_kafka_conf_set_dr_msg_cb(pc, dr_cb);
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
	int64_t start = wall_ms();
	int ncdr, nbill;
	for (;;) {
		ncdr = cw_kafka_partition_count(p->consumer, p->conf->topic_cdr, 2000, err, errlen);
		nbill = ncdr < 0 ? -1
				 : cw_kafka_partition_count(p->consumer, p->conf->topic_billing,
							    2000, err, errlen);
		if (ncdr > 0 && nbill > 0)
			break;
		if (wall_ms() - start > p->conf->startup_retry_ms || stopping(p))
			return CW_PIPE_UNREACHABLE;
		log_warn("%s (retrying)", err);
		heartbeat(p);
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
	cw_event_limits_default(&p->limits, wall_ms());
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
	if (connect_redis(p, err, errlen) < 0) {
		rc = CW_PIPE_UNREACHABLE;
		goto fail;
	}
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
	i64_to_str(p->conf->state_ttl_ms, p->ttl);
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

	if (p->pending && flush_pending(p) < 0) {
		log_warn("drain: redis unreachable; the last batch will be "
			 "processed again on restart");
		drop_pending(p);
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
		queue_outbox_cleanup(p);
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
	drop_heads(p);
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
}
