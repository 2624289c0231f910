/*
 * fuzz_ike_msg — libFuzzer harness for the IKEv2 codec and SK processing
 * (src/core/ike: ike_msg.c, ike_payload.c, ike_crypto.c, ike_frag.c).
 *
 * The first octet picks a mode; any other value means the whole input is
 * one IKE message (raw mode).
 *   raw     ike_msg_parse(); when it has an SK/SKF payload, ike_sk_open()
 *           with each of the harness's SA keys (AES-GCM-16-256,
 *           ChaCha20-Poly1305, AES-CBC-128 + HMAC-SHA2-256-128; the seeds
 *           hold messages sealed with them, see fuzz/make-ike-seeds.py),
 *           and on success the inner payloads are parsed as well.
 *   0xE0    a bare payload chain: octet 1 is the first payload type, the
 *           rest the chain (what a decrypted SK payload holds).
 *   0xE1    sealing: octet 1 picks the suite (low 2 bits) and SK or SKF
 *           (bit 2); the rest is sealed as SK content, then parsed,
 *           opened and compared with what was sealed.
 *   0xE2    reassembly: 6-octet records (Message ID, Fragment Number,
 *           Total Fragments, Next Payload, chunk length, chunk fill) fed
 *           to ike_frag_rx_check/add against a model of RFC 7383 2.6.
 * Besides the sanitizers it aborts when an invariant fails:
 *  - a parse returns its first diagnostic; descriptors lie inside the
 *    range parsed and point at it; at most one SK, and it is the last;
 *  - every known payload of a message that parses without a fault decodes
 *    without a fault through its typed parser, and the chain rebuilt from
 *    the decoded values parses without a fault to the same types, and
 *    rebuilding that again gives the same octets (builder and parser
 *    agree);
 *  - open(seal(x)) == x for every suite and length; a message that opens
 *    gives content inside the SK payload;
 *  - the reassembler never accepts what RFC 7383 2.6 drops, completes
 *    exactly when every fragment of the current set is in, and yields the
 *    chunks in Fragment Number order.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_crypto.h"
#include "ike/ike_frag.h"
#include "ike/ike_payload.h"
#include "util/m6_bytes.h"

static void violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_ike_msg: invariant violated at line %d: %s\n", line, what);
	abort();
}
#define CHECK(c) do { if (!(c)) violated(#c, __LINE__); } while (0)

/* ---- the harness's SAs (keys also in fuzz/make-ike-seeds.py) ---- */

#define NSUITE 3
static const struct { uint16_t encr, bits, integ; } suites[NSUITE] = {
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 },
};
static struct ike_sk sks[NSUITE];
static bool ready;

static void setup(void)
{
	uint8_t ek[36], ak[32];
	for (int i = 0; i < 36; i++)
		ek[i] = (uint8_t)i;
	for (int i = 0; i < 32; i++)
		ak[i] = (uint8_t)(0x40 + i);
	for (int i = 0; i < NSUITE; i++)
		if (ike_sk_init_raw(&sks[i], suites[i].encr, suites[i].bits, suites[i].integ, ek, ak, ek, ak))
			abort();
	ready = true;
}

static void fixed_rng(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(0xa5 ^ i);
}
static const struct ike_rng rng = { fixed_rng, NULL };

/* ---- parse invariants ---- */

static void check_parse(const struct ike_msg *m, unsigned from, const uint8_t *p, size_t len,
			size_t base, const struct m6_diags *ds, unsigned d0, int rc)
{
	CHECK(ds->n <= M6_DIAG_MAX);
	CHECK(rc == (ds->n > d0 ? ds->d[d0].code : 0) || (ds->n == M6_DIAG_MAX && ds->dropped));
	CHECK(m->n <= IKE_PL_MAX);
	for (unsigned i = from; i < m->n; i++) {
		const struct ike_pl *pl = &m->pl[i];
		size_t off = pl->off - base;
		CHECK(pl->off >= base && off + pl->len <= len && pl->len >= IKE_PL_HDR_LEN);
		CHECK(pl->body == p + off + IKE_PL_HDR_LEN && pl->body_len == pl->len - IKE_PL_HDR_LEN);
		CHECK(pl->known == ike_pl_known(pl->type));
		if ((pl->type == IKE_PL_SK || pl->type == IKE_PL_SKF) && pl->inner)
			CHECK(rc != 0 && m->sk != (int)i);     /* nested: refused, ends the walk */
		else if (pl->type == IKE_PL_SK || pl->type == IKE_PL_SKF)
			CHECK(m->sk == (int)i && i == m->n - 1);
	}
}

