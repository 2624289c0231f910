#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keyfile.h"
#include "crypto/m6_crypto.h"
#include "pkt/ip6.h"
#include "util/m6_err.h"

#define LINE_MAX_LEN 1024

static const struct { const char *alias, *name; } enc_alias[] = {
	{ "aes-gcm", "aes-gcm-16" },
	{ "aes-gcm16", "aes-gcm-16" },
	{ "aes-gcm-128", "aes-gcm-16" },
	{ "chacha20poly1305", "chacha20-poly1305" },
	{ "none", "null" },
};

static const struct { const char *alias, *name; } auth_alias[] = {
	{ "none", "null" },
	{ "hmac-sha2-256-128", "hmac-sha256-128" },
	{ "sha2-256-128", "hmac-sha256-128" },
	{ "hmac-sha2-512-256", "hmac-sha512-256" },
	{ "sha2-512-256", "hmac-sha512-256" },
	{ "hmac-sha1", "hmac-sha1-96" },
};

/* Lower-cased copy of name with aliases resolved. */
static const char *canon(const char *name, char *buf, size_t cap, int auth)
{
	size_t i;
	for (i = 0; name[i] && i + 1 < cap; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = 0;
	size_t n = auth ? sizeof(auth_alias) / sizeof(auth_alias[0]) : sizeof(enc_alias) / sizeof(enc_alias[0]);
	for (size_t k = 0; k < n; k++) {
		const char *a = auth ? auth_alias[k].alias : enc_alias[k].alias;
		if (!strcmp(buf, a))
			return auth ? auth_alias[k].name : enc_alias[k].name;
	}
	return buf;
}

int keyfile_enc_parse(const char *name, enum m6_enc *out)
{
	char buf[40];
	return m6_enc_parse(canon(name, buf, sizeof(buf), 0), out);
}

int keyfile_auth_parse(const char *name, enum m6_auth *out)
{
	char buf[40];
	return m6_auth_parse(canon(name, buf, sizeof(buf), 1), out);
}

void keyfile_init(struct keyfile *kf)
{
	memset(kf, 0, sizeof(*kf));
}

void keyfile_free(struct keyfile *kf)
{
	for (size_t i = 0; i < kf->n; i++) {
		m6_xform_clear(&kf->sa[i].rx);
		m6_wipe(&kf->sa[i].cfg, sizeof(kf->sa[i].cfg));
	}
	free(kf->sa);
	for (size_t i = 0; i < kf->n_ike; i++)
		keyfile_ike_clear(&kf->ike[i]);
	free(kf->ike);
	memset(kf, 0, sizeof(*kf));
}

struct keyfile_ike *keyfile_find_ike(struct keyfile *kf, const uint8_t spi_i[8], const uint8_t spi_r[8])
{
	for (size_t i = 0; i < kf->n_ike; i++)
		if (!memcmp(kf->ike[i].spi_i, spi_i, 8) && !memcmp(kf->ike[i].spi_r, spi_r, 8))
			return &kf->ike[i];
	return NULL;
}

/* A line of an ikev2_decryption_table (it has commas; the SA lines do not). */
static int load_ike_line(struct keyfile *kf, const char *line, unsigned no, char *err, size_t errlen)
{
	if (kf->n_ike == kf->cap_ike) {
		size_t cap = kf->cap_ike ? 2 * kf->cap_ike : 8;
		struct keyfile_ike *p = realloc(kf->ike, cap * sizeof(*p));
		if (!p) {
			snprintf(err, errlen, "out of memory");
			return M6_E_NOMEM;
		}
		kf->ike = p;
		kf->cap_ike = cap;
	}
	int rc = keyfile_ike_parse_line(line, &kf->ike[kf->n_ike], err, errlen);
	if (rc < 0)
		return rc;
	kf->ike[kf->n_ike++].line = no;
	return 0;
}

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return M6_E_CONFIG;
}

