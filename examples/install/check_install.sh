#!/bin/sh
# check_install.sh BUILD_DIR SOURCE_DIR CC - installs wstls from BUILD_DIR into a temporary
# prefix and, out of tree, builds and runs the echo example against that prefix twice:
#   1. with pkg-config (cc $(pkg-config --cflags wstls) ... $(pkg-config --libs wstls));
#   2. with CMake's find_package(wstls CONFIG) (examples/install/CMakeLists.txt), shared and
#      static.
# Also checks the installed layout: libwstls.so.X.Y.Z with SONAME libwstls.so.X and the two
# symlinks, libwstls.a, include/wstls/{wstls.h,wstls_ext.h,compat/...}, wstls.pc, the CMake
# package. The programs must load libwstls from the prefix, not from the source tree.
set -eu
BUILD=$1
SRC=$2
CC=${3:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "check_install: $*" >&2; exit 1; }

echo "==> cmake --install $BUILD --prefix $prefix"
cmake --install "$BUILD" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "install failed"; }

# Layout.
version=$(sed -n 's/^Version: //p' "$BUILD/wstls.pc")
major=${version%%.*}
lib=$prefix/lib
[ -f "$lib/libwstls.so.$version" ] && [ ! -L "$lib/libwstls.so.$version" ] || fail "no $lib/libwstls.so.$version"
[ "$(readlink "$lib/libwstls.so.$major")" = "libwstls.so.$version" ] || fail "libwstls.so.$major is not a link to libwstls.so.$version"
[ "$(readlink "$lib/libwstls.so")" = "libwstls.so.$major" ] || fail "libwstls.so is not a link to libwstls.so.$major"
[ -f "$lib/libwstls.a" ] || fail "no libwstls.a"
soname=$(objdump -p "$lib/libwstls.so.$version" | sed -n 's/^ *SONAME *//p')
[ "$soname" = "libwstls.so.$major" ] || fail "SONAME is '$soname', expected libwstls.so.$major"
for h in wstls.h wstls_ext.h compat/windows.h compat/winsock2.h compat/ws2tcpip.h compat/WinSock2.h \
         compat/sys/select.h compat/wstls/glibc_undef.h; do
    [ -f "$prefix/include/wstls/$h" ] || fail "missing header include/wstls/$h"
done
# Every compat header, with the same relative path.
(cd "$SRC/include/compat" && find . -type f) | while read -r f; do
    [ -f "$prefix/include/wstls/compat/$f" ] || fail "compat header $f is not installed"
done
[ -f "$lib/pkgconfig/wstls.pc" ] || fail "no wstls.pc"
[ -f "$lib/cmake/wstls/wstlsConfig.cmake" ] && [ -f "$lib/cmake/wstls/wstlsConfigVersion.cmake" ] || fail "no CMake package"
# Nothing but wstls_ symbols is exported (the contract in docs/abi.md).
others=$(nm -D --defined-only "$lib/libwstls.so.$version" | awk '$3 !~ /^wstls_/ { print $3 }')
[ -z "$others" ] || fail "libwstls exports symbols without the wstls_ prefix: $others"
nsyms=$(nm -D --defined-only "$lib/libwstls.so.$version" | grep -c ' wstls_')
echo "layout ok: libwstls.so.$version (SONAME $soname), $nsyms wstls_ symbols and no others, headers, wstls.pc, CMake package"

# Programs must resolve libwstls.so.X inside the prefix.
check_loads_from_prefix() {
    where=$(env -u LD_LIBRARY_PATH ldd "$1" | sed -n "s/^[[:space:]]*libwstls.so.$major => \([^ ]*\).*/\1/p")
    case $where in
        "$lib"/*) ;;
        *) ldd "$1"; fail "$1 loads libwstls.so.$major from '$where', not from $lib" ;;
    esac
}

echo "==> pkg-config build"
export PKG_CONFIG_PATH=$lib/pkgconfig
[ "$(pkg-config --modversion wstls)" = "$version" ] || fail "pkg-config --modversion wstls is not $version"
cflags=$(pkg-config --cflags wstls)
libs=$(pkg-config --libs wstls)
echo "cflags: $cflags"
echo "libs:   $libs"
# Each installed Windows-named header compiles on its own from the installed include
# directories (after windows.h, as Windows code includes them).
for h in "$prefix"/include/wstls/compat/*.h; do
    name=$(basename "$h")
    printf '#define SECURITY_WIN32\n#include <windows.h>\n#include <%s>\nint main(void) { return 0; }\n' "$name" >"$tmp/h.c"
    # shellcheck disable=SC2086
    "$CC" -Wall -Wno-unknown-pragmas -fsyntax-only $cflags "$tmp/h.c" || fail "installed <$name> does not compile"
done
echo "installed headers compile: $(ls "$prefix"/include/wstls/compat/*.h | wc -l)"
mkdir "$tmp/pc"
for p in echo_server echo_client; do
    # shellcheck disable=SC2086
    "$CC" -Wall -Wno-unknown-pragmas "$SRC/examples/echo/$p.c" $cflags $libs \
        -Wl,-rpath,"$(pkg-config --variable=libdir wstls)" -o "$tmp/pc/$p"
    check_loads_from_prefix "$tmp/pc/$p"
done
# Static, as pkg-config --static gives it.
# shellcheck disable=SC2086
"$CC" -Wall -Wno-unknown-pragmas "$SRC/examples/echo/echo_client.c" $cflags \
    "$lib/libwstls.a" $(pkg-config --libs-only-l --static wstls | sed 's/-lwstls//') -o "$tmp/pc/echo_client_static"
env -u LD_LIBRARY_PATH sh "$SRC/examples/echo/run_echo.sh" "$tmp/pc/echo_server" "$tmp/pc/echo_client" "built with pkg-config"
env -u LD_LIBRARY_PATH sh "$SRC/examples/echo/run_echo.sh" "$tmp/pc/echo_server" "$tmp/pc/echo_client_static" "static, built with pkg-config"

echo "==> find_package(wstls CONFIG) build"
cmake -S "$SRC/examples/install" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" >"$tmp/cm.log" \
    || { cat "$tmp/cm.log"; fail "configure of examples/install failed"; }
grep "wstls $version from $lib/cmake/wstls" "$tmp/cm.log" || { cat "$tmp/cm.log"; fail "find_package did not find the installed package"; }
cmake --build "$tmp/cm" >"$tmp/cmb.log" 2>&1 || { cat "$tmp/cmb.log"; fail "build of examples/install failed"; }
check_loads_from_prefix "$tmp/cm/echo_server"
check_loads_from_prefix "$tmp/cm/echo_client"
env -u LD_LIBRARY_PATH sh "$SRC/examples/echo/run_echo.sh" "$tmp/cm/echo_server" "$tmp/cm/echo_client" "built with find_package"
env -u LD_LIBRARY_PATH sh "$SRC/examples/echo/run_echo.sh" "$tmp/cm/echo_server" "$tmp/cm/echo_client_static" "static, built with find_package"

# A request for a newer major version must not be satisfied.
mkdir "$tmp/v"
cat >"$tmp/v/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.16)
project(v C)
find_package(wstls $((major + 1)).0 CONFIG QUIET)
if(wstls_FOUND)
  message(FATAL_ERROR "wstls $version accepted a request for $((major + 1)).0")
endif()
CM
cmake -S "$tmp/v" -B "$tmp/v/b" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null || fail "the version file accepts another major version"
echo "==> install check passed"
