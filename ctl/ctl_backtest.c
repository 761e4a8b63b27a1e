/*
 * churnctl backtest — run the real daemon pipeline over a historical event
 * file, in event time, and score its alerts against churn labels.
 *
 * Nothing is simulated: the events are produced into an in-process
 * development Kafka (librdkafka's mock cluster) and consumed by the same
 * cw_pipeline churnwatchd runs, against Redis under a scratch key prefix
 * (deleted afterwards) — or a private redis-server started here when the
 * config names no Redis or --private-redis is given. So an alert seen in a
 * back-test is the alert production would have sent for the same events.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <hiredis/hiredis.h>
#include <json-c/json.h>
#include <xxhash.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "cw/conf.h"
#include "cw/event.h"
#include "cw/log.h"
#include "cw/metrics.h"
#include "cw/pipeline.h"
#include "cw/runtime.h"
#include "cw/store.h"
#include "cw/yamlx.h"
#include "cw/statestore.h"
#include "cw/strutil.h"
#include "ctl.h"
#include "ctl_html.h"

/* The development Kafka keeps ~5 MB per partition and drops older
 * messages silently; keys spread unevenly, so allow ~1 MB per partition. */
#define BT_PART_BYTES (1024 * 1024)
#define BT_RULES_MAX 256

struct bt_opts {
	const char *config;
	const char *events;
	const char *labels;
	const char *alerts_out;
	const char *html;
	int partitions;
	int private_redis;
};

struct bt_env {
	char tmpdir[64];
	pid_t redis_pid;
	rd_kafka_t *mock_rk;          /* owns the mock cluster; also produces */
	char *bootstrap;
	char scratch_prefix[128];
	int scratch;                  /* keys to delete in the configured Redis */
	/* Distinct subscribers of the events (the base lift is measured
	 * against): open addressing over their 64-bit hashes. */
	uint64_t *subs;
	size_t nsubs, subs_cap;
};

/* Count subscriber `key` once. 0, or -1 out of memory. */
static int count_sub(struct bt_env *env, const char *key, size_t len)
{
	if (!len)
		return 0;
	if (2 * (env->nsubs + 1) > env->subs_cap) {
		size_t cap = env->subs_cap ? 2 * env->subs_cap : 1024;
		uint64_t *n = calloc(cap, sizeof(*n));
		if (!n)
			return -1;
		for (size_t i = 0; i < env->subs_cap; i++) {
			uint64_t h = env->subs[i];
			if (!h)
				continue;
			size_t k = (size_t)h & (cap - 1);
			while (n[k])
				k = (k + 1) & (cap - 1);
			n[k] = h;
		}
		free(env->subs);
		env->subs = n;
		env->subs_cap = cap;
	}
	uint64_t h = XXH3_64bits(key, len) | 1; /* 0 marks an empty slot */
	size_t k = (size_t)h & (env->subs_cap - 1);
	while (env->subs[k] && env->subs[k] != h)
		k = (k + 1) & (env->subs_cap - 1);
	if (!env->subs[k]) {
		env->subs[k] = h;
		env->nsubs++;
	}
	return 0;
}

static void bt_usage(FILE *out)
{
	fprintf(out,
		"usage: churnctl backtest -c CONFIG --events F.jsonl [--labels L.csv]\n"
		"                         [--alerts OUT.jsonl] [--partitions N] [--private-redis]\n"
		"                         [--html FILE]\n"
		"\n"
		"Run churnwatch's real pipeline over historical events in event time:\n"
		"events are produced into an in-process development Kafka and consumed\n"
		"by the daemon's own code, with state in Redis under a scratch key prefix\n"
		"that is deleted afterwards (a private redis-server is started when the\n"
		"config has no redis: section, or with --private-redis).\n"
		"\n"
		"Prints alert counts per rule; with --labels (CSV subscriber,churn_ts) also\n"
		"precision, recall and lead time (time from first alert to churn) per rule;\n"
		"--html FILE (with --labels) writes one self-contained page: lift per\n"
		"rule and the gain chart (churners caught against subscribers alerted).\n"
		"--alerts writes every alert as JSON lines. Partitions default to the file\n"
		"size / 1 MB (at least 8). Exit 0 ok, 1 failure, 2 usage.\n");
}

