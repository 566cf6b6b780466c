//! The SSPI/crypt32 API contract without a network: credential acquisition rules (the cases
//! Wine's conformance test pins on Windows), packages, the function table, buffer validation,
//! handle checks, control tokens and certificate contexts.
mod sspi_common;

use std::ffi::c_void;
use std::ptr::{null, null_mut};

use sspi_common::*;
use wstls::ffi::crypt::*;
use wstls::ffi::sspi::*;
use wstls::win::crypt::*;
use wstls::win::sspi::*;

/// Tests that depend on the process-wide SCHANNEL_CRED TLS 1.3 opt-in run one at a time.
static OPT_IN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn ach(package: Option<&[u8]>, use_: u32, auth: *mut c_void) -> i32 {
    let mut h = SecHandle::default();
    let st = unsafe {
        wstls_AcquireCredentialsHandleA(
            null_mut(),
            package.map(|p| p.as_ptr() as *mut _).unwrap_or(null_mut()),
            use_,
            null_mut(),
            auth,
            None,
            null_mut(),
            &mut h,
            null_mut(),
        )
    };
    if st == SEC_E_OK {
        unsafe { wstls_FreeCredentialsHandle(&mut h) };
    }
    st
}

fn schannel_cred() -> SCHANNEL_CRED {
    let mut c: SCHANNEL_CRED = unsafe { std::mem::zeroed() };
    c.dwVersion = SCHANNEL_CRED_VERSION;
    c
}

