/*
 * fuzz_expr.c — cw_expr_compile on arbitrary text; compiled programs are
 * evaluated against feature readers returning varied values (zero,
 * negative, huge, NaN, infinities), printed, and their canonical text is
 * compiled again and must evaluate the same way.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cw/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_feat {
	uint32_t seed;
};

static double fuzz_feature(void *ctx, enum cw_feature f, int64_t arg)
{
	static const double vals[] = { 0, 1, -1, 0.5, 49.999, 50, 100, 1e300,
				       -1e300, 86400000.0 * 91 };
	const struct fuzz_feat *st = ctx;
	uint32_t h = st->seed * 2654435761u ^ (uint32_t)f * 40503u ^
		     (uint32_t)arg;

	if ((unsigned)f >= CW_F__COUNT)
		abort();
	if (st->seed == 7)
		return NAN;
	if (st->seed == 8)
		return (h & 1) ? INFINITY : -INFINITY;
	return vals[h % (sizeof(vals) / sizeof(vals[0]))];
}

static void fuzz_visit(void *ctx, enum cw_feature f, int64_t arg)
{
	(void)ctx;
	(void)arg;
	if ((unsigned)f >= CW_F__COUNT)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_expr *e = NULL, *again = NULL;
	char err[256], text[8192];
	int r[10];

	if (cw_expr_compile((const char *)data, size, "fuzz.yaml", 1, 1, &e,
			    err, sizeof(err)) != 0) {
		if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	for (uint32_t s = 0; s < 10; s++) {
		struct fuzz_feat st = { s };

		r[s] = cw_expr_eval(e, fuzz_feature, &st);
		if (r[s] != 0 && r[s] != 1)
			abort();
	}
	cw_expr_visit_features(e, fuzz_visit, NULL);
	(void)cw_expr_jointly_satisfiable(e, e);
	if (cw_expr_to_string(e, text, sizeof(text)) >= 0 &&
	    memchr(text, '\0', sizeof(text)) != NULL &&
	    cw_expr_compile(text, strlen(text), "canonical", 1, 1, &again,
			    err, sizeof(err)) == 0) {
		for (uint32_t s = 0; s < 10; s++) {
			struct fuzz_feat st = { s };

			/* NaN readers may legitimately differ in how a
			 * reordered comparison treats NaN; skip them. */
			if (s == 7 || s == 8)
				continue;
			if (cw_expr_eval(again, fuzz_feature, &st) != r[s])
				abort();
		}
		cw_expr_free(again);
	}
	cw_expr_free(e);
	return 0;
}
