/*
 * ctl_rules.c — `churnctl check-rules` (test-rules: ctl_testrules.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/routing.h"
#include "cw/rules.h"
#include "ctl.h"

/* Room for a few thousand messages; the count stays exact beyond that. */
#define CHECK_MSG_BUF (1u << 20)

static void check_rules_usage(FILE *out)
{
	fprintf(out,
		"usage: churnctl check-rules [--quiet] [--routing FILE] FILE|DIR...\n"
		"\n"
		"Validate rule files (a directory means its *.yaml and *.yml\n"
		"files, in name order) as one rule set, as the daemon would load\n"
		"them. Errors and warnings go to stderr as FILE:LINE:COL: message;\n"
		"\"N rules OK\" goes to stdout.\n"
		"\n"
		"  --routing FILE  also validate routing.yaml against these rules\n"
		"  -q, --quiet   print errors only (no warnings, no summary)\n"
		"  -h, --help    this text\n"
		"\n"
		"Exit status: 0 valid (warnings allowed), 1 errors, 2 usage.\n");
}

/* Print a buffer of newline-terminated lines, noting truncation. */
static void check_rules_print(FILE *out, const char *buf, int count)
{
	int lines = 0;

	fputs(buf, out);
	for (const char *p = buf; (p = strchr(p, '\n')); p++)
		lines++;
	if (lines < count)
		fprintf(out, "... and %d more\n", count - lines);
}

int ctl_check_rules(int argc, char **argv)
{
	struct cw_ruleset *rs = NULL;
	const char **paths = NULL;
	size_t npaths = 0;
	char *msgs = NULL;
	int quiet = 0, nerr, nwarn, rc = 2, only_paths = 0;
	const char *routing = NULL;
	struct cw_routing *rt = NULL;

	paths = calloc((size_t)argc + 1, sizeof(*paths));
	msgs = malloc(CHECK_MSG_BUF);
	if (!paths || !msgs) {
		fprintf(stderr, "check-rules: out of memory\n");
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!only_paths && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			check_rules_usage(stdout);
			rc = 0;
			goto out;
		} else if (!only_paths && (!strcmp(a, "-q") ||
					   !strcmp(a, "--quiet"))) {
			quiet = 1;
		} else if (!only_paths && !strcmp(a, "--routing")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "check-rules: --routing needs a file\n");
				goto out;
			}
			routing = argv[++i];
		} else if (!only_paths && !strcmp(a, "--")) {
			only_paths = 1;
		} else if (!only_paths && a[0] == '-' && a[1]) {
			fprintf(stderr, "check-rules: unknown option '%s'\n", a);
			check_rules_usage(stderr);
			goto out;
		} else {
			paths[npaths++] = a;
		}
	}
	if (npaths == 0) {
		check_rules_usage(stderr);
		goto out;
	}
	nerr = cw_rules_load_many(paths, npaths, &rs, msgs, CHECK_MSG_BUF);
	if (nerr > 0) {
		check_rules_print(stderr, msgs, nerr);
		fprintf(stderr, "check-rules: %d error%s\n", nerr,
			nerr == 1 ? "" : "s");
		rc = 1;
		goto out;
	}
	if (routing && (cw_routing_load(routing, &rt, msgs, CHECK_MSG_BUF) < 0 ||
			cw_routing_check_rules(rt, rs, msgs, CHECK_MSG_BUF) < 0)) {
		fprintf(stderr, "%s\ncheck-rules: 1 error\n", msgs);
		rc = 1;
		goto out;
	}
	if (!quiet) {
		nwarn = cw_rules_lint(rs, msgs, CHECK_MSG_BUF);
		if (nwarn > 0)
			check_rules_print(stderr, msgs, nwarn);
		if (rt)
			printf("%zu rules OK, routing to %zu queues OK\n", rs->nrules,
			       cw_routing_queue_count(rt));
		else
			printf("%zu rules OK\n", rs->nrules);
	}
	rc = 0;
out:
	cw_ruleset_free(rs);
	cw_routing_free(rt);
	free(msgs);
	free(paths);
	return rc;
}
