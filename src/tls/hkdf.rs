//! HKDF for the TLS 1.3 key schedule from HMAC keys prepared once.
//!
//! rustls's aws-lc-rs suites use `aws_lc_rs::hkdf`, whose `Salt::extract` is lazy: every
//! `HKDF-Expand` from an extracted secret runs the extract again, and every HMAC sets its key
//! up again (hashing the padded key for the inner and outer contexts). A TLS 1.3 handshake
//! does a few dozen expansions, so with SHA-384 that was the largest single cost of a resumed
//! handshake (docs/performance.md). Here the suites keep rustls's AEADs and hashes but derive
//! with rustls's own `HkdfUsingHmac` over an HMAC (RFC 2104) whose inner and outer hash states
//! are computed once per key, as plain aws-lc SHA-256/SHA-384 contexts: each HMAC copies the
//! two states and runs the hash's update and final, no `HMAC_CTX` set-up, copy or teardown
//! (that overhead was a fifth of the instructions of each HMAC). Same RFC 5869 results,
//! checked against aws-lc-rs's HMAC and HKDF below.
use aws_lc_sys::{
    SHA256_Final, SHA256_Init, SHA256_Update, SHA384_Final, SHA384_Init, SHA384_Update, SHA256_CTX,
    SHA512_CTX,
};
use rustls::crypto::hmac::{Hmac, Key, Tag};
use rustls::crypto::tls13::HkdfUsingHmac;
use rustls::crypto::CryptoProvider;
use rustls::{SupportedCipherSuite, Tls13CipherSuite};

/// The hash under an HMAC.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Alg {
    Sha256,
    Sha384,
}

impl Alg {
    fn block_len(self) -> usize {
        match self {
            Alg::Sha256 => 64,
            Alg::Sha384 => 128,
        }
    }

    fn out_len(self) -> usize {
        match self {
            Alg::Sha256 => 32,
            Alg::Sha384 => 48,
        }
    }
}

/// A hash in progress: an aws-lc context, plain data (copied to fork it).
#[derive(Clone, Copy)]
enum State {
    Sha256(SHA256_CTX),
    Sha384(SHA512_CTX),
}

impl State {
    fn new(alg: Alg) -> State {
        // SAFETY: the contexts are plain C structs that the Init functions fill in.
        unsafe {
            match alg {
                Alg::Sha256 => {
                    let mut c: SHA256_CTX = std::mem::zeroed();
                    SHA256_Init(&mut c);
                    State::Sha256(c)
                }
                Alg::Sha384 => {
                    let mut c: SHA512_CTX = std::mem::zeroed();
                    SHA384_Init(&mut c);
                    State::Sha384(c)
                }
            }
        }
    }

    fn update(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        // SAFETY: `data` is a valid slice; the context was initialised by `new`.
        unsafe {
            match self {
                State::Sha256(c) => SHA256_Update(c, data.as_ptr().cast(), data.len()),
                State::Sha384(c) => SHA384_Update(c, data.as_ptr().cast(), data.len()),
            };
        }
    }

    /// Writes the digest into `out[..out_len]`.
    fn finish(mut self, out: &mut [u8; 64]) {
        // SAFETY: `out` holds the largest digest; the context was initialised by `new`.
        unsafe {
            match &mut self {
                State::Sha256(c) => SHA256_Final(out.as_mut_ptr(), c),
                State::Sha384(c) => SHA384_Final(out.as_mut_ptr(), c),
            };
        }
        self.wipe();
    }

    /// Overwrites the context (key material: an HMAC key's inner and outer states).
    fn wipe(&mut self) {
        // SAFETY: the contexts are plain C structs, all zeros is a valid value; volatile so
        // the wipe is not optimised away.
        unsafe {
            match self {
                State::Sha256(c) => std::ptr::write_volatile(c, std::mem::zeroed()),
                State::Sha384(c) => std::ptr::write_volatile(c, std::mem::zeroed()),
            }
        }
    }
}

struct RawHmac(Alg);

/// An HMAC key as the hash states after the padded key's inner and outer blocks.
struct RawHmacKey {
    alg: Alg,
    inner: State,
    outer: State,
}

impl RawHmacKey {
    fn new(alg: Alg, key: &[u8]) -> RawHmacKey {
        let (bl, n) = (alg.block_len(), alg.out_len());
        let mut k = [0u8; 128];
        if key.len() > bl {
            let mut h = State::new(alg);
            h.update(key);
            let mut d = [0u8; 64];
            h.finish(&mut d);
            k[..n].copy_from_slice(&d[..n]);
            d.fill(0);
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let inner = Self::padded(alg, &k[..bl], 0x36);
        let outer = Self::padded(alg, &k[..bl], 0x5c);
        k.fill(0);
        RawHmacKey { alg, inner, outer }
    }

    /// The hash state after one block of the padded key XOR `pad`.
    fn padded(alg: Alg, k: &[u8], pad: u8) -> State {
        let mut block = [0u8; 128];
        for (p, b) in block.iter_mut().zip(k) {
            *p = b ^ pad;
        }
        let mut h = State::new(alg);
        h.update(&block[..k.len()]);
        block.fill(0);
        h
    }
}

impl Drop for RawHmacKey {
    fn drop(&mut self) {
        self.inner.wipe();
        self.outer.wipe();
    }
}

impl Hmac for RawHmac {
    fn with_key(&self, key: &[u8]) -> Box<dyn Key> {
        Box::new(RawHmacKey::new(self.0, key))
    }

    fn hash_output_len(&self) -> usize {
        self.0.out_len()
    }

