/* TCP receive offload in user space (see gro.h). */
#include <string.h>

#include "gro.h"
#include "util/m6_bytes.h"

#define IP6_LEN 40
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* A segment that may start or join a super-packet: its TCP header
 * length, or 0. */
static size_t eligible(const uint8_t *p, size_t len)
{
	if (len < IP6_LEN + 20 || (p[0] >> 4) != 6 || p[6] != 6 || m6_get16(p + 4) != len - IP6_LEN)
		return 0;
	const uint8_t *tcp = p + IP6_LEN;
	size_t thl = 4u * (tcp[12] >> 4);
	if (thl < 20 || IP6_LEN + thl >= len)
		return 0;
	/* ACK, perhaps PSH, nothing else: no SYN, FIN, RST, URG or ECN marks */
	if ((tcp[13] & (uint8_t)~TCP_PSH) != TCP_ACK || (tcp[12] & 0x0f))
		return 0;
	if (m6_csum_ip6(p + 8, p + 24, 6, tcp, len - IP6_LEN))
		return 0;
	return thl;
}

static bool continues(const struct gro *g, const uint8_t *p, size_t len, size_t thl)
{
	const uint8_t *h = g->buf, *tcp = p + IP6_LEN, *htcp = g->buf + IP6_LEN;
	size_t data = len - IP6_LEN - thl;
	return IP6_LEN + thl == g->hdr_len && !g->psh && g->last_data == g->mss && data <= g->mss &&
	       g->len + data <= GRO_MAX && g->segs < 64 &&
	       /* version, traffic class, flow label; hop limit; addresses */
	       !memcmp(h, p, 4) && h[7] == p[7] && !memcmp(h + 8, p + 8, 32) &&
	       /* ports; then the ACK number; then offset, window; options */
	       !memcmp(htcp, tcp, 4) && m6_get32(tcp + 4) == g->next_seq && !memcmp(htcp + 8, tcp + 8, 4) &&
	       htcp[12] == tcp[12] && !memcmp(htcp + 14, tcp + 14, 2) && !memcmp(htcp + 20, tcp + 20, thl - 20);
}

bool gro_add(struct gro *g, const uint8_t *pkt, size_t len)
{
	size_t thl = eligible(pkt, len);
	if (!thl)
		return false;
	size_t data = len - IP6_LEN - thl;
	if (g->len) {
		if (!continues(g, pkt, len, thl))
			return false;
		memcpy(g->buf + g->len, pkt + IP6_LEN + thl, data);
		g->len += data;
		g->merged++;
	} else {
		if (data > 0xffff)
			return false;
		memcpy(g->buf, pkt, len);
		g->len = len;
		g->hdr_len = IP6_LEN + thl;
		g->mss = (uint16_t)data;
		g->segs = 0;
	}
	g->segs++;
	g->last_data = (uint16_t)data;
	g->next_seq = m6_get32(pkt + IP6_LEN + 4) + (uint32_t)data;
	g->psh = (pkt[IP6_LEN + 13] & TCP_PSH) != 0;
	return true;
}

size_t gro_take(struct gro *g, struct virtio_net_hdr *vh, const uint8_t **pkt)
{
	memset(vh, 0, sizeof(*vh));
	size_t len = g->len;
	if (!len)
		return 0;
	g->len = 0;
	*pkt = g->buf;
	if (g->segs == 1)
		return len;    /* as it came: the kernel checks its checksum */
	uint8_t *tcp = g->buf + IP6_LEN;
	m6_put16(g->buf + 4, (uint16_t)(len - IP6_LEN));
	if (g->psh)
		tcp[13] |= TCP_PSH;
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header's sum, as a
	 * sender's TSO leaves it; each segment was verified in gro_add */
	m6_put16(tcp + 16, (uint16_t)~m6_csum_fold(m6_csum_pseudo6(g->buf + 8, g->buf + 24, (uint32_t)(len - IP6_LEN), 6)));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	vh->gso_size = g->mss;
	vh->hdr_len = (uint16_t)g->hdr_len;
	vh->csum_start = IP6_LEN;
	vh->csum_offset = 16;
	g->supers++;
	return len;
}
