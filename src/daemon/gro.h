/*
 * gro — receive offload in user space, for the TUN device: consecutive
 * TCP segments of one flow that the node delivers to the host in one
 * batch become one super-packet, written once with a virtio-net header
 * that tells the kernel its segment size (VIRTIO_NET_HDR_GSO_TCPV6). The
 * host's TCP then takes one packet, and sends one ACK, where it would
 * have taken dozens: most of what a stream costs the receiving host.
 *
 * Contract: gro_add() takes a packet the node delivers. It returns true
 * when the packet is held: it started a new super-packet or continued the
 * one held. It returns false, holding nothing new, when the packet cannot
 * be merged; the caller then writes out what is held (gro_take) and offers
 * the packet again, or writes it as it is. A segment is merged only when
 * it is IPv6 without extension headers, TCP with ACK and at most PSH
 * besides, carries data, has a correct checksum (verified here, since the
 * kernel will not look again), and continues the held one exactly: same
 * addresses, ports, traffic class and flow label, hop limit, ACK number,
 * window and options, the next sequence number, a full-sized predecessor
 * without PSH, and room under 64 KB. gro_take() finishes the held packet
 * (Payload Length, PSH if any segment had it, the checksum left partial
 * for the kernel) and returns its length with *vh filled, or 0 when
 * nothing is held; one segment alone goes as it came, with a zero header.
 * No allocation: the caller provides the state, buffer included.
 */
#ifndef MIP6SEC_M6D_GRO_H
#define MIP6SEC_M6D_GRO_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GRO_MAX (40 + 65535)

struct gro {
	size_t len;                 /* octets held, 0: nothing */
	size_t hdr_len;             /* IPv6 + TCP headers */
	uint16_t mss;               /* the first segment's data length */
	uint16_t last_data;         /* the latest segment's data length */
	uint32_t next_seq;
	unsigned segs;
	bool psh;
	uint64_t merged;            /* segments that joined a held packet */
	uint64_t supers;            /* super-packets of more than one segment taken */
	uint8_t buf[GRO_MAX];
};

bool gro_add(struct gro *g, const uint8_t *pkt, size_t len);
size_t gro_take(struct gro *g, struct virtio_net_hdr *vh, const uint8_t **pkt);

#endif
