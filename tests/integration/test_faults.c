/*
 * test_faults.c — "nothing lost, nothing doubled" (CONTRACT §7).
 *
 * A reference run consumes a generated stream undisturbed; every fault
 * scenario then consumes the same stream on a fresh redis-server, mock
 * cluster and consumer group and must end with the same Redis state
 * (subscriber blobs except their clock_ms, timers, offsets,
 * per-partition newest ts) and the
 * same set of alert ids. A repeat of an alert_id already published is
 * allowed after a crash (at-least-once delivery of the outbox); it is
 * counted and printed. Dead letters are checked by their source
 * (topic/partition@offset): exactly the garbage lines, each once or more.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check_main.h"
#include "harness.h"

#define PARTS 16
#define SUBS 300
#define DAYS 60
#define SEED 23
#define GARBAGE 0.005
#define DUPS 0.003
#define RULES CW_SRCDIR "/tests/integration/rules-core.yaml"

struct run {
	struct cwh_snap snap;
	struct cwh_alert *alerts;
	size_t nalerts, repeats;
	size_t dlq_raw, dlq_distinct;
	long garbage;
	int64_t total;
};

static struct run ref;
static double suite_t0;

/* ---- helpers ---------------------------------------------------------- */

static struct cwh *setup(struct run *r)
{
	char events[CWH_PATH_MAX], truth[CWH_PATH_MAX];
	struct cwh *h = cwh_new(PARTS, RULES);
	long sent;

	ck_assert_ptr_nonnull(h);
	memset(r, 0, sizeof(*r));
	r->garbage = cwh_gen(h, "faults", SUBS, DAYS, SEED, GARBAGE, DUPS, events,
			     sizeof(events), truth, sizeof(truth));
	ck_assert_int_gt(r->garbage, 0);
	sent = cwh_produce_file(h, events, 0, -1);
	ck_assert_int_gt(sent, 0);
	r->total = cwh_input_end(h);
	ck_assert_int_eq(r->total, sent);
	return h;
}

/* Poll the offsets stored in Redis until `frac` of the input is durable. */
static void wait_fraction(struct cwh *h, const struct run *r, double frac)
{
	int64_t want = (int64_t)(frac * (double)r->total), got = -1;
	double end = cwh_now() + 300;

	while (cwh_now() < end) {
		got = cwh_redis_consumed(h);
		if (got >= want)
			break;
		cwh_sleep_ms(5);
	}
	ck_assert_msg(got >= want, "stuck at %lld of %lld", (long long)got,
		      (long long)want);
	fprintf(stderr, "  at %.0f%%: %lld of %lld consumed\n", frac * 100,
		(long long)got, (long long)r->total);
}

