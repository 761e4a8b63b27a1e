/*
 * test_loop.c — the retention loop end to end, as Check tests over a real
 * redis-server and the mock cluster (tests/harness.c).
 *
 * `churnctl gen --retention` plays a retention team over the shipped rules
 * and examples/routing.yaml: it works each queue's worklist through the
 * real engine, writes contact, offer and outcome events into the stream,
 * saves some subscribers (who stop churning) and writes what it did (the
 * ground truth). churnwatchd then consumes that stream, and:
 *   - the monthly counters (kpi:<month>) equal the truth: contacted and
 *     saved tasks per rule, contacts per agent, and the activations and
 *     deactivations of the events, per month;
 *   - every queue's worklist of a day holds exactly the tasks worked;
 *   - the archive holds one record per deactivated line;
 *   - an outcome for a task nobody opened is the one retention dead
 *     letter, reason unknown_task;
 *   - the same stream with churnwatchd SIGKILLed mid-stream ends with the
 *     same Redis state (counters, worklists, states) and archive records.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "harness.h"

#define PARTS 24
#define RULES CW_SRCDIR "/rules"
#define ROUTING CW_SRCDIR "/examples/routing.yaml"
#define BOGUS_TASK "00000000000000000000000000000000"
#define MAXROWS 4096

/* One task of the truth (gen --retention-truth). */
struct task {
	char id[40], rule[72], queue[56], day[12], agent[40];
	int contacted, saved;
};

struct fixture {
	struct cwh *h;
	char events[CWH_PATH_MAX], truth[CWH_PATH_MAX];
	struct task *t;
	size_t nt;
	long lines;
};

static struct cwh *new_harness(void)
{
	struct cwh *h = cwh_new(PARTS, RULES);

	ck_assert_ptr_nonnull(h);
	snprintf(h->routing, sizeof(h->routing), "%s", ROUTING);
	return h;
}

static void load_truth(struct fixture *f)
{
	FILE *in = fopen(f->truth, "r");
	char line[1024];

	ck_assert_ptr_nonnull(in);
	f->t = calloc(MAXROWS, sizeof(*f->t));
	ck_assert_ptr_nonnull(f->t);
	while (fgets(line, sizeof(line), in)) {
		char *fld[11], *s = line;
		int n = 0;
		if (!strncmp(line, "task_id,", 8))
			continue;
		while (n < 11 && (fld[n] = strsep(&s, ",\n")))
			n++;
		ck_assert_int_eq(n, 11);
		ck_assert_uint_lt(f->nt, MAXROWS);
		struct task *t = &f->t[f->nt++];
		snprintf(t->id, sizeof(t->id), "%s", fld[0]);
		snprintf(t->rule, sizeof(t->rule), "%s", fld[2]);
		snprintf(t->queue, sizeof(t->queue), "%s", fld[3]);
		snprintf(t->day, sizeof(t->day), "%.10s", fld[5]);
		t->contacted = atoi(fld[7]);
		snprintf(t->agent, sizeof(t->agent), "%s", fld[8]);
		t->saved = atoi(fld[10]);
	}
	fclose(in);
}

