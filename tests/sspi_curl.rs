//! A client loop written the way curl's Schannel backend (lib/vtls/schannel.c) drives SSPI:
//! every call through the `InitSecurityInterfaceA` table, `SCH_CREDENTIALS` with
//! `grbitDisabledProtocols = ~enabled`, ALPN in the first ISC, `phNewContext` NULL after the
//! first call, the returned flags compared to the requested ones, the plaintext read at buffer
//! index 1 and the extra bytes at index 3, the certificate store walked for certinfo, and the
//! shutdown sequence. The peer is `openssl s_server -www`.
mod sspi_common;

use std::ffi::{c_void, CString};
use std::io::{Read, Write};

use sspi_common::*;
use wstls::ffi::crypt::*;
use wstls::ffi::sspi::wstls_InitSecurityInterfaceA;
use wstls::win::crypt::CERT_CONTEXT;
use wstls::win::sspi::*;

fn init_sec_buffer(t: u32, p: *mut c_void, n: u32) -> SecBuffer {
    SecBuffer {
        cbBuffer: n,
        BufferType: t,
        pvBuffer: p,
    }
}

fn desc(b: &mut [SecBuffer]) -> SecBufferDesc {
    SecBufferDesc {
        ulVersion: SECBUFFER_VERSION,
        cBuffers: b.len() as u32,
        pBuffers: b.as_mut_ptr(),
    }
}

struct Curl {
    f: &'static SecurityFunctionTableA,
    cred: SecHandle,
    ctx: SecHandle,
    host: CString,
    req_flags: u32,
    ret_flags: u32,
    encdata: Vec<u8>,
    sock: std::net::TcpStream,
    sizes: Option<SecPkgContext_StreamSizes>,
    alpn: Option<Vec<u8>>,
    certinfo: Vec<Vec<u8>>,
    renegotiations: usize,
}

