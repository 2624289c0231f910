/* IKE fragmentation on an IKE SA (RFC 7383, IKE-23): the negotiation in
 * IKE_SA_INIT, our messages cut into SKF fragments, the peer's
 * reassembled and then processed as the whole message.
 *
 * Memory: a fragmented message of ours is kept as the datagrams sent, back
 * to back, in the allocation that holds an unfragmented one (last_out or
 * resp): a retransmission must be the same octets (IKE-02) and re-sealing
 * from a kept plaintext would draw new IVs, so the fragments themselves
 * are what is worth keeping; they cost the fragment overhead (about 100
 * octets each) and only while the message is. Reassembly state (struct
 * ike_sa_frag, about 4.6 KB) exists only while a fragmented message of
 * the peer is incomplete: the struct ike_sa holds a pointer. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_frag.h"
#include "ike_sa_int.h"
#include "../util/m6_bytes.h"

struct ike_sa_frag {
	struct ike_frag_rx rx;
	uint8_t buf[IKE_SA_MSG_MAX];
};

size_t ike_sa_dgram(const uint8_t *p, size_t len)
{
	if (len < IKE_HDR_LEN)
		return 0;
	uint32_t l = m6_get32(p + 24);
	return l >= IKE_HDR_LEN && l <= len ? l : 0;
}

/* The largest IKE message in a fragment's datagram: IPv6 and UDP headers,
 * and the non-ESP marker whether or not the SA runs on port 4500, so that
 * a move to it needs no other size (2.5.1). */
static size_t frag_max(const struct ike_sa *sa)
{
	unsigned mtu = sa->cfg->frag_mtu ? sa->cfg->frag_mtu : IKE_SA_FRAG_MTU;
	return mtu > 40 + 8 + 4 ? mtu - 40 - 8 - 4 : 0;
}

void ike_frag_put_supported(const struct ike_sa *sa, struct ike_wr *w)
{
	if (sa->cfg->fragmentation)
		ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
}

/* 2.3: used only when both ends said so in IKE_SA_INIT. */
void ike_frag_on_init(struct ike_sa *sa, const struct ike_msg *m)
{
	sa->frag = sa->cfg->fragmentation && ike_msg_find_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
}

/* ---- sending ---- */

int ike_sa_seal_emit(struct ike_sa *sa, struct ike_wr *w, const uint8_t *in_hash, uint8_t *out,
		     size_t cap, size_t *out_len)
{
	const uint8_t *plain;
	size_t plen, max = frag_max(sa), len;
	uint8_t np;
	unsigned total = 0;
	ike_wr_sk_content(w, &plain, &plen, &np);
	/* 2.5.3: only a message whose one payload is SK; an SKF message is
	 * 4 octets longer than the SK one, so fragment only when the SK
	 * message itself would not fit (or more than IKE_FRAG_MAX would be
	 * needed: then it goes whole, as before) */
	if (sa->frag && !w->err && w->sk_off == IKE_HDR_LEN && ike_frag_count(&sa->sk, plen, max + 4) != 1)
		total = ike_frag_count(&sa->sk, plen, max);
	if (total < 2) {
		int rc = ike_sk_seal(&sa->sk, w, &sa->cfg->rng, &len);
		if (rc)
			return rc;
		return in_hash ? ike_sa_emit_resp(sa, w->buf, len, in_hash, out, cap, out_len)
			       : ike_sa_emit_req(sa, w->buf, len, out, cap, out_len);
	}
	struct ike_hdr h;
	ike_hdr_parse(w->buf, IKE_HDR_LEN, &h);
	len = 0;
	for (unsigned num = 1; num <= total; num++) {
		size_t fl;
		int rc = ike_frag_build(&sa->sk, &h, np, plain, plen, (uint16_t)num, (uint16_t)total,
					&sa->cfg->rng, out + len, cap - len, &fl);
		if (rc)
			return rc;
		len += fl;
	}
	/* kept as sent: out is the message the emit helpers keep */
	return in_hash ? ike_sa_emit_resp(sa, out, len, in_hash, out, cap, out_len)
		       : ike_sa_emit_req(sa, out, len, out, cap, out_len);
}

/* ---- receiving ---- */

int ike_sa_open(const struct ike_sa *sa, uint8_t *msg, size_t len, const struct ike_msg *m,
		size_t *plain_off, size_t *plain_len)
{
	if (!sa->reasm)
		return ike_sk_open(&sa->sk, msg, len, m, plain_off, plain_len);
	/* the reassembled content, SK's body with no IV, padding or ICV */
	const struct ike_pl *pl = &m->pl[m->sk];
	*plain_off = pl->off + IKE_PL_HDR_LEN;
	*plain_len = pl->len - IKE_PL_HDR_LEN;
	return 0;
}

bool ike_sa_frag_pending(const struct ike_sa *sa)
{
	return sa->fr != NULL;
}

size_t ike_sa_frag_bytes(const struct ike_sa *sa)
{
	return sa->fr ? sizeof(*sa->fr) : 0;
}

void ike_sa_frag_expire(struct ike_sa *sa)
{
	if (!sa->fr)
		return;
	ike_frag_rx_reset(&sa->fr->rx);         /* wipes the decrypted chunks */
	free(sa->fr);
	sa->fr = NULL;
}