/* Generate the stream with the team, plus one outcome for no task. */
static void generate(struct fixture *f)
{
	char team[CWH_PATH_MAX], log[CWH_PATH_MAX + 16];
	FILE *c;

	memset(f, 0, sizeof(*f));
	f->h = new_harness();
	snprintf(team, sizeof(team), "%s/team.yaml", f->h->dir);
	snprintf(f->events, sizeof(f->events), "%s/loop.jsonl", f->h->dir);
	snprintf(f->truth, sizeof(f->truth), "%s/rt.csv", f->h->dir);
	snprintf(log, sizeof(log), "%s/gen.log", f->h->dir);
	c = fopen(team, "w");
	ck_assert_ptr_nonnull(c);
	fprintf(c, "rules: %s\nplans: %s/examples/plans.yaml\nnetworks: "
		"%s/examples/networks.yaml\nrouting: %s\n", RULES, CW_SRCDIR,
		CW_SRCDIR, ROUTING);
	fclose(c);
	const char *args[] = {"gen", "--subscribers", "300", "--days", "120",
			      "--seed", "7", "--churn-rate", "0.05", "--regions", "4", "--out",
			      f->events, "--retention", team, "--retention-truth",
			      f->truth, NULL};
	ck_assert_int_eq(cwh_churnctl(f->h, args, log), 0);
	c = fopen(f->events, "a");
	ck_assert_ptr_nonnull(c);
	fprintf(c, "{\"event_id\":\"bogus-1\",\"type\":\"outcome\",\"subscriber\":"
		"\"8613800000777\",\"ts\":\"2026-04-30T12:00:00Z\",\"task_id\":\""
		BOGUS_TASK "\",\"outcome\":\"saved\"}\n");
	fclose(c);
	load_truth(f);
	c = fopen(f->events, "r");
	ck_assert_ptr_nonnull(c);
	for (int ch; (ch = fgetc(c)) != EOF;)
		f->lines += ch == '\n';
	fclose(c);
}

/* Consume the whole file with daemon 0 (SIGKILLed once when kill_at > 0
 * messages are in, then restarted), and settle. */
static void consume(struct cwh *h, const char *events, int64_t kill_at)
{
	long sent = cwh_produce_file(h, events, 0, -1);
	int64_t total = cwh_input_end(h);

	ck_assert_int_gt(sent, 0);
	ck_assert_int_eq(total, sent);
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	if (kill_at > 0) {
		ck_assert_int_eq(cwh_wait_consumed(h, kill_at, 300), 0);
		cwh_daemon_kill(h, 0);
		ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	}
	ck_assert_int_eq(cwh_wait_consumed(h, total, 600), 0);
	ck_assert_int_eq(cwh_wait_quiet(h, 3000, 120), 0);
}

/* Sum of counter `field` over every month (kpi:*). */
static long long counter(const struct cwh_snap *kpi, const char *field)
{
	char want[200];
	long long sum = 0;

	snprintf(want, sizeof(want), "[%s]\t", field);
	for (size_t i = 0; i < kpi->n; i++) {
		const char *p = strstr(kpi->lines[i], want);
		if (p)
			sum += atoll(p + strlen(want));
	}
	return sum;
}

/* Counter `field` of month "YYYY-MM". */
static long long counter_of(const struct cwh_snap *kpi, const char *month,
			    const char *field)
{
	char want[240];

	snprintf(want, sizeof(want), "kpi:%s[%s]\t", month, field);
	for (size_t i = 0; i < kpi->n; i++) {
		const char *p = strstr(kpi->lines[i], want);
		if (p)
			return atoll(p + strlen(want));
	}
	return 0;
}

