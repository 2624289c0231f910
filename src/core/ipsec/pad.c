/*
 * pad — the Peer Authorization Database: an ordered list searched first to
 * last, small enough (one entry per peer or peer group) that a linear scan
 * is the right structure. Entries are held by pointer so the pointers the
 * lookups return stay valid until that entry is removed.
 */
#include "pad.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../pkt/ip6.h"
#include "../util/m6_err.h"

#define DN_NORM_MAX 1024
#define DN_RDN_MAX 64

struct pad_node {
	struct pad_entry e;
	uint32_t parent;         /* temporary entries: the entry they were made from */
};

struct pad {
	struct pad_node **v;
	size_t n, cap;
	uint32_t next_id;
};

/* ASCII only: identities are protocol strings, never locale text. */
static inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool ieq_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

static bool ieq(const char *a, const char *b)
{
	size_t n = strlen(a);
	return n == strlen(b) && ieq_n(a, b, n);
}

/* --- identity forms ------------------------------------------------------ */

/* Length without one trailing root dot. */
static size_t fqdn_len(const char *s)
{
	size_t n = strlen(s);
	return n > 1 && s[n - 1] == '.' ? n - 1 : n;
}

static bool fqdn_match(const char *pat, const char *id)
{
	size_t pn = fqdn_len(pat), in = fqdn_len(id);
	if (pat[0] == '.')           /* sub-tree: strictly below the domain */
		return in > pn && ieq_n(id + in - pn, pat, pn);
	return pn == in && ieq_n(pat, id, pn);
}

static bool rfc822_match(const char *pat, const char *id)
{
	const char *at = strrchr(id, '@');
	if (!at || at == id)
		return false;
	const char *host = at + 1;
	const char *pat_at = strchr(pat, '@');
	if (pat_at && pat_at != pat) {   /* a complete address */
		size_t ln = (size_t)(at - id);
		return (size_t)(pat_at - pat) == ln && memcmp(pat, id, ln) == 0 && ieq(pat_at + 1, host);
	}
	if (pat_at)                      /* "@host" */
		return ieq(pat + 1, host);
	if (pat[0] == '.') {             /* ".domain": hosts inside it */
		size_t pn = strlen(pat), hn = strlen(host);
		return hn > pn && ieq_n(host + hn - pn, pat, pn);
	}
	return ieq(pat, host);           /* "host" */
}

static bool rfc822_same(const char *a, const char *b)
{
	const char *aa = strrchr(a, '@'), *ba = strrchr(b, '@');
	if (!aa || !ba || aa == a || ba == b)
		return ieq(a, b);
	return aa - a == ba - b && memcmp(a, b, (size_t)(aa - a)) == 0 && ieq(aa + 1, ba + 1);
}

/* A DN in one spelling: lower case, no spaces around ',' '=' '+' ';' (';'
 * becomes ','), runs of spaces collapsed, escapes kept. starts[] gets the
 * offset of every RDN. False if it does not fit. */
static bool dn_norm(const char *in, char *out, size_t cap, size_t *starts, unsigned *nrdn)
{
	size_t o = 0;
	unsigned n = 0;
	bool space = false, tight = true;
	starts[n++] = 0;
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '\t') {
			space = !tight;
			continue;
		}
		if (o + 3 > cap)
			return false;
		if (c == ',' || c == ';' || c == '=' || c == '+') {
			out[o++] = c == ';' ? ',' : c;
			space = false;
			tight = true;
			if (c == ',' || c == ';') {
				if (n == DN_RDN_MAX)
					return false;
				starts[n++] = o;
			}
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = tight = false;
		out[o++] = lower(c);
		if (c == '\\' && p[1])
			out[o++] = lower(*++p);
	}
	out[o] = '\0';
	*nrdn = n;
	return true;
}

/* "*, rest": the sub-tree form; returns rest or NULL. */
static const char *dn_subtree(const char *pat)
{
	while (*pat == ' ')
		pat++;
	if (*pat++ != '*')
		return NULL;
	while (*pat == ' ')
		pat++;
	return *pat == ',' ? pat + 1 : NULL;
}

