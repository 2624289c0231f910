#!/bin/bash
# make.sh - regenerate the IKEv2 golden captures of this directory (TV-07).
#
# No RFC gives complete IKEv2 exchange or AUTH vectors, so these come from a
# real, independent implementation: two strongSwan charon daemons (5.9.x,
# Debian packages strongswan-charon, strongswan-swanctl, plus tcpdump) in
# two network namespaces joined by a veth pair, authenticating each other
# with a pre-shared key. For each run below one IKE SA and one tunnel-mode
# CHILD_SA are set up, three pings cross the tunnel, and the IKE SA is
# deleted; tcpdump records IKE and ESP on the responder's link and charon's
# file log at level 4 records the keys (the save-keys plugin is not in
# Debian's packages, so extract.py takes them from the log instead).
#
# Written here (commit them; the test suite only reads them):
#   RUN.pcap                    the capture (Ethernet, IKE on UDP 500/4500,
#                               ESP in UDP 4500)
#   RUN.ikev2_decryption_table  SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ"
#                               (Wireshark's format, as strongSwan's save-keys
#                               plugin writes it; `mip6sec decode --keys` reads it)
#   RUN.esp_sa                  Wireshark's esp_sa table of the CHILD_SA
#   RUN.json                    PSK, identities, addresses, proposals and every
#                               key charon logged (DH shared secret, SKEYSEED,
#                               SK_d/ai/ar/ei/er/pi/pr, ESP keys, SPIs)
# RUN is "gcm" (IKE aes128gcm16-prfsha256-x25519, ESP aes128gcm16) and "cbc"
# (IKE aes128-sha256-modp2048, ESP aes128-sha256).
#
# Run as root, from anywhere:  tests/vectors/ike_golden/make.sh [RUN...]
# Knobs: KEEP=DIR keeps the charon logs and configs in DIR; OUT=DIR writes
# the outputs to DIR instead of this directory. Nothing under /etc or the
# host's /run is touched: each charon gets its own strongswan.conf, swanctl
# directory and, in its own mount namespace, its own /run (pid file and vici
# socket), all in a temporary directory. Only the namespaces, charons and
# tcpdumps this script started are removed or stopped on exit.
#
# The test that replays the captures: tests/oracle/ike_golden_oracle.py.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
CHARON=${CHARON:-/usr/lib/ipsec/charon}
PSK='golden-psk-TV07-0123456789abcdef'
ID_I='mn1@example.com'          # initiator, ID_RFC822_ADDR
ID_R='ha.example.com'           # responder, ID_FQDN
ADDR_I=2001:db8:7::2
ADDR_R=2001:db8:7::1
RUNS=${*:-gcm cbc}

[ "$(id -u)" = 0 ] || { echo "make.sh: run as root (network namespaces)" >&2; exit 1; }
for p in "$CHARON" swanctl tcpdump ip python3; do
	command -v "$p" >/dev/null || { echo "make.sh: $p not found" >&2; exit 1; }
done

# short path: the vici socket path must stay below 108 octets
TMP=$(mktemp -d /tmp/ikeg.XXXXXX)
NS_I=ikeg-i-$$
NS_R=ikeg-r-$$
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	PIDS=()
	ip netns del "$NS_I" 2>/dev/null || true
	ip netns del "$NS_R" 2>/dev/null || true
}
finish() {
	cleanup
	if [ -n "${KEEP:-}" ]; then
		mkdir -p "$KEEP" && cp -r "$TMP"/. "$KEEP"/ && echo "logs and configs kept in $KEEP"
	fi
	rm -rf "$TMP"
}
trap finish EXIT
trap 'exit 1' INT TERM

