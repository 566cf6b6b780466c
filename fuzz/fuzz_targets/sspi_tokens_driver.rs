// The SSPI token fuzz driver, shared by the cargo-fuzz target (fuzz_targets/sspi_tokens.rs) and
// the plain test that replays the corpus (tests/sspi_fuzz.rs). It only uses the exported C
// functions, so buffer validation is fuzzed too.
//
// Input layout: byte 0 picks the scenario, the rest is cut into chunks (each chunk: one length
// byte, then that many bytes):
//   0: a client context (after its ClientHello) fed the chunks as ISC input tokens;
//   1: a server context fed the chunks as ASC input tokens;
//   2: an established TLS 1.3 pair; the chunks go to DecryptMessage on the client;
//   3: an established TLS 1.2 pair; the chunks go to DecryptMessage on the server;
//   4: an established pair; a valid record is XOR-ed with the chunks: DecryptMessage must either
//      fail or return the original plaintext;
//   5: control tokens (ApplyControlToken) with the chunks, then one more ISC.
#![allow(dead_code)]

use std::ffi::c_void;
use std::ptr::null_mut;

use wstls::ffi::sspi::*;
use wstls::win::crypt::CERT_CONTEXT;
use wstls::win::sspi::*;

pub struct Env {
    pub client: SecHandle,
    pub client12: SecHandle,
    pub server: SecHandle,
}

const UNISP: &[u8] = b"Microsoft Unified Security Protocol Provider\0";
const ISC: u32 = ISC_REQ_SEQUENCE_DETECT
    | ISC_REQ_REPLAY_DETECT
    | ISC_REQ_CONFIDENTIALITY
    | ISC_REQ_ALLOCATE_MEMORY
    | ISC_REQ_STREAM;
const ASC: u32 = ASC_REQ_SEQUENCE_DETECT
    | ASC_REQ_REPLAY_DETECT
    | ASC_REQ_CONFIDENTIALITY
    | ASC_REQ_ALLOCATE_MEMORY
    | ASC_REQ_STREAM;

unsafe fn acquire(use_: u32, version: u32, cert: *const CERT_CONTEXT, flags: u32) -> SecHandle {
    let mut certs = [cert];
    let mut h = SecHandle::default();
    let st = if version == SCH_CREDENTIALS_VERSION {
        let mut c: SCH_CREDENTIALS = std::mem::zeroed();
        c.dwVersion = version;
        c.cCreds = u32::from(!cert.is_null());
        c.paCred = certs.as_mut_ptr();
        c.dwFlags = flags;
        wstls_AcquireCredentialsHandleA(
            null_mut(),
            UNISP.as_ptr() as *mut _,
            use_,
            null_mut(),
            &mut c as *mut _ as *mut c_void,
            None,
            null_mut(),
            &mut h,
            null_mut(),
        )
    } else {
        let mut c: SCHANNEL_CRED = std::mem::zeroed();
        c.dwVersion = version;
        c.cCreds = u32::from(!cert.is_null());
        c.paCred = certs.as_mut_ptr();
        c.dwFlags = flags;
        wstls_AcquireCredentialsHandleA(
            null_mut(),
            UNISP.as_ptr() as *mut _,
            use_,
            null_mut(),
            &mut c as *mut _ as *mut c_void,
            None,
            null_mut(),
            &mut h,
            null_mut(),
        )
    };
    assert_eq!(st, SEC_E_OK);
    h
}

impl Env {
    /// Credentials for the scenarios; `server_cert` is a context with its key. Clients skip
    /// certificate validation (the fuzzer is not testing trust).
    pub unsafe fn new(server_cert: *const CERT_CONTEXT) -> Env {
        Env {
            client: acquire(
                SECPKG_CRED_OUTBOUND,
                SCH_CREDENTIALS_VERSION,
                std::ptr::null(),
                SCH_CRED_MANUAL_CRED_VALIDATION,
            ),
            client12: acquire(
                SECPKG_CRED_OUTBOUND,
                SCHANNEL_CRED_VERSION,
                std::ptr::null(),
                SCH_CRED_MANUAL_CRED_VALIDATION,
            ),
            server: acquire(SECPKG_CRED_INBOUND, SCH_CREDENTIALS_VERSION, server_cert, 0),
        }
    }
}

struct Step {
    status: i32,
    token: Vec<u8>,
    extra: usize,
}

