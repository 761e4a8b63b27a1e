/*
 * store.c — Redis over hiredis: connection, pipelined exchange, replies.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "cw/log.h"
#include "cw/store.h"

struct cw_store {
	char *host;         /* NULL for a unix socket */
	char *path;         /* unix socket path */
	int port;
	int db;
	char *password;
	char *username;     /* ACL user, NULL: default */
	char *prefix;
	int64_t timeout_ms;
	redisContext *ctx;

	char *buf;          /* formatted RESP commands, in order */
	size_t len, cap;
	size_t nqueued;

	redisReply **replies;
	size_t nreplies, cap_replies;
	enum cw_store_fault fault;   /* of the last failure */

	/* Fencing (cw_store_fence_set): WATCH + MGET of the fence keys,
	 * formatted once, sent after every exchange's own commands. */
	char *fence_cmds;
	size_t fence_len;
	char **fence_want;  /* the epoch each key must still hold */
	size_t nfence;
	size_t *execs;      /* reply indexes of the queued EXECs */
	size_t nexecs, cap_execs;
	int sent;           /* the queue is being sent (cw_store_send) */
	size_t wlen, woff;  /* bytes to send (queue + fence), bytes sent */

	struct cw_store_stats stats;
};

static const char *fault_hint(const char *reply);

static char *dup_range(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* redis://[:password@]host[:port][/db] or unix:///path[?db=N] */
static int parse_url(struct cw_store *s, const char *url, char *err,
		     size_t errlen)
{
	char *end;
	if (!strncmp(url, "unix://", 7)) {
		const char *path = url + 7;
		const char *q = strchr(path, '?');
		size_t n = q ? (size_t)(q - path) : strlen(path);
		if (n == 0 || path[0] != '/') {
			snprintf(err, errlen, "redis url '%s': unix:// needs an absolute path", url);
			return -1;
		}
		s->path = dup_range(path, n);
		if (q && !strncmp(q, "?db=", 4)) {
			long db = strtol(q + 4, &end, 10);
			if (*end || db < 0 || db > 15) {
				snprintf(err, errlen, "redis url '%s': bad db", url);
				return -1;
			}
			s->db = (int)db;
		}
		return s->path ? 0 : -1;
	}
	if (!strncmp(url, "rediss://", 9)) {
		snprintf(err, errlen,
			 "redis url '%s': TLS (rediss://) is not supported by "
			 "this build's hiredis; reach TLS Redis through a local "
			 "stunnel or replica (docs/configuration.md)", url);
		return -1;
	}
	if (strncmp(url, "redis://", 8)) {
		snprintf(err, errlen, "redis url '%s': expected redis:// or unix://", url);
		return -1;
	}
	const char *h = url + 8;
	if (strchr(h, '@')) {
		snprintf(err, errlen, "redis url: do not put a password in the url; use redis.password_file");
		return -1;
	}
	const char *slash = strchr(h, '/');
	const char *hend = slash ? slash : h + strlen(h);
	const char *colon = memchr(h, ':', (size_t)(hend - h));
	s->port = 6379;
	if (colon) {
		long port = strtol(colon + 1, &end, 10);
		if (end != hend || port <= 0 || port > 65535) {
			snprintf(err, errlen, "redis url '%s': bad port", url);
			return -1;
		}
		s->port = (int)port;
		hend = colon;
	}
	if (hend == h) {
		snprintf(err, errlen, "redis url '%s': missing host", url);
		return -1;
	}
	s->host = dup_range(h, (size_t)(hend - h));
	if (slash && slash[1]) {
		long db = strtol(slash + 1, &end, 10);
		if (*end || db < 0 || db > 15) {
			snprintf(err, errlen, "redis url '%s': bad db", url);
			return -1;
		}
		s->db = (int)db;
	}
	return s->host ? 0 : -1;
}

/* "name:value\r\n" of an INFO reply into out (the value only). */
static int info_field(const char *info, const char *name, char *out,
		      size_t outlen)
{
	size_t n = strlen(name);

	for (const char *p = info; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, name, n) && p[n] == ':') {
			size_t k = strcspn(p + n + 1, "\r\n");
			if (k >= outlen)
				k = outlen - 1;
			memcpy(out, p + n + 1, k);
			out[k] = '\0';
			return 0;
		}
	}
	return -1;
}

