/* The daemon's log (see dlog.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "dlog.h"

enum dlog_level dlog_cur = DLOG_NOTICE;
static bool to_syslog;

static const char *const names[] = { "error", "warning", "notice", "info", "debug" };
static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

void dlog_open(bool use_syslog, enum dlog_level level)
{
	to_syslog = use_syslog;
	dlog_cur = level;
	if (use_syslog)
		openlog("mip6secd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void dlog_set_level(enum dlog_level level) { dlog_cur = level; }

int dlog_parse_level(const char *s, enum dlog_level *out)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum dlog_level)i;
			return 0;
		}
	if (!strcmp(s, "err")) {
		*out = DLOG_ERR;
		return 0;
	}
	if (!strcmp(s, "warn")) {
		*out = DLOG_WARN;
		return 0;
	}
	return -1;
}

const char *dlog_level_name(enum dlog_level l) { return l <= DLOG_DEBUG ? names[l] : "?"; }

static void vlog(enum dlog_level level, const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	if (to_syslog) {
		syslog(prio[level], "%s", line);
		return;
	}
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	/* one fprintf: lines from a foreground daemon never interleave */
	fprintf(stderr, "%02d:%02d:%02d.%03ld mip6secd %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000, names[level], line);
}

void dlog(enum dlog_level level, const char *fmt, ...)
{
	if (!DLOG_ON(level))
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void dlog_rl(struct dlog_rl *rl, uint64_t now, enum dlog_level level, const char *fmt, ...)
{
	if (!DLOG_ON(level))
		return;
	if (now - rl->window_start >= 1000000000ull) {
		rl->window_start = now;
		rl->in_window = 0;
	}
	if (rl->in_window >= DLOG_RL_BURST) {
		rl->suppressed++;
		return;
	}
	rl->in_window++;
	if (rl->suppressed) {
		dlog(level, "(%llu similar messages suppressed)", (unsigned long long)rl->suppressed);
		rl->suppressed = 0;
	}
	va_list ap;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}
