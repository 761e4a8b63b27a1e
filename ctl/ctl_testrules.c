/*
 * ctl_testrules.c — `churnctl test-rules FILE...`: rule unit tests, in the
 * spirit of `promtool test rules` (format: docs/rules.md, "Testing").
 *
 * A test file names the REAL rule files and reference data, and lists
 * tests; each test is a stream of events written as YAML maps. Every event
 * is turned into contract JSON and parsed by cw_event_parse (the daemon's
 * parser), then driven through cw_offline (the real engine, states
 * round-tripped through the encoder like the daemon) in event time: before
 * each event the watermark advances to its ts minus `lateness`, and at each
 * checkpoint to the checkpoint's time. The alerts fired since the previous
 * checkpoint are compared with what the checkpoint expects.
 *
 * Exit status: 0 all passed, 1 a test failed, 2 usage or file errors
 * (reported as FILE:LINE:COL: message).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/engine.h"
#include "cw/event.h"
#include "cw/offline.h"
#include "cw/refdata.h"
#include "cw/routing.h"
#include "cw/rules.h"
#include "cw/yamlx.h"
#include "ctl.h"

#define TR_ERR_MAX 4096
#define TR_PATH_MAX 4096
#define TR_REPEAT_MAX 100000
#define TR_EVENTS_MAX 1000000
#define TR_RULE_FILES_MAX 64

/* One loaded test file: its document, rules and reference data. */
struct tr_file {
	const char *path;
	struct yx_doc *doc;
	struct cw_ruleset *rules;
	struct cw_plans *plans;
	struct cw_networks *nets;
	struct cw_routing *routing;  /* `routing:` (NULL: none) */
	struct cw_engine engine;
	int64_t lateness_ms;
	int verbose;
};

/* An event of a test, parsed, with where it was written. */
struct tr_event {
	struct cw_event ev;
	const struct yx_node *src;
	size_t seq;                  /* order written, for a stable sort */
	int auto_task;               /* task_id: auto (the subscriber's task) */
};

/* A growable array of alerts collected from the sink. */
struct tr_alerts {
	struct cw_alert *a;
	size_t n, cap;
	int oom;
};

/* A test in progress. */
struct tr_test {
	struct tr_file *f;
	const struct yx_node *node;
	const char *name;
	const char *subscriber;      /* default for events and expectations */
	size_t index;
	struct tr_event *evs;
	size_t nev, cap;
	struct tr_alerts got;
	int failed;
	int header_printed;
};

/* ---- errors ------------------------------------------------------------ */

