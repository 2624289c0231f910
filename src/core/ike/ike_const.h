/*
 * ike_const — IKEv2 protocol numbers (IANA "IKEv2 Parameters") and their names.
 *
 * Contract: values only as RFC 7296 §3 and the RFCs this project implements
 * (4555, 5026, 5282, 5903, 7383, 7427, 7634, 8031) assign them. The *_name()
 * functions return a fixed string for known values and NULL otherwise, so a
 * dissector can print the number of an unknown one.
 */
#ifndef MIP6SEC_IKE_CONST_H
#define MIP6SEC_IKE_CONST_H

#include <stdint.h>

#define IKE_HDR_LEN 28          /* RFC 7296 3.1 */
#define IKE_PL_HDR_LEN 4        /* generic payload header, 3.2 */
#define IKE_SPI_LEN 8
#define IKE_MAJOR 2
#define IKE_PORT 500
#define IKE_NATT_PORT 4500      /* with the 4-octet zero non-ESP marker (RFC 3948 2.2) */

/* Header flags (3.1) */
#define IKE_FLAG_I 0x08         /* sent by the original initiator of the IKE SA */
#define IKE_FLAG_V 0x10         /* higher version supported (never set by IKEv2) */
#define IKE_FLAG_R 0x20         /* response */
#define IKE_PL_CRITICAL 0x80    /* generic payload header, first octet after Next Payload */

enum ike_exchange {
	IKE_SA_INIT = 34,
	IKE_AUTH = 35,
	IKE_CREATE_CHILD_SA = 36,
	IKE_INFORMATIONAL = 37,
};

enum ike_payload_type {
	IKE_PL_NONE = 0,
	IKE_PL_SA = 33,
	IKE_PL_KE = 34,
	IKE_PL_IDI = 35,
	IKE_PL_IDR = 36,
	IKE_PL_CERT = 37,
	IKE_PL_CERTREQ = 38,
	IKE_PL_AUTH = 39,
	IKE_PL_NONCE = 40,
	IKE_PL_N = 41,
	IKE_PL_D = 42,
	IKE_PL_V = 43,
	IKE_PL_TSI = 44,
	IKE_PL_TSR = 45,
	IKE_PL_SK = 46,
	IKE_PL_CP = 47,
	IKE_PL_EAP = 48,
	IKE_PL_SKF = 53,        /* RFC 7383 2.5 */
};

/* Protocol ID (proposals 3.3.1, Notify 3.10, Delete 3.11) */
enum ike_proto {
	IKE_PROTO_NONE = 0,
	IKE_PROTO_IKE = 1,
	IKE_PROTO_AH = 2,
	IKE_PROTO_ESP = 3,
};

/* Transform types and IDs (3.3.2) */
enum ike_xf_type {
	IKE_XF_ENCR = 1,
	IKE_XF_PRF = 2,
	IKE_XF_INTEG = 3,
	IKE_XF_DH = 4,          /* "Key Exchange Method" since RFC 9370 */
	IKE_XF_ESN = 5,
};

enum ike_encr {
	IKE_ENCR_NULL = 11,                 /* ESP only (RFC 8221 ENCR_NULL) */
	IKE_ENCR_AES_CBC = 12,              /* Key Length attribute 128/192/256 */
	IKE_ENCR_AES_GCM_16 = 20,           /* RFC 5282, Key Length attribute */
	IKE_ENCR_CHACHA20_POLY1305 = 28,    /* RFC 7634, no Key Length */
};

enum ike_prf_id {
	IKE_PRF_HMAC_SHA2_256 = 5,          /* RFC 4868 */
	IKE_PRF_HMAC_SHA2_384 = 6,
	IKE_PRF_HMAC_SHA2_512 = 7,
};

enum ike_integ {
	IKE_INTEG_NONE = 0,
	IKE_INTEG_HMAC_SHA1_96 = 2,         /* ESP only here (RFC 8221 MUST-) */
	IKE_INTEG_HMAC_SHA2_256_128 = 12,   /* RFC 4868 */
	IKE_INTEG_HMAC_SHA2_384_192 = 13,
	IKE_INTEG_HMAC_SHA2_512_256 = 14,
};

enum ike_dh_group {
	IKE_DH_NONE = 0,
	IKE_DH_MODP2048 = 14,   /* RFC 3526 */
	IKE_DH_MODP3072 = 15,
	IKE_DH_ECP256 = 19,     /* RFC 5903 */
	IKE_DH_ECP384 = 20,
	IKE_DH_X25519 = 31,     /* RFC 8031 */
	IKE_DH_X448 = 32,
};

#define IKE_ATTR_AF 0x8000          /* TV format */
#define IKE_ATTR_KEY_LENGTH 14      /* the only attribute RFC 7296 defines */

/* ID types (3.5) */
enum ike_id_type {
	IKE_ID_IPV4_ADDR = 1,
	IKE_ID_FQDN = 2,
	IKE_ID_RFC822_ADDR = 3,
	IKE_ID_IPV6_ADDR = 5,
	IKE_ID_DER_ASN1_DN = 9,
	IKE_ID_DER_ASN1_GN = 10,
	IKE_ID_KEY_ID = 11,
};

/* Certificate encodings (3.6) */
enum ike_cert_enc {
	IKE_CERT_X509_SIG = 4,
	IKE_CERT_CRL = 7,
	IKE_CERT_RAW_RSA = 11,
	IKE_CERT_HASH_URL = 12,
	IKE_CERT_HASH_URL_BUNDLE = 13,
};

