/*
 * keyfile_ike — IKE SA keys for `mip6sec decode --keys`: the lines of an
 * ikev2_decryption_table, the format Wireshark reads and strongSwan's
 * save-keys plugin, the simulator and `mip6sec keys` write:
 *
 *   SPIi,SPIr,SK_ei,SK_er,"encryption",SK_ai,SK_ar,"integrity"
 *
 * SPIs are 16 hex digits, keys hex (no 0x; empty for none), the algorithm
 * names Wireshark's, e.g. "AES-GCM-256 with 16 octet ICV [RFC5282]",
 * "AES-CBC-128 [RFC3602]", "ChaCha20-Poly1305 [RFC7634]",
 * "HMAC_SHA2_256_128 [RFC4868]", "NONE [RFC4306]". An AEAD's SK_e is its
 * key followed by the 4-octet salt.
 *
 * Contract: keyfile_ike_parse_line() checks every field (SPI and key
 * lengths against the algorithms; an algorithm this code cannot decrypt is
 * an error naming it) and fails with a reason. keyfile_ike_open() decrypts
 * in place the SK or SKF payload of a message parsed by ike_msg_parse():
 * the direction (SK_ei or SK_er) follows the header's Initiator flag; the
 * contexts are made on first use and kept until keyfile_ike_clear().
 */
#ifndef MIP6SEC_KEYFILE_IKE_H
#define MIP6SEC_KEYFILE_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_crypto.h"
#include "ike/ike_msg.h"

struct keyfile_ike {
	uint8_t spi_i[8], spi_r[8];
	struct ike_suite suite;         /* encr, encr_bits, integ (no prf: not needed to decrypt) */
	struct ike_keys k;              /* ei, er, ai, ar, e_len, a_len */
	unsigned line;
	/* decryption contexts: messages from the initiator, from the responder */
	struct ike_sk sk_from_i, sk_from_r;
	bool ready;
};

/* 1 and *e filled; M6_E_CONFIG with the reason in err (no file or line). */
int keyfile_ike_parse_line(const char *line, struct keyfile_ike *e, char *err, size_t errlen);
/* The plaintext of msg's SK/SKF payload at msg[*off, +*len) (decrypted in
 * place), or M6_E_* (M6_E_ICV: the keys do not authenticate it). */
int keyfile_ike_open(struct keyfile_ike *e, uint8_t *msg, size_t len, const struct ike_msg *m, size_t *off,
		     size_t *plen);
void keyfile_ike_clear(struct keyfile_ike *e);

#endif
