/*
 * test_pipeline.c — end to end: a generated stream with planted churners,
 * garbage and duplicates goes through churnwatchd against a real
 * redis-server and the mock Kafka cluster; dead letters, alerts and
 * metrics are checked against what the generator planted.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "cw/conf.h"
#include "cw/event.h"
#include "cw/offline.h"
#include "cw/runtime.h"
#include "check_main.h"
#include "harness.h"

#define PARTS 16
#define RULES CW_SRCDIR "/tests/integration/rules-core.yaml"

struct lines {
	char **v;
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_load(const char *path, struct lines *l)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, vcap = 0;
	ssize_t n;

	ck_assert_ptr_nonnull(f);
	memset(l, 0, sizeof(*l));
	while ((n = getline(&line, &cap, f)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (l->n == vcap) {
			vcap = vcap ? vcap * 2 : 1024;
			l->v = realloc(l->v, vcap * sizeof(*l->v));
			ck_assert_ptr_nonnull(l->v);
		}
		l->v[l->n++] = strdup(line);
	}
	free(line);
	fclose(f);
	qsort(l->v, l->n, sizeof(*l->v), cmp_str);
}

static int lines_has(const struct lines *l, const char *s)
{
	return bsearch(&s, l->v, l->n, sizeof(*l->v), cmp_str) != NULL;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The rules a planted kind must trigger (NULL: none expected). */
static const char *expected_rule(const char *kind)
{
	if (!strcmp(kind, "silent"))
		return "silence-30d";
	if (!strcmp(kind, "forwarder"))
		return "offnet-forward";
	if (!strcmp(kind, "downgrader"))
		return "plan-downgrade";
	return NULL;
}

static int has_alert(const struct cwh_alert *a, size_t n, const char *sub,
		     const char *rule)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(a[i].subscriber, sub) && (!rule || !strcmp(a[i].rule, rule)))
			return 1;
	return 0;
}

/* Check every truth row against the alerts; returns the number of misses. */
static int check_truth(const char *truth, const struct cwh_alert *a, size_t n)
{
	FILE *f = fopen(truth, "r");
	char line[256];
	int bad = 0, seen[3] = {0};

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		char *sub = strtok(line, ",\n"), *kind = strtok(NULL, ",\n");
		if (!sub || !kind || !strcmp(sub, "subscriber"))
			continue;
		const char *rule = expected_rule(kind);
		if (!strcmp(kind, "steady")) {
			if (has_alert(a, n, sub, NULL)) {
				fprintf(stderr, "steady subscriber %s got an alert\n", sub);
				bad++;
			}
		} else if (rule) {
			seen[!strcmp(kind, "silent") ? 0 : !strcmp(kind, "forwarder") ? 1 : 2]++;
			if (!has_alert(a, n, sub, rule)) {
				fprintf(stderr, "%s subscriber %s: no %s alert\n", kind, sub, rule);
				bad++;
			}
		}
	}
	fclose(f);
	fprintf(stderr, "truth: %d silent, %d forwarders, %d downgraders checked\n",
		seen[0], seen[1], seen[2]);
	ck_assert_msg(seen[0] > 0 && seen[1] > 0 && seen[2] > 0,
		      "the generated stream lacks a planted kind: pick another seed");
	return bad;
}

static void check_dead_letters(struct cwh *h, const char *events, long garbage)
{
	struct cwh_msgs dlq = {0};
	struct lines in;

	lines_load(events, &in);
	ck_assert_int_eq(cwh_consume_topic(h, "churnwatch-dlq", 1000, &dlq), 0);
	fprintf(stderr, "dead letters: %zu (gen planted %ld)\n", dlq.n, garbage);
	ck_assert_int_eq((long)dlq.n, garbage);
	for (size_t i = 0; i < dlq.n; i++) {
		ck_assert_msg(dlq.v[i].reason && dlq.v[i].reason[0],
			      "dead letter %zu has no reason header", i);
		ck_assert_msg(lines_has(&in, dlq.v[i].payload),
			      "dead letter is not an input line: %.200s", dlq.v[i].payload);
	}
	cwh_msgs_free(&dlq);
	lines_free(&in);
}

/* ---- the same events through the engine in memory (CONTRACT §7) ---- */

struct ids {
	char (*v)[CW_ALERT_ID_LEN + 1];
	size_t n, cap;
};

static int ids_emit(void *ctx, const struct cw_alert *a)
{
	struct ids *ids = ctx;

	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? ids->cap * 2 : 256;
		ids->v = realloc(ids->v, ids->cap * sizeof(*ids->v));
		ck_assert_ptr_nonnull(ids->v);
	}
	memcpy(ids->v[ids->n++], a->alert_id, sizeof(*ids->v));
	return 0;
}

