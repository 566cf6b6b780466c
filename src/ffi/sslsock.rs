//! Windows CE secure sockets (`sslsock.h`): the `SO_SSL_*` control codes of `WSAIoctl`,
//! `SslCrackCertificate`/`SslFreeCertificate` (CE `schnlsp.h`, what validation hooks call) and
//! wstls's CE extensions (the peer chain, inside and after the hook).
//!
//! States (docs/ce-sockets.md): the setters work on a secure socket (`SO_SECURE` =
//! `SO_SEC_SSL`) until its handshake starts, then fail with `WSAEISCONN`;
//! `SO_SSL_PERFORM_HANDSHAKE` needs a connected socket (`WSAENOTCONN`) and runs once
//! (`WSAEISCONN` afterwards); `SO_SSL_GET_CONNECTION_INFO` needs a finished handshake
//! (`WSAENOTCONN`).
#![allow(non_snake_case)]

use std::collections::HashSet;
use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use super::ptr;
use super::winsock::IoBuf;
use crate::error::{Error, Kind, Result};
use crate::net::secure;
use crate::net::socket::{Conn, Socket};
use crate::net::tlsio::Phase;
use crate::tls::config::{SocketTls, Versions};
use crate::tls::verify::Hook;
use crate::win::schnlsp::*;
use crate::win::sslsock::*;
use crate::win::winsock::SOCKET;
use crate::win::wsa::{self, SOCKET_ERROR};

/// What `SO_SSL_GET_CAPABILITIES` reports: client and server (`accept` on a secure listening
/// socket, with `WSTLS_CERT_FILE`/`WSTLS_KEY_FILE`). No CryptoAPI provider, and client
/// certificates come from `WSTLS_CLIENT_CERT_FILE` rather than the auth-request hook.
pub const CAPABILITIES: u32 = SSL_CAP_CLIENT | SSL_CAP_SERVER;

/// The `SSL_FLAG_*` bits `SO_SSL_SET_FLAGS` accepts.
pub const KNOWN_FLAGS: u32 = SSL_FLAG_SERVER | SSL_FLAG_AUTH_CLIENT | SSL_FLAG_DEFER_HANDSHAKE;

/// `SSLPROTOCOL.dwVersion` values for `SSL_PROTOCOL_TLS1` (a wstls extension: CE programs pass
/// 0, which means TLS 1.2 and 1.3).
pub const WSTLS_TLS_VERSION_1_2: u32 = 0x0303;
pub const WSTLS_TLS_VERSION_1_3: u32 = 0x0304;

fn name_of(code: u32) -> &'static str {
    match code {
        SO_SSL_GET_CAPABILITIES => "SO_SSL_GET_CAPABILITIES",
        SO_SSL_SET_FLAGS => "SO_SSL_SET_FLAGS",
        SO_SSL_GET_FLAGS => "SO_SSL_GET_FLAGS",
        SO_SSL_SET_PROTOCOLS => "SO_SSL_SET_PROTOCOLS",
        SO_SSL_GET_PROTOCOLS => "SO_SSL_GET_PROTOCOLS",
        SO_SSL_SET_CIPHERS => "SO_SSL_SET_CIPHERS",
        SO_SSL_GET_CIPHERS => "SO_SSL_GET_CIPHERS",
        SO_SSL_SET_CLIENT_OPTS => "SO_SSL_SET_CLIENT_OPTS",
        SO_SSL_GET_CLIENT_OPTS => "SO_SSL_GET_CLIENT_OPTS",
        SO_SSL_SET_SERVER_OPTS => "SO_SSL_SET_SERVER_OPTS",
        SO_SSL_GET_SERVER_OPTS => "SO_SSL_GET_SERVER_OPTS",
        SO_SSL_SET_CLIENT_AUTH_OPTS => "SO_SSL_SET_CLIENT_AUTH_OPTS",
        SO_SSL_GET_CLIENT_AUTH_OPTS => "SO_SSL_GET_CLIENT_AUTH_OPTS",
        SO_SSL_SET_VALIDATE_CERT_HOOK => "SO_SSL_SET_VALIDATE_CERT_HOOK",
        SO_SSL_GET_VALIDATE_CERT_HOOK => "SO_SSL_GET_VALIDATE_CERT_HOOK",
        SO_SSL_SET_AUTH_REQUEST_HOOK => "SO_SSL_SET_AUTH_REQUEST_HOOK",
        SO_SSL_GET_AUTH_REQUEST_HOOK => "SO_SSL_GET_AUTH_REQUEST_HOOK",
        SO_SSL_SET_KEY_EXCH_HOOK => "SO_SSL_SET_KEY_EXCH_HOOK",
        SO_SSL_GET_KEY_EXCH_HOOK => "SO_SSL_GET_KEY_EXCH_HOOK",
        SO_SSL_SET_SIGNATURE_HOOK => "SO_SSL_SET_SIGNATURE_HOOK",
        SO_SSL_GET_SIGNATURE_HOOK => "SO_SSL_GET_SIGNATURE_HOOK",
        SO_SSL_PERFORM_HANDSHAKE => "SO_SSL_PERFORM_HANDSHAKE",
        SO_SSL_GET_CONNECTION_INFO => "SO_SSL_GET_CONNECTION_INFO",
        SO_SSL_SET_PEERNAME => "SO_SSL_SET_PEERNAME",
        _ => "SO_SSL_*",
    }
}

