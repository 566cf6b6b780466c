//! SSPI client against SSPI server in memory: tokens and records passed as byte vectors.
mod sspi_common;

use sspi_common::*;
use wstls::ffi::crypt::*;
use wstls::win::sspi::*;

struct Pair {
    ccred: SecHandle,
    scred: SecHandle,
    c: SecHandle,
    s: SecHandle,
    /// Records on their way to the client / server.
    to_client: Vec<u8>,
    to_server: Vec<u8>,
    cflags: u32,
    sflags: u32,
}

/// Runs ISC/ASC against each other, feeding each side what the other produced, until both
/// return SEC_E_OK. Bytes left over (TLS 1.3 tickets) stay in `to_client`/`to_server`.
fn handshake(
    mut ccred: SecHandle,
    mut scred: SecHandle,
    creq: u32,
    sreq: u32,
) -> Result<Pair, (bool, i32)> {
    let (mut c, mut s) = (None, None);
    let first = token_call(false, &mut ccred, &mut c, Some("localhost"), creq, None);
    assert_eq!(first.status, SEC_I_CONTINUE_NEEDED, "{}", last_message());
    let mut to_server = first.token;
    let mut to_client = Vec::new();
    let (mut cdone, mut sdone) = (false, false);
    let (mut cflags, mut sflags) = (0, 0);
    for _ in 0..20 {
        if cdone && sdone {
            break;
        }
        if !sdone && !to_server.is_empty() {
            let r = token_call(true, &mut scred, &mut s, None, sreq, Some(&to_server));
            match r.status {
                SEC_E_OK | SEC_I_CONTINUE_NEEDED => {
                    to_client.extend_from_slice(&r.token);
                    let keep = if r.in1.0 == SECBUFFER_EXTRA {
                        r.in1.1 as usize
                    } else {
                        0
                    };
                    to_server.drain(..to_server.len() - keep);
                    sdone = r.status == SEC_E_OK;
                    sflags = r.flags;
                }
                st => return Err((true, st)),
            }
        } else if !cdone && !to_client.is_empty() {
            let r = token_call(
                false,
                &mut ccred,
                &mut c,
                Some("localhost"),
                creq,
                Some(&to_client),
            );
            match r.status {
                SEC_E_OK | SEC_I_CONTINUE_NEEDED => {
                    to_server.extend_from_slice(&r.token);
                    let keep = if r.in1.0 == SECBUFFER_EXTRA {
                        r.in1.1 as usize
                    } else {
                        0
                    };
                    to_client.drain(..to_client.len() - keep);
                    cdone = r.status == SEC_E_OK;
                    cflags = r.flags;
                }
                st => return Err((false, st)),
            }
        } else {
            panic!("handshake stalled: cdone={cdone} sdone={sdone}");
        }
    }
    assert!(cdone && sdone);
    Ok(Pair {
        ccred,
        scred,
        c: c.unwrap(),
        s: s.unwrap(),
        to_client,
        to_server,
        cflags,
        sflags,
    })
}

fn creds(ckind: Kind, skind: Kind) -> (SecHandle, SecHandle) {
    let cert = cert_context("server");
    let s = acquire(SECPKG_CRED_INBOUND, skind, 0, Some(cert)).unwrap();
    unsafe { wstls_CertFreeCertificateContext(cert) };
    let c = acquire(SECPKG_CRED_OUTBOUND, ckind, 0, None).unwrap();
    (c, s)
}

/// Delivers `bytes` to `ctx` through DecryptMessage, curl-style; returns the plaintext.
fn deliver(p: &mut Pair, to_client: bool, bytes: &[u8]) -> (Vec<u8>, bool, usize) {
    let mut enc = bytes.to_vec();
    let mut plain = Vec::new();
    let mut reneg = 0;
    let (ctx, cred) = if to_client {
        (&mut p.c, &mut p.ccred)
    } else {
        (&mut p.s, &mut p.scred)
    };
    while !enc.is_empty() {
        let d = decrypt(ctx, &mut enc);
        match d.status {
            SEC_E_OK | SEC_I_RENEGOTIATE | SEC_I_CONTEXT_EXPIRED => {
                plain.extend_from_slice(&d.data);
                let keep = d.extra;
                enc.drain(..enc.len() - keep);
                if d.status == SEC_I_CONTEXT_EXPIRED {
                    return (plain, true, reneg);
                }
                if d.status == SEC_I_RENEGOTIATE {
                    reneg += 1;
                    let mut c = Some(*ctx);
                    let r = token_call(
                        !to_client,
                        cred,
                        &mut c,
                        Some("localhost"),
                        if to_client { CURL_REQ } else { ASC_REQ },
                        Some(&enc),
                    );
                    assert_eq!(r.status, SEC_E_OK);
                    if !r.token.is_empty() {
                        if to_client {
                            p.to_server.extend_from_slice(&r.token)
                        } else {
                            p.to_client.extend_from_slice(&r.token)
                        }
                    }
                }
            }
            st => panic!("DecryptMessage {st:#x}: {}", last_message()),
        }
    }
    (plain, false, reneg)
}

