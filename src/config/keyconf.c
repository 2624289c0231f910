#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyconf.h"
#include "crypto/m6_crypto.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"

#define SAD_CAPACITY_MIN 64

struct kc_ctx {
	struct keyconf *kc;
	char *err;
	size_t errlen;
	uint32_t *by_name;        /* open-addressed index: policy name -> spd id */
	size_t by_name_cap;       /* a power of two, at least twice the entries */
};

static size_t kc_name_hash(const char *s)
{
	size_t h = 1469598103934665603ull;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

/* Slot of name in the index: its id, or the empty slot where it belongs. */
static uint32_t *kc_name_slot(const struct kc_ctx *c, const char *name)
{
	size_t mask = c->by_name_cap - 1;
	for (size_t i = kc_name_hash(name) & mask;; i = (i + 1) & mask) {
		uint32_t *slot = &c->by_name[i];
		const struct spd_entry *e = *slot ? spd_get(c->kc->spd, *slot) : NULL;
		if (!*slot || (e && !strcmp(e->name, name)))
			return slot;
	}
}

static int kc_fail(struct kc_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s && config_setting_source_line(s))
		snprintf(c->err, c->errlen, "line %u: %s", config_setting_source_line(s), msg);
	else
		snprintf(c->err, c->errlen, "%s", msg);
	return M6_E_CONFIG;
}

/* Refuse keys a group does not know: a typo must not silently drop a setting. */
static int kc_known(struct kc_ctx *c, const config_setting_t *g, const char *const *keys)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(m);
		bool ok = false;
		for (const char *const *k = keys; *k && n; k++)
			ok = ok || !strcmp(*k, n);
		if (!ok)
			return kc_fail(c, m, "unknown setting '%s'", n ? n : "?");
	}
	return 0;
}

static const char *kc_str(const config_setting_t *g, const char *key, const char *def)
{
	const char *v;
	return config_setting_lookup_string(g, key, &v) ? v : def;
}

static int kc_u64(struct kc_ctx *c, const config_setting_t *g, const char *key, uint64_t max,
		  uint64_t def, uint64_t *out)
{
	long long v;
	const config_setting_t *m = config_setting_get_member(g, key);
	*out = def;
	if (!m)
		return 0;
	if (!config_setting_is_number(m))
		return kc_fail(c, m, "'%s' must be a number", key);
	v = config_setting_get_int64(m);
	if (v < 0 || (uint64_t)v > max)
		return kc_fail(c, m, "'%s' = %lld is out of range 0..%llu", key, v, (unsigned long long)max);
	*out = (uint64_t)v;
	return 0;
}

static int kc_bool(struct kc_ctx *c, const config_setting_t *g, const char *key, bool def, bool *out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	*out = def;
	if (!m)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_BOOL)
		return kc_fail(c, m, "'%s' must be true or false", key);
	*out = config_setting_get_bool(m);
	return 0;
}

int keyconf_parse_range(const char *s, uint8_t lo[16], uint8_t hi[16])
{
	char buf[128];
	if (!s || strlen(s) >= sizeof(buf))
		return M6_E_INVAL;
	if (!strcmp(s, "any")) {
		memset(lo, 0, 16);
		memset(hi, 0xff, 16);
		return 0;
	}
	strcpy(buf, s);
	char *slash = strchr(buf, '/'), *dash = strchr(buf, '-');
	uint8_t a[16];
	if (slash) {
		char *end;
		*slash = 0;
		unsigned long plen = strtoul(slash + 1, &end, 10);
		if (*end || slash[1] == 0 || plen > 128 || ip6_addr_parse(buf, a))
			return M6_E_INVAL;
		return spd_sel_prefix(lo, hi, a, (unsigned)plen);
	}
	if (dash) {
		*dash = 0;
		if (ip6_addr_parse(buf, lo) || ip6_addr_parse(dash + 1, hi) || memcmp(lo, hi, 16) > 0)
			return M6_E_INVAL;
		return 0;
	}
	if (ip6_addr_parse(buf, a))
		return M6_E_INVAL;
	memcpy(lo, a, 16);
	memcpy(hi, a, 16);
	return 0;
}

