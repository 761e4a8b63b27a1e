/*
 * loop.c — the retention loop in the subscriber's state (see loop.h).
 *
 * The counters are named "<what>" or "<what>:<by>:<value>" in the month
 * of the event-time instant they count (docs/retention.md#kpis has the
 * list). They go to the sink's count(), which the pipeline adds up per
 * batch and writes with the states (HINCRBY in the same MULTI/EXEC), so
 * a replayed batch never counts twice.
 */
#include <stdio.h>
#include <string.h>

#include "cw/jsonw.h"
#include "cw/loop.h"
#include "cw/routing.h"
#include "cw/segment.h"

#define FIELD_MAX 128
#define ARCHIVE_MAX 8192

int cw_loop_on(const struct cw_engine *e)
{
	return e->routing != NULL;
}

void cw_loop_month_str(int32_t m, char buf[8])
{
	unsigned y = m >= 0 && m / 12 <= 9999 ? (unsigned)(m / 12) : 0;
	unsigned mo = m >= 0 ? (unsigned)(m % 12) + 1 : 1;

	buf[0] = (char)('0' + y / 1000);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + mo / 10);
	buf[6] = (char)('0' + mo % 10);
	buf[7] = '\0';
}

static int32_t month_at(const struct cw_engine *e, int64_t ts)
{
	int64_t y;
	int m, d;

	cw_civil_from_days(cw_day_of(ts, e->conf.utc_offset_ms), &y, &m, &d);
	return (int32_t)(y * 12 + m - 1);
}

/* +delta on "what" (by NULL) or "what:by:value", in ts's month. */
static void count(const struct cw_engine *e, const struct cw_alert_sink *sink,
		  int64_t ts, const char *what, const char *by,
		  const char *value, int64_t delta)
{
	char field[FIELD_MAX];

	if (!sink || !sink->count)
		return;
	if (by)
		snprintf(field, sizeof(field), "%s:%s:%s", what, by,
			 value && value[0] ? value : "-");
	else
		snprintf(field, sizeof(field), "%s", what);
	sink->count(sink->ctx, month_at(e, ts), field, delta);
}

static const char *rule_name(const struct cw_engine *e, uint32_t hash)
{
	const struct cw_rule *r = cw_rules_by_hash(e->rules, e->rule_hash, hash);

	return r ? r->name : "-";
}

/* Who to credit an outcome to: the event's agent, else the task's last
 * contact's. */
static const char *agent_of(const struct cw_loop *l, const char *given)
{
	if (given && given[0])
		return given;
	if (l->outcome_agent[0])
		return l->outcome_agent;
	return l->ncontacts ? l->contacts[l->ncontacts - 1].agent : "-";
}

/* The task's rule, queue and agent for an outcome counter. */
static void count_outcome(const struct cw_engine *e, const struct cw_state *st,
			  const struct cw_alert_sink *sink, int64_t ts,
			  const char *what, const char *agent)
{
	const struct cw_loop *l = &st->acct.loop;

	count(e, sink, ts, what, NULL, NULL, 1);
	count(e, sink, ts, what, "rule", rule_name(e, l->task_rule_hash), 1);
	count(e, sink, ts, what, "queue", st->acct.task_queue, 1);
	count(e, sink, ts, what, "agent", agent, 1);
}

/* ---- the segment a line is counted in ---------------------------------------- */

/* The line's segment now: the four attributes the counters are kept by. */
static void segment_now(const struct cw_engine *e, const struct cw_state *st,
			int64_t ts, struct cw_seg *k)
{
	k->tier = (uint32_t)cw_segment_arpu_tier(&e->conf, st, ts);
	k->stage = (uint32_t)cw_segment_tenure_stage(&e->conf, st, ts);
	snprintf(k->plan, sizeof(k->plan), "%s", st->plan);
	snprintf(k->region, sizeof(k->region), "%s", st->acct.region);
}

/* "<what>:<by>:<value>" for each attribute of segment k. */
static void count_segment(const struct cw_engine *e, const struct cw_alert_sink *sink,
			  int64_t ts, const char *what, const struct cw_seg *k)
{
	count(e, sink, ts, what, "tier", cw_arpu_tier_str((int)k->tier), 1);
	count(e, sink, ts, what, "stage", cw_tenure_stage_str((int)k->stage), 1);
	count(e, sink, ts, what, "plan", k->plan, 1);
	count(e, sink, ts, what, "region", k->region, 1);
}

