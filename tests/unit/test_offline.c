/*
 * test_offline.c — the in-memory event-time driver (daemon/core/offline.c).
 */
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/offline.h"
#include "engine_fixture.h"

static const char SILENCE_RULES[] =
	"rules:\n"
	"  - name: silence-10d\n"
	"    detect: silence\n"
	"    params: { for: 10d }\n"
	"    severity: high\n";

/* Alerts copied out of the driver. */
struct got {
	struct cw_alert a[256];
	size_t n;
};

static int got_emit(void *ctx, const struct cw_alert *a)
{
	struct got *g = ctx;
	ck_assert_uint_lt(g->n, 256);
	g->a[g->n++] = *a;
	return 0;
}

static void parse_json(const char *json, struct cw_event *ev)
{
	fx_parse(json, ev);
}

/* An activate for subscriber `sub` at `ts`. */
static int send_activate(struct cw_offline *o, const char *sub, const char *ts,
			 const char *id)
{
	char json[512];
	struct cw_event ev;

	snprintf(json, sizeof(json),
		 "{\"event_id\":\"%s\",\"type\":\"activate\",\"subscriber\":\"%s\","
		 "\"ts\":\"%s\",\"plan\":\"P38\"}", id, sub, ts);
	parse_json(json, &ev);
	return cw_offline_event(o, &ev);
}

static int send_call(struct cw_offline *o, const char *sub, const char *ts,
		     const char *id)
{
	char json[512];
	struct cw_event ev;

	snprintf(json, sizeof(json),
		 "{\"event_id\":\"%s\",\"type\":\"voice\",\"subscriber\":\"%s\","
		 "\"ts\":\"%s\",\"direction\":\"out\",\"peer\":\"8613900000002\","
		 "\"duration_s\":60,\"charge\":1.5}", id, sub, ts);
	parse_json(json, &ev);
	return cw_offline_event(o, &ev);
}

START_TEST(timers_run_in_due_order)
{
	struct fx fx;
	struct got g = {.n = 0};
	struct cw_alert_sink sink = {.emit = got_emit, .ctx = &g};
	struct cw_offline *o = NULL;
	char sub[16], ts[40], id[16];

	fx_open(&fx, SILENCE_RULES);
	ck_assert_int_eq(cw_offline_new(&fx.eng, &sink, &o), 0);
	/* Subscriber i is last active on day 20 - i: the later-numbered
	 * subscribers go silent first. */
	for (int i = 0; i < 10; i++) {
		snprintf(sub, sizeof(sub), "86138000000%02d", i);
		snprintf(ts, sizeof(ts), "2026-01-%02dT08:00:00Z", 20 - i);
		snprintf(id, sizeof(id), "e%d", i);
		ck_assert_int_eq(send_activate(o, sub, ts, id), 0);
	}
	ck_assert_int_eq(cw_offline_next_due(o), fx_ms("2026-01-21T08:00:00Z"));
	ck_assert_int_eq(cw_offline_advance(o, fx_ms("2026-02-28T00:00:00Z")), 10);
	ck_assert_uint_eq(g.n, 10);
	for (size_t k = 0; k < g.n; k++) {
		snprintf(sub, sizeof(sub), "86138000000%02zu", 9 - k);
		ck_assert_str_eq(g.a[k].subscriber, sub);
		if (k)
			ck_assert_int_gt(g.a[k].ts_ms, g.a[k - 1].ts_ms);
	}
	ck_assert_int_eq(cw_offline_next_due(o), INT64_MAX);
	cw_offline_free(o);
	fx_close(&fx);
}
END_TEST

