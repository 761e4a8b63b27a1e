/*
 * apply.c — a batch's subscribers: the table, the Redis reads (states, due
 * timers), stepping them through the core (batch.h) into a held batch
 * (struct batch_out: blobs, alerts, offsets), and queueing that batch's
 * MULTI/EXEC (states, timers, outbox, retention tasks, offsets) behind the
 * next batch's reads.
 *
 * The step runs in two shards (a subscriber's shard is a hash of its id),
 * one on a worker thread; they share only the book of held alerts
 * (held.c) and the hand-back list (step_lock). A subscriber the held batch touched is read
 * from that batch's output (the carry), because Redis answers the next
 * batch's MGET before it runs the held transaction.
 */

#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "cw/engine.h"
#include "cw/kafka.h"
#include "cw/log.h"
#include "cw/metrics.h"
#include "cw/strutil.h"
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
	r->carry = NULL;
	if (p->subs.n) {
		const char **ids = malloc(p->subs.n * sizeof(*ids));
		if (ids) {
			for (size_t i = 0; i < p->subs.n; i++)
				ids[i] = p->subs.slot[p->subs.order[i]].id;
			r->mget = cw_ss_queue_states(p->ss, ids, p->subs.n);
		}
		free(ids);
	}
	if (p->pending) {
		pl_queue_held(p);
		r->carry = p->held;
	}
	/* After the transaction: the due index as it leaves it. */
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

/* ---- a stepped batch (struct batch_out) ---------------------------------- */

static void shard_clear(struct out_shard *o)
{
	for (size_t i = 0; i < o->nalerts; i++)
		free(o->alerts[i].json);
	o->nalerts = 0;
	pl_counts_clear(&o->counts);
	if (o->index)
		memset(o->index, 0xff, o->index_cap * sizeof(*o->index));
	o->nsubs = 0;
	o->arena_len = 0;
	o->late = o->dups = 0;
}

void pl_out_clear(struct batch_out *o)
{
	for (int k = 0; k < STEP_SHARDS; k++)
		shard_clear(&o->sh[k]);
	o->nprogress = 0;
	o->msgs = 0;
	o->used = 0;
}

void pl_out_free(struct batch_out *o)
{
	pl_out_clear(o);
	for (int k = 0; k < STEP_SHARDS; k++) {
		free(o->sh[k].subs);
		free(o->sh[k].index);
		free(o->sh[k].arena);
		free(o->sh[k].alerts);
		pl_counts_free(&o->sh[k].counts);
	}
	free(o->progress);
	memset(o, 0, sizeof(*o));
}

static uint64_t sub_hash(const char *id)
{
	return XXH3_64bits(id, strlen(id));
}

/* Which shard steps (and keeps) a subscriber: fixed by its id. */
static int shard_of(uint64_t h)
{
	return (int)((h >> 32) % STEP_SHARDS);
}

/* What the batch wrote for `id`, or NULL when it did not touch it. */
static const struct out_sub *out_find(const struct batch_out *o, const char *id)
{
	if (!o)
		return NULL;
	uint64_t hv = sub_hash(id);
	const struct out_shard *sh = &o->sh[shard_of(hv)];
	if (!sh->nsubs)
		return NULL;
	for (size_t h = (size_t)hv & (sh->index_cap - 1);; h = (h + 1) & (sh->index_cap - 1)) {
		int i = sh->index[h];
		if (i < 0)
			return NULL;
		if (!strcmp(sh->subs[i].id, id))
			return &sh->subs[i];
	}
}

/* Room for `n` subscribers (each id once) and their index; -1 on ENOMEM. */
static int shard_reserve(struct out_shard *o, size_t n)
{
	size_t want = 16;

	while (want < 2 * n + 2)
		want *= 2;
	if (want > o->index_cap) {
		int *ni = malloc(want * sizeof(*ni));
		if (!ni)
			return -1;
		free(o->index);
		o->index = ni;
		o->index_cap = want;
		memset(o->index, 0xff, want * sizeof(*ni));
	}
	if (n == 0)
		return 0; /* a batch of invalid messages only: nothing to hold */
	struct out_sub *ns = pl_grow(o->subs, &o->subs_cap, n, sizeof(*ns));
	if (!ns)
		return -1;
	o->subs = ns;
	return 0;
}

/* A new entry for `s` (shard_reserve'd before), indexed. */
static struct out_sub *shard_add(struct out_shard *o, const struct cw_batch_sub *s)
{
	struct out_sub *e = &o->subs[o->nsubs];
	size_t h = (size_t)sub_hash(s->id) & (o->index_cap - 1);