static int kc_range(struct kc_ctx *c, const config_setting_t *g, const char *key, uint8_t lo[16], uint8_t hi[16])
{
	const char *v = kc_str(g, key, "any");
	if (keyconf_parse_range(v, lo, hi))
		return kc_fail(c, g, "'%s' = \"%s\": expected any, an address, prefix/len or lo-hi", key, v);
	return 0;
}

static int kc_addr(struct kc_ctx *c, const config_setting_t *g, const char *key, bool required, uint8_t a[16])
{
	const char *v = kc_str(g, key, NULL);
	if (!v) {
		memset(a, 0, 16);
		return required ? kc_fail(c, g, "'%s' is required", key) : 0;
	}
	if (ip6_addr_parse(v, a))
		return kc_fail(c, g, "'%s' = \"%s\" is not an IPv6 address", key, v);
	return 0;
}

static int kc_hex(struct kc_ctx *c, const config_setting_t *g, const char *key, uint8_t *out,
		  size_t cap, size_t *n)
{
	const char *v = kc_str(g, key, NULL);
	*n = 0;
	if (!v)
		return 0;
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		v += 2;
	static const char hx[] = "0123456789abcdef";
	while (*v) {
		if (*v == ':') {
			v++;
			continue;
		}
		const char *hi = v[0] ? strchr(hx, v[0] | 0x20) : NULL;
		const char *lo = hi && v[1] ? strchr(hx, v[1] | 0x20) : NULL;
		if (*n == cap || !hi || !lo)
			return kc_fail(c, g, "'%s' must be hex octets (at most %zu)", key, cap);
		out[(*n)++] = (uint8_t)((hi - hx) << 4 | (lo - hx));
		v += 2;
	}
	return 0;
}

static const char *const mh_names[] = { "brr", "hoti", "coti", "hot", "cot", "bu", "ba", "be" };

static int kc_proto(struct kc_ctx *c, const config_setting_t *g, uint16_t *proto)
{
	static const struct { const char *n; uint16_t v; } names[] = {
		{ "any", SPD_PROTO_ANY }, { "mh", IP6P_MH }, { "icmpv6", IP6P_ICMPV6 }, { "udp", IP6P_UDP },
		{ "tcp", IP6P_TCP }, { "ipv6", IP6P_IPV6 }, { "esp", IP6P_ESP }, { "ah", IP6P_AH } };
	const config_setting_t *m = config_setting_get_member(g, "proto");
	*proto = SPD_PROTO_ANY;
	if (!m)
		return 0;
	if (config_setting_is_number(m)) {
		int v = config_setting_get_int(m);
		if (v < 0 || v > 255)
			return kc_fail(c, m, "'proto' must be 0..255");
		*proto = (uint16_t)v;
		return 0;
	}
	const char *v = config_setting_get_string(m);
	for (size_t i = 0; v && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(v, names[i].n)) {
			*proto = names[i].v;
			return 0;
		}
	return kc_fail(c, m, "'proto' must be a number or one of any mh icmpv6 udp tcp ipv6 esp ah");
}

/* "lo-hi" or "n" or a name of an MH type; scaled by `shift` into a port range. */
static int kc_port_range(struct kc_ctx *c, const config_setting_t *g, const char *key, bool mh,
			 unsigned shift, struct spd_range16 *r)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	unsigned long lo, hi;
	char *end;
	if (!m)
		return 0;
	if (config_setting_is_number(m)) {
		lo = hi = (unsigned long)config_setting_get_int(m);
	} else {
		const char *v = config_setting_get_string(m);
		if (!v)
			return kc_fail(c, m, "'%s' must be a number or a range", key);
		lo = hi = 256;
		for (unsigned i = 0; mh && i < MH_TYPE_COUNT; i++)
			if (!strcmp(v, mh_names[i]))
				lo = hi = i;
		if (lo == 256) {
			lo = strtoul(v, &end, 0);
			hi = lo;
			if (*end == '-')
				hi = strtoul(end + 1, &end, 0);
			if (*end || end == v)
				return kc_fail(c, m, "'%s' = \"%s\": expected N or LO-HI", key, v);
		}
	}
	unsigned long max = shift ? 255 : 65535;
	if (lo > hi || hi > max)
		return kc_fail(c, m, "'%s' is out of range", key);
	r->lo = (uint16_t)(lo << shift);
	r->hi = (uint16_t)(hi << shift | (shift ? 0xff : 0));
	return 0;
}

