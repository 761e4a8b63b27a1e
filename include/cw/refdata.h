/*
 * refdata.h — operator reference data: plans.yaml and networks.yaml.
 *
 * Both are loaded whole into immutable structures; a reload builds a new
 * one and the engine swaps pointers between batches.
 */
#ifndef CW_REFDATA_H
#define CW_REFDATA_H

#include <stddef.h>
#include <stdint.h>

#define CW_OPERATOR_NAME_MAX 32

struct cw_plans;
struct cw_networks;

/* Load plans.yaml. Errors: "FILE:LINE:COL: message" in err; returns -1. */
int cw_plans_load(const char *path, struct cw_plans **out, char *err,
		  size_t errlen);
/* Same, from memory (tests, fuzzing). `name` is used in messages. */
int cw_plans_load_buf(const char *buf, size_t len, const char *name,
		      struct cw_plans **out, char *err, size_t errlen);
void cw_plans_free(struct cw_plans *p);
/* Monthly fee in money units (CW_MONEY_SCALE) of plan `id`; -1 if unknown. */
int64_t cw_plans_fee(const struct cw_plans *p, const char *id);
size_t cw_plans_count(const struct cw_plans *p);

int cw_networks_load(const char *path, struct cw_networks **out, char *err,
		     size_t errlen);
int cw_networks_load_buf(const char *buf, size_t len, const char *name,
			 struct cw_networks **out, char *err, size_t errlen);
void cw_networks_free(struct cw_networks *n);

enum cw_net_class { CW_NET_UNKNOWN = 0, CW_NET_OWN, CW_NET_COMPETITOR };

/*
 * Classify a number by longest matching prefix. Returns the class and, for
 * a match, the operator name (borrowed, lives as long as `n`) in *operator.
 */
enum cw_net_class cw_networks_classify(const struct cw_networks *n,
				       const char *number,
				       const char **operator_name);
size_t cw_networks_prefix_count(const struct cw_networks *n);

#endif
