//! Windows CE `schnlsp.h` (the parts CE validation hooks use) and the few kernel32 types that
//! go with `LoadLibrary`/`GetProcAddress`: `FILETIME`, `X509Certificate`, `PctPublicKey`,
//! Win32 error codes (LP64 layouts).
#![allow(non_camel_case_types, non_snake_case, missing_docs)]

use std::os::raw::c_char;

/// `FILETIME`: 100-nanosecond intervals since 1601-01-01 00:00 UTC, in two 32-bit halves.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FILETIME {
    pub dwLowDateTime: u32,
    pub dwHighDateTime: u32,
}

/// Seconds from 1601-01-01 to 1970-01-01.
pub const FILETIME_UNIX_EPOCH_SECS: i64 = 11_644_473_600;

impl FILETIME {
    /// From a Unix timestamp (seconds); times before 1601 give 0.
    pub fn from_unix(secs: i64) -> FILETIME {
        let ticks = (secs.saturating_add(FILETIME_UNIX_EPOCH_SECS)).max(0) as u64;
        let v = ticks.saturating_mul(10_000_000);
        FILETIME {
            dwLowDateTime: v as u32,
            dwHighDateTime: (v >> 32) as u32,
        }
    }

    pub fn as_u64(&self) -> u64 {
        (self.dwHighDateTime as u64) << 32 | self.dwLowDateTime as u64
    }

    /// Back to a Unix timestamp (seconds).
    pub fn to_unix(&self) -> i64 {
        (self.as_u64() / 10_000_000) as i64 - FILETIME_UNIX_EPOCH_SECS
    }
}

/// `PctPublicKey { DWORD Type; DWORD cbKey; UCHAR pKey[1]; }` (variable length: `cbKey` bytes
/// follow the two DWORDs).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PctPublicKey {
    pub Type: u32,
    pub cbKey: u32,
    pub pKey: [u8; 1],
}

/// CE `X509Certificate`, as `SslCrackCertificate` fills it (64 bytes on LP64).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct X509Certificate {
    /// The encoded X.509 version: 0 = v1, 1 = v2, 2 = v3 (as CryptoAPI's `CERT_V3`).
    pub Version: u32,
    /// The serial number, least significant DWORD first (its low 16 bytes if longer).
    pub SerialNumber: [u32; 4],
    /// The `CALG_*` hash of the signature algorithm (`CALG_SHA_256`, ...); 0 when none applies.
    pub SignatureAlgorithm: u32,
    pub ValidFrom: FILETIME,
    pub ValidUntil: FILETIME,
    /// Issuer distinguished name, e.g. `"C=US, O=Example, CN=Example CA"`.
    pub pszIssuer: *mut c_char,
    /// Subject distinguished name.
    pub pszSubject: *mut c_char,
    pub pPublicKey: *mut PctPublicKey,
}

/// `SslCrackCertificate` flag: the data came from a file (wstls also accepts PEM then).
pub const CF_CERT_FROM_FILE: u32 = 0x0001;

// Win32 error codes reported through GetLastError() by the kernel32/schannel entry points.
pub const ERROR_INVALID_HANDLE: i32 = 6;
pub const ERROR_NOT_ENOUGH_MEMORY: i32 = 8;
pub const ERROR_INVALID_DATA: i32 = 13;
pub const ERROR_INVALID_PARAMETER: i32 = 87;
pub const ERROR_MOD_NOT_FOUND: i32 = 126;
pub const ERROR_PROC_NOT_FOUND: i32 = 127;

// Hash and key ALG_IDs used by SslCrackCertificate (desktop wincrypt.h values).
pub const CALG_MD5: u32 = 0x8003;
pub const CALG_SHA1: u32 = 0x8004;
pub const CALG_SHA_512: u32 = 0x800E;
pub const CALG_RSA_SIGN: u32 = 0x2400;
pub const CALG_ECDSA: u32 = 0x2203;
/// No `wincrypt.h` ALG_ID exists for EdDSA; wstls reports this value for Ed25519/Ed448 keys.
pub const CALG_WSTLS_EDDSA: u32 = 0x2280;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    fn off<T, F>(base: &T, field: &F) -> usize {
        field as *const F as usize - base as *const T as usize
    }

    #[test]
    fn layouts() {
        assert_eq!(size_of::<FILETIME>(), 8);
        assert_eq!(size_of::<X509Certificate>(), 64);
        let c: X509Certificate = unsafe { std::mem::zeroed() };
        assert_eq!(off(&c, &c.SignatureAlgorithm), 20);
        assert_eq!(off(&c, &c.ValidFrom), 24);
        assert_eq!(off(&c, &c.pszIssuer), 40);
        assert_eq!(off(&c, &c.pPublicKey), 56);
        let k = PctPublicKey {
            Type: 0,
            cbKey: 0,
            pKey: [0],
        };
        assert_eq!(off(&k, &k.pKey), 8);
    }

    #[test]
    fn filetime() {
        // 1970-01-01 is 116444736000000000 in FILETIME units.
        assert_eq!(FILETIME::from_unix(0).as_u64(), 116_444_736_000_000_000);
        assert_eq!(FILETIME::from_unix(1_700_000_000).to_unix(), 1_700_000_000);
        assert_eq!(
            FILETIME::from_unix(-FILETIME_UNIX_EPOCH_SECS - 5).as_u64(),
            0
        );
    }
}
