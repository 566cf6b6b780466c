// The WSAIoctl buffer fuzz driver, shared by the cargo-fuzz target (fuzz_targets/wsaioctl.rs)
// and the plain test that replays the corpus (tests/fuzz_replay.rs). It only calls the exported
// C functions, so the boundary checks are fuzzed too.
//
// Input layout: byte 0 picks the socket (0 plain TCP, 1 secure TCP, 2 UDP, 3 secure listening
// TCP); the rest is a list of calls, each:
//   code selector (1 byte: an index into CODES, or 0xFF followed by a raw 4-byte code),
//   flags (1 byte: bit 0 NULL input, bit 1 NULL output, bit 2 NULL lpcbBytesReturned),
//   output size (1 byte),
//   input chunk (1 length byte, then that many bytes).
// Input structures that hold pointers (WSTLS_CREDENTIALS) are built from the chunk with
// pointers into it and truthful lengths: a caller passing wild pointers is outside any
// contract. Every other input is passed as raw bytes with its true length.
//
// Invariants: the call returns 0 or SOCKET_ERROR; a failure sets a non-zero WSAGetLastError()
// and a message; a success reports at most cbOutBuffer bytes; nothing is written past the
// output buffer (canary); the socket stays usable (getsockopt SO_TYPE still works).
#![allow(dead_code)]

use std::os::raw::{c_char, c_int, c_void};
use std::sync::Once;

use wstls::ffi::winsock::*;
use wstls::win::ext::*;
use wstls::win::winsock::{SOCKET, WSADATA};
use wstls::win::wsa;

/// The control codes tried first (others come raw).
pub const CODES: &[u32] = &[
    wsa::FIONBIO,
    wsa::FIONREAD,
    wsa::SIOCATMARK,
    WSTLS_SO_SET_SERVER_CREDENTIALS,
    WSTLS_SO_SET_CLIENT_CREDENTIALS,
    WSTLS_SO_SET_VERIFY_MODE,
    WSTLS_SO_GET_VERIFY_MODE,
    WSTLS_SO_SET_CLIENT_CA,
    WSTLS_SO_GET_VERIFY_RESULT,
    WSTLS_SO_GET_PEER_CERTIFICATE,
    WSTLS_SO_SET_ALPN,
    WSTLS_SO_GET_ALPN,
    WSTLS_SO_GET_SESSION_INFO,
];

/// Codes whose input is a `WSTLS_CREDENTIALS` (pointers inside).
fn takes_credentials(code: u32) -> bool {
    matches!(
        code,
        WSTLS_SO_SET_SERVER_CREDENTIALS | WSTLS_SO_SET_CLIENT_CREDENTIALS | WSTLS_SO_SET_CLIENT_CA
    )
}

pub fn startup() {
    static S: Once = Once::new();
    S.call_once(|| {
        let mut d: WSADATA = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { wstls_WSAStartup(0x0202, &mut d) }, 0);
    });
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
    fn chunk(&mut self) -> &'a [u8] {
        let n = self.byte().unwrap_or(0) as usize;
        self.take(n)
    }
}

fn open(kind: u8) -> SOCKET {
    let (ty, secure, listen) = match kind % 4 {
        0 => (wsa::SOCK_STREAM, false, false),
        1 => (wsa::SOCK_STREAM, true, false),
        2 => (wsa::SOCK_DGRAM, false, false),
        _ => (wsa::SOCK_STREAM, true, true),
    };
    let s = wstls_socket(wsa::AF_INET, ty, 0);
    assert_ne!(s, wsa::INVALID_SOCKET);
    if secure {
        let v = wsa::SO_SEC_SSL;
        let r = unsafe {
            wstls_setsockopt(
                s,
                wsa::SOL_SOCKET,
                wsa::SO_SECURE,
                &v as *const u32 as *const c_char,
                4,
            )
        };
        assert_eq!(r, 0);
    }
    if listen {
        let mut a = [0u8; 16];
        a[0..2].copy_from_slice(&(wsa::AF_INET as u16).to_ne_bytes());
        a[4..8].copy_from_slice(&[127, 0, 0, 1]);
        unsafe {
            assert_eq!(wstls_bind(s, a.as_ptr() as *const _, 16), 0);
        }
        assert_eq!(wstls_listen(s, 1), 0);
    }
    s
}

