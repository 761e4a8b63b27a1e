/*
 * apply.c — a batch's subscribers: the table, the Redis reads (states, due
 * timers), applying events and timers through the engine, and queueing the
 * batch's MULTI/EXEC (states, timers, outbox, offsets).
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
#include "cw/batch.h"
#include "pipeline_int.h"

void pl_subs_reset(struct cw_pipeline *p)
{
	cw_batch_subs_reset(&p->subs);
}

/* Every event to its subscriber (batch.h's table), then the subscribers
 * the last sweep found due. */
void pl_group_events(struct cw_pipeline *p)
{
	cw_batch_subs_chain(&p->subs, p->events, p->ev_part, p->ev_next,
			    p->nevents);
	for (size_t i = 0; i < p->nswept; i++)
		(void)cw_batch_subs_get(&p->subs, p->swept[i].id,
					p->swept[i].partition);
	p->nswept = 0;
}

/* Per-partition share of the due subscribers one batch may load. */
static int sweep_limit(const struct cw_pipeline *p)
{
	int n = p->nparts > 0 ? SWEEP_TOTAL / p->nparts : SWEEP_TOTAL;
	return n < 50 ? 50 : n;
}

void pl_queue_reads(struct cw_pipeline *p, struct reads *r)
{
	r->mget = -1;
	if (p->subs.n) {
		const char **ids = malloc(p->subs.n * sizeof(*ids));
		if (ids) {
			for (size_t i = 0; i < p->subs.n; i++)
				ids[i] = p->subs.slot[p->subs.order[i]].id;
			r->mget = cw_ss_queue_states(p->ss, ids, p->subs.n);
		}
		free(ids);
	}
	for (int i = 0; i < p->nparts && i < PARTS_MAX; i++) {
		r->sweep[i] = -1;
		if (!p->parts[CW_TOPIC_CDR][i].assigned || p->watermark == INT64_MIN)
			continue;
		if (p->watermark <= p->swept_upto[i] && !p->sweep_more[i])
			continue;
		r->sweep[i] = cw_ss_queue_due(p->ss, i, p->watermark, sweep_limit(p));
		p->swept_upto[i] = p->watermark;
	}
}

void pl_take_sweep(struct cw_pipeline *p, const struct reads *r)
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
		struct cw_batch_sub *sw = pl_grow(p->swept, &p->swept_cap, p->nswept + n,
				      sizeof(*sw));
		if (!sw)
			continue;
		p->swept = sw;
		for (size_t j = 0; j < n; j++) {
			size_t len;
			const char *s = cw_store_reply_str(p->store, r->sweep[i], (int)j, &len);
			if (!s || len > CW_SUB_MAX)
				continue;
			struct cw_batch_sub *e = &p->swept[p->nswept++];
			memcpy(e->id, s, len);
			e->id[len] = '\0';
			e->partition = i;
		}
	}
}

struct sink_ctx {
	struct cw_pipeline *p;
	int32_t partition;
};

