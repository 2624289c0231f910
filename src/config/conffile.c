/*
 * conffile — a configuration file read by libconfig, then every integer in
 * it read again at full width.
 *
 * Why: libconfig 1.5 (Debian 12) stores an integer written without an `L`
 * suffix in 32 bits, whatever its size: `spi = 0x100001001` arrives as
 * 0x1001, `count = 4294970296` as 3000, 0xffffffff as -1. A range check
 * after that cannot see the fault, so the configuration would silently
 * run as something else. libconfig keeps no column and no source text, so
 * the integers are taken from the text itself: a scanner that splits the
 * text as libconfig's does (strings, comments, names, floats, integers)
 * lists each file's integer literals in order, and the settings of that
 * file holding integers, in the tree's pre-order, are that same order. Each
 * setting then carries (as its libconfig hook) the exact value and the
 * literal as written. Pairing is checked: the counts must agree and each
 * literal, truncated as libconfig truncates, must give libconfig's value;
 * anything else refuses the file rather than guessing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confread.h"
#include "util/m6_err.h"

#define CONF_FILE_MAX (64u << 20)   /* larger files are refused, not read into memory */

struct conf_lit {
	bool neg, big, hex, l64;   /* big: magnitude above 2^64 - 1 */
	uint64_t mag;
	char text[CONF_INT_TEXT];
};

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_hex(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool is_name_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '*';
}

static bool is_name_char(char ch)
{
	return is_name_start(ch) || is_digit(ch) || ch == '-' || ch == '_';
}

static size_t digits(const char *p)
{
	size_t n = 0;
	while (is_digit(p[n]))
		n++;
	return n;
}

/* Length of an exponent [eE][-+]?[0-9]+ at p, 0 when there is none. */
static size_t exponent(const char *p)
{
	if (*p != 'e' && *p != 'E')
		return 0;
	size_t s = p[1] == '-' || p[1] == '+';
	size_t d = digits(p + 1 + s);
	return d ? 1 + s + d : 0;
}

/* The longest match of libconfig's float, integer(64) and hex(64) rules at
 * p (flex takes the longest; a float and an integer never tie). *is_int
 * tells whether the winner is an integer. */
static size_t number_len(const char *p, bool *is_int)
{
	size_t sign = *p == '-' || *p == '+';
	const char *q = p + sign;
	size_t d = digits(q), flt = 0, in = 0, hx = 0;
	/* float: [-+]?[0-9]*\.[0-9]*([eE][-+]?[0-9]+)? */
	if (q[d] == '.') {
		size_t f = d + 1 + digits(q + d + 1);
		flt = sign + f + exponent(q + f);
	}
	/* float: [-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+ */
	if (d) {
		size_t f = d;
		if (q[f] == '.')
			f += 1 + digits(q + f + 1);
		size_t e = exponent(q + f);
		if (e && sign + f + e > flt)
			flt = sign + f + e;
	}
	/* integer, integer64: [-+]?[0-9]+L(L)? */
	if (d) {
		in = sign + d;
		if (p[in] == 'L')
			in += p[in + 1] == 'L' ? 2 : 1;
	}
	/* hex, hex64: 0[Xx][0-9A-Fa-f]+L(L)? (no sign) */
	if (!sign && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && is_hex(p[2])) {
		hx = 2;
		while (is_hex(p[hx]))
			hx++;
		if (p[hx] == 'L')
			hx += p[hx + 1] == 'L' ? 2 : 1;
	}
	size_t best = flt > in ? flt : in;
	best = hx > best ? hx : best;
	*is_int = best && best != flt;
	return best;
}

static void lit_value(const char *p, size_t n, struct conf_lit *l)
{
	memset(l, 0, sizeof(*l));
	size_t i = 0;
	if (p[0] == '-' || p[0] == '+')
		l->neg = p[i++] == '-';
	l->hex = p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X');
	unsigned base = l->hex ? 16 : 10;
	if (l->hex)
		i += 2;
	for (; i < n && p[i] != 'L'; i++) {
		unsigned dv = is_digit(p[i]) ? (unsigned)(p[i] - '0') : (unsigned)((p[i] | 0x20) - 'a' + 10);
		if (l->mag > (UINT64_MAX - dv) / base)
			l->big = true;
		else
			l->mag = l->mag * base + dv;
	}
	l->l64 = n && p[n - 1] == 'L';
	if (n < sizeof(l->text)) {
		memcpy(l->text, p, n);
	} else {
		/* a literal of absurd length: its head, marked as cut */
		memcpy(l->text, p, sizeof(l->text) - 4);
		memcpy(l->text + sizeof(l->text) - 4, "...", 4);
	}
}

