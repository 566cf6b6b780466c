//! Winsock core entry points (`wstls_socket`, `wstls_send`, `wstls_select`, ...).
//!
//! Each function: guard (panics, NULL/short buffers), `WSAStartup` check, handle lookup, a
//! call into `net`, and the Windows return convention (`SOCKET_ERROR`/`INVALID_SOCKET` with
//! `WSAGetLastError()` set).
#![allow(non_snake_case)]

use std::os::raw::{c_char, c_int, c_void};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::ptr;
use super::{require_startup, wsa_guard};
use crate::error::{self, Error, Result};
use crate::net::select::{wait_ready, Interest};
use crate::net::socket::{Conn, Dir, Socket};
use crate::net::{addr, lookup, SOCKETS};
use crate::win::winsock::*;
use crate::win::wsa::{self, SOCKET_ERROR};

fn startup_and_lookup(s: SOCKET) -> Result<Arc<Socket>> {
    require_startup()?;
    lookup(s)
}

// ---------------------------------------------------------------------------------------------
// Startup, cleanup, last error, diagnostics
// ---------------------------------------------------------------------------------------------

/// Initiates use of wstls's Winsock (`WSAStartup`). Versions 1.0 to 2.2 are accepted; a higher
/// request gets 2.2. Returns 0 or the error code itself (`WSAVERNOTSUPPORTED`, `WSAEFAULT`);
/// every successful call needs one `WSACleanup`.
#[no_mangle]
pub unsafe extern "C" fn wstls_WSAStartup(
    wVersionRequested: u16,
    lpWSAData: *mut WSADATA,
) -> c_int {
    super::code_guard("WSAStartup", || {
        let major = (wVersionRequested & 0xFF) as u8;
        let minor = (wVersionRequested >> 8) as u8;
        let data = ptr::as_mut(lpWSAData, "WSAStartup: lpWSAData")?;
        if major == 0 {
            return Err(Error::wsa(
                wsa::WSAVERNOTSUPPORTED,
                format!("WSAStartup: version {major}.{minor} is not supported (1.0 to 2.2 are)"),
            ));
        }
        let (vmaj, vmin) = if major > 2 || (major == 2 && minor > 2) {
            (2u16, 2u16)
        } else {
            (major as u16, minor as u16)
        };
        std::ptr::write_bytes(
            data as *mut WSADATA as *mut u8,
            0,
            std::mem::size_of::<WSADATA>(),
        );
        data.wVersion = vmaj | (vmin << 8);
        data.wHighVersion = 2 | (2 << 8);
        let desc = format!(
            "wstls {} (Winsock 2.2 over rustls)",
            env!("CARGO_PKG_VERSION")
        );
        for (i, b) in desc.bytes().take(256).enumerate() {
            data.szDescription[i] = b as c_char;
        }
        for (i, b) in b"Running".iter().enumerate() {
            data.szSystemStatus[i] = *b as c_char;
        }
        data.iMaxSockets = 0;
        data.iMaxUdpDg = 0;
        crate::net::startup::start();
        Ok(())
    })
}

/// Ends one `WSAStartup`. The last one closes every socket still open (as `closesocket`
/// would). Fails with `WSANOTINITIALISED` when no startup is in effect.
#[no_mangle]
pub extern "C" fn wstls_WSACleanup() -> c_int {
    wsa_guard(
        "WSACleanup",
        SOCKET_ERROR,
        || match crate::net::startup::stop() {
            None => Err(Error::wsa(
                wsa::WSANOTINITIALISED,
                "WSACleanup: WSAStartup has not been called",
            )),
            Some(last) => {
                if last {
                    for s in SOCKETS.drain() {
                        close_socket(&s);
                    }
                }
                Ok(0)
            }
        },
    )
}

/// The calling thread's last Winsock error code.
#[no_mangle]
pub extern "C" fn wstls_WSAGetLastError() -> c_int {
    error::last_wsa()
}

/// Sets the calling thread's last Winsock error code.
#[no_mangle]
pub extern "C" fn wstls_WSASetLastError(iError: c_int) {
    error::set_last_wsa(iError)
}

/// wstls extension: a detailed, human-readable description of the calling thread's last error
/// (what happened and what to do). The string stays valid until the next wstls call on this
/// thread. Never NULL.
#[no_mangle]
pub extern "C" fn wstls_last_error_message() -> *const c_char {
    error::last_message_ptr()
}

/// wstls extension: the library version as a NUL-terminated string, e.g. "0.1.0".
#[no_mangle]
pub extern "C" fn wstls_version() -> *const c_char {
    crate::VERSION.as_ptr() as *const c_char
}

// ---------------------------------------------------------------------------------------------
// Socket lifetime
// ---------------------------------------------------------------------------------------------

/// Creates a socket (`AF_INET`/`AF_INET6` 23; `SOCK_STREAM`/`SOCK_DGRAM`). Returns
/// `INVALID_SOCKET` on failure. Handles are positive and fit in 31 bits.
#[no_mangle]
pub extern "C" fn wstls_socket(af: c_int, type_: c_int, protocol: c_int) -> SOCKET {
    wsa_guard("socket", wsa::INVALID_SOCKET, || {
        require_startup()?;
        let s = Socket::open(af, type_, protocol)?;
        SOCKETS
            .insert(Arc::new(s))
            .ok_or_else(|| Error::wsa(wsa::WSAEMFILE, "socket: too many open sockets"))
    })
}

/// Closes the socket: sends TLS `close_notify` when secure (waiting briefly at most), honours
/// `SO_LINGER`, and wakes other threads blocked on it (they fail with `WSAEINTR`). The handle
/// is invalid afterwards (`WSAENOTSOCK`).
#[no_mangle]
pub extern "C" fn wstls_closesocket(s: SOCKET) -> c_int {
    wsa_guard("closesocket", SOCKET_ERROR, || {
        require_startup()?;
        let sock = SOCKETS.remove(s).ok_or_else(|| Error::not_sock(s))?;
        close_socket(&sock);
        Ok(0)
    })
}

/// How long `closesocket` waits for the kernel to take a TLS `close_notify`.
const CLOSE_NOTIFY_WAIT: Duration = Duration::from_millis(200);

