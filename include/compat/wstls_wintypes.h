/*
 * wstls_wintypes.h - the Windows base types the SSPI/crypt32 compat headers need (part of
 * wstls). Windows widths: BYTE 8, WORD/USHORT 16, DWORD/ULONG/LONG/BOOL 32 bits, ULONG_PTR
 * pointer-sized; WCHAR is a 16-bit UTF-16 unit. <windows.h> is expected to include this file
 * (or to define WSTLS_WINTYPES_DEFINED after defining the same types).
 */
#ifndef WSTLS_WINTYPES_DEFINED
#define WSTLS_WINTYPES_DEFINED

#include <stdint.h>
#include <stddef.h>
#include <wstls.h>

#ifndef WINAPI
#define WINAPI
#endif
#ifndef CALLBACK
#define CALLBACK
#endif
#ifndef WINAPIV
#define WINAPIV
#endif
#ifndef VOID
#define VOID void
#endif
#ifndef CONST
#define CONST const
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef ANYSIZE_ARRAY
#define ANYSIZE_ARRAY 1
#endif
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif

typedef uint8_t BYTE, *PBYTE, *LPBYTE;
typedef uint16_t WORD, *PWORD, *LPWORD;
typedef uint32_t DWORD, *PDWORD, *LPDWORD;
typedef uint32_t ULONG, *PULONG;
typedef int32_t LONG, *PLONG;
typedef uint32_t UINT, *PUINT;
typedef int32_t INT, *PINT;
typedef uint16_t USHORT, *PUSHORT;
typedef int16_t SHORT, *PSHORT;
typedef uint8_t UCHAR, *PUCHAR;
typedef int BOOL, *PBOOL, *LPBOOL;
typedef uint8_t BOOLEAN, *PBOOLEAN;
typedef char CHAR, *PCHAR;
typedef wstls_WCHAR WCHAR, *PWCHAR;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef int32_t HRESULT;
typedef uintptr_t ULONG_PTR, *PULONG_PTR;
typedef intptr_t LONG_PTR, *PLONG_PTR;
typedef intptr_t INT_PTR;
typedef uintptr_t UINT_PTR;
typedef uintptr_t DWORD_PTR;
typedef size_t SIZE_T;
typedef void *PVOID, *LPVOID, *HANDLE;
typedef const void *LPCVOID;
typedef char *LPSTR, *PSTR;
typedef const char *LPCSTR, *PCSTR;
typedef WCHAR *LPWSTR, *PWSTR;
typedef const WCHAR *LPCWSTR, *PCWSTR;

typedef union _LARGE_INTEGER {
#if defined(__GNUC__)
    __extension__ struct {
        DWORD LowPart;
        LONG HighPart;
    };
#elif defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L)
    struct {
        DWORD LowPart;
        LONG HighPart;
    };
#endif
    struct {
        DWORD LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

#ifndef _FILETIME_
#define _FILETIME_
typedef wstls_FILETIME FILETIME, *PFILETIME, *LPFILETIME;
#endif

#endif /* WSTLS_WINTYPES_DEFINED */
