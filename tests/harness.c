/*
 * harness.c — integration-test fixture (see harness.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <hiredis/hiredis.h>
#include <json-c/json.h>
#include <librdkafka/rdkafka_mock.h>

#include "cw/event.h"
#include "harness.h"

#define HK_PREFIX "cw:"
#define HK_MAX_LIVE 8

/* ---- process-wide registry for atexit clean-up ------------------------ */

static struct cwh *live[HK_MAX_LIVE];

static void cleanup_all(void)
{
	for (int i = 0; i < HK_MAX_LIVE; i++)
		if (live[i])
			cwh_free(live[i]);
}

static void registry_add(struct cwh *h)
{
	static int installed;

	if (!installed) {
		atexit(cleanup_all);
		installed = 1;
	}
	for (int i = 0; i < HK_MAX_LIVE; i++)
		if (!live[i]) {
			live[i] = h;
			return;
		}
}

static void registry_del(struct cwh *h)
{
	for (int i = 0; i < HK_MAX_LIVE; i++)
		if (live[i] == h)
			live[i] = NULL;
}

/* ---- small helpers ----------------------------------------------------- */

double cwh_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void cwh_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("harness: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Fork and exec argv with stdout/stderr appended to `log` (NULL: inherit).
 * The child dies with the test process. Returns the pid or -1. */
static pid_t spawn_env(char *const argv[], const char *log,
		       const char *failpoint)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid > 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (log) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
	}
	if (failpoint && *failpoint)
		setenv("CHURNWATCH_FAILPOINT", failpoint, 1);
	else
		unsetenv("CHURNWATCH_FAILPOINT");
	execvp(argv[0], argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static pid_t spawn(char *const argv[], const char *log)
{
	return spawn_env(argv, log, NULL);
}

/* Wait up to timeout_ms for pid; returns the status or -1 on timeout. */
static int reap(pid_t pid, int timeout_ms)
{
	double end = cwh_now() + timeout_ms / 1000.0;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		if (cwh_now() > end)
			return -1;
		cwh_sleep_ms(20);
	}
}

static void kill_and_reap(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void rm_rf(const char *dir)
{
	char *argv[] = {"rm", "-rf", (char *)dir, NULL};
	pid_t pid = spawn(argv, NULL);

	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* ---- redis ------------------------------------------------------------- */

static redisContext *redis_connect(const struct cwh *h)
{
	struct timeval tv = {2, 0};
	redisContext *c = redisConnectUnixWithTimeout(h->redis_sock, tv);

	if (c && c->err) {
		redisFree(c);
		return NULL;
	}
	return c;
}

static int redis_ping(const struct cwh *h)
{
	redisContext *c = redis_connect(h);
	redisReply *r;
	int ok;

	if (!c)
		return -1;
	r = redisCommand(c, "PING");
	ok = r && r->type == REDIS_REPLY_STATUS;
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return ok ? 0 : -1;
}

int cwh_redis_start(struct cwh *h)
{
	char log[CWH_PATH_MAX + 16];
	char *argv[] = {"redis-server", "--port", "0", "--unixsocket", h->redis_sock,
			"--unixsocketperm", "700", "--save", "", "--appendonly", "yes",
			"--appendfsync", "always", "--dir", h->dir, NULL};
	double end = cwh_now() + 20;

	snprintf(log, sizeof(log), "%s/redis.log", h->dir);
	h->redis_pid = spawn(argv, log);
	if (h->redis_pid < 0) {
		h->redis_pid = 0;
		return -1;
	}
	while (cwh_now() < end) {
		if (redis_ping(h) == 0)
			return 0;
		if (waitpid(h->redis_pid, NULL, WNOHANG) == h->redis_pid) {
			h->redis_pid = 0;
			break;
		}
		cwh_sleep_ms(50);
	}
	say("redis-server did not start; see %s", log);
	return -1;
}

int cwh_redis_stop(struct cwh *h)
{
	if (h->redis_pid <= 0)
		return 0;
	kill(h->redis_pid, SIGTERM);
	if (reap(h->redis_pid, 20000) < 0) {
		kill_and_reap(&h->redis_pid);
		return -1;
	}
	h->redis_pid = 0;
	return 0;
}

/* ---- mock cluster --------------------------------------------------------- */

static int mock_new(struct cwh *h)
{
	static const char *const topics[] = {"cdr", "billing", "retention",
					     "churn-alerts", "churnwatch-dlq",
					     "churn-archive"};
	char err[512];
	rd_kafka_conf_t *kc = rd_kafka_conf_new();

	rd_kafka_conf_set(kc, "log_level", "3", err, sizeof(err));
	h->mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, err, sizeof(err));
	if (!h->mock_rk) {
		rd_kafka_conf_destroy(kc);
		say("mock handle: %s", err);
		return -1;
	}
	h->mc = rd_kafka_mock_cluster_new(h->mock_rk, 1);
	if (!h->mc) {
		say("rd_kafka_mock_cluster_new failed");
		return -1;
	}
	for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
		if (rd_kafka_mock_topic_create(h->mc, topics[i], h->partitions, 1)) {
			say("mock topic %s: create failed", topics[i]);
			return -1;
		}
	snprintf(h->bootstrap, sizeof(h->bootstrap), "%s",
		 rd_kafka_mock_cluster_bootstraps(h->mc));
	return 0;
}

int cwh_broker_down(struct cwh *h)
{
	return rd_kafka_mock_broker_set_down(h->mc, 1) ? -1 : 0;
}

int cwh_broker_up(struct cwh *h)
{
	return rd_kafka_mock_broker_set_up(h->mc, 1) ? -1 : 0;
}

int cwh_topic_leaderless(struct cwh *h, const char *topic, int leaderless)
{
	for (int i = 0; i < h->partitions; i++)
		if (rd_kafka_mock_partition_set_leader(h->mc, topic, i,
						       leaderless ? -1 : 1))
			return -1;
	return 0;
}

int cwh_redis_cmd(struct cwh *h, char *out, size_t outlen, const char *fmt, ...)
{
	redisContext *c = redis_connect(h);
	redisReply *r;
	va_list ap;
	int rc = -1;

	if (!c)
		return -1;
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r && r->type != REDIS_REPLY_ERROR) {
		rc = 0;
		if (out && outlen) {
			if (r->type == REDIS_REPLY_INTEGER)
				snprintf(out, outlen, "%lld", r->integer);
			else if (r->str)
				snprintf(out, outlen, "%s", r->str);
			else
				out[0] = '\0';
		}
	} else if (r) {
		say("redis %s: %s", fmt, r->str);
	}
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return rc;
}

