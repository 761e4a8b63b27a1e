/*
 * refdata.c — plans.yaml and networks.yaml (CONTRACT §4).
 *
 * Plans are a sorted array searched with bsearch. Networks are a decimal
 * digit trie: classification walks at most CW_DIGITS_MAX nodes and keeps
 * the deepest operator seen, which is exactly "longest prefix wins" at a
 * cost independent of how many prefixes are configured (it runs per voice
 * CDR).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/event.h"
#include "cw/refdata.h"
#include "cw/yamlx.h"

/* ---- plans ---- */

struct cw_plan {
	char id[CW_PLAN_MAX + 1];
	int64_t fee;
};

struct cw_plans {
	struct cw_plan *v;
	size_t n;
};

static int plan_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cw_plan *)a)->id,
		      ((const struct cw_plan *)b)->id);
}

void cw_plans_free(struct cw_plans *p)
{
	if (!p)
		return;
	free(p->v);
	free(p);
}

/* Refuse keys other than `allowed` in a mapping, naming the offender. */
static int ref_only_keys(const struct yx_doc *d, const struct yx_node *map,
			 const char *const *allowed, const char *where,
			 char *err, size_t errlen)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct yx_node *k = map->items[2 * i];
		int ok = 0;

		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(k->str, *a);
		if (!ok) {
			yx_errf(err, errlen, d, k, "%s: unknown key '%s'", where,
				k->str);
			return -1;
		}
	}
	return 0;
}

static int ref_need_map(const struct yx_doc *d, const struct yx_node *n,
			const char *what, char *err, size_t errlen)
{
	if (n && n->kind == YX_MAP)
		return 0;
	yx_errf(err, errlen, d, n, "%s: expected a mapping, got %s", what,
		yx_kind_str(n));
	return -1;
}

static int plan_parse_one(const struct yx_doc *d, const struct yx_node *key,
			  const struct yx_node *val, struct cw_plan *out,
			  char *err, size_t errlen)
{
	static const char *const keys[] = {"fee", "name", "description", NULL};
	const struct yx_node *fee;

	if (key->len == 0 || key->len > CW_PLAN_MAX ||
	    strlen(key->str) != key->len) {
		yx_errf(err, errlen, d, key,
			"plan id must be 1 to %d characters", CW_PLAN_MAX);
		return -1;
	}
	if (ref_need_map(d, val, key->str, err, errlen) < 0 ||
	    ref_only_keys(d, val, keys, key->str, err, errlen) < 0)
		return -1;
	fee = yx_map_get(val, "fee");
	if (!fee) {
		yx_errf(err, errlen, d, val, "%s: missing 'fee'", key->str);
		return -1;
	}
	memcpy(out->id, key->str, key->len + 1);
	return yx_get_money(d, fee, "fee", 0,
			    CW_MONEY_MAX_UNITS * CW_MONEY_SCALE, &out->fee, err,
			    errlen);
}

static int plans_from_doc(const struct yx_doc *d, struct cw_plans *p,
			  char *err, size_t errlen)
{
	static const char *const top[] = {"plans", NULL};
	const struct yx_node *root = d->root, *plans;

	if (ref_need_map(d, root, "plans file", err, errlen) < 0 ||
	    ref_only_keys(d, root, top, "plans file", err, errlen) < 0)
		return -1;
	plans = yx_map_get(root, "plans");
	if (!plans) {
		yx_errf(err, errlen, d, root, "missing 'plans'");
		return -1;
	}
	if (yx_is_null(plans))
		return 0;
	if (ref_need_map(d, plans, "plans", err, errlen) < 0)
		return -1;
	p->v = calloc(plans->n ? plans->n : 1, sizeof(*p->v));
	if (!p->v) {
		yx_errf(err, errlen, d, plans, "out of memory");
		return -1;
	}
	/* duplicate ids are refused by yx_load (duplicate mapping key) */
	for (size_t i = 0; i < plans->n; i++) {
		if (plan_parse_one(d, plans->items[2 * i],
				   plans->items[2 * i + 1], &p->v[p->n], err,
				   errlen) < 0)
			return -1;
		p->n++;
	}
	qsort(p->v, p->n, sizeof(*p->v), plan_cmp);
	return 0;
}

