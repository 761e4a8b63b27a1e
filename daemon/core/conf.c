/*
 * conf.c — churnwatch.yaml (CONTRACT §2), driven by one table.
 *
 * Every key lives in conf_keys[]: its dotted name, type, where it is
 * stored, its default (as the text an operator would write), bounds and a
 * one-line description. Defaults, parsing and `churnwatchd --help` all
 * come from that table, so they cannot drift; the man page and
 * docs/configuration.md are written by hand, and tests/man_coverage.sh
 * fails when the man page misses a key --help lists.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cw/conf.h"
#include "cw/strutil.h"
#include "cw/event.h"
#include "cw/expr.h"
#include "cw/log.h"
#include "cw/yamlx.h"

#define MS_S 1000LL
#define MS_M (60 * MS_S)
#define MS_H (60 * MS_M)
#define MS_D (24 * MS_H)
#define CONF_NAME_MAX 96
#define CONF_PASSWORD_MAX 4096

enum conf_type {
	CT_STR,     /* non-empty string */
	CT_STR0,    /* string, may be empty */
	CT_PATH,    /* file path, relative to the config's directory */
	CT_OPTPATH, /* same, may be unset */
	CT_DUR,     /* int64_t ms */
	CT_INT,     /* int */
	CT_MONEY,   /* int64_t, units * CW_MONEY_SCALE */
	CT_LEVEL,   /* int, enum cw_log_level */
	CT_UTCOFF,  /* int32_t minutes */
	CT_PROPS,   /* kafka.properties map */
	CT_REFUSED, /* a key we know but will not accept */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;
	const char *def; /* NULL: unset */
	int64_t min, max;
	const char *doc;
};

#define OFF(f) offsetof(struct cw_conf, f)