static rd_kafka_t *client_new(const struct cwh *h, rd_kafka_type_t type,
			      const char *const *props)
{
	char err[512];
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	rd_kafka_t *rk;

	if (rd_kafka_conf_set(kc, "bootstrap.servers", h->bootstrap, err, sizeof(err)) ||
	    rd_kafka_conf_set(kc, "log_level", "3", err, sizeof(err)))
		goto fail;
	for (; props && props[0]; props += 2)
		if (rd_kafka_conf_set(kc, props[0], props[1], err, sizeof(err)))
			goto fail;
	rk = rd_kafka_new(type, kc, err, sizeof(err));
	if (rk)
		return rk;
fail:
	say("kafka client: %s", err);
	rd_kafka_conf_destroy(kc);
	return NULL;
}

/* ---- life cycle ------------------------------------------------------------ */

struct cwh *cwh_new_at(int partitions, const char *rules, const char *srcdir,
		       const char *builddir)
{
	struct cwh *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	registry_add(h);
	snprintf(h->dir, sizeof(h->dir), "%s/cwit.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(h->dir)) {
		say("mkdtemp: %s", strerror(errno));
		h->dir[0] = '\0';
		goto fail;
	}
	snprintf(h->redis_sock, sizeof(h->redis_sock), "%s/redis.sock", h->dir);
	/* Each harness has its own cluster and Redis: one group name for
	 * all keeps the off:/wm: keys of different runs comparable. */
	snprintf(h->group, sizeof(h->group), "churnwatch-it");
	snprintf(h->srcdir, sizeof(h->srcdir), "%s", srcdir);
	snprintf(h->builddir, sizeof(h->builddir), "%s", builddir);
	if (rules)
		snprintf(h->rules, sizeof(h->rules), "%s", rules);
	else
		snprintf(h->rules, sizeof(h->rules), "%s/rules", srcdir);
	h->partitions = partitions;
	if (cwh_redis_start(h) < 0 || mock_new(h) < 0)
		goto fail;
	return h;
fail:
	cwh_free(h);
	return NULL;
}

void cwh_free(struct cwh *h)
{
	if (!h)
		return;
	registry_del(h);
	for (int i = 0; i < CWH_DAEMONS_MAX; i++)
		kill_and_reap(&h->d[i].pid);
	kill_and_reap(&h->redis_pid);
	if (h->mc)
		rd_kafka_mock_cluster_destroy(h->mc);
	if (h->mock_rk)
		rd_kafka_destroy(h->mock_rk);
	if (h->dir[0] && !getenv("CW_IT_KEEP"))
		rm_rf(h->dir);
	else if (h->dir[0])
		say("kept %s", h->dir);
	free(h);
}

/* ---- daemons ----------------------------------------------------------------- */

