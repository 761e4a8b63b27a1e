/*
 * rules.c — rule files (CONTRACT §5) into an immutable cw_ruleset.
 *
 * Loading never stops at the first problem: every error found in every
 * file is collected as one "FILE:LINE:COL: message" line, so an operator
 * fixes a rule directory in one pass. A set is only produced when there
 * are no errors at all.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "cw/event.h"
#include "cw/rules.h"
#include "cw/yamlx.h"

#define MS_H (3600LL * 1000)
#define MS_D (24 * MS_H)
#define RL_LINE_MAX 1024
#define RL_FILES_MAX 1024

/* ---- message collection ---- */

/* Lines appended to a caller's buffer; counting goes on when it is full. */
struct rl_msgs {
	char *buf;
	size_t cap, len;
	int count;
};

static void rl_msgs_init(struct rl_msgs *m, char *buf, size_t cap)
{
	m->buf = buf;
	m->cap = cap;
	m->len = 0;
	m->count = 0;
	if (buf && cap)
		buf[0] = '\0';
}

static void rl_add(struct rl_msgs *m, const char *line)
{
	size_t l = strlen(line);

	m->count++;
	if (!m->buf || m->len + l + 2 > m->cap)
		return; /* truncated: the count still tells the truth */
	memcpy(m->buf + m->len, line, l);
	m->len += l;
	m->buf[m->len++] = '\n';
	m->buf[m->len] = '\0';
}

