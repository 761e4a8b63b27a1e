/*
 * state.c — subscriber state: counters, rings, dedup, and the blob codec.
 *
 * Blob format v1 (all integers LEB128 varints, signed ones zig-zag):
 *   u8  version (1)
 *   flags, activate_ms, last_out_ms, newest_ms, clock_ms   (times: zig-zag)
 *   plan (len + bytes), forward_to (len + bytes)
 *   newest_day, then for each kept daily counter f:
 *       f, n, n values newest day first (trailing zero days trimmed)
 *   terminator 0xff
 *   newest_month, closed_month, n, n month values newest first
 *   npeers, then (hash: 4 bytes LE, age in days)
 *   ndedup, then (fp: 8 bytes LE, age in seconds vs newest_ms)
 *   nmarks, then (rule hash: 4 bytes LE, last_fire_ms, last_window)
 * Unknown versions and any overrun decode as corrupt.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <xxhash.h>

#include "cw/state.h"

/* Counters grow by bounded amounts; a blob with a value beyond ±2^53 is
 * corrupt (184 days of such values still sum without overflow). */
#define STATE_VALUE_MAX (1LL << 53)
/* Times (ms since the epoch) beyond ±2^48 (about 8900 years) are
 * corrupt: differences of times must not overflow. */
#define STATE_TIME_MAX (1LL << 48)
#define STATE_VERSION 1       /* usage only */
#define STATE_VERSION_ACCT 2  /* version 1 + the account section */
/* Account section tags, in the order they are written. */
enum {
	ACCT_SUSPENSION = 1,
	ACCT_COMMITMENT = 2,
	ACCT_INVOICES = 3,
	ACCT_DEACTIVATION = 4,
	ACCT_TASK = 5,
	ACCT_LOOP = 6,
	ACCT_PROFILE = 7,
	ACCT_KSEG = 8,
	ACCT_DEVICE = 9,
	ACCT__END,
};
#define DAILY_END 0xff
/* Sane bound for stored day and month indexes (|i| well clear of int32
 * overflow when the ring walks back from them). */
#define DAY_HEAD_MAX (1 << 28)

void cw_state_init(struct cw_state *st)
{
	memset(st, 0, offsetof(struct cw_state, daily));
	st->newest_day = INT32_MIN;
	st->newest_month = INT32_MIN;
	st->closed_month = INT32_MIN;
}

