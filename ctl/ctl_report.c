/*
 * churnctl report — the retention loop's numbers, from the event-time
 * monthly counters churnwatchd keeps in Redis (P kpi:<YYYY-MM>,
 * docs/retention.md#kpis): churn KPIs by month and segment, and for each
 * rule, queue and agent what the alerts became (save rate, precision, lead
 * time). Optionally one self-contained HTML page with inline SVG charts.
 * Read-only.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cw/log.h"
#include "cw/statestore.h"
#include "ctl.h"
#include "ctl_html.h"

#define MONTHS_MAX 240
#define ROWS_MAX 512

struct rp_opts {
	const char *config, *month, *html;
	int json;
};

/* One counter as read: "month" "field" n. */
struct rp_cell {
	char month[8];
	char field[160];
	int64_t n;
};

struct rp_data {
	struct rp_cell *c;
	size_t n, cap;
};

/* A row of a table: a rule, queue or agent. */
struct rp_row {
	char name[72];
	int64_t v[10];
};

static void rp_usage(FILE *out)
{
	fprintf(out,
		"usage: churnctl report -c CONFIG [--month YYYY-MM] [--html FILE] [--json]\n"
		"\n"
		"The retention loop's numbers, from the event-time monthly counters\n"
		"churnwatchd keeps in Redis: adds, losses, net adds and churn rate by\n"
		"month; the base and churn rate by ARPU tier, tenure stage, plan and\n"
		"region; for each rule its alerts, tasks,\n"
		"contacted, saved, lost and retained subscribers, save rate, precision\n"
		"(alerted subscribers who churned within retention.lost_within without\n"
		"a save) and median lead time; tasks, contacts and save rate by queue\n"
		"and by agent. Read-only.\n"
		"\n"
		"  -c CONFIG     churnwatch.yaml (Redis and key prefix)\n"
		"  --month M     the rule, queue and agent tables of month M only\n"
		"                (default: all months)\n"
		"  --html FILE   also one self-contained page (inline SVG charts: churn\n"
		"                rate by month, save rate and lift by rule)\n"
		"  --json        the same numbers as one JSON object instead of tables,\n"
		"                with every raw counter under \"counters\"\n"
		"  -h, --help    this text\n"
		"\n"
		"Exit 0, 1 Redis/config error or no counters, 2 usage.\n");
}

static int rp_parse(int argc, char **argv, struct rp_opts *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"month", required_argument, NULL, 'm'},
		{"html", required_argument, NULL, 'H'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'm': o->month = optarg; break;
		case 'H': o->html = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': rp_usage(stdout); return 1;
		default: rp_usage(stderr); return 2;
		}
	}
	if (!o->config || optind != argc) {
		fprintf(stderr, "churnctl report: -c CONFIG is required\n");
		rp_usage(stderr);
		return 2;
	}
	if (o->month && (strlen(o->month) != 7 || o->month[4] != '-')) {
		fprintf(stderr, "churnctl report: --month %s: not YYYY-MM\n", o->month);
		return 2;
	}
	return 0;
}

static int rp_collect(void *ctx, const char *month, const char *field, int64_t n)
{
	struct rp_data *d = ctx;

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 256;
		struct rp_cell *c = realloc(d->c, cap * sizeof(*c));
		if (!c)
			return -1;
		d->c = c;
		d->cap = cap;
	}
	snprintf(d->c[d->n].month, sizeof(d->c[0].month), "%s", month);
	snprintf(d->c[d->n].field, sizeof(d->c[0].field), "%s", field);
	d->c[d->n++].n = n;
	return 0;
}

/* Sum of `field` over month (NULL: all months). */
static int64_t rp_sum(const struct rp_data *d, const char *month, const char *field)
{
	int64_t s = 0;

	for (size_t i = 0; i < d->n; i++)
		if ((!month || !strcmp(d->c[i].month, month)) && !strcmp(d->c[i].field, field))
			s += d->c[i].n;
	return s;
}

