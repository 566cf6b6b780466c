#!/bin/sh
# check_headers.sh CC CXX REPO_DIR - compiles small translation units that include the compat
# headers in every order with the standard C/POSIX headers (and C++ standard headers), in C and
# C++, with -Wall -Wextra -Werror: case variants, WIN32_LEAN_AND_MEAN, WSTLS_NO_NAME_MAPPING,
# UNICODE with -fshort-wchar, FD_SETSIZE chosen by the program before or after <stdlib.h>,
# several language standards. Fails on the first translation unit that does not compile.
set -u
CC=$1
CXX=$2
REPO=$3
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
INC="-I$REPO/include/compat -I$REPO/include"
FLAGS="-Wall -Wextra -Werror -fsyntax-only"
count=0
failed=0

C_SYS="stdio.h stdlib.h string.h sys/types.h time.h pthread.h unistd.h errno.h signal.h fcntl.h stdint.h sys/socket.h netinet/in.h arpa/inet.h netdb.h sys/select.h sys/time.h poll.h sys/ioctl.h netinet/tcp.h"
CXX_SYS="iostream string vector thread mutex functional chrono algorithm memory map cstdio cstdlib cstring ctime future condition_variable atomic sstream"

# tu NAME LANG(c|c++) "EXTRA FLAGS" "PRELUDE" "HEADERS BEFORE" "COMPAT HEADERS" "HEADERS AFTER" EXPECT_FD_SETSIZE [nobody]
tu() {
    name=$1 lang=$2 extra=$3 prelude=$4 before=$5 compat=$6 after=$7 fdset=$8 nobody=${9:-}
    f="$TMP/$name.$( [ "$lang" = c ] && echo c || echo cpp )"
    {
        printf '%b\n' "$prelude"
        for h in $before; do echo "#include <$h>"; done
        for h in $compat; do echo "#include <$h>"; done
        for h in $after; do echo "#include <$h>"; done
        echo "#define EXPECT_FD_SETSIZE $fdset"
        if [ -z "$nobody" ]; then
            echo "#include \"$HERE/body.inc\""
        else
            echo "typedef char wstls_check_dword[(sizeof(DWORD) == 4) ? 1 : -1];"
        fi
    } > "$f"
    if [ "$lang" = c ]; then comp=$CC; else comp=$CXX; fi
    count=$((count + 1))
    if ! out=$($comp $FLAGS $extra $INC "$f" 2>&1); then
        failed=$((failed + 1))
        echo "FAIL: $name ($lang $extra)"
        sed 's/^/    /' "$f"
        echo "$out" | head -30 | sed 's/^/  | /'
    fi
}

SETS="windows.h|winsock.h|winsock2.h|winsock2.h ws2tcpip.h|windows.h winsock2.h ws2tcpip.h mstcpip.h|ws2tcpip.h windows.h|Windows.h WinSock2.h WS2tcpip.h MSTcpIP.h|WINSOCK.H|Winsock2.h Ws2tcpip.h Mstcpip.h"

i=0
IFS_SAVE=$IFS
IFS='|'
for set in $SETS; do
    IFS=$IFS_SAVE
    i=$((i + 1))
    for lang in c c++; do
        if [ "$lang" = c ]; then sys=$C_SYS; else sys="$C_SYS $CXX_SYS"; fi
        tu "set${i}_${lang}_sys_before" $lang "" "" "$sys" "$set" "" 64
        tu "set${i}_${lang}_sys_after" $lang "" "" "" "$set" "$sys" 64
        tu "set${i}_${lang}_sandwich" $lang "" "" "stdio.h stdlib.h" "$set" "string.h sys/types.h time.h pthread.h" 64
    done
    IFS='|'
done
IFS=$IFS_SAVE

ALL="windows.h winsock2.h ws2tcpip.h mstcpip.h"
# The Microsoft sample order: WIN32_LEAN_AND_MEAN, windows.h, winsock2.h, ws2tcpip.h, then stdlib/stdio.
for lang in c c++; do
    tu "ms_sample_$lang" $lang "" "#define WIN32_LEAN_AND_MEAN" "" "$ALL" "stdlib.h stdio.h" 64
    tu "lean_windows_only_$lang" $lang "" "#define WIN32_LEAN_AND_MEAN" "stdio.h" "windows.h" "stdlib.h" 64 nobody
    tu "no_mapping_$lang" $lang "" "#define WSTLS_NO_NAME_MAPPING" "stdio.h stdlib.h sys/socket.h" "$ALL" "unistd.h netdb.h" 64
    tu "unicode_$lang" $lang "-fshort-wchar" "#define UNICODE\n#define _UNICODE" "stdio.h" "$ALL" "string.h" 64
    # FD_SETSIZE chosen by the program: first of all, or after <stdlib.h> (glibc's sys/select.h).
    tu "fdsetsize_first_$lang" $lang "" "#define FD_SETSIZE 1024" "stdlib.h stdio.h" "$ALL" "sys/select.h" 1024
    tu "fdsetsize_after_stdlib_$lang" $lang "" "#include <stdlib.h>\n#define FD_SETSIZE 256" "stdio.h" "$ALL" "sys/types.h" 256
    tu "fdsetsize_cmdline_$lang" $lang "-DFD_SETSIZE=512" "" "stdlib.h sys/time.h" "$ALL" "poll.h" 512
done
# Optimization and fortification (glibc adds inline wrappers and macros under __OPTIMIZE__ and
# _FORTIFY_SOURCE, as Ubuntu's compiler does by default), and feature-test macros.
for lang in c c++; do
    tu "fortify_$lang" $lang "-O2 -D_FORTIFY_SOURCE=2" "" "stdio.h stdlib.h string.h" "$ALL" "unistd.h sys/socket.h poll.h netdb.h" 64
    tu "gnu_source_$lang" $lang "-D_GNU_SOURCE" "" "stdio.h stdlib.h" "$ALL" "unistd.h sys/socket.h netinet/in.h netdb.h" 64
done
tu "xopen_source" c "-D_XOPEN_SOURCE=700" "" "stdio.h stdlib.h" "$ALL" "unistd.h pthread.h" 64
tu "posix_source_c11" c "-std=c11 -D_POSIX_C_SOURCE=200809L" "" "stdio.h stdlib.h sys/types.h" "$ALL" "unistd.h pthread.h time.h" 64
# Language standards.
for std in c99 c11 gnu11 c17 gnu17; do
    tu "std_$std" c "-std=$std" "" "stdio.h stdlib.h" "$ALL" "string.h time.h" 64
done
tu "std_c11_pedantic" c "-std=c11 -pedantic" "" "stdio.h stdlib.h" "$ALL" "string.h time.h" 64
tu "std_posix_c99" c "-std=c99 -D_POSIX_C_SOURCE=200112L" "" "stdio.h stdlib.h" "$ALL" "string.h time.h pthread.h" 64
for std in c++11 c++14 c++17 gnu++17 c++20; do
    tu "std_$std" c++ "-std=$std" "" "cstdio cstdlib" "$ALL" "string iostream thread functional" 64
done
tu "std_cxx17_pedantic" c++ "-std=c++17 -pedantic" "" "cstdio" "$ALL" "string vector" 64

echo "$count translation units compiled, $failed failed"
[ "$failed" -eq 0 ]
