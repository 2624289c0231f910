/* Home agent, home link and discovery (RFC 6275 7.1-7.4, 10.5, 10.6): the
 * Home Agents List from Router Advertisements (H bit, Home Agent
 * Information option: preference and lifetime), Home Agent Address
 * Discovery Replies, solicited and unsolicited Mobile Prefix
 * Advertisements, home registrations on a prefix learned from the link,
 * and our own advertisements (7.2 R bit, 7.4). Each test cites the
 * conformance items it checks. */
#include "ha_fake.h"

#include "mip6/disc.h"

#define ANYCAST "2001:db8:1::fdff:ffff:ffff:fffe"

struct ra_pio { const char *addr; uint8_t plen, flags; uint32_t valid, pref; };

/* A Router Advertisement from src to all nodes, hop limit 255: H bit,
 * Router Lifetime, an optional Home Agent Information option (hai_life 0:
 * none) and Prefix Information options. */
static void ra(struct t *t, const char *src, bool h, uint16_t router_life, uint16_t pref, uint16_t hai_life,
	       const struct ra_pio *p, unsigned n, uint64_t now)
{
	uint8_t b[256], *ic = b + 40;
	struct ip6_hdr hd;
	memset(b, 0, sizeof(b));
	memset(&hd, 0, sizeof(hd));
	tu_addr(src, hd.src);
	tu_addr("ff02::1", hd.dst);
	hd.nh = IP6P_ICMPV6;
	hd.hlim = 255;
	ic[0] = 134;
	ic[4] = 64;
	ic[5] = h ? 0x20 : 0;
	m6_put16(ic + 6, router_life);
	size_t len = 16;
	if (hai_life) {
		ic[len] = 8;
		ic[len + 1] = 1;
		m6_put16(ic + len + 4, pref);
		m6_put16(ic + len + 6, hai_life);
		len += 8;
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t *o = ic + len;
		o[0] = 3;
		o[1] = 4;
		o[2] = p[i].plen;
		o[3] = p[i].flags;
		m6_put32(o + 4, p[i].valid);
		m6_put32(o + 8, p[i].pref);
		tu_addr(p[i].addr, o + 16);
		len += 32;
	}
	hd.plen = (uint16_t)len;
	ip6_hdr_write(b, &hd);
	m6_put16(ic + 2, m6_csum_ip6(hd.src, hd.dst, IP6P_ICMPV6, ic, len));
	struct ip6_walk w;
	assert_int_equal(ip6_walk(b, 40 + len, IP6W_HAO_KNOWN, &w), 0);
	ha_input_ra(t->ha, b, 40 + len, &w, now);
}

/* ICMPv6 of type/identifier from src to dst, with a HAO when hoa is given
 * (checksum over the home address, as the receiver computes it). */
static void icmp(struct t *t, uint8_t type, uint16_t ident, const char *src, const char *dst, const uint8_t *hoa,
		 const struct ipsec_sa *sa, uint64_t now)
{
	uint8_t b[128], body[8] = { type, 0, 0, 0, 0, 0, 0, 0 }, s[16], d[16];
	struct ip6_hdr hd;
	memset(&hd, 0, sizeof(hd));
	tu_addr(src, hd.src);
	tu_addr(dst, hd.dst);
	hd.hlim = 64;
	size_t off = 40;
	if (hoa) {
		hd.nh = IP6P_DSTOPTS;
		static const uint8_t opt[8] = { IP6P_ICMPV6, 2, 1, 2, 0, 0, 0xc9, 16 };
		memcpy(b + off, opt, 8);
		memcpy(b + off + 8, hoa, 16);
		off += 24;
	} else {
		hd.nh = IP6P_ICMPV6;
	}
	m6_put16(body + 4, ident);
	memcpy(s, hoa ? hoa : hd.src, 16);
	memcpy(d, hd.dst, 16);
	m6_put16(body + 2, m6_csum_ip6(s, d, IP6P_ICMPV6, body, 8));
	memcpy(b + off, body, 8);
	hd.plen = (uint16_t)(off - 40 + 8);
	ip6_hdr_write(b, &hd);
	struct ip6_walk w;
	assert_int_equal(ip6_walk(b, off + 8, IP6W_HAO_KNOWN, &w), 0);
	ha_input_icmp(t->ha, b, off + 8, &w, sa, now);
}

static void xorshift(void *ctx, uint8_t *out, size_t n)
{
	static uint64_t x = 0x9e3779b97f4a7c15ull;
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[i] = (uint8_t)(x >> 24);
	}
}

