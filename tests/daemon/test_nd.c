/*
 * Neighbor Discovery of mip6secd's wire side (src/daemon/nd.c) against a
 * fake link: what it sends (captured with the MAC it was sent to), what it
 * answers, what it learns, and what it drops and counts (RFC 4861).
 */
#include "tu.h"

#include "nd.h"

#define CAP 16

struct sent {
	unsigned ifx;
	uint8_t mac[6];
	size_t len;
	uint8_t pkt[256];
};

static struct sent out[CAP];
static unsigned n_out;
static uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static uint8_t own_addr[16], proxied[16];

static void xmit(void *ctx, unsigned ifx, const uint8_t mac[6], const uint8_t *pkt, size_t len)
{
	(void)ctx;
	assert_true(n_out < CAP);
	struct sent *s = &out[n_out++];
	s->ifx = ifx;
	memcpy(s->mac, mac, 6);
	s->len = len < sizeof(s->pkt) ? len : sizeof(s->pkt);
	memcpy(s->pkt, pkt, s->len);
}

static const uint8_t *mac_of(void *ctx, unsigned ifx)
{
	(void)ctx;
	(void)ifx;
	return our_mac;
}

static enum nd_target target(void *ctx, unsigned ifx, const uint8_t a[16])
{
	(void)ctx;
	(void)ifx;
	if (!memcmp(a, own_addr, 16))
		return ND_OWN;
	if (!memcmp(a, proxied, 16))
		return ND_PROXY;
	return ND_NOT_OURS;
}

static struct nd *setup_nd(void)
{
	n_out = 0;
	ip6_addr_parse(TU_COA, own_addr);
	ip6_addr_parse(TU_HOA, proxied);
	struct nd_ops ops = { .xmit = xmit, .mac = mac_of, .target = target, .router = false };
	struct nd *nd = nd_new(&ops);
	assert_non_null(nd);
	return nd;
}

/* An ICMPv6 ND message from src to dst with the body given in hex
 * (checksum filled in), hop limit 255 unless told. */
static size_t nd_msg(uint8_t *p, const char *src, const char *dst, const char *body_hex, uint8_t hlim)
{
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	ip6_addr_parse(src, h.src);
	ip6_addr_parse(dst, h.dst);
	h.nh = 58;
	h.hlim = hlim;
	size_t n = tu_hex(body_hex, p + 40, 200);
	h.plen = (uint16_t)n;
	ip6_hdr_write(p, &h);
	m6_put16(p + 42, 0);
	m6_put16(p + 42, m6_csum_ip6(h.src, h.dst, 58, p + 40, n));
	return 40 + n;
}

static const char na_router_hex[] = "88 00 0000 e0000000 20010db8000200000000000000000001 0201 020000000002";

static void test_resolve_then_send(void **state)
{
	(void)state;
	struct nd *nd = setup_nd();
	uint8_t nh[16], pkt[256] = { 0x60 }, a[256];
	ip6_addr_parse("2001:db8:2::1", nh);
	nd_output(nd, 0, nh, pkt, 60, 1000);
	/* RFC 4861 7.2.2: a multicast solicitation to the solicited-node group */
	assert_int_equal(n_out, 1);
	assert_int_equal(out[0].pkt[40], 135);
	assert_int_equal(out[0].mac[0], 0x33);
	assert_int_equal(out[0].mac[2], 0xff);
	assert_int_equal(out[0].mac[5], 0x01);
	assert_int_equal(out[0].pkt[7], 255);
	assert_memory_equal(out[0].pkt + 48, nh, 16);
	/* the answer (solicited, override, TLLA) releases the waiting packet */
	size_t n = nd_msg(a, "2001:db8:2::1", "fe80::1", na_router_hex, 255);
	assert_true(nd_input(nd, 0, a, n, peer_mac, 2000));
	assert_int_equal(n_out, 2);
	assert_memory_equal(out[1].mac, peer_mac, 6);
	assert_int_equal(out[1].len, 60);
	/* and the next one goes at once */
	nd_output(nd, 0, nh, pkt, 60, 3000);
	assert_int_equal(n_out, 3);
	assert_memory_equal(out[2].mac, peer_mac, 6);
	assert_int_equal(nd_stats(nd)->resolved, 1);
	nd_free(nd);
}

