//! Shared helpers for the Rust integration tests: a test-time PKI (rcgen) and thin wrappers
//! over the C ABI so tests read like the Windows programs they stand for.
#![allow(dead_code)]

use std::os::raw::{c_char, c_int};
use std::path::PathBuf;
use std::sync::Once;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use wstls::ffi::winsock::*;
use wstls::win::winsock::*;
use wstls::win::wsa;

pub struct Pki {
    pub dir: PathBuf,
    pub ca_pem: String,
    pub ca_file: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub server_der: Vec<u8>,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A server leaf signed by a CA nobody trusts.
    pub rogue_cert: PathBuf,
    pub rogue_key: PathBuf,
}

fn ca(name: &str) -> (Issuer<'static, KeyPair>, String) {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().unwrap();
    let cert = p.self_signed(&key).unwrap();
    (Issuer::new(p, key), cert.pem())
}

fn leaf(
    issuer: &Issuer<'static, KeyPair>,
    cn: &str,
    sans: &[&str],
    client: bool,
) -> (String, String, Vec<u8>) {
    let mut p =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.extended_key_usages = vec![if client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    let key = KeyPair::generate().unwrap();
    let cert = p.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem(), cert.der().to_vec())
}

/// A fresh CA with a server leaf (localhost, 127.0.0.1, ::1) and a client leaf, as PEM files.
pub fn pki() -> Pki {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wstls-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (ca_issuer, ca_pem) = ca("wstls test CA");
    let (scert, skey, sder) = leaf(
        &ca_issuer,
        "localhost",
        &["localhost", "127.0.0.1", "::1"],
        false,
    );
    let (ccert, ckey, _) = leaf(&ca_issuer, "wstls test client", &["client.test"], true);
    let (rogue_ca, _) = ca("rogue CA");
    let (rcert, rkey, _) = leaf(&rogue_ca, "localhost", &["localhost", "127.0.0.1"], false);
    let w = |name: &str, data: &str| {
        let p = dir.join(name);
        std::fs::write(&p, data).unwrap();
        p
    };
    // The server file holds the chain: leaf then CA.
    Pki {
        ca_file: w("ca.pem", &ca_pem),
        server_cert: w("server.pem", &format!("{scert}{ca_pem}")),
        server_key: w("server.key", &skey),
        server_der: sder,
        client_cert: w("client.pem", &ccert),
        client_key: w("client.key", &ckey),
        rogue_cert: w("rogue.pem", &rcert),
        rogue_key: w("rogue.key", &rkey),
        ca_pem,
        dir,
    }
}

/// One process-wide PKI whose CA is trusted (added to wstls's roots once).
pub fn trusted_pki() -> &'static Pki {
    static P: once_cell::sync::OnceCell<Pki> = once_cell::sync::OnceCell::new();
    P.get_or_init(|| {
        let p = pki();
        let certs = wstls::tls::roots::load_pem_certs(p.ca_pem.as_bytes()).unwrap();
        wstls::tls::roots::add(certs).unwrap();
        p
    })
}

pub fn startup() {
    static S: Once = Once::new();
    S.call_once(|| {
        let mut d: WSADATA = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { wstls_WSAStartup(0x0202, &mut d) }, 0);
    });
}

pub fn last_error() -> (i32, String) {
    let code = wstls_WSAGetLastError();
    let msg = unsafe { std::ffi::CStr::from_ptr(wstls_last_error_message()) }
        .to_string_lossy()
        .into_owned();
    (code, msg)
}

pub fn sockaddr_v4(port: u16) -> sockaddr_in {
    sockaddr_in {
        sin_family: wsa::AF_INET as i16,
        sin_port: port.to_be(),
        sin_addr: in_addr {
            S_un: in_addr_S_un {
                S_addr: u32::from(std::net::Ipv4Addr::LOCALHOST).to_be(),
            },
        },
        sin_zero: [0; 8],
    }
}

pub fn tcp() -> SOCKET {
    startup();
    let s = wstls_socket(wsa::AF_INET, wsa::SOCK_STREAM, 0);
    assert_ne!(s, wsa::INVALID_SOCKET, "socket: {:?}", last_error());
    s
}

/// A listening socket on 127.0.0.1 with an ephemeral port; returns (socket, port).
pub fn listener(setup: impl FnOnce(SOCKET)) -> (SOCKET, u16) {
    let s = tcp();
    setup(s);
    let a = sockaddr_v4(0);
    unsafe {
        assert_eq!(
            wstls_bind(s, &a as *const _ as *const sockaddr, 16),
            0,
            "bind: {:?}",
            last_error()
        );
    }
    assert_eq!(wstls_listen(s, 16), 0, "listen: {:?}", last_error());
    let mut out = sockaddr_v4(0);
    let mut len: c_int = 16;
    unsafe {
        assert_eq!(
            wstls_getsockname(s, &mut out as *mut _ as *mut sockaddr, &mut len),
            0
        );
    }
    (s, u16::from_be(out.sin_port))
}

pub fn connect(s: SOCKET, port: u16) -> c_int {
    let a = sockaddr_v4(port);
    unsafe { wstls_connect(s, &a as *const _ as *const sockaddr, 16) }
}

pub fn accept(l: SOCKET) -> SOCKET {
    unsafe { wstls_accept(l, std::ptr::null_mut(), std::ptr::null_mut()) }
}

