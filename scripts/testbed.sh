#!/bin/sh
# testbed.sh — mip6secd on real interfaces, in four network namespaces.
#
#   sh scripts/testbed.sh up [--model normalise|true-address] [--payload-esp] [--ro] [--ike [PROPOSAL]] [--no-daemons]
#   sh scripts/testbed.sh move home|r1|r2
#   sh scripts/testbed.sh restart ha|mn|cn    (kill -9 a daemon and start it again)
#   sh scripts/testbed.sh status
#   sh scripts/testbed.sh down
#
# As root. The topology is that of scenarios/demo.scn:
#
#   m6-ha  ha0 2001:db8:1::1 ---+
#   m6-mn  mn0 (moves) ---------+ br-home 2001:db8:1::2 \
#                                 br-r1   2001:db8:2::1  > m6-rtr (forwards, radvd
#                                 br-r2   2001:db8:3::1 /          on the three bridges)
#   m6-cn  cn0 2001:db8:4::1 ------ rt-cn 2001:db8:4::2
#
# The mobile node (home address 2001:db8:1::100) has one interface, mn0,
# whose peer rt-mn is moved between the router's bridges: `move` takes the
# link down, re-attaches it and brings it up, so mip6secd sees a link change
# and a new router's advertisements, as after a Wi-Fi roam. mip6secd runs in
# m6-ha and m6-mn; m6-cn is a plain host (ping6, iperf3), or with --ro a
# correspondent node run by mip6secd too, with which the mobile node does
# return routability and route optimisation. BU/BA are
# protected by manually keyed ESP under the chosen model; with --payload-esp
# the bidirectional tunnel between them too (ESP on the IPv6-in-IPv6
# packets, the wire form of RFC 3776's tunnel-mode payload SAs, keyed for
# whichever care-of address the binding has). With --ike the BU/BA SAs are
# not configured but made by IKEv2 (RFC 4877, normalise model only): the
# mobile node (mn-a@example.com) initiates IKE_SA_INIT + IKE_AUTH with a
# pre-shared key from its care-of address, the home agent (ha.example.com)
# answers from its PAD; PROPOSAL is the IKE proposal of both ends
# (strongSwan notation, default aes128gcm16-prfsha256-x25519), or several
# separated by commas, in order (the first one's group goes into the
# initiator's first KE). With --ike and --payload-esp the tunnel's SA is
# not configured either: it is the AES-GCM tunnel-mode Child SA that the
# mobile node asks for by CREATE_CHILD_SA (RFC 4877 4.3, `tunnel = true`),
# following each binding, and a clear IPv6-in-IPv6 packet is discarded.
#
# Everything lives in $M6_TESTBED_DIR (default /run/mip6sec-testbed):
# configurations, daemon logs and pids, radvd's files. `down` removes
# everything, also after a failure half-way (it is also what `up` runs
# when it fails). The programs come from $MIP6SECD / $MIP6SEC, else PATH,
# else the build directories build/ and build-test/. $M6_TESTBED_PREFIX
# (default "m6-") names the namespaces: the tests run their own testbed
# (m6t-*) beside one a person is using. $M6_TUN_OFFLOAD=false writes the
# daemons' `tun_offload = false` (the TUN without offloads, for comparing).
set -eu

DIR=${M6_TESTBED_DIR:-/run/mip6sec-testbed}
P=${M6_TESTBED_PREFIX:-m6-}
NSS="${P}ha ${P}rtr ${P}mn ${P}cn"
HERE=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "testbed: $*" >&2; exit 1; }

find_prog() {
	# $1 = variable value, $2 = program name, $3 = path inside a build dir
	if [ -n "$1" ]; then echo "$1"; return; fi
	if command -v "$2" >/dev/null 2>&1; then command -v "$2"; return; fi
	for b in build build-test; do
		if [ -x "$HERE/$b/$3" ]; then echo "$HERE/$b/$3"; return; fi
	done
	die "cannot find $2 (set ${4}, put it on PATH or build into build/)"
}

