//! wstls's own extensions: the `WSTLS_SO_*` control codes of `WSAIoctl` and process-wide
//! settings that have an environment-variable equivalent. Documented in docs/extensions.md.
use std::sync::Arc;

use super::ptr;
use super::wsa_guard;
use crate::error::{Error, Result};
use crate::ffi::winsock::IoBuf;
use crate::net::socket::Socket;
use crate::net::tlsio::Phase;
use crate::tls::config::{ClientAuth, Identity, SocketTls};
use crate::win::ext::*;
use crate::win::wsa;

/// Loads an identity from a `WSTLS_CREDENTIALS` (paths win over bytes).
pub(crate) unsafe fn identity_from(c: &WSTLS_CREDENTIALS, what: &str) -> Result<Arc<Identity>> {
    if !c.cert_file.is_null() {
        let cert = ptr::c_str(c.cert_file, &format!("{what}: cert_file"))?;
        let key = if c.key_file.is_null() {
            cert
        } else {
            ptr::c_str(c.key_file, &format!("{what}: key_file"))?
        };
        return Identity::from_pem_files(cert, key);
    }
    let cert = ptr::dword_bytes(c.cert_pem, c.cert_pem_len, &format!("{what}: cert_pem"))?;
    if cert.is_empty() {
        return Err(Error::inval(format!(
            "{what}: neither cert_file nor cert_pem is set"
        )));
    }
    let key = if c.key_pem.is_null() {
        cert
    } else {
        ptr::dword_bytes(c.key_pem, c.key_pem_len, &format!("{what}: key_pem"))?
    };
    Identity::from_pem(cert, key)
}

unsafe fn ca_from(c: &WSTLS_CREDENTIALS, what: &str) -> Result<Arc<rustls::RootCertStore>> {
    if !c.cert_file.is_null() {
        let path = ptr::c_str(c.cert_file, &format!("{what}: cert_file"))?;
        let data = std::fs::read(path)
            .map_err(|e| Error::inval(format!("{what}: cannot read {path}: {e}")))?;
        return crate::tls::roots::store_from_pem(&data);
    }
    let pem = ptr::dword_bytes(c.cert_pem, c.cert_pem_len, &format!("{what}: cert_pem"))?;
    crate::tls::roots::store_from_pem(pem)
}

/// Runs `f` on the socket's TLS settings, which must exist and not be in use yet.
fn with_settings<T>(
    sock: &Socket,
    what: &str,
    f: impl FnOnce(&mut SocketTls) -> Result<T>,
) -> Result<T> {
    if sock.tls.phase() != Phase::Off {
        return Err(Error::wsa(
            wsa::WSAEISCONN,
            format!("{what}: the TLS handshake has already started on this socket"),
        ));
    }
    let mut st = sock.state();
    let t = st.tls.as_mut().ok_or_else(|| {
        Error::inval(format!("{what}: the socket is not secure; enable TLS first (setsockopt SO_SECURE = SO_SEC_SSL, or WSASetSocketSecurity)"))
    })?;
    f(t)
}

fn verify_mode_of(t: &SocketTls) -> u32 {
    match t.effective_client_auth() {
        ClientAuth::None => WSTLS_VERIFY_NONE,
        ClientAuth::Request => WSTLS_VERIFY_PEER | WSTLS_VERIFY_CLIENT_ONCE,
        ClientAuth::Require => {
            WSTLS_VERIFY_PEER | WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT | WSTLS_VERIFY_CLIENT_ONCE
        }
    }
}

