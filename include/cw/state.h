/*
 * state.h — one subscriber's rolling state, and its compact encoding.
 *
 * The daemon keeps no subscriber state in memory between batches: each
 * subscriber's state lives in Redis as one binary blob (key s:<subscriber>),
 * decoded into a scratch struct cw_state, changed, re-encoded and written
 * back in the batch's transaction. The in-memory struct is large (fixed
 * arrays sized for the longest supported window) but only one exists at a
 * time; the encoding keeps just what the loaded rules can read
 * (struct cw_state_profile), so Redis memory follows the rule pack.
 */
#ifndef CW_STATE_H
#define CW_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "cw/event.h"
#include "cw/rules.h"

#define CW_DAY_MS (86400LL * 1000)
#define CW_DAYS_MAX 184      /* ring length: 180d windows + today + slack */
#define CW_MONTHS_MAX 16     /* monthly revenue ring */
#define CW_PEERS_MAX 128     /* distinct contacts tracked exactly */
#define CW_DEDUP_MAX 4096    /* event ids remembered within the dedup window */
#define CW_STATE_BLOB_MAX (64 * 1024)

/* Per-day counters, one ring each. */
enum cw_daily {
	CW_D_REVENUE = 0,        /* money units */
	CW_D_CALLS_OUT,
	CW_D_CALLS_IN,
	CW_D_SMS_OUT,
	CW_D_DATA_BYTES,
	CW_D_SECONDS_OUT,
	CW_D_OFFNET_CALLS,       /* outgoing voice to competitor numbers */
	CW_D_FORWARDED_OFFNET,   /* voice forwarded to competitor numbers */
	CW_D_SUSPENSIONS,
	CW_D_ARREARS_SUSPENSIONS,
	CW_D_RECHARGES,
	CW_D_RECHARGE_AMOUNT,    /* money units */
	CW_D_LATE_PAYMENTS,      /* payments settling an invoice past its due date */
	CW_D_PORTOUT_REQUESTS,   /* portout_request events */
	CW_D__COUNT
};

#define CW_INVOICES_MAX 6       /* unpaid invoices tracked (oldest first) */
#define CW_TASK_ID_LEN 32       /* a retention task's id: its first alert's */
#define CW_TASK_QUEUE_MAX 48    /* = CW_QUEUE_NAME_MAX (routing.h) */
#define CW_CONTACTS_MAX 8       /* task openings remembered for the budget */
#define CW_LOOP_ALERTS_MAX 8    /* alerts of the last lost_within kept */
#define CW_LOOP_CONTACTS_MAX 6  /* contacts of the task kept */
#define CW_LOOP_OFFERS_MAX 4    /* offers of the task kept */

/* What became of the subscriber's retention task (docs/retention.md). */
enum cw_loop_outcome {
	CW_LOOP_NONE = 0,
	CW_LOOP_PENDING,     /* an outcome: pending event */
	CW_LOOP_SAVED,       /* outcome: saved */
	CW_LOOP_LOST,        /* outcome: lost, or churned after an alert */
	CW_LOOP_RETAINED,    /* still active retained_after after a contact */
	CW_LOOP__COUNT
};
const char *cw_loop_outcome_str(enum cw_loop_outcome o);

struct cw_loop_alert {
	int64_t ts_ms;
	uint32_t rule_hash;
	char id[CW_TASK_ID_LEN + 1];
};

struct cw_loop_contact {
	int64_t ts_ms;
	uint32_t channel;           /* enum cw_contact_channel */
	uint32_t result;            /* enum cw_contact_result */
	char agent[CW_AGENT_MAX + 1];
};

struct cw_loop_offer {
	int64_t ts_ms;
	int64_t cost;               /* money units */
	char code[CW_PLAN_MAX + 1];
};

/* The retention loop's part of a subscriber (kept only with routing). */
struct cw_loop {
	uint32_t task_rule_hash;    /* the rule of the task's first alert */
	uint32_t outcome;           /* enum cw_loop_outcome of the task */
	char outcome_agent[CW_AGENT_MAX + 1];
	int64_t contacted_ms;       /* the task's first contact (0: none) */
	int64_t retained_due_ms;    /* when "retained" is judged (0: none) */
	int64_t quiet_until_ms;     /* saved: no alerts before this (0) */
	uint32_t nalerts;           /* newest last */
	struct cw_loop_alert alerts[CW_LOOP_ALERTS_MAX];
	uint32_t ncontacts;
	struct cw_loop_contact contacts[CW_LOOP_CONTACTS_MAX];
	uint32_t noffers;
	struct cw_loop_offer offers[CW_LOOP_OFFERS_MAX];
};

