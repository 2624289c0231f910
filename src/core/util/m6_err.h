/*
 * m6_err — error codes and diagnostics shared by every core module.
 *
 * Contract: functions return 0 on success or a negative M6_E_* code.
 * m6_strerror() gives a fixed reason string (never NULL) and m6_errid() a
 * short stable identifier, both suitable for the CLI and for JSON.
 * A parser that can go on after a fault records it as a struct m6_diag
 * (code + byte offset of the offending field) in a caller-owned list, so
 * one packet can report every fault it has and the caller decides whether
 * the packet is dropped (any diag with m6_err_fatal() true) or kept.
 */
#ifndef MIP6SEC_M6_ERR_H
#define MIP6SEC_M6_ERR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* X(name, number, stable id, reason) */
#define M6_ERR_LIST(X) \
	X(NOMEM,            1, "nomem",           "buffer too small") \
	X(INVAL,            2, "inval",           "invalid argument") \
	X(TRUNC,            3, "trunc",           "packet truncated") \
	X(IP6_VERSION,      4, "ip6_version",     "IPv6 header: version is not 6") \
	X(IP6_PLEN,         5, "ip6_plen",        "IPv6 header: Payload Length disagrees with bytes present") \
	X(EXT_TRUNC,        6, "ext_trunc",       "extension header runs past the end of the packet") \
	X(EXT_TOO_MANY,     7, "ext_too_many",    "too many extension headers") \
	X(EXT_ORDER,        8, "ext_order",       "Hop-by-Hop Options header not first (RFC 8200 4.1)") \
	X(OPT_OVERRUN,      9, "opt_overrun",     "option overruns its extension header") \
	X(OPT_UNKNOWN,     10, "opt_unknown",     "unrecognised option whose type bits say discard") \
	X(HAO_LEN,         11, "hao_len",         "Home Address option: length is not 16 (HAO-01)") \
	X(HAO_ALIGN,       12, "hao_align",       "Home Address option: not at offset 8n+6 (HAO-01)") \
	X(HAO_PLACE,       13, "hao_place",       "Home Address option outside a Destination Options header after the Routing header (HAO-02)") \
	X(HAO_DUP,         14, "hao_dup",         "more than one Home Address option (HAO-02)") \
	X(HAO_ADDR,        15, "hao_addr",        "Home Address option: address not unicast routable (HAO-05)") \
	X(RH2_LEN,         16, "rh2_len",         "type 2 Routing header: Hdr Ext Len is not 2 (RH2-02)") \
	X(RH2_SEGLEFT,     17, "rh2_segleft",     "type 2 Routing header: Segments Left is not 1 (RH2-02)") \
	X(RH2_ADDR,        18, "rh2_addr",        "type 2 Routing header: address not unicast routable (RH2-02)") \
	X(RH_DUP,          19, "rh_dup",          "more than one Routing header") \
	X(RH0,             20, "rh0",             "type 0 Routing header with Segments Left > 0 (RH2-05, RFC 5095)") \
	X(RH_UNKNOWN,      21, "rh_unknown",      "unknown Routing type with Segments Left > 0") \
	X(FRAG_LEN,        22, "frag_len",        "Fragment header: reserved length field") \
	X(MH_TRUNC,        23, "mh_trunc",        "Mobility Header truncated (shorter than 8 octets)") \
	X(MH_PROTO,        24, "mh_proto",        "Mobility Header: Payload Proto is not 59 (MH-04)") \
	X(MH_HLEN,         25, "mh_hlen",         "Mobility Header: Header Len disagrees with the bytes present (MH-02)") \
	X(MH_HLEN_MIN,     26, "mh_hlen_min",     "Mobility Header: Header Len below the minimum for the MH Type (MH-05)") \
	X(MH_TYPE,         27, "mh_type",         "Mobility Header: unknown MH Type (MH-06)") \
	X(MH_CKSUM,        28, "mh_checksum",     "Mobility Header: bad checksum (MH-03)") \
	X(MH_OPT_OVERRUN,  29, "mh_opt_overrun",  "mobility option overruns the Mobility Header (OPT-01)") \
	X(MH_OPT_LEN,      30, "mh_opt_len",      "mobility option: wrong Length for its type (OPT-03)") \
	X(MH_OPT_PLACE,    31, "mh_opt_place",    "mobility option not valid in this message (OPT-05, OPT-06)") \
	X(MH_BAD_NOT_LAST, 32, "mh_bad_not_last", "Binding Authorization Data is not the last option (OPT-04)") \
	X(MH_NI_WITH_H,    33, "mh_ni_with_h",    "Nonce Indices in a Binding Update with H set (OPT-06)") \
	X(MH_OPT_DUP,      34, "mh_opt_dup",      "mobility option appears more than once") \
	X(MH_OPT_MAX,      35, "mh_opt_max",      "more mobility options than the decoder keeps (32)") \
	X(SPEC,            36, "spec",            "packet specification error") \
	X(PCAP,            37, "pcap",            "pcap file error") \
	X(EXISTS,          38, "exists",          "entry already exists") \
	X(NOTFOUND,        39, "notfound",        "no such entry") \
	X(FULL,            40, "full",            "table full") \
	X(CONFIG,          41, "config",          "configuration error") \
	X(CRYPTO,          42, "crypto",          "cryptographic library failure") \
	X(ALG,             43, "alg",             "unsupported algorithm or key length") \
	X(ALG_MANUAL,      44, "alg_manual",      "counter-mode cipher on a manually keyed SA (ALG-02)") \
	X(SPI,             45, "spi",             "no SA for this SPI (SAD-01)") \
	X(SPI_RESERVED,    46, "spi_reserved",    "SPI 0..255 is reserved (SAD-01)") \
	X(REPLAY,          47, "replay",          "replayed sequence number (ESP-03)") \
	X(REPLAY_OLD,      48, "replay_old",      "sequence number left of the replay window (ESP-03)") \
	X(SEQ_ZERO,        49, "seq_zero",        "sequence number 0 is never sent (ESP-01)") \
	X(SEQ_OVERFLOW,    50, "seq_overflow",    "sequence number would cycle: rekey needed (ESP-01)") \
	X(ICV,             51, "icv",             "integrity check failed (ESP-07)") \
	X(ESP_PAD,         52, "esp_pad",         "ESP padding malformed (ESP-05)") \
	X(ESP_LEN,         53, "esp_len",         "ESP payload length not a multiple of the block size") \
	X(SA_EXPIRED,      54, "sa_expired",      "SA hard lifetime reached (SAD-03)") \
	X(SELECTOR,        55, "selector",        "packet does not match the SA's selectors (SAD-02)") \
	X(HAO_POSTCHECK,   56, "hao_postcheck",   "Home Address not authorised for the SA's peer") \
	X(ICMP_QUOTE,     100, "icmp_quote",      "ICMPv6 error on an SA quotes a packet the SA does not carry (ICMP-01)") \
	X(NO_SA,           57, "no_sa",           "PROTECT policy without a usable SA (acquire sent)") \
	X(POLICY_DISCARD,  58, "policy_discard",  "discarded by policy (SPD-01)") \
	X(UNPROTECTED,     59, "unprotected",     "clear packet where policy requires IPsec") \
	X(DUMMY,           60, "dummy",           "ESP dummy packet (Next Header 59) discarded (ESP-06)") \
	X(TUNNEL_INNER,    61, "tunnel_inner",    "tunnel-mode SA did not carry an IPv6 packet") \
	X(AH_LEN,          62, "ah_len",          "AH Payload Length disagrees with the SA's ICV length (AH-04)") \
	X(UDP_CKSUM,       63, "udp_checksum",    "UDP checksum zero or wrong over IPv6 (RFC 8200 8.1)") \
	X(UDP_NOT_ESP,     64, "udp_not_esp",     "UDP-encapsulated IKE message or NAT-keepalive, not ESP (RFC 3948 2.2)") \
	X(BA_NO_MATCH,     65, "ba_no_match",     "Binding Acknowledgement matches no outstanding Binding Update (BA-02)") \
	X(BAD_AUTH,        66, "bad_auth",        "Binding Authorization Data missing or wrong (BA-02)") \
	X(BE_NO_BUL,       67, "be_no_bul",       "Binding Error or Refresh Request from a node without a Binding Update List entry (BE-01)") \
	X(RR_MISMATCH,     68, "rr_mismatch",     "Home/Care-of Test matches no return routability in progress (RR-04)") \
	X(RR_TIMEOUT,      69, "rr_timeout",      "return routability or correspondent registration timed out (MAX_RO_FAILURE)") \
	X(TUNNEL_PEER,     70, "tunnel_peer",     "tunnelled packet not from the home agent to this mobile node") \
	X(MH_UNEXPECTED,   71, "mh_unexpected",   "Mobility Header message not expected by this role") \
	X(NO_COA,          72, "no_coa",          "mobile node has no address on any link yet") \
	X(RR_HAO,          73, "rr_hao",          "Home/Care-of Test Init carrying a Home Address option (HAO-09)") \
	X(BU_ADDR,         74, "bu_addr",         "Binding Update: home, care-of or source address not unicast routable (BU-01)") \
	X(HAO_NO_BINDING,  75, "hao_no_binding",  "Home Address option without a binding for that home address and source (HAO-06)") \
	X(TUNNEL_SRC,      76, "tunnel_src",      "reverse-tunnelled packet: outer source is not the primary care-of address of the inner source (HA-08)") \
	X(FORMER_COA,      77, "former_coa",      "clear reverse-tunnelled packet from a former care-of address of a mobile node whose binding is gone") \
	X(RO_NONCE,       101, "ro_nonce",        "correspondent refused expired nonces (BA 136..138, RR-05): return routability again") \
	X(RO_FAILURE,     102, "ro_failure",      "route optimisation given up after MAX_RO_FAILURE failures in a row: traffic goes through the home agent (RFC 6275 5.2.9)") \
	X(HA_LINK_LOCAL,  103, "ha_link_local",   "packet for a mobile node's link-local address: never tunnelled, ICMPv6 unreachable code 3 (HA-07)") \
	X(DISC_NO_MATCH,  104, "disc_no_match",   "discovery reply or prefix advertisement matches no request of ours, or comes from elsewhere (RFC 6275 11.4)") \
	X(DISC_TIMEOUT,   105, "disc_timeout",    "no Home Agent Address Discovery Reply or Mobile Prefix Advertisement after the retransmissions") \
	X(RATE_LIMITED,   106, "rate_limited",    "reply not sent: the error and rejection rate limit (MH-09, RFC 4443 2.4 f)") \
	X(SA_UNBOUND,     107, "sa_unbound",      "packet on a tunnel-mode SA that follows a binding while no binding exists (3776-11)") \
	X(BU_UNPROTECTED, 108, "bu_unprotected",  "home registration Binding Update not sent: no policy protects it with IPsec (3776-04)") \
	/* IKEv2 (src/core/ike): 128 and up */ \
	X(IKE_TRUNC,       128, "ike_trunc",       "IKE message shorter than its 28-octet header") \
	X(IKE_VERSION,     129, "ike_version",     "IKE header: major version is not 2 (IKE-05)") \
	X(IKE_LEN,         130, "ike_len",         "IKE header: Length disagrees with the octets present") \
	X(IKE_EXCHANGE,    131, "ike_exchange",    "IKE header: unknown Exchange Type") \
	X(IKE_PL_TRUNC,    132, "ike_pl_trunc",    "IKE payload header runs past the end of the message") \
	X(IKE_PL_LEN,      133, "ike_pl_len",      "IKE payload: Payload Length below its header and fixed fields") \
	X(IKE_PL_OVERRUN,  134, "ike_pl_overrun",  "IKE payload runs past the end of the message") \
	X(IKE_PL_TRAILING, 135, "ike_pl_trailing", "octets after the last IKE payload (Next Payload 0)") \
	X(IKE_PL_CRITICAL, 136, "ike_pl_critical", "unknown IKE payload with the critical bit set (UNSUPPORTED_CRITICAL_PAYLOAD, IKE-05)") \
	X(IKE_PL_MAX,      137, "ike_pl_max",      "more IKE payloads than the decoder keeps (64)") \
	X(IKE_SK_NOT_LAST, 138, "ike_sk_not_last", "Encrypted (SK/SKF) payload is not the last payload (RFC 7296 3.14, RFC 7383 2.5)") \
	X(IKE_SA_EMPTY,    139, "ike_sa_empty",    "SA payload without a proposal") \
	X(IKE_PROP_LAST,   140, "ike_prop_last",   "Proposal: Last Substruc is not 0 on the last proposal and 2 on the others") \
	X(IKE_PROP_LEN,    141, "ike_prop_len",    "Proposal Length below its fixed fields or past the SA payload") \
	X(IKE_PROP_NUM,    142, "ike_prop_num",    "Proposal Num: the first is not 1 or one is not the previous plus 1 (RFC 7296 3.3.1)") \
	X(IKE_PROP_PROTO,  143, "ike_prop_proto",  "Proposal: unknown Protocol ID") \
	X(IKE_PROP_SPI,    144, "ike_prop_spi",    "Proposal: SPI Size wrong for its Protocol ID (RFC 7296 3.3.1)") \
	X(IKE_PROP_MAX,    145, "ike_prop_max",    "more proposals than the decoder keeps (16)") \
	X(IKE_XF_LAST,     146, "ike_xf_last",     "Transform: Last Substruc is not 0 on the last transform and 3 on the others") \
	X(IKE_XF_LEN,      147, "ike_xf_len",      "Transform Length below 8 or past its proposal") \
	X(IKE_XF_COUNT,    148, "ike_xf_count",    "Proposal: Num Transforms disagrees with the transforms present") \
	X(IKE_XF_MAX,      149, "ike_xf_max",      "more transforms in a proposal than the decoder keeps (64)") \
	X(IKE_ATTR_LEN,    150, "ike_attr_len",    "transform attribute runs past its transform") \
	X(IKE_ATTR_FORMAT, 151, "ike_attr_format", "Key Length attribute not in TV format (RFC 7296 3.3.5)") \
	X(IKE_KE_LEN,      152, "ike_ke_len",      "KE: Key Exchange Data length wrong for its group (RFC 5903 7, RFC 8031 3.1)") \
	X(IKE_ID_LEN,      153, "ike_id_len",      "ID: address identity of the wrong length") \
	X(IKE_NONCE_LEN,   154, "ike_nonce_len",   "Nonce: length outside 16..256 octets (IKE-09)") \
	X(IKE_N_SPI,       155, "ike_n_spi",       "Notify: SPI Size not 0, 4 or 8, or past the payload") \
	X(IKE_DEL_PROTO,   156, "ike_del_proto",   "Delete: unknown Protocol ID") \
	X(IKE_DEL_SPI,     157, "ike_del_spi",     "Delete: SPI Size or Num of SPIs disagrees with the protocol or the payload") \
	X(IKE_TS_COUNT,    158, "ike_ts_count",    "Traffic Selector: Number of TSs is 0 or disagrees with the selectors present") \
	X(IKE_TS_TYPE,     159, "ike_ts_type",     "Traffic Selector: unknown TS Type") \
	X(IKE_TS_LEN,      160, "ike_ts_len",      "Traffic Selector: Selector Length wrong for its TS Type or past the payload") \
	X(IKE_TS_RANGE,    161, "ike_ts_range",    "Traffic Selector: start above end (ports other than OPAQUE 65535..0, IKE-18)") \
	X(IKE_TS_MAX,      162, "ike_ts_max",      "more traffic selectors than the decoder keeps (3)") \
	X(IKE_CP_TYPE,     163, "ike_cp_type",     "Configuration: unknown CFG Type") \
	X(IKE_CP_ATTR,     164, "ike_cp_attr",     "Configuration attribute runs past the payload") \
	X(IKE_CP_LEN,      165, "ike_cp_len",      "Configuration attribute: wrong Length for its type (RFC 7296 3.15.1, RFC 5026 8.2)") \
	X(IKE_CP_MAX,      166, "ike_cp_max",      "more configuration attributes than the decoder keeps (32)") \
	X(IKE_EAP_LEN,     167, "ike_eap_len",     "EAP: Length disagrees with the payload") \
	X(IKE_EAP_CODE,    168, "ike_eap_code",    "EAP: unknown Code") \
	X(IKE_SKF_NUM,     169, "ike_skf_num",     "Encrypted Fragment: Fragment Number or Total Fragments is 0, or Number above Total (IKE-23)") \
	X(IKE_SK_NESTED,   170, "ike_sk_nested",   "Encrypted (SK/SKF) payload inside an Encrypted payload") \
	X(IKE_SK_LEN,      171, "ike_sk_len",      "Encrypted payload: shorter than IV and ICV, or not whole cipher blocks") \
	X(IKE_SK_PAD,      172, "ike_sk_pad",      "Encrypted payload: Pad Length exceeds the decrypted content") \
	X(IKE_ICV,         173, "ike_icv",         "Encrypted payload: integrity check failed") \
	X(IKE_FRAG_TOTAL,  174, "ike_frag_total",  "fragment with a smaller Total Fragments than the reassembly in progress (RFC 7383 2.6)") \
	X(IKE_FRAG_DUP,    175, "ike_frag_dup",    "fragment already received (replay, RFC 7383 2.6.1)") \
	X(IKE_FRAG_MSGID,  176, "ike_frag_msgid",  "fragment of another message than the one being reassembled") \
	X(IKE_FRAG_MAX,    177, "ike_frag_max",    "Total Fragments above what the reassembler keeps (64)") \
	X(IKE_FRAG_SPACE,  178, "ike_frag_space",  "reassembled content larger than the reassembly buffer") \
	X(IKE_GROUP,       179, "ike_group",       "unsupported key exchange group") \
	X(IKE_KE_VALUE,    180, "ike_ke_value",    "peer's key exchange value fails the RFC 6989 / RFC 8031 checks (IKE-22)") \
	X(IKE_PRF_PLUS,    181, "ike_prf_plus",    "prf+ asked for more than 255 blocks (IKE-10)") \
	X(IKE_AUTH,        182, "ike_auth",        "AUTH payload does not verify (AUTHENTICATION_FAILED, IKE-19)") \
	X(IKE_UNEXPECTED,  183, "ike_unexpected",  "IKE message not expected in this state or with this Message ID (IKE-01)") \
	X(IKE_SPI,         184, "ike_spi",         "IKE message for another IKE SA (SPIs, IKE-06)") \
	X(IKE_MISSING,     185, "ike_missing",     "IKE message without a payload its exchange requires") \
	X(IKE_NO_PROPOSAL, 186, "ike_no_proposal", "no acceptable proposal (NO_PROPOSAL_CHOSEN, IKE-08)") \
	X(IKE_PEER_ID,     187, "ike_peer_id",     "peer identity is not the configured one") \
	X(IKE_TS,          188, "ike_ts",          "traffic selectors not acceptable (TS_UNACCEPTABLE, IKE-17)") \
	X(IKE_PEER_ERROR,  189, "ike_peer_error",  "peer answered with an error notification") \
	/* IKEv2 exchanges on an established SA, cookies: 192..223 */ \
	X(IKE_MSGID,       192, "ike_msgid",       "IKE message with a Message ID outside the window (IKE-01, IKE-04)") \
	X(IKE_CHILD_GONE,  193, "ike_child_gone",  "IKE request for a Child SA this IKE SA does not have (CHILD_SA_NOT_FOUND)") \
	X(IKE_COOKIE,      194, "ike_cookie",      "IKE_SA_INIT answered with a COOKIE under half-open load (IKE-06)") \
	/* IKEv2 certificate authentication: 195.. */ \
	X(IKE_CERT,        195, "ike_cert",        "peer certificate does not chain to the configured CA, or is not valid at this time") \
	X(IKE_CERT_ID,     196, "ike_cert_id",     "peer identity (IDi/IDr) is not in its certificate (4877-08)") \
	X(IKE_CERT_PARSE,  197, "ike_cert_parse",  "certificate or private key does not parse (PEM/DER; encrypted keys are refused)") \
	X(IKE_KEY_MISMATCH,198, "ike_key_mismatch","private key is not the certificate's") \
	X(IKE_KEY_TYPE,    199, "ike_key_type",    "unsupported key type (RSA >= 2048 bits, ECDSA P-256/P-384, Ed25519)") \
	X(IKE_SIG_METHOD,  200, "ike_sig_method",  "AUTH method unfit for the key, or an unknown signature algorithm (RFC 7427)") \
	/* MOBIKE: 200.. */ \
	X(IKE_NAT,         201, "ike_nat",         "NO_NATS_ALLOWED does not match the IP header (UNEXPECTED_NAT_DETECTED, MK-09)") \
	X(IKE_NO_ADDRESS,  202, "ike_no_address",  "no home address assigned in IKE_AUTH (INTERNAL_ADDRESS_FAILURE, 4877-12)") \
	/* IKE fragmentation on an IKE SA: 210.. */ \
	X(IKE_FRAG_OFF,    210, "ike_frag_off",    "IKE fragment on an IKE SA without fragmentation negotiated (RFC 7383 2.3, IKE-23)")

