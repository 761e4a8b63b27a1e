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
 * A librdkafka configuration for `role`: churnwatch's settings first
 * (exactly-once relevant ones: manual offset handling, idempotent producer,
 * acks=all), then kafka.properties verbatim so an operator can override
 * anything (SASL, SSL, tuning). Returns NULL with a message on a bad
 * property. The caller owns the result until rd_kafka_new takes it.
 */
rd_kafka_conf_t *cw_kafka_conf_new(const struct cw_conf *c,
				   enum cw_kafka_role role, char *err,
				   size_t errlen);

/* Partition count of `topic` (metadata request). -1 with a message if the
 * topic does not exist or the cluster cannot be reached in time. */
int cw_kafka_partition_count(rd_kafka_t *rk, const char *topic,
			     int timeout_ms, char *err, size_t errlen);

#endif
