#!/usr/bin/python3
"""The manual pages say what the program does (TAP).

    test_man.py MIP6SEC MIP6SEC.1 MIP6SEC.CONF.5

For mip6sec and each of its commands, every option the --help text defines
has an entry in the manual page's OPTIONS section for that command, and
every entry there is an option the help defines. Every layer keyword and
key of the packet language in `build --help` appears in PACKET
SPECIFICATIONS, and the reverse. Every key the scenario reader knows (it
lists them when it meets an unknown one) is named in SIMULATION, and every
key the ipsec group reader knows is named in mip6sec.conf(5) in the part
for its group, which names no other. Standard library only.
"""
import os
import re
import subprocess
import sys
import tempfile

MIP6SEC, MAN1, MAN5 = sys.argv[1:4]
results = []


def check(name, ok, detail=''):
    results.append((name, bool(ok), detail))


def run(*args):
    p = subprocess.run([MIP6SEC] + list(args), capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def roff_args(line):
    """Arguments of a roff macro line, double quotes grouping."""
    return [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"|\S+', line)]


def unescape(s):
    return re.sub(r'\\f[BIRP]', '', s).replace('\\-', '-').replace('\\(dq', '"')


def sections(text, macro):
    """{title: body} for each .SH (or .SS) of text."""
    out, cur = {}, None
    for line in text.split('\n'):
        if line.startswith(macro + ' '):
            cur = unescape(line[len(macro) + 1:]).strip('"').strip()
            out[cur] = []
        elif cur is not None:
            if macro == '.SS' and line.startswith('.SH'):
                cur = None
                continue
            out[cur].append(line)
    return {k: '\n'.join(v) for k, v in out.items()}


def tp_options(body):
    """Options named by the tag line of each .TP entry."""
    opts, lines = set(), body.split('\n')
    for i, line in enumerate(lines[:-1]):
        if line.strip() == '.TP':
            tag = unescape(lines[i + 1])
            opts |= set(re.findall(r'(?<![\w-])(--?[a-zA-Z][\w-]*)', tag))
    return opts


def help_options(text):
    """Options the help defines: lines "  -x, --long ..." or "      --long ..."."""
    opts = set()
    for line in text.split('\n'):
        m = re.match(r'^ {2,8}(-\w|--[\w-]+)(?:, (--[\w-]+))?(?=[\s=]|$)', line)
        if m:
            opts |= {g for g in m.groups() if g}
    return opts


def bold_words(body):
    """Words set in bold by .B, .BR, .BI and .RB lines (keys; inline bold
    words in the prose are values)."""
    words = set()
    for line in body.split('\n'):
        parts = line.split(None, 1)
        if not parts:
            continue
        args = roff_args(parts[1]) if len(parts) > 1 else []
        if parts[0] == '.B':
            bold = args
        elif parts[0] in ('.BR', '.BI'):
            bold = args[0::2]
        elif parts[0] in ('.RB', '.IB'):
            bold = args[1::2]
        else:
            bold = []
        for b in bold:
            words |= set(re.findall(r'[a-z][a-z0-9_-]*', unescape(b)))
    return words


def main():
    with open(MAN1) as f:
        man1 = f.read()
    with open(MAN5) as f:
        man5 = f.read()
    sh = sections(man1, '.SH')
    common = tp_options(sh.get('OPTIONS (every command)', ''))

    rc, out, err = run('--help')
    check('mip6sec --help: its options are the manual\'s OPTIONS (every command)',
          rc == 0 and help_options(out) == common, 'help %s\nman %s' % (sorted(help_options(out)), sorted(common)))
    for cmd in ('decode', 'build', 'sim'):
        rc, out, err = run(cmd, '--help')
        h = help_options(out)
        m = tp_options(sh.get('OPTIONS (%s)' % cmd, '')) | (common - {'--version'})
        check('%s --help options all in the manual' % cmd, rc == 0 and h and not h - m, 'missing: %s' % sorted(h - m))
        check('the manual\'s %s options all in --help' % cmd, rc == 0 and not m - h, 'not in --help: %s' % sorted(m - h))
        syn = unescape(sh['SYNOPSIS'])
        usage = out.split('\n')[0]
        short = set(re.findall(r'\[(-\w)\b', usage))
        check('%s: the short options of the usage line are in the SYNOPSIS' % cmd,
              short and all(re.search(r'\[ ?' + s + r'\b', syn) for s in short),
              '%s\n%s' % (usage, syn))

    # the packet language: layer keywords and keys
    rc, out, err = run('build', '--help')
    spec_help = out[out.index('A SPEC is one packet'):]
    spec_man = unescape(sh['PACKET SPECIFICATIONS'])
    key_re = r'(?<![\w-])([a-z][a-z0-9-]*)='
    layer_re = r'^\s{2}([a-z][a-z0-9]*)(?: \| ([a-z0-9]+))?\s'
    layers_h = set()
    for line in spec_help.split('\n'):
        m = re.match(layer_re, line)
        if m and not line.strip().startswith(('fields', 'options', 'overrides', 'TYPE', 'ip6 src=2001')):
            layers_h |= {g for g in m.groups() if g}
    layers_m = set()
    man_lines = sh['PACKET SPECIFICATIONS'].split('\n')
    for prev, line in zip(man_lines, man_lines[1:]):
        # the tag of each entry: the line after .TP or .TQ
        if prev.strip() in ('.TP', '.TQ') and line.startswith('.B '):
            w = unescape(line[3:]).split()
            if w:
                layers_m.add(w[0])
                if len(w) > 2 and w[1] == '|':
                    layers_m.add(w[2])
    check('build: every layer of --help in PACKET SPECIFICATIONS and the reverse',
          layers_h and layers_h == layers_m, 'help %s\nman %s' % (sorted(layers_h), sorted(layers_m)))
    keys_h, keys_m = set(re.findall(key_re, spec_help)), set(re.findall(key_re, spec_man))
    flags = {'esn', 'more', 'pad1', 'udp-encap'}
    check('build: every key of --help in PACKET SPECIFICATIONS', not keys_h - keys_m, sorted(keys_h - keys_m))
    check('build: every key of PACKET SPECIFICATIONS in --help', not keys_m - keys_h, sorted(keys_m - keys_h))
    check('build: the flag words in both', all(f in spec_help and f in spec_man for f in flags))

    # what the readers know, from their own refusal of an unknown key
    tmp = tempfile.mkdtemp(prefix='m6man')
    try:
        readers(tmp, sh, man5)
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)

    print('1..%d' % len(results))
    bad = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
        if not ok:
            bad += 1
            for line in str(detail).splitlines():
                print('# ' + line)
    return 1 if bad else 0


LINK = '{ name = "l"; }'
IFACE = '{ link = "l"; addr = "2001:db8::1/64"; }'


def scenario(links=LINK, node_extra='', iface=IFACE, top='', rest=''):
    return ('duration = 10;\n%s\nlinks = ( %s );\n'
            'nodes = ( { name = "a"; interfaces = ( %s ); %s },\n'
            '  { name = "b"; interfaces = ( { link = "l"; addr = "2001:db8::2/64"; } ); } );\n%s\n'
            % (top, links, iface, node_extra, rest))


def known(tmp, text):
    p = os.path.join(tmp, 'probe.scn')
    with open(p, 'w') as f:
        f.write(text)
    rc, out, err = run('sim', '--check', p)
    m = re.search(r"unknown key 'zz_probe' in (.*?) \(known: ([^)]*)\)", err)
    return (m.group(1), set(m.group(2).split(', '))) if m else (None, set(err.strip().split('\n')))


Z = ' zz_probe = 1;'


def readers(tmp, sh, man5):
    flow = 'traffic = ( { name = "f"; type = "udp"; from = "a"; to = "b";%s } );'
    probes = [
        scenario(top=Z),
        scenario(links='{ name = "l";%s }' % Z),
        scenario(node_extra=Z),
        scenario(iface='{ link = "l";%s }' % Z),
        scenario(node_extra='routes = ( { prefix = "::/0";%s } );' % Z),
        scenario(node_extra='mn = { hoa = "2001:db8::9"; ha = "2001:db8::1";%s };' % Z),
        scenario(node_extra='ha = {%s };' % Z),
        scenario(node_extra='cn = {%s };' % Z),
        scenario(rest=flow % Z),
    ]
    for act in ('attach', 'detach', 'move', 'set_link', 'start', 'stop', 'inject'):
        probes.append(scenario(rest=(flow % '') + '\ntimeline = ( { at = 1; action = "%s";%s } );' % (act, Z)))
    for ex in ('binding', 'delivered', 'counter', 'event', 'no_plaintext_mh'):
        probes.append(scenario(rest=(flow % '') + '\nexpect = ( { type = "%s";%s } );' % (ex, Z)))
    simulation = unescape(sh['SIMULATION'])
    words = set(re.findall(r'[a-z][a-z0-9_]*', simulation))
    for text in probes:
        what, keys = known(tmp, text)
        check('the scenario reader lists its keys for %s' % what, what is not None, '\n'.join(sorted(keys)))
        if what:
            check('every key of %s is in SIMULATION' % what, not keys - words, sorted(keys - words))

    # the ipsec group: each part of mip6sec.conf(5) names exactly its group's keys
    ss = sections(man5, '.SS')
    sa = ('sa = ( { spi = 0x1001; policy = "p"; src = "::1"; dst = "::2";%s } );')
    groups = [
        ('node', 'ipsec = { node = {%s }; };' % Z),
        ('pad (Peer Authorization Database)', 'ipsec = { pad = ( { id = "x";%s } ); };' % Z),
        ('spd (Security Policy Database)', 'ipsec = { spd = ( { name = "p";%s } ); };' % Z),
        ('sa (manually keyed Security Associations)', 'ipsec = { spd = ( { name = "p"; } ); ' + (sa % Z) + ' };'),
        ('ike (IKEv2 keying of the Binding Update and Acknowledgement SAs)', 'ipsec = { ike = {%s }; };' % Z),
    ]
    for title, extra in groups:
        what, keys = known(tmp, scenario(node_extra=extra))
        body = ss.get(title, '')
        named = bold_words(body)
        if title.startswith('sa'):
            # lifetime { ... } keys are listed in plain text inside the sa part
            lk = known(tmp, scenario(node_extra='ipsec = { spd = ( { name = "p"; } ); ' +
                                     (sa % ' lifetime = {%s };' % Z) + ' };'))[1]
            check('every SA lifetime key is in mip6sec.conf(5) sa', lk and all(k in body for k in lk), sorted(lk))
        check('mip6sec.conf(5) %s: every key the reader knows' % title.split()[0], what and not keys - named,
              'missing %s' % sorted(keys - named))
        check('mip6sec.conf(5) %s: no key the reader does not know' % title.split()[0], what and not named - keys,
              'extra %s' % sorted(named - keys))


if __name__ == '__main__':
    sys.exit(main())
