#include <string.h>


#include "esp.h"
#include "../pkt/ip6.h"
#include "../util/m6_bytes.h"
#include "../util/m6_err.h"

#define UDP_HDR_LEN 8
#define TFC_PAD_MAX 0xffff

size_t esp_head_room(const struct m6_xform *x)
{
	return ESP_HDR_LEN + x->iv_len;
}

size_t esp_tail_room(const struct m6_xform *x)
{
	return (x->block - 1) + 2 + x->icv_len;
}

static bool xform_usable(const struct m6_xform *x)
{
	return x->block && x->icv_len && (x->enc == M6_ENC_NULL || m6_xform_has_cipher(x)) &&
	       (m6_enc_is_aead(x->enc) || m6_xform_has_mac(x));
}

/* RFC 4106 5 / RFC 7634 2.2: SPI || Seq, or SPI || Seq high || Seq low
 * with ESN (the high half is never on the wire, ALG-05). */
static size_t aead_aad(uint8_t aad[12], const uint8_t *esp_hdr, uint64_t seq, bool esn)
{
	if (!esn) {
		memcpy(aad, esp_hdr, ESP_HDR_LEN);
		return ESP_HDR_LEN;
	}
	memcpy(aad, esp_hdr, 4);
	m6_put32(aad + 4, (uint32_t)(seq >> 32));
	memcpy(aad + 8, esp_hdr + 4, 4);
	return 12;
}

/* RFC 4303 2.2.1 / 3.3.2.1: the ICV covers SPI .. Next Header and, with
 * ESN, the high half of the sequence number appended after it. */
static int hmac_icv(const struct m6_xform *x, const uint8_t *p, size_t len, uint64_t seq, bool esn,
		    uint8_t *icv)
{
	struct m6_mac m;
	int rc = m6_xform_mac_begin(x, &m);
	if (rc)
		return rc;
	m6_xform_mac_update(&m, p, len);
	if (esn) {
		uint8_t hi[4];
		m6_put32(hi, (uint32_t)(seq >> 32));
		m6_xform_mac_update(&m, hi, sizeof(hi));
	}
	m6_xform_mac_final(&m, icv);
	return 0;
}

int esp_seal(const struct m6_xform *x, struct pbuf *pb, size_t off, uint8_t next_header,
	     uint32_t spi, uint64_t seq, bool esn, size_t tfc_pad)
{
	if (!x || !pb || !x->encrypt || !xform_usable(x) || off > pb->len || tfc_pad > TFC_PAD_MAX)
		return M6_E_INVAL;
	/* The SA layer owns the counter and stops it before it cycles
	 * (ESP-01); these checks only keep a wrong caller from sending a
	 * number the receiver can never accept. */
	if (seq == 0)
		return M6_E_SEQ_ZERO;
	if (!esn && seq > UINT32_MAX)
		return M6_E_SEQ_OVERFLOW;

	size_t head = esp_head_room(x);
	size_t data = pb->len - off + tfc_pad;
	size_t bm = x->block - 1;                  /* 4 or 16: a mask, not a division */
	size_t pad = (x->block - ((data + 2) & bm)) & bm;
	size_t body = data + pad + 2;              /* what gets encrypted */
	if (head > pbuf_headroom(pb) || tfc_pad + pad + 2 + x->icv_len > pbuf_tailroom(pb))
		return M6_E_NOMEM;

	uint8_t *t;
	pbuf_put(pb, tfc_pad + pad + 2 + x->icv_len, &t);
	/* RFC 4303 2.7: TFC padding is part of Payload Data; its content is
	 * unspecified and zero gives nothing away. */
	if (tfc_pad) {
		memset(t, 0, tfc_pad);
		t += tfc_pad;
	}
	for (size_t i = 0; i < pad; i++)
		t[i] = (uint8_t)(i + 1);                 /* ESP-05 default contents */
	t[pad] = (uint8_t)pad;
	t[pad + 1] = next_header;

	uint8_t *h;
	pbuf_insert(pb, off, head, &h);
	m6_put32(h, spi);
	m6_put32(h + 4, (uint32_t)seq);
	uint8_t *iv = h + ESP_HDR_LEN, *ct = iv + x->iv_len, *icv = ct + body;

	if (m6_enc_is_aead(x->enc)) {
		/* ALG-05: the IV is the 64-bit counter, never repeated under a key. */
		uint8_t aad[12];
		m6_put32(iv, (uint32_t)(seq >> 32));
		m6_put32(iv + 4, (uint32_t)seq);
		size_t alen = aead_aad(aad, h, seq, esn);
		return m6_xform_aead_seal(x, iv, aad, alen, ct, body, icv);
	}
	if (x->enc == M6_ENC_AES_CBC) {
		/* RFC 3602 2.3: the IV must be unpredictable, hence not the counter
		 * itself but its encryption under the SA key (NIST SP 800-38A
		 * appendix C): unique per packet, and reproducible, so a seeded
		 * simulation gives identical bytes without a random source. */
		static const uint8_t zero[M6_CBC_IV_LEN];
		memset(iv, 0, x->iv_len);
		m6_put32(iv + x->iv_len - 8, (uint32_t)(seq >> 32));
		m6_put32(iv + x->iv_len - 4, (uint32_t)seq);
		int rc = m6_xform_cbc(x, zero, iv, x->iv_len);
		if (rc)
			return rc;
		rc = m6_xform_cbc(x, iv, ct, body);
		if (rc)
			return rc;
	}
	return hmac_icv(x, h, head + body, seq, esn, icv);
}

