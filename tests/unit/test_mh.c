/* Mobility Header codec (RFC 6275 6.1-6.2). */
#include "tu.h"
#include "pkt/mh.h"

/* Built by scapy 2.5 (IPv6/IPv6ExtHdrDestOpt(HAO)/MIP6MH_BU and
 * IPv6/IPv6ExtHdrRouting(type=2)/MIP6MH_BA); checksums from scapy's in6_chksum. */
static const char scapy_bu_hao[] =
	"6000000000283c4020010db800020000000000000000010020010db8000100000000000000000001"
	"870201020000c91020010db80001000000000000000001003b010500466500071800038401020000";
static const char scapy_ba_rh2[] =
	"6000000000282b4020010db800010000000000000000000120010db8000200000000000000000100"
	"870202010000000020010db80001000000000000000001003b0106005ce500800007038401020000";

static uint8_t buf[2048];

static int parse(const char *hex, struct mh_msg *m, struct m6_diags *ds)
{
	size_t n = tu_hex(hex, buf, sizeof(buf));
	m6_diags_init(ds);
	return mh_parse(buf, n, m, ds, 0);
}

/* MH-03: checksum over the pseudo-header with the HoA (HAO) as source and the
 * RH2 address as destination; the same message summed with the CoA fails. */
static void test_checksum_pseudo_header(void **s)
{
	(void)s;
	static const char *const vec[] = { scapy_bu_hao, scapy_ba_rh2 };
	static const uint16_t want[] = { 0x4665, 0x5ce5 };
	for (int i = 0; i < 2; i++) {
		struct ip6_walk w;
		uint8_t src[16], dst[16];
		size_t n = tu_hex(vec[i], buf, sizeof(buf));
		assert_int_equal(ip6_walk(buf, n, IP6W_HAO_KNOWN, &w), 0);
		ip6_walk_pseudo(&w, buf, src, dst);
		const uint8_t *mh = buf + w.proto_off;
		size_t len = n - w.proto_off;
		assert_int_equal(mh_checksum(src, dst, mh, len), want[i]);
		assert_true(mh_verify_checksum(mh, len, src, dst));
		assert_false(mh_verify_checksum(mh, len, w.hdr.src, w.hdr.dst));
		assert_int_not_equal(mh_checksum(w.hdr.src, w.hdr.dst, mh, len), want[i]);
		/* one flipped bit anywhere in the message is caught */
		buf[w.proto_off + 8] ^= 0x10;
		assert_false(mh_verify_checksum(mh, len, src, dst));
	}
}

/* MH-02: Header Len of each type without options, and its padding. */
static void test_golden_no_options(void **s)
{
	(void)s;
	static const struct { uint8_t type; size_t len; const char *hex; } rows[] = {
		{ MH_BRR, 8, "3b 00 00 00 0000 0000" },
		{ MH_HOTI, 16, "3b 01 01 00 0000 0000 1122334455667788" },
		{ MH_COTI, 16, "3b 01 02 00 0000 0000 1122334455667788" },
		{ MH_HOT, 24, "3b 02 03 00 0000 0102 1122334455667788 99aabbccddeeff00" },
		{ MH_COT, 24, "3b 02 04 00 0000 0102 1122334455667788 99aabbccddeeff00" },
		{ MH_BU, 16, "3b 01 05 00 0000 0007 d000 0384 01 02 00 00" },
		{ MH_BA, 16, "3b 01 06 00 0000 80 80 0007 0384 01 02 00 00" },
		{ MH_BE, 24, "3b 02 07 00 0000 02 00 20010db8000100000000000000000100" },
	};
	static const uint8_t cookie[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	static const uint8_t token[8] = { 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00 };
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mh_msg m;
		uint8_t out[64], want[64];
		size_t len;
		memset(&m, 0, sizeof(m));
		m.proto = 59;
		m.type = rows[i].type;
		m.seq = 7;
		m.lifetime = mh_lifetime_units(3600);
		m.flags = m.type == MH_BU ? (MH_BU_A | MH_BU_H | MH_BU_K) : MH_BA_K;
		m.status = m.type == MH_BE ? MH_BE_UNKNOWN_MH_TYPE : 128;
		m.nonce_index = 0x0102;
		memcpy(m.cookie, cookie, 8);
		memcpy(m.token, token, 8);
		tu_addr(TU_HOA, m.hoa);
		assert_int_equal(mh_build(&m, out, sizeof(out), &len), 0);
		assert_int_equal(len, rows[i].len);
		assert_int_equal(tu_hex(rows[i].hex, want, sizeof(want)), len);
		assert_memory_equal(out, want, len);
		/* and back */
		struct mh_msg r;
		struct m6_diags ds;
		m6_diags_init(&ds);
		assert_int_equal(mh_parse(out, len, &r, &ds, 0), 0);
		assert_int_equal(r.type, m.type);
		assert_int_equal(r.hlen, len / 8 - 1);
		assert_int_equal(r.hlen, mh_min_hlen(m.type));
	}
}

