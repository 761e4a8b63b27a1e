/*
 * churnwatchd — real-time churn early warning.
 *
 * Signals only set flags; the loop acts on them between batches:
 *   SIGHUP   re-read the configuration, rules, plans and networks (all
 *            or nothing); settings that need a restart are named
 *   SIGTERM  finish the batch in flight, commit, exit 0
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "cw/conf.h"
#include "cw/event.h"
#include "cw/failpoint.h"
#include "cw/kafka.h"
#include "cw/log.h"
#include "cw/metrics.h"
#include "cw/pipeline.h"
#include "cw/refdata.h"
#include "cw/model.h"
#include "cw/runtime.h"
#include "cw/state.h"
#include "cw/store.h"

#define DEFAULT_CONFIG CW_CONFDIR "/churnwatch.yaml"
#define ERRLEN 8192

static volatile sig_atomic_t got_term;
static volatile sig_atomic_t got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct daemon_ctx {
	uint64_t watchdog_usec;
	struct timespec last_ping;
};

static void watchdog_ping(void *opaque)
{
	struct daemon_ctx *d = opaque;
	struct timespec now;
	if (!d->watchdog_usec)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t el = (uint64_t)(now.tv_sec - d->last_ping.tv_sec) * 1000000 +
		      (uint64_t)((now.tv_nsec - d->last_ping.tv_nsec) / 1000);
	if (el >= d->watchdog_usec / 2) {
		sd_notify(0, "WATCHDOG=1");
		d->last_ping = now;
	}
}

static int should_stop(void *opaque)
{
	(void)opaque;
	return got_term;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: churnwatchd [-c CONFIG] [--check-config] [--version] [--help]\n"
		"\n"
		"  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
		"  -t, --check-config  validate config, rules and reference data; exit 0/1\n"
		"  -v, --verbose       debug logging\n"
		"  -V, --version       print the version\n"
		"  -h, --help          this text, and every configuration key\n"
		"\n"
		"Exit codes: 0 clean stop, 1 bad config/rules, 2 a dependency was\n"
		"unreachable at start-up within startup.retry_budget.\n\n"
		"Configuration keys:\n");
	cw_conf_print_reference(out);
}

/* A reload that keeps less history than before loses it for good: each
 * subscriber's next write drops the older days. Say so. */
static void warn_narrowed(const struct cw_state_profile *was,
			  const struct cw_state_profile *now)
{
	static const char *const names[CW_D__COUNT] = {
		"revenue", "calls out", "calls in", "sms out", "data bytes",
		"seconds out", "off-net calls", "forwarded off-net calls",
		"suspensions", "arrears suspensions", "recharges",
		"recharge amount", "late payments", "port-out requests",
	};

	for (int f = 0; f < CW_D__COUNT; f++)
		if (now->keep_days[f] < was->keep_days[f])
			log_warn("reload: the rules now keep %u days of %s instead "
				 "of %u; older days are dropped as subscribers are "
				 "written, and come back only with new events",
				 now->keep_days[f], names[f], was->keep_days[f]);
	if (now->keep_months < was->keep_months)
		log_warn("reload: the rules now keep %u months of revenue instead "
			 "of %u; older months are dropped", now->keep_months,
			 was->keep_months);
	if (now->peer_days < was->peer_days)
		log_warn("reload: distinct contacts are now kept for %u days "
			 "instead of %u; older contacts are dropped",
			 now->peer_days, was->peer_days);
}

/* A score rule left without a model is legal (the shipped risk-high is
 * inert until a model is configured) but the operator should know. */
static void warn_inert(const struct cw_runtime *rt)
{
	char msg[4096];

	if (cw_runtime_inert_rules(rt, msg, sizeof(msg)) > 0)
		log_notice("%s", msg);
}

/*
 * SIGHUP: re-read the configuration file, then rules, plans and networks.
 * Keys that only take effect at start (connections, topics...) are named
 * in the log; the rest is applied with the new rule generation, or not at
 * all when anything fails.
 */
static void reload(struct cw_pipeline *p, struct cw_conf *conf,
		   struct cw_metrics *m, struct cw_failpoint *fp)
{
	char *err = malloc(ERRLEN);
	char restart[1024];
	struct cw_runtime *rt = NULL;
	struct cw_conf fresh;

