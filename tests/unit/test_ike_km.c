/* IKEv2 as the node's key manager (ike_km): two nodes on a hub, a mobile
 * node's home address A and a home agent B, whose SPDs protect the Mobility
 * Header between them and hold no SA. A Mobility Header packet from A makes
 * an ACQUIRE; IKE_SA_INIT and IKE_AUTH run over UDP 500; both ends install
 * the Child SA and the next packet crosses under ESP. The PAD at B decides
 * which home address an identity may claim; lost messages are
 * retransmitted unchanged with a doubling timeout; a soft expiry rekeys the
 * Child SA, the IKE SA is rekeyed on time, a silent peer is found dead. */
#include <stdlib.h>

#include "tu.h"
#include "tn.h"
#include "keyconf.h"
#include "ike/ike_const.h"
#include "ike/ike_km.h"
#include "ike/ike_sa.h"
#include "ike/ike_sig.h"
#include "node/node.h"
#include "pkt/mh.h"

#define S 1000000000ull
#define MS 1000000ull
#define A_ADDR "2001:db8:5::a"
#define B_ADDR "2001:db8:5::b"
#define C_ADDR "2001:db8:5::c"
#define PSK "mip6sec test pre-shared key: sixty-four octets or more of text.."

#define MH_POLICIES(l, r)                                                                              \
	"spd = ( { name = \"mh-out\"; dir = \"out\"; order = 10; local = \"" l "\"; remote = \"" r "\";"  \
	"          proto = \"mh\"; },"                                                                   \
	"        { name = \"mh-in\"; dir = \"in\"; order = 10; local = \"" l "\"; remote = \"" r "\";"    \
	"          proto = \"mh\"; },"                                                                   \
	"        { name = \"rest-out\"; dir = \"out\"; order = 900; action = \"bypass\"; },"             \
	"        { name = \"rest-in\"; dir = \"in\"; order = 900; action = \"bypass\"; } );"

static struct node *na, *nb;
static struct ike_km *ka, *kb;
static uint64_t now;
static unsigned lose_to_b;        /* drop the next N packets from A to B */
static unsigned sent_a;           /* packets A put on the wire */
static unsigned drop_a_nth;       /* drop A's packet of this number (sent_a), 0: none */
static uint16_t cert_frag;        /* setup_cert_pair: fragmentation with this fragment size, 0: off */
static uint8_t first_a[2048], again_a[2048];
static size_t first_len, again_len;

static void lcg(void *ctx, uint8_t *out, size_t n)
{
	uint32_t *x = ctx;
	for (size_t i = 0; i < n; i++) {
		*x = *x * 1103515245u + 12345u;
		out[i] = (uint8_t)(*x >> 16);
	}
}

static void pump(void)
{
	static struct node_out o;
	for (int round = 0; round < 50; round++) {
		bool any = false;
		while (node_output(na, &o, now)) {
			any = true;
			sent_a++;
			if (sent_a == 1) {
				memcpy(first_a, o.pkt, o.len);
				first_len = o.len;
			} else if (sent_a == 2) {
				memcpy(again_a, o.pkt, o.len);
				again_len = o.len;
			}
			if (lose_to_b) {
				lose_to_b--;
				continue;
			}
			if (drop_a_nth && sent_a == drop_a_nth)
				continue;
			node_input(nb, 0, o.pkt, o.len, now);
		}
		while (node_output(nb, &o, now)) {
			any = true;
			node_input(na, 0, o.pkt, o.len, now);
		}
		if (!any)
			return;
	}
	fail_msg("packets still flowing after 50 rounds");
}

static void advance(uint64_t to)
{
	tn_pair_advance(na, nb, &now, to, pump);
}

static struct node *host(const char *name, const char *a, const char *ipsec)
{
	struct node_cfg c;
	struct keyconf kc;
	char err[256];
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.n_ifaces = 1;
	c.ifaces[0].has_addr = true;
	tu_addr(a, c.ifaces[0].addr);
	tu_addr("2001:db8:5::", c.ifaces[0].prefix);
	c.ifaces[0].plen = 64;
	c.seed = 5;
	if (keyconf_load_string(ipsec, &kc, err, sizeof(err)))
		fail_msg("%s", err);
	c.bits = kc.bits;
	c.spd = kc.spd;
	sad_free(kc.sad);
	c.sad = sad_new(64);
	c.pad = kc.pad;
	struct node *n = node_new(&c, 0, err, sizeof(err));
	assert_non_null(n);
	return n;
}

