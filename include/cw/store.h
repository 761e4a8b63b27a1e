/*
 * store.h — the Redis adapter. The only file that speaks hiredis.
 *
 * Commands are queued into a buffer owned by the store and sent together
 * in one pipelined exchange (one network round trip). The buffer survives
 * a failed exchange, so after reconnecting the very same commands can be
 * sent again: every write churnwatch queues is an absolute SET/HSET/ZADD/
 * HDEL inside MULTI/EXEC, so repeating it is harmless.
 *
 * What the keys are and which commands go on them is statestore.h's
 * business (daemon/io/statestore.c): no other file names a key. This
 * file itself sends only what a connection needs (AUTH, SELECT, PING,
 * WATCH for fencing, INFO). The sentinel names below are shared with it.
 */
#ifndef CW_STORE_H
#define CW_STORE_H

#define CW_STORE_TIMER_SENTINEL "~"
#define CW_STORE_SENTINEL_FIELD "~due/"

#include <stddef.h>
#include <stdint.h>

struct cw_store;

struct cw_store_opts {
	const char *url;       /* redis://host:port/db or unix:///path[?db=N] */
	const char *password;  /* NULL: no AUTH */
	const char *username;  /* ACL user for AUTH; NULL: the default user */
	const char *prefix;    /* key prefix */
	int64_t timeout_ms;    /* connect and command timeout */
};

/* Is `url` one cw_store_open accepts? (--check-config; no connection) */
int cw_store_check_url(const char *url, char *err, size_t errlen);

/* Parse the URL and connect. On failure returns -1 with a message, -2
 * when retrying cannot help (authentication refused: CW_STORE_PERMANENT). */
int cw_store_open(const struct cw_store_opts *o, struct cw_store **out,
		  char *err, size_t errlen);
void cw_store_close(struct cw_store *s);
/* Drop the connection and connect again (queued commands are kept). */
int cw_store_reconnect(struct cw_store *s, char *err, size_t errlen);
const char *cw_store_prefix(const struct cw_store *s);

/*
 * Queue one command (argv form; binary-safe). Returns its reply index for
 * the next exchange, or -ENOMEM, or -EINVAL (no arguments, or the queue
 * was sent and awaits its replies). Commands between MULTI and EXEC get "QUEUED" replies;
 * read the results from the EXEC reply.
 */
int cw_store_queue(struct cw_store *s, int argc, const char **argv,
		   const size_t *argvlen);
/* printf-style key helper: writes P + formatted suffix into buf; its
 * length, or -ENAMETOOLONG. */