/* ---- environment ------------------------------------------------------- */

static int config_names_redis(const char *path)
{
	char *buf = NULL, err[256];
	size_t len;
	struct yx_doc *d = NULL;
	int named = 1;

	if (yx_read_file(path, &buf, &len, err, sizeof(err)) < 0)
		return 1;
	if (yx_load(buf, len, path, &d, err, sizeof(err)) == 0)
		named = yx_map_get(d->root, "redis") != NULL;
	yx_free(d);
	free(buf);
	return named;
}

static int start_private_redis(struct bt_env *env, char **url)
{
	char sock[128], log[128];
	snprintf(sock, sizeof(sock), "%s/redis.sock", env->tmpdir);
	snprintf(log, sizeof(log), "%s/redis.log", env->tmpdir);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* --dir: a dump.rdb in the caller's working directory would
		 * otherwise be loaded into the back-test's Redis. */
		execlp("redis-server", "redis-server", "--port", "0",
		       "--unixsocket", sock, "--unixsocketperm", "700",
		       "--dir", env->tmpdir, "--save", "", "--appendonly", "no",
		       "--logfile", log, (char *)NULL);
		_exit(127);
	}
	env->redis_pid = pid;
	for (int i = 0; i < 100; i++) {
		redisContext *c = redisConnectUnix(sock);
		int ok = c && !c->err;
		if (c)
			redisFree(c);
		if (ok) {
			size_t n = strlen(sock) + 8;
			*url = malloc(n);
			if (!*url)
				return -1;
			snprintf(*url, n, "unix://%s", sock);
			return 0;
		}
		usleep(50000);
	}
	fprintf(stderr, "churnctl backtest: redis-server did not start (see %s)\n", log);
	return -1;
}

static int start_mock_kafka(struct bt_env *env, const struct cw_conf *c,
			    int partitions)
{
	char errstr[512];
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	if (rd_kafka_conf_set(kc, "test.mock.num.brokers", "1", errstr, sizeof(errstr)) ||
	    rd_kafka_conf_set(kc, "linger.ms", "5", errstr, sizeof(errstr)) ||
	    rd_kafka_conf_set(kc, "partitioner", "murmur2_random", errstr, sizeof(errstr)) ||
	    rd_kafka_conf_set(kc, "log_level", "3", errstr, sizeof(errstr))) {
		fprintf(stderr, "churnctl backtest: %s\n", errstr);
		rd_kafka_conf_destroy(kc);
		return -1;
	}
	env->mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));
	if (!env->mock_rk) {
		fprintf(stderr, "churnctl backtest: %s\n", errstr);
		rd_kafka_conf_destroy(kc);
		return -1;
	}
	rd_kafka_mock_cluster_t *mc = rd_kafka_handle_mock_cluster(env->mock_rk);
	const char *topics[] = {c->topic_cdr, c->topic_billing, c->topic_retention,
				c->topic_alerts, c->topic_dead_letter, c->topic_archive};
	for (size_t i = 0; mc && i < sizeof(topics) / sizeof(topics[0]); i++)
		if (rd_kafka_mock_topic_create(mc, topics[i], partitions, 1)) {
			fprintf(stderr, "churnctl backtest: cannot create topic %s\n", topics[i]);
			return -1;
		}
	if (!mc || !(env->bootstrap = strdup(rd_kafka_mock_cluster_bootstraps(mc))))
		return -1;
	return 0;
}

/* Delete the scratch key space: SCAN + UNLINK from here, in small steps,
 * so a production Redis is never blocked by the clean-up. */
