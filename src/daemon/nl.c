/* rtnetlink requests, the link monitor and IPv6 sysctls (see nl.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl.h"
#include "util/m6_err.h"

#define NL_BUF 8192

struct nl_req {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	} u;
	char attrs[256];
};

static int fail(char *err, size_t errlen, const char *what, int e)
{
	snprintf(err, errlen, "%s: %s", what, strerror(e));
	return e == ENOMEM || e == ENOBUFS ? M6_E_NOMEM : e == EEXIST ? M6_E_EXISTS : M6_E_INVAL;
}

int nl_open(char *err, size_t errlen)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return fail(err, errlen, "netlink socket", errno);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return fail(err, errlen, "netlink bind", e);
	}
	return fd;
}

static void add_attr(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Send a request and wait for its acknowledgement (or, for a GET, the
 * answer, copied to reply). */
static int transact(int fd, struct nl_req *r, const char *what, void *reply, size_t replycap, char *err,
		    size_t errlen)
{
	static uint32_t seq;
	r->h.nlmsg_seq = ++seq;
	r->h.nlmsg_flags |= NLM_F_REQUEST | (reply ? 0 : NLM_F_ACK);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return fail(err, errlen, what, errno);
	char buf[NL_BUF] __attribute__((aligned(4)));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(err, errlen, what, errno);
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error ? fail(err, errlen, what, -e->error) : 0;
			}
			if (reply) {
				memcpy(reply, h, h->nlmsg_len < replycap ? h->nlmsg_len : replycap);
				return 0;
			}
		}
	}
}

int nl_link_set(int fd, int ifindex, bool up, unsigned mtu, char *err, size_t errlen)
{
	struct nl_req r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r.h.nlmsg_type = RTM_NEWLINK;
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = ifindex;
	r.u.ifi.ifi_change = IFF_UP;
	r.u.ifi.ifi_flags = up ? IFF_UP : 0;
	if (mtu) {
		uint32_t m = mtu;
		add_attr(&r, IFLA_MTU, &m, sizeof(m));
	}
	return transact(fd, &r, "set link", NULL, 0, err, errlen);
}

int nl_addr_add(int fd, int ifindex, const uint8_t addr[16], unsigned plen, char *err, size_t errlen)
{
	struct nl_req r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r.h.nlmsg_type = RTM_NEWADDR;
	r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.u.ifa.ifa_family = AF_INET6;
	r.u.ifa.ifa_prefixlen = (unsigned char)plen;
	/* the node owns the address: no DAD by the kernel on a TUN */
	r.u.ifa.ifa_flags = IFA_F_NODAD;
	r.u.ifa.ifa_index = (unsigned)ifindex;
	add_attr(&r, IFA_LOCAL, addr, 16);
	add_attr(&r, IFA_ADDRESS, addr, 16);
	uint32_t flags = IFA_F_NODAD;
	add_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	return transact(fd, &r, "add address", NULL, 0, err, errlen);
}

int nl_route_add(int fd, int ifindex, const uint8_t prefix[16], unsigned plen, unsigned metric, char *err,
		 size_t errlen)
{
	struct nl_req r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	r.h.nlmsg_type = RTM_NEWROUTE;
	r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	r.u.rt.rtm_family = AF_INET6;
	r.u.rt.rtm_dst_len = (unsigned char)plen;
	r.u.rt.rtm_table = RT_TABLE_MAIN;
	r.u.rt.rtm_protocol = RTPROT_STATIC;
	r.u.rt.rtm_scope = RT_SCOPE_UNIVERSE;
	r.u.rt.rtm_type = RTN_UNICAST;
	if (plen)
		add_attr(&r, RTA_DST, prefix, 16);
	uint32_t oif = (uint32_t)ifindex;
	add_attr(&r, RTA_OIF, &oif, sizeof(oif));
	if (metric)
		add_attr(&r, RTA_PRIORITY, &metric, sizeof(metric));
	return transact(fd, &r, "add route", NULL, 0, err, errlen);
}

int nl_link_running(int fd, int ifindex, bool *running, char *err, size_t errlen)
{
	struct nl_req r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r.h.nlmsg_type = RTM_GETLINK;
	r.u.ifi.ifi_family = AF_UNSPEC;
	r.u.ifi.ifi_index = ifindex;
	char reply[NL_BUF] __attribute__((aligned(4)));
	int rc = transact(fd, &r, "get link", reply, sizeof(reply), err, errlen);
	if (rc)
		return rc;
	const struct nlmsghdr *h = (const struct nlmsghdr *)reply;
	if (h->nlmsg_type != RTM_NEWLINK) {
		snprintf(err, errlen, "get link: unexpected answer");
		return M6_E_INVAL;
	}
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	*running = (ifi->ifi_flags & IFF_RUNNING) && (ifi->ifi_flags & IFF_UP);
	return 0;
}

int nl_monitor_open(char *err, size_t errlen)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0)
		return fail(err, errlen, "netlink socket", errno);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return fail(err, errlen, "netlink monitor bind", e);
	}
	return fd;
}

int nl_monitor_read(int fd, nl_link_cb cb, void *ctx)
{
	char buf[NL_BUF] __attribute__((aligned(4)));
	int overrun = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return overrun;
			if (errno == ENOBUFS) {
				/* the kernel dropped notifications: state must be re-read */
				overrun = 1;
				continue;
			}
			return M6_E_INVAL;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
				continue;
			const struct ifinfomsg *ifi = NLMSG_DATA(h);
			bool running = (ifi->ifi_flags & IFF_RUNNING) && (ifi->ifi_flags & IFF_UP);
			cb(ctx, ifi->ifi_index, running, h->nlmsg_type == RTM_DELLINK);
		}
	}
}

static int sysctl_path(char *p, size_t cap, const char *ifname, const char *key)
{
	if (strchr(ifname, '/') || strchr(key, '/'))
		return M6_E_INVAL;
	int n = snprintf(p, cap, "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	return n > 0 && (size_t)n < cap ? 0 : M6_E_INVAL;
}

int sysctl_ipv6_get(const char *ifname, const char *key, int *val)
{
	char p[128], b[32];
	if (sysctl_path(p, sizeof(p), ifname, key))
		return M6_E_INVAL;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return M6_E_NOTFOUND;
	ssize_t n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return M6_E_INVAL;
	b[n] = 0;
	return sscanf(b, "%d", val) == 1 ? 0 : M6_E_INVAL;
}

int sysctl_ipv6_set(const char *ifname, const char *key, int val)
{
	char p[128], b[32];
	if (sysctl_path(p, sizeof(p), ifname, key))
		return M6_E_INVAL;
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return M6_E_NOTFOUND;
	int n = snprintf(b, sizeof(b), "%d\n", val);
	ssize_t w = write(fd, b, (size_t)n);
	close(fd);
	return w == n ? 0 : M6_E_INVAL;
}
