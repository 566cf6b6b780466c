//! Replays the fuzz corpus (fuzz/corpus/sspi_tokens) and a few thousand generated inputs through
//! the SSPI fuzz driver without cargo-fuzz: no input may crash, hang or break an invariant.
mod sspi_common;

#[path = "../fuzz/fuzz_targets/sspi_tokens_driver.rs"]
mod driver;

use sspi_common::*;

fn env() -> driver::Env {
    pki();
    let cert = cert_context("server");
    unsafe { driver::Env::new(cert) }
}

#[test]
fn corpus_replays() {
    let mut e = env();
    assert!(
        driver::self_check(&mut e),
        "the pair scenarios must reach DecryptMessage"
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/sspi_tokens");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        driver::run(&mut e, &data);
        n += 1;
    }
    assert!(n >= 6, "the corpus has a seed per scenario ({n} files)");
}

#[test]
fn generated_inputs() {
    let mut e = env();
    let mut rng = Rng::new();
    for i in 0..1500 {
        let len = rng.range(1, 600);
        let mut data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        data[0] = (i % 6) as u8 | if i % 12 >= 6 { 0x80 } else { 0 };
        // Make some chunks look like TLS records so the parsers get past the header check.
        if i % 3 == 0 && data.len() > 8 {
            data[2] = [20u8, 21, 22, 23][i % 4];
            data[3] = 3;
            data[4] = 3;
        }
        driver::run(&mut e, &data);
    }
}