pub(crate) fn close_socket(sock: &Arc<Socket>) {
    let lg = sock.state().linger;
    let abortive = lg.l_onoff != 0 && lg.l_linger == 0;
    if !abortive && sock.tls.is_active() {
        let _ = sock
            .tls
            .close_notify(sock, Some(Instant::now() + CLOSE_NOTIFY_WAIT));
    }
    if lg.l_onoff != 0 {
        let _ = sock
            .sock
            .set_linger(Some(Duration::from_secs(lg.l_linger as u64)));
    }
    // Another thread still holds the socket (blocked in a call): wake it. Otherwise the last
    // reference, dropped by our caller, closes the descriptor (an abortive close sends RST).
    if Arc::strong_count(sock) > 1 || !abortive {
        if Arc::strong_count(sock) > 1 {
            sock.mark_closed();
        } else {
            sock.mark_closed_quiet();
        }
    }
}

/// Binds a local address.
#[no_mangle]
pub unsafe extern "C" fn wstls_bind(s: SOCKET, name: *const sockaddr, namelen: c_int) -> c_int {
    wsa_guard("bind", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let a = addr::from_windows(name as *const u8, namelen)?;
        if sock.state().bound {
            return Err(Error::inval("bind: the socket is already bound"));
        }
        crate::net::hooks::before_bind(&sock)?;
        sock.sock
            .bind(&addr::to_sockaddr(&a))
            .map_err(|e| Error::from_io(&e, &format!("bind to {a}")))?;
        sock.state().bound = true;
        Ok(0)
    })
}

/// Marks the socket as listening (`SOMAXCONN` 0x7FFFFFFF is clamped by the kernel).
#[no_mangle]
pub extern "C" fn wstls_listen(s: SOCKET, backlog: c_int) -> c_int {
    wsa_guard("listen", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        if !sock.is_stream() {
            return Err(Error::wsa(
                wsa::WSAEOPNOTSUPP,
                "listen: only SOCK_STREAM sockets can listen",
            ));
        }
        if !sock.state().bound {
            return Err(Error::inval(
                "listen: the socket is not bound (call bind first)",
            ));
        }
        if sock.state().conn == Conn::Connected {
            return Err(Error::wsa(
                wsa::WSAEISCONN,
                "listen: the socket is connected",
            ));
        }
        let backlog = backlog.clamp(1, 4096);
        sock.sock
            .listen(backlog)
            .map_err(|e| Error::from_io(&e, "listen"))?;
        sock.state().listening = true;
        Ok(0)
    })
}

/// Accepts a connection. On a secure listening socket (`SO_SECURE`, or
/// `WSASetSocketSecurity`) the server TLS handshake runs here for a blocking socket, or on
/// first use for a non-blocking one or with `SSL_FLAG_DEFER_HANDSHAKE`.
#[no_mangle]
pub unsafe extern "C" fn wstls_accept(
    s: SOCKET,
    addr_: *mut sockaddr,
    addrlen: *mut c_int,
) -> SOCKET {
    wsa_guard("accept", wsa::INVALID_SOCKET, || {
        let sock = startup_and_lookup(s)?;
        // A bad address buffer fails before a connection is taken (it stays queued).
        addr::check_out(sock.af, addr_ as *mut u8, addrlen, "accept")?;
        let (native, peer) = sock.tcp_accept().map_err(|e| sock.closed_or(e))?;
        let child = Arc::new(Socket::from_native(native, sock.af, sock.ty, sock.proto)?);
        {
            let mut st = child.state();
            st.conn = Conn::Connected;
            st.bound = true;
            st.peer = Some(peer);
        }
        // As on Windows, the accepted socket has the listener's properties, non-blocking mode
        // included.
        child
            .nonblocking
            .store(sock.is_nonblocking(), std::sync::atomic::Ordering::Relaxed);
        child.rcvtimeo_ms.store(
            sock.rcvtimeo_ms.load(std::sync::atomic::Ordering::Relaxed),
            std::sync::atomic::Ordering::Relaxed,
        );
        child.sndtimeo_ms.store(
            sock.sndtimeo_ms.load(std::sync::atomic::Ordering::Relaxed),
            std::sync::atomic::Ordering::Relaxed,
        );
        crate::net::hooks::after_accept(&sock, &child)?;
        addr::write_windows(&peer, addr_ as *mut u8, addrlen)?;
        SOCKETS
            .insert(child)
            .ok_or_else(|| Error::wsa(wsa::WSAEMFILE, "accept: too many open sockets"))
    })
}

/// Connects. On a secure socket (`SO_SECURE` without `SSL_FLAG_DEFER_HANDSHAKE`, or
/// `WSASetSocketSecurity`) the TLS handshake follows the TCP connect; a failed handshake fails
/// `connect` with the reason in `wstls_last_error_message()`. Non-blocking: `WSAEWOULDBLOCK`,
/// then `WSAEALREADY` while pending and `WSAEISCONN` once connected.
#[no_mangle]
pub unsafe extern "C" fn wstls_connect(s: SOCKET, name: *const sockaddr, namelen: c_int) -> c_int {
    wsa_guard("connect", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let to = addr::from_windows(name as *const u8, namelen)?;
        if sock.state().conn == Conn::Connecting && sock.poll_connect() == Conn::Connected {
            return Err(Error::wsa(
                wsa::WSAEISCONN,
                "connect: the socket is already connected",
            ));
        }
        crate::net::hooks::before_connect(&sock)?;
        sock.tcp_connect(&to).map_err(|e| sock.closed_or(e))?;
        crate::net::hooks::after_connect(&sock).map_err(|e| sock.closed_or(e))?;
        Ok(0)
    })
}

