/*
 * features.c — the learned score's feature vector, read through the
 * engine's own feature reader so that rules and model see the same
 * numbers (docs/score.md lists every entry and why it is there).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cw/engine.h"
#include "cw/features.h"

#define DAYS(n) ((int64_t)(n) * CW_DAY_MS)

static const char *const fv_names[CW_FV__COUNT] = {
	[CW_FV_CALLS_OUT_30D] = "calls_out_30d",
	[CW_FV_CALLS_OUT_CHANGE] = "calls_out_change",
	[CW_FV_MINUTES_OUT_30D] = "minutes_out_30d",
	[CW_FV_MINUTES_OUT_CHANGE] = "minutes_out_change",
	[CW_FV_CALLS_IN_30D] = "calls_in_30d",
	[CW_FV_CALLS_IN_CHANGE] = "calls_in_change",
	[CW_FV_SMS_OUT_30D] = "sms_out_30d",
	[CW_FV_SMS_OUT_CHANGE] = "sms_out_change",
	[CW_FV_DATA_MB_30D] = "data_mb_30d",
	[CW_FV_DATA_CHANGE] = "data_change",
	[CW_FV_REVENUE_30D] = "revenue_30d",
	[CW_FV_REVENUE_CHANGE] = "revenue_change",
	[CW_FV_RECHARGES_30D] = "recharges_30d",
	[CW_FV_RECHARGE_AMOUNT_30D] = "recharge_amount_30d",
	[CW_FV_RECHARGE_CHANGE] = "recharge_change",
	[CW_FV_REVENUE_MONTH_1] = "revenue_month_1",
	[CW_FV_REVENUE_BASELINE] = "revenue_baseline",
	[CW_FV_REVENUE_MONTH_CHANGE] = "revenue_month_change",
	[CW_FV_DAYS_SILENT] = "days_silent",
	[CW_FV_DISTINCT_PEERS_30D] = "distinct_peers_30d",
	[CW_FV_DISTINCT_PEERS_90D] = "distinct_peers_90d",
	[CW_FV_PEERS_CHANGE] = "peers_change",
	[CW_FV_OFFNET_SHARE_30D] = "offnet_share_30d",
	[CW_FV_OFFNET_SHARE_CHANGE] = "offnet_share_change",
	[CW_FV_FORWARDED_OFFNET_30D] = "forwarded_offnet_30d",
	[CW_FV_SUSPENSIONS_90D] = "suspensions_90d",
	[CW_FV_ARREARS_SUSPENSIONS_90D] = "arrears_suspensions_90d",
	[CW_FV_SUSPENDED] = "suspended",
	[CW_FV_DAYS_SUSPENDED] = "days_suspended",
	[CW_FV_LATE_PAYMENTS_90D] = "late_payments_90d",
	[CW_FV_UNPAID_AMOUNT] = "unpaid_amount",
	[CW_FV_DAYS_OVERDUE] = "days_overdue",
	[CW_FV_PORTOUT_REQUESTS_30D] = "portout_requests_30d",
	[CW_FV_IN_COMMITMENT] = "in_commitment",
	[CW_FV_DAYS_TO_COMMITMENT_END] = "days_to_commitment_end",
	[CW_FV_TENURE_DAYS] = "tenure_days",
	[CW_FV_TENURE_STAGE] = "tenure_stage",
	[CW_FV_PLAN_FEE] = "plan_fee",
	[CW_FV_ARPU_TIER] = "arpu_tier",
	[CW_FV_HANDSET_DAYS] = "handset_days",
};

const char *cw_features_name(size_t i)
{
	return i < CW_FV__COUNT ? fv_names[i] : NULL;
}

int cw_features_lookup(const char *name)
{
	for (size_t i = 0; i < CW_FV__COUNT; i++)
		if (!strcmp(fv_names[i], name))
			return (int)i;
	return -1;
}

const char *cw_features_list(void)
{
	/* Built from the table itself, so it cannot disagree with it. */
	static char list[1024];

	if (!list[0]) {
		size_t used = 0;
		for (size_t i = 0; i < CW_FV__COUNT; i++)
			used += (size_t)snprintf(list + used, sizeof(list) - used,
						 "%s%s", i ? "," : "",
						 fv_names[i]);
	}
	return list;
}