static void base_cfg(struct ike_km_cfg *c, bool initiator, const char *id)
{
	memset(c, 0, sizeof(*c));
	c->initiator = initiator;
	c->id_type = IKE_ID_RFC822_ADDR;
	c->id_len = strlen(id);
	memcpy(c->id, id, c->id_len);
	c->psk_len = strlen(PSK);
	memcpy(c->psk, PSK, c->psk_len);
	c->ike[0] = (struct ike_suite){ IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, IKE_DH_X25519 };
	c->n_ike = 1;
	c->esp = (struct ike_child_alg){ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, false, false };
	c->keep_keys = true;
}

/* The mobile node A claims home address `hoa`; the PAD at B gives
 * mn@example.com the home address A only. */
static void setup_pair(const char *hoa, const char *mn_id)
{
	now = 0;
	lose_to_b = sent_a = 0;
	na = host("mn", A_ADDR, MH_POLICIES("any", B_ADDR));
	nb = host("ha", B_ADDR,
		  "pad = ( { id = \"mn@example.com\"; psk = \"" PSK "\"; home_addresses = [ \"" A_ADDR "\" ]; },"
		  "        { id = \"other@example.com\"; psk = \"" PSK "\"; home_addresses = [ \"" C_ADDR "\" ]; } );"
		  MH_POLICIES(B_ADDR, "any"));
	struct ike_km_cfg c;
	char err[128];
	base_cfg(&c, true, mn_id);
	tu_addr(B_ADDR, c.peer);
	tu_addr(hoa, c.home);
	c.soft_s = 100;
	c.hard_s = 120;
	assert_non_null(ka = ike_km_new(&c, err, sizeof(err)));
	base_cfg(&c, false, "ha@example.com");
	c.psk_len = 0;
	assert_non_null(kb = ike_km_new(&c, err, sizeof(err)));
	ike_km_attach(ka, na);
	ike_km_attach(kb, nb);
}

static int teardown(void **s)
{
	(void)s;
	node_free(na);
	node_free(nb);
	ike_km_free(ka);
	ike_km_free(kb);
	return 0;
}

/* A Binding Update-shaped Mobility Header packet from A to B. */
static void send_mh(void)
{
	uint8_t p[40 + 16];
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	tu_addr(A_ADDR, h.src);
	tu_addr(B_ADDR, h.dst);
	h.nh = IP6P_MH;
	h.hlim = 64;
	h.plen = 16;
	ip6_hdr_write(p, &h);
	uint8_t *m = p + 40;
	memset(m, 0, 16);
	m[0] = IP6P_NONE;
	m[1] = 1;                       /* (1 + 1) * 8 octets */
	m[2] = MH_BU;
	m6_put16(m + 4, m6_csum_ip6(h.src, h.dst, IP6P_MH, m, 16) ^ 0xffff);
	node_app_send(na, p, sizeof(p), now);
	pump();
}

static void test_acquire_runs_ike_and_installs(void **s)
{
	(void)s;
	setup_pair(A_ADDR, "mn@example.com");
	send_mh();
	/* the first packet made the ACQUIRE and was dropped; IKE ran */
	assert_int_equal(ike_km_stats(ka)->established, 1);
	assert_int_equal(ike_km_stats(kb)->established, 1);
	assert_int_equal(ike_km_stats(ka)->sa_installed, 2);
	assert_int_equal(ike_km_stats(kb)->sa_installed, 2);
	/* 4877-05: TSi is the home address, MH types BU..BA in one range (4877-06) */
	assert_int_equal(ike_km_child_count(ka), 2);
	const struct ike_km_child_keys *in = ike_km_child_at(ka, 0), *out = ike_km_child_at(ka, 1);
	uint8_t a[16], b[16];
	tu_addr(A_ADDR, a);
	tu_addr(B_ADDR, b);
	assert_memory_equal(out->src, a, 16);
	assert_memory_equal(out->dst, b, 16);
	assert_memory_equal(in->src, b, 16);
	/* IKE-13: the two ends derived the same keys for each direction */
	const struct ike_km_child_keys *bin = ike_km_child_at(kb, 0), *bout = ike_km_child_at(kb, 1);
	assert_int_equal(bin->spi, out->spi);
	assert_memory_equal(bin->x.ekey, out->x.ekey, out->x.eklen);
	assert_int_equal(bout->spi, in->spi);
	assert_memory_equal(bout->x.ekey, in->x.ekey, in->x.eklen);
	assert_memory_not_equal(in->x.ekey, out->x.ekey, in->x.eklen);
	/* both logged the IKE SA with the same SPIs */
	assert_int_equal(ike_km_ike_count(ka), 1);
	assert_memory_equal(ike_km_ike_at(ka, 0)->spi_r, ike_km_ike_at(kb, 0)->spi_r, IKE_SPI_LEN);
	/* the next Mobility Header packet crosses under ESP */
	uint64_t before = node_bits(nb)->st.in_protected;
	send_mh();
	assert_int_equal(node_bits(nb)->st.in_protected, before + 1);
	assert_int_equal(node_bits(na)->st.out_protected, 1);
}

