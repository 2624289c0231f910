#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "keyfile.h"
#include "crypto/m6_crypto.h"
#include "ipsec/ah.h"
#include "ipsec/esp.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "pkt/pbuf.h"
#include "util/m6_bytes.h"

#define SPEC_MAX 8192
#define SPEC_WORDS 64
#define SPEC_IP_MAX 8
#define SPEC_CK_MAX 8
#define NO_PENDING ((size_t)-1)
#define AH_ROOM_MAX 48            /* 12 + 32-octet ICV, 8-octet aligned */
#define UDP_ENCAP_LEN 8

const char spec_help_text[] =
"A SPEC is one packet: layers separated by '/', outermost first. Each layer is a\n"
"keyword, then words and key=value pairs. Numbers are decimal or 0x-hex; HEX is\n"
"a hex string (':' allowed between octets). Fields left out are computed: Next\n"
"Header chains, Payload Length, Hdr Ext Len, MH Header Len, option alignment\n"
"(RFC 6275 6.2) and checksums over the pseudo-header (source = HAO home address,\n"
"destination = RH2 address, as RFC 6275 9.2 requires). Giving a field overrides\n"
"it, which is how faulty packets are made.\n"
"\n"
"  ip6 src=ADDR dst=ADDR [hlim=64] [tc=N] [flow=N] [plen=N] [nh=N]\n"
"      IPv6 header; a second ip6 layer makes an IPv6-in-IPv6 tunnel (RFC 2473).\n"
"  hao HOA [len=16] [pad=4] [hlen=N] [nh=N]\n"
"      Destination Options header with a Home Address option, laid out as\n"
"      RFC 6275 6.3 requires (PadN then the option at 8n+6). len= sets the\n"
"      Option Length, pad= the octets of padding before it (0 misaligns it).\n"
"  dstopt | hbh  [pad1] [padn=N] [hao=ADDR] [opt=TYPE:HEX] ... [hlen=N] [nh=N]\n"
"      Destination Options / Hop-by-Hop header with options exactly as listed\n"
"      (no automatic alignment), padded to 8 octets at the end.\n"
"  rh2 HOA [segleft=1] [hlen=2] [nh=N]     type 2 Routing header (RFC 6275 6.4)\n"
"  rh0 ADDR... [segleft=N] [nh=N]          type 0 Routing header (RFC 5095)\n"
"  frag [offset=BYTES] [more] [id=N] [nh=N]\n"
"  ah spi=N [seq=1] auth=ALG akey=HEX [esn]\n"
"      AH (RFC 4302) with a real ICV over the packet as the receiver sees it\n"
"      (HAO swapped, RH2 processed, mutable fields zero). Inserted here; only in\n"
"      the outermost IPv6 packet. ALG: hmac-sha256-128 hmac-sha1-96\n"
"      hmac-sha512-256.\n"
"  ah spi=N [seq=1] [icv=HEX] [nh=N]       AH header with an opaque ICV (crafting)\n"
"  esp spi=N [seq=1] enc=ALG [key=HEX] [auth=ALG akey=HEX] [esn] [tfc=N] [nh=N]\n"
"      [udp-encap [sport=4500] [dport=4500]]\n"
"      ESP (RFC 4303): the layers after it are the protected payload and are\n"
"      encrypted here. A following ip6 layer means tunnel mode (Next Header\n"
"      41), anything else transport mode. enc: null aes-cbc aes-gcm-16\n"
"      chacha20-poly1305 (AEAD key = key || 4-octet salt); auth (not with an\n"
"      AEAD): hmac-sha256-128 hmac-sha1-96 hmac-sha512-256. The AEAD IV is the\n"
"      sequence number, the CBC IV random. esn: 64-bit seq (high half\n"
"      authenticated, not sent). tfc: octets of TFC padding. nh: the trailer's\n"
"      Next Header. udp-encap: RFC 3948 UDP encapsulation (checksum over the\n"
"      pseudo-header). `mip6sec build -o F.pcap` writes the keys to F.keys\n"
"      and F.esp_sa (Wireshark).\n"
"  esp spi=N [seq=1] [data=HEX]             ESP header and opaque octets (crafting)\n"
"  mh TYPE [fields] [options]\n"
"      TYPE: brr hoti coti hot cot bu ba be, or a number (unknown types).\n"
"      fields: seq=N lifetime=SECONDS flags=LETTERS (BU: A H L K; BA: K)\n"
"              status=N hoa=ADDR (BE) cookie=HEX token=HEX index=N\n"
"      options, in order, aligned as RFC 6275 6.2 says:\n"
"              acoa=ADDR bra=SECONDS ni=HOME,COA bad=HEX padn=N opt=TYPE:HEX\n"
"      overrides: proto=N (Payload Proto, default 59) hlen=N (Header Len)\n"
"              reserved=N rawopts=HEX (option bytes verbatim, no alignment)\n"
"              csum=auto|wire|bad|0xNNNN (wire: pseudo-header from the wire\n"
"              addresses, i.e. the classic mistake; bad: a wrong checksum)\n"
"  udp sport=N dport=N [data=HEX] [csum=0xNNNN]\n"
"  icmp6 type=N code=N [data=HEX] [csum=0xNNNN]\n"
"  raw HEX                                  octets verbatim\n"
"\n"
"Example: a Binding Update from care-of address 2001:db8:2::100:\n"
"  ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 /\n"
"      mh bu seq=7 lifetime=3600 flags=AH\n";

enum ck_kind { CK_MH, CK_UDP, CK_ICMP };
enum ck_mode { CKM_AUTO, CKM_WIRE, CKM_BAD, CKM_FIXED };

