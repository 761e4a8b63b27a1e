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

#include <json-c/json.h>
#include <openssl/evp.h>

#include "cw/engine.h"

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

/* A number as written (90.72, 0.667), never json-c's %.17g noise. */
static json_object *num_json(const struct cw_evidence *ev)
{
	char buf[64];

	if (ev->decimals <= 0 || !isfinite(ev->num))
		return json_object_new_double(ev->num);
	cw_evidence_format_num(ev, buf, sizeof(buf));
	return json_object_new_double_s(strtod(buf, NULL), buf);
}

static json_object *labels_json(const struct cw_rule *r)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < r->nlabels; i++)
		json_object_object_add(o, r->labels[i].key,
				       json_object_new_string(r->labels[i].value));
	return o;
}

static json_object *evidence_json(const struct cw_alert *a)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < a->nevidence; i++) {
		const struct cw_evidence *ev = &a->evidence[i];
		json_object *v = NULL;
		switch (ev->kind) {
		case CW_EVID_STR: v = json_object_new_string(ev->str); break;
		case CW_EVID_INT: v = json_object_new_int64(ev->i); break;
		case CW_EVID_BOOL: v = json_object_new_boolean(ev->i != 0); break;
		case CW_EVID_NUM: v = num_json(ev); break;
		}
		json_object_object_add(o, ev->key, v);
	}
	return o;
}

char *cw_alert_to_json(const struct cw_alert *a, const char *rules_version)
{
	json_object *o = json_object_new_object();
	json_object *seg = json_object_new_object();
	char ts[40];
	char *out = NULL;

	if (!o || !seg)
		goto out;
	cw_time_format_rfc3339(a->ts_ms, ts, sizeof(ts));
	json_object_object_add(o, "alert_id", json_object_new_string(a->alert_id));
	json_object_object_add(o, "rule", json_object_new_string(a->rule->name));
	json_object_object_add(o, "severity",
			       json_object_new_string(cw_severity_str(a->rule->severity)));
	json_object_object_add(o, "subscriber", json_object_new_string(a->subscriber));
	json_object_object_add(o, "ts", json_object_new_string(ts));
	json_object_object_add(o, "evidence", evidence_json(a));
	json_object_object_add(seg, "arpu_tier",
			       json_object_new_string(cw_arpu_tier_str(a->arpu_tier)));
	json_object_object_add(seg, "tenure_stage",
			       json_object_new_string(cw_tenure_stage_str(a->tenure_stage)));
	json_object_object_add(o, "segment", seg);
	seg = NULL; /* now owned by o */
	json_object_object_add(o, "action",
			       json_object_new_string(a->rule->action ? a->rule->action : ""));
	/* Extensions of CONTRACT §6 (README "Interface notes"): only
	 * present when the rule has them, so old consumers see nothing new. */
	if (a->rule->description)
		json_object_object_add(o, "description",
				       json_object_new_string(a->rule->description));
	if (a->rule->nlabels)
		json_object_object_add(o, "labels", labels_json(a->rule));
	json_object_object_add(o, "rules_version",
			       json_object_new_string(rules_version ? rules_version : ""));
	const char *s = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	out = s ? strdup(s) : NULL;
out:
	json_object_put(seg);
	json_object_put(o);
	return out;
}
