/*
 * expr.c — compiler and evaluator for the rule expression language.
 *
 * Pipeline: a one-token-lookahead lexer feeds a recursive-descent parser
 * that builds a typed AST in a temporary node pool; type checking and
 * constant folding happen as each node is made, so every error can point
 * at the token that caused it. The AST is then flattened into a postfix
 * program (struct insn[]) where `and`/`or` become conditional jumps, which
 * is what cw_expr_eval() runs with a fixed stack on the C stack.
 *
 * Numeric literals are parsed with strtod(): the process must keep the "C"
 * LC_NUMERIC locale (churnwatch never calls setlocale()).
 */
#include "cw/expr.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Feature table                                                       */
/* ------------------------------------------------------------------ */

static const struct cw_feature_info feature_table[CW_F__COUNT] = {
	[CW_F_REVENUE]             = { "revenue", CW_FARG_WINDOW, 0, 0 },
	[CW_F_CALLS_OUT]           = { "calls_out", CW_FARG_WINDOW, 0, 0 },
	[CW_F_CALLS_IN]            = { "calls_in", CW_FARG_WINDOW, 0, 0 },
	[CW_F_SMS_OUT]             = { "sms_out", CW_FARG_WINDOW, 0, 0 },
	[CW_F_DATA_BYTES]          = { "data_bytes", CW_FARG_WINDOW, 0, 0 },
	[CW_F_MINUTES_OUT]         = { "minutes_out", CW_FARG_WINDOW, 0, 0 },
	[CW_F_DISTINCT_PEERS]      = { "distinct_peers", CW_FARG_WINDOW, 0, 0 },
	[CW_F_OFFNET_SHARE]        = { "offnet_share", CW_FARG_WINDOW, 0, 0 },
	[CW_F_FORWARDED_OFFNET]    = { "forwarded_offnet", CW_FARG_WINDOW, 0, 0 },
	[CW_F_SUSPENSIONS]         = { "suspensions", CW_FARG_WINDOW, 0, 0 },
	[CW_F_ARREARS_SUSPENSIONS] = { "arrears_suspensions", CW_FARG_WINDOW, 0, 0 },
	[CW_F_RECHARGES]           = { "recharges", CW_FARG_WINDOW, 0, 0 },
	[CW_F_RECHARGE_AMOUNT]     = { "recharge_amount", CW_FARG_WINDOW, 0, 0 },
	[CW_F_REVENUE_MONTH]       = { "revenue_month", CW_FARG_MONTH, 0, 0 },
	[CW_F_DAYS_SILENT]         = { "days_silent", CW_FARG_NONE, 0, 0 },
	[CW_F_TENURE]              = { "tenure", CW_FARG_NONE, 1, 0 },
	[CW_F_PLAN_FEE]            = { "plan_fee", CW_FARG_NONE, 0, 0 },
	[CW_F_ARPU_TIER]           = { "arpu_tier", CW_FARG_NONE, 0, 1 },
	[CW_F_TENURE_STAGE]        = { "tenure_stage", CW_FARG_NONE, 0, 1 },
};

#define ENUM_NVALUES 3
#define MONTH_MAX 12

/* Value names of the enumerated features, indexed by the value. */
static const char *enum_values(enum cw_feature f, int i)
{
	static const char *const arpu[ENUM_NVALUES] = { "low", "mid", "high" };
	static const char *const stage[ENUM_NVALUES] = { "new", "stable",
							 "mature" };

	if (i < 0 || i >= ENUM_NVALUES)
		return NULL;
	return f == CW_F_ARPU_TIER ? arpu[i] : stage[i];
}

const struct cw_feature_info *cw_feature_info(enum cw_feature f)
{
	if ((int)f < 0 || f >= CW_F__COUNT)
		return NULL;
	return &feature_table[f];
}

