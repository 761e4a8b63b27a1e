/*
 * gen_team.h — the retention team `churnctl gen --retention` plays: it
 * watches the stream through churnwatch's engine, works each queue's
 * daily worklist, and writes contacts, offers and outcomes into the
 * stream; saved subscribers stop churning (gen_team.c).
 */
#ifndef CW_GEN_TEAM_H
#define CW_GEN_TEAM_H

#include <stdio.h>

#include "cw/runtime.h"
#include "gen.h"

struct gen_team_opts {
	double contact_rate;   /* share of listed tasks called (0.6) */
	double save_rate;      /* share of the reached saved (0.4) */
	uint64_t seed;
};

struct gen_team;

/* Over rt's engine (borrowed; needs routing). 0, or -ENOMEM. */
int gen_team_new(const struct cw_runtime *rt, const struct gen_team_opts *o,
		 struct gen_team **out);
void gen_team_free(struct gen_team *t);
/* The hooks to give gen_set_hooks. */
void gen_team_hooks(struct gen_team *t, struct gen_hooks *h);
/* Every task opened, with what the team did: CSV. 0, or -1. */
int gen_team_write_truth(const struct gen_team *t, FILE *f);

#endif