/* Every integer literal of a libconfig text, in order. */
static int scan_ints(const char *t, struct conf_lit **out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (const char *p = t; *p;) {
		if (*p == '"' || *p == '@') {
			/* a string, or @include "file": skip to the closing quote, as
			 * libconfig's string rules do (\\ and \" are escapes) */
			const char *q = *p == '"' ? p : strchr(p, '"');
			if (!q) {
				p++;
				continue;
			}
			for (q++; *q && *q != '"'; q++)
				if (*q == '\\' && (q[1] == '"' || q[1] == '\\'))
					q++;
			p = *q ? q + 1 : q;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *q = strstr(p + 2, "*/");
			p = q ? q + 2 : p + strlen(p);
		} else if (is_name_start(*p)) {
			while (is_name_char(*p))
				p++;
		} else if (is_digit(*p) || *p == '-' || *p == '+' || *p == '.') {
			bool is_int;
			size_t len = number_len(p, &is_int);
			if (!len) {
				p++;
				continue;
			}
			if (is_int) {
				if (*n == cap) {
					size_t nc = cap ? 2 * cap : 64;
					struct conf_lit *nl = realloc(*out, nc * sizeof(*nl));
					if (!nl)
						return M6_E_NOMEM;
					*out = nl;
					cap = nc;
				}
				lit_value(p, len, &(*out)[(*n)++]);
			}
			p += len;
		} else {
			p++;
		}
	}
	return 0;
}

/* What libconfig 1.5 stored for this literal, when that is predictable
 * (the literal fits in 64 signed bits; beyond, its conversions saturate). */
static bool lit_libconfig(const struct conf_lit *l, bool as_int64, long long *v)
{
	if (l->big || l->mag > (uint64_t)INT64_MAX + (l->neg ? 1u : 0u))
		return false;
	uint64_t u = l->neg ? 0 - l->mag : l->mag;
	*v = as_int64 ? (long long)u : (long long)(int32_t)(uint32_t)u;
	return true;
}

static bool is_int_setting(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64;
}

/* The settings holding an integer, in pre-order (the order of the text). */
static int collect(config_setting_t *root, config_setting_t ***out, size_t *n)
{
	size_t cap = 0, depth_cap = 16, depth = 0;
	struct frame { config_setting_t *s; int next; } *stack = malloc(depth_cap * sizeof(*stack));
	*out = NULL;
	*n = 0;
	if (!stack)
		return M6_E_NOMEM;
	stack[depth++] = (struct frame){ root, 0 };
	int rc = 0;
	while (depth && !rc) {
		struct frame *f = &stack[depth - 1];
		if (f->next >= config_setting_length(f->s) || config_setting_is_scalar(f->s)) {
			depth--;
			continue;
		}
		config_setting_t *m = config_setting_get_elem(f->s, (unsigned)f->next++);
		if (!m)
			continue;
		if (is_int_setting(m)) {
			if (*n == cap) {
				size_t nc = cap ? 2 * cap : 64;
				config_setting_t **nl = realloc(*out, nc * sizeof(*nl));
				if (!nl) {
					rc = M6_E_NOMEM;
					break;
				}
				*out = nl;
				cap = nc;
			}
			(*out)[(*n)++] = m;
		} else if (config_setting_is_aggregate(m)) {
			if (depth == depth_cap) {
				struct frame *ns = realloc(stack, 2 * depth_cap * sizeof(*ns));
				if (!ns) {
					rc = M6_E_NOMEM;
					break;
				}
				stack = ns;
				depth_cap *= 2;
			}
			stack[depth++] = (struct frame){ m, 0 };
		}
	}
	free(stack);
	return rc;
}

static bool same_file(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static char *read_all(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read the file (%s)", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (len < cap)
			break;
		if (cap >= CONF_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than %u MiB", path, CONF_FILE_MAX >> 20);
			free(buf);
			fclose(f);
			return NULL;
		}
		char *nb = realloc(buf, 2 * cap + 1);
		if (!nb)
			free(buf);
		buf = nb;
		cap *= 2;
	}
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
	} else if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		buf = NULL;
	} else {
		buf[len] = 0;
	}
	fclose(f);
	return buf;
}

