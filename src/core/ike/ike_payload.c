#include <string.h>

#include "ike_payload.h"
#include "../util/m6_bytes.h"

#define PROP_HDR 8              /* Last Substruc .. Num Transforms (3.3.1) */
#define XF_HDR 8                /* Last Substruc .. Transform ID (3.3.2) */
#define LAST_PROP 2             /* Last Substruc of a proposal that is not last */
#define LAST_XF 3               /* ... of a transform that is not last */

/* Record a fault; the first one of a call is its return value. */
static void fault(struct m6_diags *ds, int *first, int code, size_t off)
{
	m6_diag_add(ds, code, off);
	if (!*first)
		*first = code;
}

size_t ike_pl_fixed_len(uint8_t type)
{
	switch (type) {
	case IKE_PL_KE: case IKE_PL_IDI: case IKE_PL_IDR: case IKE_PL_AUTH:
	case IKE_PL_N: case IKE_PL_D: case IKE_PL_TSI: case IKE_PL_TSR:
	case IKE_PL_CP: case IKE_PL_EAP: case IKE_PL_SKF:
		return 4;
	case IKE_PL_CERT: case IKE_PL_CERTREQ:
		return 1;
	default:
		return 0;
	}
}

int ike_pl_check(uint8_t type, const uint8_t *b, size_t len, struct m6_diags *ds, size_t base)
{
	uint16_t num, total;
	switch (type) {
	case IKE_PL_SA: return ike_sa_parse(b, len, NULL, ds, base);
	case IKE_PL_KE: return ike_ke_parse(b, len, NULL, ds, base);
	case IKE_PL_IDI: case IKE_PL_IDR: return ike_id_parse(b, len, NULL, ds, base);
	case IKE_PL_CERT: case IKE_PL_CERTREQ: return ike_cert_parse(b, len, NULL, ds, base);
	case IKE_PL_AUTH: return ike_auth_parse(b, len, NULL, ds, base);
	case IKE_PL_NONCE: return ike_nonce_parse(b, len, ds, base);
	case IKE_PL_N: return ike_notify_parse(b, len, NULL, ds, base);
	case IKE_PL_D: return ike_delete_parse(b, len, NULL, ds, base);
	case IKE_PL_TSI: case IKE_PL_TSR: return ike_ts_parse(b, len, NULL, ds, base);
	case IKE_PL_CP: return ike_cp_parse(b, len, NULL, ds, base);
	case IKE_PL_EAP: return ike_eap_parse(b, len, NULL, ds, base);
	case IKE_PL_SKF: return ike_skf_parse(b, len, &num, &total, ds, base);
	default: return 0;     /* V, SK (checked when opened), unknown */
	}
}

/* Every parser starts here: a body shorter than its fixed part. */
static int short_body(uint8_t type, size_t len, struct m6_diags *ds, size_t base)
{
	if (len >= ike_pl_fixed_len(type))
		return 0;
	/* The offset is that of the Payload Length field, 2 octets before
	 * the generic header ends. */
	m6_diag_add(ds, M6_E_IKE_PL_LEN, base >= 2 ? base - 2 : 0);
	return M6_E_IKE_PL_LEN;
}

/* ---- SA ---- */

static bool prop_spi_ok(uint8_t proto, uint8_t spi_size)
{
	switch (proto) {
	case IKE_PROTO_IKE: return spi_size == 0 || spi_size == IKE_SPI_LEN;  /* 0 initial, 8 rekey */
	case IKE_PROTO_AH: case IKE_PROTO_ESP: return spi_size == 4;
	default: return true;   /* reported as an unknown protocol instead */
	}
}

