/*
 * m6_event — what a node tells its driver happened: the line of the
 * simulator's timeline, the JSON event log, the ladder diagram, the
 * daemon's log and the tests' expectations all come from these.
 *
 * Contract: events are plain data, copied by the receiver. `node` is the
 * emitting node's name; peer/addr fields are zero when unused; `code` holds
 * a status, sequence number or M6_E_* reason depending on the type.
 */
#ifndef MIP6SEC_M6_EVENT_H
#define MIP6SEC_M6_EVENT_H

#include <stdint.h>

enum m6_ev_type {
	M6_EV_NONE = 0,
	/* movement and addresses (MN) */
	M6_EV_MOVED,            /* addr = new care-of address (or home address when home) */
	M6_EV_RETURNED_HOME,
	/* binding signalling */
	M6_EV_BU_SENT,          /* peer = HA/CN, addr = care-of, code = seq, u32 = lifetime s */
	M6_EV_BU_RETRANSMIT,    /* same, u32 = timeout ms that expired */
	M6_EV_BU_RECEIVED,      /* peer = sender HoA, addr = care-of, code = seq */
	M6_EV_BA_SENT,          /* peer = HoA, code = status, u32 = lifetime s */
	M6_EV_BA_RECEIVED,      /* peer = HA/CN, code = status */
	M6_EV_BE_SENT,          /* peer = dst, code = BE status */
	M6_EV_BE_RECEIVED,
	M6_EV_BRR_SENT,
	M6_EV_BRR_RECEIVED,
	M6_EV_BINDING_ADDED,    /* binding cache (HA/CN) or BUL (MN): peer = HoA, addr = CoA, u32 = lifetime s */
	M6_EV_BINDING_UPDATED,
	M6_EV_BINDING_DELETED,
	M6_EV_BINDING_EXPIRED,
	/* return routability */
	M6_EV_RR_STARTED,       /* peer = CN */
	M6_EV_RR_DONE,
	M6_EV_HOTI_SENT, M6_EV_COTI_SENT, M6_EV_HOT_SENT, M6_EV_COT_SENT,
	/* data path */
	M6_EV_TUNNEL_ENCAP,     /* addr = outer dst */
	M6_EV_TUNNEL_DECAP,
	M6_EV_DELIVERED,        /* traffic reached its application */
	/* security */
	M6_EV_DROP,             /* code = M6_E_* reason, text = detail */
	M6_EV_SA_ACQUIRE,       /* u32 = policy id */
	M6_EV_SA_EXPIRE,        /* u32 = SPI, code = 1 soft / 2 hard */
	/* neighbour discovery on the home link */
	M6_EV_DAD_STARTED, M6_EV_DAD_FAILED, M6_EV_PROXY_NA,
	/* home agent and prefix discovery (RFC 6275 10.5, 10.6, 11.4) */
	M6_EV_DHAAD_SENT,       /* MN: request, peer = anycast address, code = identifier, u32 = expired timeout ms */
	M6_EV_HA_DISCOVERED,    /* MN: peer = the home agent chosen, u32 = addresses in the reply */
	M6_EV_DHAAD_REPLIED,    /* HA: peer = requester, u32 = addresses in the reply */
	M6_EV_MPS_SENT,         /* MN: peer = HA, code = identifier, u32 = expired timeout ms */
	M6_EV_MPA_SENT,         /* HA: peer = HoA, addr = destination, code = 1 solicited / 0 not, u32 = prefixes */
	M6_EV_MPA_RECEIVED,     /* MN: accepted, peer = HA, u32 = prefixes */
	M6_EV_HOA_CHANGED,      /* MN: peer = old home address, addr = new one */
	M6_EV_HA_LIST,          /* HA: Home Agents List entry, peer = its RA source, addr = global address,
				   code = preference, u32 = lifetime s (0: removed) */
	M6_EV_HOME_PREFIX,      /* HA: a home link prefix is new or changed, addr = prefix, code = length,
				   u32 = valid lifetime s */
	M6_EV_IKE_UP,           /* an IKE SA established: peer = its peer's address, addr = ours */
	M6_EV_IKE_MOVED,        /* MOBIKE: an IKE SA moved, peer = its peer's address, addr = ours */
	M6_EV_TYPE_COUNT
};

struct m6_event {
	uint64_t time;          /* ns */
	enum m6_ev_type type;
	const char *node;
	uint8_t peer[16];
	uint8_t addr[16];
	int32_t code;
	uint32_t u32;
	char text[96];
};

/* Short stable name ("bu_sent") for logs and scenario expectations. */
const char *m6_ev_name(enum m6_ev_type t);

#endif