static const struct conf_key conf_keys[] = {
	{"kafka.brokers", CT_STR, OFF(brokers), "localhost:9092", 0, 0,
	 "bootstrap servers, comma separated"},
	{"kafka.group_id", CT_STR, OFF(group_id), "churnwatch", 0, 0,
	 "consumer group; offsets are committed under it"},
	{"kafka.topics.cdr", CT_STR, OFF(topic_cdr), "cdr", 0, 0,
	 "topic of voice/sms/data CDRs"},
	{"kafka.topics.billing", CT_STR, OFF(topic_billing), "billing", 0, 0,
	 "topic of billing events"},
	{"kafka.topics.alerts", CT_STR, OFF(topic_alerts), "churn-alerts", 0, 0,
	 "topic alerts are published to"},
	{"kafka.topics.dead_letter", CT_STR, OFF(topic_dead_letter),
	 "churnwatch-dlq", 0, 0,
	 "topic invalid events are forwarded to, with the reason in a header"},
	{"kafka.topics.retention", CT_STR, OFF(topic_retention), "retention", 0, 0,
	 "topic of the retention team's contact, offer and outcome events "
	 "(co-partitioned with cdr and billing)"},
	{"kafka.topics.archive", CT_STR, OFF(topic_archive), "churn-archive", 0, 0,
	 "topic a churned subscriber's archive record is published to"},
	{"kafka.properties", CT_PROPS, OFF(props), NULL, 0, CW_CONF_MAX_PROPS,
	 "map of librdkafka properties (SASL, SSL...); consumer./producer. "
	 "prefixed ones go to that client only"},
	{"kafka.sasl_password_file", CT_OPTPATH, OFF(kafka_sasl_password_file),
	 NULL, 0, 0,
	 "file or $CREDENTIALS_DIRECTORY/NAME holding sasl.password; unset: none"},
	{"kafka.batch_size", CT_INT, OFF(batch_size), "5000", 1, 1000000,
	 "most messages applied in one batch"},
	{"kafka.group_instance_id", CT_STR0, OFF(group_instance_id), "auto", 0, 0,
	 "static group membership: auto (<host>-$CW_INSTANCE when the systemd "
	 "unit sets CW_INSTANCE, else none), none, or an id unique per running "
	 "instance"},
	{"kafka.prefetch", CT_INT, OFF(prefetch), "400000", 10000, 10000000,
	 "messages fetched ahead, all input partitions together (memory: "
	 "about 0.5 KB each while catching up)"},
	{"kafka.assignment", CT_STR, OFF(assignment), "group", 0, 0,
	 "group: share the partitions with the consumer group; all: read every "
	 "partition without joining it (one instance; instant restarts)"},
	{"kafka.batch_wait", CT_DUR, OFF(batch_wait_ms), "50ms", 0, 60 * MS_S,
	 "longest wait to fill a batch"},
	{"redis.url", CT_STR, OFF(redis_url), "redis://127.0.0.1:6379/0", 0, 0,
	 "redis://HOST:PORT/DB or unix:///path/to/redis.sock"},
	{"redis.password", CT_REFUSED, 0, NULL, 0, 0,
	 "not accepted: use redis.password_file"},
	{"redis.password_file", CT_OPTPATH, OFF(redis_password_file), NULL, 0, 0,
	 "file or $CREDENTIALS_DIRECTORY/NAME holding the Redis password "
	 "(not world-readable); unset: no AUTH"},
	{"redis.username", CT_STR0, OFF(redis_username), "", 0, 0,
	 "Redis ACL user for AUTH; empty: the default user"},
	{"redis.username_file", CT_OPTPATH, OFF(redis_username_file), NULL, 0, 0,
	 "file or $CREDENTIALS_DIRECTORY/NAME holding the ACL user (instead of "
	 "redis.username)"},
	{"redis.key_prefix", CT_STR0, OFF(key_prefix), "cw:", 0, 0,
	 "prefix of every Redis key churnwatch writes"},
	{"redis.state_ttl", CT_DUR, OFF(state_ttl_ms), "200d", MS_D, 3650 * MS_D,
	 "idle subscriber state expires after this long"},
	{"redis.closed_ttl", CT_DUR, OFF(closed_ttl_ms), "30d", 3600 * MS_S,
	 3650 * MS_D,
	 "a deactivated line's state expires after this long (then the number "
	 "starts afresh)"},
	{"redis.timeout", CT_DUR, OFF(redis_timeout_ms), "5s", 100, 10 * MS_M,
	 "connect and command timeout"},
	{"vendor_rules", CT_OPTPATH, OFF(vendor_rules), NULL, 0, 0,
	 "the packaged rule pack (file or directory), loaded before rules; "
	 "unset: none"},
	{"rules", CT_PATH, OFF(rules), CW_CONFDIR "/rules.d", 0, 0,
	 "local rule file, or directory of *.yaml/*.yml; may override: vendor "
	 "rules"},
	{"plans", CT_PATH, OFF(plans), CW_CONFDIR "/plans.yaml", 0, 0,
	 "plan id -> monthly fee"},
	{"networks", CT_PATH, OFF(networks), CW_CONFDIR "/networks.yaml", 0,
	 0, "operators and their number prefixes"},
	{"routing", CT_OPTPATH, OFF(routing), NULL, 0, 0,
	 "routing.yaml: retention queues, their daily capacity and the routes "
	 "from rule, labels and segment to a queue; unset: alerts carry no "
	 "queue"},
	{"model", CT_OPTPATH, OFF(model), NULL, 0, 0,
	 "the learned churn-risk model (churnctl train); unset: none, and "
	 "detect: score rules without their own model are inert"},
	{"time.lateness", CT_DUR, OFF(lateness_ms), "1h", 0, 30 * MS_D,
	 "how late an event may arrive and still count (watermark lag)"},
	{"time.dedup_window", CT_DUR, OFF(dedup_window_ms), "48h", MS_M,
	 30 * MS_D, "an event_id seen again within this window is a duplicate"},
	{"time.max_future", CT_DUR, OFF(max_future_ms), "15m", MS_M, 365 * MS_D,
	 "events further ahead of the clock than this are invalid"},
	{"time.tick", CT_DUR, OFF(tick_ms), "1d", MS_S, 30 * MS_D,
	 "how often when-rules are re-evaluated as event time passes"},
	{"time.utc_offset", CT_UTCOFF, OFF(utc_offset_min), "+00:00", -14 * 60,
	 14 * 60, "time zone of calendar-month revenue buckets, e.g. +08:00"},
	{"segments.arpu_mid", CT_MONEY, OFF(arpu_mid), "50", 0,
	 CW_MONEY_MAX_UNITS * CW_MONEY_SCALE,
	 "monthly revenue from which a subscriber's arpu_tier is mid"},
	{"segments.arpu_high", CT_MONEY, OFF(arpu_high), "100", 0,
	 CW_MONEY_MAX_UNITS * CW_MONEY_SCALE,
	 "monthly revenue above which arpu_tier is high"},
	{"retention.quiet", CT_DUR, OFF(loop_quiet_ms), "60d", 0, 365 * MS_D,
	 "a subscriber saved (outcome: saved) is not alerted again for this long"},
	{"retention.retained_after", CT_DUR, OFF(loop_retained_ms), "90d", MS_D,
	 365 * MS_D,
	 "a contacted subscriber still active this long after the last contact "
	 "counts as retained"},
	{"retention.lost_within", CT_DUR, OFF(loop_lost_within_ms), "90d", MS_D,
	 365 * MS_D,
	 "churn this soon after a task opened counts the task as lost, and "
	 "the alerts before it as right"},
	{"retention.forced_churn", CT_DUR, OFF(loop_forced_churn_ms), "90d", MS_D,
	 730 * MS_D,
	 "no outgoing activity for this long is churn (forced), as a "
	 "deactivation is"},
	{"priority.info", CT_MONEY, OFF(prio_severity[0]), "0.5", 0, 1000 * 1000,
	 "weight of an info rule's alerts in priority = monthly revenue x "
	 "severity weight x tenure weight"},
	{"priority.low", CT_MONEY, OFF(prio_severity[1]), "1", 0, 1000 * 1000,
	 "weight of a low-severity rule's alerts in priority"},
	{"priority.medium", CT_MONEY, OFF(prio_severity[2]), "1.5", 0, 1000 * 1000,
	 "weight of a medium-severity rule's alerts in priority"},
	{"priority.high", CT_MONEY, OFF(prio_severity[3]), "2", 0, 1000 * 1000,
	 "weight of a high-severity rule's alerts in priority"},
	{"priority.critical", CT_MONEY, OFF(prio_severity[4]), "3", 0, 1000 * 1000,
	 "weight of a critical rule's alerts in priority"},
	{"priority.new", CT_MONEY, OFF(prio_tenure[0]), "0.5", 0, 1000 * 1000,
	 "weight of a line in its first months (tenure stage new) in priority"},
	{"priority.stable", CT_MONEY, OFF(prio_tenure[1]), "1", 0, 1000 * 1000,
	 "weight of a stable-stage line in priority"},
	{"priority.mature", CT_MONEY, OFF(prio_tenure[2]), "1.5", 0, 1000 * 1000,
	 "weight of a mature line in priority"},
	{"segments.tenure_stable", CT_DUR, OFF(tenure_stable_ms), "90d", 0,
	 3650 * MS_D, "tenure from which tenure_stage is stable"},
	{"segments.tenure_mature", CT_DUR, OFF(tenure_mature_ms), "365d", 0,
	 3650 * MS_D, "tenure above which tenure_stage is mature"},
	{"metrics.listen", CT_STR0, OFF(metrics_listen), "127.0.0.1:9464", 0, 0,
	 "HOST:PORT of /metrics, /healthz, /readyz; empty disables"},
	{"log.level", CT_LEVEL, OFF(log_level), "info", 0, 0,
	 "err, warning, notice, info or debug"},
	{"startup.retry_budget", CT_DUR, OFF(startup_retry_ms), "30s", 0,
	 60 * MS_M, "how long to retry Kafka/Redis at start-up before exit 2"},
};

