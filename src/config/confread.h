/*
 * confread — typed reading of libconfig settings with "FILE:LINE: reason"
 * messages, shared by every configuration reader (scenario files, a node's
 * configuration, its IPsec group).
 *
 * Contract: each getter checks the setting's type and range and either
 * stores the value or fails with M6_E_CONFIG and a message in c->err naming
 * the file and line of the offending setting: nothing is guessed, nothing
 * is silently replaced by a default. A getter leaves *out alone when the
 * key is absent (and fails when it is required).
 */
#ifndef MIP6SEC_M6_CONFREAD_H
#define MIP6SEC_M6_CONFREAD_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An integer as written in the text, attached to its setting by
 * conf_file_read()/conf_file_parse() (libconfig alone keeps 32 bits). */
#define CONF_INT_TEXT 48
struct conf_int {
	bool neg;                 /* below zero */
	bool big;                 /* magnitude above 2^64 - 1 (mag is then meaningless) */
	uint64_t mag;             /* magnitude */
	char text[CONF_INT_TEXT]; /* the literal as written, for messages */
};

/* A configuration text read by libconfig, with every integer setting's
 * full-width value attached (see conffile.c for why and how). */
struct conf_file {
	config_t cf;
	bool inited;
	const char *path;
	char *include_dir;
	char *text;
	struct conf_int *ints;
	size_t n_ints;
};

/* Read path, or parse text named `name` in messages; include_dir (may be
 * NULL) is where @include looks. Fails with "NAME:LINE: reason". */
int conf_file_read(struct conf_file *f, const char *path, const char *include_dir, char *err, size_t errlen);
int conf_file_parse(struct conf_file *f, const char *text, const char *name, const char *include_dir, char *err,
		    size_t errlen);
void conf_file_free(struct conf_file *f);

struct conf_ctx {
	const char *file;         /* names the input in messages (an @included file names itself) */
	char *err;
	size_t errlen;
};

int conf_fail(struct conf_ctx *c, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Refuse keys a group does not know (a typo must not silently drop a
 * setting), listing the ones it does; `what` names the group. */
int conf_known(struct conf_ctx *c, const config_setting_t *g, const char *what, const char *const *keys);
int conf_str(struct conf_ctx *c, const config_setting_t *g, const char *key, bool required, const char **out);
/* Time with an optional unit: "1.5s", "200ms", "10us", "5ns", "2min"; a bare number is seconds. */
int conf_parse_time(const char *s, uint64_t *ns);
int conf_time(struct conf_ctx *c, const config_setting_t *g, const char *key, bool required, uint64_t *out);
/* A time value itself (list elements). */
int conf_time_value(struct conf_ctx *c, const config_setting_t *m, const char *key, uint64_t *out);
/* A whole number between min and max; the message quotes it as written.
 * The setting must come from conf_file_read()/conf_file_parse(). */
int conf_uint(struct conf_ctx *c, const config_setting_t *g, const char *key, uint64_t min, uint64_t max,
	      uint64_t *out, bool *has);
/* The same for the setting m itself (a list element, or a key whose type
 * the caller already checked is an integer). */
int conf_uint_value(struct conf_ctx *c, const config_setting_t *m, const char *key, uint64_t min, uint64_t max,
		    uint64_t *out);
/* A number (integer or float) as a double; integers exact up to 2^53. */
int conf_number(struct conf_ctx *c, const config_setting_t *m, const char *key, double *out);
/* A number setting as written (integers) or as read (floats), for messages. */
const char *conf_number_text(const config_setting_t *m, char *buf, size_t cap);
/* A string value of m itself (key names it in the message). */
int conf_str_value(struct conf_ctx *c, const config_setting_t *m, const char *key, const char **out);
int conf_prob(struct conf_ctx *c, const config_setting_t *g, const char *key, double *out, bool *has);
int conf_bool(struct conf_ctx *c, const config_setting_t *g, const char *key, bool *out);
int conf_addr(struct conf_ctx *c, const config_setting_t *g, const char *key, bool required, uint8_t out[16],
	      bool *has);
/* "2001:db8:1::/64" or, from an address with a length, both (addr keeps the host bits). */
int conf_prefix_str(struct conf_ctx *c, const config_setting_t *m, const char *key, const char *s, uint8_t addr[16],
		    unsigned *plen);
/* A prefix key: addr gets the prefix with the host bits cleared. */
int conf_prefix(struct conf_ctx *c, const config_setting_t *g, const char *key, uint8_t addr[16], unsigned *plen,
		bool *has);
void conf_prefix_of(uint8_t out[16], const uint8_t a[16], unsigned plen);
/* A list of groups: NULL when absent, error when present but not a list of groups. */
int conf_list(struct conf_ctx *c, const config_setting_t *g, const char *key, const config_setting_t **out);
/* A group's required `name`, usable in a file name and a timeline column
 * (letters, digits, '_', '-', '.'; 1 to cap - 1 characters). */
int conf_name(struct conf_ctx *c, const config_setting_t *g, const char *what, char *out, size_t cap);

#endif
