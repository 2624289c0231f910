#include "ikeconf.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ike/ike_const.h"
#include "ike/ike_sig.h"
#include "util/m6_err.h"

struct word {
	const char *w;
	uint16_t id, bits;
};

static const struct word encrs[] = {
	{ "aes128", IKE_ENCR_AES_CBC, 128 },      { "aes192", IKE_ENCR_AES_CBC, 192 },
	{ "aes256", IKE_ENCR_AES_CBC, 256 },      { "aes128gcm16", IKE_ENCR_AES_GCM_16, 128 },
	{ "aes192gcm16", IKE_ENCR_AES_GCM_16, 192 }, { "aes256gcm16", IKE_ENCR_AES_GCM_16, 256 },
	{ "chacha20poly1305", IKE_ENCR_CHACHA20_POLY1305, 0 }, { "null", IKE_ENCR_NULL, 0 },
	{ NULL, 0, 0 },
};
static const struct word integs[] = {
	{ "sha1", IKE_INTEG_HMAC_SHA1_96, 0 },      { "sha256", IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha384", IKE_INTEG_HMAC_SHA2_384_192, 0 }, { "sha512", IKE_INTEG_HMAC_SHA2_512_256, 0 },
	{ NULL, 0, 0 },
};
static const struct word prfs[] = {
	{ "prfsha256", IKE_PRF_HMAC_SHA2_256, 0 }, { "prfsha384", IKE_PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512", IKE_PRF_HMAC_SHA2_512, 0 }, { NULL, 0, 0 },
};
static const struct word groups[] = {
	{ "x25519", IKE_DH_X25519, 0 },   { "curve25519", IKE_DH_X25519, 0 }, { "x448", IKE_DH_X448, 0 },
	{ "ecp256", IKE_DH_ECP256, 0 },   { "ecp384", IKE_DH_ECP384, 0 },      { "modp2048", IKE_DH_MODP2048, 0 },
	{ "modp3072", IKE_DH_MODP3072, 0 }, { NULL, 0, 0 },
};

static const struct word *lookup(const struct word *t, const char *w, size_t n)
{
	for (; t->w; t++)
		if (strlen(t->w) == n && !memcmp(t->w, w, n))
			return t;
	return NULL;
}

/* Split on '-' and sort each word into its transform type, as strongSwan
 * reads "aes256-sha256-modp3072" (the PRF follows the integrity algorithm
 * unless a prf word is given). */
static int parse(const char *s, bool ike, struct ike_suite *o)
{
	bool e = false, i = false, p = false, d = false;
	memset(o, 0, sizeof(*o));
	while (*s) {
		const char *end = strchr(s, '-');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		const struct word *w;
		if ((w = lookup(encrs, s, n)) && !e)
			e = true, o->encr = w->id, o->encr_bits = w->bits;
		else if ((w = lookup(integs, s, n)) && !i)
			i = true, o->integ = w->id;
		else if (ike && (w = lookup(prfs, s, n)) && !p)
			p = true, o->prf = w->id;
		else if (ike && (w = lookup(groups, s, n)) && !d)
			d = true, o->dh = w->id;
		else
			return M6_E_ALG;
		s += n;
		if (*s == '-' && !*++s)
			return M6_E_ALG;
	}
	if (!e)
		return M6_E_ALG;
	bool aead = o->encr == IKE_ENCR_AES_GCM_16 || o->encr == IKE_ENCR_CHACHA20_POLY1305;
	if (aead ? i : !i)
		return M6_E_ALG;
	if (ike && !p) {
		if (!i)
			return M6_E_ALG;
		o->prf = o->integ == IKE_INTEG_HMAC_SHA2_256_128   ? IKE_PRF_HMAC_SHA2_256
			 : o->integ == IKE_INTEG_HMAC_SHA2_384_192 ? IKE_PRF_HMAC_SHA2_384
			 : o->integ == IKE_INTEG_HMAC_SHA2_512_256 ? IKE_PRF_HMAC_SHA2_512 : 0;
		if (!o->prf)
			return M6_E_ALG;
	}
	if (ike && (!d || o->encr == IKE_ENCR_NULL))
		return M6_E_ALG;
	return 0;
}

int ikeconf_parse_ike(const char *s, struct ike_suite *out)
{
	int rc = parse(s, true, out);
	return rc ? rc : ike_suite_check(out);
}

int ikeconf_parse_esp(const char *s, struct ike_child_alg *out)
{
	struct ike_suite t;
	enum m6_enc e;
	enum m6_auth a;
	/* strongSwan's notation: a trailing -esn asks for 64-bit sequence
	 * numbers (RFC 4303 2.2.1) */
	char buf[64];
	size_t n = strlen(s);
	out->esn = n > 4 && !strcmp(s + n - 4, "-esn");
	if (out->esn) {
		if (n - 4 >= sizeof(buf))
			return M6_E_INVAL;
		memcpy(buf, s, n - 4);
		buf[n - 4] = 0;
		s = buf;
	}
	int rc = parse(s, false, &t);
	if (rc)
		return rc;
	out->encr = t.encr;
	out->encr_bits = t.encr_bits;
	out->integ = t.integ;
	return ike_km_esp_xform(out, &e, &a);
}

static int id_type(struct conf_ctx *c, const config_setting_t *g, const char *key, uint8_t *out)
{
	static const char *const names[] = { "rfc822", "fqdn", "ipv6", "key-id", NULL };
	static const uint8_t ids[] = { IKE_ID_RFC822_ADDR, IKE_ID_FQDN, IKE_ID_IPV6_ADDR, IKE_ID_KEY_ID };
	const char *v = NULL;
	int rc = conf_str(c, g, key, false, &v);
	if (rc)
		return rc;
	*out = IKE_ID_RFC822_ADDR;
	if (!v)
		return 0;
	for (unsigned i = 0; names[i]; i++)
		if (!strcmp(v, names[i])) {
			*out = ids[i];
			return 0;
		}
	return conf_fail(c, config_setting_get_member(g, key), "'%s' = \"%s\": expected rfc822, fqdn, ipv6 or key-id",
			 key, v);
}

static int hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
	     : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* The ID payload body of an identity in its text form. */
static int id_value(struct conf_ctx *c, const config_setting_t *g, const char *key, uint8_t type, uint8_t *out,
		    size_t *len)
{
	const char *v = NULL;
	const config_setting_t *m = config_setting_get_member(g, key);
	int rc = conf_str(c, g, key, false, &v);
	if (rc || !v)
		return rc;
	if (type == IKE_ID_IPV6_ADDR) {
		*len = 16;
		return conf_addr(c, g, key, true, out, NULL);
	}
	size_t n = strlen(v);
	if (type == IKE_ID_KEY_ID) {
		if (n % 2 || n / 2 > IKE_SA_ID_MAX || !n)
			return conf_fail(c, m, "'%s' must be hex octets (1 to %d)", key, IKE_SA_ID_MAX);
		for (size_t i = 0; i < n / 2; i++) {
			int h = hexval(v[2 * i]), l = hexval(v[2 * i + 1]);
			if (h < 0 || l < 0)
				return conf_fail(c, m, "'%s' must be hex octets (1 to %d)", key, IKE_SA_ID_MAX);
			out[i] = (uint8_t)(h << 4 | l);
		}
		*len = n / 2;
		return 0;
	}
	if (!n || n > IKE_SA_ID_MAX)
		return conf_fail(c, m, "'%s' must be 1 to %d characters", key, IKE_SA_ID_MAX);
	memcpy(out, v, n);
	*len = n;
	return 0;
}

static int psk(struct conf_ctx *c, const config_setting_t *g, struct ike_km_cfg *o)
{
	const char *v = NULL;
	const config_setting_t *m = config_setting_get_member(g, "psk");
	int rc = conf_str(c, g, "psk", false, &v);
	if (rc || !v)
		return rc;
	size_t n = strlen(v);
	if (n > 2 && v[0] == '0' && v[1] == 'x') {
		/* binary keys: at least 128 bits (RFC 7296 2.15 asks for strength) */
		n -= 2;
		if (n % 2 || n / 2 < 16 || n / 2 > IKE_KM_PSK_MAX)
			return conf_fail(c, m, "'psk' in hex must be 16 to %d octets", IKE_KM_PSK_MAX);
		for (size_t i = 0; i < n / 2; i++) {
			int h = hexval(v[2 + 2 * i]), l = hexval(v[3 + 2 * i]);
			if (h < 0 || l < 0) {
				OPENSSL_cleanse(o->psk, sizeof(o->psk));
				return conf_fail(c, m, "'psk' = \"0x...\" holds a character that is not hex");
			}
			o->psk[i] = (uint8_t)(h << 4 | l);
		}
		o->psk_len = n / 2;
		return 0;
	}
	/* IKE-12: a text key is a password; below 64 octets it is guessable */
	if (n < 64 || n > IKE_KM_PSK_MAX)
		return conf_fail(c, m, "'psk' as text must be 64 to %d characters (or \"0x\" and hex)", IKE_KM_PSK_MAX);
	memcpy(o->psk, v, n);
	o->psk_len = n;
	return 0;
}

#define PEM_FILE_MAX (256 * 1024)

/* The file a path setting names, relative to the configuration file's
 * directory; *buf allocated (free), NUL-terminated. */
static int read_pem(struct conf_ctx *c, const config_setting_t *g, const char *key, char **buf, size_t *len)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	const char *v = NULL;
	int rc = conf_str(c, g, key, true, &v);
	if (rc)
		return rc;
	char path[4096];
	const char *slash = c->file ? strrchr(c->file, '/') : NULL;
	if (v[0] == '/' || !slash)
		snprintf(path, sizeof(path), "%s", v);
	else
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - c->file), c->file, v);
	FILE *f = fopen(path, "rb");
	if (!f)
		return conf_fail(c, m, "'%s' = \"%s\": cannot read %s: %s", key, v, path, strerror(errno));
	/* a device or a pipe could block or never end */
	struct stat st;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return conf_fail(c, m, "'%s' = \"%s\": %s is not a regular file", key, v, path);
	}
	*buf = malloc(PEM_FILE_MAX + 1);
	*len = *buf ? fread(*buf, 1, PEM_FILE_MAX + 1, f) : 0;
	bool err = ferror(f);
	fclose(f);
	if (!*buf)
		return conf_fail(c, m, "out of memory");
	if (err || *len > PEM_FILE_MAX) {
		free(*buf);
		*buf = NULL;
		return conf_fail(c, m, "'%s' = \"%s\": %s", key, v, err ? "read error" : "larger than 256 KiB");
	}
	(*buf)[*len] = 0;
	return 0;
}