/* Decode every known payload; returns the first fault. */
static int decode_all(const struct ike_msg *m, unsigned from)
{
	static struct ike_sa_payload sa;
	static struct ike_ts_list ts;
	static struct ike_cp cp;
	struct m6_diags ds;
	int first = 0;
	for (unsigned i = from; i < m->n; i++) {
		const struct ike_pl *pl = &m->pl[i];
		const uint8_t *b = pl->body;
		size_t n = pl->body_len;
		int rc = 0;
		m6_diags_init(&ds);
		switch (pl->type) {
		case IKE_PL_SA: {
			rc = ike_sa_parse(b, n, &sa, &ds, 0);
			CHECK(sa.n_prop <= IKE_PROP_MAX);
			for (unsigned k = 0; k < sa.n_prop; k++)
				CHECK(sa.prop[k].n_xf <= IKE_XF_MAX && sa.prop[k].spi_size <= IKE_SPI_LEN);
			break;
		}
		case IKE_PL_KE: {
			struct ike_ke ke;
			rc = ike_ke_parse(b, n, &ke, &ds, 0);
			if (!rc)
				CHECK(ke.data + ke.len == b + n);
			break;
		}
		case IKE_PL_IDI: case IKE_PL_IDR: {
			struct ike_id id;
			rc = ike_id_parse(b, n, &id, &ds, 0);
			if (!rc)
				CHECK(id.data + id.len == b + n);
			break;
		}
		case IKE_PL_CERT: case IKE_PL_CERTREQ: {
			struct ike_cert c;
			rc = ike_cert_parse(b, n, &c, &ds, 0);
			break;
		}
		case IKE_PL_AUTH: {
			struct ike_auth a;
			rc = ike_auth_parse(b, n, &a, &ds, 0);
			break;
		}
		case IKE_PL_NONCE:
			rc = ike_nonce_parse(b, n, &ds, 0);
			break;
		case IKE_PL_N: {
			struct ike_notify nt;
			rc = ike_notify_parse(b, n, &nt, &ds, 0);
			if (!rc)
				CHECK(nt.data + nt.data_len == b + n);
			break;
		}
		case IKE_PL_D: {
			struct ike_delete d;
			rc = ike_delete_parse(b, n, &d, &ds, 0);
			if (!rc)
				CHECK(4 + (size_t)d.n_spi * d.spi_size == n);
			break;
		}
		case IKE_PL_TSI: case IKE_PL_TSR:
			rc = ike_ts_parse(b, n, &ts, &ds, 0);
			CHECK(ts.n <= IKE_TS_MAX);
			break;
		case IKE_PL_CP:
			rc = ike_cp_parse(b, n, &cp, &ds, 0);
			CHECK(cp.n <= IKE_CP_ATTR_MAX);
			for (unsigned k = 0; k < cp.n; k++)
				CHECK(cp.attr[k].val + cp.attr[k].len <= b + n);
			break;
		case IKE_PL_EAP: {
			struct ike_eap e;
			rc = ike_eap_parse(b, n, &e, &ds, 0);
			if (!rc)
				CHECK(e.len == n && e.data + e.data_len == b + n);
			break;
		}
		default:
			break;
		}
		CHECK(rc == (ds.n ? ds.d[0].code : 0) || (ds.n == M6_DIAG_MAX && ds.dropped));
		if (rc && !first)
			first = rc;
	}
	return first;
}

/* Rebuild payloads [from, n) of m through the typed builders, as a bare
 * chain inside an SK payload of a fresh message. */
