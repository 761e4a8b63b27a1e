/*
 * test_expr.c — unit tests for the rule expression language (daemon/core/expr*.c).
 *
 * Expressions are evaluated against a fake feature reader whose values are
 * set per test; it also counts calls so short-circuiting can be observed.
 */
#include <check.h>

#include "check_main.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/expr.h"

#define DAY (86400.0 * 1000)
#define FILE_NAME "rules.yaml"
#define LINE 7
#define COL 11

/* ---- fake feature reader ------------------------------------------ */

struct fake_override {
	enum cw_feature f;
	int64_t arg;
	double v;
};

struct fake {
	double value[CW_F__COUNT];     /* default per feature */
	struct fake_override ov[16];   /* per (feature, argument) */
	int nov;
	int calls[CW_F__COUNT];
	int total_calls;
};

static double fake_read(void *ctx, enum cw_feature f, int64_t arg)
{
	struct fake *fk = ctx;

	fk->calls[f]++;
	fk->total_calls++;
	for (int i = 0; i < fk->nov; i++)
		if (fk->ov[i].f == f && fk->ov[i].arg == arg)
			return fk->ov[i].v;
	return fk->value[f];
}

static void fake_set(struct fake *fk, enum cw_feature f, int64_t arg, double v)
{
	fk->ov[fk->nov].f = f;
	fk->ov[fk->nov].arg = arg;
	fk->ov[fk->nov].v = v;
	fk->nov++;
}

/* ---- helpers --------------------------------------------------------- */

static struct cw_expr *compile_ok(const char *src)
{
	struct cw_expr *e = NULL;
	char err[256];
	int r = cw_expr_compile(src, strlen(src), FILE_NAME, LINE, COL, &e, err,
				sizeof(err));

	ck_assert_msg(r == 0, "compile '%s' failed: %s", src, err);
	ck_assert_ptr_nonnull(e);
	return e;
}

static int eval_src(const char *src, struct fake *fk)
{
	struct cw_expr *e = compile_ok(src);
	int r = cw_expr_eval(e, fake_read, fk);

	cw_expr_free(e);
	return r;
}

/* Compile must fail with exactly `expected` (already located). */
static void expect_error(const char *src, const char *expected)
{
	struct cw_expr *e = NULL;
	char err[256];
	int r = cw_expr_compile(src, strlen(src), FILE_NAME, LINE, COL, &e, err,
				sizeof(err));

	ck_assert_msg(r == -1, "'%s' compiled but should fail with: %s", src,
		      expected);
	ck_assert_ptr_null(e);
	ck_assert_str_eq(err, expected);
}

/* Compile must fail at column col (line LINE) with a message containing
 * `part`. */
static void expect_error_at(const char *src, int col, const char *part)
{
	struct cw_expr *e = NULL;
	char err[256], prefix[64];
	int r = cw_expr_compile(src, strlen(src), FILE_NAME, LINE, COL, &e, err,
				sizeof(err));

	ck_assert_msg(r == -1, "'%s' compiled but should fail", src);
	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", FILE_NAME, LINE, col);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
		      "'%s': error '%s' should start with '%s'", src, err, prefix);
	ck_assert_msg(strstr(err, part) != NULL,
		      "'%s': error '%s' should contain '%s'", src, err, part);
}

/* ---- feature table ---------------------------------------------------- */

START_TEST(test_feature_table)
{
	for (int f = 0; f < CW_F__COUNT; f++) {
		const struct cw_feature_info *fi = cw_feature_info(f);

		ck_assert_ptr_nonnull(fi);
		ck_assert_int_eq(cw_feature_lookup(fi->name, strlen(fi->name)), f);
	}
	ck_assert_ptr_null(cw_feature_info(CW_F__COUNT));
	ck_assert_int_eq(cw_feature_lookup("revenue", 7), CW_F_REVENUE);
	ck_assert_int_eq(cw_feature_lookup("revenue_month", 13),
			 CW_F_REVENUE_MONTH);
	ck_assert_int_eq(cw_feature_lookup("revenuex", 7), CW_F_REVENUE);
	ck_assert_int_eq(cw_feature_lookup("revenu", 6), -1);
	ck_assert_int_eq(cw_feature_lookup("nope", 4), -1);
	ck_assert_int_eq(cw_feature_info(CW_F_REVENUE)->arg, CW_FARG_WINDOW);
	ck_assert_int_eq(cw_feature_info(CW_F_REVENUE_MONTH)->arg, CW_FARG_MONTH);
	ck_assert_int_eq(cw_feature_info(CW_F_TENURE)->arg, CW_FARG_NONE);
	ck_assert_int_eq(cw_feature_info(CW_F_TENURE)->is_duration, 1);
	ck_assert_int_eq(cw_feature_info(CW_F_ARPU_TIER)->is_enum, 1);
	ck_assert_int_eq(cw_feature_info(CW_F_TENURE_STAGE)->is_enum, 1);
	ck_assert_int_eq(cw_feature_info(CW_F_DAYS_SILENT)->is_duration, 0);
}
END_TEST

/* ---- evaluation and precedence ----------------------------------------- */

static void base_fake(struct fake *fk)
{
	memset(fk, 0, sizeof(*fk));
	fk->value[CW_F_CALLS_OUT] = 2;
	fk->value[CW_F_CALLS_IN] = 3;
	fk->value[CW_F_SMS_OUT] = 4;
	fk->value[CW_F_TENURE] = 100 * DAY;
	fk->value[CW_F_DAYS_SILENT] = 31;
	fk->value[CW_F_OFFNET_SHARE] = 0.4;
	fk->value[CW_F_ARPU_TIER] = 2;
	fk->value[CW_F_TENURE_STAGE] = 1;
	fk->value[CW_F_PLAN_FEE] = 58;
}

