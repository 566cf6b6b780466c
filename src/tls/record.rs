//! TLS record protection after the handshake, in the caller's memory.
//!
//! rustls negotiates the connection; its secrets are then taken over (`rustls::kernel`, as for
//! kTLS) and records are sealed and opened here with the provider's AEAD directly, in place:
//! a record is decrypted where it lies and encrypted over the plaintext, with no copy. This is
//! what SSPI's `EncryptMessage`/`DecryptMessage` promise (Schannel works in the caller's
//! buffers). Only the AEAD suites rustls offers exist: AES-128-GCM, AES-256-GCM and
//! ChaCha20-Poly1305, in TLS 1.2 and TLS 1.3.
//!
//! Nonces: TLS 1.3 and TLS 1.2 ChaCha20 use `iv XOR seq`; TLS 1.2 AES-GCM sends an 8-byte
//! explicit nonce, which is `iv[4..] XOR seq` (the construction rustls uses; `iv` is the 4-byte
//! salt followed by 8 bytes from the key block, as rustls extracts them).
#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs::aead;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
use ring::aead;

use rustls::ConnectionTrafficSecrets;

use crate::error::{Error, Kind, Result};

/// TLS record content types.
pub const CT_CHANGE_CIPHER_SPEC: u8 = 20;
pub const CT_ALERT: u8 = 21;
pub const CT_HANDSHAKE: u8 = 22;
pub const CT_APPLICATION_DATA: u8 = 23;

/// The record header length.
pub const HEADER_LEN: usize = 5;
/// Largest plaintext in one record.
pub const MAX_PLAINTEXT: usize = 16384;
/// Largest record body wstls accepts (TLS 1.2 allows plaintext + 2048).
pub const MAX_CIPHERTEXT: usize = MAX_PLAINTEXT + 2048;
const TAG_LEN: usize = 16;
const NONCE_LEN: usize = 12;

/// Where a record boundary falls in received bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// A whole record of this many bytes (header included) starts the buffer.
    Complete(usize),
    /// The first record is incomplete: this many more bytes are needed for it.
    Partial(usize),
    /// The bytes are not a TLS record.
    Invalid,
}

/// Finds the first record in `b` by its 5-byte header.
pub fn scan(b: &[u8]) -> Scan {
    if !b.is_empty() && !matches!(b[0], CT_CHANGE_CIPHER_SPEC..=CT_APPLICATION_DATA) {
        return Scan::Invalid;
    }
    if b.len() >= 2 && b[1] != 3 {
        return Scan::Invalid;
    }
    if b.len() < HEADER_LEN {
        return Scan::Partial(HEADER_LEN - b.len());
    }
    let len = u16::from_be_bytes([b[3], b[4]]) as usize;
    if len > MAX_CIPHERTEXT {
        return Scan::Invalid;
    }
    if b.len() < HEADER_LEN + len {
        return Scan::Partial(HEADER_LEN + len - b.len());
    }
    Scan::Complete(HEADER_LEN + len)
}

/// Protocol version of the protected records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Tls12,
    Tls13,
}

/// The AEAD of the negotiated suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    Aes128Gcm,
    Aes256Gcm,
    Chacha20Poly1305,
}

/// The record AEAD: the provider's, or for ChaCha20-Poly1305 with AVX-512 `tls::chacha`.
enum RecordKey {
    Provider(aead::LessSafeKey),
    Chacha(super::chacha::Key),
}

impl RecordKey {
    fn seal(&self, nonce: [u8; NONCE_LEN], aad: &[u8], in_out: &mut [u8]) -> Result<[u8; TAG_LEN]> {
        let failed = || Error::new(Kind::Internal, "AEAD seal failed");
        match self {
            RecordKey::Provider(k) => {
                let tag = k
                    .seal_in_place_separate_tag(
                        aead::Nonce::assume_unique_for_key(nonce),
                        aead::Aad::from(aad),
                        in_out,
                    )
                    .map_err(|_| failed())?;
                let mut t = [0u8; TAG_LEN];
                t.copy_from_slice(tag.as_ref());
                Ok(t)
            }
            RecordKey::Chacha(k) => k
                .seal_in_place_separate_tag(&nonce, aad, in_out)
                .map_err(|_| failed()),
        }
    }

