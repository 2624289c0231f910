/*
 * Receive offload for the TUN device (src/daemon/gro.c): segments that
 * continue each other become one super-packet the kernel can take whole;
 * anything else goes to the host as it came, in order.
 */
#include "tcp6.h"

#include "gro.h"
#include "gso.h"
#include "util/m6_err.h"

/* IPv6 TCP from the correspondent to the home address, ACK (and PSH when
 * `psh`), seq 1000, a 32-octet header with a timestamp-sized option block,
 * `payload` octets 0, 1, 2, ... */
static size_t stream(uint8_t *p, size_t payload, bool psh)
{
	tcp6_ip_hdr(p, 32 + payload, 62);
	uint8_t *t = p + 40;
	memset(t, 0, 32);
	m6_put16(t, 40000);
	m6_put16(t + 2, 5201);
	m6_put32(t + 4, 1000);
	m6_put32(t + 8, 77);
	t[12] = 8 << 4;
	t[13] = (uint8_t)(0x10 | (psh ? 0x08 : 0));
	m6_put16(t + 14, 512);
	t[20] = 1, t[21] = 1, t[22] = 8, t[23] = 10;           /* NOP NOP TS */
	m6_put32(t + 24, 123456);
	for (size_t i = 0; i < payload; i++)
		t[32 + i] = (uint8_t)(i * 7);
	m6_put16(t + 16, m6_csum_ip6(p + 8, p + 24, 6, t, 32 + payload));
	return 40 + 32 + payload;
}

/* The segments a sender's TSO would have made of stream(), in segs[] */
static unsigned cut(uint8_t segs[][1600], size_t *lens, const uint8_t *sup, size_t len, uint16_t mss)
{
	struct gso_iter it;
	assert_int_equal(gso_begin(&it, sup, len, mss), 0);
	unsigned n = 0;
	int l;
	while ((l = gso_next(&it, segs[n], 1600)) > 0)
		lens[n++] = (size_t)l;
	return n;
}

static void test_merge_whole_stream(void **state)
{
	(void)state;
	static uint8_t sup[70000], segs[64][1600];
	static struct gro g;
	size_t lens[64], len = stream(sup, 10 * 1300 + 700, true);
	unsigned n = cut(segs, lens, sup, len, 1300);
	assert_int_equal(n, 11);
	memset(&g, 0, sizeof(g));
	for (unsigned i = 0; i < n; i++)
		assert_true(gro_add(&g, segs[i], lens[i]));
	struct virtio_net_hdr vh;
	const uint8_t *out;
	size_t got = gro_take(&g, &vh, &out);
	assert_int_equal(got, len);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
	assert_int_equal(vh.gso_size, 1300);
	assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh.hdr_len, 72);
	assert_int_equal(vh.csum_start, 40);
	assert_int_equal(vh.csum_offset, 16);
	/* the packet the sender's stack had before its TSO, but the checksum,
	 * which the kernel finishes the way gso_csum_finish does */
	assert_memory_equal(out, sup, 56);
	assert_memory_equal(out + 58, sup + 58, len - 58);
	static uint8_t fin[70000];
	memcpy(fin, out, got);
	assert_int_equal(gso_csum_finish(fin, got, vh.csum_start, vh.csum_offset), 0);
	assert_int_equal(m6_csum_ip6(fin + 8, fin + 24, 6, fin + 40, got - 40), 0);
	assert_memory_equal(fin + 56, sup + 56, 2);
	assert_int_equal(g.merged, 10);
	assert_int_equal(g.supers, 1);
	assert_int_equal(gro_take(&g, &vh, &out), 0);        /* nothing held now */
}

static void test_single_segment_as_it_came(void **state)
{
	(void)state;
	static uint8_t p[2000];
	static struct gro g;
	size_t len = stream(p, 100, false);
	memset(&g, 0, sizeof(g));
	assert_true(gro_add(&g, p, len));
	struct virtio_net_hdr vh;
	const uint8_t *out;
	assert_int_equal(gro_take(&g, &vh, &out), len);
	assert_memory_equal(out, p, len);                     /* checksum untouched */
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(vh.flags, 0);
}

/* Each way a segment can fail to continue the held one: it is refused,
 * and the held packet is unchanged. */
