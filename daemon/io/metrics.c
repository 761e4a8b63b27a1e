/*
 * metrics.c — counters and their HTTP exposition.
 */
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>

#include <microhttpd.h>

#include "cw/engine.h"
#include "cw/metrics.h"
#include "cw/state.h"
#include "cw/sbuf.h"

#define METRICS_RULES_MAX (CW_RULES_MAX * 2)
#define METRICS_CONN_MAX 256     /* connections in all */
#define METRICS_CONN_PER_IP 16   /* from one address */
#define METRICS_IDLE_S 5         /* an idle or trickling connection is closed */

struct rule_counter {
	char name[CW_RULE_NAME_MAX + 1];
	uint64_t fired[CW_SEV__COUNT];
	uint64_t suppressed;
	uint64_t evaluations;
	uint64_t outcomes[3];      /* saved, lost, retained (loop.h) */
	enum cw_severity severity; /* of the loaded rule, for the 0 series */
};

/* Retention tasks by queue and kind (enum cw_task_kind, NEW..OVER_BUDGET). */
#define METRICS_QUEUES_MAX 64
struct queue_counter {
	char name[CW_TASK_QUEUE_MAX + 1];
	uint64_t tasks[4];
};

/* Prometheus histogram buckets (seconds), shared by both histograms. */
static const double hist_le[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
				 0.5,	1,    2.5,   5,	   10,	30};
#define HIST_N (sizeof(hist_le) / sizeof(hist_le[0]))

struct histogram {
	_Atomic uint64_t bucket[HIST_N + 1]; /* last: +Inf */
	_Atomic uint64_t count;
	_Atomic uint64_t sum_us;
};

#define LAG_PARTS 256

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
	_Atomic uint64_t dlq_produced;
	_Atomic uint64_t dlq_failed;
	_Atomic int64_t outbox_depth;
	_Atomic int64_t alerts_held;
	_Atomic uint64_t redis_oom;
	_Atomic uint64_t state_too_large;
	_Atomic uint64_t fenced;
	_Atomic uint64_t contacts[CW_RESULT__COUNT]; /* by contact result */
	_Atomic uint64_t churn[2];                   /* deactivated, forced */
	_Atomic int redis_noeviction;
	_Atomic int64_t redis_evicted;
	struct histogram batch_hist;
	struct histogram latency_hist;
	double start_time; /* unix seconds */

	pthread_mutex_t lock; /* guards rules[], queues[], rules_version, lag[] */
	struct rule_counter rules[METRICS_RULES_MAX];
	size_t nrules;
	struct queue_counter queues[METRICS_QUEUES_MAX];
	size_t nqueues;
	char rules_version[65];
	int64_t lag[CW_TOPIC__COUNT][LAG_PARTS]; /* -1: unknown/unassigned */

	struct MHD_Daemon *httpd;
};

int cw_metrics_new(struct cw_metrics **out)
{
	struct cw_metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	struct timespec ts;

	pthread_mutex_init(&m->lock, NULL);
	atomic_store(&m->reload_ok, 1);
	clock_gettime(CLOCK_REALTIME, &ts);
	m->start_time = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		for (int i = 0; i < LAG_PARTS; i++)
			m->lag[t][i] = -1;
	*out = m;
	return 0;
}

/* Find or add a rule's counters; the lock must be held. */
static struct rule_counter *rule_slot(struct cw_metrics *m, const char *rule)
{
	for (size_t i = 0; i < m->nrules; i++)
		if (!strcmp(m->rules[i].name, rule))
			return &m->rules[i];
	if (m->nrules == METRICS_RULES_MAX)
		return NULL;
	struct rule_counter *r = &m->rules[m->nrules++];
	snprintf(r->name, sizeof(r->name), "%s", rule);
	return r;
}

void cw_metrics_set_rules(struct cw_metrics *m, const struct cw_ruleset *rs)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; rs && i < rs->nrules; i++) {
		struct rule_counter *r = rule_slot(m, rs->rules[i].name);

		if (r)
			r->severity = rs->rules[i].severity;
	}
	snprintf(m->rules_version, sizeof(m->rules_version), "%s",
		 rs ? rs->version : "");
	pthread_mutex_unlock(&m->lock);
}

