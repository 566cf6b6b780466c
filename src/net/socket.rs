//! A wstls socket: the kernel descriptor plus Windows-visible state, and blocking emulation.
//!
//! The kernel descriptor is always non-blocking. A "blocking" Windows call waits with `poll`
//! (honouring `SO_RCVTIMEO`/`SO_SNDTIMEO`) and never holds a lock while it waits, so one thread
//! may `recv` while another `send`s. `closesocket` marks the socket closed and shuts the
//! descriptor down, which wakes every waiter; the descriptor itself is closed when the last
//! `Arc` goes away, so no waiter ever polls a reused descriptor number.
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Type};

use crate::error::{Error, Result};
use crate::net::addr;
use crate::net::tlsio::TlsIo;
use crate::tls::config::SocketTls;
use crate::win::winsock::linger;
use crate::win::wsa;

/// Connection state as Windows reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    Idle,
    /// Non-blocking connect in progress.
    Connecting,
    Connected,
    /// Non-blocking connect failed (the code is in `so_error`).
    Failed,
}

/// Mutable per-socket state (never held across a wait).
pub struct State {
    pub bound: bool,
    pub listening: bool,
    pub conn: Conn,
    pub so_error: i32,
    pub shut_rd: bool,
    pub shut_wr: bool,
    pub linger: linger,
    pub exclusive_addr: bool,
    /// TLS settings for this socket (CE `SO_SECURE`, secure socket extensions, wstls
    /// extensions). `None` for a plain socket.
    pub tls: Option<SocketTls>,
    /// The stream peer's address, kept when the connection is made (from `accept`, or the
    /// connect that completed), so starting TLS does not ask the kernel again.
    pub peer: Option<SocketAddr>,
}

pub struct Socket {
    pub sock: socket2::Socket,
    /// Windows address family, type and protocol as given to `socket`.
    pub af: i32,
    pub ty: i32,
    pub proto: i32,
    closed: AtomicBool,
    pub nonblocking: AtomicBool,
    pub rcvtimeo_ms: AtomicU32,
    pub sndtimeo_ms: AtomicU32,
    pub st: Mutex<State>,
    pub tls: TlsIo,
}

/// Which way a wait goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dir {
    Read,
    Write,
}

impl Socket {
    /// A new socket from Windows `af`, `type`, `protocol`.
    pub fn open(af: i32, ty: i32, proto: i32) -> Result<Socket> {
        let domain = addr::native_family(af)?;
        let sty = match ty {
            wsa::SOCK_STREAM => Type::STREAM,
            wsa::SOCK_DGRAM => Type::DGRAM,
            wsa::SOCK_RAW => {
                return Err(Error::wsa(
                    wsa::WSAESOCKTNOSUPPORT,
                    "socket: SOCK_RAW is not supported by wstls",
                ))
            }
            other => {
                return Err(Error::wsa(
                    wsa::WSAESOCKTNOSUPPORT,
                    format!("socket: socket type {other} is not supported"),
                ))
            }
        };
        let p = match (ty, proto) {
            (_, 0) => None,
            (wsa::SOCK_STREAM, wsa::IPPROTO_TCP) => Some(Protocol::TCP),
            (wsa::SOCK_DGRAM, wsa::IPPROTO_UDP) => Some(Protocol::UDP),
            (_, other) => {
                return Err(Error::wsa(
                    wsa::WSAEPROTONOSUPPORT,
                    format!("socket: protocol {other} does not go with socket type {ty}"),
                ))
            }
        };
        // Non-blocking from the start (SOCK_NONBLOCK; socket2 adds SOCK_CLOEXEC): two fcntl
        // calls fewer per socket.
        let sock = socket2::Socket::new(domain, sty.nonblocking(), p)
            .map_err(|e| Error::from_io(&e, "socket"))?;
        Self::from_native(sock, af, ty, proto)
    }

    /// Wraps an already open native socket (from `socket` or `accept`), which must have been
    /// created non-blocking (`SOCK_NONBLOCK`): wstls waits with `poll`, and the Windows
    /// blocking mode is its own flag.
    pub fn from_native(sock: socket2::Socket, af: i32, ty: i32, proto: i32) -> Result<Socket> {
        debug_assert!(
            sock.nonblocking().unwrap_or(true),
            "from_native: blocking fd"
        );
        if domain_is_v6(af) {
            // Windows defaults IPV6_V6ONLY to TRUE; so does this.
            let _ = sock.set_only_v6(true);
        }
        Ok(Socket {
            sock,
            af,
            ty,
            proto,
            closed: AtomicBool::new(false),
            nonblocking: AtomicBool::new(false),
            rcvtimeo_ms: AtomicU32::new(0),
            sndtimeo_ms: AtomicU32::new(0),
            st: Mutex::new(State {
                bound: false,
                listening: false,
                conn: Conn::Idle,
                so_error: 0,
                shut_rd: false,
                shut_wr: false,
                linger: linger {
                    l_onoff: 0,
                    l_linger: 0,
                },
                exclusive_addr: false,
                tls: None,
                peer: None,
            }),
            tls: TlsIo::new(),
        })
    }

