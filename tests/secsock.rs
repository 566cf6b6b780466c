//! Winsock Secure Socket Extensions through the exported C ABI (called from Rust through the
//! rlib), against real peers on 127.0.0.1: a wstls server and a wstls client in threads, and
//! plain TCP peers (std) for the allow-insecure cases. Certificates (a CA and a leaf for
//! `server.test`) are generated at test time; the CA is added to the process trust roots and
//! the leaf becomes the process default server identity (with
//! `wstls_set_default_server_credentials`, not the environment: tests run in parallel
//! threads).
#![allow(non_snake_case)]

use std::ffi::{CStr, CString};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::raw::{c_char, c_int};
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use wstls::ffi::ext::wstls_set_default_server_credentials;
use wstls::ffi::secsock::*;
use wstls::ffi::winsock::*;
use wstls::win::secsock::*;
use wstls::win::winsock::{sockaddr, SOCKET, WSADATA};
use wstls::win::wsa::*;

const INVALID: SOCKET = INVALID_SOCKET;
const DEFAULT: SOCKET_SECURITY_PROTOCOL =
    SOCKET_SECURITY_PROTOCOL::wstls_SOCKET_SECURITY_PROTOCOL_DEFAULT;

/// WSAStartup (never cleaned up: WSACleanup would close the sockets of concurrent tests),
/// test PKI, trust root and default server identity. Once per process.
fn init() {
    pki();
}

/// The client certificate (CN=client.test, signed by the test CA): PEM chain and key.
fn client_pem() -> &'static (String, String) {
    pki()
}

fn pki() -> &'static (String, String) {
    static INIT: OnceLock<(String, String)> = OnceLock::new();
    INIT.get_or_init(|| {
        let mut data: WSADATA = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { wstls_WSAStartup(0x0202, &mut data) }, 0);
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        };
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca.distinguished_name
            .push(DnType::CommonName, "wstls secsock test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let mut leaf = CertificateParams::new(vec!["server.test".to_string()]).unwrap();
        leaf.distinguished_name
            .push(DnType::CommonName, "server.test");
        leaf.distinguished_name
            .push(DnType::OrganizationName, "wstls tests");
        let leaf_key = KeyPair::generate().unwrap();
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        let mut cl = CertificateParams::new(Vec::<String>::new()).unwrap();
        cl.distinguished_name
            .push(DnType::CommonName, "client.test");
        cl.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let cl_key = KeyPair::generate().unwrap();
        let cl_cert = cl.signed_by(&cl_key, &issuer).unwrap();
        let dir = std::env::temp_dir().join(format!("wstls-secsock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.join("server.pem"), leaf_cert.pem()).unwrap();
        std::fs::write(dir.join("server.key"), leaf_key.serialize_pem()).unwrap();
        wstls::tls::roots::add(vec![ca_cert.der().clone()]).unwrap();
        let c = CString::new(dir.join("server.pem").to_str().unwrap()).unwrap();
        let k = CString::new(dir.join("server.key").to_str().unwrap()).unwrap();
        assert_eq!(
            unsafe { wstls_set_default_server_credentials(c.as_ptr(), k.as_ptr()) },
            0,
            "{}",
            msg()
        );
        (cl_cert.pem(), cl_key.serialize_pem())
    })
}

fn err() -> i32 {
    wstls_WSAGetLastError()
}