progs() {
	MIP6SECD=$(find_prog "${MIP6SECD:-}" mip6secd src/daemon/mip6secd MIP6SECD)
	MIP6SEC=$(find_prog "${MIP6SEC:-}" mip6sec src/cli/mip6sec MIP6SEC)
}

nsx() { ns=$1; shift; ip netns exec "$ns" "$@"; }

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }

# --- configurations --------------------------------------------------------

KA_ENC=000102030405060708090a0b0c0d0e0f
KA_AUTH=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
KB_ENC=101112131415161718191a1b1c1d1e1f
KB_AUTH=303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f
KC_ENC=404142434445464748494a4b4c4d4e4f
KC_AUTH=505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f
KD_ENC=606162636465666768696a6b6c6d6e6f
KD_AUTH=707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f

PSK="mip6sec testbed pre-shared key: sixty-four octets of text or more, for IKE"

write_configs() {
	model=$1
	payload=$2
	ike=${4:-}
	HA_TUN_SPD="" HA_TUN_SA="" MN_TUN_SPD="" MN_TUN_SA=""
	if [ "$payload" = yes ]; then
		HA_TUN_SPD='{ name = "tunnel-out"; dir = "out"; order = 100; local = "2001:db8:1::1"; proto = "ipv6"; },
      { name = "tunnel-in"; dir = "in"; order = 100; local = "2001:db8:1::1"; proto = "ipv6"; },'
		HA_TUN_SA=",
      { spi = 0x2001; policy = \"tunnel-in\"; src = \"::\"; dst = \"2001:db8:1::1\"; peer = \"mn-a@example.com\";
        enc = \"aes-cbc\"; enc_key = \"$KC_ENC\"; auth = \"hmac-sha256-128\"; auth_key = \"$KC_AUTH\"; },
      { spi = 0x2002; policy = \"tunnel-out\"; src = \"2001:db8:1::1\"; dst = \"::\"; peer = \"mn-a@example.com\";
        enc = \"aes-cbc\"; enc_key = \"$KD_ENC\"; auth = \"hmac-sha256-128\"; auth_key = \"$KD_AUTH\"; }"
		MN_TUN_SPD='{ name = "tunnel-out"; dir = "out"; order = 100; remote = "2001:db8:1::1"; proto = "ipv6"; },
      { name = "tunnel-in"; dir = "in"; order = 100; remote = "2001:db8:1::1"; proto = "ipv6"; },'
		MN_TUN_SA=",
      { spi = 0x2001; policy = \"tunnel-out\"; src = \"::\"; dst = \"2001:db8:1::1\";
        enc = \"aes-cbc\"; enc_key = \"$KC_ENC\"; auth = \"hmac-sha256-128\"; auth_key = \"$KC_AUTH\"; },
      { spi = 0x2002; policy = \"tunnel-in\"; src = \"2001:db8:1::1\"; dst = \"::\";
        enc = \"aes-cbc\"; enc_key = \"$KD_ENC\"; auth = \"hmac-sha256-128\"; auth_key = \"$KD_AUTH\"; }"
	fi
	if [ "$model" = normalise ]; then
		HA_BU_REMOTE='remote = "2001:db8:1::100";'; MN_LOCAL='local = "2001:db8:1::100";'
		MN_ADDR=2001:db8:1::100
	else
		HA_BU_REMOTE='remote = "any";'; MN_LOCAL='local = "any";'
		MN_ADDR=::
	fi
	HA_BU_SA="{ spi = 0x1001; policy = \"bu-in\"; src = \"$MN_ADDR\"; dst = \"2001:db8:1::1\"; peer = \"mn-a@example.com\";
        enc = \"aes-cbc\"; enc_key = \"$KA_ENC\"; auth = \"hmac-sha256-128\"; auth_key = \"$KA_AUTH\"; },
      { spi = 0x1002; policy = \"ba-out\"; src = \"2001:db8:1::1\"; dst = \"$MN_ADDR\"; peer = \"mn-a@example.com\";
        enc = \"aes-cbc\"; enc_key = \"$KB_ENC\"; auth = \"hmac-sha256-128\"; auth_key = \"$KB_AUTH\"; }"
	MN_BU_SA="{ spi = 0x1001; policy = \"bu-out\"; src = \"$MN_ADDR\"; dst = \"2001:db8:1::1\";
        enc = \"aes-cbc\"; enc_key = \"$KA_ENC\"; auth = \"hmac-sha256-128\"; auth_key = \"$KA_AUTH\"; },
      { spi = 0x1002; policy = \"ba-in\"; src = \"2001:db8:1::1\"; dst = \"$MN_ADDR\";
        enc = \"aes-cbc\"; enc_key = \"$KB_ENC\"; auth = \"hmac-sha256-128\"; auth_key = \"$KB_AUTH\"; }"
	HA_IKE="" MN_IKE="" HA_PSK="" TUN_IKE=""
	if [ -n "$ike" ]; then
		# IKEv2 makes the BU/BA SAs, and with --payload-esp the tunnel's
		# too: the tunnel-mode Child SA of RFC 4877 4.3 (TSi = the home
		# address), whose policies select the inner packets (AES-GCM
		# needs IKE: manual keys would repeat its nonces, ALG-02)
		HA_BU_SA="" MN_BU_SA=""
		if [ "$payload" = yes ]; then
			HA_TUN_SA="" MN_TUN_SA="" TUN_IKE="tunnel = true;"
			HA_TUN_SPD='{ name = "tun-in"; dir = "in"; order = 20; remote = "2001:db8:1::100"; mode = "tunnel"; },
      { name = "tun-out"; dir = "out"; order = 20; remote = "2001:db8:1::100"; mode = "tunnel"; },
      { name = "clear-tun-in"; dir = "in"; order = 30; local = "2001:db8:1::1"; proto = "ipv6"; action = "discard"; },'
			MN_TUN_SPD='{ name = "tun-out"; dir = "out"; order = 20; local = "2001:db8:1::100"; mode = "tunnel"; },
      { name = "tun-in"; dir = "in"; order = 20; local = "2001:db8:1::100"; mode = "tunnel"; },
      { name = "clear-tun-in"; dir = "in"; order = 30; remote = "2001:db8:1::1"; proto = "ipv6"; action = "discard"; },'
		fi
		HA_PSK="psk = \"$PSK\";"
		# a,b -> "a", "b"
		props=$(printf '%s' "$ike" | sed 's/,/", "/g')
		HA_IKE="ike = { id = \"ha.example.com\"; id_type = \"fqdn\"; proposals = [ \"$props\" ]; esp = \"aes128gcm16\";${TUN_IKE:+ $TUN_IKE} };"
		MN_IKE="ike = { id = \"mn-a@example.com\"; peer_id = \"ha.example.com\"; peer_id_type = \"fqdn\";
            psk = \"$PSK\"; proposals = [ \"$props\" ]; esp = \"aes128gcm16\";${TUN_IKE:+ $TUN_IKE} };"
	fi
	cat >"$DIR/ha.conf" <<CONF
# mip6secd in m6-ha: the home agent (written by scripts/testbed.sh)
daemon = { log_level = "${M6_LOG_LEVEL:-info}"; tun = "m6tun0";${M6_TUN_OFFLOAD:+ tun_offload = $M6_TUN_OFFLOAD;} state_file = "$DIR/ha.state"; };
node = {
  name = "ha";
  interfaces = ( { link = "ha0"; addr = "2001:db8:1::1/64"; } );
  routes = ( { prefix = "::/0"; iface = 0; via = "2001:db8:1::2"; } );
  forwarding = true;
  ha = { max_lifetime = 3600; };
  ipsec = {
    node = { model = "$model"; };
    pad = ( { id = "mn-a@example.com"; $HA_PSK home_addresses = [ "2001:db8:1::100" ]; } );
    spd = (
      { name = "bu-in"; dir = "in"; order = 10; local = "2001:db8:1::1"; $HA_BU_REMOTE proto = "mh"; mh_type = "bu"; },
      { name = "ba-out"; dir = "out"; order = 10; local = "2001:db8:1::1"; $HA_BU_REMOTE proto = "mh"; mh_type = "ba"; },
      $HA_TUN_SPD
      { name = "mh-in"; dir = "in"; order = 500; proto = "mh"; action = "discard"; },
      { name = "rest-out"; dir = "out"; order = 9000; action = "bypass"; },
      { name = "rest-in"; dir = "in"; order = 9000; action = "bypass"; }
    );
    sa = (
      $HA_BU_SA$HA_TUN_SA
    );
    $HA_IKE
  };
};
CONF
	cat >"$DIR/mn.conf" <<CONF
# mip6secd in m6-mn: the mobile node (written by scripts/testbed.sh)
daemon = { log_level = "${M6_LOG_LEVEL:-info}"; tun = "m6tun0";${M6_TUN_OFFLOAD:+ tun_offload = $M6_TUN_OFFLOAD;} deregister_timeout = "1s"; };
node = {
  name = "mn";
  interfaces = ( { link = "mn0"; } );
  mn = { hoa = "2001:db8:1::100"; ha = "2001:db8:1::1"; lifetime = 3600; };
  ipsec = {
    node = { model = "$model"; };
    spd = (
      { name = "bu-out"; dir = "out"; order = 10; $MN_LOCAL remote = "2001:db8:1::1"; proto = "mh"; mh_type = "bu"; },
      { name = "ba-in"; dir = "in"; order = 10; $MN_LOCAL remote = "2001:db8:1::1"; proto = "mh"; mh_type = "ba"; },
      $MN_TUN_SPD
      { name = "rest-out"; dir = "out"; order = 9000; action = "bypass"; },
      { name = "rest-in"; dir = "in"; order = 9000; action = "bypass"; }
    );
    sa = (
      $MN_BU_SA$MN_TUN_SA
    );
    $MN_IKE
  };
};
CONF
	RO=""
	if [ "$3" = yes ]; then
		RO='route_optimisation = true; cn = [ "2001:db8:4::1" ];'
		cat >"$DIR/cn.conf" <<CONF
# mip6secd in m6-cn: a correspondent node (written by scripts/testbed.sh)
daemon = { log_level = "${M6_LOG_LEVEL:-info}"; tun = "m6tun0";${M6_TUN_OFFLOAD:+ tun_offload = $M6_TUN_OFFLOAD;} };
node = {
  name = "cn";
  interfaces = ( { link = "cn0"; addr = "2001:db8:4::1/64"; } );
  routes = ( { prefix = "::/0"; iface = 0; via = "2001:db8:4::2"; } );
  cn = { };
};
CONF
	fi
	sed -i "s|mn = { hoa = \"2001:db8:1::100\"; ha = \"2001:db8:1::1\"; lifetime = 3600; };|mn = { hoa = \"2001:db8:1::100\"; ha = \"2001:db8:1::1\"; lifetime = 3600; $RO };|" "$DIR/mn.conf"
	cat >"$DIR/radvd.conf" <<CONF
# radvd in m6-rtr. Intervals far below RFC 4861's 3 s minimum, as RFC
# 6275 7.5 allows for links with mobile nodes: movement is seen quickly.
CONF
	for b in "br-home 2001:db8:1::/64" "br-r1 2001:db8:2::/64" "br-r2 2001:db8:3::/64"; do
		set -- $b
		cat >>"$DIR/radvd.conf" <<CONF
interface $1 {
  AdvSendAdvert on;
  MinRtrAdvInterval 0.2;
  MaxRtrAdvInterval 0.5;
  MinDelayBetweenRAs 0.05;
  AdvIntervalOpt on;
  AdvDefaultLifetime 30;
  prefix $2 { AdvOnLink on; AdvAutonomous on; };
};
CONF
	done
}

# --- daemons ---------------------------------------------------------------

start_daemon() {
	# $1 = ha|mn
	progs
	ns=${P}$1
	[ -f "$DIR/$1.conf" ] || die "no $DIR/$1.conf (testbed up first)"
	ip netns exec "$ns" "$MIP6SECD" -f -c "$DIR/$1.conf" >>"$DIR/$1.log" 2>&1 &
	echo $! >"$DIR/$1.pid"
	i=0
	while ! ip netns exec "$ns" "$MIP6SEC" show status >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; then
			tail -n 20 "$DIR/$1.log" >&2
			die "mip6secd in $ns did not start (log: $DIR/$1.log)"
		fi
		sleep 0.1
	done
}

stop_pid() {
	# $1 = pidfile, $2 = signal; waits up to 3 s, then SIGKILL
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	rm -f "$1"
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill "-$2" "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$pid" 2>/dev/null || true
}

# --- up / down -------------------------------------------------------------

veth() {
	# $1 = name in $2, $3 = peer name in $4
	ip link add "$1" netns "$2" type veth peer name "$3" netns "$4"
	for side in "$1 $2" "$3 $4"; do
		set -- $side
		# frames as on a wire: no segmentation offload handing 64 KB
		# "frames" to AF_PACKET sockets
		ip netns exec "$2" ethtool -K "$1" tso off gso off gro off >/dev/null 2>&1 || true
	done
}

up() {
	model=normalise
	daemons=yes
	payload=no
	ro=no
	ike=""
	while [ $# -gt 0 ]; do
		case $1 in
		--ike)
			shift
			case ${1:-} in
			""|--*) ike=aes128gcm16-prfsha256-x25519 ;;
			*) ike=$1; shift ;;
			esac ;;
		--ro) ro=yes; shift ;;
		--payload-esp) payload=yes; shift ;;
		--model) model=$2; shift 2 ;;
		--model=*) model=${1#--model=}; shift ;;
		--no-daemons) daemons=no; shift ;;
		*) die "up: unknown option $1" ;;
		esac
	done
	case $model in normalise|true-address) ;; *) die "--model normalise|true-address" ;; esac
	[ -z "$ike" ] || [ "$model" = normalise ] || die "--ike: IKE keys the normalise model only"
	[ "$(id -u)" -eq 0 ] || die "run as root"
	for ns in $NSS; do ns_exists "$ns" && die "$ns exists: sh $0 down first"; done
	command -v radvd >/dev/null || die "radvd is not installed (sh scripts/install-deps.sh)"
	progs
	trap 'echo "testbed: up failed, cleaning up" >&2; down' EXIT
	mkdir -p "$DIR"
	chmod 700 "$DIR"
	rm -f "$DIR/ha.log" "$DIR/mn.log" "$DIR/cn.log" "$DIR/cn.conf" "$DIR/radvd.log" "$DIR/ha.state"
	echo "$model" >"$DIR/model"
	for ns in $NSS; do
		ip netns add "$ns"
		nsx "$ns" ip link set lo up
		# nobody here should wait for DAD before using an address
		nsx "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	nsx "${P}rtr" sysctl -qw net.ipv6.conf.all.forwarding=1
	n=1
	for b in br-home br-r1 br-r2; do
		# an address of its own: a bridge takes its lowest port's MAC
		# otherwise, and the router's MAC on a link would change when the
		# mobile node's port joins or leaves it (a neighbour that cached
		# the old one loses the router until its own NUD notices)
		nsx "${P}rtr" ip link add "$b" address "02:6d:36:00:00:0$n" type bridge stp_state 0 mcast_snooping 0 forward_delay 0
		n=$((n + 1))
		# a port that is always there keeps an empty link's bridge up, so
		# radvd serves it before the mobile node arrives (a veth pair: not
		# every kernel has the dummy driver)
		nsx "${P}rtr" ip link add "k-${b#br-}" type veth peer name "kp-${b#br-}"
		nsx "${P}rtr" ip link set "k-${b#br-}" master "$b" up
		nsx "${P}rtr" ip link set "kp-${b#br-}" up
		nsx "${P}rtr" ip link set "$b" up
	done
	nsx "${P}rtr" ip addr add 2001:db8:1::2/64 dev br-home nodad
	nsx "${P}rtr" ip addr add 2001:db8:2::1/64 dev br-r1 nodad
	nsx "${P}rtr" ip addr add 2001:db8:3::1/64 dev br-r2 nodad
	veth ha0 "${P}ha" rt-ha "${P}rtr"
	veth mn0 "${P}mn" rt-mn "${P}rtr"
	veth cn0 "${P}cn" rt-cn "${P}rtr"
	nsx "${P}rtr" ip link set rt-ha master br-home up
	nsx "${P}rtr" ip link set rt-mn master br-home up
	nsx "${P}rtr" ip link set rt-cn up
	nsx "${P}rtr" ip addr add 2001:db8:4::2/64 dev rt-cn nodad
	nsx "${P}cn" ip link set cn0 up
	nsx "${P}cn" ip addr add 2001:db8:4::1/64 dev cn0 nodad
	nsx "${P}cn" ip -6 route add default via 2001:db8:4::2
	nsx "${P}ha" ip link set ha0 up
	nsx "${P}mn" ip link set mn0 up
	echo home >"$DIR/mn.link"
	write_configs "$model" "$payload" "$ro" "$ike"
	nsx "${P}rtr" radvd -C "$DIR/radvd.conf" -p "$DIR/radvd.pid" -m logfile -l "$DIR/radvd.log" -u root
	if [ "$daemons" = yes ]; then
		start_daemon ha
		start_daemon mn
		[ "$ro" = no ] || start_daemon cn
	fi
	trap - EXIT
	echo "testbed up ($model model$([ "$payload" = yes ] && echo ", ESP on the tunnel")$([ "$ro" = yes ] && echo ", route optimisation")$([ -n "$ike" ] && echo ", IKEv2 $ike")); state in $DIR"
}