static int rp_month_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The months counted, sorted, into m[MONTHS_MAX][8]. */
static size_t rp_months(const struct rp_data *d, char (*m)[8])
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++) {
		size_t k = 0;
		while (k < n && strcmp(m[k], d->c[i].month))
			k++;
		if (k == n && n < MONTHS_MAX)
			memcpy(m[n++], d->c[i].month, 8);
	}
	qsort(m, n, 8, rp_month_cmp);
	return n;
}

/* The values `by` takes in fields "<what>:<by>:<value>" (any what). */
static size_t rp_names(const struct rp_data *d, const char *by, struct rp_row *rows)
{
	char mid[40];
	size_t n = 0;

	snprintf(mid, sizeof(mid), ":%s:", by);
	for (size_t i = 0; i < d->n; i++) {
		const char *p = strstr(d->c[i].field, mid);
		if (!p || strchr(d->c[i].field, ':') != p)
			continue;
		const char *v = p + strlen(mid);
		size_t k = 0;
		while (k < n && strcmp(rows[k].name, v))
			k++;
		if (k == n && n < ROWS_MAX) {
			memset(&rows[n], 0, sizeof(rows[n]));
			snprintf(rows[n++].name, sizeof(rows[0].name), "%s", v);
		}
	}
	return n;
}

static int64_t rp_get(const struct rp_data *d, const char *month, const char *what,
		      const char *by, const char *name)
{
	char f[200];

	snprintf(f, sizeof(f), "%s:%s:%s", what, by, name);
	return rp_sum(d, month, f);
}

/* The median of rule r's lead times (fields lead:<r>:days:<n>); -1 none. */
static int64_t rp_median_lead(const struct rp_data *d, const char *month, const char *rule)
{
	char pre[120];
	int64_t hist[731] = {0}, total = 0, seen = 0;

	snprintf(pre, sizeof(pre), "lead:%s:days:", rule);
	for (size_t i = 0; i < d->n; i++) {
		if ((month && strcmp(d->c[i].month, month)) ||
		    strncmp(d->c[i].field, pre, strlen(pre)))
			continue;
		long days = strtol(d->c[i].field + strlen(pre), NULL, 10);
		if (days < 0 || days > 730)
			continue;
		hist[days] += d->c[i].n;
		total += d->c[i].n;
	}
	for (int k = 0; k <= 730 && total; k++) {
		seen += hist[k];
		if (2 * seen >= total)
			return k;
	}
	return -1;
}

static double pct(int64_t a, int64_t b)
{
	return b > 0 ? 100.0 * (double)a / (double)b : 0.0;
}

/* ---- the numbers --------------------------------------------------------- */

struct rp_month {
	char m[8];
	int64_t base_start, adds, losses, net, base_end;
	double churn;
};

static size_t rp_churn_months(const struct rp_data *d, struct rp_month *out)
{
	char (*m)[8] = calloc(MONTHS_MAX, 8);
	int64_t base = 0;
	size_t n;

	if (!m)
		return 0;
	n = rp_months(d, m);
	for (size_t i = 0; i < n; i++) {
		struct rp_month *r = &out[i];
		memcpy(r->m, m[i], 8);
		/* Lines first seen this month were part of the base already. */
		r->base_start = base + rp_sum(d, m[i], "seen");
		r->adds = rp_sum(d, m[i], "act");
		r->losses = rp_sum(d, m[i], "deact") + rp_sum(d, m[i], "forced");
		r->net = r->adds + rp_sum(d, m[i], "returned") - r->losses;
		r->base_end = r->base_start + r->net;
		r->churn = pct(r->losses, r->base_start);
		base = r->base_end;
	}
	free(m);
	return n;
}

enum { R_ALERTS, R_TASKS, R_CONTACTED, R_SAVED, R_LOST, R_RETAINED, R_CHURNED, R_LEAD,
       R_ALERTED };

