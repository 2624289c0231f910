/* IKEv2 message codec (RFC 7296 3, RFC 7383 2.5): golden messages laid out by
 * hand, one fault per error id, round trips through the writer. */
#include "tu.h"
#include "ike/ike_msg.h"
#include "ike/ike_payload.h"

static uint8_t buf[4096];

/* Golden IKE_SA_INIT request, laid out by hand from the RFC 7296 3.1-3.12
 * figures (each line is one header or substructure):
 *   HDR(SPIi, SPIr = 0, IKE_SA_INIT, I), SA(two IKE proposals), KEi(31),
 *   Ni, N(NAT_DETECTION_SOURCE_IP), N(IKEV2_FRAGMENTATION_SUPPORTED), V */
static const char init_req[] =
	"0011223344556677 0000000000000000 21 20 22 08 00000000 000000f4"
	"22 00 0054"                                    /* SA */
	"  02 00 0024 01 01 00 03"                      /* proposal 1: IKE, 3 transforms */
	"    03 00 000c 01 00 0014 800e 0100"           /* ENCR AES_GCM_16, Key Length 256 */
	"    03 00 0008 02 00 0005"                     /* PRF HMAC_SHA2_256 */
	"    00 00 0008 04 00 001f"                     /* DH 31 */
	"  00 00 002c 02 01 00 04"                      /* proposal 2: IKE, 4 transforms */
	"    03 00 000c 01 00 000c 800e 0080"           /* ENCR AES_CBC 128 */
	"    03 00 0008 03 00 000c"                     /* INTEG HMAC_SHA2_256_128 */
	"    03 00 0008 02 00 0005"                     /* PRF HMAC_SHA2_256 */
	"    00 00 0008 04 00 000e"                     /* DH 14 */
	"28 00 0028 001f 0000"                          /* KE, group 31 */
	"  000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"29 00 0024"                                    /* Ni */
	"  404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"29 00 001c 00 00 4004"                         /* N(NAT_DETECTION_SOURCE_IP) */
	"  a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"
	"2b 00 0008 00 00 402e"                         /* N(IKEV2_FRAGMENTATION_SUPPORTED) */
	"00 00 0014 c0c1c2c3c4c5c6c7c8c9cacbcccdcecf";  /* V */

/* Golden IKE_AUTH request content (the SK plaintext, first payload IDi):
 * IDi(FQDN), AUTH(PSK), CP(CFG_REQUEST: INTERNAL_IP6_ADDRESS,
 * MIP6_HOME_PREFIX), SA(ESP), TSi(MH types 5..6 from the home address),
 * TSr(MH OPAQUE to the HA; all IPv4), N(INITIAL_CONTACT). */
static const char auth_inner[] =
	"27 00 0016 02 000000 6d6e2e6578616d706c652e6f7267"     /* IDi "mn.example.org" */
	"2f 00 0028 02 000000"                                  /* AUTH, PSK */
	"  101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
	"21 00 0010 01 000000 0008 0000 0010 0000"              /* CP request */
	"2c 00 0024"                                            /* SA */
	"  00 00 0020 01 03 04 02 c0010203"                     /* ESP, SPI c0010203 */
	"    03 00 000c 01 00 0014 800e 0080"                   /* AES_GCM_16 128 */
	"    00 00 0008 05 00 0000"                             /* no ESN */
	"2d 00 0030 01 000000"                                  /* TSi */
	"  08 87 0028 0500 06ff 20010db8000100000000000000000100 20010db8000100000000000000000100"
	"29 00 0040 02 000000"                                  /* TSr */
	"  08 87 0028 ffff 0000 20010db8000100000000000000000001 20010db8000100000000000000000001"
	"  07 00 0010 0000 ffff 00000000 ffffffff"
	"00 00 0008 00 00 4000";                                /* N(INITIAL_CONTACT) */

static size_t hex(const char *h)
{
	return tu_hex(h, buf, sizeof(buf));
}

static int parse(const uint8_t *p, size_t n, struct ike_msg *m, struct m6_diags *ds)
{
	m6_diags_init(ds);
	return ike_msg_parse(p, n, m, ds, 0);
}

/* A message around a payload chain (hex), with a correct Length. */
static size_t wrap(uint8_t first_np, const char *chain)
{
	size_t n = tu_hex("0011223344556677 8899aabbccddeeff 00 20 25 08 00000007 00000000", buf,
			  sizeof(buf));
	n += tu_hex(chain, buf + n, sizeof(buf) - n);
	buf[16] = first_np;
	m6_put32(buf + 24, (uint32_t)n);
	return n;
}

