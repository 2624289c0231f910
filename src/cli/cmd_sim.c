/* mip6sec sim: argument parsing and exit status around sim_run. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_sim.h"
#include "scenario.h"
#include "sim_node.h"
#include "sim_run.h"

static const char usage_sim[] =
"usage: mip6sec sim [-o DIR] [-s N] [-q | -v] [-p] [--check] SCENARIO\n"
"\n"
"Run a deterministic network simulation: the nodes of SCENARIO (mobile\n"
"nodes, home agents, correspondents, routers) running the real Mobile IPv6\n"
"and IPsec engines over simulated links, on a virtual clock (no waiting:\n"
"an hour of protocol time takes a moment). The same scenario and seed give\n"
"byte-identical output.\n"
"\n"
"options:\n"
"  -o, --out DIR    write the run's files into DIR (created if missing):\n"
"                     LINK.pcap     every frame sent on each link (raw IPv6,\n"
"                                   time stamps = simulated time)\n"
"                     keys.txt      every configured SA (and keyed esp/ah layer\n"
"                                   of injected packets), one per line:\n"
"                                   src dst spi enc-alg enc-key auth-alg auth-key\n"
"                                   (mip6sec decode --keys, pcapcheck.py -k)\n"
"                     esp_sa        the same SAs as Wireshark esp_sa entries\n"
"                     events.jsonl  one JSON object per event: t_ns, time,\n"
"                                   node, type, peer, addr, code, u32, text,\n"
"                                   msg; simulator happenings have sim: true\n"
"                     ladder.svg    message-sequence diagram: a lifeline per\n"
"                                   node, an arrow per Mobility Header message\n"
"                                   (protected ones with their SA's SPI and\n"
"                                   protection model), drops and movements\n"
"                                   marked, injected packets from an attacker\n"
"                                   lifeline to the drop reason or acceptance\n"
"                     goodput.svg   goodput per traffic flow over time,\n"
"                                   interruptions shaded; moves, registrations,\n"
"                                   SA expiries and drops marked\n"
"                     timeline.txt, summary.txt  what the terminal shows\n"
"                   without -o only the terminal output is produced\n"
"  -s, --seed N     random seed, 0 to 2^64-1 like the scenario's seed (loss,\n"
"                   jitter, duplication, reordering, the nodes' nonces);\n"
"                   overrides the scenario's seed (default 1)\n"
"  -q, --quiet      no timeline: expectation results and the summary only\n"
"  -v, --verbose    also show per-packet data-path events (tunnel\n"
"                   encapsulation and decapsulation, deliveries)\n"
"  -p, --progress   show progress on standard error: simulated time, events\n"
"                   and events per second, twice a second (by default only\n"
"                   when standard error is a terminal and the timeline is not\n"
"                   shown there)\n"
"      --check      read and check the scenario, then stop\n"
"  -h, --help       show this help and the scenario format\n"
"\n"
"The terminal shows one line per protocol event, \"TIME NODE WHAT\" (TIME in\n"
"seconds of simulated time), then a summary: per node frames sent and\n"
"received, drops by reason and binding/SA state; per link frames, losses,\n"
"duplicates, reorderings, MTU drops; per traffic flow packets sent,\n"
"delivered, lost, duplicated and the longest interruption; and every\n"
"expectation with PASS or FAIL and why.\n"
"\n"
"exit status: 0 every expectation passed, 1 an expectation failed,\n"
"2 usage error, bad scenario or output error\n"
"\n";

void cmd_sim_help(FILE *f)
{
	fputs(usage_sim, f);
	fputs(scenario_help_text, f);
}

/* The scenario file's seed range: decimal or 0x-hex, 0 to 2^64-1. */
static int parse_seed(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!(s[0] >= '0' && s[0] <= '9'))
		return -1;   /* strtoull would take blanks, a sign, and wrap "-1" */
	unsigned long long v = strtoull(s, &end, 0);
	if (*end || errno)
		return -1;
	*out = v;
	return 0;
}

struct progress {
	bool tty;
	struct timespec start, last;
	bool shown;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Wall-clock time is read here, in the command, only to pace the display:
 * the simulation itself never sees it. */
static void show_progress(void *ctx, uint64_t now, uint64_t duration, uint64_t events)
{
	struct progress *p = ctx;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	bool done = now >= duration;
	if (!done && since(&p->last, &t) < 0.5)
		return;
	p->last = t;
	double wall = since(&p->start, &t);
	fprintf(stderr, "%smip6sec sim: %5.1f%%  %.3f of %.3f s simulated, %llu events, %.0f events/s%s",
		p->tty ? "\r" : "", 100.0 * (double)now / (double)duration, (double)now / 1e9,
		(double)duration / 1e9, (unsigned long long)events, wall > 0 ? (double)events / wall : 0.0,
		p->tty && !done ? "" : "\n");
	fflush(stderr);
	p->shown = true;
}

int cmd_sim(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check", no_argument, NULL, 'c' },
		{ "progress", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct simrun_opts o;
	struct progress pr;
	int c, check = 0, progress = 0;
	memset(&o, 0, sizeof(o));
	o.term = stdout;
	o.add_host = sim_add_node;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:s:qvph", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out_dir = optarg; break;
		case 's':
			if (parse_seed(optarg, &o.seed)) {
				fprintf(stderr, "mip6sec sim: --seed '%s': expected a number 0..18446744073709551615 "
					"(decimal or 0x-hex)\n", optarg);
				return 2;
			}
			o.has_seed = true;
			break;
		case 'q': o.quiet = true; break;
		case 'v': o.verbose = true; break;
		case 'p': progress = 1; break;
		case 'c': check = 1; break;
		case 'h': cmd_sim_help(stdout); return 0;
		default: return option_error("sim", c, argv);
		}
	}
	if (optind != argc - 1)
		return usage_error("sim", "expected one scenario file");
	if (o.quiet && o.verbose)
		return usage_error("sim", "--quiet and --verbose contradict each other");
	/* on a terminal, unasked, only when no timeline shares it */
	bool err_tty = isatty(STDERR_FILENO);
	if (!progress && err_tty && (o.quiet || !isatty(STDOUT_FILENO)))
		progress = 1;
	if (progress) {
		memset(&pr, 0, sizeof(pr));
		pr.tty = err_tty;
		clock_gettime(CLOCK_MONOTONIC, &pr.start);
		pr.last = pr.start;
		o.progress = show_progress;
		o.progress_ctx = &pr;
	}
	char err[1024];
	struct scenario sc;
	if (scenario_load_file(argv[optind], &sc, err, sizeof(err))) {
		fprintf(stderr, "mip6sec sim: %s\n", err);
		return 2;
	}
	if (check) {
		printf("%s: %zu link(s), %zu node(s), %zu flow(s), %zu timeline event(s), %zu expectation(s)\n",
		       argv[optind], sc.n_links, sc.n_nodes, sc.n_flows, sc.n_actions, sc.n_expects);
		scenario_free(&sc);
		return 0;
	}
	struct simrun_result res;
	int rc = simrun(&sc, &o, &res, err, sizeof(err));
	scenario_free(&sc);
	fflush(stdout);
	if (rc) {
		fprintf(stderr, "mip6sec sim: %s\n", err);
		return 2;
	}
	if (o.out_dir)
		fprintf(stderr, "mip6sec sim: wrote %s/{*.pcap,keys.txt,esp_sa,events.jsonl,ladder.svg,goodput.svg,"
			"timeline.txt,"
			"summary.txt}\n", o.out_dir);
	return res.n_failed ? 1 : 0;
}
