#!/bin/sh
# The home agent's accept decision: spin checks verify/ha_accept.pml
# exhaustively, then every combination the model visited goes through the
# C code (ha_accept_check), which must give the model's verdict; last, two
# variants of the model must fail, so the property is known to bite:
# without the RFC 3776 configuration rule (the broad SA of the 2003 thread)
# and with the post-check as it was before it followed nested tunnels.
#
#   verify/run-ha-accept.sh MODEL.pml CHECKER WORKDIR
#
# CC (environment) compiles spin's verifier; default cc. Exit 0 when all
# holds; 1 on a violation, a disagreement, or spin missing.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 MODEL.pml CHECKER WORKDIR" >&2
	exit 2
fi
model=$1 checker=$2 work=$3
cc=${CC:-cc}

if ! command -v spin >/dev/null 2>&1; then
	echo "FAIL: spin is not installed (Debian package spin; scripts/install-deps.sh installs it)"
	exit 1
fi
case $checker in /*) ;; *) checker=$(pwd)/$checker ;; esac
rm -rf "$work"
mkdir -p "$work"
cp "$model" "$work/ha_accept.pml"
cd "$work"

# pan: -DSAFETY (no cycles to look for), -DPRINTF (the verdict table);
# -w20: a 1 MiB-slot hash table is ample for the ~400,000 states.
build_pan() {
	spin "$@" -a ha_accept.pml >spin.log 2>&1 || { cat spin.log; exit 1; }
	# shellcheck disable=SC2086
	$cc -O1 -w -DSAFETY -DPRINTF -o pan pan.c || exit 1
}

build_pan
./pan -w20 >pan.out 2>&1 || true
grep -v '^V ' pan.out | grep -E 'errors:|states, stored|elapsed' | sed 's/^/spin: /'
if ! grep -q 'errors: 0$' pan.out; then
	echo "FAIL: spin found a violation of the property:"
	spin -t ha_accept.pml 2>&1 | grep -E '^ *V |assert' | tr -s ' '
	exit 1
fi
grep '^V ' pan.out >table.txt
"$checker" table.txt || { echo "FAIL: the C code and the model disagree (above)"; exit 1; }

for variant in NO_CFG_RULE TOP_ONLY_POSTCHECK; do
	build_pan -D$variant
	./pan -w20 -c0 >pan-$variant.out 2>&1 || true
	n=$(sed -n 's/.*errors: \([0-9]*\)$/\1/p' pan-$variant.out)
	if [ "${n:-0}" -eq 0 ]; then
		echo "FAIL: with -D$variant spin should find a violation and did not: the property is vacuous"
		exit 1
	fi
	rm -f ha_accept.pml.trail
	./pan -w20 >/dev/null 2>&1 || true
	printf 'spin -D%s: %s violating combinations as expected, the first:' "$variant" "$n"
	spin -D$variant -t ha_accept.pml 2>&1 | grep -E '^ *V ' | tr -s ' '
	rm -f ha_accept.pml.trail
done
echo "ok: the model holds, and the code gives its verdict for every combination"