int cw_store_queue_memory_info(struct cw_store *s, int *i, int *j)
{
	*i = cw_store_queue(s, 2, (const char *[]){"INFO", "memory"}, NULL);
	*j = cw_store_queue(s, 2, (const char *[]){"INFO", "stats"}, NULL);
	return *i < 0 || *j < 0 ? -1 : 0;
}

int cw_store_parse_memory_info(const struct cw_store *s, int i, int j,
			       char *policy, size_t policylen,
			       long long *evicted)
{
	char num[32];
	size_t len;
	const char *mem = cw_store_reply_str(s, i, -1, &len);
	const char *st = cw_store_reply_str(s, j, -1, &len);

	if (!mem || !st || info_field(mem, "maxmemory_policy", policy, policylen) < 0)
		return -1;
	*evicted = info_field(st, "evicted_keys", num, sizeof(num)) == 0
			   ? strtoll(num, NULL, 10)
			   : 0;
	return 0;
}

int cw_store_memory_info(struct cw_store *s, char *policy, size_t policylen,
			 long long *evicted, char *err, size_t errlen)
{
	int i, j, rc = -1;

	if (cw_store_queue_memory_info(s, &i, &j) < 0 ||
	    cw_store_exchange(s, err, errlen) < 0)
		return -1;
	if (cw_store_parse_memory_info(s, i, j, policy, policylen, evicted) < 0)
		snprintf(err, errlen, "redis INFO: no maxmemory_policy in the reply");
	else
		rc = 0;
	cw_store_release(s);
	return rc;
}

int cw_store_check_url(const char *url, char *err, size_t errlen)
{
	struct cw_store s = {0};
	int rc = parse_url(&s, url, err, errlen);

	if (rc == 0 && !s.host && !s.path) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	free(s.host);
	free(s.path);
	return rc;
}

static int simple_command(struct cw_store *s, char *err, size_t errlen,
			  int argc, const char **argv)
{
	redisReply *r = redisCommandArgv(s->ctx, argc, argv, NULL);
	if (!r) {
		s->fault = CW_STORE_TRANSIENT;
		snprintf(err, errlen, "redis: %s", s->ctx->errstr);
		return -1;
	}
	int rc = r->type == REDIS_REPLY_ERROR ? -1 : 0;
	if (rc) {
		s->fault = cw_store_classify_error(r->str);
		snprintf(err, errlen, "redis %s: %s%s", argv[0], r->str,
			 fault_hint(r->str));
	}
	freeReplyObject(r);
	return rc;
}

static int do_connect(struct cw_store *s, char *err, size_t errlen)
{
	struct timeval tv = {(time_t)(s->timeout_ms / 1000),
			     (suseconds_t)(s->timeout_ms % 1000) * 1000};
	char db[16];

	if (s->ctx)
		redisFree(s->ctx);
	s->sent = 0;
	s->ctx = s->path ? redisConnectUnixWithTimeout(s->path, tv)
			 : redisConnectWithTimeout(s->host, s->port, tv);
	if (!s->ctx || s->ctx->err) {
		s->fault = CW_STORE_TRANSIENT;
		snprintf(err, errlen, "redis %s%s%d: %s",
			 s->path ? s->path : s->host, s->path ? "" : ":",
			 s->path ? 0 : s->port,
			 s->ctx ? s->ctx->errstr : "out of memory");
		if (s->ctx)
			redisFree(s->ctx);
		s->ctx = NULL;
		return -1;
	}
	if (redisSetTimeout(s->ctx, tv) != REDIS_OK)
		log_warn("redis: cannot set command timeout");
	if (s->password && s->username &&
	    simple_command(s, err, errlen, 3,
			   (const char *[]){"AUTH", s->username, s->password}) < 0)
		goto fail;
	if (s->password && !s->username &&
	    simple_command(s, err, errlen, 2,
			   (const char *[]){"AUTH", s->password}) < 0)
		goto fail;
	snprintf(db, sizeof(db), "%d", s->db);
	if (s->db && simple_command(s, err, errlen, 2,
				    (const char *[]){"SELECT", db}) < 0)
		goto fail;
	if (simple_command(s, err, errlen, 1, (const char *[]){"PING"}) < 0)
		goto fail;
	return 0;
fail:
	redisFree(s->ctx);
	s->ctx = NULL;
	return -1;
}

