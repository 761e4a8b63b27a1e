/*
 * jsonw.c — the one JSON writer (see include/cw/jsonw.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/event.h"
#include "cw/jsonw.h"

void cw_jw_init(struct cw_jw *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->p = buf;
	w->cap = buf ? cap : 0;
	w->grow = buf == NULL;
	w->first[0] = true;
}

/* Room for n more bytes and the final NUL. */
static bool jw_room(struct cw_jw *w, size_t n)
{
	if (w->full)
		return false;
	if (w->n + n < w->cap)
		return true;
	if (!w->grow) {
		w->full = true;
		return false;
	}
	size_t cap = w->cap ? w->cap : 512;
	while (w->n + n >= cap)
		cap *= 2;
	char *np = realloc(w->p, cap);
	if (!np) {
		w->full = true;
		return false;
	}
	w->p = np;
	w->cap = cap;
	return true;
}

static void jw_put(struct cw_jw *w, const char *s, size_t n)
{
	if (!jw_room(w, n))
		return;
	memcpy(w->p + w->n, s, n);
	w->n += n;
}

static void jw_string(struct cw_jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	jw_put(w, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			char e[2] = {'\\', (char)ch};
			jw_put(w, e, 2);
		} else if (ch < 0x20) {
			char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
			jw_put(w, e, 6);
		} else {
			const char *run = s;
			while (s[1] && (unsigned char)s[1] >= 0x20 && s[1] != '"' && s[1] != '\\')
				s++;
			jw_put(w, run, (size_t)(s - run) + 1);
		}
	}
	jw_put(w, "\"", 1);
}

/* The separator and key before a member. */
static void jw_member(struct cw_jw *w, const char *key)
{
	if (!w->first[w->depth])
		jw_put(w, ",", 1);
	w->first[w->depth] = false;
	if (key) {
		jw_string(w, key);
		jw_put(w, ":", 1);
	}
}

void cw_jw_obj_begin(struct cw_jw *w, const char *key)
{
	if (w->depth > 0 || key)
		jw_member(w, key);
	jw_put(w, "{", 1);
	if (w->depth + 1 >= CW_JW_DEPTH) {
		w->full = true;
		return;
	}
	w->first[++w->depth] = true;
}

void cw_jw_obj_end(struct cw_jw *w)
{
	jw_put(w, "}", 1);
	if (w->depth > 0)
		w->depth--;
}

void cw_jw_arr_begin(struct cw_jw *w, const char *key)
{
	if (w->depth > 0 || key)
		jw_member(w, key);
	jw_put(w, "[", 1);
	if (w->depth + 1 >= CW_JW_DEPTH) {
		w->full = true;
		return;
	}
	w->first[++w->depth] = true;
}

void cw_jw_arr_end(struct cw_jw *w)
{
	jw_put(w, "]", 1);
	if (w->depth > 0)
		w->depth--;
}

void cw_jw_str(struct cw_jw *w, const char *key, const char *s)
{
	jw_member(w, key);
	jw_string(w, s ? s : "");
}

void cw_jw_int(struct cw_jw *w, const char *key, int64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%lld", (long long)v);

	jw_member(w, key);
	jw_put(w, num, (size_t)n);
}

void cw_jw_bool(struct cw_jw *w, const char *key, bool v)
{
	jw_member(w, key);
	jw_put(w, v ? "true" : "false", v ? 4 : 5);
}

void cw_jw_num_text(struct cw_jw *w, const char *key, const char *text)
{
	jw_member(w, key);
	jw_put(w, text, strlen(text));
}

void cw_jw_money(struct cw_jw *w, const char *key, int64_t v)
{
	char num[48];
	uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int n = snprintf(num, sizeof(num), "%s%llu.%03u", v < 0 ? "-" : "",
			 (unsigned long long)(a / CW_MONEY_SCALE),
			 (unsigned)(a % CW_MONEY_SCALE));

	while (num[n - 1] == '0')
		n--;
	if (num[n - 1] == '.')
		n--;
	num[n] = '\0';
	cw_jw_num_text(w, key, num);
}

int cw_jw_finish(struct cw_jw *w)
{
	if (w->full || !jw_room(w, 0))
		return -ENOSPC;
	w->p[w->n] = '\0';
	return (int)w->n;
}