int cw_feature_lookup(const char *name, size_t len)
{
	for (int i = 0; i < CW_F__COUNT; i++) {
		const char *n = feature_table[i].name;

		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return i;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Shared lexical helpers                                              */
/* ------------------------------------------------------------------ */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_ident(char c) { return is_ident_start(c) || is_digit(c); }

struct unit {
	const char *name;
	double ms;
};

static const struct unit units[] = {
	{ "ms", 1 }, { "s", 1e3 }, { "m", 60e3 }, { "h", 3600e3 },
	{ "d", 86400e3 }, { "w", 7 * 86400e3 },
};

static const struct unit *unit_lookup(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len &&
		    memcmp(units[i].name, s, len) == 0)
			return &units[i];
	return NULL;
}

enum scan_err { SCAN_OK, SCAN_NODIGIT, SCAN_DOT, SCAN_LONG, SCAN_RANGE };

/*
 * Scan an unsigned decimal literal at s[0..len): digits ["." digits]
 * [("e"|"E") ["+"|"-"] digits]. On success sets *used and *val. The
 * exponent is only taken when digits follow, so "2e" leaves "e" unread.
 */
static enum scan_err scan_decimal(const char *s, size_t len, size_t *used,
				  double *val)
{
	char buf[64];
	size_t i = 0;

	while (i < len && is_digit(s[i]))
		i++;
	if (i == 0)
		return SCAN_NODIGIT;
	if (i < len && s[i] == '.') {
		if (i + 1 >= len || !is_digit(s[i + 1])) {
			*used = i; /* points at the '.' */
			return SCAN_DOT;
		}
		i++;
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;

		if (j < len && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < len && is_digit(s[j])) {
			while (j < len && is_digit(s[j]))
				j++;
			i = j;
		}
	}
	*used = i;
	if (i >= sizeof(buf))
		return SCAN_LONG;
	memcpy(buf, s, i);
	buf[i] = '\0';
	*val = strtod(buf, NULL);
	if (!isfinite(*val))
		return SCAN_RANGE;
	return SCAN_OK;
}

/* Largest duration we accept anywhere: what fits an int64 of ms. */
#define DURATION_MAX_MS 9.2e18

int cw_parse_duration(const char *s, size_t len, int64_t *ms_out)
{
	const struct unit *u;
	size_t used = 0;
	double v, ms;

	if (!s || len == 0)
		return -EINVAL;
	switch (scan_decimal(s, len, &used, &v)) {
	case SCAN_OK:
		break;
	case SCAN_LONG:
	case SCAN_RANGE:
		return -ERANGE;
	case SCAN_NODIGIT:
	case SCAN_DOT:
		return -EINVAL;
	}
	u = unit_lookup(s + used, len - used);
	if (!u)
		return -EINVAL;
	ms = v * u->ms;
	if (!(ms < DURATION_MAX_MS))
		return -ERANGE;
	*ms_out = llround(ms);
	return 0;
}

int cw_parse_percent(const char *s, size_t len, double *out)
{
	size_t used = 0;
	double v;

	if (!s || len == 0)
		return -EINVAL;
	switch (scan_decimal(s, len, &used, &v)) {
	case SCAN_OK:
		break;
	case SCAN_LONG:
	case SCAN_RANGE:
		return -ERANGE;
	case SCAN_NODIGIT:
	case SCAN_DOT:
		return -EINVAL;
	}
	if (used + 1 == len && s[used] == '%') {
		if (v > 100)
			return -ERANGE;
		*out = v / 100;
		return 0;
	}
	if (used != len)
		return -EINVAL;
	if (v > 1)
		return -ERANGE;
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Program representation                                              */
/* ------------------------------------------------------------------ */

enum op {
	OP_CONST, OP_FEAT,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG,
	OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
	OP_NOT,
	OP_JF,  /* top false: jump, keeping it; else pop (and) */
	OP_JT,  /* top true: jump, keeping it; else pop (or) */
	/* binary operator whose right operand is the constant u.k (the
	 * constant's type and enum feature ride in ty/feat): same order as
	 * the plain operators, see with_const() */
	OP_ADD_K, OP_SUB_K, OP_MUL_K, OP_DIV_K,
	OP_LT_K, OP_LE_K, OP_GT_K, OP_GE_K, OP_EQ_K, OP_NE_K,
	/* AST only, never emitted: */
	OP_STR, OP_AND, OP_OR,
};

enum ty { TY_NUM, TY_DUR, TY_BOOL, TY_STR, TY_ENUM };

static const char *const ty_names[] = {
	[TY_NUM] = "number", [TY_DUR] = "duration", [TY_BOOL] = "condition",
	[TY_STR] = "string", [TY_ENUM] = "category",
};

/* 16 bytes: the evaluator's working set for a typical rule is a few
 * cache lines. */
struct insn {
	uint8_t op;
	uint8_t ty;    /* OP_CONST: type of the constant (for to_string) */
	uint8_t feat;  /* OP_FEAT; OP_CONST of TY_STR: its enum feature */
	uint8_t pad;
	int32_t target; /* OP_JF / OP_JT */
	union {
		double k;
		int64_t arg;
	} u;
};

struct cw_expr {
	int n;
	int max_stack;
	struct insn code[];
};

/* OP_ADD..OP_NE (except OP_NEG) to their constant-operand form and back. */
static enum op with_const(enum op op)
{
	return op < OP_NEG ? op - OP_ADD + OP_ADD_K : op - OP_LT + OP_LT_K;
}

static enum op without_const(enum op op)
{
	return op < OP_LT_K ? op - OP_ADD_K + OP_ADD : op - OP_LT_K + OP_LT;
}

static double safe_div(double x, double y)
{
	return y == 0 ? 0 : x / y;
}

/* The one definition of each operator, shared by folding and to keep the
 * evaluator honest (it inlines the same expressions). */
static double apply_op(enum op op, double x, double y)
{
	switch (op) {
	case OP_ADD: return x + y;
	case OP_SUB: return x - y;
	case OP_MUL: return x * y;
	case OP_DIV: return safe_div(x, y);
	case OP_LT: return x < y;
	case OP_LE: return x <= y;
	case OP_GT: return x > y;
	case OP_GE: return x >= y;
	case OP_EQ: return x == y;
	case OP_NE: return x != y;
	case OP_NEG: return -x;
	case OP_NOT: return x == 0;
	default: return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Lexer                                                               */
/* ------------------------------------------------------------------ */

enum tok_kind {
	T_EOF, T_NUM, T_STR, T_IDENT, T_LP, T_RP,
	T_PLUS, T_MINUS, T_STAR, T_SLASH,
	T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE,
	T_AND, T_OR, T_NOT, T_TRUE, T_FALSE,
};

struct token {
	enum tok_kind kind;
	size_t off, len;
	double num;
	enum ty ty;   /* T_NUM: TY_NUM or TY_DUR */
	int plain;    /* T_NUM: no unit and no '%' */
};

struct node {
	uint8_t op;     /* enum op */
	uint8_t ty;     /* enum ty */
	uint8_t feat;
	uint8_t plain;  /* bare number literal straight from the source */
	int a, b;       /* children, -1 when absent */
	size_t off;     /* the token errors about this node point at */
	size_t start, end; /* source extent */
	double k;
	int64_t arg;
};

struct parser {
	const char *src;
	size_t len, pos;
	struct token tok, prev;
	struct node *nodes;
	int nnodes, cap;
	int depth;
	const char *file;
	int line, col;
	char *err;
	size_t errlen;
	int failed;
};

static void locate(const struct parser *p, size_t off, int *line, int *col)
{
	size_t line_start = 0;
	int l = p->line, first = 1;

	for (size_t i = 0; i < off && i < p->len; i++) {
		if (p->src[i] == '\n') {
			l++;
			line_start = i + 1;
			first = 0;
		}
	}
	*line = l;
	*col = first ? p->col + (int)off : (int)(off - line_start) + 1;
}

/* Record the first error as "FILE:LINE:COL: message"; returns -1. */
__attribute__((format(printf, 3, 4)))
static int perr(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;
	int line, col, n;

	if (p->failed)
		return -1;
	p->failed = 1;
	if (!p->err || p->errlen == 0)
		return -1;
	locate(p, off, &line, &col);
	n = snprintf(p->err, p->errlen, "%s:%d:%d: ",
		     p->file ? p->file : "<expr>", line, col);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Human description of a token for messages: 'text' or end of input. */
static void tok_desc(const struct parser *p, const struct token *t,
		     char *buf, size_t len)
{
	if (t->kind == T_EOF)
		snprintf(buf, len, "end of expression");
	else
		snprintf(buf, len, "'%.*s'", (int)(t->len > 40 ? 40 : t->len),
			 p->src + t->off);
}

static int lex_number(struct parser *p, struct token *t)
{
	const char *s = p->src + p->pos;
	size_t rest = p->len - p->pos, used = 0, ulen;
	const struct unit *u;

	switch (scan_decimal(s, rest, &used, &t->num)) {
	case SCAN_OK:
		break;
	case SCAN_DOT:
		return perr(p, p->pos + used, "expected a digit after '.'");
	case SCAN_LONG:
		return perr(p, p->pos, "number literal too long");
	case SCAN_RANGE:
		return perr(p, p->pos, "number too large");
	case SCAN_NODIGIT:
		return perr(p, p->pos, "expected a number");
	}
	t->ty = TY_NUM;
	t->plain = 1;
	if (used < rest && s[used] == '%') {
		t->num /= 100;
		t->plain = 0;
		used++;
	} else if (used < rest && is_ident_start(s[used])) {
		ulen = 0;
		while (used + ulen < rest && is_ident(s[used + ulen]))
			ulen++;
		u = unit_lookup(s + used, ulen);
		if (!u)
			return perr(p, p->pos + used,
				    "unknown unit '%.*s' in '%.*s' (use ms, s, m, h, d, w or %%)",
				    (int)(ulen > 20 ? 20 : ulen), s + used,
				    (int)(used + ulen > 40 ? 40 : used + ulen), s);
		t->num *= u->ms;
		if (!(t->num < DURATION_MAX_MS))
			return perr(p, p->pos, "duration too large");
		t->ty = TY_DUR;
		t->plain = 0;
		used += ulen;
	}
	t->len = used;
	return 0;
}

static int lex_string(struct parser *p, struct token *t)
{
	size_t i = p->pos + 1;

	while (i < p->len && p->src[i] != '"' && p->src[i] != '\n')
		i++;
	if (i >= p->len || p->src[i] != '"')
		return perr(p, p->pos, "unterminated string");
	t->len = i + 1 - p->pos;
	return 0;
}

static const struct {
	const char *word;
	enum tok_kind kind;
} keywords[] = {
	{ "and", T_AND }, { "or", T_OR }, { "not", T_NOT },
	{ "true", T_TRUE }, { "false", T_FALSE },
};

static enum tok_kind ident_kind(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].word) == len &&
		    memcmp(keywords[i].word, s, len) == 0)
			return keywords[i].kind;
	return T_IDENT;
}

/* Operators: two-character ones first so "<=" is not read as "<". */
static int lex_operator(struct parser *p, struct token *t)
{
	static const struct {
		const char *text;
		enum tok_kind kind;
	} ops[] = {
		{ "<=", T_LE }, { ">=", T_GE }, { "==", T_EQ }, { "!=", T_NE },
		{ "&&", T_AND }, { "||", T_OR },
		{ "<", T_LT }, { ">", T_GT }, { "!", T_NOT },
		{ "(", T_LP }, { ")", T_RP }, { "+", T_PLUS }, { "-", T_MINUS },
		{ "*", T_STAR }, { "/", T_SLASH },
	};
	const char *s = p->src + p->pos;
	size_t rest = p->len - p->pos;
	unsigned char c = (unsigned char)*s;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (n <= rest && memcmp(ops[i].text, s, n) == 0) {
			t->kind = ops[i].kind;
			t->len = n;
			return 0;
		}
	}
	if (c == '=')
		return perr(p, p->pos, "unexpected '=' (did you mean '=='?)");
	if (c == '&')
		return perr(p, p->pos, "unexpected '&' (did you mean '&&' or 'and'?)");
	if (c == '|')
		return perr(p, p->pos, "unexpected '|' (did you mean '||' or 'or'?)");
	if (c == '\'')
		return perr(p, p->pos, "strings use double quotes");
	if (c >= 0x21 && c < 0x7f)
		return perr(p, p->pos, "unexpected character '%c'", c);
	return perr(p, p->pos, "unexpected byte 0x%02x", c);
}

/* Advance to the next token (into p->tok). Returns -1 on a lexical error. */
static int next(struct parser *p)
{
	struct token t = { 0 };
	char c;

	p->prev = p->tok;
	while (p->pos < p->len && (p->src[p->pos] == ' ' ||
				   p->src[p->pos] == '\t' ||
				   p->src[p->pos] == '\n' ||
				   p->src[p->pos] == '\r'))
		p->pos++;
	t.off = p->pos;
	if (p->pos >= p->len) {
		t.kind = T_EOF;
		p->tok = t;
		return 0;
	}
	c = p->src[p->pos];
	if (is_digit(c)) {
		t.kind = T_NUM;
		if (lex_number(p, &t) < 0)
			return -1;
	} else if (c == '.') {
		return perr(p, p->pos, "expected a digit before '.'");
	} else if (c == '"') {
		t.kind = T_STR;
		if (lex_string(p, &t) < 0)
			return -1;
	} else if (is_ident_start(c)) {
		while (p->pos + t.len < p->len && is_ident(p->src[p->pos + t.len]))
			t.len++;
		t.kind = ident_kind(p->src + p->pos, t.len);
	} else if (lex_operator(p, &t) < 0) {
		return -1;
	}
	p->pos += t.len;
	p->tok = t;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Suggestions                                                         */
/* ------------------------------------------------------------------ */

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive Levenshtein distance, for "did you mean". */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t row[64], prev_diag, tmp;

	if (la >= 64 || lb >= 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev_diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev_diag + (lower(a[i - 1]) != lower(b[j - 1]));

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev_diag = tmp;
		}
	}
	return row[lb];
}