static int write_config(struct cwh *h, int i)
{
	struct cwh_daemon *d = &h->d[i];
	FILE *f;
	char dir[sizeof(h->dir)];

	memcpy(dir, h->dir, sizeof(dir));
	snprintf(d->conf, sizeof(d->conf), "%s/churnwatch-%d.yaml", dir, i);
	snprintf(d->log, sizeof(d->log), "%s/churnwatchd-%d.log", dir, i);
	d->port = free_port();
	f = fopen(d->conf, "w");
	if (!f || d->port < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	fprintf(f,
		"kafka:\n"
		"  brokers: \"%s\"\n"
		"  group_id: \"%s\"\n"
		"%s"
		"  properties:\n"
		"    \"client.id\": \"cwit-%d\"\n"
		"    \"session.timeout.ms\": \"6000\"\n"
		"%s"
		"redis:\n"
		"  url: \"unix://%s\"\n"
		"  key_prefix: \"" HK_PREFIX "\"\n"
		"rules: \"%s\"\n"
		"plans: \"%s/examples/plans.yaml\"\n"
		"networks: \"%s/examples/networks.yaml\"\n"
		"metrics:\n"
		"  listen: \"127.0.0.1:%d\"\n",
		h->bootstrap, h->group, d->kafka, i, d->props, h->redis_sock, h->rules, h->srcdir,
		h->srcdir, d->port);
	if (h->routing[0])
		fprintf(f, "routing: \"%s\"\n", h->routing);
	return fclose(f) == 0 ? 0 : -1;
}

int cwh_daemon_start(struct cwh *h, int i, int timeout_s)
{
	struct cwh_daemon *d = &h->d[i];
	char exe[CWH_PATH_MAX + 16];
	char *argv[] = {exe, "-c", d->conf, NULL};

	snprintf(exe, sizeof(exe), "%s/churnwatchd", h->builddir);
	if (d->pid > 0)
		return -1;
	if (!d->conf[0] && write_config(h, i) < 0)
		return -1;
	d->pid = spawn_env(argv, d->log, d->failpoint);
	if (d->pid < 0) {
		d->pid = 0;
		return -1;
	}
	return timeout_s ? cwh_daemon_wait_ready(h, i, timeout_s) : 0;
}

int cwh_daemon_wait_ready(struct cwh *h, int i, int timeout_s)
{
	double end = cwh_now() + timeout_s;

	while (cwh_now() < end) {
		char *body = cwh_http_get(h->d[i].port, "/readyz");
		int ok = body && !strncmp(body, "ready", 5);
		free(body);
		if (ok)
			return 0;
		if (h->d[i].pid <= 0 ||
		    waitpid(h->d[i].pid, NULL, WNOHANG) == h->d[i].pid) {
			h->d[i].pid = 0;
			say("churnwatchd %d exited before it was ready; see %s", i, h->d[i].log);
			return -1;
		}
		cwh_sleep_ms(100);
	}
	say("churnwatchd %d not ready after %d s; see %s", i, timeout_s, h->d[i].log);
	return -1;
}

int cwh_daemon_signal(struct cwh *h, int i, int sig)
{
	return h->d[i].pid > 0 ? kill(h->d[i].pid, sig) : -1;
}

int cwh_daemon_wait_exit(struct cwh *h, int i, int timeout_s)
{
	int st;

	if (h->d[i].pid <= 0)
		return -1;
	st = reap(h->d[i].pid, timeout_s * 1000);
	if (st < 0)
		kill_and_reap(&h->d[i].pid);
	h->d[i].pid = 0;
	return st;
}

void cwh_daemon_kill(struct cwh *h, int i)
{
	kill_and_reap(&h->d[i].pid);
}

int cwh_daemon_log_count(struct cwh *h, int i, const char *needle)
{
	FILE *f = fopen(h->d[i].log, "r");
	char line[8192];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

/* ---- HTTP ---------------------------------------------------------------------- */

char *cwh_http_get(int port, const char *path)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {5, 0};
	char req[256];
	size_t cap = 65536, len = 0;
	char *buf = NULL, *body = NULL;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto out;
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto out;
	buf = malloc(cap);
	for (;;) {
		ssize_t n;
		if (!buf)
			goto out;
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				goto out;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	char *p = strstr(buf, "\r\n\r\n");
	if (p && !strncmp(buf, "HTTP/1.", 7) && !strncmp(buf + 9, "200", 3))
		body = strdup(p + 4);
out:
	free(buf);
	close(fd);
	return body;
}

double cwh_metric(struct cwh *h, int i, const char *name, const char *labels)
{
	char *body = cwh_http_get(h->d[i].port, "/metrics");
	size_t nl = strlen(name);
	double sum = 0;

	if (!body)
		return -1;
	for (char *line = strtok(body, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#' || strncmp(line, name, nl))
			continue;
		if (line[nl] != ' ' && line[nl] != '{')
			continue;
		char *sp = strrchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		if (labels && !strstr(line + nl, labels))
			continue;
		sum += strtod(sp + 1, NULL);
	}
	free(body);
	return sum;
}

/* ---- producing ------------------------------------------------------------------- */

static size_t scan_str(const char *buf, size_t len, const char *name,
		       const char **val)
{
	char pat[64];
	int pl = snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	const char *p = memmem(buf, len, pat, (size_t)pl), *q;

	if (!p)
		return 0;
	p += pl;
	q = memchr(p, '"', len - (size_t)(p - buf));
	if (!q || q - p > 64)
		return 0;
	*val = p;
	return (size_t)(q - p);
}

/* The input topic of an event type (unknown: cdr, which dead-letters it). */
static const char *topic_of(const char *t, size_t n)
{
	int type = t ? cw_event_type_lookup(t, n) : -1;

	return type < 0 ? "cdr"
	       : cw_topic_kind_str(cw_event_type_topic((enum cw_event_type)type));
}

struct prod_stats {
	long delivered, failed;
};

static void prod_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct prod_stats *st = opaque;

	(void)rk;
	if (m->err)
		st->failed++;
	else
		st->delivered++;
}

long cwh_produce_file(struct cwh *h, const char *path, long from, long to)
{
	static const char *const props[] = {"enable.idempotence", "true",
		"linger.ms", "5", "batch.num.messages", "100000",
		"queue.buffering.max.messages", "1000000",
		"partitioner", "murmur2_random", NULL};
	struct prod_stats st = {0};
	char err[256];
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	rd_kafka_t *rk = NULL;
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0, sent = 0;

	if (!f)
		goto fail;
	rd_kafka_conf_set(kc, "bootstrap.servers", h->bootstrap, err, sizeof(err));
	rd_kafka_conf_set(kc, "log_level", "3", err, sizeof(err));
	for (const char *const *p = props; *p; p += 2)
		if (rd_kafka_conf_set(kc, p[0], p[1], err, sizeof(err))) {
			say("producer %s: %s", p[0], err);
			goto fail;
		}
	rd_kafka_conf_set_dr_msg_cb(kc, prod_dr);
	rd_kafka_conf_set_opaque(kc, &st);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, err, sizeof(err));
	if (!rk)
		goto fail;
	kc = NULL;
	while ((n = getline(&line, &cap, f)) != -1) {
		const char *key = NULL, *type = NULL;
		size_t kl, tl;
		if (lineno++ < from)
			continue;
		if (to >= 0 && lineno > to)
			break;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		kl = scan_str(line, (size_t)n, "subscriber", &key);
		tl = scan_str(line, (size_t)n, "type", &type);
		const char *topic = topic_of(tl ? type : NULL, tl);
		/* murmur2_random spreads key-less lines (some garbage) at
		 * random; pin them by line number so that runs of the same
		 * file have the same per-partition offsets. */
		int32_t part = kl ? RD_KAFKA_PARTITION_UA
				  : (int32_t)(lineno % h->partitions);
		for (;;) {
			rd_kafka_resp_err_t e = rd_kafka_producev(rk,
				RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part),
				RD_KAFKA_V_KEY(kl ? key : NULL, kl),
				RD_KAFKA_V_VALUE(line, (size_t)n),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
			if (!e)
				break;
			if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
				say("produce: %s", rd_kafka_err2str(e));
				goto fail;
			}
			rd_kafka_poll(rk, 50);
		}
		sent++;
		if ((sent & 1023) == 0)
			rd_kafka_poll(rk, 0);
	}
	rd_kafka_flush(rk, 120000);
	if (st.failed || st.delivered != sent) {
		say("produce: %ld sent, %ld delivered, %ld failed", sent,
		    st.delivered, st.failed);
		goto fail;
	}
	free(line);
	fclose(f);
	rd_kafka_destroy(rk);
	return sent;
fail:
	free(line);
	if (f)
		fclose(f);
	if (kc)
		rd_kafka_conf_destroy(kc);
	if (rk)
		rd_kafka_destroy(rk);
	return -1;
}

