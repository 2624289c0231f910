#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confread.h"
#include "keyconf.h"
#include "crypto/m6_crypto.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"

#define SAD_CAPACITY_MIN 64

struct kc_ctx {
	struct conf_ctx cc;       /* file name and message buffer */
	struct keyconf *kc;
	unsigned flags;           /* KEYCONF_* */
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

/* Every message names the file and the line of the offending setting. */
#define kc_fail(c, s, ...) conf_fail(&(c)->cc, (s), __VA_ARGS__)

/* Refuse keys a group does not know: a typo must not silently drop a setting. */
static int kc_known(struct kc_ctx *c, const config_setting_t *g, const char *what, const char *const *keys)
{
	return conf_known(&c->cc, g, what, keys);
}

/* A string key: def when absent, an error when of another type (a number
 * or a boolean where a word is expected must not become the default). */
static int kc_str(struct kc_ctx *c, const config_setting_t *g, const char *key, const char *def, const char **out)
{
	*out = def;
	return conf_str(&c->cc, g, key, false, out);
}

static int kc_u64(struct kc_ctx *c, const config_setting_t *g, const char *key, uint64_t max,
		  uint64_t def, uint64_t *out)
{
	*out = def;
	return conf_uint(&c->cc, g, key, 0, max, out, NULL);
}

static int kc_bool(struct kc_ctx *c, const config_setting_t *g, const char *key, bool def, bool *out)
{
	*out = def;
	return conf_bool(&c->cc, g, key, out);
}

/* A list of strings (an array [ ... ] or a list ( ... )): NULL when absent. */
static int kc_strings(struct kc_ctx *c, const config_setting_t *g, const char *key, const config_setting_t **out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	*out = NULL;
	if (!m)
		return 0;
	if (!config_setting_is_array(m) && !config_setting_is_list(m))
		return kc_fail(c, m, "'%s' must be a list of strings: %s = [ \"...\", ... ];", key, key);
	for (int i = 0; i < config_setting_length(m); i++)
		if (config_setting_type(config_setting_get_elem(m, (unsigned)i)) != CONFIG_TYPE_STRING)
			return kc_fail(c, config_setting_get_elem(m, (unsigned)i), "'%s' entry %d must be a string in "
				       "double quotes", key, i + 1);
	*out = m;
	return 0;
}

/* A group member: NULL when absent, an error when not a group. */
static int kc_group(struct kc_ctx *c, const config_setting_t *g, const char *key, const config_setting_t **out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	*out = NULL;
	if (m && !config_setting_is_group(m))
		return kc_fail(c, m, "'%s' must be a group: %s = { ... };", key, key);
	*out = m;
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
	const char *v;
	int rc = kc_str(c, g, key, "any", &v);
	if (rc)
		return rc;
	if (keyconf_parse_range(v, lo, hi))
		return kc_fail(c, config_setting_get_member(g, key),
			       "'%s' = \"%s\": expected any, an address, prefix/len or lo-hi", key, v);
	return 0;
}

static int kc_addr(struct kc_ctx *c, const config_setting_t *g, const char *key, bool required, uint8_t a[16])
{
	const char *v;
	memset(a, 0, 16);
	int rc = kc_str(c, g, key, NULL, &v);
	if (rc)
		return rc;
	if (!v)
		return required ? kc_fail(c, g, "'%s' is required", key) : 0;
	if (ip6_addr_parse(v, a))
		return kc_fail(c, config_setting_get_member(g, key), "'%s' = \"%s\" is not an IPv6 address", key, v);
	return 0;
}

static int kc_hex(struct kc_ctx *c, const config_setting_t *g, const char *key, uint8_t *out,
		  size_t cap, size_t *n)
{
	const char *v;
	*n = 0;
	int rc = kc_str(c, g, key, NULL, &v);
	if (rc || !v)
		return rc;
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
			return kc_fail(c, config_setting_get_member(g, key), "'%s' must be hex octets (at most %zu)", key,
				       cap);
		out[(*n)++] = (uint8_t)((hi - hx) << 4 | (lo - hx));
		v += 2;
	}
	return 0;
}

