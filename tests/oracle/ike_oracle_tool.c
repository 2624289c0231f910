/*
 * ike_oracle_tool — the IKEv2 crypto of src/core/ike behind a line protocol,
 * for tests/oracle/ike_crypto_oracle.py to compare with its own
 * implementation. One request per line on stdin, one answer per line on
 * stdout; every byte string is hex ("-" for none); an error answers
 * "err ERRID".
 *
 *   prf PRF KEY DATA                          -> prf(KEY, DATA)
 *   prfplus PRF KEY SEED LEN                  -> prf+(KEY, SEED), LEN octets
 *   skeyseed PRF NI NR GIR                    -> SKEYSEED
 *   rekey PRF SKD GIR NI NR                   -> SKEYSEED of a rekeyed IKE SA
 *   keys ENCR BITS PRF INTEG SKEYSEED NI NR SPII SPIR
 *                                             -> SK_d SK_ai SK_ar SK_ei SK_er SK_pi SK_pr
 *   keymat PRF SKD GIR|- NI NR ENCR BITS INTEG -> ei ai er ar
 *   auth PRF PSK MSG NONCE SKP IDBODY         -> AUTH (PSK)
 *   seal ENCR BITS INTEG EKEY AKEY IV HDR NP CONTENT
 *        -> the message: HDR (28 octets; Next Payload and Length are set)
 *           and an SK payload holding CONTENT, first inner type NP; IV is
 *           the AEAD IV counter or the CBC IV the generator returns
 *   sealf ENCR BITS INTEG EKEY AKEY IV HDR NP NUM TOTAL CONTENT
 *        -> the same with an SKF payload (RFC 7383)
 *   open ENCR BITS INTEG EKEY AKEY MSG        -> "ok NP CONTENT" (padding stripped)
 *   dh GROUP PRIV PEER                        -> "PUB SHARED"
 *
 * Numbers are decimal (IANA transform IDs, key length in bits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_crypto.h"
#include "ike/ike_dh.h"
#include "util/m6_bytes.h"

#define MAXB 70000

struct bytes {
	uint8_t *p;
	size_t n;
};

static int nib(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static int unhex(const char *s, struct bytes *b)
{
	size_t l = strlen(s);
	b->n = 0;
	b->p = malloc(l / 2 + 1);
	if (!b->p)
		return -1;
	if (strcmp(s, "-") == 0)
		return 0;
	if (l % 2)
		return -1;
	for (size_t i = 0; i < l; i += 2) {
		int h = nib(s[i]), lo = nib(s[i + 1]);
		if (h < 0 || lo < 0)
			return -1;
		b->p[b->n++] = (uint8_t)(h << 4 | lo);
	}
	return 0;
}

static void put(const uint8_t *p, size_t n)
{
	if (!n)
		fputs("-", stdout);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static void err(int rc)
{
	printf("err %s\n", m6_errid(rc));
}

/* The CBC IV generator: returns the bytes it was given. */
static void given(void *ctx, uint8_t *out, size_t n)
{
	struct bytes *b = ctx;
	memset(out, 0, n);
	memcpy(out, b->p, b->n < n ? b->n : n);
}

static int sk_setup(struct ike_sk *sk, char **a, struct bytes *ek, struct bytes *ak)
{
	uint16_t encr = (uint16_t)atoi(a[0]), bits = (uint16_t)atoi(a[1]), integ = (uint16_t)atoi(a[2]);
	if (unhex(a[3], ek) || unhex(a[4], ak))
		return M6_E_INVAL;
	return ike_sk_init_raw(sk, encr, bits, integ, ek->p, ak->p, ek->p, ak->p);
}