static void test_unanswered_solicitations_drop(void **state)
{
	(void)state;
	struct nd *nd = setup_nd();
	uint8_t nh[16], pkt[64] = { 0x60 };
	ip6_addr_parse("2001:db8:2::77", nh);
	nd_output(nd, 0, nh, pkt, 64, 0);
	nd_output(nd, 0, nh, pkt, 64, 1);
	/* MAX_MULTICAST_SOLICIT (3) solicitations a RETRANS_TIMER apart */
	for (uint64_t t = ND_RETRANS_NS; t <= 4 * ND_RETRANS_NS; t += ND_RETRANS_NS)
		nd_on_timer(nd, t);
	assert_int_equal(n_out, 3);
	assert_int_equal(nd_stats(nd)->unresolved_drops, 2);
	assert_int_equal(nd_next_expiry(nd), UINT64_MAX);
	nd_free(nd);
}

static void test_answers_for_own_and_proxied(void **state)
{
	(void)state;
	struct nd *nd = setup_nd();
	uint8_t a[256];
	/* NS for our address with the sender's SLLA: a solicited NA, unicast
	 * to that MAC, from the target itself */
	size_t n = nd_msg(a, "fe80::2", "ff02::1:ff00:100",
			  "87 00 0000 00000000 20010db8000200000000000000000100 0101 020000000002", 255);
	assert_false(nd_input(nd, 0, a, n, peer_mac, 10));
	assert_int_equal(n_out, 1);
	assert_int_equal(out[0].pkt[40], 136);
	assert_int_equal(out[0].pkt[44] & 0x60, 0x60);           /* S and O */
	assert_memory_equal(out[0].mac, peer_mac, 6);
	assert_memory_equal(out[0].pkt + 8, own_addr, 16);
	assert_memory_equal(out[0].pkt + 66, our_mac, 6);         /* TLLA */
	/* a DAD probe (from ::, no SLLA) for a proxied home address: to all
	 * nodes, not solicited, from our link-local address */
	n = nd_msg(a, "::", "ff02::1:ff00:100", "87 00 0000 00000000 20010db8000100000000000000000100", 255);
	nd_input(nd, 0, a, n, peer_mac, 20);
	assert_int_equal(n_out, 2);
	assert_int_equal(out[1].pkt[44] & 0x40, 0);
	assert_int_equal(out[1].mac[0], 0x33);
	assert_int_equal(out[1].pkt[39], 1);                      /* ff02::1 */
	assert_int_equal(out[1].pkt[8], 0xfe);
	/* somebody else's address: silence */
	n = nd_msg(a, "fe80::2", "ff02::1:ff00:5", "87 00 0000 00000000 20010db8000200000000000000000005", 255);
	nd_input(nd, 0, a, n, peer_mac, 30);
	assert_int_equal(n_out, 2);
	nd_free(nd);
}

static void test_invalid_messages(void **state)
{
	(void)state;
	struct nd *nd = setup_nd();
	uint8_t a[256];
	/* hop limit 64: not from this link (RFC 4861 7.1.1) */
	size_t n = nd_msg(a, "fe80::2", "ff02::1:ff00:100",
			  "87 00 0000 00000000 20010db8000200000000000000000100", 64);
	nd_input(nd, 0, a, n, peer_mac, 10);
	/* a bad checksum */
	n = nd_msg(a, "fe80::2", "ff02::1:ff00:100", "87 00 0000 00000000 20010db8000200000000000000000100", 255);
	a[43] ^= 1;
	nd_input(nd, 0, a, n, peer_mac, 10);
	/* a multicast target */
	n = nd_msg(a, "fe80::2", "ff02::1:ff00:100", "87 00 0000 00000000 ff020000000000000000000000000001", 255);
	nd_input(nd, 0, a, n, peer_mac, 10);
	assert_int_equal(n_out, 0);
	assert_int_equal(nd_stats(nd)->nd_invalid, 3);
	nd_free(nd);
}

