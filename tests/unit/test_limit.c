/*
 * test_limit.c — a rule's limit as a deterministic daily selection
 * (daemon/core/limit.c): the day's best N whatever the order they come
 * in, repeated offers, late ones, closing days.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "cw/limit.h"

#define DAY 20500

struct closed {
	struct {
		char id[CW_ALERT_ID_LEN + 1];
		int32_t day;
		uint32_t rule;
		int admitted;
	} e[64];
	size_t n;
	int64_t limit;
};

static int64_t fixed_limit(void *ctx, uint32_t rule_hash)
{
	const struct closed *c = ctx;

	(void)rule_hash;
	return c->limit;
}

static void record(void *ctx, struct cw_limit_entry *e, int admitted)
{
	struct closed *c = ctx;

	ck_assert_uint_lt(c->n, 64);
	snprintf(c->e[c->n].id, sizeof(c->e[c->n].id), "%s", e->id);
	c->e[c->n].day = e->day;
	c->e[c->n].rule = e->rule_hash;
	c->e[c->n].admitted = admitted;
	c->n++;
	free(e->payload);
}

static struct cw_limit_entry entry(uint32_t rule, int32_t day, int64_t prio,
				   const char *id)
{
	struct cw_limit_entry e = {rule, day, 0, prio, "", NULL};

	snprintf(e.id, sizeof(e.id), "%s", id);
	e.payload = strdup(id);
	return e;
}

/* Offer, freeing what the book does not keep or pushes out. */
static int offer(struct cw_limit_book *b, struct cw_limit_entry e, int64_t limit)
{
	struct cw_limit_entry out;
	int evicted;
	int rc = cw_limit_offer(b, &e, limit, &out, &evicted);

	if (rc != CW_LIMIT_KEPT)
		free(e.payload);
	if (evicted)
		free(out.payload);
	return rc;
}

/* Twelve candidates of one day, priorities with ties, offered in three
 * orders: the same five are kept, in the documented order. */
