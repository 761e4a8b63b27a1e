/*
 * routing.c — routing.yaml (see routing.h): queues with their daily
 * capacity, first-match routes over an alert's attributes, a default.
 *
 *   queues:
 *     high-value-care: {capacity: 200}
 *     mass-outbound:   {capacity: 2000}
 *   routes:
 *     - match: {arpu_tier: high}
 *       queue: high-value-care
 *     - match: {rule: [offnet-forward, portout-request], labels.team: county}
 *       queue: county-managers
 *   default: mass-outbound
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/engine.h"
#include "cw/routing.h"
#include "cw/rules.h"
#include "cw/state.h"
#include "cw/strutil.h"
#include "cw/yamlx.h"

#define RT_VALUES_MAX 32
#define RT_CONDS_MAX 8

enum rt_attr { RA_RULE, RA_SEVERITY, RA_ARPU_TIER, RA_TENURE_STAGE, RA_PLAN, RA_REGION,
	       RA_LABEL };

static const char *const rt_attr_names[] = {
	"rule", "severity", "arpu_tier", "tenure_stage", "plan", "region", "labels.<name>",
};

struct rt_cond {
	enum rt_attr attr;
	char *label;                  /* RA_LABEL: the label's name */
	char *values[RT_VALUES_MAX];  /* any of them */
	int vline[RT_VALUES_MAX], vcol[RT_VALUES_MAX];
	size_t nvalues;
};

struct rt_route {
	struct rt_cond conds[RT_CONDS_MAX];
	size_t nconds;
	size_t queue;
};

struct rt_queue {
	char name[CW_QUEUE_NAME_MAX + 1];
	int64_t capacity;
};

struct cw_routing {
	char *file;                   /* for messages after loading */
	struct rt_queue queues[CW_QUEUES_MAX];
	size_t nqueues;
	struct rt_route *routes;
	size_t nroutes;
	size_t def;
	struct cw_budget budget;
};

void cw_routing_free(struct cw_routing *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nroutes; i++)
		for (size_t c = 0; c < r->routes[i].nconds; c++) {
			struct rt_cond *k = &r->routes[i].conds[c];
			free(k->label);
			for (size_t v = 0; v < k->nvalues; v++)
				free(k->values[v]);
		}
	free(r->routes);
	free(r->file);
	free(r);
}

/* ---- loading ---------------------------------------------------------------- */

static int need_kind(const struct yx_doc *d, const struct yx_node *n,
		     enum yx_kind kind, const char *what, char *err, size_t errlen)
{
	if (n && n->kind == kind)
		return 0;
	yx_errf(err, errlen, d, n, "%s: expected a %s, got %s", what,
		kind == YX_MAP ? "mapping" : kind == YX_SEQ ? "list" : "scalar",
		yx_kind_str(n));
	return -1;
}

/* Keys of map n must be among `allowed` (NULL-terminated). */
static int only_keys(const struct yx_doc *d, const struct yx_node *n,
		     const char *const *allowed, const char *what, char *err,
		     size_t errlen)
{
	for (size_t i = 0; i < n->n; i++) {
		const struct yx_node *k = n->items[2 * i];
		size_t j;
		for (j = 0; allowed[j]; j++)
			if (!strcmp(k->str, allowed[j]))
				break;
		if (!allowed[j]) {
			yx_errf(err, errlen, d, k, "%s: unknown key '%s'", what, k->str);
			return -1;
		}
	}
	return 0;
}

static int queue_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > CW_QUEUE_NAME_MAX || strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static long find_queue(const struct cw_routing *r, const char *name)
{
	for (size_t i = 0; i < r->nqueues; i++)
		if (!strcmp(r->queues[i].name, name))
			return (long)i;
	return -1;
}

