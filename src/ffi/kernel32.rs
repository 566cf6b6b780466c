//! The few kernel32 functions legacy programs use to reach wstls's emulated DLLs:
//! `LoadLibrary`, `GetProcAddress`, `FreeLibrary`, `GetLastError`, `SetLastError`.
//!
//! CE validation hooks load `schannel.dll` and look up `SslCrackCertificate` and
//! `SslFreeCertificate` (narrow names on desktop, `TEXT("...")` wide names on CE). wstls keeps a
//! small table of DLLs it emulates ([`MODULES`]); an `HMODULE` is the address of an entry.
//! Any other DLL fails with `ERROR_MOD_NOT_FOUND` and a message saying what is available.
//! `GetLastError` and `WSAGetLastError` read the same per-thread value, as on Windows.
#![allow(non_snake_case)]

use std::os::raw::{c_char, c_int, c_void};

use crate::error::{self, Error, Kind, Result};
use crate::win::schnlsp::*;

/// A UTF-16 code unit (`wstls_WCHAR` in C).
pub type WCHAR = u16;

/// `FARPROC`: a function address to be cast to the right type by the caller. Declared
/// `void (*)(void)` (Windows: `INT_PTR (*)()`), the type GCC lets programs cast to any function
/// pointer without `-Wcast-function-type` warnings.
pub type FARPROC = Option<unsafe extern "C" fn()>;

/// One emulated DLL: its file name (lower case) and how it resolves exported names.
pub struct Module {
    pub name: &'static str,
    pub resolve: fn(&str) -> FARPROC,
}

fn as_farproc(p: *const ()) -> FARPROC {
    // SAFETY: `p` is the address of an `extern "C"` function of this library.
    Some(unsafe { std::mem::transmute::<*const (), unsafe extern "C" fn()>(p) })
}

fn schannel(name: &str) -> FARPROC {
    match name {
        "SslCrackCertificate" => as_farproc(super::sslsock::wstls_SslCrackCertificate as *const ()),
        "SslFreeCertificate" => as_farproc(super::sslsock::wstls_SslFreeCertificate as *const ()),
        _ => None,
    }
}

/// The DLLs `LoadLibrary` knows. Add an entry to emulate another one.
pub static MODULES: [Module; 1] = [Module {
    name: "schannel.dll",
    resolve: schannel,
}];

/// Runs a Win32-style entry point: `Err(e)` sets `GetLastError()` (the `Kind::Wsa` value holds
/// the Win32 code) and the message, and returns `fail`.
pub fn win32_guard<T>(name: &str, fail: T, f: impl FnOnce() -> Result<T>) -> T {
    super::wsa_guard(name, fail, f)
}

fn err(code: i32, message: String) -> Error {
    Error::new(Kind::Wsa(code), message)
}

/// Reads a NUL-terminated string of 1-, 2- or 4-byte characters (at most 32767 of them).
unsafe fn read_name(p: *const c_void, char_size: usize, what: &str) -> Result<String> {
    if p.is_null() {
        return Err(err(
            ERROR_INVALID_PARAMETER,
            format!("{what}: the name is NULL"),
        ));
    }
    let mut out = String::new();
    for i in 0..32767usize {
        let c: u32 = match char_size {
            1 => *(p as *const u8).add(i) as u32,
            2 => std::ptr::read_unaligned((p as *const u16).add(i)) as u32,
            4 => std::ptr::read_unaligned((p as *const u32).add(i)),
            other => {
                return Err(err(
                    ERROR_INVALID_PARAMETER,
                    format!("{what}: character size {other} (use 1, 2 or 4)"),
                ))
            }
        };
        if c == 0 {
            return Ok(out);
        }
        // Names of DLLs and functions are ASCII; anything else cannot match.
        out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
    }
    Err(err(
        ERROR_INVALID_PARAMETER,
        format!("{what}: the name is not NUL-terminated"),
    ))
}

/// `"C:\\Windows\\SCHANNEL"` → `"schannel.dll"` (Windows appends `.dll` when there is no
/// extension; a trailing dot means "no extension").
fn normalize(name: &str) -> String {
    let base = name
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or(name)
        .trim()
        .to_ascii_lowercase();
    if let Some(stripped) = base.strip_suffix('.') {
        stripped.to_string()
    } else if base.contains('.') {
        base
    } else {
        format!("{base}.dll")
    }
}

