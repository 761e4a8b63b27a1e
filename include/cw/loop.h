/*
 * loop.h — the retention loop in the subscriber's state (docs/retention.md):
 * what the retention team did about a task (contacts, offers, outcomes),
 * what became of the subscriber (saved, lost, retained), churn itself
 * (deactivation, forced churn after retention.forced_churn of silence),
 * the churned-customer archive record, and the event-time monthly
 * counters the report is built from.
 *
 * Called by the engine (engine.c), in event time, on the subscriber's
 * state alone: so every count and record is the same live, replayed and
 * back-tested, and is written with the state in one transaction. On when
 * routing.yaml is loaded (tasks exist only then); every function is a
 * no-op otherwise.
 */
#ifndef CW_LOOP_H
#define CW_LOOP_H

#include <stdint.h>

#include "cw/engine.h"
#include "cw/event.h"
#include "cw/state.h"

int cw_loop_on(const struct cw_engine *e);

/* A contact, offer or outcome: CW_APPLY_OK, or CW_APPLY_UNKNOWN_TASK when
 * its task_id/alert_id is not the subscriber's task (nothing changed). */
enum cw_apply_result cw_loop_apply(const struct cw_engine *e, struct cw_state *st,
				   const struct cw_event *ev,
				   const struct cw_alert_sink *sink);

/* Is the event's task (task_id, or an alert of it) the subscriber's? */
int cw_loop_knows(const struct cw_engine *e, const struct cw_state *st,
		  const struct cw_event *ev);

/* Saved recently (retention.quiet): alert `a` is withheld (1; counted as
 * quiet) — its firing is judged all the same. */
int cw_loop_withhold(const struct cw_engine *e, const struct cw_state *st,
		     const struct cw_alert *a, const struct cw_alert_sink *sink);

/* An alert was taken (its task recorded): remember it, count it. */
void cw_loop_alert(const struct cw_engine *e, struct cw_state *st,
		   const struct cw_alert *a, const struct cw_alert_sink *sink);

/* An event was applied; `first_sight`: the state was empty before it.
 * Counts activations, first sights and a return from forced churn; a
 * deactivate is churn (lost, archive, counters). */
void cw_loop_event(const struct cw_engine *e, struct cw_state *st,
		   const struct cw_event *ev, int first_sight,
		   const struct cw_alert_sink *sink);

/* The loop's next timer (retained, forced churn): INT64_MAX none. */
int64_t cw_loop_due(const struct cw_engine *e, const struct cw_state *st);
/* Run the loop's timers due at `t`. */
void cw_loop_run(const struct cw_engine *e, struct cw_state *st,
		 const char *subscriber, int64_t t,
		 const struct cw_alert_sink *sink);

/* "YYYY-MM" of month index m (year*12 + month-1) into buf[8]. */
void cw_loop_month_str(int32_t m, char buf[8]);

#endif