/// Shuts down receiving (`SD_RECEIVE` 0), sending (`SD_SEND` 1, which sends TLS
/// `close_notify` on a secure socket) or both (`SD_BOTH` 2).
#[no_mangle]
pub extern "C" fn wstls_shutdown(s: SOCKET, how: c_int) -> c_int {
    wsa_guard("shutdown", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let native = match how {
            wsa::SD_RECEIVE => std::net::Shutdown::Read,
            wsa::SD_SEND => std::net::Shutdown::Write,
            wsa::SD_BOTH => std::net::Shutdown::Both,
            other => {
                return Err(Error::inval(format!(
                    "shutdown: how = {other} (SD_RECEIVE 0, SD_SEND 1, SD_BOTH 2)"
                )))
            }
        };
        if sock.is_stream() && sock.state().conn != Conn::Connected {
            return Err(Error::wsa(
                wsa::WSAENOTCONN,
                "shutdown: the socket is not connected",
            ));
        }
        if how != wsa::SD_RECEIVE && sock.tls.is_active() {
            let deadline = Some(
                sock.deadline(Dir::Write)
                    .unwrap_or_else(|| Instant::now() + Duration::from_secs(5)),
            );
            sock.tls.close_notify(&sock, deadline)?;
        }
        if how == wsa::SD_RECEIVE && sock.tls.is_active() {
            // Keep the kernel side open so TLS alerts can still be read.
        } else {
            sock.sock
                .shutdown(native)
                .map_err(|e| Error::from_io(&e, "shutdown"))?;
        }
        let mut st = sock.state();
        if how != wsa::SD_SEND {
            st.shut_rd = true;
        }
        if how != wsa::SD_RECEIVE {
            st.shut_wr = true;
        }
        Ok(0)
    })
}

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

fn recv_flags(flags: c_int) -> Result<(c_int, bool, bool)> {
    let known = wsa::MSG_OOB | wsa::MSG_PEEK | wsa::MSG_WAITALL;
    if flags & !known != 0 {
        return Err(Error::inval(format!(
            "recv: unsupported flags {flags:#x} (MSG_OOB, MSG_PEEK and MSG_WAITALL are supported)"
        )));
    }
    let mut native = 0;
    if flags & wsa::MSG_OOB != 0 {
        native |= libc::MSG_OOB;
    }
    if flags & wsa::MSG_PEEK != 0 {
        native |= libc::MSG_PEEK;
    }
    Ok((
        native,
        flags & wsa::MSG_PEEK != 0,
        flags & wsa::MSG_WAITALL != 0,
    ))
}

fn send_flags(flags: c_int) -> Result<c_int> {
    let known = wsa::MSG_OOB | wsa::MSG_DONTROUTE;
    if flags & !known != 0 {
        return Err(Error::inval(format!(
            "send: unsupported flags {flags:#x} (MSG_OOB and MSG_DONTROUTE are supported)"
        )));
    }
    let mut native = 0;
    if flags & wsa::MSG_OOB != 0 {
        native |= libc::MSG_OOB;
    }
    if flags & wsa::MSG_DONTROUTE != 0 {
        native |= libc::MSG_DONTROUTE;
    }
    Ok(native)
}

/// Receives into `buf` on socket `sock` (shared by recv, recvfrom, WSARecv).
pub(crate) fn do_recv(sock: &Socket, buf: &mut [u8], flags: c_int) -> Result<usize> {
    do_recv_inner(sock, buf, flags).map_err(|e| sock.closed_or(e))
}

fn do_recv_inner(sock: &Socket, buf: &mut [u8], flags: c_int) -> Result<usize> {
    let (native, peek, waitall) = recv_flags(flags)?;
    if sock.state().shut_rd {
        return Err(Error::wsa(
            wsa::WSAESHUTDOWN,
            "recv: the socket has been shut down for receiving",
        ));
    }
    crate::net::hooks::before_io(sock)?;
    if sock.tls.is_active() {
        if native & libc::MSG_OOB != 0 {
            return Err(Error::wsa(
                wsa::WSAEOPNOTSUPP,
                "recv: MSG_OOB is not available on a secure socket",
            ));
        }
        return sock.tls.recv(sock, buf, peek, waitall);
    }
    if sock.is_stream()
        && sock.state().conn != Conn::Connected
        && sock.poll_connect() != Conn::Connected
    {
        return Err(Error::wsa(
            wsa::WSAENOTCONN,
            "recv: the socket is not connected",
        ));
    }
    sock.plain_recv(buf, native, waitall && sock.is_stream())
}

/// Sends `buf` on socket `sock` (shared by send, sendto, WSASend).
pub(crate) fn do_send(sock: &Socket, buf: &[u8], flags: c_int) -> Result<usize> {
    do_send_inner(sock, buf, flags).map_err(|e| sock.closed_or(e))
}

fn do_send_inner(sock: &Socket, buf: &[u8], flags: c_int) -> Result<usize> {
    let native = send_flags(flags)?;
    if sock.state().shut_wr {
        return Err(Error::wsa(
            wsa::WSAESHUTDOWN,
            "send: the socket has been shut down for sending",
        ));
    }
    crate::net::hooks::before_io(sock)?;
    if sock.tls.is_active() {
        return sock.tls.send(sock, buf);
    }
    if sock.is_stream()
        && sock.state().conn != Conn::Connected
        && sock.poll_connect() != Conn::Connected
    {
        return Err(Error::wsa(
            wsa::WSAENOTCONN,
            "send: the socket is not connected",
        ));
    }
    sock.plain_send(buf, native)
}

fn clamp_len(n: usize) -> c_int {
    n.min(i32::MAX as usize) as c_int
}

/// Sends data. A blocking call sends all of it (encrypted as TLS records on a secure socket);
/// a non-blocking call sends what fits and returns the count, or fails with `WSAEWOULDBLOCK`.
#[no_mangle]
pub unsafe extern "C" fn wstls_send(
    s: SOCKET,
    buf: *const c_char,
    len: c_int,
    flags: c_int,
) -> c_int {
    wsa_guard("send", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let data = ptr::bytes(buf, len, "send: buf")?;
        do_send(&sock, data, flags).map(clamp_len)
    })
}

/// Receives data: the byte count, 0 once the peer has closed gracefully (TLS: sent
/// `close_notify`), or `SOCKET_ERROR` (`WSAECONNRESET` when a TLS peer closes without
/// `close_notify`, `WSAETIMEDOUT` after `SO_RCVTIMEO`, `WSAEWOULDBLOCK` when non-blocking).
/// Flags: `MSG_PEEK`, `MSG_WAITALL` (8), `MSG_OOB` (plain sockets).
#[no_mangle]
pub unsafe extern "C" fn wstls_recv(
    s: SOCKET,
    buf: *mut c_char,
    len: c_int,
    flags: c_int,
) -> c_int {
    wsa_guard("recv", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let data = ptr::bytes_mut(buf, len, "recv: buf")?;
        do_recv(&sock, data, flags).map(clamp_len)
    })
}

