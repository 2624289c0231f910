/*
 * ike_sa_int — what the parts of the ike_sa module share (ike_sa.c: the
 * initial exchanges and the input dispatch; ike_info.c: the request queue
 * and INFORMATIONAL; ike_child.c: CREATE_CHILD_SA). Not for other modules.
 *
 * Contract: the emit helpers copy a message into out and keep it (a
 * request for retransmission, a response with the digest of its request
 * for the response cache); the event helper appends to sa->ev and drops
 * silently when it is full (IKE_SA_EV_MAX is above what one message can
 * cause).
 */
#ifndef MIP6SEC_IKE_SA_INT_H
#define MIP6SEC_IKE_SA_INT_H

#include "ike_sa.h"

void ike_sa_rnd(const struct ike_sa *sa, uint8_t *p, size_t n);
void ike_sa_new_spi(const struct ike_sa *sa, uint8_t spi[IKE_SPI_LEN]);
/* sa->rk, made (zeroed) if it was not: NULL when out of memory. */
struct ike_rekey *ike_sa_rekeys(struct ike_sa *sa);
void ike_sa_digest(const uint8_t *p, size_t n, uint8_t out[32]);
/* sa->peer_id := a copy of id (0, M6_E_NOMEM). */
int ike_sa_set_peer_id(struct ike_sa *sa, const uint8_t *id, size_t len);
/* sa->req_dh, made (group, a fresh key pair); ike_sa.h drops it. */
int ike_sa_req_dh_init(struct ike_sa *sa, uint16_t group);
/* A Child SA's copy of a nonce: its first IKE_CHILD_NONCE_KEEP octets
 * and its whole length. */
void ike_child_keep_nonce(uint8_t dst[IKE_CHILD_NONCE_KEEP], size_t *dst_len, const uint8_t *src, size_t len);
void ike_sa_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exch, bool response,
		uint32_t msgid);

/* Proposals: ours for a suite or an ESP transform set, and the checks of
 * a received one against them (2.7, one transform of each type). */
void ike_sa_suite_prop(const struct ike_suite *s, uint8_t num, struct ike_prop *p);
void ike_sa_esp_prop(const struct ike_child_alg *a, uint8_t num, uint32_t spi, struct ike_prop *p);
bool ike_sa_suite_ok(const struct ike_prop *p, const struct ike_suite *s, uint8_t spi_size);
bool ike_sa_esp_ok(const struct ike_prop *p, const struct ike_child_alg *a);
bool ike_sa_esp_is(const struct ike_prop *p, const struct ike_child_alg *a);
unsigned ike_sa_xf_count(const struct ike_prop *p, uint8_t type);
bool ike_sa_xf_has(const struct ike_prop *p, uint8_t type, uint16_t id, uint16_t key_len);
bool ike_sa_ts_ok(const struct ike_ts_list *ours, const struct ike_ts_list *theirs);
bool ike_sa_ts_narrow(const struct ike_ts_list *ours, const struct ike_ts_list *theirs, struct ike_ts_list *out);

uint16_t ike_sa_error_notify(const struct ike_msg *m);
const uint8_t *ike_sa_notify_data(const struct ike_pl *pl, size_t *len);

int ike_sa_emit_req(struct ike_sa *sa, const uint8_t *msg, size_t n, uint8_t *out, size_t cap,
		    size_t *out_len);
int ike_sa_emit_resp(struct ike_sa *sa, const uint8_t *msg, size_t n, const uint8_t in_hash[32],
		     uint8_t *out, size_t cap, size_t *out_len);
/* Fragmentation (ike_sa_frag.c, RFC 7383): seal the message in w (its SK
 * payload open) and emit it, whole or as SKF fragments when it is larger
 * than a fragment may be and both ends support them: a request of ours
 * when in_hash is NULL, else the response to the request with that
 * digest. Open the SK payload of a message being input (a reassembled
 * one is open already). Our IKE_SA_INIT notify, and the peer's read. A
 * message with an SKF payload: checked, verified, stored, and once
 * complete input whole (ike_sa_input_msg). */
int ike_sa_seal_emit(struct ike_sa *sa, struct ike_wr *w, const uint8_t *in_hash, uint8_t *out,
		     size_t cap, size_t *out_len);
int ike_sa_open(const struct ike_sa *sa, uint8_t *msg, size_t len, const struct ike_msg *m,
		size_t *plain_off, size_t *plain_len);
void ike_frag_put_supported(const struct ike_sa *sa, struct ike_wr *w);
void ike_frag_on_init(struct ike_sa *sa, const struct ike_msg *m);
int ike_sa_frag_input(struct ike_sa *sa, struct ike_msg *m, uint8_t *msg, size_t len, uint8_t *out,
		      size_t cap, size_t *out_len);