int cw_state_is_empty(const struct cw_state *st)
{
	return st->newest_ms == 0 && st->activate_ms == 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int32_t cw_day_of(int64_t ts_ms, int64_t utc_offset_ms)
{
	return (int32_t)floor_div(ts_ms + utc_offset_ms, CW_DAY_MS);
}

int64_t cw_day_start(int32_t day, int64_t utc_offset_ms)
{
	return (int64_t)day * CW_DAY_MS - utc_offset_ms;
}

int32_t cw_month_of(int64_t ts_ms, int64_t utc_offset_ms)
{
	int64_t y;
	int m, d;
	cw_civil_from_days(cw_day_of(ts_ms, utc_offset_ms), &y, &m, &d);
	return (int32_t)(y * 12 + (m - 1));
}

int64_t cw_month_start(int32_t month, int64_t utc_offset_ms)
{
	int y = (int)floor_div(month, 12);
	int m = month - y * 12 + 1;
	return cw_days_from_civil(y, m, 1) * CW_DAY_MS - utc_offset_ms;
}

/* day mod CW_DAYS_MAX in [0, CW_DAYS_MAX): one remainder and a sign fix
 * (the same value as the floor modulo for every int32 day). */
static int ring_slot(int32_t day)
{
	int32_t r = day % CW_DAYS_MAX;
	return r < 0 ? r + CW_DAYS_MAX : r;
}

/* Zero the n (<= CW_DAYS_MAX) ring slots of days lo .. lo+n-1: at most two
 * contiguous runs, as the ring wraps once at most. */
static void ring_clear(int64_t *ring, int32_t lo, int n)
{
	int s = ring_slot(lo);
	int first = n < CW_DAYS_MAX - s ? n : CW_DAYS_MAX - s;

	memset(ring + s, 0, (size_t)first * sizeof(*ring));
	if (n > first)
		memset(ring, 0, (size_t)(n - first) * sizeof(*ring));
}

/* Move the ring head to `day`, zeroing the days that come into view. */
static void ring_advance(struct cw_state *st, int32_t day)
{
	if (st->newest_day == INT32_MIN || day - st->newest_day >= CW_DAYS_MAX) {
		/* Nothing in the ring is still in view: start it afresh. */
		for (int f = 0; f < CW_D__COUNT; f++) {
			st->daily[f][ring_slot(day)] = 0;
			st->valid_lo[f] = day;
		}
		st->newest_day = day;
		return;
	}
	for (int32_t d = st->newest_day + 1; d <= day; d++)
		for (int f = 0; f < CW_D__COUNT; f++)
			st->daily[f][ring_slot(d)] = 0;
	st->newest_day = day;
}

int cw_state_add_daily(struct cw_state *st, enum cw_daily f, int32_t day,
		       int64_t v)
{
	if (st->newest_day == INT32_MIN || day > st->newest_day)
		ring_advance(st, day);
	if (day < st->valid_lo[f]) {
		if (st->newest_day - day >= CW_DAYS_MAX)
			return -ERANGE;
		/* A late event for a day before the ring's start. */
		for (int32_t d = day; d < st->valid_lo[f]; d++)
			st->daily[f][ring_slot(d)] = 0;
		st->valid_lo[f] = day;
	}
	st->daily[f][ring_slot(day)] += v;
	return 0;
}

int64_t cw_state_sum_daily(const struct cw_state *st, enum cw_daily f,
			   int32_t now_day, int32_t ndays)
{
	if (st->newest_day == INT32_MIN || ndays <= 0)
		return 0;
	int32_t hi = now_day < st->newest_day ? now_day : st->newest_day;
	int32_t lo = now_day - ndays + 1;
	if (lo < st->newest_day - CW_DAYS_MAX + 1)
		lo = st->newest_day - CW_DAYS_MAX + 1;
	if (lo < st->valid_lo[f])
		lo = st->valid_lo[f];
	if (lo > hi)
		return 0;
	/* Days lo..hi are at most CW_DAYS_MAX consecutive slots (lo is never
	 * older than the ring, hi never newer than its head): sum them as at
	 * most two contiguous runs instead of one modulo per day. Integer
	 * addition in another grouping gives the same exact sum. */
	const int64_t *ring = st->daily[f];
	int n = hi - lo + 1, s = ring_slot(lo);
	int first = n < CW_DAYS_MAX - s ? n : CW_DAYS_MAX - s;
	int64_t sum = 0;
	for (int i = 0; i < first; i++)
		sum += ring[s + i];
	for (int i = 0; i < n - first; i++)
		sum += ring[i];
	return sum;
}

static int month_slot(int32_t m)
{
	return (int)(((int64_t)m % CW_MONTHS_MAX + CW_MONTHS_MAX) % CW_MONTHS_MAX);
}

void cw_state_add_month(struct cw_state *st, int32_t month, int64_t v)
{
	if (st->newest_month == INT32_MIN ||
	    month - st->newest_month >= CW_MONTHS_MAX) {
		memset(st->month_rev, 0, sizeof(st->month_rev));
		st->newest_month = month;
	}
	for (int32_t m = st->newest_month + 1; m <= month; m++)
		st->month_rev[month_slot(m)] = 0;
	if (month > st->newest_month)
		st->newest_month = month;
	if (st->newest_month - month >= CW_MONTHS_MAX)
		return; /* too old to matter */
	st->month_rev[month_slot(month)] += v;
}

int64_t cw_state_month(const struct cw_state *st, int32_t month)
{
	if (st->newest_month == INT32_MIN || month > st->newest_month ||
	    st->newest_month - month >= CW_MONTHS_MAX)
		return 0;
	return st->month_rev[month_slot(month)];
}

void cw_state_note_device(struct cw_state *st, const char *imei, int64_t ts)
{
	struct cw_account *a = &st->acct;
	uint64_t h = XXH64(imei, strlen(imei), 0x696d6569);

	if (!a->device_since_ms || (h != a->device_hash && ts > a->device_since_ms)) {
		a->device_hash = h;
		a->device_since_ms = ts;
	} else if (h == a->device_hash && ts < a->device_since_ms) {
		a->device_since_ms = ts;
	}
}

void cw_state_touch_peer(struct cw_state *st, const char *number,
			 int32_t day, int32_t keep_days)
{
	uint32_t h = (uint32_t)XXH64(number, strlen(number), 0x70656572);
	uint32_t oldest = 0;

	/* Keep every peer's day at or before the ring head: the blob stores
	 * peers as an age behind newest_day (an incoming SMS may be the only
	 * event of a newer day, and touches no daily counter). */
	if (st->newest_day == INT32_MIN || day > st->newest_day)
		ring_advance(st, day);
	/* Forget what encoding would forget (in order): otherwise a table
	 * that never went through Redis would still hold them, fill up
	 * sooner and evict, and the same events would leave different
	 * tables depending on where batches began. */
	if (keep_days > 0) {
		int32_t horizon = st->newest_day - keep_days;
		uint32_t k = 0;
		for (uint32_t i = 0; i < st->npeers; i++)
			if (st->peers[i].last_day > horizon)
				st->peers[k++] = st->peers[i];
		st->npeers = k;
	}
	for (uint32_t i = 0; i < st->npeers; i++) {
		if (st->peers[i].hash == h) {
			if (day > st->peers[i].last_day)
				st->peers[i].last_day = day;
			return;
		}
		if (st->peers[i].last_day < st->peers[oldest].last_day)
			oldest = i;
	}
	if (st->npeers < CW_PEERS_MAX) {
		st->peers[st->npeers++] = (struct cw_peer){h, day};
		return;
	}
	/* Full: the least recently contacted number makes room. */
	if (day >= st->peers[oldest].last_day)
		st->peers[oldest] = (struct cw_peer){h, day};
}

uint32_t cw_state_count_peers(const struct cw_state *st, int32_t now_day,
			      int32_t ndays)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < st->npeers; i++) {
		int32_t d = st->peers[i].last_day;
		/* A contact seen after now_day may also have been seen inside
		 * the window; we only know its latest day, so count it. */
		if (d > now_day - ndays)
			n++;
	}
	return n;
}

