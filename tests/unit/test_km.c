/* A test key manager on the node's key-manager interface (node.h): it
 * receives UDP 500 and 4500 (non-ESP marker, NAT-keepalive) past a policy
 * that would otherwise swallow them (automatic SPD bypass, RFC 4301 5.1),
 * sends through the node, keeps a timer, reserves a larval SPI, installs,
 * updates and deletes SAs, sees idle SAs reach soft and hard expiry by the
 * node's timer, deletes from inside a notification, and hears of every
 * home-registration change with the K bit. Runs
 * under ASan in CI: a key manager that acts inside a notification must not
 * corrupt a packet or hand the engines a wiped SA. */
#include <stdlib.h>

#include "tu.h"
#include "tn.h"
#include "keyconf.h"
#include "crypto/m6_crypto.h"
#include "node/node.h"
#include "pkt/mh.h"

#define S 1000000000ull
#define A_ADDR "2001:db8:5::a"
#define B_ADDR "2001:db8:5::b"

/* Everything between A and B must be protected; nothing is keyed. */
#define PROTECT_ALL(l, r)                                                                              \
	"spd = ( { name = \"out\"; dir = \"out\"; order = 10; local = \"" l "\"; remote = \"" r "\"; },"  \
	"        { name = \"in\"; dir = \"in\"; order = 10; local = \"" l "\"; remote = \"" r "\"; } );"

struct tkm {
	const char *who;
	struct node *n;
	unsigned acquires, soft, hard, inputs, timers, moves, bindings, delivered;
	uint8_t msg[64];
	size_t msg_len;
	uint16_t sport, dport;
	uint64_t timer_at;
	bool delete_on_expire;
	bool key_on_acquire;
	char log[64];                 /* order of what happened: D delivered, E expiry */
	size_t nlog;
	struct node_binding_change last_bc;
};

static struct tkm ka, kb;
static struct node *na, *nb;
static uint64_t now;

static void logc(struct tkm *k, char c)
{
	if (k->nlog + 1 < sizeof(k->log))
		k->log[k->nlog++] = c;
}

/* ---- a hub between the nodes ---- */

static void pump(void)
{
	static struct node_out o;
	for (int round = 0; round < 50; round++) {
		bool any = false;
		while (node_output(na, &o, now)) {
			any = true;
			node_input(nb, 0, o.pkt, o.len, now);
		}
		while (node_output(nb, &o, now)) {
			any = true;
			node_input(na, 0, o.pkt, o.len, now);
		}
		if (!any)
			return;
	}
	fail_msg("packets still flowing after 50 rounds");
}

static void advance(uint64_t to)
{
	tn_pair_advance(na, nb, &now, to, pump);
}

/* ---- the key manager ---- */

static void install_pair(struct node *from, struct node *to, uint32_t spd_id, const char *src, const char *dst,
			 uint64_t soft_ns, uint64_t hard_ns, uint64_t soft_packets, uint64_t hard_packets)
{
	uint32_t spi;
	assert_int_equal(node_sa_reserve_spi(to, IP6P_ESP, &spi), 0);
	struct m6_xform_cfg x = { .enc = M6_ENC_AES_GCM_16, .eklen = 20 };
	for (int i = 0; i < 20; i++)
		x.ekey[i] = (uint8_t)(i + 1);
	struct ipsec_sa sa;
	memset(&sa, 0, sizeof(sa));
	struct sa_lifetime life;
	memset(&life, 0, sizeof(life));
	sa.life = &life;
	sa.spi = spi;
	sa.proto = IP6P_ESP;
	sa.mode = SA_TRANSPORT;
	tu_addr(src, sa.src);
	tu_addr(dst, sa.dst);
	spd_sel_any(&sa.ts);
	life.soft_ns = soft_ns;
	life.hard_ns = hard_ns;
	life.soft_packets = soft_packets;
	life.hard_packets = hard_packets;
	/* outbound at `from` */
	sa.inbound = false;
	sa.spd_id = spd_id;
	memcpy(sa.ts.local_lo, sa.src, 16), memcpy(sa.ts.local_hi, sa.src, 16);
	memcpy(sa.ts.remote_lo, sa.dst, 16), memcpy(sa.ts.remote_hi, sa.dst, 16);
	assert_int_equal(m6_xform_init(&sa.xf, &x, true, NULL, 0), 0);
	assert_int_equal(node_sa_add(from, &sa), 0);
	/* inbound at `to`: completes the larval SA */
	sa.inbound = true;
	sa.replay_on = true;
	assert_int_equal(replay_init(&sa.replay, 0, false), 0);
	memcpy(sa.ts.local_lo, sa.dst, 16), memcpy(sa.ts.local_hi, sa.dst, 16);
	memcpy(sa.ts.remote_lo, sa.src, 16), memcpy(sa.ts.remote_hi, sa.src, 16);
	assert_int_equal(m6_xform_init(&sa.xf, &x, false, NULL, 0), 0);
	assert_int_equal(node_sa_add(to, &sa), 0);
}

