/*
 * churnctl — the operator's tool: dispatch to subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

struct ctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct ctl_cmd ctl_cmds[] = {
	{"check-rules", ctl_check_rules, "FILE...            validate rule files"},
	{"test-rules", ctl_test_rules, "FILE...             run rule unit tests"},
	{"replay", ctl_replay, "--events F.jsonl --topic T   produce events into Kafka"},
	{"backtest", ctl_backtest, "-c CONFIG --events F.jsonl [--labels L.csv] [--alerts OUT.jsonl]"},
	{"gen", ctl_gen, "--subscribers N --days D --seed S   synthetic event stream"},
	{"kafka-dev", ctl_kafka_dev, "[--partitions N]   local development Kafka (mock cluster)"},
	{"tail-alerts", ctl_tail_alerts, "[-b BROKERS] [--topic T]   follow the alert topic"},
	{"inspect", ctl_inspect, "-c CONFIG [--json] SUBSCRIBER   one subscriber's state, decoded"},
	{"features", ctl_features, "-c CONFIG --events F --at DATE --out F.csv   feature vectors"},
	{"train", ctl_train, "-c CONFIG --events F --labels L --at DATE --out M.json   fit the risk model"},
	{"worklist", ctl_worklist, "-c CONFIG --queue Q [--date D] [--json|--csv]   a retention queue's tasks"},
	{"report", ctl_report, "-c CONFIG [--month M] [--html FILE]   churn KPIs, save rate and precision by rule, queue, agent"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: churnctl SUBCOMMAND [ARGS...]\n\nsubcommands:\n");
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		fprintf(out, "  %-12s %s\n", ctl_cmds[i].name, ctl_cmds[i].usage);
	fprintf(out, "\n'churnctl SUBCOMMAND --help' for details.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("churnctl %s\n", CW_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (!strcmp(argv[1], ctl_cmds[i].name))
			return ctl_cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "churnctl: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
