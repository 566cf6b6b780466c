#!/bin/sh
# Builds and runs every wstls benchmark side by side (wstls, OpenSSL, rustls, plain TCP),
# prints a Markdown table and writes bench/results/latest.json and latest.md.
#
#   bench/run.sh                 the full run (1 GiB bulk transfers, 10,000 connections, ...)
#   BENCH_QUICK=1 bench/run.sh   a small run for iterating (64 MiB, 1,000 sockets, ...)
#   BENCH_ONLY=bulk,hs ...       some sections: bulk hs lat scale mem threads callgrind sspi
#   BENCH_REPS=5 ...             repetitions per measurement (median reported; default 3, quick 1)
#
# Needs cargo, cmake, a C compiler, libssl-dev, openssl (certificates), python3; valgrind for
# the instruction counts. See docs/performance.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"
echo "== build: cargo build --release (libwstls)" >&2
cargo build --release >&2
cargo build --release --example handle_table >&2
echo "== build: rustls-direct" >&2
cargo build --release --manifest-path bench/rustls-direct/Cargo.toml --target-dir target >&2
echo "== build: C benchmark programs (cmake)" >&2
cmake -S bench -B bench/build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build bench/build >&2
bench/gen-certs.sh bench/build/certs >&2
BENCH_COMMAND="${BENCH_QUICK:+BENCH_QUICK=$BENCH_QUICK }bench/run.sh" exec python3 bench/driver.py