/* May a fragment of this message be stored: the request we expect next,
 * or the response to our outstanding request? */
static bool expected(const struct ike_sa *sa, bool resp, uint32_t id)
{
	bool up = sa->state == IKE_SA_ESTABLISHED || sa->state == IKE_SA_REKEYED;
	if (resp)
		return (sa->state == IKE_SA_AUTH_SENT && id == 1) ||
		       (up && sa->req_pending && id == sa->msgid_out - 1);
	return (up || (sa->state == IKE_SA_INIT_DONE && !sa->initiator)) && id == sa->msgid_in;
}

/* The reassembled content as the message it came in: the header of the
 * last fragment, one SK payload holding the content in the clear. */
static int whole(struct ike_sa *sa, const struct ike_hdr *fh, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t msg[IKE_HDR_LEN + IKE_PL_HDR_LEN + IKE_SA_MSG_MAX];
	size_t cl;
	uint8_t np;
	int rc = ike_frag_rx_take(&sa->fr->rx, msg + IKE_HDR_LEN + IKE_PL_HDR_LEN, IKE_SA_MSG_MAX, &cl, &np);
	ike_sa_frag_expire(sa);
	if (rc)
		return rc;
	struct ike_hdr h = *fh;
	h.np = IKE_PL_SK;
	h.length = (uint32_t)(IKE_HDR_LEN + IKE_PL_HDR_LEN + cl);
	ike_hdr_write(msg, &h);
	msg[IKE_HDR_LEN] = np;
	msg[IKE_HDR_LEN + 1] = 0;
	m6_put16(msg + IKE_HDR_LEN + 2, (uint16_t)(IKE_PL_HDR_LEN + cl));
	sa->reasm = true;
	rc = ike_sa_input_msg(sa, msg, h.length, out, cap, out_len);
	sa->reasm = false;
	OPENSSL_cleanse(msg, h.length);
	return rc;
}

int ike_sa_frag_input(struct ike_sa *sa, struct ike_msg *m, uint8_t *msg, size_t len, uint8_t *out,
		      size_t cap, size_t *out_len)
{
	static const struct ike_frag_rx idle;
	const struct ike_hdr *h = &m->hdr;
	size_t po, pl;
	/* 2.3: not negotiated (or not yet): dropped */
	if (!sa->frag || !sa->sk_ready)
		return M6_E_IKE_FRAG_OFF;
	if (memcmp(h->spi_i, sa->spi_i, IKE_SPI_LEN) || memcmp(h->spi_r, sa->spi_r, IKE_SPI_LEN) ||
	    !(h->flags & IKE_FLAG_I) != sa->initiator)
		return M6_E_IKE_SPI;
	bool resp = h->flags & IKE_FLAG_R;
	uint16_t num = m->frag_num, total = m->frag_total;
	int rc;
	if (!resp && sa->have_last_in && sa->resp_len && sa->msgid_in >= 2 && h->msgid == sa->msgid_in - 1) {
		/* 2.6.1: a fragment of the request answered last makes us
		 * resend the answer when it is fragment 1, and is ignored
		 * otherwise (also once the SA failed: the peer must learn why) */
		if (num != 1)
			return M6_E_IKE_FRAG_DUP;
		rc = ike_sk_open(&sa->sk, msg, len, m, &po, &pl);
		if (rc)
			return rc;
		OPENSSL_cleanse(msg + po, pl);
		if (sa->resp_len > cap)
			return M6_E_NOMEM;
		memcpy(out, sa->resp, sa->resp_len);
		*out_len = sa->resp_len;
		return 0;
	}
	if (sa->state == IKE_SA_FAILED || sa->state == IKE_SA_DELETED)
		return M6_E_IKE_UNEXPECTED;
	if (!expected(sa, resp, h->msgid))
		return M6_E_IKE_MSGID;
	/* 2.6: numbers, Total, replay of (Message ID, Number, Total), all
	 * before the ICV is computed */
	int chk = ike_frag_rx_check(sa->fr ? &sa->fr->rx : &idle, h->msgid, num, total);
	if (chk && chk != M6_E_IKE_FRAG_MSGID)
		return chk;
	/* integrity before anything is stored */
	rc = ike_sk_open(&sa->sk, msg, len, m, &po, &pl);
	if (rc)
		return rc;
	if (!sa->fr) {
		sa->fr = malloc(sizeof(*sa->fr));
		if (!sa->fr) {
			OPENSSL_cleanse(msg + po, pl);
			return M6_E_NOMEM;
		}
		ike_frag_rx_init(&sa->fr->rx, sa->fr->buf, sizeof(sa->fr->buf));
	} else if (chk) {
		/* an authentic fragment of the message expected now: what was
		 * kept of another one is stale */
		ike_frag_rx_reset(&sa->fr->rx);
	}
	rc = ike_frag_rx_add(&sa->fr->rx, h->msgid, num, total, m->sk_np, msg + po, pl);
	OPENSSL_cleanse(msg + po, pl);
	if (rc < 0) {
		if (!sa->fr->rx.active)
			ike_sa_frag_expire(sa);
		return rc;
	}
	return rc ? whole(sa, h, out, cap, out_len) : 0;
}
