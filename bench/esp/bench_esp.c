/*
 * bench_esp — ESP throughput with AES-128-GCM-16 against raw OpenSSL.
 *
 * A driver, not a test: it prints figures and asserts nothing about time
 * (it only checks that what it times seals and opens correctly). For
 * payloads of 64, 512, 1,400 and 9,000 octets (the part ESP protects, here
 * a tunnel-mode inner packet behind a 40-octet outer IPv6 header) it times
 *  - esp_seal(): header insert, padding, AEAD with AAD and tag;
 *  - esp_open(): AEAD open with tag check, padding check, strip;
 * and, on the same buffers in the same run, the baseline: raw EVP
 * AES-128-GCM with a pre-created, pre-keyed context (EVP_EncryptInit_ex
 * with the IV, the 8-octet AAD, the payload in place, Final, tag get/set),
 * i.e. the least any ESP implementation over EVP must spend. Opening
 * destroys the ciphertext, so every open iteration (ESP and baseline
 * alike) first copies the same number of octets (the whole sealed packet)
 * back; that copy is in both figures. MB/s counts payload octets (10^6).
 * An ESP figure and its baseline run interleaved in slices of ~1 ms, so
 * load from other processes hits both alike; each figure is the median of
 * 5 runs of ~SECONDS/5 per operation (default 0.5 s; `bench_esp SECONDS`),
 * the ratio the median of the 5 per-run ratios.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "crypto/m6_xform.h"
#include "ipsec/esp.h"
#include "util/m6_bytes.h"

#define REPS 5
#define OUTER 40
#define HEADROOM 64
#define BUF_LEN (HEADROOM + OUTER + 9000 + 64)
#define SPI 0x1234u

/* Keep the compiler from hoisting or dropping work on a buffer. */
#define OPAQUE(p) __asm__ volatile("" : : "r"(p) : "memory")

static const uint8_t key[20] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
				 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xca, 0xfe, 0xba, 0xbe };

static uint8_t work[BUF_LEN], sealed[BUF_LEN], raw_sealed[BUF_LEN], raw_image[BUF_LEN];

struct ctx {
	struct m6_xform tx, rx;
	EVP_CIPHER_CTX *enc, *dec;
	size_t n;               /* payload octets */
	size_t sealed_len;      /* esp packet after esp_seal() */
	uint8_t raw_tag[16];
	uint64_t seq;
};

_Noreturn static void die(const char *what)
{
	fprintf(stderr, "bench_esp: %s\n", what);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The outer IPv6 header + n octets of payload at HEADROOM in buf. */
static void packet(uint8_t *buf, size_t n, struct pbuf *pb)
{
	uint8_t *d;
	if (pbuf_init(pb, buf, BUF_LEN, HEADROOM) || pbuf_put(pb, OUTER + n, &d))
		die("pbuf");
	memset(d, 0, OUTER);
	d[0] = 0x60;
	d[6] = 41;
	for (size_t i = 0; i < n; i++)
		d[OUTER + i] = (uint8_t)(i * 7);
}

/* ---- the four timed operations; each returns a value to sink ---- */

static int esp_enc(struct ctx *c)
{
	struct pbuf pb = { work, BUF_LEN, HEADROOM, OUTER + c->n };
	int rc = esp_seal(&c->tx, &pb, OUTER, 41, SPI, ++c->seq, false, 0);
	OPAQUE(work);
	return rc;
}

static int esp_dec(struct ctx *c)
{
	struct pbuf pb = { work, BUF_LEN, HEADROOM - ESP_HDR_LEN - 8, c->sealed_len };
	uint8_t nh;
	memcpy(pbuf_data(&pb), sealed + pb.head, c->sealed_len);
	int rc = esp_open(&c->rx, &pb, OUTER, 1, false, &nh);
	OPAQUE(work);
	return rc ? rc : nh != 41;
}

/* Same AAD/IV shapes as ESP: 8-octet AAD, 12-octet nonce. */
static int raw_enc(struct ctx *c)
{
	uint8_t iv[12] = { 0xca, 0xfe, 0xba, 0xbe }, aad[8] = { 0, 0, 0x12, 0x34 }, tag[16];
	uint8_t *p = work + HEADROOM + OUTER;
	int n, ok;
	m6_put32(iv + 8, (uint32_t)++c->seq);
	m6_put32(aad + 4, (uint32_t)c->seq);
	ok = EVP_EncryptInit_ex(c->enc, NULL, NULL, NULL, iv) &&
	     EVP_EncryptUpdate(c->enc, NULL, &n, aad, 8) &&
	     EVP_EncryptUpdate(c->enc, p, &n, p, (int)c->n) &&
	     EVP_EncryptFinal_ex(c->enc, p + n, &n) &&
	     EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_AEAD_GET_TAG, 16, tag);
	OPAQUE(work);
	OPAQUE(tag);
	return !ok;
}

