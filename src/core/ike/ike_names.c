/* Names of the IKEv2 protocol numbers, for the dissector and diagnostics. */
#include <stddef.h>

#include "ike_const.h"

struct name16 { uint16_t v; const char *name; };

static const char *lookup(const struct name16 *t, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return NULL;
}
#define LOOKUP(t, v) lookup(t, sizeof(t) / sizeof(t[0]), v)

const char *ike_exchange_name(uint8_t x)
{
	static const struct name16 t[] = {
		{ IKE_SA_INIT, "IKE_SA_INIT" }, { IKE_AUTH, "IKE_AUTH" },
		{ IKE_CREATE_CHILD_SA, "CREATE_CHILD_SA" }, { IKE_INFORMATIONAL, "INFORMATIONAL" },
	};
	return LOOKUP(t, x);
}

const char *ike_payload_name(uint8_t p)
{
	static const struct name16 t[] = {
		{ IKE_PL_NONE, "NONE" }, { IKE_PL_SA, "SA" }, { IKE_PL_KE, "KE" }, { IKE_PL_IDI, "IDi" },
		{ IKE_PL_IDR, "IDr" }, { IKE_PL_CERT, "CERT" }, { IKE_PL_CERTREQ, "CERTREQ" },
		{ IKE_PL_AUTH, "AUTH" }, { IKE_PL_NONCE, "Nonce" }, { IKE_PL_N, "N" }, { IKE_PL_D, "D" },
		{ IKE_PL_V, "V" }, { IKE_PL_TSI, "TSi" }, { IKE_PL_TSR, "TSr" }, { IKE_PL_SK, "SK" },
		{ IKE_PL_CP, "CP" }, { IKE_PL_EAP, "EAP" }, { IKE_PL_SKF, "SKF" },
	};
	return LOOKUP(t, p);
}

const char *ike_proto_name(uint8_t p)
{
	static const struct name16 t[] = {
		{ IKE_PROTO_IKE, "IKE" }, { IKE_PROTO_AH, "AH" }, { IKE_PROTO_ESP, "ESP" },
	};
	return LOOKUP(t, p);
}

const char *ike_xf_type_name(uint8_t x)
{
	static const struct name16 t[] = {
		{ IKE_XF_ENCR, "ENCR" }, { IKE_XF_PRF, "PRF" }, { IKE_XF_INTEG, "INTEG" },
		{ IKE_XF_DH, "DH" }, { IKE_XF_ESN, "ESN" },
	};
	return LOOKUP(t, x);
}

const char *ike_xf_id_name(uint8_t type, uint16_t id)
{
	/* Also the IDs this code does not implement, so that decode names what
	 * a peer proposes (RFC 8247 lists which ones are still in use). */
	static const struct name16 encr[] = {
		{ 3, "3DES" }, { 11, "NULL" }, { 12, "AES_CBC" }, { 13, "AES_CTR" },
		{ 14, "AES_CCM_8" }, { 15, "AES_CCM_12" }, { 16, "AES_CCM_16" },
		{ 18, "AES_GCM_8" }, { 19, "AES_GCM_12" }, { 20, "AES_GCM_16" },
		{ 23, "CAMELLIA_CBC" }, { 28, "CHACHA20_POLY1305" },
	};
	static const struct name16 prf[] = {
		{ 1, "HMAC_MD5" }, { 2, "HMAC_SHA1" }, { 4, "AES128_XCBC" }, { 5, "HMAC_SHA2_256" },
		{ 6, "HMAC_SHA2_384" }, { 7, "HMAC_SHA2_512" }, { 8, "AES128_CMAC" },
	};
	static const struct name16 integ[] = {
		{ 0, "NONE" }, { 1, "HMAC_MD5_96" }, { 2, "HMAC_SHA1_96" }, { 5, "AES_XCBC_96" },
		{ 8, "AES_CMAC_96" }, { 12, "HMAC_SHA2_256_128" }, { 13, "HMAC_SHA2_384_192" },
		{ 14, "HMAC_SHA2_512_256" },
	};
	static const struct name16 dh[] = {
		{ 0, "NONE" }, { 1, "MODP_768" }, { 2, "MODP_1024" }, { 5, "MODP_1536" },
		{ 14, "MODP_2048" }, { 15, "MODP_3072" }, { 16, "MODP_4096" }, { 17, "MODP_6144" },
		{ 18, "MODP_8192" }, { 19, "ECP_256" }, { 20, "ECP_384" }, { 21, "ECP_521" },
		{ 31, "CURVE25519" }, { 32, "CURVE448" },
	};
	static const struct name16 esn[] = { { 0, "NO_ESN" }, { 1, "ESN" } };
	switch (type) {
	case IKE_XF_ENCR: return LOOKUP(encr, id);
	case IKE_XF_PRF: return LOOKUP(prf, id);
	case IKE_XF_INTEG: return LOOKUP(integ, id);
	case IKE_XF_DH: return LOOKUP(dh, id);
	case IKE_XF_ESN: return LOOKUP(esn, id);
	default: return NULL;
	}
}

