#!/bin/sh
# run_sspi.sh CLIENT SERVER - runs the SSPI examples against peers that are not wstls, with a
# CA and leaf made by gen_certs.sh:
#   1. sspi_https_get (curl-style HTTPS GET) against openssl s_server -www, TLS 1.3 and TLS 1.2:
#      status line printed, the server's close_notify seen;
#   2. sspi_https_get against a server whose CA is not trusted: SEC_E_UNTRUSTED_ROOT (0x80090325)
#      and a message;
#   3. sspi_echo_server (AcceptSecurityContext echo) against a Python ssl client (TLS 1.3, echo,
#      close_notify both ways) and openssl s_client -tls1_2.
set -eu
client=$1
server=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$tmp"/*.out; do [ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f" >&2; done; exit 1; }
sh "$here/gen_certs.sh" "$tmp/pki"
pki=$tmp/pki

s_server() { # NAME ARGS...: openssl s_server -www on a free port; sets $pid and $port
    name=$1
    shift
    : >"$tmp/$name.out"
    openssl s_server -accept 0 -cert "$pki/server.pem" -key "$pki/server.key" -www -naccept 1 "$@" \
        >"$tmp/$name.out" 2>&1 </dev/null &
    pid=$!
    port=""
    for _ in $(seq 1 100); do
        port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$tmp/$name.out")
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    fail "$name: openssl s_server did not start"
}

for v in 1.3 1.2; do
    echo "==> 1. sspi_https_get against openssl s_server -www (TLS $v)"
    if [ $v = 1.2 ]; then s_server "s_server$v" -tls1_2; else s_server "s_server$v"; fi
    st=0
    env -u WSTLS_LOG WSTLS_CA_FILE="$pki/ca.pem" "$client" localhost "$port" / >"$tmp/client$v.out" 2>&1 || st=$?
    kill $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    pid=""
    [ $st = 0 ] || fail "client (TLS $v) exit status $st"
    grep -q "^connected to localhost: TLS $v" "$tmp/client$v.out" || fail "not TLS $v"
    grep -q '^HTTP/1.0 200 ok' "$tmp/client$v.out" || fail "no HTTP status line"
    grep -q '^response: [0-9]* bytes, then close_notify$' "$tmp/client$v.out" || fail "no close_notify from s_server"
    sed 's/^/client: /' "$tmp/client$v.out" | head -3
done

echo "==> 2. sspi_https_get against an untrusted server"
s_server untrusted
st=0
env -u WSTLS_LOG -u WSTLS_CA_FILE "$client" localhost "$port" / >"$tmp/client-untrusted.out" 2>&1 || st=$?
kill $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
pid=""
[ $st = 1 ] || fail "untrusted: client exit status $st, expected 1"
grep -q '^InitializeSecurityContext failed: 0x80090325 (.\+)' "$tmp/client-untrusted.out" || fail "no SEC_E_UNTRUSTED_ROOT with a message"
sed 's/^/client: /' "$tmp/client-untrusted.out"

echo "==> 3. sspi_echo_server against Python ssl and openssl s_client -tls1_2"
: >"$tmp/server.out"
env -u WSTLS_LOG "$server" 0 2 "$pki/server.pem" "$pki/server.key" >"$tmp/server.out" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$tmp/server.out")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "sspi_echo_server did not start"
python3 "$here/tls_echo_client.py" 127.0.0.1 "$port" "$pki/ca.pem" localhost "hello over SSPI" >"$tmp/py.out" \
    || fail "python client"
grep -q "^echo ok: TLSv1.3 " "$tmp/py.out" || fail "python client: no echo over TLS 1.3"
openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$pki/ca.pem" -tls1_2 \
    -verify_return_error -brief </dev/null >"$tmp/s_client.out" 2>&1 || fail "openssl s_client"
grep -q "Protocol version: TLSv1.2" "$tmp/s_client.out" || fail "s_client did not negotiate TLS 1.2"
st=0
wait $pid || st=$?
pid=""
[ $st = 0 ] || fail "sspi_echo_server exit status $st"
grep -q "^client connected: TLS 1.3$" "$tmp/server.out" || fail "server: no TLS 1.3 client"
grep -q "^client connected: TLS 1.2$" "$tmp/server.out" || fail "server: no TLS 1.2 client"
grep -q "^echoed 15 bytes$" "$tmp/server.out" || fail "server: did not echo 15 bytes"
sed 's/^/server: /' "$tmp/server.out"
echo "==> SSPI examples passed"
