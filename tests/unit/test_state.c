/*
 * test_state.c — subscriber state: calendar helpers, daily rings, months,
 * peers, dedup, marks, and the blob codec (round trip, pruning, corrupt
 * input, size for a busy subscriber).
 */
#include <errno.h>
#include <check.h>

#include "check_main.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/engine.h"
#include "cw/state.h"

#define H8 (8LL * 3600 * 1000)
#define MONTH(y, m) ((y) * 12 + (m) - 1)

static int64_t ms(const char *s)
{
	int64_t v = 0;
	ck_assert_int_eq(cw_time_parse_rfc3339(s, strlen(s), &v), 0);
	return v;
}

/* A state on the heap whose rings start as garbage (init clears only the
 * header: ring slots must become valid lazily). */
static struct cw_state *new_state(void)
{
	struct cw_state *st = malloc(sizeof(*st));
	ck_assert_ptr_nonnull(st);
	memset(st, 0x5a, sizeof(*st));
	cw_state_init(st);
	return st;
}

static struct cw_state_profile full_profile(void)
{
	struct cw_state_profile p = {0};
	for (int f = 0; f < CW_D__COUNT; f++)
		p.keep_days[f] = 60;
	p.keep_months = 6;
	p.peer_days = 60;
	p.dedup_window_ms = 48LL * 3600 * 1000;
	return p;
}

/* ------------------------------------------------------------------ */

START_TEST(calendar_utc)
{
	ck_assert_int_eq(cw_day_of(0, 0), 0);
	ck_assert_int_eq(cw_day_of(-1, 0), -1);
	ck_assert_int_eq(cw_day_of(CW_DAY_MS - 1, 0), 0);
	int32_t d = cw_day_of(ms("2025-12-31T23:59:59.999Z"), 0);
	ck_assert_int_eq(cw_day_of(ms("2026-01-01T00:00:00Z"), 0), d + 1);
	ck_assert_int_eq(cw_day_start(d + 1, 0), ms("2026-01-01T00:00:00Z"));
	ck_assert_int_eq(cw_month_of(ms("2025-12-31T23:59:59.999Z"), 0),
			 MONTH(2025, 12));
	ck_assert_int_eq(cw_month_of(ms("2026-01-01T00:00:00Z"), 0),
			 MONTH(2026, 1));
	ck_assert_int_eq(cw_month_start(MONTH(2026, 1), 0),
			 ms("2026-01-01T00:00:00Z"));
	ck_assert_int_eq(cw_month_start(MONTH(2024, 3), 0) -
				 cw_month_start(MONTH(2024, 2), 0),
			 29 * CW_DAY_MS);
	ck_assert_int_eq(cw_month_start(MONTH(2025, 3), 0) -
				 cw_month_start(MONTH(2025, 2), 0),
			 28 * CW_DAY_MS);
	ck_assert_int_eq(cw_month_of(ms("2024-02-29T12:00:00Z"), 0),
			 MONTH(2024, 2));
}
END_TEST

START_TEST(calendar_plus_eight)
{
	/* 2026-01-01T00:00+08:00 is 2025-12-31T16:00Z. */
	ck_assert_int_eq(cw_month_of(ms("2025-12-31T15:59:59.999Z"), H8),
			 MONTH(2025, 12));
	ck_assert_int_eq(cw_month_of(ms("2025-12-31T16:00:00Z"), H8),
			 MONTH(2026, 1));
	ck_assert_int_eq(cw_month_start(MONTH(2026, 1), H8),
			 ms("2025-12-31T16:00:00Z"));
	int32_t d = cw_day_of(ms("2025-12-31T16:00:00Z"), H8);
	ck_assert_int_eq(d, cw_day_of(ms("2026-01-01T00:00:00Z"), 0));
	ck_assert_int_eq(cw_day_of(ms("2025-12-31T15:59:59.999Z"), H8), d - 1);
	ck_assert_int_eq(cw_day_start(d, H8), ms("2025-12-31T16:00:00Z"));
}
END_TEST

/* ------------------------------------------------------------------ */

