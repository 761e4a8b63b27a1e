/*
 * test_event.c — contract events (CONTRACT §3): parsing, validation,
 * RFC 3339, money, canonical JSON round trip; plus the log rate limiter.
 */
#include <errno.h>
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cw/event.h"
#include "cw/log.h"

/* 2026-01-31T12:00:00Z: the fixed "now" of every test. */
#define NOW_MS 1769860800000LL

#define SUB "8613800000001"
#define HEAD(type) "{\"event_id\":\"e1\",\"type\":\"" type "\"," \
		   "\"subscriber\":\"" SUB "\",\"ts\":\"2026-01-15T08:30:00Z\""
#define TS_JAN15 1768465800000LL /* 2026-01-15T08:30:00Z */

static struct cw_event_limits lim;

static void setup(void)
{
	cw_event_limits_default(&lim, NOW_MS);
}

static enum cw_invalid parse_k(enum cw_topic_kind topic, const char *json,
			       const char *key, struct cw_event *ev)
{
	enum cw_invalid why = CW_INVALID__COUNT;
	int rc = cw_event_parse(json, strlen(json), topic, key,
				key ? strlen(key) : 0, &lim, ev, &why);

	ck_assert_int_eq(rc, why == CW_INVALID_NONE ? 0 : -1);
	return why;
}

static enum cw_invalid parse(enum cw_topic_kind topic, const char *json,
			     struct cw_event *ev)
{
	return parse_k(topic, json, NULL, ev);
}

#define ck_why(topic, json, expect)                                        \
	do {                                                               \
		struct cw_event ev_;                                       \
		enum cw_invalid w_ = parse(topic, json, &ev_);             \
		ck_assert_msg(w_ == (expect), "%s: got %s want %s", json,  \
			      cw_invalid_str(w_), cw_invalid_str(expect)); \
	} while (0)

/* ------------------------------------------------------------------ */
/* Happy paths, one per type                                           */