static void rp_rule_rows(const struct rp_data *d, const char *month,
			 struct rp_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t *v = rows[i].v;
		v[R_ALERTS] = rp_get(d, month, "alerts", "rule", rows[i].name);
		v[R_TASKS] = rp_get(d, month, "tasks", "rule", rows[i].name);
		v[R_CONTACTED] = rp_get(d, month, "contacted", "rule", rows[i].name);
		v[R_SAVED] = rp_get(d, month, "saved", "rule", rows[i].name);
		v[R_LOST] = rp_get(d, month, "lost", "rule", rows[i].name);
		v[R_RETAINED] = rp_get(d, month, "retained", "rule", rows[i].name);
		v[R_CHURNED] = rp_get(d, month, "churned_unsaved", "rule", rows[i].name);
		v[R_LEAD] = rp_median_lead(d, month, rows[i].name);
		v[R_ALERTED] = rp_get(d, month, "alerted", "rule", rows[i].name);
	}
}

/* The attributes the base and churn are kept by (docs/retention.md#kpis). */
static const char *const rp_segs[][2] = {
	{"tier", "ARPU tier"}, {"stage", "tenure stage"}, {"plan", "plan"},
	{"region", "region"},
};
#define RP_NSEGS (sizeof(rp_segs) / sizeof(rp_segs[0]))

/* One segment's month: its base at the start (the lines that entered it
 * -- activated, first seen, joined, returned, moved in -- less those that
 * moved out or were lost from it, over the months before) and its losses
 * (of lines in it when the month began, or when they entered). */
struct rp_seg {
	int64_t base, deact, forced;
};

static struct rp_seg rp_segment(const struct rp_data *d, const char *month,
				const char *by, const char *value)
{
	/* Entering: activated, first seen, joined, returned, moved in;
	 * leaving: moved out, lost (from the segment it was in then). The
	 * losses of the month: deact, forced (by the month's start). */
	static const char *const flow[] = {"act", "seen", "join", "returned", "in",
					   "out", "gone", "deact", "forced"};
	struct rp_seg r = {0, 0, 0};
	char field[9][200];

	for (size_t k = 0; k < 9; k++)
		snprintf(field[k], sizeof(field[k]), "%s:%s:%s", flow[k], by, value);
	for (size_t i = 0; i < d->n; i++) {
		int cmp = strcmp(d->c[i].month, month);
		if (cmp > 0)
			continue;
		for (size_t k = 0; k < 9; k++) {
			if (strcmp(d->c[i].field, field[k]))
				continue;
			if (cmp < 0 && k < 7)
				r.base += k < 5 ? d->c[i].n : -d->c[i].n;
			else if (cmp == 0 && k == 7)
				r.deact += d->c[i].n;
			else if (cmp == 0 && k == 8)
				r.forced += d->c[i].n;
			break;
		}
	}
	return r;
}

/* The month the segment tables are of: `month`, else the last counted. */
static void rp_last_month(const struct rp_data *d, const char *month, char last[8])
{
	last[0] = '\0';
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->c[i].month, last) > 0)
			memcpy(last, d->c[i].month, 8);
	if (month)
		snprintf(last, 8, "%s", month);
}

/* Segment values in their natural order: tiers and stages as they rise,
 * the rest by name with numbers as numbers ("P8" < "P18", "county-2" <
 * "county-10"). */
static int rp_value_rank(const char *v)
{
	static const char *const order[] = {"low", "mid", "high", "new", "stable", "mature"};

	for (int i = 0; i < 6; i++)
		if (!strcmp(v, order[i]))
			return i;
	return 6;
}

