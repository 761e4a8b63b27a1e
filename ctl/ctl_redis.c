/*
 * ctl_redis.c — what churnctl's subcommands open first: the
 * configuration (ctl_conf_load), and for the Redis readers (inspect,
 * worklist, report) the runtime it names, the secrets, and the daemon's
 * key layout over a Redis connection.
 */
#include <stdio.h>
#include <string.h>

#include "cw/log.h"
#include "ctl.h"

int ctl_conf_load(const char *cmd, const char *path, struct cw_conf *c)
{
	char err[8192];

	if (cw_conf_init_defaults(c) < 0) {
		fprintf(stderr, "churnctl %s: out of memory\n", cmd);
		return -1;
	}
	if (path && cw_conf_load(path, c, err, sizeof(err)) < 0) {
		fprintf(stderr, "churnctl %s: %s\n", cmd, err);
		return -1;
	}
	return 0;
}

int ctl_redis_open(struct ctl_redis *c, const char *config, const char *cmd)
{
	char err[8192];

	memset(c, 0, sizeof(*c));
	cw_log_set_level(CW_LOG_WARNING);
	if (cw_conf_init_defaults(&c->conf) < 0) {
		fprintf(stderr, "churnctl %s: out of memory\n", cmd);
		return -1;
	}
	c->have_conf = 1;
	if (cw_conf_load(config, &c->conf, err, sizeof(err)) < 0 ||
	    cw_runtime_load(&c->conf, &c->rt, err, sizeof(err)) < 0 ||
	    cw_conf_read_secrets(&c->conf, &c->secrets, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	struct cw_store_opts so = {
		.url = c->conf.redis_url, .password = c->secrets.redis_password,
		.username = c->secrets.redis_username, .prefix = c->conf.key_prefix,
		.timeout_ms = c->conf.redis_timeout_ms,
	};
	if (cw_store_open(&so, &c->store, err, sizeof(err)) < 0) {
		fprintf(stderr, "churnctl %s: %s\n", cmd, err);
		return -1;
	}
	struct cw_ss_opts sso = {.store = c->store, .group = c->conf.group_id};
	if (cw_ss_new(&sso, &c->ss) < 0) {
		fprintf(stderr, "churnctl %s: out of memory\n", cmd);
		return -1;
	}
	return 0;
}

void ctl_redis_close(struct ctl_redis *c)
{
	cw_ss_free(c->ss);
	cw_store_close(c->store);
	cw_secrets_fini(&c->secrets);
	cw_runtime_free(c->rt);
	if (c->have_conf)
		cw_conf_fini(&c->conf);
	memset(c, 0, sizeof(*c));
}
