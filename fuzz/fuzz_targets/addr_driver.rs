// The address-translation fuzz driver, shared by the cargo-fuzz target (fuzz_targets/addr.rs)
// and the plain test that replays the corpus (tests/fuzz_replay.rs). Windows `sockaddr`s and
// address strings cross the boundary in both directions; each translation is checked
// against an independent decoding (std's parsers, the byte layout).
//
// Input layout: byte 0 picks the operation, byte 1 is a parameter, the rest is the payload:
//   0: a Windows sockaddr (payload, length = parameter capped at the payload length) through
//      wstls::net::addr::from_windows, checked against the bytes and round-tripped;
//   1: the same sockaddr through getnameinfo(NI_NUMERICHOST | NI_NUMERICSERV) with output
//      sizes from the parameter: the text must name the same address and port, within the
//      buffers (canaries);
//   2: inet_pton of the payload as a string (family from the parameter), compared with std's
//      parser, then inet_ntop back (buffer size from the parameter);
//   3: inet_addr of the payload as a string: INADDR_NONE or, for a dotted quad, std's value;
//   4: getaddrinfo(AI_NUMERICHOST | AI_NUMERICSERV) of the payload split into node and
//      service, hints from the parameter: every node has a Windows family and length;
//   5: connect of a UDP socket to the sockaddr (no packet is sent), then getpeername.
#![allow(dead_code)]

use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::raw::{c_char, c_int, c_void};
use std::sync::Once;

use wstls::ffi::names::*;
use wstls::ffi::winsock::*;
use wstls::win::names::{AI_NUMERICHOST, AI_NUMERICSERV, NI_NUMERICHOST, NI_NUMERICSERV};
use wstls::win::winsock::{addrinfo, sockaddr, WSADATA};
use wstls::win::wsa;

const CANARY: u8 = 0xA5;

pub fn startup() {
    static S: Once = Once::new();
    S.call_once(|| {
        let mut d: WSADATA = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { wstls_WSAStartup(0x0202, &mut d) }, 0);
    });
}

/// Decodes a Windows sockaddr independently of wstls (byte layout from the reference).
fn decode(b: &[u8], len: usize) -> Option<SocketAddr> {
    if len < 2 || b.len() < 2 {
        return None;
    }
    let family = u16::from_ne_bytes([b[0], b[1]]) as i32;
    let port = |b: &[u8]| u16::from_be_bytes([b[2], b[3]]);
    match family {
        wsa::AF_INET if len >= 16 && b.len() >= 16 => Some(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(b[4], b[5], b[6], b[7])),
            port(b),
        )),
        wsa::AF_INET6 if len >= 28 && b.len() >= 28 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&b[8..24]);
            let flow = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            let scope = u32::from_ne_bytes([b[24], b[25], b[26], b[27]]);
            Some(SocketAddr::V6(std::net::SocketAddrV6::new(
                Ipv6Addr::from(a),
                port(b),
                flow,
                scope,
            )))
        }
        _ => None,
    }
}

fn c_string(b: &[u8]) -> CString {
    let clean: Vec<u8> = b.iter().copied().filter(|c| *c != 0).collect();
    CString::new(clean).unwrap()
}

fn last_error_is_set() {
    assert_ne!(wstls_WSAGetLastError(), 0);
    let m = unsafe { CStr::from_ptr(wstls_last_error_message()) };
    assert!(!m.to_bytes().is_empty());
}

