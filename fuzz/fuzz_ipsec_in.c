/*
 * fuzz_ipsec_in — libFuzzer harness for IPsec inbound processing: the
 * bump-in-the-stack input pipeline (bits_input(), src/core/ipsec/bits.c)
 * and, directly, esp_open() / ah_verify() at the offsets the walker finds.
 *
 * Two home agents are configured once (keyconf_load_string): HA0 in the
 * normalising model, HA1 in the true-address model, each with the inbound
 * SAs of the profiles below (ESP transport aes-cbc + HMAC and null + HMAC,
 * ESP tunnel, AH transport, AH tunnel with anti-replay, ESP with anti-replay
 * and ESN, ESP in UDP (ports 4500), ESP with packet / time lifetimes), the
 * PAD entries of two mobile nodes and a bypass rule for the rest. For each
 * profile a sender configuration holds the matching outbound SA (same SPI
 * and keys) under a single "protect everything" policy. Every SA and the
 * pipelines' counters are restored to their configured state before each
 * input, so an input's outcome never depends on the ones before it.
 *
 * Input: if the first octet is 0xA0..0xAF the input describes authentic
 * traffic (below); otherwise it is one packet as received (raw mode), given
 * to both home agents and to esp_open()/ah_verify() with every inbound SA.
 *
 * Authentic mode (fields past the end of the input read as 0):
 *   0       0xA0 | profile (low nibble, modulo the number of profiles)
 *   1       flags: bits 0-1 HAO: none, the peer's home address, the other
 *           mobile node's, 2001:db8:9::1 (nobody's); bit 2 source = the
 *           peer's home address instead of its care-of address; bits 3-4
 *           upper layer: MH, ICMPv6, UDP, raw (Next Header = octet 2);
 *           bit 5 mutate one octet of one delivery after sealing; bit 6
 *           the receivers' `forwarded` argument; bit 7 now = 45 s instead
 *           of 0 (past the lifetime profile's soft time limit)
 *   2       MH type / ICMPv6 type / (UDP: unused) / raw Next Header
 *   3       bits 0-1 packets sealed - 1; bits 2-3 which delivery is
 *           mutated; bits 4-5 extra deliveries (replays); bit 6 the peer
 *           forges the first packet's ESP trailer: it changes octet
 *           (22-23 modulo up to 18) from the end of the plaintext (Next
 *           Header, Pad Length, padding, payload) by XOR with octet 24,
 *           and encrypts and authenticates it again
 *   4-5     delivery order: 2 bits per delivery, the sealed packet's index
 *   6-13    the sender's sequence counter before sealing (big endian;
 *           the low 32 bits only for SAs without ESN)
 *   14-21   the receivers' replay window top before the first delivery
 *           (0: fresh; the low 32 bits only without ESN)
 *   22-23   the mutated octet's position (modulo the packet length)
 *   24      XOR mask for it (0 counts as 0x01)
 *   25-     upper-layer payload: MH message data after the 6-octet header
 *           (Payload Proto 59, Header Len and checksum are filled in),
 *           ICMPv6 body after type/code/checksum, UDP ports + data (the
 *           checksum is filled in), or raw octets
 * The clear packet is built from that, protected by the sender's
 * bits_output() and delivered (copied fresh each time) to both receivers.
 * With FUZZ_IPSEC_IN_VERBOSE set in the environment every outcome is
 * printed (to see what a seed reaches: `FUZZ_IPSEC_IN_VERBOSE=1
 * fuzz_ipsec_in fuzz/seeds/ipsec_in/auth-*`).
 *
 * Besides what the sanitizers catch (leaks included), it aborts when:
 *  - a packet bits_input() accepts does not walk cleanly afterwards, grew,
 *    or (when no SA was applied) was changed or let in by a non-bypass rule;
 *  - bits_input()'s return value, result and drop/pass counters disagree;
 *  - the sender's bits_output() fails to seal a well-formed authentic
 *    packet (MH, ICMPv6, UDP) for another reason than M6_E_SEQ_OVERFLOW;
 *  - a delivery whose octet was mutated after sealing, in a part the ICV
 *    covers (ESP: from the ESP header on; AH: everything except Traffic
 *    Class, Flow Label, Hop Limit, Segments Left of a Routing header and
 *    the data of options with the change bit), is accepted through an SA;
 *  - an unmutated authentic packet fails its ICV, padding or length checks
 *    (when the receiver infers the sequence number the sender used), or is
 *    accepted through an SA but is not exactly the clear packet that was
 *    sealed; esp_open()/ah_verify() with the right SA refuse it;
 *  - a forged trailer whose padding octets were changed is not refused
 *    with M6_E_ESP_PAD (ESP-05), by bits_input() and by esp_open();
 *  - esp_open() fails with M6_E_TRUNC, M6_E_ESP_LEN, M6_E_ICV or M6_E_INVAL
 *    but changed the packet, or succeeds without removing header and trailer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyconf.h"
#include "ipsec/ah.h"
#include "ipsec/bits.h"
#include "ipsec/esp.h"
#include "ipsec/replay.h"
#include "ipsec/sad.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "pkt/pbuf.h"
#include "util/m6_bytes.h"

#define HA "2001:db8:1::1"
#define HOA_A "2001:db8:1::100"
#define HOA_B "2001:db8:1::200"
#define COA_A "2001:db8:2::100"
#define COA_B "2001:db8:3::200"
#define NOBODY "2001:db8:9::1"

#define K16A "\"000102030405060708090a0b0c0d0e0f\""
#define K16B "\"f0e0d0c0b0a090807060504030201000\""
#define K20A "\"0102030405060708090a0b0c0d0e0f1011121314\""
#define K20B "\"a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4\""
#define K32A "\"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\""
#define K32B "\"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\""
#define K64A "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\""

#define HDR_LEN 25
#define PAYLOAD_MAX 1200
#define ROOM 256                 /* head- and tailroom of every packet buffer */
#define BUF_LEN (2 * ROOM + 65536 + 64)
#define NPKT_MAX 4
#define NDELIV_MAX 8
#define NSA_MAX 16
#define SEALED_MAX (PAYLOAD_MAX + 512)

