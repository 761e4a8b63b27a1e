/*
 * failpoint.h — deterministic fault injection for the fault suite.
 *
 * churnwatchd reads CHURNWATCH_FAILPOINT=NAME[:N[:MS]] at start: the N-th
 * time (default 1) the code reaches the point NAME, it crashes (SIGKILL
 * to itself, like the OOM killer) or, for stall-*, stops for MS
 * milliseconds without polling anything, like a long GC pause or a
 * frozen VM. Points (docs/testing.md):
 *
 *   crash-after-exec      a batch is durable in Redis; nothing published,
 *                         the Kafka offsets not committed
 *   crash-after-publish   its alerts are acknowledged by Kafka; the
 *                         outbox entries not yet deleted, offsets not
 *                         committed
 *   crash-during-reload   SIGHUP: the new rules are loaded, not installed
 *   stall-before-exec     just before the exchange that carries a batch
 *
 * Unset: no point ever fires (one branch on a counter).
 */
#ifndef CW_FAILPOINT_H
#define CW_FAILPOINT_H

#include <stddef.h>

struct cw_failpoint {
	char name[32];  /* "" : none */
	long at;        /* fire on this hit (1-based) */
	long ms;        /* stall length */
	long hits;
};

/* Parse a spec (NULL or "": none). -1 with a message when malformed or
 * the name is unknown. */
int cw_failpoint_parse(const char *spec, struct cw_failpoint *fp, char *err,
		       size_t errlen);
/* Count a pass through point `name`; on the chosen pass crash or stall. */
void cw_failpoint(struct cw_failpoint *fp, const char *name);

#endif
