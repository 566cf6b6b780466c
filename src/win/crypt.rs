//! The crypt32 subset (`wincrypt.h`) that SSPI users need: `CERT_CONTEXT`, `CERT_INFO` and
//! their blobs, certificate-store constants and `ALG_ID` values (LP64 layouts, 32-bit `DWORD`).
#![allow(
    non_camel_case_types,
    non_snake_case,
    missing_docs,
    clippy::upper_case_acronyms
)]

use std::os::raw::{c_char, c_void};

/// `CRYPTOAPI_BLOB` (`CRYPT_INTEGER_BLOB`, `CERT_NAME_BLOB`, `CRYPT_DATA_BLOB`, ...): 16 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPTOAPI_BLOB {
    pub cbData: u32,
    pub pbData: *mut u8,
}

pub type CERT_NAME_BLOB = CRYPTOAPI_BLOB;
pub type CRYPT_INTEGER_BLOB = CRYPTOAPI_BLOB;
pub type CRYPT_OBJID_BLOB = CRYPTOAPI_BLOB;
pub type CRYPT_DATA_BLOB = CRYPTOAPI_BLOB;

impl Default for CRYPTOAPI_BLOB {
    fn default() -> Self {
        CRYPTOAPI_BLOB {
            cbData: 0,
            pbData: std::ptr::null_mut(),
        }
    }
}

/// `CRYPT_BIT_STRING_BLOB` (24 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPT_BIT_STRING_BLOB {
    pub cbData: u32,
    pub pbData: *mut u8,
    pub cUnusedBits: u32,
}

impl Default for CRYPT_BIT_STRING_BLOB {
    fn default() -> Self {
        CRYPT_BIT_STRING_BLOB {
            cbData: 0,
            pbData: std::ptr::null_mut(),
            cUnusedBits: 0,
        }
    }
}

/// `CRYPT_ALGORITHM_IDENTIFIER` (24 bytes): a dotted OID string and DER parameters.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPT_ALGORITHM_IDENTIFIER {
    pub pszObjId: *mut c_char,
    pub Parameters: CRYPT_OBJID_BLOB,
}

/// `CERT_PUBLIC_KEY_INFO` (48 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_PUBLIC_KEY_INFO {
    pub Algorithm: CRYPT_ALGORITHM_IDENTIFIER,
    pub PublicKey: CRYPT_BIT_STRING_BLOB,
}

/// `CERT_EXTENSION` (32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_EXTENSION {
    pub pszObjId: *mut c_char,
    /// `BOOL`.
    pub fCritical: i32,
    pub Value: CRYPT_OBJID_BLOB,
}

/// `FILETIME` (shared with the CE face's `schnlsp.h` types).
pub use super::schnlsp::FILETIME;

/// `CERT_INFO` (208 bytes): the parsed view of a certificate. Every pointer points into the
/// certificate's DER bytes or into storage owned by the `CERT_CONTEXT`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_INFO {
    pub dwVersion: u32,
    /// Little-endian, as CryptoAPI stores integers.
    pub SerialNumber: CRYPT_INTEGER_BLOB,
    pub SignatureAlgorithm: CRYPT_ALGORITHM_IDENTIFIER,
    pub Issuer: CERT_NAME_BLOB,
    pub NotBefore: FILETIME,
    pub NotAfter: FILETIME,
    pub Subject: CERT_NAME_BLOB,
    pub SubjectPublicKeyInfo: CERT_PUBLIC_KEY_INFO,
    pub IssuerUniqueId: CRYPT_BIT_STRING_BLOB,
    pub SubjectUniqueId: CRYPT_BIT_STRING_BLOB,
    pub cExtension: u32,
    pub rgExtension: *mut CERT_EXTENSION,
}

/// `CERT_CONTEXT` (40 bytes). `PCCERT_CONTEXT` is `const CERT_CONTEXT *`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CERT_CONTEXT {
    pub dwCertEncodingType: u32,
    pub pbCertEncoded: *mut u8,
    pub cbCertEncoded: u32,
    pub pCertInfo: *mut CERT_INFO,
    /// `HCERTSTORE`.
    pub hCertStore: *mut c_void,
}

pub const X509_ASN_ENCODING: u32 = 0x1;
pub const PKCS_7_ASN_ENCODING: u32 = 0x10000;
pub const CERT_ENCODING_TYPE_MASK: u32 = 0xFFFF;

pub const CERT_V1: u32 = 0;
pub const CERT_V2: u32 = 1;
pub const CERT_V3: u32 = 2;

/// `CERT_STORE_PROV_MEMORY` (passed as `(LPCSTR)2`).
pub const CERT_STORE_PROV_MEMORY: usize = 2;
pub const CERT_STORE_CREATE_NEW_FLAG: u32 = 0x2000;
pub const CERT_CLOSE_STORE_FORCE_FLAG: u32 = 0x1;
pub const CERT_CLOSE_STORE_CHECK_FLAG: u32 = 0x2;