static void test_pad_refuses_foreign_home_address(void **s)
{
	(void)s;
	/* 4877-02, 3776-13 (in IKEv2 terms: the IKE SA's authenticated
	 * identity is not authorised for the home address in the Child SA's
	 * selectors): mn@example.com asks for C's home address, and the Child
	 * SA is refused (TS_UNACCEPTABLE) while the IKE SA stands */
	setup_pair(C_ADDR, "mn@example.com");
	send_mh();
	assert_int_equal(ike_km_stats(kb)->established, 1);
	assert_int_equal(ike_km_stats(kb)->sa_installed, 0);
	assert_int_equal(ike_km_stats(ka)->sa_installed, 0);
	assert_int_equal(ike_km_stats(ka)->refused, 1);
	teardown(NULL);
	/* 4877-03: an identity the PAD does not know gets nothing */
	setup_pair(A_ADDR, "stranger@example.com");
	send_mh();
	assert_int_equal(ike_km_stats(kb)->established, 0);
	assert_int_equal(ike_km_stats(kb)->sa_installed, 0);
	assert_int_equal(ike_km_stats(ka)->established, 0);
	assert_int_equal(ike_km_stats(ka)->failed, 1);
	teardown(NULL);
	/* and one whose PAD entry holds another home address is refused too */
	setup_pair(A_ADDR, "other@example.com");
	send_mh();
	assert_int_equal(ike_km_stats(kb)->sa_installed, 0);
	assert_int_equal(ike_km_stats(ka)->refused, 1);
}

static size_t read_vector(const char *name, char *buf, size_t cap)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", IKE_CERTS_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* who.pem and who.key of tests/vectors/ike_certs, and its CA. */
static struct ike_cred *file_cred(const char *who)
{
	static char cert[8192], key[8192], ca[8192];
	char name[64];
	snprintf(name, sizeof(name), "%s.pem", who);
	size_t cl = read_vector(name, cert, sizeof(cert));
	snprintf(name, sizeof(name), "%s.key", who);
	size_t kl = read_vector(name, key, sizeof(key));
	size_t al = read_vector("ca.pem", ca, sizeof(ca));
	struct ike_cred *c = ike_cred_new();
	assert_int_equal(ike_cred_set_own(c, cert, cl, key, kl), 0);
	assert_int_equal(ike_cred_set_ca(c, ca, al), 0);
	return c;
}

/* Certificates at both ends: the PAD entry of the mobile node's identity
 * says auth = cert (or psk: then its certificate is not enough) and which
 * home addresses it may claim. */
static void setup_cert_pair(const char *hoa, const char *pad_auth)
{
	now = 0;
	lose_to_b = sent_a = 0;
	char pad[2048];
	snprintf(pad, sizeof(pad),
		 "pad = ( { id = \"mn@example.org\"; auth = \"%s\"; psk = \"" PSK "\"; home_addresses = [ \"" A_ADDR
		 "\" ]; } );" MH_POLICIES(B_ADDR, "any"), pad_auth);
	na = host("mn", A_ADDR, MH_POLICIES("any", B_ADDR));
	nb = host("ha", B_ADDR, pad);
	struct ike_km_cfg c;
	char err[128];
	base_cfg(&c, true, "mn@example.org");
	c.psk_len = 0;
	c.peer_id_type = IKE_ID_FQDN;
	c.peer_id_len = strlen("ha.example.org");
	memcpy(c.peer_id, "ha.example.org", c.peer_id_len);
	tu_addr(B_ADDR, c.peer);
	tu_addr(hoa, c.home);
	c.cred = file_cred("mn-p256");
	c.cert_time = 1861920000;       /* 2029-01-01 */
	c.fragmentation = cert_frag != 0;
	c.frag_mtu = cert_frag;
	assert_non_null(ka = ike_km_new(&c, err, sizeof(err)));
	ike_cred_free(c.cred);          /* the key manager keeps its own reference */
	base_cfg(&c, false, "ha.example.org");
	c.id_type = IKE_ID_FQDN;
	c.psk_len = 0;
	c.cred = file_cred("ha-p256");
	c.cert_time = 1861920000;
	c.fragmentation = cert_frag != 0;
	c.frag_mtu = cert_frag;
	assert_non_null(kb = ike_km_new(&c, err, sizeof(err)));
	ike_cred_free(c.cred);
	ike_km_attach(ka, na);
	ike_km_attach(kb, nb);
}

