//! The Winsock Secure Socket Extensions (`WSASetSocketSecurity` & co) over TLS.
//!
//! Windows secures these sockets with IPsec; wstls keeps the API, its ordering rules and its
//! error codes and secures the connection with TLS from the shared engine
//! (docs/secure-socket-extensions.md):
//! - `WSASetSocketSecurity` stores `SocketTls { face: SecureSocketExt, .. }` in the socket's
//!   state (before `connect` on a client, before `bind` on a server) and takes exclusive use of
//!   the port;
//! - the client handshake runs in `connect`, the server handshake in `accept`
//!   (`net::hooks` calls [`after_connect`] and [`after_accept`]);
//! - `SOCKET_SETTINGS_ALLOW_INSECURE` lets a peer that does not speak TLS be served in clear:
//!   the server looks at the client's first byte, the client at the server's first byte;
//! - `WSAQuerySocketSecurity` reports what the TLS layer says.
//!
//! Caller structures are read field by field at their SDK offsets (`win::secsock`), never
//! through a typed reference (the enumeration field may hold any value).
use std::io;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;

use crate::error::{Error, Kind, Result};
use crate::ffi::winsock::IoBuf;
use crate::net::secure;
use crate::net::socket::{Conn, Dir, Socket};
use crate::net::tlsio::Phase;
use crate::tls::config::{Face, SocketTls};
use crate::win::secsock::*;
use crate::win::wsa;

/// How long a server with `SOCKET_SETTINGS_ALLOW_INSECURE` waits for the client's first byte
/// before deciding that the client does not speak TLS (a TLS client always speaks first). The
/// accepted socket's `SO_RCVTIMEO` (inherited from the listener), when shorter, is used instead.
pub const ALLOW_INSECURE_SNIFF: Duration = Duration::from_secs(3);

/// First byte of a TLS handshake record and of a TLS alert record.
const TLS_HANDSHAKE: u8 = 0x16;
const TLS_ALERT: u8 = 0x15;

fn msgsize(message: impl Into<String>) -> Error {
    Error::wsa(wsa::WSAEMSGSIZE, message)
}

unsafe fn rd_u32(p: *const u8, off: usize) -> u32 {
    std::ptr::read_unaligned(p.add(off) as *const u32)
}

/// The socket kinds the extensions accept: `AF_INET`/`AF_INET6` (else `WSAEAFNOSUPPORT`) and
/// `SOCK_STREAM`. `SOCK_DGRAM` is valid on Windows, but wstls has no datagram TLS (DTLS):
/// `WSAEOPNOTSUPP`. Any other type: `WSAEINVAL`.
pub fn check_kind(what: &str, af: i32, ty: i32) -> Result<()> {
    if af != wsa::AF_INET && af != wsa::AF_INET6 {
        return Err(Error::wsa(
            wsa::WSAEAFNOSUPPORT,
            format!("{what}: address family {af} is not supported (AF_INET 2 and AF_INET6 23 are)"),
        ));
    }
    match ty {
        wsa::SOCK_STREAM => Ok(()),
        wsa::SOCK_DGRAM => Err(Error::unsupported(format!(
            "{what}: datagram (SOCK_DGRAM) sockets cannot be secured by wstls: it secures connections with TLS, and has no DTLS; use a SOCK_STREAM socket"
        ))),
        other => Err(Error::inval(format!("{what}: socket type {other} cannot be secured (SOCK_STREAM only)"))),
    }
}

/// Refuses the IPsec protocols, checks the value (0..=2, else `WSAEINVAL`).
fn check_protocol(what: &str, proto: u32, allow_ipsec: bool) -> Result<()> {
    match proto {
        PROTOCOL_DEFAULT => Ok(()),
        PROTOCOL_IPSEC | PROTOCOL_IPSEC2 if allow_ipsec => Ok(()),
        PROTOCOL_IPSEC | PROTOCOL_IPSEC2 => Err(Error::unsupported(format!(
            "{what}: SOCKET_SECURITY_PROTOCOL_{} is not supported: wstls secures sockets with TLS, not IPsec; use SOCKET_SECURITY_PROTOCOL_DEFAULT",
            if proto == PROTOCOL_IPSEC { "IPSEC" } else { "IPSEC2" }
        ))),
        other => Err(Error::inval(format!("{what}: SecurityProtocol {other} is not a SOCKET_SECURITY_PROTOCOL value (0 DEFAULT, 1 IPSEC, 2 IPSEC2)"))),
    }
}

/// Settings of `WSASetSocketSecurity` after validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settings {
    pub guarantee_encryption: bool,
    pub allow_insecure: bool,
}

