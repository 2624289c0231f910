/* Peer Authorization Database: identities, HoA and TS authorisation (RFC 4301 4.4.3). */
#include "tu.h"

#include "ipsec/pad.h"

#define HOA_A "2001:db8:1::a"
#define HOA_B "2001:db8:1::b"

static struct pad_entry ent(enum pad_id_type type, const char *ident)
{
	struct pad_entry e;
	memset(&e, 0, sizeof(e));
	e.type = type;
	assert_true(strlen(ident) < sizeof(e.ident));
	strcpy(e.ident, ident);
	e.auth = PAD_AUTH_PSK;
	memcpy(e.psk, "secret", 6);
	e.psk_len = 6;
	return e;
}

static void add_hoa(struct pad_entry *e, const char *a)
{
	tu_addr(a, e->hoa[e->n_hoa++]);
}

static void add_ts(struct pad_entry *e, const char *lo, const char *hi)
{
	tu_addr(lo, e->ts[e->n_ranges].lo);
	tu_addr(hi, e->ts[e->n_ranges].hi);
	e->n_ranges++;
}

static uint32_t add(struct pad *p, struct pad_entry e)
{
	int id = pad_add(p, &e);
	assert_true(id > 0);
	return (uint32_t)id;
}

static uint32_t match_id(const struct pad *p, enum pad_id_type type, const char *ident)
{
	const struct pad_entry *e = pad_match(p, type, ident);
	return e ? e->id : 0;
}

/* PAD-01: RFC 822 sub-tree ("@example.com") and exact matches, ordered. */
static void test_rfc822(void **st)
{
	(void)st;
	struct pad *p = pad_new();
	assert_non_null(p);
	uint32_t alice = add(p, ent(PAD_ID_RFC822, "alice@example.com"));
	uint32_t at = add(p, ent(PAD_ID_RFC822, "@example.com"));
	uint32_t host = add(p, ent(PAD_ID_RFC822, "example.net"));
	uint32_t dom = add(p, ent(PAD_ID_RFC822, ".example.org"));
	assert_int_equal(match_id(p, PAD_ID_RFC822, "alice@example.com"), alice);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "alice@EXAMPLE.com"), alice);   /* host: any case */
	assert_int_equal(match_id(p, PAD_ID_RFC822, "Alice@example.com"), at);      /* local part: exact */
	assert_int_equal(match_id(p, PAD_ID_RFC822, "bill@example.com"), at);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "BILL@Example.Com"), at);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "bill@sub.example.com"), 0);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "bill@badexample.com"), 0);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "example.com"), 0);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "@example.com"), 0);            /* not an identity */
	assert_int_equal(match_id(p, PAD_ID_RFC822, "bill@example.net"), host);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "bill@mx.example.net"), 0);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "bill@mx.example.org"), dom);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "bill@a.b.example.org"), dom);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "bill@example.org"), 0);
	/* the type must agree */
	assert_int_equal(match_id(p, PAD_ID_FQDN, "bill@example.com"), 0);
	assert_null(pad_match(p, PAD_ID_RFC822, NULL));
	pad_free(p);
}

static void test_fqdn(void **st)
{
	(void)st;
	struct pad *p = pad_new();
	uint32_t ha = add(p, ent(PAD_ID_FQDN, "ha.example.com"));
	uint32_t sub = add(p, ent(PAD_ID_FQDN, ".example.com"));
	assert_int_equal(match_id(p, PAD_ID_FQDN, "ha.example.com"), ha);
	assert_int_equal(match_id(p, PAD_ID_FQDN, "HA.Example.COM"), ha);
	assert_int_equal(match_id(p, PAD_ID_FQDN, "ha.example.com."), ha);
	assert_int_equal(match_id(p, PAD_ID_FQDN, "mn1.example.com"), sub);
	assert_int_equal(match_id(p, PAD_ID_FQDN, "a.b.example.com"), sub);
	assert_int_equal(match_id(p, PAD_ID_FQDN, "example.com"), 0);
	assert_int_equal(match_id(p, PAD_ID_FQDN, "badexample.com"), 0);
	assert_int_equal(match_id(p, PAD_ID_FQDN, "mn1.example.co"), 0);
	pad_free(p);
}

