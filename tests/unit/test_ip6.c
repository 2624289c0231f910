/* IPv6 header, extension-header walker, HAO and RH2 (RFC 8200, RFC 6275 6.3-6.4, RFC 5095). */
#include "tu.h"

#define HOA_HEX "20010db8000100000000000000000100"
#define HAO_HDR(nh) nh " 02 01 02 00 00 c9 10 " HOA_HEX
#define BU_MH "3b 01 05 00 0000 0007 c000 0384 01 02 00 00"

static uint8_t pkt[4096];

static int walk(size_t len, unsigned flags, struct ip6_walk *w)
{
	return ip6_walk(pkt, len, flags, w);
}

/* HAO-01, HAO-02: IPv6 | DstOpt(HAO) | MH BU is accepted and the HAO found. */
static void test_hao_valid(void **s)
{
	(void)s;
	struct ip6_walk w;
	uint8_t hoa[16];
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS, HAO_HDR("87") BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.n_ext, 1);
	assert_int_equal(w.hao_off, 46);
	assert_true(w.hao_valid);
	assert_int_equal(w.proto, IP6P_MH);
	assert_int_equal(w.proto_off, 64);
	assert_int_equal(w.nh_field, 40);
	tu_addr(TU_HOA, hoa);
	assert_memory_equal(ip6_walk_hoa(&w, pkt), hoa, 16);
	uint8_t src[16], dst[16], ha[16];
	ip6_walk_pseudo(&w, pkt, src, dst);
	tu_addr(TU_HA, ha);
	assert_memory_equal(src, hoa, 16);   /* MH-03: pseudo-header src = HoA */
	assert_memory_equal(dst, ha, 16);
}

/* HAO-03: a node that does not know option 201 discards with Param Problem code 2. */
static void test_hao_unknown_to_node(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS, HAO_HDR("87") BU_MH);
	assert_int_equal(walk(n, 0, &w), M6_E_OPT_UNKNOWN);
	assert_int_equal(w.pp_code, 2);
	assert_int_equal(w.pp_ptr, 46);
	assert_null(ip6_walk_hoa(&w, pkt));
	/* ... but no ICMP for a multicast destination (type bits 11). */
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, "ff02::1", IP6P_DSTOPTS, HAO_HDR("87") BU_MH);
	assert_int_equal(walk(n, 0, &w), M6_E_OPT_UNKNOWN);
	assert_int_equal(w.pp_code, -1);
}

/* HAO-01: Option Length must be 16. */
static void test_hao_short(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS,
			  "87 02 01 02 00 00 c9 0e 20010db800010000000000000000 00 00" BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_HAO_LEN);
	assert_int_equal(w.pp_code, 0);
	assert_int_equal(w.pp_ptr, 47);
	assert_null(ip6_walk_hoa(&w, pkt));
}

/* HAO-01: alignment 8n+6. */
static void test_hao_misaligned(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS,
			  "87 02 c9 10 " HOA_HEX " 01 02 00 00" BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_HAO_ALIGN);
	assert_null(ip6_walk_hoa(&w, pkt));
}

/* An option running past its header is caught, never read beyond. */
static void test_hao_overrun(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS,
			  "87 00 01 02 00 00 c9 10 " HOA_HEX BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_OPT_OVERRUN);
	assert_int_equal(w.diags.d[0].off, 46);
	assert_int_equal(w.hao_off, -1);
}

/* HAO-02: at most one HAO per IPv6 header. */
static void test_hao_twice(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS,
			  HAO_HDR("3c") HAO_HDR("87") BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_HAO_DUP);
	assert_true(m6_diags_has(&w.diags, M6_E_HAO_DUP));
}

/* HAO-02: only in a Destination Options header after the Routing header and
 * before Fragment/AH/ESP. */
static void test_hao_placement(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_HBH, HAO_HDR("87") BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_HAO_PLACE);
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS,
		   HAO_HDR("2b") "87 02 02 01 00000000 " HOA_HEX BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_HAO_PLACE);
	assert_null(ip6_walk_hoa(&w, pkt));
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_FRAGMENT,
		   "3c 00 0001 00000007" HAO_HDR("87") BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_HAO_PLACE);
	/* after an RH2 it is where it belongs */
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_ROUTING,
		   "3c 02 02 01 00000000 " HOA_HEX HAO_HDR("87") BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), 0);
	assert_true(w.hao_valid);
}