down() {
	trap - EXIT
	for d in mn ha cn; do stop_pid "$DIR/$d.pid" TERM; done
	stop_pid "$DIR/radvd.pid" TERM
	for ns in $NSS; do
		ns_exists "$ns" && ip netns del "$ns" 2>/dev/null || true
	done
	rm -f "$DIR/mn.link" "$DIR/model" "$DIR/ha.state"
	echo "testbed down"
}

move() {
	[ $# -eq 1 ] || die "move home|r1|r2"
	case $1 in home|r1|r2) ;; *) die "move home|r1|r2" ;; esac
	ns_exists "${P}rtr" || die "testbed is not up"
	# the link goes away, the port joins the other bridge, the link comes back
	nsx "${P}rtr" ip link set rt-mn down
	nsx "${P}rtr" ip link set rt-mn nomaster
	nsx "${P}rtr" ip link set rt-mn master "br-$1"
	nsx "${P}rtr" ip link set rt-mn up
	echo "$1" >"$DIR/mn.link"
	echo "mn moved to $1"
}

restart() {
	[ $# -eq 1 ] || die "restart ha|mn|cn"
	case $1 in ha|mn|cn) ;; *) die "restart ha|mn|cn" ;; esac
	stop_pid "$DIR/$1.pid" KILL
	start_daemon "$1"
	echo "mip6secd in ${P}$1 restarted"
}

status() {
	progs
	for ns in $NSS; do
		if ns_exists "$ns"; then echo "$ns: present"; else echo "$ns: absent"; fi
	done
	[ -f "$DIR/model" ] && echo "model: $(cat "$DIR/model")"
	[ -f "$DIR/mn.link" ] && echo "mobile node on: $(cat "$DIR/mn.link")"
	for d in ha mn cn; do
		[ -f "$DIR/$d.conf" ] || continue
		if [ -f "$DIR/$d.pid" ] && kill -0 "$(cat "$DIR/$d.pid")" 2>/dev/null; then
			echo "--- mip6secd in ${P}$d (pid $(cat "$DIR/$d.pid"))"
			nsx "${P}$d" "$MIP6SEC" show status || true
			nsx "${P}$d" "$MIP6SEC" show bindings || true
		else
			echo "--- mip6secd in ${P}$d: not running"
		fi
	done
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
up) up "$@" ;;
down) down ;;
move) move "$@" ;;
restart) restart "$@" ;;
status) status ;;
*) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; [ -n "$cmd" ] && exit 2 || exit 0 ;;
esac
