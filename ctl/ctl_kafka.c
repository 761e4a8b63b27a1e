/*
 * ctl_kafka.c — churnctl subcommands that talk to Kafka:
 *   replay       produce a JSON-lines event file, keyed by subscriber
 *   kafka-dev    a local development cluster (librdkafka's mock cluster)
 *   tail-alerts  follow the alert topic, human-readable
 *
 * Signal handlers only set ctl_stop; every loop polls with a short timeout
 * so it sees the flag.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "cw/strutil.h"
#include "ctl.h"
#include "cw/event.h"
#include "cw/conf.h"
#include "cw/kafka.h"

#define CTL_ERRLEN 512
#define CTL_KEY_MAX 64

static volatile sig_atomic_t ctl_stop;

static void ctl_on_signal(int sig)
{
	(void)sig;
	ctl_stop = 1;
}

static void ctl_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ctl_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ctl_stop = 0;
}

static double ctl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int ctl_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int kconf_set(const char *cmd, rd_kafka_conf_t *kc, const char *k, const char *v)
{
	char errstr[CTL_ERRLEN];

	rd_kafka_conf_res_t r = rd_kafka_conf_set(kc, k, v, errstr, sizeof(errstr));

	if (r != RD_KAFKA_CONF_OK) {
		if (r == RD_KAFKA_CONF_UNKNOWN)
			fprintf(stderr, "churnctl %s: '%s': no such librdkafka property "
				"(value not shown)\n", cmd, k);
		else if (cw_conf_is_secret_key(k))
			fprintf(stderr, "churnctl %s: %s=(redacted): rejected by librdkafka\n",
				cmd, k);
		else
			fprintf(stderr, "churnctl %s: %s=%s: %s\n", cmd, k, v, errstr);
		return -1;
	}
	return 0;
}

/* -X prop=val, as kcat takes it: librdkafka properties after the config's. */
#define CTL_XPROPS_MAX 32
struct ctl_xprops {
	const char *kv[CTL_XPROPS_MAX];
	int n;
};

static int xprops_add(const char *cmd, struct ctl_xprops *x, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg) {
		fprintf(stderr, "churnctl %s: -X expects prop=value, got '%s'\n", cmd,
			cw_conf_is_secret_key(arg) ? "(redacted)" : arg);
		return -1;
	}
	if (x->n == CTL_XPROPS_MAX) {
		fprintf(stderr, "churnctl %s: at most %d -X options\n", cmd, CTL_XPROPS_MAX);
		return -1;
	}
	x->kv[x->n++] = arg;
	return 0;
}

/*
 * A client configuration: kafka.properties from the config (those for
 * `consumer`/`producer` only when prefixed so), the brokers (-b wins over
 * the config), then -X properties. Caller owns the result.
 */