static void rl_addf(struct rl_msgs *m, const struct yx_doc *d,
		    const struct yx_node *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void rl_addf(struct rl_msgs *m, const struct yx_doc *d,
		    const struct yx_node *n, const char *fmt, ...)
{
	char line[RL_LINE_MAX], msg[RL_LINE_MAX - 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	yx_errf(line, sizeof(line), d, n, "%s", msg);
	rl_add(m, line);
}

/* ---- names ---- */

static const char *const sev_names[CW_SEV__COUNT] = {
	[CW_SEV_INFO] = "info",	    [CW_SEV_LOW] = "low",
	[CW_SEV_MEDIUM] = "medium", [CW_SEV_HIGH] = "high",
	[CW_SEV_CRITICAL] = "critical",
};

static const char *const det_names[CW_DET__COUNT] = {
	[CW_DET_EXPR] = "expr",
	[CW_DET_SILENCE] = "silence",
	[CW_DET_ARPU_DROP] = "arpu_drop",
	[CW_DET_OFFNET_FORWARD] = "offnet_forward",
	[CW_DET_PLAN_DOWNGRADE] = "plan_downgrade",
	[CW_DET_COMMITMENT_END] = "commitment_end",
	[CW_DET_SCORE] = "score",
};

const char *cw_severity_str(enum cw_severity s)
{
	return (unsigned)s < CW_SEV__COUNT ? sev_names[s] : "unknown";
}

const char *cw_detector_str(enum cw_detector d)
{
	return (unsigned)d < CW_DET__COUNT ? det_names[d] : "unknown";
}

/* ---- detector parameters ---- */

enum rl_ptype { RP_DUR, RP_INT, RP_I64, RP_PCT, RP_MONEY, RP_PATH };

struct rl_param {
	enum cw_detector det;
	const char *name;
	enum rl_ptype type;
	int required;
	double min, max; /* ms, count, fraction or money*SCALE */
	size_t off;      /* in struct cw_rule */
};

#define ROFF(f) offsetof(struct cw_rule, f)

static const struct rl_param rl_params[] = {
	{CW_DET_SILENCE, "for", RP_DUR, 1, 1000, 365 * MS_D,
	 ROFF(silence_for_ms)},
	{CW_DET_ARPU_DROP, "baseline", RP_INT, 0, 1, 12, ROFF(arpu_baseline)},
	{CW_DET_ARPU_DROP, "drop", RP_PCT, 1, 0.001, 1, ROFF(arpu_drop)},
	{CW_DET_ARPU_DROP, "min_baseline", RP_MONEY, 0, 0,
	 (double)CW_MONEY_MAX_UNITS * CW_MONEY_SCALE, ROFF(arpu_min_baseline)},
	{CW_DET_OFFNET_FORWARD, "min_calls", RP_I64, 0, 1, 1000000,
	 ROFF(fwd_min_calls)},
	{CW_DET_OFFNET_FORWARD, "window", RP_DUR, 0, 60000, CW_WINDOW_MAX_MS,
	 ROFF(fwd_window_ms)},
	{CW_DET_PLAN_DOWNGRADE, "min_drop", RP_PCT, 0, 0, 1,
	 ROFF(downgrade_min_drop)},
	{CW_DET_COMMITMENT_END, "before", RP_DUR, 1, 0, 3650 * MS_D,
	 ROFF(commitment_before_ms)},
	{CW_DET_SCORE, "threshold", RP_PCT, 1, 0, 1, ROFF(score_threshold)},
	{CW_DET_SCORE, "model", RP_PATH, 0, 0, 0, ROFF(model_path)},
};

#define NPARAMS (sizeof(rl_params) / sizeof(rl_params[0]))

static void rl_rule_defaults(struct cw_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->severity = CW_SEV_MEDIUM;
	r->enabled = 1;
	r->arpu_baseline = 3;
	r->fwd_min_calls = 1;
	r->fwd_window_ms = 7 * MS_D;
}

static void rl_rule_fini(struct cw_rule *r)
{
	free(r->action);
	free(r->description);
	for (size_t i = 0; i < r->nlabels; i++) {
		free(r->labels[i].key);
		free(r->labels[i].value);
	}
	free(r->file);
	free(r->model_path);
	cw_expr_free(r->when);
	cw_expr_free(r->where);
	memset(r, 0, sizeof(*r));
}

void cw_ruleset_free(struct cw_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nrules; i++)
		rl_rule_fini(&rs->rules[i]);
	free(rs->rules);
	free(rs);
}

/* ---- loader ---- */

struct rl_name {
	char name[CW_RULE_NAME_MAX + 1];
	const char *file; /* borrowed from the rule or the loader's list */
	int line, col;
};

struct rl_load {
	struct rl_msgs errs;
	struct cw_rule *rules; /* CW_RULES_MAX slots */
	size_t n;
	struct rl_name *names; /* every named rule, with errors or not */
	size_t nnames, capnames;
	char **files;          /* display names, owned, for rl_name.file */
	size_t nfiles;
	EVP_MD_CTX *md;
	int too_many;
};

/* Run one yx getter, turning its message into an error line. */
#define RL_GET(L, call)                                                     \
	({                                                                  \
		char e_[RL_LINE_MAX];                                       \
		int r_ = (call);                                            \
		if (r_ < 0)                                                 \
			rl_add(&(L)->errs, e_);                             \
		r_;                                                         \
	})

static int rl_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > CW_RULE_NAME_MAX || strlen(s) != len)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* Register a name; a clash is an error naming both places. */
static void rl_name_add(struct rl_load *L, const struct yx_doc *d,
			const struct yx_node *n, const char *file)
{
	struct rl_name *e;

	for (size_t i = 0; i < L->nnames; i++) {
		if (strcmp(L->names[i].name, n->str))
			continue;
		rl_addf(&L->errs, d, n,
			"duplicate rule name '%s' (first defined at %s:%d:%d)",
			n->str, L->names[i].file, L->names[i].line,
			L->names[i].col);
		return;
	}
	if (L->nnames == L->capnames) {
		size_t cap = L->capnames ? L->capnames * 2 : 32;
		struct rl_name *p = realloc(L->names, cap * sizeof(*p));

		if (!p) {
			rl_addf(&L->errs, d, n, "out of memory");
			return;
		}
		L->names = p;
		L->capnames = cap;
	}
	e = &L->names[L->nnames++];
	memcpy(e->name, n->str, n->len + 1);
	e->file = file;
	e->line = n->line;
	e->col = n->col;
}

static int rl_parse_name(struct rl_load *L, const struct yx_doc *d,
			 const struct yx_node *m, const char *file,
			 struct cw_rule *r)
{
	const struct yx_node *n = yx_map_get(m, "name");
	const char *s;

	if (!n) {
		rl_addf(&L->errs, d, m, "rule has no 'name'");
		return -1;
	}
	if (RL_GET(L, yx_get_str(d, n, "name", &s, e_, sizeof(e_))) < 0)
		return -1;
	if (!rl_name_valid(s, n->len)) {
		rl_addf(&L->errs, d, n,
			"name: '%s' is not a valid rule name ([a-z0-9][a-z0-9_-]*, "
			"at most %d characters)",
			s, CW_RULE_NAME_MAX);
		return -1;
	}
	memcpy(r->name, s, n->len + 1);
	rl_name_add(L, d, n, file);
	return 0;
}

/* A file named in a rule: relative to the rule file's folder, so a pack
 * and its model can move together. */
