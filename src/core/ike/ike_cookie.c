#include "ike_cookie.h"

#include <string.h>

#include <openssl/crypto.h>

#include "ike_payload.h"
#include "../util/m6_bytes.h"

void ike_cookie_init(struct ike_cookie *c, const struct ike_rng *rng)
{
	memset(c, 0, sizeof(*c));
	c->version = 1;
	rng->random(rng->ctx, c->secret, sizeof(c->secret));
}

void ike_cookie_rotate(struct ike_cookie *c, const struct ike_rng *rng)
{
	memcpy(c->previous, c->secret, sizeof(c->secret));
	c->have_previous = true;
	c->version++;
	rng->random(rng->ctx, c->secret, sizeof(c->secret));
}

static int mac(const uint8_t *secret, uint32_t version, const uint8_t *ni, size_t ni_len, const uint8_t ip[16],
	       const uint8_t spi_i[IKE_SPI_LEN], uint8_t out[IKE_COOKIE_LEN])
{
	struct ike_iov v[3] = { { ni, ni_len }, { ip, 16 }, { spi_i, IKE_SPI_LEN } };
	m6_put32(out, version);
	return ike_prf(IKE_PRF_HMAC_SHA2_256, secret, IKE_COOKIE_SECRET_LEN, v, 3, out + 4);
}

int ike_cookie_make(const struct ike_cookie *c, const uint8_t *ni, size_t ni_len, const uint8_t ip[16],
		    const uint8_t spi_i[IKE_SPI_LEN], uint8_t out[IKE_COOKIE_LEN])
{
	return mac(c->secret, c->version, ni, ni_len, ip, spi_i, out);
}

bool ike_cookie_valid(const struct ike_cookie *c, const uint8_t *cookie, size_t len, const uint8_t *ni,
		      size_t ni_len, const uint8_t ip[16], const uint8_t spi_i[IKE_SPI_LEN])
{
	uint8_t want[IKE_COOKIE_LEN];
	if (len != IKE_COOKIE_LEN)
		return false;
	/* the VersionID says which secret; only the last two are known */
	uint32_t v = m6_get32(cookie);
	const uint8_t *secret = v == c->version ? c->secret
			      : c->have_previous && v == c->version - 1 ? c->previous : NULL;
	if (!secret || mac(secret, v, ni, ni_len, ip, spi_i, want))
		return false;
	bool ok = !CRYPTO_memcmp(want, cookie, IKE_COOKIE_LEN);
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

int ike_cookie_screen(const struct ike_cookie *c, const uint8_t *msg, size_t len, const uint8_t ip[16],
		      uint8_t *out, size_t cap, size_t *out_len)
{
	struct ike_msg m;
	struct m6_diags ds;
	*out_len = 0;
	m6_diags_init(&ds);
	int rc = ike_msg_parse(msg, len, &m, &ds, 0);
	if (rc)
		return rc;
	const struct ike_pl *np = ike_msg_find(&m, IKE_PL_NONCE, 0);
	if (m.hdr.exchange != IKE_SA_INIT || (m.hdr.flags & IKE_FLAG_R) || !np)
		return M6_E_IKE_MISSING;
	/* 2.6: the initiator puts it first */
	if (m.n && m.pl[0].type == IKE_PL_N && m.pl[0].body_len >= 4 &&
	    m6_get16(m.pl[0].body + 2) == IKE_N_COOKIE) {
		struct ike_notify n;
		if (!ike_notify_parse(m.pl[0].body, m.pl[0].body_len, &n, &ds, 0) &&
		    ike_cookie_valid(c, n.data, n.data_len, np->body, np->body_len, ip, m.hdr.spi_i))
			return 0;
	}
	uint8_t cookie[IKE_COOKIE_LEN];
	if ((rc = ike_cookie_make(c, np->body, np->body_len, ip, m.hdr.spi_i, cookie)))
		return rc;
	struct ike_hdr h = m.hdr;
	struct ike_wr w;
	memset(h.spi_r, 0, IKE_SPI_LEN);
	h.flags = IKE_FLAG_R;
	h.version = IKE_MAJOR << 4;
	ike_wr_init(&w, out, cap, &h);
	ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0, IKE_N_COOKIE, cookie, sizeof(cookie));
	rc = ike_wr_finish(&w, out_len);
	if (rc)
		*out_len = 0;
	return rc ? rc : M6_E_IKE_COOKIE;
}

void ike_cookie_clear(struct ike_cookie *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
}
