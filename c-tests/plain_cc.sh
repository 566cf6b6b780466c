#!/bin/sh
# plain_cc.sh CC REPO LIBDIR - the acceptance check: the Windows-style echo client and server
# build unchanged with `cc prog.c -I include/compat -I include -L target/release -lwstls`
# (no other flags) and talk to each other on loopback.
set -eu
CC=$1
REPO=$2
LIBDIR=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$REPO"
"$CC" examples/echo/echo_server.c -I include/compat -I include -L "$LIBDIR" -lwstls -o "$tmp/echo_server"
"$CC" examples/echo/echo_client.c -I include/compat -I include -L "$LIBDIR" -lwstls -o "$tmp/echo_client"
LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    sh examples/echo/run_echo.sh "$tmp/echo_server" "$tmp/echo_client" "built with plain cc"