/// Handles one `SO_SSL_*` control code; returns the byte count for `lpcbBytesReturned`.
pub fn ioctl(sock: &Arc<Socket>, code: u32, input: IoBuf, output: IoBuf) -> Result<u32> {
    let what = format!("WSAIoctl({})", name_of(code));
    let what = what.as_str();
    match code {
        SO_SSL_GET_CAPABILITIES => put(output, CAPABILITIES, what),
        SO_SSL_SET_FLAGS => {
            let v: u32 = get(input, what)?;
            if v & !KNOWN_FLAGS != 0 {
                return Err(Error::inval(format!(
                    "{what}: unknown flag bits {:#x} (known: SSL_FLAG_SERVER 0x2, SSL_FLAG_AUTH_CLIENT 0x4, SSL_FLAG_DEFER_HANDSHAKE 0x8)",
                    v & !KNOWN_FLAGS
                )));
            }
            with_settings(sock, what, |t| {
                t.flags = v;
                // SSL_FLAG_AUTH_CLIENT means "request and verify if sent" unless
                // WSTLS_SO_SET_VERIFY_MODE chose otherwise (SocketTls::effective_client_auth).
                Ok(())
            })?;
            Ok(0)
        }
        SO_SSL_GET_FLAGS => {
            let v = sock.state().tls.as_ref().map(|t| t.flags).unwrap_or(0);
            put(output, v, what)
        }
        SO_SSL_SET_PROTOCOLS => {
            let versions = unsafe { parse_protocols(input, what)? };
            with_settings(sock, what, |t| {
                t.versions = versions;
                Ok(())
            })?;
            Ok(0)
        }
        SO_SSL_GET_PROTOCOLS => {
            let v = sock.state().tls.as_ref().map(|t| t.versions).unwrap_or_default();
            let dw_version = match (v.tls12, v.tls13) {
                (true, false) => WSTLS_TLS_VERSION_1_2,
                (false, true) => WSTLS_TLS_VERSION_1_3,
                _ => 0,
            };
            let p = SSLPROTOCOLS { dwCount: 1, ProtocolList: [SSLPROTOCOL { dwProtocol: SSL_PROTOCOL_TLS1, dwVersion: dw_version, dwFlags: 0 }] };
            put(output, p, what)
        }
        SO_SSL_SET_VALIDATE_CERT_HOOK => {
            let h: SSLVALIDATECERTHOOK = get(input, what)?;
            let hook = h.HookFunc.map(|f| Hook { func: f as usize, arg: h.pvArg as usize });
            with_settings(sock, what, |t| {
                t.hook = hook;
                Ok(())
            })?;
            Ok(0)
        }
        SO_SSL_GET_VALIDATE_CERT_HOOK => {
            let hook = sock.state().tls.as_ref().and_then(|t| t.hook);
            let h = SSLVALIDATECERTHOOK {
                // SAFETY: the value came from a program's SSLVALIDATECERTHOOK.HookFunc.
                HookFunc: hook.map(|h| unsafe { std::mem::transmute::<usize, crate::tls::verify::ValidateCertFn>(h.func) }),
                pvArg: hook.map(|h| h.arg).unwrap_or(0) as *mut std::os::raw::c_void,
            };
            put(output, h, what)
        }
        SO_SSL_SET_PEERNAME => {
            let name = unsafe { parse_name(input, what)? }.ok_or_else(|| {
                Error::inval(format!("{what}: the input buffer holds no name (pass the server's host name, NUL-terminated or not, in lpvInBuffer/cbInBuffer)"))
            })?;
            with_settings(sock, what, |t| {
                t.peer_name = Some(name);
                Ok(())
            })?;
            Ok(0)
        }
        SO_SSL_PERFORM_HANDSHAKE => {
            let name = unsafe { parse_name(input, what)? };
            perform_handshake(sock, name, what)?;
            Ok(0)
        }
        SO_SSL_GET_CONNECTION_INFO => {
            let info = sock.tls.conn_info().ok_or_else(|| {
                Error::wsa(wsa::WSAENOTCONN, format!("{what}: no TLS connection is established on this socket (the handshake has not completed)"))
            })?;
            let ci = SSLCONNECTIONINFO {
                dwProtocol: info.protocol,
                aiCipher: info.cipher,
                dwCipherStrength: info.cipher_strength,
                aiHash: info.hash,
                dwHashStrength: info.hash_strength,
                aiExch: info.exch,
                dwExchStrength: info.exch_strength,
            };
            put(output, ci, what)
        }
        SO_SSL_SET_CIPHERS | SO_SSL_GET_CIPHERS => Err(Error::unsupported(format!(
            "{what} is not supported by wstls: cipher suites are not chosen per socket (wstls offers rustls's modern TLS 1.2/1.3 suites; see docs/compatibility.md)"
        ))),
        SO_SSL_SET_AUTH_REQUEST_HOOK | SO_SSL_GET_AUTH_REQUEST_HOOK => Err(Error::unsupported(format!(
            "{what} is not supported by wstls: a client certificate comes from WSTLS_CLIENT_CERT_FILE/WSTLS_CLIENT_KEY_FILE instead (see docs/compatibility.md)"
        ))),
        SO_SSL_SET_KEY_EXCH_HOOK | SO_SSL_GET_KEY_EXCH_HOOK | SO_SSL_SET_SIGNATURE_HOOK | SO_SSL_GET_SIGNATURE_HOOK => Err(Error::unsupported(format!(
            "{what} is not supported by wstls: private-key operations stay inside the TLS library (see docs/compatibility.md)"
        ))),
        SO_SSL_SET_CLIENT_OPTS | SO_SSL_GET_CLIENT_OPTS | SO_SSL_SET_SERVER_OPTS | SO_SSL_GET_SERVER_OPTS => Err(Error::unsupported(format!(
            "{what} is not supported by wstls: the session cache is process-wide and managed by wstls (see docs/compatibility.md)"
        ))),
        SO_SSL_SET_CLIENT_AUTH_OPTS | SO_SSL_GET_CLIENT_AUTH_OPTS => Err(Error::unsupported(format!(
            "{what} is not supported by wstls: use SSL_FLAG_AUTH_CLIENT with SO_SSL_SET_FLAGS to ask for client certificates, WSTLS_SO_SET_VERIFY_MODE to require them (see docs/compatibility.md)"
        ))),
        other => Err(Error::inval(format!("WSAIoctl: {other:#010x} is not a Windows CE SO_SSL_* control code"))),
    }
}

