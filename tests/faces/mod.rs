//! The three secure faces as a client program uses them, behind one small interface, so that
//! the reliability tests (hostile peers, certificate checks) run on every face:
//! - CE secure sockets: `setsockopt(SO_SECURE)`, `SO_SSL_SET_PEERNAME`, `connect` handshakes;
//! - the Winsock Secure Socket Extensions: `WSASetSocketSecurity`,
//!   `WSASetSocketPeerTargetName`, `connect` handshakes;
//! - SSPI/Schannel: `AcquireCredentialsHandle`, an `InitializeSecurityContext` loop,
//!   `EncryptMessage`/`DecryptMessage`, the program doing the socket I/O itself (here a std
//!   `TcpStream` with a read timeout, as a Windows program sets `SO_RCVTIMEO`).
//!
//! Each failure is classified (`End`) with the face's own code and message.
#![allow(dead_code, clippy::missing_safety_doc)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::*;
use crate::sspi_common as sc;
use wstls::ffi::winsock::*;
use wstls::win::sspi::*;
use wstls::win::winsock::SOCKET;
use wstls::win::wsa;

/// How a failed call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The peer broke the protocol or the certificate was refused: WSAECONNABORTED on the
    /// socket faces, a `SEC_E_*` failure from SSPI.
    Aborted,
    /// The peer closed TCP without close_notify: WSAECONNRESET (SSPI: EOF before
    /// `SEC_I_CONTEXT_EXPIRED`).
    Reset,
    /// The peer went quiet: WSAETIMEDOUT after SO_RCVTIMEO (SSPI: the program's read timeout).
    TimedOut,
}

#[derive(Debug)]
pub struct Failure {
    pub end: End,
    /// `WSAE*` code, or the `SEC_E_*` status for SSPI.
    pub code: i32,
    pub message: String,
}

fn wsa_failure() -> Failure {
    let (code, message) = last_error();
    let end = match code {
        wsa::WSAECONNABORTED => End::Aborted,
        wsa::WSAECONNRESET => End::Reset,
        wsa::WSAETIMEDOUT => End::TimedOut,
        other => panic!("unexpected Winsock error {other}: {message}"),
    };
    assert!(!message.is_empty(), "error {code} without a message");
    Failure { end, code, message }
}

fn sec_failure(status: i32) -> Failure {
    let message = sc::last_message();
    assert!(status < 0, "not a failure: {status:#x} {message}");
    assert!(
        !message.is_empty(),
        "SSPI status {status:#x} without a message"
    );
    Failure {
        end: End::Aborted,
        code: status,
        message,
    }
}

fn io_failure(e: &std::io::Error, what: &str) -> Failure {
    let end = match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => End::TimedOut,
        _ => End::Reset,
    };
    Failure {
        end,
        code: 0,
        message: format!("{what}: {e}"),
    }
}

/// A secure client connection through one face.
pub trait Conn {
    fn recv(&mut self, buf: &mut [u8]) -> Result<usize, Failure>;
    fn send(&mut self, data: &[u8]) -> Result<usize, Failure>;
}

/// A face: how a client of that API connects and handshakes, with a read time limit.
pub struct Face {
    pub name: &'static str,
    pub connect: fn(u16, u32) -> Result<Box<dyn Conn>, Failure>,
}

pub const FACES: &[Face] = &[
    Face {
        name: "CE SO_SECURE",
        connect: ce_connect,
    },
    Face {
        name: "secure socket extensions",
        connect: secsock_connect,
    },
    Face {
        name: "SSPI/Schannel",
        connect: sspi_connect,
    },
];

pub fn for_each_face(f: impl Fn(&Face)) {
    for face in FACES {
        eprintln!("face: {}", face.name);
        f(face);
    }
}

// ---- the two socket faces ------------------------------------------------------------------

/// A wstls socket whose handshake `connect` ran.
struct SockConn(SOCKET);

impl Drop for SockConn {
    fn drop(&mut self) {
        let _ = wstls_closesocket(self.0);
    }
}

impl Conn for SockConn {
    fn recv(&mut self, buf: &mut [u8]) -> Result<usize, Failure> {
        match recv_some(self.0, buf) {
            n if n >= 0 => Ok(n as usize),
            _ => Err(wsa_failure()),
        }
    }
    fn send(&mut self, data: &[u8]) -> Result<usize, Failure> {
        match send_all(self.0, data) {
            n if n >= 0 => Ok(n as usize),
            _ => Err(wsa_failure()),
        }
    }
}

