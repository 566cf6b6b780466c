//! Trust roots: the system store, plus the PEM bundle in `WSTLS_CA_FILE`, plus roots added at
//! run time with `wstls_add_trusted_ca_file`/`wstls_add_trusted_ca_pem`.
use std::sync::{Arc, RwLock};

use once_cell::sync::Lazy;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

use crate::error::{Error, Kind, Result};

struct Roots {
    store: Arc<RootCertStore>,
    /// Bumped whenever roots are added, so cached configs can be rebuilt.
    generation: u64,
}

static ROOTS: Lazy<RwLock<Roots>> = Lazy::new(|| {
    RwLock::new(Roots {
        store: Arc::new(initial()),
        generation: 0,
    })
});

fn initial() -> RootCertStore {
    let mut store = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        log::warn!("system trust store: {e}");
    }
    let (added, ignored) = store.add_parsable_certificates(native.certs);
    log::debug!("system trust store: {added} roots ({ignored} unparsable ignored)");
    if let Some(path) = std::env::var_os("WSTLS_CA_FILE") {
        match load_pem_certs_file(std::path::Path::new(&path)) {
            Ok(certs) => {
                let (a, i) = store.add_parsable_certificates(certs);
                log::debug!("WSTLS_CA_FILE: {a} roots ({i} ignored)");
            }
            Err(e) => log::error!("WSTLS_CA_FILE={}: {}", path.to_string_lossy(), e),
        }
    }
    store
}

/// The current trust roots and their generation.
pub fn current() -> (Arc<RootCertStore>, u64) {
    let g = ROOTS.read().unwrap_or_else(|e| e.into_inner());
    (g.store.clone(), g.generation)
}

/// Adds certificates to the process trust roots; returns how many were added.
pub fn add(certs: Vec<CertificateDer<'static>>) -> Result<usize> {
    let mut g = ROOTS.write().unwrap_or_else(|e| e.into_inner());
    let mut store = (*g.store).clone();
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(Error::new(
            Kind::BadCertificate,
            "no usable CA certificate in the PEM data",
        ));
    }
    g.store = Arc::new(store);
    g.generation += 1;
    Ok(added)
}

/// Every `CERTIFICATE` block of a PEM file.
pub fn load_pem_certs_file(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>> {
    let data = std::fs::read(path).map_err(|e| {
        Error::new(
            Kind::BadCertificate,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    load_pem_certs(&data)
        .map_err(|e| Error::new(e.kind, format!("{}: {}", path.display(), e.message)))
}

/// Every `CERTIFICATE` block of PEM data.
pub fn load_pem_certs(data: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(data)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| {
            Error::new(
                Kind::BadCertificate,
                format!("bad PEM certificate data: {e}"),
            )
        })?;
    if certs.is_empty() {
        return Err(Error::new(
            Kind::BadCertificate,
            "no CERTIFICATE block in the PEM data",
        ));
    }
    Ok(certs)
}

/// A root store made of one PEM bundle (client CA lists and the like).
pub fn store_from_pem(data: &[u8]) -> Result<Arc<RootCertStore>> {
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(load_pem_certs(data)?);
    if added == 0 {
        return Err(Error::new(
            Kind::BadCertificate,
            "no usable CA certificate in the PEM data",
        ));
    }
    Ok(Arc::new(store))
}
