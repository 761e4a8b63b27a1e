/*
 * log.h — churnwatch's tiny logging API (OpenBSD style).
 *
 * Messages go to stderr. When run under systemd (JOURNAL_STREAM set) each
 * line starts with a "<N>" priority prefix that journald understands;
 * otherwise with a UTC timestamp and the level. A message with newlines
 * becomes one prefixed line per part.
 * cw_log_*_rl() variants are rate-limited per call site: use them for
 * anything outside input can trigger.
 */
#ifndef CW_LOG_H
#define CW_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum cw_log_level {
	CW_LOG_ERR = 3,
	CW_LOG_WARNING = 4,
	CW_LOG_NOTICE = 5,
	CW_LOG_INFO = 6,
	CW_LOG_DEBUG = 7,
};

/* Messages above this level are not formatted at all. Default INFO. */
void cw_log_set_level(enum cw_log_level level);
enum cw_log_level cw_log_get_level(void);
/* Force/disable the journald "<N>" prefix (default: auto-detect). */
void cw_log_set_prefix(int on);

void cw_log(enum cw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cw_logv(enum cw_log_level level, const char *fmt, va_list ap);

/*
 * Rate limiter state for one call site: at most `burst` messages per
 * `interval_s`; the suppressed count is reported with the next message.
 */
struct cw_ratelimit {
	int64_t window_start;
	uint32_t in_window;
	uint32_t suppressed;
	/* for the end-of-window report (cw_log_tick) */
	int registered;
	int level;
	struct cw_ratelimit *next;
	char last[256];           /* the last suppressed message */
};

/* Report "(N similar messages suppressed)" for windows that have ended;
 * call it periodically from the main loop. */
void cw_log_tick(void);

void cw_log_rl(struct cw_ratelimit *rl, enum cw_log_level level,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_err(...) cw_log(CW_LOG_ERR, __VA_ARGS__)
#define log_warn(...) cw_log(CW_LOG_WARNING, __VA_ARGS__)
#define log_notice(...) cw_log(CW_LOG_NOTICE, __VA_ARGS__)
#define log_info(...) cw_log(CW_LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                                     \
	do {                                                               \
		if (cw_log_get_level() >= CW_LOG_DEBUG)                    \
			cw_log(CW_LOG_DEBUG, __VA_ARGS__);                 \
	} while (0)

/* Rate-limited: 10 lines per 10 s per call site. */
#define log_err_rl(...)                                                    \
	do {                                                               \
		static struct cw_ratelimit rl_;                            \
		cw_log_rl(&rl_, CW_LOG_ERR, __VA_ARGS__);                  \
	} while (0)
#define log_warn_rl(...)                                                   \
	do {                                                               \
		static struct cw_ratelimit rl_;                            \
		cw_log_rl(&rl_, CW_LOG_WARNING, __VA_ARGS__);              \
	} while (0)

#endif
