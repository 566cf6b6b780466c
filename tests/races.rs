//! Races (issue "reliability and security"): full-duplex stress on one secure socket,
//! `closesocket` racing blocked `recv`, `send`, `select`, `WSAPoll`, `accept` and a stalled
//! handshake, concurrent `closesocket` of one handle, and 8 threads each opening, handshaking
//! and closing 200 secure sockets against one listener accepted by 8 threads.
//!
//! No timing assertions: sleeps only give the other thread a chance to block; the asserted
//! outcome is the same whether it blocked yet or not.
mod common;
mod peer;

use std::os::raw::c_char;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::*;
use wstls::ffi::winsock::*;
use wstls::win::winsock::*;
use wstls::win::wsa;

fn secure_listener() -> (SOCKET, u16) {
    let p = trusted_pki();
    listener(|s| {
        set_secure(s);
        set_server_credentials(s, &p.server_cert, &p.server_key);
    })
}

fn secure_client(port: u16) -> SOCKET {
    let c = tcp();
    set_secure(c);
    set_peer_name(c, "localhost");
    assert_eq!(connect(c, port), 0, "connect: {:?}", last_error());
    c
}

/// A connected secure pair: (client, server side).
fn secure_pair() -> (SOCKET, SOCKET) {
    let (l, port) = secure_listener();
    let t = thread::spawn(move || {
        let a = accept(l);
        assert_ne!(a, wsa::INVALID_SOCKET, "accept: {:?}", last_error());
        close(l);
        a
    });
    let c = secure_client(port);
    (c, t.join().unwrap())
}

/// The tests of this file run one at a time: the descriptor counts must not see another
/// test's sockets.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// What a call interrupted by `closesocket` may report.
fn interrupted(code: i32) -> bool {
    code == wsa::WSAEINTR || code == wsa::WSAENOTSOCK
}

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// Both ends send and receive at the same time with odd-sized writes and reads (1 byte to
/// 40 KiB): every byte arrives, in order, on both sides.
#[test]
fn full_duplex_odd_sizes_both_ways() {
    let _serial = serial();
    const N: usize = 8 << 20;
    let (c, a) = secure_pair();
    let pattern = |seed: u64| -> Vec<u8> {
        let mut x = seed;
        (0..N).map(|_| xorshift(&mut x) as u8).collect()
    };
    let run = |s: SOCKET, tx_seed: u64, rx_seed: u64| {
        let tx = thread::spawn(move || {
            let data = pattern(tx_seed);
            let mut sizes = tx_seed;
            let mut off = 0;
            while off < N {
                let n = ((xorshift(&mut sizes) % 40_960) as usize + 1).min(N - off);
                let r = send_all(s, &data[off..off + n]);
                assert_eq!(r, n as i32, "send: {:?}", last_error());
                off += n;
            }
        });
        let rx = thread::spawn(move || {
            let want = pattern(rx_seed);
            let mut got = Vec::with_capacity(N);
            let mut sizes = rx_seed ^ 0xABCDEF;
            let mut buf = vec![0u8; 40_960];
            while got.len() < N {
                let n = (xorshift(&mut sizes) % 40_960) as usize + 1;
                let r = recv_some(s, &mut buf[..n]);
                assert!(r > 0, "recv: {r} {:?}", last_error());
                got.extend_from_slice(&buf[..r as usize]);
            }
            assert!(got == want, "the received stream differs from the sent one");
        });
        (tx, rx)
    };
    let (t1, r1) = run(c, 1, 2);
    let (t2, r2) = run(a, 2, 1);
    for t in [t1, r1, t2, r2] {
        t.join().unwrap();
    }
    close(c);
    close(a);
}

/// Runs `blocked` on another thread, closes `victim` meanwhile, and returns what `blocked`
/// returned with its last error.
fn close_while_blocked(
    victim: SOCKET,
    blocked: impl FnOnce() -> i64 + Send + 'static,
) -> (i64, i32, String) {
    let t = thread::spawn(move || {
        let r = blocked();
        let (code, msg) = last_error();
        (r, code, msg)
    });
    thread::sleep(Duration::from_millis(100));
    close(victim);
    t.join().unwrap()
}

