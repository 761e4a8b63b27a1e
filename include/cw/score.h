/*
 * score.h — the learned score attached to an engine (docs/score.md).
 *
 * Above the engine, features and model: it computes a subscriber's
 * feature vector (features.h), scores it (model.h) and explains it for
 * the engine through struct cw_scorer, so that the engine itself knows
 * neither features nor models.
 */
#ifndef CW_SCORE_H
#define CW_SCORE_H

#include "cw/engine.h"
#include "cw/model.h"

/*
 * Attach the learned models (borrowed; they must outlive the engine):
 * `dflt` is what `risk` reads and what a `detect: score` rule without its
 * own params.model uses; per_rule[i] (may be NULL, or an entry NULL) is
 * rule i's own. A score rule left without a model is inert. When any
 * model is attached, the state keeps what the feature vector reads and
 * ticks run daily, so call this before the first state is decoded.
 */
void cw_score_attach(struct cw_engine *e, const struct cw_model *dflt,
		     const struct cw_model *const *per_rule);

/* Keep what the feature vector reads without attaching a model
 * (churnctl features and train). */
void cw_score_keep_features(struct cw_engine *e);

/* The engine's view of scoring, as cw_score_attach installs it. */
extern const struct cw_scorer cw_score_scorer;

#endif
