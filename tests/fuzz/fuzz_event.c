/*
 * fuzz_event.c — cw_event_parse on both topics. Every accepted event must
 * serialise with cw_event_to_json and parse back to an identical struct
 * (also keyed by its own subscriber); RFC 3339 parse/format must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cw/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_MS 1769860800000LL /* 2026-01-31T12:00:00Z: deterministic */

static void fuzz_roundtrip(const struct cw_event *ev,
			   const struct cw_event_limits *lim)
{
	struct cw_event back;
	enum cw_invalid why;
	char json[2048];
	int n = cw_event_to_json(ev, json, sizeof(json));

	if (n < 0 || (size_t)n != strlen(json))
		abort();
	if (cw_event_parse(json, (size_t)n, ev->topic, ev->subscriber,
			   strlen(ev->subscriber), lim, &back, &why) != 0)
		abort();
	if (memcmp(ev, &back, sizeof(back)) != 0)
		abort();
}

static void fuzz_time(const char *s, size_t len)
{
	/* 0001-01-02 .. 9999-12-30: formats back into a parseable year. */
	const int64_t lo = -62135510400000LL, hi = 253402041600000LL;
	int64_t ms, back;
	char out[32];

	if (cw_time_parse_rfc3339(s, len, &ms) != 0)
		return;
	if (cw_time_format_rfc3339(ms, out, sizeof(out)) < 0)
		abort();
	if (ms < lo || ms > hi)
		return;
	if (cw_time_parse_rfc3339(out, strlen(out), &back) != 0 ||
	    back != ms)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct cw_event_limits lim;
	struct cw_event ev;
	enum cw_invalid why;

	cw_event_limits_default(&lim, NOW_MS);
	for (int t = 0; t < CW_TOPIC__COUNT; t++) {
		int rc = cw_event_parse(buf, size, (enum cw_topic_kind)t,
					NULL, 0, &lim, &ev, &why);

		if ((rc == 0) != (why == CW_INVALID_NONE) ||
		    (unsigned)why >= CW_INVALID__COUNT)
			abort();
		if (rc == 0)
			fuzz_roundtrip(&ev, &lim);
	}
	if (size <= 64)
		fuzz_time(buf, size);
	return 0;
}
