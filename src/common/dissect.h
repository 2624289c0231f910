/*
 * dissect — a Mobile IPv6-aware dissector for people (mip6sec decode).
 *
 * Contract: dissect_packet() never fails and never reads outside the packet;
 * it returns a JSON object (caller json_decref()s it) with the wire src/dst,
 * hao, rh2, mh {type, seq, lifetime in seconds, flags, status, options,
 * checksum_ok}, esp {spi, seq}, ah {spi, seq}, an "inner" object for IPv6-in-IPv6 and an
 * "errors" array naming every fault ("<id>: <reason> (offset N)").
 * dissect_print_text() prints the same facts on one line per packet.
 */
#ifndef MIP6SEC_DISSECT_H
#define MIP6SEC_DISSECT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "keyfile.h"

json_t *dissect_packet(const uint8_t *pkt, size_t len);
/* The same with manual keys (may be NULL): a keyed AH gets "icv_ok"; a
 * keyed ESP is verified and decrypted into a private copy (pkt is not
 * written) and esp {spi, seq, icv_ok, decrypted, next_header, headers}
 * is followed by the payload's fields as if ESP were absent: mh, udp,
 * icmpv6 ... in transport mode (MH checksum with the outer HAO/RH2
 * pseudo-header), inner in tunnel mode. Faults inside the plaintext are
 * reported at their offsets in the packet with ESP removed. */
json_t *dissect_packet_keys(const uint8_t *pkt, size_t len, struct keyfile *kf);
void dissect_print_text(FILE *out, unsigned frame, json_t *j);
/* A frame the capture cut short (captured < length octets on the wire):
 * the faults that only say octets are missing (truncations, lengths that
 * disagree with the octets present, checksums and ICVs over them) describe
 * the capture, not the packet. They move from "errors" to
 * snaplen {captured, length, skipped}, and an MH checksum becomes null
 * (unchecked). Faults in the captured octets stay errors. */
void dissect_note_cut(json_t *j, size_t captured, size_t length);

#endif