static void violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_ipsec_in: invariant violated at line %d: %s\n", line, what);
	abort();
}
#define CHECK(c) do { if (!(c)) violated(#c, __LINE__); } while (0)

/* One SA pair: inbound on both home agents, outbound on its sender. */
struct profile {
	uint32_t spi;
	bool ah, tunnel, esn, udp;
	int peer;                  /* 0: mobile node A, 1: mobile node B */
	const char *policy;        /* the home agents' inbound policy */
	const char *crypto;
	const char *both;          /* settings of both ends */
	const char *rx_only;       /* settings of the receiving end only */
};

static const struct profile profiles[] = {
	{ 0x1001, false, false, false, false, 0, "bu-in-a",
	  "enc = \"aes-cbc\"; enc_key = " K16A "; auth = \"hmac-sha256-128\"; auth_key = " K32A ";", "", "" },
	{ 0x1002, false, false, false, false, 0, "icmp-in-a",
	  "enc = \"null\"; auth = \"hmac-sha1-96\"; auth_key = " K20A ";", "", "" },
	{ 0x1003, false, true, false, false, 0, "tun-in-a",
	  "enc = \"aes-cbc\"; enc_key = " K32B "; auth = \"hmac-sha512-256\"; auth_key = " K64A ";", "", "" },
	{ 0x1004, true, true, false, false, 0, "ahtun-in-a",
	  "enc = \"null\"; auth = \"hmac-sha1-96\"; auth_key = " K20B ";", "replay = true; replay_window = 64;", "" },
	{ 0x2001, true, false, false, false, 1, "bu-in-b",
	  "enc = \"null\"; auth = \"hmac-sha256-128\"; auth_key = " K32B ";", "", "" },
	{ 0x2002, false, false, true, false, 1, "mh-in-b",
	  "enc = \"aes-cbc\"; enc_key = " K16B "; auth = \"hmac-sha256-128\"; auth_key = " K32A ";",
	  "replay = true; esn = true; replay_window = 32;", "" },
	{ 0x2003, false, false, false, true, 1, "natt-in-b",
	  "enc = \"aes-cbc\"; enc_key = " K16A "; auth = \"hmac-sha256-128\"; auth_key = " K32B ";",
	  "encap_sport = 4500; encap_dport = 4500;", "" },
	{ 0x1005, false, false, false, false, 0, "udp-in-a",
	  "enc = \"null\"; auth = \"hmac-sha512-256\"; auth_key = " K64A ";", "",
	  "lifetime = { soft_packets = 2; hard_packets = 3; soft_seconds = 30; hard_seconds = 60; };" },
};
#define NPROF (sizeof(profiles) / sizeof(profiles[0]))

struct node {
	struct keyconf kc;
	struct bits b;
	size_t n_sa;
	struct ipsec_sa *sa[NSA_MAX];
	struct ipsec_sa snap[NSA_MAX];
};