static void drop_scratch(const struct cw_conf *c,
			 const struct cw_secrets *secrets, const char *prefix)
{
	char err[256];
	struct cw_store *s = NULL;
	struct cw_statestore *ss = NULL;
	struct cw_store_opts so = {.url = c->redis_url,
				   .password = secrets->redis_password,
				   .username = secrets->redis_username,
				   .prefix = prefix,
				   .timeout_ms = 5000};
	struct cw_ss_opts sso = {.group = c->group_id};
	long removed;

	if (cw_store_open(&so, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "churnctl backtest: cleanup: %s\n", err);
		return;
	}
	sso.store = s;
	if (cw_ss_new(&sso, &ss) < 0) {
		fprintf(stderr, "churnctl backtest: cleanup: out of memory\n");
		cw_store_close(s);
		return;
	}
	removed = cw_ss_drop_prefix(ss, err, sizeof(err));
	if (removed < 0)
		fprintf(stderr, "churnctl backtest: cleanup of %s*: %s\n", prefix, err);
	else
		fprintf(stderr, "backtest: removed %ld scratch keys\n", removed);
	cw_ss_free(ss);
	cw_store_close(s);
}

static void env_fini(struct bt_env *env)
{
	if (env->mock_rk)
		rd_kafka_destroy(env->mock_rk);
	free(env->bootstrap);
	if (env->redis_pid > 0) {
		kill(env->redis_pid, SIGTERM);
		waitpid(env->redis_pid, NULL, 0);
	}
	if (env->tmpdir[0]) {
		char path[128];
		snprintf(path, sizeof(path), "%s/redis.sock", env->tmpdir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/redis.log", env->tmpdir);
		unlink(path);
		rmdir(env->tmpdir);
	}
}

/* ---- feeding events ------------------------------------------------------ */

/* Route by the line's type, found by the light scan (the real parser runs
 * in the pipeline; this only routes and keys the message). */
static const char *route(const struct cw_conf *c, const char *line,
			 size_t len)
{
	const char *type;
	size_t tl = cw_json_scan_str(line, len, "type", 31, &type);
	int t;

	if (tl && (t = cw_event_type_lookup(type, tl)) >= 0) {
		switch (cw_event_type_topic((enum cw_event_type)t)) {
		case CW_TOPIC_BILLING:
			return c->topic_billing;
		case CW_TOPIC_RETENTION:
			return c->topic_retention;
		case CW_TOPIC_CDR:
		case CW_TOPIC__COUNT:
			break;
		}
	}
	return c->topic_cdr; /* and unknown types: the daemon dead-letters them */
}

static int produce_line(struct bt_env *env, const struct cw_conf *c, char *line,
			size_t len)
{
	rd_kafka_t *rk = env->mock_rk;
	const char *key = "";
	size_t klen;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (!len)
		return 0;
	klen = cw_json_scan_str(line, len, "subscriber", 63, &key);
	if (count_sub(env, key, klen) < 0) {
		fprintf(stderr, "churnctl backtest: out of memory\n");
		return -1;
	}
	for (;;) {
		rd_kafka_resp_err_t e = rd_kafka_producev(rk,
			RD_KAFKA_V_TOPIC(route(c, line, len)),
			RD_KAFKA_V_KEY(key, klen),
			RD_KAFKA_V_VALUE(line, len),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
		if (!e)
			return 1;
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			fprintf(stderr, "churnctl backtest: produce: %s\n", rd_kafka_err2str(e));
			return -1;
		}
		rd_kafka_poll(rk, 10);
	}
}

/*
 * Produce the whole file first, then let the pipeline consume it: with the
 * log complete, every partition's end offset is final and the watermark
 * follows the contract exactly (producing in chunks would make partitions
 * look caught up between chunks and let event time jump ahead).
 * Returns the number of messages, or -1.
 */
static int64_t feed(struct bt_env *env, const struct cw_conf *c,
		    struct cw_pipeline *p, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int64_t produced = 0;
	struct cw_pipeline_stats st;
	int idle = 0;

	while ((n = getline(&line, &cap, in)) > 0) {
		int r = produce_line(env, c, line, (size_t)n);
		if (r < 0) {
			free(line);
			return -1;
		}
		produced += r;
		rd_kafka_poll(env->mock_rk, 0);
	}
	free(line);
	if (rd_kafka_flush(env->mock_rk, 120000)) {
		fprintf(stderr, "churnctl backtest: produce did not complete\n");
		return -1;
	}
	uint64_t last = 0;
	do {
		cw_pipeline_step(p);
		cw_pipeline_get_stats(p, &st);
		/* Messages lost to the development Kafka's retention would
		 * leave us waiting forever: give up after 30 s of no progress. */
		idle = st.messages == last ? idle + 1 : 0;
		last = st.messages;
	} while ((int64_t)st.messages < produced && idle < 3000);
	if ((int64_t)st.messages < produced)
		fprintf(stderr, "churnctl backtest: only %" PRIu64 " of %" PRId64
			" messages came back (use more --partitions)\n",
			st.messages, produced);
	/* The last batch's transaction goes with the next exchange, and its
	 * alerts are published after it. */
	for (int i = 0; i < 4; i++)
		cw_pipeline_step(p);
	return produced;
}

/* ---- alerts and scoring -------------------------------------------------- */

struct bt_alert {
	char rule[CW_RULE_NAME_MAX + 1];
	char sub[CW_SUB_MAX + 1];
	int64_t ts;
};

struct bt_alerts {
	struct bt_alert *v;
	size_t n, cap;
};

static int collect_alerts(struct bt_env *env, const struct cw_conf *c,
			  int partitions, FILE *out, struct bt_alerts *al)
{
	char errstr[512], group[64];
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	snprintf(group, sizeof(group), "backtest-reader-%d", (int)getpid());
	if (rd_kafka_conf_set(kc, "bootstrap.servers", env->bootstrap, errstr, sizeof(errstr)) ||
	    rd_kafka_conf_set(kc, "group.id", group, errstr, sizeof(errstr)) ||
	    rd_kafka_conf_set(kc, "enable.partition.eof", "true", errstr, sizeof(errstr)) ||
	    rd_kafka_conf_set(kc, "log_level", "3", errstr, sizeof(errstr))) {
		fprintf(stderr, "churnctl backtest: %s\n", errstr);
		rd_kafka_conf_destroy(kc);
		return -1;
	}
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, sizeof(errstr));
	if (!rk) {
		rd_kafka_conf_destroy(kc);
		fprintf(stderr, "churnctl backtest: %s\n", errstr);
		return -1;
	}
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *tl = rd_kafka_topic_partition_list_new(partitions);
	for (int i = 0; i < partitions; i++)
		rd_kafka_topic_partition_list_add(tl, c->topic_alerts, i)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, tl);
	rd_kafka_topic_partition_list_destroy(tl);
	int eofs = 0, idle = 0;
	while (eofs < partitions && idle < 50) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		if (!m) {
			idle++;
			continue;
		}
		idle = 0;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			eofs++;
		} else if (!m->err) {
			if (out)
				fprintf(out, "%.*s\n", (int)m->len, (const char *)m->payload);
			json_tokener *tok = json_tokener_new();
			json_object *o = tok ? json_tokener_parse_ex(tok, m->payload,
								     (int)m->len) : NULL;
			if (tok)
				json_tokener_free(tok);
			json_object *r, *s, *t;
			if (o && json_object_object_get_ex(o, "rule", &r) &&
			    json_object_object_get_ex(o, "subscriber", &s) &&
			    json_object_object_get_ex(o, "ts", &t)) {
				if (al->n == al->cap) {
					size_t nc = al->cap ? al->cap * 2 : 256;
					struct bt_alert *nv = realloc(al->v, nc * sizeof(*nv));
					if (nv) {
						al->v = nv;
						al->cap = nc;
					}
				}
				if (al->n < al->cap) {
					struct bt_alert *a = &al->v[al->n++];
					snprintf(a->rule, sizeof(a->rule), "%s", json_object_get_string(r));
					snprintf(a->sub, sizeof(a->sub), "%s", json_object_get_string(s));
					const char *ts = json_object_get_string(t);
					if (cw_time_parse_rfc3339(ts, strlen(ts), &a->ts) < 0)
						a->ts = 0;
				}
			}
			json_object_put(o);
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return 0;
}

