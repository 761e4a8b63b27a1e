/*
 * engine.c — event application, event-time timers and the detectors.
 *
 * What a firing's `window` means (it feeds the deterministic alert_id and
 * makes a firing idempotent):
 *   silence          the deadline (last outgoing + for), ms
 *   arpu_drop        the closed month index (year*12 + month-1)
 *   offnet_forward   the event-time day of the triggering event
 *   plan_downgrade   the plan_change event's ts, ms
 *   when: rules      the event-time day of the evaluation
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <xxhash.h>

#include "cw/engine.h"
#include "cw/loop.h"
#include "cw/segment.h"
#include "cw/routing.h"

void cw_engine_conf_default(struct cw_engine_conf *c)
{
	*c = (struct cw_engine_conf){
		.utc_offset_ms = 0,
		.dedup_window_ms = 48LL * 3600 * 1000,
		.tick_ms = CW_DAY_MS,
		.arpu_mid = 50 * CW_MONEY_SCALE,
		.arpu_high = 100 * CW_MONEY_SCALE,
		.tenure_stable_ms = 90 * CW_DAY_MS,
		.tenure_mature_ms = 365 * CW_DAY_MS,
		/* info, low, medium, high, critical */
		.prio_severity = {500, 1000, 1500, 2000, 3000},
		/* new, stable, mature */
		.prio_tenure = {500, 1000, 1500},
		.loop_quiet_ms = 60 * CW_DAY_MS,
		.loop_retained_ms = 90 * CW_DAY_MS,
		.loop_lost_within_ms = 90 * CW_DAY_MS,
		.loop_forced_churn_ms = 90 * CW_DAY_MS,
	};
}

/* ---- profile: what the rules can read decides what state is kept ----- */

static int days_for(int64_t window_ms)
{
	int64_t d = (window_ms + CW_DAY_MS - 1) / CW_DAY_MS;
	return (int)(d > CW_DAYS_MAX - 1 ? CW_DAYS_MAX - 1 : d);
}

static void keep_days(struct cw_state_profile *p, enum cw_daily f, int days)
{
	if (days > p->keep_days[f])
		p->keep_days[f] = (uint16_t)days;
}

static void keep_months(struct cw_state_profile *p, int months)
{
	if (months > p->keep_months)
		p->keep_months = (uint16_t)(months > CW_MONTHS_MAX ? CW_MONTHS_MAX
								   : months);
}

struct profile_walk {
	struct cw_engine *e;
};

/*
 * The daily counters a windowed feature sums (-1: none; distinct_peers
 * reads the contact list instead). One table for what the profile keeps
 * and for what churnctl inspect can show.
 */
static const int8_t feature_counters[CW_F__COUNT][2] = {
	[CW_F_REVENUE] = {CW_D_REVENUE, -1},
	[CW_F_CALLS_OUT] = {CW_D_CALLS_OUT, -1},
	[CW_F_CALLS_IN] = {CW_D_CALLS_IN, -1},
	[CW_F_SMS_OUT] = {CW_D_SMS_OUT, -1},
	[CW_F_DATA_BYTES] = {CW_D_DATA_BYTES, -1},
	[CW_F_MINUTES_OUT] = {CW_D_SECONDS_OUT, -1},
	[CW_F_DISTINCT_PEERS] = {-1, -1},
	[CW_F_OFFNET_SHARE] = {CW_D_OFFNET_CALLS, CW_D_CALLS_OUT},
	[CW_F_FORWARDED_OFFNET] = {CW_D_FORWARDED_OFFNET, -1},
	[CW_F_SUSPENSIONS] = {CW_D_SUSPENSIONS, -1},
	[CW_F_ARREARS_SUSPENSIONS] = {CW_D_ARREARS_SUSPENSIONS, -1},
	[CW_F_RECHARGES] = {CW_D_RECHARGES, -1},
	[CW_F_RECHARGE_AMOUNT] = {CW_D_RECHARGE_AMOUNT, -1},
	[CW_F_LATE_PAYMENTS] = {CW_D_LATE_PAYMENTS, -1},
	[CW_F_PORTOUT_REQUESTS] = {CW_D_PORTOUT_REQUESTS, -1},
};

int cw_engine_keeps(const struct cw_engine *e, enum cw_feature f,
		    int64_t window_ms)
{
	const struct cw_feature_info *fi = cw_feature_info(f);
	int d = days_for(window_ms);

	if (!fi || fi->arg != CW_FARG_WINDOW)
		return 1;
	if (f == CW_F_DISTINCT_PEERS)
		return e->profile.peer_days >= d;
	for (int k = 0; k < 2; k++)
		if (feature_counters[f][k] >= 0 &&
		    e->profile.keep_days[feature_counters[f][k]] < d)
			return 0;
	return 1;
}

static void profile_feature(void *ctx, enum cw_feature f, int64_t arg)
{
	struct cw_engine *e = ((struct profile_walk *)ctx)->e;
	struct cw_state_profile *p = &e->profile;
	const struct cw_feature_info *fi = cw_feature_info(f);
	int d = fi->arg == CW_FARG_WINDOW ? days_for(arg) : 0;

	if (fi->arg == CW_FARG_WINDOW && arg > e->expr_horizon_ms)
		e->expr_horizon_ms = arg;
	/* days_silent, tenure, days_overdue, months and segments change as
	 * time passes with no event at all: keep ticking for the longest
	 * window. */
	if (fi->moves && e->expr_horizon_ms < CW_WINDOW_MAX_MS)
		e->expr_horizon_ms = CW_WINDOW_MAX_MS;
	if (fi->arg == CW_FARG_WINDOW) {
		if (f == CW_F_DISTINCT_PEERS && d > p->peer_days)
			p->peer_days = (uint16_t)d;
		for (int k = 0; k < 2; k++)
			if (feature_counters[f][k] >= 0)
				keep_days(p, (enum cw_daily)feature_counters[f][k], d);
	} else if (f == CW_F_REVENUE_MONTH) {
		keep_months(p, (int)arg + 4);
	} else if (f == CW_F_ARPU_TIER) {
		keep_months(p, 4);
	}
	/* the rest are scalars, always kept (account, tenure, plan...) */
}

static void profile_rule(struct cw_engine *e, const struct cw_rule *r)
{
	struct profile_walk w = {e};
	struct cw_state_profile *p = &e->profile;

	if (r->when)
		cw_expr_visit_features(r->when, profile_feature, &w);
	if (r->where)
		cw_expr_visit_features(r->where, profile_feature, &w);
	/* Evidence the detectors attach must survive encode/decode too, or
	 * an alert would depend on where batch boundaries fall. */
	switch (r->detector) {
	case CW_DET_EXPR:
		e->has_expr = 1;
		keep_days(p, CW_D_REVENUE, 30); /* evidence revenue_30d */
		break;
	case CW_DET_ARPU_DROP:
		e->has_arpu = 1;
		keep_months(p, r->arpu_baseline + 2);
		break;
	case CW_DET_OFFNET_FORWARD:
		keep_days(p, CW_D_FORWARDED_OFFNET, days_for(r->fwd_window_ms));
		break;
	case CW_DET_SILENCE: /* evidence calls_in_during */
		keep_days(p, CW_D_CALLS_IN, days_for(r->silence_for_ms));
		break;
	case CW_DET_PLAN_DOWNGRADE:
	case CW_DET_COMMITMENT_END:
	case CW_DET_SCORE: /* only with a model: cw_engine_attach_models */
	case CW_DET__COUNT:
		break;
	}
}