static void rebuild(const struct ike_msg *m, unsigned from, struct ike_wr *w)
{
	static struct ike_sa_payload sa;
	static struct ike_ts_list ts;
	static struct ike_cp cp;
	struct m6_diags ds;
	for (unsigned i = from; i < m->n; i++) {
		const struct ike_pl *pl = &m->pl[i];
		const uint8_t *b = pl->body;
		size_t n = pl->body_len;
		m6_diags_init(&ds);
		switch (pl->type) {
		case IKE_PL_SA:
			CHECK(ike_sa_parse(b, n, &sa, &ds, 0) == 0);
			ike_put_sa(w, &sa);
			break;
		case IKE_PL_KE: {
			struct ike_ke ke;
			CHECK(ike_ke_parse(b, n, &ke, &ds, 0) == 0);
			ike_put_ke(w, ke.group, ke.data, ke.len);
			break;
		}
		case IKE_PL_IDI: case IKE_PL_IDR: {
			struct ike_id id;
			CHECK(ike_id_parse(b, n, &id, &ds, 0) == 0);
			ike_put_id(w, pl->type, id.type, id.data, id.len);
			break;
		}
		case IKE_PL_CERT: case IKE_PL_CERTREQ: {
			struct ike_cert c;
			CHECK(ike_cert_parse(b, n, &c, &ds, 0) == 0);
			ike_put_cert(w, pl->type, c.enc, c.data, c.len);
			break;
		}
		case IKE_PL_AUTH: {
			struct ike_auth a;
			CHECK(ike_auth_parse(b, n, &a, &ds, 0) == 0);
			ike_put_auth(w, a.method, a.data, a.len);
			break;
		}
		case IKE_PL_NONCE:
			ike_put_nonce(w, b, n);
			break;
		case IKE_PL_N: {
			struct ike_notify nt;
			CHECK(ike_notify_parse(b, n, &nt, &ds, 0) == 0);
			ike_put_notify(w, nt.proto, nt.spi, nt.spi_size, nt.type, nt.data, nt.data_len);
			break;
		}
		case IKE_PL_D: {
			struct ike_delete d;
			uint32_t spis[32];
			CHECK(ike_delete_parse(b, n, &d, &ds, 0) == 0);
			if (d.n_spi > 32) {     /* more than we rebuild: keep the raw body */
				ike_wr_begin(w, pl->type, pl->critical);
				ike_wr_bytes(w, b, n);
				ike_wr_end(w);
				break;
			}
			for (unsigned k = 0; k < d.n_spi; k++)
				spis[k] = m6_get32(d.spis + 4 * k);
			ike_put_delete(w, d.proto, spis, d.n_spi);
			break;
		}
		case IKE_PL_TSI: case IKE_PL_TSR:
			CHECK(ike_ts_parse(b, n, &ts, &ds, 0) == 0);
			ike_put_ts(w, pl->type, &ts);
			break;
		case IKE_PL_CP:
			CHECK(ike_cp_parse(b, n, &cp, &ds, 0) == 0);
			ike_put_cp(w, &cp);
			break;
		case IKE_PL_EAP:
			ike_put_eap(w, b, n);
			break;
		default:
			/* V, unknown: the body as it is */
			ike_wr_begin(w, pl->type, pl->critical);
			ike_wr_bytes(w, b, n);
			ike_wr_end(w);
			break;
		}
	}
}

static const struct ike_hdr rb_hdr = { .version = 0x20, .exchange = IKE_INFORMATIONAL };

/* Rebuilt chain of a clean parse: parses cleanly, same types, idempotent. */
static void round_trip(const struct ike_msg *m, unsigned from)
{
	static uint8_t a[70000], b2[70000];
	static struct ike_msg m2, m3;
	struct ike_wr w;
	struct m6_diags ds;
	ike_wr_init(&w, a, sizeof(a), &rb_hdr);
	ike_wr_sk_begin(&w, false, 0, 0, 0);
	rebuild(m, from, &w);
	if (w.err) {
		/* only a body grown past 65535 octets (an SA's unknown attributes
		 * are dropped, Key Length added: never larger than 4 per
		 * transform) could fail; the parse would have refused it */
		CHECK(w.err == M6_E_INVAL);
		return;
	}
	const uint8_t *plain;
	size_t plen;
	uint8_t np;
	ike_wr_sk_content(&w, &plain, &plen, &np);
	memset(&m2, 0, sizeof(m2));
	m2.sk = -1;
	m6_diags_init(&ds);
	int rc = ike_msg_parse_inner(&m2, plain, plen, np, &ds, 0);
	check_parse(&m2, 0, plain, plen, 0, &ds, 0, rc);
	if (rc) {
		fprintf(stderr, "fuzz_ike_msg: rebuilt chain parses with %s at %u\n", m6_errid(rc),
			ds.n ? ds.d[0].off : 0);
		CHECK(rc == 0);
	}
	CHECK(m2.n == m->n - from);
	for (unsigned i = 0; i < m2.n; i++)
		CHECK(m2.pl[i].type == m->pl[from + i].type);
	CHECK(decode_all(&m2, 0) == 0);
	/* again: the same octets */
	struct ike_wr w2;
	ike_wr_init(&w2, b2, sizeof(b2), &rb_hdr);
	ike_wr_sk_begin(&w2, false, 0, 0, 0);
	rebuild(&m2, 0, &w2);
	CHECK(w2.err == 0 && w2.len == w.len && memcmp(a, b2, w.len) == 0);
	(void)m3;
}

