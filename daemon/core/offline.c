/*
 * offline.c — the in-memory event-time driver (see offline.h).
 *
 * Subscribers live in a dense array of entries (index = stable id); an
 * open-addressing table maps a subscriber string to its entry, and a binary
 * min-heap of entry ids orders pending timers by due time (ties by id, so
 * runs are deterministic). Each entry holds its state as an encoded blob.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "cw/batch.h"
#include "cw/limit.h"
#include "cw/offline.h"

#define OFF_NONE UINT32_MAX

struct off_entry {
	char sub[CW_SUB_MAX + 1];
	uint32_t heap_pos;      /* OFF_NONE: no pending timer */
	int64_t due;
	uint8_t *blob;          /* owned; NULL for a never-encoded state */
	uint32_t len;
	uint32_t cap;
};


struct cw_offline {
	const struct cw_engine *e;      /* borrowed */
	struct cw_alert_sink user;      /* where passing alerts go */
	struct cw_alert_sink guard;     /* what the engine calls */

	struct off_entry *ent;
	uint32_t nent, cap_ent;
	uint32_t *table;                /* entry id per slot, OFF_NONE empty */
	uint32_t table_cap;             /* power of two */
	uint32_t *heap;                 /* entry ids; room for cap_heap */
	uint32_t nheap, cap_heap;

	struct cw_limit_book *book;     /* limited rules' open days */

	struct cw_state *st;            /* scratch, decoded per subscriber */
	uint8_t *buf;                   /* scratch, CW_STATE_BLOB_MAX */
	struct cw_offline_stats stats;
};

/* ---- rule limits: limit.h's daily selection, as in the daemon --------- */

static void hand_to_user(struct cw_offline *o, const struct cw_alert *a)
{
	o->stats.alerts++;
	if (o->user.emit)
		(void)o->user.emit(o->user.ctx, a);
}

/* An alert of a limited rule waits for its day to close (a copy: the
 * engine's is on its stack). Always "taken": the firing and its task
 * are the subscriber's whatever the day's selection says, as live. */
static void hold(struct cw_offline *o, const struct cw_alert *a)
{
	struct cw_alert *copy = malloc(sizeof(*copy));
	struct cw_limit_entry e, out;
	int evicted = 0, rc;

	if (!copy) {
		o->stats.suppressed++; /* cannot hold it: never published */
		return;
	}
	*copy = *a;
	cw_limit_entry_of(o->e, a, -1, copy, &e);
	rc = cw_limit_offer(o->book, &e, a->rule->limit_per_day, &out, &evicted);
	if (rc != CW_LIMIT_KEPT) {
		free(copy);
		if (rc != CW_LIMIT_DUP)
			o->stats.suppressed++;
	}
	if (evicted) {
		free(out.payload);
		o->stats.suppressed++;
	}
}

static int guard_emit(void *ctx, const struct cw_alert *a)
{
	struct cw_offline *o = ctx;

	if (a->rule->limit_per_day > 0)
		hold(o, a);
	else
		hand_to_user(o, a);
	return 0;
}

static void close_one(void *ctx, struct cw_limit_entry *e, int admitted)
{
	struct cw_offline *o = ctx;

	if (admitted)
		hand_to_user(o, e->payload);
	else
		o->stats.suppressed++;
	free(e->payload);
}

static int64_t limit_of(void *ctx, uint32_t rule_hash)
{
	const struct cw_offline *o = ctx;

	return cw_limit_of_rule(o->e, rule_hash);
}

/* Every timer up to the watermark has run: the days before it are
 * complete, so their selections are final. */
static void close_days(struct cw_offline *o, int64_t watermark)
{
	if (watermark == INT64_MIN || watermark == INT64_MAX)
		return;
	cw_limit_close(o->book, cw_day_of(watermark + 1, 0), limit_of, close_one, o);
}

/* ---- subscriber table ---------------------------------------------------- */

static uint32_t sub_hash(const char *sub)
{
	return XXH32(sub, strlen(sub), 0x6f66666c);
}

static uint32_t *table_slot(const struct cw_offline *o, const char *sub)
{
	uint32_t mask = o->table_cap - 1;

	for (uint32_t i = sub_hash(sub) & mask;; i = (i + 1) & mask) {
		uint32_t id = o->table[i];
		if (id == OFF_NONE || !strcmp(o->ent[id].sub, sub))
			return &o->table[i];
	}
}

static int table_grow(struct cw_offline *o)
{
	uint32_t ncap = o->table_cap ? o->table_cap * 2 : 1024;
	uint32_t *old = o->table, ocap = o->table_cap;
	uint32_t *t = malloc((size_t)ncap * sizeof(*t));

	if (!t || ncap < o->table_cap) {
		free(t);
		return -ENOMEM;
	}
	memset(t, 0xff, (size_t)ncap * sizeof(*t));
	o->table = t;
	o->table_cap = ncap;
	for (uint32_t i = 0; i < ocap; i++)
		if (old[i] != OFF_NONE)
			*table_slot(o, o->ent[old[i]].sub) = old[i];
	free(old);
	return 0;
}

