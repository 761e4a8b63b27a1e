/*
 * churnctl worklist — one retention queue's tasks of a day, most valuable
 * first and cut at the queue's daily capacity, as the daemon keeps them in
 * Redis (statestore.h: wl:<queue>:<day>). Read-only; every instance and
 * every run of this command see the same list.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cw/conf.h"
#include "cw/event.h"
#include "cw/log.h"
#include "cw/routing.h"
#include "cw/runtime.h"
#include "cw/statestore.h"
#include "cw/store.h"
#include "ctl.h"

enum wl_format { WL_TEXT, WL_JSON, WL_CSV };

struct wl_opts {
	const char *config, *queue, *date;
	enum wl_format format;
};

static void wl_usage(FILE *out)
{
	fprintf(out,
		"usage: churnctl worklist -c CONFIG --queue Q [--date YYYY-MM-DD] [--json|--csv]\n"
		"\n"
		"The tasks of retention queue Q (routing.yaml) created on one event-time\n"
		"day, highest priority (value at risk) first, at most the queue's daily\n"
		"capacity: subscriber, segment and monthly revenue, the rule and its\n"
		"evidence, the suggested action, and the task's age. Read from Redis as\n"
		"churnwatchd keeps it (read-only).\n"
		"\n"
		"  -c CONFIG     churnwatch.yaml (Redis, key prefix, routing)\n"
		"  --queue Q     a queue of routing.yaml\n"
		"  --date D      the day (default: today, UTC offset time.utc_offset)\n"
		"  --json        one JSON array of the alerts, each with \"rank\"\n"
		"  --csv         one row per task, for a CRM import\n"
		"  -h, --help    this text\n"
		"\n"
		"Exit 0 listed (also when empty), 1 Redis/config error or unknown queue,\n"
		"2 usage.\n");
}

static int wl_parse(int argc, char **argv, struct wl_opts *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"queue", required_argument, NULL, 'q'},
		{"date", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},
		{"csv", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'q': o->queue = optarg; break;
		case 'd': o->date = optarg; break;
		case 'j': o->format = WL_JSON; break;
		case 'v': o->format = WL_CSV; break;
		case 'h': wl_usage(stdout); return 1;
		default: wl_usage(stderr); return 2;
		}
	}
	if (!o->config || !o->queue || optind != argc) {
		fprintf(stderr, "churnctl worklist: -c CONFIG and --queue Q are required\n");
		wl_usage(stderr);
		return 2;
	}
	return 0;
}

/* The day asked for, checked, as "YYYY-MM-DD" and its start (ms). */
static int wl_day(const struct wl_opts *o, int64_t off_ms, char day[11],
		  int64_t *start)
{
	int64_t y;
	int m, d;

	if (o->date) {
		if (strlen(o->date) != 10 ||
		    sscanf(o->date, "%4ld-%2d-%2d", (long *)&y, &m, &d) != 3 ||
		    m < 1 || m > 12 || d < 1 || d > 31) {
			fprintf(stderr, "churnctl worklist: --date '%s' is not YYYY-MM-DD\n",
				o->date);
			return -1;
		}
		*start = cw_days_from_civil(y, m, d) * 86400000LL - off_ms;
	} else {
		int64_t now = (int64_t)time(NULL) * 1000 + off_ms;
		int64_t days = now / 86400000LL;
		*start = days * 86400000LL - off_ms;
		cw_civil_from_days(days, &y, &m, &d);
	}
	cw_civil_from_days((*start + off_ms) / 86400000LL, &y, &m, &d);
	snprintf(day, 11, "%04d-%02d-%02d", (int)y, m, d);
	return 0;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

/* "key=value; ..." of the alert's evidence: the reasons, on one line. */
static void evidence_text(json_object *a, char *buf, size_t len)
{
	json_object *ev;
	size_t n = 0;

	buf[0] = '\0';
	if (!json_object_object_get_ex(a, "evidence", &ev))
		return;
	json_object_object_foreach(ev, k, v) {
		int w = snprintf(buf + n, len - n, "%s%s=%s", n ? "; " : "", k,
				 json_object_get_string(v));
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
}

static void csv_field(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void wl_print(const struct wl_opts *o, const struct cw_ss_task *t,
		     size_t n, size_t total, int64_t capacity, const char *day,
		     int64_t day_end)
{
	json_object *arr = o->format == WL_JSON ? json_object_new_array() : NULL;

	if (o->format == WL_TEXT)
		printf("queue %s, %s: %zu task%s (capacity %lld, %zu created)\n",
		       o->queue, day, n, n == 1 ? "" : "s", (long long)capacity, total);
	if (o->format == WL_CSV)
		printf("rank,priority,subscriber,arpu_tier,tenure_stage,region,monthly_revenue,"
		       "rule,severity,ts,age_hours,action,evidence,alert_id\n");
	for (size_t i = 0; i < n; i++) {
		json_object *a = t[i].json ? json_tokener_parse(t[i].json) : NULL;
		json_object *seg = NULL;
		char evid[1024], prio[32];
		int64_t ts = 0;
		const char *tss = jstr(a, "ts");

		if (a)
			json_object_object_get_ex(a, "segment", &seg);
		(void)cw_time_parse_rfc3339(tss, strlen(tss), &ts);
		long age = ts ? (long)((day_end - ts) / 3600000) : -1;
		evidence_text(a, evid, sizeof(evid));
		snprintf(prio, sizeof(prio), "%lld.%03lld", (long long)(t[i].priority / 1000),
			 (long long)(llabs(t[i].priority) % 1000));
		switch (o->format) {
		case WL_JSON:
			if (!a)
				a = json_object_new_object();
			json_object_object_add(a, "rank", json_object_new_int64((int64_t)i + 1));
			json_object_array_add(arr, a);
			a = NULL;
			break;
		case WL_CSV:
			printf("%zu,%s,", i + 1, prio);
			csv_field(jstr(a, "subscriber")); putchar(',');
			csv_field(jstr(seg, "arpu_tier")); putchar(',');
			csv_field(jstr(seg, "tenure_stage")); putchar(',');
			csv_field(jstr(seg, "region")); putchar(',');
			csv_field(jstr(seg, "monthly_revenue")); putchar(',');
			csv_field(jstr(a, "rule")); putchar(',');
			csv_field(jstr(a, "severity")); putchar(',');
			csv_field(tss); putchar(',');
			printf("%ld,", age);
			csv_field(jstr(a, "action")); putchar(',');
			csv_field(evid); putchar(',');
			csv_field(t[i].alert_id); putchar('\n');
			break;
		case WL_TEXT:
			printf("%3zu. %12s  %s  %s/%s%s%s %s a month  %s (%s)  %ldh ago\n"
			       "     why: %s\n     do:  %s\n",
			       i + 1, prio, jstr(a, "subscriber"), jstr(seg, "arpu_tier"),
			       jstr(seg, "tenure_stage"), *jstr(seg, "region") ? "/" : "",
			       jstr(seg, "region"), jstr(seg, "monthly_revenue"),
			       jstr(a, "rule"), jstr(a, "severity"), age, evid,
			       jstr(a, "action"));
			break;
		}
		if (a)
			json_object_put(a);
	}
	if (arr) {
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	}
}

int ctl_worklist(int argc, char **argv)
{
	struct wl_opts o;
	struct ctl_redis c;
	struct cw_ss_task *tasks = NULL;
	size_t n = 0, total = 0;
	char err[512], day[11];
	int64_t start, capacity = -1;
	int rc = wl_parse(argc, argv, &o);

	if (rc == 1)
		return 0;
	if (rc)
		return rc;
	rc = 1;
	if (ctl_redis_open(&c, o.config, "worklist") < 0)
		goto out;
	if (!c.rt->routing) {
		fprintf(stderr, "churnctl worklist: %s sets no routing: (no queues; "
			"see docs/retention.md)\n", o.config);
		goto out;
	}
	for (size_t i = 0; i < cw_routing_queue_count(c.rt->routing); i++)
		if (!strcmp(cw_routing_queue_name(c.rt->routing, i), o.queue))
			capacity = cw_routing_queue_capacity(c.rt->routing, i);
	if (capacity < 0) {
		fprintf(stderr, "churnctl worklist: no queue '%s' in %s\n", o.queue,
			c.conf.routing);
		goto out;
	}
	if (wl_day(&o, (int64_t)c.conf.utc_offset_min * 60000, day, &start) < 0) {
		rc = 2;
		goto out;
	}
	if (cw_ss_read_worklist(c.ss, o.queue, day, capacity, &tasks, &n, &total, err,
				sizeof(err)) < 0) {
		fprintf(stderr, "churnctl worklist: %s\n", err);
		goto out;
	}
	wl_print(&o, tasks, n, total, capacity, day, start + 86400000LL);
	rc = 0;
out:
	cw_ss_worklist_free(tasks, n);
	ctl_redis_close(&c);
	return rc;
}