static struct node ha[2];              /* 0: normalising model, 1: true-address model */
static struct node snd[NPROF];
static struct ipsec_sa *snd_sa[NPROF];
static uint8_t a_ha[16], a_hoa[2][16], a_coa[2][16], a_nobody[16];
static uint8_t *bufmem;                /* BUF_LEN octets for building and delivering */
static bool verbose;                   /* FUZZ_IPSEC_IN_VERBOSE set: print each outcome */

static void node_load(struct node *n, const char *text)
{
	char err[512];
	if (keyconf_load_string(text, &n->kc, err, sizeof(err))) {
		fprintf(stderr, "fuzz_ipsec_in: config: %s\n%s\n", err, text);
		abort();
	}
	n->n_sa = 0;
	for (size_t i = 0; i < sad_capacity(n->kc.sad); i++) {
		struct ipsec_sa *sa = sad_slot(n->kc.sad, i);
		if (!sa)
			continue;
		if (n->n_sa == NSA_MAX)
			abort();
		n->sa[n->n_sa] = sa;
		n->snap[n->n_sa++] = *sa;
	}
	bits_init(&n->b, &n->kc.bits, n->kc.spd, n->kc.sad, n->kc.pad);
}

/* Back to the state right after loading (SA counters, replay windows,
 * lifetimes, the pipeline's counters and event queue). The transforms'
 * contexts are shared with the snapshot and keep no per-packet state. */
static void node_reset(struct node *n)
{
	for (size_t i = 0; i < n->n_sa; i++)
		*n->sa[i] = n->snap[i];
	bits_fini(&n->b);
	bits_init(&n->b, &n->kc.bits, n->kc.spd, n->kc.sad, n->kc.pad);
}

static void load_home_agent(struct node *n, bool true_addr)
{
	static char cfg[16384];
	const char *a = true_addr ? COA_A : HOA_A, *b = true_addr ? COA_B : HOA_B;
	int k = snprintf(cfg, sizeof(cfg),
		"node = { model = \"%s\"; };\n"
		"pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"" HOA_A "\" ]; },\n"
		"        { id = \"mn-b@example.com\"; home_addresses = [ \"" HOA_B "\" ]; } );\n"
		"spd = (\n"
		"{ name = \"bu-in-a\"; dir = \"in\"; order = 10; local = \"" HA "\"; remote = \"%s\";"
		"  proto = \"mh\"; mh_type = \"bu\"; },\n"
		"{ name = \"icmp-in-a\"; dir = \"in\"; order = 20; local = \"" HA "\"; remote = \"%s\"; proto = \"icmpv6\"; },\n"
		"{ name = \"tun-in-a\"; dir = \"in\"; order = 30; mode = \"tunnel\"; },\n"
		"{ name = \"ahtun-in-a\"; dir = \"in\"; order = 35; remote = \"2001:db8:1::/64\"; ipsec = \"ah\"; mode = \"tunnel\"; },\n"
		"{ name = \"bu-in-b\"; dir = \"in\"; order = 40; local = \"" HA "\"; remote = \"%s\";"
		"  proto = \"mh\"; mh_type = \"bu\"; ipsec = \"ah\"; },\n"
		"{ name = \"mh-in-b\"; dir = \"in\"; order = 50; local = \"" HA "\"; remote = \"%s\"; proto = \"mh\"; },\n"
		"{ name = \"natt-in-b\"; dir = \"in\"; order = 60; local = \"" HA "\"; remote = \"%s\"; },\n"
		"{ name = \"udp-in-a\"; dir = \"in\"; order = 70; local = \"" HA "\"; remote = \"%s\"; proto = \"udp\"; },\n"
		"{ name = \"mh-in\"; dir = \"in\"; order = 500; proto = \"mh\"; action = \"discard\"; },\n"
		"{ name = \"rest-out\"; dir = \"out\"; order = 9000; action = \"bypass\"; },\n"
		"{ name = \"rest-in\"; dir = \"in\"; order = 9000; action = \"bypass\"; }\n"
		");\nsa = (\n",
		true_addr ? "true-address" : "normalise", a, a, b, b, b, a);
	for (size_t i = 0; i < NPROF; i++) {
		const struct profile *p = &profiles[i];
		const char *peer_addr = p->tunnel ? (p->peer ? COA_B : COA_A) : (p->peer ? b : a);
		k += snprintf(cfg + k, sizeof(cfg) - (size_t)k,
			"%s{ spi = 0x%x; policy = \"%s\"; src = \"%s\"; dst = \"" HA "\"; peer = \"%s\"; %s %s %s }\n",
			i ? "," : "", p->spi, p->policy, peer_addr, p->peer ? "mn-b@example.com" : "mn-a@example.com",
			p->crypto, p->both, p->rx_only);
	}
	snprintf(cfg + k, sizeof(cfg) - (size_t)k, ");\n");
	node_load(n, cfg);
}

