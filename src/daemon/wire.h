/*
 * wire — one network interface seen through an AF_PACKET socket: the
 * daemon's only way to the link, because a packet carrying a Home Address
 * option never reaches a raw IPv6 socket (the kernel discards the unknown
 * option first). Frames are Ethernet II with EtherType 0x86DD; the daemon
 * writes the link-layer header itself.
 *
 * Contract: wire_open() binds a non-blocking socket to the interface for
 * IPv6 frames, receives all multicast (the kernel joins no group for us:
 * its IPv6 is off on this interface), turns off receive offloads that
 * would hand over frames larger than the MTU, and reads the MAC address
 * and MTU. wire_recv() fills a preallocated batch with recvmmsg() and
 * returns how many frames arrived (0 when none, negative M6_E_* on a
 * socket error); frames a host would not accept (another host's unicast,
 * our own outgoing ones) and truncated ones are counted and left out; an
 * IPv6 TCP super-frame of a peer's segmentation offload is marked with its
 * segment size for the caller to cut (gso.h), other super-frames are
 * dropped and counted; a transport checksum the sender left to offload (a
 * host's own packets over veth or virtio) is completed.
 * Transmission is batched: wire_tx_frame() copies one frame into the
 * interface's batch, wire_flush() sends the batch with sendmmsg(); a frame
 * the kernel refuses is counted, never retried. No allocation after
 * wire_open()/wire_batch_new().
 */
#ifndef MIP6SEC_M6D_WIRE_H
#define MIP6SEC_M6D_WIRE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "node/node.h"

#define WIRE_BATCH 32
#define WIRE_ETH_LEN 14
#define WIRE_FRAME_MAX (WIRE_ETH_LEN + NODE_PKT_MAX)

struct wire_stats {
	uint64_t rx_frames, rx_bytes, rx_batches;
	uint64_t rx_other_host, rx_outgoing, rx_oversize, rx_gso, rx_gso_segments, rx_gso_dropped, rx_runt, rx_errors;
	uint64_t tx_frames, tx_bytes, tx_batches, tx_errors, tx_oversize;
};

struct wire_batch;

struct wire_if {
	char name[IF_NAMESIZE];
	int os_index;
	int fd;
	uint8_t mac[6];
	unsigned mtu;
	struct wire_stats st;
	struct wire_batch *tx;
};

/* A received frame: IPv6 packet (the Ethernet header stripped) and the
 * sender's MAC address. */
struct wire_frame {
	const uint8_t *pkt;
	size_t len;
	const uint8_t *src_mac;
	bool multicast;
	uint16_t gso_size;           /* an IPv6 TCP super-frame: its segment size (gso.h); 0 none */
};

struct wire_rx;

int wire_open(struct wire_if *w, const char *name, char *err, size_t errlen);
void wire_close(struct wire_if *w);

struct wire_rx *wire_rx_new(void);
void wire_rx_free(struct wire_rx *rx);
/* Frames are valid until the next wire_recv() on the same rx. */
int wire_recv(struct wire_if *w, struct wire_rx *rx, struct wire_frame *out, unsigned cap);

/* Queue a frame for dst_mac (flushes a full batch first). */
void wire_tx_frame(struct wire_if *w, const uint8_t dst_mac[6], const uint8_t *pkt, size_t len);
void wire_flush(struct wire_if *w);

/* 33:33 + the low 32 bits of an IPv6 multicast address (RFC 2464 7). */
void wire_mcast_mac(const uint8_t addr[16], uint8_t mac[6]);

#endif
