/*
 * event.c — parse and validate contract events (CONTRACT §3).
 *
 * The hot path of the daemon. One message is tokenised by jsmn into a
 * fixed on-stack token array, then checked in two passes over the
 * top-level key/value pairs:
 *
 *   1. structure: the bytes between tokens must be exactly the JSON
 *      punctuation (jsmn, even in strict mode, lets `{"a" 1}` or
 *      `{"a":1,}` through), no nested values, every string is valid UTF-8
 *      with valid escapes, every primitive is true/false/null or a
 *      strict JSON number, and no key appears twice;
 *   2. semantics: type first, then the common fields, then the fields the
 *      type requires, each decoded straight into struct cw_event.
 *
 * Nothing is allocated and no string is copied except into the bounded
 * fields of the event.
 *
 * Decisions the contract leaves open, made here:
 *  - Integer fields (duration_s, bytes) take any JSON number whose value
 *    is integral: 60, 60.0 and 6e1 are 60; 60.5 is bad_value.
 *  - Money (charge, amount) is parsed from the decimal text (never via
 *    double) into thousandths, rounded half away from zero.
 *  - Negative numbers are bad_value in every numeric field (-0 is 0).
 *  - NaN/Infinity spellings are bad_value (they are numbers gone wrong);
 *    other broken primitives (`tru`, `01`, `1.`) are malformed_json.
 *  - \u0000 is rejected (invalid_utf8) in every string, known or not: the
 *    rest of the system uses C strings.
 *  - The optional voice `forwarded_to` may be absent, null or "".
 *  - ts: fractions beyond milliseconds are truncated; a leap second (:60)
 *    is rejected as bad_timestamp (POSIX time has none).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "cw/event.h"

#define MONEY_MAX (CW_MONEY_MAX_UNITS * CW_MONEY_SCALE)
#define TS_TEXT_MAX 64 /* longer ts strings are bad_timestamp */
#define MS_PER_DAY 86400000LL

/* Known keys. Anything else is an ignored (but validated) extra field. */
enum ev_field {
	F_EVENT_ID,
	F_TYPE,
	F_SUBSCRIBER,
	F_TS,
	F_DIRECTION,
	F_PEER,
	F_DURATION_S,
	F_CHARGE,
	F_FORWARDED_TO,
	F_BYTES,
	F_PLAN,
	F_PLAN_FROM,
	F_PLAN_TO,
	F_AMOUNT,
	F_PERIOD,
	F_REASON,
	F_FORWARD_TO,
	F__COUNT
};

/* What pass 1 learnt about one value token. */
enum ev_vkind { V_ABSENT = 0, V_STRING, V_NUMBER, V_TRUE, V_FALSE, V_NULL };

struct ev_val {
	enum ev_vkind kind;
	bool esc;        /* string contains backslash escapes */
	const char *p;   /* string body (no quotes) or primitive text */
	size_t n;
};

struct ev_ctx {
	const char *buf;
	struct ev_val f[F__COUNT];
};

/* ------------------------------------------------------------------ */
/* Names                                                               */

static const char *const ev_type_names[CW_EV__COUNT] = {
	[CW_EV_VOICE] = "voice",
	[CW_EV_SMS] = "sms",
	[CW_EV_DATA] = "data",
	[CW_EV_ACTIVATE] = "activate",
	[CW_EV_PLAN_CHANGE] = "plan_change",
	[CW_EV_RECHARGE] = "recharge",
	[CW_EV_INVOICE] = "invoice",
	[CW_EV_PAYMENT] = "payment",
	[CW_EV_SUSPEND] = "suspend",
	[CW_EV_RESUME] = "resume",
	[CW_EV_FORWARD_SET] = "forward_set",
	[CW_EV_FORWARD_CLEAR] = "forward_clear",
	[CW_EV_DEACTIVATE] = "deactivate",
};

static const char *const ev_suspend_names[] = {
	[CW_SUSPEND_NONE] = "",
	[CW_SUSPEND_ARREARS] = "arrears",
	[CW_SUSPEND_REQUEST] = "request",
	[CW_SUSPEND_OTHER] = "other",
};

