//! Windows CE secure sockets (`sslsock.h`) driven through wstls's C ABI against real TLS peers
//! on loopback: Python `ssl`, `openssl s_server` and a rustls server thread, with a CA and a
//! leaf made at test time. Each test asserts the Windows return codes and the data.
#[path = "ce_common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::{ioctl, *};
use wstls::ffi::kernel32::*;
use wstls::ffi::sslsock::*;
use wstls::ffi::winsock::*;
use wstls::win::schnlsp::*;
use wstls::win::sslsock::*;
use wstls::win::wsa;

// ---------------------------------------------------------------------------------------------
// Verification and the hook
// ---------------------------------------------------------------------------------------------

#[test]
fn trusted_chain_hook_sees_no_flag_and_data_flows() {
    let pki = Pki::new("trusted");
    pki.trust();
    let mut peer = python_server(&pki, "echo", &[]);
    let log = HookLog::new(SSL_ERR_OKAY);
    let s = secure_socket();
    assert_eq!(set_hook(s, recording_hook, log.arg()), 0);
    assert_eq!(set_peer_name(s, b"localhost\0"), 0);
    assert_eq!(connect(s, peer.port), 0, "connect: {}", last_message());
    let seen = log.only();
    assert_eq!(seen.flags, 0, "trusted chain and matching name: no flag");
    assert_eq!(seen.dw_type, SSL_CERT_X509);
    assert_eq!(seen.chain_len, 1);
    send_all(s, b"ping over TLS");
    assert_eq!(recv_n(s, 13), b"ping over TLS");
    close(s);
    assert_eq!(peer.result(), "CLEAN", "closesocket sends close_notify");
}

#[test]
fn unknown_issuer_hook_accepts() {
    let pki = Pki::new("unknown-accept"); // never trusted
    let mut peer = python_server(&pki, "echo", &[]);
    let log = HookLog::new(SSL_ERR_OKAY);
    let s = secure_socket();
    assert_eq!(set_hook(s, recording_hook, log.arg()), 0);
    assert_eq!(
        connect(s, peer.port),
        0,
        "the hook's answer decides: {}",
        last_message()
    );
    assert_eq!(log.only().flags, SSL_CERT_FLAG_ISSUER_UNKNOWN);
    send_all(s, b"waived");
    assert_eq!(recv_n(s, 6), b"waived");
    close(s);
    assert_eq!(peer.result(), "CLEAN");
}

#[test]
fn unknown_issuer_hook_rejects() {
    let pki = Pki::new("unknown-reject");
    let mut peer = python_server(&pki, "echo", &[]);
    let log = HookLog::new(SSL_ERR_CERT_UNKNOWN);
    let s = secure_socket();
    assert_eq!(set_hook(s, recording_hook, log.arg()), 0);
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAECONNABORTED);
    let m = last_message();
    assert!(
        m.contains("hook rejected") && m.contains("returned 10"),
        "{m}"
    );
    assert_eq!(log.only().flags, SSL_CERT_FLAG_ISSUER_UNKNOWN);
    // The socket is unusable afterwards, with the same error.
    let mut b = [0u8; 4];
    assert_eq!(recv_once(s, &mut b), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAECONNABORTED);
    close(s);
    assert!(peer.result().starts_with("HANDSHAKE-FAILED"));
}

#[test]
fn name_mismatch_through_set_peername_sets_issuer_unknown() {
    let pki = Pki::new("mismatch");
    pki.trust();
    let peer = python_server(&pki, "echo", &[]);
    let log = HookLog::new(SSL_ERR_CERT_UNKNOWN);
    let s = secure_socket();
    assert_eq!(set_hook(s, recording_hook, log.arg()), 0);
    assert_eq!(set_peer_name(s, b"wrong.example.com\0"), 0);
    assert_eq!(connect(s, peer.port), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAECONNABORTED);
    assert_eq!(
        log.only().flags,
        SSL_CERT_FLAG_ISSUER_UNKNOWN,
        "trusted chain, wrong name"
    );
    close(s);
}

#[test]
fn no_hook_untrusted_server_fails() {
    let pki = Pki::new("nohook-untrusted");
    let mut peer = python_server(&pki, "echo", &[]);
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAECONNABORTED);
    let m = last_message();
    assert!(m.contains("unknown issuer"), "{m}");
    close(s);
    assert!(peer.result().starts_with("HANDSHAKE-FAILED"));
}

#[test]
fn no_hook_trusted_server_works_and_needs_a_name() {
    let pki = Pki::new("nohook-trusted");
    pki.trust();
    // With a peer name: verified and connected.
    let mut peer = python_server(&pki, "echo", &[]);
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), 0, "{}", last_message());
    send_all(s, b"secure by default");
    assert_eq!(recv_n(s, 17), b"secure by default");
    close(s);
    assert_eq!(peer.result(), "CLEAN");

    // Without a name and without a hook: fails closed, and says what to do.
    let peer = python_server(&pki, "echo", &[]);
    let s = secure_socket();
    assert_eq!(connect(s, peer.port), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAECONNABORTED);
    assert!(
        last_message().contains("SO_SSL_SET_PEERNAME"),
        "{}",
        last_message()
    );
    close(s);

    // A name that does not match, no hook: fails.
    let peer = python_server(&pki, "echo", &[]);
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"other.example"), 0);
    assert_eq!(connect(s, peer.port), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAECONNABORTED);
    assert!(
        last_message().contains("not valid for the expected name"),
        "{}",
        last_message()
    );
    close(s);
}