static int is_billing_line(const char *line)
{
	static const char *const types[] = {"activate", "plan_change", "recharge",
		"invoice", "payment", "suspend", "resume", "forward_set",
		"forward_clear", "deactivate"};
	char pat[64];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(pat, sizeof(pat), "\"type\":\"%s\"", types[i]);
		if (strstr(line, pat))
			return 1;
	}
	return 0;
}

/* Back-test: every valid line in file order (gen writes event-time
 * order), the watermark following the newest ts minus the lateness, a
 * final advance to the end. Returns the sorted alert ids. */
static void backtest(const char *config, const char *events, struct ids *ids)
{
	struct cw_conf conf;
	struct cw_runtime *rt = NULL;
	struct cw_offline *o = NULL;
	struct cw_alert_sink sink = {.emit = ids_emit, .ctx = ids};
	struct cw_event_limits lim;
	static struct cw_event ev;
	char err[2048], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int64_t newest = INT64_MIN;
	FILE *f = fopen(events, "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(cw_conf_init_defaults(&conf), 0);
	ck_assert_msg(cw_conf_load(config, &conf, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(cw_runtime_load(&conf, &rt, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(cw_offline_new(&rt->engine, &sink, &o), 0);
	cw_event_limits_default(&lim, (int64_t)time(NULL) * 1000);
	lim.max_future_ms = conf.max_future_ms;
	while ((n = getline(&line, &cap, f)) != -1) {
		enum cw_invalid why;
		while (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (cw_event_parse(line, (size_t)n,
				   is_billing_line(line) ? CW_TOPIC_BILLING : CW_TOPIC_CDR,
				   NULL, 0, &lim, &ev, &why) < 0)
			continue;
		if (ev.ts_ms > newest) {
			newest = ev.ts_ms;
			ck_assert_int_ge(cw_offline_advance(o, newest - conf.lateness_ms), 0);
		}
		ck_assert_int_ge(cw_offline_event(o, &ev), 0);
	}
	ck_assert_int_ge(cw_offline_advance(o, newest - conf.lateness_ms), 0);
	qsort(ids->v, ids->n, sizeof(*ids->v), (int (*)(const void *, const void *))strcmp);
	free(line);
	fclose(f);
	cw_offline_free(o);
	cw_runtime_free(rt);
	cw_conf_fini(&conf);
}

/* Live ids (sorted, unique) vs back-tested ids; returns the differences. */
static size_t compare_backtest(const struct cwh_alert *a, size_t na,
			       const struct ids *b)
{
	size_t i = 0, j = 0, diff = 0;

	while (i < na || j < b->n) {
		int c = i == na ? 1 : j == b->n ? -1 : strcmp(a[i].id, b->v[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if (diff++ < 20)
			fprintf(stderr, "  %s %s\n", c < 0 ? "live only:" : "back-test only:",
				c < 0 ? a[i].id : b->v[j]);
		if (c < 0)
			i++;
		else
			j++;
	}
	return diff;
}

START_TEST(end_to_end)
{
	char events[CWH_PATH_MAX], truth[CWH_PATH_MAX];
	struct cwh *h = cwh_new(PARTS, RULES);
	struct cwh_msgs out = {0};
	struct cwh_alert *alerts;
	size_t nalerts, repeats;
	long garbage, sent;
	int64_t total;
	double t0;

	ck_assert_ptr_nonnull(h);
	garbage = cwh_gen(h, "e2e", 200, 100, 11, 0.002, 0.002, events, sizeof(events),
			  truth, sizeof(truth));
	ck_assert_int_gt(garbage, 0);
	/*
	 * The whole stream is in Kafka before the daemon starts. Producing 100
	 * days in a second while consuming would be "live" at a million times
	 * real time: partitions flushed a few ms apart would look caught up
	 * hours of event time apart and the watermark would legitimately run
	 * ahead of events still in the producer (silence alerts for steady
	 * subscribers under CPU load). The exact alert set is asserted for
	 * the complete log, as in a replay or back-test.
	 */
	sent = cwh_produce_file(h, events, 0, -1);
	ck_assert_int_gt(sent, 0);
	total = cwh_input_end(h);
	ck_assert_int_eq(total, sent);
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	t0 = cwh_now();
	ck_assert_int_eq(cwh_wait_consumed(h, total, 400), 0);
	fprintf(stderr, "consumed %ld messages in %.1f s\n", sent, cwh_now() - t0);
	ck_assert_int_eq(cwh_wait_quiet(h, 2000, 120), 0);

	double ev = cwh_metric(h, 0, "churnwatch_events_total", NULL);
	double inv = cwh_metric(h, 0, "churnwatch_events_invalid_total", NULL);
	fprintf(stderr, "metrics: events_total %.0f, invalid_total %.0f\n", ev, inv);
	ck_assert_int_eq((long)ev, sent - garbage);
	ck_assert_int_eq((long)inv, garbage);

	t0 = cwh_now();
	ck_assert_int_eq(cwh_daemon_signal(h, 0, SIGTERM), 0);
	int st = cwh_daemon_wait_exit(h, 0, 15);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "SIGTERM: status %d", st);
	fprintf(stderr, "SIGTERM: exit 0 after %.2f s\n", cwh_now() - t0);

	check_dead_letters(h, events, garbage);

	ck_assert_int_eq(cwh_consume_topic(h, "churn-alerts", 1000, &out), 0);
	ck_assert_int_eq(cwh_alerts_parse(&out, &alerts, &nalerts, &repeats), 0);
	fprintf(stderr, "alerts: %zu distinct, %zu repeated ids\n", nalerts, repeats);
	ck_assert_int_gt(nalerts, 0);
	ck_assert_int_eq(repeats, 0);
	for (size_t i = 0; i < nalerts; i++)
		ck_assert_msg(alerts[i].complete, "alert %s lacks a CONTRACT §6 field",
			      alerts[i].id);
	ck_assert_int_eq(cwh_outbox_len(h), 0);
	ck_assert_int_eq(check_truth(truth, alerts, nalerts), 0);

	struct ids bt = {0};
	backtest(h->d[0].conf, events, &bt);
	fprintf(stderr, "back-test in memory: %zu alerts\n", bt.n);
	ck_assert_int_eq(compare_backtest(alerts, nalerts, &bt), 0);
	free(bt.v);
	free(alerts);
	cwh_msgs_free(&out);
	cwh_free(h);
}
END_TEST

/* The account kinds the generator plants and the shipped rule meant to
 * catch each; "deactivated" must get nothing after its deactivate. */
static const struct {
	const char *kind, *rule;
} account_kinds[] = {
	{"unresumed", "arrears-unresumed"},
	{"overdue", "invoice-overdue"},
	{"contract_end", "commitment-ending"},
	{"portout", "portout-request"},
	{"deactivated", NULL},
};

/*
 * The whole subscriber, live, with the shipped pack: every planted account
 * kind is caught by its rule, a deactivated line raises nothing, and no
 * steady subscriber gets any alert of any rule.
 */
START_TEST(account_kinds_live)
{
	char events[CWH_PATH_MAX], truth[CWH_PATH_MAX], line[256];
	struct cwh *h = cwh_new(PARTS, CW_SRCDIR "/rules");
	struct cwh_msgs out = {0};
	struct cwh_alert *alerts;
	size_t nalerts, repeats;
	int seen[5] = {0}, bad = 0;
	FILE *f;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_ge(cwh_gen(h, "acct", 400, 100, 42, 0, 0, events, sizeof(events),
				 truth, sizeof(truth)), 0);
	long sent = cwh_produce_file(h, events, 0, -1);
	ck_assert_int_gt(sent, 0);
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	ck_assert_int_eq(cwh_wait_consumed(h, cwh_input_end(h), 400), 0);
	ck_assert_int_eq(cwh_wait_quiet(h, 2000, 120), 0);
	ck_assert_int_eq(cwh_consume_topic(h, "churn-alerts", 1000, &out), 0);
	ck_assert_int_eq(cwh_alerts_parse(&out, &alerts, &nalerts, &repeats), 0);
	ck_assert_int_eq(repeats, 0);
	f = fopen(truth, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		char *sub = strtok(line, ",\n"), *kind = strtok(NULL, ",\n");

		if (!sub || !kind || !strcmp(sub, "subscriber"))
			continue;
		if (!strcmp(kind, "steady") && has_alert(alerts, nalerts, sub, NULL)) {
			fprintf(stderr, "steady subscriber %s got an alert\n", sub);
			bad++;
		}
		for (size_t k = 0; k < sizeof(account_kinds) / sizeof(account_kinds[0]); k++) {
			if (strcmp(kind, account_kinds[k].kind))
				continue;
			seen[k]++;
			if (account_kinds[k].rule
				    ? !has_alert(alerts, nalerts, sub, account_kinds[k].rule)
				    : has_alert(alerts, nalerts, sub, NULL)) {
				fprintf(stderr, "%s subscriber %s: %s\n", kind, sub,
					account_kinds[k].rule ? "not caught" : "alerted");
				bad++;
			}
		}
	}
	fclose(f);
	for (size_t k = 0; k < sizeof(account_kinds) / sizeof(account_kinds[0]); k++) {
		fprintf(stderr, "%s: %d planted\n", account_kinds[k].kind, seen[k]);
		ck_assert_msg(seen[k] > 0, "no %s planted: pick another seed",
			      account_kinds[k].kind);
	}
	ck_assert_int_eq(bad, 0);
	free(alerts);
	cwh_msgs_free(&out);
	cwh_free(h);
}
END_TEST

CW_CHECK_SUITE(pipeline_suite)
{
	TCase *tc = tcase_create("e2e");

	tcase_set_timeout(tc, 800);
	tcase_add_test(tc, end_to_end);
	tcase_add_test(tc, account_kinds_live);
	return cw_check_tcase_suite("pipeline", tc);
}
