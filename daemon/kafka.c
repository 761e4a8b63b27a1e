/*
 * kafka.c — librdkafka configuration and metadata helpers.
 */
#include <stdio.h>
#include <string.h>

#include "cw/kafka.h"
#include "cw/log.h"

static int set(rd_kafka_conf_t *kc, const char *k, const char *v, char *err,
	       size_t errlen)
{
	char e[512];
	if (rd_kafka_conf_set(kc, k, v, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka property %s=%s: %s", k, v, e);
		return -1;
	}
	return 0;
}

/* librdkafka's own log lines go through ours (rate-limited). */
static void kafka_log(const rd_kafka_t *rk, int level, const char *fac,
		      const char *buf)
{
	log_warn_rl("kafka %s: %s: %s", rd_kafka_name(rk), fac, buf);
	(void)level;
}

rd_kafka_conf_t *cw_kafka_conf_new(const struct cw_conf *c,
				   enum cw_kafka_role role, char *err,
				   size_t errlen)
{
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	static const char *const consumer_defaults[][2] = {
		/* Offsets are ours: stored in Redis with the state, then
		 * committed explicitly for lag tools. */
		{"enable.auto.commit", "false"},
		{"enable.auto.offset.store", "false"},
		{"auto.offset.reset", "earliest"},
		/* range keeps partition N of cdr and billing on the same
		 * instance (co-partitioning by subscriber): one writer per
		 * subscriber state. See docs/guarantees.md. */
		{"partition.assignment.strategy", "range"},
		{"isolation.level", "read_committed"},
		{"fetch.wait.max.ms", "10"},
		/* The pipeline gives every partition its own queue, so these
		 * prefetch limits apply PER PARTITION: 20000 messages x 2
		 * topics x 54 partitions held ~400 MB in tools/bench. 1000
		 * messages / 256 KB each still keeps batches full (see
		 * docs/performance.md). */
		{"queued.min.messages", "1000"},
		{"queued.max.messages.kbytes", "256"},
		{"fetch.message.max.bytes", "262144"},
		{"session.timeout.ms", "10000"},
		{"heartbeat.interval.ms", "1000"},
		{"log_level", "4"},
	};
	static const char *const producer_defaults[][2] = {
		{"enable.idempotence", "true"},
		{"acks", "all"},
		{"linger.ms", "2"},
		/* 0 = never give up: an alert or dead letter is only dropped
		 * from the outbox once Kafka has it. */
		{"message.timeout.ms", "0"},
		{"queue.buffering.max.messages", "200000"},
		{"log_level", "4"},
	};

	if (!kc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rd_kafka_conf_set_log_cb(kc, kafka_log);
	if (set(kc, "bootstrap.servers", c->brokers, err, errlen) < 0)
		goto fail;
	if (role == CW_KAFKA_CONSUMER) {
		if (set(kc, "group.id", c->group_id, err, errlen) < 0)
			goto fail;
		for (size_t i = 0; i < sizeof(consumer_defaults) / sizeof(consumer_defaults[0]); i++)
			if (set(kc, consumer_defaults[i][0], consumer_defaults[i][1], err, errlen) < 0)
				goto fail;
	} else {
		for (size_t i = 0; i < sizeof(producer_defaults) / sizeof(producer_defaults[0]); i++)
			if (set(kc, producer_defaults[i][0], producer_defaults[i][1], err, errlen) < 0)
				goto fail;
	}
	for (size_t i = 0; i < c->nprops; i++)
		if (set(kc, c->props[i].key, c->props[i].value, err, errlen) < 0)
			goto fail;
	return kc;
fail:
	rd_kafka_conf_destroy(kc);
	return NULL;
}

int cw_kafka_partition_count(rd_kafka_t *rk, const char *topic,
			     int timeout_ms, char *err, size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	int n = -1;

	if (!rkt) {
		snprintf(err, errlen, "topic %s: %s", topic,
			 rd_kafka_err2str(rd_kafka_last_error()));
		return -1;
	}
	rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
	if (e) {
		snprintf(err, errlen, "topic %s: metadata: %s", topic,
			 rd_kafka_err2str(e));
	} else if (md->topic_cnt != 1 || md->topics[0].err) {
		snprintf(err, errlen, "topic %s: %s", topic,
			 md->topic_cnt ? rd_kafka_err2str(md->topics[0].err)
				       : "not found");
	} else {
		n = md->topics[0].partition_cnt;
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return n;
}