START_TEST(advance_is_bounded_and_never_backwards)
{
	struct fx fx;
	struct got g = {.n = 0};
	struct cw_alert_sink sink = {.emit = got_emit, .ctx = &g};
	struct cw_offline *o = NULL;
	struct cw_offline_stats s;
	char sub[16], id[16];

	fx_open(&fx, SILENCE_RULES);
	ck_assert_int_eq(cw_offline_new(&fx.eng, &sink, &o), 0);
	for (int i = 0; i < 7; i++) {
		snprintf(sub, sizeof(sub), "86138000001%02d", i);
		snprintf(id, sizeof(id), "e%d", i);
		ck_assert_int_eq(send_activate(o, sub, "2026-01-01T00:00:00Z", id), 0);
	}
	int64_t wm = fx_ms("2026-01-20T00:00:00Z");
	ck_assert_int_eq(cw_offline_advance_some(o, wm, 3), 3);
	ck_assert_int_eq(cw_offline_advance_some(o, wm, 3), 3);
	ck_assert_int_eq(cw_offline_advance_some(o, wm, 3), 1);
	ck_assert_int_eq(cw_offline_advance_some(o, wm, 3), 0);
	ck_assert_uint_eq(g.n, 7);
	/* An older watermark is ignored. */
	ck_assert_int_eq(cw_offline_advance(o, wm - CW_DAY_MS), 0);
	cw_offline_stats(o, &s);
	ck_assert_int_eq(s.watermark, wm);
	ck_assert_uint_eq(s.timer_runs, 7);
	ck_assert_uint_eq(s.alerts, 7);
	cw_offline_free(o);
	fx_close(&fx);
}
END_TEST

START_TEST(duplicates_and_counters)
{
	struct fx fx;
	struct cw_offline *o = NULL;
	struct cw_offline_stats s;
	struct cw_state *st = malloc(sizeof(*st));

	fx_open(&fx, SILENCE_RULES);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(cw_offline_new(&fx.eng, NULL, &o), 0);
	ck_assert_int_eq(send_activate(o, "8613800000001", "2026-01-01T00:00:00Z", "x1"), 0);
	ck_assert_int_eq(send_call(o, "8613800000001", "2026-01-02T00:00:00Z", "x2"), 0);
	ck_assert_int_eq(send_call(o, "8613800000001", "2026-01-02T00:00:00Z", "x2"), 1);
	ck_assert_int_eq(send_call(o, "8613800000002", "2026-01-02T00:00:00Z", "x2"), 0);
	cw_offline_stats(o, &s);
	ck_assert_uint_eq(s.events, 4);
	ck_assert_uint_eq(s.duplicates, 1);
	ck_assert_uint_eq(s.subscribers, 2);
	ck_assert_uint_eq(s.due, 2);
	long a = cw_offline_state_size(o, "8613800000001");
	long b = cw_offline_state_size(o, "8613800000002");
	ck_assert_int_gt(a, 0);
	ck_assert_uint_eq(s.state_bytes, (uint64_t)(a + b));
	ck_assert_int_eq(cw_offline_state_size(o, "8613800000003"), -1);
	ck_assert_int_eq(cw_offline_state(o, "8613800000003", st), -ENOENT);
	ck_assert_int_eq(cw_offline_state(o, "8613800000001", st), 0);
	ck_assert_int_eq(st->last_out_ms, fx_ms("2026-01-02T00:00:00Z"));
	cw_offline_free(o);
	cw_offline_free(NULL);
	free(st);
	fx_close(&fx);
}
END_TEST

/* The same stream straight through the engine (state kept decoded, timers
 * run by hand at the same watermarks) gives the same alerts. */