#[test]
fn no_name_no_name_check_hook_sees_chain_result_only() {
    let pki = Pki::new("noname");
    pki.trust();
    let peer = python_server(&pki, "echo", &[]);
    let log = HookLog::new(SSL_ERR_OKAY);
    let s = secure_socket();
    assert_eq!(set_hook(s, recording_hook, log.arg()), 0);
    assert_eq!(connect(s, peer.port), 0, "{}", last_message());
    assert_eq!(
        log.only().flags,
        0,
        "trusted chain, no name given: nothing to flag"
    );
    close(s);
}

/// What the inspecting hook found, filled in from inside the hook.
#[derive(Default)]
struct Inspect {
    socket: usize,
    leaf: Vec<u8>,
    pv_arg: usize,
    subject: String,
    issuer: String,
    from: i64,
    until: i64,
    serial: [u32; 4],
    version: u32,
    via_getprocaddress: bool,
    chain_len_ext: u32,
    chain_ext: Vec<Vec<u8>>,
    flags_from_inside: u32,
}

unsafe extern "C" fn inspecting_hook(
    _t: u32,
    pv_arg: *mut c_void,
    _n: u32,
    chain: *mut BLOB,
    _f: u32,
) -> i32 {
    let st = &mut *(pv_arg as *mut Inspect);
    st.pv_arg = pv_arg as usize;
    let b = &*chain;
    st.leaf = std::slice::from_raw_parts(b.pBlobData, b.cbSize as usize).to_vec();

    // The CE way: LoadLibrary(TEXT("schannel.dll")) + GetProcAddress(TEXT("SslCrackCertificate")).
    let wide = |s: &str| {
        s.encode_utf16()
            .chain(std::iter::once(0))
            .collect::<Vec<u16>>()
    };
    let h = wstls_LoadLibraryW(wide("schannel.dll").as_ptr());
    assert!(!h.is_null());
    type Crack = unsafe extern "C" fn(*mut u8, u32, i32, *mut *mut X509Certificate) -> c_int;
    type Free = unsafe extern "C" fn(*mut X509Certificate);
    let crack: Crack = std::mem::transmute(
        wstls_GetProcAddressW(h, wide("SslCrackCertificate").as_ptr()).unwrap(),
    );
    let free: Free =
        std::mem::transmute(wstls_GetProcAddress(h, c"SslFreeCertificate".as_ptr()).unwrap());
    let mut pc: *mut X509Certificate = std::ptr::null_mut();
    if crack(b.pBlobData, b.cbSize, 0, &mut pc) != 0 {
        let c = &*pc;
        st.via_getprocaddress = true;
        st.subject = std::ffi::CStr::from_ptr(c.pszSubject)
            .to_string_lossy()
            .into_owned();
        st.issuer = std::ffi::CStr::from_ptr(c.pszIssuer)
            .to_string_lossy()
            .into_owned();
        st.from = c.ValidFrom.to_unix();
        st.until = c.ValidUntil.to_unix();
        st.serial = c.SerialNumber;
        st.version = c.Version;
        free(pc);
    }
    assert_eq!(wstls_FreeLibrary(h), 1);

    // wstls extension: the whole chain.
    let mut n = 0u32;
    let mut p: *mut BLOB = std::ptr::null_mut();
    if wstls_get_hook_certificate_chain(&mut n, &mut p) != 0 {
        st.chain_len_ext = n;
        for i in 0..n as usize {
            let e = &*p.add(i);
            st.chain_ext
                .push(std::slice::from_raw_parts(e.pBlobData, e.cbSize as usize).to_vec());
        }
    }

    // The hook may call back into wstls on its own socket: no lock is held.
    let mut flags = 0u32;
    let r = ioctl(
        st.socket,
        SO_SSL_GET_FLAGS,
        std::ptr::null(),
        0,
        &mut flags as *mut u32 as *mut c_void,
        4,
        None,
    );
    assert_eq!(r, 0);
    st.flags_from_inside = flags | 0x8000_0000;
    SSL_ERR_OKAY
}

