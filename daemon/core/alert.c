/*
 * alert.c — the alert's identity and wire format (CONTRACT §6).
 *
 * alert_id is the first 128 bits (hex) of SHA-256 over
 * "subscriber \0 rule \0 window": the same firing always gets the same id,
 * in the daemon, a replay or a back-test, so consumers can de-duplicate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cw/engine.h"
#include "cw/jsonw.h"

void cw_alert_make_id(const char *subscriber, const char *rule,
		      int64_t window, char out[CW_ALERT_ID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char buf[CW_SUB_MAX + CW_RULE_NAME_MAX + 32];
	int n = snprintf(buf, sizeof(buf), "%s%c%s%c%lld", subscriber, 0, rule,
			 0, (long long)window);
	static const char hex[] = "0123456789abcdef";

	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	if (!EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha256(), NULL))
		memset(md, 0, sizeof(md)); /* cannot happen with a built-in */
	for (int i = 0; i < CW_ALERT_ID_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[CW_ALERT_ID_LEN] = '\0';
}

const char *cw_arpu_tier_str(int tier)
{
	static const char *const s[] = {"low", "mid", "high"};
	return tier >= 0 && tier < 3 ? s[tier] : "low";
}

const char *cw_tenure_stage_str(int stage)
{
	static const char *const s[] = {"new", "stable", "mature"};
	return stage >= 0 && stage < 3 ? s[stage] : "new";
}

int cw_evidence_format_num(const struct cw_evidence *ev, char *buf,
			   size_t len)
{
	size_t n;

	if (ev->decimals <= 0 || !isfinite(ev->num))
		return snprintf(buf, len, "%.17g", ev->num);
	n = (size_t)snprintf(buf, len, "%.*f", ev->decimals, ev->num);
	if (n >= len)
		return (int)n;
	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 1 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (!strcmp(buf, "-0")) {
		buf[0] = '0'; /* "-0.00" trimmed: plain 0 */
		buf[1] = '\0';
	}
	return (int)strlen(buf);
}

double cw_evidence_num(const struct cw_evidence *ev)
{
	char buf[64];

	if (ev->kind == CW_EVID_INT || ev->kind == CW_EVID_BOOL)
		return (double)ev->i;
	if (ev->decimals <= 0)
		return ev->num;
	cw_evidence_format_num(ev, buf, sizeof(buf));
	return strtod(buf, NULL);
}

/* A number as the alert writes it: fixed decimals when the evidence has
 * them, else the shortest text that reads back exactly, always with a
 * '.' or an exponent (a JSON double, as consumers expect), null for NaN. */
static void num_text(const struct cw_evidence *ev, char *buf, size_t len)
{
	if (!isfinite(ev->num)) {
		snprintf(buf, len, "null");
		return;
	}
	if (ev->decimals > 0) {
		cw_evidence_format_num(ev, buf, len);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, ev->num);
		if (strtod(buf, NULL) == ev->num)
			break;
	}
	if (!strpbrk(buf, ".eE") && strlen(buf) + 2 < len)
		strcat(buf, ".0");
}

static void evidence_json(struct cw_jw *w, const struct cw_alert *a)
{
	char num[64];

	cw_jw_obj_begin(w, "evidence");
	for (size_t i = 0; i < a->nevidence; i++) {
		const struct cw_evidence *ev = &a->evidence[i];

		switch (ev->kind) {
		case CW_EVID_STR: cw_jw_str(w, ev->key, ev->str); break;
		case CW_EVID_INT: cw_jw_int(w, ev->key, ev->i); break;
		case CW_EVID_BOOL: cw_jw_bool(w, ev->key, ev->i != 0); break;
		case CW_EVID_NUM:
			num_text(ev, num, sizeof(num));
			cw_jw_num_text(w, ev->key, num);
			break;
		}
	}
	cw_jw_obj_end(w);
}

char *cw_alert_to_json(const struct cw_alert *a, const char *rules_version)
{
	struct cw_jw w;
	char ts[40];

	cw_time_format_rfc3339(a->ts_ms, ts, sizeof(ts));
	cw_jw_init(&w, NULL, 0);
	cw_jw_obj_begin(&w, NULL);
	cw_jw_str(&w, "alert_id", a->alert_id);
	cw_jw_str(&w, "rule", a->rule->name);
	cw_jw_str(&w, "severity", cw_severity_str(a->rule->severity));
	cw_jw_str(&w, "subscriber", a->subscriber);
	cw_jw_str(&w, "ts", ts);
	evidence_json(&w, a);
	cw_jw_obj_begin(&w, "segment");
	cw_jw_str(&w, "arpu_tier", cw_arpu_tier_str(a->arpu_tier));
	cw_jw_str(&w, "tenure_stage", cw_tenure_stage_str(a->tenure_stage));
	cw_jw_money(&w, "monthly_revenue", a->monthly_revenue);
	if (a->region[0])
		cw_jw_str(&w, "region", a->region);
	cw_jw_obj_end(&w);
	cw_jw_money(&w, "priority", a->priority);
	if (a->queue)
		cw_jw_str(&w, "queue", a->queue);
	if (a->task != CW_TASK_NONE) {
		static const char *const kinds[] = {"", "new", "attached", "over_budget"};
		cw_jw_str(&w, "task", kinds[a->task]);
		if (a->task_id[0])
			cw_jw_str(&w, "task_id", a->task_id);
	}
	cw_jw_str(&w, "action", a->rule->action ? a->rule->action : "");
	/* Extensions of CONTRACT §6 (README "Interface notes"): only
	 * present when the rule has them, so old consumers see nothing new. */
	if (a->rule->description)
		cw_jw_str(&w, "description", a->rule->description);
	if (a->rule->nlabels) {
		cw_jw_obj_begin(&w, "labels");
		for (size_t i = 0; i < a->rule->nlabels; i++)
			cw_jw_str(&w, a->rule->labels[i].key, a->rule->labels[i].value);
		cw_jw_obj_end(&w);
	}
	cw_jw_str(&w, "rules_version", rules_version ? rules_version : "");
	cw_jw_obj_end(&w);
	if (cw_jw_finish(&w) < 0) {
		free(w.p);
		return NULL;
	}
	return w.p;
}
