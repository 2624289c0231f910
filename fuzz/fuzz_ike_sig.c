/*
 * fuzz_ike_sig — libFuzzer harness for certificate authentication
 * (src/core/ike/ike_sig.c): what a peer controls in IKE_AUTH (the AUTH
 * method and data, the CERT payloads, the ID) and what a configuration
 * controls (PEM text).
 *
 * At start it makes a CA (P-256) and one end-entity certificate for each
 * key type (RSA-2048, P-256, P-384, Ed25519; SAN DNS:mn.example.org and the
 * home address), and signs fixed AUTH octets with each, in method 14 and in
 * the key's classic method. The first octet picks what the rest is:
 *   0  a genuine AUTH (octet 1: key, octet 2 bit 0: classic, bit 1: cut
 *      it to a length) with the rest XORed over it;
 *   1  an AUTH of any method (octet 1) and data (the rest) for key octet 2;
 *   2  a certificate (the rest, DER) checked for an identity of type octet
 *      1 and its AUTH (a genuine one);
 *   3  a chain of CERT payloads (2-octet lengths and DER) to verify with
 *      the CA, identity and AUTH genuine;
 *   4  PEM text for a credential (octet 1 splits it into certificate and
 *      key), and as a CA;
 *   other as 1.
 * It aborts when an invariant fails: the untouched genuine AUTH verifies;
 * every result is 0 or one of the codes ike_sig.h names; a chain whose
 * certificates are not the genuine ones in order never verifies.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike/ike_const.h"
#include "ike/ike_sig.h"
#include "util/m6_err.h"

#define NOW 1861920000          /* 2029-01-01, inside the certificates' validity */

static struct {
	struct ike_cred *cred[4], *ca;
	uint8_t *der[4];
	size_t der_len[4];
	uint8_t auth[4][2][IKE_SIG_MAX];        /* [key][classic] */
	size_t auth_len[4][2];
	uint8_t method[4][2];
	uint8_t tbs[300];
} g;

static const uint8_t id_fqdn[] = "mn.example.org";

static void die(const char *what)
{
	fprintf(stderr, "fuzz_ike_sig: %s\n", what);
	abort();
}

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *ca_key, X509 *ca, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509V3_CTX v;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), cn[0] + cn[1]);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : n);
	ASN1_TIME_set(X509_getm_notBefore(x), NOW - 86400);
	ASN1_TIME_set(X509_getm_notAfter(x), NOW + 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v, ca ? ca : x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v, ca ? NID_subject_alt_name : NID_basic_constraints,
						ca ? "DNS:mn.example.org,IP:2001:db8:1::100" : "critical,CA:TRUE");
	if (!e || !X509_add_ext(x, e, -1) || !X509_sign(x, ca_key, EVP_sha256()))
		die("certificate");
	X509_EXTENSION_free(e);
	return x;
}

static char *pem_of(X509 *x, EVP_PKEY *k, long *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (x)
		PEM_write_bio_X509(b, x);
	else
		PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	char *p;
	*len = BIO_get_mem_data(b, &p);
	char *c = malloc((size_t)*len);
	memcpy(c, p, (size_t)*len);
	BIO_free(b);
	return c;
}

