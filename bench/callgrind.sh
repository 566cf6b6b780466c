#!/bin/sh
# Instruction counts of the wstls send/recv (socket face) and EncryptMessage/DecryptMessage
# (SSPI face) paths under callgrind, checked against bench/callgrind-expected.json (+-3%).
# Deterministic (no wall clock; repeated runs give the same counts): scripts/test.sh runs it.
#   bench/callgrind.sh            builds what it needs, prints measured vs expected, exit 1 if off
#   bench/callgrind.sh --update   writes the measured counts into bench/callgrind-expected.json
# After an intended change, run it with --update and say why in the commit (docs/performance.md,
# "Instruction counts in CI").
# Builds only what the check runs: `cargo build --release` (nothing to do when scripts/test.sh's
# CMake build has just run it) and bench_wstls/bench_sspi in bench/build (no OpenSSL needed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$(dirname "$here")"
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
# Nothing from the environment may steer the measured code: aws-lc reads OPENSSL_ia32cap (CPU
# features), glibc GLIBC_TUNABLES (malloc, string functions), wstls WSTLS_LOG and SSLKEYLOGFILE.
unset OPENSSL_ia32cap GLIBC_TUNABLES WSTLS_LOG SSLKEYLOGFILE WSTLS_CIPHERS WSTLS_GROUPS
cargo build --release >&2
cmake -S bench -B bench/build -DCMAKE_BUILD_TYPE=Release >/dev/null
targets=bench_wstls
[ -f include/compat/sspi.h ] && targets="$targets bench_sspi"
# shellcheck disable=SC2086
cmake --build bench/build --target $targets >&2
bench/gen-certs.sh bench/build/certs >&2
exec python3 bench/driver.py --callgrind-check "$@"
