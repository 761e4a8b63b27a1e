/*
 * test_refdata.c — plans.yaml and networks.yaml (daemon/core/refdata.c).
 */
#include <check.h>

#include "check_main.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/event.h"
#include "cw/refdata.h"

static char err[1024];

static const char contract_networks[] =
	"own: cmcc\n"
	"operators:\n"
	"  cmcc:    { prefixes: [\"86134\", \"86135\", \"86136\", \"86137\", "
	"\"86138\", \"86139\", \"86150\", \"86187\", \"86188\"] }\n"
	"  unicom:  { prefixes: [\"86130\", \"86131\", \"86132\", \"86155\", "
	"\"86156\", \"86185\", \"86186\"] }\n"
	"  telecom: { prefixes: [\"86133\", \"86153\", \"86180\", \"86181\", "
	"\"86189\", \"86199\"] }\n";

static struct cw_plans *plans(const char *text)
{
	struct cw_plans *p = NULL;

	err[0] = '\0';
	if (cw_plans_load_buf(text, strlen(text), "plans.yaml", &p, err,
			      sizeof(err)) < 0)
		return NULL;
	return p;
}

static struct cw_networks *nets(const char *text)
{
	struct cw_networks *n = NULL;

	err[0] = '\0';
	if (cw_networks_load_buf(text, strlen(text), "networks.yaml", &n, err,
				 sizeof(err)) < 0)
		return NULL;
	return n;
}

START_TEST(test_plans_contract)
{
	struct cw_plans *p = plans("plans:\n  P18: { fee: 18 }\n"
				   "  P38: { fee: 38 }\n  P88: { fee: 88 }\n"
				   "  P9: { fee: 9.99 }\n  FREE: { fee: 0 }\n");

	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_uint_eq(cw_plans_count(p), 5);
	ck_assert_int_eq(cw_plans_fee(p, "P18"), 18 * CW_MONEY_SCALE);
	ck_assert_int_eq(cw_plans_fee(p, "P38"), 38 * CW_MONEY_SCALE);
	ck_assert_int_eq(cw_plans_fee(p, "P88"), 88 * CW_MONEY_SCALE);
	ck_assert_int_eq(cw_plans_fee(p, "P9"), 9990);
	ck_assert_int_eq(cw_plans_fee(p, "FREE"), 0);
	ck_assert_int_eq(cw_plans_fee(p, "P1"), -1);
	ck_assert_int_eq(cw_plans_fee(p, ""), -1);
	ck_assert_int_eq(cw_plans_fee(p,
				      "a-very-long-plan-id-that-cannot-exist-at-all"),
			 -1);
	cw_plans_free(p);
	cw_plans_free(NULL);
	ck_assert_int_eq(cw_plans_fee(NULL, "P18"), -1);
}
END_TEST

START_TEST(test_plans_errors)
{
	ck_assert_ptr_null(plans("plans:\n  P18: { fee: 18 }\n  P18: { fee: 20 }\n"));
	ck_assert_str_eq(err, "plans.yaml:3:3: duplicate key 'P18' (first at "
			      "line 2, column 3)");
	ck_assert_ptr_null(plans("plans:\n  P18: { fee: -1 }\n"));
	ck_assert_ptr_nonnull(strstr(err, "plans.yaml:2:15: fee: -1 is out of range"));
	ck_assert_ptr_null(plans("plans:\n  P18: { fee: cheap }\n"));
	ck_assert_ptr_nonnull(strstr(err, "plans.yaml:2:15: fee: expected an amount"));
	ck_assert_ptr_null(plans("plans:\n  P18: { price: 18 }\n"));
	ck_assert_str_eq(err, "plans.yaml:2:10: P18: unknown key 'price'");
	ck_assert_ptr_null(plans("plans:\n  P18: {}\n"));
	ck_assert_str_eq(err, "plans.yaml:2:8: P18: missing 'fee'");
	ck_assert_ptr_null(plans("plan:\n  P18: { fee: 1 }\n"));
	ck_assert_str_eq(err, "plans.yaml:1:1: plans file: unknown key 'plan'");
	ck_assert_ptr_null(plans("plans:\n  P18: 18\n"));
	ck_assert_str_eq(err, "plans.yaml:2:8: P18: expected a mapping, got a "
			      "scalar");
	ck_assert_ptr_null(plans("plans: [a\n"));
	ck_assert_ptr_nonnull(strstr(err, "plans.yaml:2:1: "));
}
END_TEST