/* Before anything changes the line's segment at `ts`: the first change in
 * a month remembers what the segment was when the month began. */
static void mark_month(const struct cw_engine *e, struct cw_kseg *k, int64_t ts)
{
	int32_t m = month_at(e, ts);

	if (k->month != m) {
		k->start = k->now;
		k->month = m;
	}
}

/* A move between two values of attribute `by`: out of one, into the other. */
static void count_move(const struct cw_engine *e, const struct cw_alert_sink *sink,
		       int64_t ts, const char *by, const char *from, const char *to)
{
	count(e, sink, ts, "out", by, from, 1);
	count(e, sink, ts, "in", by, to, 1);
}

/* When the line enters tenure stage `stage` (1 stable, 2 mature). */
static int64_t stage_boundary(const struct cw_engine *e, const struct cw_state *st,
			      uint32_t stage)
{
	return stage == 1 ? st->activate_ms + e->conf.tenure_stable_ms
			  : st->activate_ms + e->conf.tenure_mature_ms + 1;
}

/* The counted line's tenure stage up to `t`: each boundary counted at its
 * own instant (a pure function of the activation), so the move lands in
 * the same month however late the line is next looked at. */
static void sync_stage(const struct cw_engine *e, struct cw_state *st, int64_t t,
		       const struct cw_alert_sink *sink)
{
	struct cw_kseg *k = &st->acct.kseg;
	uint32_t now = (uint32_t)cw_segment_tenure_stage(&e->conf, st, t);

	while (k->now.stage < now) {
		int64_t b = stage_boundary(e, st, k->now.stage + 1);
		if (b > t)
			b = t;
		mark_month(e, k, b);
		count_move(e, sink, b, "stage", cw_tenure_stage_str((int)k->now.stage),
			   cw_tenure_stage_str((int)k->now.stage + 1));
		k->now.stage++;
	}
	if (k->now.stage != now) { /* an activate moved the tenure's start */
		mark_month(e, k, t);
		count_move(e, sink, t, "stage", cw_tenure_stage_str((int)k->now.stage),
			   cw_tenure_stage_str((int)now));
		k->now.stage = now;
	}
}

/* At an event: every attribute that changed moves the line, at `ts`. The
 * tier is judged at the line's events only (a timer may run after events
 * ahead of it were applied; an event sees exactly the events before it). */
static void sync_segment(const struct cw_engine *e, struct cw_state *st, int64_t ts,
			 const struct cw_alert_sink *sink)
{
	struct cw_kseg *k = &st->acct.kseg;
	struct cw_seg now;

	sync_stage(e, st, ts, sink);
	/* Every event of a routed line passes here: compare in place, build
	 * the new segment only when something moved. */
	if ((uint32_t)cw_segment_arpu_tier(&e->conf, st, ts) == k->now.tier &&
	    !strcmp(st->plan, k->now.plan) && !strcmp(st->acct.region, k->now.region))
		return;
	segment_now(e, st, ts, &now);
	mark_month(e, k, ts);
	if (now.tier != k->now.tier)
		count_move(e, sink, ts, "tier", cw_arpu_tier_str((int)k->now.tier),
			   cw_arpu_tier_str((int)now.tier));
	if (strcmp(now.plan, k->now.plan))
		count_move(e, sink, ts, "plan", k->now.plan, now.plan);
	if (strcmp(now.region, k->now.region))
		count_move(e, sink, ts, "region", k->now.region, now.region);
	k->now = now;
}

/* The line enters the counters (`what`: act, seen, join, returned) in the
 * segment it has now; in this month its losses are that segment's. */
static void enter_base(const struct cw_engine *e, struct cw_state *st, int64_t ts,
		       const char *what, int total, const struct cw_alert_sink *sink)
{
	struct cw_kseg *k = &st->acct.kseg;

	k->counted = 1;
	segment_now(e, st, ts, &k->now);
	k->start = k->now;
	k->month = month_at(e, ts);
	if (total)
		count(e, sink, ts, what, NULL, NULL, 1);
	count_segment(e, sink, ts, what, &k->now);
}

