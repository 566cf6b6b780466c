//! The TLS engine shared by every face: crypto provider, trust roots, identities, the verifier
//! (webpki plus the CE hook or the Schannel flags), config builders and the sans-IO session.
pub mod chacha;
pub mod chacha_suite;
pub mod config;
#[cfg(feature = "aws-lc-rs")]
pub mod hkdf;
pub mod info;
pub mod record;
pub mod roots;
pub mod session;
pub mod verify;

use std::sync::Arc;

use once_cell::sync::Lazy;
use rustls::crypto::CryptoProvider;

/// The crypto provider: aws-lc-rs by default, ring with `--no-default-features --features ring`.
pub fn provider() -> Arc<CryptoProvider> {
    static P: Lazy<Arc<CryptoProvider>> = Lazy::new(|| {
        // TLS 1.3 key derivation with HMAC keys prepared once (tls::hkdf; docs/performance.md).
        #[cfg(feature = "aws-lc-rs")]
        let p = hkdf::with_prepared_hkdf(rustls::crypto::aws_lc_rs::default_provider());
        #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
        let p = rustls::crypto::ring::default_provider();
        // ChaCha20-Poly1305 records with AVX-512 where the CPU has it (tls::chacha).
        let p = chacha_suite::with_fast_chacha(p);
        Arc::new(p)
    });
    P.clone()
}

/// Leaks `v` for the process's lifetime (rustls wants `&'static` suites) and keeps its address
/// in a static list, so that a suite a later step of [`provider`] replaces stays reachable:
/// leak checkers (LeakSanitizer, valgrind) report only what nothing points to. A handful of
/// suites, built once per process.
pub(crate) fn leak<T: 'static>(v: T) -> &'static T {
    static KEPT: Lazy<std::sync::Mutex<Vec<usize>>> = Lazy::new(Default::default);
    let r: &'static T = Box::leak(Box::new(v));
    KEPT.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(r as *const T as usize);
    r
}