static uint32_t policy_id(struct node *n, enum spd_dir dir)
{
	return spd_at(node_bits(n)->spd, dir, 0)->id;
}

static void km_acquire(void *ctx, struct node *n, uint32_t spd_id, const struct ipsec_flow *flow)
{
	struct tkm *k = ctx;
	(void)flow;
	k->acquires++;
	if (!k->key_on_acquire)
		return;
	/* answer from inside the notification: an IKE message, then the SAs */
	uint8_t a[16], b[16];
	tu_addr(A_ADDR, a);
	tu_addr(B_ADDR, b);
	assert_int_equal(node_km_send(n, a, b, 500, 500, (const uint8_t *)"IKE_SA_INIT", 11), 0);
	install_pair(n, nb, spd_id, A_ADDR, B_ADDR, 0, 0, 0, 0);
}

static void km_expire(void *ctx, struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard)
{
	struct tkm *k = ctx;
	logc(k, hard ? 'H' : 'E');
	if (hard)
		k->hard++;
	else
		k->soft++;
	if (k->delete_on_expire)
		assert_int_equal(node_sa_delete(n, spi, proto, inbound), 0);
}

static void km_input(void *ctx, struct node *n, const struct node_km_msg *m)
{
	struct tkm *k = ctx;
	(void)n;
	k->inputs++;
	k->sport = m->sport;
	k->dport = m->dport;
	k->msg_len = m->len < sizeof(k->msg) ? m->len : sizeof(k->msg);
	memcpy(k->msg, m->data, k->msg_len);
}

static uint64_t km_next(void *ctx, const struct node *n)
{
	(void)n;
	return ((struct tkm *)ctx)->timer_at;
}

static void km_timer(void *ctx, struct node *n, uint64_t t)
{
	struct tkm *k = ctx;
	(void)n;
	assert_true(t >= k->timer_at);
	k->timers++;
	k->timer_at = UINT64_MAX;
}

static void km_binding(void *ctx, struct node *n, const struct node_binding_change *c)
{
	struct tkm *k = ctx;
	(void)n;
	k->bindings++;
	k->last_bc = *c;
}

static void on_deliver(void *ctx, struct node *n, const uint8_t *pkt, size_t len, uint64_t t)
{
	(void)n, (void)pkt, (void)len, (void)t;
	struct tkm *k = ctx;
	k->delivered++;
	logc(k, 'D');
}

