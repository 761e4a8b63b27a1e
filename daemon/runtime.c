/*
 * runtime.c — load a whole generation of rules and reference data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/runtime.h"

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
	free(rt);
}
