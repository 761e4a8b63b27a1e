/*
 * harness.h — integration-test fixture: a private redis-server, librdkafka's
 * mock cluster inside the test process, and churnwatchd subprocesses.
 *
 * Every child process is started with PR_SET_PDEATHSIG=SIGKILL and every
 * harness is registered for an atexit() clean-up, so a failing Check test
 * (which exit()s from the forked test process) leaves no redis-server or
 * churnwatchd behind and removes its temporary directory.
 *
 * Functions return 0 on success and -1 on failure unless said otherwise;
 * they log the reason to stderr.
 */
#ifndef CW_TEST_HARNESS_H
#define CW_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <librdkafka/rdkafka.h>

#define CWH_DAEMONS_MAX 4
#define CWH_PATH_MAX 512

struct cwh_daemon {
	pid_t pid;               /* 0 when not running */
	int port;                /* metrics port */
	char conf[CWH_PATH_MAX];
	char log[CWH_PATH_MAX];
	/* Set before the first start of the slot: */
	char failpoint[64];      /* CHURNWATCH_FAILPOINT for the process */
	char props[256];         /* extra kafka.properties lines, YAML */
	char kafka[128];         /* extra kafka: keys, YAML ("  key: value\n") */
};

struct cwh {
	char dir[CWH_PATH_MAX / 2];
	char redis_sock[CWH_PATH_MAX];
	pid_t redis_pid;
	rd_kafka_t *mock_rk;     /* owns the mock cluster */
	void *mc;                /* rd_kafka_mock_cluster_t * */
	char bootstrap[256];
	int partitions;
	char group[64];
	char rules[CWH_PATH_MAX];  /* file or directory given to churnwatchd */
	char routing[CWH_PATH_MAX]; /* routing.yaml given to daemons ("": none) */
	char srcdir[CWH_PATH_MAX];
	char builddir[CWH_PATH_MAX];
	struct cwh_daemon d[CWH_DAEMONS_MAX];
};

/* A message read back from a topic. All fields owned by the list. */
struct cwh_msg {
	char *payload;           /* NUL-terminated copy */
	size_t len;
	char *key;
	int32_t partition;
	int64_t offset;
	char *reason;            /* __connect.errors.exception.message or NULL */
	char *source;            /* "topic/partition@offset" from the
				  * __connect.errors.* headers, or NULL */
	char *truncated;         /* churnwatch.truncated.original_bytes or NULL */
};

struct cwh_msgs {
	struct cwh_msg *v;
	size_t n, cap;
};

/* A sorted list of "key\tvalue" lines describing Redis state. */
struct cwh_snap {
	char **lines;
	size_t n, cap;
};

/* Temp dir, redis-server, mock cluster with `partitions` partitions for
 * cdr and billing (and for the alert and dead-letter topics). `rules` is
 * the rules path given to daemons (copied; NULL: SRCDIR/rules). The
 * source and build directories come from the test's CW_SRCDIR and
 * CW_BUILDDIR (the harness library is compiled without them). */
struct cwh *cwh_new_at(int partitions, const char *rules, const char *srcdir,
		       const char *builddir);
#define cwh_new(partitions, rules) \
	cwh_new_at((partitions), (rules), CW_SRCDIR, CW_BUILDDIR)
/* Kill every child, destroy the cluster, remove the directory. NULL ok. */
void cwh_free(struct cwh *h);

int cwh_redis_start(struct cwh *h);
/* SIGTERM redis-server and wait for it (AOF is fsync'd always). */
int cwh_redis_stop(struct cwh *h);

/* Every partition of `topic` without (leaderless != 0) or with its leader:
 * produce and fetch to it stall meanwhile. */
int cwh_topic_leaderless(struct cwh *h, const char *topic, int leaderless);
/* One command to the test's redis-server (hiredis format); the reply as
 * text (string, status or integer) into out when given. */
