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
 * The rest of the event module:
 *
 *   evscalar.c  JSON strings (UTF-8, escapes) and numbers, checked and
 *               decoded
 *   evtime.c    RFC 3339 timestamps and the proleptic Gregorian calendar
 *   evjson.c    canonical JSON output (cw_event_to_json)
 *   event_int.h what they share with this file
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
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "cw/event.h"
#include "event_int.h"

#define MONEY_MAX (CW_MONEY_MAX_UNITS * CW_MONEY_SCALE)
#define TS_TEXT_MAX 64 /* longer ts strings are bad_timestamp */

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
	F_COMMITMENT_END,
	F_DUE,
	F_KIND,
	F_CHANNEL,
	F_TASK_ID,
	F_ALERT_ID,
	F_AGENT,
	F_RESULT,
	F_OFFER,
	F_COST,
	F_OUTCOME,
	F_REGION,
	F_IMEI,
	F__COUNT
};

struct ev_ctx {
	const char *buf;
	struct ev_val f[F__COUNT];
};

/* ------------------------------------------------------------------ */
/* Names                                                               */

const char *const ev_type_names[CW_EV__COUNT] = {
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
	[CW_EV_PORTOUT_REQUEST] = "portout_request",
	[CW_EV_PROFILE] = "profile",
	[CW_EV_CONTACT] = "contact",
	[CW_EV_OFFER] = "offer",
	[CW_EV_OUTCOME] = "outcome",
};

static const char *const ev_channel_names[CW_CHANNEL__COUNT] = {
	"", "call", "sms", "visit", "store",
};
static const char *const ev_result_names[CW_RESULT__COUNT] = {
	"", "reached", "no_answer", "refused",
};
static const char *const ev_outcome_names[CW_OUTCOME__COUNT] = {
	"", "saved", "lost", "pending",
};

const char *cw_contact_channel_str(enum cw_contact_channel c)
{
	return c > CW_CHANNEL_NONE && c < CW_CHANNEL__COUNT ? ev_channel_names[c] : "";
}

const char *cw_contact_result_str(enum cw_contact_result r)
{
	return r > CW_RESULT_NONE && r < CW_RESULT__COUNT ? ev_result_names[r] : "";
}

const char *cw_outcome_str(enum cw_outcome o)
{
	return o > CW_OUTCOME_NONE && o < CW_OUTCOME__COUNT ? ev_outcome_names[o] : "";
}

const char *const ev_suspend_names[] = {
	[CW_SUSPEND_NONE] = "",
	[CW_SUSPEND_ARREARS] = "arrears",
	[CW_SUSPEND_REQUEST] = "request",
	[CW_SUSPEND_FRAUD] = "fraud",
	[CW_SUSPEND_OTHER] = "other",
};

const char *const ev_portout_names[] = {
	[CW_PORTOUT_NONE] = "",
	[CW_PORTOUT_AUTH_CODE] = "auth_code",
	[CW_PORTOUT_DEACTIVATION_ENQUIRY] = "deactivation_enquiry",
};

const char *cw_suspend_reason_str(enum cw_suspend_reason r)
{
	return r > CW_SUSPEND_NONE && r <= CW_SUSPEND_OTHER ? ev_suspend_names[r]
							    : "none";
}

const char *cw_portout_kind_str(enum cw_portout_kind k)
{
	return k == CW_PORTOUT_AUTH_CODE || k == CW_PORTOUT_DEACTIVATION_ENQUIRY
		       ? ev_portout_names[k]
		       : "";
}

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
	case CW_INVALID_UNKNOWN_TASK:
		return "unknown_task";
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
	case CW_TOPIC_RETENTION:
		return "retention";
	case CW_TOPIC__COUNT:
		break;
	}
	return "unknown";
}

int cw_event_type_lookup(const char *name, size_t len)
{
	for (int t = 0; t < CW_EV__COUNT; t++)
		if (strlen(ev_type_names[t]) == len && !memcmp(ev_type_names[t], name, len))
			return t;
	return -1;
}