fn exchange(p: &mut Pair) {
    // Tickets and such first.
    let pending = std::mem::take(&mut p.to_client);
    let (plain, closed, _) = deliver(p, true, &pending);
    assert!(plain.is_empty() && !closed);
    for (i, msg) in [&b"hello server"[..], &vec![b'x'; 16384][..], b""]
        .iter()
        .enumerate()
    {
        let rec = if i % 2 == 0 {
            encrypt(&mut p.c, msg).unwrap()
        } else {
            encrypt_split(&mut p.c, msg).unwrap()
        };
        let (plain, closed, _) = deliver(p, false, &rec);
        assert_eq!(&plain[..], *msg);
        assert!(!closed);
        let rec = if i % 2 == 1 {
            encrypt(&mut p.s, msg).unwrap()
        } else {
            encrypt_split(&mut p.s, msg).unwrap()
        };
        let (plain, _, _) = deliver(p, true, &rec);
        assert_eq!(&plain[..], *msg);
    }
}

#[test]
fn tls13_handshake_and_data() {
    pki();
    let (c, s) = creds(Kind::Sch(0), Kind::Sch(0));
    let mut p =
        handshake(c, s, CURL_REQ, ASC_REQ).unwrap_or_else(|e| panic!("{e:?}: {}", last_message()));
    assert_eq!(
        p.cflags,
        CURL_REQ & !ISC_REQ_ALLOCATE_MEMORY | ISC_RET_ALLOCATED_MEMORY,
        "curl requires ret == req"
    );
    assert_eq!(p.sflags, ASC_REQ);
    assert_eq!(connection_info(&mut p.c).dwProtocol, SP_PROT_TLS1_3_CLIENT);
    assert_eq!(connection_info(&mut p.s).dwProtocol, SP_PROT_TLS1_3_SERVER);
    let sz = stream_sizes(&mut p.c);
    assert_eq!(
        (sz.cbHeader, sz.cbTrailer, sz.cbMaximumMessage, sz.cBuffers),
        (5, 17, 16384, 4)
    );
    exchange(&mut p);
}

#[test]
fn tls12_handshake_and_data() {
    pki();
    let (c, s) = creds(Kind::Schannel(0), Kind::Schannel(0));
    let mut p =
        handshake(c, s, CURL_REQ, ASC_REQ).unwrap_or_else(|e| panic!("{e:?}: {}", last_message()));
    assert_eq!(
        connection_info(&mut p.c).dwProtocol,
        SP_PROT_TLS1_2_CLIENT,
        "SCHANNEL_CRED stops at TLS 1.2"
    );
    let sz = stream_sizes(&mut p.c);
    assert_eq!(sz.cbHeader, 13, "TLS 1.2 AES-GCM: header + explicit nonce");
    assert_eq!(sz.cbTrailer, 16);
    exchange(&mut p);
}

