/* Packet buffer over caller memory: headroom, bounds, insertion without payload copies. */
#include "tu.h"
#include "pkt/pbuf.h"

static void test_bounds(void **s)
{
	(void)s;
	uint8_t mem[64], *p;
	struct pbuf pb;
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 65), M6_E_INVAL);
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 16), 0);
	assert_int_equal(pbuf_headroom(&pb), 16);
	assert_int_equal(pbuf_tailroom(&pb), 48);
	assert_int_equal(pbuf_put(&pb, 49, &p), M6_E_NOMEM);
	assert_int_equal(pbuf_put(&pb, 48, &p), 0);
	assert_ptr_equal(p, mem + 16);
	assert_int_equal(pbuf_tailroom(&pb), 0);
	assert_int_equal(pbuf_push(&pb, 17, &p), M6_E_NOMEM);
	assert_int_equal(pbuf_push(&pb, 16, &p), 0);
	assert_ptr_equal(p, mem);
	assert_int_equal(pb.len, 64);
	assert_int_equal(pbuf_pull(&pb, 65), M6_E_TRUNC);
	assert_int_equal(pbuf_pull(&pb, 8), 0);
	assert_int_equal(pbuf_trim(&pb, 57), M6_E_TRUNC);
	assert_int_equal(pbuf_trim(&pb, 6), 0);
	assert_int_equal(pb.len, 50);
}

static void test_insert_remove(void **s)
{
	(void)s;
	uint8_t mem[64], *p, *gap;
	struct pbuf pb;
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 8), 0);
	assert_int_equal(pbuf_put(&pb, 10, &p), 0);
	for (int i = 0; i < 10; i++)
		p[i] = (uint8_t)i;
	const uint8_t *tail = pbuf_data(&pb) + 4;
	assert_int_equal(pbuf_insert(&pb, 11, 2, &gap), M6_E_INVAL);
	assert_int_equal(pbuf_insert(&pb, 4, 9, &gap), M6_E_NOMEM);
	assert_int_equal(pbuf_insert(&pb, 4, 3, &gap), 0);
	memset(gap, 0xee, 3);
	assert_ptr_equal(gap + 3, tail);   /* bytes after the gap stayed put */
	static const uint8_t want[] = { 0, 1, 2, 3, 0xee, 0xee, 0xee, 4, 5, 6, 7, 8, 9 };
	assert_int_equal(pb.len, sizeof(want));
	assert_memory_equal(pbuf_data(&pb), want, sizeof(want));
	assert_int_equal(pbuf_remove(&pb, 4, 11), M6_E_INVAL);
	assert_int_equal(pbuf_remove(&pb, 4, 3), 0);
	static const uint8_t back[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	assert_int_equal(pb.len, 10);
	assert_memory_equal(pbuf_data(&pb), back, 10);
	assert_int_equal(pbuf_headroom(&pb), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_insert_remove),
	};
	return cmocka_run_group_tests_name("pbuf", tests, NULL, NULL);
}
