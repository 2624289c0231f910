/* IKE_SA_INIT + IKE_AUTH with X.509 certificates (RFC 7296 2.15, 3.6-3.8,
 * RFC 4754, RFC 7427) between two engines, and the checks of ike_sig on
 * their own. The certificates are tests/vectors/ike_certs (make.sh there);
 * the AUTH octets and signatures are cross-checked against Python
 * `cryptography` by tests/oracle/ike_sig_oracle.py. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "test_ike_ends.h"
#include "ike/ike_msg.h"
#include "ike/ike_sig.h"

#define T_2029 1861920000       /* 2029-01-01: every test certificate is valid */
#define T_2040 2208988800       /* 2040-01-01: all of them have expired */
#define T_2020 1577836800       /* 2020-01-01: none is valid yet */

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", IKE_CERTS_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[8][16384];
	static unsigned next;
	char *b = buf[next++ % 8];
	*len = fread(b, 1, sizeof(buf[0]), f);
	fclose(f);
	return b;
}

/* A credential: our certificate and key "<who>.pem/.key" (NULL: none), the
 * intermediates file (NULL: none) and the CA file (NULL: none). */
static struct ike_cred *cred(const char *who, const char *inter, const char *ca)
{
	struct ike_cred *c = ike_cred_new();
	assert_non_null(c);
	char n1[64], n2[64];
	size_t l1, l2;
	if (who) {
		snprintf(n1, sizeof(n1), "%s.pem", who);
		snprintf(n2, sizeof(n2), "%s.key", who);
		const char *p1 = slurp(n1, &l1), *p2 = slurp(n2, &l2);
		assert_int_equal(ike_cred_set_own(c, p1, l1, p2, l2), 0);
	}
	if (inter) {
		const char *p = slurp(inter, &l1);
		assert_int_equal(ike_cred_add_intermediates(c, p, l1), 0);
	}
	if (ca) {
		const char *p = slurp(ca, &l1);
		assert_int_equal(ike_cred_set_ca(c, p, l1), 0);
	}
	return c;
}

static struct ends e;
static struct ike_cred *ci, *cr;

static void cert_setup(const char *mn, const char *ha, const char *ca_i, const char *ca_r)
{
	setup(&e, gcm_x25519);
	ci = cred(mn, NULL, ca_i);
	cr = cred(ha, NULL, ca_r);
	e.ci.cred = ci;
	e.cr.cred = cr;
	e.ci.cert_time = e.cr.cert_time = T_2029;
}

static void cert_free(void)
{
	ike_cred_free(ci);
	ike_cred_free(cr);
	ci = cr = NULL;
}

static void run(void)
{
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
}

/* A whole exchange; each end saw the other sign with method. */
static void expect_up(uint8_t method)
{
	run();
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.i.peer_auth, method);
	assert_int_equal(e.r.peer_auth, method);
	assert_true(e.i.child_ok && e.r.child_ok);
	assert_memory_equal(e.i.ch[0].keys.ei, e.r.ch[0].keys.ei, e.i.ch[0].keys.e_len);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* The responder refuses the initiator's AUTH with AUTHENTICATION_FAILED
 * (IKE-19) for reason why; the initiator fails with it. */