fn sock_connect(s: SOCKET, port: u16, timeout_ms: u32) -> Result<Box<dyn Conn>, Failure> {
    set_rcvtimeo(s, timeout_ms);
    let c = SockConn(s);
    if connect(s, port) != 0 {
        return Err(wsa_failure());
    }
    Ok(Box::new(c))
}

fn ce_connect(port: u16, timeout_ms: u32) -> Result<Box<dyn Conn>, Failure> {
    trusted_pki();
    let s = tcp();
    set_secure(s);
    let name = b"localhost\0";
    let (r, _) = ioctl(s, wstls::win::sslsock::SO_SSL_SET_PEERNAME, name, &mut []);
    assert_eq!(r, 0, "SO_SSL_SET_PEERNAME: {:?}", last_error());
    sock_connect(s, port, timeout_ms)
}

fn secsock_connect(port: u16, timeout_ms: u32) -> Result<Box<dyn Conn>, Failure> {
    use wstls::ffi::secsock::*;
    use wstls::win::secsock::*;
    trusted_pki();
    let s = tcp();
    let r =
        unsafe { wstls_WSASetSocketSecurity(s, std::ptr::null(), 0, std::ptr::null_mut(), None) };
    assert_eq!(r, 0, "WSASetSocketSecurity: {:?}", last_error());
    // SOCKET_PEER_TARGET_NAME: protocol, peer address, the name in UTF-16 without NUL.
    let units: Vec<u16> = "localhost".encode_utf16().collect();
    let len = PEER_TARGET_NAME_SIZE + units.len() * 2;
    let mut v = vec![0u64; len.div_ceil(8)];
    let b = unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, len) };
    b[PEER_TARGET_NAME_LEN_AT..PEER_TARGET_NAME_LEN_AT + 4]
        .copy_from_slice(&(units.len() as u32).to_ne_bytes());
    for (i, u) in units.iter().enumerate() {
        b[PEER_TARGET_NAME_STRINGS + 2 * i..PEER_TARGET_NAME_STRINGS + 2 * i + 2]
            .copy_from_slice(&u.to_ne_bytes());
    }
    let r = unsafe {
        wstls_WSASetSocketPeerTargetName(
            s,
            v.as_ptr() as *const SOCKET_PEER_TARGET_NAME,
            len as u32,
            std::ptr::null_mut(),
            None,
        )
    };
    assert_eq!(r, 0, "WSASetSocketPeerTargetName: {:?}", last_error());
    sock_connect(s, port, timeout_ms)
}

// ---- SSPI ----------------------------------------------------------------------------------

struct SspiConn {
    sock: TcpStream,
    cred: SecHandle,
    ctx: SecHandle,
    /// Received bytes not decrypted yet.
    enc: Vec<u8>,
    /// Decrypted bytes not returned yet.
    plain: Vec<u8>,
    closed: bool,
}

impl Drop for SspiConn {
    fn drop(&mut self) {
        sc::delete(&mut self.ctx);
        unsafe { wstls::ffi::sspi::wstls_FreeCredentialsHandle(&mut self.cred) };
    }
}

fn read_more(sock: &mut TcpStream, enc: &mut Vec<u8>, what: &str) -> Result<(), Failure> {
    let mut b = [0u8; 16 * 1024];
    match sock.read(&mut b) {
        Ok(0) => Err(Failure {
            end: End::Reset,
            code: 0,
            message: format!("{what}: the peer closed the connection without close_notify"),
        }),
        Ok(n) => {
            enc.extend_from_slice(&b[..n]);
            Ok(())
        }
        Err(e) => Err(io_failure(&e, what)),
    }
}

