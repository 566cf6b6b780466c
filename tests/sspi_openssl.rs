//! SSPI client against `openssl s_server` and SSPI server against `openssl s_client`, over
//! loopback sockets, with the received bytes fed to ISC/ASC/DecryptMessage in 1-byte and
//! random-size pieces.
mod sspi_common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sspi_common::*;
use wstls::ffi::crypt::*;
use wstls::win::sspi::*;

fn client_cred(kind: Kind, flags: u32) -> SecHandle {
    pki();
    acquire(
        SECPKG_CRED_OUTBOUND,
        kind,
        flags | SCH_CRED_NO_DEFAULT_CREDS,
        None,
    )
    .unwrap()
}

/// Full client session against s_server: handshake, data both ways, shutdown.
fn client_session(kind: Kind, server_args: &[&str], mut chunks: Chunks, expect_proto: u32) -> Seen {
    let (mut peer, port) = s_server("server", server_args);
    let mut sock = connect(port);
    let mut cred = client_cred(kind, 0);
    let mut seen = Seen::default();
    let (mut ctx, mut enc, flags) = client_handshake(
        &mut sock,
        &mut cred,
        "localhost",
        CURL_REQ,
        &mut chunks,
        &mut seen,
    )
    .unwrap_or_else(|(st, _)| {
        panic!(
            "handshake failed {st:#x}: {} / {}",
            last_message(),
            peer.output()
        )
    });
    assert_eq!(
        flags, CURL_REQ,
        "returned flags must equal the requested ones (curl checks)"
    );
    assert_eq!(connection_info(&mut ctx).dwProtocol, expect_proto);
    // Client to server.
    let msg = b"hello from sspi\n";
    sock.write_all(&encrypt(&mut ctx, msg).unwrap()).unwrap();
    assert!(
        peer.wait_for("hello from sspi"),
        "s_server did not get the data: {}",
        peer.output()
    );
    // Server to client, several records.
    peer.send("hello from openssl\n");
    peer.send("and a second line\n");
    let want = "hello from openssl\nand a second line\n";
    let (plain, closed) = receive(
        &mut sock,
        &mut ctx,
        &mut cred,
        false,
        &mut enc,
        want.len(),
        &mut chunks,
        &mut seen,
    );
    assert!(!closed);
    assert_eq!(String::from_utf8_lossy(&plain), want);
    // Shutdown: our close_notify, then the server's.
    let bye = shutdown_token(false, &mut ctx, &mut cred);
    sock.write_all(&bye).unwrap();
    let (rest, closed) = receive(
        &mut sock,
        &mut ctx,
        &mut cred,
        false,
        &mut enc,
        usize::MAX,
        &mut chunks,
        &mut seen,
    );
    assert!(closed, "no close_notify from s_server");
    assert!(rest.is_empty());
    assert_eq!(delete(&mut ctx), SEC_E_OK);
    assert_eq!(delete(&mut ctx), SEC_E_INVALID_HANDLE);
    free_cred(cred);
    seen
}

#[test]
fn client_tls13_one_byte_pieces() {
    let seen = client_session(Kind::Sch(0), &[], Chunks::One, SP_PROT_TLS1_3_CLIENT);
    assert!(seen.incomplete > 10, "{seen:?}");
    assert!(
        seen.renegotiate >= 1,
        "TLS 1.3 tickets come as SEC_I_RENEGOTIATE: {seen:?}"
    );
    assert_eq!(
        seen.renegotiate_tokens, 0,
        "tickets need no answer: {seen:?}"
    );
}

#[test]
fn client_tls12_one_byte_pieces() {
    let seen = client_session(
        Kind::Schannel(SP_PROT_TLS1_2_CLIENT),
        &[],
        Chunks::One,
        SP_PROT_TLS1_2_CLIENT,
    );
    assert!(seen.incomplete > 10, "{seen:?}");
}

#[test]
fn client_random_pieces_see_incomplete_and_extra() {
    let mut total = Seen::default();
    for round in 0..12 {
        let kind = if round % 2 == 0 {
            Kind::Sch(0)
        } else {
            Kind::Sch(SP_PROT_TLS1_3_CLIENT)
        };
        let proto = if round % 2 == 0 {
            SP_PROT_TLS1_3_CLIENT
        } else {
            SP_PROT_TLS1_2_CLIENT
        };
        let s = client_session(kind, &[], Chunks::Random(Rng::new(), 300), proto);
        total.incomplete += s.incomplete;
        total.extra += s.extra;
        total.renegotiate += s.renegotiate;
        if round >= 3 && total.incomplete > 0 && total.extra > 0 {
            break;
        }
    }
    assert!(total.incomplete > 0 && total.extra > 0, "{total:?}");
}

