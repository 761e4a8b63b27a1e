/*
 * inspect.c — one subscriber's state as the people who act on it read it
 * (see include/cw/inspect.h): the point-of-contact view behind
 * `churnctl inspect`. Pure: it reads a decoded state through the same
 * feature code the rules use, so what an agent sees is what the rules saw.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cw/features.h"
#include "cw/inspect.h"
#include "cw/model.h"
#include "cw/refdata.h"
#include "cw/sbuf.h"

static const int inspect_windows[] = {7, 30, 90};
#define NWIN (sizeof(inspect_windows) / sizeof(inspect_windows[0]))

/* The windowed features shown, with the counter that must be kept. */
static const struct {
	const char *label;
	enum cw_feature f;
	int money;
} inspect_usage[] = {
	{"calls out", CW_F_CALLS_OUT, 0},
	{"minutes out", CW_F_MINUTES_OUT, 0},
	{"calls in", CW_F_CALLS_IN, 0},
	{"sms out", CW_F_SMS_OUT, 0},
	{"distinct contacts", CW_F_DISTINCT_PEERS, 0},
	{"off-net share", CW_F_OFFNET_SHARE, 0},
	{"revenue", CW_F_REVENUE, 1},
	{"recharges", CW_F_RECHARGES, 0},
	{"suspensions", CW_F_SUSPENSIONS, 0},
	{"late payments", CW_F_LATE_PAYMENTS, 0},
};
#define NUSAGE (sizeof(inspect_usage) / sizeof(inspect_usage[0]))

static void inspect_date(int64_t ms, char *buf, size_t len)
{
	if (!ms) {
		snprintf(buf, len, "-");
		return;
	}
	cw_time_format_rfc3339(ms, buf, len);
}

/* ---- text -------------------------------------------------------------- */

static double inspect_feature(const struct cw_inspect *in, enum cw_feature f,
			      int64_t arg)
{
	struct cw_feature_ctx c = {in->engine, in->state, in->at};

	return cw_engine_feature(&c, f, arg);
}

static void text_status(struct cw_sbuf *b, const struct cw_inspect *in)
{
	const struct cw_state *st = in->state;
	char t[40];

	if (st->flags & CW_ST_DEACTIVATED) {
		inspect_date(st->acct.deactivated_ms, t, sizeof(t));
		cw_sbuf_printf(b, "  status        deactivated %s (%s): closed, no alerts\n",
			  t, st->acct.deactivate_reason[0] ? st->acct.deactivate_reason
							   : "no reason given");
	} else if (st->flags & CW_ST_SUSPENDED) {
		inspect_date(st->acct.suspended_ms, t, sizeof(t));
		cw_sbuf_printf(b, "  status        suspended since %s (%s, %.0f days)\n", t,
			  cw_suspend_reason_str((enum cw_suspend_reason)st->acct.suspend_reason),
			  inspect_feature(in, CW_F_DAYS_SUSPENDED, 0));
	} else {
		cw_sbuf_printf(b, "  status        active\n");
	}
}

static void text_account(struct cw_sbuf *b, const struct cw_inspect *in)
{
	const struct cw_state *st = in->state;
	char t[40];

	cw_sbuf_printf(b, "  forwarding    %s%s\n",
		  st->flags & CW_ST_FORWARDING ? "on -> " : "off",
		  st->flags & CW_ST_FORWARDING ? st->forward_to : "");
	cw_sbuf_printf(b, "  billing       %s, unpaid %.2f, %.0f days overdue, credit %.2f\n",
		  st->flags & CW_ST_POSTPAID ? "postpaid" : "prepaid",
		  inspect_feature(in, CW_F_UNPAID_AMOUNT, 0),
		  inspect_feature(in, CW_F_DAYS_OVERDUE, 0),
		  (double)st->acct.credit / CW_MONEY_SCALE);
	if (st->acct.commitment_end_ms) {
		inspect_date(st->acct.commitment_end_ms, t, sizeof(t));
		cw_sbuf_printf(b, "  commitment    ends %s (%.0f days)\n", t,
			  inspect_feature(in, CW_F_DAYS_TO_COMMITMENT_END, 0));
	} else {
		cw_sbuf_printf(b, "  commitment    none\n");
	}
}

