/* Security Association Database: SPI lookup, policy lookup, lifetimes (RFC 4301 4.4.2). */
#include "tu.h"

#include <stdlib.h>

#include "ipsec/sad.h"

#define SEC 1000000000ULL

static struct ipsec_sa mk(uint32_t spi, uint8_t proto, bool inbound, uint32_t spd_id)
{
	struct ipsec_sa sa;
	memset(&sa, 0, sizeof(sa));
	sa.spi = spi;
	sa.proto = proto;
	sa.inbound = inbound;
	sa.spd_id = spd_id;
	return sa;
}

static struct ipsec_sa *add_ok(struct sad *d, struct ipsec_sa sa, uint64_t now)
{
	int err = 1;
	struct ipsec_sa *p = sad_add(d, &sa, now, &err);
	assert_non_null(p);
	assert_int_equal(err, 0);
	return p;
}

static int add_err(struct sad *d, struct ipsec_sa sa)
{
	int err = 0;
	assert_null(sad_add(d, &sa, 0, &err));
	return err;
}

/* SAD-01: inbound lookup by (SPI, proto); unknown SPI gives NULL. */
static void test_lookup_in(void **st)
{
	(void)st;
	struct sad *d = sad_new(16);
	assert_non_null(d);
	struct ipsec_sa *a = add_ok(d, mk(0x1001, IP6P_ESP, true, 0), 0);
	struct ipsec_sa *b = add_ok(d, mk(0x1002, IP6P_ESP, true, 0), 0);
	struct ipsec_sa *c = add_ok(d, mk(0x1001, IP6P_AH, true, 0), 0);
	struct ipsec_sa *o = add_ok(d, mk(0x1001, IP6P_ESP, false, 7), 0);
	assert_ptr_equal(sad_lookup_in(d, 0x1001, IP6P_ESP), a);
	assert_ptr_equal(sad_lookup_in(d, 0x1002, IP6P_ESP), b);
	assert_ptr_equal(sad_lookup_in(d, 0x1001, IP6P_AH), c);
	assert_null(sad_lookup_in(d, 0x1003, IP6P_ESP));
	assert_null(sad_lookup_in(d, 0x1002, IP6P_AH));
	/* an outbound SA is not an inbound one even with the same SPI */
	assert_ptr_equal(sad_lookup_out(d, 7), o);
	assert_int_equal(sad_remove(d, 0x1001, IP6P_ESP, true), 0);
	assert_null(sad_lookup_in(d, 0x1001, IP6P_ESP));
	assert_ptr_equal(sad_lookup_out(d, 7), o);
	assert_ptr_equal(sad_lookup_in(d, 0x1001, IP6P_AH), c);
	assert_int_equal(sad_count(d), 3);
	assert_int_equal(sad_capacity(d), 16);
	assert_int_equal(a->state, SA_LARVAL);   /* the removed slot was wiped */
	assert_int_equal(b->state, SA_MATURE);
	sad_free(d);
}

/* SAD-01: SPI 0 and 1..255 are reserved. */
static void test_reserved_spi(void **st)
{
	(void)st;
	struct sad *d = sad_new(4);
	assert_int_equal(add_err(d, mk(0, IP6P_ESP, true, 0)), M6_E_SPI_RESERVED);
	assert_int_equal(add_err(d, mk(1, IP6P_ESP, true, 0)), M6_E_SPI_RESERVED);
	assert_int_equal(add_err(d, mk(255, IP6P_AH, false, 0)), M6_E_SPI_RESERVED);
	assert_null(sad_add(d, &(struct ipsec_sa){ .spi = 7, .proto = IP6P_ESP }, 0, NULL));
	add_ok(d, mk(256, IP6P_ESP, true, 0), 0);
	add_ok(d, mk(0xffffffff, IP6P_ESP, true, 0), 0);
	assert_int_equal(sad_count(d), 2);
	sad_free(d);
}

