#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confread.h"
#include "pkt/ip6.h"
#include "util/m6_err.h"

void conf_prefix_of(uint8_t out[16], const uint8_t a[16], unsigned plen)
{
	memset(out, 0, 16);
	memcpy(out, a, plen / 8);
	if (plen % 8)
		out[plen / 8] = (uint8_t)(a[plen / 8] & (0xff << (8 - plen % 8)));
}

int conf_fail(struct conf_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* an @included file names itself */
	const char *file = s && config_setting_source_file(s) ? config_setting_source_file(s) : c->file;
	if (s && config_setting_source_line(s))
		snprintf(c->err, c->errlen, "%s:%u: %s", file, config_setting_source_line(s), msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->file, msg);
	return M6_E_CONFIG;
}

/* A typo must not silently drop a setting: refuse keys a group does not
 * know, and say which ones it does. */
int conf_known(struct conf_ctx *c, const config_setting_t *g, const char *what, const char *const *keys)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(m);
		bool ok = false;
		for (const char *const *k = keys; *k && n; k++)
			ok = ok || !strcmp(*k, n);
		if (ok)
			continue;
		char list[512];         /* the longest group, ike, lists about 360 */
		size_t used = 0;
		list[0] = 0;
		for (const char *const *k = keys; *k && used < sizeof(list); k++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", k == keys ? "" : ", ", *k);
		return conf_fail(c, m, "unknown key '%s' in %s (known: %s)", n ? n : "?", what, list);
	}
	return 0;
}

int conf_str_value(struct conf_ctx *c, const config_setting_t *m, const char *key, const char **out)
{
	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return conf_fail(c, m, "'%s' must be a string in double quotes", key);
	*out = config_setting_get_string(m);
	return 0;
}

int conf_str(struct conf_ctx *c, const config_setting_t *g, const char *key, bool required, const char **out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	if (!m)
		return required ? conf_fail(c, g, "missing '%s'", key) : 0;
	return conf_str_value(c, m, key, out);
}

int conf_parse_time(const char *s, uint64_t *ns)
{
	static const struct { const char *u; double mul; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "min", 60e9 }, { "", 1e9 },
	};
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !(v >= 0))
		return M6_E_INVAL;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].u))
			continue;
		double t = v * units[i].mul;
		if (!(t < 1e18))
			return M6_E_INVAL;
		*ns = (uint64_t)(t + 0.5);
		return 0;
	}
	return M6_E_INVAL;
}

/* The integer a setting holds, at full width (its hook). */
static const struct conf_int *int_of(struct conf_ctx *c, const config_setting_t *m, const char *key, int *rc)
{
	const struct conf_int *v = config_setting_get_hook(m);
	*rc = 0;
	if (!v)
		*rc = conf_fail(c, m, "'%s': this integer was not read from the text (a configuration must be "
			       "loaded with conf_file_read)", key);
	return v;
}

int conf_time_value(struct conf_ctx *c, const config_setting_t *m, const char *key, uint64_t *out)
{
	switch (config_setting_type(m)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: {
		int rc;
		const struct conf_int *v = int_of(c, m, key, &rc);
		if (rc)
			return rc;
		if (v->neg || v->big || v->mag > 1000000000u)
			return conf_fail(c, m, "'%s' = %s s is out of range 0..1000000000 s", key, v->text);
		*out = v->mag * 1000000000ull;
		return 0;
	}
	case CONFIG_TYPE_FLOAT: {
		double v = config_setting_get_float(m);
		if (!(v >= 0 && v < 1e9))
			return conf_fail(c, m, "'%s' = %g s is out of range", key, v);
		*out = (uint64_t)(v * 1e9 + 0.5);
		return 0;
	}
	case CONFIG_TYPE_STRING:
		if (conf_parse_time(config_setting_get_string(m), out))
			return conf_fail(c, m, "'%s' = \"%s\" is not a time (a number of seconds, or a number with "
				       "a unit: ns, us, ms, s, min)", key, config_setting_get_string(m));
		return 0;
	default:
		return conf_fail(c, m, "'%s' must be a time: seconds (2.5) or a string with a unit (\"200ms\")", key);
	}
}

int conf_time(struct conf_ctx *c, const config_setting_t *g, const char *key, bool required, uint64_t *out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	if (!m)
		return required ? conf_fail(c, g, "missing '%s'", key) : 0;
	return conf_time_value(c, m, key, out);
}

int conf_uint_value(struct conf_ctx *c, const config_setting_t *m, const char *key, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	if (config_setting_type(m) != CONFIG_TYPE_INT && config_setting_type(m) != CONFIG_TYPE_INT64)
		return conf_fail(c, m, "'%s' must be a whole number", key);
	int rc;
	const struct conf_int *v = int_of(c, m, key, &rc);
	if (rc)
		return rc;
	if (v->neg || v->big || v->mag < min || v->mag > max)
		return conf_fail(c, m, "'%s' = %s is out of range %llu..%llu", key, v->text, (unsigned long long)min,
				 (unsigned long long)max);
	*out = v->mag;
	return 0;
}

int conf_uint(struct conf_ctx *c, const config_setting_t *g, const char *key, uint64_t min, uint64_t max,
	      uint64_t *out, bool *has)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	if (!m)
		return 0;
	int rc = conf_uint_value(c, m, key, min, max, out);
	if (!rc && has)
		*has = true;
	return rc;
}

