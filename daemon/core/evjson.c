/*
 * evjson.c — an event back to canonical JSON (cw_event_to_json): the
 * contract's field order for each type, money without trailing zeros,
 * ts in UTC with milliseconds. Used by tests, gen and replay.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cw/event.h"
#include "cw/jsonw.h"
#include "event_int.h"

/* ------------------------------------------------------------------ */
/* Serialisation (through the one JSON writer, cw_jw)                 */

/* An optional time (0: left out): a date when it is a UTC midnight. */
static void ev_put_time_opt(struct cw_jw *w, const char *key, int64_t ms)
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
	cw_jw_str(w, key, buf);
}

static void ev_put_typed(struct cw_jw *w, const struct cw_event *ev)
{
	static const char *const dirs[] = { "", "out", "in" };
	char period[16];

	switch (ev->type) {
	case CW_EV_VOICE:
	case CW_EV_SMS:
		cw_jw_str(w, "direction", dirs[ev->direction % 3]);
		cw_jw_str(w, "peer", ev->peer);
		if (ev->type == CW_EV_VOICE)
			cw_jw_int(w, "duration_s", ev->duration_s);
		cw_jw_money(w, "charge", ev->charge);
		if (ev->type == CW_EV_VOICE && ev->forwarded_to[0])
			cw_jw_str(w, "forwarded_to", ev->forwarded_to);
		if (ev->imei[0])
			cw_jw_str(w, "imei", ev->imei);
		break;
	case CW_EV_DATA:
		cw_jw_int(w, "bytes", ev->bytes);
		cw_jw_money(w, "charge", ev->charge);
		if (ev->imei[0])
			cw_jw_str(w, "imei", ev->imei);
		break;
	case CW_EV_ACTIVATE:
		cw_jw_str(w, "plan", ev->plan);
		ev_put_time_opt(w, "commitment_end", ev->commitment_end_ms);
		if (ev->region[0])
			cw_jw_str(w, "region", ev->region);
		break;
	case CW_EV_PROFILE:
		cw_jw_str(w, "region", ev->region);
		break;
	case CW_EV_PLAN_CHANGE:
		cw_jw_str(w, "plan_from", ev->plan_from);
		cw_jw_str(w, "plan_to", ev->plan_to);
		ev_put_time_opt(w, "commitment_end", ev->commitment_end_ms);
		break;
	case CW_EV_INVOICE:
		snprintf(period, sizeof(period), "%04d-%02d",
			 (int)(ev->period / 12), (int)(ev->period % 12 + 1));
		cw_jw_str(w, "period", period);
		cw_jw_money(w, "amount", ev->amount);
		ev_put_time_opt(w, "due", ev->due_ms);
		break;
	case CW_EV_RECHARGE:
	case CW_EV_PAYMENT:
		cw_jw_money(w, "amount", ev->amount);
		break;
	case CW_EV_SUSPEND:
		cw_jw_str(w, "reason", cw_suspend_reason_str(ev->suspend_reason));
		break;
	case CW_EV_PORTOUT_REQUEST:
		cw_jw_str(w, "kind", cw_portout_kind_str(ev->portout_kind));
		if (ev->channel[0])
			cw_jw_str(w, "channel", ev->channel);
		break;
	case CW_EV_FORWARD_SET:
		cw_jw_str(w, "forward_to", ev->forwarded_to);
		break;
	case CW_EV_DEACTIVATE:
		cw_jw_str(w, "reason", ev->reason);
		break;
	case CW_EV_CONTACT:
		cw_jw_str(w, "task_id", ev->task_id);
		cw_jw_str(w, "agent", ev->agent);
		cw_jw_str(w, "channel", cw_contact_channel_str(ev->contact_channel));
		cw_jw_str(w, "result", cw_contact_result_str(ev->contact_result));
		break;
	case CW_EV_OFFER:
		cw_jw_str(w, "task_id", ev->task_id);
		cw_jw_str(w, "offer", ev->offer);
		cw_jw_money(w, "cost", ev->amount);
		if (ev->agent[0])
			cw_jw_str(w, "agent", ev->agent);
		break;
	case CW_EV_OUTCOME:
		cw_jw_str(w, "task_id", ev->task_id);
		cw_jw_str(w, "outcome", cw_outcome_str(ev->outcome));
		if (ev->agent[0])
			cw_jw_str(w, "agent", ev->agent);
		if (ev->reason[0])
			cw_jw_str(w, "reason", ev->reason);
		break;
	case CW_EV_RESUME:
	case CW_EV_FORWARD_CLEAR:
	case CW_EV__COUNT:
		break;
	}
}

int cw_event_to_json(const struct cw_event *ev, char *out, size_t outlen)
{
	struct cw_jw w;
	char ts[32];

	if ((unsigned)ev->type >= CW_EV__COUNT || outlen == 0 ||
	    cw_time_format_rfc3339(ev->ts_ms, ts, sizeof(ts)) < 0)
		return outlen == 0 ? -ENOSPC : -EINVAL;
	cw_jw_init(&w, out, outlen);
	cw_jw_obj_begin(&w, NULL);
	cw_jw_str(&w, "event_id", ev->event_id);
	cw_jw_str(&w, "type", ev_type_names[ev->type]);
	cw_jw_str(&w, "subscriber", ev->subscriber);
	cw_jw_str(&w, "ts", ts);
	ev_put_typed(&w, ev);
	cw_jw_obj_end(&w);
	return cw_jw_finish(&w);
}