unsafe fn call(
    server: bool,
    cred: &mut SecHandle,
    ctx: &mut Option<SecHandle>,
    input: Option<&[u8]>,
) -> Step {
    let mut data = input.map(|i| i.to_vec()).unwrap_or_default();
    let mut ib = [
        SecBuffer {
            cbBuffer: data.len() as u32,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: data.as_mut_ptr() as *mut c_void,
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: null_mut(),
        },
    ];
    let mut id = SecBufferDesc {
        ulVersion: 0,
        cBuffers: 2,
        pBuffers: ib.as_mut_ptr(),
    };
    let mut ob = [
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: null_mut(),
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_ALERT,
            pvBuffer: null_mut(),
        },
    ];
    let mut od = SecBufferDesc {
        ulVersion: 0,
        cBuffers: 2,
        pBuffers: ob.as_mut_ptr(),
    };
    let mut new = SecHandle::default();
    let mut cur = ctx.unwrap_or_default();
    let pc = if ctx.is_some() {
        &mut cur as *mut _
    } else {
        null_mut()
    };
    let pi = if input.is_some() {
        &mut id as *mut _
    } else {
        null_mut()
    };
    let mut attrs = 0u32;
    let status = if server {
        wstls_AcceptSecurityContext(
            cred,
            pc,
            pi,
            ASC,
            0,
            &mut new,
            &mut od,
            &mut attrs,
            null_mut(),
        )
    } else {
        wstls_InitializeSecurityContextA(
            cred,
            pc,
            b"localhost\0".as_ptr() as *mut _,
            ISC,
            0,
            0,
            pi,
            0,
            &mut new,
            &mut od,
            &mut attrs,
            null_mut(),
        )
    };
    let mut token = Vec::new();
    if !ob[0].pvBuffer.is_null() {
        token = std::slice::from_raw_parts(ob[0].pvBuffer as *const u8, ob[0].cbBuffer as usize)
            .to_vec();
    }
    for b in &ob {
        if !b.pvBuffer.is_null() {
            assert_eq!(wstls_FreeContextBuffer(b.pvBuffer), SEC_E_OK);
        }
    }
    let extra = if ib[1].BufferType == SECBUFFER_EXTRA {
        ib[1].cbBuffer as usize
    } else {
        0
    };
    if ctx.is_none()
        && (status == SEC_E_OK
            || status == SEC_I_CONTINUE_NEEDED
            || status == SEC_I_INCOMPLETE_CREDENTIALS)
    {
        *ctx = Some(new);
    }
    Step {
        status,
        token,
        extra,
    }
}

unsafe fn decrypt(ctx: &mut SecHandle, data: &mut [u8]) -> (i32, Vec<u8>) {
    let mut b = [
        SecBuffer {
            cbBuffer: data.len() as u32,
            BufferType: SECBUFFER_DATA,
            pvBuffer: data.as_mut_ptr() as *mut c_void,
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: null_mut(),
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: null_mut(),
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: null_mut(),
        },
    ];
    let mut d = SecBufferDesc {
        ulVersion: 0,
        cBuffers: 4,
        pBuffers: b.as_mut_ptr(),
    };
    let st = wstls_DecryptMessage(ctx, &mut d, 0, null_mut());
    let mut plain = Vec::new();
    if (st == SEC_E_OK || st == SEC_I_RENEGOTIATE || st == SEC_I_CONTEXT_EXPIRED)
        && b[1].BufferType == SECBUFFER_DATA
        && b[1].cbBuffer > 0
    {
        let p = b[1].pvBuffer as usize;
        let base = data.as_ptr() as usize;
        assert!(
            p >= base && p + b[1].cbBuffer as usize <= base + data.len(),
            "plaintext outside the input"
        );
        plain =
            std::slice::from_raw_parts(b[1].pvBuffer as *const u8, b[1].cbBuffer as usize).to_vec();
    }
    if b[3].BufferType == SECBUFFER_EXTRA {
        assert!(b[3].cbBuffer as usize <= data.len());
    }
    (st, plain)
}

unsafe fn encrypt(ctx: &mut SecHandle, msg: &[u8]) -> Vec<u8> {
    let mut s = SecPkgContext_StreamSizes::default();
    assert_eq!(
        wstls_QueryContextAttributesA(
            ctx,
            SECPKG_ATTR_STREAM_SIZES,
            &mut s as *mut _ as *mut c_void
        ),
        SEC_E_OK
    );
    let (h, t) = (s.cbHeader as usize, s.cbTrailer as usize);
    let mut block = vec![0u8; h + msg.len() + t];
    block[h..h + msg.len()].copy_from_slice(msg);
    let p = block.as_mut_ptr();
    let mut b = [
        SecBuffer {
            cbBuffer: h as u32,
            BufferType: SECBUFFER_STREAM_HEADER,
            pvBuffer: p as *mut c_void,
        },
        SecBuffer {
            cbBuffer: msg.len() as u32,
            BufferType: SECBUFFER_DATA,
            pvBuffer: p.add(h) as *mut c_void,
        },
        SecBuffer {
            cbBuffer: t as u32,
            BufferType: SECBUFFER_STREAM_TRAILER,
            pvBuffer: p.add(h + msg.len()) as *mut c_void,
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: null_mut(),
        },
    ];
    let mut d = SecBufferDesc {
        ulVersion: 0,
        cBuffers: 4,
        pBuffers: b.as_mut_ptr(),
    };
    assert_eq!(wstls_EncryptMessage(ctx, 0, &mut d, 0), SEC_E_OK);
    block.truncate(h + msg.len() + b[2].cbBuffer as usize);
    block
}

