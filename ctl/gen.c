/*
 * gen.c — synthetic subscriber model and JSON-lines writer for
 * `churnctl gen` (CONTRACT §3 events).
 *
 * The stream is produced day by day: every subscriber appends its events
 * for the day to one buffer, the buffer is sorted by time of day (stable
 * LSD radix sort, so ties keep generation order) and written out. Each
 * (subscriber, day) pair draws from its own splitmix64 stream, which makes
 * the output a pure function of the options.
 *
 * The serialiser here is a small hand-rolled writer rather than
 * cw_event_to_json(): it formats straight from the compact day buffer and
 * runs at several million events per second.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cw/event.h"
#include "gen.h"

#define GEN_DAY_MS 86400000LL
#define GEN_HOUR_MS 3600000LL
#define GEN_NONE_DAY INT32_MAX
#define GEN_NONE_MS INT64_MAX
#define GEN_SUFFIX_MOD 100000000ULL  /* 8 digits after a 5-digit prefix */
#define GEN_OUTBUF (1u << 20)

struct gen_plan {
	const char *id;
	int fee;
};

static const struct gen_plan gen_plans[] = {
	{"P8", 8}, {"P18", 18}, {"P28", 28}, {"P38", 38},
	{"P58", 58}, {"P88", 88}, {"P128", 128},
};
#define GEN_NPLANS 7
/* Plan popularity in percent (steady and most churners). */
static const int gen_plan_weight[GEN_NPLANS] = {10, 20, 20, 20, 15, 10, 5};

static const uint32_t gen_own_prefix[] = {
	86134, 86135, 86136, 86137, 86138, 86139, 86150, 86187, 86188,
};
static const uint32_t gen_comp_prefix[] = {
	86130, 86131, 86132, 86155, 86156, 86185, 86186,  /* unicom */
	86133, 86153, 86180, 86181, 86189, 86199,         /* telecom */
};
#define GEN_NOWN (sizeof(gen_own_prefix) / sizeof(gen_own_prefix[0]))
#define GEN_NCOMP (sizeof(gen_comp_prefix) / sizeof(gen_comp_prefix[0]))

/* Relative call volume per hour of day (UTC, treated as local). */
static const uint32_t gen_hour_weight[24] = {
	2, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13,
	12, 13, 14, 14, 13, 12, 13, 14, 14, 12, 8, 4,
};

static const char *const gen_kind_names[GEN_KIND__COUNT] = {
	"steady", "silent", "arpu_drop", "forwarder", "downgrader", "arrears",
	"unresumed", "overdue", "contract_end", "portout", "deactivated",
};

struct rng {
	uint64_t s;
};

/* One subscriber's state: everything that must survive from day to day. */
struct gen_sub {
	uint64_t msisdn;
	uint64_t fwd_to;       /* forwarder: the competitor number */
	int64_t act_ms;        /* activate ts */
	int64_t kind_ms;       /* when the churn behaviour starts */
	int64_t end_ms;        /* deactivate ts, GEN_NONE_MS if never */
	int64_t commit_ms;     /* commitment_end on the activate, 0 if none */
	int32_t late_day;      /* overdue: the invoice day paid 30 days late */
	int64_t balance;       /* prepaid balance, milli-units */
	int64_t month_usage;   /* postpaid rated usage this month, milli */
	int64_t owed;          /* postpaid: last invoice amount, milli */
	int32_t kind_day;
	int32_t last_vout_day;
	int32_t chg_day;       /* plan_change day, GEN_NONE_DAY if none */
	int32_t pay_day;
	int32_t drop_period;   /* arpu_drop: first period at 25% */
	int32_t pkg_period;    /* prepaid: last month the package was charged */
	int32_t sus_day[3];
	uint16_t month_days;   /* active days in the current month */
	uint8_t sus_len[3];
	uint8_t nsus;
	uint8_t kind;
	uint8_t planted;       /* the kind as planted (kind turns steady when saved) */
	int64_t saved_ms;      /* saved by the retention team; 0 never */
	uint8_t plan;
	uint8_t plan_to;
	uint8_t region;        /* --regions: index of its county */
	uint8_t region_to;     /* ... after it moves on move_day */
	int32_t move_day;      /* GEN_NONE_DAY: never */
	uint8_t postpaid;
	uint8_t ncircle;
	uint8_t onnet_pct;
	/* Daily rates in tenths of events per day. */
	uint8_t lam_vout, lam_vin, lam_sms_out, lam_sms_in, lam_data;
};

/* One generated event in the day buffer; money in milli-units. */
struct gen_ev {
	int64_t ts;
	uint64_t peer;    /* peer or forward_to */
	int64_t val;      /* duration_s, bytes, or invoice period */
	int64_t money;    /* charge or amount */
	uint32_t sub;
	uint8_t type;     /* enum cw_event_type */
	uint8_t dir;      /* enum cw_direction */
	uint8_t a, b;     /* plans; a = forwarded flag for incoming voice */
};

struct gen_day {
	int32_t d;
	int64_t start_ms;
	int year, month, dom, wday;   /* wday 0 = Sunday */
	int period;                   /* year*12 + month-1 */
	int prev_period;              /* the month before */
	int prev_month_days;
	char date[48];                /* "YYYY-MM-DDT" */
};

struct gen_out {
	FILE *f;
	char *buf;
	size_t len;
	int err;
	uint64_t bytes;
};

struct gen {
	struct gen_opts o;
	struct gen_hooks hooks;
	struct gen_action *act;   /* scheduled retention actions, any order */
	size_t nact, act_cap;
	struct gen_sub *subs;
	struct gen_ev *evs;
	size_t nev, cap;
	uint32_t *idx, *tmp;
	size_t idx_cap;
	uint32_t cnt[1 << 14];  /* radix buckets */
	struct rng noise;   /* garbage and duplicates: separate from the model */
	uint64_t counter;
};

/* ---- randomness ---- */

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rng_next(struct rng *r)
{
	return mix64(r->s += 0x9e3779b97f4a7c15ULL);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
	r->s = mix64(seed * 0x2545f4914f6cdd1dULL ^
		     mix64(a * 0x9e3779b97f4a7c15ULL + mix64(b + 0x632be59bd9b4e019ULL)));
}

static inline double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* Approximately standard normal (Irwin–Hall, 4 uniforms). */
static double rng_normal(struct rng *r)
{
	double s = rng_unit(r) + rng_unit(r) + rng_unit(r) + rng_unit(r);

	return (s - 2.0) * 1.7320508075688772;
}

/* A low-variance count with mean `lam`: floor(lam + U). Outgoing usage
 * uses it so that steady subscribers' monthly revenue stays steady. */