static void free_pem(char *p, size_t n)
{
	if (p) {
		OPENSSL_cleanse(p, n);
		free(p);
	}
}

/* auth = "pubkey": our certificate and key, optional intermediates, the CA. */
static int certs(struct conf_ctx *c, const config_setting_t *g, struct ike_km_cfg *o)
{
	char *cert = NULL, *key = NULL, *inter = NULL, *ca = NULL;
	size_t cl = 0, kl = 0, il = 0, al = 0;
	const char *cn = NULL;
	conf_str(c, g, "cert", false, &cn);
	int rc = read_pem(c, g, "cert", &cert, &cl);
	if (!rc) rc = read_pem(c, g, "key", &key, &kl);
	if (!rc && config_setting_get_member(g, "intermediates"))
		rc = read_pem(c, g, "intermediates", &inter, &il);
	if (!rc) rc = read_pem(c, g, "ca", &ca, &al);
	if (!rc && !(o->cred = ike_cred_new()))
		rc = conf_fail(c, g, "out of memory");
	if (!rc) {
		int e = ike_cred_set_own(o->cred, cert, cl, key, kl);
		const config_setting_t *km = config_setting_get_member(g, "key");
		if (e == M6_E_IKE_KEY_MISMATCH)
			rc = conf_fail(c, km, "'key' is not the private key of 'cert' (\"%s\")", cn);
		else if (e == M6_E_IKE_KEY_TYPE)
			rc = conf_fail(c, km, "'key': unsupported key type (RSA of 2048 bits or more, ECDSA P-256 or P-384, Ed25519)");
		else if (e)
			rc = conf_fail(c, config_setting_get_member(g, "cert"),
				       "'cert' and 'key' must be a PEM certificate and an unencrypted PEM private key");
	}
	if (!rc && inter && ike_cred_add_intermediates(o->cred, inter, il))
		rc = conf_fail(c, config_setting_get_member(g, "intermediates"),
			       "'intermediates': 1 to %d PEM certificates", IKE_CERT_CHAIN_MAX - 1);
	if (!rc && ike_cred_set_ca(o->cred, ca, al))
		rc = conf_fail(c, config_setting_get_member(g, "ca"), "'ca': 1 to %d PEM certificates",
			       IKE_CERT_CHAIN_MAX);
	free_pem(cert, cl);
	free_pem(key, kl);
	free_pem(inter, il);
	free_pem(ca, al);
	if (rc) {
		ike_cred_free(o->cred);
		o->cred = NULL;
	}
	return rc;
}