/// Reads and validates a `SOCKET_SECURITY_SETTINGS` of `len` bytes (NULL: the defaults).
///
/// # Safety
/// A non-NULL `p` must point to `len` readable bytes.
pub unsafe fn parse_settings(p: *const u8, len: u32) -> Result<Settings> {
    const W: &str = "WSASetSocketSecurity";
    if p.is_null() {
        return Ok(Settings::default());
    }
    if (len as usize) < SETTINGS_SIZE {
        return Err(msgsize(format!("{W}: SecuritySettingsLen is {len}, smaller than SOCKET_SECURITY_SETTINGS ({SETTINGS_SIZE} bytes)")));
    }
    let proto = rd_u32(p, 0);
    let flags = rd_u32(p, 4);
    check_protocol(W, proto, false)?;
    if flags & !SOCKET_SETTINGS_KNOWN != 0 {
        return Err(Error::inval(format!(
            "{W}: SecurityFlags {flags:#x} holds unknown bits (SOCKET_SETTINGS_GUARANTEE_ENCRYPTION 0x1 and SOCKET_SETTINGS_ALLOW_INSECURE 0x2 are defined)"
        )));
    }
    Ok(Settings {
        guarantee_encryption: flags & SOCKET_SETTINGS_GUARANTEE_ENCRYPTION != 0,
        allow_insecure: flags & SOCKET_SETTINGS_ALLOW_INSECURE != 0,
    })
}

// ---------------------------------------------------------------------------------------------
// Peer target names set before WSASetSocketSecurity
// ---------------------------------------------------------------------------------------------

/// Names given with `WSASetSocketPeerTargetName` to sockets that have no security settings
/// yet; `WSASetSocketSecurity` picks them up. Keyed by the socket object (a `Weak` keeps its
/// address from being reused while the entry exists); dead entries are dropped on each access.
type PendingNames = Vec<(Weak<Socket>, String)>;
static PENDING: Lazy<Mutex<PendingNames>> = Lazy::new(|| Mutex::new(Vec::new()));

fn pending_set(sock: &Arc<Socket>, name: Option<String>) {
    let mut g = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    g.retain(|(w, _)| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(sock)));
    if let Some(n) = name {
        g.push((Arc::downgrade(sock), n));
    }
}

fn pending_take(sock: &Arc<Socket>) -> Option<String> {
    let mut g = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let mut found = None;
    g.retain(|(w, n)| {
        if std::ptr::eq(w.as_ptr(), Arc::as_ptr(sock)) {
            found = Some(n.clone());
            return false;
        }
        w.strong_count() > 0
    });
    found
}

// ---------------------------------------------------------------------------------------------
// WSASetSocketSecurity / SIO_SET_SECURITY
// ---------------------------------------------------------------------------------------------