/// Reads a fixed-size input structure (`WSAEFAULT` when NULL or short).
fn get<T: Copy>(input: IoBuf, what: &str) -> Result<T> {
    unsafe { ptr::read_struct(input.ptr, input.len, &format!("{what}: input buffer")) }
}

/// Writes a fixed-size output structure; returns its size for `lpcbBytesReturned`.
fn put<T: Copy>(output: IoBuf, v: T, what: &str) -> Result<u32> {
    unsafe { ptr::write_struct(output.ptr, output.len, v, &format!("{what}: output buffer"))? };
    Ok(std::mem::size_of::<T>() as u32)
}

/// Runs `f` on the settings of a secure socket whose handshake has not started.
fn with_settings<T>(
    sock: &Socket,
    what: &str,
    f: impl FnOnce(&mut SocketTls) -> Result<T>,
) -> Result<T> {
    // Phase first (TlsIo lock), then the state lock: never both at once.
    match sock.tls.phase() {
        Phase::Off => {}
        _ => {
            return Err(Error::wsa(
                wsa::WSAEISCONN,
                format!("{what}: the TLS handshake has already been performed (or started) on this socket; settings must be made before it"),
            ))
        }
    }
    let mut st = sock.state();
    let t = st.tls.as_mut().ok_or_else(|| not_secure(what))?;
    f(t)
}

