//! Winsock Secure Socket Extensions entry points (`wstls_WSASetSocketSecurity`, ...), and the
//! wstls extensions that go with them. The work is in `net::secsock`; see
//! docs/secure-socket-extensions.md for what "secure" means here (TLS, not IPsec).
#![allow(non_snake_case)]

use std::os::raw::{c_char, c_int};

use super::{require_startup, wsa_guard};
use crate::error::{Error, Result};
use crate::net::{lookup, secsock};
use crate::win::secsock::*;
use crate::win::winsock::{sockaddr, LPWSAOVERLAPPED_COMPLETION_ROUTINE, SOCKET, WSAOVERLAPPED};
use crate::win::wsa::{self, SOCKET_ERROR};

fn no_overlapped(
    what: &str,
    ov: *mut WSAOVERLAPPED,
    cr: LPWSAOVERLAPPED_COMPLETION_ROUTINE,
) -> Result<()> {
    if !ov.is_null() || cr.is_some() {
        return Err(Error::wsa(
            wsa::WSAEOPNOTSUPP,
            format!("{what}: overlapped requests are not supported by wstls (the call completes at once); pass NULL Overlapped and CompletionRoutine"),
        ));
    }
    Ok(())
}

/// Enables security on a socket (Windows: IPsec; wstls: TLS). `SecuritySettings` NULL means the
/// defaults (`SOCKET_SECURITY_PROTOCOL_DEFAULT`, no flags). Call it before `connect` on a
/// client, before `bind` on a server, once per socket; it also sets `SO_EXCLUSIVEADDRUSE`.
/// The TLS handshake then runs in `connect` (client) and `accept` (server). Errors:
/// `WSAENOTSOCK`; `WSAEAFNOSUPPORT`; `WSAEOPNOTSUPP` for `SOCK_DGRAM` (no DTLS), for
/// `SOCKET_SECURITY_PROTOCOL_IPSEC`/`IPSEC2` and for a non-NULL `Overlapped`/`CompletionRoutine`;
/// `WSAEMSGSIZE` when `SecuritySettingsLen` is below 8; `WSAEINVAL` for a bad protocol value or
/// flags, after `bind`, or on a second call; `WSAEISCONN` once connected.
#[no_mangle]
pub unsafe extern "C" fn wstls_WSASetSocketSecurity(
    Socket: SOCKET,
    SecuritySettings: *const SOCKET_SECURITY_SETTINGS,
    SecuritySettingsLen: u32,
    Overlapped: *mut WSAOVERLAPPED,
    CompletionRoutine: LPWSAOVERLAPPED_COMPLETION_ROUTINE,
) -> c_int {
    wsa_guard("WSASetSocketSecurity", SOCKET_ERROR, || {
        require_startup()?;
        let sock = lookup(Socket)?;
        no_overlapped("WSASetSocketSecurity", Overlapped, CompletionRoutine)?;
        secsock::set_security(&sock, SecuritySettings as *const u8, SecuritySettingsLen)?;
        Ok(0)
    })
}

/// Names the peer a client expects: the server's certificate must match it. An SPN such as
/// `host/server.example.com` (as `DsMakeSpn` builds it) or a plain DNS name or IP address.
/// `PeerTargetNameStringLen` counts characters (bytes for `SOCKET_SECURITY_PROTOCOL_IPSEC2`).
/// Call it before `connect`; it may come before or after `WSASetSocketSecurity`. Errors:
/// `WSAEFAULT` (NULL), `WSAEMSGSIZE` (`PeerTargetNameLen` below 140), `WSAEINVAL` (bad protocol
/// value, a length running past the buffer, an empty name or one TLS cannot check, a listening
/// socket), `WSAEISCONN`, `WSAENOTSOCK`, `WSAEAFNOSUPPORT`, `WSAEOPNOTSUPP` (`SOCK_DGRAM`).
#[no_mangle]
pub unsafe extern "C" fn wstls_WSASetSocketPeerTargetName(
    Socket: SOCKET,
    PeerTargetName: *const SOCKET_PEER_TARGET_NAME,
    PeerTargetNameLen: u32,
    Overlapped: *mut WSAOVERLAPPED,
    CompletionRoutine: LPWSAOVERLAPPED_COMPLETION_ROUTINE,
) -> c_int {
    wsa_guard("WSASetSocketPeerTargetName", SOCKET_ERROR, || {
        require_startup()?;
        let sock = lookup(Socket)?;
        no_overlapped("WSASetSocketPeerTargetName", Overlapped, CompletionRoutine)?;
        secsock::set_peer_target_name(&sock, PeerTargetName as *const u8, PeerTargetNameLen)?;
        Ok(0)
    })
}

/// Forgets the peer target name set on the socket (a TCP socket has one name, whatever
/// `PeerAddr` says; after `connect` this changes nothing). Errors: `WSAEFAULT` (`PeerAddr`
/// NULL), `WSAEMSGSIZE` (`PeerAddrLen` too small), `WSAEAFNOSUPPORT`, `WSAENOTSOCK`,
/// `WSAEOPNOTSUPP` (`SOCK_DGRAM`).
#[no_mangle]
pub unsafe extern "C" fn wstls_WSADeleteSocketPeerTargetName(
    Socket: SOCKET,
    PeerAddr: *const sockaddr,
    PeerAddrLen: u32,
    Overlapped: *mut WSAOVERLAPPED,
    CompletionRoutine: LPWSAOVERLAPPED_COMPLETION_ROUTINE,
) -> c_int {
    wsa_guard("WSADeleteSocketPeerTargetName", SOCKET_ERROR, || {
        require_startup()?;
        let sock = lookup(Socket)?;
        no_overlapped(
            "WSADeleteSocketPeerTargetName",
            Overlapped,
            CompletionRoutine,
        )?;
        secsock::delete_peer_target_name(&sock, PeerAddr as *const u8, PeerAddrLen)?;
        Ok(0)
    })
}