/* Attributes of one transform at [p, p+len). */
static void parse_attrs(const uint8_t *p, size_t len, struct ike_xf *x, struct m6_diags *ds,
			size_t base, int *first)
{
	size_t i = 0;
	while (i < len) {
		if (len - i < 4) {
			fault(ds, first, M6_E_IKE_ATTR_LEN, base + i);
			return;
		}
		uint16_t t = m6_get16(p + i);
		uint16_t v = m6_get16(p + i + 2);
		bool tv = t & IKE_ATTR_AF;
		t &= (uint16_t)~IKE_ATTR_AF;
		size_t size = tv ? 4 : 4 + (size_t)v;
		if (size > len - i) {
			fault(ds, first, M6_E_IKE_ATTR_LEN, base + i + 2);
			return;
		}
		if (t == IKE_ATTR_KEY_LENGTH) {
			if (!tv)
				fault(ds, first, M6_E_IKE_ATTR_FORMAT, base + i);
			else
				x->key_len = v;
		} else {
			x->unknown_attr = true;
		}
		i += size;
	}
}

/* Transforms of one proposal at [p, p+len). */
static void parse_xfs(const uint8_t *p, size_t len, uint8_t n_xf, struct ike_prop *pr,
		      struct m6_diags *ds, size_t base, int *first, size_t count_off)
{
	size_t i = 0;
	unsigned count = 0;
	bool too_many = false;
	while (i < len) {
		if (len - i < XF_HDR) {
			fault(ds, first, M6_E_IKE_XF_LEN, base + i);
			return;
		}
		size_t tl = m6_get16(p + i + 2);
		if (tl < XF_HDR || tl > len - i) {
			fault(ds, first, M6_E_IKE_XF_LEN, base + i + 2);
			return;
		}
		bool last = i + tl == len;
		if (p[i] != (last ? 0 : LAST_XF))
			fault(ds, first, M6_E_IKE_XF_LAST, base + i);
		struct ike_xf x = { .type = p[i + 4], .id = m6_get16(p + i + 6) };
		parse_attrs(p + i + XF_HDR, tl - XF_HDR, &x, ds, base + i + XF_HDR, first);
		if (count < IKE_XF_MAX) {
			if (pr)
				pr->xf[pr->n_xf++] = x;
		} else if (!too_many) {
			fault(ds, first, M6_E_IKE_XF_MAX, base + i);
			too_many = true;
		}
		count++;
		i += tl;
	}
	if (count != n_xf)
		fault(ds, first, M6_E_IKE_XF_COUNT, count_off);
}

int ike_sa_parse(const uint8_t *b, size_t len, struct ike_sa_payload *sa, struct m6_diags *ds,
		 size_t base)
{
	int first = 0;
	if (sa)
		memset(sa, 0, sizeof(*sa));
	if (len == 0) {
		fault(ds, &first, M6_E_IKE_SA_EMPTY, base);
		return first;
	}
	size_t i = 0, first_off = 0;
	unsigned count = 0;
	uint8_t prev_num = 0, first_num = 0;
	bool too_many = false;
	while (i < len) {
		if (len - i < PROP_HDR) {
			fault(ds, &first, M6_E_IKE_PROP_LEN, base + i);
			break;
		}
		const uint8_t *q = b + i;
		size_t pl = m6_get16(q + 2);
		uint8_t num = q[4], proto = q[5], spi_size = q[6], n_xf = q[7];
		if (pl < PROP_HDR + (size_t)spi_size || pl > len - i) {
			fault(ds, &first, M6_E_IKE_PROP_LEN, base + i + 2);
			break;
		}
		bool last = i + pl == len;
		if (q[0] != (last ? 0 : LAST_PROP))
			fault(ds, &first, M6_E_IKE_PROP_LAST, base + i);
		/* A single proposal may carry any number (a response echoes
		 * the accepted one); a list must count 1, 2, 3... */
		if (count == 0) {
			first_num = num;
			first_off = i;
		} else {
			if (count == 1 && first_num != 1)
				fault(ds, &first, M6_E_IKE_PROP_NUM, base + first_off + 4);
			if (num != (uint8_t)(prev_num + 1))
				fault(ds, &first, M6_E_IKE_PROP_NUM, base + i + 4);
		}
		prev_num = num;
		if (proto != IKE_PROTO_IKE && proto != IKE_PROTO_AH && proto != IKE_PROTO_ESP)
			fault(ds, &first, M6_E_IKE_PROP_PROTO, base + i + 5);
		else if (!prop_spi_ok(proto, spi_size))
			fault(ds, &first, M6_E_IKE_PROP_SPI, base + i + 6);
		struct ike_prop *pr = NULL;
		if (count < IKE_PROP_MAX) {
			if (sa) {
				pr = &sa->prop[sa->n_prop++];
				pr->num = num;
				pr->proto = proto;
				pr->spi_size = spi_size <= IKE_SPI_LEN ? spi_size : 0;
				memcpy(pr->spi, q + PROP_HDR, pr->spi_size);
			}
		} else if (!too_many) {
			fault(ds, &first, M6_E_IKE_PROP_MAX, base + i);
			too_many = true;
		}
		size_t xo = PROP_HDR + (size_t)spi_size;
		parse_xfs(q + xo, pl - xo, n_xf, pr, ds, base + i + xo, &first, base + i + 7);
		count++;
		i += pl;
	}
	return first;
}