static bool dn_match(const char *pat, const char *id)
{
	char pn[DN_NORM_MAX], in[DN_NORM_MAX];
	size_t ps[DN_RDN_MAX], is[DN_RDN_MAX];
	unsigned pr, ir;
	const char *sub = dn_subtree(pat);
	if (!dn_norm(sub ? sub : pat, pn, sizeof(pn), ps, &pr) || !dn_norm(id, in, sizeof(in), is, &ir))
		return false;
	if (!sub)
		return strcmp(pn, in) == 0;
	/* the pattern's RDNs are the last ones of the DN, with more before them */
	return ir > pr && strcmp(in + is[ir - pr], pn) == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool hex_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

static void prefix_range(const uint8_t a[16], unsigned plen, uint8_t lo[16], uint8_t hi[16])
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
		lo[i] = a[i] & m;
		hi[i] = a[i] | (uint8_t)~m;
	}
}

static int parse_part(const char *s, size_t n, uint8_t out[16])
{
	char buf[64];
	if (n == 0 || n >= sizeof(buf))
		return M6_E_INVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return ip6_addr_parse(buf, out) ? M6_E_INVAL : 0;
}

/* "addr", "lo-hi" or "prefix/len". */
static int ipv6_ident_parse(const char *s, uint8_t lo[16], uint8_t hi[16])
{
	const char *dash = strchr(s, '-'), *slash = strchr(s, '/');
	if (dash && !slash) {
		if (parse_part(s, (size_t)(dash - s), lo) || parse_part(dash + 1, strlen(dash + 1), hi))
			return M6_E_INVAL;
		return memcmp(lo, hi, 16) <= 0 ? 0 : M6_E_INVAL;
	}
	if (slash && !dash) {
		uint8_t a[16];
		unsigned plen = 0;
		const char *d = slash + 1;
		if (!*d || strlen(d) > 3)
			return M6_E_INVAL;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return M6_E_INVAL;
			plen = plen * 10 + (unsigned)(*d - '0');
		}
		if (plen > 128 || parse_part(s, (size_t)(slash - s), a))
			return M6_E_INVAL;
		prefix_range(a, plen, lo, hi);
		return 0;
	}
	if (dash || slash || parse_part(s, strlen(s), lo))
		return M6_E_INVAL;
	memcpy(hi, lo, 16);
	return 0;
}

static bool in_range(const uint8_t lo[16], const uint8_t hi[16], const uint8_t a[16])
{
	return memcmp(lo, a, 16) <= 0 && memcmp(a, hi, 16) <= 0;
}

/* Does entry e's identity cover the asserted identity (addr: id parsed, IPv6 only)? */
static bool ident_match(const struct pad_entry *e, const char *id, const uint8_t *addr)
{
	switch (e->type) {
	case PAD_ID_IPV6_ADDR: return addr && in_range(e->ident_lo, e->ident_hi, addr);
	case PAD_ID_FQDN: return fqdn_match(e->ident, id);
	case PAD_ID_RFC822: return rfc822_match(e->ident, id);
	case PAD_ID_DN: return dn_match(e->ident, id);
	case PAD_ID_KEY_ID: return hex_ok(id) && ieq(e->ident, id);
	}
	return false;
}

/* An identity a peer can assert (not a group pattern). */
static bool ident_concrete(enum pad_id_type type, const char *id)
{
	switch (type) {
	case PAD_ID_IPV6_ADDR: {
		uint8_t a[16];
		return ip6_addr_parse(id, a) == 0;
	}
	case PAD_ID_FQDN: return id[0] && id[0] != '.';
	case PAD_ID_RFC822: {
		const char *at = strrchr(id, '@');
		return at && at != id && at[1];
	}
	case PAD_ID_DN: return id[0] && !dn_subtree(id);
	case PAD_ID_KEY_ID: return hex_ok(id);
	}
	return false;
}

static bool same_ident(const struct pad_entry *a, const struct pad_entry *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case PAD_ID_IPV6_ADDR:
		return !memcmp(a->ident_lo, b->ident_lo, 16) && !memcmp(a->ident_hi, b->ident_hi, 16);
	case PAD_ID_FQDN:
		return fqdn_len(a->ident) == fqdn_len(b->ident) && ieq_n(a->ident, b->ident, fqdn_len(a->ident));
	case PAD_ID_RFC822: return rfc822_same(a->ident, b->ident);
	case PAD_ID_DN: {
		bool as = dn_subtree(a->ident), bs = dn_subtree(b->ident);
		return as == bs && dn_match(as ? dn_subtree(a->ident) : a->ident, as ? dn_subtree(b->ident) : b->ident);
	}
	case PAD_ID_KEY_ID: return ieq(a->ident, b->ident);
	}
	return false;
}