#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

/*
 * What SIGHUP applies: the files the runtime is built from and settings
 * only the engine reads. Everything else (connections, topics, the
 * calendar the state is bucketed by) needs a restart; a reload names the
 * changed ones in the log. A trailing '.' covers a whole section.
 */
static const char *const conf_reloadable[] = {
	"vendor_rules", "rules", "plans", "networks", "model", "routing", "segments.", "priority.", "retention.",
	"time.tick", "log.level",
};

/*
 * librdkafka properties churnwatch's guarantees depend on
 * (docs/guarantees.md): refused in kafka.properties with the reason.
 */
static const struct {
	const char *name;
	const char *why;
} conf_refused_props[] = {
	{"partition.assignment.strategy",
	 "must stay 'range': partition N of cdr and billing must be owned by "
	 "the same instance (co-partitioning); cooperative assignors also "
	 "need incremental rebalance handling churnwatch does not do"},
	{"enable.auto.commit",
	 "offsets are committed with the state in Redis, then to Kafka"},
	{"enable.auto.offset.store",
	 "offsets are committed with the state in Redis, then to Kafka"},
	{"isolation.level", "must stay read_committed"},
	{"enable.idempotence",
	 "alerts are produced idempotently; turning it off allows duplicates"},
	{"acks", "alerts need acks=all to survive a broker failure"},
	{"group.id", "use kafka.group_id"},
	{"bootstrap.servers", "use kafka.brokers"},
	{"sasl.password",
	 "keep secrets out of the config: use kafka.sasl_password_file"},
};

static const struct {
	const char *name;
	int level;
} conf_levels[] = {
	{"err", CW_LOG_ERR},         {"error", CW_LOG_ERR},
	{"warning", CW_LOG_WARNING}, {"warn", CW_LOG_WARNING},
	{"notice", CW_LOG_NOTICE},   {"info", CW_LOG_INFO},
	{"debug", CW_LOG_DEBUG},
};

/* One parsed scalar value, before it is stored. */
union conf_val {
	int64_t i;
	const char *s;
};

struct conf_load {
	const struct yx_doc *doc;
	const char *dir;    /* config directory, NULL: leave paths alone */
	size_t dirlen;
	const struct yx_node *seen[NKEYS];
	char *err;
	size_t errlen;
};

static const char *conf_type_str(enum conf_type t)
{
	switch (t) {
	case CT_STR:
	case CT_STR0:
		return "string";
	case CT_PATH:
	case CT_OPTPATH:
		return "path";
	case CT_DUR:
		return "duration";
	case CT_INT:
		return "integer";
	case CT_MONEY:
		return "amount";
	case CT_LEVEL:
		return "level";
	case CT_UTCOFF:
		return "utc offset";
	case CT_PROPS:
		return "map";
	case CT_REFUSED:
		return "-";
	}
	return "?";
}