START_TEST(ring_sums_and_windows)
{
	struct cw_state *st = new_state();
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 100, 30), 0);
	ck_assert_int_eq(cw_state_add_daily(st, CW_D_REVENUE, 100, 5), 0);
	ck_assert_int_eq(cw_state_add_daily(st, CW_D_REVENUE, 110, 7), 0);
	ck_assert_int_eq(cw_state_add_daily(st, CW_D_REVENUE, 110, 1), 0);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 110, 11), 13);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 110, 10), 8);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 109, 30), 5);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 120, 11), 8);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 110, 0), 0);
	/* days between are zero, never garbage */
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 109, 9), 0);
	/* other counters untouched */
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_CALLS_OUT, 110, 30), 0);
	free(st);
}
END_TEST

START_TEST(ring_advance_beyond_length)
{
	struct cw_state *st = new_state();
	cw_state_add_daily(st, CW_D_CALLS_OUT, 1000, 5);
	cw_state_add_daily(st, CW_D_CALLS_OUT, 1000 + CW_DAYS_MAX - 1, 7);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_CALLS_OUT,
					    1000 + CW_DAYS_MAX - 1, CW_DAYS_MAX),
			 12);
	cw_state_add_daily(st, CW_D_CALLS_OUT, 1000 + CW_DAYS_MAX, 1);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_CALLS_OUT,
					    1000 + CW_DAYS_MAX, CW_DAYS_MAX),
			 8);
	/* jump far ahead: everything before is out of view */
	cw_state_add_daily(st, CW_D_CALLS_OUT, 1000 + 3 * CW_DAYS_MAX + 17, 2);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_CALLS_OUT,
					    1000 + 3 * CW_DAYS_MAX + 17, 1000),
			 2);
	ck_assert_int_eq(st->newest_day, 1000 + 3 * CW_DAYS_MAX + 17);
	free(st);
}
END_TEST

START_TEST(ring_late_event_before_valid_lo)
{
	struct cw_state *st = new_state();
	cw_state_add_daily(st, CW_D_REVENUE, 200, 1);
	ck_assert_int_eq(st->valid_lo[CW_D_REVENUE], 200);
	ck_assert_int_eq(cw_state_add_daily(st, CW_D_REVENUE, 190, 2), 0);
	ck_assert_int_eq(st->valid_lo[CW_D_REVENUE], 190);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 200, 30), 3);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 199, 9), 0);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 190, 1), 2);
	/* older than the ring: ignored */
	ck_assert_int_eq(cw_state_add_daily(st, CW_D_REVENUE,
					    200 - CW_DAYS_MAX, 9), -ERANGE);
	ck_assert_int_eq(cw_state_add_daily(st, CW_D_REVENUE,
					    200 - CW_DAYS_MAX + 1, 4), 0);
	ck_assert_int_eq(cw_state_sum_daily(st, CW_D_REVENUE, 200, CW_DAYS_MAX),
			 7);
	free(st);
}
END_TEST

START_TEST(months_ring)
{
	struct cw_state *st = new_state();
	cw_state_add_month(st, MONTH(2025, 10), 100);
	cw_state_add_month(st, MONTH(2026, 1), 60);
	cw_state_add_month(st, MONTH(2025, 12), 5);
	ck_assert_int_eq(cw_state_month(st, MONTH(2025, 10)), 100);
	ck_assert_int_eq(cw_state_month(st, MONTH(2025, 11)), 0);
	ck_assert_int_eq(cw_state_month(st, MONTH(2025, 12)), 5);
	ck_assert_int_eq(cw_state_month(st, MONTH(2026, 1)), 60);
	ck_assert_int_eq(cw_state_month(st, MONTH(2026, 2)), 0);
	ck_assert_int_eq(cw_state_month(st, MONTH(2025, 9)), 0);
	cw_state_add_month(st, MONTH(2026, 1) + CW_MONTHS_MAX, 1);
	ck_assert_int_eq(cw_state_month(st, MONTH(2026, 1)), 0);
	free(st);
}
END_TEST