/* ---- modes ---- */

static void raw_message(const uint8_t *data, size_t size)
{
	static struct ike_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	int rc = ike_msg_parse(data, size, &m, &ds, 0);
	if (rc == M6_E_IKE_TRUNC || rc == M6_E_IKE_VERSION) {
		CHECK(m.n == 0);
		return;
	}
	check_parse(&m, 0, data, m.len, 0, &ds, 0, rc);
	CHECK(m.len <= size);
	if (rc == 0) {
		CHECK(decode_all(&m, 0) == 0);
		unsigned clear = m.sk >= 0 ? (unsigned)m.sk : m.n;
		static struct ike_msg mc;
		mc = m;
		mc.n = clear;
		round_trip(&mc, 0);
	}
	if (m.sk < 0)
		return;
	/* try every SA on a private copy (open decrypts in place) */
	uint8_t *c = malloc(size ? size : 1);
	if (!c)
		abort();
	for (int s = 0; s < NSUITE; s++) {
		memcpy(c, data, size);
		size_t po = 0, pl = 0;
		int orc = ike_sk_open(&sks[s], c, size, &m, &po, &pl);
		if (orc)
			continue;
		const struct ike_pl *sk = &m.pl[m.sk];
		CHECK(po >= sk->off + IKE_PL_HDR_LEN && po + pl <= (size_t)sk->off + sk->len);
		static struct ike_msg mi;
		mi = m;
		unsigned from = mi.n;
		m6_diags_init(&ds);
		int irc = ike_msg_parse_inner(&mi, c + po, pl, mi.sk_np, &ds, po);
		check_parse(&mi, from, c + po, pl, po, &ds, 0, irc);
		if (irc == 0 && mi.n < IKE_PL_MAX) {
			CHECK(decode_all(&mi, from) == 0);
			round_trip(&mi, from);
		}
	}
	free(c);
}

static void inner_chain(const uint8_t *data, size_t size)
{
	static struct ike_msg m;
	struct m6_diags ds;
	if (size < 2)
		return;
	memset(&m, 0, sizeof(m));
	m.sk = -1;
	m6_diags_init(&ds);
	/* exact-size copy: ASan sees any read past the chain */
	uint8_t *c = malloc(size - 2 ? size - 2 : 1);
	if (!c)
		abort();
	memcpy(c, data + 2, size - 2);
	int rc = ike_msg_parse_inner(&m, c, size - 2, data[1], &ds, 0);
	check_parse(&m, 0, c, size - 2, 0, &ds, 0, rc);
	if (rc == 0) {
		CHECK(decode_all(&m, 0) == 0);
		round_trip(&m, 0);
	}
	free(c);
}