START_TEST(voice_ok)
{
	struct cw_event ev;

	ck_assert_int_eq(parse_k(CW_TOPIC_CDR,
				 HEAD("voice") ",\"direction\":\"out\","
				 "\"peer\":\"8618600000002\",\"duration_s\":125,"
				 "\"charge\":0.35,\"forwarded_to\":\"8613100000009\"}",
				 SUB, &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_VOICE);
	ck_assert_int_eq(ev.topic, CW_TOPIC_CDR);
	ck_assert_str_eq(ev.event_id, "e1");
	ck_assert_str_eq(ev.subscriber, SUB);
	ck_assert_int_eq(ev.ts_ms, TS_JAN15);
	ck_assert_int_eq(ev.direction, CW_DIR_OUT);
	ck_assert_str_eq(ev.peer, "8618600000002");
	ck_assert_int_eq(ev.duration_s, 125);
	ck_assert_int_eq(ev.charge, 350);
	ck_assert_str_eq(ev.forwarded_to, "8613100000009");
	ck_assert_int_eq(cw_event_is_outgoing(&ev), 1);
}
END_TEST

START_TEST(voice_in_no_forward)
{
	struct cw_event ev;

	ck_assert_int_eq(parse(CW_TOPIC_CDR,
			       HEAD("voice") ",\"direction\":\"in\","
			       "\"peer\":\"12345\",\"duration_s\":0,"
			       "\"charge\":0,\"forwarded_to\":null}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.direction, CW_DIR_IN);
	ck_assert_str_eq(ev.forwarded_to, "");
	ck_assert_int_eq(ev.charge, 0);
	ck_assert_int_eq(cw_event_is_outgoing(&ev), 0);
}
END_TEST

START_TEST(sms_ok)
{
	struct cw_event ev;

	ck_assert_int_eq(parse(CW_TOPIC_CDR,
			       HEAD("sms") ",\"direction\":\"out\","
			       "\"peer\":\"8613900000003\",\"charge\":0.1}",
			       &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_SMS);
	ck_assert_str_eq(ev.peer, "8613900000003");
	ck_assert_int_eq(ev.charge, 100);
	ck_assert_int_eq(ev.duration_s, 0);
}
END_TEST

START_TEST(data_ok)
{
	struct cw_event ev;

	ck_assert_int_eq(parse(CW_TOPIC_CDR,
			       HEAD("data") ",\"bytes\":1048576,"
			       "\"charge\":1.005}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_DATA);
	ck_assert_int_eq(ev.bytes, 1048576);
	ck_assert_int_eq(ev.charge, 1005);
	ck_assert_int_eq(cw_event_is_outgoing(&ev), 1);
}
END_TEST

START_TEST(billing_ok)
{
	struct cw_event ev;

	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("activate") ",\"plan\":\"P38\"}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_ACTIVATE);
	ck_assert_int_eq(ev.topic, CW_TOPIC_BILLING);
	ck_assert_str_eq(ev.plan, "P38");

	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("plan_change") ",\"plan_from\":\"P88\","
			       "\"plan_to\":\"P18\"}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_PLAN_CHANGE);
	ck_assert_str_eq(ev.plan_from, "P88");
	ck_assert_str_eq(ev.plan_to, "P18");

	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("recharge") ",\"amount\":50}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_RECHARGE);
	ck_assert_int_eq(ev.amount, 50000);

	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("invoice") ",\"period\":\"2025-12\","
			       "\"amount\":88.5}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_INVOICE);
	ck_assert_int_eq(ev.period, 2025 * 12 + 11);
	ck_assert_int_eq(ev.amount, 88500);

	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("payment") ",\"amount\":88.499}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_PAYMENT);
	ck_assert_int_eq(ev.amount, 88499);

	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("suspend") ",\"reason\":\"arrears\"}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_SUSPEND);
	ck_assert_int_eq(ev.suspend_reason, CW_SUSPEND_ARREARS);
	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("suspend") ",\"reason\":\"request\"}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.suspend_reason, CW_SUSPEND_REQUEST);
	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("suspend") ",\"reason\":\"other\"}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.suspend_reason, CW_SUSPEND_OTHER);

	ck_assert_int_eq(parse(CW_TOPIC_BILLING, HEAD("resume") "}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_RESUME);

	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("forward_set") ",\"forward_to\":"
			       "\"8618600000002\"}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_FORWARD_SET);
	ck_assert_str_eq(ev.forwarded_to, "8618600000002");

	ck_assert_int_eq(parse(CW_TOPIC_BILLING, HEAD("forward_clear") "}",
			       &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_FORWARD_CLEAR);

	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("deactivate") ",\"reason\":\"port-out\"}",
			       &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_DEACTIVATE);
	ck_assert_str_eq(ev.reason, "port-out");
}
END_TEST

START_TEST(escapes_and_extras)
{
	struct cw_event ev;

	/* Escaped key and value, unknown extra fields of every scalar
	 * kind, whitespace everywhere, fields in any order. */
	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       " {\n\t\"amount\" : 1e2 ,\"ty\\u0070e\":\"payment\","
			       "\"event_id\":\"a\\\"b\\\\c\\/d\",\"x\":null,"
			       "\"y\":true,\"z\":-1.5e-3,\"w\":\"\\u00e9\\ud83d\\ude00\","
			       "\"subscriber\":\"" SUB "\",\"ts\":\"2026-01-15t08:30:00z\"}\r\n",
			       &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.type, CW_EV_PAYMENT);
	ck_assert_str_eq(ev.event_id, "a\"b\\c/d");
	ck_assert_int_eq(ev.amount, 100000);
	ck_assert_int_eq(ev.ts_ms, TS_JAN15);

	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("deactivate") ",\"reason\":\"d\\u00e9part\\n\"}",
			       &ev),
			 CW_INVALID_NONE);
	ck_assert_str_eq(ev.reason, "d\xc3\xa9part\n");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Every invalid class                                                 */

struct bad_case {
	enum cw_topic_kind topic;
	const char *json;
	enum cw_invalid why;
};

static const struct bad_case bad_cases[] = {
	/* malformed_json */
	{ CW_TOPIC_CDR, "", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "   ", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":1", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\" 1}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":1,}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{,\"a\":1}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":1 \"b\":2}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\"::1}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":1,,\"b\":2}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\"}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":\"b\":\"c\"}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":1} x", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":1}{}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":1} \"x\"", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":tru}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":01}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":1.}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":-}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":1e}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{\"a\":\"x\ty\"}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{'a':1}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "{a:1}", CW_INVALID_MALFORMED_JSON },
	{ CW_TOPIC_CDR, "hello", CW_INVALID_MALFORMED_JSON },
	/* not_object */
	{ CW_TOPIC_CDR, "[1,2]", CW_INVALID_NOT_OBJECT },
	{ CW_TOPIC_CDR, " \"voice\"", CW_INVALID_NOT_OBJECT },
	{ CW_TOPIC_CDR, "42", CW_INVALID_NOT_OBJECT },
	{ CW_TOPIC_CDR, "null", CW_INVALID_NOT_OBJECT },
	/* too_complex */
	{ CW_TOPIC_CDR, HEAD("sms") ",\"x\":{\"y\":1}}", CW_INVALID_TOO_COMPLEX },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"x\":[]}", CW_INVALID_TOO_COMPLEX },
	/* invalid_utf8 */
	{ CW_TOPIC_CDR, "{\"a\":\"\xff\"}", CW_INVALID_UTF8 },
	{ CW_TOPIC_CDR, "{\"a\":\"\xc0\xaf\"}", CW_INVALID_UTF8 },   /* overlong */
	{ CW_TOPIC_CDR, "{\"a\":\"\xed\xa0\x80\"}", CW_INVALID_UTF8 }, /* surrogate */
	{ CW_TOPIC_CDR, "{\"a\":\"\xf4\x90\x80\x80\"}", CW_INVALID_UTF8 }, /* >10FFFF */
	{ CW_TOPIC_CDR, "{\"a\":\"\xe2\x82\"}", CW_INVALID_UTF8 },   /* truncated */
	{ CW_TOPIC_CDR, "{\"\xff\":1}", CW_INVALID_UTF8 },           /* in a key */
	{ CW_TOPIC_CDR, "{\"a\":\"\\ud800\"}", CW_INVALID_UTF8 },   /* lone high */
	{ CW_TOPIC_CDR, "{\"a\":\"\\udc00\"}", CW_INVALID_UTF8 },   /* lone low */
	{ CW_TOPIC_CDR, "{\"a\":\"\\ud800\\u0041\"}", CW_INVALID_UTF8 },
	{ CW_TOPIC_CDR, "{\"a\":\"\\u0000\"}", CW_INVALID_UTF8 },   /* NUL */
	/* duplicate_field */
	{ CW_TOPIC_CDR, HEAD("sms") ",\"type\":\"sms\"}",
	  CW_INVALID_DUPLICATE_FIELD },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"x\":1,\"x\":2}",
	  CW_INVALID_DUPLICATE_FIELD },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"x\":1,\"\\u0078\":2}",
	  CW_INVALID_DUPLICATE_FIELD },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"\\u0074s\":\"x\"}",
	  CW_INVALID_DUPLICATE_FIELD },
	/* missing_field */
	{ CW_TOPIC_CDR, "{}", CW_INVALID_MISSING_FIELD },
	{ CW_TOPIC_CDR, "{\"event_id\":\"e\",\"subscriber\":\"" SUB "\","
	  "\"ts\":\"2026-01-15T08:30:00Z\"}", CW_INVALID_MISSING_FIELD },
	{ CW_TOPIC_CDR, "{\"type\":\"data\",\"subscriber\":\"" SUB "\","
	  "\"ts\":\"2026-01-15T08:30:00Z\",\"bytes\":1,\"charge\":0}",
	  CW_INVALID_MISSING_FIELD },
	{ CW_TOPIC_CDR, HEAD("voice") ",\"direction\":\"out\","
	  "\"peer\":\"123\",\"charge\":0}", CW_INVALID_MISSING_FIELD },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":10}",
	  CW_INVALID_MISSING_FIELD },
	{ CW_TOPIC_BILLING, HEAD("invoice") ",\"amount\":10}",
	  CW_INVALID_MISSING_FIELD },
	{ CW_TOPIC_BILLING, HEAD("deactivate") "}", CW_INVALID_MISSING_FIELD },
	{ CW_TOPIC_BILLING, HEAD("forward_set") "}", CW_INVALID_MISSING_FIELD },
	{ CW_TOPIC_RETENTION, HEAD("contact") ",\"agent\":\"a\",\"channel\":\"call\","
	  "\"result\":\"reached\"}", CW_INVALID_MISSING_FIELD },
	{ CW_TOPIC_RETENTION, HEAD("outcome") ",\"task_id\":\"e258d6f4e749f1725d44ba1081606c32\"}",
	  CW_INVALID_MISSING_FIELD },
	/* retention: task ids, agents and enums are checked */
	{ CW_TOPIC_RETENTION, HEAD("outcome") ",\"task_id\":\"E258D6F4E749F1725D44BA1081606C32\","
	  "\"outcome\":\"saved\"}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_RETENTION, HEAD("outcome") ",\"task_id\":\"e258\",\"outcome\":\"saved\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_RETENTION, HEAD("outcome") ",\"task_id\":\"e258d6f4e749f1725d44ba1081606c32\","
	  "\"outcome\":\"won\"}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_RETENTION, HEAD("contact") ",\"task_id\":\"e258d6f4e749f1725d44ba1081606c32\","
	  "\"agent\":\"a b\",\"channel\":\"call\",\"result\":\"reached\"}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_RETENTION, HEAD("contact") ",\"task_id\":\"e258d6f4e749f1725d44ba1081606c32\","
	  "\"agent\":\"a\",\"channel\":\"fax\",\"result\":\"reached\"}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, HEAD("outcome") ",\"task_id\":\"e258d6f4e749f1725d44ba1081606c32\","
	  "\"outcome\":\"saved\"}", CW_INVALID_WRONG_TOPIC },
	/* imei: 14-16 digits */
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":1,\"charge\":0,\"imei\":\"1234567890123\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":1,\"charge\":0,\"imei\":\"12345678901234567\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"direction\":\"out\",\"peer\":\"1\",\"charge\":0,"
	  "\"imei\":\"35693803564380a\"}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("voice") ",\"direction\":\"out\",\"peer\":\"1\",\"duration_s\":1,"
	  "\"charge\":0,\"imei\":356938035643809}", CW_INVALID_FIELD_TYPE },
	/* profile: a region is required, and a name */
	{ CW_TOPIC_BILLING, HEAD("profile") "}", CW_INVALID_MISSING_FIELD },
	{ CW_TOPIC_BILLING, HEAD("profile") ",\"region\":\"\"}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, HEAD("profile") ",\"region\":\"north county\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, HEAD("profile") ",\"region\":\"123456789012345678901234567890123\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, HEAD("profile") ",\"region\":7}", CW_INVALID_FIELD_TYPE },
	{ CW_TOPIC_BILLING, HEAD("activate") ",\"plan\":\"P18\",\"region\":\"a@b\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("profile") ",\"region\":\"north\"}", CW_INVALID_WRONG_TOPIC },
	/* field_type */
	{ CW_TOPIC_CDR, "{\"type\":1}", CW_INVALID_FIELD_TYPE },
	{ CW_TOPIC_CDR, "{\"event_id\":\"e\",\"type\":\"data\","
	  "\"subscriber\":8613800000001,\"ts\":\"2026-01-15T08:30:00Z\","
	  "\"bytes\":1,\"charge\":0}", CW_INVALID_FIELD_TYPE },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":\"10\",\"charge\":0}",
	  CW_INVALID_FIELD_TYPE },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":10,\"charge\":null}",
	  CW_INVALID_FIELD_TYPE },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"direction\":true,\"peer\":\"1\","
	  "\"charge\":0}", CW_INVALID_FIELD_TYPE },
	{ CW_TOPIC_BILLING, HEAD("invoice") ",\"period\":202512,\"amount\":1}",
	  CW_INVALID_FIELD_TYPE },
	{ CW_TOPIC_CDR, "{\"event_id\":\"e\",\"type\":\"data\","
	  "\"subscriber\":\"" SUB "\",\"ts\":1768465800,"
	  "\"bytes\":1,\"charge\":0}", CW_INVALID_FIELD_TYPE },
	/* bad_value */
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":-1,\"charge\":0}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":1.5,\"charge\":0}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":1125899906842625,"
	  "\"charge\":0}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":1e400,\"charge\":0}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":1,\"charge\":-0.01}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":1,\"charge\":nan}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":1,\"charge\":-Infinity}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("data") ",\"bytes\":1,\"charge\":10000000.001}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("voice") ",\"direction\":\"out\",\"peer\":\"1\","
	  "\"duration_s\":604801,\"charge\":0}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"direction\":\"up\",\"peer\":\"1\","
	  "\"charge\":0}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"direction\":\"out\",\"peer\":\"+86\","
	  "\"charge\":0}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"direction\":\"out\",\"peer\":\"\","
	  "\"charge\":0}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"direction\":\"out\",\"peer\":"
	  "\"1234567890123456789012345\",\"charge\":0}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("voice") ",\"direction\":\"out\",\"peer\":\"1\","
	  "\"duration_s\":1,\"charge\":0,\"forwarded_to\":\"x1\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, HEAD("invoice") ",\"period\":\"2025-13\","
	  "\"amount\":1}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, HEAD("invoice") ",\"period\":\"2025-1\","
	  "\"amount\":1}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, HEAD("suspend") ",\"reason\":\"holiday\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, HEAD("activate") ",\"plan\":\"\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, HEAD("activate") ",\"plan\":"
	  "\"P123456789012345678901234567890123\"}", CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, "{\"event_id\":\"\",\"type\":\"resume\","
	  "\"subscriber\":\"" SUB "\",\"ts\":\"2026-01-15T08:30:00Z\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_BILLING, "{\"event_id\":\"a\\nb\",\"type\":\"resume\","
	  "\"subscriber\":\"" SUB "\",\"ts\":\"2026-01-15T08:30:00Z\"}",
	  CW_INVALID_BAD_VALUE },
	{ CW_TOPIC_CDR, HEAD("sms") ",\"x\":NaN}", CW_INVALID_MALFORMED_JSON },
	/* unknown_type */
	{ CW_TOPIC_CDR, HEAD("video") "}", CW_INVALID_UNKNOWN_TYPE },
	{ CW_TOPIC_CDR, HEAD("Voice") "}", CW_INVALID_UNKNOWN_TYPE },
	{ CW_TOPIC_CDR, HEAD("voice_call_with_a_long_name") "}",
	  CW_INVALID_UNKNOWN_TYPE },
	/* wrong_topic */
	{ CW_TOPIC_CDR, HEAD("recharge") ",\"amount\":1}",
	  CW_INVALID_WRONG_TOPIC },
	{ CW_TOPIC_BILLING, HEAD("data") ",\"bytes\":1,\"charge\":0}",
	  CW_INVALID_WRONG_TOPIC },
	/* bad_subscriber */
	{ CW_TOPIC_BILLING, "{\"event_id\":\"e\",\"type\":\"resume\","
	  "\"subscriber\":\"1234\",\"ts\":\"2026-01-15T08:30:00Z\"}",
	  CW_INVALID_BAD_SUBSCRIBER },
	{ CW_TOPIC_BILLING, "{\"event_id\":\"e\",\"type\":\"resume\","
	  "\"subscriber\":\"1234567890123456\",\"ts\":\"2026-01-15T08:30:00Z\"}",
	  CW_INVALID_BAD_SUBSCRIBER },
	{ CW_TOPIC_BILLING, "{\"event_id\":\"e\",\"type\":\"resume\","
	  "\"subscriber\":\"+8613800000001\",\"ts\":\"2026-01-15T08:30:00Z\"}",
	  CW_INVALID_BAD_SUBSCRIBER },
	{ CW_TOPIC_BILLING, "{\"event_id\":\"e\",\"type\":\"resume\","
	  "\"subscriber\":\"86138 00001\",\"ts\":\"2026-01-15T08:30:00Z\"}",
	  CW_INVALID_BAD_SUBSCRIBER },
	/* bad / future / ancient timestamp */
	{ CW_TOPIC_BILLING, "{\"event_id\":\"e\",\"type\":\"resume\","
	  "\"subscriber\":\"" SUB "\",\"ts\":\"2026-01-15 08:30:00Z\"}",
	  CW_INVALID_BAD_TIMESTAMP },
	{ CW_TOPIC_BILLING, "{\"event_id\":\"e\",\"type\":\"resume\","
	  "\"subscriber\":\"" SUB "\",\"ts\":\"2026-02-01T12:00:00.001Z\"}",
	  CW_INVALID_FUTURE_TIMESTAMP },
	{ CW_TOPIC_BILLING, "{\"event_id\":\"e\",\"type\":\"resume\","
	  "\"subscriber\":\"" SUB "\",\"ts\":\"1999-12-31T23:59:59.999Z\"}",
	  CW_INVALID_ANCIENT_TIMESTAMP },
};

