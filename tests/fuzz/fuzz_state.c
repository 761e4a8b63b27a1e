/*
 * fuzz_state.c — the state blob decoder (versions 1 and 2): whatever Redis
 * hands back, decoding either fails cleanly or yields a state that
 * re-encodes, decodes again to the same bytes, and answers every feature
 * and the inspect view without a fault.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cw/engine.h"
#include "cw/inspect.h"
#include "cw/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cw_state st, st2;
	static uint8_t out[CW_STATE_BLOB_MAX], out2[CW_STATE_BLOB_MAX];
	static struct cw_engine e;
	static int ready;
	struct cw_state_profile *p = &e.profile;

	if (!ready) {
		struct cw_engine_conf conf;

		cw_engine_conf_default(&conf);
		cw_engine_init(&e, NULL, NULL, NULL, &conf);
		for (int f = 0; f < CW_D__COUNT; f++)
			p->keep_days[f] = 90;
		p->keep_months = 8;
		p->peer_days = 30;
		ready = 1;
	}
	if (cw_state_decode(&st, p, data, size) != 0)
		return 0;
	int n = cw_state_encode(&st, p, out, sizeof(out));
	if (n < 0)
		return 0; /* a decoded state may not fit a smaller profile */
	if (cw_state_decode(&st2, p, out, (size_t)n) != 0)
		abort();
	if (cw_state_encode(&st2, p, out2, sizeof(out2)) != n ||
	    memcmp(out, out2, (size_t)n) != 0)
		abort();
	struct cw_feature_ctx c = {&e, &st, st.newest_ms};
	for (int f = 0; f < CW_F__COUNT; f++)
		(void)cw_engine_feature(&c, (enum cw_feature)f, 30LL * CW_DAY_MS);
	(void)cw_engine_next_due(&e, &st);
	struct cw_inspect in = {&e, &st, "8613800000001", st.newest_ms, INT64_MAX};
	free(cw_inspect_render(&in, 0));
	free(cw_inspect_render(&in, 1));
	return 0;
}
