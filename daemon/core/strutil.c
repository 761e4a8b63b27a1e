/*
 * strutil.c — small string helpers shared by the loaders.
 */
#include <stdint.h>

#include "cw/strutil.h"

static char fold(char c, int fold_case)
{
	return fold_case && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t cw_edit_distance(const char *a, size_t la, const char *b, size_t lb,
			int fold_case)
{
	size_t row[CW_EDIT_DISTANCE_MAX_LEN + 1];

	if (la > CW_EDIT_DISTANCE_MAX_LEN || lb > CW_EDIT_DISTANCE_MAX_LEN)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	/* One row of the dynamic programme, kept in place: diag is the
	 * previous row's value left of j. */
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (fold(a[i - 1], fold_case) !=
					      fold(b[j - 1], fold_case));

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

size_t cw_json_scan_str(const char *buf, size_t len, const char *name,
			size_t max, const char **val)
{
	size_t nlen = strlen(name);
	const char *p = buf, *end = buf + len;

	while (nlen && (p = memmem(p, (size_t)(end - p), name, nlen)) != NULL) {
		const char *q = p + nlen, *v;

		p = q;
		if (p - nlen == buf || p[-(long)nlen - 1] != '"' || q >= end || *q != '"')
			continue;
		q++;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= end || *q++ != ':')
			continue;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= end || *q++ != '"')
			continue;
		v = q;
		while (q < end && *q != '"' && *q != '\\' && (size_t)(q - v) <= max)
			q++;
		if (q >= end || *q != '"')
			return 0;
		*val = v;
		return (size_t)(q - v);
	}
	return 0;
}
