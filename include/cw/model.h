/*
 * model.h — a trained churn-risk model, scored in process (docs/score.md).
 *
 * The file is XGBoost's own JSON model format (XGBoosterSaveModel to a
 * ".json" name), written by `churnctl train`, with the feature list and
 * its version in the booster's attributes. Loading checks everything the
 * scorer relies on — binary:logistic gradient-boosted trees, numeric
 * splits only, every index in range, a bounded depth, and the feature list
 * equal to this build's (cw_features_list) — and flattens the trees into
 * one array. Scoring and its explanation then walk that array: no
 * allocation, no XGBoost at run time, the same numbers as XGBoost's
 * predict and pred_contribs (tests/unit/test_model.c compares them).
 *
 * A cw_model is immutable once loaded and may be shared by threads.
 */
#ifndef CW_MODEL_H
#define CW_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "cw/features.h"

#define CW_MODEL_FILE_MAX (64u << 20)  /* bytes of a model file */
#define CW_MODEL_DEPTH_MAX 16          /* deepest tree accepted */
#define CW_MODEL_ID_LEN 12             /* hex digits of the file's sha256 */

struct cw_model;

/*
 * Load and validate `path`. On failure returns -1 and a one-line reason
 * naming the file in err ("FILE: ..."); *out is untouched.
 */
int cw_model_load(const char *path, struct cw_model **out, char *err,
		  size_t errlen);
/* The same from memory; `name` is used in messages. */
int cw_model_load_buf(const char *buf, size_t len, const char *name,
		      struct cw_model **out, char *err, size_t errlen);
void cw_model_free(struct cw_model *m);

/* The raw score (log-odds) and the probability for one feature vector. */
double cw_model_margin(const struct cw_model *m, const float x[CW_FV__COUNT]);
double cw_model_score(const struct cw_model *m, const float x[CW_FV__COUNT]);

/*
 * Tree SHAP contributions of each feature to the margin, into
 * phi[CW_FV__COUNT + 1]; the last entry is the bias (the expected margin).
 * They sum to cw_model_margin(). Allocation-free.
 */
void cw_model_contrib(const struct cw_model *m, const float x[CW_FV__COUNT],
		      double phi[CW_FV__COUNT + 1]);

/*
 * The features that raised the margin most: up to n indices into idx, by
 * decreasing positive contribution (ties: the lower index). Returns how
 * many (features with no positive contribution are not reasons).
 */
int cw_model_top_reasons(const double phi[CW_FV__COUNT + 1], int *idx, int n);

/* First CW_MODEL_ID_LEN hex digits of the file's sha256 (for alerts). */
const char *cw_model_id(const struct cw_model *m);
size_t cw_model_trees(const struct cw_model *m);
/* The file it was loaded from ("" for a buffer without a name). */
const char *cw_model_path(const struct cw_model *m);

#endif
