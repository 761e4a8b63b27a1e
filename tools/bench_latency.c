/*
 * bench_latency.c — event -> alert latency for tools/bench.
 *
 *   bench_latency -b BROKERS [--billing T] [--alerts T] [--prefix P]
 *                 [--csv OUT]
 *
 * tools/bench replays a stream into which it planted "probe" events that
 * fire a rule the moment they are applied (plan_change P88->P18 for
 * plan-downgrade, forward_set to a competitor for offnet-forward), each for
 * a subscriber that has no other such event in the stream. Once churnwatchd
 * has caught up, this reads back:
 *   - the billing topic: every probe (event_id starting with P) and its
 *     Kafka timestamp, i.e. the producer's CreateTime = when the replay
 *     handed it to librdkafka;
 *   - the alert topic: every alert and its Kafka timestamp, i.e. when
 *     churnwatchd handed it to its producer;
 * matches them by (subscriber, rule) and prints, as one JSON object, the
 * count of probes, of matched alerts and p50/p99/max/mean of
 * alert_time - probe_time in ms. Both clocks are this machine's.
 * Exit 0 ok, 1 failure, 2 usage.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <librdkafka/rdkafka.h>

#define ERRLEN 512
#define BATCH 10000

struct probe {
	char key[96];     /* subscriber \t rule */
	int64_t sent_ms;  /* probe CreateTime */
	int64_t alert_ms; /* earliest matching alert CreateTime, -1 none */
	int32_t partition; /* of the probe */
};

struct probes {
	struct probe *v;
	size_t n, cap;
};

static const char *prefix = "bench-probe-";
static const char *rule_plan = "plan-downgrade";
static const char *rule_fwd = "offnet-forward";

static int conf_set(rd_kafka_conf_t *kc, const char *k, const char *v)
{
	char errstr[ERRLEN];

	if (rd_kafka_conf_set(kc, k, v, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "bench_latency: %s=%s: %s\n", k, v, errstr);
		return -1;
	}
	return 0;
}