int cw_store_key(const struct cw_store *s, char *buf, size_t buflen,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

size_t cw_store_queued(const struct cw_store *s);
size_t cw_store_queued_bytes(const struct cw_store *s);
/* Forget queued commands and replies. */
void cw_store_discard(struct cw_store *s);

/*
 * Send everything queued and read all replies (one round trip). Returns 0
 * on success; -1 on a connection/protocol error (the queue is kept for a
 * retry after cw_store_reconnect) — and also -1 if any reply is an error,
 * with the first error message in err.
 */
int cw_store_exchange(struct cw_store *s, char *err, size_t errlen);

/*
 * The same round trip in parts, so that Redis works while the caller
 * does: cw_store_send starts sending the queue (as much as the
 * connection takes without waiting);
 * cw_store_receive reads the replies of the first `upto` commands (their
 * accessors below work at once); cw_store_exchange then reads the rest and
 * judges them all, as above. Nothing may be queued between send and
 * exchange (cw_store_queue refuses). Failures are those of
 * cw_store_exchange (a lost connection is dropped; the queue is kept and
 * goes out whole again on the next exchange).
 */
int cw_store_send(struct cw_store *s, char *err, size_t errlen);
int cw_store_receive(struct cw_store *s, size_t upto, char *err, size_t errlen);
/* Send more of the queue if the connection takes it now, without
 * waiting: called now and then by a caller busy between send and
 * exchange, so that Redis has the whole queue to work on. */
void cw_store_pump(struct cw_store *s);

/* Reply accessors for the last successful exchange. `i` is the index
 * returned by cw_store_queue; `j` an element of an array reply. */
int cw_store_reply_is_nil(const struct cw_store *s, int i);
size_t cw_store_reply_len(const struct cw_store *s, int i); /* array size */
/* Element j of array reply i (or reply i itself when j < 0) as bytes;
 * NULL for nil. */
const char *cw_store_reply_str(const struct cw_store *s, int i, int j,
			       size_t *len);
/* Element j of the array inside the EXEC reply i. */
const char *cw_store_exec_str(const struct cw_store *s, int i, int j,
			      size_t *len);
int cw_store_reply_int(const struct cw_store *s, int i, long long *out);
/* Nested arrays (SCAN's [cursor, [keys]]): size of element j of reply i,
 * and element k of that. */
size_t cw_store_reply_sublen(const struct cw_store *s, int i, int j);
const char *cw_store_reply_substr(const struct cw_store *s, int i, int j,
				  int k, size_t *len);
/* Clear replies (the queue was already cleared by a successful exchange). */
void cw_store_release(struct cw_store *s);

/*
 * What the last failure of cw_store_open, cw_store_reconnect or
 * cw_store_exchange was. Transient ones (connection lost, LOADING, BUSY,
 * TRYAGAIN) are retried; OOM too (Redis refused a write under maxmemory:
 * nothing is skipped, the batch waits); permanent ones (authentication,
 * WRONGTYPE, NOPERM, MOVED/ASK from a Redis Cluster, READONLY replica,
 * unknown command) will not heal by retrying: the daemon stops with exit 1.
 */
enum cw_store_fault {
	CW_STORE_OK = 0,
	CW_STORE_TRANSIENT,
	CW_STORE_OOM,
	CW_STORE_PERMANENT,
	CW_STORE_FENCED, /* another writer holds a fence key (below) */
};
enum cw_store_fault cw_store_last_fault(const struct cw_store *s);
/* The fault a Redis error reply (e.g. "WRONGTYPE ...") stands for. */
enum cw_store_fault cw_store_classify_error(const char *reply);

/*
 * The server's eviction policy (INFO memory: maxmemory_policy) and the
 * keys it has evicted so far (INFO stats: evicted_keys). One round trip;
 * -1 with a message on failure. policy is at least 32 bytes.
 */
int cw_store_memory_info(struct cw_store *s, char *policy, size_t policylen,
			 long long *evicted, char *err, size_t errlen);
/* The same, riding on an exchange the caller makes anyway: queue the two
 * INFO commands (their reply indexes in *i, *j), then parse the replies.
 * parse returns -1 when a reply lacks the field. */
int cw_store_queue_memory_info(struct cw_store *s, int *i, int *j);
int cw_store_parse_memory_info(const struct cw_store *s, int i, int j,
			       char *policy, size_t policylen,
			       long long *evicted);

/*
 * Fencing a writer that lost its partitions (a "zombie": stalled past
 * max.poll.interval.ms while the group moved on). On assignment the
 * writer INCRs fence:<group>:<pair> for each pair it got and gives the
 * keys and the epochs it got here. From then on every exchange ends with
 * WATCH on those keys and a check that they still hold these epochs; a
 * reconnect arms the WATCH again before anything else is sent. A
 * MULTI/EXEC is therefore refused by Redis once another instance took
 * one of the pairs since the previous exchange, and the exchange fails
 * with CW_STORE_FENCED: the queue is discarded (no retry). Copies keys.
 * Returns -1 when out of memory. n == 0 or _clear: no fencing.
 */
int cw_store_fence_set(struct cw_store *s, size_t n, const char *const *keys,
		       const long long *epochs);
void cw_store_fence_clear(struct cw_store *s);

/* Statistics for metrics and benchmarks. */
struct cw_store_stats {
	uint64_t exchanges;   /* round trips */
	uint64_t commands;
	uint64_t errors;
	uint64_t reconnects;
};
void cw_store_get_stats(const struct cw_store *s, struct cw_store_stats *st);

#endif
