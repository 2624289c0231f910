/*
 * ip6 — the IPv6 header, the extension-header walker and the Mobile IPv6
 * extension headers (Home Address option, type 2 Routing header).
 *
 * Contract: ip6_walk() reads a packet without modifying it, never reads
 * outside [pkt, pkt+len), and stops at the first header that is not an
 * extension header (upper layer, ESP, IPv6-in-IPv6, No Next Header, or an
 * unknown protocol). It bounds the number of headers (IP6_EXT_MAX), checks
 * every length, records each fault as a diagnostic with its offset and, for
 * faults RFC 8200 answers with an ICMPv6 Parameter Problem, the code and
 * pointer to send. It returns 0 when the packet may be processed further,
 * or the first fatal M6_E_* code. Type 0 Routing headers are parsed, never
 * executed (RFC 5095). The writers emit the golden layouts of HAO-01 and
 * RH2-01; the inserters add them to a pbuf using its headroom.
 */
#ifndef MIP6SEC_IP6_H
#define MIP6SEC_IP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/m6_err.h"
#include "pbuf.h"

#define IP6_HDR_LEN 40
#define IP6_EXT_MAX 16

enum ip6_proto {
	IP6P_HBH = 0,
	IP6P_TCP = 6,
	IP6P_UDP = 17,
	IP6P_IPV6 = 41,
	IP6P_ROUTING = 43,
	IP6P_FRAGMENT = 44,
	IP6P_ESP = 50,
	IP6P_AH = 51,
	IP6P_ICMPV6 = 58,
	IP6P_NONE = 59,
	IP6P_DSTOPTS = 60,
	IP6P_MH = 135,
};

enum ip6_opt_type {
	IP6O_PAD1 = 0,
	IP6O_PADN = 1,
	IP6O_TUNNEL_LIMIT = 4,
	IP6O_ROUTER_ALERT = 5,
	IP6O_JUMBO = 0xc2,
	IP6O_HAO = 0xc9,
};

#define IP6_HAO_OPT_LEN 16   /* HAO Option Length (HAO-01) */
#define IP6_HAO_HDR_LEN 24   /* Destination Options header holding only a HAO */
#define IP6_RH2_HDR_LEN 24

struct ip6_hdr {
	uint8_t tclass;
	uint32_t flow;       /* 20 bits */
	uint16_t plen;
	uint8_t nh;
	uint8_t hlim;
	uint8_t src[16];
	uint8_t dst[16];
};

int ip6_hdr_parse(const uint8_t *p, size_t len, struct ip6_hdr *h);
void ip6_hdr_write(uint8_t *p, const struct ip6_hdr *h);

struct ip6_ext {
	uint8_t proto;       /* IP6P_HBH, _DSTOPTS, _ROUTING, _FRAGMENT, _AH */
	uint16_t off;        /* offset of the header in the packet */
	uint16_t len;        /* its length in octets */
};

/* ip6_walk() flags */
#define IP6W_HAO_KNOWN 0x1   /* option 201 is understood (MN, HA, CN roles) */

struct ip6_walk {
	struct ip6_hdr hdr;
	size_t end;              /* 40 + Payload Length (bytes past it are link padding) */
	unsigned n_ext;
	struct ip6_ext ext[IP6_EXT_MAX];
	uint8_t proto;           /* first non-extension protocol */
	size_t proto_off;        /* its offset (== end when nothing follows) */
	size_t nh_field;         /* offset of the Next Header octet naming proto */
	int hao_off;             /* offset of the HAO option type octet, -1 if none */
	bool hao_valid;          /* HAO well formed, placed and unique */
	int rh_off;              /* offset of the Routing header, -1 if none */
	uint8_t rh_type;
	uint8_t rh_segleft;
	int frag_off;            /* offset of the Fragment header, -1 if none */
	uint16_t frag_offset;    /* fragment offset in 8-octet units */
	bool frag_more;
	uint32_t frag_id;
	int ah_off;              /* offset of the first AH, -1 if none */
	int pp_code;             /* ICMPv6 Parameter Problem code for the first fault, -1: none */
	uint32_t pp_ptr;         /* and its pointer */
	struct m6_diags diags;
};

/* Returns 0, or the first fault (every fault makes the packet unusable). */
int ip6_walk(const uint8_t *pkt, size_t len, unsigned flags, struct ip6_walk *w);

/* The HAO home address inside pkt, or NULL if the packet has no valid HAO. */
const uint8_t *ip6_walk_hoa(const struct ip6_walk *w, const uint8_t *pkt);
/* The address in a well-formed RH2 (segleft 1), or NULL. */
const uint8_t *ip6_walk_rh2(const struct ip6_walk *w, const uint8_t *pkt);
/* Addresses for the upper-layer pseudo-header (RFC 8200 8.1, RFC 6275 MH-03):
 * src = the HAO home address when present, dst = the final destination of a
 * Routing header (RH2's home address). */
void ip6_walk_pseudo(const struct ip6_walk *w, const uint8_t *pkt, uint8_t src[16], uint8_t dst[16]);

/* Address classes (HAO-05, BU-01). */
bool ip6_addr_unicast_routable(const uint8_t a[16]);
bool ip6_addr_is_multicast(const uint8_t a[16]);
bool ip6_addr_is_link_local(const uint8_t a[16]);
/* Do the first plen bits of a and p agree? */
bool ip6_prefix_match(const uint8_t a[16], const uint8_t p[16], unsigned plen);

/* Golden layouts: Destination Options header `nh | 2 | PadN(2) | C9 10 | HoA`
 * (HAO-01) and `nh | 2 | 2 | 1 | 0000 | HoA` (RH2-01). Write 24 octets. */
void ip6_write_hao_dstopt(uint8_t *p, uint8_t nh, const uint8_t hoa[16]);
void ip6_write_rh2(uint8_t *p, uint8_t nh, const uint8_t addr[16]);

/* Insert a HAO Destination Options header (after the IPv6 header and any
 * Hop-by-Hop / Routing header) or an RH2 (after the IPv6 header and any
 * Hop-by-Hop header) into a packet held in pb, updating the Next Header
 * chain and Payload Length. The payload is not copied. */
int ip6_insert_hao(struct pbuf *pb, const uint8_t hoa[16]);
int ip6_insert_rh2(struct pbuf *pb, const uint8_t addr[16]);

/* Text forms of addresses (RFC 5952 on output). */
int ip6_addr_parse(const char *s, uint8_t out[16]);
void ip6_addr_format(const uint8_t a[16], char out[46]);

#endif