static void init(void)
{
	EVP_PKEY *ca_key = EVP_EC_gen("P-256");
	X509 *ca = make_cert(ca_key, ca_key, NULL, "fuzz CA");
	long cl, kl;
	char *cap = pem_of(ca, NULL, &cl);
	g.ca = ike_cred_new();
	if (ike_cred_set_ca(g.ca, cap, (size_t)cl))
		die("CA");
	EVP_PKEY *keys[4] = { EVP_RSA_gen(2048), EVP_EC_gen("P-256"), EVP_EC_gen("P-384"),
			      EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") };
	for (size_t i = 0; i < sizeof(g.tbs); i++)
		g.tbs[i] = (uint8_t)(i * 13 + 1);
	for (int k = 0; k < 4; k++) {
		X509 *x = make_cert(keys[k], ca_key, ca, "mn.example.org");
		char *cp = pem_of(x, NULL, &cl), *kp = pem_of(NULL, keys[k], &kl);
		g.cred[k] = ike_cred_new();
		if (!g.cred[k] || ike_cred_set_own(g.cred[k], cp, (size_t)cl, kp, (size_t)kl))
			die("credential");
		const uint8_t *d = ike_cred_cert_der(g.cred[k], 0, &g.der_len[k]);
		if (!d)
			die("credential");
		g.der[k] = malloc(g.der_len[k]);
		memcpy(g.der[k], d, g.der_len[k]);
		for (int c = 0; c < 2; c++) {
			ike_cred_set_classic(g.cred[k], c);
			int rc = ike_sig_sign(g.cred[k], c ? 0 : ike_cred_hashes(g.cred[k]), NULL, g.tbs, sizeof(g.tbs),
					      &g.method[k][c], g.auth[k][c], IKE_SIG_MAX, &g.auth_len[k][c]);
			if (rc && !(k == 3 && c))       /* Ed25519 has no classic method */
				die("sign");
			if (!rc && ike_sig_check_auth(g.der[k], g.der_len[k], g.method[k][c], g.auth[k][c],
						      g.auth_len[k][c], g.tbs, sizeof(g.tbs)))
				die("a genuine AUTH does not verify");
		}
		free(cp);
		OPENSSL_cleanse(kp, (size_t)kl);
		free(kp);
		X509_free(x);
		EVP_PKEY_free(keys[k]);
	}
	free(cap);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
}

static void known(int rc)
{
	if (rc && rc != M6_E_IKE_AUTH && rc != M6_E_IKE_SIG_METHOD && rc != M6_E_IKE_CERT &&
	    rc != M6_E_IKE_CERT_ID && rc != M6_E_IKE_CERT_PARSE && rc != M6_E_IKE_KEY_TYPE &&
	    rc != M6_E_IKE_KEY_MISMATCH && rc != M6_E_NOMEM && rc != M6_E_INVAL)
		die("unexpected return code");
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static bool ready;
	if (!ready) {
		init();
		ready = true;
	}
	if (n < 3)
		return 0;
	uint8_t mode = d[0], a1 = d[1], a2 = d[2];
	const uint8_t *r = d + 3;
	size_t rl = n - 3;
	static uint8_t buf[IKE_SIG_MAX + 64];
	int rc;
	switch (mode) {
	case 0: {
		int k = a1 % 4, c = a2 & 1;
		if (k == 3 && c)
			return 0;
		size_t al = g.auth_len[k][c];
		memcpy(buf, g.auth[k][c], al);
		bool changed = false;
		for (size_t i = 0; i < rl; i++) {
			buf[i % al] ^= r[i];
			changed |= r[i] != 0;
		}
		if (a2 & 2) {
			size_t cut = rl % (al + 1);
			changed |= cut != al;
			al = cut;
		}
		rc = ike_sig_check_auth(g.der[k], g.der_len[k], g.method[k][c], buf, al, g.tbs, sizeof(g.tbs));
		known(rc);
		if (!changed && rc)
			die("the genuine AUTH no longer verifies");
		break;
	}
	case 2: {
		known(ike_sig_check_id(r, rl, a1, id_fqdn, sizeof(id_fqdn) - 1));
		known(ike_sig_check_id(r, rl, a1, r, rl < 40 ? rl : 40));
		int k = a2 % 4;
		known(ike_sig_check_auth(r, rl, g.method[k][0], g.auth[k][0], g.auth_len[k][0], g.tbs,
					 sizeof(g.tbs)));
		break;
	}
	case 3: {
		struct ike_peer_certs pc = { 0 };
		size_t off = 0;
		while (pc.n < IKE_CERT_CHAIN_MAX && off + 2 <= rl) {
			size_t l = (size_t)r[off] << 8 | r[off + 1];
			off += 2;
			if (l > rl - off)
				l = rl - off;
			pc.der[pc.n] = r + off;
			pc.len[pc.n++] = l;
			off += l;
		}
		int k = a1 % 4;
		rc = ike_sig_verify(g.ca, &pc, NOW, IKE_ID_FQDN, id_fqdn, sizeof(id_fqdn) - 1, g.method[k][0],
				    g.auth[k][0], g.auth_len[k][0], g.tbs, sizeof(g.tbs));
		known(rc);
		if (!rc && (pc.len[0] != g.der_len[k] || memcmp(pc.der[0], g.der[k], g.der_len[k])))
			die("a certificate that is not the signer's verified");
		break;
	}
	case 4: {
		size_t split = rl ? (size_t)a1 * rl / 255 : 0;
		struct ike_cred *c = ike_cred_new();
		if (!c)
			return 0;
		known(ike_cred_set_own(c, (const char *)r, split, (const char *)r + split, rl - split));
		known(ike_cred_set_ca(c, (const char *)r, rl));
		known(ike_cred_add_intermediates(c, (const char *)r + split, rl - split));
		ike_cred_free(c);
		break;
	}
	default: {
		int k = a2 % 4;
		known(ike_sig_check_auth(g.der[k], g.der_len[k], a1, r, rl, g.tbs, sizeof(g.tbs)));
		break;
	}
	}
	return 0;
}
