//! Shared helpers for the SSPI tests: a test PKI made at run time (rcgen), thin safe wrappers
//! over the exported SSPI functions, and the Schannel client/server loops as Windows programs
//! write them (curl's buffer layouts).
#![allow(dead_code, non_snake_case, clippy::missing_safety_doc)]

use std::ffi::{c_void, CString};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use wstls::ffi::crypt::*;
use wstls::ffi::sspi::*;
use wstls::win::crypt::CERT_CONTEXT;
use wstls::win::sspi::*;

// ---------------------------------------------------------------------------------------------
// PKI
// ---------------------------------------------------------------------------------------------

pub struct Pki {
    pub dir: PathBuf,
    pub ca_pem: String,
    pub ca_der: Vec<u8>,
}

pub struct Leaf {
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn write(dir: &std::path::Path, name: &str, data: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

/// One CA (trusted by the process) and leaves signed by it, made once per test binary.
pub fn pki() -> &'static Pki {
    static P: OnceLock<Pki> = OnceLock::new();
    P.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("wstls-sspi-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "wstls test CA");
        ca.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let ca_pem = ca_cert.pem();
        write(&dir, "ca.pem", &ca_pem);
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let leaf = |name: &str, sans: &[&str], expired: bool, client: bool| {
            let mut p = rcgen::CertificateParams::new(
                sans.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
            .unwrap();
            p.distinguished_name.push(
                rcgen::DnType::CommonName,
                sans.first().copied().unwrap_or(name),
            );
            if expired {
                p.not_before = rcgen::date_time_ymd(2001, 1, 1);
                p.not_after = rcgen::date_time_ymd(2002, 1, 1);
            }
            p.extended_key_usages = if client {
                vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth]
            } else {
                vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth]
            };
            let k = rcgen::KeyPair::generate().unwrap();
            let c = p.signed_by(&k, &issuer).unwrap();
            write(&dir, &format!("{name}.pem"), &c.pem());
            write(&dir, &format!("{name}.key"), &k.serialize_pem());
        };
        leaf("server", &["localhost", "127.0.0.1"], false, false);
        leaf("expired", &["localhost", "127.0.0.1"], true, false);
        leaf("wrongname", &["other.example"], false, false);
        leaf("client", &["wstls client"], false, true);
        // A server certificate from a CA nobody trusts.
        let mut u = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        u.distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        let uk = rcgen::KeyPair::generate().unwrap();
        let uc = u.self_signed(&uk).unwrap();
        write(&dir, "untrusted.pem", &uc.pem());
        write(&dir, "untrusted.key", &uk.serialize_pem());
        let ca_der = ca_cert.der().to_vec();
        wstls::tls::roots::add(vec![ca_cert.der().clone()]).unwrap();
        Pki {
            dir,
            ca_pem,
            ca_der,
        }
    })
}

impl Pki {
    pub fn leaf(&self, name: &str) -> Leaf {
        Leaf {
            cert: self.dir.join(format!("{name}.pem")),
            key: self.dir.join(format!("{name}.key")),
        }
    }
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
}

/// A CERT_CONTEXT with its key, from the PEM files of `name`.
pub fn cert_context(name: &str) -> *const CERT_CONTEXT {
    let l = pki().leaf(name);
    let c = CString::new(l.cert.to_str().unwrap()).unwrap();
    let k = CString::new(l.key.to_str().unwrap()).unwrap();
    let p = unsafe { wstls_cert_context_from_pem_files(c.as_ptr(), k.as_ptr()) };
    assert!(!p.is_null(), "cert context for {name}: {}", last_message());
    p
}