#[test]
fn acquire_credentials_rules() {
    let _serial = OPT_IN.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    std::env::remove_var("WSTLS_CERT_FILE");
    assert_eq!(
        ach(None, SECPKG_CRED_OUTBOUND, null_mut()),
        SEC_E_SECPKG_NOT_FOUND
    );
    assert_eq!(
        ach(Some(b"Kerberos\0"), SECPKG_CRED_OUTBOUND, null_mut()),
        SEC_E_SECPKG_NOT_FOUND
    );
    assert_eq!(ach(Some(UNISP), SECPKG_CRED_OUTBOUND, null_mut()), SEC_E_OK);
    assert_eq!(
        ach(Some(b"schannel\0"), SECPKG_CRED_OUTBOUND, null_mut()),
        SEC_E_OK,
        "names match case-insensitively"
    );
    assert_eq!(
        ach(Some(b"Default TLS SSP\0"), SECPKG_CRED_OUTBOUND, null_mut()),
        SEC_E_OK
    );
    for use_ in [0, SECPKG_CRED_INBOUND, SECPKG_CRED_BOTH] {
        assert_eq!(
            ach(Some(UNISP), use_, null_mut()),
            SEC_E_NO_CREDENTIALS,
            "use {use_}"
        );
    }
    for v in [0, 1, 2] {
        let mut c = schannel_cred();
        c.dwVersion = v;
        assert_eq!(
            ach(
                Some(UNISP),
                SECPKG_CRED_OUTBOUND,
                &mut c as *mut _ as *mut _
            ),
            SEC_E_UNKNOWN_CREDENTIALS,
            "version {v}"
        );
    }
    let mut c = schannel_cred();
    assert_eq!(
        ach(
            Some(UNISP),
            SECPKG_CRED_OUTBOUND,
            &mut c as *mut _ as *mut _
        ),
        SEC_E_OK
    );
    assert_eq!(
        ach(Some(UNISP), SECPKG_CRED_INBOUND, &mut c as *mut _ as *mut _),
        SEC_E_OK,
        "a server credential without certificate is accepted (the handshake fails)"
    );
    // Direction and protocol checks.
    c.grbitEnabledProtocols = SP_PROT_TLS1_2_SERVER;
    assert_eq!(
        ach(
            Some(UNISP),
            SECPKG_CRED_OUTBOUND,
            &mut c as *mut _ as *mut _
        ),
        SEC_E_ALGORITHM_MISMATCH
    );
    c.grbitEnabledProtocols = SP_PROT_TLS1_2_CLIENT;
    assert_eq!(
        ach(Some(UNISP), SECPKG_CRED_INBOUND, &mut c as *mut _ as *mut _),
        SEC_E_ALGORITHM_MISMATCH
    );
    c.grbitEnabledProtocols = SP_PROT_TLS1_2_CLIENT | SP_PROT_DTLS1_2_CLIENT;
    assert_eq!(
        ach(
            Some(UNISP),
            SECPKG_CRED_OUTBOUND,
            &mut c as *mut _ as *mut _
        ),
        SEC_E_ALGORITHM_MISMATCH
    );
    c.grbitEnabledProtocols = SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_1_CLIENT;
    assert_eq!(
        ach(
            Some(UNISP),
            SECPKG_CRED_OUTBOUND,
            &mut c as *mut _ as *mut _
        ),
        SEC_E_ALGORITHM_MISMATCH,
        "TLS 1.0/1.1 only"
    );
    c.grbitEnabledProtocols = SP_PROT_TLS1_3_CLIENT;
    assert_eq!(
        ach(
            Some(UNISP),
            SECPKG_CRED_OUTBOUND,
            &mut c as *mut _ as *mut _
        ),
        SEC_E_ALGORITHM_MISMATCH,
        "SCHANNEL_CRED never negotiates TLS 1.3"
    );
    // Certificates in paCred.
    let der = pki().ca_der.clone();
    let nokey = unsafe {
        wstls_CertCreateCertificateContext(X509_ASN_ENCODING, der.as_ptr(), der.len() as u32)
    };
    assert!(!nokey.is_null());
    let mut certs = [nokey, nokey];
    let mut c = schannel_cred();
    c.cCreds = 1;
    c.paCred = certs.as_mut_ptr();
    assert_eq!(
        ach(Some(UNISP), SECPKG_CRED_INBOUND, &mut c as *mut _ as *mut _),
        SEC_E_NO_CREDENTIALS,
        "a certificate without its key"
    );
    c.cCreds = 2;
    assert_eq!(
        ach(Some(UNISP), SECPKG_CRED_INBOUND, &mut c as *mut _ as *mut _),
        SEC_E_UNKNOWN_CREDENTIALS
    );
    // A foreign CERT_CONTEXT with garbage bytes.
    let mut junk = *b"not a certificate";
    let mut fake = CERT_CONTEXT {
        dwCertEncodingType: 1,
        pbCertEncoded: junk.as_mut_ptr(),
        cbCertEncoded: junk.len() as u32,
        pCertInfo: null_mut(),
        hCertStore: null_mut(),
    };
    let mut certs2 = [&mut fake as *mut CERT_CONTEXT as *const CERT_CONTEXT];
    c.cCreds = 1;
    c.paCred = certs2.as_mut_ptr();
    assert_eq!(
        ach(Some(UNISP), SECPKG_CRED_INBOUND, &mut c as *mut _ as *mut _),
        SEC_E_UNKNOWN_CREDENTIALS
    );
    unsafe { wstls_CertFreeCertificateContext(nokey) };
    // A zeroed SCH_CREDENTIALS (version 5) is fine.
    let mut s: SCH_CREDENTIALS = unsafe { std::mem::zeroed() };
    s.dwVersion = SCH_CREDENTIALS_VERSION;
    assert_eq!(
        ach(
            Some(UNISP),
            SECPKG_CRED_OUTBOUND,
            &mut s as *mut _ as *mut _
        ),
        SEC_E_OK
    );
}

#[test]
fn supported_protocols_attribute() {
    let _serial = OPT_IN.lock().unwrap_or_else(|e| e.into_inner());
    pki();
    let query = |h: &mut SecHandle| {
        let mut p = SecPkgCred_SupportedProtocols::default();
        assert_eq!(
            unsafe {
                wstls_QueryCredentialsAttributesA(
                    h,
                    SECPKG_ATTR_SUPPORTED_PROTOCOLS,
                    &mut p as *mut _ as *mut _,
                )
            },
            SEC_E_OK
        );
        p.grbitProtocol
    };
    let mut h = acquire(SECPKG_CRED_OUTBOUND, Kind::Schannel(0), 0, None).unwrap();
    assert_eq!(query(&mut h), SP_PROT_TLS1_2_CLIENT);
    assert_eq!(
        unsafe {
            wstls_QueryCredentialsAttributesA(&mut h, SECPKG_ATTR_SUPPORTED_PROTOCOLS, null_mut())
        },
        SEC_E_INTERNAL_ERROR,
        "Windows' status for NULL"
    );
    free_cred(h);
    let mut h = acquire(SECPKG_CRED_OUTBOUND, Kind::Sch(0), 0, None).unwrap();
    assert_eq!(query(&mut h), SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT);
    free_cred(h);
    let mut h = acquire(
        SECPKG_CRED_OUTBOUND,
        Kind::Sch(SP_PROT_TLS1_2_CLIENT),
        0,
        None,
    )
    .unwrap();
    assert_eq!(query(&mut h), SP_PROT_TLS1_3_CLIENT);
    free_cred(h);
    // The opt-in lifts the TLS 1.2 ceiling of SCHANNEL_CRED.
    wstls_set_schannel_cred_tls13(1);
    let mut h = acquire(SECPKG_CRED_OUTBOUND, Kind::Schannel(0), 0, None).unwrap();
    wstls_set_schannel_cred_tls13(-1);
    assert_eq!(query(&mut h), SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT);
    free_cred(h);
}

