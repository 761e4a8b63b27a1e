/*
 * held.c — alerts of limited rules, held until their day closes (limit.h).
 *
 * An alert of a rule with `limit: N` is judged as usual (its firing and
 * its retention task are recorded in the subscriber's state) but not
 * published: it is offered to the instance's book, which keeps the day's
 * N best-ranked per rule, and written to P held:<partition> with the
 * batch that judged it, so a restart finds what the book held. The day
 * closes once every event and timer before its end has been judged (the
 * loop's `fired_upto`); its admitted alerts then join the batch just
 * stepped, whose transaction moves them from held: to the outbox, and
 * are published after it commits like any other alert. So which alerts
 * pass is a function of the day's alerts, not of batching, threads or
 * restarts.
 *
 * The Redis side of the book changes in the transaction of the batch
 * that changed it: the loop keeps a list of puts and deletes, emptied
 * into each held transaction (pl_held_queue_writes).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/limit.h"
#include "cw/metrics.h"
#include "cw/state.h"
#include "pipeline_int.h"

/* What the book holds for one alert. Its record in held: is the fields
 * below, tab-separated, the JSON last (JSON escapes tabs in strings):
 *   h1 rule severity day priority task metric_queue queue task_day
 *   task_priority task_id raise subscriber json */
struct held_alert {
	struct pending_alert pa;            /* json owned */
	char rule[CW_RULE_NAME_MAX + 1];
	int severity;
	int task;                           /* enum cw_task_kind */
	char metric_queue[CW_QUEUE_NAME_MAX + 1];
	int64_t alert_priority;             /* its rank (task priority is pa's) */
	int32_t day;
};

/* A change of P held:<partition>, written with the next transaction. */
struct held_op {
	int32_t partition;
	char id[CW_ALERT_ID_LEN + 1];
	char *record;                       /* owned; NULL: delete */
};

#define RECORD_VERSION "h1"

static void held_free(void *payload)
{
	struct held_alert *h = payload;

	if (h) {
		free(h->pa.json);
		free(h);
	}
}

int pl_held_init(struct cw_pipeline *p)
{
	p->fired_upto = INT64_MIN;
	p->fire_after_step = INT64_MIN;
	return cw_limit_book_new(held_free, &p->book);
}

static void ops_clear(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->nheld_ops; i++)
		free(p->held_ops[i].record);
	p->nheld_ops = 0;
}

void pl_held_fini(struct cw_pipeline *p)
{
	ops_clear(p);
	free(p->held_ops);
	p->held_ops = NULL;
	p->held_ops_cap = 0;
	cw_limit_book_free(p->book);
	p->book = NULL;
}

void pl_held_reset(struct cw_pipeline *p)
{
	ops_clear(p);
	if (p->book)
		cw_limit_book_reset(p->book);
	p->fired_upto = INT64_MIN;
	p->fire_after_step = INT64_MIN;
	cw_metrics_set_alerts_held(p->metrics, 0);
}

/* Queue a change of held: (record NULL: delete); takes `record`. 0, or
 * -1 out of memory (then the daemon stops: the book and Redis would
 * disagree). Called with step_lock held or from the loop alone. */
static int op_add(struct cw_pipeline *p, int32_t partition, const char *id,
		  char *record)
{
	struct held_op *o = pl_grow(p->held_ops, &p->held_ops_cap,
				    p->nheld_ops + 1, sizeof(*o));
	if (!o) {
		free(record);
		log_err("out of memory recording a held alert; stopping");
		p->fatal = 1;
		return -1;
	}
	p->held_ops = o;
	o = &p->held_ops[p->nheld_ops++];
	o->partition = partition;
	snprintf(o->id, sizeof(o->id), "%s", id);
	o->record = record;
	return 0;
}

/* ---- the record in P held:<partition> ------------------------------------ */