static struct node *host(const char *name, const char *a, const char *ipsec, struct tkm *k)
{
	struct node_cfg c;
	struct keyconf kc;
	char err[256];
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.n_ifaces = 1;
	c.ifaces[0].has_addr = true;
	tu_addr(a, c.ifaces[0].addr);
	tu_addr("2001:db8:5::", c.ifaces[0].prefix);
	c.ifaces[0].plen = 64;
	c.seed = 3;
	if (ipsec) {
		if (keyconf_load_string(ipsec, &kc, err, sizeof(err)))
			fail_msg("%s", err);
		c.bits = kc.bits;
		c.spd = kc.spd;
		/* room for what the key manager installs (keyconf sizes for its own) */
		sad_free(kc.sad);
		c.sad = sad_new(256);
		c.pad = kc.pad;
	}
	struct node *n = node_new(&c, 0, err, sizeof(err));
	assert_non_null(n);
	memset(k, 0, sizeof(*k));
	k->who = name;
	k->n = n;
	k->timer_at = UINT64_MAX;
	struct node_km km = { .ctx = k, .acquire = km_acquire, .expire = km_expire, .input = km_input,
			      .next_expiry = km_next, .on_timer = km_timer, .binding_changed = km_binding };
	node_set_km(n, &km);
	node_set_deliver_cb(n, on_deliver, k);
	return n;
}

static int setup(void **s)
{
	(void)s;
	now = 0;
	na = host("a", A_ADDR, PROTECT_ALL(A_ADDR, B_ADDR), &ka);
	nb = host("b", B_ADDR, PROTECT_ALL(B_ADDR, A_ADDR), &kb);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	node_free(na);
	node_free(nb);
	return 0;
}

static size_t udp_packet(uint8_t *p, const char *src, const char *dst, uint16_t sport, uint16_t dport,
			 const uint8_t *data, size_t len, bool bad_sum)
{
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	tu_addr(src, h.src);
	tu_addr(dst, h.dst);
	h.nh = IP6P_UDP;
	h.hlim = 64;
	h.plen = (uint16_t)(8 + len);
	ip6_hdr_write(p, &h);
	uint8_t *u = p + 40;
	m6_put16(u, sport);
	m6_put16(u + 2, dport);
	m6_put16(u + 4, (uint16_t)(8 + len));
	m6_put16(u + 6, 0);
	memcpy(u + 8, data, len);
	uint16_t c = m6_csum_ip6(h.src, h.dst, IP6P_UDP, u, 8 + len);
	m6_put16(u + 6, (uint16_t)((c ? c : 0xffff) ^ (bad_sum ? 1 : 0)));
	return 48 + len;
}

static void app_udp(struct node *n, const char *src, const char *dst)
{
	uint8_t p[128];
	size_t len = udp_packet(p, src, dst, 4000, 7, (const uint8_t *)"payload!", 8, false);
	assert_int_equal(node_app_send(n, p, len, now), 0);
}

/* ---- tests ---- */

