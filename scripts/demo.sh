#!/bin/sh
# scripts/demo.sh - builds libwstls and the Windows-style echo example, then runs the echo
# server and client against each other on loopback.
set -eu
cd "$(dirname "$0")/.."
. scripts/prereqs.sh
wstls_prereqs cmake cc c++ make

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR"
cmake --build "$BUILD_DIR" --target echo_server echo_client -j "$(nproc 2>/dev/null || echo 2)"
echo "==> running the echo demo (examples/echo: a Winsock 2 server and client, unchanged)"
sh examples/echo/run_echo.sh "$BUILD_DIR/examples/echo_server" "$BUILD_DIR/examples/echo_client" \
    "Hello from a Windows program running on wstls"