static void test_init_golden_parse(void **s)
{
	(void)s;
	struct ike_msg m;
	struct m6_diags ds;
	size_t n = hex(init_req);
	assert_int_equal(n, 0xf4);
	assert_int_equal(parse(buf, n, &m, &ds), 0);
	assert_int_equal(ds.n, 0);
	assert_int_equal(m.hdr.exchange, IKE_SA_INIT);
	assert_int_equal(m.hdr.flags, IKE_FLAG_I);
	assert_int_equal(m.hdr.msgid, 0);
	assert_int_equal(m.hdr.version, 0x20);
	assert_int_equal(m.n, 6);
	assert_int_equal(m.sk, -1);
	static const uint8_t types[] = { IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE, IKE_PL_N, IKE_PL_N, IKE_PL_V };
	for (unsigned i = 0; i < m.n; i++) {
		assert_int_equal(m.pl[i].type, types[i]);
		assert_true(m.pl[i].known);
		assert_false(m.pl[i].inner);
	}
	assert_int_equal(m.pl[0].off, 28);
	assert_int_equal(m.pl[0].len, 0x54);

	struct ike_sa_payload sa;
	m6_diags_init(&ds);
	assert_int_equal(ike_sa_parse(m.pl[0].body, m.pl[0].body_len, &sa, &ds, 0), 0);
	assert_int_equal(sa.n_prop, 2);
	assert_int_equal(sa.prop[0].num, 1);
	assert_int_equal(sa.prop[0].proto, IKE_PROTO_IKE);
	assert_int_equal(sa.prop[0].n_xf, 3);
	assert_int_equal(sa.prop[0].xf[0].type, IKE_XF_ENCR);
	assert_int_equal(sa.prop[0].xf[0].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(sa.prop[0].xf[0].key_len, 256);
	assert_int_equal(sa.prop[0].xf[2].id, IKE_DH_X25519);
	assert_int_equal(sa.prop[1].num, 2);
	assert_int_equal(sa.prop[1].n_xf, 4);
	assert_int_equal(sa.prop[1].xf[0].key_len, 128);
	assert_int_equal(sa.prop[1].xf[1].id, IKE_INTEG_HMAC_SHA2_256_128);
	assert_int_equal(sa.prop[1].xf[1].key_len, 0);
	assert_false(sa.prop[1].xf[1].unknown_attr);

	struct ike_ke ke;
	assert_int_equal(ike_ke_parse(m.pl[1].body, m.pl[1].body_len, &ke, &ds, 0), 0);
	assert_int_equal(ke.group, IKE_DH_X25519);
	assert_int_equal(ke.len, 32);
	assert_int_equal(ke.data[31], 0x1f);

	const struct ike_pl *frag = ike_msg_find_notify(&m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
	assert_non_null(frag);
	assert_ptr_equal(frag, &m.pl[4]);
	assert_null(ike_msg_find_notify(&m, IKE_N_COOKIE));
	struct ike_notify nt;
	assert_int_equal(ike_notify_parse(m.pl[3].body, m.pl[3].body_len, &nt, &ds, 0), 0);
	assert_int_equal(nt.type, IKE_N_NAT_DETECTION_SOURCE_IP);
	assert_int_equal(nt.data_len, 20);
	assert_ptr_equal(ike_msg_find(&m, IKE_PL_V, 0), &m.pl[5]);
	assert_null(ike_msg_find(&m, IKE_PL_SA, 1));
}

static void test_init_golden_build(void **s)
{
	(void)s;
	uint8_t out[512], ke[32], ni[32], natd[20], v[16];
	for (int i = 0; i < 32; i++) {
		ke[i] = (uint8_t)i;
		ni[i] = (uint8_t)(0x40 + i);
	}
	for (int i = 0; i < 20; i++)
		natd[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 16; i++)
		v[i] = (uint8_t)(0xc0 + i);
	struct ike_hdr h = { .spi_i = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 },
			     .version = 0x20, .exchange = IKE_SA_INIT, .flags = IKE_FLAG_I };
	static struct ike_sa_payload sa;
	memset(&sa, 0, sizeof(sa));
	sa.n_prop = 2;
	sa.prop[0] = (struct ike_prop){ .num = 1, .proto = IKE_PROTO_IKE, .n_xf = 3 };
	sa.prop[0].xf[0] = (struct ike_xf){ IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256, false };
	sa.prop[0].xf[1] = (struct ike_xf){ IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0, false };
	sa.prop[0].xf[2] = (struct ike_xf){ IKE_XF_DH, IKE_DH_X25519, 0, false };
	sa.prop[1] = (struct ike_prop){ .num = 2, .proto = IKE_PROTO_IKE, .n_xf = 4 };
	sa.prop[1].xf[0] = (struct ike_xf){ IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128, false };
	sa.prop[1].xf[1] = (struct ike_xf){ IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, false };
	sa.prop[1].xf[2] = (struct ike_xf){ IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0, false };
	sa.prop[1].xf[3] = (struct ike_xf){ IKE_XF_DH, IKE_DH_MODP2048, 0, false };
	struct ike_wr w;
	size_t len = 0;
	ike_wr_init(&w, out, sizeof(out), &h);
	ike_put_sa(&w, &sa);
	ike_put_ke(&w, IKE_DH_X25519, ke, sizeof(ke));
	ike_put_nonce(&w, ni, sizeof(ni));
	ike_put_notify(&w, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, natd, sizeof(natd));
	ike_put_notify(&w, 0, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ike_put_vendor(&w, v, sizeof(v));
	assert_int_equal(ike_wr_finish(&w, &len), 0);
	size_t n = hex(init_req);
	assert_int_equal(len, n);
	assert_memory_equal(out, buf, n);

	/* The same into a buffer one octet short: the error sticks. */
	ike_wr_init(&w, out, n - 1, &h);
	ike_put_sa(&w, &sa);
	ike_put_ke(&w, IKE_DH_X25519, ke, sizeof(ke));
	ike_put_nonce(&w, ni, sizeof(ni));
	ike_put_notify(&w, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, natd, sizeof(natd));
	ike_put_notify(&w, 0, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ike_put_vendor(&w, v, sizeof(v));
	assert_int_equal(ike_wr_finish(&w, &len), M6_E_NOMEM);
	/* Unbalanced begin/end is refused. */
	ike_wr_init(&w, out, sizeof(out), &h);
	ike_wr_begin(&w, IKE_PL_V, false);
	assert_int_equal(ike_wr_finish(&w, &len), M6_E_INVAL);
}

/* The IKE_AUTH content, parsed as an SK plaintext and rebuilt: MH-type
 * selectors (4877-06), the CP request for a home address and prefix
 * (4877-12, 4877-13), OPAQUE ports (IKE-18). */
static void test_auth_inner_golden(void **s)
{
	(void)s;
	static uint8_t inner[512];
	size_t n = tu_hex(auth_inner, inner, sizeof(inner));
	struct ike_msg m;
	struct m6_diags ds;
	size_t mn = wrap(IKE_PL_SK, "23 00 0004");  /* an empty SK, first inner IDi */
	assert_int_equal(parse(buf, mn, &m, &ds), 0);
	assert_int_equal(m.sk, 0);
	assert_int_equal(m.sk_np, IKE_PL_IDI);
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse_inner(&m, inner, n, m.sk_np, &ds, 1000), 0);
	assert_int_equal(m.n, 8);
	assert_true(m.pl[1].inner);
	assert_int_equal(m.pl[1].off, 1000);

	struct ike_id id;
	assert_int_equal(ike_id_parse(m.pl[1].body, m.pl[1].body_len, &id, &ds, 0), 0);
	assert_int_equal(id.type, IKE_ID_FQDN);
	assert_int_equal(id.len, 14);
	assert_memory_equal(id.data, "mn.example.org", 14);
	struct ike_auth a;
	assert_int_equal(ike_auth_parse(m.pl[2].body, m.pl[2].body_len, &a, &ds, 0), 0);
	assert_int_equal(a.method, IKE_AUTH_PSK);
	assert_int_equal(a.len, 32);
	struct ike_cp cp;
	assert_int_equal(ike_cp_parse(m.pl[3].body, m.pl[3].body_len, &cp, &ds, 0), 0);
	assert_int_equal(cp.cfg_type, IKE_CFG_REQUEST);
	assert_int_equal(cp.n, 2);
	assert_int_equal(cp.attr[0].type, IKE_CP_INTERNAL_IP6_ADDRESS);
	assert_int_equal(cp.attr[1].type, IKE_CP_MIP6_HOME_PREFIX);
	assert_int_equal(cp.attr[1].len, 0);
	static struct ike_sa_payload sa;
	assert_int_equal(ike_sa_parse(m.pl[4].body, m.pl[4].body_len, &sa, &ds, 0), 0);
	assert_int_equal(sa.prop[0].proto, IKE_PROTO_ESP);
	assert_int_equal(sa.prop[0].spi_size, 4);
	assert_int_equal(m6_get32(sa.prop[0].spi), 0xc0010203);
	assert_int_equal(sa.prop[0].xf[1].type, IKE_XF_ESN);
	struct ike_ts_list tsi, tsr;
	assert_int_equal(ike_ts_parse(m.pl[5].body, m.pl[5].body_len, &tsi, &ds, 0), 0);
	assert_int_equal(tsi.n, 1);
	assert_int_equal(tsi.ts[0].proto, 135);
	assert_int_equal(tsi.ts[0].start_port, 0x0500);       /* MH type 5 (BU), 4877-06 */
	assert_int_equal(tsi.ts[0].end_port, 0x06ff);         /* .. type 6 (BA) */
	uint8_t hoa[16];
	tu_addr(TU_HOA, hoa);
	assert_memory_equal(tsi.ts[0].start, hoa, 16);
	assert_int_equal(ike_ts_parse(m.pl[6].body, m.pl[6].body_len, &tsr, &ds, 0), 0);
	assert_int_equal(tsr.n, 2);
	assert_int_equal(tsr.ts[0].start_port, 65535);        /* OPAQUE (IKE-18) */
	assert_int_equal(tsr.ts[0].end_port, 0);
	assert_int_equal(tsr.ts[1].type, IKE_TS_IPV4_ADDR_RANGE);
	assert_int_equal(tsr.ts[1].end[3], 0xff);
	assert_int_equal(ds.n, 0);

	/* Rebuilt through the writer (inside an SK payload of a message). */
	uint8_t out[600];
	struct ike_hdr h = { .version = 0x20, .exchange = IKE_AUTH, .flags = IKE_FLAG_I, .msgid = 1 };
	struct ike_wr w;
	ike_wr_init(&w, out, sizeof(out), &h);
	ike_wr_sk_begin(&w, false, 0, 0, 0);
	ike_put_id(&w, IKE_PL_IDI, IKE_ID_FQDN, id.data, id.len);
	ike_put_auth(&w, a.method, a.data, a.len);
	ike_put_cp(&w, &cp);
	ike_put_sa(&w, &sa);
	ike_put_ts(&w, IKE_PL_TSI, &tsi);
	ike_put_ts(&w, IKE_PL_TSR, &tsr);
	ike_put_notify(&w, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	assert_int_equal(w.err, 0);
	assert_int_equal(out[16], IKE_PL_SK);
	assert_int_equal(out[w.sk_off], IKE_PL_IDI);
	assert_int_equal(w.len - w.plain_off, n);
	assert_memory_equal(out + w.plain_off, inner, n);
}

/* The payloads the golden messages lack: CERT, CERTREQ, D, EAP, SKF (IKE-23). */
static void test_other_payloads(void **s)
{
	(void)s;
	uint8_t out[256];
	struct ike_hdr h = { .version = 0x20, .exchange = IKE_INFORMATIONAL, .msgid = 3 };
	static const uint8_t cert[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	static const uint8_t sha1[20] = { 1, 2, 3 };
	static const uint8_t eap[] = { 1, 7, 0, 9, 1, 'u', 's', 'e', 'r' };   /* Request/Identity */
	static const uint32_t spis[] = { 0xc0010203, 0xc0010204 };
	struct ike_wr w;
	size_t len;
	ike_wr_init(&w, out, sizeof(out), &h);
	ike_put_cert(&w, IKE_PL_CERT, IKE_CERT_X509_SIG, cert, sizeof(cert));
	ike_put_cert(&w, IKE_PL_CERTREQ, IKE_CERT_X509_SIG, sha1, sizeof(sha1));
	ike_put_delete(&w, IKE_PROTO_ESP, spis, 2);
	ike_put_delete(&w, IKE_PROTO_IKE, NULL, 0);
	ike_put_eap(&w, eap, sizeof(eap));
	assert_int_equal(ike_wr_finish(&w, &len), 0);
	static const char want[] =
		"0000000000000000 0000000000000000 25 20 25 00 00000003 00000064"
		"26 00 000a 04 3003020105"
		"2a 00 0019 04 0102030000000000000000000000000000000000"
		"2a 00 0010 03 04 0002 c0010203 c0010204"
		"30 00 0008 01 00 0000"
		"00 00 000d 01 07 0009 01 75736572";
	uint8_t g[256];
	size_t gn = tu_hex(want, g, sizeof(g));
	assert_int_equal(len, gn);
	assert_memory_equal(out, g, gn);

	struct ike_msg m;
	struct m6_diags ds;
	assert_int_equal(parse(out, len, &m, &ds), 0);
	assert_int_equal(m.n, 5);
	struct ike_cert c;
	assert_int_equal(ike_cert_parse(m.pl[1].body, m.pl[1].body_len, &c, &ds, 0), 0);
	assert_int_equal(c.enc, IKE_CERT_X509_SIG);
	assert_int_equal(c.len, 20);
	struct ike_delete d;
	assert_int_equal(ike_delete_parse(m.pl[2].body, m.pl[2].body_len, &d, &ds, 0), 0);
	assert_int_equal(d.n_spi, 2);
	assert_int_equal(m6_get32(d.spis + 4), 0xc0010204);
	assert_int_equal(ike_delete_parse(m.pl[3].body, m.pl[3].body_len, &d, &ds, 0), 0);
	assert_int_equal(d.proto, IKE_PROTO_IKE);
	assert_int_equal(d.n_spi, 0);
	struct ike_eap e;
	assert_int_equal(ike_eap_parse(m.pl[4].body, m.pl[4].body_len, &e, &ds, 0), 0);
	assert_int_equal(e.code, IKE_EAP_REQUEST);
	assert_int_equal(e.type, 1);
	assert_int_equal(e.data_len, 4);

	/* EAP Success is 4 octets, no Type. */
	size_t n = wrap(IKE_PL_EAP, "00 00 0008 03 07 0004");
	assert_int_equal(parse(buf, n, &m, &ds), 0);
	assert_int_equal(ike_eap_parse(m.pl[0].body, m.pl[0].body_len, &e, &ds, 0), 0);
	assert_int_equal(e.type, 0);
	assert_int_equal(e.data_len, 0);

	/* SKF (IKE-23): Fragment Number / Total Fragments are decoded. */
	n = wrap(IKE_PL_SKF, "00 00 000c 0002 0003 a1a2a3a4");
	assert_int_equal(parse(buf, n, &m, &ds), 0);
	assert_int_equal(m.sk, 0);
	assert_int_equal(m.frag_num, 2);
	assert_int_equal(m.frag_total, 3);
}

struct fault_row {
	const char *what;
	uint8_t np;
	const char *chain;
	int code;
	uint32_t off;
};

/* One fault each: the message, the error, its offset (IKE-05, IKE-09,
 * IKE-18, IKE-23, 4877-13 in the rows). */
static void test_faults(void **s)
{
	(void)s;
	static const struct fault_row faults[] = {
		/* generic chain */
		{ "payload header cut", IKE_PL_V, "00 00 00", M6_E_IKE_PL_TRUNC, 28 },
		{ "Payload Length 3", IKE_PL_V, "00 00 0003 00", M6_E_IKE_PL_LEN, 30 },
		{ "payload past the end", IKE_PL_V, "00 00 0010 0102", M6_E_IKE_PL_OVERRUN, 30 },
		{ "octets after the last", IKE_PL_V, "00 00 0005 01 ff", M6_E_IKE_PL_TRAILING, 33 },
		{ "next payload with nothing left", IKE_PL_V, "2b 00 0005 01", M6_E_IKE_PL_TRUNC, 33 },
		/* IKE-05: unknown type 200 with the critical bit */
		{ "unknown critical", 200, "00 80 0006 0102", M6_E_IKE_PL_CRITICAL, 28 },
		{ "SK not last", IKE_PL_SK, "00 00 0004 2b 00 0004", M6_E_IKE_SK_NOT_LAST, 28 },
		/* SA */
		{ "SA without proposal", IKE_PL_SA, "00 00 0004", M6_E_IKE_SA_EMPTY, 32 },
		{ "Proposal Length past SA", IKE_PL_SA, "00 00 0010 00 00 0020 01 01 00 00 00000000",
		  M6_E_IKE_PROP_LEN, 34 },
		{ "proposal cut", IKE_PL_SA, "00 00 0008 00 00 0004", M6_E_IKE_PROP_LEN, 32 },
		{ "last proposal with Last Substruc 2", IKE_PL_SA, "00 00 000c 02 00 0008 01 01 00 00",
		  M6_E_IKE_PROP_LAST, 32 },
		{ "second proposal numbered 3", IKE_PL_SA,
		  "00 00 0014 02 00 0008 01 01 00 00 00 00 0008 03 01 00 00", M6_E_IKE_PROP_NUM, 44 },
		{ "first of two numbered 2", IKE_PL_SA,
		  "00 00 0014 02 00 0008 02 01 00 00 00 00 0008 03 01 00 00", M6_E_IKE_PROP_NUM, 36 },
		{ "protocol 9", IKE_PL_SA, "00 00 000c 00 00 0008 01 09 00 00", M6_E_IKE_PROP_PROTO, 37 },
		{ "ESP with an 8-octet SPI", IKE_PL_SA, "00 00 0014 00 00 0010 01 03 08 00 0102030405060708",
		  M6_E_IKE_PROP_SPI, 38 },
		{ "Num Transforms 2 for 1", IKE_PL_SA, "00 00 0014 00 00 0010 01 01 00 02 00 00 0008 02 00 0005",
		  M6_E_IKE_XF_COUNT, 39 },
		{ "Transform Length 7", IKE_PL_SA, "00 00 0014 00 00 0010 01 01 00 01 00 00 0007 02 00 0005",
		  M6_E_IKE_XF_LEN, 42 },
		{ "last transform with Last Substruc 3", IKE_PL_SA,
		  "00 00 0014 00 00 0010 01 01 00 01 03 00 0008 02 00 0005", M6_E_IKE_XF_LAST, 40 },
		{ "attribute past its transform", IKE_PL_SA,
		  "00 00 0019 00 00 0015 01 01 00 01 00 00 000d 01 00 000c 000e 0004 01", M6_E_IKE_ATTR_LEN, 50 },
		{ "Key Length in TLV format", IKE_PL_SA,
		  "00 00 001a 00 00 0016 01 01 00 01 00 00 000e 01 00 000c 000e 0002 0080", M6_E_IKE_ATTR_FORMAT, 48 },
		/* other payloads */
		{ "KE body of 3", IKE_PL_KE, "00 00 0007 001f 00", M6_E_IKE_PL_LEN, 30 },
		{ "X25519 KE of 31 octets", IKE_PL_KE,
		  "00 00 0027 001f 0000 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
		  M6_E_IKE_KE_LEN, 36 },
		{ "IPv6 ID of 4 octets", IKE_PL_IDI, "00 00 000c 05 000000 20010db8", M6_E_IKE_ID_LEN, 36 },
		/* IKE-09: an 8-octet nonce */
		{ "nonce of 8", IKE_PL_NONCE, "00 00 000c 0102030405060708", M6_E_IKE_NONCE_LEN, 30 },
		{ "notify SPI past payload", IKE_PL_N, "00 00 000a 03 04 4009 0102", M6_E_IKE_N_SPI, 33 },
		{ "notify SPI size 3", IKE_PL_N, "00 00 000b 03 03 4009 010203", M6_E_IKE_N_SPI, 33 },
		{ "delete of protocol 7", IKE_PL_D, "00 00 0008 07 00 0000", M6_E_IKE_DEL_PROTO, 32 },
		{ "delete ESP counting 2 SPIs, 1 present", IKE_PL_D, "00 00 000c 03 04 0002 c0010203",
		  M6_E_IKE_DEL_SPI, 33 },
		{ "delete IKE with an SPI size", IKE_PL_D, "00 00 0008 01 08 0000", M6_E_IKE_DEL_SPI, 33 },
		{ "zero selectors", IKE_PL_TSI, "00 00 0008 00 000000", M6_E_IKE_TS_COUNT, 32 },
		{ "TS count 2, one present", IKE_PL_TSI, "00 00 0018 02 000000 07 00 0010 0000 ffff 00000000 ffffffff",
		  M6_E_IKE_TS_COUNT, 32 },
		{ "TS type 9", IKE_PL_TSI, "00 00 0010 01 000000 09 00 0008 00000000", M6_E_IKE_TS_TYPE, 36 },
		{ "IPv4 selector length 20", IKE_PL_TSI, "00 00 001c 01 000000 07 00 0014 0000 ffff 00000000 ffffffff 00000000",
		  M6_E_IKE_TS_LEN, 38 },
		{ "selector past payload", IKE_PL_TSI, "00 00 000c 01 000000 07 00 0010", M6_E_IKE_TS_LEN, 38 },
		/* IKE-18: only 65535..0 may run backwards */
		{ "ports 80..79", IKE_PL_TSI, "00 00 0018 01 000000 07 06 0010 0050 004f 00000000 ffffffff",
		  M6_E_IKE_TS_RANGE, 40 },
		{ "addresses backwards", IKE_PL_TSI, "00 00 0018 01 000000 07 00 0010 0000 ffff 0a000002 0a000001",
		  M6_E_IKE_TS_RANGE, 44 },
		{ "CFG type 5", IKE_PL_CP, "00 00 0008 05 000000", M6_E_IKE_CP_TYPE, 32 },
		{ "CP attribute past payload", IKE_PL_CP, "00 00 000e 02 000000 0008 0011 0102", M6_E_IKE_CP_ATTR, 38 },
		/* 4877-13: MIP6_HOME_PREFIX is 0 or 21 octets (RFC 5026 8.2) */
		{ "MIP6_HOME_PREFIX of 16", IKE_PL_CP,
		  "00 00 001c 02 000000 0010 0010 20010db8000100000000000000000000", M6_E_IKE_CP_LEN, 38 },
		{ "INTERNAL_IP6_ADDRESS of 16", IKE_PL_CP,
		  "00 00 001c 02 000000 0008 0010 20010db8000100000000000000000100", M6_E_IKE_CP_LEN, 38 },
		{ "EAP Length 9 in 8", IKE_PL_EAP, "00 00 000c 02 01 0009 01 757365", M6_E_IKE_EAP_LEN, 34 },
		{ "EAP code 5", IKE_PL_EAP, "00 00 0008 05 01 0004", M6_E_IKE_EAP_CODE, 32 },
		{ "EAP Success with data", IKE_PL_EAP, "00 00 0009 03 01 0005 00", M6_E_IKE_EAP_LEN, 34 },
		{ "EAP Request without Type", IKE_PL_EAP, "00 00 0008 01 01 0004", M6_E_IKE_EAP_LEN, 34 },
		/* IKE-23: Fragment Number 0, or above Total */
		{ "fragment 0", IKE_PL_SKF, "00 00 0008 0000 0002", M6_E_IKE_SKF_NUM, 32 },
		{ "fragment 3 of 2", IKE_PL_SKF, "00 00 0008 0003 0002", M6_E_IKE_SKF_NUM, 32 },
		{ "total 0", IKE_PL_SKF, "00 00 0008 0001 0000", M6_E_IKE_SKF_NUM, 32 },
		{ "SKF body of 2", IKE_PL_SKF, "00 00 0006 0001", M6_E_IKE_PL_LEN, 30 },
	};
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		const struct fault_row *r = &faults[i];
		struct ike_msg m;
		struct m6_diags ds;
		size_t n = wrap(r->np, r->chain);
		int rc = parse(buf, n, &m, &ds);
		if (rc != r->code || ds.n < 1 || ds.d[0].off != r->off)
			fail_msg("%s: got %s at %u, want %s at %u", r->what, m6_errid(rc),
				 ds.n ? ds.d[0].off : 0, m6_errid(r->code), r->off);
	}
}

/* IKE-05: another major version is refused, minor version and reserved
 * flags ignored; Length checked both ways. */
static void test_header_faults(void **s)
{
	(void)s;
	struct ike_msg m;
	struct m6_diags ds;
	size_t n = wrap(IKE_PL_NONE, "");
	assert_int_equal(parse(buf, n, &m, &ds), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(parse(buf, 27, &m, &ds), M6_E_IKE_TRUNC);
	/* IKE-05: major version 3 is dropped, minor versions are ignored */
	buf[17] = 0x30;
	assert_int_equal(parse(buf, n, &m, &ds), M6_E_IKE_VERSION);
	assert_int_equal(ds.d[0].off, 17);
	buf[17] = 0x21;
	assert_int_equal(parse(buf, n, &m, &ds), 0);
	/* Reserved flag bits are ignored on receipt (IKE-05). */
	buf[19] = 0xc7;
	assert_int_equal(parse(buf, n, &m, &ds), 0);
	buf[18] = 33;
	assert_int_equal(parse(buf, n, &m, &ds), M6_E_IKE_EXCHANGE);
	assert_int_equal(ds.d[0].off, 18);
	buf[18] = IKE_INFORMATIONAL;
	/* Length above and below the octets present */
	n = wrap(IKE_PL_V, "00 00 0005 01");
	m6_put32(buf + 24, (uint32_t)n + 1);
	assert_int_equal(parse(buf, n, &m, &ds), M6_E_IKE_LEN);
	assert_int_equal(ds.d[0].off, 24);
	m6_put32(buf + 24, (uint32_t)n - 1);
	assert_int_equal(parse(buf, n, &m, &ds), M6_E_IKE_LEN);
	assert_int_equal(ds.n, 2);      /* and the V payload now overruns */
	assert_int_equal(ds.d[1].code, M6_E_IKE_PL_OVERRUN);
	assert_int_equal(m.len, n - 1);
}

/* IKE-05: an unknown payload without the critical bit is listed and skipped. */
static void test_unknown_skipped(void **s)
{
	(void)s;
	struct ike_msg m;
	struct m6_diags ds;
	size_t n = wrap(200, "2b 00 0006 0102 00 00 0005 01");
	assert_int_equal(parse(buf, n, &m, &ds), 0);
	assert_int_equal(m.n, 2);
	assert_false(m.pl[0].known);
	assert_int_equal(m.pl[0].type, 200);
	assert_int_equal(m.pl[1].type, IKE_PL_V);
	/* the critical bit on a known payload is no fault */
	n = wrap(IKE_PL_V, "00 80 0005 01");
	assert_int_equal(parse(buf, n, &m, &ds), 0);
	assert_true(m.pl[0].critical);
}

/* IKE-09: 16 and 256 octets are the bounds. */
static void test_nonce_bounds(void **s)
{
	(void)s;
	static const size_t lens[] = { 15, 16, 256, 257 };
	static const int want[] = { M6_E_IKE_NONCE_LEN, 0, 0, M6_E_IKE_NONCE_LEN };
	for (int i = 0; i < 4; i++) {
		uint8_t out[400], nonce[300] = { 0 };
		struct ike_hdr h = { .version = 0x20, .exchange = IKE_SA_INIT };
		struct ike_wr w;
		size_t len;
		struct ike_msg m;
		struct m6_diags ds;
		ike_wr_init(&w, out, sizeof(out), &h);
		ike_put_nonce(&w, nonce, lens[i]);
		assert_int_equal(ike_wr_finish(&w, &len), 0);
		assert_int_equal(parse(out, len, &m, &ds), want[i]);
	}
}

/* IKE-06: a COOKIE notify of 64 octets round-trips as the first payload. */
static void test_cookie_first(void **s)
{
	(void)s;
	uint8_t out[256], cookie[IKE_COOKIE_MAX];
	for (int i = 0; i < IKE_COOKIE_MAX; i++)
		cookie[i] = (uint8_t)i;
	struct ike_hdr h = { .version = 0x20, .exchange = IKE_SA_INIT, .flags = IKE_FLAG_I };
	struct ike_wr w;
	size_t len;
	ike_wr_init(&w, out, sizeof(out), &h);
	ike_put_notify(&w, 0, NULL, 0, IKE_N_COOKIE, cookie, sizeof(cookie));
	assert_int_equal(ike_wr_finish(&w, &len), 0);
	struct ike_msg m;
	struct m6_diags ds;
	assert_int_equal(parse(out, len, &m, &ds), 0);
	assert_int_equal(out[16], IKE_PL_N);
	struct ike_notify nt;
	assert_int_equal(ike_notify_parse(m.pl[0].body, m.pl[0].body_len, &nt, &ds, 0), 0);
	assert_int_equal(nt.type, IKE_N_COOKIE);
	assert_int_equal(nt.data_len, IKE_COOKIE_MAX);
	assert_memory_equal(nt.data, cookie, IKE_COOKIE_MAX);
}

/* Capacities are faults, never silent truncation. */
static void test_limits(void **s)
{
	(void)s;
	static uint8_t out[8192];
	static struct ike_sa_payload sa;
	struct ike_hdr h = { .version = 0x20, .exchange = IKE_SA_INIT };
	struct ike_wr w;
	struct ike_msg m;
	struct m6_diags ds;
	size_t len;

	/* 65 payloads */
	ike_wr_init(&w, out, sizeof(out), &h);
	for (int i = 0; i < IKE_PL_MAX + 1; i++)
		ike_put_vendor(&w, (const uint8_t *)"v", 1);
	assert_int_equal(ike_wr_finish(&w, &len), 0);
	assert_int_equal(parse(out, len, &m, &ds), M6_E_IKE_PL_MAX);
	assert_int_equal(m.n, IKE_PL_MAX);
	assert_int_equal(ds.d[0].off, 28 + 5 * IKE_PL_MAX);

	/* 16 proposals fit, 17 do not */
	for (unsigned np = IKE_PROP_MAX; np <= IKE_PROP_MAX + 1; np++) {
		memset(&sa, 0, sizeof(sa));
		sa.n_prop = np;
		for (unsigned i = 0; i < np; i++) {
			sa.prop[i < IKE_PROP_MAX ? i : 0].num = (uint8_t)(i + 1);
		}
		/* the builder writes at most IKE_PROP_MAX: lay the 17th by hand */
		for (unsigned i = 0; i < IKE_PROP_MAX; i++) {
			sa.prop[i].num = (uint8_t)(i + 1);
			sa.prop[i].proto = IKE_PROTO_IKE;
			sa.prop[i].n_xf = 1;
			sa.prop[i].xf[0] = (struct ike_xf){ IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0, false };
		}
		ike_wr_init(&w, out, sizeof(out), &h);
		sa.n_prop = IKE_PROP_MAX;
		ike_put_sa(&w, &sa);
		assert_int_equal(ike_wr_finish(&w, &len), 0);
		if (np > IKE_PROP_MAX) {
			/* append proposal 17, mark 16 as not last, grow SA */
			static const char p17[] = "00 00 0010 11 01 00 01 00 00 0008 02 00 0005";
			size_t add = tu_hex(p17, out + len, sizeof(out) - len);
			out[len - 16] = 2;
			m6_put16(out + 30, (uint16_t)(m6_get16(out + 30) + add));
			len += add;
			m6_put32(out + 24, (uint32_t)len);
		}
		assert_int_equal(parse(out, len, &m, &ds), np > IKE_PROP_MAX ? M6_E_IKE_PROP_MAX : 0);
		assert_int_equal(ike_sa_parse(m.pl[0].body, m.pl[0].body_len, &sa, &ds, 0),
				 np > IKE_PROP_MAX ? M6_E_IKE_PROP_MAX : 0);
		assert_int_equal(sa.n_prop, IKE_PROP_MAX);
	}

	/* 64 transforms fit, 65 do not: the builder stops at 64, so grow by hand */
	memset(&sa, 0, sizeof(sa));
	sa.n_prop = 1;
	sa.prop[0] = (struct ike_prop){ .num = 1, .proto = IKE_PROTO_IKE, .n_xf = IKE_XF_MAX };
	for (int i = 0; i < IKE_XF_MAX; i++)
		sa.prop[0].xf[i] = (struct ike_xf){ IKE_XF_DH, (uint16_t)i, 0, false };
	ike_wr_init(&w, out, sizeof(out), &h);
	ike_put_sa(&w, &sa);
	assert_int_equal(ike_wr_finish(&w, &len), 0);
	assert_int_equal(parse(out, len, &m, &ds), 0);
	static const char x65[] = "00 00 0008 04 00 0063";
	size_t add = tu_hex(x65, out + len, sizeof(out) - len);
	out[len - 8] = 3;                       /* transform 64 is no longer last */
	out[28 + 4 + 7] = IKE_XF_MAX + 1;       /* Num Transforms */
	m6_put16(out + 30, (uint16_t)(m6_get16(out + 30) + add));
	m6_put16(out + 34, (uint16_t)(m6_get16(out + 34) + add));
	len += add;
	m6_put32(out + 24, (uint32_t)len);
	assert_int_equal(parse(out, len, &m, &ds), M6_E_IKE_XF_MAX);
	assert_int_equal(ike_sa_parse(m.pl[0].body, m.pl[0].body_len, &sa, &ds, 0), M6_E_IKE_XF_MAX);
	assert_int_equal(sa.prop[0].n_xf, IKE_XF_MAX);
}

/* An SK payload cannot hold another. */
static void test_sk_nested(void **s)
{
	(void)s;
	struct ike_msg m;
	struct m6_diags ds;
	static const uint8_t inner[] = { 0, 0, 0, 8, 0, 1, 0, 1 };
	size_t n = wrap(IKE_PL_SK, "2e 00 0004");
	assert_int_equal(parse(buf, n, &m, &ds), 0);
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse_inner(&m, inner, sizeof(inner), IKE_PL_SK, &ds, 0),
			 M6_E_IKE_SK_NESTED);
	assert_int_equal(ike_msg_parse_inner(&m, inner, sizeof(inner), IKE_PL_SKF, &ds, 0),
			 M6_E_IKE_SK_NESTED);
}

/* The codes have fixed numbers (128 and up in the table) and every one has
 * a distinct id and a reason. */
static void test_error_codes(void **s)
{
	(void)s;
	assert_int_equal(M6_E_IKE_TRUNC, M6_E_FIRST_ + 128);
	assert_int_equal(M6_E_IKE_AUTH, M6_E_FIRST_ + 182);
	assert_int_equal(M6_E_IKE_PEER_ERROR, M6_E_FIRST_ + 189);
	assert_string_equal(m6_errid(M6_E_IKE_NONCE_LEN), "ike_nonce_len");
	assert_string_equal(m6_errid(M6_E_IKE_SK_NESTED), "ike_sk_nested");
	const char *seen[80];
	int n = 0;
	for (int c = M6_E_IKE_TRUNC; c <= M6_E_IKE_PEER_ERROR; c++) {
		assert_true(m6_err_known(c));
		const char *id = m6_errid(c);
		assert_string_not_equal(m6_strerror(c), "unknown error");
		assert_true(strncmp(id, "ike_", 4) == 0);
		for (int i = 0; i < n; i++)
			assert_string_not_equal(seen[i], id);
		seen[n++] = id;
	}
	assert_int_equal(n, 62);
	assert_string_equal(m6_errid(M6_E_TRUNC), "trunc");
}

static void test_names(void **s)
{
	(void)s;
	assert_string_equal(ike_payload_name(IKE_PL_SKF), "SKF");
	assert_string_equal(ike_exchange_name(IKE_CREATE_CHILD_SA), "CREATE_CHILD_SA");
	assert_string_equal(ike_notify_name(IKE_N_USE_ASSIGNED_HOA), "USE_ASSIGNED_HoA");
	assert_string_equal(ike_xf_id_name(IKE_XF_DH, IKE_DH_X448), "CURVE448");
	assert_string_equal(ike_cp_attr_name(IKE_CP_MIP6_HOME_PREFIX), "MIP6_HOME_PREFIX");
	assert_null(ike_payload_name(200));
	assert_null(ike_xf_id_name(9, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_golden_parse),
		cmocka_unit_test(test_init_golden_build),
		cmocka_unit_test(test_auth_inner_golden),
		cmocka_unit_test(test_other_payloads),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_header_faults),
		cmocka_unit_test(test_unknown_skipped),
		cmocka_unit_test(test_nonce_bounds),
		cmocka_unit_test(test_cookie_first),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_sk_nested),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