static int rng_count(struct rng *r, double lam)
{
	return lam > 0 ? (int)(lam + rng_unit(r)) : 0;
}

static int rng_poisson(struct rng *r, double lam)
{
	double limit = exp(-lam), p = 1.0;
	int k = 0;

	if (lam <= 0)
		return 0;
	do {
		k++;
		p *= rng_unit(r);
	} while (p > limit && k < 200);
	return k - 1;
}

/* ---- calendar ---- */

/* Civil date of day `z` since the epoch, as ints (gen's own ranges are
 * small); the arithmetic is the shared cw_civil_from_days. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t yy;
	cw_civil_from_days(z, &yy, m, d);
	*y = (int)yy;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

int gen_parse_date(const char *s, int64_t *ms_out)
{
	int v[3] = {0, 0, 0};
	const int width[3] = {4, 2, 2};
	const char *p = s;

	for (int i = 0; i < 3; i++) {
		for (int k = 0; k < width[i]; k++, p++) {
			if (*p < '0' || *p > '9')
				return -1;
			v[i] = v[i] * 10 + (*p - '0');
		}
		if (i < 2 && *p++ != '-')
			return -1;
	}
	if (*p != '\0' || v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[2] > days_in_month(v[0], v[1]))
		return -1;
	*ms_out = cw_days_from_civil(v[0], v[1], v[2]) * GEN_DAY_MS;
	return 0;
}

static void gen_day_init(struct gen_day *day, const struct gen *g, int32_t d)
{
	int64_t dn = g->o.start_ms / GEN_DAY_MS + d;
	int py, pm;

	day->d = d;
	day->start_ms = dn * GEN_DAY_MS;
	civil_from_days(dn, &day->year, &day->month, &day->dom);
	day->wday = (int)((dn % 7 + 11) % 7);  /* 1970-01-01 was a Thursday */
	py = day->month == 1 ? day->year - 1 : day->year;
	pm = day->month == 1 ? 12 : day->month - 1;
	day->period = day->year * 12 + day->month - 1;
	day->prev_period = py * 12 + pm - 1;
	day->prev_month_days = days_in_month(py, pm);
	snprintf(day->date, sizeof(day->date), "%04d-%02d-%02dT", day->year % 10000,
		 day->month, day->dom);
}

static int32_t period_of_day(const struct gen *g, int32_t d)
{
	int y, m, dd;

	civil_from_days(g->o.start_ms / GEN_DAY_MS + d, &y, &m, &dd);
	return y * 12 + m - 1;
}

/* ---- numbers ---- */

static uint64_t msisdn_of(const struct gen *g, uint32_t i)
{
	uint64_t k = i / GEN_NOWN;
	uint64_t suffix = (k * 39916801ULL + g->o.seed % GEN_SUFFIX_MOD) % GEN_SUFFIX_MOD;

	/* 39916801 is coprime with 10^8, so this is a bijection on k. */
	return gen_own_prefix[i % GEN_NOWN] * GEN_SUFFIX_MOD + suffix;
}

static uint64_t random_number(uint64_t h, int competitor)
{
	uint32_t prefix = competitor ? gen_comp_prefix[(h >> 3) % GEN_NCOMP]
				     : gen_own_prefix[(h >> 3) % GEN_NOWN];

	return prefix * GEN_SUFFIX_MOD + (h >> 20) % GEN_SUFFIX_MOD;
}

static int is_competitor(uint64_t number)
{
	uint64_t prefix = number / GEN_SUFFIX_MOD;

	for (size_t i = 0; i < GEN_NCOMP; i++)
		if (prefix == gen_comp_prefix[i])
			return 1;
	return 0;
}

/* Contact j of subscriber i's personal circle (stable over the stream):
 * mostly on-net, often another generated subscriber. */
static uint64_t circle_contact(const struct gen *g, uint32_t i, unsigned j)
{
	const struct gen_sub *s = &g->subs[i];
	uint64_t h = mix64(g->o.seed ^ mix64(((uint64_t)i << 8 | j) + 0x5bd1e995ULL));

	if (h % 100 >= s->onnet_pct)
		return random_number(h, 1);
	if ((h >> 8) % 10 < 7 && g->o.subscribers > 1) {
		uint32_t o = (uint32_t)((h >> 16) % g->o.subscribers);

		if (o == i)
			o = (o + 1) % g->o.subscribers;
		return msisdn_of(g, o);
	}
	return random_number(h, 0);
}

/* A peer for one call or message: the circle, skewed to close contacts,
 * with an occasional stranger. */
static uint64_t pick_peer(const struct gen *g, uint32_t i, struct rng *r)
{
	double u = rng_unit(r);

	if (u < 0.08)
		return random_number(rng_next(r), rng_unit(r) < 0.25);
	u = rng_unit(r);
	return circle_contact(g, i, (unsigned)(g->subs[i].ncircle * u * u));
}

/* ---- the model: set-up ---- */

static uint8_t pick_plan(struct rng *r)
{
	int u = (int)rng_below(r, 100);

	for (uint8_t p = 0; p < GEN_NPLANS; p++) {
		if (u < gen_plan_weight[p])
			return p;
		u -= gen_plan_weight[p];
	}
	return GEN_NPLANS - 1;
}

/* Day index of the calendar-month start nearest to `x` inside (0, days);
 * `x` itself when the stream has none. */
static int32_t nearest_month_start(const struct gen *g, int32_t x)
{
	int32_t best = GEN_NONE_DAY;

	for (int32_t d = 1; d < (int32_t)g->o.days; d++) {
		int y, m, dd;

		civil_from_days(g->o.start_ms / GEN_DAY_MS + d, &y, &m, &dd);
		if (dd != 1)
			continue;
		if (best == GEN_NONE_DAY || labs((long)d - x) < labs((long)best - x))
			best = d;
	}
	return best == GEN_NONE_DAY ? x : best;
}