/* A queue name that must be declared; the suggestion is the closest. */
static int ref_queue(const struct yx_doc *d, const struct yx_node *n,
		     const struct cw_routing *r, size_t *out, char *err,
		     size_t errlen)
{
	const char *s;
	long q;

	if (yx_get_str(d, n, "queue", &s, err, errlen) < 0)
		return -1;
	q = find_queue(r, s);
	if (q < 0) {
		const char *best = NULL;
		size_t bestd = 3;
		for (size_t i = 0; i < r->nqueues; i++) {
			size_t dd = cw_edit_distance(s, strlen(s), r->queues[i].name,
						     strlen(r->queues[i].name), 0);
			if (dd < bestd) {
				bestd = dd;
				best = r->queues[i].name;
			}
		}
		yx_errf(err, errlen, d, n, "queue '%s' is not declared under "
			"queues:%s%s%s", s, best ? " (did you mean '" : "",
			best ? best : "", best ? "'?)" : "");
		return -1;
	}
	*out = (size_t)q;
	return 0;
}

static int load_queues(const struct yx_doc *d, const struct yx_node *qs,
		       struct cw_routing *r, char *err, size_t errlen)
{
	static const char *const keys[] = {"capacity", NULL};

	if (!qs) {
		yx_errf(err, errlen, d, d->root, "missing 'queues'");
		return -1;
	}
	if (need_kind(d, qs, YX_MAP, "queues", err, errlen) < 0)
		return -1;
	if (qs->n == 0 || qs->n > CW_QUEUES_MAX) {
		yx_errf(err, errlen, d, qs, "queues: 1 to %d queues, got %zu",
			CW_QUEUES_MAX, qs->n);
		return -1;
	}
	for (size_t i = 0; i < qs->n; i++) {
		const struct yx_node *k = qs->items[2 * i], *v = qs->items[2 * i + 1];
		const struct yx_node *cap;
		struct rt_queue *q = &r->queues[r->nqueues];

		if (!queue_name_ok(k->str, k->len)) {
			yx_errf(err, errlen, d, k, "queue name must be 1 to %d "
				"letters, digits, '-', '_' or '.'", CW_QUEUE_NAME_MAX);
			return -1;
		}
		if (need_kind(d, v, YX_MAP, k->str, err, errlen) < 0 ||
		    only_keys(d, v, keys, k->str, err, errlen) < 0)
			return -1;
		cap = yx_map_get(v, "capacity");
		if (!cap) {
			yx_errf(err, errlen, d, v, "%s: missing 'capacity' (tasks a day)",
				k->str);
			return -1;
		}
		if (yx_get_int(d, cap, "capacity", 1, 10000000, &q->capacity, err,
			       errlen) < 0)
			return -1;
		memcpy(q->name, k->str, k->len + 1);
		r->nqueues++;
	}
	return 0;
}

/* Is `s` one of the values attribute `a` can take? */
static int value_ok(enum rt_attr a, const char *s)
{
	static const char *const tiers[] = {"low", "mid", "high", NULL};
	static const char *const stages[] = {"new", "stable", "mature", NULL};
	const char *const *set = a == RA_ARPU_TIER ? tiers
				 : a == RA_TENURE_STAGE ? stages : NULL;

	if (a == RA_SEVERITY) {
		for (int v = 0; v < CW_SEV__COUNT; v++)
			if (!strcmp(s, cw_severity_str((enum cw_severity)v)))
				return 1;
		return 0;
	}
	if (a == RA_REGION) {
		/* As an event's region can be (docs/events.md). */
		size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789_.-");
		return n > 0 && n <= CW_REGION_MAX && s[n] == '\0';
	}
	if (!set)
		return *s != '\0';
	for (size_t i = 0; set[i]; i++)
		if (!strcmp(s, set[i]))
			return 1;
	return 0;
}

static int add_value(const struct yx_doc *d, const struct yx_node *n,
		     struct rt_cond *c, const char *what, char *err, size_t errlen)
{
	const char *s;