static int conf_parse_utcoff(const char *s, int64_t *out)
{
	int sign, hh, mm = 0;

	if (!strcmp(s, "Z") || !strcmp(s, "UTC") || !strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	hh = (s[0] - '0') * 10 + (s[1] - '0');
	s += 2;
	if (*s == ':')
		s++;
	if (*s) {
		if (!(s[0] >= '0' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9') ||
		    s[2])
			return -1;
		mm = (s[0] - '0') * 10 + (s[1] - '0');
	}
	*out = sign * (hh * 60 + mm);
	return 0;
}

/*
 * Parse the text of a scalar key. On failure writes a short reason (no
 * position) into msg and returns -1. Strings are borrowed from s.
 */
static int conf_parse_value(const struct conf_key *k, const char *s,
			    union conf_val *v, char *msg, size_t msglen)
{
	switch (k->type) {
	case CT_STR:
	case CT_PATH:
		if (!*s) {
			snprintf(msg, msglen, "must not be empty");
			return -1;
		}
		v->s = s;
		return 0;
	case CT_STR0:
	case CT_OPTPATH:
		v->s = s;
		return 0;
	case CT_DUR:
		if (!*s || cw_parse_duration(s, strlen(s), &v->i) != 0) {
			snprintf(msg, msglen,
				 "invalid duration \"%s\" (use e.g. 50ms, 30s, "
				 "1h, 7d)",
				 s);
			return -1;
		}
		break;
	case CT_INT: {
		char *end;

		errno = 0;
		v->i = strtoll(s, &end, 10);
		if (!*s || *end || errno || !((*s >= '0' && *s <= '9') ||
					      *s == '-' || *s == '+')) {
			snprintf(msg, msglen, "expected an integer, got \"%s\"",
				 s);
			return -1;
		}
		break;
	}
	case CT_MONEY:
		if (yx_parse_money(s, &v->i) < 0) {
			snprintf(msg, msglen,
				 "expected an amount like 50 or 49.99, got \"%s\"",
				 s);
			return -1;
		}
		break;
	case CT_LEVEL:
		for (size_t i = 0; i < sizeof(conf_levels) / sizeof(conf_levels[0]);
		     i++) {
			if (!strcasecmp(s, conf_levels[i].name)) {
				v->i = conf_levels[i].level;
				return 0;
			}
		}
		snprintf(msg, msglen,
			 "unknown level \"%s\" (err, warning, notice, info, "
			 "debug)",
			 s);
		return -1;
	case CT_UTCOFF:
		if (conf_parse_utcoff(s, &v->i) < 0) {
			snprintf(msg, msglen,
				 "expected an offset like +08:00 or -05:30, got "
				 "\"%s\"",
				 s);
			return -1;
		}
		break;
	case CT_PROPS:
	case CT_REFUSED:
		snprintf(msg, msglen, "internal: not a scalar key");
		return -1;
	}
	if (k->min < k->max && (v->i < k->min || v->i > k->max)) {
		if (k->type == CT_MONEY)
			snprintf(msg, msglen, "%s is out of range [%.3f, %.3f]",
				 s, (double)k->min / CW_MONEY_SCALE,
				 (double)k->max / CW_MONEY_SCALE);
		else if (k->type == CT_DUR)
			snprintf(msg, msglen,
				 "%s is out of range [%" PRId64 "ms, %" PRId64
				 "ms]",
				 s, k->min, k->max);
		else
			snprintf(msg, msglen,
				 "%s is out of range [%" PRId64 ", %" PRId64 "]",
				 s, k->min, k->max);
		return -1;
	}
	return 0;
}

static char **conf_str_slot(struct cw_conf *c, const struct conf_key *k)
{
	return (char **)((char *)c + k->off);
}

/* Store a parsed value; strings are copied. Returns -1 on OOM. */
static int conf_store(struct cw_conf *c, const struct conf_key *k,
		      const union conf_val *v)
{
	char *p = (char *)c + k->off;

	switch (k->type) {
	case CT_STR:
	case CT_STR0:
	case CT_PATH:
	case CT_OPTPATH: {
		char **slot = conf_str_slot(c, k);
		char *dup = NULL;

		/* an empty optional path means "unset" */
		if (!(k->type == CT_OPTPATH && !*v->s)) {
			dup = strdup(v->s);
			if (!dup)
				return -1;
		}
		free(*slot);
		*slot = dup;
		return 0;
	}
	case CT_DUR:
	case CT_MONEY:
		memcpy(p, &v->i, sizeof(int64_t));
		return 0;
	case CT_INT:
	case CT_LEVEL: {
		int x = (int)v->i;

		memcpy(p, &x, sizeof(x));
		return 0;
	}
	case CT_UTCOFF: {
		int32_t x = (int32_t)v->i;

		memcpy(p, &x, sizeof(x));
		return 0;
	}
	case CT_PROPS:
	case CT_REFUSED:
		return 0;
	}
	return 0;
}

void cw_conf_fini(struct cw_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		switch (conf_keys[i].type) {
		case CT_STR:
		case CT_STR0:
		case CT_PATH:
		case CT_OPTPATH:
			free(*conf_str_slot(c, &conf_keys[i]));
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < c->nprops && i < CW_CONF_MAX_PROPS; i++) {
		free(c->props[i].key);
		free(c->props[i].value);
	}
	free(c->path);
	memset(c, 0, sizeof(*c));
}

int cw_conf_init_defaults(struct cw_conf *c)
{
	char msg[160];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++) {
		const struct conf_key *k = &conf_keys[i];
		union conf_val v;

		if (!k->def)
			continue;
		/* defaults are checked by the tests; failure is a bug */
		if (conf_parse_value(k, k->def, &v, msg, sizeof(msg)) < 0 ||
		    conf_store(c, k, &v) < 0) {
			cw_conf_fini(c);
			return -1;
		}
	}
	return 0;
}

static const struct conf_key *conf_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(conf_keys[i].name, name))
			return &conf_keys[i];
	return NULL;
}