#[test]
fn tampered_record_is_rejected() {
    pki();
    for kind in [Kind::Sch(0), Kind::Schannel(0)] {
        let (c, s) = creds(kind, kind);
        let mut p = handshake(c, s, CURL_REQ, ASC_REQ).unwrap();
        let pending = std::mem::take(&mut p.to_client);
        deliver(&mut p, true, &pending);
        let mut rec = encrypt(&mut p.c, b"do not touch").unwrap();
        let n = rec.len();
        rec[n - 3] ^= 0x40;
        let d = decrypt(&mut p.s, &mut rec);
        assert_eq!(d.status, SEC_E_DECRYPT_FAILURE, "{}", last_message());
        // The context stays failed.
        let mut good = encrypt(&mut p.c, b"later").unwrap();
        assert_eq!(decrypt(&mut p.s, &mut good).status, SEC_E_DECRYPT_FAILURE);
        // The next ASC hands out a bad_record_mac alert for the peer (once).
        let mut sc = Some(p.s);
        let r = token_call(true, &mut p.scred, &mut sc, None, ASC_REQ, None);
        assert_eq!(r.status, SEC_E_DECRYPT_FAILURE);
        assert!(!r.alert.is_empty());
        let mut alert = r.alert.clone();
        let d = decrypt(&mut p.c, &mut alert);
        assert_eq!(
            d.status,
            SEC_E_DECRYPT_FAILURE,
            "the client reads the server's bad_record_mac alert: {}",
            last_message()
        );
        let r = token_call(true, &mut p.scred, &mut sc, None, ASC_REQ, None);
        assert!(r.alert.is_empty());
        delete(&mut p.c);
        delete(&mut p.s);
    }
}

#[test]
fn partial_and_multiple_records() {
    pki();
    let (c, s) = creds(Kind::Sch(0), Kind::Sch(0));
    let mut p = handshake(c, s, CURL_REQ, ASC_REQ).unwrap();
    let pending = std::mem::take(&mut p.to_client);
    deliver(&mut p, true, &pending);
    let r1 = encrypt(&mut p.c, b"one").unwrap();
    let r2 = encrypt(&mut p.c, b"two!").unwrap();
    // Header only, then header + body without its last byte: MISSING says what is left.
    for (have, missing) in [
        (0usize, 5usize),
        (3, 2),
        (5, r1.len() - 5),
        (r1.len() - 1, 1),
    ] {
        let mut part = r1[..have].to_vec();
        let d = decrypt(&mut p.s, &mut part);
        assert_eq!(d.status, SEC_E_INCOMPLETE_MESSAGE);
        assert_eq!(d.missing, missing, "with {have} bytes");
    }
    // Two records and a piece of a third: one record per call, the rest is EXTRA.
    let r3 = encrypt(&mut p.c, b"three").unwrap();
    let mut all = [r1.clone(), r2.clone(), r3[..4].to_vec()].concat();
    let d = decrypt(&mut p.s, &mut all);
    assert_eq!(d.status, SEC_E_OK);
    assert_eq!(d.data, b"one");
    assert_eq!(
        d.types,
        [
            SECBUFFER_STREAM_HEADER,
            SECBUFFER_DATA,
            SECBUFFER_STREAM_TRAILER,
            SECBUFFER_EXTRA
        ]
    );
    assert_eq!(d.extra, r2.len() + 4);
    let mut rest = all[all.len() - d.extra..].to_vec();
    let d = decrypt(&mut p.s, &mut rest);
    assert_eq!(d.data, b"two!");
    assert_eq!(d.extra, 4);
    let mut tail = [r3[..4].to_vec(), r3[4..].to_vec()].concat();
    let d = decrypt(&mut p.s, &mut tail);
    assert_eq!(
        (d.status, &d.data[..], d.extra),
        (SEC_E_OK, &b"three"[..], 0)
    );
    assert_eq!(d.types[3], SECBUFFER_EMPTY);
}

#[test]
fn shutdown_both_ways() {
    pki();
    for kind in [Kind::Sch(0), Kind::Schannel(0)] {
        let (c, s) = creds(kind, kind);
        let mut p = handshake(c, s, CURL_REQ, ASC_REQ).unwrap();
        let pending = std::mem::take(&mut p.to_client);
        deliver(&mut p, true, &pending);
        let bye = shutdown_token(false, &mut p.c, &mut p.ccred);
        assert_eq!(encrypt(&mut p.c, b"x").unwrap_err(), SEC_E_CONTEXT_EXPIRED);
        let (plain, closed, _) = deliver(&mut p, false, &bye);
        assert!(
            plain.is_empty() && closed,
            "the server sees close_notify as SEC_I_CONTEXT_EXPIRED"
        );
        // After close_notify, DecryptMessage is over.
        let mut again = bye.clone();
        assert_eq!(decrypt(&mut p.s, &mut again).status, SEC_E_CONTEXT_EXPIRED);
        // The server may still send, then answers with its own close_notify.
        let last = encrypt(&mut p.s, b"last words").unwrap();
        let bye2 = shutdown_token(true, &mut p.s, &mut p.scred);
        let (plain, closed, _) = deliver(&mut p, true, &[last, bye2].concat());
        assert_eq!(plain, b"last words");
        assert!(closed);
        // A further ISC without input after close_notify has nothing to say.
        let mut cc = Some(p.c);
        let r = token_call(
            false,
            &mut p.ccred,
            &mut cc,
            Some("localhost"),
            CURL_REQ,
            None,
        );
        assert_eq!(r.status, SEC_E_INCOMPLETE_MESSAGE);
        assert_eq!(delete(&mut p.c), SEC_E_OK);
        assert_eq!(delete(&mut p.s), SEC_E_OK);
    }
}