static int rl_parse_path(struct rl_load *L, const struct yx_doc *d,
			 const struct rl_param *p, const struct yx_node *v,
			 char **dst)
{
	const char *s, *slash;
	char *path;
	int dirlen;

	if (RL_GET(L, yx_get_str(d, v, p->name, &s, e_, sizeof(e_))) < 0)
		return -1;
	if (!*s || strlen(s) != v->len) {
		rl_addf(&L->errs, d, v, "%s: expected a file name", p->name);
		return -1;
	}
	slash = strrchr(d->name, '/');
	dirlen = s[0] == '/' || !slash ? 0 : (int)(slash - d->name) + 1;
	if (asprintf(&path, "%.*s%s", dirlen, d->name, s) < 0) {
		rl_addf(&L->errs, d, v, "out of memory");
		return -1;
	}
	free(*dst);
	*dst = path;
	return 0;
}

static int rl_parse_param(struct rl_load *L, const struct yx_doc *d,
			  const struct rl_param *p, const struct yx_node *v,
			  struct cw_rule *r)
{
	char *dst = (char *)r + p->off;
	int64_t i64;
	double f;

	switch (p->type) {
	case RP_DUR:
		if (RL_GET(L, yx_get_duration(d, v, p->name, (int64_t)p->min,
					      (int64_t)p->max, &i64, e_,
					      sizeof(e_))) < 0)
			return -1;
		break;
	case RP_INT:
	case RP_I64:
		if (RL_GET(L, yx_get_int(d, v, p->name, (int64_t)p->min,
					 (int64_t)p->max, &i64, e_,
					 sizeof(e_))) < 0)
			return -1;
		if (p->type == RP_INT) {
			int x = (int)i64;

			memcpy(dst, &x, sizeof(x));
			return 0;
		}
		break;
	case RP_MONEY:
		if (RL_GET(L, yx_get_money(d, v, p->name, (int64_t)p->min,
					   (int64_t)p->max, &i64, e_,
					   sizeof(e_))) < 0)
			return -1;
		break;
	case RP_PCT:
		if (RL_GET(L, yx_get_percent(d, v, p->name, p->min, p->max, &f,
					     e_, sizeof(e_))) < 0)
			return -1;
		memcpy(dst, &f, sizeof(f));
		return 0;
	case RP_PATH:
		return rl_parse_path(L, d, p, v, (char **)(void *)dst);
	}
	memcpy(dst, &i64, sizeof(i64));
	return 0;
}