# conf DIR NAME -> DIR/strongswan.conf (own plugins, own log, own vici socket)
conf() {
	local d=$1
	mkdir -p "$d/run" "$d/swanctl"
	cat > "$d/strongswan.conf" <<EOC
charon {
	load_modular = no
	# kdf holds prf+ in 5.9.8; kernel-libipsec (userspace ESP: tunnel mode,
	# UDP-encapsulated) must come before kernel-netlink
	load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey aes sha1 sha2 hmac kdf gcm curve25519 kernel-libipsec kernel-netlink socket-default vici
	install_virtual_ip = no
	retransmit_tries = 2
	filelog {
		log {
			path = $d/charon.log
			time_format = %H:%M:%S
			ike_name = yes
			append = no
			flush_line = yes
			default = 1
			# level 4 writes the keys
			ike = 4
			chd = 4
			cfg = 1
			knl = 1
			net = 1
			enc = 1
		}
	}
	syslog {
		daemon { default = -1 }
		auth { default = -1 }
	}
	plugins {
		vici { socket = unix://$d/run/charon.vici }
		# IKE and libipsec's ESP-in-UDP bypass libipsec's routing table 220
		socket-default { fwmark = 0x42 }
		kernel-netlink { fwmark = !0x42 }
		kernel-libipsec { allow_peer_ts = yes }
	}
}
swanctl {
	socket = unix://$d/run/charon.vici
}
EOC
}

# swconf DIR ROLE IKE ESP -> DIR/swanctl/swanctl.conf
swconf() {
	local d=$1 role=$2 ike=$3 esp=$4 lid rid laddr raddr
	if [ "$role" = init ]; then
		lid=$ID_I; rid=$ID_R; laddr=$ADDR_I; raddr=$ADDR_R
	else
		lid=$ID_R; rid=$ID_I; laddr=$ADDR_R; raddr=$ADDR_I
	fi
	cat > "$d/swanctl/swanctl.conf" <<EOC
connections {
	golden {
		version = 2
		local_addrs = $laddr
		remote_addrs = $raddr
		proposals = $ike
		mobike = no
		fragmentation = no
		rekey_time = 0
		dpd_delay = 0
		local { auth = psk
			id = $lid }
		remote { auth = psk
			id = $rid }
		children {
			tun {
				mode = tunnel
				esp_proposals = $esp
				rekey_time = 0
				start_action = none
			}
		}
	}
}
secrets {
	ike-golden {
		id-i = $ID_I
		id-r = $ID_R
		secret = "$PSK"
	}
}
EOC
}

# start DIR NS -> charon in NS, its pid appended to PIDS
start() {
	local d=$1 ns=$2
	# ip netns exec gives the command its own mount namespace: the bind
	# mount over /run (charon 5.9 hard-codes /var/run/charon.pid) stays private
	setsid ip netns exec "$ns" sh -c "mount --bind '$d/run' /run && exec env STRONGSWAN_CONF='$d/strongswan.conf' '$CHARON'" \
		> "$d/charon.out" 2>&1 < /dev/null &
	PIDS+=("$!")
	for _ in $(seq 1 100); do
		[ -S "$d/run/charon.vici" ] && break
		sleep 0.1
	done
	[ -S "$d/run/charon.vici" ] || { echo "charon in $ns did not start:" >&2; cat "$d/charon.out" >&2; exit 1; }
}

ctl() {
	local d=$1; shift
	STRONGSWAN_CONF="$d/strongswan.conf" SWANCTL_DIR="$d/swanctl" swanctl "$@" --uri "unix://$d/run/charon.vici"
}

# netns_addr NS DEV ADDR -> lo and DEV up, ADDR/64 on DEV without DAD
netns_addr() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip -n "$1" link set lo up
	ip -n "$1" link set "$2" up
	ip -n "$1" -6 addr add "$3/64" dev "$2" nodad
}

one_run() {
	local run=$1 ike esp d cap
	case $run in
	gcm) ike=aes128gcm16-prfsha256-x25519; esp=aes128gcm16 ;;
	cbc) ike=aes128-sha256-modp2048; esp=aes128-sha256 ;;
	*) echo "make.sh: unknown run '$run' (gcm, cbc)" >&2; exit 1 ;;
	esac
	d=$TMP/$run
	mkdir -p "$d"
	ip netns add "$NS_I"
	ip netns add "$NS_R"
	ip link add veth-gi type veth peer name veth-gr
	ip link set veth-gi netns "$NS_I"
	ip link set veth-gr netns "$NS_R"
	netns_addr "$NS_I" veth-gi "$ADDR_I"
	netns_addr "$NS_R" veth-gr "$ADDR_R"
	for r in init resp; do
		conf "$d/$r"
		swconf "$d/$r" "$r" "$ike" "$esp"
	done
	start "$d/resp" "$NS_R"
	start "$d/init" "$NS_I"
	ctl "$d/resp" --load-all --noprompt > "$d/resp/load.out" 2>&1
	ctl "$d/init" --load-all --noprompt > "$d/init/load.out" 2>&1

	cap=$d/$run.pcap
	ip netns exec "$NS_R" tcpdump -i veth-gr -s 0 -U -Z root -w "$cap" \
		'udp port 500 or udp port 4500 or ip6 proto 50' > "$d/tcpdump.out" 2>&1 &
	PIDS+=("$!")
	local tcpdump_pid=$!
	for _ in $(seq 1 50); do grep -q listening "$d/tcpdump.out" && break; sleep 0.1; done
	sleep 0.5

	ctl "$d/init" --initiate --child tun > "$d/initiate.out"
	ip netns exec "$NS_I" ping -6 -c 3 -i 0.2 -W 2 "$ADDR_R" > "$d/ping.out"
	ctl "$d/init" --terminate --ike golden > "$d/terminate.out"
	sleep 1
	kill -INT "$tcpdump_pid"
	wait "$tcpdump_pid" 2>/dev/null || true

	python3 "$HERE/extract.py" --log "$d/resp/charon.log" --log2 "$d/init/charon.log" --pcap "$cap" \
		--psk "$PSK" --id-i "$ID_I" --id-r "$ID_R" --addr-i "$ADDR_I" --addr-r "$ADDR_R" \
		--ike "$ike" --esp "$esp" --out "$OUT/$run"
	cp "$cap" "$OUT/$run.pcap"
	cleanup
	echo "$run: wrote" "$OUT/$run".*
}

for run in $RUNS; do
	one_run "$run"
done