    fn fips(&self) -> bool {
        // Built from the module's hashes, not its HMAC: not a FIPS-approved service as such.
        false
    }
}

impl Key for RawHmacKey {
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> Tag {
        let mut h = self.inner;
        h.update(first);
        for m in middle {
            h.update(m);
        }
        h.update(last);
        let n = self.alg.out_len();
        let mut d = [0u8; 64];
        h.finish(&mut d);
        let mut o = self.outer;
        o.update(&d[..n]);
        o.finish(&mut d);
        let tag = Tag::new(&d[..n]);
        d.fill(0);
        tag
    }

    fn tag_len(&self) -> usize {
        self.alg.out_len()
    }
}

static HMAC_SHA256: RawHmac = RawHmac(Alg::Sha256);
static HMAC_SHA384: RawHmac = RawHmac(Alg::Sha384);
static HKDF_SHA256: HkdfUsingHmac<'static> = HkdfUsingHmac(&HMAC_SHA256);
static HKDF_SHA384: HkdfUsingHmac<'static> = HkdfUsingHmac(&HMAC_SHA384);

/// `p` with each TLS 1.3 suite deriving keys through [`HkdfUsingHmac`] (TLS 1.2 suites and
/// everything else unchanged). Called once, when the process provider is built.
pub fn with_prepared_hkdf(mut p: CryptoProvider) -> CryptoProvider {
    for s in p.cipher_suites.iter_mut() {
        let SupportedCipherSuite::Tls13(t) = *s else {
            continue;
        };
        let hkdf: &'static HkdfUsingHmac<'static> = match t.common.hash_provider.algorithm() {
            rustls::crypto::hash::HashAlgorithm::SHA256 => &HKDF_SHA256,
            rustls::crypto::hash::HashAlgorithm::SHA384 => &HKDF_SHA384,
            _ => continue,
        };
        // One leaked suite per TLS 1.3 suite, once per process (suites must be 'static).
        let suite: &'static Tls13CipherSuite = super::leak(Tls13CipherSuite {
            common: rustls::CipherSuiteCommon {
                suite: t.common.suite,
                hash_provider: t.common.hash_provider,
                confidentiality_limit: t.common.confidentiality_limit,
            },
            hkdf_provider: hkdf,
            aead_alg: t.aead_alg,
            quic: t.quic,
        });
        *s = SupportedCipherSuite::Tls13(suite);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::crypto::tls13::Hkdf;

    /// RFC 5869 test case 1 (SHA-256) through the prepared-key HKDF.
    #[test]
    fn rfc5869_case_1() {
        let ikm = [0x0bu8; 22];
        let salt: Vec<u8> = (0x00u8..=0x0c).collect();
        let info: Vec<u8> = (0xf0u8..=0xf9).collect();
        let exp = HKDF_SHA256.extract_from_secret(Some(&salt), &ikm);
        let mut okm = [0u8; 42];
        exp.expand_slice(&[&info], &mut okm).unwrap();
        let want =
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
        let got: String = okm.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(got, want);
    }

    /// Every key length (shorter than, equal to and longer than the block) and message
    /// split agrees with aws-lc-rs's HMAC.
    #[test]
    fn hmac_matches_aws_lc_rs() {
        for (alg, mine) in [
            (aws_lc_rs::hmac::HMAC_SHA256, &HMAC_SHA256),
            (aws_lc_rs::hmac::HMAC_SHA384, &HMAC_SHA384),
        ] {
            for klen in [0usize, 1, 32, 48, 63, 64, 65, 127, 128, 129, 300] {
                let key: Vec<u8> = (0..klen).map(|i| (i * 7 + klen) as u8).collect();
                let k = mine.with_key(&key);
                let theirs = aws_lc_rs::hmac::Key::new(alg, &key);
                for mlen in [0usize, 1, 55, 56, 64, 111, 112, 128, 200, 1000] {
                    let msg: Vec<u8> = (0..mlen).map(|i| (i * 13 + 1) as u8).collect();
                    let (a, rest) = msg.split_at(mlen / 3);
                    let (b, c) = rest.split_at(rest.len() / 2);
                    let got = k.sign_concat(a, &[b, &[]], c);
                    let want = aws_lc_rs::hmac::sign(&theirs, &msg);
                    assert_eq!(got.as_ref(), want.as_ref(), "key {klen} msg {mlen}");
                    // The key is reusable: a second tag is the same.
                    assert_eq!(k.sign(&[&msg]).as_ref(), want.as_ref());
                }
            }
        }
    }

    /// RFC 4231 test case 2 (a key shorter than the block), SHA-384.
    #[test]
    fn rfc4231_case_2_sha384() {
        let k = HMAC_SHA384.with_key(b"Jefe");
        let t = k.sign(&[b"what do ya want ", b"for nothing?"]);
        let got: String = t.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            got,
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
             8e2240ca5e69e2c78b3239ecfab21649"
        );
    }

    /// The SHA-384 derivation agrees with aws-lc-rs's own HKDF.
    #[test]
    fn sha384_matches_aws_lc_rs_hkdf() {
        let salt = b"salt for the test";
        let secret = b"input keying material of some length";
        let info: &[u8] = b"tls13 derived";
        let mine = HKDF_SHA384.extract_from_secret(Some(salt), secret);
        let mut a = [0u8; 48];
        mine.expand_slice(&[info], &mut a).unwrap();
        let prk = aws_lc_rs::hkdf::Salt::new(aws_lc_rs::hkdf::HKDF_SHA384, salt).extract(secret);
        let mut b = [0u8; 48];
        prk.expand(&[info], aws_lc_rs::hkdf::HKDF_SHA384)
            .unwrap()
            .fill(&mut b)
            .unwrap();
        assert_eq!(a, b);
    }
}
