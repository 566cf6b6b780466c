//! Shared pieces of the CE integration tests: test-time PKI (a CA and a leaf, made with
//! rcgen), real TLS peers on loopback (openssl `s_server`, Python `ssl`, a rustls server
//! thread) and thin wrappers over wstls's C ABI (called through the rlib, as C would).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::raw::{c_char, c_int, c_void};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use wstls::ffi::winsock::*;
use wstls::win::sslsock::*;
use wstls::win::winsock::{sockaddr, SOCKET};
use wstls::win::wsa;

pub const SOCKET_ERROR: c_int = -1;

// ---------------------------------------------------------------------------------------------
// PKI
// ---------------------------------------------------------------------------------------------

/// A CA, a leaf it signed (SAN: localhost, 127.0.0.1) and the files a peer needs.
pub struct Pki {
    pub dir: PathBuf,
    pub ca_pem: String,
    pub ca_der: Vec<u8>,
    pub leaf_der: Vec<u8>,
    pub ca_file: PathBuf,
    /// Leaf only.
    pub cert_file: PathBuf,
    /// Leaf then CA.
    pub chain_file: PathBuf,
    pub key_file: PathBuf,
    pub ca_cn: String,
    pub leaf_cn: String,
    pub key_pem: String,
    pub leaf_pem: String,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "wstls-test-{}-{}-{}",
        std::process::id(),
        tag,
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

impl Pki {
    /// A fresh CA ("<tag> Test CA") and leaf ("<tag> server"), valid 2020-01-01 .. 2040-01-01.
    pub fn new(tag: &str) -> Pki {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        let ca_cn = format!("{tag} Test CA");
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name
            .push(DnType::OrganizationName, "wstls tests");
        ca.distinguished_name
            .push(DnType::CommonName, ca_cn.clone());
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);

        let leaf_key = KeyPair::generate().unwrap();
        let mut leaf =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let leaf_cn = format!("{tag} server");
        leaf.distinguished_name = rcgen::DistinguishedName::new();
        leaf.distinguished_name
            .push(DnType::CommonName, leaf_cn.clone());
        leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2040, 1, 1);
        leaf.serial_number = Some(rcgen::SerialNumber::from_slice(&[
            0x01, 0x23, 0x45, 0x67, 0x89, 0xAB,
        ]));
        leaf.use_authority_key_identifier_extension = true;
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();

        let dir = tmpdir(tag);
        let ca_file = dir.join("ca.pem");
        let cert_file = dir.join("leaf.pem");
        let chain_file = dir.join("chain.pem");
        let key_file = dir.join("key.pem");
        std::fs::write(&ca_file, ca_cert.pem()).unwrap();
        std::fs::write(&cert_file, leaf_cert.pem()).unwrap();
        std::fs::write(&chain_file, format!("{}{}", leaf_cert.pem(), ca_cert.pem())).unwrap();
        std::fs::write(&key_file, leaf_key.serialize_pem()).unwrap();
        Pki {
            dir,
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().to_vec(),
            leaf_der: leaf_cert.der().to_vec(),
            ca_file,
            cert_file,
            chain_file,
            key_file,
            ca_cn,
            leaf_cn,
            key_pem: leaf_key.serialize_pem(),
            leaf_pem: leaf_cert.pem(),
        }
    }

    /// Adds this CA to wstls's process trust roots (wstls extension).
    pub fn trust(&self) {
        let n = unsafe {
            wstls::ffi::ext::wstls_add_trusted_ca_pem(
                self.ca_pem.as_ptr() as *const c_char,
                self.ca_pem.len(),
            )
        };
        assert_eq!(n, 1, "wstls_add_trusted_ca_pem: {}", last_message());
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------------------------
// Peers
// ---------------------------------------------------------------------------------------------

/// A child-process peer: its port and its stdout for result lines.
pub struct Peer {
    pub child: Child,
    pub port: u16,
    pub out: BufReader<ChildStdout>,
}

impl Peer {
    /// The next line starting with "RESULT " (the peer's verdict), without the prefix.
    pub fn result(&mut self) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            if self.out.read_line(&mut line).unwrap_or(0) == 0 {
                return "NO RESULT (peer exited)".into();
            }
            if let Some(r) = line.trim_end().strip_prefix("RESULT ") {
                return r.to_string();
            }
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn peers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers")
}

/// Python `ssl` server (tests/peers/py_tls_server.py) in `mode`, serving `pki`'s leaf+CA chain.
pub fn python_server(pki: &Pki, mode: &str, extra: &[&str]) -> Peer {
    let mut child = Command::new("python3")
        .arg(peers_dir().join("py_tls_server.py"))
        .args([
            "--cert",
            pki.chain_file.to_str().unwrap(),
            "--key",
            pki.key_file.to_str().unwrap(),
            "--mode",
            mode,
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .unwrap_or_else(|| panic!("python peer said {line:?}"))
        .parse()
        .unwrap();
    Peer { child, port, out }
}

/// `openssl s_server -rev` (reverses each line it receives) with `pki`'s leaf, plus `args`.
pub fn openssl_server(pki: &Pki, args: &[&str]) -> Peer {
    let mut child = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-naccept",
            "1",
            "-rev",
            "-cert",
        ])
        .arg(&pki.cert_file)
        .arg("-key")
        .arg(&pki.key_file)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let port = loop {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("openssl s_server exited before listening");
        }
        if let Some(rest) = line.trim().strip_prefix("ACCEPT ") {
            break rest.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    Peer { child, port, out }
}

/// The rustls server config for `pki`'s leaf (all versions, rustls defaults otherwise).
pub fn rustls_config(pki: &Pki) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    let certs = vec![rustls::pki_types::CertificateDer::from(
        pki.leaf_der.clone(),
    )];
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(pki.key_pem.as_bytes()).unwrap();
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_protocol_versions(rustls::ALL_VERSIONS)
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    Arc::new(cfg)
}

/// A rustls server thread: one connection, optional plaintext STARTTLS prelude, then `serve`.
pub fn rustls_server(
    pki: &Pki,
    starttls: bool,
    serve: impl FnOnce(&mut rustls::ServerConnection, &mut TcpStream) + Send + 'static,
) -> (u16, std::thread::JoinHandle<()>) {
    rustls_server_with(rustls_config(pki), starttls, serve)
}

/// Like [`rustls_server`] with a given config. A failed handshake ends the thread quietly.
pub fn rustls_server_with(
    cfg: Arc<rustls::ServerConfig>,
    starttls: bool,
    serve: impl FnOnce(&mut rustls::ServerConnection, &mut TcpStream) + Send + 'static,
) -> (u16, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut tcp, _) = l.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        if starttls {
            let mut line = Vec::new();
            let mut b = [0u8; 1];
            while !line.ends_with(b"\n") {
                if tcp.read(&mut b).unwrap() == 0 {
                    return;
                }
                line.push(b[0]);
            }
            assert_eq!(line, b"STARTTLS\r\n", "plaintext command");
            tcp.write_all(b"OK STARTTLS\r\n").unwrap();
        }
        let mut conn = rustls::ServerConnection::new(cfg).unwrap();
        while conn.is_handshaking() {
            if conn.complete_io(&mut tcp).is_err() {
                return;
            }
        }
        serve(&mut conn, &mut tcp);
    });
    (port, h)
}