/* One of names[] (a string key), its index in *out; def when absent. */
static int kc_word(struct kc_ctx *c, const config_setting_t *g, const char *key, const char *const *names,
		   const char *def, unsigned *out)
{
	const char *v;
	int rc = kc_str(c, g, key, def, &v);
	if (rc)
		return rc;
	char list[160] = "";
	for (unsigned i = 0; names[i]; i++) {
		if (!strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", names[i]);
	}
	return kc_fail(c, config_setting_get_member(g, key), "'%s' = \"%s\": expected one of %s", key, v, list);
}

static const char *const model_names[] = { "normalise", "true-address", NULL };
static const uint8_t model_values[] = { SA_MODEL_NORMALISE, SA_MODEL_TRUE_ADDR };

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
	if (config_setting_type(m) == CONFIG_TYPE_INT || config_setting_type(m) == CONFIG_TYPE_INT64) {
		uint64_t v;
		int rc = conf_uint_value(&c->cc, m, "proto", 0, 255, &v);
		if (!rc)
			*proto = (uint16_t)v;
		return rc;
	}
	const char *v = config_setting_type(m) == CONFIG_TYPE_STRING ? config_setting_get_string(m) : NULL;
	for (size_t i = 0; v && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(v, names[i].n)) {
			*proto = names[i].v;
			return 0;
		}
	return kc_fail(c, m, "'proto' must be a number 0..255 or one of any mh icmpv6 udp tcp ipv6 esp ah");
}

/* "lo-hi" or "n" or a name of an MH type; scaled by `shift` into a port range. */
static int kc_port_range(struct kc_ctx *c, const config_setting_t *g, const char *key, bool mh,
			 unsigned shift, struct spd_range16 *r)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	unsigned long max = shift ? 255 : 65535;
	unsigned long lo, hi;
	char *end;
	if (!m)
		return 0;
	if (config_setting_type(m) == CONFIG_TYPE_INT || config_setting_type(m) == CONFIG_TYPE_INT64) {
		uint64_t v;
		int rc = conf_uint_value(&c->cc, m, key, 0, max, &v);
		if (rc)
			return rc;
		lo = hi = (unsigned long)v;
	} else if (config_setting_type(m) == CONFIG_TYPE_STRING) {
		const char *v = config_setting_get_string(m);
		lo = hi = 256;
		for (unsigned i = 0; mh && i < MH_TYPE_COUNT; i++)
			if (!strcmp(v, mh_names[i]))
				lo = hi = i;
		if (lo == 256) {
			/* digits only: strtoul would also take a sign or blanks */
			if (!(v[0] >= '0' && v[0] <= '9'))
				return kc_fail(c, m, "'%s' = \"%s\": expected N or LO-HI", key, v);
			lo = strtoul(v, &end, 0);
			hi = lo;
			if (*end == '-' && end[1] >= '0' && end[1] <= '9')
				hi = strtoul(end + 1, &end, 0);
			if (*end)
				return kc_fail(c, m, "'%s' = \"%s\": expected N or LO-HI", key, v);
		}
		if (lo > hi || hi > max)
			return kc_fail(c, m, "'%s' = \"%s\" is out of range 0..%lu", key, v, max);
	} else {
		return kc_fail(c, m, "'%s' must be a number or a string (\"N\" or \"LO-HI\"%s)", key,
			       mh ? " or an MH type name" : "");
	}
	r->lo = (uint16_t)(lo << shift);
	r->hi = (uint16_t)(hi << shift | (shift ? 0xff : 0));
	return 0;
}

static int kc_node(struct kc_ctx *c, const config_setting_t *g)
{
	static const char *const keys[] = { "model", "normalise_forwarded", NULL };
	unsigned m = 0;
	if (!g)
		return 0;
	int rc = kc_known(c, g, "the node group", keys);
	if (!rc) rc = kc_word(c, g, "model", model_names, "normalise", &m);
	if (!rc) rc = kc_bool(c, g, "normalise_forwarded", false, &c->kc->bits.normalise_forwarded);
	c->kc->bits.model = model_values[m];
	return rc;
}