START_TEST(the_days_best_whatever_the_order)
{
	static const int64_t prio[12] = {5, 90, 30, 90, 0, 70, 30, 10, 90, 60, 0, 45};
	static const int orders[3][12] = {
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
		{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
		{4, 8, 0, 10, 2, 6, 11, 1, 9, 3, 7, 5},
	};
	char first[5][CW_ALERT_ID_LEN + 1];

	for (int o = 0; o < 3; o++) {
		struct cw_limit_book *b;
		struct closed c = {.n = 0, .limit = 5};
		char id[16];

		ck_assert_int_eq(cw_limit_book_new(free, &b), 0);
		for (int k = 0; k < 12; k++) {
			int i = orders[o][k];
			snprintf(id, sizeof(id), "a%02d", i);
			ck_assert_int_ge(offer(b, entry(7, DAY, prio[i], id), 5), 0);
		}
		ck_assert_uint_eq(cw_limit_held(b), 5);
		ck_assert_int_eq(cw_limit_oldest_day(b), DAY);
		cw_limit_close(b, DAY + 1, fixed_limit, record, &c);
		ck_assert_uint_eq(c.n, 5);
		/* 90 (a08, a03, a01: the greater id first), 70, 60 */
		ck_assert_str_eq(c.e[0].id, "a08");
		ck_assert_str_eq(c.e[1].id, "a03");
		ck_assert_str_eq(c.e[2].id, "a01");
		ck_assert_str_eq(c.e[3].id, "a05");
		ck_assert_str_eq(c.e[4].id, "a09");
		for (size_t j = 0; j < 5; j++) {
			ck_assert(c.e[j].admitted);
			if (o == 0)
				memcpy(first[j], c.e[j].id, sizeof(first[j]));
			else
				ck_assert_str_eq(c.e[j].id, first[j]);
		}
		ck_assert_uint_eq(cw_limit_held(b), 0);
		cw_limit_book_free(b);
	}
}
END_TEST

START_TEST(repeats_late_ones_and_no_limit)
{
	struct cw_limit_book *b;
	struct closed c = {.n = 0, .limit = 2};

	ck_assert_int_eq(cw_limit_book_new(free, &b), 0);
	ck_assert_int_eq(offer(b, entry(1, DAY, 10, "x1"), 2), CW_LIMIT_KEPT);
	/* A replayed batch offers the same alert again. */
	ck_assert_int_eq(offer(b, entry(1, DAY, 10, "x1"), 2), CW_LIMIT_DUP);
	ck_assert_int_eq(offer(b, entry(1, DAY, 5, "x2"), 2), CW_LIMIT_KEPT);
	/* Below the day's two: never kept. */
	ck_assert_int_eq(offer(b, entry(1, DAY, 4, "x3"), 2), CW_LIMIT_CUT);
	ck_assert_int_eq(offer(b, entry(1, DAY, 1, "x4"), 0), CW_LIMIT_CUT);
	ck_assert_uint_eq(cw_limit_held(b), 2);
	cw_limit_close(b, DAY + 1, fixed_limit, record, &c);
	ck_assert_uint_eq(c.n, 2);
	/* The day is closed: an alert for it now (a late event) is not
	 * kept, the next day is open. Closing again changes nothing. */
	ck_assert_int_eq(offer(b, entry(1, DAY, 99, "x5"), 2), CW_LIMIT_LATE);
	ck_assert_int_eq(offer(b, entry(1, DAY + 1, 1, "x6"), 2), CW_LIMIT_KEPT);
	cw_limit_close(b, DAY + 1, fixed_limit, record, &c);
	ck_assert_uint_eq(c.n, 2);
	/* Reset (a new assignment) forgets the closed days too. */
	cw_limit_book_reset(b);
	ck_assert_uint_eq(cw_limit_held(b), 0);
	ck_assert_int_eq(cw_limit_oldest_day(b), INT32_MAX);
	ck_assert_int_eq(offer(b, entry(1, DAY, 99, "x5"), 2), CW_LIMIT_KEPT);
	cw_limit_book_free(b); /* frees x5's payload (ASan) */
}
END_TEST

/* Days close in (day, rule) order, only those before first_open; the
 * limit at close time counts (a reload lowered it to 1). */
START_TEST(close_by_day_then_rule)
{
	struct cw_limit_book *b;
	struct closed c = {.n = 0, .limit = 1};

	ck_assert_int_eq(cw_limit_book_new(free, &b), 0);
	ck_assert_int_eq(offer(b, entry(9, DAY + 1, 3, "d1r9"), 3), CW_LIMIT_KEPT);
	ck_assert_int_eq(offer(b, entry(9, DAY, 3, "d0r9"), 3), CW_LIMIT_KEPT);
	ck_assert_int_eq(offer(b, entry(2, DAY, 3, "d0r2a"), 3), CW_LIMIT_KEPT);
	ck_assert_int_eq(offer(b, entry(2, DAY, 8, "d0r2b"), 3), CW_LIMIT_KEPT);
	ck_assert_int_eq(offer(b, entry(2, DAY + 2, 8, "d2r2"), 3), CW_LIMIT_KEPT);
	ck_assert_int_eq(cw_limit_oldest_day(b), DAY);
	cw_limit_close(b, DAY + 2, fixed_limit, record, &c);
	ck_assert_uint_eq(c.n, 4);
	ck_assert_str_eq(c.e[0].id, "d0r2b");
	ck_assert(c.e[0].admitted);
	ck_assert_str_eq(c.e[1].id, "d0r2a");
	ck_assert(!c.e[1].admitted);
	ck_assert_str_eq(c.e[2].id, "d0r9");
	ck_assert(c.e[2].admitted);
	ck_assert_str_eq(c.e[3].id, "d1r9");
	ck_assert_uint_eq(cw_limit_held(b), 1);
	ck_assert_int_eq(cw_limit_oldest_day(b), DAY + 2);
	cw_limit_book_free(b);
}
END_TEST

/* A lowered limit at offer time pushes the lowest-ranked out, one per
 * offer; the pushed-out one is the caller's again. */
START_TEST(eviction_hands_back_the_lowest)
{
	struct cw_limit_book *b;
	struct cw_limit_entry e = entry(1, DAY, 50, "m"), out;
	int evicted;

	ck_assert_int_eq(cw_limit_book_new(free, &b), 0);
	ck_assert_int_eq(offer(b, entry(1, DAY, 10, "lo"), 2), CW_LIMIT_KEPT);
	ck_assert_int_eq(offer(b, entry(1, DAY, 20, "hi"), 2), CW_LIMIT_KEPT);
	ck_assert_int_eq(cw_limit_offer(b, &e, 2, &out, &evicted), CW_LIMIT_KEPT);
	ck_assert(evicted);
	ck_assert_str_eq(out.id, "lo");
	ck_assert_str_eq(out.payload, "lo");
	free(out.payload);
	ck_assert_uint_eq(cw_limit_held(b), 2);
	cw_limit_book_free(b);
}
END_TEST

CW_CHECK_SUITE(limit_suite)
{
	Suite *s = suite_create("limit");
	TCase *tc = tcase_create("book");

	tcase_add_test(tc, the_days_best_whatever_the_order);
	tcase_add_test(tc, repeats_late_ones_and_no_limit);
	tcase_add_test(tc, close_by_day_then_rule);
	tcase_add_test(tc, eviction_hands_back_the_lowest);
	suite_add_tcase(s, tc);
	return s;
}