#[test]
fn attributes_after_handshake() {
    pki();
    let (mut c, mut s) = creds(Kind::Sch(0), Kind::Sch(0));
    // ALPN on both sides: the client offers h2 and http/1.1, the server prefers http/1.1.
    let list = b"\x02h2\x08http/1.1";
    let mut alpn = Vec::new();
    alpn.extend_from_slice(&((6 + list.len()) as u32).to_ne_bytes());
    alpn.extend_from_slice(&2u32.to_ne_bytes());
    alpn.extend_from_slice(&(list.len() as u16).to_ne_bytes());
    alpn.extend_from_slice(list);
    let mut salpn = Vec::new();
    let slist = b"\x08http/1.1";
    salpn.extend_from_slice(&((6 + slist.len()) as u32).to_ne_bytes());
    salpn.extend_from_slice(&2u32.to_ne_bytes());
    salpn.extend_from_slice(&(slist.len() as u16).to_ne_bytes());
    salpn.extend_from_slice(slist);
    let (mut cctx, mut sctx) = (SecHandle::default(), SecHandle::default());
    unsafe {
        // First ISC with the ALPN buffer.
        let mut inb = [SecBuffer {
            cbBuffer: alpn.len() as u32,
            BufferType: SECBUFFER_APPLICATION_PROTOCOLS,
            pvBuffer: alpn.as_mut_ptr() as *mut _,
        }];
        let mut ind = SecBufferDesc {
            ulVersion: 0,
            cBuffers: 1,
            pBuffers: inb.as_mut_ptr(),
        };
        let mut out = [SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: std::ptr::null_mut(),
        }];
        let mut outd = SecBufferDesc {
            ulVersion: 0,
            cBuffers: 1,
            pBuffers: out.as_mut_ptr(),
        };
        let mut f = 0;
        let t = std::ffi::CString::new("localhost").unwrap();
        let st = wstls::ffi::sspi::wstls_InitializeSecurityContextA(
            &mut c,
            std::ptr::null_mut(),
            t.as_ptr() as *mut _,
            CURL_REQ,
            0,
            0,
            &mut ind,
            0,
            &mut cctx,
            &mut outd,
            &mut f,
            std::ptr::null_mut(),
        );
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        let ch = std::slice::from_raw_parts(out[0].pvBuffer as *const u8, out[0].cbBuffer as usize)
            .to_vec();
        wstls::ffi::sspi::wstls_FreeContextBuffer(out[0].pvBuffer);
        // First ASC with [TOKEN, EMPTY, APPLICATION_PROTOCOLS].
        let mut chb = ch.clone();
        let mut inb = [
            SecBuffer {
                cbBuffer: chb.len() as u32,
                BufferType: SECBUFFER_TOKEN,
                pvBuffer: chb.as_mut_ptr() as *mut _,
            },
            SecBuffer {
                cbBuffer: 0,
                BufferType: SECBUFFER_EMPTY,
                pvBuffer: std::ptr::null_mut(),
            },
            SecBuffer {
                cbBuffer: salpn.len() as u32,
                BufferType: SECBUFFER_APPLICATION_PROTOCOLS,
                pvBuffer: salpn.as_mut_ptr() as *mut _,
            },
        ];
        let mut ind = SecBufferDesc {
            ulVersion: 0,
            cBuffers: 3,
            pBuffers: inb.as_mut_ptr(),
        };
        let mut out = [SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: std::ptr::null_mut(),
        }];
        let mut outd = SecBufferDesc {
            ulVersion: 0,
            cBuffers: 1,
            pBuffers: out.as_mut_ptr(),
        };
        let st = wstls::ffi::sspi::wstls_AcceptSecurityContext(
            &mut s,
            std::ptr::null_mut(),
            &mut ind,
            ASC_REQ,
            0,
            &mut sctx,
            &mut outd,
            &mut f,
            std::ptr::null_mut(),
        );
        assert_eq!(st, SEC_I_CONTINUE_NEEDED, "{}", last_message());
        let flight =
            std::slice::from_raw_parts(out[0].pvBuffer as *const u8, out[0].cbBuffer as usize)
                .to_vec();
        wstls::ffi::sspi::wstls_FreeContextBuffer(out[0].pvBuffer);
        let mut cc = Some(cctx);
        let r = token_call(
            false,
            &mut c,
            &mut cc,
            Some("localhost"),
            CURL_REQ,
            Some(&flight),
        );
        assert_eq!(r.status, SEC_E_OK);
        let mut sc = Some(sctx);
        let r2 = token_call(true, &mut s, &mut sc, None, ASC_REQ, Some(&r.token));
        assert_eq!(r2.status, SEC_E_OK);
    }
    let q = |ctx: &mut SecHandle, attr: u32, buf: *mut std::ffi::c_void| unsafe {
        wstls::ffi::sspi::wstls_QueryContextAttributesA(ctx, attr, buf)
    };
    for ctx in [&mut cctx, &mut sctx] {
        let mut ap: SecPkgContext_ApplicationProtocol = unsafe { std::mem::zeroed() };
        assert_eq!(
            q(
                ctx,
                SECPKG_ATTR_APPLICATION_PROTOCOL,
                &mut ap as *mut _ as *mut _
            ),
            SEC_E_OK
        );
        assert_eq!(
            ap.ProtoNegoStatus,
            SecApplicationProtocolNegotiationStatus_Success
        );
        assert_eq!(&ap.ProtocolId[..ap.ProtocolIdSize as usize], b"http/1.1");
        let mut ci: SecPkgContext_CipherInfo = unsafe { std::mem::zeroed() };
        ci.dwVersion = SECPKGCONTEXT_CIPHERINFO_V1;
        assert_eq!(
            q(ctx, SECPKG_ATTR_CIPHER_INFO, &mut ci as *mut _ as *mut _),
            SEC_E_OK
        );
        assert_eq!(ci.dwProtocol, 0x304);
        let name = String::from_utf16_lossy(
            &ci.szCipherSuite[..ci.szCipherSuite.iter().position(|c| *c == 0).unwrap()],
        );
        assert!(
            name.starts_with("TLS13_") || name.starts_with("TLS_"),
            "{name}"
        );
        assert_eq!(ci.dwCipherSuite & 0xFF00, 0x1300, "a TLS 1.3 suite id");
        let mut si = SecPkgContext_SessionInfo::default();
        assert_eq!(
            q(ctx, SECPKG_ATTR_SESSION_INFO, &mut si as *mut _ as *mut _),
            SEC_E_OK
        );
        let mut ki: SecPkgContext_KeyInfoA = unsafe { std::mem::zeroed() };
        assert_eq!(
            q(ctx, SECPKG_ATTR_KEY_INFO, &mut ki as *mut _ as *mut _),
            SEC_E_OK
        );
        assert_eq!(
            unsafe { std::ffi::CStr::from_ptr(ki.sSignatureAlgorithmName) }
                .to_str()
                .unwrap(),
            "ECDSA"
        );
        unsafe {
            wstls::ffi::sspi::wstls_FreeContextBuffer(ki.sSignatureAlgorithmName as *mut _);
            wstls::ffi::sspi::wstls_FreeContextBuffer(ki.sEncryptAlgorithmName as *mut _);
        }
        let mut b: SecPkgContext_Bindings = unsafe { std::mem::zeroed() };
        assert_eq!(
            q(
                ctx,
                SECPKG_ATTR_ENDPOINT_BINDINGS,
                &mut b as *mut _ as *mut _
            ),
            SEC_E_OK
        );
        let cb = unsafe { &*b.Bindings };
        assert_eq!(cb.dwApplicationDataOffset, 32);
        let app = unsafe {
            std::slice::from_raw_parts(
                (b.Bindings as *const u8).add(32),
                cb.cbApplicationDataLength as usize,
            )
        };
        assert!(app.starts_with(b"tls-server-end-point:"));
        assert_eq!(app.len(), 21 + 32);
        unsafe { wstls::ffi::sspi::wstls_FreeContextBuffer(b.Bindings as *mut _) };
        let mut unknown = [0u8; 64];
        assert_eq!(
            q(
                ctx,
                SECPKG_ATTR_NEGOTIATION_INFO,
                unknown.as_mut_ptr() as *mut _
            ),
            SEC_E_UNSUPPORTED_FUNCTION
        );
    }
    // Same endpoint bindings on both sides.
    // The server has no client certificate to show.
    let mut cert: *const wstls::win::crypt::CERT_CONTEXT = std::ptr::null();
    assert_eq!(
        q(
            &mut sctx,
            SECPKG_ATTR_REMOTE_CERT_CONTEXT,
            &mut cert as *mut _ as *mut _
        ),
        SEC_E_NO_CREDENTIALS
    );
    assert_eq!(
        q(
            &mut cctx,
            SECPKG_ATTR_REMOTE_CERT_CONTEXT,
            &mut cert as *mut _ as *mut _
        ),
        SEC_E_OK
    );
    unsafe {
        let info = &*(*cert).pCertInfo;
        assert_eq!(info.dwVersion, 2, "X.509 v3");
        assert!(info.NotAfter.as_u64() > info.NotBefore.as_u64());
        assert_eq!(wstls_CertFreeCertificateContext(cert), 1);
    }
    delete(&mut cctx);
    assert_eq!(
        q(
            &mut cctx,
            SECPKG_ATTR_STREAM_SIZES,
            [0u8; 20].as_mut_ptr() as *mut _
        ),
        SEC_E_INVALID_HANDLE
    );
    delete(&mut sctx);
}

