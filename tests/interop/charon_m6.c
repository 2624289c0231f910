/*
 * charon_m6 — a charon plugin for the interop tests (strongSwan 5.9.x),
 * preloaded into a private charon (LD_PRELOAD) and named in its plugin
 * list as "m6-interop" (charon finds m6_interop_plugin_create among the
 * symbols already loaded, so no plugin directory is touched).
 *
 * Why: this kernel has no IPv6 ESP (no xfrm ESP type: `ip xfrm state add
 * ... proto esp` fails with "Requested type not found"), so kernel-netlink
 * allocates SPIs but every add_sa fails and charon refuses the Child SA
 * with NO_PROPOSAL_CHOSEN; kernel-libipsec does tunnel mode only ("IPsec
 * SA: unsupported mode"). RFC 4877's BU/BA SA is transport mode. The
 * tests exercise IKE, not charon's data path, so this plugin is charon's
 * IPsec kernel interface: it hands out SPIs, accepts every SA and policy,
 * and writes each SA's keys as charon gives them to the kernel to
 * $M6_CHARON_KEYS/esp_sa (Wireshark's esp_sa table). Debian 12's charon
 * is built without the save-keys plugin, so the plugin also listens on
 * charon's bus for the derived IKE SA keys (the hook save-keys uses) and
 * writes $M6_CHARON_KEYS/ikev2_decryption_table in save-keys' format.
 *
 * With $M6_CHARON_NO_KERNEL set it provides no kernel interface and only
 * logs the IKE keys: charon's own kernel-libipsec then carries the ESP.
 *
 * Contract: the structures below are strongSwan 5.9.8's (kernel_ipsec.h,
 * listener.h, plugin.h, plugin_feature.h, ike_sa.h, ike_sa_id.h,
 * proposal.h, daemon.h, bus.h), declared here as far as they are used;
 * the harness refuses another charon version. Keys are written only to
 * the directory named by the environment; nothing else leaves charon.
 */
#define _DEFAULT_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- strongSwan 5.9.8 ABI (only what is used) ---- */

typedef struct {
	uint8_t *ptr;
	size_t len;
} ss_chunk;

enum { SS_SUCCESS = 0, SS_FAILED = 1, SS_NOT_SUPPORTED = 4 };
enum { SS_ENCRYPTION_ALGORITHM = 1, SS_INTEGRITY_ALGORITHM = 3 };
/* encryption_algorithm_t / integrity_algorithm_t (IKEv2 numbers) */
enum { SS_ENCR_AES_CBC = 12, SS_ENCR_AES_GCM_ICV16 = 20, SS_ENCR_CHACHA20_POLY1305 = 28 };
enum { SS_AUTH_HMAC_SHA2_256_128 = 12, SS_AUTH_HMAC_SHA2_384_192 = 13, SS_AUTH_HMAC_SHA2_512_256 = 14,
       SS_AUTH_UNDEFINED = 1024 };

typedef struct ss_plugin ss_plugin;
typedef struct ss_feature ss_feature;
typedef bool (*ss_feature_cb)(ss_plugin *plugin, ss_feature *feature, bool reg, void *data);

struct ss_plugin {
	char *(*get_name)(ss_plugin *this);
	int (*get_features)(ss_plugin *this, ss_feature *features[]);
	bool (*reload)(ss_plugin *this);
	void (*destroy)(ss_plugin *this);
};

/* plugin_feature_t: kind, type, then a union whose callback member is
 * { plugin_feature_callback_t f; void *data; } */
enum { SS_FEATURE_PROVIDE = 0, SS_FEATURE_CALLBACK = 4 };
enum { SS_FEATURE_NONE = 0, SS_FEATURE_CUSTOM = 30 };
struct ss_feature {
	int kind;
	int type;
	union {
		char *custom;
		struct {
			ss_feature_cb f;
			void *data;
		} cb;
		struct {
			void *a, *b;
		} size_;
	} arg;
};

typedef struct {
	void *src, *dst;                /* host_t * */
	uint32_t spi;
	uint8_t proto;
} ss_sa_id;

typedef struct {
	uint32_t reqid;
	int mode;
	void *src_ts, *dst_ts;
	char *interface;
	void *lifetime;
	uint16_t enc_alg;
	ss_chunk enc_key;
	uint16_t int_alg;
	ss_chunk int_key;
} ss_add_sa;

