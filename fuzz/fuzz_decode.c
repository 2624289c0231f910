/*
 * fuzz_decode — libFuzzer harness for the whole path of `mip6sec decode`
 * minus the pcap reading: dissect_packet() on the input as an IPv6 packet,
 * the JSON serialised as the CLI does (json_dumps) and the text form printed
 * to a null stream, then everything freed (LeakSanitizer checks that).
 *
 * The same input then goes through dissect_packet_keys() (`decode --keys`)
 * with the manual SAs below: their SPIs and keys are those of the keyed-*
 * seeds that fuzz/make-seeds.sh builds, so packets whose ICV verifies reach
 * the decryption and the dissection of the plaintext, and mutations of the
 * headers ESP does not cover keep them there. Keep both lists in sync.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "dissect.h"
#include "keyfile.h"

static const char *const sa_lines[] = {
	"* * 0x1001 aes-gcm-16 000102030405060708090a0b0c0d0e0f01020304 null -",
	"* * 0x1002 aes-cbc 000102030405060708090a0b0c0d0e0f hmac-sha256-128 "
	"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f",
	"* * 0x1003 chacha20-poly1305 "
	"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f01020304 null -",
	"* * 0x1004 null - hmac-sha1-96 0102030405060708090a0b0c0d0e0f1011121314",
	"* * 0x3001 null - hmac-sha256-128 "
	"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f",
};

static FILE *devnull;
static struct keyfile kf;

static void setup(void)
{
	if (!(devnull = fopen("/dev/null", "w")))
		abort();
	keyfile_init(&kf);
	for (size_t i = 0; i < sizeof(sa_lines) / sizeof(sa_lines[0]); i++) {
		struct keyfile_sa sa;
		char err[256] = "";
		if (keyfile_parse_line(sa_lines[i], &sa, err, sizeof(err)) != 1 || keyfile_append(&kf, &sa)) {
			fprintf(stderr, "fuzz_decode: SA line %zu: %s\n", i + 1, err);
			abort();
		}
	}
}

static void one(json_t *j)
{
	if (!j || !json_is_object(j) || !json_is_array(json_object_get(j, "errors")))
		abort();
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s)
		abort();
	fputs(s, devnull);
	free(s);
	dissect_print_text(devnull, 1, j);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull)
		setup();
	one(dissect_packet(data, size));
	one(dissect_packet_keys(data, size, &kf));
	return 0;
}