    /// Opens `in_out` (ciphertext and tag); `None` when authentication fails.
    fn open<'a>(
        &self,
        nonce: [u8; NONCE_LEN],
        aad: &[u8],
        in_out: &'a mut [u8],
    ) -> Option<&'a mut [u8]> {
        match self {
            RecordKey::Provider(k) => k
                .open_in_place(
                    aead::Nonce::assume_unique_for_key(nonce),
                    aead::Aad::from(aad),
                    in_out,
                )
                .ok(),
            RecordKey::Chacha(k) => k.open_in_place(&nonce, aad, in_out).ok(),
        }
    }
}

struct Keys {
    key: RecordKey,
    iv: [u8; NONCE_LEN],
    seq: u64,
    version: Version,
    cipher: Cipher,
}

impl Keys {
    fn new(version: Version, secrets: &ConnectionTrafficSecrets, seq: u64) -> Result<Keys> {
        match secrets {
            ConnectionTrafficSecrets::Aes128Gcm { key, iv } => {
                Keys::from_raw(version, Cipher::Aes128Gcm, key.as_ref(), iv.as_ref(), seq)
            }
            ConnectionTrafficSecrets::Aes256Gcm { key, iv } => {
                Keys::from_raw(version, Cipher::Aes256Gcm, key.as_ref(), iv.as_ref(), seq)
            }
            ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } => Keys::from_raw(
                version,
                Cipher::Chacha20Poly1305,
                key.as_ref(),
                iv.as_ref(),
                seq,
            ),
            #[allow(unreachable_patterns)]
            _ => Err(Error::new(
                Kind::NoCommonAlgorithm,
                "the negotiated cipher is not one wstls can protect records with",
            )),
        }
    }

    fn from_raw(version: Version, cipher: Cipher, key: &[u8], iv: &[u8], seq: u64) -> Result<Keys> {
        let alg = match cipher {
            Cipher::Aes128Gcm => &aead::AES_128_GCM,
            Cipher::Aes256Gcm => &aead::AES_256_GCM,
            Cipher::Chacha20Poly1305 => &aead::CHACHA20_POLY1305,
        };
        let bad_key = || Error::new(Kind::Internal, "bad AEAD key length");
        let key = if cipher == Cipher::Chacha20Poly1305 && super::chacha::enabled() {
            RecordKey::Chacha(super::chacha::Key::new(
                key.try_into().map_err(|_| bad_key())?,
            ))
        } else {
            RecordKey::Provider(aead::LessSafeKey::new(
                aead::UnboundKey::new(alg, key).map_err(|_| bad_key())?,
            ))
        };
        let iv: [u8; NONCE_LEN] = iv
            .try_into()
            .map_err(|_| Error::new(Kind::Internal, "bad AEAD IV length"))?;
        Ok(Keys {
            key,
            iv,
            seq,
            version,
            cipher,
        })
    }

    fn nonce(&self, seq: u64) -> [u8; NONCE_LEN] {
        let mut n = self.iv;
        for (i, b) in seq.to_be_bytes().iter().enumerate() {
            n[4 + i] ^= b;
        }
        n
    }

    /// TLS 1.2 AES-GCM sends 8 explicit nonce bytes after the header.
    fn explicit_len(&self) -> usize {
        match (self.version, self.cipher) {
            (Version::Tls12, Cipher::Aes128Gcm | Cipher::Aes256Gcm) => 8,
            _ => 0,
        }
    }

    fn next_seq(&mut self) -> Result<u64> {
        let s = self.seq;
        self.seq = s
            .checked_add(1)
            .ok_or_else(|| Error::new(Kind::Unsupported, "TLS record sequence number exhausted"))?;
        Ok(s)
    }
}

fn tls12_aad(seq: u64, typ: u8, len: usize) -> [u8; 13] {
    let mut a = [0u8; 13];
    a[..8].copy_from_slice(&seq.to_be_bytes());
    a[8] = typ;
    a[9] = 3;
    a[10] = 3;
    a[11..].copy_from_slice(&(len as u16).to_be_bytes());
    a
}

