/*
 * bench_consume.c — the ceiling for tools/bench: a minimal raw librdkafka
 * consumer that reads every message currently in the given topics as fast
 * as it can (no parsing, no state) and reports messages/s and MB/s.
 *
 *   bench_consume -b BROKERS [--topics cdr,billing] [--timeout S]
 *
 * It assigns every partition of the topics from the beginning (no group:
 * nothing to join, nothing committed), reads until it has seen as many
 * messages as the high watermarks said were there at start, and prints one
 * JSON object on stdout. The clock starts at the first message, so
 * connection set-up and the first fetch round trip are excluded.
 * Exit 0 ok, 1 failure (timeout, Kafka error), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#define ERRLEN 512
#define BATCH 10000
#define MAX_TOPICS 8

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int conf_set(rd_kafka_conf_t *kc, const char *k, const char *v)
{
	char errstr[ERRLEN];

	if (rd_kafka_conf_set(kc, k, v, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "bench_consume: %s=%s: %s\n", k, v, errstr);
		return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench_consume -b BROKERS [--topics T1,T2,...] [--timeout S]\n"
		"\n"
		"Read everything currently in the topics (default cdr,billing) as fast\n"
		"as possible; print {messages, bytes, seconds, msgs_per_s, mb_per_s}\n"
		"as JSON, timed from the first message to the last.\n");
}

/* Add every partition of `topic` to `parts` from the beginning; add the
 * number of messages it holds now to *expect. */
static int add_topic(rd_kafka_t *rk, const char *topic,
		     rd_kafka_topic_partition_list_t *parts, int64_t *expect)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	rd_kafka_resp_err_t e;
	int rc = -1;

	if (!rkt) {
		fprintf(stderr, "bench_consume: topic %s: %s\n", topic,
			rd_kafka_err2str(rd_kafka_last_error()));
		return -1;
	}
	e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
	if (e) {
		fprintf(stderr, "bench_consume: metadata %s: %s\n", topic, rd_kafka_err2str(e));
		goto out;
	}
	if (md->topic_cnt != 1 || md->topics[0].err) {
		fprintf(stderr, "bench_consume: topic %s: %s\n", topic,
			md->topic_cnt ? rd_kafka_err2str(md->topics[0].err) : "not found");
		goto out;
	}
	for (int i = 0; i < md->topics[0].partition_cnt; i++) {
		int32_t p = md->topics[0].partitions[i].id;
		int64_t lo = 0, hi = 0;

		e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000);
		if (e) {
			fprintf(stderr, "bench_consume: watermarks %s/%" PRId32 ": %s\n",
				topic, p, rd_kafka_err2str(e));
			goto out;
		}
		*expect += hi - lo;
		rd_kafka_topic_partition_list_add(parts, topic, p)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	}
	rc = 0;