static void dedup_expire(struct cw_state *st, int64_t horizon_ms)
{
	uint32_t w = 0;
	for (uint32_t i = 0; i < st->ndedup; i++)
		if (st->dedup[i].ts_ms >= horizon_ms)
			st->dedup[w++] = st->dedup[i];
	st->ndedup = w;
}

int cw_state_dedup(struct cw_state *st, const char *event_id, int64_t ts_ms,
		   int64_t window_ms)
{
	uint64_t fp = XXH64(event_id, strlen(event_id), 0x65766964);
	for (uint32_t i = 0; i < st->ndedup; i++)
		if (st->dedup[i].fp == fp &&
		    ts_ms - st->dedup[i].ts_ms <= window_ms &&
		    st->dedup[i].ts_ms - ts_ms <= window_ms)
			return 1;
	int64_t newest = ts_ms > st->newest_ms ? ts_ms : st->newest_ms;
	dedup_expire(st, newest - window_ms);
	if (st->ndedup == CW_DEDUP_MAX) {
		/* Bounded memory wins over perfect recall: forget the oldest
		 * (documented in docs/state.md). */
		memmove(&st->dedup[0], &st->dedup[1],
			(CW_DEDUP_MAX - 1) * sizeof(st->dedup[0]));
		st->ndedup--;
	}
	/* Whole seconds: that is what the encoding keeps, so a state read
	 * back and written again is byte-identical (no drift per save). */
	st->dedup[st->ndedup++] = (struct cw_dedup){fp, floor_div(ts_ms, 1000) * 1000};
	return 0;
}

struct cw_mark *cw_state_mark(struct cw_state *st, uint32_t rule_hash,
			      int create)
{
	for (uint32_t i = 0; i < st->nmarks; i++)
		if (st->marks[i].rule_hash == rule_hash)
			return &st->marks[i];
	if (!create || st->nmarks == CW_RULES_MAX)
		return NULL;
	struct cw_mark *m = &st->marks[st->nmarks++];
	*m = (struct cw_mark){rule_hash, INT64_MIN, INT64_MIN};
	return m;
}

