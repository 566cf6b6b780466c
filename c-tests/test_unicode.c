/*
 * test_unicode.c - wide-string code built as docs/porting.md says (-DUNICODE -D_UNICODE
 * -fshort-wchar): TCHAR is WCHAR, TEXT("...") is an L"..." literal of UTF-16 code units that
 * fits WCHAR arrays, LPCTSTR points to it; and the Winsock calls are unaffected.
 */
#include <windows.h>
#include <winsock2.h>
#include <assert.h>
#include <stdio.h>

#include "testutil.h"

#if !defined(UNICODE) || !defined(__SIZEOF_WCHAR_T__) || __SIZEOF_WCHAR_T__ != 2
#error "build this test with -DUNICODE -fshort-wchar"
#endif

static_assert(sizeof(WCHAR) == 2, "WCHAR is a UTF-16 code unit");
static_assert(sizeof(TCHAR) == 2, "TCHAR is WCHAR under UNICODE");
static_assert(sizeof(TEXT("ab")) == 3 * sizeof(WCHAR), "TEXT gives UTF-16 literals");

int main(void)
{
    static const WCHAR greeting[] = L"h\u00e9llo \u20ac";
    LPCTSTR t = TEXT("wstls");
    LPCWSTR w = greeting;
    SOCKET s;

    CHECK_EQ(t[0], 'w');
    CHECK_EQ(t[5], 0);
    CHECK_EQ(w[1], 0x00E9); /* e acute: one code unit */
    CHECK_EQ(w[6], 0x20AC); /* euro sign */
    CHECK_EQ(sizeof(greeting) / sizeof(greeting[0]), 8);

    tu_startup();
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(s != INVALID_SOCKET);
    CHECK_OK(closesocket(s));
    CHECK_OK(WSACleanup());
    tu_pass("UNICODE with -fshort-wchar");
    return 0;
}
