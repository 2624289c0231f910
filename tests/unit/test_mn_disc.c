/* Mobile node, home agent and prefix discovery (RFC 6275 11.4): dynamic
 * home agent address discovery (6.5, 6.6, 11.4.1), Mobile Prefix
 * Solicitations and Advertisements (6.7, 6.8, 11.4.2, 11.4.3) and following
 * a renumbered home link; each test cites the conformance items it checks.
 * The tests
 * build the home agent's ICMPv6 themselves (checksums with m6_csum_ip6) and
 * hand them over as the node would: after IPsec and RH2 processing. */
#include "mn_fake.h"

/* TMR-05: the constants of RFC 6275 12 */
_Static_assert(MIP6_DHAAD_RETRIES == 4, "DHAAD_RETRIES");
_Static_assert(MIP6_INITIAL_DHAAD_TIMEOUT_S == 3, "INITIAL_DHAAD_TIMEOUT");
_Static_assert(MIP6_INITIAL_SOLICIT_TIMER_S == 3, "INITIAL_SOLICIT_TIMER");
_Static_assert(MIP6_MAX_RO_FAILURE == 3, "MAX_RO_FAILURE");
_Static_assert(MIP6_PREFIX_ADV_RETRIES == 3, "PREFIX_ADV_RETRIES");
_Static_assert(MIP6_PREFIX_ADV_TIMEOUT_S == 3, "PREFIX_ADV_TIMEOUT");
_Static_assert(MIP6_MAX_NONCE_LIFETIME_S == 240 && MIP6_MAX_TOKEN_LIFETIME_S == 210, "nonce, token lifetimes");
_Static_assert(MIP6_MAX_RR_BINDING_LIFETIME_S == 420 && MIP6_MAX_UPDATE_RATE == 3, "RR binding, update rate");

#define ANYCAST "2001:db8:1::fdff:ffff:ffff:fffe"
#define HA2 "2001:db8:1::2"
#define P2 "2001:db8:5::"

/* The MN knowing only its home prefix and identifier (cfg.ha = ::). */
static struct mn *mk_lost_mn(void)
{
	struct mn_cfg c;
	memset(&c, 0, sizeof(c));
	memcpy(c.hoa, HOA, 16);
	tu_addr(HOME_PFX, c.home_prefix);
	c.home_plen = 64;
	memcpy(c.iid, HOA + 8, 8);
	c.lifetime_s = 3600;
	struct mn *mn = mn_new(&c, &IO);
	assert_non_null(mn);
	assert_null(mn_ha(mn));
	return mn;
}

/* An ICMPv6 packet as the node hands it over: IPv6(src -> dst), with an
 * already processed RH2 (Segments Left 0, the care-of address inside) when
 * rh2_coa is given, the checksum over src and dst. */
static size_t icmp_in(uint8_t *b, const uint8_t src[16], const uint8_t dst[16], const uint8_t *rh2_coa,
		      const uint8_t *body, size_t blen)
{
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.hlim = 64;
	h.nh = rh2_coa ? IP6P_ROUTING : IP6P_ICMPV6;
	size_t off = IP6_HDR_LEN;
	if (rh2_coa) {
		static const uint8_t rh[8] = { IP6P_ICMPV6, 2, 2, 0, 0, 0, 0, 0 };
		memcpy(b + off, rh, 8);
		memcpy(b + off + 8, rh2_coa, 16);
		off += 24;
	}
	memcpy(b + off, body, blen);
	m6_put16(b + off + 2, 0);
	m6_put16(b + off + 2, m6_csum_ip6(src, dst, IP6P_ICMPV6, b + off, blen));
	h.plen = (uint16_t)(off - IP6_HDR_LEN + blen);
	ip6_hdr_write(b, &h);
	return off + blen;
}

static void feed_icmp(struct mn *mn, const uint8_t *b, size_t n, const struct ipsec_sa *sa)
{
	struct ip6_walk w;
	int rc = ip6_walk(b, n, IP6W_HAO_KNOWN, &w);
	/* a processed RH2 reads as Segments Left 0, as the node leaves it */
	assert_true(rc == 0 || (rc == M6_E_RH2_SEGLEFT && w.rh_off >= 0 && w.proto == IP6P_ICMPV6));
	mn_input_icmp(mn, b, n, &w, sa, F.now);
}

