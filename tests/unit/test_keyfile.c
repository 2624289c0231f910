/* Key files loaded from memory (src/common/keyfile.c keyfile_load_mem()):
 * the same lines, line numbers and "NAME:LINE: reason" errors as
 * keyfile_load() gives for a file of the same octets (both run one line
 * loop), a last line without '\n', and the limits of a line (NUL, length). */
#include <stdlib.h>
#include <unistd.h>

#include "tu.h"
#include "keyfile.h"
#include "util/m6_err.h"

#define SA1 "2001:db8:1::100 2001:db8:1::1 0x1001 aes-cbc 000102030405060708090a0b0c0d0e0f " \
	    "hmac-sha256-128 0x202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
#define SA2 "* 2001:db8:1::100 4098 AES-GCM 0x101112131415161718191a1b1c1d1e1fc0c1c2c3 none -"
#define IKE1 "0102030405060708,1112131415161718,000102030405060708090a0b0c0d0e0f," \
	     "101112131415161718191a1b1c1d1e1f,\"AES-CBC-128 [RFC3602]\"," \
	     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f," \
	     "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f,\"HMAC_SHA2_256_128 [RFC4868]\""

static const char text[] = "# keys\n"
			   "\n"
			   SA1 "   # MN -> HA\n"
			   "  # indented comment, with a comma\n"
			   IKE1 "\n"
			   "\t" SA2;          /* no '\n' at the end */

/* keyfile_load() of the same octets, through a temporary file. */
static int load_file(struct keyfile *kf, const void *buf, size_t len, char *path, size_t pathlen, char *err,
		     size_t errlen)
{
	snprintf(path, pathlen, "%s/test_keyfile.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	int rc = keyfile_load(kf, path, err, errlen);
	unlink(path);
	return rc;
}

static void assert_same(const struct keyfile *a, const struct keyfile *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->n_ike, b->n_ike);
	for (size_t i = 0; i < a->n; i++) {
		const struct keyfile_sa *x = &a->sa[i], *y = &b->sa[i];
		assert_int_equal(x->line, y->line);
		assert_int_equal(x->spi, y->spi);
		assert_int_equal(x->src_any, y->src_any);
		assert_int_equal(x->dst_any, y->dst_any);
		assert_memory_equal(x->src, y->src, 16);
		assert_memory_equal(x->dst, y->dst, 16);
		assert_int_equal(x->cfg.enc, y->cfg.enc);
		assert_int_equal(x->cfg.auth, y->cfg.auth);
		assert_int_equal(x->cfg.eklen, y->cfg.eklen);
		assert_int_equal(x->cfg.aklen, y->cfg.aklen);
		assert_memory_equal(x->cfg.ekey, y->cfg.ekey, x->cfg.eklen);
		assert_memory_equal(x->cfg.akey, y->cfg.akey, x->cfg.aklen);
	}
	for (size_t i = 0; i < a->n_ike; i++) {
		assert_int_equal(a->ike[i].line, b->ike[i].line);
		assert_memory_equal(a->ike[i].spi_i, b->ike[i].spi_i, 8);
		assert_memory_equal(a->ike[i].spi_r, b->ike[i].spi_r, 8);
	}
}

static void test_mem_lines(void **s)
{
	(void)s;
	struct keyfile kf;
	char err[256] = "";
	uint8_t a[16];
	keyfile_init(&kf);
	assert_int_equal(keyfile_load_mem(&kf, "m.keys", text, strlen(text), err, sizeof(err)), 0);
	assert_int_equal(kf.n, 2);
	assert_int_equal(kf.n_ike, 1);
	assert_int_equal(kf.sa[0].line, 3);
	assert_int_equal(kf.sa[0].spi, 0x1001);
	tu_addr(TU_HOA, a);
	assert_memory_equal(kf.sa[0].src, a, 16);
	assert_int_equal(kf.sa[0].cfg.enc, M6_ENC_AES_CBC);
	assert_int_equal(kf.sa[0].cfg.auth, M6_AUTH_HMAC_SHA256_128);
	assert_int_equal(kf.sa[0].cfg.eklen, 16);
	assert_int_equal(kf.sa[0].cfg.aklen, 32);
	assert_int_equal(kf.ike[0].line, 5);
	assert_int_equal(kf.ike[0].spi_i[7], 0x08);
	assert_int_equal(kf.sa[1].line, 6);      /* the last line, without '\n' */
	assert_int_equal(kf.sa[1].spi, 4098);
	assert_true(kf.sa[1].src_any);
	assert_int_equal(kf.sa[1].cfg.enc, M6_ENC_AES_GCM_16);
	assert_int_equal(kf.sa[1].cfg.eklen, 20);
	assert_non_null(keyfile_find(&kf, 0x1001, a, NULL, kf.sa[0].dst, NULL));
	keyfile_free(&kf);
}

