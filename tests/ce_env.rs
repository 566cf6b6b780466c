//! The environment configuration seen by a CE program: `WSTLS_CA_FILE` adds trust roots and
//! `SSLKEYLOGFILE` records the secrets a capture needs (Wireshark's NSS key log format).
//! One test in its own binary, so the variables are set before wstls reads them.
#[path = "ce_common/mod.rs"]
mod common;

use common::*;
use wstls::win::sslsock::*;
use wstls::win::wsa;

#[test]
fn wstls_ca_file_is_trusted_and_sslkeylogfile_is_written() {
    let pki = Pki::new("env");
    let keylog = pki.dir.join("keys.log");
    std::env::set_var("WSTLS_CA_FILE", &pki.ca_file);
    std::env::set_var("SSLKEYLOGFILE", &keylog);

    // No hook, a peer name, the CA only in WSTLS_CA_FILE: verified.
    let mut peer = python_server(&pki, "echo", &[]);
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(
        connect(s, peer.port),
        0,
        "WSTLS_CA_FILE should make the chain trusted: {}",
        last_message()
    );
    send_all(s, b"keylog");
    assert_eq!(recv_n(s, 6), b"keylog");
    assert_eq!(conn_info(s).dwProtocol, SP_PROT_TLS1_3_CLIENT);
    close(s);
    assert_eq!(peer.result(), "CLEAN");

    let log = std::fs::read_to_string(&keylog).expect("SSLKEYLOGFILE was not written");
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ] {
        assert!(
            log.lines()
                .any(|l| l.starts_with(label) && l.split(' ').count() == 3),
            "{label} missing from the key log:\n{log}"
        );
    }

    // A different, untrusted CA still fails without a hook.
    let other = Pki::new("env-other");
    let peer = python_server(&other, "echo", &[]);
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), -1);
    assert_eq!(last_error(), wsa::WSAECONNABORTED);
    close(s);
}
