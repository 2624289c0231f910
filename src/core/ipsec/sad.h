/*
 * sad — the Security Association Database (RFC 4301 4.4.2).
 *
 * Contract: SAs are stored by value in a table sized at creation; inbound
 * lookup is by (SPI, protocol) in O(1) (SAD-01), outbound SAs are found by
 * the policy id that asked for them. SPI 0 and 1..255 are refused
 * (reserved). sad_charge() accounts a packet and moves the SA through soft
 * and hard expiry (time, bytes, packets; SAD-03), reporting the transition
 * so the key manager can rekey; sad_age() does the time-based part.
 * Removing an SA wipes its keys. No allocation after sad_new() but, when
 * an SA is added, a large replay window's bitmap and the lifetimes of an SA
 * that has limits.
 *
 * Structure: SAs live in a slot array sized at sad_new(); an open-addressed
 * index (linear probing, at most half full, backward-shift deletion) maps
 * (SPI, proto, direction) to a slot, so an inbound SA and an outbound SA may
 * share an SPI; SAs are also chained by spd_id (both directions), and by
 * spd_id and the lower bound of their remote selector (the per-peer SAs of
 * one policy template). Lookups are O(1) expected and never return a DEAD
 * SA.
 *
 * Lifetimes (SAD-03): a packet is refused, and the SA becomes DEAD
 * (SAD_EV_HARD), when it would take the SA past a hard limit: hard_ns
 * elapsed since installation, more than hard_bytes octets, or more than
 * hard_packets packets. A packet that fits is counted; when the counters
 * (or the age) reach a soft limit the SA becomes SOFT_EXPIRED (SAD_EV_SOFT)
 * and stays usable. Each event is reported once; a step that passes both
 * limits at once reports only SAD_EV_HARD. A limit of 0 means none.
 */
#ifndef MIP6SEC_SAD_H
#define MIP6SEC_SAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sa.h"

struct sad;

struct sad *sad_new(size_t capacity);
void sad_free(struct sad *d);
/* Install a copy of sa (its xf must already be initialised; the SAD takes
 * ownership of the transform, on success only). The copy starts MATURE with
 * added_ns = now; an inbound SA completes a larval one of the same key. A
 * replay window over REPLAY_WINDOW_INLINE packets gets its own bitmap
 * (copied from sa's if it has one attached, else empty), freed with the SA.
 * Returns a pointer stable until removal, or NULL with *err
 * (err may be NULL): M6_E_SPI_RESERVED for SPI 0..255, M6_E_INVAL (proto not
 * ESP/AH, soft limit above hard), M6_E_EXISTS for the same (SPI, proto,
 * direction), M6_E_FULL, M6_E_NOMEM (that bitmap, or the SA's copy of
 * sa->life, made only when a limit is set). */
struct ipsec_sa *sad_add(struct sad *d, const struct ipsec_sa *sa, uint64_t now, int *err);
/* Hold an inbound SPI for an SA being negotiated (RFC 4301 larval SA): it
 * matches no packet (sad_lookup_in ignores it) until sad_add() completes
 * it with the same SPI and protocol. 0, or sad_add()'s errors. */
int sad_reserve(struct sad *d, uint32_t spi, uint8_t proto, uint64_t now);
/* The SA with this key in any state (larval and dead included), or NULL. */
struct ipsec_sa *sad_find(struct sad *d, uint32_t spi, uint8_t proto, bool inbound);
/* Wipes the keys (m6_xform_clear) and the slot; 0 or M6_E_NOTFOUND. */
int sad_remove(struct sad *d, uint32_t spi, uint8_t proto, bool inbound);
struct ipsec_sa *sad_lookup_in(struct sad *d, uint32_t spi, uint8_t proto);
/* The live outbound SA for a policy, or NULL (then: ACQUIRE). With several
 * (during a rekey) a MATURE one is preferred to a SOFT_EXPIRED one, then the
 * most recently added. */
struct ipsec_sa *sad_lookup_out(struct sad *d, uint32_t spd_id);
/* As sad_lookup_out() among the SAs whose selectors cover the flow (RFC
 * 4301 4.4.1, 5.1: a policy whose SAs are made per peer, e.g. a home
 * agent's "BA to any" with one IKE-keyed SA per mobile node, must send
 * each packet on its own peer's SA, never on another's). */
struct ipsec_sa *sad_lookup_out_flow(struct sad *d, uint32_t spd_id, const struct ipsec_flow *f);
/* The same among the outbound SAs of a per-peer policy
 * (spd_protect.per_peer) whose remote selector is exactly the address
 * remote: a home agent's one template for all its mobile nodes, each with
 * its own SA. O(1) expected however many SAs the policy has. */
struct ipsec_sa *sad_lookup_out_peer(struct sad *d, uint32_t spd_id, const uint8_t remote[16]);
/* The same among the inbound SAs of an inbound policy. */
struct ipsec_sa *sad_lookup_in_policy(struct sad *d, uint32_t spd_id);
size_t sad_count(const struct sad *d);
/* Iterate over all SAs (i = 0 .. capacity-1, NULL for empty slots). */
struct ipsec_sa *sad_slot(struct sad *d, size_t i);
size_t sad_capacity(const struct sad *d);

enum sad_event { SAD_EV_NONE = 0, SAD_EV_SOFT, SAD_EV_HARD };
/* Account one packet of len octets before it is sent, or once its ICV has
 * been verified; returns the expiry event it caused. The packet may be
 * processed only if sad_sa_usable() holds afterwards (else M6_E_SA_EXPIRED). */
enum sad_event sad_charge(struct ipsec_sa *sa, size_t len, uint64_t now);
/* Time-based expiry of one SA (for a periodic sweep over sad_slot()). */
enum sad_event sad_age(struct ipsec_sa *sa, uint64_t now);

static inline bool sad_sa_usable(const struct ipsec_sa *sa)
{
	return sa->state == SA_MATURE || sa->state == SA_SOFT_EXPIRED;
}

#endif