static void test_ports_bypass_the_spd(void **s)
{
	(void)s;
	uint8_t a[16], b[16];
	tu_addr(A_ADDR, a);
	tu_addr(B_ADDR, b);
	/* IKE between two nodes whose SPDs protect everything and hold no SA */
	assert_int_equal(node_km_send(na, a, b, 500, 500, (const uint8_t *)"hello-ike", 9), 0);
	pump();
	assert_int_equal(kb.inputs, 1);
	assert_int_equal(kb.dport, 500);
	assert_int_equal(kb.msg_len, 9);
	assert_memory_equal(kb.msg, "hello-ike", 9);
	assert_int_equal(ka.acquires + kb.acquires, 0);
	/* port 4500: the non-ESP marker is added and taken off */
	assert_int_equal(node_km_send(na, a, b, 4500, 4500, (const uint8_t *)"natt", 4), 0);
	pump();
	assert_int_equal(kb.inputs, 2);
	assert_int_equal(kb.msg_len, 4);
	assert_memory_equal(kb.msg, "natt", 4);
	/* IKE-20: a NAT-keepalive (RFC 3948 2.3) is taken by the node's
	 * key-manager port (bypassing the SPD), counted, and ends there */
	uint8_t p[128], ff = 0xff;
	size_t len = udp_packet(p, A_ADDR, B_ADDR, 4500, 4500, &ff, 1, false);
	assert_int_equal(node_input(nb, 0, p, len, now), 0);
	assert_int_equal(kb.inputs, 2);
	assert_int_equal(node_km_stats(nb)->keepalives_in, 1);
	/* and one sent is the octet alone, no marker */
	assert_int_equal(node_km_keepalive(na, a, b, 4500, 4500), 0);
	pump();
	assert_int_equal(kb.inputs, 2);
	assert_int_equal(node_km_stats(na)->keepalives_out, 1);
	assert_int_equal(node_km_stats(nb)->keepalives_in, 2);
	/* a bad checksum is dropped and counted, never handed over */
	len = udp_packet(p, A_ADDR, B_ADDR, 500, 500, (const uint8_t *)"x", 1, true);
	assert_int_equal(node_input(nb, 0, p, len, now), M6_E_UDP_CKSUM);
	assert_int_equal(kb.inputs, 2);
	/* other UDP gets no bypass: the policy wants an SA (ACQUIRE) */
	app_udp(na, A_ADDR, B_ADDR);
	assert_int_equal(ka.acquires, 1);
	pump();
	assert_int_equal(kb.delivered, 0);
	/* a source that is not the node's own is refused */
	assert_int_equal(node_km_send(na, b, a, 500, 500, (const uint8_t *)"x", 1), M6_E_INVAL);
	assert_int_equal(node_km_stats(na)->out_msgs, 2);
	assert_int_equal(node_km_stats(nb)->in_msgs, 2);
	/* between 500 and 4500 (a MOBIKE peer that floated its own port):
	 * port 500 decides, no marker either way, as strongSwan does */
	static const uint8_t ike4[8] = { 0xa7, 0x60, 0xd5, 0x20, 0xa5, 0x40, 0x57, 0xee };
	len = udp_packet(p, A_ADDR, B_ADDR, 4500, 500, ike4, sizeof(ike4), false);
	assert_int_equal(node_input(nb, 0, p, len, now), 0);
	assert_int_equal(kb.inputs, 3);
	assert_int_equal(kb.msg_len, sizeof(ike4));
	assert_memory_equal(kb.msg, ike4, sizeof(ike4));
	len = udp_packet(p, A_ADDR, B_ADDR, 500, 4500, ike4, sizeof(ike4), false);
	assert_int_equal(node_input(nb, 0, p, len, now), 0);
	assert_int_equal(kb.inputs, 4);
	assert_memory_equal(kb.msg, ike4, sizeof(ike4));
	static struct node_out o;
	assert_int_equal(node_km_send(nb, b, a, 500, 4500, ike4, sizeof(ike4)), 0);
	assert_true(node_output(nb, &o, now));
	assert_int_equal(o.len, 40 + 8 + sizeof(ike4));
	assert_memory_equal(o.pkt + 48, ike4, sizeof(ike4));
}

/* Without a key manager's input hook, port 500 is ordinary traffic. */
static void test_no_km_no_bypass(void **s)
{
	(void)s;
	struct node_km none = { .ctx = &kb, .acquire = km_acquire };
	node_set_km(nb, &none);
	uint8_t p[128];
	size_t len = udp_packet(p, A_ADDR, B_ADDR, 500, 500, (const uint8_t *)"ike", 3, false);
	assert_int_equal(node_input(nb, 0, p, len, now), M6_E_UNPROTECTED);
	assert_int_equal(kb.inputs, 0);
	assert_int_equal(kb.delivered, 0);
}

static void test_timer(void **s)
{
	(void)s;
	ka.timer_at = 7 * S;
	assert_int_equal(node_next_expiry(na) <= 7 * S, 1);
	advance(6 * S);
	assert_int_equal(ka.timers, 0);
	advance(8 * S);
	assert_int_equal(ka.timers, 1);
}

/* ACQUIRE answered from inside the notification: it arrives after the
 * packet that caused it is gone; the key manager sends and installs there. */
