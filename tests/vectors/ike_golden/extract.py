#!/usr/bin/env python3
"""extract.py - the keys of one golden run, from charon's file log.

Called by make.sh after each run; standard library only. charon 5.9 writes
at log level 4 (ike = 4, chd = 4) every secret of an IKE SA as a hex dump:
"shared Diffie Hellman secret", "SKEYSEED", "Sk_d secret" ... "Sk_pr
secret", for each AUTH it computes or verifies the "IDx'", "SK_p", "octets =
message + nonce + prf(Sk_px, IDx')", "secret" (the PSK), "prf(secret,
keypad)" and "AUTH = prf(prf(secret, keypad), octets)" dumps, and per
CHILD_SA the "encryption/integrity initiator/responder key" dumps and the
"adding inbound/outbound ESP SA" lines with the SPI. The IKE SPIs come from
the capture's IKE_SA_INIT response.

Writes OUT.ikev2_decryption_table (Wireshark's format, as strongSwan's
save-keys plugin writes it), OUT.esp_sa (Wireshark), OUT.keys (ESP SAs for
`mip6sec decode --keys`) and OUT.json (everything, see README.md).

usage: extract.py --log RESPONDER_LOG --pcap PCAP --psk PSK --id-i ID --id-r ID
                  --addr-i A --addr-r A --ike PROPOSAL --esp PROPOSAL --out PREFIX
"""
import argparse
import json
import os
import re
import struct
import sys

# time thread[group] <name|n> text   (filelog with ike_name = yes)
LINE = re.compile(r'^\S+ \d+\[\w+\] (?:<[^>]*> )?(.*)$')
DUMP = re.compile(r'^(.*?) => (\d+) bytes @ 0x[0-9a-f]+$')
HEXL = re.compile(r'^\s*\d+: ((?:[0-9A-F]{2} ){1,16})')

# strongSwan proposal keywords -> IANA transform ids, Wireshark and mip6sec names
IKE_ALGS = {
    'aes128gcm16-prfsha256-x25519': {
        'encr': 20, 'encr_bits': 128, 'prf': 5, 'integ': 0, 'dh': 31,
        'ws_encr': 'AES-GCM-128 with 16 octet ICV [RFC5282]', 'ws_integ': 'NONE [RFC4306]'},
    'aes128-sha256-modp2048': {
        'encr': 12, 'encr_bits': 128, 'prf': 5, 'integ': 12, 'dh': 14,
        'ws_encr': 'AES-CBC-128 [RFC3602]', 'ws_integ': 'HMAC_SHA2_256_128 [RFC4868]'},
}
ESP_ALGS = {
    'aes128gcm16': {'encr': 20, 'encr_bits': 128, 'integ': 0,
                    'ws_encr': 'AES-GCM with 16 octet ICV [RFC4106]', 'ws_integ': 'NULL',
                    'm6_encr': 'aes-gcm-16', 'm6_integ': 'null'},
    'aes128-sha256': {'encr': 12, 'encr_bits': 128, 'integ': 12,
                      'ws_encr': 'AES-CBC [RFC3602]', 'ws_integ': 'HMAC-SHA-256-128 [RFC4868]',
                      'm6_encr': 'aes-cbc', 'm6_integ': 'hmac-sha256-128'},
}
IKE_KEYS = {'shared Diffie Hellman secret': 'g_ir', 'SKEYSEED': 'skeyseed',
            'Sk_d secret': 'sk_d', 'Sk_ai secret': 'sk_ai', 'Sk_ar secret': 'sk_ar',
            'Sk_ei secret': 'sk_ei', 'Sk_er secret': 'sk_er',
            'Sk_pi secret': 'sk_pi', 'Sk_pr secret': 'sk_pr'}
AUTH_DUMPS = {"IDx'": 'id_prime', 'SK_p': 'sk_p',
              "octets = message + nonce + prf(Sk_px, IDx')": 'octets',
              'secret': 'psk', 'prf(secret, keypad)': 'prf_psk_keypad',
              'AUTH = prf(prf(secret, keypad), octets)': 'auth'}
