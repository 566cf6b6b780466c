//! rustls glue for [`super::chacha`]: the ChaCha20-Poly1305 suites (TLS 1.3 and the two
//! TLS 1.2 ECDHE suites) with their record protection done by the AVX-512 code, everything
//! else (hash, key schedule, PRF, key exchange) taken unchanged from the provider's suite.
//! Installed by [`with_fast_chacha`] only when [`super::chacha::enabled`].
use rustls::crypto::cipher::{
    make_tls12_aad, make_tls13_aad, AeadKey, InboundOpaqueMessage, InboundPlainMessage, Iv,
    KeyBlockShape, MessageDecrypter, MessageEncrypter, Nonce, OutboundOpaqueMessage,
    OutboundPlainMessage, PrefixedPayload, Tls12AeadAlgorithm, Tls13AeadAlgorithm,
    UnsupportedOperationError,
};
use rustls::crypto::CryptoProvider;
use rustls::{
    ConnectionTrafficSecrets, ContentType, Error, ProtocolVersion, SupportedCipherSuite,
    Tls12CipherSuite, Tls13CipherSuite,
};

use super::chacha::{Key, KEY_LEN, NONCE_LEN, TAG_LEN};

/// Largest TLS plaintext fragment.
const MAX_FRAGMENT_LEN: usize = 16384;

fn key_of(k: &AeadKey) -> Key {
    let b: &[u8; KEY_LEN] = k
        .as_ref()
        .try_into()
        .expect("rustls passes keys of key_len() bytes");
    Key::new(b)
}

struct Tls13Chacha;

impl Tls13AeadAlgorithm for Tls13Chacha {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        Box::new(Sealer13 {
            key: key_of(&key),
            iv,
        })
    }

    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        Box::new(Opener13 {
            key: key_of(&key),
            iv,
        })
    }

    fn key_len(&self) -> usize {
        KEY_LEN
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: Iv,
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        Ok(ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv })
    }
}

struct Sealer13 {
    key: Key,
    iv: Iv,
}

struct Opener13 {
    key: Key,
    iv: Iv,
}

impl MessageEncrypter for Sealer13 {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        let total = self.encrypted_payload_len(msg.payload.len());
        let mut payload = PrefixedPayload::with_capacity(total);
        payload.extend_from_chunks(&msg.payload);
        payload.extend_from_slice(&msg.typ.to_array());
        let nonce = Nonce::new(&self.iv, seq).0;
        let tag = self
            .key
            .seal_in_place_separate_tag(&nonce, &make_tls13_aad(total), payload.as_mut())
            .map_err(|_| Error::EncryptError)?;
        payload.extend_from_slice(&tag);
        Ok(OutboundOpaqueMessage::new(
            ContentType::ApplicationData,
            ProtocolVersion::TLSv1_2,
            payload,
        ))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len + 1 + TAG_LEN
    }
}

impl MessageDecrypter for Opener13 {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let payload = &mut msg.payload;
        if payload.len() < TAG_LEN {
            return Err(Error::DecryptError);
        }
        let nonce = Nonce::new(&self.iv, seq).0;
        let aad = make_tls13_aad(payload.len());
        let plain_len = self
            .key
            .open_in_place(&nonce, &aad, payload)
            .map_err(|_| Error::DecryptError)?
            .len();
        payload.truncate(plain_len);
        msg.into_tls13_unpadded_message()
    }
}

struct Tls12Chacha;

impl Tls12AeadAlgorithm for Tls12Chacha {
    fn encrypter(&self, key: AeadKey, iv: &[u8], _extra: &[u8]) -> Box<dyn MessageEncrypter> {
        Box::new(Sealer12 {
            key: key_of(&key),
            iv: Iv::copy(iv),
        })
    }

    fn decrypter(&self, key: AeadKey, iv: &[u8]) -> Box<dyn MessageDecrypter> {
        Box::new(Opener12 {
            key: key_of(&key),
            iv: Iv::copy(iv),
        })
    }