#[test]
fn closesocket_races_blocked_recv() {
    let _serial = serial();
    for _ in 0..20 {
        let (c, a) = secure_pair();
        let (r, code, msg) = close_while_blocked(c, move || {
            let mut b = [0u8; 16];
            recv_some(c, &mut b) as i64
        });
        assert_eq!(r, -1);
        assert!(interrupted(code), "{code} {msg}");
        // The peer sees our close_notify: a clean end, not a reset.
        let mut b = [0u8; 16];
        assert_eq!(recv_some(a, &mut b), 0, "{:?}", last_error());
        close(a);
    }
}

#[test]
fn closesocket_races_blocked_send() {
    let _serial = serial();
    let (c, a) = secure_pair();
    // The server never reads: the sender blocks once the buffers are full.
    let (r, code, msg) = close_while_blocked(c, move || {
        let big = vec![7u8; 64 << 20];
        send_all(c, &big) as i64
    });
    // Either the bytes taken before the close (a count short of everything), or an error.
    if r == -1 {
        assert!(interrupted(code), "{code} {msg}");
    } else {
        assert!(r > 0 && r < 64 << 20, "send returned {r}");
    }
    close(a);
}

fn fd_set_of(handles: &[SOCKET]) -> Vec<usize> {
    let mut v = vec![0usize; 1 + 64];
    v[0] = handles.len();
    v[1..1 + handles.len()].copy_from_slice(handles);
    v
}

#[test]
fn closesocket_races_blocked_select() {
    let _serial = serial();
    let (c, a) = secure_pair();
    let (r, code, msg) = close_while_blocked(c, move || {
        let mut set = fd_set_of(&[c]);
        // No timeout: only the close can end it.
        unsafe {
            wstls_select(
                0,
                set.as_mut_ptr() as *mut fd_set,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null(),
            ) as i64
        }
    });
    assert_eq!(r, -1, "select must report the close");
    assert!(interrupted(code), "{code} {msg}");
    close(a);
}

#[test]
fn closesocket_races_blocked_wsapoll() {
    let _serial = serial();
    let (c, a) = secure_pair();
    let (r, code, msg) = close_while_blocked(c, move || {
        let mut p = [WSAPOLLFD {
            fd: c,
            events: wsa::POLLRDNORM,
            revents: 0,
        }];
        unsafe { wstls_WSAPoll(p.as_mut_ptr(), 1, -1) as i64 }
    });
    assert_eq!(r, -1);
    assert!(interrupted(code), "{code} {msg}");
    close(a);
}

#[test]
fn closesocket_races_blocked_accept() {
    let _serial = serial();
    for secure in [false, true] {
        let (l, _port) = if secure {
            secure_listener()
        } else {
            listener(|_| {})
        };
        let (r, code, msg) = close_while_blocked(l, move || accept(l) as i64);
        assert_eq!(r as usize, wsa::INVALID_SOCKET);
        assert!(interrupted(code), "{code} {msg}");
    }
}

#[test]
fn closesocket_races_a_stalled_handshake() {
    let _serial = serial();
    // A server that accepts TCP and never answers the ClientHello. No SO_RCVTIMEO: only the
    // close (not the 30-second handshake limit) can end the connect.
    let h = peer::serve(peer::stall);
    let c = tcp();
    set_secure(c);
    set_peer_name(c, "localhost");
    let port = h.port;
    let (r, code, msg) = close_while_blocked(c, move || connect(c, port) as i64);
    assert_eq!(r, -1);
    assert!(
        interrupted(code),
        "the close must end the handshake: {code} {msg}"
    );
    h.join();
}

#[test]
fn two_threads_close_one_handle() {
    let _serial = serial();
    for _ in 0..50 {
        let s = tcp();
        let t1 = thread::spawn(move || wstls_closesocket(s));
        let t2 = thread::spawn(move || (wstls_closesocket(s), wstls_WSAGetLastError()));
        let r1 = t1.join().unwrap();
        let (r2, e2) = t2.join().unwrap();
        // Exactly one succeeds; the other gets WSAENOTSOCK.
        assert_eq!((r1 == 0) as u32 + (r2 == 0) as u32, 1, "{r1} {r2}");
        if r2 != 0 {
            assert_eq!(e2, wsa::WSAENOTSOCK);
        }
    }
}