int cw_store_open(const struct cw_store_opts *o, struct cw_store **out,
		  char *err, size_t errlen)
{
	struct cw_store *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
	s->prefix = strdup(o->prefix ? o->prefix : "cw:");
	s->password = o->password ? strdup(o->password) : NULL;
	s->username = o->username ? strdup(o->username) : NULL;
	if (!s->prefix || parse_url(s, o->url, err, errlen) < 0 ||
	    do_connect(s, err, errlen) < 0) {
		int rc = s->fault == CW_STORE_PERMANENT ? -2 : -1;
		cw_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void cw_store_close(struct cw_store *s)
{
	if (!s)
		return;
	cw_store_release(s);
	if (s->ctx)
		redisFree(s->ctx);
	free(s->host);
	free(s->path);
	if (s->password) {
		/* Do not leave the secret in freed heap memory. */
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->username);
	free(s->prefix);
	cw_store_fence_clear(s);
	free(s->execs);
	free(s->buf);
	free(s->replies);
	free(s);
}

static int fence_check(struct cw_store *s, const redisReply *watch,
		       const redisReply *mget, char *err, size_t errlen);

/* A new connection has no WATCH: arm it before anything else is sent, or
 * a transaction queued before the outage would go out unfenced. */
static int fence_arm(struct cw_store *s, char *err, size_t errlen)
{
	void *w = NULL, *m = NULL;
	int rc = -1;

	if (!s->nfence)
		return 0;
	if (redisAppendFormattedCommand(s->ctx, s->fence_cmds, s->fence_len) != REDIS_OK ||
	    redisGetReply(s->ctx, &w) != REDIS_OK || redisGetReply(s->ctx, &m) != REDIS_OK) {
		s->fault = CW_STORE_TRANSIENT;
		snprintf(err, errlen, "redis: %s", s->ctx->errstr);
		redisFree(s->ctx);
		s->ctx = NULL;
	} else {
		rc = fence_check(s, w, m, err, errlen);
	}
	if (w)
		freeReplyObject(w);
	if (m)
		freeReplyObject(m);
	return rc;
}

int cw_store_reconnect(struct cw_store *s, char *err, size_t errlen)
{
	s->stats.reconnects++;
	if (do_connect(s, err, errlen) < 0)
		return -1;
	return fence_arm(s, err, errlen);
}

/* ---- fencing --------------------------------------------------------------- */

static void append_resp(char *buf, size_t *len, size_t argc,
			const char *const *argv)
{
	*len += (size_t)sprintf(buf + *len, "*%zu\r\n", argc);
	for (size_t i = 0; i < argc; i++)
		*len += (size_t)sprintf(buf + *len, "$%zu\r\n%s\r\n", strlen(argv[i]),
					argv[i]);
}

int cw_store_fence_set(struct cw_store *s, size_t n, const char *const *keys,
		       const long long *epochs)
{
	size_t need = 64;
	const char **argv = calloc(n + 1, sizeof(*argv));

	cw_store_fence_clear(s);
	if (!n) {
		free(argv);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		need += 2 * (strlen(keys[i]) + 32);
	s->fence_cmds = malloc(need);
	s->fence_want = calloc(n, sizeof(*s->fence_want));
	if (!argv || !s->fence_cmds || !s->fence_want) {
		free(argv);
		cw_store_fence_clear(s);
		return -1;
	}
	s->nfence = n;
	for (size_t i = 0; i < n; i++) {
		argv[i + 1] = keys[i];
		if (asprintf(&s->fence_want[i], "%lld", epochs[i]) < 0) {
			s->fence_want[i] = NULL;
			free(argv);
			cw_store_fence_clear(s);
			return -1;
		}
	}
	argv[0] = "WATCH";
	append_resp(s->fence_cmds, &s->fence_len, n + 1, argv);
	argv[0] = "MGET";
	append_resp(s->fence_cmds, &s->fence_len, n + 1, argv);
	free(argv);
	return 0;
}

void cw_store_fence_clear(struct cw_store *s)
{
	for (size_t i = 0; i < s->nfence; i++)
		free(s->fence_want[i]);
	free(s->fence_want);
	free(s->fence_cmds);
	s->fence_want = NULL;
	s->fence_cmds = NULL;
	s->fence_len = 0;
	s->nfence = 0;
}

/*
 * Epochs only grow (INCR on assignment), so a key that no longer holds
 * ours was taken over: by another instance, since the last check. Any
 * MULTI/EXEC sent after the previous WATCH was then refused by Redis.
 */
static int fence_check(struct cw_store *s, const redisReply *watch,
		       const redisReply *mget, char *err, size_t errlen)
{
	const redisReply *bad = watch && watch->type == REDIS_REPLY_ERROR ? watch
				: mget && mget->type == REDIS_REPLY_ERROR ? mget : NULL;
	if (bad) {
		/* Without the WATCH nothing would be fenced: not optional. */
		s->fault = cw_store_classify_error(bad->str);
		snprintf(err, errlen, "redis fence check: %s%s", bad->str,
			 fault_hint(bad->str));
		return -1;
	}
	if (!mget || mget->type != REDIS_REPLY_ARRAY || mget->elements != s->nfence) {
		s->fault = CW_STORE_TRANSIENT;
		snprintf(err, errlen, "redis: unexpected reply to the fence check");
		return -1;
	}
	for (size_t i = 0; i < s->nfence; i++) {
		const redisReply *e = mget->element[i];
		if (e->type != REDIS_REPLY_STRING || strcmp(e->str, s->fence_want[i])) {
			s->fault = CW_STORE_FENCED;
			snprintf(err, errlen,
				 "fenced: another instance took over (fence epoch "
				 "%s, ours %s): this writer's batch is refused",
				 e->type == REDIS_REPLY_STRING ? e->str : "none",
				 s->fence_want[i]);
			return -1;
		}
	}
	return 0;
}

const char *cw_store_prefix(const struct cw_store *s)
{
	return s->prefix;
}

int cw_store_key(const struct cw_store *s, char *buf, size_t buflen,
		 const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, buflen, "%s", s->prefix);
	if (n < 0 || (size_t)n >= buflen)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, buflen - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)(n + m) >= buflen)
		return -ENAMETOOLONG;
	return n + m;
}

