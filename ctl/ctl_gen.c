/*
 * ctl_gen.c — `churnctl gen`: command line around the synthetic model in
 * gen.c (options, output files, the summary line).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cw/conf.h"
#include "cw/runtime.h"
#include "ctl.h"
#include "gen.h"
#include "gen_team.h"

/* The mock cluster keeps about this much per partition (rdkafka_mock.c). */
#define GEN_MOCK_PARTITION_BYTES (5ull * 1024 * 1024)

static void gen_usage(FILE *out)
{
	fprintf(out,
		"usage: churnctl gen --subscribers N --days D [--seed S] [options]\n"
		"\n"
		"Write a synthetic, deterministic event stream (CONTRACT section 3) as\n"
		"JSON lines sorted by ts, with planted churners of known kind.\n"
		"\n"
		"  --subscribers N     number of own-network subscribers (required)\n"
		"  --days D            length of the stream in days (required)\n"
		"  --seed S            PRNG seed (default 1); same options => same bytes\n"
		"  --start YYYY-MM-DD  first day, UTC (default 2026-01-01)\n"
		"  --out F.jsonl       output file (default stdout)\n"
		"  --truth T.csv       write subscriber,kind,start_ts for every subscriber\n"
		"  --labels L.csv      write subscriber,churn_ts for churners (backtest labels)\n"
		"  --churn-rate R      fraction of subscribers per churn kind (default 0.03)\n"
		"  --garbage-rate R    bad lines per good event, 0..1 (default 0)\n"
		"  --dup-rate R        exact re-sends per good event, 0..1 (default 0)\n"
		"  --partitions-hint   also print a kafka-dev --partitions suggestion\n"
		"                      (the mock cluster keeps ~5 MB per partition)\n"
		"  --retention CONFIG  also play the retention team over CONFIG's rules and\n"
		"                      routing.yaml: each day, each queue's new tasks up to\n"
		"                      its capacity, most valuable first; a share is called\n"
		"                      the next day (80%% reached), a share of the reached\n"
		"                      saved the day after (they stop churning); writes the\n"
		"                      contact, offer and outcome events into the stream\n"
		"  --contact-rate R    share of listed tasks called (default 0.6)\n"
		"  --save-rate R       share of the reached saved (default 0.4)\n"
		"  --retention-truth F every task opened and what the team did (CSV)\n"
		"  --regions N         give each line a region, county-1..county-N, on\n"
		"                      its activate; 3%% of them move to another county\n"
		"                      (a profile event); 0..99 (default 0: none)\n"
		"  -h, --help          this text\n"
		"\n"
		"Churn kinds: silent, arpu_drop, forwarder, downgrader, arrears; each\n"
		"starts in the middle third of the stream. churn_ts in --labels is the\n"
		"deactivate ts when the stream contains it, else start_ts + 60 days.\n"
		"A summary goes to stderr. Exit 0 ok, 1 write failure, 2 usage.\n");
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || *s == '-' || *s == '\0')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || *s == '-' || *s == '\0')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int parse_rate(const char *s, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= 0 && v <= max))
		return -1;
	*out = v;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Write one CSV side file with `fn`. */
static int write_side(const struct gen *g, const char *path,
		      int (*fn)(const struct gen *, FILE *))
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f) {
		fprintf(stderr, "churnctl gen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = fn(g, f);
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "churnctl gen: %s: write failed\n", path);
	return rc;
}

static void print_summary(const struct gen_opts *o, const struct gen_stats *st,
			  double secs, int hint)
{
	uint64_t churners = 0;

	for (int k = 1; k < GEN_KIND__COUNT; k++)
		churners += st->kinds[k];
	fprintf(stderr, "generated %" PRIu64 " events, %" PRIu64 " garbage, %" PRIu64
		" duplicates, %" PRIu64 " churners by kind",
		st->events, st->garbage, st->dups, churners);
	for (int k = 1; k < GEN_KIND__COUNT; k++)
		fprintf(stderr, " %s=%" PRIu64, gen_kind_str(k), st->kinds[k]);
	fprintf(stderr, " (%u subscribers, %u days, %.1f MB, %.2f s, %.0f events/s)\n",
		o->subscribers, o->days, st->bytes / 1e6, secs,
		secs > 0 ? st->events / secs : 0.0);
	if (hint) {
		/* Keyed traffic spreads roughly evenly; leave 2x headroom
		 * because the mock drops the oldest data beyond ~5 MB. */
		uint64_t parts = 2 * st->bytes / GEN_MOCK_PARTITION_BYTES + 1;

		fprintf(stderr, "hint: %.1f MB of events: run 'churnctl kafka-dev --partitions %"
			PRIu64 "' (or more) so the mock cluster keeps all of it\n",
			st->bytes / 1e6, parts < 8 ? 8 : parts);
	}
}