#[test]
fn hook_receives_the_leaf_byte_for_byte_and_crack_certificate_reads_it() {
    let pki = Pki::new("inspect");
    let peer = python_server(&pki, "echo", &[]); // sends leaf + CA
    let s = secure_socket();
    let mut st = Box::new(Inspect {
        socket: s,
        ..Default::default()
    });
    let arg = &mut *st as *mut Inspect as *mut c_void;
    assert_eq!(set_hook(s, inspecting_hook, arg), 0);
    assert_eq!(set_flags(s, 0), 0);
    assert_eq!(connect(s, peer.port), 0, "{}", last_message());

    assert_eq!(st.pv_arg, arg as usize, "pvArg passes through unchanged");
    assert_eq!(
        st.leaf, pki.leaf_der,
        "the hook's BLOB is the server's leaf, byte for byte"
    );
    assert!(
        st.via_getprocaddress,
        "SslCrackCertificate through GetProcAddress"
    );
    assert_eq!(st.subject, format!("CN={}", pki.leaf_cn));
    assert_eq!(st.issuer, format!("O=wstls tests, CN={}", pki.ca_cn));
    assert_eq!(st.from, 1_577_836_800, "2020-01-01T00:00:00Z");
    assert_eq!(st.until, 2_208_988_800, "2040-01-01T00:00:00Z");
    assert_eq!(
        st.serial,
        [0x4567_89AB, 0x0123, 0, 0],
        "serial 01:23:45:67:89:AB, least significant DWORD first"
    );
    assert_eq!(st.version, 2, "X.509 v3");
    assert_eq!(
        st.chain_len_ext, 2,
        "the whole chain through the wstls extension"
    );
    assert_eq!(st.chain_ext, vec![pki.leaf_der.clone(), pki.ca_der.clone()]);
    assert_eq!(
        st.flags_from_inside, 0x8000_0000,
        "the hook called WSAIoctl on its own socket"
    );

    // After the handshake: the peer chain through wstls_get_peer_certificate_chain.
    let mut need = 0u32;
    let n = unsafe { wstls_get_peer_certificate_chain(s, 0, std::ptr::null_mut(), 0, &mut need) };
    assert_eq!(n, SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAEFAULT);
    assert_eq!(need as usize, pki.leaf_der.len(), "size query");
    let mut buf = vec![0u8; need as usize];
    assert_eq!(
        unsafe { wstls_get_peer_certificate_chain(s, 0, buf.as_mut_ptr(), need, &mut need) },
        2
    );
    assert_eq!(buf, pki.leaf_der);
    let mut buf = vec![0u8; 4096];
    let n = unsafe { wstls_get_peer_certificate_chain(s, 1, buf.as_mut_ptr(), 4096, &mut need) };
    assert_eq!(n, 2);
    assert_eq!(&buf[..need as usize], &pki.ca_der[..]);
    assert_eq!(
        unsafe { wstls_get_peer_certificate_chain(s, 2, buf.as_mut_ptr(), 4096, &mut need) },
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEINVAL);
    close(s);

    // Outside a hook the chain extension fails cleanly.
    let mut n = 0u32;
    let mut p: *mut BLOB = std::ptr::null_mut();
    assert_eq!(
        unsafe { wstls_get_hook_certificate_chain(&mut n, &mut p) },
        0
    );
    assert_eq!(last_error(), wsa::WSAEINVAL);
}

#[test]
fn crack_certificate_directly_and_its_errors() {
    let pki = Pki::new("crack");
    let mut pc: *mut X509Certificate = std::ptr::null_mut();
    let mut der = pki.leaf_der.clone();
    assert_eq!(
        unsafe { wstls_SslCrackCertificate(der.as_mut_ptr(), der.len() as u32, 0, &mut pc) },
        1
    );
    let c = unsafe { &*pc };
    assert_eq!(
        unsafe { std::ffi::CStr::from_ptr(c.pszSubject) }
            .to_str()
            .unwrap(),
        format!("CN={}", pki.leaf_cn)
    );
    assert_eq!(c.ValidFrom, FILETIME::from_unix(1_577_836_800));
    assert_eq!(
        c.SignatureAlgorithm, CALG_SHA_256,
        "rcgen signs with ECDSA P-256 SHA-256"
    );
    let key = unsafe { &*c.pPublicKey };
    assert_eq!(key.Type, CALG_ECDSA);
    assert_eq!(key.cbKey, 65, "uncompressed P-256 point");
    assert_eq!(key.pKey[0], 0x04);
    unsafe { wstls_SslFreeCertificate(pc) };
    unsafe { wstls_SslFreeCertificate(pc) }; // a second free is ignored
    unsafe { wstls_SslFreeCertificate(std::ptr::null_mut()) };

    // PEM is accepted too.
    let mut pem = pki.leaf_pem.clone().into_bytes();
    assert_eq!(
        unsafe {
            wstls_SslCrackCertificate(
                pem.as_mut_ptr(),
                pem.len() as u32,
                CF_CERT_FROM_FILE,
                &mut pc,
            )
        },
        1
    );
    assert_eq!(unsafe { (*pc).SerialNumber[0] }, 0x4567_89AB);
    unsafe { wstls_SslFreeCertificate(pc) };

    // Not a certificate / NULL.
    let mut junk = b"not a certificate".to_vec();
    assert_eq!(
        unsafe { wstls_SslCrackCertificate(junk.as_mut_ptr(), junk.len() as u32, 0, &mut pc) },
        0
    );
    assert_eq!(wstls_GetLastError(), ERROR_INVALID_DATA as u32);
    assert!(pc.is_null());
    assert_eq!(
        unsafe { wstls_SslCrackCertificate(std::ptr::null_mut(), 10, 0, &mut pc) },
        0
    );
    assert_eq!(wstls_GetLastError(), ERROR_INVALID_PARAMETER as u32);

    // LoadLibrary of something wstls does not emulate.
    assert!(unsafe { wstls_LoadLibraryA(c"user32.dll".as_ptr()) }.is_null());
    assert_eq!(wstls_GetLastError(), ERROR_MOD_NOT_FOUND as u32);
    let h = unsafe { wstls_LoadLibraryA(c"SCHANNEL.DLL".as_ptr()) };
    assert!(!h.is_null());
    assert!(unsafe { wstls_GetProcAddress(h, c"SslEmptyCache".as_ptr()) }.is_none());
    assert_eq!(wstls_GetLastError(), ERROR_PROC_NOT_FOUND as u32);
}