static int kc_pad_entry(struct kc_ctx *c, const config_setting_t *g)
{
	static const char *const keys[] = { "id", "type", "auth", "psk", "home_addresses", "ts", NULL };
	static const char *const types[] = { "rfc822", "fqdn", "dn", "ipv6", "key-id", NULL };
	static const enum pad_id_type type_values[] = { PAD_ID_RFC822, PAD_ID_FQDN, PAD_ID_DN, PAD_ID_IPV6_ADDR,
							 PAD_ID_KEY_ID };
	static const char *const auths[] = { "psk", "cert", NULL };
	struct pad_entry e;
	const char *id, *psk;
	const config_setting_t *h, *ts;
	unsigned type = 0, auth = 0;
	memset(&e, 0, sizeof(e));
	int rc = kc_known(c, g, "a pad entry", keys);
	if (!rc) rc = kc_str(c, g, "id", NULL, &id);
	if (!rc) rc = kc_word(c, g, "type", types, "rfc822", &type);
	if (!rc) rc = kc_word(c, g, "auth", auths, "psk", &auth);
	if (!rc) rc = kc_str(c, g, "psk", "", &psk);
	if (!rc) rc = kc_strings(c, g, "home_addresses", &h);
	if (!rc) rc = kc_strings(c, g, "ts", &ts);
	if (rc)
		return rc;
	if (!id || !id[0] || strlen(id) >= sizeof(e.ident))
		return kc_fail(c, g, "a pad entry needs an 'id' (1 to %zu characters)", sizeof(e.ident) - 1);
	strcpy(e.ident, id);
	e.type = type_values[type];
	e.auth = auth ? PAD_AUTH_CERT : PAD_AUTH_PSK;
	if (strlen(psk) > sizeof(e.psk))
		return kc_fail(c, config_setting_get_member(g, "psk"), "'psk' is longer than %zu octets", sizeof(e.psk));
	e.psk_len = strlen(psk);
	memcpy(e.psk, psk, e.psk_len);
	for (int i = 0; h && i < config_setting_length(h); i++) {
		const char *a = config_setting_get_string_elem(h, i);
		if (e.n_hoa == PAD_HOA_MAX)
			return kc_fail(c, h, "at most %d home addresses", PAD_HOA_MAX);
		if (ip6_addr_parse(a, e.hoa[e.n_hoa]))
			return kc_fail(c, h, "home address %d (\"%s\") is not an IPv6 address", i + 1, a);
		e.n_hoa++;
	}
	for (int i = 0; ts && i < config_setting_length(ts); i++) {
		const char *r = config_setting_get_string_elem(ts, i);
		if (e.n_ranges == PAD_RANGE_MAX)
			return kc_fail(c, ts, "at most %d ranges", PAD_RANGE_MAX);
		if (keyconf_parse_range(r, e.ts[e.n_ranges].lo, e.ts[e.n_ranges].hi))
			return kc_fail(c, ts, "range %d (\"%s\"): expected an address, prefix/len or lo-hi", i + 1, r);
		e.n_ranges++;
	}
	rc = pad_add(c->kc->pad, &e);
	m6_wipe(e.psk, sizeof(e.psk));
	return rc < 0 ? kc_fail(c, g, "pad entry '%s': %s", id, m6_strerror(rc)) : 0;
}

