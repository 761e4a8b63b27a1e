/*
 * test_loop.c — the retention loop in the subscriber's state
 * (daemon/core/loop.c): outcomes and their state transitions (saved ->
 * quiet, lost on deactivation or forced churn, retained after N days), an
 * outcome for an unknown task, the archive record and the monthly
 * counters on a hand-built stream.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "cw/loop.h"
#include "cw/routing.h"
#include "engine_fixture.h"

static const char RULES[] =
	"rules:\n"
	"  - name: downgrade\n"
	"    detect: plan_downgrade\n"
	"    severity: high\n";

static const char ROUTING[] =
	"queues: {desk: {capacity: 10}}\ndefault: desk\n"
	"budget: {task_open: 7d, contacts: 5, window: 30d}\n";

#define COUNTS_MAX 256

struct loopfx {
	struct fx fx;
	struct cw_routing *routing;
	struct {
		int32_t month;
		char field[128];
		int64_t v;
	} c[COUNTS_MAX];
	size_t nc;
	char archive[4][8192];
	size_t narchive;
};

static int fx_emit_loop(void *ctx, const struct cw_alert *a)
{
	return fx_emit(ctx, a);
}

static void on_count(void *ctx, int32_t month, const char *field, int64_t d)
{
	struct loopfx *l = ctx;

	for (size_t i = 0; i < l->nc; i++)
		if (l->c[i].month == month && !strcmp(l->c[i].field, field)) {
			l->c[i].v += d;
			return;
		}
	ck_assert_uint_lt(l->nc, COUNTS_MAX);
	l->c[l->nc].month = month;
	snprintf(l->c[l->nc].field, sizeof(l->c[l->nc].field), "%s", field);
	l->c[l->nc++].v = d;
}

static void on_archive(void *ctx, const char *id, const char *json)
{
	struct loopfx *l = ctx;

	(void)id;
	ck_assert_uint_lt(l->narchive, 4);
	snprintf(l->archive[l->narchive++], sizeof(l->archive[0]), "%s", json);
}

/* Counter `field` of "YYYY-MM" (0 when never counted). */
static int64_t got(const struct loopfx *l, const char *month, const char *field)
{
	char m[8];

	for (size_t i = 0; i < l->nc; i++) {
		cw_loop_month_str(l->c[i].month, m);
		if (!strcmp(m, month) && !strcmp(l->c[i].field, field))
			return l->c[i].v;
	}
	return 0;
}

static void open_loop(struct loopfx *l)
{
	char err[512];

	memset(l, 0, sizeof(*l));
	fx_open(&l->fx, RULES);
	ck_assert_msg(cw_routing_load_buf(ROUTING, strlen(ROUTING), "routing.yaml",
					  &l->routing, err, sizeof(err)) == 0, "%s", err);
	l->fx.eng.routing = l->routing;
	/* The fixture's sink, plus the loop's outputs (ctx: the fixture is
	 * the first member). */
	l->fx.sink = (struct cw_alert_sink){.emit = fx_emit_loop, .ctx = l,
					    .count = on_count, .archive = on_archive};
}

static void close_loop(struct loopfx *l)
{
	fx_close(&l->fx);
	cw_routing_free(l->routing);
}

static void downgrade(struct loopfx *l, const char *ts)
{
	char up[40];

	cw_time_format_rfc3339(fx_ms(ts) - 1000, up, sizeof(up));
	fx_sendf(&l->fx, "plan_change", up, ",\"plan_from\":\"P18\",\"plan_to\":\"P88\"");
	fx_sendf(&l->fx, "plan_change", ts, ",\"plan_from\":\"P88\",\"plan_to\":\"P18\"");
}

static enum cw_apply_result retention(struct loopfx *l, const char *type,
				      const char *ts, const char *task,
				      const char *extra)
{
	char json[512];

	snprintf(json, sizeof(json),
		 "{\"event_id\":\"r%u\",\"type\":\"%s\",\"subscriber\":\"%s\","
		 "\"ts\":\"%s\",\"task_id\":\"%s\"%s}",
		 ++l->fx.seq, type, l->fx.sub, ts, task, extra);
	return fx_ev(&l->fx, json);
}

