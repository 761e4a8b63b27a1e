/*
 * check_main.c — the one main() of the Check test binaries: runs every
 * suite registered with CW_CHECK_SUITE (tests/check_main.h).
 * CK_VERBOSITY in the environment chooses the output (default verbose:
 * the integration suites narrate their scenarios); CK_FORK, CK_RUN_SUITE
 * and CK_RUN_CASE work as Check documents.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"

#define CW_CHECK_SUITES_MAX 32

static cw_check_suite_fn suites[CW_CHECK_SUITES_MAX];
static size_t nsuites;

void cw_check_register(cw_check_suite_fn fn)
{
	if (nsuites == CW_CHECK_SUITES_MAX) {
		fprintf(stderr, "check_main: more than %d suites in one binary\n",
			CW_CHECK_SUITES_MAX);
		abort();
	}
	suites[nsuites++] = fn;
}

int main(void)
{
	SRunner *sr = NULL;
	int failed;

	if (nsuites == 0) {
		fprintf(stderr, "check_main: no suite registered\n");
		return EXIT_FAILURE;
	}
	for (size_t i = 0; i < nsuites; i++) {
		Suite *s = suites[i]();

		if (!sr)
			sr = srunner_create(s);
		else
			srunner_add_suite(sr, s);
	}
	srunner_run_all(sr, getenv("CK_VERBOSITY") ? CK_ENV : CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