static void reply(struct mn *mn, uint16_t ident, const uint8_t *dst, const char *const *has, unsigned n)
{
	uint8_t body[8 + 16 * 4], b[256], a[16];
	memset(body, 0, 8);
	body[0] = 145;
	m6_put16(body + 4, ident);
	for (unsigned i = 0; i < n; i++) {
		tu_addr(has[i], a);
		memcpy(body + 8 + 16 * i, a, 16);
	}
	size_t len = icmp_in(b, HA, dst, NULL, body, 8 + 16 * n);
	feed_icmp(mn, b, len, NULL);
}

struct pio { const char *prefix; uint8_t flags; uint32_t valid, pref; };

static void mpa(struct mn *mn, const uint8_t *src, uint16_t ident, bool rh2, const struct ipsec_sa *sa,
		const struct pio *p, unsigned n)
{
	uint8_t body[8 + 32 * 4], b[256];
	memset(body, 0, sizeof(body));
	body[0] = 147;
	m6_put16(body + 4, ident);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *o = body + 8 + 32 * i;
		o[0] = 3;
		o[1] = 4;
		o[2] = 64;
		o[3] = p[i].flags;
		m6_put32(o + 4, p[i].valid);
		m6_put32(o + 8, p[i].pref);
		tu_addr(p[i].prefix, o + 16);
	}
	size_t len = icmp_in(b, src, mn_hoa(mn), rh2 ? mn_coa(mn) : NULL, body, 8 + 32 * n);
	feed_icmp(mn, b, len, sa);
}

/* The n-th captured ICMPv6 message of a type (0-based): its packet index. */
static int find_icmp(uint8_t type, unsigned nth, struct ip6_walk *w)
{
	for (unsigned i = 0; i < F.n_pkt; i++) {
		struct ip6_walk x;
		if (ip6_walk(F.pkt[i].b, F.pkt[i].len, IP6W_HAO_KNOWN, &x) || x.proto != IP6P_ICMPV6 ||
		    F.pkt[i].b[x.proto_off] != type || nth--)
			continue;
		*w = x;
		return (int)i;
	}
	return -1;
}

static unsigned count_icmp(uint8_t type)
{
	struct ip6_walk w;
	unsigned n = 0;
	while (find_icmp(type, n, &w) >= 0)
		n++;
	return n;
}

/* ICMPv6 checksum of captured packet i with the receiver's pseudo-header. */
static void check_icmp_csum(int i, const struct ip6_walk *w)
{
	uint8_t s[16], d[16];
	ip6_walk_pseudo(w, F.pkt[i].b, s, d);
	assert_int_equal(m6_csum_ip6(s, d, IP6P_ICMPV6, F.pkt[i].b + w->proto_off, w->end - w->proto_off), 0);
}

/* 6.5, 11.4.1: with no home agent, the MN away sends a Home Agent Address
 * Discovery Request from its care-of address to the Home-Agents anycast
 * address of its home prefix, no HAO, and repeats the same request after
 * 3, 6, 12, 24 s (INITIAL_DHAAD_TIMEOUT doubling, DHAAD_RETRIES), then
 * stops. No BU goes anywhere meanwhile. */
static void test_dhaad_request(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = mk_lost_mn();
	ra(mn, R1_PFX, 86400);
	struct ip6_walk w;
	int i = find_icmp(144, 0, &w);
	assert_int_equal(i, 0);
	uint8_t any[16];
	tu_addr(ANYCAST, any);
	assert_memory_equal(w.hdr.src, COA, 16);
	assert_memory_equal(w.hdr.dst, any, 16);
	assert_int_equal(w.hao_off, -1);
	assert_int_equal(w.end - w.proto_off, 8);
	const uint8_t *ic = F.pkt[i].b + w.proto_off;
	assert_int_equal(ic[1], 0);
	assert_int_equal(m6_get16(ic + 6), 0);           /* Reserved */
	check_icmp_csum(i, &w);
	uint16_t ident = m6_get16(ic + 4);
	const struct m6_event *e = last_ev(M6_EV_DHAAD_SENT);
	assert_non_null(e);
	assert_int_equal(e->code, ident);
	run_until(mn, 200 * SEC);
	assert_int_equal(count_icmp(144), 1 + MIP6_DHAAD_RETRIES);
	static const uint64_t at[] = { 0, 3, 9, 21, 45 };
	for (unsigned k = 0; k < 5; k++) {
		i = find_icmp(144, k, &w);
		assert_true(F.pkt[i].t == at[k] * SEC);
		assert_int_equal(m6_get16(F.pkt[i].b + w.proto_off + 4), ident);   /* the same request */
	}
	assert_int_equal(count_mh(MH_BU), 0);
	assert_true(dropped_with(M6_E_DISC_TIMEOUT));
	assert_true(mn_next_expiry(mn) > 200 * SEC);
	/* a new care-of address asks again, with a new identifier */
	reset_capture();
	ra(mn, R2_PFX, 86400);
	i = find_icmp(144, 0, &w);
	assert_true(i >= 0);
	assert_memory_equal(w.hdr.src, COA_2, 16);
	mn_free(mn);
}