fn not_secure(what: &str) -> Error {
    Error::inval(format!("{what}: the socket is not secure; call setsockopt(s, SOL_SOCKET, SO_SECURE, &dw, sizeof dw) with dw = SO_SEC_SSL first"))
}

/// `SSLPROTOCOLS` → the TLS versions to offer. `SSL_PROTOCOL_TLS1` means TLS (1.2 and 1.3);
/// SSL 2/3 and PCT cannot be had.
unsafe fn parse_protocols(input: IoBuf, what: &str) -> Result<Versions> {
    let count: u32 = ptr::read_struct(
        input.ptr,
        input.len,
        &format!("{what}: input buffer (SSLPROTOCOLS)"),
    )?;
    if count == 0 {
        return Err(Error::inval(format!(
            "{what}: SSLPROTOCOLS.dwCount is 0; list at least SSL_PROTOCOL_TLS1"
        )));
    }
    let entry = std::mem::size_of::<SSLPROTOCOL>();
    let need = (count as usize)
        .checked_mul(entry)
        .and_then(|n| n.checked_add(4))
        .unwrap_or(usize::MAX);
    if input.len < need {
        return Err(Error::fault(&format!(
            "{what}: SSLPROTOCOLS with dwCount = {count} needs {need} bytes, cbInBuffer is {}",
            input.len
        )));
    }
    let mut v = Versions {
        tls12: false,
        tls13: false,
    };
    let mut refused = Vec::new();
    for i in 0..count as usize {
        let p: SSLPROTOCOL =
            std::ptr::read_unaligned(input.ptr.add(4 + i * entry) as *const SSLPROTOCOL);
        match p.dwProtocol {
            SSL_PROTOCOL_TLS1 => match p.dwVersion {
                // 0 (what CE programs pass) or an old TLS 1.0/1.1 wire version: "TLS".
                0 | 0x0301 | 0x0302 => {
                    v.tls12 = true;
                    v.tls13 = true;
                }
                WSTLS_TLS_VERSION_1_2 => v.tls12 = true,
                WSTLS_TLS_VERSION_1_3 => v.tls13 = true,
                other => {
                    return Err(Error::inval(format!(
                        "{what}: SSL_PROTOCOL_TLS1 with dwVersion {other:#x}: use 0 (TLS 1.2 and 1.3), 0x0303 (TLS 1.2 only) or 0x0304 (TLS 1.3 only)"
                    )))
                }
            },
            SSL_PROTOCOL_PCT1 => refused.push("PCT 1.0"),
            SSL_PROTOCOL_SSL2 => refused.push("SSL 2.0"),
            SSL_PROTOCOL_SSL3 => refused.push("SSL 3.0"),
            other => {
                return Err(Error::inval(format!(
                    "{what}: unknown protocol {other} in SSLPROTOCOLS (SSL_PROTOCOL_PCT1 1, SSL_PROTOCOL_SSL2 2, SSL_PROTOCOL_SSL3 3, SSL_PROTOCOL_TLS1 4)"
                )))
            }
        }
    }
    if !v.tls12 && !v.tls13 {
        return Err(Error::unsupported(format!(
            "{what}: {} cannot be enabled: wstls speaks TLS 1.2 and 1.3 only; list SSL_PROTOCOL_TLS1 instead",
            refused.join(", ")
        )));
    }
    if !refused.is_empty() {
        log::info!(
            "{what}: ignoring {} (not available); TLS stays enabled",
            refused.join(", ")
        );
    }
    Ok(v)
}