START_TEST(test_precedence)
{
	static const struct {
		const char *src;
		int want;
	} cases[] = {
		/* constants (folded) */
		{ "1 + 2 * 3 == 7", 1 },
		{ "(1 + 2) * 3 == 9", 1 },
		{ "10 - 4 - 3 == 3", 1 },
		{ "24 / 4 / 2 == 3", 1 },
		{ "-2 * 3 == -6", 1 },
		{ "- -2 == 2", 1 },
		{ "-(2 + 1) == -3", 1 },
		{ "0.125 == 12.5%", 1 },
		{ "1e3 == 1000", 1 },
		{ "true", 1 },
		{ "false or true", 1 },
		/* features: nothing folds */
		{ "calls_out(7d) + calls_in(7d) * sms_out(7d) == 14", 1 },
		{ "(calls_out(7d) + calls_in(7d)) * sms_out(7d) == 20", 1 },
		{ "sms_out(7d) - calls_in(7d) - calls_out(7d) == -1", 1 },
		{ "sms_out(7d) - (calls_in(7d) - calls_out(7d)) == 3", 1 },
		{ "sms_out(7d) / calls_out(7d) / calls_out(7d) == 1", 1 },
		{ "-calls_out(7d) * calls_in(7d) == -6", 1 },
		{ "calls_out(7d) * -calls_in(7d) == -6", 1 },
		{ "not calls_out(7d) > calls_in(7d)", 1 },
		{ "not calls_out(7d) > 1 and calls_in(7d) > 1", 0 },
		{ "calls_out(7d) > 5 and calls_in(7d) > 5 or sms_out(7d) > 3", 1 },
		{ "sms_out(7d) > 3 or calls_out(7d) > 5 and calls_in(7d) > 5", 1 },
		{ "(sms_out(7d) > 3 or calls_out(7d) > 5) and calls_in(7d) > 5", 0 },
		{ "!(calls_out(7d) > 5) && calls_in(7d) == 3 || false", 1 },
		{ "not not calls_out(7d) == 2", 1 },
		{ "calls_out(7d) != calls_in(7d)", 1 },
		{ "calls_out(7d) <= 2 and calls_out(7d) >= 2 and calls_out(7d) < 3", 1 },
		/* durations, percentages, enums */
		{ "tenure > 90d", 1 },
		{ "tenure > 2w", 1 },
		{ "tenure >= 100d and tenure <= 2400h", 1 },
		{ "tenure / 1d == 100", 1 },
		{ "tenure - 10d == 90d", 1 },
		{ "tenure * 2 > 150d", 1 },
		{ "2 * tenure / 4 == 50d", 1 },
		{ "tenure > 1.5d", 1 },
		{ "tenure < 8640000s + 1ms", 1 },
		{ "days_silent > 30", 1 },
		{ "offnet_share(30d) >= 40%", 1 },
		{ "offnet_share(30d) > 0.4", 0 },
		{ "arpu_tier == \"high\"", 1 },
		{ "\"mid\" == arpu_tier", 0 },
		{ "tenure_stage != \"new\"", 1 },
		{ "tenure_stage == \"stable\" and arpu_tier != \"low\"", 1 },
		{ "plan_fee == 58", 1 },
	};
	struct fake fk;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		base_fake(&fk);
		ck_assert_msg(eval_src(cases[i].src, &fk) == cases[i].want,
			      "'%s' should be %d", cases[i].src, cases[i].want);
	}
}
END_TEST

START_TEST(test_bill_shock)
{
	const char *src = "revenue(30d) > 2 * revenue(90d) / 3 and revenue(30d) > 50";
	struct fake fk;

	base_fake(&fk);
	fake_set(&fk, CW_F_REVENUE, (int64_t)(30 * DAY), 100);
	fake_set(&fk, CW_F_REVENUE, (int64_t)(90 * DAY), 120);
	ck_assert_int_eq(eval_src(src, &fk), 1);
	base_fake(&fk);
	fake_set(&fk, CW_F_REVENUE, (int64_t)(30 * DAY), 60);
	fake_set(&fk, CW_F_REVENUE, (int64_t)(90 * DAY), 120);
	ck_assert_int_eq(eval_src(src, &fk), 0);
	base_fake(&fk);
	fake_set(&fk, CW_F_REVENUE, (int64_t)(30 * DAY), 40);
	fake_set(&fk, CW_F_REVENUE, (int64_t)(90 * DAY), 30);
	ck_assert_int_eq(eval_src(src, &fk), 0);
	/* comparisons are exact: 80 > 2 * 120 / 3 is false */
	base_fake(&fk);
	fake_set(&fk, CW_F_REVENUE, (int64_t)(30 * DAY), 80);
	fake_set(&fk, CW_F_REVENUE, (int64_t)(90 * DAY), 120);
	ck_assert_int_eq(eval_src(src, &fk), 0);

	base_fake(&fk);
	fake_set(&fk, CW_F_REVENUE_MONTH, 1, 10);
	fake_set(&fk, CW_F_REVENUE_MONTH, 2, 30);
	ck_assert_int_eq(eval_src("revenue_month(1) < 0.6 * revenue_month(2)", &fk), 1);
	ck_assert_int_eq(eval_src("revenue_month(0) == 0", &fk), 1);
	ck_assert_int_eq(cw_expr_eval(NULL, fake_read, &fk), 1);
}
END_TEST

