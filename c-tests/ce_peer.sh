#!/usr/bin/env bash
# Runs one CE C test against a real TLS peer on 127.0.0.1 with certificates made now.
#
#   ce_peer.sh <peer> [peer options...] -- <test-binary> [test args...]
#
# <peer>: python:<mode>   tests/peers/py_tls_server.py in <mode> (echo, send, truncate, starttls)
#         openssl         openssl s_server -rev (peer options are passed to s_server)
#         none            no peer (certificates only)
# Peer option --expect RESULT: the peer's RESULT line must equal it.
#
# The test gets: CE_PORT, CE_DIR, CE_CA (CA PEM), CE_LEAF_DER (the server's leaf, DER),
# CE_NOT_BEFORE / CE_NOT_AFTER (the leaf's validity, Unix seconds). It is not given
# WSTLS_CA_FILE: tests that want the CA trusted call wstls_add_trusted_ca_file(CE_CA).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PEER=$1; shift
PEER_ARGS=()
EXPECT=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    if [ "$1" = "--expect" ]; then EXPECT=$2; shift 2; continue; fi
    PEER_ARGS+=("$1"); shift
done
[ $# -gt 0 ] && shift
DIR=$(mktemp -d "${TMPDIR:-/tmp}/wstls-ce.XXXXXX")
PEER_PID=""
cleanup() { if [ -n "$PEER_PID" ]; then kill "$PEER_PID" 2>/dev/null || true; fi; rm -rf "$DIR"; }
trap cleanup EXIT

# A CA and a leaf (P-256; SAN localhost and 127.0.0.1; serial 01:23:45:67:89:AB).
( cd "$DIR"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
      -subj "/O=wstls tests/CN=wstls C test CA" -days 30 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out leaf.csr \
      -subj "/CN=wstls C test server" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' > ext.cnf
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x0123456789AB -days 30 \
      -extfile ext.cnf -out leaf.pem 2>/dev/null
  openssl x509 -in leaf.pem -outform DER -out leaf.der
  cat leaf.pem ca.pem > chain.pem )
nb=$(openssl x509 -in "$DIR/leaf.pem" -noout -startdate | sed 's/^notBefore=//')
na=$(openssl x509 -in "$DIR/leaf.pem" -noout -enddate | sed 's/^notAfter=//')
CE_NOT_BEFORE=$(date -u -d "$nb" +%s)
CE_NOT_AFTER=$(date -u -d "$na" +%s)

PORT=0
case "$PEER" in
python:*)
    MODE=${PEER#python:}
    python3 "$ROOT/tests/peers/py_tls_server.py" --cert "$DIR/chain.pem" --key "$DIR/key.pem" \
        --mode "$MODE" ${PEER_ARGS[@]+"${PEER_ARGS[@]}"} > "$DIR/peer.out" 2>"$DIR/peer.err" &
    PEER_PID=$!
    ;;
openssl)
    openssl s_server -accept 127.0.0.1:0 -naccept 1 -rev -cert "$DIR/leaf.pem" -key "$DIR/key.pem" \
        ${PEER_ARGS[@]+"${PEER_ARGS[@]}"} < /dev/null > "$DIR/peer.out" 2>"$DIR/peer.err" &
    PEER_PID=$!
    ;;
none) ;;
*) echo "unknown peer $PEER"; exit 2 ;;
esac
if [ -n "$PEER_PID" ]; then
    i=0
    while :; do
        PORT=$(sed -n 's/^PORT \([0-9]*\)$/\1/p; s/^ACCEPT .*:\([0-9]*\)$/\1/p' "$DIR/peer.out" | head -n 1)
        [ -n "$PORT" ] && break
        i=$((i + 1))
        if [ $i -gt 200 ]; then echo "peer did not start"; cat "$DIR/peer.err"; exit 1; fi
        sleep 0.05
    done
fi

status=0
CE_PORT=$PORT CE_DIR=$DIR CE_CA="$DIR/ca.pem" CE_LEAF_DER="$DIR/leaf.der" \
CE_NOT_BEFORE=$CE_NOT_BEFORE CE_NOT_AFTER=$CE_NOT_AFTER "$@" || status=$?
if [ $status -ne 0 ]; then echo "test program failed ($status)"; exit $status; fi

if [ -n "$EXPECT" ]; then
    i=0
    while ! grep -q '^RESULT ' "$DIR/peer.out"; do
        i=$((i + 1))
        if [ $i -gt 200 ]; then echo "peer gave no RESULT"; cat "$DIR/peer.out" "$DIR/peer.err"; exit 1; fi
        sleep 0.05
    done
    got=$(sed -n 's/^RESULT //p' "$DIR/peer.out" | head -n 1)
    case "$got" in
    "$EXPECT"*) ;;
    *) echo "peer RESULT '$got', expected '$EXPECT'"; exit 1 ;;
    esac
fi
exit 0