#[test]
fn resumed_session_is_reported() {
    pki();
    let cert = cert_context("server");
    let mut s = acquire(SECPKG_CRED_INBOUND, Kind::Sch(0), 0, Some(cert)).unwrap();
    unsafe { wstls_CertFreeCertificateContext(cert) };
    let mut flags = Vec::new();
    // Sessions are reused with the same credentials (curl keeps its credential handle for this).
    let mut c = acquire(SECPKG_CRED_OUTBOUND, Kind::Sch(0), 0, None).unwrap();
    for _ in 0..2 {
        // A target name no other test uses, so the session cache holds only our tickets.
        let (mut cc, mut sc) = (None, None);
        let r = token_call(false, &mut c, &mut cc, Some("127.0.0.1"), CURL_REQ, None);
        let r = token_call(true, &mut s, &mut sc, None, ASC_REQ, Some(&r.token));
        let r = token_call(
            false,
            &mut c,
            &mut cc,
            Some("127.0.0.1"),
            CURL_REQ,
            Some(&r.token),
        );
        assert_eq!(r.status, SEC_E_OK, "{}", last_message());
        let r = token_call(true, &mut s, &mut sc, None, ASC_REQ, Some(&r.token));
        assert_eq!(r.status, SEC_E_OK);
        // The tickets reach the client through DecryptMessage.
        let mut tickets = r.token.clone();
        let mut cctx = cc.unwrap();
        while !tickets.is_empty() {
            let d = decrypt(&mut cctx, &mut tickets);
            assert_eq!(d.status, SEC_I_RENEGOTIATE);
            let n = tickets.len() - d.extra;
            tickets.drain(..n);
        }
        let mut si = SecPkgContext_SessionInfo::default();
        assert_eq!(
            unsafe {
                wstls::ffi::sspi::wstls_QueryContextAttributesA(
                    &mut cctx,
                    SECPKG_ATTR_SESSION_INFO,
                    &mut si as *mut _ as *mut _,
                )
            },
            SEC_E_OK
        );
        flags.push(si.dwFlags);
        delete(&mut cctx);
        delete(&mut sc.unwrap());
    }
    free_cred(c);
    assert_eq!(
        flags,
        vec![0, SSL_SESSION_RECONNECT],
        "the second connection resumes"
    );
}