fn msg() -> String {
    unsafe { CStr::from_ptr(wstls_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

fn tcp() -> SOCKET {
    init();
    let s = wstls_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_ne!(s, INVALID);
    s
}

fn close(s: SOCKET) {
    assert_eq!(wstls_closesocket(s), 0);
}

fn win_addr(a: SocketAddr) -> ([u8; 28], c_int) {
    let (b, n) = wstls::net::addr::to_windows(&a);
    (b, n as c_int)
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn bind(s: SOCKET, port: u16) -> c_int {
    let (a, n) = win_addr(loopback(port));
    unsafe { wstls_bind(s, a.as_ptr() as *const sockaddr, n) }
}

fn connect(s: SOCKET, port: u16) -> c_int {
    let (a, n) = win_addr(loopback(port));
    unsafe { wstls_connect(s, a.as_ptr() as *const sockaddr, n) }
}

fn port_of(s: SOCKET) -> u16 {
    let mut b = [0u8; 28];
    let mut n: c_int = 28;
    assert_eq!(
        unsafe { wstls_getsockname(s, b.as_mut_ptr() as *mut sockaddr, &mut n) },
        0
    );
    u16::from_be_bytes([b[2], b[3]])
}

fn set_u32_opt(s: SOCKET, opt: i32, v: u32) {
    assert_eq!(
        unsafe { wstls_setsockopt(s, SOL_SOCKET, opt, &v as *const u32 as *const c_char, 4) },
        0
    );
}

fn get_u32_opt(s: SOCKET, opt: i32) -> u32 {
    let mut v = 0u32;
    let mut n: c_int = 4;
    assert_eq!(
        unsafe {
            wstls_getsockopt(
                s,
                SOL_SOCKET,
                opt,
                &mut v as *mut u32 as *mut c_char,
                &mut n,
            )
        },
        0
    );
    v
}

fn settings(flags: u32) -> SOCKET_SECURITY_SETTINGS {
    SOCKET_SECURITY_SETTINGS {
        SecurityProtocol: DEFAULT,
        SecurityFlags: flags,
    }
}

fn set_security(s: SOCKET, st: Option<&SOCKET_SECURITY_SETTINGS>) -> c_int {
    let p = st.map_or(std::ptr::null(), |x| x as *const _);
    unsafe { wstls_WSASetSocketSecurity(s, p, 8, std::ptr::null_mut(), None) }
}

/// Raw settings bytes (any protocol value) with a given length.
fn set_security_raw(s: SOCKET, proto: u32, flags: u32, len: u32) -> c_int {
    let raw: [u32; 2] = [proto, flags];
    unsafe {
        wstls_WSASetSocketSecurity(
            s,
            raw.as_ptr() as *const SOCKET_SECURITY_SETTINGS,
            len,
            std::ptr::null_mut(),
            None,
        )
    }
}

/// A `SOCKET_PEER_TARGET_NAME` as Microsoft's sample builds it: `sizeof + wcslen * 2` zeroed
/// bytes, the length in characters, the UTF-16 name without NUL. 8-aligned storage.
fn target_name(proto: u32, name: &str) -> (Vec<u64>, u32) {
    let units: Vec<u16> = name.encode_utf16().collect();
    let len = PEER_TARGET_NAME_SIZE + units.len() * 2;
    let mut v = vec![0u64; len.div_ceil(8)];
    let b = unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, len) };
    b[0..4].copy_from_slice(&proto.to_ne_bytes());
    b[PEER_TARGET_NAME_LEN_AT..PEER_TARGET_NAME_LEN_AT + 4]
        .copy_from_slice(&(units.len() as u32).to_ne_bytes());
    for (i, u) in units.iter().enumerate() {
        b[PEER_TARGET_NAME_STRINGS + 2 * i..PEER_TARGET_NAME_STRINGS + 2 * i + 2]
            .copy_from_slice(&u.to_ne_bytes());
    }
    (v, len as u32)
}

fn set_name(s: SOCKET, name: &str) -> c_int {
    let (v, len) = target_name(0, name);
    unsafe {
        wstls_WSASetSocketPeerTargetName(
            s,
            v.as_ptr() as *const SOCKET_PEER_TARGET_NAME,
            len,
            std::ptr::null_mut(),
            None,
        )
    }
}

/// `WSAQuerySocketSecurity` with a NULL template: `Ok(info)` or `Err(code)`.
fn query(s: SOCKET) -> Result<SOCKET_SECURITY_QUERY_INFO, i32> {
    let mut info: SOCKET_SECURITY_QUERY_INFO = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<SOCKET_SECURITY_QUERY_INFO>() as u32;
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(
            s,
            std::ptr::null(),
            0,
            &mut info,
            &mut len,
            std::ptr::null_mut(),
            None,
        )
    };
    if r == 0 {
        assert_eq!(len, 24);
        Ok(info)
    } else {
        assert_eq!(r, SOCKET_ERROR);
        Err(err())
    }
}

fn flags(s: SOCKET) -> u32 {
    query(s)
        .unwrap_or_else(|e| panic!("WSAQuerySocketSecurity failed: {e} {}", msg()))
        .Flags
}

const SECURED: u32 = SOCKET_INFO_CONNECTION_SECURED | SOCKET_INFO_CONNECTION_ENCRYPTED;

fn send_all(s: SOCKET, data: &[u8]) {
    let n = unsafe { wstls_send(s, data.as_ptr() as *const c_char, data.len() as c_int, 0) };
    assert_eq!(n, data.len() as c_int, "send: {} {}", err(), msg());
}

fn recv_exact(s: SOCKET, n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    let r = unsafe { wstls_recv(s, b.as_mut_ptr() as *mut c_char, n as c_int, MSG_WAITALL) };
    assert_eq!(r, n as c_int, "recv: {} {}", err(), msg());
    b
}

/// A listening socket on 127.0.0.1 with the given security (`None`: no call at all; `Some(None)`:
/// NULL settings). Accepted sockets inherit `SO_RCVTIMEO` (bounds the handshake).
fn listener(sec: Option<Option<u32>>, rcvtimeo_ms: u32) -> (SOCKET, u16) {
    let l = tcp();
    match sec {
        None => {}
        Some(None) => assert_eq!(set_security(l, None), 0, "{}", msg()),
        Some(Some(f)) => assert_eq!(set_security(l, Some(&settings(f))), 0, "{}", msg()),
    }
    set_u32_opt(l, SO_RCVTIMEO, rcvtimeo_ms);
    assert_eq!(bind(l, 0), 0, "{}", msg());
    assert_eq!(wstls_listen(l, 8), 0);
    let p = port_of(l);
    (l, p)
}

fn accept(l: SOCKET) -> Result<SOCKET, (i32, String)> {
    let c = unsafe { wstls_accept(l, std::ptr::null_mut(), std::ptr::null_mut()) };
    if c == INVALID {
        Err((err(), msg()))
    } else {
        Ok(c)
    }
}

/// What a one-connection echo server saw.
#[derive(Debug)]
struct Served {
    flags_after_accept: u32,
    got: Vec<u8>,
}

/// Accepts one connection, records the query flags, reads `n` bytes and sends them back
/// upper-cased.
fn serve_one(l: SOCKET, n: usize) -> thread::JoinHandle<Result<Served, (i32, String)>> {
    thread::spawn(move || {
        let c = accept(l)?;
        let f = flags(c);
        let got = recv_exact(c, n);
        send_all(c, &got.to_ascii_uppercase());
        close(c);
        Ok(Served {
            flags_after_accept: f,
            got,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// WSASetSocketSecurity: the ordering and error matrix
// ---------------------------------------------------------------------------------------------

#[test]
fn set_security_on_a_bad_handle_is_wsaenotsock() {
    init();
    assert_eq!(set_security(0x7ff0_0001, None), SOCKET_ERROR);
    assert_eq!(err(), WSAENOTSOCK);
    let s = tcp();
    close(s);
    assert_eq!(set_security(s, None), SOCKET_ERROR);
    assert_eq!(err(), WSAENOTSOCK);
}

#[test]
fn set_security_on_a_datagram_socket_is_not_supported() {
    init();
    let s = wstls_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    assert_ne!(s, INVALID);
    assert_eq!(set_security(s, None), SOCKET_ERROR);
    assert_eq!(err(), WSAEOPNOTSUPP);
    assert!(msg().contains("DTLS"), "{}", msg());
    assert_eq!(set_name(s, "host/server.test"), SOCKET_ERROR);
    assert_eq!(err(), WSAEOPNOTSUPP);
    close(s);
}

#[test]
fn only_inet_families_exist_as_wstls_sockets() {
    init();
    // WSAEAFNOSUPPORT of the extensions for other families is covered by the unit test
    // net::secsock::tests::kinds: wstls cannot even create such a socket.
    assert_eq!(wstls_socket(AF_UNIX, SOCK_STREAM, 0), INVALID);
    assert_eq!(err(), WSAEAFNOSUPPORT);
}

#[test]
fn null_settings_mean_the_defaults() {
    let s = tcp();
    assert_eq!(set_security(s, None), 0, "{}", msg());
    // Defaults applied: the second call is refused as a second call.
    assert_eq!(set_security(s, None), SOCKET_ERROR);
    assert_eq!(err(), WSAEINVAL);
    close(s);
}

#[test]
fn set_security_twice_is_wsaeinval() {
    let s = tcp();
    assert_eq!(
        set_security(s, Some(&settings(SOCKET_SETTINGS_GUARANTEE_ENCRYPTION))),
        0
    );
    assert_eq!(
        set_security(s, Some(&settings(SOCKET_SETTINGS_GUARANTEE_ENCRYPTION))),
        SOCKET_ERROR
    );
    assert_eq!(err(), WSAEINVAL);
    assert!(msg().contains("only once"), "{}", msg());
    close(s);
}

#[test]
fn set_security_after_bind_is_wsaeinval() {
    let s = tcp();
    assert_eq!(bind(s, 0), 0);
    assert_eq!(set_security(s, None), SOCKET_ERROR);
    assert_eq!(err(), WSAEINVAL);
    assert_eq!(wstls_listen(s, 1), 0);
    assert_eq!(set_security(s, None), SOCKET_ERROR);
    assert_eq!(err(), WSAEINVAL);
    close(s);
}

#[test]
fn set_security_after_connect_is_wsaeisconn() {
    let (l, port) = listener(None, 5000);
    let s = tcp();
    assert_eq!(connect(s, port), 0);
    assert_eq!(set_security(s, None), SOCKET_ERROR);
    assert_eq!(err(), WSAEISCONN);
    assert_eq!(set_name(s, "host/server.test"), SOCKET_ERROR);
    assert_eq!(err(), WSAEISCONN);
    // The accepted socket is connected too.
    let c = accept(l).unwrap();
    assert_eq!(set_security(c, None), SOCKET_ERROR);
    assert_eq!(err(), WSAEISCONN);
    close(c);
    close(s);
    close(l);
}

#[test]
fn set_security_after_so_secure_is_wsaeinval() {
    let s = tcp();
    set_u32_opt(s, SO_SECURE, SO_SEC_SSL);
    assert_eq!(set_security(s, None), SOCKET_ERROR);
    assert_eq!(err(), WSAEINVAL);
    close(s);
}

#[test]
fn so_secure_cannot_undo_set_security() {
    let s = tcp();
    assert_eq!(set_security(s, None), 0);
    for v in [SO_SEC_NONE, SO_SEC_SSL] {
        let r = unsafe {
            wstls_setsockopt(
                s,
                SOL_SOCKET,
                SO_SECURE,
                &v as *const u32 as *const c_char,
                4,
            )
        };
        assert_eq!((r, err()), (SOCKET_ERROR, WSAEINVAL));
    }
    assert_eq!(get_u32_opt(s, SO_SECURE), SO_SEC_SSL);
    close(s);
}

#[test]
fn short_settings_are_wsaemsgsize() {
    let s = tcp();
    assert_eq!(set_security_raw(s, 0, 0, 4), SOCKET_ERROR);
    assert_eq!(err(), WSAEMSGSIZE);
    assert_eq!(set_security_raw(s, 0, 0, 0), SOCKET_ERROR);
    assert_eq!(err(), WSAEMSGSIZE);
    // Nothing was applied: a correct call still works.
    assert_eq!(set_security_raw(s, 0, 0, 8), 0);
    close(s);
}

#[test]
fn bad_protocol_values_are_wsaeinval() {
    let s = tcp();
    for p in [3u32, 4, 99, u32::MAX] {
        assert_eq!(set_security_raw(s, p, 0, 8), SOCKET_ERROR);
        assert_eq!(err(), WSAEINVAL, "protocol {p}");
    }
    close(s);
}

#[test]
fn bad_flags_are_wsaeinval() {
    let s = tcp();
    assert_eq!(set_security_raw(s, 0, 0x4, 8), SOCKET_ERROR);
    assert_eq!(err(), WSAEINVAL);
    assert_eq!(set_security_raw(s, 0, 0x8000_0000, 8), SOCKET_ERROR);
    assert_eq!(err(), WSAEINVAL);
    close(s);
}

#[test]
fn ipsec_protocols_are_not_supported() {
    let s = tcp();
    // SOCKET_SECURITY_SETTINGS_IPSEC (88 bytes) with SOCKET_SECURITY_PROTOCOL_IPSEC.
    let mut ipsec = [0u64; 11];
    ipsec[0] = 1 | (1u64 << 32);
    let r = unsafe {
        wstls_WSASetSocketSecurity(
            s,
            ipsec.as_ptr() as *const SOCKET_SECURITY_SETTINGS,
            88,
            std::ptr::null_mut(),
            None,
        )
    };
    assert_eq!(r, SOCKET_ERROR);
    assert_eq!(err(), WSAEOPNOTSUPP);
    assert!(msg().contains("IPsec"), "{}", msg());
    assert_eq!(set_security_raw(s, 2, 0, 8), SOCKET_ERROR);
    assert_eq!(err(), WSAEOPNOTSUPP);
    close(s);
}

#[test]
fn overlapped_requests_are_not_supported() {
    let s = tcp();
    let mut ov = [0u64; 4];
    let st = settings(0);
    let r = unsafe { wstls_WSASetSocketSecurity(s, &st, 8, ov.as_mut_ptr() as *mut _, None) };
    assert_eq!(r, SOCKET_ERROR);
    assert_eq!(err(), WSAEOPNOTSUPP);
    close(s);
}

#[test]
fn the_socket_takes_exclusive_use_of_its_port() {
    let s = tcp();
    set_u32_opt(s, SO_REUSEADDR, 1);
    assert_eq!(set_security(s, None), 0);
    assert_eq!(get_u32_opt(s, SO_EXCLUSIVEADDRUSE), 1);
    assert_eq!(get_u32_opt(s, SO_REUSEADDR), 0);
    assert_eq!(bind(s, 0), 0);
    assert_eq!(wstls_listen(s, 1), 0);
    let port = port_of(s);
    let other = tcp();
    set_u32_opt(other, SO_REUSEADDR, 1);
    assert_eq!(bind(other, port), SOCKET_ERROR);
    assert_eq!(err(), WSAEADDRINUSE);
    close(other);
    close(s);
}

// ---------------------------------------------------------------------------------------------
// WSASetSocketPeerTargetName / WSADeleteSocketPeerTargetName
// ---------------------------------------------------------------------------------------------

#[test]
fn peer_target_name_errors() {
    let s = tcp();
    let r = unsafe {
        wstls_WSASetSocketPeerTargetName(s, std::ptr::null(), 200, std::ptr::null_mut(), None)
    };
    assert_eq!((r, err()), (SOCKET_ERROR, WSAEFAULT));
    let (v, _) = target_name(0, "host/server.test");
    let r = unsafe {
        wstls_WSASetSocketPeerTargetName(s, v.as_ptr() as *const _, 100, std::ptr::null_mut(), None)
    };
    assert_eq!((r, err()), (SOCKET_ERROR, WSAEMSGSIZE));
    // A string length running past the buffer.
    let (mut v, len) = target_name(0, "host/server.test");
    unsafe { *((v.as_mut_ptr() as *mut u8).add(PEER_TARGET_NAME_LEN_AT) as *mut u32) = 500 };
    let r = unsafe {
        wstls_WSASetSocketPeerTargetName(s, v.as_ptr() as *const _, len, std::ptr::null_mut(), None)
    };
    assert_eq!((r, err()), (SOCKET_ERROR, WSAEINVAL));
    // A bad protocol value; an empty name; a name TLS cannot check.
    let (v, len) = target_name(9, "host/server.test");
    let r = unsafe {
        wstls_WSASetSocketPeerTargetName(s, v.as_ptr() as *const _, len, std::ptr::null_mut(), None)
    };
    assert_eq!((r, err()), (SOCKET_ERROR, WSAEINVAL));
    assert_eq!(set_name(s, ""), SOCKET_ERROR);
    assert_eq!(err(), WSAEINVAL);
    assert_eq!(set_name(s, "EXAMPLE\\server$"), SOCKET_ERROR);
    assert_eq!(err(), WSAEINVAL);
    assert_eq!(set_name(0x7ff0_0003, "host/server.test"), SOCKET_ERROR);
    assert_eq!(err(), WSAENOTSOCK);
    // Valid forms: SPN (characters), IPSEC2 (bytes), a plain DNS name.
    assert_eq!(set_name(s, "host/server.test"), 0, "{}", msg());
    let units = "server.test".encode_utf16().count() as u32;
    let (mut v, len) = target_name(2, "server.test");
    unsafe { *((v.as_mut_ptr() as *mut u8).add(PEER_TARGET_NAME_LEN_AT) as *mut u32) = units * 2 };
    let r = unsafe {
        wstls_WSASetSocketPeerTargetName(s, v.as_ptr() as *const _, len, std::ptr::null_mut(), None)
    };
    assert_eq!(r, 0, "{}", msg());
    close(s);
    // A listening socket has no single peer.
    let (l, _) = listener(Some(None), 1000);
    assert_eq!(set_name(l, "host/server.test"), SOCKET_ERROR);
    assert_eq!(err(), WSAEINVAL);
    close(l);
}

#[test]
fn delete_peer_target_name_errors() {
    let s = tcp();
    let del = |a: *const u8, len: u32| unsafe {
        wstls_WSADeleteSocketPeerTargetName(
            s,
            a as *const sockaddr,
            len,
            std::ptr::null_mut(),
            None,
        )
    };
    let (a, n) = win_addr(loopback(443));
    assert_eq!(del(std::ptr::null(), 16), SOCKET_ERROR);
    assert_eq!(err(), WSAEFAULT);
    assert_eq!(del(a.as_ptr(), 8), SOCKET_ERROR);
    assert_eq!(err(), WSAEMSGSIZE);
    let mut unix = a;
    unix[0] = 1;
    unix[1] = 0;
    assert_eq!(del(unix.as_ptr(), 16), SOCKET_ERROR);
    assert_eq!(err(), WSAEAFNOSUPPORT);
    assert_eq!(del(a.as_ptr(), n as u32), 0, "{}", msg());
    let r = unsafe {
        wstls_WSADeleteSocketPeerTargetName(
            0x7ff0_0005,
            a.as_ptr() as *const sockaddr,
            16,
            std::ptr::null_mut(),
            None,
        )
    };
    assert_eq!((r, err()), (SOCKET_ERROR, WSAENOTSOCK));
    close(s);
}

// ---------------------------------------------------------------------------------------------
// Handshakes: default settings, names, allow-insecure
// ---------------------------------------------------------------------------------------------

/// A client following Microsoft's sequence: socket, WSASetSocketSecurity(basic settings),
/// WSASetSocketPeerTargetName, connect.
fn secure_client(port: u16, name: Option<&str>, flags: u32) -> (SOCKET, c_int) {
    let s = tcp();
    set_u32_opt(s, SO_RCVTIMEO, 10_000);
    assert_eq!(set_security(s, Some(&settings(flags))), 0, "{}", msg());
    if let Some(n) = name {
        assert_eq!(set_name(s, n), 0, "{}", msg());
    }
    let r = connect(s, port);
    (s, r)
}

#[test]
fn default_client_and_server_exchange_data_with_the_name_checked() {
    let (l, port) = listener(Some(None), 10_000);
    let server = serve_one(l, 5);
    let (s, r) = secure_client(
        port,
        Some("host/server.test"),
        SOCKET_SETTINGS_GUARANTEE_ENCRYPTION,
    );
    assert_eq!(r, 0, "connect: {} {}", err(), msg());
    // Secured before any data moved: the handshake happened in connect.
    assert_eq!(flags(s), SECURED);
    send_all(s, b"hello");
    assert_eq!(recv_exact(s, 5), b"HELLO");
    let served = server.join().unwrap().expect("accept");
    assert_eq!(served.flags_after_accept, SECURED);
    assert_eq!(served.got, b"hello");
    // The server's certificate subject, through the wstls extension.
    let mut len = 0u32;
    assert_eq!(
        unsafe { wstls_get_socket_peer_subject(s, std::ptr::null_mut(), &mut len) },
        SOCKET_ERROR
    );
    assert_eq!(err(), WSAEFAULT);
    assert!(len > 1);
    let mut buf = vec![0 as c_char; len as usize];
    assert_eq!(
        unsafe { wstls_get_socket_peer_subject(s, buf.as_mut_ptr(), &mut len) },
        0
    );
    let subject = unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        subject.contains("CN=server.test") && subject.contains("O=wstls tests"),
        "{subject}"
    );
    assert_eq!(len as usize, subject.len() + 1);
    close(s);
    close(l);
}

#[test]
fn the_peer_target_name_may_come_first_and_null_settings_work_on_the_client() {
    let (l, port) = listener(Some(Some(0)), 10_000);
    let server = serve_one(l, 3);
    let s = tcp();
    assert_eq!(set_name(s, "server.test"), 0);
    assert_eq!(set_security(s, None), 0);
    assert_eq!(connect(s, port), 0, "{}", msg());
    assert_eq!(flags(s), SECURED);
    send_all(s, b"abc");
    assert_eq!(recv_exact(s, 3), b"ABC");
    assert_eq!(server.join().unwrap().unwrap().flags_after_accept, SECURED);
    close(s);
    close(l);
}

#[test]
fn a_wrong_peer_target_name_fails_connect_and_accept() {
    let (l, port) = listener(Some(None), 10_000);
    let server = thread::spawn(move || accept(l));
    let (s, r) = secure_client(
        port,
        Some("host/wrong.test"),
        SOCKET_SETTINGS_GUARANTEE_ENCRYPTION,
    );
    assert_eq!(r, SOCKET_ERROR);
    assert_eq!(err(), WSAECONNABORTED);
    assert!(msg().contains("name"), "{}", msg());
    // Nothing goes out in clear afterwards.
    assert_eq!(
        unsafe { wstls_send(s, b"x".as_ptr() as *const c_char, 1, 0) },
        SOCKET_ERROR
    );
    let (code, m) = server
        .join()
        .unwrap()
        .expect_err("the server handshake must fail");
    assert_eq!(code, WSAECONNRESET, "{m}");
    close(s);
    close(l);
}

#[test]
fn without_a_peer_target_name_the_server_is_not_trusted() {
    let (l, port) = listener(Some(None), 10_000);
    let server = thread::spawn(move || accept(l));
    let (s, r) = secure_client(port, None, 0);
    assert_eq!(r, SOCKET_ERROR);
    assert_eq!(err(), WSAECONNABORTED);
    assert!(msg().contains("WSASetSocketPeerTargetName"), "{}", msg());
    assert!(server.join().unwrap().is_err());
    close(s);
    close(l);
}

#[test]
fn a_deleted_peer_target_name_is_no_longer_used() {
    let (l, port) = listener(Some(None), 10_000);
    let server = thread::spawn(move || accept(l));
    let s = tcp();
    assert_eq!(set_security(s, None), 0);
    assert_eq!(set_name(s, "host/server.test"), 0);
    let (a, n) = win_addr(loopback(port));
    assert_eq!(
        unsafe {
            wstls_WSADeleteSocketPeerTargetName(
                s,
                a.as_ptr() as *const sockaddr,
                n as u32,
                std::ptr::null_mut(),
                None,
            )
        },
        0
    );
    assert_eq!(connect(s, port), SOCKET_ERROR);
    assert!(msg().contains("WSASetSocketPeerTargetName"), "{}", msg());
    let _ = server.join().unwrap();
    close(s);
    close(l);
}

#[test]
fn query_before_and_after_the_handshake() {
    let (l, port) = listener(Some(None), 10_000);
    let server = serve_one(l, 1);
    let s = tcp();
    // No security: not secured.
    assert_eq!(query(s).unwrap().Flags, 0);
    assert_eq!(set_security(s, None), 0);
    assert_eq!(set_name(s, "host/server.test"), 0);
    // Security requested, not connected yet: still not secured.
    let before = query(s).unwrap();
    assert_eq!(before.Flags, 0);
    assert_eq!(before.SecurityProtocol, DEFAULT);
    assert_eq!(connect(s, port), 0, "{}", msg());
    let after = query(s).unwrap();
    assert_eq!(after.Flags, SECURED);
    assert_eq!(after.PeerApplicationAccessTokenHandle, 0);
    assert_eq!(after.PeerMachineAccessTokenHandle, 0);
    // With a template (TCP: protocol DEFAULT, address ignored, a token mask asks for tokens
    // that do not exist on Linux).
    let mut t: SOCKET_SECURITY_QUERY_TEMPLATE = unsafe { std::mem::zeroed() };
    t.PeerTokenAccessMask = 0x2000_0000;
    let mut info: SOCKET_SECURITY_QUERY_INFO = unsafe { std::mem::zeroed() };
    let mut len = 24u32;
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(s, &t, 144, &mut info, &mut len, std::ptr::null_mut(), None)
    };
    assert_eq!(r, 0, "{}", msg());
    assert_eq!(
        (info.Flags, info.PeerApplicationAccessTokenHandle, len),
        (SECURED, 0, 24)
    );
    send_all(s, b"q");
    assert_eq!(recv_exact(s, 1), b"Q");
    assert_eq!(server.join().unwrap().unwrap().flags_after_accept, SECURED);
    close(s);
    close(l);
}

#[test]
fn a_plain_connection_queries_as_not_secured() {
    let (l, port) = listener(None, 5000);
    let s = tcp();
    assert_eq!(connect(s, port), 0);
    let c = accept(l).unwrap();
    assert_eq!(flags(s), 0);
    assert_eq!(flags(c), 0);
    close(c);
    close(s);
    close(l);
}

#[test]
fn a_too_small_query_buffer_reports_the_size_needed() {
    let s = tcp();
    // Microsoft's sample: NULL template, NULL info -> WSAEFAULT and the size.
    let mut len = 0u32;
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(
            s,
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
            &mut len,
            std::ptr::null_mut(),
            None,
        )
    };
    assert_eq!((r, err(), len), (SOCKET_ERROR, WSAEFAULT, 24));
    // A buffer that is too small, NULL template.
    let mut info: SOCKET_SECURITY_QUERY_INFO = unsafe { std::mem::zeroed() };
    let mut len = 16u32;
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(
            s,
            std::ptr::null(),
            0,
            &mut info,
            &mut len,
            std::ptr::null_mut(),
            None,
        )
    };
    assert_eq!((r, err(), len), (SOCKET_ERROR, WSAEFAULT, 24));
    // With a template (NtApiDotNet's sequence) -> WSAEMSGSIZE and the size.
    let t: SOCKET_SECURITY_QUERY_TEMPLATE = unsafe { std::mem::zeroed() };
    let mut len = 0u32;
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(
            s,
            &t,
            144,
            std::ptr::null_mut(),
            &mut len,
            std::ptr::null_mut(),
            None,
        )
    };
    assert_eq!((r, err(), len), (SOCKET_ERROR, WSAEMSGSIZE, 24));
    // The retry with the size succeeds.
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(s, &t, 144, &mut info, &mut len, std::ptr::null_mut(), None)
    };
    assert_eq!((r, len), (0, 24));
    // No length pointer; a short template.
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(
            s,
            std::ptr::null(),
            0,
            &mut info,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            None,
        )
    };
    assert_eq!((r, err()), (SOCKET_ERROR, WSAEFAULT));
    let mut len = 24u32;
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(s, &t, 100, &mut info, &mut len, std::ptr::null_mut(), None)
    };
    assert_eq!((r, err()), (SOCKET_ERROR, WSAEMSGSIZE));
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(
            0x7ff0_0007,
            std::ptr::null(),
            0,
            &mut info,
            &mut len,
            std::ptr::null_mut(),
            None,
        )
    };
    assert_eq!((r, err()), (SOCKET_ERROR, WSAENOTSOCK));
    close(s);
}