/* Encode and decode: what the pipeline's Redis round trip does. */
static void round_trip(struct loopfx *l)
{
	uint8_t blob[CW_STATE_BLOB_MAX];
	int n = fx_blob(&l->fx, blob, sizeof(blob));

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(cw_state_decode(l->fx.st, &l->fx.eng.profile, blob, (size_t)n), 0);
}

START_TEST(saved_then_quiet)
{
	struct loopfx *l = malloc(sizeof(*l));

	open_loop(l);
	fx_activate(&l->fx, "2026-01-01T00:00:00Z", "P88");
	downgrade(l, "2026-01-10T10:00:00Z");
	ck_assert_uint_eq(l->fx.nalerts, 1);
	const char *task = l->fx.alerts[0].task_id;
	ck_assert_int_eq(retention(l, "contact", "2026-01-11T09:00:00Z", task,
				   ",\"agent\":\"mm07\",\"channel\":\"call\",\"result\":\"reached\""),
			 CW_APPLY_OK);
	round_trip(l);
	ck_assert_int_eq(retention(l, "offer", "2026-01-11T09:05:00Z", task,
				   ",\"offer\":\"BONUS10\",\"cost\":10"), CW_APPLY_OK);
	ck_assert_int_eq(retention(l, "outcome", "2026-01-12T09:00:00Z", task,
				   ",\"outcome\":\"saved\""), CW_APPLY_OK);
	round_trip(l);
	ck_assert_int_eq(got(l, "2026-01", "contacted:rule:downgrade"), 1);
	ck_assert_int_eq(got(l, "2026-01", "contacts:agent:mm07"), 1);
	ck_assert_int_eq(got(l, "2026-01", "saved:rule:downgrade"), 1);
	ck_assert_int_eq(got(l, "2026-01", "saved:agent:mm07"), 1); /* the contact's */
	ck_assert_int_eq(got(l, "2026-01", "saved:queue:desk"), 1);
	ck_assert_int_eq(got(l, "2026-01", "offer_cost"), 10000);
	/* Quiet for 60 days: the next downgrade is judged, not alerted. */
	downgrade(l, "2026-02-20T10:00:00Z");
	ck_assert_uint_eq(l->fx.nalerts, 1);
	ck_assert_int_eq(got(l, "2026-02", "quiet:rule:downgrade"), 1);
	/* Saying it twice counts once. */
	ck_assert_int_eq(retention(l, "outcome", "2026-02-21T09:00:00Z", task,
				   ",\"outcome\":\"saved\""), CW_APPLY_OK);
	ck_assert_int_eq(got(l, "2026-02", "saved"), 0);
	/* After the quiet period: alerted again, a new task. */
	downgrade(l, "2026-03-14T10:00:00Z");
	ck_assert_uint_eq(l->fx.nalerts, 2);
	ck_assert_int_eq(l->fx.alerts[1].task, CW_TASK_NEW);
	close_loop(l);
	free(l);
}
END_TEST

START_TEST(unknown_task_changes_nothing)
{
	struct loopfx *l = malloc(sizeof(*l));
	uint8_t before[CW_STATE_BLOB_MAX], after[CW_STATE_BLOB_MAX];

	open_loop(l);
	fx_activate(&l->fx, "2026-01-01T00:00:00Z", "P88");
	downgrade(l, "2026-01-10T10:00:00Z");
	int n = fx_blob(&l->fx, before, sizeof(before));
	ck_assert_int_eq(retention(l, "outcome", "2026-01-12T09:00:00Z",
				   "0123456789abcdef0123456789abcdef",
				   ",\"outcome\":\"saved\""), CW_APPLY_UNKNOWN_TASK);
	ck_assert_int_eq(fx_blob(&l->fx, after, sizeof(after)), n);
	ck_assert(!memcmp(before, after, (size_t)n));
	/* An alert of the task names it too. */
	ck_assert_int_eq(retention(l, "outcome", "2026-01-12T09:00:00Z",
				   l->fx.alerts[0].alert_id, ",\"outcome\":\"pending\""),
			 CW_APPLY_OK);
	/* A subscriber never seen: no state is made for it. */
	struct loopfx *m = malloc(sizeof(*m));
	open_loop(m);
	ck_assert_int_eq(retention(m, "contact", "2026-01-12T09:00:00Z",
				   "0123456789abcdef0123456789abcdef",
				   ",\"agent\":\"a\",\"channel\":\"sms\",\"result\":\"refused\""),
			 CW_APPLY_UNKNOWN_TASK);
	ck_assert(cw_state_is_empty(m->fx.st));
	close_loop(m);
	free(m);
	close_loop(l);
	free(l);
}
END_TEST

