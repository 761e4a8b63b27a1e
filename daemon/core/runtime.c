/*
 * runtime.c — load a whole generation of rules and reference data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/score.h"
#include "cw/routing.h"
#include "cw/runtime.h"

/* Append one line to err. */
static void rt_append(char *err, size_t errlen, const char *line)
{
	size_t used = strlen(err);

	snprintf(err + used, errlen - used, "%s%s", used ? "\n" : "", line);
}

void cw_runtime_engine_conf(const struct cw_conf *c,
			    struct cw_engine_conf *ec)
{
	cw_engine_conf_default(ec);
	ec->utc_offset_ms = (int64_t)c->utc_offset_min * 60 * 1000;
	ec->dedup_window_ms = c->dedup_window_ms;
	ec->tick_ms = c->tick_ms;
	ec->arpu_mid = c->arpu_mid;
	ec->arpu_high = c->arpu_high;
	ec->tenure_stable_ms = c->tenure_stable_ms;
	ec->tenure_mature_ms = c->tenure_mature_ms;
	memcpy(ec->prio_severity, c->prio_severity, sizeof(ec->prio_severity));
	memcpy(ec->prio_tenure, c->prio_tenure, sizeof(ec->prio_tenure));
	ec->loop_quiet_ms = c->loop_quiet_ms;
	ec->loop_retained_ms = c->loop_retained_ms;
	ec->loop_lost_within_ms = c->loop_lost_within_ms;
	ec->loop_forced_churn_ms = c->loop_forced_churn_ms;
}

/* Does an enabled rule read `risk`? */
static void rt_risk_seen(void *ctx, enum cw_feature f, int64_t arg)
{
	(void)arg;
	if (f == CW_F_RISK)
		*(int *)ctx = 1;
}

static const struct cw_rule *rt_risk_reader(const struct cw_ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct cw_rule *r = &rs->rules[i];
		int seen = 0;

		if (!r->enabled)
			continue;
		if (r->when)
			cw_expr_visit_features(r->when, rt_risk_seen, &seen);
		if (r->where)
			cw_expr_visit_features(r->where, rt_risk_seen, &seen);
		if (seen)
			return r;
	}
	return NULL;
}

/* A score rule's own model: each distinct file loaded once. */
static int rt_rule_model(struct cw_runtime *rt, const struct cw_rule *r,
			 const struct cw_model **out, char *err, size_t errlen)
{
	char msg[512];

	for (size_t k = 0; k < rt->nrule_models; k++)
		if (!strcmp(cw_model_path(rt->rule_models[k]), r->model_path)) {
			*out = rt->rule_models[k];
			return 0;
		}
	if (rt->nrule_models == CW_RUNTIME_MODELS_MAX) {
		snprintf(msg, sizeof(msg), "%s:%d:%d: rule '%s': more than %d "
			 "distinct model files", r->file, r->line, r->col,
			 r->name, CW_RUNTIME_MODELS_MAX);
		rt_append(err, errlen, msg);
		return -1;
	}
	if (cw_model_load(r->model_path, &rt->rule_models[rt->nrule_models],
			  msg, sizeof(msg)) < 0) {
		char line[700];
		snprintf(line, sizeof(line), "%s:%d:%d: rule '%s': %s", r->file,
			 r->line, r->col, r->name, msg);
		rt_append(err, errlen, line);
		return -1;
	}
	*out = rt->rule_models[rt->nrule_models++];
	return 0;
}