void ike_put_sa(struct ike_wr *w, const struct ike_sa_payload *sa)
{
	ike_wr_begin(w, IKE_PL_SA, false);
	for (unsigned i = 0; i < sa->n_prop && i < IKE_PROP_MAX; i++) {
		const struct ike_prop *pr = &sa->prop[i];
		uint8_t spi_size = pr->spi_size <= IKE_SPI_LEN ? pr->spi_size : IKE_SPI_LEN;
		size_t ps = w->len;
		ike_wr_u8(w, i + 1 == sa->n_prop ? 0 : LAST_PROP);
		ike_wr_u8(w, 0);
		ike_wr_u16(w, 0);       /* Proposal Length, below */
		ike_wr_u8(w, pr->num);
		ike_wr_u8(w, pr->proto);
		ike_wr_u8(w, spi_size);
		ike_wr_u8(w, (uint8_t)pr->n_xf);
		ike_wr_bytes(w, pr->spi, spi_size);
		for (unsigned j = 0; j < pr->n_xf && j < IKE_XF_MAX; j++) {
			const struct ike_xf *x = &pr->xf[j];
			ike_wr_u8(w, j + 1 == pr->n_xf ? 0 : LAST_XF);
			ike_wr_u8(w, 0);
			ike_wr_u16(w, x->key_len ? XF_HDR + 4 : XF_HDR);
			ike_wr_u8(w, x->type);
			ike_wr_u8(w, 0);
			ike_wr_u16(w, x->id);
			if (x->key_len) {
				ike_wr_u16(w, IKE_ATTR_AF | IKE_ATTR_KEY_LENGTH);
				ike_wr_u16(w, x->key_len);
			}
		}
		if (!w->err) {
			if (w->len - ps > 0xffff)
				w->err = M6_E_INVAL;
			else
				m6_put16(w->buf + ps + 2, (uint16_t)(w->len - ps));
		}
	}
	ike_wr_end(w);
}

/* ---- KE ---- */

size_t ike_group_ke_len(uint16_t group)
{
	switch (group) {
	case IKE_DH_MODP2048: return 256;
	case IKE_DH_MODP3072: return 384;
	case IKE_DH_ECP256: return 64;          /* x || y (RFC 5903 7) */
	case IKE_DH_ECP384: return 96;
	case IKE_DH_X25519: return 32;          /* RFC 8031 3.1 */
	case IKE_DH_X448: return 56;
	default: return 0;
	}
}

int ike_ke_parse(const uint8_t *b, size_t len, struct ike_ke *ke, struct m6_diags *ds,
		 size_t base)
{
	int first = short_body(IKE_PL_KE, len, ds, base);
	if (first)
		return first;
	uint16_t g = m6_get16(b);
	size_t want = ike_group_ke_len(g);
	/* An unknown group is not a syntax fault: the responder answers
	 * INVALID_KE_PAYLOAD (IKE-07). */
	if (want && len - 4 != want)
		fault(ds, &first, M6_E_IKE_KE_LEN, base + 4);
	if (ke) {
		ke->group = g;
		ke->data = b + 4;
		ke->len = len - 4;
	}
	return first;
}