static void do_seal(char **a, int argc, bool skf)
{
	struct ike_sk sk;
	struct bytes ek, ak, iv, hdr, content;
	int base = skf ? 10 : 8;
	if (argc != base + 1) {
		err(M6_E_INVAL);
		return;
	}
	int rc = sk_setup(&sk, a, &ek, &ak);
	if (!rc && (unhex(a[5], &iv) || unhex(a[6], &hdr) || unhex(a[base], &content) || hdr.n != IKE_HDR_LEN))
		rc = M6_E_INVAL;
	if (!rc) {
		static uint8_t out[MAXB];
		struct ike_hdr h;
		struct ike_wr w;
		struct ike_rng rng = { given, &iv };
		size_t len = 0;
		ike_hdr_parse(hdr.p, hdr.n, &h);
		if (sk.aead && iv.n == 8)
			sk.iv_seq = (uint64_t)m6_get32(iv.p) << 32 | m6_get32(iv.p + 4);
		ike_wr_init(&w, out, sizeof(out), &h);
		ike_wr_sk_begin(&w, skf, skf ? (uint16_t)atoi(a[8]) : 0, skf ? (uint16_t)atoi(a[9]) : 0,
				sk.iv_len);
		ike_wr_bytes(&w, content.p, content.n);
		if (!w.err)
			out[w.sk_off] = (uint8_t)atoi(a[7]);
		rc = ike_sk_seal(&sk, &w, &rng, &len);
		if (!rc) {
			put(out, len);
			putchar('\n');
		}
		free(iv.p);
		free(hdr.p);
		free(content.p);
	}
	if (rc)
		err(rc);
	ike_sk_clear(&sk);
	free(ek.p);
	free(ak.p);
}

static void do_open(char **a, int argc)
{
	struct ike_sk sk;
	struct bytes ek, ak, msg;
	if (argc != 6) {
		err(M6_E_INVAL);
		return;
	}
	int rc = sk_setup(&sk, a, &ek, &ak);
	if (!rc && unhex(a[5], &msg))
		rc = M6_E_INVAL;
	if (!rc) {
		static struct ike_msg m;
		struct m6_diags ds;
		size_t po, pl;
		m6_diags_init(&ds);
		ike_msg_parse(msg.p, msg.n, &m, &ds, 0);
		rc = m.sk < 0 ? M6_E_INVAL : ike_sk_open(&sk, msg.p, msg.n, &m, &po, &pl);
		if (!rc) {
			printf("ok %u ", m.sk_np);
			put(msg.p + po, pl);
			putchar('\n');
		}
		free(msg.p);
	}
	if (rc)
		err(rc);
	ike_sk_clear(&sk);
	free(ek.p);
	free(ak.p);
}