/// Reports the security of the socket's connection: `Flags` holds
/// `SOCKET_INFO_CONNECTION_SECURED | SOCKET_INFO_CONNECTION_ENCRYPTED` once the TLS handshake
/// has completed, 0 otherwise (before it, without security, or served in clear under
/// `SOCKET_SETTINGS_ALLOW_INSECURE`); token handles are always 0. The template may be NULL on a
/// TCP socket. `*SecurityQueryInfoLen` gives the buffer size; when `SecurityQueryInfo` is NULL
/// or smaller than 24 bytes the call fails, writes 24 there, and reports `WSAEFAULT` (NULL
/// template, as Microsoft's sample expects) or `WSAEMSGSIZE` (template given). Other errors:
/// `WSAEFAULT` (`SecurityQueryInfoLen` NULL), `WSAEMSGSIZE` (template shorter than 144 bytes),
/// `WSAEINVAL`, `WSAEOPNOTSUPP` (IPsec templates), `WSAECONNRESET`, `WSAENOTSOCK`.
#[no_mangle]
pub unsafe extern "C" fn wstls_WSAQuerySocketSecurity(
    Socket: SOCKET,
    SecurityQueryTemplate: *const SOCKET_SECURITY_QUERY_TEMPLATE,
    SecurityQueryTemplateLen: u32,
    SecurityQueryInfo: *mut SOCKET_SECURITY_QUERY_INFO,
    SecurityQueryInfoLen: *mut u32,
    Overlapped: *mut WSAOVERLAPPED,
    CompletionRoutine: LPWSAOVERLAPPED_COMPLETION_ROUTINE,
) -> c_int {
    wsa_guard("WSAQuerySocketSecurity", SOCKET_ERROR, || {
        require_startup()?;
        let sock = lookup(Socket)?;
        no_overlapped("WSAQuerySocketSecurity", Overlapped, CompletionRoutine)?;
        secsock::query(
            &sock,
            SecurityQueryTemplate as *const u8,
            SecurityQueryTemplateLen,
            SecurityQueryInfo as *mut u8,
            SecurityQueryInfoLen,
        )?;
        Ok(0)
    })
}

/// Would impersonate the peer's Windows security principal on the calling thread. Linux has
/// no such tokens: after checking the handle (`WSAENOTSOCK`), it always fails with
/// `WSAEOPNOTSUPP`. Use `wstls_get_socket_peer_subject` to learn who the peer is.
#[no_mangle]
pub unsafe extern "C" fn wstls_WSAImpersonateSocketPeer(
    Socket: SOCKET,
    PeerAddr: *const sockaddr,
    PeerAddrLen: u32,
) -> c_int {
    let _ = (PeerAddr, PeerAddrLen);
    wsa_guard("WSAImpersonateSocketPeer", SOCKET_ERROR, || {
        require_startup()?;
        let _sock = lookup(Socket)?;
        Err(Error::unsupported(
            "WSAImpersonateSocketPeer: impersonating the peer's Windows account is not possible on Linux (no access tokens); wstls_get_socket_peer_subject tells who the peer is",
        ))
    })
}

/// Ends socket-peer impersonation on the calling thread. wstls never impersonates, so there is
/// nothing to end: always 0 (as Windows does when no impersonation is in effect).
#[no_mangle]
pub extern "C" fn wstls_WSARevertImpersonation() -> c_int {
    wsa_guard("WSARevertImpersonation", SOCKET_ERROR, || Ok(0))
}

unsafe fn put_sized(what: &str, data: &[u8], buf: *mut u8, len: *mut u32) -> Result<()> {
    if len.is_null() {
        return Err(Error::fault(&format!("{what}: length pointer")));
    }
    let cap = std::ptr::read_unaligned(len) as usize;
    std::ptr::write_unaligned(len, data.len().min(u32::MAX as usize) as u32);
    if data.is_empty() {
        return Ok(());
    }
    if buf.is_null() || cap < data.len() {
        return Err(Error::wsa(wsa::WSAEFAULT, format!("{what}: the buffer is NULL or too small ({cap} bytes): {} bytes are needed (written to the length)", data.len())));
    }
    std::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len());
    Ok(())
}

/// wstls extension: the subject of the peer's certificate on a secured socket, as a
/// NUL-terminated RFC 4514-style string ("CN=server.example.com, O=Example"). `*len` gives the
/// buffer size and receives the bytes needed/written, NUL included; a NULL or too small
/// `buf` fails with `WSAEFAULT` after writing the size needed. `*len` = 0 and success: the
/// peer sent no certificate (a client, unless client certificates were asked for).
/// `WSAENOTCONN`: the socket has no secured connection.
#[no_mangle]
pub unsafe extern "C" fn wstls_get_socket_peer_subject(
    s: SOCKET,
    buf: *mut c_char,
    len: *mut u32,
) -> c_int {
    wsa_guard("wstls_get_socket_peer_subject", SOCKET_ERROR, || {
        require_startup()?;
        let sock = lookup(s)?;
        let data = match secsock::peer_subject(&sock)? {
            Some(subj) => {
                let mut v: Vec<u8> = subj.into_bytes().into_iter().filter(|b| *b != 0).collect();
                v.push(0);
                v
            }
            None => Vec::new(),
        };
        put_sized("wstls_get_socket_peer_subject", &data, buf as *mut u8, len)?;
        Ok(0)
    })
}
