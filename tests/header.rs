//! The committed `include/wstls.h` must equal a fresh cbindgen generation.
//! Refresh it with `WSTLS_BLESS=1 cargo test --test header`.
#[test]
fn committed_header_is_current() {
    let fresh = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/wstls.h"))
        .expect("build.rs writes OUT_DIR/wstls.h");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/wstls.h");
    if std::env::var_os("WSTLS_BLESS").is_some() {
        std::fs::write(path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/wstls.h is out of date with the Rust sources: run `WSTLS_BLESS=1 cargo test --test header` and commit it"
    );
}

#[test]
fn every_exported_function_is_documented_and_prefixed() {
    let fresh = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/wstls.h")).unwrap();
    let lines: Vec<&str> = fresh.lines().collect();
    let mut count = 0;
    for (i, l) in lines.iter().enumerate() {
        // A prototype line: contains "wstls_" followed by "(" and ends with ");". Prototypes
        // start at column 0; struct members are indented.
        if l.starts_with(' ') || l.starts_with('\t') {
            continue;
        }
        let t = l.trim();
        if t.ends_with(");") && t.contains(" wstls_") || t.starts_with("wstls_") && t.contains('(')
        {
            if t.starts_with("typedef") {
                continue;
            }
            count += 1;
            let prev = lines[..i]
                .iter()
                .rev()
                .find(|p| !p.trim().is_empty())
                .copied()
                .unwrap_or("");
            assert!(
                prev.trim_end().ends_with("*/"),
                "undocumented function in wstls.h: {t}"
            );
        }
    }
    assert!(
        count > 20,
        "expected the exported functions in the header, found {count}"
    );
}
