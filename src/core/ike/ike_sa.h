/*
 * ike_sa — one IKE SA through IKE_SA_INIT and IKE_AUTH with a pre-shared
 * key and the first Child SA (RFC 7296 1.2, 2.15, 2.17), sans-I/O.
 *
 * Contract: bytes in, bytes out. The initiator calls ike_sa_start() for its
 * IKE_SA_INIT request; each end gives every datagram addressed to this SA
 * to ike_sa_input(), which either drops it (a negative code saying why,
 * nothing changed) or processes it and may write the next message to send
 * (a request for the initiator, a response for the responder; *out_len 0
 * when there is none). Randomness (SPIs, nonces, private keys, CBC IVs)
 * comes from cfg->rng only; no clock is read: retransmission timing is the
 * caller's, ike_sa_retransmit() gives the last request again, bit for bit
 * (IKE-02). The responder answers a retransmitted request (same octets as
 * the last one) with its cached response and nothing else (IKE-02). Message
 * IDs: 0 for IKE_SA_INIT including its retries after COOKIE and
 * INVALID_KE_PAYLOAD, 1 for IKE_AUTH (IKE-01). Peer KE values are checked
 * (IKE-22); a bad one in IKE_SA_INIT drops the message. A failed AUTH ends
 * the SA (the responder says AUTHENTICATION_FAILED); a refused Child SA
 * (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE) leaves the IKE SA up (IKE-19).
 * The DH private key is wiped as soon as g^ir is computed, g^ir and
 * SKEYSEED right after the keys are derived; ike_sa_clear() wipes all.
 * Not here yet: NAT detection, fragmentation of our own messages, cookies
 * issued by the responder, certificates, EAP, CREATE_CHILD_SA, rekeying,
 * INFORMATIONAL, traffic selector narrowing (the responder accepts the
 * proposed selectors when its configuration covers them, else refuses).
 */
#ifndef MIP6SEC_IKE_SA_H
#define MIP6SEC_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_crypto.h"
#include "ike_dh.h"
#include "ike_payload.h"

#define IKE_SA_SUITE_MAX 4
#define IKE_SA_MSG_MAX 2048     /* our messages, and the IKE_SA_INIT ones AUTH signs */
#define IKE_SA_NONCE_LEN 32     /* >= half the largest PRF key, >= 128 bits (IKE-09) */
#define IKE_SA_ID_MAX 255

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
	/* Responder: the PAD (RFC 4301 4.4.3, 4877-02/03), consulted with the
	 * identity in IDi. peer_psk gives the key shared with that peer (0) or
	 * refuses the identity (negative: AUTHENTICATION_FAILED); NULL means
	 * psk above for every peer. child_allowed says whether the
	 * authenticated peer may have the proposed selectors, e.g. the home
	 * address in TSi (false: TS_UNACCEPTABLE); NULL allows them. */
	int (*peer_psk)(void *ctx, uint8_t id_type, const uint8_t *id, size_t id_len, const uint8_t **psk,
			size_t *psk_len);
	bool (*child_allowed)(void *ctx, uint8_t id_type, const uint8_t *id, size_t id_len,
			      const struct ike_ts_list *tsi, const struct ike_ts_list *tsr);
	void *pad_ctx;
};

enum ike_sa_state {
	IKE_SA_IDLE,
	IKE_SA_INIT_SENT,       /* initiator: IKE_SA_INIT request out */
	IKE_SA_INIT_DONE,       /* responder: IKE_SA_INIT answered, IKE_AUTH awaited */
	IKE_SA_AUTH_SENT,       /* initiator: IKE_AUTH request out */
	IKE_SA_ESTABLISHED,
	IKE_SA_FAILED,
};

struct ike_sa {
	const struct ike_sa_cfg *cfg;
	bool initiator;
	enum ike_sa_state state;
	int error;                      /* why FAILED (M6_E_*) */
	uint8_t spi_i[IKE_SPI_LEN], spi_r[IKE_SPI_LEN];
	struct ike_suite suite;         /* negotiated */
	uint8_t prop_num;               /* the accepted proposal's number */
	struct ike_dh dh;
	uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t ni_len, nr_len;
	struct ike_keys keys;
	struct ike_sk sk;
	bool sk_ready;
	uint32_t msgid;                 /* initiator: next request; responder: next expected */
	uint8_t cookie[IKE_COOKIE_MAX];
	size_t cookie_len;
	/* RealMessage1 and 2 (the latest), signed by AUTH (IKE-12) */
	uint8_t init_req[IKE_SA_MSG_MAX], init_resp[IKE_SA_MSG_MAX];
	size_t init_req_len, init_resp_len;
	/* initiator: last request (retransmissions); responder: last response
	 * and the digest of the request it answers (response cache) */
	uint8_t last_out[IKE_SA_MSG_MAX];
	size_t last_out_len;
	uint8_t last_in_hash[32];
	bool have_last_in;
	/* the pre-shared key in use (cfg->psk, or the PAD's for the peer) */
	const uint8_t *psk;
	size_t psk_len;
	/* the peer, once authenticated */
	uint8_t peer_id_type;
	uint8_t peer_id[IKE_SA_ID_MAX];
	size_t peer_id_len;
	/* the first Child SA */
	bool child_ok;
	uint16_t child_error;           /* the notify that refused it, 0 if none */
	uint32_t child_spi_i, child_spi_r;      /* inbound SPI of the initiator / responder */
	struct ike_child_keys child;
	struct ike_ts_list child_tsi, child_tsr;
};

/* Initiator: the IKE_SA_INIT request into out. */
int ike_sa_start(struct ike_sa *sa, const struct ike_sa_cfg *cfg, uint8_t *out, size_t cap,
		 size_t *out_len);
/* Responder: an SA waiting for an IKE_SA_INIT request. */
void ike_sa_respond(struct ike_sa *sa, const struct ike_sa_cfg *cfg);
/* Process a received message (msg may be decrypted in place). */
int ike_sa_input(struct ike_sa *sa, uint8_t *msg, size_t len, uint8_t *out, size_t cap,
		 size_t *out_len);
/* Initiator: the outstanding request again, identical (IKE-02). */
int ike_sa_retransmit(const struct ike_sa *sa, uint8_t *out, size_t cap, size_t *out_len);
void ike_sa_clear(struct ike_sa *sa);

const char *ike_sa_state_name(enum ike_sa_state s);

#endif
