//! crypt32 entry points for SSPI users: certificate contexts over DER bytes, in-memory
//! certificate stores, and wstls's extension that makes a context with its private key from
//! PEM (for `SCHANNEL_CRED.paCred`). Failures set the thread's last error (`GetLastError()` /
//! `WSAGetLastError()`) to a crypt32 `HRESULT` and the message for `wstls_last_error_message()`.
#![allow(non_snake_case)]

use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{self, Error, Kind, Result};
use crate::sspi::cert;
use crate::tls::config::Identity;
use crate::win::crypt::*;

/// The crypt32 code for an error.
fn crypt_code(e: &Error) -> i32 {
    match e.kind {
        Kind::Wsa(c) if c < 0 => c,
        Kind::BadCertificate => CRYPT_E_ASN1_BADTAG,
        Kind::NoCredentials => CRYPT_E_NOT_FOUND,
        _ => E_INVALIDARG,
    }
}

/// Runs a crypt32 entry point: `Err` sets the last error and returns `fail`.
fn crypt_guard<T>(name: &str, fail: T, f: impl FnOnce() -> Result<T>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            error::set_last(crypt_code(&e), &format!("{name}: {}", e.message));
            fail
        }
        Err(p) => {
            error::set_last(
                E_INVALIDARG,
                &format!(
                    "{name}: internal error (caught panic: {})",
                    error::panic_message(&*p)
                ),
            );
            fail
        }
    }
}

/// Makes a certificate context from DER bytes (`dwCertEncodingType` `X509_ASN_ENCODING`,
/// optionally with `PKCS_7_ASN_ENCODING`). The context has a parsed `pCertInfo` and lives in a
/// temporary store (`hCertStore`). Free it with `CertFreeCertificateContext`. NULL on failure
/// (`CRYPT_E_ASN1_BADTAG` for bytes that are not a certificate).
#[no_mangle]
pub unsafe extern "C" fn wstls_CertCreateCertificateContext(
    dwCertEncodingType: u32,
    pbCertEncoded: *const u8,
    cbCertEncoded: u32,
) -> *const CERT_CONTEXT {
    crypt_guard("CertCreateCertificateContext", std::ptr::null(), || {
        if pbCertEncoded.is_null() || cbCertEncoded == 0 {
            return Err(Error::new(Kind::Wsa(E_INVALIDARG), "no certificate bytes"));
        }
        let der = std::slice::from_raw_parts(pbCertEncoded, cbCertEncoded as usize);
        cert::create(dwCertEncodingType, der)
    })
}

/// Adds a reference to a certificate context and returns it (NULL stays NULL).
#[no_mangle]
pub unsafe extern "C" fn wstls_CertDuplicateCertificateContext(
    pCertContext: *const CERT_CONTEXT,
) -> *const CERT_CONTEXT {
    crypt_guard("CertDuplicateCertificateContext", std::ptr::null(), || {
        if pCertContext.is_null() {
            return Ok(std::ptr::null());
        }
        cert::duplicate(pCertContext).ok_or_else(|| {
            Error::new(
                Kind::Wsa(E_INVALIDARG),
                "not a live wstls certificate context",
            )
        })
    })
}

/// Drops a reference to a certificate context (the last one frees it, and its temporary store).
/// NULL is accepted. Returns TRUE, or FALSE for a pointer that is not a live wstls context.
#[no_mangle]
pub unsafe extern "C" fn wstls_CertFreeCertificateContext(
    pCertContext: *const CERT_CONTEXT,
) -> c_int {
    crypt_guard("CertFreeCertificateContext", 0, || {
        if pCertContext.is_null() || cert::free(pCertContext) {
            Ok(1)
        } else {
            Err(Error::new(
                Kind::Wsa(E_INVALIDARG),
                "not a live wstls certificate context",
            ))
        }
    })
}

/// Opens a certificate store: only `CERT_STORE_PROV_MEMORY` (`(LPCSTR)2`) is provided. Close it
/// with `CertCloseStore`. NULL on failure.
#[no_mangle]
pub unsafe extern "C" fn wstls_CertOpenStore(
    lpszStoreProvider: *const c_char,
    dwEncodingType: u32,
    hCryptProv: usize,
    dwFlags: u32,
    pvPara: *const c_void,
) -> *mut c_void {
    let _ = (dwEncodingType, hCryptProv, dwFlags, pvPara);
    crypt_guard("CertOpenStore", std::ptr::null_mut(), || {
        if lpszStoreProvider as usize != CERT_STORE_PROV_MEMORY {
            return Err(Error::new(
                Kind::Wsa(CRYPT_E_NOT_FOUND),
                "only memory stores (CERT_STORE_PROV_MEMORY) exist in wstls; trust roots come from the system store and WSTLS_CA_FILE",
            ));
        }
        Ok(cert::open_store())
    })
}

/// Closes a certificate store. Contexts still referenced keep it alive until they are freed
/// (with `CERT_CLOSE_STORE_CHECK_FLAG` that case returns FALSE with `CRYPT_E_PENDING_CLOSE`).
#[no_mangle]
pub unsafe extern "C" fn wstls_CertCloseStore(hCertStore: *mut c_void, dwFlags: u32) -> c_int {
    crypt_guard("CertCloseStore", 0, || {
        if hCertStore.is_null() {
            return Ok(1);
        }
        cert::close_store(hCertStore, dwFlags).map(|_| 1)
    })
}

