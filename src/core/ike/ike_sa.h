/*
 * ike_sa — one IKE SA, sans-I/O: IKE_SA_INIT and IKE_AUTH with a pre-shared
 * key or X.509 certificates (ike_sig.h: AUTH methods 1, 9, 10 and 14 with
 * RSASSA-PSS, RSA PKCS#1 v1.5, ECDSA and Ed25519; CERT, CERTREQ and
 * SIGNATURE_HASH_ALGORITHMS) and the first Child SA (RFC 7296 1.2, 2.15,
 * 2.17), then the
 * exchanges on the established SA: CREATE_CHILD_SA (new Child SA, Child SA
 * rekey with or without PFS, IKE SA rekey, 1.3, 2.8, 2.18) and
 * INFORMATIONAL (Delete of Child SAs and of the IKE SA, the empty
 * liveness check, 1.4, 2.4).
 *
 * Contract: bytes in, bytes out. The initiator calls ike_sa_start() for its
 * IKE_SA_INIT request; each end gives every datagram addressed to this SA
 * to ike_sa_input(), which either drops it (a negative code saying why,
 * nothing changed) or processes it and may write the next message to send
 * (a response to a request; after a response, our next queued request;
 * *out_len 0 when there is none). Randomness (SPIs, nonces, private keys,
 * CBC IVs, ECDSA nonces, RSASSA-PSS salts) comes from cfg->rng only; no clock is read: retransmission
 * timing is the caller's, ike_sa_retransmit() gives the outstanding
 * request again, bit for bit (IKE-02). Every request answered is cached
 * with the digest of its octets: the same request again gets the same
 * response and nothing else happens (IKE-02); older ones are dropped.
 * Message IDs: 0 for IKE_SA_INIT including its retries after COOKIE and
 * INVALID_KE_PAYLOAD, 1 for IKE_AUTH; after that each end numbers its own
 * requests (msgid_out) and expects the peer's in order (msgid_in), window
 * 1 both ways: a request may be answered while ours is outstanding
 * (IKE-01, IKE-04). Peer KE values are checked (IKE-22); a bad one in
 * IKE_SA_INIT drops the message. A failed AUTH ends the SA (the responder
 * says AUTHENTICATION_FAILED); a refused Child SA (NO_PROPOSAL_CHOSEN,
 * TS_UNACCEPTABLE) leaves the IKE SA up (IKE-19).
 *
 * Established SA: ike_sa_request() queues a request (liveness, Delete,
 * new Child SA, Child rekey, IKE rekey) and writes it at once when no
 * request of ours is outstanding; the next one goes out with the input of
 * the response. What happened is reported in sa->ev (cleared by each
 * ike_sa_input() and ike_sa_request()): Child SAs to install or remove,
 * the IKE SA rekeyed or gone, the peer alive. Child SAs live in sa->ch;
 * the first one (IKE_AUTH) is also in the child_* fields and is not
 * reported as an event. New inbound SPIs come from the caller: in the
 * request, and from cfg->alloc_spi when answering. A rekeyed Child SA
 * stays until its Delete: the initiator of the surviving rekey deletes
 * the old SA once the new one is up (IKE-15). Simultaneous rekeys are
 * resolved by the lowest of the four nonces (2.8.1, 2.8.2, IKE-16): the
 * Child SA or IKE SA made with it is deleted by its creator (for the IKE
 * SA: IKE_EV_IKE_LOSER, ike_sa_adopt_loser() and a Delete on it) and the
 * initiator of the surviving exchange deletes the old one. An IKE SA
 * rekey ends with IKE_EV_IKE_REKEYED in the old SA: the caller makes the
 * new one with ike_sa_adopt() (new SPIs and keys, SKEYSEED from the old
 * SK_d, 2.18, IKE-14; Message IDs from 0; the Child SAs move to it), then
 * the old SA carries only its Delete (state IKE_SA_REKEYED): other
 * CREATE_CHILD_SA requests on it get TEMPORARY_FAILURE (2.25).
 * The DH private key is wiped as soon as g^ir is computed, g^ir and
 * SKEYSEED right after the keys are derived; ike_sa_clear() wipes all.
 * The responder's own cookies are ike_cookie.h's (its caller screens
 * IKE_SA_INIT under load before a responder SA exists).
 * MOBIKE (RFC 4555, ike_mobike.c): with cfg->mobike both ends say
 * MOBIKE_SUPPORTED in IKE_AUTH (sa->mobike when both did). The caller
 * tells the SA where it runs (ike_sa_set_path) and where each message came
 * from (ike_sa_set_rx); the MOBIKE initiator, after a move, sets the new
 * path and requests IKE_REQ_UPDATE_ADDR. The responder moves sa->path to
 * the update's IP header addresses only, and reports IKE_EV_MOVED (after
 * the COOKIE2 round trip with cfg->mobike_rr); refusals come back as
 * IKE_EV_REFUSED with UNACCEPTABLE_ADDRESSES or UNEXPECTED_NAT_DETECTED.
 * A response that does not echo our COOKIE2 ends the SA (IKE_EV_IKE_DOWN).
 * IKE fragmentation (RFC 7383, ike_sa_frag.c, IKE-23): with
 * cfg->fragmentation both ends say IKEV2_FRAGMENTATION_SUPPORTED in
 * IKE_SA_INIT (sa->frag when both did). Then a message of ours whose SK
 * message would not fit cfg->frag_mtu octets of IPv6 datagram goes as SKF
 * fragments: out holds them back to back, one datagram each
 * (ike_sa_dgram), and they are what is kept for retransmission and the
 * response cache. A message with an SKF payload is checked (numbers,
 * Total, replay), verified, stored, and when complete processed as the
 * whole message; a retransmitted fragment of the request answered last
 * gets the answer again only when it is fragment 1 (2.6.1). The
 * reassembly timeout is the caller's (ike_sa_frag_pending,
 * ike_sa_frag_expire). Fragments on an SA without it: M6_E_IKE_FRAG_OFF.
 * No path MTU probing (2.5.2): the size is the caller's.
 * Not here yet: following a NAT's new mapping of the peer's port without
 * MOBIKE (RFC 7296 2.23's "latest authenticated message"), CRLs and
 * OCSP, Hash and URL certificates, raw public keys, EAP, traffic selector narrowing
 * (the responder accepts the proposed selectors when its configuration
 * covers them, else refuses), windows above 1. A CREATE_CHILD_SA with PFS
 * proposes the IKE SA's group; refused with INVALID_KE_PAYLOAD naming
 * another supported group, it is sent again once with that group (a new
 * Message ID, the same SPI); as responder, a KE group other than the IKE
 * SA's is refused with NO_PROPOSAL_CHOSEN.
 */