static void consider(const char *cand, const char *s, size_t len,
		     const char **best, size_t *best_d)
{
	size_t cl = strlen(cand);
	size_t limit = cl <= 4 ? 1 : cl <= 8 ? 2 : 3;
	size_t d = edit_distance(s, len, cand, cl);

	if (d <= limit && d < *best_d) {
		*best = cand;
		*best_d = d;
	}
}

static const char *suggest_name(const char *s, size_t len)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	for (int i = 0; i < CW_F__COUNT; i++)
		consider(feature_table[i].name, s, len, &best, &best_d);
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		consider(keywords[i].word, s, len, &best, &best_d);
	return best;
}

/* ------------------------------------------------------------------ */
/* AST construction: type checking and constant folding                */
/* ------------------------------------------------------------------ */

static int new_node(struct parser *p, enum op op, enum ty ty, size_t off)
{
	struct node *n;

	if (p->nnodes >= p->cap)
		return perr(p, off, "expression too large");
	n = &p->nodes[p->nnodes];
	memset(n, 0, sizeof(*n));
	n->op = (uint8_t)op;
	n->ty = (uint8_t)ty;
	n->a = n->b = -1;
	n->off = n->start = off;
	n->end = off;
	return p->nnodes++;
}

static int make_const(struct parser *p, enum ty ty, double k, size_t start,
		      size_t end)
{
	int i;

	if (!isfinite(k))
		return perr(p, start, "constant expression overflows");
	i = new_node(p, OP_CONST, ty, start);
	if (i < 0)
		return -1;
	p->nodes[i].k = k;
	p->nodes[i].end = end;
	return i;
}

static int is_const(const struct parser *p, int i)
{
	return p->nodes[i].op == OP_CONST;
}

static int is_feature(const struct parser *p, int i, enum cw_feature f)
{
	return p->nodes[i].op == OP_FEAT && p->nodes[i].feat == f;
}

/* A node that is not allowed in arithmetic or ordering: report why. */
static int misuse(struct parser *p, int i, const char *what)
{
	const struct node *n = &p->nodes[i];

	if (n->ty == TY_STR)
		return perr(p, n->start,
			    "type error: a string can only be compared (== or !=) with arpu_tier or tenure_stage");
	if (n->ty == TY_ENUM)
		return perr(p, n->start,
			    "type error: %s is a category: compare it with == or != and a quoted value, e.g. %s == \"%s\"",
			    feature_table[n->feat].name,
			    feature_table[n->feat].name,
			    enum_values(n->feat, 2));
	return perr(p, n->start,
		    "type error: cannot %s a condition (combine conditions with and/or/not)",
		    what);
}

/* " (write 90d)" when a bare number literal sits where a duration belongs. */
static void unit_hint(const struct parser *p, int num, char *buf, size_t len)
{
	const struct node *n = &p->nodes[num];

	buf[0] = '\0';
	if (n->plain)
		snprintf(buf, len, " (write %.*sd)",
			 (int)(n->end - n->start > 30 ? 30 : n->end - n->start),
			 p->src + n->start);
}

static int mixed_units(struct parser *p, int l, int r, size_t opoff,
		       const char *verb)
{
	int num = p->nodes[l].ty == TY_NUM ? l : r;
	char hint[64];

	unit_hint(p, num, hint, sizeof(hint));
	return perr(p, p->nodes[num].plain ? p->nodes[num].start : opoff,
		    "type error: cannot %s %s %s %s%s", verb,
		    ty_names[p->nodes[l].ty],
		    strcmp(verb, "compare") == 0 ? "with" : "and",
		    ty_names[p->nodes[r].ty], hint);
}

static int make_binary(struct parser *p, enum op op, enum ty ty, int l, int r,
		       size_t opoff)
{
	int i;

	if (is_const(p, l) && is_const(p, r))
		return make_const(p, ty, apply_op(op, p->nodes[l].k,
						  p->nodes[r].k),
				  p->nodes[l].start, p->nodes[r].end);
	i = new_node(p, op, ty, opoff);
	if (i < 0)
		return -1;
	p->nodes[i].a = l;
	p->nodes[i].b = r;
	p->nodes[i].start = p->nodes[l].start;
	p->nodes[i].end = p->nodes[r].end;
	return i;
}

static int make_arith(struct parser *p, enum op op, int l, int r, size_t opoff)
{
	static const char *const verbs[] = {
		[OP_ADD] = "add", [OP_SUB] = "subtract",
		[OP_MUL] = "multiply", [OP_DIV] = "divide",
	};
	enum ty lt = p->nodes[l].ty, rt = p->nodes[r].ty, ty;

	if (lt != TY_NUM && lt != TY_DUR)
		return misuse(p, l, "do arithmetic on");
	if (rt != TY_NUM && rt != TY_DUR)
		return misuse(p, r, "do arithmetic on");
	switch (op) {
	case OP_ADD:
	case OP_SUB:
		if (lt != rt)
			return mixed_units(p, l, r, opoff, verbs[op]);
		ty = lt;
		break;
	case OP_MUL:
		if (lt == TY_DUR && rt == TY_DUR)
			return perr(p, opoff,
				    "type error: cannot multiply two durations");
		ty = (lt == TY_DUR || rt == TY_DUR) ? TY_DUR : TY_NUM;
		break;
	default: /* OP_DIV */
		if (lt == TY_NUM && rt == TY_DUR)
			return perr(p, opoff,
				    "type error: cannot divide a number by a duration");
		ty = (lt == TY_DUR && rt == TY_NUM) ? TY_DUR : TY_NUM;
		break;
	}
	return make_binary(p, op, ty, l, r, opoff);
}

