#!/bin/sh
# run_ce_deferred_client.sh CLIENT - runs examples/ce_deferred_client.c (CE's "Using a Deferred
# Handshake", unchanged) against a STARTTLS peer that is not wstls (starttls_server.py, Python
# ssl), with a CA and leaf made by gen_certs.sh:
#   1. trusted (WSTLS_CA_FILE): plain TCP, STARTTLS in clear, SO_SSL_PERFORM_HANDSHAKE, the hook
#      called once with no flag, the upper-cased echo, close_notify seen by the server;
#   2. untrusted (no WSTLS_CA_FILE): the hook sees SSL_CERT_FLAG_ISSUER_UNKNOWN and refuses,
#      SO_SSL_PERFORM_HANDSHAKE fails with WSAECONNABORTED and a message.
set -eu
client=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$tmp"/*.out; do [ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f" >&2; done; exit 1; }
sh "$here/gen_certs.sh" "$tmp/pki"

start() { # NAME: starts the STARTTLS peer, sets $pid and $port
    : >"$tmp/$1-server.out"
    python3 "$here/starttls_server.py" "$tmp/pki/server.pem" "$tmp/pki/server.key" >"$tmp/$1-server.out" 2>&1 &
    pid=$!
    port=""
    for _ in $(seq 1 100); do
        port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$tmp/$1-server.out")
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    fail "$1: the STARTTLS server did not start"
}

echo "==> 1. trusted server"
start trusted
st=0
env -u WSTLS_LOG WSTLS_CA_FILE="$tmp/pki/ca.pem" "$client" localhost 127.0.0.1 "$port" >"$tmp/trusted-client.out" 2>&1 || st=$?
wait $pid || fail "trusted: the server saw no clean TLS session"
pid=""
[ $st = 0 ] || fail "trusted: client exit status $st"
grep -q '^1-7\. connected to 127.0.0.1' "$tmp/trusted-client.out" || fail "no plain TCP connect"
grep -q '^8\. *clear text: server said "OK STARTTLS"' "$tmp/trusted-client.out" || fail "no clear-text exchange"
grep -q 'hook: chain trusted and name matched: accepting' "$tmp/trusted-client.out" || fail "the hook did not accept"
grep -q '^10\. *handshake done (hook called 1 time(s))' "$tmp/trusted-client.out" || fail "the hook was not called exactly once"
grep -q 'received "HELLO OVER TLS"' "$tmp/trusted-client.out" || fail "no encrypted echo"
grep -q '^tls ok: TLSv1.3 1 lines, close_notify received$' "$tmp/trusted-server.out" || fail "the server did not see close_notify"
sed 's/^/client: /' "$tmp/trusted-client.out"
sed 's/^/server: /' "$tmp/trusted-server.out"

echo "==> 2. untrusted server (no WSTLS_CA_FILE): the hook refuses"
start untrusted
st=0
env -u WSTLS_LOG -u WSTLS_CA_FILE "$client" localhost 127.0.0.1 "$port" >"$tmp/untrusted-client.out" 2>&1 || st=$?
wait $pid || true
pid=""
[ $st = 1 ] || fail "untrusted: client exit status $st, expected 1"
grep -q 'hook: SSL_CERT_FLAG_ISSUER_UNKNOWN' "$tmp/untrusted-client.out" || fail "the hook did not see SSL_CERT_FLAG_ISSUER_UNKNOWN"
grep -q '^WSAIoctl(SO_SSL_PERFORM_HANDSHAKE) failed: 10053 (.\+)' "$tmp/untrusted-client.out" || fail "no WSAECONNABORTED with a message"
grep -q '^tls failed' "$tmp/untrusted-server.out" || fail "the server completed a handshake the client refused"
sed 's/^/client: /' "$tmp/untrusted-client.out"
echo "==> ce_deferred_client example passed"