void cw_engine_init(struct cw_engine *e, const struct cw_ruleset *rs,
		    const struct cw_plans *plans,
		    const struct cw_networks *nets,
		    const struct cw_engine_conf *conf)
{
	memset(e, 0, sizeof(*e));
	e->rules = rs;
	e->plans = plans;
	e->nets = nets;
	e->conf = *conf;
	e->profile.dedup_window_ms = conf->dedup_window_ms;
	e->profile.utc_offset_ms = conf->utc_offset_ms;
	keep_months(&e->profile, 4); /* arpu_tier in every alert */
	for (size_t i = 0; rs && i < rs->nrules && i < CW_RULES_MAX; i++) {
		const struct cw_rule *r = &rs->rules[i];
		e->rule_hash[i] = XXH32(r->name, strlen(r->name), 0x72756c65);
		if (r->enabled)
			profile_rule(e, r);
	}
}

/* ---- features ---------------------------------------------------------- */

static int32_t day_of(const struct cw_engine *e, int64_t ts)
{
	return cw_day_of(ts, e->conf.utc_offset_ms);
}

static int32_t month_of(const struct cw_engine *e, int64_t ts)
{
	return cw_month_of(ts, e->conf.utc_offset_ms);
}

static double money(int64_t v)
{
	return (double)v / CW_MONEY_SCALE;
}

/* Monthly revenue used for the ARPU tier (segment.h). */
static int64_t arpu_of(const struct cw_engine *e, const struct cw_state *st,
		       int64_t now)
{
	return cw_segment_revenue(&e->conf, st, now);
}

int cw_engine_arpu_tier(const struct cw_engine *e, const struct cw_state *st,
			int64_t now)
{
	return cw_segment_arpu_tier(&e->conf, st, now);
}

/*
 * Priority = value at risk: the monthly revenue the ARPU tier is taken
 * from, times the rule's severity weight, times the tenure-stage weight
 * (longer-standing lines stay longer if kept). Money units; the same
 * inputs give the same number everywhere (integer arithmetic, rounded
 * half away from zero).
 */
int64_t cw_engine_priority(const struct cw_engine *e, int64_t revenue,
			   int severity, int tenure_stage)
{
	const int64_t scale = 1000 * 1000;
	int64_t ws = e->conf.prio_severity[severity >= 0 && severity < 5 ? severity : 0];
	int64_t wt = e->conf.prio_tenure[tenure_stage >= 0 && tenure_stage < 3 ? tenure_stage : 0];
	__int128 v = (__int128)revenue * ws * wt;

	v = v >= 0 ? (v + scale / 2) / scale : -((-v + scale / 2) / scale);
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

int cw_engine_tenure_stage(const struct cw_engine *e,
			   const struct cw_state *st, int64_t now)
{
	return cw_segment_tenure_stage(&e->conf, st, now);
}

/* Whole days from `since` to `now` (0 when since is unset or ahead). */
static double whole_days_since(int64_t since, int64_t now)
{
	return since && now > since ? floor((double)(now - since) / CW_DAY_MS) : 0;
}

static double daily_sum(const struct cw_feature_ctx *c, enum cw_daily f,
			int64_t window)
{
	return (double)cw_state_sum_daily(c->st, f, day_of(c->e, c->now),
					  days_for(window));
}

double cw_engine_feature(void *ctx, enum cw_feature f, int64_t arg)
{
	const struct cw_feature_ctx *c = ctx;
	const struct cw_state *st = c->st;
	double out, calls;

	switch (f) {
	case CW_F_REVENUE: return daily_sum(c, CW_D_REVENUE, arg) / CW_MONEY_SCALE;
	case CW_F_CALLS_OUT: return daily_sum(c, CW_D_CALLS_OUT, arg);
	case CW_F_CALLS_IN: return daily_sum(c, CW_D_CALLS_IN, arg);
	case CW_F_SMS_OUT: return daily_sum(c, CW_D_SMS_OUT, arg);
	case CW_F_DATA_BYTES: return daily_sum(c, CW_D_DATA_BYTES, arg);
	case CW_F_MINUTES_OUT: return daily_sum(c, CW_D_SECONDS_OUT, arg) / 60.0;
	case CW_F_DISTINCT_PEERS:
		return cw_state_count_peers(st, day_of(c->e, c->now),
					    days_for(arg));
	case CW_F_OFFNET_SHARE:
		calls = daily_sum(c, CW_D_CALLS_OUT, arg);
		out = daily_sum(c, CW_D_OFFNET_CALLS, arg);
		return calls > 0 ? out / calls : 0;
	case CW_F_FORWARDED_OFFNET:
		return daily_sum(c, CW_D_FORWARDED_OFFNET, arg);
	case CW_F_SUSPENSIONS: return daily_sum(c, CW_D_SUSPENSIONS, arg);
	case CW_F_ARREARS_SUSPENSIONS:
		return daily_sum(c, CW_D_ARREARS_SUSPENSIONS, arg);
	case CW_F_RECHARGES: return daily_sum(c, CW_D_RECHARGES, arg);
	case CW_F_RECHARGE_AMOUNT:
		return daily_sum(c, CW_D_RECHARGE_AMOUNT, arg) / CW_MONEY_SCALE;
	case CW_F_REVENUE_MONTH:
		return money(cw_state_month(st, month_of(c->e, c->now) - (int32_t)arg));
	case CW_F_DAYS_SILENT: {
		int64_t since = st->last_out_ms ? st->last_out_ms : st->activate_ms;
		return since && c->now > since
			       ? floor((double)(c->now - since) / CW_DAY_MS)
			       : 0;
	}
	case CW_F_TENURE: return (double)(c->now - st->activate_ms);
	case CW_F_PLAN_FEE: {
		int64_t fee = c->e->plans && st->plan[0]
				      ? cw_plans_fee(c->e->plans, st->plan)
				      : -1;
		return fee > 0 ? money(fee) : 0;
	}
	case CW_F_ARPU_TIER: return cw_engine_arpu_tier(c->e, st, c->now);
	case CW_F_TENURE_STAGE: return cw_engine_tenure_stage(c->e, st, c->now);
	case CW_F_LATE_PAYMENTS: return daily_sum(c, CW_D_LATE_PAYMENTS, arg);
	case CW_F_PORTOUT_REQUESTS: return daily_sum(c, CW_D_PORTOUT_REQUESTS, arg);
	case CW_F_SUSPENDED: return (st->flags & CW_ST_SUSPENDED) != 0;
	case CW_F_DAYS_SUSPENDED:
		return whole_days_since(st->flags & CW_ST_SUSPENDED
						? st->acct.suspended_ms : 0,
					c->now);
	case CW_F_SUSPENSION_REASON:
		return st->flags & CW_ST_SUSPENDED ? st->acct.suspend_reason : 0;
	case CW_F_UNPAID_AMOUNT: return money(cw_engine_unpaid(st));
	case CW_F_DAYS_OVERDUE:
		return whole_days_since(cw_engine_oldest_due(st), c->now);
	case CW_F_IN_COMMITMENT:
		return st->acct.commitment_end_ms && c->now < st->acct.commitment_end_ms;
	case CW_F_DAYS_TO_COMMITMENT_END:
		return st->acct.commitment_end_ms
			       ? floor((double)(st->acct.commitment_end_ms - c->now) /
				       CW_DAY_MS)
			       : 0;
	case CW_F_HANDSET_DAYS:
		return st->acct.device_since_ms
			       ? floor((double)(c->now - st->acct.device_since_ms) / CW_DAY_MS)
			       : -1;
	case CW_F_RISK:
		return c->e->model && c->e->scorer
			       ? c->e->scorer->score(c->e->model, c)
			       : 0;
	case CW_F__COUNT: break;
	}
	return 0;
}

int64_t cw_engine_unpaid(const struct cw_state *st)
{
	int64_t sum = 0;

	for (uint32_t i = 0; i < st->acct.ninvoices; i++)
		sum += st->acct.invoices[i].remaining;
	return sum;
}

int64_t cw_engine_oldest_due(const struct cw_state *st)
{
	int64_t due = 0;

	for (uint32_t i = 0; i < st->acct.ninvoices; i++)
		if (!due || st->acct.invoices[i].due_ms < due)
			due = st->acct.invoices[i].due_ms;
	return due;
}

/* ---- firing ------------------------------------------------------------ */

static void evid_str(struct cw_alert *a, const char *key, const char *v)
{
	if (a->nevidence == CW_EVIDENCE_MAX)
		return;
	struct cw_evidence *ev = &a->evidence[a->nevidence++];
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->key, sizeof(ev->key), "%s", key);
	ev->kind = CW_EVID_STR;
	snprintf(ev->str, sizeof(ev->str), "%s", v ? v : "");
}

