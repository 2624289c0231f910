/*
 * ike_km_slot — the key manager's IKE SA slots: taking one (a half-open SA
 * gives way under load), making a new one's IKE SA configuration from the
 * key manager's, and freeing one (its larval SPI, a PAD assignment no
 * other slot shares).
 */
#include <openssl/crypto.h>
#include <string.h>

#include "ike_km.h"
#include "../ipsec/pad.h"
#include "../node/node.h"
#include "../pkt/ip6.h"
#include "ike_km_int.h"

void ikm_random(void *ctx, uint8_t *out, size_t n)
{
	struct ike_km *k = ctx;
	node_km_random(k->n, out, n);
}

/* MK-06: an IKE SA moves only to global unicast addresses (never
 * unspecified, loopback, link-local or multicast ones). */
static bool km_addr_ok(void *ctx, const uint8_t peer[16], const uint8_t local[16])
{
	(void)ctx;
	return ip6_addr_unicast_routable(peer) && ip6_addr_unicast_routable(local);
}

static int km_alloc_spi(void *ctx, uint32_t *spi)
{
	struct slot *s = ctx;
	return node_sa_reserve_spi(s->km->n, IP6P_ESP, spi);
}

void ikm_slot_free(struct ike_km *k, struct slot *s)
{
	if (s->pad_tmp) {
		/* the assignment lasts as long as the identity has an IKE SA */
		bool kept = false;
		for (unsigned i = 0; i < k->n_slots; i++)
			kept |= &k->slots[i] != s && k->slots[i].used && k->slots[i].pad_tmp == s->pad_tmp;
		struct bits *b = node_bits(k->n);
		if (!kept && b && b->pad)
			pad_remove(b->pad, s->pad_tmp);
	}
	if (s->larval)
		node_sa_delete(k->n, s->in_spi, IP6P_ESP, true);
	ike_sa_clear(&s->sa);
	OPENSSL_cleanse(s, sizeof(*s));
}

struct slot *ikm_slot_take(struct ike_km *k)
{
	struct slot *s = NULL, *oldest = NULL;
	for (unsigned i = 0; i < k->n_slots && !s; i++)
		if (!k->slots[i].used)
			s = &k->slots[i];
	for (unsigned i = 0; i < k->n_slots && !s; i++) {
		struct slot *o = &k->slots[i];
		/* only an SA still in its first exchanges: a rekeyed one
		 * waits for its Delete, and may be the one being handled */
		enum ike_sa_state st = o->sa.state;
		bool half = st != IKE_SA_ESTABLISHED && st != IKE_SA_REKEYED && st != IKE_SA_DELETED;
		if (half && (!oldest || o->created < oldest->created))
			oldest = o;
	}
	if (!s && oldest) {
		/* under load a half-open SA gives way to a new one */
		ikm_slot_free(k, oldest);
		s = oldest;
	}
	if (s)
		memset(s, 0, sizeof(*s));
	return s;
}

struct slot *ikm_slot_new(struct ike_km *k, uint64_t now)
{
	struct slot *s = ikm_slot_take(k);
	uint32_t spi;
	if (!s || node_sa_reserve_spi(k->n, IP6P_ESP, &spi))
		return NULL;
	s->used = true;
	s->km = k;
	s->in_spi = spi;
	s->larval = true;
	s->created = now;
	const struct ike_km_cfg *c = &k->cfg;
	struct ike_sa_cfg *sc = &s->cfg;
	memcpy(sc->ike, c->ike, sizeof(sc->ike));
	sc->n_ike = c->n_ike;
	sc->esp = c->esp;
	sc->esp_spi = spi;
	sc->id_type = c->id_type;
	sc->id = c->id;
	sc->id_len = c->id_len;
	sc->peer_id_type = c->peer_id_type;
	sc->peer_id = c->peer_id;
	sc->peer_id_len = c->peer_id_len;
	sc->psk = c->psk;
	sc->psk_len = c->psk_len;
	sc->cred = c->cred;
	sc->cert_time = k->wall_s + ((int64_t)now - (int64_t)k->wall_at) / 1000000000;
	sc->rng = (struct ike_rng){ ikm_random, k };
	sc->alloc_spi = km_alloc_spi;
	sc->spi_ctx = s;
	sc->mobike = c->mobike;
	sc->mobike_rr = c->mobike_rr;
	sc->natt = c->natt;
	sc->natt_force = c->encap;
	sc->fragmentation = c->fragmentation;
	sc->frag_mtu = c->frag_mtu;
	sc->addr_ok = km_addr_ok;
	if (c->initiator) {
		/* with cp any home address: the home agent narrows it to its answer */
		ikm_ts_one(&sc->tsi, c->cp ? NULL : c->home);
		ikm_ts_one(&sc->tsr, c->peer);
		sc->cp = c->cp;
		sc->cp_want = c->home;
		ikm_ts_any(&sc->tun_tsi, c->home);
		ikm_ts_any(&sc->tun_tsr, NULL);
	} else {
		ikm_ts_one(&sc->tsi, NULL);
		ikm_ts_one(&sc->tsr, NULL);
		sc->peer_psk = ikm_pad_psk;
		sc->peer_cert_ok = ikm_pad_cert;
		sc->child_allowed = ikm_pad_child;
		sc->assign_hoa = ikm_pad_assign;
		sc->tunnel_ok = c->tunnel;
		ikm_ts_any(&sc->tun_tsi, NULL);
		ikm_ts_any(&sc->tun_tsr, NULL);
		sc->cp_life_s = IKE_KM_HOA_LIFE_S;
		sc->pad_ctx = s;
	}
	return s;
}