static void plant_churn(struct gen *g, struct gen_sub *s, struct rng *r)
{
	int32_t third = (int32_t)g->o.days / 3;
	int32_t x = third + (int32_t)rng_below(r, third > 0 ? third : 1);
	int64_t x_ms;

	if (x < 1)
		x = 1;
	if (s->kind == GEN_ARPU_DROP)
		x = nearest_month_start(g, x);
	x_ms = g->o.start_ms + x * GEN_DAY_MS;
	s->kind_day = x;
	switch ((enum gen_kind)s->kind) {
	case GEN_SILENT:
		s->kind_ms = x_ms;
		s->end_ms = x_ms + 90 * GEN_DAY_MS + 9 * GEN_HOUR_MS +
			    (int64_t)rng_below(r, 10 * GEN_HOUR_MS);
		break;
	case GEN_ARPU_DROP:
		s->kind_ms = x_ms;
		s->drop_period = period_of_day(g, x);
		break;
	case GEN_FORWARDER:
		s->kind_ms = x_ms + 8 * GEN_HOUR_MS + (int64_t)rng_below(r, 12 * GEN_HOUR_MS);
		s->fwd_to = random_number(rng_next(r), 1);
		break;
	case GEN_DOWNGRADER:
		s->kind_ms = x_ms + 8 * GEN_HOUR_MS + (int64_t)rng_below(r, 12 * GEN_HOUR_MS);
		s->chg_day = x;
		s->plan_to = (uint8_t)rng_below(r, 2);   /* P8 or P18 */
		break;
	case GEN_ARREARS:
		s->kind_ms = x_ms + (int64_t)rng_below(r, GEN_HOUR_MS);
		s->nsus = (uint8_t)(2 + rng_below(r, 2));
		s->sus_day[0] = x;
		for (int k = 1; k < s->nsus; k++)
			s->sus_day[k] = s->sus_day[k - 1] + 12 + (int32_t)rng_below(r, 9);
		for (int k = 0; k < s->nsus; k++)
			s->sus_len[k] = (uint8_t)(2 + rng_below(r, 4));
		break;
	case GEN_UNRESUMED:
		/* One arrears suspension that never ends; the line is
		 * cut off (deactivated) two months later. */
		s->kind_ms = x_ms + (int64_t)rng_below(r, GEN_HOUR_MS);
		s->nsus = 1;
		s->sus_day[0] = x;
		s->sus_len[0] = UINT8_MAX;
		s->end_ms = s->kind_ms + 60 * GEN_DAY_MS;
		break;
	case GEN_OVERDUE:
		/* The invoice of the month start nearest x is paid late. */
		s->late_day = nearest_month_start(g, x);
		s->kind_day = s->late_day;
		s->kind_ms = g->o.start_ms + s->late_day * GEN_DAY_MS;
		s->end_ms = s->kind_ms + 60 * GEN_DAY_MS + 10 * GEN_HOUR_MS;
		break;
	case GEN_CONTRACT:
		/* Commitment ends 30 days after x (a midnight): the renewal
		 * warning is due at x, the subscriber leaves at the end. */
		s->commit_ms = x_ms + 30 * GEN_DAY_MS;
		s->kind_ms = x_ms;
		s->end_ms = s->commit_ms + 9 * GEN_HOUR_MS;
		break;
	case GEN_PORTOUT:
		s->kind_ms = x_ms + 9 * GEN_HOUR_MS + (int64_t)rng_below(r, 8 * GEN_HOUR_MS);
		s->end_ms = s->kind_ms + 3 * GEN_DAY_MS;
		break;
	case GEN_DEACTIVATED:
		s->kind_ms = x_ms + 10 * GEN_HOUR_MS + (int64_t)rng_below(r, 8 * GEN_HOUR_MS);
		s->end_ms = s->kind_ms;
		break;
	case GEN_STEADY:
	case GEN_KIND__COUNT:
		break;
	}
}

/* Steady subscribers: a few upgrade once, a few postpaid ones get one
 * short arrears suspension. Nothing else that looks like churn. */
static void plant_steady(struct gen *g, struct gen_sub *s, struct rng *r)
{
	if (g->o.days < 2)
		return;
	if (s->plan + 1 < GEN_NPLANS && rng_unit(r) < 0.04) {
		s->chg_day = 1 + (int32_t)rng_below(r, g->o.days - 1);
		s->plan_to = (uint8_t)(s->plan + 1 + rng_below(r, 2));
		if (s->plan_to >= GEN_NPLANS)
			s->plan_to = GEN_NPLANS - 1;
	}
	if (s->postpaid && rng_unit(r) < 0.02) {
		/* a requested suspension (travel), not arrears */
		s->nsus = 1;
		s->sus_day[0] = 1 + (int32_t)rng_below(r, g->o.days - 1);
		s->sus_len[0] = (uint8_t)(2 + rng_below(r, 2));
	}
	/* Some are in a contract that ends well after the stream, so the
	 * renewal warnings (30 or 60 days ahead) cannot come due in it. */
	if (rng_unit(r) < 0.2)
		s->commit_ms = g->o.start_ms +
			       ((int64_t)g->o.days + 61 + (int64_t)rng_below(r, 300)) * GEN_DAY_MS;
}

/* --regions: a county for each line, and a move to another for 3% of them
 * (a profile event). From a stream of its own, so the rest of the output
 * is the same with or without regions. */
static void plant_region(const struct gen *g, struct gen_sub *s, uint32_t i)
{
	struct rng r;

	s->move_day = GEN_NONE_DAY;
	if (!g->o.regions)
		return;
	rng_seed(&r, g->o.seed, i, 0x726567696f6eULL);
	s->region = (uint8_t)rng_below(&r, g->o.regions);
	if (g->o.regions > 1 && g->o.days > 2 && rng_unit(&r) < 0.03) {
		s->move_day = 1 + (int32_t)rng_below(&r, g->o.days - 1);
		s->region_to = (uint8_t)((s->region + 1 + rng_below(&r, g->o.regions - 1)) %
					 g->o.regions);
	}
}

static void sub_init(struct gen *g, uint32_t i)
{
	struct gen_sub *s = &g->subs[i];
	struct rng r;
	double u;

	rng_seed(&r, g->o.seed, i, UINT32_MAX);
	memset(s, 0, sizeof(*s));
	s->msisdn = msisdn_of(g, i);
	s->kind_day = GEN_NONE_DAY;
	s->kind_ms = GEN_NONE_MS;
	s->end_ms = GEN_NONE_MS;
	s->chg_day = GEN_NONE_DAY;
	s->pay_day = GEN_NONE_DAY;
	s->drop_period = INT32_MAX;
	s->pkg_period = -1;

	u = rng_unit(&r);
	if (u < GEN_OLD_KINDS * g->o.churn_rate) {
		int k = 1 + (int)(u / g->o.churn_rate);

		s->kind = (uint8_t)(k <= GEN_OLD_KINDS ? k : GEN_OLD_KINDS);
	} else if (u < (GEN_OLD_KINDS + (GEN_KIND__COUNT - 1 - GEN_OLD_KINDS) / 2.0) *
			       g->o.churn_rate) {
		int k = GEN_OLD_KINDS + 1 +
			(int)((u - GEN_OLD_KINDS * g->o.churn_rate) / (g->o.churn_rate / 2));

		s->kind = (uint8_t)(k < GEN_KIND__COUNT ? k : GEN_KIND__COUNT - 1);
	}
	s->late_day = GEN_NONE_DAY;
	s->postpaid = s->kind == GEN_ARREARS || s->kind == GEN_UNRESUMED ||
		      s->kind == GEN_OVERDUE || rng_unit(&r) < 0.30;
	s->plan = s->kind == GEN_DOWNGRADER ? (uint8_t)(4 + rng_below(&r, 3)) : pick_plan(&r);
	s->act_ms = g->o.start_ms + (int64_t)rng_below(&r, GEN_DAY_MS - 120000);
	s->ncircle = (uint8_t)(5 + rng_below(&r, 36));
	s->onnet_pct = (uint8_t)(65 + rng_below(&r, 16));
	s->lam_vout = (uint8_t)(5 + rng_below(&r, 36));
	s->lam_vin = (uint8_t)(s->lam_vout * (7 + rng_below(&r, 7)) / 10);
	s->lam_sms_out = (uint8_t)(2 + rng_below(&r, 14));
	s->lam_sms_in = (uint8_t)(2 + rng_below(&r, 14));
	s->lam_data = (uint8_t)(5 + rng_below(&r, 26));
	s->last_vout_day = 0;
	if (s->kind == GEN_STEADY)
		plant_steady(g, s, &r);
	else
		plant_churn(g, s, &r);
	s->planted = s->kind;
	plant_region(g, s, i);
}