static void expect_refused(int why)
{
	run();
	assert_int_equal(to_r(&e), why);
	assert_int_equal(e.r.state, IKE_SA_FAILED);
	assert_int_equal(e.r.error, why);
	assert_int_equal(to_i(&e), M6_E_IKE_AUTH);
	assert_int_equal(e.i.state, IKE_SA_FAILED);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

static void handshake_with(const char *mn, const char *ha, bool classic, bool pkcs1, uint8_t method)
{
	cert_setup(mn, ha, "ca.pem", "ca.pem");
	ike_cred_set_classic(ci, classic);
	ike_cred_set_classic(cr, classic);
	ike_cred_set_rsa_pkcs1(ci, pkcs1);
	ike_cred_set_rsa_pkcs1(cr, pkcs1);
	expect_up(method);
	cert_free();
}

/* IKE-12: the signed octets of 2.15 both ways; ALG-03: RSASSA-PSS with
 * SHA-256 in method 14 (RFC 7427) and RSA (method 1) */
static void test_rsa(void **s)
{
	(void)s;
	handshake_with("mn-rsa", "ha-rsa", false, false, IKE_AUTH_DIGITAL_SIG);     /* ALG-03 */
	handshake_with("mn-rsa", "ha-rsa", false, true, IKE_AUTH_DIGITAL_SIG);
	handshake_with("mn-rsa", "ha-rsa", true, false, IKE_AUTH_RSA_SIG);          /* ALG-03 */
}

static void test_ecdsa(void **s)
{
	(void)s;
	handshake_with("mn-p256", "ha-p256", false, false, IKE_AUTH_DIGITAL_SIG);
	handshake_with("mn-p384", "ha-p384", false, false, IKE_AUTH_DIGITAL_SIG);
	/* RFC 4754: r||s with the curve's hash */
	handshake_with("mn-p256", "ha-p256", true, false, IKE_AUTH_ECDSA_256);
	handshake_with("mn-p384", "ha-p384", true, false, IKE_AUTH_ECDSA_384);
}

static void test_ed25519(void **s)
{
	(void)s;
	handshake_with("mn-ed25519", "ha-ed25519", false, false, IKE_AUTH_DIGITAL_SIG);
	/* Ed25519 has no classic method: without method 14 no AUTH can be made */
	cert_setup("mn-ed25519", "ha-ed25519", "ca.pem", "ca.pem");
	ike_cred_set_classic(ci, true);
	ike_cred_set_classic(cr, true);
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), M6_E_IKE_SIG_METHOD);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	cert_free();
}

/* Different key types at each end, and method 14 only one way: the
 * initiator in classic mode announces nothing, so the responder signs with
 * method 9 while the initiator, told the responder's hashes, uses 14. */
static void test_mixed(void **s)
{
	(void)s;
	cert_setup("mn-ed25519", "ha-rsa", "ca.pem", "ca.pem");
	expect_up(IKE_AUTH_DIGITAL_SIG);
	cert_free();
	cert_setup("mn-p256", "ha-p256", "ca.pem", "ca.pem");
	ike_cred_set_classic(ci, true);
	run();
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(e.i.peer_auth, IKE_AUTH_ECDSA_256);
	assert_int_equal(e.r.peer_auth, IKE_AUTH_ECDSA_256);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	cert_free();
}

/* The first payload of a type in a plaintext message, or NULL. */
static const struct ike_pl *find_pl(const uint8_t *msg, size_t len, uint8_t type, struct ike_msg *m)
{
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(msg, len, m, &ds, 0), 0);
	return ike_msg_find(m, type, 0);
}

/* IKE_SA_INIT: SIGNATURE_HASH_ALGORITHMS both ways (RFC 7427 4), and the
 * responder's CERTREQ with the SHA-1 hash of its CA's SubjectPublicKeyInfo
 * (3.7). */
