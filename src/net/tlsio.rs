//! TLS over a wstls socket: the handshake driver and the encrypted `send`/`recv` paths.
//!
//! Rules (docs/architecture.md): the session sits behind its own mutex, which is never held
//! while waiting on the network. The handshake is driven by one thread at a time with the
//! session taken *out* of the mutex, so the CE validation hook runs with no wstls lock held and
//! may call back into wstls; other threads wait on a condition variable (or get
//! `WSAEWOULDBLOCK` when non-blocking). After the handshake, `send` and `recv` each lock only
//! to move bytes between rustls and the non-blocking descriptor, so a thread blocked in `recv`
//! never holds up another thread's `send`.
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use crate::error::{Error, Kind, Result};
use crate::net::socket::{Dir, Socket};
use crate::tls::info::ConnInfo;
use crate::tls::session::Session;
use crate::win::wsa;

/// Where TLS stands on a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No TLS (plain socket, or a deferred handshake not yet performed).
    Off,
    Handshaking,
    Secure,
    /// The handshake or the connection failed; the error repeats.
    Failed(Kind, String),
}

struct Inner {
    phase: Phase,
    /// `None` while a thread drives the handshake outside the lock.
    sess: Option<Session>,
    /// Plaintext read ahead for `MSG_PEEK`.
    peeked: Vec<u8>,
    /// The peer's `close_notify` was received.
    peer_closed: bool,
    /// Our `close_notify` was queued.
    close_sent: bool,
}

pub struct TlsIo {
    inner: Mutex<Inner>,
    cv: Condvar,
    /// Threads waiting on `cv` (changed only with `inner` locked): the handshake's end wakes
    /// them only if there are any (a notify is a futex call even with no waiter).
    waiters: AtomicUsize,
    active: AtomicBool,
}

/// `io::Read`/`io::Write` over the socket's non-blocking descriptor.
struct Fd<'a>(&'a Socket);

