/*
 * kafka.c — librdkafka configuration and metadata helpers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cw/engine.h"

#include "cw/kafka.h"
#include "cw/log.h"

/* A refused value is echoed unless the key names a secret; librdkafka's
 * own message may quote the value too, so it is dropped for those. */
static int set(rd_kafka_conf_t *kc, const char *k, const char *v, char *err,
	       size_t errlen)
{
	char e[512];
	rd_kafka_conf_res_t r = rd_kafka_conf_set(kc, k, v, e, sizeof(e));

	if (r == RD_KAFKA_CONF_OK)
		return 0;
	/* An unknown name may be a misspelt secret (sasl.pasword): its
	 * value is never shown; neither is one of a secret-looking key. */
	if (r == RD_KAFKA_CONF_UNKNOWN)
		snprintf(err, errlen, "kafka property '%s': no such librdkafka "
			 "property (value not shown)", k);
	else if (cw_conf_is_secret_key(k))
		snprintf(err, errlen, "kafka property %s=(redacted): "
			 "rejected by librdkafka", k);
	else
		snprintf(err, errlen, "kafka property %s=%s: %s", k, v, e);
	return -1;
	return 0;
}

/* librdkafka logs with syslog levels (0 emerg .. 7 debug); ours are the
 * same numbers from 3 up. Rate-limited: a broker flapping must not
 * flood the journal. */
static void kafka_log(const rd_kafka_t *rk, int level, const char *fac,
		      const char *buf)
{
	static struct cw_ratelimit rl;
	enum cw_log_level l = level <= CW_LOG_ERR ? CW_LOG_ERR
			      : level >= CW_LOG_DEBUG ? CW_LOG_DEBUG
						      : (enum cw_log_level)level;

	cw_log_rl(&rl, l, "kafka %s: %s: %s", rd_kafka_name(rk), fac, buf);
}

/* Which client a kafka.properties key is for: "consumer."/"producer."
 * prefixed keys go to that one only (the prefix removed), the rest to
 * both. NULL: not for this role. */
const char *cw_kafka_prop_for_role(const char *key, enum cw_kafka_role role)
{
	if (!strncmp(key, "consumer.", 9))
		return role == CW_KAFKA_CONSUMER ? key + 9 : NULL;
	if (!strncmp(key, "producer.", 9))
		return role == CW_KAFKA_PRODUCER ? key + 9 : NULL;
	return key;
}

int cw_kafka_instance_id(const struct cw_conf *c, char *buf, size_t len)
{
	const char *v = c->group_instance_id ? c->group_instance_id : "auto";
	const char *inst = getenv("CW_INSTANCE");
	char host[256];

	if (!*v || !strcmp(v, "none"))
		return 0;
	if (strcmp(v, "auto"))
		return snprintf(buf, len, "%s", v) < (int)len ? 1 : -1;
	/* Only a supervised instance has a stable name to come back under:
	 * two hand-started daemons on one host must not fence each other. */
	if (!inst || !*inst)
		return 0;
	if (gethostname(host, sizeof(host)) < 0)
		return -1;
	host[sizeof(host) - 1] = '\0';
	return snprintf(buf, len, "%s-%s", host, inst) < (int)len ? 1 : -1;
}

/* Per-partition prefetch limits from kafka.prefetch (messages, all
 * partitions of both input topics together). */
static int set_prefetch(rd_kafka_conf_t *kc, const struct cw_conf *c,
			int partitions, char *err, size_t errlen)
{
	char msgs[24], kb[24];
	int64_t per = c->prefetch / (2 * (int64_t)partitions);

	if (per < 100)
		per = 100;
	if (per > 1000000)
		per = 1000000;
	/* Bytes: room for messages of ~256 B on average, at least 256 KB
	 * (one fetch response of fetch.message.max.bytes fits). */
	int64_t k = per / 4 < 256 ? 256 : per / 4;
	snprintf(msgs, sizeof(msgs), "%" PRId64, per);
	snprintf(kb, sizeof(kb), "%" PRId64, k);
	if (set(kc, "queued.min.messages", msgs, err, errlen) < 0 ||
	    set(kc, "queued.max.messages.kbytes", kb, err, errlen) < 0)
		return -1;
	return 0;
}