int ike_sa_input_msg(struct ike_sa *sa, uint8_t *msg, size_t len, uint8_t *out, size_t cap,
		     size_t *out_len);
size_t ike_sa_frag_bytes(const struct ike_sa *sa);
void ike_sa_ev(struct ike_sa *sa, uint8_t type, uint16_t notify, unsigned child, uint32_t spi_in,
	       uint32_t spi_out);

/* A message on an established (or rekeyed) SA, parsed, SPIs checked;
 * in_hash is the digest of its octets as received. */
int ike_sa_input_est(struct ike_sa *sa, struct ike_msg *m, uint8_t *msg, size_t len,
		     const uint8_t in_hash[32], uint8_t *out, size_t cap, size_t *out_len);
/* Write the next queued request if none is outstanding. */
int ike_sa_send_next(struct ike_sa *sa, uint8_t *out, size_t cap, size_t *out_len);

/* INFORMATIONAL rather than CREATE_CHILD_SA. */
static inline bool ike_req_is_info(uint8_t t)
{
	return t != IKE_REQ_NEW_CHILD && t != IKE_REQ_REKEY_CHILD && t != IKE_REQ_REKEY_IKE;
}

/* MOBIKE (ike_mobike.c): our notifies in IKE_AUTH; the peer's IKE_AUTH
 * read (the responder: a notify to refuse it with, else 0); our request's
 * content; the peer's INFORMATIONAL request answered; our request's
 * response (false: the IKE SA must close). */
void ike_mobike_put_auth(const struct ike_sa *sa, struct ike_wr *w);
uint16_t ike_mobike_on_auth(struct ike_sa *sa, const struct ike_msg *m);
int ike_mobike_put_req(struct ike_sa *sa, struct ike_wr *w);
void ike_mobike_on_req(struct ike_sa *sa, const struct ike_msg *m, struct ike_wr *w);
bool ike_mobike_on_resp(struct ike_sa *sa, const struct ike_msg *m);

/* NAT traversal (ike_natt.c): the NAT-D hash (RFC 7296 2.23); our two
 * NAT-D notifies for path p; the peer's checked against the message's
 * addresses (sa->rx; true when it had valid ones, which then set
 * sa->nat_*); the initiator's move to port 4500 before IKE_AUTH. */
int ike_natt_hash(const uint8_t spi_i[IKE_SPI_LEN], const uint8_t spi_r[IKE_SPI_LEN], const uint8_t addr[16],
		  uint16_t port, uint8_t out[20]);
void ike_natt_put(const struct ike_sa *sa, struct ike_wr *w, const struct ike_path *p);
bool ike_natt_check(struct ike_sa *sa, const struct ike_msg *m, bool inner);
void ike_natt_float(struct ike_sa *sa);

/* Home address assignment (ike_cp.c): the initiator's CFG_REQUEST; the
 * responder's assignment (0, or the notify refusing it) with TSi
 * restricted to the address, and its CFG_REPLY; the initiator's reading
 * of the answer (0, or why the IKE SA fails). */
void ike_cp_put_req(const struct ike_sa *sa, struct ike_wr *w);
uint16_t ike_cp_assign(struct ike_sa *sa, const struct ike_msg *m, struct ike_ts_list *tsi);
void ike_cp_put_reply(const struct ike_sa *sa, struct ike_wr *w);
int ike_cp_on_resp(struct ike_sa *sa, const struct ike_msg *m);

/* Authentication (ike_auth.c): our ID, CERT, [CERTREQ,] AUTH; the
 * peer's ID and AUTH checked (0, or why not: the peer identity is then
 * sa->peer_id); the IKE_SA_INIT notify of our signature hashes, the
 * peer's recorded in sa->peer_hashes; CERTREQ when we have a CA. */
void ike_auth_put(struct ike_sa *sa, struct ike_wr *w);
int ike_auth_check(struct ike_sa *sa, const struct ike_msg *m);
void ike_auth_put_hashes(const struct ike_sa *sa, struct ike_wr *w);
void ike_auth_on_init(struct ike_sa *sa, const struct ike_msg *m);
void ike_auth_put_certreq(const struct ike_sa *sa, struct ike_wr *w);

/* CREATE_CHILD_SA (ike_child.c): our request's content, the peer's
 * request answered, our request's response. */
int ike_child_put_req(struct ike_sa *sa, struct ike_wr *w);
int ike_child_on_req(struct ike_sa *sa, const struct ike_msg *m, struct ike_wr *w);
int ike_child_on_resp(struct ike_sa *sa, const struct ike_msg *m);
/* The peer deleted the old IKE SA: a rekey it answered becomes the new SA. */
void ike_child_rekey_settle(struct ike_sa *sa);

#endif