    pub fn fd(&self) -> i32 {
        self.sock.as_raw_fd()
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub fn is_nonblocking(&self) -> bool {
        self.nonblocking.load(Ordering::Relaxed)
    }

    pub fn is_stream(&self) -> bool {
        self.ty == wsa::SOCK_STREAM
    }

    /// Fails with `WSAENOTSOCK` once `closesocket` has begun (for waiters woken by it).
    pub fn check_open(&self) -> Result<()> {
        if self.is_closed() {
            Err(Error::wsa(
                wsa::WSAEINTR,
                "the socket was closed by closesocket while the call was in progress",
            ))
        } else {
            Ok(())
        }
    }

    /// An error seen while `closesocket` ran on another thread is reported as the close
    /// (`WSAEINTR`), whatever the kernel said (a shut-down descriptor gives EPIPE, ECONNRESET...).
    pub fn closed_or(&self, e: Error) -> Error {
        if self.is_closed() && !e.is_would_block() {
            self.check_open().err().unwrap_or(e)
        } else {
            e
        }
    }

    /// The timeout for a direction (`None`: wait for ever).
    pub fn timeout(&self, dir: Dir) -> Option<Duration> {
        let ms = match dir {
            Dir::Read => self.rcvtimeo_ms.load(Ordering::Relaxed),
            Dir::Write => self.sndtimeo_ms.load(Ordering::Relaxed),
        };
        (ms != 0).then(|| Duration::from_millis(ms as u64))
    }

    /// A deadline for a whole operation in one direction.
    pub fn deadline(&self, dir: Dir) -> Option<Instant> {
        self.timeout(dir).map(|t| Instant::now() + t)
    }

    /// Waits until the descriptor is ready for `dir`, the deadline passes (`WSAETIMEDOUT`) or
    /// the socket is closed (`WSAEINTR`). No lock may be held by the caller.
    pub fn wait(&self, dir: Dir, deadline: Option<Instant>, what: &str) -> Result<()> {
        let events = match dir {
            Dir::Read => libc::POLLIN,
            Dir::Write => libc::POLLOUT,
        };
        self.wait_events(events, deadline, what).map(|_| ())
    }

    /// Waits for any of the `poll` `events`; returns the `revents`.
    pub fn wait_events(&self, events: i16, deadline: Option<Instant>, what: &str) -> Result<i16> {
        loop {
            self.check_open()?;
            let ms = match deadline {
                None => -1,
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Err(Error::wsa(wsa::WSAETIMEDOUT, format!("{what}: timed out (SO_RCVTIMEO/SO_SNDTIMEO or the handshake limit)")));
                    }
                    let left = d - now;
                    left.as_millis().clamp(1, i32::MAX as u128) as i32
                }
            };
            let mut pfd = libc::pollfd {
                fd: self.fd(),
                events,
                revents: 0,
            };
            let r = unsafe { libc::poll(&mut pfd, 1, ms) };
            if r < 0 {
                let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
                if errno == libc::EINTR {
                    continue;
                }
                return Err(Error::from_errno(errno, what));
            }
            self.check_open()?;
            if r > 0 {
                return Ok(pfd.revents);
            }
        }
    }

    /// Marks the socket closed and wakes every thread waiting on it.
    pub fn mark_closed(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            // Wakes poll()ers; the descriptor stays open until the last Arc drops.
            unsafe {
                libc::shutdown(self.fd(), libc::SHUT_RDWR);
            }
        }
    }

    /// Marks the socket closed without waking anyone (no other thread holds it).
    pub fn mark_closed_quiet(&self) {
        self.closed.store(true, Ordering::Release);
    }

    // ---- plain I/O on the kernel descriptor (no TLS) ----

    /// One non-blocking `recv` from the kernel: `Ok(0)` is EOF; `WSAEWOULDBLOCK` when empty.
    pub fn raw_recv(&self, buf: &mut [u8], flags: i32) -> Result<usize> {
        loop {
            let r = unsafe {
                libc::recv(
                    self.fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    buf.len(),
                    flags | libc::MSG_DONTWAIT,
                )
            };
            if r >= 0 {
                return Ok(r as usize);
            }
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            if errno == libc::EINTR {
                continue;
            }
            return Err(Error::from_errno(errno, "recv"));
        }
    }

    /// One non-blocking `send` to the kernel (never raises SIGPIPE).
    pub fn raw_send(&self, buf: &[u8], flags: i32) -> Result<usize> {
        loop {
            let r = unsafe {
                libc::send(
                    self.fd(),
                    buf.as_ptr() as *const libc::c_void,
                    buf.len(),
                    flags | libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
                )
            };
            if r >= 0 {
                return Ok(r as usize);
            }
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            if errno == libc::EINTR {
                continue;
            }
            return Err(Error::from_errno(errno, "send"));
        }
    }

    /// Plain `recv` with Windows blocking semantics (`MSG_*` already native).
    pub fn plain_recv(&self, buf: &mut [u8], native_flags: i32, waitall: bool) -> Result<usize> {
        let deadline = self.deadline(Dir::Read);
        let mut got = 0;
        loop {
            match self.raw_recv(&mut buf[got..], native_flags) {
                Ok(0) => return Ok(got),
                Ok(n) => {
                    got += n;
                    if !waitall || got == buf.len() || native_flags & libc::MSG_PEEK != 0 {
                        return Ok(got);
                    }
                }
                Err(e) if e.is_would_block() => {
                    if self.is_nonblocking() {
                        return if got > 0 { Ok(got) } else { Err(e) };
                    }
                    self.wait(Dir::Read, deadline, "recv")?;
                }
                Err(e) => return if got > 0 { Ok(got) } else { Err(e) },
            }
        }
    }

    /// Plain `send`: a blocking call sends everything (or fails); non-blocking sends what fits.
    pub fn plain_send(&self, buf: &[u8], native_flags: i32) -> Result<usize> {
        let deadline = self.deadline(Dir::Write);
        let mut sent = 0;
        loop {
            match self.raw_send(&buf[sent..], native_flags) {
                Ok(n) => {
                    sent += n;
                    if sent == buf.len() || self.is_nonblocking() {
                        return Ok(sent);
                    }
                }
                Err(e) if e.is_would_block() => {
                    if self.is_nonblocking() {
                        return if sent > 0 { Ok(sent) } else { Err(e) };
                    }
                    if let Err(e) = self.wait(Dir::Write, deadline, "send") {
                        return if sent > 0 { Ok(sent) } else { Err(e) };
                    }
                }
                Err(e) => return if sent > 0 { Ok(sent) } else { Err(e) },
            }
            if buf.is_empty() {
                return Ok(0);
            }
        }
    }

    /// TCP-level connect with Windows semantics. Does not run any TLS handshake.
    pub fn tcp_connect(&self, to: &SocketAddr) -> Result<()> {
        {
            let st = self.state();
            if st.listening {
                return Err(Error::inval("connect: the socket is listening"));
            }
            match st.conn {
                Conn::Connecting => {
                    return Err(Error::wsa(
                        wsa::WSAEALREADY,
                        "connect: a non-blocking connect is already in progress",
                    ))
                }
                Conn::Connected if self.is_stream() => {
                    return Err(Error::wsa(
                        wsa::WSAEISCONN,
                        "connect: the socket is already connected",
                    ))
                }
                _ => {}
            }
        }
        // Windows refuses a destination with no address or no port (Linux would "connect"
        // a UDP socket to port 0 and leave it unconnected).
        if to.ip().is_unspecified() || to.port() == 0 {
            return Err(Error::wsa(
                wsa::WSAEADDRNOTAVAIL,
                format!("connect: {to} is not a valid destination (no address or port 0)"),
            ));
        }
        let r = self.sock.connect(&addr::to_sockaddr(to));
        match r {
            Ok(()) => {
                let mut st = self.state();
                st.conn = Conn::Connected;
                if self.is_stream() {
                    st.peer = Some(*to);
                }
                Ok(())
            }
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {
                self.state().conn = Conn::Connecting;
                if self.is_nonblocking() {
                    return Err(Error::would_block("connect"));
                }
                // The descriptor is always non-blocking, so the kernel says EINPROGRESS even
                // where the connection is already made (loopback): a peer address means
                // connected, without a poll and SO_ERROR.
                if let Ok(peer) = self.sock.peer_addr() {
                    Self::mark_connected(&mut self.state(), &peer);
                    return Ok(());
                }
                // Windows' connect has no SO_SNDTIMEO; the kernel's own limit applies.
                self.wait(Dir::Write, None, "connect")?;
                self.finish_connect()
            }
            Err(e) => {
                let err = Error::from_io(&e, &format!("connect to {to}"));
                let mut st = self.state();
                if self.is_stream() {
                    st.conn = Conn::Failed;
                }
                Err(err)
            }
        }
    }

    /// Completes a pending non-blocking connect once the descriptor is writable or in error.
    /// Returns the connect result.
    pub fn finish_connect(&self) -> Result<()> {
        let err = self
            .sock
            .take_error()
            .map_err(|e| Error::from_io(&e, "connect"))?;
        let mut st = self.state();
        match err {
            None => {
                // Writable with no error: connected, unless still in progress.
                if let Ok(peer) = self.sock.peer_addr() {
                    Self::mark_connected(&mut st, &peer);
                    Ok(())
                } else {
                    Err(Error::would_block("connect"))
                }
            }
            Some(e) => {
                let err = Error::from_io(&e, "connect");
                st.conn = Conn::Failed;
                st.so_error = err.wsa_code();
                Err(err)
            }
        }
    }

    /// A connect that completed, to the kernel's `peer`.
    fn mark_connected(st: &mut State, peer: &SockAddr) {
        st.conn = Conn::Connected;
        st.peer = addr::from_sockaddr(peer).ok();
    }

    /// Updates a pending non-blocking connect without waiting; returns the state.
    pub fn poll_connect(&self) -> Conn {
        let c = self.state().conn;
        if c != Conn::Connecting {
            return c;
        }
        let mut pfd = libc::pollfd {
            fd: self.fd(),
            events: libc::POLLOUT,
            revents: 0,
        };
        let r = unsafe { libc::poll(&mut pfd, 1, 0) };
        if r > 0 {
            let _ = self.finish_connect();
        }
        self.state().conn
    }

    /// `accept` on a listening socket: the native socket and the peer address.
    pub fn tcp_accept(&self) -> Result<(socket2::Socket, SocketAddr)> {
        if !self.state().listening {
            return Err(Error::inval(
                "accept: the socket is not listening (call listen first)",
            ));
        }
        loop {
            // Non-blocking and close-on-exec from the start (see `from_native`).
            match self.sock.accept4(libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK) {
                Ok((s, a)) => {
                    let a = addr::from_sockaddr(&a)?;
                    return Ok((s, a));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if self.is_nonblocking() {
                        return Err(Error::would_block("accept"));
                    }
                    self.wait(Dir::Read, None, "accept")?;
                }
                Err(e)
                    if e.raw_os_error() == Some(libc::EINTR)
                        || e.raw_os_error() == Some(libc::ECONNABORTED) =>
                {
                    continue
                }
                Err(e) => {
                    self.check_open()?;
                    return Err(Error::from_io(&e, "accept"));
                }
            }
        }
    }

    pub fn local_addr(&self) -> Result<SocketAddr> {
        let a = self
            .sock
            .local_addr()
            .map_err(|e| Error::from_io(&e, "getsockname"))?;
        addr::from_sockaddr(&a)
    }

    /// Sends the ACK the kernel owes the peer now rather than when the delayed-ACK timer
    /// fires (`TCP_QUICKACK`; best effort).
    pub fn quick_ack(&self) {
        let one: libc::c_int = 1;
        // SAFETY: a valid descriptor and a c_int option value.
        unsafe {
            libc::setsockopt(
                self.fd(),
                libc::IPPROTO_TCP,
                libc::TCP_QUICKACK,
                &one as *const libc::c_int as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }

    /// The stream peer's address as kept when the connection was made, else from the kernel.
    pub fn connected_peer(&self) -> Result<SocketAddr> {
        if let Some(p) = self.state().peer {
            return Ok(p);
        }
        self.peer_addr()
    }

    pub fn peer_addr(&self) -> Result<SocketAddr> {
        let a: SockAddr = self
            .sock
            .peer_addr()
            .map_err(|e| Error::from_io(&e, "getpeername"))?;
        addr::from_sockaddr(&a)
    }

    /// Bytes readable now: decrypted plaintext for a secure socket, kernel bytes otherwise.
    pub fn readable_bytes(&self) -> usize {
        if self.tls.is_active() {
            return self.tls.buffered_plaintext();
        }
        let mut n: libc::c_int = 0;
        unsafe {
            libc::ioctl(self.fd(), libc::FIONREAD, &mut n);
        }
        n.max(0) as usize
    }
}

fn domain_is_v6(af: i32) -> bool {
    af == wsa::AF_INET6
}

/// Kept for `Domain` users in tests.
pub fn domain_of(af: i32) -> Option<Domain> {
    addr::native_family(af).ok()
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Release);
    }
}

/// Shared handle type.
pub type SocketRef = Arc<Socket>;
