//! Builds the SSPI C programs in c-tests/ (as C11, C99 and C++, `-Wall -Wextra -Werror`, with the
//! compat headers) against the library and runs them. A bridge until the ctest suite runs them.
mod sspi_common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The library built next to this test binary (target/<profile>/libwstls.so). `cargo test`
/// does not refresh the cdylib, so it is built here first (once per run).
fn lib_dir() -> PathBuf {
    static BUILT: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    BUILT.get_or_init(|| {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "--lib", "--manifest-path"])
            .arg(root().join("Cargo.toml"));
        if dir.ends_with("release") {
            cmd.arg("--release");
        }
        let st = cmd.status().expect("cargo");
        assert!(st.success(), "cargo build --lib failed");
    });
    dir
}

/// `-I` options: the compat headers and the generated header.
fn includes() -> Vec<String> {
    vec![
        format!("-I{}", root().join("include/compat").display()),
        format!("-I{}", root().join("include").display()),
    ]
}

fn build_and_run(src: &str, args: &[&Path], envs: &[(&str, &Path)]) {
    let lib = lib_dir();
    assert!(
        lib.join("libwstls.so").exists(),
        "libwstls.so not built in {}",
        lib.display()
    );
    for (compiler, flags) in [
        ("gcc", &["-std=c11"][..]),
        ("gcc", &["-std=c99"]),
        ("g++", &["-x", "c++", "-std=c++17"]),
    ] {
        let out = std::env::temp_dir().join(format!(
            "wstls-{}-{}-{}",
            src.replace('/', "_"),
            compiler,
            std::process::id()
        ));
        let st = Command::new(compiler)
            .args(flags)
            .args(["-Wall", "-Wextra", "-Werror"])
            .args(includes())
            .arg(root().join(src))
            .arg("-o")
            .arg(&out)
            .arg(format!("-L{}", lib.display()))
            .arg("-lwstls")
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .output()
            .expect("a C compiler");
        assert!(
            st.status.success(),
            "{compiler} {flags:?} {src}:\n{}",
            String::from_utf8_lossy(&st.stderr)
        );
        let mut cmd = Command::new(&out);
        cmd.args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let r = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&r.stdout);
        assert!(
            r.status.success() && text.contains(": OK"),
            "{src} ({compiler} {flags:?}) failed:\n{text}\n{}",
            String::from_utf8_lossy(&r.stderr)
        );
        let _ = std::fs::remove_file(&out);
    }
}

#[test]
fn c_headers() {
    build_and_run("c-tests/sspi_headers.c", &[], &[]);
}

#[test]
fn c_client_server_loop() {
    let pki = sspi_common::pki();
    let ca = pki.ca_file();
    build_and_run(
        "c-tests/sspi_loop.c",
        &[&pki.dir],
        &[("WSTLS_CA_FILE", &ca)],
    );
}

/// The SSPI headers next to the Winsock headers and the C/POSIX (and C++) standard headers, in
/// several orders and modes (compile only): curl includes them all in one translation unit.
#[test]
fn c_header_combinations() {
    let sys = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <sys/socket.h>\n#include <netdb.h>\n#include <pthread.h>\n";
    let sspi = "#define SECURITY_WIN32\n#define SCHANNEL_USE_BLACKLISTS\n#include <subauth.h>\n#include <security.h>\n#include <sspi.h>\n#include <schannel.h>\n#include <wincrypt.h>\n";
    let win = "#include <windows.h>\n#include <winsock2.h>\n#include <ws2tcpip.h>\n";
    let body = "int main(void) { CredHandle c; SecInvalidateHandle(&c); SCH_CREDENTIALS s; (void)s; PCCERT_CONTEXT p = NULL; (void)p; \
                return SecIsValidHandle(&c) ? (int)SEC_E_OK : (int)(InitSecurityInterface() == NULL); }\n";
    let cases: Vec<(String, &[&str])> = vec![
        (format!("{sys}{win}{sspi}{body}"), &["-std=c11"]),
        (format!("{win}{sspi}{sys}{body}"), &["-std=gnu99"]),
        (
            format!("#define WIN32_LEAN_AND_MEAN\n{win}{sspi}{body}"),
            &["-std=c11"],
        ),
        (format!("{sspi}{win}{body}"), &["-std=c11"]),
        (
            format!("#define UNICODE\n#define _UNICODE\n{win}{sspi}{sys}{body}"),
            &["-std=c11", "-fshort-wchar"],
        ),
        (
            format!("{sys}{win}{sspi}#include <iostream>\n{body}"),
            &["-x", "c++", "-std=c++17"],
        ),
        (
            format!("#define UNICODE\n{win}{sspi}{body}"),
            &["-x", "c++", "-std=c++11", "-fshort-wchar"],
        ),
        (
            format!("{sspi}{sys}{body}"),
            &["-O2", "-D_FORTIFY_SOURCE=2", "-std=c11"],
        ),
    ];
    for (i, (src, flags)) in cases.iter().enumerate() {
        let path =
            std::env::temp_dir().join(format!("wstls-sspi-headers-{}-{i}.c", std::process::id()));
        std::fs::write(&path, src).unwrap();
        let out = Command::new("gcc")
            .args(*flags)
            .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
            .args(includes())
            .arg(&path)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(
            out.status.success(),
            "case {i} {flags:?}:\n{src}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The committed SSPI headers are what tools/gen_sspi_headers.py generates (edit the generator,
/// not the headers).
#[test]
fn generated_headers_are_current() {
    let out = std::env::temp_dir().join(format!("wstls-gen-headers-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let st = Command::new("python3")
        .arg(root().join("tools/gen_sspi_headers.py"))
        .current_dir(root())
        .env("WSTLS_HEADER_OUT", &out)
        .output()
        .expect("python3");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    for h in [
        "sspi.h",
        "security.h",
        "schannel.h",
        "wincrypt.h",
        "subauth.h",
    ] {
        let fresh = std::fs::read_to_string(out.join(h)).unwrap();
        let committed = std::fs::read_to_string(root().join("include/compat").join(h)).unwrap();
        assert!(
            fresh == committed,
            "include/compat/{h} differs from tools/gen_sspi_headers.py output: regenerate it"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}