const char *ike_notify_name(uint16_t n)
{
	static const struct name16 t[] = {
		{ 1, "UNSUPPORTED_CRITICAL_PAYLOAD" }, { 4, "INVALID_IKE_SPI" },
		{ 5, "INVALID_MAJOR_VERSION" }, { 7, "INVALID_SYNTAX" }, { 9, "INVALID_MESSAGE_ID" },
		{ 11, "INVALID_SPI" }, { 14, "NO_PROPOSAL_CHOSEN" }, { 17, "INVALID_KE_PAYLOAD" },
		{ 24, "AUTHENTICATION_FAILED" }, { 34, "SINGLE_PAIR_REQUIRED" },
		{ 35, "NO_ADDITIONAL_SAS" }, { 36, "INTERNAL_ADDRESS_FAILURE" },
		{ 37, "FAILED_CP_REQUIRED" }, { 38, "TS_UNACCEPTABLE" }, { 39, "INVALID_SELECTORS" },
		{ 40, "UNACCEPTABLE_ADDRESSES" }, { 41, "UNEXPECTED_NAT_DETECTED" },
		{ 42, "USE_ASSIGNED_HoA" }, { 43, "TEMPORARY_FAILURE" }, { 44, "CHILD_SA_NOT_FOUND" },
		{ 16384, "INITIAL_CONTACT" }, { 16385, "SET_WINDOW_SIZE" },
		{ 16386, "ADDITIONAL_TS_POSSIBLE" }, { 16387, "IPCOMP_SUPPORTED" },
		{ 16388, "NAT_DETECTION_SOURCE_IP" }, { 16389, "NAT_DETECTION_DESTINATION_IP" },
		{ 16390, "COOKIE" }, { 16391, "USE_TRANSPORT_MODE" },
		{ 16392, "HTTP_CERT_LOOKUP_SUPPORTED" }, { 16393, "REKEY_SA" },
		{ 16394, "ESP_TFC_PADDING_NOT_SUPPORTED" }, { 16395, "NON_FIRST_FRAGMENTS_ALSO" },
		{ 16396, "MOBIKE_SUPPORTED" }, { 16397, "ADDITIONAL_IP4_ADDRESS" },
		{ 16398, "ADDITIONAL_IP6_ADDRESS" }, { 16399, "NO_ADDITIONAL_ADDRESSES" },
		{ 16400, "UPDATE_SA_ADDRESSES" }, { 16401, "COOKIE2" }, { 16402, "NO_NATS_ALLOWED" },
		{ 16430, "IKEV2_FRAGMENTATION_SUPPORTED" }, { 16431, "SIGNATURE_HASH_ALGORITHMS" },
	};
	return LOOKUP(t, n);
}

const char *ike_id_type_name(uint8_t i)
{
	static const struct name16 t[] = {
		{ 1, "ID_IPV4_ADDR" }, { 2, "ID_FQDN" }, { 3, "ID_RFC822_ADDR" }, { 5, "ID_IPV6_ADDR" },
		{ 9, "ID_DER_ASN1_DN" }, { 10, "ID_DER_ASN1_GN" }, { 11, "ID_KEY_ID" },
	};
	return LOOKUP(t, i);
}

const char *ike_auth_method_name(uint8_t m)
{
	static const struct name16 t[] = {
		{ 1, "RSA_SIG" }, { 2, "PSK" }, { 3, "DSS_SIG" }, { 9, "ECDSA_SHA256_P256" },
		{ 10, "ECDSA_SHA384_P384" }, { 11, "ECDSA_SHA512_P521" }, { 14, "DIGITAL_SIGNATURE" },
	};
	return LOOKUP(t, m);
}

const char *ike_cert_enc_name(uint8_t e)
{
	static const struct name16 t[] = {
		{ 1, "PKCS7_X509" }, { 2, "PGP" }, { 3, "DNS_KEY" }, { 4, "X509_SIGNATURE" },
		{ 6, "KERBEROS" }, { 7, "CRL" }, { 8, "ARL" }, { 9, "SPKI" }, { 10, "X509_ATTRIBUTE" },
		{ 11, "RAW_RSA_KEY" }, { 12, "HASH_URL_X509" }, { 13, "HASH_URL_X509_BUNDLE" },
	};
	return LOOKUP(t, e);
}

const char *ike_ts_type_name(uint8_t x)
{
	static const struct name16 t[] = {
		{ IKE_TS_IPV4_ADDR_RANGE, "TS_IPV4_ADDR_RANGE" },
		{ IKE_TS_IPV6_ADDR_RANGE, "TS_IPV6_ADDR_RANGE" },
	};
	return LOOKUP(t, x);
}

const char *ike_cfg_type_name(uint8_t c)
{
	static const struct name16 t[] = {
		{ 1, "CFG_REQUEST" }, { 2, "CFG_REPLY" }, { 3, "CFG_SET" }, { 4, "CFG_ACK" },
	};
	return LOOKUP(t, c);
}

const char *ike_cp_attr_name(uint16_t a)
{
	static const struct name16 t[] = {
		{ 1, "INTERNAL_IP4_ADDRESS" }, { 2, "INTERNAL_IP4_NETMASK" }, { 3, "INTERNAL_IP4_DNS" },
		{ 4, "INTERNAL_IP4_NBNS" }, { 6, "INTERNAL_IP4_DHCP" }, { 7, "APPLICATION_VERSION" },
		{ 8, "INTERNAL_IP6_ADDRESS" }, { 10, "INTERNAL_IP6_DNS" }, { 12, "INTERNAL_IP6_DHCP" },
		{ 13, "INTERNAL_IP4_SUBNET" }, { 14, "SUPPORTED_ATTRIBUTES" },
		{ 15, "INTERNAL_IP6_SUBNET" }, { 16, "MIP6_HOME_PREFIX" },
	};
	return LOOKUP(t, a);
}