/// `WSASetSocketSecurity`: validates, then enables TLS on the socket.
///
/// # Safety
/// A non-NULL `settings` must point to `len` readable bytes.
pub unsafe fn set_security(sock: &Arc<Socket>, settings: *const u8, len: u32) -> Result<()> {
    const W: &str = "WSASetSocketSecurity";
    check_kind(W, sock.af, sock.ty)?;
    let s = parse_settings(settings, len)?;
    let pending = pending_take(sock);
    let mut st = sock.state();
    match st.conn {
        Conn::Connected | Conn::Connecting => {
            return Err(Error::wsa(wsa::WSAEISCONN, format!("{W}: the socket is already connected; call it before connect (client) or before bind (server)")));
        }
        Conn::Failed => {
            return Err(Error::inval(format!(
                "{W}: connect was already called on this socket; call it before connect"
            )))
        }
        Conn::Idle => {}
    }
    if st.listening || st.bound {
        return Err(Error::inval(format!("{W}: the socket is already bound; a server must call it before bind (a client before connect)")));
    }
    if let Some(t) = &st.tls {
        return Err(Error::inval(match t.face {
            Face::SecureSocketExt => format!("{W}: security settings were already applied to this socket (it may be called only once per socket)"),
            Face::Ce => format!("{W}: the socket was already made secure with setsockopt(SO_SECURE); use one or the other"),
        }));
    }
    let mut t = SocketTls::new(Face::SecureSocketExt);
    t.allow_insecure = s.allow_insecure;
    t.peer_name = pending;
    // Windows sets SO_EXCLUSIVEADDRUSE itself. On Linux no other socket can bind a port in use
    // unless SO_REUSEADDR/SO_REUSEPORT is set on both: clearing ours is the exclusive mode.
    sock.sock
        .set_reuse_address(false)
        .map_err(|e| Error::from_io(&e, "WSASetSocketSecurity: SO_EXCLUSIVEADDRUSE"))?;
    st.exclusive_addr = true;
    log::debug!(
        "secure socket extensions: TLS enabled (allow insecure: {}, peer name: {:?})",
        t.allow_insecure,
        t.peer_name
    );
    st.tls = Some(t);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// WSASetSocketPeerTargetName / WSADeleteSocketPeerTargetName
// ---------------------------------------------------------------------------------------------

/// Reads a `SOCKET_PEER_TARGET_NAME` of `len` bytes: its protocol and the name (UTF-16).
///
/// `PeerTargetNameStringLen` counts characters for `SOCKET_SECURITY_PROTOCOL_DEFAULT`/`IPSEC`
/// (what Microsoft's samples pass) and bytes for `IPSEC2`; when a character count would run
/// past `len` but a byte count fits, it is read as bytes (the structure's documentation says
/// bytes). The name ends at the first NUL, if any. Never reads past `len`.
///
/// # Safety
/// A non-NULL `p` must point to `len` readable bytes.
pub unsafe fn parse_peer_target_name(p: *const u8, len: u32) -> Result<(u32, String)> {
    const W: &str = "WSASetSocketPeerTargetName";
    if p.is_null() {
        return Err(Error::fault(&format!("{W}: PeerTargetName")));
    }
    let len = len as usize;
    if len < PEER_TARGET_NAME_STRINGS {
        return Err(msgsize(format!(
            "{W}: PeerTargetNameLen is {len}, smaller than SOCKET_PEER_TARGET_NAME ({PEER_TARGET_NAME_SIZE} bytes plus the name)"
        )));
    }
    let proto = rd_u32(p, 0);
    check_protocol(W, proto, true)?;
    let n = rd_u32(p, PEER_TARGET_NAME_LEN_AT) as usize;
    let avail = len - PEER_TARGET_NAME_STRINGS;
    let as_chars = n.saturating_mul(2);
    let bytes = if proto == PROTOCOL_IPSEC2 || (as_chars > avail && n <= avail && n % 2 == 0) {
        n
    } else {
        as_chars
    };
    if bytes % 2 != 0 {
        return Err(Error::inval(format!(
            "{W}: PeerTargetNameStringLen {n} is an odd number of bytes (the name is UTF-16)"
        )));
    }
    if bytes > avail {
        return Err(Error::inval(format!(
            "{W}: PeerTargetNameStringLen {n} runs past the end of the structure (PeerTargetNameLen {len} leaves {avail} bytes for the name)"
        )));
    }
    let units: Vec<u16> = (0..bytes / 2)
        .map(|i| std::ptr::read_unaligned(p.add(PEER_TARGET_NAME_STRINGS + 2 * i) as *const u16))
        .collect();
    let end = units.iter().position(|u| *u == 0).unwrap_or(units.len());
    let name = String::from_utf16(&units[..end])
        .map_err(|_| Error::inval(format!("{W}: the peer target name is not valid UTF-16")))?;
    if name.trim().is_empty() {
        return Err(Error::inval(format!("{W}: the peer target name is empty")));
    }
    Ok((proto, name))
}

/// The TLS server name (DNS name or IP address) in a peer target name: an SPN
/// `serviceclass/host[:port][/servicename]` (e.g. `host/server.example.com`, as `DsMakeSpn`
/// builds it) gives `host`; a plain DNS name or IP address is taken as it is (`[v6]` loses its
/// brackets). Names TLS cannot check (`DOMAIN\machine$`, `user@realm`) give `WSAEINVAL`.
pub fn tls_name_from_target(target: &str) -> Result<String> {
    let t = target.trim();
    let host_part = match t.split_once('/') {
        Some((_class, rest)) => {
            let host = rest.split('/').next().unwrap_or("");
            if let Some(inner) = host.strip_prefix('[') {
                inner.split(']').next().unwrap_or("").to_string()
            } else if host.matches(':').count() == 1 {
                host.split(':').next().unwrap_or("").to_string()
            } else {
                host.to_string()
            }
        }
        None => match t.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            Some(inner) => inner.to_string(),
            None => t.to_string(),
        },
    };
    let host = host_part.trim_end_matches('.').to_string();
    if host.is_empty() || rustls::pki_types::ServerName::try_from(host.clone()).is_err() {
        return Err(Error::inval(format!(
            "WSASetSocketPeerTargetName: {target:?} names no host TLS can verify: give a DNS name or IP address, or an SPN such as \"host/server.example.com\""
        )));
    }
    Ok(host)
}