static struct cw_evidence *evid_int(struct cw_alert *a, const char *key,
				     int64_t v)
{
	if (a->nevidence == CW_EVIDENCE_MAX)
		return NULL;
	struct cw_evidence *ev = &a->evidence[a->nevidence++];
	*ev = (struct cw_evidence){.kind = CW_EVID_INT, .i = v};
	snprintf(ev->key, sizeof(ev->key), "%s", key);
	return ev;
}

static struct cw_evidence *evid_num(struct cw_alert *a, const char *key,
				     double v)
{
	if (a->nevidence == CW_EVIDENCE_MAX)
		return NULL;
	struct cw_evidence *ev = &a->evidence[a->nevidence++];
	*ev = (struct cw_evidence){.kind = CW_EVID_NUM, .num = v};
	snprintf(ev->key, sizeof(ev->key), "%s", key);
	return ev;
}

/* A number written with `decimals` digits (money 2, ratios 3). */
static void evid_fixed(struct cw_alert *a, const char *key, double v,
		       int decimals)
{
	struct cw_evidence *ev = evid_num(a, key, v);

	if (ev)
		ev->decimals = decimals;
}

static void evid_time(struct cw_alert *a, const char *key, int64_t ts)
{
	char buf[40];
	cw_time_format_rfc3339(ts, buf, sizeof(buf));
	evid_str(a, key, buf);
}

struct cw_evidence *cw_evidence_add_num(struct cw_alert *a, const char *key,
					double v, int decimals)
{
	struct cw_evidence *ev = evid_num(a, key, v);

	if (ev)
		ev->decimals = decimals;
	return ev;
}

void cw_evidence_add_str(struct cw_alert *a, const char *key, const char *v)
{
	evid_str(a, key, v);
}

/* A rule is about to judge f's subscriber. */
#define COUNT_EVAL(f)                                                      \
	do {                                                               \
		if ((f)->sink && (f)->sink->evals)                         \
			(f)->sink->evals[(f)->rule]++;                     \
	} while (0)

/* A firing in progress: the rule, where and when. */
struct firing {
	const struct cw_engine *e;
	struct cw_state *st;
	const char *subscriber;
	size_t rule;
	const struct cw_alert_sink *sink;
};

/*
 * Begin a firing of rule f->rule for `window` at `ts`: returns 1 and fills
 * *a when the rule may fire (not already fired for this window, out of
 * cooldown, in scope), 0 otherwise. The caller adds evidence, then calls
 * fire_commit().
 */
static int fire_begin(struct firing *f, int64_t ts, int64_t window,
		      struct cw_alert *a)
{
	const struct cw_rule *r = &f->e->rules->rules[f->rule];
	struct cw_mark *m = cw_state_mark(f->st, f->e->rule_hash[f->rule], 0);

	if (m && m->last_window == window)
		return 0;
	if (m && m->last_fire_ms != INT64_MIN &&
	    ts < m->last_fire_ms + r->cooldown_ms) {
		m->last_window = window; /* judged: suppressed by cooldown */
		return 0;
	}
	if (r->where) {
		struct cw_feature_ctx c = {f->e, f->st, ts};
		if (!cw_expr_eval(r->where, cw_engine_feature, &c)) {
			/* Out of scope: this window is judged, not retried
			 * (a timer would otherwise come due forever). */
			m = cw_state_mark(f->st, f->e->rule_hash[f->rule], 1);
			if (m)
				m->last_window = window;
			return 0;
		}
	}
	memset(a, 0, offsetof(struct cw_alert, evidence));
	a->rule = r;
	snprintf(a->subscriber, sizeof(a->subscriber), "%s", f->subscriber);
	a->ts_ms = ts;
	a->window = window;
	a->arpu_tier = cw_engine_arpu_tier(f->e, f->st, ts);
	a->tenure_stage = cw_engine_tenure_stage(f->e, f->st, ts);
	a->monthly_revenue = arpu_of(f->e, f->st, ts);
	snprintf(a->region, sizeof(a->region), "%s", f->st->acct.region);
	a->priority = cw_engine_priority(f->e, a->monthly_revenue, (int)r->severity,
					 a->tenure_stage);
	a->queue = cw_routing_queue(f->e->routing, a, f->st->plan);
	cw_alert_make_id(f->subscriber, r->name, window, a->alert_id);
	return 1;
}

/* Task openings within `window` before `ts` (the budget's count). */
static int64_t contacts_since(const struct cw_account *ac, int64_t from)
{
	int64_t n = 0;

	for (uint32_t i = 0; i < ac->ncontacts; i++)
		n += ac->contacts_ms[i] > from;
	return n;
}

