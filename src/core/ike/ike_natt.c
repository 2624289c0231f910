/* NAT traversal on an IKE SA (RFC 7296 2.23, RFC 3948; IKE-20, MK-02):
 * NAT detection in IKE_SA_INIT and in MOBIKE address updates, the float
 * from UDP 500 to 4500, and whether the Child SAs encapsulate ESP in UDP.
 * The SA never learns of a NAT from anything but an integrity-protected
 * exchange's hashes (IKE_SA_INIT's are authenticated by AUTH later). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike_sa_int.h"
#include "../util/m6_bytes.h"

#define NATD_LEN 20
#define NATT_PORT 4500
#define IKE_PORT 500

int ike_natt_hash(const uint8_t spi_i[IKE_SPI_LEN], const uint8_t spi_r[IKE_SPI_LEN], const uint8_t addr[16],
		  uint16_t port, uint8_t out[NATD_LEN])
{
	uint8_t in[IKE_SPI_LEN * 2 + 18];
	unsigned len = 0;
	memcpy(in, spi_i, IKE_SPI_LEN);
	memcpy(in + IKE_SPI_LEN, spi_r, IKE_SPI_LEN);
	memcpy(in + 2 * IKE_SPI_LEN, addr, 16);
	m6_put16(in + 2 * IKE_SPI_LEN + 16, port);
	return EVP_Digest(in, sizeof(in), out, &len, EVP_sha1(), NULL) == 1 && len == NATD_LEN ? 0 : M6_E_CRYPTO;
}

void ike_natt_put(const struct ike_sa *sa, struct ike_wr *w, const struct ike_path *p)
{
	uint8_t src[NATD_LEN], dst[NATD_LEN];
	static const uint8_t nowhere[16];
	/* encap forced (as strongSwan's encap = yes): a source hash no
	 * address matches, so the peer sees a NAT and both sides
	 * encapsulate (IKE-20 "both sides MUST") */
	bool fake = sa->cfg->natt_force;
	if (ike_natt_hash(sa->spi_i, sa->spi_r, fake ? nowhere : p->local, fake ? 0 : p->lport, src) ||
	    ike_natt_hash(sa->spi_i, sa->spi_r, p->peer, p->pport, dst))
		return;
	ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, src, sizeof(src));
	ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, dst, sizeof(dst));
}

/* Does a NAT-D notify of this type match addr/port? any: one of several
 * source notifies (a multi-homed sender may send one per address). */
static int match(const struct ike_msg *m, bool inner, uint16_t type, const uint8_t spi_i[IKE_SPI_LEN],
		 const uint8_t spi_r[IKE_SPI_LEN], const uint8_t addr[16], uint16_t port)
{
	uint8_t want[NATD_LEN];
	int seen = 0;
	if (ike_natt_hash(spi_i, spi_r, addr, port, want))
		return -1;
	for (unsigned i = 0; i < m->n; i++) {
		const struct ike_pl *pl = &m->pl[i];
		size_t dl;
		if (pl->inner != inner || pl->type != IKE_PL_N || pl->body_len < 4 || m6_get16(pl->body + 2) != type)
			continue;
		const uint8_t *d = ike_sa_notify_data(pl, &dl);
		if (!d || dl != NATD_LEN)
			return -1;      /* malformed: treated as none at all */
		if (!CRYPTO_memcmp(d, want, NATD_LEN))
			return 2;
		seen = 1;
	}
	return seen;
}

bool ike_natt_check(struct ike_sa *sa, const struct ike_msg *m, bool inner)
{
	if (!sa->cfg->natt || !sa->have_rx)
		return false;
	/* the hashes are over the SPIs of the message carrying them: in the
	 * IKE_SA_INIT request SPIr is still zero */
	int s = match(m, inner, IKE_N_NAT_DETECTION_SOURCE_IP, m->hdr.spi_i, m->hdr.spi_r, sa->rx.peer,
		      sa->rx.pport);
	int d = match(m, inner, IKE_N_NAT_DETECTION_DESTINATION_IP, m->hdr.spi_i, m->hdr.spi_r, sa->rx.local,
		      sa->rx.lport);
	if (s <= 0 || d <= 0)
		return false;   /* no NAT detection (or a broken one): nothing learnt */
	sa->natt_peer = true;
	/* the peer saw us from another address or port: we are behind a
	 * NAT (and keep its mapping alive); none of its sources is what we
	 * see: it is */
	sa->nat_here = d != 2;
	sa->nat_there = s != 2;
	return true;
}

void ike_natt_float(struct ike_sa *sa)
{
	const struct ike_sa_cfg *c = sa->cfg;
	/* RFC 7296 2.23: after a NAT is found; RFC 4555 3.3 (MK-02): always
	 * when both ends do NAT traversal and we offer MOBIKE (whether the
	 * peer does is known only in IKE_AUTH; strongSwan decides the same) */
	if (!c->natt || !sa->natt_peer || !(sa->nat_here || sa->nat_there || c->mobike || c->natt_force))
		return;
	if (sa->path.lport == IKE_PORT)
		sa->path.lport = NATT_PORT;
	if (sa->path.pport == IKE_PORT)
		sa->path.pport = NATT_PORT;
}

bool ike_sa_encap(const struct ike_sa *sa)
{
	return sa->cfg->natt && sa->natt_peer && (sa->nat_here || sa->nat_there || sa->cfg->natt_force);
}

bool ike_sa_keepalive(const struct ike_sa *sa)
{
	return sa->cfg->natt && sa->natt_peer && (sa->nat_here || sa->cfg->natt_force);
}