#[test]
fn client_big_reads() {
    client_session(Kind::Sch(0), &[], Chunks::Big, SP_PROT_TLS1_3_CLIENT);
}

#[test]
fn schannel_cred_stops_at_tls12() {
    // The server offers TLS 1.3; an SCHANNEL_CRED client still negotiates TLS 1.2.
    client_session(Kind::Schannel(0), &[], Chunks::Big, SP_PROT_TLS1_2_CLIENT);
}

fn handshake_status(cert: &str, flags: u32, target: &str) -> (i32, String) {
    let (_peer, port) = s_server(cert, &[]);
    let mut sock = connect(port);
    let mut cred = client_cred(Kind::Sch(0), flags);
    let mut seen = Seen::default();
    let r = client_handshake(
        &mut sock,
        &mut cred,
        target,
        CURL_REQ,
        &mut Chunks::Big,
        &mut seen,
    );
    let st = match r {
        Ok((mut ctx, _, _)) => {
            delete(&mut ctx);
            SEC_E_OK
        }
        Err((st, step)) => {
            assert!(step.token.is_empty(), "no output token on a failed leg");
            st
        }
    };
    free_cred(cred);
    (st, last_message())
}

#[test]
fn untrusted_root() {
    let (st, msg) = handshake_status("untrusted", 0, "localhost");
    assert_eq!(st, SEC_E_UNTRUSTED_ROOT, "{msg}");
    assert!(
        msg.contains("WSTLS_CA_FILE"),
        "the message says what to do: {msg}"
    );
    // Manual validation lets the program decide.
    assert_eq!(
        handshake_status("untrusted", SCH_CRED_MANUAL_CRED_VALIDATION, "localhost").0,
        SEC_E_OK
    );
}

#[test]
fn expired_certificate() {
    let (st, msg) = handshake_status("expired", 0, "localhost");
    assert_eq!(st, SEC_E_CERT_EXPIRED, "{msg}");
}

#[test]
fn wrong_principal() {
    let (st, msg) = handshake_status("wrongname", 0, "localhost");
    assert_eq!(st, SEC_E_WRONG_PRINCIPAL, "{msg}");
    assert!(
        msg.contains("localhost"),
        "the message names the expected name: {msg}"
    );
    assert_eq!(
        handshake_status("server", 0, "not-localhost.example").0,
        SEC_E_WRONG_PRINCIPAL
    );
    // SCH_CRED_NO_SERVERNAME_CHECK waives the name check only.
    assert_eq!(
        handshake_status("wrongname", SCH_CRED_NO_SERVERNAME_CHECK, "localhost").0,
        SEC_E_OK
    );
    assert_eq!(
        handshake_status("untrusted", SCH_CRED_NO_SERVERNAME_CHECK, "localhost").0,
        SEC_E_UNTRUSTED_ROOT
    );
}

#[test]
fn client_certificate_sent_from_pa_cred() {
    let ca = pki().ca_file();
    let (peer, port) = s_server("server", &["-Verify", "1", "-CAfile", ca.to_str().unwrap()]);
    let mut sock = connect(port);
    let cert = cert_context("client");
    let mut cred = acquire(
        SECPKG_CRED_OUTBOUND,
        Kind::Sch(0),
        SCH_CRED_NO_DEFAULT_CREDS,
        Some(cert),
    )
    .unwrap();
    unsafe { wstls_CertFreeCertificateContext(cert) };
    let mut seen = Seen::default();
    let req = CURL_REQ | ISC_REQ_USE_SUPPLIED_CREDS;
    let (mut ctx, mut enc, flags) = client_handshake(
        &mut sock,
        &mut cred,
        "localhost",
        req,
        &mut Chunks::Random(Rng::new(), 200),
        &mut seen,
    )
    .unwrap_or_else(|(st, _)| panic!("{st:#x} {} {}", last_message(), peer.output()));
    assert_eq!(flags, req);
    sock.write_all(&encrypt(&mut ctx, b"with a certificate\n").unwrap())
        .unwrap();
    assert!(peer.wait_for("with a certificate"), "{}", peer.output());
    assert!(
        peer.output().contains("wstls client"),
        "s_server should have verified our certificate: {}",
        peer.output()
    );
    let _ = receive(
        &mut sock,
        &mut ctx,
        &mut cred,
        false,
        &mut enc,
        0,
        &mut Chunks::Big,
        &mut seen,
    );
    delete(&mut ctx);
    free_cred(cred);
}