START_TEST(test_multiline_and_whitespace)
{
	struct fake fk;

	base_fake(&fk);
	ck_assert_int_eq(eval_src("tenure > 90d and\n  days_silent > 30\r\n\tand plan_fee>0", &fk), 1);
	ck_assert_int_eq(eval_src("  tenure>90d  ", &fk), 1);
}
END_TEST

/* ---- errors ----------------------------------------------------------- */

START_TEST(test_type_errors)
{
	expect_error("tenure > 90",
		     "rules.yaml:7:20: type error: cannot compare duration with number (write 90d)");
	expect_error("days_silent > 30d",
		     "rules.yaml:7:25: type error: cannot compare number with duration (days_silent is a number of days: write 30)");
	expect_error_at("tenure + 5 > 1d", 20,
			"cannot add duration and number (write 5d)");
	expect_error_at("tenure - revenue(30d) > 1d", 18,
			"cannot subtract duration and number");
	expect_error_at("tenure * tenure > 1d", 18,
			"cannot multiply two durations");
	expect_error_at("1 / tenure > 1", 13,
			"cannot divide a number by a duration");
	expect_error_at("tenure / 2 > 3", 24,
			"cannot compare duration with number (write 3d)");
	expect_error_at("tenure / 1d > 3d", 23,
			"cannot compare number with duration");
	expect_error("arpu_tier == \"gold\"",
		     "rules.yaml:7:24: unknown arpu_tier value \"gold\" (expected \"low\", \"mid\" or \"high\")");
	expect_error_at("tenure_stage != \"old\"", 27,
			"(expected \"new\", \"stable\" or \"mature\")");
	expect_error_at("arpu_tier > \"low\"", 21,
			"arpu_tier can only be compared with == or !=");
	expect_error_at("arpu_tier == 2", 11, "arpu_tier is a category");
	expect_error_at("arpu_tier + 1 > 1", 11, "arpu_tier is a category");
	expect_error_at("arpu_tier == tenure_stage", 11, "is a category");
	expect_error_at("\"high\" == \"high\"", 11,
			"cannot compare two strings");
	expect_error_at("revenue(30d) == \"high\"", 27,
			"a string can only be compared (== or !=) with arpu_tier or tenure_stage");
	expect_error_at("revenue(30d) + \"x\" > 1", 26, "a string can only");
	expect_error_at("\"high\"", 11, "a string");
	expect_error_at("revenue(30d) and tenure > 1d", 11,
			"'and' needs conditions, got a number");
	expect_error_at("tenure > 1d or plan_fee", 26,
			"'or' needs conditions, got a number");
	expect_error_at("not revenue(30d)", 15, "'not' needs conditions");
	expect_error_at("(1 > 0) > 1", 11, "cannot compare a condition");
	expect_error_at("-(plan_fee > 0)", 12, "cannot negate a condition");
	expect_error_at("(plan_fee > 0) + 1 > 2", 11,
			"cannot do arithmetic on a condition");
	expect_error("revenue(30d)",
		     "rules.yaml:7:11: type error: the expression must be a condition, got a number (did you forget a comparison?)");
	expect_error_at("tenure", 11, "must be a condition, got a duration");
	expect_error_at("arpu_tier", 11, "must be a condition, got a category");
}
END_TEST

START_TEST(test_lexical_errors)
{
	expect_error("revenue(30d) > 5 @",
		     "rules.yaml:7:28: unexpected character '@'");
	expect_error("arpu_tier == \"high",
		     "rules.yaml:7:24: unterminated string");
	expect_error("arpu_tier == \"hi\ngh\"",
		     "rules.yaml:7:24: unterminated string");
	expect_error("tenure > 30x",
		     "rules.yaml:7:22: unknown unit 'x' in '30x' (use ms, s, m, h, d, w or %)");
	expect_error("tenure > 30days",
		     "rules.yaml:7:22: unknown unit 'days' in '30days' (use ms, s, m, h, d, w or %)");
	expect_error("revenue(30d) = 5",
		     "rules.yaml:7:24: unexpected '=' (did you mean '=='?)");
	expect_error("plan_fee > 1 & plan_fee < 2",
		     "rules.yaml:7:24: unexpected '&' (did you mean '&&' or 'and'?)");
	expect_error("plan_fee > 1 | plan_fee < 2",
		     "rules.yaml:7:24: unexpected '|' (did you mean '||' or 'or'?)");
	expect_error("plan_fee > 1. ",
		     "rules.yaml:7:23: expected a digit after '.'");
	expect_error("plan_fee > .5",
		     "rules.yaml:7:22: expected a digit before '.'");
	expect_error("arpu_tier == 'high'",
		     "rules.yaml:7:24: strings use double quotes");
	expect_error("plan_fee > 1\xc3\xa9",
		     "rules.yaml:7:23: unexpected byte 0xc3");
	expect_error("plan_fee > 1e999",
		     "rules.yaml:7:22: number too large");
	expect_error("tenure > 1e17w",
		     "rules.yaml:7:20: duration too large");
	/* multi-line source: later lines count columns from 1 */
	expect_error("revenue(30d) > 50 and\n  tenure > 90d and\n  calls_out(7d) > $",
		     "rules.yaml:9:19: unexpected character '$'");
	expect_error("tenure > 90d and\nplan_fee # 2",
		     "rules.yaml:8:10: unexpected character '#'");
}
END_TEST