/* A keyed esp/ah layer: a marker in the cleartext, sealed after finish(). */
struct sec {
	bool ah;
	size_t off;              /* first octet protected (ESP) / where AH goes */
	size_t nh_field;         /* Next Header octet that names the marker */
	bool nh_forced;          /* ... forced by nh= on the layer before */
	uint8_t nh_value;        /* the forced value */
	bool waiting;            /* inner protocol not known yet */
	uint8_t inner;           /* protocol of what the marker protects */
	int trailer_nh;          /* esp nh=N, -1: inner */
	uint32_t spi;
	uint64_t seq;
	bool esn;
	size_t tfc;
	bool udp;
	uint16_t sport, dport;
	unsigned ip;             /* index of the enclosing ip6 layer */
	unsigned layer_no;       /* for messages */
	struct m6_xform_cfg cfg;
};

struct sb {
	uint8_t *out;
	size_t cap, len;
	size_t pending;          /* Next Header octet waiting for the next layer */
	bool pending_forced;
	struct { size_t off; bool plen_forced; } ip[SPEC_IP_MAX];
	unsigned n_ip;
	struct { enum ck_kind kind; enum ck_mode mode; size_t off, len, ip_off; uint16_t value; } ck[SPEC_CK_MAX];
	unsigned n_ck;
	struct sec sec[SPEC_SA_MAX];
	unsigned n_sec;
	unsigned layer_no;
	const char *layer;
	char *err;
	size_t errlen;
};

static int fail(struct sb *b, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(b->err, b->errlen, "layer %u (%s): %s", b->layer_no, b->layer ? b->layer : "?", msg);
	return M6_E_SPEC;
}

static int num(struct sb *b, const char *key, const char *v, unsigned long max, unsigned long *out)
{
	char *end;
	if (!v || !*v)
		return fail(b, "%s needs a number", key);
	unsigned long x = strtoul(v, &end, 0);
	if (*end || v[0] == '-')
		return fail(b, "%s=%s is not a number", key, v);
	if (x > max)
		return fail(b, "%s=%s is larger than %lu", key, v, max);
	*out = x;
	return 0;
}