#[test]
fn mutual_authentication() {
    pki();
    let scert = cert_context("server");
    let ccert = cert_context("client");
    let ucert = cert_context("untrusted");
    for (client_cert, expect) in [
        (Some(ccert), SEC_E_OK),
        (None, SEC_E_NO_CREDENTIALS),
        (Some(ucert), SEC_E_UNTRUSTED_ROOT),
    ] {
        let s = acquire(SECPKG_CRED_INBOUND, Kind::Sch(0), 0, Some(scert)).unwrap();
        let c = acquire(
            SECPKG_CRED_OUTBOUND,
            Kind::Sch(0),
            SCH_CRED_NO_DEFAULT_CREDS,
            client_cert,
        )
        .unwrap();
        let r = handshake(
            c,
            s,
            CURL_REQ | ISC_REQ_USE_SUPPLIED_CREDS,
            ASC_REQ | ASC_REQ_MUTUAL_AUTH,
        );
        match r {
            Ok(mut p) => {
                assert_eq!(expect, SEC_E_OK);
                assert_eq!(p.sflags & ASC_RET_MUTUAL_AUTH, ASC_RET_MUTUAL_AUTH);
                let mut cert: *const wstls::win::crypt::CERT_CONTEXT = std::ptr::null();
                let st = unsafe {
                    wstls::ffi::sspi::wstls_QueryContextAttributesA(
                        &mut p.s,
                        SECPKG_ATTR_REMOTE_CERT_CONTEXT,
                        &mut cert as *mut _ as *mut _,
                    )
                };
                assert_eq!(st, SEC_E_OK);
                let mut local: *const wstls::win::crypt::CERT_CONTEXT = std::ptr::null();
                let st = unsafe {
                    wstls::ffi::sspi::wstls_QueryContextAttributesA(
                        &mut p.c,
                        SECPKG_ATTR_LOCAL_CERT_CONTEXT,
                        &mut local as *mut _ as *mut _,
                    )
                };
                assert_eq!(st, SEC_E_OK);
                unsafe {
                    let a = std::slice::from_raw_parts(
                        (*cert).pbCertEncoded,
                        (*cert).cbCertEncoded as usize,
                    );
                    let b = std::slice::from_raw_parts(
                        (*local).pbCertEncoded,
                        (*local).cbCertEncoded as usize,
                    );
                    assert_eq!(a, b, "the server sees the client's certificate");
                    wstls_CertFreeCertificateContext(cert);
                    wstls_CertFreeCertificateContext(local);
                }
                delete(&mut p.c);
                delete(&mut p.s);
            }
            Err((server_side, st)) => {
                assert!(
                    server_side,
                    "the server decides: {st:#x} {}",
                    last_message()
                );
                assert_eq!(st, expect, "{}", last_message());
            }
        }
    }
    unsafe {
        wstls_CertFreeCertificateContext(scert);
        wstls_CertFreeCertificateContext(ccert);
        wstls_CertFreeCertificateContext(ucert);
    }
}