/// Sends a datagram to `to` (for a connected stream socket `to` is ignored, as on Windows).
#[no_mangle]
pub unsafe extern "C" fn wstls_sendto(
    s: SOCKET,
    buf: *const c_char,
    len: c_int,
    flags: c_int,
    to: *const sockaddr,
    tolen: c_int,
) -> c_int {
    wsa_guard("sendto", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let data = ptr::bytes(buf, len, "sendto: buf")?;
        if sock.is_stream() || to.is_null() {
            return do_send(&sock, data, flags).map(clamp_len);
        }
        let dest = addr::from_windows(to as *const u8, tolen)?;
        if dest.ip().is_unspecified() || dest.port() == 0 {
            return Err(Error::wsa(
                wsa::WSAEADDRNOTAVAIL,
                format!("sendto: {dest} is not a valid destination (no address or port 0)"),
            ));
        }
        let native = send_flags(flags)?;
        let deadline = sock.deadline(Dir::Write);
        loop {
            match sock.sock.send_to_with_flags(
                data,
                &addr::to_sockaddr(&dest),
                native | libc::MSG_NOSIGNAL,
            ) {
                Ok(n) => return Ok(clamp_len(n)),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && !sock.is_nonblocking() => {
                    sock.wait(Dir::Write, deadline, "sendto")?
                }
                Err(e) => return Err(Error::from_io(&e, "sendto")),
            }
        }
    })
}

/// Receives a datagram and its source address. A datagram larger than `buf` fills it and fails
/// with `WSAEMSGSIZE` (the rest is lost), as on Windows.
#[no_mangle]
pub unsafe extern "C" fn wstls_recvfrom(
    s: SOCKET,
    buf: *mut c_char,
    len: c_int,
    flags: c_int,
    from: *mut sockaddr,
    fromlen: *mut c_int,
) -> c_int {
    wsa_guard("recvfrom", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let data = ptr::bytes_mut(buf, len, "recvfrom: buf")?;
        // A bad address buffer fails before any data is taken.
        if !from.is_null() {
            addr::check_out(sock.af, from as *mut u8, fromlen, "recvfrom")?;
        }
        if sock.is_stream() {
            let n = do_recv(&sock, data, flags)?;
            if !from.is_null() {
                if let Ok(peer) = sock.peer_addr() {
                    addr::write_windows(&peer, from as *mut u8, fromlen)?;
                }
            }
            return Ok(clamp_len(n));
        }
        let (native, _, _) = recv_flags(flags)?;
        let deadline = sock.deadline(Dir::Read);
        loop {
            let mut mb: Vec<std::mem::MaybeUninit<u8>> =
                vec![std::mem::MaybeUninit::uninit(); data.len()];
            match sock
                .sock
                .recv_from_with_flags(&mut mb, native | libc::MSG_TRUNC)
            {
                Ok((n, a)) => {
                    let copy = n.min(data.len());
                    for i in 0..copy {
                        data[i] = mb[i].assume_init();
                    }
                    if !from.is_null() {
                        let a = addr::from_sockaddr(&a)?;
                        addr::write_windows(&a, from as *mut u8, fromlen)?;
                    }
                    if n > data.len() {
                        return Err(Error::wsa(wsa::WSAEMSGSIZE, format!("recvfrom: the datagram ({n} bytes) was larger than the buffer ({} bytes); the rest was discarded", data.len())));
                    }
                    return Ok(clamp_len(n));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && !sock.is_nonblocking() => {
                    sock.wait(Dir::Read, deadline, "recvfrom")?
                }
                Err(e) => return Err(Error::from_io(&e, "recvfrom")),
            }
        }
    })
}

unsafe fn wsabufs<'a>(bufs: *mut WSABUF, count: u32) -> Result<&'a [WSABUF]> {
    if count == 0 {
        return Ok(&[]);
    }
    if bufs.is_null() {
        return Err(Error::fault("WSABUF array"));
    }
    Ok(std::slice::from_raw_parts(bufs, count as usize))
}

/// Sends from an array of `WSABUF`s (gather). Overlapped I/O is not supported: a non-NULL
/// `lpOverlapped` or completion routine fails with `WSAEOPNOTSUPP`.
#[no_mangle]
pub unsafe extern "C" fn wstls_WSASend(
    s: SOCKET,
    lpBuffers: *mut WSABUF,
    dwBufferCount: u32,
    lpNumberOfBytesSent: *mut u32,
    dwFlags: u32,
    lpOverlapped: *mut WSAOVERLAPPED,
    lpCompletionRoutine: LPWSAOVERLAPPED_COMPLETION_ROUTINE,
) -> c_int {
    wsa_guard("WSASend", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        if !lpOverlapped.is_null() || lpCompletionRoutine.is_some() {
            return Err(Error::wsa(wsa::WSAEOPNOTSUPP, "WSASend: overlapped I/O is not supported by wstls; pass NULL lpOverlapped and lpCompletionRoutine"));
        }
        let bufs = wsabufs(lpBuffers, dwBufferCount)?;
        let mut total = 0usize;
        for b in bufs {
            let data = ptr::bytes(
                b.buf,
                b.len.min(i32::MAX as u32) as i32,
                "WSASend: WSABUF.buf",
            )?;
            match do_send(&sock, data, dwFlags as c_int) {
                Ok(n) => {
                    total += n;
                    if n < data.len() {
                        break;
                    }
                }
                Err(e) if total > 0 && e.is_would_block() => break,
                Err(e) => return Err(e),
            }
        }
        if let Some(out) = ptr::opt_mut(lpNumberOfBytesSent) {
            *out = total as u32;
        }
        Ok(0)
    })
}