START_TEST(dedup_window_and_bound)
{
	struct cw_state *st = new_state();
	const int64_t w = 48LL * 3600 * 1000, t0 = ms("2026-01-01T00:00:00Z");
	ck_assert_int_eq(cw_state_dedup(st, "e1", t0, w), 0);
	ck_assert_int_eq(cw_state_dedup(st, "e1", t0, w), 1);
	ck_assert_int_eq(cw_state_dedup(st, "e1", t0 + w, w), 1);
	ck_assert_int_eq(cw_state_dedup(st, "e1", t0 + w + 1, w), 0);
	free(st);

	st = new_state();
	char id[32];
	for (int i = 0; i < CW_DEDUP_MAX + 10; i++) {
		snprintf(id, sizeof(id), "id-%d", i);
		ck_assert_int_eq(cw_state_dedup(st, id, t0, w), 0);
	}
	ck_assert_uint_eq(st->ndedup, CW_DEDUP_MAX);
	snprintf(id, sizeof(id), "id-%d", CW_DEDUP_MAX + 9);
	ck_assert_int_eq(cw_state_dedup(st, id, t0, w), 1);
	snprintf(id, sizeof(id), "id-%d", 10);
	ck_assert_int_eq(cw_state_dedup(st, id, t0, w), 1);
	ck_assert_int_eq(cw_state_dedup(st, "id-0", t0, w), 0); /* forgotten */
	ck_assert_uint_eq(st->ndedup, CW_DEDUP_MAX);
	free(st);
}
END_TEST

START_TEST(peers_and_marks)
{
	struct cw_state *st = new_state();
	cw_state_touch_peer(st, "8613800000001", 100, 0);
	cw_state_touch_peer(st, "8613800000002", 90, 0);
	cw_state_touch_peer(st, "8613800000001", 95, 0); /* older: keeps 100 */
	ck_assert_uint_eq(st->npeers, 2);
	ck_assert_uint_eq(cw_state_count_peers(st, 100, 1), 1);
	ck_assert_uint_eq(cw_state_count_peers(st, 100, 11), 2);
	ck_assert_uint_eq(cw_state_count_peers(st, 100, 10), 1);
	char n[24];
	for (int i = 0; i < CW_PEERS_MAX + 5; i++) {
		snprintf(n, sizeof(n), "86186%08d", i);
		cw_state_touch_peer(st, n, 101, 0);
	}
	ck_assert_uint_eq(st->npeers, CW_PEERS_MAX);

	ck_assert_ptr_null(cw_state_mark(st, 42, 0));
	struct cw_mark *m = cw_state_mark(st, 42, 1);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->last_fire_ms, INT64_MIN);
	ck_assert_ptr_eq(cw_state_mark(st, 42, 0), m);
	free(st);
}
END_TEST

/* ------------------------------------------------------------------ */
/* codec                                                               */

static void fill_state(struct cw_state *st, int32_t today)
{
	int64_t now = cw_day_start(today, 0) + 12 * 3600 * 1000;
	st->flags = CW_ST_ACTIVATED | CW_ST_FORWARDING | CW_ST_POSTPAID;
	st->activate_ms = now - 400 * CW_DAY_MS;
	st->last_out_ms = now - 3600 * 1000;
	st->newest_ms = now;
	st->clock_ms = now - 1000;
	snprintf(st->plan, sizeof(st->plan), "P88");
	snprintf(st->forward_to, sizeof(st->forward_to), "8618600000002");
	for (int f = 0; f < CW_D__COUNT; f++)
		for (int d = 0; d < 50; d += 1 + f % 3)
			cw_state_add_daily(st, (enum cw_daily)f, today - d,
					   (f + 1) * 1000 + d - (f == 0 ? 3000 : 0));
	int32_t mo = cw_month_of(now, 0);
	for (int i = 0; i < 5; i++)
		cw_state_add_month(st, mo - i, 100000 + i * 7);
	st->closed_month = mo - 1;
	char n[24];
	for (int i = 0; i < 20; i++) {
		snprintf(n, sizeof(n), "86138%08d", i);
		cw_state_touch_peer(st, n, today - i * 2, 0);
	}
	for (int i = 0; i < 30; i++) {
		snprintf(n, sizeof(n), "ev-%d", i);
		cw_state_dedup(st, n, now - i * 3600 * 1000, 48LL * 3600 * 1000);
	}
	struct cw_mark *m = cw_state_mark(st, 0xdeadbeef, 1);
	m->last_fire_ms = now - 5;
	m->last_window = 123456;
	m = cw_state_mark(st, 7, 1);
	m->last_window = -3;
}

