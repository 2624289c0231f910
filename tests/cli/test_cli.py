#!/usr/bin/python3
"""The mip6sec command as a user meets it (TAP).

    test_cli.py MIP6SEC SCENARIO_DIR

Exit statuses and messages of usage errors and `help`; the seed range of
--seed and of a scenario file; decode on captures cut by their snap
length, with an unsupported link type, truncated mid-frame, or read from
standard input; build refusing lifetimes that are not 4-second units; the
ladder diagram staying well-formed XML whatever bytes name the scenario;
the progress line of long runs, which changes no output byte. Standard
library only (Debian's python3).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

MIP6SEC = sys.argv[1]
SCN_DIR = sys.argv[2]
BU = ('ip6 src=2001:db8:2::100 dst=2001:db8:1::1 / hao 2001:db8:1::100 / '
      'mh bu seq=7 lifetime=3600 flags=AH')

results = []


def check(name, ok, detail=''):
    results.append((name, bool(ok), detail))


def run(*args, stdin=None):
    p = subprocess.run([MIP6SEC] + list(args), input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def hexpkt(spec):
    rc, out, err = run('build', '--hex', spec)
    assert rc == 0, err
    return bytes.fromhex(out.strip())


def pcap(frames, linktype=101, snaplen=65535):
    """frames: (data, wire_len) pairs; data may be shorter (cut)."""
    b = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype)
    for i, (data, wire) in enumerate(frames):
        b += struct.pack('<IIII', i, 0, len(data), wire) + data
    return b


def write(d, name, data):
    p = os.path.join(d, name)
    with open(p, 'wb') as f:
        f.write(data)
    return p


def scenario(text_replace=None, name_bytes=None):
    with open(os.path.join(SCN_DIR, 'home_registration.scn'), 'rb') as f:
        t = f.read()
    if text_replace:
        a, b = text_replace
        assert a in t, a
        t = t.replace(a, b, 1)
    if name_bytes is not None:
        lines = t.split(b'\n')
        lines = [b'name = "' + name_bytes + b'";' if l.startswith(b'name = ') else l for l in lines]
        t = b'\n'.join(lines)
    return t


def main():
    tmp = tempfile.mkdtemp(prefix='m6cli')
    try:
        tests(tmp)
    finally:
        shutil.rmtree(tmp)
    print('1..%d' % len(results))
    bad = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
        if not ok:
            bad += 1
            for line in detail.splitlines():
                print('# ' + line)
    return 1 if bad else 0


def tests(tmp):
    # help and usage errors
    rc, out, err = run('help', 'foo')
    check('help foo: exit 2, names the command', rc == 2 and "unknown command 'foo'" in err, err)
    for cmd in ('decode', 'build', 'sim', 'help'):
        rc, out, err = run('help', cmd)
        check('help %s: exit 0 and the help on stdout' % cmd, rc == 0 and 'usage: mip6sec' in out and not err,
              err)
    for args in ([], ['nonsense'], ['decode'], ['decode', '--bogus', 'x'], ['decode', '-k'], ['build', '--hex'],
                 ['build', '-Q'], ['sim'], ['sim', '--nope', 'x'], ['sim', '-q', '-v', 'x'], ['help', 'a', 'b']):
        rc, out, err = run(*args)
        lines = err.strip().splitlines()
        check('usage error %s: exit 2, the synopsis and a pointer to --help, not the whole help' % args,
              rc == 2 and not out and 2 <= len(lines) <= 3 and 'usage: mip6sec' in err and '--help' in err,
              'rc %d\n%s' % (rc, err))

    # decode --keys: IKE SA lines (ikev2_decryption_table) are checked field by field
    cap = write(tmp, 'one.pcap', pcap([(hexpkt(BU), 0)]))
    good = ('0011223344556677,8899aabbccddeeff,' + '00' * 20 + ',' + '11' * 20 +
            ',"AES-GCM-128 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"')
    bad = [
        (good.replace('0011223344556677', '00112233'), 'SPIi: 8 hex digits, expected 16'),
        (good.replace('AES-GCM-128', 'AES-CCM-128'), 'is not one this decoder can use'),
        (good.replace('"NONE [RFC4306]"', '"HMAC_SHA2_256_128 [RFC4868]"'), 'is an AEAD'),
        (good.replace('00' * 20, '00' * 16), 'SK_ei: 32 hex digits, expected 40'),
        (good.rsplit(',', 1)[0], 'has 8 comma-separated fields, not 7'),
    ]
    kf = write(tmp, 'ike.keys', ('# a comment, then an IKE SA\n' + good + '\n').encode())
    rc, out, err = run('decode', '--keys', kf, cap)
    check('decode --keys with a valid IKE SA line: accepted', rc == 0, err)
    for line, needle in bad:
        kf = write(tmp, 'bad.keys', ('\n' + line + '\n').encode())
        rc, out, err = run('decode', '--keys', kf, cap)
        check('decode --keys, bad IKE line (%s): exit 2, FILE:2: and the reason' % needle,
              rc == 2 and (kf + ':2:') in err and needle in err, err)
    args = []
    for i in range(9):
        args += ['--keys', kf]
    rc, out, err = run('decode', *args, cap)
    check('decode: more than 8 --keys files is a usage error', rc == 2 and 'more than 8' in err, err)

    # the seed: the same range in the file and on the command line
    top = b'18446744073709551615'
    over = b'18446744073709551616'
    p = write(tmp, 'seedmax.scn', scenario((b'seed = 1;', b'seed = ' + top + b';')))
    rc, out, err = run('sim', '--check', p)
    check('seed 2^64-1 in the file', rc == 0, err)
    p = write(tmp, 'seedover.scn', scenario((b'seed = 1;', b'seed = ' + over + b';')))
    rc, out, err = run('sim', '--check', p)
    check('seed 2^64 in the file: refused with FILE:LINE and the value as written',
          rc == 2 and (p + ':7:') in err and over.decode() in err, err)
    p = write(tmp, 'seed3g.scn', scenario((b'seed = 1;', b'seed = 3000000000;')))
    rc1, out1, err = run('sim', '-q', p)
    rc2, out2, err2 = run('sim', '-q', '--seed', '3000000000', os.path.join(SCN_DIR, 'home_registration.scn'))
    check('seed 3000000000: the file and --seed agree', rc1 == 0 and rc2 == 0 and 'seed 3000000000' in out1
          and 'seed 3000000000' in out2, err + err2)
    rc, out, err = run('sim', '-q', '--seed', top.decode(), os.path.join(SCN_DIR, 'home_registration.scn'))
    check('--seed 2^64-1', rc == 0 and 'seed ' + top.decode() in out, err)
    for bad in (over.decode(), '-1', ' 5', '+5', '0x10000000000000000', '5x'):
        rc, out, err = run('sim', '--seed', bad, os.path.join(SCN_DIR, 'home_registration.scn'))
        check('--seed %r refused' % bad, rc == 2 and '--seed' in err, err)

    # decode: snap length, link types, truncated files, standard input
    bu = hexpkt(BU)
    bad_csum = hexpkt(BU + ' csum=bad')
    p = write(tmp, 'cut.pcap', pcap([(bu[:60], len(bu))], snaplen=60))
    rc, out, err = run('decode', '--check', '--json', p)
    j = out.strip()
    check('a frame cut by the snap length is no packet fault (--check exits 0)',
          rc == 0 and '"errors": []' in j.replace('":[]', '": []') and '"snaplen"' in j and '"captured": 60' in
          j.replace('":', '": ').replace('":  ', '": '), out + err)
    rc, out, err = run('decode', p)
    check('decode text: the cut is noted with what was not checked',
          rc == 0 and "cut by the capture's snap length: 60 of %d octets captured" % len(bu) in out, out + err)
    hao14 = hexpkt(BU.replace('hao 2001:db8:1::100', 'hao 2001:db8:1::100 len=14'))
    p = write(tmp, 'cutbad.pcap', pcap([(hao14[:70], len(hao14))], snaplen=70))
    rc, out, err = run('decode', '--check', p)
    check('a cut frame still reports the faults in its captured octets', rc == 1 and 'hao_len' in out, out + err)
    p = write(tmp, 'badsum.pcap', pcap([(bad_csum, len(bad_csum))]))
    rc, out, err = run('decode', '-c', p)
    check('an intact frame with a bad checksum is a fault (-c exits 1)', rc == 1 and 'mh_checksum' in out, out)
    p = write(tmp, 'user0.pcap', pcap([(bu, len(bu))], linktype=147))
    rc, out, err = run('decode', p)
    check('an unsupported link type: one error naming the file and link type, exit 2',
          rc == 2 and not out and p in err and 'link type 147' in err, out + err)
    whole = pcap([(bu, len(bu)), (bu, len(bu))])
    p = write(tmp, 'trunc.pcap', whole[:-10])
    rc, out, err = run('decode', p)
    check('a file ending mid-frame: the message names the file and the frame, exit 2',
          rc == 2 and p + ': frame 2:' in err and out.count('MH BU') == 1, out + err)
    rc, out, err = run('decode', '-j', '-', stdin=pcap([(bu, len(bu))]))
    check('decode - reads standard input', rc == 0 and '"BU"' in out, out + err)

    # build: MH lifetimes are 4-second units
    rc, out, err = run('build', '--hex', BU.replace('lifetime=3600', 'lifetime=3'))
    check('build lifetime=3: refused, not a de-registration',
          rc == 2 and not out and 'lifetime=3 is not a multiple of 4 seconds' in err, out + err)
    rc, out, err = run('build', '--hex', BU.replace('lifetime=3600', 'lifetime=4'))
    check('build lifetime=4: one unit', rc == 0 and out.strip()[-12:-8] == '0001', out + err)

    # the ladder diagram stays well-formed whatever bytes the name holds
    for label, name in (('Latin-1', b'caf\xe9 <&> \\"x\\"'), ('control and cut UTF-8', b'a\x01b\xe2\x82'),
                        ('UTF-8', 'Zürich → Genève'.encode())):
        d = os.path.join(tmp, 'svg-' + str(len(results)))
        p = write(tmp, 'name%d.scn' % len(results), scenario(name_bytes=name))
        rc, out, err = run('sim', '-q', '-o', d, p)
        if rc != 0:
            check('ladder.svg is well-formed XML with a %s scenario name' % label, False, err)
            continue
        try:
            root = ET.parse(os.path.join(d, 'ladder.svg')).getroot()
            title = ''.join(root.itertext())
            ok = rc == 0 and ('\ufffd' in title) == (label != 'UTF-8')
            why = title[:200]
        except ET.ParseError as e:
            ok, why = False, str(e)
        check('ladder.svg is well-formed XML with a %s scenario name' % label, ok, why + err)

    # progress on standard error, and not a byte of the outputs changed by it
    scn = os.path.join(SCN_DIR, 'lossy_handover.scn')
    d1, d2 = os.path.join(tmp, 'p1'), os.path.join(tmp, 'p2')
    rc1, out1, err1 = run('sim', '-q', '-o', d1, scn)
    rc2, out2, err2 = run('sim', '-q', '--progress', '-o', d2, scn)
    check('--progress: a progress line on stderr', rc2 == 0 and 'mip6sec sim: 100.0%' in err2
          and 'events/s' in err2, err2)
    check('without --progress and without a terminal: no progress line', 'events/s' not in err1, err1)
    same = rc1 == rc2 == 0 and out1 == out2 and sorted(os.listdir(d1)) == sorted(os.listdir(d2))
    for f in os.listdir(d1) if same else []:
        with open(os.path.join(d1, f), 'rb') as a, open(os.path.join(d2, f), 'rb') as b:
            same = same and a.read() == b.read()
    check('--progress changes no output byte', same)


if __name__ == '__main__':
    sys.exit(main())