	if (yx_get_str(d, n, what, &s, err, errlen) < 0)
		return -1;
	if (!value_ok(c->attr, s)) {
		yx_errf(err, errlen, d, n, "%s: '%s' is not a value it can take%s",
			what, s,
			c->attr == RA_ARPU_TIER ? " (low, mid, high)"
			: c->attr == RA_TENURE_STAGE ? " (new, stable, mature)"
			: c->attr == RA_SEVERITY ? " (info, low, medium, high, critical)"
			: c->attr == RA_REGION ? " (1-32 of A-Z a-z 0-9 _ . -)"
			: "");
		return -1;
	}
	if (c->nvalues == RT_VALUES_MAX) {
		yx_errf(err, errlen, d, n, "%s: at most %d values", what, RT_VALUES_MAX);
		return -1;
	}
	c->values[c->nvalues] = strdup(s);
	if (!c->values[c->nvalues]) {
		yx_errf(err, errlen, d, n, "out of memory");
		return -1;
	}
	c->vline[c->nvalues] = n->vline ? n->vline : n->line;
	c->vcol[c->nvalues] = n->vcol ? n->vcol : n->col;
	c->nvalues++;
	return 0;
}

static int parse_attr(const struct yx_doc *d, const struct yx_node *k,
		      struct rt_cond *c, char *err, size_t errlen)
{
	static const struct { const char *name; enum rt_attr a; } known[] = {
		{"rule", RA_RULE}, {"severity", RA_SEVERITY},
		{"arpu_tier", RA_ARPU_TIER}, {"tenure_stage", RA_TENURE_STAGE},
		{"plan", RA_PLAN}, {"region", RA_REGION},
	};