static void test_router_advertisement(void **state)
{
	(void)state;
	struct nd *nd = setup_nd();
	uint8_t a[256], r[16], dst[16];
	/* RA: lifetime 30 s, SLLA, PIO 2001:db8:2::/64 with L and A */
	size_t n = nd_msg(a, "fe80::1", "ff02::1",
			  "86 00 0000 40 00 001e 00000000 00000000 0101 020000000002 "
			  "0304 40c0 00015180 00003840 00000000 20010db8000200000000000000000000", 255);
	assert_true(nd_input(nd, 0, a, n, peer_mac, 5));
	assert_true(nd_router(nd, 0, 10, r));
	assert_int_equal(r[0], 0xfe);
	ip6_addr_parse("2001:db8:2::55", dst);
	assert_true(nd_onlink(nd, 0, dst, 10));
	ip6_addr_parse("2001:db8:4::1", dst);
	assert_false(nd_onlink(nd, 0, dst, 10));
	/* its lifetime ends, and a link change forgets it at once */
	assert_false(nd_router(nd, 0, 31000000000ull, r));
	nd_link(nd, 0, true, 40);
	assert_false(nd_router(nd, 0, 41, r));
	ip6_addr_parse("2001:db8:2::55", dst);
	assert_false(nd_onlink(nd, 0, dst, 41));
	assert_int_equal(nd_stats(nd)->rs_out, 1);                /* solicited on link up */
	assert_int_equal(out[n_out - 1].pkt[40], 133);
	/* a move behind the same interface with no link event: the newest
	 * router's prefix stays on-link, the old router's goes, and so does
	 * its router */
	n = nd_msg(a, "fe80::1", "ff02::1",
		   "86 00 0000 40 00 001e 00000000 00000000 "
		   "0304 40c0 00015180 00003840 00000000 20010db8000100000000000000000000", 255);
	nd_input(nd, 0, a, n, peer_mac, 42);
	n = nd_msg(a, "fe80::2", "ff02::1",
		   "86 00 0000 40 00 001e 00000000 00000000 "
		   "0304 40c0 00015180 00003840 00000000 20010db8000200000000000000000000", 255);
	nd_input(nd, 0, a, n, peer_mac, 43);
	ip6_addr_parse("2001:db8:1::1", dst);
	assert_true(nd_onlink(nd, 0, dst, 44));
	nd_moved(nd, 0);
	assert_false(nd_onlink(nd, 0, dst, 44));
	ip6_addr_parse("2001:db8:2::55", dst);
	assert_true(nd_onlink(nd, 0, dst, 44));
	assert_true(nd_router(nd, 0, 44, r));
	ip6_addr_parse("fe80::2", dst);
	assert_memory_equal(r, dst, 16);
	assert_int_equal(nd_stats(nd)->moved_forgotten, 2);
	nd_link(nd, 0, false, 45);
	/* an RA from a global address is not a router's (RFC 4861 6.1.2) */
	n = nd_msg(a, "2001:db8:2::1", "ff02::1", "86 00 0000 40 00 001e 00000000 00000000", 255);
	nd_input(nd, 0, a, n, peer_mac, 50);
	assert_false(nd_router(nd, 0, 51, r));
	nd_free(nd);
}

static void test_unicast_probe_confirmation(void **state)
{
	(void)state;
	struct nd *nd = setup_nd();
	uint8_t nh[16], pkt[64] = { 0x60 }, a[256];
	ip6_addr_parse("2001:db8:2::1", nh);
	nd_output(nd, 0, nh, pkt, 64, 0);
	size_t n = nd_msg(a, "2001:db8:2::1", "fe80::1", na_router_hex, 255);
	nd_input(nd, 0, a, n, peer_mac, 1);
	/* stale after REACHABLE_TIME: used, and probed by unicast */
	n_out = 0;
	nd_output(nd, 0, nh, pkt, 64, ND_REACHABLE_NS + 10);
	assert_int_equal(n_out, 2);
	assert_int_equal(out[0].pkt[40], 135);
	assert_memory_equal(out[0].mac, peer_mac, 6);
	/* a solicited NA without TLLA (what Linux answers to unicast) confirms */
	n = nd_msg(a, "2001:db8:2::1", "fe80::1", "88 00 0000 c0000000 20010db8000200000000000000000001", 255);
	nd_input(nd, 0, a, n, peer_mac, ND_REACHABLE_NS + 20);
	nd_on_timer(nd, ND_REACHABLE_NS + 5 * ND_RETRANS_NS);
	assert_int_equal(nd_stats(nd)->probes_failed, 0);
	nd_free(nd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_then_send),
		cmocka_unit_test(test_unanswered_solicitations_drop),
		cmocka_unit_test(test_answers_for_own_and_proxied),
		cmocka_unit_test(test_invalid_messages),
		cmocka_unit_test(test_router_advertisement),
		cmocka_unit_test(test_unicast_probe_confirmation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
