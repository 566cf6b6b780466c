//! Hostile peers for the reliability tests: a loopback TCP server that misbehaves on purpose.
//!
//! Two kinds of misbehaviour:
//! - raw bytes on the wire (garbage, truncated or oversized records, stalls, floods of
//!   plaintext alerts) written straight to the socket;
//! - a real rustls server that completes the handshake and then, with the session keys it
//!   exported (`dangerous_extract_secrets`), writes *encrypted* records no honest rustls
//!   would write: HelloRequests, warning alerts, empty records, records cut in half.
//!
//! No TLS or socket is mocked: the client under test is wstls over a real loopback socket.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::crypto::cipher::{MessageEncrypter, OutboundChunks, OutboundPlainMessage};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ConnectionTrafficSecrets, ContentType, ProtocolVersion, ServerConfig};

/// A hostile server: one connection, handled by `f` on its own thread.
pub struct Hostile {
    pub port: u16,
    handle: Option<JoinHandle<()>>,
}

impl Hostile {
    /// Waits for the server thread (it ends when its scenario is over).
    pub fn join(mut self) {
        if let Some(h) = self.handle.take() {
            h.join().expect("hostile server thread panicked");
        }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            if !std::thread::panicking() {
                h.join().expect("hostile server thread panicked");
            }
        }
    }
}

/// Serves one connection with `f`.
pub fn serve(f: impl FnOnce(TcpStream) + Send + 'static) -> Hostile {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        f(s)
    });
    Hostile {
        port,
        handle: Some(handle),
    }
}