static char *record_of(const struct held_alert *h)
{
	const struct pending_alert *pa = &h->pa;
	size_t n = strlen(pa->json) + 512;
	char *rec = malloc(n);

	if (!rec)
		return NULL;
	snprintf(rec, n,
		 RECORD_VERSION "\t%s\t%d\t%" PRId32 "\t%" PRId64 "\t%d\t%s\t%s\t%s\t%"
		 PRId64 "\t%s\t%d\t%s\t%s",
		 h->rule, h->severity, h->day, h->alert_priority, h->task,
		 h->metric_queue, pa->queue, pa->day, pa->priority, pa->task_id,
		 pa->raise, pa->sub, pa->json);
	return rec;
}

/* The next tab-separated field of *s (NUL-terminated in place). */
static char *field(char **s)
{
	char *f = *s, *t;

	if (!f)
		return NULL;
	t = strchr(f, '\t');
	if (t) {
		*t = '\0';
		*s = t + 1;
	} else {
		*s = NULL;
	}
	return f;
}

static int copy_field(char *dst, size_t cap, const char *src)
{
	return src && snprintf(dst, cap, "%s", src) < (int)cap ? 0 : -1;
}

/* A held alert from its record (modified in place); NULL when it does not
 * parse or out of memory. */
static struct held_alert *record_parse(char *rec, const char *id,
				       int32_t partition)
{
	struct held_alert *h = calloc(1, sizeof(*h));
	char *s = rec, *f[13];

	if (!h)
		return NULL;
	for (int i = 0; i < 13; i++)
		f[i] = field(&s);
	if (!f[12] || strcmp(f[0], RECORD_VERSION) || !s ||
	    copy_field(h->rule, sizeof(h->rule), f[1]) < 0 ||
	    copy_field(h->metric_queue, sizeof(h->metric_queue), f[6]) < 0 ||
	    copy_field(h->pa.queue, sizeof(h->pa.queue), f[7]) < 0 ||
	    copy_field(h->pa.day, sizeof(h->pa.day), f[8]) < 0 ||
	    copy_field(h->pa.task_id, sizeof(h->pa.task_id), f[10]) < 0 ||
	    copy_field(h->pa.sub, sizeof(h->pa.sub), f[12]) < 0 ||
	    copy_field(h->pa.id, sizeof(h->pa.id), id) < 0 ||
	    !(h->pa.json = strdup(s))) {
		held_free(h);
		return NULL;
	}
	h->severity = atoi(f[2]);
	h->day = (int32_t)strtol(f[3], NULL, 10);
	h->alert_priority = strtoll(f[4], NULL, 10);
	h->task = atoi(f[5]);
	h->pa.priority = strtoll(f[9], NULL, 10);
	h->pa.raise = atoi(f[11]);
	h->pa.partition = partition;
	return h;
}

/* ---- offering ----------------------------------------------------------- */

static void count_suppressed(struct cw_pipeline *p, const char *rule,
			     int severity)
{
	cw_metrics_alert(p->metrics, rule, (enum cw_severity)severity, 1);
	log_warn_rl("rule %s: not among the day's best by its limit; alert "
		    "suppressed", rule);
}

/* Offer h to the book (step_lock held); takes h and, when kept, record. */
static void offer_locked(struct cw_pipeline *p, struct held_alert *h,
			 char *record, int64_t limit, uint32_t rule_hash)
{
	struct cw_limit_entry e = {rule_hash, h->day, h->pa.partition,
				   h->alert_priority, "", h};
	struct cw_limit_entry out;
	int evicted = 0;
	int rc;

	memcpy(e.id, h->pa.id, sizeof(e.id));
	rc = cw_limit_offer(p->book, &e, limit, &out, &evicted);
	if (rc == CW_LIMIT_KEPT) {
		if (record)
			(void)op_add(p, h->pa.partition, h->pa.id, record);
	} else {
		free(record);
		if (rc == -ENOMEM) {
			log_err("out of memory holding alert %s; stopping", h->pa.id);
			p->fatal = 1;
		} else if (rc != CW_LIMIT_DUP) {
			count_suppressed(p, h->rule, h->severity);
			if (!record) /* loaded from held: */
				(void)op_add(p, h->pa.partition, h->pa.id, NULL);
		}
		held_free(h);
	}
	if (evicted) {
		struct held_alert *v = out.payload;
		count_suppressed(p, v->rule, v->severity);
		(void)op_add(p, out.partition, out.id, NULL);
		held_free(v);
	}
	cw_metrics_set_alerts_held(p->metrics, (int64_t)cw_limit_held(p->book));
}

