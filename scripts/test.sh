#!/bin/sh
# scripts/test.sh - runs every test of wstls:
#   1. prerequisites (installed with apt-get when run as root on Debian, else listed);
#   2. cargo test, cargo clippy --all-targets -- -D warnings, cargo fmt --check;
#   3. the C suite: cmake configure and build into build/, then ctest (which also installs
#      into a temporary prefix and builds the examples out of tree; with the soak, the Python
#      ctypes bad-input matrix, and the testssl.sh scan when testssl.sh is installed);
#   4. the Python package (python/): pytest against the libwstls just built (pytest is
#      installed if missing: apt-get python3-pytest as root on Debian, else pip);
#   5. the C suite again under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/);
#   6. the C suite under valgrind memcheck (ctest -L memcheck);
#   7. short cargo-fuzz runs when WSTLS_FUZZ_SECONDS is set and cargo-fuzz is installed (the
#      saved corpora are replayed by cargo test in any case);
#   8. the instruction counts of send/recv and EncryptMessage/DecryptMessage under callgrind
#      against bench/callgrind-expected.json (bench/callgrind.sh; fails when one is more than 3%
#      off; reuses target/release and builds two programs in bench/build).
# Environment: BUILD_DIR (default build), JOBS (default: number of CPUs),
#   WSTLS_SKIP_SANITIZERS=1, WSTLS_SKIP_MEMCHECK=1, WSTLS_SKIP_CALLGRIND=1 (quicker local runs),
#   WSTLS_FUZZ_SECONDS=N (fuzz each target N seconds; nightly features via RUSTC_BOOTSTRAP=1).
set -eu
cd "$(dirname "$0")/.."
. scripts/prereqs.sh
wstls_prereqs cmake cc c++ make openssl python3 socat curl pkg-config valgrind nm

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

ROOT=$(pwd)
echo "==> cmake (C suite) in $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -DWSTLS_MEMCHECK=ON
cmake --build "$BUILD_DIR" -j "$JOBS"
echo "==> ctest"
(cd "$BUILD_DIR" && ctest --output-on-failure -LE memcheck)

echo "==> pytest (python/)"
if ! python3 -c "import pytest" 2>/dev/null; then
    sudo=""
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo -n"
    fi
    if { [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; } && command -v apt-get >/dev/null 2>&1 \
        && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-pytest \
        && python3 -c "import pytest" 2>/dev/null; then
        :
    else
        # pip: a plain install, then --user (PEP 668 systems need --break-system-packages for it).
        python3 -m pip install --quiet pytest 2>/dev/null \
            || python3 -m pip install --quiet --user pytest 2>/dev/null \
            || python3 -m pip install --quiet --user --break-system-packages pytest
    fi
fi
# The library CMake just built (target/release); exit status 5 means no test was collected.
rc=0
WSTLS_LIBRARY="$PWD/target/release/libwstls.so" python3 -m pytest -q -p no:cacheprovider python/tests || rc=$?
if [ "$rc" = 5 ]; then
    echo "pytest collected no tests" >&2
    exit 1
elif [ "$rc" != 0 ]; then
    exit "$rc"
fi

if [ "${WSTLS_SKIP_SANITIZERS:-0}" != 1 ]; then
    echo "==> C suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan)"
    cmake -S . -B build-asan -DWSTLS_SANITIZE=address,undefined
    cmake --build build-asan -j "$JOBS"
    # The header checks compile with the plain compiler: nothing to sanitize there.
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --output-on-failure -LE "memcheck|testssl" -E "headers|plain_cc")
fi

if [ "${WSTLS_SKIP_MEMCHECK:-0}" != 1 ]; then
    echo "==> C suite under valgrind memcheck"
    (cd "$BUILD_DIR" && ctest --output-on-failure -L memcheck)
fi

if [ -n "${WSTLS_FUZZ_SECONDS:-}" ]; then
    if cargo fuzz --version >/dev/null 2>&1; then
        for t in wsaioctl addr sspi_tokens chacha; do
            echo "==> cargo fuzz run $t ($WSTLS_FUZZ_SECONDS s)"
            (cd "$ROOT" && RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" -- \
                -max_total_time="$WSTLS_FUZZ_SECONDS" -rss_limit_mb=4096)
        done
    else
        echo "==> cargo-fuzz is not installed: fuzzing skipped (the corpora were replayed by cargo test)"
    fi
fi
if [ "${WSTLS_SKIP_CALLGRIND:-0}" != 1 ]; then
    echo "==> instruction counts under callgrind (bench/callgrind.sh)"
    sh bench/callgrind.sh
fi
echo "==> all tests passed"
