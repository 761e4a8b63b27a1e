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

/* Format one line: prefix, message, optional suppression note, '\n'. */
static void log_emit(enum cw_log_level level, uint32_t suppressed,
		     const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void log_emit(enum cw_log_level level, uint32_t suppressed,
		     const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t cap = sizeof(line) - 1; /* room for the '\n' */
	size_t pos, start;
	int n;

	if (log_want_prefix())
		n = snprintf(line, cap, "<%d>", (int)level);
	else
		n = snprintf(line, cap, "%s: ", log_level_name(level));
	pos = n > 0 ? (size_t)n : 0;
	start = pos;

	n = vsnprintf(line + pos, cap - pos, fmt, ap);
	if (n > 0)
		pos += (size_t)n < cap - pos ? (size_t)n : cap - pos - 1;
	if (suppressed > 0 && pos < cap - 1) {
		n = snprintf(line + pos, cap - pos,
			     " (%u similar messages suppressed)", suppressed);
		if (n > 0)
			pos += (size_t)n < cap - pos ? (size_t)n
						     : cap - pos - 1;
	}
	while (pos > start && line[pos - 1] == '\n')
		pos--;
	log_sanitize(line + start, pos - start);
	line[pos++] = '\n';
	log_write(line, pos);
}

/* log.h cannot carry this attribute portably for a va_list function. */
void cw_logv(enum cw_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

void cw_logv(enum cw_log_level level, const char *fmt, va_list ap)
{
	if (!log_enabled(level))
		return;
	log_emit(level, 0, fmt, ap);
}

void cw_log(enum cw_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_emit(level, 0, fmt, ap);
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
 * A call site's state is not locked: rate-limited sites are on the
 * processing thread, and a lost count under a race would be harmless.
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
	if (rl->in_window == 0 ||
	    now - rl->window_start >= LOG_RL_INTERVAL_MS ||
	    now < rl->window_start) {
		rl->window_start = now;
		rl->in_window = 0;
	}
	if (rl->in_window >= LOG_RL_BURST) {
		rl->suppressed++;
		return;
	}
	rl->in_window++;
	suppressed = rl->suppressed;
	rl->suppressed = 0;
	va_start(ap, fmt);
	log_emit(level, suppressed, fmt, ap);
	va_end(ap);
}