// ---------------------------------------------------------------------------------------------
// The deferred handshake (the CE 5.0 recipe, step by step)
// ---------------------------------------------------------------------------------------------

fn deferred_starttls(name_for_handshake: Option<&[u8]>, peer_name: Option<&[u8]>) {
    let pki = Pki::new("starttls");
    let mut peer = python_server(&pki, "starttls", &[]);
    let log = HookLog::new(SSL_ERR_OKAY);
    // 1-3. socket + SO_SECURE (readable with getsockopt).
    let s = secure_socket();
    let mut v = 0u32;
    let mut len: c_int = 4;
    assert_eq!(
        unsafe {
            wstls_getsockopt(
                s,
                wsa::SOL_SOCKET,
                wsa::SO_SECURE,
                &mut v as *mut u32 as *mut c_char,
                &mut len,
            )
        },
        0
    );
    assert_eq!(v, wsa::SO_SEC_SSL);
    // 4. the hook.
    assert_eq!(set_hook(s, recording_hook, log.arg()), 0);
    // 5. the peer name.
    if let Some(n) = peer_name {
        assert_eq!(set_peer_name(s, n), 0, "{}", last_message());
    }
    // 6. deferred.
    assert_eq!(set_flags(s, SSL_FLAG_DEFER_HANDSHAKE), 0);
    // 7. plain TCP connect.
    assert_eq!(connect(s, peer.port), 0, "{}", last_message());
    assert_eq!(log.calls.load(Ordering::SeqCst), 0, "no handshake yet");
    // 8. plaintext exchange.
    send_all(s, b"STARTTLS\r\n");
    assert_eq!(recv_n(s, 13), b"OK STARTTLS\r\n");
    // 9. the handshake.
    assert_eq!(
        perform_handshake(s, name_for_handshake),
        0,
        "{}",
        last_message()
    );
    // 10. the hook ran once (untrusted chain: ISSUER_UNKNOWN), and its OK completed the handshake.
    assert_eq!(log.only().flags, SSL_CERT_FLAG_ISSUER_UNKNOWN);
    // 11-12. encrypted send/recv, more than one record each way.
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    send_all(s, &big);
    assert_eq!(recv_n(s, big.len()), big);
    let ci = conn_info(s);
    assert!(ci.dwProtocol == SP_PROT_TLS1_3_CLIENT || ci.dwProtocol == SP_PROT_TLS1_2_CLIENT);
    // 13. closesocket (sends close_notify).
    close(s);
    assert_eq!(peer.result(), "CLEAN");
}

#[test]
fn deferred_handshake_name_with_nul() {
    deferred_starttls(Some(b"localhost\0"), None);
}

#[test]
fn deferred_handshake_name_without_nul() {
    deferred_starttls(Some(b"localhost"), None);
}

#[test]
fn deferred_handshake_no_name_uses_peername() {
    deferred_starttls(None, Some(b"localhost"));
}

#[test]
fn deferred_handshake_no_name_at_all() {
    deferred_starttls(None, None);
}

#[test]
fn deferred_handshake_name_replaces_peername() {
    // The name given to SO_SSL_PERFORM_HANDSHAKE replaces the earlier, wrong one (trusted CA,
    // so any flag would come from the name).
    let pki = Pki::new("replace");
    pki.trust();
    let peer = python_server(&pki, "starttls", &[]);
    let log = HookLog::new(SSL_ERR_OKAY);
    let s = secure_socket();
    assert_eq!(set_hook(s, recording_hook, log.arg()), 0);
    assert_eq!(set_peer_name(s, b"wrong.example"), 0);
    assert_eq!(set_flags(s, SSL_FLAG_DEFER_HANDSHAKE), 0);
    assert_eq!(connect(s, peer.port), 0);
    send_all(s, b"STARTTLS\r\n");
    assert_eq!(recv_n(s, 13), b"OK STARTTLS\r\n");
    assert_eq!(
        perform_handshake(s, Some(b"127.0.0.1\0")),
        0,
        "{}",
        last_message()
    );
    assert_eq!(
        log.only().flags,
        0,
        "trusted chain, and 127.0.0.1 is in the SAN"
    );
    close(s);
}

#[test]
fn deferred_handshake_against_rustls_peer_with_pq_key_exchange() {
    // The rustls peer supports X25519MLKEM768; wstls (rustls defaults) offers it first.
    let pki = Pki::new("pq");
    pki.trust();
    let (tx, rx) = std::sync::mpsc::channel();
    let (port, h) = rustls_server(&pki, true, move |conn, tcp| {
        let _ = tx.send(
            conn.negotiated_key_exchange_group()
                .map(|g| format!("{:?}", g.name())),
        );
        let mut buf = [0u8; 5];
        let mut got = 0;
        while got < 5 {
            if let Ok(n) = conn.reader().read(&mut buf[got..]) {
                got += n;
                continue;
            }
            conn.complete_io(tcp).unwrap();
        }
        conn.writer().write_all(&buf).unwrap();
        conn.send_close_notify();
        conn.complete_io(tcp).unwrap();
    });
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(set_flags(s, SSL_FLAG_DEFER_HANDSHAKE), 0);
    assert_eq!(connect(s, port), 0);
    send_all(s, b"STARTTLS\r\n");
    assert_eq!(recv_n(s, 13), b"OK STARTTLS\r\n");
    assert_eq!(perform_handshake(s, None), 0, "{}", last_message());
    send_all(s, b"abcde");
    assert_eq!(recv_n(s, 5), b"abcde");
    let mut b = [0u8; 8];
    assert_eq!(
        recv_once(s, &mut b),
        0,
        "the peer's close_notify is a clean end"
    );
    assert_eq!(rx.recv().unwrap().as_deref(), Some("X25519MLKEM768"));
    let ci = conn_info(s);
    assert_eq!(ci.dwProtocol, SP_PROT_TLS1_3_CLIENT);
    assert_eq!(ci.aiExch, CALG_ECDH_EPHEM);
    close(s);
    h.join().unwrap();
}

