/*
 * test_rules.c — rule files (daemon/core/rules.c).
 */
#include <check.h>

#include "check_main.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cw/event.h"
#include "cw/rules.h"

#define MS_H (3600LL * 1000)
#define MS_D (24 * MS_H)

static char tmpdir[PATH_MAX];
static char err[8192];

static void setup_tmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cw-rules-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown_tmp(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_in(const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int load(const char *text, struct cw_ruleset **rs)
{
	*rs = NULL;
	err[0] = '\0';
	return cw_rules_load_buf(text, strlen(text), "r.yaml", rs, err,
				 sizeof(err));
}

static const struct cw_rule *find(const struct cw_ruleset *rs,
				  const char *name)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (!strcmp(rs->rules[i].name, name))
			return &rs->rules[i];
	return NULL;
}

static const char contract_rules[] =
	"rules:\n"
	"  - name: silence-7d\n"
	"    detect: silence            # no outgoing voice/sms/data for `for`\n"
	"    params: { for: 7d }\n"
	"    severity: high\n"
	"    cooldown: 30d\n"
	"    action: \"Member-manager callback; check coverage complaints\"\n"
	"  - name: arpu-drop\n"
	"    detect: arpu_drop\n"
	"    params: { baseline: 3, drop: 40%, min_baseline: 20 }\n"
	"    severity: medium\n"
	"  - name: offnet-forward\n"
	"    detect: offnet_forward\n"
	"    params: { min_calls: 1, window: 7d }\n"
	"    severity: critical\n"
	"  - name: plan-downgrade\n"
	"    detect: plan_downgrade\n"
	"    params: { min_drop: 30% }\n"
	"    severity: medium\n"
	"  - name: bill-shock\n"
	"    when: \"revenue(30d) > 2 * revenue(90d) / 3 and revenue(30d) > 50\"\n"
	"    severity: low\n"
	"    where: \"tenure > 90d\"\n";

START_TEST(test_contract_rules)
{
	struct cw_ruleset *rs;
	const struct cw_rule *r;

	ck_assert_msg(load(contract_rules, &rs) == 0, "%s", err);
	ck_assert_uint_eq(rs->nrules, 5);
	ck_assert_uint_eq(strlen(rs->version), 64);

	r = &rs->rules[0];
	ck_assert_str_eq(r->name, "silence-7d");
	ck_assert_int_eq(r->detector, CW_DET_SILENCE);
	ck_assert_int_eq(r->silence_for_ms, 7 * MS_D);
	ck_assert_int_eq(r->severity, CW_SEV_HIGH);
	ck_assert_int_eq(r->cooldown_ms, 30 * MS_D);
	ck_assert_str_eq(r->action,
			 "Member-manager callback; check coverage complaints");
	ck_assert_int_eq(r->enabled, 1);
	ck_assert_str_eq(r->file, "r.yaml");
	ck_assert_int_eq(r->line, 2);
	ck_assert_int_eq(r->col, 5);

	r = find(rs, "arpu-drop");
	ck_assert_int_eq(r->detector, CW_DET_ARPU_DROP);
	ck_assert_int_eq(r->arpu_baseline, 3);
	ck_assert_double_eq_tol(r->arpu_drop, 0.4, 1e-9);
	ck_assert_int_eq(r->arpu_min_baseline, 20 * CW_MONEY_SCALE);
	ck_assert_ptr_null(r->action);

	r = find(rs, "offnet-forward");
	ck_assert_int_eq(r->detector, CW_DET_OFFNET_FORWARD);
	ck_assert_int_eq(r->fwd_min_calls, 1);
	ck_assert_int_eq(r->fwd_window_ms, 7 * MS_D);
	ck_assert_int_eq(r->severity, CW_SEV_CRITICAL);

	r = find(rs, "plan-downgrade");
	ck_assert_int_eq(r->detector, CW_DET_PLAN_DOWNGRADE);
	ck_assert_double_eq_tol(r->downgrade_min_drop, 0.3, 1e-9);

	r = find(rs, "bill-shock");
	ck_assert_int_eq(r->detector, CW_DET_EXPR);
	ck_assert_ptr_nonnull(r->when);
	ck_assert_ptr_nonnull(r->where);
	ck_assert_int_eq(r->severity, CW_SEV_LOW);
	ck_assert_int_eq(r->limit_per_day, 0);
	cw_ruleset_free(rs);
	cw_ruleset_free(NULL);
}
END_TEST

START_TEST(test_detector_defaults)
{
	struct cw_ruleset *rs;
	const struct cw_rule *r;

	ck_assert_msg(load("rules:\n"
			   "  - {name: a, detect: arpu_drop, params: {drop: 0.5}}\n"
			   "  - {name: b, detect: offnet_forward}\n"
			   "  - {name: c, detect: plan_downgrade, params: {}}\n"
			   "  - name: d\n"
			   "    detect: silence\n"
			   "    params: {for: 36h}\n"
			   "    limit: 100\n"
			   "    enabled: false\n"
			   "    description: anything\n"
			   "    labels: {team: retention}\n",
			   &rs) == 0,
		      "%s", err);
	r = find(rs, "a");
	ck_assert_int_eq(r->arpu_baseline, 3);
	ck_assert_double_eq_tol(r->arpu_drop, 0.5, 1e-9);
	ck_assert_int_eq(r->arpu_min_baseline, 0);
	ck_assert_int_eq(r->severity, CW_SEV_MEDIUM);
	ck_assert_int_eq(r->cooldown_ms, 0);
	r = find(rs, "b");
	ck_assert_int_eq(r->fwd_min_calls, 1);
	ck_assert_int_eq(r->fwd_window_ms, 7 * MS_D);
	r = find(rs, "c");
	ck_assert_double_eq(r->downgrade_min_drop, 0);
	r = find(rs, "d");
	ck_assert_int_eq(r->silence_for_ms, 36 * MS_H);
	ck_assert_int_eq(r->limit_per_day, 100);
	ck_assert_int_eq(r->enabled, 0);
	cw_ruleset_free(rs);
}
END_TEST

/* Each case: text, expected first error line. */
START_TEST(test_single_errors)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"rules:\n  - {name: a, detect: teleport}\n",
		 "r.yaml:2:23: detect: unknown detector 'teleport'"},
		{"rules:\n  - detect: silence\n    params: {for: 7d}\n",
		 "r.yaml:2:5: rule has no 'name'"},
		{"rules:\n  - {name: a, detect: silence, params: {for: 7d}, "
		 "when: \"tenure > 1d\"}\n",
		 "r.yaml:2:57: a rule has either 'detect' or 'when', not both"},
		{"rules:\n  - {name: a}\n", "r.yaml:2:5: rule needs 'detect' or 'when'"},
		{"rules:\n  - {name: a, detect: offnet_forward, severity: urgent}\n",
		 "r.yaml:2:49: severity: unknown severity 'urgent'"},
		{"rules:\n  - name: a\n    detect: silence\n    params: {for: 7x}\n",
		 "r.yaml:4:19: for: invalid duration \"7x\""},
		{"rules:\n  - name: a\n    detect: offnet_forward\n    cooldown: soon\n",
		 "r.yaml:4:15: cooldown: invalid duration \"soon\""},
		{"rules:\n  - {name: a, detect: silence}\n",
		 "r.yaml:2:5: detector silence needs params.for"},
		{"rules:\n  - {name: a, detect: arpu_drop, params: {drop: 40%, "
		 "baseline: 13}}\n",
		 "r.yaml:2:64: baseline: 13 is out of range [1, 12]"},
		{"rules:\n  - {name: a, detect: arpu_drop, params: {drop: 40%, "
		 "lookback: 2}}\n",
		 "r.yaml:2:54: params: unknown parameter 'lookback' for detector "
		 "arpu_drop (valid: baseline, drop, min_baseline)"},
		{"rules:\n  - {name: a, detect: plan_downgrade, params: {min_drop: "
		 "lots}}\n",
		 "r.yaml:2:58: min_drop: expected a percentage like 40%, got \"lots\""},
		{"rules:\n  - {name: Bad Name, detect: offnet_forward}\n",
		 "r.yaml:2:12: name: 'Bad Name' is not a valid rule name"},
		{"rules:\n  - {name: a, detect: offnet_forward, colour: red}\n",
		 "r.yaml:2:39: unknown rule key 'colour'"},
		{"rules:\n  - {name: a, when: \"tenure > 1d\", params: {x: 1}}\n",
		 "r.yaml:2:44: params: only detector rules take params"},
		{"rules:\n  - {name: a, detect: offnet_forward, enabled: maybe}\n",
		 "r.yaml:2:48: enabled: expected true or false, got \"maybe\""},
		{"rules:\n  - {name: a, detect: offnet_forward, limit: -1}\n",
		 "r.yaml:2:46: limit: -1 is out of range"},
		{"rule:\n  - {name: a, detect: offnet_forward}\n",
		 "r.yaml:1:1: unknown top-level key 'rule' (expected 'rules')"},
		{"rules: {name: a}\n", "r.yaml:1:8: rules: expected a list, got a mapping"},
		{"rules:\n  - [a]\n", "r.yaml:2:5: a rule must be a mapping, got a list"},
		{"rules:\n  - {name: a, detect: offnet_forward\n",
		 "r.yaml:3:1: "},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cw_ruleset *rs;

		ck_assert_msg(load(cases[i].text, &rs) >= 1, "case %zu loaded", i);
		ck_assert_ptr_null(rs);
		ck_assert_msg(!strncmp(err, cases[i].want, strlen(cases[i].want)),
			      "case %zu: got '%s', want '%s'", i, err,
			      cases[i].want);
	}
}
END_TEST