/// Handles a `WSTLS_SO_*` control code; returns the byte count for `lpcbBytesReturned`.
pub(crate) unsafe fn ioctl(
    sock: &Arc<Socket>,
    code: u32,
    input: IoBuf,
    output: IoBuf,
) -> Result<u32> {
    match code {
        WSTLS_SO_SET_SERVER_CREDENTIALS | WSTLS_SO_SET_CLIENT_CREDENTIALS => {
            let what = if code == WSTLS_SO_SET_SERVER_CREDENTIALS {
                "WSTLS_SO_SET_SERVER_CREDENTIALS"
            } else {
                "WSTLS_SO_SET_CLIENT_CREDENTIALS"
            };
            let c: WSTLS_CREDENTIALS = ptr::read_struct(input.ptr, input.len, what)?;
            let id = identity_from(&c, what)?;
            with_settings(sock, what, |t| {
                if code == WSTLS_SO_SET_SERVER_CREDENTIALS {
                    t.server_identity = Some(id);
                } else {
                    t.client_identity = Some(id);
                }
                Ok(0)
            })
        }
        WSTLS_SO_SET_VERIFY_MODE => {
            let mode: u32 = ptr::read_struct(input.ptr, input.len, "WSTLS_SO_SET_VERIFY_MODE")?;
            let known =
                WSTLS_VERIFY_PEER | WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT | WSTLS_VERIFY_CLIENT_ONCE;
            if mode & !known != 0 {
                return Err(Error::inval(format!(
                    "WSTLS_SO_SET_VERIFY_MODE: unknown bits {mode:#x}"
                )));
            }
            let auth = if mode & WSTLS_VERIFY_PEER == 0 {
                if mode != WSTLS_VERIFY_NONE {
                    return Err(Error::inval("WSTLS_SO_SET_VERIFY_MODE: FAIL_IF_NO_PEER_CERT and CLIENT_ONCE need WSTLS_VERIFY_PEER"));
                }
                ClientAuth::None
            } else if mode & WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT != 0 {
                ClientAuth::Require
            } else {
                ClientAuth::Request
            };
            with_settings(sock, "WSTLS_SO_SET_VERIFY_MODE", |t| {
                t.client_auth = auth;
                if auth == ClientAuth::None {
                    t.flags &= !crate::win::sslsock::SSL_FLAG_AUTH_CLIENT;
                }
                Ok(0)
            })
        }
        WSTLS_SO_GET_VERIFY_MODE => {
            let mode = sock
                .state()
                .tls
                .as_ref()
                .map(verify_mode_of)
                .unwrap_or(WSTLS_VERIFY_NONE);
            ptr::write_struct(output.ptr, output.len, mode, "WSTLS_SO_GET_VERIFY_MODE")?;
            Ok(4)
        }
        WSTLS_SO_SET_CLIENT_CA => {
            let c: WSTLS_CREDENTIALS =
                ptr::read_struct(input.ptr, input.len, "WSTLS_SO_SET_CLIENT_CA")?;
            let store = ca_from(&c, "WSTLS_SO_SET_CLIENT_CA")?;
            with_settings(sock, "WSTLS_SO_SET_CLIENT_CA", |t| {
                t.client_ca = Some(store);
                Ok(0)
            })
        }
        WSTLS_SO_SET_ALPN => {
            let wire = ptr::dword_bytes(input.ptr, input.len as u32, "WSTLS_SO_SET_ALPN")?;
            let mut list = Vec::new();
            let mut i = 0;
            while i < wire.len() {
                let n = wire[i] as usize;
                if n == 0 || i + 1 + n > wire.len() {
                    return Err(Error::inval("WSTLS_SO_SET_ALPN: malformed list (each protocol name is preceded by its length byte, 1..255)"));
                }
                list.push(wire[i + 1..i + 1 + n].to_vec());
                i += 1 + n;
            }
            with_settings(sock, "WSTLS_SO_SET_ALPN", |t| {
                t.alpn = list;
                Ok(0)
            })
        }
        WSTLS_SO_GET_ALPN => {
            let proto = sock
                .tls
                .with_session(|s| s.conn.alpn_protocol().map(|p| p.to_vec()))
                .flatten()
                .unwrap_or_default();
            if proto.len() > output.len || (output.ptr.is_null() && !proto.is_empty()) {
                return Err(Error::fault(&format!(
                    "WSTLS_SO_GET_ALPN: output buffer too small (need {} bytes)",
                    proto.len()
                )));
            }
            if !proto.is_empty() {
                std::ptr::copy_nonoverlapping(proto.as_ptr(), output.ptr, proto.len());
            }
            Ok(proto.len() as u32)
        }
        WSTLS_SO_GET_VERIFY_RESULT => {
            if sock.tls.phase() != Phase::Secure {
                return Err(Error::wsa(
                    wsa::WSAENOTCONN,
                    "WSTLS_SO_GET_VERIFY_RESULT: the TLS handshake has not completed",
                ));
            }
            let r = sock
                .tls
                .with_session(|s| {
                    if s.is_client() {
                        let o = s.outcome.lock().unwrap_or_else(|e| e.into_inner());
                        WSTLS_VERIFY_RESULT {
                            has_peer_certificate: !o.chain.is_empty() as u32,
                            chain_trusted: o.chain_ok.unwrap_or(false) as u32,
                            name_matched: match o.name_ok {
                                Some(true) => 1,
                                Some(false) => 0,
                                None => 2,
                            },
                            accepted: o.accepted as u32,
                            chain_length: o.chain.len() as u32,
                        }
                    } else {
                        // Server: rustls only completes the handshake with a client chain
                        // that verified against the client CAs.
                        let n = s.conn.peer_certificates().map(|c| c.len()).unwrap_or(0) as u32;
                        WSTLS_VERIFY_RESULT {
                            has_peer_certificate: (n > 0) as u32,
                            chain_trusted: (n > 0) as u32,
                            name_matched: 2,
                            accepted: 1,
                            chain_length: n,
                        }
                    }
                })
                .unwrap_or_default();
            ptr::write_struct(output.ptr, output.len, r, "WSTLS_SO_GET_VERIFY_RESULT")?;
            Ok(std::mem::size_of::<WSTLS_VERIFY_RESULT>() as u32)
        }
        WSTLS_SO_GET_PEER_CERTIFICATE => {
            let index: u32 = if input.len == 0 {
                0
            } else {
                ptr::read_struct(input.ptr, input.len, "WSTLS_SO_GET_PEER_CERTIFICATE: index")?
            };
            let der = sock
                .tls
                .with_session(|s| {
                    let chain: Vec<Vec<u8>> = match s.conn.peer_certificates() {
                        Some(c) => c.iter().map(|c| c.to_vec()).collect(),
                        None => s
                            .outcome
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .chain
                            .iter()
                            .map(|c| c.to_vec())
                            .collect(),
                    };
                    chain.get(index as usize).cloned()
                })
                .flatten()
                .ok_or_else(|| {
                    Error::inval(format!(
                        "WSTLS_SO_GET_PEER_CERTIFICATE: the peer chain has no certificate {index}"
                    ))
                })?;
            if output.ptr.is_null() || output.len < der.len() {
                return Err(Error::fault(&format!(
                    "WSTLS_SO_GET_PEER_CERTIFICATE: output buffer too small (need {} bytes)",
                    der.len()
                ))
                .with_needed(der.len() as u32));
            }
            std::ptr::copy_nonoverlapping(der.as_ptr(), output.ptr, der.len());
            Ok(der.len() as u32)
        }
        WSTLS_SO_GET_SESSION_INFO => {
            let info = sock.tls.conn_info().ok_or_else(|| {
                Error::wsa(
                    wsa::WSAENOTCONN,
                    "WSTLS_SO_GET_SESSION_INFO: the TLS handshake has not completed",
                )
            })?;
            let v = WSTLS_SESSION_INFO {
                protocol: info.protocol,
                cipher_suite: info.suite as u32,
                resumed: info.resumed as u32,
                peer_closed: sock.tls.peer_closed() as u32,
            };
            ptr::write_struct(output.ptr, output.len, v, "WSTLS_SO_GET_SESSION_INFO")?;
            Ok(std::mem::size_of::<WSTLS_SESSION_INFO>() as u32)
        }
        other => Err(Error::inval(format!(
            "WSAIoctl: wstls extension code {other:#010x} is unknown (see docs/extensions.md)"
        ))),
    }
}

