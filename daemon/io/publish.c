/*
 * publish.c — what leaves churnwatch for Kafka: alerts (after their batch
 * is durable, from the Redis outbox) and dead letters (before it).
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
#include "cw/strutil.h"
#include "pipeline_int.h"

void pl_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct dr_rec *r = m->_private;

	(void)rk;
	(void)opaque;
	if (!r)
		return;
	struct cw_pipeline *p = r->p;
	if (r->kind == DR_DLQ) {
		p->dlq_inflight--;
		cw_metrics_dlq(p->metrics, !m->err);
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
			if (r->src_kafka_ts > 0)
				cw_metrics_observe_alert_latency(
					p->metrics,
					(double)(pl_wall_ms() - r->src_kafka_ts) / 1000.0);
			struct delivered *d = pl_grow(p->delivered, &p->delivered_cap,
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
		pl_heartbeat(p);
	}
}

static void dead_letter(struct cw_pipeline *p, const rd_kafka_message_t *m,
			enum cw_invalid why)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(5);
	const char *reason = cw_invalid_str(why);
	char num[32];
	struct dr_rec *rec = calloc(1, sizeof(*rec));
	/* A huge bad message still goes, cut to a size the DLQ takes, with
	 * a header saying how long it was. */
	size_t len = m->len > DLQ_PAYLOAD_MAX ? DLQ_PAYLOAD_MAX : m->len;
	char *copy = malloc(len ? len : 1);

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
	if (m->len > len) {
		snprintf(num, sizeof(num), "%zu", m->len);
		rd_kafka_header_add(h, "churnwatch.truncated.original_bytes", -1, num, -1);
	}
	if (len)
		memcpy(copy, m->payload, len);
	rec->kind = DR_DLQ;
	rec->p = p;
	p->dlq_inflight++;
	if (produce(p, p->conf->topic_dead_letter, m->key, m->key_len, copy,
		    len, h, rec) < 0) {
		p->dlq_inflight--;
		free(rec);
	}
}

/*
 * A subscriber whose state does not fit CW_STATE_BLOB_MAX: its events of
 * this batch cannot be kept, so they are not dropped silently: a record
 * on the dead-letter topic (reason state_too_large) and a metric.
 */
static void dead_letter_state(struct cw_pipeline *p, const char *subscriber,
			      int32_t partition, size_t nevents)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(2);
	struct dr_rec *rec = calloc(1, sizeof(*rec));
	char *body = malloc(160);
	char num[32];

	cw_metrics_state_too_large(p->metrics);
	log_err_rl("state of %s does not fit %d bytes: %zu events of this batch "
		   "are not kept (dead-lettered as state_too_large)",
		   subscriber, CW_STATE_BLOB_MAX, nevents);
	if (!h || !rec || !body) {
		free(rec);
		free(body);
		if (h)
			rd_kafka_headers_destroy(h);
		return;
	}
	int n = snprintf(body, 160,
			 "{\"subscriber\":\"%s\",\"reason\":\"state_too_large\","
			 "\"events\":%zu,\"limit_bytes\":%d}",
			 subscriber, nevents, CW_STATE_BLOB_MAX);
	rd_kafka_header_add(h, "__connect.errors.exception.message", -1,
			    "state_too_large", -1);
	snprintf(num, sizeof(num), "%" PRId32, partition);
	rd_kafka_header_add(h, "__connect.errors.partition", -1, num, -1);
	rec->kind = DR_DLQ;
	rec->p = p;
	p->dlq_inflight++;
	if (produce(p, p->conf->topic_dead_letter, subscriber, strlen(subscriber),
		    body, (size_t)n, h, rec) < 0) {
		p->dlq_inflight--;
		free(rec);
	}
}

void pl_dead_letter_rejects(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->nrejects; i++) {
		dead_letter(p, p->rejects[i].m, p->rejects[i].why);
		rd_kafka_message_destroy(p->rejects[i].m);
	}
	p->nrejects = 0;
}

