/*
 * m6_bytes — big-endian loads/stores and the Internet checksum.
 *
 * Contract: every accessor works on unaligned byte pointers; callers check
 * bounds first. m6_csum_add() folds bytes into a 32-bit partial sum that
 * m6_csum_fold() turns into the final 16-bit one's complement checksum.
 */
#ifndef MIP6SEC_M6_BYTES_H
#define MIP6SEC_M6_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t m6_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t m6_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void m6_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void m6_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Add len bytes (odd length padded with a zero octet) to a running sum. */
uint32_t m6_csum_add(uint32_t sum, const uint8_t *p, size_t len);
/* Fold to 16 bits and complement. */
uint16_t m6_csum_fold(uint32_t sum);
/* Partial sum of the IPv6 pseudo-header (RFC 8200 8.1). */
uint32_t m6_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint32_t len, uint8_t nh);
/* IPv6 upper-layer checksum over pseudo-header + data; 0 when data already
 * holds a correct checksum. */
uint16_t m6_csum_ip6(const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
		     const uint8_t *data, size_t len);

#endif
