/*
 * test_batch.c — the per-subscriber step both drivers share
 * (daemon/core/batch.c): timers before an event, encoding under the blob
 * limit. (Rule limits: test_limit.c.)
 */
#include <errno.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "cw/batch.h"
#include "engine_fixture.h"

static const char LIMITED[] =
	"rules:\n"
	"  - name: downgrade\n"
	"    detect: plan_downgrade\n"
	"    limit: 2\n"
	"  - name: silent\n"
	"    detect: silence\n"
	"    params: { for: 10d }\n";

START_TEST(timers_before_the_event_are_judged_first)
{
	struct fx fx;
	struct cw_event ev;

	fx_open(&fx, LIMITED);
	fx_activate(&fx, "2026-03-01T10:00:00Z", "P38");
	fx_call(&fx, "2026-03-01T11:00:00Z", "out", "8613900000002", "0");
	/* The next outgoing call comes 12 days later, with no watermark in
	 * between: the step judges the silence due on day 11 first, at its
	 * own time, then applies the call. */
	fx_parse("{\"event_id\":\"b1\",\"type\":\"voice\",\"subscriber\":\"" FX_SUB "\","
		 "\"ts\":\"2026-03-13T11:00:00Z\",\"direction\":\"out\","
		 "\"peer\":\"8613900000002\",\"duration_s\":60,\"charge\":0}", &ev);
	ck_assert_int_eq(cw_batch_apply(&fx.eng, fx.st, &ev, &fx.sink), CW_APPLY_OK);
	ck_assert_uint_eq(fx.nalerts, 1);
	ck_assert_str_eq(fx.alerts[0].rule->name, "silent");
	ck_assert_int_eq(fx.alerts[0].ts_ms, fx_ms("2026-03-11T11:00:00Z"));
	/* Applying it again is a duplicate, and fires nothing more. */
	ck_assert_int_eq(cw_batch_apply(&fx.eng, fx.st, &ev, &fx.sink),
			 CW_APPLY_DUPLICATE);
	ck_assert_uint_eq(fx.nalerts, 1);
	fx_close(&fx);
}
END_TEST

START_TEST(encode_gives_up_event_ids_before_the_state)
{
	struct fx fx;
	uint8_t *buf = malloc(CW_STATE_BLOB_MAX);
	int dropped = -1, n, full;

	fx_open(&fx, LIMITED);
	fx_activate(&fx, "2026-03-01T10:00:00Z", "P38");
	for (int i = 0; i < 600; i++) {
		char ts[40];
		snprintf(ts, sizeof(ts), "2026-03-01T12:%02d:%02dZ", i / 60, i % 60);
		fx_call(&fx, ts, "out", "8613900000002", "0");
	}
	full = cw_batch_encode(&fx.eng, fx.st, buf, CW_STATE_BLOB_MAX, &dropped);
	ck_assert_int_gt(full, 0);
	ck_assert_int_eq(dropped, 0);
	/* A buffer the ids do not fit in: the state without them. */
	n = cw_batch_encode(&fx.eng, fx.st, buf, (size_t)full / 4, &dropped);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, full / 4 + 1);
	ck_assert_int_eq(dropped, 1);
	ck_assert_uint_gt(fx.st->ndedup, 0); /* the caller's state is intact */
	/* Nothing fits: -1, for the caller to dead-letter. */
	ck_assert_int_eq(cw_batch_encode(&fx.eng, fx.st, buf, 4, &dropped), -ENOSPC);
	free(buf);
	fx_close(&fx);
}
END_TEST

CW_CHECK_SUITE(batch_suite)
{
	TCase *tc = tcase_create("batch");

	tcase_add_test(tc, timers_before_the_event_are_judged_first);
	tcase_add_test(tc, encode_gives_up_event_ids_before_the_state);
	return cw_check_tcase_suite("batch", tc);
}
