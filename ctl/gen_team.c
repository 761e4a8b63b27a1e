/*
 * gen_team.c — the retention team `churnctl gen --retention` plays.
 *
 * It watches the generated stream through churnwatch's own engine (the
 * in-memory driver, offline.h, over the configuration's rules and
 * routing.yaml), so it sees exactly the tasks churnwatchd will open. Each
 * day it works every queue's new tasks of that day in worklist order
 * (priority, then alert id, both descending) up to the queue's capacity:
 *
 *   - a share (contact_rate) is called the next day between 09:00 and
 *     17:00 by one of three agents of the queue; 80% are reached;
 *   - the day after the call, a share (save_rate) of the reached who have
 *     not churned meanwhile get an offer and are saved: the generator's
 *     model stops their churn (gen_save); the other reached get a
 *     `pending` outcome.
 *
 * Every decision is a hash of (seed, task id): the same options give the
 * same bytes. The ground truth (--retention-truth) lists every task on a
 * worklist and what the team did, which churnctl report must reproduce.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "cw/offline.h"
#include "cw/routing.h"
#include "gen_team.h"

#define DAY_MS (86400LL * 1000)
#define HOUR_MS (3600LL * 1000)
#define REACHED_SHARE 0.8

struct task {
	char id[CW_ALERT_ID_LEN + 1];
	char sub[CW_SUB_MAX + 1];
	char rule[CW_RULE_NAME_MAX + 1];
	const char *queue;          /* borrowed from routing */
	int64_t priority;
	int64_t ts;
	/* what the team did */
	int listed, contacted, reached, saved;
	int64_t contact_ts;
	char agent[CW_AGENT_MAX + 1];
};

struct gen_team {
	struct gen_team_opts o;
	const struct cw_runtime *rt;
	struct cw_offline *off;
	struct task *t;
	size_t n, cap;
	size_t day_from;            /* tasks opened since the last day end */
	struct cw_state *st;        /* scratch for cw_offline_state */
	int oom;
};

static double unit(const struct gen_team *t, const char *id, uint64_t salt)
{
	uint64_t h = XXH3_64bits_withSeed(id, strlen(id), t->o.seed * 31 + salt);

	return (double)(h >> 11) / 9007199254740992.0;
}

static int on_alert(void *ctx, const struct cw_alert *a)
{
	struct gen_team *t = ctx;

	if (a->task != CW_TASK_NEW || !a->task_queue)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		struct task *nt = realloc(t->t, cap * sizeof(*nt));
		if (!nt) {
			t->oom = 1;
			return 0;
		}
		t->t = nt;
		t->cap = cap;
	}
	struct task *k = &t->t[t->n++];
	memset(k, 0, sizeof(*k));
	memcpy(k->id, a->task_id, sizeof(k->id));
	snprintf(k->sub, sizeof(k->sub), "%s", a->subscriber);
	snprintf(k->rule, sizeof(k->rule), "%s", a->rule->name);
	k->queue = a->task_queue;
	k->priority = a->task_priority;
	k->ts = a->ts_ms;
	return 0;
}

int gen_team_new(const struct cw_runtime *rt, const struct gen_team_opts *o,
		 struct gen_team **out)
{
	struct gen_team *t = calloc(1, sizeof(*t));
	struct cw_alert_sink sink = {.emit = on_alert};