START_TEST(report_equals_ground_truth)
{
	struct fixture f;
	struct cwh_snap kpi;
	struct cwh_msgs dlq = {0}, arch = {0};
	int contacted = 0, saved = 0;

	generate(&f);
	consume(f.h, f.events, 0);
	ck_assert_int_eq(cwh_hashes(f.h, "kpi:*", &kpi), 0);
	ck_assert_uint_gt(kpi.n, 0);

	/* Per rule and per agent: exactly what the team did. */
	for (size_t i = 0; i < f.nt; i++) {
		const struct task *t = &f.t[i];
		int seen = 0, c = 0, s = 0, a = 0;
		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(f.t[j].rule, t->rule);
		if (!seen) {
			char field[120];
			for (size_t j = 0; j < f.nt; j++)
				if (!strcmp(f.t[j].rule, t->rule)) {
					c += f.t[j].contacted;
					s += f.t[j].saved;
				}
			snprintf(field, sizeof(field), "contacted:rule:%s", t->rule);
			ck_assert_msg(counter(&kpi, field) == c, "%s: %lld, truth %d",
				      field, counter(&kpi, field), c);
			snprintf(field, sizeof(field), "saved:rule:%s", t->rule);
			ck_assert_msg(counter(&kpi, field) == s, "%s: %lld, truth %d",
				      field, counter(&kpi, field), s);
		}
		seen = 0;
		for (size_t j = 0; j < i; j++)
			seen |= t->contacted && !strcmp(f.t[j].agent, t->agent);
		if (t->contacted && !seen) {
			char field[120];
			for (size_t j = 0; j < f.nt; j++)
				a += f.t[j].contacted && !strcmp(f.t[j].agent, t->agent);
			snprintf(field, sizeof(field), "contacts:agent:%s", t->agent);
			ck_assert_msg(counter(&kpi, field) == a, "%s: %lld, truth %d",
				      field, counter(&kpi, field), a);
		}
		contacted += t->contacted;
		saved += t->saved;
	}
	ck_assert_int_gt(saved, 3);
	ck_assert_int_gt(contacted, saved);
	ck_assert_int_eq(counter(&kpi, "contacted"), contacted);
	ck_assert_int_eq(counter(&kpi, "saved"), saved);

	/* Activations and deactivations per month, against the events. */
	FILE *in = fopen(f.events, "r");
	char line[4096], month[8];
	long long act[12] = {0}, deact[12] = {0}, act_region[12][4] = {{0}};
	int ndeact = 0;
	ck_assert_ptr_nonnull(in);
	while (fgets(line, sizeof(line), in)) {
		const char *ts = strstr(line, "\"ts\":\"2026-");
		if (!ts)
			continue;
		int m = atoi(ts + 11) - 1;
		if (m < 0 || m > 11)
			continue;
		act[m] += strstr(line, "\"type\":\"activate\"") != NULL;
		const char *rg = strstr(line, "\"region\":\"county-");
		if (strstr(line, "\"type\":\"activate\"") && rg)
			act_region[m][(atoi(rg + 17) - 1) & 3]++;
		if (strstr(line, "\"type\":\"deactivate\"")) {
			deact[m]++;
			ndeact++;
		}
	}
	fclose(in);
	for (int m = 0; m < 12; m++) {
		snprintf(month, sizeof(month), "2026-%02d", m + 1);
		ck_assert_msg(counter_of(&kpi, month, "act") == act[m], "%s act", month);
		ck_assert_msg(counter_of(&kpi, month, "deact") == deact[m], "%s deact", month);
		/* By region: activations as the events say; the losses of
		 * the regions add up to the month's. */
		long long lost = 0;
		for (int k = 0; k < 4; k++) {
			char field[64];
			snprintf(field, sizeof(field), "act:region:county-%d", k + 1);
			ck_assert_msg(counter_of(&kpi, month, field) == act_region[m][k],
				      "%s %s", month, field);
			snprintf(field, sizeof(field), "deact:region:county-%d", k + 1);
			lost += counter_of(&kpi, month, field);
		}
		ck_assert_msg(lost == counter_of(&kpi, month, "deact"), "%s by region", month);
	}
	ck_assert_int_gt(act_region[0][0], 10);
	ck_assert_int_gt(ndeact, 5);

	/* Worklists: each (queue, day) holds exactly its tasks. */
	for (size_t i = 0; i < f.nt; i++) {
		char key[160];
		struct cwh_snap wl;
		size_t want = 0;
		snprintf(key, sizeof(key), "wl:%s:%s", f.t[i].queue, f.t[i].day);
		ck_assert_int_eq(cwh_zset_members(f.h, key, &wl), 0);
		for (size_t j = 0; j < f.nt; j++) {
			if (strcmp(f.t[j].queue, f.t[i].queue) || strcmp(f.t[j].day, f.t[i].day))
				continue;
			want++;
			int found = 0;
			for (size_t k = 0; k < wl.n; k++)
				found |= !strncmp(wl.lines[k], f.t[j].id, strlen(f.t[j].id));
			ck_assert_msg(found, "task %s missing from %s", f.t[j].id, key);
		}
		ck_assert_msg(wl.n == want, "%s: %zu tasks, want %zu", key, wl.n, want);
		cwh_snap_free(&wl);
	}

	/* The archive: one record per deactivated line. */
	ck_assert_int_eq(cwh_consume_topic(f.h, "churn-archive", 3000, &arch), 0);
	int deact_records = 0;
	for (size_t i = 0; i < arch.n; i++)
		deact_records += strstr(arch.v[i].payload, "\"churn\":\"deact\"") != NULL;
	ck_assert_int_eq(deact_records, ndeact);

	/* The one retention dead letter: the outcome for no task. */
	ck_assert_int_eq(cwh_consume_topic(f.h, "churnwatch-dlq", 3000, &dlq), 0);
	int unknown = 0;
	for (size_t i = 0; i < dlq.n; i++)
		if (dlq.v[i].reason && !strcmp(dlq.v[i].reason, "unknown_task")) {
			unknown++;
			ck_assert_ptr_nonnull(strstr(dlq.v[i].payload, BOGUS_TASK));
			ck_assert_ptr_nonnull(dlq.v[i].source);
		}
	ck_assert_int_eq(unknown, 1);
	cwh_msgs_free(&dlq);
	cwh_msgs_free(&arch);
	cwh_snap_free(&kpi);
	free(f.t);
	cwh_free(f.h);
}
END_TEST

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Archive records as sorted "payload" lines (repeats after a crash must
 * be byte-identical: then they collapse). */