void cw_metrics_rule_evaluations(struct cw_metrics *m,
				 const struct cw_ruleset *rs,
				 const uint64_t *evals)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < rs->nrules; i++) {
		struct rule_counter *r;

		if (!evals[i] || !(r = rule_slot(m, rs->rules[i].name)))
			continue;
		r->evaluations += evals[i];
	}
	pthread_mutex_unlock(&m->lock);
}

static void hist_observe(struct histogram *h, double seconds)
{
	size_t i = 0;

	if (seconds < 0)
		seconds = 0;
	while (i < HIST_N && seconds > hist_le[i])
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (uint64_t)(seconds * 1e6),
				  memory_order_relaxed);
}

void cw_metrics_observe_batch(struct cw_metrics *m, double seconds)
{
	hist_observe(&m->batch_hist, seconds);
}

void cw_metrics_observe_alert_latency(struct cw_metrics *m, double seconds)
{
	hist_observe(&m->latency_hist, seconds);
}

void cw_metrics_dlq(struct cw_metrics *m, int delivered)
{
	atomic_fetch_add_explicit(delivered ? &m->dlq_produced : &m->dlq_failed,
				  1, memory_order_relaxed);
}

void cw_metrics_state_too_large(struct cw_metrics *m)
{
	atomic_fetch_add_explicit(&m->state_too_large, 1, memory_order_relaxed);
}

void cw_metrics_fenced(struct cw_metrics *m)
{
	atomic_fetch_add_explicit(&m->fenced, 1, memory_order_relaxed);
}

void cw_metrics_redis_oom(struct cw_metrics *m)
{
	atomic_fetch_add_explicit(&m->redis_oom, 1, memory_order_relaxed);
}

void cw_metrics_set_redis_memory(struct cw_metrics *m, int noeviction,
				 long long evicted)
{
	atomic_store(&m->redis_noeviction, noeviction);
	atomic_store(&m->redis_evicted, (int64_t)evicted);
}

void cw_metrics_set_outbox_depth(struct cw_metrics *m, int64_t n)
{
	atomic_store(&m->outbox_depth, n);
}

void cw_metrics_set_alerts_held(struct cw_metrics *m, int64_t n)
{
	atomic_store(&m->alerts_held, n);
}

void cw_metrics_set_consumer_lag(struct cw_metrics *m, enum cw_topic_kind t,
				 int32_t partition, int64_t lag)
{
	if (partition < 0 || partition >= LAG_PARTS || t >= CW_TOPIC__COUNT)
		return;
	pthread_mutex_lock(&m->lock);
	m->lag[t][partition] = lag;
	pthread_mutex_unlock(&m->lock);
}