/* The last packet sent, parsed: its ICMPv6 body and the RH2 address. */
struct out {
	struct ip6_walk w;
	const uint8_t *p, *ic;
	size_t ilen;
};

static void last_out(struct t *t, struct out *o)
{
	assert_true(t->f.n_out > 0);
	const struct sent *s = &t->f.out[t->f.n_out - 1];
	o->p = s->pkt;
	assert_int_equal(ip6_walk(s->pkt, s->len, IP6W_HAO_KNOWN, &o->w), 0);
	assert_int_equal(o->w.proto, IP6P_ICMPV6);
	o->ic = s->pkt + o->w.proto_off;
	o->ilen = o->w.end - o->w.proto_off;
	uint8_t ps[16], pd[16];
	ip6_walk_pseudo(&o->w, s->pkt, ps, pd);
	assert_int_equal(m6_csum_ip6(ps, pd, IP6P_ICMPV6, o->ic, o->ilen), 0);
}

static unsigned reply_addrs(struct t *t, uint16_t ident, const char *requester, uint64_t now, uint8_t a[8][16])
{
	clear(t);
	icmp(t, 144, ident, requester, ANYCAST, NULL, NULL, now);
	if (!t->f.n_out)
		return 0;
	struct out o;
	last_out(t, &o);
	assert_int_equal(o.ic[0], 145);
	assert_int_equal(o.ic[1], 0);
	assert_int_equal(m6_get16(o.ic + 4), ident);
	assert_memory_equal(o.w.hdr.src, t->ha_addr, 16);
	assert_memory_equal(o.w.hdr.dst, A(requester), 16);
	assert_int_equal(o.w.n_ext, 0);
	unsigned n = (unsigned)(o.ilen - 8) / 16;
	assert_true(n <= 8);
	for (unsigned i = 0; i < n; i++)
		memcpy(a[i], o.ic + 8 + 16 * i, 16);
	return n;
}

/* 10.5.1: the Home Agents List from RAs with H (preference and lifetime from
 * the Home Agent Information option, else 0 and the Router Lifetime; global
 * addresses from Prefix Information with R); a router without H, an RA
 * clearing H or a zero lifetime remove the entry; it lapses with its
 * lifetime. 10.5.1 / 6.6: the reply to the anycast address lists them by
 * decreasing preference, ourselves included with the configured one. */
static void test_ha_list_and_reply(void **st)
{
	struct t *t = *st;
	t->cfg.preference = 5;
	start(t);
	uint8_t a[8][16];
	uint64_t now = SEC;
	const struct ra_pio pa = { "2001:db8:1::a", 64, 0xe0, 86400, 86400 };   /* L A R */
	const struct ra_pio pb = { "2001:db8:1::b", 64, 0xe0, 86400, 86400 };
	const struct ra_pio pr = { "2001:db8:1::c", 64, 0xe0, 86400, 86400 };
	ra(t, "fe80::a", true, 1800, 10, 100, &pa, 1, now);       /* preference 10, 100 s */
	ra(t, "fe80::b", true, 60, 0, 0, &pb, 1, now);            /* no option: 0, 60 s */
	ra(t, "fe80::c", false, 1800, 0, 0, &pr, 1, now);         /* a router, not an HA */
	const struct m6_event *e = expect_ev(t, M6_EV_HA_LIST);
	assert_memory_equal(e->addr, A("2001:db8:1::a"), 16);
	assert_int_equal(e->code, 10);
	assert_int_equal(e->u32, 100);
	unsigned n = reply_addrs(t, 7, "2001:db8:2::100", now, a);
	assert_int_equal(n, 3);
	assert_memory_equal(a[0], A("2001:db8:1::a"), 16);       /* preference 10 first */
	/* then us (5) and b (0) */
	assert_memory_equal(a[1], t->ha_addr, 16);
	assert_memory_equal(a[2], A("2001:db8:1::b"), 16);
	expect_ev(t, M6_EV_DHAAD_REPLIED);
	/* b lapses after 60 s; a says it is no longer a home agent */
	now += 61 * SEC;
	ra(t, "fe80::a", false, 1800, 0, 0, &pa, 1, now);
	assert_int_equal(expect_ev(t, M6_EV_HA_LIST)->u32, 0);
	n = reply_addrs(t, 8, "2001:db8:2::101", now, a);
	assert_int_equal(n, 1);
	assert_memory_equal(a[0], t->ha_addr, 16);
	/* a comes back; a zero Home Agent Lifetime removes it at once */
	ra(t, "fe80::a", true, 1800, 10, 100, &pa, 1, now);
	assert_int_equal(reply_addrs(t, 9, "2001:db8:2::102", now, a), 2);
	clear(t);
	ra(t, "fe80::a", true, 1800, 10, 0, &pa, 1, now);         /* no option: Router Lifetime 1800 */
	assert_int_equal(reply_addrs(t, 10, "2001:db8:2::103", now, a), 2);
	assert_memory_equal(a[1], A("2001:db8:1::a"), 16);       /* now preference 0 */
	ra(t, "fe80::a", true, 0, 0, 0, &pa, 1, now);
	assert_int_equal(reply_addrs(t, 11, "2001:db8:2::104", now, a), 1);
	/* equal preferences come in a random order: both orders show up (with
	 * a random source that is not a counter) */
	t->io.random = xorshift;
	ha_free(t->ha);
	t->ha = ha_new(&t->cfg, &t->io);
	assert_non_null(t->ha);
	ra(t, "fe80::a", true, 1800, 5, 100, &pa, 1, now);
	bool first_a = false, first_us = false;
	for (unsigned i = 0; i < 16; i++) {
		n = reply_addrs(t, (uint16_t)(20 + i), "2001:db8:2::105", now + (2 + i) * SEC, a);
		assert_int_equal(n, 2);
		first_a |= !memcmp(a[0], A("2001:db8:1::a"), 16);
		first_us |= !memcmp(a[0], t->ha_addr, 16);
	}
	assert_true(first_a && first_us);
}