/// A `WSTLS_CREDENTIALS` whose pointers point into `chunk` (or are NULL / a fixed path).
fn credentials(chunk: &[u8], storage: &mut Vec<std::ffi::CString>) -> WSTLS_CREDENTIALS {
    let sel = chunk.first().copied().unwrap_or(0);
    let body = chunk.get(1..).unwrap_or(&[]);
    let half = body.len() / 2;
    let path = |i: u8, storage: &mut Vec<std::ffi::CString>| -> *const c_char {
        let p = match i % 4 {
            0 => return std::ptr::null(),
            1 => "/nonexistent/wstls-fuzz.pem",
            2 => "/dev/null",
            _ => "/",
        };
        storage.push(std::ffi::CString::new(p).unwrap());
        storage.last().unwrap().as_ptr()
    };
    WSTLS_CREDENTIALS {
        cert_file: path(sel, storage),
        key_file: path(sel >> 2, storage),
        cert_pem: if sel & 0x10 != 0 {
            std::ptr::null()
        } else {
            body.as_ptr()
        },
        cert_pem_len: if sel & 0x10 != 0 { 0 } else { half as u32 },
        key_pem: if sel & 0x20 != 0 {
            std::ptr::null()
        } else {
            body[half..].as_ptr()
        },
        key_pem_len: if sel & 0x20 != 0 {
            0
        } else {
            (body.len() - half) as u32
        },
    }
}

const CANARY: u8 = 0xA5;

pub fn run(data: &[u8]) {
    startup();
    let mut r = Reader(data);
    let s = open(r.byte().unwrap_or(0));
    for _ in 0..16 {
        let Some(sel) = r.byte() else { break };
        let code = if (sel as usize) < CODES.len() {
            CODES[sel as usize]
        } else if sel == 0xFF {
            let b = r.take(4);
            let mut w = [0u8; 4];
            w[..b.len()].copy_from_slice(b);
            u32::from_le_bytes(w)
        } else {
            CODES[sel as usize % CODES.len()]
        };
        let flags = r.byte().unwrap_or(0);
        let out_len = r.byte().unwrap_or(0) as usize;
        let chunk = r.chunk();
        let mut storage = Vec::new();
        let creds;
        let (in_ptr, in_len): (*const u8, usize) = if takes_credentials(code) && flags & 1 == 0 {
            creds = credentials(chunk, &mut storage);
            (
                &creds as *const WSTLS_CREDENTIALS as *const u8,
                std::mem::size_of::<WSTLS_CREDENTIALS>(),
            )
        } else if flags & 1 != 0 {
            (std::ptr::null(), chunk.len())
        } else {
            (chunk.as_ptr(), chunk.len())
        };
        let mut out = vec![CANARY; out_len + 16];
        let mut returned: u32 = 0xDEAD_BEEF;
        let rc = unsafe {
            wstls_WSAIoctl(
                s,
                code,
                in_ptr as *mut c_void,
                in_len as u32,
                if flags & 2 != 0 {
                    std::ptr::null_mut()
                } else {
                    out.as_mut_ptr() as *mut c_void
                },
                out_len as u32,
                if flags & 4 != 0 {
                    std::ptr::null_mut()
                } else {
                    &mut returned
                },
                std::ptr::null_mut(),
                None,
            )
        };
        assert!(
            out[out_len..].iter().all(|b| *b == CANARY),
            "WSAIoctl({code:#x}) wrote past the output buffer"
        );
        if rc == 0 {
            if flags & 4 == 0 {
                assert!(
                    returned as usize <= out_len,
                    "WSAIoctl({code:#x}) reported {returned} bytes for a {out_len}-byte buffer"
                );
            }
        } else {
            assert_eq!(rc, wsa::SOCKET_ERROR);
            let e = wstls_WSAGetLastError();
            assert!(e != 0, "failure without an error code");
            let m = unsafe { std::ffi::CStr::from_ptr(wstls_last_error_message()) };
            assert!(!m.to_bytes().is_empty(), "failure {e} without a message");
        }
    }
    // Still a working socket.
    let mut ty: c_int = 0;
    let mut len: c_int = 4;
    let rc = unsafe {
        wstls_getsockopt(
            s,
            wsa::SOL_SOCKET,
            wsa::SO_TYPE,
            &mut ty as *mut c_int as *mut c_char,
            &mut len,
        )
    };
    assert_eq!(rc, 0);
    assert_eq!(wstls_closesocket(s), 0);
}