/* Turn string node s into the index of its value for enum feature f. */
static int resolve_enum_string(struct parser *p, int s, enum cw_feature f)
{
	struct node *n = &p->nodes[s];
	const char *text = p->src + n->start + 1;
	size_t len = n->end - n->start - 2;

	for (int v = 0; v < ENUM_NVALUES; v++) {
		const char *name = enum_values(f, v);

		if (strlen(name) == len && memcmp(name, text, len) == 0) {
			n->op = OP_CONST;
			n->ty = TY_STR;
			n->feat = (uint8_t)f;
			n->k = v;
			return 0;
		}
	}
	return perr(p, n->start,
		    "unknown %s value \"%.*s\" (expected \"%s\", \"%s\" or \"%s\")",
		    feature_table[f].name, (int)(len > 40 ? 40 : len), text,
		    enum_values(f, 0), enum_values(f, 1), enum_values(f, 2));
}

static int check_enum_compare(struct parser *p, enum op op, int l, int r,
			      size_t opoff)
{
	enum ty lt = p->nodes[l].ty, rt = p->nodes[r].ty;
	int str = lt == TY_STR ? l : r, other = str == l ? r : l;

	if (lt == TY_STR && rt == TY_STR)
		return perr(p, p->nodes[l].start,
			    "type error: cannot compare two strings");
	if (lt == TY_STR || rt == TY_STR) {
		if (p->nodes[other].ty != TY_ENUM)
			return misuse(p, str, NULL);
		if (op != OP_EQ && op != OP_NE)
			return perr(p, opoff,
				    "type error: %s can only be compared with == or !=",
				    feature_table[p->nodes[other].feat].name);
		return resolve_enum_string(p, str, p->nodes[other].feat);
	}
	/* an enum feature against anything but a string */
	return misuse(p, lt == TY_ENUM ? l : r, NULL);
}

static int make_compare(struct parser *p, enum op op, int l, int r,
			size_t opoff)
{
	enum ty lt = p->nodes[l].ty, rt = p->nodes[r].ty;

	if (lt == TY_STR || rt == TY_STR || lt == TY_ENUM || rt == TY_ENUM) {
		if (check_enum_compare(p, op, l, r, opoff) < 0)
			return -1;
	} else if (lt == TY_BOOL || rt == TY_BOOL) {
		return misuse(p, lt == TY_BOOL ? l : r, "compare");
	} else if (lt != rt) {
		int dur = lt == TY_DUR ? l : r, num = dur == l ? r : l;
		const struct node *d = &p->nodes[dur];

		/* days_silent is the one number people write as a duration */
		if (is_feature(p, num, CW_F_DAYS_SILENT) && is_const(p, dur) &&
		    fmod(d->k, 86400e3) == 0)
			return perr(p, d->start,
				    "type error: cannot compare %s with %s (days_silent is a number of days: write %.0f)",
				    ty_names[lt], ty_names[rt], d->k / 86400e3);
		return mixed_units(p, l, r, opoff, "compare");
	}
	return make_binary(p, op, TY_BOOL, l, r, opoff);
}

static int need_bool(struct parser *p, int i, const char *opname)
{
	const struct node *n = &p->nodes[i];

	if (n->ty == TY_BOOL)
		return 0;
	return perr(p, n->start,
		    "type error: '%s' needs conditions, got a %s (did you forget a comparison?)",
		    opname, ty_names[n->ty]);
}

/*
 * and/or with a constant side fold away: features have no side effects,
 * so dropping a side that cannot change the result is safe.
 */
static int make_logic(struct parser *p, enum op op, int l, int r, size_t opoff)
{
	const char *name = op == OP_AND ? "and" : "or";
	double absorbing = op == OP_AND ? 0 : 1;
	int i;

	if (need_bool(p, l, name) < 0 || need_bool(p, r, name) < 0)
		return -1;
	if (is_const(p, l))
		return p->nodes[l].k == absorbing ? l : r;
	if (is_const(p, r))
		return p->nodes[r].k == absorbing ? r : l;
	i = new_node(p, op, TY_BOOL, opoff);
	if (i < 0)
		return -1;
	p->nodes[i].a = l;
	p->nodes[i].b = r;
	p->nodes[i].start = p->nodes[l].start;
	p->nodes[i].end = p->nodes[r].end;
	return i;
}

