/*
 * spec — the one-line packet language of `mip6sec build`.
 *
 *   ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100
 *       / mh bu seq=7 lifetime=3600 flags=AH acoa=2001:db8:2::100
 *
 * Layers are separated by '/', each a keyword followed by words and
 * key=value pairs (full reference: spec_help_text, `mip6sec build --help`,
 * mip6sec(1)). Next Header fields, Payload Lengths, Header Lens, option
 * alignment and checksums (with the Mobile IPv6 pseudo-header) are filled
 * in unless a key overrides them, which is how faulty packets are crafted.
 * Contract: spec_build() writes one IPv6 packet into a caller buffer; on a
 * bad spec it returns M6_E_SPEC with a message naming the layer and word.
 * A keyed `esp enc=...` or `ah auth=...` layer is a marker: the packet is
 * first built in clear (lengths, checksums with the Mobile IPv6
 * pseudo-header), then ESP/AH is inserted there with the real transforms.
 */
#ifndef MIP6SEC_SPEC_H
#define MIP6SEC_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/m6_crypto.h"

#define SPEC_SA_MAX 4     /* keyed esp/ah layers per packet */

/* A keyed esp/ah layer of a packet: what a key file needs. src/dst are the
 * addresses the receiver sees (HAO home address, RH2 address). */
struct spec_sa {
	bool ah;
	uint32_t spi;
	uint8_t src[16], dst[16];
	struct m6_xform_cfg cfg;
};

int spec_build(const char *spec, uint8_t *out, size_t cap, size_t *len, char *err, size_t errlen);
/* The same, also returning the SAs of keyed esp/ah layers (sas holds
 * SPEC_SA_MAX entries, may be NULL). Keyed layers are sealed with
 * esp_seal()/ah_seal() after the cleartext packet is complete, which needs
 * their head- and tailroom within cap. */
int spec_build_sa(const char *spec, uint8_t *out, size_t cap, size_t *len, struct spec_sa *sas,
		  unsigned *n_sas, char *err, size_t errlen);

extern const char spec_help_text[];

#endif
