/* The packet builder's words, numbers and output buffer. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/ip6.h"
#include "spec_int.h"
#include "util/m6_err.h"

int sb_fail(struct sb *b, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(b->err, b->errlen, "layer %u (%s): %s", b->layer_no, b->layer ? b->layer : "?", msg);
	return M6_E_SPEC;
}

int sb_num(struct sb *b, const char *key, const char *v, unsigned long max, unsigned long *out)
{
	char *end;
	if (!v || !*v)
		return sb_fail(b, "%s needs a number", key);
	unsigned long x = strtoul(v, &end, 0);
	if (*end || v[0] == '-')
		return sb_fail(b, "%s=%s is not a number", key, v);
	if (x > max)
		return sb_fail(b, "%s=%s is larger than %lu", key, v, max);
	*out = x;
	return 0;
}

int sb_addr(struct sb *b, const char *key, const char *v, uint8_t a[16])
{
	if (!v || ip6_addr_parse(v, a))
		return sb_fail(b, "%s: '%s' is not an IPv6 address", key, v ? v : "");
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

int sb_hex(struct sb *b, const char *key, const char *v, uint8_t *buf, size_t cap, size_t *n)
{
	size_t k = 0;
	if (!v)
		return sb_fail(b, "%s needs hex octets", key);
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		v += 2;
	while (*v) {
		if (*v == ':' || *v == '.') {
			v++;
			continue;
		}
		int hi = hexval(v[0]), lo = hi < 0 ? -1 : hexval(v[1]);
		if (hi < 0 || lo < 0)
			return sb_fail(b, "%s: '%s' is not hex octets", key, v);
		if (k == cap)
			return sb_fail(b, "%s: more than %zu octets", key, cap);
		buf[k++] = (uint8_t)(hi << 4 | lo);
		v += 2;
	}
	*n = k;
	return 0;
}

int sb_grow(struct sb *b, size_t n, uint8_t **p)
{
	*p = b->out + b->len;
	if (n > b->cap - b->len)
		return sb_fail(b, "packet longer than %zu octets", b->cap);
	*p = b->out + b->len;
	memset(*p, 0, n);
	b->len += n;
	return 0;
}

/* A new layer with protocol number proto starts: complete the pending NH. */
void sb_chain(struct sb *b, uint8_t proto)
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

int sb_expect_next(struct sb *b, size_t pos, const char *nh)
{
	unsigned long v = 0;   /* gcc -O3 -Wmaybe-uninitialized false positive */
	b->pending = pos;
	b->pending_forced = false;
	if (nh) {
		if (sb_num(b, "nh", nh, 255, &v))
			return M6_E_SPEC;
		b->out[pos] = (uint8_t)v;
		b->pending_forced = true;
	}
	return 0;
}

const char *kv_get(struct kv *kv, const char *key)
{
	for (int i = 0; i < kv->n; i++)
		if (kv->val[i] && !strcmp(kv->key[i], key)) {
			kv->used[i] = true;
			return kv->val[i];
		}
	return NULL;
}

bool kv_flag(struct kv *kv, const char *word)
{
	for (int i = 0; i < kv->n; i++)
		if (!kv->val[i] && !strcmp(kv->key[i], word)) {
			kv->used[i] = true;
			return true;
		}
	return false;
}

/* The next bare word (not key=value) not taken yet, or NULL. */
const char *kv_word(struct kv *kv)
{
	for (int i = 0; i < kv->n; i++)
		if (!kv->val[i] && !kv->used[i]) {
			kv->used[i] = true;
			return kv->key[i];
		}
	return NULL;
}

int kv_check_unused(struct sb *b, struct kv *kv)
{
	for (int i = 0; i < kv->n; i++)
		if (!kv->used[i])
			return sb_fail(b, "unexpected '%s%s%s'", kv->key[i], kv->val[i] ? "=" : "",
				    kv->val[i] ? kv->val[i] : "");
	return 0;
}

int sb_opt_num(struct sb *b, struct kv *kv, const char *key, unsigned long max,
		   unsigned long def, unsigned long *out)
{
	const char *v = kv_get(kv, key);
	*out = def;
	return v ? sb_num(b, key, v, max, out) : 0;
}

int sb_add_ck(struct sb *b, enum ck_kind kind, size_t off, size_t len, const char *mode)
{
	unsigned long v = 0;
	enum ck_mode m = CKM_AUTO;
	if (b->n_ck == SPEC_CK_MAX || b->n_ip == 0)
		return sb_fail(b, b->n_ip ? "too many checksummed layers" : "needs an ip6 layer before it");
	if (mode && !strcmp(mode, "wire"))
		m = CKM_WIRE;
	else if (mode && !strcmp(mode, "bad"))
		m = CKM_BAD;
	else if (mode && strcmp(mode, "auto")) {
		if (sb_num(b, "csum", mode, 0xffff, &v))
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