impl Read for Fd<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let r = unsafe {
                libc::recv(
                    self.0.fd(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                    buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if r >= 0 {
                return Ok(r as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

impl Write for Fd<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            let r = unsafe {
                libc::send(
                    self.0.fd(),
                    buf.as_ptr() as *const libc::c_void,
                    buf.len(),
                    libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
                )
            };
            if r >= 0 {
                return Ok(r as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        loop {
            let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
            msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
            msg.msg_iovlen = bufs.len().min(1024) as _;
            let r = unsafe {
                libc::sendmsg(self.0.fd(), &msg, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT)
            };
            if r >= 0 {
                return Ok(r as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn would_block(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock
}

/// Result of one non-blocking pass of the handshake.
enum Step {
    Done,
    /// Needs the descriptor to become ready in this direction.
    Blocked(Dir),
}

impl Default for TlsIo {
    fn default() -> Self {
        Self::new()
    }
}

impl TlsIo {
    pub fn new() -> Self {
        TlsIo {
            inner: Mutex::new(Inner {
                phase: Phase::Off,
                sess: None,
                peeked: Vec::new(),
                peer_closed: false,
                close_sent: false,
            }),
            cv: Condvar::new(),
            waiters: AtomicUsize::new(0),
            active: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// TLS is handshaking or established: `send`/`recv` go through it.
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    pub fn phase(&self) -> Phase {
        self.lock().phase.clone()
    }

    /// Installs a fresh session; the handshake starts on the next `handshake` call.
    pub fn begin(&self, sess: Session) -> Result<()> {
        let mut g = self.lock();
        if g.phase != Phase::Off {
            return Err(Error::inval(
                "the TLS handshake has already been performed on this socket",
            ));
        }
        g.phase = Phase::Handshaking;
        g.sess = Some(sess);
        self.active.store(true, Ordering::Release);
        Ok(())
    }

    fn failed(phase: &Phase) -> Option<Error> {
        match phase {
            Phase::Failed(k, m) => Some(Error::new(*k, m.clone())),
            _ => None,
        }
    }

    /// Drives the handshake to completion (blocking socket) or as far as it goes without
    /// waiting (non-blocking: `WSAEWOULDBLOCK` until done). `deadline` bounds a blocking
    /// handshake.
    pub fn handshake(&self, sock: &Socket, deadline: Option<Instant>) -> Result<()> {
        self.handshake_impl(sock, deadline, !sock.is_nonblocking())
    }

    /// Advances the handshake as far as it goes without waiting (`WSAEWOULDBLOCK` until done),
    /// whatever the socket's blocking mode; used by `select`/`WSAPoll`.
    pub fn handshake_nb(&self, sock: &Socket) -> Result<()> {
        self.handshake_impl(sock, None, false)
    }

    fn handshake_impl(&self, sock: &Socket, deadline: Option<Instant>, wait: bool) -> Result<()> {
        loop {
            let mut g = self.lock();
            match &g.phase {
                Phase::Secure => return Ok(()),
                Phase::Off => {
                    return Err(Error::wsa(
                        wsa::WSAENOTCONN,
                        "TLS is not enabled on this socket",
                    ))
                }
                Phase::Failed(..) => return Err(Self::failed(&g.phase).unwrap()),
                Phase::Handshaking => {}
            }
            let Some(mut sess) = g.sess.take() else {
                // Another thread drives the handshake.
                if !wait {
                    return Err(Error::would_block(
                        "TLS handshake (in progress on another thread)",
                    ));
                }
                self.waiters.fetch_add(1, Ordering::Relaxed);
                let g = self
                    .cv
                    .wait_timeout(g, std::time::Duration::from_millis(200))
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
                self.waiters.fetch_sub(1, Ordering::Relaxed);
                drop(g);
                sock.check_open()?;
                continue;
            };
            drop(g);
            // No lock held from here: the verifier (and the CE hook) may run.
            let r = loop {
                match Self::step(sock, &mut sess) {
                    Ok(Step::Done) => break Ok(()),
                    Ok(Step::Blocked(dir)) => {
                        if !wait {
                            break Err(Error::would_block("TLS handshake"));
                        }
                        if let Err(e) = sock.wait(dir, deadline, "TLS handshake") {
                            break Err(e);
                        }
                    }
                    Err(e) => break Err(e),
                }
            };
            if r.is_ok() {
                sess.after_handshake();
            }
            let mut g = self.lock();
            g.sess = Some(sess);
            match &r {
                Ok(()) => {
                    g.phase = Phase::Secure;
                    log::debug!("TLS handshake complete");
                }
                Err(e) if e.is_would_block() => {}
                Err(e) => {
                    log::debug!("TLS handshake failed: {}", e.message);
                    g.phase = Phase::Failed(e.kind, e.message.clone());
                }
            }
            if self.waiters.load(Ordering::Relaxed) > 0 {
                self.cv.notify_all();
            }
            return r;
        }
    }

    /// One non-blocking pass: flush what rustls wants to send, read what is there.
    fn step(sock: &Socket, sess: &mut Session) -> Result<Step> {
        loop {
            let mut sent = false;
            while sess.conn.wants_write() {
                match sess.conn.write_tls(&mut Fd(sock)) {
                    Ok(_) => sent = true,
                    Err(e) if would_block(&e) => return Ok(Step::Blocked(Dir::Write)),
                    Err(e) => return Err(Error::from_io(&e, "TLS handshake (send)")),
                }
            }
            if !sess.conn.is_handshaking() {
                return Ok(Step::Done);
            }
            if sent {
                // The peer answers a flight only after it has read it: wait for the answer
                // rather than try a read that would find nothing (one syscall fewer per
                // flight; poll reports data already there at once).
                return Ok(Step::Blocked(Dir::Read));
            }
            match sess.conn.read_tls(&mut Fd(sock)) {
                Ok(0) => {
                    return Err(Error::new(
                        Kind::Truncated,
                        "TLS handshake failed: the peer closed the connection during the handshake",
                    ));
                }
                Ok(_) => {
                    if let Err(e) = sess.process() {
                        let err = sess.error(&e);
                        // Send our alert, best effort.
                        let _ = sess.conn.write_tls(&mut Fd(sock));
                        return Err(err);
                    }
                    // A server whose handshake the client's last flight just completed.
                    // TLS 1.3: what is left to send is session tickets, which no client waits
                    // for; they stay queued in rustls and leave with the socket's next
                    // operation (`send`, a `recv` that finds nothing, `select`, `shutdown`,
                    // `closesocket`), usually in the same segment as the first reply (one
                    // `sendmsg` and one client wakeup fewer). TLS 1.2: the server's own last
                    // flight, when there is one, is what the client waits for: sent below.
                    // With nothing going back at once, the client's flight is acknowledged
                    // now: a client that keeps Nagle on (most legacy code) would otherwise
                    // hold its first request until the delayed-ACK timer (40 ms on Linux).
                    if !sess.conn.is_handshaking()
                        && !sess.is_client()
                        && (sess.conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3)
                            || !sess.conn.wants_write())
                    {
                        sock.quick_ack();
                        return Ok(Step::Done);
                    }
                }
                Err(e) if would_block(&e) => return Ok(Step::Blocked(Dir::Read)),
                Err(e) => return Err(Error::from_io(&e, "TLS handshake (receive)")),
            }
        }
    }

    /// Ensures the handshake is done before data moves (advancing it if needed).
    fn ensure_secure(&self, sock: &Socket, dir: Dir) -> Result<()> {
        match self.lock().phase {
            Phase::Secure => return Ok(()),
            Phase::Failed(..) | Phase::Handshaking | Phase::Off => {}
        }
        self.handshake(sock, sock.deadline(dir))
    }

    /// Flushes queued TLS output without waiting; `true` if some remains.
    fn flush_nb(sock: &Socket, sess: &mut Session) -> Result<bool> {
        while sess.conn.wants_write() {
            match sess.conn.write_tls(&mut Fd(sock)) {
                Ok(_) => {}
                Err(e) if would_block(&e) => return Ok(true),
                Err(e) => return Err(Error::from_io(&e, "send")),
            }
        }
        Ok(false)
    }

    /// Encrypted `recv`. Returns 0 after the peer's `close_notify`; a peer that closes without
    /// it gives `WSAECONNRESET`.
    pub fn recv(&self, sock: &Socket, buf: &mut [u8], peek: bool, waitall: bool) -> Result<usize> {
        self.ensure_secure(sock, Dir::Read)?;
        let deadline = sock.deadline(Dir::Read);
        let mut got = 0usize;
        loop {
            let mut g = self.lock();
            if let Some(e) = Self::failed(&g.phase) {
                return if got > 0 { Ok(got) } else { Err(e) };
            }
            // 1. Plaintext already here (peeked first).
            if !g.peeked.is_empty() {
                let n = g.peeked.len().min(buf.len() - got);
                buf[got..got + n].copy_from_slice(&g.peeked[..n]);
                if !peek {
                    g.peeked.drain(..n);
                    got += n;
                } else {
                    return Ok(n);
                }
                if !waitall || got == buf.len() {
                    return Ok(got);
                }
            }
            let inner = &mut *g;
            let sess = inner
                .sess
                .as_mut()
                .ok_or_else(|| Error::new(Kind::Internal, "TLS session missing"))?;
            let target: &mut [u8] = &mut buf[got..];
            if target.is_empty() {
                return Ok(got);
            }
            match sess.conn.reader().read(target) {
                Ok(0) => {
                    inner.peer_closed = true;
                    return Ok(got);
                }
                Ok(n) => {
                    if peek {
                        inner.peeked.extend_from_slice(&target[..n]);
                        return Ok(n);
                    }
                    got += n;
                    if !waitall || got == buf.len() {
                        return Ok(got);
                    }
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    let err = Error::new(Kind::Truncated, "recv: the peer closed the connection without sending close_notify (the data may have been truncated)");
                    inner.phase = Phase::Failed(err.kind, err.message.clone());
                    return if got > 0 { Ok(got) } else { Err(err) };
                }
                Err(e) => return Err(Error::from_io(&e, "recv")),
            }
            // 2. Flush what rustls wants to say (key updates, alerts), without waiting.
            let _ = Self::flush_nb(sock, sess);
            // 3. More ciphertext from the kernel.
            match sess.conn.read_tls(&mut Fd(sock)) {
                Ok(_) => {
                    // Ok(0) is EOF: rustls records it, and the reader reports a clean close
                    // (close_notify seen) or UnexpectedEof on the next pass.
                    if let Err(e) = sess.process() {
                        let err = sess.error(&e);
                        let _ = Self::flush_nb(sock, sess);
                        inner.phase = Phase::Failed(err.kind, err.message.clone());
                        return if got > 0 { Ok(got) } else { Err(err) };
                    }
                    continue;
                }
                Err(e) if would_block(&e) => {}
                Err(e) => {
                    let err = Error::from_io(&e, "recv");
                    return if got > 0 { Ok(got) } else { Err(err) };
                }
            }
            drop(g);
            if sock.is_nonblocking() {
                return if got > 0 {
                    Ok(got)
                } else {
                    Err(Error::would_block("recv"))
                };
            }
            if let Err(e) = sock.wait(Dir::Read, deadline, "recv") {
                return if got > 0 { Ok(got) } else { Err(e) };
            }
        }
    }

    /// Encrypted `send`: a blocking call returns when every byte is encrypted and handed to
    /// the kernel; a non-blocking call takes what fits in rustls's bounded buffer.
    pub fn send(&self, sock: &Socket, buf: &[u8]) -> Result<usize> {
        self.ensure_secure(sock, Dir::Write)?;
        let deadline = sock.deadline(Dir::Write);
        let mut taken = 0usize;
        loop {
            let mut g = self.lock();
            if let Some(e) = Self::failed(&g.phase) {
                return Err(e);
            }
            if g.close_sent {
                return Err(Error::wsa(
                    wsa::WSAESHUTDOWN,
                    "send: the socket has been shut down for sending",
                ));
            }
            let sess = g
                .sess
                .as_mut()
                .ok_or_else(|| Error::new(Kind::Internal, "TLS session missing"))?;
            if taken < buf.len() {
                let n = sess
                    .conn
                    .writer()
                    .write(&buf[taken..])
                    .map_err(|e| Error::from_io(&e, "send"))?;
                taken += n;
            }
            let pending = Self::flush_nb(sock, sess)?;
            drop(g);
            if taken == buf.len() && !pending {
                return Ok(taken);
            }
            if sock.is_nonblocking() {
                // What was taken stays queued in rustls and is flushed by later calls.
                return if taken > 0 {
                    Ok(taken)
                } else {
                    Err(Error::would_block("send"))
                };
            }
            if let Err(e) = sock.wait(Dir::Write, deadline, "send") {
                return if taken > 0 { Ok(taken) } else { Err(e) };
            }
        }
    }

    /// Decrypted bytes waiting (peeked plus rustls's buffer), without touching the kernel.
    pub fn buffered_plaintext(&self) -> usize {
        let mut g = self.lock();
        let peeked = g.peeked.len();
        let more = match g.sess.as_mut() {
            Some(s) => s
                .process()
                .map(|st| st.plaintext_bytes_to_read())
                .unwrap_or(0),
            None => 0,
        };
        peeked + more
    }

    /// What the TLS layer needs from the descriptor before the application's interest can be
    /// served: (`read`, `write`). Used by `select`/`WSAPoll`.
    pub fn wants(&self) -> (bool, bool) {
        let g = self.lock();
        match (&g.phase, g.sess.as_ref()) {
            (Phase::Handshaking, Some(s)) => (s.conn.wants_read(), s.conn.wants_write()),
            (Phase::Secure, Some(s)) => (false, s.conn.wants_write()),
            _ => (false, false),
        }
    }

    /// For `select`: pulls what the kernel has into rustls without waiting and says whether a
    /// `recv` would now return at once (plaintext waiting, the peer closed, or an error).
    pub fn pump_read(&self, sock: &Socket) -> bool {
        let mut g = self.lock();
        if !g.peeked.is_empty() || matches!(g.phase, Phase::Failed(..)) {
            return true;
        }
        let inner = &mut *g;
        let Some(sess) = inner.sess.as_mut() else {
            return false;
        };
        loop {
            match sess.process() {
                Ok(st) if st.plaintext_bytes_to_read() > 0 || st.peer_has_closed() => return true,
                Ok(_) => {}
                Err(_) => return true,
            }
            match sess.conn.read_tls(&mut Fd(sock)) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if would_block(&e) => return false,
                Err(_) => return true,
            }
        }
    }

    /// Pushes queued TLS output (non-blocking); used by select/poll and close.
    pub fn flush(&self, sock: &Socket) -> Result<bool> {
        let mut g = self.lock();
        match g.sess.as_mut() {
            Some(s) => Self::flush_nb(sock, s),
            None => Ok(false),
        }
    }

    /// Queues and sends `close_notify` (`shutdown(SD_SEND)`, `closesocket`). Waits at most
    /// `wait` for the kernel to take it.
    pub fn close_notify(&self, sock: &Socket, wait: Option<Instant>) -> Result<()> {
        {
            let mut g = self.lock();
            if g.phase != Phase::Secure || g.close_sent {
                return Ok(());
            }
            g.close_sent = true;
            if let Some(s) = g.sess.as_mut() {
                s.conn.send_close_notify();
            }
        }
        loop {
            if !self.flush(sock)? {
                return Ok(());
            }
            match wait {
                Some(d) => sock.wait(Dir::Write, Some(d), "close_notify")?,
                None => return Ok(()),
            }
        }
    }

    /// Runs `f` on the established session (connection info, peer certificates, ALPN...).
    pub fn with_session<T>(&self, f: impl FnOnce(&Session) -> T) -> Option<T> {
        let g = self.lock();
        g.sess.as_ref().map(f)
    }

    pub fn conn_info(&self) -> Option<ConnInfo> {
        let g = self.lock();
        if g.phase != Phase::Secure {
            return None;
        }
        g.sess
            .as_ref()
            .and_then(|s| crate::tls::info::conn_info(&s.conn))
    }

    /// The peer sent `close_notify`.
    pub fn peer_closed(&self) -> bool {
        self.lock().peer_closed
    }
}
