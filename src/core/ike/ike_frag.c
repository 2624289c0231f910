#include <string.h>

#include "ike_frag.h"

/* Largest chunk whose SKF message fits max_msg, 0 if none does. */
static size_t chunk_max(const struct ike_sk *sk, size_t max_msg)
{
	size_t fixed = IKE_HDR_LEN + IKE_PL_HDR_LEN + 4 + sk->iv_len + sk->icv_len;
	if (!sk->block || max_msg <= fixed)
		return 0;
	/* content + padding + Pad Length is a whole number of blocks */
	size_t enc = (max_msg - fixed) / sk->block * sk->block;
	return enc > 1 ? enc - 1 : 0;
}

unsigned ike_frag_count(const struct ike_sk *sk, size_t plain_len, size_t max_msg)
{
	size_t c = chunk_max(sk, max_msg);
	if (!c)
		return 0;
	size_t n = plain_len ? (plain_len + c - 1) / c : 1;
	return n <= IKE_FRAG_MAX ? (unsigned)n : 0;
}

int ike_frag_build(struct ike_sk *sk, const struct ike_hdr *h, uint8_t first_np,
		   const uint8_t *plain, size_t plain_len, uint16_t num, uint16_t total,
		   const struct ike_rng *rng, uint8_t *out, size_t cap, size_t *out_len)
{
	if (num == 0 || total == 0 || num > total || total > IKE_FRAG_MAX)
		return M6_E_IKE_SKF_NUM;
	/* Even chunks: every one is at most what ike_frag_count() allowed. */
	size_t chunk = (plain_len + total - 1) / total;
	size_t from = (size_t)(num - 1) * chunk;
	size_t n = from >= plain_len ? 0 : plain_len - from < chunk ? plain_len - from : chunk;
	struct ike_wr w;
	ike_wr_init(&w, out, cap, h);
	ike_wr_sk_begin(&w, true, num, total, sk->iv_len);
	ike_wr_bytes(&w, plain + from, n);
	if (w.err)
		return w.err;
	/* 2.5: the first inner payload's type in fragment 1 only. */
	out[w.sk_off] = num == 1 ? first_np : IKE_PL_NONE;
	return ike_sk_seal(sk, &w, rng, out_len);
}

void ike_wr_sk_content(const struct ike_wr *w, const uint8_t **plain, size_t *len,
		       uint8_t *first_np)
{
	*plain = w->buf + w->plain_off;
	*len = w->len - w->plain_off;
	*first_np = w->buf[w->sk_off];
}

void ike_frag_rx_init(struct ike_frag_rx *rx, uint8_t *buf, size_t cap)
{
	memset(rx, 0, sizeof(*rx));
	rx->buf = buf;
	rx->cap = cap;
}

void ike_frag_rx_reset(struct ike_frag_rx *rx)
{
	uint8_t *buf = rx->buf;
	size_t cap = rx->cap;
	/* The chunks are decrypted IKE payloads (keys in KE/AUTH context). */
	memset(buf, 0, rx->used);
	ike_frag_rx_init(rx, buf, cap);
}

static bool has(const struct ike_frag_rx *rx, uint16_t num)
{
	unsigned i = num - 1u;
	return rx->have[i / 64] >> (i % 64) & 1;
}

int ike_frag_rx_check(const struct ike_frag_rx *rx, uint32_t msgid, uint16_t num, uint16_t total)
{
	if (num == 0 || total == 0 || num > total)
		return M6_E_IKE_SKF_NUM;
	if (total > IKE_FRAG_MAX)
		return M6_E_IKE_FRAG_MAX;
	if (!rx->active)
		return 0;
	if (msgid != rx->msgid)
		return M6_E_IKE_FRAG_MSGID;
	if (total < rx->total)
		return M6_E_IKE_FRAG_TOTAL;
	/* A larger Total is a new set (PMTU probing, 2.5.2): not a replay. */
	if (total == rx->total && has(rx, num))
		return M6_E_IKE_FRAG_DUP;
	return 0;
}

int ike_frag_rx_add(struct ike_frag_rx *rx, uint32_t msgid, uint16_t num, uint16_t total,
		    uint8_t np, const uint8_t *chunk, size_t len)
{
	int rc = ike_frag_rx_check(rx, msgid, num, total);
	if (rc)
		return rc;
	if (rx->active && total > rx->total)
		ike_frag_rx_reset(rx);
	if (len > rx->cap - rx->used) {
		ike_frag_rx_reset(rx);
		return M6_E_IKE_FRAG_SPACE;
	}
	if (!rx->active) {
		rx->active = true;
		rx->msgid = msgid;
		rx->total = total;
	}
	memcpy(rx->buf + rx->used, chunk, len);
	rx->frag[num - 1].off = (uint32_t)rx->used;
	rx->frag[num - 1].len = (uint32_t)len;
	rx->used += len;
	rx->have[(num - 1u) / 64] |= 1ull << ((num - 1u) % 64);
	/* Next Payload counts only in fragment 1; others' are ignored (2.5
	 * says they MUST be 0, and strongSwan ignores them too). */
	if (num == 1)
		rx->first_np = np;
	rx->got++;
	return rx->got == rx->total ? 1 : 0;
}

int ike_frag_rx_take(struct ike_frag_rx *rx, uint8_t *out, size_t cap, size_t *len,
		     uint8_t *first_np)
{
	if (!rx->active || rx->got != rx->total)
		return M6_E_INVAL;
	if (rx->used > cap)
		return M6_E_NOMEM;
	size_t o = 0;
	for (unsigned i = 0; i < rx->total; i++) {
		memcpy(out + o, rx->buf + rx->frag[i].off, rx->frag[i].len);
		o += rx->frag[i].len;
	}
	*len = o;
	*first_np = rx->first_np;
	ike_frag_rx_reset(rx);
	return 0;
}
