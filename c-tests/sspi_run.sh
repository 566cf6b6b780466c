#!/usr/bin/env bash
# Runs an SSPI C test with certificates made at test time (openssl CLI: a CA and a server leaf
# for localhost/127.0.0.1), optionally against `openssl s_server`.
#
#   sspi_run.sh none -- <program> [args]
#   sspi_run.sh s_server [s_server options] -- <program> [args]
#
# The program gets WSTLS_CA_FILE (the CA, trusted by wstls), WSTLS_TEST_CERT_DIR (ca.pem,
# server.pem, server.key) and, with s_server, WSTLS_TEST_PORT.
set -euo pipefail
mode=$1; shift
peer_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do peer_args+=("$1"); shift; done
shift # --
dir=$(mktemp -d)
server_pid=
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi; rm -rf "$dir"; }
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=wstls sspi test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$dir/ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/ext" -out "$dir/server.pem" 2>/dev/null

export WSTLS_CA_FILE=$dir/ca.pem WSTLS_TEST_CERT_DIR=$dir
if [ "$mode" = s_server ]; then
    mkfifo "$dir/out"
    openssl s_server -accept 127.0.0.1:0 -naccept 1 -cert "$dir/server.pem" -key "$dir/server.key" "${peer_args[@]}" \
        > "$dir/out" 2>&1 < /dev/null &
    server_pid=$!
    exec 3< "$dir/out"
    port=
    while read -r -t 20 line <&3; do
        case $line in ACCEPT*) port=${line##*:}; break ;; esac
    done
    [ -n "$port" ] || { echo "s_server did not start"; exit 1; }
    cat <&3 > /dev/null &
    export WSTLS_TEST_PORT=$port
fi
"$@"
