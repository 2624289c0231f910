/*
 * bul — the mobile node's Binding Update List (RFC 6275 11.1): one entry
 * per node a Binding Update goes to (the home agent, each correspondent),
 * with the retransmission back-off (TMR-01..03), the per-type rate limit
 * (MAX_UPDATE_RATE), the lifetime bookkeeping of BA-02 and the return
 * routability state of correspondent entries.
 *
 * Contract: plain data and pure helpers, no I/O; times are ns. An entry
 * keeps its peer and last sequence number after it is deleted (in_use
 * false), so a later Binding Update to the same node never reuses a
 * sequence number. The mn engine owns the protocol decisions.
 */
#ifndef MIP6SEC_BUL_H
#define MIP6SEC_BUL_H

#include <stdbool.h>
#include <stdint.h>

#include "mip6.h"
#include "rr.h"

/* Retransmission with exponential back-off up to MAX_BINDACK_TIMEOUT. */
struct bul_timer {
	uint64_t next;          /* MIP6_NEVER when idle */
	uint32_t timeout_ms;    /* the interval now running */
	unsigned tries;         /* retransmissions so far */
	bool deferred;          /* next is a rate-limited first transmission, not a timeout */
};

void bul_timer_start(struct bul_timer *t, uint32_t initial_ms, uint64_t now);
/* The interval that just expired; the next one is doubled (capped at 32 s). */
uint32_t bul_timer_expire(struct bul_timer *t, uint64_t now);
/* Postpone a first transmission to `when` without touching the back-off. */
void bul_timer_defer(struct bul_timer *t, uint64_t when);
/* The deferred transmission goes now: its interval starts running. */
void bul_timer_resume(struct bul_timer *t, uint64_t now);
void bul_timer_stop(struct bul_timer *t);
static inline bool bul_timer_running(const struct bul_timer *t) { return t->next != MIP6_NEVER; }

/* At most MAX_UPDATE_RATE messages of one type to one node per second (TMR-03). */
struct bul_rate {
	uint64_t sent[MIP6_MAX_UPDATE_RATE];
	unsigned n, i;
};

/* The earliest time (>= now) another message may go. */
uint64_t bul_rate_next(const struct bul_rate *r, uint64_t now);
void bul_rate_note(struct bul_rate *r, uint64_t now);

/* BA-02: max(L_remain - (L_update - L_ack), 0) when the BA grants less than
 * the BU asked for, else L_remain unchanged. */
uint64_t bul_ack_remaining(uint64_t l_remain_ns, uint32_t l_update_s, uint32_t l_ack_s);

/* Return routability with one correspondent (11.6). A home registration
 * never uses it, so the home entry has none: a mobile node that talks only
 * to its home agent does not carry it. */
struct bul_rr {
	bool ro_disabled;            /* the CN cannot or will not do route optimisation */
	unsigned ro_failures;        /* nonce expiries in a row (BA 136..138) */
	bool rr_running;
	bool have_home, have_coa;    /* keygen tokens received in this run */
	uint8_t home_cookie[8], coa_cookie[8];
	uint8_t home_token[RR_TOKEN_LEN], coa_token[RR_TOKEN_LEN];
	uint16_t home_nonce, coa_nonce;
	uint64_t tokens_at;          /* when the older of the two tokens arrived (RR-05) */
	uint8_t rr_coa[16];          /* the care-of address the CoTI tested */
	uint8_t kbm[RR_KBM_LEN];
	bool kbm_valid;
	struct bul_timer rr_tx;
	struct bul_rate rate_hoti, rate_coti;
};

struct bul_entry {
	bool in_use;                 /* an entry exists (BE-01, BRR checks) */
	bool home;                   /* home registration (H=1) */
	uint8_t peer[16];            /* the HA or the correspondent */
	uint8_t coa[16];             /* care-of address of the latest BU (HoA: de-registration) */
	uint16_t seq;                /* latest sequence number sent */
	uint32_t life_sent_s;        /* Lifetime of the latest BU */
	uint64_t sent_at;            /* when the latest BU went */
	uint64_t max_expiry;         /* latest end of any binding the peer may hold for us */
	bool outstanding;            /* a BU waits for its BA */
	bool acked;                  /* the peer confirmed a binding for acked_coa */
	uint8_t acked_coa[16];
	bool k;                      /* K bit of the last accepted BA (BA-03) */
	bool stopped;                /* rejected: send no more BUs until something changes (11.7.3) */
	uint64_t expires;            /* end of the confirmed binding */
	uint64_t refresh_at;         /* when to extend it, MIP6_NEVER if not planned */
	struct bul_timer tx;
	struct bul_rate rate_bu;
	struct bul_rr *rr;           /* correspondents only: NULL in the home entry */
};

/* A fresh entry for peer; seq is where its sequence numbers start; rr is
 * a correspondent's return routability state (the caller's storage, NULL
 * for the home entry). */
void bul_entry_init(struct bul_entry *e, const uint8_t peer[16], bool home, uint16_t seq, struct bul_rr *rr);
/* A correspondent entry's return routability exchange is running. */
static inline bool bul_rr_running(const struct bul_entry *e) { return e->rr && e->rr->rr_running; }
/* Forget the binding and any exchange in progress; keep peer and seq. */
void bul_entry_clear(struct bul_entry *e);
/* The entry in use whose peer is addr, or NULL. */
struct bul_entry *bul_find(struct bul_entry *tab, unsigned n, const uint8_t addr[16]);

#endif
