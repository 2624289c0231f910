/*
 * mip6sec — command-line front end: decode, build, sim, and the control
 * client of mip6secd (show, reload, keys, rekey).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_ctl.h"
#include "cmd_sim.h"
#include "dissect.h"
#include "keyfile.h"
#include "pcapio.h"
#include "spec.h"
#include "util/m6_err.h"

#define PKT_MAX 65575

static const char usage_main[] =
"usage: mip6sec COMMAND [OPTIONS] ...\n"
"\n"
"Mobile IPv6 with integrated IPsec, in user space.\n"
"\n"
"commands:\n"
"  decode FILE.pcap [--json] [--check] [--keys FILE]\n"
"                                        dissect Mobile IPv6 packets in a capture\n"
"  build SPEC... -o FILE.pcap            craft packets from one-line specifications\n"
"  sim SCENARIO [--out DIR] [--seed N]   run a deterministic network simulation\n"
"  show [TABLE] [--json]                 ask a running mip6secd: bindings, bul, sa,\n"
"                                        policy, ike, counters, neighbours, status\n"
"  reload                                make mip6secd re-read its configuration\n"
"  keys FILE                             write mip6secd's SAs as a key file (+ esp_sa, IKE)\n"
"  rekey child|ike                       make mip6secd rekey its Child SAs or IKE SA now\n"
"  help [COMMAND]                        show help for a command\n"
"\n"
"options:\n"
"  -h, --help     show this help\n"
"      --version  show the version\n"
"\n"
"Run 'mip6sec COMMAND --help' for a command's options; see also mip6sec(1).\n";

static const char usage_decode[] =
"usage: mip6sec decode [-j] [-c] [-k KEYS] FILE.pcap|-\n"
"\n"
"Dissect every frame of a capture (pcap or pcapng, '-' for standard input;\n"
"raw IPv6, Ethernet, Linux cooked or loopback link types: another link type\n"
"is refused) with Mobile IPv6 awareness: Home Address\n"
"option, type 2 Routing header, every Mobility Header message and option,\n"
"ESP/AH SPIs, IPv6-in-IPv6 tunnels, IKEv2 on UDP 500 and 4500 (header and\n"
"payload chain; SK and SKF payloads framed, not decrypted). The MH checksum\n"
"is verified over the pseudo-header RFC 6275 requires (home address from the\n"
"HAO as source, RH2 address as destination). Every fault is listed: wrong\n"
"lengths, overruns, misplaced or duplicate options, bad checksums, RH0 with\n"
"segments left.\n"
"A frame the capture's snap length cut short is noted (snaplen {captured,\n"
"length, skipped}): faults that only say octets are missing are not errors.\n"
"\n"
"options:\n"
"  -j, --json one JSON object per frame and line, with the keys frame, src, dst,\n"
"             hao, rh2, headers, proto, mh {type, seq, lifetime (seconds),\n"
"             flags, status, options [{type, ...}], checksum, checksum_ok},\n"
"             esp {spi, seq}, ah, udp, ike {exchange, flags, msgid, payloads},\n"
"             icmpv6, inner (tunnelled packet) and\n"
"             errors (array of \"<id>: <reason> (offset N)\", empty when valid)\n"
"  -c, --check\n"
"             exit with status 1 when any frame has an error\n"
"  -k, --keys FILE\n"
"             manual ESP/AH keys, one SA per line:\n"
"               src dst spi enc-alg enc-key auth-alg auth-key\n"
"             (src/dst an address or '*'; enc-alg null aes-cbc aes-gcm-16\n"
"             chacha20-poly1305; auth-alg null hmac-sha256-128 hmac-sha1-96\n"
"             hmac-sha512-256; keys in hex, '-' for none; AEAD key = key ||\n"
"             4-octet salt; '#' comments). An ESP or AH header whose SPI and\n"
"             addresses (wire or HAO/RH2 ones) match a line is verified; ESP\n"
"             is then decrypted and its payload dissected: esp {spi, seq,\n"
"             icv_ok, decrypted, next_header}, then mh/udp/... (transport) or\n"
"             inner (tunnel); ah {spi, seq, icv_ok}. The sequence number is\n"
"             the 32 bits on the wire (no ESN, no replay check). A failure is\n"
"             an error \"icv: ...\" and nothing of the payload is shown.\n"
"             A line with commas is an IKE SA instead, as in the\n"
"             ikev2_decryption_table that strongSwan's save-keys plugin, the\n"
"             simulator and mip6sec keys write (Wireshark's format):\n"
"               SPIi,SPIr,SK_ei,SK_er,\"encryption\",SK_ai,SK_ar,\"integrity\"\n"
"             The SK payload of an IKE message with those SPIs is verified and\n"
"             decrypted: ike {icv_ok, decrypted [payloads]} or decrypt_error.\n"
"             --keys may be given up to 8 times (e.g. keys.txt and\n"
"             ikev2_decryption_table).\n"
"  -h, --help show this help\n"
"\n"
"exit status: 0 success, 1 a frame had errors (with --check), 2 usage or I/O\n"
"error (an unreadable or truncated file: the message names the file and frame)\n";

#define DECODE_KEYFILES_MAX 8

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
"\n"
"When a packet has a keyed esp or ah layer, -o X.pcap also writes the keys to\n"
"X.keys (for mip6sec decode --keys and pcapcheck.py -k) and X.esp_sa (Wireshark's\n"
"esp_sa table; SAs Wireshark 4.0 cannot use are comments there).\n"
"\n";

static int cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "check", no_argument, NULL, 'c' },
		{ "keys", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, check = 0, c;
	const char *keyfiles[DECODE_KEYFILES_MAX];
	size_t n_keyfiles = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jck:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'c': check = 1; break;
		case 'k':
			if (n_keyfiles == DECODE_KEYFILES_MAX)
				return usage_error("decode", "more than 8 --keys files");
			keyfiles[n_keyfiles++] = optarg;
			break;
		case 'h': fputs(usage_decode, stdout); return 0;
		default: return option_error("decode", c, argv);
		}
	}
	if (optind != argc - 1)
		return usage_error("decode", "expected one capture file (or - for standard input)");
	char err[512];
	struct keyfile kf;
	keyfile_init(&kf);
	for (size_t i = 0; i < n_keyfiles; i++)
		if (keyfile_load(&kf, keyfiles[i], err, sizeof(err))) {
			fprintf(stderr, "mip6sec decode: %s\n", err);
			keyfile_free(&kf);
			return 2;
		}
	bool keys = n_keyfiles > 0;
	struct pcapio *pc = pcapio_open_read(argv[optind], err, sizeof(err));
	if (!pc) {
		fprintf(stderr, "mip6sec decode: %s\n", err);
		keyfile_free(&kf);
		return 2;
	}
	struct pcapio_frame f;
	int rc, bad = 0;
	while ((rc = pcapio_next(pc, &f, err, sizeof(err))) == 1) {
		json_t *j;
		if (f.ip) {
			j = dissect_packet_keys(f.ip, f.ip_len, keys ? &kf : NULL);
		} else {
			j = json_object();
			json_t *e = json_array();
			json_array_append_new(e, json_string(f.why));
			json_object_set_new(j, "errors", e);
		}
		if (f.ip && f.cap_len < f.wire_len)
			dissect_note_cut(j, f.ip_len, f.ip_len + (f.wire_len - f.cap_len));
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
	keyfile_free(&kf);
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
	struct keyfile kf;      /* SAs of keyed esp/ah layers */
};

