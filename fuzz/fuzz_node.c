/*
 * fuzz_node — libFuzzer harness for the sans-I/O node API
 * (src/core/node/node.h): a third driver after the simulator and the tests,
 * one that says things the other two never do.
 *
 * For every input three nodes are built afresh (node_new, their IPsec
 * tables copies of configuration text parsed once per process: see
 * fuzz_node_world.c), so no state carries over from one input to the
 * next: a home agent, a mobile node
 * with route optimisation towards the correspondent, and that
 * correspondent node.
 *
 *   link 0 "home"      HA if0 2001:db8:1::1/64 (sends RAs; home prefix)
 *   link 1 "backbone"  HA if1 2001:db8:4::2/64, CN if0 2001:db8:4::1/64
 *   link 2 "foreign"   the MN's if0 (by default; no static address)
 *   router R           emulated by the harness between "foreign" and
 *                      "backbone": RAs for 2001:db8:2::/64 from
 *                      2001:db8:2::1 every 3 s (the HA's too), forwards unicast
 *                      (hop limit - 1) to the foreign prefix onto
 *                      "foreign" and everything else off it
 *
 * The MN's home address is 2001:db8:1::100, its care-of address on the
 * foreign link 2001:db8:2::100. IPsec (manual keys, aes-cbc +
 * hmac-sha256-128): MN->HA BU SPI 0x1001 and HA->MN BA SPI 0x1002 with key
 * set A (000102..0f / 202122..3f, as tests/unit/test_node.c), and at the HA
 * a second mobile node's BU SPI 0x2001 (home address 2001:db8:1::200) with
 * key set B (505152..5f / 606162..7f); everything else bypasses. The CN has
 * no IPsec (return routability protects route optimisation).
 *
 * Links are hubs with no delay: whatever a node emits (node_output, drained
 * after every call) reaches every other interface attached to its link, in
 * FIFO order, within the same instant. Time only moves with TIME records.
 *
 * Input: one header octet, then records until the input ends.
 *   header  bit 0  valid start: before the records, run 3 s of normal
 *                  operation (R's RAs give the MN its care-of address, it
 *                  registers with the HA, runs return routability with the
 *                  CN and sends it a BU)
 *           bit 1  the MN starts on the home link instead of the foreign one
 *           bit 2  outputs are only checked, never passed between nodes
 *           bit 3  the true-address model for the HA's and the MN's IPsec
 *                  (selectors "any", SA addresses "::") instead of the
 *                  normalising one
 *           bits 4-7  all set: every node has its own scratch, transmit
 *                  queue and random generators (node_new without a
 *                  node_shared); otherwise the three nodes borrow one
 *                  node_shared made once per process (cheaper: see
 *                  fuzz_node_world.c), as a driver with many nodes does
 *   record  [1 octet: target | iface << 2 | action << 4 | fixup << 7]
 *           [2 octets: payload length, big endian] [payload]
 *           (a payload cut short by the end of the input is what is left)
 *     target  0 HA, 1 MN, 2 CN, 3 the wire: link (iface % 3) as if some
 *             station sent it (R forwards it as it would)
 *     iface   the interface index given to the node (0..3, unchecked)
 *     fixup   for packets built from payload octets: Payload Length, MH
 *             Header Len and the MH / ICMPv6 / UDP checksums are made
 *             right (also inside IPv6-in-IPv6) before delivery
 *     actions
 *       0 PKT     the payload is a packet: node_input(target, iface), or
 *                 sent on the wire
 *       1 TIME    advance the clock (payload: 3 octets = ms, 2 = ms, 1 =
 *                 10 ms units, none = 1 s), firing every timer that falls
 *                 due, R's RAs included, in order (past a budget of firings
 *                 the clock jumps and timers fire late)
 *       2 LINK    node_link(target, iface, toggled); target 3 switches R
 *                 (its RAs and forwarding) off or on
 *       3 APP     node_app_send() on target (3: the MN) of a packet from
 *                 the node's own (home) address: payload octet 0 bits 0-2
 *                 destination (address table below), bits 3-4 kind: ICMPv6
 *                 echo request, UDP, ICMPv6 of type octet 1, raw (the
 *                 payload from octet 1 on is the packet, its source set to
 *                 the node's address); then the data
 *       4 RA      a Router Advertisement built from the payload: octets 0-7
 *                 the prefix's first half, 8 prefix length, 9 Prefix
 *                 Information flags, 10-13 valid lifetime, 14 RA flags, 15
 *                 bits 0-2 source (address table; default R), bit 3 Hop
 *                 Limit 64 instead of 255, 16- extra options (missing
 *                 octets read as R's own RA); to target/iface, or on the
 *                 wire (link iface % 3)
 *       5 REPLAY  one of the last 16 packets the nodes emitted (octet 0:
 *                 which, newest first), octet 3 XOR-ed into octet at
 *                 (octets 1-2) modulo its length, delivered to
 *                 target/iface or put back on its own link (target 3)
 *       6 MOVE    target (3: the MN) interface iface: link down, attached
 *                 to link (octet 0 % 4: home, backbone, foreign, none),
 *                 link up (unless none)
 *       7 FORGE   a Mobility Header message: octet 0 bits 0-2 source, bits
 *                 3-5 destination (address table), bit 6 a HAO with the
 *                 MN's home address, bit 7 a type 2 Routing header with
 *                 it; octet 1 MH type; octet 2 bits 0-1 sealed with ESP by
 *                 a peer holding the keys (0 no, 1 MN->HA SPI 0x1001, 2
 *                 HA->MN SPI 0x1002, 3 the second MN's SPI 0x2001), bit 2
 *                 IPv6-in-IPv6 with the outer source / destination from
 *                 octet 3 bits 0-2 / 3-5; octets 4- the message data after
 *                 the 6-octet MH header (padded to 8, checksum computed);
 *                 to target/iface or on the wire
 *   address table: 0 HA 2001:db8:1::1, 1 MN home 2001:db8:1::100, 2 MN
 *   care-of 2001:db8:2::100, 3 CN 2001:db8:4::1, 4 R 2001:db8:2::1, 5 the
 *   second MN's home address 2001:db8:1::200, 6 HA backbone 2001:db8:4::2,
 *   7 ff02::1.
 * With FUZZ_NODE_VERBOSE set in the environment every record, event and
 * emitted packet is printed (to see what a seed reaches).
 *
 * Besides what the sanitizers catch (leaks included), it aborts when:
 *  - node_output() gives a packet longer than NODE_PKT_MAX, shorter than an
 *    IPv6 header, for an interface the node does not have, or one that
 *    ip6_walk() refuses as truncated (M6_E_TRUNC, M6_E_EXT_TRUNC,
 *    M6_E_IP6_PLEN): every packet a node emits must at least walk (except
 *    what an APP record's raw packet that does not walk itself turns into:
 *    node_app_send() does not check the application's packets, so a node
 *    passes on a bad Payload Length it was given);
 *  - the MN or the HA emits a Binding Update / Binding Acknowledgement
 *    between the MN's home address and the HA whose outermost protocol is
 *    the Mobility Header (in clear: RFC 3776 requires ESP for both); a
 *    packet the HA forwards (the one it is being given, one hop less) is
 *    not its own BA, even with the HA's address as its source;
 *  - a node's timer is still due after 200 firings at one instant (the
 *    pump's guard, node_pump.h: a driver would spin).
 *
 * The harness is in four files: this one (the format, the records, the
 * entry point), fuzz_node_world.c (configuration and nodes),
 * fuzz_node_net.c (links, R, the clock, the checks on emitted packets) and
 * fuzz_node_pkt.c (packets built from input octets).
 */
