/*
 * evjson.c — an event back to canonical JSON (cw_event_to_json): the
 * contract's field order for each type, money without trailing zeros,
 * ts in UTC with milliseconds. Used by tests, gen and replay.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cw/event.h"
#include "event_int.h"

/* ------------------------------------------------------------------ */
/* Serialisation                                                       */

struct ev_out {
	char *p;
	size_t n, cap;
	bool full;
};

static void ev_put(struct ev_out *w, const char *s, size_t n)
{
	if (w->full || n >= w->cap - w->n) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->n, s, n);
	w->n += n;
}

static void ev_put_key(struct ev_out *w, const char *key)
{
	ev_put(w, w->n > 1 ? ",\"" : "\"", w->n > 1 ? 2 : 1);
	ev_put(w, key, strlen(key));
	ev_put(w, "\":", 2);
}

/* A decoded (valid UTF-8) string as a JSON string literal. */
static void ev_put_str(struct ev_out *w, const char *key, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	ev_put_key(w, key);
	ev_put(w, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			char e[2] = { '\\', (char)ch };

			ev_put(w, e, 2);
		} else if (ch < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[ch >> 4],
				      hex[ch & 15] };

			ev_put(w, e, 6);
		} else {
			ev_put(w, s, 1);
		}
	}
	ev_put(w, "\"", 1);
}

static void ev_put_int(struct ev_out *w, const char *key, int64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%lld", (long long)v);

	ev_put_key(w, key);
	ev_put(w, num, (size_t)n);
}

/* Thousandths as a decimal without trailing zeros: 350 -> 0.35. */
static void ev_put_money(struct ev_out *w, const char *key, int64_t v)
{
	char num[48];
	uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int n = snprintf(num, sizeof(num), "%s%llu.%03u", v < 0 ? "-" : "",
			 (unsigned long long)(a / CW_MONEY_SCALE),
			 (unsigned)(a % CW_MONEY_SCALE));

	while (num[n - 1] == '0')
		n--;
	if (num[n - 1] == '.')
		n--;
	ev_put_key(w, key);
	ev_put(w, num, (size_t)n);
}

/* An optional time (0: left out): a date when it is a UTC midnight. */
static void ev_put_time_opt(struct ev_out *w, const char *key, int64_t ms)
{
	char buf[40];

	if (!ms)
		return;
	if (ms % 86400000LL == 0) {
		int64_t y;
		int m, d;

		cw_civil_from_days(ms / 86400000LL, &y, &m, &d);
		snprintf(buf, sizeof(buf), "%04lld-%02d-%02d", (long long)y, m, d);
	} else {
		cw_time_format_rfc3339(ms, buf, sizeof(buf));
	}
	ev_put_str(w, key, buf);
}

static void ev_put_typed(struct ev_out *w, const struct cw_event *ev)
{
	static const char *const dirs[] = { "", "out", "in" };
	char period[16];

	switch (ev->type) {
	case CW_EV_VOICE:
	case CW_EV_SMS:
		ev_put_str(w, "direction", dirs[ev->direction % 3]);
		ev_put_str(w, "peer", ev->peer);
		if (ev->type == CW_EV_VOICE)
			ev_put_int(w, "duration_s", ev->duration_s);
		ev_put_money(w, "charge", ev->charge);
		if (ev->type == CW_EV_VOICE && ev->forwarded_to[0])
			ev_put_str(w, "forwarded_to", ev->forwarded_to);
		break;
	case CW_EV_DATA:
		ev_put_int(w, "bytes", ev->bytes);
		ev_put_money(w, "charge", ev->charge);
		break;
	case CW_EV_ACTIVATE:
		ev_put_str(w, "plan", ev->plan);
		ev_put_time_opt(w, "commitment_end", ev->commitment_end_ms);
		break;
	case CW_EV_PLAN_CHANGE:
		ev_put_str(w, "plan_from", ev->plan_from);
		ev_put_str(w, "plan_to", ev->plan_to);
		ev_put_time_opt(w, "commitment_end", ev->commitment_end_ms);
		break;
	case CW_EV_INVOICE:
		snprintf(period, sizeof(period), "%04d-%02d",
			 (int)(ev->period / 12), (int)(ev->period % 12 + 1));
		ev_put_str(w, "period", period);
		ev_put_money(w, "amount", ev->amount);
		ev_put_time_opt(w, "due", ev->due_ms);
		break;
	case CW_EV_RECHARGE:
	case CW_EV_PAYMENT:
		ev_put_money(w, "amount", ev->amount);
		break;
	case CW_EV_SUSPEND:
		ev_put_str(w, "reason", cw_suspend_reason_str(ev->suspend_reason));
		break;
	case CW_EV_PORTOUT_REQUEST:
		ev_put_str(w, "kind", cw_portout_kind_str(ev->portout_kind));
		if (ev->channel[0])
			ev_put_str(w, "channel", ev->channel);
		break;
	case CW_EV_FORWARD_SET:
		ev_put_str(w, "forward_to", ev->forwarded_to);
		break;
	case CW_EV_DEACTIVATE:
		ev_put_str(w, "reason", ev->reason);
		break;
	case CW_EV_RESUME:
	case CW_EV_FORWARD_CLEAR:
	case CW_EV__COUNT:
		break;
	}
}

int cw_event_to_json(const struct cw_event *ev, char *out, size_t outlen)
{
	struct ev_out w = { .p = out, .cap = outlen };
	char ts[32];

	if ((unsigned)ev->type >= CW_EV__COUNT || outlen == 0 ||
	    cw_time_format_rfc3339(ev->ts_ms, ts, sizeof(ts)) < 0)
		return -1;
	ev_put(&w, "{", 1);
	ev_put_str(&w, "event_id", ev->event_id);
	ev_put_str(&w, "type", ev_type_names[ev->type]);
	ev_put_str(&w, "subscriber", ev->subscriber);
	ev_put_str(&w, "ts", ts);
	ev_put_typed(&w, ev);
	ev_put(&w, "}", 1);
	if (w.full)
		return -1;
	out[w.n] = '\0';
	return (int)w.n;
}
