/*
 * churnctl inspect — one subscriber's state in Redis, decoded, for the
 * people who act on it. Read-only (GET, SCAN, ZSCORE): safe on a live
 * system; it sees the state as of the daemon's last committed batch.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/conf.h"
#include "cw/inspect.h"
#include "cw/log.h"
#include "cw/runtime.h"
#include "cw/store.h"
#include "cw/statestore.h"
#include "ctl.h"

struct inspect_opts {
	const char *config, *subscriber, *at;
	int json;
};

static void inspect_usage(FILE *out)
{
	fprintf(out,
		"usage: churnctl inspect -c CONFIG [--json] [--at TS] SUBSCRIBER\n"
		"\n"
		"Read a subscriber's state from Redis (the daemon's keys, read-only)\n"
		"and show it decoded: plan and fee, tenure and stage, ARPU tier, last\n"
		"outgoing activity, revenue by month, usage over 7/30/90 days (what the\n"
		"loaded rules keep), forwarding, suspension, unpaid and overdue money,\n"
		"the commitment, the last alerts with their cooldowns, the next timer.\n"
		"\n"
		"  -c CONFIG    churnwatch.yaml: Redis, key prefix, rules (for what is kept)\n"
		"  --json       one JSON object, for tools\n"
		"  --at TS      judge the time-driven features (days silent, overdue ...)\n"
		"               at this RFC 3339 time (default: the state's own clock)\n"
		"  -h, --help   this text\n"
		"\n"
		"Exit 0 shown, 1 no such subscriber or a Redis/config error, 2 usage.\n");
}

static int inspect_parse(int argc, char **argv, struct inspect_opts *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"at", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'j': o->json = 1; break;
		case 'a': o->at = optarg; break;
		case 'h': inspect_usage(stdout); return 1;
		default: inspect_usage(stderr); return 2;
		}
	}
	if (!o->config || optind + 1 != argc) {
		fprintf(stderr, "churnctl inspect: -c CONFIG and one SUBSCRIBER are required\n");
		inspect_usage(stderr);
		return 2;
	}
	o->subscriber = argv[optind];
	if (!cw_subscriber_valid(o->subscriber, strlen(o->subscriber))) {
		fprintf(stderr, "churnctl inspect: '%s' is not a subscriber (5-15 digits)\n",
			o->subscriber);
		return 2;
	}
	return 0;
}

static int inspect_run(const struct inspect_opts *o, const struct cw_conf *conf,
		       const struct cw_runtime *rt, struct cw_statestore *ss,
		       struct cw_state *st)
{
	char err[512];
	uint8_t *blob = NULL;
	size_t len;
	int rc = 1;
	int64_t at = 0, due;

	if (o->at && cw_time_parse_rfc3339(o->at, strlen(o->at), &at) < 0) {
		fprintf(stderr, "churnctl inspect: --at '%s' is not an RFC 3339 time\n", o->at);
		return 2;
	}
	if (cw_ss_read_subscriber(ss, o->subscriber, &blob, &len, &due, err,
				  sizeof(err)) < 0) {
		fprintf(stderr, "churnctl inspect: %s\n", err);
		return 1;
	}
	if (!blob) {
		fprintf(stderr, "churnctl inspect: no state for %s under %ss:%s (never "
			"seen, or expired after redis.state_ttl)\n", o->subscriber,
			conf->key_prefix, o->subscriber);
		return 1;
	}
	if (cw_state_decode(st, &rt->engine.profile, blob, len) < 0) {
		fprintf(stderr, "churnctl inspect: the state of %s does not decode "
			"(corrupt, or written by a newer churnwatch)\n", o->subscriber);
		free(blob);
		return 1;
	}
	free(blob);
	if (!o->at)
		at = st->clock_ms > st->newest_ms ? st->clock_ms : st->newest_ms;
	struct cw_inspect in = {&rt->engine, st, o->subscriber, at, due};
	char *text = cw_inspect_render(&in, o->json);
	if (text) {
		fputs(text, stdout);
		rc = 0;
	}
	free(text);
	return rc;
}

int ctl_inspect(int argc, char **argv)
{
	struct inspect_opts o;
	struct ctl_redis c;
	struct cw_state *st = NULL;
	int rc = inspect_parse(argc, argv, &o);

	if (rc == 1)
		return 0;
	if (rc)
		return rc;
	rc = 1;
	if (ctl_redis_open(&c, o.config, "inspect") < 0)
		goto out;
	st = malloc(sizeof(*st)); /* large: the rings for 180 days */
	if (!st) {
		fprintf(stderr, "churnctl inspect: out of memory\n");
		goto out;
	}
	rc = inspect_run(&o, &c.conf, c.rt, c.ss, st);
out:
	free(st);
	ctl_redis_close(&c);
	return rc;
}
