/*
 * fuzz_spec — libFuzzer harness for the packet-specification language of
 * `mip6sec build` (src/common/spec.c), which is a parser too: spec_build() on
 * the input as a NUL-terminated string; a packet it builds is dissected and
 * serialised like `mip6sec decode --json` would.
 * Invariants: success gives a packet of at most the buffer size with an
 * IPv6 header; failure gives M6_E_SPEC and a NUL-terminated message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dissect.h"
#include "spec.h"
#include "pkt/ip6.h"

#define PKT_MAX 65575   /* as the CLI's build buffer */

static void violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_spec: invariant violated at line %d: %s\n", line, what);
	abort();
}
#define CHECK(c) do { if (!(c)) violated(#c, __LINE__); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);
	uint8_t *pkt = malloc(PKT_MAX);
	char err[512];
	size_t len = 0;
	if (!spec || !pkt)
		abort();
	memcpy(spec, data, size);
	spec[size] = 0;
	memset(err, 'x', sizeof(err));
	int rc = spec_build(spec, pkt, PKT_MAX, &len, err, sizeof(err));
	if (rc == 0) {
		CHECK(len >= IP6_HDR_LEN && len <= PKT_MAX);
		CHECK(pkt[0] >> 4 == 6);
		/* an exact-size copy, so ASan sees any read past the packet */
		uint8_t *exact = malloc(len);
		if (!exact)
			abort();
		memcpy(exact, pkt, len);
		json_t *j = dissect_packet(exact, len);
		CHECK(j != NULL);
		char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		CHECK(s != NULL);
		free(s);
		json_decref(j);
		free(exact);
	} else {
		CHECK(rc == M6_E_SPEC);
		CHECK(memchr(err, 0, sizeof(err)) != NULL);
	}
	free(pkt);
	free(spec);
	return 0;
}