static void load_sender(size_t i)
{
	char cfg[4096];
	const struct profile *p = &profiles[i];
	snprintf(cfg, sizeof(cfg),
		"node = { model = \"normalise\"; };\n"
		"spd = ( { name = \"out\"; dir = \"out\"; order = 10; ipsec = \"%s\"; mode = \"%s\"; } );\n"
		"sa = ( { spi = 0x%x; policy = \"out\"; src = \"%s\"; dst = \"" HA "\"; %s %s } );\n",
		p->ah ? "ah" : "esp", p->tunnel ? "tunnel" : "transport", p->spi, p->peer ? COA_B : COA_A,
		p->crypto, p->both);
	node_load(&snd[i], cfg);
	snd_sa[i] = sad_lookup_out(snd[i].kc.sad, spd_at(snd[i].kc.spd, SPD_OUT, 0)->id);
	if (!snd_sa[i])
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (ip6_addr_parse(HA, a_ha) || ip6_addr_parse(HOA_A, a_hoa[0]) || ip6_addr_parse(HOA_B, a_hoa[1]) ||
	    ip6_addr_parse(COA_A, a_coa[0]) || ip6_addr_parse(COA_B, a_coa[1]) ||
	    ip6_addr_parse(NOBODY, a_nobody))
		abort();
	load_home_agent(&ha[0], false);
	load_home_agent(&ha[1], true);
	for (size_t i = 0; i < NPROF; i++) {
		load_sender(i);
		for (int h = 0; h < 2; h++)
			if (!sad_lookup_in(ha[h].kc.sad, profiles[i].spi, profiles[i].ah ? IP6P_AH : IP6P_ESP))
				abort();
	}
	if (!(bufmem = malloc(BUF_LEN)))
		abort();
	verbose = getenv("FUZZ_IPSEC_IN_VERBOSE") != NULL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* esp_open() / ah_verify() at the walker's offsets, with every inbound SA */

/* What a delivery is. */
struct expect {
	bool authentic;            /* a packet the harness sealed */
	bool mutated, covered;     /* mutated after sealing; in a part the ICV covers */
	bool forged, pad_forged;   /* trailer rewritten and sealed again by the peer;
				      one of its padding octets changed */
	uint32_t spi;              /* authentic: the SA it was sealed with */
	uint64_t seq;              /* authentic: the sequence number it was sealed with */
	const uint8_t *clear;      /* authentic: what was sealed */
	size_t clear_len;
};

/* For an authentic packet that was not mutated, esp_open()/ah_verify()
 * with its SA must succeed (or, for a forged trailer, fail on the padding
 * when a padding octet was changed). */
static void direct(const uint8_t *pkt, size_t len, const struct expect *x)
{
	uint32_t want_spi = x->authentic && !x->mutated ? x->spi : 0;
	uint64_t want_seq = x->seq;
	struct ip6_walk w;
	int wrc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	if (wrc == M6_E_TRUNC || wrc == M6_E_IP6_VERSION)
		return;
	size_t esp_off = 0;
	if (w.proto == IP6P_ESP)
		esp_off = w.proto_off;
	else if (w.proto == IP6P_UDP && w.proto_off + 16 <= len && m6_get16(pkt + w.proto_off + 2) == 4500)
		esp_off = w.proto_off + 8;
	uint32_t hi = (uint32_t)(want_seq >> 32);
	const struct node *n = &ha[0];
	for (size_t i = 0; i < n->n_sa; i++) {
		const struct ipsec_sa *sa = n->sa[i];
		if (!sa->inbound)
			continue;
		bool mine = want_spi && sa->spi == want_spi;
		if (sa->proto == IP6P_ESP && esp_off && esp_off + 8 <= len) {
			/* an exact-size copy, so ASan sees any access past the packet */
			uint8_t *mem = malloc(len), nh = 0;
			struct pbuf pb;
			if (!mem || pbuf_init(&pb, mem, len, 0) || pbuf_put(&pb, len, NULL))
				abort();
			memcpy(mem, pkt, len);
			uint64_t seq = m6_get32(pkt + esp_off + 4);
			if (sa->esn)
				seq |= (uint64_t)hi << 32;
			int rc = esp_open(&sa->xf, &pb, esp_off, seq, sa->esn, &nh);
			if (rc == M6_E_TRUNC || rc == M6_E_ESP_LEN || rc == M6_E_ICV || rc == M6_E_INVAL) {
				CHECK(pb.head == 0 && pb.len == len);
				CHECK(memcmp(mem, pkt, len) == 0);
			} else if (rc == 0) {
				CHECK(pb.len + esp_head_room(&sa->xf) + 2 + sa->xf.icv_len <= len);
				CHECK(memcmp(pbuf_data(&pb), pkt, esp_off) == 0);
			}
			if (mine && x->pad_forged)
				CHECK(rc == M6_E_ESP_PAD);
			else if (mine && x->forged)
				CHECK(rc == 0 || rc == M6_E_ESP_PAD);
			else if (mine)
				CHECK(rc == 0);
			free(mem);
		}
		if (sa->proto == IP6P_AH && w.ah_off >= 0) {
			size_t ao = (size_t)w.ah_off;
			uint8_t *mem = malloc(len);
			if (!mem)
				abort();
			memcpy(mem, pkt, len);
			uint64_t seq = ao + 12 <= len ? m6_get32(pkt + ao + 8) : 0;
			if (sa->esn)
				seq |= (uint64_t)hi << 32;
			int rc = ah_verify(&sa->xf, mem, len, ao, seq, sa->esn);
			if (mine)
				CHECK(rc == 0);
			CHECK(memcmp(mem, pkt, len) == 0);
			free(mem);
		}
	}
}

/* ------------------------------------------------------------------ */
/* bits_input() on one receiver */

static uint64_t outcomes(const struct bits *b)
{
	uint64_t t = b->st.in_protected + b->st.in_bypass;
	return t + b->st.drops_total;
}

static int receive(struct node *n, const struct profile *pr, const uint8_t *pkt, size_t len,
		   bool forwarded, uint64_t now, const struct expect *x)
{
	struct pbuf pb;
	struct bits_result r;
	uint8_t *p;
	/* Must the receiver get past the ICV? (it infers the sender's number) */
	bool must_verify = false;
	if (x->authentic && !x->mutated) {
		struct ipsec_sa *rx = sad_lookup_in(n->kc.sad, pr->spi, pr->ah ? IP6P_AH : IP6P_ESP);
		uint64_t inferred = x->seq;
		/* NULL once a lifetime has made it DEAD (then M6_E_SPI) */
		must_verify = rx && (!rx->replay_on ||
			      (replay_check(&rx->replay, (uint32_t)x->seq, &inferred) == 0 && inferred == x->seq));
	}
	if (pbuf_init(&pb, bufmem, BUF_LEN, ROOM) || pbuf_put(&pb, len, &p))
		abort();
	memcpy(p, pkt, len);
	uint64_t before = outcomes(&n->b);
	int rc = bits_input(&n->b, &pb, forwarded, now, &r);
	CHECK(rc <= 0);
	CHECK(r.reason == rc);
	CHECK(outcomes(&n->b) == before + 1);
	if (rc)
		CHECK(bits_drops(&n->b, rc) >= 1);
	if (verbose)
		fprintf(stderr, "fuzz_ipsec_in: HA%d %s%s%s seq %llu: %s%s (SA 0x%x)\n", (int)(n - ha),
			x->authentic ? "authentic" : "raw", x->forged ? (x->pad_forged ? " forged-pad" : " forged") : "",
			x->mutated ? (x->covered ? " mutated" : " mutated-mutable") : "",
			(unsigned long long)x->seq, rc ? "drop " : "pass", rc ? m6_errid(rc) : "",
			r.sa ? r.sa->spi : 0);
	if (must_verify) {
		CHECK(rc != M6_E_ICV && rc != M6_E_ESP_LEN && rc != M6_E_AH_LEN);
		CHECK(rc != M6_E_SPI && rc != M6_E_UDP_CKSUM && rc != M6_E_UDP_NOT_ESP && rc != M6_E_INVAL);
		CHECK(x->forged || rc != M6_E_ESP_PAD);
		/* ESP-05: the padding is checked */
		CHECK(!x->pad_forged || rc == M6_E_ESP_PAD);
	}
	if (rc == 0) {
		struct ip6_walk w;
		CHECK(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w) == 0);
		CHECK(pb.len <= len);
		if (r.sa) {
			CHECK(r.sa->inbound && sad_sa_usable(r.sa));
			/* the central property: no forgery gets through an SA */
			CHECK(!x->mutated || !x->covered);
			if (x->authentic && !x->mutated && !x->forged) {
				CHECK(r.sa->spi == pr->spi);
				CHECK(pb.len == x->clear_len);
				CHECK(memcmp(pbuf_data(&pb), x->clear, x->clear_len) == 0);
			}
		} else {
			CHECK(r.policy && r.policy->action == SPD_BYPASS);
			CHECK(pb.len == len && memcmp(pbuf_data(&pb), pkt, len) == 0);
		}
	}
	struct bits_event ev;
	while (bits_next_event(&n->b, &ev))
		CHECK(ev.type >= BITS_EV_ACQUIRE && ev.type <= BITS_EV_HARD_EXPIRE);
	return rc;
}