static void test_init_payloads(void **s)
{
	(void)s;
	cert_setup("mn-p256", "ha-p256", "ca.pem", "ca.pem");
	struct ike_msg m;
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	find_pl(e.a, e.al, IKE_PL_SA, &m);
	const struct ike_pl *n = ike_msg_find_notify(&m, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	assert_non_null(n);
	/* ALG-03: SHA2-256, 384, 512 and IDENTITY (RFC 8420), never SHA-1 */
	static const uint8_t hashes[] = { 0, 0, 0x40, 0x2f, 0, 2, 0, 3, 0, 4, 0, 5 };
	assert_int_equal(n->body_len, sizeof(hashes));
	assert_memory_equal(n->body, hashes, sizeof(hashes));
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	const struct ike_pl *cq = find_pl(e.b, e.bl, IKE_PL_CERTREQ, &m);
	assert_non_null(cq);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_SIGNATURE_HASH_ALGORITHMS));
	assert_int_equal(cq->body_len, 1 + 20);
	assert_int_equal(cq->body[0], IKE_CERT_X509_SIG);
	/* the hash computed here from the CA file */
	size_t l;
	const char *pem = slurp("ca.pem", &l);
	BIO *b = BIO_new_mem_buf(pem, (int)l);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	unsigned char *spki = NULL;
	int sl = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	uint8_t h[20];
	SHA1(spki, (size_t)sl, h);
	assert_memory_equal(cq->body + 1, h, 20);
	OPENSSL_free(spki);
	X509_free(x);
	BIO_free(b);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	cert_free();
	/* PSK alone: neither is sent */
	setup(&e, gcm_x25519);
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	find_pl(e.a, e.al, IKE_PL_SA, &m);
	assert_null(ike_msg_find_notify(&m, IKE_N_SIGNATURE_HASH_ALGORITHMS));
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	assert_null(find_pl(e.b, e.bl, IKE_PL_CERTREQ, &m));
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* A chain through an intermediate the initiator sends after its own. */
static void test_intermediate(void **s)
{
	(void)s;
	setup(&e, gcm_x25519);
	ci = cred("mn-inter", "inter.pem", "ca.pem");
	cr = cred("ha-p256", NULL, "ca.pem");
	e.ci.cred = ci;
	e.cr.cred = cr;
	e.ci.cert_time = e.cr.cert_time = T_2029;
	assert_int_equal(ike_cred_n_certs(ci), 2);
	expect_up(IKE_AUTH_DIGITAL_SIG);
	cert_free();
	/* without it the chain is broken */
	setup(&e, gcm_x25519);
	ci = cred("mn-inter", NULL, "ca.pem");
	cr = cred("ha-p256", NULL, "ca.pem");
	e.ci.cred = ci;
	e.cr.cred = cr;
	e.ci.cert_time = e.cr.cert_time = T_2029;
	expect_refused(M6_E_IKE_CERT);
	cert_free();
}

/* PAD-01: a certificate of another CA is refused */
static void test_wrong_ca(void **s)
{
	(void)s;
	cert_setup("mn-ca2", "ha-p256", "ca.pem", "ca.pem");
	expect_refused(M6_E_IKE_CERT);
	cert_free();
	/* the initiator checks the responder too */
	cert_setup("mn-p256", "ha-p256", "ca2.pem", "ca.pem");
	run();
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), M6_E_IKE_CERT);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	cert_free();
}

/* Validity at the caller's wall time: after notAfter, before notBefore. */
static void test_expired(void **s)
{
	(void)s;
	cert_setup("mn-p256", "ha-p256", "ca.pem", "ca.pem");
	e.cr.cert_time = T_2040;
	expect_refused(M6_E_IKE_CERT);
	e.cr.cert_time = T_2020;
	expect_refused(M6_E_IKE_CERT);
	cert_free();
}

static const uint8_t hoa[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };

/* IDi = ID_IPV6_ADDR(HoA): accepted with the HoA in an iPAddress SAN,
 * AUTHENTICATION_FAILED without it. */
static void test_hoa_identity(void **s)
{
	(void)s;
	cert_setup("mn-p256", "ha-p256", "ca.pem", "ca.pem");
	e.ci.id_type = IKE_ID_IPV6_ADDR;
	e.ci.id = hoa;
	e.ci.id_len = 16;
	e.cr.peer_id_type = 0;
	expect_up(IKE_AUTH_DIGITAL_SIG);
	cert_free();
	cert_setup("mn-nosan", "ha-p256", "ca.pem", "ca.pem");
	e.ci.id_type = IKE_ID_IPV6_ADDR;
	e.ci.id = hoa;
	e.ci.id_len = 16;
	e.cr.peer_id_type = 0;
	/* 4877-08 */
	expect_refused(M6_E_IKE_CERT_ID);
	cert_free();
	/* an FQDN the certificate does not name */
	cert_setup("mn-p256", "ha-p256", "ca.pem", "ca.pem");
	static const uint8_t other[] = "mx.example.org";
	e.ci.id = other;
	e.ci.id_len = sizeof(other) - 1;
	e.cr.peer_id_type = 0;
	expect_refused(M6_E_IKE_CERT_ID);
	cert_free();
}