impl Curl {
    fn connect(port: u16, host: &str, alpn: bool) -> Curl {
        pki();
        let f = unsafe { &*wstls_InitSecurityInterfaceA() };
        // Credentials: SCH_CREDENTIALS v5, one TLS_PARAMETERS disabling what is not enabled.
        let enabled = SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT;
        let mut tls_parameters: TLS_PARAMETERS = unsafe { std::mem::zeroed() };
        tls_parameters.grbitDisabledProtocols = !enabled;
        let mut credentials: SCH_CREDENTIALS = unsafe { std::mem::zeroed() };
        credentials.dwVersion = SCH_CREDENTIALS_VERSION;
        credentials.dwFlags = SCH_CRED_AUTO_CRED_VALIDATION
            | SCH_CRED_REVOCATION_CHECK_CHAIN
            | SCH_CRED_NO_DEFAULT_CREDS
            | SCH_USE_STRONG_CRYPTO;
        credentials.cTlsParameters = 1;
        credentials.pTlsParameters = &mut tls_parameters;
        let mut cred = SecHandle::default();
        let mut ts = SECURITY_INTEGER { QuadPart: 0 };
        let st = unsafe {
            (f.AcquireCredentialsHandleA.unwrap())(
                std::ptr::null_mut(),
                UNISP.as_ptr() as *mut _,
                SECPKG_CRED_OUTBOUND,
                std::ptr::null_mut(),
                &mut credentials as *mut _ as *mut c_void,
                None,
                std::ptr::null_mut(),
                &mut cred,
                &mut ts,
            )
        };
        assert_eq!(st, SEC_E_OK, "{}", last_message());

        // Step 1: ClientHello, with ALPN.
        let sock = connect(port);
        let host = CString::new(host).unwrap();
        let req_flags = ISC_REQ_SEQUENCE_DETECT
            | ISC_REQ_REPLAY_DETECT
            | ISC_REQ_CONFIDENTIALITY
            | ISC_REQ_ALLOCATE_MEMORY
            | ISC_REQ_STREAM
            | ISC_REQ_USE_SUPPLIED_CREDS;
        let mut alpn_buffer = Vec::new();
        if alpn {
            let list = b"\x08http/1.1";
            alpn_buffer.extend_from_slice(&((4 + 2 + list.len()) as u32).to_ne_bytes());
            alpn_buffer.extend_from_slice(&SecApplicationProtocolNegotiationExt_ALPN.to_ne_bytes());
            alpn_buffer.extend_from_slice(&(list.len() as u16).to_ne_bytes());
            alpn_buffer.extend_from_slice(list);
        }
        let mut inbuf = [init_sec_buffer(
            SECBUFFER_APPLICATION_PROTOCOLS,
            alpn_buffer.as_mut_ptr() as *mut c_void,
            alpn_buffer.len() as u32,
        )];
        let mut inbuf_desc = desc(&mut inbuf);
        let mut outbuf = [init_sec_buffer(SECBUFFER_EMPTY, std::ptr::null_mut(), 0)];
        let mut outbuf_desc = desc(&mut outbuf);
        let mut ctx = SecHandle::default();
        let mut ret_flags = 0u32;
        let st = unsafe {
            (f.InitializeSecurityContextA.unwrap())(
                &mut cred,
                std::ptr::null_mut(),
                host.as_ptr() as *mut _,
                req_flags,
                0,
                0,
                if alpn {
                    &mut inbuf_desc
                } else {
                    std::ptr::null_mut()
                },
                0,
                &mut ctx,
                &mut outbuf_desc,
                &mut ret_flags,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(st, SEC_I_CONTINUE_NEEDED, "{}", last_message());
        let mut c = Curl {
            f,
            cred,
            ctx,
            host,
            req_flags,
            ret_flags,
            encdata: Vec::new(),
            sock,
            sizes: None,
            alpn: None,
            certinfo: Vec::new(),
            renegotiations: 0,
        };
        let tok = unsafe {
            std::slice::from_raw_parts(outbuf[0].pvBuffer as *const u8, outbuf[0].cbBuffer as usize)
        }
        .to_vec();
        c.sock.write_all(&tok).unwrap();
        assert_eq!(
            unsafe { (f.FreeContextBuffer.unwrap())(outbuf[0].pvBuffer) },
            SEC_E_OK
        );
        c.step2(true);
        c.step3();
        c
    }

    /// Step 2: the handshake loop (also re-entered after SEC_I_RENEGOTIATE, without reading).
    fn step2(&mut self, mut doread: bool) {
        loop {
            if doread {
                let mut b = vec![0u8; 4096];
                let n = self.sock.read(&mut b).unwrap();
                assert!(n > 0, "EOF in the handshake");
                self.encdata.extend_from_slice(&b[..n]);
            }
            // curl passes a copy of the encrypted data.
            let mut copy = self.encdata.clone();
            let mut inbuf = [
                init_sec_buffer(
                    SECBUFFER_TOKEN,
                    copy.as_mut_ptr() as *mut c_void,
                    copy.len() as u32,
                ),
                init_sec_buffer(SECBUFFER_EMPTY, std::ptr::null_mut(), 0),
            ];
            let mut inbuf_desc = desc(&mut inbuf);
            let mut outbuf = [
                init_sec_buffer(SECBUFFER_TOKEN, std::ptr::null_mut(), 0),
                init_sec_buffer(SECBUFFER_ALERT, std::ptr::null_mut(), 0),
                init_sec_buffer(SECBUFFER_EMPTY, std::ptr::null_mut(), 0),
            ];
            let mut outbuf_desc = desc(&mut outbuf);
            let st = unsafe {
                (self.f.InitializeSecurityContextA.unwrap())(
                    &mut self.cred,
                    &mut self.ctx,
                    self.host.as_ptr() as *mut _,
                    self.req_flags,
                    0,
                    0,
                    &mut inbuf_desc,
                    0,
                    std::ptr::null_mut(),
                    &mut outbuf_desc,
                    &mut self.ret_flags,
                    std::ptr::null_mut(),
                )
            };
            if st == SEC_E_INCOMPLETE_MESSAGE {
                doread = true;
                continue;
            }
            assert!(
                st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED,
                "ISC: {st:#x} {}",
                last_message()
            );
            for b in &outbuf {
                if b.BufferType == SECBUFFER_TOKEN && b.cbBuffer > 0 {
                    let tok = unsafe {
                        std::slice::from_raw_parts(b.pvBuffer as *const u8, b.cbBuffer as usize)
                    };
                    self.sock.write_all(tok).unwrap();
                }
                if !b.pvBuffer.is_null() {
                    assert_eq!(
                        unsafe { (self.f.FreeContextBuffer.unwrap())(b.pvBuffer) },
                        SEC_E_OK
                    );
                }
            }
            if inbuf[1].BufferType == SECBUFFER_EXTRA && inbuf[1].cbBuffer > 0 {
                let keep = inbuf[1].cbBuffer as usize;
                let start = self.encdata.len() - keep;
                self.encdata.copy_within(start.., 0);
                self.encdata.truncate(keep);
                doread = st != SEC_I_CONTINUE_NEEDED;
            } else {
                self.encdata.clear();
                doread = true;
            }
            if st == SEC_E_OK {
                return;
            }
        }
    }

    /// Step 3: flags, ALPN, server certificate.
    fn step3(&mut self) {
        assert_eq!(
            self.ret_flags, self.req_flags,
            "curl: 'failed to setup sequence detection' etc. unless ret_flags == req_flags"
        );
        let mut ap: SecPkgContext_ApplicationProtocol = unsafe { std::mem::zeroed() };
        let st = unsafe {
            (self.f.QueryContextAttributesA.unwrap())(
                &mut self.ctx,
                SECPKG_ATTR_APPLICATION_PROTOCOL,
                &mut ap as *mut _ as *mut c_void,
            )
        };
        assert_eq!(st, SEC_E_OK);
        if ap.ProtoNegoStatus == SecApplicationProtocolNegotiationStatus_Success {
            assert_eq!(ap.ProtoNegoExt, SecApplicationProtocolNegotiationExt_ALPN);
            self.alpn = Some(ap.ProtocolId[..ap.ProtocolIdSize as usize].to_vec());
        }
        let mut cert: *const CERT_CONTEXT = std::ptr::null();
        let st = unsafe {
            (self.f.QueryContextAttributesA.unwrap())(
                &mut self.ctx,
                SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                &mut cert as *mut _ as *mut c_void,
            )
        };
        assert_eq!(st, SEC_E_OK);
        unsafe {
            let c = &*cert;
            assert!(!c.hCertStore.is_null());
            // Walk the store like curl's certinfo; leaf first means the first enumerated
            // context shares pbCertEncoded with the returned one.
            let mut cur: *const CERT_CONTEXT = std::ptr::null();
            let mut first = true;
            loop {
                cur = wstls_CertEnumCertificatesInStore(c.hCertStore, cur);
                if cur.is_null() {
                    break;
                }
                if first {
                    assert_eq!(
                        (*cur).pbCertEncoded,
                        c.pbCertEncoded,
                        "leaf first in the peer's store"
                    );
                    first = false;
                }
                self.certinfo.push(
                    std::slice::from_raw_parts((*cur).pbCertEncoded, (*cur).cbCertEncoded as usize)
                        .to_vec(),
                );
            }
            assert!(!(*c.pCertInfo).Subject.pbData.is_null());
            assert_eq!(wstls_CertFreeCertificateContext(cert), 1);
        }
    }

    fn send(&mut self, data: &[u8]) -> usize {
        if self.sizes.is_none() {
            let mut s = SecPkgContext_StreamSizes::default();
            let st = unsafe {
                (self.f.QueryContextAttributesA.unwrap())(
                    &mut self.ctx,
                    SECPKG_ATTR_STREAM_SIZES,
                    &mut s as *mut _ as *mut c_void,
                )
            };
            assert_eq!(st, SEC_E_OK);
            self.sizes = Some(s);
        }
        let s = self.sizes.unwrap();
        let len = data.len().min(s.cbMaximumMessage as usize);
        let mut block = vec![0u8; s.cbHeader as usize + len + s.cbTrailer as usize];
        block[s.cbHeader as usize..s.cbHeader as usize + len].copy_from_slice(&data[..len]);
        let p = block.as_mut_ptr();
        let mut outbuf = unsafe {
            [
                init_sec_buffer(SECBUFFER_STREAM_HEADER, p as *mut c_void, s.cbHeader),
                init_sec_buffer(
                    SECBUFFER_DATA,
                    p.add(s.cbHeader as usize) as *mut c_void,
                    len as u32,
                ),
                init_sec_buffer(
                    SECBUFFER_STREAM_TRAILER,
                    p.add(s.cbHeader as usize + len) as *mut c_void,
                    s.cbTrailer,
                ),
                init_sec_buffer(SECBUFFER_EMPTY, std::ptr::null_mut(), 0),
            ]
        };
        let mut d = desc(&mut outbuf);
        let st = unsafe { (self.f.EncryptMessage.unwrap())(&mut self.ctx, 0, &mut d, 0) };
        assert_eq!(st, SEC_E_OK, "{}", last_message());
        let n = (outbuf[0].cbBuffer + outbuf[1].cbBuffer + outbuf[2].cbBuffer) as usize;
        self.sock.write_all(&block[..n]).unwrap();
        outbuf[1].cbBuffer as usize
    }

    /// Reads until close_notify; returns the plaintext.
    fn recv_all(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            while !self.encdata.is_empty() {
                let mut inbuf = [
                    init_sec_buffer(
                        SECBUFFER_DATA,
                        self.encdata.as_mut_ptr() as *mut c_void,
                        self.encdata.len() as u32,
                    ),
                    init_sec_buffer(SECBUFFER_EMPTY, std::ptr::null_mut(), 0),
                    init_sec_buffer(SECBUFFER_EMPTY, std::ptr::null_mut(), 0),
                    init_sec_buffer(SECBUFFER_EMPTY, std::ptr::null_mut(), 0),
                ];
                let mut d = desc(&mut inbuf);
                let st = unsafe {
                    (self.f.DecryptMessage.unwrap())(&mut self.ctx, &mut d, 0, std::ptr::null_mut())
                };
                if st == SEC_E_INCOMPLETE_MESSAGE {
                    break;
                }
                assert!(
                    st == SEC_E_OK || st == SEC_I_RENEGOTIATE || st == SEC_I_CONTEXT_EXPIRED,
                    "DecryptMessage {st:#x}: {}",
                    last_message()
                );
                if inbuf[1].BufferType == SECBUFFER_DATA {
                    out.extend_from_slice(unsafe {
                        std::slice::from_raw_parts(
                            inbuf[1].pvBuffer as *const u8,
                            inbuf[1].cbBuffer as usize,
                        )
                    });
                }
                if inbuf[3].BufferType == SECBUFFER_EXTRA && inbuf[3].cbBuffer > 0 {
                    let keep = inbuf[3].cbBuffer as usize;
                    let start = self.encdata.len() - keep;
                    self.encdata.copy_within(start.., 0);
                    self.encdata.truncate(keep);
                } else {
                    self.encdata.clear();
                }
                if st == SEC_I_RENEGOTIATE {
                    self.renegotiations += 1;
                    // curl: back to step 2, first call without reading.
                    self.step2(false);
                }
                if st == SEC_I_CONTEXT_EXPIRED {
                    return out;
                }
            }
            let mut b = vec![0u8; 4096];
            let n = self.sock.read(&mut b).unwrap();
            assert!(n > 0, "EOF without close_notify");
            self.encdata.extend_from_slice(&b[..n]);
        }
    }

    fn shutdown(&mut self) {
        let mut dwshut = SCHANNEL_SHUTDOWN;
        let mut b = [init_sec_buffer(
            SECBUFFER_TOKEN,
            &mut dwshut as *mut u32 as *mut c_void,
            4,
        )];
        let mut d = desc(&mut b);
        assert_eq!(
            unsafe { (self.f.ApplyControlToken.unwrap())(&mut self.ctx, &mut d) },
            SEC_E_OK
        );
        let mut outbuf = [init_sec_buffer(SECBUFFER_EMPTY, std::ptr::null_mut(), 0)];
        let mut od = desc(&mut outbuf);
        let mut ctx = self.ctx;
        let st = unsafe {
            (self.f.InitializeSecurityContextA.unwrap())(
                &mut self.cred,
                &mut ctx,
                self.host.as_ptr() as *mut _,
                self.req_flags,
                0,
                0,
                std::ptr::null_mut(),
                0,
                &mut self.ctx,
                &mut od,
                &mut self.ret_flags,
                std::ptr::null_mut(),
            )
        };
        assert!(st == SEC_E_OK || st == SEC_I_CONTEXT_EXPIRED, "{st:#x}");
        let tok = unsafe {
            std::slice::from_raw_parts(outbuf[0].pvBuffer as *const u8, outbuf[0].cbBuffer as usize)
        }
        .to_vec();
        assert!(!tok.is_empty());
        let _ = self.sock.write_all(&tok);
        assert_eq!(
            unsafe { (self.f.FreeContextBuffer.unwrap())(outbuf[0].pvBuffer) },
            SEC_E_OK
        );
        // After close_notify, encryption is over.
        let mut dummy = [0u8; 64];
        let p = dummy.as_mut_ptr();
        let mut bufs = unsafe {
            [
                init_sec_buffer(SECBUFFER_STREAM_HEADER, p as *mut c_void, 13),
                init_sec_buffer(SECBUFFER_DATA, p.add(13) as *mut c_void, 1),
                init_sec_buffer(SECBUFFER_STREAM_TRAILER, p.add(14) as *mut c_void, 17),
                init_sec_buffer(SECBUFFER_EMPTY, std::ptr::null_mut(), 0),
            ]
        };
        let mut d = desc(&mut bufs);
        assert_eq!(
            unsafe { (self.f.EncryptMessage.unwrap())(&mut self.ctx, 0, &mut d, 0) },
            SEC_E_CONTEXT_EXPIRED
        );
    }

    fn close(mut self) {
        unsafe {
            assert_eq!(
                (self.f.DeleteSecurityContext.unwrap())(&mut self.ctx),
                SEC_E_OK
            );
            assert_eq!(
                (self.f.FreeCredentialsHandle.unwrap())(&mut self.cred),
                SEC_E_OK
            );
        }
    }
}

fn get(tls: &[&str], alpn: bool) -> (Curl, String) {
    let mut args = vec!["-www"];
    if alpn {
        args.extend(["-alpn", "http/1.1"]);
    }
    args.extend_from_slice(tls);
    let (peer, port) = s_server("server", &args);
    let mut c = Curl::connect(port, "localhost", alpn);
    let req = b"GET / HTTP/1.0\r\n\r\n";
    assert_eq!(c.send(req), req.len());
    let page = String::from_utf8_lossy(&c.recv_all()).into_owned();
    drop(peer);
    (c, page)
}

#[test]
fn curl_loop_tls13_with_alpn() {
    let (mut c, page) = get(&[], true);
    assert!(page.starts_with("HTTP/1.0 200 ok"), "{page}");
    assert!(page.contains("TLSv1.3"), "{page}");
    assert_eq!(c.alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(c.certinfo.len(), 1, "s_server sends the leaf only");
    assert!(
        c.renegotiations >= 1,
        "TLS 1.3 tickets arrive as SEC_I_RENEGOTIATE"
    );
    c.shutdown();
    c.close();
}

#[test]
fn curl_loop_tls12_without_alpn() {
    let (mut c, page) = get(&["-tls1_2"], false);
    assert!(page.contains("TLSv1.2"), "{page}");
    assert_eq!(c.alpn, None);
    c.shutdown();
    c.close();
}