/* ------------------------------------------------------------------ */
/* authentic mode */

static uint8_t at(const uint8_t *d, size_t n, size_t i) { return i < n ? d[i] : 0; }

static uint64_t at64(const uint8_t *d, size_t n, size_t i)
{
	uint64_t v = 0;
	for (size_t k = 0; k < 8; k++)
		v = v << 8 | at(d, n, i + k);
	return v;
}

/* The clear packet of an authentic input; its length, or 0. */
static size_t build_clear(const struct profile *pr, const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	uint8_t flags = at(d, n, 1), type = at(d, n, 2);
	const uint8_t *pl = n > HDR_LEN ? d + HDR_LEN : NULL;
	size_t pn = n > HDR_LEN ? n - HDR_LEN : 0;
	if (pn > PAYLOAD_MAX)
		pn = PAYLOAD_MAX;
	const uint8_t *src = flags & 4 ? a_hoa[pr->peer] : a_coa[pr->peer], *hoa = NULL;
	switch (flags & 3) {
	case 1: hoa = a_hoa[pr->peer]; break;
	case 2: hoa = a_hoa[!pr->peer]; break;
	case 3: hoa = a_nobody; break;
	default: break;
	}
	const uint8_t *home = hoa ? hoa : src;

	static uint8_t up[PAYLOAD_MAX + 16];
	size_t ul = 0;
	uint8_t nh;
	memset(up, 0, sizeof(up));
	switch ((flags >> 3) & 3) {
	case 0:   /* Mobility Header: the payload is the message data */
		ul = 6 + pn < 8 ? 8 : (6 + pn + 7) & ~(size_t)7;
		up[0] = IP6P_NONE;
		up[1] = (uint8_t)(ul / 8 - 1);
		up[2] = type;
		if (pn)
			memcpy(up + 6, pl, pn);
		mh_set_checksum(up, ul, home, a_ha);
		nh = IP6P_MH;
		break;
	case 1:   /* ICMPv6 */
		up[0] = type;
		if (pn)
			memcpy(up + 4, pl, pn);
		ul = 4 + pn;
		m6_put16(up + 2, m6_csum_ip6(home, a_ha, IP6P_ICMPV6, up, ul));
		nh = IP6P_ICMPV6;
		break;
	case 2: { /* UDP: ports from the payload when it has them */
		uint16_t c;
		if (pn >= 4) {
			memcpy(up, pl, 4);
			memcpy(up + 8, pl + 4, pn - 4);
			ul = 8 + pn - 4;
		} else {
			m6_put16(up, 7);
			m6_put16(up + 2, 7);
			if (pn)
				memcpy(up + 8, pl, pn);
			ul = 8 + pn;
		}
		m6_put16(up + 4, (uint16_t)ul);
		c = m6_csum_ip6(home, a_ha, IP6P_UDP, up, ul);
		m6_put16(up + 6, c ? c : 0xffff);
		nh = IP6P_UDP;
		break;
	}
	default:  /* raw: the payload under Next Header = octet 2 */
		if (pn)
			memcpy(up, pl, pn);
		ul = pn;
		nh = type;
		break;
	}

	struct pbuf pb;
	struct ip6_hdr h;
	uint8_t *p;
	if (pbuf_init(&pb, bufmem, BUF_LEN, ROOM) || pbuf_put(&pb, IP6_HDR_LEN + ul, &p))
		abort();
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, a_ha, 16);
	h.nh = nh;
	h.hlim = 64;
	h.plen = (uint16_t)ul;
	ip6_hdr_write(p, &h);
	memcpy(p + IP6_HDR_LEN, up, ul);
	if (hoa && ip6_insert_hao(&pb, hoa))
		return 0;
	if (pb.len > cap)
		return 0;
	memcpy(out, pbuf_data(&pb), pb.len);
	return pb.len;
}

