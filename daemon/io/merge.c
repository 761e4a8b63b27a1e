/*
 * merge.c — collecting a batch: every assigned partition has its own
 * librdkafka queue, and partition N of cdr, billing and retention are
 * merged by event time (see collect()).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "cw/engine.h"
#include "cw/kafka.h"
#include "cw/log.h"
#include "cw/pipeline.h"
#include "cw/state.h"
#include "cw/store.h"
#include "pipeline_int.h"

/* Forget every partition queue and waiting head (revocation, shutdown). */
void pl_drop_heads(struct cw_pipeline *p)
{
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		for (int i = 0; i < PARTS_MAX; i++) {
			struct part *pt = &p->parts[t][i];
			if (pt->head)
				rd_kafka_message_destroy(pt->head);
			pt->head = NULL;
			if (pt->q)
				rd_kafka_queue_destroy(pt->q);
			pt->q = NULL;
		}
}

/* Forget the batch being collected (its messages were freed when taken). */
void pl_destroy_msgs(struct cw_pipeline *p)
{
	p->nmsgs = 0;
	p->nevents = 0;
}

/*
 * Collecting a batch: a merge in event time.
 *
 * Partition N of cdr, billing and retention carry the same subscribers
 * (all keyed by subscriber): "pair N" below, though it has three sides.
 * To apply each subscriber's events in event time order, whatever the
 * fetch scheduling — the same order live, replayed or back-tested — every
 * assigned partition has its own librdkafka queue and the sides of a pair
 * are merged by ts, Kafka Streams style: take the side whose head is
 * oldest; a side with no head may only be passed by the others when it
 * has nothing unread (a caught-up side, typically the sparse billing and
 * retention topics, never holds anything back). At most one message per
 * partition waits in memory.
 */

int pl_part_unread(struct cw_pipeline *p, enum cw_topic_kind t,
		   int32_t part)
{
	int64_t lo = -1, hi = -1;
	int64_t next = p->parts[t][part].next_offset;
	rd_kafka_get_watermark_offsets(p->consumer, pl_topic_name(p, t), part,
				       &lo, &hi);
	/* Not fetched yet: the end of the log is unknown, so assume there is
	 * more to read (holding time back is the safe side). */
	if (hi < 0)
		return 1;
	return next < 0 ? hi > lo : next < hi;
}

static void fill_head(struct cw_pipeline *p, enum cw_topic_kind t,
		      struct part *pt)
{
	enum cw_invalid why = CW_INVALID_NONE;

	while (!pt->head && pt->q) {
		rd_kafka_message_t *m = rd_kafka_consume_queue(pt->q, 0);
		if (!m)
			return;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				log_warn_rl("kafka: %s", rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		if (pt->next_offset >= 0 && m->offset < pt->next_offset) {
			/* Already applied (its offset is below the one stored
			 * with the state): a message fetched before a
			 * rebalance or seek. Applying it again is not
			 * exactly-once, even when de-duplication hides it. */
			log_warn_rl("kafka: %s/%" PRId32 "@%" PRId64 " is below the stored "
				    "offset %" PRId64 ": dropped (already applied; if the "
				    "topic was recreated, use a new group_id)",
				    pl_topic_name(p, t), m->partition, m->offset,
				    pt->next_offset);
			rd_kafka_message_destroy(m);
			continue;
		}
		if (!m->payload ||
		    cw_event_parse(m->payload, m->len, t, m->key, m->key_len,
				   &p->limits, &pt->head_ev, &why) < 0)
			pt->head_why = why ? why : CW_INVALID_MALFORMED_JSON;
		else
			pt->head_why = CW_INVALID_NONE;
		pt->head = m;
	}
}

/* Move a partition's head into the batch (valid) or the dead-letter topic. */
static void take_head(struct cw_pipeline *p, enum cw_topic_kind t, int32_t i)
{
	struct part *pt = &p->parts[t][i];
	rd_kafka_message_t *m = pt->head;

	pt->head = NULL;
	pt->next_offset = m->offset + 1;
	pt->dirty = 1;
	p->stats.messages++;
	p->nmsgs++;
	int64_t kts = rd_kafka_message_timestamp(m, NULL);
	if (kts > p->batch_kafka_ts)
		p->batch_kafka_ts = kts;
	/* A valid message lives on as its parsed copy and is freed now:
	 * holding it would pin its whole fetch buffer. An invalid one goes
	 * back to the loop, which dead-letters it when the collection ends
	 * (merging does not publish). */
	if (pt->head_why != CW_INVALID_NONE) {
		struct reject *r = pl_grow(p->rejects, &p->rejects_cap,
					   p->nrejects + 1, sizeof(*r));
		if (!r) {
			log_err("out of memory for a dead letter at %s/%" PRId32
				"@%" PRId64, pl_topic_name(p, t), m->partition,
				m->offset);
			rd_kafka_message_destroy(m);
			return;
		}
		p->rejects = r;
		p->rejects[p->nrejects++] = (struct reject){m, pt->head_why};
		return;
	}
	rd_kafka_message_destroy(m);
	cw_metrics_event(p->metrics, t, pt->head_ev.type);
	p->stats.events++;
	if (!pt->have_ts || pt->head_ev.ts_ms > pt->newest_ts) {
		pt->newest_ts = pt->head_ev.ts_ms;
		pt->have_ts = 1;
	}
	p->events[p->nevents] = pt->head_ev;
	p->ev_part[p->nevents] = i;
	p->ev_offset[p->nevents] = pt->next_offset - 1;
	p->nevents++;
}

/*
 * Which topic of partition set i may go next: CW_TOPIC__COUNT if none.
 * The oldest head goes (invalid ones first: they have no time); a topic
 * with no head holds the others back while it has unread messages, so
 * that its older events are not passed.
 */
static enum cw_topic_kind pick_side(struct cw_pipeline *p, int32_t i)
{
	enum cw_topic_kind best = CW_TOPIC__COUNT;