typedef struct ss_kernel ss_kernel;
struct ss_kernel {
	int (*get_features)(ss_kernel *this);
	int (*get_spi)(ss_kernel *this, void *src, void *dst, uint8_t protocol, uint32_t *spi);
	int (*get_cpi)(ss_kernel *this, void *src, void *dst, uint16_t *cpi);
	int (*add_sa)(ss_kernel *this, ss_sa_id *id, ss_add_sa *data);
	int (*update_sa)(ss_kernel *this, ss_sa_id *id, void *data);
	int (*query_sa)(ss_kernel *this, ss_sa_id *id, void *data, uint64_t *bytes, uint64_t *packets, void *time);
	int (*del_sa)(ss_kernel *this, ss_sa_id *id, void *data);
	int (*flush_sas)(ss_kernel *this);
	int (*add_policy)(ss_kernel *this, void *id, void *data);
	int (*query_policy)(ss_kernel *this, void *id, void *data, void *use_time);
	int (*del_policy)(ss_kernel *this, void *id, void *data);
	int (*flush_policies)(ss_kernel *this);
	bool (*bypass_socket)(ss_kernel *this, int fd, int family);
	bool (*enable_udp_decap)(ss_kernel *this, int fd, int family, uint16_t port);
	void (*destroy)(ss_kernel *this);
};

typedef struct ss_ike_sa_id ss_ike_sa_id;
struct ss_ike_sa_id {
	uint8_t (*get_ike_version)(ss_ike_sa_id *this);
	void (*set_responder_spi)(ss_ike_sa_id *this, uint64_t spi);
	void (*set_initiator_spi)(ss_ike_sa_id *this, uint64_t spi);
	uint64_t (*get_initiator_spi)(ss_ike_sa_id *this);
	uint64_t (*get_responder_spi)(ss_ike_sa_id *this);
};

typedef struct ss_proposal ss_proposal;
struct ss_proposal {
	void (*add_algorithm)(void);
	void *(*create_enumerator)(void);
	bool (*get_algorithm)(ss_proposal *this, int type, uint16_t *alg, uint16_t *key_size);
};

/* ike_sa_t: get_id is its first method, get_proposal its 28th */
#define SS_IKE_SA_GET_ID 0
#define SS_IKE_SA_GET_PROPOSAL 27
typedef void (*ss_fn)(void);

typedef struct ss_listener ss_listener;
struct ss_listener {
	void *alert, *ike_state_change, *child_state_change, *message, *ike_keys;
	bool (*ike_derived_keys)(ss_listener *this, void *ike_sa, ss_chunk sk_d, ss_chunk sk_ai, ss_chunk sk_ar,
				 ss_chunk sk_ei, ss_chunk sk_er, ss_chunk sk_pi, ss_chunk sk_pr);
	void *child_keys, *child_derived_keys, *ike_updown;
	bool (*ike_rekey)(ss_listener *this, void *old_sa, void *new_sa);
	void *rest[10];                 /* ike_update ... handle_vips: 20 methods in all */
};

typedef struct ss_bus ss_bus;
struct ss_bus {
	void (*add_listener)(ss_bus *this, ss_listener *listener);
	void (*remove_listener)(ss_bus *this, ss_listener *listener);
};

/* daemon_t: eleven managers, then the bus */
struct ss_daemon {
	void *managers[11];
	ss_bus *bus;
};

/* libcharon's `charon` and kernel_ipsec_register(), looked up when charon
 * creates the plugin (the library is preloaded into programs without
 * libcharon too: the shell and ip that start charon) */
static struct ss_daemon **charon_p;
static ss_feature_cb kernel_ipsec_register;

/* ---- the plugin ---- */

static uint32_t next_spi;