/* Which octets of a sealed packet the ICV covers (see the header comment). */
static void coverage(const struct profile *pr, const uint8_t *pkt, size_t len, bool *cov)
{
	struct ip6_walk w;
	ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	if (!pr->ah) {
		size_t from = w.proto_off + (pr->udp ? 8 : 0);
		for (size_t i = 0; i < len; i++)
			cov[i] = i >= from;
		return;
	}
	for (size_t i = 0; i < len; i++)
		cov[i] = true;
	cov[1] = cov[2] = cov[3] = cov[7] = false;   /* cov[0]: see mutate() */
	for (unsigned e = 0; e < w.n_ext && (int)w.ext[e].off < w.ah_off; e++) {
		size_t o = w.ext[e].off, end = o + w.ext[e].len;
		if (w.ext[e].proto == IP6P_ROUTING) {
			cov[o + 3] = false;
		} else if (w.ext[e].proto == IP6P_HBH || w.ext[e].proto == IP6P_DSTOPTS) {
			for (size_t k = o + 2; k < end;) {
				if (pkt[k] == IP6O_PAD1) {
					k++;
					continue;
				}
				if (k + 2 > end || k + 2 + pkt[k + 1] > end)
					break;
				if (pkt[k] & 0x20)
					for (size_t j = k + 2; j < k + 2 + pkt[k + 1]; j++)
						cov[j] = false;
				k += 2 + pkt[k + 1];
			}
		}
	}
}

