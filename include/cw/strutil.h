/*
 * strutil.h — small string helpers shared by the loaders (pure, no I/O).
 */
#ifndef CW_STRUTIL_H
#define CW_STRUTIL_H

#include <stddef.h>
#include <string.h>

#define CW_EDIT_DISTANCE_MAX_LEN 127

/*
 * Levenshtein distance between a[0..la) and b[0..lb), ASCII letters
 * compared case-insensitively when fold_case is set: what "did you mean"
 * suggestions rank by. SIZE_MAX when either is longer than
 * CW_EDIT_DISTANCE_MAX_LEN (no suggestion is worth a longer name).
 */
size_t cw_edit_distance(const char *a, size_t la, const char *b, size_t lb,
			int fold_case);

/*
 * The string value of field `name` in a JSON object line, by a light scan
 * that does not parse the line: the first `"name"` followed by `:` and a
 * string. No unescaping: a value holding a backslash, or longer than
 * `max`, is not found. Returns its length and sets *val into buf, or 0.
 * For routing and keying lines that may be invalid (replay, back-test,
 * the outbox) where the daemon's parser would reject the line; it is not
 * a validator.
 */
size_t cw_json_scan_str(const char *buf, size_t len, const char *name,
			size_t max, const char **val);

#endif