const char *cw_invalid_str(enum cw_invalid why)
{
	/* No default: a new code must get its string here. */
	switch (why) {
	case CW_INVALID_NONE:
		return "none";
	case CW_INVALID_TOO_LARGE:
		return "too_large";
	case CW_INVALID_MALFORMED_JSON:
		return "malformed_json";
	case CW_INVALID_TOO_COMPLEX:
		return "too_complex";
	case CW_INVALID_NOT_OBJECT:
		return "not_object";
	case CW_INVALID_UTF8:
		return "invalid_utf8";
	case CW_INVALID_DUPLICATE_FIELD:
		return "duplicate_field";
	case CW_INVALID_MISSING_FIELD:
		return "missing_field";
	case CW_INVALID_FIELD_TYPE:
		return "field_type";
	case CW_INVALID_BAD_VALUE:
		return "bad_value";
	case CW_INVALID_UNKNOWN_TYPE:
		return "unknown_type";
	case CW_INVALID_WRONG_TOPIC:
		return "wrong_topic";
	case CW_INVALID_BAD_SUBSCRIBER:
		return "bad_subscriber";
	case CW_INVALID_BAD_TIMESTAMP:
		return "bad_timestamp";
	case CW_INVALID_FUTURE_TIMESTAMP:
		return "future_timestamp";
	case CW_INVALID_ANCIENT_TIMESTAMP:
		return "ancient_timestamp";
	case CW_INVALID_KEY_MISMATCH:
		return "key_mismatch";
	case CW_INVALID__COUNT:
		break;
	}
	return "unknown";
}

const char *cw_event_type_str(enum cw_event_type t)
{
	if ((unsigned)t >= CW_EV__COUNT)
		return "unknown";
	return ev_type_names[t];
}

const char *cw_topic_kind_str(enum cw_topic_kind t)
{
	switch (t) {
	case CW_TOPIC_CDR:
		return "cdr";
	case CW_TOPIC_BILLING:
		return "billing";
	case CW_TOPIC__COUNT:
		break;
	}
	return "unknown";
}

enum cw_topic_kind cw_event_type_topic(enum cw_event_type t)
{
	return t <= CW_EV_DATA ? CW_TOPIC_CDR : CW_TOPIC_BILLING;
}

int cw_event_is_outgoing(const struct cw_event *ev)
{
	switch (ev->type) {
	case CW_EV_VOICE:
	case CW_EV_SMS:
		return ev->direction == CW_DIR_OUT;
	case CW_EV_DATA:
		return 1;
	default:
		return 0;
	}
}

static bool ev_all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int cw_subscriber_valid(const char *s, size_t len)
{
	return len >= CW_SUB_MIN && len <= CW_SUB_MAX && ev_all_digits(s, len);
}

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
static enum cw_invalid ev_str_check(const char *str, size_t n, bool *esc)
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
static int ev_str_decode(const struct ev_val *v, char *out, size_t cap)
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
static bool ev_key_equal(const struct ev_val *a, const struct ev_val *b)
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

/* A JSON number split into its parts. Value = digits(ip ++ fp) *
 * 10^(exp - fl). The exponent is clamped: beyond ±2^20 every value either
 * overflows or rounds to zero anyway. */
struct ev_num {
	bool neg;
	const char *ip, *fp;
	size_t il, fl;
	int64_t exp;
};