static int kc_node(struct kc_ctx *c, const config_setting_t *g)
{
	static const char *const keys[] = { "model", "normalise_forwarded", NULL };
	if (!g)
		return 0;
	if (kc_known(c, g, keys))
		return M6_E_CONFIG;
	const char *m = kc_str(g, "model", "normalise");
	if (!strcmp(m, "normalise"))
		c->kc->bits.model = SA_MODEL_NORMALISE;
	else if (!strcmp(m, "true-address"))
		c->kc->bits.model = SA_MODEL_TRUE_ADDR;
	else
		return kc_fail(c, g, "'model' must be \"normalise\" or \"true-address\"");
	return kc_bool(c, g, "normalise_forwarded", false, &c->kc->bits.normalise_forwarded);
}

static int kc_pad_entry(struct kc_ctx *c, const config_setting_t *g)
{
	static const char *const keys[] = { "id", "type", "auth", "psk", "home_addresses", "ts", NULL };
	static const struct { const char *n; enum pad_id_type t; } types[] = {
		{ "rfc822", PAD_ID_RFC822 }, { "fqdn", PAD_ID_FQDN }, { "dn", PAD_ID_DN },
		{ "ipv6", PAD_ID_IPV6_ADDR }, { "key-id", PAD_ID_KEY_ID } };
	struct pad_entry e;
	memset(&e, 0, sizeof(e));
	if (kc_known(c, g, keys))
		return M6_E_CONFIG;
	const char *id = kc_str(g, "id", NULL), *type = kc_str(g, "type", "rfc822");
	if (!id || strlen(id) >= sizeof(e.ident))
		return kc_fail(c, g, "pad entry needs an 'id' (at most %zu characters)", sizeof(e.ident) - 1);
	strcpy(e.ident, id);
	e.type = 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(type, types[i].n))
			e.type = types[i].t;
	if (!e.type)
		return kc_fail(c, g, "'type' must be one of rfc822 fqdn dn ipv6 key-id");
	const char *auth = kc_str(g, "auth", "psk");
	e.auth = !strcmp(auth, "cert") ? PAD_AUTH_CERT : PAD_AUTH_PSK;
	if (strcmp(auth, "cert") && strcmp(auth, "psk"))
		return kc_fail(c, g, "'auth' must be psk or cert");
	const char *psk = kc_str(g, "psk", "");
	if (strlen(psk) > sizeof(e.psk))
		return kc_fail(c, g, "'psk' is longer than %zu octets", sizeof(e.psk));
	e.psk_len = strlen(psk);
	memcpy(e.psk, psk, e.psk_len);
	const config_setting_t *h = config_setting_get_member(g, "home_addresses");
	for (int i = 0; h && i < config_setting_length(h); i++) {
		const char *a = config_setting_get_string_elem(h, i);
		if (e.n_hoa == PAD_HOA_MAX)
			return kc_fail(c, h, "at most %d home addresses", PAD_HOA_MAX);
		if (!a || ip6_addr_parse(a, e.hoa[e.n_hoa]))
			return kc_fail(c, h, "home address %d is not an IPv6 address", i + 1);
		e.n_hoa++;
	}
	const config_setting_t *ts = config_setting_get_member(g, "ts");
	for (int i = 0; ts && i < config_setting_length(ts); i++) {
		const char *r = config_setting_get_string_elem(ts, i);
		if (e.n_ranges == PAD_RANGE_MAX)
			return kc_fail(c, ts, "at most %d ranges", PAD_RANGE_MAX);
		if (keyconf_parse_range(r, e.ts[e.n_ranges].lo, e.ts[e.n_ranges].hi))
			return kc_fail(c, ts, "range %d: expected an address, prefix/len or lo-hi", i + 1);
		e.n_ranges++;
	}
	int rc = pad_add(c->kc->pad, &e);
	memset(e.psk, 0, sizeof(e.psk));
	return rc < 0 ? kc_fail(c, g, "pad entry '%s': %s", id, m6_strerror(rc)) : 0;
}

