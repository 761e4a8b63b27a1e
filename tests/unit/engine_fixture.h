/*
 * engine_fixture.h — a small harness around the pure engine for tests:
 * rules, plans and networks from YAML strings, events from JSON (parsed by
 * the real parser), one subscriber's state, and a sink that copies alerts.
 *
 * Header-only (static inline) so it is used by test_engine.c alone without
 * another build target.
 */
#ifndef CW_ENGINE_FIXTURE_H
#define CW_ENGINE_FIXTURE_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/engine.h"
#include "cw/event.h"
#include "cw/refdata.h"
#include "cw/rules.h"
#include "cw/state.h"

#define FX_SUB "8613800000001"
#define FX_ALERTS_MAX 64

/* CONTRACT §4, plus P28/P70/P71/P100 for boundary cases. */
static const char FX_PLANS[] = "plans:\n"
			       "  P18: { fee: 18 }\n"
			       "  P28: { fee: 28 }\n"
			       "  P38: { fee: 38 }\n"
			       "  P70: { fee: 70 }\n"
			       "  P71: { fee: 71 }\n"
			       "  P88: { fee: 88 }\n"
			       "  P100: { fee: 100 }\n";

static const char FX_NETWORKS[] =
	"own: cmcc\n"
	"operators:\n"
	"  cmcc:    { prefixes: [\"86134\", \"86135\", \"86136\", \"86137\", "
	"\"86138\", \"86139\", \"86150\", \"86187\", \"86188\"] }\n"
	"  unicom:  { prefixes: [\"86130\", \"86131\", \"86132\", \"86155\", "
	"\"86156\", \"86185\", \"86186\"] }\n"
	"  telecom: { prefixes: [\"86133\", \"86153\", \"86180\", \"86181\", "
	"\"86189\", \"86199\"] }\n";

struct fx {
	struct cw_ruleset *rs;
	struct cw_plans *plans;
	struct cw_networks *nets;
	struct cw_engine eng;
	struct cw_state *st;          /* large: heap */
	struct cw_alert_sink sink;
	struct cw_alert alerts[FX_ALERTS_MAX];
	size_t nalerts;
	unsigned seq;                 /* automatic event ids */
	char sub[CW_SUB_MAX + 1];
};

/* ms since the epoch of an RFC 3339 time; fails the test if malformed. */
static inline int64_t fx_ms(const char *rfc3339)
{
	int64_t ms = 0;
	ck_assert_msg(cw_time_parse_rfc3339(rfc3339, strlen(rfc3339), &ms) == 0,
		      "bad time %s", rfc3339);
	return ms;
}

static inline int fx_emit(void *ctx, const struct cw_alert *a)
{
	struct fx *fx = ctx;
	ck_assert_uint_lt(fx->nalerts, FX_ALERTS_MAX);
	fx->alerts[fx->nalerts++] = *a;
	return 0;
}

static inline void fx_load_rules(struct cw_ruleset **out, const char *yaml)
{
	char err[2048] = "";
	int n = cw_rules_load_buf(yaml, strlen(yaml), "test.yaml", out, err,
				  sizeof(err));
	ck_assert_msg(n == 0, "rules: %s", err);
}

/* Build the engine over `rules` (and plans/networks; NULL = the contract's). */
static inline void fx_open_with(struct fx *fx, const char *rules,
				const char *plans, const char *nets,
				const struct cw_engine_conf *conf)
{
	char err[1024] = "";
	struct cw_engine_conf dc;

	memset(fx, 0, sizeof(*fx));
	plans = plans ? plans : FX_PLANS;
	nets = nets ? nets : FX_NETWORKS;
	fx_load_rules(&fx->rs, rules);
	ck_assert_msg(cw_plans_load_buf(plans, strlen(plans), "plans.yaml",
					&fx->plans, err, sizeof(err)) == 0,
		      "plans: %s", err);
	ck_assert_msg(cw_networks_load_buf(nets, strlen(nets), "networks.yaml",
					   &fx->nets, err, sizeof(err)) == 0,
		      "networks: %s", err);
	if (!conf) {
		cw_engine_conf_default(&dc);
		conf = &dc;
	}
	cw_engine_init(&fx->eng, fx->rs, fx->plans, fx->nets, conf);
	fx->st = malloc(sizeof(*fx->st));
	ck_assert_ptr_nonnull(fx->st);
	memset(fx->st, 0xa5, sizeof(*fx->st)); /* rings must not read garbage */
	cw_state_init(fx->st);
	fx->sink = (struct cw_alert_sink){.emit = fx_emit, .ctx = fx};
	snprintf(fx->sub, sizeof(fx->sub), "%s", FX_SUB);
}

static inline void fx_open(struct fx *fx, const char *rules)
{
	fx_open_with(fx, rules, NULL, NULL, NULL);
}

static inline void fx_close(struct fx *fx)
{
	free(fx->st);
	cw_ruleset_free(fx->rs);
	cw_plans_free(fx->plans);
	cw_networks_free(fx->nets);
}

/* Parse one event (any ts accepted) from whichever topic carries it. */
static inline void fx_parse(const char *json, struct cw_event *ev)
{
	struct cw_event_limits lim = {INT64_MAX / 4, INT64_MAX / 4, 0};
	enum cw_invalid why = CW_INVALID_NONE;

	if (cw_event_parse(json, strlen(json), CW_TOPIC_CDR, NULL, 0, &lim, ev,
			   &why) == 0)
		return;
	if (why == CW_INVALID_WRONG_TOPIC &&
	    cw_event_parse(json, strlen(json), CW_TOPIC_BILLING, NULL, 0, &lim,
			   ev, &why) == 0)
		return;
	if (why == CW_INVALID_WRONG_TOPIC &&
	    cw_event_parse(json, strlen(json), CW_TOPIC_RETENTION, NULL, 0, &lim,
			   ev, &why) == 0)
		return;
	ck_abort_msg("event rejected (%s): %s", cw_invalid_str(why), json);
}