/* The end-entity certificate's DER. */
static const uint8_t *own_der(const struct ike_cred *c, size_t *len)
{
	return ike_cred_cert_der(c, 0, len);
}

/* The identity checks on their own (4877-08, PAD-01): FQDN and RFC822 in
 * the SAN, never the subject CN; DER_ASN1_DN equal to the subject. */
static void test_check_id(void **s)
{
	(void)s;
	struct ike_cred *c = cred("mn-p256", NULL, NULL);
	size_t dl;
	const uint8_t *d = own_der(c, &dl);
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_FQDN, (const uint8_t *)"mn.example.org", 14), 0);
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_FQDN, (const uint8_t *)"MN.example.org", 14), 0);
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_FQDN, (const uint8_t *)"ha.example.org", 14),
			 M6_E_IKE_CERT_ID);
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_RFC822_ADDR, (const uint8_t *)"mn@example.org", 14), 0);
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_RFC822_ADDR, (const uint8_t *)"ha@example.org", 14),
			 M6_E_IKE_CERT_ID);
	/* 4877-08 */
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_IPV6_ADDR, hoa, 16), 0);
	uint8_t other[16];
	memcpy(other, hoa, 16);
	other[15] = 0x01;
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_IPV6_ADDR, other, 16), M6_E_IKE_CERT_ID);
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_IPV6_ADDR, hoa, 4), M6_E_IKE_CERT_ID);
	/* the subject, DER */
	const unsigned char *p = d;
	X509 *x = d2i_X509(NULL, &p, (long)dl);
	unsigned char *dn = NULL;
	int n = i2d_X509_NAME(X509_get_subject_name(x), &dn);
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_DER_ASN1_DN, dn, (size_t)n), 0);
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_DER_ASN1_DN, dn, (size_t)n - 1), M6_E_IKE_CERT_ID);
	unsigned char *idn = NULL;
	int in = i2d_X509_NAME(X509_get_issuer_name(x), &idn);
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_DER_ASN1_DN, idn, (size_t)in), M6_E_IKE_CERT_ID);
	/* KEY_ID is never vouched for by a certificate */
	assert_int_equal(ike_sig_check_id(d, dl, IKE_ID_KEY_ID, (const uint8_t *)"mn", 2), M6_E_IKE_CERT_ID);
	OPENSSL_free(dn);
	OPENSSL_free(idn);
	X509_free(x);
	ike_cred_free(c);
}

static struct seeded tseed = { 7, 0 };
static const struct ike_rng trng = { seeded_rng, &tseed };

/* ECDSA and RSASSA-PSS take their nonce and salt from the caller's
 * generator: the same generator state gives the same signature, another
 * state another one, and each verifies (OpenSSL's own verification). */
static void test_sign_randomness(void **s)
{
	(void)s;
	static const char *const who[] = { "mn-rsa", "mn-p256", "mn-p384" };
	static const uint8_t tbs[] = "the AUTH octets";
	for (size_t k = 0; k < 3; k++)
		for (int classic = 0; classic < 2; classic++) {
			struct ike_cred *c = cred(who[k], NULL, NULL);
			ike_cred_set_classic(c, classic);
			uint8_t s1[IKE_SIG_MAX], s2[IKE_SIG_MAX], s3[IKE_SIG_MAX], m;
			size_t l1, l2, l3, dl;
			unsigned h = classic ? 0 : ike_cred_hashes(c);
			struct seeded a = { 9, 1 }, b = { 9, 1 }, d = { 9, 2 };
			struct ike_rng ra = { seeded_rng, &a }, rb = { seeded_rng, &b }, rd = { seeded_rng, &d };
			assert_int_equal(ike_sig_sign(c, h, &ra, tbs, sizeof(tbs), &m, s1, sizeof(s1), &l1), 0);
			assert_int_equal(ike_sig_sign(c, h, &rb, tbs, sizeof(tbs), &m, s2, sizeof(s2), &l2), 0);
			assert_int_equal(ike_sig_sign(c, h, &rd, tbs, sizeof(tbs), &m, s3, sizeof(s3), &l3), 0);
			assert_int_equal(l1, l2);
			assert_memory_equal(s1, s2, l1);
			bool random = k > 0 || !classic;        /* PKCS#1 v1.5 (method 1) is deterministic */
			assert_true(!random || l1 != l3 || memcmp(s1, s3, l1));
			const uint8_t *der = own_der(c, &dl);
			assert_int_equal(ike_sig_check_auth(der, dl, m, s1, l1, tbs, sizeof(tbs)), 0);
			assert_int_equal(ike_sig_check_auth(der, dl, m, s3, l3, tbs, sizeof(tbs)), 0);
			ike_cred_free(c);
		}
}