static void seal_open(const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	int s = data[1] % 4 % NSUITE;
	bool skf = data[1] & 4;
	const uint8_t *content = data + 2;
	size_t clen = size - 2 > 60000 ? 60000 : size - 2;
	static uint8_t out[66000];
	static struct ike_msg m;
	struct ike_hdr h = { .spi_i = { 1 }, .spi_r = { 2 }, .version = 0x20,
			     .exchange = IKE_AUTH, .flags = IKE_FLAG_I, .msgid = 1 };
	struct ike_wr w;
	size_t len;
	ike_wr_init(&w, out, sizeof(out), &h);
	ike_wr_sk_begin(&w, skf, 1, 1, sks[s].iv_len);
	ike_wr_bytes(&w, content, clen);
	if (!w.err)
		out[w.sk_off] = IKE_PL_V;
	int rc = ike_sk_seal(&sks[s], &w, &rng, &len);
	if (rc) {
		/* only when the SK payload would pass 65535 octets */
		CHECK(rc == M6_E_INVAL && clen + ike_sk_overhead(&sks[s], clen, skf) > 0xffff);
		return;
	}
	CHECK(len == IKE_HDR_LEN + clen + ike_sk_overhead(&sks[s], clen, skf));
	struct m6_diags ds;
	m6_diags_init(&ds);
	CHECK(ike_msg_parse(out, len, &m, &ds, 0) == 0);
	CHECK(m.sk == 0 && m.sk_np == IKE_PL_V);
	size_t po, pl;
	CHECK(ike_sk_open(&sks[s], out, len, &m, &po, &pl) == 0);
	CHECK(pl == clen && memcmp(out + po, content, clen) == 0);
}

/* Model of one reassembly (RFC 7383 2.6) beside struct ike_frag_rx. */
static void reassembly(const uint8_t *data, size_t size)
{
	static uint8_t store[512], out[512], fill[64];
	struct ike_frag_rx rx;
	bool active = false, have[IKE_FRAG_MAX + 1];
	uint32_t mid = 0;
	unsigned total = 0, got = 0;
	size_t used = 0, lens[IKE_FRAG_MAX + 1];
	uint8_t fills[IKE_FRAG_MAX + 1], np1 = 0;
	ike_frag_rx_init(&rx, store, sizeof(store));
	memset(have, 0, sizeof(have));
	for (size_t i = 2; i + 6 <= size; i += 6) {
		const uint8_t *r = data + i;
		uint32_t msgid = r[0] % 3;
		uint16_t num = r[1] % 70, tot = r[2] % 70;
		uint8_t np = r[3];
		size_t len = r[4] % 64;
		memset(fill, r[5], len);
		int want;
		if (num == 0 || tot == 0 || num > tot)
			want = M6_E_IKE_SKF_NUM;
		else if (tot > IKE_FRAG_MAX)
			want = M6_E_IKE_FRAG_MAX;
		else if (active && msgid != mid)
			want = M6_E_IKE_FRAG_MSGID;
		else if (active && tot < total)
			want = M6_E_IKE_FRAG_TOTAL;
		else if (active && tot == total && have[num])
			want = M6_E_IKE_FRAG_DUP;
		else
			want = 0;
		CHECK(ike_frag_rx_check(&rx, msgid, num, tot) == want);
		int rc = ike_frag_rx_add(&rx, msgid, num, tot, np, fill, len);
		if (want) {
			CHECK(rc == want);
			continue;
		}
		if (active && tot > total) {
			active = false;     /* a larger set starts over */
			memset(have, 0, sizeof(have));
			used = 0;
			got = 0;
		}
		if (used + len > sizeof(store)) {
			CHECK(rc == M6_E_IKE_FRAG_SPACE && !rx.active);
			active = false;
			memset(have, 0, sizeof(have));
			used = 0;
			got = 0;
			continue;
		}
		if (!active) {
			active = true;
			mid = msgid;
			total = tot;
		}
		have[num] = true;
		lens[num] = len;
		fills[num] = r[5];
		if (num == 1)
			np1 = np;
		used += len;
		got++;
		CHECK(rc == (got == total ? 1 : 0));
		CHECK(rx.used == used && rx.got == got && rx.total == total);
		if (rc == 1) {
			size_t olen;
			uint8_t first;
			CHECK(ike_frag_rx_take(&rx, out, sizeof(out), &olen, &first) == 0);
			CHECK(olen == used && first == np1);
			size_t o = 0;
			for (unsigned k = 1; k <= total; k++) {
				for (size_t j = 0; j < lens[k]; j++)
					CHECK(out[o + j] == fills[k]);
				o += lens[k];
			}
			active = false;
			memset(have, 0, sizeof(have));
			used = 0;
			got = 0;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	if (size >= 1 && data[0] >= 0xE0 && data[0] <= 0xE2) {
		switch (data[0]) {
		case 0xE0: inner_chain(data, size); break;
		case 0xE1: seal_open(data, size); break;
		default: reassembly(data, size); break;
		}
		return 0;
	}
	raw_message(data, size);
	return 0;
}