static void test_duplicate_and_invalid(void **st)
{
	(void)st;
	struct sad *d = sad_new(8);
	add_ok(d, mk(0x500, IP6P_ESP, true, 0), 0);
	assert_int_equal(add_err(d, mk(0x500, IP6P_ESP, true, 9)), M6_E_EXISTS);
	add_ok(d, mk(0x500, IP6P_ESP, false, 9), 0);
	assert_int_equal(add_err(d, mk(0x500, IP6P_ESP, false, 10)), M6_E_EXISTS);
	assert_int_equal(add_err(d, mk(0x600, 6, true, 0)), M6_E_INVAL);
	struct ipsec_sa sa = mk(0x601, IP6P_ESP, true, 0);
	struct sa_lifetime life;
	memset(&life, 0, sizeof(life));
	sa.life = &life;
	life.soft_bytes = 2000;
	life.hard_bytes = 1000;
	assert_int_equal(add_err(d, sa), M6_E_INVAL);
	life.soft_bytes = 0;
	life.soft_ns = 5 * SEC;
	life.hard_ns = 4 * SEC;
	assert_int_equal(add_err(d, sa), M6_E_INVAL);
	life.hard_ns = 0;         /* soft only: allowed */
	add_ok(d, sa, 0);
	assert_int_equal(sad_remove(d, 0x999, IP6P_ESP, true), M6_E_NOTFOUND);
	assert_int_equal(sad_remove(d, 0x500, IP6P_AH, true), M6_E_NOTFOUND);
	assert_int_equal(sad_count(d), 3);
	assert_null(sad_new(0));
	sad_free(d);
	sad_free(NULL);
}

static void test_capacity_full(void **st)
{
	(void)st;
	struct sad *d = sad_new(4);
	for (uint32_t i = 0; i < 4; i++)
		add_ok(d, mk(0x1000 + i, IP6P_ESP, true, 0), 0);
	assert_int_equal(add_err(d, mk(0x2000, IP6P_ESP, true, 0)), M6_E_FULL);
	assert_int_equal(sad_count(d), 4);
	/* a duplicate is reported as such even when full */
	assert_int_equal(add_err(d, mk(0x1000, IP6P_ESP, true, 0)), M6_E_EXISTS);
	assert_int_equal(sad_remove(d, 0x1002, IP6P_ESP, true), 0);
	struct ipsec_sa *p = add_ok(d, mk(0x2000, IP6P_ESP, true, 0), 0);
	assert_ptr_equal(sad_lookup_in(d, 0x2000, IP6P_ESP), p);
	size_t seen = 0;
	for (size_t i = 0; i < sad_capacity(d); i++)
		seen += sad_slot(d, i) != NULL;
	assert_int_equal(seen, 4);
	assert_null(sad_slot(d, 4));
	sad_free(d);
}

/* Outbound SAs by the policy that asked for them; rekey overlap. */
static void test_lookup_out(void **st)
{
	(void)st;
	struct sad *d = sad_new(16);
	assert_null(sad_lookup_out(d, 1));
	struct ipsec_sa *old = add_ok(d, mk(0x100, IP6P_ESP, false, 1), 0);
	struct ipsec_sa *other = add_ok(d, mk(0x101, IP6P_ESP, false, 2), 0);
	add_ok(d, mk(0x102, IP6P_ESP, true, 1), 0);    /* inbound: never by policy */
	assert_ptr_equal(sad_lookup_out(d, 1), old);
	assert_ptr_equal(sad_lookup_out(d, 2), other);
	assert_null(sad_lookup_out(d, 3));
	/* a newer MATURE SA wins over the older one */
	struct ipsec_sa *fresh = add_ok(d, mk(0x103, IP6P_ESP, false, 1), 0);
	assert_ptr_equal(sad_lookup_out(d, 1), fresh);
	/* a MATURE SA wins over a SOFT_EXPIRED one whatever their age */
	fresh->state = SA_SOFT_EXPIRED;
	assert_ptr_equal(sad_lookup_out(d, 1), old);
	old->state = SA_SOFT_EXPIRED;
	assert_ptr_equal(sad_lookup_out(d, 1), fresh);
	/* DEAD is never returned */
	fresh->state = SA_DEAD;
	assert_ptr_equal(sad_lookup_out(d, 1), old);
	old->state = SA_DEAD;
	assert_null(sad_lookup_out(d, 1));
	assert_int_equal(sad_remove(d, 0x100, IP6P_ESP, false), 0);
	assert_int_equal(sad_remove(d, 0x103, IP6P_ESP, false), 0);
	assert_null(sad_lookup_out(d, 1));
	assert_ptr_equal(sad_lookup_out(d, 2), other);
	sad_free(d);
}

