/*
 * statestore.c — churnwatch's Redis key layout and the commands on it
 * (see statestore.h). Keys of the hot path are built once; the rest on
 * demand with cw_store_key.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/event.h"
#include "cw/statestore.h"

struct cw_statestore {
	struct cw_store *store;       /* borrowed */
	char group[CW_SS_KEY_MAX];
	int nparts;
	char (*due_key)[CW_SS_KEY_MAX];    /* P due:<n> */
	char (*outbox_key)[CW_SS_KEY_MAX]; /* P outbox:<n> */
	char (*held_key)[CW_SS_KEY_MAX];   /* P held:<n> */
	char off_key[CW_SS_KEY_MAX];       /* P off:<group> */
	char wm_key[CW_SS_KEY_MAX];        /* P wm:<group> */
	char sentinel[CW_SS_KEY_MAX];      /* member of due:<n>: "~<group>" */
	char ttl[24], ttl_closed[24];
	size_t prefix_len;

	/* Timer changes of the open transaction, written at commit as one
	 * ZADD and one ZREM per partition instead of one command per
	 * subscriber: Redis's cost per command is most of a batch's. */
	int in_tx;
	struct ss_timer {
		int32_t partition;
		int64_t due;              /* INT64_MAX: forget (ZREM) */
		char sub[CW_SUB_MAX + 1];
	} *timers;
	size_t ntimers, timers_cap;
};

int cw_ss_new(const struct cw_ss_opts *o, struct cw_statestore **out)
{
	struct cw_statestore *ss = calloc(1, sizeof(*ss));
	int n = o->nparts > 0 ? o->nparts : 0;

	if (!ss)
		return -ENOMEM;
	ss->store = o->store;
	ss->nparts = n;
	ss->prefix_len = strlen(cw_store_prefix(o->store));
	if (snprintf(ss->group, sizeof(ss->group), "%s", o->group ? o->group : "") >=
		    (int)sizeof(ss->group) ||
	    cw_store_key(o->store, ss->off_key, sizeof(ss->off_key), "off:%s", ss->group) < 0 ||
	    cw_store_key(o->store, ss->wm_key, sizeof(ss->wm_key), "wm:%s", ss->group) < 0 ||
	    snprintf(ss->sentinel, sizeof(ss->sentinel), CW_STORE_TIMER_SENTINEL "%s",
		     ss->group) >= (int)sizeof(ss->sentinel)) {
		free(ss);
		return -EINVAL;
	}
	snprintf(ss->ttl, sizeof(ss->ttl), "%" PRId64, o->state_ttl_ms);
	snprintf(ss->ttl_closed, sizeof(ss->ttl_closed), "%" PRId64, o->closed_ttl_ms);
	if (n) {
		ss->due_key = calloc((size_t)n, CW_SS_KEY_MAX);
		ss->outbox_key = calloc((size_t)n, CW_SS_KEY_MAX);
		ss->held_key = calloc((size_t)n, CW_SS_KEY_MAX);
		if (!ss->due_key || !ss->outbox_key || !ss->held_key) {
			cw_ss_free(ss);
			return -ENOMEM;
		}
		for (int i = 0; i < n; i++)
			if (cw_store_key(o->store, ss->due_key[i], CW_SS_KEY_MAX, "due:%d", i) < 0 ||
			    cw_store_key(o->store, ss->outbox_key[i], CW_SS_KEY_MAX,
					 "outbox:%d", i) < 0 ||
			    cw_store_key(o->store, ss->held_key[i], CW_SS_KEY_MAX,
					 "held:%d", i) < 0) {
				cw_ss_free(ss);
				return -EINVAL;
			}
	}
	*out = ss;
	return 0;
}

void cw_ss_free(struct cw_statestore *ss)
{
	if (!ss)
		return;
	free(ss->due_key);
	free(ss->outbox_key);
	free(ss->held_key);
	free(ss->timers);
	free(ss);
}

struct cw_store *cw_ss_store(const struct cw_statestore *ss)
{
	return ss->store;
}

/* P s:<subscriber> into buf (CW_SS_KEY_MAX); returns the length. Built
 * without printf: it is made for every subscriber of every batch. */