/// A host name from a `WSAIoctl` input buffer: up to the first NUL or `cbInBuffer` bytes.
/// `Ok(None)` for no name (NULL, length 0, or an empty string).
unsafe fn parse_name(input: IoBuf, what: &str) -> Result<Option<String>> {
    if input.len == 0 {
        return Ok(None);
    }
    if input.ptr.is_null() {
        return Err(Error::fault(&format!(
            "{what}: lpvInBuffer is NULL but cbInBuffer is {}",
            input.len
        )));
    }
    // Read byte by byte up to the NUL, so an over-long cbInBuffer is not read past the name.
    let mut bytes = Vec::new();
    for i in 0..input.len {
        let b = *input.ptr.add(i);
        if b == 0 {
            break;
        }
        if bytes.len() > 255 {
            return Err(Error::inval(format!(
                "{what}: the host name is longer than 255 characters"
            )));
        }
        bytes.push(b);
    }
    if bytes.is_empty() {
        return Ok(None);
    }
    if !bytes.is_ascii() {
        return Err(Error::inval(format!("{what}: the host name must be ASCII (use the punycode form of an internationalised name)")));
    }
    let name = String::from_utf8(bytes).unwrap_or_default();
    if ServerName::try_from(name.as_str()).is_err() {
        return Err(Error::inval(format!(
            "{what}: {name:?} is not a valid DNS name or IP address"
        )));
    }
    Ok(Some(name))
}

/// `SO_SSL_PERFORM_HANDSHAKE`: the deferred handshake on a connected secure socket. A name
/// given here replaces one set with `SO_SSL_SET_PEERNAME`.
fn perform_handshake(sock: &Socket, name: Option<String>, what: &str) -> Result<()> {
    let settings = sock.state().tls.clone().ok_or_else(|| not_secure(what))?;
    let conn = sock.state().conn;
    let connected = match conn {
        Conn::Connecting => sock.poll_connect() == Conn::Connected,
        c => c == Conn::Connected,
    };
    if !connected {
        return Err(Error::wsa(wsa::WSAENOTCONN, format!("{what}: the socket is not connected; call connect first (with SSL_FLAG_DEFER_HANDSHAKE set, connect makes the plain TCP connection)")));
    }
    match sock.tls.phase() {
        Phase::Off => {
            let mut t = settings;
            if name.is_some() {
                t.peer_name = name;
                if let Some(st) = sock.state().tls.as_mut() {
                    st.peer_name = t.peer_name.clone();
                }
            }
            if t.flags & SSL_FLAG_SERVER != 0 {
                secure::begin_server(sock, &t)?;
            } else {
                secure::begin_client(sock, &t)?;
            }
        }
        // A non-blocking socket continues a handshake that would have blocked.
        Phase::Handshaking => {}
        Phase::Secure => {
            return Err(Error::wsa(
                wsa::WSAEISCONN,
                format!("{what}: the TLS handshake has already been performed on this socket"),
            ));
        }
        Phase::Failed(kind, message) => {
            return Err(Error::new(
                kind,
                format!("{what}: the TLS handshake on this socket already failed: {message}"),
            ));
        }
    }
    let r = sock
        .tls
        .handshake(sock, Some(secure::handshake_deadline(sock)));
    if let Err(e) = &r {
        if !e.is_would_block() {
            sock.state().so_error = e.wsa_code();
        }
    }
    r
}

// ---------------------------------------------------------------------------------------------
// SslCrackCertificate / SslFreeCertificate
// ---------------------------------------------------------------------------------------------

/// One allocation: the `X509Certificate` the caller sees, then what its pointers point to.
#[repr(C)]
struct Cracked {
    cert: X509Certificate,
    issuer: CString,
    subject: CString,
    /// `PctPublicKey` header and key bytes, as `u32`s for alignment.
    key: Vec<u32>,
}

/// Certificates handed out and not yet freed (so a bad or double free is harmless).
static LIVE: Lazy<Mutex<HashSet<usize>>> = Lazy::new(|| Mutex::new(HashSet::new()));

fn sig_hash(oid: &str) -> u32 {
    match oid {
        "1.2.840.113549.1.1.4" | "1.3.14.3.2.25" => CALG_MD5,
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => {
            CALG_SHA1
        }
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => CALG_SHA_256,
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => CALG_SHA_384,
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => CALG_SHA_512,
        _ => 0,
    }
}

fn key_type(oid: &str) -> u32 {
    match oid {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => CALG_RSA_KEYX,
        "1.2.840.10045.2.1" => CALG_ECDSA,
        "1.2.840.10040.4.1" => 0x2200, // CALG_DSS_SIGN
        "1.3.101.112" | "1.3.101.113" => CALG_WSTLS_EDDSA,
        _ => 0,
    }
}

fn win32(code: i32, message: String) -> Error {
    Error::new(Kind::Wsa(code), message)
}