#[test]
fn allow_insecure_server_serves_a_plaintext_client_in_clear() {
    let (l, port) = listener(Some(Some(SOCKET_SETTINGS_ALLOW_INSECURE)), 10_000);
    let server = serve_one(l, 4);
    let mut c = TcpStream::connect(loopback(port)).unwrap();
    c.write_all(b"ping").unwrap();
    let mut b = [0u8; 4];
    c.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"PING");
    let served = server.join().unwrap().unwrap();
    assert_eq!(served.flags_after_accept, 0);
    assert_eq!(served.got, b"ping");
    close(l);
}

#[test]
fn allow_insecure_server_serves_a_silent_plaintext_client_after_the_wait() {
    // The client waits for the server to speak first; the listener's SO_RCVTIMEO (300 ms)
    // shortens the wait for a first byte.
    let (l, port) = listener(Some(Some(SOCKET_SETTINGS_ALLOW_INSECURE)), 300);
    let server = thread::spawn(move || {
        let c = accept(l).unwrap();
        let f = flags(c);
        send_all(c, b"220 hello\r\n");
        let got = recv_exact(c, 4);
        close(c);
        (f, got)
    });
    let mut c = TcpStream::connect(loopback(port)).unwrap();
    let mut b = [0u8; 11];
    c.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"220 hello\r\n");
    c.write_all(b"quit").unwrap();
    let (f, got) = server.join().unwrap();
    assert_eq!(f, 0);
    assert_eq!(got, b"quit");
    close(l);
}

