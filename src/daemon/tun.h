/*
 * tun — the host side: a TUN device through which the kernel's own
 * stack (its sockets, ping, iperf3) sends and receives as the node. On a
 * mobile node it carries the home address, which therefore never leaves
 * the host while the node moves between links, so connections bound to
 * it survive every move.
 *
 * Contract: tun_open() creates (or attaches to) the device, non-blocking,
 * without packet information headers; tun_setup() sets its MTU, brings it
 * up, adds the address (/128, no DAD: the node owns it on the wire) and
 * the routes. Both return 0 or a negative M6_E_* with the reason in err.
 * tun_read() returns a packet's length, 0 when none is waiting, negative
 * M6_E_* on error; tun_write() writes one packet (a refused one is
 * counted by the caller). Closing the file descriptor removes the device.
 */
#ifndef MIP6SEC_M6D_TUN_H
#define MIP6SEC_M6D_TUN_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#define TUN_ROUTES_MAX 8

struct tun_route {
	uint8_t prefix[16];
	unsigned plen;
};

struct tun_cfg {
	char name[IF_NAMESIZE];
	unsigned mtu;
	uint8_t addr[16];
	unsigned n_routes;
	struct tun_route routes[TUN_ROUTES_MAX];
	unsigned metric;
};

struct tun_dev {
	int fd;
	int os_index;
	char name[IF_NAMESIZE];
};

int tun_open(struct tun_dev *t, const char *name, char *err, size_t errlen);
int tun_setup(struct tun_dev *t, int nlfd, const struct tun_cfg *c, char *err, size_t errlen);
void tun_close(struct tun_dev *t);
int tun_read(struct tun_dev *t, uint8_t *buf, size_t cap);
int tun_write(struct tun_dev *t, const uint8_t *pkt, size_t len);

#endif