rd_kafka_conf_t *cw_kafka_conf_new(const struct cw_conf *c,
				   const struct cw_secrets *secrets,
				   enum cw_kafka_role role, int partitions,
				   char *err, size_t errlen)
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
		/* a misspelt topic must be an error, not a new topic */
		{"allow.auto.create.topics", "false"},
		{"fetch.wait.max.ms", "10"},
		/* The pipeline gives every partition its own queue, so these
		 * prefetch limits apply PER PARTITION: librdkafka's 100000
		 * messages held ~400 MB in tools/bench. They are replaced by
		 * kafka.prefetch's share once the partition count is known
		 * (set_prefetch). Small fetches keep the queues even. */
		{"queued.min.messages", "1000"},
		{"queued.max.messages.kbytes", "256"},
		{"fetch.message.max.bytes", "65536"},
		{"session.timeout.ms", "10000"},
		{"heartbeat.interval.ms", "1000"},
		/* consumer lag per partition for /metrics (stats callback) */
		{"statistics.interval.ms", "10000"},
		{"log_level", "6"},
	};
	static const char *const producer_defaults[][2] = {
		{"enable.idempotence", "true"},
		{"acks", "all"},
		{"linger.ms", "2"},
		/* 0 = never give up: an alert or dead letter is only dropped
		 * from the outbox once Kafka has it. */
		{"message.timeout.ms", "0"},
		{"queue.buffering.max.messages", "200000"},
		{"log_level", "6"},
	};

	if (!kc) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rd_kafka_conf_set_log_cb(kc, kafka_log);
	if (set(kc, "bootstrap.servers", c->brokers, err, errlen) < 0)
		goto fail;
	if (role == CW_KAFKA_CONSUMER) {
		char inst[300];
		int st = cw_kafka_instance_id(c, inst, sizeof(inst));

		if (set(kc, "group.id", c->group_id, err, errlen) < 0)
			goto fail;
		if (st < 0) {
			snprintf(err, errlen, "kafka.group_instance_id: cannot build "
				 "<host>-$CW_INSTANCE (too long, or no host name)");
			goto fail;
		}
		if (st > 0 && set(kc, "group.instance.id", inst, err, errlen) < 0)
			goto fail;
		for (size_t i = 0; i < sizeof(consumer_defaults) / sizeof(consumer_defaults[0]); i++)
			if (set(kc, consumer_defaults[i][0], consumer_defaults[i][1], err, errlen) < 0)
				goto fail;
		if (partitions > 0 && set_prefetch(kc, c, partitions, err, errlen) < 0)
			goto fail;
	} else {
		for (size_t i = 0; i < sizeof(producer_defaults) / sizeof(producer_defaults[0]); i++)
			if (set(kc, producer_defaults[i][0], producer_defaults[i][1], err, errlen) < 0)
				goto fail;
	}
	for (size_t i = 0; i < c->nprops; i++) {
		const char *k = cw_kafka_prop_for_role(c->props[i].key, role);

		if (k && set(kc, k, c->props[i].value, err, errlen) < 0)
			goto fail;
	}
	if (secrets && secrets->kafka_sasl_password &&
	    set(kc, "sasl.password", secrets->kafka_sasl_password, err,
		errlen) < 0)
		goto fail;
	return kc;
fail:
	rd_kafka_conf_destroy(kc);
	return NULL;
}

int cw_kafka_check_conf(const struct cw_conf *c,
			const struct cw_secrets *secrets, char *err,
			size_t errlen)
{
	for (int role = CW_KAFKA_CONSUMER; role <= CW_KAFKA_PRODUCER; role++) {
		rd_kafka_conf_t *kc = cw_kafka_conf_new(
			c, secrets, (enum cw_kafka_role)role, 1, err, errlen);

		if (!kc)
			return -1;
		rd_kafka_conf_destroy(kc);
	}
	return 0;
}

int cw_kafka_partition_count(rd_kafka_t *rk, const char *topic,
			     int timeout_ms, char *err, size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	int n = -1;

	rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
	if (e) {
		snprintf(err, errlen, "topic %s: metadata: %s", topic,
			 rd_kafka_err2str(e));
		return -1;
	}
	/* The cluster answered: a topic it does not list is configuration,
	 * not an outage. */
	n = -2;
	snprintf(err, errlen, "topic '%s' does not exist on the cluster "
		 "(it is named by kafka.topics)", topic);
	for (int i = 0; i < md->topic_cnt; i++) {
		const struct rd_kafka_metadata_topic *t = &md->topics[i];
		if (strcmp(t->topic, topic))
			continue;
		if (t->err && t->err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
			snprintf(err, errlen, "topic %s: %s", topic,
				 rd_kafka_err2str(t->err));
			n = -1;
		} else if (!t->err && t->partition_cnt > 0) {
			n = t->partition_cnt;
		}
		break;
	}
	rd_kafka_metadata_destroy(md);
	return n;
}

/* Largest JSON an alert of rule r can take: every string escaped at worst
 * (6 bytes per byte), full evidence, the fixed fields. */
static size_t alert_size_bound(const struct cw_rule *r)
{
	size_t n = 512 + strlen(r->name) + 64 /* rules_version */;

	n += 6 * (r->action ? strlen(r->action) : 0);
	n += 6 * (r->description ? strlen(r->description) : 0);
	for (size_t i = 0; i < r->nlabels; i++)
		n += 8 + 6 * (strlen(r->labels[i].key) + strlen(r->labels[i].value));
	n += CW_EVIDENCE_MAX * (8 + 6 * CW_EVIDENCE_KEY_MAX + 6 * 40);
	return n;
}

int cw_kafka_check_alert_size(const struct cw_conf *c,
			      const struct cw_ruleset *rs, char *err,
			      size_t errlen)
{
	long max = 1000000; /* librdkafka's default message.max.bytes */

	for (size_t i = 0; i < c->nprops; i++)
		if (!strcmp(c->props[i].key, "message.max.bytes") ||
		    !strcmp(c->props[i].key, "producer.message.max.bytes"))
			max = strtol(c->props[i].value, NULL, 10);
	for (size_t i = 0; rs && i < rs->nrules; i++) {
		size_t n = alert_size_bound(&rs->rules[i]);

		if ((long)n > max) {
			snprintf(err, errlen,
				 "%s:%d:%d: an alert of rule '%s' can take %zu bytes, over "
				 "the producer's message.max.bytes (%ld): it could never "
				 "leave the outbox; shorten its action/description/labels "
				 "or raise message.max.bytes",
				 rs->rules[i].file ? rs->rules[i].file : "<rules>",
				 rs->rules[i].line, rs->rules[i].col, rs->rules[i].name,
				 n, max);
			return -1;
		}
	}
	return 0;
}
