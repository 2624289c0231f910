/* What drivers read of a key manager (ike_km.h): statistics, the key log,
 * the IKE SA slots; and the wall time it checks certificates at. */
#include <string.h>

#include "ike_km_int.h"
#include "../util/m6_err.h"

void ike_km_set_wall_time(struct ike_km *k, int64_t wall_s, uint64_t now)
{
	k->wall_s = wall_s;
	k->wall_at = now;
}

const struct ike_km_stats *ike_km_stats(const struct ike_km *k)
{
	return &k->st;
}

size_t ike_km_ike_count(const struct ike_km *k)
{
	return k->n_ike;
}

const struct ike_km_ike_keys *ike_km_ike_at(const struct ike_km *k, size_t i)
{
	return i < k->n_ike ? &k->ike_log[i] : NULL;
}

size_t ike_km_child_count(const struct ike_km *k)
{
	return k->n_child;
}

const struct ike_km_child_keys *ike_km_child_at(const struct ike_km *k, size_t i)
{
	return i < k->n_child ? &k->child_log[i] : NULL;
}

size_t ike_km_sa_slots(const struct ike_km *k)
{
	return k->n_slots;
}

int ike_km_sa_info(const struct ike_km *k, size_t i, struct ike_km_sa_info *out)
{
	if (i >= k->n_slots || !k->slots[i].used)
		return M6_E_NOTFOUND;
	const struct slot *s = &k->slots[i];
	memset(out, 0, sizeof(*out));
	out->initiator = s->sa.initiator;
	out->state = s->sa.state;
	memcpy(out->spi_i, s->sa.spi_i, IKE_SPI_LEN);
	memcpy(out->spi_r, s->sa.spi_r, IKE_SPI_LEN);
	memcpy(out->local, s->sa.path.local, 16);
	memcpy(out->peer, s->sa.path.peer, 16);
	out->suite = s->sa.suite;
	out->peer_auth = s->sa.peer_auth;
	out->peer_id_type = s->sa.peer_id_type;
	out->peer_id_len = s->sa.peer_id_len <= sizeof(out->peer_id) ? s->sa.peer_id_len : sizeof(out->peer_id);
	if (out->peer_id_len)
		memcpy(out->peer_id, s->sa.peer_id, out->peer_id_len);
	/* the first Child SA: its inbound SA completes the larval one */
	out->child_installed = s->sa.state == IKE_SA_ESTABLISHED && s->sa.child_ok && !s->larval;
	out->child_error = s->sa.child_error;
	if (s->sa.child_ok) {
		out->child_in_spi = s->sa.initiator ? s->sa.child_spi_i : s->sa.child_spi_r;
		out->child_out_spi = s->sa.initiator ? s->sa.child_spi_r : s->sa.child_spi_i;
	} else {
		out->child_in_spi = s->larval ? s->in_spi : 0;
	}
	out->esp = s->cfg.esp;
	out->tries = s->tries;
	out->created = s->created;
	out->mobike = s->sa.mobike;
	out->natt = s->sa.natt_peer;
	out->nat_here = s->sa.nat_here;
	out->nat_there = s->sa.nat_there;
	out->encap = ike_sa_encap(&s->sa);
	out->lport = s->sa.path.lport;
	out->pport = s->sa.path.pport;
	out->hoa_assigned = s->sa.cp_ok;
	out->frag = s->sa.frag;
	out->frag_pending = ike_sa_frag_pending(&s->sa);
	memcpy(out->hoa, s->sa.cp_hoa, 16);
	out->hoa_plen = s->sa.cp_plen;
	return 0;
}
