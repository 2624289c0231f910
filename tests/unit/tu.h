/*
 * tu — helpers shared by the unit tests: hex strings to bytes and IPv6
 * packets assembled from a header and hex-written extension headers, so
 * each test shows the exact octets it feeds the code under test.
 */
#ifndef MIP6SEC_TU_H
#define MIP6SEC_TU_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

#include "pkt/ip6.h"
#include "util/m6_bytes.h"

#define TU_COA "2001:db8:2::100"
#define TU_HA "2001:db8:1::1"
#define TU_HOA "2001:db8:1::100"
#define TU_CN "2001:db8:3::1"

static inline int tu_nibble(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decode hex (spaces ignored) into out; returns the octet count. */
static inline size_t tu_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*s) {
		if (*s == ' ' || *s == '\n' || *s == '|') { s++; continue; }
		int hi = tu_nibble(s[0]), lo = tu_nibble(s[1]);
		assert_true(hi >= 0 && lo >= 0);
		assert_true(n < cap);
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n;
}

static inline void tu_addr(const char *s, uint8_t a[16])
{
	assert_int_equal(ip6_addr_parse(s, a), 0);
}

/* IPv6 header (src, dst, first Next Header) + hex body; Payload Length set. */
static inline size_t tu_pkt(uint8_t *out, size_t cap, const char *src, const char *dst, uint8_t nh,
			    const char *body)
{
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	tu_addr(src, h.src);
	tu_addr(dst, h.dst);
	h.nh = nh;
	h.hlim = 64;
	size_t n = tu_hex(body, out + IP6_HDR_LEN, cap - IP6_HDR_LEN);
	h.plen = (uint16_t)n;
	ip6_hdr_write(out, &h);
	return IP6_HDR_LEN + n;
}

#endif
