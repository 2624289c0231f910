/*
 * mn_int — what the files of the mobile node engine share: the engine's
 * state and the helpers one concern calls in another. Not part of the API
 * (mn.h is).
 *
 *   mn.c       life cycle, movement, home registration, the HA's messages,
 *              the data path and the timer dispatch;
 *   mn_ro.c    return routability, correspondent registration and
 *              de-registration, route optimisation failures (RFC 6275
 *              5.2.9, 11.6, 11.7.2);
 *   mn_disc.c  dynamic home agent address discovery and mobile prefix
 *              discovery (RFC 6275 11.4).
 */
#ifndef MIP6SEC_MN_INT_H
#define MIP6SEC_MN_INT_H

#include "mn.h"
#include "bul.h"

#define MN_DEFAULT_LIFETIME_S 3600
/* Room for an application packet of the node's largest size plus the
 * outer header or HAO we add in front. */
#define MN_HEADROOM 64
#define MN_BUF_LEN (MIP6_PKT_MAX + MN_HEADROOM)
_Static_assert(MN_BUF_LEN <= MIP6_SCRATCH_LEN, "the node's scratch holds what the MN builds");
#define MN_HA 0                          /* BUL slot of the home agent; CNs follow */
#define MN_HA_LIST_MAX 4                 /* home agents kept from a discovery reply */

struct mh_msg;

enum mn_where { MN_NOWHERE, MN_HOME, MN_AWAY };

/* What the engine keeps of struct mn_cfg: all of it but the
 * correspondents, whose addresses are their list entries' peers. */
struct mn_conf {
	uint8_t hoa[16];
	uint8_t home_prefix[16];
	unsigned home_plen;
	uint8_t ha[16];
	uint8_t iid[8];
	uint32_t lifetime_s;
	uint32_t first_reg_timeout_ms;
	bool k_capable;
	bool route_optimisation;
};

struct mn {
	struct mn_conf cfg;
	const struct mip6_io *io;        /* the node's (mn_new): not a copy in every engine */
	enum mn_where where;
	uint8_t coa[16];                 /* the HoA at home */
	uint64_t coa_until;              /* end of the CoA prefix's valid lifetime */
	bool have_prefix;                /* what the current link advertised */
	uint8_t prefix[16];
	unsigned plen;
	uint8_t router[16];
	bool ha_disabled;                /* BA said never to try this HoA/HA again */
	bool km_fixed;                   /* the key manager cannot move its endpoint now */
	/* dynamic home agent address discovery (11.4.1) */
	bool ha_known;                   /* cfg.ha configured or discovered */
	bool dhaad_running;
	uint16_t dhaad_ident;
	struct bul_timer dhaad_tx;
	uint8_t ha_list[MN_HA_LIST_MAX][16];
	unsigned n_ha_list, ha_index;    /* the reply's order; the one in use */
	/* mobile prefix discovery (11.4.2, 11.4.3) */
	bool mps_running;                /* a solicitation waits for its advertisement */
	uint16_t mps_ident;
	struct bul_timer mps_tx;
	uint64_t home_valid_until;       /* the home prefix's, from the last MPA; MIP6_NEVER: unknown */
	uint8_t *buf;                    /* the one packet being built: io->scratch, or own after bul */
	unsigned n_bul;
	struct bul_entry bul[];          /* n_bul */
};

static inline struct bul_entry *mn_ha_ent(struct mn *mn) { return &mn->bul[MN_HA]; }

/* ---- mn.c ---- */
void mn_ev(struct mn *mn, enum m6_ev_type t, const uint8_t *peer, const uint8_t *addr, int32_t code,
	   uint32_t u32, const char *text);
void mn_drop(struct mn *mn, int code, const uint8_t *peer, const char *text);
/* "ha <addr>" / "cn <addr>": which BUL entry an event is about, since the
 * binding events name the home address as their peer. */
void mn_ent_text(const struct bul_entry *e, char out[64]);
void mn_ent_event(struct mn *mn, const struct bul_entry *e, enum m6_ev_type t, const uint8_t *coa,
		  uint32_t life);