static int make_unary(struct parser *p, enum op op, int x, size_t opoff)
{
	struct node *n = &p->nodes[x];
	enum ty ty = n->ty;
	int i;

	if (op == OP_NOT && ty != TY_BOOL)
		return need_bool(p, x, "not");
	if (op == OP_NEG && ty != TY_NUM && ty != TY_DUR)
		return misuse(p, x, "negate");
	if (is_const(p, x))
		return make_const(p, ty, apply_op(op, n->k, 0), opoff, n->end);
	i = new_node(p, op, ty, opoff);
	if (i < 0)
		return -1;
	p->nodes[i].a = x;
	p->nodes[i].end = p->nodes[x].end;
	return i;
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */

static int parse_or(struct parser *p);

/* Every recursive construct passes through here, which bounds both the
 * C stack used by the parser and the nesting users can write. */
static int enter(struct parser *p, size_t off)
{
	if (++p->depth > CW_EXPR_MAX_DEPTH)
		return perr(p, off,
			    "expression nested too deeply (more than %d levels)",
			    CW_EXPR_MAX_DEPTH);
	return 0;
}

static int expect(struct parser *p, enum tok_kind kind, const char *what,
		  const char *context)
{
	char got[64];

	if (p->tok.kind == kind)
		return next(p);
	tok_desc(p, &p->tok, got, sizeof(got));
	return perr(p, p->tok.off, "expected %s%s, got %s", what, context, got);
}

static int parse_window(struct parser *p, const struct cw_feature_info *fi,
			int64_t *arg)
{
	const struct token *t = &p->tok;

	if (t->kind == T_NUM && t->ty == TY_NUM && t->plain)
		return perr(p, t->off,
			    "window must be a duration (write %.*sd)",
			    (int)t->len, p->src + t->off);
	if (t->kind != T_NUM || t->ty != TY_DUR)
		return perr(p, t->off,
			    "expected a window duration like %s(30d)", fi->name);
	if (!(t->num >= 0.5))
		return perr(p, t->off, "window must be greater than 0");
	if (t->num > (double)CW_WINDOW_MAX_MS)
		return perr(p, t->off,
			    "window '%.*s' is longer than the maximum of 180d",
			    (int)t->len, p->src + t->off);
	*arg = llround(t->num);
	return next(p);
}

static int parse_month(struct parser *p, const struct cw_feature_info *fi,
		       int64_t *arg)
{
	const struct token *t = &p->tok;

	if (t->kind != T_NUM || !t->plain || t->num != floor(t->num) ||
	    t->num > MONTH_MAX)
		return perr(p, t->off,
			    "%s takes a month offset from 0 (this month) to %d",
			    fi->name, MONTH_MAX);
	*arg = (int64_t)t->num;
	return next(p);
}

static int parse_feature(struct parser *p)
{
	const struct token t = p->tok;
	const char *name = p->src + t.off;
	const struct cw_feature_info *fi;
	int f = cw_feature_lookup(name, t.len), i, r;
	int64_t arg = 0;
	size_t end;

	if (f < 0) {
		const char *s = suggest_name(name, t.len);

		if (s)
			return perr(p, t.off,
				    "unknown feature '%.*s' (did you mean '%s'?)",
				    (int)(t.len > 40 ? 40 : t.len), name, s);
		return perr(p, t.off, "unknown feature '%.*s'",
			    (int)(t.len > 40 ? 40 : t.len), name);
	}
	fi = &feature_table[f];
	if (next(p) < 0)
		return -1;
	if (fi->arg == CW_FARG_NONE) {
		if (p->tok.kind == T_LP)
			return perr(p, p->tok.off,
				    "feature '%s' takes no argument", fi->name);
		end = t.off + t.len;
	} else {
		if (p->tok.kind != T_LP)
			return perr(p, t.off, fi->arg == CW_FARG_WINDOW ?
				    "feature '%s' needs a window, e.g. %s(30d)" :
				    "feature '%s' needs a month offset, e.g. %s(1)",
				    fi->name, fi->name);
		if (next(p) < 0)
			return -1;
		r = fi->arg == CW_FARG_WINDOW ? parse_window(p, fi, &arg) :
						parse_month(p, fi, &arg);
		if (r < 0)
			return -1;
		end = p->tok.off + 1;
		if (expect(p, T_RP, "')'", " after the argument") < 0)
			return -1;
	}
	i = new_node(p, OP_FEAT, fi->is_enum ? TY_ENUM :
			 fi->is_duration ? TY_DUR : TY_NUM, t.off);
	if (i < 0)
		return -1;
	p->nodes[i].feat = (uint8_t)f;
	p->nodes[i].arg = arg;
	p->nodes[i].end = end;
	return i;
}

static int parse_paren(struct parser *p)
{
	size_t open = p->tok.off;
	char ctx[64];
	int line, col, x;

	if (enter(p, open) < 0 || next(p) < 0)
		return -1;
	x = parse_or(p);
	if (x < 0)
		return -1;
	locate(p, open, &line, &col);
	snprintf(ctx, sizeof(ctx), " to close '(' at %d:%d", line, col);
	if (expect(p, T_RP, "')'", ctx) < 0)
		return -1;
	p->nodes[x].start = open;
	p->nodes[x].end = p->prev.off + 1;
	p->nodes[x].plain = 0;
	p->depth--;
	return x;
}

static int parse_primary(struct parser *p)
{
	const struct token t = p->tok;
	char got[64];
	int i;

	switch (t.kind) {
	case T_NUM:
		i = make_const(p, t.ty, t.num, t.off, t.off + t.len);
		if (i < 0 || next(p) < 0)
			return -1;
		/* "30 d": no feature is named like a unit, so say what's wrong */
		if (p->tok.kind == T_IDENT &&
		    unit_lookup(p->src + p->tok.off, p->tok.len))
			return perr(p, p->tok.off,
				    "unexpected '%.*s': write the unit right after the number (%.*s%.*s)",
				    (int)p->tok.len, p->src + p->tok.off,
				    (int)t.len, p->src + t.off,
				    (int)p->tok.len, p->src + p->tok.off);
		p->nodes[i].plain = (uint8_t)t.plain;
		return i;
	case T_TRUE:
	case T_FALSE:
		i = make_const(p, TY_BOOL, t.kind == T_TRUE, t.off,
			       t.off + t.len);
		return (i < 0 || next(p) < 0) ? -1 : i;
	case T_STR:
		i = new_node(p, OP_STR, TY_STR, t.off);
		if (i < 0 || next(p) < 0)
			return -1;
		p->nodes[i].end = t.off + t.len;
		return i;
	case T_IDENT:
		return parse_feature(p);
	case T_LP:
		return parse_paren(p);
	default:
		tok_desc(p, &t, got, sizeof(got));
		return perr(p, t.off, "expected a value, got %s", got);
	}
}

static int parse_unary(struct parser *p)
{
	size_t off = p->tok.off;
	int x;

	if (p->tok.kind != T_MINUS)
		return parse_primary(p);
	if (enter(p, off) < 0 || next(p) < 0)
		return -1;
	x = parse_unary(p);
	if (x < 0)
		return -1;
	p->depth--;
	return make_unary(p, OP_NEG, x, off);
}

static int parse_mul(struct parser *p)
{
	int l = parse_unary(p), r;

	while (l >= 0 && (p->tok.kind == T_STAR || p->tok.kind == T_SLASH)) {
		enum op op = p->tok.kind == T_STAR ? OP_MUL : OP_DIV;
		size_t off = p->tok.off;

		if (next(p) < 0 || (r = parse_unary(p)) < 0)
			return -1;
		l = make_arith(p, op, l, r, off);
	}
	return l;
}

static int parse_add(struct parser *p)
{
	int l = parse_mul(p), r;

	while (l >= 0 && (p->tok.kind == T_PLUS || p->tok.kind == T_MINUS)) {
		enum op op = p->tok.kind == T_PLUS ? OP_ADD : OP_SUB;
		size_t off = p->tok.off;

		if (next(p) < 0 || (r = parse_mul(p)) < 0)
			return -1;
		l = make_arith(p, op, l, r, off);
	}
	return l;
}

static int compare_op(enum tok_kind k, enum op *op)
{
	switch (k) {
	case T_LT: *op = OP_LT; return 1;
	case T_LE: *op = OP_LE; return 1;
	case T_GT: *op = OP_GT; return 1;
	case T_GE: *op = OP_GE; return 1;
	case T_EQ: *op = OP_EQ; return 1;
	case T_NE: *op = OP_NE; return 1;
	default: return 0;
	}
}

static int parse_cmp(struct parser *p)
{
	int l = parse_add(p), r;
	enum op op, again;
	size_t off;

	if (l < 0 || !compare_op(p->tok.kind, &op))
		return l;
	off = p->tok.off;
	if (next(p) < 0 || (r = parse_add(p)) < 0)
		return -1;
	if (compare_op(p->tok.kind, &again))
		return perr(p, p->tok.off,
			    "comparisons cannot be chained (write 'a < b and b < c')");
	return make_compare(p, op, l, r, off);
}

static int parse_not(struct parser *p)
{
	size_t off = p->tok.off;
	int x;

	if (p->tok.kind != T_NOT)
		return parse_cmp(p);
	if (enter(p, off) < 0 || next(p) < 0)
		return -1;
	x = parse_not(p);
	if (x < 0)
		return -1;
	p->depth--;
	return make_unary(p, OP_NOT, x, off);
}

static int parse_and(struct parser *p)
{
	int l = parse_not(p), r;

	while (l >= 0 && p->tok.kind == T_AND) {
		size_t off = p->tok.off;

		if (next(p) < 0 || (r = parse_not(p)) < 0)
			return -1;
		l = make_logic(p, OP_AND, l, r, off);
	}
	return l;
}

static int parse_or(struct parser *p)
{
	int l = parse_and(p), r;

	while (l >= 0 && p->tok.kind == T_OR) {
		size_t off = p->tok.off;

		if (next(p) < 0 || (r = parse_and(p)) < 0)
			return -1;
		l = make_logic(p, OP_OR, l, r, off);
	}
	return l;
}

static int trailing_error(struct parser *p)
{
	const struct token *t = &p->tok;
	char got[64];

	if (t->kind == T_RP)
		return perr(p, t->off, "unexpected ')' without a matching '('");
	if (t->kind == T_IDENT) {
		const char *s = suggest_name(p->src + t->off, t->len);

		if (s && (strcmp(s, "and") == 0 || strcmp(s, "or") == 0))
			return perr(p, t->off, "unexpected '%.*s' (did you mean '%s'?)",
				    (int)t->len, p->src + t->off, s);
	}
	tok_desc(p, t, got, sizeof(got));
	return perr(p, t->off,
		    "unexpected %s after a complete expression (missing 'and' or 'or'?)",
		    got);
}

/* ------------------------------------------------------------------ */
/* Code generation                                                     */
/* ------------------------------------------------------------------ */

struct emitter {
	struct parser *p;
	int n, sp, max_sp;
	struct insn code[CW_EXPR_MAX_NODES];
};

/* Append one instruction that changes the stack height by `push`. */
static struct insn *emit_insn(struct emitter *em, size_t off, enum op op,
			      int push)
{
	struct insn *in;

	if (em->n >= CW_EXPR_MAX_NODES) {
		perr(em->p, off,
		     "expression too large (more than %d operations)",
		     CW_EXPR_MAX_NODES);
		return NULL;
	}
	em->sp += push;
	if (em->sp > em->max_sp)
		em->max_sp = em->sp;
	if (em->sp > CW_EXPR_MAX_DEPTH) {
		perr(em->p, off,
		     "expression too deeply nested to evaluate (more than %d pending values)",
		     CW_EXPR_MAX_DEPTH);
		return NULL;
	}
	in = &em->code[em->n++];
	memset(in, 0, sizeof(*in));
	in->op = (uint8_t)op;
	return in;
}

/*
 * Postfix emission. `a and b` becomes `a JF(L) b L:` — JF leaves the false
 * value as the result and skips b (and its feature reads); otherwise it
 * pops a and b's value is the result. `or` is the same with JT.
 */
static int emit(struct emitter *em, int i)
{
	const struct node *n = &em->p->nodes[i];
	struct insn *in;
	int j;

	switch ((enum op)n->op) {
	case OP_CONST:
		if (!(in = emit_insn(em, n->off, OP_CONST, 1)))
			return -1;
		in->ty = n->ty;
		in->feat = n->feat;
		in->u.k = n->k;
		return 0;
	case OP_FEAT:
		if (!(in = emit_insn(em, n->off, OP_FEAT, 1)))
			return -1;
		in->feat = n->feat;
		in->u.arg = n->arg;
		return 0;
	case OP_NEG:
	case OP_NOT:
		if (emit(em, n->a) < 0)
			return -1;
		return emit_insn(em, n->off, n->op, 0) ? 0 : -1;
	case OP_AND:
	case OP_OR:
		if (emit(em, n->a) < 0 ||
		    !emit_insn(em, n->off, n->op == OP_AND ? OP_JF : OP_JT, -1))
			return -1;
		j = em->n - 1;
		if (emit(em, n->b) < 0)
			return -1;
		em->code[j].target = em->n;
		return 0;
	default:
		if (emit(em, n->a) < 0)
			return -1;
		if (em->p->nodes[n->b].op == OP_CONST) {
			/* fused: one dispatch instead of two, the most common
			 * shape being `feature > constant` */
			const struct node *k = &em->p->nodes[n->b];

			if (!(in = emit_insn(em, n->off, with_const(n->op), 0)))
				return -1;
			in->ty = k->ty;
			in->feat = k->feat;
			in->u.k = k->k;
			return 0;
		}
		if (emit(em, n->b) < 0)
			return -1;
		return emit_insn(em, n->off, n->op, -1) ? 0 : -1;
	}
}

int cw_expr_compile(const char *src, size_t len, const char *file, int line,
		    int col, struct cw_expr **out, char *err, size_t errlen)
{
	struct parser p = {
		.src = src ? src : "", .len = src ? len : 0, .file = file,
		.line = line, .col = col, .err = err, .errlen = errlen,
	};
	struct emitter *em = NULL;
	struct cw_expr *e;
	int root, ret = -1;

	if (err && errlen)
		err[0] = '\0';
	if (p.len > CW_EXPR_MAX_LEN)
		return perr(&p, 0, "expression too long (%zu bytes, limit %d)",
			    p.len, CW_EXPR_MAX_LEN);
	/* every node owns at least one token, so len + 2 always suffices */
	p.cap = (int)p.len + 2;
	p.nodes = calloc((size_t)p.cap, sizeof(*p.nodes));
	em = calloc(1, sizeof(*em));
	if (!p.nodes || !em) {
		perr(&p, 0, "out of memory");
		goto out;
	}
	if (next(&p) < 0)
		goto out;
	if (p.tok.kind == T_EOF) {
		perr(&p, 0, "empty expression");
		goto out;
	}
	root = parse_or(&p);
	if (root < 0)
		goto out;
	if (p.tok.kind != T_EOF) {
		trailing_error(&p);
		goto out;
	}
	if (p.nodes[root].ty != TY_BOOL) {
		perr(&p, p.nodes[root].start,
		     "type error: the expression must be a condition, got a %s (did you forget a comparison?)",
		     ty_names[p.nodes[root].ty]);
		goto out;
	}
	em->p = &p;
	if (emit(em, root) < 0)
		goto out;
	e = malloc(sizeof(*e) + (size_t)em->n * sizeof(struct insn));
	if (!e) {
		perr(&p, 0, "out of memory");
		goto out;
	}
	e->n = em->n;
	e->max_stack = em->max_sp;
	memcpy(e->code, em->code, (size_t)em->n * sizeof(struct insn));
	*out = e;
	ret = 0;
out:
	free(p.nodes);
	free(em);
	return ret;
}

void cw_expr_free(struct cw_expr *e)
{
	free(e);
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */
/* ------------------------------------------------------------------ */

/*
 * The compiler guarantees the stack never exceeds CW_EXPR_MAX_DEPTH and
 * that every program leaves exactly one value. A NULL program (no `where:`)
 * is true.
 */
int cw_expr_eval(const struct cw_expr *e, cw_feature_fn fn, void *ctx)
{
	double st[CW_EXPR_MAX_DEPTH];
	double *sp = st;
	const struct insn *code, *ip, *end;

	if (!e)
		return 1;
	code = e->code;
	end = code + e->n;
	for (ip = code; ip < end; ip++) {
		switch ((enum op)ip->op) {
		case OP_CONST:
			*sp++ = ip->u.k;
			break;
		case OP_FEAT:
			*sp++ = fn(ctx, (enum cw_feature)ip->feat, ip->u.arg);
			break;
		case OP_ADD: sp--; sp[-1] = sp[-1] + sp[0]; break;
		case OP_SUB: sp--; sp[-1] = sp[-1] - sp[0]; break;
		case OP_MUL: sp--; sp[-1] = sp[-1] * sp[0]; break;
		case OP_DIV: sp--; sp[-1] = safe_div(sp[-1], sp[0]); break;
		case OP_LT: sp--; sp[-1] = sp[-1] < sp[0]; break;
		case OP_LE: sp--; sp[-1] = sp[-1] <= sp[0]; break;
		case OP_GT: sp--; sp[-1] = sp[-1] > sp[0]; break;
		case OP_GE: sp--; sp[-1] = sp[-1] >= sp[0]; break;
		case OP_EQ: sp--; sp[-1] = sp[-1] == sp[0]; break;
		case OP_NE: sp--; sp[-1] = sp[-1] != sp[0]; break;
		case OP_ADD_K: sp[-1] = sp[-1] + ip->u.k; break;
		case OP_SUB_K: sp[-1] = sp[-1] - ip->u.k; break;
		case OP_MUL_K: sp[-1] = sp[-1] * ip->u.k; break;
		case OP_DIV_K: sp[-1] = safe_div(sp[-1], ip->u.k); break;
		case OP_LT_K: sp[-1] = sp[-1] < ip->u.k; break;
		case OP_LE_K: sp[-1] = sp[-1] <= ip->u.k; break;
		case OP_GT_K: sp[-1] = sp[-1] > ip->u.k; break;
		case OP_GE_K: sp[-1] = sp[-1] >= ip->u.k; break;
		case OP_EQ_K: sp[-1] = sp[-1] == ip->u.k; break;
		case OP_NE_K: sp[-1] = sp[-1] != ip->u.k; break;
		case OP_NEG: sp[-1] = -sp[-1]; break;
		case OP_NOT: sp[-1] = sp[-1] == 0; break;
		case OP_JF:
			if (sp[-1] == 0)
				ip = code + ip->target - 1;
			else
				sp--;
			break;
		case OP_JT:
			if (sp[-1] != 0)
				ip = code + ip->target - 1;
			else
				sp--;
			break;
		default: /* AST-only operators are never emitted */
			break;
		}
	}
	return st[0] != 0;
}

/* Reports each distinct (feature, argument) pair once, in program order. */
void cw_expr_visit_features(const struct cw_expr *e,
			    void (*cb)(void *ctx, enum cw_feature f,
				       int64_t arg),
			    void *ctx)
{
	if (!e || !cb)
		return;
	for (int i = 0; i < e->n; i++) {
		const struct insn *in = &e->code[i];
		int seen = 0;

		if (in->op != OP_FEAT)
			continue;
		for (int j = 0; j < i && !seen; j++)
			seen = e->code[j].op == OP_FEAT &&
			       e->code[j].feat == in->feat &&
			       e->code[j].u.arg == in->u.arg;
		if (!seen)
			cb(ctx, (enum cw_feature)in->feat, in->u.arg);
	}
}

/* ------------------------------------------------------------------ */
/* Decompilation (cw_expr_to_string)                                   */
/* ------------------------------------------------------------------ */

enum prec { P_OR = 1, P_AND, P_NOT, P_CMP, P_ADD, P_MUL, P_UNARY, P_ATOM };

struct frag {
	char *s;
	int prec;
};

__attribute__((format(printf, 1, 2)))
static char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Shortest text that strtod() reads back as exactly v. */
static void fmt_number(char *buf, size_t len, double v)
{
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* A duration in the largest unit that represents it exactly. */
static void fmt_duration(char *buf, size_t len, double ms)
{
	static const struct unit big[] = {
		{ "d", 86400e3 }, { "h", 3600e3 }, { "m", 60e3 }, { "s", 1e3 },
	};
	char num[40];

	if (ms != 0 && ms == floor(ms) && fabs(ms) < 9e15) {
		for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
			if (fmod(ms, big[i].ms) == 0) {
				snprintf(buf, len, "%.0f%s", ms / big[i].ms,
					 big[i].name);
				return;
			}
		}
	}
	fmt_number(num, sizeof(num), ms);
	snprintf(buf, len, "%sms", num);
}

static char *leaf_text(const struct insn *in)
{
	const struct cw_feature_info *fi;
	char buf[64];

	if (in->op == OP_FEAT) {
		fi = &feature_table[in->feat];
		if (fi->arg == CW_FARG_NONE)
			return str_printf("%s", fi->name);
		if (fi->arg == CW_FARG_MONTH)
			return str_printf("%s(%lld)", fi->name,
					  (long long)in->u.arg);
		fmt_duration(buf, sizeof(buf), (double)in->u.arg);
		return str_printf("%s(%s)", fi->name, buf);
	}
	switch ((enum ty)in->ty) {
	case TY_DUR:
		fmt_duration(buf, sizeof(buf), in->u.k);
		break;
	case TY_BOOL:
		return str_printf("%s", in->u.k != 0 ? "true" : "false");
	case TY_STR:
		return str_printf("\"%s\"", enum_values(in->feat, (int)in->u.k));
	default:
		fmt_number(buf, sizeof(buf), in->u.k);
		break;
	}
	return str_printf("%s", buf);
}

static const char *op_text(enum op op, int *prec)
{
	switch (op) {
	case OP_ADD: *prec = P_ADD; return "+";
	case OP_SUB: *prec = P_ADD; return "-";
	case OP_MUL: *prec = P_MUL; return "*";
	case OP_DIV: *prec = P_MUL; return "/";
	case OP_LT: *prec = P_CMP; return "<";
	case OP_LE: *prec = P_CMP; return "<=";
	case OP_GT: *prec = P_CMP; return ">";
	case OP_GE: *prec = P_CMP; return ">=";
	case OP_EQ: *prec = P_CMP; return "==";
	case OP_NE: *prec = P_CMP; return "!=";
	case OP_JF: *prec = P_AND; return "and";
	default: *prec = P_OR; return "or";
	}
}

/*
 * Replace the top two fragments by "l op r". Parentheses keep the tree
 * shape exactly (floating point is not associative): the right operand
 * is wrapped at equal precedence, the left too for comparisons, which do
 * not chain.
 */
static int frag_binary(struct frag *st, int *nst, enum op op)
{
	struct frag *l = &st[*nst - 2], *r = &st[*nst - 1];
	int prec, lp, rp;
	const char *t = op_text(op, &prec);
	char *s;

	lp = prec == P_CMP ? l->prec <= prec : l->prec < prec;
	rp = r->prec <= prec;
	s = str_printf("%s%s%s %s %s%s%s", lp ? "(" : "", l->s, lp ? ")" : "",
		       t, rp ? "(" : "", r->s, rp ? ")" : "");
	if (!s)
		return -ENOMEM;
	free(l->s);
	free(r->s);
	l->s = s;
	l->prec = prec;
	(*nst)--;
	return 0;
}

static int frag_unary(struct frag *f, enum op op)
{
	int paren;
	char *s;

	if (op == OP_NOT) {
		paren = f->prec < P_NOT;
		s = str_printf("not %s%s%s", paren ? "(" : "", f->s,
			       paren ? ")" : "");
	} else {
		paren = f->prec < P_UNARY || f->s[0] == '-';
		s = str_printf("-%s%s%s", paren ? "(" : "", f->s,
			       paren ? ")" : "");
	}
	if (!s)
		return -ENOMEM;
	free(f->s);
	f->s = s;
	f->prec = op == OP_NOT ? P_NOT : P_UNARY;
	return 0;
}

/*
 * Rebuild text from postfix code. A jump at i opens an and/or whose right
 * operand is the code up to its target; jumps nest, so the pending ones
 * form a stack and close innermost first.
 */
int cw_expr_to_string(const struct cw_expr *e, char *out, size_t outlen)
{
	struct frag *st;
	int *pend, nst = 0, npend = 0, ret = 0, n;

	if (!e || !out || outlen == 0)
		return -EINVAL;
	st = calloc((size_t)e->n + 1, sizeof(*st));
	pend = calloc((size_t)e->n + 1, sizeof(*pend));
	if (!st || !pend) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i <= e->n && ret == 0; i++) {
		while (ret == 0 && npend > 0 && e->code[pend[npend - 1]].target == i)
			ret = frag_binary(st, &nst, e->code[pend[--npend]].op);
		if (i == e->n || ret < 0)
			break;
		switch ((enum op)e->code[i].op) {
		case OP_CONST:
		case OP_FEAT:
			st[nst].s = leaf_text(&e->code[i]);
			if (!st[nst].s) {
				ret = -ENOMEM;
				break;
			}
			st[nst].prec = st[nst].s[0] == '-' ? P_UNARY : P_ATOM;
			nst++;
			break;
		case OP_JF:
		case OP_JT:
			pend[npend++] = i;
			break;
		case OP_NEG:
		case OP_NOT:
			ret = frag_unary(&st[nst - 1], e->code[i].op);
			break;
		case OP_ADD_K: case OP_SUB_K: case OP_MUL_K: case OP_DIV_K:
		case OP_LT_K: case OP_LE_K: case OP_GT_K: case OP_GE_K:
		case OP_EQ_K: case OP_NE_K: {
			struct insn k = e->code[i];

			k.op = OP_CONST;
			st[nst].s = leaf_text(&k);
			if (!st[nst].s) {
				ret = -ENOMEM;
				break;
			}
			st[nst].prec = st[nst].s[0] == '-' ? P_UNARY : P_ATOM;
			nst++;
			ret = frag_binary(st, &nst, without_const(e->code[i].op));
			break;
		}
		default:
			ret = frag_binary(st, &nst, e->code[i].op);
			break;
		}
	}
	if (ret == 0) {
		n = snprintf(out, outlen, "%s", st[0].s);
		if (n < 0 || (size_t)n >= outlen)
			ret = -ENOSPC;
	}
out:
	for (int i = 0; st && i < nst; i++)
		free(st[i].s);
	free(st);
	free(pend);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Joint satisfiability probe                                          */
/* ------------------------------------------------------------------ */

#define SAT_SAMPLES 4096
#define SAT_MAX_CONST 32
#define SAT_MAX_CAND (3 * SAT_MAX_CONST + 2)

struct sat_var {
	uint8_t f;
	int64_t arg;
	int ndirect, ncand;
	double direct[SAT_MAX_CONST]; /* constants compared directly with it */
	double cand[SAT_MAX_CAND];
	double cur;
};

struct sat {
	struct sat_var *v;
	int nv;
	int nnum, ndur;
	double nums[SAT_MAX_CONST], durs[SAT_MAX_CONST];
};

static void add_unique(double *arr, int *n, int cap, double x)
{
	for (int i = 0; i < *n; i++)
		if (arr[i] == x)
			return;
	if (*n < cap)
		arr[(*n)++] = x;
}

static struct sat_var *sat_var_get(struct sat *s, const struct insn *in)
{
	for (int i = 0; i < s->nv; i++)
		if (s->v[i].f == in->feat && s->v[i].arg == in->u.arg)
			return &s->v[i];
	s->v[s->nv].f = in->feat;
	s->v[s->nv].arg = in->u.arg;
	return &s->v[s->nv++];
}

static int is_compare(uint8_t op)
{
	return op >= OP_LT && op <= OP_NE;
}

/* Gather variables, all constants by type, and feature-vs-constant
 * comparisons (the two operands are the two leaves right before). */
static void sat_collect(struct sat *s, const struct cw_expr *e)
{
	for (int i = 0; e && i < e->n; i++) {
		const struct insn *in = &e->code[i], *x, *y;

		int has_k = in->op == OP_CONST || in->op >= OP_ADD_K;

		if (in->op == OP_FEAT)
			sat_var_get(s, in);
		else if (has_k && in->ty == TY_NUM)
			add_unique(s->nums, &s->nnum, SAT_MAX_CONST, in->u.k);
		else if (has_k && in->ty == TY_DUR)
			add_unique(s->durs, &s->ndur, SAT_MAX_CONST, in->u.k);
		if (in->op >= OP_LT_K && i >= 1 && e->code[i - 1].op == OP_FEAT) {
			struct sat_var *v = sat_var_get(s, &e->code[i - 1]);

			add_unique(v->direct, &v->ndirect, SAT_MAX_CONST, in->u.k);
			continue;
		}
		if (!is_compare(in->op) || i < 2)
			continue;
		x = &e->code[i - 2];
		y = &e->code[i - 1];
		if (x->op == OP_CONST && y->op == OP_FEAT) {
			const struct insn *t = x;

			x = y;
			y = t;
		}
		if (x->op == OP_FEAT && y->op == OP_CONST) {
			struct sat_var *v = sat_var_get(s, x);

			add_unique(v->direct, &v->ndirect, SAT_MAX_CONST, y->u.k);
		}
	}
}

/* Candidate values: 0, a large value, and each relevant constant with its
 * neighbours just below and above. */
static void sat_candidates(struct sat *s, struct sat_var *v)
{
	const struct cw_feature_info *fi = &feature_table[v->f];
	const double *base = v->direct;
	int nbase = v->ndirect;
	double maxabs = 0, eps;

	if (fi->is_enum) {
		for (int i = 0; i < ENUM_NVALUES; i++)
			v->cand[v->ncand++] = i;
		return;
	}
	if (nbase == 0) {
		base = fi->is_duration ? s->durs : s->nums;
		nbase = fi->is_duration ? s->ndur : s->nnum;
	}
	for (int i = 0; i < nbase; i++)
		maxabs = fmax(maxabs, fabs(base[i]));
	add_unique(v->cand, &v->ncand, SAT_MAX_CAND, 0);
	add_unique(v->cand, &v->ncand, SAT_MAX_CAND,
		   2 * maxabs + (fi->is_duration ? 365 * 86400e3 : 1e6));
	for (int i = 0; i < nbase; i++) {
		eps = fmax(fabs(base[i]) * 1e-9, fi->is_duration ? 1 : 1e-6);
		add_unique(v->cand, &v->ncand, SAT_MAX_CAND, base[i]);
		add_unique(v->cand, &v->ncand, SAT_MAX_CAND, base[i] - eps);
		add_unique(v->cand, &v->ncand, SAT_MAX_CAND, base[i] + eps);
	}
}

static double sat_feature(void *ctx, enum cw_feature f, int64_t arg)
{
	const struct sat *s = ctx;

	for (int i = 0; i < s->nv; i++)
		if (s->v[i].f == f && s->v[i].arg == arg)
			return s->v[i].cur;
	return 0;
}

static int sat_try(struct sat *s, const struct cw_expr *a,
		   const struct cw_expr *b)
{
	return cw_expr_eval(a, sat_feature, s) && cw_expr_eval(b, sat_feature, s);
}

int cw_expr_jointly_satisfiable(const struct cw_expr *a,
				const struct cw_expr *b)
{
	struct sat s = { 0 };
	uint64_t total = 1, rng = 0x9e3779b97f4a7c15ULL;
	int found = 0;

	s.v = calloc((size_t)(a ? a->n : 0) + (size_t)(b ? b->n : 0) + 1,
		     sizeof(*s.v));
	if (!s.v)
		return 1; /* cannot tell: do not warn */
	sat_collect(&s, a);
	sat_collect(&s, b);
	for (int i = 0; i < s.nv; i++) {
		sat_candidates(&s, &s.v[i]);
		total = total * (uint64_t)s.v[i].ncand;
		if (total > SAT_SAMPLES)
			total = SAT_SAMPLES + 1;
	}
	for (uint64_t k = 0; k < SAT_SAMPLES && k < total && !found; k++) {
		uint64_t idx = k;

		for (int i = 0; i < s.nv; i++) {
			struct sat_var *v = &s.v[i];
			uint64_t pick;

			if (total <= SAT_SAMPLES) { /* exhaustive, mixed radix */
				pick = idx % (uint64_t)v->ncand;
				idx /= (uint64_t)v->ncand;
			} else { /* xorshift64, fixed seed: reproducible */
				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				pick = rng % (uint64_t)v->ncand;
			}
			v->cur = v->cand[pick];
		}
		found = sat_try(&s, a, b);
	}
	free(s.v);
	return found;
}