/* A loss at `ts` (kind: deact, forced): a loss of the segment the line was
 * in when the month began (each segment's churn rate is over its base at
 * the month's start), and gone from the one it is in now (the bookkeeping
 * of the bases: entries + in - out - gone). */
static void count_loss(const struct cw_engine *e, struct cw_state *st, int64_t ts,
		       const char *kind, const struct cw_alert_sink *sink)
{
	struct cw_kseg *k = &st->acct.kseg;

	if (!k->counted) {
		k->counted = 1;
		segment_now(e, st, ts, &k->now);
		k->start = k->now;
	}
	mark_month(e, k, ts);
	count(e, sink, ts, kind, NULL, NULL, 1);
	count_segment(e, sink, ts, kind, &k->start);
	count_segment(e, sink, ts, "gone", &k->now);
}

/* ---- the task an event is about ------------------------------------------- */

static int task_knows(const struct cw_state *st, const char *ref)
{
	const struct cw_account *a = &st->acct;

	if (!a->task_id[0])
		return 0;
	if (!strcmp(a->task_id, ref))
		return 1;
	/* An alert attached to the task names it too. */
	for (uint32_t i = 0; i < a->loop.nalerts; i++)
		if (!strcmp(a->loop.alerts[i].id, ref) &&
		    a->loop.alerts[i].ts_ms >= a->task_opened_ms)
			return 1;
	return 0;
}

static void add_contact(struct cw_loop *l, const struct cw_event *ev)
{
	if (l->ncontacts == CW_LOOP_CONTACTS_MAX) {
		memmove(l->contacts, l->contacts + 1,
			(CW_LOOP_CONTACTS_MAX - 1) * sizeof(*l->contacts));
		l->ncontacts--;
	}
	struct cw_loop_contact *c = &l->contacts[l->ncontacts++];
	c->ts_ms = ev->ts_ms;
	c->channel = (uint32_t)ev->contact_channel;
	c->result = (uint32_t)ev->contact_result;
	snprintf(c->agent, sizeof(c->agent), "%s", ev->agent);
}

static void add_offer(struct cw_loop *l, const struct cw_event *ev)
{
	if (l->noffers == CW_LOOP_OFFERS_MAX) {
		memmove(l->offers, l->offers + 1,
			(CW_LOOP_OFFERS_MAX - 1) * sizeof(*l->offers));
		l->noffers--;
	}
	struct cw_loop_offer *o = &l->offers[l->noffers++];
	o->ts_ms = ev->ts_ms;
	o->cost = ev->amount;
	snprintf(o->code, sizeof(o->code), "%s", ev->offer);
}

static void apply_contact(const struct cw_engine *e, struct cw_state *st,
			  const struct cw_event *ev,
			  const struct cw_alert_sink *sink)
{
	struct cw_loop *l = &st->acct.loop;
	const char *rule = rule_name(e, l->task_rule_hash);

	add_contact(l, ev);
	count(e, sink, ev->ts_ms, "contacts", NULL, NULL, 1);
	count(e, sink, ev->ts_ms, "contacts", "agent", ev->agent, 1);
	count(e, sink, ev->ts_ms, "contacts", "queue", st->acct.task_queue, 1);
	count(e, sink, ev->ts_ms, "contacts", "channel",
	      cw_contact_channel_str(ev->contact_channel), 1);
	count(e, sink, ev->ts_ms, "contacts", "result",
	      cw_contact_result_str(ev->contact_result), 1);
	if (!l->contacted_ms) {
		/* The task's first contact: the task counts as contacted. */
		l->contacted_ms = ev->ts_ms;
		count(e, sink, ev->ts_ms, "contacted", NULL, NULL, 1);
		count(e, sink, ev->ts_ms, "contacted", "rule", rule, 1);
		count(e, sink, ev->ts_ms, "contacted", "queue", st->acct.task_queue, 1);
		count(e, sink, ev->ts_ms, "contacted", "agent", ev->agent, 1);
	}
	/* Retained: still active retained_after after the last contact. */
	if (l->outcome != CW_LOOP_LOST && l->outcome != CW_LOOP_RETAINED)
		l->retained_due_ms = ev->ts_ms + e->conf.loop_retained_ms;
}