void cw_metrics_clear_consumer_lag(struct cw_metrics *m)
{
	pthread_mutex_lock(&m->lock);
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		for (int i = 0; i < LAG_PARTS; i++)
			m->lag[t][i] = -1;
	pthread_mutex_unlock(&m->lock);
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

void cw_metrics_late(struct cw_metrics *m, uint64_t n)
{
	atomic_fetch_add_explicit(&m->late, n, memory_order_relaxed);
}

void cw_metrics_duplicate(struct cw_metrics *m, uint64_t n)
{
	atomic_fetch_add_explicit(&m->duplicates, n, memory_order_relaxed);
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
	struct rule_counter *r = rule_slot(m, rule);
	if (r) {
		if (suppressed)
			r->suppressed++;
		else
			r->fired[sev]++;
	}
	pthread_mutex_unlock(&m->lock);
}

static const char *const outcome_names[3] = {"saved", "lost", "retained"};

void cw_metrics_count(struct cw_metrics *m, const char *field, int64_t delta)
{
	static const char *const results[CW_RESULT__COUNT] = {
		"", "reached", "no_answer", "refused"};

	if (delta <= 0)
		return;
	if (!strcmp(field, "deact") || !strcmp(field, "forced")) {
		atomic_fetch_add(&m->churn[field[0] == 'f'], (uint64_t)delta);
		return;
	}
	if (!strncmp(field, "contacts:result:", 16)) {
		for (int r = 1; r < CW_RESULT__COUNT; r++)
			if (!strcmp(field + 16, results[r]))
				atomic_fetch_add(&m->contacts[r], (uint64_t)delta);
		return;
	}
	for (int k = 0; k < 3; k++) {
		size_t n = strlen(outcome_names[k]);
		if (strncmp(field, outcome_names[k], n) || strncmp(field + n, ":rule:", 6))
			continue;
		pthread_mutex_lock(&m->lock);
		struct rule_counter *r = rule_slot(m, field + n + 6);
		if (r)
			r->outcomes[k] += (uint64_t)delta;
		pthread_mutex_unlock(&m->lock);
		return;
	}
}

void cw_metrics_task(struct cw_metrics *m, const char *queue, int kind)
{
	if (!queue || kind <= CW_TASK_NONE || kind > CW_TASK_OVER_BUDGET)
		return;
	pthread_mutex_lock(&m->lock);
	size_t i = 0;
	while (i < m->nqueues && strcmp(m->queues[i].name, queue))
		i++;
	if (i == m->nqueues && m->nqueues < METRICS_QUEUES_MAX)
		snprintf(m->queues[m->nqueues++].name, sizeof(m->queues[0].name), "%s", queue);
	if (i < m->nqueues)
		m->queues[i].tasks[kind]++;
	pthread_mutex_unlock(&m->lock);
}

static uint64_t ld(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_events(struct cw_metrics *m, struct cw_sbuf *b)
{
	cw_sbuf_printf(b, "# HELP churnwatch_events_total Valid events consumed.\n"
		     "# TYPE churnwatch_events_total counter\n");
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		for (int e = 0; e < CW_EV__COUNT; e++)
			if (cw_event_type_topic((enum cw_event_type)e) == (enum cw_topic_kind)t)
				cw_sbuf_printf(b, "churnwatch_events_total{topic=\"%s\",type=\"%s\"} %llu\n",
					  cw_topic_kind_str((enum cw_topic_kind)t),
					  cw_event_type_str((enum cw_event_type)e),
					  (unsigned long long)ld(&m->events[t][e]));
	cw_sbuf_printf(b, "# HELP churnwatch_events_invalid_total Rejected inputs, sent to the dead-letter topic.\n"
		     "# TYPE churnwatch_events_invalid_total counter\n");
	for (int r = 1; r < CW_INVALID__COUNT; r++)
		cw_sbuf_printf(b, "churnwatch_events_invalid_total{reason=\"%s\"} %llu\n",
			  cw_invalid_str((enum cw_invalid)r),
			  (unsigned long long)ld(&m->invalid[r]));
	cw_sbuf_printf(b, "# HELP churnwatch_events_late_total Events older than the watermark (applied, never retract alerts; counted when their batch is durable).\n"
		     "# TYPE churnwatch_events_late_total counter\n"
		     "churnwatch_events_late_total %llu\n"
		     "# HELP churnwatch_events_duplicate_total Events whose event_id was already seen (counted when their batch is durable).\n"
		     "# TYPE churnwatch_events_duplicate_total counter\n"
		     "churnwatch_events_duplicate_total %llu\n",
		  (unsigned long long)ld(&m->late),
		  (unsigned long long)ld(&m->duplicates));
}

/* Every loaded rule has its series from the start, at 0 (Prometheus:
 * a series that appears only on the first alert breaks rate()). */
static void render_alerts(struct cw_metrics *m, struct cw_sbuf *b)
{
	cw_sbuf_printf(b, "# HELP churnwatch_alerts_total Alerts published.\n"
		     "# TYPE churnwatch_alerts_total counter\n");
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nrules; i++)
		for (int s = 0; s < CW_SEV__COUNT; s++)
			if (m->rules[i].fired[s] || (int)m->rules[i].severity == s)
				cw_sbuf_printf(b, "churnwatch_alerts_total{rule=\"%s\",severity=\"%s\"} %llu\n",
					  m->rules[i].name,
					  cw_severity_str((enum cw_severity)s),
					  (unsigned long long)m->rules[i].fired[s]);
	cw_sbuf_printf(b, "# HELP churnwatch_alerts_suppressed_total Alerts held back by a rule's limit.\n"
		     "# TYPE churnwatch_alerts_suppressed_total counter\n");
	for (size_t i = 0; i < m->nrules; i++)
		cw_sbuf_printf(b, "churnwatch_alerts_suppressed_total{rule=\"%s\"} %llu\n",
			  m->rules[i].name,
			  (unsigned long long)m->rules[i].suppressed);
	cw_sbuf_printf(b, "# HELP churnwatch_retention_tasks_total Published alerts by retention queue and what they did to the subscriber's task (new, attached, over_budget).\n"
		     "# TYPE churnwatch_retention_tasks_total counter\n");
	for (size_t i = 0; i < m->nqueues; i++)
		for (int k = CW_TASK_NEW; k <= CW_TASK_OVER_BUDGET; k++)
			cw_sbuf_printf(b, "churnwatch_retention_tasks_total{queue=\"%s\",task=\"%s\"} %llu\n",
				       m->queues[i].name,
				       k == CW_TASK_NEW ? "new" : k == CW_TASK_ATTACHED ? "attached"
										 : "over_budget",
				       (unsigned long long)m->queues[i].tasks[k]);
	cw_sbuf_printf(b, "# HELP churnwatch_retention_outcomes_total What became of retention tasks, by the rule that opened them: saved (outcome event), lost (outcome event, or churn soon after), retained (active retention.retained_after after a contact).\n"
		     "# TYPE churnwatch_retention_outcomes_total counter\n");
	for (size_t i = 0; i < m->nrules; i++)
		for (int k = 0; k < 3; k++)
			if (m->rules[i].outcomes[k])
				cw_sbuf_printf(b, "churnwatch_retention_outcomes_total{rule=\"%s\",outcome=\"%s\"} %llu\n",
					       m->rules[i].name, outcome_names[k],
					       (unsigned long long)m->rules[i].outcomes[k]);
	cw_sbuf_printf(b, "# HELP churnwatch_retention_contacts_total Contacts of retention tasks by result.\n"
		     "# TYPE churnwatch_retention_contacts_total counter\n");
	for (int r = 1; r < CW_RESULT__COUNT; r++)
		cw_sbuf_printf(b, "churnwatch_retention_contacts_total{result=\"%s\"} %llu\n",
			       cw_contact_result_str((enum cw_contact_result)r),
			       (unsigned long long)ld(&m->contacts[r]));
	cw_sbuf_printf(b, "# HELP churnwatch_churn_total Subscribers who churned, in event time: deactivated, or forced (silent retention.forced_churn).\n"
		     "# TYPE churnwatch_churn_total counter\n"
		     "churnwatch_churn_total{kind=\"deactivated\"} %llu\n"
		     "churnwatch_churn_total{kind=\"forced\"} %llu\n",
		     (unsigned long long)ld(&m->churn[0]),
		     (unsigned long long)ld(&m->churn[1]));
	cw_sbuf_printf(b, "# HELP churnwatch_rule_evaluations_total Times a rule judged a subscriber (event or timer).\n"
		     "# TYPE churnwatch_rule_evaluations_total counter\n");
	for (size_t i = 0; i < m->nrules; i++)
		cw_sbuf_printf(b, "churnwatch_rule_evaluations_total{rule=\"%s\"} %llu\n",
			  m->rules[i].name,
			  (unsigned long long)m->rules[i].evaluations);
	cw_sbuf_printf(b, "# HELP churnwatch_rules_info The loaded rule set.\n"
		     "# TYPE churnwatch_rules_info gauge\n"
		     "churnwatch_rules_info{version=\"%s\"} 1\n",
		  m->rules_version);
	cw_sbuf_printf(b, "# HELP churnwatch_consumer_lag_messages Messages behind the end of each assigned partition (librdkafka statistics).\n"
		     "# TYPE churnwatch_consumer_lag_messages gauge\n");
	for (int t = 0; t < CW_TOPIC__COUNT; t++)
		for (int i = 0; i < LAG_PARTS; i++)
			if (m->lag[t][i] >= 0)
				cw_sbuf_printf(b, "churnwatch_consumer_lag_messages{topic=\"%s\",partition=\"%d\"} %lld\n",
					  cw_topic_kind_str((enum cw_topic_kind)t), i,
					  (long long)m->lag[t][i]);
	pthread_mutex_unlock(&m->lock);
}

static void render_histogram(struct cw_sbuf *b, const char *name,
			     const char *help, struct histogram *h)
{
	uint64_t cum = 0;

	cw_sbuf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i <= HIST_N; i++) {
		cum += ld(&h->bucket[i]);
		if (i < HIST_N)
			cw_sbuf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name,
				  hist_le[i], (unsigned long long)cum);
		else
			cw_sbuf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
				  (unsigned long long)cum);
	}
	cw_sbuf_printf(b, "%s_sum %.6f\n%s_count %llu\n", name,
		  (double)ld(&h->sum_us) / 1e6, name,
		  (unsigned long long)ld(&h->count));
}

