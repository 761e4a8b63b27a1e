/*
 * sbuf.h — a growable text buffer with printf (the /metrics exposition,
 * churnctl inspect). Out of memory is sticky: later calls do nothing and
 * the caller checks `oom` once at the end.
 */
#ifndef CW_SBUF_H
#define CW_SBUF_H

#include <stddef.h>

struct cw_sbuf {
	char *p;         /* NUL-terminated once anything was written; caller frees */
	size_t len, cap;
	int oom;
};

void cw_sbuf_printf(struct cw_sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