/*
 * A change as a number in [-1, 1]: (now - before) / (now + before), 0
 * when both are 0. -1 is "stopped", +1 "started", 0 "as before". Bounded,
 * so a light user's 1 -> 0 and a heavy user's 300 -> 0 read alike, and a
 * tree needs no per-scale thresholds.
 */
static float change(double now, double before)
{
	double s = now + before;

	return s > 0 ? (float)((now - before) / s) : 0.0f;
}

/* Last 30 days, and the mean 30 days of the 60 before them. */
static void window_pair(struct cw_feature_ctx *c, enum cw_feature f,
			double *last, double *before)
{
	double w90 = cw_engine_feature(c, f, DAYS(90));

	*last = cw_engine_feature(c, f, DAYS(30));
	*before = (w90 - *last) / 2;
	if (*before < 0)
		*before = 0;
}

static void usage_entries(struct cw_feature_ctx *c, float *out)
{
	static const struct {
		enum cw_feature f;
		int last, chg;
		double scale;
	} u[] = {
		{CW_F_CALLS_OUT, CW_FV_CALLS_OUT_30D, CW_FV_CALLS_OUT_CHANGE, 1},
		{CW_F_MINUTES_OUT, CW_FV_MINUTES_OUT_30D, CW_FV_MINUTES_OUT_CHANGE, 1},
		{CW_F_CALLS_IN, CW_FV_CALLS_IN_30D, CW_FV_CALLS_IN_CHANGE, 1},
		{CW_F_SMS_OUT, CW_FV_SMS_OUT_30D, CW_FV_SMS_OUT_CHANGE, 1},
		{CW_F_DATA_BYTES, CW_FV_DATA_MB_30D, CW_FV_DATA_CHANGE, 1e-6},
		{CW_F_REVENUE, CW_FV_REVENUE_30D, CW_FV_REVENUE_CHANGE, 1},
		{CW_F_RECHARGE_AMOUNT, CW_FV_RECHARGE_AMOUNT_30D, CW_FV_RECHARGE_CHANGE, 1},
	};

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		double last, before;

		window_pair(c, u[i].f, &last, &before);
		out[u[i].last] = (float)(last * u[i].scale);
		out[u[i].chg] = change(last, before);
	}
	out[CW_FV_RECHARGES_30D] = (float)cw_engine_feature(c, CW_F_RECHARGES, DAYS(30));
}

static void revenue_month_entries(struct cw_feature_ctx *c, float *out)
{
	double m1 = cw_engine_feature(c, CW_F_REVENUE_MONTH, 1), base = 0;
	int n = 0;

	/* Months before activation are not "zero revenue": leave them out. */
	int32_t cur = cw_month_of(c->now, c->e->conf.utc_offset_ms);
	int32_t first = cw_month_of(c->st->activate_ms, c->e->conf.utc_offset_ms);

	for (int k = 2; k <= 4 && cur - k >= first; k++) {
		base += cw_engine_feature(c, CW_F_REVENUE_MONTH, k);
		n++;
	}
	base = n ? base / n : 0;
	out[CW_FV_REVENUE_MONTH_1] = (float)m1;
	out[CW_FV_REVENUE_BASELINE] = (float)base;
	out[CW_FV_REVENUE_MONTH_CHANGE] = change(m1, base);
}