#[test]
fn allow_insecure_server_still_secures_a_tls_client() {
    let (l, port) = listener(
        Some(Some(
            SOCKET_SETTINGS_ALLOW_INSECURE | SOCKET_SETTINGS_GUARANTEE_ENCRYPTION,
        )),
        10_000,
    );
    let server = serve_one(l, 2);
    let (s, r) = secure_client(port, Some("host/server.test"), 0);
    assert_eq!(r, 0, "{}", msg());
    assert_eq!(flags(s), SECURED);
    send_all(s, b"ok");
    assert_eq!(recv_exact(s, 2), b"OK");
    assert_eq!(server.join().unwrap().unwrap().flags_after_accept, SECURED);
    close(s);
    close(l);
}

#[test]
fn without_allow_insecure_a_plaintext_client_is_never_served() {
    let (l, port) = listener(Some(None), 10_000);
    let server = thread::spawn(move || {
        // The plaintext client's connection fails; the server goes on and serves the next,
        // secure, client.
        let first = accept(l);
        let c = accept(l).unwrap();
        let f = flags(c);
        let got = recv_exact(c, 2);
        send_all(c, b"ok");
        close(c);
        (first.map(|_| ()), f, got)
    });
    let mut c = TcpStream::connect(loopback(port)).unwrap();
    c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut seen = Vec::new();
    let _ = c.read_to_end(&mut seen);
    assert!(!seen.windows(2).any(|w| w == b"ok"), "{seen:?}");
    drop(c);
    let (s, r) = secure_client(port, Some("host/server.test"), 0);
    assert_eq!(r, 0, "{}", msg());
    send_all(s, b"hi");
    assert_eq!(recv_exact(s, 2), b"ok");
    let (first, f, got) = server.join().unwrap();
    assert_eq!(first.unwrap_err().0, WSAECONNRESET);
    assert_eq!((f, got.as_slice()), (SECURED, &b"hi"[..]));
    close(s);
    close(l);
}