/* ---- codec ---------------------------------------------------------- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int overflow;
};

static void put_byte(struct wbuf *w, uint8_t b)
{
	if (w->len < w->cap)
		w->p[w->len++] = b;
	else
		w->overflow = 1;
}

static void put_u(struct wbuf *w, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	put_byte(w, (uint8_t)v);
}

static void put_s(struct wbuf *w, int64_t v)
{
	put_u(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_fixed(struct wbuf *w, uint64_t v, int nbytes)
{
	for (int i = 0; i < nbytes; i++)
		put_byte(w, (uint8_t)(v >> (8 * i)));
}

static void put_str(struct wbuf *w, const char *s)
{
	size_t n = strlen(s);
	put_u(w, n);
	for (size_t i = 0; i < n; i++)
		put_byte(w, (uint8_t)s[i]);
}

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

static uint8_t get_byte(struct rbuf *r)
{
	if (r->off >= r->len) {
		r->bad = 1;
		return 0;
	}
	return r->p[r->off++];
}

static uint64_t get_u(struct rbuf *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b = get_byte(r);
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

static int64_t get_s(struct rbuf *r)
{
	uint64_t u = get_u(r);
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static uint64_t get_fixed(struct rbuf *r, int nbytes)
{
	uint64_t v = 0;
	for (int i = 0; i < nbytes; i++)
		v |= (uint64_t)get_byte(r) << (8 * i);
	return v;
}

static void get_str(struct rbuf *r, char *out, size_t cap)
{
	uint64_t n = get_u(r);
	if (n >= cap) {
		r->bad = 1;
		out[0] = '\0';
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		out[i] = (char)get_byte(r);
	out[n] = '\0';
}

static void encode_daily(struct wbuf *w, const struct cw_state *st,
			 const struct cw_state_profile *prof)
{
	put_s(w, st->newest_day == INT32_MIN ? 0 : st->newest_day);
	for (int f = 0; f < CW_D__COUNT; f++) {
		int keep = prof->keep_days[f];
		if (keep > CW_DAYS_MAX)
			keep = CW_DAYS_MAX;
		if (st->newest_day == INT32_MIN || keep == 0)
			continue;
		int n = keep;
		if (n > st->newest_day - st->valid_lo[f] + 1)
			n = st->newest_day - st->valid_lo[f] + 1;
		/* Walk slots by index from the head backwards (wrapping once)
		 * instead of a modulo per day; same days, same order. */
		const int64_t *ring = st->daily[f];
		int head = ring_slot(st->newest_day), k;
		while (n > 0) {
			k = head - (n - 1);
			if (ring[k < 0 ? k + CW_DAYS_MAX : k] != 0)
				break;
			n--;
		}
		if (n == 0)
			continue;
		put_u(w, (uint64_t)f);
		put_u(w, (uint64_t)n);
		k = head;
		for (int i = 0; i < n; i++) {
			put_s(w, ring[k]);
			k = k == 0 ? CW_DAYS_MAX - 1 : k - 1;
		}
	}
	put_u(w, DAILY_END);
}

static void encode_months(struct wbuf *w, const struct cw_state *st,
			  const struct cw_state_profile *prof)
{
	int n = st->newest_month == INT32_MIN ? 0 : prof->keep_months;
	if (n > CW_MONTHS_MAX)
		n = CW_MONTHS_MAX;
	while (n > 0 && cw_state_month(st, st->newest_month - n + 1) == 0)
		n--;
	put_s(w, st->newest_month == INT32_MIN ? 0 : st->newest_month);
	put_s(w, st->closed_month == INT32_MIN ? 0 : st->closed_month);
	put_u(w, (uint64_t)n);
	for (int i = 0; i < n; i++)
		put_s(w, cw_state_month(st, st->newest_month - i));
}

static int time_ok(int64_t t)
{
	return t >= -STATE_TIME_MAX && t <= STATE_TIME_MAX;
}

static int loop_any(const struct cw_loop *l)
{
	return l->task_rule_hash || l->outcome || l->contacted_ms ||
	       l->retained_due_ms || l->quiet_until_ms || l->nalerts ||
	       l->ncontacts || l->noffers;
}

static void encode_loop(struct wbuf *w, const struct cw_loop *l)
{
	put_u(w, l->task_rule_hash);
	put_u(w, l->outcome);
	put_str(w, l->outcome_agent);
	put_s(w, l->contacted_ms);
	put_s(w, l->retained_due_ms);
	put_s(w, l->quiet_until_ms);
	put_u(w, l->nalerts);
	for (uint32_t i = 0; i < l->nalerts; i++) {
		put_s(w, l->alerts[i].ts_ms);
		put_u(w, l->alerts[i].rule_hash);
		put_str(w, l->alerts[i].id);
	}
	put_u(w, l->ncontacts);
	for (uint32_t i = 0; i < l->ncontacts; i++) {
		put_s(w, l->contacts[i].ts_ms);
		put_u(w, l->contacts[i].channel);
		put_u(w, l->contacts[i].result);
		put_str(w, l->contacts[i].agent);
	}
	put_u(w, l->noffers);
	for (uint32_t i = 0; i < l->noffers; i++) {
		put_s(w, l->offers[i].ts_ms);
		put_s(w, l->offers[i].cost);
		put_str(w, l->offers[i].code);
	}
}

static int hex_id_ok(const char *s);

static void encode_seg(struct wbuf *w, const struct cw_seg *s)
{
	put_u(w, s->tier);
	put_u(w, s->stage);
	put_str(w, s->plan);
	put_str(w, s->region);
}

static int decode_seg(struct rbuf *r, struct cw_seg *s)
{
	uint64_t tier = get_u(r), stage = get_u(r);

	get_str(r, s->plan, sizeof(s->plan));
	get_str(r, s->region, sizeof(s->region));
	if (r->bad || tier > 2 || stage > 2)
		return -1;
	s->tier = (uint32_t)tier;
	s->stage = (uint32_t)stage;
	return 0;
}

