#!/bin/sh
# Test PKI for the benchmarks: an ECDSA P-256 CA and leaf, an RSA-2048 CA and leaf, both leaves
# for "localhost" (and 127.0.0.1). Usage: gen-certs.sh DIR  (does nothing if DIR is complete).
set -eu
d=$1
mkdir -p "$d"
cd "$d"
[ -s ca.pem ] && [ -s ecdsa.pem ] && [ -s rsa.pem ] && exit 0
cat > leaf.ext <<EOT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EOT
cat > ca.ext <<EOT
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
EOT
mk() { # name keyalg-args...
    n=$1; shift
    openssl genpkey "$@" -out "$n-ca.key" 2>/dev/null
    openssl req -new -x509 -key "$n-ca.key" -subj "/CN=wstls bench $n CA" -days 3650 \
        -extensions v3_ca -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$n-ca.pem" 2>/dev/null
    openssl genpkey "$@" -out "$n.key" 2>/dev/null
    openssl req -new -key "$n.key" -subj "/CN=localhost" -out "$n.csr" 2>/dev/null
    openssl x509 -req -in "$n.csr" -CA "$n-ca.pem" -CAkey "$n-ca.key" -CAcreateserial \
        -days 3650 -extfile leaf.ext -out "$n.pem" 2>/dev/null
}
mk ecdsa -algorithm EC -pkeyopt ec_paramgen_curve:P-256
mk rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
cat ecdsa-ca.pem rsa-ca.pem > ca.pem
echo "certificates in $d"
