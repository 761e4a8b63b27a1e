/*
 * expr_parse.c — the rule expression compiler: a recursive-descent parser
 * over expr_lex.c's tokens that builds a typed AST in a temporary node
 * pool, type checking and folding constants as each node is made, then
 * flattens it into the postfix program cw_expr_eval() runs
 * (cw_expr_compile, cw_expr_free).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

#define MONTH_MAX 12

static const char *const ty_names[] = {
	[TY_NUM] = "number", [TY_DUR] = "duration", [TY_BOOL] = "condition",
	[TY_STR] = "string", [TY_ENUM] = "category",
};

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

/* ------------------------------------------------------------------ */
/* AST construction: type checking and constant folding                */
/* ------------------------------------------------------------------ */

static int new_node(struct parser *p, enum op op, enum ty ty, size_t off)
{
	struct node *n;

	if (p->nnodes >= p->cap)
		return expr_perr(p, off, "expression too large");
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
		return expr_perr(p, start, "constant expression overflows");
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
		return expr_perr(p, n->start,
				 "type error: a string can only be compared (== or !=) with arpu_tier or tenure_stage");
	if (n->ty == TY_ENUM)
		return expr_perr(p, n->start,
				 "type error: %s is a category: compare it with == or != and a quoted value, e.g. %s == \"%s\"",
				 expr_feature_table[n->feat].name,
				 expr_feature_table[n->feat].name,
				 expr_enum_values(n->feat, 2));
	return expr_perr(p, n->start,
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
	return expr_perr(p, p->nodes[num].plain ? p->nodes[num].start : opoff,
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
			return expr_perr(p, opoff,
					 "type error: cannot multiply two durations");
		ty = (lt == TY_DUR || rt == TY_DUR) ? TY_DUR : TY_NUM;
		break;
	default: /* OP_DIV */
		if (lt == TY_NUM && rt == TY_DUR)
			return expr_perr(p, opoff,
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

	char list[96];
	size_t used = 0;

	for (int v = 0; v < cw_feature_enum_count(f); v++) {
		const char *name = expr_enum_values(f, v);

		if (strlen(name) == len && memcmp(name, text, len) == 0) {
			n->op = OP_CONST;
			n->ty = TY_STR;
			n->feat = (uint8_t)f;
			n->k = v;
			return 0;
		}
	}
	list[0] = '\0';
	for (int v = 0; v < cw_feature_enum_count(f); v++) {
		int k = snprintf(list + used, sizeof(list) - used, "%s\"%s\"",
				 v == 0 ? "" : v + 1 == cw_feature_enum_count(f) ? " or " : ", ",
				 expr_enum_values(f, v));
		if (k > 0 && (size_t)k < sizeof(list) - used)
			used += (size_t)k;
	}
	return expr_perr(p, n->start, "unknown %s value \"%.*s\" (expected %s)",
			 expr_feature_table[f].name, (int)(len > 40 ? 40 : len),
			 text, list);
}

static int check_enum_compare(struct parser *p, enum op op, int l, int r,
			      size_t opoff)
{
	enum ty lt = p->nodes[l].ty, rt = p->nodes[r].ty;
	int str = lt == TY_STR ? l : r, other = str == l ? r : l;

	if (lt == TY_STR && rt == TY_STR)
		return expr_perr(p, p->nodes[l].start,
				 "type error: cannot compare two strings");
	if (lt == TY_STR || rt == TY_STR) {
		if (p->nodes[other].ty != TY_ENUM)
			return misuse(p, str, NULL);
		if (op != OP_EQ && op != OP_NE)
			return expr_perr(p, opoff,
					 "type error: %s can only be compared with == or !=",
					 expr_feature_table[p->nodes[other].feat].name);
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
			return expr_perr(p, d->start,
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
	return expr_perr(p, n->start,
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
		return expr_perr(p, off,
				 "expression nested too deeply (more than %d levels)",
				 CW_EXPR_MAX_DEPTH);
	return 0;
}

static int expect(struct parser *p, enum tok_kind kind, const char *what,
		  const char *context)
{
	char got[64];

	if (p->tok.kind == kind)
		return expr_next(p);
	expr_tok_desc(p, &p->tok, got, sizeof(got));
	return expr_perr(p, p->tok.off, "expected %s%s, got %s", what, context, got);
}

static int parse_window(struct parser *p, const struct cw_feature_info *fi,
			int64_t *arg)
{
	const struct token *t = &p->tok;

	if (t->kind == T_NUM && t->ty == TY_NUM && t->plain)
		return expr_perr(p, t->off,
				 "window must be a duration (write %.*sd)",
				 (int)t->len, p->src + t->off);
	if (t->kind != T_NUM || t->ty != TY_DUR)
		return expr_perr(p, t->off,
				 "expected a window duration like %s(30d)", fi->name);
	if (!(t->num >= 0.5))
		return expr_perr(p, t->off, "window must be greater than 0");
	if (t->num > (double)CW_WINDOW_MAX_MS)
		return expr_perr(p, t->off,
				 "window '%.*s' is longer than the maximum of 180d",
				 (int)t->len, p->src + t->off);
	*arg = llround(t->num);
	return expr_next(p);
}

static int parse_month(struct parser *p, const struct cw_feature_info *fi,
		       int64_t *arg)
{
	const struct token *t = &p->tok;

	if (t->kind != T_NUM || !t->plain || t->num != floor(t->num) ||
	    t->num > MONTH_MAX)
		return expr_perr(p, t->off,
				 "%s takes a month offset from 0 (this month) to %d",
				 fi->name, MONTH_MAX);
	*arg = (int64_t)t->num;
	return expr_next(p);
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
		const char *s = expr_suggest_name(name, t.len);

		if (s)
			return expr_perr(p, t.off,
					 "unknown feature '%.*s' (did you mean '%s'?)",
					 (int)(t.len > 40 ? 40 : t.len), name, s);
		return expr_perr(p, t.off, "unknown feature '%.*s'",
				 (int)(t.len > 40 ? 40 : t.len), name);
	}
	fi = &expr_feature_table[f];
	if (expr_next(p) < 0)
		return -1;
	if (fi->arg == CW_FARG_NONE) {
		if (p->tok.kind == T_LP)
			return expr_perr(p, p->tok.off,
					 "feature '%s' takes no argument", fi->name);
		end = t.off + t.len;
	} else {
		if (p->tok.kind != T_LP)
			return expr_perr(p, t.off, fi->arg == CW_FARG_WINDOW ?
					 "feature '%s' needs a window, e.g. %s(30d)" :
					 "feature '%s' needs a month offset, e.g. %s(1)",
					 fi->name, fi->name);
		if (expr_next(p) < 0)
			return -1;
		r = fi->arg == CW_FARG_WINDOW ? parse_window(p, fi, &arg) :
						parse_month(p, fi, &arg);
		if (r < 0)
			return -1;
		end = p->tok.off + 1;
		if (expect(p, T_RP, "')'", " after the argument") < 0)
			return -1;
	}
	i = new_node(p, OP_FEAT, fi->is_enum ? TY_ENUM : fi->is_bool ? TY_BOOL :
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

	if (enter(p, open) < 0 || expr_next(p) < 0)
		return -1;
	x = parse_or(p);
	if (x < 0)
		return -1;
	expr_locate(p, open, &line, &col);
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
		if (i < 0 || expr_next(p) < 0)
			return -1;
		/* "30 d": no feature is named like a unit, so say what's wrong */
		if (p->tok.kind == T_IDENT &&
		    expr_unit_lookup(p->src + p->tok.off, p->tok.len))
			return expr_perr(p, p->tok.off,
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
		return (i < 0 || expr_next(p) < 0) ? -1 : i;
	case T_STR:
		i = new_node(p, OP_STR, TY_STR, t.off);
		if (i < 0 || expr_next(p) < 0)
			return -1;
		p->nodes[i].end = t.off + t.len;
		return i;
	case T_IDENT:
		return parse_feature(p);
	case T_LP:
		return parse_paren(p);
	default:
		expr_tok_desc(p, &t, got, sizeof(got));
		return expr_perr(p, t.off, "expected a value, got %s", got);
	}
}

static int parse_unary(struct parser *p)
{
	size_t off = p->tok.off;
	int x;

	if (p->tok.kind != T_MINUS)
		return parse_primary(p);
	if (enter(p, off) < 0 || expr_next(p) < 0)
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

		if (expr_next(p) < 0 || (r = parse_unary(p)) < 0)
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

		if (expr_next(p) < 0 || (r = parse_mul(p)) < 0)
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
	if (expr_next(p) < 0 || (r = parse_add(p)) < 0)
		return -1;
	if (compare_op(p->tok.kind, &again))
		return expr_perr(p, p->tok.off,
				 "comparisons cannot be chained (write 'a < b and b < c')");
	return make_compare(p, op, l, r, off);
}

static int parse_not(struct parser *p)
{
	size_t off = p->tok.off;
	int x;

	if (p->tok.kind != T_NOT)
		return parse_cmp(p);
	if (enter(p, off) < 0 || expr_next(p) < 0)
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

		if (expr_next(p) < 0 || (r = parse_not(p)) < 0)
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

		if (expr_next(p) < 0 || (r = parse_and(p)) < 0)
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
		return expr_perr(p, t->off, "unexpected ')' without a matching '('");
	if (t->kind == T_IDENT) {
		const char *s = expr_suggest_name(p->src + t->off, t->len);

		if (s && (strcmp(s, "and") == 0 || strcmp(s, "or") == 0))
			return expr_perr(p, t->off, "unexpected '%.*s' (did you mean '%s'?)",
					 (int)t->len, p->src + t->off, s);
	}
	expr_tok_desc(p, t, got, sizeof(got));
	return expr_perr(p, t->off,
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
		expr_perr(em->p, off,
			  "expression too large (more than %d operations)",
			  CW_EXPR_MAX_NODES);
		return NULL;
	}
	em->sp += push;
	if (em->sp > em->max_sp)
		em->max_sp = em->sp;
	if (em->sp > CW_EXPR_MAX_DEPTH) {
		expr_perr(em->p, off,
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
		return expr_perr(&p, 0, "expression too long (%zu bytes, limit %d)",
				 p.len, CW_EXPR_MAX_LEN);
	/* every node owns at least one token, so len + 2 always suffices */
	p.cap = (int)p.len + 2;
	p.nodes = calloc((size_t)p.cap, sizeof(*p.nodes));
	em = calloc(1, sizeof(*em));
	if (!p.nodes || !em) {
		expr_perr(&p, 0, "out of memory");
		goto out;
	}
	if (expr_next(&p) < 0)
		goto out;
	if (p.tok.kind == T_EOF) {
		expr_perr(&p, 0, "empty expression");
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
		expr_perr(&p, p.nodes[root].start,
			  "type error: the expression must be a condition, got a %s (did you forget a comparison?)",
			  ty_names[p.nodes[root].ty]);
		goto out;
	}
	em->p = &p;
	if (emit(em, root) < 0)
		goto out;
	e = malloc(sizeof(*e) + (size_t)em->n * sizeof(struct insn));
	if (!e) {
		expr_perr(&p, 0, "out of memory");
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