static int sink_emit(void *ctx, const struct cw_alert *a)
{
	struct sink_ctx *c = ctx;
	struct cw_pipeline *p = c->p;
	const struct cw_rule *r = a->rule;

	if (cw_flood_admit(&p->flood, &p->rt->engine, a)) {
		cw_metrics_alert(p->metrics, r->name, r->severity, 1);
		log_warn_rl("rule %s: daily limit %" PRId64 " reached; alert suppressed",
			    r->name, r->limit_per_day);
		return 1;
	}
	char *json = cw_alert_to_json(a, p->rt->rules->version);
	struct pending_alert *pa = pl_grow(p->palerts, &p->palerts_cap,
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
	pa->src_kafka_ts = p->batch_kafka_ts > 0 ? p->batch_kafka_ts : 0;
	cw_ss_put_outbox(p->ss, c->partition, a->alert_id, json);
	cw_metrics_alert(p->metrics, r->name, r->severity, 0);
	return 0;
}

/* A state that does not fit: handed back, the loop dead-letters it
 * before this batch's transaction can go. */
static void hand_back_too_large(struct cw_pipeline *p,
				const struct cw_batch_sub *s)
{
	struct too_large *tl = pl_grow(p->too_large, &p->too_large_cap,
				       p->ntoo_large + 1, sizeof(*tl));
	if (!tl) {
		log_err("out of memory for the state_too_large dead letter of %s",
			s->id);
		return;
	}
	p->too_large = tl;
	tl = &p->too_large[p->ntoo_large++];
	snprintf(tl->sub, sizeof(tl->sub), "%s", s->id);
	tl->partition = s->partition;
	tl->nevents = (size_t)s->nev;
}

static void apply_subscriber(struct cw_pipeline *p, const struct cw_batch_sub *s,
			     const char *blob, size_t bloblen,
			     int64_t wm_before)
{
	struct sink_ctx sc = {p, s->partition};
	struct cw_alert_sink sink = {sink_emit, &sc, p->evals};
	struct cw_step_result r;

	if (!blob && s->nev == 0) {
		/* Swept but expired: forget its timer. */
		cw_ss_forget_due(p->ss, s->id, s->partition);
		return;
	}
	/* The pair merge applies partition N of cdr and billing in ts
	 * order, so every earlier event of the subscriber is in (the
	 * assumption the silence gap makes too); one that is not is late,
	 * and counted so. */
	cw_batch_step(&p->rt->engine, p->scratch, s->id, (const uint8_t *)blob,
		      bloblen, p->events, p->ev_next, s->first_ev, wm_before,
		      p->watermark, &sink, p->blob, &r);
	p->batch_late += r.late;
	p->batch_dups += r.duplicates;
	if (r.corrupt)
		log_warn_rl("state of %s is corrupt; starting afresh", s->id);
	if (r.dropped_ids)
		log_warn_rl("state of %s is over %d bytes: its event ids "
			    "are dropped (duplicates of its recent events "
			    "are no longer recognised)",
			    s->id, CW_STATE_BLOB_MAX);
	if (r.len < 0) {
		hand_back_too_large(p, s);
		return;
	}
	/* A closed (deactivated) line is kept only as long as inspect and
	 * late events need it; the number may be given to someone else. */
	cw_ss_put_state(p->ss, s->id, s->partition, p->blob, (size_t)r.len,
			(p->scratch->flags & CW_ST_DEACTIVATED) != 0, r.next_due);
}

static void queue_progress(struct cw_pipeline *p)
{
	char field[KEY_MAX];

	p->pending_offsets = rd_kafka_topic_partition_list_new(16);
	/* The sentinels of lost-key detection (statestore.h), written with
	 * the offsets they vouch for. */
	for (int i = 0; i < p->nparts && i < PARTS_MAX; i++)
		if ((p->parts[CW_TOPIC_CDR][i].dirty && p->parts[CW_TOPIC_CDR][i].assigned) ||
		    (p->parts[CW_TOPIC_BILLING][i].dirty && p->parts[CW_TOPIC_BILLING][i].assigned))
			cw_ss_put_sentinels(p->ss, i);
	for (int t = 0; t < CW_TOPIC__COUNT; t++) {
		for (int i = 0; i < p->nparts && i < PARTS_MAX; i++) {
			struct part *pt = &p->parts[t][i];
			if (!pt->dirty || !pt->assigned)
				continue;
			pt->dirty = 0;
			pl_part_key(p, (enum cw_topic_kind)t, i, field, sizeof(field));
			cw_ss_put_progress(p->ss, field, pt->next_offset, pt->have_ts,
					   pt->newest_ts);
			if (p->pending_offsets)
				rd_kafka_topic_partition_list_add(
					p->pending_offsets, pl_topic_name(p, (enum cw_topic_kind)t), i)
					->offset = pt->next_offset;
		}
	}
}

void pl_queue_outbox_cleanup(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->ndelivered; i++)
		cw_ss_delete_outbox(p->ss, p->delivered[i].partition,
				    p->delivered[i].id);
	p->ndelivered = 0;
}

/* Build this batch's transaction from the states just read. */
void pl_apply_batch(struct cw_pipeline *p, const struct reads *r,
		    int64_t wm_before)
{
	cw_ss_begin(p->ss);
	for (size_t i = 0; i < p->subs.n; i++) {
		const struct cw_batch_sub *s = &p->subs.slot[p->subs.order[i]];
		size_t len = 0;
		const char *blob = r->mget >= 0
			? cw_store_reply_str(p->store, r->mget, (int)i, &len)
			: NULL;
		apply_subscriber(p, s, blob, len, wm_before);
	}
	queue_progress(p);
	pl_queue_outbox_cleanup(p);
	cw_ss_commit(p->ss);
	p->pending = 1;
	p->pending_late = p->batch_late;
	p->pending_dups = p->batch_dups;
	p->batch_late = p->batch_dups = 0;
}
