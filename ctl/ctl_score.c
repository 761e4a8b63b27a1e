/*
 * ctl_score.c — churnctl features and churnctl train (docs/score.md).
 *
 * Both replay event files through the real engine in memory (cw_offline,
 * the driver test-rules uses) up to an event-time cut-off and read each
 * subscriber's feature vector with cw_features_compute — the code the
 * daemon scores with. `train` then joins labels, fits gradient-boosted
 * trees with XGBoost's C API on a subscriber-hash split, writes the model
 * in XGBoost's JSON format with the feature list in its attributes, loads
 * it back with the daemon's own loader (cw_model_load) and reports the
 * held-out AUC, lift, gain by decile and calibration from the daemon's own
 * scorer, so the numbers are those of the model as it will run.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xgboost/c_api.h>
#include <xxhash.h>

#include "cw/score.h"
#include "cw/conf.h"
#include "cw/engine.h"
#include "cw/features.h"
#include "cw/log.h"
#include "cw/model.h"
#include "cw/offline.h"
#include "cw/runtime.h"
#include "ctl.h"

#define SC_FILES_MAX 64
#define SC_LINE_MAX (64 * 1024)

struct sc_opts {
	const char *config;
	const char *events[SC_FILES_MAX];
	size_t nevents;
	const char *labels[SC_FILES_MAX];
	size_t nlabels;
	const char *out;
	const char *model;      /* features: append `risk` from this model */
	const char *report;     /* train: also write the report here */
	const char *scores;     /* train: subscriber,label,split,score */
	int64_t at;
	int64_t horizon_ms;
	uint64_t seed;
	int trees, depth;
	double eta, test_fraction;
};

/* One subscriber's vector at the cut-off. */
struct sc_row {
	char sub[CW_SUB_MAX + 1];
	float x[CW_FV__COUNT];
	int label;              /* -1 unknown, 0, 1 */
	int test;               /* held out */
	int closed;             /* deactivated before the cut-off */
	double score;
};

struct sc_rows {
	struct sc_row *v;
	size_t n, cap;
	size_t closed;          /* deactivated before the cut-off: not rows */
	const struct cw_engine *e;
	int64_t at;
};

struct sc_feed {
	uint64_t lines, events, invalid, after, duplicates;
	int64_t oldest, newest;
};

/* ---- replay ------------------------------------------------------------- */

/* Parse one line as whichever topic its type belongs to. */
static int sc_parse(const char *line, size_t len, struct cw_event *ev)
{
	struct cw_event_limits lim;
	enum cw_invalid why;

	cw_event_limits_default(&lim, INT64_MAX / 4);
	lim.max_future_ms = 0; /* history: no wall clock to judge against */
	if (cw_event_parse(line, len, CW_TOPIC_CDR, NULL, 0, &lim, ev, &why) == 0)
		return 0;
	if (why == CW_INVALID_WRONG_TOPIC &&
	    cw_event_parse(line, len, CW_TOPIC_BILLING, NULL, 0, &lim, ev, &why) == 0)
		return 0;
	return -1;
}

/*
 * Apply every valid event before `at` of one file. Events are applied in
 * file order (each subscriber's own events must be in time order, as on a
 * Kafka partition); timers are not run, since the vector reads counters,
 * not what fired.
 */