static FILE *keys_file(const char *name)
{
	const char *dir = getenv("M6_CHARON_KEYS");
	char path[4096];
	if (!dir || snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return NULL;
	return fopen(path, "a");
}

static void put_hex(FILE *f, const ss_chunk *c, bool prefix)
{
	if (prefix)
		fputs("0x", f);
	for (size_t i = 0; i < c->len; i++)
		fprintf(f, "%02x", c->ptr[i]);
}

static int k_features(ss_kernel *this)
{
	(void)this;
	return 0;
}

static int k_get_spi(ss_kernel *this, void *src, void *dst, uint8_t protocol, uint32_t *spi)
{
	(void)this, (void)src, (void)dst, (void)protocol;
	/* charon's own range (KERNEL_SPI_MIN..MAX), network order */
	*spi = htobe32(0xc0000000u | (++next_spi & 0x0fffffffu));
	return SS_SUCCESS;
}

static int k_get_cpi(ss_kernel *this, void *src, void *dst, uint16_t *cpi)
{
	(void)this, (void)src, (void)dst, (void)cpi;
	return SS_NOT_SUPPORTED;
}

static const char *esp_encr(uint16_t alg)
{
	switch (alg) {
	case SS_ENCR_AES_CBC: return "AES-CBC [RFC3602]";
	case SS_ENCR_AES_GCM_ICV16: return "AES-GCM with 16 octet ICV [RFC4106]";
	default: return NULL;
	}
}

static const char *esp_integ(uint16_t alg)
{
	switch (alg) {
	case SS_AUTH_HMAC_SHA2_256_128: return "HMAC-SHA-256-128 [RFC4868]";
	case SS_AUTH_HMAC_SHA2_384_192: return "HMAC-SHA-384-192 [RFC4868]";
	case SS_AUTH_HMAC_SHA2_512_256: return "HMAC-SHA-512-256 [RFC4868]";
	case SS_AUTH_UNDEFINED: case 0: return "NULL";
	default: return NULL;
	}
}

static int k_add_sa(ss_kernel *this, ss_sa_id *id, ss_add_sa *data)
{
	(void)this;
	FILE *f = keys_file("esp_sa");
	const char *e = esp_encr(data->enc_alg), *a = esp_integ(data->int_alg);
	if (f && e && a) {
		fprintf(f, "\"IPv6\",\"*\",\"*\",\"0x%08x\",\"%s\",\"", be32toh(id->spi), e);
		put_hex(f, &data->enc_key, true);
		fprintf(f, "\",\"%s\",\"", a);
		if (data->int_key.len)
			put_hex(f, &data->int_key, true);
		fputs("\"\n", f);
	} else if (f && data->enc_alg == SS_ENCR_CHACHA20_POLY1305) {
		/* Wireshark 4.0's esp_sa has no ChaCha20-Poly1305 (RFC 7634):
		 * a comment line, read by the harness itself */
		fprintf(f, "# ChaCha20-Poly1305 [RFC7634] SPI 0x%08x key ", be32toh(id->spi));
		put_hex(f, &data->enc_key, true);
		fputc('\n', f);
	} else if (f) {
		fprintf(f, "# SPI 0x%08x: ESP transform %u/%u has no Wireshark name here\n", be32toh(id->spi),
			data->enc_alg, data->int_alg);
	}
	if (f)
		fclose(f);
	return SS_SUCCESS;
}

static int k_ok_sa(ss_kernel *this, ss_sa_id *id, void *data)
{
	(void)this, (void)id, (void)data;
	return SS_SUCCESS;
}

static int k_query_sa(ss_kernel *this, ss_sa_id *id, void *data, uint64_t *bytes, uint64_t *packets, void *time)
{
	(void)this, (void)id, (void)data, (void)bytes, (void)packets, (void)time;
	return SS_NOT_SUPPORTED;
}

static int k_ok(ss_kernel *this)
{
	(void)this;
	return SS_SUCCESS;
}

static int k_ok_policy(ss_kernel *this, void *id, void *data)
{
	(void)this, (void)id, (void)data;
	return SS_SUCCESS;
}

static int k_query_policy(ss_kernel *this, void *id, void *data, void *use_time)
{
	(void)this, (void)id, (void)data, (void)use_time;
	return SS_NOT_SUPPORTED;
}

static bool k_bypass(ss_kernel *this, int fd, int family)
{
	(void)this, (void)fd, (void)family;
	return true;
}

static bool k_udp_decap(ss_kernel *this, int fd, int family, uint16_t port)
{
	(void)this, (void)fd, (void)family, (void)port;
	return true;
}

static void k_destroy(ss_kernel *this)
{
	(void)this;
}

static ss_kernel kernel = {
	.get_features = k_features, .get_spi = k_get_spi, .get_cpi = k_get_cpi, .add_sa = k_add_sa,
	.update_sa = k_ok_sa, .query_sa = k_query_sa, .del_sa = k_ok_sa, .flush_sas = k_ok,
	.add_policy = k_ok_policy, .query_policy = k_query_policy, .del_policy = k_ok_policy,
	.flush_policies = k_ok, .bypass_socket = k_bypass, .enable_udp_decap = k_udp_decap,
	.destroy = k_destroy,
};

static ss_kernel *kernel_create(void)
{
	return &kernel;
}

/* Wireshark's IKEv2 names, as the save-keys plugin writes them. */
static const char *ike_encr(uint16_t alg, uint16_t bits)
{
	switch (alg) {
	case SS_ENCR_AES_CBC:
		return bits == 128 ? "AES-CBC-128 [RFC3602]" : bits == 192 ? "AES-CBC-192 [RFC3602]"
		     : bits == 256 ? "AES-CBC-256 [RFC3602]" : NULL;
	case SS_ENCR_AES_GCM_ICV16:
		return bits == 128 ? "AES-GCM-128 with 16 octet ICV [RFC5282]"
		     : bits == 192 ? "AES-GCM-192 with 16 octet ICV [RFC5282]"
		     : bits == 256 ? "AES-GCM-256 with 16 octet ICV [RFC5282]" : NULL;
	case SS_ENCR_CHACHA20_POLY1305:
		return "ChaCha20-Poly1305 [RFC7634]";
	default:
		return NULL;
	}
}

static const char *ike_integ(uint16_t alg)
{
	switch (alg) {
	case SS_AUTH_HMAC_SHA2_256_128: return "HMAC_SHA2_256_128 [RFC4868]";
	case SS_AUTH_HMAC_SHA2_384_192: return "HMAC_SHA2_384_192 [RFC4868]";
	case SS_AUTH_HMAC_SHA2_512_256: return "HMAC_SHA2_512_256 [RFC4868]";
	case 0: return "NONE [RFC4306]";
	default: return NULL;
	}
}

/* When charon rekeys an IKE SA as the initiator it derives the new SA's
 * keys while the bus still names the old SA (the thread's), so the hook
 * gets the old SPIs. Such a second derivation for SPIs already written is
 * kept back and written with the new SA's SPIs when the bus reports the
 * rekey (ike_rekey(old, new)); as the responder charon names the new SA. */
static pthread_mutex_t keys_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint64_t spi_i, spi_r;
} written[64];
static unsigned n_written;
static struct {
	void *old_sa;
	char *rest;                     /* the line after "SPIi,SPIr," */
} held[8];

