//! Hostile peers (issue "reliability and security"): a server that misbehaves on purpose.
//! Each scenario must end in a clean Windows error: the call returns (bounded by
//! `SO_RCVTIMEO`), with the code the misbehaviour deserves and a message, never a hang or a
//! crash. Where the misbehaviour is detectable, the error must come from detecting it, not
//! from the time limit (the expected code is not `WSAETIMEDOUT`).
//!
//! Every scenario runs on every face (tests/faces): CE secure sockets, the secure socket
//! extensions and SSPI/Schannel.
mod common;
mod faces;
mod peer;
mod sspi_common;

use std::io::Write;
use std::net::TcpStream;

use common::*;
use faces::*;
use peer::*;
use rustls::ContentType;
use wstls::win::winsock::SOCKET;
use wstls::win::wsa;

/// Time limit for scenarios whose misbehaviour is detectable: generous, so that reaching it
/// means the error was not detected.
const DETECT_MS: u32 = 20_000;
/// Time limit for scenarios where the peer goes quiet.
const QUIET_MS: u32 = 300;

/// The connect (handshake) must fail with `end`.
fn connect_fails(face: &Face, port: u16, timeout_ms: u32, end: End) -> Failure {
    match (face.connect)(port, timeout_ms) {
        Ok(_) => panic!(
            "{}: the handshake succeeded against a hostile server",
            face.name
        ),
        Err(f) => {
            assert_eq!(f.end, end, "{}: {f:?}", face.name);
            eprintln!("  {} -> {} {}", face.name, f.code, f.message);
            f
        }
    }
}

/// Reads until an error; returns the bytes read before it and the error.
fn read_until_error(c: &mut dyn Conn) -> (Vec<u8>, Failure) {
    let mut got = Vec::new();
    let mut b = [0u8; 4096];
    loop {
        match c.recv(&mut b) {
            Ok(0) => panic!("clean end of stream where an error was due (got {got:?})"),
            Ok(n) => got.extend_from_slice(&b[..n]),
            Err(f) => return (got, f),
        }
    }
}

fn server_ident() -> Ident {
    let p = trusted_pki();
    ident_from_files(&p.server_cert, &p.server_key)
}

/// Serves a full TLS handshake of version `v`, then hands the raw record writer and the socket
/// to `then`.
fn tls_then(v: Ver, then: impl FnOnce(RawWriter, TcpStream) + Send + 'static) -> Hostile {
    let id = server_ident();
    serve(move |mut s| {
        let Some(conn) = handshake(&mut s, server_config(v, &id)) else {
            return;
        };
        then(RawWriter::from(conn), s)
    })
}

// ---- before or during the handshake --------------------------------------------------------

#[test]
fn garbage_instead_of_server_hello() {
    for_each_face(|face| {
        let h = serve(|mut s| {
            let _ = read_record(&mut s);
            let junk: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
            send(&mut s, &junk);
            stall(s);
        });
        let f = connect_fails(face, h.port, DETECT_MS, End::Aborted);
        assert!(f.message.contains("TLS"), "{f:?}");
    });
}

#[test]
fn plaintext_http_reply_instead_of_server_hello() {
    for_each_face(|face| {
        let h = serve(|mut s| {
            let _ = read_record(&mut s);
            send(
                &mut s,
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
            );
            stall(s);
        });
        connect_fails(face, h.port, DETECT_MS, End::Aborted);
    });
}

/// The start of a ServerHello record that claims more bytes than ever come.
fn truncated_server_hello() -> Vec<u8> {
    let mut body = vec![2u8, 0, 0, 70, 3, 3]; // ServerHello, length 70, legacy_version 1.2
    body.extend_from_slice(&[0x5a; 20]);
    let mut r = vec![22u8, 3, 3, 0, 74];
    r.extend_from_slice(&body);
    r
}

#[test]
fn truncated_server_hello_then_close() {
    for_each_face(|face| {
        let h = serve(|mut s| {
            let _ = read_record(&mut s);
            send(&mut s, &truncated_server_hello());
            let _ = s.shutdown(std::net::Shutdown::Write);
            stall(s);
        });
        connect_fails(face, h.port, DETECT_MS, End::Reset);
    });
}