/// Decodes a DER (or, with `CF_CERT_FROM_FILE`, PEM) certificate.
fn crack(data: &[u8], flags: u32) -> Result<Box<Cracked>> {
    let pem;
    let der: &[u8] = if data.starts_with(b"-----BEGIN")
        || (flags & CF_CERT_FROM_FILE != 0 && !data.starts_with(&[0x30]))
    {
        pem = CertificateDer::from_pem_slice(data).map_err(|e| {
            win32(
                ERROR_INVALID_DATA,
                format!("SslCrackCertificate: no PEM CERTIFICATE block in the data: {e}"),
            )
        })?;
        pem.as_ref()
    } else {
        data
    };
    let (_, c) = x509_parser::parse_x509_certificate(der).map_err(|e| {
        win32(
            ERROR_INVALID_DATA,
            format!("SslCrackCertificate: the data is not a DER X.509 certificate: {e}"),
        )
    })?;
    let mut serial = [0u32; 4];
    // Big-endian bytes → little-endian DWORDs, least significant first.
    for (i, b) in c.raw_serial().iter().rev().take(16).enumerate() {
        serial[i / 4] |= (*b as u32) << (8 * (i % 4));
    }
    let spki = c.public_key();
    let key_bytes: &[u8] = &spki.subject_public_key.data;
    let mut key = vec![0u32; 2 + key_bytes.len().div_ceil(4).max(1)];
    key[0] = key_type(&spki.algorithm.algorithm.to_id_string());
    key[1] = key_bytes.len() as u32;
    unsafe {
        std::ptr::copy_nonoverlapping(
            key_bytes.as_ptr(),
            key.as_mut_ptr().add(2) as *mut u8,
            key_bytes.len(),
        )
    };
    let cstr = |s: String| CString::new(s.replace('\0', "\\0")).unwrap_or_default();
    let mut b = Box::new(Cracked {
        cert: X509Certificate {
            Version: c.version().0,
            SerialNumber: serial,
            SignatureAlgorithm: sig_hash(&c.signature_algorithm.algorithm.to_id_string()),
            ValidFrom: FILETIME::from_unix(c.validity().not_before.timestamp()),
            ValidUntil: FILETIME::from_unix(c.validity().not_after.timestamp()),
            pszIssuer: std::ptr::null_mut(),
            pszSubject: std::ptr::null_mut(),
            pPublicKey: std::ptr::null_mut(),
        },
        issuer: cstr(c.issuer().to_string()),
        subject: cstr(c.subject().to_string()),
        key,
    });
    b.cert.pszIssuer = b.issuer.as_ptr() as *mut c_char;
    b.cert.pszSubject = b.subject.as_ptr() as *mut c_char;
    b.cert.pPublicKey = b.key.as_mut_ptr() as *mut PctPublicKey;
    Ok(b)
}

/// CE `schnlsp.h`: decodes an X.509 certificate (DER, as a validation hook receives it in
/// `pCertChain->pBlobData`/`cbSize`; PEM is accepted too) into an `X509Certificate` with the
/// version, serial number (least significant DWORD first), signature hash `ALG_ID`, validity
/// as `FILETIME`s, issuer and subject names (`"C=US, O=..., CN=..."`) and public key. Returns
/// TRUE and sets `*ppCertificate`, to be released with `SslFreeCertificate`; FALSE with
/// `GetLastError()` = `ERROR_INVALID_PARAMETER` (NULL pointers) or `ERROR_INVALID_DATA` (not a
/// certificate). `dwFlags` (`VerifySignature` in the function-pointer typedef) is not used:
/// the certificate was verified by the handshake. May be called from inside the hook.
#[no_mangle]
pub unsafe extern "C" fn wstls_SslCrackCertificate(
    pbCertificate: *mut u8,
    cbCertificate: u32,
    dwFlags: u32,
    ppCertificate: *mut *mut X509Certificate,
) -> c_int {
    super::kernel32::win32_guard("SslCrackCertificate", 0, || {
        if ppCertificate.is_null() || pbCertificate.is_null() || cbCertificate == 0 {
            return Err(win32(
                ERROR_INVALID_PARAMETER,
                "SslCrackCertificate: pbCertificate, cbCertificate and ppCertificate must be given"
                    .into(),
            ));
        }
        *ppCertificate = std::ptr::null_mut();
        let data = std::slice::from_raw_parts(pbCertificate, cbCertificate as usize);
        let b = crack(data, dwFlags)?;
        let p = Box::into_raw(b);
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p as usize);
        *ppCertificate = p as *mut X509Certificate;
        Ok(1)
    })
}

