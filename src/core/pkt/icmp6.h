/*
 * icmp6 — ICMPv6 error messages (RFC 4443) and the home-address view of a
 * packet that the normalising protection model quotes in them.
 *
 * Contract: icmp6_build_error() writes IPv6 + ICMPv6 error into a pbuf
 * (appending after pb->len == 0), quoting as much of the offending packet
 * as keeps the result within the IPv6 minimum MTU (1280), with the checksum
 * filled in.
 */
#ifndef MIP6SEC_ICMP6_H
#define MIP6SEC_ICMP6_H

#include <stddef.h>
#include <stdint.h>

#include "pbuf.h"

#define ICMP6_MIN_MTU 1280

enum icmp6_type {
	ICMP6_DST_UNREACH = 1,
	ICMP6_PACKET_TOO_BIG = 2,
	ICMP6_TIME_EXCEEDED = 3,
	ICMP6_PARAM_PROB = 4,
	ICMP6_ECHO_REQUEST = 128,
	ICMP6_ECHO_REPLY = 129,
};

int icmp6_build_error(struct pbuf *pb, const uint8_t src[16], const uint8_t dst[16], uint8_t type,
		      uint8_t code, uint32_t param, const uint8_t *quote, size_t qlen);

#endif
