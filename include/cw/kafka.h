/*
 * kafka.h — librdkafka set-up shared by the daemon and churnctl.
 */
#ifndef CW_KAFKA_H
#define CW_KAFKA_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "cw/conf.h"

enum cw_kafka_role { CW_KAFKA_CONSUMER, CW_KAFKA_PRODUCER };

/*
 * kafka.group_instance_id resolved into buf: 1 static membership under
 * that id, 0 none (dynamic), -1 it cannot be built. "auto" is
 * "<hostname>-$CW_INSTANCE" when the environment (the systemd unit) sets
 * CW_INSTANCE, else none.
 */
int cw_kafka_instance_id(const struct cw_conf *c, char *buf, size_t len);

/*
 * A librdkafka configuration for `role`: churnwatch's settings first
 * (exactly-once relevant ones: manual offset handling, idempotent producer,
 * acks=all; conf.c refuses overriding those), then kafka.properties for
 * this role (SASL, SSL, tuning), then sasl.password from its file. Returns
 * NULL with a message on a bad property. The caller owns the result until
 * rd_kafka_new takes it.
 *
 * A consumer for `partitions` partitions per input topic (0: unknown)
 * shares kafka.prefetch among them: librdkafka's prefetch limits are per
 * partition, and a partition whose queue is full is not fetched again
 * until its broker thread wakes (up to a second in librdkafka 2.0), so the
 * queues must hold about a second of consumption in all.
 */
rd_kafka_conf_t *cw_kafka_conf_new(const struct cw_conf *c,
				   const struct cw_secrets *secrets,
				   enum cw_kafka_role role, int partitions,
				   char *err, size_t errlen);

/* The librdkafka name of a kafka.properties key for `role`: the key itself,
 * or without its "consumer."/"producer." prefix; NULL when the prefix
 * names the other client. */
const char *cw_kafka_prop_for_role(const char *key, enum cw_kafka_role role);

/* --check-config: build both clients' configurations and throw them
 * away, so that every property librdkafka would refuse is refused now. */
int cw_kafka_check_conf(const struct cw_conf *c,
			const struct cw_secrets *secrets, char *err,
			size_t errlen);

/* Could an alert of some rule exceed the producer's message.max.bytes
 * (then it could never be delivered)? -1 naming the rule. */
struct cw_ruleset;
int cw_kafka_check_alert_size(const struct cw_conf *c,
			      const struct cw_ruleset *rs, char *err,
			      size_t errlen);

/* Partition count of `topic` (metadata of all topics: asking for one by
 * name may create it on a broker that auto-creates). -2 with a message if
 * the cluster answered without it, -1 if it could not be asked in time. */
int cw_kafka_partition_count(rd_kafka_t *rk, const char *topic,
			     int timeout_ms, char *err, size_t errlen);

#endif