/// A plaintext server that greets, then answers "PONG" once it has seen "PING" (whatever else
/// it received before, e.g. a TLS ClientHello).
fn plaintext_banner_server() -> (u16, thread::JoinHandle<()>) {
    let l = TcpListener::bind(loopback(0)).unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = c.write_all(b"HELLO\n");
        let mut seen = Vec::new();
        let mut b = [0u8; 512];
        while !seen.windows(4).any(|w| w == b"PING") {
            match c.read(&mut b) {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&b[..n]),
            }
        }
        let _ = c.write_all(b"PONG");
    });
    (port, h)
}

#[test]
fn allow_insecure_client_talks_to_a_plaintext_server_in_clear() {
    let (port, h) = plaintext_banner_server();
    let (s, r) = secure_client(
        port,
        Some("host/server.test"),
        SOCKET_SETTINGS_ALLOW_INSECURE,
    );
    assert_eq!(r, 0, "{}", msg());
    assert_eq!(flags(s), 0);
    assert_eq!(recv_exact(s, 6), b"HELLO\n");
    send_all(s, b"PING");
    assert_eq!(recv_exact(s, 4), b"PONG");
    h.join().unwrap();
    close(s);
}

#[test]
fn without_allow_insecure_a_client_refuses_a_plaintext_server() {
    let (port, h) = plaintext_banner_server();
    let (s, r) = secure_client(
        port,
        Some("host/server.test"),
        SOCKET_SETTINGS_GUARANTEE_ENCRYPTION,
    );
    assert_eq!(r, SOCKET_ERROR);
    assert_eq!(err(), WSAECONNABORTED, "{}", msg());
    let mut b = [0u8; 6];
    assert_eq!(
        unsafe { wstls_recv(s, b.as_mut_ptr() as *mut c_char, 6, 0) },
        SOCKET_ERROR
    );
    close(s);
    h.join().unwrap();
}

