/*
 * test_strutil.c — the shared string helpers (daemon/core/strutil.c): the
 * one edit distance behind every "did you mean", and the one light JSON
 * field scan that routes and keys lines the parser may reject.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "cw/strutil.h"

static size_t dist(const char *a, const char *b, int fold)
{
	return cw_edit_distance(a, strlen(a), b, strlen(b), fold);
}

START_TEST(edit_distance)
{
	ck_assert_uint_eq(dist("", "", 0), 0);
	ck_assert_uint_eq(dist("kitten", "sitting", 0), 3);
	ck_assert_uint_eq(dist("calls_out", "calls_in", 0), 3);
	ck_assert_uint_eq(dist("Calls_Out", "calls_out", 0), 2);
	ck_assert_uint_eq(dist("Calls_Out", "calls_out", 1), 0);
	ck_assert_uint_eq(dist("abc", "", 0), 3);
	char longname[200];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_uint_eq(dist(longname, "a", 0), SIZE_MAX);
}
END_TEST

static size_t scan(const char *line, const char *name, const char **v)
{
	return cw_json_scan_str(line, strlen(line), name, 64, v);
}

START_TEST(json_scan)
{
	const char *v = NULL;

	ck_assert_uint_eq(scan("{\"type\":\"voice\",\"subscriber\":\"8613800000001\"}",
			       "subscriber", &v), 13);
	ck_assert(!strncmp(v, "8613800000001", 13));
	ck_assert_uint_eq(scan("{ \"type\" : \"sms\" }", "type", &v), 3);
	ck_assert(!strncmp(v, "sms", 3));
	/* a longer field ending in the name is not the field */
	ck_assert_uint_eq(scan("{\"subtype\":\"x\",\"type\":\"data\"}", "type", &v), 4);
	ck_assert(!strncmp(v, "data", 4));
	/* not a string, escaped, unterminated, absent: not found */
	ck_assert_uint_eq(scan("{\"type\":5}", "type", &v), 0);
	ck_assert_uint_eq(scan("{\"type\":\"vo\\\"ice\"}", "type", &v), 0);
	ck_assert_uint_eq(scan("{\"type\":\"voice", "type", &v), 0);
	ck_assert_uint_eq(scan("garbage", "type", &v), 0);
	ck_assert_uint_eq(scan("", "type", &v), 0);
	/* longer than max */
	char line[256];
	snprintf(line, sizeof(line), "{\"subscriber\":\"%0100d\"}", 1);
	ck_assert_uint_eq(scan(line, "subscriber", &v), 0);
}
END_TEST

CW_CHECK_SUITE(strutil_suite)
{
	TCase *tc = tcase_create("strutil");

	tcase_add_test(tc, edit_distance);
	tcase_add_test(tc, json_scan);
	return cw_check_tcase_suite("strutil", tc);
}