void ike_put_ke(struct ike_wr *w, uint16_t group, const uint8_t *data, size_t len)
{
	ike_wr_begin(w, IKE_PL_KE, false);
	ike_wr_u16(w, group);
	ike_wr_u16(w, 0);
	ike_wr_bytes(w, data, len);
	ike_wr_end(w);
}

/* ---- ID ---- */

int ike_id_parse(const uint8_t *b, size_t len, struct ike_id *id, struct m6_diags *ds,
		 size_t base)
{
	int first = short_body(IKE_PL_IDI, len, ds, base);
	if (first)
		return first;
	if ((b[0] == IKE_ID_IPV4_ADDR && len - 4 != 4) || (b[0] == IKE_ID_IPV6_ADDR && len - 4 != 16))
		fault(ds, &first, M6_E_IKE_ID_LEN, base + 4);
	if (id) {
		id->type = b[0];
		id->data = b + 4;
		id->len = len - 4;
	}
	return first;
}

void ike_put_id(struct ike_wr *w, uint8_t pl_type, uint8_t id_type, const uint8_t *data,
		size_t len)
{
	ike_wr_begin(w, pl_type, false);
	ike_wr_u8(w, id_type);
	ike_wr_zero(w, 3);
	ike_wr_bytes(w, data, len);
	ike_wr_end(w);
}

/* ---- CERT / CERTREQ ---- */

int ike_cert_parse(const uint8_t *b, size_t len, struct ike_cert *c, struct m6_diags *ds,
		   size_t base)
{
	int first = short_body(IKE_PL_CERT, len, ds, base);
	if (first)
		return first;
	if (c) {
		c->enc = b[0];
		c->data = b + 1;
		c->len = len - 1;
	}
	return 0;
}

void ike_put_cert(struct ike_wr *w, uint8_t pl_type, uint8_t enc, const uint8_t *data,
		  size_t len)
{
	ike_wr_begin(w, pl_type, false);
	ike_wr_u8(w, enc);
	ike_wr_bytes(w, data, len);
	ike_wr_end(w);
}

/* ---- AUTH ---- */

int ike_auth_parse(const uint8_t *b, size_t len, struct ike_auth *a, struct m6_diags *ds,
		   size_t base)
{
	int first = short_body(IKE_PL_AUTH, len, ds, base);
	if (first)
		return first;
	if (a) {
		a->method = b[0];
		a->data = b + 4;
		a->len = len - 4;
	}
	return 0;
}

void ike_put_auth(struct ike_wr *w, uint8_t method, const uint8_t *data, size_t len)
{
	ike_wr_begin(w, IKE_PL_AUTH, false);
	ike_wr_u8(w, method);
	ike_wr_zero(w, 3);
	ike_wr_bytes(w, data, len);
	ike_wr_end(w);
}

/* ---- Nonce, Vendor ID ---- */

int ike_nonce_parse(const uint8_t *b, size_t len, struct m6_diags *ds, size_t base)
{
	(void)b;
	if (len < IKE_NONCE_MIN || len > IKE_NONCE_MAX) {
		m6_diag_add(ds, M6_E_IKE_NONCE_LEN, base >= 2 ? base - 2 : 0);
		return M6_E_IKE_NONCE_LEN;
	}
	return 0;
}

void ike_put_nonce(struct ike_wr *w, const uint8_t *data, size_t len)
{
	ike_wr_begin(w, IKE_PL_NONCE, false);
	ike_wr_bytes(w, data, len);
	ike_wr_end(w);
}

void ike_put_vendor(struct ike_wr *w, const uint8_t *data, size_t len)
{
	ike_wr_begin(w, IKE_PL_V, false);
	ike_wr_bytes(w, data, len);
	ike_wr_end(w);
}

