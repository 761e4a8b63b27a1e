/*
 * expr.h — the rule expression language (`when:` / `where:`).
 *
 * Source text is compiled once at load time into a flat, immutable program;
 * evaluation walks that program with a fixed-size stack and never allocates.
 * Features (revenue(30d), tenure, ...) are read through a callback so this
 * module knows nothing about Redis, Kafka or the state layout.
 *
 * Types: number, duration (milliseconds), bool, string. Percentages are
 * numbers (40% == 0.4). Strings may only be compared (== !=) with the
 * enumerated features arpu_tier ("low" "mid" "high"), tenure_stage
 * ("new" "stable" "mature") and suspension_reason ("none" "arrears"
 * "request" "fraud" "other"); the string is checked at compile time.
 * suspended and in_commitment are conditions (bool).
 * Durations compare with durations; duration * number and duration / number
 * are durations; duration / duration is a number.
 */
#ifndef CW_EXPR_H
#define CW_EXPR_H

#include <stddef.h>
#include <stdint.h>

#define CW_EXPR_MAX_LEN 4096     /* source bytes */
#define CW_EXPR_MAX_NODES 256    /* compiled program size */
#define CW_EXPR_MAX_DEPTH 32     /* nesting; also the evaluation stack bound */
#define CW_WINDOW_MAX_MS (180LL * 86400 * 1000)

enum cw_feature {
	/* windowed: argument is a window length in ms, (now - W, now] */
	CW_F_REVENUE = 0,
	CW_F_CALLS_OUT,
	CW_F_CALLS_IN,
	CW_F_SMS_OUT,
	CW_F_DATA_BYTES,
	CW_F_MINUTES_OUT,
	CW_F_DISTINCT_PEERS,
	CW_F_OFFNET_SHARE,      /* offnet outgoing calls / outgoing calls, 0..1 */
	CW_F_FORWARDED_OFFNET,  /* voice CDRs forwarded to competitors */
	CW_F_SUSPENSIONS,
	CW_F_ARREARS_SUSPENSIONS,
	CW_F_RECHARGES,
	CW_F_RECHARGE_AMOUNT,
	/* argument: month offset k (0 current month, 1 last closed, ...) */
	CW_F_REVENUE_MONTH,
	/* no argument */
	CW_F_DAYS_SILENT,       /* number of days since last outgoing activity */
	CW_F_TENURE,            /* duration since activation */
	CW_F_PLAN_FEE,          /* monthly fee of the current plan, 0 if unknown */
	CW_F_ARPU_TIER,         /* enum: 0 low, 1 mid, 2 high */
	CW_F_TENURE_STAGE,      /* enum: 0 new, 1 stable, 2 mature */
	/* the whole subscriber (account, contract, port-out) */
	CW_F_LATE_PAYMENTS,     /* windowed: payments settling an invoice after its due date */
	CW_F_PORTOUT_REQUESTS,  /* windowed: portout_request events */
	CW_F_SUSPENDED,         /* bool */
	CW_F_DAYS_SUSPENDED,    /* whole days since the current suspension (0 if none) */
	CW_F_SUSPENSION_REASON, /* enum: none arrears request fraud other */
	CW_F_UNPAID_AMOUNT,     /* invoiced and not yet paid, money */
	CW_F_DAYS_OVERDUE,      /* whole days past the oldest unpaid invoice's due date */
	CW_F_IN_COMMITMENT,     /* bool: a contract commitment runs now */
	CW_F_DAYS_TO_COMMITMENT_END, /* whole days left (negative after; 0 without one) */
	CW_F_RISK,              /* the configured model's churn probability, 0..1 (docs/score.md) */
	CW_F_HANDSET_DAYS,      /* whole days since the line's handset (CDR imei) first
				 * appeared; -1 when no CDR named one */
	CW_F__COUNT
};

enum cw_feature_arg { CW_FARG_NONE, CW_FARG_WINDOW, CW_FARG_MONTH };

struct cw_feature_info {
	const char *name;
	enum cw_feature_arg arg;
	int is_duration; /* result type is duration (tenure) */
	int is_enum;     /* arpu_tier / tenure_stage / suspension_reason */
	int is_bool;     /* suspended / in_commitment */
	int moves;       /* changes as event time passes, with no event */
};

/* Value names of an enumerated feature: index -> name (NULL past the
 * last), and how many there are. */
const char *cw_feature_enum_value(enum cw_feature f, int i);
int cw_feature_enum_count(enum cw_feature f);

const struct cw_feature_info *cw_feature_info(enum cw_feature f);
/* Look up by name; returns -1 if unknown. */
int cw_feature_lookup(const char *name, size_t len);

/*
 * Feature reader supplied by the caller (the engine). `arg` is the window
 * in ms for windowed features, k for revenue_month, 0 otherwise. Must not
 * fail: unknown data reads as 0. Enum features return their index.
 */
typedef double (*cw_feature_fn)(void *ctx, enum cw_feature f, int64_t arg);

struct cw_expr;

/*
 * Compile `src` (len bytes). `file`, `line`, `col` locate src[0] in the
 * rule file so errors point at the exact token: on failure returns -1 and
 * writes "FILE:LINE:COL: message" into err. The result must be boolean.
 * On success *out is a new program owned by the caller (cw_expr_free).
 */
int cw_expr_compile(const char *src, size_t len, const char *file, int line,
		    int col, struct cw_expr **out, char *err, size_t errlen);
void cw_expr_free(struct cw_expr *e);

/* Evaluate to 0/1. Division by zero yields 0; never allocates. */
int cw_expr_eval(const struct cw_expr *e, cw_feature_fn fn, void *ctx);

/* Call cb for every feature reference (feature, argument) in the program:
 * the engine uses it to size the state it keeps. */
void cw_expr_visit_features(const struct cw_expr *e,
			    void (*cb)(void *ctx, enum cw_feature f,
				       int64_t arg),
			    void *ctx);

/* Canonical text of the compiled program (for messages and tests). */
int cw_expr_to_string(const struct cw_expr *e, char *out, size_t outlen);

/*
 * Cheap satisfiability probe used by `check-rules` to warn about rules
 * that can never fire: evaluates `a and b` against each sample feature
 * vector produced by the caller. Returns 1 if any sample satisfied both.
 * (Heuristic: a 0 result means "no sample found", reported as a warning.)
 */
int cw_expr_jointly_satisfiable(const struct cw_expr *a,
				const struct cw_expr *b);

/* Shared lexical helpers, also used for rule params (`for: 7d`, `40%`).
 * Durations: integer or decimal followed by s m h d (w also accepted).
 * Return 0 on success. */
int cw_parse_duration(const char *s, size_t len, int64_t *ms_out);
/* A duration as rules write it: the largest whole unit ("14d", "12h",
 * "90m", "45s"), else milliseconds ("1500ms"). */
void cw_format_duration(char *buf, size_t len, double ms);
/* "40%" -> 0.4; a bare number in [0,1] is also accepted. */
int cw_parse_percent(const char *s, size_t len, double *out);

#endif
