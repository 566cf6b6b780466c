//! Windows CE `sslsock.h`: control codes, flags, structures (LP64 layouts).
#![allow(non_camel_case_types, non_snake_case, missing_docs)]

use std::os::raw::c_void;

/// CE `BLOB`: `{ ULONG cbSize; BYTE *pBlobData; }` (16 bytes on LP64).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BLOB {
    pub cbSize: u32,
    pub pBlobData: *mut u8,
}

/// `SSLVALIDATECERTHOOK { SSLVALIDATECERTFUNC HookFunc; LPVOID pvArg; }`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SSLVALIDATECERTHOOK {
    pub HookFunc: Option<unsafe extern "C" fn(u32, *mut c_void, u32, *mut BLOB, u32) -> i32>,
    pub pvArg: *mut c_void,
}

/// One entry of `SSLPROTOCOLS`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SSLPROTOCOL {
    pub dwProtocol: u32,
    pub dwVersion: u32,
    pub dwFlags: u32,
}

/// `SSLPROTOCOLS { DWORD dwCount; SSLPROTOCOL ProtocolList[1]; }` (variable length).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SSLPROTOCOLS {
    pub dwCount: u32,
    pub ProtocolList: [SSLPROTOCOL; 1],
}

/// `SSLCONNECTIONINFO` (28 bytes).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct SSLCONNECTIONINFO {
    pub dwProtocol: u32,
    pub aiCipher: u32,
    pub dwCipherStrength: u32,
    pub aiHash: u32,
    pub dwHashStrength: u32,
    pub aiExch: u32,
    pub dwExchStrength: u32,
}

pub const SO_SSL_FAMILY: u32 = 0x0073_0000;
pub const SO_SSL_GET_CAPABILITIES: u32 = 0x5073_0001;
pub const SO_SSL_SET_FLAGS: u32 = 0x9073_0002;
pub const SO_SSL_GET_FLAGS: u32 = 0x5073_0002;
pub const SO_SSL_SET_PROTOCOLS: u32 = 0x9073_0003;
pub const SO_SSL_GET_PROTOCOLS: u32 = 0x5073_0003;
pub const SO_SSL_SET_CIPHERS: u32 = 0x9073_0004;
pub const SO_SSL_GET_CIPHERS: u32 = 0xD073_0004;
pub const SO_SSL_SET_CLIENT_OPTS: u32 = 0x9073_0005;
pub const SO_SSL_GET_CLIENT_OPTS: u32 = 0x5073_0005;
pub const SO_SSL_SET_SERVER_OPTS: u32 = 0x9073_0006;
pub const SO_SSL_GET_SERVER_OPTS: u32 = 0x5073_0006;
pub const SO_SSL_SET_CLIENT_AUTH_OPTS: u32 = 0x9073_0007;
pub const SO_SSL_GET_CLIENT_AUTH_OPTS: u32 = 0x5073_0007;
pub const SO_SSL_SET_VALIDATE_CERT_HOOK: u32 = 0x9073_0008;
pub const SO_SSL_GET_VALIDATE_CERT_HOOK: u32 = 0x5073_0008;
pub const SO_SSL_SET_AUTH_REQUEST_HOOK: u32 = 0x9073_0009;
pub const SO_SSL_GET_AUTH_REQUEST_HOOK: u32 = 0x5073_0009;
pub const SO_SSL_SET_KEY_EXCH_HOOK: u32 = 0x9073_000A;
pub const SO_SSL_GET_KEY_EXCH_HOOK: u32 = 0x5073_000A;
pub const SO_SSL_SET_SIGNATURE_HOOK: u32 = 0x9073_000B;
pub const SO_SSL_GET_SIGNATURE_HOOK: u32 = 0x5073_000B;
pub const SO_SSL_PERFORM_HANDSHAKE: u32 = 0x1073_000D;
pub const SO_SSL_GET_CONNECTION_INFO: u32 = 0x5073_000E;
pub const SO_SSL_SET_PEERNAME: u32 = 0x5073_000F;

pub const SSL_CAP_CLIENT: u32 = 0x0001;
pub const SSL_CAP_SERVER: u32 = 0x0002;
pub const SSL_CAP_CLIENT_AUTH: u32 = 0x0004;
pub const SSL_CAP_CRYPTOAPI: u32 = 0x0008;

pub const SSL_FLAG_SERVER: u32 = 0x0002;
pub const SSL_FLAG_AUTH_CLIENT: u32 = 0x0004;
pub const SSL_FLAG_DEFER_HANDSHAKE: u32 = 0x0008;

pub const SSL_PROTOCOL_PCT1: u32 = 1;
pub const SSL_PROTOCOL_SSL2: u32 = 2;
pub const SSL_PROTOCOL_SSL3: u32 = 3;
pub const SSL_PROTOCOL_TLS1: u32 = 4;

pub const SSL_PROT_TLS1_SERVER: u32 = 0x40;
pub const SSL_PROT_TLS1_CLIENT: u32 = 0x80;
pub const SP_PROT_TLS1_2_SERVER: u32 = 0x400;
pub const SP_PROT_TLS1_2_CLIENT: u32 = 0x800;
pub const SP_PROT_TLS1_3_SERVER: u32 = 0x1000;
pub const SP_PROT_TLS1_3_CLIENT: u32 = 0x2000;

pub const SSL_CERT_X509: u32 = 1;
pub const SSL_CERT_FLAG_ISSUER_UNKNOWN: u32 = 1;

pub const SSL_ERR_OKAY: i32 = 0;
pub const SSL_ERR_FAILED: i32 = 2;
pub const SSL_ERR_BAD_LEN: i32 = 3;
pub const SSL_ERR_BAD_TYPE: i32 = 4;
pub const SSL_ERR_BAD_DATA: i32 = 5;
pub const SSL_ERR_NO_CERT: i32 = 6;
pub const SSL_ERR_BAD_SIG: i32 = 7;
pub const SSL_ERR_CERT_EXPIRED: i32 = 8;
pub const SSL_ERR_CERT_REVOKED: i32 = 9;
pub const SSL_ERR_CERT_UNKNOWN: i32 = 10;
pub const SSL_ERR_SIGNATURE: i32 = 11;

// ALG_IDs reported in SSLCONNECTIONINFO (desktop wincrypt.h values for modern algorithms).
pub const CALG_AES_128: u32 = 0x660E;
pub const CALG_AES_256: u32 = 0x6610;
pub const CALG_SHA_256: u32 = 0x800C;
pub const CALG_SHA_384: u32 = 0x800D;
pub const CALG_ECDH: u32 = 0xAA05;
pub const CALG_ECDH_EPHEM: u32 = 0xAE06;
pub const CALG_DH_EPHEM: u32 = 0xAA02;
pub const CALG_RSA_KEYX: u32 = 0xA400;
/// No `wincrypt.h` ALG_ID exists for ChaCha20-Poly1305; wstls reports this value
/// (documented in docs/compatibility.md).
pub const CALG_WSTLS_CHACHA20_POLY1305: u32 = 0x6680;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    #[test]
    fn layouts() {
        assert_eq!(size_of::<BLOB>(), 16);
        assert_eq!(size_of::<SSLVALIDATECERTHOOK>(), 16);
        assert_eq!(size_of::<SSLPROTOCOLS>(), 16);
        assert_eq!(size_of::<SSLCONNECTIONINFO>(), 28);
    }
}