static int rp_row_cmp(const void *a, const void *b)
{
	const char *x = ((const struct rp_row *)a)->name, *y = ((const struct rp_row *)b)->name;
	int rx = rp_value_rank(x), ry = rp_value_rank(y);

	if (rx != ry)
		return rx - ry;
	while (*x && *y) {
		if (*x >= '0' && *x <= '9' && *y >= '0' && *y <= '9') {
			char *ex, *ey;
			unsigned long long nx = strtoull(x, &ex, 10), ny = strtoull(y, &ey, 10);
			if (nx != ny)
				return nx < ny ? -1 : 1;
			x = ex;
			y = ey;
			continue;
		}
		if (*x != *y)
			return (unsigned char)*x - (unsigned char)*y;
		x++;
		y++;
	}
	return (unsigned char)*x - (unsigned char)*y;
}

/* The values `by` takes (a segment attribute, rule, queue, agent), in
 * their natural order: the same tables whatever order Redis returns. */
static size_t rp_segment_values(const struct rp_data *d, const char *by, struct rp_row *rows)
{
	size_t n = rp_names(d, by, rows);

	qsort(rows, n, sizeof(*rows), rp_row_cmp);
	return n;
}

/* Churn by tier, stage, plan and region in `month` (default: the last). */
static void rp_segment_churn(FILE *f, const struct rp_data *d, const char *month,
			     struct rp_row *rows)
{
	char last[8];

	rp_last_month(d, month, last);
	for (size_t s = 0; s < RP_NSEGS; s++) {
		size_t n = rp_segment_values(d, rp_segs[s][0], rows);
		int any = 0;
		for (size_t i = 0; i < n; i++) {
			struct rp_seg g = rp_segment(d, last, rp_segs[s][0], rows[i].name);
			if (g.base <= 0 && !g.deact && !g.forced)
				continue;
			if (!any++)
				fprintf(f, "\nChurn by %s in %s (base at the month's start)\n"
					"  %-20s %8s %8s %8s %8s\n", rp_segs[s][1], last,
					rp_segs[s][1], "base", "deact", "forced", "churn%");
			fprintf(f, "  %-20s %8" PRId64 " %8" PRId64 " %8" PRId64 " %7.2f%%\n",
				rows[i].name, g.base, g.deact, g.forced,
				pct(g.deact + g.forced, g.base));
		}
	}
}

/* ---- text ------------------------------------------------------------------ */