	for (int t = 0; t < CW_TOPIC__COUNT; t++) {
		struct part *pt = &p->parts[t][i];
		fill_head(p, (enum cw_topic_kind)t, pt);
		if (!pt->head) {
			if (pt->assigned && pl_part_unread(p, (enum cw_topic_kind)t, i))
				return CW_TOPIC__COUNT;
			continue;
		}
		if (pt->head_why)
			return (enum cw_topic_kind)t;
		if (best == CW_TOPIC__COUNT ||
		    pt->head_ev.ts_ms < p->parts[best][i].head_ev.ts_ms)
			best = (enum cw_topic_kind)t;
	}
	return best;
}

/* One pass over all pairs, up to `room` messages; returns how many. The
 * pass starts where the last full batch stopped: always starting at pair 0
 * would starve the high partitions under load (their events waiting for
 * seconds). */
static size_t merge_pass(struct cw_pipeline *p, size_t room)
{
	size_t taken = 0;
	int n = p->nparts < PARTS_MAX ? p->nparts : PARTS_MAX;

	for (int k = 0; k < n && taken < room; k++) {
		int i = (p->cursor + k) % n;
		int any = 0;
		for (int t = 0; t < CW_TOPIC__COUNT; t++)
			any |= p->parts[t][i].q != NULL;
		if (!any)
			continue;
		p->cursor_next = i;
		/* Drain this pair while it can go: keeps batches dense. */
		while (taken < room) {
			enum cw_topic_kind t = pick_side(p, i);
			if (t == CW_TOPIC__COUNT)
				break;
			take_head(p, t, i);
			taken++;
		}
	}
	/* Resume at the pair that filled the batch, else the one after. */
	if (n)
		p->cursor = taken >= room ? p->cursor_next : (p->cursor_next + 1) % n;
	return taken;
}

void pl_collect(struct cw_pipeline *p)
{
	size_t room = (size_t)p->conf->batch_size;
	int64_t wait = p->pending ? 5 : p->conf->batch_wait_ms;
	int64_t deadline = pl_wall_ms() + wait;

	p->rebalanced = 0;
	p->nevents = 0;
	p->limits.now_ms = pl_wall_ms();
	for (;;) {
		size_t n = merge_pass(p, room - p->nmsgs);
		if (p->nmsgs >= room)
			break;
		/* Serve rebalances and errors on the consumer queue; the
		 * short timeout also paces waiting for partition queues. */
		int64_t left = deadline - pl_wall_ms();
		/* Nothing more is ready: go with what we have rather than wait
		 * (latency); wait only while the batch is empty. */
		if (n == 0 && (left <= 0 || p->nmsgs > 0))
			break;
		rd_kafka_message_t *m = rd_kafka_consumer_poll(
			p->consumer, n ? 0 : (int)(left < 5 ? left : 5));
		if (m) {
			/* Partition queues take every message; this is an
			 * error or event for the consumer as a whole. */
			if (m->err)
				pl_consumer_error(p, m);
			else
				log_warn_rl("kafka: message outside partition queues: %s/%d@%" PRId64,
					    rd_kafka_topic_name(m->rkt), m->partition, m->offset);
			rd_kafka_message_destroy(m);
		}
		if (p->rebalanced) {
			/* Taken messages may belong to partitions we no
			 * longer own: drop them; they are read again from
			 * the offsets stored in Redis by the next owner. */
			pl_destroy_msgs(p);
			p->nevents = 0;
			p->rebalanced = 0;
		}
	}
}