static const struct off_entry *lookup(const struct cw_offline *o,
				      const char *sub)
{
	uint32_t id;

	if (!o->table_cap)
		return NULL;
	id = *table_slot(o, sub);
	return id == OFF_NONE ? NULL : &o->ent[id];
}

/* Find or create the entry of `sub`; returns its id or OFF_NONE (ENOMEM). */
static uint32_t entry_get(struct cw_offline *o, const char *sub)
{
	uint32_t *slot, id;

	/* Keep the load factor under 1/2. */
	if ((uint64_t)(o->nent + 1) * 2 > o->table_cap && table_grow(o) < 0)
		return OFF_NONE;
	slot = table_slot(o, sub);
	if (*slot != OFF_NONE)
		return *slot;
	if (o->nent == o->cap_ent) {
		uint32_t ncap = o->cap_ent ? o->cap_ent * 2 : 1024;
		struct off_entry *n = realloc(o->ent, (size_t)ncap * sizeof(*n));
		if (!n)
			return OFF_NONE;
		o->ent = n;
		o->cap_ent = ncap;
	}
	id = o->nent++;
	memset(&o->ent[id], 0, sizeof(o->ent[id]));
	memcpy(o->ent[id].sub, sub, strnlen(sub, CW_SUB_MAX));
	o->ent[id].heap_pos = OFF_NONE;
	o->ent[id].due = INT64_MAX;
	*slot = id;
	o->stats.subscribers++;
	return id;
}

/* ---- timer heap -------------------------------------------------------- */

static int heap_less(const struct cw_offline *o, uint32_t a, uint32_t b)
{
	if (o->ent[a].due != o->ent[b].due)
		return o->ent[a].due < o->ent[b].due;
	return a < b;
}

static void heap_set(struct cw_offline *o, uint32_t pos, uint32_t id)
{
	o->heap[pos] = id;
	o->ent[id].heap_pos = pos;
}

static void heap_up(struct cw_offline *o, uint32_t pos)
{
	uint32_t id = o->heap[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;
		if (!heap_less(o, id, o->heap[parent]))
			break;
		heap_set(o, pos, o->heap[parent]);
		pos = parent;
	}
	heap_set(o, pos, id);
}

static void heap_down(struct cw_offline *o, uint32_t pos)
{
	uint32_t id = o->heap[pos];

	for (;;) {
		uint32_t c = 2 * pos + 1;
		if (c >= o->nheap)
			break;
		if (c + 1 < o->nheap && heap_less(o, o->heap[c + 1], o->heap[c]))
			c++;
		if (!heap_less(o, o->heap[c], id))
			break;
		heap_set(o, pos, o->heap[c]);
		pos = c;
	}
	heap_set(o, pos, id);
}

static void heap_remove(struct cw_offline *o, uint32_t id)
{
	uint32_t pos = o->ent[id].heap_pos, last;

	if (pos == OFF_NONE)
		return;
	o->ent[id].heap_pos = OFF_NONE;
	last = o->heap[--o->nheap];
	if (pos == o->nheap)
		return;
	heap_set(o, pos, last);
	heap_up(o, pos);
	heap_down(o, o->ent[last].heap_pos);
}

/* The heap array has room for every entry (grown with ent). */
static int heap_reserve(struct cw_offline *o)
{
	uint32_t *h;

	if (o->cap_heap >= o->cap_ent)
		return 0;
	h = realloc(o->heap, (size_t)o->cap_ent * sizeof(*h));
	if (!h)
		return -ENOMEM;
	o->heap = h;
	o->cap_heap = o->cap_ent;
	return 0;
}

static void schedule(struct cw_offline *o, uint32_t id, int64_t due)
{
	struct off_entry *en = &o->ent[id];

	heap_remove(o, id);
	en->due = due;
	if (due == INT64_MAX)
		return;
	heap_set(o, o->nheap++, id);
	heap_up(o, en->heap_pos);
}

/* ---- state round trip --------------------------------------------------- */

/* Keep the step's encoding (o->buf, n bytes) as entry `id`'s state and
 * re-schedule it. */
static int keep_blob(struct cw_offline *o, uint32_t id, int n, int64_t due)
{
	struct off_entry *en = &o->ent[id];

	if ((uint32_t)n > en->cap) {
		uint8_t *b = realloc(en->blob, (size_t)n);
		if (!b)
			return -ENOMEM;
		en->blob = b;
		en->cap = (uint32_t)n;
	}
	memcpy(en->blob, o->buf, (size_t)n);
	o->stats.state_bytes += (uint64_t)n;
	o->stats.state_bytes -= en->len;
	en->len = (uint32_t)n;
	if ((uint64_t)n > o->stats.state_max)
		o->stats.state_max = (uint64_t)n;
	schedule(o, id, due);
	return 0;
}