/* ---- scoring ---------------------------------------------------------- */

struct bt_label {
	char sub[CW_SUB_MAX + 1];
	int64_t churn_ts;
};

static int load_labels(const char *path, struct bt_label **out, size_t *nout)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0, vcap = 0;
	struct bt_label *v = NULL;
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "churnctl backtest: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		char *comma = strchr(line, ',');
		if (!comma || (lineno == 1 && !strncmp(line, "subscriber", 10)))
			continue;
		*comma = '\0';
		struct bt_label l;
		if (!cw_subscriber_valid(line, strlen(line)) ||
		    cw_time_parse_rfc3339(comma + 1, strlen(comma + 1), &l.churn_ts) < 0) {
			fprintf(stderr, "%s:%d:1: expected subscriber,churn_ts (RFC 3339)\n",
				path, lineno);
			continue;
		}
		snprintf(l.sub, sizeof(l.sub), "%s", line);
		if (n == vcap) {
			vcap = vcap ? vcap * 2 : 1024;
			struct bt_label *nv = realloc(v, vcap * sizeof(*nv));
			if (!nv)
				break;
			v = nv;
		}
		v[n++] = l;
	}
	free(line);
	fclose(f);
	*out = v;
	*nout = n;
	return 0;
}

static const struct bt_label *find_label(const struct bt_label *l, size_t n,
					 const char *sub)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].sub, sub))
			return &l[i];
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/*
 * Subscriber-level scoring of one rule (or all, rule == NULL): a subscriber
 * alerted before its churn_ts is a hit; precision = hits / alerted
 * subscribers, recall = hits / labelled churners; lead time = churn_ts -
 * first alert.
 */