/* 6.5: only requests to the Home-Agents anycast address of a home prefix
 * are answered, and only to a unicast source, once a second per source. */
static void test_dhaad_request_checks(void **st)
{
	struct t *t = *st;
	start(t);
	assert_true(ha_is_anycast(t->ha, A(ANYCAST)));
	assert_false(ha_is_anycast(t->ha, A("2001:db8:1::ffff:ffff:ffff:fffe")));
	assert_false(ha_is_anycast(t->ha, A("2001:db8:2::fdff:ffff:ffff:fffe")));
	icmp(t, 144, 1, "2001:db8:2::100", TU_HA, NULL, NULL, SEC);
	assert_int_equal(t->f.n_out, 0);
	icmp(t, 144, 1, "2001:db8:2::100", ANYCAST, NULL, NULL, SEC);
	assert_int_equal(t->f.n_out, 1);
	icmp(t, 144, 2, "2001:db8:2::100", ANYCAST, NULL, NULL, SEC + 500 * MS);
	assert_int_equal(t->f.n_out, 1);                 /* rate-limited */
	icmp(t, 144, 3, "2001:db8:2::100", ANYCAST, NULL, NULL, 3 * SEC);
	assert_int_equal(t->f.n_out, 2);
	icmp(t, 144, 4, "ff02::1", ANYCAST, NULL, NULL, 5 * SEC);
	assert_int_equal(t->f.n_out, 2);
}

/* 6.7, 6.8, 10.6.3, 3776-03, 3776-06: a Mobile Prefix Solicitation from the
 * care-of address with the home address in a HAO, under IPsec, is answered
 * with an advertisement to that source, RH2 = home address, the same
 * identifier, and the home prefixes with their lifetimes; one without IPsec
 * or without a HAO is not; at most one a second to a mobile node. */