static int decode_loop(struct rbuf *r, struct cw_loop *l)
{
	uint64_t v, k;

	v = get_u(r);
	if (v > UINT32_MAX)
		return -1;
	l->task_rule_hash = (uint32_t)v;
	v = get_u(r);
	if (v >= CW_LOOP__COUNT)
		return -1;
	l->outcome = (uint32_t)v;
	get_str(r, l->outcome_agent, sizeof(l->outcome_agent));
	l->contacted_ms = get_s(r);
	l->retained_due_ms = get_s(r);
	l->quiet_until_ms = get_s(r);
	if (!time_ok(l->contacted_ms) || !time_ok(l->retained_due_ms) ||
	    !time_ok(l->quiet_until_ms))
		return -1;
	if ((k = get_u(r)) > CW_LOOP_ALERTS_MAX)
		return -1;
	for (uint64_t i = 0; i < k; i++) {
		l->alerts[i].ts_ms = get_s(r);
		v = get_u(r);
		get_str(r, l->alerts[i].id, sizeof(l->alerts[i].id));
		if (r->bad || v > UINT32_MAX || !time_ok(l->alerts[i].ts_ms) ||
		    !hex_id_ok(l->alerts[i].id))
			return -1;
		l->alerts[i].rule_hash = (uint32_t)v;
	}
	l->nalerts = (uint32_t)k;
	if ((k = get_u(r)) > CW_LOOP_CONTACTS_MAX)
		return -1;
	for (uint64_t i = 0; i < k; i++) {
		struct cw_loop_contact *c = &l->contacts[i];
		c->ts_ms = get_s(r);
		uint64_t ch = get_u(r), res = get_u(r);
		get_str(r, c->agent, sizeof(c->agent));
		if (r->bad || !time_ok(c->ts_ms) || ch >= CW_CHANNEL__COUNT ||
		    res >= CW_RESULT__COUNT)
			return -1;
		c->channel = (uint32_t)ch;
		c->result = (uint32_t)res;
	}
	l->ncontacts = (uint32_t)k;
	if ((k = get_u(r)) > CW_LOOP_OFFERS_MAX)
		return -1;
	for (uint64_t i = 0; i < k; i++) {
		struct cw_loop_offer *o = &l->offers[i];
		o->ts_ms = get_s(r);
		o->cost = get_s(r);
		get_str(r, o->code, sizeof(o->code));
		if (r->bad || !time_ok(o->ts_ms) || o->cost < 0 ||
		    o->cost > STATE_VALUE_MAX)
			return -1;
	}
	l->noffers = (uint32_t)k;
	return r->bad ? -1 : 0;
}

static int acct_has(const struct cw_account *a, int tag)
{
	switch (tag) {
	case ACCT_SUSPENSION: return a->suspended_ms != 0;
	case ACCT_COMMITMENT: return a->commitment_end_ms != 0;
	case ACCT_INVOICES: return a->ninvoices != 0 || a->credit != 0;
	case ACCT_DEACTIVATION: return a->deactivated_ms != 0;
	case ACCT_TASK: return a->task_id[0] != '\0';
	case ACCT_LOOP: return loop_any(&a->loop);
	case ACCT_PROFILE: return a->region[0] != '\0';
	case ACCT_KSEG: return a->kseg.counted != 0;
	case ACCT_DEVICE: return a->device_since_ms != 0;
	}
	return 0;
}

static int acct_any(const struct cw_account *a)
{
	for (int t = 1; t < ACCT__END; t++)
		if (acct_has(a, t))
			return 1;
	return 0;
}