START_TEST(invalid_table)
{
	const struct bad_case *c = &bad_cases[_i];

	ck_why(c->topic, c->json, c->why);
}
END_TEST

START_TEST(too_large)
{
	static char buf[CW_EVENT_MAX_BYTES + 2];
	struct cw_event ev;
	enum cw_invalid why;
	size_t n;

	/* A valid event padded with whitespace to exactly the limit is fine;
	 * one byte more is too_large (judged before parsing). */
	n = (size_t)snprintf(buf, sizeof(buf), "%s",
			     HEAD("resume") "}");
	memset(buf + n, ' ', sizeof(buf) - n);
	ck_assert_int_eq(cw_event_parse(buf, CW_EVENT_MAX_BYTES,
					CW_TOPIC_BILLING, NULL, 0, &lim, &ev,
					&why), 0);
	ck_assert_int_eq(cw_event_parse(buf, CW_EVENT_MAX_BYTES + 1,
					CW_TOPIC_BILLING, NULL, 0, &lim, &ev,
					&why), -1);
	ck_assert_int_eq(why, CW_INVALID_TOO_LARGE);
}
END_TEST

START_TEST(too_many_tokens)
{
	char buf[2048];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", HEAD("resume"));

	/* 4 common pairs = 9 tokens; 28 more pairs make 65 > 64. */
	for (int i = 0; i < 28; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",\"k%d\":%d",
				      i, i);
	snprintf(buf + n, sizeof(buf) - n, "}");
	ck_why(CW_TOPIC_BILLING, buf, CW_INVALID_TOO_COMPLEX);
	/* 27 extra pairs: 63 tokens, accepted. */
	n = (size_t)snprintf(buf, sizeof(buf), "%s", HEAD("resume"));
	for (int i = 0; i < 27; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",\"k%d\":%d",
				      i, i);
	snprintf(buf + n, sizeof(buf) - n, "}");
	ck_why(CW_TOPIC_BILLING, buf, CW_INVALID_NONE);
}
END_TEST

