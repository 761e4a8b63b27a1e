/*
 * test_conf.c — churnwatch.yaml loading (daemon/core/conf.c, daemon/core/yamlx.c).
 */
#include <check.h>

#include "check_main.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cw/conf.h"
#include "cw/event.h"
#include "cw/log.h"
#include "cw/yamlx.h"

static char tmpdir[PATH_MAX];
static char err[1024];

static void setup_tmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cw-conf-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown_tmp(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static int load(const char *text, struct cw_conf *c)
{
	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	return cw_conf_load_buf(text, strlen(text), "t.yaml", c, err,
				sizeof(err));
}

START_TEST(test_defaults)
{
	struct cw_conf c;

	ck_assert_int_eq(cw_conf_init_defaults(&c), 0);
	ck_assert_str_eq(c.brokers, "localhost:9092");
	ck_assert_str_eq(c.group_id, "churnwatch");
	ck_assert_str_eq(c.topic_cdr, "cdr");
	ck_assert_str_eq(c.topic_billing, "billing");
	ck_assert_str_eq(c.topic_alerts, "churn-alerts");
	ck_assert_str_eq(c.topic_dead_letter, "churnwatch-dlq");
	ck_assert_uint_eq(c.nprops, 0);
	ck_assert_int_eq(c.batch_size, 5000);
	ck_assert_int_eq(c.batch_wait_ms, 50);
	ck_assert_str_eq(c.redis_url, "redis://127.0.0.1:6379/0");
	ck_assert_ptr_null(c.redis_password_file);
	ck_assert_str_eq(c.key_prefix, "cw:");
	ck_assert_int_eq(c.state_ttl_ms, 200LL * 86400000);
	ck_assert_int_eq(c.redis_timeout_ms, 5000);
	ck_assert_str_eq(c.rules, CW_CONFDIR "/rules.d");
	ck_assert_str_eq(c.plans, CW_CONFDIR "/plans.yaml");
	ck_assert_str_eq(c.networks, CW_CONFDIR "/networks.yaml");
	ck_assert_int_eq(c.lateness_ms, 3600000);
	ck_assert_int_eq(c.dedup_window_ms, 48LL * 3600000);
	ck_assert_int_eq(c.max_future_ms, 15 * 60000);
	ck_assert_int_eq(c.tick_ms, 86400000);
	ck_assert_int_eq(c.utc_offset_min, 0);
	ck_assert_int_eq(c.arpu_mid, 50 * CW_MONEY_SCALE);
	ck_assert_int_eq(c.arpu_high, 100 * CW_MONEY_SCALE);
	ck_assert_int_eq(c.tenure_stable_ms, 90LL * 86400000);
	ck_assert_int_eq(c.tenure_mature_ms, 365LL * 86400000);
	ck_assert_str_eq(c.metrics_listen, "127.0.0.1:9464");
	ck_assert_int_eq(c.log_level, CW_LOG_INFO);
	ck_assert_int_eq(c.startup_retry_ms, 30000);
	ck_assert_ptr_null(c.path);
	cw_conf_fini(&c);
	ck_assert_ptr_null(c.brokers);
	cw_conf_fini(&c); /* twice, and on a zeroed struct: harmless */
}
END_TEST

START_TEST(test_empty_file_is_defaults)
{
	struct cw_conf c;

	ck_assert_int_eq(load("", &c), 0);
	ck_assert_str_eq(c.brokers, "localhost:9092");
	ck_assert_str_eq(c.path, "t.yaml");
	cw_conf_fini(&c);
	ck_assert_int_eq(load("# only a comment\n", &c), 0);
	cw_conf_fini(&c);
}
END_TEST

static const char contract_conf[] =
	"kafka:\n"
	"  brokers: \"k1:9092,k2:9092\"\n"
	"  group_id: cw-test\n"
	"  topics:\n"
	"    cdr: cdr-x\n"
	"    billing: billing-x\n"
	"    alerts: alerts-x\n"
	"    dead_letter: dlq-x\n"
	"  properties:\n"
	"    \"client.id\": churnwatch\n"
	"    security.protocol: SASL_SSL\n"
	"  batch_size: 100\n"
	"  batch_wait: 2s\n"
	"redis:\n"
	"  url: \"unix:///run/redis/redis.sock\"\n"
	"  password_file: /etc/churnwatch/redis.pass\n"
	"  key_prefix: \"\"\n"
	"  state_ttl: 30d\n"
	"  timeout: 250ms\n"
	"rules: /r\n"
	"plans: /p.yaml\n"
	"networks: /n.yaml\n"
	"time:\n"
	"  lateness: 2h\n"
	"  dedup_window: 24h\n"
	"  max_future: 6h\n"
	"  tick: 1h\n"
	"  utc_offset: \"+08:00\"\n"
	"segments:\n"
	"  arpu_mid: 49.99\n"
	"  arpu_high: 120\n"
	"  tenure_stable: 60d\n"
	"  tenure_mature: 2w\n"
	"metrics:\n"
	"  listen: \"\"\n"
	"log:\n"
	"  level: debug\n"
	"startup:\n"
	"  retry_budget: 1m\n";

START_TEST(test_every_key_type)
{
	struct cw_conf c;

	/* tenure_mature < tenure_stable must fail: fix it up first */
	ck_assert_int_eq(load(contract_conf, &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:33:18: segments.tenure_mature"));
	{
		char buf[sizeof(contract_conf) + 16];
		char *p;

		memcpy(buf, contract_conf, sizeof(contract_conf));
		p = strstr(buf, "tenure_mature: 2w");
		memcpy(p, "tenure_mature: 9w", 17);
		ck_assert_int_eq(load(buf, &c), 0);
	}
	ck_assert_str_eq(c.brokers, "k1:9092,k2:9092");
	ck_assert_str_eq(c.group_id, "cw-test");
	ck_assert_str_eq(c.topic_cdr, "cdr-x");
	ck_assert_str_eq(c.topic_billing, "billing-x");
	ck_assert_str_eq(c.topic_alerts, "alerts-x");
	ck_assert_str_eq(c.topic_dead_letter, "dlq-x");
	ck_assert_uint_eq(c.nprops, 2);
	ck_assert_str_eq(c.props[0].key, "client.id");
	ck_assert_str_eq(c.props[0].value, "churnwatch");
	ck_assert_str_eq(c.props[1].key, "security.protocol");
	ck_assert_str_eq(c.props[1].value, "SASL_SSL");
	ck_assert_int_eq(c.batch_size, 100);
	ck_assert_int_eq(c.batch_wait_ms, 2000);
	ck_assert_str_eq(c.redis_url, "unix:///run/redis/redis.sock");
	ck_assert_str_eq(c.redis_password_file, "/etc/churnwatch/redis.pass");
	ck_assert_str_eq(c.key_prefix, "");
	ck_assert_int_eq(c.state_ttl_ms, 30LL * 86400000);
	ck_assert_int_eq(c.redis_timeout_ms, 250);
	ck_assert_str_eq(c.rules, "/r");
	ck_assert_str_eq(c.plans, "/p.yaml");
	ck_assert_str_eq(c.networks, "/n.yaml");
	ck_assert_int_eq(c.lateness_ms, 2 * 3600000);
	ck_assert_int_eq(c.dedup_window_ms, 24 * 3600000);
	ck_assert_int_eq(c.max_future_ms, 6 * 3600000);
	ck_assert_int_eq(c.tick_ms, 3600000);
	ck_assert_int_eq(c.utc_offset_min, 480);
	ck_assert_int_eq(c.arpu_mid, 49990);
	ck_assert_int_eq(c.arpu_high, 120000);
	ck_assert_int_eq(c.tenure_stable_ms, 60LL * 86400000);
	ck_assert_int_eq(c.tenure_mature_ms, 63LL * 86400000);
	ck_assert_str_eq(c.metrics_listen, "");
	ck_assert_int_eq(c.log_level, CW_LOG_DEBUG);
	ck_assert_int_eq(c.startup_retry_ms, 60000);
	cw_conf_fini(&c);
}
END_TEST

START_TEST(test_utc_offsets)
{
	static const struct {
		const char *text;
		int rc, min;
	} cases[] = {
		{"time: {utc_offset: \"-05:30\"}\n", 0, -330},
		{"time: {utc_offset: Z}\n", 0, 0},
		{"time: {utc_offset: \"+0545\"}\n", 0, 345},
		{"time: {utc_offset: \"+15:00\"}\n", -1, 0},
		{"time: {utc_offset: \"8\"}\n", -1, 0},
		{"time: {utc_offset: \"+08:60\"}\n", -1, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cw_conf c;

		ck_assert_msg(load(cases[i].text, &c) == cases[i].rc, "%s: %s",
			      cases[i].text, err);
		if (cases[i].rc == 0)
			ck_assert_int_eq(c.utc_offset_min, cases[i].min);
		cw_conf_fini(&c);
	}
}
END_TEST

START_TEST(test_unknown_key_line_col)
{
	struct cw_conf c;

	ck_assert_int_eq(load("kafka:\n  brokers: x\n  group_idd: y\n", &c), -1);
	ck_assert_str_eq(err, "t.yaml:3:3: unknown key 'kafka.group_idd' "
			      "(did you mean 'kafka.group_id'?)");
	ck_assert_int_eq(load("kafka:\n  topic:\n    cdr: c\n", &c), -1);
	ck_assert_str_eq(err, "t.yaml:2:3: unknown key 'kafka.topic' "
			      "(did you mean 'kafka.topics'?)");
	ck_assert_int_eq(load("time:\n    latenes: 1h\n", &c), -1);
	ck_assert_str_eq(err, "t.yaml:2:5: unknown key 'time.latenes' "
			      "(did you mean 'time.lateness'?)");
	ck_assert_int_eq(load("zzzzzzzzzzzzzz: 1\n", &c), -1);
	ck_assert_str_eq(err, "t.yaml:1:1: unknown key 'zzzzzzzzzzzzzz'");
	/* a key that is really a section cannot take a scalar */
	ck_assert_int_eq(load("kafka: 5\n", &c), -1);
	ck_assert_str_eq(err, "t.yaml:1:8: kafka: expected a mapping, got a "
			      "scalar");
	/* the failed loads leave *c zeroed */
	ck_assert_ptr_null(c.brokers);
}
END_TEST

START_TEST(test_wrong_types)
{
	struct cw_conf c;

	ck_assert_int_eq(load("kafka:\n  batch_size: lots\n", &c), -1);
	ck_assert_str_eq(err, "t.yaml:2:15: kafka.batch_size: expected an "
			      "integer, got \"lots\"");
	ck_assert_int_eq(load("kafka:\n  batch_size: 0\n", &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:2:15: kafka.batch_size: 0 "
					  "is out of range"));
	ck_assert_int_eq(load("time:\n  lateness: 5 parsecs\n", &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:2:13: time.lateness: "
					  "invalid duration \"5 parsecs\""));
	ck_assert_int_eq(load("kafka: {brokers: [a, b]}\n", &c), -1);
	ck_assert_str_eq(err, "t.yaml:1:18: kafka.brokers: expected a string, "
			      "got a list");
	ck_assert_int_eq(load("kafka: {brokers: \"\"}\n", &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "must not be empty"));
	ck_assert_int_eq(load("segments: {arpu_mid: 12.3456}\n", &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:1:22: segments.arpu_mid"));
	ck_assert_int_eq(load("segments: {arpu_mid: 200}\n", &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "segments.arpu_high must not be below"));
	ck_assert_int_eq(load("log: {level: chatty}\n", &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:1:14: log.level: unknown "
					  "level \"chatty\""));
	ck_assert_int_eq(load("kafka: {properties: [a]}\n", &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "kafka.properties: expected a mapping"));
	ck_assert_int_eq(load("- 1\n- 2\n", &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:1:1: expected a mapping"));
	ck_assert_int_eq(load("kafka: {brokers: a, brokers: b}\n", &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:1:21: duplicate key 'brokers'"));
	ck_assert_int_eq(load("kafka: [\n", &c), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:2:1: "));
}
END_TEST

START_TEST(test_inline_password_refused)
{
	struct cw_conf c;

	ck_assert_int_eq(load("redis:\n  url: redis://x\n  password: hunter2\n",
			      &c),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:3:3: redis.password:"));
	ck_assert_ptr_nonnull(strstr(err, "password_file"));
	ck_assert_ptr_null(strstr(err, "hunter2"));
}
END_TEST

START_TEST(test_relative_paths)
{
	struct cw_conf c = {0};
	char path[PATH_MAX + 32], want[PATH_MAX + 64];

	setup_tmp();
	snprintf(path, sizeof(path), "%s/churnwatch.yaml", tmpdir);
	write_file(path,
		   "rules: ../rules\nplans: plans.yaml\nnetworks: /abs/n.yaml\n"
		   "redis: {password_file: secret}\n",
		   0644);
	ck_assert_msg(cw_conf_load(path, &c, err, sizeof(err)) == 0, "%s", err);
	snprintf(want, sizeof(want), "%s/../rules", tmpdir);
	ck_assert_str_eq(c.rules, want);
	snprintf(want, sizeof(want), "%s/plans.yaml", tmpdir);
	ck_assert_str_eq(c.plans, want);
	ck_assert_str_eq(c.networks, "/abs/n.yaml");
	snprintf(want, sizeof(want), "%s/secret", tmpdir);
	ck_assert_str_eq(c.redis_password_file, want);
	ck_assert_str_eq(c.path, path);
	/* loading again over a loaded struct replaces it (no leak, no UAF) */
	ck_assert_int_eq(cw_conf_load(path, &c, err, sizeof(err)), 0);
	cw_conf_fini(&c);

	/* a missing file names itself */
	snprintf(path, sizeof(path), "%s/nope.yaml", tmpdir);
	ck_assert_int_eq(cw_conf_load(path, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "nope.yaml: cannot open"));
	teardown_tmp();
}
END_TEST

START_TEST(test_failed_load_keeps_old)
{
	struct cw_conf c;

	ck_assert_int_eq(load("kafka: {brokers: keep:1}\n", &c), 0);
	ck_assert_int_eq(cw_conf_load_buf("bogus: 1\n", 9, "t.yaml", &c, err,
					  sizeof(err)),
			 -1);
	ck_assert_str_eq(c.brokers, "keep:1");
	cw_conf_fini(&c);
}
END_TEST

START_TEST(test_password_file)
{
	struct cw_conf c;
	char path[PATH_MAX + 32], yaml[PATH_MAX + 64];
	char *pw = NULL;

	setup_tmp();
	snprintf(path, sizeof(path), "%s/redis.pass", tmpdir);
	snprintf(yaml, sizeof(yaml), "redis: {password_file: %s}\n", path);

	write_file(path, "s3cret\n", 0600);
	ck_assert_int_eq(load(yaml, &c), 0);
	ck_assert_int_eq(cw_conf_read_password(&c, &pw, err, sizeof(err)), 0);
	ck_assert_str_eq(pw, "s3cret");
	free(pw);

	write_file(path, "crlf\r\n", 0640); /* group-readable: warned, read */
	ck_assert_int_eq(cw_conf_read_password(&c, &pw, err, sizeof(err)), 0);
	ck_assert_str_eq(pw, "crlf");
	free(pw);

	write_file(path, "s3cret\n", 0644);
	pw = (char *)"untouched";
	ck_assert_int_eq(cw_conf_read_password(&c, &pw, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "readable by everyone"));
	ck_assert_str_eq(pw, "untouched");

	write_file(path, "\n", 0600);
	ck_assert_int_eq(cw_conf_read_password(&c, &pw, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
	cw_conf_fini(&c);

	/* no file configured: NULL, success */
	ck_assert_int_eq(cw_conf_init_defaults(&c), 0);
	pw = (char *)"x";
	ck_assert_int_eq(cw_conf_read_password(&c, &pw, err, sizeof(err)), 0);
	ck_assert_ptr_null(pw);
	cw_conf_fini(&c);
	teardown_tmp();
}
END_TEST


/* kafka.properties: what the guarantees depend on is refused with the
 * reason and a position; consumer./producer. prefixes are kept. */
START_TEST(test_refused_and_prefixed_props)
{
	static const char *const refused[] = {
		"partition.assignment.strategy: cooperative-sticky",
		"consumer.enable.auto.commit: \"true\"",
		"isolation.level: read_uncommitted",
		"producer.enable.idempotence: \"false\"",
		"acks: \"1\"",
		"sasl.password: hunter2",
		"group.id: other",
	};
	struct cw_conf c;
	char buf[256];

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(buf, sizeof(buf), "kafka:\n  properties:\n    %s\n",
			 refused[i]);
		ck_assert_int_eq(load(buf, &c), -1);
		ck_assert_msg(strstr(err, "t.yaml:3:5: kafka.properties: '") &&
				      strstr(err, "cannot be overridden: "),
			      "%s -> %s", refused[i], err);
		ck_assert_msg(!strstr(err, "hunter2"), "%s", err);
	}
	ck_assert_int_eq(load("kafka:\n  properties:\n"
			      "    consumer.fetch.wait.max.ms: \"20\"\n"
			      "    producer.linger.ms: \"3\"\n"
			      "    client.id: x\n", &c), 0);
	ck_assert_uint_eq(c.nprops, 3);
	ck_assert_str_eq(c.props[0].key, "consumer.fetch.wait.max.ms");
	ck_assert_str_eq(c.props[1].key, "producer.linger.ms");
	cw_conf_fini(&c);
	ck_assert(cw_conf_is_secret_key("sasl.password"));
	ck_assert(cw_conf_is_secret_key("ssl.keystore.password"));
	ck_assert(cw_conf_is_secret_key("sasl.oauthbearer.client.secret"));
	ck_assert(cw_conf_is_secret_key("sasl.pasword"));
	ck_assert(!cw_conf_is_secret_key("fetch.wait.max.ms"));
}
END_TEST

/* Secrets from systemd credentials ($CREDENTIALS_DIRECTORY/NAME). */
START_TEST(test_secrets_from_credentials)
{
	struct cw_conf c;
	struct cw_secrets sec;
	char path[PATH_MAX + 32], text[PATH_MAX + 256];

	setup_tmp();
	snprintf(path, sizeof(path), "%s/redis-password", tmpdir);
	write_file(path, "pw1\n", 0400);
	snprintf(path, sizeof(path), "%s/redis-username", tmpdir);
	write_file(path, "alice\n", 0400);
	snprintf(path, sizeof(path), "%s/sasl", tmpdir);
	write_file(path, "pw2", 0600);
	snprintf(text, sizeof(text),
		 "redis:\n  password_file: $CREDENTIALS_DIRECTORY/redis-password\n"
		 "  username_file: ${CREDENTIALS_DIRECTORY}/redis-username\n"
		 "kafka:\n  sasl_password_file: %s/sasl\n", tmpdir);
	ck_assert_int_eq(load(text, &c), 0);
	/* not resolved against the config's directory */
	ck_assert_str_eq(c.redis_password_file,
			 "$CREDENTIALS_DIRECTORY/redis-password");
	unsetenv("CREDENTIALS_DIRECTORY");
	ck_assert_int_eq(cw_conf_read_secrets(&c, &sec, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "$CREDENTIALS_DIRECTORY is not set"), "%s", err);
	setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
	ck_assert_msg(cw_conf_read_secrets(&c, &sec, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_str_eq(sec.redis_password, "pw1");
	ck_assert_str_eq(sec.redis_username, "alice");
	ck_assert_str_eq(sec.kafka_sasl_password, "pw2");
	cw_secrets_fini(&sec);
	ck_assert_ptr_null(sec.redis_password);
	cw_conf_fini(&c);

	/* a user with no password, and a credential path with a '/' */
	ck_assert_int_eq(load("redis:\n  username: bob\n", &c), 0);
	ck_assert_int_eq(cw_conf_read_secrets(&c, &sec, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "needs a password"), "%s", err);
	cw_conf_fini(&c);
	ck_assert_int_eq(load("redis:\n  password_file: "
			      "$CREDENTIALS_DIRECTORY/../etc/shadow\n", &c), 0);
	ck_assert_int_eq(cw_conf_read_secrets(&c, &sec, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "one credential name"), "%s", err);
	cw_conf_fini(&c);
	unsetenv("CREDENTIALS_DIRECTORY");
	teardown_tmp();
}
END_TEST

/* SIGHUP: reloadable keys are taken over, the others are named. */
START_TEST(test_reload_into)
{
	struct cw_conf live, fresh;
	char restart[256];

	ck_assert_int_eq(load("kafka:\n  brokers: a:1\nrules: /r1\n"
			      "segments:\n  arpu_mid: 40\nlog:\n  level: info\n",
			      &live), 0);
	ck_assert_int_eq(load("kafka:\n  brokers: b:2\nrules: /r2\n"
			      "segments:\n  arpu_mid: 45\nlog:\n  level: debug\n"
			      "time:\n  lateness: 2h\n", &fresh), 0);
	ck_assert_int_eq(cw_conf_reload_into(&live, &fresh, restart,
					     sizeof(restart)), 2);
	ck_assert_str_eq(restart, "kafka.brokers, time.lateness");
	ck_assert_str_eq(live.brokers, "a:1");     /* needs a restart */
	ck_assert_str_eq(live.rules, "/r2");       /* taken over */
	ck_assert_int_eq(live.arpu_mid, 45 * CW_MONEY_SCALE);
	ck_assert_int_eq(live.log_level, CW_LOG_DEBUG);
	ck_assert_str_eq(fresh.rules, "/r1");      /* freed with fresh */
	cw_conf_fini(&fresh);
	ck_assert_int_eq(load("kafka:\n  brokers: a:1\nrules: /r2\n"
			      "segments:\n  arpu_mid: 45\nlog:\n  level: debug\n",
			      &fresh), 0);
	ck_assert_int_eq(cw_conf_reload_into(&live, &fresh, restart,
					     sizeof(restart)), 0);
	ck_assert_str_eq(restart, "");
	cw_conf_fini(&fresh);
	cw_conf_fini(&live);
}
END_TEST

START_TEST(test_print_reference)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	cw_conf_print_reference(f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(strstr(buf, "kafka.batch_size"));
	ck_assert_ptr_nonnull(strstr(buf, "segments.tenure_mature"));
	ck_assert_ptr_nonnull(strstr(buf, "127.0.0.1:9464"));
	free(buf);
}
END_TEST

/* yamlx limits that protect every loader */
START_TEST(test_yamlx_bounds)
{
	struct yx_doc *d = NULL;
	char *deep;
	size_t n = YX_MAX_DEPTH + 5;

	ck_assert_int_eq(yx_load("a: &x 1\nb: *x\n", 14, "t.yaml", &d, err,
				 sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:2:4: YAML aliases"));
	ck_assert_int_eq(yx_load("a: 1\n---\nb: 2\n", 14, "t.yaml", &d, err,
				 sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "only one YAML document"));

	deep = malloc(2 * n + 1);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	ck_assert_int_eq(yx_load(deep, 2 * n, "t.yaml", &d, err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "nesting too deep"));
	free(deep);
	ck_assert_ptr_null(d);

	{
		static const char blk[] = "a:\n  - 'q'\n  - |\n\n    text\n";

		ck_assert_int_eq(yx_load(blk, strlen(blk), "t.yaml", &d, err,
					 sizeof(err)),
				 0);
	}
	{
		const struct yx_node *a = yx_map_get(d->root, "a");

		ck_assert_int_eq(a->items[0]->vline, 2);
		ck_assert_int_eq(a->items[0]->vcol, 6);
		ck_assert_int_eq(a->items[1]->vline, 5);
		ck_assert_int_eq(a->items[1]->vcol, 5);
		ck_assert_str_eq(a->items[1]->str, "\ntext\n");
	}
	yx_free(d);
}
END_TEST

CW_CHECK_SUITE(conf_suite)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_file_is_defaults);
	tcase_add_test(tc, test_every_key_type);
	tcase_add_test(tc, test_utc_offsets);
	tcase_add_test(tc, test_unknown_key_line_col);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_inline_password_refused);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_failed_load_keeps_old);
	tcase_add_test(tc, test_password_file);
	tcase_add_test(tc, test_refused_and_prefixed_props);
	tcase_add_test(tc, test_secrets_from_credentials);
	tcase_add_test(tc, test_reload_into);
	tcase_add_test(tc, test_print_reference);
	tcase_add_test(tc, test_yamlx_bounds);
	suite_add_tcase(s, tc);
	return s;
}

