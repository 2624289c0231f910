#include <string.h>

#include "ike_msg.h"
#include "ike_payload.h"
#include "../util/m6_bytes.h"

#define NONE ((size_t)-1)

bool ike_pl_known(uint8_t t)
{
	return (t >= IKE_PL_SA && t <= IKE_PL_EAP) || t == IKE_PL_SKF;
}

static bool exchange_known(uint8_t x)
{
	return x >= IKE_SA_INIT && x <= IKE_INFORMATIONAL;
}

int ike_hdr_parse(const uint8_t *p, size_t len, struct ike_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (len < IKE_HDR_LEN)
		return M6_E_IKE_TRUNC;
	memcpy(h->spi_i, p, IKE_SPI_LEN);
	memcpy(h->spi_r, p + 8, IKE_SPI_LEN);
	h->np = p[16];
	h->version = p[17];
	h->exchange = p[18];
	h->flags = p[19];
	h->msgid = m6_get32(p + 20);
	h->length = m6_get32(p + 24);
	return 0;
}

void ike_hdr_write(uint8_t *p, const struct ike_hdr *h)
{
	memcpy(p, h->spi_i, IKE_SPI_LEN);
	memcpy(p + 8, h->spi_r, IKE_SPI_LEN);
	p[16] = h->np;
	p[17] = h->version;
	p[18] = h->exchange;
	p[19] = h->flags;
	m6_put32(p + 20, h->msgid);
	m6_put32(p + 24, h->length);
}

static void add(struct m6_diags *ds, int *first, int code, size_t off)
{
	m6_diag_add(ds, code, off);
	if (!*first)
		*first = code;
}

/* Walk a payload chain at [p, p+len) starting with type np; offsets in
 * the descriptors are relative to p, diagnostics to base. */
static int walk(struct ike_msg *m, const uint8_t *p, size_t len, uint8_t np, bool inner,
		struct m6_diags *ds, size_t base)
{
	int first = 0;
	size_t off = 0;
	bool too_many = false;
	while (np != IKE_PL_NONE) {
		if (len - off < IKE_PL_HDR_LEN) {
			add(ds, &first, M6_E_IKE_PL_TRUNC, base + off);
			return first;
		}
		const uint8_t *q = p + off;
		size_t plen = m6_get16(q + 2);
		if (plen < IKE_PL_HDR_LEN) {
			/* Cannot step over it: the chain ends here. */
			add(ds, &first, M6_E_IKE_PL_LEN, base + off + 2);
			return first;
		}
		if (plen > len - off) {
			add(ds, &first, M6_E_IKE_PL_OVERRUN, base + off + 2);
			return first;
		}
		uint8_t type = np;
		bool crit = q[1] & IKE_PL_CRITICAL;
		bool known = ike_pl_known(type);
		if (!known && crit)
			add(ds, &first, M6_E_IKE_PL_CRITICAL, base + off);
		if (known) {
			int rc = ike_pl_check(type, q + IKE_PL_HDR_LEN, plen - IKE_PL_HDR_LEN, ds,
					      base + off + IKE_PL_HDR_LEN);
			if (rc && !first)
				first = rc;
		}
		if (m->n < IKE_PL_MAX) {
			struct ike_pl *pl = &m->pl[m->n++];
			pl->type = type;
			pl->np = q[0];
			pl->critical = crit;
			pl->known = known;
			pl->inner = inner;
			pl->off = (uint32_t)off;
			pl->len = (uint16_t)plen;
			pl->body = q + IKE_PL_HDR_LEN;
			pl->body_len = plen - IKE_PL_HDR_LEN;
		} else if (!too_many) {
			/* A payload we cannot list must not pass as absent. */
			add(ds, &first, M6_E_IKE_PL_MAX, base + off);
			too_many = true;
		}
		if (type == IKE_PL_SK || type == IKE_PL_SKF) {
			if (inner) {
				add(ds, &first, M6_E_IKE_SK_NESTED, base + off);
				return first;
			}
			if (off + plen != len)
				add(ds, &first, M6_E_IKE_SK_NOT_LAST, base + off);
			if (!too_many && m->sk < 0) {
				m->sk = (int)m->n - 1;
				m->sk_np = q[0];
				if (type == IKE_PL_SKF && plen >= IKE_PL_HDR_LEN + 4) {
					m->frag_num = m6_get16(q + 4);
					m->frag_total = m6_get16(q + 6);
				}
			}
			/* Its Next Payload names the first inner payload. */
			return first;
		}
		np = q[0];
		off += plen;
	}
	if (off != len)
		add(ds, &first, M6_E_IKE_PL_TRAILING, base + off);
	return first;
}

int ike_msg_parse(const uint8_t *p, size_t len, struct ike_msg *m, struct m6_diags *ds,
		  size_t base)
{
	int first = 0;
	memset(m, 0, sizeof(*m));
	m->sk = -1;
	if (ike_hdr_parse(p, len, &m->hdr)) {
		add(ds, &first, M6_E_IKE_TRUNC, base);
		return first;
	}
	if (m->hdr.version >> 4 != IKE_MAJOR) {
		/* Another major version's payloads are not ours to read (IKE-05). */
		add(ds, &first, M6_E_IKE_VERSION, base + 17);
		return first;
	}
	size_t mlen = len;
	if (m->hdr.length != len) {
		add(ds, &first, M6_E_IKE_LEN, base + 24);
		if (m->hdr.length >= IKE_HDR_LEN && m->hdr.length < len)
			mlen = m->hdr.length;
	}
	m->len = mlen;
	if (!exchange_known(m->hdr.exchange))
		add(ds, &first, M6_E_IKE_EXCHANGE, base + 18);
	int rc = walk(m, p + IKE_HDR_LEN, mlen - IKE_HDR_LEN, m->hdr.np, false, ds,
		      base + IKE_HDR_LEN);
	/* Descriptor offsets are relative to the message, not the chain. */
	for (unsigned i = 0; i < m->n; i++)
		m->pl[i].off += IKE_HDR_LEN;
	return first ? first : rc;
}

