/*
 * test_ike_ends — two ike_sa instances for the IKE unit tests (the initial
 * exchanges, and the exchanges on an established IKE SA): a mobile node and
 * its home agent with BU/BA selectors and a seeded generator per end, an
 * IKE_SA_INIT + IKE_AUTH to start from, and message passing by hand.
 */
#ifndef MIP6SEC_TEST_IKE_ENDS_H
#define MIP6SEC_TEST_IKE_ENDS_H

#include "tu.h"
#include "ike/ike_sa.h"

struct seeded {
	uint8_t tag;
	uint32_t n;
};

static inline void seeded_rng(void *ctx, uint8_t *out, size_t len)
{
	struct seeded *s = ctx;
	for (size_t i = 0; i < len; i++) {
		s->n = s->n * 1103515245u + 12345u + s->tag;
		out[i] = (uint8_t)(s->n >> 16);
	}
}

static const uint8_t psk[] = "mip6sec test pre-shared key: sixty-four octets or more of text...";
static const uint8_t id_mn[] = "mn.example.org", id_ha[] = "ha.example.org";

struct ends {
	struct seeded ri, rr;
	struct ike_sa_cfg ci, cr;
	struct ike_sa i, r;
	uint8_t a[IKE_SA_MSG_MAX], b[IKE_SA_MSG_MAX];
	size_t al, bl;
	uint32_t next_spi_i, next_spi_r;       /* the SADs' next inbound SPIs */
};

static inline int alloc_spi(void *ctx, uint32_t *spi)
{
	uint32_t *next = ctx;
	*spi = (*next)++;
	return 0;
}

static inline void ts6(struct ike_ts_list *l, const char *from, const char *to, uint8_t proto, uint16_t sp,
		uint16_t ep)
{
	struct ike_ts *t = &l->ts[l->n++];
	memset(t, 0, sizeof(*t));
	t->type = IKE_TS_IPV6_ADDR_RANGE;
	t->proto = proto;
	t->start_port = sp;
	t->end_port = ep;
	tu_addr(from, t->start);
	tu_addr(to, t->end);
}

static inline void setup(struct ends *e, struct ike_suite s)
{
	memset(e, 0, sizeof(*e));
	e->ri.tag = 1;
	e->rr.tag = 2;
	struct ike_sa_cfg *c[2] = { &e->ci, &e->cr };
	for (int k = 0; k < 2; k++) {
		c[k]->ike[0] = s;
		c[k]->n_ike = 1;
		c[k]->esp = (struct ike_child_alg){ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, false, false };
		c[k]->psk = psk;
		c[k]->psk_len = sizeof(psk) - 1;
		c[k]->id_type = IKE_ID_FQDN;
		c[k]->peer_id_type = IKE_ID_FQDN;
	}
	e->ci.rng = (struct ike_rng){ seeded_rng, &e->ri };
	e->cr.rng = (struct ike_rng){ seeded_rng, &e->rr };
	e->ci.id = id_mn;
	e->ci.id_len = sizeof(id_mn) - 1;
	e->ci.peer_id = id_ha;
	e->ci.peer_id_len = sizeof(id_ha) - 1;
	e->cr.id = id_ha;
	e->cr.id_len = sizeof(id_ha) - 1;
	e->cr.peer_id = id_mn;
	e->cr.peer_id_len = sizeof(id_mn) - 1;
	e->ci.esp_spi = 0xc0000001;
	e->cr.esp_spi = 0xd0000001;
	e->next_spi_i = 0xc0000010;
	e->next_spi_r = 0xd0000010;
	e->ci.alloc_spi = alloc_spi;
	e->ci.spi_ctx = &e->next_spi_i;
	e->cr.alloc_spi = alloc_spi;
	e->cr.spi_ctx = &e->next_spi_r;
	/* BU and BA between the home address and the HA */
	ts6(&e->ci.tsi, TU_HOA, TU_HOA, 135, 0x0500, 0x0500);
	ts6(&e->ci.tsr, TU_HA, TU_HA, 135, 0x0600, 0x0600);
	ts6(&e->cr.tsi, "2001:db8:1::", "2001:db8:1::ffff", 135, 0, 65535);
	ts6(&e->cr.tsr, TU_HA, TU_HA, 135, 0, 65535);
}