static int raw_dec(struct ctx *c)
{
	uint8_t iv[12] = { 0xca, 0xfe, 0xba, 0xbe }, aad[8] = { 0, 0, 0x12, 0x34, 0, 0, 0, 1 };
	uint8_t *p = work + HEADROOM + OUTER;
	size_t at = HEADROOM - ESP_HDR_LEN - 8;
	int n, ok;
	m6_put32(iv + 8, 1);
	memcpy(work + at, raw_image + at, c->sealed_len);   /* the copy esp_dec makes */
	ok = EVP_DecryptInit_ex(c->dec, NULL, NULL, NULL, iv) &&
	     EVP_DecryptUpdate(c->dec, NULL, &n, aad, 8) &&
	     EVP_DecryptUpdate(c->dec, p, &n, p, (int)c->n) &&
	     EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_AEAD_SET_TAG, 16, c->raw_tag) &&
	     EVP_DecryptFinal_ex(c->dec, p + n, &n) > 0;
	OPAQUE(work);
	return !ok;
}

typedef int (*op_fn)(struct ctx *);

/* Iterations per run so that one run takes about `secs`. */
static long calibrate(op_fn f, struct ctx *c, double secs)
{
	long n = 64;
	for (;;) {
		double t0 = now_ns();
		for (long i = 0; i < n; i++)
			if (f(c))
				die("operation failed");
		double dt = now_ns() - t0;
		if (dt > 20e6 || n > (1L << 30))
			return (long)((double)n * secs * 1e9 / dt) + 1;
		n *= 4;
	}
}

static double slice(op_fn f, struct ctx *c, long iters)
{
	double t0 = now_ns();
	for (long i = 0; i < iters; i++)
		if (f(c))
			die("operation failed");
	return now_ns() - t0;
}

/* One run of a pair: `slices` alternating slices of each; MB/s of both. */
static void run_pair(op_fn a, op_fn b, struct ctx *c, const long k[2], int slices, double mbs[2])
{
	double t[2] = { 0, 0 };
	for (int i = 0; i < slices; i++) {
		if (i % 2) {
			t[1] += slice(b, c, k[1]);
			t[0] += slice(a, c, k[0]);
		} else {
			t[0] += slice(a, c, k[0]);
			t[1] += slice(b, c, k[1]);
		}
	}
	for (int j = 0; j < 2; j++)
		mbs[j] = (double)c->n * (double)k[j] * slices / t[j] * 1e3;   /* octets/ns -> MB/s */
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, REPS, sizeof(v[0]), cmp_double);
	return v[REPS / 2];
}

