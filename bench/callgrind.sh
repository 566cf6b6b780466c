#!/bin/sh
# Instruction counts of the wstls send/recv paths under callgrind, checked against
# bench/callgrind-expected.json (+-3%). Deterministic (no wall clock): suitable for CI.
#   bench/callgrind.sh     builds what it needs, prints measured vs expected, exit 1 if off
# After an intended change, update the numbers in bench/callgrind-expected.json (the
# "callgrind" section of bench/results/latest.json has them) and say why in the commit.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$(dirname "$here")"
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
cargo build --release >&2
cmake -S bench -B bench/build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build bench/build --target bench_wstls >&2
bench/gen-certs.sh bench/build/certs >&2
exec python3 bench/driver.py --callgrind-check
