/*
 * bench_decode — how long the receive path takes to decode a packet.
 *
 * A driver, not a test: it prints figures and asserts nothing about time
 * (it only checks that the packets it times decode as intended). Figures:
 *  (a) a Binding Update with a Home Address option: ip6_walk(IP6W_HAO_KNOWN)
 *      + mh_parse + ip6_walk_pseudo + mh_verify_checksum;
 *  (b) a 1,400-octet packet with three extension headers (RH2, Destination
 *      Options with a HAO, Fragment) and a UDP payload: ip6_walk alone, and
 *      ip6_walk + ip6_walk_pseudo + the UDP checksum verified.
 * Each is given in ns per packet and as a ratio to two baselines measured in
 * the same run on the same buffer: memcpy of the packet into a scratch
 * buffer, and the plain Internet checksum (m6_csum_add) over the packet.
 * Every figure is the median of 5 repetitions of ~SECONDS/5 each (default
 * 0.5 s per figure; `bench_decode SECONDS` changes it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "util/m6_bytes.h"
#include "bench_util.h"

#define REPS 5
#define BIG_LEN 1400

/* Keep the compiler from hoisting or dropping work on a buffer. */
#define OPAQUE(p) __asm__ volatile("" : : "r"(p) : "memory")

static volatile uint64_t sink;

static const uint8_t a_coa[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
static const uint8_t a_ha[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t a_hoa[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
static const uint8_t a_cn[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t a_hoa2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0 };

struct bpkt {
	uint8_t buf[2048];
	size_t len;
};

static uint8_t scratch[2048];

static double now_ns(void)
{
	return bench_now_ns(CLOCK_MONOTONIC);
}

static void die(const char *what)
{
	bench_die("bench_decode", what);
}

/* (a) IPv6 / DstOpt(HAO) / MH BU, checksum over the MIPv6 pseudo-header. */
static void make_bu(struct bpkt *p)
{
	struct ip6_hdr h = { .nh = IP6P_DSTOPTS, .hlim = 64 };
	struct mh_msg m;
	size_t mlen;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = 7;
	m.flags = MH_BU_A | MH_BU_H;
	m.lifetime = mh_lifetime_units(3600);
	uint8_t *mh = p->buf + IP6_HDR_LEN + IP6_HAO_HDR_LEN;
	if (mh_build(&m, mh, sizeof(p->buf) - IP6_HDR_LEN - IP6_HAO_HDR_LEN, &mlen))
		die("mh_build failed");
	mh_set_checksum(mh, mlen, a_hoa, a_ha);
	memcpy(h.src, a_coa, 16);
	memcpy(h.dst, a_ha, 16);
	h.plen = (uint16_t)(IP6_HAO_HDR_LEN + mlen);
	ip6_hdr_write(p->buf, &h);
	ip6_write_hao_dstopt(p->buf + IP6_HDR_LEN, IP6P_MH, a_hoa);
	p->len = IP6_HDR_LEN + IP6_HAO_HDR_LEN + mlen;
}

/* (b) IPv6 / RH2 / DstOpt(HAO) / Fragment (atomic) / UDP, 1,400 octets. */
static void make_big(struct bpkt *p)
{
	struct ip6_hdr h = { .nh = IP6P_ROUTING, .hlim = 64 };
	size_t off = IP6_HDR_LEN;
	memcpy(h.src, a_cn, 16);
	memcpy(h.dst, a_coa, 16);
	h.plen = BIG_LEN - IP6_HDR_LEN;
	ip6_hdr_write(p->buf, &h);
	ip6_write_rh2(p->buf + off, IP6P_DSTOPTS, a_hoa2);
	off += IP6_RH2_HDR_LEN;
	ip6_write_hao_dstopt(p->buf + off, IP6P_FRAGMENT, a_hoa);
	off += IP6_HAO_HDR_LEN;
	uint8_t *f = p->buf + off;
	memset(f, 0, 8);
	f[0] = IP6P_UDP;
	m6_put32(f + 4, 0x12345678);
	off += 8;
	uint8_t *u = p->buf + off;
	size_t ulen = BIG_LEN - off;
	m6_put16(u, 4000);
	m6_put16(u + 2, 5000);
	m6_put16(u + 4, (uint16_t)ulen);
	m6_put16(u + 6, 0);
	for (size_t i = 8; i < ulen; i++)
		u[i] = (uint8_t)(i * 7 + 3);
	uint16_t c = m6_csum_ip6(a_hoa, a_hoa2, IP6P_UDP, u, ulen);
	m6_put16(u + 6, c ? c : 0xffff);
	p->len = BIG_LEN;
}

enum work { W_MEMCPY, W_CSUM, W_DECODE_BU, W_WALK, W_WALK_UDP };

static uint64_t decode_bu(const uint8_t *pkt, size_t len)
{
	struct ip6_walk w;
	struct mh_msg m;
	struct m6_diags ds;
	uint8_t src[16], dst[16];
	if (ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w) || w.proto != IP6P_MH)
		return 0;
	m6_diags_init(&ds);
	const uint8_t *mh = pkt + w.proto_off;
	size_t mlen = w.end - w.proto_off;
	if (mh_parse(mh, mlen, &m, &ds, w.proto_off))
		return 0;
	ip6_walk_pseudo(&w, pkt, src, dst);
	return mh_verify_checksum(mh, m.len, src, dst) ? 1u + m.seq : 0;
}

static uint64_t walk_only(const uint8_t *pkt, size_t len)
{
	struct ip6_walk w;
	return ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w) ? 0 : 1u + w.proto_off;
}

static uint64_t walk_udp(const uint8_t *pkt, size_t len)
{
	struct ip6_walk w;
	uint8_t src[16], dst[16];
	if (ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w) || w.proto != IP6P_UDP)
		return 0;
	ip6_walk_pseudo(&w, pkt, src, dst);
	return m6_csum_ip6(src, dst, IP6P_UDP, pkt + w.proto_off, w.end - w.proto_off) == 0 ? 1 : 0;
}

