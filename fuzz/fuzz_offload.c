/*
 * fuzz_offload — libFuzzer harness for the daemon's offload code: TCP
 * super-packets cut in user space (src/daemon/gso.c), segments merged for
 * the TUN device (src/daemon/gro.c), partial checksums finished.
 *
 * Input: one mode octet, then data. Besides what the sanitizers catch, it
 * aborts when an invariant fails:
 *  - cut: every segment fits, carries a valid TCP checksum, and the
 *    segments' data, in order, is the super-packet's data;
 *  - merge (packets as 2-octet lengths + octets; the harness fixes each
 *    TCP checksum unless the packet's mode bit says not to): a merged
 *    packet is no larger than 40 + 65535 octets, its finished checksum is
 *    valid, and cutting it again at its segment size gives back exactly
 *    the data of the packets merged into it;
 *  - finish: a checksum finished in range verifies against the partial
 *    sum the field held.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gro.h"
#include "gso.h"
#include "util/m6_bytes.h"

static void violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_offload: invariant violated at line %d: %s\n", line, what);
	abort();
}
#define CHECK(c) do { if (!(c)) violated(#c, __LINE__); } while (0)

static uint8_t seg[70000], pkt[70000], sup[70000], data[70000 * 2];
static struct gro g;

static void cut(const uint8_t *d, size_t n)
{
	if (n < 2)
		return;
	uint16_t mss = (uint16_t)(d[0] << 8 | d[1]);
	memcpy(pkt, d + 2, n - 2);
	struct gso_iter it;
	if (gso_begin(&it, pkt, n - 2, mss))
		return;
	size_t got = 0;
	int l;
	while ((l = gso_next(&it, seg, 1600)) > 0) {
		CHECK((size_t)l <= 1600 && (size_t)l >= it.hdr_len);
		CHECK(m6_csum_ip6(seg + 8, seg + 24, 6, seg + 40, (size_t)l - 40) == 0);
		CHECK(!memcmp(seg + it.hdr_len, pkt + it.hdr_len + got, (size_t)l - it.hdr_len));
		got += (size_t)l - it.hdr_len;
	}
	CHECK(l == 0 || mss + it.hdr_len > 1600);
	if (l == 0)
		CHECK(got == n - 2 - it.hdr_len);
}

/* the data merged since the last take, for the check after it */
static size_t held_data;

static void take_and_check(void)
{
	struct virtio_net_hdr vh;
	const uint8_t *out;
	size_t len = gro_take(&g, &vh, &out);
	if (!len) {
		CHECK(held_data == 0);
		return;
	}
	CHECK(len <= GRO_MAX);
	if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		held_data = 0;
		return;
	}
	CHECK(vh.gso_type == VIRTIO_NET_HDR_GSO_TCPV6 && vh.gso_size && vh.hdr_len < len);
	memcpy(sup, out, len);
	CHECK(gso_csum_finish(sup, len, vh.csum_start, vh.csum_offset) == 0);
	CHECK(m6_csum_ip6(sup + 8, sup + 24, 6, sup + 40, len - 40) == 0);
	CHECK(len - vh.hdr_len == held_data);
	CHECK(!memcmp(sup + vh.hdr_len, data, held_data));
	struct gso_iter it;
	CHECK(gso_begin(&it, sup, len, vh.gso_size) == 0);
	size_t got = 0;
	int l;
	while ((l = gso_next(&it, seg, sizeof(seg))) > 0) {
		CHECK(!memcmp(seg + it.hdr_len, data + got, (size_t)l - it.hdr_len));
		got += (size_t)l - it.hdr_len;
	}
	CHECK(l == 0 && got == held_data);
	held_data = 0;
}

static void offer(uint8_t *p, size_t len)
{
	size_t thl = len > 52 ? 4u * (p[52] >> 4) : 0;
	size_t before = g.len;
	bool ok = gro_add(&g, p, len);
	if (!ok) {
		take_and_check();
		before = 0;
		ok = gro_add(&g, p, len);
	}
	if (ok) {
		CHECK(thl >= 20 && len > 40 + thl);
		CHECK(m6_csum_ip6(p + 8, p + 24, 6, p + 40, len - 40) == 0);
		size_t add = len - 40 - thl;
		CHECK(g.len == (before ? before + add : len));
		CHECK(held_data + add <= sizeof(data));
		memcpy(data + held_data, p + 40 + thl, add);
		held_data += add;
	}
}

static void merge(const uint8_t *d, size_t n)
{
	memset(&g, 0, sizeof(g));
	held_data = 0;
	while (n >= 3) {
		bool keep_csum = d[0] & 1;
		size_t len = (size_t)(d[1] << 8 | d[2]);
		d += 3;
		n -= 3;
		if (len > n)
			len = n;
		memcpy(pkt, d, len);
		d += len;
		n -= len;
		if (!keep_csum && len >= 60 && pkt[6] == 6) {
			m6_put16(pkt + 56, 0);
			m6_put16(pkt + 56, m6_csum_ip6(pkt + 8, pkt + 24, 6, pkt + 40, len - 40));
		}
		offer(pkt, len);
	}
	take_and_check();
}

static void finish(const uint8_t *d, size_t n)
{
	if (n < 4)
		return;
	size_t start = d[0], off = d[1];
	memcpy(pkt, d + 2, n - 2);
	size_t len = n - 2;
	uint16_t partial = start + off + 2 <= len ? m6_get16(pkt + start + off) : 0;
	if (gso_csum_finish(pkt, len, start, off))
		return;
	CHECK(start < len && off + 2 <= len - start);
	/* the field's old content stood for the pseudo-header: with it, the
	 * finished packet sums to all ones (an even offset keeps it a word) */
	if (!(off & 1))
		CHECK(m6_csum_fold(m6_csum_add(partial, pkt + start, len - start)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1 || n > 66000)
		return 0;
	switch (d[0] % 3) {
	case 0: cut(d + 1, n - 1); break;
	case 1: merge(d + 1, n - 1); break;
	default: finish(d + 1, n - 1); break;
	}
	return 0;
}