	sd_notify(0, "RELOADING=1");
	if (!err || cw_conf_init_defaults(&fresh) < 0) {
		log_err("reload: out of memory");
		free(err);
		sd_notify(0, "READY=1");
		return;
	}
	if (cw_conf_load(conf->path, &fresh, err, ERRLEN) < 0 ||
	    cw_runtime_load(&fresh, &rt, err, ERRLEN) < 0 ||
	    cw_kafka_check_alert_size(conf, rt->rules, err, ERRLEN) < 0) {
		cw_runtime_free(rt);
		rt = NULL;
		log_err("reload refused, the running configuration and rules "
			"stay active:\n%s", err);
		cw_metrics_set_reload(m, 0, (int64_t)time(NULL));
	} else {
		const struct cw_runtime *old = cw_pipeline_runtime(p);
		cw_failpoint(fp, "crash-during-reload");
		int nrestart = cw_conf_reload_into(conf, &fresh, restart,
						   sizeof(restart));

		if (nrestart)
			log_warn("reload: changed settings that take effect only "
				 "after a restart: %s", restart);
		cw_log_set_level((enum cw_log_level)conf->log_level);
		log_notice("reloaded %zu rules (version %.12s, was %.12s)",
			   rt->rules->nrules, rt->rules->version,
			   old->rules->version);
		warn_narrowed(&old->engine.profile, &rt->engine.profile);
		warn_inert(rt);
		cw_metrics_set_rules(m, rt->rules);
		cw_pipeline_swap_runtime(p, rt);
		cw_metrics_set_reload(m, 1, (int64_t)time(NULL));
	}
	cw_conf_fini(&fresh);
	free(err);
	sd_notify(0, "READY=1");
}

/*
 * Everything the daemon would refuse at start, refused now (ExecStartPre
 * runs this as the service user, so files and credentials are checked
 * with its permissions). No connection is made.
 */
static int check_static(const struct cw_conf *conf,
			const struct cw_secrets *secrets,
			const struct cw_runtime *rt, char *err, size_t errlen)
{
	if (cw_kafka_check_alert_size(conf, rt->rules, err, errlen) < 0 ||
	    cw_store_check_url(conf->redis_url, err, errlen) < 0 ||
	    cw_metrics_check_listen(conf->metrics_listen, err, errlen) < 0 ||
	    cw_kafka_check_conf(conf, secrets, err, errlen) < 0)
		return -1;
	return 0;
}

static void print_model(const struct cw_runtime *rt)
{
	if (rt->model)
		printf("  model %s (%zu trees, id %s)\n",
		       cw_model_path(rt->model), cw_model_trees(rt->model),
		       cw_model_id(rt->model));
}

static int check_config(const struct cw_conf *conf, struct cw_runtime *rt,
			const struct cw_secrets *secrets)
{
	warn_inert(rt);
	print_model(rt);
	printf("configuration OK: %s\n  %zu rules (version %s)\n  %zu plans, "
	       "%zu network prefixes\n  redis %s%s%s, kafka %s\n",
	       conf->path ? conf->path : "(defaults)", rt->rules->nrules,
	       rt->rules->version, cw_plans_count(rt->plans),
	       cw_networks_prefix_count(rt->nets), conf->redis_url,
	       secrets->redis_password ? " (with password" : "",
	       secrets->redis_password
		       ? (secrets->redis_username ? ", ACL user)" : ")")
		       : "",
	       conf->brokers);
	return 0;
}

/* Once a day's worth of alerts is known from the totals: "alerts today"
 * for STATUS= counts from the last UTC midnight seen by this process. */
struct progress {
	struct timespec last_status, last_log;
	int64_t day;
	uint64_t alerts_at_day_start;
	uint64_t events_at_last_log;
};

static double elapsed_s(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) +
	       (now.tv_nsec - since->tv_nsec) / 1e9;
}

