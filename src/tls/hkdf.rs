//! HKDF for the TLS 1.3 key schedule from HMAC keys prepared once.
//!
//! rustls's aws-lc-rs suites use `aws_lc_rs::hkdf`, whose `Salt::extract` is lazy: every
//! `HKDF-Expand` from an extracted secret runs the extract again, and every HMAC sets its key
//! up again (hashing the padded key for the inner and outer contexts). A TLS 1.3 handshake
//! does a few dozen expansions, so with SHA-384 that was the largest single cost of a resumed
//! handshake (docs/performance.md). Here the suites keep rustls's AEADs and hashes but derive
//! with rustls's own `HkdfUsingHmac` over an aws-lc-rs HMAC whose key contexts are computed
//! once per secret and cloned for each expansion. Same RFC 5869 results, fewer compressions.
use rustls::crypto::hmac::{Hmac, Key, Tag};
use rustls::crypto::tls13::HkdfUsingHmac;
use rustls::crypto::CryptoProvider;
use rustls::{SupportedCipherSuite, Tls13CipherSuite};

struct AwsLcHmac(aws_lc_rs::hmac::Algorithm);

struct AwsLcHmacKey(aws_lc_rs::hmac::Key);

impl Hmac for AwsLcHmac {
    fn with_key(&self, key: &[u8]) -> Box<dyn Key> {
        Box::new(AwsLcHmacKey(aws_lc_rs::hmac::Key::new(self.0, key)))
    }

    fn hash_output_len(&self) -> usize {
        self.0.digest_algorithm().output_len()
    }

    fn fips(&self) -> bool {
        aws_lc_rs::try_fips_mode().is_ok()
    }
}

impl Key for AwsLcHmacKey {
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> Tag {
        let mut ctx = aws_lc_rs::hmac::Context::with_key(&self.0);
        ctx.update(first);
        for m in middle {
            ctx.update(m);
        }
        ctx.update(last);
        Tag::new(ctx.sign().as_ref())
    }

    fn tag_len(&self) -> usize {
        self.0.algorithm().digest_algorithm().output_len()
    }
}

static HMAC_SHA256: AwsLcHmac = AwsLcHmac(aws_lc_rs::hmac::HMAC_SHA256);
static HMAC_SHA384: AwsLcHmac = AwsLcHmac(aws_lc_rs::hmac::HMAC_SHA384);
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
        let suite: &'static Tls13CipherSuite = Box::leak(Box::new(Tls13CipherSuite {
            common: rustls::CipherSuiteCommon {
                suite: t.common.suite,
                hash_provider: t.common.hash_provider,
                confidentiality_limit: t.common.confidentiality_limit,
            },
            hkdf_provider: hkdf,
            aead_alg: t.aead_alg,
            quic: t.quic,
        }));
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