static int sc_feed_file(struct cw_offline *o, const char *path, int64_t at,
			struct sc_feed *fd)
{
	FILE *f = !strcmp(path, "-") ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct cw_event ev;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "churnctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		fd->lines++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n)
			continue;
		if (n > SC_LINE_MAX || sc_parse(line, (size_t)n, &ev) < 0) {
			fd->invalid++;
			continue;
		}
		if (ev.ts_ms < fd->oldest)
			fd->oldest = ev.ts_ms;
		if (ev.ts_ms > fd->newest)
			fd->newest = ev.ts_ms;
		if (ev.ts_ms >= at) {
			fd->after++;
			continue;
		}
		int r = cw_offline_event(o, &ev);
		if (r == 1) {
			fd->duplicates++;
		} else if (r < 0) {
			fprintf(stderr, "churnctl: %s:%" PRIu64 ": %s\n", path,
				fd->lines, r == -EOVERFLOW ? "state too large"
							   : strerror(-r));
			rc = -1;
			break;
		}
		fd->events++;
	}
	if (ferror(f)) {
		fprintf(stderr, "churnctl: %s: read error\n", path);
		rc = -1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

static int sc_collect(void *ctx, const char *sub, const struct cw_state *st)
{
	struct sc_rows *r = ctx;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;
		struct sc_row *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	struct sc_row *row = &r->v[r->n++];
	memset(row, 0, sizeof(*row));
	snprintf(row->sub, sizeof(row->sub), "%s", sub);
	row->label = -1;
	/* A closed line has left: no vector, but its labels still match. */
	row->closed = (st->flags & CW_ST_DEACTIVATED) != 0;
	r->closed += (size_t)row->closed;
	if (!row->closed)
		cw_features_compute(r->e, st, r->at, row->x);
	return 0;
}

static int sc_cmp_sub(const void *a, const void *b)
{
	return strcmp(((const struct sc_row *)a)->sub,
		      ((const struct sc_row *)b)->sub);
}

/* Replay every --events file and take each subscriber's vector at `at`,
 * sorted by subscriber (output independent of file order). */
static int sc_vectors(const struct sc_opts *o, struct cw_runtime **rtp,
		      struct sc_rows *rows)
{
	struct cw_conf conf = {0};
	struct cw_offline *off = NULL;
	struct sc_feed fd = {.oldest = INT64_MAX, .newest = INT64_MIN};
	char err[8192];
	int rc = -1;

	if (cw_conf_init_defaults(&conf) < 0 ||
	    cw_conf_load(o->config, &conf, err, sizeof(err)) < 0 ||
	    cw_runtime_load(&conf, rtp, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	cw_score_keep_features(&(*rtp)->engine);
	if (cw_offline_new(&(*rtp)->engine, NULL, &off) < 0) {
		fprintf(stderr, "churnctl: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < o->nevents; i++)
		if (sc_feed_file(off, o->events[i], o->at, &fd) < 0)
			goto out;
	if (fd.events == 0 || o->at <= fd.oldest) {
		char b[40];
		cw_time_format_rfc3339(o->at, b, sizeof(b));
		fprintf(stderr, "churnctl: the cut-off %s is before every event "
			"(%" PRIu64 " valid events): nothing to describe\n", b,
			fd.events + fd.after);
		goto out;
	}
	if (o->at > fd.newest + 31 * CW_DAY_MS) {
		char b[40], c[40];
		cw_time_format_rfc3339(o->at, b, sizeof(b));
		cw_time_format_rfc3339(fd.newest, c, sizeof(c));
		fprintf(stderr, "churnctl: the cut-off %s is more than 31 days "
			"after the newest event (%s): outside the data\n", b, c);
		goto out;
	}
	rows->e = &(*rtp)->engine;
	rows->at = o->at;
	if (cw_offline_foreach(off, sc_collect, rows) != 0) {
		fprintf(stderr, "churnctl: out of memory or corrupt state\n");
		goto out;
	}
	qsort(rows->v, rows->n, sizeof(*rows->v), sc_cmp_sub);
	fprintf(stderr, "features: %" PRIu64 " lines, %" PRIu64 " events applied, "
		"%" PRIu64 " at or after the cut-off, %" PRIu64 " invalid, "
		"%" PRIu64 " duplicates; %zu subscribers (%zu deactivated "
		"before the cut-off left out)\n",
		fd.lines, fd.events, fd.after, fd.invalid, fd.duplicates,
		rows->n - rows->closed, rows->closed);
	rc = 0;
out:
	cw_offline_free(off);
	cw_conf_fini(&conf);
	return rc;
}

/* ---- options ------------------------------------------------------------ */

static int sc_parse_at(const char *s, int64_t *out)
{
	char buf[40];

	/* A bare date is its midnight UTC. */
	if (strlen(s) == 10) {
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
		s = buf;
	}
	return cw_time_parse_rfc3339(s, strlen(s), out);
}

static int sc_usage(int train, FILE *f)
{
	if (!train)
		fprintf(f,
			"usage: churnctl features -c CONFIG --events F.jsonl [--events F2 ...]\n"
			"                         --at DATE --out F.csv [--model M.json]\n"
			"Replays the events up to the cut-off (DATE or RFC 3339 time) through the\n"
			"engine and writes each active subscriber's feature vector (docs/score.md);\n"
			"--model appends the model's risk score.\n");
	else
		fprintf(f,
			"usage: churnctl train -c CONFIG --events F.jsonl [--events ...]\n"
			"                      --labels L.csv [--labels ...] --at DATE --out M.json\n"
			"                      [--horizon 90d] [--seed N] [--trees 150] [--depth 3]\n"
			"                      [--eta 0.1] [--test-fraction 0.3] [--report FILE]\n"
			"                      [--scores F.csv]\n"
			"Fits gradient-boosted trees (XGBoost) on the feature vectors at the\n"
			"cut-off against labels (subscriber,churn_ts): 1 when churn_ts falls in\n"
			"(DATE, DATE + horizon]. A subscriber-hash split holds out --test-fraction;\n"
			"the report (AUC, lift, gain by decile, calibration) is on that part.\n");
	return f == stdout ? 0 : 2;
}

static int sc_args(int argc, char **argv, int train, struct sc_opts *o)
{
	static const struct option lo[] = {
		{"config", required_argument, 0, 'c'},
		{"events", required_argument, 0, 'e'},
		{"labels", required_argument, 0, 'l'},
		{"at", required_argument, 0, 'a'},
		{"out", required_argument, 0, 'o'},
		{"model", required_argument, 0, 'm'},
		{"horizon", required_argument, 0, 'H'},
		{"seed", required_argument, 0, 's'},
		{"trees", required_argument, 0, 't'},
		{"depth", required_argument, 0, 'd'},
		{"eta", required_argument, 0, 'E'},
		{"test-fraction", required_argument, 0, 'T'},
		{"report", required_argument, 0, 'r'},
		{"scores", required_argument, 0, 'S'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int c, have_at = 0;
	char *end;

	*o = (struct sc_opts){.horizon_ms = 90 * CW_DAY_MS, .seed = 1,
			      .trees = 150, .depth = 3, .eta = 0.1,
			      .test_fraction = 0.3};
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		errno = 0;
		end = NULL;
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'e':
		case 'l': {
			const char **v = c == 'e' ? o->events : o->labels;
			size_t *n = c == 'e' ? &o->nevents : &o->nlabels;
			if (*n == SC_FILES_MAX) {
				fprintf(stderr, "churnctl: at most %d files\n", SC_FILES_MAX);
				return 2;
			}
			v[(*n)++] = optarg;
			break;
		}
		case 'a':
			if (sc_parse_at(optarg, &o->at) < 0) {
				fprintf(stderr, "churnctl: --at %s: expected a date "
					"(2026-05-01) or an RFC 3339 time\n", optarg);
				return 2;
			}
			have_at = 1;
			break;
		case 'o': o->out = optarg; break;
		case 'm': o->model = optarg; break;
		case 'r': o->report = optarg; break;
		case 'S': o->scores = optarg; break;
		case 'H':
			if (cw_parse_duration(optarg, strlen(optarg), &o->horizon_ms) < 0 ||
			    o->horizon_ms <= 0) {
				fprintf(stderr, "churnctl: --horizon %s: expected a "
					"duration such as 90d\n", optarg);
				return 2;
			}
			break;
		case 's':
			o->seed = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "churnctl: --seed %s: expected an integer\n", optarg);
				return 2;
			}
			break;
		case 't':
		case 'd': {
			long v = strtol(optarg, &end, 10);
			long max = c == 't' ? 5000 : CW_MODEL_DEPTH_MAX - 1;
			if (errno || *end || end == optarg || v < 1 || v > max) {
				fprintf(stderr, "churnctl: --%s %s: expected 1..%ld\n",
					c == 't' ? "trees" : "depth", optarg, max);
				return 2;
			}
			*(c == 't' ? &o->trees : &o->depth) = (int)v;
			break;
		}
		case 'E':
		case 'T': {
			double v = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(v > 0 && v < 1)) {
				fprintf(stderr, "churnctl: --%s %s: expected a number "
					"between 0 and 1\n", c == 'E' ? "eta" : "test-fraction",
					optarg);
				return 2;
			}
			*(c == 'E' ? &o->eta : &o->test_fraction) = v;
			break;
		}
		case 'h': return sc_usage(train, stdout);
		default: return sc_usage(train, stderr);
		}
	}
	if (optind != argc || !o->config || !o->nevents || !have_at || !o->out ||
	    (train && !o->nlabels)) {
		fprintf(stderr, "churnctl %s: needs -c CONFIG, --events, --at, "
			"--out%s\n", argv[0], train ? " and --labels" : "");
		return sc_usage(train, stderr);
	}
	return -1;
}

/* ---- churnctl features -------------------------------------------------- */

int ctl_features(int argc, char **argv)
{
	struct sc_opts o;
	struct sc_rows rows = {0};
	struct cw_runtime *rt = NULL;
	struct cw_model *m = NULL;
	char err[1024];
	FILE *f = NULL;
	int rc = sc_args(argc, argv, 0, &o);

	if (rc >= 0)
		return rc;
	rc = 1;
	cw_log_set_level(CW_LOG_WARNING);
	if (o.model && cw_model_load(o.model, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "churnctl features: %s\n", err);
		goto out;
	}
	if (sc_vectors(&o, &rt, &rows) < 0)
		goto out;
	f = !strcmp(o.out, "-") ? stdout : fopen(o.out, "w");
	if (!f) {
		fprintf(stderr, "churnctl features: %s: %s\n", o.out, strerror(errno));
		goto out;
	}
	fprintf(f, "subscriber,%s%s\n", cw_features_list(), m ? ",risk" : "");
	for (size_t i = 0; i < rows.n; i++) {
		if (rows.v[i].closed)
			continue;
		fprintf(f, "%s", rows.v[i].sub);
		for (int k = 0; k < CW_FV__COUNT; k++)
			fprintf(f, ",%.9g", rows.v[i].x[k]);
		if (m)
			fprintf(f, ",%.6f", cw_model_score(m, rows.v[i].x));
		fputc('\n', f);
	}
	rc = 0;
out:
	if (f && f != stdout && fclose(f) != 0) {
		fprintf(stderr, "churnctl features: %s: write failed\n", o.out);
		rc = 1;
	}
	cw_model_free(m);
	cw_runtime_free(rt);
	free(rows.v);
	return rc;
}

/* ---- labels ------------------------------------------------------------- */

static struct sc_row *sc_find(struct sc_rows *rows, const char *sub)
{
	struct sc_row key;

	snprintf(key.sub, sizeof(key.sub), "%s", sub);
	return bsearch(&key, rows->v, rows->n, sizeof(*rows->v), sc_cmp_sub);
}

/*
 * Join labels: 1 when the subscriber churned within (at, at + horizon], 0
 * otherwise. A subscriber who left before the cut-off is not a row at all
 * (closed state) or, if the file says so without a deactivate, is dropped
 * from training. A label for a subscriber the events never named is an
 * error: it means the files do not belong together.
 */
static int sc_join_labels(const struct sc_opts *o, struct sc_rows *rows,
			  size_t *gone)
{
	size_t unknown = 0;
	char first_unknown[CW_SUB_MAX + 1] = "";

	for (size_t i = 0; i < rows->n; i++)
		rows->v[i].label = rows->v[i].closed ? -1 : 0;
	for (size_t k = 0; k < o->nlabels; k++) {
		FILE *f = fopen(o->labels[k], "r");
		char *line = NULL;
		size_t cap = 0;
		int lineno = 0, bad = 0;

		if (!f) {
			fprintf(stderr, "churnctl train: %s: %s\n", o->labels[k],
				strerror(errno));
			return -1;
		}
		while (getline(&line, &cap, f) > 0) {
			int64_t ts;
			lineno++;
			line[strcspn(line, "\r\n")] = '\0';
			char *comma = strchr(line, ',');
			if (!*line || (lineno == 1 && !strncmp(line, "subscriber", 10)))
				continue;
			if (!comma || (*comma = '\0',
				       !cw_subscriber_valid(line, strlen(line))) ||
			    cw_time_parse_rfc3339(comma + 1, strlen(comma + 1), &ts) < 0) {
				fprintf(stderr, "%s:%d:1: expected subscriber,churn_ts "
					"(RFC 3339)\n", o->labels[k], lineno);
				bad = 1;
				continue;
			}
			struct sc_row *r = sc_find(rows, line);
			if (!r) {
				if (!unknown++)
					snprintf(first_unknown, sizeof(first_unknown),
						 "%s", line);
				continue;
			}
			if (r->closed)
				continue;
			if (ts <= o->at)
				r->label = -1, (*gone)++;
			else if (ts <= o->at + o->horizon_ms)
				r->label = 1;
		}
		free(line);
		fclose(f);
		if (bad)
			return -1;
	}
	if (unknown) {
		fprintf(stderr, "churnctl train: %zu labelled subscribers never "
			"appear in the events (first: %s): labels and events do "
			"not belong together\n", unknown, first_unknown);
		return -1;
	}
	return 0;
}

/* ---- evaluation --------------------------------------------------------- */

struct sc_eval {
	size_t n, pos;
	double auc, lift5, lift10;
	double gain[10];       /* cumulative share of churners by decile */
	double dec_rate[10];   /* churn rate within the decile */
	double dec_pred[10];   /* mean predicted probability in the decile */
};

static int sc_cmp_score_desc(const void *a, const void *b)
{
	const struct sc_row *x = *(const struct sc_row *const *)a;
	const struct sc_row *y = *(const struct sc_row *const *)b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return strcmp(x->sub, y->sub);
}

/* AUC by ranks (ties share their mean rank), lift at the top 5 and 10 %,
 * and per-decile gain and calibration, over the held-out rows. */
static int sc_evaluate(struct sc_rows *rows, struct sc_eval *ev)
{
	struct sc_row **v = malloc((rows->n + 1) * sizeof(*v));
	double ranksum = 0;

	if (!v)
		return -1;
	memset(ev, 0, sizeof(*ev));
	for (size_t i = 0; i < rows->n; i++)
		if (rows->v[i].test && rows->v[i].label >= 0) {
			v[ev->n++] = &rows->v[i];
			ev->pos += (size_t)rows->v[i].label;
		}
	qsort(v, ev->n, sizeof(*v), sc_cmp_score_desc);
	for (size_t i = 0; i < ev->n;) {
		size_t j = i;
		while (j < ev->n && v[j]->score == v[i]->score)
			j++;
		/* ascending rank of this tie group: n - j + 1 .. n - i */
		double rank = ((double)(ev->n - j + 1) + (double)(ev->n - i)) / 2;
		for (size_t k = i; k < j; k++)
			if (v[k]->label)
				ranksum += rank;
		i = j;
	}
	size_t neg = ev->n - ev->pos;
	ev->auc = ev->pos && neg
			  ? (ranksum - (double)ev->pos * (ev->pos + 1) / 2) /
				    ((double)ev->pos * neg)
			  : NAN;
	double base = ev->n ? (double)ev->pos / ev->n : 0;
	for (int pct = 5; pct <= 10; pct += 5) {
		size_t top = (ev->n * (size_t)pct + 99) / 100, hit = 0;
		for (size_t i = 0; i < top; i++)
			hit += (size_t)v[i]->label;
		double lift = top && base > 0 ? ((double)hit / top) / base : NAN;
		*(pct == 5 ? &ev->lift5 : &ev->lift10) = lift;
	}
	size_t cum = 0;
	for (int d = 0; d < 10; d++) {
		size_t lo = ev->n * (size_t)d / 10, hi = ev->n * (size_t)(d + 1) / 10;
		size_t hit = 0;
		double pred = 0;
		for (size_t i = lo; i < hi; i++) {
			hit += (size_t)v[i]->label;
			pred += v[i]->score;
		}
		cum += hit;
		ev->gain[d] = ev->pos ? (double)cum / ev->pos : 0;
		ev->dec_rate[d] = hi > lo ? (double)hit / (hi - lo) : 0;
		ev->dec_pred[d] = hi > lo ? pred / (hi - lo) : 0;
	}
	free(v);
	return 0;
}

static void sc_report(FILE *f, const struct sc_opts *o, const struct sc_eval *ev,
		      size_t ntrain, size_t ptrain, const struct cw_model *m)
{
	char at[40];

	cw_time_format_rfc3339(o->at, at, sizeof(at));
	fprintf(f, "model %s: %zu trees of depth <= %d, eta %g, seed %" PRIu64
		", features v%d (%d)\n", cw_model_id(m), cw_model_trees(m),
		o->depth, o->eta, o->seed, CW_FEATURES_VERSION, CW_FV__COUNT);
	fprintf(f, "cut-off %s, horizon %" PRId64 "d\n", at,
		(int64_t)(o->horizon_ms / CW_DAY_MS));
	fprintf(f, "train: %zu subscribers, %zu churned (%.1f%%)\n", ntrain,
		ptrain, ntrain ? 100.0 * ptrain / ntrain : 0);
	fprintf(f, "held out: %zu subscribers, %zu churned (%.1f%%)\n", ev->n,
		ev->pos, ev->n ? 100.0 * ev->pos / ev->n : 0);
	fprintf(f, "AUC %.4f   lift top 5%% %.2f   lift top 10%% %.2f\n", ev->auc,
		ev->lift5, ev->lift10);
	fprintf(f, "decile  churn rate  mean score  cumulative gain\n");
	for (int d = 0; d < 10; d++)
		fprintf(f, "%6d  %9.1f%%  %10.3f  %14.1f%%\n", d + 1,
			100 * ev->dec_rate[d], ev->dec_pred[d], 100 * ev->gain[d]);
}

/* ---- training ------------------------------------------------------------ */

#define XG(call)                                                            \
	do {                                                                \
		if ((call) != 0) {                                          \
			fprintf(stderr, "churnctl train: XGBoost: %s\n",    \
				XGBGetLastError());                         \
			goto out;                                           \
		}                                                           \
	} while (0)

/* Fit on the training rows; the model's JSON bytes into *buf (malloc'd). */
static int sc_fit(const struct sc_opts *o, const struct sc_rows *rows,
		  char **buf, size_t *len)
{
	size_t n = 0;
	float *x = malloc((rows->n + 1) * CW_FV__COUNT * sizeof(*x));
	float *y = malloc((rows->n + 1) * sizeof(*y));
	DMatrixHandle d = NULL;
	BoosterHandle b = NULL;
	char s[64];
	int rc = -1;

	if (!x || !y) {
		fprintf(stderr, "churnctl train: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < rows->n; i++) {
		if (rows->v[i].test || rows->v[i].label < 0)
			continue;
		memcpy(x + n * CW_FV__COUNT, rows->v[i].x, sizeof(rows->v[i].x));
		y[n++] = (float)rows->v[i].label;
	}
	XG(XGDMatrixCreateFromMat(x, n, CW_FV__COUNT, NAN, &d));
	XG(XGDMatrixSetFloatInfo(d, "label", y, n));
	XG(XGBoosterCreate(&d, 1, &b));
	/* One thread and the exact method: the same inputs and seed give the
	 * same model bytes on any machine. */
	XG(XGBoosterSetParam(b, "objective", "binary:logistic"));
	XG(XGBoosterSetParam(b, "tree_method", "exact"));
	XG(XGBoosterSetParam(b, "nthread", "1"));
	snprintf(s, sizeof(s), "%d", o->depth);
	XG(XGBoosterSetParam(b, "max_depth", s));
	snprintf(s, sizeof(s), "%g", o->eta);
	XG(XGBoosterSetParam(b, "eta", s));
	snprintf(s, sizeof(s), "%" PRIu64, o->seed);
	XG(XGBoosterSetParam(b, "seed", s));
	XG(XGBoosterSetParam(b, "min_child_weight", "5"));
	for (int it = 0; it < o->trees; it++)
		XG(XGBoosterUpdateOneIter(b, it, d));
	XG(XGBoosterSetAttr(b, "churnwatch_features", cw_features_list()));
	snprintf(s, sizeof(s), "%d", CW_FEATURES_VERSION);
	XG(XGBoosterSetAttr(b, "churnwatch_features_version", s));
	cw_time_format_rfc3339(o->at, s, sizeof(s));
	XG(XGBoosterSetAttr(b, "churnwatch_cutoff", s));
	snprintf(s, sizeof(s), "%" PRId64 "d", (int64_t)(o->horizon_ms / CW_DAY_MS));
	XG(XGBoosterSetAttr(b, "churnwatch_horizon", s));
	snprintf(s, sizeof(s), "%" PRIu64, o->seed);
	XG(XGBoosterSetAttr(b, "churnwatch_seed", s));
	bst_ulong blen;
	const char *bytes;
	XG(XGBoosterSaveModelToBuffer(b, "{\"format\": \"json\"}", &blen, &bytes));
	*buf = malloc(blen + 1);
	if (!*buf)
		goto out;
	memcpy(*buf, bytes, blen);
	*len = blen;
	rc = 0;
out:
	if (b)
		XGBoosterFree(b);
	if (d)
		XGDMatrixFree(d);
	free(x);
	free(y);
	return rc;
}

/* Write via a temporary file and rename: a reader never sees half a model. */
static int sc_write_atomic(const char *path, const char *buf, size_t len)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "wb");
	if (!f)
		return -1;
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Held out by a hash of the subscriber and the seed: stable, and the
 * same subscriber is held out whatever the other files contain. */
static int sc_held_out(const char *sub, uint64_t seed, double fraction)
{
	uint64_t h = XXH64(sub, strlen(sub), seed);

	return (double)(h % 1000000) < fraction * 1000000;
}

static int sc_write_scores(const char *path, const struct sc_rows *rows)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "subscriber,label,split,score\n");
	for (size_t i = 0; i < rows->n; i++) {
		const struct sc_row *r = &rows->v[i];
		if (r->label < 0)
			continue;
		fprintf(f, "%s,%d,%s,%.6f\n", r->sub, r->label,
			r->test ? "test" : "train", r->score);
	}
	return fclose(f) == 0 ? 0 : -1;
}

