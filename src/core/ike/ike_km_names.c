/* ike_km's names and algorithm mappings (ike_km.h): Wireshark's names for
 * its IKEv2 decryption table and a negotiated ESP transform in the node's
 * terms. Kept apart from the key manager's state machine. */
#include "ike_km.h"

#include "../util/m6_err.h"
#include "ike_const.h"

const char *ike_km_ws_encr(const struct ike_suite *s)
{
	switch (s->encr) {
	case IKE_ENCR_AES_CBC:
		return s->encr_bits == 128 ? "AES-CBC-128 [RFC3602]" : s->encr_bits == 192 ? "AES-CBC-192 [RFC3602]"
		     : s->encr_bits == 256 ? "AES-CBC-256 [RFC3602]" : NULL;
	case IKE_ENCR_AES_GCM_16:
		return s->encr_bits == 128 ? "AES-GCM-128 with 16 octet ICV [RFC5282]"
		     : s->encr_bits == 192 ? "AES-GCM-192 with 16 octet ICV [RFC5282]"
		     : s->encr_bits == 256 ? "AES-GCM-256 with 16 octet ICV [RFC5282]" : NULL;
	case IKE_ENCR_CHACHA20_POLY1305:
		return "ChaCha20-Poly1305 [RFC7634]";
	default:
		return NULL;
	}
}

const char *ike_km_ws_integ(const struct ike_suite *s)
{
	switch (s->integ) {
	case IKE_INTEG_NONE:
		return "NONE [RFC4306]";
	case IKE_INTEG_HMAC_SHA2_256_128:
		return "HMAC_SHA2_256_128 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_384_192:
		return "HMAC_SHA2_384_192 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_512_256:
		return "HMAC_SHA2_512_256 [RFC4868]";
	default:
		return NULL;
	}
}

int ike_km_esp_xform(const struct ike_child_alg *a, enum m6_enc *enc, enum m6_auth *auth)
{
	switch (a->encr) {
	case IKE_ENCR_NULL: *enc = M6_ENC_NULL; break;
	case IKE_ENCR_AES_CBC: *enc = M6_ENC_AES_CBC; break;
	case IKE_ENCR_AES_GCM_16: *enc = M6_ENC_AES_GCM_16; break;
	case IKE_ENCR_CHACHA20_POLY1305: *enc = M6_ENC_CHACHA20_POLY1305; break;
	default: return M6_E_ALG;
	}
	switch (a->integ) {
	case IKE_INTEG_NONE: *auth = M6_AUTH_NONE; break;
	case IKE_INTEG_HMAC_SHA1_96: *auth = M6_AUTH_HMAC_SHA1_96; break;
	case IKE_INTEG_HMAC_SHA2_256_128: *auth = M6_AUTH_HMAC_SHA256_128; break;
	case IKE_INTEG_HMAC_SHA2_512_256: *auth = M6_AUTH_HMAC_SHA512_256; break;
	default: return M6_E_ALG;
	}
	/* an AEAD carries its own integrity; anything else needs one */
	if (m6_enc_is_aead(*enc) != (*auth == M6_AUTH_NONE))
		return M6_E_ALG;
	return 0;
}