static size_t state_key(const struct cw_statestore *ss, const char *sub,
			char *buf)
{
	size_t n = strlen(sub);

	if (ss->prefix_len + 2 + n >= CW_SS_KEY_MAX)
		n = CW_SS_KEY_MAX - 3 - ss->prefix_len;
	memcpy(buf, cw_store_prefix(ss->store), ss->prefix_len);
	memcpy(buf + ss->prefix_len, "s:", 2);
	memcpy(buf + ss->prefix_len + 2, sub, n);
	buf[ss->prefix_len + 2 + n] = '\0';
	return ss->prefix_len + 2 + n;
}

/* Decimal text of v into buf (at least 24 bytes); returns the length. */
static size_t i64_to_str(int64_t v, char *buf)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t k = 0, n = 0;

	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[n++] = '-';
	while (k)
		buf[n++] = tmp[--k];
	buf[n] = '\0';
	return n;
}

static int part_ok(const struct cw_statestore *ss, int32_t p)
{
	return p >= 0 && p < ss->nparts;
}

/* ---- a batch's reads ---------------------------------------------------- */

int cw_ss_queue_states(struct cw_statestore *ss, const char *const *subs,
		       size_t n)
{
	const char **argv = malloc((n + 1) * sizeof(*argv));
	size_t *lens = malloc((n + 1) * sizeof(*lens));
	char (*keys)[CW_SS_KEY_MAX] = malloc((n + 1) * CW_SS_KEY_MAX);
	int idx = -ENOMEM;

	if (argv && lens && keys) {
		argv[0] = "MGET";
		lens[0] = 4;
		for (size_t i = 0; i < n; i++) {
			argv[i + 1] = keys[i];
			lens[i + 1] = state_key(ss, subs[i], keys[i]);
		}
		idx = cw_store_queue(ss->store, (int)(n + 1), argv, lens);
	}
	free(argv);
	free(lens);
	free(keys);
	return idx;
}

int cw_ss_queue_due(struct cw_statestore *ss, int32_t partition,
		    int64_t upto, int limit)
{
	char u[24], l[24];

	if (!part_ok(ss, partition))
		return -EINVAL;
	i64_to_str(upto, u);
	i64_to_str(limit, l);
	return cw_store_queue(ss->store, 7,
			      (const char *[]){"ZRANGEBYSCORE", ss->due_key[partition],
					       "-inf", u, "LIMIT", "0", l},
			      NULL);
}

/* ---- the batch transaction ------------------------------------------------ */

void cw_ss_begin(struct cw_statestore *ss)
{
	cw_store_queue(ss->store, 1, (const char *[]){"MULTI"}, NULL);
	ss->in_tx = 1;
	ss->ntimers = 0;
}

/* Remembered for the commit; 0, or -1 when out of memory (the caller
 * then queues the command itself). */
static int remember_timer(struct cw_statestore *ss, const char *sub,
			  int32_t partition, int64_t due)
{
	if (!ss->in_tx || strlen(sub) > CW_SUB_MAX)
		return -1;
	if (ss->ntimers == ss->timers_cap) {
		size_t nc = ss->timers_cap ? 2 * ss->timers_cap : 1024;
		struct ss_timer *nt = realloc(ss->timers, nc * sizeof(*nt));
		if (!nt)
			return -1;
		ss->timers = nt;
		ss->timers_cap = nc;
	}
	struct ss_timer *t = &ss->timers[ss->ntimers++];
	t->partition = partition;
	t->due = due;
	strcpy(t->sub, sub);
	return 0;
}

/* One ZADD (score member ...) or ZREM (member ...) of partition `part`
 * over its remembered timers (order[0..n)) of that kind. */
static void queue_timers(struct cw_statestore *ss, int32_t part, int add,
			 const size_t *order, size_t n, const char **argv,
			 size_t *lens, char (*score)[24])
{
	int argc = 2;

	for (size_t k = 0; k < n; k++) {
		const struct ss_timer *t = &ss->timers[order[k]];
		if ((t->due != INT64_MAX) != add)
			continue;
		if (add) {
			lens[argc] = i64_to_str(t->due, score[k]);
			argv[argc++] = score[k];
		}
		lens[argc] = strlen(t->sub);
		argv[argc++] = t->sub;
	}
	if (argc == 2)
		return;
	argv[0] = add ? "ZADD" : "ZREM";
	lens[0] = 4;
	argv[1] = ss->due_key[part];
	lens[1] = strlen(ss->due_key[part]);
	cw_store_queue(ss->store, argc, argv, lens);
}