static void write_line(uint64_t si, uint64_t sr, const char *rest)
{
	FILE *f = keys_file("ikev2_decryption_table");
	if (f) {
		fprintf(f, "%016llx,%016llx,%s", (unsigned long long)si, (unsigned long long)sr, rest);
		fclose(f);
	}
	if (n_written < sizeof(written) / sizeof(written[0])) {
		written[n_written].spi_i = si;
		written[n_written++].spi_r = sr;
	}
}

static ss_ike_sa_id *sa_id(void *ike_sa)
{
	ss_fn *vt = ike_sa;
	return ((ss_ike_sa_id * (*)(void *)) vt[SS_IKE_SA_GET_ID])(ike_sa);
}

static bool on_ike_keys(ss_listener *this, void *ike_sa, ss_chunk sk_d, ss_chunk sk_ai, ss_chunk sk_ar,
			ss_chunk sk_ei, ss_chunk sk_er, ss_chunk sk_pi, ss_chunk sk_pr)
{
	(void)this, (void)sk_d, (void)sk_pi, (void)sk_pr;
	ss_fn *vt = ike_sa;
	ss_ike_sa_id *id = sa_id(ike_sa);
	ss_proposal *p = ((ss_proposal * (*)(void *)) vt[SS_IKE_SA_GET_PROPOSAL])(ike_sa);
	uint16_t encr = 0, bits = 0, integ = 0;
	if (!id || !p || !p->get_algorithm(p, SS_ENCRYPTION_ALGORITHM, &encr, &bits))
		return true;
	if (!p->get_algorithm(p, SS_INTEGRITY_ALGORITHM, &integ, NULL))
		integ = 0;
	const char *e = ike_encr(encr, bits), *i = ike_integ(integ);
	char *rest = NULL;
	size_t rl = 0;
	FILE *f = open_memstream(&rest, &rl);
	if (!f)
		return true;
	put_hex(f, &sk_ei, false);
	fputc(',', f);
	put_hex(f, &sk_er, false);
	fprintf(f, ",\"%s\",", e ? e : "?");
	put_hex(f, &sk_ai, false);
	fputc(',', f);
	put_hex(f, &sk_ar, false);
	fprintf(f, ",\"%s\"\n", i ? i : "?");
	fclose(f);
	/* the SPIs are kept in network order */
	uint64_t si = be64toh(id->get_initiator_spi(id)), sr = be64toh(id->get_responder_spi(id));
	pthread_mutex_lock(&keys_lock);
	bool again = false;
	for (unsigned k = 0; k < n_written && !again; k++)
		again = written[k].spi_i == si && written[k].spi_r == sr;
	unsigned h = 0;
	while (again && h < sizeof(held) / sizeof(held[0]) && held[h].old_sa)
		h++;
	if (again && h < sizeof(held) / sizeof(held[0])) {
		held[h].old_sa = ike_sa;
		held[h].rest = rest;
		rest = NULL;
	} else {
		write_line(si, sr, rest);
	}
	pthread_mutex_unlock(&keys_lock);
	free(rest);
	return true;                    /* stay registered */
}