/* Is `name` a section (a proper dotted prefix of some key)? */
static int conf_is_section(const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < NKEYS; i++)
		if (!strncmp(conf_keys[i].name, name, len) &&
		    conf_keys[i].name[len] == '.')
			return 1;
	return 0;
}

/*
 * Closest key or section to `name` (every dotted prefix of every key is a
 * candidate, so "kafka.topic" suggests "kafka.topics"). NULL if nothing
 * is reasonably close.
 */
static const char *conf_suggest(const char *name, char *buf, size_t buflen)
{
	size_t best = SIZE_MAX, len = strlen(name);

	for (size_t i = 0; i < NKEYS; i++) {
		const char *k = conf_keys[i].name;
		const char *dot = k;

		do {
			size_t kl;
			size_t d;

			dot = strchr(dot + 1, '.');
			kl = dot ? (size_t)(dot - k) : strlen(k);
			d = cw_edit_distance(name, len, k, kl, 0);
			if (d < best && kl < buflen) {
				best = d;
				memcpy(buf, k, kl);
				buf[kl] = '\0';
			}
		} while (dot);
	}
	return best <= len / 2 + 1 ? buf : NULL;
}

static void conf_unknown(struct conf_load *L, const struct yx_node *key,
			 const char *full)
{
	char sug[CONF_NAME_MAX + 1];
	const char *s = conf_suggest(full, sug, sizeof(sug));

	if (s)
		yx_errf(L->err, L->errlen, L->doc, key,
			"unknown key '%s' (did you mean '%s'?)", full, s);
	else
		yx_errf(L->err, L->errlen, L->doc, key, "unknown key '%s'",
			full);
}

int cw_conf_is_secret_key(const char *name)
{
	static const char *const words[] = {"password", "passwd", "secret",
					    "token", "credential", "pass", "pasw", "pwd",
					    "key.pem"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(name, words[i]))
			return 1;
	return 0;
}

/* The librdkafka name under an optional "consumer."/"producer." prefix. */
static const char *conf_prop_base(const char *key)
{
	if (!strncmp(key, "consumer.", 9))
		return key + 9;
	if (!strncmp(key, "producer.", 9))
		return key + 9;
	return key;
}