/* systemctl status shows STATUS=; the log gets a line a minute. */
static void report_progress(struct cw_pipeline *p, struct progress *pr)
{
	struct cw_pipeline_stats st;
	char wm[40] = "unknown";
	int64_t today = (int64_t)time(NULL) / 86400;

	if (elapsed_s(&pr->last_status) < 5)
		return;
	clock_gettime(CLOCK_MONOTONIC, &pr->last_status);
	cw_pipeline_get_stats(p, &st);
	if (today != pr->day) {
		pr->day = today;
		pr->alerts_at_day_start = st.alerts;
	}
	if (st.watermark_ms != INT64_MIN)
		cw_time_format_rfc3339(st.watermark_ms, wm, sizeof(wm));
	sd_notifyf(0,
		   "STATUS=%d partitions, watermark %s, input lag %.1fs, "
		   "%" PRIu64 " alerts today",
		   st.partitions, wm, (double)st.input_lag_ms / 1000.0,
		   st.alerts - pr->alerts_at_day_start);
	if (elapsed_s(&pr->last_log) >= 60) {
		double dt = elapsed_s(&pr->last_log);

		clock_gettime(CLOCK_MONOTONIC, &pr->last_log);
		log_info("progress: %" PRIu64 " events (%.0f/s), %" PRIu64
			 " invalid, %" PRIu64 " alerts, input lag %.1fs, "
			 "watermark %s, %d partitions",
			 st.events, (double)(st.events - pr->events_at_last_log) / dt,
			 st.invalid, st.alerts, (double)st.input_lag_ms / 1000.0,
			 wm, st.partitions);
		pr->events_at_last_log = st.events;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = DEFAULT_CONFIG;
	int check = 0, verbose = 0, opt, rc = 1;
	struct cw_conf conf;
	struct cw_runtime *rt = NULL;
	struct cw_metrics *metrics = NULL;
	struct cw_pipeline *p = NULL;
	struct cw_secrets secrets = {0};
	char *err = calloc(1, ERRLEN);
	struct daemon_ctx dctx = {0};
	struct progress prog = {0};
	struct cw_failpoint fp;

	while ((opt = getopt_long(argc, argv, "c:tvVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 't': check = 1; break;
		case 'v': verbose = 1; break;
		case 'V': printf("churnwatchd %s\n", CW_VERSION); free(err); return 0;
		case 'h': usage(stdout); free(err); return 0;
		default: usage(stderr); free(err); return 1;
		}
	}
	if (!err || cw_conf_init_defaults(&conf) < 0) {
		log_err("out of memory");
		free(err);
		return 1;
	}
	/* Every start-up error goes through the logger: under systemd it
	 * carries a priority, so `journalctl -p err` shows why. */
	if (cw_conf_load(path, &conf, err, ERRLEN) < 0) {
		log_err("%s", err);
		goto out;
	}
	cw_log_set_level(verbose ? CW_LOG_DEBUG : (enum cw_log_level)conf.log_level);
	if (cw_failpoint_parse(getenv("CHURNWATCH_FAILPOINT"), &fp, err, ERRLEN) < 0) {
		log_err("%s", err);
		goto out;
	}
	if (fp.name[0])
		log_warn("fault injection armed: %s (CHURNWATCH_FAILPOINT; for "
			 "tests only)", fp.name);
	if (cw_runtime_load(&conf, &rt, err, ERRLEN) < 0) {
		log_err("%s", err);
		goto out;
	}
	if (cw_conf_read_secrets(&conf, &secrets, err, ERRLEN) < 0 ||
	    check_static(&conf, &secrets, rt, err, ERRLEN) < 0) {
		log_err("%s", err);
		cw_runtime_free(rt);
		goto out;
	}
	if (check) {
		rc = check_config(&conf, rt, &secrets);
		cw_runtime_free(rt);
		goto out;
	}
	install_signals();
	if (cw_metrics_new(&metrics) < 0 ||
	    cw_metrics_listen(metrics, conf.metrics_listen, err, ERRLEN) < 0) {
		log_err("%s", metrics ? err : "out of memory");
		cw_runtime_free(rt);
		goto out;
	}
	cw_metrics_set_rules(metrics, rt->rules);
	cw_metrics_set_reload(metrics, 1, (int64_t)time(NULL));
	warn_inert(rt);
	sd_watchdog_enabled(0, &dctx.watchdog_usec);
	clock_gettime(CLOCK_MONOTONIC, &dctx.last_ping);
	log_notice("churnwatchd %s starting: %zu rules (version %.12s), redis %s, kafka %s",
		   CW_VERSION, rt->rules->nrules, rt->rules->version,
		   conf.redis_url, conf.brokers);

	struct cw_pipeline_opts po = {
		.conf = &conf, .metrics = metrics, .secrets = &secrets,
		.heartbeat = watchdog_ping, .heartbeat_ctx = &dctx,
		.should_stop = should_stop, .failpoint = &fp,
	};
	int prc = cw_pipeline_new(&po, rt, &p, err, ERRLEN);
	rt = NULL; /* owned by the pipeline, freed on failure too */
	if (prc != CW_PIPE_OK) {
		log_err("%s", err);
		rc = prc == CW_PIPE_UNREACHABLE ? 2 : 1;
		goto out;
	}
	sd_notify(0, "READY=1");
	log_notice("consuming %s and %s as group %s", conf.topic_cdr,
		   conf.topic_billing, conf.group_id);
	clock_gettime(CLOCK_MONOTONIC, &prog.last_log);
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			reload(p, &conf, metrics, &fp);
		}
		cw_pipeline_step(p);
		if (cw_pipeline_fatal(p)) {
			/* nothing of the batch was acknowledged: it is read
			 * again once the cause is fixed */
			sd_notify(0, "STOPPING=1");
			rc = 1;
			goto out;
		}
		watchdog_ping(&dctx);
		report_progress(p, &prog);
		cw_log_tick();
	}
	sd_notify(0, "STOPPING=1");
	log_notice("stopping: draining the batch in flight");
	cw_pipeline_drain(p);
	rc = 0;
out:
	cw_pipeline_free(p);
	cw_metrics_free(metrics);
	cw_secrets_fini(&secrets);
	cw_conf_fini(&conf);
	free(err);
	return rc;
}
