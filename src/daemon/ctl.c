/* The control socket's server side (see ctl.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "dlog.h"
#include "crypto/m6_crypto.h"
#include "util/m6_err.h"

struct conn {
	int fd;
	uint64_t opened;              /* sequence, to find the oldest */
	bool writing;
	size_t in_len, sent;
	char in[CTL_LINE_MAX + 1];
	struct ctl_reply out;
};

struct ctl {
	int fd, epfd;
	char path[108];               /* a filesystem socket to unlink at close */
	bool has_group;
	gid_t gid;
	uint64_t listen_tag, conn_tag, seq;
	uint64_t requests, refused;
	ctl_exec_fn exec;
	void *ctx;
	struct conn conns[CTL_CONN_MAX];
};

/* ---- replies ---- */

static void grow(struct ctl_reply *r, size_t need)
{
	if (r->oom || r->len + need + 1 <= r->cap)
		return;
	size_t cap = r->cap ? r->cap : 4096;
	while (cap < r->len + need + 1)
		cap *= 2;
	/* answers may hold keys (`keys`): no copy is left behind unwiped */
	char *b = malloc(cap);
	if (!b) {
		r->oom = true;
		return;
	}
	if (r->buf) {
		memcpy(b, r->buf, r->len);
		m6_wipe(r->buf, r->cap);
		free(r->buf);
	}
	r->buf = b;
	r->cap = cap;
}

void ctl_append(struct ctl_reply *r, const char *s, size_t n)
{
	grow(r, n);
	if (r->oom)
		return;
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len] = 0;
}

static void vappend(struct ctl_reply *r, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	grow(r, (size_t)n);
	if (r->oom)
		return;
	vsnprintf(r->buf + r->len, (size_t)n + 1, fmt, ap);
	r->len += (size_t)n;
}

void ctl_printf(struct ctl_reply *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vappend(r, fmt, ap);
	va_end(ap);
}

void ctl_fail(struct ctl_reply *r, const char *fmt, ...)
{
	r->len = 0;
	r->failed = true;
	va_list ap;
	va_start(ap, fmt);
	vappend(r, fmt, ap);
	va_end(ap);
}

/* ---- sockets ---- */

static int set_addr(struct sockaddr_un *sa, socklen_t *len, const char *where)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	size_t n = strlen(where);
	if (n < 2 || n >= sizeof(sa->sun_path))
		return M6_E_INVAL;
	if (where[0] == '@') {
		/* abstract: a leading NUL, no terminator, scoped by network namespace */
		memcpy(sa->sun_path + 1, where + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		memcpy(sa->sun_path, where, n);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}

struct ctl *ctl_open(const char *where, bool has_group, gid_t gid, int epfd, uint64_t listen_tag, uint64_t conn_tag,
		     ctl_exec_fn exec, void *ctx, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	socklen_t salen;
	if (set_addr(&sa, &salen, where)) {
		snprintf(err, errlen, "control socket \"%s\": bad name", where);
		return NULL;
	}
	struct ctl *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->epfd = epfd;
	c->has_group = has_group;
	c->gid = gid;
	c->listen_tag = listen_tag;
	c->conn_tag = conn_tag;
	c->exec = exec;
	c->ctx = ctx;
	for (unsigned i = 0; i < CTL_CONN_MAX; i++)
		c->conns[i].fd = -1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	if (where[0] == '/') {
		/* a socket left by a daemon that died: replace it, unless a live
		 * daemon answers there */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, salen) == 0) {
			close(probe);
			errno = EADDRINUSE;
			goto fail;
		}
		if (probe >= 0)
			close(probe);
		unlink(where);
		snprintf(c->path, sizeof(c->path), "%s", where);
	}
	if (bind(c->fd, (struct sockaddr *)&sa, salen) < 0)
		goto fail;
	if (c->path[0]) {
		/* root, and the control group when there is one */
		if (chmod(c->path, has_group ? 0660 : 0600) < 0 || (has_group && chown(c->path, 0, gid) < 0))
			goto fail;
	}
	if (listen(c->fd, CTL_CONN_MAX) < 0)
		goto fail;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = listen_tag };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		goto fail;
	return c;
