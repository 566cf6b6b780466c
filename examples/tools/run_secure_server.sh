#!/bin/sh
# run_secure_server.sh SERVER - runs examples/secure_server.c against peers that are not wstls
# (Python's ssl module and openssl s_client), with a CA and leaf made by gen_certs.sh:
#   1. certificate given with WSTLS_SO_SET_SERVER_CREDENTIALS, WSTLS_LOG=debug: a Python ssl
#      client (verifying the chain and the name localhost, echo, close_notify both ways), an
#      openssl s_client (TLS 1.3) and one limited to TLS 1.2; stderr must carry wstls's and
#      rustls's log records;
#   2. certificate from WSTLS_CERT_FILE/WSTLS_KEY_FILE, no WSTLS_LOG: echo works and stderr has
#      no log record;
#   3. no certificate at all: accept fails with WSAECONNABORTED (10053) and a message that
#      says to set WSTLS_CERT_FILE/WSTLS_KEY_FILE; the client sees the connection fail.
set -eu
server=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$tmp"/*.out "$tmp"/*.err; do [ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f" >&2; done; exit 1; }

sh "$here/gen_certs.sh" "$tmp/pki"
pki=$tmp/pki

# start NAME ENV ARGS... : starts the server in the background with `env ENV` (a
# space-separated list for env(1): -u NAME, NAME=value), sets $pid and $port.
start() {
    name=$1
    senv=$2
    shift 2
    : >"$tmp/$name.out"
    # shellcheck disable=SC2086
    env $senv "$server" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    port=""
    for _ in $(seq 1 100); do
        port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$tmp/$name.out")
        [ -n "$port" ] && return 0
        kill -0 $pid 2>/dev/null || fail "$name: the server exited early"
        sleep 0.1
    done
    fail "$name: the server did not start"
}
finish() { # NAME EXPECTED_STATUS
    st=0
    wait $pid || st=$?
    pid=""
    [ "$st" = "$2" ] || fail "$1: server exit status $st, expected $2"
}

echo "==> 1. credentials by WSTLS_SO_SET_SERVER_CREDENTIALS, WSTLS_LOG=debug"
start run1 "-u WSTLS_CERT_FILE -u WSTLS_KEY_FILE WSTLS_LOG=debug" 0 3 "$pki/server.pem" "$pki/server.key"
python3 "$here/tls_echo_client.py" 127.0.0.1 "$port" "$pki/ca.pem" localhost "hello over TLS" >"$tmp/py1.out" \
    || fail "python client (run 1)"
grep -q "^echo ok: TLSv1.3 " "$tmp/py1.out" || fail "python client did not get its echo over TLS 1.3"
openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$pki/ca.pem" \
    -verify_return_error -brief </dev/null >"$tmp/s13.out" 2>&1 || fail "openssl s_client (TLS 1.3)"
grep -q "Verification: OK" "$tmp/s13.out" || fail "s_client did not verify the server"
grep -q "Protocol version: TLSv1.3" "$tmp/s13.out" || fail "s_client did not negotiate TLS 1.3"
openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$pki/ca.pem" -tls1_2 \
    -verify_return_error -brief </dev/null >"$tmp/s12.out" 2>&1 || fail "openssl s_client (TLS 1.2)"
grep -q "Protocol version: TLSv1.2" "$tmp/s12.out" || fail "s_client -tls1_2 did not negotiate TLS 1.2"
finish run1 0
grep -q "^echoed 14 bytes$" "$tmp/run1.out" || fail "the server did not echo 14 bytes"
grep -q "^client connected: TLS 1.3, cipher suite 0x13" "$tmp/run1.out" || fail "no TLS 1.3 session info"
grep -q "^client connected: TLS 1.2, cipher suite 0xc0" "$tmp/run1.out" || fail "no TLS 1.2 session info"
grep -q '^wstls\[INFO wstls::logging\] wstls .* logging at level DEBUG' "$tmp/run1.err" || fail "WSTLS_LOG=debug: no start record"
grep -q '^wstls\[DEBUG rustls::' "$tmp/run1.err" || fail "WSTLS_LOG=debug: no rustls record on stderr"
grep -q '^wstls\[DEBUG wstls::' "$tmp/run1.err" || fail "WSTLS_LOG=debug: no wstls record on stderr"
if grep -q '^wstls\[TRACE' "$tmp/run1.err"; then fail "WSTLS_LOG=debug logged TRACE records"; fi
sed 's/^/server: /' "$tmp/run1.out"
echo "stderr: $(wc -l <"$tmp/run1.err") log records"

echo "==> 2. credentials from WSTLS_CERT_FILE/WSTLS_KEY_FILE, logging off"
start run2 "-u WSTLS_LOG WSTLS_CERT_FILE=$pki/server.pem WSTLS_KEY_FILE=$pki/server.key" 0 1
python3 "$here/tls_echo_client.py" 127.0.0.1 "$port" "$pki/ca.pem" localhost "env credentials" >"$tmp/py2.out" \
    || fail "python client (run 2)"
finish run2 0
grep -q "^echoed 15 bytes$" "$tmp/run2.out" || fail "run 2: the server did not echo"
[ ! -s "$tmp/run2.err" ] || fail "logging off, but the server wrote to stderr"

echo "==> 3. no certificate: a message that says what to do"
start run3 "-u WSTLS_LOG -u WSTLS_CERT_FILE -u WSTLS_KEY_FILE" 0 1
if python3 "$here/tls_echo_client.py" 127.0.0.1 "$port" "$pki/ca.pem" localhost "no cert" >"$tmp/py3.out"; then
    fail "a client completed a handshake with a server that has no certificate"
fi
finish run3 1
grep -q "^accept failed with error 10053: .*no certificate.*WSTLS_CERT_FILE.*WSTLS_SO_SET_SERVER_CREDENTIALS" "$tmp/run3.out" \
    || fail "run 3: accept did not report the missing certificate"
sed 's/^/server: /' "$tmp/run3.out"
echo "==> secure_server example passed"
