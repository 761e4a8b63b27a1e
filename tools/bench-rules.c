/*
 * bench-rules.c — micro-benchmark: evaluation cost per event with a rule
 * pack loaded (by default the shipped one).
 *
 *   bench_rules --events F.jsonl [--rules DIR] [--plans F] [--networks F]
 *               [--batch N] [--model M.json]
 *
 * The stream (e.g. `churnctl gen` output) is read in batches of N events
 * (the daemon's kafka.batch_size, 5000). Parsing and grouping are not
 * timed. Each batch's events are applied per subscriber in order, then the
 * subscriber's timers are run at the batch watermark (newest ts - 1h), as
 * the pipeline does. Two passes over the same stream:
 *
 *   (a) engine only: every subscriber's state stays decoded in memory;
 *   (b) like the daemon: the state is decoded from its blob before the
 *       subscriber's events and encoded back after (cw_state_decode /
 *       cw_state_encode with the engine's profile), once per batch.
 *
 * --model attaches a learned model (docs/score.md): the shipped risk-high
 * rule then scores every touched subscriber, and the difference against a
 * run without it is the score's cost per event.
 *
 * Prints ns/event for both, alerts fired and the blob sizes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cw/score.h"
#include "cw/engine.h"
#include "cw/event.h"
#include "cw/model.h"
#include "cw/refdata.h"
#include "cw/rules.h"
#include "cw/state.h"

#define BR_LINE_MAX (CW_EVENT_MAX_BYTES + 2)
#define BR_LATENESS_MS (3600LL * 1000)

struct br_sub {
	char id[CW_SUB_MAX + 1];
	struct cw_state *st;     /* pass (a) */
	uint8_t *blob;           /* pass (b) */
	size_t len;
	int first, last;         /* events of the current batch */
};

struct br {
	struct cw_engine eng;
	struct br_sub *subs;
	size_t nsubs, cap;
	uint32_t *table;          /* sub index + 1, 0 empty */
	size_t tcap;
	struct cw_event *evs;
	int *next;                /* per-subscriber chain within a batch */
	size_t batch;
	int *touched;
	size_t ntouched;
	uint64_t alerts;
	struct cw_state *scratch;
	uint8_t *buf;
};

static int br_emit(void *ctx, const struct cw_alert *a)
{
	(void)a;
	((struct br *)ctx)->alerts++;
	return 0;
}

static uint64_t br_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int br_grow_table(struct br *b)
{
	size_t ncap = b->tcap ? b->tcap * 2 : 4096;
	uint32_t *t = calloc(ncap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < b->nsubs; i++) {
		size_t k = br_hash(b->subs[i].id) & (ncap - 1);
		while (t[k])
			k = (k + 1) & (ncap - 1);
		t[k] = (uint32_t)i + 1;
	}
	free(b->table);
	b->table = t;
	b->tcap = ncap;
	return 0;
}

/* Index of subscriber `id`, created on first sight; -1 on ENOMEM. */
static long br_sub(struct br *b, const char *id)
{
	size_t k;

	if ((b->nsubs + 1) * 2 > b->tcap && br_grow_table(b) < 0)
		return -1;
	for (k = br_hash(id) & (b->tcap - 1); b->table[k]; k = (k + 1) & (b->tcap - 1))
		if (!strcmp(b->subs[b->table[k] - 1].id, id))
			return (long)b->table[k] - 1;
	if (b->nsubs == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 1024;
		struct br_sub *n = realloc(b->subs, ncap * sizeof(*n));
		if (!n)
			return -1;
		b->subs = n;
		b->cap = ncap;
	}
	memset(&b->subs[b->nsubs], 0, sizeof(b->subs[0]));
	snprintf(b->subs[b->nsubs].id, sizeof(b->subs[0].id), "%s", id);
	b->subs[b->nsubs].first = -1;
	b->table[k] = (uint32_t)++b->nsubs;
	return (long)b->nsubs - 1;
}

