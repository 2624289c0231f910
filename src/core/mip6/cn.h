/*
 * cn — the correspondent node (RFC 6275 9): return routability with a
 * secret Kcn and rotating nonces, the binding cache for route-optimised
 * mobile nodes, BU verification with the Binding Authorization Data,
 * Binding Errors, and Home Address option / type 2 Routing header
 * processing.
 *
 * Contract: sans-I/O (mip6.h). cn_input_mh() answers HoTI/CoTI with
 * HoT/CoT (ignoring ones that carry a HAO, HAO-09) and verifies BUs
 * (BU-04, BU-05, BA-01, OPT-04, OPT-06). cn_output() adds an RH2 for a
 * destination with a binding (RH2-04). cn_input_hao() applies HAO-06 to a
 * received packet with a Home Address option: it returns 0 when the packet
 * may be delivered (its source then reads as the home address, HAO-08), or
 * a negative reason after sending a Binding Error status 1 (HAO-06; none
 * for HAO-05). A HAO followed by ESP, AH or a Mobility Header returns 0
 * with the packet untouched: those layers read the HAO themselves. It
 * raises no M6_EV_DROP; the caller does, with the returned reason.
 * cn_input_mh() raises M6_EV_DROP for everything it discards.
 * Only messages whose final destination is cfg.addr are answered (the CN's
 * replies come from it and the BAD covers it).
 */
#ifndef MIP6SEC_CN_H
#define MIP6SEC_CN_H

#include "bcache.h"
#include "mip6.h"

struct ip6_walk;
struct ipsec_sa;

struct cn_cfg {
	uint8_t addr[16];
	uint32_t nonce_interval_s;   /* new nonce every ...; 0 = 30 */
	unsigned nonces_kept;        /* 0 = 8 */
	size_t max_bindings;
};

struct cn;

struct cn *cn_new(const struct cn_cfg *cfg, const struct mip6_io *io, uint64_t now);
void cn_free(struct cn *cn);
void cn_input_mh(struct cn *cn, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		 const struct ipsec_sa *sa, uint64_t now);
void cn_output(struct cn *cn, const uint8_t *pkt, size_t len, uint64_t now);
int cn_input_hao(struct cn *cn, uint8_t *pkt, size_t len, const struct ip6_walk *w,
		 const struct ipsec_sa *sa, uint64_t now);
uint64_t cn_next_expiry(const struct cn *cn);
void cn_on_timer(struct cn *cn, uint64_t now);
struct bcache *cn_bcache(struct cn *cn);

#endif