/* Each code has a fixed number (M6_E_x = M6_E_FIRST_ + n): logs, JSON
 * event files and counters written by one version keep their meaning in
 * the next. Numbers are never reused; a duplicate number is a build error
 * (-Woverride-init in the table of m6_err.c). */
#define M6_E_SPAN 256
enum m6_err {
	M6_OK = 0,
	M6_E_FIRST_ = -1000,
#define M6_X(name, n, id, text) M6_E_##name = M6_E_FIRST_ + (n),
	M6_ERR_LIST(M6_X)
#undef M6_X
	M6_E_LAST_ = M6_E_FIRST_ + M6_E_SPAN
};

/* Reason text for a code (0 gives "ok"); unknown codes give "unknown error". */
const char *m6_strerror(int err);
/* Short stable identifier ("mh_checksum"), used as the JSON error prefix. */
const char *m6_errid(int err);
/* A code that has a number in the table (numbers may have gaps). */
bool m6_err_known(int err);

struct m6_diag {
	int code;       /* M6_E_* */
	uint32_t off;   /* byte offset of the faulty field within the packet */
};

#define M6_DIAG_MAX 16

struct m6_diags {
	unsigned n;                 /* number recorded (<= M6_DIAG_MAX) */
	unsigned dropped;           /* further diagnostics that did not fit */
	struct m6_diag d[M6_DIAG_MAX];
};

static inline void m6_diags_init(struct m6_diags *ds) { ds->n = 0; ds->dropped = 0; }
void m6_diag_add(struct m6_diags *ds, int code, size_t off);
bool m6_diags_has(const struct m6_diags *ds, int code);

#endif