static int64_t br_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Read and parse up to b->batch events; returns how many (0 at EOF). */
static size_t br_read_batch(struct br *b, FILE *f, int64_t *newest)
{
	static char line[BR_LINE_MAX];
	struct cw_event_limits lim = {INT64_MAX / 4, INT64_MAX / 4, 0};
	size_t n = 0;

	while (n < b->batch && fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");
		enum cw_invalid why;
		struct cw_event *ev = &b->evs[n];

		if (cw_event_parse(line, len, CW_TOPIC_CDR, NULL, 0, &lim, ev, &why) < 0 &&
		    (why != CW_INVALID_WRONG_TOPIC ||
		     cw_event_parse(line, len, CW_TOPIC_BILLING, NULL, 0, &lim, ev, &why) < 0))
			continue;
		if (ev->ts_ms > *newest)
			*newest = ev->ts_ms;
		n++;
	}
	return n;
}

/* Chain the batch's events per subscriber, in stream order. */
static int br_group(struct br *b, size_t n)
{
	b->ntouched = 0;
	for (size_t i = 0; i < n; i++) {
		long s = br_sub(b, b->evs[i].subscriber);
		if (s < 0)
			return -1;
		b->next[i] = -1;
		if (b->subs[s].first < 0) {
			b->subs[s].first = (int)i;
			b->touched[b->ntouched++] = (int)s;
		} else {
			b->next[b->subs[s].last] = (int)i;
		}
		b->subs[s].last = (int)i;
	}
	return 0;
}

static void br_apply_sub(struct br *b, struct br_sub *s, struct cw_state *st,
			 int64_t wm)
{
	struct cw_alert_sink sink = {.emit = br_emit, .ctx = b};

	for (int i = s->first; i >= 0; i = b->next[i])
		(void)cw_engine_apply(&b->eng, st, &b->evs[i], &sink);
	cw_engine_advance(&b->eng, st, s->id, wm, &sink);
	(void)cw_engine_next_due(&b->eng, st);
}

/* Pass (a): decoded states in memory. */
static int br_run_memory(struct br *b, struct br_sub *s, int64_t wm)
{
	if (!s->st) {
		s->st = malloc(sizeof(*s->st));
		if (!s->st)
			return -1;
		cw_state_init(s->st);
	}
	br_apply_sub(b, s, s->st, wm);
	return 0;
}

/* Pass (b): decode, apply, encode, as the pipeline does per batch. */
static int br_run_blob(struct br *b, struct br_sub *s, int64_t wm)
{
	int n;

	if (!s->blob || cw_state_decode(b->scratch, &b->eng.profile, s->blob, s->len) < 0)
		cw_state_init(b->scratch);
	br_apply_sub(b, s, b->scratch, wm);
	n = cw_state_encode(b->scratch, &b->eng.profile, b->buf, CW_STATE_BLOB_MAX);
	if (n < 0)
		return -1;
	if ((size_t)n > s->len || !s->blob) {
		uint8_t *nb = realloc(s->blob, (size_t)n);
		if (!nb)
			return -1;
		s->blob = nb;
	}
	memcpy(s->blob, b->buf, (size_t)n);
	s->len = (size_t)n;
	return 0;
}

