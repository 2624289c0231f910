/*
 * spec_int — the packet builder's state and helpers, shared by the parts
 * of the packet language: spec.c (layers in order, lengths, checksums),
 * spec_ip6.c (IPv6, extension headers, UDP/ICMPv6, raw octets), spec_mh.c
 * (Mobility Header), spec_sec.c (ESP/AH, keyed layers sealed last) and
 * spec_util.c (words, numbers, the output buffer). The parts call spec_util
 * only; spec.c calls the parts. Not part of the interface (spec.h).
 */
#ifndef MIP6SEC_SPEC_INT_H
#define MIP6SEC_SPEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

#define SPEC_MAX 8192
#define SPEC_WORDS 64
#define SPEC_IP_MAX 8
#define SPEC_CK_MAX 8
#define NO_PENDING ((size_t)-1)
#define AH_ROOM_MAX 48            /* 12 + 32-octet ICV, 8-octet aligned */
#define UDP_ENCAP_LEN 8

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


/* One layer's words: key=value pairs and bare words, each taken once. */
struct kv {
	int n;
	char *key[SPEC_WORDS];
	char *val[SPEC_WORDS];   /* NULL for a bare word */
	bool used[SPEC_WORDS];
};

/* spec_util.c */
int sb_fail(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sb_num(struct sb *b, const char *key, const char *v, unsigned long max, unsigned long *out);
int sb_opt_num(struct sb *b, struct kv *kv, const char *key, unsigned long max, unsigned long def,
	       unsigned long *out);
int sb_addr(struct sb *b, const char *key, const char *v, uint8_t a[16]);
int sb_hex(struct sb *b, const char *key, const char *v, uint8_t *buf, size_t cap, size_t *n);
/* n more octets at the end of the packet, zeroed, at *p. */
int sb_grow(struct sb *b, size_t n, uint8_t **p);
/* A new layer with protocol number proto starts: complete the pending Next Header. */
void sb_chain(struct sb *b, uint8_t proto);
/* The Next Header octet at pos waits for the next layer (or is nh=). */
int sb_expect_next(struct sb *b, size_t pos, const char *nh);
/* A checksum to compute in finish() over off..off+len. */
int sb_add_ck(struct sb *b, enum ck_kind kind, size_t off, size_t len, const char *mode);
const char *kv_get(struct kv *kv, const char *key);
bool kv_flag(struct kv *kv, const char *word);
/* The next bare word (not key=value) not taken yet, or NULL. */
const char *kv_word(struct kv *kv);
int kv_check_unused(struct sb *b, struct kv *kv);

/* spec_ip6.c */
int spec_layer_ip6(struct sb *b, struct kv *kv);
int spec_layer_hao(struct sb *b, struct kv *kv);
int spec_layer_opthdr(struct sb *b, struct kv *kv, uint8_t proto);
int spec_layer_routing(struct sb *b, struct kv *kv, uint8_t type);
int spec_layer_frag(struct sb *b, struct kv *kv);
/* hdr octets then the hex of key hexkey (NULL: the first bare word); proto 0 chains nothing. */
int spec_layer_data(struct sb *b, struct kv *kv, uint8_t proto, size_t hdr, const char *hexkey, uint8_t **hp);
int spec_layer_l4(struct sb *b, struct kv *kv, uint8_t proto);

/* spec_mh.c */
int spec_layer_mh(struct sb *b, struct kv *kv);

/* spec_sec.c */
int spec_sec_marker(struct sb *b, struct kv *kv, bool ah);
int spec_layer_ah(struct sb *b, struct kv *kv);
int spec_seal_all(struct sb *b, uint8_t *out, size_t cap, size_t *len, struct spec_sa *sas);

#endif
