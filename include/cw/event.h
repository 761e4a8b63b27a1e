/*
 * event.h — contract events (CONTRACT §3): parsing and validation.
 *
 * The parser is the daemon's hot path and its first line of defence: it
 * never allocates, copies only bounded fixed-size fields into struct
 * cw_event, and classifies every bad input into one enum cw_invalid reason
 * (which becomes the dead-letter header and a metrics label).
 */
#ifndef CW_EVENT_H
#define CW_EVENT_H

#include <stddef.h>
#include <stdint.h>

#define CW_SUB_MIN 5
#define CW_SUB_MAX 15          /* E.164 digits */
#define CW_DIGITS_MAX 24       /* peer / forwarded_to numbers */
#define CW_EVENT_ID_MAX 128
#define CW_PLAN_MAX 32
#define CW_EVENT_MAX_BYTES 16384 /* larger messages are rejected unread */
#define CW_EVENT_MAX_TOKENS 64   /* JSON tokens; bounds nesting and size */
/* Money is fixed point: thousandths of a currency unit. */
#define CW_MONEY_SCALE 1000
/* Largest accepted amount/charge, in currency units (sanity bound). */
#define CW_MONEY_MAX_UNITS 10000000LL
#define CW_BYTES_MAX (1LL << 50)
#define CW_DURATION_MAX_S (7LL * 86400)

/* The input topics. A subscriber's events are in partition N of every
 * one of them (co-partitioned): CDRs, billing, and what the retention
 * team did (contacts, offers, outcomes). */
enum cw_topic_kind {
	CW_TOPIC_CDR = 0,
	CW_TOPIC_BILLING = 1,
	CW_TOPIC_RETENTION = 2,
	CW_TOPIC__COUNT
};

enum cw_event_type {
	CW_EV_VOICE = 0,
	CW_EV_SMS,
	CW_EV_DATA,
	CW_EV_ACTIVATE,
	CW_EV_PLAN_CHANGE,
	CW_EV_RECHARGE,
	CW_EV_INVOICE,
	CW_EV_PAYMENT,
	CW_EV_SUSPEND,
	CW_EV_RESUME,
	CW_EV_FORWARD_SET,
	CW_EV_FORWARD_CLEAR,
	CW_EV_DEACTIVATE,
	CW_EV_PORTOUT_REQUEST,  /* number-portability code / deactivation enquiry */
	CW_EV_PROFILE,          /* the subscriber's attributes (region) changed */
	CW_EV_CONTACT,          /* retention: a member manager's contact */
	CW_EV_OFFER,            /* retention: an offer made */
	CW_EV_OUTCOME,          /* retention: saved / lost / pending */
	CW_EV__COUNT
};

enum cw_direction { CW_DIR_NONE = 0, CW_DIR_OUT, CW_DIR_IN };

enum cw_suspend_reason {
	CW_SUSPEND_NONE = 0,
	CW_SUSPEND_ARREARS,
	CW_SUSPEND_REQUEST,
	CW_SUSPEND_FRAUD,
	CW_SUSPEND_OTHER
};

/* portout_request `kind`. */
enum cw_portout_kind {
	CW_PORTOUT_NONE = 0,
	CW_PORTOUT_AUTH_CODE,           /* number-portability authorisation code */
	CW_PORTOUT_DEACTIVATION_ENQUIRY /* store / hotline deactivation enquiry */
};

/* contact `channel` and `result`, outcome `outcome`. */
enum cw_contact_channel {
	CW_CHANNEL_NONE = 0, CW_CHANNEL_CALL, CW_CHANNEL_SMS, CW_CHANNEL_VISIT,
	CW_CHANNEL_STORE, CW_CHANNEL__COUNT
};
enum cw_contact_result {
	CW_RESULT_NONE = 0, CW_RESULT_REACHED, CW_RESULT_NO_ANSWER,
	CW_RESULT_REFUSED, CW_RESULT__COUNT
};
enum cw_outcome {
	CW_OUTCOME_NONE = 0, CW_OUTCOME_SAVED, CW_OUTCOME_LOST,
	CW_OUTCOME_PENDING, CW_OUTCOME__COUNT
};
const char *cw_contact_channel_str(enum cw_contact_channel c);
const char *cw_contact_result_str(enum cw_contact_result r);
const char *cw_outcome_str(enum cw_outcome o);

#define CW_TASK_REF_LEN 32   /* task_id / alert_id: 32 lowercase hex digits */
#define CW_AGENT_MAX 32      /* [A-Za-z0-9_.@-], 1 to 32 */
#define CW_REGION_MAX 32     /* [A-Za-z0-9_.-], 1 to 32 */
#define CW_IMEI_MIN 14       /* a handset's IMEI (14-15) or IMEISV (16) digits */
#define CW_IMEI_MAX 16

/* Why an input was rejected. Stable strings: they are metric labels and
 * dead-letter header values. */
enum cw_invalid {
	CW_INVALID_NONE = 0,
	CW_INVALID_TOO_LARGE,       /* over CW_EVENT_MAX_BYTES */
	CW_INVALID_MALFORMED_JSON,  /* not JSON, or trailing garbage */
	CW_INVALID_TOO_COMPLEX,     /* too many tokens / nested object or array */
	CW_INVALID_NOT_OBJECT,      /* top level is not an object */
	CW_INVALID_UTF8,            /* invalid UTF-8 or bad escape in a string */
	CW_INVALID_DUPLICATE_FIELD, /* a field appears twice */
	CW_INVALID_MISSING_FIELD,
	CW_INVALID_FIELD_TYPE,      /* e.g. number where a string is required */
	CW_INVALID_BAD_VALUE,       /* NaN, negative, huge, bad enum value ... */
	CW_INVALID_UNKNOWN_TYPE,
	CW_INVALID_WRONG_TOPIC,     /* e.g. a billing type on the cdr topic */
	CW_INVALID_BAD_SUBSCRIBER,  /* not 5–15 digits */
	CW_INVALID_BAD_TIMESTAMP,   /* not RFC 3339 */
	CW_INVALID_FUTURE_TIMESTAMP,
	CW_INVALID_ANCIENT_TIMESTAMP,
	CW_INVALID_KEY_MISMATCH,    /* Kafka key present and != subscriber */
	CW_INVALID_UNKNOWN_TASK,    /* contact/offer/outcome for no task of
				     * the subscriber (judged by the engine) */
	CW_INVALID__COUNT
};

