/*
 * dissect_ike — IKEv2 messages in `mip6sec decode` (RFC 7296 3, RFC 7383).
 *
 * Contract: dissect_ike_udp() looks at a UDP datagram (header included)
 * and, when it is IKE — port 500, or port 4500 after the 4-octet zero
 * non-ESP marker (RFC 3948 2.2) — adds "ike" to j: SPIs, exchange, flags,
 * Message ID, Length and the payload chain with each payload's decoded
 * fields (proposals and transforms, KE group, identities, notify types,
 * traffic selectors, configuration attributes, EAP, SK/SKF framing). A
 * NAT-keepalive (one 0xff octet on 4500) is "natt_keepalive". Every fault
 * of ike_msg_parse() is appended to errors as "<id>: <reason> (offset N)",
 * N counted from the start of the packet (base = the UDP header's offset).
 * It never reads outside [udp, udp + ulen). Encrypted payloads are shown,
 * not decrypted. dissect_ike_text() prints the same on the packet's line.
 */
#ifndef MIP6SEC_DISSECT_IKE_H
#define MIP6SEC_DISSECT_IKE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* true when the datagram was IKE (or a NAT-keepalive) and j got "ike". */
bool dissect_ike_udp(json_t *j, const uint8_t *udp, size_t ulen, size_t base, json_t *errors);
void dissect_ike_text(FILE *out, json_t *ike);

#endif