/* One value of each attribute the monthly counters are kept by. */
struct cw_seg {
	uint32_t tier;              /* 0 low, 1 mid, 2 high */
	uint32_t stage;             /* 0 new, 1 stable, 2 mature */
	char plan[CW_PLAN_MAX + 1];     /* "" none known */
	char region[CW_REGION_MAX + 1]; /* "" none known */
};

/* The segment a line is counted in by the monthly KPI counters
 * (docs/retention.md#kpis): what it was when last judged, so that a move
 * between segments is counted once, as out of the old and into the new;
 * and what it was when `month` began (or when it entered the counters in
 * that month), the segment a loss in that month is a loss of. */
struct cw_kseg {
	uint32_t counted;           /* 1: the line is in the counters */
	int32_t month;              /* of `start` (year*12 + month-1) */
	struct cw_seg now, start;
};

/* An invoice not yet paid in full: what is left, and when it was due. */
struct cw_invoice {
	int64_t due_ms;
	int64_t remaining;       /* money units, > 0 */
};

/*
 * The account beyond usage: suspension, money owed, the contract
 * commitment, deactivation. Encoded only when set (blob version 2), so a
 * subscriber without any of it keeps the version-1 bytes.
 */
struct cw_account {
	int64_t suspended_ms;       /* start of the current suspension (0: none) */
	uint32_t suspend_reason;    /* enum cw_suspend_reason of it */
	int64_t commitment_end_ms;  /* 0: no commitment */
	int64_t commitment_set_ms;  /* when the event carrying it happened */
	int64_t credit;             /* paid beyond what was invoiced */
	uint32_t ninvoices;
	struct cw_invoice invoices[CW_INVOICES_MAX];
	int64_t deactivated_ms;     /* 0: active */
	char deactivate_reason[CW_PLAN_MAX + 1];
	/* The subscriber's retention task (routing.yaml's budget,
	 * docs/retention.md): the last one opened, "" when never. */
	char task_id[CW_TASK_ID_LEN + 1];
	int64_t task_opened_ms;
	int64_t task_priority;      /* the highest of its alerts' */
	char task_queue[CW_TASK_QUEUE_MAX + 1];
	uint32_t ncontacts;         /* tasks opened, newest last */
	int64_t contacts_ms[CW_CONTACTS_MAX];
	struct cw_loop loop;
	char region[CW_REGION_MAX + 1]; /* activate/profile ("" none) */
	/* The handset: the IMEI its CDRs carry (a hash) and when it first
	 * appeared on the line (0: no CDR named one). */
	uint64_t device_hash;
	int64_t device_since_ms;
	struct cw_kseg kseg;            /* kept with routing only */
};

enum cw_state_flag {
	CW_ST_POSTPAID = 1u << 0,   /* has had an invoice */
	CW_ST_SUSPENDED = 1u << 1,
	CW_ST_FORWARDING = 1u << 2, /* unconditional forwarding is on */
	CW_ST_DEACTIVATED = 1u << 3,
	CW_ST_ACTIVATED = 1u << 4,  /* activate seen: activate_ms is real */
	CW_ST_FORCED_CHURN = 1u << 5, /* silent retention.forced_churn: counted
				       * churned until outgoing activity again */
};

struct cw_peer {
	uint32_t hash;
	int32_t last_day;
};

struct cw_dedup {
	uint64_t fp;     /* 64-bit hash of event_id */
	int64_t ts_ms;
};

/* What was last fired per rule: makes firing idempotent per window and
 * implements cooldown. Keyed by a hash of the rule name, so marks survive
 * reloads that reorder rules. */
struct cw_mark {
	uint32_t rule_hash;
	int64_t last_fire_ms;
	int64_t last_window;
};

struct cw_state {
	uint32_t flags;
	int64_t activate_ms;     /* activation, else first event seen */
	int64_t last_out_ms;     /* last outgoing activity (or activation) */
	int64_t newest_ms;       /* newest event ts applied */
	int64_t clock_ms;        /* timers evaluated up to here */
	char plan[CW_PLAN_MAX + 1];
	char forward_to[CW_DIGITS_MAX + 1];

