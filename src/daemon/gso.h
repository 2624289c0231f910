/*
 * gso — TCP segmentation offload undone in user space: a super-frame
 * (one IPv6 TCP packet of up to 64 KB that a sender's TSO, or a virtual
 * link passing it on whole, left for hardware to cut) becomes the
 * segments the wire would have carried, one at a time, so the node sees
 * packets that fit the link.
 *
 * Contract: gso_begin() checks the packet (IPv6 without extension
 * headers, TCP, headers inside the packet, a segment size of at least 1)
 * and returns 0 or M6_E_INVAL (the caller counts and drops it). Each
 * gso_next() writes the next segment into out: the IPv6 and TCP headers
 * copied, Payload Length set, the sequence number advanced, FIN and PSH
 * only on the last segment, CWR only on the first (RFC 3168 6.1.2), the
 * TCP checksum computed afresh. It returns the segment's length, 0 when
 * all are out, or M6_E_NOMEM when out is too small. No allocation.
 *
 * gso_csum_finish() does what hardware does for a packet whose sender
 * left the transport checksum partial (VIRTIO_NET_HDR_F_NEEDS_CSUM): the
 * sum from start to the end goes into the field at start + offset. It
 * returns 0, or M6_E_INVAL when the offsets lie outside the packet.
 */
#ifndef MIP6SEC_M6D_GSO_H
#define MIP6SEC_M6D_GSO_H

#include <stddef.h>
#include <stdint.h>

struct gso_iter {
	const uint8_t *pkt;        /* IPv6 header first */
	size_t len;
	size_t hdr_len;            /* IPv6 + TCP headers */
	size_t off;                /* next payload octet */
	uint16_t mss;
	uint32_t seq;
	unsigned n;                /* segments written */
};

int gso_begin(struct gso_iter *it, const uint8_t *pkt, size_t len, uint16_t mss);
int gso_next(struct gso_iter *it, uint8_t *out, size_t cap);
int gso_csum_finish(uint8_t *pkt, size_t len, size_t start, size_t offset);

#endif
