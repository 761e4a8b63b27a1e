/*
 * limit.c — a rule's daily limit as a deterministic selection (limit.h).
 *
 * The book is a short list of groups, one per (rule, day) with held
 * candidates; each keeps its entries sorted best first, at most the
 * rule's limit, so a flood costs N entries per rule and day, not one per
 * subscriber. Binary search finds both an entry's place and a repeated
 * offer (the same alert id has the same priority: both are functions of
 * the subscriber's events).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cw/limit.h"
#include "cw/state.h"

struct group {
	uint32_t rule_hash;
	int32_t day;
	struct cw_limit_entry *e;   /* best first */
	size_t n, cap;
};

struct cw_limit_book {
	void (*free_payload)(void *);
	struct group *g;
	size_t ng, gcap;
	int32_t first_open;         /* days before it are closed */
	size_t held;
};

int cw_limit_rank_cmp(const struct cw_limit_entry *a,
		      const struct cw_limit_entry *b)
{
	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	return -strcmp(a->id, b->id);
}

int cw_limit_book_new(void (*free_payload)(void *), struct cw_limit_book **out)
{
	struct cw_limit_book *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->free_payload = free_payload;
	b->first_open = INT32_MIN;
	*out = b;
	return 0;
}

static void drop_payload(const struct cw_limit_book *b, void *payload)
{
	if (b->free_payload && payload)
		b->free_payload(payload);
}

void cw_limit_book_clear(struct cw_limit_book *b)
{
	for (size_t i = 0; i < b->ng; i++) {
		for (size_t j = 0; j < b->g[i].n; j++)
			drop_payload(b, b->g[i].e[j].payload);
		free(b->g[i].e);
	}
	b->ng = 0;
	b->held = 0;
}

void cw_limit_book_reset(struct cw_limit_book *b)
{
	cw_limit_book_clear(b);
	b->first_open = INT32_MIN;
}

void cw_limit_book_free(struct cw_limit_book *b)
{
	if (!b)
		return;
	cw_limit_book_clear(b);
	free(b->g);
	free(b);
}

static struct group *group_get(struct cw_limit_book *b, uint32_t rule_hash,
			       int32_t day)
{
	for (size_t i = 0; i < b->ng; i++)
		if (b->g[i].rule_hash == rule_hash && b->g[i].day == day)
			return &b->g[i];
	if (b->ng == b->gcap) {
		size_t cap = b->gcap ? 2 * b->gcap : 16;
		struct group *ng = realloc(b->g, cap * sizeof(*ng));
		if (!ng)
			return NULL;
		b->g = ng;
		b->gcap = cap;
	}
	b->g[b->ng] = (struct group){rule_hash, day, NULL, 0, 0};
	return &b->g[b->ng++];
}

/* Where `e` goes in g (best first); *same when it is there already. */
static size_t group_place(const struct group *g, const struct cw_limit_entry *e,
			  int *same)
{
	size_t lo = 0, hi = g->n;

	*same = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cw_limit_rank_cmp(&g->e[mid], e);
		if (c == 0) {
			*same = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int cw_limit_offer(struct cw_limit_book *b, const struct cw_limit_entry *e,
		   int64_t limit, struct cw_limit_entry *evicted,
		   int *have_evicted)
{
	struct group *g;
	size_t at;
	int same;

	*have_evicted = 0;
	if (e->day < b->first_open)
		return CW_LIMIT_LATE;
	if (limit <= 0)
		return CW_LIMIT_CUT;
	if (!(g = group_get(b, e->rule_hash, e->day)))
		return -ENOMEM;
	at = group_place(g, e, &same);
	if (same)
		return CW_LIMIT_DUP;
	if ((int64_t)at >= limit)
		return CW_LIMIT_CUT;
	if (g->n == g->cap && (int64_t)g->n < limit) {
		size_t cap = g->cap ? 2 * g->cap : 8;
		if ((int64_t)cap > limit)
			cap = (size_t)limit;
		struct cw_limit_entry *ne = realloc(g->e, cap * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		g->e = ne;
		g->cap = cap;
	}
	if ((int64_t)g->n >= limit) {
		/* Full: the last one makes room (a reload may have lowered
		 * the limit below what is held; one goes per offer). */
		*evicted = g->e[g->n - 1];
		*have_evicted = 1;
		g->n--;
		b->held--;
	}
	memmove(&g->e[at + 1], &g->e[at], (g->n - at) * sizeof(*g->e));
	g->e[at] = *e;
	g->n++;
	b->held++;
	return CW_LIMIT_KEPT;
}

size_t cw_limit_held(const struct cw_limit_book *b)
{
	return b->held;
}

int32_t cw_limit_oldest_day(const struct cw_limit_book *b)
{
	int32_t d = INT32_MAX;

	for (size_t i = 0; i < b->ng; i++)
		if (b->g[i].n && b->g[i].day < d)
			d = b->g[i].day;
	return d;
}

static int group_order(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;

	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return a->rule_hash < b->rule_hash ? -1 : a->rule_hash > b->rule_hash;
}

void cw_limit_close(struct cw_limit_book *b, int32_t first_open,
		    int64_t (*limit_of)(void *ctx, uint32_t rule_hash),
		    void (*fn)(void *ctx, struct cw_limit_entry *e, int admitted),
		    void *ctx)
{
	size_t kept = 0;

	if (first_open <= b->first_open)
		return;
	b->first_open = first_open;
	if (b->ng > 1)
		qsort(b->g, b->ng, sizeof(*b->g), group_order);
	for (size_t i = 0; i < b->ng; i++) {
		struct group *g = &b->g[i];
		if (g->day >= first_open) {
			b->g[kept++] = *g;
			continue;
		}
		int64_t limit = limit_of ? limit_of(ctx, g->rule_hash) : 0;
		for (size_t j = 0; j < g->n; j++)
			fn(ctx, &g->e[j], (int64_t)j < limit);
		b->held -= g->n;
		free(g->e);
	}
	b->ng = kept;
}

int64_t cw_limit_of_rule(const struct cw_engine *e, uint32_t rule_hash)
{
	const struct cw_rule *r = cw_rules_by_hash(e->rules, e->rule_hash, rule_hash);

	return r && r->enabled ? r->limit_per_day : 0;
}

void cw_limit_entry_of(const struct cw_engine *e, const struct cw_alert *a,
		       int32_t partition, void *payload,
		       struct cw_limit_entry *out)
{
	size_t idx = (size_t)(a->rule - e->rules->rules);

	out->rule_hash = idx < CW_RULES_MAX ? e->rule_hash[idx] : 0;
	out->day = cw_day_of(a->ts_ms, 0);
	out->partition = partition;
	out->priority = a->priority;
	memcpy(out->id, a->alert_id, sizeof(out->id));
	out->payload = payload;
}