START_TEST(same_alerts_as_engine)
{
	static const char rules[] =
		"rules:\n"
		"  - name: silence-5d\n"
		"    detect: silence\n"
		"    params: { for: 5d }\n"
		"    severity: high\n"
		"  - name: busy\n"
		"    when: \"calls_out(3d) >= 3\"\n"
		"    severity: low\n"
		"    cooldown: 2d\n";
	struct fx fx;
	struct got g = {.n = 0};
	struct cw_alert_sink sink = {.emit = got_emit, .ctx = &g};
	struct cw_offline *o = NULL;
	const char *days[] = {"01", "02", "02", "03", "03", "04", "12", "13",
			      "13", "14"};
	char ts[40], id[16];

	fx_open(&fx, rules);
	ck_assert_int_eq(cw_offline_new(&fx.eng, &sink, &o), 0);
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		snprintf(ts, sizeof(ts), "2026-03-%sT1%zu:00:00Z", days[i], i % 10);
		snprintf(id, sizeof(id), "c%zu", i);
		ck_assert_int_eq(cw_offline_advance(o, fx_ms(ts)) >= 0, 1);
		fx_advance(&fx, ts);
		ck_assert_int_eq(send_call(o, FX_SUB, ts, id), 0);
		fx_call(&fx, ts, "out", "8613900000002", "1.5");
	}
	cw_offline_advance(o, fx_ms("2026-04-30T00:00:00Z"));
	fx_advance(&fx, "2026-04-30T00:00:00Z");
	ck_assert_uint_gt(g.n, 2);
	ck_assert_uint_eq(g.n, fx.nalerts);
	for (size_t k = 0; k < g.n; k++) {
		ck_assert_str_eq(g.a[k].alert_id, fx.alerts[k].alert_id);
		ck_assert_int_eq(g.a[k].ts_ms, fx.alerts[k].ts_ms);
	}
	cw_offline_free(o);
	fx_close(&fx);
}
END_TEST

/* limit: 2 per event-time day; the rest is withheld but marked, so the
 * withheld subscribers do not fire again the next day. */
START_TEST(limit_per_day)
{
	static const char rules[] =
		"rules:\n"
		"  - name: silence-3d\n"
		"    detect: silence\n"
		"    params: { for: 3d }\n"
		"    severity: high\n"
		"    limit: 2\n";
	struct fx fx;
	struct got g = {.n = 0};
	struct cw_alert_sink sink = {.emit = got_emit, .ctx = &g};
	struct cw_offline *o = NULL;
	struct cw_offline_stats s;
	char sub[16], id[16], ts[40];

	fx_open(&fx, rules);
	ck_assert_int_eq(cw_offline_new(&fx.eng, &sink, &o), 0);
	for (int i = 0; i < 5; i++) {
		snprintf(sub, sizeof(sub), "86138000002%02d", i);
		snprintf(id, sizeof(id), "l%d", i);
		snprintf(ts, sizeof(ts), "2026-01-01T0%d:00:00Z", i);
		ck_assert_int_eq(send_activate(o, sub, ts, id), 0);
	}
	/* A sixth goes silent a day later: a new day, a fresh budget. */
	ck_assert_int_eq(send_activate(o, "8613800000299", "2026-01-02T00:00:00Z", "l9"), 0);
	cw_offline_advance(o, fx_ms("2026-02-01T00:00:00Z"));
	cw_offline_stats(o, &s);
	ck_assert_uint_eq(g.n, 3);
	ck_assert_uint_eq(s.alerts, 3);
	ck_assert_uint_eq(s.suppressed, 3);
	ck_assert_str_eq(g.a[2].subscriber, "8613800000299");
	ck_assert_int_eq(s.due, 0);
	cw_offline_free(o);
	fx_close(&fx);
}
END_TEST

/* The limit keeps the day's most valuable, whatever order the
 * subscribers come in, and publishes them when the day closes: five lines
 * fall silent on the same day, their revenue (calls at 1.5 each) ranks
 * them; the earliest two are not the two kept. */
