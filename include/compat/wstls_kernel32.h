/*
 * wstls_kernel32.h - the few kernel32 names legacy secure-socket code needs around wstls:
 * HMODULE, FARPROC, FILETIME, LoadLibrary, GetProcAddress, FreeLibrary, GetLastError,
 * SetLastError. windows.h includes this header; including it twice, or after windows.h, is
 * harmless (every definition is guarded).
 *
 * LoadLibrary and GetProcAddress reach the DLLs wstls emulates (today: schannel.dll, for
 * SslCrackCertificate/SslFreeCertificate). They are macros that pass the character size of
 * the name (sizeof *name), so "x", u"x", L"x" and TEXT("x") all work whatever UNICODE and the
 * size of wchar_t are.
 */
#ifndef WSTLS_KERNEL32_H
#define WSTLS_KERNEL32_H

#include <wstls.h>

#ifndef WSTLS_HMODULE_DEFINED
#define WSTLS_HMODULE_DEFINED
typedef struct HINSTANCE__ *HINSTANCE;
typedef HINSTANCE HMODULE;
#endif

#ifndef WSTLS_FARPROC_DEFINED
#define WSTLS_FARPROC_DEFINED
typedef wstls_FARPROC FARPROC;
#endif

#ifndef _FILETIME_
#define _FILETIME_
typedef wstls_FILETIME FILETIME, *PFILETIME, *LPFILETIME;
#endif

#ifndef WSTLS_NO_NAME_MAPPING
#ifndef LoadLibraryA
#define LoadLibraryA(name) ((HMODULE)wstls_load_library((const void *)(name), sizeof(*(name))))
#endif
#ifndef LoadLibraryW
#define LoadLibraryW(name) ((HMODULE)wstls_load_library((const void *)(name), sizeof(*(name))))
#endif
#ifndef LoadLibrary
#define LoadLibrary(name) ((HMODULE)wstls_load_library((const void *)(name), sizeof(*(name))))
#endif
#ifndef GetProcAddress
#define GetProcAddress(module, name) wstls_get_proc_address((void *)(module), (const void *)(name), sizeof(*(name)))
#endif
#ifndef GetProcAddressA
#define GetProcAddressA(module, name) wstls_get_proc_address((void *)(module), (const void *)(name), sizeof(*(name)))
#endif
#ifndef GetProcAddressW
#define GetProcAddressW(module, name) wstls_get_proc_address((void *)(module), (const void *)(name), sizeof(*(name)))
#endif
#ifndef FreeLibrary
#define FreeLibrary(module) wstls_FreeLibrary((void *)(module))
#endif
#ifndef GetLastError
#define GetLastError wstls_GetLastError
#endif
#ifndef SetLastError
#define SetLastError wstls_SetLastError
#endif
#endif /* WSTLS_NO_NAME_MAPPING */

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
