#!/bin/sh
# bench/tunnel_strongswan.sh SECONDS — case (d) of bench/tunnel: strongSwan's
# user-space ESP between the home agent's and the mobile node's namespaces
# of the testbed (m6b-*), the same path as the mip6sec cases: CN -> router
# -> HA (charon, security gateway for the home address) -> ESP in UDP 4500
# (kernel-libipsec always encapsulates) -> router -> MN (charon, the home
# address on its side). ESP AES-128-GCM-16, IKEv2 with a pre-shared key.
# Each charon runs with its own strongswan.conf and a private /run (bind
# mount in the namespace's mount namespace): nothing of the host's /etc
# or /run is touched. Prints one `tunnel strongswan ...` line.
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
T=${1:-10}
P=${M6_TESTBED_PREFIX:-m6b-}
# not under /run: each charon gets a private /run of its own
S=${TMPDIR:-/tmp}/mip6sec-bench-ss
HOA=2001:db8:1::100
CHARON=/usr/lib/ipsec/charon
TB="sh $TOP/scripts/testbed.sh"

conf() {
	# $1 = name; writes $S/$1/strongswan.conf and swanctl.conf
	d=$S/$1
	mkdir -p "$d/run" "$d/swanctl/conf.d"
	cat >"$d/strongswan.conf" <<CONF
charon {
	load_modular = no
	load = random nonce openssl aes sha1 sha2 hmac kdf gcm curve25519 kernel-libipsec kernel-netlink socket-default vici
	install_virtual_ip = no
	filelog { main { path = $d/charon.log
		default = 1 } }
	syslog { daemon { default = -1 } }
	plugins {
		vici { socket = unix://$d/run/charon.vici }
		socket-default { fwmark = 0x42 }
		kernel-netlink { fwmark = !0x42 }
		kernel-libipsec { allow_peer_ts = yes }
	}
}
CONF
}

start() {
	# $1 = name, $2 = namespace
	d=$S/$1
	setsid ip netns exec "$2" sh -c "mount --bind '$d/run' /run && exec env STRONGSWAN_CONF='$d/strongswan.conf' $CHARON" \
		>"$d/charon.out" 2>&1 </dev/null &
	i=0
	until [ -S "$d/run/charon.vici" ]; do
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "tunnel strongswan failed: charon $1 did not start ($d/charon.out)"; exit 0; }
		sleep 0.1
	done
}

swanctl_() {
	d=$S/$1
	shift
	STRONGSWAN_CONF="$d/strongswan.conf" swanctl "$@" --uri "unix://$d/run/charon.vici"
}

stop() {
	for n in ha mn; do
		[ -f "$S/$n/run/charon.pid" ] || continue
		pid=$(cat "$S/$n/run/charon.pid")
		kill -TERM "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$pid" 2>/dev/null || true
	done
	$TB down >/dev/null 2>&1 || true
}
trap stop EXIT INT TERM

$TB up --no-daemons >/dev/null
$TB move r1 >/dev/null
rtr() { ip netns exec "${P}rtr" "$@"; }
ha() { ip netns exec "${P}ha" "$@"; }
mn() { ip netns exec "${P}mn" "$@"; }
ha sysctl -qw net.ipv6.conf.all.forwarding=1
ha ip addr add 2001:db8:1::1/64 dev ha0 nodad
ha ip -6 route replace default via 2001:db8:1::2
# what the MN's kernel learnt at home (the home prefix on-link) goes
mn sysctl -qw net.ipv6.conf.mn0.accept_ra=0 net.ipv6.conf.mn0.autoconf=0
mn ip -6 addr flush dev mn0 scope global
mn ip -6 route flush dev mn0 proto ra 2>/dev/null || true
mn ip -6 route del 2001:db8:1::/64 dev mn0 2>/dev/null || true
mn ip addr add 2001:db8:2::100/64 dev mn0 nodad
mn ip -6 route replace default via 2001:db8:2::1
mn ip addr add "$HOA/128" dev lo
# the home address is reached through the home agent (its gateway)
rtr ip -6 route add "$HOA/128" via 2001:db8:1::1 dev br-home

rm -rf "$S"
for n in ha mn; do conf $n; done
cat >"$S/ha/swanctl/swanctl.conf" <<CONF
connections { mn {
	local_addrs = 2001:db8:1::1
	remote_addrs = 2001:db8:2::100
	local { auth = psk
		id = ha.example.com }
	remote { auth = psk
		id = mn1@example.com }
	proposals = aes128gcm16-prfsha256-curve25519
	children { hoa {
		local_ts = ::/0
		remote_ts = $HOA/128
		esp_proposals = aes128gcm16
		mode = tunnel
		rekey_time = 0 } }
	rekey_time = 0
	dpd_delay = 0 } }
secrets { ike-mn { id-1 = ha.example.com
	id-2 = mn1@example.com
	secret = "bench-tunnel-psk-0123456789" } }
CONF
cat >"$S/mn/swanctl/swanctl.conf" <<CONF
connections { ha {
	local_addrs = 2001:db8:2::100
	remote_addrs = 2001:db8:1::1
	local { auth = psk
		id = mn1@example.com }
	remote { auth = psk
		id = ha.example.com }
	proposals = aes128gcm16-prfsha256-curve25519
	children { hoa {
		local_ts = $HOA/128
		remote_ts = ::/0
		esp_proposals = aes128gcm16
		mode = tunnel
		rekey_time = 0 } }
	rekey_time = 0
	dpd_delay = 0 } }
secrets { ike-ha { id-1 = ha.example.com
	id-2 = mn1@example.com
	secret = "bench-tunnel-psk-0123456789" } }
CONF
start ha "${P}ha"
start mn "${P}mn"
for n in ha mn; do swanctl_ $n --load-all --file "$S/$n/swanctl/swanctl.conf" >/dev/null 2>&1; done
if ! swanctl_ mn --initiate --child hoa >"$S/initiate.log" 2>&1; then
	echo "tunnel strongswan failed: no CHILD_SA (see $S/initiate.log, $S/*/charon.log)"
	exit 0
fi
# kernel-libipsec's TUN device takes the routes (table 220) for the
# traffic selectors; the MN's own traffic leaves from the home address
mn ip -6 route replace default via 2001:db8:2::1 src "$HOA"
. "$TOP/bench/tunnel_measure.sh"
measure strongswan