static int kc_spd_entry(struct kc_ctx *c, const config_setting_t *g, unsigned index)
{
	static const char *const keys[] = { "name", "dir", "order", "local", "remote", "proto", "mh_type",
		"icmp_type", "lport", "rport", "interface", "action", "ipsec", "mode", "model",
		"tunnel_local", "tunnel_remote", "per_peer", NULL };
	static const char *const dirs[] = { "out", "in", NULL };
	static const char *const actions[] = { "protect", "bypass", "discard", NULL };
	static const enum spd_action action_values[] = { SPD_PROTECT, SPD_BYPASS, SPD_DISCARD };
	static const char *const protos[] = { "esp", "ah", NULL };
	static const char *const modes[] = { "transport", "tunnel", NULL };
	struct spd_entry e;
	struct spd_tunnel tun;
	uint64_t order = 0, ifx = 0;
	unsigned dir = 0, action = 0, ipsec = 0, mode = 0, model = 0;
	const char *name;
	memset(&e, 0, sizeof(e));
	memset(&tun, 0, sizeof(tun));
	spd_sel_any(&e.sel);
	int rc = kc_known(c, g, "an spd entry", keys);
	if (!rc) rc = kc_str(c, g, "name", NULL, &name);
	if (rc)
		return rc;
	if (!name || !name[0] || strlen(name) >= SPD_NAME_MAX)
		return kc_fail(c, g, "an spd entry needs a 'name' (1 to %d characters)", SPD_NAME_MAX - 1);
	e.name = name;
	if (!rc) rc = kc_word(c, g, "dir", dirs, "out", &dir);
	if (!rc) rc = kc_u64(c, g, "order", UINT32_MAX, 1000 + (uint64_t)index * 10, &order);
	if (!rc) rc = kc_range(c, g, "local", e.sel.local_lo, e.sel.local_hi);
	if (!rc) rc = kc_range(c, g, "remote", e.sel.remote_lo, e.sel.remote_hi);
	if (!rc) rc = kc_proto(c, g, &e.sel.proto);
	if (rc)
		return rc;
	bool mh = e.sel.proto == IP6P_MH, icmp = e.sel.proto == IP6P_ICMPV6;
	if (config_setting_get_member(g, "mh_type") && !mh)
		return kc_fail(c, config_setting_get_member(g, "mh_type"), "'mh_type' needs proto = \"mh\"");
	if (config_setting_get_member(g, "icmp_type") && !icmp)
		return kc_fail(c, config_setting_get_member(g, "icmp_type"), "'icmp_type' needs proto = \"icmpv6\"");
	if (!rc) rc = kc_port_range(c, g, "mh_type", true, 8, &e.sel.lport);
	if (!rc) rc = kc_port_range(c, g, "icmp_type", false, 8, &e.sel.lport);
	if (!rc) rc = kc_port_range(c, g, "lport", false, 0, &e.sel.lport);
	if (!rc) rc = kc_port_range(c, g, "rport", false, 0, &e.sel.rport);
	if (!rc) rc = kc_u64(c, g, "interface", UINT32_MAX, 0, &ifx);
	if (!rc) rc = kc_word(c, g, "action", actions, "protect", &action);
	if (!rc) rc = kc_word(c, g, "ipsec", protos, "esp", &ipsec);
	if (!rc) rc = kc_word(c, g, "mode", modes, "transport", &mode);
	/* the model an SA made from this entry gets (a key manager's template;
	 * manual SAs take theirs from sa.model or node.model) */
	if (!rc) rc = kc_word(c, g, "model", model_names,
			      c->kc->bits.model == SA_MODEL_TRUE_ADDR ? "true-address" : "normalise", &model);
	if (!rc) rc = kc_addr(c, g, "tunnel_local", false, tun.local);
	if (!rc) rc = kc_addr(c, g, "tunnel_remote", false, tun.remote);
	e.protect.tunnel = &tun;
	if (!rc) rc = kc_bool(c, g, "per_peer", false, &e.protect.per_peer);
	if (rc)
		return rc;
	if (e.protect.per_peer && (action_values[action] != SPD_PROTECT || mode))
		return kc_fail(c, config_setting_get_member(g, "per_peer"),
			       "'per_peer' needs a transport-mode protect entry");
	e.dir = dir ? SPD_IN : SPD_OUT;
	e.order = (uint32_t)order;
	e.sel.ifindex = (uint32_t)ifx;
	e.action = action_values[action];
	e.protect.ipsec_proto = ipsec ? IP6P_AH : IP6P_ESP;
	e.protect.mode = mode ? SA_TUNNEL : SA_TRANSPORT;
	e.protect.model = model_values[model];
	uint32_t *slot = kc_name_slot(c, name);
	if (*slot)
		return kc_fail(c, g, "spd entry name '%s' is used twice", name);
	rc = spd_add(c->kc->spd, &e);
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
	uint64_t s = 0, h = 0;
	memset(l, 0, sizeof(*l));
	if (!g)
		return 0;
	int rc = kc_known(c, g, "an SA lifetime", keys);
	if (!rc) rc = kc_u64(c, g, "soft_seconds", UINT32_MAX, 0, &s);
	if (!rc) rc = kc_u64(c, g, "hard_seconds", UINT32_MAX, 0, &h);
	if (!rc) rc = kc_u64(c, g, "soft_bytes", UINT64_MAX >> 1, 0, &l->soft_bytes);
	if (!rc) rc = kc_u64(c, g, "hard_bytes", UINT64_MAX >> 1, 0, &l->hard_bytes);
	if (!rc) rc = kc_u64(c, g, "soft_packets", UINT64_MAX >> 1, 0, &l->soft_packets);
	if (!rc) rc = kc_u64(c, g, "hard_packets", UINT64_MAX >> 1, 0, &l->hard_packets);
	l->soft_ns = s * 1000000000ull;
	l->hard_ns = h * 1000000000ull;
	return rc;
}