static void apply_outcome(const struct cw_engine *e, struct cw_state *st,
			  const struct cw_event *ev,
			  const struct cw_alert_sink *sink)
{
	struct cw_loop *l = &st->acct.loop;
	const char *agent = agent_of(l, ev->agent);

	switch (ev->outcome) {
	case CW_OUTCOME_SAVED:
		if (l->outcome == CW_LOOP_SAVED || l->outcome == CW_LOOP_LOST)
			break; /* said before, or too late */
		count_outcome(e, st, sink, ev->ts_ms, "saved", agent);
		l->outcome = CW_LOOP_SAVED;
		snprintf(l->outcome_agent, sizeof(l->outcome_agent), "%s", agent);
		l->quiet_until_ms = ev->ts_ms + e->conf.loop_quiet_ms;
		break;
	case CW_OUTCOME_LOST:
		if (l->outcome == CW_LOOP_LOST)
			break;
		count_outcome(e, st, sink, ev->ts_ms, "lost", agent);
		l->outcome = CW_LOOP_LOST;
		snprintf(l->outcome_agent, sizeof(l->outcome_agent), "%s", agent);
		l->retained_due_ms = 0;
		break;
	case CW_OUTCOME_PENDING:
		if (l->outcome == CW_LOOP_NONE)
			l->outcome = CW_LOOP_PENDING;
		count(e, sink, ev->ts_ms, "pending", NULL, NULL, 1);
		break;
	case CW_OUTCOME_NONE:
	case CW_OUTCOME__COUNT:
		break;
	}
}

enum cw_apply_result cw_loop_apply(const struct cw_engine *e, struct cw_state *st,
				   const struct cw_event *ev,
				   const struct cw_alert_sink *sink)
{
	if (!cw_loop_on(e) || !task_knows(st, ev->task_id))
		return CW_APPLY_UNKNOWN_TASK;
	switch (ev->type) {
	case CW_EV_CONTACT:
		apply_contact(e, st, ev, sink);
		break;
	case CW_EV_OFFER:
		add_offer(&st->acct.loop, ev);
		count(e, sink, ev->ts_ms, "offers", NULL, NULL, 1);
		count(e, sink, ev->ts_ms, "offers", "rule",
		      rule_name(e, st->acct.loop.task_rule_hash), 1);
		count(e, sink, ev->ts_ms, "offer_cost", NULL, NULL, ev->amount);
		break;
	case CW_EV_OUTCOME:
		apply_outcome(e, st, ev, sink);
		break;
	default:
		break;
	}
	return CW_APPLY_OK;
}

int cw_loop_knows(const struct cw_engine *e, const struct cw_state *st,
		  const struct cw_event *ev)
{
	return cw_loop_on(e) && task_knows(st, ev->task_id);
}

/* ---- alerts ------------------------------------------------------------------ */

int cw_loop_withhold(const struct cw_engine *e, const struct cw_state *st,
		     const struct cw_alert *a, const struct cw_alert_sink *sink)
{
	if (!cw_loop_on(e) || !st->acct.loop.quiet_until_ms ||
	    a->ts_ms >= st->acct.loop.quiet_until_ms)
		return 0;
	count(e, sink, a->ts_ms, "quiet", "rule", a->rule->name, 1);
	return 1;
}

