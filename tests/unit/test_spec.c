/* The `mip6sec build` packet language: byte-exact against scapy, overrides, errors. */
#include "tu.h"
#include "pkt/mh.h"
#include "spec.h"

/* scapy 2.5: IPv6/IPv6ExtHdrDestOpt(options=[HAO])/MIP6MH_BU(seq=7, flags="AH", mhtime=900) */
static const char scapy_bu_hao[] =
	"6000000000283c4020010db800020000000000000000010020010db8000100000000000000000001"
	"870201020000c91020010db80001000000000000000001003b0105009e640007c000038401020000";
/* scapy 2.5: IPv6/IPv6ExtHdrRouting(type=2)/MIP6MH_BA(seq=7, mhtime=900) (K set by default) */
static const char scapy_ba_rh2[] =
	"6000000000282b4020010db800010000000000000000000120010db8000200000000000000000100"
	"870202010000000020010db80001000000000000000001003b0106005ce500800007038401020000";

static uint8_t out[4096], want[4096];
static char err[512];

static size_t build_ok(const char *spec)
{
	size_t len = 0;
	int rc = spec_build(spec, out, sizeof(out), &len, err, sizeof(err));
	if (rc)
		fail_msg("'%s': %s", spec, err);
	return len;
}

/* HAO-01, RH2-01, MH-03: identical octets to scapy, checksum included. */
static void test_matches_scapy(void **s)
{
	(void)s;
	size_t n = build_ok("ip6 src=" TU_COA " dst=" TU_HA " / hao " TU_HOA " / mh bu seq=7 lifetime=3600 flags=AH");
	assert_int_equal(n, tu_hex(scapy_bu_hao, want, sizeof(want)));
	assert_memory_equal(out, want, n);
	n = build_ok("ip6 src=" TU_HA " dst=" TU_COA " / rh2 " TU_HOA " / mh ba status=0 flags=K seq=7 lifetime=3600");
	assert_int_equal(n, tu_hex(scapy_ba_rh2, want, sizeof(want)));
	assert_memory_equal(out, want, n);
}

static const uint8_t *mh_of(size_t n, struct ip6_walk *w)
{
	assert_int_equal(ip6_walk(out, n, IP6W_HAO_KNOWN, w), 0);
	assert_int_equal(w->proto, IP6P_MH);
	return out + w->proto_off;
}

/* Overrides craft the faults decode must name. */
static void test_overrides(void **s)
{
	(void)s;
	struct ip6_walk w;
	uint8_t src[16], dst[16];
	const char *base = "ip6 src=" TU_COA " dst=" TU_HA " / hao " TU_HOA " / mh bu seq=1 lifetime=60 ";
	char spec[512];

	snprintf(spec, sizeof(spec), "%scsum=bad", base);
	size_t n = build_ok(spec);
	const uint8_t *mh = mh_of(n, &w);
	ip6_walk_pseudo(&w, out, src, dst);
	assert_false(mh_verify_checksum(mh, n - w.proto_off, src, dst));

	snprintf(spec, sizeof(spec), "%scsum=wire", base);
	n = build_ok(spec);
	mh = mh_of(n, &w);
	assert_true(mh_verify_checksum(mh, n - w.proto_off, w.hdr.src, w.hdr.dst));

	snprintf(spec, sizeof(spec), "%sproto=6 hlen=0 reserved=255", base);
	n = build_ok(spec);
	mh = mh_of(n, &w);
	assert_int_equal(mh[0], 6);
	assert_int_equal(mh[1], 0);
	assert_int_equal(mh[3], 255);

	n = build_ok("ip6 src=" TU_COA " dst=" TU_HA " / hao " TU_HOA " len=14 / mh brr");
	assert_int_equal(ip6_walk(out, n, IP6W_HAO_KNOWN, &w), M6_E_HAO_LEN);
	n = build_ok("ip6 src=" TU_COA " dst=" TU_HA " / hao " TU_HOA " pad=0 / mh brr");
	assert_int_equal(ip6_walk(out, n, IP6W_HAO_KNOWN, &w), M6_E_HAO_ALIGN);
	n = build_ok("ip6 src=" TU_COA " dst=" TU_HA " / hao " TU_HOA " hlen=0 / mh brr");
	assert_int_equal(ip6_walk(out, n, IP6W_HAO_KNOWN, &w), M6_E_OPT_OVERRUN);
	n = build_ok("ip6 src=" TU_HA " dst=" TU_COA " / rh2 " TU_HOA " segleft=0 / mh brr");
	assert_int_equal(ip6_walk(out, n, IP6W_HAO_KNOWN, &w), M6_E_RH2_SEGLEFT);
	n = build_ok("ip6 src=" TU_HA " dst=" TU_COA " / rh0 " TU_HOA " " TU_CN " / mh brr");
	assert_int_equal(ip6_walk(out, n, IP6W_HAO_KNOWN, &w), M6_E_RH0);
	assert_int_equal(w.rh_segleft, 2);
}

