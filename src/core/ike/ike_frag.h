/*
 * ike_frag — IKEv2 message fragmentation and reassembly (RFC 7383, IKE-23).
 *
 * Contract: sending, ike_frag_count() splits the content of an SK payload
 * (the inner payloads, before padding) into the fewest chunks whose SKF
 * messages fit max_msg octets, and ike_frag_build() seals chunk num of
 * total under the IKE SA's keys with the original header (Length and Next
 * Payload adjusted, 2.5). Only messages whose one payload is SK are
 * fragmented (no exchange defines clear payloads beside SK, 2.5.3).
 * Receiving, struct ike_frag_rx reassembles one message at a time in a
 * caller-owned buffer without allocating: ike_frag_rx_check() applies the
 * tests that come before the ICV check (numbers valid, Total not smaller
 * than the set in progress, not a replay of (Message ID, Number, Total)),
 * the caller then verifies and decrypts the fragment (ike_sk_open), and
 * ike_frag_rx_add() stores it, restarting when its Total is larger (2.6).
 * The reassembly timeout is the caller's: ike_frag_rx_reset() on expiry.
 * Per 2.6.1, a retransmitted fragment of an answered request should make
 * the responder resend only when its Fragment Number is 1.
 */
#ifndef MIP6SEC_IKE_FRAG_H
#define MIP6SEC_IKE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_crypto.h"

#define IKE_FRAG_MAX 64
/* Largest IKE message in a 1280-octet IPv6 datagram (2.5.1): IPv6 40, UDP
 * 8, and the non-ESP marker 4 so that the figure holds on port 4500 too. */
#define IKE_FRAG_MSG_IPV6 (1280 - 40 - 8 - 4)

/* Fragments needed for plain_len octets of SK content so that each SKF
 * message is at most max_msg octets; 0 when max_msg leaves no room or more
 * than IKE_FRAG_MAX would be needed. */
unsigned ike_frag_count(const struct ike_sk *sk, size_t plain_len, size_t max_msg);

/* Fragment num (1..total) of the content plain: header h, SKF Next Payload
 * first_np in fragment 1 and 0 in the others. */
int ike_frag_build(struct ike_sk *sk, const struct ike_hdr *h, uint8_t first_np,
		   const uint8_t *plain, size_t plain_len, uint16_t num, uint16_t total,
		   const struct ike_rng *rng, uint8_t *out, size_t cap, size_t *out_len);

/* The unsealed SK content of a writer after ike_wr_sk_begin() and the
 * inner payloads: what ike_frag_build() splits. */
void ike_wr_sk_content(const struct ike_wr *w, const uint8_t **plain, size_t *len,
		       uint8_t *first_np);

struct ike_frag_rx {
	uint8_t *buf;           /* caller's storage for the decrypted chunks */
	size_t cap;
	size_t used;
	bool active;
	uint32_t msgid;
	uint16_t total;
	uint16_t got;
	uint8_t first_np;
	uint64_t have[IKE_FRAG_MAX / 64];
	struct { uint32_t off, len; } frag[IKE_FRAG_MAX];
};

void ike_frag_rx_init(struct ike_frag_rx *rx, uint8_t *buf, size_t cap);
/* Forget the set in progress (timeout, or after ike_frag_rx_take). */
void ike_frag_rx_reset(struct ike_frag_rx *rx);
/* Before the ICV check: 0, or why to drop silently: M6_E_IKE_SKF_NUM,
 * M6_E_IKE_FRAG_MAX, M6_E_IKE_FRAG_TOTAL, M6_E_IKE_FRAG_DUP, or
 * M6_E_IKE_FRAG_MSGID (another message is being reassembled: the caller
 * decides whether the new one replaces it, after a reset). */
int ike_frag_rx_check(const struct ike_frag_rx *rx, uint32_t msgid, uint16_t num, uint16_t total);
/* After the ICV check: store the decrypted chunk; 1 when the message is
 * complete, 0 when fragments are missing, or a check error, or
 * M6_E_IKE_FRAG_SPACE (the set is dropped). */
int ike_frag_rx_add(struct ike_frag_rx *rx, uint32_t msgid, uint16_t num, uint16_t total,
		    uint8_t np, const uint8_t *chunk, size_t len);
/* The complete content, in order, into out; resets the reassembler. */
int ike_frag_rx_take(struct ike_frag_rx *rx, uint8_t *out, size_t cap, size_t *len,
		     uint8_t *first_np);

#endif
