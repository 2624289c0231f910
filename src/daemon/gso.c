/* TCP segmentation in user space (see gso.h). */
#include <stdbool.h>
#include <string.h>

#include "gso.h"
#include "util/m6_bytes.h"
#include "util/m6_err.h"

#define IP6_LEN 40
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

int gso_begin(struct gso_iter *it, const uint8_t *pkt, size_t len, uint16_t mss)
{
	memset(it, 0, sizeof(*it));
	if (len < IP6_LEN + 20 || (pkt[0] >> 4) != 6 || pkt[6] != 6 || !mss)
		return M6_E_INVAL;
	size_t tcp_len = 4u * (pkt[IP6_LEN + 12] >> 4);
	if (tcp_len < 20 || IP6_LEN + tcp_len > len)
		return M6_E_INVAL;
	it->pkt = pkt;
	it->len = len;
	it->hdr_len = IP6_LEN + tcp_len;
	it->off = it->hdr_len;
	it->mss = mss;
	it->seq = m6_get32(pkt + IP6_LEN + 4);
	return 0;
}

int gso_csum_finish(uint8_t *pkt, size_t len, size_t start, size_t offset)
{
	if (start >= len || offset + 2 > len - start)
		return M6_E_INVAL;
	/* the field holds the pseudo-header's sum: the rest is added */
	uint16_t c = m6_csum_fold(m6_csum_add(0, pkt + start, len - start));
	/* UDP over IPv6 never sends 0 (RFC 8200 8.1): 0xffff stands for it */
	m6_put16(pkt + start + offset, c ? c : 0xffff);
	return 0;
}

int gso_next(struct gso_iter *it, uint8_t *out, size_t cap)
{
	if (it->off >= it->len && (it->n || it->len > it->hdr_len))
		return 0;
	size_t chunk = it->len - it->off < it->mss ? it->len - it->off : it->mss;
	size_t n = it->hdr_len + chunk;
	if (n > cap)
		return M6_E_NOMEM;
	memcpy(out, it->pkt, it->hdr_len);
	memcpy(out + it->hdr_len, it->pkt + it->off, chunk);
	uint8_t *tcp = out + IP6_LEN;
	bool last = it->off + chunk >= it->len;
	m6_put16(out + 4, (uint16_t)(n - IP6_LEN));
	m6_put32(tcp + 4, it->seq + (uint32_t)(it->off - it->hdr_len));
	if (!last)
		tcp[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (it->n)
		tcp[13] &= (uint8_t)~TCP_CWR;
	m6_put16(tcp + 16, 0);
	m6_put16(tcp + 16, m6_csum_ip6(out + 8, out + 24, 6, tcp, n - IP6_LEN));
	it->off += chunk;
	it->n++;
	return (int)n;
}