/// Receives into an array of `WSABUF`s (scatter). `*lpFlags` takes `MSG_PEEK`/`MSG_WAITALL`
/// and is set to 0 on return. Overlapped I/O is not supported (`WSAEOPNOTSUPP`).
#[no_mangle]
pub unsafe extern "C" fn wstls_WSARecv(
    s: SOCKET,
    lpBuffers: *mut WSABUF,
    dwBufferCount: u32,
    lpNumberOfBytesRecvd: *mut u32,
    lpFlags: *mut u32,
    lpOverlapped: *mut WSAOVERLAPPED,
    lpCompletionRoutine: LPWSAOVERLAPPED_COMPLETION_ROUTINE,
) -> c_int {
    wsa_guard("WSARecv", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        if !lpOverlapped.is_null() || lpCompletionRoutine.is_some() {
            return Err(Error::wsa(wsa::WSAEOPNOTSUPP, "WSARecv: overlapped I/O is not supported by wstls; pass NULL lpOverlapped and lpCompletionRoutine"));
        }
        let flags = ptr::as_mut(lpFlags, "WSARecv: lpFlags")?;
        let bufs = wsabufs(lpBuffers, dwBufferCount)?;
        let mut total = 0usize;
        for (i, b) in bufs.iter().enumerate() {
            let data = ptr::bytes_mut(
                b.buf,
                b.len.min(i32::MAX as u32) as i32,
                "WSARecv: WSABUF.buf",
            )?;
            if data.is_empty() {
                continue;
            }
            let r = if i == 0 {
                do_recv(&sock, data, *flags as c_int)
            } else {
                // Later buffers only take what is already there.
                let was = sock
                    .nonblocking
                    .swap(true, std::sync::atomic::Ordering::AcqRel);
                let r = do_recv(&sock, data, *flags as c_int & !wsa::MSG_WAITALL);
                sock.nonblocking
                    .store(was, std::sync::atomic::Ordering::Release);
                r
            };
            match r {
                Ok(0) => break,
                Ok(n) => {
                    total += n;
                    if n < data.len() {
                        break;
                    }
                }
                Err(e) if i > 0 => {
                    let _ = e;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        *flags = 0;
        if let Some(out) = ptr::opt_mut(lpNumberOfBytesRecvd) {
            *out = total as u32;
        }
        Ok(0)
    })
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/// The local address of the socket.
#[no_mangle]
pub unsafe extern "C" fn wstls_getsockname(
    s: SOCKET,
    name: *mut sockaddr,
    namelen: *mut c_int,
) -> c_int {
    wsa_guard("getsockname", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let a = sock.local_addr()?;
        // connect/sendto bind implicitly (the kernel picked a port): that counts as bound.
        if !sock.state().bound && a.port() == 0 {
            return Err(Error::inval("getsockname: the socket is not bound"));
        }
        if name.is_null() || namelen.is_null() {
            return Err(Error::fault("getsockname: name/namelen"));
        }
        addr::write_windows(&a, name as *mut u8, namelen)?;
        Ok(0)
    })
}

/// The peer address of a connected socket.
#[no_mangle]
pub unsafe extern "C" fn wstls_getpeername(
    s: SOCKET,
    name: *mut sockaddr,
    namelen: *mut c_int,
) -> c_int {
    wsa_guard("getpeername", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let a = sock.peer_addr().map_err(|_| {
            Error::wsa(wsa::WSAENOTCONN, "getpeername: the socket is not connected")
        })?;
        if name.is_null() || namelen.is_null() {
            return Err(Error::fault("getpeername: name/namelen"));
        }
        addr::write_windows(&a, name as *mut u8, namelen)?;
        Ok(0)
    })
}

// ---------------------------------------------------------------------------------------------
// Options and ioctls
// ---------------------------------------------------------------------------------------------

unsafe fn opt_u32(optval: *const c_char, optlen: c_int, what: &str) -> Result<u32> {
    if optval.is_null() || optlen < 1 {
        return Err(Error::fault(what));
    }
    // Windows accepts a 1-byte BOOL too (documented for some options); read what was given.
    Ok(match optlen {
        1 => *(optval as *const u8) as u32,
        2 | 3 => std::ptr::read_unaligned(optval as *const u16) as u32,
        _ => std::ptr::read_unaligned(optval as *const u32),
    })
}

/// Sets a socket option (Windows levels, names and value types): `SO_REUSEADDR`,
/// `SO_EXCLUSIVEADDRUSE`, `SO_KEEPALIVE`, `SO_LINGER`/`SO_DONTLINGER`, `SO_RCVTIMEO`/
/// `SO_SNDTIMEO` (DWORD milliseconds), `SO_RCVBUF`, `SO_SNDBUF`, `SO_BROADCAST`,
/// `TCP_NODELAY`, `IPV6_V6ONLY`, and CE's `SO_SECURE`. Others: `WSAENOPROTOOPT`.
#[no_mangle]
pub unsafe extern "C" fn wstls_setsockopt(
    s: SOCKET,
    level: c_int,
    optname: c_int,
    optval: *const c_char,
    optlen: c_int,
) -> c_int {
    wsa_guard("setsockopt", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let so = &sock.sock;
        let io = |r: std::io::Result<()>| r.map_err(|e| Error::from_io(&e, "setsockopt"));
        match (level, optname) {
            (wsa::SOL_SOCKET, wsa::SO_SECURE) => {
                let v = opt_u32(optval, optlen, "setsockopt(SO_SECURE)")?;
                crate::net::hooks::set_so_secure(&sock, v)?;
            }
            (wsa::SOL_SOCKET, wsa::SO_REUSEADDR) => {
                let v = opt_u32(optval, optlen, "setsockopt(SO_REUSEADDR)")? != 0;
                if v && sock.state().exclusive_addr {
                    return Err(Error::inval("setsockopt: SO_REUSEADDR cannot be combined with SO_EXCLUSIVEADDRUSE"));
                }
                io(so.set_reuse_address(v))?;
            }
            (wsa::SOL_SOCKET, wsa::SO_EXCLUSIVEADDRUSE) => {
                let v = opt_u32(optval, optlen, "setsockopt(SO_EXCLUSIVEADDRUSE)")? != 0;
                if sock.state().bound {
                    return Err(Error::inval("setsockopt: SO_EXCLUSIVEADDRUSE must be set before bind"));
                }
                // Linux never lets another socket bind a port in use without SO_REUSEADDR or
                // SO_REUSEPORT: clearing SO_REUSEADDR gives the exclusive behaviour.
                if v {
                    io(so.set_reuse_address(false))?;
                }
                sock.state().exclusive_addr = v;
            }
            (wsa::SOL_SOCKET, wsa::SO_KEEPALIVE) => io(so.set_keepalive(opt_u32(optval, optlen, "setsockopt(SO_KEEPALIVE)")? != 0))?,
            (wsa::SOL_SOCKET, wsa::SO_BROADCAST) => io(so.set_broadcast(opt_u32(optval, optlen, "setsockopt(SO_BROADCAST)")? != 0))?,
            (wsa::SOL_SOCKET, wsa::SO_OOBINLINE) => io(so.set_out_of_band_inline(opt_u32(optval, optlen, "setsockopt(SO_OOBINLINE)")? != 0))?,
            (wsa::SOL_SOCKET, wsa::SO_LINGER) => {
                let l: linger = ptr::read_struct(optval as *const u8, optlen.max(0) as usize, "setsockopt(SO_LINGER): struct linger")?;
                sock.state().linger = l;
            }
            (wsa::SOL_SOCKET, wsa::SO_DONTLINGER) => {
                let v = opt_u32(optval, optlen, "setsockopt(SO_DONTLINGER)")? != 0;
                sock.state().linger.l_onoff = if v { 0 } else { 1 };
            }
            (wsa::SOL_SOCKET, wsa::SO_RCVTIMEO) => {
                let v = opt_u32(optval, optlen, "setsockopt(SO_RCVTIMEO)")?;
                sock.rcvtimeo_ms.store(v, std::sync::atomic::Ordering::Relaxed);
            }
            (wsa::SOL_SOCKET, wsa::SO_SNDTIMEO) => {
                let v = opt_u32(optval, optlen, "setsockopt(SO_SNDTIMEO)")?;
                sock.sndtimeo_ms.store(v, std::sync::atomic::Ordering::Relaxed);
            }
            (wsa::SOL_SOCKET, wsa::SO_RCVBUF) => io(so.set_recv_buffer_size(opt_u32(optval, optlen, "setsockopt(SO_RCVBUF)")? as usize))?,
            (wsa::SOL_SOCKET, wsa::SO_SNDBUF) => io(so.set_send_buffer_size(opt_u32(optval, optlen, "setsockopt(SO_SNDBUF)")? as usize))?,
            (wsa::IPPROTO_TCP, wsa::TCP_NODELAY) => io(so.set_tcp_nodelay(opt_u32(optval, optlen, "setsockopt(TCP_NODELAY)")? != 0))?,
            (wsa::IPPROTO_IPV6, wsa::IPV6_V6ONLY) => io(so.set_only_v6(opt_u32(optval, optlen, "setsockopt(IPV6_V6ONLY)")? != 0))?,
            (l, o) => {
                return Err(Error::wsa(wsa::WSAENOPROTOOPT, format!("setsockopt: option {o:#x} at level {l:#x} is not supported by wstls (see docs/compatibility.md)")))
            }
        }
        Ok(0)
    })
}

