/*
 * engine.h — the pure rule engine: applies events to a subscriber's state,
 * runs event-time timers, and decides which rules fire.
 *
 * Nothing here knows about Kafka or Redis, nor about the learned score's
 * features and models (they are attached through struct cw_scorer). The
 * same code runs in the daemon, in `churnctl backtest` and in `churnctl
 * test-rules` (through batch.h's step), which is what makes "the same
 * events give the same alerts live, replayed or back-tested" true.
 *
 * Per subscriber, everything is a function of its own ordered events and of
 * the times at which timers are run (cw_engine_advance): a timer due at T is
 * always evaluated at T, whether a later event or the watermark triggers it.
 */
#ifndef CW_ENGINE_H
#define CW_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "cw/event.h"
#include "cw/refdata.h"
#include "cw/rules.h"
#include "cw/state.h"

#define CW_EVIDENCE_MAX 8
#define CW_ALERT_ID_LEN 32

struct cw_engine_conf {
	int64_t utc_offset_ms;    /* calendar months/days */
	int64_t dedup_window_ms;  /* event_id de-duplication (48h) */
	int64_t tick_ms;          /* re-evaluate when-rules as time passes (1d) */
	int64_t arpu_mid;         /* money*SCALE: low < mid */
	int64_t arpu_high;        /* money*SCALE: mid <= high */
	int64_t tenure_stable_ms;
	int64_t tenure_mature_ms;
	/* Priority (value at risk) weights, thousandths: by rule severity
	 * (enum cw_severity) and by tenure stage (new, stable, mature). */
	int64_t prio_severity[5];
	int64_t prio_tenure[3];
	/* The retention loop (loop.h; on when routing.yaml is loaded). */
	int64_t loop_quiet_ms;          /* saved: no alerts for this long */
	int64_t loop_retained_ms;       /* contacted, active this long: retained */
	int64_t loop_lost_within_ms;    /* churn this soon after an alert: lost */
	int64_t loop_forced_churn_ms;   /* silent this long: forced churn */
};

void cw_engine_conf_default(struct cw_engine_conf *c);

struct cw_model;
struct cw_alert;
struct cw_feature_ctx;

/*
 * The learned score as the engine sees it (implemented by daemon/core/score.c,
 * which sits above the engine: features and model read the engine, not
 * the other way round). score() is the probability for the subscriber of
 * `c` as of c->now; explain() adds the score's evidence to an alert that
 * fires on it.
 */
struct cw_scorer {
	double (*score)(const struct cw_model *m, const struct cw_feature_ctx *c);
	void (*explain)(const struct cw_model *m, const struct cw_feature_ctx *c,
			double p, struct cw_alert *a);
};

struct cw_engine {
	const struct cw_ruleset *rules;    /* borrowed */
	const struct cw_plans *plans;      /* borrowed */
	const struct cw_networks *nets;    /* borrowed */
	struct cw_engine_conf conf;
	struct cw_state_profile profile;   /* what state to keep */
	uint32_t rule_hash[CW_RULES_MAX];
	int has_expr;                      /* any enabled when: rule */
	int has_arpu;                      /* any enabled arpu_drop rule */
	int64_t expr_horizon_ms;           /* longest window any when: reads */
	/* The learned score, attached from above (cw_score_attach in
	 * score.h; all borrowed): the engine only calls the scorer. */
	const struct cw_scorer *scorer;
	const struct cw_model *model;      /* `risk` in expressions */
	const struct cw_model *rule_model[CW_RULES_MAX]; /* detect: score */
	int scoring;                       /* any model attached */
	/* routing.yaml (borrowed; NULL: alerts carry no queue) */
	const struct cw_routing *routing;
};

/*
 * Prepare an engine over loaded rules and reference data (all borrowed; they
 * must outlive the engine). Never fails.
 */
void cw_engine_init(struct cw_engine *e, const struct cw_ruleset *rs,
		    const struct cw_plans *plans,
		    const struct cw_networks *nets,
		    const struct cw_engine_conf *conf);

enum cw_evidence_kind { CW_EVID_STR, CW_EVID_NUM, CW_EVID_INT, CW_EVID_BOOL /* i */ };

#define CW_EVIDENCE_KEY_MAX 40

struct cw_evidence {
	char key[CW_EVIDENCE_KEY_MAX];  /* "calls_out(14d)", "last_outgoing" */
	enum cw_evidence_kind kind;
	double num;
	int decimals;                   /* CW_EVID_NUM: digits written; 0 = shortest exact form */
	int64_t i;
	char str[40];
};

struct cw_alert {
	char alert_id[CW_ALERT_ID_LEN + 1];
	const struct cw_rule *rule;     /* borrowed from the rule set */
	char subscriber[CW_SUB_MAX + 1];
	int64_t ts_ms;                  /* event time at which it fired */
	int64_t window;                 /* what it fired for (see engine.c) */
	int arpu_tier;                  /* 0 low 1 mid 2 high */
	int tenure_stage;               /* 0 new 1 stable 2 mature */
	int64_t monthly_revenue;        /* money units: what the tier is from */
	char region[CW_REGION_MAX + 1]; /* the subscriber's ("" unknown) */
	const char *queue;              /* routing.yaml's queue (borrowed) or NULL */
	/* Its retention task (routing.yaml's budget): a new one (task_id is
	 * this alert's id), the subscriber's open one it attaches to, or
	 * none (over budget; no routing: CW_TASK_NONE). */
	enum cw_task_kind { CW_TASK_NONE, CW_TASK_NEW, CW_TASK_ATTACHED,
			    CW_TASK_OVER_BUDGET } task;
	char task_id[CW_ALERT_ID_LEN + 1];
	const char *task_queue;         /* the task's queue (borrowed) */
	int64_t task_opened_ms;         /* its first alert's ts */
	int64_t task_priority;          /* with this alert */
	int64_t priority;               /* money units: value at risk (engine.c) */
	size_t nevidence;
	struct cw_evidence evidence[CW_EVIDENCE_MAX];
};

