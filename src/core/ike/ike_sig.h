/*
 * ike_sig — X.509 certificate authentication for IKEv2 (RFC 7296 2.15,
 * 3.6-3.8; RFC 4754; RFC 7427), over OpenSSL 3.
 *
 * Contract: a credential (struct ike_cred, opaque) holds what one end
 * needs: its own key, end-entity certificate and intermediates (to sign
 * and to send in CERT) and the CA it trusts (to verify the peer, and the
 * SHA-1 hash of its SubjectPublicKeyInfo for CERTREQ). It is loaded from
 * PEM text in memory (the caller reads the files: the core does no I/O)
 * and is read-only afterwards, so one credential serves many IKE SAs.
 *
 * Signing covers the same octets as a PSK AUTH (2.15): the signer's
 * RealMessage, the peer's nonce and prf(SK_p, ID'). Methods: 1 (RSA,
 * PKCS#1 v1.5 with SHA-1), 9 and 10 (ECDSA P-256/SHA-256 and
 * P-384/SHA-384, r||s of fixed length, RFC 4754 7) and 14 (RFC 7427: a
 * one-octet length, the DER AlgorithmIdentifier, the signature; ECDSA
 * signatures DER-encoded) with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt
 * 32), RSA PKCS#1 v1.5 SHA-256, ECDSA SHA-256/384 and Ed25519. Method 14
 * is used only when the peer announced a hash it allows in
 * SIGNATURE_HASH_ALGORITHMS (RFC 7427 4); otherwise the classic method of
 * the key's type (Ed25519 has none: M6_E_IKE_SIG_METHOD).
 *
 * Verification: the peer's certificate chains to our CA through the
 * intermediates it sent, at a wall time the caller gives (no clock is
 * read here); the identity in ID must be in the certificate (FQDN and
 * RFC822 in subjectAltName dNSName / rfc822Name, IPv4/IPv6 addresses in
 * iPAddress, DER_ASN1_DN equal to the subject; 4877-08); the AUTH method
 * must fit the key (curve and hash for 9/10, key type for each method 14
 * algorithm). Certificate operations allocate (OpenSSL objects); they run
 * once per IKE SA, not per packet. The ECDSA nonce and the RSASSA-PSS
 * salt come from the caller's generator (Ed25519 and PKCS#1 v1.5 need
 * none). Not here yet: revocation (CRL, OCSP).
 */
#ifndef MIP6SEC_IKE_SIG_H
#define MIP6SEC_IKE_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_crypto.h"

#define IKE_SIG_MAX 1100        /* AUTH data: RSA-8192 + AlgorithmIdentifier */
#define IKE_CERT_CHAIN_MAX 4    /* certificates we send or accept in one message */
#define IKE_CERTREQ_HASH_LEN 20 /* SHA-1 of a CA's SubjectPublicKeyInfo (3.7) */

/* SIGNATURE_HASH_ALGORITHMS values (RFC 7427 7, RFC 8420) and the bit of
 * each in a mask. */
enum ike_hash {
	IKE_HASH_SHA1 = 1,
	IKE_HASH_SHA2_256 = 2,
	IKE_HASH_SHA2_384 = 3,
	IKE_HASH_SHA2_512 = 4,
	IKE_HASH_IDENTITY = 5,
};
#define IKE_HASH_BIT(h) (1u << (h))

struct ike_cred;

/* An empty credential (NULL: no memory), with one reference. */
struct ike_cred *ike_cred_new(void);
/* Another reference (a key manager keeps the configuration's); c. */
struct ike_cred *ike_cred_ref(struct ike_cred *c);
/* Drop a reference: the last one frees (and wipes) everything. */
void ike_cred_free(struct ike_cred *c);
/* Our certificate and its private key (PEM). M6_E_IKE_CERT_PARSE when
 * either does not parse, M6_E_IKE_KEY_TYPE for a key other than RSA
 * (>= 2048 bits), ECDSA P-256/P-384 or Ed25519, M6_E_IKE_KEY_MISMATCH when
 * the key is not the certificate's. */