/// wstls extension: sets the process default server identity (certificate chain and key PEM
/// files; `key_file` may be NULL when the key is in `cert_file`). Equivalent of
/// `WSTLS_CERT_FILE`/`WSTLS_KEY_FILE`; both NULL removes the default. Returns 0 or
/// `SOCKET_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn wstls_set_default_server_credentials(
    cert_file: *const std::os::raw::c_char,
    key_file: *const std::os::raw::c_char,
) -> i32 {
    wsa_guard(
        "wstls_set_default_server_credentials",
        wsa::SOCKET_ERROR,
        || {
            let c = WSTLS_CREDENTIALS {
                cert_file,
                key_file,
                cert_pem: std::ptr::null(),
                cert_pem_len: 0,
                key_pem: std::ptr::null(),
                key_pem_len: 0,
            };
            if cert_file.is_null() {
                if !key_file.is_null() {
                    return Err(Error::fault(
                        "wstls_set_default_server_credentials: cert_file is NULL but key_file is not",
                    ));
                }
                crate::net::secure::set_default_server_identity(None);
                return Ok(0);
            }
            crate::net::secure::set_default_server_identity(Some(identity_from(
                &c,
                "wstls_set_default_server_credentials",
            )?));
            Ok(0)
        },
    )
}

/// wstls extension: sets the process default client identity presented when a server asks
/// for a certificate (PEM files; `key_file` may be NULL when the key is in `cert_file`; both
/// NULL removes it). Equivalent of `WSTLS_CLIENT_CERT_FILE`/`WSTLS_CLIENT_KEY_FILE`.
#[no_mangle]
pub unsafe extern "C" fn wstls_set_default_client_credentials(
    cert_file: *const std::os::raw::c_char,
    key_file: *const std::os::raw::c_char,
) -> i32 {
    wsa_guard(
        "wstls_set_default_client_credentials",
        wsa::SOCKET_ERROR,
        || {
            if cert_file.is_null() {
                crate::net::secure::set_default_client_identity(None);
                return Ok(0);
            }
            let c = WSTLS_CREDENTIALS {
                cert_file,
                key_file,
                cert_pem: std::ptr::null(),
                cert_pem_len: 0,
                key_pem: std::ptr::null(),
                key_pem_len: 0,
            };
            crate::net::secure::set_default_client_identity(Some(identity_from(
                &c,
                "wstls_set_default_client_credentials",
            )?));
            Ok(0)
        },
    )
}

