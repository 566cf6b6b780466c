/*
 * windows.h - wstls compatibility header (Linux): the Windows base types and helpers that
 * socket and security code and its callers use. Not the whole Win32 API.
 *
 * Windows is LLP64: DWORD, ULONG, LONG and u_long are 32-bit here too, while pointers and
 * SOCKET/UINT_PTR are 64-bit. Text: TCHAR/TEXT follow UNICODE; WCHAR is a UTF-16 code unit
 * (compile wide-string code with -fshort-wchar so that L"..." is UTF-16; docs/porting.md).
 *
 * As on Windows, this header includes winsock.h (here: winsock2.h) unless WIN32_LEAN_AND_MEAN
 * is defined or winsock2.h is being included. See docs/porting.md.
 */
#ifndef WSTLS_COMPAT_WINDOWS_H
#define WSTLS_COMPAT_WINDOWS_H

#ifndef _WINDOWS_
#define _WINDOWS_
#endif
#ifndef _INC_WINDOWS
#define _INC_WINDOWS
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h> /* memset/memcpy/memmove behind ZeroMemory & co */
#include <time.h>   /* nanosleep/clock_gettime behind Sleep/GetTickCount */
#include <wstls.h>

/* ---- Calling conventions and annotations: nothing on x86-64 Linux ---- */
#ifndef WINAPI
#define WINAPI
#endif
#ifndef WINAPIV
#define WINAPIV
#endif
#ifndef APIENTRY
#define APIENTRY
#endif
#ifndef CALLBACK
#define CALLBACK
#endif
#ifndef PASCAL
#define PASCAL
#endif
#ifndef WSAAPI
#define WSAAPI
#endif
#ifndef __stdcall
#define __stdcall
#endif
#ifndef __cdecl
#define __cdecl
#endif
#ifndef _cdecl
#define _cdecl
#endif
#ifndef FAR
#define FAR
#endif
#ifndef NEAR
#define NEAR
#endif
#ifndef far
#define far
#endif
#ifndef near
#define near
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
#ifndef CONST
#define CONST const
#endif
#ifndef VOID
#define VOID void
#endif
#ifndef DECLSPEC_IMPORT
#define DECLSPEC_IMPORT
#endif

/* The SAL annotations Microsoft samples use; they carry no meaning for gcc. */
#ifndef _In_
#define _In_
#define _In_opt_
#define _In_z_
#define _In_opt_z_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#define _In_reads_(n)
#define _In_reads_bytes_(n)
#define _In_reads_opt_(n)
#define _In_reads_bytes_opt_(n)
#define _Out_writes_(n)
#define _Out_writes_bytes_(n)
#define _Out_writes_opt_(n)
#define _Out_writes_bytes_opt_(n)
#define _Out_writes_bytes_to_(n, m)
#define _Inout_updates_(n)
#define _Inout_updates_bytes_(n)
#define _Outptr_
#define _Outptr_opt_
#define _Success_(e)
#define _Ret_maybenull_
#define _Check_return_
#define _Reserved_
#define _Printf_format_string_
#endif

/* ---- Integer types (Windows widths) ---- */
typedef int BOOL;
typedef unsigned char BYTE;
typedef BYTE BOOLEAN;
typedef unsigned short WORD;
typedef uint32_t DWORD;
typedef float FLOAT;
typedef char CHAR;
typedef unsigned char UCHAR;
typedef short SHORT;
typedef unsigned short USHORT;
typedef int INT;
typedef unsigned int UINT;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef int64_t LONG64;
typedef uint64_t ULONG64;
typedef uint64_t DWORD64;
typedef uint64_t DWORDLONG;
typedef int8_t INT8;
typedef uint8_t UINT8;
typedef int16_t INT16;
typedef uint16_t UINT16;
typedef int32_t INT32;
typedef uint32_t UINT32;
typedef int64_t INT64;
typedef uint64_t UINT64;
typedef int32_t LONG32;
typedef uint32_t ULONG32;
typedef uint32_t DWORD32;
typedef intptr_t INT_PTR;
typedef uintptr_t UINT_PTR;
typedef intptr_t LONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef uintptr_t DWORD_PTR;
typedef size_t SIZE_T;
typedef ptrdiff_t SSIZE_T;
typedef LONG HRESULT;
typedef UINT_PTR WPARAM;
typedef LONG_PTR LPARAM;
typedef LONG_PTR LRESULT;