/* The held alert of `a` (taking pa's JSON), with its record for held:
 * in *record; NULL out of memory (pa's JSON freed). */
static struct held_alert *held_of(const struct cw_alert *a,
				  struct pending_alert *pa, char **record)
{
	struct held_alert *h = calloc(1, sizeof(*h));

	*record = NULL;
	if (!h) {
		free(pa->json);
		return NULL;
	}
	h->pa = *pa;
	h->pa.src_kafka_ts = 0; /* published a day later: no input latency */
	snprintf(h->rule, sizeof(h->rule), "%s", a->rule->name);
	h->severity = (int)a->rule->severity;
	h->task = (int)a->task;
	snprintf(h->metric_queue, sizeof(h->metric_queue), "%s",
		 a->task == CW_TASK_OVER_BUDGET ? a->queue : a->task_queue);
	h->alert_priority = a->priority;
	h->day = cw_day_of(a->ts_ms, 0);
	if (!(*record = record_of(h))) {
		held_free(h);
		return NULL;
	}
	return h;
}

void pl_held_offer(struct cw_pipeline *p, const struct cw_alert *a,
		   struct pending_alert *pa)
{
	struct cw_limit_entry e;
	char *record = NULL;
	struct held_alert *h = pa ? held_of(a, pa, &record) : NULL;

	pthread_mutex_lock(&p->step_lock);
	if (!h) {
		/* The firing is recorded: without its text the alert would
		 * be lost, so stop. */
		log_err("out of memory holding alert %s; stopping", a->alert_id);
		p->fatal = 1;
	} else {
		cw_limit_entry_of(&p->rt->engine, a, pa->partition, h, &e);
		offer_locked(p, h, record, a->rule->limit_per_day, e.rule_hash);
	}
	pthread_mutex_unlock(&p->step_lock);
}

/* ---- the transaction's part ------------------------------------------------ */

void pl_held_queue_writes(struct cw_pipeline *p)
{
	for (size_t i = 0; i < p->nheld_ops; i++) {
		const struct held_op *o = &p->held_ops[i];
		if (o->record)
			cw_ss_put_held(p->ss, o->partition, o->id, o->record);
		else
			cw_ss_drop_held(p->ss, o->partition, o->id);
	}
	ops_clear(p);
}

/* ---- closing days ---------------------------------------------------------- */

static int64_t held_limit_of(void *ctx, uint32_t rule_hash)
{
	const struct cw_pipeline *p = ctx;

	return cw_limit_of_rule(&p->rt->engine, rule_hash);
}

static void held_close_one(void *ctx, struct cw_limit_entry *e, int admitted)
{
	struct cw_pipeline *p = ctx;
	struct held_alert *h = e->payload;
	struct out_shard *o = &p->held->sh[0];

	if (op_add(p, e->partition, e->id, NULL) < 0) {
		held_free(h);
		return;
	}
	if (!admitted) {
		count_suppressed(p, h->rule, h->severity);
		held_free(h);
		return;
	}
	struct pending_alert *pa = pl_grow(o->alerts, &o->alerts_cap, o->nalerts + 1,
					   sizeof(*pa));
	if (!pa) {
		log_err("out of memory publishing held alert %s; stopping", e->id);
		p->fatal = 1;
		held_free(h);
		return;
	}
	o->alerts = pa;
	o->alerts[o->nalerts++] = h->pa;    /* takes the json */
	cw_metrics_alert(p->metrics, h->rule, (enum cw_severity)h->severity, 0);
	cw_metrics_task(p->metrics, h->metric_queue, h->task);
	free(h);
}

