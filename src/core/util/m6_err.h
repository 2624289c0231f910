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
#ifndef M6_ERR_H
#define M6_ERR_H

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
	X(FORMER_COA,      77, "former_coa",      "clear reverse-tunnelled packet from a former care-of address of a mobile node whose binding is gone")

/* Each code has a fixed number (M6_E_x = M6_E_FIRST_ + n): logs, JSON
 * event files and counters written by one version keep their meaning in
 * the next. Numbers are never reused; a duplicate number is a build error
 * (-Woverride-init in the table of m6_err.c). */
#define M6_E_SPAN 192
enum m6_err {
	M6_OK = 0,
	M6_E_FIRST_ = -1000,
#define M6_X(name, n, id, text) M6_E_##name = M6_E_FIRST_ + (n),
	M6_ERR_LIST(M6_X)
#undef M6_X
	M6_E_LAST_ = M6_E_FIRST_ + M6_E_SPAN
};

/* The highest number in the list (a union's size is its largest member's):
 * a table indexed by code needs no more rows. */
union m6_err_numbers_ {
#define M6_X(name, n, id, text) char name[n];
	M6_ERR_LIST(M6_X)
#undef M6_X
};
#define M6_E_NUM_MAX (sizeof(union m6_err_numbers_))

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