out:
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"brokers", required_argument, NULL, 'b'},
		{"topics", required_argument, NULL, 't'},
		{"timeout", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *brokers = NULL;
	char topics[1024] = "cdr,billing";
	double timeout = 300;
	char errstr[ERRLEN];
	rd_kafka_conf_t *kc;
	rd_kafka_t *rk = NULL;
	rd_kafka_queue_t *q = NULL;
	rd_kafka_topic_partition_list_t *parts = NULL;
	rd_kafka_message_t **msgs = NULL;
	int64_t expect = 0, got = 0, bytes = 0, errors = 0;
	double t_start, t_first = 0, t_last = 0;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': brokers = optarg; break;
		case 't': snprintf(topics, sizeof(topics), "%s", optarg); break;
		case 'T': timeout = strtod(optarg, NULL); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!brokers || optind < argc || timeout <= 0) {
		usage(stderr);
		return 2;
	}

	kc = rd_kafka_conf_new();
	/* Batch-friendly: big prefetch queue, big fetches, no EOF events. */
	if (conf_set(kc, "bootstrap.servers", brokers) < 0 ||
	    conf_set(kc, "group.id", "bench-consume") < 0 ||
	    conf_set(kc, "enable.auto.commit", "false") < 0 ||
	    conf_set(kc, "enable.auto.offset.store", "false") < 0 ||
	    conf_set(kc, "enable.partition.eof", "false") < 0 ||
	    conf_set(kc, "queued.min.messages", "1000000") < 0 ||
	    conf_set(kc, "queued.max.messages.kbytes", "1048576") < 0 ||
	    conf_set(kc, "fetch.max.bytes", "52428800") < 0 ||
	    conf_set(kc, "max.partition.fetch.bytes", "4194304") < 0 ||
	    conf_set(kc, "fetch.wait.max.ms", "10") < 0 ||
	    conf_set(kc, "log_level", "4") < 0) {
		rd_kafka_conf_destroy(kc);
		return 1;
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "bench_consume: cannot create consumer: %s\n", errstr);
		rd_kafka_conf_destroy(kc);
		return 1;
	}
	rd_kafka_poll_set_consumer(rk);
	parts = rd_kafka_topic_partition_list_new(64);
	for (char *save = NULL, *t = strtok_r(topics, ",", &save); t;
	     t = strtok_r(NULL, ",", &save))
		if (add_topic(rk, t, parts, &expect) < 0)
			goto out;
	rd_kafka_resp_err_t e = rd_kafka_assign(rk, parts);
	if (e) {
		fprintf(stderr, "bench_consume: assign: %s\n", rd_kafka_err2str(e));
		goto out;
	}
	q = rd_kafka_queue_get_consumer(rk);
	msgs = calloc(BATCH, sizeof(*msgs));
	if (!q || !msgs) {
		fprintf(stderr, "bench_consume: no consumer queue or out of memory\n");
		goto out;
	}
	t_start = now_s();
	while (got < expect) {
		ssize_t n = rd_kafka_consume_batch_queue(q, 200, msgs, BATCH);
		double t = now_s();

		if (n < 0) {
			fprintf(stderr, "bench_consume: consume: %s\n",
				rd_kafka_err2str(rd_kafka_last_error()));
			goto out;
		}
		for (ssize_t i = 0; i < n; i++) {
			rd_kafka_message_t *m = msgs[i];

			if (m->err) {
				if (errors++ < 10)
					fprintf(stderr, "bench_consume: %s\n",
						rd_kafka_message_errstr(m));
			} else {
				if (!got)
					t_first = t;
				got++;
				bytes += (int64_t)m->len + (int64_t)m->key_len;
			}
			rd_kafka_message_destroy(m);
		}
		if (n > 0)
			t_last = t;
		if (t - t_start > timeout) {
			fprintf(stderr, "bench_consume: timeout: %" PRId64 " of %" PRId64
				" messages\n", got, expect);
			goto out;
		}
	}
	{
		double secs = t_last - t_first;

		if (secs <= 0)
			secs = 1e-6;
		printf("{\"messages\": %" PRId64 ", \"bytes\": %" PRId64
		       ", \"seconds\": %.4f, \"msgs_per_s\": %.1f, \"mb_per_s\": %.2f"
		       ", \"first_message_after_s\": %.3f, \"errors\": %" PRId64 "}\n",
		       got, bytes, secs, (double)got / secs, (double)bytes / secs / 1e6,
		       t_first - t_start, errors);
	}
	rc = 0;
out:
	free(msgs);
	if (q)
		rd_kafka_queue_destroy(q);
	if (parts)
		rd_kafka_topic_partition_list_destroy(parts);
	if (rk) {
		rd_kafka_resp_err_t ce = rd_kafka_consumer_close(rk);
		if (ce)
			fprintf(stderr, "bench_consume: close: %s\n", rd_kafka_err2str(ce));
		rd_kafka_destroy(rk);
	}
	return rc;
}