static void text_usage(struct cw_sbuf *b, const struct cw_inspect *in)
{
	cw_sbuf_printf(b, "  usage         %12s %12s %12s\n", "7d", "30d", "90d");
	for (size_t i = 0; i < NUSAGE; i++) {
		cw_sbuf_printf(b, "    %-18s", inspect_usage[i].label);
		for (size_t w = 0; w < NWIN; w++) {
			int d = inspect_windows[w];
			double v;

			if (!cw_engine_keeps(in->engine, inspect_usage[i].f, d * CW_DAY_MS)) {
				cw_sbuf_printf(b, " %12s", "(not kept)");
				continue;
			}
			v = inspect_feature(in, inspect_usage[i].f, d * CW_DAY_MS);
			if (inspect_usage[i].money)
				cw_sbuf_printf(b, " %12.2f", v);
			else if (inspect_usage[i].f == CW_F_OFFNET_SHARE)
				cw_sbuf_printf(b, " %12.3f", v);
			else
				cw_sbuf_printf(b, " %12.0f", v);
		}
		cw_sbuf_printf(b, "\n");
	}
}

/* Rule marks: the last firing of each rule and its cooldown. */
static void text_rules(struct cw_sbuf *b, const struct cw_inspect *in)
{
	const struct cw_ruleset *rs = in->engine->rules;
	int any = 0;

	for (size_t i = 0; rs && i < rs->nrules; i++) {
		const struct cw_mark *m = NULL;
		char t[40], u[40];

		for (uint32_t k = 0; k < in->state->nmarks; k++)
			if (in->state->marks[k].rule_hash == in->engine->rule_hash[i])
				m = &in->state->marks[k];
		if (!m || m->last_fire_ms == INT64_MIN || m->last_fire_ms == 0)
			continue;
		if (!any)
			cw_sbuf_printf(b, "  last alerts   %-26s %-26s %s\n", "rule",
				  "fired", "cooldown until");
		any = 1;
		inspect_date(m->last_fire_ms, t, sizeof(t));
		inspect_date(m->last_fire_ms + rs->rules[i].cooldown_ms, u, sizeof(u));
		cw_sbuf_printf(b, "                %-26s %-26s %s\n", rs->rules[i].name, t,
			  rs->rules[i].cooldown_ms ? u : "-");
	}
	if (!any)
		cw_sbuf_printf(b, "  last alerts   none\n");
}

static void text_risk(struct cw_sbuf *b, const struct cw_inspect *in);