/// Adds a DER certificate to a store (`CERT_STORE_ADD_NEW`, `_USE_EXISTING`,
/// `_REPLACE_EXISTING`, `_ALWAYS`, ...); `*ppCertContext` (if not NULL) receives the store's
/// context, which the caller frees.
#[no_mangle]
pub unsafe extern "C" fn wstls_CertAddEncodedCertificateToStore(
    hCertStore: *mut c_void,
    dwCertEncodingType: u32,
    pbCertEncoded: *const u8,
    cbCertEncoded: u32,
    dwAddDisposition: u32,
    ppCertContext: *mut *const CERT_CONTEXT,
) -> c_int {
    crypt_guard("CertAddEncodedCertificateToStore", 0, || {
        if pbCertEncoded.is_null() || cbCertEncoded == 0 {
            return Err(Error::new(Kind::Wsa(E_INVALIDARG), "no certificate bytes"));
        }
        let der = std::slice::from_raw_parts(pbCertEncoded, cbCertEncoded as usize);
        let r = cert::add_to_store(
            hCertStore,
            dwCertEncodingType,
            der,
            None,
            dwAddDisposition,
            !ppCertContext.is_null(),
        )?;
        if let Some(p) = r {
            *ppCertContext = p;
        }
        Ok(1)
    })
}

/// Adds a copy of a certificate context (with its private key, if it has one) to a store;
/// `*ppStoreContext` (if not NULL) receives the new context, which the caller frees.
#[no_mangle]
pub unsafe extern "C" fn wstls_CertAddCertificateContextToStore(
    hCertStore: *mut c_void,
    pCertContext: *const CERT_CONTEXT,
    dwAddDisposition: u32,
    ppStoreContext: *mut *const CERT_CONTEXT,
) -> c_int {
    crypt_guard("CertAddCertificateContextToStore", 0, || {
        let (der, identity) = cert::read_context(pCertContext)?;
        let enc = (*pCertContext).dwCertEncodingType;
        let r = cert::add_to_store(
            hCertStore,
            enc,
            &der,
            identity,
            dwAddDisposition,
            !ppStoreContext.is_null(),
        )?;
        if let Some(p) = r {
            *ppStoreContext = p;
        }
        Ok(1)
    })
}

/// Enumerates a store: pass NULL first, then the previous context (which this call frees).
/// Returns the next context (a new reference) or NULL at the end (last error
/// `CRYPT_E_NOT_FOUND`).
#[no_mangle]
pub unsafe extern "C" fn wstls_CertEnumCertificatesInStore(
    hCertStore: *mut c_void,
    pPrevCertContext: *const CERT_CONTEXT,
) -> *const CERT_CONTEXT {
    crypt_guard(
        "CertEnumCertificatesInStore",
        std::ptr::null(),
        || match cert::enum_store(hCertStore, pPrevCertContext)? {
            Some(p) => Ok(p),
            None => Err(Error::new(
                Kind::Wsa(CRYPT_E_NOT_FOUND),
                "no more certificates in the store",
            )),
        },
    )
}

unsafe fn pem_context(cert_pem: &[u8], key_pem: &[u8]) -> Result<*const CERT_CONTEXT> {
    let id = Identity::from_pem(cert_pem, key_pem)?;
    cert::create_with_identity(id)
}

/// wstls extension: makes a certificate context that carries its private key (and any
/// intermediate certificates) from PEM files, for `SCHANNEL_CRED.paCred` /
/// `SCH_CREDENTIALS.paCred` (server certificates and client certificates). `key_file` may be
/// NULL when the key is in `cert_file`. Free with `CertFreeCertificateContext`; NULL on failure
/// (see `wstls_last_error_message()`).
#[no_mangle]
pub unsafe extern "C" fn wstls_cert_context_from_pem_files(
    cert_file: *const c_char,
    key_file: *const c_char,
) -> *const CERT_CONTEXT {
    crypt_guard(
        "wstls_cert_context_from_pem_files",
        std::ptr::null(),
        || {
            let c = crate::ffi::ptr::c_str(cert_file, "cert_file")?;
            let k = if key_file.is_null() {
                c
            } else {
                crate::ffi::ptr::c_str(key_file, "key_file")?
            };
            let id = Identity::from_pem_files(c, k)?;
            cert::create_with_identity(id)
        },
    )
}

/// wstls extension: as [`wstls_cert_context_from_pem_files`] from PEM data in memory (the key
/// may be in the certificate data, with `key_pem` NULL).
#[no_mangle]
pub unsafe extern "C" fn wstls_cert_context_from_pem(
    cert_pem: *const c_char,
    cert_len: u32,
    key_pem: *const c_char,
    key_len: u32,
) -> *const CERT_CONTEXT {
    crypt_guard("wstls_cert_context_from_pem", std::ptr::null(), || {
        let c = crate::ffi::ptr::dword_bytes(cert_pem as *const u8, cert_len, "cert_pem")?;
        let k = if key_pem.is_null() {
            c
        } else {
            crate::ffi::ptr::dword_bytes(key_pem as *const u8, key_len, "key_pem")?
        };
        pem_context(c, k)
    })
}
