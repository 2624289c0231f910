/* The node's random generator: HMAC-DRBG (SP 800-90A, SHA-256) against
 * NIST CAVP known answers (no reseed, with and without a personalization
 * string), and the proof that an engine's secrets are that DRBG's stream:
 * a correspondent's Kcn, nonce index and nonce predicted from the
 * node's instantiation input reproduce the keygen token of its Home Test.
 * Without an entropy hook the stream is a function of seed and node name:
 * reproducible, and different per node; each of the first draws then
 * comes from a generator instantiated for it from the previous one's
 * output. */
#include <stdlib.h>

#include <openssl/sha.h>

#include "tu.h"
#include "crypto/m6_drbg.h"
#include "mip6/mip6.h"
#include "mip6/rr.h"
#include "node/node.h"
#include "pkt/mh.h"

struct kat {
	const char *entropy, *nonce, *pers, *returned;
};

/* HMAC_DRBG.rsp [SHA-256] [PredictionResistance = False], no reseed,
 * 1024 returned bits, the second of two generate calls. */
static const struct kat kats[] = {
	{ "ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488", "659ba96c601dc69fc902940805ec0ca8", "",
	  "e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89d54fbb978a15b5c443c9ec21036d2460"
	  "b6f73ebad0dc2aba6e624abf07745bc107694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668"
	  "961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8" },
	{ "b340907445b97a8b589264de4a17c0bea11bb53ad72f9f33297f05d2879d898d", "65cb27735d83c0708f72684ea58f7ee5", "",
	  "75183aaaf3574bc68003352ad655d0e9ce9dd17552723b47fab0e84ef903694a32987eeddbdc48efd24195dbdac8a46b"
	  "a2d972f5808f23a869e71343140361f58b243e62722088fe10a98e43372d252b144e00c89c215a76a121734bdc485486"
	  "f65c0b16b8963524a3a70e6f38f169c12f6cbdd169dd48fe4421a235847a23ff" },
	{ "5cacc68165a2e2ee20812f35ec73a79dbf30fd475476ac0c44fc6174cdac2b55", "6f885496c1e63af620becd9e71ecb824",
	  "e72dd8590d4ed5295515c35ed6199e9d211b8f069b3058caa6670b96ef1208d0",
	  "f1012cf543f94533df27fedfbf58e5b79a3dc517a9c402bdbfc9a0c0f721f9d53faf4aafdc4b8f7a1b580fcaa52338d4"
	  "bd95f58966a243cdcd3f446ed4bc546d9f607b190dd69954450d16cd0e2d6437067d8b44d19a6af7a7cfa8794e5fbd72"
	  "8e8fb2f2e8db5dd4ff1aa275f35886098e80ff844886060da8b1e7137846b23b" },
};

static void test_cavp(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		uint8_t e[32], n[16], p[64], want[128], got[128];
		assert_int_equal(tu_hex(kats[i].entropy, e, sizeof(e)), 32);
		assert_int_equal(tu_hex(kats[i].nonce, n, sizeof(n)), 16);
		size_t plen = tu_hex(kats[i].pers, p, sizeof(p));
		assert_int_equal(tu_hex(kats[i].returned, want, sizeof(want)), 128);
		struct m6_drbg *d = m6_drbg_new(e, n, plen ? p : NULL, plen);
		assert_non_null(d);
		assert_int_equal(m6_drbg_generate(d, got, sizeof(got)), 0);
		assert_int_equal(m6_drbg_generate(d, got, sizeof(got)), 0);
		assert_memory_equal(got, want, sizeof(want));
		m6_drbg_free(d);
	}
}

/* One generator instantiated again for each vector (after output drawn
 * from the previous input) gives the CAVP answers: reinit leaves nothing
 * of the old state behind. */
static void test_cavp_reinit(void **s)
{
	(void)s;
	uint8_t e0[32] = { 7 }, n0[16] = { 9 }, got[128];
	struct m6_drbg *d = m6_drbg_new(e0, n0, NULL, 0);
	assert_non_null(d);
	for (size_t r = 0; r < 2; r++)
		for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
			uint8_t e[32], n[16], p[64], want[128];
			assert_int_equal(tu_hex(kats[i].entropy, e, sizeof(e)), 32);
			assert_int_equal(tu_hex(kats[i].nonce, n, sizeof(n)), 16);
			size_t plen = tu_hex(kats[i].pers, p, sizeof(p));
			assert_int_equal(tu_hex(kats[i].returned, want, sizeof(want)), 128);
			assert_int_equal(m6_drbg_generate(d, got, sizeof(got)), 0);
			assert_int_equal(m6_drbg_reinit(d, e, n, plen ? p : NULL, plen), 0);
			assert_int_equal(m6_drbg_generate(d, got, sizeof(got)), 0);
			assert_int_equal(m6_drbg_generate(d, got, sizeof(got)), 0);
			assert_memory_equal(got, want, sizeof(want));
		}
	m6_drbg_clear(d);
	assert_int_equal(m6_drbg_generate(d, got, sizeof(got)), M6_E_CRYPTO);
	assert_int_equal(m6_drbg_reinit(d, NULL, n0, NULL, 0), M6_E_INVAL);
	assert_int_equal(m6_drbg_reinit(NULL, e0, n0, NULL, 0), M6_E_INVAL);
	m6_drbg_free(d);
}

