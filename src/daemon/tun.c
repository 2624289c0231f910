/* The host side on a TUN device (see tun.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nl.h"
#include "tun.h"
#include "util/m6_err.h"

int tun_open(struct tun_dev *t, const char *name, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
		return M6_E_INVAL;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "TUN device %s: %s", name, strerror(errno));
		close(t->fd);
		t->fd = -1;
		return M6_E_INVAL;
	}
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	t->os_index = (int)if_nametoindex(t->name);
	return 0;
}

int tun_setup(struct tun_dev *t, int nlfd, const struct tun_cfg *c, char *err, size_t errlen)
{
	/* The host's link-local chatter (router solicitations, MLD) has no
	 * link to go to: no link-local address, no autoconfiguration, no
	 * solicitations. Best effort: a kernel without a knob has nothing
	 * to turn off. */
	(void)sysctl_ipv6_set(t->name, "addr_gen_mode", 1);
	(void)sysctl_ipv6_set(t->name, "accept_ra", 0);
	(void)sysctl_ipv6_set(t->name, "autoconf", 0);
	(void)sysctl_ipv6_set(t->name, "router_solicitations", 0);
	(void)sysctl_ipv6_set(t->name, "accept_dad", 0);
	int rc = nl_link_set(nlfd, t->os_index, true, c->mtu, err, errlen);
	if (!rc)
		rc = nl_addr_add(nlfd, t->os_index, c->addr, 128, err, errlen);
	for (unsigned i = 0; !rc && i < c->n_routes; i++)
		rc = nl_route_add(nlfd, t->os_index, c->routes[i].prefix, c->routes[i].plen, c->metric, err, errlen);
	return rc;
}

void tun_close(struct tun_dev *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

int tun_read(struct tun_dev *t, uint8_t *buf, size_t cap)
{
	ssize_t n = read(t->fd, buf, cap);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : M6_E_INVAL;
	return (int)n;
}

int tun_write(struct tun_dev *t, const uint8_t *pkt, size_t len)
{
	ssize_t n = write(t->fd, pkt, len);
	return n == (ssize_t)len ? 0 : M6_E_INVAL;
}