    fn key_block_shape(&self) -> KeyBlockShape {
        KeyBlockShape {
            enc_key_len: KEY_LEN,
            fixed_iv_len: NONCE_LEN,
            explicit_nonce_len: 0,
        }
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: &[u8],
        _explicit: &[u8],
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        let iv: [u8; NONCE_LEN] = iv.try_into().map_err(|_| UnsupportedOperationError)?;
        Ok(ConnectionTrafficSecrets::Chacha20Poly1305 {
            key,
            iv: Iv::new(iv),
        })
    }
}

struct Sealer12 {
    key: Key,
    iv: Iv,
}

struct Opener12 {
    key: Key,
    iv: Iv,
}

impl MessageEncrypter for Sealer12 {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        let total = self.encrypted_payload_len(msg.payload.len());
        let mut payload = PrefixedPayload::with_capacity(total);
        payload.extend_from_chunks(&msg.payload);
        let nonce = Nonce::new(&self.iv, seq).0;
        let aad = make_tls12_aad(seq, msg.typ, msg.version, msg.payload.len());
        let tag = self
            .key
            .seal_in_place_separate_tag(&nonce, &aad, payload.as_mut())
            .map_err(|_| Error::EncryptError)?;
        payload.extend_from_slice(&tag);
        Ok(OutboundOpaqueMessage::new(msg.typ, msg.version, payload))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len + TAG_LEN
    }
}

impl MessageDecrypter for Opener12 {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let len = msg.payload.len();
        if len < TAG_LEN {
            return Err(Error::DecryptError);
        }
        let nonce = Nonce::new(&self.iv, seq).0;
        let aad = make_tls12_aad(seq, msg.typ, msg.version, len - TAG_LEN);
        let plain_len = self
            .key
            .open_in_place(&nonce, &aad, &mut msg.payload)
            .map_err(|_| Error::DecryptError)?
            .len();
        if plain_len > MAX_FRAGMENT_LEN {
            return Err(Error::PeerSentOversizedRecord);
        }
        msg.payload.truncate(plain_len);
        Ok(msg.into_plain_message())
    }
}

static TLS13_CHACHA: Tls13Chacha = Tls13Chacha;
static TLS12_CHACHA: Tls12Chacha = Tls12Chacha;

/// `p` with the record protection of its ChaCha20-Poly1305 suites replaced by
/// [`super::chacha`] when that is [`enabled`](super::chacha::enabled); otherwise `p` unchanged.
/// Suite order, names and everything else stay as they were. Called once per process.
pub fn with_fast_chacha(mut p: CryptoProvider) -> CryptoProvider {
    if !super::chacha::enabled() {
        return p;
    }
    for s in p.cipher_suites.iter_mut() {
        use rustls::CipherSuite as C;
        if !matches!(
            s.suite(),
            C::TLS13_CHACHA20_POLY1305_SHA256
                | C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
                | C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        ) {
            continue;
        }
        // One leaked suite per ChaCha20 suite, once per process (suites must be 'static).
        match *s {
            SupportedCipherSuite::Tls13(t) => {
                let suite: &'static Tls13CipherSuite = super::leak(Tls13CipherSuite {
                    common: rustls::CipherSuiteCommon {
                        suite: t.common.suite,
                        hash_provider: t.common.hash_provider,
                        confidentiality_limit: t.common.confidentiality_limit,
                    },
                    hkdf_provider: t.hkdf_provider,
                    aead_alg: &TLS13_CHACHA,
                    quic: t.quic,
                });
                *s = SupportedCipherSuite::Tls13(suite);
            }
            SupportedCipherSuite::Tls12(t) => {
                let suite: &'static Tls12CipherSuite = super::leak(Tls12CipherSuite {
                    common: rustls::CipherSuiteCommon {
                        suite: t.common.suite,
                        hash_provider: t.common.hash_provider,
                        confidentiality_limit: t.common.confidentiality_limit,
                    },
                    prf_provider: t.prf_provider,
                    kx: t.kx,
                    sign: t.sign,
                    aead_alg: &TLS12_CHACHA,
                });
                *s = SupportedCipherSuite::Tls12(suite);
            }
        }
    }
    p
}
