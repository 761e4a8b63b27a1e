/*
 * evscalar.c — the scalar values of a contract event's JSON: strings
 * (well-formed UTF-8, escapes, U+0000 refused) checked in pass 1 and
 * decoded in pass 2, escaped keys compared after decoding, and numbers
 * split from their text and converted exactly to fixed point. See event.c
 * for the decisions the contract leaves open.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cw/event.h"
#include "event_int.h"

/* ------------------------------------------------------------------ */
/* Strings: UTF-8 and escapes                                          */

static int ev_hex4(const unsigned char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (int)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (int)((c | 0x20) - 'a' + 10);
		else
			return -1;
	}
	return v;
}

/*
 * Decode the escape at s[*i] == '\\' into a code point, advancing *i.
 * Surrogates must come in high+low \u pairs; U+0000 is refused.
 */
static int ev_escape(const unsigned char *s, size_t n, size_t *i,
		     uint32_t *cp)
{
	size_t k = *i;
	int hi, lo;

	if (k + 1 >= n)
		return -1;
	switch (s[k + 1]) {
	case '"':
	case '\\':
	case '/':
		*cp = s[k + 1];
		*i = k + 2;
		return 0;
	case 'b':
		*cp = '\b';
		*i = k + 2;
		return 0;
	case 'f':
		*cp = '\f';
		*i = k + 2;
		return 0;
	case 'n':
		*cp = '\n';
		*i = k + 2;
		return 0;
	case 'r':
		*cp = '\r';
		*i = k + 2;
		return 0;
	case 't':
		*cp = '\t';
		*i = k + 2;
		return 0;
	case 'u':
		break;
	default:
		return -1;
	}
	if (k + 6 > n || (hi = ev_hex4(s + k + 2)) < 0 || hi == 0)
		return -1;
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return -1;
	if (hi < 0xD800 || hi > 0xDBFF) {
		*cp = (uint32_t)hi;
		*i = k + 6;
		return 0;
	}
	if (k + 12 > n || s[k + 6] != '\\' || s[k + 7] != 'u' ||
	    (lo = ev_hex4(s + k + 8)) < 0xDC00 || lo > 0xDFFF)
		return -1;
	*cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) +
	      ((uint32_t)lo - 0xDC00);
	*i = k + 12;
	return 0;
}

/* Length of the well-formed UTF-8 sequence at s[i] (lead byte >= 0x80),
 * or 0 if it is not one (overlong, surrogate, > U+10FFFF, truncated). */
static size_t ev_utf8_len(const unsigned char *s, size_t n, size_t i)
{
	unsigned c = s[i], lo = 0x80, hi = 0xBF;
	size_t len;

	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (i + len > n || s[i + 1] < lo || s[i + 1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (s[i + k] < 0x80 || s[i + k] > 0xBF)
			return 0;
	return len;
}

/* Validate a string body. Raw control characters are a JSON syntax error;
 * anything wrong with UTF-8 or escapes is invalid_utf8. */
enum cw_invalid ev_str_check(const char *str, size_t n, bool *esc)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len;
	uint32_t cp;

	*esc = false;
	while (i < n) {
		unsigned c = s[i];

		if (c >= 0x20 && c < 0x80 && c != '\\') {
			i++;
		} else if (c < 0x20) {
			return CW_INVALID_MALFORMED_JSON;
		} else if (c == '\\') {
			*esc = true;
			if (ev_escape(s, n, &i, &cp) < 0)
				return CW_INVALID_UTF8;
		} else if ((len = ev_utf8_len(s, n, i)) > 0) {
			i += len;
		} else {
			return CW_INVALID_UTF8;
		}
	}
	return CW_INVALID_NONE;
}

static size_t ev_utf8_put(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Decode an already validated string value into out (cap bytes including
 * the NUL). Returns the decoded length, or -1 if it does not fit.
 */
int ev_str_decode(const struct ev_val *v, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)v->p;
	size_t i = 0, o = 0;
	unsigned char tmp[4];
	uint32_t cp;

	if (!v->esc) {
		if (v->n >= cap)
			return -1;
		memcpy(out, v->p, v->n);
		out[v->n] = '\0';
		return (int)v->n;
	}
	while (i < v->n) {
		if (s[i] != '\\') {
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)s[i++];
			continue;
		}
		ev_escape(s, v->n, &i, &cp); /* validated in pass 1 */
		size_t k = ev_utf8_put(cp, tmp);
		if (o + k >= cap)
			return -1;
		memcpy(out + o, tmp, k);
		o += k;
	}
	out[o] = '\0';
	return (int)o;
}

/* Byte iterator over a decoded string, for comparing escaped keys. */
struct ev_iter {
	const unsigned char *s;
	size_t n, i;
	unsigned char b[4];
	size_t bl, bp;
};