static void test_certificates(void **s)
{
	(void)s;
	setup_cert_pair(A_ADDR, "cert");
	send_mh();
	assert_int_equal(ike_km_stats(ka)->established, 1);
	assert_int_equal(ike_km_stats(kb)->established, 1);
	assert_int_equal(ike_km_stats(ka)->sa_installed, 2);
	assert_int_equal(ike_km_stats(kb)->sa_installed, 2);
	struct ike_km_sa_info si;
	assert_int_equal(ike_km_sa_info(kb, 0, &si), 0);
	assert_int_equal(si.peer_id_type, IKE_ID_RFC822_ADDR);
	assert_int_equal(si.peer_auth, IKE_AUTH_DIGITAL_SIG);
	teardown(NULL);
	/* 4877-02: a certificate identity claims only its own home addresses */
	setup_cert_pair(C_ADDR, "cert");
	send_mh();
	assert_int_equal(ike_km_stats(kb)->established, 1);
	assert_int_equal(ike_km_stats(kb)->sa_installed, 0);
	assert_int_equal(ike_km_stats(ka)->refused, 1);
	teardown(NULL);
	/* PAD-01: the entry asks for a PSK, a certificate does not do */
	setup_cert_pair(A_ADDR, "psk");
	send_mh();
	assert_int_equal(ike_km_stats(kb)->established, 0);
	assert_int_equal(ike_km_stats(ka)->established, 0);
	assert_int_equal(ike_km_stats(ka)->failed, 1);
	teardown(NULL);
	/* the home agent's clock says the certificates have expired */
	setup_cert_pair(A_ADDR, "cert");
	ike_km_set_wall_time(kb, 2208988800, 0);        /* 2040-01-01 */
	send_mh();
	assert_int_equal(ike_km_stats(kb)->established, 0);
	assert_int_equal(ike_km_stats(ka)->failed, 1);
}

/* An SKF message (Fragment 1 of 2, content not sealed) on the IKE SA of
 * slot 0 of B, from A's UDP 500 to B's. */
static void send_skf_to_b(void)
{
	struct ike_km_sa_info si;
	assert_int_equal(ike_km_sa_info(kb, 0, &si), 0);
	uint8_t p[40 + 8 + 28 + 8 + 32];
	memset(p, 0, sizeof(p));
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	tu_addr(A_ADDR, h.src);
	tu_addr(B_ADDR, h.dst);
	h.nh = IP6P_UDP;
	h.hlim = 64;
	h.plen = (uint16_t)(sizeof(p) - 40);
	ip6_hdr_write(p, &h);
	uint8_t *u = p + 40, *ike = u + 8;
	m6_put16(u, NODE_IKE_PORT);
	m6_put16(u + 2, NODE_IKE_PORT);
	m6_put16(u + 4, h.plen);
	memcpy(ike, si.spi_i, 8);
	memcpy(ike + 8, si.spi_r, 8);
	ike[16] = IKE_PL_SKF;
	ike[17] = 0x20;
	ike[18] = IKE_INFORMATIONAL;
	ike[19] = IKE_FLAG_I;
	m6_put32(ike + 20, 2);
	m6_put32(ike + 24, 28 + 8 + 32);
	m6_put16(ike + 28 + 2, 8 + 32);
	m6_put16(ike + 28 + 4, 1);
	m6_put16(ike + 28 + 6, 2);
	m6_put16(u + 6, m6_csum_ip6(h.src, h.dst, IP6P_UDP, u, h.plen));
	node_input(nb, 0, p, sizeof(p), now);
	pump();
}

/* IKE-23: fragmentation at both ends with 600-octet fragments: each
 * fragment of IKE_AUTH leaves as a datagram of its own and the SA comes
 * up; a lost fragment is made good by the retransmission of the whole set
 * (the fragments the home agent holds are replays, the missing one
 * completes the message and the rest belong to an answered request). */
static void test_fragments(void **s)
{
	(void)s;
	struct ike_km_sa_info si;
	setup_cert_pair(A_ADDR, "cert");
	send_mh();
	unsigned whole = sent_a;
	assert_int_equal(ike_km_stats(kb)->established, 1);
	assert_int_equal(ike_km_sa_info(kb, 0, &si), 0);
	assert_false(si.frag);
	/* not negotiated: a fragment is dropped, and counted */
	uint64_t dropped = ike_km_stats(kb)->dropped;
	send_skf_to_b();
	assert_int_equal(ike_km_stats(kb)->frag_off, 1);
	assert_int_equal(ike_km_stats(kb)->dropped, dropped + 1);
	teardown(NULL);
	cert_frag = 600;
	setup_cert_pair(A_ADDR, "cert");
	send_mh();
	assert_int_equal(ike_km_stats(ka)->established, 1);
	assert_int_equal(ike_km_stats(kb)->established, 1);
	assert_int_equal(ike_km_stats(kb)->sa_installed, 2);
	assert_int_equal(ike_km_sa_info(kb, 0, &si), 0);
	assert_true(si.frag);
	assert_false(si.frag_pending);
	assert_true(sent_a > whole);    /* IKE_AUTH in more datagrams than one */
	teardown(NULL);
	/* the second IKE_AUTH datagram (after IKE_SA_INIT) is lost */
	setup_cert_pair(A_ADDR, "cert");
	drop_a_nth = 3;
	send_mh();
	assert_int_equal(ike_km_stats(kb)->established, 0);
	assert_int_equal(ike_km_sa_info(kb, 0, &si), 0);
	assert_true(si.frag_pending);
	advance(S / 2);
	assert_int_equal(ike_km_stats(ka)->retransmits, 1);
	assert_int_equal(ike_km_stats(ka)->established, 1);
	assert_int_equal(ike_km_stats(kb)->established, 1);
	assert_int_equal(ike_km_sa_info(kb, 0, &si), 0);
	assert_false(si.frag_pending);
	drop_a_nth = 0;
	cert_frag = 0;
}