static void rl_param_list(enum cw_detector det, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NPARAMS; i++) {
		int n;

		if (rl_params[i].det != det)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			     rl_params[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

/* Parse `params:` for a detector rule; every problem is reported. An
 * override (need_required 0) may give any subset. */
static int rl_parse_params(struct rl_load *L, const struct yx_doc *d,
			   const struct yx_node *m, struct cw_rule *r,
			   int need_required)
{
	const struct yx_node *ps = yx_map_get(m, "params");
	char list[128];
	int bad = 0;

	if (ps && !yx_is_null(ps) && ps->kind != YX_MAP) {
		rl_addf(&L->errs, d, ps, "params: expected a mapping, got %s",
			yx_kind_str(ps));
		return -1;
	}
	rl_param_list(r->detector, list, sizeof(list));
	for (size_t i = 0; ps && ps->kind == YX_MAP && i < ps->n; i++) {
		const struct yx_node *k = ps->items[2 * i];
		const struct rl_param *p = NULL;

		for (size_t j = 0; j < NPARAMS && !p; j++)
			if (rl_params[j].det == r->detector &&
			    !strcmp(rl_params[j].name, k->str))
				p = &rl_params[j];
		if (!p) {
			rl_addf(&L->errs, d, k,
				"params: unknown parameter '%s' for detector %s "
				"(valid: %s)",
				k->str, det_names[r->detector], list);
			bad = -1;
			continue;
		}
		if (rl_parse_param(L, d, p, ps->items[2 * i + 1], r) < 0)
			bad = -1;
	}
	for (size_t j = 0; j < NPARAMS; j++) {
		if (rl_params[j].det != r->detector || !rl_params[j].required ||
		    !need_required)
			continue;
		if (!yx_map_get(ps, rl_params[j].name)) {
			rl_addf(&L->errs, d, ps ? ps : m,
				"detector %s needs params.%s",
				det_names[r->detector], rl_params[j].name);
			bad = -1;
		}
	}
	return bad;
}

static int rl_compile(struct rl_load *L, const struct yx_doc *d,
		      const struct yx_node *v, const char *what,
		      struct cw_expr **out)
{
	char e[RL_LINE_MAX];
	size_t skip = 0;

	if (!v || v->kind != YX_SCALAR || yx_is_null(v) ||
	    strlen(v->str) != v->len) {
		rl_addf(&L->errs, d, v, "%s: expected an expression string, got %s",
			what, yx_kind_str(v));
		return -1;
	}
	/*
	 * Point the compiler at the first character of the text itself. A
	 * block scalar's text may start with blank lines; vline/vcol locate
	 * its first non-blank character, so start the source there too.
	 */
	if (v->style == YX_LITERAL || v->style == YX_FOLDED)
		skip = strspn(v->str, " \t\r\n");
	if (cw_expr_compile(v->str + skip, v->len - skip, d->name, v->vline,
			    v->vcol, out, e, sizeof(e)) < 0) {
		rl_add(&L->errs, e);
		return -1;
	}
	return 0;
}

static int rl_parse_kind(struct rl_load *L, const struct yx_doc *d,
			 const struct yx_node *m, struct cw_rule *r)
{
	const struct yx_node *det = yx_map_get(m, "detect");
	const struct yx_node *when = yx_map_get(m, "when");
	const char *s;

	if (det && when) {
		rl_addf(&L->errs, d, when,
			"a rule has either 'detect' or 'when', not both");
		return -1;
	}
	if (!det && !when) {
		rl_addf(&L->errs, d, m, "rule needs 'detect' or 'when'");
		return -1;
	}
	if (when) {
		r->detector = CW_DET_EXPR;
		if (yx_map_get(m, "params")) {
			rl_addf(&L->errs, d, yx_map_get(m, "params"),
				"params: only detector rules take params");
			return -1;
		}
		return rl_compile(L, d, when, "when", &r->when);
	}
	if (RL_GET(L, yx_get_str(d, det, "detect", &s, e_, sizeof(e_))) < 0)
		return -1;
	for (int i = CW_DET_EXPR + 1; i < CW_DET__COUNT; i++) {
		if (!strcmp(s, det_names[i])) {
			r->detector = (enum cw_detector)i;
			return rl_parse_params(L, d, m, r, 1);
		}
	}
	rl_addf(&L->errs, d, det,
		"detect: unknown detector '%s' (silence, arpu_drop, "
		"offnet_forward, plan_downgrade, commitment_end, score)",
		s);
	return -1;
}

static int rl_parse_severity(struct rl_load *L, const struct yx_doc *d,
			     const struct yx_node *v, struct cw_rule *r)
{
	const char *s;

	if (RL_GET(L, yx_get_str(d, v, "severity", &s, e_, sizeof(e_))) < 0)
		return -1;
	for (int i = 0; i < CW_SEV__COUNT; i++) {
		if (!strcmp(s, sev_names[i])) {
			r->severity = (enum cw_severity)i;
			return 0;
		}
	}
	rl_addf(&L->errs, d, v,
		"severity: unknown severity '%s' (info, low, medium, high, "
		"critical)",
		s);
	return -1;
}

/* labels: a flat mapping of short strings, copied into every alert. */
static int rl_parse_labels(struct rl_load *L, const struct yx_doc *d,
			   const struct yx_node *v, struct cw_rule *r)
{
	if (yx_is_null(v))
		return 0;
	if (v->kind != YX_MAP) {
		rl_addf(&L->errs, d, v, "labels: expected a mapping, got %s",
			yx_kind_str(v));
		return -1;
	}
	if (v->n > CW_RULE_LABELS_MAX) {
		rl_addf(&L->errs, d, v, "labels: at most %d labels",
			CW_RULE_LABELS_MAX);
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct yx_node *k = v->items[2 * i];
		const struct yx_node *val = v->items[2 * i + 1];
		const char *vs;

		if (RL_GET(L, yx_get_str(d, val, k->str, &vs, e_, sizeof(e_))) < 0)
			return -1;
		if (!rl_name_valid(k->str, k->len) || k->len > CW_RULE_LABEL_MAX) {
			rl_addf(&L->errs, d, k,
				"labels: '%s' is not a valid label name "
				"([a-z0-9][a-z0-9_-]*, at most %d characters)",
				k->str, CW_RULE_LABEL_MAX);
			return -1;
		}
		if (strlen(vs) != val->len || val->len > CW_RULE_LABEL_MAX) {
			rl_addf(&L->errs, d, val,
				"labels.%s: at most %d bytes, no NUL", k->str,
				CW_RULE_LABEL_MAX);
			return -1;
		}
		r->labels[r->nlabels].key = strdup(k->str);
		r->labels[r->nlabels].value = strdup(vs);
		r->nlabels++; /* counted first so fini frees a partial pair */
		if (!r->labels[r->nlabels - 1].key ||
		    !r->labels[r->nlabels - 1].value) {
			rl_addf(&L->errs, d, k, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* A string option replacing *slot (an override may set it again). */
static int rl_parse_text(struct rl_load *L, const struct yx_doc *d,
			 const struct yx_node *v, const char *what,
			 size_t max, char **slot)
{
	const char *s;
	char *dup = NULL;

	if (RL_GET(L, yx_get_str(d, v, what, &s, e_, sizeof(e_))) < 0)
		return -1;
	if (strlen(s) != v->len || v->len > max) {
		rl_addf(&L->errs, d, v, "%s: at most %zu bytes, no NUL", what,
			max);
		return -1;
	}
	if (*s && !(dup = strdup(s))) {
		rl_addf(&L->errs, d, v, "out of memory");
		return -1;
	}
	free(*slot);
	*slot = dup;
	return 0;
}

/* The settings an override may change too; each problem is reported. */
static int rl_parse_tunables(struct rl_load *L, const struct yx_doc *d,
			     const struct yx_node *m, struct cw_rule *r)
{
	const struct yx_node *v;
	int bad = 0, en;

	if ((v = yx_map_get(m, "severity")) && rl_parse_severity(L, d, v, r) < 0)
		bad = -1;
	if ((v = yx_map_get(m, "cooldown"))) {
		if (RL_GET(L, yx_get_duration(d, v, "cooldown", 0, 3650 * MS_D,
					      &r->cooldown_ms, e_,
					      sizeof(e_))) < 0)
			bad = -1;
		else
			r->cooldown_set = 1;
	}
	if ((v = yx_map_get(m, "limit")) &&
	    RL_GET(L, yx_get_int(d, v, "limit", 0, 100000000,
				 &r->limit_per_day, e_, sizeof(e_))) < 0)
		bad = -1;
	if ((v = yx_map_get(m, "enabled"))) {
		if (RL_GET(L, yx_get_bool(d, v, "enabled", &en, e_,
					  sizeof(e_))) < 0)
			bad = -1;
		else
			r->enabled = en;
	}
	if ((v = yx_map_get(m, "action")) &&
	    rl_parse_text(L, d, v, "action", CW_RULE_ACTION_MAX, &r->action) < 0)
		bad = -1;
	return bad;
}

/* The optional settings of a full rule definition. */
static int rl_parse_options(struct rl_load *L, const struct yx_doc *d,
			    const struct yx_node *m, struct cw_rule *r)
{
	const struct yx_node *v;
	int bad = rl_parse_tunables(L, d, m, r);

	if ((v = yx_map_get(m, "description")) &&
	    rl_parse_text(L, d, v, "description", CW_RULE_DESC_MAX,
			  &r->description) < 0)
		bad = -1;
	if ((v = yx_map_get(m, "labels")) && rl_parse_labels(L, d, v, r) < 0)
		bad = -1;
	if ((v = yx_map_get(m, "where")) && rl_compile(L, d, v, "where",
						       &r->where) < 0)
		bad = -1;
	return bad;
}

static int rl_check_keys(struct rl_load *L, const struct yx_doc *d,
			 const struct yx_node *m, const char *const *keys,
			 const char *what)
{
	char list[256];
	size_t used = 0;
	int bad = 0;

	list[0] = '\0';
	for (const char *const *a = keys; *a; a++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s",
				 used ? ", " : "", *a);
		if (n > 0 && (size_t)n < sizeof(list) - used)
			used += (size_t)n;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct yx_node *k = m->items[2 * i];
		int ok = 0;

		for (const char *const *a = keys; *a && !ok; a++)
			ok = !strcmp(k->str, *a);
		if (!ok) {
			rl_addf(&L->errs, d, k, "unknown %s key '%s' (%s)", what,
				k->str, list);
			bad = -1;
		}
	}
	return bad;
}

static struct cw_rule *rl_find(struct rl_load *L, const char *name)
{
	for (size_t i = 0; i < L->n; i++)
		if (!strcmp(L->rules[i].name, name))
			return &L->rules[i];
	return NULL;
}

/*
 * `override: NAME` (Falco-style local tuning): change a rule loaded
 * before this file without editing it, so a package upgrade never has to
 * merge the operator's edits into the vendor pack. The override is
 * applied to a copy; the rule only changes when all of it is valid.
 */
static void rl_parse_override(struct rl_load *L, const struct yx_doc *d,
			      const struct yx_node *m)
{
	static const char *const keys[] = {
		"override", "enabled", "severity", "cooldown",
		"limit",    "action",  "params",   NULL,
	};
	const struct yx_node *n = yx_map_get(m, "override");
	struct cw_rule *target, tmp;
	char *action = NULL;
	int bad = rl_check_keys(L, d, m, keys, "override");
	const char *s;

	if (RL_GET(L, yx_get_str(d, n, "override", &s, e_, sizeof(e_))) < 0)
		return;
	target = rl_find(L, s);
	if (!target) {
		rl_addf(&L->errs, d, n,
			"override: no rule '%s' was loaded before this file "
			"(overrides apply to rules of earlier files, e.g. the "
			"vendor pack)",
			s);
		return;
	}
	if (yx_map_get(m, "params") && target->detector == CW_DET_EXPR) {
		rl_addf(&L->errs, d, yx_map_get(m, "params"),
			"params: rule '%s' is a when: rule; only detector rules "
			"take params",
			s);
		return;
	}
	/* Work on a shallow copy; the only owned field an override may
	 * replace is action, handled below. */
	tmp = *target;
	if (tmp.action && !(action = strdup(tmp.action))) {
		rl_addf(&L->errs, d, n, "out of memory");
		return;
	}
	tmp.action = action;
	tmp.model_path = NULL; /* set only if the override names one */
	bad |= rl_parse_tunables(L, d, m, &tmp);
	if (yx_map_get(m, "params"))
		bad |= rl_parse_params(L, d, m, &tmp, 0);
	if (bad) {
		free(tmp.action);
		free(tmp.model_path);
		return;
	}
	if (!tmp.model_path)
		tmp.model_path = target->model_path;
	else
		free(target->model_path);
	free(target->action);
	tmp.noverrides++;
	*target = tmp;
}

static void rl_parse_rule(struct rl_load *L, const struct yx_doc *d,
			  const struct yx_node *m, const char *file)
{
	struct cw_rule r;
	int bad = 0;

	static const char *const keys[] = {
		"name",	    "detect",	"params", "when",  "where",
		"severity", "cooldown", "action", "limit", "enabled",
		"description", "labels", NULL,
	};

	rl_rule_defaults(&r);
	if (m->kind != YX_MAP) {
		rl_addf(&L->errs, d, m, "a rule must be a mapping, got %s",
			yx_kind_str(m));
		return;
	}
	if (yx_map_get(m, "override")) {
		rl_parse_override(L, d, m);
		return;
	}
	/* run every check, even after a failure, to report everything */
	bad |= rl_check_keys(L, d, m, keys, "rule");
	bad |= rl_parse_name(L, d, m, file, &r);
	bad |= rl_parse_kind(L, d, m, &r);
	bad |= rl_parse_options(L, d, m, &r);
	if ((r.detector == CW_DET_EXPR || r.detector == CW_DET_SCORE) &&
	    !r.cooldown_set)
		r.cooldown_ms = CW_RULE_WHEN_COOLDOWN_DEFAULT_MS;
	r.file = strdup(file);
	r.line = m->line;
	r.col = m->col;
	if (!r.file)
		bad = -1;
	if (!bad && L->n == CW_RULES_MAX) {
		if (!L->too_many++)
			rl_addf(&L->errs, d, m, "too many rules (limit %d)",
				CW_RULES_MAX);
		bad = -1;
	}
	if (bad) {
		rl_rule_fini(&r);
		return;
	}
	L->rules[L->n++] = r;
}

static void rl_parse_doc(struct rl_load *L, const struct yx_doc *d,
			 const char *file)
{
	const struct yx_node *root = d->root, *list;

	if (!root || yx_is_null(root))
		return; /* an empty file holds no rules */
	if (root->kind != YX_MAP) {
		rl_addf(&L->errs, d, root,
			"expected a mapping with a 'rules' list, got %s",
			yx_kind_str(root));
		return;
	}
	for (size_t i = 0; i < root->n; i++)
		if (strcmp(root->items[2 * i]->str, "rules"))
			rl_addf(&L->errs, d, root->items[2 * i],
				"unknown top-level key '%s' (expected 'rules')",
				root->items[2 * i]->str);
	list = yx_map_get(root, "rules");
	if (!list || yx_is_null(list))
		return;
	if (list->kind != YX_SEQ) {
		rl_addf(&L->errs, d, list, "rules: expected a list, got %s",
			yx_kind_str(list));
		return;
	}
	for (size_t i = 0; i < list->n; i++)
		rl_parse_rule(L, d, list->items[i], file);
}

/* Keep a display name alive for as long as the loader (for rl_name). */
static const char *rl_keep_file(struct rl_load *L, const char *name)
{
	char **p = realloc(L->files, (L->nfiles + 1) * sizeof(*p));

	if (!p)
		return NULL;
	L->files = p;
	p[L->nfiles] = strdup(name);
	if (!p[L->nfiles])
		return NULL;
	return p[L->nfiles++];
}

static void rl_load_buf(struct rl_load *L, const char *buf, size_t len,
			const char *name)
{
	const char *base = strrchr(name, '/');
	struct yx_doc *d = NULL;
	const char *file;
	char e[RL_LINE_MAX];

	base = base ? base + 1 : name;
	if (L->md && (EVP_DigestUpdate(L->md, base, strlen(base)) != 1 ||
		      EVP_DigestUpdate(L->md, buf, len) != 1)) {
		EVP_MD_CTX_free(L->md);
		L->md = NULL;
	}
	file = rl_keep_file(L, name);
	if (!file) {
		snprintf(e, sizeof(e), "%s: out of memory", name);
		rl_add(&L->errs, e);
		return;
	}
	if (yx_load(buf, len, name, &d, e, sizeof(e)) < 0) {
		rl_add(&L->errs, e);
		return;
	}
	rl_parse_doc(L, d, file);
	yx_free(d);
}

static void rl_load_file(struct rl_load *L, const char *path)
{
	char e[RL_LINE_MAX];
	char *buf = NULL;
	size_t len;

	if (yx_read_file(path, &buf, &len, e, sizeof(e)) < 0) {
		rl_add(&L->errs, e);
		return;
	}
	rl_load_buf(L, buf, len, path);
	free(buf);
}

static int rl_is_rule_file(const char *name)
{
	size_t l = strlen(name);

	if (name[0] == '.')
		return 0;
	return (l > 5 && !strcmp(name + l - 5, ".yaml")) ||
	       (l > 4 && !strcmp(name + l - 4, ".yml"));
}

static int rl_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.yaml / *.yml regular file of dir, in byte order of names. */
static void rl_load_dir(struct rl_load *L, const char *dir)
{
	char e[RL_LINE_MAX];
	char *names[RL_FILES_MAX];
	size_t n = 0;
	struct dirent *de;
	DIR *dp = opendir(dir);

	if (!dp) {
		snprintf(e, sizeof(e), "%s: cannot open directory: %s", dir,
			 strerror(errno));
		rl_add(&L->errs, e);
		return;
	}
	while ((de = readdir(dp))) {
		char path[4096];
		struct stat st;

		if (!rl_is_rule_file(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
			    (int)sizeof(path) ||
		    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == RL_FILES_MAX) {
			snprintf(e, sizeof(e), "%s: too many rule files (limit %d)",
				 dir, RL_FILES_MAX);
			rl_add(&L->errs, e);
			break;
		}
		names[n] = strdup(path);
		if (!names[n]) {
			snprintf(e, sizeof(e), "%s: out of memory", dir);
			rl_add(&L->errs, e);
			break;
		}
		n++;
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), rl_strcmp);
	for (size_t i = 0; i < n; i++) {
		rl_load_file(L, names[i]);
		free(names[i]);
	}
}

static void rl_load_path(struct rl_load *L, const char *path)
{
	char e[RL_LINE_MAX];
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(e, sizeof(e), "%s: %s", path, strerror(errno));
		rl_add(&L->errs, e);
		return;
	}
	if (S_ISDIR(st.st_mode))
		rl_load_dir(L, path);
	else
		rl_load_file(L, path);
}

static int rl_begin(struct rl_load *L, char *err, size_t errlen)
{
	memset(L, 0, sizeof(*L));
	rl_msgs_init(&L->errs, err, errlen);
	L->rules = calloc(CW_RULES_MAX, sizeof(*L->rules));
	L->md = EVP_MD_CTX_new();
	if (!L->rules || !L->md ||
	    EVP_DigestInit_ex(L->md, EVP_sha256(), NULL) != 1) {
		rl_add(&L->errs, "rules: out of memory");
		return -1;
	}
	return 0;
}

/* Hand the rules over to a new set if there were no errors; free the rest. */
static int rl_finish(struct rl_load *L, struct cw_ruleset **out)
{
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	struct cw_ruleset *rs = NULL;

	if (!L->errs.count) {
		rs = calloc(1, sizeof(*rs));
		if (!rs || !L->md || EVP_DigestFinal_ex(L->md, dig, &dlen) != 1 ||
		    dlen != 32) {
			rl_add(&L->errs, "rules: out of memory");
			free(rs);
			rs = NULL;
		}
	}
	if (rs) {
		for (unsigned i = 0; i < dlen; i++)
			snprintf(rs->version + 2 * i, 3, "%02x", dig[i]);
		rs->rules = L->rules;
		rs->nrules = L->n;
		L->rules = NULL;
		L->n = 0;
		*out = rs;
	}
	for (size_t i = 0; i < L->n; i++)
		rl_rule_fini(&L->rules[i]);
	free(L->rules);
	for (size_t i = 0; i < L->nfiles; i++)
		free(L->files[i]);
	free(L->files);
	free(L->names);
	EVP_MD_CTX_free(L->md);
	return L->errs.count;
}

int cw_rules_load_many(const char *const *paths, size_t npaths,
		       struct cw_ruleset **out, char *err, size_t errlen)
{
	struct rl_load L;

	if (rl_begin(&L, err, errlen) == 0)
		for (size_t i = 0; i < npaths; i++)
			rl_load_path(&L, paths[i]);
	return rl_finish(&L, out);
}

int cw_rules_load(const char *path, struct cw_ruleset **out, char *err,
		  size_t errlen)
{
	return cw_rules_load_many(&path, 1, out, err, errlen);
}

int cw_rules_load_buf(const char *buf, size_t len, const char *name,
		      struct cw_ruleset **out, char *err, size_t errlen)
{
	struct rl_load L;

	if (rl_begin(&L, err, errlen) == 0)
		rl_load_buf(&L, buf, len, name ? name : "<rules>");
	return rl_finish(&L, out);
}

/* ---- lint ---- */

static void rl_warn(struct rl_msgs *m, const struct cw_rule *r,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void rl_warn(struct rl_msgs *m, const struct cw_rule *r,
		    const char *fmt, ...)
{
	char line[RL_LINE_MAX], msg[RL_LINE_MAX - 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s:%d:%d: warning: rule '%s': %s",
		 r->file ? r->file : "<rules>", r->line, r->col, r->name, msg);
	rl_add(m, line);
}

static void rl_lint_rule(struct rl_msgs *m, const struct cw_rule *r)
{
	if (!r->enabled)
		rl_warn(m, r, "disabled; it will never fire");
	if (r->when && !cw_expr_jointly_satisfiable(r->when, r->when))
		rl_warn(m, r, "'when' looks like it can never be true");
	else if (r->when && r->where &&
		 !cw_expr_jointly_satisfiable(r->when, r->where))
		rl_warn(m, r, "'where' seems to contradict 'when'; the rule "
			      "may never fire");
	if (!r->when && r->where &&
	    !cw_expr_jointly_satisfiable(r->where, r->where))
		rl_warn(m, r, "'where' looks like it can never be true");
	switch (r->detector) {
	case CW_DET_SILENCE:
		if (r->silence_for_ms < MS_H)
			rl_warn(m, r, "silence 'for' is under 1h: ordinary gaps "
				      "between calls will fire it");
		if (r->cooldown_ms == 0)
			rl_warn(m, r, "cooldown 0 on a silence rule re-alerts "
				      "after every short burst of activity; "
				      "set a cooldown (e.g. 30d)");
		break;
	case CW_DET_PLAN_DOWNGRADE:
		if (r->downgrade_min_drop == 0)
			rl_warn(m, r, "min_drop 0%% also fires on moves to a "
				      "plan with the same fee");
		break;
	case CW_DET_ARPU_DROP:
		if (r->arpu_drop >= 1)
			rl_warn(m, r, "drop 100%% only fires when revenue falls "
				      "to zero");
		break;
	case CW_DET_SCORE:
	case CW_DET_EXPR:
		if (!r->cooldown_set)
			rl_warn(m, r, "no cooldown: it defaults to %lldd so that "
				      "a subscriber is not re-alerted at every "
				      "daily tick; write cooldown: explicitly",
				(long long)(CW_RULE_WHEN_COOLDOWN_DEFAULT_MS / MS_D));
		else if (r->cooldown_ms < MS_D)
			rl_warn(m, r, "cooldown under 1d re-alerts the same "
				      "subscriber at every daily tick while the "
				      "condition holds");
		break;
	case CW_DET_OFFNET_FORWARD:
	case CW_DET_COMMITMENT_END:
	case CW_DET__COUNT:
		break;
	}
}

const struct cw_rule *cw_rules_by_hash(const struct cw_ruleset *rs,
				       const uint32_t *hashes, uint32_t hash)
{
	for (size_t i = 0; rs && i < rs->nrules && i < CW_RULES_MAX; i++)
		if (hashes[i] == hash)
			return &rs->rules[i];
	return NULL;
}

int cw_rules_lint(const struct cw_ruleset *rs, char *out, size_t outlen)
{
	struct rl_msgs m;

	rl_msgs_init(&m, out, outlen);
	for (size_t i = 0; rs && i < rs->nrules; i++)
		rl_lint_rule(&m, &rs->rules[i]);
	return m.count;
}
