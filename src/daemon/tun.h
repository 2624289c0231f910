/*
 * tun — the host side: a TUN device through which the kernel's own
 * stack (its sockets, ping, iperf3) sends and receives as the node. On a
 * mobile node it carries the home address, which therefore never leaves
 * the host while the node moves between links, so connections bound to
 * it survive every move.
 *
 * Contract: tun_open() creates (or attaches to) the device, non-blocking,
 * without packet information headers but with a virtio-net header before
 * each packet (IFF_VNET_HDR), and asks for the offloads (checksums and
 * TCP segmentation left to the daemon; `offload` says whether the kernel
 * agreed); tun_setup() sets its MTU, brings it
 * up, adds the address (/128, no DAD: the node owns it on the wire) and
 * the routes. Both return 0 or a negative M6_E_* with the reason in err.
 * tun_read() returns a packet's length (its virtio-net header in *vh), 0
 * when none is waiting, negative M6_E_* on error; tun_write_vh() writes
 * one packet with the given header (a super-packet, gro.h), or with an
 * empty one when vh is NULL; a refused write is counted by the caller. Closing
 * the file descriptor removes the device.
 */
#ifndef MIP6SEC_M6D_TUN_H
#define MIP6SEC_M6D_TUN_H

#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdbool.h>
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
	bool offload;               /* ask for TSO/checksum offload, merge what goes up */
};

struct tun_dev {
	int fd;
	int os_index;
	char name[IF_NAMESIZE];
	bool offload;               /* TUN_F_CSUM | TUN_F_TSO6 accepted */
};

int tun_open(struct tun_dev *t, const char *name, bool offload, char *err, size_t errlen);
int tun_setup(struct tun_dev *t, int nlfd, const struct tun_cfg *c, char *err, size_t errlen);
void tun_close(struct tun_dev *t);
int tun_read(struct tun_dev *t, struct virtio_net_hdr *vh, uint8_t *buf, size_t cap);
int tun_write_vh(struct tun_dev *t, const struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len);

#endif
