/* The key manager's Peer Authorization Database (RFC 4301 4.4.3): who an
 * IKE identity is, what it may claim (4877-02/03, the true-address
 * model's TSi), and the home addresses it is assigned (RFC 4877 9). */
#include <string.h>

#include "../ipsec/pad.h"
#include "../node/node.h"
#include "../pkt/ip6.h"
#include "../util/m6_err.h"
#include "ike_km_int.h"

/* The PAD entry for an IKE identity (RFC 4301 4.4.3). */
const struct pad_entry *ikm_pad_for(const struct ike_km *k, uint8_t type, const uint8_t *id, size_t len)
{
	struct bits *b = node_bits(k->n);
	if (!b || !b->pad)
		return NULL;
	if (type == IKE_ID_IPV6_ADDR)
		return len == 16 ? pad_match_addr(b->pad, id) : NULL;
	char text[PAD_ID_MAX];
	if (len == 0 || len >= sizeof(text) || memchr(id, 0, len))
		return NULL;
	memcpy(text, id, len);
	text[len] = 0;
	return pad_match(b->pad, (enum pad_id_type)type, text);
}

int ikm_pad_psk(void *ctx, uint8_t type, const uint8_t *id, size_t len, const uint8_t **psk, size_t *psk_len)
{
	struct slot *s = ctx;
	const struct pad_entry *e = ikm_pad_for(s->km, type, id, len);
	if (!e || e->auth != PAD_AUTH_PSK)
		return M6_E_IKE_PEER_ID;
	if (e->psk_len) {
		*psk = e->psk;
		*psk_len = e->psk_len;
	}
	return 0;
}

bool ikm_pad_cert(void *ctx, uint8_t type, const uint8_t *id, size_t len)
{
	struct slot *s = ctx;
	const struct pad_entry *e = ikm_pad_for(s->km, type, id, len);
	return e && e->auth == PAD_AUTH_CERT;
}

/* 4877-02/03: an identity may claim only its own home addresses. */
bool ikm_true_address(const struct ike_km *k)
{
	const struct bits *b = node_bits(k->n);
	return b && b->cfg.model == SA_MODEL_TRUE_ADDR;
}

bool ikm_pad_child(void *ctx, uint8_t type, const uint8_t *id, size_t len, const struct ike_ts_list *tsi,
		      const struct ike_ts_list *tsr)
{
	struct slot *s = ctx;
	(void)tsr;
	const struct pad_entry *e = ikm_pad_for(s->km, type, id, len);
	if (!e || !tsi->n)
		return false;
	if (ikm_true_address(s->km))
		/* the true-address model: the SA names the address the
		 * authenticated peer runs IKE from, and nothing else; which home
		 * address it may speak for is the post-check's (PAD) */
		if (tsi->n == 1 && tsi->ts[0].type == IKE_TS_IPV6_ADDR_RANGE &&
		    !memcmp(tsi->ts[0].start, s->sa.path.peer, 16) && !memcmp(tsi->ts[0].end, s->sa.path.peer, 16))
			return true;
	for (unsigned i = 0; i < tsi->n; i++)
		if (tsi->ts[i].type != IKE_TS_IPV6_ADDR_RANGE || memcmp(tsi->ts[i].start, tsi->ts[i].end, 16) ||
		    !pad_hoa_allowed(e, tsi->ts[i].start))
			return false;
	return true;
}

/* One candidate: bound to this identity by a temporary entry (0), or
 * held by another identity (M6_E_EXISTS). */
static int bind_hoa(struct slot *s, uint32_t entry, const char *ident, const uint8_t hoa[16])
{
	struct bits *b = node_bits(s->km->n);
	int id = pad_add_temporary_hoa(b->pad, entry, ident, hoa);
	if (id < 0)
		return id;
	s->pad_tmp = (uint32_t)id;
	return 0;
}

/* RFC 4877 9, 4877-03, 4877-12: the home address for the identity just
 * authenticated (the order is in ike_km.h). */
int ikm_pad_assign(void *ctx, uint8_t type, const uint8_t *id, size_t len, const uint8_t *want,
		      uint8_t hoa[16], uint8_t *plen)
{
	struct slot *s = ctx;
	const struct pad_entry *pe = ikm_pad_for(s->km, type, id, len);
	char ident[PAD_ID_MAX];
	if (!pe || type == IKE_ID_IPV6_ADDR || len >= sizeof(ident))
		return M6_E_IKE_PEER_ID;
	memcpy(ident, id, len);
	ident[len] = 0;
	/* a copy: a temporary entry may move the PAD's entries */
	struct pad_entry e = *pe;
	uint8_t cand[PAD_HOA_MAX + 1][16];
	unsigned n = 0;
	if (want && pad_ts_allowed(&e, want, want))
		memcpy(cand[n++], want, 16);
	for (unsigned i = 0; i < e.n_hoa; i++)
		memcpy(cand[n++], e.hoa[i], 16);
	*plen = 64;
	for (unsigned i = 0; i < n; i++)
		if (!bind_hoa(s, e.id, ident, cand[i])) {
			memcpy(hoa, cand[i], 16);
			return 0;
		}
	/* the ranges, address by address from the bottom (a bounded walk) */
	for (unsigned r = 0; r < e.n_ranges; r++) {
		uint8_t a[16];
		memcpy(a, e.ts[r].lo, 16);
		for (unsigned tries = 0; tries < 1024 && memcmp(a, e.ts[r].hi, 16) <= 0; tries++) {
			if (ip6_addr_unicast_routable(a) && !bind_hoa(s, e.id, ident, a)) {
				memcpy(hoa, a, 16);
				return 0;
			}
			for (int j = 15; j >= 0 && !++a[j]; j--)
				;
		}
	}
	return M6_E_FULL;
}