START_TEST(lost_on_deactivate_with_archive)
{
	struct loopfx *l = malloc(sizeof(*l));

	open_loop(l);
	fx_activate(&l->fx, "2026-01-01T00:00:00Z", "P88");
	fx_call(&l->fx, "2026-01-05T10:00:00Z", "out", "8613900000002", "30");
	downgrade(l, "2026-01-10T10:00:00Z");
	const char *task = l->fx.alerts[0].task_id;
	ck_assert_int_eq(retention(l, "contact", "2026-01-11T09:00:00Z", task,
				   ",\"agent\":\"mm07\",\"channel\":\"visit\",\"result\":\"refused\""),
			 CW_APPLY_OK);
	fx_sendf(&l->fx, "portout_request", "2026-01-15T10:00:00Z", ",\"kind\":\"auth_code\"");
	fx_sendf(&l->fx, "deactivate", "2026-01-20T10:00:00Z", ",\"reason\":\"port_out\"");
	ck_assert_int_eq(got(l, "2026-01", "deact"), 1);
	/* A loss of the plan it entered the month with (P88), gone from the
	 * one it had at the end (P18). */
	ck_assert_int_eq(got(l, "2026-01", "deact:plan:P88"), 1);
	ck_assert_int_eq(got(l, "2026-01", "gone:plan:P18"), 1);
	ck_assert_int_eq(got(l, "2026-01", "deact:stage:new"), 1);
	ck_assert_int_eq(got(l, "2026-01", "lost:rule:downgrade"), 1);
	ck_assert_int_eq(got(l, "2026-01", "lost:agent:mm07"), 1);
	ck_assert_int_eq(got(l, "2026-01", "churned:rule:downgrade"), 1);
	ck_assert_int_eq(got(l, "2026-01", "churned_unsaved:rule:downgrade"), 1);
	ck_assert_int_eq(got(l, "2026-01", "lead:downgrade:days:10"), 1);
	ck_assert_int_eq(got(l, "2026-01", "act"), 1);
	ck_assert_uint_eq(l->narchive, 1);
	const char *j = l->archive[0];
	ck_assert_msg(strstr(j, "\"churn\":\"deact\",\"reason\":\"port_out\","
			     "\"destination\":\"competitor\",\"tenure_days\":19,"
			     "\"tenure_stage\":\"new\",\"arpu_tier\":\"low\",\"plan\":\"P18\""), "%s", j);
	ck_assert_msg(strstr(j, "\"outcome\":\"lost\""), "%s", j);
	ck_assert_msg(strstr(j, "\"alerts\":[{\"alert_id\":\""), "%s", j);
	ck_assert_msg(strstr(j, "\"rule\":\"downgrade\",\"ts\":\"2026-01-10T10:00:00.000Z\"}]"), "%s", j);
	ck_assert_msg(strstr(j, "\"contacts\":[{\"ts\":\"2026-01-11T09:00:00.000Z\","
			     "\"agent\":\"mm07\",\"channel\":\"visit\",\"result\":\"refused\"}]"), "%s", j);
	ck_assert_msg(strstr(j, "\"revenue_3m\":[0,0,0]"), "%s", j);
	/* The same stream again gives the same record (the id too). */
	close_loop(l);
	free(l);
}
END_TEST