uint32_t mn_secs_left(uint64_t until, uint64_t now);
/* A BU Lifetime field for s seconds, never 0 (that would delete). */
uint16_t mn_life_units(uint32_t s);
void mn_send(struct mn *mn, const uint8_t *p, size_t len);
/* Away, and the HA confirmed a binding for the current care-of address. */
bool mn_registered_now(const struct mn *mn);
void mn_bu_record(struct bul_entry *e, const uint8_t coa[16], uint32_t life, uint64_t now);
void mn_bu_sent_event(struct mn *mn, const struct bul_entry *e, uint32_t expired_ms);
/* A new BU with a fresh back-off, unless the rate limit makes it wait. */
void mn_bu_start(struct mn *mn, struct bul_entry *e, uint32_t initial_ms, uint64_t now);
/* The lifetime of an accepted BA is recorded, the refresh planned (BA-02). */
void mn_ba_accepted(struct mn *mn, struct bul_entry *e, const struct mh_msg *m, uint64_t now);
/* A home registration (de-registration at home) with a fresh back-off;
 * first the home agent's address when it is not known yet. */
void mn_home_register(struct mn *mn, uint64_t now);

/* ---- mn_ro.c ---- */
/* A correspondent binding the data path may use. */
bool mn_ro_usable(const struct mn *mn, const struct bul_entry *e, uint64_t now);
void mn_ro_forget(struct mn *mn, struct bul_entry *e, const char *why);
void mn_ro_forget_all(struct mn *mn, const char *why);
/* A new care-of address: every correspondent starts over. */
void mn_ro_moved(struct mn *mn);
/* Back on the home link: nothing is route-optimised any more; remember
 * which correspondents may still hold a binding. */
void mn_ro_home(struct mn *mn, uint64_t now);
/* The home agent let go of the home address: de-register from those. */
void mn_ro_deregister_all(struct mn *mn, uint64_t now);
/* After a home registration: RR with every correspondent that needs it. */
void mn_ro_kick_all(struct mn *mn, uint64_t now);
void mn_ro_bu_send(struct mn *mn, struct bul_entry *e, uint64_t now, uint32_t expired_ms);
void mn_ro_on_test(struct mn *mn, const struct mh_msg *m, const uint8_t src[16], const uint8_t dst[16],
		   bool via_tunnel, uint64_t now);
/* BA-01/02: false when a CN's BA must be ignored (no valid BAD). */
bool mn_ro_ba_valid(const struct bul_entry *e, const uint8_t *mh, size_t mhlen, const struct mh_msg *m);
/* After an accepted BA from a CN; a de-registration clears the entry. */
void mn_ro_ba_accepted(struct mn *mn, struct bul_entry *e);
void mn_ro_ba_rejected(struct mn *mn, struct bul_entry *e, uint8_t status, uint64_t now);
void mn_ro_on_brr(struct mn *mn, struct bul_entry *e, uint64_t now);
void mn_ro_on_be(struct mn *mn, struct bul_entry *e, uint8_t status);
/* A correspondent's BU went unanswered after MAX_RO_FAILURE retries. */
void mn_ro_bu_gave_up(struct mn *mn, struct bul_entry *e);
void mn_ro_rr_timeout(struct mn *mn, struct bul_entry *e, uint64_t now);
void mn_ro_refresh(struct mn *mn, struct bul_entry *e, uint64_t now);

/* ---- mn_disc.c ---- */
void mn_disc_init(struct mn *mn);
/* Away without a home agent: ask the Home-Agents anycast address. */
void mn_disc_dhaad_start(struct mn *mn, uint64_t now);
/* TMR-02: registration with the current home agent failed; true when
 * another one from the discovery reply is being tried. */
bool mn_disc_next_ha(struct mn *mn, uint64_t now);
/* Ask the home agent for the home link's prefixes (11.4.2). */
void mn_disc_mps_start(struct mn *mn, uint64_t now);
void mn_disc_stop(struct mn *mn);
uint64_t mn_disc_next_expiry(const struct mn *mn);
void mn_disc_on_timer(struct mn *mn, uint64_t now);

#endif