#[test]
fn incomplete_credentials_then_continue_without() {
    // The server asks for a certificate but does not insist.
    let ca = pki().ca_file();
    let (peer, port) = s_server("server", &["-verify", "1", "-CAfile", ca.to_str().unwrap()]);
    let mut sock = connect(port);
    let mut cred = client_cred(Kind::Sch(0), 0);
    // Like curl with automatic client certificates: no ISC_REQ_USE_SUPPLIED_CREDS at first.
    let mut ctx = None;
    let s = token_call(
        false,
        &mut cred,
        &mut ctx,
        Some("localhost"),
        CURL_REQ,
        None,
    );
    assert_eq!(s.status, SEC_I_CONTINUE_NEEDED);
    sock.write_all(&s.token).unwrap();
    let mut enc = Vec::new();
    let mut req = CURL_REQ;
    let mut saw_incomplete_creds = false;
    loop {
        if !saw_incomplete_creds || enc.is_empty() {
            let mut b = [0u8; 16384];
            let n = sock.read(&mut b).unwrap();
            assert!(n > 0);
            enc.extend_from_slice(&b[..n]);
        }
        let s = token_call(
            false,
            &mut cred,
            &mut ctx,
            Some("localhost"),
            req,
            Some(&enc),
        );
        match s.status {
            SEC_E_INCOMPLETE_MESSAGE => continue,
            SEC_I_INCOMPLETE_CREDENTIALS => {
                assert!(!saw_incomplete_creds, "reported once");
                saw_incomplete_creds = true;
                req |= ISC_REQ_USE_SUPPLIED_CREDS;
                // Same input again, as curl does.
                let s = token_call(
                    false,
                    &mut cred,
                    &mut ctx,
                    Some("localhost"),
                    req,
                    Some(&enc),
                );
                assert!(
                    s.status == SEC_I_CONTINUE_NEEDED || s.status == SEC_E_OK,
                    "{:#x}",
                    s.status
                );
                sock.write_all(&s.token).unwrap();
                let keep = if s.in1.0 == SECBUFFER_EXTRA {
                    s.in1.1 as usize
                } else {
                    0
                };
                enc.drain(..enc.len() - keep);
                if s.status == SEC_E_OK {
                    assert_eq!(s.flags, req);
                    break;
                }
            }
            SEC_I_CONTINUE_NEEDED | SEC_E_OK => {
                sock.write_all(&s.token).unwrap();
                let keep = if s.in1.0 == SECBUFFER_EXTRA {
                    s.in1.1 as usize
                } else {
                    0
                };
                enc.drain(..enc.len() - keep);
                if s.status == SEC_E_OK {
                    break;
                }
            }
            st => panic!("{st:#x} {}", last_message()),
        }
    }
    assert!(
        saw_incomplete_creds,
        "the server's certificate request must be reported"
    );
    let mut ctx = ctx.unwrap();
    sock.write_all(&encrypt(&mut ctx, b"no certificate\n").unwrap())
        .unwrap();
    assert!(peer.wait_for("no certificate"), "{}", peer.output());
    delete(&mut ctx);
    free_cred(cred);
}

