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
 */
#ifndef SPEC_H
#define SPEC_H

#include <stddef.h>
#include <stdint.h>

int spec_build(const char *spec, uint8_t *out, size_t cap, size_t *len, char *err, size_t errlen);

extern const char spec_help_text[];

#endif