#[test]
fn packages_and_function_table() {
    unsafe {
        let mut n = 0u32;
        let mut info: *mut SecPkgInfoA = null_mut();
        assert_eq!(
            wstls_EnumerateSecurityPackagesA(&mut n, &mut info),
            SEC_E_OK
        );
        let list = std::slice::from_raw_parts(info, n as usize);
        let names: Vec<String> = list
            .iter()
            .map(|p| {
                std::ffi::CStr::from_ptr(p.Name)
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert!(
            names.contains(&"Microsoft Unified Security Protocol Provider".to_string()),
            "{names:?}"
        );
        assert_eq!(list[0].wRPCID, UNISP_RPC_ID);
        assert_eq!(list[0].cbMaxToken, 16384);
        assert_eq!(wstls_FreeContextBuffer(info as *mut _), SEC_E_OK);
        assert_eq!(
            wstls_FreeContextBuffer(info as *mut _),
            SEC_E_INVALID_HANDLE,
            "double free is reported, not performed"
        );
        assert_eq!(wstls_FreeContextBuffer(null_mut()), SEC_E_OK);

        let mut wn = 0u32;
        let mut winfo: *mut SecPkgInfoW = null_mut();
        assert_eq!(
            wstls_EnumerateSecurityPackagesW(&mut wn, &mut winfo),
            SEC_E_OK
        );
        let w = &*winfo;
        let len = (0..).take_while(|&i| *w.Name.add(i) != 0).count();
        assert_eq!(
            String::from_utf16_lossy(std::slice::from_raw_parts(w.Name, len)),
            names[0]
        );
        wstls_FreeContextBuffer(winfo as *mut _);

        let mut one: *mut SecPkgInfoA = null_mut();
        assert_eq!(
            wstls_QuerySecurityPackageInfoA(b"Schannel\0".as_ptr() as *mut _, &mut one),
            SEC_E_OK
        );
        assert_eq!(
            std::ffi::CStr::from_ptr((*one).Name).to_str().unwrap(),
            "Schannel"
        );
        wstls_FreeContextBuffer(one as *mut _);
        assert_eq!(
            wstls_QuerySecurityPackageInfoA(b"NTLM\0".as_ptr() as *mut _, &mut one),
            SEC_E_SECPKG_NOT_FOUND
        );

        // Slot order: compare the table's pointers with the exported functions.
        let t = &*wstls_InitSecurityInterfaceA();
        assert_eq!(t.dwVersion, 5);
        let base = t as *const SecurityFunctionTableA as *const usize;
        let slot = |i: usize| *base.add(i);
        assert_eq!(
            slot(1),
            wstls_EnumerateSecurityPackagesA as *const () as usize
        );
        assert_eq!(
            slot(3),
            wstls_AcquireCredentialsHandleA as *const () as usize
        );
        assert_eq!(slot(4), wstls_FreeCredentialsHandle as *const () as usize);
        assert_eq!(slot(5), 0, "Reserved2");
        assert_eq!(
            slot(6),
            wstls_InitializeSecurityContextA as *const () as usize
        );
        assert_eq!(slot(7), wstls_AcceptSecurityContext as *const () as usize);
        assert_eq!(slot(9), wstls_DeleteSecurityContext as *const () as usize);
        assert_eq!(slot(10), wstls_ApplyControlToken as *const () as usize);
        assert_eq!(
            slot(11),
            wstls_QueryContextAttributesA as *const () as usize
        );
        assert_eq!(slot(16), wstls_FreeContextBuffer as *const () as usize);
        assert_eq!(
            slot(17),
            wstls_QuerySecurityPackageInfoA as *const () as usize
        );
        assert_eq!(slot(25), wstls_EncryptMessage as *const () as usize);
        assert_eq!(slot(26), wstls_DecryptMessage as *const () as usize);
        let tw = &*wstls_InitSecurityInterfaceW();
        let basew = tw as *const SecurityFunctionTableW as *const usize;
        assert_eq!(
            *basew.add(6),
            wstls_InitializeSecurityContextW as *const () as usize
        );
        assert_eq!(
            *basew.add(3),
            wstls_AcquireCredentialsHandleW as *const () as usize
        );
        assert_eq!(
            t.MakeSignature.unwrap()(null_mut(), 0, null_mut(), 0),
            SEC_E_UNSUPPORTED_FUNCTION
        );
    }
}

#[test]
fn wide_entry_points() {
    pki();
    let name: Vec<u16> = "Microsoft Unified Security Protocol Provider\0"
        .encode_utf16()
        .collect();
    let mut c: SCH_CREDENTIALS = unsafe { std::mem::zeroed() };
    c.dwVersion = SCH_CREDENTIALS_VERSION;
    let mut cred = SecHandle::default();
    let st = unsafe {
        wstls_AcquireCredentialsHandleW(
            null_mut(),
            name.as_ptr() as *mut _,
            SECPKG_CRED_OUTBOUND,
            null_mut(),
            &mut c as *mut _ as *mut _,
            None,
            null_mut(),
            &mut cred,
            null_mut(),
        )
    };
    assert_eq!(st, SEC_E_OK);
    let target: Vec<u16> = "localhost\0".encode_utf16().collect();
    let mut out = [SecBuffer {
        cbBuffer: 0,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: null_mut(),
    }];
    let mut od = SecBufferDesc {
        ulVersion: 0,
        cBuffers: 1,
        pBuffers: out.as_mut_ptr(),
    };
    let mut ctx = SecHandle::default();
    let mut f = 0;
    let st = unsafe {
        wstls_InitializeSecurityContextW(
            &mut cred,
            null_mut(),
            target.as_ptr() as *mut _,
            CURL_REQ,
            0,
            0,
            null_mut(),
            0,
            &mut ctx,
            &mut od,
            &mut f,
            null_mut(),
        )
    };
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    let hello = unsafe {
        std::slice::from_raw_parts(out[0].pvBuffer as *const u8, out[0].cbBuffer as usize)
    };
    assert_eq!(hello[0], 22, "a handshake record");
    assert!(
        hello.windows(9).any(|w| w == b"localhost"),
        "SNI carries the UTF-16 target name"
    );
    unsafe {
        wstls_FreeContextBuffer(out[0].pvBuffer);
        wstls_DeleteSecurityContext(&mut ctx);
        wstls_FreeCredentialsHandle(&mut cred);
    }
}

fn first_isc(cred: &mut SecHandle, req: u32, out: &mut [SecBuffer]) -> (i32, SecHandle) {
    let mut od = SecBufferDesc {
        ulVersion: 0,
        cBuffers: out.len() as u32,
        pBuffers: out.as_mut_ptr(),
    };
    let mut ctx = SecHandle {
        dwLower: 7,
        dwUpper: 7,
    };
    let mut f = 0;
    let st = unsafe {
        wstls_InitializeSecurityContextA(
            cred,
            null_mut(),
            b"localhost\0".as_ptr() as *mut _,
            req,
            0,
            0,
            null_mut(),
            0,
            &mut ctx,
            if out.is_empty() { null_mut() } else { &mut od },
            &mut f,
            null_mut(),
        )
    };
    (st, ctx)
}

#[test]
fn output_buffer_rules() {
    pki();
    let mut cred = acquire(SECPKG_CRED_OUTBOUND, Kind::Sch(0), 0, None).unwrap();
    let noalloc = CURL_REQ & !ISC_REQ_ALLOCATE_MEMORY;
    // No output descriptor.
    assert_eq!(
        first_isc(&mut cred, CURL_REQ, &mut []).0,
        SEC_E_INVALID_TOKEN
    );
    // A zero-size TOKEN without ALLOCATE_MEMORY.
    let mut out = [SecBuffer {
        cbBuffer: 0,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: null_mut(),
    }];
    let (st, ctx) = first_isc(&mut cred, noalloc, &mut out);
    assert_eq!(st, SEC_E_INSUFFICIENT_MEMORY);
    assert_eq!(
        ctx,
        SecHandle {
            dwLower: 7,
            dwUpper: 7
        },
        "no context is made by a failed first call"
    );
    // A caller buffer too small for the ClientHello.
    let mut small = [0u8; 10];
    let mut out = [SecBuffer {
        cbBuffer: 10,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: small.as_mut_ptr() as *mut _,
    }];
    let (st, ctx) = first_isc(&mut cred, noalloc, &mut out);
    assert_eq!(st, SEC_E_BUFFER_TOO_SMALL, "{}", last_message());
    assert!(
        last_message().contains("ALLOCATE_MEMORY"),
        "{}",
        last_message()
    );
    assert_eq!(
        ctx,
        SecHandle {
            dwLower: 7,
            dwUpper: 7
        }
    );
    // The caller's own buffer.
    let mut mine = vec![0u8; 16384];
    let mut out = [SecBuffer {
        cbBuffer: mine.len() as u32,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: mine.as_mut_ptr() as *mut _,
    }];
    let (st, mut ctx) = first_isc(&mut cred, noalloc, &mut out);
    assert_eq!(st, SEC_I_CONTINUE_NEEDED);
    assert!(out[0].cbBuffer > 0 && out[0].cbBuffer < 16384);
    assert_eq!(out[0].pvBuffer, mine.as_mut_ptr() as *mut c_void);
    assert_eq!(mine[0], 22);
    // Mid-handshake: no input is an incomplete message; garbage is an invalid token.
    let mut cc = Some(ctx);
    let s = token_call(false, &mut cred, &mut cc, Some("localhost"), CURL_REQ, None);
    assert_eq!(s.status, SEC_E_INCOMPLETE_MESSAGE);
    let s = token_call(
        false,
        &mut cred,
        &mut cc,
        Some("localhost"),
        CURL_REQ,
        Some(&[]),
    );
    assert_eq!(
        (s.status, s.in1),
        (SEC_E_INCOMPLETE_MESSAGE, (SECBUFFER_MISSING, 5))
    );
    let s = token_call(
        false,
        &mut cred,
        &mut cc,
        Some("localhost"),
        CURL_REQ,
        Some(&[22, 3, 3, 0]),
    );
    assert_eq!(
        (s.status, s.in1),
        (SEC_E_INCOMPLETE_MESSAGE, (SECBUFFER_MISSING, 1))
    );
    let s = token_call(
        false,
        &mut cred,
        &mut cc,
        Some("localhost"),
        CURL_REQ,
        Some(&[22, 3, 3, 0, 40, 2]),
    );
    assert_eq!(
        (s.status, s.in1),
        (SEC_E_INCOMPLETE_MESSAGE, (SECBUFFER_MISSING, 39))
    );
    let s = token_call(
        false,
        &mut cred,
        &mut cc,
        Some("localhost"),
        CURL_REQ,
        Some(b"HTTP/1.1 400 Bad Request\r\n"),
    );
    assert_eq!(s.status, SEC_E_INVALID_TOKEN);
    assert!(s.token.is_empty());
    // An EMPTY input buffer with a size is an invalid token.
    let mut data = [22u8, 3, 3, 0, 1, 0];
    let mut inb = [
        SecBuffer {
            cbBuffer: 6,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: data.as_mut_ptr() as *mut _,
        },
        SecBuffer {
            cbBuffer: 3,
            BufferType: SECBUFFER_EMPTY,
            pvBuffer: null_mut(),
        },
    ];
    let mut ind = SecBufferDesc {
        ulVersion: 0,
        cBuffers: 2,
        pBuffers: inb.as_mut_ptr(),
    };
    let mut out = [SecBuffer {
        cbBuffer: 0,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: null_mut(),
    }];
    let mut od = SecBufferDesc {
        ulVersion: 0,
        cBuffers: 1,
        pBuffers: out.as_mut_ptr(),
    };
    let mut f = 0;
    let st = unsafe {
        wstls_InitializeSecurityContextA(
            &mut cred,
            &mut ctx,
            null_mut(),
            CURL_REQ,
            0,
            0,
            &mut ind,
            0,
            null_mut(),
            &mut od,
            &mut f,
            null_mut(),
        )
    };
    assert_eq!(st, SEC_E_INVALID_TOKEN);
    // A malformed record (a handshake message the server never sends) fails the handshake.
    let s = token_call(
        false,
        &mut cred,
        &mut cc,
        Some("localhost"),
        CURL_REQ,
        Some(&[22, 3, 3, 0, 4, 1, 0, 0, 0]),
    );
    assert_eq!(s.status, SEC_E_ILLEGAL_MESSAGE, "{}", last_message());
    assert!(
        !s.alert.is_empty(),
        "the alert for the peer comes in the ALERT buffer"
    );
    assert_eq!(s.alert[0], 21);
    assert_eq!(delete(&mut ctx), SEC_E_OK);
    free_cred(cred);
}

#[test]
fn handle_checks() {
    pki();
    let mut cred = acquire(SECPKG_CRED_OUTBOUND, Kind::Sch(0), 0, None).unwrap();
    let mut bogus = SecHandle {
        dwLower: 12345,
        dwUpper: 99,
    };
    let mut buf = [0u8; 64];
    unsafe {
        assert_eq!(
            wstls_DeleteSecurityContext(&mut bogus),
            SEC_E_INVALID_HANDLE
        );
        assert_eq!(
            wstls_DeleteSecurityContext(null_mut()),
            SEC_E_INVALID_HANDLE
        );
        assert_eq!(
            wstls_FreeCredentialsHandle(&mut bogus),
            SEC_E_INVALID_HANDLE
        );
        assert_eq!(
            wstls_QueryContextAttributesA(
                &mut bogus,
                SECPKG_ATTR_STREAM_SIZES,
                buf.as_mut_ptr() as *mut _
            ),
            SEC_E_INVALID_HANDLE
        );
        // A credentials handle is not a context handle.
        assert_eq!(
            wstls_QueryContextAttributesA(
                &mut cred,
                SECPKG_ATTR_STREAM_SIZES,
                buf.as_mut_ptr() as *mut _
            ),
            SEC_E_INVALID_HANDLE
        );
        let mut d = SecBufferDesc {
            ulVersion: 0,
            cBuffers: 0,
            pBuffers: null_mut(),
        };
        assert_eq!(
            wstls_EncryptMessage(&mut cred, 0, &mut d, 0),
            SEC_E_INVALID_HANDLE
        );
        assert_eq!(
            wstls_DecryptMessage(&mut bogus, &mut d, 0, null_mut()),
            SEC_E_INVALID_HANDLE
        );
    }
    // A context that is not established yet has no stream sizes.
    let mut ctx = None;
    let s = token_call(
        false,
        &mut cred,
        &mut ctx,
        Some("localhost"),
        CURL_REQ,
        None,
    );
    assert_eq!(s.status, SEC_I_CONTINUE_NEEDED);
    let mut c = ctx.unwrap();
    assert_eq!(
        unsafe {
            wstls_QueryContextAttributesA(
                &mut c,
                SECPKG_ATTR_STREAM_SIZES,
                buf.as_mut_ptr() as *mut _,
            )
        },
        SEC_E_INVALID_HANDLE
    );
    assert_eq!(encrypt_raw(&mut c), SEC_E_INVALID_HANDLE);
    // The credential may go first; the context keeps working.
    free_cred(cred);
    let mut cred2 = cred;
    assert_eq!(
        unsafe { wstls_FreeCredentialsHandle(&mut cred2) },
        SEC_E_INVALID_HANDLE
    );
    assert_eq!(delete(&mut c), SEC_E_OK);
    assert_eq!(delete(&mut c), SEC_E_INVALID_HANDLE);
}

fn encrypt_raw(ctx: &mut SecHandle) -> i32 {
    let mut b = [0u8; 64];
    let p = b.as_mut_ptr();
    let mut bufs = unsafe {
        [
            SecBuffer {
                cbBuffer: 5,
                BufferType: SECBUFFER_STREAM_HEADER,
                pvBuffer: p as *mut _,
            },
            SecBuffer {
                cbBuffer: 4,
                BufferType: SECBUFFER_DATA,
                pvBuffer: p.add(5) as *mut _,
            },
            SecBuffer {
                cbBuffer: 17,
                BufferType: SECBUFFER_STREAM_TRAILER,
                pvBuffer: p.add(9) as *mut _,
            },
            SecBuffer {
                cbBuffer: 0,
                BufferType: SECBUFFER_EMPTY,
                pvBuffer: null_mut(),
            },
        ]
    };
    let mut d = SecBufferDesc {
        ulVersion: 0,
        cBuffers: 4,
        pBuffers: bufs.as_mut_ptr(),
    };
    unsafe { wstls_EncryptMessage(ctx, 0, &mut d, 0) }
}

fn control(ctx: &mut SecHandle, bufs: &mut [SecBuffer]) -> i32 {
    let mut d = SecBufferDesc {
        ulVersion: 0,
        cBuffers: bufs.len() as u32,
        pBuffers: bufs.as_mut_ptr(),
    };
    unsafe { wstls_ApplyControlToken(ctx, &mut d) }
}

#[test]
fn control_tokens_before_the_handshake_completes() {
    pki();
    let mut cred = acquire(SECPKG_CRED_OUTBOUND, Kind::Sch(0), 0, None).unwrap();
    let mut ctx = None;
    token_call(
        false,
        &mut cred,
        &mut ctx,
        Some("localhost"),
        CURL_REQ,
        None,
    );
    let mut c = ctx.unwrap();
    let mut shut = SCHANNEL_SHUTDOWN.to_ne_bytes();
    let tok = |p: &mut [u8], n: u32| SecBuffer {
        cbBuffer: n,
        BufferType: SECBUFFER_TOKEN,
        pvBuffer: p.as_mut_ptr() as *mut _,
    };
    unsafe {
        assert_eq!(
            wstls_ApplyControlToken(null_mut(), null_mut()),
            SEC_E_INVALID_HANDLE
        );
        assert_eq!(
            wstls_ApplyControlToken(&mut c, null_mut()),
            SEC_E_INTERNAL_ERROR
        );
    }
    assert_eq!(
        control(&mut c, &mut [tok(&mut shut, 4), tok(&mut shut, 4)]),
        SEC_E_INVALID_TOKEN
    );
    assert_eq!(
        control(
            &mut c,
            &mut [SecBuffer {
                cbBuffer: 4,
                BufferType: SECBUFFER_ALERT,
                pvBuffer: shut.as_mut_ptr() as *mut _
            }]
        ),
        SEC_E_INVALID_TOKEN
    );
    assert_eq!(
        control(&mut c, &mut [tok(&mut shut, 3)]),
        SEC_E_UNSUPPORTED_FUNCTION
    );
    let mut reneg = SCHANNEL_RENEGOTIATE.to_ne_bytes();
    assert_eq!(
        control(&mut c, &mut [tok(&mut reneg, 4)]),
        SEC_E_UNSUPPORTED_FUNCTION
    );
    assert_eq!(control(&mut c, &mut [tok(&mut shut, 4)]), SEC_E_OK);
    assert_eq!(
        control(&mut c, &mut [tok(&mut shut, 4)]),
        SEC_E_OK,
        "repeatable"
    );
    let mut cc = Some(c);
    let s = token_call(false, &mut cred, &mut cc, Some("localhost"), CURL_REQ, None);
    assert_eq!(s.status, SEC_E_OK);
    assert_eq!(
        s.token,
        [21, 3, 3, 0, 2, 1, 0],
        "a plaintext close_notify before keys exist"
    );
    let s = token_call(false, &mut cred, &mut cc, Some("localhost"), CURL_REQ, None);
    assert_eq!(s.status, SEC_E_INCOMPLETE_MESSAGE);
    delete(&mut c);

    // SCHANNEL_ALERT: fatal bad_certificate.
    let mut ctx = None;
    token_call(
        false,
        &mut cred,
        &mut ctx,
        Some("localhost"),
        CURL_REQ,
        None,
    );
    let mut c = ctx.unwrap();
    let mut alert = [0u8; 12];
    alert[..4].copy_from_slice(&SCHANNEL_ALERT.to_ne_bytes());
    alert[4..8].copy_from_slice(&TLS1_ALERT_FATAL.to_ne_bytes());
    alert[8..].copy_from_slice(&42u32.to_ne_bytes());
    assert_eq!(control(&mut c, &mut [tok(&mut alert, 12)]), SEC_E_OK);
    let mut cc = Some(c);
    let s = token_call(false, &mut cred, &mut cc, Some("localhost"), CURL_REQ, None);
    assert_eq!(s.token, [21, 3, 3, 0, 2, 2, 42]);
    delete(&mut c);
    free_cred(cred);
}

#[test]
fn certificate_contexts_and_stores() {
    let der = pki().ca_der.clone();
    unsafe {
        let c = wstls_CertCreateCertificateContext(
            X509_ASN_ENCODING | PKCS_7_ASN_ENCODING,
            der.as_ptr(),
            der.len() as u32,
        );
        assert!(!c.is_null());
        let cc = &*c;
        assert_eq!(
            std::slice::from_raw_parts(cc.pbCertEncoded, cc.cbCertEncoded as usize),
            &der[..]
        );
        assert!(
            !cc.hCertStore.is_null(),
            "a context lives in a (temporary) store"
        );
        let info = &*cc.pCertInfo;
        assert_eq!(info.dwVersion, CERT_V3);
        let subject = std::slice::from_raw_parts(info.Subject.pbData, info.Subject.cbData as usize);
        let issuer = std::slice::from_raw_parts(info.Issuer.pbData, info.Issuer.cbData as usize);
        assert_eq!(subject, issuer, "the CA is self-signed");
        assert!(subject.windows(13).any(|w| w == b"wstls test CA"));
        assert_eq!(
            std::ffi::CStr::from_ptr(info.SubjectPublicKeyInfo.Algorithm.pszObjId)
                .to_str()
                .unwrap(),
            "1.2.840.10045.2.1"
        );
        assert_eq!(
            std::ffi::CStr::from_ptr(info.SignatureAlgorithm.pszObjId)
                .to_str()
                .unwrap(),
            "1.2.840.10045.4.3.2"
        );
        assert!(info.cExtension >= 1);
        // Reference counting.
        let d = wstls_CertDuplicateCertificateContext(c);
        assert_eq!(d, c);
        assert_eq!(wstls_CertFreeCertificateContext(c), 1);
        assert_eq!(
            (*d).cbCertEncoded as usize,
            der.len(),
            "still alive after one free"
        );
        assert_eq!(wstls_CertFreeCertificateContext(d), 1);
        assert_eq!(
            wstls_CertFreeCertificateContext(d),
            0,
            "freed contexts are not freed twice"
        );
        assert_eq!(wstls_CertFreeCertificateContext(null()), 1);
        assert!(wstls_CertDuplicateCertificateContext(null()).is_null());
        // Garbage.
        let bad = wstls_CertCreateCertificateContext(X509_ASN_ENCODING, b"junk".as_ptr(), 4);
        assert!(bad.is_null());
        assert_eq!(wstls::error::last_wsa(), CRYPT_E_ASN1_BADTAG);
        // A memory store.
        let store = wstls_CertOpenStore(
            CERT_STORE_PROV_MEMORY as *const _,
            0,
            0,
            CERT_STORE_CREATE_NEW_FLAG,
            null(),
        );
        assert!(!store.is_null());
        let mut added: *const CERT_CONTEXT = null();
        assert_eq!(
            wstls_CertAddEncodedCertificateToStore(
                store,
                X509_ASN_ENCODING,
                der.as_ptr(),
                der.len() as u32,
                CERT_STORE_ADD_NEW,
                &mut added
            ),
            1
        );
        assert_eq!((*added).hCertStore, store);
        assert_eq!(
            wstls_CertAddEncodedCertificateToStore(
                store,
                X509_ASN_ENCODING,
                der.as_ptr(),
                der.len() as u32,
                CERT_STORE_ADD_NEW,
                null_mut()
            ),
            0
        );
        assert_eq!(wstls::error::last_wsa(), CRYPT_E_EXISTS);
        let leaf = cert_context("server");
        assert_eq!(
            wstls_CertAddCertificateContextToStore(store, leaf, CERT_STORE_ADD_ALWAYS, null_mut()),
            1
        );
        let mut seen = 0;
        let mut cur: *const CERT_CONTEXT = null();
        loop {
            cur = wstls_CertEnumCertificatesInStore(store, cur);
            if cur.is_null() {
                break;
            }
            seen += 1;
        }
        assert_eq!(seen, 2);
        assert_eq!(wstls::error::last_wsa(), CRYPT_E_NOT_FOUND);
        assert_eq!(wstls_CertFreeCertificateContext(leaf), 1);
        // Closing with a context still referenced: CHECK reports it, the context stays valid.
        assert_eq!(wstls_CertCloseStore(store, CERT_CLOSE_STORE_CHECK_FLAG), 0);
        assert_eq!((*added).cbCertEncoded as usize, der.len());
        assert_eq!(wstls_CertFreeCertificateContext(added), 1);
        assert_eq!(wstls_CertCloseStore(store, 0), 0, "already closed");
        // Bad PEM for the extension.
        let c = wstls_cert_context_from_pem(b"nope".as_ptr() as *const _, 4, null(), 0);
        assert!(c.is_null());
    }
}
