/*
 * keyconf — manual keying and policy from a configuration file (libconfig
 * syntax): the node's protection model, PAD peers, SPD entries and SAs in
 * the RFC 3776 section 5 layout.
 *
 *   node = { model = "normalise"; };            # or "true-address"
 *   pad = ( { id = "mn-a@example.com"; type = "rfc822";
 *             home_addresses = [ "2001:db8:1::100" ]; } );
 *   spd = ( { name = "bu-out"; dir = "out"; local = "2001:db8:1::100";
 *             remote = "2001:db8:1::1"; proto = "mh"; mh_type = "bu";
 *             action = "protect"; ipsec = "esp"; mode = "transport"; } );
 *   sa  = ( { spi = 0x1001; policy = "bu-out"; src = "2001:db8:1::100";
 *             dst = "2001:db8:1::1"; enc = "aes-cbc"; enc_key = "00..";
 *             auth = "hmac-sha256-128"; auth_key = "00.."; } );
 *
 * Contract: keyconf_load_*() builds fresh SPD/SAD/PAD tables or fails with
 * a message naming the line and the fault (unknown keys included; nothing
 * half-configured is left behind). Manual SAs refuse counter-mode ciphers
 * (ALG-02), default to no anti-replay (ESP-02) and are marked manual so the
 * Mobile IPv6 engines clear the K bit (MH-07).
 */
#ifndef KEYCONF_H
#define KEYCONF_H

#include <stddef.h>

#include "ipsec/bits.h"

/* The keys of one configured SA, kept so a simulation can write the
 * Wireshark and pcapcheck.py key files (wiped by keyconf_free). */
struct keyconf_key {
	uint32_t spi;
	uint8_t src[16], dst[16];
	struct m6_xform_cfg x;
};

#define KEYCONF_KEYS_MAX 64

struct keyconf {
	struct bits_cfg bits;
	struct spd *spd;
	struct sad *sad;
	struct pad *pad;
	size_t n_sa;
	size_t n_keys;
	struct keyconf_key keys[KEYCONF_KEYS_MAX];
};

int keyconf_load_file(const char *path, struct keyconf *kc, char *err, size_t errlen);
int keyconf_load_string(const char *text, struct keyconf *kc, char *err, size_t errlen);
/* From a libconfig group holding node/pad/spd/sa (e.g. inside a scenario
 * file); `setting` is a const config_setting_t *. */
int keyconf_load_setting(const void *setting, struct keyconf *kc, char *err, size_t errlen);
/* Append one line per SA, `src dst spi enc-alg enc-key auth-alg auth-key`
 * (the key-file format of decode --keys); returns the length written. */
size_t keyconf_write_keys(const struct keyconf *kc, char *buf, size_t cap);
void keyconf_free(struct keyconf *kc);

/* Address range forms shared with the CLI: "any", "addr", "prefix/len", "lo-hi". */
int keyconf_parse_range(const char *s, uint8_t lo[16], uint8_t hi[16]);

#endif