	while (o->index[h] >= 0)
		h = (h + 1) & (o->index_cap - 1);
	o->index[h] = (int)o->nsubs++;
	memcpy(e->id, s->id, sizeof(e->id));
	e->partition = s->partition;
	e->kind = OUT_KEEP;
	e->closed = 0;
	e->due = INT64_MAX;
	e->off = e->len = 0;
	return e;
}

/* Where the next blob is encoded: room for the largest one. */
static uint8_t *shard_blob_room(struct out_shard *o)
{
	if (o->arena_cap - o->arena_len < CW_STATE_BLOB_MAX) {
		size_t cap = o->arena_cap ? o->arena_cap : 1 << 20;
		while (cap - o->arena_len < CW_STATE_BLOB_MAX)
			cap *= 2;
		uint8_t *na = realloc(o->arena, cap);
		if (!na)
			return NULL;
		o->arena = na;
		o->arena_cap = cap;
	}
	return o->arena + o->arena_len;
}

/* Offsets and event-time progress of the partitions this batch read:
 * taken now, while they are this batch's, and written with its states. */
static void snapshot_progress(struct cw_pipeline *p, struct batch_out *o)
{
	for (int t = 0; t < CW_TOPIC__COUNT; t++) {
		for (int i = 0; i < p->nparts && i < PARTS_MAX; i++) {
			struct part *pt = &p->parts[t][i];
			if (!pt->dirty || !pt->assigned)
				continue;
			struct out_progress *g = pl_grow(o->progress, &o->progress_cap,
							 o->nprogress + 1, sizeof(*g));
			if (!g) {
				/* Left dirty: the next batch writes it. */
				log_err("out of memory recording the progress of a batch");
				return;
			}
			o->progress = g;
			pt->dirty = 0;
			o->progress[o->nprogress++] = (struct out_progress){
				(enum cw_topic_kind)t, i, pt->next_offset, pt->have_ts,
				pt->newest_ts};
		}
	}
}

/* One shard's part of a batch step: who steps, into what. */
struct shard_job {
	struct cw_pipeline *p;
	const struct reads *r;
	int64_t wm_before;
	int k;                     /* the shard */
	struct cw_state *scratch;
	uint64_t *evals;
	int pump;                  /* feed Redis meanwhile (the loop's thread) */
};

struct sink_ctx {
	struct shard_job *job;
	int32_t partition;
};

/* The pending alert (JSON, task fields) of `a`: 0, or -1 out of memory. */
static int pending_of(struct cw_pipeline *p, const struct cw_alert *a,
		      int32_t partition, struct pending_alert *pa)
{
	if (!(pa->json = cw_alert_to_json(a, p->rt->rules->version)))
		return -1;
	memcpy(pa->id, a->alert_id, sizeof(pa->id));
	snprintf(pa->sub, sizeof(pa->sub), "%s", a->subscriber);
	pa->partition = partition;
	pa->archive = 0;
	pa->src_kafka_ts = p->batch_kafka_ts > 0 ? p->batch_kafka_ts : 0;
	pa->queue[0] = '\0';
	pa->day[0] = '\0';
	pa->priority = 0;
	pa->task_id[0] = '\0';
	pa->raise = 0;
	if (a->task == CW_TASK_NEW || a->task == CW_TASK_ATTACHED) {
		int64_t off = p->rt->engine.conf.utc_offset_ms, y;
		int32_t day = cw_day_of(a->task_opened_ms, off);
		int mo, d;

		cw_civil_from_days(day, &y, &mo, &d);
		snprintf(pa->queue, sizeof(pa->queue), "%s", a->task_queue);
		snprintf(pa->day, sizeof(pa->day), "%04d-%02d-%02d", (int)y, mo, d);
		pa->priority = a->task_priority;
		memcpy(pa->task_id, a->task_id, sizeof(pa->task_id));
		pa->raise = a->task == CW_TASK_ATTACHED;
	}
	return 0;
}