static int tr_fail_node(const struct tr_file *f, const struct yx_node *n,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Print "FILE:LINE:COL: message" for node n; returns -1. */
static int tr_fail_node(const struct tr_file *f, const struct yx_node *n,
			const char *fmt, ...)
{
	char msg[1024], line[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	yx_errf(line, sizeof(line), f->doc, n, "%s", msg);
	fprintf(stderr, "%s\n", line);
	return -1;
}

static int tr_check_keys(const struct tr_file *f, const struct yx_node *map,
			 const char *const *allowed)
{
	int bad = 0;

	for (size_t i = 0; i < map->n; i++) {
		const struct yx_node *k = map->items[2 * i];
		size_t j;
		for (j = 0; allowed[j]; j++)
			if (k->kind == YX_SCALAR && !strcmp(k->str, allowed[j]))
				break;
		if (!allowed[j])
			bad = tr_fail_node(f, k, "unknown key '%s'",
					   k->kind == YX_SCALAR ? k->str : "?");
	}
	return bad;
}

static int tr_need_map(const struct tr_file *f, const struct yx_node *n,
		       const char *what)
{
	if (n && n->kind == YX_MAP)
		return 0;
	return tr_fail_node(f, n, "%s: expected a mapping, got %s", what,
			    n ? yx_kind_str(n) : "nothing");
}

static int tr_get_time(const struct tr_file *f, const struct yx_node *n,
		       const char *what, int64_t *out)
{
	if (!n || n->kind != YX_SCALAR ||
	    cw_time_parse_rfc3339(n->str, n->len, out) < 0)
		return tr_fail_node(f, n, "%s: expected an RFC 3339 time "
				    "(2026-01-31T00:00:00Z)", what);
	return 0;
}

/* ---- files ------------------------------------------------------------- */

/* `rel` relative to the directory of the test file, into out. */
static void tr_resolve(const char *test_path, const char *rel, char *out,
		       size_t outlen)
{
	const char *slash = strrchr(test_path, '/');

	if (rel[0] == '/' || !slash)
		snprintf(out, outlen, "%s", rel);
	else
		snprintf(out, outlen, "%.*s/%s", (int)(slash - test_path),
			 test_path, rel);
}

static int tr_load_rules(struct tr_file *f, const struct yx_node *n)
{
	static char paths[TR_RULE_FILES_MAX][TR_PATH_MAX];
	const char *pp[TR_RULE_FILES_MAX];
	size_t np = 0;
	char *err;
	int nerr;

	if (!n || (n->kind != YX_SEQ && n->kind != YX_SCALAR))
		return tr_fail_node(f, n, "rule_files: expected a list of "
				    "rule files or directories");
	for (size_t i = 0; i < (n->kind == YX_SEQ ? n->n : 1); i++) {
		const struct yx_node *p = n->kind == YX_SEQ ? n->items[i] : n;
		if (p->kind != YX_SCALAR || np == TR_RULE_FILES_MAX)
			return tr_fail_node(f, p, "rule_files: expected a path "
					    "(at most %d)", TR_RULE_FILES_MAX);
		tr_resolve(f->path, p->str, paths[np], TR_PATH_MAX);
		pp[np] = paths[np];
		np++;
	}
	err = malloc(1u << 16);
	if (!err)
		return tr_fail_node(f, n, "out of memory");
	nerr = cw_rules_load_many(pp, np, &f->rules, err, 1u << 16);
	if (nerr) {
		tr_fail_node(f, n, "rule_files: %d error%s loading the rules:",
			     nerr, nerr == 1 ? "" : "s");
		fputs(err, stderr);
	}
	free(err);
	return nerr ? -1 : 0;
}

static int tr_load_refdata(struct tr_file *f, const struct yx_node *root)
{
	const struct yx_node *pn = yx_map_get(root, "plans");
	const struct yx_node *nn = yx_map_get(root, "networks");
	char path[TR_PATH_MAX], err[TR_ERR_MAX];
	int bad = 0;

	if (!pn || pn->kind != YX_SCALAR)
		bad = tr_fail_node(f, pn ? pn : root,
				   "plans: expected the path of a plans.yaml");
	if (!nn || nn->kind != YX_SCALAR)
		bad = tr_fail_node(f, nn ? nn : root,
				   "networks: expected the path of a networks.yaml");
	if (bad)
		return -1;
	tr_resolve(f->path, pn->str, path, sizeof(path));
	if (cw_plans_load(path, &f->plans, err, sizeof(err)) < 0)
		bad = tr_fail_node(f, pn, "plans: %s", err);
	tr_resolve(f->path, nn->str, path, sizeof(path));
	if (cw_networks_load(path, &f->nets, err, sizeof(err)) < 0)
		bad = tr_fail_node(f, nn, "networks: %s", err);
	return bad;
}

/* routing: a routing.yaml (relative to the test file): queues, tasks, and
 * the retention loop (outcome events, quiet periods). */
static int tr_load_routing(struct tr_file *f, const struct yx_node *n)
{
	char path[TR_PATH_MAX], err[TR_ERR_MAX];

	if (!n)
		return 0;
	if (n->kind != YX_SCALAR)
		return tr_fail_node(f, n, "routing: expected the path of a routing.yaml");
	tr_resolve(f->path, n->str, path, sizeof(path));
	if (cw_routing_load(path, &f->routing, err, sizeof(err)) < 0 ||
	    cw_routing_check_rules(f->routing, f->rules, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int tr_file_open(struct tr_file *f, const char *path)
{
	static const char *const keys[] = {"rule_files", "plans", "networks",
					   "routing", "lateness", "tests", NULL};
	struct cw_engine_conf ec;
	char err[TR_ERR_MAX];
	const struct yx_node *root, *late;
	char *buf = NULL;
	size_t len = 0;

	f->path = path;
	if (yx_read_file(path, &buf, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (yx_load(buf, len, path, &f->doc, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		free(buf);
		return -1;
	}
	free(buf);
	root = f->doc->root;
	if (tr_need_map(f, root, "test file") || tr_check_keys(f, root, keys))
		return -1;
	if (tr_load_rules(f, yx_map_get(root, "rule_files")) ||
	    tr_load_refdata(f, root))
		return -1;
	late = yx_map_get(root, "lateness");
	if (late && yx_get_duration(f->doc, late, "lateness", 0,
				    30 * CW_DAY_MS, &f->lateness_ms, err,
				    sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (tr_load_routing(f, yx_map_get(root, "routing")) < 0)
		return -1;
	cw_engine_conf_default(&ec);
	cw_engine_init(&f->engine, f->rules, f->plans, f->nets, &ec);
	f->engine.routing = f->routing;
	return 0;
}

static void tr_file_close(struct tr_file *f)
{
	yx_free(f->doc);
	cw_ruleset_free(f->rules);
	cw_plans_free(f->plans);
	cw_networks_free(f->nets);
	cw_routing_free(f->routing);
}

/* ---- events: YAML map -> contract JSON -> cw_event_parse ---------------- */

struct tr_json {
	char buf[CW_EVENT_MAX_BYTES];
	size_t len;
	int overflow;
	int auto_task;   /* task_id: auto, resolved when the event is applied */
};

/* What `task_id: auto` stands for until it is applied. */
#define TR_AUTO_TASK "00000000000000000000000000000000"

static void tj_put(struct tr_json *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tj_put(struct tr_json *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->buf + j->len, sizeof(j->buf) - j->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(j->buf) - j->len)
		j->overflow = 1;
	else
		j->len += (size_t)n;
}

static void tj_string(struct tr_json *j, const char *s, size_t len)
{
	tj_put(j, "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			tj_put(j, "\\%c", c);
		else if (c < 0x20)
			tj_put(j, "\\u%04x", c);
		else
			tj_put(j, "%c", c);
	}
	tj_put(j, "\"");
}

static void tj_key(struct tr_json *j, const char *k)
{
	tj_put(j, "%s", j->len > 1 ? "," : "");
	tj_string(j, k, strlen(k));
	tj_put(j, ":");
}

/* Contract fields that are JSON numbers; everything else is a string. */
static int tr_numeric_field(const char *k)
{
	return !strcmp(k, "duration_s") || !strcmp(k, "charge") ||
	       !strcmp(k, "bytes") || !strcmp(k, "amount");
}

static int tr_is_number(const char *s)
{
	char *end = NULL;

	if (!*s)
		return 0;
	errno = 0;
	(void)strtod(s, &end);
	return errno == 0 && *end == '\0' && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'));
}

/* repeat: {every: DURATION, times: N} (N copies in all, the first as written). */
static int tr_repeat(const struct tr_file *f, const struct yx_node *n,
		     int64_t *every, int64_t *times)
{
	static const char *const keys[] = {"every", "times", NULL};
	char err[TR_ERR_MAX];

	*every = 0;
	*times = 1;
	if (!n)
		return 0;
	if (tr_need_map(f, n, "repeat") || tr_check_keys(f, n, keys))
		return -1;
	if (yx_get_duration(f->doc, yx_map_get(n, "every"), "repeat.every", 1,
			    CW_WINDOW_MAX_MS, every, err, sizeof(err)) < 0 ||
	    yx_get_int(f->doc, yx_map_get(n, "times"), "repeat.times", 1,
		       TR_REPEAT_MAX, times, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int tr_push_event(struct tr_test *t, const struct cw_event *ev,
			 const struct yx_node *src, int auto_task)
{
	if (t->nev == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct tr_event *n = realloc(t->evs, ncap * sizeof(*n));
		if (!n)
			return tr_fail_node(t->f, src, "out of memory");
		t->evs = n;
		t->cap = ncap;
	}
	t->evs[t->nev] = (struct tr_event){*ev, src, t->nev, auto_task};
	t->nev++;
	return 0;
}

/* Build copy k of event node n as JSON. */
static int tr_event_json(struct tr_test *t, const struct yx_node *n,
			 size_t evno, int64_t k, int64_t shift,
			 struct tr_json *j)
{
	const struct tr_file *f = t->f;
	int have_id = 0, have_sub = 0;

	j->len = 0;
	j->overflow = 0;
	j->auto_task = 0;
	tj_put(j, "{");
	for (size_t i = 0; i < n->n; i++) {
		const struct yx_node *key = n->items[2 * i];
		const struct yx_node *val = n->items[2 * i + 1];
		if (key->kind != YX_SCALAR || !strcmp(key->str, "repeat"))
			continue;
		if (val->kind != YX_SCALAR)
			return tr_fail_node(f, val, "event field '%s': expected "
					    "a scalar", key->str);
		tj_key(j, key->str);
		if (!strcmp(key->str, "ts") && shift) {
			int64_t ms;
			char ts[40];
			if (tr_get_time(f, val, "ts", &ms) < 0)
				return -1;
			cw_time_format_rfc3339(ms + shift, ts, sizeof(ts));
			tj_string(j, ts, strlen(ts));
		} else if (!strcmp(key->str, "event_id") && k > 0) {
			char id[CW_EVENT_ID_MAX + 1];
			snprintf(id, sizeof(id), "%s-%" PRId64, val->str, k);
			tj_string(j, id, strlen(id));
		} else if (!strcmp(key->str, "task_id") && !strcmp(val->str, "auto")) {
			/* The subscriber's task when the event is applied: its
			 * id is a hash a test author cannot know. */
			j->auto_task = 1;
			tj_string(j, TR_AUTO_TASK, strlen(TR_AUTO_TASK));
		} else if (tr_numeric_field(key->str) && val->style == YX_PLAIN) {
			if (!tr_is_number(val->str))
				return tr_fail_node(f, val, "event field '%s': "
						    "expected a number", key->str);
			tj_put(j, "%s", val->str);
		} else {
			tj_string(j, val->str, val->len);
		}
		have_id |= !strcmp(key->str, "event_id");
		have_sub |= !strcmp(key->str, "subscriber");
	}
	if (!have_id) {
		char id[64];
		snprintf(id, sizeof(id), "t%zu-e%zu-%" PRId64, t->index, evno, k);
		tj_key(j, "event_id");
		tj_string(j, id, strlen(id));
	}
	if (!have_sub && t->subscriber) {
		tj_key(j, "subscriber");
		tj_string(j, t->subscriber, strlen(t->subscriber));
	}
	tj_put(j, "}");
	if (j->overflow)
		return tr_fail_node(f, n, "event too large");
	return 0;
}

static int tr_parse_json(const struct tr_file *f, const struct yx_node *n,
			 const struct tr_json *j, struct cw_event *ev)
{
	struct cw_event_limits lim = {INT64_MAX / 4, INT64_MAX / 4, 0};
	enum cw_invalid why = CW_INVALID_NONE;

	if (cw_event_parse(j->buf, j->len, CW_TOPIC_CDR, NULL, 0, &lim, ev,
			   &why) == 0)
		return 0;
	if (why == CW_INVALID_WRONG_TOPIC &&
	    cw_event_parse(j->buf, j->len, CW_TOPIC_BILLING, NULL, 0, &lim, ev,
			   &why) == 0)
		return 0;
	if (why == CW_INVALID_WRONG_TOPIC &&
	    cw_event_parse(j->buf, j->len, CW_TOPIC_RETENTION, NULL, 0, &lim, ev,
			   &why) == 0)
		return 0;
	return tr_fail_node(f, n, "invalid event (%s): %.*s",
			    cw_invalid_str(why), (int)j->len, j->buf);
}

static int tr_cmp_event(const void *a, const void *b)
{
	const struct tr_event *x = a, *y = b;

	if (x->ev.ts_ms != y->ev.ts_ms)
		return x->ev.ts_ms < y->ev.ts_ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int tr_build_events(struct tr_test *t, const struct yx_node *evs)
{
	static struct tr_json j;
	const struct tr_file *f = t->f;

	if (!evs)
		return 0;
	if (evs->kind != YX_SEQ)
		return tr_fail_node(f, evs, "events: expected a list");
	for (size_t i = 0; i < evs->n; i++) {
		const struct yx_node *n = evs->items[i];
		int64_t every, times;
		if (tr_need_map(f, n, "event") ||
		    tr_repeat(f, yx_map_get(n, "repeat"), &every, &times))
			return -1;
		for (int64_t k = 0; k < times; k++) {
			struct cw_event ev;
			if (t->nev >= TR_EVENTS_MAX)
				return tr_fail_node(f, n, "more than %d events",
						    TR_EVENTS_MAX);
			if (tr_event_json(t, n, i, k, k * every, &j) ||
			    tr_parse_json(f, n, &j, &ev) ||
			    tr_push_event(t, &ev, n, j.auto_task))
				return -1;
		}
	}
	qsort(t->evs, t->nev, sizeof(*t->evs), tr_cmp_event);
	return 0;
}

/* ---- alerts ------------------------------------------------------------ */

static int tr_emit(void *ctx, const struct cw_alert *a)
{
	struct tr_alerts *g = ctx;

	if (g->n == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 32;
		struct cw_alert *n = realloc(g->a, ncap * sizeof(*n));
		if (!n) {
			g->oom = 1;
			return 0;
		}
		g->a = n;
		g->cap = ncap;
	}
	g->a[g->n++] = *a;
	return 0;
}

static void tr_print_evidence_value(FILE *out, const struct cw_evidence *e)
{
	switch (e->kind) {
	case CW_EVID_STR: fprintf(out, "\"%s\"", e->str); break;
	case CW_EVID_INT: fprintf(out, "%" PRId64, e->i); break;
	case CW_EVID_BOOL: fputs(e->i ? "true" : "false", out); break;
	case CW_EVID_NUM: {
		char buf[64];

		if (e->decimals > 0)
			cw_evidence_format_num(e, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%.10g", e->num);
		fputs(buf, out);
		break;
	}
	}
}

static void tr_print_alert(FILE *out, const char *mark,
			   const struct cw_alert *a)
{
	char ts[40];

	cw_time_format_rfc3339(a->ts_ms, ts, sizeof(ts));
	fprintf(out, "      %s {rule: %s, subscriber: \"%s\", ts: %s, "
		"severity: %s, evidence: {", mark, a->rule->name,
		a->subscriber, ts, cw_severity_str(a->rule->severity));
	for (size_t i = 0; i < a->nevidence; i++) {
		fprintf(out, "%s%s: ", i ? ", " : "", a->evidence[i].key);
		tr_print_evidence_value(out, &a->evidence[i]);
	}
	fprintf(out, "}, segment: {arpu_tier: %s, tenure_stage: %s}}\n",
		cw_arpu_tier_str(a->arpu_tier),
		cw_tenure_stage_str(a->tenure_stage));
}

/* Print an expectation as written (scalars only, flow style). */
static void tr_print_node(FILE *out, const struct yx_node *n)
{
	if (n->kind == YX_SCALAR) {
		fprintf(out, n->style == YX_PLAIN ? "%s" : "\"%s\"", n->str);
		return;
	}
	fputs(n->kind == YX_MAP ? "{" : "[", out);
	for (size_t i = 0; i < n->n; i++) {
		fputs(i ? ", " : "", out);
		if (n->kind == YX_MAP) {
			tr_print_node(out, n->items[2 * i]);
			fputs(": ", out);
			tr_print_node(out, n->items[2 * i + 1]);
		} else {
			tr_print_node(out, n->items[i]);
		}
	}
	fputs(n->kind == YX_MAP ? "}" : "]", out);
}

/* ---- expectations ------------------------------------------------------ */

static const struct cw_rule *tr_rule(const struct tr_file *f, const char *name)
{
	for (size_t i = 0; i < f->rules->nrules; i++)
		if (!strcmp(f->rules->rules[i].name, name))
			return &f->rules->rules[i];
	return NULL;
}

static int tr_evidence_matches(const struct cw_alert *a, const char *key,
			       const struct yx_node *want)
{
	for (size_t i = 0; i < a->nevidence; i++) {
		const struct cw_evidence *e = &a->evidence[i];
		char *end = NULL;
		double w;

		if (strcmp(e->key, key))
			continue;
		if (e->kind == CW_EVID_STR)
			return !strcmp(e->str, want->str);
		if (e->kind == CW_EVID_BOOL)
			return !strcmp(want->str, e->i ? "true" : "false");
		w = strtod(want->str, &end);
		if (!end || *end || end == want->str)
			return 0;
		double got = cw_evidence_num(e); /* as the alert shows it */
		return fabs(got - w) <= 1e-9 * fmax(1.0, fabs(w));
	}
	return 0;
}

static int tr_map_all(const struct cw_alert *a, const struct yx_node *m,
		      int segment)
{
	for (size_t i = 0; m && i < m->n; i++) {
		const char *k = m->items[2 * i]->str;
		const struct yx_node *v = m->items[2 * i + 1];
		if (!segment) {
			if (!tr_evidence_matches(a, k, v))
				return 0;
		} else if (!strcmp(k, "arpu_tier")) {
			if (strcmp(cw_arpu_tier_str(a->arpu_tier), v->str))
				return 0;
		} else if (strcmp(cw_tenure_stage_str(a->tenure_stage), v->str)) {
			return 0;
		}
	}
	return 1;
}

/* Does alert a satisfy expectation node x (validated by tr_check_expect)? */
static int tr_matches(const struct tr_test *t, const struct cw_alert *a,
		      const struct yx_node *x)
{
	const struct yx_node *n;
	const char *sub = t->subscriber;
	int64_t ms;

	if (strcmp(a->rule->name, yx_map_get(x, "rule")->str))
		return 0;
	if ((n = yx_map_get(x, "subscriber")))
		sub = n->str;
	if (sub && strcmp(a->subscriber, sub))
		return 0;
	if ((n = yx_map_get(x, "ts")) &&
	    (cw_time_parse_rfc3339(n->str, n->len, &ms) < 0 || ms != a->ts_ms))
		return 0;
	if ((n = yx_map_get(x, "severity")) &&
	    strcmp(cw_severity_str(a->rule->severity), n->str))
		return 0;
	return tr_map_all(a, yx_map_get(x, "evidence"), 0) &&
	       tr_map_all(a, yx_map_get(x, "segment"), 1);
}

static int tr_check_scalar_map(const struct tr_file *f,
			       const struct yx_node *m, const char *what,
			       const char *const *allowed)
{
	if (!m)
		return 0;
	if (tr_need_map(f, m, what) || (allowed && tr_check_keys(f, m, allowed)))
		return -1;
	for (size_t i = 0; i < m->n; i++)
		if (m->items[2 * i + 1]->kind != YX_SCALAR)
			return tr_fail_node(f, m->items[2 * i + 1],
					    "%s: expected a scalar", what);
	return 0;
}

static int tr_check_expect(const struct tr_file *f, const struct yx_node *x)
{
	static const char *const keys[] = {"rule", "subscriber", "ts",
					   "severity", "evidence", "segment",
					   NULL};
	static const char *const seg[] = {"arpu_tier", "tenure_stage", NULL};
	const struct yx_node *r, *ts;
	int64_t ms;

	if (tr_need_map(f, x, "expect item") || tr_check_keys(f, x, keys))
		return -1;
	r = yx_map_get(x, "rule");
	if (!r || r->kind != YX_SCALAR)
		return tr_fail_node(f, r ? r : x, "expect: 'rule' is required");
	if (!tr_rule(f, r->str))
		return tr_fail_node(f, r, "expect: no rule named '%s' in "
				    "rule_files", r->str);
	if ((ts = yx_map_get(x, "ts")) && tr_get_time(f, ts, "ts", &ms))
		return -1;
	if ((r = yx_map_get(x, "subscriber")) && r->kind != YX_SCALAR)
		return tr_fail_node(f, r, "subscriber: expected a scalar");
	if ((r = yx_map_get(x, "severity")) && r->kind != YX_SCALAR)
		return tr_fail_node(f, r, "severity: expected a scalar");
	return tr_check_scalar_map(f, yx_map_get(x, "evidence"), "evidence", NULL) ||
	       tr_check_scalar_map(f, yx_map_get(x, "segment"), "segment", seg);
}

/* A checkpoint: a time and what must have fired since the previous one. */
struct tr_check {
	const struct yx_node *node;
	int64_t at;
	const struct yx_node *expect;      /* seq or NULL */
	const struct yx_node *expect_none; /* seq or NULL */
	int only;                          /* expect_no_other_alerts */
};

static int tr_check_rule_list(const struct tr_file *f, const struct yx_node *n)
{
	if (!n)
		return 0;
	if (n->kind != YX_SEQ)
		return tr_fail_node(f, n, "expect_none: expected a list of rule names");
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i]->kind != YX_SCALAR || !tr_rule(f, n->items[i]->str))
			return tr_fail_node(f, n->items[i], "expect_none: no rule "
					    "named '%s' in rule_files",
					    n->items[i]->kind == YX_SCALAR
						    ? n->items[i]->str : "?");
	return 0;
}

/* Read eval_at/expect/... from `n` (a test or a checkpoint item). */
static int tr_read_check(const struct tr_file *f, const struct yx_node *n,
			 const char *at_key, struct tr_check *c)
{
	const struct yx_node *only = yx_map_get(n, "expect_no_other_alerts");
	char err[TR_ERR_MAX];

	c->node = n;
	c->expect = yx_map_get(n, "expect");
	c->expect_none = yx_map_get(n, "expect_none");
	c->only = 0;
	if (tr_get_time(f, yx_map_get(n, at_key) ? yx_map_get(n, at_key) : n,
			at_key, &c->at))
		return -1;
	if (only && yx_get_bool(f->doc, only, "expect_no_other_alerts",
				&c->only, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (c->expect && c->expect->kind != YX_SEQ)
		return tr_fail_node(f, c->expect, "expect: expected a list");
	for (size_t i = 0; c->expect && i < c->expect->n; i++)
		if (tr_check_expect(f, c->expect->items[i]))
			return -1;
	return tr_check_rule_list(f, c->expect_none);
}

/* ---- running ------------------------------------------------------------ */

static void tr_header(struct tr_test *t)
{
	if (t->header_printed)
		return;
	t->header_printed = 1;
	printf("FAIL  %s:%d: %s\n", t->f->path, t->node->line, t->name);
}

static int tr_rule_expected(const struct tr_check *c, const char *rule)
{
	for (size_t i = 0; c->expect && i < c->expect->n; i++)
		if (!strcmp(yx_map_get(c->expect->items[i], "rule")->str, rule))
			return 1;
	return 0;
}

static int tr_rule_forbidden(const struct tr_check *c, const char *rule)
{
	for (size_t i = 0; c->expect_none && i < c->expect_none->n; i++)
		if (!strcmp(c->expect_none->items[i]->str, rule))
			return 1;
	return 0;
}

/* Compare the alerts fired up to checkpoint c with what it expects. */
static void tr_judge(struct tr_test *t, const struct tr_check *c)
{
	size_t nexp = c->expect ? c->expect->n : 0;
	char *used = calloc(t->got.n + 1, 1);
	int bad = 0;
	char at[40];

	if (!used) {
		tr_header(t);
		printf("    out of memory\n");
		t->failed = 1;
		return;
	}
	cw_time_format_rfc3339(c->at, at, sizeof(at));
	for (size_t i = 0; i < nexp; i++) {
		const struct yx_node *x = c->expect->items[i];
		size_t k;
		for (k = 0; k < t->got.n; k++)
			if (!used[k] && tr_matches(t, &t->got.a[k], x))
				break;
		if (k < t->got.n) {
			used[k] = 1;
			continue;
		}
		if (!bad++) {
			tr_header(t);
			printf("    at %s (line %d):\n", at, c->node->line);
		}
		printf("      - ");
		tr_print_node(stdout, x);
		printf("   (expected, line %d: not fired)\n", x->line);
	}
	for (size_t k = 0; k < t->got.n; k++) {
		const char *rule = t->got.a[k].rule->name;
		if (used[k] || !(c->only || tr_rule_expected(c, rule) ||
				 tr_rule_forbidden(c, rule)))
			continue;
		if (!bad++) {
			tr_header(t);
			printf("    at %s (line %d):\n", at, c->node->line);
		}
		tr_print_alert(stdout, "+", &t->got.a[k]);
	}
	if (bad) {
		printf("      (- expected but not fired, + fired but not expected)\n");
		t->failed = 1;
	}
	if (t->f->verbose) {
		printf("    alerts up to %s:\n", at);
		for (size_t k = 0; k < t->got.n; k++)
			tr_print_alert(stdout, used[k] ? "=" : " ", &t->got.a[k]);
	}
	free(used);
	t->got.n = 0;
}

static int tr_read_checks(struct tr_test *t, struct tr_check **out,
			  size_t *nout)
{
	const struct tr_file *f = t->f;
	const struct yx_node *cps = yx_map_get(t->node, "checkpoints");
	const struct yx_node *eval_at = yx_map_get(t->node, "eval_at");
	size_t n = cps ? (cps->kind == YX_SEQ ? cps->n : 0) : 1;
	struct tr_check *c;

	if (cps && eval_at)
		return tr_fail_node(f, cps, "use either eval_at/expect or checkpoints, not both");
	if (cps && (cps->kind != YX_SEQ || cps->n == 0))
		return tr_fail_node(f, cps, "checkpoints: expected a non-empty list");
	if (!cps && !eval_at)
		return tr_fail_node(f, t->node, "test '%s': needs eval_at (or checkpoints)", t->name);
	c = calloc(n, sizeof(*c));
	if (!c)
		return tr_fail_node(f, t->node, "out of memory");
	for (size_t i = 0; i < n; i++) {
		static const char *const keys[] = {"at", "expect", "expect_none",
						   "expect_no_other_alerts", NULL};
		const struct yx_node *cn = cps ? cps->items[i] : t->node;
		if ((cps && (tr_need_map(f, cn, "checkpoint") ||
			     tr_check_keys(f, cn, keys))) ||
		    tr_read_check(f, cn, cps ? "at" : "eval_at", &c[i]) ||
		    (i && c[i].at < c[i - 1].at)) {
			if (i && c[i].at < c[i - 1].at)
				tr_fail_node(f, cn, "checkpoints must be in time order");
			free(c);
			return -1;
		}
	}
	*out = c;
	*nout = n;
	return 0;
}

/* task_id: auto: the subscriber's task as the state has it now (none: the
 * placeholder stays, and the event is refused as the daemon would). */
static void tr_resolve_task(const struct cw_offline *o, struct cw_event *ev)
{
	struct cw_state *st = malloc(sizeof(*st));

	if (st && cw_offline_state(o, ev->subscriber, st) == 0 && st->acct.task_id[0])
		snprintf(ev->task_id, sizeof(ev->task_id), "%s", st->acct.task_id);
	free(st);
}

/* Drive the events through a fresh cw_offline, judging each checkpoint. */
static int tr_drive(struct tr_test *t, const struct tr_check *c, size_t nc)
{
	struct cw_alert_sink sink = {.emit = tr_emit, .ctx = &t->got};
	struct cw_offline *o = NULL;
	size_t next = 0;

	if (cw_offline_new(&t->f->engine, &sink, &o) < 0)
		return tr_fail_node(t->f, t->node, "out of memory");
	for (size_t i = 0; i < nc; i++) {
		for (; next < t->nev && t->evs[next].ev.ts_ms <= c[i].at; next++) {
			const struct tr_event *e = &t->evs[next];
			struct cw_event ev = e->ev;
			int rc = cw_offline_advance(o, e->ev.ts_ms - t->f->lateness_ms);
			if (rc >= 0 && e->auto_task)
				tr_resolve_task(o, &ev);
			if (rc >= 0)
				rc = cw_offline_event(o, &ev);
			if (rc < 0) {
				cw_offline_free(o);
				return tr_fail_node(t->f, e->src, "engine: %s", strerror(-rc));
			}
		}
		if (cw_offline_advance(o, c[i].at) < 0 || t->got.oom) {
			cw_offline_free(o);
			return tr_fail_node(t->f, c[i].node, "out of memory");
		}
		tr_judge(t, &c[i]);
	}
	cw_offline_free(o);
	if (next < t->nev)
		return tr_fail_node(t->f, t->evs[next].src, "event after the "
				    "last checkpoint (eval_at) is never judged");
	return 0;
}

/* Run one test: 0 ran (t->failed says how), -1 the test is malformed. */
static int tr_run_test(struct tr_file *f, const struct yx_node *n,
		       size_t index, int *failed)
{
	static const char *const keys[] = {
		"name", "subscriber", "events", "eval_at", "expect",
		"expect_none", "expect_no_other_alerts", "checkpoints", NULL};
	struct tr_test t = {.f = f, .node = n, .index = index};
	struct tr_check *checks = NULL;
	const struct yx_node *nm, *sub;
	size_t nchecks = 0;
	int rc = -1;

	if (tr_need_map(f, n, "test") || tr_check_keys(f, n, keys))
		return -1;
	nm = yx_map_get(n, "name");
	if (!nm || nm->kind != YX_SCALAR)
		return tr_fail_node(f, nm ? nm : n, "test: 'name' is required");
	t.name = nm->str;
	sub = yx_map_get(n, "subscriber");
	if (sub && (sub->kind != YX_SCALAR || !cw_subscriber_valid(sub->str, sub->len)))
		return tr_fail_node(f, sub, "subscriber: expected 5-15 digits");
	t.subscriber = sub ? sub->str : NULL;
	if (yx_map_get(n, "checkpoints") &&
	    (yx_map_get(n, "expect") || yx_map_get(n, "expect_none")))
		return tr_fail_node(f, n, "with checkpoints, put expect/"
				    "expect_none inside each checkpoint");
	if (tr_build_events(&t, yx_map_get(n, "events")) ||
	    tr_read_checks(&t, &checks, &nchecks))
		goto out;
	if (tr_drive(&t, checks, nchecks))
		goto out;
	if (!t.failed)
		printf("PASS  %s:%d: %s\n", f->path, n->line, t.name);
	*failed = t.failed;
	rc = 0;
out:
	free(checks);
	free(t.evs);
	free(t.got.a);
	return rc;
}

/* Run every test of one file; counts into *ntests / *nfailed. Returns 0,
 * or -1 on a file error (already reported). */
static int tr_run_file(const char *path, int verbose, int *ntests,
		       int *nfailed)
{
	struct tr_file f = {.verbose = verbose};
	const struct yx_node *tests;
	int rc = -1;

	if (tr_file_open(&f, path))
		goto out;
	tests = yx_map_get(f.doc->root, "tests");
	if (!tests || tests->kind != YX_SEQ || tests->n == 0) {
		tr_fail_node(&f, tests ? tests : f.doc->root,
			     "tests: expected a non-empty list");
		goto out;
	}
	rc = 0;
	for (size_t i = 0; i < tests->n; i++) {
		int failed = 0;
		if (tr_run_test(&f, tests->items[i], i, &failed)) {
			rc = -1;
			continue;
		}
		(*ntests)++;
		*nfailed += failed;
	}
out:
	tr_file_close(&f);
	return rc;
}

static void test_rules_usage(FILE *out)
{
	fprintf(out,
		"usage: churnctl test-rules [-v] FILE...\n"
		"\n"
		"Run rule unit tests: each FILE names rule files, plans and\n"
		"networks and lists tests (events in, alerts expected), run in\n"
		"event time through the real engine. Format: docs/rules.md.\n"
		"\n"
		"  -v, --verbose  print every alert fired at each checkpoint\n"
		"  -h, --help     this text\n"
		"\n"
		"Exit status: 0 all passed, 1 a test failed, 2 usage or file\n"
		"errors (FILE:LINE:COL: message on stderr).\n");
}

int ctl_test_rules(int argc, char **argv)
{
	int verbose = 0, ntests = 0, nfailed = 0, nfiles = 0, file_errors = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			test_rules_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "test-rules: unknown option '%s'\n", argv[i]);
			test_rules_usage(stderr);
			return 2;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1])
			continue;
		nfiles++;
		if (tr_run_file(argv[i], verbose, &ntests, &nfailed))
			file_errors++;
	}
	if (!nfiles) {
		test_rules_usage(stderr);
		return 2;
	}
	printf("%d test%s, %d failed\n", ntests, ntests == 1 ? "" : "s", nfailed);
	if (file_errors) {
		fprintf(stderr, "test-rules: %d file%s with errors\n", file_errors,
			file_errors == 1 ? "" : "s");
		return 2;
	}
	return nfailed ? 1 : 0;
}
