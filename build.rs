//! Generates `include/wstls.h` from the Rust sources with cbindgen, and gives the shared
//! library its SONAME.
//!
//! SONAME: `libwstls.so.<major>` (`libwstls.so.0` for 0.x; see docs/abi.md). Cargo writes the
//! library as `libwstls.so` only, so a symlink `libwstls.so.<major>` -> `libwstls.so` is made
//! next to it: programs linked with `-L target/release -lwstls` record `libwstls.so.0` and find
//! it there through `LD_LIBRARY_PATH` or an rpath. `cmake --install` installs the real file as
//! `libwstls.so.<version>` with both symlinks.
//!
//! The header is committed; `tests/header.rs` fails when the committed copy differs from a
//! fresh generation, so a change to an exported signature always shows up in review.
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=WSTLS_SKIP_HEADER");
    soname();
    avx512_cfg();
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

/// `-Wl,-soname,libwstls.so.<major>` for the cdylib on Linux, and the `libwstls.so.<major>`
/// symlink in the profile directory (`<target>/<profile>`, three levels above `OUT_DIR`).
fn soname() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    let soname = format!("libwstls.so.{major}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    if let Some(profile_dir) = out_dir.ancestors().nth(3) {
        let link = profile_dir.join(&soname);
        if std::fs::read_link(&link).ok().as_deref() != Some(std::path::Path::new("libwstls.so")) {
            let _ = std::fs::remove_file(&link);
            if let Err(e) = std::os::unix::fs::symlink("libwstls.so", &link) {
                println!("cargo:warning=cannot create {}: {e}", link.display());
            }
        }
    }
}

/// `cfg(wstls_avx512)` when the compiler has the AVX-512 intrinsics (stable since Rust 1.89):
/// the AVX-512 ChaCha20-Poly1305 in `src/tls/chacha.rs` is compiled only then (and used only
/// when the CPU has AVX-512F). Older compilers build the library without it.
fn avx512_cfg() {
    println!("cargo:rustc-check-cfg=cfg(wstls_avx512)");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = std::process::Command::new(rustc).arg("--version").output() else {
        return;
    };
    let v = String::from_utf8_lossy(&out.stdout);
    // "rustc 1.95.0 (...)"
    let minor = v
        .split_whitespace()
        .nth(1)
        .and_then(|ver| ver.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    if minor.is_some_and(|m| m >= 89) {
        println!("cargo:rustc-cfg=wstls_avx512");
    }
}