// ---------------------------------------------------------------------------------------------
// Protocols and connection info
// ---------------------------------------------------------------------------------------------

#[test]
fn tls12_only_openssl_server() {
    let pki = Pki::new("tls12");
    pki.trust();
    let peer = openssl_server(&pki, &["-tls1_2"]);
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), 0, "{}", last_message());
    let ci = conn_info(s);
    assert_eq!(ci.dwProtocol, SP_PROT_TLS1_2_CLIENT);
    assert!(
        ci.aiCipher == CALG_AES_128
            || ci.aiCipher == CALG_AES_256
            || ci.aiCipher == CALG_WSTLS_CHACHA20_POLY1305
    );
    send_all(s, b"abc\n");
    assert_eq!(recv_n(s, 4), b"cba\n", "openssl s_server -rev");
    close(s);
}

#[test]
fn connection_info_of_tls13_aes_gcm_with_openssl() {
    let pki = Pki::new("gcm");
    pki.trust();
    let peer = openssl_server(
        &pki,
        &["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"],
    );
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), 0, "{}", last_message());
    let ci = conn_info(s);
    assert_eq!(ci.dwProtocol, SP_PROT_TLS1_3_CLIENT);
    assert_eq!((ci.aiCipher, ci.dwCipherStrength), (CALG_AES_256, 256));
    assert_eq!((ci.aiHash, ci.dwHashStrength), (CALG_SHA_384, 384));
    assert_eq!(ci.aiExch, CALG_ECDH_EPHEM);
    assert!(ci.dwExchStrength >= 255);
    send_all(s, b"hello openssl\n");
    assert_eq!(recv_n(s, 14), b"lssnepo olleh\n");
    close(s);
}

