/*
 * expr_sat.c — the joint satisfiability probe behind check-rules' "can
 * never fire" warning (cw_expr_jointly_satisfiable): candidate feature
 * values are drawn from the constants the two programs compare against,
 * and both programs are evaluated on each sample.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "expr_int.h"

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
	const struct cw_feature_info *fi = &expr_feature_table[v->f];
	const double *base = v->direct;
	int nbase = v->ndirect;
	double maxabs = 0, eps;

	if (fi->is_enum) {
		for (int i = 0; i < cw_feature_enum_count(v->f) && i < SAT_MAX_CAND; i++)
			v->cand[v->ncand++] = i;
		return;
	}
	if (fi->is_bool) {
		v->cand[v->ncand++] = 0;
		v->cand[v->ncand++] = 1;
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
