//! Where the secure faces plug into the Winsock core: `SO_SECURE`, the TLS steps of
//! `connect`/`accept`/first I/O, and the `WSAIoctl` dispatch by control-code family.
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::ffi::winsock::IoBuf;
use crate::net::secure;
use crate::net::socket::{Conn, Socket};
use crate::net::tlsio::Phase;
use crate::tls::config::{Face, SocketTls};
use crate::win::sslsock::{SO_SSL_FAMILY, SSL_FLAG_DEFER_HANDSHAKE};
use crate::win::wsa;

/// `setsockopt(SOL_SOCKET, SO_SECURE, SO_SEC_SSL | SO_SEC_NONE)`: before connect only.
pub fn set_so_secure(sock: &Socket, v: u32) -> Result<()> {
    let mut st = sock.state();
    if st.conn != Conn::Idle || st.listening {
        return Err(Error::wsa(
            wsa::WSAEISCONN,
            "setsockopt(SO_SECURE): must be set before connect/listen",
        ));
    }
    if !sock.is_stream() {
        return Err(Error::wsa(
            wsa::WSAENOPROTOOPT,
            "setsockopt(SO_SECURE): only SOCK_STREAM sockets can be secure",
        ));
    }
    if st.tls.as_ref().map(|t| t.face) == Some(Face::SecureSocketExt) {
        return Err(Error::inval(
            "setsockopt(SO_SECURE): the socket's security was set with WSASetSocketSecurity; it cannot be changed",
        ));
    }
    match v {
        wsa::SO_SEC_SSL => {
            if st.tls.as_ref().map(|t| t.face) != Some(Face::Ce) {
                st.tls = Some(SocketTls::new(Face::Ce));
            }
            Ok(())
        }
        wsa::SO_SEC_NONE => {
            st.tls = None;
            Ok(())
        }
        other => Err(Error::inval(format!("setsockopt(SO_SECURE): value {other:#x} is neither SO_SEC_SSL (0x2004) nor SO_SEC_NONE (0x2002)"))),
    }
}

pub fn get_so_secure(sock: &Socket) -> u32 {
    if sock.state().tls.is_some() {
        wsa::SO_SEC_SSL
    } else {
        wsa::SO_SEC_NONE
    }
}

fn deferred(t: &SocketTls) -> bool {
    t.flags & SSL_FLAG_DEFER_HANDSHAKE != 0
}

pub fn before_bind(sock: &Socket) -> Result<()> {
    let _ = sock;
    Ok(())
}

pub fn before_connect(sock: &Socket) -> Result<()> {
    let _ = sock;
    Ok(())
}

/// After the TCP connect succeeded: the handshake of a secure, non-deferred socket.
pub fn after_connect(sock: &Socket) -> Result<()> {
    let t = sock.state().tls.clone();
    match t {
        Some(t) if t.face == Face::SecureSocketExt => crate::net::secsock::after_connect(sock, &t),
        Some(t) if !deferred(&t) => secure::client_handshake(sock),
        _ => Ok(()),
    }
}

/// Before `send`/`recv`: a non-blocking secure socket whose TCP connect has completed starts
/// (and then advances) its handshake here.
pub fn before_io(sock: &Socket) -> Result<()> {
    if sock.tls.is_active() {
        return Ok(());
    }
    let t = sock.state().tls.clone();
    if let Some(t) = t {
        if !deferred(&t) && sock.tls.phase() == Phase::Off && sock.poll_connect() == Conn::Connected
        {
            let server = sock
                .state()
                .tls
                .as_ref()
                .map(|t| t.flags & crate::win::sslsock::SSL_FLAG_SERVER != 0)
                .unwrap_or(false);
            if server {
                secure::begin_server(sock, &t)?;
            } else {
                secure::begin_client(sock, &t)?;
            }
        }
    }
    Ok(())
}

/// A secure socket whose handshake will start on first use (connected, not deferred, not
/// begun yet).
pub fn wants_tls_start(sock: &Socket) -> bool {
    let t = sock.state().tls.clone();
    matches!(t, Some(t) if !deferred(&t)) && sock.tls.phase() == Phase::Off
}

/// After `accept` on a listening socket: a secure listener makes a secure child whose server
/// handshake runs now (blocking, not deferred) or on first use.
pub fn after_accept(listener: &Socket, child: &Arc<Socket>) -> Result<()> {
    let t = listener.state().tls.clone();
    let Some(mut t) = t else { return Ok(()) };
    if t.face == Face::SecureSocketExt {
        return crate::net::secsock::after_accept(listener, child, t);
    }
    t.flags |= crate::win::sslsock::SSL_FLAG_SERVER;
    child.state().tls = Some(t.clone());
    if deferred(&t) {
        return Ok(());
    }
    secure::begin_server(child, &t)?;
    if !listener.is_nonblocking() {
        if let Err(e) = child
            .tls
            .handshake(child, Some(secure::handshake_deadline(child)))
        {
            child.mark_closed();
            return Err(Error::new(
                e.kind,
                format!(
                    "accept: the TLS handshake with the client failed: {}",
                    e.message
                ),
            ));
        }
    }
    Ok(())
}

/// `WSAIoctl` codes beyond the core ones, by family.
pub fn ioctl(sock: &Arc<Socket>, code: u32, input: IoBuf, output: IoBuf) -> Result<u32> {
    if code & 0x07FF_0000 == SO_SSL_FAMILY {
        return crate::ffi::sslsock::ioctl(sock, code, input, output);
    }
    if code & 0x07FF_0000 == crate::win::ext::WSTLS_SO_FAMILY {
        return unsafe { crate::ffi::ext::ioctl(sock, code, input, output) };
    }
    if crate::net::secsock::is_code(code) {
        return crate::net::secsock::ioctl(sock, code, input, output);
    }
    Err(Error::inval(format!(
        "WSAIoctl: control code {code:#010x} is not supported by wstls (see docs/compatibility.md)"
    )))
}
