//! wstls's own `WSAIoctl` control codes (family 0x0057, 'W', under `IOC_PROTOCOL`: a range
//! Windows does not use) and their structures. Documented in docs/extensions.md.
#![allow(non_camel_case_types, non_snake_case)]

use std::os::raw::c_char;

/// The extension family: `(code & 0x07FF0000) == WSTLS_SO_FAMILY`.
pub const WSTLS_SO_FAMILY: u32 = 0x0057_0000;

/// In: `WSTLS_CREDENTIALS`. The server certificate chain and key of a listening (or accepted,
/// deferred) secure socket. Overrides `WSTLS_CERT_FILE`/`WSTLS_KEY_FILE`.
pub const WSTLS_SO_SET_SERVER_CREDENTIALS: u32 = 0x9057_0001;
/// In: `WSTLS_CREDENTIALS`. The client certificate to present when a server asks for one.
/// Overrides `WSTLS_CLIENT_CERT_FILE`/`WSTLS_CLIENT_KEY_FILE`.
pub const WSTLS_SO_SET_CLIENT_CREDENTIALS: u32 = 0x9057_0002;
/// In: `DWORD` of `WSTLS_VERIFY_*` (the OpenSSL-style verify mode of a server for client
/// certificates). `SSL_FLAG_AUTH_CLIENT` alone means `WSTLS_VERIFY_PEER`.
pub const WSTLS_SO_SET_VERIFY_MODE: u32 = 0x9057_0003;
/// Out: `DWORD` verify mode.
pub const WSTLS_SO_GET_VERIFY_MODE: u32 = 0x5057_0003;
/// In: `WSTLS_CREDENTIALS` with only the certificate part: the CA bundle that client
/// certificates must chain to (default `WSTLS_CLIENT_CA_FILE`, else the trust roots).
pub const WSTLS_SO_SET_CLIENT_CA: u32 = 0x9057_0004;
/// Out: `WSTLS_VERIFY_RESULT`: the peer certificate verification after the handshake.
pub const WSTLS_SO_GET_VERIFY_RESULT: u32 = 0x5057_0005;
/// In: `DWORD` index (0 = leaf). Out: that DER certificate of the peer's chain; with a too
/// small (or NULL) out buffer fails with `WSAEFAULT` and sets `*lpcbBytesReturned` to the size.
pub const WSTLS_SO_GET_PEER_CERTIFICATE: u32 = 0xD057_0006;
/// In: ALPN protocol list in wire format (each name preceded by its length byte).
pub const WSTLS_SO_SET_ALPN: u32 = 0x9057_0007;
/// Out: the negotiated ALPN protocol (bytes, no NUL); 0 bytes when none.
pub const WSTLS_SO_GET_ALPN: u32 = 0x5057_0007;
/// Out: `WSTLS_SESSION_INFO`.
pub const WSTLS_SO_GET_SESSION_INFO: u32 = 0x5057_0008;

pub const WSTLS_VERIFY_NONE: u32 = 0;
pub const WSTLS_VERIFY_PEER: u32 = 1;
pub const WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT: u32 = 2;
pub const WSTLS_VERIFY_CLIENT_ONCE: u32 = 4;

/// Certificate and key, as file paths or PEM bytes (a path wins over bytes when both are set).
/// The key may be in the same file/bytes as the certificate.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct WSTLS_CREDENTIALS {
    pub cert_file: *const c_char,
    pub key_file: *const c_char,
    pub cert_pem: *const u8,
    pub cert_pem_len: u32,
    pub key_pem: *const u8,
    pub key_pem_len: u32,
}

/// Result of verifying the peer's certificate.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct WSTLS_VERIFY_RESULT {
    /// 1 when the peer presented a certificate.
    pub has_peer_certificate: u32,
    /// 1 when the chain ends in a trusted root.
    pub chain_trusted: u32,
    /// 1 matched, 0 mismatched, 2 no name checked.
    pub name_matched: u32,
    /// 1 when the connection was accepted (by the checks or by the hook).
    pub accepted: u32,
    /// Number of certificates in the peer chain.
    pub chain_length: u32,
}

/// Facts about the established session.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct WSTLS_SESSION_INFO {
    /// `SP_PROT_*` bit.
    pub protocol: u32,
    /// IANA cipher suite number.
    pub cipher_suite: u32,
    /// 1 when the session was resumed.
    pub resumed: u32,
    /// 1 when the peer sent close_notify.
    pub peer_closed: u32,
}
