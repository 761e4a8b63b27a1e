/*
 * test_engine.c — the pure engine (CONTRACT §3, §5, §6, §7): detectors,
 * event-time timers, scope and cooldown, de-duplication, next_due,
 * determinism and features. Every assertion is an exact value.
 */
#include <check.h>

#include "check_main.h"
#include "cw/routing.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/score.h"
#include "cw/features.h"
#include "cw/model.h"
#include "engine_fixture.h"
#include "cw/inspect.h"

#define MONTH(y, m) ((y) * 12 + (m) - 1)

static int32_t day(const char *ts)
{
	return cw_day_of(fx_ms(ts), 0);
}

static const char SILENCE[] = "rules:\n"
			      "  - name: silence-7d\n"
			      "    detect: silence\n"
			      "    params: { for: 7d }\n"
			      "    severity: high\n"
			      "    cooldown: 30d\n";

static const char ARPU[] =
	"rules:\n"
	"  - name: arpu-drop\n"
	"    detect: arpu_drop\n"
	"    params: { baseline: 3, drop: 40%, min_baseline: 20 }\n"
	"    severity: medium\n";

static const char OFFNET1[] = "rules:\n"
			      "  - name: offnet-forward\n"
			      "    detect: offnet_forward\n"
			      "    params: { min_calls: 1, window: 7d }\n"
			      "    severity: critical\n";

static const char OFFNET3[] = "rules:\n"
			      "  - name: offnet-forward\n"
			      "    detect: offnet_forward\n"
			      "    params: { min_calls: 3, window: 7d }\n"
			      "    severity: critical\n";

static const char DOWNGRADE[] = "rules:\n"
				"  - name: plan-downgrade\n"
				"    detect: plan_downgrade\n"
				"    params: { min_drop: 30% }\n"
				"    severity: medium\n";

static const char BILL_SHOCK[] = "rules:\n"
				 "  - name: bill-shock\n"
				 "    when: \"revenue(30d) > 50\"\n"
				 "    where: \"tenure > 90d\"\n"
				 "    severity: low\n"
				 "    cooldown: 7d\n";

/* ------------------------------------------------------------------ */
/* silence                                                             */

static void silence_setup(struct fx *fx)
{
	fx_open(fx, SILENCE);
	fx_activate(fx, "2026-01-01T00:00:00Z", "P38");
	fx_call(fx, "2026-01-02T10:00:00Z", "out", "8613900000002", "0.5");
}

START_TEST(silence_fires_at_deadline)
{
	struct fx fx;
	silence_setup(&fx);
	fx_advance(&fx, "2026-01-09T09:59:59.999Z");
	ck_assert_uint_eq(fx.nalerts, 0);
	fx_advance(&fx, "2026-01-09T10:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);

	const struct cw_alert *a = &fx.alerts[0];
	int64_t dl = fx_ms("2026-01-09T10:00:00Z");
	fx_assert_id(a, FX_SUB, "silence-7d", dl);
	ck_assert_int_eq(a->ts_ms, dl);
	ck_assert_int_eq(a->rule->severity, CW_SEV_HIGH);
	fx_evid_str(a, "last_outgoing", "2026-01-02T10:00:00.000Z");
	fx_evid_int(a, "silent_days", 7);
	fx_evid_int(a, "calls_in_during", 0);
	ck_assert_int_eq(a->tenure_stage, 0);   /* new */
	ck_assert_int_eq(a->arpu_tier, 0);      /* 0.5 a month: low */

	/* Once per deadline. */
	fx_advance(&fx, "2026-01-09T10:00:00Z");
	fx_advance(&fx, "2026-01-30T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	ck_assert_int_eq(fx_next_due(&fx), INT64_MAX);
	fx_close(&fx);
}
END_TEST

START_TEST(silence_incoming_does_not_break)
{
	struct fx fx;
	silence_setup(&fx);
	fx_call(&fx, "2026-01-05T08:00:00Z", "in", "8618600000002", "0");
	fx_sms(&fx, "2026-01-06T08:00:00Z", "in", "8618600000003");
	fx_advance(&fx, "2026-01-09T10:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	ck_assert_int_eq(fx.alerts[0].ts_ms, fx_ms("2026-01-09T10:00:00Z"));
	fx_evid_int(&fx.alerts[0], "calls_in_during", 1);
	fx_close(&fx);
}
END_TEST

START_TEST(silence_outgoing_1ms_before_deadline_prevents)
{
	struct fx fx;
	silence_setup(&fx);
	fx_sms(&fx, "2026-01-09T09:59:59.999Z", "out", "8613900000002");
	fx_advance(&fx, "2026-01-16T09:59:59.998Z");
	ck_assert_uint_eq(fx.nalerts, 0);
	fx_advance(&fx, "2026-01-16T09:59:59.999Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	ck_assert_int_eq(fx.alerts[0].ts_ms, fx_ms("2026-01-16T09:59:59.999Z"));
	fx_evid_str(&fx.alerts[0], "last_outgoing", "2026-01-09T09:59:59.999Z");
	fx_close(&fx);
}
END_TEST

/*
 * An outgoing event exactly at the deadline: events run no timers (only the
 * watermark does, CONTRACT §7), but outgoing activity after a gap of at
 * least `for` proves the silence happened, so it fires at the deadline —
 * the same alert whether the watermark or the event gets there first.
 */
START_TEST(silence_event_at_deadline)
{
	struct fx a, b, c;
	int64_t dl = fx_ms("2026-01-09T10:00:00Z");

	silence_setup(&a);
	fx_data(&a, "2026-01-09T10:00:00Z", "0");
	ck_assert_uint_eq(a.nalerts, 1);

	silence_setup(&b);
	fx_advance(&b, "2026-01-09T09:59:59.999Z");
	ck_assert_uint_eq(b.nalerts, 0);
	fx_data(&b, "2026-01-09T10:00:00Z", "0");
	ck_assert_uint_eq(b.nalerts, 1);

	silence_setup(&c);
	fx_advance(&c, "2026-01-09T10:00:00Z");
	ck_assert_uint_eq(c.nalerts, 1);
	fx_data(&c, "2026-01-09T10:00:00Z", "0");
	ck_assert_uint_eq(c.nalerts, 1);

	for (struct fx *x = &a; x; x = x == &a ? &b : x == &b ? &c : NULL) {
		ck_assert_int_eq(x->alerts[0].ts_ms, dl);
		fx_assert_id(&x->alerts[0], FX_SUB, "silence-7d", dl);
		fx_evid_str(&x->alerts[0], "last_outgoing",
			    "2026-01-02T10:00:00.000Z");
	}
	/* The next silence counts from the event at the deadline. */
	ck_assert_int_eq(fx_next_due(&a), fx_ms("2026-01-16T10:00:00Z"));
	fx_advance(&a, "2026-01-16T10:00:00Z");
	ck_assert_uint_eq(a.nalerts, 1);              /* within cooldown */
	ck_assert_int_eq(fx_next_due(&a), INT64_MAX); /* judged */
	fx_close(&a);
	fx_close(&b);
	fx_close(&c);
}
END_TEST

/* 1 ms after the deadline: fires with ts = deadline, and watermark-first or
 * event-first give the same alert and, once the watermark has passed, the
 * same state. */
START_TEST(silence_event_after_deadline_same_both_ways)
{
	struct fx a, b;
	uint8_t ba[4096], bb[4096];

	silence_setup(&a);
	fx_data(&a, "2026-01-09T10:00:00.001Z", "0");
	ck_assert_uint_eq(a.nalerts, 1);

	silence_setup(&b);
	fx_advance(&b, "2026-01-09T10:00:00.001Z");
	ck_assert_uint_eq(b.nalerts, 1);
	fx_data(&b, "2026-01-09T10:00:00.001Z", "0");
	ck_assert_uint_eq(b.nalerts, 1);

	int64_t dl = fx_ms("2026-01-09T10:00:00Z");
	ck_assert_int_eq(a.alerts[0].ts_ms, dl);
	ck_assert_int_eq(b.alerts[0].ts_ms, dl);
	ck_assert_str_eq(a.alerts[0].alert_id, b.alerts[0].alert_id);
	fx_assert_id(&a.alerts[0], FX_SUB, "silence-7d", dl);

	fx_advance(&a, "2026-01-12T00:00:00Z");
	fx_advance(&b, "2026-01-12T00:00:00Z");
	int na = fx_blob(&a, ba, sizeof(ba)), nb = fx_blob(&b, bb, sizeof(bb));
	ck_assert_int_eq(na, nb);
	ck_assert_mem_eq(ba, bb, (size_t)na);
	fx_close(&a);
	fx_close(&b);
}
END_TEST

START_TEST(silence_cooldown)
{
	struct fx fx;
	silence_setup(&fx);
	fx_advance(&fx, "2026-01-10T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);               /* Jan 9 10:00 */
	fx_call(&fx, "2026-01-12T10:00:00Z", "out", "8613900000002", "0");
	fx_advance(&fx, "2026-01-25T00:00:00Z");        /* Jan 19: cooldown */
	ck_assert_uint_eq(fx.nalerts, 1);
	ck_assert_int_eq(fx_next_due(&fx), INT64_MAX);  /* judged, not retried */
	fx_call(&fx, "2026-02-01T10:00:00Z", "out", "8613900000002", "0");
	fx_advance(&fx, "2026-03-01T00:00:00Z");        /* Feb 8 >= Jan 9 + 30d */
	ck_assert_uint_eq(fx.nalerts, 2);
	ck_assert_int_eq(fx.alerts[1].ts_ms, fx_ms("2026-02-08T10:00:00Z"));
	fx_assert_id(&fx.alerts[1], FX_SUB, "silence-7d",
		     fx_ms("2026-02-08T10:00:00Z"));
	ck_assert_str_ne(fx.alerts[0].alert_id, fx.alerts[1].alert_id);
	fx_close(&fx);
}
END_TEST

START_TEST(silence_deactivated_never_fires)
{
	struct fx fx;
	silence_setup(&fx);
	fx_sendf(&fx, "deactivate", "2026-01-03T00:00:00Z",
		 ",\"reason\":\"ported\"");
	ck_assert_int_eq(fx_next_due(&fx), INT64_MAX);
	fx_advance(&fx, "2026-06-01T00:00:00Z");
	/* the line is closed: later traffic changes nothing */
	ck_assert_int_eq(fx_send(&fx, "voice", "2026-06-02T00:00:00Z",
				 ",\"direction\":\"in\",\"peer\":\"8613900000002\","
				 "\"duration_s\":60,\"charge\":0"),
			 CW_APPLY_CLOSED);
	fx_advance(&fx, "2026-12-01T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 0);
	fx_close(&fx);
}
END_TEST

START_TEST(silence_needs_activate_or_outgoing)
{
	struct fx fx;
	fx_open(&fx, SILENCE);
	fx_call(&fx, "2026-01-02T10:00:00Z", "in", "8613900000002", "0");
	fx_sms(&fx, "2026-01-03T10:00:00Z", "in", "8613900000002");
	ck_assert_int_eq(fx_next_due(&fx), INT64_MAX);
	fx_advance(&fx, "2026-03-01T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 0);
	fx_close(&fx);

	/* activate alone starts the clock */
	fx_open(&fx, SILENCE);
	fx_activate(&fx, "2026-01-01T00:00:00Z", "P18");
	ck_assert_int_eq(fx_next_due(&fx), fx_ms("2026-01-08T00:00:00Z"));
	fx_advance(&fx, "2026-01-08T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_evid_str(&fx.alerts[0], "last_outgoing", "2026-01-01T00:00:00.000Z");
	fx_close(&fx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* arpu_drop                                                           */

/* Prepaid: revenue Oct..Dec 2025 = b each, Jan 2026 = jan. */
static void arpu_prepaid(struct fx *fx, const char *activate, const char *b,
			 const char *jan)
{
	fx_open(fx, ARPU);
	fx_activate(fx, activate, "P38");
	if (strcmp(activate, "2025-10-01T00:00:00Z") == 0)
		fx_data(fx, "2025-10-05T00:00:00Z", b);
	fx_data(fx, "2025-11-05T00:00:00Z", b);
	fx_data(fx, "2025-12-05T00:00:00Z", b);
	fx_data(fx, "2026-01-05T00:00:00Z", jan);
}

START_TEST(arpu_prepaid_closes_at_month_end)
{
	struct fx fx;
	arpu_prepaid(&fx, "2025-10-01T00:00:00Z", "100", "60");
	fx_advance(&fx, "2026-01-31T23:59:59.999Z");
	ck_assert_uint_eq(fx.nalerts, 0);
	ck_assert_int_eq(fx_next_due(&fx), fx_ms("2026-02-01T00:00:00Z"));
	fx_advance(&fx, "2026-02-01T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);

	const struct cw_alert *a = &fx.alerts[0];
	fx_assert_id(a, FX_SUB, "arpu-drop", MONTH(2026, 1));
	ck_assert_int_eq(a->ts_ms, fx_ms("2026-02-01T00:00:00Z"));
	fx_evid_str(a, "month", "2026-01");
	fx_evid_num(a, "revenue", 60.0);
	fx_evid_num(a, "baseline_mean", 100.0);
	fx_evid_num(a, "drop", 0.4);   /* exactly 40% fires */
	ck_assert_int_eq(a->arpu_tier, 1); /* Nov..Jan: (100+100+60)/3 */
	ck_assert_int_eq(a->tenure_stage, 1); /* 123 days */
	/* Value at risk: 86.666 a month x 1.5 (medium) x 1 (stable). */
	ck_assert_int_eq(a->monthly_revenue, 86666);
	ck_assert_int_eq(a->priority, 129999);
	fx_advance(&fx, "2026-02-20T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_close(&fx);
}
END_TEST

START_TEST(arpu_39_percent_does_not_fire)
{
	struct fx fx;
	arpu_prepaid(&fx, "2025-10-01T00:00:00Z", "100", "61");
	fx_advance(&fx, "2026-02-28T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 0);
	fx_close(&fx);
}
END_TEST

START_TEST(arpu_min_baseline)
{
	struct fx fx;
	arpu_prepaid(&fx, "2025-10-01T00:00:00Z", "19.99", "1");
	fx_advance(&fx, "2026-02-28T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 0);
	fx_close(&fx);

	arpu_prepaid(&fx, "2025-10-01T00:00:00Z", "20", "1");
	fx_advance(&fx, "2026-02-01T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_evid_num(&fx.alerts[0], "baseline_mean", 20.0);
	fx_close(&fx);
}
END_TEST

/* Activated in November: the baseline Oct..Dec includes October as 0. */
START_TEST(arpu_months_before_activation_count_as_zero)
{
	struct fx fx;
	arpu_prepaid(&fx, "2025-11-01T00:00:00Z", "100", "45");
	fx_advance(&fx, "2026-02-01T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 0); /* 45 vs 66.67: a 32.5% drop */
	fx_close(&fx);

	arpu_prepaid(&fx, "2025-11-01T00:00:00Z", "100", "39");
	fx_advance(&fx, "2026-02-01T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_evid_num(&fx.alerts[0], "baseline_mean", 66.67);
	fx_evid_num(&fx.alerts[0], "revenue", 39.0);
	fx_evid_num(&fx.alerts[0], "drop", 0.415);
	fx_close(&fx);
}
END_TEST

static void invoice(struct fx *fx, const char *ts, const char *period,
		    const char *amount)
{
	fx_sendf(fx, "invoice", ts, ",\"period\":\"%s\",\"amount\":%s", period,
		 amount);
}

START_TEST(arpu_postpaid_closes_on_invoice)
{
	struct fx fx;
	fx_open(&fx, ARPU);
	fx_activate(&fx, "2025-10-01T00:00:00Z", "P88");
	invoice(&fx, "2025-11-03T00:00:00Z", "2025-10", "100");
	/* The invoice counts for its period, not the month of its ts. */
	ck_assert_int_eq(cw_state_month(fx.st, MONTH(2025, 10)), 100000);
	ck_assert_int_eq(cw_state_month(fx.st, MONTH(2025, 11)), 0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_REVENUE_MONTH, 1,
				       "2025-11-10T00:00:00Z"), 100.0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_REVENUE_MONTH, 0,
				       "2025-11-10T00:00:00Z"), 0.0);
	invoice(&fx, "2025-12-03T00:00:00Z", "2025-11", "100");
	fx_call(&fx, "2025-12-20T00:00:00Z", "out", "8613900000002", "0");
	invoice(&fx, "2026-01-03T00:00:00Z", "2025-12", "100");
	ck_assert_int_eq(fx_next_due(&fx), INT64_MAX); /* no month timer */
	fx_advance(&fx, "2026-02-02T23:59:59Z");
	ck_assert_uint_eq(fx.nalerts, 0);   /* not at month end */
	invoice(&fx, "2026-02-03T09:00:00Z", "2026-01", "60");
	ck_assert_uint_eq(fx.nalerts, 1);

	const struct cw_alert *a = &fx.alerts[0];
	fx_assert_id(a, FX_SUB, "arpu-drop", MONTH(2026, 1));
	ck_assert_int_eq(a->ts_ms, fx_ms("2026-02-03T09:00:00Z"));
	fx_evid_str(a, "month", "2026-01");
	fx_evid_num(a, "revenue", 60.0);
	fx_evid_num(a, "baseline_mean", 100.0);
	/* A re-sent invoice for the same period closes nothing again. */
	invoice(&fx, "2026-02-04T09:00:00Z", "2026-01", "0.01");
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_close(&fx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* offnet_forward                                                      */

static void forward_set(struct fx *fx, const char *ts, const char *to)
{
	fx_sendf(fx, "forward_set", ts, ",\"forward_to\":\"%s\"", to);
}

START_TEST(offnet_forward_set_competitor)
{
	struct fx fx;
	fx_open(&fx, OFFNET1);
	fx_activate(&fx, "2026-01-01T00:00:00Z", "P38");
	forward_set(&fx, "2026-01-05T08:00:00Z", "8613800000009"); /* own */
	forward_set(&fx, "2026-01-05T09:00:00Z", "4412345678");    /* unknown */
	ck_assert_uint_eq(fx.nalerts, 0);
	forward_set(&fx, "2026-01-05T10:00:00Z", "8618600000002");
	ck_assert_uint_eq(fx.nalerts, 1);

	const struct cw_alert *a = &fx.alerts[0];
	fx_assert_id(a, FX_SUB, "offnet-forward", day("2026-01-05T10:00:00Z"));
	ck_assert_int_eq(a->ts_ms, fx_ms("2026-01-05T10:00:00Z"));
	ck_assert_int_eq(a->rule->severity, CW_SEV_CRITICAL);
	fx_evid_str(a, "forwarded_to", "8618600000002");
	fx_evid_str(a, "operator", "unicom");
	ck_assert_int_eq(fx.st->flags & CW_ST_FORWARDING, CW_ST_FORWARDING);
	ck_assert_str_eq(fx.st->forward_to, "8618600000002");
	fx_close(&fx);
}
END_TEST

static void forwarded_call(struct fx *fx, const char *ts, const char *to)
{
	fx_sendf(fx, "voice", ts,
		 ",\"direction\":\"in\",\"peer\":\"8613900000007\","
		 "\"duration_s\":30,\"charge\":0,\"forwarded_to\":\"%s\"",
		 to);
}

START_TEST(offnet_forwarded_calls_min_calls_window)
{
	struct fx fx;
	fx_open(&fx, OFFNET3);
	fx_activate(&fx, "2025-12-01T00:00:00Z", "P38");
	forwarded_call(&fx, "2026-01-01T12:00:00Z", "8618600000002");
	forwarded_call(&fx, "2026-01-09T12:00:00Z", "8618600000002");
	forwarded_call(&fx, "2026-01-09T13:00:00Z", "8613800000009"); /* own */
	forwarded_call(&fx, "2026-01-10T12:00:00Z", "8615300000002");
	ck_assert_uint_eq(fx.nalerts, 0); /* 2 in Jan 4..10, 1 outside */
	forwarded_call(&fx, "2026-01-11T12:00:00Z", "8618600000002");
	ck_assert_uint_eq(fx.nalerts, 1);

	const struct cw_alert *a = &fx.alerts[0];
	fx_assert_id(a, FX_SUB, "offnet-forward", day("2026-01-11T12:00:00Z"));
	ck_assert_int_eq(a->ts_ms, fx_ms("2026-01-11T12:00:00Z"));
	fx_evid_str(a, "forwarded_to", "8618600000002");
	fx_evid_str(a, "operator", "unicom");
	fx_evid_int(a, "calls", 3);
	ck_assert_double_eq(fx_feature(&fx, CW_F_FORWARDED_OFFNET,
				       7 * CW_DAY_MS, "2026-01-11T12:00:00Z"),
			    3.0);
	fx_close(&fx);
}
END_TEST

START_TEST(offnet_longest_prefix_wins)
{
	static const char nets[] =
		"own: cmcc\n"
		"operators:\n"
		"  cmcc:   { prefixes: [\"86138\", \"8618699\"] }\n"
		"  unicom: { prefixes: [\"86186\"] }\n";
	struct fx fx;
	fx_open_with(&fx, OFFNET1, NULL, nets, NULL);
	fx_activate(&fx, "2026-01-01T00:00:00Z", "P38");
	forward_set(&fx, "2026-01-02T00:00:00Z", "8618699000001");
	ck_assert_uint_eq(fx.nalerts, 0);
	forward_set(&fx, "2026-01-03T00:00:00Z", "8618690000001");
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_evid_str(&fx.alerts[0], "operator", "unicom");
	fx_close(&fx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* plan_downgrade                                                      */

static size_t plan_change(const char *from, const char *to)
{
	struct fx fx;
	fx_open(&fx, DOWNGRADE);
	fx_activate(&fx, "2026-01-01T00:00:00Z", from);
	fx_sendf(&fx, "plan_change", "2026-01-10T10:00:00Z",
		 ",\"plan_from\":\"%s\",\"plan_to\":\"%s\"", from, to);
	size_t n = fx.nalerts;
	ck_assert_str_eq(fx.st->plan, to);
	fx_close(&fx);
	return n;
}

START_TEST(plan_downgrade_fires_with_fees)
{
	struct fx fx;
	fx_open(&fx, DOWNGRADE);
	fx_activate(&fx, "2026-01-01T00:00:00Z", "P88");
	fx_sendf(&fx, "plan_change", "2026-01-10T10:00:00Z",
		 ",\"plan_from\":\"P88\",\"plan_to\":\"P18\"");
	ck_assert_uint_eq(fx.nalerts, 1);

	const struct cw_alert *a = &fx.alerts[0];
	int64_t ts = fx_ms("2026-01-10T10:00:00Z");
	fx_assert_id(a, FX_SUB, "plan-downgrade", ts);
	ck_assert_int_eq(a->ts_ms, ts);
	fx_evid_str(a, "plan_from", "P88");
	fx_evid_str(a, "plan_to", "P18");
	fx_evid_num(a, "fee_from", 88.0);
	fx_evid_num(a, "fee_to", 18.0);
	fx_close(&fx);
}
END_TEST

START_TEST(plan_downgrade_boundaries)
{
	ck_assert_uint_eq(plan_change("P38", "P28"), 0);  /* 26% */
	ck_assert_uint_eq(plan_change("P18", "P88"), 0);  /* upgrade */
	ck_assert_uint_eq(plan_change("P88", "P88"), 0);
	ck_assert_uint_eq(plan_change("P99", "P18"), 0);  /* unknown from */
	ck_assert_uint_eq(plan_change("P88", "P99"), 0);  /* unknown to */
	ck_assert_uint_eq(plan_change("P100", "P70"), 1); /* exactly 30% */
	ck_assert_uint_eq(plan_change("P100", "P71"), 0); /* 29% */
}
END_TEST

/* ------------------------------------------------------------------ */
/* where:, when:, cooldown, rule marks                                 */

/* ------------------------------------------------------------------ */
/* the account: suspension, overdue, commitment, deactivation          */
/* ------------------------------------------------------------------ */

static const char ACCOUNT_RULES[] =
	"rules:\n"
	"  - name: unresumed\n"
	"    when: \"suspended and days_suspended >= 3\"\n"
	"    cooldown: 30d\n"
	"  - name: overdue\n"
	"    when: \"days_overdue >= 2 or late_payments(30d) >= 5\"\n"
	"    cooldown: 30d\n"
	"  - name: renew\n"
	"    detect: commitment_end\n"
	"    params: {before: 10d}\n"
	"  - name: quiet\n"
	"    detect: silence\n"
	"    params: {for: 40d}\n"
	"    cooldown: 40d\n";

/* Deadline timers only (no daily ticks of when: rules). */
static const char COMMIT_RULES[] =
	"rules:\n"
	"  - name: renew\n"
	"    detect: commitment_end\n"
	"    params: {before: 10d}\n"
	"  - name: quiet\n"
	"    detect: silence\n"
	"    params: {for: 40d}\n"
	"    cooldown: 40d\n";

/* Encode and decode the state, as a batch boundary (or a restart) does. */
static void account_roundtrip(struct fx *fx)
{
	static uint8_t buf[CW_STATE_BLOB_MAX];
	int n = fx_blob(fx, buf, sizeof(buf));

	ck_assert_int_eq(cw_state_decode(fx->st, &fx->eng.profile, buf, (size_t)n), 0);
}

START_TEST(account_suspension_durations)
{
	struct fx fx;
	fx_open(&fx, ACCOUNT_RULES);
	fx_activate(&fx, "2026-01-01T00:00:00Z", "P38");
	fx_sendf(&fx, "suspend", "2026-01-10T12:00:00Z", ",\"reason\":\"arrears\"");
	ck_assert_double_eq(fx_feature(&fx, CW_F_SUSPENDED, 0, "2026-01-11T00:00:00Z"), 1);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_SUSPENDED, 0, "2026-01-12T11:59:59Z"), 1);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_SUSPENDED, 0, "2026-01-12T12:00:00Z"), 2);
	ck_assert_double_eq(fx_feature(&fx, CW_F_SUSPENSION_REASON, 0, "2026-01-12T00:00:00Z"),
			    CW_SUSPEND_ARREARS);
	/* a second suspend while suspended: same start, new reason */
	fx_sendf(&fx, "suspend", "2026-01-11T12:00:00Z", ",\"reason\":\"fraud\"");
	account_roundtrip(&fx);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_SUSPENDED, 0, "2026-01-12T12:00:00Z"), 2);
	ck_assert_double_eq(fx_feature(&fx, CW_F_SUSPENSION_REASON, 0, "2026-01-12T12:00:00Z"),
			    CW_SUSPEND_FRAUD);
	fx_sendf(&fx, "resume", "2026-01-12T13:00:00Z", "%s", "");
	ck_assert_double_eq(fx_feature(&fx, CW_F_SUSPENDED, 0, "2026-01-20T00:00:00Z"), 0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_SUSPENDED, 0, "2026-01-20T00:00:00Z"), 0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_SUSPENSION_REASON, 0, "2026-01-20T00:00:00Z"), 0);
	fx_advance(&fx, "2026-01-20T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 0); /* resumed after 2 days */
	/* re-suspended: counted from the new start */
	fx_sendf(&fx, "suspend", "2026-02-01T06:00:00Z", ",\"reason\":\"request\"");
	account_roundtrip(&fx);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_SUSPENDED, 0, "2026-02-05T06:00:00Z"), 4);
	fx_advance(&fx, "2026-02-05T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	ck_assert_str_eq(fx.alerts[0].rule->name, "unresumed");
	ck_assert_int_eq(fx.alerts[0].ts_ms, fx_ms("2026-02-05T00:00:00Z")); /* 3.75 days */
	fx_close(&fx);
}
END_TEST

START_TEST(account_overdue_with_partial_payments)
{
	struct fx fx;
	fx_open(&fx, ACCOUNT_RULES);
	fx_activate(&fx, "2026-01-01T00:00:00Z", "P38");
	/* A: 100 due Feb 10; B: 60 due Feb 25 (default terms: 20 days) */
	fx_sendf(&fx, "invoice", "2026-02-01T00:00:00Z",
		 ",\"period\":\"2026-01\",\"amount\":100,\"due\":\"2026-02-10\"");
	fx_sendf(&fx, "invoice", "2026-02-05T00:00:00Z", ",\"period\":\"2026-02\",\"amount\":60");
	ck_assert_double_eq_tol(fx_feature(&fx, CW_F_UNPAID_AMOUNT, 0, "2026-02-06T00:00:00Z"), 160, 1e-9);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_OVERDUE, 0, "2026-02-09T00:00:00Z"), 0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_OVERDUE, 0, "2026-02-13T00:00:00Z"), 3);
	ck_assert_uint_eq(fx.nalerts, 0);
	/* 30.5 pays part of A, late: still overdue, and judged at the event */
	fx_sendf(&fx, "payment", "2026-02-13T10:00:00Z", ",\"amount\":30.5");
	account_roundtrip(&fx);
	ck_assert_double_eq_tol(fx_feature(&fx, CW_F_UNPAID_AMOUNT, 0, "2026-02-14T00:00:00Z"), 129.5, 1e-9);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_OVERDUE, 0, "2026-02-14T00:00:00Z"), 4);
	ck_assert_double_eq(fx_feature(&fx, CW_F_LATE_PAYMENTS, 30 * CW_DAY_MS, "2026-02-14T00:00:00Z"), 1);
	ck_assert_uint_eq(fx.nalerts, 1);
	ck_assert_str_eq(fx.alerts[0].rule->name, "overdue");
	ck_assert_int_eq(fx.alerts[0].ts_ms, fx_ms("2026-02-13T10:00:00Z"));
	fx_evid_int(&fx.alerts[0], "days_overdue", 3);
	/* 80 settles A (69.5, late) and 10.5 of B: nothing overdue */
	fx_sendf(&fx, "payment", "2026-02-15T10:00:00Z", ",\"amount\":80");
	ck_assert_double_eq_tol(fx_feature(&fx, CW_F_UNPAID_AMOUNT, 0, "2026-02-16T00:00:00Z"), 49.5, 1e-9);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_OVERDUE, 0, "2026-02-16T00:00:00Z"), 0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_OVERDUE, 0, "2026-02-28T00:00:00Z"), 3);
	ck_assert_double_eq(fx_feature(&fx, CW_F_LATE_PAYMENTS, 30 * CW_DAY_MS, "2026-02-16T00:00:00Z"), 2);
	/* 70 settles B (late) and leaves 20.5 of credit ... */
	fx_sendf(&fx, "payment", "2026-03-01T10:00:00Z", ",\"amount\":70");
	ck_assert_double_eq(fx_feature(&fx, CW_F_UNPAID_AMOUNT, 0, "2026-03-02T00:00:00Z"), 0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_LATE_PAYMENTS, 30 * CW_DAY_MS, "2026-03-02T00:00:00Z"), 3);
	ck_assert_int_eq(fx.st->acct.credit, 20500);
	/* ... which the next invoice takes first */
	fx_sendf(&fx, "invoice", "2026-03-05T00:00:00Z", ",\"period\":\"2026-03\",\"amount\":25");
	account_roundtrip(&fx);
	ck_assert_double_eq_tol(fx_feature(&fx, CW_F_UNPAID_AMOUNT, 0, "2026-03-06T00:00:00Z"), 4.5, 1e-9);
	ck_assert_int_eq(fx.st->acct.credit, 0);
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_close(&fx);
}
END_TEST

/* The commitment deadline is the same whether the state went through
 * Redis between the events (a restart), and replays give the same id. */
START_TEST(account_commitment_deadline_across_restarts)
{
	char id[2][CW_ALERT_ID_LEN + 1];

	for (int run = 0; run < 2; run++) {
		struct fx fx;
		fx_open(&fx, COMMIT_RULES);
		fx_sendf(&fx, "activate", "2026-01-01T00:00:00Z",
			 ",\"plan\":\"P38\",\"commitment_end\":\"2026-03-01\"");
		if (run)
			account_roundtrip(&fx);
		/* quiet's deadline (40d after the activate) comes first */
		ck_assert_int_eq(fx_next_due(&fx), fx_ms("2026-02-10T00:00:00Z"));
		ck_assert_double_eq(fx_feature(&fx, CW_F_IN_COMMITMENT, 0, "2026-02-28T23:59:59Z"), 1);
		ck_assert_double_eq(fx_feature(&fx, CW_F_IN_COMMITMENT, 0, "2026-03-01T00:00:00Z"), 0);
		ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_TO_COMMITMENT_END, 0, "2026-02-18T12:00:00Z"), 10);
		ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_TO_COMMITMENT_END, 0, "2026-03-02T00:00:00Z"), -1);
		fx_data(&fx, "2026-02-05T10:00:00Z", "1");
		if (run)
			account_roundtrip(&fx);
		/* 10 days before Mar 1 */
		ck_assert_int_eq(fx_next_due(&fx), fx_ms("2026-02-19T00:00:00Z"));
		fx_advance(&fx, "2026-02-18T23:59:59Z");
		ck_assert_uint_eq(fx.nalerts, 0);
		if (run)
			account_roundtrip(&fx);
		fx_advance(&fx, "2026-02-20T00:00:00Z");
		ck_assert_uint_eq(fx.nalerts, 1);
		ck_assert_str_eq(fx.alerts[0].rule->name, "renew");
		ck_assert_int_eq(fx.alerts[0].ts_ms, fx_ms("2026-02-19T00:00:00Z"));
		fx_assert_id(&fx.alerts[0], FX_SUB, "renew", fx_ms("2026-03-01T00:00:00Z"));
		fx_evid_int(&fx.alerts[0], "days_left", 10);
		memcpy(id[run], fx.alerts[0].alert_id, sizeof(id[run]));
		ck_assert_int_eq(fx_next_due(&fx), fx_ms("2026-03-17T10:00:00Z"));
		/* judged: replaying the alert's window gives nothing new */
		/* the same commitment announced again: already judged */
		fx_sendf(&fx, "plan_change", "2026-02-21T00:00:00Z",
			 ",\"plan_from\":\"P38\",\"plan_to\":\"P38\","
			 "\"commitment_end\":\"2026-03-01\"");
		fx_advance(&fx, "2026-04-01T00:00:00Z");
		ck_assert_uint_eq(fx.nalerts, 2); /* quiet: 40 days after Feb 5 */
		ck_assert_str_eq(fx.alerts[1].rule->name, "quiet");
		fx_close(&fx);
	}
	ck_assert_str_eq(id[0], id[1]);
}
END_TEST