static void rp_text(FILE *f, const struct rp_data *d, const char *month,
		    const struct rp_month *ms, size_t nm)
{
	struct rp_row *rows = calloc(ROWS_MAX, sizeof(*rows));

	if (!rows)
		return;
	fprintf(f, "Churn by month (event time; base = lines seen or activated, less losses)\n");
	fprintf(f, "  %-8s %10s %8s %8s %8s %10s %8s\n", "month", "base", "adds",
		"losses", "net", "base end", "churn%");
	for (size_t i = 0; i < nm; i++)
		fprintf(f, "  %-8s %10" PRId64 " %8" PRId64 " %8" PRId64 " %8" PRId64
			" %10" PRId64 " %7.2f%%\n", ms[i].m, ms[i].base_start, ms[i].adds,
			ms[i].losses, ms[i].net, ms[i].base_end, ms[i].churn);
	rp_segment_churn(f, d, month, rows);
	size_t n = rp_segment_values(d, "rule", rows);
	rp_rule_rows(d, month, rows, n);
	fprintf(f, "\nRules%s%s (save%% = saved / contacted; precision = alerted "
		"subscribers who churned unsaved / alerted subscribers)\n",
		month ? " in " : "", month ? month : "");
	fprintf(f, "  %-26s %7s %7s %6s %9s %6s %6s %8s %6s %9s %9s\n", "rule",
		"alerts", "alerted", "tasks", "contacted", "saved", "lost", "retained",
		"save%", "precision", "lead(d)");
	for (size_t i = 0; i < n; i++) {
		const int64_t *v = rows[i].v;
		if (!v[R_ALERTS] && !v[R_CONTACTED] && !v[R_SAVED] && !v[R_LOST])
			continue;
		char lead[24];
		if (v[R_LEAD] >= 0)
			snprintf(lead, sizeof(lead), "%" PRId64, v[R_LEAD]);
		else
			snprintf(lead, sizeof(lead), "-");
		fprintf(f, "  %-26s %7" PRId64 " %7" PRId64 " %6" PRId64 " %9" PRId64
			" %6" PRId64 " %6" PRId64 " %8" PRId64 " %5.1f%% %8.1f%% %9s\n",
			rows[i].name, v[R_ALERTS], v[R_ALERTED], v[R_TASKS], v[R_CONTACTED],
			v[R_SAVED], v[R_LOST], v[R_RETAINED], pct(v[R_SAVED], v[R_CONTACTED]),
			pct(v[R_CHURNED], v[R_ALERTED]), lead);
	}
	static const char *const who[] = {"queue", "agent"};
	for (size_t w = 0; w < 2; w++) {
		n = rp_segment_values(d, who[w], rows);
		fprintf(f, "\n%ss%s%s\n  %-26s %7s %9s %9s %6s %6s %6s\n",
			w ? "Agent" : "Queue", month ? " in " : "", month ? month : "",
			who[w], "tasks", "contacts", "contacted", "saved", "lost", "save%");
		for (size_t i = 0; i < n; i++) {
			int64_t t = rp_get(d, month, "tasks", who[w], rows[i].name);
			int64_t c = rp_get(d, month, "contacts", who[w], rows[i].name);
			int64_t cd = rp_get(d, month, "contacted", who[w], rows[i].name);
			int64_t sv = rp_get(d, month, "saved", who[w], rows[i].name);
			int64_t ls = rp_get(d, month, "lost", who[w], rows[i].name);
			if (!t && !c && !sv && !ls)
				continue;
			char tasks[24] = "-";
			if (!w)
				snprintf(tasks, sizeof(tasks), "%" PRId64, t);
			fprintf(f, "  %-26s %7s %9" PRId64 " %9" PRId64 " %6" PRId64
				" %6" PRId64 " %5.1f%%\n", rows[i].name, tasks, c, cd, sv, ls,
				pct(sv, cd));
		}
	}
	free(rows);
}

/* ---- HTML ------------------------------------------------------------------- */

