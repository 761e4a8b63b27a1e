/*
 * test_reload.c — SIGHUP reloads rules atomically (CONTRACT §7): a new
 * valid rule file starts firing on new events under a new rules_version;
 * a broken file is refused with FILE:LINE:COL, the metric says so, and the
 * previous rule set keeps running.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check_main.h"
#include "harness.h"

#define PARTS 8
#define CORE CW_SRCDIR "/tests/integration/rules-core.yaml"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void copy_file(const char *from, const char *to)
{
	char buf[8192];
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");
	size_t n;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

static long count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int c;

	ck_assert_ptr_nonnull(f);
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Produce lines [from, to) and wait until they are applied. */
static void feed(struct cwh *h, const char *events, long from, long to)
{
	ck_assert_int_eq(cwh_produce_file(h, events, from, to), to - from);
	ck_assert_int_eq(cwh_wait_consumed(h, cwh_input_end(h), 300), 0);
	ck_assert_int_eq(cwh_wait_quiet(h, 1500, 60), 0);
}

/* SIGHUP and wait for the daemon to log the outcome (`needle`). */
static void hup(struct cwh *h, const char *needle)
{
	int before = cwh_daemon_log_count(h, 0, needle);
	double end = cwh_now() + 30;

	ck_assert_int_eq(cwh_daemon_signal(h, 0, SIGHUP), 0);
	while (cwh_now() < end && cwh_daemon_log_count(h, 0, needle) == before)
		cwh_sleep_ms(100);
	ck_assert_msg(cwh_daemon_log_count(h, 0, needle) > before,
		      "no \"%s\" in the log after SIGHUP", needle);
}

struct tally {
	size_t total, rule, rule_other_version;
	char version[72];          /* the version of `rule`'s alerts */
};

/* Count alerts; those of `rule` must all carry one version. */
static void read_alerts(struct cwh *h, const char *rule, struct tally *t)
{
	struct cwh_msgs m = {0};
	struct cwh_alert *a;
	size_t n, rep;

	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(cwh_consume_topic(h, "churn-alerts", 1000, &m), 0);
	ck_assert_int_eq(cwh_alerts_parse(&m, &a, &n, &rep), 0);
	t->total = n;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(a[i].rule, rule))
			continue;
		if (!t->rule++)
			snprintf(t->version, sizeof(t->version), "%s", a[i].version);
		else if (strcmp(t->version, a[i].version))
			t->rule_other_version++;
	}
	free(a);
	cwh_msgs_free(&m);
}

/* Does the log name `file` as FILE:LINE:COL? */
static int log_names_position(struct cwh *h, const char *file)
{
	FILE *f = fopen(h->d[0].log, "r");
	char line[4096];
	int found = 0;

	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, file);
		int l, c;
		if (p && sscanf(p + strlen(file), ":%d:%d:", &l, &c) == 2 && l > 0 && c > 0)
			found = 1;
	}
	fclose(f);
	return found;
}

START_TEST(sighup_reload)
{
	char events[CWH_PATH_MAX], truth[CWH_PATH_MAX], dir[CWH_PATH_MAX];
	char path[CWH_PATH_MAX + 32];
	struct cwh *h = cwh_new(PARTS, NULL);
	struct tally t1, t2, t3;
	long n;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_ge(cwh_gen(h, "reload", 120, 45, 5, 0, 0, events, sizeof(events),
				 truth, sizeof(truth)), 0);
	n = count_lines(events);
	snprintf(dir, sizeof(dir), "%s/rules.d", h->dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/10-core.yaml", dir);
	copy_file(CORE, path);
	snprintf(h->rules, sizeof(h->rules), "%s", dir);
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);

	feed(h, events, 0, n / 3);
	read_alerts(h, "it-active", &t1);
	ck_assert_int_eq(t1.rule, 0);

	/* A new valid rule: fires for nearly every active subscriber. */
	snprintf(path, sizeof(path), "%s/20-it.yaml", dir);
	write_file(path,
		   "rules:\n"
		   "  - name: it-active\n"
		   "    when: \"calls_out(14d) >= 1\"\n"
		   "    severity: info\n"
		   "    cooldown: 7d\n"
		   "    action: \"integration test\"\n");
	hup(h, "reloaded 5 rules");
	ck_assert_int_eq((int)cwh_metric(h, 0, "churnwatch_rules_last_reload_success", NULL), 1);
	feed(h, events, n / 3, 2 * n / 3);
	read_alerts(h, "it-active", &t2);
	fprintf(stderr, "after reload: %zu alerts, %zu it-active (version %.12s)\n",
		t2.total, t2.rule, t2.version);
	ck_assert_int_gt(t2.rule, 0);
	ck_assert_int_eq(t2.rule_other_version, 0);

	/* A broken file: refused, old set (with it-active) keeps running. */
	snprintf(path, sizeof(path), "%s/30-broken.yaml", dir);
	write_file(path,
		   "rules:\n"
		   "  - name: broken\n"
		   "    when: \"calls_out(14d) >= \"\n"
		   "    severity: low\n");
	hup(h, "reload refused");
	ck_assert_int_eq((int)cwh_metric(h, 0, "churnwatch_rules_last_reload_success", NULL), 0);
	ck_assert_msg(log_names_position(h, "30-broken.yaml"),
		      "the log does not name 30-broken.yaml:LINE:COL");
	feed(h, events, 2 * n / 3, n);
	read_alerts(h, "it-active", &t3);
	fprintf(stderr, "after a refused reload: %zu alerts, %zu it-active\n",
		t3.total, t3.rule);
	ck_assert_int_gt(t3.rule, t2.rule);
	ck_assert_int_eq(t3.rule_other_version, 0);
	ck_assert_str_eq(t3.version, t2.version);

	ck_assert_int_eq(cwh_daemon_signal(h, 0, SIGTERM), 0);
	int st = cwh_daemon_wait_exit(h, 0, 15);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	cwh_free(h);
}
END_TEST

CW_CHECK_SUITE(reload_suite)
{
	TCase *tc = tcase_create("reload");

	tcase_set_timeout(tc, 400);
	tcase_add_test(tc, sighup_reload);
	return cw_check_tcase_suite("reload", tc);
}