/* 11.4.1, 6.6: a reply that matches the request picks the first home agent
 * it lists and registers with it at once; replies with another identifier,
 * to another address or listing nothing usable are ignored. TMR-02: a home
 * agent that refuses (131) or never answers a first registration (back-off
 * at MAX_BINDACK_TIMEOUT) is followed by the next one in the reply. */
static void test_dhaad_reply(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = mk_lost_mn();
	ra(mn, R1_PFX, 86400);
	struct ip6_walk w;
	int i = find_icmp(144, 0, &w);
	uint16_t ident = m6_get16(F.pkt[i].b + w.proto_off + 4);
	static const char *const list[] = { HA2, TU_HA, "2001:db8:1::3" };
	static const char *const junk[] = { "ff02::2", "::" };
	F.now = 50 * MS;
	reply(mn, (uint16_t)(ident + 1), COA, list, 3);
	reply(mn, ident, COA_2, list, 3);
	reply(mn, ident, COA, junk, 2);
	assert_null(mn_ha(mn));
	assert_int_equal(count_mh(MH_BU), 0);
	reply(mn, ident, COA, list, 3);
	uint8_t ha2[16];
	tu_addr(HA2, ha2);
	assert_non_null(mn_ha(mn));
	assert_memory_equal(mn_ha(mn), ha2, 16);
	const struct m6_event *e = last_ev(M6_EV_HA_DISCOVERED);
	assert_non_null(e);
	assert_int_equal(e->u32, 3);
	struct pk p;
	assert_true(last_mh(MH_BU, &p) >= 0);
	assert_memory_equal(p.w.hdr.dst, ha2, 16);
	assert_memory_equal(ip6_walk_hoa(&p.w, p.p), HOA, 16);
	/* a duplicate reply (another home agent heard the anycast) changes nothing */
	reply(mn, ident, COA, list + 1, 2);
	assert_memory_equal(mn_ha(mn), ha2, 16);
	/* 131 from the first: the second one */
	struct mh_msg m;
	mh_init(&m, MH_BA);
	m.status = MH_BA_HOME_REG_NOT_SUPPORTED;
	m.seq = p.m.seq;
	static uint8_t b[512];
	int n = mip6_build_mh(b, sizeof(b), ha2, COA, NULL, HOA, &m);
	assert_true(ip6_walk(b, (size_t)n, IP6W_HAO_KNOWN, &w) == 0);
	mn_input_mh(mn, b, (size_t)n, &w, &fake_sa, false, F.now);
	assert_memory_equal(mn_ha(mn), HA, 16);
	assert_true(last_mh(MH_BU, &p) >= 0);
	assert_memory_equal(p.w.hdr.dst, HA, 16);
	uint64_t t0 = F.now;
	/* the second never answers: 1.5, 3, 6, 12, 24, 32 s, then the third */
	run_until(mn, t0 + 78 * SEC);
	assert_memory_equal(mn_ha(mn), HA, 16);
	run_until(mn, t0 + 79 * SEC);
	uint8_t ha3[16];
	tu_addr("2001:db8:1::3", ha3);
	assert_memory_equal(mn_ha(mn), ha3, 16);
	assert_true(last_mh(MH_BU, &p) >= 0);
	assert_memory_equal(p.w.hdr.dst, ha3, 16);
	/* it answers: registered with the third */
	memcpy(HA, ha3, 16);
	ba_from_ha(mn, 0, p.m.seq, 3600, false, &fake_sa);
	tu_addr(TU_HA, HA);
	assert_true(mn_registered(mn));
	/* no more discovery: the last one in the list stays */
	run_until(mn, t0 + 500 * SEC);
	assert_memory_equal(mn_ha(mn), ha3, 16);
	mn_free(mn);
}

/* Registered with HA and its prefix news: BA status 1 makes the MN solicit
 * (BA-03). The solicitation: from the care-of address to the HA, HAO =
 * home address (3776-06), ICMPv6 146 code 0, checksum over the home
 * address (6.7), random identifier; repeated after 3, 6, 12, 24 s. */