static int sink_emit(void *ctx, const struct cw_alert *a)
{
	struct sink_ctx *c = ctx;
	struct cw_pipeline *p = c->job->p;
	struct out_shard *o = &p->next->sh[c->job->k];
	const struct cw_rule *r = a->rule;

	if (r->limit_per_day > 0) {
		/* Published when its day closes, if among the day's best. */
		struct pending_alert held;
		int ok = pending_of(p, a, c->partition, &held) == 0;
		pl_held_offer(p, a, ok ? &held : NULL);
		return 0;
	}
	struct pending_alert *pa = pl_grow(o->alerts, &o->alerts_cap,
					   o->nalerts + 1, sizeof(*pa));
	if (pa) {
		o->alerts = pa;
		pa = &o->alerts[o->nalerts];
	}
	if (!pa || pending_of(p, a, c->partition, pa) < 0) {
		/* The firing is recorded: losing its text would lose the
		 * alert, so stop. */
		log_err("out of memory building alert %s; stopping", a->alert_id);
		pthread_mutex_lock(&p->step_lock);
		p->fatal = 1;
		pthread_mutex_unlock(&p->step_lock);
		return 0;
	}
	o->nalerts++;
	cw_metrics_alert(p->metrics, r->name, r->severity, 0);
	cw_metrics_task(p->metrics, a->task == CW_TASK_OVER_BUDGET ? a->queue : a->task_queue,
			(int)a->task);
	return 0;
}

static void sink_count(void *ctx, int32_t month, const char *field,
		       int64_t delta)
{
	struct sink_ctx *c = ctx;
	struct cw_pipeline *p = c->job->p;

	if (pl_counts_add(&p->next->sh[c->job->k].counts, month, field, delta) < 0)
		log_err_rl("retention counter %s not counted (out of memory)", field);
	cw_metrics_count(p->metrics, field, delta);
}

/* A churned subscriber's archive record: published like an alert, through
 * the outbox (field "~<id>"), to kafka.topics.archive. */
static void sink_archive(void *ctx, const char *id, const char *json)
{
	struct sink_ctx *c = ctx;
	struct cw_pipeline *p = c->job->p;
	struct out_shard *o = &p->next->sh[c->job->k];
	struct pending_alert *pa = pl_grow(o->alerts, &o->alerts_cap,
					   o->nalerts + 1, sizeof(*pa));
	char *copy = strdup(json);

	if (!pa || !copy) {
		free(copy);
		log_err("out of memory archiving a churned subscriber; stopping");
		pthread_mutex_lock(&p->step_lock);
		p->fatal = 1;
		pthread_mutex_unlock(&p->step_lock);
		return;
	}
	o->alerts = pa;
	pa = &o->alerts[o->nalerts++];
	memset(pa, 0, sizeof(*pa));
	pa->json = copy;
	pa->archive = 1;
	snprintf(pa->id, sizeof(pa->id), "~%s", id);
	const char *s;
	size_t sl = cw_json_scan_str(copy, strlen(copy), "subscriber", CW_SUB_MAX, &s);
	snprintf(pa->sub, sizeof(pa->sub), "%.*s", (int)sl, sl ? s : "");
	pa->partition = c->partition;
}

/* A retention event for no task: handed back, dead-lettered by the loop
 * (canonical JSON: the message itself is gone) before the transaction. */
static void sink_reject(void *ctx, const struct cw_event *ev, enum cw_invalid why)
{
	struct sink_ctx *c = ctx;
	struct cw_pipeline *p = c->job->p;
	size_t i = (size_t)(ev - p->events);
	char buf[2048];
	int n = cw_event_to_json(ev, buf, sizeof(buf));
	char *json = n > 0 ? strdup(buf) : NULL;

	(void)why;
	pthread_mutex_lock(&p->step_lock);
	struct task_reject *r = pl_grow(p->task_rejects, &p->task_rejects_cap,
					p->ntask_rejects + 1, sizeof(*r));
	if (!json || !r || i >= p->nevents) {
		free(json);
		log_err("out of memory for an unknown_task dead letter; stopping");
		p->fatal = 1;
	} else {
		p->task_rejects = r;
		p->task_rejects[p->ntask_rejects++] = (struct task_reject){
			json, ev->topic, c->partition, p->ev_offset[i]};
	}
	pthread_mutex_unlock(&p->step_lock);
}

/* A state that does not fit: handed back, the loop dead-letters it
 * before this batch's transaction can go. */
static void hand_back_too_large(struct cw_pipeline *p,
				const struct cw_batch_sub *s)
{
	pthread_mutex_lock(&p->step_lock);
	struct too_large *tl = pl_grow(p->too_large, &p->too_large_cap,
				       p->ntoo_large + 1, sizeof(*tl));
	if (!tl) {
		pthread_mutex_unlock(&p->step_lock);
		log_err("out of memory for the state_too_large dead letter of %s",
			s->id);
		return;
	}
	p->too_large = tl;
	tl = &p->too_large[p->ntoo_large++];
	snprintf(tl->sub, sizeof(tl->sub), "%s", s->id);
	tl->partition = s->partition;
	tl->nevents = (size_t)s->nev;
	pthread_mutex_unlock(&p->step_lock);
}

