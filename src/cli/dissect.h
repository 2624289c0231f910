/*
 * dissect — a Mobile IPv6-aware dissector for people (mip6sec decode).
 *
 * Contract: dissect_packet() never fails and never reads outside the packet;
 * it returns a JSON object (caller json_decref()s it) with the wire src/dst,
 * hao, rh2, mh {type, seq, lifetime in seconds, flags, status, options,
 * checksum_ok}, esp {spi, seq}, an "inner" object for IPv6-in-IPv6 and an
 * "errors" array naming every fault ("<id>: <reason> (offset N)").
 * dissect_print_text() prints the same facts on one line per packet.
 */
#ifndef DISSECT_H
#define DISSECT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

json_t *dissect_packet(const uint8_t *pkt, size_t len);
void dissect_print_text(FILE *out, unsigned frame, json_t *j);

#endif