pub fn last_message() -> String {
    unsafe {
        std::ffi::CStr::from_ptr(wstls::error::last_message_ptr())
            .to_string_lossy()
            .into_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

pub const UNISP: &[u8] = b"Microsoft Unified Security Protocol Provider\0";

/// How to describe a credential.
#[derive(Clone, Copy)]
pub enum Kind {
    /// SCHANNEL_CRED with these enabled protocols.
    Schannel(u32),
    /// SCH_CREDENTIALS with these disabled protocols.
    Sch(u32),
}

pub fn acquire(
    use_: u32,
    kind: Kind,
    flags: u32,
    cert: Option<*const CERT_CONTEXT>,
) -> Result<SecHandle, i32> {
    let mut certs = [cert.unwrap_or(std::ptr::null())];
    let mut h = SecHandle::default();
    let mut ts = SECURITY_INTEGER { QuadPart: 0 };
    let n = u32::from(cert.is_some());
    let st = unsafe {
        match kind {
            Kind::Schannel(enabled) => {
                let mut c: SCHANNEL_CRED = std::mem::zeroed();
                c.dwVersion = SCHANNEL_CRED_VERSION;
                c.cCreds = n;
                c.paCred = certs.as_mut_ptr();
                c.grbitEnabledProtocols = enabled;
                c.dwFlags = flags;
                wstls_AcquireCredentialsHandleA(
                    std::ptr::null_mut(),
                    UNISP.as_ptr() as *mut _,
                    use_,
                    std::ptr::null_mut(),
                    &mut c as *mut _ as *mut c_void,
                    None,
                    std::ptr::null_mut(),
                    &mut h,
                    &mut ts,
                )
            }
            Kind::Sch(disabled) => {
                let mut tp: TLS_PARAMETERS = std::mem::zeroed();
                tp.grbitDisabledProtocols = disabled;
                let mut c: SCH_CREDENTIALS = std::mem::zeroed();
                c.dwVersion = SCH_CREDENTIALS_VERSION;
                c.cCreds = n;
                c.paCred = certs.as_mut_ptr();
                c.dwFlags = flags;
                c.cTlsParameters = 1;
                c.pTlsParameters = &mut tp;
                wstls_AcquireCredentialsHandleA(
                    std::ptr::null_mut(),
                    UNISP.as_ptr() as *mut _,
                    use_,
                    std::ptr::null_mut(),
                    &mut c as *mut _ as *mut c_void,
                    None,
                    std::ptr::null_mut(),
                    &mut h,
                    &mut ts,
                )
            }
        }
    };
    if st == SEC_E_OK {
        Ok(h)
    } else {
        Err(st)
    }
}

pub fn free_cred(mut h: SecHandle) {
    assert_eq!(unsafe { wstls_FreeCredentialsHandle(&mut h) }, SEC_E_OK);
}

// ---------------------------------------------------------------------------------------------
// Token calls
// ---------------------------------------------------------------------------------------------

/// What one ISC/ASC call returned.
#[derive(Debug, Default)]
pub struct Step {
    pub status: i32,
    pub token: Vec<u8>,
    pub alert: Vec<u8>,
    /// `inbuf[1]` after the call: (type, cbBuffer).
    pub in1: (u32, u32),
    pub flags: u32,
}

/// The ISC_REQ flags curl uses.
pub const CURL_REQ: u32 = ISC_REQ_SEQUENCE_DETECT
    | ISC_REQ_REPLAY_DETECT
    | ISC_REQ_CONFIDENTIALITY
    | ISC_REQ_ALLOCATE_MEMORY
    | ISC_REQ_STREAM;
pub const ASC_REQ: u32 = ASC_REQ_SEQUENCE_DETECT
    | ASC_REQ_REPLAY_DETECT
    | ASC_REQ_CONFIDENTIALITY
    | ASC_REQ_ALLOCATE_MEMORY
    | ASC_REQ_STREAM
    | ASC_REQ_EXTENDED_ERROR;

unsafe fn take(b: &SecBuffer) -> Vec<u8> {
    if b.pvBuffer.is_null() || b.cbBuffer == 0 {
        return Vec::new();
    }
    let v = std::slice::from_raw_parts(b.pvBuffer as *const u8, b.cbBuffer as usize).to_vec();
    v
}

/// One ISC (server = false) or ASC (server = true) call with curl's buffers: input
/// `[TOKEN = input, EMPTY]` (or NULL when `input` is None), output `[TOKEN, ALERT, EMPTY]`,
/// allocated by the package. `ctx` is created on the first call.
pub fn token_call(
    server: bool,
    cred: &mut SecHandle,
    ctx: &mut Option<SecHandle>,
    target: Option<&str>,
    req: u32,
    input: Option<&[u8]>,
) -> Step {
    let mut data = input.map(|i| i.to_vec()).unwrap_or_default();
    let mut inbufs = [
        SecBuffer {
            cbBuffer: data.len() as u32,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: data.as_mut_ptr() as *mut c_void,
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: std::ptr::null_mut(),
        },
    ];
    let mut indesc = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 2,
        pBuffers: inbufs.as_mut_ptr(),
    };
    let mut outbufs = [
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: std::ptr::null_mut(),
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_ALERT,
            pvBuffer: std::ptr::null_mut(),
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: std::ptr::null_mut(),
        },
    ];
    let mut outdesc = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 3,
        pBuffers: outbufs.as_mut_ptr(),
    };
    let mut new_ctx = SecHandle::default();
    let mut flags = 0u32;
    let mut ts = SECURITY_INTEGER { QuadPart: 0 };
    let target_c = target.map(|t| CString::new(t).unwrap());
    let mut cur = ctx.unwrap_or_default();
    let pin = if input.is_some() {
        &mut indesc as *mut _
    } else {
        std::ptr::null_mut()
    };
    let status = unsafe {
        if server {
            wstls_AcceptSecurityContext(
                cred,
                if ctx.is_some() {
                    &mut cur
                } else {
                    std::ptr::null_mut()
                },
                pin,
                req,
                0,
                &mut new_ctx,
                &mut outdesc,
                &mut flags,
                &mut ts,
            )
        } else {
            wstls_InitializeSecurityContextA(
                cred,
                if ctx.is_some() {
                    &mut cur
                } else {
                    std::ptr::null_mut()
                },
                target_c
                    .as_ref()
                    .map(|t| t.as_ptr() as *mut _)
                    .unwrap_or(std::ptr::null_mut()),
                req,
                0,
                0,
                pin,
                0,
                &mut new_ctx,
                &mut outdesc,
                &mut flags,
                &mut ts,
            )
        }
    };
    let mut s = Step {
        status,
        flags,
        in1: (inbufs[1].BufferType, inbufs[1].cbBuffer),
        ..Default::default()
    };
    unsafe {
        s.token = take(&outbufs[0]);
        s.alert = take(&outbufs[1]);
        for b in &outbufs {
            if !b.pvBuffer.is_null() {
                assert_eq!(wstls_FreeContextBuffer(b.pvBuffer), SEC_E_OK);
            }
        }
    }
    if ctx.is_none()
        && (status == SEC_E_OK
            || status == SEC_I_CONTINUE_NEEDED
            || status == SEC_I_INCOMPLETE_CREDENTIALS)
    {
        *ctx = Some(new_ctx);
    }
    s
}