static void test_dn(void **st)
{
	(void)st;
	struct pad *p = pad_new();
	uint32_t mn1 = add(p, ent(PAD_ID_DN, "CN=MN1, O=Example, C=US"));
	uint32_t sub = add(p, ent(PAD_ID_DN, "*, O=Example, C=US"));
	assert_int_equal(match_id(p, PAD_ID_DN, "CN=MN1, O=Example, C=US"), mn1);
	assert_int_equal(match_id(p, PAD_ID_DN, "cn = mn1,o=example , c=us"), mn1);
	assert_int_equal(match_id(p, PAD_ID_DN, "CN=MN2, O=Example, C=US"), sub);
	assert_int_equal(match_id(p, PAD_ID_DN, "CN=x, OU=Lab, O=Example, C=US"), sub);
	assert_int_equal(match_id(p, PAD_ID_DN, "O=Example, C=US"), 0);        /* nothing below */
	assert_int_equal(match_id(p, PAD_ID_DN, "CN=x, O=Other, C=US"), 0);
	assert_int_equal(match_id(p, PAD_ID_DN, "CN=x, O=Example, C=USA"), 0);
	assert_int_equal(match_id(p, PAD_ID_DN, "CN=MN1  X, O=Example, C=US"), sub);
	/* an escaped comma is not an RDN boundary */
	uint32_t john = add(p, ent(PAD_ID_DN, "*, CN=John, O=Acme"));
	assert_int_equal(match_id(p, PAD_ID_DN, "UID=7, CN=John, O=Acme"), john);
	assert_int_equal(match_id(p, PAD_ID_DN, "CN=Smith\\, CN=John, O=Acme"), 0);
	pad_free(p);
}

static void test_key_id(void **st)
{
	(void)st;
	struct pad *p = pad_new();
	uint32_t k = add(p, ent(PAD_ID_KEY_ID, "0a0b0c00ff"));
	assert_int_equal(match_id(p, PAD_ID_KEY_ID, "0a0b0c00ff"), k);
	assert_int_equal(match_id(p, PAD_ID_KEY_ID, "0A0B0C00FF"), k);
	assert_int_equal(match_id(p, PAD_ID_KEY_ID, "0a0b0c00"), 0);     /* a prefix is not the key */
	assert_int_equal(match_id(p, PAD_ID_KEY_ID, "0a0b0c00fe"), 0);
	assert_int_equal(match_id(p, PAD_ID_KEY_ID, "0a0b0c00ff00"), 0);
	struct pad_entry e = ent(PAD_ID_KEY_ID, "mn1");
	assert_int_equal(pad_add(p, &e), M6_E_INVAL);
	e = ent(PAD_ID_KEY_ID, "abc");
	assert_int_equal(pad_add(p, &e), M6_E_INVAL);
	pad_free(p);
}

/* PAD-01: IPv6 identities as an address, a range, a prefix. */
static void test_ipv6(void **st)
{
	(void)st;
	struct pad *p = pad_new();
	uint32_t one = add(p, ent(PAD_ID_IPV6_ADDR, "2001:db8:1::100"));
	uint32_t rng = add(p, ent(PAD_ID_IPV6_ADDR, "2001:db8:2::10-2001:db8:2::ff"));
	uint32_t pfx = add(p, ent(PAD_ID_IPV6_ADDR, "2001:db8:2::/48"));
	uint8_t a[16], lo[16], hi[16];
	tu_addr("2001:db8:2::", lo);
	tu_addr("2001:db8:2:ffff:ffff:ffff:ffff:ffff", hi);
	assert_memory_equal(pad_get(p, pfx)->ident_lo, lo, 16);
	assert_memory_equal(pad_get(p, pfx)->ident_hi, hi, 16);
	assert_int_equal(match_id(p, PAD_ID_IPV6_ADDR, "2001:db8:1::100"), one);
	assert_int_equal(match_id(p, PAD_ID_IPV6_ADDR, "2001:db8:1::101"), 0);
	assert_int_equal(match_id(p, PAD_ID_IPV6_ADDR, "2001:db8:2::10"), rng);
	assert_int_equal(match_id(p, PAD_ID_IPV6_ADDR, "2001:db8:2::ff"), rng);
	assert_int_equal(match_id(p, PAD_ID_IPV6_ADDR, "2001:db8:2::f"), pfx);
	assert_int_equal(match_id(p, PAD_ID_IPV6_ADDR, "2001:db8:2::100"), pfx);
	assert_int_equal(match_id(p, PAD_ID_IPV6_ADDR, "2001:db8:3::1"), 0);
	assert_int_equal(match_id(p, PAD_ID_IPV6_ADDR, "not-an-address"), 0);
	tu_addr("2001:db8:2::80", a);
	assert_int_equal(pad_match_addr(p, a)->id, rng);
	tu_addr("2001:db8:9::1", a);
	assert_null(pad_match_addr(p, a));
	/* an address identity is not found by name */
	add(p, ent(PAD_ID_FQDN, "mn.example.com"));
	tu_addr("2001:db8:1::100", a);
	assert_int_equal(pad_match_addr(p, a)->id, one);

	static const char *bad[] = { "2001:db8::/129", "2001:db8::/", "2001:db8::/6x", "x", "2001:db8::2-2001:db8::1",
				     "2001:db8::1-", "-2001:db8::1", "2001:db8::/64-2001:db8::1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pad_entry e = ent(PAD_ID_IPV6_ADDR, bad[i]);
		if (pad_add(p, &e) != M6_E_INVAL)
			fail_msg("accepted %s", bad[i]);
	}
	pad_free(p);
}