static void archive_set(struct cwh *h, struct cwh_snap *out)
{
	struct cwh_msgs m = {0};

	memset(out, 0, sizeof(*out));
	ck_assert_int_eq(cwh_consume_topic(h, "churn-archive", 3000, &m), 0);
	for (size_t i = 0; i < m.n; i++) {
		int dup = 0;
		for (size_t j = 0; j < out->n; j++)
			dup |= !strcmp(out->lines[j], m.v[i].payload);
		if (dup)
			continue;
		char **nl = realloc(out->lines, (out->n + 1) * sizeof(*nl));
		ck_assert_ptr_nonnull(nl);
		out->lines = nl;
		out->lines[out->n++] = strdup(m.v[i].payload);
	}
	qsort(out->lines, out->n, sizeof(*out->lines), cmp_line);
	cwh_msgs_free(&m);
}

START_TEST(sigkill_mid_stream_changes_nothing)
{
	struct fixture f;
	struct cwh_snap a, b, arch_a, arch_b;


	generate(&f);
	consume(f.h, f.events, 0);
	ck_assert_int_eq(cwh_snapshot(f.h, &a), 0);
	archive_set(f.h, &arch_a);
	/* The same stream on a fresh redis-server and cluster, SIGKILLed
	 * when 40% of it is in. */
	struct cwh *k = new_harness();
	consume(k, f.events, f.lines * 2 / 5);
	ck_assert_int_eq(cwh_snapshot(k, &b), 0);
	/* States, timers, offsets, counters (kpi:), worklist alerts (wlj:),
	 * held alerts: all as the undisturbed run left them. */
	ck_assert_uint_eq(cwh_snap_diff(&a, &b, 10), 0);
	archive_set(k, &arch_b);
	ck_assert_uint_gt(arch_a.n, 5);
	ck_assert_uint_eq(cwh_snap_diff(&arch_a, &arch_b, 5), 0);
	cwh_snap_free(&a);
	cwh_snap_free(&b);
	cwh_snap_free(&arch_a);
	cwh_snap_free(&arch_b);
	free(f.t);
	cwh_free(k);
	cwh_free(f.h);
}
END_TEST

CW_CHECK_SUITE(loop_suite)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, report_equals_ground_truth);
	tcase_add_test(tc, sigkill_mid_stream_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