static rd_kafka_conf_t *kconf_new(const char *cmd, const struct cw_conf *c,
				  const char *brokers, int consumer,
				  const struct ctl_xprops *x)
{
	rd_kafka_conf_t *kc = rd_kafka_conf_new();

	for (size_t i = 0; i < c->nprops; i++) {
		const char *k = cw_kafka_prop_for_role(
			c->props[i].key, consumer ? CW_KAFKA_CONSUMER : CW_KAFKA_PRODUCER);

		if (k && kconf_set(cmd, kc, k, c->props[i].value) < 0)
			goto fail;
	}
	if (kconf_set(cmd, kc, "bootstrap.servers", brokers ? brokers : c->brokers) < 0)
		goto fail;
	for (int i = 0; x && i < x->n; i++) {
		char key[256];
		const char *eq = strchr(x->kv[i], '=');
		size_t kl = (size_t)(eq - x->kv[i]);

		if (kl >= sizeof(key)) {
			fprintf(stderr, "churnctl %s: -X property name too long\n", cmd);
			goto fail;
		}
		memcpy(key, x->kv[i], kl);
		key[kl] = '\0';
		if (kconf_set(cmd, kc, key, eq + 1) < 0)
			goto fail;
	}
	return kc;
fail:
	rd_kafka_conf_destroy(kc);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* replay                                                              */
/* ------------------------------------------------------------------ */

struct replay_stats {
	uint64_t sent, delivered, failed;
	unsigned reported;
};

static void replay_usage(FILE *out)
{
	fprintf(out,
		"usage: churnctl replay --events F.jsonl --topic T [-b BROKERS] [-c CONFIG] [--rate N]\n"
		"                      [-X PROP=VAL]...\n"
		"\n"
		"Produce each line of a JSON-lines event file into Kafka, keyed by its\n"
		"\"subscriber\" (empty key if it has none; the line still goes).\n"
		"\n"
		"  --events F      input file, '-' for stdin (required)\n"
		"  --topic T       target topic, or 'auto': voice/sms/data and unknown lines\n"
		"                  to the cdr topic, billing types to the billing topic,\n"
		"                  contact/offer/outcome to the retention topic (names\n"
		"                  from -c CONFIG, else cdr / billing / retention)\n"
		"  -b BROKERS      bootstrap servers (default: kafka.brokers of CONFIG,\n"
		"                  else localhost:9092)\n"
		"  -c CONFIG       churnwatch.yaml: brokers, topic names, kafka.properties\n"
		"  --rate N        at most N messages per second\n"
		"  -X PROP=VAL     a librdkafka property (after the config's; repeatable)\n"
		"  -h, --help      this text\n"
		"\n"
		"Idempotent producer, murmur2 partitioner (same partitions as Java clients).\n"
		"Exit 0 when every message was delivered, 1 on any failure, 2 usage.\n");
}

static void replay_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct replay_stats *st = opaque;

	(void)rk;
	if (!m->err) {
		st->delivered++;
		return;
	}
	st->failed++;
	if (st->reported++ < 10)
		fprintf(stderr, "churnctl replay: delivery to %s failed: %s\n",
			rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
}

/* The input topic of a line's "type"; unknown types go to cdr (the
 * daemon dead-letters them there). */
static enum cw_topic_kind topic_of_type(const char *t, size_t n)
{
	int type = cw_event_type_lookup(t, n);

	return type >= 0 ? cw_event_type_topic((enum cw_event_type)type) : CW_TOPIC_CDR;
}

/* Produce one message, waiting while the local queue is full. 0 or -1. */
static int replay_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const char *line,
			  size_t len, const char *key, size_t klen)
{
	for (;;) {
		rd_kafka_resp_err_t err;

		if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
				     (void *)line, len, klen ? key : NULL, klen, NULL) == 0)
			return 0;
		err = rd_kafka_last_error();
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			fprintf(stderr, "churnctl replay: produce to %s: %s\n",
				rd_kafka_topic_name(rkt), rd_kafka_err2str(err));
			return -1;
		}
		rd_kafka_poll(rk, 50);
	}
}

static void replay_throttle(double t0, uint64_t sent, long rate)
{
	double due = t0 + (double)sent / (double)rate, now = ctl_now();

	if (due > now) {
		struct timespec ts = {
			.tv_sec = (time_t)(due - now),
			.tv_nsec = (long)(((due - now) - (double)(time_t)(due - now)) * 1e9),
		};

		nanosleep(&ts, NULL);
	}
}

struct replay_opts {
	const char *events, *topic, *brokers, *config;
	long rate;
	struct ctl_xprops x;
};