/* HAO-05: the home address must be unicast routable. */
static void test_hao_address_class(void **s)
{
	(void)s;
	static const char *const bad[] = {
		"00000000000000000000000000000000", "ff020000000000000000000000000001",
		"fe800000000000000000000000000001", "00000000000000000000000000000001" };
	char body[256];
	struct ip6_walk w;
	for (size_t i = 0; i < 4; i++) {
		snprintf(body, sizeof(body), "87 02 01 02 00 00 c9 10 %s" BU_MH, bad[i]);
		size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS, body);
		assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_HAO_ADDR);
		assert_null(ip6_walk_hoa(&w, pkt));
	}
}

/* RH2-01, RH2-02, MH-03: RH2 accepted; its address is the pseudo-header dst. */
static void test_rh2_valid(void **s)
{
	(void)s;
	struct ip6_walk w;
	uint8_t hoa[16], src[16], dst[16], ha[16];
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_HA, TU_COA, IP6P_ROUTING,
			  "87 02 02 01 00000000 " HOA_HEX " 3b 01 06 00 0000 00 00 0007 0384 01 02 00 00");
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), 0);
	tu_addr(TU_HOA, hoa);
	tu_addr(TU_HA, ha);
	assert_memory_equal(ip6_walk_rh2(&w, pkt), hoa, 16);
	ip6_walk_pseudo(&w, pkt, src, dst);
	assert_memory_equal(src, ha, 16);
	assert_memory_equal(dst, hoa, 16);
}

/* RH2-02: Hdr Ext Len 2 and Segments Left 1, unicast address, else discard. */
static void test_rh2_faults(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_HA, TU_COA, IP6P_ROUTING,
			  "87 04 02 01 00000000 " HOA_HEX HOA_HEX BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_RH2_LEN);
	assert_int_equal(w.pp_code, 0);
	assert_int_equal(w.pp_ptr, 41);
	assert_null(ip6_walk_rh2(&w, pkt));
	n = tu_pkt(pkt, sizeof(pkt), TU_HA, TU_COA, IP6P_ROUTING, "87 02 02 00 00000000 " HOA_HEX BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_RH2_SEGLEFT);
	assert_null(ip6_walk_rh2(&w, pkt));
	n = tu_pkt(pkt, sizeof(pkt), TU_HA, TU_COA, IP6P_ROUTING,
		   "87 02 02 01 00000000 ff020000000000000000000000000001" BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_RH2_ADDR);
	n = tu_pkt(pkt, sizeof(pkt), TU_HA, TU_COA, IP6P_ROUTING,
		   "2b 02 02 01 00000000 " HOA_HEX "87 02 02 01 00000000 " HOA_HEX BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_RH_DUP);
}

/* RH2-05 (RFC 5095 3): RH0 is never executed; SL = 0 ignored, SL != 0 ->
 * Param Problem code 0 pointing at the Routing Type. Unknown types alike. */
static void test_rh0(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_HA, TU_COA, IP6P_ROUTING,
			  "3b 02 00 01 00000000 " HOA_HEX);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_RH0);
	assert_int_equal(w.pp_code, 0);
	assert_int_equal(w.pp_ptr, 42);
	n = tu_pkt(pkt, sizeof(pkt), TU_HA, TU_COA, IP6P_ROUTING, "3b 02 00 00 00000000 " HOA_HEX);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.rh_type, 0);
	assert_int_equal(w.proto, IP6P_NONE);
	n = tu_pkt(pkt, sizeof(pkt), TU_HA, TU_COA, IP6P_ROUTING, "3b 02 05 01 00000000 " HOA_HEX);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_RH_UNKNOWN);
	assert_int_equal(w.pp_ptr, 42);
	n = tu_pkt(pkt, sizeof(pkt), TU_HA, TU_COA, IP6P_ROUTING, "3b 02 05 00 00000000 " HOA_HEX);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), 0);
}