struct bt_score {
	const char *name;
	size_t alerted, hits;
	double lead_days;     /* median; 0 when no hit */
};

static void score(const char *rule, const struct bt_alerts *al,
		  const struct bt_label *lab, size_t nlab, struct bt_score *out)
{
	size_t alerted = 0, hits = 0, nlead = 0;
	int64_t *lead = calloc(nlab + 1, sizeof(*lead));
	char (*seen)[CW_SUB_MAX + 1] = calloc(al->n + 1, sizeof(*seen));
	size_t nseen = 0;

	memset(out, 0, sizeof(*out));
	out->name = rule ? rule : "(any rule)";
	if (!lead || !seen)
		goto out;
	for (size_t i = 0; i < al->n; i++) {
		const struct bt_alert *a = &al->v[i];
		if (rule && strcmp(a->rule, rule))
			continue;
		size_t k;
		for (k = 0; k < nseen; k++)
			if (!strcmp(seen[k], a->sub))
				break;
		if (k < nseen)
			continue; /* first alert per subscriber only */
		/* the earliest alert of this subscriber for this rule */
		int64_t first = a->ts;
		for (size_t j = i + 1; j < al->n; j++)
			if ((!rule || !strcmp(al->v[j].rule, rule)) &&
			    !strcmp(al->v[j].sub, a->sub) && al->v[j].ts < first)
				first = al->v[j].ts;
		snprintf(seen[nseen++], CW_SUB_MAX + 1, "%s", a->sub);
		alerted++;
		const struct bt_label *l = find_label(lab, nlab, a->sub);
		if (l && first <= l->churn_ts) {
			hits++;
			lead[nlead++] = l->churn_ts - first;
		}
	}
	qsort(lead, nlead, sizeof(*lead), cmp_i64);
	out->alerted = alerted;
	out->hits = hits;
	out->lead_days = nlead ? (double)lead[nlead / 2] / 86400000.0 : 0.0;
out:
	free(lead);
	free(seen);
}