START_TEST(test_syntax_errors)
{
	expect_error("", "rules.yaml:7:11: empty expression");
	expect_error("   ", "rules.yaml:7:11: empty expression");
	expect_error("revenue(30d) >",
		     "rules.yaml:7:25: expected a value, got end of expression");
	expect_error("(revenue(30d) > 1",
		     "rules.yaml:7:28: expected ')' to close '(' at 7:11, got end of expression");
	expect_error("revenue(30d > 1)",
		     "rules.yaml:7:23: expected ')' after the argument, got '>'");
	expect_error("revenue(30d) > 1)",
		     "rules.yaml:7:27: unexpected ')' without a matching '('");
	expect_error("1 < calls_out(7d) < 3",
		     "rules.yaml:7:29: comparisons cannot be chained (write 'a < b and b < c')");
	expect_error("tenure > 30 d",
		     "rules.yaml:7:23: unexpected 'd': write the unit right after the number (30d)");
	expect_error("plan_fee > 1 AND plan_fee < 2",
		     "rules.yaml:7:24: unexpected 'AND' (did you mean 'and'?)");
	expect_error("plan_fee > 1 plan_fee < 2",
		     "rules.yaml:7:24: unexpected 'plan_fee' after a complete expression (missing 'and' or 'or'?)");
	expect_error("plan_fee > * 2",
		     "rules.yaml:7:22: expected a value, got '*'");
	expect_error("plan_fee > 1 and",
		     "rules.yaml:7:27: expected a value, got end of expression");
	expect_error("()", "rules.yaml:7:12: expected a value, got ')'");
	/* NULL file name */
	{
		struct cw_expr *e = NULL;
		char err[128];

		ck_assert_int_eq(cw_expr_compile("x", 1, NULL, 1, 1, &e, err,
						 sizeof(err)), -1);
		ck_assert_str_eq(err, "<expr>:1:1: unknown feature 'x'");
		/* a tiny error buffer is truncated, not overrun */
		ck_assert_int_eq(cw_expr_compile("x", 1, "f", 1, 1, &e, err, 6), -1);
		ck_assert_str_eq(err, "f:1:1");
		ck_assert_int_eq(cw_expr_compile("x", 1, "f", 1, 1, &e, NULL, 0), -1);
	}
}
END_TEST

START_TEST(test_unknown_feature)
{
	expect_error("revnue(30d) > 5",
		     "rules.yaml:7:11: unknown feature 'revnue' (did you mean 'revenue'?)");
	expect_error("plan_fee > 1 and tenur > 3d",
		     "rules.yaml:7:28: unknown feature 'tenur' (did you mean 'tenure'?)");
	expect_error("calls_ot(7d) > 1",
		     "rules.yaml:7:11: unknown feature 'calls_ot' (did you mean 'calls_out'?)");
	expect_error("Revenue(7d) > 1",
		     "rules.yaml:7:11: unknown feature 'Revenue' (did you mean 'revenue'?)");
	expect_error("dayssilent > 1",
		     "rules.yaml:7:11: unknown feature 'dayssilent' (did you mean 'days_silent'?)");
	expect_error("churn_score > 1", "rules.yaml:7:11: unknown feature 'churn_score'");
}
END_TEST

START_TEST(test_feature_arguments)
{
	struct cw_expr *e;

	e = compile_ok("revenue(180d) > 0");
	cw_expr_free(e);
	e = compile_ok("revenue(4320h) > 0 and revenue(1ms) > 0");
	cw_expr_free(e);
	e = compile_ok("revenue_month(0) > 0 and revenue_month(12) > 0");
	cw_expr_free(e);
	expect_error("revenue(0d) > 1",
		     "rules.yaml:7:19: window must be greater than 0");
	expect_error("revenue(181d) > 1",
		     "rules.yaml:7:19: window '181d' is longer than the maximum of 180d");
	expect_error("revenue(27w) > 1",
		     "rules.yaml:7:19: window '27w' is longer than the maximum of 180d");
	expect_error("revenue(30) > 1",
		     "rules.yaml:7:19: window must be a duration (write 30d)");
	expect_error("revenue(-1d) > 1",
		     "rules.yaml:7:19: expected a window duration like revenue(30d)");
	expect_error("revenue() > 1",
		     "rules.yaml:7:19: expected a window duration like revenue(30d)");
	expect_error("revenue > 5",
		     "rules.yaml:7:11: feature 'revenue' needs a window, e.g. revenue(30d)");
	expect_error("revenue_month > 5",
		     "rules.yaml:7:11: feature 'revenue_month' needs a month offset, e.g. revenue_month(1)");
	expect_error("revenue_month(13) > 5",
		     "rules.yaml:7:25: revenue_month takes a month offset from 0 (this month) to 12");
	expect_error_at("revenue_month(1.5) > 5", 25, "month offset");
	expect_error_at("revenue_month(1d) > 5", 25, "month offset");
	expect_error_at("revenue_month(1 + 1) > 5", 27, "expected ')'");
	expect_error("tenure(3d) > 1d",
		     "rules.yaml:7:17: feature 'tenure' takes no argument");
}
END_TEST

/* ---- limits ------------------------------------------------------------ */

