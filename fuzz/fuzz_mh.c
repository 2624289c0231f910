/*
 * fuzz_mh — libFuzzer harness for the Mobility Header codec (src/core/pkt/mh.c).
 *
 * The input is a Mobility Header alone (no IPv6 header). Besides what the
 * sanitizers catch, it aborts when an invariant fails:
 *  - mh_parse() returns its first diagnostic, options lie inside the message;
 *  - round trip: a message that parses with no diagnostic, rebuilt by
 *    mh_build() from the parsed struct, parses again with no diagnostic to
 *    the same type, fixed fields and options (the builder may only change
 *    padding, alignment, Reserved and Checksum);
 *  - checksums: mh_verify_checksum() agrees with mh_checksum(), and after
 *    mh_set_checksum() it is true, for the wire bytes and the rebuilt ones.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/mh.h"
#include "util/m6_bytes.h"

#define BUILD_CAP 4096

static const uint8_t addr_coa[16] = {   /* 2001:db8:2::100 */
	0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
static const uint8_t addr_ha[16] = {    /* 2001:db8:1::1 */
	0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

static void violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_mh: invariant violated at line %d: %s\n", line, what);
	abort();
}
#define CHECK(c) do { if (!(c)) violated(#c, __LINE__); } while (0)

static void check_parse(const uint8_t *p, size_t len, const struct mh_msg *m,
			const struct m6_diags *ds, int rc)
{
	CHECK(ds->n <= M6_DIAG_MAX);
	CHECK(rc == (ds->n ? ds->d[0].code : ds->dropped ? M6_E_INVAL : 0));
	if (rc == M6_E_MH_TRUNC) {
		CHECK(len < 8);
		return;
	}
	CHECK(m->len <= len && m->len >= 8);
	CHECK(m->len == (8 * ((size_t)m->hlen + 1) < len ? 8 * ((size_t)m->hlen + 1) : len));
	CHECK(m->n_opts <= MH_OPT_MAX);
	size_t prev = 0;
	for (unsigned i = 0; i < m->n_opts; i++) {
		const struct mh_opt *o = &m->opts[i];
		CHECK(o->off >= MH_HDR_LEN + mh_fixed_len(m->type) && o->off >= prev);
		CHECK((size_t)o->off + 2 + o->len <= m->len);
		CHECK(o->data == p + o->off + 2 && p[o->off] == o->type && p[o->off + 1] == o->len);
		CHECK(o->type != MHO_PAD1 && o->type != MHO_PADN);
		prev = (size_t)o->off + 2 + o->len;
	}
}

/* verify must agree with the computed checksum (0x0000 and 0xffff are the
 * same one's complement number), and be true once the checksum is set. */
static void check_checksum(const uint8_t *p, size_t len)
{
	static const uint8_t *const pairs[][2] = {
		{ addr_coa, addr_ha }, { addr_ha, addr_coa }, { addr_ha, addr_ha } };
	if (len < MH_HDR_LEN) {
		CHECK(!mh_verify_checksum(p, len, addr_coa, addr_ha));
		return;
	}
	uint8_t *c = malloc(len);
	if (!c)
		abort();
	memcpy(c, p, len);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const uint8_t *s = pairs[i][0], *d = pairs[i][1];
		uint16_t want = mh_checksum(s, d, p, len), have = m6_get16(p + 4);
		bool ok = mh_verify_checksum(p, len, s, d);
		CHECK(ok == (have == want || (want == 0 && have == 0xffff)));
		mh_set_checksum(c, len, s, d);
		CHECK(m6_get16(c + 4) == want);
		CHECK(mh_verify_checksum(c, len, s, d));
		CHECK(memcmp(c, p, 4) == 0 && memcmp(c + 6, p + 6, len - 6) == 0);
	}
	free(c);
}

static void check_same(const struct mh_msg *a, const struct mh_msg *b)
{
	CHECK(a->type == b->type && a->proto == b->proto);
	CHECK(a->seq == b->seq && a->flags == b->flags && a->lifetime == b->lifetime);
	CHECK(a->status == b->status && a->nonce_index == b->nonce_index);
	CHECK(memcmp(a->hoa, b->hoa, 16) == 0);
	CHECK(memcmp(a->cookie, b->cookie, MH_COOKIE_LEN) == 0);
	CHECK(memcmp(a->token, b->token, MH_COOKIE_LEN) == 0);
	CHECK(a->n_opts == b->n_opts);
	for (unsigned i = 0; i < a->n_opts; i++) {
		CHECK(a->opts[i].type == b->opts[i].type && a->opts[i].len == b->opts[i].len);
		CHECK(memcmp(a->opts[i].data, b->opts[i].data, a->opts[i].len) == 0);
	}
}

static void round_trip(const struct mh_msg *m, size_t len)
{
	struct mh_msg copy, again;
	struct m6_diags ds;
	size_t outlen = 0;
	uint8_t *out = malloc(BUILD_CAP);
	if (!out)
		abort();
	/* Rebuild from a copy whose options point at the original bytes. */
	memcpy(&copy, m, sizeof(copy));
	int rc = mh_build(&copy, out, BUILD_CAP, &outlen);
	if (rc == M6_E_NOMEM) {
		/* Only when alignment padding pushes it past 2048 octets (Header Len 255). */
		CHECK(len + 8 * ((size_t)m->n_opts + 1) > 8 * 256);
		free(out);
		return;
	}
	CHECK(rc == 0);
	CHECK(outlen >= 8 && outlen % 8 == 0 && outlen <= 8 * 256);
	CHECK(out[1] == outlen / 8 - 1);
	/* an exact-size copy, so ASan sees any read past the rebuilt message */
	uint8_t *exact = malloc(outlen);
	if (!exact)
		abort();
	memcpy(exact, out, outlen);
	free(out);
	m6_diags_init(&ds);
	rc = mh_parse(exact, outlen, &again, &ds, 0);
	check_parse(exact, outlen, &again, &ds, rc);
	if (rc != 0) {
		fprintf(stderr, "fuzz_mh: rebuilt message parses with %s at offset %u\n",
			m6_errid(rc), ds.n ? ds.d[0].off : 0);
		CHECK(rc == 0);
	}
	check_same(m, &again);
	check_checksum(exact, outlen);
	free(exact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mh_msg m;
	struct m6_diags ds;

	m6_diags_init(&ds);
	int rc = mh_parse(data, size, &m, &ds, 0);
	check_parse(data, size, &m, &ds, rc);
	/* mh_find_opt agrees with the list */
	for (uint8_t t = MHO_BRA; t <= MHO_BAD; t++) {
		const struct mh_opt *o = mh_find_opt(&m, t);
		CHECK(!o || o->type == t);
	}
	check_checksum(data, size);
	if (rc == 0 && ds.n == 0 && ds.dropped == 0)
		round_trip(&m, size);
	return 0;
}