static void stop_clean(struct cwh *h, int i)
{
	double t0 = cwh_now();
	int st;

	ck_assert_int_eq(cwh_daemon_signal(h, i, SIGTERM), 0);
	st = cwh_daemon_wait_exit(h, i, 15);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "daemon %d: SIGTERM gave status %d", i, st);
	fprintf(stderr, "  daemon %d: SIGTERM -> exit 0 in %.2f s\n", i, cwh_now() - t0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_dead_letters(struct cwh *h, struct run *r)
{
	struct cwh_msgs m = {0};
	char **src;

	ck_assert_int_eq(cwh_consume_topic(h, "churnwatch-dlq", 1000, &m), 0);
	src = calloc(m.n + 1, sizeof(*src));
	ck_assert_ptr_nonnull(src);
	for (size_t i = 0; i < m.n; i++) {
		ck_assert_msg(m.v[i].source && m.v[i].reason,
			      "dead letter without __connect.errors.* headers");
		src[i] = m.v[i].source;
	}
	qsort(src, m.n, sizeof(*src), cmp_str);
	r->dlq_raw = m.n;
	for (size_t i = 0; i < m.n; i++)
		if (i == 0 || strcmp(src[i - 1], src[i]))
			r->dlq_distinct++;
	free(src);
	cwh_msgs_free(&m);
}

/* Everything consumed and settled: stop the daemons still running, then
 * read the results. */
static void finish(struct cwh *h, struct run *r)
{
	struct cwh_msgs m = {0};

	ck_assert_int_eq(cwh_wait_consumed(h, r->total, 300), 0);
	ck_assert_int_eq(cwh_wait_quiet(h, 2500, 120), 0);
	for (int i = 0; i < CWH_DAEMONS_MAX; i++)
		if (h->d[i].pid > 0)
			stop_clean(h, i);
	ck_assert_int_eq(cwh_snapshot(h, &r->snap), 0);
	ck_assert_int_eq(cwh_consume_topic(h, "churn-alerts", 1000, &m), 0);
	ck_assert_int_eq(cwh_alerts_parse(&m, &r->alerts, &r->nalerts, &r->repeats), 0);
	cwh_msgs_free(&m);
	read_dead_letters(h, r);
	fprintf(stderr, "  %zu state lines, %zu alerts (%zu repeated ids), "
		"%zu dead letters (%zu distinct sources, %ld planted), outbox %ld\n",
		r->snap.n, r->nalerts, r->repeats, r->dlq_raw, r->dlq_distinct,
		r->garbage, cwh_outbox_len(h));
}

static void run_free(struct run *r)
{
	cwh_snap_free(&r->snap);
	free(r->alerts);
	r->alerts = NULL;
}

/* A copy of `in` with every state blob replaced by "*". */
static void strip_blobs(const struct cwh_snap *in, struct cwh_snap *out)
{
	out->n = out->cap = in->n;
	out->lines = calloc(in->n + 1, sizeof(*out->lines));
	ck_assert_ptr_nonnull(out->lines);
	for (size_t i = 0; i < in->n; i++) {
		const char *tab = strchr(in->lines[i], '\t');
		int blob = !strncmp(in->lines[i], "cw:s:", 5) && tab &&
			   strncmp(tab - 9, "#clock_ms", 9);
		if (blob && asprintf(&out->lines[i], "%.*s\t*",
				     (int)(tab - in->lines[i]), in->lines[i]) < 0)
			out->lines[i] = NULL;
		else if (!blob)
			out->lines[i] = strdup(in->lines[i]);
		ck_assert_ptr_nonnull(out->lines[i]);
	}
}

/*
 * The scenario must end where the reference did: the same subscribers,
 * timers, offsets, per-partition newest ts and alert ids, and byte-equal
 * state blobs. (Two timing-dependent fields this suite once found — the
 * engine clock and re-truncated dedup ages — are fixed; CW_IT_LAX_STATE=1
 * only reports blob differences, for investigating.)
 */
static void compare(const char *name, struct run *r)
{
	struct cwh_snap a, b;
	size_t ds, da, dclock, dblob;

	fprintf(stderr, "[%s] vs reference:\n", name);
	strip_blobs(&ref.snap, &a);
	strip_blobs(&r->snap, &b);
	ds = cwh_snap_diff_ex(&a, &b, 12, "#clock_ms");
	cwh_snap_free(&a);
	cwh_snap_free(&b);
	dblob = cwh_snap_diff_ex(&ref.snap, &r->snap, 4, "#clock_ms") / 2;
	dclock = cwh_snap_diff(&ref.snap, &r->snap, 0) / 2 - dblob;
	fprintf(stderr, "[%s] state blobs: %zu differ beyond clock_ms, %zu more in "
		"clock_ms only\n", name, dblob, dclock);
	if (!getenv("CW_IT_LAX_STATE"))
		ck_assert_msg(dblob == 0 && dclock == 0,
			      "%s: %zu state blobs differ (%zu in clock_ms only)",
			      name, dblob + dclock, dclock);
	da = cwh_alerts_diff(ref.alerts, ref.nalerts, r->alerts, r->nalerts, 12);
	fprintf(stderr, "[%s] %zu state differences, %zu alert-id differences, "
		"%zu repeated alert ids, %zu dead letters for %ld garbage lines\n",
		name, ds, da, r->repeats, r->dlq_raw, r->garbage);
	ck_assert_msg(ds == 0, "%s: %zu Redis state differences", name, ds);
	ck_assert_msg(da == 0, "%s: %zu alert ids differ", name, da);
	ck_assert_int_eq((long)r->dlq_distinct, r->garbage);
}

/* ---- the reference (unchecked fixture: runs once, in the runner) ------ */

static void reference_setup(void)
{
	struct cwh *h;
	double t0;

	suite_t0 = cwh_now();
	fprintf(stderr, "[reference] %d subscribers x %d days, seed %d\n", SUBS, DAYS, SEED);
	h = setup(&ref);
	t0 = cwh_now();
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	ck_assert_int_eq(cwh_wait_consumed(h, ref.total, 300), 0);
	fprintf(stderr, "  %lld messages consumed in %.1f s\n", (long long)ref.total,
		cwh_now() - t0);
	finish(h, &ref);
	ck_assert_int_gt(ref.nalerts, 0);
	ck_assert_int_eq(ref.repeats, 0);
	ck_assert_int_eq((long)ref.dlq_raw, ref.garbage);
	cwh_free(h);
}

static void reference_teardown(void)
{
	run_free(&ref);
	fprintf(stderr, "fault suite: %.0f s\n", cwh_now() - suite_t0);
}

/* ---- scenarios ----------------------------------------------------------- */

START_TEST(reference_is_reproducible)
{
	struct run r;
	struct cwh *h = setup(&r);

	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	finish(h, &r);
	compare("undisturbed again", &r);
	ck_assert_int_eq(r.repeats, 0);
	run_free(&r);
	cwh_free(h);
}
END_TEST

START_TEST(sigkill_and_restart)
{
	static const double at[] = {0.2, 0.5, 0.8};
	struct run r;
	struct cwh *h = setup(&r);

	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		wait_fraction(h, &r, at[k]);
		cwh_daemon_kill(h, 0);
		fprintf(stderr, "  SIGKILL, restart\n");
		ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	}
	finish(h, &r);
	compare("sigkill x3", &r);
	run_free(&r);
	cwh_free(h);
}
END_TEST