/* uvar count, then each present part as (uvar tag, fields). */
static void encode_account(struct wbuf *w, const struct cw_account *a)
{
	uint64_t n = 0;

	for (int t = 1; t < ACCT__END; t++)
		n += (uint64_t)acct_has(a, t);
	put_u(w, n);
	if (acct_has(a, ACCT_SUSPENSION)) {
		put_u(w, ACCT_SUSPENSION);
		put_s(w, a->suspended_ms);
		put_u(w, a->suspend_reason);
	}
	if (acct_has(a, ACCT_COMMITMENT)) {
		put_u(w, ACCT_COMMITMENT);
		put_s(w, a->commitment_end_ms);
		put_s(w, a->commitment_set_ms);
	}
	if (acct_has(a, ACCT_INVOICES)) {
		put_u(w, ACCT_INVOICES);
		put_s(w, a->credit);
		put_u(w, a->ninvoices);
		for (uint32_t i = 0; i < a->ninvoices; i++) {
			put_s(w, a->invoices[i].due_ms);
			put_s(w, a->invoices[i].remaining);
		}
	}
	if (acct_has(a, ACCT_DEACTIVATION)) {
		put_u(w, ACCT_DEACTIVATION);
		put_s(w, a->deactivated_ms);
		put_str(w, a->deactivate_reason);
	}
	if (acct_has(a, ACCT_TASK)) {
		put_u(w, ACCT_TASK);
		put_str(w, a->task_id);
		put_s(w, a->task_opened_ms);
		put_s(w, a->task_priority);
		put_str(w, a->task_queue);
		put_u(w, a->ncontacts);
		for (uint32_t i = 0; i < a->ncontacts; i++)
			put_s(w, a->contacts_ms[i]);
	}
	if (acct_has(a, ACCT_LOOP)) {
		put_u(w, ACCT_LOOP);
		encode_loop(w, &a->loop);
	}
	if (acct_has(a, ACCT_PROFILE)) {
		put_u(w, ACCT_PROFILE);
		put_str(w, a->region);
	}
	if (acct_has(a, ACCT_KSEG)) {
		put_u(w, ACCT_KSEG);
		put_s(w, a->kseg.month);
		encode_seg(w, &a->kseg.now);
		encode_seg(w, &a->kseg.start);
	}
	if (acct_has(a, ACCT_DEVICE)) {
		put_u(w, ACCT_DEVICE);
		put_fixed(w, a->device_hash, 8);
		put_s(w, a->device_since_ms);
	}
}

const char *cw_loop_outcome_str(enum cw_loop_outcome o)
{
	static const char *const names[CW_LOOP__COUNT] = {
		"none", "pending", "saved", "lost", "retained",
	};
	return (unsigned)o < CW_LOOP__COUNT ? names[o] : "none";
}

static int hex_id_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n == CW_TASK_ID_LEN;
}

static int decode_account(struct rbuf *r, struct cw_account *a)
{
	uint64_t n = get_u(r);
	int last = 0;

	if (n == 0 || n >= ACCT__END)
		return -1; /* version 2 is only written with something in it */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t tag = get_u(r);

		if (r->bad || (int64_t)tag <= last || tag >= ACCT__END)
			return -1;
		last = (int)tag;
		switch (tag) {
		case ACCT_SUSPENSION:
			a->suspended_ms = get_s(r);
			a->suspend_reason = (uint32_t)get_u(r);
			if (a->suspended_ms == 0 || !time_ok(a->suspended_ms) ||
			    a->suspend_reason > CW_SUSPEND_OTHER)
				return -1;
			break;
		case ACCT_COMMITMENT:
			a->commitment_end_ms = get_s(r);
			a->commitment_set_ms = get_s(r);
			if (a->commitment_end_ms == 0 ||
			    !time_ok(a->commitment_end_ms) ||
			    !time_ok(a->commitment_set_ms))
				return -1;
			break;
		case ACCT_INVOICES: {
			a->credit = get_s(r);
			uint64_t k = get_u(r);

			if (k > CW_INVOICES_MAX || a->credit < 0 ||
			    a->credit > STATE_VALUE_MAX)
				return -1;
			for (uint64_t j = 0; j < k; j++) {
				a->invoices[j].due_ms = get_s(r);
				a->invoices[j].remaining = get_s(r);
				if (!time_ok(a->invoices[j].due_ms) ||
				    a->invoices[j].remaining <= 0 ||
				    a->invoices[j].remaining > STATE_VALUE_MAX)
					return -1;
			}
			a->ninvoices = (uint32_t)k;
			break;
		}
		case ACCT_DEACTIVATION:
			a->deactivated_ms = get_s(r);
			get_str(r, a->deactivate_reason,
				sizeof(a->deactivate_reason));
			if (a->deactivated_ms == 0 || !time_ok(a->deactivated_ms))
				return -1;
			break;
		case ACCT_TASK: {
			get_str(r, a->task_id, sizeof(a->task_id));
			a->task_opened_ms = get_s(r);
			a->task_priority = get_s(r);
			get_str(r, a->task_queue, sizeof(a->task_queue));
			uint64_t k = get_u(r);

			if (r->bad || !hex_id_ok(a->task_id) ||
			    !time_ok(a->task_opened_ms) || !a->task_queue[0] ||
			    a->task_priority < -STATE_VALUE_MAX ||
			    a->task_priority > STATE_VALUE_MAX || k > CW_CONTACTS_MAX)
				return -1;
			for (uint64_t j = 0; j < k; j++) {
				a->contacts_ms[j] = get_s(r);
				if (!time_ok(a->contacts_ms[j]))
					return -1;
			}
			a->ncontacts = (uint32_t)k;
			break;
		}
		case ACCT_LOOP:
			if (decode_loop(r, &a->loop) < 0)
				return -1;
			break;
		case ACCT_PROFILE:
			get_str(r, a->region, sizeof(a->region));
			if (!a->region[0])
				return -1;
			break;
		case ACCT_KSEG: {
			int64_t m = get_s(r);

			if (m < -DAY_HEAD_MAX || m > DAY_HEAD_MAX ||
			    decode_seg(r, &a->kseg.now) < 0 ||
			    decode_seg(r, &a->kseg.start) < 0)
				return -1;
			a->kseg.counted = 1;
			a->kseg.month = (int32_t)m;
			break;
		}
		case ACCT_DEVICE:
			a->device_hash = get_fixed(r, 8);
			a->device_since_ms = get_s(r);
			if (a->device_since_ms == 0 || !time_ok(a->device_since_ms))
				return -1;
			break;
		}
	}
	return r->bad ? -1 : 0;
}