static int ev_iter_next(struct ev_iter *it)
{
	uint32_t cp;

	if (it->bp < it->bl)
		return it->b[it->bp++];
	if (it->i >= it->n)
		return -1;
	if (it->s[it->i] != '\\')
		return it->s[it->i++];
	ev_escape(it->s, it->n, &it->i, &cp);
	it->bl = ev_utf8_put(cp, it->b);
	it->bp = 1;
	return it->b[0];
}

/* Do two validated raw key bodies decode to the same string? */
bool ev_key_equal(const struct ev_val *a, const struct ev_val *b)
{
	struct ev_iter x = { .s = (const unsigned char *)a->p, .n = a->n };
	struct ev_iter y = { .s = (const unsigned char *)b->p, .n = b->n };
	int ca, cb;

	if (!a->esc && !b->esc)
		return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
	do {
		ca = ev_iter_next(&x);
		cb = ev_iter_next(&y);
		if (ca != cb)
			return false;
	} while (ca >= 0);
	return true;
}

/* ------------------------------------------------------------------ */
/* Numbers                                                             */

bool ev_num_split(const char *s, size_t n, struct ev_num *nm)
{
	size_t i = 0;

	memset(nm, 0, sizeof(*nm));
	if (i < n && s[i] == '-') {
		nm->neg = true;
		i++;
	}
	nm->ip = s + i;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && s[i] >= '1' && s[i] <= '9') {
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return false;
	}
	nm->il = (size_t)(s + i - nm->ip);
	if (i < n && s[i] == '.') {
		nm->fp = s + ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		nm->fl = (size_t)(s + i - nm->fp);
		if (nm->fl == 0)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		bool eneg = false;
		size_t e0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		e0 = i;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (nm->exp < (1 << 20))
				nm->exp = nm->exp * 10 + (s[i] - '0');
			i++;
		}
		if (i == e0)
			return false;
		if (eneg)
			nm->exp = -nm->exp;
	}
	return i == n;
}

static int ev_num_digit(const struct ev_num *nm, size_t j)
{
	return (j < nm->il ? nm->ip[j] : nm->fp[j - nm->il]) - '0';
}

/*
 * Value * 10^scale_pow as a non-negative integer <= max. Money rounds half
 * away from zero on the first dropped digit; integral fields refuse any
 * nonzero dropped digit. Works on the digit text, so it is exact.
 */
int ev_num_fixed(const struct ev_num *nm, int scale_pow, int64_t max,
		 bool integral, int64_t *out)
{
	size_t nd = nm->il + nm->fl, j, first;
	int64_t k = (int64_t)nm->il + nm->exp + scale_pow;
	uint64_t acc = 0;

	for (j = 0; j < nd && ev_num_digit(nm, j) == 0; j++)
		;
	if (j == nd) {
		*out = 0; /* 0, -0, 0.000e9 */
		return 0;
	}
	if (nm->neg)
		return -1;
	/* Leading zeros keep acc at 0; after the first nonzero digit it
	 * exceeds max within ~20 steps, so this loop is short. */
	for (int64_t p = 0; p < k; p++) {
		acc = acc * 10 + (uint64_t)(p < (int64_t)nd ?
					    ev_num_digit(nm, (size_t)p) : 0);
		if (acc > (uint64_t)max)
			return -1;
	}
	first = k > 0 ? (size_t)k : 0;
	if (integral) {
		for (j = first; j < nd; j++)
			if (ev_num_digit(nm, j) != 0)
				return -1;
	} else if (k >= 0 && first < nd && ev_num_digit(nm, first) >= 5) {
		acc++;
	}
	if (acc > (uint64_t)max)
		return -1;
	*out = (int64_t)acc;
	return 0;
}

static bool ev_ieq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n && lit[i]; i++)
		if ((s[i] | 0x20) != lit[i])
			return false;
	return i == n && lit[i] == '\0';
}

/* NaN / Infinity in any case, with an optional sign. */
static bool ev_is_nonfinite(const char *s, size_t n)
{
	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	return ev_ieq(s, n, "nan") || ev_ieq(s, n, "inf") ||
	       ev_ieq(s, n, "infinity");
}

/* Classify a primitive token (jsmn strict: starts with - digit t f n). */
enum cw_invalid ev_prim_classify(const char *s, size_t n,
				 enum ev_vkind *kind)
{
	struct ev_num nm;

	if (n == 4 && memcmp(s, "true", 4) == 0) {
		*kind = V_TRUE;
	} else if (n == 5 && memcmp(s, "false", 5) == 0) {
		*kind = V_FALSE;
	} else if (n == 4 && memcmp(s, "null", 4) == 0) {
		*kind = V_NULL;
	} else if (ev_num_split(s, n, &nm)) {
		*kind = V_NUMBER;
	} else if (ev_is_nonfinite(s, n)) {
		return CW_INVALID_BAD_VALUE;
	} else {
		return CW_INVALID_MALFORMED_JSON;
	}
	return CW_INVALID_NONE;
}