static void assert_same(const struct cw_state *a, const struct cw_state *b,
			const struct cw_state_profile *p)
{
	ck_assert_uint_eq(a->flags, b->flags);
	ck_assert_int_eq(a->activate_ms, b->activate_ms);
	ck_assert_int_eq(a->last_out_ms, b->last_out_ms);
	ck_assert_int_eq(a->newest_ms, b->newest_ms);
	ck_assert_int_eq(a->clock_ms, b->clock_ms);
	ck_assert_str_eq(a->plan, b->plan);
	ck_assert_str_eq(a->forward_to, b->forward_to);
	ck_assert_int_eq(a->newest_day, b->newest_day);
	for (int f = 0; f < CW_D__COUNT; f++)
		for (int w = 1; w <= p->keep_days[f]; w++)
			ck_assert_msg(cw_state_sum_daily(a, f, a->newest_day, w) ==
					      cw_state_sum_daily(b, f, b->newest_day, w),
				      "counter %d window %d", f, w);
	ck_assert_int_eq(a->newest_month, b->newest_month);
	ck_assert_int_eq(a->closed_month, b->closed_month);
	for (int i = 0; i < p->keep_months; i++)
		ck_assert_int_eq(cw_state_month(a, a->newest_month - i),
				 cw_state_month(b, b->newest_month - i));
	ck_assert_uint_eq(a->npeers, b->npeers);
	for (uint32_t i = 0; i < a->npeers; i++) {
		ck_assert_uint_eq(a->peers[i].hash, b->peers[i].hash);
		ck_assert_int_eq(a->peers[i].last_day, b->peers[i].last_day);
	}
	ck_assert_uint_eq(a->ndedup, b->ndedup);
	for (uint32_t i = 0; i < a->ndedup; i++) {
		ck_assert_uint_eq(a->dedup[i].fp, b->dedup[i].fp);
		ck_assert_int_eq(a->dedup[i].ts_ms, b->dedup[i].ts_ms);
	}
	ck_assert_uint_eq(a->nmarks, b->nmarks);
	for (uint32_t i = 0; i < a->nmarks; i++) {
		ck_assert_uint_eq(a->marks[i].rule_hash, b->marks[i].rule_hash);
		ck_assert_int_eq(a->marks[i].last_fire_ms, b->marks[i].last_fire_ms);
		ck_assert_int_eq(a->marks[i].last_window, b->marks[i].last_window);
	}
}