static char *render_text(const struct cw_inspect *in)
{
	const struct cw_state *st = in->state;
	struct cw_sbuf b = {0};
	char t[40], at[40];
	int32_t cur = cw_month_of(in->at, in->engine->conf.utc_offset_ms);
	int64_t fee = st->plan[0] && in->engine->plans
			      ? cw_plans_fee(in->engine->plans, st->plan)
			      : -1;

	inspect_date(in->at, at, sizeof(at));
	cw_sbuf_printf(&b, "subscriber %s (as of %s)\n", in->subscriber, at);
	text_status(&b, in);
	if (fee >= 0)
		cw_sbuf_printf(&b, "  plan          %s (fee %.2f)\n", st->plan,
			  (double)fee / CW_MONEY_SCALE);
	else
		cw_sbuf_printf(&b, "  plan          %s\n", st->plan[0] ? st->plan : "unknown");
	if (st->acct.region[0])
		cw_sbuf_printf(&b, "  region        %s\n", st->acct.region);
	inspect_date(st->activate_ms, t, sizeof(t));
	cw_sbuf_printf(&b, "  tenure        %.0f days since %s (%s), ARPU tier %s\n",
		  floor(inspect_feature(in, CW_F_TENURE, 0) / CW_DAY_MS), t,
		  cw_tenure_stage_str(cw_engine_tenure_stage(in->engine, st, in->at)),
		  cw_arpu_tier_str(cw_engine_arpu_tier(in->engine, st, in->at)));
	inspect_date(st->last_out_ms, t, sizeof(t));
	cw_sbuf_printf(&b, "  last outgoing %s (%.0f days silent)\n", t,
		  inspect_feature(in, CW_F_DAYS_SILENT, 0));
	cw_sbuf_printf(&b, "  revenue       ");
	for (int k = 0; k < 4; k++) {
		int32_t m = cur - k;
		cw_sbuf_printf(&b, "%s%04d-%02d %.2f", k ? "  " : "", m / 12, m % 12 + 1,
			  (double)cw_state_month(st, m) / CW_MONEY_SCALE);
	}
	cw_sbuf_printf(&b, "\n");
	text_usage(&b, in);
	text_account(&b, in);
	text_rules(&b, in);
	text_risk(&b, in);
	if (in->next_due == INT64_MAX || in->next_due <= 0)
		cw_sbuf_printf(&b, "  next timer    none\n");
	else {
		inspect_date(in->next_due, t, sizeof(t));
		cw_sbuf_printf(&b, "  next timer    %s\n", t);
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ---- JSON -------------------------------------------------------------- */

/* Money to the cent, shares to 3 decimals, counts as integers. */
static json_object *jnum(double v, int decimals)
{
	char buf[48];

	if (decimals == 0 && v == floor(v) && fabs(v) < 9e15)
		return json_object_new_int64((int64_t)v);
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(strtod(buf, NULL), buf);
}

static json_object *jtime(int64_t ms)
{
	char t[40];

	if (!ms)
		return NULL;
	cw_time_format_rfc3339(ms, t, sizeof(t));
	return json_object_new_string(t);
}

static json_object *json_usage(const struct cw_inspect *in)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < NUSAGE; i++) {
		json_object *w = json_object_new_object();
		const struct cw_feature_info *fi = cw_feature_info(inspect_usage[i].f);

		for (size_t k = 0; w && k < NWIN; k++) {
			char key[8];
			int d = inspect_windows[k];

			snprintf(key, sizeof(key), "%dd", d);
			json_object_object_add(
				w, key,
				cw_engine_keeps(in->engine, inspect_usage[i].f, d * CW_DAY_MS)
					? jnum(inspect_feature(in, inspect_usage[i].f,
							       d * CW_DAY_MS),
					       inspect_usage[i].money ? 2
					       : inspect_usage[i].f == CW_F_OFFNET_SHARE ? 3
											   : 0)
					: NULL);
		}
		json_object_object_add(o, fi->name, w);
	}
	return o;
}

static json_object *json_rules(const struct cw_inspect *in)
{
	const struct cw_ruleset *rs = in->engine->rules;
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && rs && i < rs->nrules; i++) {
		const struct cw_mark *m = NULL;
		json_object *r;

		for (uint32_t k = 0; k < in->state->nmarks; k++)
			if (in->state->marks[k].rule_hash == in->engine->rule_hash[i])
				m = &in->state->marks[k];
		if (!m || m->last_fire_ms == INT64_MIN || m->last_fire_ms == 0)
			continue;
		r = json_object_new_object();
		json_object_object_add(r, "rule", json_object_new_string(rs->rules[i].name));
		json_object_object_add(r, "fired", jtime(m->last_fire_ms));
		json_object_object_add(r, "cooldown_until",
				       rs->rules[i].cooldown_ms
					       ? jtime(m->last_fire_ms + rs->rules[i].cooldown_ms)
					       : NULL);
		json_object_array_add(a, r);
	}
	return a;
}

static json_object *json_risk(const struct cw_inspect *in);