/* RFC 8200 4.2: the two high-order bits of an unknown option type. */
static void test_unknown_option_actions(void **s)
{
	(void)s;
	static const struct { const char *hdr; int rc, pp; } rows[] = {
		{ "3b 00 1e 04 00000000", 0, -1 },
		{ "3b 00 5e 04 00000000", M6_E_OPT_UNKNOWN, -1 },
		{ "3b 00 9e 04 00000000", M6_E_OPT_UNKNOWN, 2 },
		{ "3b 00 de 04 00000000", M6_E_OPT_UNKNOWN, 2 },
	};
	struct ip6_walk w;
	for (size_t i = 0; i < 4; i++) {
		size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS, rows[i].hdr);
		assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), rows[i].rc);
		assert_int_equal(w.pp_code, rows[i].pp);
		if (rows[i].pp >= 0)
			assert_int_equal(w.pp_ptr, 42);
	}
	/* Pad1, PadN with non-zero data and a Tunnel Encapsulation Limit are fine. */
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS,
			  "3b 01 00 01 01 aa 04 01 04 00 00 00 00 00 00 00");
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), 0);
}

/* Bounds: truncated headers, too many headers, HBH not first, bad version, short packet. */
static void test_walker_bounds(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS, "3b 02 01 02 00 00 00 00");
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_EXT_TRUNC);
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS, "3b");
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_EXT_TRUNC);
	char body[1024] = "";
	for (int i = 0; i < IP6_EXT_MAX + 1; i++)
		strcat(body, i == IP6_EXT_MAX ? "3b 00 01 04 00000000 " : "3c 00 01 04 00000000 ");
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS, body);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_EXT_TOO_MANY);
	assert_int_equal(w.n_ext, IP6_EXT_MAX);
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_DSTOPTS, "00 00 01 04 00000000 3b 00 01 04 00000000");
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_EXT_ORDER);
	assert_int_equal(w.pp_code, 1);
	assert_int_equal(w.pp_ptr, 40);
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_NONE, "");
	pkt[0] = 0x40;
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), M6_E_IP6_VERSION);
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_NONE, "");
	assert_int_equal(walk(39, IP6W_HAO_KNOWN, &w), M6_E_TRUNC);
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_NONE, "00000000");
	assert_int_equal(walk(n - 1, IP6W_HAO_KNOWN, &w), M6_E_IP6_PLEN);
	/* bytes past the Payload Length (link padding) are ignored */
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_NONE, "");
	assert_int_equal(walk(n + 6, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.end, 40);
}

/* Fragment header: a first fragment is walked on, a later one stops the walk. AH is stepped over. */
static void test_fragment_and_ah(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_FRAGMENT, "87 00 0001 12345678" BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), 0);
	assert_true(w.frag_more);
	assert_int_equal(w.frag_id, 0x12345678);
	assert_int_equal(w.proto, IP6P_MH);
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_FRAGMENT, "3c 00 0008 12345678 3b 00 00 00 00 00 00 00");
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.frag_offset, 1);
	assert_int_equal(w.proto, IP6P_DSTOPTS);
	assert_int_equal(w.proto_off, 48);
	n = tu_pkt(pkt, sizeof(pkt), TU_COA, TU_HA, IP6P_AH,
		   "87 04 0000 00001001 00000001 000000000000000000000000" BU_MH);
	assert_int_equal(walk(n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.ah_off, 40);
	assert_int_equal(w.proto, IP6P_MH);
	assert_int_equal(w.proto_off, 64);
}

/* HAO-01 and RH2-01 golden layouts, byte for byte. */
static void test_golden_writers(void **s)
{
	(void)s;
	uint8_t hoa[16], got[24], want[24];
	tu_addr(TU_HOA, hoa);
	ip6_write_hao_dstopt(got, IP6P_MH, hoa);
	tu_hex("87 02 01 02 00 00 c9 10 " HOA_HEX, want, sizeof(want));
	assert_memory_equal(got, want, 24);
	ip6_write_rh2(got, IP6P_MH, hoa);
	tu_hex("87 02 02 01 00 00 00 00 " HOA_HEX, want, sizeof(want));
	assert_memory_equal(got, want, 24);
}