/* One policy, an SA per peer (a home agent's BA to any, keyed by IKE per
 * mobile node): each packet goes on the SA whose selectors cover it, a
 * newer SA for another peer never takes it, and a packet no SA covers
 * finds none (ACQUIRE) rather than another peer's SA. */
static void test_lookup_out_flow(void **st)
{
	(void)st;
	struct sad *d = sad_new(16);
	struct ipsec_sa a = mk(0x200, IP6P_ESP, false, 1), b = mk(0x201, IP6P_ESP, false, 1);
	spd_sel_any(&a.ts);
	spd_sel_any(&b.ts);
	tu_addr("2001:db8:2::100", a.ts.remote_lo);
	tu_addr("2001:db8:2::100", a.ts.remote_hi);
	tu_addr("2001:db8:3::200", b.ts.remote_lo);
	tu_addr("2001:db8:3::200", b.ts.remote_hi);
	struct ipsec_sa *pa = add_ok(d, a, 0), *pb = add_ok(d, b, 1);
	struct ipsec_flow f;
	memset(&f, 0, sizeof(f));
	tu_addr("2001:db8:1::1", f.local);
	tu_addr("2001:db8:2::100", f.remote);
	f.proto = 135;
	assert_ptr_equal(sad_lookup_out_flow(d, 1, &f), pa);
	assert_ptr_equal(sad_lookup_out(d, 1), pb);     /* the policy alone: the newest */
	tu_addr("2001:db8:3::200", f.remote);
	assert_ptr_equal(sad_lookup_out_flow(d, 1, &f), pb);
	tu_addr("2001:db8:4::1", f.remote);
	assert_null(sad_lookup_out_flow(d, 1, &f));
	sad_free(d);
}

/* Inbound SAs by their policy: never an outbound one, never a larval
 * one; a reserved SPI completed later is found under its real policy
 * (the reservation sat under policy 0), and a removal unchains it. */
static void test_lookup_in_policy(void **st)
{
	(void)st;
	struct sad *d = sad_new(16);
	assert_null(sad_lookup_in_policy(d, 1));
	add_ok(d, mk(0x100, IP6P_ESP, false, 1), 0);
	assert_null(sad_lookup_in_policy(d, 1));
	struct ipsec_sa *in = add_ok(d, mk(0x101, IP6P_ESP, true, 1), 0);
	assert_ptr_equal(sad_lookup_in_policy(d, 1), in);
	assert_ptr_equal(sad_lookup_out(d, 1), sad_find(d, 0x100, IP6P_ESP, false));
	assert_int_equal(sad_reserve(d, 0x102, IP6P_ESP, 0), 0);
	assert_null(sad_lookup_in_policy(d, 0));
	struct ipsec_sa *done = add_ok(d, mk(0x102, IP6P_ESP, true, 7), 5);
	assert_ptr_equal(sad_lookup_in_policy(d, 7), done);
	assert_null(sad_lookup_in_policy(d, 0));
	/* the newer one of a policy wins, as outbound */
	struct ipsec_sa *newer = add_ok(d, mk(0x103, IP6P_ESP, true, 1), 0);
	assert_ptr_equal(sad_lookup_in_policy(d, 1), newer);
	assert_int_equal(sad_remove(d, 0x103, IP6P_ESP, true), 0);
	assert_ptr_equal(sad_lookup_in_policy(d, 1), in);
	assert_int_equal(sad_remove(d, 0x102, IP6P_ESP, true), 0);
	assert_null(sad_lookup_in_policy(d, 7));
	assert_int_equal(sad_remove(d, 0x101, IP6P_ESP, true), 0);
	assert_null(sad_lookup_in_policy(d, 1));
	assert_non_null(sad_lookup_out(d, 1));
	sad_free(d);
}

static struct ipsec_sa mk_peer(uint32_t spi, uint32_t spd_id, uint8_t peer_last)
{
	struct ipsec_sa sa = mk(spi, IP6P_ESP, false, spd_id);
	spd_sel_any(&sa.ts);
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = peer_last };
	spd_sel_prefix(sa.ts.remote_lo, sa.ts.remote_hi, a, 128);
	return sa;
}