struct gen *gen_new(const struct gen_opts *o)
{
	struct gen *g;

	if (o->subscribers == 0 || o->subscribers > 100000000u || o->days == 0 ||
	    o->churn_rate < 0 ||
	    o->churn_rate * (GEN_OLD_KINDS + (GEN_KIND__COUNT - 1 - GEN_OLD_KINDS) / 2.0) > 1)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->o = *o;
	g->subs = calloc(o->subscribers, sizeof(*g->subs));
	if (!g->subs) {
		free(g);
		return NULL;
	}
	for (uint32_t i = 0; i < o->subscribers; i++)
		sub_init(g, i);
	rng_seed(&g->noise, o->seed, UINT64_MAX, 0x6e6f697365ULL);
	return g;
}

void gen_free(struct gen *g)
{
	if (!g)
		return;
	free(g->subs);
	free(g->evs);
	free(g->idx);
	free(g->tmp);
	free(g->act);
	free(g);
}

void gen_set_hooks(struct gen *g, const struct gen_hooks *h)
{
	g->hooks = *h;
}

int gen_schedule(struct gen *g, const struct gen_action *a)
{
	if (g->nact == g->act_cap) {
		size_t cap = g->act_cap ? 2 * g->act_cap : 64;
		struct gen_action *na = realloc(g->act, cap * sizeof(*na));
		if (!na)
			return -1;
		g->act = na;
		g->act_cap = cap;
	}
	g->act[g->nact++] = *a;
	return 0;
}

/* The generated subscriber with that number, or UINT32_MAX: msisdn_of
 * inverted (50323201 is 39916801's inverse modulo 10^8). */
static uint32_t sub_index(const struct gen *g, uint64_t msisdn)
{
	uint64_t prefix = msisdn / GEN_SUFFIX_MOD, suffix = msisdn % GEN_SUFFIX_MOD;
	uint64_t k = (suffix + GEN_SUFFIX_MOD - g->o.seed % GEN_SUFFIX_MOD) % GEN_SUFFIX_MOD *
		     50323201ULL % GEN_SUFFIX_MOD;

	for (uint64_t p = 0; p < GEN_NOWN; p++) {
		if (gen_own_prefix[p] != prefix)
			continue;
		uint64_t i = k * GEN_NOWN + p;
		if (i < g->o.subscribers && msisdn_of(g, (uint32_t)i) == msisdn)
			return (uint32_t)i;
	}
	return UINT32_MAX;
}

int gen_save(struct gen *g, uint64_t msisdn, int64_t from_ms)
{
	uint32_t i = sub_index(g, msisdn);

	if (i == UINT32_MAX)
		return -1;
	struct gen_sub *s = &g->subs[i];
	if (!s->saved_ms)
		s->saved_ms = from_ms;
	if (s->end_ms != GEN_NONE_MS && s->end_ms >= from_ms)
		s->end_ms = GEN_NONE_MS;
	s->kind = GEN_STEADY;
	return 0;
}


const char *gen_kind_str(enum gen_kind k)
{
	return (unsigned)k < GEN_KIND__COUNT ? gen_kind_names[k] : "?";
}

/* ---- the model: one subscriber-day ---- */

static struct gen_ev *push(struct gen *g, uint32_t sub, int64_t ts, int type)
{
	struct gen_ev *ev;

	if (g->nev == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 65536;
		struct gen_ev *n = realloc(g->evs, ncap * sizeof(*n));

		if (!n)
			return NULL;
		g->evs = n;
		g->cap = ncap;
	}
	ev = &g->evs[g->nev++];
	memset(ev, 0, sizeof(*ev));
	ev->ts = ts;
	ev->sub = sub;
	ev->type = (uint8_t)type;
	return ev;
}

/* A time in [lo, hi) following the diurnal profile. */
/* The day's scheduled retention actions into the day buffer. Those of
 * earlier days are written: they go first, so the list stays short. */
static int push_actions(struct gen *g, const struct gen_day *day)
{
	size_t kept = 0;

	for (size_t k = 0; k < g->nact; k++)
		if (g->act[k].ts >= day->start_ms)
			g->act[kept++] = g->act[k];
	g->nact = kept;
	for (size_t k = 0; k < g->nact; k++) {
		const struct gen_action *a = &g->act[k];
		if (a->ts < day->start_ms || a->ts >= day->start_ms + GEN_DAY_MS)
			continue;
		uint32_t i = sub_index(g, a->msisdn);
		if (i == UINT32_MAX)
			continue;
		struct gen_ev *ev = push(g, i, a->ts, a->type);
		if (!ev)
			return -1;
		ev->val = (int64_t)k;
	}
	return 0;
}

static int64_t draw_ts(const struct gen_day *day, int64_t lo, int64_t hi, struct rng *r)
{
	uint32_t total = 0, u;
	int h = 0;
	int64_t ts;

	for (int k = 0; k < 24; k++)
		total += gen_hour_weight[k];
	u = (uint32_t)rng_below(r, total);
	while (u >= gen_hour_weight[h]) {
		u -= gen_hour_weight[h];
		h++;
	}
	ts = day->start_ms + h * GEN_HOUR_MS + (int64_t)rng_below(r, GEN_HOUR_MS);
	if (ts < lo || ts >= hi)
		ts = lo + (int64_t)rng_below(r, (uint64_t)(hi - lo));
	return ts;
}