enum cw_topic_kind cw_event_type_topic(enum cw_event_type t)
{
	if (t <= CW_EV_DATA)
		return CW_TOPIC_CDR;
	return t >= CW_EV_CONTACT ? CW_TOPIC_RETENTION : CW_TOPIC_BILLING;
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
	case 3:
		EV_KEY("due", F_DUE);
		break;
	case 4:
		EV_KEY("type", F_TYPE);
		EV_KEY("peer", F_PEER);
		EV_KEY("plan", F_PLAN);
		EV_KEY("kind", F_KIND);
		EV_KEY("imei", F_IMEI);
		EV_KEY("cost", F_COST);
		break;
	case 5:
		EV_KEY("bytes", F_BYTES);
		EV_KEY("agent", F_AGENT);
		EV_KEY("offer", F_OFFER);
		break;
	case 6:
		EV_KEY("charge", F_CHARGE);
		EV_KEY("amount", F_AMOUNT);
		EV_KEY("period", F_PERIOD);
		EV_KEY("reason", F_REASON);
		EV_KEY("result", F_RESULT);
		EV_KEY("region", F_REGION);
		break;
	case 7:
		EV_KEY("plan_to", F_PLAN_TO);
		EV_KEY("channel", F_CHANNEL);
		EV_KEY("task_id", F_TASK_ID);
		EV_KEY("outcome", F_OUTCOME);
		break;
	case 8:
		EV_KEY("event_id", F_EVENT_ID);
		EV_KEY("alert_id", F_ALERT_ID);
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
	case 14:
		EV_KEY("commitment_end", F_COMMITMENT_END);
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

/* The handset of a CDR: 14-16 digits, optional. */
static enum cw_invalid ev_get_imei(const struct ev_val *v, char *out)
{
	enum cw_invalid r;
	int n;

	out[0] = '\0';
	if (v->kind == V_ABSENT || v->kind == V_NULL)
		return CW_INVALID_NONE;
	r = ev_get_str(v, out, CW_IMEI_MAX + 1, CW_INVALID_BAD_VALUE, &n);
	if (r)
		return r;
	if (n < CW_IMEI_MIN || !ev_all_digits(out, (size_t)n))
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
	char buf[32];
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

/* An optional date: "YYYY-MM-DD" (00:00 UTC of that day) or an RFC 3339
 * time; absent, null or "" leave *out 0. */
static enum cw_invalid ev_get_date_opt(const struct ev_val *v, int64_t *out)
{
	char buf[TS_TEXT_MAX];
	enum cw_invalid r;
	int n, y, m, d;

	*out = 0;
	if (v->kind == V_ABSENT || v->kind == V_NULL ||
	    (v->kind == V_STRING && v->n == 0))
		return CW_INVALID_NONE;
	r = ev_get_str(v, buf, sizeof(buf), CW_INVALID_BAD_VALUE, &n);
	if (r)
		return r;
	if (n == 10 && buf[4] == '-' && buf[7] == '-') {
		y = ev_digits_val(buf, 4);
		m = ev_digits_val(buf + 5, 2);
		d = ev_digits_val(buf + 8, 2);
		if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
			return CW_INVALID_BAD_VALUE;
		*out = cw_days_from_civil(y, m, d) * MS_PER_DAY;
		return *out > 0 ? CW_INVALID_NONE : CW_INVALID_BAD_VALUE;
	}
	if (cw_time_parse_rfc3339(buf, (size_t)n, out) < 0 || *out <= 0)
		return CW_INVALID_BAD_VALUE;
	return CW_INVALID_NONE;
}

/* An optional bounded string; absent or null leave out "". */
static enum cw_invalid ev_get_str_opt(const struct ev_val *v, char *out,
				      size_t cap)
{
	int n;

	out[0] = '\0';
	if (v->kind == V_ABSENT || v->kind == V_NULL)
		return CW_INVALID_NONE;
	return ev_get_str(v, out, cap, CW_INVALID_BAD_VALUE, &n);
}

/* The task a retention event is about: task_id, or alert_id (an alert
 * of the task: the daemon finds its task), 32 lowercase hex digits. */
static enum cw_invalid ev_get_task(const struct ev_ctx *c, char *out)
{
	const struct ev_val *v = c->f[F_TASK_ID].kind != V_ABSENT ? &c->f[F_TASK_ID]
								   : &c->f[F_ALERT_ID];
	enum cw_invalid r;
	int n;

	r = ev_get_str(v, out, CW_TASK_REF_LEN + 1, CW_INVALID_BAD_VALUE, &n);
	if (r)
		return r;
	if (n != CW_TASK_REF_LEN)
		return CW_INVALID_BAD_VALUE;
	for (int i = 0; i < n; i++)
		if (!((out[i] >= '0' && out[i] <= '9') || (out[i] >= 'a' && out[i] <= 'f')))
			return CW_INVALID_BAD_VALUE;
	return CW_INVALID_NONE;
}

/* An agent id: 1-32 of [A-Za-z0-9_.@-] (a label in reports and metrics). */
/* A name of 1..cap-1 bytes of [A-Za-z0-9_.-] and the bytes of `extra`;
 * absent or null is "" when optional. */
static enum cw_invalid ev_get_name(const struct ev_val *v, char *out, size_t cap,
				   const char *extra, bool optional)
{
	enum cw_invalid r;
	int n;

	out[0] = '\0';
	if (optional && (v->kind == V_ABSENT || v->kind == V_NULL))
		return CW_INVALID_NONE;
	r = ev_get_str(v, out, cap, CW_INVALID_BAD_VALUE, &n);
	if (r)
		return r;
	if (n == 0)
		return CW_INVALID_BAD_VALUE;
	for (int i = 0; i < n; i++) {
		char ch = out[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= 'A' && ch <= 'Z') || strchr("_.-", ch) ||
		      strchr(extra, ch)))
			return CW_INVALID_BAD_VALUE;
	}
	return CW_INVALID_NONE;
}