/* A per-peer template's outbound SAs: the one whose remote selector is the
 * address asked for, with sad_lookup_out()'s preferences among a peer's
 * SAs (MATURE first, then the newest); never an inbound SA, another
 * policy's, or one whose remote selector is a range holding the address. */
static void test_lookup_out_peer(void **st)
{
	(void)st;
	struct sad *d = sad_new(1000);
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
	assert_null(sad_lookup_out_peer(d, 1, a));
	struct ipsec_sa *by[256];
	for (unsigned i = 1; i < 256; i++)
		by[i] = add_ok(d, mk_peer(0x1000 + i, 1, (uint8_t)i), 0);
	struct ipsec_sa in = mk_peer(0x5000, 1, 7);
	in.inbound = true;
	add_ok(d, in, 0);
	add_ok(d, mk_peer(0x5001, 2, 9), 0);
	for (unsigned i = 1; i < 256; i++) {
		a[15] = (uint8_t)i;
		assert_ptr_equal(sad_lookup_out_peer(d, 1, a), by[i]);
	}
	a[15] = 0;
	assert_null(sad_lookup_out_peer(d, 1, a));
	a[15] = 9;
	assert_ptr_equal(sad_lookup_out_peer(d, 1, a), by[9]);
	assert_non_null(sad_lookup_out_peer(d, 2, a));
	/* a rekey of peer 7: the newer wins until it is SOFT_EXPIRED */
	a[15] = 7;
	struct ipsec_sa *fresh = add_ok(d, mk_peer(0x6000, 1, 7), 0);
	assert_ptr_equal(sad_lookup_out_peer(d, 1, a), fresh);
	fresh->state = SA_SOFT_EXPIRED;
	assert_ptr_equal(sad_lookup_out_peer(d, 1, a), by[7]);
	by[7]->state = SA_DEAD;
	assert_ptr_equal(sad_lookup_out_peer(d, 1, a), fresh);
	assert_int_equal(sad_remove(d, 0x6000, IP6P_ESP, false), 0);
	assert_null(sad_lookup_out_peer(d, 1, a));
	assert_int_equal(sad_remove(d, 0x1000 + 7, IP6P_ESP, false), 0);
	assert_null(sad_lookup_out_peer(d, 1, a));
	a[15] = 8;
	assert_ptr_equal(sad_lookup_out_peer(d, 1, a), by[8]);
	/* a range is not a peer */
	struct ipsec_sa wide = mk_peer(0x7000, 3, 0);
	spd_sel_prefix(wide.ts.remote_lo, wide.ts.remote_hi, a, 64);
	add_ok(d, wide, 0);
	assert_null(sad_lookup_out_peer(d, 3, a));
	assert_non_null(sad_lookup_out(d, 3));
	sad_free(d);
}

/* Removal wipes the SA: keys (m6_xform_clear) and every other field. */
static void test_remove_wipes(void **st)
{
	(void)st;
	struct sad *d = sad_new(2);
	struct ipsec_sa sa = mk(0x4242, IP6P_ESP, true, 0);
	memset(sa.xf.salt, 0xa5, sizeof(sa.xf.salt));
	memset(sa.src, 0x20, 16);
	sa.seq = 77;
	struct ipsec_sa *p = add_ok(d, sa, 5);
	assert_memory_equal(p->xf.salt, sa.xf.salt, sizeof(sa.xf.salt));
	assert_int_equal(p->added_ns, 5);
	assert_int_equal(p->seq, 77);
	assert_int_equal(sad_remove(d, 0x4242, IP6P_ESP, true), 0);
	/* the slot is still ours to inspect: all zero */
	static const uint8_t zero[sizeof(struct ipsec_sa)];
	assert_memory_equal(p, zero, sizeof(*p));
	assert_null(sad_slot(d, 0));
	assert_null(sad_slot(d, 1));
	assert_int_equal(sad_count(d), 0);
	sad_free(d);
}

/* SAD-03: a 1 MB byte lifetime, soft at 3/4: SOFT once at the soft limit,
 * then HARD for the packet that would pass 1 MB; the SA is then unusable. */