/// wstls extension: adds every CA certificate of a PEM file to the process trust roots (used
/// with the system store and `WSTLS_CA_FILE` by every connection made afterwards). Returns the
/// number of certificates added, or `SOCKET_ERROR`: `WSAEFAULT` for NULL, `WSAEINVAL` when the
/// file cannot be read or holds no usable certificate (the reason is in
/// `wstls_last_error_message()`).
#[no_mangle]
pub unsafe extern "C" fn wstls_add_trusted_ca_file(
    path: *const std::os::raw::c_char,
) -> std::os::raw::c_int {
    wsa_guard("wstls_add_trusted_ca_file", wsa::SOCKET_ERROR, || {
        let p = ptr::c_str(path, "wstls_add_trusted_ca_file: path")?;
        let certs = crate::tls::roots::load_pem_certs_file(std::path::Path::new(p))
            .map_err(|e| Error::inval(e.message))?;
        add_roots(certs, p)
    })
}

/// wstls extension: adds the CA certificates of a PEM buffer (`len` bytes; a NUL terminator is
/// not needed) to the process trust roots. Returns the number added, or `SOCKET_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn wstls_add_trusted_ca_pem(
    pem: *const std::os::raw::c_char,
    len: usize,
) -> std::os::raw::c_int {
    wsa_guard("wstls_add_trusted_ca_pem", wsa::SOCKET_ERROR, || {
        if pem.is_null() || len == 0 {
            return Err(Error::fault("wstls_add_trusted_ca_pem: pem/len"));
        }
        let data = std::slice::from_raw_parts(pem as *const u8, len);
        let certs = crate::tls::roots::load_pem_certs(data)
            .map_err(|e| Error::inval(format!("wstls_add_trusted_ca_pem: {}", e.message)))?;
        add_roots(certs, "the PEM buffer")
    })
}

fn add_roots(
    certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    from: &str,
) -> crate::error::Result<std::os::raw::c_int> {
    let n = crate::tls::roots::add(certs)
        .map_err(|e| Error::inval(format!("{from}: {}", e.message)))?;
    log::debug!("added {n} trusted roots from {from}");
    Ok(n as std::os::raw::c_int)
}