void cw_loop_alert(const struct cw_engine *e, struct cw_state *st,
		   const struct cw_alert *a, const struct cw_alert_sink *sink)
{
	struct cw_loop *l = &st->acct.loop;
	size_t idx = (size_t)(a->rule - e->rules->rules);
	uint32_t hash = idx < CW_RULES_MAX ? e->rule_hash[idx] : 0;
	uint32_t k = 0;

	if (!cw_loop_on(e))
		return;
	/* Keep the alerts churn can still be attributed to, newest last. */
	int episode = 1;
	for (uint32_t i = 0; i < l->nalerts; i++)
		if (l->alerts[i].ts_ms > a->ts_ms - e->conf.loop_lost_within_ms) {
			episode &= l->alerts[i].rule_hash != hash;
			l->alerts[k++] = l->alerts[i];
		}
	if (k == CW_LOOP_ALERTS_MAX) {
		memmove(l->alerts, l->alerts + 1,
			(CW_LOOP_ALERTS_MAX - 1) * sizeof(*l->alerts));
		k--;
	}
	l->alerts[k].ts_ms = a->ts_ms;
	l->alerts[k].rule_hash = hash;
	memcpy(l->alerts[k].id, a->alert_id, sizeof(l->alerts[k].id));
	l->nalerts = k + 1;
	count(e, sink, a->ts_ms, "alerts", NULL, NULL, 1);
	count(e, sink, a->ts_ms, "alerts", "rule", a->rule->name, 1);
	count(e, sink, a->ts_ms, "alerts", "queue", a->queue, 1);
	/* The subscriber is newly alerted by the rule (none of its alerts
	 * within lost_within before): precision's denominator. */
	if (episode)
		count(e, sink, a->ts_ms, "alerted", "rule", a->rule->name, 1);
	if (a->task != CW_TASK_NEW)
		return;
	/* A new task: its follow-up starts afresh (a saved subscriber's
	 * quiet period stays). */
	l->task_rule_hash = hash;
	l->outcome = CW_LOOP_NONE;
	l->outcome_agent[0] = '\0';
	l->contacted_ms = 0;
	l->retained_due_ms = 0;
	l->ncontacts = 0;
	l->noffers = 0;
	count(e, sink, a->ts_ms, "tasks", NULL, NULL, 1);
	count(e, sink, a->ts_ms, "tasks", "rule", a->rule->name, 1);
	count(e, sink, a->ts_ms, "tasks", "queue", a->task_queue, 1);
}

/* ---- churn ---------------------------------------------------------------------- */

/* Where the subscriber went, as far as the deactivation says (docs). */
static const char *destination(const struct cw_state *st, int64_t ts)
{
	const char *r = st->acct.deactivate_reason;

	if (strstr(r, "port") || strstr(r, "competitor"))
		return "competitor";
	if (strstr(r, "number_change") || strstr(r, "in_network"))
		return "in_network";
	if (strstr(r, "left_mobile") || strstr(r, "no_mobile"))
		return "left_mobile";
	/* A number-portability request in the last 90 days says it too. */
	if (cw_state_sum_daily(st, CW_D_PORTOUT_REQUESTS, cw_day_of(ts, 0), 90) > 0)
		return "competitor";
	return "";
}

static void put_time(struct cw_jw *w, const char *key, int64_t ms)
{
	char ts[40];

	cw_time_format_rfc3339(ms, ts, sizeof(ts));
	cw_jw_str(w, key, ts);
}