/*
 * Where alerts go. emit() returns 0 when the alert is taken (published,
 * or held for its day's selection: limit.h); its retention task is then
 * recorded in the state. 1: not taken, no task. Either way the firing is
 * recorded, so it is not retried.
 */
struct cw_alert_sink {
	int (*emit)(void *ctx, const struct cw_alert *a);
	void *ctx;
	/* Optional, indexed like the rule set: +1 each time a rule judges
	 * the subscriber (for churnwatch_rule_evaluations_total). */
	uint64_t *evals;
	/* Optional, the retention loop (loop.h): an event-time monthly
	 * counter, `field` of month `month` (year*12 + month-1) += delta. */
	void (*count)(void *ctx, int32_t month, const char *field,
		      int64_t delta);
	/* Optional: a churned subscriber's archive record (JSON, borrowed
	 * for the call); `id` is the same on every replay. */
	void (*archive)(void *ctx, const char *id, const char *json);
	/* Optional: an event the engine refused (a contact, offer or
	 * outcome for no task of its subscriber: CW_INVALID_UNKNOWN_TASK);
	 * it goes to the dead-letter topic. Called by cw_batch_step. */
	void (*refused)(void *ctx, const struct cw_event *ev, enum cw_invalid why);
};

enum cw_apply_result {
	CW_APPLY_OK = 0,
	CW_APPLY_DUPLICATE,   /* event_id seen within the dedup window */
	CW_APPLY_CLOSED,      /* the line is deactivated: nothing changes
			       * until an activate starts it afresh */
	CW_APPLY_UNKNOWN_TASK, /* a contact/offer/outcome for no task of the
				* subscriber: nothing changes (dead letter) */
};

/*
 * Apply one valid event for `st` (the event's subscriber): de-duplicate,
 * update state, evaluate event-driven rules. Alerts go to `sink`. It runs
 * no timers, with one exception: a deactivate first settles what was due
 * before it (the line closes for good). Drivers run the subscriber's
 * timers due up to the event's ts first: cw_batch_apply (batch.h) does
 * both, and is what the daemon and the in-memory driver call.
 */
enum cw_apply_result cw_engine_apply(const struct cw_engine *e,
				     struct cw_state *st,
				     const struct cw_event *ev,
				     const struct cw_alert_sink *sink);

/* Run every timer due at or before `now` (silence deadlines, month closes,
 * when-rule ticks), each at its own due time. */
void cw_engine_advance(const struct cw_engine *e, struct cw_state *st,
		       const char *subscriber, int64_t now,
		       const struct cw_alert_sink *sink);

/* When the next timer is due for `st`; INT64_MAX if none. */
int64_t cw_engine_next_due(const struct cw_engine *e,
			   const struct cw_state *st);

/* Segment helpers (also used for features). */
int cw_engine_arpu_tier(const struct cw_engine *e, const struct cw_state *st,
			int64_t now);
/* Value at risk of an alert (money units): monthly revenue x severity
 * weight x tenure weight (cw_engine_conf.prio_*); see docs/rules.md. */
int64_t cw_engine_priority(const struct cw_engine *e, int64_t revenue,
			   int severity, int tenure_stage);
int cw_engine_tenure_stage(const struct cw_engine *e,
			   const struct cw_state *st, int64_t now);

/* Evidence for an alert being built (scorers, detectors): a number
 * written with `decimals` digits (0: shortest exact), or a string. NULL /
 * nothing when the alert already holds CW_EVIDENCE_MAX entries. */
struct cw_evidence *cw_evidence_add_num(struct cw_alert *a, const char *key,
					double v, int decimals);
void cw_evidence_add_str(struct cw_alert *a, const char *key, const char *v);

/* Feature reader for expressions, exposed for tests/benchmarks. */
struct cw_feature_ctx {
	const struct cw_engine *e;
	const struct cw_state *st;
	int64_t now;
};
double cw_engine_feature(void *ctx, enum cw_feature f, int64_t arg);

/* alert.c: deterministic id and JSON (CONTRACT §6). */
void cw_alert_make_id(const char *subscriber, const char *rule,
		      int64_t window, char out[CW_ALERT_ID_LEN + 1]);
/* Serialise; returns a malloc'd NUL-terminated string or NULL (ENOMEM). */
char *cw_alert_to_json(const struct cw_alert *a, const char *rules_version);
/* Does the state profile keep enough days for feature f over window_ms?
 * (Non-windowed features: always.) */
int cw_engine_keeps(const struct cw_engine *e, enum cw_feature f,
		    int64_t window_ms);
/* Money invoiced and not yet paid, and the oldest unpaid due time (0 if
 * none): the account as unpaid_amount/days_overdue read it. */
int64_t cw_engine_unpaid(const struct cw_state *st);
int64_t cw_engine_oldest_due(const struct cw_state *st);
/* A CW_EVID_NUM value as the alert writes it ("90.72"; decimals trimmed),
 * and its numeric value after that rounding (INT evidence: the integer). */
int cw_evidence_format_num(const struct cw_evidence *ev, char *buf,
			   size_t len);
double cw_evidence_num(const struct cw_evidence *ev);
const char *cw_arpu_tier_str(int tier);
const char *cw_tenure_stage_str(int stage);

#endif
