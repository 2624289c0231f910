/*
 * disc — the wire side of home agent and prefix discovery (RFC 6275 6.5-6.8,
 * 7.1, 7.2, 7.4): the ICMPv6 messages 144..147, the Mobile IPv6 Home-Agents
 * anycast address (RFC 2526), Prefix Information and Home Agent Information
 * options, and the Router Advertisement fields a home agent reads.
 *
 * Contract: pure functions over caller buffers; parsers never read outside
 * their input and return 0 or a negative M6_E_*. disc_build() writes
 * IPv6 | [RH2] | [Destination Options with a HAO] | ICMPv6 with the
 * checksum over the pseudo-header the receiver will use (source = the home
 * address of a HAO, destination = the home address of an RH2, RFC 6275
 * 11.3.1 / RFC 8200 8.1).
 */
#ifndef MIP6SEC_DISC_H
#define MIP6SEC_DISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum disc_icmp_type {
	DISC_DHAAD_REQUEST = 144,
	DISC_DHAAD_REPLY = 145,
	DISC_MPS = 146,
	DISC_MPA = 147,
};

#define DISC_ND_RA 134
#define DISC_RA_H 0x20               /* RA flags octet: Home Agent (7.1) */
#define DISC_OPT_PI 3                /* Prefix Information (RFC 4861 4.6.2) */
#define DISC_OPT_HAI 8               /* Home Agent Information (7.4) */
#define DISC_PI_L 0x80
#define DISC_PI_A 0x40
#define DISC_PI_R 0x20               /* Router Address (7.2) */
#define DISC_PI_LEN 32
#define DISC_HAI_LEN 8
#define DISC_HDR_LEN 8               /* type, code, checksum, identifier, reserved */
#define DISC_RA_HDR_LEN 16
#define DISC_INFINITE UINT32_MAX
#define DISC_MIN_MTU 1280

struct disc_pi {
	uint8_t prefix[16];          /* the whole field: a router address when R is set */
	unsigned plen;
	uint8_t flags;               /* L A R */
	uint32_t valid_s, preferred_s;
};

/* What a home agent reads in a Router Advertisement (10.5.1). */
struct disc_ra {
	bool h;                      /* Home Agent bit */
	uint16_t router_lifetime_s;
	bool has_hai;
	uint16_t ha_pref, ha_lifetime_s;
	unsigned n_pi;
	struct disc_pi pi[8];        /* the first eight Prefix Information options */
};

/* The Home-Agents anycast address of a prefix (RFC 2526: all ones after the
 * prefix, anycast ID 126 in the last seven bits; a /64 keeps the EUI-64
 * universal/local bit clear: prefix::fdff:ffff:ffff:fffe). plen <= 121. */
void disc_ha_anycast(const uint8_t prefix[16], unsigned plen, uint8_t out[16]);
bool disc_is_ha_anycast(const uint8_t prefix[16], unsigned plen, const uint8_t a[16]);

/* IPv6(src->dst) | [RH2 rh2] | [HAO hao] | ICMPv6 body (type first, checksum
 * octets overwritten). Returns the length or a negative M6_E_*. */
int disc_build(uint8_t *out, size_t cap, const uint8_t src[16], const uint8_t dst[16], const uint8_t *hao,
	       const uint8_t *rh2, const uint8_t *icmp, size_t ilen);
/* A Prefix Information option, DISC_PI_LEN octets. */
void disc_put_pi(uint8_t *out, const struct disc_pi *pi);
/* The ND options after the fixed part of a message (RFC 4861 4.6): the
 * first max Prefix Information options into pi (*n of them; others and
 * unknown options are skipped, 6.8); 0, or M6_E_TRUNC / M6_E_INVAL for an
 * option of length 0 or running past the end (the message is then void). */
int disc_parse_pis(const uint8_t *opts, size_t len, struct disc_pi *pi, unsigned max, unsigned *n);
/* A Router Advertisement's ICMPv6 body (type first). */
int disc_parse_ra(const uint8_t *ra, size_t len, struct disc_ra *out);

#endif