static int64_t draw_duration(struct rng *r, double scale)
{
	double d = exp(4.1 + 0.6 * rng_normal(r)) * scale;   /* median ~60 s */

	if (d < 1)
		d = 1;
	if (d > 7200)
		d = 7200;
	return (int64_t)d;
}

/* Bookkeeping of a rated CDR: prepaid pays now, postpaid on the invoice. */
static void rate(struct gen_sub *s, struct gen_ev *ev, int64_t value, int64_t *spent)
{
	if (s->postpaid) {
		s->month_usage += value;
		ev->money = 0;
	} else {
		ev->money = value;
		*spent += value;
	}
}

struct gen_ctx {
	struct gen *g;
	uint32_t i;
	struct gen_sub *s;
	const struct gen_day *day;
	struct rng *r;
	int64_t lo, hi;       /* CDR window today */
	double f;             /* usage factor (arpu_drop: 0.25) */
	int silent;           /* no outgoing today */
	int64_t spent;
	int oom;
};

static struct gen_ev *ctx_push(struct gen_ctx *c, int64_t ts, int type)
{
	struct gen_ev *ev = push(c->g, c->i, ts, type);

	if (!ev)
		c->oom = 1;
	return ev;
}

/* Postpaid invoice at a month start and its payment a few days later;
 * these happen even while the line is suspended. */
static void day_invoice(struct gen_ctx *c)
{
	struct gen_sub *s = c->s;
	const struct gen_day *day = c->day;
	struct gen_ev *ev;

	if (s->postpaid && day->dom == 1 && day->d > 0 && s->month_days > 0) {
		int64_t fee = gen_plans[s->plan].fee * 1000LL;
		int64_t amt = fee * s->month_days / day->prev_month_days + s->month_usage * 3 / 10;

		if (day->prev_period >= s->drop_period)
			amt /= 4;
		amt = (amt + 5) / 10 * 10;   /* to the cent */
		ev = ctx_push(c, day->start_ms + GEN_HOUR_MS + (int64_t)rng_below(c->r, 4 * GEN_HOUR_MS),
			      CW_EV_INVOICE);
		if (ev) {
			ev->val = day->prev_period;
			ev->money = amt;
		}
		s->owed = amt;
		s->month_usage = 0;
		s->month_days = 0;
		s->pay_day = day->d + 3 + (int32_t)rng_below(c->r, 8);
		if (day->d == s->late_day)
			s->pay_day = day->d + 26; /* 6 days past the due date */
	}
	/* cut off for arrears: nothing is paid any more */
	if (s->kind == GEN_UNRESUMED && day->d >= s->kind_day)
		return;
	if (s->postpaid && day->d == s->pay_day && s->owed > 0) {
		ev = ctx_push(c, draw_ts(day, c->lo, c->hi, c->r), CW_EV_PAYMENT);
		if (ev)
			ev->money = s->owed;
		s->owed = 0;
	}
}

/* Prepaid top-up when the balance runs low. */
static void day_recharge(struct gen_ctx *c)
{
	struct gen_sub *s = c->s;
	struct gen_ev *ev;

	if (!s->postpaid && !c->silent &&
	    s->balance < gen_plans[s->plan].fee * 1000LL / 2 + 5000) {
		static const int64_t steps[] = {20, 30, 50, 100, 200, 300};
		int64_t want = gen_plans[s->plan].fee + 10, amt = 300;

		for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++)
			if (steps[k] >= want) {
				amt = steps[k];
				break;
			}
		ev = ctx_push(c, draw_ts(c->day, c->lo, c->hi, c->r), CW_EV_RECHARGE);
		if (ev)
			ev->money = amt * 1000;
		s->balance += amt * 1000;
	}
}

/* plan_change and forward_set. */
static void day_account(struct gen_ctx *c)
{
	struct gen_sub *s = c->s;
	struct gen_ev *ev;

	if (c->day->d == s->chg_day) {
		int64_t ts = s->kind == GEN_DOWNGRADER ? s->kind_ms
						       : draw_ts(c->day, c->lo, c->hi, c->r);

		ev = ctx_push(c, ts, CW_EV_PLAN_CHANGE);
		if (ev) {
			ev->a = s->plan;
			ev->b = s->plan_to;
		}
		s->plan = s->plan_to;
	}
	if (s->kind == GEN_FORWARDER && c->day->d == s->kind_day) {
		ev = ctx_push(c, s->kind_ms, CW_EV_FORWARD_SET);
		if (ev)
			ev->peer = s->fwd_to;
	}
}

/* Suspensions: returns 1 if the subscriber is barred all day; may move
 * c->lo past a resume. */
static int day_suspension(struct gen_ctx *c)
{
	struct gen_sub *s = c->s;
	int32_t d = c->day->d;
	struct gen_ev *ev;

	for (int k = 0; k < s->nsus; k++) {
		int32_t from = s->sus_day[k], to = from + s->sus_len[k];

		if (d == from) {
			int64_t ts = (k == 0 && s->kind == GEN_ARREARS)
					     ? s->kind_ms
					     : c->day->start_ms + (int64_t)rng_below(c->r, GEN_HOUR_MS);

			ev = ctx_push(c, ts, CW_EV_SUSPEND);
			if (ev)
				ev->a = s->kind == GEN_STEADY ? CW_SUSPEND_REQUEST
							      : CW_SUSPEND_ARREARS;
			return 1;
		}
		if (d > from && d < to)
			return 1;
		if (d == to) {
			int64_t ts = c->day->start_ms + 60000 + (int64_t)rng_below(c->r, GEN_HOUR_MS);

			ev = ctx_push(c, ts - 1000, CW_EV_PAYMENT);
			if (ev)
				ev->money = s->owed > 0 ? s->owed : gen_plans[s->plan].fee * 1000LL;
			s->owed = 0;
			ctx_push(c, ts, CW_EV_RESUME);
			c->lo = ts + 1;
		}
	}
	return 0;
}

static void day_voice(struct gen_ctx *c)
{
	struct gen_sub *s = c->s;
	double wf = c->day->wday == 0 || c->day->wday == 6 ? 0.8
		    : c->day->wday == 5			 ? 1.1
							 : 1.0;
	int n = c->silent ? 0 : rng_count(c->r, s->lam_vout / 10.0 * c->f * wf);
	struct gen_ev *ev;

	if (!c->silent && n == 0 && c->day->d - s->last_vout_day >= 3)
		n = 1;
	if (n > 0)
		s->last_vout_day = c->day->d;
	for (int k = 0; k < n; k++) {
		ev = ctx_push(c, draw_ts(c->day, c->lo, c->hi, c->r), CW_EV_VOICE);
		if (!ev)
			return;
		ev->dir = CW_DIR_OUT;
		ev->peer = pick_peer(c->g, c->i, c->r);
		ev->val = draw_duration(c->r, 1.0);
		rate(s, ev, (ev->val + 59) / 60 * (is_competitor(ev->peer) ? 90 : 60), &c->spent);
	}
	n = rng_poisson(c->r, s->lam_vin / 10.0 * wf);
	for (int k = 0; k < n; k++) {
		ev = ctx_push(c, draw_ts(c->day, c->lo, c->hi, c->r), CW_EV_VOICE);
		if (!ev)
			return;
		ev->dir = CW_DIR_IN;
		ev->peer = pick_peer(c->g, c->i, c->r);
		ev->val = draw_duration(c->r, 1.0);
		if (s->kind == GEN_FORWARDER && ev->ts > s->kind_ms && rng_unit(c->r) < 0.5)
			ev->a = 1;
	}
}