#ifndef MIP6SEC_IKE_SA_H
#define MIP6SEC_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_crypto.h"
#include "ike_dh.h"
#include "ike_payload.h"
#include "ike_sig.h"

#define IKE_SA_SUITE_MAX 4
#define IKE_SA_MSG_MAX 4096     /* our messages (IKE_AUTH with certificates), and the
				 * IKE_SA_INIT ones AUTH signs */
/* What one call may write: a message, or its SKF fragments back to back
 * (each with its own IKE header and fragment overhead) */
#define IKE_SA_OUT_MAX (2 * IKE_SA_MSG_MAX)
#define IKE_SA_FRAG_MTU 1280    /* default IPv6 datagram size for a fragment (RFC 7383 2.5.1) */
#define IKE_SA_NONCE_LEN 32     /* >= half the largest PRF key, >= 128 bits (IKE-09) */
#define IKE_SA_ID_MAX 255
#define IKE_SA_CHILD_MAX 4      /* Child SAs at once: a pair and its rekeys */
#define IKE_SA_EV_MAX 8
#define IKE_SA_QUEUE_MAX 8
#define IKE_SA_ADDR_MAX 4       /* the peer's additional addresses kept (RFC 4555 3.6) */
#define IKE_COOKIE2_LEN 16      /* 8..64 unpredictable octets (MK-07) */
/* A Child SA keeps the first octets of its exchange's nonces (and their
 * lengths) only for 2.8.1's lowest-nonce rule; its keys are made before. */
#define IKE_CHILD_NONCE_KEEP 32

/* Where an IKE SA runs, or where a message came: our address and port,
 * the peer's. */
struct ike_path {
	uint8_t local[16], peer[16];
	uint16_t lport, pport;
};

