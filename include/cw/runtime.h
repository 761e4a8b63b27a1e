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

struct cw_runtime {
	struct cw_ruleset *rules;
	struct cw_plans *plans;
	struct cw_networks *nets;
	struct cw_engine engine;
};

/* Engine settings taken from the configuration. */
void cw_runtime_engine_conf(const struct cw_conf *c,
			    struct cw_engine_conf *ec);

/*
 * Load rules, plans and networks named by `c`. All errors are reported
 * (one per line) in err. Returns 0 and *out, or -1.
 */
int cw_runtime_load(const struct cw_conf *c, struct cw_runtime **out,
		    char *err, size_t errlen);
void cw_runtime_free(struct cw_runtime *rt);

#endif