	if (!strncmp(k->str, "labels.", 7) && k->str[7]) {
		c->attr = RA_LABEL;
		c->label = strdup(k->str + 7);
		if (!c->label) {
			yx_errf(err, errlen, d, k, "out of memory");
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(k->str, known[i].name)) {
			c->attr = known[i].a;
			return 0;
		}
	const char *best = NULL;
	size_t bestd = 3;
	for (size_t i = 0; i < sizeof(rt_attr_names) / sizeof(rt_attr_names[0]); i++) {
		size_t dd = cw_edit_distance(k->str, k->len, rt_attr_names[i],
					     strlen(rt_attr_names[i]), 0);
		if (dd < bestd) {
			bestd = dd;
			best = rt_attr_names[i];
		}
	}
	yx_errf(err, errlen, d, k, "match: unknown attribute '%s'%s%s%s (rule, "
		"severity, arpu_tier, tenure_stage, plan, region, labels.<name>)", k->str,
		best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
	return -1;
}

static int load_match(const struct yx_doc *d, const struct yx_node *m,
		      struct rt_route *rt, char *err, size_t errlen)
{
	if (need_kind(d, m, YX_MAP, "match", err, errlen) < 0)
		return -1;
	if (m->n > RT_CONDS_MAX) {
		yx_errf(err, errlen, d, m, "match: at most %d attributes", RT_CONDS_MAX);
		return -1;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct yx_node *k = m->items[2 * i], *v = m->items[2 * i + 1];
		struct rt_cond *c = &rt->conds[rt->nconds++];

		if (parse_attr(d, k, c, err, errlen) < 0)
			return -1;
		if (v && v->kind == YX_SEQ) {
			if (v->n == 0) {
				yx_errf(err, errlen, d, v, "%s: an empty list matches "
					"nothing", k->str);
				return -1;
			}
			for (size_t j = 0; j < v->n; j++)
				if (add_value(d, v->items[j], c, k->str, err, errlen) < 0)
					return -1;
		} else if (add_value(d, v, c, k->str, err, errlen) < 0) {
			return -1;
		}
	}
	return 0;
}

static int load_routes(const struct yx_doc *d, const struct yx_node *rs,
		       struct cw_routing *r, char *err, size_t errlen)
{
	static const char *const keys[] = {"match", "queue", NULL};

	if (!rs || yx_is_null(rs))
		return 0;
	if (need_kind(d, rs, YX_SEQ, "routes", err, errlen) < 0)
		return -1;
	if (rs->n > CW_ROUTES_MAX) {
		yx_errf(err, errlen, d, rs, "routes: at most %d", CW_ROUTES_MAX);
		return -1;
	}
	r->routes = calloc(rs->n ? rs->n : 1, sizeof(*r->routes));
	if (!r->routes) {
		yx_errf(err, errlen, d, rs, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < rs->n; i++) {
		const struct yx_node *it = rs->items[i], *m, *q;
		struct rt_route *rt = &r->routes[r->nroutes++];

		if (need_kind(d, it, YX_MAP, "route", err, errlen) < 0 ||
		    only_keys(d, it, keys, "route", err, errlen) < 0)
			return -1;
		m = yx_map_get(it, "match");
		q = yx_map_get(it, "queue");
		if (!q) {
			yx_errf(err, errlen, d, it, "route: missing 'queue'");
			return -1;
		}
		if (!m) {
			yx_errf(err, errlen, d, it, "route: missing 'match' (use the "
				"top-level 'default' for what nothing else matches)");
			return -1;
		}
		if (load_match(d, m, rt, err, errlen) < 0 ||
		    ref_queue(d, q, r, &rt->queue, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int load_budget(const struct yx_doc *d, const struct yx_node *b,
		       struct cw_routing *r, char *err, size_t errlen)
{
	static const char *const keys[] = {"task_open", "contacts", "window", NULL};
	const struct yx_node *n;

	r->budget = (struct cw_budget){7 * 86400000LL, 2, 30 * 86400000LL};
	if (!b || yx_is_null(b))
		return 0;
	if (need_kind(d, b, YX_MAP, "budget", err, errlen) < 0 ||
	    only_keys(d, b, keys, "budget", err, errlen) < 0)
		return -1;
	if ((n = yx_map_get(b, "task_open")) &&
	    yx_get_duration(d, n, "budget.task_open", 3600000LL, 365 * 86400000LL,
			    &r->budget.task_open_ms, err, errlen) < 0)
		return -1;
	if ((n = yx_map_get(b, "contacts")) &&
	    yx_get_int(d, n, "budget.contacts", 1, CW_CONTACTS_MAX,
		       &r->budget.contacts, err, errlen) < 0)
		return -1;
	if ((n = yx_map_get(b, "window")) &&
	    yx_get_duration(d, n, "budget.window", 86400000LL, 365 * 86400000LL,
			    &r->budget.window_ms, err, errlen) < 0)
		return -1;
	if (r->budget.window_ms < r->budget.task_open_ms) {
		yx_errf(err, errlen, d, b, "budget: window must not be shorter "
			"than task_open");
		return -1;
	}
	return 0;
}

void cw_routing_budget(const struct cw_routing *r, struct cw_budget *out)
{
	*out = r ? r->budget : (struct cw_budget){7 * 86400000LL, 2, 30 * 86400000LL};
}

int cw_routing_load_buf(const char *buf, size_t len, const char *name,
			struct cw_routing **out, char *err, size_t errlen)
{
	static const char *const top[] = {"queues", "routes", "default", "budget", NULL};
	struct yx_doc *d = NULL;
	struct cw_routing *r = calloc(1, sizeof(*r));
	const struct yx_node *def;
	int rc = -1;

	if (!r || !(r->file = strdup(name))) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	if (yx_load(buf, len, name, &d, err, errlen) < 0)
		goto out;
	if (need_kind(d, d->root, YX_MAP, "routing file", err, errlen) < 0 ||
	    only_keys(d, d->root, top, "routing file", err, errlen) < 0 ||
	    load_queues(d, yx_map_get(d->root, "queues"), r, err, errlen) < 0 ||
	    load_routes(d, yx_map_get(d->root, "routes"), r, err, errlen) < 0 ||
	    load_budget(d, yx_map_get(d->root, "budget"), r, err, errlen) < 0)
		goto out;
	def = yx_map_get(d->root, "default");
	if (!def) {
		yx_errf(err, errlen, d, d->root, "missing 'default' (the queue of "
			"alerts no route matches)");
		goto out;
	}
	if (ref_queue(d, def, r, &r->def, err, errlen) < 0)
		goto out;
	*out = r;
	r = NULL;
	rc = 0;
out:
	cw_routing_free(r);
	yx_free(d);
	return rc;
}

int cw_routing_load(const char *path, struct cw_routing **out, char *err,
		    size_t errlen)
{
	char *buf = NULL;
	size_t len;
	int rc;

	if (yx_read_file(path, &buf, &len, err, errlen) < 0)
		return -1;
	rc = cw_routing_load_buf(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

int cw_routing_check_rules(const struct cw_routing *r,
			   const struct cw_ruleset *rs, char *err, size_t errlen)
{
	for (size_t i = 0; r && i < r->nroutes; i++)
		for (size_t c = 0; c < r->routes[i].nconds; c++) {
			const struct rt_cond *k = &r->routes[i].conds[c];
			if (k->attr != RA_RULE)
				continue;
			for (size_t v = 0; v < k->nvalues; v++) {
				const char *best = NULL;
				size_t bestd = 4;
				int found = 0;
				for (size_t j = 0; j < rs->nrules && !found; j++) {
					const char *n = rs->rules[j].name;
					size_t dd = cw_edit_distance(k->values[v],
								     strlen(k->values[v]),
								     n, strlen(n), 0);
					found = dd == 0;
					if (dd < bestd) {
						bestd = dd;
						best = n;
					}
				}
				if (found)
					continue;
				snprintf(err, errlen, "%s:%d:%d: route names rule '%s', "
					 "which the loaded rules do not have%s%s%s",
					 r->file, k->vline[v], k->vcol[v], k->values[v],
					 best ? " (did you mean '" : "", best ? best : "",
					 best ? "'?)" : "");
				return -1;
			}
		}
	return 0;
}

/* ---- routing an alert ----------------------------------------------------- */

static const char *label_of(const struct cw_rule *rule, const char *name)
{
	for (size_t i = 0; i < rule->nlabels; i++)
		if (!strcmp(rule->labels[i].key, name))
			return rule->labels[i].value;
	return NULL;
}

static int cond_matches(const struct rt_cond *c, const struct cw_alert *a,
			const char *plan)
{
	const char *have = NULL;

	switch (c->attr) {
	case RA_RULE:
		have = a->rule->name;
		break;
	case RA_SEVERITY:
		have = cw_severity_str(a->rule->severity);
		break;
	case RA_ARPU_TIER:
		have = cw_arpu_tier_str(a->arpu_tier);
		break;
	case RA_TENURE_STAGE:
		have = cw_tenure_stage_str(a->tenure_stage);
		break;
	case RA_PLAN:
		have = plan;
		break;
	case RA_REGION:
		have = a->region[0] ? a->region : NULL;
		break;
	case RA_LABEL:
		have = label_of(a->rule, c->label);
		break;
	}
	if (!have)
		return 0;
	for (size_t v = 0; v < c->nvalues; v++)
		if (!strcmp(have, c->values[v]))
			return 1;
	return 0;
}

const char *cw_routing_queue(const struct cw_routing *r,
			     const struct cw_alert *a, const char *plan)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->nroutes; i++) {
		const struct rt_route *rt = &r->routes[i];
		size_t c = 0;
		while (c < rt->nconds && cond_matches(&rt->conds[c], a, plan))
			c++;
		if (c == rt->nconds)
			return r->queues[rt->queue].name;
	}
	return r->queues[r->def].name;
}

size_t cw_routing_queue_count(const struct cw_routing *r)
{
	return r ? r->nqueues : 0;
}

const char *cw_routing_queue_name(const struct cw_routing *r, size_t i)
{
	return r && i < r->nqueues ? r->queues[i].name : NULL;
}

int64_t cw_routing_queue_capacity(const struct cw_routing *r, size_t i)
{
	return r && i < r->nqueues ? r->queues[i].capacity : 0;
}