int esp_open(const struct m6_xform *x, struct pbuf *pb, size_t off, uint64_t seq, bool esn,
	     uint8_t *next_header)
{
	if (!x || !pb || !next_header || x->encrypt || !xform_usable(x) || off > pb->len)
		return M6_E_INVAL;
	size_t head = esp_head_room(x), len = pb->len - off;
	if (len < head + x->icv_len + 2)
		return M6_E_TRUNC;
	size_t body = len - head - x->icv_len;
	/* RFC 4303 2.4: the encrypted part is a whole number of cipher blocks
	 * and ends 4-aligned; anything else was not built by a conforming sender. */
	if (body & (x->block - 1))
		return M6_E_ESP_LEN;
	uint8_t *h = pbuf_data(pb) + off;
	/* The caller inferred seq from these very bits; if they disagree the
	 * replay window would be moved for a number that was not authenticated. */
	if (m6_get32(h + 4) != (uint32_t)seq)
		return M6_E_INVAL;
	uint8_t *iv = h + ESP_HDR_LEN, *ct = iv + x->iv_len, *icv = ct + body;

	int rc;
	if (m6_enc_is_aead(x->enc)) {
		uint8_t aad[12];
		size_t alen = aead_aad(aad, h, seq, esn);
		rc = m6_xform_aead_open(x, iv, aad, alen, ct, body, icv);
		if (rc)
			return rc;
	} else {
		/* ESP-07: integrity first, in constant time; nothing is
		 * decrypted or changed for a packet that fails it. */
		uint8_t want[M6_ICV_MAX];
		rc = hmac_icv(x, h, head + body, seq, esn, want);
		if (rc)
			return rc;
		bool ok = m6_ct_equal(want, icv, x->icv_len);
		m6_wipe(want, sizeof(want));
		if (!ok)
			return M6_E_ICV;
		if (x->enc == M6_ENC_AES_CBC && (rc = m6_xform_cbc(x, iv, ct, body)) != 0)
			return rc;
	}

	/* Authenticated from here on, so these checks are no padding oracle. */
	size_t pad = ct[body - 2];
	if (pad + 2 > body)
		return M6_E_ESP_PAD;
	const uint8_t *pp = ct + body - 2 - pad;
	for (size_t i = 0; i < pad; i++)
		if (pp[i] != (uint8_t)(i + 1))
			return M6_E_ESP_PAD;
	*next_header = ct[body - 1];
	pbuf_trim(pb, pad + 2 + x->icv_len);
	pbuf_remove(pb, off, head);
	return 0;
}

int esp_udp_encap(struct pbuf *pb, size_t off, const uint8_t src[16], const uint8_t dst[16],
		  uint16_t sport, uint16_t dport)
{
	if (!pb || !src || !dst || off > pb->len)
		return M6_E_INVAL;
	size_t ulen = pb->len - off + UDP_HDR_LEN;
	if (ulen > 0xffff)
		return M6_E_INVAL;
	uint8_t *u;
	int rc = pbuf_insert(pb, off, UDP_HDR_LEN, &u);
	if (rc)
		return rc;
	m6_put16(u, sport);
	m6_put16(u + 2, dport);
	m6_put16(u + 4, (uint16_t)ulen);
	m6_put16(u + 6, 0);
	uint16_t c = m6_csum_ip6(src, dst, IP6P_UDP, u, ulen);
	/* RFC 8200 8.1: a computed zero is sent as all ones; zero means "none",
	 * which IPv6 does not allow. */
	m6_put16(u + 6, c ? c : 0xffff);
	return 0;
}

int esp_udp_decap(struct pbuf *pb, size_t off, const uint8_t src[16], const uint8_t dst[16])
{
	if (!pb || !src || !dst || off > pb->len)
		return M6_E_INVAL;
	size_t ulen = pb->len - off;
	if (ulen < UDP_HDR_LEN)
		return M6_E_TRUNC;
	const uint8_t *u = pbuf_data(pb) + off;
	if (m6_get16(u + 4) != ulen)
		return M6_E_TRUNC;
	if (m6_get16(u + 6) == 0 || m6_csum_ip6(src, dst, IP6P_UDP, u, ulen) != 0)
		return M6_E_UDP_CKSUM;
	const uint8_t *p = u + UDP_HDR_LEN;
	size_t plen = ulen - UDP_HDR_LEN;
	/* RFC 3948 2.2-2.3: a lone 0xFF is a NAT-keepalive, a zero
	 * Non-ESP Marker in the SPI's place is IKE. */
	if ((plen == 1 && p[0] == 0xff) || (plen >= 4 && m6_get32(p) == 0))
		return M6_E_UDP_NOT_ESP;
	if (plen < ESP_HDR_LEN)
		return M6_E_TRUNC;
	return pbuf_remove(pb, off, UDP_HDR_LEN);
}
