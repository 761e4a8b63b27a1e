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
 * counted and printed, but its content must be byte-identical (so must
 * every alert's content to the reference's). Dead letters are checked by
 * their source (topic/partition@offset): exactly the garbage lines, each
 * once or more. Exactly-once is checked on its own too: the duplicates
 * the engine rejected (churnwatch_events_duplicate_total, summed over
 * the processes of a run) never exceed the reference's, which are the
 * planted ones; re-applying a batch after a fault and de-duplicating it
 * would look the same in Redis but not here.
 *
 * The faults: SIGKILL at arbitrary times and at chosen crash points
 * (CHURNWATCH_FAILPOINT, failpoint.h), Redis stopped (also longer than
 * max.poll.interval.ms, with two instances), the broker down, the
 * dead-letter topic unavailable, Redis out of memory, instances joining
 * and leaving, and a zombie instance stalled past max.poll.interval.ms
 * while another took its partitions (fencing).
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
	double dups;     /* churnwatch_events_duplicate_total, all processes */
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
	/* Every scenario with the retention loop on: tasks, the loop's state
	 * part, counters and archive records all go through the faults. */
	snprintf(h->routing, sizeof(h->routing), "%s/examples/routing.yaml", CW_SRCDIR);
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

/* Add slot i's duplicate count to the run's (just before it ends). */
static void scrape(struct cwh *h, int i, struct run *r)
{
	double d = cwh_metric(h, i, "churnwatch_events_duplicate_total", NULL);

	if (d > 0)
		r->dups += d;
}

static void kill_scraped(struct cwh *h, int i, struct run *r)
{
	scrape(h, i, r);
	cwh_daemon_kill(h, i);
}

static void stop_clean(struct cwh *h, int i, struct run *r)
{
	double t0 = cwh_now();
	int st;

	scrape(h, i, r);
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
			stop_clean(h, i, r);
	ck_assert_int_eq(cwh_snapshot(h, &r->snap), 0);
	ck_assert_int_eq(cwh_consume_topic(h, "churn-alerts", 1000, &m), 0);
	ck_assert_int_eq(cwh_alerts_parse(&m, &r->alerts, &r->nalerts, &r->repeats), 0);
	cwh_msgs_free(&m);
	read_dead_letters(h, r);
	fprintf(stderr, "  %zu state lines, %zu alerts (%zu repeated ids), "
		"%zu dead letters (%zu distinct sources, %ld planted), outbox %ld, "
		"%.0f duplicates rejected\n",
		r->snap.n, r->nalerts, r->repeats, r->dlq_raw, r->dlq_distinct,
		r->garbage, cwh_outbox_len(h), r->dups);
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
	size_t dc = cwh_alerts_content_diff(ref.alerts, ref.nalerts, r->alerts,
					    r->nalerts, 12), conflicts = 0;
	for (size_t i = 0; i < r->nalerts; i++)
		conflicts += r->alerts[i].conflict;
	fprintf(stderr, "[%s] %zu state differences, %zu alert-id differences, "
		"%zu repeated alert ids, %zu dead letters for %ld garbage lines\n",
		name, ds, da, r->repeats, r->dlq_raw, r->garbage);
	ck_assert_msg(ds == 0, "%s: %zu Redis state differences", name, ds);
	ck_assert_msg(da == 0, "%s: %zu alert ids differ", name, da);
	ck_assert_msg(dc == 0, "%s: %zu alerts differ in content", name, dc);
	ck_assert_msg(conflicts == 0, "%s: %zu repeated ids with other content",
		      name, conflicts);
	fprintf(stderr, "[%s] %.0f duplicates rejected (reference %.0f)\n", name,
		r->dups, ref.dups);
	ck_assert_msg(r->dups <= ref.dups, "%s: %.0f events applied twice and "
		      "de-duplicated", name, r->dups - ref.dups);
	ck_assert_int_eq((long)r->dlq_distinct, r->garbage);
}

/* The end of every scenario: settle, compare with the reference, and,
 * where no process was killed, demand exactly the reference's rejected
 * duplicates (the planted ones). The caller then checks what is
 * particular to it and calls scenario_free. */
enum dups { DUPS_AT_MOST, DUPS_EXACT };