static void test_retransmission(void **s)
{
	(void)s;
	setup_pair(A_ADDR, "mn@example.com");
	lose_to_b = 3;                  /* the MH packet itself is dropped at A, not counted */
	send_mh();
	assert_int_equal(ike_km_stats(ka)->established, 0);
	/* IKE-03: 0.5 s, then 1 s more, then 2 s more */
	advance(S / 2);
	assert_int_equal(ike_km_stats(ka)->retransmits, 1);
	advance(S / 2 + S - 1);
	assert_int_equal(ike_km_stats(ka)->retransmits, 1);
	advance(S / 2 + S);
	assert_int_equal(ike_km_stats(ka)->retransmits, 2);
	/* IKE-02: a retransmission is the same octets as the first request */
	assert_int_equal(first_len, again_len);
	assert_memory_equal(first_a, again_a, first_len);
	advance(4 * S);
	assert_int_equal(ike_km_stats(ka)->retransmits, 3);
	assert_int_equal(ike_km_stats(ka)->established, 1);
	assert_int_equal(ike_km_stats(kb)->sa_installed, 2);
}

/* IKE-15: the soft expiry at 100 s rekeys the Child SA with CREATE_CHILD_SA
 * on the same IKE SA: the new pair is installed at both ends before the
 * old one is deleted, and no new IKE SA is made. Each pair is rekeyed in
 * time, so no hard expiry ever bites. */
static void test_soft_expiry_rekeys(void **s)
{
	(void)s;
	setup_pair(A_ADDR, "mn@example.com");
	send_mh();
	assert_int_equal(ike_km_stats(ka)->sa_installed, 2);
	advance(101 * S);
	assert_int_equal(ike_km_stats(ka)->established, 1);
	assert_int_equal(ike_km_stats(ka)->child_rekeyed, 1);
	assert_int_equal(ike_km_stats(kb)->child_rekeyed, 1);
	assert_int_equal(ike_km_stats(ka)->sa_installed, 4);
	assert_int_equal(ike_km_stats(kb)->sa_installed, 4);
	assert_int_equal(ike_km_stats(ka)->sa_deleted, 2);
	assert_int_equal(ike_km_stats(kb)->sa_deleted, 2);
	assert_int_equal(sad_count(node_bits(na)->sad), 2);
	assert_int_equal(sad_count(node_bits(nb)->sad), 2);
	advance(250 * S);
	assert_int_equal(ike_km_stats(ka)->child_rekeyed, 2);
	assert_int_equal(ike_km_stats(ka)->sa_deleted, 4);
	assert_int_equal(sad_count(node_bits(na)->sad), 2);
	assert_int_equal(ike_km_stats(ka)->established, 1);
	assert_int_equal(ike_km_stats(ka)->failed, 0);
}

/* IKE-16: both ends have the same soft lifetime, so both rekey the pair at
 * the same instant; the requests cross, each end installs both new pairs,
 * then the one made with the lowest nonce and the old one are deleted:
 * one pair is left at each end, the same one, and BU/BA still pass. */
