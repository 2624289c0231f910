/*
 * ike_sig_tool — what tests/oracle/ike_sig_oracle.py needs to check
 * certificate authentication on its own.
 *
 * usage: ike_sig_tool handshake DIR MN HA CLASSIC PKCS1
 *   Two ike_sa ends (AES-GCM-16/256, PRF-HMAC-SHA2-256, X25519) run
 *   IKE_SA_INIT + IKE_AUTH with the certificates DIR/MN.pem/.key and
 *   DIR/HA.pem/.key under DIR/ca.pem (CLASSIC 1: no method 14; PKCS1 1:
 *   RSA PKCS#1 v1.5 in method 14) and print every message as it went on
 *   the wire and the initiator's SK_ei, SK_er, SK_pi, SK_pr, one "name hex"
 *   pair per line.
 * usage: ike_sig_tool verify CERT_DER_HEX METHOD AUTH_HEX TBS_HEX
 *   ike_sig_check_auth() of AUTH (method, data) over TBS with the
 *   certificate's key: prints "ok" or the error's identifier.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_sa.h"
#include "ike/ike_sig.h"
#include "util/m6_err.h"

struct lcg {
	uint32_t n;
};

static void lcg_rng(void *ctx, uint8_t *out, size_t len)
{
	struct lcg *s = ctx;
	for (size_t i = 0; i < len; i++) {
		s->n = s->n * 1103515245u + 12345u;
		out[i] = (uint8_t)(s->n >> 16);
	}
}

static void put(const char *name, const uint8_t *p, size_t n)
{
	printf("%s ", name);
	if (!n)
		putchar('-');
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static void die(const char *what)
{
	fprintf(stderr, "ike_sig_tool: %s\n", what);
	exit(2);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path);
	char *b = malloc(65536);
	if (!b)
		die("out of memory");
	*len = fread(b, 1, 65536, f);
	fclose(f);
	return b;
}

static struct ike_cred *cred(const char *dir, const char *who)
{
	char p[1024];
	size_t cl, kl, al;
	snprintf(p, sizeof(p), "%s/%s.pem", dir, who);
	char *c = slurp(p, &cl);
	snprintf(p, sizeof(p), "%s/%s.key", dir, who);
	char *k = slurp(p, &kl);
	snprintf(p, sizeof(p), "%s/ca.pem", dir);
	char *a = slurp(p, &al);
	struct ike_cred *r = ike_cred_new();
	if (!r || ike_cred_set_own(r, c, cl, k, kl) || ike_cred_set_ca(r, a, al))
		die("credential");
	free(c);
	free(k);
	free(a);
	return r;
}

static void ts6(struct ike_ts_list *l, uint8_t lo, uint8_t hi)
{
	struct ike_ts *t = &l->ts[l->n++];
	memset(t, 0, sizeof(*t));
	t->type = IKE_TS_IPV6_ADDR_RANGE;
	t->end_port = 65535;
	t->start[0] = t->end[0] = 0x20;
	t->start[1] = t->end[1] = 0x01;
	t->start[15] = lo;
	t->end[15] = hi;
}

static int handshake(const char *dir, const char *mn, const char *ha, bool classic, bool pkcs1)
{
	static const uint8_t id_mn[] = "mn.example.org", id_ha[] = "ha.example.org";
	static struct ike_sa i, r;
	static uint8_t a[IKE_SA_MSG_MAX], b[IKE_SA_MSG_MAX];
	struct ike_sa_cfg ci, cr;
	struct lcg li = { 1 }, lr = { 2 };
	memset(&ci, 0, sizeof(ci));
	ci.ike[0] = (struct ike_suite){ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE,
					IKE_DH_X25519 };
	ci.n_ike = 1;
	ci.esp = (struct ike_child_alg){ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, false, false };
	ci.id_type = IKE_ID_FQDN;
	ci.cert_time = 1861920000;      /* 2029-01-01 */
	ts6(&ci.tsi, 0x10, 0x10);
	ts6(&ci.tsr, 0x01, 0x01);
	cr = ci;
	cr.tsi.n = cr.tsr.n = 0;
	ts6(&cr.tsi, 0, 0xff);
	ts6(&cr.tsr, 0, 0xff);
	ci.rng = (struct ike_rng){ lcg_rng, &li };
	cr.rng = (struct ike_rng){ lcg_rng, &lr };
	ci.id = id_mn;
	ci.id_len = sizeof(id_mn) - 1;
	cr.id = id_ha;
	cr.id_len = sizeof(id_ha) - 1;
	ci.esp_spi = 0xc0000001;
	cr.esp_spi = 0xd0000001;
	struct ike_cred *c1 = cred(dir, mn), *c2 = cred(dir, ha);
	ike_cred_set_classic(c1, classic);
	ike_cred_set_classic(c2, classic);
	ike_cred_set_rsa_pkcs1(c1, pkcs1);
	ike_cred_set_rsa_pkcs1(c2, pkcs1);
	ci.cred = c1;
	cr.cred = c2;
	size_t al, bl;
	static uint8_t copy[IKE_SA_MSG_MAX];
	if (ike_sa_start(&i, &ci, a, sizeof(a), &al))
		die("start");
	ike_sa_respond(&r, &cr);
	static const char *const names[4] = { "msg1", "msg2", "msg3", "msg4" };
	for (int k = 0; k < 2; k++) {
		put(names[2 * k], a, al);
		memcpy(copy, a, al);
		if (ike_sa_input(&r, copy, al, b, sizeof(b), &bl))
			die("responder");
		put(names[2 * k + 1], b, bl);
		memcpy(copy, b, bl);
		if (ike_sa_input(&i, copy, bl, a, sizeof(a), &al))
			die("initiator");
	}
	if (i.state != IKE_SA_ESTABLISHED || r.state != IKE_SA_ESTABLISHED)
		die("not established");
	put("sk_ei", i.keys.ei, i.keys.e_len);
	put("sk_er", i.keys.er, i.keys.e_len);
	put("sk_pi", i.keys.pi, i.keys.prf_len);
	put("sk_pr", i.keys.pr, i.keys.prf_len);
	printf("auth_i %u\nauth_r %u\n", r.peer_auth, i.peer_auth);
	ike_sa_clear(&i);
	ike_sa_clear(&r);
	ike_cred_free(c1);
	ike_cred_free(c2);
	return 0;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;
	if (n > cap)
		die("hex too long");
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			die("not hex");
		out[i] = (uint8_t)v;
	}
	return n;
}

static int verify(const char *cert_hex, const char *method, const char *auth_hex, const char *tbs_hex)
{
	static uint8_t der[8192], auth[4096], tbs[8192];
	size_t dl = unhex(cert_hex, der, sizeof(der)), al = unhex(auth_hex, auth, sizeof(auth)),
	       tl = unhex(tbs_hex, tbs, sizeof(tbs));
	int rc = ike_sig_check_auth(der, dl, (uint8_t)atoi(method), auth, al, tbs, tl);
	printf("%s\n", rc ? m6_errid(rc) : "ok");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && !strcmp(argv[1], "handshake"))
		return handshake(argv[2], argv[3], argv[4], atoi(argv[5]), atoi(argv[6]));
	if (argc == 6 && !strcmp(argv[1], "verify"))
		return verify(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: ike_sig_tool handshake DIR MN HA CLASSIC PKCS1 | verify CERT_DER_HEX METHOD AUTH_HEX TBS_HEX\n");
	return 2;
}
