/*
 * xgb-holdout.c — fit XGBoost on a numeric CSV and score a held-out CSV:
 * the ceiling a model reaches on a table's own columns (tools/cell2cell-ceiling,
 * docs/score.md#what-the-data-allows).
 *
 *   xgb-holdout TRAIN.csv TEST.csv [TREES DEPTH ETA RECALL]
 *
 * Each line: label (0/1), then the features; "nan" is missing. Prints the
 * held-out AUC, the lift of the top 5% and 10%, and the share flagged and
 * lift at RECALL (default 0.358, the shipped pack's on Cell2Cell). Built by
 * the script with the system compiler against libxgboost (Debian
 * libxgboost-dev); not part of the daemon.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

#define COLS_MAX 128
#define LINE_MAX_ 16384

struct table {
	float *x, *y;
	size_t n, cap;
	int ncols;
};

struct scored {
	float score, label;
};

static void die_xgb(const char *what)
{
	fprintf(stderr, "xgb-holdout: %s: %s\n", what, XGBGetLastError());
	exit(1);
}

static int table_add(struct table *t, const float *row, float label, int ncols)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 4096;
		float *x = realloc(t->x, cap * COLS_MAX * sizeof(*x));
		float *y = x ? realloc(t->y, cap * sizeof(*y)) : NULL;
		if (x)
			t->x = x;
		if (!y)
			return -1;
		t->y = y;
		t->cap = cap;
	}
	memcpy(t->x + t->n * (size_t)ncols, row, (size_t)ncols * sizeof(*row));
	t->y[t->n++] = label;
	return 0;
}

/* 0, or -1 with a message (unreadable, ragged rows, too many columns). */
static int table_load(const char *path, struct table *t)
{
	FILE *f = fopen(path, "r");
	char line[LINE_MAX_];
	size_t lineno = 0;

	memset(t, 0, sizeof(*t));
	t->ncols = -1;
	if (!f) {
		fprintf(stderr, "xgb-holdout: %s: cannot open\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		float row[COLS_MAX], label;
		int nc = 0;
		char *save = NULL, *tok = strtok_r(line, ",\n", &save);

		lineno++;
		if (!tok)
			continue;
		label = strtof(tok, NULL);
		while ((tok = strtok_r(NULL, ",\n", &save)) && nc < COLS_MAX)
			row[nc++] = strcmp(tok, "nan") ? strtof(tok, NULL) : NAN;
		if (tok || (t->ncols >= 0 && nc != t->ncols)) {
			fprintf(stderr, "xgb-holdout: %s:%zu: %d columns (expected %d, at most %d)\n",
				path, lineno, nc, t->ncols, COLS_MAX);
			fclose(f);
			return -1;
		}
		t->ncols = nc;
		if (table_add(t, row, label, nc) < 0) {
			fprintf(stderr, "xgb-holdout: out of memory\n");
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return t->n ? 0 : -1;
}

static int by_score_desc(const void *a, const void *b)
{
	float x = ((const struct scored *)a)->score, y = ((const struct scored *)b)->score;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Mann-Whitney AUC over p[] sorted by descending score (ties count half). */
static double auc_of(const struct scored *p, size_t n, double pos)
{
	double below = 0, sum = 0;

	for (size_t i = n; i > 0;) {
		size_t j = i;
		double np = 0, nn = 0;
		while (j > 0 && p[j - 1].score == p[i - 1].score) {
			if (p[j - 1].label > 0.5f)
				np++;
			else
				nn++;
			j--;
		}
		sum += np * below + np * nn / 2;
		below += nn;
		i = j;
	}
	return sum / (pos * ((double)n - pos));
}

static double lift_top(const struct scored *p, size_t n, double share, double base)
{
	size_t k = (size_t)((double)n * share);
	double c = 0;

	for (size_t i = 0; i < k; i++)
		c += p[i].label;
	return k ? c / (double)k / base : 0;
}

int main(int argc, char **argv)
{
	struct table tr, te;
	DMatrixHandle dtr, dte;
	BoosterHandle b;
	bst_ulong len;
	const float *pred;

	if (argc != 3 && argc != 7) {
		fprintf(stderr, "usage: xgb-holdout TRAIN.csv TEST.csv [TREES DEPTH ETA RECALL]\n");
		return 2;
	}
	int trees = argc == 7 ? atoi(argv[3]) : 150;
	const char *depth = argc == 7 ? argv[4] : "3", *eta = argc == 7 ? argv[5] : "0.1";
	double recall = argc == 7 ? atof(argv[6]) : 0.358;
	if (table_load(argv[1], &tr) < 0 || table_load(argv[2], &te) < 0)
		return 1;
	if (tr.ncols != te.ncols) {
		fprintf(stderr, "xgb-holdout: %d training columns, %d test columns\n", tr.ncols,
			te.ncols);
		return 1;
	}
	if (XGDMatrixCreateFromMat(tr.x, tr.n, tr.ncols, NAN, &dtr) ||
	    XGDMatrixSetFloatInfo(dtr, "label", tr.y, tr.n) ||
	    XGDMatrixCreateFromMat(te.x, te.n, te.ncols, NAN, &dte))
		die_xgb("data");
	if (XGBoosterCreate(&dtr, 1, &b) ||
	    XGBoosterSetParam(b, "objective", "binary:logistic") ||
	    XGBoosterSetParam(b, "max_depth", depth) || XGBoosterSetParam(b, "eta", eta) ||
	    XGBoosterSetParam(b, "seed", "1") || XGBoosterSetParam(b, "nthread", "2"))
		die_xgb("booster");
	for (int i = 0; i < trees; i++)
		if (XGBoosterUpdateOneIter(b, i, dtr))
			die_xgb("training");
	if (XGBoosterPredict(b, dte, 0, 0, 0, &len, &pred) || len != te.n)
		die_xgb("predicting");

	struct scored *p = malloc(te.n * sizeof(*p));
	double pos = 0, caught = 0;
	size_t k = 0;
	if (!p) {
		fprintf(stderr, "xgb-holdout: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < te.n; i++) {
		p[i] = (struct scored){pred[i], te.y[i]};
		pos += te.y[i];
	}
	if (pos == 0 || pos == (double)te.n) {
		fprintf(stderr, "xgb-holdout: the test set has one class only\n");
		return 1;
	}
	qsort(p, te.n, sizeof(*p), by_score_desc);
	double base = pos / (double)te.n;
	while (k < te.n && caught < recall * pos)
		caught += p[k++].label;
	printf("train %zu, test %zu, %d columns: AUC %.4f, lift top 5%% %.2f, top 10%% %.2f, "
	       "at recall %.1f%%: %.1f%% flagged, lift %.2f\n", tr.n, te.n, tr.ncols,
	       auc_of(p, te.n, pos), lift_top(p, te.n, 0.05, base),
	       lift_top(p, te.n, 0.10, base), 100 * recall, 100.0 * (double)k / (double)te.n,
	       caught / (double)k / base);
	free(p);
	XGBoosterFree(b);
	XGDMatrixFree(dtr);
	XGDMatrixFree(dte);
	free(tr.x);
	free(tr.y);
	free(te.x);
	free(te.y);
	return 0;
}
