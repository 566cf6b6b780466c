//! cargo-fuzz target: ISC/ASC token input, DecryptMessage and control tokens (see
//! sspi_tokens_driver.rs). Run with `cargo fuzz run sspi_tokens` from the repository root.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;

#[path = "sspi_tokens_driver.rs"]
mod driver;

fn env() -> &'static Mutex<driver::Env> {
    static ENV: OnceLock<Mutex<driver::Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let (c, k) = (cert.pem(), key.serialize_pem());
        let ctx = unsafe {
            wstls::ffi::crypt::wstls_cert_context_from_pem(
                c.as_ptr() as *const _,
                c.len() as u32,
                k.as_ptr() as *const _,
                k.len() as u32,
            )
        };
        assert!(!ctx.is_null());
        Mutex::new(unsafe { driver::Env::new(ctx) })
    })
}

fuzz_target!(|data: &[u8]| {
    let mut e = env().lock().unwrap();
    driver::run(&mut e, data);
});
