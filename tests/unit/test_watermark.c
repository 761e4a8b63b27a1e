/*
 * test_watermark.c — the event-time rule (watermark.h): pairs that are
 * behind hold time back, caught-up pairs do not, and one pair alone
 * cannot move it forward.
 */
#include <check.h>
#include <stdint.h>

#include "check_main.h"
#include "cw/watermark.h"

#define NONE INT64_MIN
#define NOWALL INT64_MAX
#define H (3600 * 1000LL)

static int64_t base(const struct cw_wm_pair *p, size_t n)
{
	return cw_watermark_base(p, n, NOWALL);
}

START_TEST(one_outlier_cannot_drag_time)
{
	/* All caught up; pair 2 gave one event 23 h ahead of the rest. */
	struct cw_wm_pair p[4] = {{100 * H, 0}, {101 * H, 0}, {124 * H, 0},
				  {100 * H, 0}};

	ck_assert_int_eq(base(p, 4), 101 * H);
	/* A second pair reaching that time is agreement, not an outlier. */
	p[1].time = 124 * H;
	ck_assert_int_eq(base(p, 4), 124 * H);
}
END_TEST

START_TEST(behind_pairs_hold_time_back)
{
	struct cw_wm_pair p[3] = {{50 * H, 1}, {100 * H, 0}, {101 * H, 0}};

	ck_assert_int_eq(base(p, 3), 50 * H);
	p[0].behind = 0; /* caught up: no longer holds anything back */
	ck_assert_int_eq(base(p, 3), 100 * H);
	/* Behind with no event yet: time is not known. */
	p[0] = (struct cw_wm_pair){NONE, 1};
	ck_assert_int_eq(base(p, 3), NONE);
}
END_TEST

START_TEST(idle_pairs_do_not_hold_back)
{
	/* A quiet pair whose last event is weeks old, caught up. */
	struct cw_wm_pair p[3] = {{10 * H, 0}, {500 * H, 0}, {501 * H, 0}};

	ck_assert_int_eq(base(p, 3), 500 * H);
	/* A pair with no event at all, caught up, is simply not counted. */
	p[0].time = NONE;
	ck_assert_int_eq(base(p, 3), 500 * H);
}
END_TEST

START_TEST(single_pair_and_too_few_times)
{
	struct cw_wm_pair one = {7 * H, 0};
	struct cw_wm_pair two[2] = {{7 * H, 0}, {NONE, 0}};

	ck_assert_int_eq(base(&one, 1), 7 * H);
	ck_assert_int_eq(base(two, 2), NONE); /* one time among two pairs */
	ck_assert_int_eq(base(NULL, 0), NONE);
}
END_TEST

START_TEST(wall_clock_bounds_it)
{
	struct cw_wm_pair p[2] = {{100 * H, 0}, {100 * H, 0}};

	ck_assert_int_eq(cw_watermark_base(p, 2, 90 * H), 90 * H);
	ck_assert_int_eq(cw_watermark_base(p, 2, 110 * H), 100 * H);
}
END_TEST

CW_CHECK_SUITE(watermark_suite)
{
	TCase *tc = tcase_create("watermark");

	tcase_add_test(tc, one_outlier_cannot_drag_time);
	tcase_add_test(tc, behind_pairs_hold_time_back);
	tcase_add_test(tc, idle_pairs_do_not_hold_back);
	tcase_add_test(tc, single_pair_and_too_few_times);
	tcase_add_test(tc, wall_clock_bounds_it);
	return cw_check_tcase_suite("watermark", tc);
}
