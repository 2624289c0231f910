#include <string.h>

#include "mh.h"
#include "../util/m6_bytes.h"

#define IP6P_NONE 59
#define IP6P_MH 135

struct mh_type_row {
	const char *name;
	uint8_t fixed;     /* message data octets after the 6-octet header */
	uint8_t min_hlen;  /* MH-02 */
};

static const struct mh_type_row mh_types[MH_TYPE_COUNT] = {
	[MH_BRR] = { "BRR", 2, 0 },
	[MH_HOTI] = { "HoTI", 10, 1 },
	[MH_COTI] = { "CoTI", 10, 1 },
	[MH_HOT] = { "HoT", 18, 2 },
	[MH_COT] = { "CoT", 18, 2 },
	[MH_BU] = { "BU", 6, 1 },
	[MH_BA] = { "BA", 6, 1 },
	[MH_BE] = { "BE", 18, 2 },
};

size_t mh_fixed_len(uint8_t type)
{
	return type < MH_TYPE_COUNT ? mh_types[type].fixed : 0;
}

int mh_min_hlen(uint8_t type)
{
	return type < MH_TYPE_COUNT ? mh_types[type].min_hlen : -1;
}

const char *mh_type_name(uint8_t type)
{
	return type < MH_TYPE_COUNT ? mh_types[type].name : NULL;
}