pub fn set_secure(s: SOCKET) {
    let v: u32 = wsa::SO_SEC_SSL;
    let r = unsafe {
        wstls_setsockopt(
            s,
            wsa::SOL_SOCKET,
            wsa::SO_SECURE,
            &v as *const u32 as *const c_char,
            4,
        )
    };
    assert_eq!(r, 0, "SO_SECURE: {:?}", last_error());
}

pub fn ioctl(s: SOCKET, code: u32, input: &[u8], output: &mut [u8]) -> (c_int, u32) {
    let mut ret = 0u32;
    let r = unsafe {
        wstls_WSAIoctl(
            s,
            code,
            input.as_ptr() as *mut _,
            input.len() as u32,
            output.as_mut_ptr() as *mut _,
            output.len() as u32,
            &mut ret,
            std::ptr::null_mut(),
            None,
        )
    };
    (r, ret)
}

pub fn set_peer_name(s: SOCKET, name: &str) {
    let n = std::ffi::CString::new(name).unwrap();
    let (r, _) = ioctl(
        s,
        wstls::win::sslsock::SO_SSL_SET_PEERNAME,
        n.as_bytes_with_nul(),
        &mut [],
    );
    assert_eq!(r, 0, "SO_SSL_SET_PEERNAME: {:?}", last_error());
}

pub fn set_ce_flags(s: SOCKET, flags: u32) {
    let (r, _) = ioctl(
        s,
        wstls::win::sslsock::SO_SSL_SET_FLAGS,
        &flags.to_ne_bytes(),
        &mut [],
    );
    assert_eq!(r, 0, "SO_SSL_SET_FLAGS: {:?}", last_error());
}

pub fn set_server_credentials(s: SOCKET, cert: &std::path::Path, key: &std::path::Path) {
    let c = std::ffi::CString::new(cert.to_str().unwrap()).unwrap();
    let k = std::ffi::CString::new(key.to_str().unwrap()).unwrap();
    let creds = wstls::win::ext::WSTLS_CREDENTIALS {
        cert_file: c.as_ptr(),
        key_file: k.as_ptr(),
        cert_pem: std::ptr::null(),
        cert_pem_len: 0,
        key_pem: std::ptr::null(),
        key_pem_len: 0,
    };
    let bytes = unsafe {
        std::slice::from_raw_parts(
            &creds as *const _ as *const u8,
            std::mem::size_of_val(&creds),
        )
    };
    let (r, _) = ioctl(
        s,
        wstls::win::ext::WSTLS_SO_SET_SERVER_CREDENTIALS,
        bytes,
        &mut [],
    );
    assert_eq!(r, 0, "WSTLS_SO_SET_SERVER_CREDENTIALS: {:?}", last_error());
}

pub fn set_client_credentials(s: SOCKET, cert: &std::path::Path, key: &std::path::Path) {
    let c = std::ffi::CString::new(cert.to_str().unwrap()).unwrap();
    let k = std::ffi::CString::new(key.to_str().unwrap()).unwrap();
    let creds = wstls::win::ext::WSTLS_CREDENTIALS {
        cert_file: c.as_ptr(),
        key_file: k.as_ptr(),
        cert_pem: std::ptr::null(),
        cert_pem_len: 0,
        key_pem: std::ptr::null(),
        key_pem_len: 0,
    };
    let bytes = unsafe {
        std::slice::from_raw_parts(
            &creds as *const _ as *const u8,
            std::mem::size_of_val(&creds),
        )
    };
    let (r, _) = ioctl(
        s,
        wstls::win::ext::WSTLS_SO_SET_CLIENT_CREDENTIALS,
        bytes,
        &mut [],
    );
    assert_eq!(r, 0, "WSTLS_SO_SET_CLIENT_CREDENTIALS: {:?}", last_error());
}

pub fn set_u32_ioctl(s: SOCKET, code: u32, v: u32) -> c_int {
    ioctl(s, code, &v.to_ne_bytes(), &mut []).0
}

pub fn send_all(s: SOCKET, data: &[u8]) -> c_int {
    unsafe { wstls_send(s, data.as_ptr() as *const c_char, data.len() as c_int, 0) }
}

pub fn recv_some(s: SOCKET, buf: &mut [u8]) -> c_int {
    unsafe { wstls_recv(s, buf.as_mut_ptr() as *mut c_char, buf.len() as c_int, 0) }
}

/// Reads exactly `n` bytes (MSG_WAITALL), panicking on error.
pub fn recv_exact(s: SOCKET, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    let r = unsafe {
        wstls_recv(
            s,
            v.as_mut_ptr() as *mut c_char,
            n as c_int,
            wsa::MSG_WAITALL,
        )
    };
    assert_eq!(r, n as c_int, "recv_exact: {:?}", last_error());
    v
}

pub fn set_nonblocking(s: SOCKET, on: bool) {
    let mut v: u32 = on as u32;
    assert_eq!(
        unsafe { wstls_ioctlsocket(s, wsa::FIONBIO as i32, &mut v) },
        0
    );
}

pub fn set_rcvtimeo(s: SOCKET, ms: u32) {
    let r = unsafe {
        wstls_setsockopt(
            s,
            wsa::SOL_SOCKET,
            wsa::SO_RCVTIMEO,
            &ms as *const u32 as *const c_char,
            4,
        )
    };
    assert_eq!(r, 0);
}

pub fn close(s: SOCKET) {
    assert_eq!(wstls_closesocket(s), 0, "closesocket: {:?}", last_error());
}

/// A process spawned for a test, killed on drop.
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn have(cmd: &str) -> bool {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}