/// `WSASetSocketPeerTargetName`: the name the server's certificate must match.
///
/// # Safety
/// A non-NULL `p` must point to `len` readable bytes.
pub unsafe fn set_peer_target_name(sock: &Arc<Socket>, p: *const u8, len: u32) -> Result<()> {
    const W: &str = "WSASetSocketPeerTargetName";
    check_kind(W, sock.af, sock.ty)?;
    let (_proto, target) = parse_peer_target_name(p, len)?;
    let name = tls_name_from_target(&target)?;
    let mut st = sock.state();
    match st.conn {
        Conn::Connected | Conn::Connecting => {
            return Err(Error::wsa(
                wsa::WSAEISCONN,
                format!("{W}: the socket is already connected; set the name before connect"),
            ));
        }
        Conn::Failed => {
            return Err(Error::inval(format!(
                "{W}: connect was already called on this socket"
            )))
        }
        Conn::Idle => {}
    }
    if st.listening {
        return Err(Error::inval(format!(
            "{W}: the socket is listening; the peer target name is for client sockets"
        )));
    }
    log::debug!("secure socket extensions: peer target name {target:?} -> TLS name {name:?}");
    match st.tls.as_mut() {
        Some(t) => t.peer_name = Some(name),
        None => {
            drop(st);
            pending_set(sock, Some(name));
        }
    }
    Ok(())
}