static void run_valuable(int reverse, struct got *g, struct cw_offline_stats *s)
{
	static const char rules[] =
		"rules:\n"
		"  - name: silence-3d\n"
		"    detect: silence\n"
		"    params: { for: 3d }\n"
		"    severity: high\n"
		"    limit: 2\n";
	static const int calls[5] = {1, 5, 2, 4, 3};
	struct fx fx;
	struct cw_alert_sink sink = {.emit = got_emit, .ctx = g};
	struct cw_offline *o = NULL;
	char sub[16], id[16], ts[40];

	fx_open(&fx, rules);
	ck_assert_int_eq(cw_offline_new(&fx.eng, &sink, &o), 0);
	for (int k = 0; k < 5; k++) {
		int i = reverse ? 4 - k : k;
		snprintf(sub, sizeof(sub), "86138000003%02d", i);
		snprintf(ts, sizeof(ts), "2026-01-01T0%d:00:00Z", i);
		snprintf(id, sizeof(id), "v%d", i);
		ck_assert_int_eq(send_activate(o, sub, ts, id), 0);
		for (int c = 0; c < calls[i]; c++) {
			snprintf(id, sizeof(id), "v%dc%d", i, c);
			ck_assert_int_eq(send_call(o, sub, ts, id), 0);
		}
	}
	/* The day (Jan 4) is still open: nothing is published yet. */
	cw_offline_advance(o, fx_ms("2026-01-04T23:00:00Z"));
	cw_offline_stats(o, s);
	ck_assert_uint_eq(g->n, 0);
	ck_assert_uint_eq(s->held, 2);
	cw_offline_advance(o, fx_ms("2026-01-05T00:00:00Z"));
	cw_offline_stats(o, s);
	cw_offline_free(o);
	fx_close(&fx);
}

START_TEST(limit_keeps_the_days_most_valuable)
{
	struct got a = {.n = 0}, b = {.n = 0};
	struct cw_offline_stats s;

	run_valuable(0, &a, &s);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_uint_eq(s.suppressed, 3);
	ck_assert_uint_eq(s.held, 0);
	ck_assert_str_eq(a.a[0].subscriber, "8613800000301"); /* 5 calls */
	ck_assert_str_eq(a.a[1].subscriber, "8613800000303"); /* 4 calls */
	ck_assert_int_gt(a.a[0].priority, a.a[1].priority);
	run_valuable(1, &b, &s);
	ck_assert_uint_eq(b.n, 2);
	for (size_t k = 0; k < 2; k++)
		ck_assert_str_eq(a.a[k].alert_id, b.a[k].alert_id);
}
END_TEST

/* Many subscribers: the table and heap grow; every one fires once. */
START_TEST(many_subscribers)
{
	struct fx fx;
	struct cw_offline *o = NULL;
	struct cw_offline_stats s;
	char sub[16], id[16];

	fx_open(&fx, SILENCE_RULES);
	ck_assert_int_eq(cw_offline_new(&fx.eng, NULL, &o), 0);
	for (int i = 0; i < 5000; i++) {
		snprintf(sub, sizeof(sub), "861380%07d", i * 7);
		snprintf(id, sizeof(id), "m%d", i);
		ck_assert_int_eq(send_activate(o, sub, "2026-01-01T00:00:00Z", id), 0);
	}
	ck_assert_int_eq(cw_offline_advance(o, fx_ms("2026-03-01T00:00:00Z")), 5000);
	cw_offline_stats(o, &s);
	ck_assert_uint_eq(s.subscribers, 5000);
	ck_assert_uint_eq(s.alerts, 5000);
	ck_assert_uint_eq(s.due, 0);
	cw_offline_free(o);
	fx_close(&fx);
}
END_TEST

CW_CHECK_SUITE(offline_suite)
{
	Suite *s = suite_create("offline");
	TCase *tc = tcase_create("driver");

	tcase_add_test(tc, timers_run_in_due_order);
	tcase_add_test(tc, advance_is_bounded_and_never_backwards);
	tcase_add_test(tc, duplicates_and_counters);
	tcase_add_test(tc, same_alerts_as_engine);
	tcase_add_test(tc, limit_per_day);
	tcase_add_test(tc, limit_keeps_the_days_most_valuable);
	tcase_add_test(tc, many_subscribers);
	suite_add_tcase(s, tc);
	return s;
}