/* --- the database --------------------------------------------------------- */

struct pad *pad_new(void)
{
	struct pad *p = calloc(1, sizeof(*p));
	if (p)
		p->next_id = 1;
	return p;
}

static void node_free(struct pad_node *x)
{
	OPENSSL_cleanse(x, sizeof(*x));   /* the PSK, and what it authorised */
	free(x);
}

void pad_free(struct pad *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		node_free(p->v[i]);
	free(p->v);
	free(p);
}

size_t pad_count(const struct pad *p)
{
	return p->n;
}

const struct pad_entry *pad_at(const struct pad *p, size_t i)
{
	return i < p->n ? &p->v[i]->e : NULL;
}

static size_t find(const struct pad *p, uint32_t id)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i]->e.id == id)
			return i;
	return SIZE_MAX;
}

const struct pad_entry *pad_get(const struct pad *p, uint32_t id)
{
	if (!p)
		return NULL;
	size_t i = find(p, id);
	return i == SIZE_MAX ? NULL : &p->v[i]->e;
}

static bool entry_ok(const struct pad_entry *e)
{
	switch (e->type) {
	case PAD_ID_IPV6_ADDR: case PAD_ID_FQDN: case PAD_ID_RFC822: case PAD_ID_DN: case PAD_ID_KEY_ID:
		break;
	default:
		return false;
	}
	if (!memchr(e->ident, '\0', sizeof(e->ident)) || !e->ident[0])
		return false;
	if (e->type == PAD_ID_KEY_ID && !hex_ok(e->ident))
		return false;
	/* an empty PSK is allowed: with manual keys the entry only authorises HoAs */
	if ((e->auth != PAD_AUTH_PSK && e->auth != PAD_AUTH_CERT) || e->psk_len > sizeof(e->psk))
		return false;
	if (e->n_hoa > PAD_HOA_MAX || e->n_ranges > PAD_RANGE_MAX)
		return false;
	for (unsigned i = 0; i < e->n_ranges; i++)
		if (memcmp(e->ts[i].lo, e->ts[i].hi, 16) > 0)
			return false;
	return true;
}

/* Insert x at position `at`; takes x over (wiped and freed on failure). */
static int insert(struct pad *p, struct pad_node *x, size_t at)
{
	if (p->next_id > INT32_MAX) {
		node_free(x);
		return M6_E_FULL;
	}
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		struct pad_node **v = realloc(p->v, nc * sizeof(*v));
		if (!v) {
			node_free(x);
			return M6_E_NOMEM;
		}
		p->v = v;
		p->cap = nc;
	}
	x->e.id = p->next_id++;
	memmove(p->v + at + 1, p->v + at, (p->n - at) * sizeof(*p->v));
	p->v[at] = x;
	p->n++;
	return (int)x->e.id;
}

int pad_add(struct pad *p, const struct pad_entry *e)
{
	if (!p || !e || !entry_ok(e))
		return M6_E_INVAL;
	struct pad_node *x = calloc(1, sizeof(*x));
	if (!x)
		return M6_E_NOMEM;
	x->e = *e;
	if (e->type == PAD_ID_IPV6_ADDR && ipv6_ident_parse(e->ident, x->e.ident_lo, x->e.ident_hi)) {
		node_free(x);
		return M6_E_INVAL;
	}
	if (!e->temporary)
		for (size_t i = 0; i < p->n; i++)
			if (!p->v[i]->e.temporary && same_ident(&p->v[i]->e, &x->e)) {
				node_free(x);
				return M6_E_EXISTS;
			}
	return insert(p, x, p->n);
}

int pad_remove(struct pad *p, uint32_t id)
{
	size_t i = p ? find(p, id) : SIZE_MAX;
	if (i == SIZE_MAX)
		return M6_E_NOTFOUND;
	node_free(p->v[i]);
	memmove(p->v + i, p->v + i + 1, (p->n - i - 1) * sizeof(*p->v));
	p->n--;
	/* bindings derived from it go with it */
	for (size_t j = 0; j < p->n;) {
		if (p->v[j]->parent == id) {
			node_free(p->v[j]);
			memmove(p->v + j, p->v + j + 1, (p->n - j - 1) * sizeof(*p->v));
			p->n--;
		} else {
			j++;
		}
	}
	return 0;
}

