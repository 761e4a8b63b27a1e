/*
 * test_limits.c — bounded outputs and bounded time.
 *
 * Bad input far over the event size limit still reaches the dead-letter
 * topic, cut to 64 KiB, with a header giving its real length; the stream
 * goes on. One future-dated event cannot move event time: once every
 * partition is caught up, an event 20 days ahead of the rest on one
 * partition fires nobody's timers (the old rule, "the newest ts seen
 * anywhere", fired a month's silence alerts early), live agrees with a
 * back-test of the same log, and an event beyond time.max_future is a
 * dead letter with its reason.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

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

static void read_alerts(struct cwh *h, struct cwh_alert **v, size_t *n)
{
	struct cwh_msgs m = {0};
	size_t repeats;

	ck_assert_int_eq(cwh_consume_topic(h, "churn-alerts", 1000, &m), 0);
	ck_assert_int_eq(cwh_alerts_parse(&m, v, n, &repeats), 0);
	ck_assert_uint_eq(repeats, 0);
	cwh_msgs_free(&m);
}

/* The alerts `churnctl backtest --alerts` wrote, parsed like the topic's. */
static void read_alert_file(const char *path, struct cwh_alert **v, size_t *n)
{
	struct cwh_msgs m = {0};
	char *line = NULL;
	size_t cap = 0, repeats;
	ssize_t len;
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	while ((len = getline(&line, &cap, f)) > 0) {
		if (m.n == m.cap) {
			m.cap = m.cap ? 2 * m.cap : 256;
			m.v = realloc(m.v, m.cap * sizeof(*m.v));
			ck_assert_ptr_nonnull(m.v);
		}
		m.v[m.n] = (struct cwh_msg){.payload = strndup(line, (size_t)len - 1),
					    .len = (size_t)len - 1};
		m.n++;
	}
	free(line);
	fclose(f);
	ck_assert_int_eq(cwh_alerts_parse(&m, v, n, &repeats), 0);
	cwh_msgs_free(&m);
}