pub const CERT_STORE_ADD_NEW: u32 = 1;
pub const CERT_STORE_ADD_USE_EXISTING: u32 = 2;
pub const CERT_STORE_ADD_REPLACE_EXISTING: u32 = 3;
pub const CERT_STORE_ADD_ALWAYS: u32 = 4;
pub const CERT_STORE_ADD_REPLACE_EXISTING_INHERIT_PROPERTIES: u32 = 5;
pub const CERT_STORE_ADD_NEWER: u32 = 6;
pub const CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES: u32 = 7;

pub const CERT_FIND_ANY: u32 = 0;
pub const CERT_FIND_SHA1_HASH: u32 = 1 << 16;
pub const CERT_FIND_HAS_PRIVATE_KEY: u32 = 21 << 16;

// HRESULTs reported by crypt32 through the thread's last error.
const fn h(v: u32) -> i32 {
    v as i32
}
pub const E_INVALIDARG: i32 = h(0x8007_0057);
pub const E_OUTOFMEMORY: i32 = h(0x8007_000E);
pub const CRYPT_E_NOT_FOUND: i32 = h(0x8009_2004);
pub const CRYPT_E_EXISTS: i32 = h(0x8009_2005);
pub const CRYPT_E_ASN1_BADTAG: i32 = h(0x8009_310B);
pub const CRYPT_E_PENDING_CLOSE: i32 = h(0x8009_2011);

// ALG_IDs (class << 13 | type << 9 | sid).
pub const CALG_3DES: u32 = 0x6603;
pub const CALG_AES_128: u32 = 0x660E;
pub const CALG_AES_192: u32 = 0x660F;
pub const CALG_AES_256: u32 = 0x6610;
pub const CALG_AES: u32 = 0x6611;
pub const CALG_RC4: u32 = 0x6801;
pub const CALG_MD5: u32 = 0x8003;
pub const CALG_SHA1: u32 = 0x8004;
pub const CALG_SHA_256: u32 = 0x800C;
pub const CALG_SHA_384: u32 = 0x800D;
pub const CALG_SHA_512: u32 = 0x800E;
pub const CALG_RSA_KEYX: u32 = 0xA400;
pub const CALG_DH_EPHEM: u32 = 0xAA02;
pub const CALG_ECDH: u32 = 0xAA05;
pub const CALG_ECDH_EPHEM: u32 = 0xAE06;
pub const CALG_RSA_SIGN: u32 = 0x2400;
pub const CALG_DSS_SIGN: u32 = 0x2200;
pub const CALG_ECDSA: u32 = 0x2203;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{size_of, zeroed};

    fn off<T, F>(base: &T, field: &F) -> usize {
        field as *const F as usize - base as *const T as usize
    }

    #[test]
    fn layouts() {
        assert_eq!(size_of::<CRYPTOAPI_BLOB>(), 16);
        assert_eq!(size_of::<CRYPT_BIT_STRING_BLOB>(), 24);
        assert_eq!(size_of::<CRYPT_ALGORITHM_IDENTIFIER>(), 24);
        assert_eq!(size_of::<CERT_PUBLIC_KEY_INFO>(), 48);
        assert_eq!(size_of::<CERT_EXTENSION>(), 32);
        assert_eq!(size_of::<CERT_CONTEXT>(), 40);
        let c: CERT_CONTEXT = unsafe { zeroed() };
        assert_eq!(off(&c, &c.pbCertEncoded), 8);
        assert_eq!(off(&c, &c.cbCertEncoded), 16);
        assert_eq!(off(&c, &c.pCertInfo), 24);
        assert_eq!(off(&c, &c.hCertStore), 32);
        assert_eq!(size_of::<CERT_INFO>(), 208);
        let i: CERT_INFO = unsafe { zeroed() };
        assert_eq!(off(&i, &i.SerialNumber), 8);
        assert_eq!(off(&i, &i.SignatureAlgorithm), 24);
        assert_eq!(off(&i, &i.Issuer), 48);
        assert_eq!(off(&i, &i.NotBefore), 64);
        assert_eq!(off(&i, &i.NotAfter), 72);
        assert_eq!(off(&i, &i.Subject), 80);
        assert_eq!(off(&i, &i.SubjectPublicKeyInfo), 96);
        assert_eq!(off(&i, &i.IssuerUniqueId), 144);
        assert_eq!(off(&i, &i.SubjectUniqueId), 168);
        assert_eq!(off(&i, &i.cExtension), 192);
        assert_eq!(off(&i, &i.rgExtension), 200);
    }

    #[test]
    fn filetime() {
        assert_eq!(FILETIME::from_unix(0).as_u64(), 116_444_736_000_000_000);
    }
}
