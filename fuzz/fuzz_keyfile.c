/*
 * fuzz_keyfile — libFuzzer harness for the CLI's manual key file parser
 * (src/common/keyfile.c, `mip6sec decode --keys`, pcapcheck.py -k).
 *
 * The input is the text of a key file, loaded from memory with
 * keyfile_load_mem() under the name "fuzz.keys" (the line loop is
 * keyfile_load()'s own; no file is written). The SAs that load are then
 * used as the CLI does: found again by SPI and addresses, their receiving
 * transform keyed, written in both output formats, and added to a second
 * key set.
 *
 * Invariants (abort on violation):
 *  - failure gives M6_E_CONFIG and a NUL-terminated "fuzz.keys:LINE: reason"
 *    message;
 *  - every SA that loads is found by keyfile_find() with its own SPI and
 *    addresses, and its receiving transform keys (keyfile_parse_line()
 *    already tried the same configuration);
 *  - keyfile_write_keys() output parses back, line for line, into the same
 *    SAs (addresses, SPI, algorithms, keys);
 *  - keyfile_add() of an SA already in a set is a duplicate (0).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "util/m6_err.h"

static void violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_keyfile: invariant violated at line %d: %s\n", line, what);
	abort();
}
#define CHECK(c) do { if (!(c)) violated(#c, __LINE__); } while (0)

#define NAME "fuzz.keys"

static FILE *devnull;

static bool same_sa(const struct keyfile_sa *a, const struct keyfile_sa *b)
{
	return a->src_any == b->src_any && a->dst_any == b->dst_any &&
	       (a->src_any || !memcmp(a->src, b->src, 16)) && (a->dst_any || !memcmp(a->dst, b->dst, 16)) &&
	       a->spi == b->spi && a->cfg.enc == b->cfg.enc && a->cfg.auth == b->cfg.auth &&
	       a->cfg.eklen == b->cfg.eklen && a->cfg.aklen == b->cfg.aklen &&
	       !memcmp(a->cfg.ekey, b->cfg.ekey, a->cfg.eklen) && !memcmp(a->cfg.akey, b->cfg.akey, a->cfg.aklen);
}

/* keyfile_write_keys() output, parsed back line by line. */
static void check_round_trip(const struct keyfile *kf)
{
	char *buf = NULL;
	size_t blen = 0, j = 0;
	FILE *f = open_memstream(&buf, &blen);
	if (!f)
		abort();
	CHECK(keyfile_write_keys(f, kf) == 0);
	if (fclose(f))
		abort();
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct keyfile_sa sa;
		char err[256] = "";
		int rc = keyfile_parse_line(line, &sa, err, sizeof(err));
		if (rc != 1 && rc != 0)
			fprintf(stderr, "fuzz_keyfile: written line does not parse: '%s': %s\n", line, err);
		CHECK(rc == 1 || rc == 0);
		if (rc == 1) {
			CHECK(j < kf->n);
			CHECK(same_sa(&sa, &kf->sa[j]));
			j++;
		}
	}
	CHECK(j == kf->n);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	struct keyfile kf, again;
	char err[512];
	keyfile_init(&kf);
	keyfile_init(&again);
	memset(err, 'x', sizeof(err));
	int rc = keyfile_load_mem(&kf, NAME, data, size, err, sizeof(err));
	if (rc) {
		CHECK(rc == M6_E_CONFIG);
		CHECK(memchr(err, 0, sizeof(err)) != NULL);
		CHECK(strncmp(err, NAME ":", strlen(NAME) + 1) == 0);
	}
	for (size_t i = 0; i < kf.n; i++) {
		struct keyfile_sa *s = &kf.sa[i];
		struct keyfile_sa *f = keyfile_find(&kf, s->spi, s->src, NULL, s->dst, NULL);
		CHECK(f != NULL && f->spi == s->spi && f <= s);
		int xrc;
		const char *why;
		CHECK(keyfile_open_xform(s, &xrc, &why) != NULL && xrc == 0);
		int a = keyfile_add(&again, s);
		CHECK(a == 1 || a == 0 || a == M6_E_EXISTS);
		if (a == 1)
			CHECK(keyfile_add(&again, s) == 0);
	}
	check_round_trip(&kf);
	CHECK(keyfile_write_esp_sa(devnull, &kf) == 0);
	keyfile_free(&again);
	keyfile_free(&kf);
	return 0;
}