/* ---- Notify ---- */

int ike_notify_parse(const uint8_t *b, size_t len, struct ike_notify *n, struct m6_diags *ds,
		     size_t base)
{
	int first = short_body(IKE_PL_N, len, ds, base);
	if (first)
		return first;
	uint8_t ss = b[1];
	/* 0 for the IKE SA and most notifications, 4 for a Child SA; 8 is
	 * accepted for an IKE SPI. */
	bool ok = (ss == 0 || ss == 4 || ss == 8) && ss <= len - 4;
	if (!ok)
		fault(ds, &first, M6_E_IKE_N_SPI, base + 1);
	if (n) {
		n->proto = b[0];
		n->spi_size = ok ? ss : 0;
		n->type = m6_get16(b + 2);
		n->spi = b + 4;
		n->data = b + 4 + n->spi_size;
		n->data_len = len - 4 - n->spi_size;
	}
	return first;
}

void ike_put_notify(struct ike_wr *w, uint8_t proto, const uint8_t *spi, uint8_t spi_size,
		    uint16_t type, const uint8_t *data, size_t len)
{
	ike_wr_begin(w, IKE_PL_N, false);
	ike_wr_u8(w, proto);
	ike_wr_u8(w, spi_size);
	ike_wr_u16(w, type);
	ike_wr_bytes(w, spi, spi_size);
	ike_wr_bytes(w, data, len);
	ike_wr_end(w);
}

/* ---- Delete ---- */

int ike_delete_parse(const uint8_t *b, size_t len, struct ike_delete *d, struct m6_diags *ds,
		     size_t base)
{
	int first = short_body(IKE_PL_D, len, ds, base);
	if (first)
		return first;
	uint8_t proto = b[0], ss = b[1];
	uint16_t n = m6_get16(b + 2);
	if (proto == IKE_PROTO_IKE) {
		/* 3.11: the IKE SA is named by the message's SPIs. */
		if (ss != 0 || n != 0 || len != 4)
			fault(ds, &first, M6_E_IKE_DEL_SPI, base + 1);
	} else if (proto == IKE_PROTO_AH || proto == IKE_PROTO_ESP) {
		if (ss != 4 || len - 4 != (size_t)n * 4)
			fault(ds, &first, M6_E_IKE_DEL_SPI, base + 1);
	} else {
		fault(ds, &first, M6_E_IKE_DEL_PROTO, base);
	}
	if (d) {
		d->proto = proto;
		d->spi_size = first ? 0 : ss;
		d->n_spi = first ? 0 : n;
		d->spis = b + 4;
	}
	return first;
}

void ike_put_delete(struct ike_wr *w, uint8_t proto, const uint32_t *spis, uint16_t n)
{
	ike_wr_begin(w, IKE_PL_D, false);
	ike_wr_u8(w, proto);
	ike_wr_u8(w, proto == IKE_PROTO_IKE ? 0 : 4);
	ike_wr_u16(w, proto == IKE_PROTO_IKE ? 0 : n);
	if (proto != IKE_PROTO_IKE)
		for (uint16_t i = 0; i < n; i++)
			ike_wr_u32(w, spis[i]);
	ike_wr_end(w);
}

/* ---- Traffic selectors ---- */