typedef BOOL *PBOOL, *LPBOOL;
typedef BYTE *PBYTE, *LPBYTE;
typedef BOOLEAN *PBOOLEAN;
typedef WORD *PWORD, *LPWORD;
typedef DWORD *PDWORD, *LPDWORD;
typedef CHAR *PCHAR;
typedef UCHAR *PUCHAR;
typedef SHORT *PSHORT;
typedef USHORT *PUSHORT;
typedef INT *PINT, *LPINT;
typedef UINT *PUINT;
typedef LONG *PLONG, *LPLONG;
typedef ULONG *PULONG;
typedef LONGLONG *PLONGLONG;
typedef ULONGLONG *PULONGLONG;
typedef ULONG_PTR *PULONG_PTR;
typedef SIZE_T *PSIZE_T;
typedef void *PVOID, *LPVOID;
typedef const void *LPCVOID, *PCVOID;

/* Large integers (Windows layout: LowPart then HighPart, also reachable through .u). */
typedef union _LARGE_INTEGER {
    __extension__ struct {
        DWORD LowPart;
        LONG HighPart;
    };
    struct {
        DWORD LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;
typedef union _ULARGE_INTEGER {
    __extension__ struct {
        DWORD LowPart;
        DWORD HighPart;
    };
    struct {
        DWORD LowPart;
        DWORD HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

/* ---- Overlapped I/O (declared so programs compile; wstls rejects overlapped requests) ---- */
struct wstls_WSAOVERLAPPED {
    ULONG_PTR Internal;
    ULONG_PTR InternalHigh;
    __extension__ union {
        __extension__ struct {
            DWORD Offset;
            DWORD OffsetHigh;
        };
        PVOID Pointer;
    };
    void *hEvent;
};
typedef struct wstls_WSAOVERLAPPED OVERLAPPED, *LPOVERLAPPED;

/* ---- Handles ---- */
typedef void *HANDLE;
typedef HANDLE *PHANDLE, *LPHANDLE;
typedef HANDLE HWND;
/* HINSTANCE, HMODULE, FARPROC, FILETIME, LoadLibrary & co: wstls_kernel32.h (below). */
typedef HANDLE HLOCAL;
#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)

/* ---- Text: CHAR, WCHAR (UTF-16) and TCHAR following UNICODE ---- */
typedef wstls_WCHAR WCHAR;
typedef WCHAR *PWCHAR, *LPWCH, *PWCH;
typedef CHAR *LPSTR, *PSTR, *LPCH, *PCH;
typedef const CHAR *LPCSTR, *PCSTR, *LPCCH, *PCCH;
typedef WCHAR *LPWSTR, *PWSTR;
typedef const WCHAR *LPCWSTR, *PCWSTR, *LPCWCH, *PCWCH;
#ifdef UNICODE
typedef WCHAR TCHAR, TBYTE;
typedef LPWSTR LPTSTR, PTSTR;
typedef LPCWSTR LPCTSTR, PCTSTR;
#define __TEXT(quote) L##quote
#else
typedef char TCHAR, TBYTE;
typedef LPSTR LPTSTR, PTSTR;
typedef LPCSTR LPCTSTR, PCTSTR;
#define __TEXT(quote) quote
#endif
typedef TCHAR *PTCHAR;
#define TEXT(quote) __TEXT(quote)

/* ---- Constants ---- */
#ifndef FALSE
#define FALSE 0
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef NULL
#define NULL ((void *)0)
#endif
#define INFINITE 0xFFFFFFFFu
#define MAXDWORD 0xFFFFFFFFu
#define MAXULONG 0xFFFFFFFFu
#define MAXLONG 0x7FFFFFFF
#define MAXWORD 0xFFFF
#define MAXBYTE 0xFF
#define ERROR_SUCCESS 0L
#define NO_ERROR 0L
#define ERROR_INVALID_HANDLE 6L
#define ERROR_NOT_ENOUGH_MEMORY 8L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_INSUFFICIENT_BUFFER 122L
#define ERROR_IO_PENDING 997L
#define S_OK ((HRESULT)0)
#define S_FALSE ((HRESULT)1)
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#define FAILED(hr) (((HRESULT)(hr)) < 0)

/* ---- Word and byte macros ---- */
#define MAKEWORD(a, b) ((WORD)(((BYTE)(((DWORD_PTR)(a)) & 0xff)) | ((WORD)((BYTE)(((DWORD_PTR)(b)) & 0xff))) << 8))
#define MAKELONG(a, b) ((LONG)(((WORD)(((DWORD_PTR)(a)) & 0xffff)) | ((DWORD)((WORD)(((DWORD_PTR)(b)) & 0xffff))) << 16))
#define LOWORD(l) ((WORD)(((DWORD_PTR)(l)) & 0xffff))
#define HIWORD(l) ((WORD)((((DWORD_PTR)(l)) >> 16) & 0xffff))
#define LOBYTE(w) ((BYTE)(((DWORD_PTR)(w)) & 0xff))
#define HIBYTE(w) ((BYTE)((((DWORD_PTR)(w)) >> 8) & 0xff))

/* min/max as windows.h has them, in C only: in C++ they would break the standard library
 * (std::numeric_limits<T>::max()); define NOMINMAX to leave them out in C as well. */
#if !defined(__cplusplus) && !defined(NOMINMAX)
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#endif

/* ---- Memory ---- */
#define ZeroMemory(dest, len) memset((dest), 0, (len))
#define FillMemory(dest, len, fill) memset((dest), (fill), (len))
#define CopyMemory(dest, src, len) memcpy((dest), (src), (len))
#define MoveMemory(dest, src, len) memmove((dest), (src), (len))
#define RtlZeroMemory ZeroMemory
#define RtlCopyMemory CopyMemory
#define RtlMoveMemory MoveMemory
#define RtlFillMemory FillMemory

/* SecureZeroMemory: a write the compiler may not remove. */
static __inline__ PVOID wstls_SecureZeroMemory(PVOID ptr, SIZE_T cnt)
{
    volatile char *p = (volatile char *)ptr;
    while (cnt--) {
        *p++ = 0;
    }
    return ptr;
}
#define SecureZeroMemory wstls_SecureZeroMemory
#define RtlSecureZeroMemory wstls_SecureZeroMemory

/* ---- Errors: wstls keeps one per-thread last error (the Winsock one) ---- */
/* GetLastError/SetLastError: wstls_kernel32.h (the same per-thread value as WSAGetLastError). */
#include "wstls_kernel32.h"

/* ---- Sleep and GetTickCount over POSIX clocks (needs a POSIX feature level) ---- */
#if defined(_POSIX_C_SOURCE) && _POSIX_C_SOURCE >= 199309L
static __inline__ void wstls_Sleep(DWORD dwMilliseconds)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(dwMilliseconds / 1000u);
    ts.tv_nsec = (long)(dwMilliseconds % 1000u) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {
    }
}
static __inline__ DWORD wstls_GetTickCount(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (DWORD)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}
static __inline__ ULONGLONG wstls_GetTickCount64(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ULONGLONG)ts.tv_sec * 1000u + (ULONGLONG)ts.tv_nsec / 1000000u;
}
#ifndef WSTLS_NO_NAME_MAPPING
#define Sleep wstls_Sleep
#define GetTickCount wstls_GetTickCount
#define GetTickCount64 wstls_GetTickCount64
#endif
#endif

/* ---- Winsock, as windows.h does on Windows (winsock.h unless WIN32_LEAN_AND_MEAN) ---- */
#if !defined(WIN32_LEAN_AND_MEAN) && !defined(_WINSOCKAPI_)
#include "winsock.h"
#endif

#endif /* WSTLS_COMPAT_WINDOWS_H */