/* Lengths are filled in for every layer, including an outer tunnel header. */
static void test_lengths_and_tunnel(void **s)
{
	(void)s;
	struct ip6_walk w;
	size_t n = build_ok("ip6 src=" TU_HA " dst=" TU_COA " / ip6 src=" TU_CN " dst=" TU_HOA
			    " / udp sport=7 dport=9 data=00112233");
	assert_int_equal(n, 40 + 40 + 8 + 4);
	assert_int_equal(ip6_walk(out, n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.hdr.plen, 52);
	assert_int_equal(w.proto, IP6P_IPV6);
	assert_int_equal(ip6_walk(out + 40, n - 40, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.hdr.plen, 12);
	assert_int_equal(w.proto, IP6P_UDP);
	assert_int_equal(m6_get16(out + 84), 12);   /* UDP length */
	/* UDP checksum verifies over the inner pseudo-header */
	assert_int_equal(m6_csum_ip6(w.hdr.src, w.hdr.dst, IP6P_UDP, out + 80, 12), 0);
	/* explicit nh= and plen= are kept */
	n = build_ok("ip6 src=" TU_HA " dst=" TU_COA " nh=200 plen=3 / raw 0102");
	assert_int_equal(out[6], 200);
	assert_int_equal(m6_get16(out + 4), 3);
}

static void test_options_in_order(void **s)
{
	(void)s;
	struct ip6_walk w;
	struct mh_msg m;
	struct m6_diags ds;
	size_t n = build_ok("ip6 src=" TU_COA " dst=" TU_CN " / hao " TU_HOA
			    " / mh bu seq=9 lifetime=40 ni=3,4 bad=0102030405060708090a0b0c");
	const uint8_t *mh = mh_of(n, &w);
	m6_diags_init(&ds);
	assert_int_equal(mh_parse(mh, n - w.proto_off, &m, &ds, 0), 0);
	assert_int_equal(m.lifetime, 10);
	assert_int_equal(m.n_opts, 2);
	assert_int_equal(m.opts[0].off, 12);   /* OPT-03 */
	assert_int_equal(m.opts[1].off, 18);
	n = build_ok("ip6 src=" TU_HA " dst=" TU_COA " / rh2 " TU_HOA " / mh ba seq=9 lifetime=40 bra=20");
	mh = mh_of(n, &w);
	assert_int_equal(mh_parse(mh, n - w.proto_off, &m, &ds, 0), 0);
	assert_int_equal(m.opts[0].type, MHO_BRA);
	assert_int_equal(m6_get16(m.opts[0].data), 5);
}

static void test_errors(void **s)
{
	(void)s;
	static const struct { const char *spec, *needle; } rows[] = {
		{ "", "starts with an ip6 layer" },
		{ "mh bu", "ip6 layer before it" },
		{ "ip6 src=::1", "dst" },
		{ "ip6 src=2001:db8::zz dst=::1", "not an IPv6 address" },
		{ "ip6 src=::1 dst=::1 hlim=300", "larger than 255" },
		{ "ip6 src=::1 dst=::1 hlim=-1", "not a number" },
		{ "ip6 src=::1 dst=::1 colour=red", "unexpected 'colour=red'" },
		{ "ip6 src=::1 dst=::1 / wormhole", "unknown layer" },
		{ "ip6 src=::1 dst=::1 / mh", "needs a type" },
		{ "ip6 src=::1 dst=::1 / mh bu flags=Z", "flag 'Z'" },
		{ "ip6 src=::1 dst=::1 / mh bu ni=3", "ni=HOME,COA" },
		{ "ip6 src=::1 dst=::1 / mh bu cookie=xyz", "not hex" },
		{ "ip6 src=::1 dst=::1 / rh2 ::1 ::2", "one address" },
		{ "ip6 src=::1 dst=::1 / frag offset=3", "multiple of 8" },
		{ "ip6 src=::1 dst=::1 / dstopt padn=1", "at least 2" },
		{ "ip6 src=::1 dst=::1 / esp", "spi needs a number" },
		/* MH-07: 4-second units; lifetime=3 must not silently become a de-registration */
		{ "ip6 src=::1 dst=::1 / mh bu lifetime=3", "lifetime=3 is not a multiple of 4 seconds" },
		{ "ip6 src=::1 dst=::1 / mh bu lifetime=3601", "not a multiple of 4" },
		{ "ip6 src=::1 dst=::1 / mh ba bra=6", "bra=6 is not a multiple of 4 seconds" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len;
		err[0] = 0;
		int rc = spec_build(rows[i].spec, out, sizeof(out), &len, err, sizeof(err));
		if (rc != M6_E_SPEC || !strstr(err, rows[i].needle))
			fail_msg("'%s': rc %d, message '%s', wanted '%s'", rows[i].spec, rc, err, rows[i].needle);
	}
	/* a packet larger than the caller's buffer is refused, not overflowed */
	size_t len;
	assert_int_equal(spec_build("ip6 src=::1 dst=::1 / raw 00112233", out, 42, &len, err, sizeof(err)),
			 M6_E_SPEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_scapy),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_lengths_and_tunnel),
		cmocka_unit_test(test_options_in_order),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name("spec", tests, NULL, NULL);
}
