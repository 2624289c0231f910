#include <string.h>

#include "m6_bytes.h"

uint32_t m6_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	/* RFC 1071: the one's complement sum is byte-order independent, so
	 * add 64-bit loads in host order and swap the folded result once. */
	uint64_t w = 0, h = 0;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		w += (v & 0xffffffffu) + (v >> 32);
	}
	while (w >> 16)
		w = (w & 0xffff) + (w >> 16);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = (w >> 8) | ((w & 0xff) << 8);
#endif
	h = (uint64_t)sum + w;
	for (; i + 1 < len; i += 2)
		h += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		h += (uint32_t)p[i] << 8;
	while (h >> 32)
		h = (h & 0xffffffffu) + (h >> 32);
	return (uint32_t)h;
}

uint16_t m6_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t m6_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint32_t len, uint8_t nh)
{
	uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			    (uint8_t)len, 0, 0, 0, nh };
	uint32_t s = m6_csum_add(0, src, 16);
	s = m6_csum_add(s, dst, 16);
	return m6_csum_add(s, tail, 8);
}

uint16_t m6_csum_ip6(const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
		     const uint8_t *data, size_t len)
{
	return m6_csum_fold(m6_csum_add(m6_csum_pseudo6(src, dst, (uint32_t)len, nh), data, len));
}