static void test_lifetime_bytes(void **st)
{
	(void)st;
	struct sad *d = sad_new(4);
	struct ipsec_sa sa = mk(0x7000, IP6P_ESP, false, 3);
	struct sa_lifetime life;
	memset(&life, 0, sizeof(life));
	sa.life = &life;
	life.soft_bytes = 768 * 1024;
	life.hard_bytes = 1024 * 1024;
	struct ipsec_sa *p = add_ok(d, sa, 0);
	unsigned soft_at = 0, hard_at = 0, softs = 0, hards = 0;
	for (unsigned i = 1; i <= 2000; i++) {
		enum sad_event ev = sad_charge(p, 1024, i);
		if (ev == SAD_EV_SOFT) {
			softs++;
			soft_at = i;
			assert_true(sad_sa_usable(p));
			assert_ptr_equal(sad_lookup_out(d, 3), p);   /* still used until rekeyed */
		} else if (ev == SAD_EV_HARD) {
			hards++;
			hard_at = i;
		}
		if (i < 1025)
			assert_true(sad_sa_usable(p));
		else
			assert_false(sad_sa_usable(p));
	}
	assert_int_equal(softs, 1);
	assert_int_equal(hards, 1);
	assert_int_equal(soft_at, 768);
	assert_int_equal(hard_at, 1025);
	assert_int_equal(p->bytes, 1024 * 1024);   /* the refused packet is not counted */
	assert_int_equal(p->packets, 1024);
	assert_int_equal(p->state, SA_DEAD);
	assert_null(sad_lookup_out(d, 3));

	/* inbound: a DEAD SA is not found by SPI either */
	sa = mk(0x7001, IP6P_ESP, true, 0);
	memset(&life, 0, sizeof(life));
	sa.life = &life;
	life.hard_bytes = 1500;
	p = add_ok(d, sa, 0);
	assert_int_equal(sad_charge(p, 1000, 0), SAD_EV_NONE);
	assert_int_equal(sad_charge(p, 501, 0), SAD_EV_HARD);
	assert_null(sad_lookup_in(d, 0x7001, IP6P_ESP));
	/* a step past both limits reports HARD only */
	sa = mk(0x7002, IP6P_ESP, true, 0);
	memset(&life, 0, sizeof(life));
	sa.life = &life;
	life.soft_bytes = 500;
	life.hard_bytes = 1000;
	p = add_ok(d, sa, 0);
	assert_int_equal(sad_charge(p, 1001, 0), SAD_EV_HARD);
	assert_int_equal(sad_charge(p, 1, 0), SAD_EV_NONE);
	assert_int_equal(p->state, SA_DEAD);
	sad_free(d);
}

static void test_lifetime_packets(void **st)
{
	(void)st;
	struct sad *d = sad_new(4);
	struct ipsec_sa sa = mk(0x8000, IP6P_AH, true, 0);
	struct sa_lifetime life;
	memset(&life, 0, sizeof(life));
	sa.life = &life;
	life.soft_packets = 10;
	life.hard_packets = 20;
	struct ipsec_sa *p = add_ok(d, sa, 0);
	for (unsigned i = 1; i <= 20; i++)
		assert_int_equal(sad_charge(p, 100, 0), i == 10 ? SAD_EV_SOFT : SAD_EV_NONE);
	assert_true(sad_sa_usable(p));
	assert_ptr_equal(sad_lookup_in(d, 0x8000, IP6P_AH), p);
	assert_int_equal(sad_charge(p, 100, 0), SAD_EV_HARD);
	assert_int_equal(p->packets, 20);
	assert_null(sad_lookup_in(d, 0x8000, IP6P_AH));
	assert_int_equal(sad_charge(p, 100, 0), SAD_EV_NONE);
	/* no limits at all: never expires */
	p = add_ok(d, mk(0x8001, IP6P_AH, true, 0), 0);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(sad_charge(p, 65535, (uint64_t)i * 1000 * SEC), SAD_EV_NONE);
	assert_int_equal(sad_age(p, UINT64_MAX), SAD_EV_NONE);
	sad_free(d);
}