static struct mn *soliciting_mn(struct ip6_walk *w, int *idx, uint16_t *ident)
{
	fresh();
	struct mn *mn = mk_mn(false, false, 0, 3600);
	ra(mn, R1_PFX, 86400);
	F.now = 100 * MS;
	ba_from_ha(mn, MH_BA_ACCEPTED_NEED_PREFIX_DISC, last_bu_seq(), 600, false, &fake_sa);
	assert_true(mn_registered(mn));
	*idx = find_icmp(146, 0, w);
	assert_true(*idx >= 0);
	*ident = m6_get16(F.pkt[*idx].b + w->proto_off + 4);
	return mn;
}

static void test_mps(void **s)
{
	(void)s;
	struct ip6_walk w;
	int i;
	uint16_t ident;
	struct mn *mn = soliciting_mn(&w, &i, &ident);
	assert_memory_equal(w.hdr.src, COA, 16);
	assert_memory_equal(w.hdr.dst, HA, 16);
	assert_non_null(ip6_walk_hoa(&w, F.pkt[i].b));
	assert_memory_equal(ip6_walk_hoa(&w, F.pkt[i].b), HOA, 16);
	assert_int_equal(F.pkt[i].b[w.proto_off + 1], 0);
	check_icmp_csum(i, &w);
	assert_non_null(last_ev(M6_EV_MPS_SENT));
	/* retransmitted with the same identifier until the timeout would be 32 s */
	run_until(mn, 100 * SEC);
	assert_int_equal(count_icmp(146), 5);
	static const uint64_t at[] = { 0, 3, 9, 21, 45 };
	for (unsigned k = 0; k < 5; k++) {
		i = find_icmp(146, k, &w);
		assert_true(F.pkt[i].t == 100 * MS + at[k] * SEC);
		assert_int_equal(m6_get16(F.pkt[i].b + w.proto_off + 4), ident);
	}
	assert_true(dropped_with(M6_E_DISC_TIMEOUT));
	mn_free(mn);
}

/* 11.4.3, 3776-03: an advertisement counts only from the home agent, with
 * an RH2, under IPsec and with the identifier of the solicitation; an
 * otherwise valid unsolicited one is discarded and answered with a
 * solicitation. The accepted one's home prefix lifetime bounds the next
 * home registration (11.4.2). */
static void test_mpa_validation(void **s)
{
	(void)s;
	struct ip6_walk w;
	int i;
	uint16_t ident;
	struct mn *mn = soliciting_mn(&w, &i, &ident);
	const struct pio home = { HOME_PFX, 0xc0, 100, 100 };
	uint8_t other[16];
	tu_addr("2001:db8:1::7", other);
	mpa(mn, HA, ident, true, NULL, &home, 1);          /* no IPsec */
	assert_true(dropped_with(M6_E_UNPROTECTED));
	mpa(mn, other, ident, true, &fake_sa, &home, 1);   /* not our home agent */
	mpa(mn, HA, ident, false, &fake_sa, &home, 1);     /* no RH2 */
	assert_int_equal(count_ev(M6_EV_MPA_RECEIVED), 0);
	unsigned mps = count_icmp(146);
	mpa(mn, HA, (uint16_t)(ident ^ 1), true, &fake_sa, &home, 1);   /* another identifier */
	assert_int_equal(count_ev(M6_EV_MPA_RECEIVED), 0);
	assert_int_equal(count_icmp(146), mps);            /* ours is still outstanding */
	F.now += 1 * SEC;
	mpa(mn, HA, ident, true, &fake_sa, &home, 1);
	const struct m6_event *e = last_ev(M6_EV_MPA_RECEIVED);
	assert_non_null(e);
	assert_int_equal(e->u32, 1);
	assert_memory_equal(mn_hoa(mn), HOA, 16);          /* nothing to follow */
	/* no more retransmissions; the same identifier again is unsolicited */
	run_until(mn, F.now + 10 * SEC);
	assert_int_equal(count_icmp(146), mps);
	mpa(mn, HA, ident, true, &fake_sa, &home, 1);
	assert_int_equal(count_icmp(146), mps + 1);
	i = find_icmp(146, mps, &w);
	assert_int_not_equal(m6_get16(F.pkt[i].b + w.proto_off + 4), ident);
	/* 11.4.2: the next home registration asks for no more than the prefix's 100 s */
	struct mh_msg m;
	mh_init(&m, MH_BRR);
	inject(mn, HA, COA, HOA, &m, &fake_sa, false);
	struct pk p;
	assert_true(last_mh(MH_BU, &p) >= 0);
	assert_true(mh_lifetime_seconds(p.m.lifetime) <= 90);
	assert_true(p.m.lifetime > 0);
	mn_free(mn);
}

