/*
 * mip6secd's setup, event loop and orderly stop (see m6d.h): interfaces
 * taken from the kernel's IPv6, the TUN device, the node, the control
 * socket, signals, rtnetlink, one timerfd; then epoll until SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "dlog.h"
#include "m6d.h"
#include "m6d_main.h"
#include "m6d_state.h"
#include "nl.h"

enum {
	TAG_WIRE = 1,            /* + interface index */
	TAG_TUN = 16,
	TAG_TIMER,
	TAG_SIGNAL,
	TAG_NETLINK,
	TAG_CTL_LISTEN,
	TAG_CTL_CONN = 64,       /* + connection index */
};

#define EPOLL_BATCH 32

static int epoll_add(struct m6d *d, int fd, uint64_t tag, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
		return 0;
	snprintf(err, errlen, "epoll: %s", strerror(errno));
	return M6_E_INVAL;
}

/* The kernel must not answer for the node on its links: with IPv6 off on
 * a wire interface it neither replies to packets meant for the node (a
 * Parameter Problem for a Home Address option, a reset for TCP) nor runs
 * ND, SLAAC or MLD there; AF_PACKET still sees every frame. */
static int take_interface(struct m6d *d, unsigned i, char *err, size_t errlen)
{
	const char *name = dconf_ifname(&d->conf, i);
	int rc = wire_open(&d->ifs[i], name, err, errlen);
	if (rc)
		return rc;
	int old = -1;
	d->saved_disable_ipv6[i] = -1;
	if (sysctl_ipv6_get(name, "disable_ipv6", &old) == 0 && old != 1) {
		if (sysctl_ipv6_set(name, "disable_ipv6", 1)) {
			snprintf(err, errlen, "%s: cannot turn the kernel's IPv6 off (needs CAP_NET_ADMIN)", name);
			return M6_E_INVAL;
		}
		d->saved_disable_ipv6[i] = old;
	}
	bool running = false;
	if ((rc = nl_link_running(d->nlfd, d->ifs[i].os_index, &running, err, errlen)))
		return rc;
	d->running[i] = running;
	dlog(DLOG_INFO, "%s: index %d, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s", name, d->ifs[i].os_index,
	     d->ifs[i].mac[0], d->ifs[i].mac[1], d->ifs[i].mac[2], d->ifs[i].mac[3], d->ifs[i].mac[4], d->ifs[i].mac[5],
	     d->ifs[i].mtu, running ? "up" : "down");
	return 0;
}

static void exec_cb(void *ctx, const char *line, struct ctl_reply *out)
{
	m6d_command(ctx, line, out);
}

