/*
 * ike_km_int — what the parts of the ike_km module share (ike_km.c: the
 * key manager's exchanges and timers; ike_km_pad.c: its PAD; ike_km_sa.c:
 * Child SAs into the SAD; ike_km_query.c: what drivers read of it). Not
 * for other modules.
 */
#ifndef MIP6SEC_IKE_KM_INT_H
#define MIP6SEC_IKE_KM_INT_H

#include "ike_cookie.h"
#include "ike_km.h"

#define KEYLOG_IKE_MAX 32
#define KEYLOG_CHILD_MAX 64
#define NS 1000000000ull

struct slot {
	bool used;
	struct ike_sa sa;
	struct ike_sa_cfg cfg;          /* per slot: its own inbound ESP SPI */
	struct ike_km *km;
	uint32_t in_spi;                /* the first Child SA's, larval until installed */
	bool larval;
	unsigned tries;
	/* the next thing to do: retransmit our request, forget a half-open
	 * or rekeyed SA, rekey the IKE SA, check the peer's liveness */
	uint64_t due;
	uint64_t created;
	uint64_t last_rx;               /* the peer's last authentic message */
	uint64_t rekey_at;              /* IKE SA rekey (0: none) */
	bool doomed;                    /* the losing IKE SA of crossing rekeys: its Delete only */
	uint32_t pad_tmp;               /* responder: the temporary PAD entry of its assignment */
	uint8_t mn_addr[16];            /* true-address model: the mobile node's address its Child SAs name */
	unsigned nat_retries;           /* MOBIKE updates refused for a NAT in a row */
	uint64_t ka_at;                 /* next NAT-keepalive (0: none, RFC 3948 4) */
	uint64_t frag_due;              /* the peer's fragments forgotten (RFC 7383 2.6), 0: none */
};

struct ike_km {
	struct ike_km_cfg cfg;
	struct node *n;
	bool k_agreed;                  /* initiator: K in the last BA */
	unsigned n_slots;
	struct slot *slots;
	uint8_t in[IKE_SA_MSG_MAX], out[IKE_SA_OUT_MAX];
	struct ike_km_stats st;
	struct ike_cookie cookie;
	uint64_t cookie_rotate_at;      /* 0: no secret yet */
	size_t n_ike, n_child;
	struct ike_km_ike_keys *ike_log;
	struct ike_km_child_keys *child_log;
	int64_t wall_s;                 /* wall time at node time wall_at */
	uint64_t wall_at;
};

/* ike_km_slot.c: a free slot (or a half-open SA's, freed), a new slot with
 * its IKE SA configuration and larval SPI (NULL: none), a slot freed and
 * wiped; the node's random octets for an IKE SA (ctx: the key manager) */
struct slot *ikm_slot_take(struct ike_km *k);
struct slot *ikm_slot_new(struct ike_km *k, uint64_t now);
void ikm_slot_free(struct ike_km *k, struct slot *s);
void ikm_random(void *ctx, uint8_t *out, size_t n);

/* ike_km_pad.c: the PAD's answers for the IKE SA in slot ctx */
const struct pad_entry *ikm_pad_for(const struct ike_km *k, uint8_t type, const uint8_t *id, size_t len);
int ikm_pad_psk(void *ctx, uint8_t type, const uint8_t *id, size_t len, const uint8_t **psk, size_t *psk_len);
bool ikm_pad_cert(void *ctx, uint8_t type, const uint8_t *id, size_t len);
bool ikm_pad_child(void *ctx, uint8_t type, const uint8_t *id, size_t len, const struct ike_ts_list *tsi,
		   const struct ike_ts_list *tsr);
int ikm_pad_assign(void *ctx, uint8_t type, const uint8_t *id, size_t len, const uint8_t *want, uint8_t hoa[16],
		   uint8_t *plen);
bool ikm_true_address(const struct ike_km *k);

/* ike_km_sa.c: one MH selector (BU..BA) on addr or any address; the same
 * with any protocol; a Child SA installed (0, or why not); the
 * true-address model's Child SAs moved after a MOBIKE move */
void ikm_ts_one(struct ike_ts_list *l, const uint8_t *addr);
void ikm_ts_any(struct ike_ts_list *l, const uint8_t *addr);
int ikm_install(struct ike_km *k, struct slot *s, const struct ike_child *c);
void ikm_move_children(struct ike_km *k, struct slot *s);
/* every Child SA of the slot encapsulates ESP in UDP on the IKE SA's
 * ports, or not, as NAT traversal now says (RFC 4555 3.5) */
void ikm_encap_children(struct ike_km *k, struct slot *s);

#endif