fail:
	snprintf(err, errlen, "control socket \"%s\": %s%s", where, strerror(errno),
		 errno == EADDRINUSE ? " (is another mip6secd running in this network namespace?)" : "");
	if (c->fd >= 0)
		close(c->fd);
	if (c->path[0] && errno != EADDRINUSE)
		unlink(c->path);
	free(c);
	return NULL;
}

static void conn_close(struct ctl *c, struct conn *k)
{
	if (k->fd >= 0) {
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, k->fd, NULL);
		close(k->fd);
	}
	if (k->out.buf)
		m6_wipe(k->out.buf, k->out.cap);
	free(k->out.buf);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

static bool allowed(const struct ctl *c, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	if (cr.uid == 0)
		return true;
	if (!c->has_group)
		return false;
	if (cr.gid == c->gid)
		return true;
	gid_t groups[256];
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == c->gid)
			return true;
	return false;
}

static void start_answer(struct ctl *c, struct conn *k)
{
	struct ctl_reply body = { 0 };
	if (!allowed(c, k->fd)) {
		c->refused++;
		ctl_fail(&body, "permission denied (root or the control group only)");
	} else {
		c->requests++;
		c->exec(c->ctx, k->in, &body);
	}
	const char *head = body.oom ? "ERR out of memory\n" : body.failed ? "ERR " : "OK\n";
	ctl_append(&k->out, head, strlen(head));
	if (!body.oom && body.len)
		ctl_append(&k->out, body.buf, body.len);
	if (!body.oom && body.failed && (!body.len || body.buf[body.len - 1] != '\n'))
		ctl_append(&k->out, "\n", 1);
	if (body.buf)
		m6_wipe(body.buf, body.cap);
	free(body.buf);
	k->writing = true;
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = c->conn_tag + (uint64_t)(k - c->conns) };
	epoll_ctl(c->epfd, EPOLL_CTL_MOD, k->fd, &ev);
}

static void conn_read(struct ctl *c, struct conn *k)
{
	for (;;) {
		ssize_t n = read(k->fd, k->in + k->in_len, CTL_LINE_MAX - k->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(c, k);
			return;
		}
		k->in_len += (size_t)n;
		k->in[k->in_len] = 0;
		char *nl = memchr(k->in, '\n', k->in_len);
		if (nl) {
			*nl = 0;
			start_answer(c, k);
			return;
		}
		if (k->in_len == CTL_LINE_MAX) {
			conn_close(c, k);
			return;
		}
	}
}

static void conn_write(struct ctl *c, struct conn *k)
{
	while (k->sent < k->out.len) {
		ssize_t n = send(k->fd, k->out.buf + k->sent, k->out.len - k->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break;
		k->sent += (size_t)n;
	}
	conn_close(c, k);
}

static void accept_one(struct ctl *c)
{
	int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct conn *k = NULL, *oldest = &c->conns[0];
	for (unsigned i = 0; i < CTL_CONN_MAX && !k; i++) {
		if (c->conns[i].fd < 0)
			k = &c->conns[i];
		else if (c->conns[i].opened < oldest->opened)
			oldest = &c->conns[i];
	}
	if (!k) {
		dlog(DLOG_INFO, "control: %d connections open, closing the oldest", CTL_CONN_MAX);
		conn_close(c, oldest);
		k = oldest;
	}
	k->fd = fd;
	k->opened = ++c->seq;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = c->conn_tag + (uint64_t)(k - c->conns) };
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		conn_close(c, k);
}

void ctl_event(struct ctl *c, uint64_t tag, uint32_t events)
{
	if (tag == c->listen_tag) {
		accept_one(c);
		return;
	}
	uint64_t i = tag - c->conn_tag;
	if (i >= CTL_CONN_MAX || c->conns[i].fd < 0)
		return;
	struct conn *k = &c->conns[i];
	if (k->writing)
		conn_write(c, k);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(c, k);
}

void ctl_close(struct ctl *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < CTL_CONN_MAX; i++)
		if (c->conns[i].fd >= 0)
			conn_close(c, &c->conns[i]);
	close(c->fd);
	if (c->path[0])
		unlink(c->path);
	free(c);
}

uint64_t ctl_requests(const struct ctl *c) { return c->requests; }
uint64_t ctl_refused(const struct ctl *c) { return c->refused; }