int cw_plans_load_buf(const char *buf, size_t len, const char *name,
		      struct cw_plans **out, char *err, size_t errlen)
{
	struct yx_doc *d = NULL;
	struct cw_plans *p;
	int rc = -1;

	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	if (yx_load(buf, len, name, &d, err, errlen) < 0)
		goto out;
	if (plans_from_doc(d, p, err, errlen) < 0)
		goto out;
	*out = p;
	p = NULL;
	rc = 0;
out:
	cw_plans_free(p);
	yx_free(d);
	return rc;
}

int cw_plans_load(const char *path, struct cw_plans **out, char *err,
		  size_t errlen)
{
	char *buf = NULL;
	size_t len;
	int rc;

	if (yx_read_file(path, &buf, &len, err, errlen) < 0)
		return -1;
	rc = cw_plans_load_buf(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

int64_t cw_plans_fee(const struct cw_plans *p, const char *id)
{
	struct cw_plan key;
	const struct cw_plan *hit;
	size_t len;

	if (!p || !id || !p->n)
		return -1;
	len = strlen(id);
	if (len > CW_PLAN_MAX)
		return -1;
	memcpy(key.id, id, len + 1);
	hit = bsearch(&key, p->v, p->n, sizeof(*p->v), plan_cmp);
	return hit ? hit->fee : -1;
}

size_t cw_plans_count(const struct cw_plans *p)
{
	return p ? p->n : 0;
}

/* ---- networks ---- */

struct net_op {
	char name[CW_OPERATOR_NAME_MAX + 1];
};

struct net_trie {
	int32_t child[10]; /* 0: none (the root is never a child) */
	int32_t op;        /* operator ending a prefix here, -1: none */
	int line, col;     /* where that prefix was listed (duplicates) */
};

struct cw_networks {
	struct net_op *ops;
	size_t nops;
	size_t own;
	struct net_trie *t;
	size_t nt, capt;
	size_t nprefixes;
};

void cw_networks_free(struct cw_networks *n)
{
	if (!n)
		return;
	free(n->ops);
	free(n->t);
	free(n);
}

static int32_t net_new_node(struct cw_networks *n)
{
	if (n->nt == n->capt) {
		size_t cap = n->capt ? n->capt * 2 : 64;
		struct net_trie *t = realloc(n->t, cap * sizeof(*t));

		if (!t)
			return -1;
		n->t = t;
		n->capt = cap;
	}
	memset(&n->t[n->nt], 0, sizeof(n->t[0]));
	n->t[n->nt].op = -1;
	return (int32_t)n->nt++;
}

static int net_add_prefix(const struct yx_doc *d, struct cw_networks *n,
			  const struct yx_node *pfx, size_t op, char *err,
			  size_t errlen)
{
	const char *s;
	int32_t cur = 0;

	if (yx_get_str(d, pfx, "prefix", &s, err, errlen) < 0)
		return -1;
	if (pfx->len == 0 || pfx->len > CW_DIGITS_MAX ||
	    strspn(s, "0123456789") != pfx->len) {
		yx_errf(err, errlen, d, pfx,
			"prefix \"%s\" must be 1 to %d digits", s,
			CW_DIGITS_MAX);
		return -1;
	}
	for (; *s; s++) {
		int dgt = *s - '0';

		if (!n->t[cur].child[dgt]) {
			int32_t nn = net_new_node(n);

			if (nn < 0) {
				yx_errf(err, errlen, d, pfx, "out of memory");
				return -1;
			}
			n->t[cur].child[dgt] = nn;
		}
		cur = n->t[cur].child[dgt];
	}
	if (n->t[cur].op >= 0) {
		yx_errf(err, errlen, d, pfx,
			"prefix \"%s\" is listed twice (first for '%s' at line "
			"%d, column %d)",
			pfx->str, n->ops[n->t[cur].op].name, n->t[cur].line,
			n->t[cur].col);
		return -1;
	}
	n->t[cur].op = (int32_t)op;
	n->t[cur].line = pfx->line;
	n->t[cur].col = pfx->col;
	n->nprefixes++;
	return 0;
}

static int net_parse_op(const struct yx_doc *d, struct cw_networks *n,
			const struct yx_node *key, const struct yx_node *val,
			char *err, size_t errlen)
{
	static const char *const keys[] = {"prefixes", "description", NULL};
	const struct yx_node *pl;
	size_t op = n->nops;

	if (key->len == 0 || key->len > CW_OPERATOR_NAME_MAX ||
	    strlen(key->str) != key->len) {
		yx_errf(err, errlen, d, key,
			"operator name must be 1 to %d characters",
			CW_OPERATOR_NAME_MAX);
		return -1;
	}
	memcpy(n->ops[op].name, key->str, key->len + 1);
	n->nops++;
	if (ref_need_map(d, val, key->str, err, errlen) < 0 ||
	    ref_only_keys(d, val, keys, key->str, err, errlen) < 0)
		return -1;
	pl = yx_map_get(val, "prefixes");
	if (!pl) {
		yx_errf(err, errlen, d, val, "%s: missing 'prefixes'", key->str);
		return -1;
	}
	if (yx_is_null(pl))
		return 0;
	if (pl->kind != YX_SEQ) {
		yx_errf(err, errlen, d, pl,
			"%s: prefixes: expected a list of digit strings, got %s",
			key->str, yx_kind_str(pl));
		return -1;
	}
	for (size_t i = 0; i < pl->n; i++)
		if (net_add_prefix(d, n, pl->items[i], op, err, errlen) < 0)
			return -1;
	return 0;
}

static int networks_from_doc(const struct yx_doc *d, struct cw_networks *n,
			     char *err, size_t errlen)
{
	static const char *const top[] = {"own", "operators", NULL};
	const struct yx_node *root = d->root, *own, *ops;
	const char *own_name;

	if (ref_need_map(d, root, "networks file", err, errlen) < 0 ||
	    ref_only_keys(d, root, top, "networks file", err, errlen) < 0)
		return -1;
	own = yx_map_get(root, "own");
	ops = yx_map_get(root, "operators");
	if (!own || !ops) {
		yx_errf(err, errlen, d, root, "missing '%s'",
			own ? "operators" : "own");
		return -1;
	}
	if (yx_get_str(d, own, "own", &own_name, err, errlen) < 0 ||
	    ref_need_map(d, ops, "operators", err, errlen) < 0)
		return -1;
	n->ops = calloc(ops->n ? ops->n : 1, sizeof(*n->ops));
	if (!n->ops || net_new_node(n) < 0) {
		yx_errf(err, errlen, d, root, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < ops->n; i++)
		if (net_parse_op(d, n, ops->items[2 * i], ops->items[2 * i + 1],
				 err, errlen) < 0)
			return -1;
	for (n->own = 0; n->own < n->nops; n->own++)
		if (!strcmp(n->ops[n->own].name, own_name))
			return 0;
	yx_errf(err, errlen, d, own,
		"own: '%s' is not one of the listed operators", own_name);
	return -1;
}

int cw_networks_load_buf(const char *buf, size_t len, const char *name,
			 struct cw_networks **out, char *err, size_t errlen)
{
	struct yx_doc *d = NULL;
	struct cw_networks *n;
	int rc = -1;

	n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	if (yx_load(buf, len, name, &d, err, errlen) < 0)
		goto out;
	if (networks_from_doc(d, n, err, errlen) < 0)
		goto out;
	*out = n;
	n = NULL;
	rc = 0;
out:
	cw_networks_free(n);
	yx_free(d);
	return rc;
}

int cw_networks_load(const char *path, struct cw_networks **out, char *err,
		     size_t errlen)
{
	char *buf = NULL;
	size_t len;
	int rc;

	if (yx_read_file(path, &buf, &len, err, errlen) < 0)
		return -1;
	rc = cw_networks_load_buf(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

enum cw_net_class cw_networks_classify(const struct cw_networks *n,
				       const char *number,
				       const char **operator_name)
{
	int32_t cur = 0, best = -1;

	if (!n || !number || !n->nt)
		return CW_NET_UNKNOWN;
	for (size_t i = 0; i < CW_DIGITS_MAX && number[i] >= '0' &&
			   number[i] <= '9';
	     i++) {
		cur = n->t[cur].child[number[i] - '0'];
		if (!cur)
			break;
		if (n->t[cur].op >= 0)
			best = n->t[cur].op;
	}
	if (best < 0)
		return CW_NET_UNKNOWN;
	if (operator_name)
		*operator_name = n->ops[best].name;
	return (size_t)best == n->own ? CW_NET_OWN : CW_NET_COMPETITOR;
}

size_t cw_networks_prefix_count(const struct cw_networks *n)
{
	return n ? n->nprefixes : 0;
}