int pl_held_due(const struct cw_pipeline *p)
{
	return p->fired_upto != INT64_MIN &&
	       cw_limit_oldest_day(p->book) < cw_day_of(p->fired_upto + 1, 0);
}

void pl_held_close(struct cw_pipeline *p)
{
	if (p->fired_upto == INT64_MIN)
		return;
	cw_limit_close(p->book, cw_day_of(p->fired_upto + 1, 0), held_limit_of,
		       held_close_one, p);
	cw_metrics_set_alerts_held(p->metrics, (int64_t)cw_limit_held(p->book));
}

/* ---- assignment ------------------------------------------------------------ */

static uint32_t rule_hash_of(const struct cw_engine *e, const char *name,
			     int64_t *limit)
{
	for (size_t i = 0; i < e->rules->nrules && i < CW_RULES_MAX; i++) {
		const struct cw_rule *r = &e->rules->rules[i];
		if (!strcmp(r->name, name)) {
			*limit = r->enabled ? r->limit_per_day : 0;
			return e->rule_hash[i];
		}
	}
	*limit = 0;
	return 0;
}

/* Load what the partitions' previous owners held (and we, before a
 * restart): a fresh book over exactly the assigned partitions. */
void pl_held_load(struct cw_pipeline *p, const int32_t *parts, size_t n)
{
	int *idx = calloc(n ? n : 1, sizeof(*idx));
	size_t loaded = 0;

	pl_held_reset(p);
	if (!idx) {
		log_err("out of memory loading held alerts; stopping");
		p->fatal = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = cw_ss_queue_held(p->ss, parts[i]);
	if (pl_exchange(p) < 0) {
		free(idx);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t m = idx[i] >= 0 ? cw_store_reply_len(p->store, idx[i]) : 0;
		for (size_t j = 0; j + 1 < m; j += 2) {
			size_t il, rl;
			const char *id = cw_store_reply_str(p->store, idx[i], (int)j, &il);
			const char *rs = cw_store_reply_str(p->store, idx[i], (int)j + 1, &rl);
			char idbuf[CW_ALERT_ID_LEN + 1];
			char *rec;
			struct held_alert *h;
			int64_t limit;

			if (!id || !rs || il > CW_ALERT_ID_LEN)
				continue;
			memcpy(idbuf, id, il);
			idbuf[il] = '\0';
			if (!(rec = strndup(rs, rl))) {
				p->fatal = 1;
				break;
			}
			h = record_parse(rec, idbuf, parts[i]);
			free(rec);
			if (!h) {
				log_warn("held alert %s of partition %" PRId32 " does "
					 "not parse; dropped", idbuf, parts[i]);
				(void)op_add(p, parts[i], idbuf, NULL);
				continue;
			}
			uint32_t rh = rule_hash_of(&p->rt->engine, h->rule, &limit);
			offer_locked(p, h, NULL, limit, rh);
			loaded++;
		}
	}
	cw_store_release(p->store);
	free(idx);
	if (loaded)
		log_info("%zu alerts of limited rules wait for their day's "
			 "selection", cw_limit_held(p->book));
}

/* ---- when days close --------------------------------------------------------- */

void pl_held_note_sweep(struct cw_pipeline *p)
{
	int complete = p->watermark != INT64_MIN;

	for (int i = 0; complete && i < p->nparts && i < PARTS_MAX; i++)
		if (p->parts[CW_TOPIC_CDR][i].assigned &&
		    (p->sweep_more[i] || p->swept_upto[i] < p->watermark))
			complete = 0;
	if (!complete) {
		p->fire_after_step = INT64_MIN;
		return;
	}
	if (p->nswept == 0) {
		/* Nothing due is left to step: every timer up to the
		 * watermark has run. */
		if (p->watermark > p->fired_upto)
			p->fired_upto = p->watermark;
		p->fire_after_step = INT64_MIN;
	} else {
		/* They run with the next batch. */
		p->fire_after_step = p->watermark;
	}
}