static void archive(const struct cw_engine *e, const struct cw_state *st,
		    const char *sub, int64_t ts, const char *kind,
		    const struct cw_alert_sink *sink)
{
	const struct cw_loop *l = &st->acct.loop;
	char id[CW_ALERT_ID_LEN + 1], buf[ARCHIVE_MAX];
	int32_t m = month_at(e, ts);
	struct cw_jw w;

	if (!sink || !sink->archive)
		return;
	cw_alert_make_id(sub, "~archive", ts, id);
	cw_jw_init(&w, buf, sizeof(buf));
	cw_jw_obj_begin(&w, NULL);
	cw_jw_str(&w, "archive_id", id);
	cw_jw_str(&w, "subscriber", sub);
	put_time(&w, "ts", ts);
	cw_jw_str(&w, "churn", kind);
	cw_jw_str(&w, "reason", st->acct.deactivate_reason);
	cw_jw_str(&w, "destination", destination(st, ts));
	cw_jw_int(&w, "tenure_days", (ts - st->activate_ms) / CW_DAY_MS);
	cw_jw_str(&w, "tenure_stage",
		  cw_tenure_stage_str(cw_segment_tenure_stage(&e->conf, st, ts)));
	cw_jw_str(&w, "arpu_tier",
		  cw_arpu_tier_str(cw_segment_arpu_tier(&e->conf, st, ts)));
	cw_jw_str(&w, "plan", st->plan);
	if (st->acct.region[0])
		cw_jw_str(&w, "region", st->acct.region);
	cw_jw_arr_begin(&w, "revenue_3m");
	for (int k = 1; k <= 3; k++)
		cw_jw_money(&w, NULL, cw_state_month(st, m - k));
	cw_jw_arr_end(&w);
	cw_jw_str(&w, "task_id", st->acct.task_id);
	cw_jw_str(&w, "outcome", cw_loop_outcome_str((enum cw_loop_outcome)l->outcome));
	cw_jw_arr_begin(&w, "alerts");
	for (uint32_t i = 0; i < l->nalerts; i++) {
		cw_jw_obj_begin(&w, NULL);
		cw_jw_str(&w, "alert_id", l->alerts[i].id);
		cw_jw_str(&w, "rule", rule_name(e, l->alerts[i].rule_hash));
		put_time(&w, "ts", l->alerts[i].ts_ms);
		cw_jw_obj_end(&w);
	}
	cw_jw_arr_end(&w);
	cw_jw_arr_begin(&w, "contacts");
	for (uint32_t i = 0; i < l->ncontacts; i++) {
		const struct cw_loop_contact *c = &l->contacts[i];
		cw_jw_obj_begin(&w, NULL);
		put_time(&w, "ts", c->ts_ms);
		cw_jw_str(&w, "agent", c->agent);
		cw_jw_str(&w, "channel", cw_contact_channel_str(c->channel));
		cw_jw_str(&w, "result", cw_contact_result_str(c->result));
		cw_jw_obj_end(&w);
	}
	cw_jw_arr_end(&w);
	cw_jw_arr_begin(&w, "offers");
	for (uint32_t i = 0; i < l->noffers; i++) {
		cw_jw_obj_begin(&w, NULL);
		put_time(&w, "ts", l->offers[i].ts_ms);
		cw_jw_str(&w, "offer", l->offers[i].code);
		cw_jw_money(&w, "cost", l->offers[i].cost);
		cw_jw_obj_end(&w);
	}
	cw_jw_arr_end(&w);
	cw_jw_obj_end(&w);
	if (cw_jw_finish(&w) >= 0) /* bounded parts: always fits */
		sink->archive(sink->ctx, id, buf);
}

/* The rules that alerted before a churn at `ts`, each once: precision
 * (churned without a save, in the month of its first alert) and lead
 * time (days from that alert to the churn). */
static void count_attribution(const struct cw_engine *e, const struct cw_state *st,
			      int64_t ts, int saved,
			      const struct cw_alert_sink *sink)
{
	const struct cw_loop *l = &st->acct.loop;

	for (uint32_t i = 0; i < l->nalerts; i++) {
		const struct cw_loop_alert *a = &l->alerts[i];
		int first = a->ts_ms > ts - e->conf.loop_lost_within_ms && a->ts_ms <= ts;
		for (uint32_t j = 0; first && j < i; j++)
			if (l->alerts[j].rule_hash == a->rule_hash &&
			    l->alerts[j].ts_ms > ts - e->conf.loop_lost_within_ms)
				first = 0;
		if (!first)
			continue;
		const char *rule = rule_name(e, a->rule_hash);
		char days[16];
		snprintf(days, sizeof(days), "%lld",
			 (long long)((ts - a->ts_ms) / CW_DAY_MS));
		count(e, sink, a->ts_ms, "churned", "rule", rule, 1);
		if (!saved)
			count(e, sink, a->ts_ms, "churned_unsaved", "rule", rule, 1);
		char what[CW_RULE_NAME_MAX + 8];
		snprintf(what, sizeof(what), "lead:%s", rule);
		count(e, sink, ts, what, "days", days, 1);
	}
}

static void churn(const struct cw_engine *e, struct cw_state *st,
		  const char *sub, int64_t ts, const char *kind,
		  const struct cw_alert_sink *sink)
{
	struct cw_loop *l = &st->acct.loop;
	int saved = l->outcome == CW_LOOP_SAVED;

	count_loss(e, st, ts, kind, sink);
	count_attribution(e, st, ts, saved, sink);
	/* After a recent task: lost, whatever was said before. */
	if (st->acct.task_id[0] && l->outcome != CW_LOOP_LOST &&
	    ts - st->acct.task_opened_ms <= e->conf.loop_lost_within_ms) {
		count_outcome(e, st, sink, ts, "lost", agent_of(l, NULL));
		l->outcome = CW_LOOP_LOST;
		l->retained_due_ms = 0;
	}
	archive(e, st, sub, ts, kind, sink);
}