static char *render_json(const struct cw_inspect *in)
{
	const struct cw_state *st = in->state;
	json_object *o = json_object_new_object(), *months, *acct, *status;
	int32_t cur = cw_month_of(in->at, in->engine->conf.utc_offset_ms);
	int64_t fee = st->plan[0] && in->engine->plans
			      ? cw_plans_fee(in->engine->plans, st->plan)
			      : -1;
	char *out = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "subscriber", json_object_new_string(in->subscriber));
	json_object_object_add(o, "as_of", jtime(in->at));
	status = json_object_new_object();
	json_object_object_add(status, "state",
			       json_object_new_string(st->flags & CW_ST_DEACTIVATED ? "deactivated"
						      : st->flags & CW_ST_SUSPENDED ? "suspended"
										    : "active"));
	json_object_object_add(status, "suspended_since",
			       st->flags & CW_ST_SUSPENDED ? jtime(st->acct.suspended_ms) : NULL);
	json_object_object_add(status, "suspension_reason",
			       json_object_new_string(cw_feature_enum_value(
				       CW_F_SUSPENSION_REASON,
				       (int)inspect_feature(in, CW_F_SUSPENSION_REASON, 0))));
	json_object_object_add(status, "days_suspended",
			       jnum(inspect_feature(in, CW_F_DAYS_SUSPENDED, 0), 0));
	json_object_object_add(status, "deactivated", jtime(st->acct.deactivated_ms));
	json_object_object_add(status, "deactivate_reason",
			       st->acct.deactivated_ms
				       ? json_object_new_string(st->acct.deactivate_reason)
				       : NULL);
	json_object_object_add(o, "status", status);
	json_object_object_add(o, "plan", json_object_new_string(st->plan));
	json_object_object_add(o, "region", st->acct.region[0]
						    ? json_object_new_string(st->acct.region)
						    : NULL);
	json_object_object_add(o, "plan_fee", fee >= 0 ? jnum((double)fee / CW_MONEY_SCALE, 2) : NULL);
	json_object_object_add(o, "activated", jtime(st->activate_ms));
	json_object_object_add(o, "tenure_days",
			       jnum(floor(inspect_feature(in, CW_F_TENURE, 0) / CW_DAY_MS), 0));
	json_object_object_add(o, "tenure_stage",
			       json_object_new_string(cw_tenure_stage_str(
				       cw_engine_tenure_stage(in->engine, st, in->at))));
	json_object_object_add(o, "arpu_tier",
			       json_object_new_string(cw_arpu_tier_str(
				       cw_engine_arpu_tier(in->engine, st, in->at))));
	json_object_object_add(o, "last_outgoing", jtime(st->last_out_ms));
	json_object_object_add(o, "days_silent", jnum(inspect_feature(in, CW_F_DAYS_SILENT, 0), 0));
	months = json_object_new_object();
	for (int k = 0; k < 4; k++) {
		char key[16];
		int32_t m = cur - k;

		snprintf(key, sizeof(key), "%04d-%02d", m / 12, m % 12 + 1);
		json_object_object_add(months, key,
				       jnum((double)cw_state_month(st, m) / CW_MONEY_SCALE, 2));
	}
	json_object_object_add(o, "revenue_by_month", months);
	json_object_object_add(o, "usage", json_usage(in));
	json_object_object_add(o, "forwarding",
			       st->flags & CW_ST_FORWARDING ? json_object_new_string(st->forward_to)
							    : NULL);
	acct = json_object_new_object();
	json_object_object_add(acct, "postpaid", json_object_new_boolean(st->flags & CW_ST_POSTPAID));
	json_object_object_add(acct, "unpaid_amount", jnum(inspect_feature(in, CW_F_UNPAID_AMOUNT, 0), 2));
	json_object_object_add(acct, "days_overdue", jnum(inspect_feature(in, CW_F_DAYS_OVERDUE, 0), 0));
	json_object_object_add(acct, "credit", jnum((double)st->acct.credit / CW_MONEY_SCALE, 2));
	json_object_object_add(acct, "commitment_end", jtime(st->acct.commitment_end_ms));
	json_object_object_add(acct, "days_to_commitment_end",
			       st->acct.commitment_end_ms
				       ? jnum(inspect_feature(in, CW_F_DAYS_TO_COMMITMENT_END, 0), 0)
				       : NULL);
	json_object_object_add(o, "account", acct);
	json_object_object_add(o, "last_alerts", json_rules(in));
	if (in->engine->model)
		json_object_object_add(o, "risk", json_risk(in));
	json_object_object_add(o, "next_timer",
			       in->next_due == INT64_MAX || in->next_due <= 0 ? NULL
									       : jtime(in->next_due));
	const char *s = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s && (out = malloc(strlen(s) + 2)))
		snprintf(out, strlen(s) + 2, "%s\n", s);
	json_object_put(o);
	return out;
}