/* The standard process_* metrics (Prometheus client conventions). */
static void render_process(struct cw_metrics *m, struct cw_sbuf *b)
{
	struct rusage ru;
	struct rlimit rl;
	long page = sysconf(_SC_PAGESIZE);
	unsigned long long vsz = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	DIR *d = opendir("/proc/self/fd");
	long fds = 0;
	double cpu = 0;

	if (f) {
		if (fscanf(f, "%llu %llu", &vsz, &rss) != 2)
			vsz = rss = 0;
		fclose(f);
	}
	if (d) {
		struct dirent *de;

		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				fds++;
		closedir(d);
		fds--; /* the directory stream itself */
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		      (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		rl.rlim_cur = 0;
	cw_sbuf_printf(b,
		  "# HELP process_cpu_seconds_total User and system CPU time.\n"
		  "# TYPE process_cpu_seconds_total counter\n"
		  "process_cpu_seconds_total %.3f\n"
		  "# HELP process_resident_memory_bytes Resident memory.\n"
		  "# TYPE process_resident_memory_bytes gauge\n"
		  "process_resident_memory_bytes %llu\n"
		  "# HELP process_virtual_memory_bytes Virtual memory.\n"
		  "# TYPE process_virtual_memory_bytes gauge\n"
		  "process_virtual_memory_bytes %llu\n"
		  "# HELP process_start_time_seconds Start time since the epoch.\n"
		  "# TYPE process_start_time_seconds gauge\n"
		  "process_start_time_seconds %.3f\n"
		  "# HELP process_open_fds Open file descriptors.\n"
		  "# TYPE process_open_fds gauge\n"
		  "process_open_fds %ld\n"
		  "# HELP process_max_fds File descriptor limit.\n"
		  "# TYPE process_max_fds gauge\n"
		  "process_max_fds %llu\n",
		  cpu, rss * (unsigned long long)page,
		  vsz * (unsigned long long)page, m->start_time, fds < 0 ? 0 : fds,
		  (unsigned long long)rl.rlim_cur);
}

char *cw_metrics_render(struct cw_metrics *m)
{
	struct cw_sbuf b = {0};
	cw_sbuf_printf(&b, "# HELP churnwatch_build_info The running build.\n"
		      "# TYPE churnwatch_build_info gauge\n"
		      "churnwatch_build_info{version=\"%s\"} 1\n",
		  CW_VERSION);
	render_events(m, &b);
	render_alerts(m, &b);
	render_histogram(&b, "churnwatch_batch_duration_seconds",
			 "Time to process one batch (read, apply, commit).",
			 &m->batch_hist);
	render_histogram(&b, "churnwatch_alert_latency_seconds",
			 "From the Kafka timestamp of the newest message of the batch that raised an alert to Kafka's acknowledgement of the alert.",
			 &m->latency_hist);
	render_process(m, &b);
	cw_sbuf_printf(&b,
		  "# HELP churnwatch_dead_letters_total Dead letters acknowledged by Kafka.\n"
		  "# TYPE churnwatch_dead_letters_total counter\n"
		  "churnwatch_dead_letters_total %llu\n"
		  "# HELP churnwatch_dead_letters_failed_total Dead letters Kafka refused (logged instead).\n"
		  "# TYPE churnwatch_dead_letters_failed_total counter\n"
		  "churnwatch_dead_letters_failed_total %llu\n"
		  "# HELP churnwatch_outbox_depth Alerts published but not yet acknowledged by Kafka (kept in the Redis outbox until then).\n"
		  "# TYPE churnwatch_outbox_depth gauge\n"
		  "churnwatch_outbox_depth %lld\n"
		  "# HELP churnwatch_alerts_held Alerts of rules with a limit waiting for their event-time day to close (the day's best are then published).\n"
		  "# TYPE churnwatch_alerts_held gauge\n"
		  "churnwatch_alerts_held %lld\n"
		  "# HELP churnwatch_state_too_large_total Subscriber states over the blob limit (their batch's events dead-lettered).\n"
		  "# TYPE churnwatch_state_too_large_total counter\n"
		  "churnwatch_state_too_large_total %llu\n"
		  "# HELP churnwatch_redis_oom_total Batches Redis refused for lack of memory (retried; nothing skipped).\n"
		  "# TYPE churnwatch_redis_oom_total counter\n"
		  "churnwatch_redis_oom_total %llu\n"
		  "# HELP churnwatch_fenced_batches_total Batches refused because another instance took over their partitions (fencing).\n"
		  "# TYPE churnwatch_fenced_batches_total counter\n"
		  "churnwatch_fenced_batches_total %llu\n"
		  "# HELP churnwatch_redis_noeviction 1 if Redis's maxmemory-policy is noeviction (checked every minute).\n"
		  "# TYPE churnwatch_redis_noeviction gauge\n"
		  "churnwatch_redis_noeviction %d\n"
		  "# HELP churnwatch_redis_evicted_keys Keys Redis reports it has evicted (INFO stats).\n"
		  "# TYPE churnwatch_redis_evicted_keys gauge\n"
		  "churnwatch_redis_evicted_keys %lld\n",
		  (unsigned long long)ld(&m->dlq_produced),
		  (unsigned long long)ld(&m->dlq_failed),
		  (long long)atomic_load(&m->outbox_depth),
		  (long long)atomic_load(&m->alerts_held),
		  (unsigned long long)ld(&m->state_too_large),
		  (unsigned long long)ld(&m->redis_oom),
		  (unsigned long long)ld(&m->fenced),
		  atomic_load(&m->redis_noeviction),
		  (long long)atomic_load(&m->redis_evicted));
	cw_sbuf_printf(&b,
		  "# HELP churnwatch_watermark_seconds Event-time watermark.\n"
		  "# TYPE churnwatch_watermark_seconds gauge\n"
		  "churnwatch_watermark_seconds %.3f\n"
		  "# HELP churnwatch_input_lag_seconds Wall clock minus the Kafka timestamp of the newest message taken.\n"
		  "# TYPE churnwatch_input_lag_seconds gauge\n"
		  "churnwatch_input_lag_seconds %.3f\n"
		  "# HELP churnwatch_rules_last_reload_success 1 if the last rule load succeeded.\n"
		  "# TYPE churnwatch_rules_last_reload_success gauge\n"
		  "churnwatch_rules_last_reload_success %d\n"
		  "# HELP churnwatch_rules_last_reload_timestamp_seconds Time of the last rule load attempt (the initial load included).\n"
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

static int metrics_parse_listen(const char *listen, struct sockaddr_in *sa,
				char *err, size_t errlen)
{
	char host[64];
	const char *colon;
	char *end;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof(host)) {
		snprintf(err, errlen, "metrics.listen '%s': expected host:port", listen);
		return -1;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) != 1) {
		snprintf(err, errlen, "metrics.listen '%s': expected IPv4 host:port", listen);
		return -1;
	}
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

int cw_metrics_check_listen(const char *listen, char *err, size_t errlen)
{
	struct sockaddr_in sa;

	if (!listen || !*listen)
		return 0;
	return metrics_parse_listen(listen, &sa, err, errlen);
}

int cw_metrics_listen(struct cw_metrics *m, const char *listen, char *err,
		      size_t errlen)
{
	struct sockaddr_in sa;

	if (!listen || !*listen)
		return 0;
	if (metrics_parse_listen(listen, &sa, err, errlen) < 0)
		return -1;
	/* One event-driven thread serves every connection, so a slow client
	 * holds a socket, not the server; the per-IP limit and the idle
	 * timeout keep slow or abusive clients from using up the sockets a
	 * probe or Prometheus needs. */
	m->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
					    MHD_USE_AUTO | MHD_USE_ERROR_LOG,
				    ntohs(sa.sin_port), NULL, NULL, handle, m,
				    MHD_OPTION_SOCK_ADDR, &sa,
				    MHD_OPTION_CONNECTION_LIMIT, METRICS_CONN_MAX,
				    MHD_OPTION_PER_IP_CONNECTION_LIMIT, METRICS_CONN_PER_IP,
				    MHD_OPTION_CONNECTION_TIMEOUT, METRICS_IDLE_S,
				    MHD_OPTION_END);
	if (!m->httpd) {
		snprintf(err, errlen, "metrics.listen '%s': cannot listen", listen);
		return -1;
	}
	return 0;
}
