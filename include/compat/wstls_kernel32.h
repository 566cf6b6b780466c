/*
 * wstls_kernel32.h - the kernel32 module functions legacy secure-socket code uses around wstls:
 * FARPROC, FILETIME, LoadLibrary, GetProcAddress, FreeLibrary (HMODULE, GetLastError and
 * SetLastError come from windows.h). schnlsp.h includes it; including it twice is harmless.
 *
 * LoadLibrary and GetProcAddress reach the DLLs wstls emulates (today: schannel.dll, for
 * SslCrackCertificate/SslFreeCertificate). They are macros that pass the character size of
 * the name (sizeof *name), so "x", u"x", L"x" (2- or 4-byte wchar_t) and TEXT("x") all work,
 * with or without UNICODE. Define WSTLS_NO_NAME_MAPPING to keep the names unmapped.
 */
#ifndef WSTLS_KERNEL32_H
#define WSTLS_KERNEL32_H

#include "windows.h"

#ifndef WSTLS_FARPROC_DEFINED
#define WSTLS_FARPROC_DEFINED
typedef wstls_FARPROC FARPROC; /* void (*)(void): cast it to the function's type */
#endif

#ifndef _FILETIME_
#define _FILETIME_
typedef wstls_FILETIME FILETIME, *PFILETIME, *LPFILETIME;
#endif

#ifndef WSTLS_NO_NAME_MAPPING
#define LoadLibraryA(name) ((HMODULE)wstls_load_library((const void *)(name), sizeof(*(name))))
#define LoadLibraryW(name) ((HMODULE)wstls_load_library((const void *)(name), sizeof(*(name))))
#define LoadLibrary(name) ((HMODULE)wstls_load_library((const void *)(name), sizeof(*(name))))
#define GetProcAddress(module, name) \
    wstls_get_proc_address((void *)(module), (const void *)(name), sizeof(*(name)))
#define GetProcAddressA(module, name) \
    wstls_get_proc_address((void *)(module), (const void *)(name), sizeof(*(name)))
#define GetProcAddressW(module, name) \
    wstls_get_proc_address((void *)(module), (const void *)(name), sizeof(*(name)))
#define FreeLibrary(module) wstls_FreeLibrary((void *)(module))
#endif

/* Win32 error codes these functions report through GetLastError(). */
#ifndef ERROR_INVALID_HANDLE
#define ERROR_INVALID_HANDLE 6L
#endif
#ifndef ERROR_INVALID_DATA
#define ERROR_INVALID_DATA 13L
#endif
#ifndef ERROR_INVALID_PARAMETER
#define ERROR_INVALID_PARAMETER 87L
#endif
#ifndef ERROR_MOD_NOT_FOUND
#define ERROR_MOD_NOT_FOUND 126L
#endif
#ifndef ERROR_PROC_NOT_FOUND
#define ERROR_PROC_NOT_FOUND 127L
#endif

#endif /* WSTLS_KERNEL32_H */