/* Attach the full-width value of every integer setting. */
static int attach_ints(struct conf_file *f, const char *name, char *err, size_t errlen)
{
	config_setting_t **set;
	size_t n_set;
	int rc = collect(config_root_setting(&f->cf), &set, &n_set);
	if (rc) {
		snprintf(err, errlen, "%s: out of memory", name);
		return rc;
	}
	f->ints = calloc(n_set + 1, sizeof(*f->ints));
	bool *done = calloc(n_set + 1, sizeof(*done));
	if (!f->ints || !done) {
		snprintf(err, errlen, "%s: out of memory", name);
		rc = M6_E_NOMEM;
	}
	/* one file at a time: the main text (settings without a file name, or
	 * the name read), then each @included file */
	for (size_t first = 0; !rc && first < n_set; first++) {
		if (done[first])
			continue;
		const char *file = config_setting_source_file(set[first]);
		char *own = NULL;
		const char *text = f->text;
		if (file && !same_file(file, f->path)) {
			/* where libconfig 1.5 opened it: include_dir "/" name as written */
			char full[4096];
			if (f->include_dir)
				snprintf(full, sizeof(full), "%s/%s", f->include_dir, file);
			else
				snprintf(full, sizeof(full), "%s", file);
			if (!(own = read_all(full, err, errlen))) {
				rc = M6_E_CONFIG;
				break;
			}
			text = own;
		}
		struct conf_lit *lits;
		size_t n_lits, k = 0;
		if ((rc = scan_ints(text, &lits, &n_lits))) {
			snprintf(err, errlen, "%s: out of memory", name);
			free(own);
			break;
		}
		const char *shown = file ? file : name;
		for (size_t i = first; i < n_set && !rc; i++) {
			if (done[i] || !same_file(config_setting_source_file(set[i]), file))
				continue;
			/* a file included twice gives its literals twice */
			if (k == n_lits)
				k = 0;
			const struct conf_lit *l = n_lits ? &lits[k++] : NULL;
			long long want;
			if (!l || (lit_libconfig(l, config_setting_type(set[i]) == CONFIG_TYPE_INT64, &want) &&
				   want != config_setting_get_int64(set[i]))) {
				snprintf(err, errlen, "%s:%u: cannot find this integer in the text (write it on the "
					 "line of its key)", shown, config_setting_source_line(set[i]));
				rc = M6_E_CONFIG;
				break;
			}
			struct conf_int *v = &f->ints[f->n_ints++];
			v->neg = l->neg && l->mag;
			v->big = l->big;
			v->mag = l->mag;
			memcpy(v->text, l->text, sizeof(v->text));
			config_setting_set_hook(set[i], v);
			done[i] = true;
		}
		free(lits);
		free(own);
	}
	free(done);
	free(set);
	return rc;
}

static int conf_file_load(struct conf_file *f, const char *name, const char *include_dir, char *err, size_t errlen)
{
	config_init(&f->cf);
	f->inited = true;
	if (include_dir) {
		if (!(f->include_dir = strdup(include_dir))) {
			snprintf(err, errlen, "%s: out of memory", name);
			return M6_E_NOMEM;
		}
		config_set_include_dir(&f->cf, include_dir);
	}
	if (config_read_string(&f->cf, f->text) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", config_error_file(&f->cf) ? config_error_file(&f->cf) : name,
			 config_error_line(&f->cf), config_error_text(&f->cf) ? config_error_text(&f->cf) : "syntax error");
		return M6_E_CONFIG;
	}
	return attach_ints(f, name, err, errlen);
}

int conf_file_read(struct conf_file *f, const char *path, const char *include_dir, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	if (!(f->text = read_all(path, err, errlen)))
		return M6_E_CONFIG;
	f->path = path;
	int rc = conf_file_load(f, path, include_dir, err, errlen);
	if (rc)
		conf_file_free(f);
	return rc;
}

int conf_file_parse(struct conf_file *f, const char *text, const char *name, const char *include_dir, char *err,
		    size_t errlen)
{
	memset(f, 0, sizeof(*f));
	if (!(f->text = strdup(text))) {
		snprintf(err, errlen, "%s: out of memory", name);
		return M6_E_NOMEM;
	}
	int rc = conf_file_load(f, name, include_dir, err, errlen);
	if (rc)
		conf_file_free(f);
	return rc;
}

void conf_file_free(struct conf_file *f)
{
	if (f->inited)
		config_destroy(&f->cf);
	free(f->ints);
	free(f->text);
	free(f->include_dir);
	memset(f, 0, sizeof(*f));
}