static void conclude(struct cwh *h, struct run *r, const char *name,
		     enum dups dups)
{
	finish(h, r);
	compare(name, r);
	if (dups == DUPS_EXACT)
		ck_assert_double_eq(r->dups, ref.dups);
}

static void scenario_free(struct cwh *h, struct run *r)
{
	run_free(r);
	cwh_free(h);
}

/* Slots 0 and 1 leave the group after 7 s without a poll (librdkafka's
 * minimum above session.timeout.ms). */
static void short_poll_interval(struct cwh *h)
{
	for (int i = 0; i < 2; i++)
		snprintf(h->d[i].props, sizeof(h->d[i].props), "%s",
			 "    \"max.poll.interval.ms\": \"7000\"\n");
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
	ck_assert_double_gt(ref.dups, 0); /* the planted duplicates */
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
	conclude(h, &r, "undisturbed again", DUPS_EXACT);
	ck_assert_int_eq(r.repeats, 0);
	scenario_free(h, &r);
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
		kill_scraped(h, 0, &r);
		fprintf(stderr, "  SIGKILL, restart\n");
		ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	}
	conclude(h, &r, "sigkill x3", DUPS_AT_MOST);
	scenario_free(h, &r);
}
END_TEST

/*
 * kafka.assignment: all — no consumer group to wait for. SIGKILLed and
 * restarted at once; then a second such instance starts on the same
 * partitions: it takes the fences, the first is refused at its next
 * transaction and stops with exit 1 (no group would ever reassign it),
 * the second carries on (and is SIGKILLed and restarted too). The same
 * alerts as the reference.
 */
START_TEST(sigkill_and_restart_without_group)
{
	struct run r;
	struct cwh *h = setup(&r);

	snprintf(h->d[0].kafka, sizeof(h->d[0].kafka), "  assignment: all\n");
	snprintf(h->d[1].kafka, sizeof(h->d[1].kafka), "  assignment: all\n");
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	wait_fraction(h, &r, 0.3);
	kill_scraped(h, 0, &r);
	fprintf(stderr, "  SIGKILL, restart (assignment: all)\n");
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	wait_fraction(h, &r, 0.5);
	scrape(h, 0, &r);
	ck_assert_int_eq(cwh_daemon_start(h, 1, 120), 0);
	int st = cwh_daemon_wait_exit(h, 0, 60);
	ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1,
		      "first 'all' instance: status %d, expected exit 1", st);
	ck_assert_int_ge(cwh_daemon_log_count(h, 0, "another instance writes the same partitions"), 1);
	fprintf(stderr, "  a second 'all' instance: the first exits 1\n");
	wait_fraction(h, &r, 0.8);
	kill_scraped(h, 1, &r);
	ck_assert_int_eq(cwh_daemon_start(h, 1, 120), 0);
	conclude(h, &r, "no group: sigkill, second writer", DUPS_AT_MOST);
	scenario_free(h, &r);
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
	conclude(h, &r, "redis restart", DUPS_EXACT);
	ck_assert_int_ge(cwh_daemon_log_count(h, 0, "redis"), 1);
	scenario_free(h, &r);
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
	conclude(h, &r, "broker outage", DUPS_EXACT);
	scenario_free(h, &r);
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
	stop_clean(h, 0, &r);
	wait_fraction(h, &r, 0.7);
	ck_assert_int_eq(cwh_daemon_start(h, 2, 0), 0);
	fprintf(stderr, "  third instance started\n");
	conclude(h, &r, "join/leave", DUPS_AT_MOST);
	scenario_free(h, &r);
}
END_TEST

/* Wait until slot i has logged `needle` (or exited); 0 when it did. */
static int wait_log(struct cwh *h, int i, const char *needle, int timeout_s)
{
	double end = cwh_now() + timeout_s;

	while (cwh_now() < end) {
		if (cwh_daemon_log_count(h, i, needle) > 0)
			return 0;
		cwh_sleep_ms(50);
	}
	return -1;
}

static double wait_metric(struct cwh *h, int i, const char *name, double want,
			  int timeout_s)
{
	double end = cwh_now() + timeout_s, v = -1;

	while (cwh_now() < end && (v = cwh_metric(h, i, name, NULL)) < want)
		cwh_sleep_ms(100);
	return v;
}

