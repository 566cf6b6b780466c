//! Readiness for `select` and `WSAPoll`, TLS-aware.
//!
//! A secure socket is readable when `recv` would return at once: decrypted bytes wait in
//! wstls (even if the kernel socket is empty), the peer closed, or the connection failed.
//! Kernel bytes that hold no application data (a partial record, a session ticket) do not make
//! it readable. A socket whose handshake is in progress is advanced here, and polled for what
//! the handshake needs (not for what the application asked), so a non-blocking program that
//! waits in `select` never spins; it becomes readable/writable once the handshake is done, or
//! ready in every requested set when it failed (the next call reports the error).
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::net::hooks;
use crate::net::socket::{Conn, Socket};
use crate::net::tlsio::Phase;

/// What the application asks about one socket.
#[derive(Clone, Copy, Default, Debug)]
pub struct Interest {
    pub read: bool,
    pub write: bool,
    pub except: bool,
}

/// What is ready.
#[derive(Default, Clone, Copy, Debug)]
pub struct Ready {
    pub read: bool,
    pub write: bool,
    pub except: bool,
    pub hup: bool,
    pub err: bool,
}

impl Ready {
    pub fn any(&self) -> bool {
        self.read || self.write || self.except
    }
}

enum TlsSel {
    Plain,
    /// Handshake in progress: poll for what it needs (`None`: another thread drives it).
    Handshaking(Option<(bool, bool)>),
    Secure,
    Failed,
}

fn tls_prepare(s: &Socket) -> TlsSel {
    if !s.tls.is_active() {
        if hooks::before_io(s).is_err() {
            return TlsSel::Failed;
        }
        if !s.tls.is_active() {
            return TlsSel::Plain;
        }
    }
    match s.tls.phase() {
        Phase::Off => TlsSel::Plain,
        Phase::Secure => TlsSel::Secure,
        Phase::Failed(..) => TlsSel::Failed,
        Phase::Handshaking => match s.tls.handshake_nb(s) {
            Ok(()) => TlsSel::Secure,
            Err(e) if e.is_would_block() => {
                let (r, w) = s.tls.wants();
                TlsSel::Handshaking(if r || w { Some((r, w)) } else { None })
            }
            Err(_) => TlsSel::Failed,
        },
    }
}

/// Waits until one of `socks` is ready for what is asked, or `timeout` passes (`None`: for
/// ever). Fails with `WSAEINTR` when one of them is closed meanwhile.
pub fn wait_ready(
    socks: &[(Arc<Socket>, Interest)],
    timeout: Option<Duration>,
) -> Result<Vec<Ready>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let mut out = vec![Ready::default(); socks.len()];
        let mut pfds = Vec::with_capacity(socks.len());
        let mut sels = Vec::with_capacity(socks.len());
        let mut ready_now = false;
        let mut short_wait = false;
        for (i, (s, want)) in socks.iter().enumerate() {
            s.check_open()?;
            let sel = tls_prepare(s);
            let mut events: i16 = 0;
            match &sel {
                TlsSel::Failed => {
                    out[i] = Ready {
                        read: want.read,
                        write: want.write,
                        except: want.except,
                        err: true,
                        hup: false,
                    };
                    ready_now |= want.read || want.write || want.except;
                }
                TlsSel::Handshaking(Some((r, w))) => {
                    if *r {
                        events |= libc::POLLIN;
                    }
                    if *w {
                        events |= libc::POLLOUT;
                    }
                }
                TlsSel::Handshaking(None) => short_wait = true,
                TlsSel::Secure => {
                    let _ = s.tls.flush(s);
                    if want.read {
                        if s.tls.pump_read(s) {
                            out[i].read = true;
                            ready_now = true;
                        }
                        events |= libc::POLLIN;
                    }
                    if want.write {
                        events |= libc::POLLOUT;
                    }
                    if s.tls.wants().1 {
                        events |= libc::POLLOUT;
                    }
                }
                TlsSel::Plain => {
                    if want.read {
                        events |= libc::POLLIN;
                    }
                    let connecting = s.state().conn == Conn::Connecting;
                    if want.write || (want.except && connecting) {
                        events |= libc::POLLOUT;
                    }
                    if want.except {
                        events |= libc::POLLPRI;
                    }
                }
            }
            pfds.push(libc::pollfd {
                fd: s.fd(),
                events,
                revents: 0,
            });
            sels.push(sel);
        }
        let mut ms: i32 = if ready_now {
            0
        } else {
            match deadline {
                None => -1,
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        0
                    } else {
                        (d - now).as_millis().clamp(1, i32::MAX as u128) as i32
                    }
                }
            }
        };
        if short_wait && !(0..=20).contains(&ms) {
            ms = 20;
        }
        let r = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, ms) };
        if r < 0 {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            if errno == libc::EINTR {
                continue;
            }
            return Err(Error::from_errno(errno, "select"));
        }
        for (i, (s, want)) in socks.iter().enumerate() {
            s.check_open()?;
            let re = pfds[i].revents;
            if re & libc::POLLHUP != 0 {
                out[i].hup = true;
            }
            match sels[i] {
                TlsSel::Failed | TlsSel::Handshaking(_) => {}
                TlsSel::Secure => {
                    if want.read
                        && !out[i].read
                        && re & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0
                        && s.tls.pump_read(s)
                    {
                        out[i].read = true;
                    }
                    if re & libc::POLLOUT != 0 {
                        let _ = s.tls.flush(s);
                        if want.write {
                            out[i].write = true;
                        }
                    }
                    if re & libc::POLLERR != 0 {
                        out[i].err = true;
                    }
                }
                TlsSel::Plain => {
                    let connecting = s.state().conn == Conn::Connecting;
                    if connecting && re & (libc::POLLOUT | libc::POLLERR | libc::POLLHUP) != 0 {
                        let _ = s.finish_connect();
                    }
                    let conn = s.state().conn;
                    if want.read && re & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0 {
                        out[i].read = true;
                    }
                    if want.write
                        && re & libc::POLLOUT != 0
                        && conn != Conn::Failed
                        && conn != Conn::Connecting
                    {
                        // A secure socket whose TCP connect just finished is not writable
                        // until its handshake is done: go round again.
                        if !(s.state().tls.is_some() && hooks::wants_tls_start(s)) {
                            out[i].write = true;
                        }
                    }
                    if want.except
                        && ((connecting && conn == Conn::Failed) || re & libc::POLLPRI != 0)
                    {
                        out[i].except = true;
                    }
                    if conn == Conn::Failed {
                        out[i].err = true;
                    }
                }
            }
        }
        if out.iter().any(Ready::any) {
            return Ok(out);
        }
        if let Some(d) = deadline {
            if Instant::now() >= d {
                return Ok(out);
            }
        }
    }
}
