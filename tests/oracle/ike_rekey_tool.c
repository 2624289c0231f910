/*
 * ike_rekey_tool — two ike_sa ends run IKE_SA_INIT + IKE_AUTH, an IKE SA
 * rekey and Child SA rekeys (without and with PFS) against each other, and
 * print what tests/oracle/ike_rekey_oracle.py needs to redo the key
 * derivations on its own: every message as it went on the wire, the
 * initiator's DH private key of each key exchange (taken before it is
 * wiped), and the keys both ends ended with. One "name hex" pair per line.
 *
 * usage: ike_rekey_tool SUITE SEED
 *   SUITE 0: AES-GCM-16/256, PRF-HMAC-SHA2-256, X25519
 *   SUITE 1: AES-GCM-16/128, PRF-HMAC-SHA2-384, ECP-256
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_sa.h"

struct lcg {
	uint32_t n;
};

static void lcg_rng(void *ctx, uint8_t *out, size_t len)
{
	struct lcg *s = ctx;
	for (size_t i = 0; i < len; i++) {
		s->n = s->n * 1103515245u + 12345u;
		out[i] = (uint8_t)(s->n >> 16);
	}
}

static void put(const char *name, const uint8_t *p, size_t n)
{
	printf("%s ", name);
	if (!n)
		putchar('-');
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "ike_rekey_tool: %s: %d\n", what, rc);
	exit(2);
}

static uint8_t a[IKE_SA_MSG_MAX], b[IKE_SA_MSG_MAX], copy[IKE_SA_MSG_MAX];
static size_t al, bl;

/* Deliver msg (printed as name) to sa; its answer into out. */
static void pass(const char *name, struct ike_sa *sa, const uint8_t *msg, size_t len, uint8_t *out,
		 size_t *ol)
{
	put(name, msg, len);
	memcpy(copy, msg, len);
	int rc = ike_sa_input(sa, copy, len, out, IKE_SA_MSG_MAX, ol);
	if (rc)
		fail(name, rc);
}

static void keys(const char *who, const struct ike_sa *sa)
{
	char n[64];
	const struct ike_keys *k = &sa->keys;
	snprintf(n, sizeof(n), "%s.spi_i", who), put(n, sa->spi_i, 8);
	snprintf(n, sizeof(n), "%s.spi_r", who), put(n, sa->spi_r, 8);
	snprintf(n, sizeof(n), "%s.sk_d", who), put(n, k->d, k->prf_len);
	snprintf(n, sizeof(n), "%s.sk_ai", who), put(n, k->ai, k->a_len);
	snprintf(n, sizeof(n), "%s.sk_ar", who), put(n, k->ar, k->a_len);
	snprintf(n, sizeof(n), "%s.sk_ei", who), put(n, k->ei, k->e_len);
	snprintf(n, sizeof(n), "%s.sk_er", who), put(n, k->er, k->e_len);
	snprintf(n, sizeof(n), "%s.sk_pi", who), put(n, k->pi, k->prf_len);
	snprintf(n, sizeof(n), "%s.sk_pr", who), put(n, k->pr, k->prf_len);
}

static void child(const char *who, const struct ike_child *c)
{
	char n[64];
	/* in the exchange's terms: ei/ai initiator to responder */
	snprintf(n, sizeof(n), "%s.ei", who), put(n, c->keys.ei, c->keys.e_len);
	snprintf(n, sizeof(n), "%s.ai", who), put(n, c->keys.ai, c->keys.a_len);
	snprintf(n, sizeof(n), "%s.er", who), put(n, c->keys.er, c->keys.e_len);
	snprintf(n, sizeof(n), "%s.ar", who), put(n, c->keys.ar, c->keys.a_len);
}

static const struct ike_child *up(const struct ike_sa *sa)
{
	for (unsigned i = 0; i < sa->n_ev; i++)
		if (sa->ev[i].type == IKE_EV_CHILD_UP)
			return &sa->ch[sa->ev[i].child];
	fail("no Child SA", -1);
	return NULL;
}