/* ---- consuming -------------------------------------------------------------------- */

static char *dupn(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static char *header_source(rd_kafka_headers_t *hdrs)
{
	static const char *const names[] = {"__connect.errors.topic",
		"__connect.errors.partition", "__connect.errors.offset"};
	char buf[256], *w = buf;

	for (int i = 0; i < 3; i++) {
		const void *v;
		size_t l;
		if (rd_kafka_header_get_last(hdrs, names[i], &v, &l) || l > 64)
			return NULL;
		if (i)
			*w++ = i == 1 ? '/' : '@';
		memcpy(w, v, l);
		w += l;
	}
	*w = '\0';
	return strdup(buf);
}

static int msgs_add(struct cwh_msgs *out, const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *hdrs = NULL;
	const void *hv;
	size_t hl;

	if (out->n == out->cap) {
		size_t nc = out->cap ? out->cap * 2 : 256;
		struct cwh_msg *nv = realloc(out->v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		out->v = nv;
		out->cap = nc;
	}
	struct cwh_msg *x = &out->v[out->n++];
	memset(x, 0, sizeof(*x));
	x->payload = dupn(m->payload, m->len);
	x->len = m->len;
	x->key = dupn(m->key, m->key_len);
	x->partition = m->partition;
	x->offset = m->offset;
	if (!rd_kafka_message_headers(m, &hdrs) &&
	    !rd_kafka_header_get_last(hdrs, "__connect.errors.exception.message",
				      &hv, &hl))
		x->reason = dupn(hv, hl);
	if (hdrs && !rd_kafka_header_get_last(hdrs, "churnwatch.truncated.original_bytes",
					      &hv, &hl))
		x->truncated = dupn(hv, hl);
	if (hdrs)
		x->source = header_source(hdrs);
	return x->payload && x->key ? 0 : -1;
}

int cwh_consume_topic(struct cwh *h, const char *topic, int idle_ms,
		      struct cwh_msgs *out)
{
	char group[96];
	const char *props[] = {"group.id", group, "enable.auto.commit", "false",
		"enable.partition.eof", "true", NULL};
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *parts;
	int eof = 0, rc = -1;
	double last = cwh_now(), hard = cwh_now() + 120;

	snprintf(group, sizeof(group), "%s-reader", h->group);
	rk = client_new(h, RD_KAFKA_CONSUMER, props);
	if (!rk)
		return -1;
	parts = rd_kafka_topic_partition_list_new(h->partitions);
	for (int i = 0; i < h->partitions; i++)
		rd_kafka_topic_partition_list_add(parts, topic, i)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	if (rd_kafka_assign(rk, parts))
		goto out;
	while (cwh_now() < hard) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		if (!m) {
			if (eof >= h->partitions && (cwh_now() - last) * 1000 >= idle_ms) {
				rc = 0;
				break;
			}
			continue;
		}
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			eof++;
		} else if (m->err) {
			say("consume %s: %s", topic, rd_kafka_message_errstr(m));
		} else {
			last = cwh_now();
			if (msgs_add(out, m) < 0) {
				rd_kafka_message_destroy(m);
				goto out;
			}
		}
		rd_kafka_message_destroy(m);
	}
	if (rc)
		say("consume %s: no end after 120 s", topic);
out:
	rd_kafka_topic_partition_list_destroy(parts);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return rc;
}