int cw_state_encode(const struct cw_state *st,
		    const struct cw_state_profile *prof, uint8_t *buf,
		    size_t buflen)
{
	struct wbuf w = {buf, 0, buflen, 0};
	int acct = acct_any(&st->acct);

	put_byte(&w, acct ? STATE_VERSION_ACCT : STATE_VERSION);
	put_u(&w, st->flags);
	put_s(&w, st->activate_ms);
	put_s(&w, st->last_out_ms);
	put_s(&w, st->newest_ms);
	put_s(&w, st->clock_ms);
	put_str(&w, st->plan);
	put_str(&w, st->forward_to);
	encode_daily(&w, st, prof);
	encode_months(&w, st, prof);

	int32_t horizon = st->newest_day == INT32_MIN
				  ? INT32_MIN
				  : st->newest_day - prof->peer_days;
	uint32_t npeers = 0;
	for (uint32_t i = 0; i < st->npeers; i++)
		npeers += prof->peer_days && st->peers[i].last_day > horizon;
	put_u(&w, npeers);
	for (uint32_t i = 0; i < st->npeers; i++) {
		if (!prof->peer_days || st->peers[i].last_day <= horizon)
			continue;
		put_fixed(&w, st->peers[i].hash, 4);
		put_u(&w, (uint64_t)(st->newest_day - st->peers[i].last_day));
	}

	int64_t dh = st->newest_ms - prof->dedup_window_ms;
	uint32_t ndedup = 0;
	for (uint32_t i = 0; i < st->ndedup; i++)
		ndedup += st->dedup[i].ts_ms >= dh;
	put_u(&w, ndedup);
	for (uint32_t i = 0; i < st->ndedup; i++) {
		if (st->dedup[i].ts_ms < dh)
			continue;
		put_fixed(&w, st->dedup[i].fp, 8);
		put_s(&w, floor_div(st->newest_ms, 1000) - st->dedup[i].ts_ms / 1000);
	}

	put_u(&w, st->nmarks);
	for (uint32_t i = 0; i < st->nmarks; i++) {
		put_fixed(&w, st->marks[i].rule_hash, 4);
		put_s(&w, st->marks[i].last_fire_ms);
		put_s(&w, st->marks[i].last_window);
	}
	if (acct)
		encode_account(&w, &st->acct);
	return w.overflow ? -ENOSPC : (int)w.len;
}

static int decode_daily(struct rbuf *r, struct cw_state *st,
			const struct cw_state_profile *prof)
{
	int64_t head = get_s(r);
	if (head < -DAY_HEAD_MAX || head > DAY_HEAD_MAX)
		return -1;
	int32_t newest = (int32_t)head;
	/* Stored days per counter (the largest count if a counter repeats). */
	int stored[CW_D__COUNT] = {0};

	for (;;) {
		uint64_t f = get_u(r);
		if (r->bad)
			return -1;
		if (f == DAILY_END)
			break;
		uint64_t n = get_u(r);
		if (f >= CW_D__COUNT || n > CW_DAYS_MAX || newest == 0)
			return -1;
		int64_t *ring = st->daily[f];
		int k = ring_slot(newest);
		for (uint64_t i = 0; i < n; i++) {
			ring[k] = get_s(r);
			if (ring[k] < -STATE_VALUE_MAX || ring[k] > STATE_VALUE_MAX)
				return -1;
			k = k == 0 ? CW_DAYS_MAX - 1 : k - 1;
		}
		if ((int)n > stored[f])
			stored[f] = (int)n;
	}
	if (newest != 0) {
		st->newest_day = newest;
		/*
		 * Kept rings read as zero back to their horizon; the rest were
		 * not stored and start at the head. The days the blob wrote
		 * (the newest stored[f]) already hold their values, so only
		 * the older ones up to the horizon are cleared: the same ring
		 * contents and valid_lo as clearing first, with less writing.
		 */
		for (int f = 0; f < CW_D__COUNT; f++) {
			int keep = prof->keep_days[f];
			if (keep < 1)
				keep = 1;
			if (keep > CW_DAYS_MAX)
				keep = CW_DAYS_MAX;
			if (keep > stored[f])
				ring_clear(st->daily[f], newest - keep + 1,
					   keep - stored[f]);
			st->valid_lo[f] = newest - (keep > stored[f] ? keep : stored[f]) + 1;
		}
	}
	return 0;
}

