//! Generates `include/wstls.h` from the Rust sources with cbindgen.
//!
//! The header is committed; `tests/header.rs` fails when the committed copy differs from a
//! fresh generation, so a change to an exported signature always shows up in review.
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=WSTLS_SKIP_HEADER");
    if std::env::var_os("WSTLS_SKIP_HEADER").is_some() {
        return;
    }
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml must parse");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            // Written to OUT_DIR only. `tests/header.rs` compares it with the committed
            // include/wstls.h and, run with WSTLS_BLESS=1, refreshes the committed copy.
            bindings.write_to_file(out_dir.join("wstls.h"));
        }
        Err(e) => {
            println!("cargo:warning=cbindgen failed: {e}");
        }
    }
}