START_TEST(retained_after_n_days_and_forced_churn)
{
	struct loopfx *l = malloc(sizeof(*l));

	open_loop(l);
	fx_activate(&l->fx, "2026-01-01T00:00:00Z", "P88");
	fx_call(&l->fx, "2026-01-09T10:00:00Z", "out", "8613900000002", "1");
	downgrade(l, "2026-01-10T10:00:00Z");
	const char *task = l->fx.alerts[0].task_id;
	ck_assert_int_eq(retention(l, "contact", "2026-01-11T09:00:00Z", task,
				   ",\"agent\":\"mm01\",\"channel\":\"call\",\"result\":\"reached\""),
			 CW_APPLY_OK);
	round_trip(l);
	/* Retained 90 days after the contact: Apr 11 09:00. First the line
	 * turns 90 days old (Apr 1: new -> stable, counted then), then the
	 * forced churn comes. */
	ck_assert_int_eq(cw_engine_next_due(&l->fx.eng, l->fx.st),
			 fx_ms("2026-04-01T00:00:00Z"));
	fx_advance(&l->fx, "2026-04-01T00:00:00Z");
	ck_assert_int_eq(got(l, "2026-04", "out:stage:new"), 1);
	ck_assert_int_eq(got(l, "2026-04", "in:stage:stable"), 1);
	ck_assert_int_eq(cw_engine_next_due(&l->fx.eng, l->fx.st),
			 fx_ms("2026-04-09T10:00:00Z"));
	fx_advance(&l->fx, "2026-04-09T09:00:00Z");
	ck_assert_int_eq(got(l, "2026-04", "forced"), 0);
	/* Outgoing again keeps it alive: the forced churn moves on. */
	fx_call(&l->fx, "2026-04-09T09:30:00Z", "out", "8613900000002", "1");
	fx_advance(&l->fx, "2026-04-11T09:00:00Z");
	ck_assert_int_eq(got(l, "2026-04", "retained:rule:downgrade"), 1);
	ck_assert_int_eq(got(l, "2026-04", "retained:agent:mm01"), 1);
	ck_assert_int_eq(l->fx.st->acct.loop.outcome, CW_LOOP_RETAINED);
	/* Silent 90 days: forced churn (once), archived; the task is too
	 * old to count as lost. */
	fx_advance(&l->fx, "2026-07-09T09:30:00Z");
	ck_assert_int_eq(got(l, "2026-07", "forced"), 1);
	ck_assert_int_eq(got(l, "2026-07", "forced:stage:stable"), 1);
	ck_assert_int_eq(got(l, "2026-07", "lost"), 0);
	ck_assert_uint_eq(l->narchive, 1);
	ck_assert_msg(strstr(l->archive[0], "\"churn\":\"forced\""), "%s", l->archive[0]);
	fx_advance(&l->fx, "2026-12-01T00:00:00Z");
	ck_assert_int_eq(got(l, "2026-07", "forced"), 1);
	/* Outgoing activity again: back. */
	fx_call(&l->fx, "2026-12-02T09:30:00Z", "out", "8613900000002", "1");
	ck_assert_int_eq(got(l, "2026-12", "returned"), 1);
	/* It re-enters the base in the segment it has now (no moves were
	 * counted while it was out: it turned mature in January 2027). */
	ck_assert_int_eq(got(l, "2026-12", "returned:stage:stable"), 1);
	ck_assert_int_eq(got(l, "2026-07", "out:stage:stable"), 0);
	close_loop(l);
	free(l);
}
END_TEST

/* A hand-built stream of three lines: the month's counters exactly. */
START_TEST(monthly_counters_exact)
{
	struct loopfx *l = malloc(sizeof(*l));

	open_loop(l);
	/* Line 1: activated in January, downgrades, deactivated in Feb. */
	fx_activate(&l->fx, "2026-01-03T00:00:00Z", "P88");
	downgrade(l, "2026-01-20T10:00:00Z");
	fx_sendf(&l->fx, "deactivate", "2026-02-02T10:00:00Z", ",\"reason\":\"left_mobile\"");
	/* Line 2: already a subscriber (first seen on a call). */
	snprintf(l->fx.sub, sizeof(l->fx.sub), "8613800000777");
	cw_state_init(l->fx.st);
	fx_call(&l->fx, "2026-01-04T10:00:00Z", "out", "8613900000002", "1");
	/* Line 3: activated in February. */
	snprintf(l->fx.sub, sizeof(l->fx.sub), "8613800000778");
	cw_state_init(l->fx.st);
	fx_activate(&l->fx, "2026-02-05T00:00:00Z", "P38");
	ck_assert_int_eq(got(l, "2026-01", "act"), 1);
	ck_assert_int_eq(got(l, "2026-01", "act:plan:P88"), 1);
	ck_assert_int_eq(got(l, "2026-01", "seen"), 1);
	ck_assert_int_eq(got(l, "2026-01", "alerts"), 1);
	ck_assert_int_eq(got(l, "2026-01", "alerts:rule:downgrade"), 1);
	ck_assert_int_eq(got(l, "2026-01", "tasks:queue:desk"), 1);
	ck_assert_int_eq(got(l, "2026-02", "act"), 1);
	ck_assert_int_eq(got(l, "2026-02", "act:plan:P38"), 1);
	ck_assert_int_eq(got(l, "2026-02", "deact"), 1);
	ck_assert_int_eq(got(l, "2026-02", "deact:plan:P18"), 1);
	ck_assert_int_eq(got(l, "2026-02", "lost:rule:downgrade"), 1);
	ck_assert_int_eq(got(l, "2026-01", "churned:rule:downgrade"), 1);
	ck_assert_int_eq(got(l, "2026-02", "lead:downgrade:days:13"), 1);
	ck_assert_int_eq(got(l, "2026-02", "seen"), 0);
	/* The downgrade moved line 1 from P88 to P18 (the "upgrade" before it
	 * named the plan it already had: no move). */
	ck_assert_int_eq(got(l, "2026-01", "out:plan:P88"), 1);
	ck_assert_int_eq(got(l, "2026-01", "in:plan:P18"), 1);
	ck_assert_int_eq(got(l, "2026-01", "in:plan:P88"), 0);
	ck_assert_int_eq(got(l, "2026-01", "out:plan:P18"), 0);
	/* Line 2, first seen without a plan, is in the base as plan "-". */
	ck_assert_int_eq(got(l, "2026-01", "seen:plan:-"), 1);
	ck_assert_int_eq(got(l, "2026-01", "alerted:rule:downgrade"), 1);
	ck_assert_msg(strstr(l->archive[0], "\"destination\":\"left_mobile\""), "%s",
		      l->archive[0]);
	close_loop(l);
	free(l);
}
END_TEST