int conf_number(struct conf_ctx *c, const config_setting_t *m, const char *key, double *out)
{
	if (config_setting_type(m) == CONFIG_TYPE_FLOAT) {
		*out = config_setting_get_float(m);
		return 0;
	}
	if (config_setting_type(m) != CONFIG_TYPE_INT && config_setting_type(m) != CONFIG_TYPE_INT64)
		return conf_fail(c, m, "'%s' must be a number", key);
	int rc;
	const struct conf_int *v = int_of(c, m, key, &rc);
	if (rc)
		return rc;
	if (v->big)
		return conf_fail(c, m, "'%s' = %s is out of range", key, v->text);
	*out = v->neg ? -(double)v->mag : (double)v->mag;
	return 0;
}

const char *conf_number_text(const config_setting_t *m, char *buf, size_t cap)
{
	const struct conf_int *ci = config_setting_get_hook(m);
	if (config_setting_type(m) == CONFIG_TYPE_FLOAT)
		snprintf(buf, cap, "%g", config_setting_get_float(m));
	else if (ci)
		snprintf(buf, cap, "%s", ci->text);
	else
		snprintf(buf, cap, "?");
	return buf;
}

int conf_prob(struct conf_ctx *c, const config_setting_t *g, const char *key, double *out, bool *has)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	if (!m)
		return 0;
	double v;
	char shown[CONF_INT_TEXT + 2];
	if (config_setting_is_number(m)) {
		int rc = conf_number(c, m, key, &v);
		if (rc)
			return rc;
		conf_number_text(m, shown, sizeof(shown));
	} else if (config_setting_type(m) == CONFIG_TYPE_STRING) {
		/* "5%" reads better than 0.05 in a scenario */
		const char *s = config_setting_get_string(m);
		char *end;
		v = strtod(s, &end);
		if (end == s || strcmp(end, "%"))
			return conf_fail(c, m, "'%s' = \"%s\": write a probability (0.05) or a percentage (\"5%%\")", key, s);
		v /= 100;
		snprintf(shown, sizeof(shown), "\"%.*s\"", CONF_INT_TEXT - 1, s);
	} else {
		return conf_fail(c, m, "'%s' must be a probability (0.05) or a percentage (\"5%%\")", key);
	}
	if (!(v >= 0 && v <= 1))
		return conf_fail(c, m, "'%s' = %s must be between 0 and 1 (or 0%% and 100%%)", key, shown);
	*out = v;
	if (has)
		*has = true;
	return 0;
}

int conf_bool(struct conf_ctx *c, const config_setting_t *g, const char *key, bool *out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	if (!m)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_BOOL)
		return conf_fail(c, m, "'%s' must be true or false", key);
	*out = config_setting_get_bool(m);
	return 0;
}

int conf_addr(struct conf_ctx *c, const config_setting_t *g, const char *key, bool required, uint8_t out[16],
	      bool *has)
{
	const char *s = NULL;
	int rc = conf_str(c, g, key, required, &s);
	if (rc || !s)
		return rc;
	if (ip6_addr_parse(s, out))
		return conf_fail(c, config_setting_get_member(g, key), "'%s' = \"%s\" is not an IPv6 address", key, s);
	if (has)
		*has = true;
	return 0;
}

int conf_prefix_str(struct conf_ctx *c, const config_setting_t *m, const char *key, const char *s, uint8_t addr[16],
		    unsigned *plen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	char *end;
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return conf_fail(c, m, "'%s' = \"%s\" is not a prefix (write ADDRESS/LENGTH)", key, s);
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	unsigned long l = strtoul(slash + 1, &end, 10);
	if (ip6_addr_parse(buf, addr) || *end || !slash[1] || l > 128)
		return conf_fail(c, m, "'%s' = \"%s\" is not a prefix (write ADDRESS/LENGTH, length 0..128)", key, s);
	*plen = (unsigned)l;
	return 0;
}

int conf_prefix(struct conf_ctx *c, const config_setting_t *g, const char *key, uint8_t addr[16], unsigned *plen,
		bool *has)
{
	const char *s = NULL;
	int rc = conf_str(c, g, key, false, &s);
	if (rc || !s)
		return rc;
	uint8_t a[16];
	if ((rc = conf_prefix_str(c, config_setting_get_member(g, key), key, s, a, plen)))
		return rc;
	conf_prefix_of(addr, a, *plen);
	*has = true;
	return 0;
}

int conf_list(struct conf_ctx *c, const config_setting_t *g, const char *key, const config_setting_t **out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	*out = NULL;
	if (!m)
		return 0;
	if (!config_setting_is_list(m))
		return conf_fail(c, m, "'%s' must be a list: %s = ( { ... }, { ... } );", key, key);
	for (int i = 0; i < config_setting_length(m); i++)
		if (!config_setting_is_group(config_setting_get_elem(m, (unsigned)i)))
			return conf_fail(c, config_setting_get_elem(m, (unsigned)i), "each entry of '%s' is a group { ... }", key);
	*out = m;
	return 0;
}

int conf_name(struct conf_ctx *c, const config_setting_t *g, const char *what, char *out, size_t cap)
{
	const char *s = NULL;
	int rc = conf_str(c, g, "name", true, &s);
	if (rc)
		return conf_fail(c, g, "every %s needs a name = \"...\";", what);
	const config_setting_t *m = config_setting_get_member(g, "name");
	size_t n = strlen(s);
	if (!n || n >= cap)
		return conf_fail(c, m, "%s name \"%s\" must have 1 to %zu characters", what, s, cap - 1);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i]))
			return conf_fail(c, m, "%s name \"%s\": use letters, digits, '_', '-' and '.' only", what, s);
	if (s[0] == '.')
		return conf_fail(c, m, "%s name \"%s\" must not start with '.'", what, s);
	memcpy(out, s, n + 1);
	return 0;
}

