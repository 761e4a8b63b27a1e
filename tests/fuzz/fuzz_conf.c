/*
 * fuzz_conf.c — the operator YAML loaders. The first byte picks the
 * loader ('r' routing.yaml, else byte % 3: 0 churnwatch.yaml, 1
 * plans.yaml, 2 networks.yaml; the seeds start with 'c', 'p', 'n', 'r'),
 * the rest is the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cw/conf.h"
#include "cw/engine.h"
#include "cw/refdata.h"
#include "cw/routing.h"
#include "cw/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_conf(const char *buf, size_t len)
{
	struct cw_conf c;
	char err[1024];

	if (cw_conf_init_defaults(&c) != 0)
		abort();
	if (cw_conf_load_buf(buf, len, "churnwatch.yaml", &c, err,
			     sizeof(err)) != 0 &&
	    memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (c.nprops > CW_CONF_MAX_PROPS)
		abort();
	cw_conf_fini(&c);
}

static void fuzz_plans(const char *buf, size_t len)
{
	struct cw_plans *p = NULL;
	char err[1024];

	if (cw_plans_load_buf(buf, len, "plans.yaml", &p, err,
			      sizeof(err)) != 0)
		return;
	(void)cw_plans_fee(p, "P18");
	(void)cw_plans_fee(p, "");
	(void)cw_plans_count(p);
	cw_plans_free(p);
}

static void fuzz_networks(const char *buf, size_t len)
{
	static const char *const numbers[] = { "8613800000001", "86186",
					       "8618", "", "1",
					       "999999999999999999999999" };
	struct cw_networks *n = NULL;
	char err[1024];

	if (cw_networks_load_buf(buf, len, "networks.yaml", &n, err,
				 sizeof(err)) != 0)
		return;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		const char *op = NULL;
		enum cw_net_class k = cw_networks_classify(n, numbers[i], &op);

		if (k != CW_NET_UNKNOWN && op == NULL)
			abort();
	}
	(void)cw_networks_prefix_count(n);
	cw_networks_free(n);
}

static void fuzz_routing(const char *buf, size_t len)
{
	static const struct cw_rule rule = {.name = "offnet-forward",
					    .severity = CW_SEV_HIGH};
	struct cw_routing *r = NULL;
	struct cw_alert a;
	char err[1024];

	if (cw_routing_load_buf(buf, len, "routing.yaml", &r, err,
				sizeof(err)) != 0)
		return;
	memset(&a, 0, sizeof(a));
	a.rule = &rule;
	for (int tier = 0; tier < 3; tier++) {
		a.arpu_tier = tier;
		a.tenure_stage = 2 - tier;
		/* a loaded routing always has a queue for every alert */
		if (!cw_routing_queue(r, &a, tier ? "P88" : NULL))
			abort();
	}
	for (size_t i = 0; i < cw_routing_queue_count(r); i++)
		if (!cw_routing_queue_name(r, i) || cw_routing_queue_capacity(r, i) < 1)
			abort();
	cw_routing_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;

	if (size == 0)
		return 0;
	if (data[0] == 'r') {
		fuzz_routing(buf, size - 1);
		return 0;
	}
	switch (data[0] % 3) {
	case 0:
		fuzz_conf(buf, size - 1);
		break;
	case 1:
		fuzz_plans(buf, size - 1);
		break;
	default:
		fuzz_networks(buf, size - 1);
		break;
	}
	return 0;
}