#[test]
fn recv_and_send_while_another_thread_closes_repeatedly() {
    let _serial = serial();
    // Many short races: a reader and a writer work the socket while it is closed under them.
    // Whatever happens first, nothing crashes, every call returns, and each code is one the
    // documentation allows.
    let allowed = [
        wsa::WSAEINTR,
        wsa::WSAENOTSOCK,
        wsa::WSAECONNRESET,
        wsa::WSAECONNABORTED,
        wsa::WSAESHUTDOWN,
    ];
    for i in 0..30 {
        let (c, a) = secure_pair();
        let reader = thread::spawn(move || {
            let mut b = [0u8; 256];
            loop {
                let r = recv_some(c, &mut b);
                if r <= 0 {
                    return (r, wstls_WSAGetLastError());
                }
            }
        });
        let writer = thread::spawn(move || loop {
            let r = send_all(c, &[1u8; 1000]);
            if r < 0 {
                return (r, wstls_WSAGetLastError());
            }
        });
        let echo = thread::spawn(move || {
            let mut b = [0u8; 4096];
            loop {
                let r = recv_some(a, &mut b);
                if r <= 0 || send_all(a, &b[..r as usize]) < 0 {
                    break;
                }
            }
            close(a);
        });
        thread::sleep(Duration::from_millis(1 + i % 7));
        close(c);
        let (rr, re) = reader.join().unwrap();
        let (wr, we) = writer.join().unwrap();
        assert!(rr == 0 || allowed.contains(&re), "recv {rr} {re}");
        assert!(allowed.contains(&we), "send {wr} {we}");
        echo.join().unwrap();
    }
}

/// 8 client threads each open, handshake, exchange and close 200 secure sockets; 8 server
/// threads accept on one listener. Every exchange succeeds and descriptors return.
#[test]
fn eight_threads_two_hundred_handshakes_each() {
    let _serial = serial();
    const THREADS: usize = 8;
    const EACH: usize = 200;
    let (l, port) = secure_listener();
    // Warm up (roots, configs, the session cache) before counting descriptors.
    {
        let t = thread::spawn(move || {
            let a = accept(l);
            assert_ne!(a, wsa::INVALID_SOCKET);
            close(a);
        });
        let c = secure_client(port);
        close(c);
        t.join().unwrap();
    }
    let fds_before = open_fds();
    let served = Arc::new(AtomicUsize::new(0));
    let servers: Vec<_> = (0..THREADS)
        .map(|_| {
            let served = served.clone();
            thread::spawn(move || loop {
                let a = accept(l);
                if a == wsa::INVALID_SOCKET {
                    let (code, msg) = last_error();
                    assert!(interrupted(code), "accept: {code} {msg}");
                    return;
                }
                let mut b = [0u8; 16];
                let r =
                    unsafe { wstls_recv(a, b.as_mut_ptr() as *mut c_char, 16, wsa::MSG_WAITALL) };
                assert_eq!(r, 16, "server recv: {:?}", last_error());
                assert_eq!(send_all(a, &b), 16);
                close(a);
                served.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    let clients: Vec<_> = (0..THREADS)
        .map(|t| {
            thread::spawn(move || {
                for i in 0..EACH {
                    let c = secure_client(port);
                    let msg = format!("t{t:02}-i{i:04}-abcdef");
                    let msg = &msg.as_bytes()[..16];
                    assert_eq!(send_all(c, msg), 16);
                    assert_eq!(recv_exact(c, 16), msg);
                    close(c);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    while served.load(Ordering::Relaxed) < THREADS * EACH {
        thread::sleep(Duration::from_millis(10));
    }
    // Close the listener under the 8 blocked accepts.
    close(l);
    for s in servers {
        s.join().unwrap();
    }
    assert_eq!(served.load(Ordering::Relaxed), THREADS * EACH);
    // Sockets closed by every thread: descriptors are back (the listener's is gone too).
    let fds_after = open_fds();
    assert!(
        fds_after < fds_before,
        "descriptors leaked: {fds_before} before, {fds_after} after"
    );
}