int m6d_setup(struct m6d *d, char *err, size_t errlen)
{
	int rc;
	d->epfd = d->tfd = d->sigfd = d->nlmon = d->nlfd = -1;
	d->tun.fd = -1;
	d->armed = UINT64_MAX;
	d->started = m6d_now();
	d->now = d->started;
	for (unsigned i = 0; i < NODE_IF_MAX; i++) {
		d->ifs[i].fd = -1;
		d->saved_disable_ipv6[i] = -1;
	}
	if ((d->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return M6_E_INVAL;
	}
	if ((d->nlfd = nl_open(err, errlen)) < 0)
		return d->nlfd;
	if ((d->nlmon = nl_monitor_open(err, errlen)) < 0)
		return d->nlmon;
	if (!(d->rx = wire_rx_new()) || !(d->tunbuf = malloc(M6D_TUN_BUF))) {
		snprintf(err, errlen, "out of memory");
		return M6_E_NOMEM;
	}
	d->n_if = d->conf.nc.cfg.n_ifaces;
	for (unsigned i = 0; i < d->n_if; i++)
		if ((rc = take_interface(d, i, err, errlen)))
			return rc;
	if (d->conf.has_tun) {
		if ((rc = tun_open(&d->tun, d->conf.tun.name, d->conf.tun.offload, err, errlen)))
			return rc;
		d->has_tun = true;
		if (d->tun.offload && !(d->gro = calloc(1, sizeof(*d->gro)))) {
			snprintf(err, errlen, "out of memory");
			return M6_E_NOMEM;
		}
		dlog(DLOG_INFO, "%s: offloads %s", d->tun.name,
		     d->tun.offload ? "on (TSO6 and checksums from the host, merged segments to it)" : "off");
		rc = tun_setup(&d->tun, d->nlfd, &d->conf.tun, err, errlen);
		if (rc == M6_E_EXISTS) {
			/* a route the host already has: it keeps its own */
			dlog(DLOG_WARN, "%s: %s (kept the existing route)", d->tun.name, err);
			rc = 0;
		}
		if (rc)
			return rc;
	}
	if ((rc = m6d_node_start(d, err, errlen)))
		return rc;
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->tfd < 0 || d->sigfd < 0) {
		snprintf(err, errlen, "timerfd/signalfd: %s", strerror(errno));
		return M6_E_INVAL;
	}
	for (unsigned i = 0; i < d->n_if; i++)
		if ((rc = epoll_add(d, d->ifs[i].fd, TAG_WIRE + i, err, errlen)))
			return rc;
	if ((d->has_tun && (rc = epoll_add(d, d->tun.fd, TAG_TUN, err, errlen))) ||
	    (rc = epoll_add(d, d->tfd, TAG_TIMER, err, errlen)) || (rc = epoll_add(d, d->sigfd, TAG_SIGNAL, err, errlen)) ||
	    (rc = epoll_add(d, d->nlmon, TAG_NETLINK, err, errlen)))
		return rc;
	d->ctl = ctl_open(d->conf.control, d->conf.has_group, d->conf.control_gid, d->epfd, TAG_CTL_LISTEN, TAG_CTL_CONN,
			  exec_cb, d, err, errlen);
	if (!d->ctl)
		return M6_E_INVAL;
	/* a link that is up now: ask its routers to speak (movement detection
	 * does not wait for the next periodic advertisement) */
	uint64_t now = m6d_now();
	for (unsigned i = 0; i < d->n_if; i++)
		if (d->running[i])
			nd_link(d->nd, i, true, now);
	m6d_pump(d, now);
	m6d_state_restore(d, now);
	return 0;
}

static void arm_timer(struct m6d *d)
{
	uint64_t t = d->node_next;
	uint64_t n = nd_next_expiry(d->nd);
	if (n < t)
		t = n;
	if (d->state == M6D_STOPPING && d->stop_deadline < t)
		t = d->stop_deadline;
	n = m6d_state_next(d);
	if (n < t)
		t = n;
	if (t == d->armed)
		return;
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (t != UINT64_MAX) {
		/* 0 would disarm: an instant already past fires at once */
		uint64_t at = t ? t : 1;
		its.it_value.tv_sec = (time_t)(at / 1000000000ull);
		its.it_value.tv_nsec = (long)(at % 1000000000ull);
	}
	timerfd_settime(d->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	d->armed = t;
}

static void on_timer(struct m6d *d, uint64_t now)
{
	uint64_t ticks;
	while (read(d->tfd, &ticks, sizeof(ticks)) > 0)
		;
	d->armed = UINT64_MAX;
	d->now = now;
	nd_on_timer(d->nd, now);
	m6d_state_timer(d, now);
	if (d->node_next <= now) {
		d->node_next = node_pump_timer(&d->pump, now);
		if (d->pump.last & NODE_PUMP_STALLED)
			d->c.pump_stalls++;
	}
	m6d_pump(d, now);
}

static void link_cb(void *ctx, int os_index, bool running, bool deleted)
{
	struct m6d *d = ctx;
	for (unsigned i = 0; i < d->n_if; i++) {
		if (d->ifs[i].os_index != os_index)
			continue;
		if (deleted)
			dlog(DLOG_WARN, "%s: interface removed; the node treats it as down", d->ifs[i].name);
		m6d_link_event(d, i, running && !deleted, m6d_now());
	}
}

static void on_netlink(struct m6d *d)
{
	int rc = nl_monitor_read(d->nlmon, link_cb, d);
	if (rc == 1) {
		/* notifications were lost: ask for the state of each link */
		char err[128];
		for (unsigned i = 0; i < d->n_if; i++) {
			bool running = false;
			if (nl_link_running(d->nlfd, d->ifs[i].os_index, &running, err, sizeof(err)) == 0)
				m6d_link_event(d, i, running, m6d_now());
		}
	} else if (rc < 0) {
		dlog_rl(&d->rl_misc, m6d_now(), DLOG_WARN, "link monitor: read error");
	}
}

static void on_signal(struct m6d *d, uint64_t now)
{
	struct signalfd_siginfo si;
	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			char err[512];
			dlog(DLOG_NOTICE, "SIGHUP: reloading %s", d->conf.path);
			if (m6d_reload(d, err, sizeof(err)))
				dlog(DLOG_ERR, "reload failed, the running configuration stays: %s", err);
			continue;
		}
		dlog(DLOG_NOTICE, "%s: stopping", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
		if (d->state == M6D_STOPPING) {
			/* a second signal: do not wait for the home agent */
			d->state = M6D_DONE;
			continue;
		}
		m6d_begin_stop(d, now);
	}
}