START_TEST(redis_restart)
{
	struct run r;
	struct cwh *h = setup(&r);

	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	wait_fraction(h, &r, 0.4);
	ck_assert_int_eq(cwh_redis_stop(h), 0);
	fprintf(stderr, "  redis-server stopped\n");
	cwh_sleep_ms(2000);
	ck_assert_int_eq(cwh_redis_start(h), 0);
	fprintf(stderr, "  redis-server started again (same AOF)\n");
	finish(h, &r);
	ck_assert_int_ge(cwh_daemon_log_count(h, 0, "redis"), 1);
	compare("redis restart", &r);
	run_free(&r);
	cwh_free(h);
}
END_TEST

START_TEST(broker_outage)
{
	struct run r;
	struct cwh *h = setup(&r);

	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	wait_fraction(h, &r, 0.4);
	ck_assert_int_eq(cwh_broker_down(h), 0);
	fprintf(stderr, "  broker down\n");
	cwh_sleep_ms(3000);
	ck_assert_int_eq(cwh_broker_up(h), 0);
	fprintf(stderr, "  broker up\n");
	finish(h, &r);
	compare("broker outage", &r);
	run_free(&r);
	cwh_free(h);
}
END_TEST

START_TEST(instances_join_and_leave)
{
	struct run r;
	struct cwh *h = setup(&r);

	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	wait_fraction(h, &r, 0.25);
	ck_assert_int_eq(cwh_daemon_start(h, 1, 0), 0);
	fprintf(stderr, "  second instance started\n");
	wait_fraction(h, &r, 0.5);
	stop_clean(h, 0);
	wait_fraction(h, &r, 0.7);
	ck_assert_int_eq(cwh_daemon_start(h, 2, 0), 0);
	fprintf(stderr, "  third instance started\n");
	finish(h, &r);
	compare("join/leave", &r);
	run_free(&r);
	cwh_free(h);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("faults");

	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, reference_setup, reference_teardown);
	tcase_add_test(tc, reference_is_reproducible);
	tcase_add_test(tc, sigkill_and_restart);
	tcase_add_test(tc, redis_restart);
	tcase_add_test(tc, broker_outage);
	tcase_add_test(tc, instances_join_and_leave);
	return check_run_tcase("faults", tc);
}
