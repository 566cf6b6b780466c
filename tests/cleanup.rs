//! `WSACleanup` with sockets still open (issue "reliability and security"). In its own test
//! binary: the last `WSACleanup` closes every socket of the process.
//!
//! Expected, as on Windows: a nested `WSAStartup` keeps sockets open until the matching last
//! `WSACleanup`; the last one closes them all (a secure socket sends `close_notify` first),
//! wakes threads blocked on them, and frees their descriptors; calls on the old handles then
//! fail with `WSANOTINITIALISED`, and after a new `WSAStartup` with `WSAENOTSOCK`.
mod common;
mod peer;

use std::io::Read;
use std::thread;
use std::time::Duration;

use common::*;
use wstls::ffi::winsock::*;
use wstls::win::winsock::*;
use wstls::win::wsa;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn start() {
    let mut d: WSADATA = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { wstls_WSAStartup(0x0202, &mut d) }, 0);
}

#[test]
fn cleanup_with_sockets_open() {
    // common's startup (done once per process): the one reference that the last cleanup ends.
    startup();
    let p = trusted_pki();
    // Warm the library up (roots, configs) so the descriptor baseline is stable.
    {
        let (l, port) = listener(|_| {});
        let c = tcp();
        assert_eq!(connect(c, port), 0);
        let a = accept(l);
        for s in [a, c, l] {
            close(s);
        }
    }
    let fds0 = open_fds();

    // A secure client connected to a rustls server that then waits for our close.
    let id = peer::ident_from_files(&p.server_cert, &p.server_key);
    let (tx, rx) = std::sync::mpsc::channel();
    let h = peer::serve(move |mut s| {
        let mut conn = peer::handshake(&mut s, peer::server_config(peer::Ver::Tls13, &id)).unwrap();
        // Read until the client goes away: a clean end is close_notify, not a bare FIN.
        let mut b = [0u8; 64];
        let end = loop {
            match conn.reader().read(&mut b) {
                Ok(0) => break "close_notify",
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    break if e.kind() == std::io::ErrorKind::UnexpectedEof {
                        "eof"
                    } else {
                        "error"
                    }
                }
            }
            match conn.read_tls(&mut s) {
                Ok(0) => {
                    let _ = conn.process_new_packets();
                    match conn.reader().read(&mut b) {
                        Ok(0) => break "close_notify",
                        _ => break "eof",
                    }
                }
                Ok(_) => {
                    if conn.process_new_packets().is_err() {
                        break "error";
                    }
                }
                Err(_) => break "error",
            }
        };
        tx.send(end).unwrap();
    });
    let tls = tcp();
    set_secure(tls);
    set_peer_name(tls, "localhost");
    assert_eq!(connect(tls, h.port), 0, "{:?}", last_error());

    // A plain listener with a thread blocked in accept, and a plain pair with a blocked recv.
    let (l, port) = listener(|_| {});
    let c = tcp();
    assert_eq!(connect(c, port), 0);
    let a = accept(l);
    assert_ne!(a, wsa::INVALID_SOCKET);
    let blocked_accept = thread::spawn(move || (accept(l), wstls_WSAGetLastError()));
    let blocked_recv = thread::spawn(move || {
        let mut b = [0u8; 8];
        (recv_some(c, &mut b), wstls_WSAGetLastError())
    });
    let blocked_tls_recv = thread::spawn(move || {
        let mut b = [0u8; 8];
        (recv_some(tls, &mut b), wstls_WSAGetLastError())
    });
    let unused = tcp();
    thread::sleep(Duration::from_millis(100));

    // Nested startup: the first cleanup is not the last and closes nothing.
    start();
    assert_eq!(wstls_WSACleanup(), 0);
    assert_eq!(send_all(a, b"x"), 1, "{:?}", last_error());
    let mut one = [0u8; 1];
    // (the blocked recv on c may have taken it; either way c is still open)
    let mut v = 0u32;
    assert_eq!(
        unsafe { wstls_ioctlsocket(c, wsa::FIONREAD as i32, &mut v) },
        0
    );

    // The last cleanup closes everything and wakes the blocked threads.
    assert_eq!(wstls_WSACleanup(), 0);
    let (r, code) = blocked_accept.join().unwrap();
    assert_eq!(r, wsa::INVALID_SOCKET);
    assert!(
        code == wsa::WSAEINTR || code == wsa::WSAENOTSOCK,
        "accept: {code}"
    );
    let (r, code) = blocked_recv.join().unwrap();
    assert!(
        r == 1 || (r == -1 && (code == wsa::WSAEINTR || code == wsa::WSAENOTSOCK)),
        "recv: {r} {code}"
    );
    let (r, code) = blocked_tls_recv.join().unwrap();
    assert_eq!(r, -1);
    // Interrupted by the close, or (if the server, on our close_notify, hung up before the
    // close woke the thread) told that the server left without close_notify.
    assert!(
        code == wsa::WSAEINTR || code == wsa::WSAENOTSOCK || code == wsa::WSAECONNRESET,
        "TLS recv: {code}"
    );
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(20)).unwrap(),
        "close_notify",
        "the secure socket closed by WSACleanup sends close_notify"
    );
    h.join();

    // Old handles: WSANOTINITIALISED now, WSAENOTSOCK after a new startup.
    for s in [a, c, l, tls, unused] {
        assert_eq!(recv_some(s, &mut one), -1);
        assert_eq!(wstls_WSAGetLastError(), wsa::WSANOTINITIALISED);
    }
    assert_eq!(open_fds(), fds0, "WSACleanup must free every descriptor");
    start();
    for s in [a, c, l, tls, unused] {
        assert_eq!(wstls_closesocket(s), -1);
        assert_eq!(wstls_WSAGetLastError(), wsa::WSAENOTSOCK);
    }
    // And the library works again.
    let (l, port) = listener(|_| {});
    let c = tcp();
    assert_eq!(connect(c, port), 0);
    let a = accept(l);
    assert_eq!(send_all(c, b"again"), 5);
    assert_eq!(recv_exact(a, 5), b"again");
    for s in [a, c, l] {
        close(s);
    }
    assert_eq!(wstls_WSACleanup(), 0);
    assert_eq!(open_fds(), fds0);
}
