/*
 * node_tunnel_sa — the mobile node - home agent tunnel-mode SAs whose
 * mobile-node endpoint is the care-of address (RFC 3776 4.3, RFC 4877
 * 4.3; keyconf `follow_binding`): which endpoint moves, and when.
 *
 * The home agent moves the SAs of a peer (both directions) from the one
 * place its engine reports an accepted home registration: a Binding
 * Update the SPD made arrive protected (3776-11, 3776-15 step 6). Nothing
 * else a packet can cause reaches here (INT-04): a clear tunnel packet
 * from a new address, a BU the home agent refuses, or a correspondent
 * registration on a node that is also a correspondent. The mobile node
 * switches its own side right after it sends the home registration BU
 * (HA-09), so its Home Test Init leaves from the new care-of address at
 * once, and the home agent's Home Test follows the accepted binding.
 */
#include <string.h>

#include "node_int.h"

/* Which endpoint is the mobile node's: the peer's on the home agent, our
 * own on the mobile node; outbound SAs send to dst, inbound come from src. */
static uint8_t *mn_side(struct ipsec_sa *sa, bool home_agent)
{
	return sa->inbound == home_agent ? sa->src : sa->dst;
}

const char *node_tunnel_sa_check(const struct node *n, const struct node_cfg *cfg)
{
	if (!n->ipsec)
		return NULL;
	for (size_t i = 0, cap = sad_capacity(n->cfg.sad); i < cap; i++) {
		struct ipsec_sa *sa = sad_slot(n->cfg.sad, i);
		if (!sa || !sa->follow_binding)
			continue;
		/* a node may be configured before it is up: start unbound,
		 * whatever the file held for the moving endpoint */
		sa->bound = false;
		if (cfg->is_ha == cfg->is_mn)
			return "follow_binding needs a home agent or a mobile node";
		if (cfg->is_ha && !sa->pad_id)
			return "follow_binding on a home agent needs the SA's peer";
	}
	return NULL;
}

static void set_bound(struct node *n, struct ipsec_sa *sa, const uint8_t *coa)
{
	sa->bound = coa != NULL;
	if (coa)
		memcpy(mn_side(sa, n->ha != NULL), coa, 16);
}

void node_tunnel_sa_binding(struct node *n, const uint8_t hoa[16], const uint8_t *coa)
{
	/* a home agent without such SAs (the usual case) must not walk its
	 * SAD on every accepted BU: that made registration O(bindings) */
	if (!n->ipsec || !n->ha || !n->bits.n_follow)
		return;
	for (size_t i = 0, cap = sad_capacity(n->cfg.sad); i < cap; i++) {
		struct ipsec_sa *sa = sad_slot(n->cfg.sad, i);
		const struct pad_entry *pe = sa && sa->follow_binding ? pad_get(n->cfg.pad, sa->pad_id) : NULL;
		/* the SAs of the peer that may use this home address */
		if (pe && pad_hoa_allowed(pe, hoa))
			set_bound(n, sa, coa);
	}
}

void node_tunnel_sa_coa(struct node *n, const uint8_t *coa)
{
	if (!n->ipsec || !n->mn || !n->bits.n_follow)
		return;
	for (size_t i = 0, cap = sad_capacity(n->cfg.sad); i < cap; i++) {
		struct ipsec_sa *sa = sad_slot(n->cfg.sad, i);
		if (sa && sa->follow_binding)
			set_bound(n, sa, coa);
	}
}