/* The peer, which holds the keys, rewrites one of the last octets of the
 * plaintext of an ESP packet it sealed (k = mpos modulo up to 18 from the
 * end: 0 the Next Header, 1 the Pad Length, then the padding and the end of
 * the payload) and authenticates it again: an authentic packet with a
 * malformed trailer. False for AH. *pad: a padding octet was changed. */
static bool forge_trailer(const struct profile *pr, size_t pi, uint8_t *pkt, size_t len, uint64_t seq,
			  size_t mpos, uint8_t mask, bool *pad)
{
	struct ip6_walk w;
	const struct ipsec_sa *rx = NULL;
	if (pr->ah)
		return false;
	for (size_t i = 0; i < ha[0].n_sa; i++)
		if (ha[0].sa[i]->spi == pr->spi && ha[0].sa[i]->inbound)
			rx = ha[0].sa[i];
	ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	size_t off = w.proto_off + (pr->udp ? 8 : 0);
	const struct m6_xform *tx = &snd_sa[pi]->xf;
	size_t head = ESP_HDR_LEN + tx->iv_len;
	if (!rx || len < off + head + tx->icv_len + 2)
		return false;
	size_t body = len - off - head - tx->icv_len;
	uint8_t *h = pkt + off, *iv = h + ESP_HDR_LEN, *ct = iv + tx->iv_len;
	if (tx->enc == M6_ENC_AES_CBC && m6_xform_cbc(&rx->xf, iv, ct, body))
		abort();
	size_t span = body < 18 ? body : 18, k = mpos % span, padlen = ct[body - 2];
	*pad = k >= 2 && k < 2 + padlen;
	ct[body - 1 - k] ^= mask;
	if (tx->enc == M6_ENC_AES_CBC && m6_xform_cbc(tx, iv, ct, body))
		abort();
	struct m6_mac m;
	if (m6_xform_mac_begin(tx, &m))
		abort();
	m6_xform_mac_update(&m, h, head + body);
	if (pr->esn) {
		uint8_t hi[4];
		m6_put32(hi, (uint32_t)(seq >> 32));
		m6_xform_mac_update(&m, hi, sizeof(hi));
	}
	m6_xform_mac_final(&m, ct + body);
	if (pr->udp) {
		uint8_t src[16], dst[16], *u = pkt + w.proto_off;
		ip6_walk_pseudo(&w, pkt, src, dst);
		m6_put16(u + 6, 0);
		uint16_t c = m6_csum_ip6(src, dst, IP6P_UDP, u, len - w.proto_off);
		m6_put16(u + 6, c ? c : 0xffff);
	}
	return true;
}