static void write_line(const char *path, const char *mode, const char *line)
{
	FILE *f = fopen(path, mode);

	ck_assert_ptr_nonnull(f);
	fputs(line, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A first batch of nothing but invalid messages (no subscriber to step)
 * is dead-lettered and committed like any other; the daemon carries on. */
START_TEST(first_batch_only_invalid)
{
	struct cwh *h = cwh_new(2, NULL);
	char path[CWH_PATH_MAX];
	struct cwh_msgs dlq = {0};

	ck_assert_ptr_nonnull(h);
	snprintf(path, sizeof(path), "%s/bad.jsonl", h->dir);
	write_line(path, "w", "[1,2,3]\n{not json\n");
	ck_assert_int_eq(cwh_produce_file(h, path, 0, -1), 2);
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	ck_assert_int_eq(cwh_wait_consumed(h, 2, 120), 0);
	cwh_sleep_ms(500);
	ck_assert_int_eq(cwh_daemon_log_count(h, 0, "out of memory"), 0);
	write_line(path, "w", "{\"event_id\":\"ok\",\"type\":\"activate\","
		   "\"subscriber\":\"8613800000001\",\"ts\":\"2026-01-01T00:00:01Z\","
		   "\"plan\":\"P38\"}\n");
	ck_assert_int_eq(cwh_produce_file(h, path, 0, -1), 1);
	ck_assert_int_eq(cwh_wait_consumed(h, 3, 120), 0);
	ck_assert_int_eq(cwh_consume_topic(h, "churnwatch-dlq", 1000, &dlq), 0);
	ck_assert_uint_eq(dlq.n, 2);
	ck_assert_double_eq(cwh_metric(h, 0, "churnwatch_events_total", NULL), 1);
	ck_assert_int_eq(cwh_daemon_signal(h, 0, SIGTERM), 0);
	int st = cwh_daemon_wait_exit(h, 0, 30);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	cwh_msgs_free(&dlq);
	cwh_free(h);
}
END_TEST

START_TEST(future_outlier_cannot_move_time)
{
	/* 16 partitions: the development Kafka keeps about 5 MB per
	 * partition, and the 18 MB stream must be read whole. */
	struct cwh *h = cwh_new(16, NULL);
	char events[CWH_PATH_MAX], truth[CWH_PATH_MAX], one[CWH_PATH_MAX],
		all[CWH_PATH_MAX], bt[CWH_PATH_MAX], cmd[8 * CWH_PATH_MAX], line[512];
	struct cwh_alert *a0, *a1, *ab;
	size_t n0, n1, nb;
	struct cwh_msgs dlq = {0};
	const char *outlier =
		"{\"event_id\":\"outlier-1\",\"type\":\"sms\",\"subscriber\":"
		"\"8613899999999\",\"ts\":\"2026-03-12T00:00:00Z\",\"direction\":"
		"\"out\",\"peer\":\"8613500000001\",\"charge\":0.1}\n";

	ck_assert_ptr_nonnull(h);
	/* 2026-01-01 + 50 days: the stream ends on 2026-02-19. */
	ck_assert_int_ge(cwh_gen(h, "outlier", 300, 50, 7, 0, 0, events, sizeof(events),
				 truth, sizeof(truth)), 0);
	ck_assert_int_gt(cwh_produce_file(h, events, 0, -1), 0);
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	ck_assert_int_eq(cwh_wait_consumed(h, cwh_input_end(h), 300), 0);
	ck_assert_int_eq(cwh_wait_quiet(h, 2500, 120), 0);
	double w0 = cwh_metric(h, 0, "churnwatch_watermark_seconds", NULL);
	read_alerts(h, &a0, &n0);
	ck_assert_uint_gt(n0, 0);

	snprintf(one, sizeof(one), "%s/outlier-line.jsonl", h->dir);
	write_line(one, "w", outlier);
	ck_assert_int_eq(cwh_produce_file(h, one, 0, -1), 1);
	ck_assert_int_eq(cwh_wait_consumed(h, cwh_input_end(h), 120), 0);
	ck_assert_int_eq(cwh_wait_quiet(h, 2500, 120), 0);
	double w1 = cwh_metric(h, 0, "churnwatch_watermark_seconds", NULL);
	read_alerts(h, &a1, &n1);
	fprintf(stderr, "outlier 21 days ahead on one partition: watermark %.0f -> %.0f, "
		"alerts %zu -> %zu\n", w0, w1, n0, n1);
	/* The pair that got the outlier may now count as up to date with the
	 * newest other pair (two pairs agree on that time); nothing more:
	 * the watermark stays within the data, minus time.lateness (1 h). */
	ck_assert_double_ge(w1, w0);
	ck_assert_double_le(w1, 1771545600.0 /* 2026-02-20 */ - 3600);
	ck_assert_uint_eq(cwh_alerts_diff(a0, n0, a1, n1, 10), 0);

	/* The same log, back-tested: the same alerts. */
	snprintf(all, sizeof(all), "%s/all.jsonl", h->dir);
	snprintf(bt, sizeof(bt), "%s/backtest-alerts.jsonl", h->dir);
	snprintf(cmd, sizeof(cmd), "cat '%s' '%s' > '%s' && '%s/churnctl' backtest -c '%s' "
		 "--events '%s' --partitions 16 --alerts '%s' > /dev/null",
		 events, one, all, h->builddir, h->d[0].conf, all, bt);
	ck_assert_int_eq(system(cmd), 0);
	read_alert_file(bt, &ab, &nb);
	fprintf(stderr, "back-test of the same log: %zu alerts\n", nb);
	ck_assert_uint_eq(cwh_alerts_diff(a1, n1, ab, nb, 10), 0);
	ck_assert_uint_eq(cwh_alerts_content_diff(a1, n1, ab, nb, 10), 0);

	/* Beyond time.max_future (15 min by default): a dead letter. */
	char ts[32];
	time_t later = time(NULL) + 2 * 3600;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&later));
	snprintf(line, sizeof(line),
		 "{\"event_id\":\"future-1\",\"type\":\"sms\",\"subscriber\":"
		 "\"8613899999998\",\"ts\":\"%s\",\"direction\":\"out\","
		 "\"peer\":\"8613500000001\",\"charge\":0.1}\n", ts);
	write_line(one, "w", line);
	ck_assert_int_eq(cwh_produce_file(h, one, 0, -1), 1);
	ck_assert_int_eq(cwh_wait_consumed(h, cwh_input_end(h), 120), 0);
	ck_assert_int_eq(cwh_consume_topic(h, "churnwatch-dlq", 1000, &dlq), 0);
	ck_assert_uint_eq(dlq.n, 1);
	ck_assert_str_eq(dlq.v[0].reason, "future_timestamp");
	ck_assert_double_eq(cwh_metric(h, 0, "churnwatch_watermark_seconds", NULL), w1);
	cwh_msgs_free(&dlq);
	free(a0);
	free(a1);
	free(ab);
	cwh_free(h);
}
END_TEST

CW_CHECK_SUITE(limits_suite)
{
	TCase *tc = tcase_create("limits");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, oversized_input_dead_lettered_truncated);
	tcase_add_test(tc, future_outlier_cannot_move_time);
	tcase_add_test(tc, first_batch_only_invalid);
	return cw_check_tcase_suite("limits", tc);
}
