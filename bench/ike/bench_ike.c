/*
 * bench_ike — full IKEv2 handshakes (IKE_SA_INIT + IKE_AUTH with the first
 * Child SA) per second per core, both ends in one thread, messages handed
 * over in memory; and the memory an established IKE SA takes.
 *
 * A driver, not a test: it prints figures and asserts nothing about time
 * (it only checks that every handshake ends with both ends established).
 * Figures are CPU time of this thread. Baseline in the same run, for each
 * group: the bare OpenSSL cost of the key exchange one handshake needs (two
 * key pairs generated, two shared secrets derived, through EVP_PKEY), so the
 * handshake's rate is stated as a fraction of that bound. Lines:
 *   psk-x25519: N handshakes/s per core (F of the bare X25519 cost ...)
 *   psk-ecp256: ...
 *   ecdsa-p256: N handshakes/s per core (F of the bare ECP-256 + ECDSA cost ...)
 * The ecdsa-p256 line authenticates both ends with ECDSA P-256 certificates
 * of one CA (made at start, SAN dNSName; AUTH method 14, CERT, CERTREQ, the
 * chain checked each time) over ECP-256; its baseline adds to the key
 * exchange the bare signatures: two ECDSA P-256 signs and four verifies
 * (each end's AUTH and each certificate's CA signature).
 *   bytes per IKE SA: N (struct ike_sa, OpenSSL contexts excluded)
 *   bytes per IKE SA with OpenSSL contexts: N (heap in use / SAs held)
 * `bench_ike [SECONDS per figure]` (default 1).
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <time.h>

#include "ike/ike_sa.h"
#include "pkt/ip6.h"
#include "../bench_util.h"

static const uint8_t psk[] = "bench pre-shared key: sixty-four octets or more of text, as IKE-12 asks";
static const uint8_t id_mn[] = "mn.example.org", id_ha[] = "ha.example.org";

static void ossl_rng(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	if (RAND_bytes(out, (int)n) != 1)
		bench_die("bench_ike", "RAND_bytes failed");
}

static void ts6(struct ike_ts_list *l, const char *from, const char *to, uint16_t sp, uint16_t ep)
{
	struct ike_ts *t = &l->ts[l->n++];
	memset(t, 0, sizeof(*t));
	t->type = IKE_TS_IPV6_ADDR_RANGE;
	t->proto = 135;
	t->start_port = sp;
	t->end_port = ep;
	if (ip6_addr_parse(from, t->start) || ip6_addr_parse(to, t->end))
		bench_die("bench_ike", "bad address");
}

struct pair {
	struct ike_sa_cfg ci, cr;
};

static void configure(struct pair *p, uint16_t group)
{
	memset(p, 0, sizeof(*p));
	struct ike_sa_cfg *c[2] = { &p->ci, &p->cr };
	for (int k = 0; k < 2; k++) {
		c[k]->ike[0] = (struct ike_suite){ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, group };
		c[k]->n_ike = 1;
		c[k]->esp = (struct ike_child_alg){ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, false, false };
		c[k]->psk = psk;
		c[k]->psk_len = sizeof(psk) - 1;
		c[k]->id_type = IKE_ID_FQDN;
		c[k]->peer_id_type = IKE_ID_FQDN;
		c[k]->rng = (struct ike_rng){ ossl_rng, NULL };
	}
	p->ci.id = id_mn;
	p->ci.id_len = sizeof(id_mn) - 1;
	p->ci.peer_id = id_ha;
	p->ci.peer_id_len = sizeof(id_ha) - 1;
	p->cr.id = id_ha;
	p->cr.id_len = sizeof(id_ha) - 1;
	p->cr.peer_id = id_mn;
	p->cr.peer_id_len = sizeof(id_mn) - 1;
	p->ci.esp_spi = 0xc0000001;
	p->cr.esp_spi = 0xd0000001;
	ts6(&p->ci.tsi, "2001:db8:1::100", "2001:db8:1::100", 0x0500, 0x0500);
	ts6(&p->ci.tsr, "2001:db8:1::1", "2001:db8:1::1", 0x0600, 0x0600);
	ts6(&p->cr.tsi, "2001:db8:1::", "2001:db8:1::ffff", 0, 65535);
	ts6(&p->cr.tsr, "2001:db8:1::1", "2001:db8:1::1", 0, 65535);
}

/* ---- certificates for the ecdsa-p256 line ---- */

static EVP_PKEY *p256_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	if (!k)
		bench_die("bench_ike", "keygen failed");
	return k;
}

