/*
 * gen.h — the synthetic subscriber model behind `churnctl gen`.
 *
 * Deterministic: every random draw comes from splitmix64 streams keyed by
 * (seed, subscriber, day), so the same options give the same bytes no
 * matter how the work is ordered. Memory is O(subscribers) of state plus
 * one day of events.
 */
#ifndef CW_GEN_H
#define CW_GEN_H

#include <stdint.h>
#include <stdio.h>

#include "cw/event.h"

enum gen_kind {
	GEN_STEADY = 0,
	GEN_SILENT,
	GEN_ARPU_DROP,
	GEN_FORWARDER,
	GEN_DOWNGRADER,
	GEN_ARREARS,
	/* the account (rules/40-account.yaml), each at churn_rate / 2 */
	GEN_UNRESUMED,    /* suspended for arrears, never resumed, cut off 60d later */
	GEN_OVERDUE,      /* one invoice paid 26 days after issue (6 late), leaves later */
	GEN_CONTRACT,     /* leaves when the commitment ends */
	GEN_PORTOUT,      /* asks for a port-out code, ported 3 days later */
	GEN_DEACTIVATED,  /* deactivated: nothing may fire after it */
	GEN_KIND__COUNT
};
#define GEN_OLD_KINDS 5   /* silent .. arrears: each at churn_rate */

struct gen_opts {
	uint32_t subscribers;
	uint32_t days;
	uint64_t seed;
	int64_t start_ms;     /* midnight UTC of the first day */
	double churn_rate;    /* fraction per usage churn kind (0.03); half
			       * of it per account kind */
	double garbage_rate;  /* bad lines per good line (0) */
	double dup_rate;      /* exact re-sends per good line (0) */
	uint32_t regions;     /* subscribers' regions "county-1".. (0: none) */
};

struct gen_stats {
	uint64_t events;      /* good events written (duplicates excluded) */
	uint64_t garbage;
	uint64_t dups;
	uint64_t bytes;
	uint64_t kinds[GEN_KIND__COUNT];
	uint64_t max_day_events;
};

struct gen;

/*
 * What the retention team does (gen_team.c), as events of the retention
 * topic the generator writes into the stream at their time.
 */
struct gen_action {
	int64_t ts;
	uint64_t msisdn;
	enum cw_event_type type;        /* CW_EV_CONTACT, _OFFER, _OUTCOME */
	char task_id[CW_TASK_REF_LEN + 1];
	char agent[CW_AGENT_MAX + 1];
	enum cw_contact_channel channel;
	enum cw_contact_result result;
	char offer[16];
	int64_t cost;                   /* money units */
	enum cw_outcome outcome;
};

/*
 * Optional observer of the stream (the retention team): event() sees
 * every good event written, in order (the events churnwatch will see);
 * day_end() runs after each day is written and may schedule actions for
 * later days (gen_schedule) and save subscribers (gen_save). Non-zero
 * from either stops the run (an error).
 */
struct gen_hooks {
	void *ctx;
	int (*event)(void *ctx, const struct cw_event *e);
	int (*day_end)(void *ctx, struct gen *g, int32_t day, int64_t day_end_ms);
};
void gen_set_hooks(struct gen *g, const struct gen_hooks *h);
/* Write `a` into the stream at a->ts (a later day than the one ending).
 * 0, or -1 out of memory. */
int gen_schedule(struct gen *g, const struct gen_action *a);
/* The subscriber stops churning from `from_ms` on: no deactivation, and
 * steady behaviour (its planted kind is still reported in --truth). 0, or
 * -1 when the number is not a generated subscriber. */
int gen_save(struct gen *g, uint64_t msisdn, int64_t from_ms);

/* Allocate the model and plant churners. NULL on bad options or ENOMEM. */
struct gen *gen_new(const struct gen_opts *o);
void gen_free(struct gen *g);

/* Write the whole stream to `out` (borrowed). 0, or -1 on a write error. */
int gen_run(struct gen *g, FILE *out, struct gen_stats *st);

/* CSV ground truth `subscriber,kind,start_ts,saved_ts` for every
 * subscriber (saved_ts: when the retention team saved it, else empty). */
int gen_write_truth(const struct gen *g, FILE *f);
/* CSV back-test labels `subscriber,churn_ts` for churners only. */
int gen_write_labels(const struct gen *g, FILE *f);

const char *gen_kind_str(enum gen_kind k);
/* "YYYY-MM-DD" -> ms since epoch at midnight UTC. 0 or -1. */
int gen_parse_date(const char *s, int64_t *ms_out);

#endif