static int decode_months(struct rbuf *r, struct cw_state *st)
{
	int64_t head = get_s(r), last = get_s(r);
	uint64_t n = get_u(r);
	if (n > CW_MONTHS_MAX || head < -DAY_HEAD_MAX || head > DAY_HEAD_MAX ||
	    last < -DAY_HEAD_MAX || last > DAY_HEAD_MAX)
		return -1;
	int32_t newest = (int32_t)head, closed = (int32_t)last;
	if (newest != 0) {
		st->newest_month = newest;
		memset(st->month_rev, 0, sizeof(st->month_rev));
	}
	if (closed != 0)
		st->closed_month = closed;
	for (uint64_t i = 0; i < n; i++) {
		int64_t v = get_s(r);
		if (v < -STATE_VALUE_MAX || v > STATE_VALUE_MAX)
			return -1;
		st->month_rev[month_slot(newest - (int32_t)i)] = v;
	}
	return r->bad ? -1 : 0;
}

int cw_state_decode(struct cw_state *st, const struct cw_state_profile *prof,
		    const uint8_t *buf, size_t len)
{
	struct rbuf r = {buf, len, 0, 0};
	uint8_t version;

	cw_state_init(st);
	version = get_byte(&r);
	if (version != STATE_VERSION && version != STATE_VERSION_ACCT)
		goto corrupt;
	st->flags = (uint32_t)get_u(&r);
	st->activate_ms = get_s(&r);
	st->last_out_ms = get_s(&r);
	st->newest_ms = get_s(&r);
	st->clock_ms = get_s(&r);
	if (!time_ok(st->activate_ms) || !time_ok(st->last_out_ms) ||
	    !time_ok(st->newest_ms) || !time_ok(st->clock_ms))
		goto corrupt;
	get_str(&r, st->plan, sizeof(st->plan));
	get_str(&r, st->forward_to, sizeof(st->forward_to));
	if (r.bad || decode_daily(&r, st, prof) < 0 || decode_months(&r, st) < 0)
		goto corrupt;

	uint64_t n = get_u(&r);
	if (n > CW_PEERS_MAX || (n && st->newest_day == INT32_MIN))
		goto corrupt;
	for (uint64_t i = 0; i < n; i++) {
		st->peers[i].hash = (uint32_t)get_fixed(&r, 4);
		uint64_t age = get_u(&r);
		if (age > CW_DAYS_MAX)
			goto corrupt;
		st->peers[i].last_day = st->newest_day - (int32_t)age;
	}
	st->npeers = (uint32_t)n;

	n = get_u(&r);
	if (n > CW_DEDUP_MAX)
		goto corrupt;
	for (uint64_t i = 0; i < n; i++) {
		st->dedup[i].fp = get_fixed(&r, 8);
		int64_t age = get_s(&r), secs;
		if (__builtin_sub_overflow(floor_div(st->newest_ms, 1000), age, &secs) ||
		    __builtin_mul_overflow(secs, 1000, &st->dedup[i].ts_ms))
			goto corrupt;
	}
	st->ndedup = (uint32_t)n;

	n = get_u(&r);
	if (n > CW_RULES_MAX)
		goto corrupt;
	for (uint64_t i = 0; i < n; i++) {
		st->marks[i].rule_hash = (uint32_t)get_fixed(&r, 4);
		st->marks[i].last_fire_ms = get_s(&r);
		if (st->marks[i].last_fire_ms != INT64_MIN &&
		    !time_ok(st->marks[i].last_fire_ms))
			goto corrupt;
		st->marks[i].last_window = get_s(&r);
	}
	st->nmarks = (uint32_t)n;
	if (version == STATE_VERSION_ACCT && decode_account(&r, &st->acct) < 0)
		goto corrupt;
	if (r.bad || r.off != r.len)
		goto corrupt;
	return 0;
corrupt:
	cw_state_init(st);
	return -EINVAL;
}