void cw_loop_event(const struct cw_engine *e, struct cw_state *st,
		   const struct cw_event *ev, int first_sight,
		   const struct cw_alert_sink *sink)
{
	int counted = st->acct.kseg.counted;

	if (!cw_loop_on(e))
		return;
	if (first_sight || (ev->type == CW_EV_ACTIVATE && !counted)) {
		/* A new line, or one of the base before the stream began. */
		enter_base(e, st, ev->ts_ms,
			   ev->type == CW_EV_ACTIVATE ? "act" : "seen", 1, sink);
	} else if (st->flags & CW_ST_FORCED_CHURN) {
		/* Churned by silence: out of the base until it calls again. A
		 * deactivation now closes a line already counted lost. */
		if (cw_event_is_outgoing(ev)) {
			st->flags &= ~CW_ST_FORCED_CHURN;
			enter_base(e, st, ev->ts_ms, "returned", 1, sink);
		} else if (ev->type == CW_EV_DEACTIVATE) {
			count(e, sink, ev->ts_ms, "deact_forced", NULL, NULL, 1);
			archive(e, st, ev->subscriber, ev->ts_ms, "deact", sink);
			return;
		}
	} else if (!counted) {
		/* Counted before segments were kept: it joins their tables
		 * (not the total, which has it already). */
		enter_base(e, st, ev->ts_ms, "join", 0, sink);
	} else {
		sync_segment(e, st, ev->ts_ms, sink);
	}
	if (ev->type == CW_EV_DEACTIVATE)
		churn(e, st, ev->subscriber, ev->ts_ms, "deact", sink);
}

/* ---- timers ------------------------------------------------------------------------ */

static int64_t forced_due(const struct cw_engine *e, const struct cw_state *st)
{
	if ((st->flags & CW_ST_FORCED_CHURN) || !st->last_out_ms ||
	    e->conf.loop_forced_churn_ms <= 0)
		return INT64_MAX;
	return st->last_out_ms + e->conf.loop_forced_churn_ms;
}

/* The counted line's next tenure-stage boundary. */
static int64_t stage_due(const struct cw_engine *e, const struct cw_state *st)
{
	const struct cw_kseg *k = &st->acct.kseg;

	if (!k->counted || k->now.stage >= 2 || (st->flags & CW_ST_FORCED_CHURN))
		return INT64_MAX;
	return stage_boundary(e, st, k->now.stage + 1);
}

int64_t cw_loop_due(const struct cw_engine *e, const struct cw_state *st)
{
	int64_t f, s, r = st->acct.loop.retained_due_ms;

	if (!cw_loop_on(e))
		return INT64_MAX;
	f = forced_due(e, st);
	s = stage_due(e, st);
	if (s < f)
		f = s;
	return r && r < f ? r : f;
}

void cw_loop_run(const struct cw_engine *e, struct cw_state *st,
		 const char *subscriber, int64_t t,
		 const struct cw_alert_sink *sink)
{
	struct cw_loop *l = &st->acct.loop;
	int64_t f = forced_due(e, st);

	if (!cw_loop_on(e))
		return;
	if (stage_due(e, st) <= t)
		sync_stage(e, st, t, sink);
	if (l->retained_due_ms && l->retained_due_ms <= t) {
		int64_t at = l->retained_due_ms;
		l->retained_due_ms = 0;
		if (l->outcome != CW_LOOP_LOST) {
			count_outcome(e, st, sink, at, "retained", agent_of(l, NULL));
			if (l->outcome != CW_LOOP_SAVED)
				l->outcome = CW_LOOP_RETAINED;
		}
	}
	if (f <= t) {
		st->flags |= CW_ST_FORCED_CHURN;
		churn(e, st, subscriber, f, "forced", sink);
	}
}