static int kc_spd_entry(struct kc_ctx *c, const config_setting_t *g, unsigned index)
{
	static const char *const keys[] = { "name", "dir", "order", "local", "remote", "proto", "mh_type",
		"icmp_type", "lport", "rport", "interface", "action", "ipsec", "mode", "model",
		"tunnel_local", "tunnel_remote", "peer", NULL };
	struct spd_entry e;
	uint64_t v;
	memset(&e, 0, sizeof(e));
	if (kc_known(c, g, keys))
		return M6_E_CONFIG;
	spd_sel_any(&e.sel);
	const char *name = kc_str(g, "name", NULL);
	if (!name || strlen(name) >= sizeof(e.name))
		return kc_fail(c, g, "spd entry needs a 'name' (at most %zu characters)", sizeof(e.name) - 1);
	strcpy(e.name, name);
	const char *dir = kc_str(g, "dir", "out");
	if (strcmp(dir, "out") && strcmp(dir, "in"))
		return kc_fail(c, g, "'dir' must be out or in");
	e.dir = !strcmp(dir, "in") ? SPD_IN : SPD_OUT;
	if (kc_u64(c, g, "order", UINT32_MAX, 1000 + (uint64_t)index * 10, &v))
		return M6_E_CONFIG;
	e.order = (uint32_t)v;
	if (kc_range(c, g, "local", e.sel.local_lo, e.sel.local_hi) ||
	    kc_range(c, g, "remote", e.sel.remote_lo, e.sel.remote_hi) || kc_proto(c, g, &e.sel.proto))
		return M6_E_CONFIG;
	bool mh = e.sel.proto == IP6P_MH, icmp = e.sel.proto == IP6P_ICMPV6;
	if (config_setting_get_member(g, "mh_type") && !mh)
		return kc_fail(c, g, "'mh_type' needs proto = \"mh\"");
	if (config_setting_get_member(g, "icmp_type") && !icmp)
		return kc_fail(c, g, "'icmp_type' needs proto = \"icmpv6\"");
	if (kc_port_range(c, g, "mh_type", true, 8, &e.sel.lport) ||
	    kc_port_range(c, g, "icmp_type", false, 8, &e.sel.lport) ||
	    kc_port_range(c, g, "lport", false, 0, &e.sel.lport) ||
	    kc_port_range(c, g, "rport", false, 0, &e.sel.rport) ||
	    kc_u64(c, g, "interface", UINT32_MAX, 0, &v))
		return M6_E_CONFIG;
	e.sel.ifindex = (uint32_t)v;
	const char *action = kc_str(g, "action", "protect");
	if (!strcmp(action, "protect"))
		e.action = SPD_PROTECT;
	else if (!strcmp(action, "bypass"))
		e.action = SPD_BYPASS;
	else if (!strcmp(action, "discard"))
		e.action = SPD_DISCARD;
	else
		return kc_fail(c, g, "'action' must be protect, bypass or discard");
	const char *ipsec = kc_str(g, "ipsec", "esp"), *mode = kc_str(g, "mode", "transport");
	if (strcmp(ipsec, "esp") && strcmp(ipsec, "ah"))
		return kc_fail(c, g, "'ipsec' must be esp or ah");
	if (strcmp(mode, "transport") && strcmp(mode, "tunnel"))
		return kc_fail(c, g, "'mode' must be transport or tunnel");
	e.protect.ipsec_proto = !strcmp(ipsec, "ah") ? IP6P_AH : IP6P_ESP;
	e.protect.mode = !strcmp(mode, "tunnel") ? SA_TUNNEL : SA_TRANSPORT;
	e.protect.model = (uint8_t)c->kc->bits.model;
	if (kc_addr(c, g, "tunnel_local", false, e.protect.tunnel_local) ||
	    kc_addr(c, g, "tunnel_remote", false, e.protect.tunnel_remote))
		return M6_E_CONFIG;
	uint32_t *slot = kc_name_slot(c, name);
	if (*slot)
		return kc_fail(c, g, "spd entry name '%s' is used twice", name);
	int rc = spd_add(c->kc->spd, &e);
	if (rc < 0)
		return kc_fail(c, g, "spd entry '%s': %s", name, m6_strerror(rc));
	*slot = (uint32_t)rc;
	return 0;
}