static int reserve(struct cw_store *s, size_t more)
{
	if (s->len + more <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 65536;
	while (cap < s->len + more)
		cap *= 2;
	char *nb = realloc(s->buf, cap);
	if (!nb)
		return -1;
	s->buf = nb;
	s->cap = cap;
	return 0;
}

/* Append "<c><n>\r\n" (a RESP header) without printf. */
static void put_header(struct cw_store *s, char c, size_t n)
{
	char tmp[24];
	int k = 0;
	do {
		tmp[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	s->buf[s->len++] = c;
	while (k)
		s->buf[s->len++] = tmp[--k];
	s->buf[s->len++] = '\r';
	s->buf[s->len++] = '\n';
}

/*
 * Commands are written in RESP straight into the store's buffer: this is
 * per subscriber on the hot path, so no allocation and no printf. The
 * buffer only grows (to the largest batch seen).
 */
int cw_store_queue(struct cw_store *s, int argc, const char **argv,
		   const size_t *argvlen)
{
	size_t need = 24;
	for (int i = 0; i < argc; i++)
		need += 24 + (argvlen ? argvlen[i] : strlen(argv[i]));
	if (argc <= 0 || s->sent)
		return -EINVAL;
	if (reserve(s, need) < 0)
		return -ENOMEM;
	if (argc == 1 && !strcmp(argv[0], "EXEC")) {
		if (s->nexecs == s->cap_execs) {
			size_t nc = s->cap_execs ? 2 * s->cap_execs : 8;
			size_t *ne = realloc(s->execs, nc * sizeof(*ne));
			if (!ne)
				return -1;
			s->execs = ne;
			s->cap_execs = nc;
		}
		s->execs[s->nexecs++] = s->nqueued;
	}
	put_header(s, '*', (size_t)argc);
	for (int i = 0; i < argc; i++) {
		size_t n = argvlen ? argvlen[i] : strlen(argv[i]);
		put_header(s, '$', n);
		memcpy(s->buf + s->len, argv[i], n);
		s->len += n;
		s->buf[s->len++] = '\r';
		s->buf[s->len++] = '\n';
	}
	return (int)s->nqueued++;
}

size_t cw_store_queued(const struct cw_store *s)
{
	return s->nqueued;
}

size_t cw_store_queued_bytes(const struct cw_store *s)
{
	return s->len;
}

void cw_store_release(struct cw_store *s)
{
	for (size_t i = 0; i < s->nreplies; i++)
		freeReplyObject(s->replies[i]);
	s->nreplies = 0;
}

void cw_store_discard(struct cw_store *s)
{
	cw_store_release(s);
	s->sent = 0;
	s->len = 0;
	s->nqueued = 0;
	s->nexecs = 0;
}

enum cw_store_fault cw_store_classify_error(const char *reply)
{
	static const char *const permanent[] = {
		"WRONGTYPE", "NOPERM", "MOVED", "ASK", "NOAUTH", "WRONGPASS",
		"READONLY", "ERR unknown command", "ERR invalid password",
		"ERR AUTH", "ERR Client sent AUTH", "CROSSSLOT", "CLUSTERDOWN",
	};

	if (!strncmp(reply, "OOM", 3))
		return CW_STORE_OOM;
	for (size_t i = 0; i < sizeof(permanent) / sizeof(permanent[0]); i++)
		if (!strncmp(reply, permanent[i], strlen(permanent[i])))
			return CW_STORE_PERMANENT;
	return CW_STORE_TRANSIENT;
}

enum cw_store_fault cw_store_last_fault(const struct cw_store *s)
{
	return s->fault;
}

/* A permanent error says what to do about it, not just what Redis said. */
static const char *fault_hint(const char *reply)
{
	if (!strncmp(reply, "WRONGTYPE", 9))
		return " (a key under redis.key_prefix holds another type: is another "
		       "application writing the same key space?)";
	if (!strncmp(reply, "MOVED", 5) || !strncmp(reply, "ASK", 3) ||
	    !strncmp(reply, "CROSSSLOT", 9) || !strncmp(reply, "CLUSTERDOWN", 11))
		return " (this is a Redis Cluster: churnwatch needs one Redis "
		       "node, its transactions span many keys)";
	if (!strncmp(reply, "NOPERM", 6))
		return " (the ACL user lacks a command or key pattern churnwatch "
		       "needs: GET SET MGET INCR ZADD ZREM ZRANGEBYSCORE ZSCORE HGET "
		       "HSET HDEL HGETALL MULTI EXEC WATCH UNWATCH SCAN INFO on "
		       "redis.key_prefix*)";
	if (!strncmp(reply, "READONLY", 8))
		return " (redis.url points at a replica)";
	if (!strncmp(reply, "NOAUTH", 6) || !strncmp(reply, "WRONGPASS", 9) ||
	    !strncmp(reply, "ERR invalid password", 20) || !strncmp(reply, "ERR AUTH", 8))
		return " (check redis.password_file / redis.username)";
	return "";
}

static int first_error(const redisReply *r, char *err, size_t errlen)
{
	if (!r)
		return 0;
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "redis: %s%s", r->str, fault_hint(r->str));
		return 1;
	}
	if (r->type == REDIS_REPLY_ARRAY)
		for (size_t i = 0; i < r->elements; i++)
			if (first_error(r->element[i], err, errlen))
				return 1;
	return 0;
}

/* The connection is in an unknown state mid-pipeline: drop it. The
 * queue is kept for the retry. */
static int io_error(struct cw_store *s, char *err, size_t errlen)
{
	s->fault = CW_STORE_TRANSIENT;
	snprintf(err, errlen, "redis: %s",
		 s->ctx && s->ctx->errstr[0] ? s->ctx->errstr : strerror(errno));
	s->stats.errors++;
	cw_store_release(s);
	s->sent = 0;
	if (s->ctx)
		redisFree(s->ctx);
	s->ctx = NULL;
	return -1;
}

/*
 * Sending is ours, not hiredis's: the queue (with the fence commands
 * behind it, appended past s->len so a retry can send it again) goes out
 * in non-blocking writes, interleaved with reading the replies. Redis
 * answers the first commands (a batch's MGET, megabytes of states) while
 * it still parses the rest; a blocking write of it all would leave those
 * answers in Redis's output buffer, delivered only after the transaction
 * behind them has run.
 */
static int write_some(struct cw_store *s)
{
	while (s->woff < s->wlen) {
		ssize_t n = send(s->ctx->fd, s->buf + s->woff, s->wlen - s->woff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			s->woff += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -1;
	}
	return 0;
}

/* Wait until the socket can take more (or, with `want_read`, has data to
 * read); writes what it can meanwhile. 1 readable, 0 progress, -1 error. */
static int wait_socket(struct cw_store *s, int want_read)
{
	struct pollfd pfd = {s->ctx->fd, (short)((want_read ? POLLIN : 0) |
						 (s->woff < s->wlen ? POLLOUT : 0)), 0};
	int n;

	do
		n = poll(&pfd, 1, (int)s->timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	if (n <= 0)
		return -1;
	if (pfd.revents & POLLOUT && write_some(s) < 0)
		return -1;
	if (pfd.revents & (POLLERR | POLLNVAL))
		return -1;
	return (pfd.revents & (POLLIN | POLLHUP)) ? 1 : 0;
}

/* The next reply, sending the rest of the queue while it waits. */
static int read_reply(struct cw_store *s, void **r)
{
	*r = NULL;
	for (;;) {
		if (redisGetReplyFromReader(s->ctx, r) != REDIS_OK)
			return -1;
		if (*r)
			return 0;
		int rd = wait_socket(s, 1);
		if (rd < 0)
			return -1;
		if (rd > 0 && redisBufferRead(s->ctx) != REDIS_OK)
			return -1;
	}
}

int cw_store_send(struct cw_store *s, char *err, size_t errlen)
{
	if (s->sent)
		return 0;
	cw_store_release(s);
	if (s->nqueued == 0)
		return 0;
	if (!s->ctx) {
		snprintf(err, errlen, "redis: not connected");
		s->fault = CW_STORE_TRANSIENT;
		s->stats.errors++;
		return -1;
	}
	if (s->cap_replies < s->nqueued) {
		redisReply **nr = realloc(s->replies, s->nqueued * sizeof(*nr));
		if (!nr) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		s->replies = nr;
		s->cap_replies = s->nqueued;
	}
	if (reserve(s, s->fence_len) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (s->nfence)
		memcpy(s->buf + s->len, s->fence_cmds, s->fence_len);
	s->wlen = s->len + (s->nfence ? s->fence_len : 0);
	s->woff = 0;
	s->sent = 1;
	if (write_some(s) < 0)
		return io_error(s, err, errlen);
	return 0;
}

void cw_store_pump(struct cw_store *s)
{
	/* An error shows again, and is reported, where replies are read. */
	if (s->sent && s->ctx)
		(void)write_some(s);
}

int cw_store_receive(struct cw_store *s, size_t upto, char *err, size_t errlen)
{
	if (!s->sent && cw_store_send(s, err, errlen) < 0)
		return -1;
	if (upto > s->nqueued)
		upto = s->nqueued;
	while (s->nreplies < upto) {
		void *r;
		if (read_reply(s, &r) < 0)
			return io_error(s, err, errlen);
		s->replies[s->nreplies++] = r;
	}
	return 0;
}

int cw_store_exchange(struct cw_store *s, char *err, size_t errlen)
{
	if (!s->sent)
		cw_store_release(s);
	if (s->nqueued == 0)
		return 0;
	if (cw_store_receive(s, s->nqueued, err, errlen) < 0)
		return -1;
	s->sent = 0;
	if (s->nfence) {
		void *w = NULL, *m = NULL;
		if (read_reply(s, &w) < 0 || read_reply(s, &m) < 0) {
			if (w)
				freeReplyObject(w);
			return io_error(s, err, errlen);
		}
		int fenced = fence_check(s, w, m, err, errlen);
		freeReplyObject(w);
		freeReplyObject(m);
		if (fenced < 0) {
			s->stats.errors++;
			/* Fenced: nothing queued may be retried by this
			 * writer. Any other error: the caller decides by the
			 * fault, the queue is kept. */
			if (s->fault == CW_STORE_FENCED)
				cw_store_discard(s);
			return -1;
		}
	}
	s->stats.exchanges++;
	s->stats.commands += s->nqueued;
	for (size_t i = 0; i < s->nexecs; i++) {
		if (s->replies[s->execs[i]]->type == REDIS_REPLY_NIL) {
			/* WATCH aborted it although the fences are still ours
			 * (our own earlier INCR, say): nothing of it applied.
			 * The WATCH is armed afresh now; send it all again. */
			snprintf(err, errlen, "redis: a transaction was aborted by "
				 "WATCH while this writer still holds its fences");
			s->fault = CW_STORE_TRANSIENT;
			s->stats.errors++;
			return -1;
		}
	}
	for (size_t i = 0; i < s->nreplies; i++) {
		if (first_error(s->replies[i], err, errlen)) {
			/* Not an outage: keep the queue so nothing is lost,
			 * and let the caller decide by the fault. */
			s->fault = cw_store_classify_error(err + 7);
			s->stats.errors++;
			return -1;
		}
	}
	s->len = 0;
	s->nqueued = 0;
	s->nexecs = 0;
	s->fault = CW_STORE_OK;
	return 0;
}

static const redisReply *reply_at(const struct cw_store *s, int i)
{
	return i >= 0 && (size_t)i < s->nreplies ? s->replies[i] : NULL;
}

int cw_store_reply_is_nil(const struct cw_store *s, int i)
{
	const redisReply *r = reply_at(s, i);
	return !r || r->type == REDIS_REPLY_NIL;
}

size_t cw_store_reply_len(const struct cw_store *s, int i)
{
	const redisReply *r = reply_at(s, i);
	return r && r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
}

static const char *str_of(const redisReply *r, size_t *len)
{
	if (!r || (r->type != REDIS_REPLY_STRING &&
		   r->type != REDIS_REPLY_STATUS)) {
		*len = 0;
		return NULL;
	}
	*len = r->len;
	return r->str;
}

const char *cw_store_reply_str(const struct cw_store *s, int i, int j,
			       size_t *len)
{
	const redisReply *r = reply_at(s, i);
	if (j >= 0)
		r = r && r->type == REDIS_REPLY_ARRAY && (size_t)j < r->elements
			    ? r->element[j]
			    : NULL;
	return str_of(r, len);
}

const char *cw_store_exec_str(const struct cw_store *s, int i, int j,
			      size_t *len)
{
	return cw_store_reply_str(s, i, j, len);
}

int cw_store_reply_int(const struct cw_store *s, int i, long long *out)
{
	const redisReply *r = reply_at(s, i);
	if (!r || r->type != REDIS_REPLY_INTEGER)
		return -1;
	*out = r->integer;
	return 0;
}

static const redisReply *elem_at(const redisReply *r, int j)
{
	return r && r->type == REDIS_REPLY_ARRAY && j >= 0 &&
			       (size_t)j < r->elements
		       ? r->element[j]
		       : NULL;
}

size_t cw_store_reply_sublen(const struct cw_store *s, int i, int j)
{
	const redisReply *r = elem_at(reply_at(s, i), j);
	return r && r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
}

const char *cw_store_reply_substr(const struct cw_store *s, int i, int j,
				  int k, size_t *len)
{
	return str_of(elem_at(elem_at(reply_at(s, i), j), k), len);
}

void cw_store_get_stats(const struct cw_store *s, struct cw_store_stats *st)
{
	*st = s->stats;
}