/* A certificate for key, signed by ca_key (self-signed when ca is NULL). */
static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *ca_key, X509 *ca, const char *cn, const char *san)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509V3_CTX v;
	X509_EXTENSION *e;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), cn[0]);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v, ca ? ca : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v, ca ? NID_subject_alt_name : NID_basic_constraints,
				ca ? san : "critical,CA:TRUE");
	if (!e || !X509_add_ext(x, e, -1) || !X509_sign(x, ca_key, EVP_sha256()))
		bench_die("bench_ike", "certificate failed");
	X509_EXTENSION_free(e);
	return x;
}

static struct ike_cred *pem_cred(EVP_PKEY *key, X509 *x, X509 *ca)
{
	BIO *b[3] = { BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()) };
	char *p[3];
	long l[3];
	PEM_write_bio_X509(b[0], x);
	PEM_write_bio_PrivateKey(b[1], key, NULL, NULL, 0, NULL, NULL);
	PEM_write_bio_X509(b[2], ca);
	for (int j = 0; j < 3; j++)
		l[j] = BIO_get_mem_data(b[j], &p[j]);
	struct ike_cred *c = ike_cred_new();
	if (!c || ike_cred_set_own(c, p[0], (size_t)l[0], p[1], (size_t)l[1]) ||
	    ike_cred_set_ca(c, p[2], (size_t)l[2]))
		bench_die("bench_ike", "credential failed");
	for (int j = 0; j < 3; j++)
		BIO_free(b[j]);
	return c;
}

struct certs {
	EVP_PKEY *ca_key, *key[2];
	X509 *ca, *cert[2];
	struct ike_cred *cred[2];       /* mobile node, home agent */
};

static void make_certs(struct certs *c)
{
	static const char *const cn[2] = { "mn.example.org", "ha.example.org" };
	static const char *const san[2] = { "DNS:mn.example.org", "DNS:ha.example.org" };
	c->ca_key = p256_key();
	c->ca = make_cert(c->ca_key, c->ca_key, NULL, "bench CA", NULL);
	for (int j = 0; j < 2; j++) {
		c->key[j] = p256_key();
		c->cert[j] = make_cert(c->key[j], c->ca_key, c->ca, cn[j], san[j]);
		c->cred[j] = pem_cred(c->key[j], c->cert[j], c->ca);
	}
}

static void free_certs(struct certs *c)
{
	for (int j = 0; j < 2; j++) {
		ike_cred_free(c->cred[j]);
		X509_free(c->cert[j]);
		EVP_PKEY_free(c->key[j]);
	}
	X509_free(c->ca);
	EVP_PKEY_free(c->ca_key);
}

/* The signatures one certificate handshake needs, bare: each end signs its
 * AUTH octets, verifies the other's AUTH and the other's certificate. */
static void bare_sigs(const struct certs *c)
{
	static uint8_t tbs[600];
	for (int j = 0; j < 2; j++) {
		uint8_t sig[128];
		size_t sl = sizeof(sig);
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		if (!m || EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, c->key[j]) != 1 ||
		    EVP_DigestSign(m, sig, &sl, tbs, sizeof(tbs)) != 1)
			bench_die("bench_ike", "sign failed");
		EVP_MD_CTX_free(m);
		m = EVP_MD_CTX_new();
		if (!m || EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, c->key[j]) != 1 ||
		    EVP_DigestVerify(m, sig, sl, tbs, sizeof(tbs)) != 1)
			bench_die("bench_ike", "verify failed");
		EVP_MD_CTX_free(m);
		if (X509_verify(c->cert[j], c->ca_key) != 1)
			bench_die("bench_ike", "certificate verify failed");
	}
}

/* One full handshake into i and r (left established, not cleared). */
static void handshake(const struct pair *p, struct ike_sa *i, struct ike_sa *r)
{
	static uint8_t a[IKE_SA_MSG_MAX], b[IKE_SA_MSG_MAX];
	size_t al, bl;
	if (ike_sa_start(i, &p->ci, a, sizeof(a), &al))
		bench_die("bench_ike", "ike_sa_start failed");
	ike_sa_respond(r, &p->cr);
	for (int round = 0; round < 2; round++) {
		if (ike_sa_input(r, a, al, b, sizeof(b), &bl) || ike_sa_input(i, b, bl, a, sizeof(a), &al))
			bench_die("bench_ike", "handshake failed");
	}
	if (i->state != IKE_SA_ESTABLISHED || r->state != IKE_SA_ESTABLISHED || !i->child_ok || !r->child_ok)
		bench_die("bench_ike", "handshake did not establish both ends");
}