/* Requests above one OpenSSL call are split, never truncated. */
static void test_long_request(void **s)
{
	(void)s;
	uint8_t e[32] = { 1 }, n[16] = { 2 };
	static uint8_t big[10000];
	static const uint8_t zero[64];
	struct m6_drbg *d = m6_drbg_new(e, n, NULL, 0);
	assert_non_null(d);
	assert_int_equal(m6_drbg_generate(d, big, sizeof(big)), 0);
	assert_memory_not_equal(big + sizeof(big) - 64, zero, 64);
	m6_drbg_free(d);
	assert_null(m6_drbg_new(NULL, n, NULL, 0));
	assert_int_equal(m6_drbg_generate(NULL, big, 8), M6_E_CRYPTO);
}

/* ---- the node's stream ---- */

static uint8_t fixed_entropy[48];

static int entropy_hook(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	assert_int_equal(n, sizeof(fixed_entropy));
	memcpy(out, fixed_entropy, n);
	return 0;
}

static int failing_hook(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	(void)out;
	(void)n;
	return -1;
}

static void trace(void *ctx, const struct m6_event *ev)
{
	(void)ctx;
	fprintf(stderr, "%s %s code=%d %s\n", ev->node, m6_ev_name(ev->type), ev->code, ev->text);
}

static struct node *cn_node(const char *name, uint64_t seed, bool hook)
{
	struct node_cfg c;
	char err[128];
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.n_ifaces = 1;
	c.ifaces[0].has_addr = true;
	tu_addr(TU_CN, c.ifaces[0].addr);
	tu_addr("2001:db8:3::", c.ifaces[0].prefix);
	c.ifaces[0].plen = 64;
	c.is_cn = true;
	tu_addr(TU_CN, c.cn.addr);
	c.seed = seed;
	if (hook)
		c.entropy = entropy_hook;
	struct node *n = node_new(&c, 0, err, sizeof(err));
	assert_non_null(n);
	if (getenv("NODE_TEST_TRACE"))
		node_set_event_cb(n, trace, NULL);
	return n;
}

/* A Home Test Init from the home address at `now`; returns the Home
 * Test's index and keygen token. */
static void home_test_at(struct node *n, uint64_t now, uint16_t *index, uint8_t token[8])
{
	uint8_t pkt[256], hoa[16], cn[16];
	struct mh_msg m;
	tu_addr(TU_HOA, hoa);
	tu_addr(TU_CN, cn);
	memset(&m, 0, sizeof(m));
	m.proto = 59;
	m.type = MH_HOTI;
	memcpy(m.cookie, "cookie!!", 8);
	int len = mip6_build_mh(pkt, sizeof(pkt), hoa, cn, NULL, NULL, &m);
	assert_true(len > 0);
	assert_int_equal(node_input(n, 0, pkt, (size_t)len, now), 0);
	static struct node_out o;
	bool seen = false;
	while (node_output(n, &o, now)) {
		struct ip6_walk w;
		struct mh_msg hot;
		struct m6_diags ds;
		m6_diags_init(&ds);
		if (ip6_walk(o.pkt, o.len, IP6W_HAO_KNOWN, &w) || w.proto != IP6P_MH)
			continue;
		assert_int_equal(mh_parse(o.pkt + w.proto_off, o.len - w.proto_off, &hot, &ds, 0), 0);
		if (hot.type != MH_HOT)
			continue;
		assert_memory_equal(hot.cookie, "cookie!!", 8);
		*index = hot.nonce_index;
		memcpy(token, hot.token, 8);
		seen = true;
	}
	assert_true(seen);
}

static void home_test(struct node *n, uint16_t *index, uint8_t token[8])
{
	home_test_at(n, 1000000000ull, index, token);
}

/* RR-01: the first nonce index, the first nonce's Kcn and the nonce are
 * the DRBG's first draws, in the order the correspondent takes them (index,
 * then each nonce with its own Kcn: Kcn, nonce). */
static void test_cn_secrets_are_drbg_stream(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof(fixed_entropy); i++)
		fixed_entropy[i] = (uint8_t)(0x5a ^ (i * 7));
	struct node *n = cn_node("cn", 1, true);
	uint16_t index;
	uint8_t token[8];
	home_test(n, &index, token);
	node_free(n);

	struct m6_drbg *d = m6_drbg_new(fixed_entropy, fixed_entropy + 32, (const uint8_t *)"cn", 2);
	uint8_t kcn[RR_KCN_LEN], idx[2], nonce[RR_NONCE_LEN], want[8], hoa[16];
	assert_non_null(d);
	assert_int_equal(m6_drbg_generate(d, idx, sizeof(idx)), 0);
	assert_int_equal(m6_drbg_generate(d, kcn, sizeof(kcn)), 0);
	assert_int_equal(m6_drbg_generate(d, nonce, sizeof(nonce)), 0);
	m6_drbg_free(d);
	tu_addr(TU_HOA, hoa);
	assert_int_equal(rr_token(kcn, hoa, nonce, RR_HOME, want), 0);
	assert_int_equal(index, m6_get16(idx));
	assert_memory_equal(token, want, 8);
}