#[test]
fn encrypt_and_decrypt_on_two_threads() {
    pki();
    let (c, s) = creds(Kind::Sch(0), Kind::Sch(0));
    let mut p = handshake(c, s, CURL_REQ, ASC_REQ).unwrap();
    let pending = std::mem::take(&mut p.to_client);
    deliver(&mut p, true, &pending);
    // One thread encrypts on the client while another decrypts on the same client context.
    let mut recs = Vec::new();
    for i in 0..200u32 {
        recs.push(encrypt(&mut p.s, &i.to_be_bytes()).unwrap());
    }
    let (cctx, sctx) = (p.c, p.s);
    let t1 = std::thread::spawn(move || {
        let mut c = cctx;
        (0..200u32)
            .map(|i| encrypt(&mut c, &i.to_le_bytes()).unwrap())
            .collect::<Vec<_>>()
    });
    let t2 = std::thread::spawn(move || {
        let mut c = cctx;
        for (i, mut r) in recs.into_iter().enumerate() {
            let d = decrypt(&mut c, &mut r);
            assert_eq!(d.data, (i as u32).to_be_bytes());
        }
    });
    let sent = t1.join().unwrap();
    t2.join().unwrap();
    let mut s = sctx;
    for (i, mut r) in sent.into_iter().enumerate() {
        assert_eq!(decrypt(&mut s, &mut r).data, (i as u32).to_le_bytes());
    }
}