void pl_free_rejects(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->nrejects; i++)
		rd_kafka_message_destroy(p->rejects[i].m);
	p->nrejects = 0;
	free(p->rejects);
	p->rejects = NULL;
	p->rejects_cap = 0;
}

/* A retention event for no task of its subscriber: the event (canonical
 * JSON; the message itself is gone) with the usual source headers. */
static void dead_letter_task(struct cw_pipeline *p, struct task_reject *t)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(4);
	struct dr_rec *rec = calloc(1, sizeof(*rec));
	const char *reason = cw_invalid_str(CW_INVALID_UNKNOWN_TASK);
	char num[32];
	char *body = t->json;

	t->json = NULL;
	cw_metrics_invalid(p->metrics, CW_INVALID_UNKNOWN_TASK);
	p->stats.invalid++;
	log_warn_rl("invalid event %s/%" PRId32 "@%" PRId64 ": %s",
		    pl_topic_name(p, t->topic), t->partition, t->offset, reason);
	if (!h || !rec) {
		log_err("out of memory for dead letter at offset %" PRId64, t->offset);
		free(rec);
		free(body);
		if (h)
			rd_kafka_headers_destroy(h);
		return;
	}
	rd_kafka_header_add(h, "__connect.errors.exception.message", -1, reason, -1);
	rd_kafka_header_add(h, "__connect.errors.topic", -1, pl_topic_name(p, t->topic), -1);
	snprintf(num, sizeof(num), "%" PRId32, t->partition);
	rd_kafka_header_add(h, "__connect.errors.partition", -1, num, -1);
	snprintf(num, sizeof(num), "%" PRId64, t->offset);
	rd_kafka_header_add(h, "__connect.errors.offset", -1, num, -1);
	rec->kind = DR_DLQ;
	rec->p = p;
	p->dlq_inflight++;
	if (produce(p, p->conf->topic_dead_letter, NULL, 0, body, strlen(body), h,
		    rec) < 0) {
		p->dlq_inflight--;
		free(rec);
	}
}

void pl_dead_letter_task_rejects(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->ntask_rejects; i++)
		dead_letter_task(p, &p->task_rejects[i]);
	p->ntask_rejects = 0;
}

void pl_dead_letter_too_large(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->ntoo_large; i++)
		dead_letter_state(p, p->too_large[i].sub, p->too_large[i].partition,
				  p->too_large[i].nevents);
	p->ntoo_large = 0;
}

/* Dead letters of a batch must be in Kafka before its offsets are stored:
 * otherwise a crash in between would lose them. */