	int32_t newest_day;                       /* day of the ring head */
	int32_t valid_lo[CW_D__COUNT];            /* oldest day with a real slot */

	struct cw_account acct;

	int32_t newest_month;                     /* year*12 + month-1 */
	int64_t month_rev[CW_MONTHS_MAX];         /* index: month % CW_MONTHS_MAX */
	int32_t closed_month;                     /* newest month judged closed */

	uint32_t npeers;
	uint32_t ndedup;
	uint32_t nmarks;

	/* Large arrays last: cw_state_init() clears only what precedes them;
	 * ring slots are made valid lazily (valid_lo) so a fresh or decoded
	 * state costs no 100 KB memset per subscriber. */
	int64_t daily[CW_D__COUNT][CW_DAYS_MAX];  /* index: day % CW_DAYS_MAX */
	struct cw_peer peers[CW_PEERS_MAX];
	struct cw_dedup dedup[CW_DEDUP_MAX];
	struct cw_mark marks[CW_RULES_MAX];
};

/*
 * What to keep: derived from the loaded rules (engine). Days beyond
 * keep_days[f] are dropped when encoding.
 */
struct cw_state_profile {
	uint16_t keep_days[CW_D__COUNT];
	uint16_t keep_months;
	uint16_t peer_days;          /* 0: contacts not tracked */
	int64_t dedup_window_ms;
	int64_t utc_offset_ms;
};

/* A fresh, empty state. */
void cw_state_init(struct cw_state *st);
int cw_state_is_empty(const struct cw_state *st);

/* Calendar helpers honouring the configured UTC offset. */
int32_t cw_day_of(int64_t ts_ms, int64_t utc_offset_ms);
int32_t cw_month_of(int64_t ts_ms, int64_t utc_offset_ms);
/* First instant (ms) of month index m. */
int64_t cw_month_start(int32_t month, int64_t utc_offset_ms);
int64_t cw_day_start(int32_t day, int64_t utc_offset_ms);

/* Add v to daily counter f on `day`, moving the ring head as needed: 0,
 * or -ERANGE for a day older than the ring (ignored). */
int cw_state_add_daily(struct cw_state *st, enum cw_daily f, int32_t day,
		       int64_t v);
/* Sum of counter f over days (day(now) - ndays, day(now)]. */
int64_t cw_state_sum_daily(const struct cw_state *st, enum cw_daily f,
			   int32_t now_day, int32_t ndays);
void cw_state_add_month(struct cw_state *st, int32_t month, int64_t v);
/* Revenue of month m (0 if outside the ring). */
int64_t cw_state_month(const struct cw_state *st, int32_t month);
/* `number` was contacted on `day`. Peers last contacted `keep_days` or
 * more before the newest day are forgotten first (0: never), exactly as
 * encoding forgets them, so the table is the same whether or not the
 * state went through Redis in between (guarantee 3). */
/* A CDR at `ts` named handset `imei`: a different handset than the one
 * kept, newer than it, becomes the line's from `ts`; the same one seen
 * earlier moves its start back (a late CDR). An older CDR of another
 * handset changes nothing. */
void cw_state_note_device(struct cw_state *st, const char *imei, int64_t ts);
void cw_state_touch_peer(struct cw_state *st, const char *number,
			 int32_t day, int32_t keep_days);
uint32_t cw_state_count_peers(const struct cw_state *st, int32_t now_day,
			      int32_t ndays);

/*
 * Remember event_id; returns 1 if it was already seen within the dedup
 * window (a duplicate: the caller must change nothing), 0 if new.
 */
int cw_state_dedup(struct cw_state *st, const char *event_id, int64_t ts_ms,
		   int64_t window_ms);

struct cw_mark *cw_state_mark(struct cw_state *st, uint32_t rule_hash,
			      int create);

/*
 * Encode into buf (at most buflen bytes). Returns the length, or -ENOSPC
 * if it does not fit. The format is versioned and documented in docs/state.md.
 */
int cw_state_encode(const struct cw_state *st,
		    const struct cw_state_profile *prof, uint8_t *buf,
		    size_t buflen);
/* Decode; returns 0, or -EINVAL on a corrupt/unknown blob (st is then reset).
 * `prof` says which daily rings are meaningful (their slots are cleared). */
int cw_state_decode(struct cw_state *st, const struct cw_state_profile *prof,
		    const uint8_t *buf, size_t len);

#endif