/// CE `schnlsp.h`: releases a certificate from `SslCrackCertificate`. NULL, a pointer that
/// did not come from `SslCrackCertificate` and a second free are ignored.
#[no_mangle]
pub unsafe extern "C" fn wstls_SslFreeCertificate(pCertificate: *mut X509Certificate) {
    super::plain_guard((), || {
        if pCertificate.is_null() {
            return;
        }
        let known = LIVE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(pCertificate as usize));
        if known {
            drop(Box::from_raw(pCertificate as *mut Cracked));
        } else {
            log::warn!("SslFreeCertificate: {pCertificate:p} was not returned by SslCrackCertificate (or was already freed); ignored");
        }
    })
}

// ---------------------------------------------------------------------------------------------
// wstls extensions for CE programs
// ---------------------------------------------------------------------------------------------

/// wstls extension, for use inside a CE certificate validation hook: the whole certificate
/// chain the server sent (leaf first, each a DER `BLOB`), of which the hook's own `pCertChain`
/// holds only the leaf. Sets `*pdwChainLen` and `*ppCertChain` (valid until the hook returns)
/// and returns TRUE; outside a hook returns FALSE with `WSAGetLastError()` = `WSAEINVAL`.
#[no_mangle]
pub unsafe extern "C" fn wstls_get_hook_certificate_chain(
    pdwChainLen: *mut u32,
    ppCertChain: *mut *mut BLOB,
) -> c_int {
    super::wsa_guard("wstls_get_hook_certificate_chain", 0, || {
        let n = ptr::as_mut(pdwChainLen, "wstls_get_hook_certificate_chain: pdwChainLen")?;
        let pp = ptr::as_mut(ppCertChain, "wstls_get_hook_certificate_chain: ppCertChain")?;
        let (p, len) = crate::tls::verify::hook_chain()
            .ok_or_else(|| Error::inval("wstls_get_hook_certificate_chain: no certificate validation hook is running on this thread"))?;
        *n = len as u32;
        *pp = p;
        Ok(1)
    })
}

/// wstls extension: certificate `index` (0 = the server's leaf, then the intermediates as
/// sent) of the chain the peer presented on a secure socket whose handshake has completed.
/// Copies the DER into `pbCert` when `cbCert` is large enough and sets `*pcbNeeded` (may be
/// NULL) to its size. Returns the number of certificates in the chain, or `SOCKET_ERROR`:
/// `WSAENOTCONN` before the handshake, `WSAEINVAL` when `index` is past the end, `WSAEFAULT`
/// when `pbCert` is NULL or too small (`*pcbNeeded` then tells the size).
#[no_mangle]
pub unsafe extern "C" fn wstls_get_peer_certificate_chain(
    s: SOCKET,
    index: u32,
    pbCert: *mut u8,
    cbCert: u32,
    pcbNeeded: *mut u32,
) -> c_int {
    super::wsa_guard("wstls_get_peer_certificate_chain", SOCKET_ERROR, || {
        super::require_startup()?;
        let sock = crate::net::lookup(s)?;
        if sock.tls.phase() != Phase::Secure {
            return Err(Error::wsa(wsa::WSAENOTCONN, "wstls_get_peer_certificate_chain: the TLS handshake has not completed on this socket"));
        }
        let chain: Vec<Vec<u8>> = sock
            .tls
            .with_session(|sess| {
                sess.conn
                    .peer_certificates()
                    .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let cert = chain.get(index as usize).ok_or_else(|| {
            Error::inval(format!("wstls_get_peer_certificate_chain: index {index} is past the end of the peer's chain ({} certificates)", chain.len()))
        })?;
        if let Some(n) = ptr::opt_mut(pcbNeeded) {
            *n = cert.len() as u32;
        }
        if pbCert.is_null() || (cbCert as usize) < cert.len() {
            return Err(Error::fault(&format!(
                "wstls_get_peer_certificate_chain: pbCert ({cbCert} bytes; need {})",
                cert.len()
            )));
        }
        std::ptr::copy_nonoverlapping(cert.as_ptr(), pbCert, cert.len());
        Ok(chain.len() as c_int)
    })
}