static const struct spd_entry *kc_policy(const struct kc_ctx *c, const char *name)
{
	uint32_t id = *kc_name_slot(c, name);
	return id ? spd_get(c->kc->spd, id) : NULL;
}

static int kc_lifetime(struct kc_ctx *c, const config_setting_t *g, struct sa_lifetime *l)
{
	static const char *const keys[] = { "soft_seconds", "hard_seconds", "soft_bytes", "hard_bytes",
		"soft_packets", "hard_packets", NULL };
	uint64_t s, h;
	memset(l, 0, sizeof(*l));
	if (!g)
		return 0;
	if (kc_known(c, g, keys) || kc_u64(c, g, "soft_seconds", UINT32_MAX, 0, &s) ||
	    kc_u64(c, g, "hard_seconds", UINT32_MAX, 0, &h))
		return M6_E_CONFIG;
	l->soft_ns = s * 1000000000ull;
	l->hard_ns = h * 1000000000ull;
	if (kc_u64(c, g, "soft_bytes", UINT64_MAX >> 1, 0, &l->soft_bytes) ||
	    kc_u64(c, g, "hard_bytes", UINT64_MAX >> 1, 0, &l->hard_bytes) ||
	    kc_u64(c, g, "soft_packets", UINT64_MAX >> 1, 0, &l->soft_packets) ||
	    kc_u64(c, g, "hard_packets", UINT64_MAX >> 1, 0, &l->hard_packets))
		return M6_E_CONFIG;
	return 0;
}

static int kc_sa_crypto(struct kc_ctx *c, const config_setting_t *g, struct m6_xform_cfg *x)
{
	const char *enc = kc_str(g, "enc", "aes-cbc"), *auth = kc_str(g, "auth", "hmac-sha256-128");
	if (m6_enc_parse(enc, &x->enc))
		return kc_fail(c, g, "'enc' = \"%s\" is not a known cipher", enc);
	if (m6_auth_parse(auth, &x->auth))
		return kc_fail(c, g, "'auth' = \"%s\" is not a known integrity algorithm", auth);
	/* ALG-02: manual keys cannot guarantee a unique nonce per key. */
	if (m6_enc_is_counter_mode(x->enc))
		return kc_fail(c, g, "%s: %s", m6_strerror(M6_E_ALG_MANUAL), enc);
	if (kc_hex(c, g, "enc_key", x->ekey, sizeof(x->ekey), &x->eklen) ||
	    kc_hex(c, g, "auth_key", x->akey, sizeof(x->akey), &x->aklen))
		return M6_E_CONFIG;
	return 0;
}