int cwh_redis_cmd(struct cwh *h, char *out, size_t outlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

int cwh_broker_down(struct cwh *h);
int cwh_broker_up(struct cwh *h);

/* Write the config of daemon slot i and start it; waits for /readyz up to
 * timeout_s unless timeout_s is 0. */
int cwh_daemon_start(struct cwh *h, int i, int timeout_s);
int cwh_daemon_wait_ready(struct cwh *h, int i, int timeout_s);
int cwh_daemon_signal(struct cwh *h, int i, int sig);
/* Wait up to timeout_s for slot i to exit. Returns the exit status as
 * waitpid reports it, or -1 on timeout (the process is then killed). */
int cwh_daemon_wait_exit(struct cwh *h, int i, int timeout_s);
/* SIGKILL and reap. */
void cwh_daemon_kill(struct cwh *h, int i);
/* Number of log lines of slot i's stderr containing `needle`. */
int cwh_daemon_log_count(struct cwh *h, int i, const char *needle);

/* HTTP GET 127.0.0.1:port/path. Returns a malloc'd body or NULL. */
char *cwh_http_get(int port, const char *path);
/* Sum of the samples of metric `name` whose label text contains `labels`
 * (NULL: all). Returns -1 if the daemon did not answer. */
double cwh_metric(struct cwh *h, int i, const char *name, const char *labels);

/* Produce every line of a JSON-lines file like `churnctl replay --topic
 * auto` (key = subscriber, murmur2 partitioner, billing types to billing;
 * unlike replay, a line with no subscriber goes to partition lineno % N
 * rather than a random one, so runs are reproducible).
 * Lines [from, to) only (to < 0: to the end). Returns lines produced. */
long cwh_produce_file(struct cwh *h, const char *path, long from, long to);

/* Read a whole topic from the beginning until every partition is at its
 * end and nothing arrived for idle_ms. */
int cwh_consume_topic(struct cwh *h, const char *topic, int idle_ms,
		      struct cwh_msgs *out);
void cwh_msgs_free(struct cwh_msgs *m);

/* Sum of the high watermarks of cdr and billing. */
int64_t cwh_input_end(struct cwh *h);
/* Sum of the next offsets the daemons stored in Redis (off:<group>). */
int64_t cwh_redis_consumed(struct cwh *h);
/* Wait until the daemons stored offsets covering `total` input messages.
 * Returns 0, or -1 on timeout. */
int cwh_wait_consumed(struct cwh *h, int64_t total, int timeout_s);
/* Wait until the Redis snapshot (without outboxes) has not changed for
 * quiet_ms. */
int cwh_wait_quiet(struct cwh *h, int quiet_ms, int timeout_s);

/* s:* blobs (hex; clock_ms zeroed, and given on its own "KEY#clock_ms"
 * line), due:* zsets, off:* and wm:* hashes; outbox:* left out. */
int cwh_snapshot(struct cwh *h, struct cwh_snap *out);
void cwh_snap_free(struct cwh_snap *s);
/* Number of differing lines; prints up to `show` of them. */
size_t cwh_snap_diff(const struct cwh_snap *a, const struct cwh_snap *b,
		     int show);
/* The same, skipping lines whose key ends with `ignore` (NULL: none). */
size_t cwh_snap_diff_ex(const struct cwh_snap *a, const struct cwh_snap *b,
			int show, const char *ignore);
/* Entries of the outbox hashes left in Redis. */
long cwh_outbox_len(struct cwh *h);

/* Run `BUILDDIR/churnctl gen ...` into DIR/name.jsonl (+ .truth.csv).
 * Returns the number of garbage lines gen reported, or -1. */
/* Run `churnctl ARGS...` (NULL-terminated) to completion, its output in
 * `log`. Returns its exit status, or -1 when it could not run. */
int cwh_churnctl(struct cwh *h, const char *const *args, const char *log);
/* Every field of every hash P<pattern> (e.g. "kpi:*") as sorted
 * "key[field]\tvalue" lines. */
int cwh_hashes(struct cwh *h, const char *pattern, struct cwh_snap *out);
/* Members of zset P<key>. */
int cwh_zset_members(struct cwh *h, const char *key, struct cwh_snap *out);

long cwh_gen(struct cwh *h, const char *name, int subscribers, int days,
	     int seed, double garbage, double dups, char *events,
	     size_t elen, char *truth, size_t tlen);

/* One alert read back from the alert topic. */
struct cwh_alert {
	char id[40];
	char rule[64];
	char subscriber[24];
	char version[72];
	int complete;            /* every CONTRACT §6 field present */
	uint64_t content;        /* hash of the whole message */
	int conflict;            /* a repeat of this id had other content */
};

/* Parse alert messages; returns them sorted by id with repeats of the same
 * alert_id removed (counted in *repeats). Caller frees *out. */
int cwh_alerts_parse(const struct cwh_msgs *m, struct cwh_alert **out,
		     size_t *n, size_t *repeats);
/* Number of ids in one sorted alert list and not in the other; prints up
 * to `show` of them. */
size_t cwh_alerts_diff(const struct cwh_alert *a, size_t na,
		       const struct cwh_alert *b, size_t nb, int show);

/* Number of ids in both lists whose content differs; prints up to
 * `show` of them. */
size_t cwh_alerts_content_diff(const struct cwh_alert *a, size_t na,
			       const struct cwh_alert *b, size_t nb, int show);

/* Monotonic seconds. */
double cwh_now(void);
void cwh_sleep_ms(int ms);

#endif
