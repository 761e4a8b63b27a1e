/*
 * test_model.c — the in-process scorer (daemon/core/model.c) against XGBoost
 * itself: a model trained here with XGBoost's C API must load, and its
 * margins and Tree SHAP contributions must equal XGBoost's predict and
 * pred_contribs; every malformed file must be refused with a reason.
 */
#include <check.h>

#include "check_main.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

#include "cw/features.h"
#include "cw/model.h"

#define NROWS 600
#define NF CW_FV__COUNT

static float X[NROWS * NF];
static float Y[NROWS];

/* Deterministic data with a signal in a few columns and NaN holes. */
static void make_data(void)
{
	uint32_t s = 12345;
	for (int i = 0; i < NROWS; i++) {
		for (int j = 0; j < NF; j++) {
			s = s * 1103515245u + 12345u;
			X[i * NF + j] = (float)((s >> 8) % 1000) / 10.0f;
		}
		if (i % 17 == 0)
			X[i * NF + 3] = NAN; /* missing: default direction */
		s = s * 1103515245u + 12345u;
		double z = X[i * NF + 0] / 50.0 - X[i * NF + 1] / 80.0 +
			   (X[i * NF + 2] > 60 ? 0.8 : 0) + ((s >> 8) % 100) / 100.0;
		Y[i] = z > 1.0f ? 1.0f : 0.0f;
	}
}

/* Train with XGBoost; returns the booster and the JSON bytes (malloc'd). */
static BoosterHandle train(const char *objective, int depth, char **json,
			   size_t *len, DMatrixHandle *dm)
{
	BoosterHandle b;
	char d[8];
	bst_ulong n;
	const char *buf;

	ck_assert_int_eq(XGDMatrixCreateFromMat(X, NROWS, NF, NAN, dm), 0);
	ck_assert_int_eq(XGDMatrixSetFloatInfo(*dm, "label", Y, NROWS), 0);
	ck_assert_int_eq(XGBoosterCreate(dm, 1, &b), 0);
	snprintf(d, sizeof(d), "%d", depth);
	XGBoosterSetParam(b, "objective", objective);
	XGBoosterSetParam(b, "max_depth", d);
	XGBoosterSetParam(b, "nthread", "1");
	XGBoosterSetParam(b, "base_score", "0.3");
	for (int it = 0; it < 25; it++)
		ck_assert_int_eq(XGBoosterUpdateOneIter(b, it, *dm), 0);
	XGBoosterSetAttr(b, "churnwatch_features", cw_features_list());
	XGBoosterSetAttr(b, "churnwatch_features_version", "2");
	ck_assert_int_eq(XGBoosterSaveModelToBuffer(b, "{\"format\": \"json\"}",
						    &n, &buf), 0);
	*json = malloc(n + 1);
	memcpy(*json, buf, n);
	(*json)[n] = '\0';
	*len = n;
	return b;
}

