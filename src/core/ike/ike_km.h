/*
 * ike_km — IKEv2 as the node's key manager (struct node_km), for the
 * Binding Update / Binding Acknowledgement SAs of RFC 4877.
 *
 * Contract: ike_km_new() builds a key manager for one node from a copied
 * configuration; ike_km_attach() plugs it in with node_set_km(). All
 * memory is allocated there: slots for IKE SAs (fixed count), message
 * buffers and, with keep_keys, the key log; nothing is allocated per
 * packet. Randomness comes from the node's DRBG (node_km_random).
 *
 * Initiator (the mobile node): an ACQUIRE for a PROTECT policy starts
 * IKE_SA_INIT + IKE_AUTH (PSK or certificate) from the node's current address (its
 * care-of address away from home, 4877-01) to the home agent, proposing
 * TSi = home address and TSr = home agent, protocol MH, MH types BU..BA
 * (4877-05/06). Requests are retransmitted, bit for bit, after 0.5 s,
 * 1 s, 2 s ... (IKE-02) through the key manager's timer; after
 * IKE_KM_TRIES attempts the exchange is abandoned and the next ACQUIRE
 * starts afresh.
 *
 * Responder (the home agent): every IKE_SA_INIT request on UDP 500 gets a
 * slot (the oldest half-open one is reused when all are taken), except
 * that from cookie_threshold half-open SAs on, a request without a valid
 * COOKIE gets N(COOKIE) and nothing else (ike_cookie.h; the secret is
 * drawn from the node's DRBG and rotated every IKE_KM_COOKIE_ROTATE_NS,
 * IKE-06); everything of that IKE SA goes from the address and port the
 * request came to, to those it came from (RFC 7296 2.11). The PAD
 * decides who the initiator is: its PSK is the PAD entry's for the identity
 * in IDi (or, for an entry with auth = cert, a certificate of our CA that
 * holds that identity, 4877-08), and the Child SA is accepted only when every TSi address is one
 * of that entry's home addresses (4877-02/03), else TS_UNACCEPTABLE.
 *
 * Both ends install the Child SA from the negotiated KEYMAT as a pair of
 * transport-mode ESP SAs (node_sa_reserve_spi / node_sa_add), each bound to
 * the first PROTECT policy of its direction that covers the negotiated
 * selectors.
 *
 * Either end, on its established IKE SAs: a soft expiry of a Child SA
 * rekeys it with CREATE_CHILD_SA (IKE-15): the new pair is installed (the
 * responder before it answers; the newest outbound SA is used), then the
 * initiator of the rekey deletes the old pair with INFORMATIONAL; a hard
 * expiry deletes the SA and tells the peer. After ike_rekey_s the IKE SA
 * is rekeyed (IKE-14) into a new slot with the Child SAs, then the old one
 * deleted. When both ends rekey at once (IKE-16), the redundant new Child
 * SA or IKE SA is deleted by whoever made it (an IKE SA in a slot of its
 * own until then). After dpd_s without an authentic message from the peer an empty
 * INFORMATIONAL checks it (IKE-03); every request of ours is retransmitted
 * like the initial ones, and when IKE_KM_TRIES go unanswered the peer is
 * dead: its IKE SA and Child SAs are dropped and the mobile node starts a
 * new IKE SA. Unprotected messages on an established SA change nothing.
 * Moves (4877-10, 3776-16, INT-03): the mobile node's K bit says whether
 * its IKE SA can follow it, i.e. whether MOBIKE was negotiated (and
 * k_capable is configured at both ends). With K agreed in the last BA
 * (or follow_mobike), a new care-of address moves the IKE SA with
 * UPDATE_SA_ADDRESSES from it (MK-05; after UNEXPECTED_NAT_DETECTED it is
 * tried IKE_KM_NAT_RETRIES times); without, a new IKE SA is made from the
 * new address and the old one deleted. The BU/BA SAs, on the home address, stay as they are
 * either way (MK-11). A home agent moves an IKE SA only on the
 * initiator's authentic update, to the addresses it came from, and to
 * global unicast addresses only (MK-04, MK-06); requests that arrive on
 * another path are answered there and change nothing (MK-08). Every
 * response goes back the way its request came (RFC 7296 2.11).
 * Home addresses (RFC 4877 9, 4877-03, 4877-12): with cp the mobile node
 * asks for one in IKE_AUTH (suggesting its configured one, TSi any home
 * address) and takes the answer as its home address. A home agent answers
 * from the PAD entry of the authenticated identity: the suggestion if the
 * entry allows it, else the entry's first home address, else the first
 * address of its ranges that no other identity holds; the address is
 * bound to the identity with a temporary PAD entry, removed when the
 * identity's last IKE SA goes. None free: INTERNAL_ADDRESS_FAILURE.
 * IKE fragmentation (RFC 7383): with fragmentation both ends offer it,
 * and each fragment the IKE SA writes goes as a datagram of its own; a
 * fragmented message of the peer not complete after the time we would
 * retransmit our own requests (31.5 s with the defaults) is forgotten.
 * Not here yet: NAT traversal.
 */