static void test_breaks(void **state)
{
	(void)state;
	static uint8_t sup[10000], segs[8][1600], s[1600];
	static struct gro g;
	size_t lens[8], len = stream(sup, 4 * 1000, false);
	unsigned n = cut(segs, lens, sup, len, 1000);
	assert_int_equal(n, 4);
	struct {
		const char *what;
		size_t at;           /* octet to change in segment 1, or 0 */
		uint8_t xor;
	} cases[] = {
		{ "sequence number", 40 + 7, 1 }, { "ACK number", 40 + 11, 1 }, { "window", 40 + 15, 1 },
		{ "timestamp option", 40 + 27, 1 }, { "hop limit", 7, 1 }, { "flow label", 3, 1 },
		{ "source port", 41, 1 }, { "source address", 23, 1 },
	};
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		memset(&g, 0, sizeof(g));
		assert_true(gro_add(&g, segs[0], lens[0]));
		memcpy(s, segs[1], lens[1]);
		s[cases[c].at] ^= cases[c].xor;
		/* keep the checksum right, so the field is what refuses it */
		m6_put16(s + 56, 0);
		m6_put16(s + 56, m6_csum_ip6(s + 8, s + 24, 6, s + 40, lens[1] - 40));
		print_message("  %s\n", cases[c].what);
		assert_false(gro_add(&g, s, lens[1]));
		assert_int_equal(g.segs, 1);
	}
	/* a bad checksum: never merged, never held */
	memset(&g, 0, sizeof(g));
	assert_true(gro_add(&g, segs[0], lens[0]));
	memcpy(s, segs[1], lens[1]);
	s[100] ^= 0x40;
	assert_false(gro_add(&g, s, lens[1]));
	memset(&g, 0, sizeof(g));
	assert_false(gro_add(&g, s, lens[1]));
	/* SYN, FIN, RST, URG, ECE, CWR: never merged */
	static const uint8_t bad_flags[] = { 0x02, 0x01, 0x04, 0x20, 0x40, 0x80 };
	for (unsigned f = 0; f < sizeof(bad_flags); f++) {
		memcpy(s, segs[1], lens[1]);
		s[53] |= bad_flags[f];
		m6_put16(s + 56, 0);
		m6_put16(s + 56, m6_csum_ip6(s + 8, s + 24, 6, s + 40, lens[1] - 40));
		memset(&g, 0, sizeof(g));
		assert_false(gro_add(&g, s, lens[1]));
	}
	/* a short segment ends the packet: the next one starts another */
	memset(&g, 0, sizeof(g));
	static uint8_t a[3000], b[3000];
	size_t la = stream(a, 300, false), lb = stream(b, 300, false);
	m6_put32(a + 44, 2000);
	m6_put16(a + 56, 0);
	m6_put16(a + 56, m6_csum_ip6(a + 8, a + 24, 6, a + 40, la - 40));
	m6_put32(b + 44, 2300);
	m6_put16(b + 56, 0);
	m6_put16(b + 56, m6_csum_ip6(b + 8, b + 24, 6, b + 40, lb - 40));
	assert_true(gro_add(&g, segs[0], lens[0]));
	assert_true(gro_add(&g, a, la));
	assert_false(gro_add(&g, b, lb));
	assert_int_equal(g.segs, 2);
	/* PSH ends it too */
	memset(&g, 0, sizeof(g));
	memcpy(s, segs[0], lens[0]);
	s[53] |= 0x08;
	m6_put16(s + 56, 0);
	m6_put16(s + 56, m6_csum_ip6(s + 8, s + 24, 6, s + 40, lens[0] - 40));
	assert_true(gro_add(&g, s, lens[0]));
	assert_false(gro_add(&g, segs[1], lens[1]));
	/* not TCP over plain IPv6: a Destination Options header first */
	memcpy(s, segs[0], lens[0]);
	s[6] = 60;
	memset(&g, 0, sizeof(g));
	assert_false(gro_add(&g, s, lens[0]));
	/* a bare ACK carries nothing to merge */
	memset(&g, 0, sizeof(g));
	size_t l0 = stream(s, 0, false);
	assert_false(gro_add(&g, s, l0));
}

/* A segment whose Payload Length disagrees with what was read, or whose
 * TCP header runs past it, is not taken. */
static void test_malformed(void **state)
{
	(void)state;
	static uint8_t p[2000];
	static struct gro g;
	memset(&g, 0, sizeof(g));
	size_t len = stream(p, 100, false);
	assert_false(gro_add(&g, p, len - 1));
	p[52] = 15 << 4;                                       /* 60-octet header */
	assert_false(gro_add(&g, p, 40 + 40));
	assert_false(gro_add(&g, p, 30));
}

/* A UDP checksum the host left partial is finished; offsets outside the
 * packet are refused. */
static void test_csum_finish(void **state)
{
	(void)state;
	uint8_t p[40 + 8 + 20];
	memset(p, 0, sizeof(p));
	p[0] = 0x60;
	m6_put16(p + 4, 28);
	p[6] = 17;
	p[7] = 64;
	ip6_addr_parse(TU_HOA, p + 8);
	ip6_addr_parse("2001:db8:4::1", p + 24);
	m6_put16(p + 40, 5000);
	m6_put16(p + 42, 53);
	m6_put16(p + 44, 28);
	for (unsigned i = 0; i < 20; i++)
		p[48 + i] = (uint8_t)(i + 1);
	/* what the kernel leaves: the pseudo-header's sum in the field */
	m6_put16(p + 46, (uint16_t)~m6_csum_fold(m6_csum_pseudo6(p + 8, p + 24, 28, 17)));
	assert_int_equal(gso_csum_finish(p, sizeof(p), 40, 6), 0);
	assert_int_equal(m6_csum_ip6(p + 8, p + 24, 17, p + 40, 28), 0);
	assert_int_not_equal(m6_get16(p + 46), 0);
	assert_int_equal(gso_csum_finish(p, sizeof(p), sizeof(p), 0), M6_E_INVAL);
	assert_int_equal(gso_csum_finish(p, sizeof(p), 40, 27), M6_E_INVAL);
	assert_int_equal(gso_csum_finish(p, sizeof(p), 40, 26), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_whole_stream),
		cmocka_unit_test(test_single_segment_as_it_came),
		cmocka_unit_test(test_breaks),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_csum_finish),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
