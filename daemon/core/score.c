/*
 * score.c — the learned score for the engine: vector, probability and the
 * evidence of a firing (docs/score.md). The engine calls it through
 * struct cw_scorer; nothing below this file knows features or models.
 */
#include <math.h>
#include <stdio.h>

#include "cw/features.h"
#include "cw/score.h"

static double score_probability(const struct cw_model *m,
				const struct cw_feature_ctx *c)
{
	float x[CW_FV__COUNT];

	cw_features_compute(c->e, c->st, c->now, x);
	return cw_model_score(m, x);
}

/*
 * The evidence of a score alert: the score, the model's id and the three
 * features that raised it most, each with its value and its Tree SHAP
 * contribution to the log-odds ("why(days_silent)": 0.412). The member
 * manager sees why.
 */
static void score_explain(const struct cw_model *m,
			  const struct cw_feature_ctx *c, double p,
			  struct cw_alert *a)
{
	float x[CW_FV__COUNT];
	double phi[CW_FV__COUNT + 1];
	int idx[3], n;

	cw_features_compute(c->e, c->st, c->now, x);
	cw_model_contrib(m, x, phi);
	cw_evidence_add_num(a, "risk", p, 3);
	cw_evidence_add_str(a, "model", cw_model_id(m));
	n = cw_model_top_reasons(phi, idx, 3);
	for (int k = 0; k < n; k++) {
		const char *name = cw_features_name((size_t)idx[k]);
		float v = x[idx[k]];
		char key[CW_EVIDENCE_KEY_MAX];

		/* A missing entry (no handset seen) has a contribution too:
		 * the trees' default way. Its value is unknown, not a number. */
		if (isnan(v))
			cw_evidence_add_str(a, name, "unknown");
		else
			cw_evidence_add_num(a, name, v, v != floorf(v) ? 3 : 0);
		snprintf(key, sizeof(key), "why(%s)", name);
		cw_evidence_add_num(a, key, phi[idx[k]], 3);
	}
}

const struct cw_scorer cw_score_scorer = {
	.score = score_probability,
	.explain = score_explain,
};

void cw_score_keep_features(struct cw_engine *e)
{
	cw_features_profile(&e->profile);
}

void cw_score_attach(struct cw_engine *e, const struct cw_model *dflt,
		     const struct cw_model *const *per_rule)
{
	e->scorer = &cw_score_scorer;
	e->model = dflt;
	e->scoring = dflt != NULL;
	for (size_t i = 0; e->rules && i < e->rules->nrules && i < CW_RULES_MAX;
	     i++) {
		const struct cw_rule *r = &e->rules->rules[i];
		const struct cw_model *m = per_rule && per_rule[i] ? per_rule[i]
								   : dflt;

		e->rule_model[i] = r->detector == CW_DET_SCORE ? m : NULL;
		if (r->enabled && e->rule_model[i])
			e->scoring = 1;
	}
	if (!e->scoring)
		return;
	/* A score moves as days pass with no event (silence, tenure): judge
	 * it at every daily tick, over the longest window it reads. */
	cw_features_profile(&e->profile);
	e->has_expr = 1;
	e->expr_horizon_ms = CW_WINDOW_MAX_MS;
}