static void test_acquire_install_update_delete(void **s)
{
	(void)s;
	ka.key_on_acquire = true;
	app_udp(na, A_ADDR, B_ADDR);
	assert_int_equal(ka.acquires, 1);
	pump();
	assert_int_equal(kb.inputs, 1);            /* the IKE message sent from the callback */
	assert_memory_equal(kb.msg, "IKE_SA_INIT", 11);
	assert_int_equal(kb.delivered, 0);         /* the first packet was dropped (fail closed) */
	app_udp(na, A_ADDR, B_ADDR);
	static struct node_out o;
	assert_int_equal(node_output(na, &o, now), 1);
	assert_int_equal(o.pkt[6], IP6P_ESP);
	assert_int_equal(o.nh_kind, NODE_NH_ONLINK);
	node_input(nb, 0, o.pkt, o.len, now);
	assert_int_equal(kb.delivered, 1);
	assert_int_equal(ka.acquires, 1);
	/* update: the outbound SA's destination moves (MOBIKE, NAT-T) */
	const struct ipsec_sa *out = NULL;
	for (size_t i = 0; i < sad_capacity(node_bits(na)->sad); i++)
		if ((out = sad_slot(node_bits(na)->sad, i)) && !out->inbound)
			break;
	assert_non_null(out);
	uint32_t spi = out->spi;
	uint8_t other[16];
	tu_addr("2001:db8:5::bb", other);
	struct node_sa_update u = { .dst = other, .set_encap = true, .encap_sport = 4500, .encap_dport = 4500 };
	assert_int_equal(node_sa_update(na, spi, IP6P_ESP, false, &u), 0);
	assert_memory_equal(out->dst, other, 16);
	assert_int_equal(out->encap_dport, 4500);
	assert_int_equal(node_sa_update(na, spi, IP6P_ESP, true, &u), M6_E_NOTFOUND);
	/* delete: the next packet asks again */
	assert_int_equal(node_sa_delete(na, spi, IP6P_ESP, false), 0);
	assert_int_equal(node_sa_delete(na, spi, IP6P_ESP, false), M6_E_NOTFOUND);
	ka.key_on_acquire = false;
	app_udp(na, A_ADDR, B_ADDR);
	assert_int_equal(ka.acquires, 2);
}

/* A larval SA holds its SPI and matches nothing until it is completed. */
static void test_larval(void **s)
{
	(void)s;
	uint32_t spi, spi2;
	assert_int_equal(node_sa_reserve_spi(nb, IP6P_ESP, &spi), 0);
	assert_int_equal(node_sa_reserve_spi(nb, IP6P_ESP, &spi2), 0);
	assert_true(spi >= 256 && spi2 >= 256 && spi != spi2);
	assert_int_equal(sad_find(node_bits(nb)->sad, spi, IP6P_ESP, true)->state, SA_LARVAL);
	uint8_t p[128];
	size_t len = udp_packet(p, A_ADDR, B_ADDR, 1, 2, (const uint8_t *)"abcdefgh", 8, false);
	p[6] = IP6P_ESP;                           /* an ESP header with the larval SPI */
	m6_put32(p + 40, spi);
	m6_put32(p + 44, 1);
	assert_int_equal(node_input(nb, 0, p, len, now), M6_E_SPI);
	assert_int_equal(node_sa_delete(nb, spi, IP6P_ESP, true), 0);
	assert_int_equal(node_sa_reserve_spi(nb, 99, &spi), M6_E_INVAL);
}

/* SAD-03: an SA nobody uses still reaches soft then hard expiry, by the
 * node's timer; the key manager deletes it from inside the notification. */
static void test_idle_expiry(void **s)
{
	(void)s;
	install_pair(na, nb, policy_id(na, SPD_OUT), A_ADDR, B_ADDR, 2 * S, 5 * S, 0, 0);
	assert_int_equal(node_next_expiry(na), 2 * S);
	ka.delete_on_expire = true;
	advance(3 * S);
	assert_int_equal(ka.soft, 1);
	assert_int_equal(kb.soft, 1);
	assert_int_equal(ka.hard, 0);
	assert_int_equal(node_next_expiry(na), 5 * S);
	size_t before = sad_count(node_bits(nb)->sad);
	advance(6 * S);
	assert_int_equal(ka.hard, 0);               /* a deleted it at soft expiry */
	assert_int_equal(kb.hard, 1);               /* b keeps it until hard: no callback deletes */
	assert_int_equal(sad_count(node_bits(na)->sad), 0);
	/* with an expire callback the node leaves a dead SA to the key manager */
	assert_int_equal(sad_count(node_bits(nb)->sad), before);
	assert_int_equal(node_next_expiry(na), UINT64_MAX);
}