void cwh_msgs_free(struct cwh_msgs *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].payload);
		free(m->v[i].key);
		free(m->v[i].reason);
		free(m->v[i].source);
		free(m->v[i].truncated);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ---- progress ----------------------------------------------------------------------- */

int64_t cwh_input_end(struct cwh *h)
{
	static const char *const topics[] = {"cdr", "billing", "retention"};
	static const char *const props[] = {NULL};
	rd_kafka_t *rk = client_new(h, RD_KAFKA_PRODUCER, props);
	int64_t sum = 0;

	if (!rk)
		return -1;
	for (int t = 0; t < 3; t++)
		for (int i = 0; i < h->partitions; i++) {
			int64_t lo, hi;
			if (rd_kafka_query_watermark_offsets(rk, topics[t], i, &lo,
							     &hi, 10000)) {
				sum = -1;
				goto out;
			}
			sum += hi;
		}
out:
	rd_kafka_destroy(rk);
	return sum;
}

int64_t cwh_redis_consumed(struct cwh *h)
{
	redisContext *c = redis_connect(h);
	redisReply *r;
	int64_t sum = 0;

	if (!c)
		return -1;
	r = redisCommand(c, "HGETALL " HK_PREFIX "off:%s", h->group);
	if (!r || r->type != REDIS_REPLY_ARRAY) {
		sum = -1;
	} else {
		for (size_t j = 1; j < r->elements; j += 2)
			if (r->element[j - 1]->str[0] != '~') /* sentinel fields */
				sum += strtoll(r->element[j]->str, NULL, 10);
	}
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return sum;
}

int cwh_wait_consumed(struct cwh *h, int64_t total, int timeout_s)
{
	double end = cwh_now() + timeout_s;

	while (cwh_now() < end) {
		if (cwh_redis_consumed(h) >= total)
			return 0;
		cwh_sleep_ms(200);
	}
	say("consumed %" PRId64 " of %" PRId64 " after %d s", cwh_redis_consumed(h),
	    total, timeout_s);
	return -1;
}

int cwh_wait_quiet(struct cwh *h, int quiet_ms, int timeout_s)
{
	struct cwh_snap prev = {0}, cur = {0};
	double end = cwh_now() + timeout_s, since = cwh_now();
	int rc = -1;

	cwh_snapshot(h, &prev);
	while (cwh_now() < end) {
		cwh_sleep_ms(300);
		if (cwh_snapshot(h, &cur) < 0) {
			since = cwh_now();
			continue;
		}
		if (cwh_snap_diff(&prev, &cur, 0) != 0)
			since = cwh_now();
		cwh_snap_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		if ((cwh_now() - since) * 1000 >= quiet_ms) {
			rc = 0;
			break;
		}
	}
	cwh_snap_free(&prev);
	cwh_snap_free(&cur);
	return rc;
}

/* ---- snapshots ------------------------------------------------------------------------ */

static int snap_add(struct cwh_snap *s, const char *key, const char *val,
		    size_t vlen, int hex)
{
	size_t kl = strlen(key), n = kl + 1 + (hex ? 2 * vlen : vlen) + 1;
	char *line = malloc(n);

	if (!line)
		return -1;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024;
		char **nl = realloc(s->lines, nc * sizeof(*nl));
		if (!nl) {
			free(line);
			return -1;
		}
		s->lines = nl;
		s->cap = nc;
	}
	memcpy(line, key, kl);
	line[kl] = '\t';
	char *p = line + kl + 1;
	for (size_t i = 0; i < vlen; i++) {
		if (hex) {
			sprintf(p, "%02x", (unsigned char)val[i]);
			p += 2;
		} else {
			*p++ = val[i];
		}
	}
	*p = '\0';
	s->lines[s->n++] = line;
	return 0;
}