	if (!t)
		return -ENOMEM;
	t->o = *o;
	t->rt = rt;
	sink.ctx = t;
	t->st = malloc(sizeof(*t->st));
	if (!t->st || cw_offline_new(&rt->engine, &sink, &t->off) < 0) {
		gen_team_free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void gen_team_free(struct gen_team *t)
{
	if (!t)
		return;
	cw_offline_free(t->off);
	free(t->st);
	free(t->t);
	free(t);
}

static int team_event(void *ctx, const struct cw_event *e)
{
	struct gen_team *t = ctx;
	int rc = cw_offline_event(t->off, e);

	/* A refused or duplicate event changes nothing, as in the daemon. */
	return rc < 0 && rc != -EOVERFLOW ? rc : t->oom ? -ENOMEM : 0;
}

/* Worklist order: priority, then alert id, both descending. */
static int by_rank(const void *pa, const void *pb)
{
	const struct task *a = *(const struct task *const *)pa;
	const struct task *b = *(const struct task *const *)pb;

	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	return -strcmp(a->id, b->id);
}

static int schedule(struct gen *g, const struct task *k, enum cw_event_type type,
		    int64_t ts, enum cw_outcome outcome)
{
	struct gen_action a;

	memset(&a, 0, sizeof(a));
	a.ts = ts;
	a.msisdn = strtoull(k->sub, NULL, 10);
	a.type = type;
	memcpy(a.task_id, k->id, sizeof(a.task_id));
	snprintf(a.agent, sizeof(a.agent), "%s", k->agent);
	a.channel = CW_CHANNEL_CALL;
	a.result = k->reached ? CW_RESULT_REACHED : CW_RESULT_NO_ANSWER;
	snprintf(a.offer, sizeof(a.offer), "LOYAL20");
	a.cost = 20 * CW_MONEY_SCALE;
	a.outcome = outcome;
	return gen_schedule(g, &a);
}

/* The day's new tasks: each queue's worklist, cut at its capacity. */
static int work_new_tasks(struct gen_team *t, struct gen *g, int64_t day_end)
{
	const struct cw_routing *r = t->rt->routing;
	size_t n = t->n - t->day_from;
	struct task **v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t q = 0; q < cw_routing_queue_count(r); q++) {
		const char *name = cw_routing_queue_name(r, q);
		int64_t cap = cw_routing_queue_capacity(r, q);
		size_t m = 0;

		for (size_t i = t->day_from; i < t->n; i++)
			if (!strcmp(t->t[i].queue, name))
				v[m++] = &t->t[i];
		qsort(v, m, sizeof(*v), by_rank);
		for (size_t i = 0; i < m && (int64_t)i < cap; i++) {
			struct task *k = v[i];
			k->listed = 1;
			if (unit(t, k->id, 1) >= t->o.contact_rate)
				continue;
			k->contacted = 1;
			k->reached = unit(t, k->id, 2) < REACHED_SHARE;
			snprintf(k->agent, sizeof(k->agent), "%s-%d", name,
				 1 + (int)(unit(t, k->id, 3) * 3));
			k->contact_ts = day_end + 9 * HOUR_MS +
					(int64_t)(unit(t, k->id, 4) * 8 * HOUR_MS);
			if (schedule(g, k, CW_EV_CONTACT, k->contact_ts, CW_OUTCOME_NONE) < 0) {
				free(v);
				return -ENOMEM;
			}
		}
	}
	free(v);
	t->day_from = t->n;
	return 0;
}

/* Reached yesterday... today (the call's day just ended): saved or not. */
static int decide_outcomes(struct gen_team *t, struct gen *g, int64_t day_end)
{
	for (size_t i = 0; i < t->n; i++) {
		struct task *k = &t->t[i];
		if (!k->reached || k->contact_ts < day_end - DAY_MS || k->contact_ts >= day_end)
			continue;
		int64_t at = day_end + 10 * HOUR_MS;
		int still = cw_offline_state(t->off, k->sub, t->st) == 0 &&
			    !(t->st->flags & (CW_ST_DEACTIVATED | CW_ST_FORCED_CHURN)) &&
			    t->st->acct.loop.outcome != CW_LOOP_LOST &&
			    t->st->last_out_ms +
				    t->rt->engine.conf.loop_forced_churn_ms > at;
		/* Only the task it is (a newer task would not know it). */
		still = still && !strcmp(t->st->acct.task_id, k->id);
		if (still && unit(t, k->id, 5) < t->o.save_rate) {
			k->saved = 1;
			if (gen_save(g, strtoull(k->sub, NULL, 10), day_end) < 0 ||
			    schedule(g, k, CW_EV_OFFER, at - 600000, CW_OUTCOME_NONE) < 0 ||
			    schedule(g, k, CW_EV_OUTCOME, at, CW_OUTCOME_SAVED) < 0)
				return -ENOMEM;
		} else if (still &&
			   schedule(g, k, CW_EV_OUTCOME, at, CW_OUTCOME_PENDING) < 0) {
			return -ENOMEM;
		}
	}
	return 0;
}

static int team_day_end(void *ctx, struct gen *g, int32_t day, int64_t day_end)
{
	struct gen_team *t = ctx;
	int rc;

	(void)day;
	/* Every timer of the day has run: its alerts are all in. */
	if (cw_offline_advance(t->off, day_end - 1) < 0 || t->oom)
		return -ENOMEM;
	if ((rc = decide_outcomes(t, g, day_end)) < 0)
		return rc;
	return work_new_tasks(t, g, day_end);
}

void gen_team_hooks(struct gen_team *t, struct gen_hooks *h)
{
	h->ctx = t;
	h->event = team_event;
	h->day_end = team_day_end;
}

int gen_team_write_truth(const struct gen_team *t, FILE *f)
{
	char ts[40];

	fprintf(f, "task_id,subscriber,rule,queue,priority,opened_ts,listed,"
		"contacted,agent,reached,saved\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct task *k = &t->t[i];
		cw_time_format_rfc3339(k->ts, ts, sizeof(ts));
		fprintf(f, "%s,%s,%s,%s,%" PRId64 ",%s,%d,%d,%s,%d,%d\n", k->id, k->sub,
			k->rule, k->queue, k->priority, ts, k->listed, k->contacted,
			k->agent, k->reached, k->saved);
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