static void circle_entries(struct cw_feature_ctx *c, float *out)
{
	double p30 = cw_engine_feature(c, CW_F_DISTINCT_PEERS, DAYS(30));
	double p90 = cw_engine_feature(c, CW_F_DISTINCT_PEERS, DAYS(90));
	double s30 = cw_engine_feature(c, CW_F_OFFNET_SHARE, DAYS(30));
	double s90 = cw_engine_feature(c, CW_F_OFFNET_SHARE, DAYS(90));

	out[CW_FV_DISTINCT_PEERS_30D] = (float)p30;
	out[CW_FV_DISTINCT_PEERS_90D] = (float)p90;
	out[CW_FV_PEERS_CHANGE] = p90 > 0 ? (float)(p30 / p90) : 0.0f;
	out[CW_FV_OFFNET_SHARE_30D] = (float)s30;
	out[CW_FV_OFFNET_SHARE_CHANGE] = (float)(s30 - s90);
	out[CW_FV_FORWARDED_OFFNET_30D] =
		(float)cw_engine_feature(c, CW_F_FORWARDED_OFFNET, DAYS(30));
}

static void account_entries(struct cw_feature_ctx *c, float *out)
{
	static const struct {
		enum cw_feature f;
		int64_t arg;
		int slot;
	} a[] = {
		{CW_F_SUSPENSIONS, DAYS(90), CW_FV_SUSPENSIONS_90D},
		{CW_F_ARREARS_SUSPENSIONS, DAYS(90), CW_FV_ARREARS_SUSPENSIONS_90D},
		{CW_F_SUSPENDED, 0, CW_FV_SUSPENDED},
		{CW_F_DAYS_SUSPENDED, 0, CW_FV_DAYS_SUSPENDED},
		{CW_F_LATE_PAYMENTS, DAYS(90), CW_FV_LATE_PAYMENTS_90D},
		{CW_F_UNPAID_AMOUNT, 0, CW_FV_UNPAID_AMOUNT},
		{CW_F_DAYS_OVERDUE, 0, CW_FV_DAYS_OVERDUE},
		{CW_F_PORTOUT_REQUESTS, DAYS(30), CW_FV_PORTOUT_REQUESTS_30D},
		{CW_F_IN_COMMITMENT, 0, CW_FV_IN_COMMITMENT},
		{CW_F_DAYS_TO_COMMITMENT_END, 0, CW_FV_DAYS_TO_COMMITMENT_END},
		{CW_F_DAYS_SILENT, 0, CW_FV_DAYS_SILENT},
		{CW_F_TENURE_STAGE, 0, CW_FV_TENURE_STAGE},
		{CW_F_PLAN_FEE, 0, CW_FV_PLAN_FEE},
		{CW_F_ARPU_TIER, 0, CW_FV_ARPU_TIER},
	};

	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		out[a[i].slot] = (float)cw_engine_feature(c, a[i].f, a[i].arg);
	out[CW_FV_TENURE_DAYS] =
		(float)floor(cw_engine_feature(c, CW_F_TENURE, 0) / CW_DAY_MS);
	/* Unknown is missing, not 0 (a handset of today): the trees send it
	 * their default way. */
	double hd = cw_engine_feature(c, CW_F_HANDSET_DAYS, 0);
	out[CW_FV_HANDSET_DAYS] = hd < 0 ? NAN : (float)hd;
}

void cw_features_compute(const struct cw_engine *e, const struct cw_state *st,
			 int64_t now, float out[CW_FV__COUNT])
{
	struct cw_feature_ctx c = {e, st, now};

	usage_entries(&c, out);
	revenue_month_entries(&c, out);
	circle_entries(&c, out);
	account_entries(&c, out);
}

void cw_features_profile(struct cw_state_profile *p)
{
	for (int f = 0; f < CW_D__COUNT; f++)
		if (p->keep_days[f] < 90)
			p->keep_days[f] = 90;
	if (p->peer_days < 90)
		p->peer_days = 90;
	if (p->keep_months < 8) /* revenue_month(4) and its slack */
		p->keep_months = 8;
}