/* Which retention task alert `a` belongs to (docs/retention.md): the
 * subscriber's open one, a new one, or none when the budget is spent. */
static void task_decide(const struct cw_engine *e, const struct cw_state *st,
			struct cw_alert *a)
{
	const struct cw_account *ac = &st->acct;
	struct cw_budget b;

	a->task = CW_TASK_NONE;
	a->task_id[0] = '\0';
	if (!e->routing || !a->queue)
		return;
	cw_routing_budget(e->routing, &b);
	if (ac->task_id[0] && a->ts_ms < ac->task_opened_ms + b.task_open_ms) {
		a->task = CW_TASK_ATTACHED;
		memcpy(a->task_id, ac->task_id, sizeof(a->task_id));
		a->task_queue = ac->task_queue;
		a->task_opened_ms = ac->task_opened_ms;
		a->task_priority = a->priority > ac->task_priority ? a->priority
								    : ac->task_priority;
	} else if (contacts_since(ac, a->ts_ms - b.window_ms) >= b.contacts) {
		a->task = CW_TASK_OVER_BUDGET;
	} else {
		a->task = CW_TASK_NEW;
		memcpy(a->task_id, a->alert_id, sizeof(a->task_id));
		a->task_queue = a->queue;
		a->task_opened_ms = a->ts_ms;
		a->task_priority = a->priority;
	}
}

/* The task decided for a published alert, into the state. */
static void task_record(const struct cw_engine *e, struct cw_state *st,
			const struct cw_alert *a)
{
	struct cw_account *ac = &st->acct;
	struct cw_budget b;

	if (a->task == CW_TASK_ATTACHED) {
		ac->task_priority = a->task_priority;
		return;
	}
	if (a->task != CW_TASK_NEW)
		return;
	cw_routing_budget(e->routing, &b);
	snprintf(ac->task_id, sizeof(ac->task_id), "%s", a->task_id);
	snprintf(ac->task_queue, sizeof(ac->task_queue), "%s", a->task_queue);
	ac->task_opened_ms = a->task_opened_ms;
	ac->task_priority = a->task_priority;
	/* Keep the openings the budget can still count, newest last. */
	uint32_t k = 0;
	for (uint32_t i = 0; i < ac->ncontacts; i++)
		if (ac->contacts_ms[i] > a->ts_ms - b.window_ms)
			ac->contacts_ms[k++] = ac->contacts_ms[i];
	if (k == CW_CONTACTS_MAX) {
		memmove(ac->contacts_ms, ac->contacts_ms + 1,
			(CW_CONTACTS_MAX - 1) * sizeof(*ac->contacts_ms));
		k--;
	}
	ac->contacts_ms[k++] = a->ts_ms;
	ac->ncontacts = k;
}

static void fire_commit(struct firing *f, struct cw_alert *a)
{
	struct cw_mark *m = cw_state_mark(f->st, f->e->rule_hash[f->rule], 1);

	task_decide(f->e, f->st, a);
	/* 1 = not taken (a sink that drops it): no task either. A held
	 * alert (limit.h) is taken: its task stands whatever its day decides.
	 * A subscriber saved recently is not alerted (the quiet period). */
	if (!cw_loop_withhold(f->e, f->st, a, f->sink) && f->sink &&
	    f->sink->emit && f->sink->emit(f->sink->ctx, a) == 0) {
		task_record(f->e, f->st, a);
		cw_loop_alert(f->e, f->st, a, f->sink);
	}
	if (m) {
		m->last_window = a->window;
		m->last_fire_ms = a->ts_ms;
	}
}

/* ---- detectors --------------------------------------------------------- */

static int64_t silence_deadline(const struct cw_state *st,
				const struct cw_rule *r)
{
	int64_t since = st->last_out_ms;
	return since ? since + r->silence_for_ms : INT64_MAX;
}

/* The silence that began at `since` (last outgoing activity) and reached
 * its deadline: fire it at the deadline. */
static void fire_silence(struct firing *f, int64_t since)
{
	const struct cw_rule *r = &f->e->rules->rules[f->rule];
	int64_t deadline = since + r->silence_for_ms;
	struct cw_alert a;

	if (!fire_begin(f, deadline, deadline, &a))
		return;
	evid_time(&a, "last_outgoing", since);
	evid_int(&a, "silent_days", r->silence_for_ms / CW_DAY_MS);
	evid_int(&a, "calls_in_during",
		 cw_state_sum_daily(f->st, CW_D_CALLS_IN,
				    day_of(f->e, deadline),
				    days_for(r->silence_for_ms)));
	fire_commit(f, &a);
}

static void detect_silence(struct firing *f, int64_t now)
{
	const struct cw_rule *r = &f->e->rules->rules[f->rule];
	if (f->st->last_out_ms &&
	    f->st->last_out_ms + r->silence_for_ms <= now)
		fire_silence(f, f->st->last_out_ms);
}

static void detect_silence_gap(struct firing *f, int64_t prev_out,
			       int64_t ts)
{
	const struct cw_rule *r = &f->e->rules->rules[f->rule];
	if (prev_out + r->silence_for_ms <= ts)
		fire_silence(f, prev_out);
}

static void month_label(int32_t month, char out[16])
{
	int y = month / 12, m = month % 12 + 1;
	snprintf(out, 16, "%04d-%02d", y, m);
}

/* arpu_drop for the closed month `month`, judged at `ts`. */
static void detect_arpu_drop(struct firing *f, int32_t month, int64_t ts)
{
	const struct cw_rule *r = &f->e->rules->rules[f->rule];
	int64_t rev = cw_state_month(f->st, month);
	int64_t sum = 0;
	struct cw_alert a;
	char label[16];

	/* Months before activation count as 0 (they are 0 in the ring). */
	for (int i = 1; i <= r->arpu_baseline; i++)
		sum += cw_state_month(f->st, month - i);
	double mean = (double)sum / r->arpu_baseline;
	if (mean <= 0 || mean < (double)r->arpu_min_baseline)
		return;
	if ((double)rev > mean * (1.0 - r->arpu_drop))
		return;
	if (!fire_begin(f, ts, month, &a))
		return;
	month_label(month, label);
	evid_str(&a, "month", label);
	evid_fixed(&a, "revenue", money(rev), 2);
	evid_fixed(&a, "baseline_mean", round(mean / 10.0) / 100.0, 2);
	evid_fixed(&a, "drop", round((1.0 - (double)rev / mean) * 1000) / 1000, 3);
	fire_commit(f, &a);
}

static void detect_forward_set(struct firing *f, const struct cw_event *ev)
{
	const char *op = NULL;
	struct cw_alert a;

	if (cw_networks_classify(f->e->nets, ev->forwarded_to, &op) !=
	    CW_NET_COMPETITOR)
		return;
	if (!fire_begin(f, ev->ts_ms, day_of(f->e, ev->ts_ms), &a))
		return;
	evid_str(&a, "forwarded_to", ev->forwarded_to);
	evid_str(&a, "operator", op);
	evid_str(&a, "via", "forward_set");
	fire_commit(f, &a);
}

