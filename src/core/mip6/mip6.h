/*
 * mip6 — what the Mobile IPv6 role engines (mn, ha, cn) share: the RFC 6275
 * section 12 constants and the I/O interface through which an engine hands
 * packets and events to its node.
 *
 * Contract: engines are sans-I/O. They never read a clock (now is passed
 * in, in ns), never open sockets, never draw randomness except through
 * io->random, and never apply IPsec themselves: every packet they build
 * (wire form, checksums done) goes to io->send, and the node passes it
 * through the IPsec pipeline (bits_output) and routing. Packets reach an
 * engine after IPsec processing (bits_input), together with the SA that
 * protected them (NULL when they arrived in clear).
 */
#ifndef MIP6SEC_MIP6_H
#define MIP6SEC_MIP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/m6_event.h"

/* RFC 6275 section 12 (TMR-05), times in milliseconds or seconds as named */
#define MIP6_DHAAD_RETRIES 4
#define MIP6_INITIAL_BINDACK_TIMEOUT_MS 1000
#define MIP6_INITIAL_BINDACK_TIMEOUT_FIRST_REG_MS 1500   /* configurable (TMR-01) */
#define MIP6_INITIAL_DHAAD_TIMEOUT_S 3
#define MIP6_INITIAL_SOLICIT_TIMER_S 3
#define MIP6_MAX_BINDACK_TIMEOUT_MS 32000
#define MIP6_MAX_DELETE_BCE_TIMEOUT_S 10
#define MIP6_MAX_NONCE_LIFETIME_S 240
#define MIP6_MAX_TOKEN_LIFETIME_S 210
#define MIP6_MAX_RR_BINDING_LIFETIME_S 420
#define MIP6_MAX_RO_FAILURE 3
#define MIP6_MAX_UPDATE_RATE 3
#define MIP6_PREFIX_ADV_RETRIES 3
#define MIP6_PREFIX_ADV_TIMEOUT_S 3

/* The largest packet an engine builds or a node sends: an application
 * packet of 4096 octets with room for a tunnel header, ESP (and its UDP
 * encapsulation) and the Mobile IPv6 extension headers. */
#define MIP6_PKT_MAX (4096 + 256)
#define MIP6_SCRATCH_LEN (MIP6_PKT_MAX + 64)

#define MIP6_NS_PER_MS 1000000ull
#define MIP6_NS_PER_S 1000000000ull
#define MIP6_NEVER UINT64_MAX

struct mip6_io {
	void *ctx;
	/* A packet to send: IPv6 header first, wire form. The node copies it. */
	void (*send)(void *ctx, const uint8_t *pkt, size_t len);
	/* An event; the node fills in time and node name. */
	void (*event)(void *ctx, struct m6_event *ev);
	/* n random octets (nonces, cookies, Kcn) from the node's DRBG. */
	void (*random)(void *ctx, uint8_t *out, size_t n);
	/* A home registration came, moved or went (may be NULL): the home
	 * agent for its cache, the mobile node once its BU is acknowledged.
	 * old/new NULL when absent; k: the K bit agreed (RFC 6275 11.7.1). */
	void (*binding)(void *ctx, const uint8_t hoa[16], const uint8_t *old_coa, const uint8_t *new_coa,
			bool k, uint32_t lifetime_s);
	/* MIP6_SCRATCH_LEN octets an engine may build its packets in, lent by
	 * the node for the length of each call (NULL: the engine has its own). */
	uint8_t *scratch;
};

/* Helpers every engine uses (mip6.c). */
static inline void mip6_event(const struct mip6_io *io, struct m6_event *ev) { io->event(io->ctx, ev); }
/* Build and hand over one event; peer/addr may be NULL, text is truncated. */
void mip6_emit(const struct mip6_io *io, enum m6_ev_type t, const uint8_t *peer, const uint8_t *addr,
	       int32_t code, uint32_t u32, const char *text);
/* Report a home registration change when the node listens (io->binding). */
static inline void mip6_binding(const struct mip6_io *io, const uint8_t hoa[16], const uint8_t *old_coa,
				const uint8_t *new_coa, bool k, uint32_t lifetime_s)
{
	if (io->binding)
		io->binding(io->ctx, hoa, old_coa, new_coa, k, lifetime_s);
}
/* Build IPv6(src->dst) | [DstOpt HAO] | [RH2] | MH into out (cap octets):
 * hao/rh2 may be NULL; the MH checksum uses the RFC 6275 pseudo-header.
 * Returns the length or a negative M6_E_*. m is an mh_msg from pkt/mh.h. */
struct mh_msg;
int mip6_build_mh(uint8_t *out, size_t cap, const uint8_t src[16], const uint8_t dst[16],
		  const uint8_t *hao, const uint8_t *rh2, const struct mh_msg *m);
/* RFC 2473: prepend an outer IPv6 header (src->dst, next header 41). */
int mip6_encap(uint8_t *out, size_t cap, const uint8_t src[16], const uint8_t dst[16],
	       const uint8_t *inner, size_t len);

#endif
