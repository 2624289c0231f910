/* The host side on a TUN device (see tun.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "nl.h"
#include "tun.h"
#include "util/m6_err.h"

int tun_open(struct tun_dev *t, const char *name, bool offload, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
		return M6_E_INVAL;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "TUN device %s: %s", name, strerror(errno));
		close(t->fd);
		t->fd = -1;
		return M6_E_INVAL;
	}
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	t->os_index = (int)if_nametoindex(t->name);
	int hl = (int)sizeof(struct virtio_net_hdr);
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hl) < 0) {
		snprintf(err, errlen, "TUN device %s: virtio-net header: %s", name, strerror(errno));
		close(t->fd);
		t->fd = -1;
		return M6_E_INVAL;
	}
	/* The host may hand over TCP super-packets and leave checksums to
	 * "hardware": the daemon cuts and finishes them (gso.h, gro.h). A
	 * kernel that refuses keeps doing both itself. */
	t->offload = offload && ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO6)) == 0;
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

int tun_read(struct tun_dev *t, struct virtio_net_hdr *vh, uint8_t *buf, size_t cap)
{
	struct iovec iov[2] = { { vh, sizeof(*vh) }, { buf, cap } };
	ssize_t n = readv(t->fd, iov, 2);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : M6_E_INVAL;
	if ((size_t)n < sizeof(*vh))
		return M6_E_INVAL;
	return (int)((size_t)n - sizeof(*vh));
}

int tun_write_vh(struct tun_dev *t, const struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len)
{
	static const struct virtio_net_hdr none;
	if (!vh)
		vh = &none;
	struct iovec iov[2] = { { (void *)vh, sizeof(*vh) }, { (void *)pkt, len } };
	ssize_t n = writev(t->fd, iov, 2);
	return n == (ssize_t)(sizeof(*vh) + len) ? 0 : M6_E_INVAL;
}