CHILD_KEYS = {'encryption initiator key': 'enc_i', 'encryption responder key': 'enc_r',
              'integrity initiator key': 'integ_i', 'integrity responder key': 'integ_r'}


def dumps(logfile):
    """(kind, name, bytes) in log order: kind 'dump' for hex dumps, 'line' for text."""
    out, cur = [], None
    for raw in open(logfile, errors='replace'):
        m = LINE.match(raw.rstrip('\n'))
        if not m:
            continue
        txt = m.group(1)
        if cur is not None:
            h = HEXL.match(txt)
            if h and len(cur[2]) < cur[1]:
                cur[2].extend(bytes.fromhex(h.group(1).replace(' ', '')))
                continue
            out.append(('dump', cur[0], bytes(cur[2][:cur[1]])))
            cur = None
        d = DUMP.match(txt)
        if d:
            cur = (d.group(1).strip(), int(d.group(2)), bytearray())
            continue
        out.append(('line', txt, None))
    if cur is not None:
        out.append(('dump', cur[0], bytes(cur[2][:cur[1]])))
    return out


def parse_log(logfile):
    ike, auths, child, esp = {}, [], {}, []
    auth, direction = None, None
    for kind, name, data in dumps(logfile):
        if kind == 'dump':
            if name in IKE_KEYS:
                ike[IKE_KEYS[name]] = data.hex()
            elif name in AUTH_DUMPS:
                if name == "IDx'":
                    auth = {}
                    auths.append(auth)
                if auth is not None:
                    auth[AUTH_DUMPS[name]] = data.hex()
            elif name in CHILD_KEYS:
                child[CHILD_KEYS[name]] = data.hex()
            continue
        m = re.match(r'(adding|registering) (inbound|outbound) ESP SA', name)
        if m:
            direction = m.group(2)
            continue
        m = re.match(r'\s*SPI 0x([0-9a-f]+), src (\S+) dst (\S+)', name)
        if m and direction:
            esp.append({'spi': m.group(1), 'src': m.group(2), 'dst': m.group(3)})
            direction = None
    return ike, auths, child, esp