static int hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_key(const char *s, uint8_t *k, size_t *n, const char *what, char *err, size_t errlen)
{
	*n = 0;
	if (!strcmp(s, "-"))
		return 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	while (*s) {
		if (*s == ':') {
			s++;
			continue;
		}
		int hi = hexv((unsigned char)s[0]), lo = hi < 0 ? -1 : hexv((unsigned char)s[1]);
		if (hi < 0 || lo < 0)
			return bad(err, errlen, "%s: '%s' is not hex octets (or '-')", what, s);
		if (*n == M6_KEY_MAX)
			return bad(err, errlen, "%s: longer than %d octets", what, M6_KEY_MAX);
		k[(*n)++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return 0;
}

static int parse_addr(const char *s, bool *any, uint8_t a[16], const char *what, char *err, size_t errlen)
{
	*any = !strcmp(s, "*");
	memset(a, 0, 16);
	if (!*any && ip6_addr_parse(s, a))
		return bad(err, errlen, "%s: '%s' is not an IPv6 address or '*'", what, s);
	return 0;
}

int keyfile_parse_line(const char *line, struct keyfile_sa *sa, char *err, size_t errlen)
{
	char buf[LINE_MAX_LEN], *w[8], *save = NULL;
	int n = 0;
	memset(sa, 0, sizeof(*sa));
	if (strlen(line) >= sizeof(buf))
		return bad(err, errlen, "line longer than %d characters", LINE_MAX_LEN - 1);
	strcpy(buf, line);
	char *hash = strchr(buf, '#');
	if (hash)
		*hash = 0;
	for (char *t = strtok_r(buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 8)
			break;
		w[n++] = t;
	}
	if (n == 0)
		return 0;
	if (n != 7)
		return bad(err, errlen, "%s%d fields, expected 7: src dst spi enc-alg enc-key auth-alg auth-key",
			   n > 7 ? "more than " : "", n > 7 ? 7 : n);
	if (parse_addr(w[0], &sa->src_any, sa->src, "src", err, errlen) ||
	    parse_addr(w[1], &sa->dst_any, sa->dst, "dst", err, errlen))
		return M6_E_CONFIG;
	char *end;
	errno = 0;
	unsigned long long spi = strtoull(w[2], &end, 0);
	if (*end || w[2][0] == '-' || errno || spi > 0xffffffffULL)
		return bad(err, errlen, "spi: '%s' is not a 32-bit number", w[2]);
	sa->spi = (uint32_t)spi;
	if (keyfile_enc_parse(w[3], &sa->cfg.enc))
		return bad(err, errlen, "enc-alg '%s' unknown (null aes-cbc aes-gcm-16 chacha20-poly1305)", w[3]);
	if (keyfile_auth_parse(w[5], &sa->cfg.auth))
		return bad(err, errlen,
			   "auth-alg '%s' unknown (null hmac-sha256-128 hmac-sha1-96 hmac-sha512-256)", w[5]);
	if (parse_key(w[4], sa->cfg.ekey, &sa->cfg.eklen, "enc-key", err, errlen) ||
	    parse_key(w[6], sa->cfg.akey, &sa->cfg.aklen, "auth-key", err, errlen))
		return M6_E_CONFIG;
	/* Algorithm/key-length rules are the transform's: try it once. */
	struct m6_xform x;
	char why[160];
	int rc = m6_xform_init(&x, &sa->cfg, false, why, sizeof(why));
	m6_xform_clear(&x);
	if (rc)
		return bad(err, errlen, "%s", why[0] ? why : m6_strerror(rc));
	return 1;
}

/* Where keyfile_load() and keyfile_load_mem() take their lines from: a
 * stream (getline) or a buffer (split at '\n'). */
struct line_src {
	FILE *f;
	char *buf;              /* getline()'s */
	size_t cap;
	const char *p;          /* the rest of the buffer */
	size_t left;
};

/* The next line, its '\n' included, in *line (not NUL-terminated), or -1
 * at the end. */
static ssize_t next_line(struct line_src *s, const char **line)
{
	if (s->f) {
		ssize_t got = getline(&s->buf, &s->cap, s->f);
		*line = s->buf;
		return got;
	}
	if (!s->left)
		return -1;
	const char *nl = memchr(s->p, '\n', s->left);
	size_t n = nl ? (size_t)(nl - s->p) + 1 : s->left;
	*line = s->p;
	s->p += n;
	s->left -= n;
	return (ssize_t)n;
}

/* The one line loop of both loaders; name prefixes every error. */
static int load_lines(struct keyfile *kf, const char *name, struct line_src *src, char *err, size_t errlen)
{
	char line[LINE_MAX_LEN + 2], why[300];
	unsigned no = 0;
	int rc = 0;
	const char *raw;
	ssize_t got;
	while ((got = next_line(src, &raw)) >= 0) {
		struct keyfile_sa sa;
		no++;
		if (memchr(raw, '\0', (size_t)got)) {
			snprintf(err, errlen, "%s:%u: NUL character in a text line", name, no);
			rc = M6_E_CONFIG;
			break;
		}
		if ((size_t)got > LINE_MAX_LEN) {
			snprintf(err, errlen, "%s:%u: line longer than %d characters", name, no, LINE_MAX_LEN - 1);
			rc = M6_E_CONFIG;
			break;
		}
		/* without its '\n', so that a line of LINE_MAX_LEN - 1 characters
		 * fits keyfile_parse_line() */
		if (got && raw[got - 1] == '\n')
			got--;
		memcpy(line, raw, (size_t)got);
		line[got] = 0;
		const char *first = line + strspn(line, " \t");
		if (*first != '#' && strchr(line, ',')) {
			int r = load_ike_line(kf, line, no, why, sizeof(why));
			if (r) {
				snprintf(err, errlen, "%s:%u: %s", name, no, why);
				rc = r;
				break;
			}
			continue;
		}
		int r = keyfile_parse_line(line, &sa, why, sizeof(why));
		if (r < 0) {
			snprintf(err, errlen, "%s:%u: %s", name, no, why);
			rc = r;
			break;
		}
		if (r == 0)
			continue;
		sa.line = no;
		r = keyfile_append(kf, &sa);
		m6_wipe(&sa, sizeof(sa));
		if (r) {
			snprintf(err, errlen, "%s:%u: out of memory", name, no);
			rc = r;
			break;
		}
	}
	m6_wipe(line, sizeof(line));   /* it held key material */
	return rc;
}

int keyfile_load(struct keyfile *kf, const char *path, char *err, size_t errlen)
{
	struct line_src src = { .f = strcmp(path, "-") ? fopen(path, "r") : stdin };
	if (!src.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return M6_E_CONFIG;
	}
	int rc = load_lines(kf, path, &src, err, errlen);
	if (src.buf)
		m6_wipe(src.buf, src.cap);   /* it held key material */
	free(src.buf);
	if (!rc && ferror(src.f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = M6_E_CONFIG;
	}
	if (src.f != stdin)
		fclose(src.f);
	return rc;
}

int keyfile_load_mem(struct keyfile *kf, const char *name, const void *buf, size_t len, char *err, size_t errlen)
{
	struct line_src src = { .p = buf, .left = len };
	return load_lines(kf, name, &src, err, errlen);
}

static bool same_addr(bool any1, const uint8_t *a1, bool any2, const uint8_t *a2)
{
	return any1 == any2 && (any1 || !memcmp(a1, a2, 16));
}

static bool same_cfg(const struct m6_xform_cfg *a, const struct m6_xform_cfg *b)
{
	return a->enc == b->enc && a->auth == b->auth && a->eklen == b->eklen && a->aklen == b->aklen &&
	       !memcmp(a->ekey, b->ekey, a->eklen) && !memcmp(a->akey, b->akey, a->aklen);
}

int keyfile_append(struct keyfile *kf, const struct keyfile_sa *sa)
{
	if (kf->n == kf->cap) {
		size_t cap = kf->cap ? 2 * kf->cap : 16;
		struct keyfile_sa *p = realloc(kf->sa, cap * sizeof(*p));
		if (!p)
			return M6_E_NOMEM;
		kf->sa = p;
		kf->cap = cap;
	}
	struct keyfile_sa *d = &kf->sa[kf->n++];
	memset(d, 0, sizeof(*d));
	d->src_any = sa->src_any;
	d->dst_any = sa->dst_any;
	memcpy(d->src, sa->src, 16);
	memcpy(d->dst, sa->dst, 16);
	d->spi = sa->spi;
	d->cfg = sa->cfg;
	d->ah = sa->ah;
	d->line = sa->line;
	return 0;
}

int keyfile_add(struct keyfile *kf, const struct keyfile_sa *sa)
{
	for (size_t i = 0; i < kf->n; i++) {
		const struct keyfile_sa *o = &kf->sa[i];
		if (o->spi != sa->spi || !same_addr(o->src_any, o->src, sa->src_any, sa->src) ||
		    !same_addr(o->dst_any, o->dst, sa->dst_any, sa->dst))
			continue;
		return same_cfg(&o->cfg, &sa->cfg) && o->ah == sa->ah ? 0 : M6_E_EXISTS;
	}
	int rc = keyfile_append(kf, sa);
	return rc ? rc : 1;
}

static bool addr_match(bool any, const uint8_t *want, const uint8_t *a1, const uint8_t *a2)
{
	return any || (a1 && !memcmp(want, a1, 16)) || (a2 && !memcmp(want, a2, 16));
}

struct keyfile_sa *keyfile_find(struct keyfile *kf, uint32_t spi, const uint8_t *src1,
				const uint8_t *src2, const uint8_t *dst1, const uint8_t *dst2)
{
	if (!kf)
		return NULL;
	for (size_t i = 0; i < kf->n; i++) {
		struct keyfile_sa *s = &kf->sa[i];
		if (s->spi == spi && addr_match(s->src_any, s->src, src1, src2) &&
		    addr_match(s->dst_any, s->dst, dst1, dst2))
			return s;
	}
	return NULL;
}

const struct m6_xform *keyfile_open_xform(struct keyfile_sa *sa, int *rc, const char **why)
{
	if (!sa->rx_ready && !sa->rx_rc) {
		sa->rx_rc = m6_xform_init(&sa->rx, &sa->cfg, false, sa->rx_why, sizeof(sa->rx_why));
		sa->rx_ready = sa->rx_rc == 0;
	}
	*rc = sa->rx_rc;
	*why = sa->rx_why;
	return sa->rx_ready ? &sa->rx : NULL;
}

static void put_hex(FILE *f, const uint8_t *k, size_t n, bool dash)
{
	if (!n) {
		fputs(dash ? "-" : "", f);
		return;
	}
	fputs("0x", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", k[i]);
}

static void put_addr(FILE *f, bool any, const uint8_t *a)
{
	char s[46];
	if (any) {
		fputs("*", f);
		return;
	}
	ip6_addr_format(a, s);
	fputs(s, f);
}

int keyfile_write_keys(FILE *f, const struct keyfile *kf)
{
	fputs("# mip6sec keys: src dst spi enc-alg enc-key auth-alg auth-key ('-' = none;\n"
	      "# AEAD keys are key || 4-octet salt). For `mip6sec decode --keys` and pcapcheck.py -k.\n", f);
	for (size_t i = 0; i < kf->n; i++) {
		const struct keyfile_sa *s = &kf->sa[i];
		put_addr(f, s->src_any, s->src);
		fputc(' ', f);
		put_addr(f, s->dst_any, s->dst);
		fprintf(f, " 0x%08x %s ", s->spi, m6_enc_name(s->cfg.enc));
		put_hex(f, s->cfg.ekey, s->cfg.eklen, true);
		fprintf(f, " %s ", m6_auth_name(s->cfg.auth));
		put_hex(f, s->cfg.akey, s->cfg.aklen, true);
		fputs(s->ah ? "   # AH\n" : "\n", f);
	}
	return ferror(f) ? M6_E_CONFIG : 0;
}

/* Wireshark 4.0 esp_sa strings (packet-ipsec.c). */
static const char *ws_enc(enum m6_enc e)
{
	switch (e) {
	case M6_ENC_NULL: return "NULL";
	case M6_ENC_AES_CBC: return "AES-CBC [RFC3602]";
	case M6_ENC_AES_GCM_16: return "AES-GCM with 16 octet ICV [RFC4106]";
	default: return NULL;
	}
}

static const char *ws_auth(enum m6_auth a)
{
	switch (a) {
	case M6_AUTH_NONE: return "NULL";
	case M6_AUTH_HMAC_SHA256_128: return "HMAC-SHA-256-128 [RFC4868]";
	case M6_AUTH_HMAC_SHA1_96: return "HMAC-SHA-1-96 [RFC2404]";
	case M6_AUTH_HMAC_SHA512_256: return "HMAC-SHA-512-256 [RFC4868]";
	default: return NULL;
	}
}

int keyfile_write_esp_sa(FILE *f, const struct keyfile *kf)
{
	fputs("# Wireshark ESP SAs (esp_sa UAT, Wireshark/tshark 4.0), written by mip6sec build.\n"
	      "# Copy to the profile's esp_sa file, or pass each line as -o 'uat:esp_sa:LINE',\n"
	      "# with esp.enable_encryption_decode:TRUE and esp.enable_authentication_check:TRUE.\n"
	      "# Addresses are the ones Wireshark shows: HAO home address as source, RH2\n"
	      "# address as destination.\n", f);
	for (size_t i = 0; i < kf->n; i++) {
		const struct keyfile_sa *s = &kf->sa[i];
		const char *e = ws_enc(s->cfg.enc), *a = ws_auth(s->cfg.auth);
		if (s->ah) {
			fprintf(f, "# SPI 0x%08x is an AH SA: Wireshark does not verify AH ICVs (see the .keys file)\n",
				s->spi);
			continue;
		}
		if (!e || !a) {
			fprintf(f, "# SPI 0x%08x: %s / %s has no Wireshark 4.0 esp_sa name; the SA is only in the .keys file\n",
				s->spi, m6_enc_name(s->cfg.enc), m6_auth_name(s->cfg.auth));
			continue;
		}
		fputs("\"IPv6\",\"", f);
		put_addr(f, s->src_any, s->src);
		fputs("\",\"", f);
		put_addr(f, s->dst_any, s->dst);
		fprintf(f, "\",\"0x%08x\",\"%s\",\"", s->spi, e);
		put_hex(f, s->cfg.ekey, s->cfg.eklen, false);
		fprintf(f, "\",\"%s\",\"", a);
		put_hex(f, s->cfg.akey, s->cfg.aklen, false);
		fputs("\"\n", f);
	}
	return ferror(f) ? M6_E_CONFIG : 0;
}
