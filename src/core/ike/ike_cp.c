/* Home address assignment in IKE_AUTH (RFC 4877 9; RFC 5026 5.3.2, 8.2):
 * the mobile node's CFG_REQUEST, the home agent's CFG_REPLY. The address
 * comes from the caller (assign_hoa, which answers for the authenticated
 * identity only), and the Child SA's TSi is narrowed to it, so the SA can
 * speak for the assigned home address and no other. */
#include <string.h>

#include "ike_sa_int.h"
#include "../util/m6_bytes.h"
#include "../util/m6_err.h"

#define HOA_ATTR_LEN 17         /* address, prefix length (RFC 7296 3.15.1) */
#define PFX_ATTR_LEN 21         /* lifetime, prefix, prefix length (RFC 5026 8.2) */

static const struct ike_cp_attr *attr_of(const struct ike_cp *cp, uint16_t type)
{
	for (unsigned i = 0; i < cp->n; i++)
		if (cp->attr[i].type == type)
			return &cp->attr[i];
	return NULL;
}

/* The inner CP payload of this type, parsed. */
static bool cp_of(const struct ike_msg *m, uint8_t cfg_type, struct ike_cp *cp)
{
	struct m6_diags ds;
	for (unsigned i = 0; i < m->n; i++) {
		const struct ike_pl *pl = &m->pl[i];
		m6_diags_init(&ds);
		if (pl->inner && pl->type == IKE_PL_CP && !ike_cp_parse(pl->body, pl->body_len, cp, &ds, 0) &&
		    cp->cfg_type == cfg_type)
			return true;
	}
	return false;
}

void ike_cp_put_req(const struct ike_sa *sa, struct ike_wr *w)
{
	const struct ike_sa_cfg *c = sa->cfg;
	if (!c->cp)
		return;
	uint8_t want[HOA_ATTR_LEN] = { 0 };
	struct ike_cp cp = { .cfg_type = IKE_CFG_REQUEST, .n = 2 };
	/* 4877-12: zero length, or the address we would like (RFC 4877 9) */
	cp.attr[0] = (struct ike_cp_attr){ IKE_CP_INTERNAL_IP6_ADDRESS, 0, want };
	if (c->cp_want) {
		memcpy(want, c->cp_want, 16);
		want[16] = 128;
		cp.attr[0].len = HOA_ATTR_LEN;
	}
	/* 4877-13: the home prefix too, length 0 in the request */
	cp.attr[1] = (struct ike_cp_attr){ IKE_CP_MIP6_HOME_PREFIX, 0, want };
	ike_put_cp(w, &cp);
}

/* Only the assigned address remains of each proposed range that holds it. */
static bool restrict_to(struct ike_ts_list *l, const uint8_t hoa[16])
{
	unsigned n = 0;
	for (unsigned i = 0; i < l->n; i++) {
		struct ike_ts t = l->ts[i];
		if (t.type != IKE_TS_IPV6_ADDR_RANGE || memcmp(t.start, hoa, 16) > 0 || memcmp(hoa, t.end, 16) > 0)
			continue;
		memcpy(t.start, hoa, 16);
		memcpy(t.end, hoa, 16);
		l->ts[n++] = t;
	}
	l->n = n;
	return n > 0;
}

uint16_t ike_cp_assign(struct ike_sa *sa, const struct ike_msg *m, struct ike_ts_list *tsi)
{
	const struct ike_sa_cfg *c = sa->cfg;
	struct ike_cp cp;
	if (!c->assign_hoa || !cp_of(m, IKE_CFG_REQUEST, &cp))
		return 0;
	const struct ike_cp_attr *a = attr_of(&cp, IKE_CP_INTERNAL_IP6_ADDRESS);
	if (!a)
		return 0;
	sa->cp_asked_pfx = attr_of(&cp, IKE_CP_MIP6_HOME_PREFIX) != NULL;
	const uint8_t *want = a->len == HOA_ATTR_LEN ? a->val : NULL;
	uint8_t plen = 64;
	/* 4877-12: none to give: INTERNAL_ADDRESS_FAILURE */
	if (c->assign_hoa(c->pad_ctx, sa->peer_id_type, sa->peer_id, sa->peer_id_len, want, sa->cp_hoa, &plen) ||
	    plen > 128)
		return IKE_N_INTERNAL_ADDRESS_FAILURE;
	sa->cp_plen = plen;
	sa->cp_ok = true;
	/* the Child SA speaks for this address only */
	if (!restrict_to(tsi, sa->cp_hoa))
		return IKE_N_TS_UNACCEPTABLE;
	return 0;
}

void ike_cp_put_reply(const struct ike_sa *sa, struct ike_wr *w)
{
	if (!sa->cp_ok)
		return;
	uint8_t hoa[HOA_ATTR_LEN], pfx[PFX_ATTR_LEN];
	memcpy(hoa, sa->cp_hoa, 16);
	hoa[16] = sa->cp_plen;
	struct ike_cp cp = { .cfg_type = IKE_CFG_REPLY, .n = 1 };
	cp.attr[0] = (struct ike_cp_attr){ IKE_CP_INTERNAL_IP6_ADDRESS, HOA_ATTR_LEN, hoa };
	if (sa->cp_asked_pfx) {
		/* 4877-13: one prefix, 21 octets: lifetime, prefix, length */
		m6_put32(pfx, sa->cfg->cp_life_s);
		memset(pfx + 4, 0, 16);
		for (unsigned b = 0; b < sa->cp_plen; b++)
			pfx[4 + b / 8] |= sa->cp_hoa[b / 8] & (uint8_t)(0x80 >> (b % 8));
		pfx[20] = sa->cp_plen;
		cp.attr[cp.n++] = (struct ike_cp_attr){ IKE_CP_MIP6_HOME_PREFIX, PFX_ATTR_LEN, pfx };
	}
	ike_put_cp(w, &cp);
}

int ike_cp_on_resp(struct ike_sa *sa, const struct ike_msg *m)
{
	if (!sa->cfg->cp)
		return 0;
	struct ike_cp cp;
	const struct ike_cp_attr *a = NULL, *p = NULL;
	if (cp_of(m, IKE_CFG_REPLY, &cp)) {
		a = attr_of(&cp, IKE_CP_INTERNAL_IP6_ADDRESS);
		p = attr_of(&cp, IKE_CP_MIP6_HOME_PREFIX);
	}
	/* 4877-12: INTERNAL_ADDRESS_FAILURE, or no address: IKE_AUTH ends */
	if (!a || a->len != HOA_ATTR_LEN || a->val[16] > 128)
		return M6_E_IKE_NO_ADDRESS;
	memcpy(sa->cp_hoa, a->val, 16);
	sa->cp_plen = a->val[16];
	sa->cp_ok = true;
	if (p && p->len == PFX_ATTR_LEN && p->val[20] <= 128) {
		sa->cp_pfx_life = m6_get32(p->val);
		memcpy(sa->cp_pfx, p->val + 4, 16);
		sa->cp_pfx_plen = p->val[20];
		sa->cp_pfx_ok = true;
	}
	return 0;
}