static int kc_sa_entry(struct kc_ctx *c, const config_setting_t *g)
{
	static const char *const keys[] = { "spi", "policy", "src", "dst", "enc", "enc_key", "auth",
		"auth_key", "model", "peer", "replay", "replay_window", "esn", "encap_sport",
		"encap_dport", "lifetime", NULL };
	struct ipsec_sa sa;
	struct m6_xform_cfg x;
	uint64_t v;
	char why[160];
	memset(&sa, 0, sizeof(sa));
	memset(&x, 0, sizeof(x));
	if (kc_known(c, g, keys) || kc_u64(c, g, "spi", UINT32_MAX, 0, &v))
		return M6_E_CONFIG;
	if (v < 256)
		return kc_fail(c, g, "'spi' is required and must be 256 or more (SAD-01)");
	sa.spi = (uint32_t)v;
	const char *pname = kc_str(g, "policy", NULL);
	const struct spd_entry *pol = pname ? kc_policy(c, pname) : NULL;
	if (!pol)
		return kc_fail(c, g, "'policy' must name an spd entry");
	if (pol->action != SPD_PROTECT)
		return kc_fail(c, g, "policy '%s' does not protect", pname);
	sa.inbound = pol->dir == SPD_IN;
	sa.spd_id = pol->id;
	sa.ts = pol->sel;
	sa.proto = pol->protect.ipsec_proto;
	sa.mode = pol->protect.mode;
	sa.manual = true;
	sa.state = SA_MATURE;
	const char *model = kc_str(g, "model", NULL);
	sa.model = (uint8_t)c->kc->bits.model;
	if (model && !strcmp(model, "normalise"))
		sa.model = SA_MODEL_NORMALISE;
	else if (model && !strcmp(model, "true-address"))
		sa.model = SA_MODEL_TRUE_ADDR;
	else if (model)
		return kc_fail(c, g, "'model' must be \"normalise\" or \"true-address\"");
	if (kc_addr(c, g, "src", true, sa.src) || kc_addr(c, g, "dst", true, sa.dst))
		return M6_E_CONFIG;
	const char *peer = kc_str(g, "peer", NULL);
	if (peer) {
		const struct pad_entry *pe = NULL;
		for (int t = PAD_ID_FQDN; t <= PAD_ID_KEY_ID && !pe; t++)
			pe = pad_match(c->kc->pad, (enum pad_id_type)t, peer);
		if (!pe)
			return kc_fail(c, g, "'peer' = \"%s\" is not in the pad", peer);
		sa.pad_id = pe->id;
	}
	bool replay;
	if (kc_bool(c, g, "replay", false, &replay) || kc_bool(c, g, "esn", false, &sa.esn) ||
	    kc_u64(c, g, "replay_window", REPLAY_WINDOW_MAX, REPLAY_WINDOW_DEFAULT, &v))
		return M6_E_CONFIG;
	sa.replay_on = replay;
	if (sa.esn && !replay)
		return kc_fail(c, g, "'esn' needs 'replay' (the window infers the high bits)");
	if (replay_init(&sa.replay, (uint32_t)v, sa.esn))
		return kc_fail(c, g, "'replay_window' must be 32..%d", REPLAY_WINDOW_MAX);
	if (kc_u64(c, g, "encap_sport", 65535, 0, &v))
		return M6_E_CONFIG;
	sa.encap_sport = (uint16_t)v;
	if (kc_u64(c, g, "encap_dport", 65535, 0, &v))
		return M6_E_CONFIG;
	sa.encap_dport = (uint16_t)v;
	if (kc_lifetime(c, config_setting_get_member(g, "lifetime"), &sa.life) || kc_sa_crypto(c, g, &x))
		return M6_E_CONFIG;
	if (sa.proto == IP6P_AH && x.enc != M6_ENC_NULL)
		return kc_fail(c, g, "AH has no encryption: set enc = \"null\"");
	int rc = m6_xform_init(&sa.xf, &x, !sa.inbound, why, sizeof(why));
	if (!rc && c->kc->n_keys < KEYCONF_KEYS_MAX) {
		struct keyconf_key *k = &c->kc->keys[c->kc->n_keys++];
		k->spi = sa.spi;
		memcpy(k->src, sa.src, 16);
		memcpy(k->dst, sa.dst, 16);
		k->x = x;
	}
	m6_wipe(&x, sizeof(x));
	if (rc)
		return kc_fail(c, g, "SA 0x%x: %s", sa.spi, why);
	struct ipsec_sa *in = sad_add(c->kc->sad, &sa, 0, &rc);
	if (!in) {
		m6_xform_clear(&sa.xf);
		return kc_fail(c, g, "SA 0x%x: %s", sa.spi, m6_strerror(rc));
	}
	in->state = SA_MATURE;
	c->kc->n_sa++;
	return 0;
}

static int kc_list(struct kc_ctx *c, const config_setting_t *root, const char *name,
		   int (*fn)(struct kc_ctx *, const config_setting_t *, unsigned))
{
	const config_setting_t *l = config_setting_get_member(root, name);
	if (!l)
		return 0;
	if (!config_setting_is_list(l) && !config_setting_is_array(l))
		return kc_fail(c, l, "'%s' must be a list: %s = ( { ... }, ... );", name, name);
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		if (!config_setting_is_group(g))
			return kc_fail(c, g, "'%s' entries must be groups { ... }", name);
		int rc = fn(c, g, (unsigned)i);
		if (rc)
			return rc;
	}
	return 0;
}

static int kc_pad_cb(struct kc_ctx *c, const config_setting_t *g, unsigned i) { (void)i; return kc_pad_entry(c, g); }
static int kc_sa_cb(struct kc_ctx *c, const config_setting_t *g, unsigned i) { (void)i; return kc_sa_entry(c, g); }