pub fn delete(ctx: &mut SecHandle) -> i32 {
    unsafe { wstls_DeleteSecurityContext(ctx) }
}

pub fn stream_sizes(ctx: &mut SecHandle) -> SecPkgContext_StreamSizes {
    let mut s = SecPkgContext_StreamSizes::default();
    let st = unsafe {
        wstls_QueryContextAttributesA(
            ctx,
            SECPKG_ATTR_STREAM_SIZES,
            &mut s as *mut _ as *mut c_void,
        )
    };
    assert_eq!(st, SEC_E_OK, "{}", last_message());
    s
}

pub fn connection_info(ctx: &mut SecHandle) -> SecPkgContext_ConnectionInfo {
    let mut s = SecPkgContext_ConnectionInfo::default();
    let st = unsafe {
        wstls_QueryContextAttributesA(
            ctx,
            SECPKG_ATTR_CONNECTION_INFO,
            &mut s as *mut _ as *mut c_void,
        )
    };
    assert_eq!(st, SEC_E_OK, "{}", last_message());
    s
}

/// EncryptMessage with curl's layout (one block: header, data, trailer); returns the bytes
/// to send.
pub fn encrypt(ctx: &mut SecHandle, data: &[u8]) -> Result<Vec<u8>, i32> {
    let sz = stream_sizes(ctx);
    let (h, t) = (sz.cbHeader as usize, sz.cbTrailer as usize);
    let mut block = vec![0u8; h + data.len() + t];
    block[h..h + data.len()].copy_from_slice(data);
    let base = block.as_mut_ptr();
    let mut bufs = unsafe {
        [
            SecBuffer {
                cbBuffer: h as u32,
                BufferType: SECBUFFER_STREAM_HEADER,
                pvBuffer: base as *mut c_void,
            },
            SecBuffer {
                cbBuffer: data.len() as u32,
                BufferType: SECBUFFER_DATA,
                pvBuffer: base.add(h) as *mut c_void,
            },
            SecBuffer {
                cbBuffer: t as u32,
                BufferType: SECBUFFER_STREAM_TRAILER,
                pvBuffer: base.add(h + data.len()) as *mut c_void,
            },
            SecBuffer {
                cbBuffer: 0,
                BufferType: SECBUFFER_EMPTY,
                pvBuffer: std::ptr::null_mut(),
            },
        ]
    };
    let mut desc = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 4,
        pBuffers: bufs.as_mut_ptr(),
    };
    let st = unsafe { wstls_EncryptMessage(ctx, 0, &mut desc, 0) };
    if st != SEC_E_OK {
        return Err(st);
    }
    let n = (bufs[0].cbBuffer + bufs[1].cbBuffer + bufs[2].cbBuffer) as usize;
    block.truncate(n);
    Ok(block)
}

