/*
 * test_routing.c — routing.yaml (daemon/core/routing.c): first match
 * wins, the default catches the rest, every mistake is FILE:LINE:COL.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "cw/engine.h"
#include "cw/routing.h"
#include "cw/rules.h"

static char err[1024];

static const char example[] =
	"queues:\n"
	"  high-value-care: {capacity: 200}\n"
	"  group-accounts: {capacity: 100}\n"
	"  county-managers: {capacity: 500}\n"
	"  mass-outbound: {capacity: 2000}\n"
	"routes:\n"
	"  - match: {arpu_tier: high, tenure_stage: [stable, mature]}\n"
	"    queue: high-value-care\n"
	"  - match: {labels.team: group-desk}\n"
	"    queue: group-accounts\n"
	"  - match: {rule: [offnet-forward, portout], plan: [P88, P128]}\n"
	"    queue: county-managers\n"
	"  - match: {severity: critical}\n"
	"    queue: county-managers\n"
	"default: mass-outbound\n";

static const char rules_yaml[] =
	"rules:\n"
	"  - name: offnet-forward\n"
	"    detect: offnet_forward\n"
	"    severity: high\n"
	"  - name: portout\n"
	"    detect: plan_downgrade\n"
	"    severity: critical\n"
	"  - name: group-silence\n"
	"    detect: silence\n"
	"    params: {for: 30d}\n"
	"    severity: medium\n"
	"    labels: {team: group-desk}\n";

static struct cw_routing *load(const char *text)
{
	struct cw_routing *r = NULL;

	err[0] = '\0';
	if (cw_routing_load_buf(text, strlen(text), "routing.yaml", &r, err,
				sizeof(err)) < 0)
		return NULL;
	return r;
}

static struct cw_ruleset *rules(void)
{
	struct cw_ruleset *rs = NULL;
	char e[2048];

	ck_assert_msg(cw_rules_load_buf(rules_yaml, strlen(rules_yaml), "rules.yaml",
					&rs, e, sizeof(e)) == 0, "%s", e);
	return rs;
}

static const struct cw_rule *rule(const struct cw_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (!strcmp(rs->rules[i].name, name))
			return &rs->rules[i];
	ck_abort_msg("no rule %s", name);
	return NULL;
}

static const char *route(const struct cw_routing *r, const struct cw_rule *ru,
			 int tier, int stage, const char *plan)
{
	struct cw_alert a;

	memset(&a, 0, sizeof(a));
	a.rule = ru;
	a.arpu_tier = tier;
	a.tenure_stage = stage;
	return cw_routing_queue(r, &a, plan);
}

START_TEST(first_match_wins_default_catches_the_rest)
{
	struct cw_routing *r = load(example);
	struct cw_ruleset *rs = rules();
	const struct cw_rule *fwd = rule(rs, "offnet-forward");
	const struct cw_rule *po = rule(rs, "portout");
	const struct cw_rule *gs = rule(rs, "group-silence");

	ck_assert_msg(r, "%s", err);
	ck_assert_int_eq(cw_routing_check_rules(r, rs, err, sizeof(err)), 0);
	/* high tier, stable: the first route, whatever the rule */
	ck_assert_str_eq(route(r, gs, 2, 1, "P88"), "high-value-care");
	ck_assert_str_eq(route(r, fwd, 2, 2, "P18"), "high-value-care");
	/* high tier but new: not the first route; the label routes it */
	ck_assert_str_eq(route(r, gs, 2, 0, "P18"), "group-accounts");
	/* a rule and a plan, both lists, both must hold */
	ck_assert_str_eq(route(r, fwd, 1, 1, "P128"), "county-managers");
	ck_assert_str_eq(route(r, fwd, 1, 1, "P18"), "mass-outbound");
	ck_assert_str_eq(route(r, fwd, 1, 1, NULL), "mass-outbound");
	/* severity */
	ck_assert_str_eq(route(r, po, 0, 0, "P18"), "county-managers");
	ck_assert_uint_eq(cw_routing_queue_count(r), 4);
	ck_assert_str_eq(cw_routing_queue_name(r, 3), "mass-outbound");
	ck_assert_int_eq(cw_routing_queue_capacity(r, 0), 200);
	ck_assert_ptr_null(cw_routing_queue(NULL, NULL, NULL));
	cw_routing_free(r);
	cw_ruleset_free(rs);
}
END_TEST

/* region: the subscriber attribute events carry (activate, profile). */
START_TEST(region_routes_county_lines)
{
	struct cw_routing *r = load("queues: {county-north: {capacity: 5}, all: {capacity: 10}}\n"
				    "routes:\n  - match: {region: [north-1, north-2], severity: high}\n"
				    "    queue: county-north\ndefault: all\n");
	struct cw_ruleset *rs = rules();
	struct cw_alert a;

	ck_assert_msg(r, "%s", err);
	memset(&a, 0, sizeof(a));
	a.rule = rule(rs, "offnet-forward");
	ck_assert_int_eq(a.rule->severity, CW_SEV_HIGH);
	snprintf(a.region, sizeof(a.region), "north-2");
	ck_assert_str_eq(cw_routing_queue(r, &a, "P18"), "county-north");
	snprintf(a.region, sizeof(a.region), "south");
	ck_assert_str_eq(cw_routing_queue(r, &a, "P18"), "all");
	a.region[0] = '\0'; /* unknown: matches no region */
	ck_assert_str_eq(cw_routing_queue(r, &a, "P18"), "all");
	cw_routing_free(r);
	cw_ruleset_free(rs);
}
END_TEST