/* Length of the LEB128 varint at p (0 if it runs past end). */
static size_t varint_len(const unsigned char *p, const unsigned char *end)
{
	size_t n = 0;

	while (p + n < end)
		if (!(p[n++] & 0x80))
			return n;
	return 0;
}

/*
 * A state blob (docs/state.md, v1: version, flags, activate_ms,
 * last_out_ms, newest_ms, clock_ms, ...) as two lines: the blob with
 * clock_ms zeroed, and "KEY#clock_ms" with its varint in hex. clock_ms is
 * the watermark the subscriber was last advanced to: it depends on when
 * the daemon looked (see docs/guarantees.md), so callers may ignore it.
 */
static int snap_state(struct cwh_snap *s, const char *key, const char *blob,
		      size_t len)
{
	const unsigned char *p = (const unsigned char *)blob, *end = p + len;
	size_t off = 1, l = 0;
	char ck[600], *buf;
	int rc;

	for (int i = 0; i < 5 && off < len; i++) {
		l = varint_len(p + off, end);
		if (!l)
			break;
		if (i < 4)
			off += l;
	}
	if (len < 1 || p[0] != 1 || !l || off + l > len)
		return snap_add(s, key, blob, len, 1); /* unknown layout */
	buf = malloc(len);
	if (!buf)
		return -1;
	memcpy(buf, blob, off);
	buf[off] = 0;
	memcpy(buf + off + 1, blob + off + l, len - off - l);
	rc = snap_add(s, key, buf, len - l + 1, 1);
	free(buf);
	snprintf(ck, sizeof(ck), "%s#clock_ms", key);
	return rc ? rc : snap_add(s, ck, blob + off, l, 1);
}

static int snap_key(redisContext *c, struct cwh_snap *s, const char *key)
{
	const char *name = key + strlen(HK_PREFIX);
	redisReply *r = NULL;
	int rc = -1;
	char sub[1024];

	/* Fence epochs count assignments, which differ from run to run. */
	if (!strncmp(name, "outbox:", 7) || !strncmp(name, "fence:", 6))
		return 0;
	if (!strncmp(name, "s:", 2)) {
		r = redisCommand(c, "GET %s", key);
		if (r && r->type == REDIS_REPLY_STRING)
			rc = snap_state(s, key, r->str, r->len);
		else if (r && r->type == REDIS_REPLY_NIL)
			rc = 0; /* expired or deleted in between */
	} else if (!strncmp(name, "due:", 4)) {
		r = redisCommand(c, "ZRANGE %s 0 -1 WITHSCORES", key);
		if (r && r->type == REDIS_REPLY_ARRAY) {
			rc = 0;
			for (size_t j = 0; j + 1 < r->elements && !rc; j += 2) {
				snprintf(sub, sizeof(sub), "%s[%s]", key, r->element[j]->str);
				rc = snap_add(s, sub, r->element[j + 1]->str,
					      r->element[j + 1]->len, 0);
			}
		}
	} else {
		r = redisCommand(c, "HGETALL %s", key);
		if (r && r->type == REDIS_REPLY_ARRAY) {
			rc = 0;
			for (size_t j = 0; j + 1 < r->elements && !rc; j += 2) {
				snprintf(sub, sizeof(sub), "%s[%s]", key, r->element[j]->str);
				rc = snap_add(s, sub, r->element[j + 1]->str,
					      r->element[j + 1]->len, 0);
			}
		} else if (r && r->type == REDIS_REPLY_ERROR) {
			rc = snap_add(s, key, "?", 1, 0); /* unexpected type */
		}
	}
	if (r)
		freeReplyObject(r);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cwh_snapshot(struct cwh *h, struct cwh_snap *out)
{
	redisContext *c = redis_connect(h);
	char cursor[32] = "0";
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!c)
		return -1;
	do {
		redisReply *r = redisCommand(c, "SCAN %s MATCH " HK_PREFIX "* COUNT 1000",
					     cursor);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
			if (r)
				freeReplyObject(r);
			rc = -1;
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (size_t j = 0; j < r->element[1]->elements && !rc; j++)
			rc = snap_key(c, out, r->element[1]->element[j]->str);
		freeReplyObject(r);
	} while (!rc && strcmp(cursor, "0"));
	redisFree(c);
	if (rc) {
		cwh_snap_free(out);
		return -1;
	}
	qsort(out->lines, out->n, sizeof(*out->lines), cmp_str);
	/* SCAN may return a key twice: drop repeats. */
	size_t w = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (w && !strcmp(out->lines[w - 1], out->lines[i])) {
			free(out->lines[i]);
			continue;
		}
		out->lines[w++] = out->lines[i];
	}
	out->n = w;
	return 0;
}

