//! Replays the saved fuzz corpora (fuzz/corpus/wsaioctl, fuzz/corpus/addr) and a few thousand
//! generated inputs through the fuzz drivers without cargo-fuzz (stable Rust): no input may
//! crash or break a driver's invariants.
#[path = "../fuzz/fuzz_targets/wsaioctl_driver.rs"]
mod wsaioctl;

#[path = "../fuzz/fuzz_targets/addr_driver.rs"]
mod addr;

#[cfg(feature = "aws-lc-rs")]
#[path = "../fuzz/fuzz_targets/chacha_driver.rs"]
mod chacha;

fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(name);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    v.sort();
    v
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn wsaioctl_corpus_replays() {
    let c = corpus("wsaioctl");
    assert!(
        c.len() >= 8,
        "the corpus has a seed per code family ({})",
        c.len()
    );
    for input in &c {
        wsaioctl::run(input);
    }
}

#[test]
fn wsaioctl_generated_inputs() {
    let mut r = Rng(0x5eed_1234);
    for _ in 0..1500 {
        let n = (r.next() % 300) as usize;
        wsaioctl::run(&r.bytes(n));
    }
}

#[test]
fn addr_corpus_replays() {
    let c = corpus("addr");
    assert!(
        c.len() >= 6,
        "the corpus has a seed per operation ({})",
        c.len()
    );
    for input in &c {
        addr::run(input);
    }
}

#[test]
fn addr_generated_inputs() {
    let mut r = Rng(0xadd7_5eed);
    for i in 0..4000 {
        let n = (r.next() % 64) as usize;
        let mut d = r.bytes(n + 2);
        // Give half the sockaddr inputs a Windows family so the parsers get past it.
        if i % 2 == 0 && d.len() >= 4 {
            let fam: u16 = if i % 4 == 0 { 2 } else { 23 };
            d[2..4].copy_from_slice(&fam.to_ne_bytes());
        }
        addr::run(&d);
    }
}

/// ChaCha20-Poly1305 against aws-lc: random keys, nonces, AADs and lengths up to 20 KiB.
#[cfg(feature = "aws-lc-rs")]
#[test]
fn chacha_corpus_and_generated_inputs() {
    for input in corpus("chacha") {
        chacha::run(&input);
    }
    let mut r = Rng(0x5eed_cafe_f00d_0001);
    for i in 0..600 {
        let len = if i % 3 == 0 {
            (r.next() % 20_000) as usize
        } else {
            (r.next() % 2_500) as usize
        };
        chacha::run(&r.bytes(45 + len));
    }
}