/// An established pair (client, server); the client has consumed the server's tickets.
unsafe fn pair(env: &mut Env, tls12: bool) -> Option<(SecHandle, SecHandle)> {
    let ccred = if tls12 {
        &mut env.client12
    } else {
        &mut env.client
    };
    let (mut c, mut s) = (None, None);
    let first = call(false, ccred, &mut c, None);
    let mut to_s = first.token;
    let mut to_c = Vec::new();
    let (mut cd, mut sd) = (false, false);
    for _ in 0..10 {
        if !sd && !to_s.is_empty() {
            let r = call(true, &mut env.server, &mut s, Some(&to_s));
            if r.status != SEC_E_OK && r.status != SEC_I_CONTINUE_NEEDED {
                return None;
            }
            to_c.extend_from_slice(&r.token);
            to_s.drain(..to_s.len() - r.extra);
            sd = r.status == SEC_E_OK;
        } else if !cd && !to_c.is_empty() {
            let r = call(false, ccred, &mut c, Some(&to_c));
            if r.status != SEC_E_OK && r.status != SEC_I_CONTINUE_NEEDED {
                return None;
            }
            to_s.extend_from_slice(&r.token);
            to_c.drain(..to_c.len() - r.extra);
            cd = r.status == SEC_E_OK;
        } else {
            break;
        }
    }
    let (mut c, s) = (c?, s?);
    while !to_c.is_empty() {
        let mut b = to_c.clone();
        let (st, _) = decrypt(&mut c, &mut b);
        if st != SEC_E_OK && st != SEC_I_RENEGOTIATE {
            return None;
        }
        let rec = wstls::tls::record::scan(&to_c);
        match rec {
            wstls::tls::record::Scan::Complete(n) => {
                to_c.drain(..n);
            }
            _ => break,
        }
    }
    Some((c, s))
}

fn chunks(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let n = data[i] as usize;
        let end = (i + 1 + n).min(data.len());
        out.push(&data[i + 1..end]);
        i = end;
    }
    out
}

pub fn run(env: &mut Env, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    let body = &data[1..];
    unsafe {
        match data[0] % 6 {
            0 | 1 => {
                let server = data[0] % 6 == 1;
                let mut ctx = None;
                let cred = if server {
                    &mut env.server
                } else if data[0] & 0x80 != 0 {
                    &mut env.client12
                } else {
                    &mut env.client
                };
                if !server {
                    call(false, cred, &mut ctx, None);
                }
                for c in chunks(body) {
                    let r = call(server, cred, &mut ctx, Some(c));
                    assert!(r.extra <= c.len());
                    if r.status < 0 && r.status != SEC_E_INCOMPLETE_MESSAGE {
                        break;
                    }
                }
                if let Some(mut h) = ctx {
                    wstls_DeleteSecurityContext(&mut h);
                }
            }
            2 | 3 => {
                let Some((mut c, mut s)) = pair(env, data[0] % 6 == 3) else {
                    return;
                };
                let target = if data[0] % 6 == 2 { &mut c } else { &mut s };
                for ch in chunks(body) {
                    let mut b = ch.to_vec();
                    let (st, plain) = decrypt(target, &mut b);
                    assert!(st != SEC_E_OK || plain.len() <= ch.len());
                }
                wstls_DeleteSecurityContext(&mut c);
                wstls_DeleteSecurityContext(&mut s);
            }
            4 => {
                let Some((mut c, mut s)) = pair(env, data[0] & 0x80 != 0) else {
                    return;
                };
                let rec = encrypt(&mut c, b"hello fuzz");
                let mut tampered = rec.clone();
                for (i, ch) in chunks(body).iter().enumerate() {
                    for (j, x) in ch.iter().enumerate() {
                        let k = (i * 31 + j) % tampered.len();
                        tampered[k] ^= x;
                    }
                }
                let (st, plain) = decrypt(&mut s, &mut tampered);
                if st == SEC_E_OK {
                    assert_eq!(
                        plain, b"hello fuzz",
                        "a modified record must never decrypt to other data"
                    );
                }
                wstls_DeleteSecurityContext(&mut c);
                wstls_DeleteSecurityContext(&mut s);
            }
            _ => {
                let mut ctx = None;
                call(false, &mut env.client, &mut ctx, None);
                let Some(mut h) = ctx else { return };
                for ch in chunks(body) {
                    let mut b = ch.to_vec();
                    let mut buf = [SecBuffer {
                        cbBuffer: b.len() as u32,
                        BufferType: SECBUFFER_TOKEN,
                        pvBuffer: b.as_mut_ptr() as *mut c_void,
                    }];
                    let mut d = SecBufferDesc {
                        ulVersion: 0,
                        cBuffers: 1,
                        pBuffers: buf.as_mut_ptr(),
                    };
                    wstls_ApplyControlToken(&mut h, &mut d);
                }
                let mut c = Some(h);
                call(false, &mut env.client, &mut c, None);
                wstls_DeleteSecurityContext(&mut h);
            }
        }
    }
}

/// Whether the established-pair scenarios really get a pair (so they test DecryptMessage).
pub fn self_check(env: &mut Env) -> bool {
    unsafe {
        [false, true].iter().all(|&tls12| match pair(env, tls12) {
            Some((mut c, mut s)) => {
                wstls_DeleteSecurityContext(&mut c);
                wstls_DeleteSecurityContext(&mut s);
                true
            }
            None => false,
        })
    }
}
