/*
 * sbuf.c — growable printf buffer (see include/cw/sbuf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cw/sbuf.h"

void cw_sbuf_printf(struct cw_sbuf *b, const char *fmt, ...)
{
	va_list ap;

	for (;;) {
		if (b->oom)
			return;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL,
				  b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}
