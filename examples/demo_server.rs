//! A local TLS server for the CE demo (scripts/demo-tls.sh); no internet needed.
//!
//! At start it makes a test CA and a server certificate for `localhost`/`127.0.0.1`, writes
//! the CA to `<dir>/ca.pem` (give it to the client with `WSTLS_CA_FILE`), and listens on
//! 127.0.0.1. Each connection either starts TLS at once, or first speaks a STARTTLS-style
//! plaintext prelude (`STARTTLS\r\n` → `OK STARTTLS\r\n`) as in CE's deferred-handshake
//! recipe. Over TLS it answers each line upper-cased and ends with `close_notify` when the
//! client sends its own.
//!
//! ```text
//! cargo run --example demo_server -- [--port 4433] [--dir /tmp/wstls-demo] [--count N]
//! ```
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn make_pki(dir: &std::path::Path) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.distinguished_name = rcgen::DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::OrganizationName, "wstls demo");
    ca.distinguished_name
        .push(DnType::CommonName, "wstls demo CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).expect("CA");
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().expect("key");
    let mut leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("params");
    leaf.distinguished_name = rcgen::DistinguishedName::new();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf_cert = leaf.signed_by(&key, &issuer).expect("leaf");

    std::fs::create_dir_all(dir).expect("demo directory");
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).expect("ca.pem");
    let key = PrivateKeyDer::from_pem_slice(key.serialize_pem().as_bytes()).expect("key PEM");
    (vec![leaf_cert.der().clone()], key)
}

fn serve(mut tcp: TcpStream, cfg: Arc<rustls::ServerConfig>) -> std::io::Result<()> {
    let peer = tcp.peer_addr()?;
    let mut first = [0u8; 1];
    if tcp.peek(&mut first)? == 0 {
        return Ok(());
    }
    if first[0] != 0x16 {
        // Plaintext prelude (the deferred handshake of CE programs).
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        while !line.ends_with(b"\n") && line.len() < 256 {
            if tcp.read(&mut b)? == 0 {
                return Ok(());
            }
            line.push(b[0]);
        }
        let cmd = String::from_utf8_lossy(&line).trim().to_string();
        println!("{peer}: plaintext {cmd:?}");
        if cmd != "STARTTLS" {
            tcp.write_all(b"ERR say STARTTLS\r\n")?;
            return Ok(());
        }
        tcp.write_all(b"OK STARTTLS\r\n")?;
    }
    let conn = rustls::ServerConnection::new(cfg).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    println!(
        "{peer}: TLS {:?} {:?} {:?}",
        tls.conn.protocol_version().unwrap(),
        tls.conn.negotiated_cipher_suite().unwrap().suite(),
        tls.conn.negotiated_key_exchange_group().map(|g| g.name())
    );
    let mut reader = BufReader::new(&mut tls);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) => break, // close_notify
            Ok(_) => {}
            Err(e) => {
                println!("{peer}: {e}");
                return Ok(());
            }
        }
        println!("{peer}: received {:?}", line.trim_end());
        reader.get_mut().write_all(line.to_uppercase().as_bytes())?;
        reader.get_mut().flush()?;
    }
    println!("{peer}: close_notify received; answering with ours");
    tls.conn.send_close_notify();
    let _ = tls.conn.complete_io(&mut tls.sock);
    Ok(())
}

fn main() {
    let mut port = 4433u16;
    let mut dir = std::env::temp_dir().join("wstls-demo");
    let mut count: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => port = args.next().and_then(|v| v.parse().ok()).expect("--port N"),
            "--dir" => dir = PathBuf::from(args.next().expect("--dir DIR")),
            "--count" => count = args.next().and_then(|v| v.parse().ok()),
            other => {
                eprintln!("unknown argument {other}; usage: demo_server [--port N] [--dir DIR] [--count N]");
                std::process::exit(2);
            }
        }
    }
    let (chain, key) = make_pki(&dir);
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("server certificate");
    let cfg = Arc::new(cfg);
    let l = TcpListener::bind(("127.0.0.1", port)).expect("bind");
    let port = l.local_addr().expect("local address").port();
    println!(
        "demo server: CA in {}, listening on 127.0.0.1:{port}",
        dir.join("ca.pem").display()
    );
    std::fs::write(dir.join("port"), port.to_string()).expect("port file");
    let mut handles = Vec::new();
    for (i, s) in l.incoming().enumerate() {
        let Ok(s) = s else { continue };
        let cfg = cfg.clone();
        handles.push(std::thread::spawn(move || {
            if let Err(e) = serve(s, cfg) {
                println!("connection error: {e}");
            }
        }));
        if count.is_some_and(|c| i + 1 >= c) {
            break;
        }
    }
    for h in handles {
        let _ = h.join();
    }
}