#[test]
fn truncated_server_hello_then_stall_times_out() {
    for_each_face(|face| {
        let h = serve(|mut s| {
            let _ = read_record(&mut s);
            send(&mut s, &truncated_server_hello());
            stall(s);
        });
        let f = connect_fails(face, h.port, QUIET_MS, End::TimedOut);
        // (SSPI: the time limit is the program's own socket's, code 0.)
        assert!(f.code == 0 || f.message.contains("timed out"), "{f:?}");
    });
}

#[test]
fn oversized_record_header_during_handshake() {
    for_each_face(|face| {
        let h = serve(|mut s| {
            let _ = read_record(&mut s);
            // A record header claiming more than any TLS version allows (2^14 + 2048): only
            // the header and a little body are sent, so a client that waited for the whole
            // record would time out instead of failing.
            let mut r = vec![22u8, 3, 3];
            r.extend_from_slice(&((1u16 << 14) + 2048 + 1).to_be_bytes());
            r.extend_from_slice(&[0u8; 64]);
            send(&mut s, &r);
            stall(s);
        });
        connect_fails(face, h.port, DETECT_MS, End::Aborted);
    });
}

#[test]
fn oversized_plaintext_record_during_handshake() {
    for_each_face(|face| {
        let h = serve(|mut s| {
            let _ = read_record(&mut s);
            // A complete plaintext handshake record of 2^14 + 257 bytes (> 2^14 + 256)
            // holding the start of a ServerHello as long as the record.
            let mut body = vec![0x41u8; (1 << 14) + 257];
            let n = (body.len() - 4) as u32;
            body[0] = 2;
            body[1..4].copy_from_slice(&n.to_be_bytes()[1..]);
            send(&mut s, &record(22, &body));
            stall(s);
        });
        connect_fails(face, h.port, DETECT_MS, End::Aborted);
    });
}

#[test]
fn stall_after_server_hello_times_out() {
    for_each_face(|face| {
        let id = server_ident();
        let h = serve(move |mut s| {
            let mut conn = rustls::ServerConnection::new(server_config(Ver::Tls13, &id)).unwrap();
            // Read the ClientHello, let rustls answer, send only the ServerHello record.
            while conn.wants_read() && !conn.wants_write() {
                if conn.read_tls(&mut s).unwrap_or(0) == 0 {
                    return;
                }
                if conn.process_new_packets().is_err() {
                    return;
                }
            }
            let mut flight = Vec::new();
            while conn.wants_write() {
                conn.write_tls(&mut flight).unwrap();
            }
            assert_eq!(
                flight[0], 22,
                "the flight starts with the ServerHello record"
            );
            let n = 5 + u16::from_be_bytes([flight[3], flight[4]]) as usize;
            send(&mut s, &flight[..n]);
            stall(s);
        });
        connect_fails(face, h.port, QUIET_MS, End::TimedOut);
    });
}

#[test]
fn plaintext_alert_flood_during_handshake() {
    for_each_face(|face| {
        let h = serve(|mut s| {
            let _ = read_record(&mut s);
            let mut flood = Vec::new();
            for _ in 0..2000 {
                flood.extend_from_slice(&record(21, &alert(ALERT_WARNING, ALERT_USER_CANCELED)));
            }
            send(&mut s, &flood);
            stall(s);
        });
        connect_fails(face, h.port, DETECT_MS, End::Aborted);
    });
}

#[test]
fn empty_record_flood_during_handshake() {
    for_each_face(|face| {
        let h = serve(|mut s| {
            let _ = read_record(&mut s);
            let mut flood = Vec::new();
            for _ in 0..5000 {
                flood.extend_from_slice(&record(22, &[]));
            }
            send(&mut s, &flood);
            stall(s);
        });
        connect_fails(face, h.port, DETECT_MS, End::Aborted);
    });
}

#[test]
fn fatal_alert_during_handshake() {
    for_each_face(|face| {
        let h = serve(|mut s| {
            let _ = read_record(&mut s);
            send(&mut s, &record(21, &alert(2, 40))); // fatal handshake_failure
            stall(s);
        });
        let f = connect_fails(face, h.port, DETECT_MS, End::Aborted);
        assert!(f.message.contains("alert"), "{f:?}");
    });
}