static void authentic(const uint8_t *d, size_t n)
{
	const struct profile *pr = &profiles[(d[0] & 0x0f) % NPROF];
	size_t pi = (size_t)(pr - profiles);
	uint8_t flags = at(d, n, 1), b3 = at(d, n, 3);
	uint16_t order = (uint16_t)(at(d, n, 4) << 8 | at(d, n, 5));
	uint64_t seq0 = at64(d, n, 6), top = at64(d, n, 14);
	size_t mpos = (size_t)(at(d, n, 22) << 8 | at(d, n, 23));
	uint8_t mask = at(d, n, 24) ? at(d, n, 24) : 1;
	bool forwarded = flags & 0x40;
	uint64_t now = flags & 0x80 ? 45000000000ull : 0;
	if (!pr->esn) {
		seq0 &= 0xffffffff;
		top &= 0xffffffff;
	}

	static uint8_t clear[SEALED_MAX], sealed[NPKT_MAX][SEALED_MAX], work[SEALED_MAX];
	static bool cov[SEALED_MAX];
	size_t slen[NPKT_MAX];
	uint64_t sseq[NPKT_MAX];
	size_t clen = build_clear(pr, d, n, clear, sizeof(clear));
	if (!clen)
		return;

	/* Seal up to four packets with consecutive sequence numbers. */
	struct node *s = &snd[pi];
	node_reset(s);
	snd_sa[pi]->seq = seq0;
	unsigned npkt = 0, want = (b3 & 3) + 1u;
	for (; npkt < want; npkt++) {
		struct pbuf pb;
		struct bits_result r;
		uint8_t *p;
		if (pbuf_init(&pb, bufmem, BUF_LEN, ROOM) || pbuf_put(&pb, clen, &p))
			abort();
		memcpy(p, clear, clen);
		int rc = bits_output(&s->b, &pb, false, 0, &r);
		if (rc && verbose)
			fprintf(stderr, "fuzz_ipsec_in: sender of SA 0x%x: %s\n", pr->spi, m6_errid(rc));
		/* A well-formed MH / ICMPv6 / UDP packet is always sealed, until
		 * the counter would cycle; a raw upper layer may not walk. */
		if (((flags >> 3) & 3) != 3)
			CHECK(rc == 0 || rc == M6_E_SEQ_OVERFLOW);
		if (rc)
			break;
		CHECK(r.sa == snd_sa[pi]);
		CHECK(pb.len <= SEALED_MAX);
		memcpy(sealed[npkt], pbuf_data(&pb), pb.len);
		slen[npkt] = pb.len;
		sseq[npkt] = snd_sa[pi]->seq;
	}
	if (!npkt)
		return;
	bool forged = false, pad_forged = false;
	if (b3 & 0x40)
		forged = forge_trailer(pr, pi, sealed[0], slen[0], sseq[0], mpos, mask, &pad_forged);

	/* The receivers have seen traffic up to `top` already. */
	for (int h = 0; h < 2; h++) {
		struct ipsec_sa *rx = sad_lookup_in(ha[h].kc.sad, pr->spi, pr->ah ? IP6P_AH : IP6P_ESP);
		if (rx->replay_on && top)
			replay_update(&rx->replay, top);
	}

	unsigned ndeliv = npkt + ((b3 >> 4) & 3u), mutated = (flags & 0x20) ? ((b3 >> 2) & 3u) % ndeliv : ~0u;
	if (ndeliv > NDELIV_MAX)
		ndeliv = NDELIV_MAX;
	for (unsigned k = 0; k < ndeliv; k++) {
		unsigned idx = ((order >> (2 * k)) & 3u) % npkt;
		size_t len = slen[idx];
		struct expect x = { true, false, false, idx == 0 && forged, idx == 0 && pad_forged,
				    pr->spi, sseq[idx], clear, clen };
		memcpy(work, sealed[idx], len);
		if (k == mutated) {
			size_t pos = mpos % len;
			coverage(pr, sealed[idx], len, cov);
			x.mutated = true;
			/* octet 0: Version is covered, the Traffic Class half is not */
			x.covered = pos == 0 ? (mask & 0xf0) != 0 : cov[pos];
			work[pos] ^= mask;
		}
		direct(work, len, &x);
		for (int h = 0; h < 2; h++)
			receive(&ha[h], pr, work, len, forwarded, now, &x);
	}
}

/* ------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	node_reset(&ha[0]);
	node_reset(&ha[1]);
	if (size >= 1 && (data[0] & 0xf0) == 0xa0) {
		authentic(data, size);
		return 0;
	}
	if (size > 65536 + 64)
		return 0;
	/* raw mode: one packet as received */
	struct expect x = { false, false, false, false, false, 0, 0, NULL, 0 };
	uint8_t *exact = malloc(size ? size : 1);
	if (!exact)
		abort();
	if (size)
		memcpy(exact, data, size);
	direct(exact, size, &x);
	for (int h = 0; h < 2; h++)
		receive(&ha[h], &profiles[0], exact, size, false, 0, &x);
	free(exact);
	return 0;
}