void m6d_run(struct m6d *d, void (*ready)(void *ctx), void *ready_ctx)
{
	struct epoll_event evs[EPOLL_BATCH];
	dlog(DLOG_NOTICE, "node %s running (%s%s%s) on %u interface(s)", node_name(d->node),
	     node_mn(d->node) ? "mobile node" : "", node_ha(d->node) ? "home agent" : "",
	     node_cn(d->node) ? (node_ha(d->node) ? ", correspondent" : "correspondent") : "", d->n_if);
	if (ready)
		ready(ready_ctx);
	while (d->state != M6D_DONE) {
		arm_timer(d);
		int n = epoll_wait(d->epfd, evs, EPOLL_BATCH, -1);
		if (n < 0 && errno != EINTR) {
			dlog(DLOG_ERR, "epoll: %s", strerror(errno));
			break;
		}
		uint64_t now = m6d_now();
		d->now = now;
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag >= TAG_WIRE && tag < TAG_WIRE + d->n_if)
				m6d_wire_input(d, (unsigned)(tag - TAG_WIRE), now);
			else if (tag == TAG_TUN)
				m6d_tun_input(d, now);
			else if (tag == TAG_TIMER)
				on_timer(d, now);
			else if (tag == TAG_SIGNAL)
				on_signal(d, now);
			else if (tag == TAG_NETLINK)
				on_netlink(d);
			else if (tag >= TAG_CTL_LISTEN)
				ctl_event(d->ctl, tag, evs[i].events);
		}
		if (d->state_dirty) {
			d->state_dirty = false;
			m6d_state_save(d);
		}
		if (d->reload_pending) {
			char err[512];
			d->reload_pending = false;
			if (m6d_reload(d, err, sizeof(err)))
				dlog(DLOG_ERR, "reload failed, the running configuration stays: %s", err);
		}
		if (d->state == M6D_STOPPING && m6d_now() >= d->stop_deadline) {
			dlog(DLOG_WARN, "no answer from the home agent to the de-registration; stopping anyway");
			d->state = M6D_DONE;
		}
	}
}

void m6d_cleanup(struct m6d *d)
{
	if (d->node) {
		m6d_node_stop(d);
		dlog(DLOG_INFO, "security associations deleted, keys wiped");
	}
	ctl_close(d->ctl);
	d->ctl = NULL;
	for (unsigned i = 0; i < NODE_IF_MAX; i++) {
		if (d->saved_disable_ipv6[i] >= 0 && sysctl_ipv6_set(d->ifs[i].name, "disable_ipv6", d->saved_disable_ipv6[i]))
			dlog(DLOG_WARN, "%s: could not give IPv6 back to the kernel", d->ifs[i].name);
		d->saved_disable_ipv6[i] = -1;
		wire_close(&d->ifs[i]);
	}
	if (d->has_tun)
		tun_close(&d->tun);   /* the device, its address and routes go with it */
	nd_free(d->nd);
	d->nd = NULL;
	m6d_state_free(d);
	wire_rx_free(d->rx);
	d->rx = NULL;
	free(d->tunbuf);
	d->tunbuf = NULL;
	free(d->gro);
	d->gro = NULL;
	int fds[] = { d->tfd, d->sigfd, d->nlmon, d->nlfd, d->epfd };
	for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	dconf_free(&d->conf);
}
