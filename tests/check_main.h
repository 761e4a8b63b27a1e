/*
 * check_main.h — self-registering Check suites. A test file defines its
 * suite with
 *
 *     CW_CHECK_SUITE(engine_suite)
 *     {
 *             Suite *s = suite_create("engine");
 *             ...
 *             return s;
 *     }
 *
 * and has no main(): tests/check_main.c, linked into every test binary,
 * runs all the suites the binary holds. A new test file therefore touches
 * no main and no list of suites, only the meson list of sources.
 */
#ifndef CW_CHECK_MAIN_H
#define CW_CHECK_MAIN_H

#include <check.h>

typedef Suite *(*cw_check_suite_fn)(void);

/* Called before main() by CW_CHECK_SUITE's constructor. */
void cw_check_register(cw_check_suite_fn fn);

#define CW_CHECK_SUITE(fn)                                                  \
	static Suite *fn(void);                                             \
	__attribute__((constructor)) static void fn##_register(void)        \
	{                                                                   \
		cw_check_register(fn);                                      \
	}                                                                   \
	static Suite *fn(void)

/* A suite holding one TCase, named `name`. */
static inline Suite *cw_check_tcase_suite(const char *name, TCase *tc)
{
	Suite *s = suite_create(name);

	suite_add_tcase(s, tc);
	return s;
}

#endif