#[test]
fn key_update_requested_by_peer() {
    let (mut peer, port) = s_server("server", &[]);
    let mut sock = connect(port);
    let mut cred = client_cred(Kind::Sch(0), 0);
    let mut seen = Seen::default();
    let mut chunks = Chunks::Random(Rng::new(), 100);
    let (mut ctx, mut enc, _) = client_handshake(
        &mut sock,
        &mut cred,
        "localhost",
        CURL_REQ,
        &mut chunks,
        &mut seen,
    )
    .unwrap();
    peer.send("first\n");
    let (p, _) = receive(
        &mut sock,
        &mut ctx,
        &mut cred,
        false,
        &mut enc,
        6,
        &mut chunks,
        &mut seen,
    );
    assert_eq!(p, b"first\n");
    let before = seen.renegotiate;
    // "K": KeyUpdate with update_requested; our answer goes out with the ISC after
    // SEC_I_RENEGOTIATE (inside `receive`).
    peer.send("K\n");
    while seen.renegotiate == before {
        if read_chunk(&mut sock, &mut enc, &mut chunks) == 0 {
            panic!("EOF waiting for the KeyUpdate");
        }
        let (p, _) = receive(
            &mut sock,
            &mut ctx,
            &mut cred,
            false,
            &mut enc,
            0,
            &mut chunks,
            &mut seen,
        );
        assert!(p.is_empty());
    }
    assert_eq!(
        seen.renegotiate_tokens, 1,
        "ISC after the KeyUpdate must answer with our own KeyUpdate"
    );
    peer.send("after update\n");
    let (p, _) = receive(
        &mut sock,
        &mut ctx,
        &mut cred,
        false,
        &mut enc,
        13,
        &mut chunks,
        &mut seen,
    );
    assert_eq!(p, b"after update\n");
    // Our records after the update use the new keys: the server must read them.
    sock.write_all(&encrypt(&mut ctx, b"new keys ok\n").unwrap())
        .unwrap();
    assert!(peer.wait_for("new keys ok"), "{}", peer.output());
    delete(&mut ctx);
    free_cred(cred);
}

/// SSPI server against `openssl s_client`.
fn server_session(skind: Kind, client_args: &[&str], mut chunks: Chunks) {
    pki();
    let cert = cert_context("server");
    let mut cred = acquire(SECPKG_CRED_INBOUND, skind, 0, Some(cert)).unwrap();
    unsafe { wstls_CertFreeCertificateContext(cert) };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let ca = pki().ca_file();
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
            "-verify_return_error",
            "-CAfile",
        ])
        .arg(&ca)
        .args(client_args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = Arc::new(Mutex::new(String::new()));
    collect(child.stdout.take().unwrap(), out.clone(), None);
    collect(child.stderr.take().unwrap(), out.clone(), None);
    let mut peer = Peer {
        stdin: child.stdin.take(),
        child,
        out,
    };
    let (mut sock, _) = listener.accept().unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut seen = Seen::default();
    let (mut ctx, mut enc) =
        server_handshake(&mut sock, &mut cred, ASC_REQ, &mut chunks, &mut seen)
            .unwrap_or_else(|(st, _)| panic!("{st:#x}: {} / {}", last_message(), peer.output()));
    peer.send("hello from s_client\n");
    let (p, _) = receive(
        &mut sock,
        &mut ctx,
        &mut cred,
        true,
        &mut enc,
        20,
        &mut chunks,
        &mut seen,
    );
    assert_eq!(p, b"hello from s_client\n");
    sock.write_all(&encrypt(&mut ctx, b"hello from the sspi server\n").unwrap())
        .unwrap();
    assert!(
        peer.wait_for("hello from the sspi server"),
        "{}",
        peer.output()
    );
    assert!(
        peer.output().contains("Verify return code: 0 (ok)"),
        "{}",
        peer.output()
    );
    let bye = shutdown_token(true, &mut ctx, &mut cred);
    sock.write_all(&bye).unwrap();
    delete(&mut ctx);
    free_cred(cred);
}

#[test]
fn server_tls13_against_s_client() {
    server_session(Kind::Sch(0), &[], Chunks::Random(Rng::new(), 150));
}

#[test]
fn server_tls12_against_s_client() {
    server_session(Kind::Schannel(0), &["-tls1_2"], Chunks::One);
}

