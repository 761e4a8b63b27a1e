/*
 * metrics.c — counters and their HTTP exposition.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "cw/metrics.h"

#define METRICS_RULES_MAX (CW_RULES_MAX * 2)

struct rule_counter {
	char name[CW_RULE_NAME_MAX + 1];
	uint64_t fired[CW_SEV__COUNT];
	uint64_t suppressed;
};

struct cw_metrics {
	_Atomic uint64_t events[CW_TOPIC__COUNT][CW_EV__COUNT];
	_Atomic uint64_t invalid[CW_INVALID__COUNT];
	_Atomic uint64_t late;
	_Atomic uint64_t duplicates;
	_Atomic uint64_t redis_errors;
	_Atomic uint64_t batches;
	_Atomic uint64_t batch_msgs;
	_Atomic uint64_t redis_cmds;
	_Atomic uint64_t redis_exchanges;
	_Atomic int64_t watermark_ms;
	_Atomic int64_t input_lag_ms;
	_Atomic int reload_ok;
	_Atomic int64_t reload_time;
	_Atomic int ready;

	pthread_mutex_t lock; /* guards rules[] */
	struct rule_counter rules[METRICS_RULES_MAX];
	size_t nrules;

	struct MHD_Daemon *httpd;
};

int cw_metrics_new(struct cw_metrics **out)
{
	struct cw_metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	pthread_mutex_init(&m->lock, NULL);
	atomic_store(&m->reload_ok, 1);
	*out = m;
	return 0;
}

