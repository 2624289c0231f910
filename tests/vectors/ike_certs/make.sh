#!/bin/sh
# Test certificates for IKEv2 certificate authentication (tests/unit/
# test_ike_sig.c, tests/oracle/ike_sig_oracle.py). Made with the openssl
# command line alone; run from this directory to make them again:
#   sh make.sh
# Everything is valid for 3650 days from the day it is made (the tests
# check at a fixed wall time, 2029-01-01, and at 2040-01-01 for "expired").
#
#   ca            EC P-256 root, the CA both ends trust
#   ca2           another root (the "wrong CA" tests)
#   inter         an intermediate CA under ca (EC P-256)
#   ha-<k>        home agent: SAN DNS:ha.example.org, IP:2001:db8:1::1
#   mn-<k>        mobile node: SAN DNS:mn.example.org, email:mn@example.org,
#                 IP:2001:db8:1::100 (its home address)
#                 k = rsa (RSA-2048), p256, p384 (ECDSA), ed25519
#   mn-nosan      mobile node P-256 without the home address in its SAN (4877-08)
#   mn-ca2        mobile node P-256 under ca2
#   mn-inter      mobile node P-256 under inter
#   mn-rsa1024    mobile node with a key too small to be accepted
set -e
DAYS=3650
key() {
	case $2 in
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" ;;
	rsa1024) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$1.key" ;;
	p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" ;;
	p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.key" ;;
	ed25519) openssl genpkey -algorithm ED25519 -out "$1.key" ;;
	esac
}
ca() {
	key "$1" p256
	openssl req -new -x509 -key "$1.key" -out "$1.pem" -days $DAYS -subj "/O=mip6sec test/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
# name kind issuer cn san
leaf() {
	key "$1" "$2"
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$5" > "$1.ext"
	openssl req -new -key "$1.key" -out "$1.csr" -subj "/O=mip6sec test/CN=$4"
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days $DAYS \
		-extfile "$1.ext" -out "$1.pem"
	rm -f "$1.csr" "$1.ext"
}
ca ca "mip6sec test CA"
ca ca2 "another CA"
key inter p256
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > inter.ext
openssl req -new -key inter.key -out inter.csr -subj "/O=mip6sec test/CN=intermediate"
openssl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $DAYS -extfile inter.ext -out inter.pem
rm -f inter.csr inter.ext
HA='DNS:ha.example.org,IP:2001:db8:1::1'
MN='DNS:mn.example.org,email:mn@example.org,IP:2001:db8:1::100'
for k in rsa p256 p384 ed25519; do
	leaf ha-$k $k ca ha.example.org "$HA"
	leaf mn-$k $k ca mn.example.org "$MN"
done
leaf mn-nosan p256 ca mn.example.org 'DNS:mn.example.org,IP:2001:db8:1::200'
leaf mn-ca2 p256 ca2 mn.example.org "$MN"
leaf mn-inter p256 inter mn.example.org "$MN"
leaf mn-rsa1024 rsa1024 ca mn.example.org "$MN"
rm -f *.srl