START_TEST(test_expr_error_position)
{
	struct cw_ruleset *rs;

	/* plain scalar: the expression starts at the value */
	ck_assert_int_ge(load("rules:\n  - name: a\n    when: tenure > \n", &rs), 1);
	ck_assert_msg(!strncmp(err, "r.yaml:3:", 9), "%s", err);
	/* quoted: one column later than the quote */
	ck_assert_int_ge(load("rules:\n  - name: a\n    when: \"bogus(1d) > 1\"\n",
			      &rs),
			 1);
	ck_assert_msg(!strncmp(err, "r.yaml:3:12:", 12), "%s", err);
	/* block scalar: first content line */
	ck_assert_int_ge(load("rules:\n  - name: a\n    when: |\n\n"
			      "      bogus(1d) > 1\n",
			      &rs),
			 1);
	ck_assert_msg(!strncmp(err, "r.yaml:5:7:", 11), "%s", err);
}
END_TEST

START_TEST(test_multiple_errors_collected)
{
	struct cw_ruleset *rs;
	int n;

	n = load("rules:\n"
		 "  - {name: a, detect: teleport}\n"
		 "  - {name: b, detect: silence, params: {for: 7x}}\n"
		 "  - {name: c, detect: offnet_forward, severity: meh, "
		 "cooldown: x}\n"
		 "  - {name: ok, detect: offnet_forward}\n",
		 &rs);
	ck_assert_int_eq(n, 4);
	ck_assert_ptr_null(rs);
	ck_assert_ptr_nonnull(strstr(err, "r.yaml:2:23: detect: unknown detector"));
	ck_assert_ptr_nonnull(strstr(err, "\nr.yaml:3:46: for: invalid duration"));
	ck_assert_ptr_nonnull(strstr(err, "\nr.yaml:4:49: severity: unknown"));
	ck_assert_ptr_nonnull(strstr(err, "\nr.yaml:4:64: cooldown: invalid"));

	/* a tiny buffer truncates the text but not the count */
	{
		char small[40];

		ck_assert_int_eq(cw_rules_load_buf("rules:\n - {name: a}\n - {name: b}\n",
						   33, "r.yaml", &rs, small,
						   sizeof(small)),
				 2);
		ck_assert_uint_lt(strlen(small), sizeof(small));
	}
}
END_TEST