static void test_crossing_child_rekeys(void **s)
{
	(void)s;
	setup_pair(A_ADDR, "mn@example.com");
	ike_km_free(kb);
	struct ike_km_cfg c;
	char err[128];
	base_cfg(&c, false, "ha@example.com");
	c.psk_len = 0;
	c.soft_s = 100;
	c.hard_s = 120;
	assert_non_null(kb = ike_km_new(&c, err, sizeof(err)));
	ike_km_attach(kb, nb);
	send_mh();
	advance(101 * S);
	assert_int_equal(ike_km_stats(ka)->child_rekeyed, 2);
	assert_int_equal(ike_km_stats(kb)->child_rekeyed, 2);
	assert_int_equal(ike_km_stats(ka)->sa_deleted, 4);
	assert_int_equal(ike_km_stats(kb)->sa_deleted, 4);
	assert_int_equal(sad_count(node_bits(na)->sad), 2);
	assert_int_equal(sad_count(node_bits(nb)->sad), 2);
	/* the same pair: each end's outbound SA is the other's inbound one */
	struct sad *da = node_bits(na)->sad, *db = node_bits(nb)->sad;
	for (size_t i = 0; i < sad_capacity(da); i++) {
		const struct ipsec_sa *x = sad_slot(da, i);
		if (x && x->spi)
			assert_non_null(sad_find(db, x->spi, IP6P_ESP, !x->inbound));
	}
	assert_int_equal(ike_km_stats(ka)->failed + ike_km_stats(kb)->failed, 0);
	uint64_t sent = node_km_stats(na)->out_msgs;
	send_mh();
	assert_int_equal(node_km_stats(na)->out_msgs, sent);    /* no new IKE: the SA is there */
	advance(250 * S);
	assert_int_equal(sad_count(node_bits(na)->sad), 2);
	assert_int_equal(ike_km_stats(ka)->established, 1);
}

/* The pair again, with the mobile node's key manager made from c: fill
 * c with mn_km_cfg(), change what the test needs, then mn_km_start(). */
static void mn_km_cfg(struct ike_km_cfg *c)
{
	setup_pair(A_ADDR, "mn@example.com");
	ike_km_free(ka);
	base_cfg(c, true, "mn@example.com");
	tu_addr(B_ADDR, c->peer);
	tu_addr(A_ADDR, c->home);
}

static void mn_km_start(const struct ike_km_cfg *c)
{
	char err[128];
	assert_non_null(ka = ike_km_new(c, err, sizeof(err)));
	ike_km_attach(ka, na);
}

/* IKE-14: the IKE SA is rekeyed before its lifetime by CREATE_CHILD_SA;
 * its Child SA moves to the new IKE SA and is rekeyed there later. */
static void test_ike_rekey(void **s)
{
	(void)s;
	struct ike_km_cfg c;
	mn_km_cfg(&c);
	c.soft_s = 100;
	c.hard_s = 120;
	c.ike_rekey_s = 50;
	mn_km_start(&c);
	send_mh();
	advance(60 * S);
	assert_int_equal(ike_km_stats(ka)->ike_rekeyed, 1);
	assert_int_equal(ike_km_stats(kb)->ike_rekeyed, 1);
	assert_int_equal(ike_km_stats(ka)->established, 1);
	assert_int_equal(ike_km_ike_count(ka), 2);             /* both logged for Wireshark */
	assert_int_equal(sad_count(node_bits(na)->sad), 2);      /* the Child SA untouched */
	advance(130 * S);
	/* the second IKE rekey at 100 s, and the Child SA's rekey then, queued
	 * behind it and moved to the new IKE SA */
	assert_int_equal(ike_km_stats(ka)->ike_rekeyed, 2);
	assert_int_equal(ike_km_stats(ka)->child_rekeyed, 1);
	assert_int_equal(ike_km_stats(kb)->child_rekeyed, 1);
	assert_int_equal(sad_count(node_bits(na)->sad), 2);
	assert_int_equal(sad_count(node_bits(nb)->sad), 2);
	assert_int_equal(ike_km_stats(ka)->failed, 0);
}

/* IKE-16 (2.8.2): both ends rekey the IKE SA at the same instant; the
 * surviving new IKE SA holds the Child SA at both ends, the losing one is
 * deleted by its maker and the old one by the survivor's initiator; the
 * next rekeys go the same way, and nothing fails. */
static void test_crossing_ike_rekeys(void **s)
{
	(void)s;
	setup_pair(A_ADDR, "mn@example.com");
	ike_km_free(ka);
	ike_km_free(kb);
	struct ike_km_cfg c;
	char err[128];
	base_cfg(&c, true, "mn@example.com");
	tu_addr(B_ADDR, c.peer);
	tu_addr(A_ADDR, c.home);
	c.ike_rekey_s = 50;
	assert_non_null(ka = ike_km_new(&c, err, sizeof(err)));
	base_cfg(&c, false, "ha@example.com");
	c.psk_len = 0;
	c.ike_rekey_s = 50;
	assert_non_null(kb = ike_km_new(&c, err, sizeof(err)));
	ike_km_attach(ka, na);
	ike_km_attach(kb, nb);
	send_mh();
	advance(60 * S);
	assert_int_equal(ike_km_stats(ka)->ike_rekeyed, 1);
	assert_int_equal(ike_km_stats(kb)->ike_rekeyed, 1);
	assert_int_equal(ike_km_ike_count(ka), 3);             /* first, survivor, loser */
	assert_int_equal(sad_count(node_bits(na)->sad), 2);
	assert_int_equal(sad_count(node_bits(nb)->sad), 2);
	uint64_t sent = node_km_stats(na)->out_msgs;
	send_mh();
	assert_int_equal(node_km_stats(na)->out_msgs, sent);
	advance(170 * S);
	assert_int_equal(ike_km_stats(ka)->ike_rekeyed, 3);
	assert_int_equal(ike_km_stats(kb)->ike_rekeyed, 3);
	assert_int_equal(ike_km_stats(ka)->failed + ike_km_stats(kb)->failed, 0);
	assert_int_equal(ike_km_stats(ka)->established, 1);
	assert_int_equal(sad_count(node_bits(na)->sad), 2);
	assert_int_equal(sad_count(node_bits(nb)->sad), 2);
}