struct ike_sa_cfg {
	/* IKE SA proposals, in our order of preference; the first one's group
	 * is the initiator's first KE guess */
	struct ike_suite ike[IKE_SA_SUITE_MAX];
	unsigned n_ike;
	/* the first Child SA (ESP, no ESN) */
	struct ike_child_alg esp;
	uint32_t esp_spi;               /* our inbound SPI, from the caller's SAD */
	/* initiator: the selectors proposed; responder: those it accepts */
	struct ike_ts_list tsi, tsr;
	/* identities and the pre-shared key (>= 64 octets of text or any
	 * binary, IKE-12) */
	uint8_t id_type;
	const uint8_t *id;
	size_t id_len;
	uint8_t peer_id_type;           /* 0: any peer identity is accepted */
	const uint8_t *peer_id;
	size_t peer_id_len;
	const uint8_t *psk;
	size_t psk_len;
	struct ike_rng rng;
	/* Certificates (ike_sig.h), NULL for PSK alone. With our key and
	 * certificate in it we authenticate with a signature (else the PSK);
	 * with a CA, peers may authenticate with certificates that chain to
	 * it (an initiator then requires one from the responder). cert_time:
	 * the wall time (seconds since 1970) certificates are checked at,
	 * from the caller and kept current by it. */
	const struct ike_cred *cred;
	int64_t cert_time;
	/* Responder: the PAD (RFC 4301 4.4.3, 4877-02/03), consulted with the
	 * identity in IDi. peer_psk gives the key shared with that peer (0) or
	 * refuses the identity (negative: AUTHENTICATION_FAILED); NULL means
	 * psk above for every peer. child_allowed says whether the
	 * authenticated peer may have the proposed selectors, e.g. the home
	 * address in TSi (false: TS_UNACCEPTABLE); NULL allows them. */
	int (*peer_psk)(void *ctx, uint8_t id_type, const uint8_t *id, size_t id_len, const uint8_t **psk,
			size_t *psk_len);
	/* the same for a peer with a certificate (true: the identity may
	 * authenticate with one); NULL allows any identity the certificate
	 * holds */
	bool (*peer_cert_ok)(void *ctx, uint8_t id_type, const uint8_t *id, size_t id_len);
	bool (*child_allowed)(void *ctx, uint8_t id_type, const uint8_t *id, size_t id_len,
			      const struct ike_ts_list *tsi, const struct ike_ts_list *tsr);
	void *pad_ctx;
	/* A new inbound ESP SPI from the caller's SAD, for a Child SA the
	 * peer asks for (0, or negative: the request is refused with
	 * NO_ADDITIONAL_SAS). NULL: drawn from rng. */
	int (*alloc_spi)(void *ctx, uint32_t *spi);
	void *spi_ctx;
	/* MOBIKE (RFC 4555): offered by the initiator, accepted by the
	 * responder. mobike_rr: the responder checks return routability (a
	 * COOKIE2 round trip to the new addresses) before it reports a move
	 * (MK-07). addr_ok: may the initiator's IKE SA move to peer (its
	 * address) and local (ours)? false: UNACCEPTABLE_ADDRESSES (MK-06);
	 * NULL allows any. addrs: our additional addresses
	 * (ADDITIONAL_IP6_ADDRESS, MK-03), in IKE_AUTH and IKE_REQ_ADDRESSES;
	 * the caller's memory. */
	bool mobike;
	bool mobike_rr;
	bool (*addr_ok)(void *ctx, const uint8_t peer[16], const uint8_t local[16]);
	/* Home address assignment (RFC 4877 9, RFC 5026): the initiator asks
	 * for one in IKE_AUTH (CP(CFG_REQUEST) with INTERNAL_IP6_ADDRESS and
	 * MIP6_HOME_PREFIX), suggesting cp_want when not NULL, and without an
	 * address in the answer the IKE SA fails. The responder answers a
	 * request with assign_hoa's address (its prefix length, and the
	 * prefix's lifetime cp_life_s) and narrows TSi to it; assign_hoa
	 * negative: INTERNAL_ADDRESS_FAILURE and no Child SA. NULL: a request
	 * is ignored. */
	/* Tunnel-mode Child SAs made by CREATE_CHILD_SA after IKE_AUTH (RFC
	 * 4877 4.3, 7.3: the mobile node - home agent tunnel, for return
	 * routability; 4877-09): the selectors the initiator proposes, those
	 * the responder accepts (child_allowed applies too); tunnel_ok false:
	 * the responder refuses a tunnel-mode request (NO_PROPOSAL_CHOSEN). */
	struct ike_ts_list tun_tsi, tun_tsr;
	bool tunnel_ok;
	bool cp;
	const uint8_t *cp_want;
	int (*assign_hoa)(void *ctx, uint8_t id_type, const uint8_t *id, size_t id_len, const uint8_t *want,
			  uint8_t hoa[16], uint8_t *plen);
	uint32_t cp_life_s;
	const uint8_t (*addrs)[16];
	unsigned n_addrs;
	/* NAT traversal (RFC 7296 2.23, ike_natt.c; IKE-20, MK-02): NAT
	 * detection in IKE_SA_INIT (the initiator's needs the path: start it
	 * with ike_sa_start_on) and in MOBIKE updates, the float to UDP 4500
	 * (after a NAT is found, and always when we offer MOBIKE and the peer
	 * does NAT traversal), ESP in UDP when a NAT is on the path
	 * (ike_sa_encap). Without natt an initiator with MOBIKE sends
	 * NO_NATS_ALLOWED instead. natt_force: our source hash matches no
	 * address, so the peer sees a NAT and both ends encapsulate (as
	 * strongSwan's encap = yes). */
	bool natt;
	bool natt_force;
	/* IKE fragmentation (RFC 7383, IKE-23): IKEV2_FRAGMENTATION_SUPPORTED
	 * in IKE_SA_INIT; used when both ends sent it. frag_mtu: the largest
	 * IPv6 datagram a fragment may make (0: IKE_SA_FRAG_MTU), the IPv6
	 * and UDP headers and the non-ESP marker counted. */
	bool fragmentation;
	uint16_t frag_mtu;
};