/* PAD-01: ordered; the first matching entry wins; a duplicate is refused. */
static void test_order_and_dup(void **st)
{
	(void)st;
	struct pad *p = pad_new();
	uint32_t wild = add(p, ent(PAD_ID_RFC822, "@example.com"));
	uint32_t alice = add(p, ent(PAD_ID_RFC822, "alice@example.com"));
	assert_int_equal(match_id(p, PAD_ID_RFC822, "alice@example.com"), wild);   /* shadowed */
	assert_int_equal(pad_remove(p, wild), 0);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "alice@example.com"), alice);
	assert_int_equal(pad_remove(p, wild), M6_E_NOTFOUND);
	assert_null(pad_get(p, wild));

	struct pad_entry e = ent(PAD_ID_RFC822, "alice@EXAMPLE.COM");
	assert_int_equal(pad_add(p, &e), M6_E_EXISTS);
	e = ent(PAD_ID_RFC822, "Alice@example.com");      /* another mailbox */
	assert_true(pad_add(p, &e) > 0);
	add(p, ent(PAD_ID_FQDN, "example.com"));
	e = ent(PAD_ID_FQDN, "EXAMPLE.com.");
	assert_int_equal(pad_add(p, &e), M6_E_EXISTS);
	add(p, ent(PAD_ID_DN, "CN=a, C=US"));
	e = ent(PAD_ID_DN, "cn = A,c=us");
	assert_int_equal(pad_add(p, &e), M6_E_EXISTS);
	add(p, ent(PAD_ID_IPV6_ADDR, "2001:db8::/64"));
	e = ent(PAD_ID_IPV6_ADDR, "2001:db8::-2001:db8::ffff:ffff:ffff:ffff");
	assert_int_equal(pad_add(p, &e), M6_E_EXISTS);
	assert_int_equal(pad_count(p), 5);
	assert_int_equal(pad_at(p, 0)->id, alice);
	assert_null(pad_at(p, 5));
	pad_free(p);
}

static void test_invalid(void **st)
{
	(void)st;
	struct pad *p = pad_new();
	struct pad_entry good = ent(PAD_ID_FQDN, "mn.example.com"), e;
	e = good;
	e.type = 4;
	assert_int_equal(pad_add(p, &e), M6_E_INVAL);
	e = good;
	e.ident[0] = '\0';
	assert_int_equal(pad_add(p, &e), M6_E_INVAL);
	e = good;
	memset(e.ident, 'a', sizeof(e.ident));
	assert_int_equal(pad_add(p, &e), M6_E_INVAL);
	e = good;
	e.psk_len = sizeof(e.psk) + 1;
	assert_int_equal(pad_add(p, &e), M6_E_INVAL);
	e = good;
	e.auth = 0;
	assert_int_equal(pad_add(p, &e), M6_E_INVAL);
	e = good;
	e.n_hoa = PAD_HOA_MAX + 1;
	assert_int_equal(pad_add(p, &e), M6_E_INVAL);
	e = good;
	add_ts(&e, "2001:db8::2", "2001:db8::1");
	assert_int_equal(pad_add(p, &e), M6_E_INVAL);
	assert_int_equal(pad_add(p, NULL), M6_E_INVAL);
	e = good;
	e.auth = PAD_AUTH_CERT;
	e.psk_len = 0;
	uint32_t id = add(p, e);
	e = good;
	e.ident[0] = 'x';
	id = add(p, e);
	assert_memory_equal(pad_get(p, id)->psk, "secret", 6);
	e = good;
	e.ident[0] = 'y';
	e.psk_len = 0;                 /* manual keys: the entry only authorises HoAs */
	add(p, e);
	assert_int_equal(pad_count(p), 3);
	pad_free(p);
	pad_free(NULL);
}

