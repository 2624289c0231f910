/*
 * ikeconf — the `ike` group of a node's `ipsec` group: IKEv2 keying of the
 * Binding Update / Acknowledgement SAs by ike_km (core/ike/ike_km.h).
 *
 *   ike = { id = "mn@example.com"; id_type = "rfc822";        # our IDi / IDr
 *           peer_id = "ha.example.com"; peer_id_type = "fqdn";  # expected IDr (optional)
 *           psk = "...64 octets or more of text...";            # or "0x" + hex
 *           # or certificates (files relative to the configuration file):
 *           # auth = "pubkey"; cert = "mn.pem"; key = "mn.key"; ca = "ca.pem";
 *           # intermediates = "sub-ca.pem"; cert_time = 1861920000;
 *           proposals = [ "aes128gcm16-prfsha256-x25519" ];     # strongSwan style
 *           esp = "aes128gcm16";                                # the Child SA
 *           lifetime = "1h"; rekey = "50min"; };
 *
 * Contract: ikeconf_load() fills a struct ike_km_cfg or fails with
 * "FILE:LINE: reason" for every bad field (unknown key, unknown algorithm
 * word, a proposal that is not a whole suite, a PSK shorter than 64 octets
 * of text or 16 of hex, rekey not below lifetime, a certificate, key or CA
 * file that cannot be read or does not parse, a key that is not the
 * certificate's or of a type we do not sign with). With auth = "pubkey"
 * out->cred holds the certificates (one reference, dropped by
 * nodeconf_free(); on failure nothing is left allocated). The mobile node is the
 * initiator (its home agent and home address come from its mn group); any
 * other node answers.
 */
#ifndef MIP6SEC_IKECONF_H
#define MIP6SEC_IKECONF_H

#include <libconfig.h>

#include "confread.h"
#include "ike/ike_km.h"

int ikeconf_load(struct conf_ctx *c, const config_setting_t *g, bool initiator, struct ike_km_cfg *out);
/* One strongSwan-style proposal: IKE ("aes256-sha256-modp3072") or ESP ("aes128gcm16"). */
int ikeconf_parse_ike(const char *s, struct ike_suite *out);
int ikeconf_parse_esp(const char *s, struct ike_child_alg *out);

#endif
