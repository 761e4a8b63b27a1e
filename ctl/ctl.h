/*
 * ctl.h — churnctl subcommands. Each takes the argv *after* the subcommand
 * name (argv[0] is the subcommand) and returns the process exit code.
 */
#ifndef CW_CTL_H
#define CW_CTL_H

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

#endif