static char *repeat(const char *head, const char *unit, int n, const char *mid,
		    const char *tail_unit, const char *tail)
{
	size_t len = strlen(head) + strlen(mid) + strlen(tail) +
		     (size_t)n * (strlen(unit) + strlen(tail_unit)) + 1;
	char *s = malloc(len), *w = s;

	ck_assert_ptr_nonnull(s);
	w += snprintf(w, len, "%s", head);
	for (int i = 0; i < n; i++)
		w += snprintf(w, len - (size_t)(w - s), "%s", unit);
	w += snprintf(w, len - (size_t)(w - s), "%s", mid);
	for (int i = 0; i < n; i++)
		w += snprintf(w, len - (size_t)(w - s), "%s", tail_unit);
	snprintf(w, len - (size_t)(w - s), "%s", tail);
	return s;
}

START_TEST(test_depth_limit)
{
	struct cw_expr *e;
	struct fake fk;
	char *s;

	/* 32 levels of parentheses are fine, 33 are not */
	s = repeat("", "(", CW_EXPR_MAX_DEPTH, "plan_fee > 1", ")", "");
	e = compile_ok(s);
	base_fake(&fk);
	ck_assert_int_eq(cw_expr_eval(e, fake_read, &fk), 1);
	cw_expr_free(e);
	free(s);
	s = repeat("", "(", CW_EXPR_MAX_DEPTH + 1, "plan_fee > 1", ")", "");
	expect_error(s, "rules.yaml:7:43: expression nested too deeply (more than 32 levels)");
	free(s);
	/* not and unary minus recurse too */
	s = repeat("", "not ", 40, "plan_fee > 1", "", "");
	expect_error_at(s, 11 + 4 * 32, "nested too deeply");
	free(s);
	s = repeat("", "-", 40, "plan_fee > 1", "", "");
	expect_error_at(s, 11 + 32, "nested too deeply");
	free(s);
	/* a very deep parenthesised input is rejected without recursing */
	s = repeat("", "(", 2000, "plan_fee > 1", ")", "");
	expect_error_at(s, 11 + 32, "nested too deeply");
	free(s);
	/* right-nested sums need one stack slot per level */
	s = repeat("", "plan_fee + (", CW_EXPR_MAX_DEPTH - 1, "plan_fee", ")", " > 0");
	e = compile_ok(s);
	ck_assert_int_eq(cw_expr_eval(e, fake_read, &fk), 1);
	cw_expr_free(e);
	free(s);
	s = repeat("", "plan_fee + (", CW_EXPR_MAX_DEPTH, "plan_fee", ")", " > 0");
	expect_error_at(s, 0 + 11 + 12 * 32, "too deeply nested to evaluate");
	free(s);
	/* long left-associative chains are flat, not deep */
	s = repeat("plan_fee", " + plan_fee", 100, "", "", " > 0");
	e = compile_ok(s);
	base_fake(&fk);
	ck_assert_int_eq(cw_expr_eval(e, fake_read, &fk), 1);
	ck_assert_int_eq(fk.total_calls, 101);
	cw_expr_free(e);
	free(s);
}
END_TEST

START_TEST(test_node_limit)
{
	/* each term is FEAT and a fused compare-with-constant, plus one jump
	 * per `or`: 3t - 1 instructions, so 85 terms fit and 86 do not */
	struct cw_expr *e;
	char *s;

	s = repeat("", "calls_out(7d) > 1 or ", 84, "calls_out(7d) > 1", "", "");
	e = compile_ok(s);
	cw_expr_free(e);
	free(s);
	s = repeat("", "calls_out(7d) > 1 or ", 85, "calls_out(7d) > 1", "", "");
	expect_error_at(s, 11 + 21 * 85 + 14,
			"expression too large (more than 256 operations)");
	free(s);
	/* without constants: FEAT FEAT GT per term, 4t - 1 */
	s = repeat("", "calls_out(7d) > sms_out(7d) or ", 63,
		   "calls_out(7d) > sms_out(7d)", "", "");
	e = compile_ok(s);
	cw_expr_free(e);
	free(s);
	s = repeat("", "calls_out(7d) > sms_out(7d) or ", 64,
		   "calls_out(7d) > sms_out(7d)", "", "");
	expect_error_at(s, 11 + 31 * 64, "expression too large");
	free(s);
	/* constants fold, so a long constant sum costs one instruction */
	s = repeat("plan_fee > 0", " + 1", 900, "", "", "");
	e = compile_ok(s);
	cw_expr_free(e);
	free(s);
	/* source length limit */
	s = repeat("plan_fee > 0", " ", CW_EXPR_MAX_LEN, "", "", "");
	expect_error_at(s, 11, "expression too long");
	free(s);
}
END_TEST

/* ---- semantics ---------------------------------------------------------- */

START_TEST(test_short_circuit)
{
	struct fake fk;

	base_fake(&fk); /* calls_out = 2 */
	ck_assert_int_eq(eval_src("calls_out(7d) > 100 and revenue(30d) > 1 and sms_out(7d) > 1", &fk), 0);
	ck_assert_int_eq(fk.total_calls, 1);
	base_fake(&fk);
	ck_assert_int_eq(eval_src("calls_out(7d) < 100 or revenue(30d) > 1 or sms_out(7d) > 1", &fk), 1);
	ck_assert_int_eq(fk.total_calls, 1);
	ck_assert_int_eq(fk.calls[CW_F_REVENUE], 0);
	base_fake(&fk);
	ck_assert_int_eq(eval_src("calls_out(7d) < 100 and revenue(30d) > 1", &fk), 0);
	ck_assert_int_eq(fk.total_calls, 2);
	base_fake(&fk);
	ck_assert_int_eq(eval_src("(calls_out(7d) > 100 or calls_in(7d) > 100) and sms_out(7d) > 1", &fk), 0);
	ck_assert_int_eq(fk.total_calls, 2);
	ck_assert_int_eq(fk.calls[CW_F_SMS_OUT], 0);
	base_fake(&fk);
	ck_assert_int_eq(eval_src("calls_out(7d) > 100 and calls_in(7d) > 1 or sms_out(7d) > 1", &fk), 1);
	ck_assert_int_eq(fk.calls[CW_F_CALLS_IN], 0);
	ck_assert_int_eq(fk.calls[CW_F_SMS_OUT], 1);
	base_fake(&fk);
	ck_assert_int_eq(eval_src("calls_out(7d) < 100 or calls_in(7d) > 1 and sms_out(7d) > 1", &fk), 1);
	ck_assert_int_eq(fk.total_calls, 1);
	base_fake(&fk);
	ck_assert_int_eq(eval_src("not (calls_out(7d) < 100 or calls_in(7d) > 1)", &fk), 0);
	ck_assert_int_eq(fk.total_calls, 1);
}
END_TEST