static void day_sms_data(struct gen_ctx *c)
{
	struct gen_sub *s = c->s;
	int n = c->silent ? 0 : rng_count(c->r, s->lam_sms_out / 10.0 * c->f);
	struct gen_ev *ev;

	for (int k = 0; k < n; k++) {
		ev = ctx_push(c, draw_ts(c->day, c->lo, c->hi, c->r), CW_EV_SMS);
		if (!ev)
			return;
		ev->dir = CW_DIR_OUT;
		ev->peer = pick_peer(c->g, c->i, c->r);
		rate(s, ev, 100, &c->spent);
	}
	n = rng_poisson(c->r, s->lam_sms_in / 10.0);
	for (int k = 0; k < n; k++) {
		ev = ctx_push(c, draw_ts(c->day, c->lo, c->hi, c->r), CW_EV_SMS);
		if (!ev)
			return;
		ev->dir = CW_DIR_IN;
		ev->peer = pick_peer(c->g, c->i, c->r);
	}
	n = c->silent ? 0 : rng_count(c->r, s->lam_data / 10.0 * c->f);
	if (!c->silent && n == 0)
		n = 1;
	for (int k = 0; k < n; k++) {
		int64_t value;

		ev = ctx_push(c, draw_ts(c->day, c->lo, c->hi, c->r), CW_EV_DATA);
		if (!ev)
			return;
		ev->val = (int64_t)(15e6 * c->f * exp(rng_normal(c->r)));
		if (ev->val < 1)
			ev->val = 1;
		/* A small per-session charge; the first session of a calendar
		 * month also carries the plan's monthly package fee, so a
		 * steady subscriber's monthly revenue barely moves. */
		value = 10 + ev->val / 500000;
		if (s->pkg_period != c->day->period) {
			value += (int64_t)(gen_plans[s->plan].fee * 1000.0 * c->f);
			s->pkg_period = c->day->period;
		}
		rate(s, ev, value, &c->spent);
	}
}

static int gen_sub_day(struct gen *g, uint32_t i, const struct gen_day *day)
{
	struct gen_sub *s = &g->subs[i];
	struct rng r;
	struct gen_ctx c = {
		.g = g, .i = i, .s = s, .day = day, .r = &r,
		.lo = day->start_ms, .hi = day->start_ms + GEN_DAY_MS, .f = 1.0,
	};
	struct gen_ev *ev;

	if (s->end_ms < c.lo)
		return 0;
	rng_seed(&r, g->o.seed, i, (uint64_t)day->d);
	if (day->d == 0) {
		ev = ctx_push(&c, s->act_ms, CW_EV_ACTIVATE);
		if (ev)
			ev->a = s->plan;
		c.lo = s->act_ms + 1;
	}
	if (s->end_ms < c.hi) {
		ctx_push(&c, s->end_ms, CW_EV_DEACTIVATE);
		return c.oom ? -1 : 0;
	}
	s->month_days++;
	c.silent = s->kind == GEN_SILENT && day->d >= s->kind_day;
	if (s->kind == GEN_ARPU_DROP && day->d >= s->kind_day)
		c.f = 0.25;
	if (day->d == 0 && !s->postpaid) {
		int64_t amt = (gen_plans[s->plan].fee >= 58 ? 200 : 50) * 1000LL;

		ev = ctx_push(&c, s->act_ms + 1000 + (int64_t)rng_below(&r, 60000), CW_EV_RECHARGE);
		if (ev)
			ev->money = amt;
		s->balance = amt;
		c.lo = s->act_ms + 62000;
	}
	if (s->kind == GEN_PORTOUT && day->d == s->kind_day)
		ctx_push(&c, s->kind_ms, CW_EV_PORTOUT_REQUEST);
	if (day->d == s->move_day)
		ctx_push(&c, c.lo + 9 * 3600 * 1000LL, CW_EV_PROFILE);
	day_invoice(&c);
	day_account(&c);
	if (day_suspension(&c) == 0 && c.lo < c.hi) {
		day_recharge(&c);
		day_voice(&c);
		day_sms_data(&c);
		s->balance -= c.spent;
	}
	return c.oom ? -1 : 0;
}

/* ---- sorting ---- */

/* Stable LSD radix sort of the day's events by time of day (27 bits). */
static int sort_day(struct gen *g, int64_t day_start)
{
	uint32_t *cnt = g->cnt;
	size_t n = g->nev;

	if (n > g->idx_cap) {
		uint32_t *a = realloc(g->idx, n * sizeof(*a));
		uint32_t *b = a ? realloc(g->tmp, n * sizeof(*b)) : NULL;

		if (a)
			g->idx = a;
		if (!b)
			return -1;
		g->tmp = b;
		g->idx_cap = n;
	}
	for (int pass = 0; pass < 2; pass++) {
		int shift = pass * 14;
		uint32_t *dst = pass == 0 ? g->tmp : g->idx;
		uint32_t sum = 0;

		memset(cnt, 0, sizeof(g->cnt));
		for (size_t k = 0; k < n; k++) {
			size_t e = pass == 0 ? k : g->tmp[k];

			cnt[((uint64_t)(g->evs[e].ts - day_start) >> shift) & 0x3fff]++;
		}
		for (size_t b = 0; b < (1 << 14); b++) {
			uint32_t c = cnt[b];

			cnt[b] = sum;
			sum += c;
		}
		for (size_t k = 0; k < n; k++) {
			uint32_t e = pass == 0 ? (uint32_t)k : g->tmp[k];

			dst[cnt[((uint64_t)(g->evs[e].ts - day_start) >> shift) & 0x3fff]++] = e;
		}
	}
	return 0;
}

/* ---- output ---- */

static void out_flush(struct gen_out *w)
{
	if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len)
		w->err = errno ? errno : EIO;
	w->bytes += w->len;
	w->len = 0;
}