/* Room for the worst-case ESP/AH growth beyond the largest IPv6 packet. */
#define PKT_BUF (PKT_MAX + 2048)

static int build_one(struct build_out *bo, const char *spec, const char *where)
{
	static uint8_t pkt[PKT_BUF];
	size_t len;
	char err[512];
	struct spec_sa sas[SPEC_SA_MAX];
	unsigned n_sas = 0;
	if (spec_build_sa(spec, pkt, sizeof(pkt), &len, sas, &n_sas, err, sizeof(err))) {
		fprintf(stderr, "mip6sec build: %s%s\n", where, err);
		return -1;
	}
	if (len > PKT_MAX) {
		fprintf(stderr, "mip6sec build: %spacket of %zu octets is longer than %d\n", where, len, PKT_MAX);
		return -1;
	}
	for (unsigned i = 0; i < n_sas; i++) {
		struct keyfile_sa ks;
		memset(&ks, 0, sizeof(ks));
		memcpy(ks.src, sas[i].src, 16);
		memcpy(ks.dst, sas[i].dst, 16);
		ks.spi = sas[i].spi;
		ks.cfg = sas[i].cfg;
		ks.ah = sas[i].ah;
		int rc = keyfile_add(&bo->kf, &ks);
		if (rc == M6_E_EXISTS) {
			/* keep both lines: the first one wins when decoding */
			fprintf(stderr, "mip6sec build: %swarning: SPI 0x%08x is used again between the same "
				"addresses with other algorithms or keys\n", where, sas[i].spi);
			rc = keyfile_append(&bo->kf, &ks);
		}
		m6_wipe(&ks, sizeof(ks));
		if (rc < 0) {
			fprintf(stderr, "mip6sec build: out of memory\n");
			return -1;
		}
	}
	m6_wipe(sas, sizeof(sas));
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

/* X.pcap -> X.keys and X.esp_sa beside it. */
static void key_path(const char *pcap, const char *ext, char *buf, size_t cap)
{
	static const char *const sfx[] = { ".pcapng", ".pcap", ".cap" };
	size_t n = strlen(pcap);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t k = strlen(sfx[i]);
		if (n > k && !strcmp(pcap + n - k, sfx[i])) {
			n -= k;
			break;
		}
	}
	snprintf(buf, cap, "%.*s%s", (int)n, pcap, ext);
}

static int write_one(const char *path, int (*fn)(FILE *, const struct keyfile *), const struct keyfile *kf)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "mip6sec build: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = fn(f, kf);
	if (fclose(f) || rc) {
		fprintf(stderr, "mip6sec build: %s: write error\n", path);
		return -1;
	}
	return 0;
}