fn sspi_connect(port: u16, timeout_ms: u32) -> Result<Box<dyn Conn>, Failure> {
    trusted_pki();
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(timeout_ms as u64)))
        .unwrap();
    let mut cred = sc::acquire(SECPKG_CRED_OUTBOUND, sc::Kind::Sch(0), 0, None)
        .unwrap_or_else(|st| panic!("AcquireCredentialsHandle: {st:#x} {}", sc::last_message()));
    let mut ctx = None;
    let free = |cred: &mut SecHandle, ctx: &mut Option<SecHandle>| {
        if let Some(c) = ctx.as_mut() {
            sc::delete(c);
        }
        unsafe { wstls::ffi::sspi::wstls_FreeCredentialsHandle(cred) };
    };
    let s = sc::token_call(
        false,
        &mut cred,
        &mut ctx,
        Some("localhost"),
        sc::CURL_REQ,
        None,
    );
    assert_eq!(s.status, SEC_I_CONTINUE_NEEDED, "{}", sc::last_message());
    sock.write_all(&s.token).unwrap();
    let mut enc = Vec::new();
    let mut need_read = true;
    loop {
        if need_read {
            if let Err(f) = read_more(&mut sock, &mut enc, "InitializeSecurityContext") {
                free(&mut cred, &mut ctx);
                return Err(f);
            }
        }
        let s = sc::token_call(
            false,
            &mut cred,
            &mut ctx,
            Some("localhost"),
            sc::CURL_REQ,
            Some(&enc),
        );
        match s.status {
            SEC_E_INCOMPLETE_MESSAGE => need_read = true,
            SEC_I_CONTINUE_NEEDED | SEC_E_OK => {
                let _ = sock.write_all(&s.token);
                if s.in1.0 == SECBUFFER_EXTRA {
                    let keep = s.in1.1 as usize;
                    enc.drain(..enc.len() - keep);
                    need_read = false;
                } else {
                    enc.clear();
                    need_read = true;
                }
                if s.status == SEC_E_OK {
                    return Ok(Box::new(SspiConn {
                        sock,
                        cred,
                        ctx: ctx.unwrap(),
                        enc,
                        plain: Vec::new(),
                        closed: false,
                    }));
                }
            }
            st => {
                // A failed handshake may leave an alert for the peer.
                let _ = sock.write_all(&s.token);
                let _ = sock.write_all(&s.alert);
                let f = sec_failure(st);
                free(&mut cred, &mut ctx);
                return Err(f);
            }
        }
    }
}

impl Conn for SspiConn {
    fn recv(&mut self, buf: &mut [u8]) -> Result<usize, Failure> {
        loop {
            if !self.plain.is_empty() {
                let n = self.plain.len().min(buf.len());
                buf[..n].copy_from_slice(&self.plain[..n]);
                self.plain.drain(..n);
                return Ok(n);
            }
            if self.closed {
                return Ok(0);
            }
            if !self.enc.is_empty() {
                let d = sc::decrypt(&mut self.ctx, &mut self.enc);
                match d.status {
                    SEC_E_INCOMPLETE_MESSAGE => {}
                    SEC_E_OK | SEC_I_RENEGOTIATE | SEC_I_CONTEXT_EXPIRED => {
                        self.plain.extend_from_slice(&d.data);
                        if d.extra > 0 {
                            let keep = d.extra;
                            self.enc.drain(..self.enc.len() - keep);
                        } else {
                            self.enc.clear();
                        }
                        if d.status == SEC_I_CONTEXT_EXPIRED {
                            self.closed = true;
                        }
                        if d.status == SEC_I_RENEGOTIATE {
                            // Post-handshake message: back to InitializeSecurityContext.
                            let mut c = Some(self.ctx);
                            let s = sc::token_call(
                                false,
                                &mut self.cred,
                                &mut c,
                                Some("localhost"),
                                sc::CURL_REQ,
                                Some(&self.enc),
                            );
                            if s.status < 0 {
                                let _ = self.sock.write_all(&s.alert);
                                return Err(sec_failure(s.status));
                            }
                            let _ = self.sock.write_all(&s.token);
                        }
                        continue;
                    }
                    st => return Err(sec_failure(st)),
                }
            }
            read_more(&mut self.sock, &mut self.enc, "DecryptMessage")?;
        }
    }

    fn send(&mut self, data: &[u8]) -> Result<usize, Failure> {
        let max = sc::stream_sizes(&mut self.ctx).cbMaximumMessage as usize;
        for chunk in data.chunks(max) {
            let rec = sc::encrypt(&mut self.ctx, chunk).map_err(sec_failure)?;
            self.sock
                .write_all(&rec)
                .map_err(|e| io_failure(&e, "send"))?;
        }
        Ok(data.len())
    }
}
