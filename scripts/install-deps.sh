#!/bin/sh
# Install everything mip6sec needs to build, test and demo, from Debian 12 packages.
set -eu
PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev libssl-dev libcmocka-dev
libpcap-dev libconfig-dev libjansson-dev tshark python3 python3-scapy iproute2 spin librsvg2-bin
radvd iperf3 tcpdump ethtool iputils-ping strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
libstrongswan-extra-plugins python3-cryptography"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	# tshark asks whether non-root users may capture; the default (no) is fine.
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
