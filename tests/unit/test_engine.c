/*
 * test_engine.c — the pure engine (CONTRACT §3, §5, §6, §7): detectors,
 * event-time timers, scope and cooldown, de-duplication, next_due,
 * determinism and features. Every assertion is an exact value.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fixture.h"

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
	fx_call(&fx, "2026-06-02T00:00:00Z", "in", "8613900000002", "0");
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
	fx_evid_str(a, "when", "true");
	fx_evid_num(a, "revenue_30d", 60.0);
	fx_evid_int(a, "days_silent", 15);

	/* Cooldown 7d: an event on Jan 3 re-evaluates, but is suppressed. */
	fx_data(&fx, "2026-01-03T12:00:00Z", "0.01");
	fx_advance(&fx, "2026-01-06T23:59:59Z");
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_advance(&fx, "2026-01-07T00:00:00Z"); /* Dec 31 + 7d */
	ck_assert_uint_eq(fx.nalerts, 2);
	ck_assert_int_eq(fx.alerts[1].ts_ms, fx_ms("2026-01-07T00:00:00Z"));
	fx_evid_num(&fx.alerts[1], "revenue_30d", 60.01);
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
	fx_evid_num(&a.alerts[0], "revenue_30d", 12.5);
	fx_evid_num(&b.alerts[0], "revenue_30d", 12.5);
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
	ck_assert_double_eq(fx_feature(&fx, CW_F_DISTINCT_PEERS, 60 * CW_DAY_MS, now), 5);
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

static Suite *engine_suite(void)
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
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