unsafe fn put_opt<T: Copy>(
    optval: *mut c_char,
    optlen: *mut c_int,
    v: T,
    what: &str,
) -> Result<()> {
    let len = ptr::as_mut(optlen, what)?;
    if optval.is_null() || (*len as isize) < std::mem::size_of::<T>() as isize {
        return Err(Error::fault(&format!(
            "{what}: optval too small (need {} bytes)",
            std::mem::size_of::<T>()
        )));
    }
    std::ptr::write_unaligned(optval as *mut T, v);
    *len = std::mem::size_of::<T>() as c_int;
    Ok(())
}

/// Reads a socket option (see `setsockopt`), plus `SO_ERROR` (read and cleared), `SO_TYPE`,
/// `SO_ACCEPTCONN`.
#[no_mangle]
pub unsafe extern "C" fn wstls_getsockopt(
    s: SOCKET,
    level: c_int,
    optname: c_int,
    optval: *mut c_char,
    optlen: *mut c_int,
) -> c_int {
    wsa_guard("getsockopt", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let so = &sock.sock;
        let io = |e: std::io::Error| Error::from_io(&e, "getsockopt");
        let w = "getsockopt";
        let b = |v: bool| v as u32;
        match (level, optname) {
            (wsa::SOL_SOCKET, wsa::SO_SECURE) => put_opt(optval, optlen, crate::net::hooks::get_so_secure(&sock), w)?,
            (wsa::SOL_SOCKET, wsa::SO_REUSEADDR) => put_opt(optval, optlen, b(so.reuse_address().map_err(io)?), w)?,
            (wsa::SOL_SOCKET, wsa::SO_EXCLUSIVEADDRUSE) => put_opt(optval, optlen, b(sock.state().exclusive_addr), w)?,
            (wsa::SOL_SOCKET, wsa::SO_KEEPALIVE) => put_opt(optval, optlen, b(so.keepalive().map_err(io)?), w)?,
            (wsa::SOL_SOCKET, wsa::SO_BROADCAST) => put_opt(optval, optlen, b(so.broadcast().map_err(io)?), w)?,
            (wsa::SOL_SOCKET, wsa::SO_OOBINLINE) => put_opt(optval, optlen, b(so.out_of_band_inline().map_err(io)?), w)?,
            (wsa::SOL_SOCKET, wsa::SO_ACCEPTCONN) => put_opt(optval, optlen, b(sock.state().listening), w)?,
            (wsa::SOL_SOCKET, wsa::SO_LINGER) => put_opt(optval, optlen, sock.state().linger, w)?,
            (wsa::SOL_SOCKET, wsa::SO_DONTLINGER) => put_opt(optval, optlen, b(sock.state().linger.l_onoff == 0), w)?,
            (wsa::SOL_SOCKET, wsa::SO_RCVTIMEO) => put_opt(optval, optlen, sock.rcvtimeo_ms.load(std::sync::atomic::Ordering::Relaxed), w)?,
            (wsa::SOL_SOCKET, wsa::SO_SNDTIMEO) => put_opt(optval, optlen, sock.sndtimeo_ms.load(std::sync::atomic::Ordering::Relaxed), w)?,
            (wsa::SOL_SOCKET, wsa::SO_RCVBUF) => put_opt(optval, optlen, so.recv_buffer_size().map_err(io)? as u32, w)?,
            (wsa::SOL_SOCKET, wsa::SO_SNDBUF) => put_opt(optval, optlen, so.send_buffer_size().map_err(io)? as u32, w)?,
            (wsa::SOL_SOCKET, wsa::SO_TYPE) => put_opt(optval, optlen, sock.ty, w)?,
            (wsa::SOL_SOCKET, wsa::SO_ERROR) => {
                let mut v = std::mem::take(&mut sock.state().so_error);
                if v == 0 {
                    if let Ok(Some(e)) = so.take_error() {
                        v = Error::from_io(&e, "").wsa_code();
                    }
                }
                put_opt(optval, optlen, v, w)?
            }
            (wsa::IPPROTO_TCP, wsa::TCP_NODELAY) => put_opt(optval, optlen, b(so.tcp_nodelay().map_err(io)?), w)?,
            (wsa::IPPROTO_IPV6, wsa::IPV6_V6ONLY) => put_opt(optval, optlen, b(so.only_v6().map_err(io)?), w)?,
            (l, o) => {
                return Err(Error::wsa(wsa::WSAENOPROTOOPT, format!("getsockopt: option {o:#x} at level {l:#x} is not supported by wstls (see docs/compatibility.md)")))
            }
        }
        Ok(0)
    })
}