static int kc_sa_crypto(struct kc_ctx *c, const config_setting_t *g, struct m6_xform_cfg *x)
{
	const char *enc, *auth;
	int rc = kc_str(c, g, "enc", "aes-cbc", &enc);
	if (rc)
		return rc;
	if (m6_enc_parse(enc, &x->enc))
		return kc_fail(c, config_setting_get_member(g, "enc"), "'enc' = \"%s\" is not a known cipher (null, "
			       "aes-cbc, aes-gcm-16, chacha20-poly1305)", enc);
	/* an AEAD carries its own integrity: no separate algorithm by default */
	if ((rc = kc_str(c, g, "auth", m6_enc_is_aead(x->enc) ? "null" : "hmac-sha256-128", &auth)))
		return rc;
	if (m6_auth_parse(auth, &x->auth))
		return kc_fail(c, config_setting_get_member(g, "auth"), "'auth' = \"%s\" is not a known integrity "
			       "algorithm (null, hmac-sha256-128, hmac-sha1-96, hmac-sha512-256)", auth);
	/* ALG-02: a manual key outlives the sender's counter (a restart starts
	 * it again under the same key), so a counter-mode nonce would repeat.
	 * A simulated SA lives for one run and its counter never cycles
	 * (ESP-01), so there each nonce is used once. */
	if (m6_enc_is_counter_mode(x->enc) && !(c->flags & KEYCONF_SIMULATION))
		return kc_fail(c, config_setting_get_member(g, "enc"), "%s: %s (allowed only in a simulation)",
			       m6_strerror(M6_E_ALG_MANUAL), enc);
	if ((rc = kc_hex(c, g, "enc_key", x->ekey, sizeof(x->ekey), &x->eklen)))
		return rc;
	return kc_hex(c, g, "auth_key", x->akey, sizeof(x->akey), &x->aklen);
}

static int kc_add_key(struct keyconf *kc, const struct ipsec_sa *sa, const struct m6_xform_cfg *x)
{
	if (kc->n_keys == kc->keys_cap) {
		size_t nc = kc->keys_cap ? 2 * kc->keys_cap : 8;
		struct keyconf_key *nk = calloc(nc, sizeof(*nk));
		if (!nk)
			return M6_E_NOMEM;
		if (kc->keys) {
			memcpy(nk, kc->keys, kc->n_keys * sizeof(*nk));
			m6_wipe(kc->keys, kc->keys_cap * sizeof(*kc->keys));
			free(kc->keys);
		}
		kc->keys = nk;
		kc->keys_cap = nc;
	}
	struct keyconf_key *k = &kc->keys[kc->n_keys++];
	k->spi = sa->spi;
	memcpy(k->src, sa->src, 16);
	memcpy(k->dst, sa->dst, 16);
	k->x = *x;
	return 0;
}

/* A selector that lets an MH Home Test Init or Home Test through (any
 * protocol, or MH with either type in its range: RFC 4301 4.4.1.1 puts the
 * MH type in the high octet of the local port). */
static bool kc_carries_home_test(const struct spd_sel *s)
{
	if (s->proto == SPD_PROTO_ANY)
		return true;
	if (s->proto != IP6P_MH)
		return false;
	static const uint8_t types[] = { MH_HOTI, MH_HOT };
	for (size_t i = 0; i < sizeof(types); i++) {
		uint16_t lo = (uint16_t)(types[i] << 8), hi = (uint16_t)(lo | 0xff);
		if (s->lport.lo <= hi && s->lport.hi >= lo)
			return true;
	}
	return false;
}