#[test]
fn allow_insecure_client_secures_a_tls_server() {
    let (l, port) = listener(Some(None), 10_000);
    let server = serve_one(l, 2);
    let (s, r) = secure_client(
        port,
        Some("host/server.test"),
        SOCKET_SETTINGS_ALLOW_INSECURE,
    );
    assert_eq!(r, 0, "{}", msg());
    assert_eq!(flags(s), SECURED);
    send_all(s, b"yo");
    assert_eq!(recv_exact(s, 2), b"YO");
    assert_eq!(server.join().unwrap().unwrap().flags_after_accept, SECURED);
    close(s);
    close(l);
}

// ---------------------------------------------------------------------------------------------
// WSAIoctl codes, impersonation, extensions
// ---------------------------------------------------------------------------------------------

unsafe fn ioctl(
    s: SOCKET,
    code: u32,
    inp: *const u8,
    inlen: u32,
    out: *mut u8,
    outlen: u32,
    ret: &mut u32,
) -> c_int {
    wstls_WSAIoctl(
        s,
        code,
        inp as *mut _,
        inlen,
        out as *mut _,
        outlen,
        ret,
        std::ptr::null_mut(),
        None,
    )
}

#[test]
fn the_sio_codes_do_what_the_functions_do() {
    // Server: SIO_SET_SECURITY with no input buffer (the defaults), before bind.
    let srv = tcp();
    let mut ret = 99u32;
    assert_eq!(
        unsafe {
            ioctl(
                srv,
                SIO_SET_SECURITY,
                std::ptr::null(),
                0,
                std::ptr::null_mut(),
                0,
                &mut ret,
            )
        },
        0,
        "{}",
        msg()
    );
    assert_eq!(ret, 0);
    set_u32_opt(srv, SO_RCVTIMEO, 10_000);
    assert_eq!(bind(srv, 0), 0);
    assert_eq!(wstls_listen(srv, 4), 0);
    let port2 = port_of(srv);
    let server = serve_one(srv, 3);

    let s = tcp();
    let st = settings(SOCKET_SETTINGS_GUARANTEE_ENCRYPTION);
    assert_eq!(
        unsafe {
            ioctl(
                s,
                SIO_SET_SECURITY,
                &st as *const _ as *const u8,
                4,
                std::ptr::null_mut(),
                0,
                &mut ret,
            )
        },
        SOCKET_ERROR
    );
    assert_eq!(err(), WSAEMSGSIZE);
    assert_eq!(
        unsafe {
            ioctl(
                s,
                SIO_SET_SECURITY,
                &st as *const _ as *const u8,
                8,
                std::ptr::null_mut(),
                0,
                &mut ret,
            )
        },
        0
    );
    let (v, len) = target_name(0, "host/server.test");
    assert_eq!(
        unsafe {
            ioctl(
                s,
                SIO_SET_PEER_TARGET_NAME,
                v.as_ptr() as *const u8,
                len,
                std::ptr::null_mut(),
                0,
                &mut ret,
            )
        },
        0,
        "{}",
        msg()
    );
    assert_eq!(connect(s, port2), 0, "{}", msg());
    let mut info = [0u64; 3];
    assert_eq!(
        unsafe {
            ioctl(
                s,
                SIO_QUERY_SECURITY,
                std::ptr::null(),
                0,
                info.as_mut_ptr() as *mut u8,
                8,
                &mut ret,
            )
        },
        SOCKET_ERROR
    );
    assert_eq!(err(), WSAEFAULT);
    assert!(msg().contains("24"), "{}", msg());
    assert_eq!(ret, 24, "the size needed reaches *lpcbBytesReturned");
    ret = 0;
    assert_eq!(
        unsafe {
            ioctl(
                s,
                SIO_QUERY_SECURITY,
                std::ptr::null(),
                0,
                info.as_mut_ptr() as *mut u8,
                24,
                &mut ret,
            )
        },
        0
    );
    assert_eq!(ret, 24);
    assert_eq!(info[0] >> 32, SECURED as u64);
    let (a, n) = win_addr(loopback(port2));
    assert_eq!(
        unsafe {
            ioctl(
                s,
                SIO_DELETE_PEER_TARGET_NAME,
                a.as_ptr(),
                n as u32,
                std::ptr::null_mut(),
                0,
                &mut ret,
            )
        },
        0
    );
    assert_eq!(
        unsafe {
            ioctl(
                s,
                SIO_QUERY_WFP_ALE_ENDPOINT_HANDLE,
                std::ptr::null(),
                0,
                info.as_mut_ptr() as *mut u8,
                8,
                &mut ret,
            )
        },
        SOCKET_ERROR
    );
    assert_eq!(err(), WSAEOPNOTSUPP);
    send_all(s, b"sio");
    assert_eq!(recv_exact(s, 3), b"SIO");
    assert_eq!(server.join().unwrap().unwrap().flags_after_accept, SECURED);
    close(s);
    close(srv);
}

