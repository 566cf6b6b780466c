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
fn handshake(mut ccred: SecHandle, mut scred: SecHandle, creq: u32, sreq: u32) -> Result<Pair, (bool, i32)> {
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
                    let keep = if r.in1.0 == SECBUFFER_EXTRA { r.in1.1 as usize } else { 0 };
                    to_server.drain(..to_server.len() - keep);
                    sdone = r.status == SEC_E_OK;
                    sflags = r.flags;
                }
                st => return Err((true, st)),
            }
        } else if !cdone && !to_client.is_empty() {
            let r = token_call(false, &mut ccred, &mut c, Some("localhost"), creq, Some(&to_client));
            match r.status {
                SEC_E_OK | SEC_I_CONTINUE_NEEDED => {
                    to_server.extend_from_slice(&r.token);
                    let keep = if r.in1.0 == SECBUFFER_EXTRA { r.in1.1 as usize } else { 0 };
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
    Ok(Pair { ccred, scred, c: c.unwrap(), s: s.unwrap(), to_client, to_server, cflags, sflags })
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
    let (ctx, cred) = if to_client { (&mut p.c, &mut p.ccred) } else { (&mut p.s, &mut p.scred) };
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
                    let r = token_call(!to_client, cred, &mut c, Some("localhost"), if to_client { CURL_REQ } else { ASC_REQ }, Some(&enc));
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
    for (i, msg) in [&b"hello server"[..], &vec![b'x'; 16384][..], b""].iter().enumerate() {
        let rec = if i % 2 == 0 { encrypt(&mut p.c, msg).unwrap() } else { encrypt_split(&mut p.c, msg).unwrap() };
        let (plain, closed, _) = deliver(p, false, &rec);
        assert_eq!(&plain[..], *msg);
        assert!(!closed);
        let rec = if i % 2 == 1 { encrypt(&mut p.s, msg).unwrap() } else { encrypt_split(&mut p.s, msg).unwrap() };
        let (plain, _, _) = deliver(p, true, &rec);
        assert_eq!(&plain[..], *msg);
    }
}

#[test]
fn tls13_handshake_and_data() {
    pki();
    let (c, s) = creds(Kind::Sch(0), Kind::Sch(0));
    let mut p = handshake(c, s, CURL_REQ, ASC_REQ).unwrap_or_else(|e| panic!("{e:?}: {}", last_message()));
    assert_eq!(p.cflags, CURL_REQ & !ISC_REQ_ALLOCATE_MEMORY | ISC_RET_ALLOCATED_MEMORY, "curl requires ret == req");
    assert_eq!(p.sflags, ASC_REQ);
    assert_eq!(connection_info(&mut p.c).dwProtocol, SP_PROT_TLS1_3_CLIENT);
    assert_eq!(connection_info(&mut p.s).dwProtocol, SP_PROT_TLS1_3_SERVER);
    let sz = stream_sizes(&mut p.c);
    assert_eq!((sz.cbHeader, sz.cbTrailer, sz.cbMaximumMessage, sz.cBuffers), (5, 17, 16384, 4));
    exchange(&mut p);
}

#[test]
fn tls12_handshake_and_data() {
    pki();
    let (c, s) = creds(Kind::Schannel(0), Kind::Schannel(0));
    let mut p = handshake(c, s, CURL_REQ, ASC_REQ).unwrap_or_else(|e| panic!("{e:?}: {}", last_message()));
    assert_eq!(connection_info(&mut p.c).dwProtocol, SP_PROT_TLS1_2_CLIENT, "SCHANNEL_CRED stops at TLS 1.2");
    let sz = stream_sizes(&mut p.c);
    assert_eq!(sz.cbHeader, 13, "TLS 1.2 AES-GCM: header + explicit nonce");
    assert_eq!(sz.cbTrailer, 16);
    exchange(&mut p);
}