void cwh_snap_free(struct cwh_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->lines[i]);
	free(s->lines);
	memset(s, 0, sizeof(*s));
}

static void show_line(char tag, const char *line)
{
	fprintf(stderr, "  %c %.200s%s\n", tag, line, strlen(line) > 200 ? "..." : "");
}

/* Show a differing line; when the other side has the same key, show
 * where the values part. */
static void show_pair(const struct cwh_snap *a, size_t i,
		      const struct cwh_snap *b, size_t j, int c)
{
	const char *x = c < 0 ? a->lines[i] : b->lines[j];
	const char *y = c < 0 ? (j < b->n ? b->lines[j] : NULL)
			      : (i < a->n ? a->lines[i] : NULL);
	const char *tab = strchr(x, '\t');
	size_t k = 0;

	show_line(c < 0 ? '-' : '+', x);
	if (!tab || !y || strncmp(x, y, (size_t)(tab - x) + 1))
		return;
	while (x[k] && x[k] == y[k])
		k++;
	fprintf(stderr, "      first difference at value char %zu: %.48s | %.48s\n",
		k - (size_t)(tab - x) - 1, x + (k > 8 ? k - 8 : 0), y + (k > 8 ? k - 8 : 0));
}

static int ignored(const char *line, const char *ignore)
{
	const char *tab = strchr(line, '\t');
	size_t il = ignore ? strlen(ignore) : 0;

	return il && tab && (size_t)(tab - line) >= il &&
	       !memcmp(tab - il, ignore, il);
}

size_t cwh_snap_diff(const struct cwh_snap *a, const struct cwh_snap *b, int show)
{
	return cwh_snap_diff_ex(a, b, show, NULL);
}

size_t cwh_snap_diff_ex(const struct cwh_snap *a, const struct cwh_snap *b,
			int show, const char *ignore)
{
	size_t i = 0, j = 0, diff = 0;

	while (i < a->n || j < b->n) {
		if (i < a->n && ignored(a->lines[i], ignore)) {
			i++;
			continue;
		}
		if (j < b->n && ignored(b->lines[j], ignore)) {
			j++;
			continue;
		}
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->lines[i], b->lines[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if ((int)diff < show)
			show_pair(a, i, b, j, c);
		diff++;
		if (c < 0)
			i++;
		else
			j++;
	}
	return diff;
}

long cwh_outbox_len(struct cwh *h)
{
	redisContext *c = redis_connect(h);
	long n = 0;

	if (!c)
		return -1;
	for (int i = 0; i < h->partitions; i++) {
		redisReply *r = redisCommand(c, "HLEN " HK_PREFIX "outbox:%d", i);
		if (r && r->type == REDIS_REPLY_INTEGER)
			n += (long)r->integer;
		if (r)
			freeReplyObject(r);
	}
	redisFree(c);
	return n;
}

/* ---- generated input ------------------------------------------------------------------ */

int cwh_churnctl(struct cwh *h, const char *const *args, const char *log)
{
	char exe[CWH_PATH_MAX + 16];
	char *argv[64];
	size_t n = 0;
	pid_t pid;
	int st;

	snprintf(exe, sizeof(exe), "%s/churnctl", h->builddir);
	argv[n++] = exe;
	while (args[n - 1] && n < 63) {
		argv[n] = (char *)args[n - 1];
		n++;
	}
	argv[n] = NULL;
	pid = spawn(argv, log);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int cwh_hashes(struct cwh *h, const char *pattern, struct cwh_snap *out)
{
	redisContext *c = redis_connect(h);
	redisReply *k;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!c)
		return -1;
	k = redisCommand(c, "KEYS " HK_PREFIX "%s", pattern);
	if (!k || k->type != REDIS_REPLY_ARRAY) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < k->elements && !rc; i++)
		rc = snap_key(c, out, k->element[i]->str);
	qsort(out->lines, out->n, sizeof(*out->lines), cmp_str);
out:
	if (k)
		freeReplyObject(k);
	redisFree(c);
	return rc;
}

int cwh_zset_members(struct cwh *h, const char *key, struct cwh_snap *out)
{
	redisContext *c = redis_connect(h);
	redisReply *r;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!c)
		return -1;
	r = redisCommand(c, "ZRANGE " HK_PREFIX "%s 0 -1", key);
	if (!r || r->type != REDIS_REPLY_ARRAY)
		rc = -1;
	for (size_t i = 0; !rc && i < r->elements; i++)
		rc = snap_add(out, r->element[i]->str, "", 0, 0);
	if (!rc)
		qsort(out->lines, out->n, sizeof(*out->lines), cmp_str);
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return rc;
}