static void test_mps_answered(void **st)
{
	struct t *t = *st;
	t->cfg.prefix_valid_s = 7200;
	start(t);
	icmp(t, 146, 0x1234, TU_COA, TU_HA, t->hoa, NULL, SEC);
	expect_drop(t, M6_E_UNPROTECTED);
	icmp(t, 146, 0x1234, TU_COA, TU_HA, NULL, SA, SEC);
	assert_int_equal(t->f.n_out, 0);
	icmp(t, 146, 0x1234, TU_COA, TU_HA, A("2001:db8:9::100"), SA, SEC);   /* not our prefix */
	assert_int_equal(t->f.n_out, 0);
	icmp(t, 146, 0x1234, TU_COA, TU_HA, t->hoa, SA, SEC);
	assert_int_equal(t->f.n_out, 1);
	struct out o;
	last_out(t, &o);
	assert_memory_equal(o.w.hdr.src, t->ha_addr, 16);
	assert_memory_equal(o.w.hdr.dst, t->coa, 16);
	assert_non_null(ip6_walk_rh2(&o.w, o.p));
	assert_memory_equal(ip6_walk_rh2(&o.w, o.p), t->hoa, 16);
	assert_int_equal(o.w.hao_off, -1);
	assert_int_equal(o.ic[0], 147);
	assert_int_equal(m6_get16(o.ic + 4), 0x1234);
	assert_int_equal(o.ic[6], 0);                    /* M = O = 0 */
	assert_int_equal(o.ilen, 8 + 32);
	const uint8_t *pi = o.ic + 8;
	assert_int_equal(pi[0], 3);
	assert_int_equal(pi[1], 4);
	assert_int_equal(pi[2], 64);
	assert_int_equal(pi[3], 0xc0);
	assert_int_equal(m6_get32(pi + 4), 7200);
	assert_int_equal(m6_get32(pi + 8), 7200);
	assert_memory_equal(pi + 16, A("2001:db8:1::"), 16);
	const struct m6_event *e = expect_ev(t, M6_EV_MPA_SENT);
	assert_int_equal(e->code, 1);
	clear(t);
	icmp(t, 146, 0x1235, TU_COA, TU_HA, t->hoa, SA, SEC + 500 * MS);
	assert_int_equal(t->f.n_out, 0);                 /* 6.8: one a second */
	icmp(t, 146, 0x1236, TU_COA, TU_HA, t->hoa, SA, 2 * SEC + 1);
	assert_int_equal(t->f.n_out, 1);
	/* configurable (8.4): none at all */
	t->cfg.mpd_disabled = true;
	start(t);
	icmp(t, 146, 0x1234, TU_COA, TU_HA, t->hoa, SA, SEC);
	assert_int_equal(t->f.n_out, 0);
}

/* 10.6.2, TMR-05: a new prefix on the home link makes the HA advertise to
 * every mobile node with a home registration, unsolicited, after
 * RAND_ADV_DELAY in [MinMobPfxAdvInterval, MaxMobPfxAdvInterval), again
 * after PREFIX_ADV_TIMEOUT doubling, PREFIX_ADV_RETRIES times, until a
 * solicitation acknowledges it. HA-01, HA-03: the new prefix is a home
 * prefix; the deprecated one's lifetime bounds its bindings (status 1). */