static int replay_parse(int argc, char **argv, struct replay_opts *o)
{
	static const struct option longopts[] = {
		{"events", required_argument, NULL, 'e'},
		{"topic", required_argument, NULL, 't'},
		{"brokers", required_argument, NULL, 'b'},
		{"config", required_argument, NULL, 'c'},
		{"rate", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "e:t:b:c:X:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'X':
			if (xprops_add("replay", &o->x, optarg) < 0)
				return 2;
			break;
		case 'e': o->events = optarg; break;
		case 't': o->topic = optarg; break;
		case 'b': o->brokers = optarg; break;
		case 'c': o->config = optarg; break;
		case 'r':
			if (ctl_parse_long(optarg, 1, 100000000L, &o->rate) < 0) {
				fprintf(stderr, "churnctl replay: bad --rate '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': replay_usage(stdout); return 1;
		default: replay_usage(stderr); return 2;
		}
	}
	if (optind < argc || !o->events || !o->topic) {
		fprintf(stderr, "churnctl replay: --events and --topic are required\n");
		replay_usage(stderr);
		return 2;
	}
	return 0;
}

static rd_kafka_t *replay_producer(const struct replay_opts *o, const struct cw_conf *c,
				   struct replay_stats *st)
{
	char errstr[CTL_ERRLEN];
	rd_kafka_conf_t *kc = kconf_new("replay", c, o->brokers, 0, &o->x);
	rd_kafka_t *rk;

	if (!kc)
		return NULL;
	if (kconf_set("replay", kc, "enable.idempotence", "true") < 0 ||
	    kconf_set("replay", kc, "linger.ms", "5") < 0 ||
	    kconf_set("replay", kc, "batch.num.messages", "100000") < 0 ||
	    kconf_set("replay", kc, "queue.buffering.max.messages", "1000000") < 0 ||
	    kconf_set("replay", kc, "partitioner", "murmur2_random") < 0) {
		rd_kafka_conf_destroy(kc);
		return NULL;
	}
	rd_kafka_conf_set_dr_msg_cb(kc, replay_dr_cb);
	rd_kafka_conf_set_opaque(kc, st);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "churnctl replay: cannot create producer: %s\n", errstr);
		rd_kafka_conf_destroy(kc);
		return NULL;
	}
	return rk; /* kc now owned by rk */
}

/* The read-produce loop. Returns the number of local produce failures. */
static uint64_t replay_loop(rd_kafka_t *rk, FILE *in,
			    rd_kafka_topic_t *const *topics, int autoroute,
			    long rate, struct replay_stats *st)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t local_fail = 0;
	double t0 = ctl_now();

	while (!ctl_stop && (n = getline(&line, &cap, in)) != -1) {
		const char *key = NULL, *type = NULL;
		size_t klen, tlen;
		rd_kafka_topic_t *rkt = topics[CW_TOPIC_CDR];

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		klen = cw_json_scan_str(line, (size_t)n, "subscriber", CTL_KEY_MAX, &key);
		if (autoroute) {
			tlen = cw_json_scan_str(line, (size_t)n, "type", CTL_KEY_MAX, &type);
			if (tlen)
				rkt = topics[topic_of_type(type, tlen)];
		}
		if (replay_produce(rk, rkt, line, (size_t)n, key, klen) < 0)
			local_fail++;
		else
			st->sent++;
		if ((st->sent & 1023) == 0)
			rd_kafka_poll(rk, 0);
		if (rate > 0)
			replay_throttle(t0, st->sent, rate);
	}
	if (ferror(in)) {
		fprintf(stderr, "churnctl replay: read error: %s\n", strerror(errno));
		local_fail++;
	}
	free(line);
	return local_fail;
}