/* ns per packet for n iterations of one workload. */
static double run(enum work k, const struct bpkt *p, uint64_t n)
{
	uint64_t acc = 0;
	const uint8_t *b = p->buf;
	size_t len = p->len;
	double t0 = now_ns();
	switch (k) {
	case W_MEMCPY:
		for (uint64_t i = 0; i < n; i++) {
			OPAQUE(b);
			memcpy(scratch, b, len);
			OPAQUE(scratch);
		}
		acc = scratch[len - 1];
		break;
	case W_CSUM:
		for (uint64_t i = 0; i < n; i++) {
			OPAQUE(b);
			acc += m6_csum_add(0, b, len);
		}
		break;
	case W_DECODE_BU:
		for (uint64_t i = 0; i < n; i++) {
			OPAQUE(b);
			acc += decode_bu(b, len);
		}
		break;
	case W_WALK:
		for (uint64_t i = 0; i < n; i++) {
			OPAQUE(b);
			acc += walk_only(b, len);
		}
		break;
	case W_WALK_UDP:
		for (uint64_t i = 0; i < n; i++) {
			OPAQUE(b);
			acc += walk_udp(b, len);
		}
		break;
	}
	double t1 = now_ns();
	sink += acc;
	return (t1 - t0) / (double)n;
}

static double seconds_per_figure = 0.5;

/* Median over REPS repetitions, each sized to ~seconds_per_figure / REPS. */
static double measure(enum work k, const struct bpkt *p)
{
	double rep_ns = seconds_per_figure * 1e9 / REPS, t[REPS];
	uint64_t n = 1;
	double per;
	/* calibrate: grow n until one run takes >= 1/10 of a repetition */
	for (;;) {
		double t0 = now_ns();
		per = run(k, p, n);
		if (now_ns() - t0 >= rep_ns / 10 || n >= (uint64_t)1 << 40)
			break;
		n *= 2;
	}
	n = (uint64_t)(rep_ns / (per > 0.01 ? per : 0.01));
	if (n < 1)
		n = 1;
	for (int r = 0; r < REPS; r++)
		t[r] = run(k, p, n);
	return bench_median(t, REPS);
}

static void line(const char *what, double ns, double base_cpy, double base_csum)
{
	printf("  %-44s %9.1f ns/packet  %6.2fx memcpy  %6.2fx csum\n", what, ns, ns / base_cpy,
	       ns / base_csum);
}

static void check_setup(const struct bpkt *bu, const struct bpkt *big)
{
	if (!decode_bu(bu->buf, bu->len))
		die("the BU packet does not decode (walk, parse or checksum failed)");
	if (!walk_only(big->buf, big->len))
		die("the 1,400-octet packet does not walk cleanly");
	if (!walk_udp(big->buf, big->len))
		die("the 1,400-octet packet's UDP checksum does not verify");
	struct ip6_walk w;
	ip6_walk(big->buf, big->len, IP6W_HAO_KNOWN, &w);
	if (w.n_ext != 3 || !ip6_walk_hoa(&w, big->buf) || !ip6_walk_rh2(&w, big->buf))
		die("the 1,400-octet packet does not have its three extension headers");
}

int main(int argc, char **argv)
{
	static struct bpkt bu, big;
	if (argc > 1) {
		seconds_per_figure = atof(argv[1]);
		if (!(seconds_per_figure > 0 && seconds_per_figure < 600)) {
			fprintf(stderr, "usage: %s [SECONDS_PER_FIGURE]\n", argv[0]);
			return 2;
		}
	}
	make_bu(&bu);
	make_big(&big);
	check_setup(&bu, &big);

	printf("bench_decode: median of %d repetitions, %.2f s per figure; "
	       "ratios are to the baselines on the same buffer\n", REPS, seconds_per_figure);

	printf("(a) Binding Update with HAO, %zu octets\n", bu.len);
	double a_cpy = measure(W_MEMCPY, &bu), a_csum = measure(W_CSUM, &bu);
	line("baseline: memcpy of the packet", a_cpy, a_cpy, a_csum);
	line("baseline: m6_csum_add over the packet", a_csum, a_cpy, a_csum);
	line("decode: walk + mh_parse + pseudo + checksum", measure(W_DECODE_BU, &bu), a_cpy, a_csum);

	printf("(b) %zu-octet packet: RH2 + DstOpt(HAO) + Fragment + UDP\n", big.len);
	double b_cpy = measure(W_MEMCPY, &big), b_csum = measure(W_CSUM, &big);
	line("baseline: memcpy of the packet", b_cpy, b_cpy, b_csum);
	line("baseline: m6_csum_add over the packet", b_csum, b_cpy, b_csum);
	line("ip6_walk", measure(W_WALK, &big), b_cpy, b_csum);
	line("ip6_walk + pseudo + UDP checksum verify", measure(W_WALK_UDP, &big), b_cpy, b_csum);
	return 0;
}
