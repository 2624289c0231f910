/*
 * pad — the Peer Authorization Database (RFC 4301 4.4.3).
 *
 * Contract: an ordered list of peers, each with an identity (RFC 822
 * name with sub-tree match "@example.com", FQDN, DN, IPv6 address range,
 * key id; exact match otherwise), how it authenticates (PSK or
 * certificate), and what it may claim: its home addresses (4877-03) and
 * the address ranges of traffic selectors it may assert (PAD-01).
 * pad_match() returns the first entry whose identity matches;
 * pad_hoa_allowed() is the Home Address post-check of the true-address
 * model and the 3776-07 / 3776-13 / 4877-02 authorisation. Temporary entries
 * bind an identity to a dynamically assigned home address.
 *
 * Identity forms (the `ident` text of an entry; the peer's asserted
 * identity is always a concrete one):
 *   RFC822  "user@host" exact (local part case-sensitive, host not);
 *           "@host" or "host": any mailbox at that host (RFC 4301 4.4.3.1);
 *           ".domain": any mailbox at a host inside the domain.
 *   FQDN    "host.example.com" exact; ".example.com" any name below it
 *           (not example.com itself). Case-insensitive, a final '.' ignored.
 *   DN      exact after normalisation (spaces around separators dropped,
 *           runs of spaces collapsed, case-insensitive); "*, O=X, C=US"
 *           matches any DN that ends with the RDNs "O=X, C=US" written in
 *           the same order and has at least one RDN before them (sub-tree).
 *   KEY_ID  the octets as hex text, exact (hex case does not matter).
 *   IPV6    "addr", "lo-hi" or "prefix/len"; pad_add() parses it into
 *           ident_lo/ident_hi (caller's values are ignored).
 * Entries are kept in insertion order; pad_add() refuses an identity that is
 * already present (M6_E_EXISTS), since it could never match. Removing an
 * entry wipes its PSK, and removes the temporary entries derived from it.
 */
#ifndef MIP6SEC_PAD_H
#define MIP6SEC_PAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pad_id_type {
	PAD_ID_IPV6_ADDR = 5,     /* IKEv2 ID types */
	PAD_ID_FQDN = 2,
	PAD_ID_RFC822 = 3,
	PAD_ID_DN = 9,
	PAD_ID_KEY_ID = 11,
};

enum pad_auth { PAD_AUTH_PSK = 1, PAD_AUTH_CERT = 2 };

#define PAD_ID_MAX 256
#define PAD_HOA_MAX 8
#define PAD_RANGE_MAX 8

struct pad_range { uint8_t lo[16], hi[16]; };

struct pad_entry {
	uint32_t id;                         /* assigned by pad_add, > 0 */
	enum pad_id_type type;
	char ident[PAD_ID_MAX];              /* text form; for IPv6: "addr" or "lo-hi" or "prefix/len" */
	uint8_t ident_lo[16], ident_hi[16];  /* parsed range for PAD_ID_IPV6_ADDR */
	enum pad_auth auth;
	uint8_t psk[128];
	size_t psk_len;
	unsigned n_hoa;
	uint8_t hoa[PAD_HOA_MAX][16];        /* authorised home addresses */
	unsigned n_ranges;
	struct pad_range ts[PAD_RANGE_MAX];  /* address ranges it may assert in TS */
	bool temporary;
};

struct pad;

struct pad *pad_new(void);
void pad_free(struct pad *p);
/* Copies e; returns the id (> 0), M6_E_INVAL, M6_E_EXISTS or M6_E_FULL. */
int pad_add(struct pad *p, const struct pad_entry *e);
int pad_remove(struct pad *p, uint32_t id);
/* NULL when p has no entry id, or p is NULL (no PAD). */
const struct pad_entry *pad_get(const struct pad *p, uint32_t id);
/* Iterate in match order: i = 0 .. pad_count-1. */
size_t pad_count(const struct pad *p);
const struct pad_entry *pad_at(const struct pad *p, size_t i);
const struct pad_entry *pad_match(const struct pad *p, enum pad_id_type type, const char *ident);
const struct pad_entry *pad_match_addr(const struct pad *p, const uint8_t addr[16]);
/* hoa is one of e->hoa[] (exactly). NULL e: false. */
bool pad_hoa_allowed(const struct pad_entry *e, const uint8_t hoa[16]);
/* [lo, hi] lies inside one of e->ts[], or is exactly one of e->hoa[]. */
bool pad_ts_allowed(const struct pad_entry *e, const uint8_t lo[16], const uint8_t hi[16]);
/* Bind a dynamically assigned home address to the authenticated identity
 * `ident` (4877-03), which matched entry `id` (NULL: the entry's own ident,
 * only if that is not a group pattern). Creates a temporary entry placed
 * just before entry `id`, with its authentication data and authorisations
 * plus hoa, or adds hoa to the one made earlier for that identity; returns
 * its id. M6_E_NOTFOUND, M6_E_INVAL (ident does not match entry id, or hoa
 * is not a unicast routable address), M6_E_EXISTS (hoa is bound to another
 * identity), M6_E_FULL (PAD_HOA_MAX). Remove it with pad_remove(). */
int pad_add_temporary_hoa(struct pad *p, uint32_t id, const char *ident, const uint8_t hoa[16]);

#endif