void pl_wait_dead_letters(struct cw_pipeline *p)
{
	int64_t start = pl_wall_ms();
	while (p->dlq_inflight > 0) {
		rd_kafka_poll(p->producer, 50);
		pl_heartbeat(p);
		if (pl_wall_ms() - start > 10000) {
			log_warn_rl("waiting for %" PRId64 " dead letters to be acknowledged",
				    p->dlq_inflight);
			start = pl_wall_ms();
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
	rec->src_kafka_ts = a->src_kafka_ts;
	memcpy(rec->id, a->id, sizeof(rec->id));
	p->alerts_inflight++;
	if (produce(p, a->archive ? p->conf->topic_archive : p->conf->topic_alerts,
		    a->sub, strlen(a->sub), a->json, strlen(a->json), NULL, rec) < 0) {
		p->alerts_inflight--;
		free(rec);
	}
	a->json = NULL; /* owned by librdkafka now */
}

/* Commit the held batch's offsets to Kafka too (Redis has them already):
 * what the group shows as lag, and where a new group member would start
 * if Redis lost them. */
static void commit_offsets(struct cw_pipeline *p, const struct batch_out *o)
{
	if (!o->nprogress)
		return;
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new((int)o->nprogress);
	if (!l)
		return;
	for (size_t i = 0; i < o->nprogress; i++)
		rd_kafka_topic_partition_list_add(l, pl_topic_name(p, o->progress[i].topic),
						  o->progress[i].partition)
			->offset = o->progress[i].next_offset;
	rd_kafka_resp_err_t e = rd_kafka_commit(p->consumer, l, 1);
	if (e)
		log_warn_rl("kafka offset commit: %s", rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(l);
}

void pl_post_commit(struct cw_pipeline *p)
{
	struct batch_out *o = p->held;
	size_t nalerts = 0;
	uint64_t late = 0, dups = 0;

	for (int k = 0; k < STEP_SHARDS; k++) {
		struct out_shard *sh = &o->sh[k];
		for (size_t i = 0; i < sh->nalerts; i++)
			publish_alert(p, &sh->alerts[i]);
		nalerts += sh->nalerts;
		sh->nalerts = 0;
		late += sh->late;
		dups += sh->dups;
	}
	if (nalerts && p->fp.name[0]) {
		/* The point is "acknowledged by Kafka": wait for it. */
		if (!strcmp(p->fp.name, "crash-after-publish"))
			rd_kafka_flush(p->producer, 10000);
		cw_failpoint(&p->fp, "crash-after-publish");
	}
	p->stats.alerts += nalerts;
	commit_offsets(p, o);
	p->stats.batches++;
	p->stats.late += late;
	p->stats.duplicates += dups;
	cw_metrics_late(p->metrics, late);
	cw_metrics_duplicate(p->metrics, dups);
	/* Its states stay readable (the carry of the batch stepped with
	 * this round trip) until it is cleared for reuse. */
	o->used = 0;
	p->pending = 0;
	rd_kafka_poll(p->producer, 0);
}

void pl_drop_pending(struct cw_pipeline *p)
{
	pl_out_clear(p->held);
	pl_out_clear(p->next);
	p->pending = 0;
	/* The book may hold alerts of the dropped batches: it is loaded
	 * again from Redis with the next assignment. */
	pl_held_reset(p);
	cw_store_discard(p->store);
}

/* Make the held transaction durable now (revocation, drain). */
int pl_flush_pending(struct cw_pipeline *p)
{
	if (!p->pending)
		return 0;
	pl_wait_dead_letters(p);
	pl_queue_held(p);
	if (pl_exchange(p) < 0)
		return -1;
	cw_store_release(p->store);
	pl_post_commit(p);
	return 0;
}

/* Publish again whatever the outbox of these partitions still holds: those
 * alerts were committed with their batch but maybe never acknowledged. */
void pl_republish_outbox(struct cw_pipeline *p, const int32_t *parts,
			 size_t n)
{
	int *idx = calloc(n ? n : 1, sizeof(*idx));
	if (!idx)
		return;
	for (size_t i = 0; i < n; i++)
		idx[i] = cw_ss_queue_outbox(p->ss, parts[i]);
	if (pl_exchange(p) == 0) {
		size_t total = 0;
		for (size_t i = 0; i < n; i++) {
			size_t m = idx[i] >= 0 ? cw_store_reply_len(p->store, idx[i]) : 0;
			for (size_t j = 0; j + 1 < m; j += 2) {
				size_t il, jl;
				const char *id = cw_store_reply_str(p->store, idx[i], (int)j, &il);
				const char *js = cw_store_reply_str(p->store, idx[i], (int)j + 1, &jl);
				struct pending_alert a = {.partition = parts[i]};
				/* An alert's id, or "~" and an archive record's. */
				if (!id || !js || il < CW_ALERT_ID_LEN || il > CW_ALERT_ID_LEN + 1 ||
				    (il == CW_ALERT_ID_LEN + 1 && id[0] != '~'))
					continue;
				memcpy(a.id, id, il);
				a.archive = id[0] == '~';
				a.json = malloc(jl + 1);
				if (!a.json)
					continue;
				memcpy(a.json, js, jl);
				a.json[jl] = '\0';
				/* The subscriber is the message key. */
				const char *s;
				size_t sl = cw_json_scan_str(a.json, jl, "subscriber",
							     CW_SUB_MAX, &s);
				snprintf(a.sub, sizeof(a.sub), "%.*s", (int)sl, sl ? s : "");
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