int ike_cred_set_own(struct ike_cred *c, const char *cert_pem, size_t cert_len,
		     const char *key_pem, size_t key_len);
/* Intermediate CA certificates we send after ours (PEM, one or more). */
int ike_cred_add_intermediates(struct ike_cred *c, const char *pem, size_t len);
/* The CA that peers' certificates must chain to (PEM, one or more). */
int ike_cred_set_ca(struct ike_cred *c, const char *pem, size_t len);
/* Method 14 with an RSA key: PKCS#1 v1.5 SHA-256 instead of RSASSA-PSS. */
void ike_cred_set_rsa_pkcs1(struct ike_cred *c, bool pkcs1);
/* Never method 14 from us (and nothing to announce): the classic method
 * of our key type (RFC 7296 3.8). */
void ike_cred_set_classic(struct ike_cred *c, bool classic);

/* The same certificates, CA and options (a configuration reloaded). */
bool ike_cred_same(const struct ike_cred *a, const struct ike_cred *b);
bool ike_cred_has_own(const struct ike_cred *c);
bool ike_cred_has_ca(const struct ike_cred *c);
/* The hashes we accept in method 14 (mask of IKE_HASH_BIT), 0 in classic mode. */
unsigned ike_cred_hashes(const struct ike_cred *c);
/* Our certificates, DER: 0 the end entity, then the intermediates. */
unsigned ike_cred_n_certs(const struct ike_cred *c);
const uint8_t *ike_cred_cert_der(const struct ike_cred *c, unsigned i, size_t *len);
/* CERTREQ data: the CAs' key hashes, *len a multiple of 20 (0 without a CA). */
const uint8_t *ike_cred_certreq(const struct ike_cred *c, size_t *len);

/* Sign tbs (the AUTH octets) with our key: *method gets the AUTH method,
 * out its Authentication Data. peer_hashes is the peer's
 * SIGNATURE_HASH_ALGORITHMS mask (0: it sent none). The ECDSA nonce and
 * the RSASSA-PSS salt come from rng (NULL: OpenSSL's generator). */
int ike_sig_sign(const struct ike_cred *c, unsigned peer_hashes, const struct ike_rng *rng,
		 const uint8_t *tbs, size_t tbs_len, uint8_t *method, uint8_t *out, size_t cap,
		 size_t *out_len);

/* The peer's certificates as received: certs[0] the end entity. */
struct ike_peer_certs {
	unsigned n;
	const uint8_t *der[IKE_CERT_CHAIN_MAX];
	size_t len[IKE_CERT_CHAIN_MAX];
};

/* Check the peer: its chain to our CA at wall time now (seconds since
 * 1970), its identity (ID type and data as in the ID payload) in the
 * end-entity certificate, and the AUTH (method, data) over tbs with its
 * key. M6_E_IKE_CERT (chain, validity), M6_E_IKE_CERT_ID (identity),
 * M6_E_IKE_SIG_METHOD (method unfit for the key or unknown algorithm),
 * M6_E_IKE_AUTH (signature). */
int ike_sig_verify(const struct ike_cred *c, const struct ike_peer_certs *pc, int64_t now,
		   uint8_t id_type, const uint8_t *id, size_t id_len, uint8_t method,
		   const uint8_t *auth, size_t auth_len, const uint8_t *tbs, size_t tbs_len);

/* The parts of that check, for tests and tools. */
int ike_sig_check_id(const uint8_t *cert_der, size_t cert_len, uint8_t id_type,
		     const uint8_t *id, size_t id_len);
int ike_sig_check_auth(const uint8_t *cert_der, size_t cert_len, uint8_t method,
		       const uint8_t *auth, size_t auth_len, const uint8_t *tbs, size_t tbs_len);

#endif
