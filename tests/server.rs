//! Secure servers, client certificates, non-blocking handshakes, TLS-aware select/poll, full
//! duplex, resumption, ALPN and handshake time limits (issue "secure servers").
mod common;

use std::os::raw::c_char;
use std::thread;

use common::*;
use wstls::ffi::winsock::*;
use wstls::win::ext::*;
use wstls::win::winsock::*;
use wstls::win::wsa;

/// A secure listener with the trusted PKI's server identity.
fn secure_listener(extra: impl FnOnce(SOCKET)) -> (SOCKET, u16) {
    let p = trusted_pki();
    listener(|s| {
        set_secure(s);
        set_server_credentials(s, &p.server_cert, &p.server_key);
        extra(s);
    })
}

fn secure_client(port: u16) -> SOCKET {
    secure_client_with_alpn(port, b"")
}

/// A secure client offering the ALPN list `wire` (none if empty): a test that offers a list of
/// its own gets a client config, and so a session store, that no other test shares.
fn secure_client_with_alpn(port: u16, wire: &[u8]) -> SOCKET {
    let c = tcp();
    set_secure(c);
    set_peer_name(c, "localhost");
    if !wire.is_empty() {
        assert_eq!(ioctl(c, WSTLS_SO_SET_ALPN, wire, &mut []).0, 0);
    }
    assert_eq!(connect(c, port), 0, "connect: {:?}", last_error());
    c
}

/// `accept` that must succeed.
fn accept_ok(l: SOCKET) -> SOCKET {
    let a = accept(l);
    assert_ne!(a, wsa::INVALID_SOCKET, "accept: {:?}", last_error());
    a
}

fn session_info(s: SOCKET) -> WSTLS_SESSION_INFO {
    let mut out = [0u8; std::mem::size_of::<WSTLS_SESSION_INFO>()];
    let (r, n) = ioctl(s, WSTLS_SO_GET_SESSION_INFO, &[], &mut out);
    assert_eq!(r, 0, "{:?}", last_error());
    assert_eq!(n as usize, out.len());
    unsafe { std::ptr::read_unaligned(out.as_ptr() as *const WSTLS_SESSION_INFO) }
}

fn verify_result(s: SOCKET) -> WSTLS_VERIFY_RESULT {
    let mut out = [0u8; std::mem::size_of::<WSTLS_VERIFY_RESULT>()];
    let (r, _) = ioctl(s, WSTLS_SO_GET_VERIFY_RESULT, &[], &mut out);
    assert_eq!(r, 0, "{:?}", last_error());
    unsafe { std::ptr::read_unaligned(out.as_ptr() as *const WSTLS_VERIFY_RESULT) }
}

