/*
 * mip6sec — command-line front end: decode, build (later: sim, show).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect.h"
#include "pcapio.h"
#include "spec.h"

#define PKT_MAX 65575

static const char usage_main[] =
"usage: mip6sec COMMAND [OPTIONS] ...\n"
"\n"
"Mobile IPv6 with integrated IPsec, in user space.\n"
"\n"
"commands:\n"
"  decode FILE.pcap [--json] [--check]   dissect Mobile IPv6 packets in a capture\n"
"  build SPEC... -o FILE.pcap            craft packets from one-line specifications\n"
"  help [COMMAND]                        show help for a command\n"
"\n"
"Run 'mip6sec COMMAND --help' for a command's options; see also mip6sec(1).\n";

static const char usage_decode[] =
"usage: mip6sec decode [--json] [--check] FILE.pcap\n"
"\n"
"Dissect every frame of a capture (pcap or pcapng; raw IPv6, Ethernet, Linux\n"
"cooked or loopback link types) with Mobile IPv6 awareness: Home Address\n"
"option, type 2 Routing header, every Mobility Header message and option,\n"
"ESP/AH SPIs, IPv6-in-IPv6 tunnels. The MH checksum is verified over the\n"
"pseudo-header RFC 6275 requires (home address from the HAO as source, RH2\n"
"address as destination). Every fault is listed: wrong lengths, overruns,\n"
"misplaced or duplicate options, bad checksums, RH0 with segments left.\n"
"\n"
"options:\n"
"  --json     one JSON object per frame and line, with the keys frame, src, dst,\n"
"             hao, rh2, headers, proto, mh {type, seq, lifetime (seconds),\n"
"             flags, status, options [{type, ...}], checksum, checksum_ok},\n"
"             esp {spi, seq}, ah, udp, icmpv6, inner (tunnelled packet) and\n"
"             errors (array of \"<id>: <reason> (offset N)\", empty when valid)\n"
"  --check    exit with status 1 when any frame has an error\n"
"  -h, --help show this help\n"
"\n"
"exit status: 0 success, 1 a frame had errors (with --check), 2 usage or I/O error\n";

static const char usage_build_head[] =
"usage: mip6sec build [-o FILE.pcap] [--hex] [-f SPECFILE] SPEC...\n"
"\n"
"Craft IPv6 / Mobile IPv6 packets, one per SPEC (or per line of SPECFILE; '#'\n"
"starts a comment), and write them to a pcap file (LINKTYPE_RAW) or as hex.\n"
"\n"
"options:\n"
"  -o, --output FILE   write a pcap file\n"
"  -x, --hex           print each packet as one line of hex on stdout\n"
"  -f, --file FILE     read specifications from FILE ('-' for stdin)\n"
"  -h, --help          show this help\n"
"\n";

static int cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, check = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jch", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'c': check = 1; break;
		case 'h': fputs(usage_decode, stdout); return 0;
		default: fputs(usage_decode, stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "mip6sec decode: expected one capture file\n%s", usage_decode);
		return 2;
	}
	char err[512];
	struct pcapio *pc = pcapio_open_read(argv[optind], err, sizeof(err));
	if (!pc) {
		fprintf(stderr, "mip6sec decode: %s\n", err);
		return 2;
	}
	struct pcapio_frame f;
	int rc, bad = 0;
	while ((rc = pcapio_next(pc, &f, err, sizeof(err))) == 1) {
		json_t *j;
		if (f.ip) {
			j = dissect_packet(f.ip, f.ip_len);
		} else {
			j = json_object();
			json_t *e = json_array();
			json_array_append_new(e, json_string(f.why));
			json_object_set_new(j, "errors", e);
		}
		bad |= json_array_size(json_object_get(j, "errors")) > 0;
		if (json) {
			json_t *o = json_pack("{s:i}", "frame", (json_int_t)f.no);
			json_object_update(o, j);
			char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (s)
				puts(s);
			free(s);
			json_decref(o);
		} else {
			dissect_print_text(stdout, f.no, j);
		}
		json_decref(j);
	}
	pcapio_close(pc);
	if (rc < 0) {
		fprintf(stderr, "mip6sec decode: %s\n", err);
		return 2;
	}
	return check && bad ? 1 : 0;
}

struct build_out {
	struct pcapio *pc;
	int hex;
	unsigned n;
};

static int build_one(struct build_out *bo, const char *spec, const char *where)
{
	static uint8_t pkt[PKT_MAX];
	size_t len;
	char err[512];
	if (spec_build(spec, pkt, sizeof(pkt), &len, err, sizeof(err))) {
		fprintf(stderr, "mip6sec build: %s%s\n", where, err);
		return -1;
	}
	bo->n++;
	if (bo->pc)
		pcapio_write(bo->pc, pkt, len, (uint64_t)bo->n * 1000);
	if (bo->hex) {
		for (size_t i = 0; i < len; i++)
			printf("%02x", pkt[i]);
		putchar('\n');
	}
	return 0;
}

static int build_file(struct build_out *bo, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char line[8192], where[300];
	unsigned no = 0;
	int rc = 0;
	if (!f) {
		fprintf(stderr, "mip6sec build: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		no++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		snprintf(where, sizeof(where), "%s:%u: ", path, no);
		if (build_one(bo, line, where)) {
			rc = -1;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

static int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "hex", no_argument, NULL, 'x' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *file = NULL;
	struct build_out bo = { NULL, 0, 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:xf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'x': bo.hex = 1; break;
		case 'f': file = optarg; break;
		case 'h': fputs(usage_build_head, stdout); fputs(spec_help_text, stdout); return 0;
		default: fputs(usage_build_head, stderr); return 2;
		}
	}
	if (!out && !bo.hex) {
		fprintf(stderr, "mip6sec build: give -o FILE.pcap or --hex\n");
		return 2;
	}
	if (optind == argc && !file) {
		fprintf(stderr, "mip6sec build: no SPEC given (see mip6sec build --help)\n");
		return 2;
	}
	char err[512];
	if (out && !(bo.pc = pcapio_open_write(out, err, sizeof(err)))) {
		fprintf(stderr, "mip6sec build: %s\n", err);
		return 2;
	}
	int rc = 0;
	if (file)
		rc = build_file(&bo, file);
	for (int i = optind; i < argc && !rc; i++)
		rc = build_one(&bo, argv[i], "");
	pcapio_close(bo.pc);
	if (rc && out)
		remove(out);   /* never leave a half-written capture behind */
	return rc ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_main, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		puts("mip6sec " MIP6SEC_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help")) {
		if (argc > 2 && !strcmp(argv[2], "decode"))
			fputs(usage_decode, stdout);
		else if (argc > 2 && !strcmp(argv[2], "build"))
			printf("%s%s", usage_build_head, spec_help_text);
		else
			fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(cmd, "decode"))
		return cmd_decode(argc - 1, argv + 1);
	if (!strcmp(cmd, "build"))
		return cmd_build(argc - 1, argv + 1);
	fprintf(stderr, "mip6sec: unknown command '%s'\n%s", cmd, usage_main);
	return 2;
}