int ike_msg_parse_inner(struct ike_msg *m, const uint8_t *p, size_t len, uint8_t first_np,
			struct m6_diags *ds, size_t base)
{
	unsigned from = m->n;
	int rc = walk(m, p, len, first_np, true, ds, base);
	/* Inner offsets are relative to the caller's base (the message when
	 * it was decrypted in place). */
	for (unsigned i = from; i < m->n; i++)
		m->pl[i].off += (uint32_t)base;
	return rc;
}

const struct ike_pl *ike_msg_find(const struct ike_msg *m, uint8_t type, unsigned from)
{
	for (unsigned i = from; i < m->n; i++)
		if (m->pl[i].type == type)
			return &m->pl[i];
	return NULL;
}

const struct ike_pl *ike_msg_find_notify(const struct ike_msg *m, uint16_t ntype)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct ike_pl *pl = &m->pl[i];
		if (pl->type == IKE_PL_N && pl->body_len >= 4 && m6_get16(pl->body + 2) == ntype)
			return pl;
	}
	return NULL;
}

/* ---- writer ---- */

static bool room(struct ike_wr *w, size_t n)
{
	if (w->err)
		return false;
	if (n > w->cap - w->len) {
		w->err = M6_E_NOMEM;
		return false;
	}
	return true;
}

void ike_wr_init(struct ike_wr *w, uint8_t *buf, size_t cap, const struct ike_hdr *h)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	w->open = NONE;
	w->sk_off = NONE;
	w->plain_off = NONE;
	if (!room(w, IKE_HDR_LEN))
		return;
	struct ike_hdr hh = *h;
	hh.np = IKE_PL_NONE;
	hh.length = IKE_HDR_LEN;
	ike_hdr_write(buf, &hh);
	w->len = IKE_HDR_LEN;
	w->np_at = 16;
}

void ike_wr_begin(struct ike_wr *w, uint8_t type, bool critical)
{
	if (w->open != NONE && !w->err)
		w->err = M6_E_INVAL;
	if (!room(w, IKE_PL_HDR_LEN))
		return;
	w->buf[w->np_at] = type;
	w->np_at = w->len;
	w->open = w->len;
	uint8_t *q = w->buf + w->len;
	q[0] = IKE_PL_NONE;
	q[1] = critical ? IKE_PL_CRITICAL : 0;
	q[2] = q[3] = 0;
	w->len += IKE_PL_HDR_LEN;
}

void ike_wr_end(struct ike_wr *w)
{
	if (w->err)
		return;
	if (w->open == NONE) {
		w->err = M6_E_INVAL;
		return;
	}
	size_t plen = w->len - w->open;
	if (plen > 0xffff) {
		w->err = M6_E_INVAL;
		return;
	}
	m6_put16(w->buf + w->open + 2, (uint16_t)plen);
	w->open = NONE;
}

void ike_wr_bytes(struct ike_wr *w, const void *p, size_t n)
{
	if (!n || !room(w, n))
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void ike_wr_u8(struct ike_wr *w, uint8_t v)
{
	ike_wr_bytes(w, &v, 1);
}

void ike_wr_u16(struct ike_wr *w, uint16_t v)
{
	uint8_t b[2];
	m6_put16(b, v);
	ike_wr_bytes(w, b, 2);
}

void ike_wr_u32(struct ike_wr *w, uint32_t v)
{
	uint8_t b[4];
	m6_put32(b, v);
	ike_wr_bytes(w, b, 4);
}

void ike_wr_zero(struct ike_wr *w, size_t n)
{
	uint8_t *q = ike_wr_reserve(w, n);
	if (q)
		memset(q, 0, n);
}

uint8_t *ike_wr_reserve(struct ike_wr *w, size_t n)
{
	if (!room(w, n))
		return NULL;
	uint8_t *q = w->buf + w->len;
	w->len += n;
	return q;
}

void ike_wr_sk_begin(struct ike_wr *w, bool skf, uint16_t frag_num, uint16_t frag_total,
		     size_t iv_len)
{
	if (w->sk_off != NONE && !w->err)
		w->err = M6_E_INVAL;
	ike_wr_begin(w, skf ? IKE_PL_SKF : IKE_PL_SK, false);
	if (w->err)
		return;
	w->sk_off = w->open;
	/* Not an open payload: ike_sk_seal() sets its length. The first inner
	 * payload's type goes into its Next Payload (np_at is its header). */
	w->open = NONE;
	if (skf) {
		ike_wr_u16(w, frag_num);
		ike_wr_u16(w, frag_total);
	}
	ike_wr_zero(w, iv_len);
	w->plain_off = w->len;
}

int ike_wr_finish(struct ike_wr *w, size_t *len)
{
	if (!w->err && w->open != NONE)
		w->err = M6_E_INVAL;
	if (w->err)
		return w->err;
	if (w->len > 0xffffffffu)
		return M6_E_INVAL;
	m6_put32(w->buf + 24, (uint32_t)w->len);
	if (len)
		*len = w->len;
	return 0;
}