/* Authentication methods (3.8, RFC 7427) */
enum ike_auth_method {
	IKE_AUTH_RSA_SIG = 1,
	IKE_AUTH_PSK = 2,
	IKE_AUTH_DSS_SIG = 3,
	IKE_AUTH_ECDSA_256 = 9,             /* RFC 4754 */
	IKE_AUTH_ECDSA_384 = 10,
	IKE_AUTH_ECDSA_521 = 11,
	IKE_AUTH_DIGITAL_SIG = 14,          /* RFC 7427 */
};

/* Notify message types (3.10.1 and the extensions) */
enum ike_notify_type {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_N_INVALID_IKE_SPI = 4,
	IKE_N_INVALID_MAJOR_VERSION = 5,
	IKE_N_INVALID_SYNTAX = 7,
	IKE_N_INVALID_MESSAGE_ID = 9,
	IKE_N_INVALID_SPI = 11,
	IKE_N_NO_PROPOSAL_CHOSEN = 14,
	IKE_N_INVALID_KE_PAYLOAD = 17,
	IKE_N_AUTHENTICATION_FAILED = 24,
	IKE_N_SINGLE_PAIR_REQUIRED = 34,
	IKE_N_NO_ADDITIONAL_SAS = 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE = 36,
	IKE_N_FAILED_CP_REQUIRED = 37,
	IKE_N_TS_UNACCEPTABLE = 38,
	IKE_N_INVALID_SELECTORS = 39,
	IKE_N_UNACCEPTABLE_ADDRESSES = 40,  /* RFC 4555 */
	IKE_N_UNEXPECTED_NAT_DETECTED = 41, /* RFC 4555 */
	IKE_N_USE_ASSIGNED_HOA = 42,        /* RFC 5026 */
	IKE_N_TEMPORARY_FAILURE = 43,
	IKE_N_CHILD_SA_NOT_FOUND = 44,
	IKE_N_INITIAL_CONTACT = 16384,
	IKE_N_SET_WINDOW_SIZE = 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE = 16386,
	IKE_N_IPCOMP_SUPPORTED = 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKE_N_COOKIE = 16390,
	IKE_N_USE_TRANSPORT_MODE = 16391,
	IKE_N_HTTP_CERT_LOOKUP_SUPPORTED = 16392,
	IKE_N_REKEY_SA = 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	IKE_N_MOBIKE_SUPPORTED = 16396,     /* RFC 4555 */
	IKE_N_ADDITIONAL_IP4_ADDRESS = 16397,
	IKE_N_ADDITIONAL_IP6_ADDRESS = 16398,
	IKE_N_NO_ADDITIONAL_ADDRESSES = 16399,
	IKE_N_UPDATE_SA_ADDRESSES = 16400,
	IKE_N_COOKIE2 = 16401,
	IKE_N_NO_NATS_ALLOWED = 16402,
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,    /* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS = 16431,        /* RFC 7427 */
};

/* Traffic selector types (3.13.1) */
enum ike_ts_type {
	IKE_TS_IPV4_ADDR_RANGE = 7,
	IKE_TS_IPV6_ADDR_RANGE = 8,
};
#define IKE_TS_IPV4_LEN 16
#define IKE_TS_IPV6_LEN 40

/* Configuration payload (3.15) */
enum ike_cfg_type {
	IKE_CFG_REQUEST = 1,
	IKE_CFG_REPLY = 2,
	IKE_CFG_SET = 3,
	IKE_CFG_ACK = 4,
};

enum ike_cp_attr_type {
	IKE_CP_INTERNAL_IP4_ADDRESS = 1,
	IKE_CP_INTERNAL_IP4_NETMASK = 2,
	IKE_CP_INTERNAL_IP4_DNS = 3,
	IKE_CP_INTERNAL_IP4_NBNS = 4,
	IKE_CP_INTERNAL_IP4_DHCP = 6,
	IKE_CP_APPLICATION_VERSION = 7,
	IKE_CP_INTERNAL_IP6_ADDRESS = 8,
	IKE_CP_INTERNAL_IP6_DNS = 10,
	IKE_CP_INTERNAL_IP6_DHCP = 12,
	IKE_CP_INTERNAL_IP4_SUBNET = 13,
	IKE_CP_SUPPORTED_ATTRIBUTES = 14,
	IKE_CP_INTERNAL_IP6_SUBNET = 15,
	IKE_CP_MIP6_HOME_PREFIX = 16,       /* RFC 5026 8.2 */
};

/* EAP codes (RFC 3748 4) */
enum ike_eap_code {
	IKE_EAP_REQUEST = 1,
	IKE_EAP_RESPONSE = 2,
	IKE_EAP_SUCCESS = 3,
	IKE_EAP_FAILURE = 4,
};

const char *ike_exchange_name(uint8_t x);       /* "IKE_SA_INIT", ... */
const char *ike_payload_name(uint8_t t);        /* "SA", "KE", "IDi", ... "SKF" */
const char *ike_proto_name(uint8_t p);          /* "IKE", "AH", "ESP" */
const char *ike_xf_type_name(uint8_t t);        /* "ENCR", "PRF", "INTEG", "DH", "ESN" */
const char *ike_xf_id_name(uint8_t type, uint16_t id);  /* "AES_GCM_16", "ECP_256", ... */
const char *ike_notify_name(uint16_t t);
const char *ike_id_type_name(uint8_t t);
const char *ike_auth_method_name(uint8_t m);
const char *ike_cert_enc_name(uint8_t e);
const char *ike_ts_type_name(uint8_t t);
const char *ike_cfg_type_name(uint8_t t);
const char *ike_cp_attr_name(uint16_t t);

#endif