/* The lift and gain page (--html): each rule's precision against the
 * base's churn rate, and the share of churners it catches against the
 * share of the base it alerts. */
static int write_html(const char *path, const struct bt_score *s, size_t n,
		      size_t nlab, size_t base)
{
	FILE *f = fopen(path, "w");
	const char **label = calloc(n + 1, sizeof(*label));
	double *v = calloc(n + 1, sizeof(*v)), *x = calloc(n + 1, sizeof(*x));
	double rate = base ? (double)nlab / (double)base : 0;
	size_t k = 0;
	int rc = -1;

	if (!f || !label || !v || !x) {
		fprintf(stderr, "churnctl backtest: %s: cannot write\n", path);
		goto out;
	}
	ctl_html_begin(f, "churnwatch back-test: lift and gain");
	fprintf(f, "<p>%zu subscribers in the events, %zu labelled churners "
		"(base churn %.2f%%).</p>\n", base, nlab, 100 * rate);
	for (size_t i = 0; i < n; i++)
		if (s[i].alerted && rate > 0) {
			label[k] = s[i].name;
			v[k++] = (double)s[i].hits / (double)s[i].alerted / rate;
		}
	ctl_svg_bars(f, "Lift by rule (precision / the base's churn rate)", label, v, k, "x");
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i].alerted && base && nlab) {
			label[k] = s[i].name;
			x[k] = (double)s[i].alerted / (double)base;
			v[k++] = (double)s[i].hits / (double)nlab;
		}
	ctl_svg_gain(f, "Gain: churners caught against subscribers alerted", label, x, v, k);
	fprintf(f, "<pre>\n%-26s %8s %8s %10s %8s %9s\n", "rule", "alerted", "hits",
		"precision", "recall", "lead(d)");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%-26s %8zu %8zu %9.1f%% %7.1f%% %9.1f\n", s[i].name, s[i].alerted,
			s[i].hits, s[i].alerted ? 100.0 * s[i].hits / s[i].alerted : 0.0,
			nlab ? 100.0 * s[i].hits / nlab : 0.0, s[i].lead_days);
	fprintf(f, "</pre>\n");
	ctl_html_end(f, "From churnctl backtest (subscriber level: a subscriber's "
		     "first alert of a rule before its churn is a hit).");
	rc = 0;
out:
	if (f && fclose(f) != 0)
		rc = -1;
	free(label);
	free(v);
	free(x);
	return rc;
}

static int report(const struct cw_runtime *rt, const struct bt_alerts *al,
		  const struct bt_label *lab, size_t nlab, size_t base,
		  const char *html)
{
	struct bt_score *s;
	size_t n = rt->rules->nrules;

	printf("\nalerts per rule:\n");
	for (size_t r = 0; r < n; r++) {
		size_t c = 0;
		for (size_t i = 0; i < al->n; i++)
			c += !strcmp(al->v[i].rule, rt->rules->rules[r].name);
		printf("  %-24s %8zu\n", rt->rules->rules[r].name, c);
	}
	printf("  %-24s %8zu\n", "total", al->n);
	if (!lab)
		return 0;
	if (!(s = calloc(n + 1, sizeof(*s)))) {
		fprintf(stderr, "churnctl backtest: out of memory\n");
		return -1;
	}
	printf("\nagainst %zu labelled churners (subscriber level):\n", nlab);
	printf("  %-24s %8s %8s %10s %8s %9s\n", "rule", "alerted", "hits",
	       "precision", "recall", "lead(d)");
	for (size_t r = 0; r <= n; r++) {
		score(r < n ? rt->rules->rules[r].name : NULL, al, lab, nlab, &s[r]);
		printf("  %-24s %8zu %8zu %9.1f%% %7.1f%% %9.1f\n", s[r].name,
		       s[r].alerted, s[r].hits,
		       s[r].alerted ? 100.0 * s[r].hits / s[r].alerted : 0.0,
		       nlab ? 100.0 * s[r].hits / nlab : 0.0, s[r].lead_days);
	}
	int rc = html ? write_html(html, s, n + 1, nlab, base) : 0;
	if (html && rc == 0)
		fprintf(stderr, "churnctl backtest: wrote %s\n", html);
	free(s);
	return rc;
}

