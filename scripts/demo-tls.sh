#!/bin/sh
# The Windows CE deferred-handshake demo, entirely on loopback (no internet needed):
#   1. builds libwstls and the demo server (examples/demo_server.rs: makes a CA and a
#      certificate for localhost, speaks STARTTLS-style plaintext, then TLS);
#   2. compiles examples/ce_deferred_client.c - a CE program, unchanged - against the compat
#      headers and libwstls;
#   3. runs the server, then the client with WSTLS_CA_FILE pointing at the demo CA.
# Set SSLKEYLOGFILE to record the TLS secrets (Wireshark can then decrypt a capture).
set -eu
cd "$(dirname "$0")/.."
. scripts/prereqs.sh
wstls_prereqs cc
ROOT=$(pwd)
OUT=${WSTLS_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/wstls-demo.XXXXXX")}
mkdir -p "$OUT"

echo "== building libwstls and the demo server"
cargo build --quiet --lib --example demo_server
LIBDIR="$ROOT/target/debug"

echo "== compiling examples/ce_deferred_client.c (a CE program) against include/compat"
${CC:-cc} -Wall -o "$OUT/ce_deferred_client" examples/ce_deferred_client.c \
    -I include/compat -I include -L "$LIBDIR" -lwstls -Wl,-rpath,"$LIBDIR"

echo "== starting the demo server"
rm -f "$OUT/port"
"$LIBDIR/examples/demo_server" --port 0 --dir "$OUT" --count 1 > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
i=0
while [ ! -s "$OUT/port" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then echo "the demo server did not start:"; cat "$OUT/server.log"; exit 1; fi
    sleep 0.1
done
PORT=$(cat "$OUT/port")

echo "== running the client: WSTLS_CA_FILE=$OUT/ca.pem ce_deferred_client localhost 127.0.0.1 $PORT"
status=0
WSTLS_CA_FILE="$OUT/ca.pem" "$OUT/ce_deferred_client" localhost 127.0.0.1 "$PORT" || status=$?
wait $SERVER 2>/dev/null || true
echo "== server log"
cat "$OUT/server.log"
if [ $status -eq 0 ]; then echo "== demo OK"; else echo "== demo FAILED ($status)"; fi
exit $status