/* Apply a complete JSON event. */
static inline enum cw_apply_result fx_ev(struct fx *fx, const char *json)
{
	struct cw_event ev;
	fx_parse(json, &ev);
	return cw_engine_apply(&fx->eng, fx->st, &ev, &fx->sink);
}

/*
 * Apply an event of `type` at `ts` with an automatic id; `extra` is the
 * rest of the JSON object (",\"direction\":\"out\",..."), may be "".
 */
static inline enum cw_apply_result fx_send(struct fx *fx, const char *type,
					   const char *ts, const char *extra)
{
	char json[1024];
	snprintf(json, sizeof(json),
		 "{\"event_id\":\"a%u\",\"type\":\"%s\",\"subscriber\":\"%s\","
		 "\"ts\":\"%s\"%s}",
		 ++fx->seq, type, fx->sub, ts, extra);
	return fx_ev(fx, json);
}

static inline void fx_sendf(struct fx *fx, const char *type, const char *ts,
			    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline void fx_sendf(struct fx *fx, const char *type, const char *ts,
			    const char *fmt, ...)
{
	char extra[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(extra, sizeof(extra), fmt, ap);
	va_end(ap);
	ck_assert_int_eq(fx_send(fx, type, ts, extra), CW_APPLY_OK);
}

/* Common events. Money is given as JSON number text ("49.99"). */
static inline void fx_activate(struct fx *fx, const char *ts, const char *plan)
{
	fx_sendf(fx, "activate", ts, ",\"plan\":\"%s\"", plan);
}

static inline void fx_call(struct fx *fx, const char *ts, const char *dir,
			   const char *peer, const char *charge)
{
	fx_sendf(fx, "voice", ts,
		 ",\"direction\":\"%s\",\"peer\":\"%s\",\"duration_s\":60,"
		 "\"charge\":%s",
		 dir, peer, charge);
}

static inline void fx_sms(struct fx *fx, const char *ts, const char *dir,
			  const char *peer)
{
	fx_sendf(fx, "sms", ts, ",\"direction\":\"%s\",\"peer\":\"%s\","
		 "\"charge\":0", dir, peer);
}

static inline void fx_data(struct fx *fx, const char *ts, const char *charge)
{
	fx_sendf(fx, "data", ts, ",\"bytes\":1000,\"charge\":%s", charge);
}

static inline void fx_advance(struct fx *fx, const char *ts)
{
	cw_engine_advance(&fx->eng, fx->st, fx->sub, fx_ms(ts), &fx->sink);
}

static inline int64_t fx_next_due(const struct fx *fx)
{
	return cw_engine_next_due(&fx->eng, fx->st);
}

/* Feature value at `ts`. */
static inline double fx_feature(const struct fx *fx, enum cw_feature f,
				int64_t arg, const char *ts)
{
	struct cw_feature_ctx c = {&fx->eng, fx->st, fx_ms(ts)};
	return cw_engine_feature(&c, f, arg);
}

static inline const struct cw_evidence *fx_evid(const struct cw_alert *a,
						const char *key)
{
	for (size_t i = 0; i < a->nevidence; i++)
		if (strcmp(a->evidence[i].key, key) == 0)
			return &a->evidence[i];
	ck_abort_msg("alert %s has no evidence %s", a->rule->name, key);
	return NULL;
}

#define fx_evid_str(a, key, want)                                      \
	do {                                                           \
		const struct cw_evidence *e_ = fx_evid((a), (key));    \
		ck_assert_int_eq(e_->kind, CW_EVID_STR);               \
		ck_assert_str_eq(e_->str, (want));                     \
	} while (0)
#define fx_evid_int(a, key, want)                                      \
	do {                                                           \
		const struct cw_evidence *e_ = fx_evid((a), (key));    \
		ck_assert_int_eq(e_->kind, CW_EVID_INT);               \
		ck_assert_int_eq(e_->i, (want));                       \
	} while (0)
#define fx_evid_num(a, key, want)                                      \
	do {                                                           \
		const struct cw_evidence *e_ = fx_evid((a), (key));    \
		ck_assert_int_eq(e_->kind, CW_EVID_NUM);               \
		ck_assert_double_eq_tol(e_->num, (want), 1e-9);        \
	} while (0)

/* The alert id the engine must give rule `rule` firing for `window`. */
static inline void fx_assert_id(const struct cw_alert *a, const char *sub,
				const char *rule, int64_t window)
{
	char id[CW_ALERT_ID_LEN + 1];
	cw_alert_make_id(sub, rule, window, id);
	ck_assert_str_eq(a->alert_id, id);
	ck_assert_str_eq(a->rule->name, rule);
	ck_assert_str_eq(a->subscriber, sub);
	ck_assert_int_eq(a->window, window);
}

/* Encoded state (engine profile); returns the length. */
static inline int fx_blob(const struct fx *fx, uint8_t *buf, size_t cap)
{
	int n = cw_state_encode(fx->st, &fx->eng.profile, buf, cap);
	ck_assert_int_gt(n, 0);
	return n;
}

#endif