static void ts(struct ike_ts_list *l, uint8_t last)
{
	memset(l, 0, sizeof(*l));
	l->n = 1;
	l->ts[0].type = IKE_TS_IPV6_ADDR_RANGE;
	l->ts[0].proto = 135;
	l->ts[0].end_port = 65535;
	l->ts[0].start[0] = l->ts[0].end[0] = 0x20;
	l->ts[0].start[15] = l->ts[0].end[15] = last;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int suite = atoi(argv[1]);
	static const uint8_t psk[] = "an oracle's pre-shared key, sixty-four octets of text or more....";
	static const uint8_t id_i[] = "i.example", id_r[] = "r.example";
	struct lcg ri = { (uint32_t)atoi(argv[2]) }, rr = { (uint32_t)atoi(argv[2]) * 7u + 1u };
	static struct ike_sa_cfg ci, cr;
	static struct ike_sa i, r, ni, nr;
	struct ike_suite s = suite ? (struct ike_suite){ IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_384,
							   IKE_INTEG_NONE, IKE_DH_ECP256 }
				   : (struct ike_suite){ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256,
							   IKE_INTEG_NONE, IKE_DH_X25519 };
	struct ike_sa_cfg *c[2] = { &ci, &cr };
	for (int k = 0; k < 2; k++) {
		c[k]->ike[0] = s;
		c[k]->n_ike = 1;
		c[k]->esp = (struct ike_child_alg){ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, false, false };
		c[k]->psk = psk;
		c[k]->psk_len = sizeof(psk) - 1;
		c[k]->id_type = IKE_ID_FQDN;
		ts(&c[k]->tsi, 1);
		ts(&c[k]->tsr, 2);
	}
	ci.id = id_i, ci.id_len = sizeof(id_i) - 1;
	cr.id = id_r, cr.id_len = sizeof(id_r) - 1;
	ci.rng = (struct ike_rng){ lcg_rng, &ri };
	cr.rng = (struct ike_rng){ lcg_rng, &rr };
	ci.esp_spi = 0x1001;
	cr.esp_spi = 0x2001;
	printf("suite %d\n", suite);

	/* IKE_SA_INIT, IKE_AUTH */
	int rc = ike_sa_start(&i, &ci, a, sizeof(a), &al);
	if (rc)
		fail("start", rc);
	put("init.priv", i.dh->priv, i.dh->priv_len);
	ike_sa_respond(&r, &cr);
	pass("init.req", &r, a, al, b, &bl);
	pass("init.resp", &i, b, bl, a, &al);
	pass("auth.req", &r, a, al, b, &bl);
	pass("auth.resp", &i, b, bl, a, &al);
	keys("ike1.i", &i);
	keys("ike1.r", &r);

	/* IKE SA rekey from the initiator */
	struct ike_req q = { .type = IKE_REQ_REKEY_IKE };
	if ((rc = ike_sa_request(&i, &q, a, sizeof(a), &al)))
		fail("rekey", rc);
	put("rekey.priv", i.req_dh->priv, i.req_dh->priv_len);
	pass("rekey.req", &r, a, al, b, &bl);
	pass("rekey.resp", &i, b, bl, a, &al);
	if ((rc = ike_sa_adopt(&ni, &ci, &i)) || (rc = ike_sa_adopt(&nr, &cr, &r)))
		fail("adopt", rc);
	keys("ike2.i", &ni);
	keys("ike2.r", &nr);

	/* Child SA rekeys on the new IKE SA: the responder of the first
	 * exchange without PFS, then the other end with PFS */
	struct ike_req cq = { .type = IKE_REQ_REKEY_CHILD, .spi = nr.ch[0].spi_in, .new_spi = 0x2002 };
	if ((rc = ike_sa_request(&nr, &cq, b, sizeof(b), &bl)))
		fail("child rekey", rc);
	pass("child1.req", &ni, b, bl, a, &al);
	child("child1.resp_end", up(&ni));
	pass("child1.resp", &nr, a, al, b, &bl);
	child("child1.init_end", up(&nr));
	if (bl) {
		/* the old pair's Delete first */
		pass("delete.req", &ni, b, bl, a, &al);
		pass("delete.resp", &nr, a, al, b, &bl);
	}
	const struct ike_child *cur = NULL;
	for (unsigned k = 0; k < IKE_SA_CHILD_MAX; k++)
		if (ni.ch[k].used)
			cur = &ni.ch[k];
	if (!cur)
		fail("no Child SA left", -1);
	cq = (struct ike_req){ .type = IKE_REQ_REKEY_CHILD, .spi = cur->spi_in, .new_spi = 0x1003,
			       .pfs = true };
	if ((rc = ike_sa_request(&ni, &cq, a, sizeof(a), &al)))
		fail("pfs rekey", rc);
	put("child2.priv", ni.req_dh->priv, ni.req_dh->priv_len);
	pass("child2.req", &nr, a, al, b, &bl);
	child("child2.resp_end", up(&nr));
	pass("child2.resp", &ni, b, bl, a, &al);
	child("child2.init_end", up(&ni));
	ike_sa_clear(&i);
	ike_sa_clear(&r);
	ike_sa_clear(&ni);
	ike_sa_clear(&nr);
	return 0;
}
