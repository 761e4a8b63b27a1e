/*
 * check_main.h — the main() of a one-TCase Check suite: run it verbosely
 * and turn the failures into an exit status.
 */
#ifndef CW_CHECK_MAIN_H
#define CW_CHECK_MAIN_H

#include <check.h>

static inline int check_run_tcase(const char *suite, TCase *tc)
{
	Suite *s = suite_create(suite);
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