fn core_ioctl(sock: &Socket, cmd: u32, arg: &mut u32) -> Result<()> {
    match cmd {
        wsa::FIONBIO => {
            sock.nonblocking
                .store(*arg != 0, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        }
        wsa::FIONREAD => {
            *arg = sock.readable_bytes().min(u32::MAX as usize) as u32;
            Ok(())
        }
        wsa::SIOCATMARK => {
            *arg = 1;
            Ok(())
        }
        other => Err(Error::inval(format!(
            "ioctl: command {other:#010x} is not supported by wstls"
        ))),
    }
}

/// `FIONBIO` (non-zero: non-blocking), `FIONREAD` (bytes readable: decrypted bytes on a secure
/// socket), `SIOCATMARK`. `cmd` is compared on its low 32 bits.
#[no_mangle]
pub unsafe extern "C" fn wstls_ioctlsocket(s: SOCKET, cmd: i32, argp: *mut u32) -> c_int {
    wsa_guard("ioctlsocket", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        let arg = ptr::as_mut(argp, "ioctlsocket: argp")?;
        core_ioctl(&sock, cmd as u32, arg)?;
        Ok(0)
    })
}

/// The control dispatch point: the core codes (`FIONBIO`, `FIONREAD`, `SIOCATMARK`), CE's
/// `SO_SSL_*` codes, the secure socket extensions' `SIO_*` codes and wstls's extension codes.
/// `lpcbBytesReturned` may be NULL. Overlapped requests fail with `WSAEOPNOTSUPP`.
#[no_mangle]
pub unsafe extern "C" fn wstls_WSAIoctl(
    s: SOCKET,
    dwIoControlCode: u32,
    lpvInBuffer: *mut c_void,
    cbInBuffer: u32,
    lpvOutBuffer: *mut c_void,
    cbOutBuffer: u32,
    lpcbBytesReturned: *mut u32,
    lpOverlapped: *mut WSAOVERLAPPED,
    lpCompletionRoutine: LPWSAOVERLAPPED_COMPLETION_ROUTINE,
) -> c_int {
    wsa_guard("WSAIoctl", SOCKET_ERROR, || {
        let sock = startup_and_lookup(s)?;
        if !lpOverlapped.is_null() || lpCompletionRoutine.is_some() {
            return Err(Error::wsa(wsa::WSAEOPNOTSUPP, "WSAIoctl: overlapped requests are not supported by wstls; pass NULL lpOverlapped and lpCompletionRoutine"));
        }
        let input = IoBuf {
            ptr: lpvInBuffer as *mut u8,
            len: cbInBuffer as usize,
        };
        let output = IoBuf {
            ptr: lpvOutBuffer as *mut u8,
            len: cbOutBuffer as usize,
        };
        let returned = match dwIoControlCode {
            wsa::FIONBIO => {
                let mut v: u32 =
                    ptr::read_struct(input.ptr, input.len, "WSAIoctl(FIONBIO): input")?;
                core_ioctl(&sock, wsa::FIONBIO, &mut v)?;
                0
            }
            wsa::FIONREAD | wsa::SIOCATMARK => {
                let mut v = 0u32;
                core_ioctl(&sock, dwIoControlCode, &mut v)?;
                ptr::write_struct(output.ptr, output.len, v, "WSAIoctl: output")?;
                4
            }
            code => match crate::net::hooks::ioctl(&sock, code, input, output) {
                Ok(n) => n,
                Err(e) => {
                    if let (Some(n), Some(r)) = (e.needed, ptr::opt_mut(lpcbBytesReturned)) {
                        *r = n;
                    }
                    return Err(e);
                }
            },
        };
        if let Some(r) = ptr::opt_mut(lpcbBytesReturned) {
            *r = returned;
        }
        Ok(0)
    })
}

/// A caller buffer handed to a `WSAIoctl` handler.
#[derive(Clone, Copy)]
pub struct IoBuf {
    pub ptr: *mut u8,
    pub len: usize,
}

// ---------------------------------------------------------------------------------------------
// select and WSAPoll
// ---------------------------------------------------------------------------------------------

unsafe fn read_set(set: *mut fd_set) -> Result<Vec<SOCKET>> {
    if set.is_null() {
        return Ok(Vec::new());
    }
    let count = std::ptr::read_unaligned(set as *const u32) as usize;
    let arr = (set as *const u8).add(FD_ARRAY_OFFSET) as *const SOCKET;
    Ok((0..count)
        .map(|i| std::ptr::read_unaligned(arr.add(i)))
        .collect())
}

