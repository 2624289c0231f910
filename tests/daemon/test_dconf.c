/*
 * mip6secd's configuration file (src/daemon/dconf.c): a valid file loads
 * with the same node loader as the simulator, and every fault is refused
 * with FILE:LINE and a reason.
 */
#include "tu.h"

#include <stdlib.h>
#include <unistd.h>

#include "dconf.h"

static char path[64];

static void write_file(const char *text)
{
	snprintf(path, sizeof(path), "/tmp/test_dconf.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* The loopback interface exists everywhere the tests run. */
#define NODE_OK "node = { name = \"mn\"; interfaces = ( { link = \"lo\"; } );\n" \
		"  mn = { hoa = \"2001:db8:1::100\"; ha = \"2001:db8:1::1\"; }; };\n"

static void test_valid(void **state)
{
	(void)state;
	struct dconf d;
	char err[512];
	write_file("daemon = { log_level = \"debug\"; tun = \"t0\"; tun_mtu = 1300; control = \"@x\";\n"
		   "  tun_routes = [ \"2001:db8::/32\" ]; deregister_timeout = \"500ms\"; tun_offload = false; };\n" NODE_OK);
	int rc = dconf_load(path, &d, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, 0);
	assert_int_equal(d.log_level, DLOG_DEBUG);
	assert_string_equal(d.tun.name, "t0");
	assert_int_equal(d.tun.mtu, 1300);
	assert_int_equal(d.tun.n_routes, 1);
	assert_int_equal(d.tun.routes[0].plen, 32);
	assert_int_equal(d.deregister_timeout_ns, 500000000ull);
	assert_false(d.tun.offload);
	assert_string_equal(dconf_ifname(&d, 0), "lo");
	assert_true(d.nc.cfg.is_mn);
	uint8_t hoa[16];
	ip6_addr_parse(TU_HOA, hoa);
	assert_memory_equal(d.tun.addr, hoa, 16);
	dconf_free(&d);
}

static void test_defaults(void **state)
{
	(void)state;
	struct dconf d;
	char err[512];
	write_file(NODE_OK);
	assert_int_equal(dconf_load(path, &d, err, sizeof(err)), 0);
	unlink(path);
	assert_string_equal(d.control, "@mip6secd");
	assert_string_equal(d.tun.name, "mip6tun0");
	assert_int_equal(d.tun.n_routes, 1);          /* ::/0 */
	assert_int_equal(d.tun.routes[0].plen, 0);
	assert_int_equal(d.log_level, DLOG_NOTICE);
	assert_true(d.tun.offload);
	dconf_free(&d);
}

/* text must be refused with a message holding `want` and naming line
 * `line` (0: the file as a whole, "FILE: reason"). */
static void refused(const char *text, unsigned line, const char *want)
{
	struct dconf d;
	char err[512], where[96];
	write_file(text);
	int rc = dconf_load(path, &d, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, M6_E_CONFIG);
	if (line)
		snprintf(where, sizeof(where), "%s:%u:", path, line);
	else
		snprintf(where, sizeof(where), "%s: ", path);
	if (!strstr(err, where) || !strstr(err, want))
		fail_msg("got \"%s\", wanted %s and \"%s\"", err, where, want);
}

static void test_errors(void **state)
{
	(void)state;
	refused("daemon = { log_levle = \"info\"; };\n" NODE_OK, 1, "unknown key 'log_levle'");
	refused("daemon = { log_level = \"loud\"; };\n" NODE_OK, 1, "use error, warning");
	refused("\nnode = { name = \"mn\"; interfaces = ( { link = \"nosuch0\"; } );\n"
		"  mn = { hoa = \"2001:db8:1::100\"; ha = \"2001:db8:1::1\"; }; };\n", 2,
		"no network interface named \"nosuch0\"");
	refused("daemon = { tun = \"a-name-far-too-long\"; };\n" NODE_OK, 1, "'tun' is longer");
	refused("daemon = { control = \"relative\"; };\n" NODE_OK, 1, "'control' must be");
	refused("daemon = { tun_routes = [ \"2001:db8::/129\" ]; };\n" NODE_OK, 1, "tun_routes");
	refused("daemon = { user = \"no-such-user-here\"; };\n" NODE_OK, 1, "no user named");
	refused("daemon = { state_file = \"relative\"; };\n" NODE_OK, 1, "absolute path");
	refused("daemon = { tun_offload = 1; };\n" NODE_OK, 1, "'tun_offload' must be true or false");
	refused("extra = 1;\n" NODE_OK, 1, "unknown key 'extra'");
	refused("daemon = { };\n", 0, "the file needs node");
	refused("node = { name = \"mn\"; interfaces = ( { link = \"lo\"; } );\n"
		"  mn = { hoa = \"2001:db8:1::100\"; ha = \"2001:db8:1::1\"; lifetime = -1; }; };\n", 2, "lifetime");
	refused("node = { name = \"ha\"; interfaces = ( { link = \"lo\"; addr = \"2001:db8:1::1/64\"; } );\n"
		"  forwarding = true; };\n", 1, "a forwarding node needs routes");
	refused(NODE_OK "junk", 3, "");                   /* syntax */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