/* ---- the learned score --------------------------------------------------- */

static void text_risk(struct cw_sbuf *b, const struct cw_inspect *in)
{
	const struct cw_model *m = in->engine->model;
	float x[CW_FV__COUNT];
	double phi[CW_FV__COUNT + 1];
	int idx[3], n;

	if (!m)
		return;
	cw_features_compute(in->engine, in->state, in->at, x);
	cw_model_contrib(m, x, phi);
	n = cw_model_top_reasons(phi, idx, 3);
	cw_sbuf_printf(b, "  risk          %.3f (model %s)", cw_model_score(m, x),
		       cw_model_id(m));
	for (int k = 0; k < n; k++) {
		char v[32] = "unknown";
		if (!isnan(x[idx[k]]))
			snprintf(v, sizeof(v), "%.9g", x[idx[k]]);
		cw_sbuf_printf(b, "%s %s %s (+%.3f)", k ? "," : ":",
			       cw_features_name((size_t)idx[k]), v, phi[idx[k]]);
	}
	cw_sbuf_printf(b, "\n");
}

/* A float exactly as churnctl features writes it. */
/* A feature's value; a missing one (NaN) is null: JSON has no NaN. */
static json_object *jfloat(float v)
{
	char buf[32];

	if (isnan(v))
		return NULL;
	snprintf(buf, sizeof(buf), "%.9g", v);
	return json_object_new_double_s(v, buf);
}

static json_object *json_risk(const struct cw_inspect *in)
{
	const struct cw_model *m = in->engine->model;
	float x[CW_FV__COUNT];
	double phi[CW_FV__COUNT + 1];
	int idx[3], n;
	json_object *o, *feats, *why;

	if (!m)
		return NULL;
	cw_features_compute(in->engine, in->state, in->at, x);
	cw_model_contrib(m, x, phi);
	n = cw_model_top_reasons(phi, idx, 3);
	o = json_object_new_object();
	feats = json_object_new_object();
	why = json_object_new_array();
	json_object_object_add(o, "score", jnum(cw_model_score(m, x), 3));
	json_object_object_add(o, "model", json_object_new_string(cw_model_id(m)));
	for (int k = 0; k < n; k++) {
		json_object *r = json_object_new_object();
		json_object_object_add(r, "feature",
				       json_object_new_string(cw_features_name((size_t)idx[k])));
		json_object_object_add(r, "value", jfloat(x[idx[k]]));
		json_object_object_add(r, "contribution", jnum(phi[idx[k]], 3));
		json_object_array_add(why, r);
	}
	json_object_object_add(o, "reasons", why);
	for (int i = 0; i < CW_FV__COUNT; i++)
		json_object_object_add(feats, cw_features_name((size_t)i), jfloat(x[i]));
	json_object_object_add(o, "features", feats);
	return o;
}

char *cw_inspect_render(const struct cw_inspect *in, int json)
{
	return json ? render_json(in) : render_text(in);
}