static void flush_timers_one_by_one(struct cw_statestore *ss)
{
	for (size_t i = 0; i < ss->ntimers; i++) {
		const struct ss_timer *t = &ss->timers[i];
		char sc[24];

		if (t->due == INT64_MAX) {
			cw_store_queue(ss->store, 3, (const char *[]){"ZREM",
				       ss->due_key[t->partition], t->sub}, NULL);
		} else {
			i64_to_str(t->due, sc);
			cw_store_queue(ss->store, 4, (const char *[]){"ZADD",
				       ss->due_key[t->partition], sc, t->sub}, NULL);
		}
	}
}

static void flush_timers(struct cw_statestore *ss)
{
	size_t n = ss->ntimers, np = (size_t)ss->nparts;
	const char **argv = malloc((2 * n + 2) * sizeof(*argv));
	size_t *lens = malloc((2 * n + 2) * sizeof(*lens));
	char (*score)[24] = malloc((n ? n : 1) * sizeof(*score));
	size_t *start = calloc(np + 1, sizeof(*start));
	size_t *order = malloc((n ? n : 1) * sizeof(*order));

	if (!argv || !lens || !score || !start || !order) {
		flush_timers_one_by_one(ss);
	} else {
		/* Counting sort by partition (stable: first-seen order). */
		for (size_t i = 0; i < n; i++)
			start[ss->timers[i].partition + 1]++;
		for (size_t j = 0; j < np; j++)
			start[j + 1] += start[j];
		for (size_t i = 0; i < n; i++)
			order[start[ss->timers[i].partition]++] = i;
		for (size_t j = 0, from = 0; j < np; from = start[j++]) {
			size_t cnt = start[j] - from;
			if (!cnt)
				continue;
			queue_timers(ss, (int32_t)j, 1, order + from, cnt, argv, lens, score);
			queue_timers(ss, (int32_t)j, 0, order + from, cnt, argv, lens, score);
		}
	}
	free(argv);
	free(lens);
	free(score);
	free(start);
	free(order);
	ss->ntimers = 0;
}

void cw_ss_commit(struct cw_statestore *ss)
{
	flush_timers(ss);
	ss->in_tx = 0;
	cw_store_queue(ss->store, 1, (const char *[]){"EXEC"}, NULL);
}

void cw_ss_put_state(struct cw_statestore *ss, const char *sub,
		     int32_t partition, const uint8_t *blob, size_t len,
		     int closed, int64_t due)
{
	char key[CW_SS_KEY_MAX], score[24];
	size_t kl = state_key(ss, sub, key);
	const char *ttl = closed ? ss->ttl_closed : ss->ttl;

	cw_store_queue(ss->store, 5,
		       (const char *[]){"SET", key, (const char *)blob, "PX", ttl},
		       (const size_t[]){3, kl, len, 2, strlen(ttl)});
	if (!part_ok(ss, partition))
		return;
	if (due == INT64_MAX) {
		cw_ss_forget_due(ss, sub, partition);
	} else if (remember_timer(ss, sub, partition, due) < 0) {
		i64_to_str(due, score);
		cw_store_queue(ss->store, 4,
			       (const char *[]){"ZADD", ss->due_key[partition], score, sub},
			       NULL);
	}
}

void cw_ss_forget_due(struct cw_statestore *ss, const char *sub,
		      int32_t partition)
{
	if (part_ok(ss, partition) &&
	    remember_timer(ss, sub, partition, INT64_MAX) < 0)
		cw_store_queue(ss->store, 3,
			       (const char *[]){"ZREM", ss->due_key[partition], sub},
			       NULL);
}

void cw_ss_put_outbox(struct cw_statestore *ss, int32_t partition,
		      const char *alert_id, const char *json)
{
	if (part_ok(ss, partition))
		cw_store_queue(ss->store, 4,
			       (const char *[]){"HSET", ss->outbox_key[partition],
						alert_id, json},
			       NULL);
}

void cw_ss_delete_outbox(struct cw_statestore *ss, int32_t partition,
			 const char *alert_id)
{
	if (part_ok(ss, partition))
		cw_store_queue(ss->store, 3,
			       (const char *[]){"HDEL", ss->outbox_key[partition],
						alert_id},
			       NULL);
}