/* The subscriber's state before this batch: what the carried batch wrote
 * if it touched it, else Redis's answer. */
static const char *state_before(const struct cw_pipeline *p, const struct reads *r,
				const struct cw_batch_sub *s, size_t i, size_t *len)
{
	const struct out_sub *c = out_find(r->carry, s->id);

	if (c && c->kind == OUT_STATE) {
		*len = c->len;
		return (const char *)r->carry->sh[shard_of(sub_hash(s->id))].arena + c->off;
	}
	if (c && c->kind == OUT_FORGET) {
		*len = 0;
		return NULL;
	}
	*len = 0;
	return r->mget >= 0 ? cw_store_reply_str(p->store, r->mget, (int)i, len) : NULL;
}

static void step_subscriber(struct shard_job *job, const struct cw_batch_sub *s,
			    const char *blob, size_t bloblen)
{
	struct cw_pipeline *p = job->p;
	struct out_shard *o = &p->next->sh[job->k];
	struct sink_ctx sc = {job, s->partition};
	struct cw_alert_sink sink = {sink_emit, &sc, job->evals, sink_count,
				     sink_archive, sink_reject};
	struct out_sub *e = shard_add(o, s);
	struct cw_step_result r;
	uint8_t *room;

	if (!blob && s->nev == 0) {
		/* Swept but expired: forget its timer. */
		e->kind = OUT_FORGET;
		return;
	}
	if (!(room = shard_blob_room(o))) {
		/* Nothing written, offsets not advanced past it: the batch
		 * cannot be kept. Treated like a state too large. */
		log_err("out of memory stepping %s", s->id);
		hand_back_too_large(p, s);
		return;
	}
	/* The pair merge applies partition N of cdr and billing in ts
	 * order, so every earlier event of the subscriber is in (the
	 * assumption the silence gap makes too); one that is not is late,
	 * and counted so. */
	cw_batch_step(&p->rt->engine, job->scratch, s->id, (const uint8_t *)blob,
		      bloblen, p->events, p->ev_next, s->first_ev, job->wm_before,
		      p->watermark, &sink, room, &r);
	o->late += r.late;
	o->dups += r.duplicates;
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
	e->kind = OUT_STATE;
	/* A closed (deactivated) line is kept only as long as inspect and
	 * late events need it; the number may be given to someone else. */
	e->closed = (job->scratch->flags & CW_ST_DEACTIVATED) != 0;
	e->due = r.next_due;
	e->off = o->arena_len;
	e->len = (size_t)r.len;
	o->arena_len += (size_t)r.len;
}

/* Step every subscriber of shard job->k. Pure per subscriber: the shards
 * share only the held alerts' book and the hand-back list (step_lock). */
static void step_shard(struct shard_job *job)
{
	struct cw_pipeline *p = job->p;
	size_t n = 0;

	for (size_t i = 0; i < p->subs.n; i++) {
		const struct cw_batch_sub *s = &p->subs.slot[p->subs.order[i]];
		if (shard_of(sub_hash(s->id)) != job->k)
			continue;
		size_t len;
		const char *blob = state_before(p, job->r, s, i, &len);
		step_subscriber(job, s, blob, len);
		/* Keep Redis fed with the held transaction meanwhile. */
		if (job->pump && (++n & 31) == 0)
			cw_store_pump(p->store);
	}
}

/* ---- the second step thread ------------------------------------------------ */

struct step_worker {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct shard_job *job;     /* set: work to do; NULL: idle */
	int busy, quit;
};