/*
 * The base and churn by segment on a hand-built stream: a line's region
 * (activate, profile), its ARPU tier (judged at its events) and tenure
 * stage (at its own boundaries) move it between segments, counted once as
 * out of one and into the other; a loss counts in the segment the line was
 * counted in; precision's denominator counts a subscriber once per rule
 * and lost_within.
 */
START_TEST(segment_base_exact)
{
	struct loopfx *l = malloc(sizeof(*l));

	open_loop(l);
	fx_sendf(&l->fx, "activate", "2026-01-03T00:00:00Z",
		 ",\"plan\":\"P88\",\"region\":\"north-county\"");
	ck_assert_str_eq(l->fx.st->acct.region, "north-county");
	ck_assert_int_eq(got(l, "2026-01", "act:region:north-county"), 1);
	ck_assert_int_eq(got(l, "2026-01", "act:tier:low"), 1);
	ck_assert_int_eq(got(l, "2026-01", "act:stage:new"), 1);
	/* 120 money units in January: high from its next event on (Feb). */
	fx_data(&l->fx, "2026-01-05T10:00:00Z", "120");
	ck_assert_int_eq(got(l, "2026-01", "out:tier:low"), 1);
	ck_assert_int_eq(got(l, "2026-01", "in:tier:high"), 1);
	fx_data(&l->fx, "2026-02-05T10:00:00Z", "0");
	ck_assert_int_eq(got(l, "2026-02", "out:tier:high"), 0);
	/* Moves to another county in February. */
	fx_sendf(&l->fx, "profile", "2026-02-10T10:00:00Z", ",\"region\":\"south-county\"");
	ck_assert_int_eq(got(l, "2026-02", "out:region:north-county"), 1);
	ck_assert_int_eq(got(l, "2026-02", "in:region:south-county"), 1);
	/* Two downgrades 20 days apart: one alerted subscriber for the rule. */
	downgrade(l, "2026-02-12T10:00:00Z");
	downgrade(l, "2026-03-04T10:00:00Z");
	ck_assert_int_eq(got(l, "2026-02", "alerts:rule:downgrade") +
			 got(l, "2026-03", "alerts:rule:downgrade"), 2);
	ck_assert_int_eq(got(l, "2026-02", "alerted:rule:downgrade"), 1);
	ck_assert_int_eq(got(l, "2026-03", "alerted:rule:downgrade"), 0);
	/* The alert names the region (and routing could match it). */
	char *j = cw_alert_to_json(&l->fx.alerts[0], "v");
	ck_assert_msg(j && strstr(j, "\"segment\":{\"arpu_tier\":\"high\",\"tenure_stage\":\"new\","
				    "\"monthly_revenue\":120,\"region\":\"south-county\"}"), "%s", j);
	free(j);
	/* Jan 3 + 90 days = Apr 3: the stage move is counted in April even
	 * though the line's next event comes in May. */
	fx_data(&l->fx, "2026-05-06T10:00:00Z", "0");
	ck_assert_int_eq(got(l, "2026-04", "out:stage:new"), 1);
	ck_assert_int_eq(got(l, "2026-04", "in:stage:stable"), 1);
	ck_assert_int_eq(got(l, "2026-05", "in:stage:stable"), 0);
	/* The tier fell as the months without revenue came in: mid in March
	 * (Jan 120, Feb 0: 60), low in May (Feb-Apr: 0). */
	ck_assert_int_eq(got(l, "2026-03", "out:tier:high"), 1);
	ck_assert_int_eq(got(l, "2026-03", "in:tier:mid"), 1);
	ck_assert_int_eq(got(l, "2026-05", "out:tier:mid"), 1);
	ck_assert_int_eq(got(l, "2026-05", "in:tier:low"), 1);
	fx_sendf(&l->fx, "deactivate", "2026-05-20T10:00:00Z", ",\"reason\":\"port_out\"");
	/* Lost in May: a loss of the segment it had when May began (tier
	 * mid), gone from the one it has now (low). */
	ck_assert_int_eq(got(l, "2026-05", "deact:region:south-county"), 1);
	ck_assert_int_eq(got(l, "2026-05", "deact:tier:mid"), 1);
	ck_assert_int_eq(got(l, "2026-05", "gone:tier:low"), 1);
	ck_assert_int_eq(got(l, "2026-05", "deact:tier:low"), 0);
	ck_assert_int_eq(got(l, "2026-05", "deact:stage:stable"), 1);
	ck_assert_int_eq(got(l, "2026-05", "gone:stage:stable"), 1);
	ck_assert_int_eq(got(l, "2026-05", "deact:plan:P18"), 1);
	ck_assert_msg(strstr(l->archive[0], "\"region\":\"south-county\""), "%s",
		      l->archive[0]);
	/* A line counted before segments were kept joins their tables. */
	snprintf(l->fx.sub, sizeof(l->fx.sub), "8613800000779");
	cw_state_init(l->fx.st);
	l->fx.eng.routing = NULL;
	fx_call(&l->fx, "2026-05-01T10:00:00Z", "out", "8613900000002", "1");
	l->fx.eng.routing = l->routing;
	fx_call(&l->fx, "2026-05-02T10:00:00Z", "out", "8613900000002", "1");
	ck_assert_int_eq(got(l, "2026-05", "join:region:-"), 1);
	ck_assert_int_eq(got(l, "2026-05", "seen"), 0);
	close_loop(l);
	free(l);
}
END_TEST

