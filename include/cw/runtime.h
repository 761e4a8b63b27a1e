/*
 * runtime.h — one loaded, validated generation of rules + plans + networks
 * and the engine over them. SIGHUP builds a new one whole and swaps it in
 * between batches; a failed load leaves the running one untouched.
 */
#ifndef CW_RUNTIME_H
#define CW_RUNTIME_H

#include <stddef.h>

#include "cw/conf.h"
#include "cw/engine.h"

#define CW_RUNTIME_MODELS_MAX 8

struct cw_runtime {
	struct cw_ruleset *rules;
	struct cw_plans *plans;
	struct cw_networks *nets;
	struct cw_model *model;          /* `model:` (NULL: none) */
	struct cw_routing *routing;      /* `routing:` (NULL: none) */
	struct cw_model *rule_models[CW_RUNTIME_MODELS_MAX]; /* params.model files */
	size_t nrule_models;
	struct cw_engine engine;
};

/* Engine settings taken from the configuration. */
void cw_runtime_engine_conf(const struct cw_conf *c,
			    struct cw_engine_conf *ec);

/*
 * Load rules, plans, networks and the learned models named by `c` (the
 * `model:` key and every score rule's params.model). A rule that reads
 * `risk` while no `model:` is configured is an error; a score rule with
 * no model at all is inert and named in *warn (may be NULL). All errors are reported
 * (one per line) in err. Returns 0 and *out, or -1.
 */
int cw_runtime_load(const struct cw_conf *c, struct cw_runtime **out,
		    char *err, size_t errlen);
void cw_runtime_free(struct cw_runtime *rt);

/* Enabled score rules left without a model (inert), one
 * "FILE:LINE:COL: warning: ..." line each; returns how many. */
int cw_runtime_inert_rules(const struct cw_runtime *rt, char *out,
			   size_t outlen);

#endif