enum ike_sa_state {
	IKE_SA_IDLE,
	IKE_SA_INIT_SENT,       /* initiator: IKE_SA_INIT request out */
	IKE_SA_INIT_DONE,       /* responder: IKE_SA_INIT answered, IKE_AUTH awaited */
	IKE_SA_AUTH_SENT,       /* initiator: IKE_AUTH request out */
	IKE_SA_ESTABLISHED,
	IKE_SA_FAILED,
	IKE_SA_REKEYED,         /* replaced by a new IKE SA: only its Delete remains */
	IKE_SA_DELETED,         /* Delete sent and answered, or received */
};

/* One Child SA (an ESP pair) of this IKE SA. */
struct ike_child {
	bool used;
	bool ours;              /* we initiated its exchange: ours are the i-to-r keys */
	bool tunnel;            /* tunnel mode (no USE_TRANSPORT_MODE, RFC 7296 1.3.1) */
	bool rekeyed;           /* replaced by a newer SA; Delete due or sent */
	bool rekeying;          /* our rekey of it is queued or outstanding */
	bool deleting;          /* our Delete for it is queued or outstanding */
	uint32_t spi_in, spi_out;
	uint16_t dh;            /* PFS group of its exchange, 0 without */
	uint8_t ni[IKE_CHILD_NONCE_KEEP], nr[IKE_CHILD_NONCE_KEEP];     /* of its exchange (2.8.1) */
	size_t ni_len, nr_len;          /* the nonces' whole lengths */
	uint32_t replaces;      /* spi_in of the SA it rekeys, 0 */
	struct ike_child_keys keys;
	struct ike_ts_list tsi, tsr;
};

enum ike_req_type {
	IKE_REQ_LIVENESS = 1,   /* empty INFORMATIONAL (2.4) */
	IKE_REQ_DELETE_CHILD,   /* spi: our inbound SPI of the pair */
	IKE_REQ_DELETE_IKE,
	IKE_REQ_NEW_CHILD,      /* new_spi: our inbound SPI; cfg's selectors */
	IKE_REQ_REKEY_CHILD,    /* spi: the old pair's inbound SPI; new_spi */
	IKE_REQ_REKEY_IKE,
	/* MOBIKE (RFC 4555), INFORMATIONAL: */
	IKE_REQ_UPDATE_ADDR,    /* initiator: the SA now runs on sa->path (3.5, MK-05) */
	IKE_REQ_RR_CHECK,       /* COOKIE2 to sa->path, answered in kind (3.7, MK-07) */
	IKE_REQ_ADDRESSES,      /* our additional addresses, cfg->addrs (3.6, MK-03) */
};

