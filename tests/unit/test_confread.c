/* The configuration readers: every integer of a text is found again at full
 * width however the text is laid out (comments, strings, names with digits,
 * floats, signs, L suffixes, @include), and the typed getters refuse what
 * does not fit with FILE:LINE and the value as written. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tu.h"
#include "confread.h"

static int load(const char *text, struct conf_file *f, char *err, size_t n)
{
	return conf_file_parse(f, text, "t.cfg", NULL, err, n);
}

static uint64_t get_u(struct conf_file *f, const char *path, uint64_t max)
{
	char err[256] = "";
	struct conf_ctx c = { "t.cfg", err, sizeof(err) };
	const config_setting_t *m = config_lookup(&f->cf, path);
	uint64_t v = 0;
	if (!m)
		fail_msg("no %s", path);
	if (conf_uint_value(&c, m, path, 0, max, &v))
		fail_msg("%s: %s", path, err);
	return v;
}

static void test_layouts(void **s)
{
	(void)s;
	static const char text[] =
		"# 4294967296 in a comment\n"
		"a = 4294967296; // 99 here too\n"
		"/* 0x12345\n 77 */ b = 0x100001001;\n"
		"c-1 = \"3 \\\" 5 \\\\\"; d2 = 0xffffffff;\n"
		"f = 1.5; g = .5; h = 1e3; i = 2.; j = -7e-2; k = 3000000000L; l = 0x1fffffffffL;\n"
		"m = [ 1, 2, 4294967297 ];\n"
		"n = ( { o = 18446744073709551615; }, ( 5, \"6\", 4294967298 ) );\n"
		"p = -0; q = +12; r = true; s1 = \"x\" \"7\";\n"
		"t = 0x8000000000000000;\n";
	struct conf_file f;
	char err[256] = "";
	if (load(text, &f, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(get_u(&f, "a", UINT64_MAX) == 4294967296ull);
	assert_true(get_u(&f, "b", UINT64_MAX) == 0x100001001ull);
	assert_true(get_u(&f, "d2", UINT64_MAX) == 0xffffffffull);
	assert_true(get_u(&f, "k", UINT64_MAX) == 3000000000ull);
	assert_true(get_u(&f, "l", UINT64_MAX) == 0x1fffffffffull);
	assert_true(get_u(&f, "m.[2]", UINT64_MAX) == 4294967297ull);
	assert_true(get_u(&f, "n.[0].o", UINT64_MAX) == UINT64_MAX);
	assert_true(get_u(&f, "n.[1].[0]", UINT64_MAX) == 5);
	assert_true(get_u(&f, "n.[1].[2]", UINT64_MAX) == 4294967298ull);
	assert_true(get_u(&f, "p", UINT64_MAX) == 0);
	assert_true(get_u(&f, "q", UINT64_MAX) == 12);
	assert_true(get_u(&f, "t", UINT64_MAX) == 0x8000000000000000ull);
	assert_int_equal(f.n_ints, 14);
	conf_file_free(&f);
}

static void test_refusals(void **s)
{
	(void)s;
	static const struct { const char *text, *key; uint64_t max; const char *needle; } rows[] = {
		{ "x = 1;\nspi = 0x100001001;\n", "spi", UINT32_MAX, "t.cfg:2: 'spi' = 0x100001001 is out of range 0..4294967295" },
		{ "n = 18446744073709551616;\n", "n", UINT64_MAX, "t.cfg:1: 'n' = 18446744073709551616 is out of range" },
		{ "n = 0x10000000000000000;\n", "n", UINT64_MAX, "t.cfg:1: 'n' = 0x10000000000000000 is out of range" },
		{ "n = -5;\n", "n", 10, "t.cfg:1: 'n' = -5 is out of range 0..10" },
		{ "n = 4294967306;\n", "n", 100, "'n' = 4294967306 is out of range 0..100" },
		{ "n = 1.0;\n", "n", 100, "t.cfg:1: 'n' must be a whole number" },
		{ "n = \"5\";\n", "n", 100, "t.cfg:1: 'n' must be a whole number" },
		{ "n = 123456789012345678901234567890123456789012345678901234567890;\n", "n", 100,
		  "'n' = 12345678901234567890123456789012345678901234... is out of range" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct conf_file f;
		char err[256] = "";
		struct conf_ctx c = { "t.cfg", err, sizeof(err) };
		uint64_t v;
		if (load(rows[i].text, &f, err, sizeof(err)))
			fail_msg("row %zu: %s", i, err);
		int rc = conf_uint(&c, config_root_setting(&f.cf), rows[i].key, 0, rows[i].max, &v, NULL);
		if (rc != M6_E_CONFIG || !strstr(err, rows[i].needle))
			fail_msg("row %zu: rc %d '%s' lacks '%s'", i, rc, err, rows[i].needle);
		conf_file_free(&f);
	}
	/* a setting that did not come through conf_file_*() is refused, not guessed */
	config_t cf;
	char err[256] = "";
	struct conf_ctx c = { "raw", err, sizeof(err) };
	uint64_t v;
	config_init(&cf);
	assert_int_equal(config_read_string(&cf, "n = 5;"), CONFIG_TRUE);
	assert_int_equal(conf_uint(&c, config_root_setting(&cf), "n", 0, 10, &v, NULL), M6_E_CONFIG);
	assert_non_null(strstr(err, "not read from the text"));
	config_destroy(&cf);
	/* syntax errors keep libconfig's line */
	struct conf_file f;
	assert_int_equal(load("a = 1;\nb = ;\n", &f, err, sizeof(err)), M6_E_CONFIG);
	assert_non_null(strstr(err, "t.cfg:2: syntax error"));
}

/* An @included file's integers come from that file, and its messages name it. */
static void test_include(void **s)
{
	(void)s;
	char dir[] = "/tmp/m6confXXXXXX", path[64], sub[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.cfg", dir);
	snprintf(sub, sizeof(sub), "%s/sub.cfg", dir);
	FILE *o = fopen(sub, "w");
	assert_non_null(o);
	fputs("# sub\ns1 = 4294967296;\ns2 = 0x1ffffffff;\n", o);
	fclose(o);
	o = fopen(path, "w");
	assert_non_null(o);
	fputs("a = 1;\ng = {\n@include \"sub.cfg\"\n};\nh = {\n@include \"sub.cfg\"\n};\nz = 4294967297;\n", o);
	fclose(o);
	struct conf_file f;
	char err[256] = "";
	if (conf_file_read(&f, path, dir, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(get_u(&f, "g.s1", UINT64_MAX) == 4294967296ull);
	assert_true(get_u(&f, "h.s2", UINT64_MAX) == 0x1ffffffffull);
	assert_true(get_u(&f, "z", UINT64_MAX) == 4294967297ull);
	struct conf_ctx c = { path, err, sizeof(err) };
	uint64_t v;
	assert_int_equal(conf_uint(&c, config_lookup(&f.cf, "h"), "s1", 0, 100, &v, NULL), M6_E_CONFIG);
	/* the file as the @include names it (libconfig's own messages do the same) */
	if (!strstr(err, "sub.cfg:2: 's1' = 4294967296"))
		fail_msg("'%s' lacks the included file's line", err);
	conf_file_free(&f);
	assert_int_equal(conf_file_read(&f, "/nonexistent/x.cfg", NULL, err, sizeof(err)), M6_E_CONFIG);
	assert_non_null(strstr(err, "/nonexistent/x.cfg: cannot read the file"));
	unlink(sub);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_include),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
