/*
 * jsonw.h — churnwatch's one JSON writer: canonical events (evjson.c) and
 * alerts (alert.c). Compact output, keys in the order written, strings
 * with only what JSON requires escaped (", \ and control characters; UTF-8
 * passes through), numbers as the caller formats them, so that money and
 * ratios never turn into %.17g noise.
 *
 * Two kinds of buffer: a caller's fixed one (never allocates; `full` is
 * set when it would overflow) or a growing heap one (cap 0, p NULL;
 * `full` on out of memory). Nesting is bounded by CW_JW_DEPTH.
 */
#ifndef CW_JSONW_H
#define CW_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CW_JW_DEPTH 8

struct cw_jw {
	char *p;
	size_t n, cap;
	bool grow;                 /* heap buffer: realloc as needed */
	bool full;                 /* overflow or out of memory: output invalid */
	int depth;
	bool first[CW_JW_DEPTH];   /* no member written yet at this level */
};

/* Write into buf[cap] (fixed) or, with buf NULL, into a growing heap
 * buffer the caller frees (w->p). */
void cw_jw_init(struct cw_jw *w, char *buf, size_t cap);
void cw_jw_obj_begin(struct cw_jw *w, const char *key);  /* key NULL: top/array */
void cw_jw_obj_end(struct cw_jw *w);
/* An array member (key NULL inside an array); its members take key NULL. */
void cw_jw_arr_begin(struct cw_jw *w, const char *key);
void cw_jw_arr_end(struct cw_jw *w);
void cw_jw_str(struct cw_jw *w, const char *key, const char *s);
void cw_jw_int(struct cw_jw *w, const char *key, int64_t v);
void cw_jw_bool(struct cw_jw *w, const char *key, bool v);
/* A number already formatted as JSON number text ("90.72"). */
void cw_jw_num_text(struct cw_jw *w, const char *key, const char *text);
/* Thousandths as a decimal without trailing zeros: 350 -> 0.35. */
void cw_jw_money(struct cw_jw *w, const char *key, int64_t thousandths);
/* NUL-terminate; returns the length, or -ENOSPC when full. */
int cw_jw_finish(struct cw_jw *w);

#endif