/// EncryptMessage with three separate buffers.
pub fn encrypt_split(ctx: &mut SecHandle, data: &[u8]) -> Result<Vec<u8>, i32> {
    let sz = stream_sizes(ctx);
    let mut hdr = vec![0u8; sz.cbHeader as usize];
    let mut body = data.to_vec();
    let mut trl = vec![0u8; sz.cbTrailer as usize];
    let mut bufs = [
        SecBuffer {
            cbBuffer: hdr.len() as u32,
            BufferType: SECBUFFER_STREAM_HEADER,
            pvBuffer: hdr.as_mut_ptr() as *mut c_void,
        },
        SecBuffer {
            cbBuffer: body.len() as u32,
            BufferType: SECBUFFER_DATA,
            pvBuffer: body.as_mut_ptr() as *mut c_void,
        },
        SecBuffer {
            cbBuffer: trl.len() as u32,
            BufferType: SECBUFFER_STREAM_TRAILER,
            pvBuffer: trl.as_mut_ptr() as *mut c_void,
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: std::ptr::null_mut(),
        },
    ];
    let mut desc = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 4,
        pBuffers: bufs.as_mut_ptr(),
    };
    let st = unsafe { wstls_EncryptMessage(ctx, 0, &mut desc, 0) };
    if st != SEC_E_OK {
        return Err(st);
    }
    let mut out = hdr[..bufs[0].cbBuffer as usize].to_vec();
    out.extend_from_slice(&body);
    out.extend_from_slice(&trl[..bufs[2].cbBuffer as usize]);
    Ok(out)
}

/// The result of one DecryptMessage over the front of `enc` (curl's reading of the buffers:
/// plaintext at index 1, extra at index 3).
#[derive(Debug)]
pub struct Dec {
    pub status: i32,
    pub data: Vec<u8>,
    pub extra: usize,
    /// With SEC_E_INCOMPLETE_MESSAGE: the MISSING count.
    pub missing: usize,
    /// Types of the four buffers after the call.
    pub types: [u32; 4],
}

pub fn decrypt(ctx: &mut SecHandle, enc: &mut [u8]) -> Dec {
    let mut bufs = [
        SecBuffer {
            cbBuffer: enc.len() as u32,
            BufferType: SECBUFFER_DATA,
            pvBuffer: enc.as_mut_ptr() as *mut c_void,
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: std::ptr::null_mut(),
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: std::ptr::null_mut(),
        },
        SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: std::ptr::null_mut(),
        },
    ];
    let mut desc = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 4,
        pBuffers: bufs.as_mut_ptr(),
    };
    let status = unsafe { wstls_DecryptMessage(ctx, &mut desc, 0, std::ptr::null_mut()) };
    let types = [
        bufs[0].BufferType,
        bufs[1].BufferType,
        bufs[2].BufferType,
        bufs[3].BufferType,
    ];
    let mut d = Dec {
        status,
        data: Vec::new(),
        extra: 0,
        missing: 0,
        types,
    };
    if status == SEC_E_INCOMPLETE_MESSAGE {
        assert_eq!(bufs[0].BufferType, SECBUFFER_MISSING);
        d.missing = bufs[0].cbBuffer as usize;
        return d;
    }
    if status == SEC_E_OK || status == SEC_I_RENEGOTIATE || status == SEC_I_CONTEXT_EXPIRED {
        if bufs[1].BufferType == SECBUFFER_DATA {
            d.data = unsafe { take(&bufs[1]) };
            // In place: the plaintext lies inside the caller's buffer.
            if !d.data.is_empty() {
                let p = bufs[1].pvBuffer as usize;
                assert!(
                    p >= enc.as_ptr() as usize
                        && p + d.data.len() <= enc.as_ptr() as usize + enc.len(),
                    "plaintext outside the input buffer"
                );
            }
        }
        if bufs[3].BufferType == SECBUFFER_EXTRA {
            d.extra = bufs[3].cbBuffer as usize;
            assert_eq!(
                bufs[3].pvBuffer as usize,
                enc.as_ptr() as usize + enc.len() - d.extra,
                "EXTRA must point at the unprocessed tail"
            );
        }
    }
    d
}