/* Signatures on their own: each key and method verifies, a flipped bit in
 * the signature or the octets does not, a method that does not fit the key
 * is refused. */
static void test_tampered(void **s)
{
	(void)s;
	static const char *const who[] = { "mn-rsa", "mn-p256", "mn-p384", "mn-ed25519" };
	uint8_t tbs[200];
	for (size_t i = 0; i < sizeof(tbs); i++)
		tbs[i] = (uint8_t)(i * 7);
	for (size_t k = 0; k < 4; k++)
		for (int classic = 0; classic < 2; classic++) {
			struct ike_cred *c = cred(who[k], NULL, NULL);
			ike_cred_set_classic(c, classic);
			uint8_t sig[IKE_SIG_MAX], method;
			size_t sl, dl;
			const uint8_t *d = own_der(c, &dl);
			int rc = ike_sig_sign(c, classic ? 0 : ike_cred_hashes(c), &trng, tbs, sizeof(tbs), &method,
					      sig, sizeof(sig), &sl);
			if (k == 3 && classic) {
				assert_int_equal(rc, M6_E_IKE_SIG_METHOD);
				ike_cred_free(c);
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(ike_sig_check_auth(d, dl, method, sig, sl, tbs, sizeof(tbs)), 0);
			sig[sl - 1] ^= 1;
			assert_int_equal(ike_sig_check_auth(d, dl, method, sig, sl, tbs, sizeof(tbs)), M6_E_IKE_AUTH);
			sig[sl - 1] ^= 1;
			tbs[3] ^= 0x80;
			assert_int_equal(ike_sig_check_auth(d, dl, method, sig, sl, tbs, sizeof(tbs)), M6_E_IKE_AUTH);
			tbs[3] ^= 0x80;
			/* a truncated signature, and an empty one */
			assert_int_not_equal(ike_sig_check_auth(d, dl, method, sig, sl - 1, tbs, sizeof(tbs)), 0);
			assert_int_not_equal(ike_sig_check_auth(d, dl, method, sig, 0, tbs, sizeof(tbs)), 0);
			if (method == IKE_AUTH_DIGITAL_SIG) {
				/* an AlgorithmIdentifier we do not know */
				sig[3] ^= 1;
				assert_int_equal(ike_sig_check_auth(d, dl, method, sig, sl, tbs, sizeof(tbs)),
						 M6_E_IKE_SIG_METHOD);
				sig[3] ^= 1;
				/* a length past the data */
				sig[0] = 0xff;
				assert_int_not_equal(ike_sig_check_auth(d, dl, method, sig, 20, tbs, sizeof(tbs)), 0);
			}
			/* methods of other key types (and curves) */
			static const uint8_t other_method[] = { IKE_AUTH_ECDSA_256, IKE_AUTH_ECDSA_384,
								IKE_AUTH_ECDSA_256, IKE_AUTH_RSA_SIG };
			uint8_t wrong = method == IKE_AUTH_ECDSA_256 ? IKE_AUTH_ECDSA_384
				      : method == IKE_AUTH_ECDSA_384 ? IKE_AUTH_RSA_SIG
								     : other_method[k];
			assert_int_equal(ike_sig_check_auth(d, dl, wrong, sig, sl, tbs, sizeof(tbs)),
					 M6_E_IKE_SIG_METHOD);
			assert_int_equal(ike_sig_check_auth(d, dl, IKE_AUTH_PSK, sig, sl, tbs, sizeof(tbs)),
					 M6_E_IKE_SIG_METHOD);
			ike_cred_free(c);
		}
	/* another key's signature, method 14 naming RSA over an ECDSA key */
	struct ike_cred *a = cred("mn-p256", NULL, NULL), *b = cred("ha-p256", NULL, NULL),
			*r = cred("mn-rsa", NULL, NULL);
	uint8_t sig[IKE_SIG_MAX], method;
	size_t sl, dl;
	assert_int_equal(ike_sig_sign(a, ike_cred_hashes(a), NULL, tbs, sizeof(tbs), &method, sig, sizeof(sig), &sl), 0);
	const uint8_t *d = own_der(b, &dl);
	assert_int_equal(ike_sig_check_auth(d, dl, method, sig, sl, tbs, sizeof(tbs)), M6_E_IKE_AUTH);
	assert_int_equal(ike_sig_sign(r, ike_cred_hashes(r), &trng, tbs, sizeof(tbs), &method, sig, sizeof(sig), &sl), 0);
	assert_int_equal(ike_sig_check_auth(d, dl, method, sig, sl, tbs, sizeof(tbs)), M6_E_IKE_SIG_METHOD);
	/* RSASSA-PSS whose hash AlgorithmIdentifiers have no parameters
	 * (rather than NULL) verifies the same */
	static const uint8_t pss_absent[] = {
		0x30, 0x3d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x30, 0xa0,
		0x0d, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0xa1, 0x1a,
		0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0b, 0x06,
		0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0xa2, 0x03, 0x02, 0x01, 0x20 };
	{
		size_t rdl;
		const uint8_t *rdd = own_der(r, &rdl);
		assert_int_equal(method, IKE_AUTH_DIGITAL_SIG);
		assert_int_equal(sig[0], 67);                   /* the NULL form is what we send */
		uint8_t alt[IKE_SIG_MAX];
		size_t altl = 1 + sizeof(pss_absent) + sl - 1 - sig[0];
		alt[0] = sizeof(pss_absent);
		memcpy(alt + 1, pss_absent, sizeof(pss_absent));
		memcpy(alt + 1 + sizeof(pss_absent), sig + 1 + sig[0], sl - 1 - sig[0]);
		assert_int_equal(ike_sig_check_auth(rdd, rdl, IKE_AUTH_DIGITAL_SIG, alt, altl, tbs, sizeof(tbs)), 0);
	}
	/* ALG-03: no SHA-1 in method 14: sha1WithRSAEncryption over a genuine
	 * PKCS#1 v1.5 SHA-1 signature (what method 1 carries) is refused */
	static const uint8_t sha1_rsa[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
					    0x0d, 0x01, 0x01, 0x05, 0x05, 0x00 };
	ike_cred_set_classic(r, true);
	uint8_t m1[IKE_SIG_MAX];
	size_t m1l, rl;
	const uint8_t *rd = own_der(r, &rl);
	assert_int_equal(ike_sig_sign(r, 0, NULL, tbs, sizeof(tbs), &method, m1, sizeof(m1), &m1l), 0);
	assert_int_equal(method, IKE_AUTH_RSA_SIG);
	assert_int_equal(ike_sig_check_auth(rd, rl, method, m1, m1l, tbs, sizeof(tbs)), 0);
	sig[0] = sizeof(sha1_rsa);
	memcpy(sig + 1, sha1_rsa, sizeof(sha1_rsa));
	memcpy(sig + 1 + sizeof(sha1_rsa), m1, m1l);
	assert_int_equal(ike_sig_check_auth(rd, rl, IKE_AUTH_DIGITAL_SIG, sig, 1 + sizeof(sha1_rsa) + m1l, tbs,
					    sizeof(tbs)),
			 M6_E_IKE_SIG_METHOD);
	ike_cred_free(a);
	ike_cred_free(b);
	ike_cred_free(r);
}

/* A tampered AUTH inside an IKE_AUTH request: the responder refuses it. */
static void test_tampered_exchange(void **s)
{
	(void)s;
	cert_setup("mn-p256", "ha-p256", "ca.pem", "ca.pem");
	run();
	/* open the initiator's request with its own keys, flip the last octet
	 * of AUTH, seal it again: only the signature is wrong */
	struct ike_msg m;
	struct m6_diags ds;
	size_t po, pl, len;
	m6_diags_init(&ds);
	static uint8_t msg[IKE_SA_MSG_MAX], again[IKE_SA_MSG_MAX];
	memcpy(msg, e.a, e.al);
	assert_int_equal(ike_msg_parse(msg, e.al, &m, &ds, 0), 0);
	struct ike_sk rsk;
	assert_int_equal(ike_sk_init(&rsk, &e.i.suite, &e.i.keys, false), 0);
	assert_int_equal(ike_sk_open(&rsk, msg, e.al, &m, &po, &pl), 0);
	assert_int_equal(ike_msg_parse_inner(&m, msg + po, pl, m.sk_np, &ds, po), 0);
	const struct ike_pl *ap = ike_msg_find(&m, IKE_PL_AUTH, 0);
	assert_non_null(ap);
	((uint8_t *)ap->body)[ap->body_len - 1] ^= 1;
	struct ike_wr w;
	struct ike_sk isk;
	assert_int_equal(ike_sk_init(&isk, &e.i.suite, &e.i.keys, true), 0);
	ike_wr_init(&w, again, sizeof(again), &m.hdr);
	ike_wr_sk_begin(&w, false, 0, 0, isk.iv_len);
	for (unsigned i = 0; i < m.n; i++)
		if (m.pl[i].inner) {
			ike_wr_begin(&w, m.pl[i].type, m.pl[i].critical);
			ike_wr_bytes(&w, m.pl[i].body, m.pl[i].body_len);
			ike_wr_end(&w);
		}
	assert_int_equal(ike_sk_seal(&isk, &w, &e.ci.rng, &len), 0);
	memcpy(e.a, again, len);
	e.al = len;
	assert_int_equal(to_r(&e), M6_E_IKE_AUTH);
	assert_int_equal(e.r.state, IKE_SA_FAILED);
	assert_int_equal(to_i(&e), M6_E_IKE_AUTH);
	ike_sk_clear(&isk);
	ike_sk_clear(&rsk);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	cert_free();
}

/* Loading: a key that is not the certificate's, text that is not PEM, a
 * key type we do not sign with. */
static void test_load_errors(void **s)
{
	(void)s;
	struct ike_cred *c = ike_cred_new();
	size_t l1, l2;
	const char *cert = slurp("mn-p256.pem", &l1), *key = slurp("ha-p256.key", &l2);
	assert_int_equal(ike_cred_set_own(c, cert, l1, key, l2), M6_E_IKE_KEY_MISMATCH);
	assert_int_equal(ike_cred_set_own(c, "junk", 4, key, l2), M6_E_IKE_CERT_PARSE);
	assert_int_equal(ike_cred_set_own(c, cert, l1, "junk", 4), M6_E_IKE_CERT_PARSE);
	assert_int_equal(ike_cred_set_ca(c, "junk", 4), M6_E_IKE_CERT_PARSE);
	assert_false(ike_cred_has_own(c));
	assert_false(ike_cred_has_ca(c));
	key = slurp("mn-p256.key", &l2);
	assert_int_equal(ike_cred_set_own(c, cert, l1, key, l2), 0);
	assert_true(ike_cred_has_own(c));
	ike_cred_free(c);
	/* RSA-1024 is below what we sign with */
	EVP_PKEY *k = EVP_RSA_gen(1024);
	assert_non_null(k);
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	char *kp;
	long kl = BIO_get_mem_data(b, &kp);
	X509 *x = X509_new();
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"x", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_sign(x, k, EVP_sha256());
	BIO *bc = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(bc, x);
	char *cp;
	long cl = BIO_get_mem_data(bc, &cp);
	c = ike_cred_new();
	assert_int_equal(ike_cred_set_own(c, cp, (size_t)cl, kp, (size_t)kl), M6_E_IKE_KEY_TYPE);
	ike_cred_free(c);
	BIO_free(b);
	BIO_free(bc);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* An initiator with a CA wants a certificate: a PSK AUTH from the
 * responder is refused; and PSK stays as it was when neither end has one. */
static void test_psk_vs_cert(void **s)
{
	(void)s;
	setup(&e, gcm_x25519);
	ci = cred("mn-p256", NULL, "ca.pem");
	cr = cred(NULL, NULL, "ca.pem");       /* verifies certificates, answers with the PSK */
	e.ci.cred = ci;
	e.cr.cred = cr;
	e.ci.cert_time = e.cr.cert_time = T_2029;
	run();
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.r.peer_auth, IKE_AUTH_DIGITAL_SIG);
	assert_int_equal(to_i(&e), M6_E_IKE_AUTH);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	cert_free();
	/* a responder without a CA cannot check a certificate */
	setup(&e, gcm_x25519);
	ci = cred("mn-p256", NULL, "ca.pem");
	e.ci.cred = ci;
	e.ci.cert_time = T_2029;
	expect_refused(M6_E_IKE_AUTH);
	cert_free();
	setup(&e, gcm_x25519);
	expect_up(IKE_AUTH_PSK);
	/* an initiator with a PSK and a CA asks for the responder's
	 * certificate (CERTREQ in IKE_AUTH) and gets it */
	setup(&e, gcm_x25519);
	ci = cred(NULL, NULL, "ca.pem");
	cr = cred("ha-p256", NULL, "ca.pem");
	e.ci.cred = ci;
	e.cr.cred = cr;
	e.ci.cert_time = e.cr.cert_time = T_2029;
	run();
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.r.peer_auth, IKE_AUTH_PSK);
	assert_int_equal(e.i.peer_auth, IKE_AUTH_DIGITAL_SIG);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	cert_free();
	/* a responder with a certificate answers a PSK initiator with the PSK */
	setup(&e, gcm_x25519);
	cr = cred("ha-p256", NULL, "ca.pem");
	e.cr.cred = cr;
	e.cr.cert_time = T_2029;
	expect_up(IKE_AUTH_PSK);
	cert_free();
}