unsafe fn write_set(set: *mut fd_set, ready: &[SOCKET]) {
    if set.is_null() {
        return;
    }
    std::ptr::write_unaligned(set as *mut u32, ready.len() as u32);
    let arr = (set as *mut u8).add(FD_ARRAY_OFFSET) as *mut SOCKET;
    for (i, h) in ready.iter().enumerate() {
        std::ptr::write_unaligned(arr.add(i), *h);
    }
}

/// Waits for readiness on Winsock `fd_set`s (count + array; `nfds` is ignored). Returns the
/// number of ready handles, 0 on timeout; the sets are rewritten to hold the ready ones. TLS
/// aware: a secure socket whose decrypted bytes wait in wstls is readable. `timeout` NULL
/// blocks; it is not modified. All three sets NULL or empty: `WSAEINVAL`. A failed
/// non-blocking connect is reported in `exceptfds`.
#[no_mangle]
pub unsafe extern "C" fn wstls_select(
    nfds: c_int,
    readfds: *mut fd_set,
    writefds: *mut fd_set,
    exceptfds: *mut fd_set,
    timeout: *const timeval,
) -> c_int {
    let _ = nfds;
    wsa_guard("select", SOCKET_ERROR, || {
        require_startup()?;
        let r = read_set(readfds)?;
        let w = read_set(writefds)?;
        let x = read_set(exceptfds)?;
        if r.is_empty() && w.is_empty() && x.is_empty() {
            return Err(Error::inval("select: all three fd_sets are NULL or empty"));
        }
        let mut handles: Vec<SOCKET> = Vec::new();
        for h in r.iter().chain(w.iter()).chain(x.iter()) {
            if !handles.contains(h) {
                handles.push(*h);
            }
        }
        let mut socks = Vec::with_capacity(handles.len());
        for h in &handles {
            let s = lookup(*h)?;
            socks.push((
                s,
                Interest {
                    read: r.contains(h),
                    write: w.contains(h),
                    except: x.contains(h),
                },
            ));
        }
        let to = if timeout.is_null() {
            None
        } else {
            let tv = std::ptr::read_unaligned(timeout);
            if tv.tv_sec < 0 || tv.tv_usec < 0 {
                return Err(Error::inval("select: negative timeout"));
            }
            Some(Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64))
        };
        let ready = wait_ready(&socks, to)?;
        let pick =
            |set: &[SOCKET], f: &dyn Fn(&crate::net::select::Ready) -> bool| -> Vec<SOCKET> {
                set.iter()
                    .copied()
                    .filter(|h| {
                        handles
                            .iter()
                            .position(|x| x == h)
                            .is_some_and(|i| f(&ready[i]))
                    })
                    .collect()
            };
        let rr = pick(&r, &|x| x.read);
        let wr = pick(&w, &|x| x.write);
        let xr = pick(&x, &|x| x.except);
        write_set(readfds, &rr);
        write_set(writefds, &wr);
        write_set(exceptfds, &xr);
        Ok((rr.len() + wr.len() + xr.len()) as c_int)
    })
}

/// `FD_ISSET` helper: non-zero if `s` is in `set`.
#[no_mangle]
pub unsafe extern "C" fn wstls___WSAFDIsSet(s: SOCKET, set: *mut fd_set) -> c_int {
    super::plain_guard(0, || match read_set(set) {
        Ok(v) => v.contains(&s) as c_int,
        Err(_) => 0,
    })
}

/// Polls an array of `WSAPOLLFD` (Windows `POLL*` values). `events` may hold only
/// `POLLRDNORM`, `POLLRDBAND`, `POLLWRNORM` (and `POLLIN`/`POLLOUT`), else `WSAEINVAL`.
/// `timeout` ms: >0 wait, 0 immediate, <0 infinite. An entry whose handle is not an open
/// socket gets `POLLNVAL`; a negative `fd` is ignored. TLS aware like `select`.
#[no_mangle]
pub unsafe extern "C" fn wstls_WSAPoll(fdArray: *mut WSAPOLLFD, fds: u32, timeout: c_int) -> c_int {
    wsa_guard("WSAPoll", SOCKET_ERROR, || {
        require_startup()?;
        if fds == 0 {
            return Err(Error::inval("WSAPoll: fds is 0"));
        }
        if fdArray.is_null() {
            return Err(Error::fault("WSAPoll: fdArray"));
        }
        let arr = std::slice::from_raw_parts_mut(fdArray, fds as usize);
        let allowed = wsa::POLLRDNORM | wsa::POLLRDBAND | wsa::POLLWRNORM;
        let mut socks = Vec::new();
        let mut idx = Vec::new();
        let mut invalid = 0;
        for (i, p) in arr.iter_mut().enumerate() {
            p.revents = 0;
            if (p.fd as isize) < 0 {
                continue;
            }
            if p.events & !allowed != 0 {
                return Err(Error::inval(format!("WSAPoll: events {:#x} holds flags other than POLLRDNORM, POLLRDBAND, POLLWRNORM", p.events)));
            }
            match lookup(p.fd) {
                Ok(s) => {
                    socks.push((
                        s,
                        Interest {
                            read: p.events & wsa::POLLIN != 0,
                            write: p.events & wsa::POLLWRNORM != 0,
                            except: false,
                        },
                    ));
                    idx.push(i);
                }
                Err(_) => {
                    p.revents = wsa::POLLNVAL;
                    invalid += 1;
                }
            }
        }
        let to = if invalid > 0 {
            Some(Duration::ZERO)
        } else if timeout < 0 {
            None
        } else {
            Some(Duration::from_millis(timeout as u64))
        };
        let ready = if socks.is_empty() {
            Vec::new()
        } else {
            wait_ready(&socks, to)?
        };
        let mut n = invalid;
        for (k, i) in idx.iter().enumerate() {
            let p = &mut arr[*i];
            let r = ready[k];
            let mut re: i16 = 0;
            if r.read {
                re |= p.events & wsa::POLLIN & wsa::POLLRDNORM;
                if re == 0 {
                    re |= wsa::POLLRDNORM & p.events;
                }
            }
            if r.write {
                re |= wsa::POLLWRNORM;
            }
            if r.hup {
                re |= wsa::POLLHUP;
            }
            if r.err {
                re |= wsa::POLLERR;
            }
            p.revents = re;
            if re != 0 {
                n += 1;
            }
        }
        Ok(n)
    })
}