void cw_metrics_free(struct cw_metrics *m)
{
	if (!m)
		return;
	if (m->httpd)
		MHD_stop_daemon(m->httpd);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void cw_metrics_event(struct cw_metrics *m, enum cw_topic_kind t,
		      enum cw_event_type type)
{
	atomic_fetch_add_explicit(&m->events[t][type], 1, memory_order_relaxed);
}

void cw_metrics_invalid(struct cw_metrics *m, enum cw_invalid why)
{
	atomic_fetch_add_explicit(&m->invalid[why], 1, memory_order_relaxed);
}

void cw_metrics_late(struct cw_metrics *m)
{
	atomic_fetch_add_explicit(&m->late, 1, memory_order_relaxed);
}

void cw_metrics_duplicate(struct cw_metrics *m)
{
	atomic_fetch_add_explicit(&m->duplicates, 1, memory_order_relaxed);
}

void cw_metrics_redis_error(struct cw_metrics *m)
{
	atomic_fetch_add_explicit(&m->redis_errors, 1, memory_order_relaxed);
}

void cw_metrics_set_watermark(struct cw_metrics *m, int64_t ms)
{
	atomic_store(&m->watermark_ms, ms);
}

void cw_metrics_set_input_lag(struct cw_metrics *m, int64_t ms)
{
	atomic_store(&m->input_lag_ms, ms);
}

void cw_metrics_set_reload(struct cw_metrics *m, int success, int64_t unix_s)
{
	atomic_store(&m->reload_ok, success);
	atomic_store(&m->reload_time, unix_s);
}

void cw_metrics_set_ready(struct cw_metrics *m, int ready)
{
	atomic_store(&m->ready, ready);
}

int cw_metrics_ready(struct cw_metrics *m)
{
	return atomic_load(&m->ready);
}

void cw_metrics_batch(struct cw_metrics *m, uint64_t msgs,
		      uint64_t redis_cmds, uint64_t redis_exchanges)
{
	atomic_fetch_add_explicit(&m->batches, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->batch_msgs, msgs, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->redis_cmds, redis_cmds, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->redis_exchanges, redis_exchanges,
				  memory_order_relaxed);
}

void cw_metrics_alert(struct cw_metrics *m, const char *rule,
		      enum cw_severity sev, int suppressed)
{
	pthread_mutex_lock(&m->lock);
	size_t i;
	for (i = 0; i < m->nrules; i++)
		if (!strcmp(m->rules[i].name, rule))
			break;
	if (i == m->nrules && m->nrules < METRICS_RULES_MAX) {
		snprintf(m->rules[i].name, sizeof(m->rules[i].name), "%s", rule);
		m->nrules++;
	}
	if (i < m->nrules) {
		if (suppressed)
			m->rules[i].suppressed++;
		else
			m->rules[i].fired[sev]++;
	}
	pthread_mutex_unlock(&m->lock);
}

/* A growable string for the exposition text. */
struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		if (b->oom)
			return;
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

static uint64_t ld(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_events(struct cw_metrics *m, struct sbuf *b)
{
	sb_printf(b, "# HELP churnwatch_events_total Valid events consumed.\n"
		     "# TYPE churnwatch_events_total counter\n");
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		for (int e = 0; e < CW_EV__COUNT; e++)
			if (cw_event_type_topic((enum cw_event_type)e) == (enum cw_topic_kind)t)
				sb_printf(b, "churnwatch_events_total{topic=\"%s\",type=\"%s\"} %llu\n",
					  cw_topic_kind_str((enum cw_topic_kind)t),
					  cw_event_type_str((enum cw_event_type)e),
					  (unsigned long long)ld(&m->events[t][e]));
	sb_printf(b, "# HELP churnwatch_events_invalid_total Rejected inputs, sent to the dead-letter topic.\n"
		     "# TYPE churnwatch_events_invalid_total counter\n");
	for (int r = 1; r < CW_INVALID__COUNT; r++)
		sb_printf(b, "churnwatch_events_invalid_total{reason=\"%s\"} %llu\n",
			  cw_invalid_str((enum cw_invalid)r),
			  (unsigned long long)ld(&m->invalid[r]));
	sb_printf(b, "# HELP churnwatch_events_late_total Events older than the watermark (applied, never retract alerts).\n"
		     "# TYPE churnwatch_events_late_total counter\n"
		     "churnwatch_events_late_total %llu\n"
		     "# HELP churnwatch_events_duplicate_total Events whose event_id was already seen.\n"
		     "# TYPE churnwatch_events_duplicate_total counter\n"
		     "churnwatch_events_duplicate_total %llu\n",
		  (unsigned long long)ld(&m->late),
		  (unsigned long long)ld(&m->duplicates));
}

static void render_alerts(struct cw_metrics *m, struct sbuf *b)
{
	sb_printf(b, "# HELP churnwatch_alerts_total Alerts published.\n"
		     "# TYPE churnwatch_alerts_total counter\n");
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nrules; i++)
		for (int s = 0; s < CW_SEV__COUNT; s++)
			if (m->rules[i].fired[s])
				sb_printf(b, "churnwatch_alerts_total{rule=\"%s\",severity=\"%s\"} %llu\n",
					  m->rules[i].name,
					  cw_severity_str((enum cw_severity)s),
					  (unsigned long long)m->rules[i].fired[s]);
	sb_printf(b, "# HELP churnwatch_alerts_suppressed_total Alerts held back by a rule's limit.\n"
		     "# TYPE churnwatch_alerts_suppressed_total counter\n");
	for (size_t i = 0; i < m->nrules; i++)
		if (m->rules[i].suppressed)
			sb_printf(b, "churnwatch_alerts_suppressed_total{rule=\"%s\"} %llu\n",
				  m->rules[i].name,
				  (unsigned long long)m->rules[i].suppressed);
	pthread_mutex_unlock(&m->lock);
}

char *cw_metrics_render(struct cw_metrics *m)
{
	struct sbuf b = {0};
	render_events(m, &b);
	render_alerts(m, &b);
	sb_printf(&b,
		  "# HELP churnwatch_watermark_seconds Event-time watermark.\n"
		  "# TYPE churnwatch_watermark_seconds gauge\n"
		  "churnwatch_watermark_seconds %.3f\n"
		  "# HELP churnwatch_input_lag_seconds Wall clock minus the Kafka timestamp of the newest message taken.\n"
		  "# TYPE churnwatch_input_lag_seconds gauge\n"
		  "churnwatch_input_lag_seconds %.3f\n"
		  "# HELP churnwatch_rules_last_reload_success 1 if the last rule load succeeded.\n"
		  "# TYPE churnwatch_rules_last_reload_success gauge\n"
		  "churnwatch_rules_last_reload_success %d\n"
		  "# HELP churnwatch_rules_last_reload_timestamp_seconds Time of the last rule load attempt.\n"
		  "# TYPE churnwatch_rules_last_reload_timestamp_seconds gauge\n"
		  "churnwatch_rules_last_reload_timestamp_seconds %lld\n"
		  "# HELP churnwatch_redis_errors_total Failed Redis exchanges.\n"
		  "# TYPE churnwatch_redis_errors_total counter\n"
		  "churnwatch_redis_errors_total %llu\n"
		  "# HELP churnwatch_batches_total Batches committed.\n"
		  "# TYPE churnwatch_batches_total counter\n"
		  "churnwatch_batches_total %llu\n"
		  "# HELP churnwatch_batch_messages_total Messages in committed batches.\n"
		  "# TYPE churnwatch_batch_messages_total counter\n"
		  "churnwatch_batch_messages_total %llu\n"
		  "# HELP churnwatch_redis_commands_total Redis commands sent.\n"
		  "# TYPE churnwatch_redis_commands_total counter\n"
		  "churnwatch_redis_commands_total %llu\n"
		  "# HELP churnwatch_redis_roundtrips_total Redis network round trips.\n"
		  "# TYPE churnwatch_redis_roundtrips_total counter\n"
		  "churnwatch_redis_roundtrips_total %llu\n"
		  "# HELP churnwatch_ready 1 while consuming.\n"
		  "# TYPE churnwatch_ready gauge\n"
		  "churnwatch_ready %d\n",
		  (double)atomic_load(&m->watermark_ms) / 1000.0,
		  (double)atomic_load(&m->input_lag_ms) / 1000.0,
		  atomic_load(&m->reload_ok),
		  (long long)atomic_load(&m->reload_time),
		  (unsigned long long)ld(&m->redis_errors),
		  (unsigned long long)ld(&m->batches),
		  (unsigned long long)ld(&m->batch_msgs),
		  (unsigned long long)ld(&m->redis_cmds),
		  (unsigned long long)ld(&m->redis_exchanges),
		  atomic_load(&m->ready));
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status,
				 char *body, int owned)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(body), body,
		owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type",
				"text/plain; version=0.0.4; charset=utf-8");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct cw_metrics *m = cls;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return send_text(c, 405, "method not allowed\n", 0);
	if (!strcmp(url, "/metrics")) {
		char *body = cw_metrics_render(m);
		return body ? send_text(c, 200, body, 1)
			    : send_text(c, 500, "out of memory\n", 0);
	}
	if (!strcmp(url, "/healthz"))
		return send_text(c, 200, "ok\n", 0);
	if (!strcmp(url, "/readyz"))
		return cw_metrics_ready(m) ? send_text(c, 200, "ready\n", 0)
					   : send_text(c, 503, "not ready\n", 0);
	return send_text(c, 404, "not found\n", 0);
}

int cw_metrics_listen(struct cw_metrics *m, const char *listen, char *err,
		      size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[64];
	const char *colon;
	char *end;

	if (!listen || !*listen)
		return 0;
	colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof(host)) {
		snprintf(err, errlen, "metrics.listen '%s': expected host:port", listen);
		return -1;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa.sin_addr) != 1) {
		snprintf(err, errlen, "metrics.listen '%s': expected IPv4 host:port", listen);
		return -1;
	}
	sa.sin_port = htons((uint16_t)port);
	m->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
					    MHD_USE_ERROR_LOG,
				    (uint16_t)port, NULL, NULL, handle, m,
				    MHD_OPTION_SOCK_ADDR, &sa,
				    MHD_OPTION_CONNECTION_LIMIT, 64,
				    MHD_OPTION_CONNECTION_TIMEOUT, 10,
				    MHD_OPTION_END);
	if (!m->httpd) {
		snprintf(err, errlen, "metrics.listen '%s': cannot listen", listen);
		return -1;
	}
	return 0;
}