#[test]
fn impersonation_does_not_exist_on_linux() {
    let (l, port) = listener(Some(None), 10_000);
    let server = thread::spawn(move || {
        let c = accept(l).unwrap();
        let r = unsafe { wstls_WSAImpersonateSocketPeer(c, std::ptr::null(), 0) };
        let e = err();
        let rv = wstls_WSARevertImpersonation();
        // The server saw no client certificate: the extension reports 0 bytes.
        let mut len = 64u32;
        let mut buf = [0 as c_char; 64];
        let sub = unsafe { wstls_get_socket_peer_subject(c, buf.as_mut_ptr(), &mut len) };
        let _ = recv_exact(c, 1);
        close(c);
        (r, e, rv, sub, len)
    });
    let (s, r) = secure_client(port, Some("host/server.test"), 0);
    assert_eq!(r, 0, "{}", msg());
    send_all(s, b"!");
    let (r, e, rv, sub, len) = server.join().unwrap();
    assert_eq!((r, e), (SOCKET_ERROR, WSAEOPNOTSUPP));
    assert_eq!(rv, 0);
    assert_eq!((sub, len), (0, 0));
    assert_eq!(
        unsafe { wstls_WSAImpersonateSocketPeer(0x7ff0_0009, std::ptr::null(), 0) },
        SOCKET_ERROR
    );
    assert_eq!(err(), WSAENOTSOCK);
    close(s);
    close(l);
}

#[test]
fn peer_subject_needs_a_secured_connection() {
    let s = tcp();
    let mut len = 0u32;
    assert_eq!(
        unsafe { wstls_get_socket_peer_subject(s, std::ptr::null_mut(), &mut len) },
        SOCKET_ERROR
    );
    assert_eq!(err(), WSAENOTCONN);
    close(s);
}