#ifndef MIP6SEC_IKE_KM_H
#define MIP6SEC_IKE_KM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../crypto/m6_crypto.h"
#include "ike_sa.h"

struct node;

#define IKE_KM_PSK_MAX 128
#define IKE_KM_TRIES 6
#define IKE_KM_RTO_NS 500000000ull          /* first retransmission timeout */
#define IKE_KM_HALF_OPEN_NS 30000000000ull  /* a responder forgets a silent half-open SA */
#define IKE_KM_COOKIE_ROTATE_NS 60000000000ull
#define IKE_KM_HOA_LIFE_S 86400            /* the home prefix lifetime told with an assignment */
#define IKE_KM_NAT_RETRIES 3                /* MOBIKE updates sent after UNEXPECTED_NAT_DETECTED */
#define IKE_KM_REFUSED_HOLD_NS 60000000000ull   /* no new IKE SA this long after the peer refused
						 * the first Child SA on one from the same address */

struct ike_km_cfg {
	bool initiator;
	uint8_t peer[16];               /* initiator: the home agent */
	uint8_t home[16];               /* initiator: the home address (TSi) */
	uint8_t id_type;                /* IKE_ID_* */
	uint8_t id[IKE_SA_ID_MAX];
	size_t id_len;
	uint8_t peer_id_type;           /* initiator: expected IDr; 0 accepts any */
	uint8_t peer_id[IKE_SA_ID_MAX];
	size_t peer_id_len;
	uint8_t psk[IKE_KM_PSK_MAX];    /* initiator; responder: for PAD entries without one */
	size_t psk_len;
	struct ike_suite ike[IKE_SA_SUITE_MAX];
	unsigned n_ike;
	struct ike_child_alg esp;
	uint64_t soft_s, hard_s;        /* Child SA lifetimes (0: none) */
	uint64_t ike_rekey_s;           /* IKE SA rekey after this long (0: never) */
	uint64_t dpd_s;                 /* liveness check after this long without a word from the peer (0: none) */
	unsigned max_sa;                /* IKE SAs held at once (0: 4 initiator, 8 responder) */
	unsigned cookie_threshold;      /* responder: half-open SAs from which IKE_SA_INIT
					 * needs a COOKIE (0: never) */
	bool keep_keys;                 /* log keys for decryption tables (simulation) */
	/* our requests: sent at most this many times (0: IKE_KM_TRIES), the
	 * first timeout this long and doubling (0: IKE_KM_RTO_NS); with
	 * liveness checks they also decide how soon a dead peer is known */
	unsigned tries;
	uint64_t rto_ns;
	/* MOBIKE (RFC 4555): offered / accepted; the responder's
	 * return-routability check before it takes a move (MK-07) */
	bool mobike;
	bool mobike_rr;
	/* the IKE SA follows the care-of address whenever MOBIKE was
	 * negotiated, K agreed or not (a peer that is not a home agent) */
	bool follow_mobike;
	/* NAT traversal (RFC 7296 2.23, RFC 3948): NAT detection, the float
	 * to port 4500 and ESP in UDP when a NAT is found; encap: always ESP
	 * in UDP (the peer is made to see a NAT); NAT-keepalives every
	 * keepalive_s while a NAT is on our side (0: none) */
	bool natt;
	bool encap;
	uint64_t keepalive_s;
	/* initiator: ask the home agent for a home address in IKE_AUTH
	 * (RFC 4877 9; home is the suggestion, replaced by the answer) */
	bool cp;
	/* the tunnel-mode SA of the mobile node - home agent tunnel (RFC 4877
	 * 4.3, 7.3; 4877-09): the mobile node asks for it with CREATE_CHILD_SA
	 * after IKE_AUTH (TSi = its home address, any protocol; TSr = any), a
	 * home agent accepts it; both install it on their tunnel-mode policies
	 * with its mobile-node end following the binding (HA-09, 3776-11) */
	bool tunnel;
	/* Certificates (ike_sig.h; NULL: PSK alone): with our key in it we
	 * authenticate with it, and peers must show a certificate of its CA
	 * (responder: the peers whose pad entry says auth = cert). The key
	 * manager keeps a reference of its own. cert_time: the wall time
	 * (seconds since 1970) at node time 0, until ike_km_set_wall_time(). */
	struct ike_cred *cred;
	int64_t cert_time;
	/* IKE fragmentation (RFC 7383): offered and accepted in IKE_SA_INIT;
	 * frag_mtu the largest IPv6 datagram of a fragment (0: 1280) */
	bool fragmentation;
	uint16_t frag_mtu;
};

/* What a driver writes for Wireshark: an IKE SA's keys (ikev2_decryption_table). */
struct ike_km_ike_keys {
	uint8_t spi_i[IKE_SPI_LEN], spi_r[IKE_SPI_LEN];
	struct ike_suite suite;
	struct ike_keys keys;
};

/* ... and each installed Child SA (one per direction). */
struct ike_km_child_keys {
	uint32_t spi;
	uint8_t src[16], dst[16];
	struct m6_xform_cfg x;
};

