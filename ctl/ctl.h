/*
 * ctl.h — churnctl subcommands. Each takes the argv *after* the subcommand
 * name (argv[0] is the subcommand) and returns the process exit code.
 */
#ifndef CW_CTL_H
#define CW_CTL_H

#include "cw/conf.h"
#include "cw/runtime.h"
#include "cw/statestore.h"
#include "cw/store.h"

/* The configuration, runtime, secrets and Redis key layout a read-only
 * Redis subcommand works from (ctl/ctl_redis.c). open: 0, or -1 with the
 * reason printed; close releases whatever open got to. */
struct ctl_redis {
	struct cw_conf conf;
	int have_conf;
	struct cw_runtime *rt;
	struct cw_secrets secrets;
	struct cw_store *store;
	struct cw_statestore *ss;
};
int ctl_redis_open(struct ctl_redis *c, const char *config, const char *cmd);
/* Defaults, then `path` over them when given (NULL: defaults only). 0, or
 * -1 with the error printed as "churnctl CMD: ...". */
int ctl_conf_load(const char *cmd, const char *path, struct cw_conf *c);
void ctl_redis_close(struct ctl_redis *c);

int ctl_gen(int argc, char **argv);          /* ctl/ctl_gen.c */
int ctl_replay(int argc, char **argv);       /* ctl/ctl_kafka.c */
int ctl_kafka_dev(int argc, char **argv);    /* ctl/ctl_kafka.c */
int ctl_tail_alerts(int argc, char **argv);  /* ctl/ctl_kafka.c */
int ctl_check_rules(int argc, char **argv);  /* ctl/ctl_rules.c */
int ctl_test_rules(int argc, char **argv);   /* ctl/ctl_testrules.c */
int ctl_backtest(int argc, char **argv);     /* ctl/ctl_backtest.c */
int ctl_inspect(int argc, char **argv);      /* ctl/ctl_inspect.c */
int ctl_features(int argc, char **argv);     /* ctl/ctl_score.c */
int ctl_train(int argc, char **argv);        /* ctl/ctl_score.c */
int ctl_worklist(int argc, char **argv);     /* ctl/ctl_worklist.c */
int ctl_report(int argc, char **argv);       /* ctl/ctl_report.c */

#endif