/// Encrypts outgoing records.
pub struct Sealer(Keys);

/// Decrypts incoming records.
pub struct Opener(Keys);

impl Sealer {
    pub fn new(version: Version, secrets: &ConnectionTrafficSecrets, seq: u64) -> Result<Sealer> {
        Keys::new(version, secrets, seq).map(Sealer)
    }

    /// From raw key material (tests and fuzzing).
    pub fn from_raw(
        version: Version,
        cipher: Cipher,
        key: &[u8],
        iv: &[u8],
        seq: u64,
    ) -> Result<Sealer> {
        Keys::from_raw(version, cipher, key, iv, seq).map(Sealer)
    }

    /// Bytes before the plaintext: the record header (and TLS 1.2 GCM's explicit nonce).
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.0.explicit_len()
    }

    /// Bytes after the plaintext: the tag (and, in TLS 1.3, the inner content type).
    pub fn trailer_len(&self) -> usize {
        TAG_LEN + usize::from(self.0.version == Version::Tls13)
    }

    /// Records sealed so far with the current keys.
    pub fn seq(&self) -> u64 {
        self.0.seq
    }

    pub fn cipher(&self) -> Cipher {
        self.0.cipher
    }

    fn write_header(
        &self,
        hdr: &mut [u8],
        typ: u8,
        body_len: usize,
        seq: u64,
        nonce: &[u8; NONCE_LEN],
    ) {
        let outer = if self.0.version == Version::Tls13 {
            CT_APPLICATION_DATA
        } else {
            typ
        };
        hdr[0] = outer;
        hdr[1] = 3;
        hdr[2] = 3;
        hdr[3..5].copy_from_slice(&(body_len as u16).to_be_bytes());
        if self.0.explicit_len() == 8 {
            hdr[5..13].copy_from_slice(&nonce[4..]);
        }
        let _ = seq;
    }

    /// Seals one record in place. `hdr` receives [`header_len`](Self::header_len) bytes;
    /// `body[..n]` holds the plaintext and is followed by at least
    /// [`trailer_len`](Self::trailer_len) bytes of space, which receive the trailer. Returns the
    /// trailer length.
    pub fn seal_in_place(
        &mut self,
        typ: u8,
        hdr: &mut [u8],
        body: &mut [u8],
        n: usize,
    ) -> Result<usize> {
        let tl = self.trailer_len();
        if n > MAX_PLAINTEXT || body.len() < n + tl || hdr.len() < self.header_len() {
            return Err(Error::new(Kind::BufferTooSmall, "record buffers too small"));
        }
        let seq = self.0.next_seq()?;
        let nonce = self.0.nonce(seq);
        let k = &self.0;
        match k.version {
            Version::Tls13 => {
                body[n] = typ;
                let body_len = n + 1 + TAG_LEN;
                let aad = [
                    CT_APPLICATION_DATA,
                    3,
                    3,
                    (body_len >> 8) as u8,
                    body_len as u8,
                ];
                let tag = k.key.seal(nonce, &aad, &mut body[..n + 1])?;
                body[n + 1..n + 1 + TAG_LEN].copy_from_slice(&tag);
                self.write_header(hdr, typ, body_len, seq, &nonce);
            }
            Version::Tls12 => {
                let aad = tls12_aad(seq, typ, n);
                let tag = k.key.seal(nonce, &aad, &mut body[..n])?;
                body[n..n + TAG_LEN].copy_from_slice(&tag);
                self.write_header(hdr, typ, self.0.explicit_len() + n + TAG_LEN, seq, &nonce);
            }
        }
        Ok(tl)
    }

    /// Seals one record whose trailer lives apart from the plaintext. TLS 1.2 works in place;
    /// TLS 1.3 (whose content type byte is encrypted after the plaintext) goes through
    /// `scratch`. Returns the trailer length.
    pub fn seal_split(
        &mut self,
        typ: u8,
        hdr: &mut [u8],
        data: &mut [u8],
        trailer: &mut [u8],
        scratch: &mut Vec<u8>,
    ) -> Result<usize> {
        let tl = self.trailer_len();
        if data.len() > MAX_PLAINTEXT || trailer.len() < tl || hdr.len() < self.header_len() {
            return Err(Error::new(Kind::BufferTooSmall, "record buffers too small"));
        }
        match self.0.version {
            Version::Tls12 => {
                let seq = self.0.next_seq()?;
                let nonce = self.0.nonce(seq);
                let aad = tls12_aad(seq, typ, data.len());
                let tag = self.0.key.seal(nonce, &aad, data)?;
                trailer[..TAG_LEN].copy_from_slice(&tag);
                self.write_header(
                    hdr,
                    typ,
                    self.0.explicit_len() + data.len() + TAG_LEN,
                    seq,
                    &nonce,
                );
                Ok(tl)
            }
            Version::Tls13 => {
                let n = data.len();
                scratch.clear();
                scratch.extend_from_slice(data);
                scratch.resize(n + tl, 0);
                self.seal_in_place(typ, hdr, scratch, n)?;
                data.copy_from_slice(&scratch[..n]);
                trailer[..tl].copy_from_slice(&scratch[n..n + tl]);
                Ok(tl)
            }
        }
    }

    /// Seals a whole record (header included) into a new vector: for small records such as
    /// alerts and handshake messages.
    pub fn seal_to_vec(&mut self, typ: u8, payload: &[u8]) -> Result<Vec<u8>> {
        let h = self.header_len();
        let mut v = vec![0u8; h + payload.len() + self.trailer_len()];
        v[h..h + payload.len()].copy_from_slice(payload);
        let (hdr, body) = v.split_at_mut(h);
        self.seal_in_place(typ, hdr, body, payload.len())?;
        Ok(v)
    }
}