static int ca_only(struct conf_ctx *c, const config_setting_t *g, struct ike_km_cfg *o)
{
	char *ca = NULL;
	size_t al = 0;
	int rc = read_pem(c, g, "ca", &ca, &al);
	if (!rc && !(o->cred = ike_cred_new()))
		rc = conf_fail(c, g, "out of memory");
	if (!rc && ike_cred_set_ca(o->cred, ca, al))
		rc = conf_fail(c, config_setting_get_member(g, "ca"), "'ca': 1 to %d PEM certificates",
			       IKE_CERT_CHAIN_MAX);
	free_pem(ca, al);
	if (rc) {
		ike_cred_free(o->cred);
		o->cred = NULL;
	}
	return rc;
}

int ikeconf_load(struct conf_ctx *c, const config_setting_t *g, bool initiator, struct ike_km_cfg *o)
{
	static const char *const keys[] = { "id", "id_type", "peer_id", "peer_id_type", "psk", "proposals", "esp",
					    "lifetime", "rekey", "max_sa", "ike_rekey", "dpd", "cookies", "pfs",
					    "retransmit_tries", "retransmit_timeout", "mobike", "mobike_rr", "follow", "cp", "tunnel",
					    "natt", "encap", "keepalive",
					    "fragmentation", "fragment_size",
					    "auth", "cert", "key", "ca", "intermediates", "cert_time", NULL };
	memset(o, 0, sizeof(*o));
	o->initiator = initiator;
	if (!config_setting_is_group(g))
		return conf_fail(c, g, "'ike' must be a group: ike = { id = \"...\"; psk = \"...\"; proposals = [...]; };");
	int rc = conf_known(c, g, "the ike group", keys);
	if (!rc) rc = id_type(c, g, "id_type", &o->id_type);
	if (!rc) rc = id_value(c, g, "id", o->id_type, o->id, &o->id_len);
	if (!rc && !o->id_len)
		rc = conf_fail(c, g, "the ike group needs an 'id'");
	if (!rc && config_setting_get_member(g, "peer_id")) {
		rc = id_type(c, g, "peer_id_type", &o->peer_id_type);
		if (!rc) rc = id_value(c, g, "peer_id", o->peer_id_type, o->peer_id, &o->peer_id_len);
	}
	const char *auth = NULL;
	if (!rc) rc = conf_str(c, g, "auth", false, &auth);
	bool pubkey = auth && !strcmp(auth, "pubkey");
	if (!rc && auth && !pubkey && strcmp(auth, "psk"))
		rc = conf_fail(c, config_setting_get_member(g, "auth"), "'auth' must be \"psk\" or \"pubkey\"");
	if (!rc && !pubkey)
		for (const char *const *k = (const char *const[]){ "cert", "key", "intermediates", NULL }; *k; k++)
			if (config_setting_get_member(g, *k)) {
				rc = conf_fail(c, config_setting_get_member(g, *k), "'%s' needs auth = \"pubkey\"", *k);
				break;
			}
	if (!rc) rc = psk(c, g, o);
	if (!rc && pubkey) rc = certs(c, g, o);
	/* a PSK of ours, and a peer that must show a certificate of ca */
	if (!rc && !pubkey && config_setting_get_member(g, "ca")) rc = ca_only(c, g, o);
	if (!rc && initiator && !o->psk_len && !ike_cred_has_own(o->cred))
		rc = conf_fail(c, g, "a mobile node's ike group needs a 'psk' (or auth = \"pubkey\" and a 'cert')");
	/* the wall time at the start of a simulation; a daemon uses the clock */
	uint64_t ct = 0;
	if (!rc) rc = conf_uint(c, g, "cert_time", 0, (uint64_t)INT64_MAX, &ct, NULL);
	o->cert_time = (int64_t)ct;
	const config_setting_t *p = config_setting_get_member(g, "proposals");
	if (!rc && p && config_setting_type(p) == CONFIG_TYPE_STRING) {
		o->n_ike = 1;
		if (ikeconf_parse_ike(config_setting_get_string(p), &o->ike[0]))
			rc = conf_fail(c, p, "'proposals' = \"%s\": not a supported IKE suite (e.g. aes128gcm16-prfsha256-x25519)",
				       config_setting_get_string(p));
	} else if (!rc && p && (config_setting_is_array(p) || config_setting_is_list(p))) {
		int n = config_setting_length(p);
		if (n < 1 || n > IKE_SA_SUITE_MAX)
			rc = conf_fail(c, p, "'proposals' holds 1 to %d suites", IKE_SA_SUITE_MAX);
		for (int i = 0; !rc && i < n; i++) {
			const char *s = config_setting_get_string_elem(p, (unsigned)i);
			if (!s || ikeconf_parse_ike(s, &o->ike[o->n_ike++]))
				rc = conf_fail(c, p, "proposal %d (\"%s\"): not a supported IKE suite (e.g. aes128gcm16-prfsha256-x25519)",
					       i + 1, s ? s : "");
		}
	} else if (!rc && p) {
		rc = conf_fail(c, p, "'proposals' must be a string or a list of strings");
	} else if (!rc) {
		o->n_ike = 1;
		ikeconf_parse_ike("aes128gcm16-prfsha256-x25519", &o->ike[0]);
	}
	const char *esp = NULL;
	if (!rc) rc = conf_str(c, g, "esp", false, &esp);
	if (!rc && ikeconf_parse_esp(esp ? esp : "aes128gcm16", &o->esp))
		rc = conf_fail(c, config_setting_get_member(g, "esp"),
			       "'esp' = \"%s\": not a supported ESP transform (e.g. aes128gcm16, aes128-sha256, aes128gcm16-esn)", esp);
	uint64_t life = 0, rekey = 0, maxsa = 0, ike_rekey = 0, dpd = 0, cookies = 0;
	if (!rc) rc = conf_time(c, g, "lifetime", false, &life);
	if (!rc) rc = conf_time(c, g, "rekey", false, &rekey);
	if (!rc && life && rekey >= life)
		rc = conf_fail(c, config_setting_get_member(g, "rekey"), "'rekey' must come before 'lifetime'");
	if (!rc) rc = conf_uint(c, g, "max_sa", 1, 1024, &maxsa, NULL);
	/* the IKE SA's own rekey (CREATE_CHILD_SA, 2.18) and the idle time
	 * before a liveness check (2.4), whole seconds */
	if (!rc) rc = conf_time(c, g, "ike_rekey", false, &ike_rekey);
	if (!rc) rc = conf_time(c, g, "dpd", false, &dpd);
	o->ike_rekey_s = ike_rekey / 1000000000ull;
	o->dpd_s = dpd / 1000000000ull;
	/* responder: half-open SAs from which IKE_SA_INIT needs a COOKIE */
	if (!rc) rc = conf_uint(c, g, "cookies", 1, 1024, &cookies, NULL);
	/* after esp: the transform and its PFS flag travel together */
	if (!rc) rc = conf_bool(c, g, "pfs", &o->esp.pfs);
	uint64_t tries = 0, rto = 0;
	if (!rc) rc = conf_uint(c, g, "retransmit_tries", 1, 16, &tries, NULL);
	if (!rc) rc = conf_time(c, g, "retransmit_timeout", false, &rto);
	if (!rc && rto && (rto < 10000000ull || rto > 60000000000ull))
		rc = conf_fail(c, config_setting_get_member(g, "retransmit_timeout"),
			       "'retransmit_timeout' must be between 10ms and 60s");
	/* RFC 4555, on unless switched off (as strongSwan's mobike = yes) */
	o->mobike = true;
	if (!rc) rc = conf_bool(c, g, "mobike", &o->mobike);
	if (!rc) rc = conf_bool(c, g, "mobike_rr", &o->mobike_rr);
	/* RFC 7383, on unless switched off (as strongSwan's fragmentation =
	 * yes); fragments of at most fragment_size octets of IPv6 datagram */
	o->fragmentation = true;
	uint64_t fsize = 0;
	if (!rc) rc = conf_bool(c, g, "fragmentation", &o->fragmentation);
	if (!rc) rc = conf_uint(c, g, "fragment_size", 576, 65535, &fsize, NULL);
	o->frag_mtu = (uint16_t)fsize;
	const char *follow = NULL;
	if (!rc) rc = conf_str(c, g, "follow", false, &follow);
	if (!rc && follow && strcmp(follow, "k") && strcmp(follow, "mobike"))
		rc = conf_fail(c, config_setting_get_member(g, "follow"),
			       "'follow' = \"%s\": \"k\" (the IKE SA follows a move when K is agreed) or \"mobike\" "
			       "(whenever MOBIKE was negotiated)", follow);
	o->follow_mobike = follow && !strcmp(follow, "mobike");
	/* NAT traversal (RFC 7296 2.23), on unless switched off; encap
	 * forces ESP in UDP (strongSwan's encap = yes); NAT-keepalives
	 * every 20 s by default (RFC 3948 4), 0 for none */
	o->natt = true;
	uint64_t ka = 20000000000ull;
	if (!rc) rc = conf_bool(c, g, "natt", &o->natt);
	if (!rc) rc = conf_bool(c, g, "encap", &o->encap);
	if (!rc) rc = conf_time(c, g, "keepalive", false, &ka);
	if (!rc && o->encap && !o->natt)
		rc = conf_fail(c, config_setting_get_member(g, "encap"),
			       "'encap' forces UDP encapsulation, which is NAT traversal: not with natt = false");
	o->keepalive_s = ka / 1000000000ull;
	if (!rc) rc = conf_bool(c, g, "cp", &o->cp);
	if (!rc) rc = conf_bool(c, g, "tunnel", &o->tunnel);
	/* HA-09, 3776-10: the tunnel SA carries the Home Test Init and Home
	 * Test, which need confidentiality; every Child SA takes 'esp' */
	if (!rc && o->tunnel && o->esp.encr == IKE_ENCR_NULL)
		rc = conf_fail(c, config_setting_get_member(g, "tunnel"),
			       "'tunnel' = true: the tunnel-mode SA carries the Home Test Init and Home Test, which need "
			       "encryption, and every Child SA takes 'esp' = \"%s\" (NULL encryption)", esp);
	if (!rc && o->cp && !initiator)
		rc = conf_fail(c, config_setting_get_member(g, "cp"),
			       "'cp' is the mobile node's (it asks for a home address); a home agent answers from its PAD");
	o->tries = (unsigned)tries;
	o->rto_ns = rto;
	o->cookie_threshold = (unsigned)cookies;
	o->hard_s = life / 1000000000ull;
	o->soft_s = rekey / 1000000000ull;
	o->max_sa = (unsigned)maxsa;
	if (rc) {
		ike_cred_free(o->cred);
		OPENSSL_cleanse(o, sizeof(*o));
	}
	return rc;
}