static void detect_forwarded_calls(struct firing *f, const struct cw_event *ev,
				   int64_t now)
{
	const struct cw_rule *r = &f->e->rules->rules[f->rule];
	const char *op = NULL;
	struct cw_alert a;

	if (!ev->forwarded_to[0] ||
	    cw_networks_classify(f->e->nets, ev->forwarded_to, &op) !=
		    CW_NET_COMPETITOR)
		return;
	int64_t calls = cw_state_sum_daily(f->st, CW_D_FORWARDED_OFFNET,
					   day_of(f->e, now),
					   days_for(r->fwd_window_ms));
	if (calls < r->fwd_min_calls ||
	    !fire_begin(f, ev->ts_ms, day_of(f->e, ev->ts_ms), &a))
		return;
	evid_str(&a, "forwarded_to", ev->forwarded_to);
	evid_str(&a, "operator", op);
	evid_int(&a, "calls", calls);
	fire_commit(f, &a);
}

static void detect_plan_downgrade(struct firing *f, const struct cw_event *ev)
{
	const struct cw_rule *r = &f->e->rules->rules[f->rule];
	struct cw_alert a;

	if (!f->e->plans)
		return;
	int64_t from = cw_plans_fee(f->e->plans, ev->plan_from);
	int64_t to = cw_plans_fee(f->e->plans, ev->plan_to);
	/* Unknown plans never fire: no guessing about money. */
	if (from <= 0 || to < 0 || to >= from)
		return;
	if ((double)to > (double)from * (1.0 - r->downgrade_min_drop))
		return;
	if (!fire_begin(f, ev->ts_ms, ev->ts_ms, &a))
		return;
	evid_str(&a, "plan_from", ev->plan_from);
	evid_str(&a, "plan_to", ev->plan_to);
	evid_fixed(&a, "fee_from", money(from), 2);
	evid_fixed(&a, "fee_to", money(to), 2);
	fire_commit(f, &a);
}

/* Evaluate a when: rule with features as of `at`; an alert carries `ts`. */
struct expr_evidence {
	struct cw_alert *a;
	struct cw_feature_ctx *c;
};

/* One referenced feature as evidence, under the name the rule wrote:
 * money to the cent, shares to 3 decimals, counts as integers. */
static void evid_feature(void *ctx, enum cw_feature f, int64_t arg)
{
	struct expr_evidence *x = ctx;
	const struct cw_feature_info *fi = cw_feature_info(f);
	double v = cw_engine_feature(x->c, f, arg);
	char key[CW_EVIDENCE_KEY_MAX], w[24];

	if (fi->arg == CW_FARG_WINDOW) {
		cw_format_duration(w, sizeof(w), (double)arg);
		snprintf(key, sizeof(key), "%s(%s)", fi->name, w);
	} else if (fi->arg == CW_FARG_MONTH) {
		snprintf(key, sizeof(key), "%s(%lld)", fi->name, (long long)arg);
	} else {
		snprintf(key, sizeof(key), "%s", fi->name);
	}
	for (size_t i = 0; i < x->a->nevidence; i++)
		if (!strcmp(x->a->evidence[i].key, key))
			return; /* referenced twice: shown once */
	if (fi->is_enum) {
		const char *name = cw_feature_enum_value(f, (int)v);
		evid_str(x->a, key, name ? name : "");
	} else if (fi->is_bool) {
		struct cw_evidence *ev = evid_int(x->a, key, v != 0);
		if (ev)
			ev->kind = CW_EVID_BOOL;
	} else if (fi->is_duration) {
		cw_format_duration(w, sizeof(w), (double)((int64_t)v / CW_DAY_MS * CW_DAY_MS));
		evid_str(x->a, key, v >= CW_DAY_MS ? w : "0d");
	} else if (f == CW_F_OFFNET_SHARE || f == CW_F_RISK) {
		evid_fixed(x->a, key, v, 3);
	} else if (f == CW_F_REVENUE || f == CW_F_RECHARGE_AMOUNT ||
		   f == CW_F_REVENUE_MONTH || f == CW_F_PLAN_FEE) {
		evid_fixed(x->a, key, v, 2);
	} else if (v == floor(v) && fabs(v) < 9e15) {
		evid_int(x->a, key, (int64_t)v);
	} else {
		evid_fixed(x->a, key, v, 2);
	}
}

static void detect_expr(struct firing *f, int64_t at, int64_t ts)
{
	const struct cw_rule *r = &f->e->rules->rules[f->rule];
	struct cw_feature_ctx c = {f->e, f->st, at};
	struct cw_alert a;
	struct expr_evidence x = {&a, &c};

	if (!r->when || !cw_expr_eval(r->when, cw_engine_feature, &c))
		return;
	if (!fire_begin(f, ts, day_of(f->e, ts), &a))
		return;
	/* The evidence is what the rule looked at, as of when it judged. */
	cw_expr_visit_features(r->when, evid_feature, &x);
	fire_commit(f, &a);
}

/*
 * The learned score: fires when the rule's model rates the subscriber at
 * or above the threshold; the scorer adds the evidence (score, model id,
 * the strongest reasons).
 */
static void detect_score(struct firing *f, int64_t at, int64_t ts)
{
	const struct cw_rule *r = &f->e->rules->rules[f->rule];
	const struct cw_model *m = f->e->rule_model[f->rule];
	struct cw_feature_ctx c = {f->e, f->st, at};
	struct cw_alert a;
	double p;

	if (!m || !f->e->scorer)
		return;
	p = f->e->scorer->score(m, &c);
	if (p < r->score_threshold || !fire_begin(f, ts, day_of(f->e, ts), &a))
		return;
	f->e->scorer->explain(m, &c, p, &a);
	fire_commit(f, &a);
}

/* ---- timers ------------------------------------------------------------ */

static int live(const struct cw_state *st)
{
	return !(st->flags & CW_ST_DEACTIVATED) && !cw_state_is_empty(st);
}

static int has_revenue_history(const struct cw_state *st)
{
	for (int i = 0; i < CW_MONTHS_MAX; i++)
		if (st->month_rev[i])
			return 1;
	return 0;
}

/* commitment_end: `before` ahead of the end, but never before the event
 * that announced the commitment (a renewal call cannot be made in the
 * past). INT64_MAX when there is none to warn of. */
static int64_t commitment_deadline(const struct cw_state *st,
				   const struct cw_rule *r)
{
	int64_t end = st->acct.commitment_end_ms, d;

	if (!end || end <= st->acct.commitment_set_ms)
		return INT64_MAX;
	d = end - r->commitment_before_ms;
	return d > st->acct.commitment_set_ms ? d : st->acct.commitment_set_ms;
}

/* A deadline rule's due time and the window that judges it (silence:
 * the deadline itself; commitment_end: the commitment's end). */