static bool ev_num_split(const char *s, size_t n, struct ev_num *nm)
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
static int ev_num_fixed(const struct ev_num *nm, int scale_pow, int64_t max,
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
static enum cw_invalid ev_prim_classify(const char *s, size_t n,
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

/* ------------------------------------------------------------------ */
/* RFC 3339 time                                                       */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
int64_t cw_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void cw_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int ev_days_in_month(int64_t y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* n ASCII digits at s as a number, or -1. */
static int ev_digits_val(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM), 'T'/'Z' in either case.
 * The fraction is truncated to milliseconds. Returns 0 or -1.
 */
int cw_time_parse_rfc3339(const char *s, size_t len, int64_t *ms_out)
{
	int year, mon, day, hh, mi, ss, oh = 0, om = 0, sign = 0, frac = 0;
	size_t i = 19;

	if (len < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	year = ev_digits_val(s, 4);
	mon = ev_digits_val(s + 5, 2);
	day = ev_digits_val(s + 8, 2);
	hh = ev_digits_val(s + 11, 2);
	mi = ev_digits_val(s + 14, 2);
	ss = ev_digits_val(s + 17, 2);
	if (year < 0 || mon < 1 || mon > 12 || day < 1 ||
	    day > ev_days_in_month(year, mon) || hh < 0 || hh > 23 ||
	    mi < 0 || mi > 59 || ss < 0 || ss > 59)
		return -1;
	if (s[i] == '.') {
		size_t f0 = ++i;

		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (i - f0 < 3)
				frac = frac * 10 + (s[i] - '0');
			i++;
		}
		if (i == f0)
			return -1;
		for (size_t k = i - f0; k < 3; k++)
			frac *= 10;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '-' ? -1 : 1;
		if (len - i != 6 || s[i + 3] != ':')
			return -1;
		oh = ev_digits_val(s + i + 1, 2);
		om = ev_digits_val(s + i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		i += 6;
	} else {
		return -1;
	}
	if (i != len)
		return -1;
	int64_t t = cw_days_from_civil(year, mon, day) * 86400 +
		    hh * 3600 + mi * 60 + ss - sign * (oh * 3600 + om * 60);
	*ms_out = t * 1000 + frac;
	return 0;
}

int cw_time_format_rfc3339(int64_t ms, char *out, size_t outlen)
{
	/* Floor division without multiplying back (INT64_MIN must not
	 * overflow). */
	int64_t days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY, y;
	int m, d, n;

	if (rem < 0) {
		rem += MS_PER_DAY;
		days--;
	}

	cw_civil_from_days(days, &y, &m, &d);
	n = snprintf(out, outlen, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
		     (long long)y, m, d, (int)(rem / 3600000),
		     (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
		     (int)(rem % 1000));
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}

void cw_event_limits_default(struct cw_event_limits *lim, int64_t now_ms)
{
	lim->now_ms = now_ms;
	lim->max_future_ms = MS_PER_DAY;
	lim->min_ts_ms = 946684800000LL; /* 2000-01-01T00:00:00Z */
}

/* ------------------------------------------------------------------ */
/* Pass 1: structure                                                   */

/* Known key from its decoded text, or -1. */
static int ev_field_lookup(const char *k, size_t n)
{
#define EV_KEY(lit, f)                                                     \
	if (n == sizeof(lit) - 1 && memcmp(k, lit, sizeof(lit) - 1) == 0)  \
		return f;
	switch (n) {
	case 2:
		EV_KEY("ts", F_TS);
		break;
	case 4:
		EV_KEY("type", F_TYPE);
		EV_KEY("peer", F_PEER);
		EV_KEY("plan", F_PLAN);
		break;
	case 5:
		EV_KEY("bytes", F_BYTES);
		break;
	case 6:
		EV_KEY("charge", F_CHARGE);
		EV_KEY("amount", F_AMOUNT);
		EV_KEY("period", F_PERIOD);
		EV_KEY("reason", F_REASON);
		break;
	case 7:
		EV_KEY("plan_to", F_PLAN_TO);
		break;
	case 8:
		EV_KEY("event_id", F_EVENT_ID);
		break;
	case 9:
		EV_KEY("direction", F_DIRECTION);
		EV_KEY("plan_from", F_PLAN_FROM);
		break;
	case 10:
		EV_KEY("subscriber", F_SUBSCRIBER);
		EV_KEY("duration_s", F_DURATION_S);
		EV_KEY("forward_to", F_FORWARD_TO);
		break;
	case 12:
		EV_KEY("forwarded_to", F_FORWARDED_TO);
		break;
	}
#undef EV_KEY
	return -1;
}

static bool ev_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Skip whitespace, then require `want` (0: nothing) at the token start. */
static bool ev_gap(const char *buf, size_t *p, char want, size_t tok_start)
{
	size_t i = *p;

	while (i < tok_start && ev_is_ws(buf[i]))
		i++;
	if (want) {
		if (i >= tok_start || buf[i] != want)
			return false;
		i++;
		while (i < tok_start && ev_is_ws(buf[i]))
			i++;
	}
	*p = i;
	return i == tok_start;
}

/* Where a token's text begins/ends including quotes. */
static size_t ev_tok_lo(const jsmntok_t *t)
{
	return (size_t)t->start - (t->type == JSMN_STRING);
}

static size_t ev_tok_hi(const jsmntok_t *t)
{
	return (size_t)t->end + (t->type == JSMN_STRING);
}

/*
 * Check the punctuation between tokens: `{` k `:` v (`,` k `:` v)* `}`
 * followed by whitespace only. jsmn itself accepts missing or doubled
 * separators, so this is what makes the grammar strict.
 */
static enum cw_invalid ev_check_layout(const char *buf, size_t len,
				       const jsmntok_t *tok, int ntok)
{
	size_t p = (size_t)tok[0].start + 1;

	/* A second top-level value is trailing garbage, not nesting. */
	for (int i = 1; i < ntok; i++)
		if (tok[i].parent == -1)
			return CW_INVALID_MALFORMED_JSON;
	for (int i = 1; i < ntok; i++)
		if (tok[i].type == JSMN_OBJECT || tok[i].type == JSMN_ARRAY)
			return CW_INVALID_TOO_COMPLEX;
	if (ntok % 2 == 0)
		return CW_INVALID_MALFORMED_JSON;
	for (int i = 1; i < ntok; i += 2) {
		const jsmntok_t *k = &tok[i], *v = &tok[i + 1];

		if (k->type != JSMN_STRING || k->parent != 0 ||
		    v->parent != i ||
		    !ev_gap(buf, &p, i > 1 ? ',' : 0, ev_tok_lo(k)))
			return CW_INVALID_MALFORMED_JSON;
		p = ev_tok_hi(k);
		if (!ev_gap(buf, &p, ':', ev_tok_lo(v)))
			return CW_INVALID_MALFORMED_JSON;
		p = ev_tok_hi(v);
	}
	if (!ev_gap(buf, &p, 0, (size_t)tok[0].end - 1))
		return CW_INVALID_MALFORMED_JSON;
	for (p = (size_t)tok[0].end; p < len; p++)
		if (!ev_is_ws(buf[p]))
			return CW_INVALID_MALFORMED_JSON;
	return CW_INVALID_NONE;
}

static enum cw_invalid ev_scan_value(const char *buf, const jsmntok_t *t,
				     struct ev_val *v)
{
	v->p = buf + t->start;
	v->n = (size_t)(t->end - t->start);
	v->esc = false;
	if (t->type == JSMN_STRING) {
		v->kind = V_STRING;
		return ev_str_check(v->p, v->n, &v->esc);
	}
	return ev_prim_classify(v->p, v->n, &v->kind);
}

/*
 * Validate every key and value, file known fields into c->f and reject
 * duplicates (compared after unescaping, so "a" and "\u0061" clash).
 */
static enum cw_invalid ev_scan_fields(struct ev_ctx *c, const jsmntok_t *tok,
				      int ntok)
{
	struct ev_val unknown[CW_EVENT_MAX_TOKENS / 2];
	size_t nunknown = 0;
	enum cw_invalid r;

	for (int i = 1; i < ntok; i += 2) {
		struct ev_val key, val;
		char kbuf[16];
		int f = -1;

		if ((r = ev_scan_value(c->buf, &tok[i], &key)) ||
		    (r = ev_scan_value(c->buf, &tok[i + 1], &val)))
			return r;
		if (!key.esc) {
			f = ev_field_lookup(key.p, key.n);
		} else if (key.n < 6 * sizeof(kbuf)) {
			int kn = ev_str_decode(&key, kbuf, sizeof(kbuf));

			if (kn >= 0)
				f = ev_field_lookup(kbuf, (size_t)kn);
		}
		if (f >= 0) {
			if (c->f[f].kind != V_ABSENT)
				return CW_INVALID_DUPLICATE_FIELD;
			c->f[f] = val;
			continue;
		}
		for (size_t u = 0; u < nunknown; u++)
			if (ev_key_equal(&unknown[u], &key))
				return CW_INVALID_DUPLICATE_FIELD;
		unknown[nunknown++] = key;
	}
	return CW_INVALID_NONE;
}

/* ------------------------------------------------------------------ */
/* Pass 2: semantics                                                   */

/* Required/optional string field decoded into out[cap]. Errors: missing,
 * field_type, `toolong` if it does not fit. */
static enum cw_invalid ev_get_str(const struct ev_val *v, char *out,
				  size_t cap, enum cw_invalid toolong,
				  int *outlen)
{
	int n;

	if (v->kind == V_ABSENT)
		return CW_INVALID_MISSING_FIELD;
	if (v->kind != V_STRING)
		return CW_INVALID_FIELD_TYPE;
	n = ev_str_decode(v, out, cap);
	if (n < 0)
		return toolong;
	*outlen = n;
	return CW_INVALID_NONE;
}

static enum cw_invalid ev_get_digits(const struct ev_val *v, char *out,
				     bool optional)
{
	enum cw_invalid r;
	int n;

	if (optional && (v->kind == V_ABSENT || v->kind == V_NULL ||
			 (v->kind == V_STRING && v->n == 0)))
		return CW_INVALID_NONE;
	r = ev_get_str(v, out, CW_DIGITS_MAX + 1, CW_INVALID_BAD_VALUE, &n);
	if (r)
		return r;
	if (n == 0 || !ev_all_digits(out, (size_t)n))
		return CW_INVALID_BAD_VALUE;
	return CW_INVALID_NONE;
}

static enum cw_invalid ev_get_num(const struct ev_val *v, int scale_pow,
				  int64_t max, bool integral, int64_t *out)
{
	struct ev_num nm;

	if (v->kind == V_ABSENT)
		return CW_INVALID_MISSING_FIELD;
	if (v->kind != V_NUMBER)
		return CW_INVALID_FIELD_TYPE;
	ev_num_split(v->p, v->n, &nm);
	if (ev_num_fixed(&nm, scale_pow, max, integral, out) < 0)
		return CW_INVALID_BAD_VALUE;
	return CW_INVALID_NONE;
}

static enum cw_invalid ev_get_money(const struct ev_val *v, int64_t *out)
{
	return ev_get_num(v, 3, MONEY_MAX, false, out);
}

/* A short enumerated string: index into names[1..count), or bad_value. */
static enum cw_invalid ev_get_enum(const struct ev_val *v,
				   const char *const *names, int count,
				   int *out)
{
	char buf[16];
	enum cw_invalid r;
	int n;

	r = ev_get_str(v, buf, sizeof(buf), CW_INVALID_BAD_VALUE, &n);
	if (r)
		return r;
	for (int i = 1; i < count; i++) {
		if (strcmp(buf, names[i]) == 0) {
			*out = i;
			return CW_INVALID_NONE;
		}
	}
	return CW_INVALID_BAD_VALUE;
}

static enum cw_invalid ev_get_plan(const struct ev_val *v, char *out)
{
	enum cw_invalid r;
	int n;

	r = ev_get_str(v, out, CW_PLAN_MAX + 1, CW_INVALID_BAD_VALUE, &n);
	if (r)
		return r;
	return n > 0 ? CW_INVALID_NONE : CW_INVALID_BAD_VALUE;
}

/* "YYYY-MM" -> year*12 + month-1. */
static enum cw_invalid ev_get_period(const struct ev_val *v, int32_t *out)
{
	char buf[8];
	enum cw_invalid r;
	int n, y, m;

	r = ev_get_str(v, buf, sizeof(buf), CW_INVALID_BAD_VALUE, &n);
	if (r)
		return r;
	if (n != 7 || buf[4] != '-')
		return CW_INVALID_BAD_VALUE;
	y = ev_digits_val(buf, 4);
	m = ev_digits_val(buf + 5, 2);
	if (y < 0 || m < 1 || m > 12)
		return CW_INVALID_BAD_VALUE;
	*out = y * 12 + m - 1;
	return CW_INVALID_NONE;
}

static enum cw_invalid ev_get_type(const struct ev_ctx *c,
				   enum cw_topic_kind topic,
				   enum cw_event_type *out)
{
	char buf[16];
	enum cw_invalid r;
	int n;

	r = ev_get_str(&c->f[F_TYPE], buf, sizeof(buf),
		       CW_INVALID_UNKNOWN_TYPE, &n);
	if (r)
		return r;
	for (int t = 0; t < CW_EV__COUNT; t++) {
		if (strcmp(buf, ev_type_names[t]) != 0)
			continue;
		if (cw_event_type_topic((enum cw_event_type)t) != topic)
			return CW_INVALID_WRONG_TOPIC;
		*out = (enum cw_event_type)t;
		return CW_INVALID_NONE;
	}
	return CW_INVALID_UNKNOWN_TYPE;
}

static enum cw_invalid ev_get_common(const struct ev_ctx *c,
				     const char *key, size_t keylen,
				     const struct cw_event_limits *lim,
				     struct cw_event *ev)
{
	char ts[TS_TEXT_MAX + 1];
	enum cw_invalid r;
	int n;

	r = ev_get_str(&c->f[F_EVENT_ID], ev->event_id,
		       sizeof(ev->event_id), CW_INVALID_BAD_VALUE, &n);
	if (r)
		return r;
	/* event_id becomes Redis key material: printable ASCII only. */
	if (n == 0)
		return CW_INVALID_BAD_VALUE;
	for (int i = 0; i < n; i++)
		if (ev->event_id[i] < 0x20 || ev->event_id[i] > 0x7e)
			return CW_INVALID_BAD_VALUE;

	r = ev_get_str(&c->f[F_SUBSCRIBER], ev->subscriber,
		       sizeof(ev->subscriber), CW_INVALID_BAD_SUBSCRIBER, &n);
	if (r)
		return r;
	if (!cw_subscriber_valid(ev->subscriber, (size_t)n))
		return CW_INVALID_BAD_SUBSCRIBER;
	if (key != NULL && keylen > 0 &&
	    (keylen != (size_t)n || memcmp(key, ev->subscriber, keylen) != 0))
		return CW_INVALID_KEY_MISMATCH;

	r = ev_get_str(&c->f[F_TS], ts, sizeof(ts), CW_INVALID_BAD_TIMESTAMP,
		       &n);
	if (r)
		return r;
	if (cw_time_parse_rfc3339(ts, (size_t)n, &ev->ts_ms) < 0)
		return CW_INVALID_BAD_TIMESTAMP;
	if (ev->ts_ms > lim->now_ms + lim->max_future_ms)
		return CW_INVALID_FUTURE_TIMESTAMP;
	if (ev->ts_ms < lim->min_ts_ms)
		return CW_INVALID_ANCIENT_TIMESTAMP;
	return CW_INVALID_NONE;
}

static enum cw_invalid ev_get_direction(const struct ev_ctx *c,
					struct cw_event *ev)
{
	static const char *const names[] = { "", "out", "in" };
	int d;
	enum cw_invalid r = ev_get_enum(&c->f[F_DIRECTION], names, 3, &d);

	if (!r)
		ev->direction = (enum cw_direction)d;
	return r;
}

/* The fields each type requires, in contract order. */
static enum cw_invalid ev_get_typed(const struct ev_ctx *c,
				    struct cw_event *ev)
{
	const struct ev_val *f = c->f;
	enum cw_invalid r = CW_INVALID_NONE;
	int e;

	switch (ev->type) {
	case CW_EV_VOICE:
		if ((r = ev_get_direction(c, ev)) ||
		    (r = ev_get_digits(&f[F_PEER], ev->peer, false)) ||
		    (r = ev_get_num(&f[F_DURATION_S], 0, CW_DURATION_MAX_S,
				    true, &ev->duration_s)) ||
		    (r = ev_get_money(&f[F_CHARGE], &ev->charge)) ||
		    (r = ev_get_digits(&f[F_FORWARDED_TO], ev->forwarded_to,
				       true)))
			return r;
		break;
	case CW_EV_SMS:
		if ((r = ev_get_direction(c, ev)) ||
		    (r = ev_get_digits(&f[F_PEER], ev->peer, false)) ||
		    (r = ev_get_money(&f[F_CHARGE], &ev->charge)))
			return r;
		break;
	case CW_EV_DATA:
		if ((r = ev_get_num(&f[F_BYTES], 0, CW_BYTES_MAX, true,
				    &ev->bytes)) ||
		    (r = ev_get_money(&f[F_CHARGE], &ev->charge)))
			return r;
		break;
	case CW_EV_ACTIVATE:
		r = ev_get_plan(&f[F_PLAN], ev->plan);
		break;
	case CW_EV_PLAN_CHANGE:
		if ((r = ev_get_plan(&f[F_PLAN_FROM], ev->plan_from)) ||
		    (r = ev_get_plan(&f[F_PLAN_TO], ev->plan_to)))
			return r;
		break;
	case CW_EV_RECHARGE:
	case CW_EV_PAYMENT:
		r = ev_get_money(&f[F_AMOUNT], &ev->amount);
		break;
	case CW_EV_INVOICE:
		if ((r = ev_get_period(&f[F_PERIOD], &ev->period)) ||
		    (r = ev_get_money(&f[F_AMOUNT], &ev->amount)))
			return r;
		break;
	case CW_EV_SUSPEND:
		r = ev_get_enum(&f[F_REASON], ev_suspend_names, 4, &e);
		if (!r)
			ev->suspend_reason = (enum cw_suspend_reason)e;
		break;
	case CW_EV_FORWARD_SET:
		r = ev_get_digits(&f[F_FORWARD_TO], ev->forwarded_to, false);
		break;
	case CW_EV_DEACTIVATE:
		r = ev_get_str(&f[F_REASON], ev->reason, sizeof(ev->reason),
			       CW_INVALID_BAD_VALUE, &e);
		break;
	case CW_EV_RESUME:
	case CW_EV_FORWARD_CLEAR:
	case CW_EV__COUNT:
		break;
	}
	return r;
}

/* First non-whitespace byte decides "not an object" without tokenising. */
static enum cw_invalid ev_check_top(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && ev_is_ws(buf[i]))
		i++;
	if (i == len)
		return CW_INVALID_MALFORMED_JSON;
	if (buf[i] == '{')
		return CW_INVALID_NONE;
	if (strchr("[\"-0123456789tfn", buf[i]) != NULL && buf[i] != '\0')
		return CW_INVALID_NOT_OBJECT;
	return CW_INVALID_MALFORMED_JSON;
}

static enum cw_invalid ev_parse(const char *buf, size_t len,
				enum cw_topic_kind topic, const char *key,
				size_t keylen,
				const struct cw_event_limits *lim,
				struct cw_event *ev)
{
	jsmntok_t tok[CW_EVENT_MAX_TOKENS];
	struct ev_ctx c;
	jsmn_parser jp;
	enum cw_invalid r;
	int ntok;

	if (len > CW_EVENT_MAX_BYTES)
		return CW_INVALID_TOO_LARGE;
	if ((r = ev_check_top(buf, len)))
		return r;
	jsmn_init(&jp);
	ntok = jsmn_parse(&jp, buf, len, tok, CW_EVENT_MAX_TOKENS);
	if (ntok == JSMN_ERROR_NOMEM)
		return CW_INVALID_TOO_COMPLEX;
	if (ntok < 1)
		return CW_INVALID_MALFORMED_JSON;
	if ((r = ev_check_layout(buf, len, tok, ntok)))
		return r;

	memset(&c, 0, sizeof(c));
	c.buf = buf;
	if ((r = ev_scan_fields(&c, tok, ntok)))
		return r;

	memset(ev, 0, sizeof(*ev));
	ev->topic = topic;
	if ((r = ev_get_type(&c, topic, &ev->type)) ||
	    (r = ev_get_common(&c, key, keylen, lim, ev)))
		return r;
	return ev_get_typed(&c, ev);
}

int cw_event_parse(const char *buf, size_t len, enum cw_topic_kind topic,
		   const char *key, size_t keylen,
		   const struct cw_event_limits *lim, struct cw_event *ev,
		   enum cw_invalid *why)
{
	enum cw_invalid r = ev_parse(buf, len, topic, key, keylen, lim, ev);

	*why = r;
	return r == CW_INVALID_NONE ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Serialisation                                                       */

struct ev_out {
	char *p;
	size_t n, cap;
	bool full;
};

static void ev_put(struct ev_out *w, const char *s, size_t n)
{
	if (w->full || n >= w->cap - w->n) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->n, s, n);
	w->n += n;
}

static void ev_put_key(struct ev_out *w, const char *key)
{
	ev_put(w, w->n > 1 ? ",\"" : "\"", w->n > 1 ? 2 : 1);
	ev_put(w, key, strlen(key));
	ev_put(w, "\":", 2);
}

/* A decoded (valid UTF-8) string as a JSON string literal. */
static void ev_put_str(struct ev_out *w, const char *key, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	ev_put_key(w, key);
	ev_put(w, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			char e[2] = { '\\', (char)ch };

			ev_put(w, e, 2);
		} else if (ch < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[ch >> 4],
				      hex[ch & 15] };

			ev_put(w, e, 6);
		} else {
			ev_put(w, s, 1);
		}
	}
	ev_put(w, "\"", 1);
}

static void ev_put_int(struct ev_out *w, const char *key, int64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%lld", (long long)v);

	ev_put_key(w, key);
	ev_put(w, num, (size_t)n);
}

/* Thousandths as a decimal without trailing zeros: 350 -> 0.35. */
static void ev_put_money(struct ev_out *w, const char *key, int64_t v)
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
	ev_put_key(w, key);
	ev_put(w, num, (size_t)n);
}

static void ev_put_typed(struct ev_out *w, const struct cw_event *ev)
{
	static const char *const dirs[] = { "", "out", "in" };
	char period[16];

	switch (ev->type) {
	case CW_EV_VOICE:
	case CW_EV_SMS:
		ev_put_str(w, "direction", dirs[ev->direction % 3]);
		ev_put_str(w, "peer", ev->peer);
		if (ev->type == CW_EV_VOICE)
			ev_put_int(w, "duration_s", ev->duration_s);
		ev_put_money(w, "charge", ev->charge);
		if (ev->type == CW_EV_VOICE && ev->forwarded_to[0])
			ev_put_str(w, "forwarded_to", ev->forwarded_to);
		break;
	case CW_EV_DATA:
		ev_put_int(w, "bytes", ev->bytes);
		ev_put_money(w, "charge", ev->charge);
		break;
	case CW_EV_ACTIVATE:
		ev_put_str(w, "plan", ev->plan);
		break;
	case CW_EV_PLAN_CHANGE:
		ev_put_str(w, "plan_from", ev->plan_from);
		ev_put_str(w, "plan_to", ev->plan_to);
		break;
	case CW_EV_INVOICE:
		snprintf(period, sizeof(period), "%04d-%02d",
			 (int)(ev->period / 12), (int)(ev->period % 12 + 1));
		ev_put_str(w, "period", period);
		/* fall through */
	case CW_EV_RECHARGE:
	case CW_EV_PAYMENT:
		ev_put_money(w, "amount", ev->amount);
		break;
	case CW_EV_SUSPEND:
		ev_put_str(w, "reason",
			   ev_suspend_names[ev->suspend_reason % 4]);
		break;
	case CW_EV_FORWARD_SET:
		ev_put_str(w, "forward_to", ev->forwarded_to);
		break;
	case CW_EV_DEACTIVATE:
		ev_put_str(w, "reason", ev->reason);
		break;
	case CW_EV_RESUME:
	case CW_EV_FORWARD_CLEAR:
	case CW_EV__COUNT:
		break;
	}
}

int cw_event_to_json(const struct cw_event *ev, char *out, size_t outlen)
{
	struct ev_out w = { .p = out, .cap = outlen };
	char ts[32];

	if ((unsigned)ev->type >= CW_EV__COUNT || outlen == 0 ||
	    cw_time_format_rfc3339(ev->ts_ms, ts, sizeof(ts)) < 0)
		return -1;
	ev_put(&w, "{", 1);
	ev_put_str(&w, "event_id", ev->event_id);
	ev_put_str(&w, "type", ev_type_names[ev->type]);
	ev_put_str(&w, "subscriber", ev->subscriber);
	ev_put_str(&w, "ts", ts);
	ev_put_typed(&w, ev);
	ev_put(&w, "}", 1);
	if (w.full)
		return -1;
	out[w.n] = '\0';
	return (int)w.n;
}