START_TEST(codec_round_trip)
{
	struct cw_state *a = new_state(), *b = new_state();
	struct cw_state_profile p = full_profile();
	static uint8_t buf[CW_STATE_BLOB_MAX], buf2[CW_STATE_BLOB_MAX];
	int32_t today = cw_day_of(ms("2026-01-20T00:00:00Z"), 0);

	fill_state(a, today);
	int n = cw_state_encode(a, &p, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(cw_state_decode(b, &p, buf, (size_t)n), 0);
	assert_same(a, b, &p);
	ck_assert_uint_eq(b->npeers, 20);
	ck_assert_uint_eq(b->ndedup, 30);
	ck_assert_uint_eq(b->nmarks, 2);
	/* stable: re-encoding gives the same bytes */
	ck_assert_int_eq(cw_state_encode(b, &p, buf2, sizeof(buf2)), n);
	ck_assert_mem_eq(buf, buf2, (size_t)n);
	/* too small a buffer fails cleanly */
	ck_assert_int_eq(cw_state_encode(a, &p, buf2, (size_t)n - 1), -ENOSPC);

	/* empty state */
	cw_state_init(a);
	n = cw_state_encode(a, &p, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(cw_state_decode(b, &p, buf, (size_t)n), 0);
	ck_assert_int_eq(cw_state_is_empty(b), 1);
	ck_assert_int_eq(b->newest_day, INT32_MIN);
	free(a);
	free(b);
}
END_TEST

START_TEST(codec_drops_beyond_keep)
{
	struct cw_state *a = new_state(), *b = new_state();
	struct cw_state_profile p = full_profile();
	static uint8_t buf[CW_STATE_BLOB_MAX];

	a->newest_ms = ms("2026-01-20T00:00:00Z");
	cw_state_add_daily(a, CW_D_REVENUE, 1000, 1);
	cw_state_add_daily(a, CW_D_REVENUE, 1006, 2);
	cw_state_add_daily(a, CW_D_REVENUE, 1010, 4);
	cw_state_add_daily(a, CW_D_CALLS_OUT, 1010, 1);
	cw_state_touch_peer(a, "8613800000001", 1000, 0);
	cw_state_touch_peer(a, "8613800000002", 1008, 0);
	memset(p.keep_days, 0, sizeof(p.keep_days));
	p.keep_days[CW_D_REVENUE] = 7;
	p.peer_days = 5;
	int n = cw_state_encode(a, &p, buf, sizeof(buf));
	ck_assert_int_eq(cw_state_decode(b, &p, buf, (size_t)n), 0);
	ck_assert_int_eq(cw_state_sum_daily(b, CW_D_REVENUE, 1010, 30), 6);
	ck_assert_int_eq(cw_state_sum_daily(b, CW_D_CALLS_OUT, 1010, 30), 0);
	ck_assert_uint_eq(b->npeers, 1);
	ck_assert_int_eq(b->peers[0].last_day, 1008);
	/* nothing kept at all: peers not tracked */
	p.peer_days = 0;
	n = cw_state_encode(a, &p, buf, sizeof(buf));
	ck_assert_int_eq(cw_state_decode(b, &p, buf, (size_t)n), 0);
	ck_assert_uint_eq(b->npeers, 0);
	/* dedup beyond its window is dropped */
	cw_state_dedup(a, "old", a->newest_ms - 49LL * 3600 * 1000,
		       48LL * 3600 * 1000);
	cw_state_dedup(a, "new", a->newest_ms - 1000, 48LL * 3600 * 1000);
	n = cw_state_encode(a, &p, buf, sizeof(buf));
	ck_assert_int_eq(cw_state_decode(b, &p, buf, (size_t)n), 0);
	ck_assert_uint_eq(b->ndedup, 1);
	free(a);
	free(b);
}
END_TEST

/* An incoming SMS is the only event of a newer day: its peer's day is
 * after the ring head. The blob must still round-trip. */
START_TEST(codec_peer_newer_than_ring)
{
	struct cw_state *a = new_state(), *b = new_state();
	struct cw_state_profile p = full_profile();
	static uint8_t buf[CW_STATE_BLOB_MAX];

	a->newest_ms = ms("2026-01-20T00:00:00Z");
	cw_state_touch_peer(a, "8613800000001", 20000, 0); /* no daily at all */
	int n = cw_state_encode(a, &p, buf, sizeof(buf));
	ck_assert_int_eq(cw_state_decode(b, &p, buf, (size_t)n), 0);
	ck_assert_uint_eq(b->npeers, 1);
	ck_assert_int_eq(b->peers[0].last_day, 20000);

	cw_state_add_daily(a, CW_D_CALLS_OUT, 19990, 1);
	cw_state_touch_peer(a, "8613800000002", 20001, 0);
	n = cw_state_encode(a, &p, buf, sizeof(buf));
	ck_assert_int_eq(cw_state_decode(b, &p, buf, (size_t)n), 0);
	ck_assert_uint_eq(b->npeers, 2);
	ck_assert_int_eq(b->peers[1].last_day, 20001);
	ck_assert_uint_eq(cw_state_count_peers(b, 20001, 1), 1);
	free(a);
	free(b);
}
END_TEST

START_TEST(codec_corrupt)
{
	struct cw_state *a = new_state(), *b = new_state();
	struct cw_state_profile p = full_profile();
	static uint8_t buf[CW_STATE_BLOB_MAX], bad[CW_STATE_BLOB_MAX];

	fill_state(a, cw_day_of(ms("2026-01-20T00:00:00Z"), 0));
	int n = cw_state_encode(a, &p, buf, sizeof(buf));
	for (int len = 0; len < n; len++) {
		ck_assert_msg(cw_state_decode(b, &p, buf, (size_t)len) == -EINVAL,
			      "truncated at %d of %d decoded", len, n);
		ck_assert_int_eq(cw_state_is_empty(b), 1);
	}
	/* trailing garbage */
	memcpy(bad, buf, (size_t)n);
	bad[n] = 0;
	ck_assert_int_eq(cw_state_decode(b, &p, bad, (size_t)n + 1), -EINVAL);
	/* unknown version; and version 2 without its account section */
	bad[0] = 2;
	ck_assert_int_eq(cw_state_decode(b, &p, bad, (size_t)n), -EINVAL);
	bad[0] = 3;
	ck_assert_int_eq(cw_state_decode(b, &p, bad, (size_t)n), -EINVAL);
	bad[0] = 0;
	ck_assert_int_eq(cw_state_decode(b, &p, bad, (size_t)n), -EINVAL);

	/* huge counts: version, 5 header ints, 2 empty strings, a ring head,
	 * one daily counter claiming 10^6 days */
	static const uint8_t days[] = {1, 0, 2, 2, 2, 2, 0, 0, 2, 0,
				       0xc0, 0x84, 0x3d, 0};
	ck_assert_int_eq(cw_state_decode(b, &p, days, sizeof(days)), -EINVAL);
	static const uint8_t counter[] = {1, 0, 2, 2, 2, 2, 0, 0, 2, 99, 1, 0};
	ck_assert_int_eq(cw_state_decode(b, &p, counter, sizeof(counter)), -EINVAL);
	static const uint8_t months[] = {1, 0, 2, 2, 2, 2, 0, 0, 0, 0xff, 0x01,
					 2, 2, 17};
	ck_assert_int_eq(cw_state_decode(b, &p, months, sizeof(months)), -EINVAL);
	static const uint8_t peers[] = {1, 0, 2, 2, 2, 2, 0, 0, 0, 0xff, 0x01,
					0, 0, 0, 0x81, 0x01};
	ck_assert_int_eq(cw_state_decode(b, &p, peers, sizeof(peers)), -EINVAL);
	static const uint8_t dedup[] = {1, 0, 2, 2, 2, 2, 0, 0, 0, 0xff, 0x01,
					0, 0, 0, 0, 0x81, 0x20};
	ck_assert_int_eq(cw_state_decode(b, &p, dedup, sizeof(dedup)), -EINVAL);
	static const uint8_t marks[] = {1, 0, 2, 2, 2, 2, 0, 0, 0, 0xff, 0x01,
					0, 0, 0, 0, 0, 0x81, 0x01};
	ck_assert_int_eq(cw_state_decode(b, &p, marks, sizeof(marks)), -EINVAL);
	static const uint8_t strlen_big[] = {1, 0, 2, 2, 2, 2, 0x7f};
	ck_assert_int_eq(cw_state_decode(b, &p, strlen_big, sizeof(strlen_big)),
			 -EINVAL);
	static const uint8_t varint_long[] = {1, 0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	ck_assert_int_eq(cw_state_decode(b, &p, varint_long,
					 sizeof(varint_long)), -EINVAL);
	/* a minimal valid blob, to show the crafted ones fail for their count */
	static const uint8_t ok[] = {1, 0, 2, 2, 2, 2, 0, 0, 0, 0xff, 0x01,
				     0, 0, 0, 0, 0, 0};
	ck_assert_int_eq(cw_state_decode(b, &p, ok, sizeof(ok)), 0);

	/* random single-byte mutations never crash (ASan/UBSan builds) */
	uint32_t seed = 12345;
	for (int i = 0; i < 20000; i++) {
		memcpy(bad, buf, (size_t)n);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			bad[(seed >> 8) % (uint32_t)n] = (uint8_t)(seed >> 24);
		}
		if (cw_state_decode(b, &p, bad, (size_t)n) == 0)
			ck_assert_int_gt(cw_state_encode(b, &p, buf + n,
							 sizeof(buf) - (size_t)n),
					 0);
	}
	free(a);
	free(b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* size of a busy subscriber                                           */

static void busy_event(struct cw_event *ev, int i, int64_t ts)
{
	static const char *const nums[] = {"8613800000", "8618600000",
					   "8613300000", "8613900000"};
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->event_id, sizeof(ev->event_id),
		 "cdr-2026-%08d-abcdef0123456789", i);
	snprintf(ev->subscriber, sizeof(ev->subscriber), "8613812345678");
	ev->ts_ms = ts;
	ev->topic = CW_TOPIC_CDR;
	/* 25 regular contacts, a few new numbers a month */
	int peer = (i * 7) % 25 + (i % 40 == 0 ? 100 + i : 0);
	snprintf(ev->peer, sizeof(ev->peer), "%s%03d", nums[peer % 4], peer);
	switch (i % 5) {
	case 0: case 1:
		ev->type = CW_EV_VOICE;
		ev->direction = CW_DIR_OUT;
		ev->duration_s = 30 + i % 200;
		ev->charge = 150 + (i % 9) * 50;
		break;
	case 2:
		ev->type = CW_EV_VOICE;
		ev->direction = CW_DIR_IN;
		ev->duration_s = 60;
		break;
	case 3:
		ev->type = CW_EV_SMS;
		ev->direction = (i & 1) ? CW_DIR_OUT : CW_DIR_IN;
		ev->charge = ev->direction == CW_DIR_OUT ? 100 : 0;
		break;
	default:
		ev->type = CW_EV_DATA;
		ev->bytes = 1000000 + i;
		ev->charge = 500;
		break;
	}
}

/* Version 2: the account section, round trip and hostile variants. */
START_TEST(codec_account)
{
	struct cw_state *a = new_state(), *b = new_state();
	struct cw_state_profile p = full_profile();
	static uint8_t buf[CW_STATE_BLOB_MAX], bad[CW_STATE_BLOB_MAX];
	int32_t today = cw_day_of(ms("2026-01-20T00:00:00Z"), 0);

	fill_state(a, today);
	a->acct.suspended_ms = ms("2026-01-10T00:00:00Z");
	a->acct.suspend_reason = CW_SUSPEND_FRAUD;
	a->acct.commitment_end_ms = ms("2026-06-01T00:00:00Z");
	a->acct.commitment_set_ms = ms("2026-01-02T00:00:00Z");
	a->acct.credit = 1500;
	a->acct.ninvoices = 2;
	a->acct.invoices[0] = (struct cw_invoice){ms("2026-01-21T00:00:00Z"), 58000};
	a->acct.invoices[1] = (struct cw_invoice){ms("2026-02-21T00:00:00Z"), 12345};
	a->acct.deactivated_ms = ms("2026-01-19T00:00:00Z");
	snprintf(a->acct.deactivate_reason, sizeof(a->acct.deactivate_reason), "ported");
	/* parts 7-9: the region, the counted segment, the handset */
	snprintf(a->acct.region, sizeof(a->acct.region), "county-3");
	a->acct.kseg.counted = 1;
	a->acct.kseg.month = 2026 * 12;
	a->acct.kseg.now = (struct cw_seg){2, 1, "P88", "county-3"};
	a->acct.kseg.start = (struct cw_seg){1, 0, "P38", ""};
	a->acct.device_hash = 0x0123456789abcdefULL;
	a->acct.device_since_ms = ms("2025-11-02T00:00:00Z");
	int n = cw_state_encode(a, &p, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(buf[0], 2);
	ck_assert_int_eq(cw_state_decode(b, &p, buf, (size_t)n), 0);
	assert_same(a, b, &p);
	ck_assert_mem_eq(&a->acct, &b->acct, sizeof(a->acct));
	/* one part alone still writes version 2; none writes version 1 */
	memset(&a->acct, 0, sizeof(a->acct));
	a->acct.commitment_end_ms = ms("2026-06-01T00:00:00Z");
	int m = cw_state_encode(a, &p, bad, sizeof(bad));
	ck_assert_int_eq(bad[0], 2);
	ck_assert_int_eq(cw_state_decode(b, &p, bad, (size_t)m), 0);
	ck_assert_int_eq(b->acct.commitment_end_ms, a->acct.commitment_end_ms);
	memset(&a->acct, 0, sizeof(a->acct));
	m = cw_state_encode(a, &p, bad, sizeof(bad));
	ck_assert_int_eq(bad[0], 1);
	/* every truncation of the version-2 blob is refused */
	for (int len = 0; len < n; len++)
		ck_assert_msg(cw_state_decode(b, &p, buf, (size_t)len) == -EINVAL,
			      "truncated at %d of %d decoded", len, n);
	/* random mutations never crash, and what decodes re-encodes */
	uint32_t seed = 777;
	for (int i = 0; i < 20000; i++) {
		memcpy(bad, buf, (size_t)n);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			/* bias to the account section at the end */
			uint32_t at = (uint32_t)n - 1 - (seed >> 8) % (uint32_t)(n < 48 ? n : 48);
			bad[at] = (uint8_t)(seed >> 24);
		}
		if (cw_state_decode(b, &p, bad, (size_t)n) == 0)
			ck_assert_int_gt(cw_state_encode(b, &p, bad, sizeof(bad)), 0);
	}
	free(a);
	free(b);
}
END_TEST

START_TEST(blob_size_busy_subscriber)
{
	static const char rules[] =
		"rules:\n"
		"  - name: pack\n"
		"    when: \"revenue(30d) < 10 and calls_out(30d) > 20 and "
		"distinct_peers(30d) < 3\"\n";
	static const char nets[] =
		"own: cmcc\noperators:\n  cmcc: { prefixes: [\"86138\"] }\n"
		"  unicom: { prefixes: [\"86186\"] }\n";
	struct cw_ruleset *rs = NULL;
	struct cw_networks *nt = NULL;
	struct cw_engine e;
	struct cw_engine_conf conf;
	char err[512];
	static uint8_t buf[CW_STATE_BLOB_MAX];
	struct cw_event ev;

	ck_assert_int_eq(cw_rules_load_buf(rules, strlen(rules), "r.yaml", &rs,
					   err, sizeof(err)), 0);
	ck_assert_int_eq(cw_networks_load_buf(nets, strlen(nets), "n.yaml", &nt,
					      err, sizeof(err)), 0);
	cw_engine_conf_default(&conf);
	cw_engine_init(&e, rs, NULL, nt, &conf);
	ck_assert_int_eq(e.profile.keep_days[CW_D_REVENUE], 30);
	ck_assert_int_eq(e.profile.keep_days[CW_D_CALLS_OUT], 30);
	ck_assert_int_eq(e.profile.peer_days, 30);

	struct cw_state *st = new_state();
	int64_t t0 = ms("2026-01-01T00:00:00Z");
	int i = 0;
	for (int d = 0; d < 30; d++)
		for (int k = 0; k < 20; k++, i++) {
			busy_event(&ev, i, t0 + d * CW_DAY_MS + 7 * 3600000LL +
						   k * 2400000LL);
			ck_assert_int_eq(cw_engine_apply(&e, st, &ev, NULL),
					 CW_APPLY_OK);
		}
	cw_engine_advance(&e, st, "8613812345678",
			  t0 + 30 * CW_DAY_MS - 1, NULL);

	int n = cw_state_encode(st, &e.profile, buf, sizeof(buf));
	struct cw_state_profile none = e.profile;
	none.dedup_window_ms = -1; /* nothing is that new: size without dedup */
	int nodedup = cw_state_encode(st, &none, buf, sizeof(buf));
	printf("state blob, busy subscriber (30 days x 20 events, %u peers, "
	       "%u dedup ids): %d bytes (%d without dedup)\n",
	       st->npeers, st->ndedup, n, nodedup);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, 1024);
	free(st);
	cw_ruleset_free(rs);
	cw_networks_free(nt);
}
END_TEST

CW_CHECK_SUITE(state_suite)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("calendar");
	tcase_add_test(tc, calendar_utc);
	tcase_add_test(tc, calendar_plus_eight);
	suite_add_tcase(s, tc);

	tc = tcase_create("counters");
	tcase_add_test(tc, ring_sums_and_windows);
	tcase_add_test(tc, ring_advance_beyond_length);
	tcase_add_test(tc, ring_late_event_before_valid_lo);
	tcase_add_test(tc, months_ring);
	tcase_add_test(tc, dedup_window_and_bound);
	tcase_add_test(tc, peers_and_marks);
	suite_add_tcase(s, tc);

	tc = tcase_create("codec");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, codec_round_trip);
	tcase_add_test(tc, codec_drops_beyond_keep);
	tcase_add_test(tc, codec_peer_newer_than_ring);
	tcase_add_test(tc, codec_corrupt);
	tcase_add_test(tc, codec_account);
	tcase_add_test(tc, blob_size_busy_subscriber);
	suite_add_tcase(s, tc);
	return s;
}