#[test]
fn hundred_certificate_chain_is_refused() {
    let (id, root_pem) = long_chain(100);
    // Trust the long chain's root: the chain is refused for its length, not its issuer.
    let certs = wstls::tls::roots::load_pem_certs(root_pem.as_bytes()).unwrap();
    wstls::tls::roots::add(certs).unwrap();
    assert_eq!(id.chain.len(), 101);
    for_each_face(|face| {
        let id = id.clone();
        let h = serve(move |mut s| {
            let _ = handshake(&mut s, server_config(Ver::Tls13, &id));
            stall(s);
        });
        let f = connect_fails(face, h.port, DETECT_MS, End::Aborted);
        eprintln!("100-certificate chain: {}", f.message);
    });
}

// ---- after the handshake -------------------------------------------------------------------

#[test]
fn close_without_close_notify_mid_stream_is_a_reset() {
    for v in [Ver::Tls12, Ver::Tls13] {
        for_each_face(|face| {
            let h = tls_then(v, |mut w, mut s| {
                send(
                    &mut s,
                    &w.record(ContentType::ApplicationData, b"partial data"),
                );
                let _ = s.shutdown(std::net::Shutdown::Write);
                stall(s);
            });
            let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
            let (got, f) = read_until_error(&mut *c);
            assert_eq!(
                got, b"partial data",
                "{v:?}: data before the reset is delivered"
            );
            assert_eq!(f.end, End::Reset, "{v:?}: {f:?}");
            assert!(f.message.contains("close_notify"), "{f:?}");
        });
    }
}

#[test]
fn close_in_the_middle_of_a_record_is_a_reset() {
    for_each_face(|face| {
        let h = tls_then(Ver::Tls13, |mut w, mut s| {
            let r = w.record(ContentType::ApplicationData, &[7u8; 1000]);
            send(&mut s, &r[..r.len() / 2]);
            let _ = s.shutdown(std::net::Shutdown::Write);
            stall(s);
        });
        let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
        let (got, f) = read_until_error(&mut *c);
        assert!(got.is_empty());
        assert_eq!(f.end, End::Reset, "{f:?}");
    });
}

#[test]
fn stall_in_the_middle_of_a_record_times_out() {
    for_each_face(|face| {
        let h = tls_then(Ver::Tls12, |mut w, mut s| {
            let r = w.record(ContentType::ApplicationData, &[7u8; 1000]);
            send(&mut s, &r[..r.len() / 2]);
            stall(s);
        });
        let mut c = (face.connect)(h.port, QUIET_MS).expect("handshake");
        let (_, f) = read_until_error(&mut *c);
        assert_eq!(f.end, End::TimedOut, "{f:?}");
    });
}

#[test]
fn oversized_encrypted_record_header() {
    for v in [Ver::Tls12, Ver::Tls13] {
        for_each_face(|face| {
            let h = tls_then(v, |_w, mut s| {
                let mut r = vec![23u8, 3, 3];
                r.extend_from_slice(&((1u16 << 14) + 2048 + 1).to_be_bytes());
                r.extend_from_slice(&[0u8; 100]);
                send(&mut s, &r);
                stall(s);
            });
            let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
            let (_, f) = read_until_error(&mut *c);
            assert_eq!(f.end, End::Aborted, "{v:?}: {f:?}");
        });
    }
}

#[test]
fn oversized_encrypted_record() {
    // A correctly encrypted record whose plaintext is longer than 2^14 bytes (ciphertext
    // 2^14 + 300 + overhead, above TLS 1.3's 2^14 + 256).
    for v in [Ver::Tls12, Ver::Tls13] {
        for_each_face(|face| {
            let h = tls_then(v, |mut w, mut s| {
                let r = w.record(ContentType::ApplicationData, &vec![9u8; (1 << 14) + 300]);
                assert!(r.len() - 5 > (1 << 14) + 256);
                send(&mut s, &r);
                stall(s);
            });
            let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
            let (got, f) = read_until_error(&mut *c);
            assert!(got.is_empty(), "{v:?}: oversized plaintext delivered");
            assert_eq!(f.end, End::Aborted, "{v:?}: {f:?}");
        });
    }
}