struct cw_event {
	enum cw_event_type type;
	enum cw_topic_kind topic;
	int64_t ts_ms;                         /* event time, ms since epoch UTC */
	char event_id[CW_EVENT_ID_MAX + 1];
	char subscriber[CW_SUB_MAX + 1];
	/* voice / sms */
	enum cw_direction direction;
	char peer[CW_DIGITS_MAX + 1];
	char forwarded_to[CW_DIGITS_MAX + 1];  /* voice (optional), forward_set */
	char imei[CW_IMEI_MAX + 1];            /* voice/sms/data, optional ("") */
	int64_t duration_s;                    /* voice */
	int64_t bytes;                         /* data */
	int64_t charge;                        /* voice/sms/data, money units */
	int64_t amount;                        /* recharge/invoice/payment */
	int32_t period;                        /* invoice: year*12 + (month-1) */
	enum cw_suspend_reason suspend_reason; /* suspend */
	char plan[CW_PLAN_MAX + 1];            /* activate */
	char region[CW_REGION_MAX + 1];        /* profile; activate optional */
	char plan_from[CW_PLAN_MAX + 1];       /* plan_change */
	char plan_to[CW_PLAN_MAX + 1];         /* plan_change */
	char reason[CW_PLAN_MAX + 1];          /* deactivate (free text, bounded) */
	int64_t commitment_end_ms;             /* activate/plan_change, optional (0) */
	int64_t due_ms;                        /* invoice, optional (0: ts + 20d) */
	enum cw_portout_kind portout_kind;     /* portout_request */
	char channel[CW_PLAN_MAX + 1];         /* portout_request, optional */
	/* contact / offer / outcome: the task (its first alert's id) */
	char task_id[CW_TASK_REF_LEN + 1];
	char agent[CW_AGENT_MAX + 1];          /* contact; offer/outcome optional */
	enum cw_contact_channel contact_channel;
	enum cw_contact_result contact_result;
	char offer[CW_PLAN_MAX + 1];           /* offer: its code (cost: amount) */
	enum cw_outcome outcome;               /* outcome (reason: `reason`) */
};

/* When an invoice without `due` is due: 20 days after it is issued. */
#define CW_INVOICE_TERMS_MS (20LL * 86400 * 1000)

/* Limits that depend on the clock; filled by the caller. */
struct cw_event_limits {
	int64_t now_ms;        /* wall clock used to judge "far future" */
	int64_t max_future_ms; /* ts > now + this is rejected (default 1 day) */
	int64_t min_ts_ms;     /* ts before this is rejected (default 2000-01-01) */
};

void cw_event_limits_default(struct cw_event_limits *lim, int64_t now_ms);

/*
 * Parse and validate one message from `topic`. `key` (may be NULL) is the
 * Kafka key; when present it must equal the subscriber.
 * Returns 0 and fills *ev on success; on failure returns -1, leaves *ev in
 * an unspecified state and sets *why. Never allocates.
 */
int cw_event_parse(const char *buf, size_t len, enum cw_topic_kind topic,
		   const char *key, size_t keylen,
		   const struct cw_event_limits *lim, struct cw_event *ev,
		   enum cw_invalid *why);

const char *cw_invalid_str(enum cw_invalid why);
const char *cw_event_type_str(enum cw_event_type t);
const char *cw_topic_kind_str(enum cw_topic_kind t);
/* Which topic a type belongs to. */
enum cw_topic_kind cw_event_type_topic(enum cw_event_type t);
/* The type named by len bytes of name ("voice", "portout_request"...), or
 * -1: the one map from a line's "type" to its topic for replay tools. */
int cw_event_type_lookup(const char *name, size_t len);
/* Is this an outgoing activity that breaks a silence (voice/sms out, data)? */
int cw_event_is_outgoing(const struct cw_event *ev);

/* Names of the suspension reasons and port-out kinds (index = enum). */
const char *cw_suspend_reason_str(enum cw_suspend_reason r);
const char *cw_portout_kind_str(enum cw_portout_kind k);

/* RFC 3339 helpers (UTC output with millisecond precision, "Z"). */
int cw_time_parse_rfc3339(const char *s, size_t len, int64_t *ms_out);
/* Writes at most 32 bytes including NUL. Returns length. */
int cw_time_format_rfc3339(int64_t ms, char *out, size_t outlen);

/* Proleptic Gregorian calendar (H. Hinnant's algorithms): days since
 * 1970-01-01 of a date, and back. Shared by every module that buckets by
 * calendar day or month. */
int64_t cw_days_from_civil(int64_t y, int m, int d);
void cw_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Validate E.164 subscriber digits (5–15 ASCII digits). 1 if valid. */
int cw_subscriber_valid(const char *s, size_t len);

/* Serialise an event back to canonical JSON (for tests, gen and replay).
 * Returns length written (excluding NUL) or -ENOSPC if outlen is too
 * small. */
int cw_event_to_json(const struct cw_event *ev, char *out, size_t outlen);

#endif
