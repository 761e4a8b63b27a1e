/*
 * failpoint.c — deterministic fault injection (see failpoint.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cw/failpoint.h"
#include "cw/log.h"

static const char *const points[] = {
	"crash-after-exec", "crash-after-publish", "crash-during-reload",
	"stall-before-exec",
};

int cw_failpoint_parse(const char *spec, struct cw_failpoint *fp, char *err,
		       size_t errlen)
{
	char *end;
	size_t n;
	int known = 0;

	memset(fp, 0, sizeof(*fp));
	if (!spec || !*spec)
		return 0;
	n = strcspn(spec, ":");
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
		known |= strlen(points[i]) == n && !strncmp(points[i], spec, n);
	if (!known || n >= sizeof(fp->name)) {
		snprintf(err, errlen, "CHURNWATCH_FAILPOINT: unknown point '%.*s'",
			 (int)n, spec);
		return -1;
	}
	memcpy(fp->name, spec, n);
	fp->at = 1;
	fp->ms = 10000;
	if (spec[n] == ':') {
		errno = 0;
		fp->at = strtol(spec + n + 1, &end, 10);
		if (errno || fp->at < 1 || (*end && *end != ':') ||
		    (*end == ':' && ((fp->ms = strtol(end + 1, &end, 10)) < 0 || *end))) {
			snprintf(err, errlen, "CHURNWATCH_FAILPOINT '%s': expected "
				 "NAME[:N[:MS]] with N >= 1", spec);
			memset(fp, 0, sizeof(*fp));
			return -1;
		}
	}
	return 0;
}

void cw_failpoint(struct cw_failpoint *fp, const char *name)
{
	if (!fp->name[0] || strcmp(fp->name, name) || ++fp->hits != fp->at)
		return;
	if (!strncmp(name, "stall-", 6)) {
		struct timespec ts = {fp->ms / 1000, (fp->ms % 1000) * 1000000L};
		log_warn("failpoint %s: stalling %ld ms", name, fp->ms);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		return;
	}
	log_warn("failpoint %s: crashing", name);
	raise(SIGKILL);
}
