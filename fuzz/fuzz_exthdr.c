/*
 * fuzz_exthdr — libFuzzer harness for the IPv6 extension-header walker and
 * the HAO / RH2 inserters (src/core/pkt/ip6.c).
 *
 * Besides what the sanitizers catch, it aborts when an invariant fails:
 *  - the walk's results lie inside the packet and chain up (each header
 *    starts where the previous ends, the Next Header octet names proto);
 *  - octets past the Payload Length (link padding) change nothing;
 *  - a packet that walks cleanly and gets a HAO (ip6_insert_hao) and/or an
 *    RH2 (ip6_insert_rh2) either gets an error for a reason the harness
 *    accepts (a HAO/RH already there, Payload Length overflow) or still walks
 *    cleanly, with a valid HAO / RH2 holding the inserted address, the
 *    Payload Length grown by 24 and the upper-layer bytes unchanged.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/ip6.h"
#include "pkt/pbuf.h"
#include "util/m6_bytes.h"

#define HEADROOM 64

static const uint8_t hoa_addr[16] = {   /* 2001:db8:1::100 */
	0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
static const uint8_t rh2_addr[16] = {   /* 2001:db8:1::200 */
	0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0 };

static void violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_exthdr: invariant violated at line %d: %s\n", line, what);
	abort();
}
#define CHECK(c) do { if (!(c)) violated(#c, __LINE__); } while (0)

static volatile uint8_t sink;

/* Structural invariants of one walk result. */
static void check_walk(const uint8_t *p, size_t len, const struct ip6_walk *w, int rc)
{
	CHECK(w->diags.n <= M6_DIAG_MAX);
	CHECK(rc == (w->diags.n ? w->diags.d[0].code : 0));
	CHECK(w->diags.n > 0 || w->diags.dropped == 0);
	CHECK(rc != 0 || w->pp_code < 0);
	if (rc == M6_E_TRUNC || rc == M6_E_IP6_VERSION) {
		CHECK(w->n_ext == 0);
		return;
	}
	CHECK(len >= IP6_HDR_LEN);
	CHECK(w->end >= IP6_HDR_LEN && w->end <= len);
	CHECK(w->n_ext <= IP6_EXT_MAX);
	size_t at = IP6_HDR_LEN;
	for (unsigned i = 0; i < w->n_ext; i++) {
		CHECK(w->ext[i].off == at);
		CHECK(w->ext[i].len >= 8 && w->ext[i].len % 4 == 0);
		at += w->ext[i].len;
		CHECK(at <= w->end);
	}
	CHECK(w->proto_off == at);
	CHECK(w->nh_field < w->proto_off);
	CHECK(p[w->nh_field] == w->proto);
	if (w->hao_off >= 0) {
		size_t o = (size_t)w->hao_off;
		CHECK(o + 2 <= w->end && o + 2 + p[o + 1] <= w->end);
		CHECK(p[o] == IP6O_HAO);
	}
	if (w->rh_off >= 0)
		CHECK((size_t)w->rh_off + 8 <= w->end);

	const uint8_t *hoa = ip6_walk_hoa(w, p);
	if (hoa) {
		CHECK(w->hao_valid);
		CHECK(hoa >= p + IP6_HDR_LEN && hoa + 16 <= p + w->end);
		CHECK(ip6_addr_unicast_routable(hoa));
	}
	const uint8_t *rh2 = ip6_walk_rh2(w, p);
	if (rh2)
		CHECK(rh2 >= p + IP6_HDR_LEN && rh2 + 16 <= p + w->end);
	uint8_t src[16], dst[16];
	ip6_walk_pseudo(w, p, src, dst);
	CHECK(memcmp(src, hoa ? hoa : w->hdr.src, 16) == 0);
	if (rh2)
		CHECK(memcmp(dst, rh2, 16) == 0);
	sink ^= src[15] ^ dst[15];
}

static int walk_checked(const uint8_t *p, size_t len, unsigned flags, struct ip6_walk *w)
{
	int rc = ip6_walk(p, len, flags, w);
	check_walk(p, len, w, rc);
	return rc;
}

/* Octets past 40 + Payload Length are link padding: walking an exact-size
 * copy without them (ASan catches a read past it) must give the same answer. */
static void check_padding(const uint8_t *data, size_t size, unsigned flags, const struct ip6_walk *w)
{
	if (w->end >= size || w->end < IP6_HDR_LEN || m6_diags_has(&w->diags, M6_E_IP6_PLEN))
		return;
	uint8_t *cut = malloc(w->end);
	if (!cut)
		abort();
	memcpy(cut, data, w->end);
	struct ip6_walk w2;
	int rc = walk_checked(cut, w->end, flags, &w2);
	CHECK(rc == (w->diags.n ? w->diags.d[0].code : 0));
	CHECK(w2.diags.n == w->diags.n);
	for (unsigned i = 0; i < w->diags.n; i++)
		CHECK(w2.diags.d[i].code == w->diags.d[i].code && w2.diags.d[i].off == w->diags.d[i].off);
	CHECK(w2.n_ext == w->n_ext && w2.proto == w->proto && w2.proto_off == w->proto_off);
	CHECK(w2.hao_off == w->hao_off && w2.hao_valid == w->hao_valid && w2.rh_off == w->rh_off);
	free(cut);
}

struct copy {
	uint8_t *mem;
	struct pbuf pb;
};

