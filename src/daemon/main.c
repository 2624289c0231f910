/*
 * mip6secd — the Mobile IPv6 + IPsec node on real Linux interfaces.
 * Arguments, background mode (the parent waits until the node runs, so
 * a failing start is a failing command), pidfile; the rest is m6d.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dlog.h"
#include "m6d_main.h"
#include "m6d_priv.h"

#ifndef MIP6SEC_VERSION
#define MIP6SEC_VERSION "unknown"
#endif

#define DEFAULT_CONFIG "/etc/mip6sec/mip6secd.conf"

static const char usage[] =
"usage: mip6secd [-c FILE] [-f] [-l LEVEL] [-t]\n"
"\n"
"Run one Mobile IPv6 node (RFC 6275) with integrated IPsec on this host's\n"
"network interfaces: a mobile node, a home agent or a correspondent node, as\n"
"the configuration file says. The node's packets go through AF_PACKET sockets\n"
"on the interfaces it names (the kernel's IPv6 is switched off on them while\n"
"the daemon runs); the host's own traffic goes through a TUN device carrying\n"
"the node's address (a mobile node's home address, which therefore survives\n"
"every move). Movement comes from link up/down events and Router\n"
"Advertisements.\n"
"\n"
"options:\n"
"  -c, --config FILE     configuration file (default " DEFAULT_CONFIG "):\n"
"                        a node group as in scenario files (mip6sec(1)), its\n"
"                        ipsec group (mip6sec.conf(5)) and a daemon group\n"
"                        (mip6secd(8)); errors are reported as FILE:LINE\n"
"  -f, --foreground      stay in the foreground and log to standard error\n"
"                        (the way to run under systemd); otherwise detach and\n"
"                        log to syslog once the node runs\n"
"  -l, --log-level LEVEL error, warning, notice (default), info or debug;\n"
"                        overrides the file's daemon.log_level\n"
"  -t, --check           check the configuration file and exit\n"
"  -V, --version         print the version and exit\n"
"  -h, --help            show this help\n"
"\n"
"signals:\n"
"  SIGTERM, SIGINT       stop: a mobile node away from home first\n"
"                        de-registers (a Binding Update with lifetime 0) and\n"
"                        waits for the home agent's answer up to\n"
"                        daemon.deregister_timeout; IKE SAs are deleted with\n"
"                        an INFORMATIONAL Delete to each peer; SAs are deleted and their\n"
"                        keys wiped, interfaces given back to the kernel\n"
"  SIGHUP                reload the configuration file, keeping the bindings\n"
"                        and SAs that did not change (also: mip6sec reload)\n"
"\n"
"control: mip6sec show bindings|bul|sa|policy|counters|neighbours|status\n"
"         [--json], mip6sec reload, mip6sec keys FILE (see mip6sec(1)).\n"
"\n"
"exit status: 0 stopped cleanly, 1 configuration error, 2 usage error,\n"
"             3 start-up failed (interfaces, TUN, sockets, privileges)\n"
"\n"
"See mip6secd(8).\n";

struct ready_pipe {
	int fd;
};

static void tell_parent(void *ctx)
{
	struct ready_pipe *p = ctx;
	if (p->fd < 0)
		return;
	char ok = 0;
	if (write(p->fd, &ok, 1) != 1)
		dlog(DLOG_WARN, "could not tell the starting process that the node runs");
	close(p->fd);
	p->fd = -1;
	/* from here on nobody reads the terminal */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
}

static int write_pidfile(const char *path)
{
	if (!path[0])
		return 0;
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "foreground", no_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'l' }, { "check", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *config = DEFAULT_CONFIG, *level = NULL;
	bool foreground = false, check = false;
	int c;
	while ((c = getopt_long(argc, argv, "c:fl:tVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': foreground = true; break;
		case 'l': level = optarg; break;
		case 't': check = true; break;
		case 'V': printf("mip6secd %s\n", MIP6SEC_VERSION); return 0;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mip6secd: unexpected argument '%s'\n%s", argv[optind], usage);
		return 2;
	}
	enum dlog_level lv = DLOG_NOTICE;
	if (level && dlog_parse_level(level, &lv)) {
		fprintf(stderr, "mip6secd: unknown log level '%s' (error, warning, notice, info, debug)\n", level);
		return 2;
	}
	static struct m6d d;
	char err[512];
	if (dconf_load(config, &d.conf, err, sizeof(err))) {
		fprintf(stderr, "mip6secd: %s\n", err);
		return 1;
	}
	if (level)
		d.conf.log_level = lv;
	if (check) {
		printf("%s: configuration of node %s is valid\n", config, d.conf.nc.name);
		dconf_free(&d.conf);
		return 0;
	}
	struct ready_pipe rp = { -1 };
	if (!foreground) {
		int p[2];
		if (pipe(p) < 0) {
			perror("mip6secd: pipe");
			return 3;
		}
		pid_t pid = fork();
		if (pid < 0) {
			perror("mip6secd: fork");
			return 3;
		}
		if (pid > 0) {
			/* the parent: succeed only once the node runs */
			char ok;
			close(p[1]);
			ssize_t n = read(p[0], &ok, 1);
			if (n == 1)
				return 0;
			int st = 0;
			waitpid(pid, &st, 0);
			return WIFEXITED(st) && WEXITSTATUS(st) ? WEXITSTATUS(st) : 3;
		}
		close(p[0]);
		rp.fd = p[1];
		setsid();
		if (chdir("/") < 0)
			return 3;
		umask(022);
	}
	/* until the node runs, errors go to the terminal that started us */
	dlog_open(false, d.conf.log_level);
	d.foreground = foreground;
	int rc = m6d_setup(&d, err, sizeof(err));
	if (!rc)
		rc = m6d_drop_privileges(&d, err, sizeof(err));
	if (rc) {
		dlog(DLOG_ERR, "%s", err);
		m6d_cleanup(&d);
		return 3;
	}
	if (!foreground) {
		if (write_pidfile(d.conf.pidfile))
			dlog(DLOG_WARN, "pidfile %s: %s", d.conf.pidfile, strerror(errno));
		tell_parent(&rp);
		dlog_open(true, d.conf.log_level);
	}
	m6d_run(&d, NULL, NULL);
	m6d_cleanup(&d);
	if (!foreground && d.conf.pidfile[0])
		unlink(d.conf.pidfile);
	dlog(DLOG_NOTICE, "stopped");
	return 0;
}