static int kc_build(const config_setting_t *root, struct keyconf *kc, char *err, size_t errlen)
{
	struct kc_ctx c = { kc, err, errlen, NULL, 0 };
	static const char *const top[] = { "node", "pad", "spd", "sa", NULL };
	memset(kc, 0, sizeof(*kc));
	const config_setting_t *sas = config_setting_get_member(root, "sa");
	const config_setting_t *spds = config_setting_get_member(root, "spd");
	size_t n_spd = spds ? (size_t)config_setting_length(spds) : 0;
	c.by_name_cap = 16;
	while (c.by_name_cap < 2 * n_spd + 2)
		c.by_name_cap *= 2;
	c.by_name = calloc(c.by_name_cap, sizeof(*c.by_name));
	size_t cap = SAD_CAPACITY_MIN + (sas ? 2 * (size_t)config_setting_length(sas) : 0);
	kc->spd = spd_new();
	kc->sad = sad_new(cap);
	kc->pad = pad_new();
	int rc = !kc->spd || !kc->sad || !kc->pad || !c.by_name ? kc_fail(&c, NULL, "out of memory") : 0;
	if (!rc && !config_setting_is_group(root))
		rc = kc_fail(&c, root, "expected a group { node = ...; pad = ...; spd = ...; sa = ...; }");
	if (!rc)
		rc = kc_known(&c, root, top);
	if (!rc)
		rc = kc_node(&c, config_setting_get_member(root, "node"));
	if (!rc)
		rc = kc_list(&c, root, "pad", kc_pad_cb);
	if (!rc)
		rc = kc_list(&c, root, "spd", kc_spd_entry);
	if (!rc)
		rc = kc_list(&c, root, "sa", kc_sa_cb);
	free(c.by_name);
	if (rc)
		keyconf_free(kc);
	return rc;
}

static int kc_load(int (*reader)(config_t *, const char *), const char *arg, const char *what,
		   struct keyconf *kc, char *err, size_t errlen)
{
	config_t cf;
	config_init(&cf);
	if (reader(&cf, arg) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", what, config_error_line(&cf),
			 config_error_text(&cf) ? config_error_text(&cf) : "cannot read");
		config_destroy(&cf);
		return M6_E_CONFIG;
	}
	char inner[256] = "";
	int rc = kc_build(config_root_setting(&cf), kc, inner, sizeof(inner));
	if (rc)
		snprintf(err, errlen, "%s: %s", what, inner);
	config_destroy(&cf);
	return rc;
}

int keyconf_load_file(const char *path, struct keyconf *kc, char *err, size_t errlen)
{
	return kc_load(config_read_file, path, path, kc, err, errlen);
}

int keyconf_load_string(const char *text, struct keyconf *kc, char *err, size_t errlen)
{
	return kc_load(config_read_string, text, "config", kc, err, errlen);
}

int keyconf_load_setting(const void *setting, struct keyconf *kc, char *err, size_t errlen)
{
	return kc_build(setting, kc, err, errlen);
}

static size_t hex_put(char *out, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	if (!n) {
		out[0] = '-';
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	return 2 * n;
}

size_t keyconf_write_keys(const struct keyconf *kc, char *buf, size_t cap)
{
	size_t used = 0;
	for (size_t i = 0; i < kc->n_keys; i++) {
		const struct keyconf_key *k = &kc->keys[i];
		char src[46], dst[46], ek[2 * M6_KEY_MAX + 1], ak[2 * M6_KEY_MAX + 1];
		ip6_addr_format(k->src, src);
		ip6_addr_format(k->dst, dst);
		ek[hex_put(ek, k->x.ekey, k->x.eklen)] = 0;
		ak[hex_put(ak, k->x.akey, k->x.aklen)] = 0;
		int n = snprintf(buf + used, cap - used, "%s %s 0x%08x %s %s %s %s\n", src, dst, k->spi,
				 m6_enc_name(k->x.enc), ek, m6_auth_name(k->x.auth), ak);
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
	}
	return used;
}

void keyconf_free(struct keyconf *kc)
{
	sad_free(kc->sad);
	spd_free(kc->spd);
	pad_free(kc->pad);
	m6_wipe(kc, sizeof(*kc));
}
