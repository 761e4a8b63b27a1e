/*
 * log.c — churnwatch's logging: stderr, journald priority prefixes,
 * per-call-site rate limiting (see include/cw/log.h for the API).
 *
 * Each line is formatted into a stack buffer and written with a single
 * write(2), so lines from different threads never interleave, and control
 * characters are replaced so that input echoed into a message cannot forge
 * extra log lines.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cw/log.h"

#define LOG_LINE_MAX 2048
#define LOG_RL_BURST 10
#define LOG_RL_INTERVAL_MS 10000

/*
 * Process-wide settings. These are the only globals of this module, and
 * deliberately so: a log level and an output format are properties of the
 * process (set once from the config or by tests), and threading a logger
 * handle through every module just to read them would buy nothing.
 * Atomics because the metrics thread logs too.
 */
static atomic_int log_level = CW_LOG_INFO;
static atomic_int log_prefix = -1; /* -1 auto-detect, 0 off, 1 on */

/* Rate limiters holding suppressed lines, so that cw_log_tick() can report
 * them when their window ends even if the message never comes again. */
static pthread_mutex_t log_rl_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cw_ratelimit *log_rl_pending;

void cw_log_set_level(enum cw_log_level level)
{
	if (level < CW_LOG_ERR)
		level = CW_LOG_ERR;
	if (level > CW_LOG_DEBUG)
		level = CW_LOG_DEBUG;
	atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
}

enum cw_log_level cw_log_get_level(void)
{
	return (enum cw_log_level)atomic_load_explicit(&log_level,
						       memory_order_relaxed);
}

void cw_log_set_prefix(int on)
{
	atomic_store_explicit(&log_prefix, on ? 1 : 0, memory_order_relaxed);
}

/* Auto-detect once: systemd sets JOURNAL_STREAM when stderr goes to the
 * journal. Racing first calls compute the same answer, so no lock. */
static int log_want_prefix(void)
{
	int p = atomic_load_explicit(&log_prefix, memory_order_relaxed);

	if (p < 0) {
		p = getenv("JOURNAL_STREAM") != NULL;
		atomic_store_explicit(&log_prefix, p, memory_order_relaxed);
	}
	return p;
}

static const char *log_level_name(enum cw_log_level level)
{
	switch (level) {
	case CW_LOG_ERR:
		return "error";
	case CW_LOG_WARNING:
		return "warning";
	case CW_LOG_NOTICE:
		return "notice";
	case CW_LOG_INFO:
		return "info";
	case CW_LOG_DEBUG:
		return "debug";
	}
	return "log";
}

static int log_enabled(enum cw_log_level level)
{
	return (int)level <=
	       atomic_load_explicit(&log_level, memory_order_relaxed);
}

/* Replace control characters (newlines above all) with '?'. */
static void log_sanitize(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			s[i] = '?';
	}
}

/* Write all of buf to stderr, retrying short writes and EINTR. Logging
 * must never fail the caller, so other errors are ignored. */
