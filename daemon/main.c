/*
 * churnwatchd — real-time churn early warning.
 *
 * Signals only set flags; the loop acts on them between batches:
 *   SIGHUP   reload rules, plans and networks (all or nothing)
 *   SIGTERM  finish the batch in flight, commit, exit 0
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "cw/conf.h"
#include "cw/log.h"
#include "cw/metrics.h"
#include "cw/pipeline.h"
#include "cw/refdata.h"
#include "cw/runtime.h"

#define DEFAULT_CONFIG "/etc/churnwatch/churnwatch.yaml"
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

static void reload(struct cw_pipeline *p, const struct cw_conf *conf,
		   struct cw_metrics *m)
{
	char *err = malloc(ERRLEN);
	struct cw_runtime *rt = NULL;

	sd_notify(0, "RELOADING=1");
	if (!err) {
		log_err("reload: out of memory");
	} else if (cw_runtime_load(conf, &rt, err, ERRLEN) < 0) {
		log_err("reload refused, the previous rules stay active:\n%s", err);
		cw_metrics_set_reload(m, 0, (int64_t)time(NULL));
	} else {
		const struct cw_runtime *old = cw_pipeline_runtime(p);
		log_notice("reloaded %zu rules (version %.12s, was %.12s)",
			   rt->rules->nrules, rt->rules->version,
			   old->rules->version);
		cw_pipeline_swap_runtime(p, rt);
		cw_metrics_set_reload(m, 1, (int64_t)time(NULL));
	}
	free(err);
	sd_notify(0, "READY=1");
}

static int check_config(const struct cw_conf *conf, struct cw_runtime *rt)
{
	printf("configuration OK: %s\n  %zu rules (version %s)\n  %zu plans, %zu network prefixes\n",
	       conf->path ? conf->path : "(defaults)", rt->rules->nrules,
	       rt->rules->version, cw_plans_count(rt->plans),
	       cw_networks_prefix_count(rt->nets));
	return 0;
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
	char *password = NULL;
	char *err = calloc(1, ERRLEN);
	struct daemon_ctx dctx = {0};

	while ((opt = getopt_long(argc, argv, "c:tvVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 't': check = 1; break;
		case 'v': verbose = 1; break;
		case 'V': printf("churnwatchd %s\n", CW_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (!err || cw_conf_init_defaults(&conf) < 0) {
		fprintf(stderr, "churnwatchd: out of memory\n");
		return 1;
	}
	if (cw_conf_load(path, &conf, err, ERRLEN) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	cw_log_set_level(verbose ? CW_LOG_DEBUG : (enum cw_log_level)conf.log_level);
	if (cw_runtime_load(&conf, &rt, err, ERRLEN) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (check) {
		rc = check_config(&conf, rt);
		cw_runtime_free(rt);
		goto out;
	}
	if (cw_conf_read_password(&conf, &password, err, ERRLEN) < 0) {
		log_err("%s", err);
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
	sd_watchdog_enabled(0, &dctx.watchdog_usec);
	clock_gettime(CLOCK_MONOTONIC, &dctx.last_ping);
	log_notice("churnwatchd %s starting: %zu rules (version %.12s), redis %s, kafka %s",
		   CW_VERSION, rt->rules->nrules, rt->rules->version,
		   conf.redis_url, conf.brokers);

	struct cw_pipeline_opts po = {
		.conf = &conf, .metrics = metrics, .redis_password = password,
		.heartbeat = watchdog_ping, .heartbeat_ctx = &dctx,
		.should_stop = should_stop,
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
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			reload(p, &conf, metrics);
		}
		cw_pipeline_step(p);
		watchdog_ping(&dctx);
	}
	sd_notify(0, "STOPPING=1");
	log_notice("stopping: draining the batch in flight");
	cw_pipeline_drain(p);
	rc = 0;
out:
	cw_pipeline_free(p);
	cw_metrics_free(metrics);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	cw_conf_fini(&conf);
	free(err);
	return rc;
}