static size_t build_with(uint8_t type, const struct mh_opt *opts, unsigned n, uint8_t *out)
{
	struct mh_msg m;
	size_t len;
	memset(&m, 0, sizeof(m));
	m.proto = 59;
	m.type = type;
	m.seq = 1;
	m.lifetime = 1;
	for (unsigned i = 0; i < n; i++)
		m.opts[i] = opts[i];
	m.n_opts = n;
	assert_int_equal(mh_build(&m, out, 256, &len), 0);
	return len;
}

/* OPT-03 golden vectors: BU+ACoA, BU+NonceIdx+BAD, BA+BAD. */
static void test_golden_option_alignment(void **s)
{
	(void)s;
	uint8_t acoa[16], out[256], want[64];
	static const uint8_t ni[4] = { 0, 1, 0, 2 };
	static const uint8_t bad[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	tu_addr(TU_COA, acoa);
	struct mh_opt o1[] = { { MHO_ACOA, 16, 0, acoa } };
	size_t len = build_with(MH_BU, o1, 1, out);
	tu_hex("3b 03 05 00 0000 0001 0000 0001 | 01 00 | 03 10 20010db8000200000000000000000100", want, 64);
	assert_int_equal(len, 32);
	assert_memory_equal(out, want, 32);
	struct mh_opt o2[] = { { MHO_NI, 4, 0, ni }, { MHO_BAD, 12, 0, bad } };
	len = build_with(MH_BU, o2, 2, out);
	tu_hex("3b 03 05 00 0000 0001 0000 0001 | 04 04 0001 0002 | 05 0c 0102030405060708090a0b0c", want, 64);
	assert_int_equal(len, 32);
	assert_memory_equal(out, want, 32);
	struct mh_opt o3[] = { { MHO_BAD, 12, 0, bad } };
	len = build_with(MH_BA, o3, 1, out);
	tu_hex("3b 03 06 00 0000 00 00 0001 0001 | 01 04 00000000 | 05 0c 0102030405060708090a0b0c", want, 64);
	assert_int_equal(len, 32);
	assert_memory_equal(out, want, 32);
	/* and the parser finds them where they are */
	struct mh_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(mh_parse(out, len, &m, &ds, 0), 0);
	assert_int_equal(m.n_opts, 1);
	assert_int_equal(m.opts[0].off, 18);
	assert_memory_equal(mh_find_opt(&m, MHO_BAD)->data, bad, 12);
}

/* BU-02: sequence numbers compared modulo 2^16. */
static void test_seq_modulo(void **s)
{
	(void)s;
	for (uint32_t v = 0; v <= 15; v++)
		assert_false(mh_seq_newer((uint16_t)v, 15));
	for (uint32_t v = 16; v <= 32782; v++)
		assert_true(mh_seq_newer((uint16_t)v, 15));
	for (uint32_t v = 32783; v <= 65535; v++)
		assert_false(mh_seq_newer((uint16_t)v, 15));
	assert_true(mh_seq_newer(0, 65535));
	assert_true(mh_seq_newer(32766, 65535));
	assert_false(mh_seq_newer(32767, 65535));
}

/* MH-07: lifetime in 4-second units. */
static void test_lifetime_units(void **s)
{
	(void)s;
	assert_int_equal(mh_lifetime_units(3600), 900);
	assert_int_equal(mh_lifetime_units(0), 0);
	assert_int_equal(mh_lifetime_units(262140), 65535);
	assert_int_equal(mh_lifetime_units(1000000), 65535);
	assert_int_equal(mh_lifetime_seconds(900), 3600);
}

/* MH-01, OPT-01, OPT-02: reserved bits, unknown options, PadN data are accepted. */
static void test_tolerant_receive(void **s)
{
	(void)s;
	struct mh_msg m;
	struct m6_diags ds;
	/* reserved octet 3 and the 12 reserved flag bits set */
	assert_int_equal(parse("3b 01 05 ff 0000 0007 cfff 0384 01 02 00 00", &m, &ds), 0);
	assert_int_equal(m.seq, 7);
	assert_int_equal(m.flags & 0xf000, MH_BU_A | MH_BU_H);
	/* unknown option type 99 length 3, then ACoA at 8n+6 */
	assert_int_equal(parse("3b 05 05 00 0000 0007 c000 0384 | 63 03 aabbcc | 01 0b 0000000000000000000000 "
			       "| 03 10 20010db8000200000000000000000100", &m, &ds), 0);
	assert_int_equal(m.n_opts, 2);
	assert_int_equal(m.opts[0].type, 99);
	assert_int_equal(m.opts[1].type, MHO_ACOA);
	/* PadN with non-zero data */
	assert_int_equal(parse("3b 01 05 00 0000 0007 c000 0384 01 02 ab cd", &m, &ds), 0);
}

/* MH-02, MH-04, MH-05, MH-06, OPT-01, OPT-03, OPT-04, OPT-05, OPT-06: every
 * validation error has its own code. */
static void test_validation_errors(void **s)
{
	(void)s;
	static const struct { const char *hex; int code; const char *item; } rows[] = {
		{ "3b 00 05 00 0000 00", M6_E_MH_TRUNC, "short" },
		{ "06 01 05 00 0000 0007 c000 0384 01 02 00 00", M6_E_MH_PROTO, "MH-04" },
		{ "3b 02 05 00 0000 0007 c000 0384 01 02 00 00", M6_E_MH_HLEN, "MH-02 too big" },
		{ "3b 00 05 00 0000 0007", M6_E_MH_HLEN_MIN, "MH-05" },
		{ "3b 00 c8 00 0000 0000", M6_E_MH_TYPE, "MH-06" },
		{ "3b 01 05 00 0000 0007 c000 0384 03 10 00 00", M6_E_MH_OPT_OVERRUN, "OPT-01" },
		{ "3b 01 05 00 0000 0007 c000 0384 00 00 00 03", M6_E_MH_OPT_OVERRUN, "OPT-01 type only" },
		{ "3b 01 05 00 0000 0007 c000 0384 02 01 00 00", M6_E_MH_OPT_LEN, "OPT-03 BRA length" },
		{ "3b 01 05 00 0000 0007 c000 0384 02 02 00 01", M6_E_MH_OPT_PLACE, "OPT-05 BRA in BU" },
		{ "3b 03 06 00 0000 0000 0007 0384 01 00 03 10 20010db8000200000000000000000100",
		  M6_E_MH_OPT_PLACE, "OPT-06 ACoA in BA" },
		{ "3b 02 05 00 0000 0007 c000 0384 04 04 00010002 00 00 00 00 00 00",
		  M6_E_MH_NI_WITH_H, "OPT-06 NI with H" },
		{ "3b 04 05 00 0000 0007 0000 0384 04 04 00010002 05 0c 0102030405060708090a0b0c 00 00 00 00 00 00 00 00",
		  M6_E_MH_BAD_NOT_LAST, "OPT-04 BAD then padding" },
		{ "3b 02 05 00 0000 0007 0000 0384 04 04 00010002 00 00 00 00 00 00",
		  M6_E_MH_OPT_PLACE, "OPT-06 NI without BAD" },
		{ "3b 02 06 00 0000 0000 0007 0384 02 02 0001 02 02 0001 00 00 00 00",
		  M6_E_MH_OPT_DUP, "BRA twice" },
		{ "3b 04 05 00 0000 0007 0000 0384 04 04 00010002 05 10 0102030405060708090a0b0c0d0e0f10 00 00 00 00",
		  M6_E_MH_OPT_LEN, "BAD length 16" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mh_msg m;
		struct m6_diags ds;
		int rc = parse(rows[i].hex, &m, &ds);
		if (!m6_diags_has(&ds, rows[i].code))
			fail_msg("%s: expected %s, got %s", rows[i].item, m6_errid(rows[i].code), m6_errid(rc));
	}
}

/* OPT-04: a BAD is valid when it is the last option, with no trailing padding. */
static void test_bad_last_ok(void **s)
{
	(void)s;
	struct mh_msg m;
	struct m6_diags ds;
	assert_int_equal(parse("3b 03 05 00 0000 0007 0000 0384 04 04 00010002 05 0c 0102030405060708090a0b0c",
			       &m, &ds), 0);
	assert_int_equal(mh_find_opt(&m, MHO_NI)->data[1], 1);
}

/* The word-at-a-time Internet checksum equals the RFC 1071 octet-pair sum
 * for every length and alignment, chained calls included. */
static void test_csum_reference(void **s)
{
	(void)s;
	uint8_t data[300];
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < sizeof(data); i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		data[i] = (uint8_t)x;
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(data); len += 7) {
			uint64_t ref = 0x1234;
			for (size_t i = 0; i + 1 < len; i += 2)
				ref += (uint32_t)(data[off + i] << 8 | data[off + i + 1]);
			if (len & 1)
				ref += (uint32_t)data[off + len - 1] << 8;
			while (ref >> 16)
				ref = (ref & 0xffff) + (ref >> 16);
			assert_int_equal(m6_csum_fold(m6_csum_add(0x1234, data + off, len)), (uint16_t)~ref);
			size_t half = len / 2 & ~(size_t)1;
			uint32_t chained = m6_csum_add(m6_csum_add(0x1234, data + off, half), data + off + half, len - half);
			assert_int_equal(m6_csum_fold(chained), (uint16_t)~ref);
		}
}

/* The error table: every code has an id and a reason; unknown codes do not crash. */
static void test_error_strings(void **s)
{
	(void)s;
	int known = 0;
	for (int c = M6_E_FIRST_ + 1; c < M6_E_LAST_; c++) {
		if (!m6_err_known(c)) {
			assert_string_equal(m6_errid(c), "unknown");
			continue;
		}
		known++;
		assert_string_not_equal(m6_errid(c), "unknown");
		assert_true(strlen(m6_strerror(c)) > 5);
	}
	assert_true(known >= 77);
	/* numbers are fixed: files written by earlier versions keep their meaning */
	assert_int_equal(M6_E_NOMEM, -999);
	assert_int_equal(M6_E_MH_CKSUM, -1000 + 28);
	assert_int_equal(M6_E_FORMER_COA, -1000 + 77);
	assert_string_equal(m6_strerror(0), "ok");
	assert_string_equal(m6_errid(-1), "unknown");
	assert_string_equal(m6_errid(M6_E_MH_CKSUM), "mh_checksum");
	assert_string_equal(mh_type_name(MH_HOTI), "HoTI");
	assert_null(mh_type_name(8));
	assert_string_equal(mh_opt_name(MHO_ACOA), "ACoA");
	assert_string_equal(mh_ba_status_text(MH_BA_SEQ_OUT_OF_WINDOW), "Sequence number out of window");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_pseudo_header),
		cmocka_unit_test(test_golden_no_options),
		cmocka_unit_test(test_golden_option_alignment),
		cmocka_unit_test(test_seq_modulo),
		cmocka_unit_test(test_lifetime_units),
		cmocka_unit_test(test_tolerant_receive),
		cmocka_unit_test(test_validation_errors),
		cmocka_unit_test(test_bad_last_ok),
		cmocka_unit_test(test_csum_reference),
		cmocka_unit_test(test_error_strings),
	};
	return cmocka_run_group_tests_name("mh", tests, NULL, NULL);
}