/* The inserters use headroom: the payload is not moved, the chain stays valid. */
static void test_insert_without_copy(void **s)
{
	(void)s;
	static uint8_t mem[512];
	struct pbuf pb;
	struct ip6_walk w;
	uint8_t hoa[16];
	tu_addr(TU_HOA, hoa);
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 128), 0);
	uint8_t *p;
	assert_int_equal(pbuf_put(&pb, 40 + 8 + 100, &p), 0);
	size_t n = tu_pkt(p, 200, TU_COA, TU_HA, IP6P_UDP, "1234 5678 006c 0000");
	memset(p + n, 0xab, 100);
	m6_put16(p + 4, 108);
	const uint8_t *payload = pbuf_data(&pb) + 40;
	assert_int_equal(ip6_insert_hao(&pb, hoa), 0);
	assert_ptr_equal(pbuf_data(&pb) + 64, payload);   /* payload never copied */
	assert_int_equal(pb.len, 40 + 24 + 108);
	assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w), 0);
	assert_true(w.hao_valid);
	assert_int_equal(w.hdr.nh, IP6P_DSTOPTS);
	assert_int_equal(w.hdr.plen, 24 + 108);
	assert_int_equal(w.proto, IP6P_UDP);
	assert_int_equal(ip6_insert_hao(&pb, hoa), M6_E_HAO_DUP);
	/* RH2 goes before the HAO's Destination Options header. */
	assert_int_equal(ip6_insert_rh2(&pb, hoa), 0);
	assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.ext[0].proto, IP6P_ROUTING);
	assert_int_equal(w.ext[1].proto, IP6P_DSTOPTS);
	assert_non_null(ip6_walk_rh2(&w, pbuf_data(&pb)));
	assert_non_null(ip6_walk_hoa(&w, pbuf_data(&pb)));
	assert_int_equal(ip6_insert_rh2(&pb, hoa), M6_E_RH_DUP);
	/* no headroom left: fail, do not scribble */
	struct pbuf small;
	assert_int_equal(pbuf_init(&small, mem, sizeof(mem), 10), 0);
	assert_int_equal(pbuf_put(&small, 48, &p), 0);
	tu_pkt(p, 48, TU_COA, TU_HA, IP6P_UDP, "1234 5678 0008 0000");
	assert_int_equal(ip6_insert_hao(&small, hoa), M6_E_NOMEM);
}

static void test_address_classes(void **s)
{
	(void)s;
	uint8_t a[16];
	tu_addr(TU_HOA, a);
	assert_true(ip6_addr_unicast_routable(a));
	tu_addr("fe80::1", a);
	assert_false(ip6_addr_unicast_routable(a));
	tu_addr("ff0e::1", a);
	assert_false(ip6_addr_unicast_routable(a));
	assert_true(ip6_addr_is_multicast(a));
	tu_addr("::", a);
	assert_false(ip6_addr_unicast_routable(a));
	tu_addr("::1", a);
	assert_false(ip6_addr_unicast_routable(a));
	assert_int_equal(ip6_addr_parse("2001:db8::zz", a), M6_E_INVAL);
	char s2[46];
	tu_addr("2001:0db8:0000:0000:0000:0000:0000:0001", a);
	ip6_addr_format(a, s2);
	assert_string_equal(s2, "2001:db8::1");
}

/* Header round trip: traffic class and flow label bits land where RFC 8200 puts them. */
static void test_header_fields(void **s)
{
	(void)s;
	struct ip6_hdr h, g;
	memset(&h, 0, sizeof(h));
	h.tclass = 0xb8;
	h.flow = 0xabcde;
	h.plen = 0;
	h.nh = IP6P_NONE;
	h.hlim = 255;
	ip6_hdr_write(pkt, &h);
	uint8_t want[8];
	tu_hex("6b 8a bc de 00 00 3b ff", want, 8);
	assert_memory_equal(pkt, want, 8);
	assert_int_equal(ip6_hdr_parse(pkt, 40, &g), 0);
	assert_int_equal(g.tclass, 0xb8);
	assert_int_equal(g.flow, 0xabcde);
	assert_int_equal(g.hlim, 255);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hao_valid),
		cmocka_unit_test(test_hao_unknown_to_node),
		cmocka_unit_test(test_hao_short),
		cmocka_unit_test(test_hao_misaligned),
		cmocka_unit_test(test_hao_overrun),
		cmocka_unit_test(test_hao_twice),
		cmocka_unit_test(test_hao_placement),
		cmocka_unit_test(test_hao_address_class),
		cmocka_unit_test(test_rh2_valid),
		cmocka_unit_test(test_rh2_faults),
		cmocka_unit_test(test_rh0),
		cmocka_unit_test(test_unknown_option_actions),
		cmocka_unit_test(test_walker_bounds),
		cmocka_unit_test(test_fragment_and_ah),
		cmocka_unit_test(test_golden_writers),
		cmocka_unit_test(test_insert_without_copy),
		cmocka_unit_test(test_address_classes),
		cmocka_unit_test(test_header_fields),
	};
	return cmocka_run_group_tests_name("ip6", tests, NULL, NULL);
}