static const struct ike_suite gcm_x25519 = { IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256,
					     IKE_INTEG_NONE, IKE_DH_X25519 };

/* Message to the responder, its answer in e->b. */
static inline int to_r(struct ends *e)
{
	return ike_sa_input(&e->r, e->a, e->al, e->b, sizeof(e->b), &e->bl);
}

static inline int to_i(struct ends *e)
{
	return ike_sa_input(&e->i, e->b, e->bl, e->a, sizeof(e->a), &e->al);
}

static inline void handshake(struct ends *e)
{
	assert_int_equal(ike_sa_start(&e->i, &e->ci, e->a, sizeof(e->a), &e->al), 0);
	ike_sa_respond(&e->r, &e->cr);
	assert_int_equal(to_r(e), 0);
	assert_int_equal(to_i(e), 0);
	assert_int_equal(to_r(e), 0);
	assert_int_equal(to_i(e), 0);
	assert_int_equal(e->al, 0);
}

/* Deliver msg to sa; its answer (or next request) into out. */
static inline int deliver(struct ike_sa *sa, const uint8_t *msg, size_t len, uint8_t *out, size_t *ol)
{
	static uint8_t copy[IKE_SA_MSG_MAX];
	memcpy(copy, msg, len);        /* decrypted in place: the sender keeps its octets */
	return ike_sa_input(sa, copy, len, out, IKE_SA_MSG_MAX, ol);
}

/* Open a copy of a message with the receiver's keys and parse it, inner
 * payloads included (the sender keeps its octets). */
static inline void ends_peek(const struct ike_sa *rx, const uint8_t *msg, size_t len, struct ike_msg *m,
			     uint8_t *copy)
{
	struct m6_diags ds;
	size_t po, pol;
	memcpy(copy, msg, len);
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(copy, len, m, &ds, 0), 0);
	assert_int_equal(ike_sk_open(&rx->sk, copy, len, m, &po, &pol), 0);
	assert_int_equal(ike_msg_parse_inner(m, copy + po, pol, m->sk_np, &ds, po), 0);
}

/* The events of the last call, of one type. */
static inline unsigned n_ev(const struct ike_sa *sa, uint8_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < sa->n_ev; i++)
		n += sa->ev[i].type == type;
	return n;
}

static inline const struct ike_ev *ev_of(const struct ike_sa *sa, uint8_t type)
{
	for (unsigned i = 0; i < sa->n_ev; i++)
		if (sa->ev[i].type == type)
			return &sa->ev[i];
	return NULL;
}

static inline unsigned n_children(const struct ike_sa *sa)
{
	unsigned n = 0;
	for (unsigned i = 0; i < IKE_SA_CHILD_MAX; i++)
		n += sa->ch[i].used;
	return n;
}

/* The same Child SA at both ends: SPIs crossed, keys the same, each end
 * sending with the keys the other receives with (IKE-13). */
static inline void assert_child_pair(const struct ike_child *x, const struct ike_child *y)
{
	assert_int_equal(x->spi_in, y->spi_out);
	assert_int_equal(x->spi_out, y->spi_in);
	assert_true(x->ours != y->ours);
	assert_int_equal(x->keys.e_len, y->keys.e_len);
	assert_memory_equal(x->keys.ei, y->keys.ei, x->keys.e_len);
	assert_memory_equal(x->keys.er, y->keys.er, x->keys.e_len);
	assert_memory_equal(x->keys.ai, y->keys.ai, x->keys.a_len);
	assert_memory_equal(x->keys.ar, y->keys.ar, x->keys.a_len);
	assert_memory_not_equal(x->keys.ei, x->keys.er, x->keys.e_len);
}

#endif
