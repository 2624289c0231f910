#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike/ike_const.h"
#include "ike/ike_km.h"
#include "keyfile_ike.h"
#include "util/m6_bytes.h"
#include "util/m6_err.h"

#define FIELDS 8
#define FIELD_MAX 160

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return M6_E_CONFIG;
}

/* Field i of a comma-separated line into out, blanks and one pair of
 * quotes around it removed; the number of fields in *n. */
static int split(const char *line, char f[FIELDS][FIELD_MAX], unsigned *n, char *err, size_t errlen)
{
	*n = 0;
	const char *p = line;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strcspn(p, "\r\n");
		while (len && isspace((unsigned char)*p))
			p++, len--;
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len >= 2 && p[0] == '"' && p[len - 1] == '"')
			p++, len -= 2;
		if (*n == FIELDS)
			return fail(err, errlen, "more than %d comma-separated fields", FIELDS);
		if (len >= FIELD_MAX)
			return fail(err, errlen, "field %u is longer than %d characters", *n + 1, FIELD_MAX - 1);
		memcpy(f[*n], p, len);
		f[*n][len] = 0;
		(*n)++;
		if (!end)
			return 0;
		p = end + 1;
	}
}

/* Hex (no 0x) into out, exactly want octets. */
static int hex_field(const char *s, uint8_t *out, size_t want, const char *what, char *err, size_t errlen)
{
	size_t n = strlen(s);
	if (n != 2 * want)
		return fail(err, errlen, "%s: %zu hex digits, expected %zu", what, n, 2 * want);
	for (size_t i = 0; i < want; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + (size_t)k];
			int d = isdigit((unsigned char)c) ? c - '0'
				: (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
			if (d < 0)
				return fail(err, errlen, "%s: '%c' is not a hex digit", what, c);
			v = v * 16 + d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* The suites this code decrypts, found by the names the writer uses. */
static const struct ike_suite encrs[] = {
	{ IKE_ENCR_AES_CBC, 128, 0, 0, 0 }, { IKE_ENCR_AES_CBC, 192, 0, 0, 0 }, { IKE_ENCR_AES_CBC, 256, 0, 0, 0 },
	{ IKE_ENCR_AES_GCM_16, 128, 0, 0, 0 }, { IKE_ENCR_AES_GCM_16, 192, 0, 0, 0 },
	{ IKE_ENCR_AES_GCM_16, 256, 0, 0, 0 }, { IKE_ENCR_CHACHA20_POLY1305, 0, 0, 0, 0 },
};
static const uint16_t integs[] = { IKE_INTEG_NONE, IKE_INTEG_HMAC_SHA2_256_128, IKE_INTEG_HMAC_SHA2_384_192,
				   IKE_INTEG_HMAC_SHA2_512_256 };

static size_t encr_key_len(const struct ike_suite *s)
{
	switch (s->encr) {
	case IKE_ENCR_AES_GCM_16: return s->encr_bits / 8 + 4;
	case IKE_ENCR_CHACHA20_POLY1305: return 36;
	default: return s->encr_bits / 8;
	}
}

static size_t integ_key_len(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA2_256_128: return 32;
	case IKE_INTEG_HMAC_SHA2_384_192: return 48;
	case IKE_INTEG_HMAC_SHA2_512_256: return 64;
	default: return 0;
	}
}

int keyfile_ike_parse_line(const char *line, struct keyfile_ike *e, char *err, size_t errlen)
{
	char f[FIELDS][FIELD_MAX];
	unsigned n;
	memset(e, 0, sizeof(*e));
	int rc = split(line, f, &n, err, errlen);
	if (rc)
		return rc;
	if (n != FIELDS)
		return fail(err, errlen, "an IKE SA line has %d comma-separated fields, not %u "
			    "(SPIi,SPIr,SK_ei,SK_er,\"encryption\",SK_ai,SK_ar,\"integrity\")", FIELDS, n);
	if ((rc = hex_field(f[0], e->spi_i, 8, "SPIi", err, errlen)) ||
	    (rc = hex_field(f[1], e->spi_r, 8, "SPIr", err, errlen)))
		return rc;
	bool found = false;
	for (size_t i = 0; i < sizeof(encrs) / sizeof(encrs[0]) && !found; i++)
		if (!strcmp(ike_km_ws_encr(&encrs[i]), f[4])) {
			e->suite = encrs[i];
			found = true;
		}
	if (!found)
		return fail(err, errlen, "encryption \"%s\" is not one this decoder can use (AES-CBC, "
			    "AES-GCM with 16 octet ICV, ChaCha20-Poly1305)", f[4]);
	found = false;
	for (size_t i = 0; i < sizeof(integs) / sizeof(integs[0]) && !found; i++) {
		struct ike_suite s = { 0, 0, 0, integs[i], 0 };
		if (!strcmp(ike_km_ws_integ(&s), f[7])) {
			e->suite.integ = integs[i];
			found = true;
		}
	}
	if (!found)
		return fail(err, errlen, "integrity \"%s\" is not one this decoder can use (NONE, "
			    "HMAC_SHA2_256_128, HMAC_SHA2_384_192, HMAC_SHA2_512_256)", f[7]);
	bool aead = e->suite.encr != IKE_ENCR_AES_CBC;
	if (aead != (e->suite.integ == IKE_INTEG_NONE))
		return fail(err, errlen, aead ? "%s is an AEAD: integrity must be \"NONE [RFC4306]\""
					      : "%s needs an integrity algorithm", f[4]);
	e->k.e_len = encr_key_len(&e->suite);
	e->k.a_len = integ_key_len(e->suite.integ);
	if ((rc = hex_field(f[2], e->k.ei, e->k.e_len, "SK_ei", err, errlen)) ||
	    (rc = hex_field(f[3], e->k.er, e->k.e_len, "SK_er", err, errlen)) ||
	    (rc = hex_field(f[5], e->k.ai, e->k.a_len, "SK_ai", err, errlen)) ||
	    (rc = hex_field(f[6], e->k.ar, e->k.a_len, "SK_ar", err, errlen))) {
		m6_wipe(e, sizeof(*e));
		return rc;
	}
	return 1;
}

int keyfile_ike_open(struct keyfile_ike *e, uint8_t *msg, size_t len, const struct ike_msg *m, size_t *off,
		     size_t *plen)
{
	if (!e->ready) {
		/* sk_from_i reads what the initiator sealed: its inbound keys are SK_ei/SK_ai */
		int rc = ike_sk_init_raw(&e->sk_from_i, e->suite.encr, e->suite.encr_bits, e->suite.integ, e->k.er,
					 e->k.ar, e->k.ei, e->k.ai);
		if (!rc)
			rc = ike_sk_init_raw(&e->sk_from_r, e->suite.encr, e->suite.encr_bits, e->suite.integ,
					     e->k.ei, e->k.ai, e->k.er, e->k.ar);
		if (rc) {
			ike_sk_clear(&e->sk_from_i);
			ike_sk_clear(&e->sk_from_r);
			return rc;
		}
		e->ready = true;
	}
	const struct ike_sk *sk = (m->hdr.flags & IKE_FLAG_I) ? &e->sk_from_i : &e->sk_from_r;
	return ike_sk_open(sk, msg, len, m, off, plen);
}

void keyfile_ike_clear(struct keyfile_ike *e)
{
	if (e->ready) {
		ike_sk_clear(&e->sk_from_i);
		ike_sk_clear(&e->sk_from_r);
	}
	m6_wipe(e, sizeof(*e));
}