fn alpn_buffer(list: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&((6 + list.len()) as u32).to_ne_bytes());
    b.extend_from_slice(&2u32.to_ne_bytes());
    b.extend_from_slice(&(list.len() as u16).to_ne_bytes());
    b.extend_from_slice(list);
    b
}

#[test]
fn alpn_mismatch() {
    pki();
    let (mut c, mut s) = creds(Kind::Sch(0), Kind::Sch(0));
    unsafe {
        let mut calpn = alpn_buffer(b"\x02h2");
        let mut inb = [SecBuffer {
            cbBuffer: calpn.len() as u32,
            BufferType: SECBUFFER_APPLICATION_PROTOCOLS,
            pvBuffer: calpn.as_mut_ptr() as *mut _,
        }];
        let mut ind = SecBufferDesc {
            ulVersion: 0,
            cBuffers: 1,
            pBuffers: inb.as_mut_ptr(),
        };
        let mut out = [SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: std::ptr::null_mut(),
        }];
        let mut outd = SecBufferDesc {
            ulVersion: 0,
            cBuffers: 1,
            pBuffers: out.as_mut_ptr(),
        };
        let (mut cctx, mut sctx, mut f) = (SecHandle::default(), SecHandle::default(), 0u32);
        let st = wstls::ffi::sspi::wstls_InitializeSecurityContextA(
            &mut c,
            std::ptr::null_mut(),
            b"localhost\0".as_ptr() as *mut _,
            CURL_REQ,
            0,
            0,
            &mut ind,
            0,
            &mut cctx,
            &mut outd,
            &mut f,
            std::ptr::null_mut(),
        );
        assert_eq!(st, SEC_I_CONTINUE_NEEDED);
        let mut ch =
            std::slice::from_raw_parts(out[0].pvBuffer as *const u8, out[0].cbBuffer as usize)
                .to_vec();
        wstls::ffi::sspi::wstls_FreeContextBuffer(out[0].pvBuffer);
        let mut salpn = alpn_buffer(b"\x08http/1.1");
        let mut inb = [
            SecBuffer {
                cbBuffer: ch.len() as u32,
                BufferType: SECBUFFER_TOKEN,
                pvBuffer: ch.as_mut_ptr() as *mut _,
            },
            SecBuffer {
                cbBuffer: 0,
                BufferType: SECBUFFER_EMPTY,
                pvBuffer: std::ptr::null_mut(),
            },
            SecBuffer {
                cbBuffer: salpn.len() as u32,
                BufferType: SECBUFFER_APPLICATION_PROTOCOLS,
                pvBuffer: salpn.as_mut_ptr() as *mut _,
            },
        ];
        let mut ind = SecBufferDesc {
            ulVersion: 0,
            cBuffers: 3,
            pBuffers: inb.as_mut_ptr(),
        };
        let mut out = [
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
        ];
        let mut outd = SecBufferDesc {
            ulVersion: 0,
            cBuffers: 2,
            pBuffers: out.as_mut_ptr(),
        };
        let st = wstls::ffi::sspi::wstls_AcceptSecurityContext(
            &mut s,
            std::ptr::null_mut(),
            &mut ind,
            ASC_REQ,
            0,
            &mut sctx,
            &mut outd,
            &mut f,
            std::ptr::null_mut(),
        );
        assert_eq!(
            st,
            SEC_E_APPLICATION_PROTOCOL_MISMATCH,
            "{}",
            last_message()
        );
        assert_eq!(out[1].BufferType, SECBUFFER_ALERT);
        assert!(
            out[1].cbBuffer > 0,
            "no_application_protocol alert for the client"
        );
        let mut alert =
            std::slice::from_raw_parts(out[1].pvBuffer as *const u8, out[1].cbBuffer as usize)
                .to_vec();
        wstls::ffi::sspi::wstls_FreeContextBuffer(out[1].pvBuffer);
        // The client learns why.
        let mut cc = Some(cctx);
        let r = token_call(
            false,
            &mut c,
            &mut cc,
            Some("localhost"),
            CURL_REQ,
            Some(&alert),
        );
        assert_eq!(
            r.status,
            SEC_E_APPLICATION_PROTOCOL_MISMATCH,
            "{}",
            last_message()
        );
        alert.clear();
        delete(&mut cctx);
    }
}