START_TEST(embedded_nul)
{
	static const char msg[] = HEAD("resume") "}\0junk";
	struct cw_event ev;
	enum cw_invalid why;

	/* A NUL byte after the object is trailing garbage, not an end. */
	ck_assert_int_eq(cw_event_parse(msg, sizeof(msg) - 1, CW_TOPIC_BILLING,
					NULL, 0, &lim, &ev, &why), -1);
	ck_assert_int_eq(why, CW_INVALID_MALFORMED_JSON);
	/* Without the tail it parses. */
	ck_assert_int_eq(cw_event_parse(msg, strlen(msg), CW_TOPIC_BILLING,
					NULL, 0, &lim, &ev, &why), 0);
}
END_TEST

START_TEST(key_mismatch)
{
	struct cw_event ev;
	const char *json = HEAD("resume") "}";

	ck_assert_int_eq(parse_k(CW_TOPIC_BILLING, json, SUB, &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(parse_k(CW_TOPIC_BILLING, json, "8613800000002", &ev),
			 CW_INVALID_KEY_MISMATCH);
	ck_assert_int_eq(parse_k(CW_TOPIC_BILLING, json, "861380000000", &ev),
			 CW_INVALID_KEY_MISMATCH);
	ck_assert_int_eq(parse_k(CW_TOPIC_BILLING, json, "86138000000011", &ev),
			 CW_INVALID_KEY_MISMATCH);
	/* An empty key is "no key". */
	ck_assert_int_eq(parse_k(CW_TOPIC_BILLING, json, "", &ev),
			 CW_INVALID_NONE);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Money and integers                                                  */

struct money_case {
	const char *text;
	int64_t want; /* -1: bad_value */
};

static const struct money_case money_cases[] = {
	{ "0", 0 },
	{ "-0", 0 },
	{ "-0.0", 0 },
	{ "0.35", 350 },
	{ "12", 12000 },
	{ "1.005", 1005 },
	{ "1.0004", 1000 },
	{ "1.0005", 1001 },        /* half away from zero */
	{ "1.00049999", 1000 },
	{ "0.0005", 1 },
	{ "0.00049", 0 },
	{ "0.00001", 0 },
	{ "2.5e-3", 3 },
	{ "1.5e2", 150000 },
	{ "1E+1", 10000 },
	{ "12.34e-1", 1234 },
	{ "0.1e1", 1000 },
	{ "10000000", 10000000000LL },
	{ "10000000.0004", 10000000000LL },
	{ "10000000.0005", -1 },
	{ "1e7", 10000000000LL },
	{ "1e8", -1 },
	{ "1e999999999999", -1 },
	{ "1e-999999999999", 0 },
	{ "0e999999", 0 },
	{ "-1", -1 },
	{ "-0.0004", -1 },
	{ "99999999999999999999999", -1 },
};

START_TEST(money_table)
{
	const struct money_case *c = &money_cases[_i];
	char json[256];
	struct cw_event ev;
	enum cw_invalid why;

	snprintf(json, sizeof(json), HEAD("recharge") ",\"amount\":%s}",
		 c->text);
	why = parse(CW_TOPIC_BILLING, json, &ev);
	if (c->want < 0) {
		ck_assert_msg(why == CW_INVALID_BAD_VALUE, "%s: %s", c->text,
			      cw_invalid_str(why));
	} else {
		ck_assert_msg(why == CW_INVALID_NONE, "%s: %s", c->text,
			      cw_invalid_str(why));
		ck_assert_msg(ev.amount == c->want, "%s: %lld != %lld",
			      c->text, (long long)ev.amount,
			      (long long)c->want);
	}
}
END_TEST

START_TEST(integer_fields)
{
	char json[256];
	struct cw_event ev;
	static const struct money_case cases[] = {
		{ "60", 60 }, { "60.0", 60 }, { "6e1", 60 }, { "600e-1", 60 },
		{ "0", 0 }, { "604800", 604800 }, { "60.5", -1 },
		{ "6.01e1", -1 }, { "-60", -1 }, { "604801", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum cw_invalid why;

		snprintf(json, sizeof(json),
			 HEAD("voice") ",\"direction\":\"out\",\"peer\":\"1\","
			 "\"duration_s\":%s,\"charge\":0}", cases[i].text);
		why = parse(CW_TOPIC_CDR, json, &ev);
		if (cases[i].want < 0) {
			ck_assert_msg(why == CW_INVALID_BAD_VALUE, "%s",
				      cases[i].text);
		} else {
			ck_assert_msg(why == CW_INVALID_NONE, "%s",
				      cases[i].text);
			ck_assert_int_eq(ev.duration_s, cases[i].want);
		}
	}
	snprintf(json, sizeof(json),
		 HEAD("data") ",\"bytes\":1125899906842624,\"charge\":0}");
	ck_assert_int_eq(parse(CW_TOPIC_CDR, json, &ev), CW_INVALID_NONE);
	ck_assert_int_eq(ev.bytes, CW_BYTES_MAX);
}
END_TEST

/* ------------------------------------------------------------------ */
/* RFC 3339                                                            */

struct ts_case {
	const char *text;
	int ok;
	int64_t ms;
};

static const struct ts_case ts_cases[] = {
	{ "2026-01-31T12:00:00Z", 1, NOW_MS },
	{ "2026-01-31t12:00:00z", 1, NOW_MS },
	{ "2026-01-31T12:00:00.000Z", 1, NOW_MS },
	{ "2026-01-31T12:00:00.5Z", 1, NOW_MS + 500 },
	{ "2026-01-31T12:00:00.123456789Z", 1, NOW_MS + 123 },
	{ "2026-01-31T20:00:00+08:00", 1, NOW_MS },
	{ "2026-01-31T06:30:00-05:30", 1, NOW_MS },
	{ "2026-01-31T12:00:00-00:00", 1, NOW_MS },
	{ "2026-02-01T00:00:00+12:00", 1, NOW_MS },
	{ "2000-01-01T00:00:00Z", 1, 946684800000LL },
	{ "1970-01-01T00:00:00Z", 1, 0 },
	{ "1969-12-31T23:59:59.999Z", 1, -1 },
	{ "2024-02-29T23:59:59Z", 1, 1709251199000LL },
	{ "2000-02-29T00:00:00Z", 1, 951782400000LL },
	{ "2023-02-29T00:00:00Z", 0, 0 },
	{ "1900-02-29T00:00:00Z", 0, 0 },
	{ "2026-04-31T00:00:00Z", 0, 0 },
	{ "2026-13-01T00:00:00Z", 0, 0 },
	{ "2026-00-01T00:00:00Z", 0, 0 },
	{ "2026-01-00T00:00:00Z", 0, 0 },
	{ "2026-01-01T24:00:00Z", 0, 0 },
	{ "2026-01-01T23:60:00Z", 0, 0 },
	{ "2026-12-31T23:59:60Z", 0, 0 },
	{ "2026-01-01T00:00:00", 0, 0 },
	{ "2026-01-01T00:00:00.Z", 0, 0 },
	{ "2026-01-01T00:00:00+0800", 0, 0 },
	{ "2026-01-01T00:00:00+24:00", 0, 0 },
	{ "2026-01-01T00:00:00+08:60", 0, 0 },
	{ "2026-01-01 00:00:00Z", 0, 0 },
	{ "2026-1-01T00:00:00Z", 0, 0 },
	{ "2026-01-01T00:00:00ZZ", 0, 0 },
	{ "+026-01-01T00:00:00Z", 0, 0 },
	{ "", 0, 0 },
};

START_TEST(rfc3339_table)
{
	const struct ts_case *c = &ts_cases[_i];
	int64_t ms = 42;
	int rc = cw_time_parse_rfc3339(c->text, strlen(c->text), &ms);

	ck_assert_msg(rc == (c->ok ? 0 : -1), "%s: rc %d", c->text, rc);
	if (c->ok)
		ck_assert_msg(ms == c->ms, "%s: %lld != %lld", c->text,
			      (long long)ms, (long long)c->ms);
}
END_TEST

START_TEST(rfc3339_format)
{
	char out[32];

	ck_assert_int_eq(cw_time_format_rfc3339(NOW_MS, out, sizeof(out)), 24);
	ck_assert_str_eq(out, "2026-01-31T12:00:00.000Z");
	cw_time_format_rfc3339(1709251199123LL, out, sizeof(out));
	ck_assert_str_eq(out, "2024-02-29T23:59:59.123Z");
	cw_time_format_rfc3339(-1, out, sizeof(out));
	ck_assert_str_eq(out, "1969-12-31T23:59:59.999Z");
	cw_time_format_rfc3339(0, out, sizeof(out));
	ck_assert_str_eq(out, "1970-01-01T00:00:00.000Z");
	ck_assert_int_eq(cw_time_format_rfc3339(0, out, 24), -1);
	/* Extremes stay within 32 bytes. */
	ck_assert_int_gt(cw_time_format_rfc3339(INT64_MAX, out, sizeof(out)),
			 0);
	ck_assert_int_gt(cw_time_format_rfc3339(INT64_MIN, out, sizeof(out)),
			 0);
	/* Every day of a leap cycle round-trips. */
	for (int64_t d = 0; d < 4 * 366; d++) {
		int64_t ms = 946684800000LL + d * 86400000LL + d * 1001, back;

		cw_time_format_rfc3339(ms, out, sizeof(out));
		ck_assert_int_eq(cw_time_parse_rfc3339(out, strlen(out), &back),
				 0);
		ck_assert_int_eq(back, ms);
	}
}
END_TEST

START_TEST(future_limit_edge)
{
	struct cw_event ev;

	/* Exactly now + 1 day is accepted; the contract rejects "far". */
	ck_why(CW_TOPIC_BILLING, "{\"event_id\":\"e\",\"type\":\"resume\","
	       "\"subscriber\":\"" SUB "\",\"ts\":\"2026-02-01T12:00:00Z\"}",
	       CW_INVALID_NONE);
	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       "{\"event_id\":\"e\",\"type\":\"resume\","
			       "\"subscriber\":\"" SUB "\","
			       "\"ts\":\"2000-01-01T00:00:00Z\"}", &ev),
			 CW_INVALID_NONE);
	ck_assert_int_eq(ev.ts_ms, 946684800000LL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Canonical JSON                                                      */

static const char *const roundtrip_inputs[] = {
	HEAD("voice") ",\"direction\":\"out\",\"peer\":\"8618600000002\","
	"\"duration_s\":125,\"charge\":0.35,\"forwarded_to\":\"8613100000009\"}",
	HEAD("voice") ",\"direction\":\"in\",\"peer\":\"1\","
	"\"duration_s\":0,\"charge\":0}",
	HEAD("sms") ",\"direction\":\"out\",\"peer\":\"10086\",\"charge\":0.1}",
	HEAD("data") ",\"bytes\":1048576,\"charge\":1.005}",
	HEAD("data") ",\"bytes\":1,\"charge\":0,\"imei\":\"35693803564380\"}",
	HEAD("voice") ",\"direction\":\"in\",\"peer\":\"1\",\"duration_s\":3,\"charge\":0,"
	"\"imei\":\"3569380356438091\"}",
	HEAD("activate") ",\"plan\":\"P\\\"38\\\\\"}",
	HEAD("activate") ",\"plan\":\"P38\",\"region\":\"north-county.3\"}",
	HEAD("profile") ",\"region\":\"12345678901234567890123456789012\"}",
	HEAD("plan_change") ",\"plan_from\":\"P88\",\"plan_to\":\"P18\"}",
	HEAD("recharge") ",\"amount\":10000000}",
	HEAD("invoice") ",\"period\":\"2025-01\",\"amount\":88.5}",
	HEAD("payment") ",\"amount\":0.001}",
	HEAD("suspend") ",\"reason\":\"request\"}",
	HEAD("resume") "}",
	HEAD("forward_set") ",\"forward_to\":\"8618600000002\"}",
	HEAD("forward_clear") "}",
	HEAD("deactivate") ",\"reason\":\"tab\\there \\u00e9\\u001f\"}",
	HEAD("deactivate") ",\"reason\":\"\"}",
	HEAD("contact") ",\"task_id\":\"e258d6f4e749f1725d44ba1081606c32\","
	"\"agent\":\"mm-07@desk.a\",\"channel\":\"visit\",\"result\":\"no_answer\"}",
	HEAD("offer") ",\"alert_id\":\"e258d6f4e749f1725d44ba1081606c32\","
	"\"offer\":\"LOYAL20\",\"cost\":20.5}",
	HEAD("outcome") ",\"task_id\":\"e258d6f4e749f1725d44ba1081606c32\","
	"\"outcome\":\"lost\",\"agent\":\"a1\",\"reason\":\"price\"}",
};

START_TEST(roundtrip)
{
	const char *in = roundtrip_inputs[_i];
	enum cw_topic_kind topic = strstr(in, "\"voice\"") ||
				   strstr(in, "\"sms\"") ||
				   strstr(in, "\"data\"") ?
				   CW_TOPIC_CDR
				   : strstr(in, "\"contact\"") || strstr(in, "\"offer\"") ||
				     strstr(in, "\"outcome\"") ? CW_TOPIC_RETENTION
				   : CW_TOPIC_BILLING;
	struct cw_event a, b;
	char out[1024];
	int n;

	ck_assert_int_eq(parse(topic, in, &a), CW_INVALID_NONE);
	n = cw_event_to_json(&a, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq((size_t)n, strlen(out));
	ck_assert_msg(parse(topic, out, &b) == CW_INVALID_NONE, "%s", out);
	ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0, "%s", out);
	/* Too small a buffer fails cleanly. */
	ck_assert_int_eq(cw_event_to_json(&a, out, (size_t)n), -ENOSPC);
	ck_assert_int_eq(cw_event_to_json(&a, out, (size_t)n + 1), n);
}
END_TEST

START_TEST(canonical_text)
{
	struct cw_event ev;
	char out[512];

	ck_assert_int_eq(parse(CW_TOPIC_CDR,
			       "{\"charge\":0.350,\"peer\":\"8618600000002\","
			       "\"duration_s\":60.0,\"direction\":\"out\","
			       "\"ts\":\"2026-01-15T16:30:00+08:00\","
			       "\"subscriber\":\"" SUB "\",\"type\":\"voice\","
			       "\"event_id\":\"e1\",\"extra\":1}", &ev),
			 CW_INVALID_NONE);
	cw_event_to_json(&ev, out, sizeof(out));
	ck_assert_str_eq(out,
			 "{\"event_id\":\"e1\",\"type\":\"voice\","
			 "\"subscriber\":\"" SUB "\","
			 "\"ts\":\"2026-01-15T08:30:00.000Z\","
			 "\"direction\":\"out\",\"peer\":\"8618600000002\","
			 "\"duration_s\":60,\"charge\":0.35}");

	ck_assert_int_eq(parse(CW_TOPIC_BILLING,
			       HEAD("invoice") ",\"period\":\"2025-12\","
			       "\"amount\":12}", &ev),
			 CW_INVALID_NONE);
	cw_event_to_json(&ev, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, ",\"period\":\"2025-12\","
					  "\"amount\":12}"));
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(cw_invalid_str(CW_INVALID_NONE), "none");
	ck_assert_str_eq(cw_invalid_str(CW_INVALID_UTF8), "invalid_utf8");
	ck_assert_str_eq(cw_invalid_str(CW_INVALID_KEY_MISMATCH),
			 "key_mismatch");
	for (int i = 0; i < CW_INVALID__COUNT; i++)
		ck_assert_str_ne(cw_invalid_str((enum cw_invalid)i), "unknown");
	ck_assert_str_eq(cw_event_type_str(CW_EV_PLAN_CHANGE), "plan_change");
	ck_assert_str_eq(cw_event_type_str(CW_EV_FORWARD_CLEAR),
			 "forward_clear");
	ck_assert_str_eq(cw_topic_kind_str(CW_TOPIC_BILLING), "billing");
	ck_assert_int_eq(cw_event_type_topic(CW_EV_DATA), CW_TOPIC_CDR);
	ck_assert_int_eq(cw_event_type_topic(CW_EV_ACTIVATE), CW_TOPIC_BILLING);
	ck_assert_int_eq(cw_subscriber_valid("12345", 5), 1);
	ck_assert_int_eq(cw_subscriber_valid("1234", 4), 0);
	ck_assert_int_eq(cw_subscriber_valid("123456789012345", 15), 1);
	ck_assert_int_eq(cw_subscriber_valid("1234567890123456", 16), 0);
	ck_assert_int_eq(cw_subscriber_valid("1234a", 5), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Logging                                                             */

/* Run fn with stderr redirected to a temp file; return what it wrote. */
static size_t capture_stderr(void (*fn)(void), char *out, size_t cap)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	ck_assert_ptr_nonnull(tmp);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, cap - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return n;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void log_burst(void)
{
	for (int i = 0; i < 25; i++)
		log_warn_rl("bad event %d", i);
}

static void log_levels(void)
{
	cw_log_set_level(CW_LOG_WARNING);
	log_info("hidden");
	log_debug("hidden too");
	log_warn("shown\ntwo lines");
	log_warn_rl("input\nforged"); /* input-triggered: never split */
	log_err("error %d", 7);
	cw_log_set_level(CW_LOG_INFO);
}

START_TEST(log_ratelimit)
{
	static char out[8192];
	struct cw_ratelimit rl = { 0 };

	cw_log_set_prefix(1);
	capture_stderr(log_burst, out, sizeof(out));
	ck_assert_int_eq(count_lines(out), 10);
	ck_assert_ptr_nonnull(strstr(out, "<4>bad event 0\n"));
	ck_assert_ptr_nonnull(strstr(out, "<4>bad event 9\n"));
	ck_assert_ptr_null(strstr(out, "bad event 10"));

	/* After the window the suppressed count rides on the next line. */
	rl.window_start = -20000;
	rl.in_window = 10;
	rl.suppressed = 15;
	{
		FILE *tmp = tmpfile();
		int saved = dup(STDERR_FILENO);
		size_t n;

		dup2(fileno(tmp), STDERR_FILENO);
		cw_log_rl(&rl, CW_LOG_WARNING, "again");
		dup2(saved, STDERR_FILENO);
		close(saved);
		rewind(tmp);
		n = fread(out, 1, sizeof(out) - 1, tmp);
		out[n] = '\0';
		fclose(tmp);
	}
	ck_assert_str_eq(out, "<4>again (15 similar messages suppressed)\n");
	ck_assert_int_eq(rl.suppressed, 0);
	ck_assert_int_eq(rl.in_window, 1);
}
END_TEST

static struct cw_ratelimit tick_rl;

static void log_flood_then_tick(void)
{
	for (int i = 0; i < 13; i++)
		cw_log_rl(&tick_rl, CW_LOG_WARNING, "flood %d", i);
	cw_log_tick(); /* window not over: nothing */
	tick_rl.window_start -= 20000; /* the window has ended */
	cw_log_tick();
	cw_log_tick(); /* reported once */
}

/* The suppressed count is reported when the window ends, even when the
 * message never comes again. */
START_TEST(log_suppressed_reported_at_window_end)
{
	static char out[8192];

	cw_log_set_prefix(1);
	capture_stderr(log_flood_then_tick, out, sizeof(out));
	ck_assert_int_eq(count_lines(out), 11);
	ck_assert_msg(strstr(out, "<4>3 similar messages suppressed in the last "
				  "10 s; the last: flood 12\n"),
		      "%s", out);
	ck_assert_int_eq(tick_rl.suppressed, 0);
}
END_TEST

START_TEST(log_level_and_prefix)
{
	static char out[4096];

	cw_log_set_prefix(1);
	capture_stderr(log_levels, out, sizeof(out));
	/* one priority-prefixed line per part of a multi-line message */
	ck_assert_str_eq(out, "<4>shown\n<4>two lines\n<4>input?forged\n"
			      "<3>error 7\n");
	cw_log_set_prefix(0);
	capture_stderr(log_levels, out, sizeof(out));
	/* off journald: a UTC timestamp and the level on every line */
	ck_assert_int_eq(count_lines(out), 4);
	ck_assert_msg(out[0] >= '2' && out[0] <= '9' && out[4] == '-' &&
			      strstr(out, "Z warning: shown\n") &&
			      strstr(out, "Z warning: two lines\n") &&
			      strstr(out, "Z warning: input?forged\n") &&
			      strstr(out, "Z error: error 7\n"),
		      "%s", out);
	ck_assert_int_eq(cw_log_get_level(), CW_LOG_INFO);
}
END_TEST

CW_CHECK_SUITE(event_suite)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, voice_ok);
	tcase_add_test(tc, voice_in_no_forward);
	tcase_add_test(tc, sms_ok);
	tcase_add_test(tc, data_ok);
	tcase_add_test(tc, billing_ok);
	tcase_add_test(tc, escapes_and_extras);
	tcase_add_loop_test(tc, invalid_table, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, too_many_tokens);
	tcase_add_test(tc, embedded_nul);
	tcase_add_test(tc, key_mismatch);
	tcase_add_loop_test(tc, money_table, 0,
			    sizeof(money_cases) / sizeof(money_cases[0]));
	tcase_add_test(tc, integer_fields);
	tcase_add_test(tc, future_limit_edge);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_loop_test(tc, rfc3339_table, 0,
			    sizeof(ts_cases) / sizeof(ts_cases[0]));
	tcase_add_test(tc, rfc3339_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, roundtrip, 0,
			    sizeof(roundtrip_inputs) /
				    sizeof(roundtrip_inputs[0]));
	tcase_add_test(tc, canonical_text);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_test(tc, log_ratelimit);
	tcase_add_test(tc, log_level_and_prefix);
	tcase_add_test(tc, log_suppressed_reported_at_window_end);
	suite_add_tcase(s, tc);
	return s;
}

