/*
 * ike_dh — IKEv2 key exchange over OpenSSL 3: X25519/X448 (RFC 8031),
 * ECP-256/384 (RFC 5903), MODP-2048/3072 (RFC 3526), with the RFC 6989
 * checks of the peer's value (IKE-22).
 *
 * Contract: a struct ike_dh is a plain caller-owned value (no OpenSSL
 * object lives in it) holding our private key and the public value in its
 * KE payload encoding: X25519/X448 the u-coordinate (32/56 octets), ECP
 * x || y (64/96 octets), MODP g^x mod p padded to the modulus (256/384).
 * The private key comes from the caller's ike_rng, never from OpenSSL's
 * generator, so seeded runs are reproducible. ike_dh_shared() checks the
 * peer's value first (ike_dh_check_peer: MODP 1 < y < p-1, ECP coordinates
 * below p and the point on the curve, X25519/X448 any value but an
 * all-zero result) and gives g^ir in the form SKEYSEED takes: MODP padded
 * to the modulus, ECP the x-coordinate only (RFC 5903 7), X25519/X448 the
 * 32/56-octet result. ike_dh_clear() wipes the private key (RFC 7296 2.12:
 * forget DH secrets once used).
 */
#ifndef MIP6SEC_IKE_DH_H
#define MIP6SEC_IKE_DH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_crypto.h"

#define IKE_DH_PUB_MAX 384
#define IKE_DH_PRIV_MAX 56
#define IKE_DH_SHARED_MAX 384

struct ike_dh {
	uint16_t group;
	size_t priv_len;
	size_t pub_len;
	uint8_t priv[IKE_DH_PRIV_MAX];
	uint8_t pub[IKE_DH_PUB_MAX];
};

bool ike_dh_supported(uint16_t group);
/* Octets of our private key and of g^ir for a group; 0 if unsupported. */
size_t ike_dh_priv_len(uint16_t group);
size_t ike_dh_shared_len(uint16_t group);

/* A fresh key pair: M6_E_IKE_GROUP, M6_E_CRYPTO. */
int ike_dh_init(struct ike_dh *dh, uint16_t group, const struct ike_rng *rng);
/* From a given private key (known-answer tests): X25519/X448 the scalar as
 * RFC 7748 writes it, ECP a big-endian integer in [1, n-1], MODP a
 * big-endian exponent (any length up to IKE_DH_PRIV_MAX, not 0). */
int ike_dh_init_priv(struct ike_dh *dh, uint16_t group, const uint8_t *priv, size_t len);
/* RFC 6989 / RFC 8031 checks: 0, M6_E_IKE_KE_LEN, M6_E_IKE_KE_VALUE. */
int ike_dh_check_peer(uint16_t group, const uint8_t *pub, size_t len);
/* g^ir into out (ike_dh_shared_len octets, *out_len set). */
int ike_dh_shared(const struct ike_dh *dh, const uint8_t *peer, size_t len, uint8_t *out,
		  size_t *out_len);
void ike_dh_clear(struct ike_dh *dh);

#endif