START_TEST(account_deactivate_closes_and_reactivate_starts_fresh)
{
	struct fx fx;
	fx_open(&fx, ACCOUNT_RULES);
	fx_activate(&fx, "2026-01-01T00:00:00Z", "P38");
	fx_sendf(&fx, "suspend", "2026-01-05T00:00:00Z", ",\"reason\":\"arrears\"");
	fx_sendf(&fx, "deactivate", "2026-01-06T00:00:00Z", ",\"reason\":\"ported to unicom\"");
	account_roundtrip(&fx);
	ck_assert(fx.st->flags & CW_ST_DEACTIVATED);
	ck_assert_str_eq(fx.st->acct.deactivate_reason, "ported to unicom");
	ck_assert_int_eq(fx_next_due(&fx), INT64_MAX); /* timers cancelled */
	ck_assert_int_eq(fx_send(&fx, "payment", "2026-01-07T00:00:00Z", ",\"amount\":5"),
			 CW_APPLY_CLOSED);
	fx_advance(&fx, "2026-06-01T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 0); /* neither unresumed nor quiet */
	/* the number is recycled: a new subscriber */
	fx_activate(&fx, "2026-06-10T00:00:00Z", "P18");
	ck_assert(!(fx.st->flags & CW_ST_DEACTIVATED));
	ck_assert(!(fx.st->flags & CW_ST_SUSPENDED));
	ck_assert_int_eq(fx.st->acct.deactivated_ms, 0);
	ck_assert_int_eq(fx.st->activate_ms, fx_ms("2026-06-10T00:00:00Z"));
	ck_assert_str_eq(fx.st->plan, "P18");
	ck_assert_double_eq(fx_feature(&fx, CW_F_SUSPENSIONS, 30 * CW_DAY_MS, "2026-06-11T00:00:00Z"), 0);
	ck_assert_int_eq(fx_next_due(&fx), fx_ms("2026-06-11T00:00:00Z")); /* ticking again */
	fx_advance(&fx, "2026-07-21T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	ck_assert_str_eq(fx.alerts[0].rule->name, "quiet");
	fx_close(&fx);
}
END_TEST

/* churnctl inspect's view of a hand-built state: every part an agent
 * needs, with the numbers the rules would read. */
/* The handset from the CDRs' imei: its age in days (handset_days, the
 * score's handset_days entry), a change, a late CDR of the old handset,
 * an earlier CDR of the current one; kept across encode/decode. */
START_TEST(handset_days_from_cdr_imei)
{
	struct fx fx;
	float v[CW_FV__COUNT];

	fx_open(&fx, "rules:\n  - name: s\n    detect: silence\n    params: {for: 30d}\n");
	fx_call(&fx, "2026-01-02T10:00:00Z", "out", "8613900000002", "1");
	ck_assert_double_eq(fx_feature(&fx, CW_F_HANDSET_DAYS, 0, "2026-01-10T00:00:00Z"), -1);
	cw_features_compute(&fx.eng, fx.st, fx_ms("2026-01-10T00:00:00Z"), v);
	ck_assert(isnan(v[CW_FV_HANDSET_DAYS]));
	fx_sendf(&fx, "data", "2026-01-05T10:00:00Z",
		 ",\"bytes\":10,\"charge\":0,\"imei\":\"356938035643809\"");
	ck_assert_double_eq(fx_feature(&fx, CW_F_HANDSET_DAYS, 0, "2026-01-15T09:00:00Z"), 9);
	account_roundtrip(&fx);
	ck_assert_double_eq(fx_feature(&fx, CW_F_HANDSET_DAYS, 0, "2026-01-15T09:00:00Z"), 9);
	/* A new handset on Feb 1; a late CDR of the old one changes nothing. */
	fx_sendf(&fx, "sms", "2026-02-01T10:00:00Z",
		 ",\"direction\":\"out\",\"peer\":\"8613900000002\",\"charge\":0,"
		 "\"imei\":\"3569380356438101\"");
	fx_sendf(&fx, "data", "2026-01-31T10:00:00Z",
		 ",\"bytes\":10,\"charge\":0,\"imei\":\"356938035643809\"");
	ck_assert_double_eq(fx_feature(&fx, CW_F_HANDSET_DAYS, 0, "2026-02-11T10:00:00Z"), 10);
	/* An earlier CDR of the new handset moves its start back. */
	fx_sendf(&fx, "data", "2026-01-30T10:00:00Z",
		 ",\"bytes\":10,\"charge\":0,\"imei\":\"3569380356438101\"");
	account_roundtrip(&fx);
	cw_features_compute(&fx.eng, fx.st, fx_ms("2026-02-11T10:00:00Z"), v);
	ck_assert_float_eq(v[CW_FV_HANDSET_DAYS], 12);
	fx_close(&fx);
}
END_TEST

START_TEST(inspect_hand_built_state)
{
	struct fx fx;
	fx_open(&fx, "rules:\n"
		     "  - name: quiet\n    detect: silence\n    params: {for: 30d}\n"
		     "    cooldown: 45d\n"
		     "  - name: busy\n    when: \"calls_out(30d) >= 2 and distinct_peers(30d) >= 1"
		     " and offnet_share(30d) >= 0 and revenue(30d) >= 0\"\n"
		     "    cooldown: 10d\n");
	fx_sendf(&fx, "activate", "2026-01-01T00:00:00Z",
		 ",\"plan\":\"P38\",\"commitment_end\":\"2026-12-31\",\"region\":\"county-7\"");
	fx_call(&fx, "2026-03-01T10:00:00Z", "out", "8613012345678", "2.5");
	fx_call(&fx, "2026-03-02T10:00:00Z", "out", "8613912345678", "1.25");
	fx_sendf(&fx, "invoice", "2026-03-03T00:00:00Z",
		 ",\"period\":\"2026-02\",\"amount\":58.5,\"due\":\"2026-03-05\"");
	fx_sendf(&fx, "suspend", "2026-03-08T00:00:00Z", ",\"reason\":\"arrears\"");
	fx_sendf(&fx, "forward_set", "2026-03-09T00:00:00Z", ",\"forward_to\":\"8618612345678\"");
	/* quiet: the 59-day gap before the first call (its deadline Jan 31);
	 * busy: at the second call */
	ck_assert_uint_eq(fx.nalerts, 2);
	struct cw_inspect in = {&fx.eng, fx.st, FX_SUB, fx_ms("2026-03-10T00:00:00Z"),
				fx_ms("2026-03-31T10:00:00Z")};
	char *t = cw_inspect_render(&in, 0);
	ck_assert_ptr_nonnull(t);
	const char *want[] = {
		"subscriber 8613800000001 (as of 2026-03-10T00:00:00.000Z)\n",
		"  status        suspended since 2026-03-08T00:00:00.000Z (arrears, 2 days)\n",
		"  plan          P38 (fee 38.00)\n  region        county-7\n",
		"  tenure        68 days since 2026-01-01T00:00:00.000Z (new), ARPU tier low\n",
		"  last outgoing 2026-03-02T10:00:00.000Z (7 days silent)\n",
		"  revenue       2026-03 3.75  2026-02 58.50  2026-01 0.00  2025-12 0.00\n",
		"    calls out                     0            2   (not kept)\n",
		"    distinct contacts             0            2   (not kept)\n",
		"    off-net share             0.000        0.500   (not kept)\n",
		"    revenue                    0.00        62.25   (not kept)\n",
		"  forwarding    on -> 8618612345678\n",
		"  billing       postpaid, unpaid 58.50, 5 days overdue, credit 0.00\n",
		"  commitment    ends 2026-12-31T00:00:00.000Z (296 days)\n",
		"                quiet                      2026-01-31T00:00:00.000Z   2026-03-17T00:00:00.000Z\n",
		"                busy                       2026-03-02T10:00:00.000Z   2026-03-12T10:00:00.000Z\n",
		"  next timer    2026-03-31T10:00:00.000Z\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(t, want[i]), "missing:\n%s\nin:\n%s", want[i], t);
	free(t);
	t = cw_inspect_render(&in, 1);
	ck_assert_ptr_nonnull(t);
	ck_assert_msg(strstr(t, "\"unpaid_amount\":58.50,"), "%s", t);
	ck_assert_msg(strstr(t, "\"region\":\"county-7\""), "%s", t);
	ck_assert_msg(strstr(t, "\"suspension_reason\":\"arrears\""), "%s", t);
	ck_assert_msg(strstr(t, "\"offnet_share\":{\n      \"7d\":0.000,\n      \"30d\":0.500,\n"
				"      \"90d\":null"), "%s", t);
	ck_assert_msg(strstr(t, "\"cooldown_until\":\"2026-03-12T10:00:00.000Z\""), "%s", t);
	free(t);
	fx_close(&fx);
}
END_TEST

/* Golden: numbers in an alert as people and CRMs expect them. */
/* priority = monthly revenue x severity weight x tenure weight, in
 * money units, rounded half away from zero; the weights are the
 * configuration's (priority.*). */
START_TEST(priority_value_at_risk)
{
	struct fx fx;

	fx_open(&fx, ARPU);
	/* defaults: critical 3, mature 1.5 */
	ck_assert_int_eq(cw_engine_priority(&fx.eng, 100001, CW_SEV_CRITICAL, 2), 450005);
	ck_assert_int_eq(cw_engine_priority(&fx.eng, -100001, CW_SEV_CRITICAL, 2), -450005);
	ck_assert_int_eq(cw_engine_priority(&fx.eng, 80000, CW_SEV_INFO, 0), 20000);
	ck_assert_int_eq(cw_engine_priority(&fx.eng, 80000, CW_SEV_HIGH, 1), 160000);
	/* a higher-value line outranks a more severe rule on a small one */
	ck_assert_int_gt(cw_engine_priority(&fx.eng, 150000, CW_SEV_MEDIUM, 1),
			 cw_engine_priority(&fx.eng, 40000, CW_SEV_CRITICAL, 1));
	fx.eng.conf.prio_severity[CW_SEV_CRITICAL] = 10000;
	fx.eng.conf.prio_tenure[2] = 1000;
	ck_assert_int_eq(cw_engine_priority(&fx.eng, 12345, CW_SEV_CRITICAL, 2), 123450);
	fx.eng.conf.prio_tenure[2] = 0;
	ck_assert_int_eq(cw_engine_priority(&fx.eng, 12345, CW_SEV_CRITICAL, 2), 0);
	fx_close(&fx);
}
END_TEST

/*
 * The contact budget (routing.yaml): the first alert opens a task; one
 * within task_open attaches to it (and lifts its priority); after that a
 * new one opens, until `contacts` were opened within `window`; the state
 * keeps it across encode/decode; a flood-guarded alert opens nothing.
 */
START_TEST(contact_budget_one_open_task)
{
	static const char routing[] =
		"queues: {q: {capacity: 10}}\ndefault: q\n"
		"budget: {task_open: 7d, contacts: 2, window: 30d}\n";
	static const struct {
		const char *ts, *to;
		enum cw_task_kind want;
		int opener;           /* index of the alert that opened its task */
	} steps[] = {
		{"2026-01-10T10:00:00Z", "P18", CW_TASK_NEW, 0},
		{"2026-01-12T10:00:00Z", "P18", CW_TASK_ATTACHED, 0},
		{"2026-01-17T09:59:59Z", "P18", CW_TASK_ATTACHED, 0},
		{"2026-01-17T10:00:01Z", "P18", CW_TASK_NEW, 3},
		{"2026-01-30T10:00:00Z", "P18", CW_TASK_OVER_BUDGET, -1},
		{"2026-02-09T10:00:01Z", "P18", CW_TASK_NEW, 5},
	};
	struct cw_routing *r = NULL;
	char err[512];
	struct fx fx;

	ck_assert_msg(cw_routing_load_buf(routing, strlen(routing), "routing.yaml", &r,
					  err, sizeof(err)) == 0, "%s", err);
	fx_open(&fx, DOWNGRADE);
	fx.eng.routing = r;
	fx_activate(&fx, "2026-01-01T00:00:00Z", "P88");
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		/* back up and down again: each downgrade fires */
		char up[40];
		cw_time_format_rfc3339(fx_ms(steps[i].ts) - 1000, up, sizeof(up));
		fx_sendf(&fx, "plan_change", up, ",\"plan_from\":\"P18\",\"plan_to\":\"P88\"");
		fx_sendf(&fx, "plan_change", steps[i].ts,
			 ",\"plan_from\":\"P88\",\"plan_to\":\"P18\"");
		ck_assert_uint_eq(fx.nalerts, i + 1);
		const struct cw_alert *a = &fx.alerts[i];
		ck_assert_msg(a->task == steps[i].want, "step %zu: task %d, want %d", i,
			      a->task, steps[i].want);
		if (steps[i].opener >= 0)
			ck_assert_str_eq(a->task_id, fx.alerts[steps[i].opener].alert_id);
		else
			ck_assert_str_eq(a->task_id, "");
		ck_assert_str_eq(a->queue, "q");
		/* the state survives the store between events */
		uint8_t blob[CW_STATE_BLOB_MAX];
		int n = fx_blob(&fx, blob, sizeof(blob));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(cw_state_decode(fx.st, &fx.eng.profile, blob, (size_t)n), 0);
	}
	ck_assert_str_eq(fx.st->acct.task_id, fx.alerts[5].alert_id);
	ck_assert_uint_eq(fx.st->acct.ncontacts, 2); /* Jan 17 and Feb 9 */
	char *json = cw_alert_to_json(&fx.alerts[1], "v");
	ck_assert_msg(strstr(json, "\"queue\":\"q\",\"task\":\"attached\",\"task_id\":\""),
		      "%s", json);
	free(json);
	json = cw_alert_to_json(&fx.alerts[4], "v");
	ck_assert_msg(strstr(json, "\"task\":\"over_budget\"") && !strstr(json, "task_id"),
		      "%s", json);
	free(json);
	fx_close(&fx);
	cw_routing_free(r);
}
END_TEST

START_TEST(alert_json_number_golden)
{
	struct cw_ruleset *rs;
	struct cw_alert a;
	char *json;

	fx_load_rules(&rs, "rules:\n  - {name: n, detect: plan_downgrade, action: \"a \\\"b\\\"\"}\n");
	memset(&a, 0, sizeof(a));
	a.rule = &rs->rules[0];
	snprintf(a.alert_id, sizeof(a.alert_id), "%s", "0123456789abcdef0123456789abcdef");
	snprintf(a.subscriber, sizeof(a.subscriber), "%s", FX_SUB);
	a.ts_ms = fx_ms("2026-04-01T00:00:00Z");
	a.monthly_revenue = 86400;
	a.priority = 129600;
	static const struct {
		const char *key;
		double v;
		int decimals;
	} nums[] = {
		{"money", 90.72, 2},            /* 90.719999999999999 in %.17g */
		{"ratio", 0.66700000000000004, 3},
		{"zero", -0.001, 2},
		{"plain", 0.1, 0},
		{"whole", 3.0, 0},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		struct cw_evidence *ev = &a.evidence[a.nevidence++];
		ev->kind = CW_EVID_NUM;
		ev->num = nums[i].v;
		ev->decimals = nums[i].decimals;
		snprintf(ev->key, sizeof(ev->key), "%s", nums[i].key);
	}
	a.evidence[a.nevidence].kind = CW_EVID_INT;
	a.evidence[a.nevidence].i = 12;
	snprintf(a.evidence[a.nevidence++].key, CW_EVIDENCE_KEY_MAX, "%s", "count");
	json = cw_alert_to_json(&a, "v");
	ck_assert_str_eq(json,
		"{\"alert_id\":\"0123456789abcdef0123456789abcdef\",\"rule\":\"n\","
		"\"severity\":\"medium\",\"subscriber\":\"8613800000001\","
		"\"ts\":\"2026-04-01T00:00:00.000Z\",\"evidence\":{\"money\":90.72,"
		"\"ratio\":0.667,\"zero\":0,\"plain\":0.1,\"whole\":3.0,\"count\":12},"
		"\"segment\":{\"arpu_tier\":\"low\",\"tenure_stage\":\"new\","
		"\"monthly_revenue\":86.4},\"priority\":129.6,"
		"\"action\":\"a \\\"b\\\"\",\"rules_version\":\"v\"}");
	free(json);
	cw_ruleset_free(rs);
}
END_TEST

/* The alert as the retention team gets it: rule labels and description,
 * evidence named after the expression's features, money to the cent and
 * shares to 3 decimals, never %.17g noise. */
START_TEST(alert_json_labels_and_numbers)
{
	struct fx fx;
	fx_open(&fx, "rules:\n"
		     "  - name: spend\n"
		     "    when: \"revenue(30d) > 50 and offnet_share(30d) >= 0 and tenure > 1d\"\n"
		     "    cooldown: 7d\n"
		     "    description: \"spend above 50\"\n"
		     "    labels: {category: price, team: care}\n");
	fx_activate(&fx, "2025-10-01T00:00:00Z", "P38");
	fx_data(&fx, "2025-10-10T12:00:00Z", "60.01");
	fx_data(&fx, "2025-10-10T12:00:01Z", "0.71");
	ck_assert_uint_ge(fx.nalerts, 1);
	char *json = cw_alert_to_json(&fx.alerts[fx.nalerts - 1], "v1");
	ck_assert_ptr_nonnull(json);
	ck_assert_msg(strstr(json, "\"evidence\":{\"revenue(30d)\":60.01,"
				   "\"offnet_share(30d)\":0,\"tenure\":\"9d\"}"),
		      "%s", json);
	ck_assert_msg(strstr(json, "\"description\":\"spend above 50\""), "%s", json);
	ck_assert_msg(strstr(json, "\"labels\":{\"category\":\"price\",\"team\":\"care\"}"),
		      "%s", json);
	free(json);
	fx_close(&fx);
}
END_TEST

START_TEST(expr_where_scope_and_daily_tick)
{
	struct fx fx;
	fx_open(&fx, BILL_SHOCK);
	fx_activate(&fx, "2025-10-01T00:00:00Z", "P38");
	fx_advance(&fx, "2025-12-15T12:00:00Z");
	fx_data(&fx, "2025-12-15T12:00:00Z", "60"); /* tenure 75d: out of scope */
	ck_assert_uint_eq(fx.nalerts, 0);
	ck_assert_int_eq(fx_next_due(&fx), fx_ms("2025-12-16T00:00:00Z"));
	fx_advance(&fx, "2025-12-30T00:00:00Z"); /* tenure == 90d, not > */
	ck_assert_uint_eq(fx.nalerts, 0);
	fx_advance(&fx, "2025-12-31T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);

	const struct cw_alert *a = &fx.alerts[0];
	fx_assert_id(a, FX_SUB, "bill-shock", day("2025-12-31T00:00:00Z"));
	ck_assert_int_eq(a->ts_ms, fx_ms("2025-12-31T00:00:00Z"));
	/* evidence: the features the expression references, nothing else */
	fx_evid_num(a, "revenue(30d)", 60.0);
	ck_assert_uint_eq(a->nevidence, 1);
	ck_assert_int_eq(a->evidence[0].decimals, 2); /* money: cents */

	/* Cooldown 7d: an event on Jan 3 re-evaluates, but is suppressed. */
	fx_data(&fx, "2026-01-03T12:00:00Z", "0.01");
	fx_advance(&fx, "2026-01-06T23:59:59Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_advance(&fx, "2026-01-07T00:00:00Z"); /* Dec 31 + 7d */
	ck_assert_uint_eq(fx.nalerts, 2);
	ck_assert_int_eq(fx.alerts[1].ts_ms, fx_ms("2026-01-07T00:00:00Z"));
	fx_evid_num(&fx.alerts[1], "revenue(30d)", 60.01);
	fx_close(&fx);
}
END_TEST

START_TEST(expr_fires_on_event_window_day)
{
	struct fx fx;
	fx_open(&fx, BILL_SHOCK);
	fx_activate(&fx, "2025-01-01T00:00:00Z", "P38");
	fx_data(&fx, "2026-01-05T12:00:00Z", "30");
	fx_data(&fx, "2026-01-05T13:00:00Z", "20");
	ck_assert_uint_eq(fx.nalerts, 0); /* 50 is not > 50 */
	fx_data(&fx, "2026-01-05T14:00:00Z", "0.01");
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_assert_id(&fx.alerts[0], FX_SUB, "bill-shock",
		     day("2026-01-05T14:00:00Z"));
	ck_assert_int_eq(fx.alerts[0].ts_ms, fx_ms("2026-01-05T14:00:00Z"));
	ck_assert_int_eq(fx.alerts[0].tenure_stage, 2); /* mature */
	fx_close(&fx);
}
END_TEST

static const char TWO_RULES[] = "rules:\n"
				"  - name: silence-7d\n"
				"    detect: silence\n"
				"    params: { for: 7d }\n"
				"  - name: bill-shock\n"
				"    when: \"revenue(30d) > 50\"\n"
				"    cooldown: 30d\n";
static const char TWO_RULES_REVERSED[] = "rules:\n"
					 "  - name: bill-shock\n"
					 "    when: \"revenue(30d) > 50\"\n"
					 "    cooldown: 30d\n"
					 "  - name: silence-7d\n"
					 "    detect: silence\n"
					 "    params: { for: 7d }\n";

START_TEST(marks_survive_rule_reordering)
{
	struct fx fx;
	struct cw_ruleset *rev;
	struct cw_engine e2;
	struct cw_engine_conf conf;

	fx_open(&fx, TWO_RULES);
	fx_activate(&fx, "2026-01-01T00:00:00Z", "P38");
	fx_data(&fx, "2026-01-02T10:00:00Z", "60");
	fx_advance(&fx, "2026-01-09T10:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 2); /* bill-shock Jan 2, silence Jan 9 */
	ck_assert_str_eq(fx.alerts[0].rule->name, "bill-shock");
	ck_assert_str_eq(fx.alerts[1].rule->name, "silence-7d");

	fx_load_rules(&rev, TWO_RULES_REVERSED);
	cw_engine_conf_default(&conf);
	cw_engine_init(&e2, rev, fx.plans, fx.nets, &conf);
	ck_assert_int_eq(e2.rule_hash[1], fx.eng.rule_hash[0]);
	fx.eng = e2;
	fx_advance(&fx, "2026-01-09T10:00:00Z");
	fx_sms(&fx, "2026-01-09T11:00:00Z", "in", "8613900000002");
	ck_assert_uint_eq(fx.nalerts, 2);
	fx_data(&fx, "2026-01-09T11:00:00Z", "0"); /* breaks the silence */
	fx_advance(&fx, "2026-01-16T11:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 3);       /* the next deadline only */
	ck_assert_str_eq(fx.alerts[2].rule->name, "silence-7d");
	ck_assert_int_eq(fx.alerts[2].ts_ms, fx_ms("2026-01-16T11:00:00Z"));
	cw_ruleset_free(rev);
	fx_close(&fx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* duplicates                                                          */

static const char DUP_A[] =
	"{\"event_id\":\"dup-1\",\"type\":\"voice\",\"subscriber\":\"" FX_SUB
	"\",\"ts\":\"2026-01-05T10:00:00Z\",\"direction\":\"out\","
	"\"peer\":\"8618600000002\",\"duration_s\":60,\"charge\":2}";
static const char DUP_B[] =
	"{\"event_id\":\"dup-1\",\"type\":\"voice\",\"subscriber\":\"" FX_SUB
	"\",\"ts\":\"2026-01-07T10:00:00Z\",\"direction\":\"out\","
	"\"peer\":\"8618600000002\",\"duration_s\":60,\"charge\":2}";
static const char DUP_C[] =
	"{\"event_id\":\"dup-1\",\"type\":\"voice\",\"subscriber\":\"" FX_SUB
	"\",\"ts\":\"2026-01-07T10:00:00.001Z\",\"direction\":\"out\","
	"\"peer\":\"8618600000002\",\"duration_s\":60,\"charge\":2}";

START_TEST(duplicates_change_nothing_within_48h)
{
	struct fx fx;
	uint8_t b1[4096], b2[4096];

	fx_open(&fx, BILL_SHOCK);
	fx_activate(&fx, "2026-01-01T00:00:00Z", "P38");
	ck_assert_int_eq(fx_ev(&fx, DUP_A), CW_APPLY_OK);
	int n1 = fx_blob(&fx, b1, sizeof(b1));
	ck_assert_int_eq(fx_ev(&fx, DUP_A), CW_APPLY_DUPLICATE);
	ck_assert_int_eq(fx_ev(&fx, DUP_B), CW_APPLY_DUPLICATE); /* +48h */
	int n2 = fx_blob(&fx, b2, sizeof(b2));
	ck_assert_int_eq(n1, n2);
	ck_assert_mem_eq(b1, b2, (size_t)n1);
	ck_assert_double_eq(fx_feature(&fx, CW_F_REVENUE, 30 * CW_DAY_MS,
				       "2026-01-08T00:00:00Z"), 2.0);
	ck_assert_int_eq(fx_ev(&fx, DUP_C), CW_APPLY_OK); /* 48h + 1 ms */
	ck_assert_double_eq(fx_feature(&fx, CW_F_REVENUE, 30 * CW_DAY_MS,
				       "2026-01-08T00:00:00Z"), 4.0);
	ck_assert_int_eq(fx_ev(&fx, DUP_C), CW_APPLY_DUPLICATE);
	fx_close(&fx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* next_due                                                            */

static const char ALL_TIMERS[] = "rules:\n"
				 "  - name: silence-7d\n"
				 "    detect: silence\n"
				 "    params: { for: 7d }\n"
				 "  - name: silence-30d\n"
				 "    detect: silence\n"
				 "    params: { for: 30d }\n"
				 "  - name: arpu-drop\n"
				 "    detect: arpu_drop\n"
				 "    params: { drop: 40% }\n"
				 "  - name: bill-shock\n"
				 "    when: \"revenue(30d) > 50\"\n";

START_TEST(next_due_earliest_timer)
{
	struct fx fx;
	fx_open(&fx, ALL_TIMERS);
	ck_assert_int_eq(fx_next_due(&fx), INT64_MAX); /* empty */
	fx_activate(&fx, "2026-01-20T10:00:00Z", "P38");
	fx_data(&fx, "2026-01-20T10:00:00Z", "5");
	ck_assert_int_eq(fx_next_due(&fx), fx_ms("2026-01-21T00:00:00Z"));
	fx_close(&fx);

	/* Without the when: rule: the silence deadline, then the month. */
	fx_open(&fx, "rules:\n"
		     "  - name: silence-7d\n"
		     "    detect: silence\n"
		     "    params: { for: 7d }\n"
		     "  - name: arpu-drop\n"
		     "    detect: arpu_drop\n"
		     "    params: { drop: 40% }\n");
	fx_activate(&fx, "2026-01-20T10:00:00Z", "P38");
	ck_assert_int_eq(fx_next_due(&fx), fx_ms("2026-01-27T10:00:00Z"));
	fx_advance(&fx, "2026-01-27T10:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	/* no revenue yet: no month close to judge */
	ck_assert_int_eq(fx_next_due(&fx), INT64_MAX);
	fx_data(&fx, "2026-01-28T10:00:00Z", "5");
	ck_assert_int_eq(fx_next_due(&fx), fx_ms("2026-02-01T00:00:00Z"));
	fx_sendf(&fx, "deactivate", "2026-01-29T00:00:00Z", ",\"reason\":\"x\"");
	ck_assert_int_eq(fx_next_due(&fx), INT64_MAX);
	fx_close(&fx);
}
END_TEST

/* An event at exactly 00:00:00.000 of a month must not postpone the close
 * of the month before it. */
START_TEST(month_close_with_event_at_month_start)
{
	struct fx fx;
	arpu_prepaid(&fx, "2025-10-01T00:00:00Z", "100", "10");
	fx_data(&fx, "2026-02-01T00:00:00Z", "1");
	fx_advance(&fx, "2026-02-01T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	ck_assert_int_eq(fx.alerts[0].ts_ms, fx_ms("2026-02-01T00:00:00Z"));
	fx_evid_str(&fx.alerts[0], "month", "2026-01");
	ck_assert_int_eq(fx_next_due(&fx), fx_ms("2026-03-01T00:00:00Z"));
	fx_close(&fx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* determinism                                                         */

static const char MIXED[] = "rules:\n"
			    "  - name: silence-7d\n"
			    "    detect: silence\n"
			    "    params: { for: 7d }\n"
			    "  - name: offnet-forward\n"
			    "    detect: offnet_forward\n"
			    "  - name: plan-downgrade\n"
			    "    detect: plan_downgrade\n"
			    "    params: { min_drop: 30% }\n";

static void mixed_sequence(struct fx *fx, const char *sub)
{
	fx_open(fx, MIXED);
	snprintf(fx->sub, sizeof(fx->sub), "%s", sub);
	fx_activate(fx, "2026-01-01T00:00:00Z", "P88");
	fx_call(fx, "2026-01-02T00:00:00Z", "out", "8613900000002", "1");
	forward_set(fx, "2026-01-12T00:00:00Z", "8618600000002");
	fx_sendf(fx, "plan_change", "2026-01-13T00:00:00Z",
		 ",\"plan_from\":\"P88\",\"plan_to\":\"P18\"");
	fx_advance(fx, "2026-02-01T00:00:00Z");
}

START_TEST(determinism_alert_ids)
{
	struct fx a, b, c;
	mixed_sequence(&a, FX_SUB);
	mixed_sequence(&b, FX_SUB);
	mixed_sequence(&c, "8613800000002");
	ck_assert_uint_eq(a.nalerts, 3);
	ck_assert_uint_eq(b.nalerts, 3);
	ck_assert_uint_eq(c.nalerts, 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_str_eq(a.alerts[i].alert_id, b.alerts[i].alert_id);
		ck_assert_int_eq(a.alerts[i].ts_ms, b.alerts[i].ts_ms);
		ck_assert_str_ne(a.alerts[i].alert_id, c.alerts[i].alert_id);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(a.alerts[i].alert_id,
					 a.alerts[j].alert_id);
	}
	/* One alert per rule (in whatever order the engine judged them). */
	int64_t want_ts[3] = {fx_ms("2026-01-09T00:00:00Z"),
			      fx_ms("2026-01-12T00:00:00Z"),
			      fx_ms("2026-01-13T00:00:00Z")};
	const char *want_rule[3] = {"silence-7d", "offnet-forward",
				    "plan-downgrade"};
	for (size_t k = 0; k < 3; k++) {
		size_t hits = 0;
		for (size_t i = 0; i < 3; i++)
			if (strcmp(a.alerts[i].rule->name, want_rule[k]) == 0) {
				ck_assert_int_eq(a.alerts[i].ts_ms, want_ts[k]);
				hits++;
			}
		ck_assert_uint_eq(hits, 1);
	}
	fx_close(&a);
	fx_close(&b);
	fx_close(&c);

	char x[CW_ALERT_ID_LEN + 1], y[CW_ALERT_ID_LEN + 1];
	cw_alert_make_id(FX_SUB, "r", 1, x);
	ck_assert_uint_eq(strlen(x), CW_ALERT_ID_LEN);
	cw_alert_make_id(FX_SUB, "r", 2, y);
	ck_assert_str_ne(x, y);
	cw_alert_make_id(FX_SUB, "s", 1, y);
	ck_assert_str_ne(x, y);
	cw_alert_make_id("8613800000002", "r", 1, y);
	ck_assert_str_ne(x, y);
	cw_alert_make_id(FX_SUB, "r", 1, y);
	ck_assert_str_eq(x, y);
}
END_TEST

/* Evidence must not depend on where batches (encode/decode) fall. */
START_TEST(determinism_across_encode_decode)
{
	struct fx a, b;
	uint8_t buf[8192];

	silence_setup(&a);
	silence_setup(&b);
	fx_call(&a, "2026-01-05T08:00:00Z", "in", "8618600000002", "0");
	fx_call(&b, "2026-01-05T08:00:00Z", "in", "8618600000002", "0");
	int n = fx_blob(&b, buf, sizeof(buf));
	ck_assert_int_eq(cw_state_decode(b.st, &b.eng.profile, buf, (size_t)n), 0);
	fx_advance(&a, "2026-01-10T00:00:00Z");
	fx_advance(&b, "2026-01-10T00:00:00Z");
	ck_assert_uint_eq(a.nalerts, 1);
	ck_assert_uint_eq(b.nalerts, 1);
	fx_evid_int(&a.alerts[0], "calls_in_during", 1);
	fx_evid_int(&b.alerts[0], "calls_in_during", 1);
	fx_close(&a);
	fx_close(&b);

	fx_open(&a, "rules:\n  - name: quiet\n    when: \"days_silent >= 3\"\n");
	fx_open(&b, "rules:\n  - name: quiet\n    when: \"days_silent >= 3\"\n");
	fx_data(&a, "2026-01-02T10:00:00Z", "12.5");
	fx_data(&b, "2026-01-02T10:00:00Z", "12.5");
	n = fx_blob(&b, buf, sizeof(buf));
	ck_assert_int_eq(cw_state_decode(b.st, &b.eng.profile, buf, (size_t)n), 0);
	fx_advance(&a, "2026-01-06T00:00:00Z");
	fx_advance(&b, "2026-01-06T00:00:00Z");
	ck_assert_uint_eq(a.nalerts, 1);
	ck_assert_uint_eq(b.nalerts, 1);
	ck_assert_int_eq(a.alerts[0].ts_ms, fx_ms("2026-01-06T00:00:00Z"));
	fx_evid_int(&a.alerts[0], "days_silent", 3);
	fx_evid_int(&b.alerts[0], "days_silent", 3);
	fx_close(&a);
	fx_close(&b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* features                                                            */

static const char FEATURES[] =
	"rules:\n"
	"  - name: never\n"
	"    when: \"revenue(30d) > 1000000 and calls_out(30d) >= 0 and "
	"distinct_peers(30d) >= 0 and offnet_share(30d) >= 0 and "
	"days_silent >= 0 and plan_fee >= 0\"\n";

START_TEST(feature_revenue_window_days)
{
	struct fx fx;
	fx_open(&fx, FEATURES);
	fx_data(&fx, "2026-01-01T13:00:00Z", "10");  /* 30 days before */
	fx_data(&fx, "2026-01-02T00:00:00Z", "5");   /* 29 days before */
	fx_data(&fx, "2026-01-31T23:59:59.999Z", "1");
	ck_assert_double_eq(fx_feature(&fx, CW_F_REVENUE, 30 * CW_DAY_MS,
				       "2026-01-31T12:00:00Z"), 6.0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_REVENUE, 30 * CW_DAY_MS,
				       "2026-01-30T12:00:00Z"), 15.0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_REVENUE, 30 * CW_DAY_MS,
				       "2026-02-01T00:00:00Z"), 1.0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_REVENUE, 1 * CW_DAY_MS,
				       "2026-01-31T00:00:00Z"), 1.0);
	fx_close(&fx);
}
END_TEST

START_TEST(feature_offnet_share_peers_silent)
{
	struct fx fx;
	fx_open(&fx, FEATURES);
	fx_activate(&fx, "2025-11-01T00:00:00Z", "P38");
	fx_call(&fx, "2025-12-01T00:00:00Z", "out", "8613500000001", "0");
	fx_call(&fx, "2026-01-10T10:00:00Z", "out", "8618600000002", "0");
	fx_call(&fx, "2026-01-10T11:00:00Z", "out", "8613300000003", "0");
	fx_call(&fx, "2026-01-10T12:00:00Z", "out", "8613800000004", "0");
	fx_call(&fx, "2026-01-10T13:00:00Z", "out", "8618600000002", "0");
	fx_call(&fx, "2026-01-09T13:00:00Z", "in", "8618600000005", "0");
	const char *now = "2026-01-15T00:00:00Z";
	ck_assert_double_eq(fx_feature(&fx, CW_F_CALLS_OUT, 30 * CW_DAY_MS, now), 4);
	ck_assert_double_eq(fx_feature(&fx, CW_F_OFFNET_SHARE, 30 * CW_DAY_MS, now),
			    3.0 / 4.0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_OFFNET_SHARE, 1 * CW_DAY_MS, now), 0);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DISTINCT_PEERS, 30 * CW_DAY_MS, now), 4);
	/* The rules read distinct_peers(30d) only: the December contact
	 * is forgotten (as a trip through Redis forgets it), so 60 days
	 * count the same 4. */
	ck_assert_double_eq(fx_feature(&fx, CW_F_DISTINCT_PEERS, 60 * CW_DAY_MS, now), 4);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_SILENT, 0,
				       "2026-01-20T12:59:59.999Z"), 9);
	ck_assert_double_eq(fx_feature(&fx, CW_F_DAYS_SILENT, 0,
				       "2026-01-20T13:00:00Z"), 10);
	ck_assert_double_eq(fx_feature(&fx, CW_F_TENURE, 0, now),
			    (double)(fx_ms(now) - fx_ms("2025-11-01T00:00:00Z")));
	ck_assert_double_eq(fx_feature(&fx, CW_F_PLAN_FEE, 0, now), 38);
	fx_sendf(&fx, "plan_change", "2026-01-16T00:00:00Z",
		 ",\"plan_from\":\"P38\",\"plan_to\":\"P99\"");
	ck_assert_double_eq(fx_feature(&fx, CW_F_PLAN_FEE, 0, now), 0);
	fx_close(&fx);
}
END_TEST

static int tier_for(const char *december)
{
	struct fx fx;
	fx_open(&fx, FEATURES);
	fx_activate(&fx, "2025-12-01T00:00:00Z", "P38");
	fx_data(&fx, "2025-12-10T00:00:00Z", december);
	int t = (int)fx_feature(&fx, CW_F_ARPU_TIER, 0, "2026-01-15T00:00:00Z");
	ck_assert_int_eq(t, cw_engine_arpu_tier(&fx.eng, fx.st,
						fx_ms("2026-01-15T00:00:00Z")));
	fx_close(&fx);
	return t;
}

START_TEST(feature_arpu_tier_boundaries)
{
	ck_assert_int_eq(tier_for("49.99"), 0);
	ck_assert_int_eq(tier_for("50"), 1);
	ck_assert_int_eq(tier_for("100"), 1);
	ck_assert_int_eq(tier_for("100.01"), 2);
	ck_assert_str_eq(cw_arpu_tier_str(2), "high");
}
END_TEST

START_TEST(feature_tenure_stage_boundaries)
{
	struct fx fx;
	fx_open(&fx, FEATURES);
	fx_activate(&fx, "2025-01-01T00:00:00Z", "P38");
	int64_t t0 = fx_ms("2025-01-01T00:00:00Z");
	struct cw_feature_ctx c = {&fx.eng, fx.st, 0};
	const int64_t d90 = 90 * CW_DAY_MS, d365 = 365 * CW_DAY_MS;
	int64_t at[] = {t0, t0 + d90 - 1, t0 + d90, t0 + d365, t0 + d365 + 1};
	int want[] = {0, 0, 1, 1, 2};
	for (size_t i = 0; i < 5; i++) {
		c.now = at[i];
		ck_assert_int_eq((int)cw_engine_feature(&c, CW_F_TENURE_STAGE, 0),
				 want[i]);
	}
	ck_assert_str_eq(cw_tenure_stage_str(1), "stable");
	fx_close(&fx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* golden vectors                                                      */
/*
 * Fixed, pseudo-random event sequences run the way the daemon runs them
 * (batches; per touched subscriber: decode, apply, advance to the
 * watermark, encode; a sweep of due subscribers; one scratch state shared
 * by every subscriber, so stale ring slots of the previous one are in it).
 * The expected values were produced by the engine and codec *before* the
 * performance work (commit "test_engine: golden vectors"): any change to a
 * blob byte or an alert breaks them. Regenerate only for an intended
 * format or behaviour change: CW_GOLDEN_PRINT=1 build/tests/test_engine.
 */

#define GOLD_SUBS 8
#define GOLD_BATCH 50
#define GOLD_EVENTS_MAX 40000

/* Every feature, several windows, a non-zero UTC offset. */
static const char GOLD_ALLFEAT[] =
	"rules:\n"
	"  - name: g-silence\n"
	"    detect: silence\n"
	"    params: { for: 10d }\n"
	"    cooldown: 20d\n"
	"  - name: g-arpu\n"
	"    detect: arpu_drop\n"
	"    params: { baseline: 2, drop: 20%, min_baseline: 5 }\n"
	"  - name: g-offnet\n"
	"    detect: offnet_forward\n"
	"    params: { min_calls: 2, window: 3d }\n"
	"    cooldown: 5d\n"
	"  - name: g-down\n"
	"    detect: plan_downgrade\n"
	"    params: { min_drop: 10% }\n"
	"  - name: g-busy\n"
	"    when: \"calls_out(7d) >= 12 and revenue(30d) > 5\"\n"
	"    cooldown: 7d\n"
	"  - name: g-sms\n"
	"    when: \"sms_out(1d) >= 3 or sms_out(2d) >= 5\"\n"
	"    cooldown: 3d\n"
	"  - name: g-data\n"
	"    when: \"data_bytes(45d) > 30000000 and minutes_out(14d) > 20\"\n"
	"    where: \"tenure > 20d\"\n"
	"    cooldown: 10d\n"
	"  - name: g-offshare\n"
	"    when: \"offnet_share(30d) >= 30% and distinct_peers(14d) >= 3 and "
	"offnet_share(61d) < 2 * offnet_share(30d)\"\n"
	"    cooldown: 9d\n"
	"  - name: g-fwd\n"
	"    when: \"forwarded_offnet(7d) >= 1\"\n"
	"    cooldown: 4d\n"
	"  - name: g-susp\n"
	"    when: \"suspensions(90d) >= 1 and arrears_suspensions(180d) >= 1\"\n"
	"    cooldown: 15d\n"
	"  - name: g-recharge\n"
	"    when: \"recharges(45d) == 0 and recharges(90d) >= 1 or "
	"recharge_amount(60d) > 150\"\n"
	"    cooldown: 12d\n"
	"  - name: g-months\n"
	"    when: \"revenue_month(0) > revenue_month(1) + 3 and "
	"revenue_month(2) + revenue_month(5) >= 0 and plan_fee > 10\"\n"
	"    where: \"arpu_tier != \\\"high\\\"\"\n"
	"    cooldown: 20d\n"
	"  - name: g-quiet\n"
	"    when: \"days_silent >= 6 and calls_in(20d) >= 1\"\n"
	"    where: \"tenure_stage != \\\"mature\\\" and tenure > 1d\"\n"
	"    cooldown: 8d\n"
	"  - name: g-in\n"
	"    when: \"calls_in(180d) > 120 and calls_in(12h) >= 1\"\n"
	"    cooldown: 30d\n";

static const char *const GOLD_PLANS[] = {"P18", "P28", "P38", "P70",
					 "P88", "P100"};
/* Own, unicom, telecom prefixes (FX_NETWORKS and examples/networks.yaml). */
static const char *const GOLD_PREFIX[] = {"86138", "86139", "86130",
					  "86186", "86133", "86189"};

static uint64_t gold_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static uint64_t gold_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static int gold_cmp(const void *a, const void *b)
{
	const struct cw_event *x = a, *y = b;
	if (x->ts_ms != y->ts_ms)
		return x->ts_ms < y->ts_ms ? -1 : 1;
	return strcmp(x->event_id, y->event_id);
}

static void gold_number(uint64_t *s, int offnet_bias, char *out, size_t cap)
{
	unsigned k = (unsigned)(gold_rand(s) % 100);
	int op = k < (unsigned)offnet_bias ? 2 + (int)(k % 4) : (int)(k % 2);
	/* A small pool per subscriber so contacts repeat. */
	snprintf(out, cap, "%s%06u", GOLD_PREFIX[op],
		 (unsigned)(gold_rand(s) % 40));
}

/* One subscriber's events over ~280 days; behaviour varies with `i`. */
static size_t gold_sub_events(int i, uint64_t seed, struct cw_event *evs,
			      size_t cap)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + (uint64_t)i * 7919 + 1;
	int64_t t0 = fx_ms("2025-09-01T00:00:00Z");
	int64_t t = t0 + (int64_t)(gold_rand(&s) % CW_DAY_MS);
	int64_t end = t0 + 280 * CW_DAY_MS;
	int postpaid = i % 3 == 1, offnet = 5 + 12 * (i % 4);
	int last_month = -1, plan = (int)(gold_rand(&s) % 6);
	size_t n = 0;

	for (unsigned k = 0; t < end && n + 2 < cap; k++) {
		struct cw_event *ev = &evs[n];
		unsigned r = (unsigned)(gold_rand(&s) % 1000);
		int64_t day = (t - t0) / CW_DAY_MS;

		memset(ev, 0, sizeof(*ev));
		ev->ts_ms = t;
		snprintf(ev->subscriber, sizeof(ev->subscriber), "86138%08d",
			 1000 + i);
		snprintf(ev->event_id, sizeof(ev->event_id), "g%d-%u", i, k);
		if (k == 0 && i != 7) {
			ev->type = CW_EV_ACTIVATE;
			snprintf(ev->plan, sizeof(ev->plan), "%s",
				 GOLD_PLANS[plan]);
		} else if (postpaid && (int)(day / 30) != last_month) {
			last_month = (int)(day / 30);
			ev->type = CW_EV_INVOICE;
			ev->period = cw_month_of(t, 0) - 1;
			ev->amount = (int64_t)(gold_rand(&s) % 90000) +
				     (i == 4 && day > 150 ? 0 : 40000);
		} else if (r < 330) {
			ev->type = CW_EV_VOICE;
			ev->direction = r < 200 ? CW_DIR_OUT : CW_DIR_IN;
			gold_number(&s, offnet, ev->peer, sizeof(ev->peer));
			ev->duration_s = (int64_t)(gold_rand(&s) % 600);
			ev->charge = postpaid ? 0 : (int64_t)(gold_rand(&s) % 900);
			if (i == 2 && r % 17 == 0)
				gold_number(&s, 100, ev->forwarded_to,
					    sizeof(ev->forwarded_to));
		} else if (r < 560) {
			ev->type = CW_EV_SMS;
			ev->direction = r < 480 ? CW_DIR_OUT : CW_DIR_IN;
			gold_number(&s, offnet, ev->peer, sizeof(ev->peer));
			ev->charge = postpaid ? 0 : 100;
		} else if (r < 860) {
			ev->type = CW_EV_DATA;
			ev->bytes = (int64_t)(gold_rand(&s) % 5000000);
			ev->charge = postpaid ? 0 : (int64_t)(gold_rand(&s) % 2000);
		} else if (r < 910) {
			ev->type = CW_EV_RECHARGE;
			ev->amount = 10000 * (1 + (int64_t)(gold_rand(&s) % 10));
		} else if (r < 925) {
			ev->type = CW_EV_SUSPEND;
			ev->suspend_reason = 1 + (int)(gold_rand(&s) % 3);
		} else if (r < 945) {
			ev->type = CW_EV_RESUME;
		} else if (r < 955) {
			ev->type = CW_EV_PLAN_CHANGE;
			int to = (int)(gold_rand(&s) % 6);
			snprintf(ev->plan_from, sizeof(ev->plan_from), "%s",
				 GOLD_PLANS[plan]);
			snprintf(ev->plan_to, sizeof(ev->plan_to), "%s",
				 GOLD_PLANS[to]);
			plan = to;
		} else if (r < 965) {
			ev->type = CW_EV_FORWARD_SET;
			gold_number(&s, 50, ev->forwarded_to,
				    sizeof(ev->forwarded_to));
		} else if (r < 975) {
			ev->type = CW_EV_FORWARD_CLEAR;
		} else if (r < 985) {
			ev->type = CW_EV_PAYMENT;
			ev->amount = 5000;
		} else if (r < 988 && i == 6) {
			ev->type = CW_EV_DEACTIVATE;
		} else {
			ev->type = CW_EV_DATA;
			ev->bytes = 1;
		}
		ev->topic = ev->type <= CW_EV_DATA ? CW_TOPIC_CDR
						   : CW_TOPIC_BILLING;
		n++;
		/* A duplicate now and then (same id, same ts). */
		if (gold_rand(&s) % 97 == 0) {
			evs[n] = *ev;
			n++;
		}
		/* Pace: busy, quiet, and long silences (subscriber 3 goes
		 * quiet for 40 days, 5 for 200: the rings start afresh). */
		int64_t gap = (int64_t)(gold_rand(&s) % (4 * 3600 * 1000)) +
			      (i == 0 ? 0 : (int64_t)i * 600 * 1000);
		if (i == 3 && day == 100)
			gap += 40 * CW_DAY_MS;
		if (i == 5 && day == 40)
			gap += 200 * CW_DAY_MS;
		if (gold_rand(&s) % 500 == 0)
			gap += (int64_t)(gold_rand(&s) % 20) * CW_DAY_MS;
		t += gap;
	}
	return n;
}

struct gold_out {
	size_t nalerts;
	uint64_t alerts_digest;   /* every alert: id, rule, ts, window, evidence */
	uint64_t blobs_digest;    /* every blob written, in order */
	size_t nblobs;
	char alert_ids[2048];     /* the first alert ids, space-separated */
	uint8_t *blob[GOLD_SUBS]; /* the final blobs */
	int len[GOLD_SUBS];
};

static int gold_emit(void *ctx, const struct cw_alert *a)
{
	struct gold_out *o = ctx;
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s %s %s %lld %lld %d %d",
			 a->alert_id, a->rule->name, a->subscriber,
			 (long long)a->ts_ms, (long long)a->window,
			 a->arpu_tier, a->tenure_stage);
	for (size_t i = 0; i < a->nevidence; i++) {
		const struct cw_evidence *e = &a->evidence[i];
		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      " %s=%d:%s:%a:%lld", e->key, (int)e->kind,
			      e->kind == CW_EVID_STR ? e->str : "",
			      e->kind == CW_EVID_NUM ? e->num : 0.0,
			      (long long)(e->kind == CW_EVID_INT ? e->i : 0));
	}
	o->alerts_digest = gold_fnv(o->alerts_digest, line, (size_t)n);
	size_t used = strlen(o->alert_ids);
	if (used + CW_ALERT_ID_LEN + 2 < sizeof(o->alert_ids))
		snprintf(o->alert_ids + used, sizeof(o->alert_ids) - used,
			 "%s%s", used ? " " : "", a->alert_id);
	o->nalerts++;
	return 0;
}

/* decode, (apply the subscriber's events of the batch), advance, encode. */
static void gold_step(const struct cw_engine *eng, struct cw_state *scratch,
		      struct gold_out *o, int sub, const struct cw_event *evs,
		      const int *idx, size_t nidx, int64_t wm)
{
	struct cw_alert_sink sink = {.emit = gold_emit, .ctx = o};
	static uint8_t buf[CW_STATE_BLOB_MAX];
	char id[32]; /* 13 digits for the subscribers the vectors use */

	snprintf(id, sizeof(id), "86138%08d", 1000 + sub);
	if (o->blob[sub])
		ck_assert_int_eq(cw_state_decode(scratch, &eng->profile,
						 o->blob[sub],
						 (size_t)o->len[sub]), 0);
	else
		cw_state_init(scratch);
	/* as daemon/io/apply.c: timers up to each event before it, then to
	 * the watermark */
	for (size_t k = 0; k < nidx; k++) {
		int64_t ts = evs[idx[k]].ts_ms;
		cw_engine_advance(eng, scratch, id, ts, &sink);
		(void)cw_engine_apply(eng, scratch, &evs[idx[k]], &sink);
	}
	cw_engine_advance(eng, scratch, id, wm, &sink);
	int n = cw_state_encode(scratch, &eng->profile, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	o->blob[sub] = realloc(o->blob[sub], (size_t)n);
	ck_assert_ptr_nonnull(o->blob[sub]);
	memcpy(o->blob[sub], buf, (size_t)n);
	o->len[sub] = n;
	o->blobs_digest = gold_fnv(o->blobs_digest, buf, (size_t)n);
	o->nblobs++;
}

static void gold_run(const struct cw_engine *eng, uint64_t seed,
		     struct gold_out *o)
{
	struct cw_event *evs = malloc(GOLD_EVENTS_MAX * sizeof(*evs));
	struct cw_state *scratch = malloc(sizeof(*scratch));
	int idx[GOLD_BATCH];
	size_t n = 0;
	int64_t newest = INT64_MIN;

	ck_assert_ptr_nonnull(evs);
	ck_assert_ptr_nonnull(scratch);
	memset(scratch, 0xa5, sizeof(*scratch));
	memset(o, 0, sizeof(*o));
	o->alerts_digest = o->blobs_digest = 1469598103934665603ULL;
	for (int i = 0; i < GOLD_SUBS; i++)
		n += gold_sub_events(i, seed, evs + n,
				     GOLD_EVENTS_MAX / GOLD_SUBS);
	qsort(evs, n, sizeof(*evs), gold_cmp);
	/* Late arrivals: some events keep their place but carry a ts up to
	 * 3 days earlier (the billing topic lags or races ahead). */
	uint64_t s = seed ^ 0x6c617465ULL;
	for (size_t i = 0; i < n; i++)
		if (gold_rand(&s) % 23 == 0)
			evs[i].ts_ms -= (int64_t)(gold_rand(&s) %
						  (3 * CW_DAY_MS));
	for (size_t b = 0; b < n; b += GOLD_BATCH) {
		size_t e = b + GOLD_BATCH < n ? b + GOLD_BATCH : n;
		int touched[GOLD_SUBS] = {0};
		for (size_t i = b; i < e; i++)
			if (evs[i].ts_ms > newest)
				newest = evs[i].ts_ms;
		int64_t wm = newest - 3600 * 1000;
		for (int sub = 0; sub < GOLD_SUBS; sub++) {
			char id[CW_SUB_MAX + 1];
			size_t k = 0;
			snprintf(id, sizeof(id), "86138%08d", 1000 + sub);
			for (size_t i = b; i < e; i++)
				if (strcmp(evs[i].subscriber, id) == 0)
					idx[k++] = (int)i;
			if (k) {
				gold_step(eng, scratch, o, sub, evs, idx, k, wm);
				touched[sub] = 1;
			}
		}
		/* The sweep: due subscribers without events in the batch. */
		for (int sub = 0; sub < GOLD_SUBS; sub++) {
			if (touched[sub] || !o->blob[sub])
				continue;
			ck_assert_int_eq(cw_state_decode(scratch, &eng->profile,
							 o->blob[sub],
							 (size_t)o->len[sub]), 0);
			if (cw_engine_next_due(eng, scratch) <= wm)
				gold_step(eng, scratch, o, sub, evs, idx, 0, wm);
		}
	}
	free(evs);
	free(scratch);
}

static void gold_hex(const uint8_t *p, int n, char *out)
{
	for (int i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

struct gold_want {
	size_t nalerts;
	uint64_t alerts_digest;
	uint64_t blobs_digest;
	size_t nblobs;
	const char *alert_ids;
	const char *blob[GOLD_SUBS];
};

#include "golden_acct.h"

/* Re-encoding the previous release's (version 1) blobs gives the same
 * bytes: what Redis holds today is read back exactly. */
static void gold_v1_roundtrip(const struct cw_engine *eng,
			      const struct gold_want *w)
{
	static struct cw_state st;
	static uint8_t bin[CW_STATE_BLOB_MAX], out[CW_STATE_BLOB_MAX];

	for (int i = 0; i < GOLD_SUBS; i++) {
		size_t n = strlen(w->blob[i]) / 2;

		for (size_t k = 0; k < n; k++) {
			unsigned v;
			ck_assert_int_eq(sscanf(w->blob[i] + 2 * k, "%2x", &v), 1);
			bin[k] = (uint8_t)v;
		}
		ck_assert_int_eq(bin[0], 1); /* version 1 */
		ck_assert_int_eq(cw_state_decode(&st, &eng->profile, bin, n), 0);
		ck_assert_int_eq(cw_state_encode(&st, &eng->profile, out,
						 sizeof(out)), (int)n);
		ck_assert_msg(memcmp(bin, out, n) == 0, "subscriber %d", i);
	}
}

/* Everything against the current vectors `wb`; `w` (version 1, before
 * the account and per-event timers) only serves gold_v1_roundtrip. */
static void gold_check(const char *name, const struct gold_out *o,
		       const struct gold_want *w, const struct gold_want *wb)
{
	(void)w;
	static char hex[2 * CW_STATE_BLOB_MAX + 1];

	if (getenv("CW_GOLDEN_PRINT")) {
		printf("/* %s */\n{\n\t.nalerts = %zu,\n"
		       "\t.alerts_digest = 0x%016llxULL,\n"
		       "\t.blobs_digest = 0x%016llxULL,\n\t.nblobs = %zu,\n"
		       "\t.alert_ids =\n",
		       name, o->nalerts, (unsigned long long)o->alerts_digest,
		       (unsigned long long)o->blobs_digest, o->nblobs);
		for (size_t k = 0; k < strlen(o->alert_ids); k += 66)
			printf("\t\t\"%.66s\"\n", o->alert_ids + k);
		printf("\t,\n\t.blob = {\n");
		for (int i = 0; i < GOLD_SUBS; i++) {
			gold_hex(o->blob[i], o->len[i], hex);
			for (int k = 0; k < 2 * o->len[i]; k += 64)
				printf("\t\t\"%.64s\"\n", hex + k);
			printf("\t\t,\n");
		}
		printf("\t},\n}\n");
		return;
	}
	ck_assert_uint_eq(o->nalerts, wb->nalerts);
	ck_assert_str_eq(o->alert_ids, wb->alert_ids);
	ck_assert_uint_eq(o->alerts_digest, wb->alerts_digest);
	ck_assert_uint_eq(o->nblobs, wb->nblobs);
	for (int i = 0; i < GOLD_SUBS; i++) {
		ck_assert_ptr_nonnull(o->blob[i]);
		gold_hex(o->blob[i], o->len[i], hex);
		ck_assert_str_eq(hex, wb->blob[i]);
	}
	ck_assert_uint_eq(o->blobs_digest, wb->blobs_digest);
}

static void gold_free(struct gold_out *o)
{
	for (int i = 0; i < GOLD_SUBS; i++)
		free(o->blob[i]);
}

/* shipped rules, seed 11. alerts_digest re-recorded when when:-rule
 * evidence became the features the expression references (issue 8);
 * alert ids and state blobs are unchanged. */
static const struct gold_want GOLD_SHIPPED = {
	.nalerts = 107,
	.alerts_digest = 0xce7fafca6fb2b7bdULL,
	.blobs_digest = 0xc1a8fff1461cc3ebULL,
	.nblobs = 2458,
	.alert_ids =
		"5c79951d616ddcff5e323d4ac7853b71 5e238bcaf981807eff20d533e38e0a6d "
		"e10e910f76561d9380150891198f662e 7aceada1f227d0f32aac13ce837af5c3 "
		"175396ca3d5f4f8f9b53139735f70879 05d9cfc302c13f0164e25e140f56b3e1 "
		"5b3dd5b82d3daae8936cf2efe12397dc 923b67009e24eb570b61ae408e2acd21 "
		"8fd0902e01e35b47dbab6fb8e91dc4c0 7c3927d255a2b9c82fac7971cb0b026b "
		"1d791e5c45f896ac5e894bb7ceac7f5f e377833a4cb9d6134fa09ae3dbeadc2c "
		"19675907beac61329a39e316a697ab79 5717e99e2e2d34c123fcaaf70e8c1ea5 "
		"48ef641d89ea7ffc4ca361e68bfb403c 0e3f0aae749771d9cfafb3b393b4f17c "
		"db5287190771cb92082202301321f37d c6b14e9731ed3a73c44fe9e5b970e20d "
		"a905932c404b42451e7a275b51229c7c e0d4985586eacb10c740cd4a4baa6afd "
		"b77613a73aa8dd1969c5a657c222c683 984d9723183c003cd8bf385d77d63d19 "
		"71046b33e2c9a5de29ad97d6f31d1646 9837419835cc5f0d19b93c91e475b003 "
		"072503e66e3eca8cff225d170129f1db 6ae722190b45379a65a56826c946ca3e "
		"cde4b43feb0f3c27e643399a219a6aa1 e906fd6f9ed8ef7ada7f2464b1131bc6 "
		"d4a0758688facbb2f3605731ae7a4535 4d72c356192f2fadcac25e43456362fa "
		"80e5be4b785d66f3d34fe89d469b5991 d348de8da6e465d0c24e4099c3b220a8 "
		"29063dd83a2bd57febe904b83cd5dd44 cd5b18132ea4455c345702d5e5a4f28b "
		"03eb8501a2c4233ce3ad1f36aaf9d305 e35e87ed00cd89cc4fd5033075a62c88 "
		"5660adba72b32757b1f968065e9fc5c9 332bf8ff42841a551da249001ff6d887 "
		"2df5d1e0d9ae1d671c5d12a2b2db43d5 ee5fe7e2f5da6506841018047c2a26e6 "
		"f3b27096d0448b3b5191fed0bce171c1 757fd4f53d9b4f606f62970e95757d96 "
		"849c2c0f2b1791060627e72d2665c433 68c701ba4ba4a3f2258a361f3d229075 "
		"637e3b10e97c79ae47277d783949ceae 5e103db0f979eb272740a07971fe656c "
		"33b38dbd961f7919dfbe55d9d235d675 56f59b96181b84a5358388774bb84839 "
		"7b9485128796084d019a7306e5d2e9e6 d1cd1a586ea77b19acd80b64c16d48ae "
		"bc22aabd0ca1aa8502c46e2ff9bf5042 5f5cace17e5f88f2e7d33298d89b8171 "
		"4e52c9e31963a6a99046d031ecefe92e fb48df1ce935ea403fd149240a71eb6e "
		"8bfde607c8e09f1b89e2327dbad31a48 86c22ed91da5ee5164ecc04065c69beb "
		"c31ee20c453f7ff5c564c534008d2761 e284d4fe258e4c1800413447572ecea8 "
		"694548461f5531530ed9cdfef87a2c92 111ea4e3ed5ba75fd1bcce8c62a8f7d6 "
		"205f4f56b255792883398cf34fbe2f8f fd6b26a74ec97f46bd8f6d6b7dd31a8f"
	,
	.blob = {
		"0114a0c893f7a066c884b8c5d067c884b8c5d06780d088f6d36704503130300b"
		"3836313836303030303335fac1020014c833a61e8e5efe70d8798287019841f4"
		"8b01ce4bb00cc80100000000b45ee46c889501f274b428013c08020608060606"
		"0602000000000000040a02080400000000000000000000000000000000020206"
		"080402040002080602040404040202020402060402025a000202000202000400"
		"0000000000000404040002000000000000000000000000000000000000020402"
		"0402020204060402020200020404020200000602000406040200060202080c04"
		"0202040800020204020600020200020408062800000000000200000000000000"
		"000000020000000000000000000000000000000000000000000002094a000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000020000000000000000000002000000020000000000000000"
		"000000000000020a570000020200020200000000000000000400020000000000"
		"0000000000000000000000000002000000020002020200040404020404020000"
		"0002000202000200000602000200000400000200020202000000000200020006"
		"ff01fafb02f8fb0208c833a4920a8ced0fc8fd1688a91198c106dcf713c09313"
		"3b487cf8ac017f1b38f4069de68b410720cbf07503d89a3fda0f1de2e3c105ab"
		"bcb0ba101d038c5a12e79fc52c07c01e2af41058cdfd77136aa2c6ec11f012aa"
		"ee12ec418e510f5f5fc1d30534bd966110ceff3bbf101e81958f10180b6ea504"
		"3639fa8f03cb47676e114c11f9d107bfd1156802a466ee3904e3df4bb410f44a"
		"539f1022733cd304fc78bd21088f526b1706b5887a06083bb04efe07889223b1"
		"078dcab6f10647653a9906d64a42f405365f8c8905536cfad10044fe800a05d3"
		"6a316f049d3d139a04c8acf932049bde34b501e2d4b897032a47609d03f575fa"
		"b10520fae609039df0292303fe30499f02db465398027130887602d107beff02"
		"f1719ac5020ad2ebe402a37fa62a01635766a503b7ae1d5c00027a85cb00cf3c"
		"d49700e402199a001135b022fa97b7d85994d21346f67bcd9d90766da68413c5"
		"5ad2ece810f8f38ed312287e4c28a65d2ce4828f12181e85f897d70d13a8f711"
		"2700672600667d38e28011daee39aaad4be289e8dd0fcdea9a0faba7bad68aa0"
		"0ff4621e309ac4b1798af30b66069f07de5960e2e0c20acfad48c485e4920694"
		"ad076acc006e54d37f57ece9053a586febcfc7e9bbfed5042d27e1766bee8acc"
		"d4b503f89bdaf2523a0660d6ea023ae70e75ece1449880b301cd24ac2afbd7c5"
		"8f000865b7b9d1ffffffffffffffffff018ebf0220590972f8b4aea5a46786c2"
		"024ad3be96eaefd8cbce67f4c10264037f23d6cddd97c467d8c1021b84f03ab0"
		"f7a8849767d6d5eff99a678ce65706d6cddd97c467d8c10209fdef7180b0d787"
		"d067f8fb0276eade4bffffffffffffffffff01d4c102"
		,
		"0115b4bd8ff1a06690f3f2bfd467a2eaafc4d46780d088f6d36704503130300b"
		"383631333930303030323786c202000a00000000000000000096cd0a013a0608"
		"0204080204060402040400040200000000000000000000000000000000000002"
		"0604020206040802040408020a02040004020602020606020259000202040404"
		"0400040004060604000000000000000000000000000000000000000002060006"
		"0002000002020202000602020000000202020600000000000000000000000000"
		"0204040604060002020602000006040006060206300202000000020002000202"
		"0000000000000000000000000000000000000000000000000000000200000002"
		"0000020002095900000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000002000200000000000000"
		"0000000000000000000000000000000000000002020000000000000000000002"
		"0a5a000202020002000000020002020000000000000000000000000000000000"
		"0000000000000002020000040000000000020002020004020202020000000000"
		"00000000000000000000040000020004000200020000000000000004ff01f6fb"
		"02f6fb020896cd0ae0f01700bae20db6981c00948c0caafd143ed36a316f07fe"
		"30499f0a2a47609d0d5a4459d60fbe83c8c40b3639fa8f04bfd1156808ad440a"
		"550444fe800a057f1b38f40df012aaee0ed89a3fda0da825ff600dc9fbea8005"
		"0676ed100df0fe024e0cf575fab10c721bfdb60c96c1dd590cd107beff0aec41"
		"8e510b47653a99011de2e3c10b8dcab6f1049bde34b503c8acf932039df02923"
		"08963a52e502a466ee39093b885d07094e81c1ec08b7ae1d5c08e402199a085f"
		"5fc1d308c01e2af407ceff3bbf0784b673360afac0bff207e2d4b89707656d20"
		"500632877fb00186c655f406d8c1e44f06579300ee05a68f213e05536cfad101"
		"314ba8570220cbf07504cf3cd49704cb4623af0322733cd303b0ca69fc031028"
		"ae9203e3df4bb401027a85cb02b922e823011d038c5a004c698c9600db465398"
		"007d13e459004a01858f005422125f0017e452f7b29ef11900f4bc14c5500549"
		"267c8b74a0ab146244022bd1c813c2e8de130e40761ff7f8f2fece97136227be"
		"6b52ec8802f4de10b6d3117f6f4addc9beae10a8bd72f06231e27d9a840f6749"
		"4699f77ec395b8ea0e1900ba51738e715eca900e36a8887fad9d8a16909e0d8c"
		"ae0f60c273f35adcbd0b72b4d49655b95ab3d6e009b03d292a99260ae7968009"
		"048c1add08d3744e949608cd6fc01aa9dc8e41e8bf06cb8ea5f67ee9aa30aaa2"
		"0571159730714fcd018ad604ff978ca7f17d010dfa8a045ec0f2f8f6484598c2"
		"b203f314b7bc01b0f3afdaa80392a5f7fa77914e4fbef301983aa595a0ee5c75"
		"ac49e78e13b89bcdb0d0000765b7b9d1e499b8f7806784c002205909728ccdaa"
		"86a66786c2021b84f03a9af7e9ab9b679af7e9ab9b674ad3be96f0e1d691b767"
		"b2c10264037f23f2a182a5af67f4c1028ce65706f2a182a5af67eec10276eade"
		"4bffffffffffffffffff01e8c102"
		,
		"0112a4b1b4bca06686baffbcd46786baffbcd46780d088f6d367045031303000"
		"86c202001e8e3ddc49e842d053a03faa6b8a109e84018c48aa4694679252c23c"
		"be40e83fc626de7af446f65be44eb850c820ba8101e497018e7cb26da26fea2e"
		"aa43ee59013b0202040400020004020404080204080002040a02000006060802"
		"06020604060604020602060606000202040206040a0202020402060400020202"
		"02025a0002040600040204020802000400000400040200040404000404000404"
		"0604020200020200020400000402000406020000020002040402020204020204"
		"0404020404040206040202040400020002040404040004000208060404063900"
		"0000000002000200040402000404000002040000000202020004000200000000"
		"0000000202020000000200020004000000000000040002020703000202095800"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000200000000"
		"00000000000000000000000000000002000000000200020a5802000000000008"
		"0002000004000200040602000006020200020000040002000002000000000000"
		"0400000202000006040602000000020000000000020000020004000200000000"
		"0202000000000002000200020200020002ff01fafb02f8fb0208f6d7039ceb14"
		"90bd109ed312d0c411dce81186e30bc2d60e6de402199a0bf012aaee1d9de68b"
		"411d635766a511487cf8ac04d107beff03d89a3fda0ee3df4bb404f8bd50c703"
		"1028ae9204d36a316f11e6ca80c108be83c8c40247653a990ec9fbea80154c11"
		"f9d1079bde34b513b5887a06034a01858f1d1e81958f198f526b170324bea3f5"
		"026aa2c6ec0f65805b7c06314ba8571cfe30499f0cc62331ad181de2e3c102c8"
		"acf9321ba37fa62a092a4adb9b0904842e1c09a3aeddcf0af44a539f15c12fff"
		"5d14bfd1156808ceff3bbf18926ac7bf1c5422125f0b20fae60902abbcb0ba0c"
		"db46539813180b6ea507cf2f69021dc15f41961db4b1e6751d54a19b2c02a68f"
		"213e1c0939bd6d1cab6c980601b7f8b7481a89d0eb6e1a027a85cb015f5fc1d3"
		"007f1b38f403c3c47152179d8f4a211637e19b691668c1fb1009c06673880a2a"
		"8bb087137365adca0dcab5f89c12bf5419c512e2d4b8970f34bd966112f49018"
		"7d12c26076cc12dd0186e711854bdb670da710558f11d7ee018f0fac17fff20f"
		"4b0d7e650e84b6733610536cfad10ec23b71870ebd7691f80e656d205000d895"
		"7f730ed68bacc70dc2c286ef0d80a8128f0dd64a42f40c283b3dec0cfc78bd21"
		"0be79fc52c0b3075b42c0b24bb57470ad9dc05aa0ae602736f0976057514099d"
		"3d139a08cf3cd497056bfc581e08324f34fd074a9f509a062d8c01db062a4760"
		"9d0632877fb0052d29077a043fff7f8503ec418e51014d659cc1053bb04efe01"
		"a466ee3901b7ae1d5c004938955100c200e4a90015bf76d78d149fb7808ea714"
		"c4cc7bc9e38cec65debb13ff59e7d5d8fd6475d2dd12af392f4e321183a5da9d"
		"1230a0d8f44804434782fa10fce04084473310e0eceb0f35d9b426f01bb712e0"
		"ec0edf2bc5ae1403beb2c4840df2667f084ffba180e4820ccb8875de7a73df8f"
		"a49d0a09d23e6ae73fd05286b509ba29361f27d31740eec7084ba839ce5655bb"
		"44beca07b99d14df364d0afbd0d706223719e00bedd37bcae7045dda2ee22237"
		"2659bece04c38cfbde09db838098b004d78cff6673fb34299a8b0362c5740252"
		"5cd7befae90272dd6942b73c879bb29d013db65c4553569df000074ad3be96a4"
		"fff4d8c66784c2028ce65706b2e9a1cae266aabf0265b7b9d1ffffffffffffff"
		"ffff018ebf0220590972b698dd8fac6786c2021b84f03abee4f885c167aa87da"
		"decd6776eade4bffffffffffffffffff01a4bf0264037f23f6e7bca6af679cc1"
		"02"
		,
		"0114b6f795e1a066a2c6acbcd467a2c6acbcd46780d088f6d367035031380b38"
		"3631333330303030333086c20200178827f61ef84fbc29a631863f823fba3c90"
		"6ce832c658ac2b9a41c44bc83d8a22ca1da034ee8701d822ee1000c801013804"
		"0206000204020406060404000204080202000800000000000000000000000000"
		"0000000000040404060a00040602040200040204040802025a02000000000204"
		"0402060804000004020400020000000000000000000000000000000000000002"
		"0000020000080006020604020202020004000000000000000000000000000000"
		"0006060400020204020402020400020404040206380400040000000002020200"
		"0000020400020000060000000000000000000000000000000000000202000204"
		"00020202040000000002000202095a0000000000000004000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000200"
		"0000000000000000000000000000000000000000000000000000000200000000"
		"0000000000000000020a58000400020004000202000002040000040400020200"
		"0000000000000000000000000000000000000000040002000000000202020200"
		"0200000000000000000000000000000000000000000204000002000000000202"
		"000002ff01fafb02f8fb0208e0ee02bada06da8109a8e30f9cb910f8b808e4ad"
		"05c297114e7f1b38f40f314ba85716d7ee018f093639fa8f0aec58ef8312d8c1"
		"e44f0ad89a3fda1465805b7c14cb25d49713d107beff1380a8128f1317133147"
		"1396c1dd5901b5887a0612ec418e511120fae60911ab6c980611c8acf932112b"
		"16e59d085422125f0a2fbb4420109bde34b5008f526b170efc78bd210fa466ee"
		"390f1157af560f84b6733609fac0bff20e1028ae920f5f5fc1d30cfe136fee0e"
		"f8bd50c70b493895510d7dac58520d04842e1c0d91e95b6f0d86bc39d20d3287"
		"7fb009a37fa62a0be79fc52c0b24bea3f506e65d5d8a0b4e81c1ec0ba245d063"
		"0b4a01858f0501d4cdd802b7ae1d5c09abbcb0ba0a9df029230444fe800a0963"
		"5766a509536cfad108c15f419605fe30499f0833cb1b1707c67a173e09be83c8"
		"c406e3df4bb403963a52e50720cbf0750754a19b2c08a68f213e065021777806"
		"9de68b410534bd966101889223b105e9f6f9e504d8957f7303cb47676e03416d"
		"7feb021ae87ef702d36a316f021de2e3c100cf3cd49701e1687fcb0371308876"
		"00a152422500bf17493f0015d8c8c25886611f94909f14da0c78431a4cd201be"
		"e0135873d8401d8530e1d08d1218323da82f4d6b87eabc112267ea6483f45b70"
		"f4e310facfea8060bbe8b2c2ef0ee2ebd6cc154d2acfe2c20ead19ec08ba5054"
		"c6a0dc0c1d2aa0b4e2ca7b2e84b10bb99834cb2f12361cf0ec0af12c13a2a3e2"
		"68e0c2db09cb1a031b1d836598f0aa093b3fd9e616eee64bbec3073a799a60ca"
		"e80921b0d80684920b9d5d19bda8e8df1455d220d064f8fa49a0da04e58cba10"
		"1eea10fcfec2031232374a2f48c966e4ab02fdc55d88435ecbd3feda0189e70b"
		"4ee4bcec080003d9947a4b052f4d8cce12094ad3be96a4eefbd8d36784c20265"
		"b7b9d1ffffffffffffffffff018ebf02205909729ec88e9a9f6784c20276eade"
		"4b8c82ded4ba66dcc10264037f2396dac6cdb067e6c1028ce6570696dac6cdb0"
		"67e4c1021b84f03aae8493e7b167ae8493e7b16709fdef7180b0d787d067f8fb"
		"028650b452dae39784f466dae39784f466"
		,
		"0115deb9c8b39f66d29682a0cf67d29682a0cf6780d088f6d36704503130300b"
		"3836313338303030303233f6c1020016000000f4bb0500000000000000000000"
		"00000000000000bcd107013c0404020006040202060402060600020604040006"
		"0400000000000000000000000000000004040004080602020208040208000604"
		"0004000204000806025a02020004000004040008000002040206020406020002"
		"0000000000000000000000000000000202020004020202020800020402020008"
		"0202020402020402000204020004020800060202000002040a02000004020202"
		"0002020206310000000000000200000000000000000000020002000000000000"
		"0000000000000000000000020000020000000000020004093900000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000002000000000000020000000200020a57040004020000020202000004"
		"0000000002020602000000000000000000000000000000000204020400000202"
		"0002000000000000000004040202000000040200000000020202000000000002"
		"0000000200000200020002ff01f6fb02f6fb0208b08d0d00d6dd02fe8f05fcb1"
		"1700eca3099897183f34bd966109be83c8c40f20fae60901db46539801f8bd50"
		"c70f4c698c9614d36a316f09536cfad10b65805b7c02c200e4a90d635766a50b"
		"a37fa62a0cda56cc9a15a466ee3903f1719ac504487cf8ac001028ae92125422"
		"125f13314ba85705e79fc52c1216abc7ea12c01e2af407b5887a0611e3df4bb4"
		"096bfc581e1144fe800a02656d20500dec418e510f1d038c5a039de68b4107bf"
		"d1156800c12fff5d11a3aeddcf0e96c1dd590cf0fe024e02c9fbea800a47653a"
		"990b926ac7bf00d695c8b00ae402199a0a8dcab6f1095a4459d60932877fb001"
		"abbcb0ba094a01858f0822733cd302b0ca69fc07d64a42f401854bdb67064c11"
		"f9d1067f1b38f402c8acf932053639fa8f05ceff3bbf043bb04efe041de2e3c1"
		"040676ed1004889223b103ad440a5503e2d4b89701027a85cb01d8c1e44f009d"
		"3d139a0011dadc61dcde1fabeaa28515dd8b77202d3003cbacdd13917c1c84c4"
		"f9b70382ca125ef7e166d3c0e53fa6ac101d43be6179c23143a6fc0efaf00339"
		"d97e9af7c4e80dcfdfe564af966cf6fca00b09ce3c2a51eaadb598b40a1717d9"
		"fd94fde3aae0850a178764bc4612a787ead608b846613c6b3b76c79cd9065ea2"
		"ca886f73d8f2b886051afca3ccdae76b3d8497039cdbe53be67e727bae9e0261"
		"c4e30a912873b4d6e701971dc220be71b036a0b1010b9fcb62d58f6844000865"
		"b7b9d190bd8cedcc67fac1024ad3be96dcdcb594b467a4c1021b84f03ad2f7eb"
		"fe9067d2f7ebfe906720590972b2e3feb2b46786c20276eade4b80d0c996d366"
		"ccc10264037f23e4d9aed2c167d4c1028ce65706e6aac9e8d366d2c10209fdef"
		"71f4f0b79c9467f2fb02"
		,
		"011698a2a5dea0669e89cdc7d4679e89cdc7d46780d088f6d367035031380b38"
		"3631333030303030303486c202001e8e22a82de849c82b945c882fd43bcc279e"
		"2ff052f03d9253ca6b8c30a864f265aa328230dc7af641d02ef838fe4abe4cd6"
		"55ee69b84de45ffc0bb634012802020200080202020402040208080402040204"
		"06020404000002040204020206060404020a0408060227000402040002040606"
		"0600040004040204020408020000000402040002020004040402040002040628"
		"0002000002000000020000000000000000000000000000000000040000000002"
		"0002000000000202091600000000000000000000000000000000000000000002"
		"0a28020002020200000202020000000000000000000006020002000200000004"
		"00000000000000000002ff01fafb02f8fb0203d68b03e4df0fae7850926ac7bf"
		"0922733cd30ae79fc52c078f526b1712f8bd50c708ad440a550634bd96610753"
		"6cfad112b5887a060d1d038c5a1df575fab10e314ba85711cf3cd4970f65805b"
		"7c19f1719ac50bf0fe024e16bfd1156808c01e2af40f2a47609d00abbcb0ba05"
		"3bb04efe08d8c1e44f0a889223b104ab6c9806104c11f9d10a0676ed100dc200"
		"e4a907a466ee3905e402199a012445ea561d96c1dd5905b0ca69fc0ab7ae1d5c"
		"1c635766a51bd7ee018f0654e5ef5b1a493895511a4a01858f1a7dac585201ca"
		"b5f89c1a1de2e3c1195f5fc1d319180b6ea518ce994f99187f1b38f4009de68b"
		"4108f012aaee15c9fbea8004a37fa62a1447653a991318ccb3be13487cf8ac13"
		"3639fa8f028dcab6f105ec58ef830b2a4adb9b135422125f1114527b2a10d89a"
		"3fda109d3d139a0682c3a11a0d656d20500101d4cdd80cdb465398099df02923"
		"04cb4623af0ad695c8b0001ae87ef70944fe800a08fe30499f08c12fff5d06cb"
		"47676e08d107beff0759e6d310049bde34b503ec1b9b7d03ec418e510320fae6"
		"090253a3423a02e9a19a92010f77c927a89c8ca0eaa28a13860afe6c00885895"
		"d28311018e7fbb28df4196d6c90fc5085b0a57ab73d8d6bf0df22dc72425c94a"
		"3ca8db0c8fcb4d8f55d08756a8810cb5b0ffaba269627db0b50b43ac9f196f7a"
		"3592f6cc09d2457988fc494b15f689088289a4f3007d0f379cb3069d0c9ddf7d"
		"189bf4f4a605e718de15190fe71beae40310c4de3acdb25dd1c0a403929bb7fe"
		"b6037ccec2e801d1f90fba45bae3bd00081b84f03aeac8ee96cb67a0c0a6cfd2"
		"6765b7b9d1eac8ee96cb6786c2024ad3be96e6afaca2d26780c20276eade4b80"
		"e0d18ac36694c1028650b452d4e89eb0cd66d4e89eb0cd66980f434bffffffff"
		"ffffffffff01c0bf0209fdef718090acf3da66eefb02d9b9d954d4a88b80f466"
		"d4a88b80f466"
		,
		"011cd08ecbaaa066e2f399c4d467e2f399c4d46780e0c797a466035038380b38"
		"3631383930303030313886c202001ea01ac8408c23e632dc1cea1e9657d651b8"
		"719c3a9229e60dca63f818b025ca31a858f87198428c11a421f641a050e63084"
		"348035b01dde3bc22ac21c013c04060004040202040404040006020400060800"
		"0404000406040004000002020404020406020802040600000002040406020404"
		"0604020206040204020251020002040204040000000602040002020202020002"
		"0004020204080002020000020002020200020200000202080002020002020200"
		"0204020202000400020200060202040000000000000000040200000206370002"
		"0002020200020200020006000000040000020000000002000000000200020000"
		"0206000202000200000000040002000200000000020923000000000000000000"
		"00000000000000000000000000000200000000020000000000020a5202020400"
		"0200000000020002000200000200000200000200000000000000000002020000"
		"0006020000020200020004020000000002000200000202000200020000000000"
		"0000000000000000000000040002ff01fafb02e6fb0208b6c30298d50de6d40d"
		"e6bd05d4970cf2b40ea0820deacd0d5b1028ae921234bd966116536cfad10e5f"
		"5fc1d303ec418e511896c1dd5901926ac7bf193639fa8f08a466ee390ab0ca69"
		"fc1df490187d1c487cf8ac099d3d139a00be83c8c408e6ca80c11a44fe800a11"
		"1e81958f11cf3cd49703d7ee018f1ccf2f690207c15f419610f575fab112d64a"
		"42f4069de68b4116ad440a5501d107beff0c0ad2ebe40c5c3dcb320d3bb04efe"
		"0ed8c1e44f19d89a3fda064b0d7e651d4938955105fac0bff21b00cce28a16d6"
		"95c8b01a91e95b6f0c9bde34b507e79fc52c04cb25d49719027a85cb1903325f"
		"8d17f0fe024e0d721bfdb6156b6410dc14b7ae1d5c0d1de2e3c109dd0186e713"
		"c12fff5d0bc200e4a913e529b3b8144c698c961324bb574713d36a316f05e402"
		"199a0347653a99044c11f9d110314ba857109747ff7f0bdb46539800abbcb0ba"
		"00dd7607c50e20cbf0750e20fae60900a8a53319068235d0de0c970045f00c61"
		"4744580b324f34fd0bc62331ad0ae65d5d8a0a9df029230732877fb00ace994f"
		"9908c8acf9320624bea3f505bfd1156805a3aeddcf0558cdfd7701cab5f89c04"
		"7f1b38f40418ccb3be0014527b2a03635766a5028c2928a002d68bacc7020676"
		"ed1001f401043801651de94a01ac17fff20078784c9b0015a809dfc556736c9d"
		"98eb14ee0475da2cfad785c2fd131ab9f9a4b68d7c37fab313cf266c42894883"
		"8af08e12701fa9720f1f040f96bc1064861067b1c5fcc6c2ba0ffc0cbad5398e"
		"3799a6f10d1eae91d16965435280eb0cce3bc3ea6252571ba8920bcebadfe3fb"
		"e35b79d4bb0a62875bdff86fb3d78ebb09dbff61ed08b3bad49cca0879f8701a"
		"31194e67bcff07c085b38f388486f6ee940780bdc1c3b369ec2ade8e06f3d13f"
		"e74f73df0cde9505ad57d53887688863f49d04029bab170d98e860dec603926f"
		"500690b2ea76d8de02473fb328428fc8f3b4e80d21a6d730d94712d300011b84"
		"f03a9ecdf4a5a4669ecdf4a5a466"
		,
		"0103a29594d9a0669addc0b8d467eab9f2c5d46780d088f6d367035038380086"
		"c202000a000000000000000000c8f40c013c0204060202000400020200020406"
		"0608000206000208040402020204020206020002040204020204060206060406"
		"0002040402040604020202020002025902000400020200000204020200000204"
		"0002020002000200000200000006000004000002000402040202020202000402"
		"0000020204060200020200020002040200080202000204000002000202000000"
		"000000020002040202063a000202020000000002000002020002040002020002"
		"0602040002000000000200000002000002020200020206000400000204000206"
		"0002000202095a02020002000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000200000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"020a570202000000000000000002000002000002000000020000020002020004"
		"0002020200040200000000000000000000020200020000000004000200000000"
		"0002000000020200000002000200000400000000000002020202ff01f6fb02f6"
		"fb0208c8f40cb2a007d6b10a9a8a0994a20fbcaa05e2a0068c8a1159ad440a55"
		"030676ed101dcf3cd4970f656d20501b22733cd314d89a3fda1b59e6d310196a"
		"a2c6ec19e529b3b8169de68b41091e81958f121d038c5a0dd36a316f07bfd115"
		"680c1635b0340ba245d06314760575140be3df4bb400536cfad112f1719ac504"
		"8f526b1715e6ca80c11aa825ff6011dd7607c51db0ca69fc0358cdfd771dc12f"
		"ff5d1820cbf07502bf17493f1b6bfc581e1a4a01858f0ffb4d62ac1a487cf8ac"
		"1a721bfdb619365f8c89007726c67d181157af5618d107beff0b9747ff7f1789"
		"d0eb6e17c200e4a91734bd96610224bb57471618ccb3be16dd0186e7158235d0"
		"de155422125f1501d4cdd801d9dc05aa0aec418e51053b885d07144c11f9d113"
		"c3c47152139c234b5212d8957f7312c01e2af41147653a9912c06673880ba37f"
		"a62a0f4d499faa0fc8acf93206f575fab10e4a9f509a0e635766a50e7f1b38f4"
		"0d4c698c960dfc78bd210c86c655f40c027a85cb0cc15f41960babbcb0ba0930"
		"75b42c09cf2f690208889223b1079d8f4a2108e402199a06210a5353061de2e3"
		"c106ab6c980606f0fe024e02b7ae1d5c053639fa8f00651de94a03b4b1e67502"
		"3bb04efe02f4010438029bde34b50232877fb002ceff3bbf000ffb7068511216"
		"2f6fd4b014869eee383ae79a6de69a1289b9f2ba0b110ba4b6cd10dfdcef4c9a"
		"992b4bd49a0fee68a5263c04844584c10d9a46bb7831584b6eba8d0c42f7cb2d"
		"54230764d6c00ba56c9a185a8e35bb8cc2095130e1aa822cd8f8a2c807398b59"
		"8c80f9ac94a6b105de995f51373542cef2e20459bbfc38eb54f3c8e88404b108"
		"cbbe72fc7901e6b502806355ad2d4bb74eaedb01d03ea14eff9d7f0c000765b7"
		"b9d1ffffffffffffffffff01d2be021b84f03a8e90f9d2f6668e90f9d2f66620"
		"5909728ec9e383a36786c2024ad3be968ef7b7e6e466d2bf028ce65706f4e6f8"
		"9d9167bec00209fdef71fac494caed66ecfb0264037f23ac89aeda9167bcc002"
		,
	},
};

/* all features, UTC+8, seed 23 */
static const struct gold_want GOLD_ALLFEAT_23 = {
	.nalerts = 1139,
	.alerts_digest = 0x945bb56422ce2df5ULL,
	.blobs_digest = 0x59f2657b2f1c8526ULL,
	.nblobs = 2581,
	.alert_ids =
		"7fe53e62127df9c4a1576ce5333ef2e0 db43b66e6702040c0e8834d45a01da61 "
		"a6f7a20e3de7352e7e7628e764f61a9e ed60a79e53ba18677662786c0c579645 "
		"af8a6dd3ad5ef7988147b57ff516c111 ae3c4240464a18ef0e36e76e7fdaf657 "
		"5cfa198df1f64e332862ebebf6fa0e33 39f2369990e26378f3b27a0e540f8012 "
		"4993369703c0076b2f7251a23e913eb4 f534a62ed937e086d9cecbba3a25c22d "
		"6fb80e93703636ca3461531fd31adf09 e0daf71d7fcaf36ec249c227a6268c62 "
		"8f7ce0e071e413bb87a1bdaea3579337 cd78980b529fca7286373677c07358d8 "
		"411ced0d8d3e27c9f50adcdfb61f5af5 4269cb2208e79dd5c066f6cbeea0c28c "
		"33485ea1da3113c7a8d1832713f54872 3be017822b8a2dfe72c975239244b506 "
		"880be2213380c489b12b0a9f426a7620 7624c7d575dade2f8cf8b6fc70df3d59 "
		"f29ba46da770e5a76ac433d0ae826184 acdcdf78a2cf59da1b11f8741f846a42 "
		"34f1e1ac3aa82399dc02691236822989 366f677aae67b5c05d94b96ff8e29022 "
		"f1f4b9e5dc66b144d4e2dc0a511ed0b9 bf5423ac92cafd85f92c40d2c7e840d2 "
		"f1edfd299e0e2252c8ac670fd113fd34 b1478efb010244200aba85a98239fd1c "
		"2719b78040a007d5d02927a41b2f6a64 abcf4b72bd0f61b8d9f129e7574e1404 "
		"b01a31e9545ad253844f7f6f0b62f883 3fd8e932bbef7ed9e53089dc9d81089e "
		"f15b7601a1bbc198642fa17f2fa23765 a03a6ff1ce02447677cd0c8a20c54f95 "
		"82bcb8ba90c0aa951cccdca64f5d0dfb 5178e88d2dafc6841c62240bf08a4c1b "
		"a735e7956857efaba24a2559e663e667 01709e7d5729b3e7d3427f637c96fdae "
		"9608a82bc5a0df16f46a965bea7f6ff0 da7445039dcdbf1e7bb72f550f0c56a6 "
		"776455711af688a21a4c3f19a4e21620 4225b2df0c203dc95fc04cb84db73c07 "
		"51ef846aa8224ed6fa39af03876a4520 6d21f5321b582d7ede1e204dfbcbb69e "
		"a45bbff59cbcdf3f66b1cdb628e2a696 e7db71ce0143eb8e507d88770aa4ba63 "
		"2570dfdaf81a87529279ac2d8199000d 246b0434f44ce723581a13ee27d10f2c "
		"d366de67230e2f678236c3d7887599a8 a072e647b0f3afb5f68f0bfcdbfe5588 "
		"f4d51f7fb1605fdb55b3fe3dc7cae6ae e1439c60b0d2bbd4aed742e5a6a50e21 "
		"ea99f839ee8a434603a0ed7800fd58ab 0e55d370767b37d8a6e52e7fd3da495a "
		"2b3f54261625d68a1dc6cb1f0e84c4af f5dd28821730b37344ad6be4591d41f9 "
		"c62dddeb1c987f5b4c4b5c4e5ca9e660 0b8cd6cbe64b03c46efb3c4d5242e6c9 "
		"d54f310eaa3003bc3ed6e54f04014881 f7521f6bc5dc8c7df43d4dd9d7eca689 "
		"48b89e26c5dfec98864f7982bcdda7a8 004efc7fb5b0272a4b9f168765f0a9b8"
	,
	.blob = {
		"0116aaa299cea066bef09fbdd467e6ccc9c7d46780f0ffacd467035037300b38"
		"3631383930303030313188c202001ef206d465ec45e841c48501a8459452ec45"
		"f634de609a6ff842a45a8260d2319669d662f0548c8401921db65ca625e67d8a"
		"5e9038c06bce66cc8201a029e839013d00040a020a020e0608040206020a0404"
		"000004040402060602080604040404040408040602020404020c060210080006"
		"0406060602020200020600040602b00100020006040400000002020202000406"
		"0400020200000404000000000404020400040608020200040602020804000202"
		"0400020202040804040006020004020206060202000404080602000000000000"
		"000000000000000000000000000000060006020a040200040000060600060400"
		"00000202020604000402000a060404020c04040404020206040a080604020004"
		"0404020004020604020402020204060204000008000400020204040202040402"
		"03020004042cf688e601bac7c50998cfda07dcfdc603e29aaa0de8d5e503c496"
		"f9089c8dc408ceccf20592ec9b11ced4b90e90c4dd0aecb99b08fafeab02dacc"
		"c603a495b005a8a0c20bc4a98003eea5e30b82cbdc05ec9db20aecc1f004fcf2"
		"de0a9e97da0ab88cb80994eebf0a9e88fe06c6f7fb0dc2c4a908b8fcdc038cd4"
		"c30bdaa59508a4f2c50a96cdcc048eb6d00782c5a003f6fce306d2989e02c2f1"
		"8b0d9e85950596a6ed07c2d2e6098aac8309a6a4e90c050e00fc069e15f003b8"
		"1dca01e014ca12b61cfe08f404d80c8602bc0e063d0000000000000000000000"
		"0000000000000000000000000000000200020000000002000000000000000000"
		"0002000000000000000000000000020000020840020000000000000200000002"
		"0200000000020000000002000000000000000004000000000002000000000002"
		"000200000000000002000002000000020000000209a001000000000000000200"
		"0000000000000000000000000002000000000000000004000000000000000000"
		"0000000000000000000000000000020000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000020000000000"
		"0000000000000000000000000000000202000000000000000000000000020002"
		"00000000020000000200000000000000000000000000020a4c00000202020002"
		"0000020400000200020002000000060200020200020202020004020002040000"
		"0002000400000000000000000200020004020000020002000402020006000004"
		"00000202020b3c0000c0b802c0b802e0d40300e0d4030000e0c50880d30e0000"
		"80e20900a0fe0a00a09c01000000c08b11a0fe0a00e0c508e0c50800a08d06c0"
		"a907c09a0cc09a0c0080c413a09c0100c0a907e0b60d000000e0d4030080d30e"
		"0000000000000000a08d0600c09a0c00e0b60d80e2090000c09a0cff01fafb02"
		"f8fb020986d704a6e213caeb13d4df07e8d70eb6cd16bce809ece01598a60f3b"
		"926ac7bf0422733cd30dbfd115680c3639fa8f01c01e2af402180b6ea50aabbc"
		"b0ba03e6ca80c10cc200e4a901db465398041e81958f0be2d4b8970047653a99"
		"025f5fc1d3095a4459d6044c698c960bd64a42f4089d3d139a04f0fe024e091d"
		"e2e3c104889223b106b7ae1d5c02536cfad1081d038c5a0d635766a506ad440a"
		"550df575fab10de3df4bb40b44fe800a03c8acf93207f1719ac50b7f1b38f404"
		"4c11f9d10a96c1dd5909cf3cd4970265805b7c089bde34b5042a47609d049de6"
		"8b41086aa2c6ec07487cf8ac01ec418e5107a37fa62a060676ed1006e402199a"
		"0624bea3f503c3c47152052445ea5605ab6c98060458cdfd7703fe30499f0302"
		"7a85cb02a466ee39025422125f0218ccb3be02aea1b26c018f526b1701d89a3f"
		"da01f012aaee000b4976f55dc6381fd4c0bf098f5d9a4680db5424b2bb08f08e"
		"7be046305988e0d20736a3464b2bc291ccf8840735b0d78a97b175ff90a706a1"
		"82e8cd23dad657a4aa05771f94211ce7322dce81058a84498c24201452aaac03"
		"e6f0806c5d02b9a180e801ec9b497fa2166ddc96a901747d6c4595587f5b000c"
		"755299a0fe86acc2d36788c20229e8b944eae1fbb4a166b8c10267d2f235aea1"
		"d68ad36788c202802e7accc2fdcecece6788c202568977d9b68adf9fd167fec1"
		"02f92f2c25c0c886c0d16788c202a4f0d06a9cd8cc84cb679cd8cc84cb678a1e"
		"e85980e0ccbfa167f0c0027be6b521f6e9abe2d36788c2027b2f3aa5e6f2cdd6"
		"cc6788c202c87d1727fc95dabd9e67fc95dabd9e67d632a40380b0fcc9a867f4"
		"fb02"
		,
		"0111a8e2e6f6a066b4ecedc6d467b4ecedc6d46780f0ffacd467035033380088"
		"c202000b0000000000000000000086db07013504000604040402020202040402"
		"0604080406080200040202000406040206000404060400020206000202040402"
		"020404040404040402b401000602040404020606060802060600020402020402"
		"0602040200040204020404040002020204020404040402020402040204000200"
		"0200000000000000000000000402020402020202000400000004020204000404"
		"0004040402020204020402020002020002020000000000000000000000000006"
		"0404020602020204020000000400020404000000000000000400020206020402"
		"0804000202020202040608000602020404020208000400040002020402040403"
		"020402042daecbc207a4faf008a4d5ee04f6e3880380c09403a0e3b907b09db7"
		"0494a3d003acf9c807a6b0910af8f1ec04a8879a05d8fcd207c2d38b03ac849b"
		"0b00a6d68607bcc4ff07f8f69e018efba80ad8a08b05f2d5ef0dd890ac0bfc9c"
		"fb03f8dee20ccae6d00cb8abb70488a6870b869b8f058093f70a80e1aa0bbcf8"
		"e90cacbed502faedfa06a4d3f803b291e209e2ceaa06e6aae50aeaccbc0298c1"
		"c308009a9fd104bcabad09b093b90790f5870a050eec0100de09b805a60ca602"
		"ee056ebc08b206900baa0da008ae0e0631000000000000000000020000000000"
		"0000000000000000020000020000000000000200000002020000000000000000"
		"0004085900000200000000020000000000000000000000000000000000000000"
		"0000000000000002000200000002000000000200000000000000000000000000"
		"0000000000020200000002040000000000000000000000020000000002098f01"
		"0000000000000002000000000000000000000000000000000000000000000000"
		"0000000200000000000200000000020000000000000000000000000000000000"
		"0002020000000004000000000000000000000000000000000200000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000020a58000002020204040000040202000200"
		"0000000000000000000400000200000000000000020000020402040002020002"
		"0002000000000000000000000000000000000002060200020000000200000200"
		"0002000202020202040b31000080e20980e209e0c508c08b11a0fe0a0000a0fe"
		"0aa09c01e0d4030080f1040000000000000000000080e2090000c0a907000000"
		"00000000a09c010000a09c01a0ef0fe0c508a0e01400a08d06e0d4030080e209"
		"00a08d06ff01f6fb02f6fb020986db07e48f06e0d80d98ce0ac68707a0cc0682"
		"b40d9af51ad6b507428dcab6f105c01e2af402f1719ac50df8bd50c707a466ee"
		"39069de68b41071028ae92022a47609d056aa2c6ec06fe30499f0c365f8c890a"
		"db465398015422125f06e2d4b8970ae6ca80c10ac9fbea8007d695c8b0066580"
		"5b7c00f0fe024e0418ccb3be0a9df029230c9d8f4a210d4a01858f04e79fc52c"
		"0dd8957f730d1e81958f05926ac7bf0a47653a99027f1b38f40c44fe800a0865"
		"6d20500ba3aeddcf0ba37fa62a03e3df4bb40a24bea3f50486c655f40aad440a"
		"5501c06673880996c1dd5909027a85cb085f5fc1d308d36a316f07d64a42f407"
		"3639fa8f07487cf8ac07bfd1156805635766a505a152422504fb4d62ac04536c"
		"fad100b5887a06044c698c96014d659cc104c67a173e04314ba85703d107beff"
		"030676ed10027726c67d02ec418e510220fae60902ceff3bbf0134bd96610106"
		"cfe17801877de2ac01f012aaee00d7ee018f0010771c38731fc289b4a6a90ab5"
		"d2b10e0fd3bfd9a2810a3a81087a53c3fc35a8df082443903f35df63caa0bd07"
		"540c07757b9c8d4296ae0601704ccb9af7e15fb6ea0410a3135221d70bb3eccc"
		"040a31c86c0d70725cf8ae049c1298b5f52ca683e2c303d4b82ad084d88855c4"
		"e002828eb345a85c88ebbe9f02c91dc3852f577fa4ac91023cf0879696ca88ce"
		"a2ba018e176b923a731967849001133b63759c8ab499b68101fdf9510cd63e81"
		"bc000d755299a080a0e7b5d26782c202663c6cbcbab8d0dbaf6698be027be6b5"
		"21c4ebfdd2cc6788c202802e7accc8c29ea5cf6788c202f92f2c25f0d8abb1d4"
		"6788c202a4f0d06ad2e393a0d367d2e393a0d36767d2f235e6a5a2c2d36788c2"
		"0229e8b944a6ffddfdb26690be02568977d98ef581c7d26782c2028a1ee85980"
		"90f981af679cc102d632a403a4eafe93ce67f6fb027b2f3aa5ea97c2fec56788"
		"c202c87d1727b4b08c87b167b4b08c87b167"
		,
		"01128e9091c9a066eef6bcbcd467eef6bcbcd46780f0ffacd467035037300088"
		"c202001e8803fe4dec2ec032b44ecc2f8e65c88601da2ff475c48d01cc39c05b"
		"f048a859d213e619e022fc5ba089018852d05da42b8868aa358845d63fec65c0"
		"51d64c013d0206040004020206000006020206080004040a0802020404020406"
		"0606020a00000000000000000000000000000000000204020406040804040604"
		"020402b401000202080202020206020402040206040202020204000202020a00"
		"0400020000000000000000000000000000000000000404080000040400040206"
		"0604040000000200080000000402000402000604040402000206000004020202"
		"0800020202060204060800040004040206000404020204000000000802040202"
		"0004020204040202000204040204000002060404040000000000000000000000"
		"0000000000000000080400020404020004080402000002040603020006042000"
		"f0a8f508eed5ab02989cbe01a2b78405ccc6e202cee6d60ba691cd15eebc68ca"
		"beb704b0d0810a92f9de0bf2cb970696f1a708c6f7c30cd0dfff0182f7b707ea"
		"ddbe02e0caa10ab694c00becdecb0acec8ba03def1a002ecdaf00cc6c39703da"
		"94d602a28bff05ba93cc0ae0babe07bae0cd09fedcf30198bc9c01050edc0286"
		"0fc20800ca0cf40276f60a0000ac0cf6045e8612063b02020200040000020000"
		"0402000204000200040000000002000004020000020000000000000000000000"
		"0000000000000000020002020602020002085800000002000200000000000000"
		"0000000002020000000000000000040000000000000000000000000000000000"
		"0000000000000200000004000002000000000000000000000000000000020000"
		"000000000200000000000209aa01000000000000000000000000000000000002"
		"0000000000000000000400000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000020000000000000000000000000000000000"
		"0000000000020000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000200000000020a59000002000202"
		"0200040402000000020200000000040200000400020200000000000000000000"
		"0000000000000000000000000002020000000200000000000006000000000202"
		"020200020200020000000200020200020400040b390000c09a0c00a08d06e0c5"
		"08c0b80200a0ef0f80d30ee0c508000000e0d403a08d0600000000a0fe0a80e2"
		"090000c09a0c00e0d403c0b80200000000000000000000000000000000000000"
		"00000000a0fe0a80f104000000e0d403ff01fafb02f8fb0209889c04dcdd0db6"
		"e30a90b214dce70ec6c509889f0fd4f50fa0a8103a0676ed1006d107beff01c0"
		"1e2af4034a01858f0b7f1b38f40a96c1dd5909a68f213e0aa37fa62a01ab6c98"
		"060644fe800a07536cfad1069df02923091028ae9206b7ae1d5c01027a85cb03"
		"abbcb0ba0858cdfd770153a3423a03e6ca80c1022b16e59d0d3b885d070d4765"
		"3a9905e79fc52c0d314ba8570cc200e4a905d89a3fda08cf2f69020b4d659cc1"
		"0aaa31e2ae0acf3cd4970435d44b2009c15f4196091de2e3c10254e5ef5b08d6"
		"95c8b008bd286d07026147445808b0ca69fc072fbb4420043075b42c07f012aa"
		"ee07c8acf9320420cbf07502e9f6f9e505bd7691f8058f526b170324bb574704"
		"2a4adb9b03b7f8b7480386bc39d202283b3dec02fe30499f02635766a502f0fe"
		"024e0118ccb3be01f401043801e402199a002445ea56000c8f63f94a75aa8cbc"
		"dcd6093868da1c88b2d147febe085cf9a824706b72c6fe9a08bee7acc1330569"
		"18b0b006e259d29cf5e2f355fa8606073428f08a4a484dbe9205845d8f98d310"
		"31db90b004c61482ecec1d817682b5034837a0777a383653d0ab027941451b3e"
		"57bbd8d27051b26e12bc857942b0137c0ea8b1b7dd5b09000e663c6cbc9c86dd"
		"84d26788c20229e8b944a0f7c8a6ae66fac102755299a09ebdc1ded36788c202"
		"a4f0d06ab2f8bc93d267b2f8bc93d267802e7accce86abc2d06788c2024c853d"
		"2e80b0c183b867b2c1027be6b5218c95afd2cc6788c20267d2f235f0d3e6a1d4"
		"6788c202f92f2c2592b0d8ecd16788c202568977d9f2cbc3f9b1679cc1027b2f"
		"3aa580d0a098c66788c2028a1ee8598080f18dbf67cac102c87d1727d881f2ac"
		"bc67d881f2acbc67d632a40380d0f2f1bb67f6fb02"
		,
		"0114dabc99dea066aeb88dacd467aeb88dacd46780f0ffacd467035033380b38"
		"3631333930303030333486c202001eca2286418211d437bc70e241a8679c5380"
		"4cde4db4689643da44d647f863d02aee30cc4bea4ae436869d01a052d62ebe4f"
		"d2668007e05ab643f84ae854013a04040402040204040604000204040c040206"
		"0802020206040406020402060404040204020004040a0a020602040408020204"
		"060604040802060602b401040002020202040202020402000204040602000600"
		"0000020000040600020004000200000204020002000006040202080602040400"
		"0004020000000000000000000002020004000404080202080000000400020400"
		"0400020000020000000000000000000402040404020204040004020206020202"
		"0202020200060604040600020202020202040202020206000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000203"
		"020406042dc4aac004b0e6a10382aca504848f89049292cb0ba8e28507d0a88c"
		"0b86e8d70c96ef930aa4bb9c07cc82dd03be888709fed4a706f4b1fd0782d1ca"
		"02b4fb9407fec29001eebde707aecbf801c09b810694d3b51186f6a509eefadb"
		"03b0bd9c04aed6bc0f96f243aa91ed02daeab107bae88311deb88707cc9ae305"
		"94fcec0efad984048cfb9e0ffefbf602d8eea204e691eb06dae8c20ae8c1fd09"
		"90bcd0060084bcf80292c7d301eae48f13dcb68908050eb00be006860ea802a6"
		"0586029c05b008f60dd80e000ebc0fe40c063a02020000020000020402000204"
		"0002040202040000000400000200020204000000020202000004040600000000"
		"0202000000040202020600040208510000020000000200000000000000000000"
		"0000000000000000000200000000000000020002000000000200000000000000"
		"0000020000000000000000000000000000000002000000000000000000000002"
		"0976000000000000020000000000000000000000000000000000000000000000"
		"0000000002000000000000000000000000000000000200000000000000000000"
		"0000000000000000000000000000000000000200000000000000000000000000"
		"0000000000000000020000000000000000000000000000020a5a000000020202"
		"0000000000020402000000000400000202000404000000000000000000040002"
		"0000000402000200060400020602020400000000000000000000000000020200"
		"00000200000200000004000202020000000000020b3600000080f104c0b802a0"
		"9c010000000000a09c01c09a0ce0c5080000000080e2090000e0d40380e20900"
		"c09a0c80d30e000000000000000000a0ef0f00e0c508000000c08b11c0a90700"
		"c0b8020080c413c08b1100a0fe0ae0891ce0c508e0d40380c413ff01fafb02f8"
		"fb0209ecc503d8a51188c40edcfe0cf2c80ea0c808eece04f6900dd0bf103dc9"
		"fbea8007a37fa62a0c6aa2c6ec0220cbf07509fe30499f02c01e2af40bd7ee01"
		"8f0de79fc52c04635766a50dc23b71870da466ee3902bf17493f0c4c11f9d10c"
		"420ad77c0c5c3dcb320b6bfc581e0b44fe800a0b0939bd6d0036ec0ead0ab922"
		"e8230a89d0eb6e0a1635b0340ac2c286ef092a8bb0870980a8128f09e402199a"
		"09a3e2425608bd286d070835d44b2008fc78bd2104b7ae1d5c08e3df4bb40861"
		"47445807b0ca69fc0334bd966107f012aaee031e81958f0732877fb006ec418e"
		"510624bea3f505f1719ac505249da125059bde34b50347653a9904ceff3bbf04"
		"d695c8b0032d8c01db03ad440a550318ccb3be0029b48d1702889223b102c066"
		"7388014c698c96014a01858f012fbb44200195e383fa0149389551008c2928a0"
		"00926ac7bf00c15f419600210a5353000a3368fea4a861ad55d6d109c0b4c106"
		"516bd755e0af0938796f104ce3165baaef08438b865f1faeb9a38e92071a6c74"
		"c139ceb95ebab306f5f221f33ce2817f9ae004a9d4d28b156fafd6e6fb034bb0"
		"2d0d18bc7d0faca5024c434825bc8553cdfcde01f1cf3b375016a97e000d29e8"
		"b944ba8182fdba67f8c102663c6cbcdae4dbf3cf6788c202802e7accb8c3c0bf"
		"ce6788c2027be6b5218687ccf6cd6788c20267d2f23580f0ffacd46788c20256"
		"8977d9acac99c49b67d6c002755299a0a6938aefd26788c202a4f0d06afadfed"
		"d4cc67fadfedd4cc67f92f2c25aaadf0b7d26788c2028a1ee85980b093ddad67"
		"90c102c87d1727e4d78191e766e4d78191e766d632a40380d099d2ee66eefb02"
		"7b2f3aa580f0d186ca6788c202"
		,
		"0115dc9c86c5a066ceb3c0c0d467ceb3c0c0d46780f0ffacd467035038380b38"
		"3631333330303030313488c202000b00000000000000000000a4f001013d0402"
		"0604020400040202000402080402020400000000000000000000000000000000"
		"0000020604020a040000000000000000000000000000000606000202b4010000"
		"0402040202020402060402000202020002000000000000000000000000000000"
		"0000020000080000060000000000000000000000000002020402000200020200"
		"0002020002020002000402000202040404040004020006020202040002020404"
		"0004040200000000020200020200020400000204000202060602040402000206"
		"0002040202020006000400020600000404000404000200020000000000000000"
		"00000000000000020406000004020000020203020008042b00f0e58206eecf4f"
		"c8e9c904bc8d8d07c49dfa02b69eba06cac9a303f090c208faa68a04c48bfe04"
		"faa1a004e4aae3019ef2ef06faa8fe08d8e5e10ba6d08907ae82ac079efcfe03"
		"e0a6ba0700000000000000000000000000000000c4c1b104b8a5ba099094b405"
		"88b8840dd4ef2bc0d2900596a2b203050ef007a601c811b60d24bc0500a20292"
		"04fe03009a0fee07cc1c06260000000000000000000000020002020000000000"
		"0000000000000000000000000000000000020852000000000000000002000002"
		"0000020000020000000000000000000000000000000000000000020000000000"
		"0000000000000000000000000000000000000000000000000000000002000000"
		"0002000000020991010000000000000000000000020000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000002000000020000000000"
		"0000000000000000000000000000000000000002020000000000000000000000"
		"00000000000000000000000000000200000000000000000000020a5a00000002"
		"0200000000000200020002000000000000000000000000000000000000000000"
		"0000040200000000000000000000000000000000000002020202020204000400"
		"000200000002020202000000000200020002000002020b3c00000080e209a08d"
		"06000000000080f10400c0b80200c09a0c000000000000000000000000000000"
		"0000000000000000e0b60de0d403000000000000000000000000000000000000"
		"e0d403a09c01ff01f6fb02f6fb0209a4f001ea9606dea90ade9302c6971d00f6"
		"a308aca412e2cb083534bd9661074c698c960be6ca80c10dab6c98060058cdfd"
		"7704bfd1156803c01e2af40dd8c1e44f098dcab6f10d74b7c39e0de2d4b8970d"
		"b7ae1d5c01f575fab10c18ccb3be0c5422125f024a01858f0b3639fa8f0b487c"
		"f8ac0bd89a3fda0bc67a173e0b926ac7bf0b9de68b410a5a4459d607c12fff5d"
		"0a3bb04efe01314ba85705f1719ac5099d3d139a08e79fc52c0447653a9908d6"
		"4a42f40832877fb008889223b10722733cd3075c3dcb3207e402199a02180b6e"
		"a506fe30499f04d107beff06cf3cd49706e150ceb906d36a316f02d7ee018f05"
		"f8bd50c708e3df4bb4042a47609d035f5fc1d30320fae609011028ae9202a466"
		"ee3902c200e4a9017f1b38f4011e81958f0007f88f418edbc2b15b86aa0966a4"
		"e31892460c2694a7078e46cb548353dc7cd08806e6292230d2043c4c989f05c4"
		"d33d47630d6c1cf2f903c9affd6737872c83baf3014ee64a5e05bf4258000c29"
		"e8b944aae6e182a066d6bd02f92f2c25fed291e1d36788c2027be6b521a0a9bf"
		"f9cd6788c202802e7accf683add2d16788c20267d2f235bcbec0a8cd67f4c102"
		"8a1ee85980c0d3eac667e2c102568977d9909296b7d26782c202c87d1727a880"
		"86ebc367a88086ebc367755299a0fa838d91d46788c202a4f0d06aa4ec8befa2"
		"67a4ec8befa267d632a40392dc8f96ce67f6fb027b2f3aa5aedac59fcd6786c2"
		"02"
		,
		"0116e2e7dff8a0669c98aaebd1679c98aaebd16780f0ffacd467035031380b38"
		"3631333330303030303980c202001eac07d61aa64efe41fe1100000000c212a2"
		"15b41c8a6ab047f647984aaa418225bc43c230a43ee232e26ea631c459a04bb6"
		"41d03aa229823901240402040402000000000004020004060400060804040200"
		"0402020402020204000204020602250000000402000000000002040000020402"
		"020002040002020404020402040402040400020203020002042500c0e2ea01b6"
		"c5c508ecefb3090000000000fabaa00100d498de04b4aeb910aeace508ece0e6"
		"03eed9b10cd0eea602b4937bf0869c028a9aba03e8fbd703e085ad0590efa10c"
		"b48bda06ec879c09f4a89b07b6bde808eade9502e6f8be048cc6f503d8ade408"
		"d88aca05828ffa08d28b80069ad1b702ac8ae1029891c102050eb00cba089e0e"
		"e011fa040000000000cc076800ce0c061c000002000000000000000000000000"
		"0000020000000200000200000208250000000200000000000000000000000000"
		"00000002000000000000000000000000020002020a1c00000000040000000000"
		"0000000000000202000202000004000400040b1c00000000a0ef0f0000000000"
		"000000000000c09a0ce0d40300c09a0ce0d403000080c4130080f10400a0fe0a"
		"ff01fafb02f8fb0209a6b201b0f70c92360000000000a0e6051ec8acf932042a"
		"47609d0ad64a42f40d47653a990b9df02923031e81958f04b7ae1d5c02c9fbea"
		"80017f1b38f40a8dcab6f10d4a01858f035422125f0ba68f213e0b82c3a11a0b"
		"027a85cb0a171331470af8bd50c70ab5887a060abf5419c504d8c1e44f0420cb"
		"f0750458cdfd7703d107beff035f5fc1d3013912dfa802f1719ac5014d659cc1"
		"0332877fb001889223b100a466ee39000949eb9bec08aeed7ce4cc097cc9d707"
		"2e9fbecbaafc08a0d236e2d753f931c4e90704af99dd54bce17bd28b06244f1f"
		"83018aa6248ea905ffb967ba230f8320f2bd035fb2b7963f90b7a2d6f60228c7"
		"e7e3ec234f5ab87b75a30dac5ed9344f000b29e8b944d895e4e6c867fac10280"
		"2e7acc80909a88d36788c202755299a0aed4d0f0cb67eec1027be6b52180a09b"
		"b6eb66ccbf0267d2f235dee3dbdcc667e8c102f92f2c258080cddad36788c202"
		"568977d9c6dc84c2cf67fec102a4f0d06ae6bde9cbb966e6bde9cbb9668a1ee8"
		"598080c9c1c366d0be02c87d1727b8e4f2c5c066b8e4f2c5c066d632a40380d0"
		"99d2ee66eefb02"
		,
		"011aca89f8d8a0668ecdabb8d467f69df6bed4678090baa2ae66035031380088"
		"c2020014a0208e32f42daa29a04bf2309e0ecc50d23fd846fa6ec851884cc83c"
		"8a22b444c4389a4a9e12d2020137000802040406020608000400020002000402"
		"0202000000000000000000000000000200020404080000000204000202040202"
		"080004020602b201020202000402000402000206000202020408020000000000"
		"0000000000000000000002040002000000000002020206020200040402040200"
		"000000000000000204020a000206020004000400020400040004000000020002"
		"0002000000000000000002020600020200020202020202000002020202020400"
		"0204000202040600000002020000020400000200020400060402040400020602"
		"020204020600040202020200020000000200060204020000020403020204042d"
		"f8bf29fcd732e2c1e8049cefc008d6a69306d6d89604f085a004f2c2ad09b6bf"
		"ba03fe9ee60ad8edca06c2cabf0688888b07faa2c703f0dbbc03b6d2fc0c90b2"
		"8f06a4a583050200000000000000000000000000c2ead301daf39c04da8cc406"
		"8c9a77f4d555dcf7b106d0b71efcc4da0300009eb98704f0afb5019ea99e0e05"
		"0d00c4199a08cc0a8208a00af802d20bec1000a20700ac040636000202000200"
		"0002020004000000000000000200000000000000000000000000000200000200"
		"0400000000020000000200000600040208580002000000020000000000000000"
		"0000000000000000000000000000000000000002000000000200000000000000"
		"0000020000000000000000000000000000000000000000000000000000000200"
		"0002000000000000000209690000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000200000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000200000000000000000000020000000000020a59000000020000000200"
		"0000000002000200000000000000000000000000000000000200000402000000"
		"0000000002040004000200000000000000000000000002020000020000000202"
		"020202000000000400000002000400020b33000000e0d403000000c09a0c0000"
		"000000e0c50800e0d403000000000000000000000000000000000080e2090000"
		"a0ef0fa0fe0a00000000000000c0a907e0c50800c0a90700a08d06ff01fafb02"
		"e6fb0209c88403d0f507f2b609cac80e88e60c84920ec4e20f8cf30db0c90e32"
		"5a4459d60b4c11f9d10d656d2050030ad2ebe40dab6c98060ddb46539802ce99"
		"4f990c7726c67d0c8f526b17070676ed1007d7ee018f06be83c8c40b58a48e33"
		"0ba37fa62a0b47653a990bbd286d070a713088760a4e615e8b0a3bb04efe01ad"
		"440a550878784c9b084a01858f08f0fe024e08d695c8b007fe136fee0789d0eb"
		"6e07f1719ac507dd0186e7060939bd6d069df02923061de2e3c103c12fff5d05"
		"ec418e5105d68bacc70054e5ef5b049d3d139a04c01e2af4041e81958f03d36a"
		"316f03a8a53319024c698c9602d107beff02b922e82302abbcb0ba018d0b3e27"
		"018698f6c401a466ee39012956e35b01f8bd50c70144fe800a00087d73ee9ce5"
		"4169778ac709dc4fc3bfe514c965aad907e1d27e777fdccc01ead4065643743b"
		"940f7bf7f8cf0432fb68fe16aeae46f68303f11ebcb01b09ddefdea20225ace4"
		"6dc809b422ee6b53c50077cdc326ea000729e8b944cefadfa5ae6686be027552"
		"99a0808499daac6680be02663c6cbcfeac8d98a866febd02802e7acc90bff2de"
		"ad6686be02a4f0d06ac29eb6eda466c29eb6eda466f92f2c25cea085b3ae6686"
		"be027be6b521bad584b3ad6686be02"
		,
		"010598dddefaa066b6e58d93d467d0dee4aad46780f0ffacd467035033380b38"
		"3631333830303030323486c202000a000000000000000000e0e605013c060402"
		"0202040000060006020a02040600000606040602060600000402020204040406"
		"0206040200040804020206040406020604040006040000040402b30102000402"
		"0002020402000202000202000202020404000600000202000002000002040206"
		"0200020200020202020400040206020202040002000200020202020400040404"
		"04040000040a0200040400020402020404020200000202000002020202040204"
		"0202040002000002080200020002020202040000000004000200040004020202"
		"0400040204040000000202020200040202000006040000000200080400020002"
		"00000200040200040202020002020403020404042d009ca8950402aa858d03d0"
		"e3c806eebbc90280cd8d03f6e9da088eae04bce7d80b8ca9ad049efb980100a4"
		"a8a30388aea504fc89a8059adb9b0b80eee90200cc8f9803dced8e03caed8004"
		"c8e2a904e0e5d604a4ed16bad0a50edec0dd03b0bef504e681ed0e00ac94e608"
		"cea09c0ac8c3ab07b8d7a3048ee6a103c698ab09b6eaa60600d4e3be019893c9"
		"08d89a8b02ecb5ca0800f8c9860ba2d7aa08050ea406f8059205a806f404d409"
		"0000cc0800c8080ad817d801063b040202020202000002000202060000000000"
		"0402020200020400000002020002020206000400000000040200000202000202"
		"0400020002000000040859000002000000040002000000020002000002000000"
		"0002000000060000000200000000000000000200000000020002000000000002"
		"0200000200000000000002000000000000000200000000000000020000020000"
		"0000000209b10100000000000002000200000000000000000000000000000000"
		"0002000000000000000000000000000000000000000200000000000000000000"
		"0000000000000000000000000000020000000000000002000000000000000002"
		"0000000000000000000200000200000000000000000000000000000000020000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000200000000000000000000020a58020202000002"
		"0004000000000200020002000000020000000000020400020200000000000002"
		"0400000000000002000000000000000000000402020002000002000002000000"
		"0000020002000000020000000202000000020b3bc0a907a09c0180e209000080"
		"e20900c0a90700000000c09a0c00c09a0c00a08d06000000e0d4030000000000"
		"80f10480e20900c0b802c0a907000000000000c0b802c0a907000000000000a0"
		"fe0a00000000000000000000e0a712c09a0cc0a907ff01f6fb02f6fb0209e0e6"
		"05b4b005c6b80dbac308e2b609aceb0aa4a90bfce711decf0734d36a316f0a57"
		"9300ee0c8dcab6f10c34053ebb0ce3df4bb408a15242250d32877fb00dd8c1e4"
		"4f0d4a01858f067365adca0c18ccb3be0c20cbf0750c9df029230ac8acf9320b"
		"5f5fc1d30bd7ee018f0b1d038c5a0b8698f6c40be6ca80c10b5f328f3f0b9bde"
		"34b50a2956e35b0a9ce6888b0a96c1dd5909f0fe024e00b7ae1d5c01a466ee39"
		"08bfd1156808249da125080ad2ebe407fe30499f074a9f509a0784b673360718"
		"0b6ea506e9a19a9206be83c8c4059de68b4103af59c33f05a68f213e05ac17ff"
		"f2047f1b38f40206cfe1780316abc7ea00420ad77c02f8bd50c702f012aaee01"
		"2a47609d01e150ceb901721bfdb600c01e2af4001028ae9200d8957f73000904"
		"90b5b7c5eee3d4a0950a3dcadba83f5d1c988adf08a440454946f36f1090d706"
		"bc012ccc33e11948bcf704c8a60bfed57237e880ff03c34e5ba5e1060c96fa83"
		"038b76cc4043dc7673809c02dd0144d3c94179aa0088a9e9971a0a9e79f89d09"
		"0c663c6cbcd0ab9f84d46788c202802e7accd0ab9f84d46788c202a4f0d06ac2"
		"d8acb5d167c2d8acb5d167755299a0e6abfa8acd67f2c102568977d9d6e8d0b4"
		"a96782c102f92f2c258ec3c1d1ce6788c2028a1ee85980d085ecb06690be02c8"
		"7d1727eca5aa9bae66eca5aa9bae6667d2f23580d0cebed067fcc1027be6b521"
		"8ec3c1d1ce6788c202d632a403b0edce96ce67f6fb027b2f3aa58a8f93f5c667"
		"88c202"
		,
	},
};

/* all features, UTC+8, seed 5 */
static const struct gold_want GOLD_ALLFEAT_5 = {
	.nalerts = 1094,
	.alerts_digest = 0x55fbd801a7e47b78ULL,
	.blobs_digest = 0x9d0cb4ce672f58b7ULL,
	.nblobs = 2489,
	.alert_ids =
		"a81c4d52b48b1a74ef12abed1773cf08 2fbcd23e0af63e274983fed68f6edaad "
		"db43b66e6702040c0e8834d45a01da61 0f0e90b17e1c4c7c0f7096e723d95b1a "
		"6fb80e93703636ca3461531fd31adf09 ae3c4240464a18ef0e36e76e7fdaf657 "
		"93d0d0235ed3eb72a03168b2eb3965dd b342cbcc0f78ff8cfba09641305f1726 "
		"ce107e9c94a51debfdf491de9a8e2cfa 4c48e0a0a59b10037ce8fa8691f2c20d "
		"a6f7a20e3de7352e7e7628e764f61a9e ed60a79e53ba18677662786c0c579645 "
		"4993369703c0076b2f7251a23e913eb4 0f011e508e58f8892d2800afe8eb54b2 "
		"39f2369990e26378f3b27a0e540f8012 6828b6ec06b3407f557660ae6e12a3dd "
		"abf439ea5972f05ea149a8f6db67f2d3 f2146e172abab9c932cb9801574f9c99 "
		"5cab61f7e5130c1b336c9424dbac02bf a2bb0efc18fe50b6f86966ec85f42204 "
		"a340461c258edbc6534140614bcbbcb5 7226180459943236bc2c87cfc7dccc35 "
		"ed7a6382ab92a6ed0b2f9659dc63813a 3118ecdfc983af5852adebaba3bc4b08 "
		"a15cb4aa9a154d9e7ceac22c4ec4ccdc 1eb1eabd848c093fd805e490c2f76345 "
		"05b416cd2faba1c7035d76674fc3e420 131b303e24bcd642ba7108a5fa8aa330 "
		"a3a477ff93439443dfee53b64d7b005c be033e9f636c8a873d070f81cda9484d "
		"317f0d0c944e7c7fbbed97ca9e974415 42d6023842d5af2ebeaa59146103f6c7 "
		"2d4c79aaebaec380460fb11eca5a3436 9608a82bc5a0df16f46a965bea7f6ff0 "
		"537d5222151b082f4a049053bdc606db 80427b0303504c236cf9e014510c3b54 "
		"9f35e60f6cdb1b1f9ee16b1456c68e4c df1f0ecc13182aa52bf18e3bd72fc03e "
		"6d21f5321b582d7ede1e204dfbcbb69e 796a0bcdbc7d76c55330caf1ea115d43 "
		"a45bbff59cbcdf3f66b1cdb628e2a696 f597efceb0d2e06297c36780d5d99a24 "
		"4b5a314819c04d75f08521e078c34606 fa9598c0d75a468f848479c5b9057cda "
		"a2c842db02b19ca3671ecb10fffd96b7 f5dd28821730b37344ad6be4591d41f9 "
		"1298f9f7e5946b67f58dbe7898037c3f d0f920dc17c380a4cd9df7f65fec47c1 "
		"621499223b74059b0be9e66df6de4b66 01d7ecd36735d4a094c5996764d5149d "
		"5fe1deec6474aa9379e9339f2785735e 8dee520ba17daffbd8b46b3013890525 "
		"bdf3822c75e5b205a8716482a38d22a0 6b4723d6e8244f2128fb369392f2ca44 "
		"6009bfc2a477d3da46e306e08ffef91f 49f200e168e2b1847090aa5de64970e5 "
		"cc3221f9a4d9d3b8ff16c2d57cbd6707 6c42472eccd9c224b3f29cdae17f783d "
		"e03c93f81fbebc6d98d963bb78cbd1a2 d1cbd118a3c1619d31cf26fb97d98c6d "
		"a843e02c07c02cd2af4137cea9276792 09f6e7c9395f5a56257c438a3b26f3bc"
	,
	.blob = {
		"01128acfb6d1a066feb392b1d4679ecbfcc2d46780f0ffacd467035037300088"
		"c202001ea21cac6a8a4fcc2bb65cca6b9e85019e7094598a3adc319ca501a879"
		"a6ad018c65aa79944aa2de01fe67ca9b019e2fda35c479883c8c64ee6ce859c0"
		"4fb464de64013b0204040204000800060402040a0202000404020a0204080400"
		"02020406060606020a040404060404020a080408080e0802040a0a0806040002"
		"020202b4010404000204060c00000402040202020400040402020400040a0204"
		"0402040004020002080004000002020202000000020204080006020604080604"
		"0000000000000000000000000000000000000204020404040402060204020004"
		"0202060404000204080002000000000000000000000000000000000000020200"
		"0000060202040000040404040008040200040202060804020600020404000200"
		"04080000020402000000000000000002020a0402060402040803020006042d00"
		"a4d7e40b8cfadd0c84c1db01fcdc990ecc96a613aebee70ee8d2a903c4afbb0b"
		"acd19a04a695e905c8acf70ab88abe0afc98a814e6d3d605b6e1db0b9695ec06"
		"beb9dd18c2e5850e86e1e80a92b4890cb6d49905e28aa409d4978206b8f88d0f"
		"a68cc70f8ea6ab09b2baa80afc849407b0ccf508becbe60fd6b8c206f6e3810a"
		"ded9e803d2c3e703ec8e970adef2e709e0a8a411aefabe0eb4a68505c4b0cc0c"
		"a69cb60a90a3de069694fd02f0f09d08050eea08f80ac809e008800500e20f00"
		"ee11fa038e08fa0b861fcc080631000000000000000000000000000000000000"
		"0000000002000000000000000000000000000002000000000000000000000208"
		"5702000000000000000002000002020000000000020000000000000000020000"
		"0000000000000002000000000200000200000002000000000000000200000000"
		"000000000000000000000000000000000000000200020202098f010000000000"
		"0000000000000002000000000000000000000000000000020000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000020000000000000000000000000002"
		"0000000000000000000000000000000000000000020000020000000000000002"
		"000000000000000000020a560000040202000000000002000002000402000202"
		"0200000000000202020202000200000002020006000400040200000000000002"
		"0004000204000200000000000000000000000000000000000004000004000002"
		"02020b3b000080d30e80e209e0c5080000000000a0fe0a0000a08d0600e0b60d"
		"80e2090080e209e0c508c09a0c0000000000c09a0cc0a907a09c01a08d0680e2"
		"0900c09a0c000000e0d403a09c010080a61d0080d30e00e09817a08d06000000"
		"000000c0a90700c08b1100e0c508e0b60d0080f104ff01fafb02f8fb0209e0be"
		"05e2e218e8bf0dc2b511e8d106fae714e4c50ed48615a6ec1139d107beff0653"
		"6cfad103be83c8c40bbfd115680b65805b7c0b9bde34b50a20cbf0750d1e8195"
		"8f029de68b41065a4459d60944fe800a084a01858f000676ed100aceff3bbf07"
		"c200e4a90632877fb00696c1dd59085422125f076aa2c6ec0124bea3f50ae6ca"
		"80c10318ccb3be04487cf8ac06b0ca69fc0dec418e5109f575fab10cfe30499f"
		"0c314ba85707b7ae1d5c0ae3df4bb40ad8c1e44f09f8bd50c701cf3cd497089d"
		"3d139a04656d205007ce994f9907b5887a0606f6912a2306f012aaee06ab6c98"
		"06062a47609d06a37fa62a06c01e2af4054c11f9d105a466ee39015f5fc1d304"
		"c9fbea800406cfe178033bb04efe038f526b1702889223b102d695c8b001d36a"
		"316f011d038c5a01ad440a5501db4653980022733cd3000fa7f5662a11f507f9"
		"cedc09c482c7fea211f512f2ca093cd5beff00c197e59a9109664d215b34f24a"
		"14d6ba08c9043b73909db970d69307228a217c635ceda3a2800765b9f66e39bb"
		"d3fbe8f4067323c655e891e533baca064984fdd9c6a7334cdee905d7feb2caba"
		"f3a9d088f304bd4e33e332607b9dd2e903d0a4961b1ab1110d8ea402fdd2c8fe"
		"4682bb77b6f301d8379315022b6436f05044a40ee7c06b3830000c29e8b944e2"
		"a4d9a7c266fac102755299a080f0ffacd46788c202802e7acc808e8690d36788"
		"c202f92f2c258ec1bde2d36788c20267d2f235b4e5fbc5d06788c202568977d9"
		"8ea0a58bc967e6c102a4f0d06aac80ff82cb67ac80ff82cb678a1ee85980c0e0"
		"8aad6792c102c87d1727a6c88086aa67a6c88086aa677be6b521b4e5fbc5d067"
		"88c2027b2f3aa5fee2f08ac36788c202d632a40380a0d3cf9467f2fb02"
		,
		"0115d2adbdd89f6686bee3c6d46786bee3c6d46780f0ffacd46704503130300b"
		"383631333930303030313988c202000b00000000000000000000aaca0a013d02"
		"0402080202060000020202060402020402020602000000080408040606040402"
		"0602060602020404040204040a060404020402020a0604020204020402b40100"
		"0202000804060406040402040600040400020200040402020204000200020806"
		"0202020402020408040600020002000406020202040404060002000200000000"
		"0000000000020000020004000000000000000000000000000000020202000202"
		"0004020400000604000400000202000406000204020202060404000000000000"
		"0000000000000004000406060200040200040406020204040206000206040004"
		"0202020008020206000004040606020002020403020406042dc8fda001aae8df"
		"07e4f98e09b0e39904a8a3cf0a82b2a605baa4d203f8ba9a0186d51ee8e78408"
		"c093b80ab2a66592d246f6dff6019687ea169acbbf08c8ab8208e28e840cd2fe"
		"e0049a958c13b0cffb0b80fdb102e6d2cf028895d501cceabc0390cfc407ecdd"
		"9508caace1078a8af105c6e4af0984bdb20feac6a00a8287eb03def8c102f6c2"
		"980d8affc005dcc5c60ee0b0c30b9ec1c90700dcecd903bad596039c95d607ae"
		"dad30bd0a1be0b050efe08f8039008e60f94099406ca090000fc038e03e80680"
		"0cda06063a000200020200000000020000000200000000000200000000020000"
		"0204000000000000000000000000020200000000000000000000020204000208"
		"4800000200000200020002020000000000000000020002000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"00000000020000000409a4010000020000020000000000000000000000000000"
		"0002000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000004000000000000000000000000"
		"0000000000000000000000000000020000000000000000000000000002000200"
		"0200000000000000000000000000000000000000000200000002000200000002"
		"000000000000000000000200000000020a4a0000020402000002000000060200"
		"0002000200020002040200000002020000000002000000000204000400000200"
		"020002040402020000040202000000000000000000000404040202040b3a0000"
		"c0b802c09a0ca09c01000080f104000000a0e014a0fe0a000080f10400c0b802"
		"00e0d40300e0c50880e20980f104000000a08d06a0fe0a00000000c09a0c0000"
		"0000c0b802e0a7120080d30e0000a0fe0a00c09a0c0080f104e0a712a0e014c0"
		"a907a08d060000a0e014a08d0680e209ff01f6fb02f6fb0209aaca0a908f07b2"
		"a80bd4f91200c2880cac9908a2f31580c8083cad440a550a9de68b4106e3df4b"
		"b40a9bde34b50cf575fab102536cfad105c9fbea800147653a99078f526b170b"
		"180b6ea504c8acf93206e402199a01f6912a230d2a47609d0dfe30499f063287"
		"7fb00d4d1b47ee0cd89a3fda0adb4653980ce6ca80c104283b3dec0b22733cd3"
		"0bab6c980605e2d4b89702e79fc52c0ac01e2af4058dcab6f1029df029230202"
		"7a85cb05bfd115680235d44b2009b7ae1d5c08a3aeddcf08d695c8b00454e5ef"
		"5b081d038c5a08fac0bff20834bd966106656d20500765805b7c0624bea3f506"
		"f012aaee02d8c1e44f054079a082045422125f042956e35b04d64a42f40458cd"
		"fd77026aa2c6ec03c12fff5d035c3dcb3203ce994f99034a01858f02c15f4196"
		"013bb04efe0118ccb3be01889223b101579300ee009d3d139a00abbcb0ba000c"
		"fc443f66ff5890b6ecfa09d237e685c5cc8e0cc48809259a54f252c63560e0ae"
		"073fb54cf449b9e60ee6a006758ddc8fbba7d6e6f2d904e66cefec89e7ade5b6"
		"a0042f7918640f8695d784d30633028b0e52f228afa2d002cbb012298ca2adb3"
		"98e801f09d0c57e855fb9adc6f552b4bbd95fd9ddf8a5773cfebd840a0c23f00"
		"0d29e8b94480f0da8da066d8bd02663c6cbc80f08ffa816794c0028a1ee85980"
		"b0cea39e67eec002c87d1727ae889ecaa067ae889ecaa067568977d9c8f696fb"
		"c367d4c102802e7acc80ad84f5cf6788c202755299a0b4e2cdcfd36788c20267"
		"d2f23582a39e8dd46788c202a4f0d06a84aff7b5ce6784aff7b5ce67f92f2c25"
		"8694cd90ce6788c2027be6b521f0abe696d16788c202d632a403b8dcb2e9ba67"
		"f4fb027b2f3aa5aeebd499cc6788c202"
		,
		"0114f89ccbc7a066fc8eb4c2d467fc8eb4c2d46780f0ffacd467035032380b38"
		"3631333930303030303888c202001e9e09e6468431985fa022802a9e17000000"
		"000000e210ca240000000000000000d81ffa4cec8001b62fc66ff8568066013d"
		"02020402040600000000000000000400000000000000000000080a0404040204"
		"040000000000000000000000000002060008060008040402040404000802b201"
		"0202020602020000000000000004040000000000000000020402000200060400"
		"0400000000000000000000000000020202020402000006040004020002000206"
		"0400040004000000060202040402020204000400020206000400000402060202"
		"0402060002060006040800000202020006000202040202040004040402020202"
		"02020a0002040604000200040400000000000000000000000000000000020200"
		"00000000000000000000000000000004040403020204042100ea939c08c2974c"
		"b880f60ea6c68702ac8a43c0e73900000000000000f8e6ed0200000000000000"
		"00daed8408ecf2e909d6f0e61100f695cd08cea9e905c8fafb07acf1cd059ee3"
		"e70bc281890c0506ce038608b205bc03ae04c212063d00000200040200000000"
		"0000000002000000000000000000000404020202000002000000000000000000"
		"0000000000020002020002000002000200000208550000000000000000000000"
		"0000000000000000000000000000000000020200000000000000000000000000"
		"0000000002000000000000000002020200000202000000020000000000000000"
		"0000000000020002000209b10100000000000000000000000000000000000000"
		"0000000000000000000200000000000000000000000000000000000000000000"
		"0000000000020000000002000000000200000000000000000000000000000000"
		"0000000000000000000000000000000000000200000000000000000000000000"
		"0000000000000000000000000000000000020000000000000200000000000000"
		"0000000000000000000000000000000000000000000000000000000000020a5a"
		"0200020202000000000000000000000000000000000000000000000002000200"
		"0000000000000000000000000000000600020204000402020204020400000000"
		"04000006020002040202020004000404020002000000000000040b3ca09c0100"
		"c09a0c80f104e0d4030000000000000000000000000000000000000000000000"
		"e0c50800a09c0100000000000000000000000000000000a0c21e00e0c508a09c"
		"01e0c50800e0b60de0d403c0b802a09c01e0a712a0fe0a80c413ff01fafb02f8"
		"fb0209dec30296f906b2ba0d8cc714f6c20dacf1089aef0a9a8d0adcb4071e24"
		"bea3f5021d038c5a019df029230da3aeddcf0d027a85cb0dcc171c5f057d13e4"
		"590550217778055422125f05d68bacc704c9fbea8004fac0bff20434bd966104"
		"c01e2af403d64a42f403926ac7bf03cb4623af031de2e3c103d89a3fda02c2c2"
		"86ef0244fe800a024a01858f021e81958f01c8acf93201e2d4b89701f4010438"
		"013075b42c00487cf8ac02314ba857003639fa8f000c81c8a6197ec3a1838483"
		"0ab241c66f377d1e1ecca5081d7f79de0e1f583c8eef078987f0722ae63aa598"
		"ea067339aa80fe54f6a2c0a006f778548f0dfe3e0ae28a06a8cd2142adf5d2a2"
		"ea9605057eb6698c54a3f3b8e60310e0bfb171f08fddfccf025ba43c7ad03ee6"
		"c3808e012b84c083bab61d1cca3ca646ce3f4cb48bf3000e29e8b944808beeea"
		"a267fec002f92f2c25eccedfebd16788c202663c6cbc80e09beccf6788c20256"
		"8977d99c80d6afc367d2c102755299a080a0a2fcc267d6c102802e7accfadce8"
		"bad16788c202a4f0d06aaaefd5f8d267aaefd5f8d26767d2f235f4d5b2d6c367"
		"dec1024c853d2efcf9dbc7c567e0c1028a1ee85980e09beccf67fec102c87d17"
		"27b4e1fbe1bd67b4e1fbe1bd677be6b521d8bbf3add46788c2027b2f3aa58080"
		"cddad36788c202d632a40380e09beccf67f8fb02"
		,
		"0114fe87c2eba066e6d9acc8d467e6d9acc8d46780f0ffacd467035031380b38"
		"3631333930303030323488c202001efe44e04200c80100000000981fd654a844"
		"ae48f44caa66b84da842ba39fa46ba5ffe4cf22bac3abc39f237983aaa39ce34"
		"f049fc56ce30013d000000000000000002020200020402020202060602060206"
		"0208040006000204000202040404020404040406060006060206040c020c0806"
		"0602000802028c01020000000000000000060604020002040206040200060202"
		"0200040600040404020000080600020204000400000404020602020002000200"
		"0200040802000204040202020004020604020200020402040000040402040400"
		"020200020002020202040202020202060a020002020404040600040204040202"
		"040404000204020004000200000202000400060203020004042df8a7910dfe86"
		"b80700000000000082d169a0a9bf06e6cd8c04828fc80ac8e7dc0886e5c50aea"
		"b29c0c90ed8a07c6f6ab06f8fda801f6ca9d04a68a9705c2f49602008c858e04"
		"ace2a40292959405aacc41ea9ca703ec8fa506fcc3d80680eb8801b6ddb102ca"
		"b6ce099082a70dbebab404bed0fb03c6a6ec0602f0b7b907a48718d0fecf04d4"
		"8ec107c69ca706a2c49003d2ddcd0eb083e601050e00000000000000009408cc"
		"08880600ce02aa05063c00000000000000000000000000000002000202060004"
		"0202000200000600020400020202020002040002020202000002000002040006"
		"0004020000040846000000000000000000020000000200040000000000000000"
		"0000000000000000000000000000000200000002020202000000000000000000"
		"0000020000000000000000000002097e00000000000000000002000000020002"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000002000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000200"
		"00000000000000000000000000020a5000000000000000000000000000000000"
		"0000000000000200000202000200040000020000020000000000000000000400"
		"0000020002020202000202020200000004020000000002020000020202000002"
		"0b3c00000000000000000000000000000000000000000000c09a0c0000c0b802"
		"80f10400a0fe0a00e0a7120000e0c508000080f104000000000000000000e0c5"
		"0800000080f1040080e20980f104c09a0cc0b8020080e209c0a907e0d403ff01"
		"fafb02f8fb0209a68901888f0fc0f50eb2d010a4a20e8ed506aef005fcbc0dec"
		"b60d1cabbcb0ba0a20cbf0750b1de2e3c10a416d7feb094b0d7e6509c9fbea80"
		"0c4c698c9609c12fff5d0d33cb1b170d5422125f0cfb4d62ac0d34053ebb0cc6"
		"7a173e0ba3e2425609854bdb670b89d0eb6e0ac8acf9320a00cce28a0a314ba8"
		"5709d695c8b0094e615e8b0932877fb008d7ee018f014d659cc10103325f8d01"
		"bf5419c501e150ceb9034a01858f000ba9d4d28b156fafd684aa0a4bb02d0d18"
		"bc7d0f90d3094c434825bc8553cdf4f108f1cf3b375016a97ee2f807d69c4cfc"
		"45a6e1e1d6bc0701097dee2917e0baced506c6eba4c8fe2b5bc09eec0584f242"
		"fc61061d9492b103d22d4a47f99c32229cd502e9594aa130a6fb2b9eaf010596"
		"aa8711c61a53000d29e8b944dac2b88ea667fcc002663c6cbc80c08191d16788"
		"c202802e7acc9ad4a5f9cd6788c20267d2f235a6d88be9c867f0c102f92f2c25"
		"a6ce9af0d36788c2027be6b5219ad4a5f9cd6788c202755299a0baf3d3dac667"
		"e2c102a4f0d06afa8eefcac367fa8eefcac367568977d98897eb9fc567d8c102"
		"8a1ee859a6ce9af0d36786c202c87d1727c0a8a693e766c0a8a693e766d632a4"
		"0380e0c2cc8267f0fb027b2f3aa59ef8c2b3d46788c202"
		,
		"0115d8aab4b2a066a0dae1c3d467a0dae1c3d46780f0ffacd467035033380b38"
		"3631383630303030323288c202000c00000000000000000000008243013d0004"
		"0a04040406080202000202040402060802040606020000040204020604040400"
		"00020000000000000000000000000006020206020802020604060202b3010002"
		"0200000202020202040406040400000202020202020604040000000000000402"
		"0202000000000000000000000000000002000204020402020004060002020400"
		"0600000000000000000000000000000000000404040002020202020008020802"
		"0206000202020000040404060200060004060406080000040208000004020000"
		"0002000200020200000406040402000200020400020406020202040602040200"
		"02020202060000020400000202080002020424aedbf90490949404a288b0018e"
		"96b90cace68209cc8fff0486c8d609a68cff028aa3910f96f9fa12e8b58f0882"
		"96f408a2baed01a0e4eb0b82e3c602e0b7b703a6fda603aaf9ca03de89cc068e"
		"bf9e09cc82820394f490108ef7d507ba89de06a4a9ef09fc9fa30ae2a88d0df6"
		"c5e305dc94da0bb884d60882cef90198a98110fab4fc0feead96079acbdc05ae"
		"f5c302050e00e409d6098a10da05e2078807ae10be04be0100b603d202ba0a06"
		"3a00000000000000000000000000000000020000000000000000000000000002"
		"000000000000000000000000000000000000000000000000000004083c000000"
		"0000000000000200000000000000000000000200040000000000000000000000"
		"00000000000000000000000000000000000000000000000002099c0100000000"
		"0000000000000000000000000000000000000002000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000002000002000000000002000000"
		"0000000000020000000000000000000000000000000000020a5a020000040400"
		"0200000200000000020202000202000000000000020002000000020002000000"
		"0000000000000000000000000002000402020002020000020002020002000000"
		"00000000000000000000000000000000000000020b3bc0a907000080d30ee0a7"
		"1200c0a9070000a0fe0a00000000a08d06c0b80280f10400c09a0c80e2090000"
		"00000000e0d40300a08d06000000e0d40300e0c5080000000000000000000000"
		"000000000080f10400e0c50880e209e0d40300c09a0c80e209ff01f6fb02f6fb"
		"02099ad601a2b40200a8cf06aed7098ccd0ab8f80ca2f518a0f709305422125f"
		"0cad440a550c20cbf07507b5887a060ccf3cd4970b44fe800a055a4459d607c9"
		"fbea8002536cfad10d58cdfd770918ccb3be0bb7ae1d5c00c200e4a905db4653"
		"98075f5fc1d30d889223b10d1d038c5a0bd36a316f07e2d4b8970747653a9902"
		"54e5ef5b0d32877fb00b9df029230bbfd115680a9d3d139a098dcab6f106d8c1"
		"e44f084c11f9d108314ba857077f1b38f407b0ca69fc069bde34b5063bb04efe"
		"062445ea5605c12fff5d03f575fab105abbcb0ba04f1719ac5034c698c9601f0"
		"12aaee03d7ee018f02487cf8ac022a47609d021de2e3c10265805b7c0222733c"
		"d30220fae60901d64a42f401096290e9b628b738c7d4b50af8ddafb1ddb5e893"
		"eede096bebd4747de70489fefb07319b99789181d827c69806bc94a5c1d97040"
		"50d4ca03ae1bf4399ca400b5a0e10289f33ea60985f5739ead02c6d17a8ac1fe"
		"6c5de68e01adf3f051f7638e30000c663c6cbcb694fef4a066e6bd027be6b521"
		"a8eea5f8cf6788c202802e7acce282839ece6788c202a4f0d06afa828de1c567"
		"fa828de1c567755299a0d891dfabcd67f2c10267d2f23586b7e2ddc967f2c102"
		"f92f2c25f0b79dfdcd6788c202568977d99cafacadd067fac102d632a40390a8"
		"8ff7a967f4fb027b2f3aa5d88eb6e3d36788c2028a1ee8598090a7a8b967c2c1"
		"02c87d1727a0e8acc0bb67a0e8acc0bb67"
		,
		"0114a48390eea066bcb3f5c0d467bcb3f5c0d46780f0ffacd467035038380b38"
		"3631333930303030313988c202001e9606fe5c963ffa45ae3cb42a9c23d652c4"
		"2fb039ca72c26ef471c44ce83c9822b20db03ede5fc25d0000d8258662c21b86"
		"28a08401c83ee83ce42b01290204040204000200020206000600020200020406"
		"0000060002000206040202020402000408040604060229000200000400020002"
		"0802020402020204020402000002060202000202000204020204040400000202"
		"042800b4cbfa029ca7b906aaadc60aeaffe707e2b3c007f2a5bb04f8c9be0dca"
		"f68c09b2adeb01fe8f940ea6dbb50edcf6e005f0a6db048cef8d07c4b8b407d8"
		"fd1bfeffbd0a92c9b804c4aae907000000b0aeea07e4e7ed05aeb8b705bab8ff"
		"11e49fec078e82ee05cecdc603a293a004baec8f069efff30ae68e8a07bcf0d9"
		"06d2f0dd0c94e8b202c884d310d8b6b803f6cc8106050dd402e808ac0f9a02e8"
		"04009c0200e002b408be0a00d402062600000002000000000000000000000000"
		"0002000000000000000000020000000000000000040208260000000000000000"
		"0002000000020000000000000000000000000000000000000000000000020926"
		"0000000000000000000200000002000000000000000000000000000000000000"
		"0000000000020a27000000000400000204000002000400020400000000000200"
		"0200000400040002020202020002020b270000000080e2090000a08d0680d30e"
		"0000e0d4030080e2090080e209a0e014000000000080f10400e0d403000080c4"
		"130080f10400c0b802a08d06c0b802a09c01a0fe0a00c09a0cc0a907ff01fafb"
		"02f8fb0209f8c403aaf00fa4580000000000a49505301d038c5a0a4a01858f08"
		"1de2e3c100ad440a550aabbcb0ba04a466ee390ae79fc52c04487cf8ac0dab6c"
		"98060724bea3f50bd64a42f400ec418e510cf012aaee0ce2d4b89709f1719ac5"
		"0c2a47609d056aa2c6ec0ad7ee018f0aa37fa62a0920cbf0750918ccb3be093b"
		"b04efe09635766a509bfd11568095f5fc1d309b5887a0608926ac7bf07314ba8"
		"5701171331470acb47676e0747653a990332877fb0019d3d139a0644fe800a06"
		"ceff3bbf0222733cd3059de68b4105877de2ac04c200e4a904dd0186e703536c"
		"fad103e602736f03e65d5d8a03fe30499f04f0fe024e02db46539802c01e2af4"
		"023075b42c010910c4de3acdb25dd1c8cd09929bb7feb6037ccef89508d1f90f"
		"ba45bae3bdbca7073d423c042814615bf2e00636a1a6fe0e99c6b9f28706cc8e"
		"881eded8ad98a8e2047c5bdf70909433c8eaab0354c74a5e498d277af4e5018e"
		"4063dd7d1d07aa000c663c6cbce0acc8d4a166e8bd0229e8b94482feccefc867"
		"fac102802e7accdea59bedd16788c20267d2f235fe84dca3bd67cac102f92f2c"
		"25de97f1b2d46788c202755299a080c08191d16780c202a4f0d06af282f28db1"
		"66f282f28db166568977d9ee8382d8d26782c2028a1ee8598080c9c1c366ccbe"
		"02c87d1727dac6f7c3c066dac6f7c3c066d632a40380d099d2ee66eefb027be6"
		"b521eacaa4bfd06788c202"
		,
		"011eb2b8d7e4a066c895b2bdd467c895b2bdd46780f0f1a0a56604503130300b"
		"383631333030303030313788c202001e840b963cf85ff03b9218c43ed627a450"
		"da3aac3c921ada43c8519c49b82da24af256a427c832a638ba4a8c27b227ea37"
		"dc41ec3ada3bf05cfc448e50013d020202040602040406040604020202020208"
		"08060000060a0404020204000404020400040006060000040000000000000000"
		"000000000604040402060802b201000200000002000602000002060204040602"
		"0200020200000806020202020400020204020202020204020000000000000000"
		"00000000000002020002020200020204020600080004000400040a0004020202"
		"0402020206020202060202060004040202020202000206020200020402040200"
		"0002000000000404020000000000000000000000000204000002020002020002"
		"0002000202020004020804000004020802040200000004040000000402020202"
		"03020002042b00c2d4b00ad2f29c09c6d3d40582a4bf03e0bcaa0ab4a99e03bc"
		"8ec105decdc405cea0c30b9e99c303a4fed8048ecbd207a4deff04d4a7d406fe"
		"93a605bab1c10600e2b9618ea3d203d2a0f808fc82fa0284e2af0a00dedfea07"
		"b0bfdd06e8ecba09a8c0a40a8afea8048489d60e00d0d98c04f8b7c80aecd5c1"
		"03a283d703ac9ea406a0898e060090e2e30782808808c4a4d202f4f8ac02ded9"
		"980a050ec0019201f808ca01c60ada07c409a008a00ed202d611b204a8088203"
		"063d000200000002000002020202000202000004020000000402020200000000"
		"0400000000000000000000020000000000000000000000000400000000000208"
		"5800000000020000000000000000000202000000000000000000000000000000"
		"0000020200000000000002000000000000000000000000000000000200000200"
		"00000002000200000002000000000200000000000000000002098e0100000000"
		"0000000000000000000000020000000000000000000000000000000000020200"
		"0000000000000000000000000000000000000000000002000000000000000000"
		"0200000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"000000000000000000020a550000020402000000000204000000000000020000"
		"0000000000000000000002020000000200020002060000000000000000000000"
		"0000000200000000000000020000000000000200000000000002000202020000"
		"020b380000a0fe0aa08d0680e20900000000a0fe0a80d30e000000000000a0fe"
		"0a00000000000000000000000080f104a09c01000000a08d0600c0a90700c0a9"
		"07e0c5080000000000000000000000000000a0fe0aff01fafb02e6fb0209d2b1"
		"03909c0e9ac109cca30de4ef0acc820ba8c80de4f60db8dd0e2fc9fbea800dce"
		"ff3bbf0a18ccb3be04db46539808d7ee018f0cb0ca69fc0a4d499faa094c698c"
		"960958cdfd7705cf3cd49702e2d4b8970ba37fa62a02877de2ac0dc8acf93204"
		"47653a990c9c234b520a2445ea560bd107beff03e150ceb90b2a47609d0aabbc"
		"b0ba0ac12fff5d098dcab6f1071d038c5a0834bd966108c23b71870800cce28a"
		"08c200e4a908e8af99c0071028ae9207d36a316f06c01e2af407e6ca80c107ce"
		"994f99068f526b1705e65d5d8a0580a8128f07926ac7bf047f1b38f4046aa2c6"
		"ec030676ed10037dac585203e66eec0e03bf5419c50165805b7c016b6410dc01"
		"e79fc52c0006b8d1d71a21b38485fe8c0ad3216f5cc86816d3e08908cc54d463"
		"a81523fcf2a2067d1b187705c9e8bb86b1046a4d842bb810d28fd0a502da18c5"
		"858cdb5643000429e8b944c0cdeea0a166e8bd02755299a080908cfca366e4bd"
		"02802e7accffffffffffffffffff01e8bd02568977d9f4ba8cada566e8bd02"
		,
		"0105c0e3fab9a066869cc6b0d467b2c49abbd46780f0ffacd467035031380b38"
		"3631333930303030333588c202000b00000000000000000000dcaf09013d020a"
		"0202020002000200020006080400020202000202060404040202020400040200"
		"00060204040402020004080200000204040008060002040402020202b4010000"
		"0004020000040402040204040202000000020402020002040602020002020200"
		"0402040402040204040004040000000400040206000200020006020400020200"
		"0404000402000200000202000400000000020002040000000000040400020204"
		"0002020206040406000202040600040000020402020002040400020002000402"
		"0000020006040202040000000002000202060202060008000000040202000002"
		"02000202020000020200000002020804040203020002042d00f2e7ee01fedcb6"
		"02f0dccf02d2bd9f05d6ce9c0994859204bce7fc08b499aa028698b207c8bd93"
		"06fa81c60c829ee702a6c2a607e0e2c804da89e201d8f91702d88fce058aa496"
		"09fedbae03ccc2e101d4aacf04c0c19a0abacad202bcc1d30894f6db02eed393"
		"0486d823ecd9b00200cabec403deedd707cc8ca208da90b309dca6b204ecd8ec"
		"01d6db910388b0cd08c6eee901c884f703da8da70696a2f801c4b9fa079c94b5"
		"03050ee405c2199e02b406fe0400fc0400c40700c40700f40f980f063d020400"
		"0002000000020000000204040000000200000202020400020002020002000000"
		"0202000200000200000202000000000000080400020200020002084e00000000"
		"0000000000000000000000000000000000000000000000000002000000000000"
		"0000020000000000000000000000000000000000000000000200000000000000"
		"0000000000020202000209a10100000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000020000000000000000"
		"0000000000000000000000000000000002000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000020002000200000000"
		"00000000000000000000000000020a5a00000000020000020200000000020000"
		"0200020000000000000002000000000000000000000000040402000200000000"
		"0000000200000000000000000000000002020000040200020000000000000000"
		"000002000000020002020b340000000080e2090000a08d0680f10400000000c0"
		"b8020000e0c50800a08d0600000000000000e0c5080000000000000000000000"
		"00e0981780c41380f10400e0d40300000000000000a08d06ff01f6fb02f6fb02"
		"09dcaf09ccfb07a2cb0bc4800ad89209e4d107a0c114d6d70cb2ee0a35e3df4b"
		"b40a91e95b6f0d926ac7bf0320cbf07509ec1b9b7d08249da12505f1719ac502"
		"3fff7f850dcb25d4970de2d4b8970dc01e2af40db0ca69fc0d9bde34b5081e81"
		"958f0c656d20500ccc171c5f0cbfd115680c0939bd6d0cf6912a230cd36a316f"
		"0a6aa2c6ec0cd64a42f40bad440a550aaf59c33f0ae1687fcb0aceff3bbf08cf"
		"3cd49703e65d5d8a082445ea5600c62331ad07c15f419607420ad77c0724bea3"
		"f5078f526b17064c11f9d102b5887a06061028ae92064d659cc105f8bd50c705"
		"59e6d310042b16e59d0424bb57470332877fb0037f1b38f403ab6c98060220fa"
		"e609025a4459d6022a47609d019747ff7f0116abc7ea01e529b3b801b7ae1d5c"
		"01d695c8b0010841e5207010f8bf1bb29209fd02e96d33d0fb60a4c007239327"
		"2e106a79aea8b905181147a9822c49edc2b803f3a0c08e85cb69b6d4ed02ec80"
		"27e56f80c6489e86020180e70752ebbcdad2ae01b16ff2e5069f033b000d663c"
		"6cbc88f099f1d16788c202a4f0d06afca692dcc267fca692dcc267802e7accc4"
		"eac8c5d26788c202755299a0eae4fe99d36788c202568977d9c09cee8fd167fc"
		"c1027be6b521e8f5d2e1d16788c202f92f2c25869cc6b0d46788c20267d2f235"
		"e48bb999cd67f2c10229e8b944ffffffffffffffffff0194be028a1ee859e2f7"
		"bfdbce66e8be02c87d172782abcfb9cb6682abcfb9cb66d632a403e2c8f1eaba"
		"67f4fb027b2f3aa580d0b7abcb6784c202"
		,
	},
};

/* The shipped rule pack and reference data, UTC. */
START_TEST(golden_shipped_rules)
{
	char err[4096] = "";
	struct cw_ruleset *rs = NULL;
	struct cw_plans *plans = NULL;
	struct cw_networks *nets = NULL;
	struct cw_engine_conf conf;
	struct cw_engine eng;
	struct gold_out o;

	ck_assert_msg(cw_rules_load(CW_SRCDIR "/tests/unit/golden", &rs, err,
				    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(cw_plans_load(CW_SRCDIR "/examples/plans.yaml", &plans,
				    err, sizeof(err)) >= 0, "%s", err);
	ck_assert_msg(cw_networks_load(CW_SRCDIR "/examples/networks.yaml",
				       &nets, err, sizeof(err)) >= 0, "%s", err);
	cw_engine_conf_default(&conf);
	cw_engine_init(&eng, rs, plans, nets, &conf);
	gold_run(&eng, 11, &o);
	gold_check("shipped rules, seed 11", &o, &GOLD_SHIPPED, &GOLD_SHIPPED_ACCT);
	gold_v1_roundtrip(&eng, &GOLD_SHIPPED);
	gold_free(&o);
	cw_ruleset_free(rs);
	cw_plans_free(plans);
	cw_networks_free(nets);
}
END_TEST

/* Every feature, UTC+8 (days and months not aligned with UTC), and a
 * shorter dedup window; two seeds. */
START_TEST(golden_all_features)
{
	struct cw_engine_conf conf;
	struct gold_out o;
	struct fx fx;

	cw_engine_conf_default(&conf);
	conf.utc_offset_ms = 8 * 3600 * 1000;
	conf.dedup_window_ms = 24 * 3600 * 1000;
	fx_open_with(&fx, GOLD_ALLFEAT, NULL, NULL, &conf);
	gold_run(&fx.eng, 23, &o);
	gold_check("all features, UTC+8, seed 23", &o, &GOLD_ALLFEAT_23,
		   &GOLD_ALLFEAT_23_ACCT);
	gold_v1_roundtrip(&fx.eng, &GOLD_ALLFEAT_23);
	gold_free(&o);
	gold_run(&fx.eng, 5, &o);
	gold_check("all features, UTC+8, seed 5", &o, &GOLD_ALLFEAT_5,
		   &GOLD_ALLFEAT_5_ACCT);
	gold_v1_roundtrip(&fx.eng, &GOLD_ALLFEAT_5);
	gold_free(&o);
	fx_close(&fx);
}
END_TEST


/* ---- the learned score (detect: score, risk) ------------------------------ */

/*
 * A one-split model by hand: days_silent < 20 -> margin -2 (p 0.119),
 * else +2 (p 0.881); equal covers, so the expected margin is 0 and the
 * whole margin is days_silent's contribution.
 */
static struct cw_model *hand_model_on(int feature, int default_left)
{
	char json[4096], err[512];
	struct cw_model *m = NULL;

	snprintf(json, sizeof(json),
		 "{\"learner\":{\"attributes\":{\"churnwatch_features\":\"%s\","
		 "\"churnwatch_features_version\":\"2\"},"
		 "\"objective\":{\"name\":\"binary:logistic\"},"
		 "\"learner_model_param\":{\"base_score\":\"5E-1\",\"num_class\":\"0\","
		 "\"num_feature\":\"%d\"},"
		 "\"gradient_booster\":{\"name\":\"gbtree\",\"model\":{"
		 "\"gbtree_model_param\":{\"num_parallel_tree\":\"1\"},\"trees\":[{"
		 "\"left_children\":[1,-1,-1],\"right_children\":[2,-1,-1],"
		 "\"split_indices\":[%d,0,0],\"split_conditions\":[20,-2,2],"
		 "\"default_left\":[%d,0,0],\"sum_hessian\":[10,5,5]}]}}}}",
		 cw_features_list(), CW_FV__COUNT, feature, default_left);
	ck_assert_msg(cw_model_load_buf(json, strlen(json), "hand.json", &m, err,
					sizeof(err)) == 0, "%s", err);
	return m;
}

static struct cw_model *hand_model(void)
{
	return hand_model_on(CW_FV_DAYS_SILENT, 0);
}

/* risk-high at 0.8 over model m. */
static void open_risk_high(struct fx *fx, struct cw_model *m)
{
	fx_open(fx, "rules:\n"
		    "  - name: risk-high\n"
		    "    detect: score\n"
		    "    params: { threshold: 0.8 }\n"
		    "    cooldown: 30d\n");
	cw_score_attach(&fx->eng, m, NULL);
}

/* A missing entry (no CDR named a handset) takes the tree's default way,
 * has its contribution, and shows as "unknown", never as a number. */
START_TEST(score_reason_with_a_missing_feature)
{
	struct fx fx;
	struct cw_model *m = hand_model_on(CW_FV_HANDSET_DAYS, 0);

	open_risk_high(&fx, m);
	fx_activate(&fx, "2026-03-01T10:00:00Z", "P38");
	fx_call(&fx, "2026-03-01T11:00:00Z", "out", "8613900000002", "0.5");
	fx_advance(&fx, "2026-03-02T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	const struct cw_alert *a = &fx.alerts[0];
	fx_evid_str(a, "handset_days", "unknown");
	ck_assert_double_eq_tol(fx_evid(a, "why(handset_days)")->num, 2.0, 1e-9);
	char *j = cw_alert_to_json(a, "v");
	ck_assert_msg(j && strstr(j, "\"handset_days\":\"unknown\"") && !strstr(j, "nan"), "%s", j);
	free(j);
	fx_close(&fx);
	cw_model_free(m);
}
END_TEST

START_TEST(score_fires_at_threshold_with_reasons)
{
	struct fx fx;
	struct cw_model *m = hand_model();

	open_risk_high(&fx, m);
	ck_assert(fx.eng.scoring);
	fx_activate(&fx, "2026-03-01T10:00:00Z", "P38");
	fx_call(&fx, "2026-03-01T11:00:00Z", "out", "8613900000002", "0.5");
	/* The midnight tick of day 20 judges 20 March 23:59:59.999: 19 whole
	 * days silent, still below the split. */
	fx_advance(&fx, "2026-03-21T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 0);
	fx_advance(&fx, "2026-03-22T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	const struct cw_alert *a = &fx.alerts[0];
	ck_assert_str_eq(a->rule->name, "risk-high");
	ck_assert_int_eq(a->ts_ms, fx_ms("2026-03-22T00:00:00Z"));
	fx_evid_str(a, "model", cw_model_id(m));
	ck_assert_double_eq_tol(fx_evid(a, "risk")->num, 1 / (1 + exp(-2.0)), 1e-9);
	ck_assert_double_eq_tol(fx_evid(a, "days_silent")->num, 20, 1e-9);
	ck_assert_double_eq_tol(fx_evid(a, "why(days_silent)")->num, 2.0, 1e-9);
	/* Cooldown: no second alert at the following ticks. */
	fx_advance(&fx, "2026-04-10T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_close(&fx);
	cw_model_free(m);
}
END_TEST

START_TEST(score_rule_without_model_is_inert)
{
	struct fx fx;

	fx_open(&fx, "rules:\n"
		     "  - name: risk-high\n"
		     "    detect: score\n"
		     "    params: { threshold: 0.1 }\n"
		     "    cooldown: 30d\n");
	cw_score_attach(&fx.eng, NULL, NULL);
	ck_assert(!fx.eng.scoring);
	fx_activate(&fx, "2026-03-01T10:00:00Z", "P38");
	fx_advance(&fx, "2026-05-01T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 0);
	/* Nothing attached: no daily ticks are added to the state. */
	ck_assert_int_eq(fx_next_due(&fx), INT64_MAX);
	fx_close(&fx);
}
END_TEST

START_TEST(risk_feature_in_expressions)
{
	struct fx fx;
	struct cw_model *m = hand_model();

	fx_open(&fx, "rules:\n"
		     "  - name: risky-and-high\n"
		     "    when: \"risk >= 0.8 and plan_fee >= 30\"\n"
		     "    cooldown: 30d\n");
	cw_score_attach(&fx.eng, m, NULL);
	fx_activate(&fx, "2026-03-01T10:00:00Z", "P38");
	fx_call(&fx, "2026-03-01T11:00:00Z", "out", "8613900000002", "0.5");
	ck_assert_double_eq_tol(fx_feature(&fx, CW_F_RISK, 0, "2026-03-10T00:00:00Z"),
				1 / (1 + exp(2.0)), 1e-9);
	fx_advance(&fx, "2026-03-25T00:00:00Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	ck_assert_double_eq_tol(fx_evid(&fx.alerts[0], "risk")->num,
				1 / (1 + exp(-2.0)), 1e-9);
	ck_assert_int_eq(fx_evid(&fx.alerts[0], "risk")->decimals, 3);
	fx_close(&fx);
	cw_model_free(m);
}
END_TEST

START_TEST(feature_vector_from_the_state)
{
	struct fx fx;
	float x[CW_FV__COUNT];

	fx_open(&fx, "rules:\n"
		     "  - name: s\n"
		     "    detect: silence\n"
		     "    params: { for: 30d }\n");
	cw_score_keep_features(&fx.eng);
	fx_activate(&fx, "2026-01-01T10:00:00Z", "P38");
	/* 6 calls a month before the last 30 days, 2 in them. */
	static const char *const before[] = {
		"2026-02-01T10:00:00Z", "2026-02-05T10:00:00Z", "2026-02-10T10:00:00Z",
		"2026-02-15T10:00:00Z", "2026-02-20T10:00:00Z", "2026-02-25T10:00:00Z",
		"2026-03-01T10:00:00Z", "2026-03-05T10:00:00Z", "2026-03-10T10:00:00Z",
		"2026-03-15T10:00:00Z", "2026-03-20T10:00:00Z", "2026-03-25T10:00:00Z",
	};
	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
		fx_call(&fx, before[i], "out", "8613900000002", "0");
	fx_call(&fx, "2026-04-05T10:00:00Z", "out", "8613000000009", "0");
	fx_call(&fx, "2026-04-10T10:00:00Z", "out", "8613900000002", "0");
	cw_features_compute(&fx.eng, fx.st, fx_ms("2026-05-01T00:00:00Z"), x);
	ck_assert_float_eq(x[CW_FV_CALLS_OUT_30D], 2);
	/* before: (14 - 2) / 2 = 6 a month; change (2 - 6) / (2 + 6) */
	ck_assert_float_eq_tol(x[CW_FV_CALLS_OUT_CHANGE], -0.5f, 1e-6);
	ck_assert_float_eq_tol(x[CW_FV_MINUTES_OUT_30D], 2.0f, 1e-6);
	ck_assert_float_eq(x[CW_FV_DAYS_SILENT], 20);
	ck_assert_float_eq(x[CW_FV_TENURE_DAYS], 119);
	ck_assert_float_eq(x[CW_FV_PLAN_FEE], 38);
	ck_assert_float_eq(x[CW_FV_DISTINCT_PEERS_30D], 2);
	ck_assert_float_eq(x[CW_FV_DISTINCT_PEERS_90D], 2);
	ck_assert_float_eq_tol(x[CW_FV_OFFNET_SHARE_30D], 0.5f, 1e-6);
	ck_assert_float_eq(x[CW_FV_SUSPENDED], 0);
	ck_assert_float_eq(x[CW_FV_TENURE_STAGE], 1);
	/* Encoded and decoded with the engine's profile: the same vector. */
	uint8_t buf[CW_STATE_BLOB_MAX];
	float y[CW_FV__COUNT];
	int n = fx_blob(&fx, buf, sizeof(buf));
	ck_assert_int_eq(cw_state_decode(fx.st, &fx.eng.profile, buf, (size_t)n), 0);
	cw_features_compute(&fx.eng, fx.st, fx_ms("2026-05-01T00:00:00Z"), y);
	ck_assert_mem_eq(x, y, sizeof(x));
	fx_close(&fx);
}
END_TEST

CW_CHECK_SUITE(engine_suite)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("silence");
	tcase_add_test(tc, silence_fires_at_deadline);
	tcase_add_test(tc, silence_incoming_does_not_break);
	tcase_add_test(tc, silence_outgoing_1ms_before_deadline_prevents);
	tcase_add_test(tc, silence_event_at_deadline);
	tcase_add_test(tc, silence_event_after_deadline_same_both_ways);
	tcase_add_test(tc, silence_cooldown);
	tcase_add_test(tc, silence_deactivated_never_fires);
	tcase_add_test(tc, silence_needs_activate_or_outgoing);
	suite_add_tcase(s, tc);

	tc = tcase_create("arpu_drop");
	tcase_add_test(tc, arpu_prepaid_closes_at_month_end);
	tcase_add_test(tc, arpu_39_percent_does_not_fire);
	tcase_add_test(tc, arpu_min_baseline);
	tcase_add_test(tc, arpu_months_before_activation_count_as_zero);
	tcase_add_test(tc, arpu_postpaid_closes_on_invoice);
	tcase_add_test(tc, month_close_with_event_at_month_start);
	suite_add_tcase(s, tc);

	tc = tcase_create("offnet_forward");
	tcase_add_test(tc, offnet_forward_set_competitor);
	tcase_add_test(tc, offnet_forwarded_calls_min_calls_window);
	tcase_add_test(tc, offnet_longest_prefix_wins);
	suite_add_tcase(s, tc);

	tc = tcase_create("plan_downgrade");
	tcase_add_test(tc, plan_downgrade_fires_with_fees);
	tcase_add_test(tc, plan_downgrade_boundaries);
	suite_add_tcase(s, tc);

	tc = tcase_create("scope");
	tcase_add_test(tc, expr_where_scope_and_daily_tick);
	tcase_add_test(tc, alert_json_labels_and_numbers);
	tcase_add_test(tc, priority_value_at_risk);
	tcase_add_test(tc, contact_budget_one_open_task);
	tcase_add_test(tc, alert_json_number_golden);
	tcase_add_test(tc, inspect_hand_built_state);
	tcase_add_test(tc, handset_days_from_cdr_imei);
	tcase_add_test(tc, score_reason_with_a_missing_feature);
	tcase_add_test(tc, account_suspension_durations);
	tcase_add_test(tc, account_overdue_with_partial_payments);
	tcase_add_test(tc, account_commitment_deadline_across_restarts);
	tcase_add_test(tc, account_deactivate_closes_and_reactivate_starts_fresh);
	tcase_add_test(tc, expr_fires_on_event_window_day);
	tcase_add_test(tc, marks_survive_rule_reordering);
	tcase_add_test(tc, duplicates_change_nothing_within_48h);
	tcase_add_test(tc, next_due_earliest_timer);
	tcase_add_test(tc, determinism_alert_ids);
	tcase_add_test(tc, determinism_across_encode_decode);
	suite_add_tcase(s, tc);

	tc = tcase_create("features");
	tcase_add_test(tc, feature_revenue_window_days);
	tcase_add_test(tc, feature_offnet_share_peers_silent);
	tcase_add_test(tc, feature_arpu_tier_boundaries);
	tcase_add_test(tc, feature_tenure_stage_boundaries);
	suite_add_tcase(s, tc);

	tc = tcase_create("score");
	tcase_add_test(tc, score_fires_at_threshold_with_reasons);
	tcase_add_test(tc, score_rule_without_model_is_inert);
	tcase_add_test(tc, risk_feature_in_expressions);
	tcase_add_test(tc, feature_vector_from_the_state);
	suite_add_tcase(s, tc);

	tc = tcase_create("golden");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, golden_shipped_rules);
	tcase_add_test(tc, golden_all_features);
	suite_add_tcase(s, tc);
	return s;
}