int ctl_train(int argc, char **argv)
{
	struct sc_opts o;
	struct sc_rows rows = {0};
	struct cw_runtime *rt = NULL;
	struct cw_model *m = NULL;
	struct sc_eval ev;
	char err[1024], *buf = NULL;
	size_t len = 0, gone = 0, ntrain = 0, ptrain = 0, ptest = 0, ntest = 0;
	int rc = sc_args(argc, argv, 1, &o);

	if (rc >= 0)
		return rc;
	rc = 1;
	cw_log_set_level(CW_LOG_WARNING);
	if (sc_vectors(&o, &rt, &rows) < 0 || sc_join_labels(&o, &rows, &gone) < 0)
		goto out;
	for (size_t i = 0; i < rows.n; i++) {
		struct sc_row *r = &rows.v[i];
		if (r->label < 0)
			continue;
		r->test = sc_held_out(r->sub, o.seed, o.test_fraction);
		*(r->test ? &ntest : &ntrain) += 1;
		*(r->test ? &ptest : &ptrain) += (size_t)r->label;
	}
	if (gone)
		fprintf(stderr, "train: %zu labelled subscribers churned at or "
			"before the cut-off: left out\n", gone);
	if (ptrain == 0 || ptrain == ntrain || ptest == 0 || ptest == ntest) {
		fprintf(stderr, "churnctl train: a class is empty (train: %zu of "
			"%zu churned, held out: %zu of %zu): labels, cut-off and "
			"horizon must leave churners and stayers on both sides\n",
			ptrain, ntrain, ptest, ntest);
		goto out;
	}
	if (sc_fit(&o, &rows, &buf, &len) < 0)
		goto out;
	/* Score with the daemon's own loader and walk: what it reports is
	 * what will run. */
	if (cw_model_load_buf(buf, len, o.out, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "churnctl train: the trained model does not load: %s\n", err);
		goto out;
	}
	if (sc_write_atomic(o.out, buf, len) < 0) {
		fprintf(stderr, "churnctl train: %s: %s\n", o.out, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < rows.n; i++)
		rows.v[i].score = cw_model_score(m, rows.v[i].x);
	if (sc_evaluate(&rows, &ev) < 0)
		goto out;
	sc_report(stdout, &o, &ev, ntrain, ptrain, m);
	if (o.report) {
		FILE *f = fopen(o.report, "w");
		if (!f) {
			fprintf(stderr, "churnctl train: %s: %s\n", o.report, strerror(errno));
			goto out;
		}
		sc_report(f, &o, &ev, ntrain, ptrain, m);
		if (fclose(f) != 0)
			goto out;
	}
	if (o.scores && sc_write_scores(o.scores, &rows) < 0) {
		fprintf(stderr, "churnctl train: %s: write failed\n", o.scores);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	cw_model_free(m);
	cw_runtime_free(rt);
	free(rows.v);
	return rc;
}