static int kc_sa_entry(struct kc_ctx *c, const config_setting_t *g)
{
	static const char *const keys[] = { "spi", "policy", "src", "dst", "enc", "enc_key", "auth",
		"auth_key", "model", "peer", "replay", "replay_window", "esn", "encap_sport",
		"encap_dport", "lifetime", "follow_binding", NULL };
	struct ipsec_sa sa;
	struct sa_lifetime lifetime;
	struct m6_xform_cfg x;
	uint64_t spi = 0, win = 0, sport = 0, dport = 0;
	const char *pname, *peer;
	const config_setting_t *life;
	unsigned model = 0;
	bool replay = false;
	char why[160];
	memset(&sa, 0, sizeof(sa));
	memset(&lifetime, 0, sizeof(lifetime));
	memset(&x, 0, sizeof(x));
	int rc = kc_known(c, g, "an sa entry", keys);
	if (!rc) rc = conf_uint(&c->cc, g, "spi", 0, UINT32_MAX, &spi, NULL);
	if (!rc) rc = kc_str(c, g, "policy", NULL, &pname);
	if (rc)
		return rc;
	if (spi < 256)
		return kc_fail(c, config_setting_get_member(g, "spi") ? config_setting_get_member(g, "spi") : g,
			       "'spi' is required and must be 256 or more (SAD-01)");
	sa.spi = (uint32_t)spi;
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
	if (!rc) rc = kc_word(c, g, "model", model_names,
			      c->kc->bits.model == SA_MODEL_TRUE_ADDR ? "true-address" : "normalise", &model);
	if (!rc) rc = kc_addr(c, g, "src", true, sa.src);
	if (!rc) rc = kc_addr(c, g, "dst", true, sa.dst);
	if (!rc) rc = kc_str(c, g, "peer", NULL, &peer);
	if (!rc) rc = kc_bool(c, g, "replay", false, &replay);
	if (!rc) rc = kc_bool(c, g, "esn", false, &sa.esn);
	if (!rc) rc = kc_bool(c, g, "follow_binding", false, &sa.follow_binding);
	if (!rc) rc = kc_u64(c, g, "replay_window", REPLAY_WINDOW_MAX, REPLAY_WINDOW_DEFAULT, &win);
	if (!rc) rc = kc_u64(c, g, "encap_sport", 65535, 0, &sport);
	if (!rc) rc = kc_u64(c, g, "encap_dport", 65535, 0, &dport);
	if (!rc) rc = kc_group(c, g, "lifetime", &life);
	if (!rc) rc = kc_lifetime(c, life, &lifetime);
	sa.life = &lifetime;
	if (rc)
		return rc;
	sa.model = model_values[model];
	if (peer) {
		const struct pad_entry *pe = NULL;
		for (int t = PAD_ID_FQDN; t <= PAD_ID_KEY_ID && !pe; t++)
			pe = pad_match(c->kc->pad, (enum pad_id_type)t, peer);
		if (!pe)
			return kc_fail(c, config_setting_get_member(g, "peer"), "'peer' = \"%s\" is not in the pad", peer);
		sa.pad_id = pe->id;
	}
	/* HA-09: the mobile node's end of the MN-HA tunnel is the care-of
	 * address; a transport SA has no outer header to move */
	if (sa.follow_binding && sa.mode != SA_TUNNEL)
		return kc_fail(c, config_setting_get_member(g, "follow_binding"),
			       "'follow_binding' needs a tunnel-mode policy");
	/* under a template, the SA's remote selector is its peer alone: the
	 * destination of an outbound SA, the source of an inbound one */
	if (pol->protect.per_peer) {
		const uint8_t *remote = sa.inbound ? sa.src : sa.dst;
		if (memcmp(remote, pol->sel.remote_lo, 16) < 0 || memcmp(remote, pol->sel.remote_hi, 16) > 0)
			return kc_fail(c, g, "the peer of an SA under per-peer policy '%s' must be in its remote range",
				       pname);
		memcpy(sa.ts.remote_lo, remote, 16);
		memcpy(sa.ts.remote_hi, remote, 16);
	}
	sa.replay_on = replay;
	if (sa.esn && !replay)
		return kc_fail(c, g, "'esn' needs 'replay' (the window infers the high bits)");
	if (replay_init(&sa.replay, (uint32_t)win, sa.esn))
		return kc_fail(c, config_setting_get_member(g, "replay_window"), "'replay_window' must be 32..%d",
			       REPLAY_WINDOW_MAX);
	sa.encap_sport = (uint16_t)sport;
	sa.encap_dport = (uint16_t)dport;
	if ((rc = kc_sa_crypto(c, g, &x))) {
		m6_wipe(&x, sizeof(x));
		return rc;
	}
	if (sa.proto == IP6P_AH && x.enc != M6_ENC_NULL) {
		m6_wipe(&x, sizeof(x));
		return kc_fail(c, g, "AH has no encryption: set enc = \"null\"");
	}
	/* HA-09, 3776-10, 4877-14: the mobile node - home agent tunnel carries
	 * the Home Test Init and Home Test, which need confidentiality */
	if (sa.follow_binding && x.enc == M6_ENC_NULL && kc_carries_home_test(&pol->sel)) {
		m6_wipe(&x, sizeof(x));
		return kc_fail(c, g, "SA 0x%x follows the binding and its policy '%s' can carry the Home Test Init "
			       "and Home Test, which need encryption: not enc = \"null\" (nor AH)", sa.spi, pname);
	}
	rc = m6_xform_init(&sa.xf, &x, !sa.inbound, why, sizeof(why));
	if (!rc && (c->flags & KEYCONF_KEEP_KEYS) && kc_add_key(c->kc, &sa, &x)) {
		m6_xform_clear(&sa.xf);
		rc = M6_E_NOMEM;
		snprintf(why, sizeof(why), "out of memory");
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
	/* an empty array [] holds nothing either */
	if (!config_setting_is_list(l) && !(config_setting_is_array(l) && !config_setting_length(l)))
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

static int kc_build(const config_setting_t *root, const char *name, unsigned flags, struct keyconf *kc, char *err,
		    size_t errlen)
{
	struct kc_ctx c = { { name, err, errlen }, kc, flags, NULL, 0 };
	static const char *const top[] = { "node", "pad", "spd", "sa", "ike", NULL };
	memset(kc, 0, sizeof(*kc));
	const config_setting_t *sas = config_setting_get_member(root, "sa");
	const config_setting_t *spds = config_setting_get_member(root, "spd");
	const config_setting_t *node = NULL;
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
	if (!rc) rc = kc_known(&c, root, "an ipsec group", top);
	if (!rc) rc = kc_group(&c, root, "node", &node);
	if (!rc) rc = kc_node(&c, node);
	if (!rc) rc = kc_list(&c, root, "pad", kc_pad_cb);
	if (!rc) rc = kc_list(&c, root, "spd", kc_spd_entry);
	if (!rc) rc = kc_list(&c, root, "sa", kc_sa_cb);
	free(c.by_name);
	if (rc)
		keyconf_free(kc);
	return rc;
}

int keyconf_load_file(const char *path, struct keyconf *kc, char *err, size_t errlen)
{
	struct conf_file cf;
	memset(kc, 0, sizeof(*kc));
	int rc = conf_file_read(&cf, path, NULL, err, errlen);
	if (rc)
		return M6_E_CONFIG;
	rc = kc_build(config_root_setting(&cf.cf), path, 0, kc, err, errlen);
	conf_file_free(&cf);
	return rc;
}

int keyconf_load_string(const char *text, struct keyconf *kc, char *err, size_t errlen)
{
	struct conf_file cf;
	memset(kc, 0, sizeof(*kc));
	int rc = conf_file_parse(&cf, text, "config", NULL, err, errlen);
	if (rc)
		return M6_E_CONFIG;
	rc = kc_build(config_root_setting(&cf.cf), "config", 0, kc, err, errlen);
	conf_file_free(&cf);
	return rc;
}

int keyconf_load_setting(const config_setting_t *setting, const char *name, unsigned flags, struct keyconf *kc,
			 char *err, size_t errlen)
{
	return kc_build(setting, name, flags, kc, err, errlen);
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
	if (kc->keys) {
		m6_wipe(kc->keys, kc->keys_cap * sizeof(*kc->keys));
		free(kc->keys);
	}
	sad_free(kc->sad);
	spd_free(kc->spd);
	pad_free(kc->pad);
	m6_wipe(kc, sizeof(*kc));
}
