#!/bin/sh
# gen_certs.sh DIR - a throw-away test PKI made with the openssl CLI, valid for two days:
#   DIR/ca.pem, ca.key          a CA (basicConstraints CA:TRUE)
#   DIR/server.pem, server.key  a leaf for DNS:localhost and IP:127.0.0.1 (serverAuth),
#                               signed by the CA (rustls refuses a CA certificate as a leaf)
#   DIR/client.pem, client.key  a leaf for client authentication (clientAuth)
# All keys are ECDSA P-256, PKCS#8 PEM.
set -eu
d=$1
mkdir -p "$d"
cd "$d"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -subj "/CN=wstls example CA" -days 2 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
leaf() { # name subject extensions
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" \
        -subj "$2" 2>/dev/null
    printf '%s\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
        -days 2 -out "$1.pem" -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
leaf server "/CN=localhost" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"
leaf client "/CN=wstls example client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