/// A record opened in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    /// The (inner, for TLS 1.3) content type.
    pub typ: u8,
    /// Offset of the plaintext in the record.
    pub start: usize,
    /// Plaintext length.
    pub len: usize,
}

impl Opener {
    pub fn new(version: Version, secrets: &ConnectionTrafficSecrets, seq: u64) -> Result<Opener> {
        Keys::new(version, secrets, seq).map(Opener)
    }

    /// From raw key material (tests and fuzzing).
    pub fn from_raw(
        version: Version,
        cipher: Cipher,
        key: &[u8],
        iv: &[u8],
        seq: u64,
    ) -> Result<Opener> {
        Keys::from_raw(version, cipher, key, iv, seq).map(Opener)
    }

    pub fn version(&self) -> Version {
        self.0.version
    }

    /// Decrypts `record` (one whole record, header first) in place.
    pub fn open_in_place(&mut self, record: &mut [u8]) -> Result<Opened> {
        if record.len() < HEADER_LEN {
            return Err(Error::new(Kind::InvalidToken, "not a whole TLS record"));
        }
        let typ = record[0];
        let body_len = record.len() - HEADER_LEN;
        let altered = || {
            Error::new(
                Kind::DecryptFailure,
                "a TLS record failed authentication (it was altered or corrupted in transit)",
            )
        };
        match self.0.version {
            Version::Tls13 => {
                if typ != CT_APPLICATION_DATA {
                    return Err(Error::new(
                        Kind::IllegalMessage,
                        format!("unexpected unprotected TLS 1.3 record (content type {typ})"),
                    ));
                }
                if !(TAG_LEN + 1..=MAX_PLAINTEXT + 256).contains(&body_len) {
                    return Err(altered());
                }
                let seq = self.0.next_seq()?;
                let nonce = self.0.nonce(seq);
                let mut aad = [0u8; 5];
                aad.copy_from_slice(&record[..HEADER_LEN]);
                let plain = self
                    .0
                    .key
                    .open(nonce, &aad, &mut record[HEADER_LEN..])
                    .ok_or_else(altered)?;
                // Strip the zero padding; the last non-zero byte is the real content type.
                let Some(pos) = plain.iter().rposition(|b| *b != 0) else {
                    return Err(Error::new(
                        Kind::IllegalMessage,
                        "TLS 1.3 record without a content type",
                    ));
                };
                if pos > MAX_PLAINTEXT {
                    return Err(Error::new(Kind::IllegalMessage, "TLS record overflow"));
                }
                Ok(Opened {
                    typ: plain[pos],
                    start: HEADER_LEN,
                    len: pos,
                })
            }
            Version::Tls12 => {
                let ex = self.0.explicit_len();
                if body_len < ex + TAG_LEN {
                    return Err(altered());
                }
                let n = body_len - ex - TAG_LEN;
                if n > MAX_PLAINTEXT {
                    return Err(Error::new(Kind::IllegalMessage, "TLS record overflow"));
                }
                let seq = self.0.next_seq()?;
                let nonce = if ex == 8 {
                    let mut nn = self.0.iv;
                    nn[4..].copy_from_slice(&record[HEADER_LEN..HEADER_LEN + 8]);
                    nn
                } else {
                    self.0.nonce(seq)
                };
                let aad = tls12_aad(seq, typ, n);
                self.0
                    .key
                    .open(nonce, &aad, &mut record[HEADER_LEN + ex..])
                    .ok_or_else(altered)?;
                Ok(Opened {
                    typ,
                    start: HEADER_LEN + ex,
                    len: n,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(c: Cipher) -> (Vec<u8>, Vec<u8>) {
        let n = if c == Cipher::Aes128Gcm { 16 } else { 32 };
        ((0..n).map(|i| i as u8).collect(), vec![7u8; 12])
    }

    #[test]
    fn scan_records() {
        assert_eq!(scan(&[]), Scan::Partial(5));
        assert_eq!(scan(&[23, 3, 3, 0]), Scan::Partial(1));
        assert_eq!(scan(&[23, 3, 3, 0, 4, 1, 2]), Scan::Partial(2));
        assert_eq!(scan(&[23, 3, 3, 0, 2, 1, 2, 9]), Scan::Complete(7));
        assert_eq!(scan(b"GET / HTTP/1.1"), Scan::Invalid);
        assert_eq!(scan(&[23, 2]), Scan::Invalid);
        assert_eq!(scan(&[23, 3, 3, 0xff, 0xff]), Scan::Invalid);
    }

    #[test]
    fn round_trips_and_tamper() {
        for v in [Version::Tls12, Version::Tls13] {
            for c in [
                Cipher::Aes128Gcm,
                Cipher::Aes256Gcm,
                Cipher::Chacha20Poly1305,
            ] {
                let (k, iv) = keys(c);
                let mut s = Sealer::from_raw(v, c, &k, &iv, 0).unwrap();
                let mut o = Opener::from_raw(v, c, &k, &iv, 0).unwrap();
                for n in [0usize, 1, 100, MAX_PLAINTEXT] {
                    let msg: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
                    let rec = s.seal_to_vec(CT_APPLICATION_DATA, &msg).unwrap();
                    assert_eq!(rec.len(), s.header_len() + n + s.trailer_len());
                    assert_eq!(scan(&rec), Scan::Complete(rec.len()));
                    let mut r2 = rec.clone();
                    let op = o.open_in_place(&mut r2).unwrap();
                    assert_eq!(op.typ, CT_APPLICATION_DATA);
                    assert_eq!(&r2[op.start..op.start + op.len], &msg[..]);
                    assert_eq!(op.start, s.header_len());
                }
                // Split layout.
                let mut hdr = vec![0u8; s.header_len()];
                let mut data = b"hello split".to_vec();
                let mut trl = vec![0u8; s.trailer_len()];
                let mut scratch = Vec::new();
                s.seal_split(
                    CT_APPLICATION_DATA,
                    &mut hdr,
                    &mut data,
                    &mut trl,
                    &mut scratch,
                )
                .unwrap();
                let mut rec = [hdr, data, trl].concat();
                let op = o.open_in_place(&mut rec).unwrap();
                assert_eq!(&rec[op.start..op.start + op.len], b"hello split");
                // Tampering is detected.
                let mut bad = s.seal_to_vec(CT_APPLICATION_DATA, b"payload").unwrap();
                let last = bad.len() - 1;
                bad[last] ^= 1;
                assert_eq!(
                    o.open_in_place(&mut bad).unwrap_err().kind,
                    Kind::DecryptFailure
                );
            }
        }
    }
}