/* 3776-07, 4877-02: MN-B's entry does not allow HoA-A, even though MN-B
 * authenticates correctly. */
static void test_hoa_allowed(void **st)
{
	(void)st;
	struct pad *p = pad_new();
	struct pad_entry a = ent(PAD_ID_RFC822, "mn-a@example.com"), b = ent(PAD_ID_RFC822, "mn-b@example.com");
	add_hoa(&a, HOA_A);
	add_hoa(&b, HOA_B);
	add_hoa(&b, "2001:db8:1::bb");
	add(p, a);
	add(p, b);
	uint8_t hoa_a[16], hoa_b[16], hoa_bb[16];
	tu_addr(HOA_A, hoa_a);
	tu_addr(HOA_B, hoa_b);
	tu_addr("2001:db8:1::bb", hoa_bb);
	const struct pad_entry *eb = pad_match(p, PAD_ID_RFC822, "mn-b@example.com");
	const struct pad_entry *ea = pad_match(p, PAD_ID_RFC822, "mn-a@example.com");
	assert_non_null(eb);
	assert_false(pad_hoa_allowed(eb, hoa_a));
	assert_true(pad_hoa_allowed(eb, hoa_b));
	assert_true(pad_hoa_allowed(eb, hoa_bb));
	assert_true(pad_hoa_allowed(ea, hoa_a));
	assert_false(pad_hoa_allowed(ea, hoa_b));
	assert_false(pad_hoa_allowed(NULL, hoa_a));
	pad_free(p);
}