/* SAD-03: time lifetimes counted from installation, by sad_age or sad_charge. */
static void test_lifetime_time(void **st)
{
	(void)st;
	struct sad *d = sad_new(4);
	uint64_t t0 = 1000 * SEC;
	struct ipsec_sa sa = mk(0x9000, IP6P_ESP, false, 4);
	struct sa_lifetime life;
	memset(&life, 0, sizeof(life));
	sa.life = &life;
	life.soft_ns = 10 * SEC;
	life.hard_ns = 20 * SEC;
	sa.added_ns = 12345;                     /* replaced by `now` */
	struct ipsec_sa *p = add_ok(d, sa, t0);
	assert_int_equal(p->added_ns, t0);
	assert_int_equal(sad_age(p, t0 - SEC), SAD_EV_NONE);   /* clock before install */
	assert_int_equal(sad_age(p, t0 + 5 * SEC), SAD_EV_NONE);
	assert_int_equal(sad_age(p, t0 + 10 * SEC), SAD_EV_SOFT);
	assert_int_equal(sad_age(p, t0 + 15 * SEC), SAD_EV_NONE);
	assert_int_equal(sad_charge(p, 100, t0 + 16 * SEC), SAD_EV_NONE);
	assert_ptr_equal(sad_lookup_out(d, 4), p);
	assert_int_equal(sad_age(p, t0 + 20 * SEC - 1), SAD_EV_NONE);
	assert_int_equal(sad_age(p, t0 + 20 * SEC), SAD_EV_HARD);
	assert_int_equal(sad_age(p, t0 + 30 * SEC), SAD_EV_NONE);
	assert_null(sad_lookup_out(d, 4));

	/* a packet after the hard time is refused, even without a sweep */
	sa = mk(0x9001, IP6P_ESP, true, 0);
	memset(&life, 0, sizeof(life));
	sa.life = &life;
	life.soft_ns = 10 * SEC;
	life.hard_ns = 20 * SEC;
	p = add_ok(d, sa, t0);
	assert_int_equal(sad_charge(p, 100, t0 + 11 * SEC), SAD_EV_SOFT);
	assert_int_equal(sad_charge(p, 100, t0 + 25 * SEC), SAD_EV_HARD);
	assert_int_equal(p->packets, 1);
	assert_false(sad_sa_usable(p));
	/* a sweep that comes late reports HARD only */
	sa = mk(0x9002, IP6P_ESP, true, 0);
	memset(&life, 0, sizeof(life));
	sa.life = &life;
	life.soft_ns = 10 * SEC;
	life.hard_ns = 20 * SEC;
	p = add_ok(d, sa, t0);
	assert_int_equal(sad_age(p, t0 + 60 * SEC), SAD_EV_HARD);
	sad_free(d);
}

/* The index against a shadow list under random add/remove (backward-shift
 * deletion must keep every remaining key reachable). */
struct churn_sa {
	uint32_t spi;
	uint8_t proto;
	bool in;
	bool live;
};

static void churn(size_t cap, unsigned ops)
{
	struct sad *d = sad_new(cap);
	struct churn_sa *sh = calloc(cap, sizeof(*sh));
	assert_non_null(d);
	assert_non_null(sh);
	uint64_t x = 88172645463325252ULL;
	for (unsigned op = 0; op < ops; op++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned k = (unsigned)(x % cap);
		if (sh[k].live) {
			assert_int_equal(sad_remove(d, sh[k].spi, sh[k].proto, sh[k].in), 0);
			sh[k].live = false;
		} else {
			/* SPIs from a small space so keys collide and probe runs form */
			sh[k].spi = 256 + (uint32_t)((x >> 20) % 2048);
			sh[k].proto = (x >> 40) & 1 ? IP6P_ESP : IP6P_AH;
			sh[k].in = (x >> 41) & 1;
			int err = 0;
			struct ipsec_sa sa = mk(sh[k].spi, sh[k].proto, sh[k].in, k);
			struct ipsec_sa *p = sad_add(d, &sa, 0, &err);
			bool dup = false;
			for (unsigned j = 0; j < cap; j++)
				dup |= sh[j].live && sh[j].spi == sh[k].spi && sh[j].proto == sh[k].proto &&
				       sh[j].in == sh[k].in;
			if (dup) {
				assert_null(p);
				assert_int_equal(err, M6_E_EXISTS);
			} else {
				assert_non_null(p);
				sh[k].live = true;
			}
		}
		if (op % 97 == 0) {
			size_t live = 0;
			for (unsigned j = 0; j < cap; j++) {
				if (!sh[j].live)
					continue;
				live++;
				if (sh[j].in) {
					struct ipsec_sa *p = sad_lookup_in(d, sh[j].spi, sh[j].proto);
					assert_non_null(p);
					assert_int_equal(p->spi, sh[j].spi);
				} else {
					struct ipsec_sa *p = sad_lookup_out(d, j);
					assert_non_null(p);
					assert_int_equal(p->spd_id, j);
				}
			}
			assert_int_equal(sad_count(d), live);
		}
	}
	sad_free(d);
	free(sh);
}