void cw_ss_put_sentinels(struct cw_statestore *ss, int32_t partition)
{
	char field[CW_SS_KEY_MAX];

	if (!part_ok(ss, partition))
		return;
	snprintf(field, sizeof(field), CW_STORE_SENTINEL_FIELD "%" PRId32, partition);
	cw_store_queue(ss->store, 4,
		       (const char *[]){"ZADD", ss->due_key[partition], "+inf",
					ss->sentinel},
		       NULL);
	cw_store_queue(ss->store, 4,
		       (const char *[]){"HSET", ss->off_key, field, "1"}, NULL);
}

void cw_ss_put_progress(struct cw_statestore *ss, const char *field,
			int64_t next_offset, int have_ts, int64_t newest_ts)
{
	char v[24];

	i64_to_str(next_offset, v);
	cw_store_queue(ss->store, 4,
		       (const char *[]){"HSET", ss->off_key, field, v}, NULL);
	if (have_ts) {
		i64_to_str(newest_ts, v);
		cw_store_queue(ss->store, 4,
			       (const char *[]){"HSET", ss->wm_key, field, v}, NULL);
	}
}

/* ---- assignment ------------------------------------------------------------ */

void cw_ss_queue_unwatch(struct cw_statestore *ss)
{
	cw_store_queue(ss->store, 1, (const char *[]){"UNWATCH"}, NULL);
}

int cw_ss_fence_key(const struct cw_statestore *ss, int32_t pair, char *buf,
		    size_t len)
{
	return cw_store_key(ss->store, buf, len, "fence:%s:%" PRId32, ss->group,
			    pair);
}

int cw_ss_queue_take_fence(struct cw_statestore *ss, int32_t pair)
{
	char key[CW_SS_KEY_MAX];

	if (cw_ss_fence_key(ss, pair, key, sizeof(key)) < 0)
		return -EINVAL;
	return cw_store_queue(ss->store, 2, (const char *[]){"INCR", key}, NULL);
}

int cw_ss_queue_offset(struct cw_statestore *ss, const char *field)
{
	return cw_store_queue(ss->store, 3,
			      (const char *[]){"HGET", ss->off_key, field}, NULL);
}

int cw_ss_queue_newest(struct cw_statestore *ss, const char *field)
{
	return cw_store_queue(ss->store, 3,
			      (const char *[]){"HGET", ss->wm_key, field}, NULL);
}

int cw_ss_queue_timer_sentinel(struct cw_statestore *ss, int32_t pair)
{
	if (!part_ok(ss, pair))
		return -EINVAL;
	return cw_store_queue(ss->store, 3,
			      (const char *[]){"ZSCORE", ss->due_key[pair],
					       ss->sentinel},
			      NULL);
}

int cw_ss_queue_offset_sentinel(struct cw_statestore *ss, int32_t pair)
{
	char field[CW_SS_KEY_MAX];

	snprintf(field, sizeof(field), CW_STORE_SENTINEL_FIELD "%" PRId32, pair);
	return cw_store_queue(ss->store, 3,
			      (const char *[]){"HGET", ss->off_key, field}, NULL);
}

int cw_ss_queue_outbox(struct cw_statestore *ss, int32_t pair)
{
	if (!part_ok(ss, pair))
		return -EINVAL;
	return cw_store_queue(ss->store, 2,
			      (const char *[]){"HGETALL", ss->outbox_key[pair]}, NULL);
}

void cw_ss_add_count(struct cw_statestore *ss, const char *month,
		     const char *field, int64_t delta)
{
	char key[CW_SS_KEY_MAX], d[24];

	if (cw_store_key(ss->store, key, sizeof(key), "kpi:%s", month) < 0)
		return;
	i64_to_str(delta, d);
	cw_store_queue(ss->store, 4, (const char *[]){"HINCRBY", key, field, d}, NULL);
}

void cw_ss_put_held(struct cw_statestore *ss, int32_t partition,
		    const char *alert_id, const char *record)
{
	if (part_ok(ss, partition))
		cw_store_queue(ss->store, 4,
			       (const char *[]){"HSET", ss->held_key[partition],
						alert_id, record},
			       NULL);
}

void cw_ss_drop_held(struct cw_statestore *ss, int32_t partition,
		     const char *alert_id)
{
	if (part_ok(ss, partition))
		cw_store_queue(ss->store, 3,
			       (const char *[]){"HDEL", ss->held_key[partition],
						alert_id},
			       NULL);
}

