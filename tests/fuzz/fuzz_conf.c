/*
 * fuzz_conf.c — the operator YAML loaders. The first byte picks the
 * loader (byte % 3: 0 churnwatch.yaml, 1 plans.yaml, 2 networks.yaml;
 * the seeds start with 'c', 'p', 'n'), the rest is the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cw/conf.h"
#include "cw/refdata.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;

	if (size == 0)
		return 0;
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