/// Reads and discards until the client closes (or resets) the connection: a peer that stays
/// connected and says nothing more.
pub fn stall(mut s: TcpStream) {
    let mut b = [0u8; 4096];
    loop {
        match s.read(&mut b) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Reads one TLS record (header and body) from the client; `None` at EOF.
pub fn read_record(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut h = [0u8; 5];
    s.read_exact(&mut h).ok()?;
    let n = u16::from_be_bytes([h[3], h[4]]) as usize;
    let mut body = vec![0u8; n];
    s.read_exact(&mut body).ok()?;
    let mut v = h.to_vec();
    v.extend_from_slice(&body);
    Some(v)
}

/// A plaintext TLS record.
pub fn record(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![typ, 3, 3];
    v.extend_from_slice(&(body.len() as u16).to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// Writes, ignoring a client that already went away.
pub fn send(s: &mut TcpStream, data: &[u8]) {
    let _ = s.write_all(data);
    let _ = s.flush();
}

// ---------------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------------

/// A server identity: DER chain (leaf first) and key.
pub struct Ident {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Clone for Ident {
    fn clone(&self) -> Self {
        Ident {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

/// The identity from the test PKI's PEM files (trusted by the client under test).
pub fn ident_from_files(cert: &std::path::Path, key: &std::path::Path) -> Ident {
    let chain = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    Ident { chain, key }
}

fn ca_params(name: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

/// A chain of `depth` intermediate CAs under a fresh root: leaf, `depth` intermediates (the
/// root is returned apart as PEM, for the client's trust store).
pub fn long_chain(depth: usize) -> (Ident, String) {
    let root_key = KeyPair::generate().unwrap();
    let root_params = ca_params("long chain root");
    let root = root_params.self_signed(&root_key).unwrap();
    let mut issuer = Issuer::new(root_params, root_key);
    let mut inters = Vec::new();
    for i in 0..depth {
        let p = ca_params(&format!("intermediate {i}"));
        let k = KeyPair::generate().unwrap();
        let c = p.signed_by(&k, &issuer).unwrap();
        inters.push(c.der().clone());
        issuer = Issuer::new(p, k);
    }
    let mut lp = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    lp.distinguished_name.push(DnType::CommonName, "localhost");
    lp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let lk = KeyPair::generate().unwrap();
    let leaf = lp.signed_by(&lk, &issuer).unwrap();
    inters.reverse(); // closest to the leaf first
    let mut chain = vec![leaf.der().clone()];
    chain.extend(inters);
    (
        Ident {
            chain,
            key: PrivateKeyDer::try_from(lk.serialize_der()).unwrap(),
        },
        root.pem(),
    )
}

// ---------------------------------------------------------------------------------------------
// A rustls server that completes the handshake, then writes raw encrypted records
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ver {
    Tls12,
    Tls13,
}

/// A server config for one protocol version, AES-128-GCM only (so the record writer below
/// knows the cipher), with secret extraction on.
pub fn server_config(v: Ver, id: &Ident) -> Arc<ServerConfig> {
    use rustls::crypto::aws_lc_rs::{cipher_suite, default_provider};
    let mut provider = default_provider();
    provider.cipher_suites = vec![
        cipher_suite::TLS13_AES_128_GCM_SHA256,
        cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    let versions: &[&rustls::SupportedProtocolVersion] = match v {
        Ver::Tls12 => &[&rustls::version::TLS12],
        Ver::Tls13 => &[&rustls::version::TLS13],
    };
    let mut cfg = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(id.chain.clone(), id.key.clone_key())
        .unwrap();
    cfg.enable_secret_extraction = true;
    // No tickets: the records we write after the handshake are the only ones.
    cfg.send_tls13_tickets = 0;
    Arc::new(cfg)
}

/// Runs the server handshake to completion and flushes everything rustls wants to send.
/// `None` if the client gave up.
pub fn handshake(s: &mut TcpStream, cfg: Arc<ServerConfig>) -> Option<rustls::ServerConnection> {
    let mut conn = rustls::ServerConnection::new(cfg).unwrap();
    while conn.is_handshaking() {
        conn.complete_io(s).ok()?;
    }
    while conn.wants_write() {
        conn.write_tls(s).ok()?;
    }
    Some(conn)
}

/// Writes records under the server's exported traffic keys.
pub enum RawWriter {
    /// TLS 1.3: rustls's own record encrypter (nonce = iv XOR sequence number).
    Tls13 {
        enc: Box<dyn MessageEncrypter>,
        seq: u64,
    },
    /// TLS 1.2 AES-GCM, written here (RFC 5288): explicit nonce on the wire, the sequence
    /// number in the additional data.
    Tls12 {
        key: aws_lc_rs::aead::LessSafeKey,
        salt: [u8; 4],
        seq: u64,
    },
}

impl RawWriter {
    /// Takes over the server's sending direction after the handshake.
    pub fn from(conn: rustls::ServerConnection) -> RawWriter {
        use rustls::crypto::aws_lc_rs::cipher_suite;
        let tls13 = conn.protocol_version() == Some(ProtocolVersion::TLSv1_3);
        let secrets = conn.dangerous_extract_secrets().expect("secret extraction");
        let (seq, tx) = secrets.tx;
        let ConnectionTrafficSecrets::Aes128Gcm { key, iv } = tx else {
            panic!("unexpected cipher");
        };
        if tls13 {
            let enc = cipher_suite::TLS13_AES_128_GCM_SHA256
                .tls13()
                .unwrap()
                .aead_alg
                .encrypter(key, iv);
            RawWriter::Tls13 { enc, seq }
        } else {
            use aws_lc_rs::aead::{LessSafeKey, UnboundKey, AES_128_GCM};
            let k = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, key.as_ref()).unwrap());
            let mut salt = [0u8; 4];
            salt.copy_from_slice(&iv.as_ref()[..4]);
            RawWriter::Tls12 { key: k, salt, seq }
        }
    }

    /// One encrypted record of content type `typ` holding `payload` (which may be empty).
    pub fn record(&mut self, typ: ContentType, payload: &[u8]) -> Vec<u8> {
        match self {
            RawWriter::Tls13 { enc, seq } => {
                let m = OutboundPlainMessage {
                    typ,
                    version: ProtocolVersion::TLSv1_2,
                    payload: OutboundChunks::Single(payload),
                };
                let out = enc.encrypt(m, *seq).unwrap();
                *seq += 1;
                out.encode()
            }
            RawWriter::Tls12 { key, salt, seq } => {
                use aws_lc_rs::aead::{Aad, Nonce};
                let t = u8::from(typ);
                let explicit = seq.to_be_bytes();
                let mut nonce = [0u8; 12];
                nonce[..4].copy_from_slice(salt);
                nonce[4..].copy_from_slice(&explicit);
                let mut aad = Vec::with_capacity(13);
                aad.extend_from_slice(&seq.to_be_bytes());
                aad.extend_from_slice(&[t, 3, 3]);
                aad.extend_from_slice(&(payload.len() as u16).to_be_bytes());
                let mut body = payload.to_vec();
                key.seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad),
                    &mut body,
                )
                .unwrap();
                *seq += 1;
                let mut rec = vec![t, 3, 3];
                rec.extend_from_slice(&((8 + body.len()) as u16).to_be_bytes());
                rec.extend_from_slice(&explicit);
                rec.extend_from_slice(&body);
                rec
            }
        }
    }
}

/// A TLS alert body.
pub fn alert(level: u8, desc: u8) -> [u8; 2] {
    [level, desc]
}

pub const ALERT_WARNING: u8 = 1;
pub const ALERT_USER_CANCELED: u8 = 90;
pub const ALERT_NO_RENEGOTIATION: u8 = 100;
pub const ALERT_CLOSE_NOTIFY: u8 = 0;

/// A TLS 1.2 HelloRequest handshake message (type 0, empty body).
pub const HELLO_REQUEST: [u8; 4] = [0, 0, 0, 0];