int cw_ss_queue_held(struct cw_statestore *ss, int32_t pair)
{
	if (!part_ok(ss, pair))
		return -EINVAL;
	return cw_store_queue(ss->store, 2,
			      (const char *[]){"HGETALL", ss->held_key[pair]}, NULL);
}

/* ---- tools ----------------------------------------------------------------- */

/* Run `each` over every key matching P<pattern>, SCAN in rounds. */
static int ss_scan(struct cw_statestore *ss, const char *pattern,
		   int (*each)(void *ctx, const char *key, size_t len),
		   void *ctx, char *err, size_t errlen)
{
	struct cw_store *s = ss->store;
	char match[160], cursor[32] = "0";

	if (cw_store_key(s, match, sizeof(match), "%s", pattern) < 0) {
		snprintf(err, errlen, "key prefix too long");
		return -1;
	}
	do {
		int i = cw_store_queue(s, 6, (const char *[]){"SCAN", cursor, "MATCH",
					     match, "COUNT", "1000"}, NULL);
		size_t len, nkeys;
		const char *cur;

		if (cw_store_exchange(s, err, errlen) < 0)
			return -1;
		nkeys = cw_store_reply_sublen(s, i, 1);
		cur = cw_store_reply_str(s, i, 0, &len);
		snprintf(cursor, sizeof(cursor), "%.*s", cur ? (int)len : 1, cur ? cur : "0");
		for (size_t k = 0; k < nkeys; k++) {
			const char *key = cw_store_reply_substr(s, i, 1, (int)k, &len);
			if (key && each(ctx, key, len) < 0) {
				cw_store_release(s);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
		cw_store_release(s);
	} while (strcmp(cursor, "0"));
	return 0;
}

struct ss_keys {
	char (*v)[160];
	size_t n, cap;
};

static int ss_collect(void *ctx, const char *key, size_t len)
{
	struct ss_keys *k = ctx;

	if (len >= sizeof(k->v[0]))
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		char (*v)[160] = realloc(k->v, cap * sizeof(*v));
		if (!v)
			return -1;
		k->v = v;
		k->cap = cap;
	}
	memcpy(k->v[k->n], key, len);
	k->v[k->n++][len] = '\0';
	return 0;
}

/* The subscriber's due time: its member in one of the due:<partition>
 * sets (a tool does not know the partition count: scan them). */
static int ss_find_due(struct cw_statestore *ss, const char *sub, int64_t *due,
		       char *err, size_t errlen)
{
	struct cw_store *s = ss->store;
	struct ss_keys keys = {0};
	int rc = -1;

	*due = INT64_MAX;
	if (ss_scan(ss, "due:*", ss_collect, &keys, err, errlen) < 0)
		goto out;
	for (size_t k = 0; k < keys.n; k++) {
		size_t len;
		char num[40];
		int i = cw_store_queue(s, 3, (const char *[]){"ZSCORE", keys.v[k], sub},
				       NULL);
		if (cw_store_exchange(s, err, errlen) < 0)
			goto out;
		const char *v = cw_store_reply_str(s, i, -1, &len);
		if (v && len < sizeof(num)) {
			memcpy(num, v, len);
			num[len] = '\0';
			if (strtoll(num, NULL, 10) < *due)
				*due = strtoll(num, NULL, 10);
		}
		cw_store_release(s);
	}
	rc = 0;
out:
	free(keys.v);
	return rc;
}

int cw_ss_read_subscriber(struct cw_statestore *ss, const char *sub,
			  uint8_t **blob, size_t *len, int64_t *due,
			  char *err, size_t errlen)
{
	struct cw_store *s = ss->store;
	char key[CW_SS_KEY_MAX];
	const char *v;
	int i;

	*blob = NULL;
	*len = 0;
	state_key(ss, sub, key);
	i = cw_store_queue(s, 2, (const char *[]){"GET", key}, NULL);
	if (cw_store_exchange(s, err, errlen) < 0)
		return -1;
	v = cw_store_reply_str(s, i, -1, len);
	if (v) {
		*blob = malloc(*len ? *len : 1);
		if (!*blob) {
			cw_store_release(s);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memcpy(*blob, v, *len);
	}
	cw_store_release(s);
	if (!*blob) {
		*due = INT64_MAX;
		return 0;
	}
	if (ss_find_due(ss, sub, due, err, errlen) < 0) {
		free(*blob);
		*blob = NULL;
		return -1;
	}
	return 0;
}

struct ss_unlinking {
	struct cw_store *s;
	long removed;
};

static int ss_unlink(void *ctx, const char *key, size_t len)
{
	struct ss_unlinking *u = ctx;

	cw_store_queue(u->s, 2, (const char *[]){"UNLINK", key}, (const size_t[]){6, len});
	u->removed++;
	return 0;
}

long cw_ss_drop_prefix(struct cw_statestore *ss, char *err, size_t errlen)
{
	struct ss_unlinking u = {ss->store, 0};

	/* UNLINKs queued by one SCAN round go with the next round's SCAN
	 * (or the last exchange below): deleting while scanning is safe,
	 * SCAN guarantees every key present throughout is returned. */
	if (ss_scan(ss, "*", ss_unlink, &u, err, errlen) < 0)
		return -1;
	if (cw_store_queued(ss->store) && cw_store_exchange(ss->store, err, errlen) < 0)
		return -1;
	cw_store_release(ss->store);
	return u.removed;
}

/* ---- retention worklists --------------------------------------------------- */

#define WORKLIST_TTL_MS "2678400000" /* 31 days */

static int task_keys(const struct cw_statestore *ss, const char *queue,
		     const char *day, char *zkey, char *hkey)
{
	return cw_store_key(ss->store, zkey, CW_SS_KEY_MAX, "wl:%s:%s", queue, day) < 0 ||
	       cw_store_key(ss->store, hkey, CW_SS_KEY_MAX, "wlj:%s:%s", queue, day) < 0
		       ? -1 : 0;
}

void cw_ss_put_task(struct cw_statestore *ss, const char *queue,
		    const char *day, const char *alert_id,
		    int64_t priority, const char *json)
{
	char zkey[CW_SS_KEY_MAX], hkey[CW_SS_KEY_MAX], score[24];

	if (task_keys(ss, queue, day, zkey, hkey) < 0)
		return;
	i64_to_str(priority, score);
	cw_store_queue(ss->store, 4, (const char *[]){"ZADD", zkey, score, alert_id}, NULL);
	cw_store_queue(ss->store, 4, (const char *[]){"HSET", hkey, alert_id, json}, NULL);
	/* Wall-clock expiry, refreshed by every write (as states' PX is):
	 * an absolute time from event time would delete a replayed
	 * history's lists at once. */
	cw_store_queue(ss->store, 3, (const char *[]){"PEXPIRE", zkey, WORKLIST_TTL_MS}, NULL);
	cw_store_queue(ss->store, 3, (const char *[]){"PEXPIRE", hkey, WORKLIST_TTL_MS}, NULL);
}

void cw_ss_raise_task(struct cw_statestore *ss, const char *queue,
		      const char *day, const char *task_id, int64_t priority)
{
	char zkey[CW_SS_KEY_MAX], hkey[CW_SS_KEY_MAX], score[24];

	if (task_keys(ss, queue, day, zkey, hkey) < 0)
		return;
	i64_to_str(priority, score);
	/* XX: a task whose list expired stays gone. */
	cw_store_queue(ss->store, 6, (const char *[]){"ZADD", zkey, "XX", "GT", score,
						      task_id}, NULL);
}

void cw_ss_worklist_free(struct cw_ss_task *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		free(t[i].alert_id);
		free(t[i].json);
	}
	free(t);
}

static char *dup_reply(const struct cw_store *s, int i, int j)
{
	size_t len;
	const char *v = cw_store_reply_str(s, i, j, &len);
	char *out;

	if (!v || !(out = malloc(len + 1)))
		return NULL;
	memcpy(out, v, len);
	out[len] = '\0';
	return out;
}

int cw_ss_read_worklist(struct cw_statestore *ss, const char *queue,
			const char *day, int64_t limit, struct cw_ss_task **out,
			size_t *n, size_t *total, char *err, size_t errlen)
{
	struct cw_store *s = ss->store;
	char zkey[CW_SS_KEY_MAX], hkey[CW_SS_KEY_MAX], stop[24];
	struct cw_ss_task *t = NULL;
	long long card = 0;
	size_t m;
	int zr, zc;

	*out = NULL;
	*n = *total = 0;
	if (limit <= 0)
		return 0;
	if (task_keys(ss, queue, day, zkey, hkey) < 0) {
		snprintf(err, errlen, "queue name '%s' too long for a key", queue);
		return -1;
	}
	i64_to_str(limit - 1, stop);
	zr = cw_store_queue(s, 5, (const char *[]){"ZREVRANGE", zkey, "0", stop,
						   "WITHSCORES"}, NULL);
	zc = cw_store_queue(s, 2, (const char *[]){"ZCARD", zkey}, NULL);
	if (cw_store_exchange(s, err, errlen) < 0)
		return -1;
	m = cw_store_reply_len(s, zr) / 2;
	(void)cw_store_reply_int(s, zc, &card);
	t = calloc(m ? m : 1, sizeof(*t));
	if (!t)
		goto oom;
	for (size_t i = 0; i < m; i++) {
		char *sc = dup_reply(s, zr, (int)(2 * i + 1));
		t[i].alert_id = dup_reply(s, zr, (int)(2 * i));
		t[i].priority = sc ? (int64_t)strtoll(sc, NULL, 10) : 0;
		free(sc);
		if (!t[i].alert_id) {
			cw_store_release(s);
			cw_ss_worklist_free(t, i + 1);
			goto oom;
		}
	}
	cw_store_release(s);
	if (m) {
		const char **argv = malloc((m + 2) * sizeof(*argv));
		if (!argv) {
			cw_ss_worklist_free(t, m);
			goto oom;
		}
		argv[0] = "HMGET";
		argv[1] = hkey;
		for (size_t i = 0; i < m; i++)
			argv[i + 2] = t[i].alert_id;
		int hr = cw_store_queue(s, (int)(m + 2), argv, NULL);
		free(argv);
		if (cw_store_exchange(s, err, errlen) < 0) {
			cw_ss_worklist_free(t, m);
			return -1;
		}
		for (size_t i = 0; i < m; i++)
			t[i].json = dup_reply(s, hr, (int)i);
		cw_store_release(s);
	}
	*out = t;
	*n = m;
	*total = (size_t)card;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

struct count_keys {
	char (*key)[CW_SS_KEY_MAX];
	size_t n, cap;
};

static int collect_count_key(void *ctx, const char *key, size_t len)
{
	struct count_keys *k = ctx;

	if (len >= CW_SS_KEY_MAX)
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 32;
		void *nk = realloc(k->key, cap * CW_SS_KEY_MAX);
		if (!nk)
			return -1;
		k->key = nk;
		k->cap = cap;
	}
	memcpy(k->key[k->n], key, len);
	k->key[k->n++][len] = '\0';
	return 0;
}

int cw_ss_read_counts(struct cw_statestore *ss,
		      int (*fn)(void *ctx, const char *month, const char *field,
				int64_t n),
		      void *ctx, char *err, size_t errlen)
{
	struct count_keys k = {NULL, 0, 0};
	int rc = -1;

	if (ss_scan(ss, "kpi:*", collect_count_key, &k, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < k.n; i++) {
		const char *month = k.key[i] + ss->prefix_len + 4; /* "kpi:" */
		int r = cw_store_queue(ss->store, 2, (const char *[]){"HGETALL", k.key[i]}, NULL);
		if (r < 0 || cw_store_exchange(ss->store, err, errlen) < 0)
			goto out;
		size_t m = cw_store_reply_len(ss->store, r);
		for (size_t j = 0; j + 1 < m; j += 2) {
			size_t fl, vl;
			const char *f = cw_store_reply_str(ss->store, r, (int)j, &fl);
			const char *v = cw_store_reply_str(ss->store, r, (int)j + 1, &vl);
			char field[160], num[32];
			if (!f || !v || fl >= sizeof(field) || vl >= sizeof(num))
				continue;
			memcpy(field, f, fl);
			field[fl] = '\0';
			memcpy(num, v, vl);
			num[vl] = '\0';
			if (fn(ctx, month, field, strtoll(num, NULL, 10)) < 0) {
				cw_store_release(ss->store);
				snprintf(err, errlen, "out of memory");
				goto out;
			}
		}
		cw_store_release(ss->store);
	}
	rc = 0;
out:
	free(k.key);
	return rc;
}