static int64_t deadline_of(const struct cw_state *st, const struct cw_rule *r,
			   int64_t *window)
{
	if (r->detector == CW_DET_SILENCE) {
		*window = silence_deadline(st, r);
		return *window;
	}
	*window = st->acct.commitment_end_ms;
	return commitment_deadline(st, r);
}

/* The earliest unjudged deadline (silence, commitment end). */
static int64_t deadline_due(const struct cw_engine *e,
			    const struct cw_state *st)
{
	int64_t due = INT64_MAX;

	for (size_t i = 0; i < e->rules->nrules; i++) {
		const struct cw_rule *r = &e->rules->rules[i];
		int64_t window, d;

		if (!r->enabled || (r->detector != CW_DET_SILENCE &&
				    r->detector != CW_DET_COMMITMENT_END))
			continue;
		d = deadline_of(st, r, &window);
		const struct cw_mark *m = NULL;
		for (uint32_t k = 0; k < st->nmarks; k++)
			if (st->marks[k].rule_hash == e->rule_hash[i])
				m = &st->marks[k];
		if (m && m->last_window == window)
			continue;
		if (d < due)
			due = d;
	}
	return due;
}

/* The next calendar boundary after the clock: a month end to close (for
 * subscribers not closed by invoices) or a tick to re-judge when: rules. */
static int64_t calendar_due(const struct cw_engine *e, const struct cw_state *st)
{
	int64_t due = INT64_MAX;

	if (e->has_arpu && !(st->flags & CW_ST_POSTPAID) &&
	    has_revenue_history(st)) {
		int64_t next = cw_month_start(month_of(e, st->clock_ms) + 1,
					      e->conf.utc_offset_ms);
		if (next < due)
			due = next;
	}
	/* when: rules can turn true as days pass without events; stop ticking
	 * once nothing in any window they read can change any more. */
	if (e->has_expr && e->conf.tick_ms > 0 &&
	    st->clock_ms - st->newest_ms <= e->expr_horizon_ms + CW_DAY_MS) {
		int64_t t = e->conf.tick_ms;
		int64_t base = st->clock_ms + e->conf.utc_offset_ms;
		int64_t next = (base / t + 1) * t - e->conf.utc_offset_ms;
		if (next < due)
			due = next;
	}
	return due;
}

int64_t cw_engine_next_due(const struct cw_engine *e,
			   const struct cw_state *st)
{
	if (!live(st) || !e->rules)
		return INT64_MAX;
	int64_t s = deadline_due(e, st), c = calendar_due(e, st);
	int64_t l = cw_loop_due(e, st);
	if (c < s)
		s = c;
	return l < s ? l : s;
}

/* The renewal call: `before` ahead of the commitment's end. */
static void detect_commitment(struct firing *f, int64_t at)
{
	const struct cw_rule *r = &f->e->rules->rules[f->rule];
	int64_t end = f->st->acct.commitment_end_ms;
	int64_t d = commitment_deadline(f->st, r);
	struct cw_alert a;

	if (d > at || d == INT64_MAX || !fire_begin(f, d, end, &a))
		return;
	evid_time(&a, "commitment_end", end);
	evid_int(&a, "days_left", (end - d) / CW_DAY_MS);
	fire_commit(f, &a);
}

static void run_deadlines_at(const struct cw_engine *e, struct firing *f,
			     int64_t at)
{
	for (size_t i = 0; i < e->rules->nrules; i++) {
		const struct cw_rule *r = &e->rules->rules[i];
		if (!r->enabled)
			continue;
		f->rule = i;
		if (r->detector == CW_DET_SILENCE) {
			COUNT_EVAL(f);
			detect_silence(f, at);
		} else if (r->detector == CW_DET_COMMITMENT_END) {
			COUNT_EVAL(f);
			detect_commitment(f, at);
		}
	}
}

static void run_calendar_at(const struct cw_engine *e, struct cw_state *st,
			    struct firing *f, int64_t at)
{
	int32_t month_closing = month_of(e, at) - 1;
	int close_months = e->has_arpu && !(st->flags & CW_ST_POSTPAID) &&
			   month_closing > st->closed_month;

	for (size_t i = 0; i < e->rules->nrules; i++) {
		const struct cw_rule *r = &e->rules->rules[i];
		if (!r->enabled)
			continue;
		f->rule = i;
		if (r->detector == CW_DET_ARPU_DROP && close_months) {
			COUNT_EVAL(f);
			int32_t from = st->closed_month == INT32_MIN
					       ? month_closing
					       : st->closed_month + 1;
			for (int32_t m = from; m <= month_closing; m++)
				detect_arpu_drop(f, m, cw_month_start(m + 1,
						 e->conf.utc_offset_ms));
		} else if (r->detector == CW_DET_EXPR) {
			/* A tick at midnight judges the day that just ended:
			 * events of the new day that arrived ahead of the
			 * watermark must not count. */
			COUNT_EVAL(f);
			detect_expr(f, at - 1, at);
		} else if (r->detector == CW_DET_SCORE && e->rule_model[i]) {
			COUNT_EVAL(f);
			detect_score(f, at - 1, at);
		}
	}
	if (close_months)
		st->closed_month = month_closing;
}

/*
 * Two kinds of timers, kept apart so that the state never depends on which
 * way time arrived: silence deadlines (also found from the gap when the
 * next outgoing event comes first, so they leave the clock alone) and
 * calendar boundaries (month closes, ticks), which move the clock. The
 * clock never takes the watermark's value: where the watermark happened to
 * be is timing, and a replay must write the same bytes.
 */
void cw_engine_advance(const struct cw_engine *e, struct cw_state *st,
		       const char *subscriber, int64_t now,
		       const struct cw_alert_sink *sink)
{
	struct firing f = {e, st, subscriber, 0, sink};

	if (!e->rules)
		return;
	for (int guard = 0; guard < 100000 && live(st); guard++) {
		int64_t s = deadline_due(e, st), c = calendar_due(e, st);
		int64_t l = cw_loop_due(e, st);
		if (l <= now && l <= s && l <= c) {
			/* The loop's own timers (retained, forced churn),
			 * before a rule due at the same instant. */
			cw_loop_run(e, st, subscriber, l, sink);
		} else if (s <= c && s <= now) {
			run_deadlines_at(e, &f, s);
		} else if (c < s && c <= now) {
			st->clock_ms = c;
			run_calendar_at(e, st, &f, c);
		} else {
			break;
		}
	}
}

/* ---- applying events --------------------------------------------------- */

static void add_revenue(const struct cw_engine *e, struct cw_state *st,
			int64_t ts, int64_t v)
{
	if (v == 0)
		return;
	cw_state_add_daily(st, CW_D_REVENUE, day_of(e, ts), v);
	cw_state_add_month(st, month_of(e, ts), v);
}

static void note_outgoing(struct cw_state *st, int64_t ts)
{
	if (ts > st->last_out_ms)
		st->last_out_ms = ts;
}