int ike_ts_parse(const uint8_t *b, size_t len, struct ike_ts_list *l, struct m6_diags *ds,
		 size_t base)
{
	int first = short_body(IKE_PL_TSI, len, ds, base);
	if (l)
		l->n = 0;
	if (first)
		return first;
	unsigned want = b[0], count = 0;
	bool too_many = false;
	size_t i = 4;
	if (want == 0)
		fault(ds, &first, M6_E_IKE_TS_COUNT, base);
	while (i < len) {
		if (len - i < 4) {
			fault(ds, &first, M6_E_IKE_TS_LEN, base + i);
			return first;
		}
		uint8_t type = b[i];
		size_t sl = m6_get16(b + i + 2);
		size_t alen = type == IKE_TS_IPV4_ADDR_RANGE ? 4 : type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 0;
		if (sl < 4 || sl > len - i) {
			fault(ds, &first, M6_E_IKE_TS_LEN, base + i + 2);
			return first;
		}
		if (!alen) {
			/* Skipped by its length, still counted. */
			fault(ds, &first, M6_E_IKE_TS_TYPE, base + i);
		} else if (sl != 8 + 2 * alen) {
			fault(ds, &first, M6_E_IKE_TS_LEN, base + i + 2);
		} else {
			struct ike_ts t = { .type = type, .proto = b[i + 1] };
			t.start_port = m6_get16(b + i + 4);
			t.end_port = m6_get16(b + i + 6);
			memcpy(t.start, b + i + 8, alen);
			memcpy(t.end, b + i + 8 + alen, alen);
			bool opaque = t.start_port == 65535 && t.end_port == 0;
			if (t.start_port > t.end_port && !opaque)
				fault(ds, &first, M6_E_IKE_TS_RANGE, base + i + 4);
			if (memcmp(t.start, t.end, alen) > 0)
				fault(ds, &first, M6_E_IKE_TS_RANGE, base + i + 8);
			if (count < IKE_TS_MAX) {
				if (l)
					l->ts[l->n++] = t;
			} else if (!too_many) {
				fault(ds, &first, M6_E_IKE_TS_MAX, base + i);
				too_many = true;
			}
		}
		count++;
		i += sl;
	}
	if (want && count != want)
		fault(ds, &first, M6_E_IKE_TS_COUNT, base);
	return first;
}

void ike_put_ts(struct ike_wr *w, uint8_t pl_type, const struct ike_ts_list *l)
{
	unsigned n = l->n < IKE_TS_MAX ? l->n : IKE_TS_MAX;
	ike_wr_begin(w, pl_type, false);
	ike_wr_u8(w, (uint8_t)n);
	ike_wr_zero(w, 3);
	for (unsigned i = 0; i < n; i++) {
		const struct ike_ts *t = &l->ts[i];
		size_t alen = t->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
		ike_wr_u8(w, t->type);
		ike_wr_u8(w, t->proto);
		ike_wr_u16(w, (uint16_t)(8 + 2 * alen));
		ike_wr_u16(w, t->start_port);
		ike_wr_u16(w, t->end_port);
		ike_wr_bytes(w, t->start, alen);
		ike_wr_bytes(w, t->end, alen);
	}
	ike_wr_end(w);
}

/* ---- Configuration ---- */

/* 3.15.1 table and RFC 5026 8.2: is len valid for an attribute type? An
 * empty value is how a CFG_REQUEST asks for one. */
static bool cp_len_ok(uint16_t type, uint16_t len)
{
	switch (type) {
	case IKE_CP_INTERNAL_IP4_ADDRESS: case IKE_CP_INTERNAL_IP4_NETMASK:
	case IKE_CP_INTERNAL_IP4_DNS: case IKE_CP_INTERNAL_IP4_NBNS: case IKE_CP_INTERNAL_IP4_DHCP:
		return len == 0 || len == 4;
	case IKE_CP_INTERNAL_IP6_ADDRESS: case IKE_CP_INTERNAL_IP6_SUBNET:
		return len == 0 || len == 17;
	case IKE_CP_INTERNAL_IP6_DNS: case IKE_CP_INTERNAL_IP6_DHCP:
		return len == 0 || len == 16;
	case IKE_CP_INTERNAL_IP4_SUBNET:
		return len == 0 || len == 8;
	case IKE_CP_SUPPORTED_ATTRIBUTES:
		return len % 2 == 0;
	case IKE_CP_MIP6_HOME_PREFIX:
		return len == 0 || len == 21;
	default:
		return true;
	}
}