static int conf_apply_props(struct conf_load *L, struct cw_conf *c,
			    const struct conf_key *k, const struct yx_node *v)
{
	if (yx_is_null(v))
		return 0;
	if (v->kind != YX_MAP) {
		yx_errf(L->err, L->errlen, L->doc, v,
			"%s: expected a mapping of librdkafka properties, got %s",
			k->name, yx_kind_str(v));
		return -1;
	}
	if (v->n > CW_CONF_MAX_PROPS) {
		yx_errf(L->err, L->errlen, L->doc, v,
			"%s: too many properties (limit %d)", k->name,
			CW_CONF_MAX_PROPS);
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct yx_node *pk = v->items[2 * i];
		const struct yx_node *pv = v->items[2 * i + 1];
		const char *ks, *vs, *base;
		struct cw_kv *kv;

		if (yx_get_str(L->doc, pk, k->name, &ks, L->err, L->errlen) < 0)
			return -1;
		/* never echo a value of a secret-looking key */
		if (pv->kind != YX_SCALAR && cw_conf_is_secret_key(ks)) {
			yx_errf(L->err, L->errlen, L->doc, pv,
				"%s.%s: expected a string", k->name, ks);
			return -1;
		}
		if (yx_get_str(L->doc, pv, pk->str, &vs, L->err, L->errlen) < 0)
			return -1;
		base = conf_prop_base(ks);
		if (!*base) {
			yx_errf(L->err, L->errlen, L->doc, pk,
				"%s: empty property name", k->name);
			return -1;
		}
		for (size_t r = 0; r < sizeof(conf_refused_props) /
					   sizeof(conf_refused_props[0]);
		     r++)
			if (!strcmp(base, conf_refused_props[r].name)) {
				yx_errf(L->err, L->errlen, L->doc, pk,
					"%s: '%s' cannot be overridden: %s",
					k->name, ks, conf_refused_props[r].why);
				return -1;
			}
		kv = &c->props[c->nprops];
		kv->key = strdup(ks);
		kv->value = strdup(vs);
		c->nprops++; /* counted first so fini frees a partial pair */
		if (!kv->key || !kv->value) {
			yx_errf(L->err, L->errlen, L->doc, pk, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int conf_apply(struct conf_load *L, struct cw_conf *c,
		      const struct conf_key *k, const struct yx_node *key,
		      const struct yx_node *v)
{
	char msg[256];
	union conf_val val;

	L->seen[k - conf_keys] = v;
	if (k->type == CT_REFUSED) {
		yx_errf(L->err, L->errlen, L->doc, key,
			"%s: inline passwords are refused; put the password in "
			"a file readable only by churnwatch and set "
			"redis.password_file",
			k->name);
		return -1;
	}
	if (k->type == CT_PROPS)
		return conf_apply_props(L, c, k, v);
	if (v->kind != YX_SCALAR) {
		yx_errf(L->err, L->errlen, L->doc, v,
			"%s: expected a %s, got %s", k->name,
			conf_type_str(k->type), yx_kind_str(v));
		return -1;
	}
	if (strlen(v->str) != v->len) {
		yx_errf(L->err, L->errlen, L->doc, v, "%s: NUL byte in value",
			k->name);
		return -1;
	}
	if (conf_parse_value(k, yx_is_null(v) ? "" : v->str, &val, msg,
			     sizeof(msg)) < 0) {
		yx_errf(L->err, L->errlen, L->doc, v, "%s: %s", k->name, msg);
		return -1;
	}
	if (conf_store(c, k, &val) < 0) {
		yx_errf(L->err, L->errlen, L->doc, v, "out of memory");
		return -1;
	}
	return 0;
}

/* Walk a mapping whose keys are relative to `prefix` ("" at the top). */
static int conf_walk(struct conf_load *L, struct cw_conf *c,
		     const struct yx_node *map, const char *prefix)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct yx_node *key = map->items[2 * i];
		const struct yx_node *val = map->items[2 * i + 1];
		char full[CONF_NAME_MAX + 1];
		const struct conf_key *k;
		int n;

		n = snprintf(full, sizeof(full), "%s%s%s", prefix,
			     *prefix ? "." : "", key->str);
		if (n < 0 || (size_t)n >= sizeof(full) ||
		    strlen(key->str) != key->len) {
			yx_errf(L->err, L->errlen, L->doc, key, "unknown key");
			return -1;
		}
		k = conf_find(full);
		if (k) {
			if (conf_apply(L, c, k, key, val) < 0)
				return -1;
			continue;
		}
		if (!conf_is_section(full)) {
			conf_unknown(L, key, full);
			return -1;
		}
		if (yx_is_null(val))
			continue;
		if (val->kind != YX_MAP) {
			yx_errf(L->err, L->errlen, L->doc, val,
				"%s: expected a mapping, got %s", full,
				yx_kind_str(val));
			return -1;
		}
		if (conf_walk(L, c, val, full) < 0)
			return -1;
	}
	return 0;
}

/* Make a relative path absolute against the config's directory. */
static int conf_resolve_paths(struct conf_load *L, struct cw_conf *c)
{
	if (!L->dir)
		return 0;
	for (size_t i = 0; i < NKEYS; i++) {
		const struct conf_key *k = &conf_keys[i];
		char **slot;
		char *joined;
		size_t need;

		if (k->type != CT_PATH && k->type != CT_OPTPATH)
			continue;
		slot = conf_str_slot(c, k);
		/* "$CREDENTIALS_DIRECTORY/..." is resolved when read */
		if (!*slot || (*slot)[0] == '/' || (*slot)[0] == '$')
			continue;
		need = L->dirlen + 1 + strlen(*slot) + 1;
		joined = malloc(need);
		if (!joined) {
			yx_errf(L->err, L->errlen, L->doc, NULL, "out of memory");
			return -1;
		}
		snprintf(joined, need, "%.*s/%s", (int)L->dirlen, L->dir, *slot);
		free(*slot);
		*slot = joined;
	}
	return 0;
}

/* Cross-key checks; complaints point at the later key when it was set. */
static int conf_validate(struct conf_load *L, const struct cw_conf *c)
{
	const struct conf_key *hi = conf_find("segments.arpu_high");
	const struct conf_key *mat = conf_find("segments.tenure_mature");
	const struct conf_key *asg = conf_find("kafka.assignment");

	if (strcmp(c->assignment, "group") && strcmp(c->assignment, "all")) {
		yx_errf(L->err, L->errlen, L->doc, L->seen[asg - conf_keys],
			"kafka.assignment must be 'group' or 'all', not '%s'",
			c->assignment);
		return -1;
	}
	if (c->arpu_mid > c->arpu_high) {
		yx_errf(L->err, L->errlen, L->doc, L->seen[hi - conf_keys],
			"segments.arpu_high must not be below segments.arpu_mid");
		return -1;
	}
	if (c->tenure_stable_ms > c->tenure_mature_ms) {
		yx_errf(L->err, L->errlen, L->doc, L->seen[mat - conf_keys],
			"segments.tenure_mature must not be below "
			"segments.tenure_stable");
		return -1;
	}
	return 0;
}

/*
 * *c must be zeroed or hold a configuration; on success its old content
 * is released and replaced, on failure it is untouched.
 */
static int conf_load_doc(const char *buf, size_t len, const char *name,
			 int resolve, struct cw_conf *c, char *err,
			 size_t errlen)
{
	struct conf_load L = {.err = err, .errlen = errlen};
	struct yx_doc *doc = NULL;
	struct cw_conf tmp;
	const char *slash = name ? strrchr(name, '/') : NULL;
	int rc = -1;

	if (cw_conf_init_defaults(&tmp) < 0) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	if (yx_load(buf, len, name, &doc, err, errlen) < 0)
		goto out;
	L.doc = doc;
	if (resolve && slash) {
		L.dir = slash == name ? "/" : name;
		L.dirlen = slash == name ? 0 : (size_t)(slash - name);
	}
	tmp.path = strdup(name);
	if (!tmp.path) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	if (doc->root && !yx_is_null(doc->root)) {
		if (doc->root->kind != YX_MAP) {
			yx_errf(err, errlen, doc, doc->root,
				"expected a mapping of settings, got %s",
				yx_kind_str(doc->root));
			goto out;
		}
		if (conf_walk(&L, &tmp, doc->root, "") < 0)
			goto out;
	}
	if (conf_resolve_paths(&L, &tmp) < 0 || conf_validate(&L, &tmp) < 0)
		goto out;
	cw_conf_fini(c);
	*c = tmp;
	memset(&tmp, 0, sizeof(tmp));
	rc = 0;
out:
	cw_conf_fini(&tmp);
	yx_free(doc);
	return rc;
}

int cw_conf_load_buf(const char *buf, size_t len, const char *name,
		     struct cw_conf *c, char *err, size_t errlen)
{
	return conf_load_doc(buf, len, name ? name : "<config>", 1, c, err,
			     errlen);
}

int cw_conf_load(const char *path, struct cw_conf *c, char *err,
		 size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (yx_read_file(path, &buf, &len, err, errlen) < 0)
		return -1;
	rc = conf_load_doc(buf, len, path, 1, c, err, errlen);
	free(buf);
	return rc;
}

/*
 * A *_file value naming a systemd credential ("$CREDENTIALS_DIRECTORY/x"
 * or "${CREDENTIALS_DIRECTORY}/x") becomes a path under the directory
 * systemd set for this process. Other values are used as they are.
 */
static int conf_secret_path(const char *key, const char *value, char *buf,
			    size_t buflen, char *err, size_t errlen)
{
	static const char *const forms[] = {"${CREDENTIALS_DIRECTORY}/",
					    "$CREDENTIALS_DIRECTORY/"};
	const char *dir = getenv("CREDENTIALS_DIRECTORY");

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(forms[i]);

		if (strncmp(value, forms[i], n))
			continue;
		if (!dir || !*dir) {
			snprintf(err, errlen,
				 "%s: '%s' names a systemd credential, but "
				 "$CREDENTIALS_DIRECTORY is not set (run under "
				 "the unit, with LoadCredential=, or set it)",
				 key, value);
			return -1;
		}
		if (!value[n] || strchr(value + n, '/')) {
			snprintf(err, errlen, "%s: '%s': expected one credential "
				 "name after the directory", key, value);
			return -1;
		}
		if ((size_t)snprintf(buf, buflen, "%s/%s", dir, value + n) >=
		    buflen) {
			snprintf(err, errlen, "%s: credential path too long", key);
			return -1;
		}
		return 0;
	}
	if (value[0] == '$') {
		snprintf(err, errlen,
			 "%s: '%s': only $CREDENTIALS_DIRECTORY/NAME is expanded",
			 key, value);
		return -1;
	}
	if ((size_t)snprintf(buf, buflen, "%s", value) >= buflen) {
		snprintf(err, errlen, "%s: path too long", key);
		return -1;
	}
	return 0;
}

/* Read one secret file: regular, not world-readable, one line. */
static int conf_read_secret(const char *key, const char *value, char **out,
			    char *err, size_t errlen)
{
	char path[4096];
	char buf[CONF_PASSWORD_MAX + 1];
	struct stat st;
	size_t used = 0;
	int fd, rc = -1;

	/* *out is only written on success */
	if (!value || !*value) {
		*out = NULL;
		return 0;
	}
	if (conf_secret_path(key, value, path, sizeof(path), err, errlen) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open %s as uid %u: %s", key,
			 path, (unsigned)geteuid(), strerror(errno));
		return -1;
	}
	/* check the file we opened, not the name, so it cannot be swapped */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a regular file", key, path);
		goto out;
	}
	if (st.st_mode & S_IROTH) {
		snprintf(err, errlen,
			 "%s: %s is readable by everyone (mode %04o); "
			 "refusing it: chmod o-r (0600 or 0640), or pass it "
			 "with LoadCredential=",
			 key, path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_mode & S_IRGRP)
		log_warn("%s: %s is group-readable (mode %04o); 0600 is safer",
			 key, path, (unsigned)(st.st_mode & 07777));
	for (;;) {
		ssize_t r = read(fd, buf + used, sizeof(buf) - 1 - used);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s: read error: %s", key, path,
				 strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		used += (size_t)r;
		if (used == sizeof(buf) - 1) {
			snprintf(err, errlen, "%s: %s is too large", key, path);
			goto out;
		}
	}
	if (used && buf[used - 1] == '\n')
		used--;
	if (used && buf[used - 1] == '\r')
		used--;
	buf[used] = '\0';
	if (used == 0 || strlen(buf) != used) {
		snprintf(err, errlen, "%s: %s is empty or has a NUL byte", key,
			 path);
		goto out;
	}
	*out = strdup(buf);
	if (!*out) {
		snprintf(err, errlen, "%s: out of memory", key);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

int cw_conf_read_password(const struct cw_conf *c, char **out, char *err,
			  size_t errlen)
{
	return conf_read_secret("redis.password_file", c->redis_password_file,
				out, err, errlen);
}

static void conf_free_secret(char **p)
{
	if (*p) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void cw_secrets_fini(struct cw_secrets *s)
{
	if (!s)
		return;
	conf_free_secret(&s->redis_password);
	conf_free_secret(&s->redis_username);
	conf_free_secret(&s->kafka_sasl_password);
}

int cw_conf_read_secrets(const struct cw_conf *c, struct cw_secrets *out,
			 char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (c->redis_username_file && c->redis_username && *c->redis_username) {
		snprintf(err, errlen, "redis.username and redis.username_file "
			 "are both set; keep one");
		return -1;
	}
	if (conf_read_secret("redis.password_file", c->redis_password_file,
			     &out->redis_password, err, errlen) < 0 ||
	    conf_read_secret("redis.username_file", c->redis_username_file,
			     &out->redis_username, err, errlen) < 0 ||
	    conf_read_secret("kafka.sasl_password_file",
			     c->kafka_sasl_password_file,
			     &out->kafka_sasl_password, err, errlen) < 0) {
		cw_secrets_fini(out);
		return -1;
	}
	if (!out->redis_username && c->redis_username && *c->redis_username &&
	    !(out->redis_username = strdup(c->redis_username))) {
		snprintf(err, errlen, "out of memory");
		cw_secrets_fini(out);
		return -1;
	}
	if (out->redis_username && !out->redis_password) {
		snprintf(err, errlen, "a Redis ACL user needs a password: set "
			 "redis.password_file");
		cw_secrets_fini(out);
		return -1;
	}
	return 0;
}

static int conf_is_reloadable(const char *name)
{
	for (size_t i = 0; i < sizeof(conf_reloadable) / sizeof(conf_reloadable[0]);
	     i++) {
		size_t n = strlen(conf_reloadable[i]);

		if (conf_reloadable[i][n - 1] == '.' ?
			    !strncmp(name, conf_reloadable[i], n) :
			    !strcmp(name, conf_reloadable[i]))
			return 1;
	}
	return 0;
}

static int conf_props_equal(const struct cw_conf *a, const struct cw_conf *b)
{
	if (a->nprops != b->nprops)
		return 0;
	for (size_t i = 0; i < a->nprops; i++)
		if (strcmp(a->props[i].key, b->props[i].key) ||
		    strcmp(a->props[i].value, b->props[i].value))
			return 0;
	return 1;
}

static int conf_value_equal(const struct conf_key *k, const struct cw_conf *a,
			    const struct cw_conf *b)
{
	const char *pa = (const char *)a + k->off, *pb = (const char *)b + k->off;

	switch (k->type) {
	case CT_STR:
	case CT_STR0:
	case CT_PATH:
	case CT_OPTPATH: {
		const char *sa = *(char *const *)(const void *)pa;
		const char *sb = *(char *const *)(const void *)pb;

		return (!sa && !sb) || (sa && sb && !strcmp(sa, sb));
	}
	case CT_DUR:
	case CT_MONEY:
		return !memcmp(pa, pb, sizeof(int64_t));
	case CT_INT:
	case CT_LEVEL:
		return !memcmp(pa, pb, sizeof(int));
	case CT_UTCOFF:
		return !memcmp(pa, pb, sizeof(int32_t));
	case CT_PROPS:
		return conf_props_equal(a, b);
	case CT_REFUSED:
		return 1;
	}
	return 1;
}

int cw_conf_reload_into(struct cw_conf *live, struct cw_conf *fresh,
			char *restart, size_t restartlen)
{
	size_t used = 0;
	int nrestart = 0;

	restart[0] = '\0';
	for (size_t i = 0; i < NKEYS; i++) {
		const struct conf_key *k = &conf_keys[i];
		char *pl = (char *)live + k->off, *pf = (char *)fresh + k->off;
		char tmp[sizeof(int64_t)];
		size_t sz;

		if (conf_value_equal(k, live, fresh))
			continue;
		if (!conf_is_reloadable(k->name)) {
			int n = snprintf(restart + used, restartlen - used, "%s%s",
					 used ? ", " : "", k->name);
			if (n > 0 && (size_t)n < restartlen - used)
				used += (size_t)n;
			nrestart++;
			continue;
		}
		/* swap, so fini(fresh) frees what live held */
		switch (k->type) {
		case CT_STR: case CT_STR0: case CT_PATH: case CT_OPTPATH:
			sz = sizeof(char *);
			break;
		case CT_DUR: case CT_MONEY:
			sz = sizeof(int64_t);
			break;
		case CT_INT: case CT_LEVEL:
			sz = sizeof(int);
			break;
		case CT_UTCOFF:
			sz = sizeof(int32_t);
			break;
		default:
			continue; /* props are never reloadable */
		}
		memcpy(tmp, pl, sz);
		memcpy(pl, pf, sz);
		memcpy(pf, tmp, sz);
	}
	return nrestart;
}

void cw_conf_print_reference(void *file)
{
	FILE *f = file;

	fprintf(f, "%-26s %-10s %-30s %s\n", "KEY", "TYPE", "DEFAULT",
		"MEANING");
	for (size_t i = 0; i < NKEYS; i++) {
		const struct conf_key *k = &conf_keys[i];
		const char *def = k->def ? k->def : "(unset)";

		if (k->type == CT_PROPS)
			def = "{}";
		else if (k->type == CT_REFUSED)
			def = "-";
		else if (k->def && !*k->def)
			def = "\"\"";
		fprintf(f, "%-26s %-10s %-30s %s\n", k->name,
			conf_type_str(k->type), def, k->doc);
	}
}
