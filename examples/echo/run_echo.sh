#!/bin/sh
# run_echo.sh SERVER CLIENT [MESSAGE] - starts the echo server on a free port, runs the client
# against it on loopback and checks the echo. Used by `ctest` and scripts/demo.sh.
set -eu
server=$1
client=$2
message=${3:-"hello from a Winsock program on Linux"}
tmp=$(mktemp -d)
: > "$tmp/server.out"   # exists before the poll below reads it (the server's redirect races it)
"$server" 0 1 > "$tmp/server.out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$tmp/server.out")
    [ -n "$port" ] && break
    if ! kill -0 $pid 2>/dev/null; then
        cat "$tmp/server.out"
        echo "echo server exited early" >&2
        exit 1
    fi
    sleep 0.1
done
[ -n "$port" ] || { echo "echo server did not start" >&2; exit 1; }
echo "demo: echo server ready on 127.0.0.1:$port"
"$client" 127.0.0.1 "$port" "$message"
wait $pid
trap 'rm -rf "$tmp"' EXIT
sed 's/^/server: /' "$tmp/server.out"
grep -q "^echoed ${#message} bytes$" "$tmp/server.out"