START_TEST(margins_and_contributions_equal_xgboost)
{
	DMatrixHandle dm;
	char *json, err[512];
	size_t len;
	struct cw_model *m = NULL;
	bst_ulong n;
	const float *margin, *contrib;

	make_data();
	BoosterHandle b = train("binary:logistic", 4, &json, &len, &dm);
	ck_assert_msg(cw_model_load_buf(json, len, "t.json", &m, err,
					sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(cw_model_trees(m), 25);
	ck_assert_int_eq(XGBoosterPredict(b, dm, 1, 0, 0, &n, &margin), 0);
	ck_assert_uint_eq(n, NROWS);
	float *mcopy = malloc(n * sizeof(*mcopy));
	memcpy(mcopy, margin, n * sizeof(*mcopy));
	ck_assert_int_eq(XGBoosterPredict(b, dm, 4, 0, 0, &n, &contrib), 0);
	ck_assert_uint_eq(n, (bst_ulong)NROWS * (NF + 1));
	for (int i = 0; i < NROWS; i++) {
		double phi[NF + 1], sum = 0, mg = cw_model_margin(m, &X[i * NF]);
		ck_assert_msg(fabs(mg - mcopy[i]) < 1e-4,
			      "row %d: margin %f, XGBoost %f", i, mg, mcopy[i]);
		ck_assert(fabs(cw_model_score(m, &X[i * NF]) -
			       1 / (1 + exp(-mcopy[i]))) < 1e-4);
		cw_model_contrib(m, &X[i * NF], phi);
		for (int j = 0; j <= NF; j++) {
			sum += phi[j];
			ck_assert_msg(fabs(phi[j] - contrib[i * (NF + 1) + j]) < 1e-3,
				      "row %d feature %d: %f, XGBoost %f", i, j,
				      phi[j], contrib[i * (NF + 1) + j]);
		}
		/* The contributions sum to the margin. */
		ck_assert_msg(fabs(sum - mg) < 1e-9, "row %d: sum %f margin %f",
			      i, sum, mg);
	}
	free(mcopy);
	cw_model_free(m);
	free(json);
	XGBoosterFree(b);
	XGDMatrixFree(dm);
}
END_TEST

/* The trained model's text with `from` replaced by `to` (first match). */
static char *mutate(const char *json, const char *from, const char *to)
{
	const char *p = strstr(json, from);
	ck_assert_msg(p != NULL, "pattern %s not in the model", from);
	size_t a = (size_t)(p - json), fl = strlen(from), tl = strlen(to);
	char *out = malloc(strlen(json) - fl + tl + 1);
	memcpy(out, json, a);
	memcpy(out + a, to, tl);
	strcpy(out + a + tl, p + fl);
	return out;
}

static void refused(const char *json, size_t len, const char *why)
{
	struct cw_model *m = NULL;
	char err[512];

	ck_assert_int_eq(cw_model_load_buf(json, len, "bad.json", &m, err,
					   sizeof(err)), -1);
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(err, why) && !strncmp(err, "bad.json: ", 10),
		      "expected '%s' in: %s", why, err);
}

START_TEST(bad_models_are_refused_with_a_reason)
{
	DMatrixHandle dm;
	char *json, *bad;
	size_t len;

	make_data();
	BoosterHandle b = train("binary:logistic", 3, &json, &len, &dm);
	char feats[1200];
	snprintf(feats, sizeof(feats), "\"%s\"", cw_features_list());

	refused(json, len / 2, "not a JSON model");              /* corrupt */
	refused("{}", 2, "not an XGBoost JSON model");
	bad = mutate(json, feats, "\"calls_out_30d,something_else\"");
	refused(bad, strlen(bad), "feature list differs");         /* a missing feature */
	free(bad);
	bad = mutate(json, "\"churnwatch_features_version\":\"2\"",
		     "\"churnwatch_features_version\":\"1\"");
	refused(bad, strlen(bad), "feature version 1");            /* wrong version */
	free(bad);
	bad = mutate(json, "\"churnwatch_features\"", "\"other_attr\"");
	refused(bad, strlen(bad), "not a model written by churnctl train");
	free(bad);
	bad = mutate(json, "\"binary:logistic\"", "\"reg:squarederror\"");
	refused(bad, strlen(bad), "only binary:logistic");
	free(bad);
	bad = mutate(json, "\"left_children\":[1", "\"left_children\":[99999");
	refused(bad, strlen(bad), "out of range");                 /* broken tree */
	free(bad);
	bad = mutate(json, "\"split_indices\":[", "\"split_indices\":[400,");
	refused(bad, strlen(bad), "inconsistent node arrays");
	free(bad);

	struct cw_model *m = NULL;
	char err[512];
	ck_assert_int_eq(cw_model_load("/nonexistent/model.json", &m, err,
				       sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	free(json);
	XGBoosterFree(b);
	XGDMatrixFree(dm);
}
END_TEST

START_TEST(feature_names_are_unique_and_listed)
{
	const char *list = cw_features_list();

	for (int i = 0; i < CW_FV__COUNT; i++) {
		const char *n = cw_features_name((size_t)i);
		ck_assert_ptr_nonnull(n);
		ck_assert_int_eq(cw_features_lookup(n), i);
		ck_assert_ptr_nonnull(strstr(list, n));
	}
	ck_assert_ptr_null(cw_features_name(CW_FV__COUNT));
	ck_assert_int_eq(cw_features_lookup("nope"), -1);
}
END_TEST

CW_CHECK_SUITE(model_suite)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, margins_and_contributions_equal_xgboost);
	tcase_add_test(tc, bad_models_are_refused_with_a_reason);
	tcase_add_test(tc, feature_names_are_unique_and_listed);
	suite_add_tcase(s, tc);
	return s;
}