int ike_cp_parse(const uint8_t *b, size_t len, struct ike_cp *cp, struct m6_diags *ds,
		 size_t base)
{
	int first = short_body(IKE_PL_CP, len, ds, base);
	if (cp)
		cp->n = 0;
	if (first)
		return first;
	if (b[0] < IKE_CFG_REQUEST || b[0] > IKE_CFG_ACK)
		fault(ds, &first, M6_E_IKE_CP_TYPE, base);
	if (cp)
		cp->cfg_type = b[0];
	size_t i = 4;
	unsigned count = 0;
	while (i < len) {
		if (len - i < 4) {
			fault(ds, &first, M6_E_IKE_CP_ATTR, base + i);
			break;
		}
		uint16_t type = m6_get16(b + i) & 0x7fff, al = m6_get16(b + i + 2);
		if ((size_t)al > len - i - 4) {
			fault(ds, &first, M6_E_IKE_CP_ATTR, base + i + 2);
			break;
		}
		if (!cp_len_ok(type, al))
			fault(ds, &first, M6_E_IKE_CP_LEN, base + i + 2);
		if (count < IKE_CP_ATTR_MAX) {
			if (cp)
				cp->attr[cp->n++] = (struct ike_cp_attr){ type, al, b + i + 4 };
		} else if (count == IKE_CP_ATTR_MAX) {
			fault(ds, &first, M6_E_IKE_CP_MAX, base + i);
		}
		count++;
		i += 4 + (size_t)al;
	}
	return first;
}

void ike_put_cp(struct ike_wr *w, const struct ike_cp *cp)
{
	ike_wr_begin(w, IKE_PL_CP, false);
	ike_wr_u8(w, cp->cfg_type);
	ike_wr_zero(w, 3);
	for (unsigned i = 0; i < cp->n && i < IKE_CP_ATTR_MAX; i++) {
		ike_wr_u16(w, cp->attr[i].type & 0x7fff);
		ike_wr_u16(w, cp->attr[i].len);
		ike_wr_bytes(w, cp->attr[i].val, cp->attr[i].len);
	}
	ike_wr_end(w);
}

/* ---- EAP ---- */

int ike_eap_parse(const uint8_t *b, size_t len, struct ike_eap *e, struct m6_diags *ds,
		  size_t base)
{
	int first = short_body(IKE_PL_EAP, len, ds, base);
	if (first)
		return first;
	uint8_t code = b[0];
	uint16_t el = m6_get16(b + 2);
	bool has_type = code == IKE_EAP_REQUEST || code == IKE_EAP_RESPONSE;
	if (code < IKE_EAP_REQUEST || code > IKE_EAP_FAILURE)
		fault(ds, &first, M6_E_IKE_EAP_CODE, base);
	/* RFC 3748 4: Request/Response carry a Type octet, Success/Failure
	 * are exactly 4 octets. */
	if (el != len || (has_type && el < 5) || ((code == IKE_EAP_SUCCESS || code == IKE_EAP_FAILURE) && el != 4))
		fault(ds, &first, M6_E_IKE_EAP_LEN, base + 2);
	if (e) {
		e->code = code;
		e->id = b[1];
		e->len = el;
		e->type = has_type && len >= 5 ? b[4] : 0;
		e->data = b + (has_type && len >= 5 ? 5 : 4);
		e->data_len = len - (size_t)(e->data - b);
	}
	return first;
}

void ike_put_eap(struct ike_wr *w, const uint8_t *msg, size_t len)
{
	ike_wr_begin(w, IKE_PL_EAP, false);
	ike_wr_bytes(w, msg, len);
	ike_wr_end(w);
}

/* ---- SKF ---- */

int ike_skf_parse(const uint8_t *b, size_t len, uint16_t *num, uint16_t *total,
		  struct m6_diags *ds, size_t base)
{
	int first = short_body(IKE_PL_SKF, len, ds, base);
	*num = *total = 0;
	if (first)
		return first;
	*num = m6_get16(b);
	*total = m6_get16(b + 2);
	if (*num == 0 || *total == 0 || *num > *total)
		fault(ds, &first, M6_E_IKE_SKF_NUM, base);
	return first;
}