/// `WSADeleteSocketPeerTargetName`: forgets the name. A TCP socket has one name whatever the
/// address, so any valid address clears it (after `connect` this changes nothing).
///
/// # Safety
/// A non-NULL `addr` must point to `len` readable bytes.
pub unsafe fn delete_peer_target_name(sock: &Arc<Socket>, addr: *const u8, len: u32) -> Result<()> {
    const W: &str = "WSADeleteSocketPeerTargetName";
    check_kind(W, sock.af, sock.ty)?;
    if addr.is_null() {
        return Err(Error::fault(&format!("{W}: PeerAddr")));
    }
    if len < 2 {
        return Err(msgsize(format!(
            "{W}: PeerAddrLen {len} is too small for a sockaddr"
        )));
    }
    let family = std::ptr::read_unaligned(addr as *const u16) as i32;
    let need = match family {
        wsa::AF_INET => 16,
        wsa::AF_INET6 => 28,
        other => {
            return Err(Error::wsa(
                wsa::WSAEAFNOSUPPORT,
                format!(
                    "{W}: address family {other} is not supported (AF_INET 2 and AF_INET6 23 are)"
                ),
            ))
        }
    };
    if len < need {
        return Err(msgsize(format!(
            "{W}: PeerAddrLen {len} is too small for the address (need {need})"
        )));
    }
    let mut st = sock.state();
    if let Some(t) = st.tls.as_mut() {
        t.peer_name = None;
    }
    drop(st);
    pending_set(sock, None);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// WSAQuerySocketSecurity / SIO_QUERY_SECURITY
// ---------------------------------------------------------------------------------------------

/// The security of the socket's connection as it stands: `SOCKET_INFO_*` flags.
pub fn current_flags(sock: &Socket) -> Result<u32> {
    match sock.tls.phase() {
        // Every TLS cipher suite wstls negotiates encrypts (rustls has no NULL ciphers).
        Phase::Secure => Ok(SOCKET_INFO_CONNECTION_SECURED | SOCKET_INFO_CONNECTION_ENCRYPTED),
        Phase::Failed(Kind::Truncated, m) => Err(Error::wsa(
            wsa::WSAECONNRESET,
            format!("WSAQuerySocketSecurity: the connection was reset: {m}"),
        )),
        _ => Ok(0),
    }
}

/// `WSAQuerySocketSecurity`. `info_len` is in/out: the buffer size on input; the bytes written
/// on success, the size needed when `info` is NULL or too small. That case fails with
/// `WSAEFAULT` when no template was given (what Microsoft's "Using Secure Socket Extensions"
/// sample expects) and `WSAEMSGSIZE` when one was (what other callers expect).
///
/// # Safety
/// Non-NULL pointers must be valid for their lengths; `info_len` for 4 bytes.
pub unsafe fn query(
    sock: &Arc<Socket>,
    tmpl: *const u8,
    tmpl_len: u32,
    info: *mut u8,
    info_len: *mut u32,
) -> Result<()> {
    const W: &str = "WSAQuerySocketSecurity";
    if info_len.is_null() {
        return Err(Error::fault(&format!("{W}: SecurityQueryInfoLen")));
    }
    if sock.af != wsa::AF_INET && sock.af != wsa::AF_INET6 {
        return Err(Error::wsa(
            wsa::WSAEAFNOSUPPORT,
            format!("{W}: address family {} is not supported", sock.af),
        ));
    }
    if sock.ty != wsa::SOCK_STREAM && sock.ty != wsa::SOCK_DGRAM {
        return Err(Error::inval(format!(
            "{W}: socket type {} (SOCK_STREAM or SOCK_DGRAM only)",
            sock.ty
        )));
    }
    let proto = if tmpl.is_null() {
        if !sock.is_stream() {
            return Err(Error::inval(format!("{W}: a datagram socket needs a SOCKET_SECURITY_QUERY_TEMPLATE with the peer's address")));
        }
        PROTOCOL_DEFAULT
    } else {
        if (tmpl_len as usize) < QUERY_TEMPLATE_SIZE {
            return Err(msgsize(format!(
                "{W}: SecurityQueryTemplateLen is {tmpl_len}, smaller than SOCKET_SECURITY_QUERY_TEMPLATE ({QUERY_TEMPLATE_SIZE} bytes)"
            )));
        }
        let proto = rd_u32(tmpl, 0);
        check_protocol(W, proto, false)?;
        if !sock.is_stream() {
            let fam = std::ptr::read_unaligned(tmpl.add(PEER_ADDRESS_AT) as *const u16) as i32;
            let port = std::ptr::read_unaligned(tmpl.add(PEER_ADDRESS_AT + 2) as *const u16);
            if (fam != wsa::AF_INET && fam != wsa::AF_INET6) || port == 0 {
                return Err(Error::inval(format!("{W}: on a datagram socket the template's PeerAddress must hold an AF_INET/AF_INET6 address and port")));
            }
        }
        // PeerTokenAccessMask asks for access tokens: Linux has none; the handles stay 0.
        proto
    };
    let cap = std::ptr::read_unaligned(info_len);
    if info.is_null() || (cap as usize) < QUERY_INFO_SIZE {
        std::ptr::write_unaligned(info_len, QUERY_INFO_SIZE as u32);
        let code = if tmpl.is_null() {
            wsa::WSAEFAULT
        } else {
            wsa::WSAEMSGSIZE
        };
        return Err(Error::wsa(
            code,
            format!("{W}: SecurityQueryInfo is NULL or too small ({cap} bytes): {QUERY_INFO_SIZE} bytes are needed (written to *SecurityQueryInfoLen)"),
        )
        // Through WSAIoctl(SIO_QUERY_SECURITY) the size reaches *lpcbBytesReturned.
        .with_needed(QUERY_INFO_SIZE as u32));
    }
    let flags = current_flags(sock)?;
    let mut out = [0u8; QUERY_INFO_SIZE];
    out[0..4].copy_from_slice(&proto.to_ne_bytes());
    out[4..8].copy_from_slice(&flags.to_ne_bytes());
    std::ptr::copy_nonoverlapping(out.as_ptr(), info, QUERY_INFO_SIZE);
    std::ptr::write_unaligned(info_len, QUERY_INFO_SIZE as u32);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// WSAIoctl codes
// ---------------------------------------------------------------------------------------------

/// The `SIO_*` codes of the extensions (`IOC_VENDOR` 200..=205).
pub fn is_code(code: u32) -> bool {
    matches!(
        code,
        SIO_SET_SECURITY
            | SIO_QUERY_SECURITY
            | SIO_SET_PEER_TARGET_NAME
            | SIO_DELETE_PEER_TARGET_NAME
            | SIO_SOCKET_USAGE_NOTIFICATION
            | SIO_QUERY_WFP_ALE_ENDPOINT_HANDLE
    )
}

fn in_ptr(b: IoBuf) -> *const u8 {
    if b.len == 0 {
        std::ptr::null()
    } else {
        b.ptr
    }
}

fn len32(b: IoBuf) -> u32 {
    b.len.min(u32::MAX as usize) as u32
}

/// `WSAIoctl` with an extension code: the input buffer holds what the wrapper function takes
/// (settings, name, address or template), the output buffer the query result. Returns the byte
/// count for `lpcbBytesReturned`. A too-small query output fails like the wrapper; the needed
/// size (24) is in the message, since `WSAIoctl` has no in/out length.
pub fn ioctl(sock: &Arc<Socket>, code: u32, input: IoBuf, output: IoBuf) -> Result<u32> {
    unsafe {
        match code {
            SIO_SET_SECURITY => set_security(sock, in_ptr(input), len32(input)).map(|_| 0),
            SIO_SET_PEER_TARGET_NAME => set_peer_target_name(sock, in_ptr(input), len32(input)).map(|_| 0),
            SIO_DELETE_PEER_TARGET_NAME => delete_peer_target_name(sock, in_ptr(input), len32(input)).map(|_| 0),
            SIO_QUERY_SECURITY => {
                let mut n = len32(output);
                let out = if output.len == 0 { std::ptr::null_mut() } else { output.ptr };
                query(sock, in_ptr(input), len32(input), out, &mut n)?;
                Ok(n)
            }
            other => Err(Error::unsupported(format!(
                "WSAIoctl: control code {other:#010x} (Windows Filtering Platform) is not supported by wstls"
            ))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// connect and accept
// ---------------------------------------------------------------------------------------------

/// Adds the face's hint to a handshake error: which call names the server.
fn client_error(e: Error, t: &SocketTls) -> Error {
    if e.is_would_block() {
        return e;
    }
    if t.peer_name.is_none() && e.kind == Kind::HookRejected {
        return Error::new(
            e.kind,
            "connect: the server's identity cannot be checked because no peer target name is set: call WSASetSocketPeerTargetName before connect with the server's name (e.g. \"host/server.example.com\")",
        );
    }
    Error::new(
        e.kind,
        format!("connect: secure connection failed: {}", e.message),
    )
}

/// After the TCP connect of a client with security settings: the TLS handshake (blocking
/// socket) or its start (non-blocking). With `SOCKET_SETTINGS_ALLOW_INSECURE` on a blocking
/// socket, a server that does not answer in TLS is used in clear.
pub fn after_connect(sock: &Socket, t: &SocketTls) -> Result<()> {
    let r = if t.allow_insecure && !sock.is_nonblocking() {
        connect_allow_insecure(sock, t)
    } else {
        secure::client_handshake(sock)
    };
    r.map_err(|e| client_error(e, t))
}

/// `io::Write` over the socket's descriptor, for sending the ClientHello ourselves.
struct RawWriter<'a>(&'a Socket);

impl io::Write for RawWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.raw_send(buf, 0).map_err(|e| {
            if e.is_would_block() {
                io::ErrorKind::WouldBlock.into()
            } else {
                io::Error::other(e.message)
            }
        })
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What the peer's first byte says.
enum First {
    Byte(u8),
    Eof,
    Silent,
}

/// Looks at the peer's first byte without consuming it, waiting until `deadline` (`None`: do
/// not wait).
fn peek_first(sock: &Socket, deadline: Option<Instant>) -> Result<First> {
    let mut b = [0u8; 1];
    loop {
        match sock.raw_recv(&mut b, libc::MSG_PEEK) {
            Ok(0) => return Ok(First::Eof),
            Ok(_) => return Ok(First::Byte(b[0])),
            Err(e) if e.is_would_block() => {
                let Some(d) = deadline else {
                    return Ok(First::Silent);
                };
                match sock.wait(
                    Dir::Read,
                    Some(d),
                    "secure connection (waiting for the peer)",
                ) {
                    Ok(()) => {}
                    Err(e) if e.kind == Kind::Wsa(wsa::WSAETIMEDOUT) => return Ok(First::Silent),
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

fn go_clear(sock: &Socket, why: &str) {
    log::debug!("secure socket extensions: SOCKET_SETTINGS_ALLOW_INSECURE: {why}; the connection continues in clear");
    sock.state().tls = None;
}

/// Client with `SOCKET_SETTINGS_ALLOW_INSECURE`: a server that greets first is not a TLS
/// server (clear); otherwise send the ClientHello and look at the first byte of the answer:
/// a TLS record continues the handshake, anything else means clear (those bytes stay for
/// `recv`). The server has then received the ClientHello as data (docs/secure-socket-
/// extensions.md says when this works).
fn connect_allow_insecure(sock: &Socket, t: &SocketTls) -> Result<()> {
    let deadline = secure::handshake_deadline(sock);
    if let First::Byte(b) = peek_first(sock, None)? {
        if b != TLS_HANDSHAKE && b != TLS_ALERT {
            go_clear(sock, "the server spoke first, not in TLS");
            return Ok(());
        }
    }
    let mut sess = secure::client_session(sock, t)?;
    while sess.conn.wants_write() {
        match sess.conn.write_tls(&mut RawWriter(sock)) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                sock.wait(Dir::Write, Some(deadline), "TLS handshake")?
            }
            Err(e) => return Err(Error::from_io(&e, "TLS handshake (send)")),
        }
    }
    match peek_first(sock, Some(deadline))? {
        First::Byte(TLS_HANDSHAKE) | First::Byte(TLS_ALERT) => {}
        First::Byte(_) => {
            go_clear(
                sock,
                "the server answered the ClientHello with something other than TLS",
            );
            return Ok(());
        }
        First::Eof => {
            return Err(Error::wsa(wsa::WSAECONNRESET, "the server closed the connection when it received the TLS ClientHello (it may not speak TLS; a clear connection could not be kept)"));
        }
        First::Silent => {
            return Err(Error::wsa(
                wsa::WSAETIMEDOUT,
                "the server did not answer the TLS ClientHello",
            ))
        }
    }
    sock.tls.begin(sess)?;
    let r = sock.tls.handshake(sock, Some(deadline));
    if let Err(e) = &r {
        if !e.is_would_block() {
            sock.state().so_error = e.wsa_code();
        }
    }
    r
}

/// After `accept` on a listener with security settings: the child gets the settings and the
/// server handshake runs now (blocking listener) or on first use (non-blocking). A failed
/// handshake fails `accept` with `WSAECONNRESET` (the connection is dropped; a server can go
/// on accepting, as it never sees such a client with IPsec). With
/// `SOCKET_SETTINGS_ALLOW_INSECURE` (blocking listener), a client whose first byte is not a
/// TLS handshake record, or that stays silent for [`ALLOW_INSECURE_SNIFF`], is served in clear.
pub fn after_accept(listener: &Socket, child: &Arc<Socket>, mut t: SocketTls) -> Result<()> {
    t.flags |= crate::win::sslsock::SSL_FLAG_SERVER;
    if t.allow_insecure && !listener.is_nonblocking() {
        let window = child
            .timeout(Dir::Read)
            .map_or(ALLOW_INSECURE_SNIFF, |d| d.min(ALLOW_INSECURE_SNIFF));
        match peek_first(child, Some(Instant::now() + window))? {
            First::Byte(TLS_HANDSHAKE) => {}
            First::Byte(_) => {
                go_clear(
                    child,
                    "the client's first byte is not a TLS handshake record",
                );
                return Ok(());
            }
            First::Eof | First::Silent => {
                go_clear(child, "the client sent nothing");
                return Ok(());
            }
        }
    }
    child.state().tls = Some(t.clone());
    secure::begin_server(child, &t)
        .map_err(|e| Error::new(e.kind, format!("accept: {}", e.message)))?;
    if listener.is_nonblocking() {
        return Ok(());
    }
    if let Err(e) = child
        .tls
        .handshake(child, Some(secure::handshake_deadline(child)))
    {
        child.mark_closed();
        return Err(Error::wsa(
            wsa::WSAECONNRESET,
            format!("accept: the connection was dropped because the TLS handshake with the client failed: {}", e.message),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// wstls extensions: the peer's certificate
// ---------------------------------------------------------------------------------------------

/// The peer's end-entity certificate (DER) on a secured socket; `Ok(None)` when the peer sent
/// none (a client without a certificate); `WSAENOTCONN` when the socket is not secured.
pub fn peer_certificate(sock: &Socket) -> Result<Option<Vec<u8>>> {
    if sock.tls.phase() != Phase::Secure {
        return Err(Error::wsa(
            wsa::WSAENOTCONN,
            "the socket has no secured (TLS) connection",
        ));
    }
    Ok(sock
        .tls
        .with_session(|s| {
            s.conn
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.as_ref().to_vec())
        })
        .flatten())
}

/// The subject of the peer's certificate as an RFC 4514-style string (`CN=..., O=...`).
pub fn peer_subject(sock: &Socket) -> Result<Option<String>> {
    let Some(der) = peer_certificate(sock)? else {
        return Ok(None);
    };
    let (_, cert) = x509_parser::parse_x509_certificate(&der).map_err(|e| {
        Error::new(
            Kind::BadCertificate,
            format!("the peer's certificate cannot be parsed: {e}"),
        )
    })?;
    Ok(Some(cert.subject().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ptn(proto: u32, name: &str, count: u32, extra: usize) -> Vec<u8> {
        let units: Vec<u16> = name.encode_utf16().collect();
        let mut v = vec![0u8; PEER_TARGET_NAME_SIZE + units.len() * 2 + extra];
        v[0..4].copy_from_slice(&proto.to_ne_bytes());
        v[PEER_TARGET_NAME_LEN_AT..PEER_TARGET_NAME_LEN_AT + 4]
            .copy_from_slice(&count.to_ne_bytes());
        for (i, u) in units.iter().enumerate() {
            v[PEER_TARGET_NAME_STRINGS + 2 * i..PEER_TARGET_NAME_STRINGS + 2 * i + 2]
                .copy_from_slice(&u.to_ne_bytes());
        }
        v
    }

    #[test]
    fn kinds() {
        assert!(check_kind("t", wsa::AF_INET, wsa::SOCK_STREAM).is_ok());
        assert!(check_kind("t", wsa::AF_INET6, wsa::SOCK_STREAM).is_ok());
        assert_eq!(
            check_kind("t", wsa::AF_UNIX, wsa::SOCK_STREAM)
                .unwrap_err()
                .wsa_code(),
            wsa::WSAEAFNOSUPPORT
        );
        assert_eq!(
            check_kind("t", wsa::AF_INET, wsa::SOCK_DGRAM)
                .unwrap_err()
                .wsa_code(),
            wsa::WSAEOPNOTSUPP
        );
        assert_eq!(
            check_kind("t", wsa::AF_INET, wsa::SOCK_RAW)
                .unwrap_err()
                .wsa_code(),
            wsa::WSAEINVAL
        );
    }

    #[test]
    fn settings() {
        unsafe {
            assert_eq!(
                parse_settings(std::ptr::null(), 0).unwrap(),
                Settings::default()
            );
            let mut s = [0u8; 8];
            s[4] = 3;
            let v = parse_settings(s.as_ptr(), 8).unwrap();
            assert!(v.allow_insecure && v.guarantee_encryption);
            assert_eq!(
                parse_settings(s.as_ptr(), 7).unwrap_err().wsa_code(),
                wsa::WSAEMSGSIZE
            );
            s[4] = 4;
            assert_eq!(
                parse_settings(s.as_ptr(), 8).unwrap_err().wsa_code(),
                wsa::WSAEINVAL
            );
            s[4] = 0;
            s[0] = 3;
            assert_eq!(
                parse_settings(s.as_ptr(), 8).unwrap_err().wsa_code(),
                wsa::WSAEINVAL
            );
            s[0] = 1;
            assert_eq!(
                parse_settings(s.as_ptr(), 8).unwrap_err().wsa_code(),
                wsa::WSAEOPNOTSUPP
            );
            s[0] = 2;
            assert_eq!(
                parse_settings(s.as_ptr(), 8).unwrap_err().wsa_code(),
                wsa::WSAEOPNOTSUPP
            );
        }
    }

    #[test]
    fn peer_names() {
        unsafe {
            // Characters, as Microsoft's samples pass them, in a buffer of sizeof + bytes.
            let v = ptn(0, "host/srv.example", 16, 0);
            assert_eq!(
                parse_peer_target_name(v.as_ptr(), v.len() as u32).unwrap(),
                (0, "host/srv.example".to_string())
            );
            // Bytes (the structure's documentation), exact length offsetof + bytes.
            let v = ptn(0, "host/srv.example", 32, 0);
            assert_eq!(
                parse_peer_target_name(v.as_ptr(), 140 + 32).unwrap().1,
                "host/srv.example"
            );
            // IPSEC2 counts bytes.
            let v = ptn(2, "abc", 6, 0);
            assert_eq!(
                parse_peer_target_name(v.as_ptr(), v.len() as u32).unwrap(),
                (2, "abc".to_string())
            );
            let v = ptn(2, "abc", 5, 0);
            assert_eq!(
                parse_peer_target_name(v.as_ptr(), v.len() as u32)
                    .unwrap_err()
                    .wsa_code(),
                wsa::WSAEINVAL
            );
            // Too long for the buffer, too small a buffer, NULL, empty, bad protocol.
            let v = ptn(0, "abc", 400, 0);
            assert_eq!(
                parse_peer_target_name(v.as_ptr(), v.len() as u32)
                    .unwrap_err()
                    .wsa_code(),
                wsa::WSAEINVAL
            );
            assert_eq!(
                parse_peer_target_name(v.as_ptr(), 139)
                    .unwrap_err()
                    .wsa_code(),
                wsa::WSAEMSGSIZE
            );
            assert_eq!(
                parse_peer_target_name(std::ptr::null(), 200)
                    .unwrap_err()
                    .wsa_code(),
                wsa::WSAEFAULT
            );
            let v = ptn(0, "", 0, 0);
            assert_eq!(
                parse_peer_target_name(v.as_ptr(), v.len() as u32)
                    .unwrap_err()
                    .wsa_code(),
                wsa::WSAEINVAL
            );
            let v = ptn(7, "abc", 3, 0);
            assert_eq!(
                parse_peer_target_name(v.as_ptr(), v.len() as u32)
                    .unwrap_err()
                    .wsa_code(),
                wsa::WSAEINVAL
            );
            // A trailing NUL counted in the length is dropped.
            let v = ptn(0, "abc\0", 4, 0);
            assert_eq!(
                parse_peer_target_name(v.as_ptr(), v.len() as u32)
                    .unwrap()
                    .1,
                "abc"
            );
        }
    }

    #[test]
    fn spn_to_tls_name() {
        let n = |s: &str| tls_name_from_target(s).unwrap();
        assert_eq!(n("host/server.example.com"), "server.example.com");
        assert_eq!(n("HTTP/server.example.com:8443"), "server.example.com");
        assert_eq!(
            n("host/server.example.com/example.com"),
            "server.example.com"
        );
        assert_eq!(n("server.example.com"), "server.example.com");
        assert_eq!(n("server.example.com."), "server.example.com");
        assert_eq!(n("127.0.0.1"), "127.0.0.1");
        assert_eq!(n("[::1]"), "::1");
        assert_eq!(n("host/[::1]:443"), "::1");
        assert_eq!(
            tls_name_from_target("EXAMPLE\\machine$")
                .unwrap_err()
                .wsa_code(),
            wsa::WSAEINVAL
        );
        assert_eq!(
            tls_name_from_target("host/").unwrap_err().wsa_code(),
            wsa::WSAEINVAL
        );
    }
}