/* An SA that expires on the packet that uses it: the packet is delivered
 * first, the key manager deletes the SA afterwards, and the next packet
 * is refused (no use of a wiped SA). */
static void test_expire_on_packet(void **s)
{
	(void)s;
	install_pair(na, nb, policy_id(na, SPD_OUT), A_ADDR, B_ADDR, 0, 0, 1, 2);
	kb.delete_on_expire = true;
	app_udp(na, A_ADDR, B_ADDR);
	pump();
	assert_int_equal(kb.delivered, 1);
	assert_string_equal(kb.log, "DE");          /* delivered, then soft expiry */
	assert_int_equal(ka.soft, 1);               /* a's outbound SA went soft too */
	app_udp(na, A_ADDR, B_ADDR);
	pump();
	assert_int_equal(kb.delivered, 1);          /* b's SA is gone: unknown SPI */
	assert_true(bits_drops(node_bits(nb), M6_E_SPI) >= 1);
}

/* No notification is lost when many come at once (the pipeline's own
 * queue holds 64). */
static void test_many_notifications(void **s)
{
	(void)s;
	for (int i = 0; i < 100; i++)
		install_pair(na, nb, policy_id(na, SPD_OUT), A_ADDR, B_ADDR, 1 * S, 0, 0, 0);
	advance(2 * S);
	assert_int_equal(ka.soft, 100);
	assert_int_equal(kb.soft, 100);
	assert_int_equal(node_km_stats(na)->lost, 0);
	assert_int_equal(node_km_stats(na)->delivered, node_km_stats(na)->queued);
}

/* A node refused at creation still frees the tables it was given (the
 * leak shows under LeakSanitizer in CI); echo answering is the node's
 * option, for a host stack behind TUN that answers itself. */
static void test_new_failure_and_echo(void **s)
{
	(void)s;
	struct node_cfg c;
	char err[128];
	memset(&c, 0, sizeof(c));
	c.spd = spd_new();
	c.sad = sad_new(4);
	c.pad = pad_new();
	assert_null(node_new(&c, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "interfaces"));
	memset(&c, 0, sizeof(c));
	c.n_ifaces = 1;
	c.ifaces[0].has_addr = true;
	tu_addr(B_ADDR, c.ifaces[0].addr);
	c.no_echo_reply = true;
	struct node *n = node_new(&c, 0, err, sizeof(err));
	assert_non_null(n);
	struct tkm k;
	memset(&k, 0, sizeof(k));
	node_set_deliver_cb(n, on_deliver, &k);
	uint8_t p[48];
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	tu_addr(A_ADDR, h.src);
	tu_addr(B_ADDR, h.dst);
	h.nh = IP6P_ICMPV6;
	h.hlim = 64;
	h.plen = 8;
	ip6_hdr_write(p, &h);
	memset(p + 40, 0, 8);
	p[40] = 128;
	m6_put16(p + 42, m6_csum_ip6(h.src, h.dst, IP6P_ICMPV6, p + 40, 8));
	assert_int_equal(node_input(n, 0, p, sizeof(p), 0), 0);
	static struct node_out o;
	assert_int_equal(node_output(n, &o, 0), 0);   /* no reply of its own */
	assert_int_equal(k.delivered, 1);            /* handed up instead */
	node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ports_bypass_the_spd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_km_no_bypass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acquire_install_update_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_larval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expire_on_packet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_notifications, setup, teardown),
		cmocka_unit_test(test_new_failure_and_echo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
