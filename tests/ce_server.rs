//! CE secure sockets on the server side (`SSL_FLAG_SERVER` is implied by `accept` on a secure
//! listening socket), with the identity from `WSTLS_CERT_FILE`/`WSTLS_KEY_FILE`: a deferred
//! handshake on both ends (wstls client and wstls server), and an `openssl s_client` peer.
//! One test in its own binary, so the environment is set before wstls reads it.
#[path = "ce_common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::raw::c_int;
use std::process::{Command, Stdio};

use common::*;
use wstls::ffi::winsock::*;
use wstls::win::sslsock::*;
use wstls::win::winsock::{sockaddr, SOCKET};
use wstls::win::wsa;

fn listener(deferred: bool) -> (SOCKET, u16) {
    let l = secure_socket();
    if deferred {
        assert_eq!(set_flags(l, SSL_FLAG_DEFER_HANDSHAKE), 0);
    }
    let a = sockaddr_v4(0);
    assert_eq!(
        unsafe { wstls_bind(l, a.as_ptr() as *const sockaddr, 16) },
        0,
        "{}",
        last_message()
    );
    assert_eq!(wstls_listen(l, 4), 0);
    let mut out = [0u8; 16];
    let mut len: c_int = 16;
    assert_eq!(
        unsafe { wstls_getsockname(l, out.as_mut_ptr() as *mut sockaddr, &mut len) },
        0
    );
    (l, u16::from_be_bytes([out[2], out[3]]))
}

fn accept(l: SOCKET) -> SOCKET {
    let c = unsafe { wstls_accept(l, std::ptr::null_mut(), std::ptr::null_mut()) };
    assert_ne!(c, wsa::INVALID_SOCKET, "accept: {}", last_message());
    c
}

#[test]
fn secure_server_sockets() {
    let pki = Pki::new("server");
    pki.trust();
    std::env::set_var("WSTLS_CERT_FILE", &pki.chain_file);
    std::env::set_var("WSTLS_KEY_FILE", &pki.key_file);
    startup();

    // 1. Deferred on both ends: plaintext first, then SO_SSL_PERFORM_HANDSHAKE on each side.
    let (l, port) = listener(true);
    let client = std::thread::spawn(move || {
        let s = secure_socket();
        assert_eq!(set_flags(s, SSL_FLAG_DEFER_HANDSHAKE), 0);
        assert_eq!(connect(s, port), 0);
        send_all(s, b"STARTTLS\r\n");
        assert_eq!(recv_n(s, 4), b"OK\r\n");
        assert_eq!(
            perform_handshake(s, Some(b"localhost\0")),
            0,
            "client: {}",
            last_message()
        );
        send_all(s, b"over tls");
        let back = recv_n(s, 8);
        assert_eq!(
            conn_info(s).dwProtocol,
            wstls::win::sslsock::SP_PROT_TLS1_3_CLIENT
        );
        close(s);
        back
    });
    let c = accept(l);
    assert_eq!(recv_n(c, 10), b"STARTTLS\r\n");
    send_all(c, b"OK\r\n");
    let mut f = 0u32;
    assert_eq!(
        ioctl(
            c,
            SO_SSL_GET_FLAGS,
            std::ptr::null(),
            0,
            &mut f as *mut u32 as *mut _,
            4,
            None
        ),
        0
    );
    assert_eq!(
        f & SSL_FLAG_SERVER,
        SSL_FLAG_SERVER,
        "an accepted secure socket is a server"
    );
    assert_eq!(perform_handshake(c, None), 0, "server: {}", last_message());
    assert_eq!(
        conn_info(c).dwProtocol,
        wstls::win::sslsock::SP_PROT_TLS1_3_SERVER
    );
    let got = recv_n(c, 8);
    assert_eq!(got, b"over tls");
    send_all(c, b"OVER TLS");
    assert_eq!(client.join().unwrap(), b"OVER TLS");
    let mut b = [0u8; 4];
    assert_eq!(
        recv_once(c, &mut b),
        0,
        "the client's closesocket sent close_notify"
    );
    close(c);
    close(l);

    // 2. Not deferred: accept runs the handshake; openssl s_client verifies us with the CA.
    let (l, port) = listener(false);
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
            "-verify_return_error",
            "-quiet",
            "-CAfile",
        ])
        .arg(&pki.ca_file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl");
    let c = accept(l);
    assert!(conn_info(c).dwProtocol == wstls::win::sslsock::SP_PROT_TLS1_3_SERVER);
    send_all(c, b"hello s_client\n");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "hello s_client\n");
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"hello wstls\n")
        .unwrap();
    assert_eq!(recv_n(c, 12), b"hello wstls\n");
    close(c);
    let _ = child.kill();
    let _ = child.wait();
    close(l);
}
