/*
 * features.h — the learned score's feature vector (docs/score.md).
 *
 * One fixed, versioned list of numbers per subscriber, computed from the
 * daemon's own state by the engine's feature reader (cw_engine_feature),
 * the code the rules use. `churnctl features` writes it, `churnctl train`
 * fits a model on it, and the daemon scores it: the three cannot drift
 * apart because there is only this one definition.
 *
 * Changing the list or the meaning of an entry is a new
 * CW_FEATURES_VERSION: a model trained on another version is refused at
 * load (cw_model_load), never silently mis-scored.
 */
#ifndef CW_FEATURES_H
#define CW_FEATURES_H

#include <stddef.h>
#include <stdint.h>

struct cw_engine;
struct cw_state;
struct cw_state_profile;

#define CW_FEATURES_VERSION 2

enum cw_fv {
	CW_FV_CALLS_OUT_30D = 0,
	CW_FV_CALLS_OUT_CHANGE,     /* last 30d against the 60d before, see below */
	CW_FV_MINUTES_OUT_30D,
	CW_FV_MINUTES_OUT_CHANGE,
	CW_FV_CALLS_IN_30D,
	CW_FV_CALLS_IN_CHANGE,
	CW_FV_SMS_OUT_30D,
	CW_FV_SMS_OUT_CHANGE,
	CW_FV_DATA_MB_30D,
	CW_FV_DATA_CHANGE,
	CW_FV_REVENUE_30D,
	CW_FV_REVENUE_CHANGE,
	CW_FV_RECHARGES_30D,
	CW_FV_RECHARGE_AMOUNT_30D,
	CW_FV_RECHARGE_CHANGE,
	CW_FV_REVENUE_MONTH_1,      /* last closed month */
	CW_FV_REVENUE_BASELINE,     /* mean of the 3 months before it */
	CW_FV_REVENUE_MONTH_CHANGE, /* month 1 against the baseline */
	CW_FV_DAYS_SILENT,
	CW_FV_DISTINCT_PEERS_30D,
	CW_FV_DISTINCT_PEERS_90D,
	CW_FV_PEERS_CHANGE,         /* share of the 90d circle still called in 30d */
	CW_FV_OFFNET_SHARE_30D,
	CW_FV_OFFNET_SHARE_CHANGE,  /* 30d share minus the 90d share */
	CW_FV_FORWARDED_OFFNET_30D,
	CW_FV_SUSPENSIONS_90D,
	CW_FV_ARREARS_SUSPENSIONS_90D,
	CW_FV_SUSPENDED,
	CW_FV_DAYS_SUSPENDED,
	CW_FV_LATE_PAYMENTS_90D,
	CW_FV_UNPAID_AMOUNT,
	CW_FV_DAYS_OVERDUE,
	CW_FV_PORTOUT_REQUESTS_30D,
	CW_FV_IN_COMMITMENT,
	CW_FV_DAYS_TO_COMMITMENT_END,
	CW_FV_TENURE_DAYS,
	CW_FV_TENURE_STAGE,
	CW_FV_PLAN_FEE,
	CW_FV_ARPU_TIER,
	CW_FV_HANDSET_DAYS,         /* version 2; missing (NaN) when no CDR named one */
	CW_FV__COUNT
};

/* The column name of entry i ("calls_out_30d"), NULL past the end. */
const char *cw_features_name(size_t i);
/* Index of a name, -1 if unknown. */
int cw_features_lookup(const char *name);
/* "calls_out_30d,calls_out_change,..." (static storage). */
const char *cw_features_list(void);

/*
 * The vector of `st` as of event time `now` (ms), into out[CW_FV__COUNT].
 * Pure and allocation-free. The state must have been kept with a profile
 * extended by cw_features_profile(), or windowed entries read short.
 */
void cw_features_compute(const struct cw_engine *e, const struct cw_state *st,
			 int64_t now, float out[CW_FV__COUNT]);

/* Extend `p` so that the state keeps what the vector reads (90 days of
 * the daily counters and contacts, 4 closed months). */
void cw_features_profile(struct cw_state_profile *p);

#endif