long cwh_gen(struct cwh *h, const char *name, int subscribers, int days,
	     int seed, double garbage, double dups, char *events, size_t elen,
	     char *truth, size_t tlen)
{
	char subs[16], dd[16], sd[16], gr[32], dr[32], log[CWH_PATH_MAX + 64];
	char exe[CWH_PATH_MAX + 16];
	char *argv[] = {exe, "gen", "--subscribers", subs,
			"--days", dd, "--seed", sd, "--garbage-rate", gr,
			"--dup-rate", dr, "--out", events, "--truth", truth, NULL};
	char line[1024];
	long garb = -1;
	FILE *f;
	pid_t pid;
	int st;

	snprintf(exe, sizeof(exe), "%s/churnctl", h->builddir);
	snprintf(subs, sizeof(subs), "%d", subscribers);
	snprintf(dd, sizeof(dd), "%d", days);
	snprintf(sd, sizeof(sd), "%d", seed);
	snprintf(gr, sizeof(gr), "%g", garbage);
	snprintf(dr, sizeof(dr), "%g", dups);
	snprintf(events, elen, "%s/%.32s.jsonl", h->dir, name);
	snprintf(truth, tlen, "%s/%.32s.truth.csv", h->dir, name);
	snprintf(log, sizeof(log), "%s/%.32s.gen.log", h->dir, name);
	pid = spawn(argv, log);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		say("churnctl gen failed; see %s", log);
		return -1;
	}
	f = fopen(log, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " garbage");
		if (strncmp(line, "generated ", 10) || !p)
			continue;
		while (p > line && p[-1] != ' ')
			p--;
		garb = strtol(p, NULL, 10);
	}
	if (f)
		fclose(f);
	return garb;
}

/* ---- alerts ---------------------------------------------------------------------------- */

static int jget(json_object *o, const char *k, json_type t, json_object **v)
{
	return json_object_object_get_ex(o, k, v) && json_object_is_type(*v, t);
}

static uint64_t fnv1a64(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

static void alert_fill(json_object *o, struct cwh_alert *a)
{
	static const char *const strs[] = {"alert_id", "rule", "severity",
		"subscriber", "ts", "action", "rules_version"};
	json_object *v, *seg;
	int ok = 1;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		ok &= jget(o, strs[i], json_type_string, &v);
	ok &= jget(o, "evidence", json_type_object, &v);
	ok &= jget(o, "segment", json_type_object, &seg);
	if (ok)
		ok &= jget(seg, "arpu_tier", json_type_string, &v) &&
		      jget(seg, "tenure_stage", json_type_string, &v);
	a->complete = ok;
	if (jget(o, "alert_id", json_type_string, &v))
		snprintf(a->id, sizeof(a->id), "%s", json_object_get_string(v));
	if (jget(o, "rule", json_type_string, &v))
		snprintf(a->rule, sizeof(a->rule), "%s", json_object_get_string(v));
	if (jget(o, "subscriber", json_type_string, &v))
		snprintf(a->subscriber, sizeof(a->subscriber), "%s", json_object_get_string(v));
	if (jget(o, "rules_version", json_type_string, &v))
		snprintf(a->version, sizeof(a->version), "%s", json_object_get_string(v));
}

static int cmp_alert(const void *a, const void *b)
{
	return strcmp(((const struct cwh_alert *)a)->id, ((const struct cwh_alert *)b)->id);
}

int cwh_alerts_parse(const struct cwh_msgs *m, struct cwh_alert **out,
		     size_t *n, size_t *repeats)
{
	struct cwh_alert *v = calloc(m->n ? m->n : 1, sizeof(*v));
	size_t w = 0;

	if (!v)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		json_object *o = json_tokener_parse(m->v[i].payload);
		if (o && json_object_is_type(o, json_type_object))
			alert_fill(o, &v[i]);
		v[i].content = fnv1a64(m->v[i].payload, m->v[i].len);
		if (o)
			json_object_put(o);
	}
	qsort(v, m->n, sizeof(*v), cmp_alert);
	*repeats = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (w && !strcmp(v[w - 1].id, v[i].id)) {
			(*repeats)++;
			if (v[w - 1].content != v[i].content)
				v[w - 1].conflict = 1;
			continue;
		}
		v[w++] = v[i];
	}
	*out = v;
	*n = w;
	return 0;
}

size_t cwh_alerts_content_diff(const struct cwh_alert *a, size_t na,
			       const struct cwh_alert *b, size_t nb, int show)
{
	size_t i = 0, j = 0, diff = 0;

	while (i < na && j < nb) {
		int c = strcmp(a[i].id, b[j].id);
		if (c == 0 && a[i].content != b[j].content) {
			if ((int)diff < show)
				fprintf(stderr, "  ~ alert %s %s %s: other content\n",
					a[i].id, a[i].rule, a[i].subscriber);
			diff++;
		}
		i += c <= 0;
		j += c >= 0;
	}
	return diff;
}

size_t cwh_alerts_diff(const struct cwh_alert *a, size_t na,
		       const struct cwh_alert *b, size_t nb, int show)
{
	size_t i = 0, j = 0, diff = 0;

	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i].id, b[j].id);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		const struct cwh_alert *x = c < 0 ? &a[i++] : &b[j++];
		if ((int)diff < show)
			fprintf(stderr, "  %c alert %s %s %s\n", c < 0 ? '-' : '+',
				x->id, x->rule, x->subscriber);
		diff++;
	}
	return diff;
}
