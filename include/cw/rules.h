/*
 * rules.h — rule files (CONTRACT §5): loading and the compiled rule set.
 *
 * A cw_ruleset is immutable once loaded. SIGHUP builds a whole new one
 * (rules + plans + networks) and swaps it in between batches.
 */
#ifndef CW_RULES_H
#define CW_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "cw/expr.h"

#define CW_RULE_NAME_MAX 64
#define CW_RULES_MAX 128
#define CW_RULE_LABELS_MAX 16
#define CW_RULE_LABEL_MAX 64        /* bytes of a label key or value */
#define CW_RULE_DESC_MAX 1024       /* bytes of a description */
#define CW_RULE_ACTION_MAX 1024     /* bytes of an action */
/* A `when:` rule without `cooldown:` would re-alert the same subscriber
 * at every daily tick; it gets this one (docs/rules.md). */
#define CW_RULE_WHEN_COOLDOWN_DEFAULT_MS (30LL * 86400 * 1000)

enum cw_severity {
	CW_SEV_INFO = 0,
	CW_SEV_LOW,
	CW_SEV_MEDIUM,
	CW_SEV_HIGH,
	CW_SEV_CRITICAL,
	CW_SEV__COUNT
};

enum cw_detector {
	CW_DET_EXPR = 0,       /* when: expression */
	CW_DET_SILENCE,
	CW_DET_ARPU_DROP,
	CW_DET_OFFNET_FORWARD,
	CW_DET_PLAN_DOWNGRADE,
	CW_DET_COMMITMENT_END,
	CW_DET_SCORE,          /* the learned risk score (docs/score.md) */
	CW_DET__COUNT
};

struct cw_rule_label {
	char *key;
	char *value;
};

struct cw_rule {
	char name[CW_RULE_NAME_MAX + 1];
	enum cw_detector detector;
	enum cw_severity severity;
	int enabled;              /* enabled: (true) */
	int64_t cooldown_ms;      /* cooldown: (0 = only the same window is suppressed;
				   * when: rules default to 30d) */
	int cooldown_set;         /* cooldown: was written in the file */
	int64_t limit_per_day;    /* limit: max alerts per event-time day (0 = none) */
	char *action;             /* may be NULL */
	char *description;        /* may be NULL; copied into alerts */
	struct cw_rule_label labels[CW_RULE_LABELS_MAX]; /* copied into alerts */
	size_t nlabels;
	struct cw_expr *when;     /* CW_DET_EXPR only */
	struct cw_expr *where;    /* optional scope for any detector */

	/* detector params (CONTRACT §5) */
	int64_t silence_for_ms;   /* silence: for */
	int arpu_baseline;        /* arpu_drop: baseline months (3) */
	double arpu_drop;         /* arpu_drop: drop fraction (0.4) */
	int64_t arpu_min_baseline;/* arpu_drop: min_baseline, money*SCALE (0) */
	int64_t fwd_min_calls;    /* offnet_forward: min_calls (1) */
	int64_t fwd_window_ms;    /* offnet_forward: window (7d) */
	double downgrade_min_drop;/* plan_downgrade: min_drop (0) */
	int64_t commitment_before_ms; /* commitment_end: before (required) */
	double score_threshold;   /* score: threshold (required), 0..1 */
	char *model_path;         /* score: model (optional; relative paths
				   * resolved against the rule file's folder) */

	/* where it was defined, for messages */
	char *file;
	int line;
	int col;
	int noverrides;           /* local `override:` entries applied to it */
};

struct cw_ruleset {
	struct cw_rule *rules;
	size_t nrules;
	char version[65];         /* sha256 hex of the loaded rule files' bytes */
};

/*
 * Load rules from `path` (a file, or a directory of *.yaml / *.yml read in
 * name order). Every problem is reported as "FILE:LINE:COL: message"; all
 * errors found are written to err one per line (truncated at errlen), and
 * the function returns the number of errors (0 = success, *out set).
 * Rule names must be unique across files. An entry `override: NAME`
 * changes enabled/severity/cooldown/limit/action/params of a rule loaded
 * before it (a vendor rule, from a local file) without editing it.
 */
int cw_rules_load(const char *path, struct cw_ruleset **out, char *err,
		  size_t errlen);
/* Load several paths as one set (churnctl check-rules FILE...). */
int cw_rules_load_many(const char *const *paths, size_t npaths,
		       struct cw_ruleset **out, char *err, size_t errlen);
/* From memory (tests, fuzzing). */
int cw_rules_load_buf(const char *buf, size_t len, const char *name,
		      struct cw_ruleset **out, char *err, size_t errlen);
void cw_ruleset_free(struct cw_ruleset *rs);

/*
 * Warnings that do not prevent loading (rule can never fire, where
 * contradicts when, ...), one "FILE:LINE:COL: warning: ..." per line.
 * Returns the number of warnings.
 */
int cw_rules_lint(const struct cw_ruleset *rs, char *out, size_t outlen);

/* The rule whose name hash (hashes[i] is rule i's, as the engine keeps
 * them) is `hash`, or NULL (gone since a reload). For the parts of a
 * subscriber's state that name rules by hash: the retention loop and the
 * limit book. */
const struct cw_rule *cw_rules_by_hash(const struct cw_ruleset *rs,
				       const uint32_t *hashes, uint32_t hash);

const char *cw_severity_str(enum cw_severity s);
const char *cw_detector_str(enum cw_detector d);

#endif