START_TEST(no_routes_means_the_default)
{
	struct cw_routing *r = load("queues: {all: {capacity: 10}}\ndefault: all\n");
	struct cw_ruleset *rs = rules();

	ck_assert_msg(r, "%s", err);
	ck_assert_str_eq(route(r, rule(rs, "portout"), 2, 2, "P88"), "all");
	cw_routing_free(r);
	cw_ruleset_free(rs);
}
END_TEST

/* Each mistake: refused, with the file, line and column of the culprit. */
START_TEST(mistakes_are_refused_where_they_are)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"queues: {a: {capacity: 1}}\n", "routing.yaml:1:1: missing 'default'"},
		{"default: a\n", "routing.yaml:1:1: missing 'queues'"},
		{"queues: {a: {capacity: 1}}\ndefault: b\n",
		 "routing.yaml:2:10: queue 'b' is not declared"},
		{"queues: {care: {capacity: 1}}\ndefault: cares\n",
		 "did you mean 'care'?"},
		{"queues: {a: {capacity: 0}}\ndefault: a\n", "routing.yaml:1:24: capacity"},
		{"queues: {a: {}}\ndefault: a\n", "missing 'capacity'"},
		{"queues: {a: {capacity: 1, size: 2}}\ndefault: a\n",
		 "routing.yaml:1:27: a: unknown key 'size'"},
		{"queues: {\"a b\": {capacity: 1}}\ndefault: a\n", "queue name must be"},
		{"queues: {a: {capacity: 1}}\nroutes:\n  - match: {tier: high}\n    queue: a\ndefault: a\n",
		 "routing.yaml:3:13: match: unknown attribute 'tier'"},
		{"queues: {a: {capacity: 1}}\nroutes:\n  - match: {arpu_tier: huge}\n    queue: a\ndefault: a\n",
		 "routing.yaml:3:24: arpu_tier: 'huge' is not a value it can take (low, mid, high)"},
		{"queues: {a: {capacity: 1}}\nroutes:\n  - match: {severity: urgent}\n    queue: a\ndefault: a\n",
		 "'urgent' is not a value it can take"},
		{"queues: {a: {capacity: 1}}\nroutes:\n  - match: {rule: []}\n    queue: a\ndefault: a\n",
		 "an empty list matches nothing"},
		{"queues: {a: {capacity: 1}}\nroutes:\n  - queue: a\ndefault: a\n",
		 "route: missing 'match'"},
		{"queues: {a: {capacity: 1}}\nroutes:\n  - match: {plan: P1}\ndefault: a\n",
		 "route: missing 'queue'"},
		{"queues: {a: {capacity: 1}}\nroutes:\n  - match: {plan: P1}\n    queue: b\ndefault: a\n",
		 "routing.yaml:4:12: queue 'b' is not declared"},
		{"queues: {a: {capacity: 1}}\ndefault: a\nescalate: yes\n",
		 "routing.yaml:3:1: routing file: unknown key 'escalate'"},
		{"- a\n", "expected a mapping"},
		{"queues: {a: {capacity: 1}}\nroutes:\n  - match: {region: \"north county\"}\n    queue: a\ndefault: a\n",
		 "routing.yaml:3:21: region: 'north county' is not a value it can take (1-32 of"},
		{"queues: {a: {capacity: 1}}\nroutes:\n  - match: {regoin: north}\n    queue: a\ndefault: a\n",
		 "did you mean 'region'?"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cw_routing *r = load(bad[i].text);
		ck_assert_msg(!r, "case %zu loaded", i);
		cw_routing_free(r);
		ck_assert_msg(strstr(err, bad[i].want), "case %zu: '%s' lacks '%s'", i,
			      err, bad[i].want);
	}
}
END_TEST

START_TEST(a_misspelt_rule_is_refused_with_a_suggestion)
{
	struct cw_routing *r = load("queues: {a: {capacity: 1}}\nroutes:\n"
				    "  - match: {rule: [portout, ofnet-forward]}\n"
				    "    queue: a\ndefault: a\n");
	struct cw_ruleset *rs = rules();

	ck_assert_msg(r, "%s", err);
	ck_assert_int_lt(cw_routing_check_rules(r, rs, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "routing.yaml:3:29: route names rule 'ofnet-forward'") &&
		      strstr(err, "did you mean 'offnet-forward'?"), "%s", err);
	cw_routing_free(r);
	cw_ruleset_free(rs);
}
END_TEST

CW_CHECK_SUITE(routing_suite)
{
	TCase *tc = tcase_create("routing");

	tcase_add_test(tc, first_match_wins_default_catches_the_rest);
	tcase_add_test(tc, no_routes_means_the_default);
	tcase_add_test(tc, region_routes_county_lines);
	tcase_add_test(tc, mistakes_are_refused_where_they_are);
	tcase_add_test(tc, a_misspelt_rule_is_refused_with_a_suggestion);
	return cw_check_tcase_suite("routing", tc);
}