// ---------------------------------------------------------------------------------------------
// Chunked reading and a tiny PRNG
// ---------------------------------------------------------------------------------------------

pub struct Rng(u64);

impl Rng {
    pub fn new() -> Rng {
        let seed = std::env::var("WSTLS_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    ^ std::process::id() as u64
            });
        eprintln!("random chunk seed: {seed} (WSTLS_TEST_SEED={seed} repeats it)");
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() as usize) % (hi - lo + 1)
    }
}

/// How many bytes to read at a time.
pub enum Chunks {
    One,
    Random(Rng, usize),
    Big,
}

impl Chunks {
    pub fn size(&mut self) -> usize {
        match self {
            Chunks::One => 1,
            Chunks::Random(r, max) => {
                let m = *max;
                r.range(1, m)
            }
            Chunks::Big => 65536,
        }
    }
}

/// Reads one chunk into `buf`; 0 means EOF.
pub fn read_chunk(s: &mut impl Read, buf: &mut Vec<u8>, chunks: &mut Chunks) -> usize {
    let n = chunks.size();
    let mut tmp = vec![0u8; n];
    let r = s.read(&mut tmp).unwrap_or(0);
    buf.extend_from_slice(&tmp[..r]);
    r
}

/// Counters of what the loops saw.
#[derive(Default, Debug)]
pub struct Seen {
    pub incomplete: usize,
    pub extra: usize,
    pub renegotiate: usize,
    /// Output tokens produced by ISC/ASC after SEC_I_RENEGOTIATE (e.g. a KeyUpdate answer).
    pub renegotiate_tokens: usize,
}

/// The Schannel client handshake as curl runs it: ISC with `[TOKEN = received, EMPTY]`,
/// `[TOKEN, ALERT, EMPTY]`; INCOMPLETE → read more; EXTRA → keep the tail and go on without
/// reading (when CONTINUE); INCOMPLETE_CREDENTIALS → add USE_SUPPLIED_CREDS and retry.
/// Returns the context and the bytes left over for DecryptMessage.
pub fn client_handshake<S: Read + Write>(
    sock: &mut S,
    cred: &mut SecHandle,
    target: &str,
    mut req: u32,
    chunks: &mut Chunks,
    seen: &mut Seen,
) -> Result<(SecHandle, Vec<u8>, u32), (i32, Step)> {
    let mut ctx = None;
    let s = token_call(false, cred, &mut ctx, Some(target), req, None);
    if s.status != SEC_I_CONTINUE_NEEDED {
        return Err((s.status, s));
    }
    sock.write_all(&s.token).unwrap();
    let mut enc = Vec::new();
    let mut need_read = true;
    loop {
        if need_read {
            let n = read_chunk(sock, &mut enc, chunks);
            if n == 0 {
                panic!(
                    "peer closed during the handshake ({} bytes pending)",
                    enc.len()
                );
            }
        }
        let s = token_call(false, cred, &mut ctx, Some(target), req, Some(&enc));
        match s.status {
            SEC_E_INCOMPLETE_MESSAGE => {
                seen.incomplete += 1;
                assert_eq!(
                    s.in1.0, SECBUFFER_MISSING,
                    "INCOMPLETE must report SECBUFFER_MISSING"
                );
                assert!(s.in1.1 >= 1);
                need_read = true;
            }
            SEC_I_CONTINUE_NEEDED | SEC_E_OK => {
                if !s.token.is_empty() {
                    sock.write_all(&s.token).unwrap();
                }
                if s.in1.0 == SECBUFFER_EXTRA {
                    seen.extra += 1;
                    let keep = s.in1.1 as usize;
                    enc.drain(..enc.len() - keep);
                    need_read = false;
                } else {
                    enc.clear();
                    need_read = true;
                }
                if s.status == SEC_E_OK {
                    return Ok((ctx.unwrap(), enc, s.flags));
                }
            }
            SEC_I_INCOMPLETE_CREDENTIALS => {
                req |= ISC_REQ_USE_SUPPLIED_CREDS;
                need_read = false;
            }
            st => {
                if let Some(mut c) = ctx {
                    delete(&mut c);
                }
                return Err((st, s));
            }
        }
    }
}