static int cmp_probe(const void *a, const void *b)
{
	return strcmp(((const struct probe *)a)->key, ((const struct probe *)b)->key);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

typedef void (*msg_fn)(void *ctx, const rd_kafka_message_t *m);

/* Read every message now in `topic` from the beginning, calling fn. */
static int read_topic(rd_kafka_t *rk, const char *topic, msg_fn fn, void *ctx)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(64);
	rd_kafka_message_t **msgs = calloc(BATCH, sizeof(*msgs));
	rd_kafka_queue_t *q = NULL;
	rd_kafka_resp_err_t e;
	int64_t expect = 0, got = 0;
	int idle = 0, rc = -1;

	if (!rkt || !msgs) {
		fprintf(stderr, "bench_latency: topic %s: %s\n", topic,
			rd_kafka_err2str(rd_kafka_last_error()));
		goto out;
	}
	e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
	if (e || md->topic_cnt != 1 || md->topics[0].err) {
		fprintf(stderr, "bench_latency: metadata %s: %s\n", topic,
			rd_kafka_err2str(e ? e : md->topic_cnt ? md->topics[0].err
						   : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
		goto out;
	}
	for (int i = 0; i < md->topics[0].partition_cnt; i++) {
		int32_t p = md->topics[0].partitions[i].id;
		int64_t lo = 0, hi = 0;

		e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000);
		if (e) {
			fprintf(stderr, "bench_latency: watermarks %s/%" PRId32 ": %s\n",
				topic, p, rd_kafka_err2str(e));
			goto out;
		}
		expect += hi - lo;
		rd_kafka_topic_partition_list_add(parts, topic, p)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	}
	e = rd_kafka_assign(rk, parts);
	if (e) {
		fprintf(stderr, "bench_latency: assign %s: %s\n", topic, rd_kafka_err2str(e));
		goto out;
	}
	q = rd_kafka_queue_get_consumer(rk);
	while (got < expect && idle < 50) {
		ssize_t n = rd_kafka_consume_batch_queue(q, 200, msgs, BATCH);

		if (n < 0) {
			fprintf(stderr, "bench_latency: consume %s: %s\n", topic,
				rd_kafka_err2str(rd_kafka_last_error()));
			goto out;
		}
		idle = n ? 0 : idle + 1;
		for (ssize_t i = 0; i < n; i++) {
			if (!msgs[i]->err) {
				got++;
				fn(ctx, msgs[i]);
			}
			rd_kafka_message_destroy(msgs[i]);
		}
	}
	if (got < expect)
		fprintf(stderr, "bench_latency: %s: read %" PRId64 " of %" PRId64 "\n",
			topic, got, expect);
	rc = 0;
out:
	if (q)
		rd_kafka_queue_destroy(q);
	e = rd_kafka_assign(rk, NULL);
	if (e)
		fprintf(stderr, "bench_latency: unassign: %s\n", rd_kafka_err2str(e));
	free(msgs);
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_partition_list_destroy(parts);
	if (rkt)
		rd_kafka_topic_destroy(rkt);
	return rc;
}

static void on_billing(void *ctx, const rd_kafka_message_t *m)
{
	struct probes *ps = ctx;
	json_tokener *tok;
	json_object *o;
	const char *id, *type, *sub, *rule;

	/* Cheap filter before parsing. */
	if (!m->payload || !memmem(m->payload, m->len, prefix, strlen(prefix)))
		return;
	tok = json_tokener_new();
	o = tok ? json_tokener_parse_ex(tok, m->payload, (int)m->len) : NULL;
	if (tok)
		json_tokener_free(tok);
	if (!o)
		return;
	id = jstr(o, "event_id");
	type = jstr(o, "type");
	sub = jstr(o, "subscriber");
	if (id && type && sub && !strncmp(id, prefix, strlen(prefix))) {
		rule = !strcmp(type, "plan_change") ? rule_plan
		       : !strcmp(type, "forward_set") ? rule_fwd : NULL;
		if (rule && ps->n < ps->cap) {
			struct probe *p = &ps->v[ps->n++];
			snprintf(p->key, sizeof(p->key), "%s\t%s", sub, rule);
			p->sent_ms = rd_kafka_message_timestamp(m, NULL);
			p->alert_ms = -1;
			p->partition = m->partition;
		}
	}
	json_object_put(o);
}

static void on_alert(void *ctx, const rd_kafka_message_t *m)
{
	struct probes *ps = ctx;
	json_tokener *tok = json_tokener_new();
	json_object *o = tok ? json_tokener_parse_ex(tok, m->payload, (int)m->len) : NULL;
	const char *sub, *rule;
	struct probe key, *p;

	if (tok)
		json_tokener_free(tok);
	if (!o)
		return;
	sub = jstr(o, "subscriber");
	rule = jstr(o, "rule");
	if (sub && rule) {
		snprintf(key.key, sizeof(key.key), "%s\t%s", sub, rule);
		p = bsearch(&key, ps->v, ps->n, sizeof(*p), cmp_probe);
		if (p) {
			int64_t ts = rd_kafka_message_timestamp(m, NULL);
			if (p->alert_ms < 0 || ts < p->alert_ms)
				p->alert_ms = ts;
		}
	}
	json_object_put(o);
}

static int64_t pct(const int64_t *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return -1;
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"brokers", required_argument, NULL, 'b'},
		{"billing", required_argument, NULL, 'B'},
		{"alerts", required_argument, NULL, 'a'},
		{"prefix", required_argument, NULL, 'p'},
		{"csv", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *brokers = NULL, *billing = "billing", *alerts = "churn-alerts";
	const char *csv = NULL;
	char errstr[ERRLEN];
	struct probes ps = {0};
	rd_kafka_conf_t *kc;
	rd_kafka_t *rk;
	int64_t *lat = NULL;
	size_t nlat = 0;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': brokers = optarg; break;
		case 'B': billing = optarg; break;
		case 'a': alerts = optarg; break;
		case 'p': prefix = optarg; break;
		case 'c': csv = optarg; break;
		case 'h':
			printf("usage: bench_latency -b BROKERS [--billing T] [--alerts T] "
			       "[--prefix P] [--csv OUT]\n");
			return 0;
		default: return 2;
		}
	}
	if (!brokers || optind < argc) {
		fprintf(stderr, "usage: bench_latency -b BROKERS [--billing T] [--alerts T] "
			"[--prefix P] [--csv OUT]\n");
		return 2;
	}
	ps.cap = 1000000;
	ps.v = calloc(ps.cap, sizeof(*ps.v));
	if (!ps.v) {
		fprintf(stderr, "bench_latency: out of memory\n");
		return 1;
	}
	kc = rd_kafka_conf_new();
	if (conf_set(kc, "bootstrap.servers", brokers) < 0 ||
	    conf_set(kc, "group.id", "bench-latency") < 0 ||
	    conf_set(kc, "enable.auto.commit", "false") < 0 ||
	    conf_set(kc, "enable.partition.eof", "false") < 0 ||
	    conf_set(kc, "log_level", "4") < 0) {
		rd_kafka_conf_destroy(kc);
		free(ps.v);
		return 1;
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "bench_latency: cannot create consumer: %s\n", errstr);
		rd_kafka_conf_destroy(kc);
		free(ps.v);
		return 1;
	}
	rd_kafka_poll_set_consumer(rk);
	if (read_topic(rk, billing, on_billing, &ps) < 0)
		goto out;
	qsort(ps.v, ps.n, sizeof(*ps.v), cmp_probe);
	if (read_topic(rk, alerts, on_alert, &ps) < 0)
		goto out;
	lat = calloc(ps.n ? ps.n : 1, sizeof(*lat));
	if (!lat)
		goto out;
	FILE *cf = csv ? fopen(csv, "w") : NULL;
	if (cf)
		fprintf(cf, "subscriber,rule,partition,probe_ms,alert_ms,latency_ms\n");
	for (size_t i = 0; i < ps.n; i++) {
		struct probe *p = &ps.v[i];
		if (cf) {
			char *tab = strchr(p->key, '\t');
			fprintf(cf, "%.*s,%s,%" PRId32 ",%" PRId64 ",%" PRId64 ",%" PRId64 "\n",
				(int)(tab - p->key), p->key, tab + 1, p->partition, p->sent_ms,
				p->alert_ms, p->alert_ms >= 0 ? p->alert_ms - p->sent_ms : -1);
		}
		if (p->alert_ms >= 0)
			lat[nlat++] = p->alert_ms - p->sent_ms;
	}
	if (cf)
		fclose(cf);
	qsort(lat, nlat, sizeof(*lat), cmp_i64);
	double mean = 0;
	for (size_t i = 0; i < nlat; i++)
		mean += (double)lat[i];
	mean = nlat ? mean / (double)nlat : -1;
	printf("{\"probes\": %zu, \"matched\": %zu, \"p50_ms\": %" PRId64
	       ", \"p90_ms\": %" PRId64 ", \"p99_ms\": %" PRId64 ", \"max_ms\": %" PRId64
	       ", \"min_ms\": %" PRId64 ", \"mean_ms\": %.1f}\n",
	       ps.n, nlat, pct(lat, nlat, 0.5), pct(lat, nlat, 0.9), pct(lat, nlat, 0.99),
	       nlat ? lat[nlat - 1] : -1, nlat ? lat[0] : -1, mean);
	rc = 0;
out:
	free(lat);
	free(ps.v);
	{
		rd_kafka_resp_err_t ce = rd_kafka_consumer_close(rk);
		if (ce)
			fprintf(stderr, "bench_latency: close: %s\n", rd_kafka_err2str(ce));
	}
	rd_kafka_destroy(rk);
	return rc;
}