// ---------------------------------------------------------------------------------------------
// Non-blocking sockets: the handshake runs on first use
// ---------------------------------------------------------------------------------------------

fn set_nonblocking(s: SOCKET) {
    let mut one = 1u32;
    assert_eq!(unsafe { wstls_ioctlsocket(s, FIONBIO as i32, &mut one) }, 0);
}

/// Retries a non-blocking call while it fails with WSAEWOULDBLOCK.
fn retry(mut f: impl FnMut() -> c_int) -> c_int {
    for _ in 0..2000 {
        let r = f();
        if r != SOCKET_ERROR || err() != WSAEWOULDBLOCK {
            return r;
        }
        thread::sleep(Duration::from_millis(5));
    }
    panic!("still WSAEWOULDBLOCK");
}

#[test]
fn non_blocking_client_and_server_secure_on_first_use() {
    let (l, port) = listener(Some(None), 10_000);
    set_nonblocking(l);
    let server = thread::spawn(move || {
        let c = retry(|| {
            let c = unsafe { wstls_accept(l, std::ptr::null_mut(), std::ptr::null_mut()) };
            if c == INVALID {
                SOCKET_ERROR
            } else {
                c as c_int
            }
        }) as SOCKET;
        let mut b = [0u8; 4];
        let n = retry(|| unsafe { wstls_recv(c, b.as_mut_ptr() as *mut c_char, 4, 0) });
        let f = flags(c);
        let m = retry(|| unsafe { wstls_send(c, b.as_ptr() as *const c_char, n, 0) });
        assert_eq!(m, n);
        close(c);
        (f, b[..n as usize].to_vec())
    });
    let s = tcp();
    assert_eq!(set_security(s, None), 0);
    assert_eq!(set_name(s, "host/server.test"), 0);
    set_nonblocking(s);
    let r = connect(s, port);
    assert!(r == 0 || err() == WSAEWOULDBLOCK, "{}", msg());
    assert_eq!(
        retry(|| unsafe { wstls_send(s, b"nbio".as_ptr() as *const c_char, 4, 0) }),
        4
    );
    let mut b = [0u8; 4];
    assert_eq!(
        retry(|| unsafe { wstls_recv(s, b.as_mut_ptr() as *mut c_char, 4, 0) }),
        4
    );
    assert_eq!(&b, b"nbio");
    assert_eq!(flags(s), SECURED);
    let (f, got) = server.join().unwrap();
    assert_eq!((f, got.as_slice()), (SECURED, &b"nbio"[..]));
    close(s);
    close(l);
}

#[test]
fn a_datagram_socket_queries_as_not_secured_with_a_template() {
    init();
    let s = wstls_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    assert_ne!(s, INVALID);
    let mut info: SOCKET_SECURITY_QUERY_INFO = unsafe { std::mem::zeroed() };
    let mut len = 24u32;
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(
            s,
            std::ptr::null(),
            0,
            &mut info,
            &mut len,
            std::ptr::null_mut(),
            None,
        )
    };
    assert_eq!((r, err()), (SOCKET_ERROR, WSAEINVAL));
    // The template must name the peer (address and port).
    let mut t: SOCKET_SECURITY_QUERY_TEMPLATE = unsafe { std::mem::zeroed() };
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(s, &t, 144, &mut info, &mut len, std::ptr::null_mut(), None)
    };
    assert_eq!((r, err()), (SOCKET_ERROR, WSAEINVAL));
    let (a, _) = win_addr(loopback(5353));
    unsafe {
        std::ptr::copy_nonoverlapping(a.as_ptr(), &mut t.PeerAddress as *mut _ as *mut u8, 16)
    };
    info.Flags = 99;
    let r = unsafe {
        wstls_WSAQuerySocketSecurity(s, &t, 144, &mut info, &mut len, std::ptr::null_mut(), None)
    };
    assert_eq!(r, 0, "{}", msg());
    assert_eq!((info.Flags, len), (0, 24));
    close(s);
}

#[test]
fn the_server_learns_the_client_subject_when_it_asks_for_a_certificate() {
    use wstls::win::ext::*;
    let (cert, key) = client_pem();
    let l = tcp();
    assert_eq!(set_security(l, None), 0);
    let mode = WSTLS_VERIFY_PEER | WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT;
    let mut ret = 0u32;
    let r = unsafe {
        ioctl(
            l,
            WSTLS_SO_SET_VERIFY_MODE,
            &mode as *const u32 as *const u8,
            4,
            std::ptr::null_mut(),
            0,
            &mut ret,
        )
    };
    assert_eq!(r, 0, "{}", msg());
    set_u32_opt(l, SO_RCVTIMEO, 10_000);
    assert_eq!(bind(l, 0), 0);
    assert_eq!(wstls_listen(l, 4), 0);
    let port = port_of(l);
    let server = thread::spawn(move || {
        let c = accept(l).unwrap();
        let mut buf = [0 as c_char; 256];
        let mut len = 256u32;
        let r = unsafe { wstls_get_socket_peer_subject(c, buf.as_mut_ptr(), &mut len) };
        let subject = unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        let _ = recv_exact(c, 1);
        close(c);
        (r, subject)
    });
    let s = tcp();
    assert_eq!(set_security(s, None), 0);
    assert_eq!(set_name(s, "host/server.test"), 0);
    let creds = WSTLS_CREDENTIALS {
        cert_file: std::ptr::null(),
        key_file: std::ptr::null(),
        cert_pem: cert.as_ptr(),
        cert_pem_len: cert.len() as u32,
        key_pem: key.as_ptr(),
        key_pem_len: key.len() as u32,
    };
    let r = unsafe {
        ioctl(
            s,
            WSTLS_SO_SET_CLIENT_CREDENTIALS,
            &creds as *const _ as *const u8,
            std::mem::size_of::<WSTLS_CREDENTIALS>() as u32,
            std::ptr::null_mut(),
            0,
            &mut ret,
        )
    };
    assert_eq!(r, 0, "{}", msg());
    assert_eq!(connect(s, port), 0, "{}", msg());
    send_all(s, b".");
    let (r, subject) = server.join().unwrap();
    assert_eq!(r, 0);
    assert_eq!(subject, "CN=client.test");
    close(s);
    close(l);
}