/* IKE-03: liveness checks after dpd seconds of silence; a home agent that
 * lost its state (restart) answers nothing, so after the retransmissions
 * the mobile node drops its SAs and makes a fresh IKE SA. */
static void test_liveness_and_dead_peer(void **s)
{
	(void)s;
	struct ike_km_cfg c;
	mn_km_cfg(&c);
	c.dpd_s = 10;
	mn_km_start(&c);
	send_mh();
	advance(35 * S);
	assert_int_equal(ike_km_stats(ka)->liveness, 3);
	assert_int_equal(ike_km_stats(ka)->retransmits, 0);
	assert_int_equal(ike_km_stats(ka)->dead, 0);
	ike_km_forget(kb);
	assert_int_equal(sad_count(node_bits(nb)->sad), 0);
	/* the check at 40 s goes unanswered: 0.5 + 1 + 2 + 4 + 8 s later
	 * (IKE_KM_TRIES sends) the peer is dead and IKE starts again */
	advance(80 * S);
	assert_int_equal(ike_km_stats(ka)->dead, 1);
	assert_int_equal(ike_km_stats(ka)->retransmits, IKE_KM_TRIES - 1);
	assert_int_equal(ike_km_stats(ka)->established, 2);
	assert_int_equal(sad_count(node_bits(na)->sad), 2);
	assert_int_equal(sad_count(node_bits(nb)->sad), 2);
}

/* IKE-03 with the retransmission schedule configured (retransmit_tries,
 * retransmit_timeout): two sends 200 ms apart and doubling, so a home
 * agent that stopped answering is known dead 0.6 s after the check, not
 * 31.5 s. */
static void test_dead_peer_schedule(void **s)
{
	(void)s;
	struct ike_km_cfg c;
	mn_km_cfg(&c);
	c.dpd_s = 10;
	c.tries = 2;
	c.rto_ns = 200 * MS;
	mn_km_start(&c);
	send_mh();
	advance(35 * S);
	assert_int_equal(ike_km_stats(ka)->liveness, 3);
	ike_km_forget(kb);
	/* the check at 40 s, again at 40.2 s, given up at 40.6 s */
	advance(40 * S + 500 * MS);
	assert_int_equal(ike_km_stats(ka)->retransmits, 1);
	assert_int_equal(ike_km_stats(ka)->dead, 0);
	advance(41 * S);
	assert_int_equal(ike_km_stats(ka)->dead, 1);
	assert_int_equal(ike_km_stats(ka)->retransmits, 1);
	advance(42 * S);
	assert_int_equal(ike_km_stats(ka)->established, 2);
	assert_int_equal(sad_count(node_bits(nb)->sad), 2);
}

/* An IKE_SA_INIT request from a made-up address and UDP port to B's port
 * 500, from a throw-away initiator; left in B's output queue. */
static void spoofed_init_port(const char *from, uint32_t seed, uint16_t sport)
{
	static uint8_t pkt[40 + 8 + IKE_SA_MSG_MAX];
	static struct ike_sa sa;
	static struct ike_sa_cfg c;
	static uint32_t state;
	struct ike_km_cfg kc;
	base_cfg(&kc, true, "x@example.com");
	memset(&c, 0, sizeof(c));
	c.ike[0] = kc.ike[0];
	c.n_ike = 1;
	c.esp = kc.esp;
	state = seed;
	c.rng = (struct ike_rng){ lcg, &state };
	size_t len;
	assert_int_equal(ike_sa_start(&sa, &c, pkt + 48, sizeof(pkt) - 48, &len), 0);
	ike_sa_clear(&sa);
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	tu_addr(from, h.src);
	tu_addr(B_ADDR, h.dst);
	h.nh = IP6P_UDP;
	h.hlim = 64;
	h.plen = (uint16_t)(8 + len);
	ip6_hdr_write(pkt, &h);
	uint8_t *u = pkt + 40;
	m6_put16(u, sport);
	m6_put16(u + 2, 500);
	m6_put16(u + 4, (uint16_t)(8 + len));
	m6_put16(u + 6, 0);
	uint16_t ck = m6_csum_ip6(h.src, h.dst, IP6P_UDP, u, 8 + len);
	m6_put16(u + 6, ck ? ck : 0xffff);
	node_input(nb, 0, pkt, 48 + len, now);
}