static void do_line(char **a, int argc)
{
	struct bytes b[9];
	memset(b, 0, sizeof(b));
	static uint8_t out[MAXB];
	int rc = 0;
	const char *op = a[0];
	a++;
	argc--;
	if (strcmp(op, "seal") == 0 || strcmp(op, "sealf") == 0) {
		do_seal(a, argc, op[4] == 'f');
		return;
	}
	if (strcmp(op, "open") == 0) {
		do_open(a, argc);
		return;
	}
#define HEX(i, s) do { if (unhex((s), &b[i])) { rc = M6_E_INVAL; goto done; } } while (0)
#define NARGS(n) do { if (argc != (n)) { rc = M6_E_INVAL; goto done; } } while (0)
	if (strcmp(op, "prf") == 0) {
		NARGS(3);
		uint16_t prf = (uint16_t)atoi(a[0]);
		HEX(0, a[1]);
		HEX(1, a[2]);
		struct ike_iov v = { b[1].p, b[1].n };
		rc = ike_prf(prf, b[0].p, b[0].n, &v, 1, out);
		if (!rc)
			put(out, ike_prf_len(prf));
	} else if (strcmp(op, "prfplus") == 0) {
		NARGS(4);
		HEX(0, a[1]);
		HEX(1, a[2]);
		size_t n = (size_t)atol(a[3]);
		struct ike_iov v = { b[1].p, b[1].n };
		rc = n > MAXB ? M6_E_INVAL : ike_prf_plus((uint16_t)atoi(a[0]), b[0].p, b[0].n, &v, 1, out, n);
		if (!rc)
			put(out, n);
	} else if (strcmp(op, "skeyseed") == 0) {
		NARGS(4);
		uint16_t prf = (uint16_t)atoi(a[0]);
		HEX(0, a[1]);
		HEX(1, a[2]);
		HEX(2, a[3]);
		rc = ike_skeyseed(prf, b[0].p, b[0].n, b[1].p, b[1].n, b[2].p, b[2].n, out);
		if (!rc)
			put(out, ike_prf_len(prf));
	} else if (strcmp(op, "rekey") == 0) {
		NARGS(5);
		uint16_t prf = (uint16_t)atoi(a[0]);
		for (int i = 0; i < 4; i++)
			HEX(i, a[1 + i]);
		rc = ike_skeyseed_rekey(prf, b[0].p, b[0].n, b[1].p, b[1].n, b[2].p, b[2].n, b[3].p,
					b[3].n, out);
		if (!rc)
			put(out, ike_prf_len(prf));
	} else if (strcmp(op, "keys") == 0) {
		NARGS(9);
		struct ike_suite s = { (uint16_t)atoi(a[0]), (uint16_t)atoi(a[1]), (uint16_t)atoi(a[2]),
				       (uint16_t)atoi(a[3]), 0 };
		struct ike_keys k;
		for (int i = 0; i < 5; i++)
			HEX(i, a[4 + i]);
		if (b[0].n != ike_prf_len(s.prf) || b[3].n != 8 || b[4].n != 8) {
			rc = M6_E_INVAL;
			goto done;
		}
		rc = ike_derive_keys(&s, b[0].p, b[1].p, b[1].n, b[2].p, b[2].n, b[3].p, b[4].p, &k);
		if (!rc) {
			put(k.d, k.prf_len); putchar(' ');
			put(k.ai, k.a_len); putchar(' ');
			put(k.ar, k.a_len); putchar(' ');
			put(k.ei, k.e_len); putchar(' ');
			put(k.er, k.e_len); putchar(' ');
			put(k.pi, k.prf_len); putchar(' ');
			put(k.pr, k.prf_len);
		}
		ike_keys_wipe(&k);
	} else if (strcmp(op, "keymat") == 0) {
		NARGS(8);
		for (int i = 0; i < 4; i++)
			HEX(i, a[1 + i]);
		struct ike_child_alg ca = { (uint16_t)atoi(a[5]), (uint16_t)atoi(a[6]), (uint16_t)atoi(a[7]), false, false };
		struct ike_child_keys k;
		bool pfs = strcmp(a[2], "-") != 0;
		rc = ike_child_keymat((uint16_t)atoi(a[0]), b[0].p, b[0].n, pfs ? b[1].p : NULL, b[1].n,
				      b[2].p, b[2].n, b[3].p, b[3].n, &ca, &k);
		if (!rc) {
			put(k.ei, k.e_len); putchar(' ');
			put(k.ai, k.a_len); putchar(' ');
			put(k.er, k.e_len); putchar(' ');
			put(k.ar, k.a_len);
		}
		ike_child_keys_wipe(&k);
	} else if (strcmp(op, "auth") == 0) {
		NARGS(6);
		uint16_t prf = (uint16_t)atoi(a[0]);
		for (int i = 0; i < 5; i++)
			HEX(i, a[1 + i]);
		rc = ike_auth_psk(prf, b[0].p, b[0].n, b[1].p, b[1].n, b[2].p, b[2].n, b[3].p, b[3].n,
				  b[4].p, b[4].n, out);
		if (!rc && ike_auth_psk_verify(prf, b[0].p, b[0].n, b[1].p, b[1].n, b[2].p, b[2].n,
					       b[3].p, b[3].n, b[4].p, b[4].n, out, ike_prf_len(prf)))
			rc = M6_E_CRYPTO;       /* verify must accept what we computed */
		if (!rc)
			put(out, ike_prf_len(prf));
	} else if (strcmp(op, "dh") == 0) {
		NARGS(3);
		struct ike_dh dh;
		size_t sl;
		HEX(0, a[1]);
		HEX(1, a[2]);
		rc = ike_dh_init_priv(&dh, (uint16_t)atoi(a[0]), b[0].p, b[0].n);
		if (!rc)
			rc = ike_dh_shared(&dh, b[1].p, b[1].n, out, &sl);
		if (!rc) {
			put(dh.pub, dh.pub_len);
			putchar(' ');
			put(out, sl);
		}
		ike_dh_clear(&dh);
	} else {
		rc = M6_E_INVAL;
	}
done:
	for (int i = 0; i < 9; i++)
		free(b[i].p);
	if (rc)
		err(rc);
	else
		putchar('\n');
}

int main(void)
{
	static char line[4 * MAXB];
	while (fgets(line, sizeof(line), stdin)) {
		char *a[16];
		int argc = 0;
		for (char *t = strtok(line, " \t\r\n"); t && argc < 16; t = strtok(NULL, " \t\r\n"))
			a[argc++] = t;
		if (argc)
			do_line(a, argc);
		else
			putchar('\n');
		fflush(stdout);
	}
	return 0;
}