struct ike_req {
	uint8_t type;           /* enum ike_req_type */
	bool pfs;               /* Child SA: a KE of the IKE SA's group */
	bool tunnel;            /* IKE_REQ_NEW_CHILD: tunnel mode, cfg's tun_* selectors */
	uint16_t group;         /* PFS group, 0: the IKE SA's; set by a retry after the
				 * peer's INVALID_KE_PAYLOAD (RFC 7296 1.3.1, 1.3.3) */
	uint32_t spi, new_spi;
};

enum ike_ev_type {
	IKE_EV_CHILD_UP = 1,    /* sa->ch[child] to install */
	IKE_EV_CHILD_DOWN,      /* the pair spi_in/spi_out to remove */
	IKE_EV_CHILD_FAILED,    /* our request refused (notify): spi_in unused */
	IKE_EV_IKE_REKEYED,     /* ike_sa_adopt() makes the new IKE SA */
	IKE_EV_IKE_LOSER,       /* crossing rekeys: ike_sa_adopt_loser() makes the other
				 * new IKE SA, to be deleted by its creator (2.8.2) */
	IKE_EV_IKE_DOWN,        /* this IKE SA is gone (its Child SAs reported down first) */
	IKE_EV_ALIVE,           /* the response to our liveness check */
	IKE_EV_REFUSED,         /* another request of ours refused (notify) */
	IKE_EV_MOVED,           /* MOBIKE: our update was accepted, or the peer's applied
				 * (after the return-routability check): sa->path holds */
};

struct ike_ev {
	uint8_t type;           /* enum ike_ev_type */
	uint16_t notify;
	unsigned child;
	uint32_t spi_in, spi_out;
};

/* A new IKE SA being negotiated on this one (2.18). */
struct ike_rekey {
	bool used, done, ours;  /* ours: we initiated it (I flag in the new SA) */
	uint8_t spi_i[IKE_SPI_LEN], spi_r[IKE_SPI_LEN];
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	struct ike_suite suite;
	struct ike_keys keys;
};