static void copy_in(struct copy *c, const uint8_t *data, size_t size)
{
	uint8_t *p;
	c->mem = malloc(HEADROOM + size);
	if (!c->mem || pbuf_init(&c->pb, c->mem, HEADROOM + size, HEADROOM) || pbuf_put(&c->pb, size, &p))
		abort();
	memcpy(p, data, size);
}

/* After inserting a 24-octet header into a clean packet `before` (walk wb):
 * the HAO and RH2 the result must carry (NULL: none). */
static void check_inserted(const uint8_t *before, size_t blen, const struct ip6_walk *wb,
			   const struct pbuf *pb, const uint8_t *want_hoa, const uint8_t *want_rh2)
{
	const uint8_t *p = pbuf_data(pb);
	struct ip6_walk w;
	CHECK(pb->len == blen + 24);
	int rc = walk_checked(p, pb->len, IP6W_HAO_KNOWN, &w);
	CHECK(rc == 0);
	CHECK(w.n_ext == wb->n_ext + 1);
	CHECK(w.hdr.plen == wb->hdr.plen + 24);
	CHECK(w.proto == wb->proto);
	/* the upper layer (and any link padding) is untouched */
	CHECK(pb->len - w.proto_off == blen - wb->proto_off);
	CHECK(memcmp(p + w.proto_off, before + wb->proto_off, blen - wb->proto_off) == 0);
	const uint8_t *h = ip6_walk_hoa(&w, p), *r = ip6_walk_rh2(&w, p);
	CHECK(!h == !want_hoa && (!h || memcmp(h, want_hoa, 16) == 0));
	CHECK(!r == !want_rh2 && (!r || memcmp(r, want_rh2, 16) == 0));
	CHECK(!want_hoa || w.hao_valid);
	uint8_t src[16], dst[16];
	ip6_walk_pseudo(&w, p, src, dst);
	if (want_hoa)
		CHECK(memcmp(src, want_hoa, 16) == 0);
	if (want_rh2)
		CHECK(memcmp(dst, want_rh2, 16) == 0);
}

/* A Routing header after an AH or Fragment header: a HAO can go neither
 * before it (HAO-02) nor after it (past AH/Fragment). */
static bool rh_after_late(const struct ip6_walk *w)
{
	for (unsigned i = 0; i < w->n_ext && (int)w->ext[i].off < w->rh_off; i++)
		if (w->ext[i].proto == IP6P_AH || w->ext[i].proto == IP6P_FRAGMENT)
			return true;
	return false;
}

/* Insert a HAO (hao) or an RH2 into a copy of a clean packet `before`;
 * returns true when the insertion happened. */
static bool insert_checked(struct copy *c, bool hao, const uint8_t *before, size_t blen,
			   const struct ip6_walk *wb)
{
	int rc = hao ? ip6_insert_hao(&c->pb, hoa_addr) : ip6_insert_rh2(&c->pb, rh2_addr);
	if (hao && wb->hao_off >= 0) {
		CHECK(rc == M6_E_HAO_DUP);
		return false;
	}
	if (!hao && wb->rh_off >= 0) {
		CHECK(rc == M6_E_RH_DUP);
		return false;
	}
	if (wb->n_ext == IP6_EXT_MAX) {
		CHECK(rc == M6_E_EXT_TOO_MANY);   /* a 17th header would not walk */
		return false;
	}
	if (hao && rh_after_late(wb)) {
		CHECK(rc == M6_E_HAO_PLACE);      /* no place is valid for the HAO */
		return false;
	}
	if ((size_t)wb->hdr.plen + 24 > 0xffff) {
		CHECK(rc == M6_E_NOMEM);
		return false;
	}
	CHECK(rc == 0);
	check_inserted(before, blen, wb, &c->pb,
		       hao ? hoa_addr : ip6_walk_hoa(wb, before),
		       hao ? ip6_walk_rh2(wb, before) : rh2_addr);
	return true;
}

static void try_inserts(const uint8_t *data, size_t size, const struct ip6_walk *w0)
{
	struct copy a, b;
	struct ip6_walk w1;

	/* HAO, then RH2 on top of it. */
	copy_in(&a, data, size);
	if (insert_checked(&a, true, data, size, w0)) {
		size_t l1 = a.pb.len;
		uint8_t *mid = malloc(l1);
		if (!mid)
			abort();
		memcpy(mid, pbuf_data(&a.pb), l1);
		CHECK(ip6_walk(mid, l1, IP6W_HAO_KNOWN, &w1) == 0);
		insert_checked(&a, false, mid, l1, &w1);
		free(mid);
	}
	free(a.mem);

	/* RH2 alone, then a HAO. */
	copy_in(&b, data, size);
	if (insert_checked(&b, false, data, size, w0)) {
		size_t l1 = b.pb.len;
		uint8_t *mid = malloc(l1);
		if (!mid)
			abort();
		memcpy(mid, pbuf_data(&b.pb), l1);
		CHECK(ip6_walk(mid, l1, IP6W_HAO_KNOWN, &w1) == 0);
		insert_checked(&b, true, mid, l1, &w1);
		free(mid);
	}
	free(b.mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ip6_walk w;
	int rc;

	rc = walk_checked(data, size, 0, &w);
	check_padding(data, size, 0, &w);
	(void)rc;

	rc = walk_checked(data, size, IP6W_HAO_KNOWN, &w);
	check_padding(data, size, IP6W_HAO_KNOWN, &w);
	if (rc == 0 && size <= 0xffff + IP6_HDR_LEN)
		try_inserts(data, size, &w);
	return 0;
}