enum { OPT_SUBS = 256, OPT_DAYS, OPT_SEED, OPT_START, OPT_OUT, OPT_TRUTH, OPT_LABELS,
       OPT_CHURN, OPT_GARBAGE, OPT_DUP, OPT_HINT, OPT_RETENTION, OPT_CONTACT,
       OPT_SAVE, OPT_RTRUTH, OPT_REGIONS };

static const struct option gen_longopts[] = {
	{"subscribers", required_argument, NULL, OPT_SUBS},
	{"days", required_argument, NULL, OPT_DAYS},
	{"seed", required_argument, NULL, OPT_SEED},
	{"start", required_argument, NULL, OPT_START},
	{"out", required_argument, NULL, OPT_OUT},
	{"truth", required_argument, NULL, OPT_TRUTH},
	{"labels", required_argument, NULL, OPT_LABELS},
	{"churn-rate", required_argument, NULL, OPT_CHURN},
	{"garbage-rate", required_argument, NULL, OPT_GARBAGE},
	{"dup-rate", required_argument, NULL, OPT_DUP},
	{"partitions-hint", no_argument, NULL, OPT_HINT},
	{"retention", required_argument, NULL, OPT_RETENTION},
	{"contact-rate", required_argument, NULL, OPT_CONTACT},
	{"save-rate", required_argument, NULL, OPT_SAVE},
	{"retention-truth", required_argument, NULL, OPT_RTRUTH},
	{"regions", required_argument, NULL, OPT_REGIONS},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct gen_cli {
	struct gen_opts o;
	const char *out, *truth, *labels;
	int hint;
	const char *retention, *rtruth;   /* the retention team's config, truth */
	struct gen_team_opts team;
};

/* 0 ok, 1 --help, 2 usage error (already reported). */
static int gen_parse_args(int argc, char **argv, struct gen_cli *cli)
{
	int c, bad = 0;

	memset(cli, 0, sizeof(*cli));
	cli->o.seed = 1;
	cli->o.churn_rate = 0.03;
	cli->team.contact_rate = 0.6;
	cli->team.save_rate = 0.4;
	gen_parse_date("2026-01-01", &cli->o.start_ms);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", gen_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SUBS:
			bad |= parse_u32(optarg, 1, 100000000u, &cli->o.subscribers) < 0;
			break;
		case OPT_DAYS:
			bad |= parse_u32(optarg, 1, 36500, &cli->o.days) < 0;
			break;
		case OPT_SEED:
			bad |= parse_u64(optarg, &cli->o.seed) < 0;
			break;
		case OPT_START:
			bad |= gen_parse_date(optarg, &cli->o.start_ms) < 0;
			break;
		case OPT_OUT:
			cli->out = optarg;
			break;
		case OPT_TRUTH:
			cli->truth = optarg;
			break;
		case OPT_LABELS:
			cli->labels = optarg;
			break;
		case OPT_CHURN:
			bad |= parse_rate(optarg, 0.2, &cli->o.churn_rate) < 0;
			break;
		case OPT_GARBAGE:
			bad |= parse_rate(optarg, 1.0, &cli->o.garbage_rate) < 0;
			break;
		case OPT_DUP:
			bad |= parse_rate(optarg, 1.0, &cli->o.dup_rate) < 0;
			break;
		case OPT_HINT:
			cli->hint = 1;
			break;
		case OPT_RETENTION:
			cli->retention = optarg;
			break;
		case OPT_CONTACT:
			bad |= parse_rate(optarg, 1.0, &cli->team.contact_rate) < 0;
			break;
		case OPT_SAVE:
			bad |= parse_rate(optarg, 1.0, &cli->team.save_rate) < 0;
			break;
		case OPT_RTRUTH:
			cli->rtruth = optarg;
			break;
		case OPT_REGIONS:
			bad |= parse_u32(optarg, 0, 99, &cli->o.regions) < 0;
			break;
		case 'h':
			gen_usage(stdout);
			return 1;
		default:
			bad = 1;
			break;
		}
		if (bad) {
			if (c != '?')
				fprintf(stderr, "churnctl gen: bad value for --%s: '%s'\n",
					gen_longopts[c - OPT_SUBS].name, optarg ? optarg : "");
			break;
		}
	}
	if (!bad && optind < argc) {
		fprintf(stderr, "churnctl gen: unexpected argument '%s'\n", argv[optind]);
		bad = 1;
	}
	if (!bad && (cli->o.subscribers == 0 || cli->o.days == 0)) {
		fprintf(stderr, "churnctl gen: --subscribers and --days are required\n");
		bad = 1;
	}
	if (!bad && cli->rtruth && !cli->retention) {
		fprintf(stderr, "churnctl gen: --retention-truth needs --retention CONFIG\n");
		bad = 1;
	}
	if (bad) {
		gen_usage(stderr);
		return 2;
	}
	cli->team.seed = cli->o.seed;
	return 0;
}