/* 11.4.3 followed through: the home prefix is deprecated and another /64
 * offered: the home address moves to it (same interface identifier) and is
 * registered at once as a first registration; a prefix still preferred, or
 * a successor that is not usable, changes nothing. */
static void test_renumbering(void **s)
{
	(void)s;
	struct ip6_walk w;
	int i;
	uint16_t ident;
	struct mn *mn = soliciting_mn(&w, &i, &ident);
	const struct pio keep[] = { { HOME_PFX, 0xc0, 600, 600 }, { P2, 0xc0, 86400, 86400 } };
	mpa(mn, HA, ident, true, &fake_sa, keep, 2);
	assert_memory_equal(mn_hoa(mn), HOA, 16);
	/* deprecated, but the successor is not for autonomous configuration
	 * (an unsolicited advertisement makes the MN ask again) */
	mpa(mn, HA, 0x5555, true, &fake_sa, keep, 2);
	i = find_icmp(146, count_icmp(146) - 1, &w);
	ident = m6_get16(F.pkt[i].b + w.proto_off + 4);
	const struct pio no_a[] = { { HOME_PFX, 0xc0, 600, 0 }, { P2, 0x80, 86400, 86400 } };
	mpa(mn, HA, ident, true, &fake_sa, no_a, 2);
	assert_memory_equal(mn_hoa(mn), HOA, 16);
	/* deprecated with a successor: follow it */
	mpa(mn, HA, 0x5555, true, &fake_sa, keep, 2);
	i = find_icmp(146, count_icmp(146) - 1, &w);
	ident = m6_get16(F.pkt[i].b + w.proto_off + 4);
	unsigned bus = count_mh(MH_BU), binds = F.n_bind;
	F.now += 1 * SEC;
	uint64_t t = F.now;
	const struct pio move[] = { { HOME_PFX, 0xc0, 600, 0 }, { P2, 0xc0, 86400, 86400 } };
	mpa(mn, HA, ident, true, &fake_sa, move, 2);
	uint8_t hoa2[16];
	tu_addr(P2 "100", hoa2);
	assert_memory_equal(mn_hoa(mn), hoa2, 16);
	/* the old address's registration is left behind: the node hears it go */
	assert_int_equal(F.n_bind, binds + 1);
	assert_memory_equal(F.bind.hoa, HOA, 16);
	assert_true(F.bind.has_old);
	assert_memory_equal(F.bind.old_coa, COA, 16);
	assert_false(F.bind.has_new);
	const struct m6_event *e = last_ev(M6_EV_HOA_CHANGED);
	assert_non_null(e);
	assert_memory_equal(e->peer, HOA, 16);
	assert_memory_equal(e->addr, hoa2, 16);
	assert_int_equal(count_mh(MH_BU), bus + 1);
	struct pk p;
	int ib = last_mh(MH_BU, &p);
	assert_memory_equal(p.w.hdr.src, COA, 16);
	assert_memory_equal(ip6_walk_hoa(&p.w, p.p), hoa2, 16);
	assert_true(p.m.flags & MH_BU_H);
	assert_false(mn_registered(mn));
	/* a first registration: InitialBindackTimeoutFirstReg (TMR-01) */
	run_until(mn, t + 1500 * MS);
	assert_int_equal(count_mh(MH_BU), bus + 2);
	(void)ib;
	memcpy(HOA, hoa2, 16);
	ba_from_ha(mn, 0, last_bu_seq(), 3600, false, &fake_sa);
	tu_addr(TU_HOA, HOA);
	assert_true(mn_registered(mn));
	/* and a new one comes for the new address, not an update of the old */
	assert_int_equal(F.n_bind, binds + 2);
	assert_memory_equal(F.bind.hoa, hoa2, 16);
	assert_false(F.bind.has_old);
	assert_true(F.bind.has_new);
	assert_memory_equal(F.bind.new_coa, COA, 16);
	mn_free(mn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_dhaad_request, setup),
		cmocka_unit_test_setup(test_dhaad_reply, setup),
		cmocka_unit_test_setup(test_mps, setup),
		cmocka_unit_test_setup(test_mpa_validation, setup),
		cmocka_unit_test_setup(test_renumbering, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