#include "fuzz_node.h"

enum { A_PKT, A_TIME, A_LINK, A_APP, A_RA, A_REPLAY, A_MOVE, A_FORGE };

#define VALID_START_NS (3 * SEC)
#define MAX_RECORDS 128

/* ---- records ---------------------------------------------------------------- */

static void to_target(unsigned target, unsigned ifx, const uint8_t *pkt, size_t len, int own_link)
{
	if (!len)
		return;
	if (target < N_NODES) {
		fz_deliver((int)target, ifx, pkt, len);
	} else {
		int link = own_link >= 0 ? own_link : (int)(ifx % N_LINKS);
		fz_transmit(link, R_NODE, 0, pkt, len);
	}
	fz_run_queue();
}

static void move(int i, unsigned ifx, int link)
{
	if (ifx >= fz_n_ifaces[i])
		return;
	node_link(fz.nodes[i], ifx, false, fz.now);
	fz.up[i][ifx] = false;
	fz_drain(i);
	fz.attach[i][ifx] = link;
	if (link >= 0) {
		node_link(fz.nodes[i], ifx, true, fz.now);
		fz.up[i][ifx] = true;
		fz_drain(i);
	}
	fz_run_queue();
}

static void record(uint8_t h, const uint8_t *d, size_t n)
{
	static uint8_t pkt[NODE_PKT_MAX + 1024];
	unsigned target = h & 3, ifx = (h >> 2) & 3, action = (h >> 4) & 7;
	bool fix = h & 0x80;
	size_t len;
	if (fz_verbose)
		fprintf(stderr, "%10.6f record target %u iface %u action %u%s, %zu octets\n", (double)fz.now / 1e9,
			target, ifx, action, fix ? " fixup" : "", n);
	switch (action) {
	case A_PKT:
		if (n > sizeof(pkt))
			n = sizeof(pkt);   /* past NODE_PKT_MAX: node_input() refuses it */
		memcpy(pkt, d, n);
		if (fix)
			fz_fixup(pkt, n, 0);
		to_target(target, ifx, pkt, n, -1);
		break;
	case A_TIME: {
		uint64_t ms = n >= 3 ? (uint64_t)d[0] << 16 | (uint64_t)d[1] << 8 | d[2]
			      : n == 2 ? (uint64_t)d[0] << 8 | d[1] : n == 1 ? (uint64_t)d[0] * 10 : 1000;
		fz_advance(ms * MS);
		break;
	}
	case A_LINK:
		if (target == 3) {
			fz.r_on = !fz.r_on;
			if (fz.r_on && fz.r_next_ra < fz.now)
				fz.r_next_ra = fz.now;
		} else if (ifx < fz_n_ifaces[target]) {
			fz.up[target][ifx] = !fz.up[target][ifx];
			node_link(fz.nodes[target], ifx, fz.up[target][ifx], fz.now);
			fz_drain((int)target);
			fz_run_queue();
		} else {
			node_link(fz.nodes[target], ifx, true, fz.now);     /* no such interface: ignored */
			fz_drain((int)target);
		}
		break;
	case A_APP: {
		int i = target == 3 ? MN_N : (int)target;
		len = fz_build_app(i, d, n, pkt, NODE_PKT_MAX);
		if (len) {
			struct ip6_walk w;
			fz.app_malformed = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w) != 0;
			fz.app_node = i;
			node_app_send(fz.nodes[i], pkt, len, fz.now);
			fz_drain(i);
			fz.app_malformed = false;
			fz_run_queue();
		}
		break;
	}
	case A_RA:
		len = fz_build_ra(d, n, pkt, NODE_PKT_MAX);
		if (target == 3)
			to_target(3, 0, pkt, len, (int)(ifx % N_LINKS));
		else
			to_target(target, ifx, pkt, len, -1);
		break;
	case A_REPLAY: {
		if (!fz.ring_n)
			break;
		const struct fz_emitted *e = &fz.ring[(fz.ring_next + RING - 1 - fz_at(d, n, 0, 0) % fz.ring_n) % RING];
		len = e->len;
		int link = e->link;
		memcpy(pkt, e->pkt, len);
		uint8_t x = fz_at(d, n, 3, 0);
		if (x && len)
			pkt[((size_t)fz_at(d, n, 1, 0) << 8 | fz_at(d, n, 2, 0)) % len] ^= x;
		if (fix)
			fz_fixup(pkt, len, 0);
		if (target == 3 && link < 0)
			link = (int)(ifx % N_LINKS);
		to_target(target, ifx, pkt, len, link);
		break;
	}
	case A_MOVE: {
		int i = target == 3 ? MN_N : (int)target;
		unsigned l = fz_at(d, n, 0, L_FOREIGN) % 4;
		move(i, ifx, l == 3 ? -1 : (int)l);
		break;
	}
	case A_FORGE:
		len = fz_build_forge(d, n, pkt, NODE_PKT_MAX);
		to_target(target, ifx, pkt, len, -1);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!addr_tab[0])
		fz_setup();
	if (!size)
		return 0;
	uint8_t hdr = data[0];
	for (int i = 0; i < 3; i++)
		*fz_senders[i].sa = fz_senders[i].snap;
	fz_build(hdr & 8, hdr & 2, hdr & 4, (hdr & 0xf0) == 0xf0);
	if (hdr & 1) {
		bool iso = fz.isolate;
		fz.isolate = false;
		fz_advance(VALID_START_NS);
		fz.isolate = iso;
		if (fz_verbose)
			fprintf(stderr, "fuzz_node: valid start done: MN %s%s, RR done %u, BA received %u\n",
				mn_at_home(node_mn(fz.nodes[MN_N])) ? "home" : "away",
				mn_registered(node_mn(fz.nodes[MN_N])) ? " registered" : "", fz.ev_count[M6_EV_RR_DONE],
				fz.ev_count[M6_EV_BA_RECEIVED]);
	}
	size_t off = 1;
	for (unsigned nrec = 0; off + 3 <= size && nrec < MAX_RECORDS; nrec++) {
		uint8_t h = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		record(h, data + off, len);
		off += len;
	}
	fz_free();
	return 0;
}