START_TEST(test_plans_file)
{
	char path[PATH_MAX];
	struct cw_plans *p = NULL;

	snprintf(path, sizeof(path), "%s/examples/plans.yaml", CW_SRCDIR);
	ck_assert_msg(cw_plans_load(path, &p, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(cw_plans_fee(p, "P38"), 38 * CW_MONEY_SCALE);
	cw_plans_free(p);
	ck_assert_int_eq(cw_plans_load("/nonexistent/plans.yaml", &p, err,
				       sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/plans.yaml: cannot open"));
}
END_TEST

START_TEST(test_networks_classify)
{
	struct cw_networks *n = nets(contract_networks);
	const char *op = NULL;

	ck_assert_msg(n != NULL, "%s", err);
	ck_assert_uint_eq(cw_networks_prefix_count(n), 22);
	ck_assert_int_eq(cw_networks_classify(n, "8613800000001", &op),
			 CW_NET_OWN);
	ck_assert_str_eq(op, "cmcc");
	ck_assert_int_eq(cw_networks_classify(n, "8618600000002", &op),
			 CW_NET_COMPETITOR);
	ck_assert_str_eq(op, "unicom");
	ck_assert_int_eq(cw_networks_classify(n, "8619912345678", &op),
			 CW_NET_COMPETITOR);
	ck_assert_str_eq(op, "telecom");
	op = "untouched";
	ck_assert_int_eq(cw_networks_classify(n, "447700900123", &op),
			 CW_NET_UNKNOWN);
	ck_assert_str_eq(op, "untouched");
	ck_assert_int_eq(cw_networks_classify(n, "8617000000000", NULL),
			 CW_NET_UNKNOWN);
	/* shorter than every prefix, empty, non-digits */
	ck_assert_int_eq(cw_networks_classify(n, "8613", NULL), CW_NET_UNKNOWN);
	ck_assert_int_eq(cw_networks_classify(n, "", NULL), CW_NET_UNKNOWN);
	ck_assert_int_eq(cw_networks_classify(n, "+8613800000001", NULL),
			 CW_NET_UNKNOWN);
	ck_assert_int_eq(cw_networks_classify(NULL, "8613800000001", NULL),
			 CW_NET_UNKNOWN);
	cw_networks_free(n);
}
END_TEST

START_TEST(test_networks_longest_prefix)
{
	/* an MVNO inside a competitor's range, and the own operator's
	 * range carved out of a competitor's shorter one */
	struct cw_networks *n = nets("own: cmcc\n"
				     "operators:\n"
				     "  cmcc: {prefixes: [\"86186\", \"8613\"]}\n"
				     "  unicom: {prefixes: [\"8618\", \"861861\"]}\n"
				     "  mvno: {prefixes: [\"861\"]}\n");
	const char *op = NULL;

	ck_assert_msg(n != NULL, "%s", err);
	ck_assert_int_eq(cw_networks_classify(n, "8618612345678", &op),
			 CW_NET_COMPETITOR);
	ck_assert_str_eq(op, "unicom"); /* 861861 beats 86186 */
	ck_assert_int_eq(cw_networks_classify(n, "8618622345678", &op),
			 CW_NET_OWN);
	ck_assert_str_eq(op, "cmcc"); /* 86186 beats 8618 */
	ck_assert_int_eq(cw_networks_classify(n, "8618722345678", &op),
			 CW_NET_COMPETITOR);
	ck_assert_str_eq(op, "unicom"); /* 8618 beats 861 */
	ck_assert_int_eq(cw_networks_classify(n, "8615000000000", &op),
			 CW_NET_COMPETITOR);
	ck_assert_str_eq(op, "mvno");
	ck_assert_int_eq(cw_networks_classify(n, "8613000000000", &op),
			 CW_NET_OWN);
	cw_networks_free(n);
}
END_TEST

START_TEST(test_networks_errors)
{
	ck_assert_ptr_null(nets("own: cmcc\noperators:\n"
				"  cmcc: {prefixes: [\"86134\"]}\n"
				"  unicom: {prefixes: [\"86130\", \"86134\"]}\n"));
	ck_assert_str_eq(err, "networks.yaml:4:32: prefix \"86134\" is listed "
			      "twice (first for 'cmcc' at line 3, column 21)");
	ck_assert_ptr_null(nets("own: orange\noperators:\n"
				"  cmcc: {prefixes: [\"86134\"]}\n"));
	ck_assert_str_eq(err, "networks.yaml:1:6: own: 'orange' is not one of "
			      "the listed operators");
	ck_assert_ptr_null(nets("own: cmcc\noperators:\n"
				"  cmcc: {prefixes: [\"86-134\"]}\n"));
	ck_assert_ptr_nonnull(strstr(err, "networks.yaml:3:21: prefix \"86-134\" "
					  "must be 1 to 24 digits"));
	ck_assert_ptr_null(nets("own: cmcc\noperators:\n"
				"  cmcc: {prefixes: [\"\"]}\n"));
	ck_assert_ptr_nonnull(strstr(err, "networks.yaml:3:21: prefix"));
	ck_assert_ptr_null(nets("own: cmcc\noperators:\n"
				"  cmcc: {prefixes: [\"1234567890123456789012345\"]}\n"));
	ck_assert_ptr_nonnull(strstr(err, "must be 1 to 24 digits"));
	ck_assert_ptr_null(nets("own: cmcc\noperators:\n"
				"  cmcc: {prefixes: \"86134\"}\n"));
	ck_assert_ptr_nonnull(strstr(err, "networks.yaml:3:20: cmcc: prefixes: "
					  "expected a list"));
	ck_assert_ptr_null(nets("operators:\n  cmcc: {prefixes: []}\n"));
	ck_assert_str_eq(err, "networks.yaml:1:1: missing 'own'");
	ck_assert_ptr_null(nets("own: cmcc\noperators:\n  cmcc: {prefix: []}\n"));
	ck_assert_str_eq(err, "networks.yaml:3:10: cmcc: unknown key 'prefix'");
	ck_assert_ptr_null(nets("own: cmcc\nown2: x\noperators: {}\n"));
	ck_assert_str_eq(err, "networks.yaml:2:1: networks file: unknown key "
			      "'own2'");
}
END_TEST

START_TEST(test_networks_example_file)
{
	char path[PATH_MAX];
	struct cw_networks *n = NULL;

	snprintf(path, sizeof(path), "%s/examples/networks.yaml", CW_SRCDIR);
	ck_assert_msg(cw_networks_load(path, &n, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(cw_networks_prefix_count(n), 22);
	ck_assert_int_eq(cw_networks_classify(n, "8618600000002", NULL),
			 CW_NET_COMPETITOR);
	cw_networks_free(n);
}
END_TEST

CW_CHECK_SUITE(refdata_suite)
{
	Suite *s = suite_create("refdata");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_plans_contract);
	tcase_add_test(tc, test_plans_errors);
	tcase_add_test(tc, test_plans_file);
	tcase_add_test(tc, test_networks_classify);
	tcase_add_test(tc, test_networks_longest_prefix);
	tcase_add_test(tc, test_networks_errors);
	tcase_add_test(tc, test_networks_example_file);
	suite_add_tcase(s, tc);
	return s;
}

