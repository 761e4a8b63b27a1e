/*
 * expr_eval.c — running compiled rule expressions: the postfix evaluator
 * (cw_expr_eval), the feature walk the engine sizes its state from
 * (cw_expr_visit_features), and decompilation back to canonical text
 * (cw_expr_to_string).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "expr_int.h"

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
void cw_format_duration(char *buf, size_t len, double ms)
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
		fi = &expr_feature_table[in->feat];
		if (fi->arg == CW_FARG_NONE)
			return str_printf("%s", fi->name);
		if (fi->arg == CW_FARG_MONTH)
			return str_printf("%s(%lld)", fi->name,
					  (long long)in->u.arg);
		cw_format_duration(buf, sizeof(buf), (double)in->u.arg);
		return str_printf("%s(%s)", fi->name, buf);
	}
	switch ((enum ty)in->ty) {
	case TY_DUR:
		cw_format_duration(buf, sizeof(buf), in->u.k);
		break;
	case TY_BOOL:
		return str_printf("%s", in->u.k != 0 ? "true" : "false");
	case TY_STR:
		return str_printf("\"%s\"", expr_enum_values(in->feat, (int)in->u.k));
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