/* ---- main ------------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct bt_opts *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"events", required_argument, NULL, 'e'},
		{"labels", required_argument, NULL, 'l'},
		{"alerts", required_argument, NULL, 'a'},
		{"partitions", required_argument, NULL, 'p'},
		{"private-redis", no_argument, NULL, 'r'},
		{"html", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	char *end;

	o->partitions = 8;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:e:l:a:p:rh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o->config = optarg; break;
		case 'e': o->events = optarg; break;
		case 'l': o->labels = optarg; break;
		case 'a': o->alerts_out = optarg; break;
		case 'p':
			o->partitions = (int)strtol(optarg, &end, 10);
			if (*end || o->partitions < 1 || o->partitions > 1024) {
				fprintf(stderr, "churnctl backtest: --partitions: 1..1024\n");
				return 2;
			}
			break;
		case 'r': o->private_redis = 1; break;
		case 'H': o->html = optarg; break;
		case 'h': bt_usage(stdout); return 0;
		default: bt_usage(stderr); return 2;
		}
	}
	if (!o->config || !o->events) {
		bt_usage(stderr);
		return 2;
	}
	if (o->html && !o->labels) {
		fprintf(stderr, "churnctl backtest: --html needs --labels (the gain "
			"chart is against the churners)\n");
		return 2;
	}
	return -1;
}

/* Point the configuration at the back-test's own Kafka and key space. */
static int retarget(struct cw_conf *c, struct bt_env *env, char *redis_url)
{
	char group[64];
	snprintf(group, sizeof(group), "backtest-%d-%ld", (int)getpid(), (long)time(NULL));
	snprintf(env->scratch_prefix, sizeof(env->scratch_prefix), "%sbacktest:%s:",
		 c->key_prefix, group + 9);
	free(c->brokers);
	free(c->group_id);
	free(c->key_prefix);
	free(c->metrics_listen);
	c->brokers = strdup(env->bootstrap);
	c->group_id = strdup(group);
	c->key_prefix = strdup(env->scratch_prefix);
	c->metrics_listen = strdup("");
	/* Production SASL/SSL settings do not apply here. */
	for (size_t i = 0; i < c->nprops; i++) {
		free(c->props[i].key);
		free(c->props[i].value);
	}
	c->nprops = 0;
	if (redis_url) {
		free(c->redis_url);
		c->redis_url = redis_url;
		free(c->redis_password_file);
		c->redis_password_file = NULL;
	} else {
		env->scratch = 1;
	}
	return c->brokers && c->group_id && c->key_prefix && c->metrics_listen ? 0 : -1;
}

