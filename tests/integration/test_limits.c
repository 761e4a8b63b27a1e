/*
 * test_limits.c — bounded outputs: bad input far over the event size limit
 * still reaches the dead-letter topic, cut to 64 KiB, with a header giving
 * its real length; the stream goes on.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check_main.h"
#include "harness.h"

START_TEST(oversized_input_dead_lettered_truncated)
{
	struct cwh *h = cwh_new(2, NULL);
	char path[CWH_PATH_MAX];
	struct cwh_msgs dlq = {0};
	FILE *f;

	ck_assert_ptr_nonnull(h);
	snprintf(path, sizeof(path), "%s/big.jsonl", h->dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"event_id\":\"big\",\"type\":\"sms\",\"subscriber\":\"8613800000001\","
	      "\"ts\":\"2026-01-01T00:00:00Z\",\"pad\":\"", f);
	for (int i = 0; i < 200000; i++)
		fputc('x', f);
	fputs("\"}\n", f);
	fputs("{\"event_id\":\"ok\",\"type\":\"activate\",\"subscriber\":\"8613800000001\","
	      "\"ts\":\"2026-01-01T00:00:01Z\",\"plan\":\"P38\"}\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(cwh_produce_file(h, path, 0, -1), 2);
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	ck_assert_int_eq(cwh_wait_consumed(h, cwh_input_end(h), 120), 0);
	ck_assert_int_eq(cwh_consume_topic(h, "churnwatch-dlq", 1000, &dlq), 0);
	ck_assert_uint_eq(dlq.n, 1);
	ck_assert_str_eq(dlq.v[0].reason, "too_large");
	ck_assert_uint_eq(dlq.v[0].len, 64 * 1024);
	ck_assert_ptr_nonnull(dlq.v[0].truncated);
	ck_assert_int_eq(atoi(dlq.v[0].truncated), 200000 + 97); /* the whole line */
	ck_assert_double_eq(cwh_metric(h, 0, "churnwatch_events_total", NULL), 1);
	cwh_msgs_free(&dlq);
	cwh_free(h);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("limits");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, oversized_input_dead_lettered_truncated);
	return check_run_tcase("limits", tc);
}