#[test]
fn tampered_record_fails_authentication() {
    for_each_face(|face| {
        let h = tls_then(Ver::Tls13, |mut w, mut s| {
            let mut r = w.record(ContentType::ApplicationData, b"secret");
            let last = r.len() - 1;
            r[last] ^= 1;
            send(&mut s, &r);
            stall(s);
        });
        let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
        let (got, f) = read_until_error(&mut *c);
        assert!(got.is_empty(), "tampered data must not be delivered");
        assert_eq!(f.end, End::Aborted, "{f:?}");
        assert!(f.message.contains("authentication"), "{f:?}");
    });
}

#[test]
fn tls12_renegotiation_request_is_refused_and_the_stream_goes_on() {
    for_each_face(|face| {
        let h = tls_then(Ver::Tls12, |mut w, mut s| {
            let mut out = w.record(ContentType::Handshake, &HELLO_REQUEST);
            out.extend(w.record(ContentType::ApplicationData, b"still here"));
            out.extend(w.record(ContentType::Alert, &alert(1, ALERT_CLOSE_NOTIFY)));
            send(&mut s, &out);
            // The client answers the HelloRequest with a no_renegotiation warning: read it.
            let r = read_record(&mut s).expect("the client's answer");
            assert_eq!(r[0], 21, "an (encrypted) alert record");
            stall(s);
        });
        let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
        let mut got = Vec::new();
        let mut b = [0u8; 64];
        loop {
            match c.recv(&mut b) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&b[..n]),
                Err(f) => panic!("{}: {f:?}", face.name),
            }
        }
        assert_eq!(got, b"still here");
    });
}

#[test]
fn tls12_renegotiation_flood() {
    for_each_face(|face| {
        let h = tls_then(Ver::Tls12, |mut w, mut s| {
            let mut out = Vec::new();
            for _ in 0..100 {
                out.extend(w.record(ContentType::Handshake, &HELLO_REQUEST));
            }
            send(&mut s, &out);
            stall(s);
        });
        let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
        let (_, f) = read_until_error(&mut *c);
        assert_eq!(f.end, End::Aborted, "{f:?}");
    });
}

#[test]
fn warning_alert_flood_after_handshake() {
    for (v, desc) in [
        (Ver::Tls12, ALERT_NO_RENEGOTIATION),
        (Ver::Tls12, ALERT_USER_CANCELED),
        (Ver::Tls13, ALERT_USER_CANCELED),
    ] {
        for_each_face(|face| {
            let h = tls_then(v, move |mut w, mut s| {
                let mut out = Vec::new();
                for _ in 0..1000 {
                    out.extend(w.record(ContentType::Alert, &alert(ALERT_WARNING, desc)));
                }
                send(&mut s, &out);
                stall(s);
            });
            let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
            let (_, f) = read_until_error(&mut *c);
            assert_eq!(f.end, End::Aborted, "{v:?} alert {desc}: {f:?}");
        });
    }
}

#[test]
fn empty_record_flood_after_handshake() {
    for v in [Ver::Tls12, Ver::Tls13] {
        for_each_face(|face| {
            let h = tls_then(v, |mut w, mut s| {
                let mut out = Vec::new();
                for _ in 0..10_000 {
                    out.extend(w.record(ContentType::ApplicationData, &[]));
                }
                send(&mut s, &out);
                stall(s);
            });
            let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
            let (got, f) = read_until_error(&mut *c);
            assert!(got.is_empty());
            assert_eq!(f.end, End::Aborted, "{v:?}: {f:?}");
        });
    }
}

#[test]
fn a_few_empty_records_are_harmless() {
    for_each_face(|face| {
        let h = tls_then(Ver::Tls13, |mut w, mut s| {
            let mut out = Vec::new();
            for _ in 0..3 {
                out.extend(w.record(ContentType::ApplicationData, &[]));
            }
            out.extend(w.record(ContentType::ApplicationData, b"data"));
            out.extend(w.record(ContentType::Alert, &alert(1, ALERT_CLOSE_NOTIFY)));
            send(&mut s, &out);
            stall(s);
        });
        let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
        let mut b = [0u8; 16];
        assert_eq!(c.recv(&mut b).unwrap(), 4);
        assert_eq!(&b[..4], b"data");
        assert_eq!(c.recv(&mut b).unwrap(), 0, "close_notify: a clean end");
    });
}