/* A reloaded configuration with the same files is the same credential. */
static void test_cred_same(void **s)
{
	(void)s;
	struct ike_cred *a = cred("mn-p256", NULL, "ca.pem"), *b = cred("mn-p256", NULL, "ca.pem"),
			*c = cred("mn-p384", NULL, "ca.pem"), *d = cred("mn-p256", NULL, "ca2.pem");
	assert_true(ike_cred_same(a, b));
	assert_false(ike_cred_same(a, c));
	assert_false(ike_cred_same(a, d));
	assert_false(ike_cred_same(a, NULL));
	assert_true(ike_cred_same(NULL, NULL));
	ike_cred_set_classic(b, true);
	assert_false(ike_cred_same(a, b));
	/* references: the last one frees */
	assert_ptr_equal(ike_cred_ref(a), a);
	ike_cred_free(a);
	assert_true(ike_cred_has_own(a));
	ike_cred_free(a);
	ike_cred_free(b);
	ike_cred_free(c);
	ike_cred_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa),
		cmocka_unit_test(test_ecdsa),
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_init_payloads),
		cmocka_unit_test(test_intermediate),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_hoa_identity),
		cmocka_unit_test(test_check_id),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_sign_randomness),
		cmocka_unit_test(test_tampered_exchange),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_psk_vs_cert),
		cmocka_unit_test(test_cred_same),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
