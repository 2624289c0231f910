/*
 * bits — IPsec as a bump in the stack: the outbound and inbound packet
 * pipelines over the SPD, SAD and PAD, for both Mobile IPv6 protection
 * models.
 *
 * Contract: packets are seen in their wire form (care-of source with a
 * Home Address option, care-of destination with a type 2 Routing header).
 * The model decides which addresses stand for the endpoints in policy
 * lookups and selector checks: SA_MODEL_NORMALISE uses the home address
 * from the HAO / RH2 (RFC 3776, INT-01), SA_MODEL_TRUE_ADDR the wire
 * addresses. Outbound the node's model applies; inbound the SA's own model
 * applies (the SPI finds the SA, the SA says how addresses are treated).
 * After decryption every SA of the true-address model runs the Home
 * Address post-check: a Mobility Header packet whose HAO is not a home
 * address the SA's peer is authorised for (PAD) is dropped. Forwarded
 * packets use wire addresses unless normalise_forwarded is set (the
 * thread's naive gateway, kept to demonstrate the attack).
 * ICMPv6 errors (ICMP-01, RFC 4301 6.2): one that arrives on an SA whose
 * selectors its own headers do not match is admitted only if the packet it
 * quotes, source and destination reversed, is traffic of that SA; an
 * outbound error that no policy allows is sent on the SA of the traffic it
 * answers, or dropped. Which unauthenticated errors are accepted is policy:
 * SPD entries with ICMPv6 type selectors.
 * Fail closed: PROTECT without a usable SA drops the packet and queues an
 * ACQUIRE event; nothing is ever sent in clear for a PROTECT policy. Every
 * drop returns its reason and increments its counter; SA lifetime
 * transitions queue SOFT/HARD events for the key manager.
 * Nothing allocates per packet; pbufs need esp/ah head- and tailroom.
 */
#ifndef MIP6SEC_BITS_H
#define MIP6SEC_BITS_H

#include <stdbool.h>
#include <stdint.h>

#include "../pkt/pbuf.h"
#include "../util/m6_err.h"
#include "pad.h"
#include "sad.h"
#include "spd.h"

struct bits_cfg {
	enum sa_model model;          /* how this node's own traffic is matched */
	bool normalise_forwarded;     /* also normalise forwarded packets (unsafe) */
};

enum bits_event_type { BITS_EV_ACQUIRE = 1, BITS_EV_SOFT_EXPIRE, BITS_EV_HARD_EXPIRE };

struct bits_event {
	enum bits_event_type type;
	uint32_t spd_id;              /* ACQUIRE: the policy without an SA */
	uint32_t spi;                 /* EXPIRE: the SA */
	uint8_t proto;
	bool inbound;
	struct ipsec_flow flow;       /* ACQUIRE: the packet that needed it */
};

/* The node takes the events after every packet, and one packet raises at
 * most a few (one ACQUIRE, an expiry per SA it used). */
#define BITS_EVQ_LEN 4
/* One counter per error number up to the highest below the IKE range
 * (128 and up: what src/core/ike gives, never the pipeline), not per
 * number the span allows: every node has these. A union's size is its
 * largest member's. */
#define BITS_IKE_FIRST 128
union bits_reason_numbers_ {
#define M6_X(name, n, id, text) char bits_n_##name[(n) < BITS_IKE_FIRST ? (n) : 1];
	M6_ERR_LIST(M6_X)
#undef M6_X
};
#define BITS_NREASONS (sizeof(union bits_reason_numbers_))

struct bits_stats {
	uint64_t out_protected, out_bypass, in_protected, in_bypass;
	uint64_t in_icmp_by_quote;       /* ICMP-01: errors admitted by the packet they quote */
	uint64_t out_icmp_reverse_sa;    /* ICMP-01: errors sent on the reverse traffic's SA */
	uint64_t drops_total;            /* every drop, whatever its reason */
	/* Per reason, indexed by bits_reason_index(): BITS_NREASONS counters
	 * (840 octets) made at the first drop, so the many nodes of a large
	 * simulation that never drop anything do not carry them. NULL: no
	 * drop yet, or no memory for them (drops_total still counts). */
	uint64_t *drops;
	uint64_t events_lost;
};

struct bits_result {
	int reason;                      /* 0 = pass, else the M6_E_* drop reason */
	const struct spd_entry *policy;  /* matching policy, if any */
	struct ipsec_sa *sa;             /* SA applied or found, if any */
};

struct bits {
	struct bits_cfg cfg;
	struct spd *spd;
	struct sad *sad;
	struct pad *pad;
	struct bits_stats st;
	size_t n_follow;              /* SAs with follow_binding added (none: no lookups for them) */
	bool km_tunnel;               /* the key manager makes such SAs: a tunnel-mode policy
				       * without one yet is the unbound tunnel interface */
	/* made at the first event (most nodes never raise one: a node's
	 * manually keyed SAs never ask for ACQUIRE or expire) */
	struct bits_event *evq;       /* BITS_EVQ_LEN of them, or NULL */
	unsigned ev_head, ev_n;
};

void bits_init(struct bits *b, const struct bits_cfg *cfg, struct spd *spd, struct sad *sad, struct pad *pad);
/* Count a drop the node decided on a packet the pipeline let through
 * (the node's own rules); returns reason. */
int bits_note_drop(struct bits *b, int reason);
/* Frees the per-reason counters (the tables are the caller's). */
void bits_fini(struct bits *b);
/* Both return 0 when the packet goes on (pb then holds what to send /
 * deliver: for an inbound tunnel SA, the inner packet), or the negative
 * drop reason. r may be NULL. */
int bits_output(struct bits *b, struct pbuf *pb, bool forwarded, uint64_t now, struct bits_result *r);
int bits_input(struct bits *b, struct pbuf *pb, bool forwarded, uint64_t now, struct bits_result *r);
/* The mobile node - home agent tunnel interface (3776-08, HA-09): SAs with
 * follow_binding and their policies apply only to packets entering that
 * tunnel, and only while bound; bits_output() and the inbound SPD pass over
 * them. bits_tunnel_selects() says whether the inner packet of a tunnel the
 * node is about to send is selected by such a policy; bits_output_tunnel()
 * then protects it (the SA adds the outer header). */
bool bits_tunnel_selects(struct bits *b, const uint8_t *pkt, size_t len);
int bits_output_tunnel(struct bits *b, struct pbuf *pb, uint64_t now, struct bits_result *r);
/* Build into `out` an ICMPv6 error from `src` about `pkt` (as it arrived,
 * wire form). The true-address model quotes it as on the wire and sends to
 * its wire source; the normalising model quotes its home-address view and
 * sends to the home address. The caller passes the result through
 * bits_output() like any packet (which sends it on the SA of the traffic it
 * answers when no policy covers it, ICMP-01). */
int bits_icmp_error(const struct bits *b, struct pbuf *out, const uint8_t src[16], uint8_t type,
		    uint8_t code, uint32_t param, const uint8_t *pkt, size_t len);
/* Pop the next event; false when none. */
bool bits_next_event(struct bits *b, struct bits_event *ev);
static inline unsigned bits_reason_index(int code) { return (unsigned)(code - M6_E_FIRST_ - 1); }
uint64_t bits_drops(const struct bits *b, int code);

#endif
