/*
 * ike_cookie — the responder's stateless COOKIE under half-open load
 * (RFC 7296 2.6, IKE-06), sans-I/O.
 *
 * Contract: a cookie is VersionID (4 octets, big-endian) followed by
 * prf(secret, Ni | IPi | SPIi) with HMAC-SHA2-256, IPi the initiator's
 * IPv6 address as the responder saw it. The secret comes from the caller's
 * rng; ike_cookie_rotate() (timing is the caller's) draws a new one and
 * keeps the previous one, so a cookie handed out just before a rotation
 * still gets in once, and none older does. ike_cookie_screen() looks at an
 * IKE_SA_INIT request and either lets it through (its first payload is a
 * COOKIE this responder made for that Ni, address and SPIi) or writes the
 * stateless answer: N(COOKIE) with SPIr 0 and the request's Message ID,
 * nothing kept (a missing and a wrong cookie are the same thing). Cookies
 * are compared in constant time; ike_cookie_clear() wipes the secrets.
 * Nothing is allocated.
 */
#ifndef MIP6SEC_IKE_COOKIE_H
#define MIP6SEC_IKE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_crypto.h"

#define IKE_COOKIE_SECRET_LEN 32
#define IKE_COOKIE_LEN (4 + 32)

struct ike_cookie {
	uint32_t version;                       /* of the current secret */
	uint8_t secret[IKE_COOKIE_SECRET_LEN];
	uint8_t previous[IKE_COOKIE_SECRET_LEN];
	bool have_previous;
};

/* A first secret (version 1). */
void ike_cookie_init(struct ike_cookie *c, const struct ike_rng *rng);
/* A new secret; the current one becomes the previous one. */
void ike_cookie_rotate(struct ike_cookie *c, const struct ike_rng *rng);
/* The cookie for an initiator with the current secret. */
int ike_cookie_make(const struct ike_cookie *c, const uint8_t *ni, size_t ni_len, const uint8_t ip[16],
		    const uint8_t spi_i[IKE_SPI_LEN], uint8_t out[IKE_COOKIE_LEN]);
/* Did this responder make this cookie, with the current or the previous
 * secret, for this initiator? */
bool ike_cookie_valid(const struct ike_cookie *c, const uint8_t *cookie, size_t len, const uint8_t *ni,
		      size_t ni_len, const uint8_t ip[16], const uint8_t spi_i[IKE_SPI_LEN]);
/* An IKE_SA_INIT request from ip: 0 when it carries a valid cookie (out
 * empty); M6_E_IKE_COOKIE with the N(COOKIE) answer in out when not; a
 * message without a nonce or not parsing gets nothing (its parse error). */
int ike_cookie_screen(const struct ike_cookie *c, const uint8_t *msg, size_t len, const uint8_t ip[16],
		      uint8_t *out, size_t cap, size_t *out_len);
void ike_cookie_clear(struct ike_cookie *c);

#endif