static void test_index_churn(void **st)
{
	(void)st;
	churn(512, 100000);
}

/* The index and chains are sized to the capacity exactly, not to a power
 * of two: probe runs wrap around at an arbitrary table end, and removal's
 * backward shift must handle that wrap. */
static void test_index_churn_odd(void **st)
{
	(void)st;
	churn(37, 40000);
	churn(301, 60000);
	churn(1, 2000);
}

/* ESP-03: an SA given with a window of up to 64 packets keeps the state it
 * had (the bitmap is in the struct, where a larger window's pointer would
 * be). */
static void test_inline_window_kept(void **st)
{
	(void)st;
	struct sad *d = sad_new(3);
	struct ipsec_sa a = mk(0x2001, IP6P_ESP, true, 0);
	uint64_t seq;
	assert_int_equal(replay_init(&a.replay, 64, false), 0);
	assert_int_equal(replay_words(&a.replay), 0);
	replay_update(&a.replay, 40);
	replay_update(&a.replay, 38);
	struct ipsec_sa *p = add_ok(d, a, 0);
	assert_int_equal(replay_check(&p->replay, 40, &seq), M6_E_REPLAY);
	assert_int_equal(replay_check(&p->replay, 38, &seq), M6_E_REPLAY);
	assert_int_equal(replay_check(&p->replay, 39, &seq), 0);
	assert_int_equal(sad_remove(d, 0x2001, IP6P_ESP, true), 0);
	sad_free(d);
}

/* ESP-03: an SA with a window over 64 packets gets its own bitmap from
 * the SAD (copied from the caller's when one is attached), freed with it;
 * two SAs never share one. */
static void test_large_window(void **st)
{
	(void)st;
	struct sad *d = sad_new(4);
	struct ipsec_sa a = mk(0x1001, IP6P_ESP, true, 0), b = mk(0x1002, IP6P_ESP, true, 0);
	uint64_t seq, mine[16];
	assert_int_equal(replay_init(&a.replay, 1024, false), 0);
	assert_int_equal(replay_init(&b.replay, 1024, false), 0);
	replay_attach(&b.replay, mine);
	assert_int_equal(replay_check(&b.replay, 700, &seq), 0);
	replay_update(&b.replay, 700);
	struct ipsec_sa *pa = add_ok(d, a, 0), *pb = add_ok(d, b, 0);
	assert_non_null(pa->replay.ext);
	assert_true(pa->replay.ext != pb->replay.ext && pb->replay.ext != mine);
	assert_int_equal(replay_check(&pb->replay, 700, &seq), M6_E_REPLAY);   /* copied */
	assert_int_equal(replay_check(&pa->replay, 700, &seq), 0);
	replay_update(&pa->replay, 5);
	assert_int_equal(replay_check(&pa->replay, 5, &seq), M6_E_REPLAY);
	assert_int_equal(replay_check(&pb->replay, 5, &seq), 0);
	assert_int_equal(sad_remove(d, 0x1001, IP6P_ESP, true), 0);
	sad_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_in),
		cmocka_unit_test(test_reserved_spi),
		cmocka_unit_test(test_duplicate_and_invalid),
		cmocka_unit_test(test_capacity_full),
		cmocka_unit_test(test_lookup_out),
		cmocka_unit_test(test_lookup_out_peer),
		cmocka_unit_test(test_lookup_in_policy),
		cmocka_unit_test(test_remove_wipes),
		cmocka_unit_test(test_lifetime_bytes),
		cmocka_unit_test(test_lifetime_packets),
		cmocka_unit_test(test_lookup_out_flow),
		cmocka_unit_test(test_lifetime_time),
		cmocka_unit_test(test_index_churn),
		cmocka_unit_test(test_index_churn_odd),
		cmocka_unit_test(test_inline_window_kept),
		cmocka_unit_test(test_large_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