static void log_write(const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, buf, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

/* The start of every line: "<N>" for journald, else a UTC timestamp and
 * the level's name (a terminal or a file has no other clock). */
static size_t log_line_prefix(enum cw_log_level level, char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	int n;

	if (log_want_prefix()) {
		n = snprintf(buf, cap, "<%d>", (int)level);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(buf, cap,
			     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: ",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			     tm.tm_hour, tm.tm_min, tm.tm_sec,
			     ts.tv_nsec / 1000000, log_level_name(level));
	}
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/*
 * Write msg as one or more lines: every '\n'-separated part gets its own
 * prefix, so journald files each under the right priority (a multi-line
 * error stays readable and filterable). Other control characters are
 * replaced so that input echoed into a message cannot forge lines.
 */
static void log_write_parts(enum cw_log_level level, const char *msg,
			    size_t len, int split)
{
	char line[LOG_LINE_MAX];
	const char *p = msg, *end = msg + len;

	while (p < end) {
		const char *nl = split ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		size_t part = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t pos = log_line_prefix(level, line, sizeof(line));
		size_t room = sizeof(line) - 1 - pos;

		if (part > 0 || !nl) {
			if (part > room)
				part = room;
			memcpy(line + pos, p, part);
			log_sanitize(line + pos, part);
			pos += part;
			line[pos++] = '\n';
			log_write(line, pos);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

/*
 * Format one message (optional suppression note) and write its lines.
 * Rate-limited messages are the ones outside input can trigger: they are
 * never split, their newlines become '?' like any control character.
 */
static void log_emit(enum cw_log_level level, uint32_t suppressed, int split,
		     const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void log_emit(enum cw_log_level level, uint32_t suppressed, int split,
		     const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX * 4];
	size_t cap = sizeof(msg);
	size_t pos = 0;
	int n;

	n = vsnprintf(msg, cap, fmt, ap);
	if (n > 0)
		pos = (size_t)n < cap ? (size_t)n : cap - 1;
	if (suppressed > 0 && pos < cap - 1) {
		n = snprintf(msg + pos, cap - pos,
			     " (%u similar messages suppressed)", suppressed);
		if (n > 0)
			pos += (size_t)n < cap - pos ? (size_t)n
						     : cap - pos - 1;
	}
	while (pos > 0 && msg[pos - 1] == '\n')
		pos--;
	log_write_parts(level, msg, pos, split);
}

/* log.h cannot carry this attribute portably for a va_list function. */
void cw_logv(enum cw_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

void cw_logv(enum cw_log_level level, const char *fmt, va_list ap)
{
	if (!log_enabled(level))
		return;
	log_emit(level, 0, 1, fmt, ap);
}

void cw_log(enum cw_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_emit(level, 0, 1, fmt, ap);
	va_end(ap);
}

static int64_t log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * At most LOG_RL_BURST lines per LOG_RL_INTERVAL_MS per call site. The
 * first line of a new window carries the count suppressed in the last.
 * Call sites that suppressed something are kept on a list so that
 * cw_log_tick() reports the count when the window ends, even when the
 * message does not come again.
 */
void cw_log_rl(struct cw_ratelimit *rl, enum cw_log_level level,
	       const char *fmt, ...)
{
	int64_t now;
	uint32_t suppressed;
	va_list ap;

	if (!log_enabled(level))
		return;
	now = log_now_ms();
	pthread_mutex_lock(&log_rl_lock);
	if (rl->in_window == 0 ||
	    now - rl->window_start >= LOG_RL_INTERVAL_MS ||
	    now < rl->window_start) {
		rl->window_start = now;
		rl->in_window = 0;
	}
	if (rl->in_window >= LOG_RL_BURST) {
		rl->suppressed++;
		rl->level = (int)level;
		va_start(ap, fmt);
		vsnprintf(rl->last, sizeof(rl->last), fmt, ap);
		va_end(ap);
		if (!rl->registered) {
			rl->registered = 1;
			rl->next = log_rl_pending;
			log_rl_pending = rl;
		}
		pthread_mutex_unlock(&log_rl_lock);
		return;
	}
	rl->in_window++;
	suppressed = rl->suppressed;
	rl->suppressed = 0;
	pthread_mutex_unlock(&log_rl_lock);
	va_start(ap, fmt);
	log_emit(level, suppressed, 0, fmt, ap);
	va_end(ap);
}

static void log_report_suppressed(enum cw_log_level level, uint32_t n,
				  const char *last)
{
	char msg[LOG_LINE_MAX];
	int len = snprintf(msg, sizeof(msg),
			   "%u similar messages suppressed in the last %d s; "
			   "the last: %s",
			   n, LOG_RL_INTERVAL_MS / 1000, last);

	if (len > 0)
		log_write_parts(level, msg,
				(size_t)len < sizeof(msg) ? (size_t)len
							  : sizeof(msg) - 1,
				0);
}

void cw_log_tick(void)
{
	int64_t now = log_now_ms();
	struct cw_ratelimit **pp;

	pthread_mutex_lock(&log_rl_lock);
	pp = &log_rl_pending;
	while (*pp) {
		struct cw_ratelimit *rl = *pp;

		if (now - rl->window_start < LOG_RL_INTERVAL_MS &&
		    now >= rl->window_start) {
			pp = &rl->next;
			continue;
		}
		/* window over: report it, start afresh */
		if (rl->suppressed)
			log_report_suppressed((enum cw_log_level)rl->level,
					      rl->suppressed,
					      rl->last);
		rl->suppressed = 0;
		rl->in_window = 0;
		rl->registered = 0;
		*pp = rl->next;
		rl->next = NULL;
	}
	pthread_mutex_unlock(&log_rl_lock);
}