/* Run batch.h's step for entry `id` (its events: the chain from `first`,
 * none when -1) and keep what it encoded. */
static int step(struct cw_offline *o, uint32_t id, const struct cw_event *ev,
		int64_t watermark, struct cw_step_result *r)
{
	static const int no_next = -1;
	struct off_entry *en = &o->ent[id];

	cw_batch_step(o->e, o->st, en->sub, en->blob, en->len, ev, &no_next,
		      ev ? 0 : -1, INT64_MIN, watermark, &o->guard, o->buf, r);
	if (r->len < 0)
		return -EOVERFLOW;
	return keep_blob(o, id, r->len, r->next_due);
}


/* ---- public ------------------------------------------------------------ */

int cw_offline_new(const struct cw_engine *engine,
		   const struct cw_alert_sink *sink, struct cw_offline **out)
{
	struct cw_offline *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->st = malloc(sizeof(*o->st));
	o->buf = malloc(CW_STATE_BLOB_MAX);
	if (!o->st || !o->buf || cw_limit_book_new(free, &o->book) < 0) {
		cw_offline_free(o);
		return -ENOMEM;
	}
	o->e = engine;
	if (sink)
		o->user = *sink;
	o->guard = (struct cw_alert_sink){.emit = guard_emit, .ctx = o};
	o->stats.watermark = INT64_MIN;
	*out = o;
	return 0;
}

void cw_offline_free(struct cw_offline *o)
{
	if (!o)
		return;
	for (uint32_t i = 0; i < o->nent; i++)
		free(o->ent[i].blob);
	free(o->ent);
	free(o->table);
	free(o->heap);
	free(o->st);
	free(o->buf);
	cw_limit_book_free(o->book);
	free(o);
}

int cw_offline_event(struct cw_offline *o, const struct cw_event *ev)
{
	uint32_t id = entry_get(o, ev->subscriber);
	struct cw_step_result r;
	int rc;

	if (id == OFF_NONE || heap_reserve(o) < 0)
		return -ENOMEM;
	o->stats.events++;
	/* Timers due before a duplicate still ran: keep the state either way. */
	rc = step(o, id, ev, INT64_MIN, &r);
	if (rc < 0)
		return rc;
	if (r.duplicates) {
		o->stats.duplicates++;
		return 1;
	}
	return 0;
}

int cw_offline_advance_some(struct cw_offline *o, int64_t watermark,
			    size_t max)
{
	int run = 0;

	if (watermark < o->stats.watermark)
		return 0;
	o->stats.watermark = watermark;
	while (o->nheap && o->ent[o->heap[0]].due <= watermark &&
	       (max == 0 || (size_t)run < max)) {
		uint32_t id = o->heap[0];
		struct cw_step_result r;
		int rc = step(o, id, NULL, watermark, &r);

		if (rc < 0) {
			schedule(o, id, INT64_MAX); /* keep the old blob */
			return rc;
		}
		/* The engine runs every timer up to the watermark; one still
		 * due would loop here forever, so park it. */
		if (o->ent[id].due <= watermark)
			schedule(o, id, INT64_MAX);
		o->stats.timer_runs++;
		run++;
	}
	if (!o->nheap || o->ent[o->heap[0]].due > watermark)
		close_days(o, watermark);
	return run;
}

int cw_offline_advance(struct cw_offline *o, int64_t watermark)
{
	return cw_offline_advance_some(o, watermark, 0);
}

int64_t cw_offline_next_due(const struct cw_offline *o)
{
	return o->nheap ? o->ent[o->heap[0]].due : INT64_MAX;
}

void cw_offline_stats(const struct cw_offline *o,
		      struct cw_offline_stats *out)
{
	*out = o->stats;
	out->due = o->nheap;
	out->held = cw_limit_held(o->book);
}

int cw_offline_state(const struct cw_offline *o, const char *subscriber,
		     struct cw_state *st)
{
	const struct off_entry *en = lookup(o, subscriber);

	if (!en)
		return -ENOENT;
	if (!en->blob) {
		cw_state_init(st);
		return 0;
	}
	return cw_state_decode(st, &o->e->profile, en->blob, en->len) < 0
		       ? -EINVAL
		       : 0;
}

long cw_offline_state_size(const struct cw_offline *o, const char *subscriber)
{
	const struct off_entry *en = lookup(o, subscriber);

	return en ? (long)en->len : -1;
}

int cw_offline_foreach(const struct cw_offline *o,
		       int (*fn)(void *ctx, const char *subscriber,
				 const struct cw_state *st),
		       void *ctx)
{
	for (uint32_t i = 0; i < o->nent; i++) {
		const struct off_entry *en = &o->ent[i];
		int rc;

		if (!en->blob)
			cw_state_init(o->st);
		else if (cw_state_decode(o->st, &o->e->profile, en->blob,
					 en->len) < 0)
			return -EINVAL;
		rc = fn(ctx, en->sub, o->st);
		if (rc)
			return rc;
	}
	return 0;
}