#[test]
fn sending_to_a_peer_that_reset_fails_cleanly() {
    for_each_face(|face| {
        let h = tls_then(Ver::Tls13, |_w, s| {
            // RST: linger 0 then close.
            let s2 = socket2::Socket::from(s);
            s2.set_linger(Some(std::time::Duration::ZERO)).unwrap();
            drop(s2);
        });
        let mut c = (face.connect)(h.port, DETECT_MS).expect("handshake");
        h.join();
        let chunk = vec![1u8; 64 << 10];
        let mut failed = None;
        for _ in 0..64 {
            match c.send(&chunk) {
                Ok(n) => assert_eq!(n, chunk.len()),
                Err(f) => {
                    failed = Some(f);
                    break;
                }
            }
        }
        let f = failed.expect("sending to a reset peer must fail");
        assert!(f.end == End::Reset || f.end == End::Aborted, "{f:?}");
    });
}

// ---- hostile clients against a wstls server ------------------------------------------------

fn secure_listener() -> (SOCKET, u16) {
    let p = trusted_pki();
    listener(|s| {
        set_secure(s);
        set_server_credentials(s, &p.server_cert, &p.server_key);
        set_rcvtimeo(s, DETECT_MS);
    })
}

/// Runs `client` against a blocking secure `accept`; returns accept's error (code, message).
fn accept_fails(client: impl FnOnce(TcpStream) + Send + 'static) -> (i32, String) {
    let (l, port) = secure_listener();
    let t = std::thread::spawn(move || {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        client(s)
    });
    let a = accept(l);
    let err = last_error();
    assert_eq!(
        a,
        wsa::INVALID_SOCKET,
        "accept succeeded with a hostile client"
    );
    assert!(!err.1.is_empty());
    // The listener still serves honest clients.
    let c = tcp();
    set_secure(c);
    set_peer_name(c, "localhost");
    let t2 = std::thread::spawn(move || {
        let r = connect(c, port);
        let e = last_error();
        (c, r, e)
    });
    let a = accept(l);
    assert_ne!(a, wsa::INVALID_SOCKET, "{:?}", last_error());
    let (c, r, e) = t2.join().unwrap();
    assert_eq!(r, 0, "{e:?}");
    close(a);
    close(c);
    close(l);
    t.join().unwrap();
    err
}

#[test]
fn server_garbage_client_hello() {
    let (code, m) = accept_fails(|mut s| {
        send(&mut s, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        stall(s);
    });
    assert_eq!(code, wsa::WSAECONNABORTED, "{m}");
}

#[test]
fn server_oversized_record() {
    let (code, m) = accept_fails(|mut s| {
        let mut r = vec![22u8, 3, 1];
        r.extend_from_slice(&0xFFFFu16.to_be_bytes());
        r.extend_from_slice(&[1u8; 32]);
        send(&mut s, &r);
        stall(s);
    });
    assert_eq!(code, wsa::WSAECONNABORTED, "{m}");
}

#[test]
fn server_client_closes_mid_handshake() {
    let (code, m) = accept_fails(|mut s| {
        send(&mut s, &[22u8, 3, 1, 1, 0, 1, 0, 0]);
        let _ = s.shutdown(std::net::Shutdown::Write);
        stall(s);
    });
    assert_eq!(code, wsa::WSAECONNRESET, "{m}");
}

#[test]
fn server_client_alert_flood() {
    let (code, m) = accept_fails(|mut s| {
        let mut flood = Vec::new();
        for _ in 0..2000 {
            flood.extend_from_slice(&record(21, &alert(ALERT_WARNING, ALERT_USER_CANCELED)));
        }
        let _ = s.write_all(&flood);
        stall(s);
    });
    assert_eq!(code, wsa::WSAECONNABORTED, "{m}");
}
