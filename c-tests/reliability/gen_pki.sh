#!/bin/sh
# gen_pki.sh DIR - a test PKI for the reliability C tests, made with the openssl CLI:
#   DIR/ca.pem            the CA (P-256), trusted through WSTLS_CA_FILE
#   DIR/server.pem        server leaf (localhost, 127.0.0.1, ::1; serverAuth) + the CA
#   DIR/server.key        its key
#   DIR/rsa-server.pem    an RSA-2048 leaf + the CA (for the testssl.sh scan: both key types)
#   DIR/rsa-server.key
set -eu
DIR=$1
mkdir -p "$DIR"
cd "$DIR"
rm -f ./*.pem ./*.key ./*.csr ./*.srl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -subj "/O=wstls tests/CN=wstls reliability CA" -days 3650 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
# A year of validity, a CRL distribution point and an OCSP responder address (nothing answers
# there: scanners only look for them) make the leaf look like a real server's.
cat > ext.cnf <<'EXT'
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
basicConstraints=CA:FALSE
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature,keyEncipherment
crlDistributionPoints=URI:http://127.0.0.1/wstls-test.crl
authorityInfoAccess=OCSP;URI:http://127.0.0.1/ocsp
EXT
leaf() { # leaf NAME KEYOPTS...
    name=$1
    shift
    openssl req -newkey "$@" -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=localhost" 2>/dev/null
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
        -extfile ext.cnf -out "$name.leaf.pem" 2>/dev/null
    cat "$name.leaf.pem" ca.pem > "$name.pem"
}
leaf server ec -pkeyopt ec_paramgen_curve:P-256
leaf rsa-server rsa:2048
echo "PKI in $DIR"