int ctl_replay(int argc, char **argv)
{
	struct replay_opts o;
	struct replay_stats st = {0};
	struct cw_conf conf;
	rd_kafka_t *rk = NULL;
	rd_kafka_topic_t *topics[CW_TOPIC__COUNT] = {NULL};
	FILE *in = NULL;
	uint64_t local_fail;
	int autoroute, rc = 1, outq;
	double t0, secs;

	rc = replay_parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	rc = 1;
	if (ctl_conf_load("replay", o.config, &conf) < 0)
		return 1;
	autoroute = !strcmp(o.topic, "auto");
	in = strcmp(o.events, "-") ? fopen(o.events, "r") : stdin;
	if (!in) {
		fprintf(stderr, "churnctl replay: %s: %s\n", o.events, strerror(errno));
		goto out;
	}
	rk = replay_producer(&o, &conf, &st);
	if (!rk)
		goto out;
	const char *names[CW_TOPIC__COUNT] = {conf.topic_cdr, conf.topic_billing,
					      conf.topic_retention};
	int ok = 1;
	for (int t = 0; t < CW_TOPIC__COUNT; t++) {
		/* One topic for everything unless routing by type. */
		const char *name = autoroute ? names[t] : o.topic;
		if (!autoroute && t > 0)
			topics[t] = NULL;
		else
			ok &= (topics[t] = rd_kafka_topic_new(rk, name, NULL)) != NULL;
	}
	if (!ok) {
		fprintf(stderr, "churnctl replay: topic: %s\n",
			rd_kafka_err2str(rd_kafka_last_error()));
		goto out;
	}
	ctl_signals_install();
	t0 = ctl_now();
	local_fail = replay_loop(rk, in, topics, autoroute, o.rate, &st);
	rd_kafka_flush(rk, 60000);
	outq = rd_kafka_outq_len(rk);
	secs = ctl_now() - t0;
	fprintf(stderr,
		"replayed %" PRIu64 " messages in %.2f s (%.0f msg/s): %" PRIu64
		" delivered, %" PRIu64 " failed, %" PRIu64 " not produced, %d undelivered at exit%s\n",
		st.sent, secs, secs > 0 ? st.sent / secs : 0.0, st.delivered, st.failed,
		local_fail, outq, ctl_stop ? " (interrupted)" : "");
	rc = (st.failed || local_fail || outq || ctl_stop) ? 1 : 0;
out:
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		if (topics[t])
			rd_kafka_topic_destroy(topics[t]);
	if (rk)
		rd_kafka_destroy(rk);
	if (in && in != stdin)
		fclose(in);
	cw_conf_fini(&conf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* kafka-dev                                                           */
/* ------------------------------------------------------------------ */

#define DEV_MAX_TOPICS 16

static void dev_usage(FILE *out)
{
	fprintf(out,
		"usage: churnctl kafka-dev [--partitions N] [--brokers B] [--topics a,b,...]\n"
		"                          [-c CONFIG] [--ready-file F]\n"
		"\n"
		"Start a local development Kafka (librdkafka's in-process mock cluster),\n"
		"create the churnwatch topics, print the bootstrap servers as the first\n"
		"line of stdout, and run until SIGINT/SIGTERM.\n"
		"\n"
		"  --partitions N  partitions per topic, 1..1000 (default 8)\n"
		"  --brokers B     number of mock brokers, 1..16 (default 1)\n"
		"  --topics LIST   comma-separated topic names (default: cdr, billing,\n"
		"                  retention, churn-alerts, churnwatch-dlq, churn-archive,\n"
		"                  or the names in CONFIG)\n"
		"  -c CONFIG       churnwatch.yaml to take kafka.topics from\n"
		"  --ready-file F  write the bootstrap servers to F once ready (atomically);\n"
		"                  removed again on exit\n"
		"  -h, --help      this text\n"
		"\n"
		"Limits of the mock: it lives in memory, listens on random localhost ports\n"
		"(librdkafka 2.0 has no way to fix the port), and keeps only about 5 MB\n"
		"(or 100000 message batches) per partition, dropping the oldest beyond\n"
		"that: use more partitions for big replays ('churnctl gen\n"
		"--partitions-hint' suggests a number).\n");
}

struct dev_opts {
	long partitions, brokers;
	const char *topics, *config, *ready_file;
};

static int dev_parse(int argc, char **argv, struct dev_opts *o)
{
	static const struct option longopts[] = {
		{"partitions", required_argument, NULL, 'p'},
		{"brokers", required_argument, NULL, 'B'},
		{"topics", required_argument, NULL, 't'},
		{"config", required_argument, NULL, 'c'},
		{"ready-file", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->partitions = 8;
	o->brokers = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (ctl_parse_long(optarg, 1, 1000, &o->partitions) < 0) {
				fprintf(stderr, "churnctl kafka-dev: bad --partitions '%s'\n", optarg);
				return 2;
			}
			break;
		case 'B':
			if (ctl_parse_long(optarg, 1, 16, &o->brokers) < 0) {
				fprintf(stderr, "churnctl kafka-dev: bad --brokers '%s'\n", optarg);
				return 2;
			}
			break;
		case 't': o->topics = optarg; break;
		case 'c': o->config = optarg; break;
		case 'r': o->ready_file = optarg; break;
		case 'h': dev_usage(stdout); return 1;
		default: dev_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "churnctl kafka-dev: unexpected argument '%s'\n", argv[optind]);
		dev_usage(stderr);
		return 2;
	}
	return 0;
}

/* Write `text` to `path` via a temporary file and rename, so readers never
 * see a partial file. */
static int dev_write_ready(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	if (fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Create the topics named in the comma-separated `list`. */
static int dev_create_topics(rd_kafka_mock_cluster_t *mc, const char *list, int partitions,
			     int replication)
{
	const char *p = list;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char name[250];
		rd_kafka_resp_err_t err;

		if (n == 0 || n >= sizeof(name)) {
			fprintf(stderr, "churnctl kafka-dev: bad topic name in '%s'\n", list);
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		err = rd_kafka_mock_topic_create(mc, name, partitions, replication);
		if (err) {
			fprintf(stderr, "churnctl kafka-dev: create topic %s: %s\n", name,
				rd_kafka_err2str(err));
			return -1;
		}
		p += n + (comma ? 1 : 0);
	}
	return 0;
}

int ctl_kafka_dev(int argc, char **argv)
{
	struct dev_opts o;
	struct cw_conf conf;
	char errstr[CTL_ERRLEN], num[16], topics[1024];
	rd_kafka_conf_t *kc = NULL;
	rd_kafka_t *rk = NULL;
	rd_kafka_mock_cluster_t *mc;
	const char *boot;
	int rc, ready = 0;

	rc = dev_parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	rc = 1;
	if (ctl_conf_load("kafka-dev", o.config, &conf) < 0)
		return 1;
	if (!o.topics) {
		int n = snprintf(topics, sizeof(topics), "%s,%s,%s,%s,%s,%s",
				 conf.topic_cdr, conf.topic_billing, conf.topic_retention,
				 conf.topic_alerts, conf.topic_dead_letter,
				 conf.topic_archive);

		if (n < 0 || (size_t)n >= sizeof(topics)) {
			fprintf(stderr, "churnctl kafka-dev: topic names too long\n");
			goto out;
		}
		o.topics = topics;
	}
	kc = rd_kafka_conf_new();
	snprintf(num, sizeof(num), "%ld", o.brokers);
	if (kconf_set("kafka-dev", kc, "test.mock.num.brokers", num) < 0)
		goto out;
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "churnctl kafka-dev: cannot create mock cluster: %s\n", errstr);
		goto out;
	}
	kc = NULL; /* now owned by rk */
	mc = rd_kafka_handle_mock_cluster(rk);
	if (!mc) {
		fprintf(stderr, "churnctl kafka-dev: this librdkafka has no mock cluster\n");
		goto out;
	}
	if (dev_create_topics(mc, o.topics, (int)o.partitions,
			      o.brokers < 3 ? (int)o.brokers : 3) < 0)
		goto out;
	boot = rd_kafka_mock_cluster_bootstraps(mc);
	printf("%s\n", boot);
	fflush(stdout);
	if (o.ready_file) {
		if (dev_write_ready(o.ready_file, boot) < 0) {
			fprintf(stderr, "churnctl kafka-dev: %s: %s\n", o.ready_file, strerror(errno));
			goto out;
		}
		ready = 1;
	}
	fprintf(stderr, "churnctl kafka-dev: %ld broker(s), topics %s with %ld partitions; "
		"Ctrl-C to stop\n", o.brokers, o.topics, o.partitions);
	ctl_signals_install();
	while (!ctl_stop)
		rd_kafka_poll(rk, 200);
	rc = 0;
out:
	if (ready)
		unlink(o.ready_file);
	if (kc)
		rd_kafka_conf_destroy(kc);
	if (rk)
		rd_kafka_destroy(rk); /* also destroys the mock cluster */
	cw_conf_fini(&conf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* tail-alerts                                                         */
/* ------------------------------------------------------------------ */

#define TAIL_MAX_NAMES 256

struct tail_count {
	char *name;
	uint64_t n;
};

struct tail_stats {
	uint64_t alerts, unparsed;
	struct tail_count rules[TAIL_MAX_NAMES];
	struct tail_count sevs[TAIL_MAX_NAMES];
	size_t nrules, nsevs;
};

struct tail_opts {
	const char *brokers, *config, *topic;
	int from_beginning, json;
	long max, idle_exit;
	struct ctl_xprops x;
};

static void tail_usage(FILE *out)
{
	fprintf(out,
		"usage: churnctl tail-alerts [-b BROKERS] [-c CONFIG] [--topic T] [--from-beginning]\n"
		"                            [--json] [--max N] [--idle-exit SECONDS] [-X PROP=VAL]...\n"
		"\n"
		"Follow the alert topic (all partitions, no consumer group, no commits) and\n"
		"print one line per alert:\n"
		"  TS  SEVERITY  RULE  SUBSCRIBER  arpu=TIER tenure=STAGE  evidence: k=v ...  -> action\n"
		"\n"
		"  -b BROKERS          bootstrap servers (default: CONFIG, else localhost:9092)\n"
		"  -c CONFIG           churnwatch.yaml (brokers, kafka.topics.alerts, properties)\n"
		"  --topic T           alert topic (default: churn-alerts or the CONFIG's)\n"
		"  --from-beginning    start at the oldest retained alert (default: new ones)\n"
		"  --json              print each alert verbatim as one JSON line\n"
		"  --max N             stop after N alerts\n"
		"  --idle-exit S       stop after S seconds without an alert\n"
		"  -X PROP=VAL         a librdkafka property (after the config's; repeatable)\n"
		"  -h, --help          this text\n"
		"\n"
		"A count by rule and severity goes to stderr at exit. Exit 0 ok, 1 runtime\n"
		"failure (e.g. the topic does not exist), 2 usage.\n");
}

static int tail_parse(int argc, char **argv, struct tail_opts *o)
{
	static const struct option longopts[] = {
		{"brokers", required_argument, NULL, 'b'},
		{"config", required_argument, NULL, 'c'},
		{"topic", required_argument, NULL, 't'},
		{"from-beginning", no_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{"max", required_argument, NULL, 'm'},
		{"idle-exit", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:c:X:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'X':
			if (xprops_add("tail-alerts", &o->x, optarg) < 0)
				return 2;
			break;
		case 'b': o->brokers = optarg; break;
		case 'c': o->config = optarg; break;
		case 't': o->topic = optarg; break;
		case 'f': o->from_beginning = 1; break;
		case 'j': o->json = 1; break;
		case 'm':
			if (ctl_parse_long(optarg, 1, LONG_MAX, &o->max) < 0) {
				fprintf(stderr, "churnctl tail-alerts: bad --max '%s'\n", optarg);
				return 2;
			}
			break;
		case 'i':
			if (ctl_parse_long(optarg, 1, 86400L * 365, &o->idle_exit) < 0) {
				fprintf(stderr, "churnctl tail-alerts: bad --idle-exit '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': tail_usage(stdout); return 1;
		default: tail_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "churnctl tail-alerts: unexpected argument '%s'\n", argv[optind]);
		tail_usage(stderr);
		return 2;
	}
	return 0;
}

static void tail_count_add(struct tail_count *tab, size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(tab[i].name, name))
			break;
	if (i == *n) {
		if (*n == TAIL_MAX_NAMES - 1) {
			/* The last slot collects everything past the cap. */
			name = "(other)";
			for (i = 0; i < *n && strcmp(tab[i].name, name); i++)
				;
		}
		if (i == *n) {
			tab[i].name = strdup(name);
			if (!tab[i].name)
				return;
			tab[i].n = 0;
			(*n)++;
		}
	}
	tab[i].n++;
}

static const char *jstr(struct json_object *obj, const char *key, const char *dflt)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return dflt;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static void print_upper(FILE *out, const char *s, int width)
{
	int n = 0;

	for (; *s; s++, n++)
		fputc(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s, out);
	for (; n < width; n++)
		fputc(' ', out);
}

/* One alert as one human-readable line. */
static void tail_print_alert(FILE *out, struct json_object *a)
{
	struct json_object *seg = NULL, *ev = NULL;
	const char *action;

	json_object_object_get_ex(a, "segment", &seg);
	json_object_object_get_ex(a, "evidence", &ev);
	fprintf(out, "%s  ", jstr(a, "ts", "-"));
	print_upper(out, jstr(a, "severity", "?"), 8);
	fprintf(out, "  %s  %s  arpu=%s tenure=%s", jstr(a, "rule", "?"),
		jstr(a, "subscriber", "?"), jstr(seg, "arpu_tier", "?"),
		jstr(seg, "tenure_stage", "?"));
	if (ev && json_object_is_type(ev, json_type_object) && json_object_object_length(ev) > 0) {
		fputs("  evidence:", out);
		json_object_object_foreach(ev, k, v) {
			fprintf(out, " %s=%s", k,
				v && json_object_is_type(v, json_type_string)
					? json_object_get_string(v)
					: json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		}
	}
	action = jstr(a, "action", NULL);
	if (action && *action)
		fprintf(out, "  -> %s", action);
	fputc('\n', out);
}

static void tail_handle(const struct tail_opts *o, const rd_kafka_message_t *m,
			struct tail_stats *st)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *a = NULL;

	if (tok)
		a = json_tokener_parse_ex(tok, m->payload, (int)m->len);
	if (!a || !json_object_is_type(a, json_type_object) ||
	    (tok && json_tokener_get_error(tok) != json_tokener_success)) {
		st->unparsed++;
		if (o->json)
			printf("%.*s\n", (int)m->len, (const char *)m->payload);
		else
			printf("(unparseable alert at %s [%" PRId32 "] @%" PRId64 "): %.*s\n",
			       rd_kafka_topic_name(m->rkt), m->partition, m->offset,
			       (int)(m->len > 200 ? 200 : m->len), (const char *)m->payload);
		tail_count_add(st->rules, &st->nrules, "(unparseable)");
		goto out;
	}
	st->alerts++;
	tail_count_add(st->rules, &st->nrules, jstr(a, "rule", "?"));
	tail_count_add(st->sevs, &st->nsevs, jstr(a, "severity", "?"));
	if (o->json)
		printf("%.*s\n", (int)m->len, (const char *)m->payload);
	else
		tail_print_alert(stdout, a);
out:
	fflush(stdout);
	if (a)
		json_object_put(a);
	if (tok)
		json_tokener_free(tok);
}

static void tail_summary(struct tail_stats *st)
{
	fprintf(stderr, "%" PRIu64 " alerts", st->alerts);
	if (st->unparsed)
		fprintf(stderr, " (+%" PRIu64 " unparseable)", st->unparsed);
	fprintf(stderr, "; by rule:");
	for (size_t i = 0; i < st->nrules; i++)
		fprintf(stderr, " %s=%" PRIu64, st->rules[i].name, st->rules[i].n);
	fprintf(stderr, "; by severity:");
	for (size_t i = 0; i < st->nsevs; i++)
		fprintf(stderr, " %s=%" PRIu64, st->sevs[i].name, st->sevs[i].n);
	fputc('\n', stderr);
	for (size_t i = 0; i < st->nrules; i++)
		free(st->rules[i].name);
	for (size_t i = 0; i < st->nsevs; i++)
		free(st->sevs[i].name);
}

static rd_kafka_t *tail_consumer(const struct tail_opts *o, const struct cw_conf *c)
{
	char errstr[CTL_ERRLEN], group[64];
	rd_kafka_conf_t *kc = kconf_new("tail-alerts", c, o->brokers, 1, &o->x);
	rd_kafka_t *rk;

	if (!kc)
		return NULL;
	/* librdkafka's assign() needs a group.id, but we never join or commit. */
	snprintf(group, sizeof(group), "churnctl-tail-%ld", (long)getpid());
	if (kconf_set("tail-alerts", kc, "group.id", group) < 0 ||
	    kconf_set("tail-alerts", kc, "enable.auto.commit", "false") < 0 ||
	    kconf_set("tail-alerts", kc, "enable.auto.offset.store", "false") < 0) {
		rd_kafka_conf_destroy(kc);
		return NULL;
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "churnctl tail-alerts: cannot create consumer: %s\n", errstr);
		rd_kafka_conf_destroy(kc);
		return NULL;
	}
	return rk; /* kc now owned by rk */
}

/* Assign every partition of `topic`; waits up to ~10 s for it to appear. */
static int tail_assign(rd_kafka_t *rk, const char *topic, int from_beginning)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_partition_list_t *parts = NULL;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
	int rc = -1;

	if (!rkt) {
		fprintf(stderr, "churnctl tail-alerts: topic %s: %s\n", topic,
			rd_kafka_err2str(rd_kafka_last_error()));
		return -1;
	}
	for (int attempt = 0; attempt < 10 && !ctl_stop; attempt++) {
		if (md)
			rd_kafka_metadata_destroy(md);
		md = NULL;
		err = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
		if (!err && md->topic_cnt == 1 && !md->topics[0].err &&
		    md->topics[0].partition_cnt > 0)
			break;
		if (!err)
			err = md->topic_cnt == 1 && md->topics[0].err
				      ? md->topics[0].err
				      : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
		sleep(1);
	}
	if (err || !md) {
		fprintf(stderr, "churnctl tail-alerts: topic %s: %s\n", topic, rd_kafka_err2str(err));
		goto out;
	}
	parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
	for (int i = 0; i < md->topics[0].partition_cnt; i++)
		rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[i].id)
			->offset = from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
	err = rd_kafka_assign(rk, parts);
	if (err) {
		fprintf(stderr, "churnctl tail-alerts: assign %s: %s\n", topic, rd_kafka_err2str(err));
		goto out;
	}
	rc = 0;
out:
	if (parts)
		rd_kafka_topic_partition_list_destroy(parts);
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return rc;
}

static void tail_loop(rd_kafka_t *rk, const struct tail_opts *o, struct tail_stats *st)
{
	double last = ctl_now();

	while (!ctl_stop) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);

		if (!m) {
			if (o->idle_exit && ctl_now() - last >= (double)o->idle_exit)
				break;
			continue;
		}
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				fprintf(stderr, "churnctl tail-alerts: %s\n", rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		last = ctl_now();
		tail_handle(o, m, st);
		rd_kafka_message_destroy(m);
		if (o->max && st->alerts + st->unparsed >= (uint64_t)o->max)
			break;
	}
}

int ctl_tail_alerts(int argc, char **argv)
{
	struct tail_opts o;
	struct cw_conf conf;
	struct tail_stats *st = NULL;
	rd_kafka_t *rk = NULL;
	int rc;

	rc = tail_parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	rc = 1;
	if (ctl_conf_load("tail-alerts", o.config, &conf) < 0)
		return 1;
	st = calloc(1, sizeof(*st));
	if (!st)
		goto out;
	rk = tail_consumer(&o, &conf);
	if (!rk)
		goto out;
	ctl_signals_install();
	if (tail_assign(rk, o.topic ? o.topic : conf.topic_alerts, o.from_beginning) < 0)
		goto out;
	tail_loop(rk, &o, st);
	rc = 0;
out:
	if (rk) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	if (st) {
		tail_summary(st);
		free(st);
	}
	cw_conf_fini(&conf);
	return rc;
}
