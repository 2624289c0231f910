/*
 * TCP segmentation of offload super-frames (src/daemon/gso.c): the
 * segments are what the sender's hardware would have put on the wire.
 */
#include "tcp6.h"

#include "gso.h"
#include "util/m6_err.h"

/* IPv6 TCP from the correspondent to the home address, FIN|PSH|CWR|ACK,
 * seq 1000, `payload` octets 0, 1, 2, ... */
static size_t super_frame(uint8_t *p, size_t payload, uint8_t doff_words)
{
	size_t tcp = 4u * doff_words;
	tcp6_ip_hdr(p, tcp + payload, 64);
	uint8_t *t = p + 40;
	memset(t, 0, tcp);
	m6_put16(t, 40000);
	m6_put16(t + 2, 5201);
	m6_put32(t + 4, 1000);
	t[12] = (uint8_t)(doff_words << 4);
	t[13] = 0x80 | 0x10 | 0x08 | 0x01;
	for (size_t i = 0; i < payload; i++)
		t[tcp + i] = (uint8_t)i;
	return 40 + tcp + payload;
}

static void test_cut(void **state)
{
	(void)state;
	static uint8_t in[70000], seg[2000];
	size_t len = super_frame(in, 3500, 8);           /* 32-octet TCP header (options) */
	struct gso_iter it;
	assert_int_equal(gso_begin(&it, in, len, 1200), 0);
	size_t got = 0;
	for (unsigned k = 0; k < 3; k++) {
		int n = gso_next(&it, seg, sizeof(seg));
		size_t chunk = k < 2 ? 1200 : 1100;
		assert_int_equal(n, 40 + 32 + chunk);
		assert_int_equal(m6_get16(seg + 4), 32 + chunk);             /* Payload Length */
		assert_int_equal(m6_get32(seg + 44), 1000 + 1200 * k);        /* sequence number */
		uint8_t flags = seg[53];
		assert_int_equal(!!(flags & 0x80), k == 0);                   /* CWR first only */
		assert_int_equal(!!(flags & 0x09), k == 2);                   /* FIN, PSH last only */
		assert_true(flags & 0x10);                                    /* ACK on all */
		assert_int_equal(m6_csum_ip6(seg + 8, seg + 24, 6, seg + 40, (size_t)n - 40), 0);
		assert_memory_equal(seg + 72, in + 72 + got, chunk);
		got += chunk;
	}
	assert_int_equal(gso_next(&it, seg, sizeof(seg)), 0);
}

static void test_bare_ack_and_limits(void **state)
{
	(void)state;
	static uint8_t in[2000], seg[2000];
	struct gso_iter it;
	/* no payload: one segment, unchanged but for the checksum */
	size_t len = super_frame(in, 0, 5);
	assert_int_equal(gso_begin(&it, in, len, 1000), 0);
	assert_int_equal(gso_next(&it, seg, sizeof(seg)), 60);
	assert_int_equal(gso_next(&it, seg, sizeof(seg)), 0);
	/* a segment that does not fit the buffer */
	len = super_frame(in, 1500, 5);
	assert_int_equal(gso_begin(&it, in, len, 1440), 0);
	assert_int_equal(gso_next(&it, seg, 100), M6_E_NOMEM);
	/* refused: not TCP, TCP header past the end, a data offset below 5,
	 * a segment size of 0 */
	len = super_frame(in, 100, 5);
	in[6] = 17;
	assert_int_equal(gso_begin(&it, in, len, 100), M6_E_INVAL);
	len = super_frame(in, 0, 15);
	assert_int_equal(gso_begin(&it, in, 70, 100), M6_E_INVAL);
	len = super_frame(in, 10, 5);
	in[52] = 0x40;
	assert_int_equal(gso_begin(&it, in, len, 100), M6_E_INVAL);
	len = super_frame(in, 10, 5);
	assert_int_equal(gso_begin(&it, in, len, 0), M6_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_bare_ack_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