/// The Schannel server handshake: ASC until SEC_E_OK.
pub fn server_handshake<S: Read + Write>(
    sock: &mut S,
    cred: &mut SecHandle,
    req: u32,
    chunks: &mut Chunks,
    seen: &mut Seen,
) -> Result<(SecHandle, Vec<u8>), (i32, Step)> {
    let mut ctx = None;
    let mut enc = Vec::new();
    let mut need_read = true;
    loop {
        if need_read {
            let n = read_chunk(sock, &mut enc, chunks);
            if n == 0 {
                panic!("peer closed during the handshake");
            }
        }
        let s = token_call(true, cred, &mut ctx, None, req, Some(&enc));
        match s.status {
            SEC_E_INCOMPLETE_MESSAGE => {
                seen.incomplete += 1;
                need_read = true;
            }
            SEC_I_CONTINUE_NEEDED | SEC_E_OK => {
                if !s.token.is_empty() {
                    sock.write_all(&s.token).unwrap();
                }
                if s.in1.0 == SECBUFFER_EXTRA {
                    seen.extra += 1;
                    let keep = s.in1.1 as usize;
                    enc.drain(..enc.len() - keep);
                    need_read = s.status == SEC_E_OK;
                } else {
                    enc.clear();
                    need_read = true;
                }
                if s.status == SEC_E_OK {
                    return Ok((ctx.unwrap(), enc));
                }
            }
            st => {
                if let Some(mut c) = ctx {
                    delete(&mut c);
                }
                return Err((st, s));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
/// Reads and decrypts until `want` plaintext bytes arrived (or close_notify), curl-style:
/// DecryptMessage over the accumulated bytes; RENEGOTIATE → ISC/ASC with the EXTRA bytes.
/// Returns the plaintext and whether close_notify arrived.
pub fn receive<S: Read + Write>(
    sock: &mut S,
    ctx: &mut SecHandle,
    cred: &mut SecHandle,
    server: bool,
    enc: &mut Vec<u8>,
    want: usize,
    chunks: &mut Chunks,
    seen: &mut Seen,
) -> (Vec<u8>, bool) {
    let mut plain = Vec::new();
    loop {
        while !enc.is_empty() {
            let d = decrypt(ctx, enc);
            match d.status {
                SEC_E_INCOMPLETE_MESSAGE => {
                    seen.incomplete += 1;
                    break;
                }
                SEC_E_OK | SEC_I_RENEGOTIATE | SEC_I_CONTEXT_EXPIRED => {
                    plain.extend_from_slice(&d.data);
                    if d.extra > 0 {
                        seen.extra += 1;
                        let keep = d.extra;
                        enc.drain(..enc.len() - keep);
                    } else {
                        enc.clear();
                    }
                    if d.status == SEC_I_CONTEXT_EXPIRED {
                        return (plain, true);
                    }
                    if d.status == SEC_I_RENEGOTIATE {
                        seen.renegotiate += 1;
                        // Back to the handshake loop with the EXTRA bytes (possibly none).
                        let mut c = Some(*ctx);
                        let s = token_call(
                            server,
                            cred,
                            &mut c,
                            Some("localhost"),
                            if server { ASC_REQ } else { CURL_REQ },
                            Some(enc),
                        );
                        assert!(
                            s.status == SEC_E_OK,
                            "ISC/ASC after SEC_I_RENEGOTIATE: {:#x} {}",
                            s.status,
                            last_message()
                        );
                        if !s.token.is_empty() {
                            seen.renegotiate_tokens += 1;
                            sock.write_all(&s.token).unwrap();
                        }
                        if s.in1.0 == SECBUFFER_EXTRA {
                            assert_eq!(
                                s.in1.1 as usize,
                                enc.len(),
                                "post-handshake ISC must leave application data to DecryptMessage"
                            );
                        }
                    }
                }
                st => panic!("DecryptMessage: {st:#x} {}", last_message()),
            }
        }
        if plain.len() >= want {
            return (plain, false);
        }
        if read_chunk(sock, enc, chunks) == 0 {
            panic!("EOF without close_notify after {} bytes", plain.len());
        }
    }
}

/// The shutdown sequence: ApplyControlToken(SCHANNEL_SHUTDOWN), then ISC/ASC yields
/// close_notify.
pub fn shutdown_token(server: bool, ctx: &mut SecHandle, cred: &mut SecHandle) -> Vec<u8> {
    let mut kind = SCHANNEL_SHUTDOWN.to_ne_bytes();
    let mut b = [SecBuffer {
        cbBuffer: 4,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: kind.as_mut_ptr() as *mut c_void,
    }];
    let mut d = SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: 1,
        pBuffers: b.as_mut_ptr(),
    };
    assert_eq!(unsafe { wstls_ApplyControlToken(ctx, &mut d) }, SEC_E_OK);
    let mut c = Some(*ctx);
    let s = token_call(
        server,
        cred,
        &mut c,
        Some("localhost"),
        if server { ASC_REQ } else { CURL_REQ },
        None,
    );
    assert!(
        s.status == SEC_E_OK || s.status == SEC_I_CONTEXT_EXPIRED,
        "shutdown ISC/ASC: {:#x}",
        s.status
    );
    assert!(!s.token.is_empty(), "shutdown must produce close_notify");
    s.token
}

// ---------------------------------------------------------------------------------------------
// openssl peers
// ---------------------------------------------------------------------------------------------

pub struct Peer {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub out: Arc<Mutex<String>>,
}

impl Peer {
    pub fn wait_for(&self, what: &str) -> bool {
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end {
            if self.out.lock().unwrap().contains(what) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
    pub fn send(&mut self, s: &str) {
        let i = self.stdin.as_mut().unwrap();
        i.write_all(s.as_bytes()).unwrap();
        i.flush().unwrap();
    }
    pub fn output(&self) -> String {
        self.out.lock().unwrap().clone()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn collect(
    r: impl Read + Send + 'static,
    out: Arc<Mutex<String>>,
    port_tx: Option<std::sync::mpsc::Sender<u16>>,
) {
    std::thread::spawn(move || {
        let mut r = BufReader::new(r);
        let mut line = Vec::new();
        let mut tx = port_tx;
        loop {
            line.clear();
            match r.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let l = String::from_utf8_lossy(&line).to_string();
                    if let Some(t) = &tx {
                        if let Some(p) = l
                            .strip_prefix("ACCEPT ")
                            .and_then(|a| a.trim().rsplit(':').next().and_then(|p| p.parse().ok()))
                        {
                            let _ = t.send(p);
                            tx = None;
                        }
                    }
                    out.lock().unwrap().push_str(&l);
                }
            }
        }
    });
}

/// `openssl s_server` with the named certificate, on a port chosen by the system.
pub fn s_server(cert: &str, extra: &[&str]) -> (Peer, u16) {
    let l = pki().leaf(cert);
    let mut cmd = Command::new("openssl");
    cmd.args([
        "s_server",
        "-accept",
        "127.0.0.1:0",
        "-naccept",
        "1",
        "-cert",
    ])
    .arg(&l.cert)
    .arg("-key")
    .arg(&l.key)
    .args(extra)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("openssl s_server");
    let out = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    collect(child.stdout.take().unwrap(), out.clone(), Some(tx));
    collect(child.stderr.take().unwrap(), out.clone(), None);
    let stdin = child.stdin.take();
    let port = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("s_server did not report its port");
    (Peer { child, stdin, out }, port)
}

pub fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}