static inline void out_mem(struct gen_out *w, const char *s, size_t n)
{
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

#define OUT_LIT(w, s) out_mem((w), (s), sizeof(s) - 1)

static inline void out_str(struct gen_out *w, const char *s)
{
	out_mem(w, s, strlen(s));
}

static void out_u64(struct gen_out *w, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		w->buf[w->len++] = tmp[--n];
}

static void out_pad(struct gen_out *w, unsigned v, int width)
{
	for (int k = width - 1; k >= 0; k--) {
		w->buf[w->len + k] = (char)('0' + v % 10);
		v /= 10;
	}
	w->len += width;
}

static void out_ts(struct gen_out *w, const struct gen_day *day, int64_t ts)
{
	int64_t tod = ts - day->start_ms;

	out_str(w, day->date);
	out_pad(w, (unsigned)(tod / GEN_HOUR_MS), 2);
	w->buf[w->len++] = ':';
	out_pad(w, (unsigned)(tod / 60000 % 60), 2);
	w->buf[w->len++] = ':';
	out_pad(w, (unsigned)(tod / 1000 % 60), 2);
	w->buf[w->len++] = '.';
	out_pad(w, (unsigned)(tod % 1000), 3);
	w->buf[w->len++] = 'Z';
}

static void out_head(struct gen_out *w, const struct gen *g, uint64_t id,
		     const char *type, uint64_t sub)
{
	OUT_LIT(w, "{\"event_id\":\"g");
	out_u64(w, g->o.seed);
	w->buf[w->len++] = '-';
	out_u64(w, id);
	OUT_LIT(w, "\",\"type\":\"");
	out_str(w, type);
	OUT_LIT(w, "\",\"subscriber\":\"");
	out_u64(w, sub);
	OUT_LIT(w, "\",\"ts\":\"");
}

/* Decimal digits of v into buf (NUL-terminated); returns the length. */
static size_t fmt_u64(char *buf, uint64_t v)
{
	char tmp[24];
	size_t n = 0, k = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[k++] = tmp[--n];
	buf[k] = '\0';
	return k;
}

static void set_plan(char *dst, uint8_t plan)
{
	/* Plan ids are short literals; CW_PLAN_MAX bounds them. */
	memcpy(dst, gen_plans[plan].id, strlen(gen_plans[plan].id) + 1);
}

/* The model's compact event as the contract's struct cw_event. */
static void to_cw_event(const struct gen *g, const struct gen_ev *ev, uint64_t id,
			struct cw_event *e)
{
	const struct gen_sub *s = &g->subs[ev->sub];
	size_t n;

	memset(e, 0, sizeof(*e));
	e->type = (enum cw_event_type)ev->type;
	e->topic = cw_event_type_topic(e->type);
	e->ts_ms = ev->ts;
	e->event_id[0] = 'g';
	n = 1 + fmt_u64(e->event_id + 1, g->o.seed);
	e->event_id[n++] = '-';
	fmt_u64(e->event_id + n, id);
	fmt_u64(e->subscriber, s->msisdn);
	switch (ev->type) {
	case CW_EV_VOICE:
	case CW_EV_SMS:
		e->direction = (enum cw_direction)ev->dir;
		fmt_u64(e->peer, ev->peer);
		e->duration_s = ev->val;
		e->charge = ev->money;
		if (ev->type == CW_EV_VOICE && ev->a)
			fmt_u64(e->forwarded_to, s->fwd_to);
		break;
	case CW_EV_DATA:
		e->bytes = ev->val;
		e->charge = ev->money;
		break;
	case CW_EV_ACTIVATE:
		set_plan(e->plan, ev->a);
		e->commitment_end_ms = s->commit_ms;
		if (g->o.regions)
			snprintf(e->region, sizeof(e->region), "county-%u", s->region + 1u);
		break;
	case CW_EV_PROFILE:
		snprintf(e->region, sizeof(e->region), "county-%u", s->region_to + 1u);
		break;
	case CW_EV_PLAN_CHANGE:
		set_plan(e->plan_from, ev->a);
		set_plan(e->plan_to, ev->b);
		break;
	case CW_EV_INVOICE:
		e->period = (int32_t)ev->val;
		e->amount = ev->money;
		break;
	case CW_EV_RECHARGE:
	case CW_EV_PAYMENT:
		e->amount = ev->money;
		break;
	case CW_EV_SUSPEND:
		e->suspend_reason = (enum cw_suspend_reason)ev->a;
		break;
	case CW_EV_PORTOUT_REQUEST:
		e->portout_kind = CW_PORTOUT_AUTH_CODE;
		memcpy(e->channel, "sms", sizeof("sms"));
		break;
	case CW_EV_FORWARD_SET:
		fmt_u64(e->forwarded_to, ev->peer);
		break;
	case CW_EV_CONTACT:
	case CW_EV_OFFER:
	case CW_EV_OUTCOME: {
		const struct gen_action *a = &g->act[ev->val];
		memcpy(e->task_id, a->task_id, sizeof(e->task_id));
		memcpy(e->agent, a->agent, sizeof(e->agent));
		e->contact_channel = a->channel;
		e->contact_result = a->result;
		snprintf(e->offer, sizeof(e->offer), "%s", a->offer);
		e->amount = a->cost;
		e->outcome = a->outcome;
		break;
	}
	case CW_EV_DEACTIVATE:
		snprintf(e->reason, sizeof(e->reason), "%s",
			 s->kind == GEN_UNRESUMED     ? "arrears"
			 : s->kind == GEN_DEACTIVATED ? "moved_abroad"
			 : s->kind == GEN_CONTRACT    ? "contract_end"
						      : "port_out");
		break;
	default:
		break;
	}
}

/* One event as a JSON line, through the contract's serialiser
 * cw_event_to_json() so there is exactly one canonical form. */
static void out_event(struct gen_out *w, const struct cw_event *e)
{
	int n;

	n = cw_event_to_json(e, w->buf + w->len, GEN_OUTBUF - w->len - 1);
	if (n < 0) {
		w->err = EOVERFLOW;
		return;
	}
	w->len += (size_t)n;
	w->buf[w->len++] = '\n';
}

/* A bad line modelled on a real one: each kind exercises one dead-letter
 * reason of CONTRACT §3. */
static void out_garbage(struct gen_out *w, struct gen *g, const struct gen_day *day,
			const struct gen_ev *ev, uint64_t gid)
{
	uint64_t sub = g->subs[ev->sub].msisdn;
	size_t mark;

	switch (rng_below(&g->noise, 7)) {
	case 0: /* malformed JSON: a truncated line */
		mark = w->len;
		out_head(w, g, gid, "voice", sub);
		out_ts(w, day, ev->ts);
		w->len = mark + (w->len - mark) * 2 / 3;
		w->buf[w->len++] = '\n';
		return;
	case 1: /* missing field: no ts */
		OUT_LIT(w, "{\"event_id\":\"g");
		out_u64(w, g->o.seed);
		OUT_LIT(w, "-x");
		out_u64(w, gid);
		OUT_LIT(w, "\",\"type\":\"sms\",\"subscriber\":\"");
		out_u64(w, sub);
		OUT_LIT(w, "\",\"direction\":\"out\",\"peer\":\"8613800000000\",\"charge\":0.1}\n");
		return;
	case 2: /* unknown type */
		out_head(w, g, gid, "teleport", sub);
		out_ts(w, day, ev->ts);
		OUT_LIT(w, "\",\"charge\":0}\n");
		return;
	case 3: /* bad subscriber */
		OUT_LIT(w, "{\"event_id\":\"g");
		out_u64(w, g->o.seed);
		OUT_LIT(w, "-x");
		out_u64(w, gid);
		OUT_LIT(w, "\",\"type\":\"data\",\"subscriber\":\"86-13x\",\"ts\":\"");
		out_ts(w, day, ev->ts);
		OUT_LIT(w, "\",\"bytes\":100,\"charge\":0}\n");
		return;
	case 4: /* far-future ts */
		out_head(w, g, gid, "data", sub);
		OUT_LIT(w, "2099-01-01T00:00:00.000Z\",\"bytes\":100,\"charge\":0}\n");
		return;
	case 5: /* wrong types */
		out_head(w, g, gid, "voice", sub);
		out_ts(w, day, ev->ts);
		OUT_LIT(w, "\",\"direction\":\"out\",\"peer\":8613800000000,"
			   "\"duration_s\":\"sixty\",\"charge\":0}\n");
		return;
	default: /* not an object at all */
		OUT_LIT(w, "[\"voice\",");
		out_u64(w, sub);
		OUT_LIT(w, "]\n");
		return;
	}
}

static int write_day(struct gen *g, struct gen_out *w, const struct gen_day *day,
		     struct gen_stats *st)
{
	for (size_t k = 0; k < g->nev && !w->err; k++) {
		const struct gen_ev *ev = &g->evs[g->idx[k]];
		size_t start;

		/* The sorted walk is random access into the day buffer and the
		 * subscriber table: fetch a few records ahead. */
		if (k + 16 < g->nev)
			__builtin_prefetch(&g->evs[g->idx[k + 16]]);
		if (k + 8 < g->nev)
			__builtin_prefetch(&g->subs[g->evs[g->idx[k + 8]].sub]);

		if (w->len > GEN_OUTBUF - 2048)
			out_flush(w);
		start = w->len;
		struct cw_event e;
		to_cw_event(g, ev, ++g->counter, &e);
		out_event(w, &e);
		st->events++;
		if (g->hooks.event && g->hooks.event(g->hooks.ctx, &e) != 0)
			return -1;
		if (g->o.dup_rate > 0 && rng_unit(&g->noise) < g->o.dup_rate) {
			size_t n = w->len - start;

			memmove(w->buf + w->len, w->buf + start, n);
			w->len += n;
			st->dups++;
		}
		if (g->o.garbage_rate > 0 && rng_unit(&g->noise) < g->o.garbage_rate) {
			st->garbage++;
			out_garbage(w, g, day, ev, st->garbage);
		}
	}
	return w->err ? -1 : 0;
}

int gen_run(struct gen *g, FILE *out, struct gen_stats *st)
{
	struct gen_out w = {.f = out};
	int rc = -1;

	memset(st, 0, sizeof(*st));
	for (uint32_t i = 0; i < g->o.subscribers; i++)
		st->kinds[g->subs[i].kind]++;
	w.buf = malloc(GEN_OUTBUF);
	if (!w.buf)
		return -1;
	for (uint32_t d = 0; d < g->o.days; d++) {
		struct gen_day day;

		gen_day_init(&day, g, (int32_t)d);
		g->nev = 0;
		for (uint32_t i = 0; i < g->o.subscribers; i++)
			if (gen_sub_day(g, i, &day) < 0)
				goto out;
		if (push_actions(g, &day) < 0)
			goto out;
		if (g->nev > st->max_day_events)
			st->max_day_events = g->nev;
		if (sort_day(g, day.start_ms) < 0 || write_day(g, &w, &day, st) < 0)
			goto out;
		if (g->hooks.day_end &&
		    g->hooks.day_end(g->hooks.ctx, g, (int32_t)d,
				     day.start_ms + GEN_DAY_MS) != 0)
			goto out;
	}
	out_flush(&w);
	if (fflush(out) != 0 || w.err)
		goto out;
	rc = 0;
out:
	st->bytes = w.bytes;
	free(w.buf);
	return rc;
}

/* ---- ground truth ---- */

static int fmt_ts(int64_t ms, char *buf, size_t len)
{
	int y, m, d;
	int64_t dn = ms / GEN_DAY_MS, tod = ms % GEN_DAY_MS;

	civil_from_days(dn, &y, &m, &d);
	return snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
			(int)(tod / GEN_HOUR_MS), (int)(tod / 60000 % 60),
			(int)(tod / 1000 % 60), (int)(tod % 1000));
}

