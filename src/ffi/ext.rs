//! wstls's own extensions shared by every face: run-time trust roots.
use std::os::raw::{c_char, c_int};

use super::{ptr, wsa_guard};
use crate::error::Error;
use crate::tls::roots;
use crate::win::wsa::SOCKET_ERROR;

/// wstls extension: adds every CA certificate of a PEM file to the process trust roots (used
/// with the system store and `WSTLS_CA_FILE` by every connection made afterwards). Returns the
/// number of certificates added, or `SOCKET_ERROR`: `WSAEFAULT` for NULL, `WSAEINVAL` when the
/// file cannot be read or holds no usable certificate (the reason is in
/// `wstls_last_error_message()`).
#[no_mangle]
pub unsafe extern "C" fn wstls_add_trusted_ca_file(path: *const c_char) -> c_int {
    wsa_guard("wstls_add_trusted_ca_file", SOCKET_ERROR, || {
        let p = ptr::c_str(path, "wstls_add_trusted_ca_file: path")?;
        let certs = roots::load_pem_certs_file(std::path::Path::new(p))
            .map_err(|e| Error::inval(e.message))?;
        add(certs, p)
    })
}

/// wstls extension: adds the CA certificates of a PEM buffer (`len` bytes; a NUL terminator is
/// not needed) to the process trust roots. Returns the number added, or `SOCKET_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn wstls_add_trusted_ca_pem(pem: *const c_char, len: usize) -> c_int {
    wsa_guard("wstls_add_trusted_ca_pem", SOCKET_ERROR, || {
        if pem.is_null() || len == 0 {
            return Err(Error::fault("wstls_add_trusted_ca_pem: pem/len"));
        }
        let data = std::slice::from_raw_parts(pem as *const u8, len);
        let certs = roots::load_pem_certs(data)
            .map_err(|e| Error::inval(format!("wstls_add_trusted_ca_pem: {}", e.message)))?;
        add(certs, "the PEM buffer")
    })
}

fn add(
    certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    from: &str,
) -> crate::error::Result<c_int> {
    let n = roots::add(certs).map_err(|e| Error::inval(format!("{from}: {}", e.message)))?;
    log::debug!("added {n} trusted roots from {from}");
    Ok(n as c_int)
}