/* Slot i crashes at its failpoint (SIGKILL to itself); start it again
 * with `next` armed (NULL: none). */
static void crashed_restart(struct cwh *h, int i, const char *next)
{
	int st = cwh_daemon_wait_exit(h, i, 300);

	ck_assert_msg(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "daemon %d did not crash at its failpoint (status %d)", i, st);
	fprintf(stderr, "  crashed at %s; restart%s%s\n", h->d[i].failpoint,
		next ? " armed with " : "", next ? next : "");
	snprintf(h->d[i].failpoint, sizeof(h->d[i].failpoint), "%s", next ? next : "");
	ck_assert_int_eq(cwh_daemon_start(h, i, 120), 0);
}

START_TEST(crash_points)
{
	struct run r;
	struct cwh *h = setup(&r);

	/* Durable in Redis, nothing published, offsets not committed; then
	 * alerts acknowledged by Kafka, outbox not cleared; then SIGHUP
	 * with the new rules loaded, not installed. */
	snprintf(h->d[0].failpoint, sizeof(h->d[0].failpoint), "crash-after-exec:12");
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	crashed_restart(h, 0, "crash-after-publish:3");
	crashed_restart(h, 0, "crash-during-reload");
	wait_fraction(h, &r, 0.6);
	ck_assert_int_eq(cwh_daemon_signal(h, 0, SIGHUP), 0);
	crashed_restart(h, 0, NULL);
	conclude(h, &r, "crash points", DUPS_AT_MOST);
	scenario_free(h, &r);
}
END_TEST

/*
 * The zombie: instance 0 stops just before sending a batch, longer than
 * max.poll.interval.ms; the group gives its partitions to instance 1,
 * which takes their fences. When 0 wakes, its transaction must be refused
 * by Redis (without fencing it overwrote 1's progress: states went back
 * days). 0 then waits for the group and carries on with what it gets.
 */
START_TEST(zombie_writer_fenced)
{
	struct run r;
	struct cwh *h = setup(&r);

	short_poll_interval(h);
	snprintf(h->d[0].failpoint, sizeof(h->d[0].failpoint), "stall-before-exec:20:15000");
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	ck_assert_int_eq(wait_log(h, 0, "stalling", 120), 0);
	fprintf(stderr, "  instance 0 stalls 15 s before its EXEC; instance 1 starts\n");
	ck_assert_int_eq(cwh_daemon_start(h, 1, 0), 0);
	ck_assert_double_ge(wait_metric(h, 0, "churnwatch_fenced_batches_total", 1, 120), 1);
	ck_assert_int_ge(cwh_daemon_log_count(h, 0, "fenced"), 1);
	fprintf(stderr, "  instance 0's batch was refused (fenced)\n");
	conclude(h, &r, "zombie", DUPS_AT_MOST);
	scenario_free(h, &r);
}
END_TEST

/* A Redis outage longer than max.poll.interval.ms, two instances: the
 * retries keep polling Kafka, so neither is thrown out of the group. */
START_TEST(long_redis_outage_two_instances)
{
	struct run r;
	struct cwh *h = setup(&r);

	short_poll_interval(h);
	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	ck_assert_int_eq(cwh_daemon_start(h, 1, 120), 0);
	wait_fraction(h, &r, 0.4);
	ck_assert_int_eq(cwh_redis_stop(h), 0);
	fprintf(stderr, "  redis-server stopped for 12 s\n");
	cwh_sleep_ms(12000);
	ck_assert_int_eq(cwh_redis_start(h), 0);
	conclude(h, &r, "long redis outage", DUPS_EXACT);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(cwh_daemon_log_count(h, i, "assignment lost"), 0);
	scenario_free(h, &r);
}
END_TEST

