//! The environment defaults of SSPI credentials (a separate test binary: it sets variables).
//! An inbound credential without a certificate serves WSTLS_CERT_FILE/WSTLS_KEY_FILE; an
//! outbound credential without SCH_CRED_NO_DEFAULT_CREDS offers
//! WSTLS_CLIENT_CERT_FILE/WSTLS_CLIENT_KEY_FILE when a server asks.
mod sspi_common;

use std::ffi::c_void;

use sspi_common::*;
use wstls::ffi::sspi::*;
use wstls::win::crypt::CERT_CONTEXT;
use wstls::win::sspi::*;

fn handshake(mut c: SecHandle, mut s: SecHandle, sreq: u32) -> (SecHandle, SecHandle) {
    let (mut cc, mut sc) = (None, None);
    let r = token_call(false, &mut c, &mut cc, Some("localhost"), CURL_REQ, None);
    let mut to_s = r.token;
    let mut to_c = Vec::new();
    let (mut cd, mut sd) = (false, false);
    for _ in 0..10 {
        if !sd && !to_s.is_empty() {
            let r = token_call(true, &mut s, &mut sc, None, sreq, Some(&to_s));
            assert!(
                r.status == SEC_E_OK || r.status == SEC_I_CONTINUE_NEEDED,
                "ASC {:#x}: {}",
                r.status,
                last_message()
            );
            to_c.extend_from_slice(&r.token);
            to_s.clear();
            sd = r.status == SEC_E_OK;
        } else if !cd && !to_c.is_empty() {
            let r = token_call(
                false,
                &mut c,
                &mut cc,
                Some("localhost"),
                CURL_REQ,
                Some(&to_c),
            );
            assert!(
                r.status == SEC_E_OK || r.status == SEC_I_CONTINUE_NEEDED,
                "ISC {:#x}: {}",
                r.status,
                last_message()
            );
            to_s.extend_from_slice(&r.token);
            let keep = if r.in1.0 == SECBUFFER_EXTRA {
                r.in1.1 as usize
            } else {
                0
            };
            to_c.drain(..to_c.len() - keep);
            cd = r.status == SEC_E_OK;
        } else {
            break;
        }
    }
    assert!(cd && sd);
    (cc.unwrap(), sc.unwrap())
}

#[test]
fn environment_identities() {
    let p = pki();
    let server = p.leaf("server");
    let client = p.leaf("client");
    std::env::set_var("WSTLS_CERT_FILE", &server.cert);
    std::env::set_var("WSTLS_KEY_FILE", &server.key);
    std::env::set_var("WSTLS_CLIENT_CERT_FILE", &client.cert);
    std::env::set_var("WSTLS_CLIENT_KEY_FILE", &client.key);

    // Inbound with pAuthData NULL, and with an SCHANNEL_CRED without certificates.
    let mut s1 = SecHandle::default();
    let st = unsafe {
        wstls_AcquireCredentialsHandleA(
            std::ptr::null_mut(),
            UNISP.as_ptr() as *mut _,
            SECPKG_CRED_INBOUND,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            None,
            std::ptr::null_mut(),
            &mut s1,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(st, SEC_E_OK, "{}", last_message());
    let s2 = acquire(SECPKG_CRED_INBOUND, Kind::Schannel(0), 0, None).unwrap();
    for s in [s1, s2] {
        let c = acquire(
            SECPKG_CRED_OUTBOUND,
            Kind::Sch(0),
            SCH_CRED_NO_DEFAULT_CREDS,
            None,
        )
        .unwrap();
        let (mut cc, mut sc) = handshake(c, s, ASC_REQ);
        delete(&mut cc);
        delete(&mut sc);
    }

    // The client offers its default certificate to a server that requires one.
    let c = acquire(SECPKG_CRED_OUTBOUND, Kind::Sch(0), 0, None).unwrap();
    let (mut cc, mut sc) = handshake(c, s2, ASC_REQ | ASC_REQ_MUTUAL_AUTH);
    let mut cert: *const CERT_CONTEXT = std::ptr::null();
    let st = unsafe {
        wstls_QueryContextAttributesA(
            &mut sc,
            SECPKG_ATTR_REMOTE_CERT_CONTEXT,
            &mut cert as *mut _ as *mut c_void,
        )
    };
    assert_eq!(st, SEC_E_OK);
    unsafe {
        let subject = &(*(*cert).pCertInfo).Subject;
        let s = std::slice::from_raw_parts(subject.pbData, subject.cbData as usize);
        assert!(s.windows(12).any(|w| w == b"wstls client"));
        wstls::ffi::crypt::wstls_CertFreeCertificateContext(cert);
    }
    delete(&mut cc);
    delete(&mut sc);

    // With SCH_CRED_NO_DEFAULT_CREDS the client has nothing to offer: the server refuses.
    let c = acquire(
        SECPKG_CRED_OUTBOUND,
        Kind::Sch(0),
        SCH_CRED_NO_DEFAULT_CREDS,
        None,
    )
    .unwrap();
    let mut c2 = c;
    let mut s3 = s2;
    let (mut cc, mut sc) = (None, None);
    let r = token_call(
        false,
        &mut c2,
        &mut cc,
        Some("localhost"),
        CURL_REQ | ISC_REQ_USE_SUPPLIED_CREDS,
        None,
    );
    let r = token_call(
        true,
        &mut s3,
        &mut sc,
        None,
        ASC_REQ | ASC_REQ_MUTUAL_AUTH,
        Some(&r.token),
    );
    let r = token_call(
        false,
        &mut c2,
        &mut cc,
        Some("localhost"),
        CURL_REQ | ISC_REQ_USE_SUPPLIED_CREDS,
        Some(&r.token),
    );
    assert_eq!(
        r.status, SEC_I_CONTINUE_NEEDED,
        "TLS 1.2 (an SCHANNEL_CRED server): the client waits for the server's Finished"
    );
    let r = token_call(
        true,
        &mut s3,
        &mut sc,
        None,
        ASC_REQ | ASC_REQ_MUTUAL_AUTH,
        Some(&r.token),
    );
    assert_eq!(r.status, SEC_E_NO_CREDENTIALS, "{}", last_message());

    // A missing default certificate makes an inbound credential without certificates fail at
    // the handshake, with a message that says what to set.
    std::env::remove_var("WSTLS_CERT_FILE");
    std::env::remove_var("WSTLS_KEY_FILE");
    let mut s4 = acquire(SECPKG_CRED_INBOUND, Kind::Schannel(0), 0, None).unwrap();
    let mut c4 = acquire(
        SECPKG_CRED_OUTBOUND,
        Kind::Sch(0),
        SCH_CRED_NO_DEFAULT_CREDS,
        None,
    )
    .unwrap();
    let (mut cc, mut sc) = (None, None);
    let r = token_call(false, &mut c4, &mut cc, Some("localhost"), CURL_REQ, None);
    let r = token_call(true, &mut s4, &mut sc, None, ASC_REQ, Some(&r.token));
    assert_eq!(r.status, SEC_E_NO_CREDENTIALS);
    assert!(
        last_message().contains("WSTLS_CERT_FILE"),
        "{}",
        last_message()
    );
}