START_TEST(test_division_by_zero)
{
	struct fake fk;

	base_fake(&fk);
	ck_assert_int_eq(eval_src("revenue(30d) / revenue(90d) == 0", &fk), 1);
	ck_assert_int_eq(eval_src("plan_fee / revenue(90d) == 0", &fk), 1);
	ck_assert_int_eq(eval_src("1 / 0 == 0", &fk), 1);
	ck_assert_int_eq(eval_src("tenure / 0 == 0d", &fk), 1);
	ck_assert_int_eq(eval_src("tenure / revenue(1d) == 0ms", &fk), 1);
	ck_assert_int_eq(eval_src("plan_fee / (calls_out(7d) - 2) < 1", &fk), 1);
}
END_TEST

struct visit_log {
	enum cw_feature f[16];
	int64_t arg[16];
	int n;
};

static void visit_cb(void *ctx, enum cw_feature f, int64_t arg)
{
	struct visit_log *log = ctx;

	ck_assert_int_lt(log->n, 16);
	log->f[log->n] = f;
	log->arg[log->n] = arg;
	log->n++;
}

START_TEST(test_visit_features)
{
	struct cw_expr *e = compile_ok(
		"revenue(30d) > 2 * revenue(90d) / 3 and revenue(30d) > 50 and "
		"tenure > 90d and (revenue_month(2) > 1 or arpu_tier == \"low\")");
	struct visit_log log = { .n = 0 };

	cw_expr_visit_features(e, visit_cb, &log);
	ck_assert_int_eq(log.n, 5);
	ck_assert_int_eq(log.f[0], CW_F_REVENUE);
	ck_assert_int_eq(log.arg[0], 30LL * 86400 * 1000);
	ck_assert_int_eq(log.f[1], CW_F_REVENUE);
	ck_assert_int_eq(log.arg[1], 90LL * 86400 * 1000);
	ck_assert_int_eq(log.f[2], CW_F_TENURE);
	ck_assert_int_eq(log.arg[2], 0);
	ck_assert_int_eq(log.f[3], CW_F_REVENUE_MONTH);
	ck_assert_int_eq(log.arg[3], 2);
	ck_assert_int_eq(log.f[4], CW_F_ARPU_TIER);
	cw_expr_free(e);

	/* a side folded away by a constant is never read, so not reported */
	e = compile_ok("false and revenue(30d) > 1 or plan_fee > 1");
	log.n = 0;
	cw_expr_visit_features(e, visit_cb, &log);
	ck_assert_int_eq(log.n, 1);
	ck_assert_int_eq(log.f[0], CW_F_PLAN_FEE);
	cw_expr_visit_features(NULL, visit_cb, &log);
	cw_expr_free(e);
	cw_expr_free(NULL);
}
END_TEST

/* ---- to_string ------------------------------------------------------------ */

