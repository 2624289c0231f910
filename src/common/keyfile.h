/*
 * keyfile — manual ESP/AH keys for `mip6sec build` and `mip6sec decode --keys`.
 *
 * One SA per line, '#' starts a comment, fields separated by blanks:
 *
 *   src dst spi enc-alg enc-key auth-alg auth-key
 *
 *   src, dst  IPv6 addresses or '*' (any)
 *   spi       decimal or 0x-hex, 32 bits
 *   enc-alg   null | aes-cbc | aes-gcm-16 | chacha20-poly1305
 *             (aliases: aes-gcm, aes-gcm16, chacha20poly1305; any case)
 *   auth-alg  null | hmac-sha256-128 | hmac-sha1-96 | hmac-sha512-256
 *             (aliases: none, hmac-sha2-256-128, hmac-sha2-512-256)
 *   keys      hex octets (optional 0x prefix, ':' allowed between octets),
 *             '-' for none; AES-GCM and ChaCha20-Poly1305 keys are the
 *             cipher key followed by the 4-octet salt (RFC 4106, RFC 7634)
 *
 * This is the format of tests/oracle/pcapcheck.py -k. An AH
 * SA is written with enc-alg null and enc-key '-'.
 *
 * Contract: keyfile_load(), keyfile_load_mem() and keyfile_parse_line()
 * validate every field, including algorithm and key lengths (through
 * m6_xform_init), and fail with "FILE:LINE: reason" (keyfile_load_mem():
 * "NAME:LINE: reason"). keyfile_find() returns the first line whose SPI
 * matches and whose src and dst are '*' or equal to one of the addresses
 * given (callers pass both the wire addresses and the ones the receiver
 * sees after Mobile IPv6 processing: HAO home address, RH2 address).
 * keyfile_open_xform() keys the SA's receiving transform once, on first
 * use. keyfile_write_keys() writes the project format, keyfile_write_esp_sa()
 * Wireshark's esp_sa UAT file (8 quoted columns); SAs tshark 4.0 cannot
 * use (ChaCha20-Poly1305, AH) become comment lines there.
 */
#ifndef MIP6SEC_KEYFILE_H
#define MIP6SEC_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/m6_xform.h"
#include "keyfile_ike.h"

struct keyfile_sa {
	bool src_any, dst_any;
	uint8_t src[16], dst[16];
	uint32_t spi;
	struct m6_xform_cfg cfg;
	bool ah;                 /* built for AH (writers only) */
	unsigned line;           /* line in the file it came from, 0 if built */
	/* receiving transform, keyed on first use */
	struct m6_xform rx;
	int rx_rc;               /* 0: not tried or ready (see rx_ready) */
	bool rx_ready;
	char rx_why[160];
};

struct keyfile {
	struct keyfile_sa *sa;
	size_t n, cap;
	/* IKE SAs: lines of an ikev2_decryption_table (keyfile_ike.h) */
	struct keyfile_ike *ike;
	size_t n_ike, cap_ike;
};

void keyfile_init(struct keyfile *kf);
void keyfile_free(struct keyfile *kf);

/* 1 and *sa filled, 0 for a blank/comment line, M6_E_CONFIG with err set
 * (no file or line prefix) for a bad line. */
int keyfile_parse_line(const char *line, struct keyfile_sa *sa, char *err, size_t errlen);
/* Append every SA of path ('-' = stdin). M6_E_CONFIG / M6_E_NOMEM with
 * "path:line: reason" in err. A line with a comma is an IKE SA in the
 * ikev2_decryption_table format (keyfile_ike.h), so that table, or one
 * file holding both kinds, can be given as it is. */
int keyfile_load(struct keyfile *kf, const char *path, char *err, size_t errlen);
/* The same from len octets at buf (the text of a key file; no NUL needed
 * at the end), with name in place of the path in err ("name:line: reason").
 * Lines end at '\n'; a last line without one counts, as in a file. */
int keyfile_load_mem(struct keyfile *kf, const char *name, const void *buf, size_t len, char *err,
		     size_t errlen);
/* Append sa unless an identical line is already there (1: added, 0:
 * duplicate, M6_E_EXISTS: same SPI and addresses with other keys, not
 * added; M6_E_NOMEM). keyfile_append() always appends (0 or M6_E_NOMEM).
 * Only the configuration fields of sa are copied. */
int keyfile_add(struct keyfile *kf, const struct keyfile_sa *sa);
int keyfile_append(struct keyfile *kf, const struct keyfile_sa *sa);

struct keyfile_sa *keyfile_find(struct keyfile *kf, uint32_t spi, const uint8_t *src1,
				const uint8_t *src2, const uint8_t *dst1, const uint8_t *dst2);
/* The IKE SA with these SPIs (an IKE header's), or NULL. */
struct keyfile_ike *keyfile_find_ike(struct keyfile *kf, const uint8_t spi_i[8], const uint8_t spi_r[8]);
/* The receiving transform of sa, or NULL with the reason in *rc / why. */
const struct m6_xform *keyfile_open_xform(struct keyfile_sa *sa, int *rc, const char **why);

/* Algorithm names: m6_enc_parse/m6_auth_parse plus the aliases above. */
int keyfile_enc_parse(const char *name, enum m6_enc *out);
int keyfile_auth_parse(const char *name, enum m6_auth *out);

int keyfile_write_keys(FILE *f, const struct keyfile *kf);
int keyfile_write_esp_sa(FILE *f, const struct keyfile *kf);

#endif