/* PAD-01 (child SA authorisation), 4877-02: the TS a peer may assert. */
static void test_ts_allowed(void **st)
{
	(void)st;
	struct pad_entry e = ent(PAD_ID_FQDN, "gw.example.com");
	add_ts(&e, "2001:db8:10::", "2001:db8:10::ffff");
	add_ts(&e, "2001:db8:20::1", "2001:db8:20::1");
	add_hoa(&e, HOA_B);
	uint8_t lo[16], hi[16];
	struct { const char *lo, *hi; bool want; } rows[] = {
		{ "2001:db8:10::", "2001:db8:10::ffff", true },   /* the whole range */
		{ "2001:db8:10::5", "2001:db8:10::9", true },      /* inside */
		{ "2001:db8:10::5", "2001:db8:10::1:0", false },   /* runs past hi */
		{ "2001:db8:f::ffff", "2001:db8:10::1", false },   /* starts below lo */
		{ "2001:db8:10::9", "2001:db8:10::5", false },     /* lo > hi */
		{ "2001:db8:20::1", "2001:db8:20::1", true },
		{ "2001:db8:20::1", "2001:db8:20::2", false },
		{ HOA_B, HOA_B, true },                            /* its HoA as /128 */
		{ HOA_B, "2001:db8:1::c", false },                 /* but no more */
		{ HOA_A, HOA_A, false },                           /* 4877-02: TSi = HoA-A refused */
		{ "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		tu_addr(rows[i].lo, lo);
		tu_addr(rows[i].hi, hi);
		if (pad_ts_allowed(&e, lo, hi) != rows[i].want)
			fail_msg("row %zu: %s-%s want %d", i, rows[i].lo, rows[i].hi, rows[i].want);
	}
	assert_false(pad_ts_allowed(NULL, lo, hi));
}

/* 4877-03: a dynamically assigned HoA is bound to the identity that got it;
 * afterwards that identity may claim it, and no other HoA. */
static void test_temporary_hoa(void **st)
{
	(void)st;
	struct pad *p = pad_new();
	uint32_t other = add(p, ent(PAD_ID_FQDN, "ha.example.com"));
	struct pad_entry g = ent(PAD_ID_RFC822, "@example.com");
	add_ts(&g, "2001:db8:99::", "2001:db8:99::ff");
	uint32_t group = add(p, g);
	uint8_t hoa_a[16], hoa_b[16], hoa_c[16], mc[16];
	tu_addr(HOA_A, hoa_a);
	tu_addr(HOA_B, hoa_b);
	tu_addr("2001:db8:1::c", hoa_c);
	tu_addr("ff02::1", mc);

	/* before: the group entry authorises no HoA */
	assert_false(pad_hoa_allowed(pad_match(p, PAD_ID_RFC822, "bill@example.com"), hoa_b));
	int t = pad_add_temporary_hoa(p, group, "bill@example.com", hoa_b);
	assert_true(t > 0);
	const struct pad_entry *e = pad_match(p, PAD_ID_RFC822, "bill@example.com");
	assert_int_equal(e->id, (uint32_t)t);
	assert_true(e->temporary);
	assert_string_equal(e->ident, "bill@example.com");
	assert_int_equal(e->psk_len, 6);                  /* authenticates as the group does */
	assert_true(pad_hoa_allowed(e, hoa_b));
	assert_false(pad_hoa_allowed(e, hoa_a));          /* a different HoA is refused */
	assert_true(pad_ts_allowed(e, hoa_b, hoa_b));
	assert_false(pad_ts_allowed(e, hoa_a, hoa_a));
	uint8_t lo[16], hi[16];
	tu_addr("2001:db8:99::1", lo);
	tu_addr("2001:db8:99::2", hi);
	assert_true(pad_ts_allowed(e, lo, hi));           /* the group's authorisations stay */
	/* placed just before its group entry, which others still match */
	assert_int_equal(pad_at(p, 0)->id, other);
	assert_int_equal(pad_at(p, 1)->id, (uint32_t)t);
	assert_int_equal(pad_at(p, 2)->id, group);
	e = pad_match(p, PAD_ID_RFC822, "carol@example.com");
	assert_int_equal(e->id, group);
	assert_false(pad_hoa_allowed(e, hoa_b));

	/* the same HoA for someone else: refused; a second HoA for bill: same entry */
	assert_int_equal(pad_add_temporary_hoa(p, group, "carol@example.com", hoa_b), M6_E_EXISTS);
	assert_int_equal(pad_add_temporary_hoa(p, group, "bill@example.com", hoa_c), t);
	assert_int_equal(pad_add_temporary_hoa(p, (uint32_t)t, NULL, hoa_c), t);   /* via the binding */
	assert_int_equal(pad_get(p, (uint32_t)t)->n_hoa, 2);
	int tc = pad_add_temporary_hoa(p, group, "carol@example.com", hoa_a);
	assert_true(tc > 0 && tc != t);

	/* refusals */
	assert_int_equal(pad_add_temporary_hoa(p, group, NULL, hoa_a), M6_E_INVAL);          /* a group */
	assert_int_equal(pad_add_temporary_hoa(p, group, "@example.com", hoa_a), M6_E_INVAL);
	assert_int_equal(pad_add_temporary_hoa(p, group, "eve@example.org", hoa_a), M6_E_INVAL);
	assert_int_equal(pad_add_temporary_hoa(p, group, "dave@example.com", mc), M6_E_INVAL);
	assert_int_equal(pad_add_temporary_hoa(p, 999, "bill@example.com", hoa_a), M6_E_NOTFOUND);
	for (int i = 2; i < PAD_HOA_MAX; i++) {
		uint8_t h[16];
		memcpy(h, hoa_c, 16);
		h[15] = (uint8_t)(0x40 + i);
		assert_int_equal(pad_add_temporary_hoa(p, group, "bill@example.com", h), t);
	}
	uint8_t h9[16];
	memcpy(h9, hoa_c, 16);
	h9[15] = 0x7f;
	assert_int_equal(pad_add_temporary_hoa(p, group, "bill@example.com", h9), M6_E_FULL);

	/* an exact entry binds its own identity */
	struct pad_entry x = ent(PAD_ID_IPV6_ADDR, "2001:db8:5::1");
	uint32_t xid = add(p, x);
	int tx = pad_add_temporary_hoa(p, xid, NULL, h9);
	assert_true(tx > 0);
	assert_int_equal(pad_get(p, (uint32_t)tx)->type, PAD_ID_IPV6_ADDR);
	tu_addr("2001:db8:5::1", lo);
	assert_int_equal(pad_match_addr(p, lo)->id, (uint32_t)tx);

	/* end of the binding: bill matches the group again */
	assert_int_equal(pad_remove(p, (uint32_t)t), 0);
	assert_int_equal(match_id(p, PAD_ID_RFC822, "bill@example.com"), group);
	/* removing the group takes carol's binding with it */
	assert_int_equal(pad_remove(p, group), 0);
	assert_null(pad_get(p, (uint32_t)tc));
	assert_int_equal(match_id(p, PAD_ID_RFC822, "carol@example.com"), 0);
	assert_int_equal(pad_count(p), 3);
	pad_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc822),
		cmocka_unit_test(test_fqdn),
		cmocka_unit_test(test_dn),
		cmocka_unit_test(test_key_id),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_order_and_dup),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_hoa_allowed),
		cmocka_unit_test(test_ts_allowed),
		cmocka_unit_test(test_temporary_hoa),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
