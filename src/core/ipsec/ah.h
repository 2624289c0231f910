/*
 * ah — the Authentication Header (RFC 4302) for IPv6.
 *
 * Contract: the ICV covers the packet as the receiver will see it after
 * Mobile IPv6 processing, computed piece by piece without modifying the
 * packet: mutable fields (Traffic Class, Flow Label, Hop Limit, option data
 * whose change bit is set) count as zero; a Routing header counts in its
 * final form (RH0 and RH2: destination = final address, Segments Left 0,
 * the addresses rotated; AH-01, AH-03); a Home Address option counts as if
 * swapped with the source (src = home address, HAO = care-of address,
 * AH-02). ah_seal() inserts the AH at `off` (headroom), sets the Next
 * Header chain byte at nh_field and the Payload Length, and fills the ICV.
 * ah_verify() checks it in constant time. The AH length is a multiple of 8
 * octets (AH-04).
 *
 * Unlike ESP, AH covers the IPv6 Payload Length, so ah_seal() updates it
 * (the packet must hold exactly 40 + Payload Length octets) as well as the
 * chain byte and the AH's own Payload Length (32-bit words - 2); it fails
 * with the packet unchanged. ah_verify() takes the packet as it arrived,
 * before the HAO swap or RH2 processing, and the full sequence number
 * (replay_check()); its low half must be the one on the wire (M6_E_INVAL).
 * An AH whose length is not the SA's gives M6_E_AH_LEN. A Fragment header
 * before the AH is skipped if atomic, refused (M6_E_INVAL) otherwise; a
 * Routing header of another type than 0 or 2 with Segments Left > 0 gives
 * M6_E_RH_UNKNOWN. The transform must be NULL encryption + an HMAC
 * (M6_E_ALG otherwise). Nothing allocates.
 */
#ifndef MIP6SEC_AH_H
#define MIP6SEC_AH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../crypto/m6_xform.h"
#include "../pkt/pbuf.h"

#define AH_HDR_LEN 12

int ah_seal(const struct m6_xform *x, struct pbuf *pb, size_t off, size_t nh_field,
	    uint32_t spi, uint64_t seq, bool esn);
int ah_verify(const struct m6_xform *x, const uint8_t *pkt, size_t len, size_t ah_off,
	      uint64_t seq, bool esn);
/* Remove a verified AH at ah_off (fixing the chain byte at nh_field). */
int ah_strip(struct pbuf *pb, size_t ah_off, size_t nh_field);

#endif