static void expect_text(const char *src, const char *want)
{
	struct cw_expr *e = compile_ok(src);
	char buf[1024];

	ck_assert_int_eq(cw_expr_to_string(e, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
	cw_expr_free(e);
}

START_TEST(test_to_string_canonical)
{
	expect_text("revenue(30d)>2*revenue(90d)/3 and revenue(30d)>50",
		    "revenue(30d) > 2 * revenue(90d) / 3 and revenue(30d) > 50");
	expect_text("calls_out(7d) - (calls_in(7d) - sms_out(7d)) > 0",
		    "calls_out(7d) - (calls_in(7d) - sms_out(7d)) > 0");
	expect_text("(calls_out(7d) - calls_in(7d)) - sms_out(7d) > 0",
		    "calls_out(7d) - calls_in(7d) - sms_out(7d) > 0");
	expect_text("tenure > 3 * 30d", "tenure > 90d");
	expect_text("tenure > 36h", "tenure > 36h");
	expect_text("tenure > 1.5h + 1ms", "tenure > 5400001ms");
	expect_text("tenure > 2w", "tenure > 14d");
	expect_text("revenue(720h) > 1", "revenue(30d) > 1");
	expect_text("offnet_share(7d) > 40%", "offnet_share(7d) > 0.4");
	expect_text("\"mid\" == arpu_tier || !(tenure_stage == \"new\")",
		    "\"mid\" == arpu_tier or not tenure_stage == \"new\"");
	expect_text("not (plan_fee > 1 and plan_fee < 5)",
		    "not (plan_fee > 1 and plan_fee < 5)");
	expect_text("plan_fee > 1 and (plan_fee < 5 or days_silent > 3)",
		    "plan_fee > 1 and (plan_fee < 5 or days_silent > 3)");
	expect_text("(plan_fee > 1 and plan_fee < 5) or days_silent > 3",
		    "plan_fee > 1 and plan_fee < 5 or days_silent > 3");
	expect_text("-plan_fee * -2 < -(3 - 1)", "-plan_fee * -2 < -2");
	expect_text("- -plan_fee > 0", "-(-plan_fee) > 0");
	expect_text("plan_fee - -2 > 0", "plan_fee - -2 > 0");
	expect_text("-(plan_fee + 1) > 0", "-(plan_fee + 1) > 0");
	expect_text("revenue_month(1) < 0.6 * revenue_month(2)",
		    "revenue_month(1) < 0.6 * revenue_month(2)");
	expect_text("1 > 0", "true");
	expect_text("plan_fee > 1 or true", "true");
	expect_text("plan_fee > 0.1 + 0.2", "plan_fee > 0.30000000000000004");
	expect_text("plan_fee > 1e20", "plan_fee > 1e+20");
}
END_TEST

START_TEST(test_to_string_round_trip)
{
	static const char *const srcs[] = {
		"revenue(30d) > 2 * revenue(90d) / 3 and revenue(30d) > 50",
		"calls_out(7d) - (calls_in(7d) - sms_out(7d)) > 0",
		"not (calls_out(7d) > 1 or calls_in(7d) > 2) and sms_out(7d) > 0",
		"calls_out(7d) > 1 and (calls_in(7d) > 2 and (sms_out(7d) > 3 or plan_fee > 0))",
		"(calls_out(7d) > 1 or calls_in(7d) > 2) and (sms_out(7d) > 3 or plan_fee > 0)",
		"tenure / 7d * 2 > days_silent - -1",
		"tenure < 1.5ms * plan_fee or tenure >= 0.001s",
		"-(tenure - 3d) <= 2 * -tenure",
		"offnet_share(30d) >= 12.5% and distinct_peers(14d) < 3",
		"arpu_tier != \"mid\" and tenure_stage == \"mature\" or not days_silent > 30",
		"plan_fee / 3 / 7 > 0.1 and plan_fee * (1 - 40%) < revenue_month(1)",
		"revenue(1ms) + revenue(1s) + revenue(1m) + revenue(1h) > 1e-7",
		"plan_fee > 0.1 + 0.2",
	};
	struct fake fk;

	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		struct cw_expr *a = compile_ok(srcs[i]), *b;
		char t1[1024], t2[1024];

		ck_assert_int_eq(cw_expr_to_string(a, t1, sizeof(t1)), 0);
		b = compile_ok(t1);
		ck_assert_int_eq(cw_expr_to_string(b, t2, sizeof(t2)), 0);
		ck_assert_str_eq(t1, t2);
		for (int v = 0; v < 64; v++) {
			base_fake(&fk);
			for (int f = 0; f < CW_F__COUNT; f++)
				fk.value[f] = (double)((v * 7 + f * 13) % 11) -
					      3 + (v % 3) * 0.5;
			fk.value[CW_F_TENURE] *= DAY;
			fk.value[CW_F_ARPU_TIER] = v % 3;
			fk.value[CW_F_TENURE_STAGE] = (v / 3) % 3;
			ck_assert_int_eq(cw_expr_eval(a, fake_read, &fk),
					 cw_expr_eval(b, fake_read, &fk));
		}
		cw_expr_free(a);
		cw_expr_free(b);
	}
}
END_TEST

START_TEST(test_to_string_small_buffer)
{
	struct cw_expr *e = compile_ok("revenue(30d) > 50");
	char buf[8];

	ck_assert_int_eq(cw_expr_to_string(e, buf, sizeof(buf)), -ENOSPC);
	ck_assert_str_eq(buf, "revenue");
	ck_assert_int_eq(cw_expr_to_string(e, buf, 0), -EINVAL);
	ck_assert_int_eq(cw_expr_to_string(NULL, buf, sizeof(buf)), -EINVAL);
	cw_expr_free(e);
}
END_TEST

/* ---- lexical helpers ------------------------------------------------------ */

START_TEST(test_parse_duration)
{
	static const struct {
		const char *s;
		int ret;
		int64_t ms;
	} cases[] = {
		{ "7d", 0, 7LL * 86400000 },
		{ "1.5h", 0, 5400000 },
		{ "30m", 0, 1800000 },
		{ "45s", 0, 45000 },
		{ "2w", 0, 14LL * 86400000 },
		{ "500ms", 0, 500 },
		{ "0d", 0, 0 },
		{ "0.5s", 0, 500 },
		{ "180d", 0, CW_WINDOW_MAX_MS },
		{ "", -EINVAL, 0 },
		{ "-1d", -EINVAL, 0 },
		{ "+1d", -EINVAL, 0 },
		{ "7", -EINVAL, 0 },
		{ "d", -EINVAL, 0 },
		{ "7x", -EINVAL, 0 },
		{ "7 d", -EINVAL, 0 },
		{ " 7d", -EINVAL, 0 },
		{ "7dd", -EINVAL, 0 },
		{ "7D", -EINVAL, 0 },
		{ "1.d", -EINVAL, 0 },
		{ "40%", -EINVAL, 0 },
		{ "1e30d", -ERANGE, 0 },
		{ "200000000000000w", -ERANGE, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = -12345;
		int r = cw_parse_duration(cases[i].s, strlen(cases[i].s), &ms);

		ck_assert_msg(r == cases[i].ret, "'%s': got %d want %d",
			      cases[i].s, r, cases[i].ret);
		if (r == 0)
			ck_assert_msg(ms == cases[i].ms, "'%s': got %lld ms",
				      cases[i].s, (long long)ms);
		else
			ck_assert_int_eq(ms, -12345); /* untouched on failure */
	}
	/* len bounds the input: "7d" inside a longer buffer */
	{
		int64_t ms;

		ck_assert_int_eq(cw_parse_duration("7dxyz", 2, &ms), 0);
		ck_assert_int_eq(ms, 7LL * 86400000);
		ck_assert_int_eq(cw_parse_duration(NULL, 0, &ms), -EINVAL);
	}
}
END_TEST

START_TEST(test_parse_percent)
{
	static const struct {
		const char *s;
		int ret;
		double v;
	} cases[] = {
		{ "40%", 0, 0.4 },
		{ "12.5%", 0, 0.125 },
		{ "100%", 0, 1.0 },
		{ "0%", 0, 0.0 },
		{ "0.3", 0, 0.3 },
		{ "1", 0, 1.0 },
		{ "0", 0, 0.0 },
		{ "101%", -ERANGE, 0 },
		{ "1.5", -ERANGE, 0 },
		{ "-5%", -EINVAL, 0 },
		{ "-0.1", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "%", -EINVAL, 0 },
		{ "40 %", -EINVAL, 0 },
		{ "40%%", -EINVAL, 0 },
		{ "40d", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = -1;
		int r = cw_parse_percent(cases[i].s, strlen(cases[i].s), &v);

		ck_assert_msg(r == cases[i].ret, "'%s': got %d want %d",
			      cases[i].s, r, cases[i].ret);
		if (r == 0)
			ck_assert_msg(v == cases[i].v, "'%s': got %.17g",
				      cases[i].s, v);
		else
			ck_assert(v == -1);
	}
}
END_TEST

/* ---- jointly satisfiable ------------------------------------------------- */

static int joint(const char *a, const char *b)
{
	struct cw_expr *ea = a ? compile_ok(a) : NULL;
	struct cw_expr *eb = b ? compile_ok(b) : NULL;
	int r = cw_expr_jointly_satisfiable(ea, eb);

	cw_expr_free(ea);
	cw_expr_free(eb);
	return r;
}

START_TEST(test_jointly_satisfiable)
{
	ck_assert_int_eq(joint("tenure < 30d", "tenure > 90d"), 0);
	ck_assert_int_eq(joint("revenue(30d) > 50", "tenure > 90d"), 1);
	ck_assert_int_eq(joint("revenue(30d) > 2 * revenue(90d) / 3 and revenue(30d) > 50",
			       "tenure > 90d"), 1);
	ck_assert_int_eq(joint("tenure >= 90d", "tenure <= 90d"), 1);
	ck_assert_int_eq(joint("tenure > 90d", "tenure < 90d"), 0);
	ck_assert_int_eq(joint("days_silent > 30", "days_silent < 7"), 0);
	ck_assert_int_eq(joint("days_silent > 30", "days_silent < 31"), 1);
	ck_assert_int_eq(joint("arpu_tier == \"high\"", "arpu_tier == \"low\""), 0);
	ck_assert_int_eq(joint("arpu_tier == \"high\"", "tenure_stage == \"new\""), 1);
	ck_assert_int_eq(joint("arpu_tier != \"high\"", "arpu_tier != \"low\""), 1);
	ck_assert_int_eq(joint("calls_out(7d) > 5 and calls_out(7d) < 3", NULL), 0);
	ck_assert_int_eq(joint("calls_out(7d) > 5", NULL), 1);
	ck_assert_int_eq(joint(NULL, NULL), 1);
	ck_assert_int_eq(joint("false", "tenure > 1d"), 0);
	ck_assert_int_eq(joint("offnet_share(30d) > 40%", "offnet_share(30d) <= 0.4"), 0);
	/* more combinations than the exhaustive budget: sampled */
	ck_assert_int_eq(joint("calls_out(7d) > 1 and calls_in(7d) > 2 and sms_out(7d) > 3 "
			       "and recharges(30d) > 4 and suspensions(90d) > 5 "
			       "and data_bytes(1d) > 6", "plan_fee > 7"), 1);
	ck_assert_int_eq(joint("calls_out(7d) > 1 and calls_in(7d) > 2 and sms_out(7d) > 3 "
			       "and recharges(30d) > 4 and suspensions(90d) > 5 "
			       "and data_bytes(1d) > 6", "plan_fee > 7 and plan_fee < 7"), 0);
}
END_TEST

CW_CHECK_SUITE(expr_suite)
{
	Suite *s = suite_create("expr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_feature_table);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_bill_shock);
	tcase_add_test(tc, test_multiline_and_whitespace);
	tcase_add_test(tc, test_type_errors);
	tcase_add_test(tc, test_lexical_errors);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_unknown_feature);
	tcase_add_test(tc, test_feature_arguments);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_node_limit);
	tcase_add_test(tc, test_short_circuit);
	tcase_add_test(tc, test_division_by_zero);
	tcase_add_test(tc, test_visit_features);
	tcase_add_test(tc, test_to_string_canonical);
	tcase_add_test(tc, test_to_string_round_trip);
	tcase_add_test(tc, test_to_string_small_buffer);
	tcase_add_test(tc, test_parse_duration);
	tcase_add_test(tc, test_parse_percent);
	tcase_add_test(tc, test_jointly_satisfiable);
	suite_add_tcase(s, tc);
	return s;
}