static void apply_voice(const struct cw_engine *e, struct cw_state *st,
			const struct cw_event *ev, int32_t day)
{
	if (ev->direction == CW_DIR_OUT) {
		cw_state_add_daily(st, CW_D_CALLS_OUT, day, 1);
		cw_state_add_daily(st, CW_D_SECONDS_OUT, day, ev->duration_s);
		if (cw_networks_classify(e->nets, ev->peer, NULL) ==
		    CW_NET_COMPETITOR)
			cw_state_add_daily(st, CW_D_OFFNET_CALLS, day, 1);
		note_outgoing(st, ev->ts_ms);
	} else {
		cw_state_add_daily(st, CW_D_CALLS_IN, day, 1);
	}
	if (ev->forwarded_to[0] &&
	    cw_networks_classify(e->nets, ev->forwarded_to, NULL) ==
		    CW_NET_COMPETITOR)
		cw_state_add_daily(st, CW_D_FORWARDED_OFFNET, day, 1);
	if (e->profile.peer_days)
		cw_state_touch_peer(st, ev->peer, day, (int32_t)e->profile.peer_days);
	add_revenue(e, st, ev->ts_ms, ev->charge);
}

/* An invoice becomes owed money: credit from earlier overpayments first,
 * then one open item with its due date. */
static void owe_invoice(struct cw_account *a, const struct cw_event *ev)
{
	int64_t amount = ev->amount;
	int64_t due = ev->due_ms ? ev->due_ms : ev->ts_ms + CW_INVOICE_TERMS_MS;

	if (a->credit > 0) {
		int64_t used = a->credit < amount ? a->credit : amount;
		a->credit -= used;
		amount -= used;
	}
	if (amount <= 0)
		return;
	if (a->ninvoices == CW_INVOICES_MAX) {
		/* Bounded: the newest open item absorbs it (it keeps the
		 * earlier due date, so overdue is never understated). */
		a->invoices[CW_INVOICES_MAX - 1].remaining += amount;
		return;
	}
	a->invoices[a->ninvoices++] = (struct cw_invoice){due, amount};
}

/* A payment settles the oldest open items first; what is left is credit.
 * It is late when it pays an item already past its due date. */
static int pay(struct cw_account *a, const struct cw_event *ev)
{
	int64_t amount = ev->amount;
	int late = 0;

	while (amount > 0 && a->ninvoices > 0) {
		struct cw_invoice *inv = &a->invoices[0];
		int64_t used = inv->remaining < amount ? inv->remaining : amount;

		late |= ev->ts_ms > inv->due_ms;
		inv->remaining -= used;
		amount -= used;
		if (inv->remaining == 0) {
			memmove(&a->invoices[0], &a->invoices[1],
				(a->ninvoices - 1) * sizeof(a->invoices[0]));
			a->ninvoices--;
		}
	}
	a->credit += amount;
	return late;
}

static void set_commitment(struct cw_state *st, const struct cw_event *ev)
{
	if (!ev->commitment_end_ms)
		return; /* a plan change without one keeps the running one */
	st->acct.commitment_end_ms = ev->commitment_end_ms;
	st->acct.commitment_set_ms = ev->ts_ms;
}

static void apply_update(const struct cw_engine *e, struct cw_state *st,
			 const struct cw_event *ev)
{
	int32_t day = day_of(e, ev->ts_ms);

	if (ev->imei[0])
		cw_state_note_device(st, ev->imei, ev->ts_ms);
	switch (ev->type) {
	case CW_EV_VOICE:
		apply_voice(e, st, ev, day);
		break;
	case CW_EV_SMS:
		if (ev->direction == CW_DIR_OUT) {
			cw_state_add_daily(st, CW_D_SMS_OUT, day, 1);
			note_outgoing(st, ev->ts_ms);
		}
		if (e->profile.peer_days)
			cw_state_touch_peer(st, ev->peer, day, (int32_t)e->profile.peer_days);
		add_revenue(e, st, ev->ts_ms, ev->charge);
		break;
	case CW_EV_DATA:
		cw_state_add_daily(st, CW_D_DATA_BYTES, day, ev->bytes);
		note_outgoing(st, ev->ts_ms);
		add_revenue(e, st, ev->ts_ms, ev->charge);
		break;
	case CW_EV_ACTIVATE:
		st->flags = (st->flags | CW_ST_ACTIVATED) & ~CW_ST_DEACTIVATED;
		st->activate_ms = ev->ts_ms;
		snprintf(st->plan, sizeof(st->plan), "%s", ev->plan);
		if (ev->region[0])
			snprintf(st->acct.region, sizeof(st->acct.region), "%s",
				 ev->region);
		note_outgoing(st, ev->ts_ms);
		set_commitment(st, ev);
		break;
	case CW_EV_PROFILE:
		snprintf(st->acct.region, sizeof(st->acct.region), "%s", ev->region);
		break;
	case CW_EV_PLAN_CHANGE:
		snprintf(st->plan, sizeof(st->plan), "%s", ev->plan_to);
		set_commitment(st, ev);
		break;
	case CW_EV_RECHARGE:
		cw_state_add_daily(st, CW_D_RECHARGES, day, 1);
		cw_state_add_daily(st, CW_D_RECHARGE_AMOUNT, day, ev->amount);
		break;
	case CW_EV_INVOICE:
		st->flags |= CW_ST_POSTPAID;
		/* Counts for the month of its period, and for windows by ts. */
		cw_state_add_month(st, ev->period, ev->amount);
		cw_state_add_daily(st, CW_D_REVENUE, day, ev->amount);
		owe_invoice(&st->acct, ev);
		break;
	case CW_EV_PAYMENT:
		if (pay(&st->acct, ev))
			cw_state_add_daily(st, CW_D_LATE_PAYMENTS, day, 1);
		break;
	case CW_EV_SUSPEND:
		/* A suspension lasts from its first suspend to the resume; a
		 * second suspend while suspended only updates the reason. */
		if (!(st->flags & CW_ST_SUSPENDED) || !st->acct.suspended_ms)
			st->acct.suspended_ms = ev->ts_ms;
		st->acct.suspend_reason = (uint32_t)ev->suspend_reason;
		st->flags |= CW_ST_SUSPENDED;
		cw_state_add_daily(st, CW_D_SUSPENSIONS, day, 1);
		if (ev->suspend_reason == CW_SUSPEND_ARREARS)
			cw_state_add_daily(st, CW_D_ARREARS_SUSPENSIONS, day, 1);
		break;
	case CW_EV_RESUME:
		st->flags &= ~CW_ST_SUSPENDED;
		st->acct.suspended_ms = 0;
		st->acct.suspend_reason = CW_SUSPEND_NONE;
		break;
	case CW_EV_PORTOUT_REQUEST:
		cw_state_add_daily(st, CW_D_PORTOUT_REQUESTS, day, 1);
		break;
	case CW_EV_FORWARD_SET:
		st->flags |= CW_ST_FORWARDING;
		snprintf(st->forward_to, sizeof(st->forward_to), "%s",
			 ev->forwarded_to);
		break;
	case CW_EV_FORWARD_CLEAR:
		st->flags &= ~CW_ST_FORWARDING;
		st->forward_to[0] = '\0';
		break;
	case CW_EV_DEACTIVATE:
		/* Closed: no more alerts, no timers (live() is false), and
		 * the pipeline writes it with the shorter closed TTL. */
		st->flags |= CW_ST_DEACTIVATED;
		st->acct.deactivated_ms = ev->ts_ms;
		snprintf(st->acct.deactivate_reason,
			 sizeof(st->acct.deactivate_reason), "%s", ev->reason);
		break;
	case CW_EV_CONTACT:     /* the retention topic: loop.c */
	case CW_EV_OFFER:
	case CW_EV_OUTCOME:
	case CW_EV__COUNT:
		break;
	}
	if (ev->ts_ms > st->newest_ms)
		st->newest_ms = ev->ts_ms;
}

