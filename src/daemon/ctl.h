/*
 * ctl — the control socket's server side: a unix stream socket (abstract
 * or a path), non-blocking, in the daemon's epoll loop. Each connection
 * sends one request line (ctl_proto.h), gets one answer, and is closed.
 *
 * Contract: ctl_open() listens and registers with epoll under the tags
 * it is given; ctl_event() handles readiness of any of them. A peer that
 * is neither root nor a member of the configured group is answered "ERR
 * permission denied". Requests are executed by the callback, which fills
 * a struct ctl_reply (ctl_printf / ctl_fail); answers are written as the
 * socket accepts them, so a slow client never blocks the loop. At most
 * CTL_CONN_MAX connections are open; one more closes the oldest.
 * Answers are allocated per request (this is not the packet path).
 */
#ifndef MIP6SEC_M6D_CTL_H
#define MIP6SEC_M6D_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctl_proto.h"

#define CTL_CONN_MAX 8

struct ctl_reply {
	char *buf;
	size_t len, cap;
	bool failed;
	bool oom;
};

void ctl_printf(struct ctl_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_append(struct ctl_reply *r, const char *s, size_t n);
/* Replace the body with the reason: the answer becomes "ERR reason". */
void ctl_fail(struct ctl_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef void (*ctl_exec_fn)(void *ctx, const char *line, struct ctl_reply *out);

struct ctl;

/* Tags: listen_tag for the listening socket, conn_tag + i for connection i. */
struct ctl *ctl_open(const char *where, bool has_group, gid_t gid, int epfd, uint64_t listen_tag, uint64_t conn_tag,
		     ctl_exec_fn exec, void *ctx, char *err, size_t errlen);
void ctl_event(struct ctl *c, uint64_t tag, uint32_t events);
void ctl_close(struct ctl *c);
uint64_t ctl_requests(const struct ctl *c);
uint64_t ctl_refused(const struct ctl *c);

#endif