static int addr(struct sb *b, const char *key, const char *v, uint8_t a[16])
{
	if (!v || ip6_addr_parse(v, a))
		return fail(b, "%s: '%s' is not an IPv6 address", key, v ? v : "");
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hexbytes(struct sb *b, const char *key, const char *v, uint8_t *buf, size_t cap, size_t *n)
{
	size_t k = 0;
	if (!v)
		return fail(b, "%s needs hex octets", key);
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		v += 2;
	while (*v) {
		if (*v == ':' || *v == '.') {
			v++;
			continue;
		}
		int hi = hexval(v[0]), lo = hi < 0 ? -1 : hexval(v[1]);
		if (hi < 0 || lo < 0)
			return fail(b, "%s: '%s' is not hex octets", key, v);
		if (k == cap)
			return fail(b, "%s: more than %zu octets", key, cap);
		buf[k++] = (uint8_t)(hi << 4 | lo);
		v += 2;
	}
	*n = k;
	return 0;
}

static int grow(struct sb *b, size_t n, uint8_t **p)
{
	*p = b->out + b->len;
	if (n > b->cap - b->len)
		return fail(b, "packet longer than %zu octets", b->cap);
	*p = b->out + b->len;
	memset(*p, 0, n);
	b->len += n;
	return 0;
}

/* A new layer with protocol number proto starts: complete the pending NH. */
static void chain(struct sb *b, uint8_t proto)
{
	if (b->pending != NO_PENDING && !b->pending_forced)
		b->out[b->pending] = proto;
	b->pending = NO_PENDING;
	for (unsigned i = 0; i < b->n_sec; i++)
		if (b->sec[i].waiting) {
			b->sec[i].inner = proto;
			b->sec[i].waiting = false;
		}
}

static int expect_next(struct sb *b, size_t pos, const char *nh)
{
	unsigned long v = 0;   /* gcc -O3 -Wmaybe-uninitialized false positive */
	b->pending = pos;
	b->pending_forced = false;
	if (nh) {
		if (num(b, "nh", nh, 255, &v))
			return M6_E_SPEC;
		b->out[pos] = (uint8_t)v;
		b->pending_forced = true;
	}
	return 0;
}

struct kv {
	int n;
	char *key[SPEC_WORDS];
	char *val[SPEC_WORDS];   /* NULL for a bare word */
	bool used[SPEC_WORDS];
};

static const char *get(struct kv *kv, const char *key)
{
	for (int i = 0; i < kv->n; i++)
		if (kv->val[i] && !strcmp(kv->key[i], key)) {
			kv->used[i] = true;
			return kv->val[i];
		}
	return NULL;
}

static bool flag(struct kv *kv, const char *word)
{
	for (int i = 0; i < kv->n; i++)
		if (!kv->val[i] && !strcmp(kv->key[i], word)) {
			kv->used[i] = true;
			return true;
		}
	return false;
}

/* The next bare word (not key=value) not taken yet, or NULL. */
static const char *word(struct kv *kv)
{
	for (int i = 0; i < kv->n; i++)
		if (!kv->val[i] && !kv->used[i]) {
			kv->used[i] = true;
			return kv->key[i];
		}
	return NULL;
}

static int check_unused(struct sb *b, struct kv *kv)
{
	for (int i = 0; i < kv->n; i++)
		if (!kv->used[i])
			return fail(b, "unexpected '%s%s%s'", kv->key[i], kv->val[i] ? "=" : "",
				    kv->val[i] ? kv->val[i] : "");
	return 0;
}

static int opt_num(struct sb *b, struct kv *kv, const char *key, unsigned long max,
		   unsigned long def, unsigned long *out)
{
	const char *v = get(kv, key);
	*out = def;
	return v ? num(b, key, v, max, out) : 0;
}

static int layer_ip6(struct sb *b, struct kv *kv)
{
	struct ip6_hdr h;
	unsigned long v;
	uint8_t *p;
	memset(&h, 0, sizeof(h));
	if (b->n_ip == SPEC_IP_MAX)
		return fail(b, "too many ip6 layers");
	if (addr(b, "src", get(kv, "src"), h.src) || addr(b, "dst", get(kv, "dst"), h.dst))
		return M6_E_SPEC;
	if (opt_num(b, kv, "hlim", 255, 64, &v))
		return M6_E_SPEC;
	h.hlim = (uint8_t)v;
	if (opt_num(b, kv, "tc", 255, 0, &v))
		return M6_E_SPEC;
	h.tclass = (uint8_t)v;
	if (opt_num(b, kv, "flow", 0xfffff, 0, &v))
		return M6_E_SPEC;
	h.flow = (uint32_t)v;
	const char *plen = get(kv, "plen");
	if (plen) {
		if (num(b, "plen", plen, 0xffff, &v))
			return M6_E_SPEC;
		h.plen = (uint16_t)v;
	}
	chain(b, IP6P_IPV6);
	size_t off = b->len;
	if (grow(b, IP6_HDR_LEN, &p))
		return M6_E_SPEC;
	ip6_hdr_write(p, &h);
	b->ip[b->n_ip].off = off;
	b->ip[b->n_ip].plen_forced = plen != NULL;
	b->n_ip++;
	return expect_next(b, off + 6, get(kv, "nh"));
}

/* Close an options header started at off: pad to 8 octets, set Hdr Ext Len. */
static int finish_opthdr(struct sb *b, struct kv *kv, size_t off)
{
	size_t n = b->len - off, pad = (8 - n % 8) % 8;
	uint8_t *p;
	unsigned long v;
	if (grow(b, pad, &p))
		return M6_E_SPEC;
	if (pad >= 2) {
		p[0] = IP6O_PADN;
		p[1] = (uint8_t)(pad - 2);
	}
	if (opt_num(b, kv, "hlen", 255, (b->len - off) / 8 - 1, &v))
		return M6_E_SPEC;
	b->out[off + 1] = (uint8_t)v;
	return expect_next(b, off, get(kv, "nh"));
}

static int put_pad(struct sb *b, unsigned long n)
{
	uint8_t *p;
	if (grow(b, n, &p))
		return M6_E_SPEC;
	if (n >= 2) {
		p[0] = IP6O_PADN;
		p[1] = (uint8_t)(n - 2);
	}
	return 0;
}

static int put_hao(struct sb *b, const uint8_t hoa[16], unsigned long olen)
{
	uint8_t *p;
	if (grow(b, 2 + olen, &p))
		return M6_E_SPEC;
	p[0] = IP6O_HAO;
	p[1] = (uint8_t)olen;
	memcpy(p + 2, hoa, olen < 16 ? olen : 16);
	return 0;
}

static int layer_hao(struct sb *b, struct kv *kv)
{
	uint8_t hoa[16], *p;
	unsigned long olen, pad;
	if (addr(b, "home address", word(kv), hoa) ||
	    opt_num(b, kv, "len", 255, IP6_HAO_OPT_LEN, &olen) || opt_num(b, kv, "pad", 255, 4, &pad))
		return M6_E_SPEC;
	chain(b, IP6P_DSTOPTS);
	size_t off = b->len;
	if (grow(b, 2, &p) || put_pad(b, pad) || put_hao(b, hoa, olen))
		return M6_E_SPEC;
	return finish_opthdr(b, kv, off);
}

static int layer_opthdr(struct sb *b, struct kv *kv, uint8_t proto)
{
	uint8_t *p, buf[255];
	chain(b, proto);
	size_t off = b->len;
	if (grow(b, 2, &p))
		return M6_E_SPEC;
	for (int i = 0; i < kv->n; i++) {
		const char *k = kv->key[i], *v = kv->val[i];
		unsigned long x;
		size_t n;
		if (!v && !strcmp(k, "pad1")) {
			if (put_pad(b, 1))
				return M6_E_SPEC;
		} else if (v && !strcmp(k, "padn")) {
			if (num(b, k, v, 257, &x))
				return M6_E_SPEC;
			if (x < 2)
				return fail(b, "padn is at least 2 octets");
			if (put_pad(b, x))
				return M6_E_SPEC;
		} else if (v && !strcmp(k, "hao")) {
			if (addr(b, k, v, buf) || put_hao(b, buf, IP6_HAO_OPT_LEN))
				return M6_E_SPEC;
		} else if (v && !strcmp(k, "opt")) {
			char *colon = strchr(v, ':');
			if (!colon)
				return fail(b, "opt=TYPE:HEX expected");
			*colon = 0;
			if (num(b, "opt type", v, 255, &x) || hexbytes(b, k, colon + 1, buf, sizeof(buf), &n) ||
			    grow(b, 2 + n, &p))
				return M6_E_SPEC;
			p[0] = (uint8_t)x;
			p[1] = (uint8_t)n;
			memcpy(p + 2, buf, n);
		} else {
			continue;
		}
		kv->used[i] = true;
	}
	return finish_opthdr(b, kv, off);
}

static int layer_routing(struct sb *b, struct kv *kv, uint8_t type)
{
	uint8_t a[16][16], *p;
	int n = 0;
	const char *w;
	unsigned long v;
	while (n < 16 && (w = word(kv)))
		if (addr(b, "address", w, a[n++]))
			return M6_E_SPEC;
	if (n == 0 || (type == 2 && n != 1))
		return fail(b, type == 2 ? "rh2 takes one address" : "rh0 needs addresses");
	chain(b, IP6P_ROUTING);
	size_t off = b->len;
	unsigned long hlen;
	if (opt_num(b, kv, "hlen", 255, (unsigned long)(2 * n), &hlen))
		return M6_E_SPEC;
	if (grow(b, 8 * (hlen + 1), &p))
		return M6_E_SPEC;
	p[1] = (uint8_t)hlen;
	p[2] = type;
	if (opt_num(b, kv, "segleft", 255, (unsigned long)(type == 2 ? 1 : n), &v))
		return M6_E_SPEC;
	p[3] = (uint8_t)v;
	for (int i = 0; i < n && 8 + 16 * (size_t)(i + 1) <= 8 * (hlen + 1); i++)
		memcpy(p + 8 + 16 * i, a[i], 16);
	return expect_next(b, off, get(kv, "nh"));
}

static int layer_frag(struct sb *b, struct kv *kv)
{
	uint8_t *p;
	unsigned long ofs, id;
	if (opt_num(b, kv, "offset", 65528, 0, &ofs) || opt_num(b, kv, "id", 0xffffffff, 1, &id))
		return M6_E_SPEC;
	if (ofs % 8)
		return fail(b, "offset must be a multiple of 8");
	chain(b, IP6P_FRAGMENT);
	size_t off = b->len;
	if (grow(b, 8, &p))
		return M6_E_SPEC;
	m6_put16(p + 2, (uint16_t)(ofs | (flag(kv, "more") ? 1 : 0)));
	m6_put32(p + 4, (uint32_t)id);
	return expect_next(b, off, get(kv, "nh"));
}

/* A keyed esp/ah layer becomes a marker: the cleartext is built as if it
 * were absent and seal_all() inserts the real header afterwards. */
static int sec_marker(struct sb *b, struct kv *kv, bool ah)
{
	struct sec *s = &b->sec[b->n_sec];
	unsigned long v;
	size_t n;
	const char *a;
	if (b->n_sec == SPEC_SA_MAX)
		return fail(b, "more than %d keyed esp/ah layers", SPEC_SA_MAX);
	if (b->n_ip == 0 || b->pending == NO_PENDING)
		return fail(b, "needs an ip6 or extension header before it to name it in its Next Header");
	if (ah && b->n_ip != 1)
		return fail(b, "a keyed ah must be in the outermost IPv6 packet");
	memset(s, 0, sizeof(*s));
	s->ah = ah;
	s->esn = flag(kv, "esn");
	if (num(b, "spi", get(kv, "spi"), 0xffffffff, &v))
		return M6_E_SPEC;
	s->spi = (uint32_t)v;
	if (opt_num(b, kv, "seq", s->esn ? (unsigned long)UINT64_MAX : 0xffffffff, 1, &v))
		return M6_E_SPEC;
	if (v == 0)
		return fail(b, "seq=0 is never sent (ESP-01); use the form without keys to craft it");
	s->seq = v;
	s->trailer_nh = -1;
	if (ah) {
		s->cfg.enc = M6_ENC_NULL;
		a = get(kv, "auth");
		if (keyfile_auth_parse(a, &s->cfg.auth) || s->cfg.auth == M6_AUTH_NONE)
			return fail(b, "auth=%s: expected hmac-sha256-128, hmac-sha1-96 or hmac-sha512-256", a);
	} else {
		a = get(kv, "enc");
		if (keyfile_enc_parse(a, &s->cfg.enc))
			return fail(b, "enc=%s: expected null, aes-cbc, aes-gcm-16 or chacha20-poly1305", a);
		if ((a = get(kv, "key")) &&
		    hexbytes(b, "key", a, s->cfg.ekey, sizeof(s->cfg.ekey), &s->cfg.eklen))
			return M6_E_SPEC;
		if ((a = get(kv, "auth")) && keyfile_auth_parse(a, &s->cfg.auth))
			return fail(b, "auth=%s: expected null, hmac-sha256-128, hmac-sha1-96 or hmac-sha512-256", a);
		if (opt_num(b, kv, "tfc", 0xffff, 0, &v))
			return M6_E_SPEC;
		s->tfc = v;
		if ((a = get(kv, "nh"))) {
			if (num(b, "nh", a, 255, &v))
				return M6_E_SPEC;
			s->trailer_nh = (int)v;
		}
		s->udp = flag(kv, "udp-encap");
		if (opt_num(b, kv, "sport", 0xffff, 4500, &v))
			return M6_E_SPEC;
		s->sport = (uint16_t)v;
		if (opt_num(b, kv, "dport", 0xffff, 4500, &v))
			return M6_E_SPEC;
		s->dport = (uint16_t)v;
		if (!s->udp && (s->sport != 4500 || s->dport != 4500))
			return fail(b, "sport=/dport= need udp-encap");
	}
	if ((a = get(kv, "akey")) &&
	    hexbytes(b, "akey", a, s->cfg.akey, sizeof(s->cfg.akey), &n))
		return M6_E_SPEC;
	s->cfg.aklen = a ? n : 0;
	struct m6_xform x;
	char why[160];
	int rc = m6_xform_init(&x, &s->cfg, true, why, sizeof(why));
	m6_xform_clear(&x);
	if (rc)
		return fail(b, "%s", why[0] ? why : m6_strerror(rc));
	s->off = b->len;
	s->nh_field = b->pending;
	s->nh_forced = b->pending_forced;
	s->nh_value = b->out[b->pending];
	s->ip = b->n_ip - 1;
	s->layer_no = b->layer_no;
	/* A marker right after another one is what that one protects. */
	for (unsigned i = 0; i < b->n_sec; i++)
		if (b->sec[i].waiting) {
			b->sec[i].inner = ah ? IP6P_AH : (s->udp ? IP6P_UDP : IP6P_ESP);
			b->sec[i].waiting = false;
		}
	s->waiting = true;
	b->n_sec++;
	return 0;
}

static int layer_ah(struct sb *b, struct kv *kv)
{
	uint8_t icv[64], *p;
	size_t n = 16;
	unsigned long spi, seq;
	if (get(kv, "auth"))
		return sec_marker(b, kv, true);
	const char *iv = get(kv, "icv");
	memset(icv, 0, sizeof(icv));
	if (num(b, "spi", get(kv, "spi"), 0xffffffff, &spi) ||
	    opt_num(b, kv, "seq", 0xffffffff, 1, &seq) || (iv && hexbytes(b, "icv", iv, icv, sizeof(icv), &n)))
		return M6_E_SPEC;
	size_t total = (12 + n + 7) / 8 * 8;   /* AH-04: IPv6 AH is 8n octets */
	chain(b, IP6P_AH);
	size_t off = b->len;
	if (grow(b, total, &p))
		return M6_E_SPEC;
	p[1] = (uint8_t)(total / 4 - 2);
	m6_put32(p + 4, (uint32_t)spi);
	m6_put32(p + 8, (uint32_t)seq);
	memcpy(p + 12, icv, n);
	return expect_next(b, off, get(kv, "nh"));
}

static int layer_data(struct sb *b, struct kv *kv, uint8_t proto, size_t hdr, const char *hexkey,
		      uint8_t **hp)
{
	uint8_t data[2048];
	size_t n = 0;
	const char *d = hexkey ? get(kv, hexkey) : word(kv);
	if (d && hexbytes(b, hexkey ? hexkey : "raw", d, data, sizeof(data), &n))
		return M6_E_SPEC;
	if (proto)
		chain(b, proto);
	if (grow(b, hdr + n, hp))
		return M6_E_SPEC;
	memcpy(*hp + hdr, data, n);
	return 0;
}

static int add_ck(struct sb *b, enum ck_kind kind, size_t off, size_t len, const char *mode)
{
	unsigned long v = 0;
	enum ck_mode m = CKM_AUTO;
	if (b->n_ck == SPEC_CK_MAX || b->n_ip == 0)
		return fail(b, b->n_ip ? "too many checksummed layers" : "needs an ip6 layer before it");
	if (mode && !strcmp(mode, "wire"))
		m = CKM_WIRE;
	else if (mode && !strcmp(mode, "bad"))
		m = CKM_BAD;
	else if (mode && strcmp(mode, "auto")) {
		if (num(b, "csum", mode, 0xffff, &v))
			return M6_E_SPEC;
		m = CKM_FIXED;
	}
	b->ck[b->n_ck].kind = kind;
	b->ck[b->n_ck].mode = m;
	b->ck[b->n_ck].off = off;
	b->ck[b->n_ck].len = len;
	b->ck[b->n_ck].ip_off = b->ip[b->n_ip - 1].off;
	b->ck[b->n_ck].value = (uint16_t)v;
	b->n_ck++;
	return 0;
}

static int layer_l4(struct sb *b, struct kv *kv, uint8_t proto)
{
	uint8_t *p;
	unsigned long a, c;
	size_t off = b->len;
	if (proto == IP6P_UDP) {
		if (num(b, "sport", get(kv, "sport"), 0xffff, &a) || num(b, "dport", get(kv, "dport"), 0xffff, &c) ||
		    layer_data(b, kv, proto, 8, "data", &p))
			return M6_E_SPEC;
		m6_put16(p, (uint16_t)a);
		m6_put16(p + 2, (uint16_t)c);
		m6_put16(p + 4, (uint16_t)(b->len - off));
	} else {
		if (num(b, "type", get(kv, "type"), 255, &a) || opt_num(b, kv, "code", 255, 0, &c) ||
		    layer_data(b, kv, proto, 4, "data", &p))
			return M6_E_SPEC;
		p[0] = (uint8_t)a;
		p[1] = (uint8_t)c;
	}
	return add_ck(b, proto == IP6P_UDP ? CK_UDP : CK_ICMP, off, b->len - off, get(kv, "csum"));
}

static const char *const mh_names[] = { "brr", "hoti", "coti", "hot", "cot", "bu", "ba", "be" };

static int mh_type_arg(struct sb *b, const char *w, uint8_t *type)
{
	unsigned long v;
	if (!w)
		return fail(b, "mh needs a type (brr hoti coti hot cot bu ba be or a number)");
	for (uint8_t i = 0; i < MH_TYPE_COUNT; i++)
		if (!strcmp(w, mh_names[i])) {
			*type = i;
			return 0;
		}
	if (num(b, "mh type", w, 255, &v))
		return M6_E_SPEC;
	*type = (uint8_t)v;
	return 0;
}

static int mh_flags(struct sb *b, const char *v, uint8_t type, uint16_t *flags)
{
	for (; v && *v; v++) {
		if (type == MH_BU && strchr("AHLK", *v))
			*flags |= *v == 'A' ? MH_BU_A : *v == 'H' ? MH_BU_H : *v == 'L' ? MH_BU_L : MH_BU_K;
		else if (type == MH_BA && *v == 'K')
			*flags |= MH_BA_K;
		else
			return fail(b, "flag '%c' is not one of this message's (BU: AHLK, BA: K)", *v);
	}
	return 0;
}

/* Fixed fields of an MH message from key=value pairs. */
static int mh_fields(struct sb *b, struct kv *kv, struct mh_msg *m)
{
	unsigned long v;
	size_t n;
	const char *s;
	if (opt_num(b, kv, "seq", 0xffff, 0, &v))
		return M6_E_SPEC;
	m->seq = (uint16_t)v;
	if (opt_num(b, kv, "lifetime", 0x3fffc, 0, &v))
		return M6_E_SPEC;
	m->lifetime = mh_lifetime_units((uint32_t)v);
	if (opt_num(b, kv, "status", 255, m->type == MH_BE ? 1 : 0, &v))
		return M6_E_SPEC;
	m->status = (uint8_t)v;
	if (opt_num(b, kv, "index", 0xffff, 0, &v))
		return M6_E_SPEC;
	m->nonce_index = (uint16_t)v;
	if (mh_flags(b, get(kv, "flags"), m->type, &m->flags))
		return M6_E_SPEC;
	if ((s = get(kv, "hoa")) && addr(b, "hoa", s, m->hoa))
		return M6_E_SPEC;
	if ((s = get(kv, "cookie")) && (hexbytes(b, "cookie", s, m->cookie, MH_COOKIE_LEN, &n)))
		return M6_E_SPEC;
	if ((s = get(kv, "token")) && (hexbytes(b, "token", s, m->token, MH_COOKIE_LEN, &n)))
		return M6_E_SPEC;
	if (opt_num(b, kv, "proto", 255, 59, &v))
		return M6_E_SPEC;
	m->proto = (uint8_t)v;
	return 0;
}

/* Mobility options in the order given; data lives in store. */
static int mh_options(struct sb *b, struct kv *kv, struct mh_msg *m, uint8_t *store, size_t cap)
{
	size_t used = 0;
	for (int i = 0; i < kv->n; i++) {
		const char *k = kv->key[i], *v = kv->val[i];
		uint8_t t, *d = store + used;
		size_t n = 0;
		unsigned long x, y;
		if (!v || used + 255 > cap)
			continue;
		if (!strcmp(k, "acoa")) {
			t = MHO_ACOA;
			n = 16;
			if (addr(b, k, v, d))
				return M6_E_SPEC;
		} else if (!strcmp(k, "bra")) {
			t = MHO_BRA;
			n = 2;
			if (num(b, k, v, 0x3fffc, &x))
				return M6_E_SPEC;
			m6_put16(d, (uint16_t)(x / 4));
		} else if (!strcmp(k, "ni")) {
			char *comma = strchr(v, ',');
			t = MHO_NI;
			n = 4;
			if (!comma)
				return fail(b, "ni=HOME,COA expected");
			*comma = 0;
			if (num(b, "ni home", v, 0xffff, &x) || num(b, "ni coa", comma + 1, 0xffff, &y))
				return M6_E_SPEC;
			m6_put16(d, (uint16_t)x);
			m6_put16(d + 2, (uint16_t)y);
		} else if (!strcmp(k, "bad")) {
			t = MHO_BAD;
			if (hexbytes(b, k, v, d, 255, &n))
				return M6_E_SPEC;
		} else if (!strcmp(k, "padn")) {
			t = MHO_PADN;
			if (num(b, k, v, 257, &x))
				return M6_E_SPEC;
			if (x < 2)
				return fail(b, "padn is at least 2 octets");
			n = x - 2;
			memset(d, 0, n);
		} else if (!strcmp(k, "opt")) {
			char *colon = strchr(v, ':');
			if (!colon)
				return fail(b, "opt=TYPE:HEX expected");
			*colon = 0;
			if (num(b, "opt type", v, 255, &x) || hexbytes(b, k, colon + 1, d, 255, &n))
				return M6_E_SPEC;
			t = (uint8_t)x;
		} else {
			continue;
		}
		kv->used[i] = true;
		if (m->n_opts == MH_OPT_MAX)
			return fail(b, "more than %d options", MH_OPT_MAX);
		m->opts[m->n_opts].type = t;
		m->opts[m->n_opts].len = (uint8_t)n;
		m->opts[m->n_opts].data = d;
		m->n_opts++;
		used += n;
	}
	return 0;
}

static int layer_mh(struct sb *b, struct kv *kv)
{
	struct mh_msg m;
	uint8_t store[4096], raw[1024];
	size_t mlen, rawn = 0;
	unsigned long v;
	memset(&m, 0, sizeof(m));
	if (mh_type_arg(b, word(kv), &m.type) || mh_fields(b, kv, &m) ||
	    mh_options(b, kv, &m, store, sizeof(store)))
		return M6_E_SPEC;
	const char *rawopts = get(kv, "rawopts");
	if (rawopts && hexbytes(b, "rawopts", rawopts, raw, sizeof(raw), &rawn))
		return M6_E_SPEC;
	chain(b, IP6P_MH);
	size_t off = b->len;
	uint8_t *p = b->out + off;
	if (mh_build(&m, p, b->cap - off, &mlen))
		return fail(b, "message does not fit");
	if (rawopts) {
		/* Replace the built options and padding by the verbatim bytes. */
		mlen = MH_HDR_LEN + (m.type < MH_TYPE_COUNT ? mh_fixed_len(m.type) : 2);
		if (mlen + rawn > b->cap - off)
			return fail(b, "message does not fit");
		memcpy(p + mlen, raw, rawn);
		mlen += rawn;
		p[1] = (uint8_t)((mlen + 7) / 8 - 1);
	}
	b->len += mlen;
	if (opt_num(b, kv, "reserved", 255, 0, &v))
		return M6_E_SPEC;
	p[3] = (uint8_t)v;
	if (opt_num(b, kv, "hlen", 255, p[1], &v))
		return M6_E_SPEC;
	p[1] = (uint8_t)v;
	b->pending = NO_PENDING;   /* Payload Proto is not a chained Next Header */
	return add_ck(b, CK_MH, off, mlen, get(kv, "csum"));
}

static int layer(struct sb *b, char *text)
{
	struct kv kv;
	char *save = NULL, *w;
	uint8_t *p;
	memset(&kv, 0, sizeof(kv));
	char *name = strtok_r(text, " \t\r\n", &save);
	if (!name)
		return fail(b, "empty layer");
	b->layer = name;
	while ((w = strtok_r(NULL, " \t\r\n", &save))) {
		if (kv.n == SPEC_WORDS)
			return fail(b, "too many words");
		char *eq = strchr(w, '=');
		if (eq)
			*eq = 0;
		kv.key[kv.n] = w;
		kv.val[kv.n] = eq ? eq + 1 : NULL;
		kv.n++;
	}
	int rc;
	if (!strcmp(name, "ip6"))
		rc = layer_ip6(b, &kv);
	else if (!strcmp(name, "hao"))
		rc = layer_hao(b, &kv);
	else if (!strcmp(name, "dstopt"))
		rc = layer_opthdr(b, &kv, IP6P_DSTOPTS);
	else if (!strcmp(name, "hbh"))
		rc = layer_opthdr(b, &kv, IP6P_HBH);
	else if (!strcmp(name, "rh2"))
		rc = layer_routing(b, &kv, 2);
	else if (!strcmp(name, "rh0"))
		rc = layer_routing(b, &kv, 0);
	else if (!strcmp(name, "frag"))
		rc = layer_frag(b, &kv);
	else if (!strcmp(name, "ah"))
		rc = layer_ah(b, &kv);
	else if (!strcmp(name, "mh"))
		rc = layer_mh(b, &kv);
	else if (!strcmp(name, "udp"))
		rc = layer_l4(b, &kv, IP6P_UDP);
	else if (!strcmp(name, "icmp6"))
		rc = layer_l4(b, &kv, IP6P_ICMPV6);
	else if (!strcmp(name, "esp") && get(&kv, "enc")) {
		rc = sec_marker(b, &kv, false);
	} else if (!strcmp(name, "esp")) {
		unsigned long spi, seq;
		rc = num(b, "spi", get(&kv, "spi"), 0xffffffff, &spi);
		rc = rc ? rc : opt_num(b, &kv, "seq", 0xffffffff, 1, &seq);
		rc = rc ? rc : layer_data(b, &kv, IP6P_ESP, 8, "data", &p);
		if (!rc) {
			m6_put32(p, (uint32_t)spi);
			m6_put32(p + 4, (uint32_t)seq);
		}
	} else if (!strcmp(name, "raw")) {
		rc = layer_data(b, &kv, 0, 0, NULL, &p);
	} else
		return fail(b, "unknown layer (ip6 hao dstopt hbh rh2 rh0 frag ah esp mh udp icmp6 raw)");
	return rc ? rc : check_unused(b, &kv);
}

static void finish(struct sb *b)
{
	chain(b, IP6P_NONE);
	for (unsigned i = 0; i < b->n_ip; i++)
		if (!b->ip[i].plen_forced) {
			size_t plen = b->len - b->ip[i].off - IP6_HDR_LEN;
			m6_put16(b->out + b->ip[i].off + 4, (uint16_t)(plen > 0xffff ? 0xffff : plen));
		}
	for (unsigned i = 0; i < b->n_ck; i++) {
		struct ip6_walk w;
		uint8_t src[16], dst[16];
		size_t ip = b->ck[i].ip_off;
		uint8_t *p = b->out + b->ck[i].off;
		size_t len = b->ck[i].kind == CK_MH ? b->ck[i].len : b->len - b->ck[i].off;
		uint16_t c;
		ip6_walk(b->out + ip, b->len - ip, IP6W_HAO_KNOWN, &w);
		if (b->ck[i].mode == CKM_WIRE) {
			memcpy(src, w.hdr.src, 16);
			memcpy(dst, w.hdr.dst, 16);
		} else {
			ip6_walk_pseudo(&w, b->out + ip, src, dst);
		}
		size_t at = b->ck[i].kind == CK_MH ? 4 : b->ck[i].kind == CK_UDP ? 6 : 2;
		m6_put16(p + at, 0);
		c = m6_csum_ip6(src, dst, b->ck[i].kind == CK_MH ? IP6P_MH :
				b->ck[i].kind == CK_UDP ? IP6P_UDP : IP6P_ICMPV6, p, len);
		if (c == 0 && b->ck[i].kind == CK_UDP)
			c = 0xffff;
		if (b->ck[i].mode == CKM_BAD)
			c ^= 0x0100;
		else if (b->ck[i].mode == CKM_FIXED)
			c = b->ck[i].value;
		m6_put16(p + at, c);
	}
}

static void add_plen(uint8_t *pkt, size_t ip_off, size_t delta)
{
	size_t plen = m6_get16(pkt + ip_off + 4) + delta;
	m6_put16(pkt + ip_off + 4, (uint16_t)(plen > 0xffff ? 0xffff : plen));
}

/* Seal one marker in pb; pkt offsets before s->off are unchanged by it. */
static int seal_one(struct sb *b, struct sec *s, struct pbuf *pb, struct spec_sa *sa)
{
	struct m6_xform x;
	char why[160];
	struct ip6_walk w;
	size_t ip = b->ip[s->ip].off, before = pb->len;
	int rc = m6_xform_init(&x, &s->cfg, true, why, sizeof(why));
	if (rc)
		return fail(b, "%s", why[0] ? why : m6_strerror(rc));
	uint8_t *p = pbuf_data(pb);
	/* The SA's addresses: as the receiver sees them (HAO home address,
	 * RH2 address), which is also how Wireshark looks SAs up. */
	ip6_walk(p + ip, pb->len - ip, IP6W_HAO_KNOWN, &w);
	ip6_walk_pseudo(&w, p + ip, sa->src, sa->dst);
	sa->ah = s->ah;
	sa->spi = s->spi;
	sa->cfg = s->cfg;
	if (s->ah) {
		p[s->nh_field] = s->inner;
		rc = ah_seal(&x, pb, s->off, s->nh_field, s->spi, s->seq, s->esn);
		p = pbuf_data(pb);
		if (!rc && s->nh_forced)
			p[s->nh_field] = s->nh_value;
	} else {
		uint8_t nh = s->trailer_nh >= 0 ? (uint8_t)s->trailer_nh : s->inner;
		rc = esp_seal(&x, pb, s->off, nh, s->spi, s->seq, s->esn, s->tfc);
		p = pbuf_data(pb);
		if (!rc && s->udp) {
			rc = esp_udp_encap(pb, s->off, sa->src, sa->dst, s->sport, s->dport);
			p = pbuf_data(pb);
		}
		if (!rc) {
			p[s->nh_field] = s->nh_forced ? s->nh_value : s->udp ? IP6P_UDP : IP6P_ESP;
			/* ESP leaves the Payload Lengths to its caller. */
			for (unsigned i = 0; i <= s->ip; i++)
				if (!b->ip[i].plen_forced)
					add_plen(p, b->ip[i].off, pb->len - before);
		}
	}
	m6_xform_clear(&x);
	if (rc)
		return fail(b, "%s: %s", s->ah ? "ah_seal" : "esp_seal", m6_strerror(rc));
	return 0;
}

/* Insert and compute every keyed esp/ah, innermost (last) first, so that
 * an outer one protects the inner one's result. */
static int seal_all(struct sb *b, uint8_t *out, size_t cap, size_t *len, struct spec_sa *sas)
{
	size_t head = 0, tail = 0;
	for (unsigned i = 0; i < b->n_sec; i++) {
		struct sec *s = &b->sec[i];
		if (s->ah) {
			head += AH_ROOM_MAX;
		} else {
			struct m6_xform x;
			if (m6_xform_init(&x, &s->cfg, true, NULL, 0))
				return fail(b, "cannot key esp");
			head += esp_head_room(&x) + (s->udp ? UDP_ENCAP_LEN : 0);
			tail += esp_tail_room(&x) + s->tfc;
			m6_xform_clear(&x);
		}
	}
	if (head + tail > cap || *len > cap - head - tail)
		return fail(b, "packet with ESP/AH longer than %zu octets", cap);
	memmove(out + head, out, *len);
	struct pbuf pb;
	uint8_t *p;
	pbuf_init(&pb, out, cap, head);
	pbuf_put(&pb, *len, &p);
	for (unsigned i = b->n_sec; i-- > 0;) {
		struct spec_sa tmp, *sa = sas ? &sas[i] : &tmp;
		b->layer_no = b->sec[i].layer_no;
		b->layer = b->sec[i].ah ? "ah" : "esp";
		int rc = seal_one(b, &b->sec[i], &pb, sa);
		if (rc)
			return rc;
	}
	memmove(out, pbuf_data(&pb), pb.len);
	*len = pb.len;
	return 0;
}

int spec_build_sa(const char *spec, uint8_t *out, size_t cap, size_t *len, struct spec_sa *sas,
		  unsigned *n_sas, char *err, size_t errlen)
{
	char text[SPEC_MAX];
	struct sb b;
	memset(&b, 0, sizeof(b));
	b.out = out;
	b.cap = cap;
	b.pending = NO_PENDING;
	b.err = err;
	b.errlen = errlen;
	if (n_sas)
		*n_sas = 0;
	if (strlen(spec) >= sizeof(text))
		return fail(&b, "specification longer than %d characters", SPEC_MAX - 1);
	strcpy(text, spec);
	char *save = NULL;
	int rc = 0;
	for (char *l = strtok_r(text, "/", &save); l && !rc; l = strtok_r(NULL, "/", &save)) {
		b.layer_no++;
		rc = layer(&b, l);
	}
	if (!rc && (b.n_ip == 0 || b.ip[0].off != 0)) {
		b.layer = "ip6";
		rc = fail(&b, "a packet starts with an ip6 layer");
	}
	if (!rc) {
		finish(&b);
		*len = b.len;
		if (b.n_sec)
			rc = seal_all(&b, out, cap, len, sas);
		if (!rc && n_sas)
			*n_sas = b.n_sec;
	}
	m6_wipe(b.sec, sizeof(b.sec));
	m6_wipe(text, sizeof(text));
	return rc;
}

int spec_build(const char *spec, uint8_t *out, size_t cap, size_t *len, char *err, size_t errlen)
{
	return spec_build_sa(spec, out, cap, len, NULL, NULL, err, errlen);
}