static void *worker_main(void *arg)
{
	struct step_worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->job && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		struct shard_job *job = w->job;
		pthread_mutex_unlock(&w->mu);
		step_shard(job);
		pthread_mutex_lock(&w->mu);
		w->job = NULL;
		w->busy = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int pl_step_worker_start(struct cw_pipeline *p)
{
	struct step_worker *w = calloc(1, sizeof(*w));

	if (!w || !(p->scratch2 = malloc(sizeof(*p->scratch2)))) {
		free(w);
		return -1;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return -1;
	}
	p->worker = w;
	return 0;
}

void pl_step_worker_stop(struct cw_pipeline *p)
{
	struct step_worker *w = p->worker;

	if (w) {
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		p->worker = NULL;
	}
	free(p->scratch2);
	p->scratch2 = NULL;
}

void pl_step_batch(struct cw_pipeline *p, const struct reads *r,
		   int64_t wm_before, uint64_t msgs)
{
	struct batch_out *o = p->next;
	struct shard_job jobs[STEP_SHARDS];
	struct step_worker *w = p->worker;

	pl_out_clear(o);
	for (int k = 0; k < STEP_SHARDS; k++) {
		if (shard_reserve(&o->sh[k], p->subs.n) < 0) {
			/* Nothing of the batch is kept: its offsets stay, it
			 * is read again after the restart. */
			log_err("out of memory stepping a batch of %zu subscribers; "
				"stopping", p->subs.n);
			p->fatal = 1;
			return;
		}
		jobs[k] = (struct shard_job){p, r, wm_before, k, p->scratch, p->evals, 1};
	}
	if (w) {
		/* Shard 1 on the worker, shard 0 here (which also feeds
		 * Redis); the same result as one thread doing both. */
		jobs[1].scratch = p->scratch2;
		jobs[1].evals = p->evals2;
		jobs[1].pump = 0;
		pthread_mutex_lock(&w->mu);
		w->job = &jobs[1];
		w->busy = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		step_shard(&jobs[0]);
		pthread_mutex_lock(&w->mu);
		while (w->busy)
			pthread_cond_wait(&w->cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
		for (size_t i = 0; i < CW_RULES_MAX; i++) {
			p->evals[i] += p->evals2[i];
			p->evals2[i] = 0;
		}
	} else {
		for (int k = 0; k < STEP_SHARDS; k++)
			step_shard(&jobs[k]);
	}
	snapshot_progress(p, o);
	o->msgs = msgs;
	o->used = 1;
}

static void queue_progress(struct cw_pipeline *p, const struct batch_out *o)
{
	char field[KEY_MAX];
	unsigned char sentinel[PARTS_MAX] = {0};

	/* The sentinels of lost-key detection (statestore.h), written with
	 * the offsets they vouch for. */
	for (size_t i = 0; i < o->nprogress; i++)
		sentinel[o->progress[i].partition] = 1;
	for (int i = 0; i < p->nparts && i < PARTS_MAX; i++)
		if (sentinel[i])
			cw_ss_put_sentinels(p->ss, i);
	for (size_t i = 0; i < o->nprogress; i++) {
		const struct out_progress *g = &o->progress[i];
		pl_part_key(p, g->topic, g->partition, field, sizeof(field));
		cw_ss_put_progress(p->ss, field, g->next_offset, g->have_ts,
				   g->newest_ts);
	}
}

void pl_queue_outbox_cleanup(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->ndelivered; i++)
		cw_ss_delete_outbox(p->ss, p->delivered[i].partition,
				    p->delivered[i].id);
	p->ndelivered = 0;
}

void pl_queue_held(struct cw_pipeline *p)
{
	const struct batch_out *o = p->held;

	cw_ss_begin(p->ss);
	for (int k = 0; k < STEP_SHARDS; k++) {
		const struct out_shard *sh = &o->sh[k];
		for (size_t i = 0; i < sh->nsubs; i++) {
			const struct out_sub *e = &sh->subs[i];
			if (e->kind == OUT_STATE)
				cw_ss_put_state(p->ss, e->id, e->partition,
						sh->arena + e->off, e->len, e->closed,
						e->due);
			else if (e->kind == OUT_FORGET)
				cw_ss_forget_due(p->ss, e->id, e->partition);
		}
		pl_counts_queue(p->ss, &sh->counts);
		for (size_t i = 0; i < sh->nalerts; i++) {
			const struct pending_alert *pa = &sh->alerts[i];
			cw_ss_put_outbox(p->ss, pa->partition, pa->id, pa->json);
			if (pa->archive)
				continue;
			if (pa->queue[0] && pa->raise)
				cw_ss_raise_task(p->ss, pa->queue, pa->day, pa->task_id,
						 pa->priority);
			else if (pa->queue[0])
				cw_ss_put_task(p->ss, pa->queue, pa->day, pa->id,
					       pa->priority, pa->json);
		}
	}
	pl_held_queue_writes(p);
	queue_progress(p, o);
	pl_queue_outbox_cleanup(p);
	cw_ss_commit(p->ss);
}