/// ChaCha20-Poly1305 records (wstls's AVX-512 code where the CPU has it, tls::chacha) against
/// OpenSSL's, TLS 1.3 and 1.2, with lines long enough to fill whole 16 KiB records and odd
/// sizes that end in partial blocks, both directions (`s_server -rev` echoes reversed lines).
#[test]
fn chacha20_poly1305_records_with_openssl() {
    let pki = Pki::new("chacha");
    pki.trust();
    let cases: [&[&str]; 2] = [
        &["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
        &[
            "-tls1_2",
            "-cipher",
            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
        ],
    ];
    for args in cases {
        let peer = openssl_server(&pki, args);
        let s = secure_socket();
        assert_eq!(set_peer_name(s, b"localhost"), 0);
        assert_eq!(connect(s, peer.port), 0, "{args:?}: {}", last_message());
        let ci = conn_info(s);
        assert_eq!(ci.aiCipher, CALG_WSTLS_CHACHA20_POLY1305, "{args:?}");
        // `s_server -rev` reverses lines of up to 16 KiB - 1 bytes; several lines in one send
        // make whole 16 KiB records on the way out.
        for (len, count) in [
            (1usize, 1),
            (63, 1),
            (64, 1),
            (1023, 1),
            (1024, 1),
            (1025, 1),
        ]
        .into_iter()
        .chain([(5000, 1), (8000, 5), (16000, 3), (2999, 11)])
        {
            let line: Vec<u8> = (0..len).map(|i| b'a' + (i * 7 % 26) as u8).collect();
            let mut msg = Vec::new();
            let mut want = Vec::new();
            for _ in 0..count {
                msg.extend_from_slice(&line);
                msg.push(b'\n');
                want.extend(line.iter().rev());
                want.push(b'\n');
            }
            send_all(s, &msg);
            let got = recv_n(s, want.len());
            assert!(
                got == want,
                "{args:?}: {count} line(s) of {len} came back altered"
            );
        }
        close(s);
    }
}

#[test]
fn set_protocols_tls1_means_tls12_and_13_and_ssl_is_refused() {
    let s = secure_socket();
    // GET: the default is one SSL_PROTOCOL_TLS1 entry (dwVersion 0: TLS 1.2 and 1.3).
    let mut out = [0u8; 16];
    let mut n = 0u32;
    assert_eq!(
        ioctl(
            s,
            SO_SSL_GET_PROTOCOLS,
            std::ptr::null(),
            0,
            out.as_mut_ptr() as *mut c_void,
            16,
            Some(&mut n)
        ),
        0
    );
    assert_eq!(n, 16);
    assert_eq!(&out[..12], &[1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]);
    // SSL 3.0 alone: refused clearly.
    let p = SSLPROTOCOLS {
        dwCount: 1,
        ProtocolList: [SSLPROTOCOL {
            dwProtocol: SSL_PROTOCOL_SSL3,
            dwVersion: 0,
            dwFlags: 0,
        }],
    };
    assert_eq!(
        ioctl(
            s,
            SO_SSL_SET_PROTOCOLS,
            &p as *const _ as *const c_void,
            16,
            std::ptr::null_mut(),
            0,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEOPNOTSUPP);
    assert!(last_message().contains("SSL 3.0"), "{}", last_message());
    // dwCount larger than the buffer: WSAEFAULT; dwCount 0: WSAEINVAL.
    let mut two = [0u8; 28];
    two[0] = 2;
    two[4] = 4;
    assert_eq!(
        ioctl(
            s,
            SO_SSL_SET_PROTOCOLS,
            two.as_ptr() as *const c_void,
            16,
            std::ptr::null_mut(),
            0,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEFAULT);
    two[16] = 3; // second entry: SSL3 (ignored next to TLS1)
    assert_eq!(
        ioctl(
            s,
            SO_SSL_SET_PROTOCOLS,
            two.as_ptr() as *const c_void,
            28,
            std::ptr::null_mut(),
            0,
            None
        ),
        0,
        "{}",
        last_message()
    );
    let zero = [0u8; 16];
    assert_eq!(
        ioctl(
            s,
            SO_SSL_SET_PROTOCOLS,
            zero.as_ptr() as *const c_void,
            16,
            std::ptr::null_mut(),
            0,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEINVAL);
    // wstls extension: dwVersion 0x0303 restricts to TLS 1.2; GET reports it back.
    let p = SSLPROTOCOLS {
        dwCount: 1,
        ProtocolList: [SSLPROTOCOL {
            dwProtocol: SSL_PROTOCOL_TLS1,
            dwVersion: WSTLS_TLS_VERSION_1_2,
            dwFlags: 0,
        }],
    };
    assert_eq!(
        ioctl(
            s,
            SO_SSL_SET_PROTOCOLS,
            &p as *const _ as *const c_void,
            16,
            std::ptr::null_mut(),
            0,
            None
        ),
        0
    );
    let mut got = SSLPROTOCOLS {
        dwCount: 0,
        ProtocolList: [SSLPROTOCOL {
            dwProtocol: 0,
            dwVersion: 0,
            dwFlags: 0,
        }],
    };
    assert_eq!(
        ioctl(
            s,
            SO_SSL_GET_PROTOCOLS,
            std::ptr::null(),
            0,
            &mut got as *mut _ as *mut c_void,
            16,
            None
        ),
        0
    );
    assert_eq!(
        (
            got.dwCount,
            got.ProtocolList[0].dwProtocol,
            got.ProtocolList[0].dwVersion
        ),
        (1, SSL_PROTOCOL_TLS1, 0x0303)
    );
    close(s);

    // And it holds against a TLS 1.3-only server: TLS 1.2 is all we offer, so the handshake fails.
    let pki = Pki::new("tls12only-client");
    pki.trust();
    let peer = openssl_server(&pki, &["-tls1_3"]);
    let s = secure_socket();
    assert_eq!(
        ioctl(
            s,
            SO_SSL_SET_PROTOCOLS,
            &p as *const _ as *const c_void,
            16,
            std::ptr::null_mut(),
            0,
            None
        ),
        0
    );
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAECONNABORTED);
    close(s);
}

// ---------------------------------------------------------------------------------------------
// Closing: close_notify versus truncation
// ---------------------------------------------------------------------------------------------

#[test]
fn recv_returns_zero_after_close_notify() {
    let pki = Pki::new("closenotify");
    pki.trust();
    let mut peer = python_server(&pki, "send", &["--data", "last words"]);
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), 0, "{}", last_message());
    assert_eq!(recv_n(s, 10), b"last words");
    let mut b = [0u8; 16];
    assert_eq!(recv_once(s, &mut b), 0, "close_notify: a clean end");
    assert_eq!(recv_once(s, &mut b), 0, "and stays at 0");
    close(s); // answers with our close_notify, which the peer waits for
    assert_eq!(peer.result(), "SENT");
}

#[test]
fn recv_fails_when_the_peer_truncates() {
    let pki = Pki::new("truncate");
    pki.trust();
    let mut peer = python_server(&pki, "truncate", &["--data", "cut short"]);
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), 0, "{}", last_message());
    assert_eq!(recv_n(s, 9), b"cut short");
    let mut b = [0u8; 16];
    assert_eq!(
        recv_once(s, &mut b),
        SOCKET_ERROR,
        "no close_notify: an error, not 0"
    );
    assert_eq!(last_error(), wsa::WSAECONNRESET);
    assert!(
        last_message().contains("close_notify"),
        "{}",
        last_message()
    );
    assert_eq!(peer.result(), "TRUNCATED");
    close(s);
}

#[test]
fn shutdown_sd_send_sends_close_notify() {
    let pki = Pki::new("shutdown");
    pki.trust();
    let mut peer = python_server(&pki, "echo", &[]);
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), 0, "{}", last_message());
    send_all(s, b"half");
    assert_eq!(recv_n(s, 4), b"half");
    assert_eq!(wstls_shutdown(s, wsa::SD_SEND), 0, "{}", last_message());
    assert_eq!(peer.result(), "CLEAN", "the peer saw close_notify");
    let mut b = [0u8; 4];
    assert_eq!(recv_once(s, &mut b), 0, "and answered with its own");
    close(s);
}