fn load(name: &str) -> Result<*mut c_void> {
    let n = normalize(name);
    match MODULES.iter().find(|m| m.name == n) {
        Some(m) => Ok(m as *const Module as *mut c_void),
        None => {
            let known: Vec<&str> = MODULES.iter().map(|m| m.name).collect();
            Err(err(
                ERROR_MOD_NOT_FOUND,
                format!("LoadLibrary({name:?}): wstls does not emulate this DLL (it provides: {}); link the program against the library you need directly", known.join(", ")),
            ))
        }
    }
}

fn module(h: *mut c_void, what: &str) -> Result<&'static Module> {
    MODULES
        .iter()
        .find(|m| *m as *const Module as *mut c_void == h)
        .ok_or_else(|| {
            err(
                ERROR_INVALID_HANDLE,
                format!("{what}: {h:p} is not a module handle from LoadLibrary"),
            )
        })
}

fn proc_address(h: *mut c_void, name: *const c_void, char_size: usize) -> Result<FARPROC> {
    let m = module(h, "GetProcAddress")?;
    if (name as usize) < 0x10000 {
        return Err(err(ERROR_PROC_NOT_FOUND, format!("GetProcAddress({}): lookup by ordinal ({}) is not supported; pass the function name", m.name, name as usize)));
    }
    let n = unsafe { read_name(name, char_size, "GetProcAddress")? };
    match (m.resolve)(&n) {
        Some(f) => Ok(Some(f)),
        None => Err(err(
            ERROR_PROC_NOT_FOUND,
            format!(
                "GetProcAddress({}, {n:?}): wstls's {} has no such function",
                m.name, m.name
            ),
        )),
    }
}

/// Loads an emulated DLL by name (narrow characters): `"schannel.dll"` (any case, with or
/// without a path or the `.dll` extension). Returns a module handle, or NULL with
/// `GetLastError()` = `ERROR_MOD_NOT_FOUND` for a DLL wstls does not emulate.
#[no_mangle]
pub unsafe extern "C" fn wstls_LoadLibraryA(lpLibFileName: *const c_char) -> *mut c_void {
    win32_guard("LoadLibraryA", std::ptr::null_mut(), || {
        load(&read_name(
            lpLibFileName as *const c_void,
            1,
            "LoadLibraryA",
        )?)
    })
}

/// Wide (UTF-16) `LoadLibrary`; see `wstls_LoadLibraryA`.
#[no_mangle]
pub unsafe extern "C" fn wstls_LoadLibraryW(lpLibFileName: *const WCHAR) -> *mut c_void {
    win32_guard("LoadLibraryW", std::ptr::null_mut(), || {
        load(&read_name(
            lpLibFileName as *const c_void,
            2,
            "LoadLibraryW",
        )?)
    })
}

/// wstls extension behind the `LoadLibrary` macros of the compat headers: the name's
/// character size (1, 2 or 4 bytes: `"..."`, `u"..."`/`WCHAR`, `L"..."` with a 4-byte
/// `wchar_t`) comes from `sizeof *name` at the call site, so `TEXT("schannel.dll")` works
/// whatever `UNICODE` and `wchar_t` are.
#[no_mangle]
pub unsafe extern "C" fn wstls_load_library(name: *const c_void, char_size: usize) -> *mut c_void {
    win32_guard("LoadLibrary", std::ptr::null_mut(), || {
        load(&read_name(name, char_size, "LoadLibrary")?)
    })
}

/// Releases a module handle from `LoadLibrary` (emulated DLLs stay loaded). FALSE with
/// `ERROR_INVALID_HANDLE` for anything else.
#[no_mangle]
pub unsafe extern "C" fn wstls_FreeLibrary(hLibModule: *mut c_void) -> c_int {
    win32_guard("FreeLibrary", 0, || {
        module(hLibModule, "FreeLibrary").map(|_| 1)
    })
}

