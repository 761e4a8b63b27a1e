/*
 * conf.h — churnwatch.yaml (CONTRACT §2).
 *
 * Table-driven: every key has a default, a type and bounds; unknown keys
 * are errors with FILE:LINE:COL. Loading fills a fresh struct that the
 * caller owns; a failed load leaves nothing behind.
 */
#ifndef CW_CONF_H
#define CW_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CW_CONF_MAX_PROPS 64

struct cw_kv {
	char *key;
	char *value;
};

struct cw_conf {
	char *path; /* the file it came from (NULL for defaults) */

	/* kafka */
	char *brokers;            /* "localhost:9092" */
	char *group_id;           /* "churnwatch" */
	char *topic_cdr;          /* "cdr" */
	char *topic_billing;      /* "billing" */
	char *topic_alerts;       /* "churn-alerts" */
	char *topic_dead_letter;  /* "churnwatch-dlq" */
	char *topic_retention;    /* "retention": contacts, offers, outcomes */
	char *topic_archive;      /* "churn-archive": churned subscribers */
	struct cw_kv props[CW_CONF_MAX_PROPS]; /* kafka.properties, verbatim;
						* "consumer."/"producer." prefixed
						* keys go to that client only */
	char *kafka_sasl_password_file; /* kafka.sasl_password_file: sasl.password */
	size_t nprops;
	int batch_size;           /* kafka.batch_size: max messages per batch (5000) */
	int64_t batch_wait_ms;    /* kafka.batch_wait: max wait to fill a batch (50ms) */
	char *group_instance_id;  /* kafka.group_instance_id: "auto", "none" or an id */
	int prefetch;             /* kafka.prefetch: messages fetched ahead, in all (400000) */
	char *assignment;         /* kafka.assignment: "group" or "all" */
	/* priority.* weights, thousandths (engine.h cw_engine_conf) */
	int64_t prio_severity[5];
	int64_t prio_tenure[3];
	/* retention.*: the loop's periods (docs/retention.md) */
	int64_t loop_quiet_ms, loop_retained_ms, loop_lost_within_ms,
		loop_forced_churn_ms;

	/* redis */
	char *redis_url;          /* "redis://127.0.0.1:6379/0" or unix:///path */
	char *redis_password_file;/* NULL = none */
	char *redis_username;     /* redis.username: ACL user ("" = default user) */
	char *redis_username_file;/* redis.username_file: same, from a file/credential */
	char *key_prefix;         /* "cw:" */
	int64_t state_ttl_ms;     /* redis.state_ttl: idle subscriber expiry (200d) */
	int64_t closed_ttl_ms;    /* redis.closed_ttl: a deactivated line's state (30d) */
	int64_t redis_timeout_ms; /* redis.timeout (5s) */

	/* files; relative paths are resolved against the config's directory */
	char *vendor_rules;       /* the packaged rule pack, loaded first (NULL: none) */
	char *rules;              /* file or directory of *.yaml (local, may override) */
	char *plans;
	char *networks;
	char *model;              /* the learned risk model (NULL: none; docs/score.md) */
	char *routing;            /* routing.yaml (NULL: none; docs/retention.md) */

	/* time */
	int64_t lateness_ms;      /* time.lateness (1h) */
	int64_t dedup_window_ms;  /* time.dedup_window (48h) */
	int64_t max_future_ms;    /* time.max_future (15m): further ahead is invalid */
	int64_t tick_ms;          /* time.tick (1d): re-evaluate when-rules as time passes */
	int32_t utc_offset_min;   /* time.utc_offset ("+00:00"): calendar-month bucketing */

	/* segments (CONTRACT §6) */
	int64_t arpu_mid;         /* segments.arpu_mid (50, money units*SCALE) */
	int64_t arpu_high;        /* segments.arpu_high (100) */
	int64_t tenure_stable_ms; /* segments.tenure_stable (90d ~ 3 months) */
	int64_t tenure_mature_ms; /* segments.tenure_mature (365d ~ 12 months) */

	/* metrics */
	char *metrics_listen;     /* "127.0.0.1:9464"; "" disables */

	/* log */
	int log_level;            /* log.level: err warning notice info debug */

	/* start-up */
	int64_t startup_retry_ms; /* startup.retry_budget (30s) before exit 2 */
};

/* Fill with documented defaults (all strings allocated). */
int cw_conf_init_defaults(struct cw_conf *c);

/*
 * Load `path` over the defaults. On error returns -1 and writes
 * "FILE:LINE:COL: message" to err; *c is then untouched.
 */
int cw_conf_load(const char *path, struct cw_conf *c, char *err,
		 size_t errlen);
int cw_conf_load_buf(const char *buf, size_t len, const char *name,
		     struct cw_conf *c, char *err, size_t errlen);
void cw_conf_fini(struct cw_conf *c);

/* Read the Redis password from redis_password_file (trailing newline
 * stripped). *out is malloc'd or NULL when no file is configured. */
int cw_conf_read_password(const struct cw_conf *c, char **out, char *err,
			  size_t errlen);

/*
 * The secrets the configuration points at, read the way the service
 * user sees them. A *_file value starting with "$CREDENTIALS_DIRECTORY/"
 * (or "${CREDENTIALS_DIRECTORY}/") names a systemd credential
 * (LoadCredential=). Files must be regular and not world-readable.
 */
struct cw_secrets {
	char *redis_password;      /* NULL: no AUTH */
	char *redis_username;      /* NULL: the default user */
	char *kafka_sasl_password; /* NULL: none set by churnwatch */
};
int cw_conf_read_secrets(const struct cw_conf *c, struct cw_secrets *out,
			 char *err, size_t errlen);
/* Wipe and free. */
void cw_secrets_fini(struct cw_secrets *s);

/* Does a property name hold a secret (password, secret, token...)?
 * Such values are never written into a message. */
int cw_conf_is_secret_key(const char *name);

/*
 * SIGHUP: which keys differ between the running configuration and a
 * freshly loaded one. Keys marked reloadable (rules, plans, networks,
 * segments, time.tick, log.level...) are taken over into *live; the
 * names of the others are written to `restart` (comma separated, ""
 * when none), since they only take effect after a restart.
 */
int cw_conf_reload_into(struct cw_conf *live, struct cw_conf *fresh,
			char *restart, size_t restartlen);

/* Print every key with its default and meaning (for --help and docs). */
void cw_conf_print_reference(void *file /* FILE* */);

#endif