// ---------------------------------------------------------------------------------------------
// States, buffers, unsupported codes, timeouts
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_state_calls_give_defined_errors() {
    let pki = Pki::new("states");
    pki.trust();
    let peer = python_server(&pki, "echo", &[]);
    let s = secure_socket();
    // Handshake before connect.
    assert_eq!(perform_handshake(s, Some(b"localhost")), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAENOTCONN);
    // Connection info before any handshake.
    let mut ci = [0u8; 28];
    assert_eq!(
        ioctl(
            s,
            SO_SSL_GET_CONNECTION_INFO,
            std::ptr::null(),
            0,
            ci.as_mut_ptr() as *mut c_void,
            28,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAENOTCONN);
    assert_eq!(set_flags(s, SSL_FLAG_DEFER_HANDSHAKE), 0);
    assert_eq!(connect(s, peer.port), 0);
    assert_eq!(
        perform_handshake(s, Some(b"localhost")),
        0,
        "{}",
        last_message()
    );
    // Twice.
    assert_eq!(perform_handshake(s, Some(b"localhost")), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAEISCONN);
    // Peer name, hook, flags after the handshake.
    assert_eq!(set_peer_name(s, b"localhost"), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAEISCONN);
    let log = HookLog::new(0);
    assert_eq!(set_hook(s, recording_hook, log.arg()), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAEISCONN);
    assert_eq!(set_flags(s, 0), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAEISCONN);
    // SO_SECURE after connect.
    let dw: u32 = wsa::SO_SEC_NONE;
    assert_eq!(
        unsafe {
            wstls_setsockopt(
                s,
                wsa::SOL_SOCKET,
                wsa::SO_SECURE,
                &dw as *const u32 as *const c_char,
                4,
            )
        },
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEISCONN);
    close(s);

    // A non-deferred secure socket: connect did the handshake, PERFORM_HANDSHAKE would be a second one.
    let peer = python_server(&pki, "echo", &[]);
    let s = secure_socket();
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, peer.port), 0);
    assert_eq!(perform_handshake(s, None), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAEISCONN);
    close(s);

    // SO_SSL_* setters on a socket that is not secure.
    startup();
    let p = wstls_socket(wsa::AF_INET, wsa::SOCK_STREAM, 0);
    assert_eq!(set_flags(p, SSL_FLAG_DEFER_HANDSHAKE), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAEINVAL);
    assert!(last_message().contains("SO_SECURE"));
    let mut v = 1u32;
    let mut len: c_int = 4;
    assert_eq!(
        unsafe {
            wstls_getsockopt(
                p,
                wsa::SOL_SOCKET,
                wsa::SO_SECURE,
                &mut v as *mut u32 as *mut c_char,
                &mut len,
            )
        },
        0
    );
    assert_eq!(v, wsa::SO_SEC_NONE);
    close(p);
}

