#!/bin/sh
# ce_headers.sh CC CXX REPO - sslsock.h, schnlsp.h and wstls_kernel32.h compile alone and with
# the other compat headers in several orders, as C and C++, with -Wall -Wextra -Werror, with
# UNICODE (with and without -fshort-wchar), WIN32_LEAN_AND_MEAN and WSTLS_NO_NAME_MAPPING.
set -u
CC=$1
CXX=$2
REPO=$3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0
count=0
for order in "sslsock.h" "schnlsp.h" "wstls_kernel32.h" "sslsock.h schnlsp.h" "schnlsp.h sslsock.h" \
             "windows.h winsock2.h sslsock.h schnlsp.h" "winsock2.h ws2tcpip.h sslsock.h" \
             "sslsock.h windows.h" "schnlsp.h winsock2.h ws2tcpip.h" "stdio.h schnlsp.h stdlib.h"; do
    for mode in "" "-DUNICODE -D_UNICODE" "-DUNICODE -D_UNICODE -fshort-wchar" "-DWIN32_LEAN_AND_MEAN" "-DWSTLS_NO_NAME_MAPPING"; do
        for lang in c c++; do
            f="$TMP/t$count.$( [ $lang = c ] && echo c || echo cpp )"
            : > "$f"
            for h in $order; do echo "#include <$h>" >> "$f"; done
            cat >> "$f" <<'BODY'
#ifdef __SCHNLSP_H__
static int CALLBACK hook(DWORD t, LPVOID a, DWORD n, LPBLOB c, DWORD f)
{
    (void)t; (void)a; (void)n; (void)c; (void)f;
    return SSL_ERR_OKAY;
}
int wstls_header_check(void);
int wstls_header_check(void)
{
    SSLVALIDATECERTHOOK h;
    SSLCONNECTIONINFO ci;
    X509Certificate *pc = 0;
    FILETIME ft = {0, 0};
#ifndef WSTLS_NO_NAME_MAPPING
    HMODULE m = LoadLibrary(TEXT("schannel.dll"));
    SSL_CRACK_CERTIFICATE_FN crack = (SSL_CRACK_CERTIFICATE_FN)GetProcAddress(m, SSL_CRACK_CERTIFICATE_NAME);
    (void)crack;
    FreeLibrary(m);
#endif
    h.HookFunc = hook;
    h.pvArg = 0;
    ci.dwProtocol = SP_PROT_TLS1_3_CLIENT;
    (void)h; (void)ci; (void)pc; (void)ft;
    return (int)(SO_SSL_PERFORM_HANDSHAKE + SO_SECURE + SO_SEC_SSL + SSL_FLAG_DEFER_HANDSHAKE);
}
#endif
typedef char wstls_check_int[(sizeof(int) == 4) ? 1 : -1];
BODY
            if [ $lang = c ]; then comp=$CC; else comp=$CXX; fi
            count=$((count + 1))
            # shellcheck disable=SC2086
            if ! out=$($comp -Wall -Wextra -Werror -fsyntax-only $mode -I"$REPO/include/compat" -I"$REPO/include" "$f" 2>&1); then
                failed=$((failed + 1))
                echo "FAIL: [$order] $lang $mode"
                echo "$out" | head -20 | sed 's/^/  | /'
            fi
        done
    done
done
echo "$count translation units, $failed failed"
[ $failed -eq 0 ]