const struct pad_entry *pad_match(const struct pad *p, enum pad_id_type type, const char *ident)
{
	if (!ident)
		return NULL;
	uint8_t a[16];
	const uint8_t *addr = type == PAD_ID_IPV6_ADDR && ip6_addr_parse(ident, a) == 0 ? a : NULL;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i]->e.type == type && ident_match(&p->v[i]->e, ident, addr))
			return &p->v[i]->e;
	return NULL;
}

const struct pad_entry *pad_match_addr(const struct pad *p, const uint8_t addr[16])
{
	for (size_t i = 0; i < p->n; i++) {
		const struct pad_entry *e = &p->v[i]->e;
		if (e->type == PAD_ID_IPV6_ADDR && in_range(e->ident_lo, e->ident_hi, addr))
			return e;
	}
	return NULL;
}

bool pad_hoa_allowed(const struct pad_entry *e, const uint8_t hoa[16])
{
	if (!e)
		return false;
	for (unsigned i = 0; i < e->n_hoa && i < PAD_HOA_MAX; i++)
		if (memcmp(e->hoa[i], hoa, 16) == 0)
			return true;
	return false;
}

bool pad_ts_allowed(const struct pad_entry *e, const uint8_t lo[16], const uint8_t hi[16])
{
	if (!e || memcmp(lo, hi, 16) > 0)
		return false;
	for (unsigned i = 0; i < e->n_ranges && i < PAD_RANGE_MAX; i++)
		if (memcmp(e->ts[i].lo, lo, 16) <= 0 && memcmp(hi, e->ts[i].hi, 16) <= 0)
			return true;
	return memcmp(lo, hi, 16) == 0 && pad_hoa_allowed(e, lo);
}

static int hoa_append(struct pad_entry *e, const uint8_t hoa[16])
{
	if (pad_hoa_allowed(e, hoa))
		return 0;
	if (e->n_hoa >= PAD_HOA_MAX)
		return M6_E_FULL;
	memcpy(e->hoa[e->n_hoa++], hoa, 16);
	return 0;
}

int pad_add_temporary_hoa(struct pad *p, uint32_t id, const char *ident, const uint8_t hoa[16])
{
	size_t pi = p ? find(p, id) : SIZE_MAX;
	if (pi == SIZE_MAX)
		return M6_E_NOTFOUND;
	if (p->v[pi]->parent) {          /* given a binding: work from its origin */
		if (!ident)
			ident = p->v[pi]->e.ident;
		id = p->v[pi]->parent;
		pi = find(p, id);
	}
	const struct pad_entry *parent = &p->v[pi]->e;
	if (!ip6_addr_unicast_routable(hoa))
		return M6_E_INVAL;
	if (!ident)
		ident = parent->ident;
	if (strlen(ident) >= PAD_ID_MAX || !ident_concrete(parent->type, ident))
		return M6_E_INVAL;
	uint8_t a[16];
	const uint8_t *addr = parent->type == PAD_ID_IPV6_ADDR && ip6_addr_parse(ident, a) == 0 ? a : NULL;
	if (!ident_match(parent, ident, addr))
		return M6_E_INVAL;

	struct pad_entry want;
	memset(&want, 0, sizeof(want));
	want.type = parent->type;
	strcpy(want.ident, ident);
	if (addr) {
		memcpy(want.ident_lo, addr, 16);
		memcpy(want.ident_hi, addr, 16);
	}
	/* one binding per identity: the one to extend, and nobody else's HoA */
	struct pad_node *mine = NULL;
	for (size_t i = 0; i < p->n; i++) {
		struct pad_node *x = p->v[i];
		if (!x->e.temporary)
			continue;
		if (x->parent == id && same_ident(&x->e, &want))
			mine = x;
		else if (pad_hoa_allowed(&x->e, hoa))
			return M6_E_EXISTS;
	}
	if (mine) {
		int rc = hoa_append(&mine->e, hoa);
		return rc ? rc : (int)mine->e.id;
	}

	struct pad_node *x = calloc(1, sizeof(*x));
	if (!x)
		return M6_E_NOMEM;
	x->e = *parent;
	memcpy(x->e.ident, want.ident, sizeof(want.ident));
	if (addr) {
		memcpy(x->e.ident_lo, addr, 16);
		memcpy(x->e.ident_hi, addr, 16);
	}
	x->e.temporary = true;
	x->parent = id;
	int rc = hoa_append(&x->e, hoa);
	if (rc) {
		node_free(x);
		return rc;
	}
	return insert(p, x, pi);
}
