/*
 * evtime.c — RFC 3339 timestamps (cw_time_parse_rfc3339,
 * cw_time_format_rfc3339) and the proleptic Gregorian calendar
 * (cw_days_from_civil, cw_civil_from_days) that every module bucketing by
 * day or month shares.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cw/event.h"
#include "event_int.h"

/* ------------------------------------------------------------------ */
/* RFC 3339 time                                                       */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
int64_t cw_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void cw_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int ev_days_in_month(int64_t y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* n ASCII digits at s as a number, or -1. */
int ev_digits_val(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM), 'T'/'Z' in either case.
 * The fraction is truncated to milliseconds. Returns 0 or -1.
 */
int cw_time_parse_rfc3339(const char *s, size_t len, int64_t *ms_out)
{
	int year, mon, day, hh, mi, ss, oh = 0, om = 0, sign = 0, frac = 0;
	size_t i = 19;

	if (len < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	year = ev_digits_val(s, 4);
	mon = ev_digits_val(s + 5, 2);
	day = ev_digits_val(s + 8, 2);
	hh = ev_digits_val(s + 11, 2);
	mi = ev_digits_val(s + 14, 2);
	ss = ev_digits_val(s + 17, 2);
	if (year < 0 || mon < 1 || mon > 12 || day < 1 ||
	    day > ev_days_in_month(year, mon) || hh < 0 || hh > 23 ||
	    mi < 0 || mi > 59 || ss < 0 || ss > 59)
		return -1;
	if (s[i] == '.') {
		size_t f0 = ++i;

		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (i - f0 < 3)
				frac = frac * 10 + (s[i] - '0');
			i++;
		}
		if (i == f0)
			return -1;
		for (size_t k = i - f0; k < 3; k++)
			frac *= 10;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '-' ? -1 : 1;
		if (len - i != 6 || s[i + 3] != ':')
			return -1;
		oh = ev_digits_val(s + i + 1, 2);
		om = ev_digits_val(s + i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		i += 6;
	} else {
		return -1;
	}
	if (i != len)
		return -1;
	int64_t t = cw_days_from_civil(year, mon, day) * 86400 +
		    hh * 3600 + mi * 60 + ss - sign * (oh * 3600 + om * 60);
	*ms_out = t * 1000 + frac;
	return 0;
}

int cw_time_format_rfc3339(int64_t ms, char *out, size_t outlen)
{
	/* Floor division without multiplying back (INT64_MIN must not
	 * overflow). */
	int64_t days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY, y;
	int m, d, n;

	if (rem < 0) {
		rem += MS_PER_DAY;
		days--;
	}

	cw_civil_from_days(days, &y, &m, &d);
	n = snprintf(out, outlen, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
		     (long long)y, m, d, (int)(rem / 3600000),
		     (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
		     (int)(rem % 1000));
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return n;
}