// ---------------------------------------------------------------------------------------------
// The C ABI, as a C program would call it
// ---------------------------------------------------------------------------------------------

pub fn startup() {
    let mut d: wstls::win::winsock::WSADATA = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { wstls_WSAStartup(0x0202, &mut d) }, 0);
}

pub fn last_error() -> i32 {
    wstls_WSAGetLastError()
}

pub fn last_message() -> String {
    unsafe { std::ffi::CStr::from_ptr(wstls_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

pub fn sockaddr_v4(port: u16) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[0..2].copy_from_slice(&(wsa::AF_INET as u16).to_le_bytes());
    a[2..4].copy_from_slice(&port.to_be_bytes());
    a[4..8].copy_from_slice(&[127, 0, 0, 1]);
    a
}

/// `socket` + `setsockopt(SO_SECURE, SO_SEC_SSL)`.
pub fn secure_socket() -> SOCKET {
    startup();
    let s = wstls_socket(wsa::AF_INET, wsa::SOCK_STREAM, wsa::IPPROTO_TCP);
    assert_ne!(s, wsa::INVALID_SOCKET, "socket: {}", last_message());
    let dw: u32 = wsa::SO_SEC_SSL;
    let r = unsafe {
        wstls_setsockopt(
            s,
            wsa::SOL_SOCKET,
            wsa::SO_SECURE,
            &dw as *const u32 as *const c_char,
            4,
        )
    };
    assert_eq!(r, 0, "setsockopt(SO_SECURE): {}", last_message());
    s
}

pub fn connect(s: SOCKET, port: u16) -> c_int {
    let a = sockaddr_v4(port);
    unsafe { wstls_connect(s, a.as_ptr() as *const sockaddr, 16) }
}

/// `WSAIoctl` with NULL `lpOverlapped`/completion routine, as CE programs call it.
pub fn ioctl(
    s: SOCKET,
    code: u32,
    input: *const c_void,
    cb_in: u32,
    output: *mut c_void,
    cb_out: u32,
    returned: Option<&mut u32>,
) -> c_int {
    let r = returned
        .map(|r| r as *mut u32)
        .unwrap_or(std::ptr::null_mut());
    unsafe {
        wstls_WSAIoctl(
            s,
            code,
            input as *mut c_void,
            cb_in,
            output,
            cb_out,
            r,
            std::ptr::null_mut(),
            None,
        )
    }
}

pub fn set_flags(s: SOCKET, flags: u32) -> c_int {
    ioctl(
        s,
        SO_SSL_SET_FLAGS,
        &flags as *const u32 as *const c_void,
        4,
        std::ptr::null_mut(),
        0,
        None,
    )
}

pub fn set_peer_name(s: SOCKET, name: &[u8]) -> c_int {
    ioctl(
        s,
        SO_SSL_SET_PEERNAME,
        name.as_ptr() as *const c_void,
        name.len() as u32,
        std::ptr::null_mut(),
        0,
        None,
    )
}

pub fn set_hook(s: SOCKET, f: ValidateFn, arg: *mut c_void) -> c_int {
    let h = SSLVALIDATECERTHOOK {
        HookFunc: Some(f),
        pvArg: arg,
    };
    ioctl(
        s,
        SO_SSL_SET_VALIDATE_CERT_HOOK,
        &h as *const _ as *const c_void,
        std::mem::size_of_val(&h) as u32,
        std::ptr::null_mut(),
        0,
        None,
    )
}

pub fn perform_handshake(s: SOCKET, name: Option<&[u8]>) -> c_int {
    match name {
        Some(n) => ioctl(
            s,
            SO_SSL_PERFORM_HANDSHAKE,
            n.as_ptr() as *const c_void,
            n.len() as u32,
            std::ptr::null_mut(),
            0,
            None,
        ),
        None => ioctl(
            s,
            SO_SSL_PERFORM_HANDSHAKE,
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
            0,
            None,
        ),
    }
}

pub fn conn_info(s: SOCKET) -> SSLCONNECTIONINFO {
    let mut ci = SSLCONNECTIONINFO::default();
    let mut n = 0u32;
    let r = ioctl(
        s,
        SO_SSL_GET_CONNECTION_INFO,
        std::ptr::null(),
        0,
        &mut ci as *mut _ as *mut c_void,
        28,
        Some(&mut n),
    );
    assert_eq!(r, 0, "SO_SSL_GET_CONNECTION_INFO: {}", last_message());
    assert_eq!(n, 28);
    ci
}

pub fn send_all(s: SOCKET, data: &[u8]) {
    let r = unsafe { wstls_send(s, data.as_ptr() as *const c_char, data.len() as c_int, 0) };
    assert_eq!(
        r,
        data.len() as c_int,
        "send: {} {}",
        last_error(),
        last_message()
    );
}

/// `recv` until `n` bytes have arrived (or the stream ends).
pub fn recv_n(s: SOCKET, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < n {
        let r = unsafe {
            wstls_recv(
                s,
                buf.as_mut_ptr() as *mut c_char,
                buf.len().min(n - out.len()) as c_int,
                0,
            )
        };
        assert!(
            r > 0,
            "recv returned {r} after {} bytes: {} {}",
            out.len(),
            last_error(),
            last_message()
        );
        out.extend_from_slice(&buf[..r as usize]);
    }
    out
}

pub fn recv_once(s: SOCKET, buf: &mut [u8]) -> c_int {
    unsafe { wstls_recv(s, buf.as_mut_ptr() as *mut c_char, buf.len() as c_int, 0) }
}

pub fn close(s: SOCKET) {
    assert_eq!(wstls_closesocket(s), 0);
}

// ---------------------------------------------------------------------------------------------
// A validation hook that records what it saw
// ---------------------------------------------------------------------------------------------

pub type ValidateFn = unsafe extern "C" fn(u32, *mut c_void, u32, *mut BLOB, u32) -> i32;

/// What the hook saw; `answer` is what it returns.
#[derive(Default)]
pub struct HookLog {
    pub answer: i32,
    pub calls: AtomicU32,
    pub seen: std::sync::Mutex<Vec<Seen>>,
}

#[derive(Clone, Debug)]
pub struct Seen {
    pub dw_type: u32,
    pub pv_arg: usize,
    pub chain_len: u32,
    pub leaf: Vec<u8>,
    pub flags: u32,
}

impl HookLog {
    pub fn new(answer: i32) -> Box<HookLog> {
        Box::new(HookLog {
            answer,
            ..Default::default()
        })
    }
    pub fn arg(&self) -> *mut c_void {
        self as *const HookLog as *mut c_void
    }
    pub fn only(&self) -> Seen {
        let v = self.seen.lock().unwrap();
        assert_eq!(
            v.len(),
            1,
            "the hook must be called exactly once per handshake"
        );
        v[0].clone()
    }
}

pub unsafe extern "C" fn recording_hook(
    dw_type: u32,
    pv_arg: *mut c_void,
    chain_len: u32,
    chain: *mut BLOB,
    flags: u32,
) -> i32 {
    let log = &*(pv_arg as *const HookLog);
    log.calls.fetch_add(1, Ordering::SeqCst);
    let leaf = if chain.is_null() {
        Vec::new()
    } else {
        std::slice::from_raw_parts((*chain).pBlobData, (*chain).cbSize as usize).to_vec()
    };
    log.seen.lock().unwrap().push(Seen {
        dw_type,
        pv_arg: pv_arg as usize,
        chain_len,
        leaf,
        flags,
    });
    log.answer
}
