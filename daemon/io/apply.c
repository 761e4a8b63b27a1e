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

void pl_subs_reset(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->nsubs; i++)
		p->subs[p->sub_order[i]].used = 0;
	p->nsubs = 0;
}

/* Chain each event to its subscriber, keeping each chain ordered by
 * (ts, arrival): the order a subscriber's events are applied in. */
void pl_group_events(struct cw_pipeline *p)
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

/* Per-partition share of the due subscribers one batch may load. */
static int sweep_limit(const struct cw_pipeline *p)
{
	int n = p->nparts > 0 ? SWEEP_TOTAL / p->nparts : SWEEP_TOTAL;
	return n < 50 ? 50 : n;
}

void pl_queue_reads(struct cw_pipeline *p, struct reads *r)
{
	r->mget = -1;
	if (p->nsubs) {
		const char **ids = malloc(p->nsubs * sizeof(*ids));
		if (ids) {
			for (size_t i = 0; i < p->nsubs; i++)
				ids[i] = p->subs[p->sub_order[i]].id;
			r->mget = cw_ss_queue_states(p->ss, ids, p->nsubs);
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
		struct sub *sw = pl_grow(p->swept, &p->swept_cap, p->nswept + n,
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

static void write_subscriber(struct cw_pipeline *p, const struct sub *s,
			     struct cw_state *st, int64_t due)
{
	int dropped;
	int n = cw_batch_encode(&p->rt->engine, st, p->blob, CW_STATE_BLOB_MAX,
				&dropped);

	if (dropped)
		log_warn_rl("state of %s is over %d bytes: its event ids "
			    "are dropped (duplicates of its recent events "
			    "are no longer recognised)",
			    s->id, CW_STATE_BLOB_MAX);
	if (n < 0) {
		/* Handed back: the loop dead-letters it before this batch's
		 * transaction can go. */
		struct too_large *tl = pl_grow(p->too_large, &p->too_large_cap,
					       p->ntoo_large + 1, sizeof(*tl));
		if (!tl) {
			log_err("out of memory for the state_too_large dead "
				"letter of %s", s->id);
			return;
		}
		p->too_large = tl;
		tl = &p->too_large[p->ntoo_large++];
		snprintf(tl->sub, sizeof(tl->sub), "%s", s->id);
		tl->partition = s->partition;
		tl->nevents = (size_t)s->nev;
		return;
	}
	/* A closed (deactivated) line is kept only as long as inspect and
	 * late events need it; the number may be given to someone else. */
	cw_ss_put_state(p->ss, s->id, s->partition, p->blob, (size_t)n,
			(st->flags & CW_ST_DEACTIVATED) != 0, due);
}

static void apply_subscriber(struct cw_pipeline *p, const struct sub *s,
			     const char *blob, size_t bloblen,
			     int64_t wm_before)
{
	const struct cw_engine *e = &p->rt->engine;
	struct cw_state *st = p->scratch;
	struct sink_ctx sc = {p, s->partition};
	struct cw_alert_sink sink = {sink_emit, &sc, p->evals};

	if (blob) {
		if (cw_state_decode(st, &e->profile, (const uint8_t *)blob, bloblen) < 0)
			log_warn_rl("state of %s is corrupt; starting afresh", s->id);
	} else {
		cw_state_init(st);
		if (s->nev == 0) {
			/* Swept but expired: forget its timer. */
			cw_ss_forget_due(p->ss, s->id, s->partition);
			return;
		}
	}
	for (int i = s->first_ev; i >= 0; i = p->ev_next[i]) {
		const struct cw_event *ev = &p->events[i];
		/* The pair merge applies partition N of cdr and billing in
		 * ts order, so every earlier event of the subscriber is in
		 * (the assumption the silence gap makes too); one that is
		 * not is late, and counted so. */
		if (wm_before != INT64_MIN && ev->ts_ms < wm_before)
			p->batch_late++;
		if (cw_batch_apply(e, st, ev, &sink) == CW_APPLY_DUPLICATE)
			p->batch_dups++;
	}
	if (p->watermark != INT64_MIN)
		cw_engine_advance(e, st, s->id, p->watermark, &sink);
	write_subscriber(p, s, st, cw_engine_next_due(e, st));
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
	for (size_t i = 0; i < p->nsubs; i++) {
		const struct sub *s = &p->subs[p->sub_order[i]];
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