/* A local file tunes a vendor rule by name (Falco-style override:). */
START_TEST(test_override_vendor_rule)
{
	char vendor[PATH_MAX + 32], local[PATH_MAX + 32];
	const char *paths[2] = {vendor, local};
	struct cw_ruleset *rs = NULL;

	setup_tmp();
	snprintf(vendor, sizeof(vendor), "%s/vendor", tmpdir);
	snprintf(local, sizeof(local), "%s/local", tmpdir);
	ck_assert_int_eq(mkdir(vendor, 0755), 0);
	ck_assert_int_eq(mkdir(local, 0755), 0);
	write_in("vendor/10-core.yaml",
		 "rules:\n"
		 "  - name: silence-30d\n    detect: silence\n"
		 "    params: {for: 30d}\n    cooldown: 30d\n    action: call\n"
		 "    labels: {category: competitive}\n"
		 "    description: thirty days quiet\n"
		 "  - name: arpu-drop\n    detect: arpu_drop\n"
		 "    params: {drop: 40%, baseline: 3}\n"
		 "  - name: fall\n    when: \"calls_out(14d) < 3\"\n    cooldown: 7d\n");
	write_in("local/50-local.yaml",
		 "rules:\n"
		 "  - override: silence-30d\n    params: {for: 21d}\n"
		 "    cooldown: 45d\n    severity: critical\n    action: visit\n"
		 "  - override: arpu-drop\n    enabled: false\n    limit: 9\n");
	ck_assert_msg(cw_rules_load_many(paths, 2, &rs, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(rs->nrules, 3);
	const struct cw_rule *s30 = &rs->rules[0], *arpu = &rs->rules[1];
	ck_assert_int_eq(s30->silence_for_ms, 21 * MS_D);
	ck_assert_int_eq(s30->cooldown_ms, 45 * MS_D);
	ck_assert_int_eq(s30->severity, CW_SEV_CRITICAL);
	ck_assert_str_eq(s30->action, "visit");
	ck_assert_str_eq(s30->description, "thirty days quiet");
	ck_assert_uint_eq(s30->nlabels, 1);
	ck_assert_str_eq(s30->labels[0].key, "category");
	ck_assert_str_eq(s30->labels[0].value, "competitive");
	ck_assert_int_eq(s30->noverrides, 1);
	ck_assert_int_eq(arpu->enabled, 0);
	ck_assert_int_eq(arpu->limit_per_day, 9);
	ck_assert(arpu->arpu_drop > 0.39 && arpu->arpu_drop < 0.41); /* untouched */
	ck_assert_int_eq(arpu->arpu_baseline, 3);
	cw_ruleset_free(rs);
	rs = NULL;

	/* Errors: unknown target, a key an override cannot change, params of a
	 * when: rule, a bad value (and the rule stays as it was). */
	write_in("local/60-bad.yaml",
		 "rules:\n"
		 "  - override: no-such-rule\n    enabled: false\n"
		 "  - override: silence-30d\n    where: \"tenure > 1d\"\n"
		 "  - override: fall\n    params: {for: 1d}\n"
		 "  - override: arpu-drop\n    params: {drop: 140%}\n");
	ck_assert_int_eq(cw_rules_load_many(paths, 2, &rs, err, sizeof(err)), 4);
	ck_assert_ptr_null(rs);
	ck_assert_msg(strstr(err, "60-bad.yaml:2:15: override: no rule 'no-such-rule' "
				  "was loaded before this file"), "%s", err);
	ck_assert_msg(strstr(err, "60-bad.yaml:5:5: unknown override key 'where'"),
		      "%s", err);
	ck_assert_msg(strstr(err, "rule 'fall' is a when: rule"), "%s", err);
	ck_assert_msg(strstr(err, "60-bad.yaml:9:20: drop"), "%s", err);
	teardown_tmp();
}
END_TEST

START_TEST(test_labels_and_description)
{
	struct cw_ruleset *rs;

	ck_assert_msg(load("rules:\n  - name: a\n    detect: plan_downgrade\n"
			   "    labels: {category: price, team: county-1}\n"
			   "    description: \"a cheaper plan\"\n", &rs) == 0,
		      "%s", err);
	ck_assert_uint_eq(rs->rules[0].nlabels, 2);
	ck_assert_str_eq(rs->rules[0].labels[1].key, "team");
	ck_assert_str_eq(rs->rules[0].labels[1].value, "county-1");
	ck_assert_str_eq(rs->rules[0].description, "a cheaper plan");
	cw_ruleset_free(rs);
	ck_assert_int_eq(load("rules:\n  - name: a\n    detect: plan_downgrade\n"
			      "    labels: {Bad Name: x}\n", &rs), 1);
	ck_assert_msg(strstr(err, "not a valid label name"), "%s", err);
	ck_assert_int_eq(load("rules:\n  - name: a\n    detect: plan_downgrade\n"
			      "    labels: {a: [1, 2]}\n", &rs), 1);
	/* when: rules get the documented default cooldown */
	ck_assert_int_eq(load("rules:\n  - {name: w, when: \"days_silent > 3\"}\n"
			      "  - {name: d, detect: plan_downgrade}\n", &rs), 0);
	ck_assert_int_eq(rs->rules[0].cooldown_ms, CW_RULE_WHEN_COOLDOWN_DEFAULT_MS);
	ck_assert_int_eq(rs->rules[1].cooldown_ms, 0);
	cw_ruleset_free(rs);
}
END_TEST

START_TEST(test_duplicate_names_across_files)
{
	char path[PATH_MAX + 32];
	struct cw_ruleset *rs = NULL;

	setup_tmp();
	write_in("a.yaml", "rules:\n  - {name: dup, detect: offnet_forward}\n");
	write_in("b.yaml", "rules:\n\n  - name: dup\n    detect: plan_downgrade\n");
	snprintf(path, sizeof(path), "%s", tmpdir);
	ck_assert_int_eq(cw_rules_load(path, &rs, err, sizeof(err)), 1);
	ck_assert_ptr_null(rs);
	{
		char want[PATH_MAX * 2 + 128];

		snprintf(want, sizeof(want),
			 "%s/b.yaml:3:11: duplicate rule name 'dup' (first "
			 "defined at %s/a.yaml:2:12)\n",
			 tmpdir, tmpdir);
		ck_assert_str_eq(err, want);
	}
	teardown_tmp();
}
END_TEST

START_TEST(test_directory_order_and_filter)
{
	char p1[PATH_MAX + 32], p2[PATH_MAX + 32];
	const char *paths[2];
	struct cw_ruleset *rs = NULL;

	setup_tmp();
	write_in("20-b.yaml", "rules:\n  - {name: b, detect: offnet_forward}\n");
	write_in("10-a.yml", "rules:\n  - {name: a, detect: offnet_forward}\n");
	write_in("30-c.yaml", "rules:\n  - {name: c, detect: offnet_forward}\n");
	write_in(".hidden.yaml", "this: is not: loaded\n");
	write_in("notes.txt", "not a rule file\n");
	write_in("empty.yaml", "");
	ck_assert_int_eq(cw_rules_load(tmpdir, &rs, err, sizeof(err)), 0);
	ck_assert_uint_eq(rs->nrules, 3);
	ck_assert_str_eq(rs->rules[0].name, "a");
	ck_assert_str_eq(rs->rules[1].name, "b");
	ck_assert_str_eq(rs->rules[2].name, "c");
	cw_ruleset_free(rs);

	/* several paths as one set: a file and a directory */
	snprintf(p1, sizeof(p1), "%s/sub", tmpdir);
	ck_assert_int_eq(mkdir(p1, 0755), 0);
	snprintf(p2, sizeof(p2), "%s/20-b.yaml", tmpdir);
	paths[0] = p2;
	paths[1] = p1;
	ck_assert_int_eq(cw_rules_load_many(paths, 2, &rs, err, sizeof(err)), 0);
	ck_assert_uint_eq(rs->nrules, 1);
	cw_ruleset_free(rs);

	/* an empty directory is fine, a missing path is not */
	ck_assert_int_eq(cw_rules_load(p1, &rs, err, sizeof(err)), 0);
	ck_assert_uint_eq(rs->nrules, 0);
	cw_ruleset_free(rs);
	snprintf(p1, sizeof(p1), "%s/missing.d", tmpdir);
	rs = NULL;
	ck_assert_int_eq(cw_rules_load(p1, &rs, err, sizeof(err)), 1);
	ck_assert_ptr_null(rs);
	ck_assert_ptr_nonnull(strstr(err, "missing.d: No such file"));
	teardown_tmp();
}
END_TEST

START_TEST(test_version_changes_with_bytes)
{
	struct cw_ruleset *a, *b, *c;
	char text[] = "rules:\n  - {name: a, detect: offnet_forward}\n";

	ck_assert_int_eq(load(text, &a), 0);
	ck_assert_int_eq(load(text, &b), 0);
	ck_assert_str_eq(a->version, b->version);
	cw_ruleset_free(b);
	text[sizeof(text) - 2] = ' '; /* a trailing byte, same rules */
	ck_assert_int_eq(load(text, &b), 0);
	ck_assert_str_ne(a->version, b->version);
	ck_assert_int_eq(cw_rules_load_buf(text, strlen(text), "other.yaml", &c,
					   err, sizeof(err)),
			 0);
	ck_assert_str_ne(b->version, c->version); /* the name counts too */
	ck_assert_uint_eq(strspn(a->version, "0123456789abcdef"), 64);
	cw_ruleset_free(a);
	cw_ruleset_free(b);
	cw_ruleset_free(c);
}
END_TEST

START_TEST(test_lint)
{
	struct cw_ruleset *rs;
	char out[4096];
	int n;

	ck_assert_msg(load("rules:\n"
			   "  - {name: off, detect: offnet_forward, enabled: false}\n"
			   "  - {name: short, detect: silence, params: {for: 30m}, "
			   "cooldown: 1d}\n"
			   "  - {name: nocool, detect: silence, params: {for: 7d}}\n"
			   "  - {name: never, when: \"tenure > 1d and tenure < 1h\"}\n"
			   "  - {name: contra, when: \"tenure > 30d\", where: "
			   "\"tenure < 1d\"}\n"
			   "  - {name: fine, detect: silence, params: {for: 7d}, "
			   "cooldown: 30d, where: \"tenure > 90d\"}\n"
			   "  - {name: same, detect: plan_downgrade}\n",
			   &rs) == 0,
		      "%s", err);
	n = cw_rules_lint(rs, out, sizeof(out));
	ck_assert_msg(strstr(out, "r.yaml:2:5: warning: rule 'off': disabled"),
		      "%s", out);
	ck_assert_msg(strstr(out, "r.yaml:3:5: warning: rule 'short': silence "
				  "'for' is under 1h"),
		      "%s", out);
	ck_assert_msg(strstr(out, "r.yaml:4:5: warning: rule 'nocool': cooldown 0"),
		      "%s", out);
	ck_assert_msg(strstr(out, "r.yaml:5:5: warning: rule 'never': 'when' "
				  "looks like it can never be true"),
		      "%s", out);
	ck_assert_msg(strstr(out, "r.yaml:6:5: warning: rule 'contra': 'where' "
				  "seems to contradict 'when'"),
		      "%s", out);
	ck_assert_msg(strstr(out, "rule 'same': min_drop 0%"), "%s", out);
	ck_assert_msg(!strstr(out, "'fine'"), "%s", out);
	/* 'never' and 'contra' are when: rules without a cooldown */
	ck_assert_msg(strstr(out, "rule 'never': no cooldown: it defaults to 30d"),
		      "%s", out);
	ck_assert_int_eq(n, 8);
	cw_ruleset_free(rs);

	/* CONTRACT §5's bill-shock has no cooldown: the one warning */
	ck_assert_int_eq(load(contract_rules, &rs), 0);
	ck_assert_int_eq(cw_rules_lint(rs, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "rule 'bill-shock': no cooldown"), "%s", out);
	cw_ruleset_free(rs);
}
END_TEST

START_TEST(test_strings)
{
	ck_assert_str_eq(cw_severity_str(CW_SEV_CRITICAL), "critical");
	ck_assert_str_eq(cw_severity_str(CW_SEV_INFO), "info");
	ck_assert_str_eq(cw_detector_str(CW_DET_OFFNET_FORWARD), "offnet_forward");
	ck_assert_str_eq(cw_detector_str(CW_DET_EXPR), "expr");
	ck_assert_str_eq(cw_severity_str(CW_SEV__COUNT), "unknown");
}
END_TEST

START_TEST(test_too_many_rules)
{
	size_t cap = (CW_RULES_MAX + 2) * 48 + 16, used = 0;
	char *text = malloc(cap);
	struct cw_ruleset *rs;

	used += (size_t)snprintf(text + used, cap - used, "rules:\n");
	for (int i = 0; i < CW_RULES_MAX + 1; i++)
		used += (size_t)snprintf(text + used, cap - used,
					 "  - {name: r%d, detect: offnet_forward}\n",
					 i);
	ck_assert_int_eq(load(text, &rs), 1);
	ck_assert_ptr_nonnull(strstr(err, "too many rules"));
	free(text);
}
END_TEST

CW_CHECK_SUITE(rules_suite)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_contract_rules);
	tcase_add_test(tc, test_detector_defaults);
	tcase_add_test(tc, test_single_errors);
	tcase_add_test(tc, test_expr_error_position);
	tcase_add_test(tc, test_multiple_errors_collected);
	tcase_add_test(tc, test_duplicate_names_across_files);
	tcase_add_test(tc, test_directory_order_and_filter);
	tcase_add_test(tc, test_version_changes_with_bytes);
	tcase_add_test(tc, test_lint);
	tcase_add_test(tc, test_override_vendor_rule);
	tcase_add_test(tc, test_labels_and_description);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_too_many_rules);
	suite_add_tcase(s, tc);
	return s;
}