/* The key exchange one handshake needs, bare: two key pairs, two derives. */
static void bare_kex(int nid)
{
	EVP_PKEY *k[2] = { NULL, NULL };
	for (int j = 0; j < 2; j++) {
		EVP_PKEY_CTX *g = nid == EVP_PKEY_X25519 ? EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL)
							 : EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
		if (!g || EVP_PKEY_keygen_init(g) <= 0 ||
		    (nid != EVP_PKEY_X25519 && EVP_PKEY_CTX_set_ec_paramgen_curve_nid(g, nid) <= 0) ||
		    EVP_PKEY_keygen(g, &k[j]) <= 0)
			bench_die("bench_ike", "keygen failed");
		EVP_PKEY_CTX_free(g);
	}
	for (int j = 0; j < 2; j++) {
		uint8_t s[128];
		size_t sl = sizeof(s);
		EVP_PKEY_CTX *d = EVP_PKEY_CTX_new(k[j], NULL);
		if (!d || EVP_PKEY_derive_init(d) <= 0 || EVP_PKEY_derive_set_peer(d, k[1 - j]) <= 0 ||
		    EVP_PKEY_derive(d, s, &sl) <= 0)
			bench_die("bench_ike", "derive failed");
		EVP_PKEY_CTX_free(d);
	}
	EVP_PKEY_free(k[0]);
	EVP_PKEY_free(k[1]);
}

static double rate_handshakes(uint16_t group, const struct certs *c, double secs)
{
	struct pair p;
	static struct ike_sa i, r;
	configure(&p, group);
	if (c) {
		p.ci.cred = c->cred[0];
		p.cr.cred = c->cred[1];
		p.ci.cert_time = p.cr.cert_time = (int64_t)time(NULL);
	}
	double t0 = bench_now_ns(CLOCK_THREAD_CPUTIME_ID), t;
	unsigned long n = 0;
	do {
		handshake(&p, &i, &r);
		ike_sa_clear(&i);
		ike_sa_clear(&r);
		n++;
		t = bench_now_ns(CLOCK_THREAD_CPUTIME_ID);
	} while (t - t0 < secs * 1e9);
	return (double)n / ((t - t0) / 1e9);
}

static double rate_bare(int nid, const struct certs *c, double secs)
{
	double t0 = bench_now_ns(CLOCK_THREAD_CPUTIME_ID), t;
	unsigned long n = 0;
	do {
		bare_kex(nid);
		if (c)
			bare_sigs(c);
		n++;
		t = bench_now_ns(CLOCK_THREAD_CPUTIME_ID);
	} while (t - t0 < secs * 1e9);
	return (double)n / ((t - t0) / 1e9);
}

#define HELD 1000

int main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	if (!(secs > 0 && secs <= 60))
		bench_die("bench_ike", "usage: bench_ike [SECONDS per figure, 0..60]");
	static const struct { const char *name; uint16_t group; int nid; const char *bare; } rows[] = {
		{ "psk-x25519", IKE_DH_X25519, EVP_PKEY_X25519, "X25519" },
		{ "psk-ecp256", IKE_DH_ECP256, NID_X9_62_prime256v1, "ECP-256" },
	};
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		double h = rate_handshakes(rows[k].group, NULL, secs);
		double b = rate_bare(rows[k].nid, NULL, secs);
		printf("%s: %.0f handshakes/s per core (%.2f of the bare %s cost in the same run: %.0f key exchanges/s)\n",
		       rows[k].name, h, h / b, rows[k].bare, b);
	}
	struct certs c;
	make_certs(&c);
	double h = rate_handshakes(IKE_DH_ECP256, &c, secs);
	double b = rate_bare(NID_X9_62_prime256v1, &c, secs);
	printf("ecdsa-p256: %.0f handshakes/s per core (%.2f of the bare ECP-256 + ECDSA P-256 cost in the same run: "
	       "%.0f key exchanges with 2 signs and 4 verifies/s)\n", h, h / b, b);
	free_certs(&c);

	/* memory: HELD established pairs kept at once */
	struct pair p;
	configure(&p, IKE_DH_X25519);
	struct ike_sa *sas = calloc(2 * HELD, sizeof(*sas));
	if (!sas)
		bench_die("bench_ike", "out of memory");
	struct mallinfo2 before = mallinfo2();
	for (size_t j = 0; j < HELD; j++)
		handshake(&p, &sas[2 * j], &sas[2 * j + 1]);
	struct mallinfo2 after = mallinfo2();
	size_t held = 0;
	for (size_t j = 0; j < 2 * HELD; j++)
		held += ike_sa_heap_bytes(&sas[j]);
	printf("bytes per IKE SA: %zu (struct ike_sa of %zu with its first Child SA's keys, and %zu of messages "
	       "kept; OpenSSL contexts excluded)\n",
	       sizeof(struct ike_sa) + held / (2 * HELD), sizeof(struct ike_sa), held / (2 * HELD));
	printf("bytes per IKE SA with OpenSSL contexts: %zu (heap added per established SA, %d held)\n",
	       sizeof(struct ike_sa) + (after.uordblks - before.uordblks) / (2 * HELD), 2 * HELD);
	for (size_t j = 0; j < 2 * HELD; j++)
		ike_sa_clear(&sas[j]);
	free(sas);
	return 0;
}