/* A line churned by silence and deactivated later is lost once: the
 * deactivation closes it (deact_forced) and archives its reason. */
START_TEST(deactivate_after_forced_churn_is_not_lost_twice)
{
	struct loopfx *l = malloc(sizeof(*l));

	open_loop(l);
	fx_activate(&l->fx, "2026-01-01T00:00:00Z", "P88");
	fx_advance(&l->fx, "2026-04-02T00:00:00Z");
	ck_assert_int_eq(got(l, "2026-04", "forced"), 1);
	fx_sendf(&l->fx, "deactivate", "2026-04-20T10:00:00Z", ",\"reason\":\"arrears\"");
	ck_assert_int_eq(got(l, "2026-04", "deact"), 0);
	ck_assert_int_eq(got(l, "2026-04", "deact:tier:low"), 0);
	ck_assert_int_eq(got(l, "2026-04", "deact_forced"), 1);
	ck_assert_uint_eq(l->narchive, 2);
	ck_assert_msg(strstr(l->archive[1], "\"reason\":\"arrears\""), "%s", l->archive[1]);
	close_loop(l);
	free(l);
}
END_TEST

CW_CHECK_SUITE(loop_suite)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");

	tcase_add_test(tc, saved_then_quiet);
	tcase_add_test(tc, unknown_task_changes_nothing);
	tcase_add_test(tc, lost_on_deactivate_with_archive);
	tcase_add_test(tc, retained_after_n_days_and_forced_churn);
	tcase_add_test(tc, monthly_counters_exact);
	tcase_add_test(tc, segment_base_exact);
	tcase_add_test(tc, deactivate_after_forced_churn_is_not_lost_twice);
	suite_add_tcase(s, tc);
	return s;
}