static void setup(struct ctx *c, size_t n)
{
	struct m6_xform_cfg cfg;
	char why[128];
	memset(c, 0, sizeof(*c));
	memset(&cfg, 0, sizeof(cfg));
	cfg.enc = M6_ENC_AES_GCM_16;
	memcpy(cfg.ekey, key, sizeof(key));
	cfg.eklen = sizeof(key);
	if (m6_xform_init(&c->tx, &cfg, true, why, sizeof(why)) ||
	    m6_xform_init(&c->rx, &cfg, false, why, sizeof(why)))
		die(why);
	c->n = n;
	c->enc = EVP_CIPHER_CTX_new();
	c->dec = EVP_CIPHER_CTX_new();
	if (!c->enc || !c->dec ||
	    !EVP_EncryptInit_ex(c->enc, EVP_aes_128_gcm(), NULL, key, NULL) ||
	    !EVP_DecryptInit_ex(c->dec, EVP_aes_128_gcm(), NULL, key, NULL))
		die("EVP setup");

	/* The packet esp_dec opens, checked once. */
	struct pbuf pb;
	packet(sealed, n, &pb);
	if (esp_seal(&c->tx, &pb, OUTER, 41, SPI, 1, false, 0))
		die("esp_seal");
	if (pb.head != HEADROOM - ESP_HDR_LEN - 8)
		die("unexpected layout");
	c->sealed_len = pb.len;
	memcpy(work, sealed, BUF_LEN);
	if (esp_dec(c))
		die("esp_open of the sealed packet");
	for (size_t i = 0; i < n; i++)
		if (work[HEADROOM + OUTER + i] != (uint8_t)(i * 7))
			die("esp_open gave the wrong payload");

	/* The ciphertext raw_dec opens. */
	packet(work, n, &pb);
	c->seq = 0;
	if (raw_enc(c))
		die("raw seal");
	memcpy(raw_sealed, work + HEADROOM + OUTER, n);
	uint8_t iv[12] = { 0xca, 0xfe, 0xba, 0xbe }, aad[8] = { 0, 0, 0x12, 0x34, 0, 0, 0, 1 };
	int k;
	m6_put32(iv + 8, 1);
	memcpy(work + HEADROOM + OUTER, raw_sealed, n);
	packet(work, n, &pb);
	if (!EVP_EncryptInit_ex(c->enc, NULL, NULL, NULL, iv) ||
	    !EVP_EncryptUpdate(c->enc, NULL, &k, aad, 8) ||
	    !EVP_EncryptUpdate(c->enc, raw_sealed, &k, work + HEADROOM + OUTER, (int)n) ||
	    !EVP_EncryptFinal_ex(c->enc, raw_sealed + k, &k) ||
	    !EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_AEAD_GET_TAG, 16, c->raw_tag))
		die("raw reference");
	memcpy(raw_image, sealed, BUF_LEN);
	memcpy(raw_image + HEADROOM + OUTER, raw_sealed, n);
	if (raw_dec(c))
		die("raw open");
	packet(work, n, &pb);
	c->seq = 1;
}

static void teardown(struct ctx *c)
{
	m6_xform_clear(&c->tx);
	m6_xform_clear(&c->rx);
	EVP_CIPHER_CTX_free(c->enc);
	EVP_CIPHER_CTX_free(c->dec);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0.5;
	if (secs <= 0)
		die("usage: bench_esp [SECONDS per figure]");
	static const size_t sizes[] = { 64, 512, 1400, 9000 };
	printf("ESP AES-128-GCM-16 (tunnel mode, no ESN) vs raw EVP AES-128-GCM, same buffers,\n"
	       "same run; MB/s of payload, median of %d runs; ratio = ESP / EVP\n\n", REPS);
	printf("%7s | %10s %10s %6s | %10s %10s %6s\n", "payload", "seal MB/s", "EVP enc", "ratio",
	       "open MB/s", "EVP dec", "ratio");
	printf("--------+-----------------------------+-----------------------------\n");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct ctx c;
		setup(&c, sizes[i]);
		op_fn ops[4] = { esp_enc, raw_enc, esp_dec, raw_dec };
		const double slice_s = 1e-3;
		int slices = (int)(secs / REPS / slice_s) + 1;
		long k[4];
		double r[4][REPS], ratio[2][REPS], med[4], mr[2];
		for (int o = 0; o < 4; o++)
			k[o] = calibrate(ops[o], &c, slice_s);
		for (int rep = 0; rep < REPS; rep++) {
			for (int pair = 0; pair < 2; pair++) {
				double mbs[2];
				run_pair(ops[2 * pair], ops[2 * pair + 1], &c, k + 2 * pair, slices, mbs);
				r[2 * pair][rep] = mbs[0];
				r[2 * pair + 1][rep] = mbs[1];
				ratio[pair][rep] = mbs[0] / mbs[1];
			}
		}
		for (int o = 0; o < 4; o++)
			med[o] = median(r[o]);
		mr[0] = median(ratio[0]);
		mr[1] = median(ratio[1]);
		printf("%7zu | %10.1f %10.1f %6.3f | %10.1f %10.1f %6.3f\n", sizes[i], med[0], med[1],
		       mr[0], med[2], med[3], mr[1]);
		teardown(&c);
	}
	printf("\nopen figures include re-copying the sealed packet before each open (both sides).\n");
	return 0;
}
