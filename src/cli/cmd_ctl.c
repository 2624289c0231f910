/*
 * The control client (see cmd_ctl.h): one request line to mip6secd's
 * unix socket, the answer printed (or, for keys, written to files).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd_ctl.h"
#include "ctl_proto.h"
#include "crypto/m6_crypto.h"
#include "keyfile.h"

static const char help_text[] =
"usage: mip6sec show [bindings|bul|sa|policy|ike|counters|neighbours|status] [--json] [-s SOCKET]\n"
"       mip6sec reload [-s SOCKET]\n"
"       mip6sec keys FILE [-s SOCKET]\n"
"       mip6sec rekey child|ike [-s SOCKET]\n"
"\n"
"Ask a running mip6secd (see mip6secd(8)). Its control socket is, unless\n"
"-s or $" CTL_SOCKET_ENV " names another, the abstract socket \"" CTL_SOCKET_DEFAULT "\" of the\n"
"current network namespace (so 'ip netns exec NS mip6sec show' asks the\n"
"daemon running in NS). Root and the daemon's control_group may ask.\n"
"\n"
"  show bindings    the binding cache (home agent, correspondent) or the\n"
"                   mobile node's acknowledged home registration\n"
"  show bul         the mobile node's Binding Update List\n"
"  show sa          security associations, with packet and byte counters\n"
"  show policy      the security policy database, in order, with hits\n"
"  show ike         IKE SAs (IKE keying): SPIs, role, state, addresses, the\n"
"                   peer's identity, the suite, the Child SA's ESP SPIs\n"
"  show counters    frames, ND, host side, IPsec, drops by reason, events\n"
"  show neighbours  the neighbour cache of the wire interfaces\n"
"  show status      roles, interfaces, a mobile node's whereabouts (default)\n"
"  --json           one JSON object instead of a table; its fields are\n"
"                   stable (mip6secd(8), CONTROL): bindings have at least\n"
"                   hoa, coa, lifetime (granted, s), remaining (s), seq\n"
"  reload           re-read the configuration, keeping bindings and the SAs\n"
"                   that did not change; prints what was done\n"
"  keys FILE        write the daemon's current SAs to FILE in the key-file\n"
"                   format of 'mip6sec decode --keys' (and of pcapcheck.py\n"
"                   -k), and Wireshark's ESP SA table beside it (FILE with\n"
"                   .keys replaced by .esp_sa, else FILE.esp_sa); with IKE\n"
"                   keying also the IKE SAs' keys in Wireshark's\n"
"                   ikev2_decryption_table format (strongSwan save-keys),\n"
"                   FILE with .keys replaced by .ikev2_decryption_table,\n"
"                   else FILE.ikev2_decryption_table; mode 0600\n"
"  rekey child|ike  rekey now (IKE keying): each Child SA, or the IKE SA,\n"
"                   by CREATE_CHILD_SA, as at its soft lifetime\n"
"  -s, --socket S   \"@NAME\" for an abstract socket, else a path\n"
"\n"
"exit status: 0 success, 1 the daemon refused or could not be reached,\n"
"             2 usage error\n";

void cmd_ctl_help(FILE *f) { fputs(help_text, f); }

struct answer {
	char *buf;
	size_t len, cap;
};

static void answer_wipe(struct answer *a)
{
	if (a->buf)
		m6_wipe(a->buf, a->cap);
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

/* Send one request, read the whole answer. 0, or 1 with a message printed. */
static int ask(const char *sock, const char *line, struct answer *a)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	size_t n = strlen(sock);
	socklen_t salen;
	if (n < 2 || n >= sizeof(sa.sun_path)) {
		fprintf(stderr, "mip6sec: bad control socket name '%s'\n", sock);
		return 1;
	}
	if (sock[0] == '@') {
		memcpy(sa.sun_path + 1, sock + 1, n - 1);
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		memcpy(sa.sun_path, sock, n);
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, salen) < 0) {
		fprintf(stderr, "mip6sec: cannot reach mip6secd at %s: %s (is it running in this network namespace?)\n",
			sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	size_t ll = strlen(line);
	if (write(fd, line, ll) != (ssize_t)ll || write(fd, "\n", 1) != 1) {
		fprintf(stderr, "mip6sec: writing to mip6secd: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	for (;;) {
		if (a->len + 4096 + 1 > a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 65536;
			char *b = malloc(cap);
			if (!b) {
				close(fd);
				fprintf(stderr, "mip6sec: out of memory\n");
				return 1;
			}
			if (a->buf)
				memcpy(b, a->buf, a->len);
			answer_wipe(&(struct answer){ a->buf, a->len, a->cap });
			a->buf = b;
			a->cap = cap;
		}
		ssize_t r = read(fd, a->buf + a->len, a->cap - a->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "mip6sec: reading from mip6secd: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		if (r == 0)
			break;
		a->len += (size_t)r;
	}
	close(fd);
	a->buf[a->len] = 0;
	if (!strncmp(a->buf, "OK\n", 3))
		return 0;
	if (!strncmp(a->buf, "ERR ", 4)) {
		fprintf(stderr, "mip6sec: mip6secd: %s", a->buf + 4);
		return 1;
	}
	fprintf(stderr, "mip6sec: mip6secd gave no answer (closed early)\n");
	return 1;
}

static const char *default_socket(void)
{
	const char *e = getenv(CTL_SOCKET_ENV);
	return e && e[0] ? e : CTL_SOCKET_DEFAULT;
}

/* Options common to the three commands; returns the index of the first
 * operand or -1 (usage printed). */
static int parse(int argc, char **argv, const char **sock, bool *json, bool allow_json)
{
	static const struct option opts[] = { { "socket", required_argument, NULL, 's' },
					      { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	int c;
	*sock = default_socket();
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's': *sock = optarg; break;
		case 'j':
			if (!allow_json)
				goto usage;
			*json = true;
			break;
		case 'h': fputs(help_text, stdout); exit(0);
		default: goto usage;
		}
	}
	return optind;
usage:
	fputs(help_text, stderr);
	return -1;
}

/* One request; the answer's text to stdout. */
static int ask_print(const char *sock, const char *line)
{
	struct answer a = { 0 };
	int rc = ask(sock, line, &a);
	if (!rc)
		fputs(a.buf + 3, stdout);
	answer_wipe(&a);
	return rc;
}

int cmd_show(int argc, char **argv)
{
	const char *sock;
	bool json = false;
	int i = parse(argc, argv, &sock, &json, true);
	if (i < 0 || argc - i > 1) {
		if (i >= 0)
			fputs(help_text, stderr);
		return 2;
	}
	const char *what = i < argc ? argv[i] : "status";
	static const char *const known[] = { "bindings", "bul", "sa", "policy", "ike", "counters", "neighbours", "neighbors",
					     "status", NULL };
	bool ok = false;
	for (const char *const *k = known; *k; k++)
		ok = ok || !strcmp(*k, what);
	if (!ok) {
		fprintf(stderr, "mip6sec show: unknown table '%s'\n%s", what, help_text);
		return 2;
	}
	char line[128];
	snprintf(line, sizeof(line), "show %s%s", what, json ? " json" : "");
	return ask_print(sock, line);
}

int cmd_rekey(int argc, char **argv)
{
	const char *sock;
	bool json = false;
	int i = parse(argc, argv, &sock, &json, false);
	if (i < 0 || argc - i != 1 || (strcmp(argv[i], "child") && strcmp(argv[i], "ike"))) {
		if (i >= 0)
			fputs(help_text, stderr);
		return 2;
	}
	char line[32];
	snprintf(line, sizeof(line), "rekey %s", argv[i]);
	return ask_print(sock, line);
}

int cmd_reload(int argc, char **argv)
{
	const char *sock;
	bool json = false;
	int i = parse(argc, argv, &sock, &json, false);
	if (i < 0 || i != argc) {
		if (i >= 0)
			fputs(help_text, stderr);
		return 2;
	}
	return ask_print(sock, "reload");
}

static FILE *open_secret(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "mip6sec keys: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

int cmd_keys(int argc, char **argv)
{
	const char *sock;
	bool json = false;
	int i = parse(argc, argv, &sock, &json, false);
	if (i < 0 || argc - i != 1) {
		if (i >= 0)
			fputs(help_text, stderr);
		return 2;
	}
	const char *path = argv[i];
	struct answer a = { 0 };
	int rc = ask(sock, "keys", &a);
	if (rc) {
		answer_wipe(&a);
		return rc;
	}
	/* every line must be one the decoder takes back */
	struct keyfile kf;
	keyfile_init(&kf);
	char *body = a.buf + 3, *save = NULL;
	unsigned lineno = 0;
	/* IKE lines ("ikev2 " + a decryption-table line) are gathered in
	 * place at the front of the body: they are never longer than it */
	bool has_ike = false;
	size_t ike_len = 0;
	for (char *l = strtok_r(body, "\n", &save); l && !rc; l = strtok_r(NULL, "\n", &save)) {
		struct keyfile_sa sa;
		char err[200];
		lineno++;
		if (!strcmp(l, "# ikev2_decryption_table")) {
			has_ike = true;
			continue;
		}
		if (!strncmp(l, "ikev2 ", 6)) {
			size_t n = strlen(l + 6);
			memmove(a.buf + ike_len, l + 6, n);
			ike_len += n;
			a.buf[ike_len++] = '\n';
			continue;
		}
		memset(&sa, 0, sizeof(sa));
		int r = keyfile_parse_line(l, &sa, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "mip6sec keys: the daemon's line %u: %s\n", lineno, err);
			rc = 1;
		} else if (r == 1 && keyfile_append(&kf, &sa)) {
			fprintf(stderr, "mip6sec keys: out of memory\n");
			rc = 1;
		}
		m6_wipe(&sa, sizeof(sa));
	}
	char esp[4096];
	size_t pl = strlen(path);
	if (pl > 5 && !strcmp(path + pl - 5, ".keys"))
		snprintf(esp, sizeof(esp), "%.*s.esp_sa", (int)(pl - 5), path);
	else
		snprintf(esp, sizeof(esp), "%s.esp_sa", path);
	FILE *f = rc ? NULL : open_secret(path);
	if (!rc && (!f || keyfile_write_keys(f, &kf) || fclose(f))) {
		fprintf(stderr, "mip6sec keys: writing %s failed\n", path);
		rc = 1;
	}
	f = rc ? NULL : open_secret(esp);
	if (!rc && (!f || keyfile_write_esp_sa(f, &kf) || fclose(f))) {
		fprintf(stderr, "mip6sec keys: writing %s failed\n", esp);
		rc = 1;
	}
	char ike[4096];
	if (pl > 5 && !strcmp(path + pl - 5, ".keys"))
		snprintf(ike, sizeof(ike), "%.*s.ikev2_decryption_table", (int)(pl - 5), path);
	else
		snprintf(ike, sizeof(ike), "%s.ikev2_decryption_table", path);
	f = rc || !has_ike ? NULL : open_secret(ike);
	if (!rc && has_ike && (!f || fwrite(a.buf, 1, ike_len, f) != ike_len || fclose(f))) {
		fprintf(stderr, "mip6sec keys: writing %s failed\n", ike);
		rc = 1;
	}
	if (!rc && has_ike)
		printf("%zu SA(s) written to %s and %s, IKE SA keys to %s\n", kf.n, path, esp, ike);
	else if (!rc)
		printf("%zu SA(s) written to %s and %s\n", kf.n, path, esp);
	keyfile_free(&kf);
	answer_wipe(&a);
	return rc;
}