static int rp_html(const char *path, const struct rp_data *d, const char *month,
		   const struct rp_month *ms, size_t nm)
{
	FILE *f = fopen(path, "w");
	struct rp_row *rows = calloc(ROWS_MAX, sizeof(*rows));
	const char **label = calloc(ROWS_MAX + MONTHS_MAX, sizeof(*label));
	double *v = calloc(ROWS_MAX + MONTHS_MAX, sizeof(*v));
	int64_t losses = 0, base = 0;
	int rc = -1;

	if (!f || !rows || !label || !v) {
		fprintf(stderr, "churnctl report: %s: cannot write\n", path);
		goto out;
	}
	char title[64];

	snprintf(title, sizeof(title), "churnwatch retention report%s%s",
		 month ? " " : "", month ? month : "");
	ctl_html_begin(f, title);
	for (size_t i = 0; i < nm; i++) {
		label[i] = ms[i].m;
		v[i] = ms[i].churn;
		losses += ms[i].losses;
		base += ms[i].base_start;
	}
	ctl_svg_bars(f, "Churn rate by month (losses / base at the start)", label, v, nm, "%");
	size_t n = rp_segment_values(d, "rule", rows), k = 0;
	rp_rule_rows(d, month, rows, n);
	for (size_t i = 0; i < n; i++)
		if (rows[i].v[R_CONTACTED]) {
			label[k] = rows[i].name;
			v[k++] = pct(rows[i].v[R_SAVED], rows[i].v[R_CONTACTED]);
		}
	ctl_svg_bars(f, "Save rate by rule (saved / contacted)", label, v, k, "%");
	/* Lift: a rule's precision against the base's churn rate over the
	 * same months (a rule no better than chance has lift 1). */
	double base_rate = base > 0 ? (double)losses / (double)base : 0;
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].v[R_ALERTED] && base_rate > 0) {
			label[k] = rows[i].name;
			v[k++] = (double)rows[i].v[R_CHURNED] / (double)rows[i].v[R_ALERTED] /
				 base_rate;
		}
	ctl_svg_bars(f, "Lift by rule (precision / the base's churn rate, same months)",
		 label, v, k, "x");
	/* Churn rate by segment in the month the tables are of. */
	char last[8], (*names)[96] = calloc(ROWS_MAX, sizeof(*names));
	rp_last_month(d, month, last);
	for (size_t s = 0, m = 0; names && s < RP_NSEGS; s++) {
		size_t ns = rp_segment_values(d, rp_segs[s][0], rows);
		k = 0;
		for (size_t i = 0; i < ns && m < ROWS_MAX; i++) {
			struct rp_seg g = rp_segment(d, last, rp_segs[s][0], rows[i].name);
			if (g.base <= 0)
				continue;
			snprintf(names[m], sizeof(names[m]), "%s", rows[i].name);
			label[k] = names[m++];
			v[k++] = pct(g.deact + g.forced, g.base);
		}
		char t[96];
		snprintf(t, sizeof(t), "Churn rate by %s, %s", rp_segs[s][1], last);
		if (k)
			ctl_svg_bars(f, t, label, v, k, "%");
	}
	free(names);
	fprintf(f, "<h2>Tables</h2>\n<pre>\n");
	/* The text tables, escaped. */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem) {
		rp_text(mem, d, month, ms, nm);
		fclose(mem);
		ctl_html_esc(f, buf ? buf : "");
		free(buf);
	}
	fprintf(f, "</pre>\n");
	ctl_html_end(f, "From churnwatchd's event-time counters in Redis "
		     "(docs/retention.md#kpis).");
	rc = 0;
out:
	if (f && fclose(f) != 0)
		rc = -1;
	free(rows);
	free(label);
	free(v);
	return rc;
}

/* ---- JSON ---------------------------------------------------------------------- */

