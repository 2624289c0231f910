/*
 * dlog — the daemon's log: levels, stderr (foreground, with time stamps)
 * or syslog (background), and a rate limiter for messages a peer can
 * provoke at will (malformed frames, drops).
 *
 * Contract: dlog() never allocates; a message longer than the line buffer
 * is truncated. DLOG_ON(level) is the cheap test to do before formatting
 * anything on the packet path. A struct dlog_rl lets at most
 * DLOG_RL_BURST messages a second through and counts what it suppressed
 * (said in the next line that gets through).
 */
#ifndef MIP6SEC_M6D_DLOG_H
#define MIP6SEC_M6D_DLOG_H

#include <stdbool.h>
#include <stdint.h>

enum dlog_level { DLOG_ERR = 0, DLOG_WARN, DLOG_NOTICE, DLOG_INFO, DLOG_DEBUG };

extern enum dlog_level dlog_cur;
#define DLOG_ON(l) ((l) <= dlog_cur)

void dlog_open(bool use_syslog, enum dlog_level level);
void dlog_set_level(enum dlog_level level);
void dlog(enum dlog_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "error", "warning", "notice", "info", "debug": 0, or -1 for an unknown name. */
int dlog_parse_level(const char *s, enum dlog_level *out);
const char *dlog_level_name(enum dlog_level l);

struct dlog_rl {
	uint64_t window_start;       /* ns */
	unsigned in_window;
	uint64_t suppressed;
};

#define DLOG_RL_BURST 20
void dlog_rl(struct dlog_rl *rl, uint64_t now, enum dlog_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
