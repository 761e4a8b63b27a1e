/*
 * routing.h — routing.yaml: which retention queue an alert goes to.
 *
 * Routes are tried in file order and the first that matches wins
 * (Alertmanager's route tree, flat); an alert no route matches goes to
 * the default queue. A route matches when every one of its conditions
 * does; a condition names one attribute of the alert and the values it
 * may take. Queues are declared with their daily capacity. Loaded whole
 * into an immutable structure; a reload builds a new one.
 */
#ifndef CW_ROUTING_H
#define CW_ROUTING_H

#include <stddef.h>
#include <stdint.h>

#define CW_QUEUE_NAME_MAX 48
#define CW_QUEUES_MAX 64
#define CW_ROUTES_MAX 256

struct cw_routing;
struct cw_alert;
struct cw_ruleset;

/* Load routing.yaml. Errors: "FILE:LINE:COL: message" in err; -1. */
int cw_routing_load(const char *path, struct cw_routing **out, char *err,
		    size_t errlen);
/* Same, from memory (tests, fuzzing); `name` is used in messages. */
int cw_routing_load_buf(const char *buf, size_t len, const char *name,
			struct cw_routing **out, char *err, size_t errlen);
void cw_routing_free(struct cw_routing *r);

/* Every rule a route names must be in `rs` (a misspelt name would route
 * nothing): -1 with "FILE:LINE:COL: message (did you mean ...?)". */
int cw_routing_check_rules(const struct cw_routing *r,
			   const struct cw_ruleset *rs, char *err,
			   size_t errlen);

/* The queue of alert `a` of a subscriber on plan `plan` (may be "" or
 * NULL): the first matching route's, else the default. Borrowed from r. */
const char *cw_routing_queue(const struct cw_routing *r,
			     const struct cw_alert *a, const char *plan);

/*
 * The contact budget (routing.yaml `budget:`): a subscriber has at most
 * one open retention task — later alerts attach to it while it is open
 * (task_open after it was opened) — and at most `contacts` tasks opened
 * in any `window`; an alert beyond that opens none.
 */
struct cw_budget {
	int64_t task_open_ms;   /* default 7d */
	int64_t contacts;       /* default 2 */
	int64_t window_ms;      /* default 30d */
};
void cw_routing_budget(const struct cw_routing *r, struct cw_budget *out);

size_t cw_routing_queue_count(const struct cw_routing *r);
/* Queue i's name and daily capacity (tasks a day). */
const char *cw_routing_queue_name(const struct cw_routing *r, size_t i);
int64_t cw_routing_queue_capacity(const struct cw_routing *r, size_t i);

#endif