/* The retention team over CONFIG's rules and routing: 0, or -1 (said). */
static int team_open(struct gen_cli *cli, struct cw_conf *conf,
		     struct cw_runtime **rt, struct gen_team **team)
{
	char err[8192];

	if (ctl_conf_load("gen", cli->retention, conf) < 0)
		return -1;
	if (cw_runtime_load(conf, rt, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (!(*rt)->routing) {
		fprintf(stderr, "churnctl gen: --retention %s: the configuration has no "
			"routing: (the team works the queues of routing.yaml)\n",
			cli->retention);
		return -1;
	}
	if (gen_team_new(*rt, &cli->team, team) < 0) {
		fprintf(stderr, "churnctl gen: out of memory\n");
		return -1;
	}
	return 0;
}

int ctl_gen(int argc, char **argv)
{
	struct gen_cli cli;
	struct gen_stats st;
	struct gen *g = NULL;
	struct cw_conf conf;
	struct cw_runtime *rt = NULL;
	struct gen_team *team = NULL;
	int have_conf = 0;
	FILE *out = stdout;
	double t0 = now_s();
	int rc;

	rc = gen_parse_args(argc, argv, &cli);
	if (rc)
		return rc == 1 ? 0 : 2;
	rc = 1;
	g = gen_new(&cli.o);
	if (!g) {
		fprintf(stderr, "churnctl gen: out of memory\n");
		goto out;
	}
	if (cli.retention) {
		struct gen_hooks h;
		have_conf = 1;
		if (team_open(&cli, &conf, &rt, &team) < 0)
			goto out;
		gen_team_hooks(team, &h);
		gen_set_hooks(g, &h);
	}
	if (cli.out && strcmp(cli.out, "-") != 0) {
		out = fopen(cli.out, "w");
		if (!out) {
			fprintf(stderr, "churnctl gen: %s: %s\n", cli.out, strerror(errno));
			goto out;
		}
	}
	if (gen_run(g, out, &st) < 0) {
		fprintf(stderr, "churnctl gen: %s: write failed: %s\n",
			cli.out ? cli.out : "stdout", strerror(errno));
		goto out;
	}
	if (out != stdout) {
		FILE *f = out;

		out = stdout;
		if (fclose(f) != 0) {
			fprintf(stderr, "churnctl gen: %s: %s\n", cli.out, strerror(errno));
			goto out;
		}
	}
	if (cli.truth && write_side(g, cli.truth, gen_write_truth) < 0)
		goto out;
	if (cli.labels && write_side(g, cli.labels, gen_write_labels) < 0)
		goto out;
	if (cli.rtruth) {
		FILE *f = fopen(cli.rtruth, "w");
		if (!f || gen_team_write_truth(team, f) < 0) {
			fprintf(stderr, "churnctl gen: %s: %s\n", cli.rtruth, strerror(errno));
			if (f)
				fclose(f);
			goto out;
		}
		if (fclose(f) != 0) {
			fprintf(stderr, "churnctl gen: %s: %s\n", cli.rtruth, strerror(errno));
			goto out;
		}
	}
	print_summary(&cli.o, &st, now_s() - t0, cli.hint);
	rc = 0;
out:
	if (out != stdout)
		fclose(out);
	gen_free(g);
	gen_team_free(team);
	cw_runtime_free(rt);
	if (have_conf)
		cw_conf_fini(&conf);
	return rc;
}