static int write_key_files(const char *pcap, const struct keyfile *kf)
{
	char keys[4096], wsa[4096];
	key_path(pcap, ".keys", keys, sizeof(keys));
	key_path(pcap, ".esp_sa", wsa, sizeof(wsa));
	if (write_one(keys, keyfile_write_keys, kf) || write_one(wsa, keyfile_write_esp_sa, kf))
		return -1;
	fprintf(stderr, "mip6sec build: keys of %zu SA(s) written to %s (mip6sec decode --keys, pcapcheck.py -k)"
		" and %s (Wireshark esp_sa)\n", kf->n, keys, wsa);
	return 0;
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
	struct build_out bo;
	int c;
	memset(&bo, 0, sizeof(bo));
	keyfile_init(&bo.kf);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:xf:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'x': bo.hex = 1; break;
		case 'f': file = optarg; break;
		case 'h': fputs(usage_build_head, stdout); fputs(spec_help_text, stdout); return 0;
		default: return option_error("build", c, argv);
		}
	}
	if (!out && !bo.hex)
		return usage_error("build", "give -o FILE.pcap or --hex");
	if (optind == argc && !file)
		return usage_error("build", "no SPEC given");
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
	if (!rc && out && bo.kf.n)
		rc = write_key_files(out, &bo.kf);
	else if (!rc && bo.kf.n)
		fprintf(stderr, "mip6sec build: note: the keys of keyed esp/ah layers are written only "
			"with -o FILE.pcap (to FILE.keys and FILE.esp_sa)\n");
	keyfile_free(&bo.kf);
	return rc ? 2 : 0;
}

/* The commands and their one-line synopses (the first line of each help). */
static const struct {
	const char *name, *synopsis;
} commands[] = {
	{ "decode", "mip6sec decode [-j] [-c] [-k KEYS] FILE.pcap|-" },
	{ "build", "mip6sec build [-o FILE.pcap] [-x] [-f SPECFILE] SPEC..." },
	{ "sim", "mip6sec sim [-o DIR] [-s N] [-q | -v] [-p] [--check] SCENARIO" },
	{ "help", "mip6sec help [COMMAND]" },
};

int option_error(const char *cmd, int c, char **argv)
{
	char why[160];
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	if (c == ':')
		snprintf(why, sizeof(why), "option '%s' needs a value", arg);
	else if (optopt && !(arg[0] == '-' && arg[1] == '-'))
		snprintf(why, sizeof(why), "unknown option '-%c'", optopt);
	else
		snprintf(why, sizeof(why), "unknown option '%s'", arg);
	return usage_error(cmd, why);
}

/* A usage error: what is wrong and the command's synopsis, not its whole
 * help (which would bury the one line that matters). */
int usage_error(const char *cmd, const char *why)
{
	if (why)
		fprintf(stderr, "mip6sec%s%s: %s\n", cmd[0] ? " " : "", cmd, why);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, cmd)) {
			fprintf(stderr, "usage: %s\nRun 'mip6sec %s --help' for the options.\n", commands[i].synopsis, cmd);
			return 2;
		}
	fputs("usage: mip6sec COMMAND [OPTIONS] ...   (COMMAND: decode, build, sim, help)\n"
	      "Run 'mip6sec --help' for the commands.\n", stderr);
	return 2;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (argc > 2)
		return usage_error("help", "expected at most one command");
	if (!strcmp(argv[1], "decode"))
		fputs(usage_decode, stdout);
	else if (!strcmp(argv[1], "build"))
		printf("%s%s", usage_build_head, spec_help_text);
	else if (!strcmp(argv[1], "sim"))
		cmd_sim_help(stdout);
	else if (!strcmp(argv[1], "show") || !strcmp(argv[1], "reload") || !strcmp(argv[1], "keys") ||
		 !strcmp(argv[1], "rekey"))
		cmd_ctl_help(stdout);
	else if (!strcmp(argv[1], "help"))
		fputs(usage_main, stdout);
	else {
		fprintf(stderr, "mip6sec help: unknown command '%s' (decode, build, sim, show, reload, keys, rekey)\n", argv[1]);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("", "no command given");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		puts("mip6sec " MIP6SEC_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(cmd, "decode"))
		return cmd_decode(argc - 1, argv + 1);
	if (!strcmp(cmd, "build"))
		return cmd_build(argc - 1, argv + 1);
	if (!strcmp(cmd, "sim"))
		return cmd_sim(argc - 1, argv + 1);
	if (!strcmp(cmd, "show"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(cmd, "reload"))
		return cmd_reload(argc - 1, argv + 1);
	if (!strcmp(cmd, "keys"))
		return cmd_keys(argc - 1, argv + 1);
	if (!strcmp(cmd, "rekey"))
		return cmd_rekey(argc - 1, argv + 1);
	fprintf(stderr, "mip6sec: unknown command '%s'\n", cmd);
	return usage_error("", NULL);
}