static void test_seeded_streams(void **s)
{
	(void)s;
	uint16_t i1, i2, i3;
	uint8_t t1[8], t2[8], t3[8];
	struct node *a = cn_node("cn", 42, false), *b = cn_node("cn", 42, false), *c = cn_node("cn2", 42, false);
	home_test(a, &i1, t1);
	home_test(b, &i2, t2);
	home_test(c, &i3, t3);
	/* same seed and name: the same run; another node: another stream */
	assert_int_equal(i1, i2);
	assert_memory_equal(t1, t2, 8);
	assert_memory_not_equal(t1, t3, 8);
	node_free(a);
	node_free(b);
	node_free(c);
	/* entropy the driver cannot supply: no node, never a weak one */
	struct node_cfg cfg;
	char err[128];
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_ifaces = 1;
	cfg.entropy = failing_hook;
	assert_null(node_new(&cfg, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "random"));
}

/* SHA-512(label || 0 || seed, little-endian || name): a seeded node's
 * first instantiation input (its first 48 octets), as node.c derives it. */
static void seed_hash(const char *label, uint64_t seed, const char *name, uint8_t out[64])
{
	uint8_t in[128];
	size_t ll = strlen(label) + 1, nl = strlen(name);
	memcpy(in, label, ll);
	for (int i = 0; i < 8; i++)
		in[ll + (size_t)i] = (uint8_t)(seed >> (8 * i));
	memcpy(in + ll + 8, name, nl);
	assert_non_null(SHA512(in, ll + 8 + nl, out));
}

/* One draw of a seeded node: OpenSSL's HMAC-DRBG from the input kept, the
 * request and then the next input in one generate call. */
static void chain_draw(uint8_t next[48], const char *name, uint8_t *out, size_t n)
{
	uint8_t both[64 + 48];
	assert_true(n <= 64);
	struct m6_drbg *d = m6_drbg_new(next, next + 32, (const uint8_t *)name, strlen(name));
	assert_non_null(d);
	assert_int_equal(m6_drbg_generate(d, both, n + 48), 0);
	memcpy(out, both, n);
	memcpy(next, both + n, 48);
	m6_drbg_free(d);
}

/* Without an entropy hook, each of a node's first three draws is
 * OpenSSL's HMAC-DRBG instantiated from the previous draw's generator (the
 * first from the seed and name hash) and freed; the fourth draw's
 * generator is kept for every later draw. The correspondent draws its
 * first index, Kcn and nonce, its binding cache key, and at 30 s the next
 * Kcn and nonce: predicted that way, both reproduce its keygen tokens. */
static void test_seeded_stream_is_chain(void **s)
{
	(void)s;
	struct node *n = cn_node("cn", 42, false);
	uint16_t index, index2;
	uint8_t token[8], token2[8];
	home_test(n, &index, token);
	home_test_at(n, 31000000000ull, &index2, token2);
	node_free(n);

	uint8_t next[48], kcn[RR_KCN_LEN], idx[2], nonce[RR_NONCE_LEN], key[16], want[8], hoa[16];
	uint8_t h[64];
	seed_hash("mip6sec node drbg", 42, "cn", h);
	memcpy(next, h, 48);
	chain_draw(next, "cn", idx, sizeof(idx));
	chain_draw(next, "cn", kcn, sizeof(kcn));
	chain_draw(next, "cn", nonce, sizeof(nonce));
	tu_addr(TU_HOA, hoa);
	assert_int_equal(rr_token(kcn, hoa, nonce, RR_HOME, want), 0);
	assert_int_equal(index, m6_get16(idx));
	assert_memory_equal(token, want, 8);

	struct m6_drbg *d = m6_drbg_new(next, next + 32, (const uint8_t *)"cn", 2);
	assert_non_null(d);
	assert_int_equal(m6_drbg_generate(d, key, sizeof(key)), 0);
	assert_int_equal(m6_drbg_generate(d, kcn, sizeof(kcn)), 0);
	assert_int_equal(m6_drbg_generate(d, nonce, sizeof(nonce)), 0);
	m6_drbg_free(d);
	assert_int_equal(rr_token(kcn, hoa, nonce, RR_HOME, want), 0);
	assert_int_equal(index2, (uint16_t)(index + 1));
	assert_memory_equal(token2, want, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cavp),
		cmocka_unit_test(test_long_request),
		cmocka_unit_test(test_cn_secrets_are_drbg_stream),
		cmocka_unit_test(test_cavp_reinit),
		cmocka_unit_test(test_seeded_streams),
		cmocka_unit_test(test_seeded_stream_is_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