/* The same from UDP 500 (a flood of spoofed half-open SAs). */
static void spoofed_init(const char *from, uint32_t seed)
{
	spoofed_init_port(from, seed, 500);
	pump();
}

/* The pair again, the home agent's key manager demanding COOKIEs from
 * `threshold` half-open IKE SAs on (its PSK from the PAD only). */
static void ha_km_with_cookies(unsigned threshold)
{
	struct ike_km_cfg c;
	char err[128];
	setup_pair(A_ADDR, "mn@example.com");
	ike_km_free(kb);
	base_cfg(&c, false, "ha@example.com");
	c.psk_len = 0;
	c.cookie_threshold = threshold;
	assert_non_null(kb = ike_km_new(&c, err, sizeof(err)));
	ike_km_attach(kb, nb);
}

/* RFC 7296 2.11: a responder MUST accept a request whose source port is
 * not 500 or 4500, answer it to the address and port it came from, from
 * the address and port it came to. B answered an IKE_SA_INIT from port
 * 50000 to port 500 (its SA, KE, Nr: a half-open SA) and so the same port
 * again when under load (N(COOKIE), stateless). */
static void test_response_to_request_port(void **s)
{
	(void)s;
	ha_km_with_cookies(1);
	static struct node_out o;
	for (uint32_t i = 0; i < 2; i++) {
		spoofed_init_port("2001:db8:5::101", 1 + i, 50000);
		assert_true(node_output(nb, &o, now));
		assert_int_equal(o.pkt[6], IP6P_UDP);
		uint8_t want[16];
		tu_addr("2001:db8:5::101", want);
		assert_memory_equal(o.pkt + 24, want, 16);
		assert_int_equal(m6_get16(o.pkt + 40), 500);
		assert_int_equal(m6_get16(o.pkt + 42), 50000);
		const uint8_t *ike = o.pkt + 48;
		assert_int_equal(ike[18], IKE_SA_INIT);
		assert_true(ike[19] & IKE_FLAG_R);
		/* the first: SA (a half-open SA); the second: N(COOKIE) */
		assert_int_equal(ike[16], i == 0 ? IKE_PL_SA : IKE_PL_N);
		assert_false(node_output(nb, &o, now));
	}
	assert_int_equal(ike_km_stats(kb)->cookies_sent, 1);
}

/* IKE-06: B demands cookies from two half-open SAs on; a flood of spoofed
 * IKE_SA_INIT requests fills them and the next ones get N(COOKIE) and no
 * state; A's request gets a COOKIE too, A retries with it and gets in. */
static void test_cookies_under_load(void **s)
{
	(void)s;
	ha_km_with_cookies(2);
	spoofed_init("2001:db8:5::101", 1);
	spoofed_init("2001:db8:5::102", 2);
	assert_int_equal(ike_km_stats(kb)->cookies_sent, 0);
	spoofed_init("2001:db8:5::103", 3);
	spoofed_init("2001:db8:5::104", 4);
	assert_int_equal(ike_km_stats(kb)->cookies_sent, 2);
	send_mh();
	assert_int_equal(ike_km_stats(kb)->cookies_sent, 3);
	assert_int_equal(ike_km_stats(ka)->established, 1);
	assert_int_equal(ike_km_stats(kb)->established, 1);
	assert_int_equal(ike_km_stats(kb)->sa_installed, 2);
	/* the spoofed ones are forgotten after 30 s: no cookies needed then */
	advance(31 * S);
	spoofed_init("2001:db8:5::105", 5);
	assert_int_equal(ike_km_stats(kb)->cookies_sent, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_acquire_runs_ike_and_installs, teardown),
		cmocka_unit_test_teardown(test_pad_refuses_foreign_home_address, teardown),
		cmocka_unit_test_teardown(test_retransmission, teardown),
		cmocka_unit_test_teardown(test_soft_expiry_rekeys, teardown),
		cmocka_unit_test_teardown(test_crossing_child_rekeys, teardown),
		cmocka_unit_test_teardown(test_ike_rekey, teardown),
		cmocka_unit_test_teardown(test_crossing_ike_rekeys, teardown),
		cmocka_unit_test_teardown(test_liveness_and_dead_peer, teardown),
		cmocka_unit_test_teardown(test_dead_peer_schedule, teardown),
		cmocka_unit_test_teardown(test_cookies_under_load, teardown),
		cmocka_unit_test_teardown(test_response_to_request_port, teardown),
		cmocka_unit_test_teardown(test_certificates, teardown),
		cmocka_unit_test_teardown(test_fragments, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