struct ike_km_stats {
	uint64_t started, established, failed, retransmits, refused, dropped;
	uint64_t sa_installed, sa_deleted;
	uint64_t ike_rekeyed, child_rekeyed, liveness, dead;
	uint64_t cookies_sent;
	uint64_t frag_off;              /* IKE fragments on an SA without fragmentation, dropped
					 * (RFC 7383 2.3; also counted in dropped) */
	uint64_t moved, move_refused;   /* MOBIKE updates taken / refused */
	uint64_t sa_moved;              /* true-address model: Child SA halves moved with them */
	uint64_t keepalives;            /* NAT-keepalives sent */
	uint64_t acquires_held;         /* ACQUIREs that started nothing: the peer refused the
					 * Child SA on our IKE SA from this address (IKE_KM_REFUSED_HOLD_NS) */
};

struct ike_km;

/* NULL on a bad configuration or no memory (reason in err). */
struct ike_km *ike_km_new(const struct ike_km_cfg *cfg, char *err, size_t errlen);
/* Plug into the node (node_set_km); the km must outlive the node's use of it. */
void ike_km_attach(struct ike_km *k, struct node *n);
/* Wipes every secret. */
void ike_km_free(struct ike_km *k);
/* The wall time (seconds since 1970) at node time now (ns): certificates
 * are checked at the wall time this gives for the time of each exchange. */
void ike_km_set_wall_time(struct ike_km *k, int64_t wall_s, uint64_t now);
/* As after a restart: every IKE SA and its Child SAs are gone, the peer
 * is not told (simulation of a node that lost its state). */
void ike_km_forget(struct ike_km *k);
/* A clean stop: an INFORMATIONAL Delete of every established IKE SA (RFC
 * 7296 1.4.1, its Child SAs with it) goes to the node's output; nothing is
 * waited for. The node must be drained before it is freed. */
void ike_km_close(struct ike_km *k);
/* Rekey now, as an operator asks (strongSwan's swanctl --rekey): every
 * established IKE SA (ike) or each of their Child SAs not already being
 * rekeyed or deleted, by CREATE_CHILD_SA into the node's output. Returns
 * the requests made (0: nothing to rekey). */
int ike_km_rekey(struct ike_km *k, bool ike);

const struct ike_km_stats *ike_km_stats(const struct ike_km *k);
/* With keep_keys: the logged IKE SAs and Child SAs. */
size_t ike_km_ike_count(const struct ike_km *k);
const struct ike_km_ike_keys *ike_km_ike_at(const struct ike_km *k, size_t i);
size_t ike_km_child_count(const struct ike_km *k);
const struct ike_km_child_keys *ike_km_child_at(const struct ike_km *k, size_t i);

/* What a driver shows of one IKE SA the key manager holds (`show ike`). */
struct ike_km_sa_info {
	bool initiator;
	enum ike_sa_state state;
	uint8_t spi_i[IKE_SPI_LEN], spi_r[IKE_SPI_LEN];
	uint8_t local[16], peer[16];            /* the IKE SA's addresses */
	struct ike_suite suite;                 /* once negotiated */
	uint8_t peer_auth;                      /* once authenticated: its AUTH method */
	uint8_t peer_id_type;                   /* once authenticated */
	uint8_t peer_id[IKE_SA_ID_MAX];
	size_t peer_id_len;
	bool child_installed;
	uint16_t child_error;                   /* the notify that refused the Child SA */
	uint32_t child_in_spi, child_out_spi;   /* ours inbound / the peer's */
	struct ike_child_alg esp;
	unsigned tries;                         /* initiator: transmissions of the last request */
	uint64_t created;                       /* node time (ns) */
	bool mobike;                            /* negotiated (RFC 4555) */
	bool natt;                              /* the peer does NAT traversal */
	bool nat_here, nat_there;               /* a NAT found on our side / the peer's */
	bool encap;                             /* the Child SAs use ESP in UDP */
	uint16_t lport, pport;                  /* the IKE SA's UDP ports */
	bool hoa_assigned;                      /* a home address assigned in IKE_AUTH (RFC 4877 9) */
	bool frag;                              /* IKE fragmentation negotiated (RFC 7383) */
	bool frag_pending;                      /* fragments of a message of the peer held */
	uint8_t hoa[16];
	unsigned hoa_plen;
};

/* The key manager's IKE SA slots: ike_km_sa_info() fills out for slot i
 * in use (0) or says M6_E_NOTFOUND (free slot, or i out of range). */
size_t ike_km_sa_slots(const struct ike_km *k);
int ike_km_sa_info(const struct ike_km *k, size_t i, struct ike_km_sa_info *out);

/* Wireshark's names in the IKEv2 decryption table (NULL if none). */
const char *ike_km_ws_encr(const struct ike_suite *s);
const char *ike_km_ws_integ(const struct ike_suite *s);
/* The ESP transform of a negotiated Child SA in the node's terms. */
int ike_km_esp_xform(const struct ike_child_alg *a, enum m6_enc *enc, enum m6_auth *auth);

#endif