const char *mh_opt_name(uint8_t type)
{
	static const char *const names[] = { "Pad1", "PadN", "BRA", "ACoA", "NonceIndices", "BAD" };
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

const char *mh_ba_status_text(uint8_t s)
{
	switch (s) {
	case 0: return "Binding Update accepted";
	case 1: return "Accepted but prefix discovery necessary";
	case 128: return "Reason unspecified";
	case 129: return "Administratively prohibited";
	case 130: return "Insufficient resources";
	case 131: return "Home registration not supported";
	case 132: return "Not home subnet";
	case 133: return "Not home agent for this mobile node";
	case 134: return "Duplicate Address Detection failed";
	case 135: return "Sequence number out of window";
	case 136: return "Expired home nonce index";
	case 137: return "Expired care-of nonce index";
	case 138: return "Expired nonces";
	case 139: return "Registration type change disallowed";
	case 174: return "Invalid Care-of Address";
	default: return s < 128 ? "accepted (unknown status)" : "rejected (unknown status)";
	}
}

/* Alignment requirement xn+y of each option (OPT-03); 1n for unknown ones. */
static void opt_align(uint8_t type, unsigned *x, unsigned *y)
{
	switch (type) {
	case MHO_BRA: case MHO_NI: *x = 2; *y = 0; break;
	case MHO_ACOA: *x = 8; *y = 6; break;
	case MHO_BAD: *x = 8; *y = 2; break;
	default: *x = 1; *y = 0; break;
	}
}

/* Required Option Length of the known options, -1 for any. */
static int opt_required_len(uint8_t type)
{
	switch (type) {
	case MHO_BRA: return 2;
	case MHO_ACOA: return 16;
	case MHO_NI: return 4;
	case MHO_BAD: return MH_BAD_LEN;
	default: return -1;
	}
}

/* Which message types may carry an option (OPT-05, OPT-06); true for unknown. */
static bool opt_allowed(uint8_t opt, uint8_t msg)
{
	switch (opt) {
	case MHO_BRA: return msg == MH_BA;
	case MHO_ACOA: case MHO_NI: return msg == MH_BU;
	case MHO_BAD: return msg == MH_BU || msg == MH_BA;
	default: return true;
	}
}

static void parse_fixed(const uint8_t *p, struct mh_msg *m)
{
	const uint8_t *d = p + MH_HDR_LEN;
	switch (m->type) {
	case MH_HOTI:
	case MH_COTI:
		memcpy(m->cookie, d + 2, MH_COOKIE_LEN);
		break;
	case MH_HOT:
	case MH_COT:
		m->nonce_index = m6_get16(d);
		memcpy(m->cookie, d + 2, MH_COOKIE_LEN);
		memcpy(m->token, d + 10, MH_COOKIE_LEN);
		break;
	case MH_BU:
		m->seq = m6_get16(d);
		m->flags = m6_get16(d + 2);
		m->lifetime = m6_get16(d + 4);
		break;
	case MH_BA:
		m->status = d[0];
		m->flags = d[1];
		m->seq = m6_get16(d + 2);
		m->lifetime = m6_get16(d + 4);
		break;
	case MH_BE:
		m->status = d[0];
		memcpy(m->hoa, d + 2, 16);
		break;
	default:
		break;
	}
}

static void parse_options(const uint8_t *p, struct mh_msg *m, struct m6_diags *ds, size_t base)
{
	size_t i = MH_HDR_LEN + mh_fixed_len(m->type), end = m->len;
	bool seen_bad = false, late_reported = false, too_many = false;
	unsigned seen = 0;   /* bitmap of known option types seen */
	while (i < end) {
		uint8_t t = p[i];
		if (seen_bad && !late_reported) {
			m6_diag_add(ds, M6_E_MH_BAD_NOT_LAST, base + i);
			late_reported = true;
		}
		if (t == MHO_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > end || i + 2 + (size_t)p[i + 1] > end) {
			m6_diag_add(ds, M6_E_MH_OPT_OVERRUN, base + i);
			return;
		}
		uint8_t ol = p[i + 1];
		if (t != MHO_PADN) {
			int want = opt_required_len(t);
			if (want >= 0 && ol != want)
				m6_diag_add(ds, M6_E_MH_OPT_LEN, base + i + 1);
			if (!opt_allowed(t, m->type))
				m6_diag_add(ds, M6_E_MH_OPT_PLACE, base + i);
			if (t <= MHO_BAD) {
				if (seen & (1u << t))
					m6_diag_add(ds, M6_E_MH_OPT_DUP, base + i);
				seen |= 1u << t;
			}
			if (t == MHO_BAD)
				seen_bad = true;
			if (m->n_opts < MH_OPT_MAX) {
				struct mh_opt *o = &m->opts[m->n_opts++];
				o->type = t;
				o->len = ol;
				o->off = (uint16_t)i;
				o->data = p + i + 2;
			} else if (!too_many) {
				/* An option we cannot list must not pass as absent. */
				m6_diag_add(ds, M6_E_MH_OPT_MAX, base + i);
				too_many = true;
			}
		}
		i += 2 + (size_t)ol;
	}
	if (m->type == MH_BU && (seen & (1u << MHO_NI))) {
		const struct mh_opt *ni = mh_find_opt(m, MHO_NI);
		if (m->flags & MH_BU_H)
			m6_diag_add(ds, M6_E_MH_NI_WITH_H, base + (ni ? ni->off : 0));
		if (!(seen & (1u << MHO_BAD)))
			m6_diag_add(ds, M6_E_MH_OPT_PLACE, base + (ni ? ni->off : 0));
	}
}

int mh_parse(const uint8_t *p, size_t len, struct mh_msg *m, struct m6_diags *ds, size_t base)
{
	unsigned first = ds->n;
	memset(m, 0, sizeof(*m));
	if (len < 8) {
		m6_diag_add(ds, M6_E_MH_TRUNC, base);
		return M6_E_MH_TRUNC;
	}
	m->proto = p[0];
	m->hlen = p[1];
	m->type = p[2];
	m->reserved = p[3];
	m->checksum = m6_get16(p + 4);
	size_t declared = 8 * ((size_t)m->hlen + 1);
	m->len = declared < len ? declared : len;
	if (m->proto != IP6P_NONE)
		m6_diag_add(ds, M6_E_MH_PROTO, base);
	if (declared != len)
		m6_diag_add(ds, M6_E_MH_HLEN, base + 1);
	int min = mh_min_hlen(m->type);
	if (min < 0) {
		m6_diag_add(ds, M6_E_MH_TYPE, base + 2);
	} else {
		if (m->hlen < min)
			m6_diag_add(ds, M6_E_MH_HLEN_MIN, base + 1);
		if (m->len >= MH_HDR_LEN + mh_fixed_len(m->type)) {
			parse_fixed(p, m);
			parse_options(p, m, ds, base);
		}
	}
	return ds->n > first ? ds->d[first].code : (ds->dropped ? M6_E_INVAL : 0);
}

const struct mh_opt *mh_find_opt(const struct mh_msg *m, uint8_t type)
{
	for (unsigned i = 0; i < m->n_opts; i++)
		if (m->opts[i].type == type)
			return &m->opts[i];
	return NULL;
}

static int put_pad(uint8_t *out, size_t cap, size_t *o, size_t n)
{
	if (n == 0)
		return 0;
	if (*o + n > cap)
		return M6_E_NOMEM;
	if (n == 1) {
		out[*o] = MHO_PAD1;
	} else {
		out[*o] = MHO_PADN;
		out[*o + 1] = (uint8_t)(n - 2);
		memset(out + *o + 2, 0, n - 2);
	}
	*o += n;
	return 0;
}

static void build_fixed(const struct mh_msg *m, uint8_t *d)
{
	switch (m->type) {
	case MH_HOTI:
	case MH_COTI:
		memcpy(d + 2, m->cookie, MH_COOKIE_LEN);
		break;
	case MH_HOT:
	case MH_COT:
		m6_put16(d, m->nonce_index);
		memcpy(d + 2, m->cookie, MH_COOKIE_LEN);
		memcpy(d + 10, m->token, MH_COOKIE_LEN);
		break;
	case MH_BU:
		m6_put16(d, m->seq);
		m6_put16(d + 2, m->flags);
		m6_put16(d + 4, m->lifetime);
		break;
	case MH_BA:
		d[0] = m->status;
		d[1] = (uint8_t)m->flags;
		m6_put16(d + 2, m->seq);
		m6_put16(d + 4, m->lifetime);
		break;
	case MH_BE:
		d[0] = m->status;
		memcpy(d + 2, m->hoa, 16);
		break;
	default:
		break;
	}
}

int mh_build(const struct mh_msg *m, uint8_t *out, size_t cap, size_t *outlen)
{
	/* Unknown types (crafted for tests) get the 2 reserved octets of a BRR. */
	size_t fixed = m->type < MH_TYPE_COUNT ? mh_fixed_len(m->type) : 2;
	size_t o = MH_HDR_LEN + fixed;
	if (o > cap || m->n_opts > MH_OPT_MAX)
		return M6_E_NOMEM;
	memset(out, 0, o);
	out[0] = m->proto;
	out[2] = m->type;
	build_fixed(m, out + MH_HDR_LEN);
	for (unsigned i = 0; i < m->n_opts; i++) {
		const struct mh_opt *opt = &m->opts[i];
		unsigned x, y;
		opt_align(opt->type, &x, &y);
		int rc = put_pad(out, cap, &o, (y + x - o % x) % x);
		if (rc)
			return rc;
		if (o + 2 + opt->len > cap)
			return M6_E_NOMEM;
		out[o] = opt->type;
		out[o + 1] = opt->len;
		if (opt->len)
			memcpy(out + o + 2, opt->data, opt->len);
		o += 2 + (size_t)opt->len;
	}
	int rc = put_pad(out, cap, &o, (8 - o % 8) % 8);
	if (rc)
		return rc;
	if (o > 8 * 256)
		return M6_E_NOMEM;
	out[1] = (uint8_t)(o / 8 - 1);
	*outlen = o;
	return 0;
}

uint16_t mh_checksum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *mh, size_t len)
{
	uint32_t s = m6_csum_pseudo6(src, dst, (uint32_t)len, IP6P_MH);
	/* the Checksum field (octets 4-5) counts as zero */
	s = m6_csum_add(s, mh, len < 4 ? len : 4);
	if (len > 6)
		s = m6_csum_add(s, mh + 6, len - 6);
	return m6_csum_fold(s);
}

void mh_set_checksum(uint8_t *mh, size_t len, const uint8_t src[16], const uint8_t dst[16])
{
	m6_put16(mh + 4, mh_checksum(src, dst, mh, len));
}

bool mh_verify_checksum(const uint8_t *mh, size_t len, const uint8_t src[16], const uint8_t dst[16])
{
	return len >= MH_HDR_LEN && m6_csum_ip6(src, dst, IP6P_MH, mh, len) == 0;
}

bool mh_seq_newer(uint16_t seq, uint16_t last)
{
	uint16_t d = (uint16_t)(seq - last);
	return d >= 1 && d <= 32767;
}

uint16_t mh_lifetime_units(uint32_t seconds)
{
	uint32_t u = seconds / 4;
	return u > 0xffff ? 0xffff : (uint16_t)u;
}