/* Redis refuses writes (maxmemory): batches wait, nothing is skipped. */
START_TEST(redis_out_of_memory)
{
	struct run r;
	struct cwh *h = setup(&r);
	char used[64];

	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	wait_fraction(h, &r, 0.3);
	ck_assert_int_eq(cwh_redis_cmd(h, NULL, 0, "CONFIG SET maxmemory 1"), 0);
	ck_assert_double_ge(wait_metric(h, 0, "churnwatch_redis_oom_total", 1, 60), 1);
	ck_assert_int_eq(cwh_redis_cmd(h, used, sizeof(used), "DBSIZE"), 0);
	fprintf(stderr, "  OOM: writes refused (%s keys); maxmemory raised in 3 s\n", used);
	cwh_sleep_ms(3000);
	ck_assert_int_eq(cwh_redis_cmd(h, NULL, 0, "CONFIG SET maxmemory 0"), 0);
	conclude(h, &r, "redis OOM", DUPS_EXACT);
	scenario_free(h, &r);
}
END_TEST

/* The dead-letter topic without a leader for 4 s: its batches wait for
 * the dead letters to be acknowledged; none is lost. */
START_TEST(dead_letter_outage)
{
	struct run r;
	struct cwh *h = setup(&r);

	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	wait_fraction(h, &r, 0.3);
	ck_assert_int_eq(cwh_topic_leaderless(h, "churnwatch-dlq", 1), 0);
	fprintf(stderr, "  dead-letter topic leaderless for 4 s\n");
	cwh_sleep_ms(4000);
	ck_assert_int_eq(cwh_topic_leaderless(h, "churnwatch-dlq", 0), 0);
	conclude(h, &r, "dead-letter outage", DUPS_EXACT);
	scenario_free(h, &r);
}
END_TEST

/*
 * Lost keys (an evicting Redis, a FLUSHALL, someone's DEL): on assignment
 * the daemon must stop (exit 1) rather than alert again from incomplete
 * state. Each of: one partition's timers, the offsets, everything (then
 * only Kafka's committed offsets remember).
 */
START_TEST(lost_keys_stop_the_daemon)
{
	struct run r;
	struct cwh *h = setup(&r);
	static const struct {
		const char *cmd, *log;
	} loss[] = {
		{"DEL cw:due:3", "lost the timers of partition 3"},
		{"DEL cw:off:<group>", "lost the offsets of partition"},
		{"FLUSHALL", "but Kafka has offset"},
	};

	ck_assert_int_eq(cwh_daemon_start(h, 0, 120), 0);
	wait_fraction(h, &r, 0.5);
	stop_clean(h, 0, &r);
	for (size_t k = 0; k < sizeof(loss) / sizeof(loss[0]); k++) {
		int rc = k == 0 ? cwh_redis_cmd(h, NULL, 0, "DEL cw:due:3")
		       : k == 1 ? cwh_redis_cmd(h, NULL, 0, "DEL cw:off:%s", h->group)
				: cwh_redis_cmd(h, NULL, 0, "FLUSHALL");
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(cwh_daemon_start(h, 0, 0), 0);
		int st = cwh_daemon_wait_exit(h, 0, 60);
		ck_assert_msg(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1,
			      "after %s: status %d, expected exit 1", loss[k].cmd, st);
		ck_assert_int_ge(cwh_daemon_log_count(h, 0, loss[k].log), 1);
		fprintf(stderr, "  %s -> exit 1: \"%s\"\n", loss[k].cmd, loss[k].log);
	}
	run_free(&r);
	cwh_free(h);
}
END_TEST

/* CW_IT_ONLY="name,name": run only those scenarios (investigating). */
#define ADD(t)                                  \
	do {                                    \
		if (!only || strstr(only, #t))  \
			tcase_add_test(tc, t);  \
	} while (0)

CW_CHECK_SUITE(faults_suite)
{
	TCase *tc = tcase_create("faults");
	const char *only = getenv("CW_IT_ONLY");

	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, reference_setup, reference_teardown);
	ADD(reference_is_reproducible);
	ADD(sigkill_and_restart);
	ADD(sigkill_and_restart_without_group);
	ADD(redis_restart);
	ADD(broker_outage);
	ADD(instances_join_and_leave);
	ADD(crash_points);
	ADD(zombie_writer_fenced);
	ADD(long_redis_outage_two_instances);
	ADD(redis_out_of_memory);
	ADD(dead_letter_outage);
	ADD(lost_keys_stop_the_daemon);
	return cw_check_tcase_suite("faults", tc);
}