static void rp_json(FILE *f, const struct rp_data *d, const char *month,
		    const struct rp_month *ms, size_t nm)
{
	struct json_object *root = json_object_new_object();
	struct json_object *months = json_object_new_array();
	struct json_object *rules = json_object_new_object();
	struct json_object *counters = json_object_new_object();
	struct rp_row *rows = calloc(ROWS_MAX, sizeof(*rows));
	static const char *const rk[] = {"alerts", "tasks", "contacted", "saved",
					 "lost", "retained", "churned_unsaved",
					 "median_lead_days", "alerted"};
	struct json_object *segs = json_object_new_object();
	char (*mlist)[8] = calloc(MONTHS_MAX, 8);

	if (!root || !months || !rules || !counters || !rows || !segs || !mlist)
		goto out;
	for (size_t i = 0; i < nm; i++) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "month", json_object_new_string(ms[i].m));
		json_object_object_add(m, "base_start", json_object_new_int64(ms[i].base_start));
		json_object_object_add(m, "adds", json_object_new_int64(ms[i].adds));
		json_object_object_add(m, "losses", json_object_new_int64(ms[i].losses));
		json_object_object_add(m, "net", json_object_new_int64(ms[i].net));
		json_object_object_add(m, "churn_rate", json_object_new_double(ms[i].churn / 100));
		json_object_array_add(months, m);
	}
	size_t n = rp_segment_values(d, "rule", rows);
	rp_rule_rows(d, month, rows, n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		for (size_t k = 0; k < 9; k++)
			json_object_object_add(o, rk[k], json_object_new_int64(rows[i].v[k]));
		json_object_object_add(o, "save_rate",
				       json_object_new_double(pct(rows[i].v[R_SAVED], rows[i].v[R_CONTACTED]) / 100));
		json_object_object_add(o, "precision",
				       json_object_new_double(pct(rows[i].v[R_CHURNED], rows[i].v[R_ALERTED]) / 100));
		json_object_object_add(rules, rows[i].name, o);
	}
	/* segments.<by>.<value>: [{month, base_start, deact, forced}] */
	size_t nmonths = rp_months(d, mlist);
	for (size_t s = 0; s < RP_NSEGS; s++) {
		struct json_object *by = json_object_new_object();
		size_t ns = rp_segment_values(d, rp_segs[s][0], rows);
		for (size_t i = 0; i < ns; i++) {
			struct json_object *arr = json_object_new_array();
			for (size_t m = 0; m < nmonths; m++) {
				struct rp_seg g = rp_segment(d, mlist[m], rp_segs[s][0],
							     rows[i].name);
				struct json_object *o = json_object_new_object();
				json_object_object_add(o, "month", json_object_new_string(mlist[m]));
				json_object_object_add(o, "base_start", json_object_new_int64(g.base));
				json_object_object_add(o, "deact", json_object_new_int64(g.deact));
				json_object_object_add(o, "forced", json_object_new_int64(g.forced));
				json_object_array_add(arr, o);
			}
			json_object_object_add(by, rows[i].name, arr);
		}
		json_object_object_add(segs, rp_segs[s][0], by);
	}
	for (size_t i = 0; i < d->n; i++) {
		if (month && strcmp(d->c[i].month, month))
			continue;
		struct json_object *m = NULL;
		if (!json_object_object_get_ex(counters, d->c[i].month, &m)) {
			m = json_object_new_object();
			json_object_object_add(counters, d->c[i].month, m);
		}
		json_object_object_add(m, d->c[i].field, json_object_new_int64(d->c[i].n));
	}
	json_object_object_add(root, "months", months);
	json_object_object_add(root, "rules", rules);
	json_object_object_add(root, "segments", segs);
	json_object_object_add(root, "counters", counters);
	months = rules = counters = segs = NULL;
	fprintf(f, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
out:
	json_object_put(months);
	json_object_put(rules);
	json_object_put(counters);
	json_object_put(segs);
	json_object_put(root);
	free(mlist);
	free(rows);
}

int ctl_report(int argc, char **argv)
{
	struct rp_opts o;
	struct ctl_redis r;
	struct rp_data d = {NULL, 0, 0};
	struct rp_month *ms = NULL;
	char err[1024];
	int rc = rp_parse(argc, argv, &o);

	if (rc)
		return rc == 1 ? 0 : 2;
	rc = 1;
	if (ctl_redis_open(&r, o.config, "report") < 0)
		goto out;
	if (cw_ss_read_counts(r.ss, rp_collect, &d, err, sizeof(err)) < 0) {
		fprintf(stderr, "churnctl report: %s\n", err);
		goto out;
	}
	if (!d.n) {
		fprintf(stderr, "churnctl report: no counters in Redis (kpi:*): is "
			"routing configured, and has churnwatchd run?\n");
		goto out;
	}
	ms = calloc(MONTHS_MAX, sizeof(*ms));
	if (!ms) {
		fprintf(stderr, "churnctl report: out of memory\n");
		goto out;
	}
	size_t nm = rp_churn_months(&d, ms);
	if (o.json)
		rp_json(stdout, &d, o.month, ms, nm);
	else
		rp_text(stdout, &d, o.month, ms, nm);
	if (o.html) {
		if (rp_html(o.html, &d, o.month, ms, nm) < 0)
			goto out;
		fprintf(stderr, "churnctl report: wrote %s\n", o.html);
	}
	rc = 0;
out:
	free(ms);
	free(d.c);
	ctl_redis_close(&r);
	return rc;
}
