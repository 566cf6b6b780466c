#!/bin/sh
# scripts/test.sh - runs every test of wstls:
#   1. prerequisites (installed with apt-get when run as root on Debian, else listed);
#   2. cargo test, cargo clippy --all-targets -- -D warnings, cargo fmt --check;
#   3. the C suite: cmake configure and build into build/, then ctest.
# Environment: BUILD_DIR (default build), JOBS (default: number of CPUs).
set -eu
cd "$(dirname "$0")/.."
. scripts/prereqs.sh
wstls_prereqs cmake cc c++ make openssl python3 socat curl

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# clippy and rustfmt come with rustup's default profile; add them if this toolchain lacks them.
if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
        rustup component add clippy rustfmt
    fi
fi

echo "==> cargo test"
cargo test
echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
echo "==> cargo fmt --check"
cargo fmt --check

echo "==> cmake (C suite) in $BUILD_DIR"
cmake -S . -B "$BUILD_DIR"
cmake --build "$BUILD_DIR" -j "$JOBS"
echo "==> ctest"
cd "$BUILD_DIR"
ctest --output-on-failure
echo "==> all tests passed"
