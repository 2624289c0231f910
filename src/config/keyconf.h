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
 * "FILE:LINE: reason" (unknown keys, a value of the wrong type, a number
 * out of range as written: nothing is replaced by a default, nothing
 * half-configured is left behind). Manual SAs refuse counter-mode ciphers
 * (ALG-02) except in a simulation (KEYCONF_SIMULATION), default to no
 * anti-replay (ESP-02) and are marked manual so the Mobile IPv6 engines
 * clear the K bit (MH-07).
 */
#ifndef MIP6SEC_KEYCONF_H
#define MIP6SEC_KEYCONF_H

#include <libconfig.h>
#include <stddef.h>

#include "ipsec/bits.h"

/* The keys of one configured SA, kept (with KEYCONF_KEEP_KEYS) so a
 * simulation can write the Wireshark and pcapcheck.py key files (wiped and
 * freed by keyconf_free). */
struct keyconf_key {
	uint32_t spi;
	uint8_t src[16], dst[16];
	struct m6_xform_cfg x;
};

struct keyconf {
	struct bits_cfg bits;
	struct spd *spd;
	struct sad *sad;
	struct pad *pad;
	size_t n_sa;
	size_t n_keys, keys_cap;
	struct keyconf_key *keys;         /* one per SA with KEYCONF_KEEP_KEYS, else none */
};

/* The SAs live for one simulated run, whose counters never cycle and are
 * never restarted under the same key: counter-mode ciphers (AES-GCM,
 * ChaCha20-Poly1305) may then be keyed manually. */
#define KEYCONF_SIMULATION 0x1
/* Keep a copy of every SA's keys in keys[] for key files; the caller must
 * then call keyconf_free() even after taking the tables. */
#define KEYCONF_KEEP_KEYS 0x2

int keyconf_load_file(const char *path, struct keyconf *kc, char *err, size_t errlen);
int keyconf_load_string(const char *text, struct keyconf *kc, char *err, size_t errlen);
/* From a libconfig group holding node/pad/spd/sa (e.g. inside a scenario
 * file) read by conf_file_read()/conf_file_parse(); `name` stands for the
 * file in messages; flags: KEYCONF_*. */
int keyconf_load_setting(const config_setting_t *setting, const char *name, unsigned flags, struct keyconf *kc,
			 char *err, size_t errlen);
/* Append one line per SA kept with KEYCONF_KEEP_KEYS, `src dst spi enc-alg enc-key auth-alg auth-key`
 * (the key-file format of decode --keys); returns the length written. */
size_t keyconf_write_keys(const struct keyconf *kc, char *buf, size_t cap);
void keyconf_free(struct keyconf *kc);

/* Address range forms shared with the CLI: "any", "addr", "prefix/len", "lo-hi". */
int keyconf_parse_range(const char *s, uint8_t lo[16], uint8_t hi[16]);

#endif