static int rt_load_models(const struct cw_conf *c, struct cw_runtime *rt,
			  char *err, size_t errlen)
{
	const struct cw_model *per_rule[CW_RULES_MAX] = {0};
	const struct cw_rule *reader = rt_risk_reader(rt->rules);
	char msg[512];
	int bad = 0;

	if (c->model && cw_model_load(c->model, &rt->model, msg, sizeof(msg)) < 0) {
		rt_append(err, errlen, msg);
		return -1;
	}
	if (reader && !rt->model) {
		snprintf(msg, sizeof(msg), "%s:%d:%d: rule '%s' reads risk, but "
			 "no model is configured (model: in the configuration; "
			 "churnctl train writes one)", reader->file, reader->line,
			 reader->col, reader->name);
		rt_append(err, errlen, msg);
		return -1;
	}
	for (size_t i = 0; i < rt->rules->nrules && i < CW_RULES_MAX; i++) {
		const struct cw_rule *r = &rt->rules->rules[i];
		if (r->detector == CW_DET_SCORE && r->enabled && r->model_path &&
		    rt_rule_model(rt, r, &per_rule[i], err, errlen) < 0)
			bad = 1;
	}
	if (bad)
		return -1;
	cw_score_attach(&rt->engine, rt->model, per_rule);
	return 0;
}

int cw_runtime_inert_rules(const struct cw_runtime *rt, char *out,
			   size_t outlen)
{
	int n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < rt->rules->nrules && i < CW_RULES_MAX; i++) {
		const struct cw_rule *r = &rt->rules->rules[i];
		char line[300];

		if (r->detector != CW_DET_SCORE || !r->enabled ||
		    rt->engine.rule_model[i])
			continue;
		snprintf(line, sizeof(line), "%s:%d:%d: warning: rule '%s' is "
			 "inert: no model (set model: in the configuration, or "
			 "params.model)", r->file, r->line, r->col, r->name);
		rt_append(out, outlen, line);
		n++;
	}
	return n;
}

int cw_runtime_load(const struct cw_conf *c, struct cw_runtime **out,
		    char *err, size_t errlen)
{
	struct cw_runtime *rt = calloc(1, sizeof(*rt));
	struct cw_engine_conf ec;
	size_t used = 0;
	int bad = 0;

	if (!rt) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	err[0] = '\0';
	/* Report problems in all three files at once, not one per attempt. */
	if (cw_plans_load(c->plans, &rt->plans, err, errlen) < 0)
		bad = 1;
	used = strlen(err);
	if (used && used + 1 < errlen)
		err[used++] = '\n', err[used] = '\0';
	if (cw_networks_load(c->networks, &rt->nets, err + used,
			     errlen - used) < 0)
		bad = 1;
	used = strlen(err);
	if (used && err[used - 1] != '\n' && used + 1 < errlen)
		err[used++] = '\n', err[used] = '\0';
	/* The vendor pack first, so local files can override: its rules. */
	const char *paths[2];
	size_t npaths = 0;
	if (c->vendor_rules)
		paths[npaths++] = c->vendor_rules;
	paths[npaths++] = c->rules;
	if (cw_rules_load_many(paths, npaths, &rt->rules, err + used,
			       errlen - used) != 0)
		bad = 1;
	if (bad) {
		used = strlen(err);
		while (used && err[used - 1] == '\n')
			err[--used] = '\0';
		cw_runtime_free(rt);
		return -1;
	}
	cw_runtime_engine_conf(c, &ec);
	cw_engine_init(&rt->engine, rt->rules, rt->plans, rt->nets, &ec);
	if (rt_load_models(c, rt, err, errlen) < 0) {
		cw_runtime_free(rt);
		return -1;
	}
	if (c->routing &&
	    (cw_routing_load(c->routing, &rt->routing, err, errlen) < 0 ||
	     cw_routing_check_rules(rt->routing, rt->rules, err, errlen) < 0)) {
		cw_runtime_free(rt);
		return -1;
	}
	rt->engine.routing = rt->routing;
	*out = rt;
	return 0;
}

void cw_runtime_free(struct cw_runtime *rt)
{
	if (!rt)
		return;
	cw_ruleset_free(rt->rules);
	cw_plans_free(rt->plans);
	cw_networks_free(rt->nets);
	cw_model_free(rt->model);
	cw_routing_free(rt->routing);
	for (size_t k = 0; k < rt->nrule_models; k++)
		cw_model_free(rt->rule_models[k]);
	free(rt);
}