pub fn run(data: &[u8]) {
    startup();
    if data.len() < 2 {
        return;
    }
    let (op, param, payload) = (data[0] % 6, data[1], &data[2..]);
    // The sockaddr operations get a buffer of exactly the payload's size.
    let len = (param as usize).min(payload.len());
    match op {
        0 => {
            let r = unsafe { wstls::net::addr::from_windows(payload.as_ptr(), len as i32) };
            match (r, decode(payload, len)) {
                (Ok(a), Some(want)) => {
                    assert_eq!(a, want);
                    let (bytes, n) = wstls::net::addr::to_windows(&a);
                    assert_eq!(decode(&bytes, n), Some(a));
                }
                (Ok(a), None) => panic!("accepted {a} from {:?}", &payload[..len]),
                (Err(e), Some(want)) => panic!("refused {want}: {}", e.message),
                (Err(_), None) => {}
            }
        }
        1 => {
            let host_len = (param & 0x3F) as usize;
            let serv_len = (param >> 6) as usize * 3;
            let mut host = vec![CANARY; host_len + 8];
            let mut serv = vec![CANARY; serv_len + 8];
            let rc = unsafe {
                wstls_getnameinfo(
                    payload.as_ptr() as *const sockaddr,
                    len as c_int,
                    host.as_mut_ptr() as *mut c_char,
                    host_len as u32,
                    serv.as_mut_ptr() as *mut c_char,
                    serv_len as u32,
                    NI_NUMERICHOST | NI_NUMERICSERV,
                )
            };
            assert!(
                host[host_len..].iter().all(|b| *b == CANARY),
                "host overrun"
            );
            assert!(
                serv[serv_len..].iter().all(|b| *b == CANARY),
                "service overrun"
            );
            let want = decode(payload, len);
            if rc == 0 {
                let want = want.expect("getnameinfo accepted an invalid sockaddr");
                if host_len > 0 {
                    let h = CStr::from_bytes_until_nul(&host).unwrap().to_str().unwrap();
                    let ip: IpAddr = h
                        .split('%')
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap_or_else(|_| panic!("host {h:?}"));
                    assert_eq!(ip, want.ip());
                }
                if serv_len > 0 {
                    let p = CStr::from_bytes_until_nul(&serv).unwrap().to_str().unwrap();
                    assert_eq!(p.parse::<u16>().ok(), Some(want.port()), "service {p:?}");
                }
            } else {
                last_error_is_set();
            }
        }
        2 => {
            let text = c_string(payload);
            let family = match param % 3 {
                0 => wsa::AF_INET,
                1 => wsa::AF_INET6,
                _ => param as c_int,
            };
            let mut out = [CANARY; 16 + 8];
            let rc =
                unsafe { wstls_inet_pton(family, text.as_ptr(), out.as_mut_ptr() as *mut c_void) };
            let s = text.to_str().ok();
            match family {
                wsa::AF_INET => {
                    let want = s.and_then(|s| s.parse::<Ipv4Addr>().ok());
                    assert_eq!(rc == 1, want.is_some(), "inet_pton(AF_INET, {text:?})");
                    if let Some(w) = want {
                        assert_eq!(out[..4], w.octets());
                    }
                    assert!(out[if rc == 1 { 4 } else { 0 }..]
                        .iter()
                        .all(|b| *b == CANARY));
                }
                wsa::AF_INET6 => {
                    let want = s.and_then(|s| s.parse::<Ipv6Addr>().ok());
                    assert_eq!(rc == 1, want.is_some(), "inet_pton(AF_INET6, {text:?})");
                    if let Some(w) = want {
                        assert_eq!(out[..16], w.octets());
                    }
                    assert!(out[if rc == 1 { 16 } else { 0 }..]
                        .iter()
                        .all(|b| *b == CANARY));
                }
                _ => {
                    assert_eq!(rc, -1);
                    assert_eq!(wstls_WSAGetLastError(), wsa::WSAEAFNOSUPPORT);
                }
            }
            if rc == 1 {
                let size = (param as usize >> 2).min(64);
                let mut buf = vec![CANARY; size + 8];
                let p = unsafe {
                    wstls_inet_ntop(
                        family,
                        out.as_ptr() as *const c_void,
                        buf.as_mut_ptr() as *mut c_char,
                        size,
                    )
                };
                assert!(
                    buf[size..].iter().all(|b| *b == CANARY),
                    "inet_ntop overrun"
                );
                if p.is_null() {
                    last_error_is_set();
                } else {
                    let t = unsafe { CStr::from_ptr(p) }.to_str().unwrap();
                    let back: IpAddr = t.parse().unwrap();
                    let orig: IpAddr = s.unwrap().parse().unwrap();
                    assert_eq!(back, orig);
                }
            }
        }
        3 => {
            let text = c_string(payload);
            let v = unsafe { wstls_inet_addr(text.as_ptr()) };
            if let Some(ip) = text.to_str().ok().and_then(|s| s.parse::<Ipv4Addr>().ok()) {
                assert_eq!(u32::from_be(v), u32::from(ip), "inet_addr({text:?})");
            }
        }
        4 => {
            let cut = payload
                .iter()
                .position(|b| *b == b'/')
                .unwrap_or(payload.len());
            let node = c_string(&payload[..cut]);
            let service = c_string(payload.get(cut + 1..).unwrap_or(&[]));
            let mut hints: addrinfo = unsafe { std::mem::zeroed() };
            hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | (param as c_int & 0x3);
            hints.ai_family = [0, wsa::AF_INET, wsa::AF_INET6, 10][(param >> 2) as usize % 4];
            hints.ai_socktype =
                [0, wsa::SOCK_STREAM, wsa::SOCK_DGRAM, 77][(param >> 4) as usize % 4];
            hints.ai_protocol = [0, 6, 17, -1][(param >> 6) as usize % 4];
            let mut res: *mut addrinfo = std::ptr::null_mut();
            let no_node = param & 0x80 != 0 && cut == 0;
            let rc = unsafe {
                wstls_getaddrinfo(
                    if no_node {
                        std::ptr::null()
                    } else {
                        node.as_ptr()
                    },
                    if service.as_bytes().is_empty() {
                        std::ptr::null()
                    } else {
                        service.as_ptr()
                    },
                    &hints,
                    &mut res,
                )
            };
            if rc == 0 {
                assert!(!res.is_null());
                let mut p = res;
                let mut n = 0;
                while !p.is_null() {
                    let ai = unsafe { &*p };
                    let fam = unsafe { std::ptr::read_unaligned(ai.ai_addr as *const u16) } as i32;
                    assert_eq!(ai.ai_family, fam);
                    match fam {
                        wsa::AF_INET => assert_eq!(ai.ai_addrlen, 16),
                        wsa::AF_INET6 => assert_eq!(ai.ai_addrlen, 28),
                        other => panic!("family {other} in a getaddrinfo result"),
                    }
                    let b = unsafe {
                        std::slice::from_raw_parts(ai.ai_addr as *const u8, ai.ai_addrlen)
                    };
                    assert!(decode(b, b.len()).is_some());
                    p = ai.ai_next;
                    n += 1;
                    assert!(n < 1000);
                }
                unsafe { wstls_freeaddrinfo(res) };
            } else {
                assert!(res.is_null());
                assert_eq!(wstls_WSAGetLastError(), rc);
            }
        }
        _ => {
            let af = if param & 1 == 0 {
                wsa::AF_INET
            } else {
                wsa::AF_INET6
            };
            let s = wstls_socket(af, wsa::SOCK_DGRAM, 0);
            if s == wsa::INVALID_SOCKET {
                return; // no IPv6 on this host
            }
            let rc = unsafe { wstls_connect(s, payload.as_ptr() as *const sockaddr, len as c_int) };
            if rc == 0 {
                let want = decode(payload, len).expect("connect accepted an invalid sockaddr");
                let mut out = [CANARY; 28 + 8];
                let mut n: c_int = 28;
                let r = unsafe { wstls_getpeername(s, out.as_mut_ptr() as *mut sockaddr, &mut n) };
                assert_eq!(r, 0);
                assert!(out[28..].iter().all(|b| *b == CANARY));
                let got = decode(&out, n as usize).unwrap();
                assert_eq!(got.port(), want.port());
            } else {
                last_error_is_set();
            }
            assert_eq!(wstls_closesocket(s), 0);
        }
    }
}