static void test_unsolicited_mpa(void **st)
{
	struct t *t = *st;
	t->cfg.mpa_min_interval_s = 1;
	t->cfg.mpa_max_interval_s = 3;
	start(t);
	uint64_t now = registered(t, 1, 900, 0);
	/* the link confirms the configured prefix: no news */
	const struct ra_pio p1 = { "2001:db8:1::2", 64, 0xc0, DISC_INFINITE, DISC_INFINITE };
	ra(t, "fe80::2", false, 1800, 0, 0, &p1, 1, now);
	assert_null(find_ev(t, M6_EV_HOME_PREFIX));
	assert_true(ha_next_expiry(t->ha) > now + 3000 * SEC);
	/* renumbering: the old prefix deprecated (valid 100 s), a new one */
	const struct ra_pio ren[] = { { "2001:db8:1::2", 64, 0xc0, 100, 0 }, { "2001:db8:5::2", 64, 0xc0, 86400, 86400 } };
	ra(t, "fe80::2", false, 1800, 0, 0, ren, 2, now);
	const struct m6_event *e = expect_ev(t, M6_EV_HOME_PREFIX);
	assert_string_equal(e->text, "deprecated");
	uint64_t at = ha_next_expiry(t->ha);
	assert_true(at >= now + 1 * SEC && at < now + 3 * SEC);
	clear(t);
	ha_on_timer(t->ha, at);
	assert_int_equal(t->f.n_out, 1);
	struct out o;
	last_out(t, &o);
	assert_int_equal(o.ic[0], 147);
	assert_memory_equal(o.w.hdr.dst, t->coa, 16);
	assert_memory_equal(ip6_walk_rh2(&o.w, o.p), t->hoa, 16);
	assert_int_equal(o.ilen, 8 + 2 * 32);
	assert_int_equal(m6_get32(o.ic + 8 + 8), 0);             /* preferred 0 */
	uint32_t left = m6_get32(o.ic + 8 + 4);          /* what remains of 100 s */
	assert_true(left <= 100 && left >= 97);
	assert_memory_equal(o.ic + 40 + 16, A("2001:db8:5::"), 16);
	assert_int_equal(expect_ev(t, M6_EV_MPA_SENT)->code, 0);
	/* retransmissions after 3, 6, 12 s, then no more */
	static const unsigned gap[] = { 3, 6, 12 };
	for (unsigned i = 0; i < 3; i++) {
		assert_true(ha_next_expiry(t->ha) == at + gap[i] * SEC);
		at += gap[i] * SEC;
		clear(t);
		ha_on_timer(t->ha, at);
		assert_int_equal(t->f.n_out, 1);
	}
	assert_true(ha_next_expiry(t->ha) > at + 80 * SEC);
	/* another change; a solicitation acknowledges: no retransmission */
	const struct ra_pio ren2 = { "2001:db8:5::2", 64, 0xc0, 86400, 3600 };
	ra(t, "fe80::2", false, 1800, 0, 0, &ren2, 1, at);
	at = ha_next_expiry(t->ha);
	clear(t);
	ha_on_timer(t->ha, at);
	assert_int_equal(t->f.n_out, 1);
	icmp(t, 146, 9, TU_COA, TU_HA, t->hoa, SA, at + 2 * SEC);
	assert_int_equal(t->f.n_out, 2);                 /* the solicited answer */
	clear(t);
	ha_on_timer(t->ha, at + 3 * SEC);
	assert_int_equal(t->f.n_out, 0);
	/* HA-01: a home address on the new prefix registers (DAD first) */
	struct bu b = reg(t->coa, A("2001:db8:5::100"), t->coa, 1, 900);
	clear(t);
	send_bu(t, &b, SA, at + 4 * SEC);
	expect_ev(t, M6_EV_DAD_STARTED);
	/* HA-03: on the deprecated prefix, no more than its 100 s, status 1 */
	clear(t);
	home_bu(t, 2, 900, 0, at + 4 * SEC);
	const struct ba *ba = last_ba(t);
	assert_int_equal(ba->m.status, MH_BA_ACCEPTED_NEED_PREFIX_DISC);
	assert_true(mh_lifetime_seconds(ba->m.lifetime) <= 100);
}

/* 7.1, 7.2, 7.4: our RA on the home link carries the R bit with our own
 * address in the home prefix's Prefix Information option, and a Home Agent
 * Information option only when preference or lifetime are not defaults. */
static void test_ra_extend(void **st)
{
	struct t *t = *st;
	start(t);
	uint8_t ra_b[64];
	memset(ra_b, 0, sizeof(ra_b));
	ra_b[0] = 134;
	ra_b[5] = 0x20;
	m6_put16(ra_b + 6, 1800);
	uint8_t *pi = ra_b + 16;
	pi[0] = 3;
	pi[1] = 4;
	pi[2] = 64;
	pi[3] = 0xc0;
	memcpy(pi + 16, A("2001:db8:1::"), 16);
	assert_int_equal(ha_ra_extend(t->ha, t->ha_addr, ra_b, 48, sizeof(ra_b), SEC), 48);
	assert_int_equal(pi[3], 0xe0);
	assert_memory_equal(pi + 16, t->ha_addr, 16);
	t->cfg.preference = 20;
	start(t);
	assert_int_equal(ha_ra_extend(t->ha, t->ha_addr, ra_b, 48, sizeof(ra_b), SEC), 56);
	assert_int_equal(ra_b[48], 8);
	assert_int_equal(ra_b[49], 1);
	assert_int_equal(m6_get16(ra_b + 52), 20);
	assert_int_equal(m6_get16(ra_b + 54), 1800);     /* the Router Lifetime */
	t->cfg.ha_lifetime_s = 600;
	start(t);
	assert_int_equal(ha_ra_extend(t->ha, t->ha_addr, ra_b, 48, sizeof(ra_b), SEC), 56);
	assert_int_equal(m6_get16(ra_b + 54), 600);
	/* another link's prefix: left alone */
	pi[3] = 0xc0;
	memcpy(pi + 16, A("2001:db8:7::"), 16);
	assert_int_equal(ha_ra_extend(t->ha, A("2001:db8:7::1"), ra_b, 48, 48, SEC), 48);
	assert_int_equal(pi[3], 0xc0);
}

#define TC(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TC(test_ha_list_and_reply),
		TC(test_dhaad_request_checks),
		TC(test_mps_answered),
		TC(test_unsolicited_mpa),
		TC(test_ra_extend),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