/* The same octets as a file give the same key set. */
static void test_mem_same_as_file(void **s)
{
	(void)s;
	struct keyfile m, f;
	char err[256] = "", path[4096];
	keyfile_init(&m);
	keyfile_init(&f);
	assert_int_equal(keyfile_load_mem(&m, "m.keys", text, strlen(text), err, sizeof(err)), 0);
	assert_int_equal(load_file(&f, text, strlen(text), path, sizeof(path), err, sizeof(err)), 0);
	assert_same(&m, &f);
	keyfile_free(&m);
	keyfile_free(&f);
}

static void test_mem_empty(void **s)
{
	(void)s;
	struct keyfile kf;
	char err[64] = "";
	keyfile_init(&kf);
	assert_int_equal(keyfile_load_mem(&kf, "e", "", 0, err, sizeof(err)), 0);
	assert_int_equal(keyfile_load_mem(&kf, "e", NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(keyfile_load_mem(&kf, "e", "\n\n# only comments\n", 18, err, sizeof(err)), 0);
	assert_int_equal(kf.n + kf.n_ike, 0);
	assert_string_equal(err, "");
	keyfile_free(&kf);
}

/* A bad line stops the load with "NAME:LINE: reason", as for a file
 * ("PATH:LINE: reason"); the lines before it stay loaded. */
static void test_mem_errors(void **s)
{
	(void)s;
	static const char bad_spi[] = SA1 "\n\n" "* * 0x1ffffffff null - null -\n" SA2 "\n";
	struct keyfile kf, f;
	char err[256], ferr[256], path[4096];
	keyfile_init(&kf);
	keyfile_init(&f);
	assert_int_equal(keyfile_load_mem(&kf, "k", bad_spi, strlen(bad_spi), err, sizeof(err)), M6_E_CONFIG);
	assert_string_equal(err, "k:3: spi: '0x1ffffffff' is not a 32-bit number");
	assert_int_equal(kf.n, 1);
	assert_int_equal(load_file(&f, bad_spi, strlen(bad_spi), path, sizeof(path), ferr, sizeof(ferr)), M6_E_CONFIG);
	assert_int_equal(strncmp(ferr, path, strlen(path)), 0);
	assert_string_equal(ferr + strlen(path), err + 1);     /* ":3: spi: ..." */
	assert_same(&kf, &f);
	keyfile_free(&kf);
	keyfile_free(&f);

	/* a NUL inside the buffer is in a line, not its end */
	static const char nul[] = "# one\n* * 1 null - null -\0\n";
	keyfile_init(&kf);
	assert_int_equal(keyfile_load_mem(&kf, "k", nul, sizeof(nul) - 1, err, sizeof(err)), M6_E_CONFIG);
	assert_string_equal(err, "k:2: NUL character in a text line");
	keyfile_free(&kf);

	/* fields: one too few */
	keyfile_init(&kf);
	assert_int_equal(keyfile_load_mem(&kf, "k", "* * 1 null - null", 17, err, sizeof(err)), M6_E_CONFIG);
	assert_string_equal(err, "k:1: 6 fields, expected 7: src dst spi enc-alg enc-key auth-alg auth-key");
	keyfile_free(&kf);
}

/* 1023 characters and the '\n' are a line; one more is too long, with or
 * without the '\n' (the same for a file). */
static void test_mem_line_length(void **s)
{
	(void)s;
	char buf[1100], err[256], path[4096];
	struct keyfile kf;
	memset(buf, ' ', sizeof(buf));
	buf[0] = '#';
	buf[1023] = '\n';
	keyfile_init(&kf);
	assert_int_equal(keyfile_load_mem(&kf, "k", buf, 1024, err, sizeof(err)), 0);
	assert_int_equal(keyfile_load_mem(&kf, "k", buf, 1023, err, sizeof(err)), 0);
	assert_int_equal(load_file(&kf, buf, 1024, path, sizeof(path), err, sizeof(err)), 0);
	buf[1023] = ' ';
	buf[1024] = '\n';
	assert_int_equal(keyfile_load_mem(&kf, "k", buf, 1025, err, sizeof(err)), M6_E_CONFIG);
	assert_string_equal(err, "k:1: line longer than 1023 characters");
	assert_int_equal(keyfile_load_mem(&kf, "k", buf, 1024, err, sizeof(err)), M6_E_CONFIG);
	assert_string_equal(err, "k:1: line longer than 1023 characters");
	assert_int_equal(load_file(&kf, buf, 1025, path, sizeof(path), err, sizeof(err)), M6_E_CONFIG);
	assert_string_equal(err + strlen(path), ":1: line longer than 1023 characters");
	assert_int_equal(kf.n, 0);
	keyfile_free(&kf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_lines),
		cmocka_unit_test(test_mem_same_as_file),
		cmocka_unit_test(test_mem_empty),
		cmocka_unit_test(test_mem_errors),
		cmocka_unit_test(test_mem_line_length),
	};
	return cmocka_run_group_tests_name("keyfile", tests, NULL, NULL);
}