int ctl_backtest(int argc, char **argv)
{
	struct bt_opts o = {0};
	struct bt_env env = {0};
	struct cw_conf conf = {0};
	struct cw_runtime *rt = NULL, *rt2 = NULL;
	struct cw_metrics *metrics = NULL;
	struct cw_pipeline *p = NULL;
	struct bt_alerts al = {0};
	struct bt_label *lab = NULL;
	size_t nlab = 0;
	struct cw_secrets secrets = {0};
	char *redis_url = NULL;
	char err[8192];
	FILE *in = NULL, *out = NULL;
	int rc = parse_args(argc, argv, &o);

	if (rc >= 0)
		return rc;
	rc = 1;
	cw_log_set_level(getenv("CW_DEBUG") ? CW_LOG_DEBUG : CW_LOG_WARNING);
	if (cw_conf_init_defaults(&conf) < 0 ||
	    cw_conf_load(o.config, &conf, err, sizeof(err)) < 0 ||
	    cw_runtime_load(&conf, &rt, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (o.labels && load_labels(o.labels, &lab, &nlab) < 0)
		goto out;
	in = !strcmp(o.events, "-") ? stdin : fopen(o.events, "r");
	if (!in) {
		fprintf(stderr, "churnctl backtest: %s: %s\n", o.events, strerror(errno));
		goto out;
	}
	if (o.alerts_out && !(out = fopen(o.alerts_out, "w"))) {
		fprintf(stderr, "churnctl backtest: %s: %s\n", o.alerts_out, strerror(errno));
		goto out;
	}
	snprintf(env.tmpdir, sizeof(env.tmpdir), "/tmp/cwbt.XXXXXX");
	if (!mkdtemp(env.tmpdir)) {
		env.tmpdir[0] = '\0';
		goto out;
	}
	if ((o.private_redis || !config_names_redis(o.config)) &&
	    start_private_redis(&env, &redis_url) < 0)
		goto out;
	if (!redis_url && cw_conf_read_secrets(&conf, &secrets, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	struct stat sb;
	if (in != stdin && fstat(fileno(in), &sb) == 0 &&
	    sb.st_size / BT_PART_BYTES + 1 > o.partitions)
		o.partitions = (int)(sb.st_size / BT_PART_BYTES + 1);
	if (start_mock_kafka(&env, &conf, o.partitions) < 0 ||
	    retarget(&conf, &env, redis_url) < 0)
		goto out;
	redis_url = NULL; /* owned by conf */
	if (cw_metrics_new(&metrics) < 0 ||
	    cw_runtime_load(&conf, &rt2, err, sizeof(err)) < 0)
		goto out;
	struct cw_pipeline_opts po = {.conf = &conf, .metrics = metrics,
				      .secrets = &secrets};
	if (cw_pipeline_new(&po, rt2, &p, err, sizeof(err)) != CW_PIPE_OK) {
		fprintf(stderr, "churnctl backtest: %s\n", err);
		goto out;
	}
	int64_t n = feed(&env, &conf, p, in);
	if (n < 0)
		goto out;
	struct cw_pipeline_stats st;
	cw_pipeline_get_stats(p, &st);
	cw_pipeline_drain(p);
	fprintf(stderr, "backtest: %" PRId64 " messages, %" PRIu64 " valid events, %" PRIu64
		" invalid, %" PRIu64 " duplicates, %" PRIu64 " late\n",
		n, st.events, st.invalid, st.duplicates, st.late);
	if (st.held)
		fprintf(stderr, "backtest: %" PRIu64 " alerts of rules with a limit "
			"are not counted: their day had not closed when the events "
			"ended\n", st.held);
	if (collect_alerts(&env, &conf, o.partitions, out, &al) < 0)
		goto out;
	if (report(rt, &al, lab, nlab, env.nsubs, o.html) < 0)
		goto out;
	rc = 0;
out:
	cw_pipeline_free(p);
	if (env.scratch)
		drop_scratch(&conf, &secrets, env.scratch_prefix);
	env_fini(&env);
	free(env.subs);
	cw_metrics_free(metrics);
	cw_runtime_free(rt);
	cw_conf_fini(&conf);
	free(redis_url);
	cw_secrets_fini(&secrets);
	free(al.v);
	free(lab);
	if (in && in != stdin)
		fclose(in);
	if (out && fclose(out) != 0) {
		fprintf(stderr, "churnctl backtest: %s: write failed\n", o.alerts_out);
		rc = 1;
	}
	return rc;
}