/// The address of an exported function of an emulated DLL (narrow name, case-sensitive, as on
/// Windows): `schannel.dll` exports `SslCrackCertificate` and `SslFreeCertificate`. NULL with
/// `GetLastError()` = `ERROR_PROC_NOT_FOUND` (unknown name, or an ordinal) or
/// `ERROR_INVALID_HANDLE`.
#[no_mangle]
pub unsafe extern "C" fn wstls_GetProcAddress(
    hModule: *mut c_void,
    lpProcName: *const c_char,
) -> FARPROC {
    win32_guard("GetProcAddress", None, || {
        proc_address(hModule, lpProcName as *const c_void, 1)
    })
}

/// CE's narrow `GetProcAddressA`; same as `wstls_GetProcAddress`.
#[no_mangle]
pub unsafe extern "C" fn wstls_GetProcAddressA(
    hModule: *mut c_void,
    lpProcName: *const c_char,
) -> FARPROC {
    win32_guard("GetProcAddressA", None, || {
        proc_address(hModule, lpProcName as *const c_void, 1)
    })
}

/// CE's wide `GetProcAddressW` (UTF-16 name, as `TEXT("SslCrackCertificate")` gives on CE).
#[no_mangle]
pub unsafe extern "C" fn wstls_GetProcAddressW(
    hModule: *mut c_void,
    lpProcName: *const WCHAR,
) -> FARPROC {
    win32_guard("GetProcAddressW", None, || {
        proc_address(hModule, lpProcName as *const c_void, 2)
    })
}

/// wstls extension behind the `GetProcAddress` macros of the compat headers: like
/// `wstls_load_library`, the name's character size comes from `sizeof *name`.
#[no_mangle]
pub unsafe extern "C" fn wstls_get_proc_address(
    hModule: *mut c_void,
    name: *const c_void,
    char_size: usize,
) -> FARPROC {
    win32_guard("GetProcAddress", None, || {
        proc_address(hModule, name, char_size)
    })
}

/// The calling thread's last error code: the same value `WSAGetLastError()` returns (on
/// Windows they are one value), also set by `LoadLibrary`, `GetProcAddress` and
/// `SslCrackCertificate`.
#[no_mangle]
pub extern "C" fn wstls_GetLastError() -> u32 {
    error::last_wsa() as u32
}

/// Sets the calling thread's last error code (the value `GetLastError()`/`WSAGetLastError()` read).
#[no_mangle]
pub extern "C" fn wstls_SetLastError(dwErrCode: u32) {
    error::set_last_wsa(dwErrCode as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(normalize("SCHANNEL.DLL"), "schannel.dll");
        assert_eq!(normalize("schannel"), "schannel.dll");
        assert_eq!(normalize("C:\\Windows\\schannel.dll"), "schannel.dll");
        assert_eq!(normalize("schannel."), "schannel");
        assert!(load("Schannel").is_ok());
        assert_eq!(
            load("user32.dll").unwrap_err().wsa_code(),
            ERROR_MOD_NOT_FOUND
        );
    }

    #[test]
    fn wide_and_narrow_lookups() {
        let h = load("schannel.dll").unwrap();
        let w: Vec<u16> = "SslCrackCertificate\0".encode_utf16().collect();
        let w4: Vec<u32> = "SslFreeCertificate\0".chars().map(|c| c as u32).collect();
        let a = proc_address(h, w.as_ptr() as *const c_void, 2)
            .unwrap()
            .unwrap() as usize;
        assert_eq!(
            a,
            super::super::sslsock::wstls_SslCrackCertificate as *const () as usize
        );
        let f = proc_address(h, w4.as_ptr() as *const c_void, 4)
            .unwrap()
            .unwrap() as usize;
        assert_eq!(
            f,
            super::super::sslsock::wstls_SslFreeCertificate as *const () as usize
        );
        let e = proc_address(h, b"sslcrackcertificate\0".as_ptr() as *const c_void, 1).unwrap_err();
        assert_eq!(e.wsa_code(), ERROR_PROC_NOT_FOUND);
        assert_eq!(
            proc_address(h, 5 as *const c_void, 1)
                .unwrap_err()
                .wsa_code(),
            ERROR_PROC_NOT_FOUND
        );
        assert_eq!(
            proc_address(std::ptr::null_mut(), b"x\0".as_ptr() as *const c_void, 1)
                .unwrap_err()
                .wsa_code(),
            ERROR_INVALID_HANDLE
        );
    }
}