def pcap_udp(path):
    """(sport, dport, payload) of the UDP datagrams in an Ethernet or raw-IPv6 pcap."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        sys.exit('extract.py: %s is not a classic pcap file' % path)
    linktype = struct.unpack(end + 'I', data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack(end + 'I', data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            if len(pkt) < 14 or pkt[12:14] != b'\x86\xdd':
                continue
            pkt = pkt[14:]
        if len(pkt) < 48 or pkt[6] != 17:
            continue
        sport, dport = struct.unpack('>HH', pkt[40:44])
        out.append((sport, dport, pkt[48:]))
    return out


def main():
    ap = argparse.ArgumentParser()
    for a in ('log', 'pcap', 'psk', 'id-i', 'id-r', 'addr-i', 'addr-r', 'ike', 'esp', 'out'):
        ap.add_argument('--' + a, required=True)
    ap.add_argument('--log2', help='the initiator log: its keys must be the same')
    o = ap.parse_args()
    ike, auths, child, esp = parse_log(o.log)
    need = ['g_ir', 'skeyseed', 'sk_d', 'sk_ei', 'sk_er', 'sk_pi', 'sk_pr']
    if IKE_ALGS[o.ike]['integ']:
        need += ['sk_ai', 'sk_ar']
    missing = [k for k in need if k not in ike]
    if missing or len(auths) != 2 or len(esp) != 2 or 'enc_i' not in child:
        sys.exit('extract.py: %s lacks keys (ike=4 chd=4?): missing %s, %d AUTH blocks, %d ESP SAs'
                 % (o.log, missing, len(auths), len(esp)))
    if o.log2:
        ike2, auths2, child2, _ = parse_log(o.log2)
        for k in need:
            if ike2.get(k) != ike[k]:
                sys.exit('extract.py: the two logs disagree on %s' % k)
        if child2 != child:
            sys.exit('extract.py: the two logs disagree on the ESP keys')

    # IKE SPIs: the IKE_SA_INIT response (exchange 34, flag R) on port 500
    spis = None
    for sport, dport, p in pcap_udp(o.pcap):
        if 500 in (sport, dport) and len(p) >= 28 and p[18] == 34 and p[19] & 0x20:
            spis = (p[0:8].hex(), p[8:16].hex())
    if not spis:
        sys.exit('extract.py: no IKE_SA_INIT response in %s' % o.pcap)

    ia, ea = IKE_ALGS[o.ike], ESP_ALGS[o.esp]
    by_role = {}
    for a in auths:
        role = 'initiator' if a.get('sk_p') == ike['sk_pi'] else 'responder'
        by_role[role] = {k: a[k] for k in ('id_prime', 'octets', 'prf_psk_keypad', 'auth') if k in a}
        if bytes.fromhex(a.get('psk', '')) != o.psk.encode():
            sys.exit('extract.py: the log\'s PSK is not the one configured')

    esp_sas = []
    for sa in esp:
        k = 'i' if sa['src'] == o.addr_i else 'r'
        esp_sas.append({'spi': '0x' + sa['spi'], 'src': sa['src'], 'dst': sa['dst'],
                        'from': 'initiator' if k == 'i' else 'responder',
                        'encr': ea['encr'], 'encr_bits': ea['encr_bits'], 'integ': ea['integ'],
                        'enc_key': child['enc_' + k], 'integ_key': child.get('integ_' + k, '')})

    base = os.path.basename(o.out)
    doc = {
        'made_by': 'tests/vectors/ike_golden/make.sh with strongSwan 5.9.8 charon on both sides',
        'psk': o.psk,
        'initiator': {'id': o.id_i, 'id_type': 3, 'addr': o.addr_i},
        'responder': {'id': o.id_r, 'id_type': 2, 'addr': o.addr_r},
        'ike_proposal': o.ike,
        'ike': {k: v for k, v in ia.items() if not k.startswith('ws_')},
        'esp_proposal': o.esp,
        'spi_i': spis[0], 'spi_r': spis[1],
        'keys': {k: ike.get(k, '') for k in ('g_ir', 'skeyseed', 'sk_d', 'sk_ai', 'sk_ar',
                                            'sk_ei', 'sk_er', 'sk_pi', 'sk_pr')},
        'auth_logged': by_role,
        'esp_sa': esp_sas,
        'files': {'pcap': base + '.pcap', 'ikev2_decryption_table': base + '.ikev2_decryption_table',
                  'esp_sa': base + '.esp_sa', 'keys': base + '.keys'},
    }
    with open(o.out + '.json', 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    with open(o.out + '.ikev2_decryption_table', 'w') as f:
        f.write('%s,%s,%s,%s,"%s",%s,%s,"%s"\n' % (spis[0], spis[1], ike['sk_ei'], ike['sk_er'],
                                                   ia['ws_encr'], ike.get('sk_ai', ''),
                                                   ike.get('sk_ar', ''), ia['ws_integ']))
    with open(o.out + '.esp_sa', 'w') as f:
        for sa in esp_sas:
            f.write('"IPv6","%s","%s","%s","%s","0x%s","%s","%s"\n'
                    % (sa['src'], sa['dst'], sa['spi'], ea['ws_encr'], sa['enc_key'], ea['ws_integ'],
                       '0x' + sa['integ_key'] if sa['integ_key'] else ''))
    with open(o.out + '.keys', 'w') as f:
        f.write('# ESP SAs of %s.pcap (src dst spi enc-alg enc-key auth-alg auth-key)\n' % base)
        for sa in esp_sas:
            f.write('%s %s %s %s %s %s %s\n' % (sa['src'], sa['dst'], sa['spi'], ea['m6_encr'],
                                                sa['enc_key'], ea['m6_integ'], sa['integ_key'] or '-'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