#[test]
fn wstls_client_and_server_in_threads() {
    let (l, port) = secure_listener(|_| {});
    let srv = thread::spawn(move || {
        let a = accept(l);
        assert_ne!(a, wsa::INVALID_SOCKET, "accept: {:?}", last_error());
        let got = recv_exact(a, 5);
        assert_eq!(&got, b"hello");
        assert_eq!(send_all(a, b"world!"), 6);
        let info = session_info(a);
        assert_eq!(info.protocol, wstls::win::sslsock::SP_PROT_TLS1_3_SERVER);
        close(a);
        close(l);
    });
    let c = secure_client(port);
    assert_eq!(send_all(c, b"hello"), 5);
    assert_eq!(recv_exact(c, 6), b"world!");
    // The server closes with close_notify: a clean end.
    let mut b = [0u8; 8];
    assert_eq!(recv_some(c, &mut b), 0, "{:?}", last_error());
    let v = verify_result(c);
    assert_eq!(
        (
            v.has_peer_certificate,
            v.chain_trusted,
            v.name_matched,
            v.accepted
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(v.chain_length, 2);
    close(c);
    srv.join().unwrap();
}

/// Runs one handshake with the given verify mode and client certificate; returns the server's
/// and the client's outcome (`Ok(has client cert)` / error code).
fn verify_case(mode: u32, client_cert: bool) -> (Result<u32, i32>, Result<(), i32>) {
    let p = trusted_pki();
    let (l, port) = secure_listener(|s| {
        assert_eq!(
            set_u32_ioctl(s, WSTLS_SO_SET_VERIFY_MODE, mode),
            0,
            "{:?}",
            last_error()
        );
    });
    let srv = thread::spawn(move || {
        let a = accept(l);
        let r = if a == wsa::INVALID_SOCKET {
            Err(last_error().0)
        } else {
            let v = verify_result(a);
            let _ = send_all(a, b"x");
            close(a);
            Ok(v.has_peer_certificate)
        };
        close(l);
        r
    });
    let c = tcp();
    set_secure(c);
    set_peer_name(c, "localhost");
    if client_cert {
        set_client_credentials(c, &p.client_cert, &p.client_key);
    } else {
        wstls::net::secure::set_default_client_identity(None);
    }
    let mut cr = if connect(c, port) == 0 {
        Ok(())
    } else {
        Err(last_error().0)
    };
    if cr.is_ok() {
        // TLS 1.3: the client learns of a rejected certificate on its first read.
        let mut b = [0u8; 1];
        if recv_some(c, &mut b) != 1 {
            cr = Err(last_error().0);
        }
    }
    close(c);
    (srv.join().unwrap(), cr)
}

#[test]
fn verify_mode_none_asks_for_nothing() {
    let (s, c) = verify_case(WSTLS_VERIFY_NONE, true);
    assert_eq!(s, Ok(0));
    assert_eq!(c, Ok(()));
}

#[test]
fn verify_mode_peer_without_certificate_is_accepted() {
    let (s, c) = verify_case(WSTLS_VERIFY_PEER, false);
    assert_eq!(s, Ok(0));
    assert_eq!(c, Ok(()));
}

#[test]
fn verify_mode_peer_with_certificate_verifies_it() {
    let (s, c) = verify_case(WSTLS_VERIFY_PEER, true);
    assert_eq!(s, Ok(1));
    assert_eq!(c, Ok(()));
}

#[test]
fn verify_mode_require_without_certificate_fails() {
    let (s, c) = verify_case(WSTLS_VERIFY_PEER | WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT, false);
    assert!(
        s.is_err(),
        "server must refuse a client without certificate"
    );
    assert!(c.is_err(), "client must see the refusal");
}

#[test]
fn verify_mode_require_with_certificate_works() {
    let (s, c) = verify_case(WSTLS_VERIFY_PEER | WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT, true);
    assert_eq!(s, Ok(1));
    assert_eq!(c, Ok(()));
}

#[test]
fn ssl_flag_auth_client_requests_a_certificate() {
    let p = trusted_pki();
    let (l, port) = secure_listener(|s| {
        set_ce_flags(s, wstls::win::sslsock::SSL_FLAG_AUTH_CLIENT);
    });
    let srv = thread::spawn(move || {
        let a = accept(l);
        assert_ne!(a, wsa::INVALID_SOCKET, "{:?}", last_error());
        let v = verify_result(a);
        close(a);
        close(l);
        v.has_peer_certificate
    });
    let c = tcp();
    set_secure(c);
    set_peer_name(c, "localhost");
    set_client_credentials(c, &p.client_cert, &p.client_key);
    assert_eq!(connect(c, port), 0, "{:?}", last_error());
    assert_eq!(srv.join().unwrap(), 1);
    close(c);
}

fn fd_set_of(handles: &[SOCKET]) -> Vec<usize> {
    let mut v = vec![0usize; 1 + 64];
    v[0] = handles.len();
    v[1..1 + handles.len()].copy_from_slice(handles);
    v
}

fn select1(read: &[SOCKET], write: &[SOCKET], ms: i32) -> (i32, Vec<usize>, Vec<usize>) {
    let mut r = fd_set_of(read);
    let mut w = fd_set_of(write);
    let tv = timeval {
        tv_sec: ms / 1000,
        tv_usec: (ms % 1000) * 1000,
    };
    let n = unsafe {
        wstls_select(
            0,
            if read.is_empty() {
                std::ptr::null_mut()
            } else {
                r.as_mut_ptr() as *mut fd_set
            },
            if write.is_empty() {
                std::ptr::null_mut()
            } else {
                w.as_mut_ptr() as *mut fd_set
            },
            std::ptr::null_mut(),
            &tv,
        )
    };
    let rr = r[1..1 + r[0] as u32 as usize].to_vec();
    let ww = w[1..1 + w[0] as u32 as usize].to_vec();
    (n, rr, ww)
}

#[test]
fn nonblocking_client_and_server_driven_by_select() {
    let (l, port) = secure_listener(|_| {});
    set_nonblocking(l, true);
    let c = tcp();
    set_secure(c);
    set_peer_name(c, "localhost");
    set_nonblocking(c, true);
    assert_eq!(connect(c, port), -1);
    assert_eq!(last_error().0, wsa::WSAEWOULDBLOCK);
    // Accept once the listener is readable.
    let (n, r, _) = select1(&[l], &[], 5000);
    assert_eq!((n, r.as_slice()), (1, &[l][..]));
    let a = accept(l);
    assert_ne!(a, wsa::INVALID_SOCKET, "{:?}", last_error());
    // Drive both handshakes with select only: writable once secure, never a busy loop.
    let mut c_ready = false;
    let mut a_ready = false;
    let mut rounds = 0;
    while !(c_ready && a_ready) {
        rounds += 1;
        assert!(rounds < 100, "select spun without progress");
        let mut want = vec![];
        if !c_ready {
            want.push(c);
        }
        if !a_ready {
            want.push(a);
        }
        let (n, _, w) = select1(&[], &want, 5000);
        assert!(n > 0, "select timed out: {:?}", last_error());
        c_ready |= w.contains(&c);
        a_ready |= w.contains(&a);
    }
    assert!(rounds <= 10, "took {rounds} select rounds");
    assert_eq!(send_all(c, b"ping"), 4);
    let (n, r, _) = select1(&[a], &[], 5000);
    assert_eq!((n, r.as_slice()), (1, &[a][..]));
    let mut b = [0u8; 16];
    assert_eq!(recv_some(a, &mut b), 4);
    assert_eq!(&b[..4], b"ping");
    // Nothing more: WSAEWOULDBLOCK.
    assert_eq!(recv_some(a, &mut b), -1);
    assert_eq!(last_error().0, wsa::WSAEWOULDBLOCK);
    for s in [a, c, l] {
        close(s);
    }
}

#[test]
fn nonblocking_handshake_driven_by_wsapoll() {
    let (l, port) = secure_listener(|_| {});
    let c = tcp();
    set_secure(c);
    set_peer_name(c, "localhost");
    set_nonblocking(c, true);
    assert_eq!(connect(c, port), -1);
    assert_eq!(last_error().0, wsa::WSAEWOULDBLOCK);
    let srv = thread::spawn(move || {
        let a = accept(l); // blocking accept: handshake inside
        assert_ne!(a, wsa::INVALID_SOCKET, "{:?}", last_error());
        assert_eq!(send_all(a, b"from-server"), 11);
        let got = recv_exact(a, 3);
        close(a);
        close(l);
        got
    });
    // The client handshake advances inside WSAPoll; then data arrives.
    let mut got = Vec::new();
    let mut rounds = 0;
    while got.len() < 11 {
        rounds += 1;
        assert!(rounds < 100, "WSAPoll spun");
        let mut p = [WSAPOLLFD {
            fd: c,
            events: wsa::POLLRDNORM,
            revents: 0,
        }];
        let n = unsafe { wstls_WSAPoll(p.as_mut_ptr(), 1, 5000) };
        assert_eq!(n, 1, "{:?}", last_error());
        assert!(p[0].revents & wsa::POLLRDNORM != 0);
        let mut b = [0u8; 64];
        let r = recv_some(c, &mut b);
        assert!(r > 0, "recv after POLLRDNORM: {:?}", last_error());
        got.extend_from_slice(&b[..r as usize]);
    }
    assert_eq!(got, b"from-server");
    let mut p = [WSAPOLLFD {
        fd: c,
        events: wsa::POLLWRNORM,
        revents: 0,
    }];
    assert_eq!(unsafe { wstls_WSAPoll(p.as_mut_ptr(), 1, 5000) }, 1);
    assert_eq!(p[0].revents, wsa::POLLWRNORM);
    assert_eq!(send_all(c, b"bye"), 3);
    assert_eq!(srv.join().unwrap(), b"bye");
    close(c);
}

#[test]
fn select_reports_buffered_plaintext_after_one_byte_recv() {
    let (l, port) = secure_listener(|_| {});
    let srv = thread::spawn(move || {
        let a = accept(l);
        assert_eq!(send_all(a, b"abcdef"), 6);
        // Keep the connection open until the client is done.
        let _ = recv_exact(a, 1);
        close(a);
        close(l);
    });
    let c = secure_client(port);
    let mut one = [0u8; 1];
    // Wait for the record, take one byte: the rest is decrypted and buffered in wstls only.
    let (n, _, _) = select1(&[c], &[], 5000);
    assert_eq!(n, 1);
    assert_eq!(recv_some(c, &mut one), 1);
    assert_eq!(&one, b"a");
    let (n, r, _) = select1(&[c], &[], 0);
    assert_eq!(
        (n, r.as_slice()),
        (1, &[c][..]),
        "buffered plaintext must make the socket readable"
    );
    let mut cnt: u32 = 0;
    assert_eq!(
        unsafe { wstls_ioctlsocket(c, wsa::FIONREAD as i32, &mut cnt) },
        0
    );
    assert_eq!(cnt, 5, "FIONREAD counts decrypted bytes");
    // MSG_PEEK does not consume.
    let mut b = [0u8; 2];
    assert_eq!(
        unsafe { wstls_recv(c, b.as_mut_ptr() as *mut c_char, 2, wsa::MSG_PEEK) },
        2
    );
    assert_eq!(&b, b"bc");
    assert_eq!(recv_exact(c, 5), b"bcdef");
    assert_eq!(send_all(c, b"k"), 1);
    srv.join().unwrap();
    close(c);
}

fn checksum(seed: u64, len: usize) -> (Vec<u8>, u64) {
    let mut x = seed;
    let v: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let sum = v
        .iter()
        .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(*b as u64));
    (v, sum)
}

/// Two threads per side: one sends 64 MiB while the other receives 64 MiB, on one socket.
#[test]
fn full_duplex_64_mib_each_way() {
    const N: usize = 64 << 20;
    let (l, port) = secure_listener(|_| {});
    let side = |s: SOCKET, seed: u64| {
        let tx = thread::spawn(move || {
            let (data, _) = checksum(seed, N);
            for chunk in data.chunks(1 << 20) {
                assert_eq!(send_all(s, chunk), chunk.len() as i32, "{:?}", last_error());
            }
        });
        let rx = thread::spawn(move || {
            let mut sum = 0u64;
            let mut got = 0usize;
            let mut buf = vec![0u8; 1 << 16];
            while got < N {
                let r = recv_some(s, &mut buf);
                assert!(r > 0, "recv: {:?}", last_error());
                for b in &buf[..r as usize] {
                    sum = sum.wrapping_mul(31).wrapping_add(*b as u64);
                }
                got += r as usize;
            }
            sum
        });
        (tx, rx)
    };
    let srv = thread::spawn(move || {
        let a = accept(l);
        assert_ne!(a, wsa::INVALID_SOCKET);
        let (tx, rx) = side(a, 7);
        tx.join().unwrap();
        let sum = rx.join().unwrap();
        close(a);
        close(l);
        sum
    });
    let c = secure_client(port);
    let (tx, rx) = side(c, 11);
    tx.join().unwrap();
    let client_got = rx.join().unwrap();
    let server_got = srv.join().unwrap();
    assert_eq!(client_got, checksum(7, N).1);
    assert_eq!(server_got, checksum(11, N).1);
    close(c);
}

#[test]
fn closesocket_wakes_a_blocked_recv() {
    let (l, port) = secure_listener(|_| {});
    let srv = thread::spawn(move || {
        let a = accept(l);
        let r = recv_exact(a, 1); // waits until the client side is gone
        close(a);
        close(l);
        r
    });
    let c = secure_client(port);
    let reader = thread::spawn(move || {
        let mut b = [0u8; 4];
        let r = recv_some(c, &mut b);
        (r, last_error().0)
    });
    // Give the reader time to block (not a timing assertion: the result is the same either way).
    thread::sleep(std::time::Duration::from_millis(100));
    close(c);
    let (r, code) = reader.join().unwrap();
    assert_eq!(r, -1);
    assert!(
        code == wsa::WSAEINTR || code == wsa::WSAENOTSOCK,
        "code {code}"
    );
    // The handle is gone.
    assert_eq!(send_all(c, b"x"), -1);
    assert_eq!(last_error().0, wsa::WSAENOTSOCK);
    let _ = srv.join();
}

#[test]
fn second_connection_resumes() {
    let (l, port) = secure_listener(|_| {});
    let srv = thread::spawn(move || {
        let mut resumed = vec![];
        for _ in 0..2 {
            let a = accept(l);
            assert_ne!(a, wsa::INVALID_SOCKET, "{:?}", last_error());
            assert_eq!(recv_exact(a, 1), b"q");
            assert_eq!(send_all(a, b"r"), 1);
            resumed.push(session_info(a).resumed);
            close(a);
        }
        close(l);
        resumed
    });
    let mut client = vec![];
    for _ in 0..2 {
        // A name no other test uses: a config (and session store) of its own.
        let c = tcp();
        set_secure(c);
        set_peer_name(c, "127.0.0.1");
        assert_eq!(connect(c, port), 0, "connect: {:?}", last_error());
        assert_eq!(send_all(c, b"q"), 1);
        // Reading also takes in the TLS 1.3 session ticket sent after the handshake.
        assert_eq!(recv_exact(c, 1), b"r");
        client.push(session_info(c).resumed);
        close(c);
    }
    assert_eq!(
        client,
        vec![0, 1],
        "the second client connection must resume"
    );
    assert_eq!(srv.join().unwrap(), vec![0, 1]);
}

/// A TLS 1.3 server keeps its session tickets queued until the socket's next operation
/// (docs/performance.md): they reach the client whatever that operation is, not only a `send`
/// (`closesocket` at once; `recv` to the end; `select`, `recv`, `send`), so each later
/// connection resumes.
#[test]
fn tickets_reach_clients_whatever_the_server_does_next() {
    let (l, port) = secure_listener(|_| {});
    let srv = thread::spawn(move || {
        // 1. Closes at once.
        let a = accept_ok(l);
        close(a);
        // 2. Only reads, to the client's close_notify.
        let a = accept_ok(l);
        assert_eq!(recv_exact(a, 1), b"q");
        let mut b = [0u8; 4];
        assert_eq!(recv_some(a, &mut b), 0, "{:?}", last_error());
        close(a);
        // 3. Waits in select until the client sends, then reads and sends.
        let a = accept_ok(l);
        // (The limit only keeps a broken build from hanging the test.)
        let (n, readable, _) = select1(&[a], &[], 30_000);
        assert_eq!((n, readable), (1, vec![a]), "{:?}", last_error());
        assert_eq!(recv_exact(a, 1), b"q");
        assert_eq!(send_all(a, b"r"), 1);
        close(a);
        // 4. The last client only checks that it resumes.
        let a = accept_ok(l);
        close(a);
        close(l);
    });
    // An ALPN list of its own: a session store no other test shares.
    let client = || secure_client_with_alpn(port, b"\x0cticket-order");
    let mut resumed = vec![];
    let mut b = [0u8; 4];
    // 1. The tickets arrive with the server's close_notify.
    let c = client();
    resumed.push(session_info(c).resumed);
    assert_eq!(recv_some(c, &mut b), 0, "{:?}", last_error());
    close(c);
    // 2. The server reads to the end.
    let c = client();
    resumed.push(session_info(c).resumed);
    assert_eq!(send_all(c, b"q"), 1);
    assert_eq!(wstls_shutdown(c, wsa::SD_SEND), 0, "{:?}", last_error());
    assert_eq!(recv_some(c, &mut b), 0, "{:?}", last_error());
    close(c);
    // 3. The server waits in select, then reads and replies.
    let c = client();
    resumed.push(session_info(c).resumed);
    assert_eq!(send_all(c, b"q"), 1);
    assert_eq!(recv_exact(c, 1), b"r");
    close(c);
    let c = client();
    resumed.push(session_info(c).resumed);
    close(c);
    srv.join().unwrap();
    assert_eq!(
        resumed,
        vec![0, 1, 1, 1],
        "each connection after the first resumes"
    );
}

/// Segments this end has sent that the peer has not acknowledged yet (TCP_INFO).
fn unacked(s: SOCKET) -> u32 {
    let sock = wstls::net::lookup(s).unwrap();
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    let r = unsafe {
        libc::getsockopt(
            sock.fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            &mut info as *mut libc::tcp_info as *mut libc::c_void,
            &mut len,
        )
    };
    assert_eq!(r, 0);
    info.tcpi_unacked
}

/// The server acknowledges the client's Finished as soon as its handshake completes, though it
/// keeps its tickets queued: otherwise the kernel would delay that ACK (40 ms on Linux) and a
/// client with Nagle's algorithm on (TCP_NODELAY off, as in most legacy code) would hold its
/// first request until then. Checked on the client's socket once the server's `accept` has
/// returned (a loopback ACK is delivered within the sender's system call).
#[test]
fn server_acknowledges_the_client_finished_at_once() {
    let (l, port) = secure_listener(|_| {});
    let (tx, rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let srv = thread::spawn(move || {
        for _ in 0..2 {
            let a = accept_ok(l);
            tx.send(()).unwrap();
            done_rx.recv().unwrap();
            close(a);
        }
        close(l);
    });
    // A full handshake, then a resumed one (an ALPN list of their own: a session store no
    // other test shares).
    for _ in 0..2 {
        let c = secure_client_with_alpn(port, b"\x08quickack");
        rx.recv().unwrap();
        assert_eq!(
            unacked(c),
            0,
            "the client's Finished is still unacknowledged"
        );
        done_tx.send(()).unwrap();
        close(c);
    }
    srv.join().unwrap();
}

#[test]
fn silent_client_times_out_in_accept() {
    let (l, port) = secure_listener(|s| set_rcvtimeo(s, 300));
    let c = tcp(); // plain TCP: never sends a ClientHello
    assert_eq!(connect(c, port), 0);
    let a = accept(l);
    assert_eq!(a, wsa::INVALID_SOCKET);
    let (code, msg) = last_error();
    assert_eq!(code, wsa::WSAETIMEDOUT, "{msg}");
    assert!(msg.contains("timed out"), "{msg}");
    close(c);
    close(l);
}

#[test]
fn alpn_is_negotiated() {
    let wire = b"\x02h2\x08http/1.1";
    let (l, port) = secure_listener(|s| {
        assert_eq!(ioctl(s, WSTLS_SO_SET_ALPN, b"\x08http/1.1", &mut []).0, 0);
    });
    let srv = thread::spawn(move || {
        let a = accept(l);
        let mut out = [0u8; 32];
        let (r, n) = ioctl(a, WSTLS_SO_GET_ALPN, &[], &mut out);
        assert_eq!(r, 0);
        close(a);
        close(l);
        out[..n as usize].to_vec()
    });
    let c = tcp();
    set_secure(c);
    set_peer_name(c, "localhost");
    assert_eq!(ioctl(c, WSTLS_SO_SET_ALPN, wire, &mut []).0, 0);
    assert_eq!(connect(c, port), 0, "{:?}", last_error());
    let mut out = [0u8; 32];
    let (r, n) = ioctl(c, WSTLS_SO_GET_ALPN, &[], &mut out);
    assert_eq!(r, 0);
    assert_eq!(&out[..n as usize], b"http/1.1");
    assert_eq!(srv.join().unwrap(), b"http/1.1");
    close(c);
}

#[test]
fn openssl_s_client_against_wstls_server() {
    if !have("openssl") {
        eprintln!("openssl CLI not installed: skipped");
        return;
    }
    let p = trusted_pki();
    let (l, port) = secure_listener(|_| {});
    let srv = thread::spawn(move || {
        let a = accept(l);
        assert_ne!(a, wsa::INVALID_SOCKET, "{:?}", last_error());
        let got = recv_exact(a, 6);
        assert_eq!(send_all(a, b"pong from wstls\n"), 16);
        let _ = wstls_shutdown(a, wsa::SD_SEND);
        close(a);
        close(l);
        got
    });
    let out = std::process::Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-CAfile",
            p.ca_file.to_str().unwrap(),
            "-verify_return_error",
            "-servername",
            "localhost",
            "-quiet",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut ch| {
            use std::io::Write;
            ch.stdin.as_mut().unwrap().write_all(b"ping!\n")?;
            ch.wait_with_output()
        })
        .unwrap();
    assert_eq!(srv.join().unwrap(), b"ping!\n");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("pong from wstls"),
        "s_client stdout: {stdout} stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn curl_against_wstls_server() {
    if !have("curl") {
        eprintln!("curl not installed: skipped");
        return;
    }
    let p = trusted_pki();
    let (l, port) = secure_listener(|_| {});
    let srv = thread::spawn(move || {
        let a = accept(l);
        assert_ne!(a, wsa::INVALID_SOCKET, "{:?}", last_error());
        let mut req = Vec::new();
        let mut b = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let r = recv_some(a, &mut b);
            assert!(r > 0, "{:?}", last_error());
            req.extend_from_slice(&b[..r as usize]);
        }
        let body = "hello from a wstls server\n";
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        assert_eq!(send_all(a, resp.as_bytes()), resp.len() as i32);
        let _ = wstls_shutdown(a, wsa::SD_SEND);
        close(a);
        close(l);
    });
    let out = std::process::Command::new("curl")
        .args([
            "-sS",
            "--cacert",
            p.ca_file.to_str().unwrap(),
            &format!("https://localhost:{port}/"),
        ])
        .output()
        .unwrap();
    srv.join().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello from a wstls server\n",
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
