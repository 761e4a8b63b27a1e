/*
 * strutil.h — small string helpers shared by the loaders (pure, no I/O).
 */
#ifndef CW_STRUTIL_H
#define CW_STRUTIL_H

#include <stddef.h>

#define CW_EDIT_DISTANCE_MAX_LEN 127

/*
 * Levenshtein distance between a[0..la) and b[0..lb), ASCII letters
 * compared case-insensitively when fold_case is set: what "did you mean"
 * suggestions rank by. SIZE_MAX when either is longer than
 * CW_EDIT_DISTANCE_MAX_LEN (no suggestion is worth a longer name).
 */
size_t cw_edit_distance(const char *a, size_t la, const char *b, size_t lb,
			int fold_case);

#endif