/// Every AEAD and version against OpenSSL's record layer (the in-place record layer of wstls
/// must agree with it byte for byte), and a HelloRetryRequest.
#[test]
fn every_suite_against_openssl() {
    let cases: [(&[&str], u32, u32); 7] = [
        (
            &["-ciphersuites", "TLS_AES_128_GCM_SHA256"],
            SP_PROT_TLS1_3_CLIENT,
            0x660E,
        ),
        (
            &["-ciphersuites", "TLS_AES_256_GCM_SHA384"],
            SP_PROT_TLS1_3_CLIENT,
            0x6610,
        ),
        (
            &["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
            SP_PROT_TLS1_3_CLIENT,
            0x6680,
        ),
        (
            &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
            SP_PROT_TLS1_2_CLIENT,
            0x660E,
        ),
        (
            &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"],
            SP_PROT_TLS1_2_CLIENT,
            0x6610,
        ),
        (
            &["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"],
            SP_PROT_TLS1_2_CLIENT,
            0x6680,
        ),
        // The client's first key share is not the server's group: HelloRetryRequest.
        (&["-groups", "secp384r1"], SP_PROT_TLS1_3_CLIENT, 0),
    ];
    for (args, proto, cipher) in cases {
        let (mut peer, port) = s_server("server", args);
        let mut sock = connect(port);
        let mut cred = client_cred(Kind::Sch(0), 0);
        let mut seen = Seen::default();
        let mut chunks = Chunks::Random(Rng::new(), 700);
        let (mut ctx, mut enc, _) = client_handshake(
            &mut sock,
            &mut cred,
            "localhost",
            CURL_REQ,
            &mut chunks,
            &mut seen,
        )
        .unwrap_or_else(|(st, _)| panic!("{args:?}: {st:#x} {} {}", last_message(), peer.output()));
        let info = connection_info(&mut ctx);
        assert_eq!(info.dwProtocol, proto, "{args:?}");
        if cipher != 0 {
            assert_eq!(info.aiCipher, cipher, "{args:?}");
        }
        let big = "z".repeat(16000) + "\n";
        sock.write_all(&encrypt(&mut ctx, big.as_bytes()).unwrap())
            .unwrap();
        sock.write_all(&encrypt_split(&mut ctx, b"split layout\n").unwrap())
            .unwrap();
        assert!(peer.wait_for("split layout"), "{args:?}: {}", peer.output());
        peer.send("reply\n");
        let (p, _) = receive(
            &mut sock,
            &mut ctx,
            &mut cred,
            false,
            &mut enc,
            6,
            &mut chunks,
            &mut seen,
        );
        assert_eq!(p, b"reply\n", "{args:?}");
        delete(&mut ctx);
        free_cred(cred);
    }
}

/// A TLS 1.2 server asks to renegotiate (HelloRequest): DecryptMessage says
/// SEC_I_RENEGOTIATE, the ISC that follows answers with a no_renegotiation warning (rustls does
/// not renegotiate), and OpenSSL, which treats that refusal as fatal, ends the connection with
/// an alert that DecryptMessage reports.
#[test]
fn renegotiation_request_is_refused() {
    let (mut peer, port) = s_server("server", &["-tls1_2"]);
    let mut sock = connect(port);
    let mut cred = client_cred(Kind::Sch(0), 0);
    let mut seen = Seen::default();
    let mut chunks = Chunks::Big;
    let (mut ctx, mut enc, _) = client_handshake(
        &mut sock,
        &mut cred,
        "localhost",
        CURL_REQ,
        &mut chunks,
        &mut seen,
    )
    .unwrap();
    assert_eq!(connection_info(&mut ctx).dwProtocol, SP_PROT_TLS1_2_CLIENT);
    peer.send("r\n");
    // Read until the HelloRequest arrives.
    let mut status = SEC_E_OK;
    let mut answered = false;
    for _ in 0..50 {
        if enc.is_empty() && read_chunk(&mut sock, &mut enc, &mut chunks) == 0 {
            break;
        }
        let d = decrypt(&mut ctx, &mut enc);
        status = d.status;
        let keep = d.extra;
        if d.status == SEC_E_INCOMPLETE_MESSAGE {
            read_chunk(&mut sock, &mut enc, &mut chunks);
            continue;
        }
        enc.drain(..enc.len() - keep);
        if d.status == SEC_I_RENEGOTIATE {
            let mut c = Some(ctx);
            let r = token_call(
                false,
                &mut cred,
                &mut c,
                Some("localhost"),
                CURL_REQ,
                Some(&enc),
            );
            assert_eq!(r.status, SEC_E_OK);
            assert!(
                !r.token.is_empty(),
                "the refusal (a warning alert) must be sent"
            );
            sock.write_all(&r.token).unwrap();
            answered = true;
            continue;
        }
        if d.status != SEC_E_OK {
            break;
        }
    }
    assert!(
        answered,
        "no SEC_I_RENEGOTIATE for the HelloRequest (last status {status:#x})"
    );
    assert!(
        status < 0,
        "OpenSSL ends the connection after the refusal; DecryptMessage reports its alert"
    );
    delete(&mut ctx);
    free_cred(cred);
}