static bool on_ike_rekey(ss_listener *this, void *old_sa, void *new_sa)
{
	(void)this;
	pthread_mutex_lock(&keys_lock);
	for (unsigned h = 0; h < sizeof(held) / sizeof(held[0]); h++) {
		if (held[h].old_sa != old_sa)
			continue;
		ss_ike_sa_id *id = sa_id(new_sa);
		if (id)
			write_line(be64toh(id->get_initiator_spi(id)), be64toh(id->get_responder_spi(id)), held[h].rest);
		free(held[h].rest);
		held[h].old_sa = NULL;
		held[h].rest = NULL;
	}
	pthread_mutex_unlock(&keys_lock);
	return true;
}

static ss_listener listener = { .ike_derived_keys = on_ike_keys, .ike_rekey = on_ike_rekey };

static char *p_name(ss_plugin *this)
{
	(void)this;
	return "m6-interop";
}

static ss_feature features[2];

static int p_features(ss_plugin *this, ss_feature *out[])
{
	(void)this;
	/* with charon's own user-space ESP (kernel-libipsec) the plugin
	 * only logs the IKE keys */
	if (getenv("M6_CHARON_NO_KERNEL")) {
		/* a plugin without features is unloaded: provide a name */
		features[0].kind = SS_FEATURE_PROVIDE;
		features[0].type = SS_FEATURE_CUSTOM;
		features[0].arg.custom = "m6-interop-keys";
		*out = features;
		return 1;
	}
	features[0].kind = SS_FEATURE_CALLBACK;
	features[0].type = SS_FEATURE_NONE;
	features[0].arg.cb.f = kernel_ipsec_register;
	features[0].arg.cb.data = (void *)kernel_create;
	features[1].kind = SS_FEATURE_PROVIDE;
	features[1].type = SS_FEATURE_CUSTOM;
	features[1].arg.custom = "kernel-ipsec";
	*out = features;
	return 2;
}

static void p_destroy(ss_plugin *this)
{
	(void)this;
	(*charon_p)->bus->remove_listener((*charon_p)->bus, &listener);
}

static ss_plugin plugin = { .get_name = p_name, .get_features = p_features, .destroy = p_destroy };

ss_plugin *m6_interop_plugin_create(void);

ss_plugin *m6_interop_plugin_create(void)
{
	charon_p = dlsym(RTLD_DEFAULT, "charon");
	*(void **)&kernel_ipsec_register = dlsym(RTLD_DEFAULT, "kernel_ipsec_register");
	if (!charon_p || !*charon_p || !kernel_ipsec_register)
		return NULL;
	(*charon_p)->bus->add_listener((*charon_p)->bus, &listener);
	return &plugin;
}