/* Event-time hour of a timestamp (the score's event-driven cadence). */
static int64_t hour_of(int64_t ts)
{
	return ts >= 0 ? ts / 3600000 : -((-ts + 3599999) / 3600000);
}

static void evaluate_event_rules(const struct cw_engine *e,
				 struct cw_state *st,
				 const struct cw_event *ev, int64_t prev_out,
				 int64_t prev_newest,
				 const struct cw_alert_sink *sink)
{
	struct firing f = {e, st, ev->subscriber, 0, sink};
	int64_t now = ev->ts_ms; /* event rules judge as of the event itself */

	if (st->flags & CW_ST_DEACTIVATED)
		return;
	for (size_t i = 0; i < e->rules->nrules; i++) {
		const struct cw_rule *r = &e->rules->rules[i];
		if (!r->enabled ||
		    (r->detector == CW_DET_SCORE && !e->rule_model[i]))
			continue; /* an inert score rule judges nothing */
		f.rule = i;
		COUNT_EVAL(&f);
		switch (r->detector) {
		case CW_DET_OFFNET_FORWARD:
			if (ev->type == CW_EV_FORWARD_SET)
				detect_forward_set(&f, ev);
			else if (ev->type == CW_EV_VOICE)
				detect_forwarded_calls(&f, ev, now);
			break;
		case CW_DET_PLAN_DOWNGRADE:
			if (ev->type == CW_EV_PLAN_CHANGE)
				detect_plan_downgrade(&f, ev);
			break;
		case CW_DET_ARPU_DROP:
			/* A postpaid month closes when its invoice arrives. */
			if (ev->type == CW_EV_INVOICE &&
			    ev->period > st->closed_month)
				detect_arpu_drop(&f, ev->period, ev->ts_ms);
			break;
		case CW_DET_EXPR:
			detect_expr(&f, now, now);
			break;
		case CW_DET_SCORE:
			/* Scored on the subscriber's first event of each
			 * event-time hour (a burst of calls costs one
			 * scoring; the result depends only on the
			 * subscriber's own events, never on batching) and
			 * at every daily tick. */
			if (hour_of(ev->ts_ms) != hour_of(prev_newest))
				detect_score(&f, now, now);
			break;
		case CW_DET_SILENCE:
			/* Outgoing activity after a gap of at least `for`:
			 * the silence happened, whether or not the watermark
			 * got there first (then this is a no-op). Events of
			 * one partition are in order, so no outgoing event
			 * inside the gap can still be unread. */
			if (cw_event_is_outgoing(ev) && prev_out &&
			    ev->ts_ms > prev_out)
				detect_silence_gap(&f, prev_out, ev->ts_ms);
			break;
		case CW_DET_COMMITMENT_END: /* a deadline: judged by timers */
		case CW_DET__COUNT:
			break;
		}
	}
	if (ev->type == CW_EV_INVOICE && ev->period > st->closed_month)
		st->closed_month = ev->period;
}

static void reopen(struct cw_state *st)
{
	uint32_t n = st->ndedup;

	/* cw_state_init clears what precedes the big arrays; dedup lives
	 * after them and survives, the rest starts afresh. */
	cw_state_init(st);
	st->ndedup = n;
}

enum cw_apply_result cw_engine_apply(const struct cw_engine *e,
				     struct cw_state *st,
				     const struct cw_event *ev,
				     const struct cw_alert_sink *sink)
{
	if (cw_event_type_topic(ev->type) == CW_TOPIC_RETENTION) {
		/* What the retention team did: about a task of this
		 * subscriber, or a dead letter (nothing changes). */
		if (!cw_loop_knows(e, st, ev))
			return CW_APPLY_UNKNOWN_TASK;
		if (cw_state_dedup(st, ev->event_id, ev->ts_ms,
				   e->conf.dedup_window_ms))
			return CW_APPLY_DUPLICATE;
		return cw_loop_apply(e, st, ev, sink);
	}
	if (cw_state_dedup(st, ev->event_id, ev->ts_ms,
			   e->conf.dedup_window_ms))
		return CW_APPLY_DUPLICATE;
	if (st->flags & CW_ST_DEACTIVATED) {
		/* Numbers are recycled: only an activate opens the line
		 * again, as a new subscriber (the event ids just seen stay,
		 * so a redelivered event is still a duplicate). */
		if (ev->type != CW_EV_ACTIVATE)
			return CW_APPLY_CLOSED;
		reopen(st);
	}
	int first_sight = cw_state_is_empty(st);
	if (first_sight) {
		/* First sight: tenure counts from here until an activate. */
		st->activate_ms = ev->ts_ms;
		st->clock_ms = ev->ts_ms;
		st->newest_ms = ev->ts_ms;
	}
	/*
	 * No timers run here: an event may arrive ahead of the watermark
	 * (the sparse billing topic races ahead of cdr), and judging a timer
	 * now would judge it on a state that misses earlier events still
	 * unread. Timers run from cw_engine_advance(watermark) only; the
	 * one timer an event can end — a silence — is judged from the gap,
	 * and a deactivate settles the timers due before it (below).
	 */
	/*
	 * The exception: a deactivate closes the line for good, so whatever
	 * was due before it is judged now, at its own time, even if this
	 * event is ahead of the watermark (events of the line that are still
	 * unread would be ignored by the closed state anyway). Otherwise a
	 * renewal warning or a silence due before the deactivate would
	 * depend on how far ahead of the other partitions this one ran.
	 */
	if (ev->type == CW_EV_DEACTIVATE)
		cw_engine_advance(e, st, ev->subscriber, ev->ts_ms - 1, sink);
	int64_t prev_out = st->last_out_ms, prev_newest = st->newest_ms;
	apply_update(e, st, ev);
	evaluate_event_rules(e, st, ev, prev_out, prev_newest, sink);
	cw_loop_event(e, st, ev, first_sight, sink);
	return CW_APPLY_OK;
}