/* One pass over the file; returns timed ns, or -1. */
static int64_t br_pass(struct br *b, const char *path, int blob,
		       uint64_t *nevents)
{
	FILE *f = fopen(path, "r");
	int64_t newest = INT64_MIN, total = 0;
	size_t n;

	if (!f) {
		fprintf(stderr, "bench_rules: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*nevents = 0;
	b->alerts = 0;
	while ((n = br_read_batch(b, f, &newest)) > 0) {
		int64_t wm = newest - BR_LATENESS_MS, t0;

		if (br_group(b, n) < 0)
			goto fail;
		t0 = br_now_ns();
		for (size_t k = 0; k < b->ntouched; k++) {
			struct br_sub *s = &b->subs[b->touched[k]];
			if ((blob ? br_run_blob(b, s, wm) : br_run_memory(b, s, wm)) < 0)
				goto fail;
			s->first = -1;
		}
		total += br_now_ns() - t0;
		*nevents += n;
	}
	fclose(f);
	return total;
fail:
	fprintf(stderr, "bench_rules: out of memory or oversized state\n");
	fclose(f);
	return -1;
}

static int br_load(struct br *b, const char *rules, const char *plans,
		   const char *nets, struct cw_ruleset **rs, struct cw_plans **p,
		   struct cw_networks **nw)
{
	static char err[1 << 16];
	struct cw_engine_conf ec;

	if (cw_rules_load(rules, rs, err, sizeof(err)) != 0 ||
	    cw_plans_load(plans, p, err, sizeof(err)) < 0 ||
	    cw_networks_load(nets, nw, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	cw_engine_conf_default(&ec);
	cw_engine_init(&b->eng, *rs, *p, *nw, &ec);
	return 0;
}

static void br_usage(FILE *out)
{
	fprintf(out, "usage: bench_rules --events F.jsonl [--rules PATH] [--plans F]\n"
		     "                   [--networks F] [--batch N] [--model M.json]\n"
		     "defaults: rules, examples/plans.yaml, examples/networks.yaml, 5000\n");
}

int main(int argc, char **argv)
{
	const char *events = NULL, *rules = "rules";
	const char *plans = "examples/plans.yaml", *nets = "examples/networks.yaml";
	const char *model_path = NULL;
	struct cw_model *model = NULL;
	struct br b = {.batch = 5000};
	struct cw_ruleset *rs = NULL;
	struct cw_plans *p = NULL;
	struct cw_networks *nw = NULL;
	uint64_t nev = 0, bytes = 0, maxb = 0;
	int64_t ns_mem, ns_blob;
	int rc = 1;

	/* Every option takes a value: step over both. */
	for (int i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			br_usage(stdout);
			return 0;
		} else if (v && !strcmp(argv[i], "--events")) {
			events = v;
		} else if (v && !strcmp(argv[i], "--rules")) {
			rules = v;
		} else if (v && !strcmp(argv[i], "--plans")) {
			plans = v;
		} else if (v && !strcmp(argv[i], "--networks")) {
			nets = v;
		} else if (v && !strcmp(argv[i], "--model")) {
			model_path = v;
		} else if (v && !strcmp(argv[i], "--batch")) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);
			if (*end || n == 0 || n > 1000000) {
				br_usage(stderr);
				return 2;
			}
			b.batch = n;
		} else {
			br_usage(stderr);
			return 2;
		}
	}
	if (!events) {
		br_usage(stderr);
		return 2;
	}
	b.evs = malloc(b.batch * sizeof(*b.evs));
	b.next = malloc(b.batch * sizeof(*b.next));
	b.touched = malloc(b.batch * sizeof(*b.touched));
	b.scratch = malloc(sizeof(*b.scratch));
	b.buf = malloc(CW_STATE_BLOB_MAX);
	if (!b.evs || !b.next || !b.touched || !b.scratch || !b.buf ||
	    br_load(&b, rules, plans, nets, &rs, &p, &nw) < 0)
		goto out;
	if (model_path) {
		char err[512];
		if (cw_model_load(model_path, &model, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench_rules: %s\n", err);
			goto out;
		}
		/* Before the first state is decoded: the profile grows. */
		cw_score_attach(&b.eng, model, NULL);
		printf("model %s: %zu trees (risk-high scores every touched subscriber)\n",
		       cw_model_id(model), cw_model_trees(model));
	}
	ns_mem = br_pass(&b, events, 0, &nev);
	if (ns_mem < 0)
		goto out;
	printf("rules: %zu loaded (%s), %" PRIu64 " events, %zu subscribers, %" PRIu64 " alerts\n",
	       rs->nrules, rules, nev, b.nsubs, b.alerts);
	printf("(a) engine apply+evaluate:        %8.1f ns/event\n", (double)ns_mem / (double)nev);
	ns_blob = br_pass(&b, events, 1, &nev);
	if (ns_blob < 0)
		goto out;
	printf("(b) + decode/encode per batch:    %8.1f ns/event (%" PRIu64 " alerts)\n",
	       (double)ns_blob / (double)nev, b.alerts);
	for (size_t i = 0; i < b.nsubs; i++) {
		bytes += b.subs[i].len;
		if (b.subs[i].len > maxb)
			maxb = b.subs[i].len;
	}
	printf("state blobs: mean %.0f bytes, max %" PRIu64 " bytes\n",
	       b.nsubs ? (double)bytes / (double)b.nsubs : 0.0, maxb);
	rc = 0;
out:
	for (size_t i = 0; i < b.nsubs; i++) {
		free(b.subs[i].st);
		free(b.subs[i].blob);
	}
	free(b.subs);
	free(b.table);
	free(b.evs);
	free(b.next);
	free(b.touched);
	free(b.scratch);
	free(b.buf);
	cw_ruleset_free(rs);
	cw_plans_free(p);
	cw_networks_free(nw);
	cw_model_free(model);
	return rc;
}