int gen_write_truth(const struct gen *g, FILE *f)
{
	char ts[96];

	char sv[96];

	fprintf(f, "subscriber,kind,start_ts,saved_ts\n");
	for (uint32_t i = 0; i < g->o.subscribers; i++) {
		const struct gen_sub *s = &g->subs[i];

		ts[0] = sv[0] = '\0';
		if (s->planted != GEN_STEADY)
			fmt_ts(s->kind_ms, ts, sizeof(ts));
		if (s->saved_ms)
			fmt_ts(s->saved_ms, sv, sizeof(sv));
		fprintf(f, "%" PRIu64 ",%s,%s,%s\n", s->msisdn,
			gen_kind_names[s->planted], ts, sv);
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

int gen_write_labels(const struct gen *g, FILE *f)
{
	int64_t stream_end = g->o.start_ms + (int64_t)g->o.days * GEN_DAY_MS;
	char ts[96];

	fprintf(f, "subscriber,churn_ts\n");
	for (uint32_t i = 0; i < g->o.subscribers; i++) {
		const struct gen_sub *s = &g->subs[i];
		int64_t churn;

		if (s->kind == GEN_STEADY)
			continue;
		/* The deactivate when the stream contains it, else 60 days
		 * after the behaviour started. */
		churn = s->end_ms < stream_end ? s->end_ms : s->kind_ms + 60 * GEN_DAY_MS;
		fmt_ts(churn, ts, sizeof(ts));
		fprintf(f, "%" PRIu64 ",%s\n", s->msisdn, ts);
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