struct ike_sa {
	const struct ike_sa_cfg *cfg;
	bool initiator;
	bool cfg_i;                     /* made by ike_sa_start(): cfg's TSi is our side,
					 * also after a rekey swapped the roles */
	enum ike_sa_state state;
	int error;                      /* why FAILED (M6_E_*) */
	uint8_t spi_i[IKE_SPI_LEN], spi_r[IKE_SPI_LEN];
	struct ike_suite suite;         /* negotiated */
	uint8_t prop_num;               /* the accepted proposal's number */
	struct ike_dh *dh;              /* our IKE_SA_INIT key pair, until g^ir is made */
	/* Ni and Nr (IKE_NONCE_MAX octets each, one allocation), until
	 * IKE_AUTH is over: SKEYSEED, AUTH and the first Child SA's keys */
	uint8_t *ni, *nr;
	size_t ni_len, nr_len;
	struct ike_keys keys;
	struct ike_sk sk;
	bool sk_ready;
	uint32_t msgid_out;             /* our next request */
	uint32_t msgid_in;              /* the peer's next request */
	uint8_t cookie[IKE_COOKIE_MAX];
	size_t cookie_len;
	/* Messages kept, each in an allocation of its own length (at most
	 * IKE_SA_MSG_MAX), not in IKE_SA_MSG_MAX octets each of the SA: */
	/* RealMessage1 and 2 (the latest), signed by AUTH (IKE-12); freed
	 * once IKE_AUTH is over */
	uint8_t *init_req, *init_resp;
	size_t init_req_len, init_resp_len;
	/* our last request (retransmissions) */
	uint8_t *last_out;
	size_t last_out_len;
	/* our last response and the digest of the request it answers
	 * (response cache, IKE-02) */
	uint8_t *resp;
	size_t resp_len;
	uint8_t last_in_hash[32];
	bool have_last_in;
	/* established: the outstanding request and the queue behind it */
	bool req_pending;
	struct ike_req req;
	struct ike_req queue[IKE_SA_QUEUE_MAX];
	unsigned n_queue;
	uint8_t req_nonce[IKE_SA_NONCE_LEN];
	uint8_t req_spi[IKE_SPI_LEN];   /* IKE rekey: our new SPI */
	struct ike_dh *req_dh;          /* the KE of our outstanding request, made for it */
	/* IKE SA rekeys: [0] ours and [1] the peer's (both when they cross);
	 * made at the first rekey of this SA (ike_sa_rekeys), NULL before:
	 * most IKE SAs never hold one */
	struct ike_rekey *rk;
	uint8_t rk_win;                 /* the surviving one: 1 ours, 2 the peer's */
	/* Child SAs, and what the last call did */
	struct ike_child ch[IKE_SA_CHILD_MAX];
	struct ike_ev ev[IKE_SA_EV_MAX];
	unsigned n_ev;
	/* the peer's SIGNATURE_HASH_ALGORITHMS (IKE_HASH_BIT mask; bit 16:
	 * the notify came), 0 when it sent none (RFC 7427 4) */
	unsigned peer_hashes;
	bool peer_certreq;              /* its IKE_AUTH request asked for our certificate */
	/* the pre-shared key in use (cfg->psk, or the PAD's for the peer) */
	const uint8_t *psk;
	size_t psk_len;
	/* the peer, once authenticated (peer_auth: its AUTH method) */
	uint8_t peer_auth;
	uint8_t peer_id_type;
	uint8_t *peer_id;               /* its own allocation, peer_id_len octets (NULL: none) */
	size_t peer_id_len;
	/* the first Child SA */
	bool child_ok;
	uint16_t child_error;           /* the notify that refused it, 0 if none */
	uint32_t child_spi_i, child_spi_r;      /* inbound SPI of the initiator / responder */
	/* its keys and selectors are ch[0]'s, where IKE_AUTH puts them */
	/* RFC 4555 */
	struct ike_path path;           /* the SA's addresses (ike_sa_set_path) */
	struct ike_path rx;             /* the message being input (ike_sa_set_rx) */
	bool have_rx;
	bool mobike;                    /* both ends sent MOBIKE_SUPPORTED (MK-01) */
	bool mobike_peer;               /* the peer sent it */
	uint32_t moves;                 /* initiator: path changes so far */
	uint32_t moves_sent;            /* ... that our last update reported */
	uint8_t cookie2[IKE_COOKIE2_LEN];       /* of our outstanding update or check */
	uint8_t n_peer_addrs;
	uint8_t peer_addrs[IKE_SA_ADDR_MAX][16];        /* its additional addresses */
	/* RFC 4877 9: the home address assigned (either end), and the
	 * RFC 5026 home prefix the initiator was told */
	bool cp_ok, cp_pfx_ok, cp_asked_pfx;
	uint8_t cp_hoa[16], cp_plen;
	uint8_t cp_pfx[16], cp_pfx_plen;
	uint32_t cp_pfx_life;
	/* NAT traversal: the peer sent NAT detection; our address or port
	 * as the peer saw it was not ours (a NAT here); none of the peer's
	 * was what we saw (a NAT there, or a peer forcing encapsulation) */
	bool natt_peer, nat_here, nat_there;
	/* RFC 7383 (ike_sa_frag.c): frag, both ends sent
	 * IKEV2_FRAGMENTATION_SUPPORTED; fr, the peer's message being
	 * reassembled, allocated with its first authentic fragment and freed
	 * when it is complete or expires (most SAs never hold one); reasm,
	 * the message being input is such a reassembly, SK already opened */
	bool frag;
	bool reasm;
	struct ike_sa_frag *fr;
};

/* Output: out receives one IKE message, or with fragmentation several
 * (SKF fragments, RFC 7383) back to back: each is one UDP datagram, its
 * length in its header (ike_sa_dgram); cap IKE_SA_OUT_MAX holds any. */
/* The length of the first datagram in [p, p+len): its header's Length,
 * 0 when there is none (fewer octets than a header or than it says). */
size_t ike_sa_dgram(const uint8_t *p, size_t len);

/* Initiator: the IKE_SA_INIT request into out. */
int ike_sa_start(struct ike_sa *sa, const struct ike_sa_cfg *cfg, uint8_t *out, size_t cap,
		 size_t *out_len);