static enum cw_invalid ev_get_agent(const struct ev_val *v, char *out,
				    bool optional)
{
	return ev_get_name(v, out, CW_AGENT_MAX + 1, "@", optional);
}

static enum cw_invalid ev_get_region(const struct ev_val *v, char *out,
				     bool optional)
{
	return ev_get_name(v, out, CW_REGION_MAX + 1, "", optional);
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
				       true)) ||
		    (r = ev_get_imei(&f[F_IMEI], ev->imei)))
			return r;
		break;
	case CW_EV_SMS:
		if ((r = ev_get_direction(c, ev)) ||
		    (r = ev_get_digits(&f[F_PEER], ev->peer, false)) ||
		    (r = ev_get_money(&f[F_CHARGE], &ev->charge)) ||
		    (r = ev_get_imei(&f[F_IMEI], ev->imei)))
			return r;
		break;
	case CW_EV_DATA:
		if ((r = ev_get_num(&f[F_BYTES], 0, CW_BYTES_MAX, true,
				    &ev->bytes)) ||
		    (r = ev_get_money(&f[F_CHARGE], &ev->charge)) ||
		    (r = ev_get_imei(&f[F_IMEI], ev->imei)))
			return r;
		break;
	case CW_EV_ACTIVATE:
		if ((r = ev_get_plan(&f[F_PLAN], ev->plan)) ||
		    (r = ev_get_date_opt(&f[F_COMMITMENT_END],
					 &ev->commitment_end_ms)) ||
		    (r = ev_get_region(&f[F_REGION], ev->region, true)))
			return r;
		break;
	case CW_EV_PROFILE:
		r = ev_get_region(&f[F_REGION], ev->region, false);
		break;
	case CW_EV_PLAN_CHANGE:
		if ((r = ev_get_plan(&f[F_PLAN_FROM], ev->plan_from)) ||
		    (r = ev_get_plan(&f[F_PLAN_TO], ev->plan_to)) ||
		    (r = ev_get_date_opt(&f[F_COMMITMENT_END],
					 &ev->commitment_end_ms)))
			return r;
		break;
	case CW_EV_RECHARGE:
	case CW_EV_PAYMENT:
		r = ev_get_money(&f[F_AMOUNT], &ev->amount);
		break;
	case CW_EV_INVOICE:
		if ((r = ev_get_period(&f[F_PERIOD], &ev->period)) ||
		    (r = ev_get_money(&f[F_AMOUNT], &ev->amount)) ||
		    (r = ev_get_date_opt(&f[F_DUE], &ev->due_ms)))
			return r;
		break;
	case CW_EV_PORTOUT_REQUEST:
		if ((r = ev_get_enum(&f[F_KIND], ev_portout_names, 3, &e)))
			return r;
		ev->portout_kind = (enum cw_portout_kind)e;
		r = ev_get_str_opt(&f[F_CHANNEL], ev->channel, sizeof(ev->channel));
		break;
	case CW_EV_SUSPEND:
		r = ev_get_enum(&f[F_REASON], ev_suspend_names, 5, &e);
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
	case CW_EV_CONTACT:
		if ((r = ev_get_task(c, ev->task_id)) ||
		    (r = ev_get_agent(&f[F_AGENT], ev->agent, false)) ||
		    (r = ev_get_enum(&f[F_CHANNEL], ev_channel_names,
				     CW_CHANNEL__COUNT, &e)))
			return r;
		ev->contact_channel = (enum cw_contact_channel)e;
		if ((r = ev_get_enum(&f[F_RESULT], ev_result_names,
				     CW_RESULT__COUNT, &e)))
			return r;
		ev->contact_result = (enum cw_contact_result)e;
		break;
	case CW_EV_OFFER:
		if ((r = ev_get_task(c, ev->task_id)) ||
		    (r = ev_get_plan(&f[F_OFFER], ev->offer)) ||
		    (r = ev_get_money(&f[F_COST], &ev->amount)) ||
		    (r = ev_get_agent(&f[F_AGENT], ev->agent, true)))
			return r;
		break;
	case CW_EV_OUTCOME:
		if ((r = ev_get_task(c, ev->task_id)) ||
		    (r = ev_get_enum(&f[F_OUTCOME], ev_outcome_names,
				     CW_OUTCOME__COUNT, &e)))
			return r;
		ev->outcome = (enum cw_outcome)e;
		if ((r = ev_get_agent(&f[F_AGENT], ev->agent, true)) ||
		    (r = ev_get_str_opt(&f[F_REASON], ev->reason, sizeof(ev->reason))))
			return r;
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
