/*
 * esp — ESP (RFC 4303) encapsulation and decapsulation in place.
 *
 * Contract: both directions work on a pbuf holding a whole IPv6 packet and
 * an offset `off`: the first octet of what ESP protects (transport mode:
 * the upper-layer header after the extension headers that stay in clear;
 * tunnel mode: the inner IPv6 header). esp_seal() inserts the ESP header
 * and IV at `off` using the pbuf's headroom (headers before `off` move, the
 * payload does not), appends padding (1, 2, 3, ...), Pad Length, Next
 * Header and ICV in the tailroom, and encrypts. esp_open() verifies the ICV
 * in constant time *before* decrypting and releasing anything (an AEAD
 * verifies while it decrypts; a failing packet is put back), checks the
 * padding, strips header and trailer, and reports the Next Header (59 =
 * dummy packet, ESP-06). Neither touches the Next Header chain or the IPv6
 * Payload Length before `off`: the caller (the IPsec pipeline) owns them.
 * The sequence number is the full 64-bit value; with ESN its high half is
 * authenticated implicitly (RFC 4303 2.2.1; in the AAD for AEADs).
 * Nothing allocates; the IV is derived from the sequence number for AEADs
 * (never repeated for a key, ALG-05) and random for CBC.
 *
 * Sequence numbers: the SA layer owns the counter and refuses to send once
 * it would cycle (ESP-01); esp_seal() only rejects 0 (M6_E_SEQ_ZERO) and,
 * without ESN, a value above 2^32 - 1 (M6_E_SEQ_OVERFLOW). esp_open() takes
 * the full value inferred by replay_check() and refuses (M6_E_INVAL) one
 * whose low half is not the one on the wire.
 *
 * Failures: M6_E_INVAL / M6_E_NOMEM / M6_E_SEQ_* leave the packet as it
 * was; so do M6_E_TRUNC, M6_E_ESP_LEN and M6_E_ICV from esp_open() (for
 * AEADs the ciphertext is put back). After M6_E_ESP_PAD the packet has been
 * decrypted but not stripped; after M6_E_CRYPTO it is half built. Drop it.
 */
#ifndef MIP6SEC_ESP_H
#define MIP6SEC_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../crypto/m6_xform.h"
#include "../pkt/pbuf.h"

#define ESP_HDR_LEN 8

/* Worst-case octets added in front (header + IV) and at the end (padding,
 * Pad Length, Next Header, ICV; add tfc_pad for TFC padding). */
size_t esp_head_room(const struct m6_xform *x);
size_t esp_tail_room(const struct m6_xform *x);

/* x must be keyed for sealing (encrypt = true). The protected part is
 * [off, pb->len). tfc_pad zero octets of TFC padding (RFC 4303 2.7) are
 * added only when asked (0: none), at most 65535. */
int esp_seal(const struct m6_xform *x, struct pbuf *pb, size_t off, uint8_t next_header,
	     uint32_t spi, uint64_t seq, bool esn, size_t tfc_pad);
/* x must be keyed for opening. The ESP packet is [off, pb->len). On success
 * [off, pb->len) is the payload and *next_header its protocol; 59 means a
 * dummy packet that the caller drops silently (ESP-06). */
int esp_open(const struct m6_xform *x, struct pbuf *pb, size_t off, uint64_t seq, bool esn,
	     uint8_t *next_header);

/* RFC 3948 UDP encapsulation of the ESP packet at off, adapted to IPv6: a
 * zero UDP checksum is not allowed (RFC 8200 8.1), so the checksum is
 * computed over the IPv6 pseudo-header, which needs src and dst: the
 * packet's source and final destination. Call esp_udp_encap() after
 * esp_seal() (the checksum covers the ESP octets); it inserts the 8-octet
 * UDP header at off using headroom. esp_udp_decap() checks length and
 * checksum (M6_E_UDP_CKSUM, zero included), refuses IKE (Non-ESP Marker)
 * and NAT-keepalives (M6_E_UDP_NOT_ESP), and removes the header. Like ESP,
 * neither touches the Next Header chain or the IPv6 Payload Length. */
int esp_udp_encap(struct pbuf *pb, size_t off, const uint8_t src[16], const uint8_t dst[16],
		  uint16_t sport, uint16_t dport);
int esp_udp_decap(struct pbuf *pb, size_t off, const uint8_t src[16], const uint8_t dst[16]);

#endif