/* The same from a known path (ike_sa_set_path): with cfg->natt the
 * request carries NAT detection for it. */
int ike_sa_start_on(struct ike_sa *sa, const struct ike_sa_cfg *cfg, const struct ike_path *path, uint8_t *out,
		    size_t cap, size_t *out_len);
/* NAT traversal in use: the Child SAs encapsulate ESP in UDP on the IKE
 * SA's ports (RFC 3948); we send NAT-keepalives (a NAT on our side, or
 * encapsulation forced by us). */
bool ike_sa_encap(const struct ike_sa *sa);
bool ike_sa_keepalive(const struct ike_sa *sa);
/* Responder: an SA waiting for an IKE_SA_INIT request. */
void ike_sa_respond(struct ike_sa *sa, const struct ike_sa_cfg *cfg);
/* Process a received message (msg may be decrypted in place). */
int ike_sa_input(struct ike_sa *sa, uint8_t *msg, size_t len, uint8_t *out, size_t cap,
		 size_t *out_len);
/* The outstanding request again, identical (IKE-02). */
int ike_sa_retransmit(const struct ike_sa *sa, uint8_t *out, size_t cap, size_t *out_len);
/* Established SA: queue a request; written into out when none is
 * outstanding (M6_E_NOMEM when the queue is full, M6_E_NOTFOUND for an
 * unknown Child SA, M6_E_IKE_UNEXPECTED in another state). */
int ike_sa_request(struct ike_sa *sa, const struct ike_req *r, uint8_t *out, size_t cap,
		   size_t *out_len);
/* Write the next queued request if none is outstanding (after
 * ike_sa_adopt(), for the work that moved). */
int ike_sa_send_queued(struct ike_sa *sa, uint8_t *out, size_t cap, size_t *out_len);
/* Is a request of ours outstanding or queued? */
bool ike_sa_busy(const struct ike_sa *sa);
/* The Child SA whose inbound (or outbound) SPI this is, or NULL. */
struct ike_child *ike_sa_child(struct ike_sa *sa, uint32_t spi, bool inbound);
/* After IKE_EV_IKE_REKEYED: nw becomes the new IKE SA (cfg, usually a
 * copy of old's), established, with old's Child SAs; old keeps its keys
 * for its Delete. */
int ike_sa_adopt(struct ike_sa *nw, const struct ike_sa_cfg *cfg, struct ike_sa *old);
/* After IKE_EV_IKE_LOSER: nw becomes the losing new IKE SA (no Child SA);
 * when old->rk_win is 2 it was ours and we delete it, else the peer does. */
int ike_sa_adopt_loser(struct ike_sa *nw, const struct ike_sa_cfg *cfg, struct ike_sa *old);
/* The SA's addresses: before the first message (after ike_sa_start or
 * ike_sa_respond), and at the MOBIKE initiator after a move (then
 * IKE_REQ_UPDATE_ADDR says so; retransmissions go to the new path). */
void ike_sa_set_path(struct ike_sa *sa, const struct ike_path *p);
/* The addresses of the message given to the next ike_sa_input(): what
 * NO_NATS_ALLOWED is checked against (MK-09) and where a MOBIKE update
 * moves the SA (MK-06). Without it, an update is refused. */
void ike_sa_set_rx(struct ike_sa *sa, const struct ike_path *rx);
/* A fragmented message of the peer is being reassembled: the caller's
 * reassembly timer runs (RFC 7383 2.6), and on expiry
 * ike_sa_frag_expire() forgets the fragments (a responder as if no
 * request came; an initiator keeps retransmitting its request). */
bool ike_sa_frag_pending(const struct ike_sa *sa);
void ike_sa_frag_expire(struct ike_sa *sa);
void ike_sa_clear(struct ike_sa *sa);
/* The KE of our outstanding request (sa->req_dh) wiped and freed. */
void ike_sa_req_dh_drop(struct ike_sa *sa);
/* Octets the SA holds beyond its struct (the messages it keeps), OpenSSL
 * contexts not counted. */
size_t ike_sa_heap_bytes(const struct ike_sa *sa);

const char *ike_sa_state_name(enum ike_sa_state s);

#endif