#[test]
fn bad_buffers_give_wsaefault_or_wsaeinval() {
    let s = secure_socket();
    let two = [0u8; 2];
    // Input too short / NULL.
    assert_eq!(
        ioctl(
            s,
            SO_SSL_SET_FLAGS,
            two.as_ptr() as *const c_void,
            2,
            std::ptr::null_mut(),
            0,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEFAULT);
    assert_eq!(
        ioctl(
            s,
            SO_SSL_SET_FLAGS,
            std::ptr::null(),
            4,
            std::ptr::null_mut(),
            0,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEFAULT);
    assert_eq!(
        ioctl(
            s,
            SO_SSL_SET_VALIDATE_CERT_HOOK,
            two.as_ptr() as *const c_void,
            8,
            std::ptr::null_mut(),
            0,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(
        last_error(),
        wsa::WSAEFAULT,
        "SSLVALIDATECERTHOOK is 16 bytes on LP64"
    );
    assert_eq!(
        ioctl(
            s,
            SO_SSL_SET_PEERNAME,
            std::ptr::null(),
            9,
            std::ptr::null_mut(),
            0,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEFAULT);
    // Output too short.
    let mut out = [0u8; 27];
    assert_eq!(
        ioctl(
            s,
            SO_SSL_GET_CAPABILITIES,
            std::ptr::null(),
            0,
            out.as_mut_ptr() as *mut c_void,
            3,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEFAULT);
    assert_eq!(
        ioctl(
            s,
            SO_SSL_GET_PROTOCOLS,
            std::ptr::null(),
            0,
            out.as_mut_ptr() as *mut c_void,
            12,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEFAULT);
    // Bad values.
    assert_eq!(set_flags(s, 0x1), SOCKET_ERROR, "no flag 0x1 in CE");
    assert_eq!(last_error(), wsa::WSAEINVAL);
    assert_eq!(set_peer_name(s, b"\0"), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAEINVAL);
    assert_eq!(set_peer_name(s, b"bad name with spaces"), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAEINVAL);
    // Good ones, with an exact-size output.
    let mut caps = 0u32;
    let mut n = 0u32;
    assert_eq!(
        ioctl(
            s,
            SO_SSL_GET_CAPABILITIES,
            std::ptr::null(),
            0,
            &mut caps as *mut u32 as *mut c_void,
            4,
            Some(&mut n)
        ),
        0
    );
    assert_eq!((caps, n), (SSL_CAP_CLIENT | SSL_CAP_SERVER, 4));
    assert_eq!(set_flags(s, SSL_FLAG_DEFER_HANDSHAKE), 0);
    let mut f = 0u32;
    assert_eq!(
        ioctl(
            s,
            SO_SSL_GET_FLAGS,
            std::ptr::null(),
            0,
            &mut f as *mut u32 as *mut c_void,
            4,
            None
        ),
        0
    );
    assert_eq!(f, SSL_FLAG_DEFER_HANDSHAKE);
    // The hook round-trips through GET.
    let log = HookLog::new(0);
    assert_eq!(set_hook(s, recording_hook, log.arg()), 0);
    let mut h = SSLVALIDATECERTHOOK {
        HookFunc: None,
        pvArg: std::ptr::null_mut(),
    };
    assert_eq!(
        ioctl(
            s,
            SO_SSL_GET_VALIDATE_CERT_HOOK,
            std::ptr::null(),
            0,
            &mut h as *mut _ as *mut c_void,
            16,
            None
        ),
        0
    );
    assert_eq!(
        h.HookFunc.map(|f| f as *const () as usize),
        Some(recording_hook as *const () as usize)
    );
    assert_eq!(h.pvArg, log.arg());
    close(s);
}

#[test]
fn codes_not_emulated_say_so() {
    let s = secure_socket();
    let buf = [0u8; 64];
    for code in [
        SO_SSL_SET_CIPHERS,
        SO_SSL_GET_CIPHERS,
        SO_SSL_SET_AUTH_REQUEST_HOOK,
        SO_SSL_GET_AUTH_REQUEST_HOOK,
        SO_SSL_SET_KEY_EXCH_HOOK,
        SO_SSL_GET_KEY_EXCH_HOOK,
        SO_SSL_SET_SIGNATURE_HOOK,
        SO_SSL_GET_SIGNATURE_HOOK,
        SO_SSL_SET_CLIENT_OPTS,
        SO_SSL_GET_CLIENT_OPTS,
        SO_SSL_SET_SERVER_OPTS,
        SO_SSL_GET_SERVER_OPTS,
        SO_SSL_SET_CLIENT_AUTH_OPTS,
        SO_SSL_GET_CLIENT_AUTH_OPTS,
    ] {
        let mut out = [0u8; 64];
        assert_eq!(
            ioctl(
                s,
                code,
                buf.as_ptr() as *const c_void,
                64,
                out.as_mut_ptr() as *mut c_void,
                64,
                None
            ),
            SOCKET_ERROR
        );
        assert_eq!(last_error(), wsa::WSAEOPNOTSUPP, "{code:#x}");
        assert!(
            last_message().contains("not supported by wstls"),
            "{}",
            last_message()
        );
    }
    // A code of the SSL family that CE never defined (tag 0x0C).
    assert_eq!(
        ioctl(
            s,
            0x1073_000C,
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
            0,
            None
        ),
        SOCKET_ERROR
    );
    assert_eq!(last_error(), wsa::WSAEINVAL);
    close(s);
}

#[test]
fn rcvtimeo_bounds_the_handshake() {
    // A peer that accepts TCP and never answers the ClientHello.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (c, _) = l.accept().unwrap();
        let mut b = [0u8; 4096];
        let mut c2 = &c;
        // Read the ClientHello, answer nothing, until the client gives up and closes.
        while let Ok(n) = c2.read(&mut b) {
            if n == 0 {
                break;
            }
        }
    });
    let s = secure_socket();
    let ms: u32 = 300;
    assert_eq!(
        unsafe {
            wstls_setsockopt(
                s,
                wsa::SOL_SOCKET,
                wsa::SO_RCVTIMEO,
                &ms as *const u32 as *const c_char,
                4,
            )
        },
        0
    );
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(connect(s, port), SOCKET_ERROR);
    assert_eq!(last_error(), wsa::WSAETIMEDOUT);
    close(s);
    h.join().unwrap();
}

/// A server that presents the CA-signed leaf but signs the handshake with another key.
#[derive(Debug)]
struct WrongKey(Arc<rustls::sign::CertifiedKey>);

impl rustls::server::ResolvesServerCert for WrongKey {
    fn resolve(
        &self,
        _: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }
}

#[test]
fn the_hook_cannot_waive_proof_of_key_possession() {
    use rustls::pki_types::pem::PemObject;
    let pki = Pki::new("wrongkey");
    pki.trust();
    let other = rcgen::KeyPair::generate().unwrap();
    let key =
        rustls::pki_types::PrivateKeyDer::from_pem_slice(other.serialize_pem().as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let signer = provider.key_provider.load_private_key(key).unwrap();
    // CertifiedKey::new does not check that the key matches the certificate.
    let ck = Arc::new(rustls::sign::CertifiedKey::new(
        vec![pki.leaf_der.clone().into()],
        signer,
    ));
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(WrongKey(ck)));
    let (port, h) = rustls_server_with(Arc::new(cfg), false, |_, _| {});
    let log = HookLog::new(SSL_ERR_OKAY); // accepts anything
    let s = secure_socket();
    assert_eq!(set_hook(s, recording_hook, log.arg()), 0);
    assert_eq!(set_peer_name(s, b"localhost"), 0);
    assert_eq!(
        connect(s, port),
        SOCKET_ERROR,
        "a bad handshake signature must fail even though the hook accepted"
    );
    assert_eq!(last_error(), wsa::WSAECONNABORTED);
    assert_eq!(
        log.only().flags,
        0,
        "the chain and name are fine; only the signature is wrong"
    );
    close(s);
    h.join().unwrap();
}
