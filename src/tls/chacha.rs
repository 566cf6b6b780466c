//! ChaCha20-Poly1305 (RFC 8439) with AVX-512 for the TLS records.
//!
//! Why this exists: aws-lc's ChaCha20-Poly1305 is AVX2 code (about 1.8 GB/s on the benchmark
//! machine) while OpenSSL 3 uses AVX-512 (about 3.3 GB/s), so wstls lost the ChaCha20 bulk
//! comparison (docs/performance.md). This module is used only where the CPU has AVX-512F
//! (checked once at run time) and nothing disables it (`WSTLS_CHACHA20=provider`); everywhere
//! else the suites are the crypto provider's, unchanged. AES-GCM, the handshake and the key
//! schedule always stay with the provider.
//!
//! Layout of the work:
//! - ChaCha20: 16 blocks at a time, one block per 32-bit lane of sixteen 512-bit registers
//!   (word `i` of all sixteen blocks in register `i`), then a 16x16 transpose back to bytes.
//!   Tails below 1 KiB use the same code into a stack buffer, or the portable block function
//!   for the last few blocks.
//! - Poly1305: eight accumulators in parallel, each multiplied by r^8 per step, combined at
//!   the end with r^8 .. r^1 (the usual parallel Horner form). With AVX-512IFMA (52-bit
//!   multiply-add) in radix 2^44, three limbs; without it in radix 2^26, five limbs.
//!   Inputs below 512 bytes use the portable code.
//! - The portable code (used for tails, for the one-time key block, and as the reference in the
//!   tests) is a straightforward transcription of RFC 8439.
//!
//! Everything is constant time with respect to keys and data: no table lookups or branches
//! on secret values; the tag comparison folds all 16 bytes. Tested against the RFC 8439
//! vectors and, differentially, against the provider's AEAD over random keys, nonces, AADs
//! and every length up to several KiB (`tests` below and `tests/chacha.rs`).

/// Key, nonce and tag sizes.
pub const KEY_LEN: usize = 32;
pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

/// The largest input accepted (TLS records are at most 16 KiB + 256 bytes; SSPI the same).
/// Well below ChaCha20's 2^32-block counter limit.
pub const MAX_LEN: usize = 1 << 30;

/// Whether the AVX-512 implementation is in use in this process: the CPU has AVX-512F and
/// `WSTLS_CHACHA20` is not `provider`. Decided once.
pub fn enabled() -> bool {
    use once_cell::sync::Lazy;
    static E: Lazy<bool> = Lazy::new(|| {
        if std::env::var("WSTLS_CHACHA20").is_ok_and(|v| v.eq_ignore_ascii_case("provider")) {
            return false;
        }
        avx512_available()
    });
    *E
}

/// Whether this CPU (and this build) can run the AVX-512 code.
pub fn avx512_available() -> bool {
    #[cfg(all(target_arch = "x86_64", wstls_avx512))]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(all(target_arch = "x86_64", wstls_avx512)))]
    {
        false
    }
}

/// Authentication failed (or the input was too long).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unspecified;

/// A ChaCha20-Poly1305 key.
#[derive(Clone)]
pub struct Key {
    k: [u32; 8],
    avx512: bool,
}

impl Drop for Key {
    fn drop(&mut self) {
        for w in self.k.iter_mut() {
            // Volatile so the wipe is not optimised away.
            unsafe { std::ptr::write_volatile(w, 0) };
        }
    }
}

impl Key {
    /// A key that uses AVX-512 when [`enabled`].
    pub fn new(key: &[u8; KEY_LEN]) -> Key {
        Key::with_avx512(key, enabled())
    }

    /// A key that uses the portable code only (tests), or AVX-512 when `avx512` and the CPU has it.
    pub fn with_avx512(key: &[u8; KEY_LEN], avx512: bool) -> Key {
        let mut k = [0u32; 8];
        for (i, w) in k.iter_mut().enumerate() {
            *w = u32::from_le_bytes(key[4 * i..4 * i + 4].try_into().unwrap());
        }
        Key {
            k,
            avx512: avx512 && avx512_available(),
        }
    }

    /// Encrypts `in_out` in place and returns the tag.
    pub fn seal_in_place_separate_tag(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], Unspecified> {
        if in_out.len() > MAX_LEN || aad.len() > MAX_LEN {
            return Err(Unspecified);
        }
        let n = nonce_words(nonce);
        let mut mac = self.poly_key(&n);
        self.xor_keystream(&n, in_out);
        mac.update_padded(aad, self.avx512);
        mac.update_padded(in_out, self.avx512);
        Ok(mac.finish_with_lengths(aad.len(), in_out.len()))
    }

    /// Checks the tag that ends `in_out` and decrypts the rest in place; returns the plaintext.
    /// On failure nothing is decrypted.
    pub fn open_in_place<'a>(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &'a mut [u8],
    ) -> Result<&'a mut [u8], Unspecified> {
        if in_out.len() < TAG_LEN || in_out.len() > MAX_LEN + TAG_LEN || aad.len() > MAX_LEN {
            return Err(Unspecified);
        }
        let ct_len = in_out.len() - TAG_LEN;
        let (ct, tag) = in_out.split_at_mut(ct_len);
        let n = nonce_words(nonce);
        let mut mac = self.poly_key(&n);
        mac.update_padded(aad, self.avx512);
        mac.update_padded(ct, self.avx512);
        let want = mac.finish_with_lengths(aad.len(), ct_len);
        if !tags_equal(&want, tag) {
            return Err(Unspecified);
        }
        self.xor_keystream(&n, ct);
        Ok(ct)
    }

    /// The one-time Poly1305 key: the first 32 bytes of block 0.
    fn poly_key(&self, n: &[u32; 3]) -> Poly1305 {
        let mut b = block(&self.k, 0, n);
        let p = Poly1305::new(&b[..32].try_into().unwrap());
        b.fill(0);
        p
    }

    /// XORs the ChaCha20 key stream, from block counter 1, into `data`.
    fn xor_keystream(&self, n: &[u32; 3], data: &mut [u8]) {
        #[cfg(all(target_arch = "x86_64", wstls_avx512))]
        if self.avx512 {
            // SAFETY: `avx512` is only set when the CPU has AVX-512F.
            unsafe { avx512::xor_keystream(&self.k, n, 1, data) };
            return;
        }
        xor_keystream_portable(&self.k, n, 1, data);
    }
}

fn nonce_words(nonce: &[u8; NONCE_LEN]) -> [u32; 3] {
    [
        u32::from_le_bytes(nonce[0..4].try_into().unwrap()),
        u32::from_le_bytes(nonce[4..8].try_into().unwrap()),
        u32::from_le_bytes(nonce[8..12].try_into().unwrap()),
    ]
}

/// Compares two tags without branching on their contents.
fn tags_equal(a: &[u8; TAG_LEN], b: &[u8]) -> bool {
    let mut d = 0u8;
    for (x, y) in a.iter().zip(b) {
        d |= std::hint::black_box(x ^ y);
    }
    std::hint::black_box(d) == 0
}

const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

#[inline(always)]
fn qr(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// One ChaCha20 block (RFC 8439 section 2.3).
pub fn block(key: &[u32; 8], counter: u32, nonce: &[u32; 3]) -> [u8; 64] {
    let mut s = [0u32; 16];
    s[..4].copy_from_slice(&SIGMA);
    s[4..12].copy_from_slice(key);
    s[12] = counter;
    s[13..].copy_from_slice(nonce);
    let mut x = s;
    for _ in 0..10 {
        qr(&mut x, 0, 4, 8, 12);
        qr(&mut x, 1, 5, 9, 13);
        qr(&mut x, 2, 6, 10, 14);
        qr(&mut x, 3, 7, 11, 15);
        qr(&mut x, 0, 5, 10, 15);
        qr(&mut x, 1, 6, 11, 12);
        qr(&mut x, 2, 7, 8, 13);
        qr(&mut x, 3, 4, 9, 14);
    }
    let mut out = [0u8; 64];
    for i in 0..16 {
        out[4 * i..4 * i + 4].copy_from_slice(&x[i].wrapping_add(s[i]).to_le_bytes());
    }
    out
}

/// XORs the key stream from block `counter` into `data`, one block at a time.
pub fn xor_keystream_portable(key: &[u32; 8], nonce: &[u32; 3], counter: u32, data: &mut [u8]) {
    for (i, chunk) in data.chunks_mut(64).enumerate() {
        let ks = block(key, counter.wrapping_add(i as u32), nonce);
        for (d, k) in chunk.iter_mut().zip(ks.iter()) {
            *d ^= k;
        }
    }
}

const M26: u32 = 0x3ff_ffff;

/// Poly1305 over 16-byte blocks (RFC 8439 section 2.5), radix 2^26. Every block here is a
/// full block (the AEAD pads its inputs to 16 bytes with zeros).
pub struct Poly1305 {
    r: [u32; 5],
    h: [u32; 5],
    pad: [u32; 4],
}

impl Drop for Poly1305 {
    fn drop(&mut self) {
        for w in self
            .r
            .iter_mut()
            .chain(self.h.iter_mut())
            .chain(self.pad.iter_mut())
        {
            unsafe { std::ptr::write_volatile(w, 0) };
        }
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// `h * r mod 2^130 - 5`, partially reduced (limbs below 2^26 + a little).
fn mul_mod(h: &[u32; 5], r: &[u32; 5]) -> [u32; 5] {
    let [h0, h1, h2, h3, h4] = h.map(u64::from);
    let [r0, r1, r2, r3, r4] = r.map(u64::from);
    let (s1, s2, s3, s4) = (r1 * 5, r2 * 5, r3 * 5, r4 * 5);
    let d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
    let mut d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
    let mut d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
    let mut d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
    let mut d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
    let m = u64::from(M26);
    let mut c = d0 >> 26;
    let mut o0 = d0 & m;
    d1 += c;
    c = d1 >> 26;
    let o1 = d1 & m;
    d2 += c;
    c = d2 >> 26;
    let o2 = d2 & m;
    d3 += c;
    c = d3 >> 26;
    let o3 = d3 & m;
    d4 += c;
    c = d4 >> 26;
    let o4 = d4 & m;
    o0 += c * 5;
    c = o0 >> 26;
    o0 &= m;
    let o1 = o1 + c;
    [o0 as u32, o1 as u32, o2 as u32, o3 as u32, o4 as u32]
}

/// Whether the CPU has AVX-512IFMA (52-bit multiply-add), for the radix-2^44 Poly1305.
/// `WSTLS_POLY1305_IFMA=0` turns it off (benchmarks; the 2^26 code is then used).
#[cfg(all(target_arch = "x86_64", wstls_avx512))]
fn ifma_available() -> bool {
    use once_cell::sync::Lazy;
    static I: Lazy<bool> = Lazy::new(|| {
        std::env::var("WSTLS_POLY1305_IFMA").map_or(true, |v| v != "0")
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma")
    });
    *I
}

const M44: u64 = (1 << 44) - 1;
const M42: u64 = (1 << 42) - 1;

/// Radix 2^26 (limbs a little above 2^26 allowed) to radix 2^44 (two 44-bit limbs and one
/// of up to 44 bits): the same number.
#[cfg_attr(not(all(target_arch = "x86_64", wstls_avx512)), allow(dead_code))]
fn to44(h: &[u32; 5]) -> [u64; 3] {
    let [h0, h1, h2, h3, h4] = h.map(u64::from);
    let v0 = h0 + (h1 << 26);
    let v1 = (v0 >> 44) + (h2 << 8) + (h3 << 34);
    let v2 = (v1 >> 44) + (h4 << 16);
    [v0 & M44, v1 & M44, v2]
}

/// Radix 2^44 (limbs below 2^50) back to radix 2^26 (limbs a little above 2^26), reduced
/// modulo 2^130 - 5 on the way.
#[cfg_attr(not(all(target_arch = "x86_64", wstls_avx512)), allow(dead_code))]
fn to26(x: &[u64; 3]) -> [u32; 5] {
    let [mut x0, mut x1, mut x2] = *x;
    let mut c = x0 >> 44;
    x0 &= M44;
    x1 += c;
    c = x1 >> 44;
    x1 &= M44;
    x2 += c;
    c = x2 >> 42;
    x2 &= M42;
    x0 += c * 5;
    c = x0 >> 44;
    x0 &= M44;
    x1 += c; // x1 now at most 2^44
    let m = u64::from(M26);
    [
        (x0 & m) as u32,
        ((x0 >> 26) + ((x1 << 18) & m)) as u32,
        ((x1 >> 8) & m) as u32,
        ((x1 >> 34) + ((x2 << 10) & m)) as u32,
        (x2 >> 16) as u32,
    ]
}

impl Poly1305 {
    pub fn new(key: &[u8; 32]) -> Poly1305 {
        Poly1305 {
            r: [
                le32(key, 0) & 0x3ff_ffff,
                (le32(key, 3) >> 2) & 0x3ff_ff03,
                (le32(key, 6) >> 4) & 0x3ff_c0ff,
                (le32(key, 9) >> 6) & 0x3f0_3fff,
                (le32(key, 12) >> 8) & 0x00f_ffff,
            ],
            h: [0; 5],
            pad: [le32(key, 16), le32(key, 20), le32(key, 24), le32(key, 28)],
        }
    }

    /// Absorbs one full 16-byte block.
    fn block(&mut self, m: &[u8]) {
        let h = [
            self.h[0] + (le32(m, 0) & M26),
            self.h[1] + ((le32(m, 3) >> 2) & M26),
            self.h[2] + ((le32(m, 6) >> 4) & M26),
            self.h[3] + ((le32(m, 9) >> 6) & M26),
            self.h[4] + ((le32(m, 12) >> 8) | (1 << 24)),
        ];
        self.h = mul_mod(&h, &self.r);
    }

    /// Absorbs `data` followed by zeros up to a multiple of 16 bytes.
    pub fn update_padded(&mut self, data: &[u8], avx512: bool) {
        let mut rest = data;
        #[cfg(all(target_arch = "x86_64", wstls_avx512))]
        if avx512 && data.len() >= avx512::POLY_MIN {
            let n = data.len() / 128 * 128;
            // SAFETY: `avx512` is only set when the CPU has AVX-512F; the IFMA variant is
            // chosen only when it also has AVX-512IFMA.
            self.h = unsafe {
                if ifma_available() {
                    avx512::poly_blocks_ifma(&self.h, &self.r, &data[..n])
                } else {
                    avx512::poly_blocks(&self.h, &self.r, &data[..n])
                }
            };
            rest = &data[n..];
        }
        let _ = avx512;
        let mut chunks = rest.chunks_exact(16);
        for m in &mut chunks {
            self.block(m);
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut b = [0u8; 16];
            b[..tail.len()].copy_from_slice(tail);
            self.block(&b);
        }
    }

    /// Absorbs the AEAD's length block and returns the tag.
    pub fn finish_with_lengths(mut self, aad_len: usize, ct_len: usize) -> [u8; TAG_LEN] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&(aad_len as u64).to_le_bytes());
        b[8..].copy_from_slice(&(ct_len as u64).to_le_bytes());
        self.block(&b);
        self.finish()
    }

    fn finish(&mut self) -> [u8; TAG_LEN] {
        let [mut h0, mut h1, mut h2, mut h3, mut h4] = self.h;
        // Full carry.
        let mut c = h1 >> 26;
        h1 &= M26;
        h2 += c;
        c = h2 >> 26;
        h2 &= M26;
        h3 += c;
        c = h3 >> 26;
        h3 &= M26;
        h4 += c;
        c = h4 >> 26;
        h4 &= M26;
        h0 += c * 5;
        c = h0 >> 26;
        h0 &= M26;
        h1 += c;
        // g = h + 5 - 2^130; use it when it does not go negative.
        let mut g0 = h0.wrapping_add(5);
        c = g0 >> 26;
        g0 &= M26;
        let mut g1 = h1.wrapping_add(c);
        c = g1 >> 26;
        g1 &= M26;
        let mut g2 = h2.wrapping_add(c);
        c = g2 >> 26;
        g2 &= M26;
        let mut g3 = h3.wrapping_add(c);
        c = g3 >> 26;
        g3 &= M26;
        let g4 = h4.wrapping_add(c).wrapping_sub(1 << 26);
        let keep_g = (g4 >> 31).wrapping_sub(1); // all ones when g4 did not go negative
        let keep_h = !keep_g;
        h0 = (h0 & keep_h) | (g0 & keep_g);
        h1 = (h1 & keep_h) | (g1 & keep_g);
        h2 = (h2 & keep_h) | (g2 & keep_g);
        h3 = (h3 & keep_h) | (g3 & keep_g);
        h4 = (h4 & keep_h) | (g4 & keep_g);
        // h mod 2^128, plus the pad.
        let w0 = h0 | (h1 << 26);
        let w1 = (h1 >> 6) | (h2 << 20);
        let w2 = (h2 >> 12) | (h3 << 14);
        let w3 = (h3 >> 18) | (h4 << 8);
        let mut f = u64::from(w0) + u64::from(self.pad[0]);
        let t0 = f as u32;
        f = u64::from(w1) + u64::from(self.pad[1]) + (f >> 32);
        let t1 = f as u32;
        f = u64::from(w2) + u64::from(self.pad[2]) + (f >> 32);
        let t2 = f as u32;
        f = u64::from(w3) + u64::from(self.pad[3]) + (f >> 32);
        let t3 = f as u32;
        let mut tag = [0u8; TAG_LEN];
        tag[0..4].copy_from_slice(&t0.to_le_bytes());
        tag[4..8].copy_from_slice(&t1.to_le_bytes());
        tag[8..12].copy_from_slice(&t2.to_le_bytes());
        tag[12..16].copy_from_slice(&t3.to_le_bytes());
        tag
    }
}

// Compiled only by compilers that have the AVX-512 intrinsics (build.rs sets `wstls_avx512`
// for Rust 1.89 and later), so the crate's older MSRV does not apply here. Index loops keep
// the register-array code close to the algorithm's description.
#[cfg(all(target_arch = "x86_64", wstls_avx512))]
#[allow(clippy::incompatible_msrv, clippy::needless_range_loop)]
mod avx512 {
    use std::arch::x86_64::*;

    /// Shortest input for which the eight-way Poly1305 pays for its set-up.
    pub const POLY_MIN: usize = 512;

    macro_rules! qr16 {
        ($x:ident, $a:expr, $b:expr, $c:expr, $d:expr) => {
            $x[$a] = _mm512_add_epi32($x[$a], $x[$b]);
            $x[$d] = _mm512_rol_epi32::<16>(_mm512_xor_si512($x[$d], $x[$a]));
            $x[$c] = _mm512_add_epi32($x[$c], $x[$d]);
            $x[$b] = _mm512_rol_epi32::<12>(_mm512_xor_si512($x[$b], $x[$c]));
            $x[$a] = _mm512_add_epi32($x[$a], $x[$b]);
            $x[$d] = _mm512_rol_epi32::<8>(_mm512_xor_si512($x[$d], $x[$a]));
            $x[$c] = _mm512_add_epi32($x[$c], $x[$d]);
            $x[$b] = _mm512_rol_epi32::<7>(_mm512_xor_si512($x[$b], $x[$c]));
        };
    }

    /// Sixteen blocks of key stream (1 KiB) from `counter`, XORed into `p[..1024]`.
    #[target_feature(enable = "avx512f")]
    unsafe fn sixteen(key: &[u32; 8], nonce: &[u32; 3], counter: u32, p: *mut u8) {
        let ctr = _mm512_add_epi32(
            _mm512_set1_epi32(counter as i32),
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        );
        let s: [__m512i; 16] = [
            _mm512_set1_epi32(super::SIGMA[0] as i32),
            _mm512_set1_epi32(super::SIGMA[1] as i32),
            _mm512_set1_epi32(super::SIGMA[2] as i32),
            _mm512_set1_epi32(super::SIGMA[3] as i32),
            _mm512_set1_epi32(key[0] as i32),
            _mm512_set1_epi32(key[1] as i32),
            _mm512_set1_epi32(key[2] as i32),
            _mm512_set1_epi32(key[3] as i32),
            _mm512_set1_epi32(key[4] as i32),
            _mm512_set1_epi32(key[5] as i32),
            _mm512_set1_epi32(key[6] as i32),
            _mm512_set1_epi32(key[7] as i32),
            ctr,
            _mm512_set1_epi32(nonce[0] as i32),
            _mm512_set1_epi32(nonce[1] as i32),
            _mm512_set1_epi32(nonce[2] as i32),
        ];
        let mut x = s;
        for _ in 0..10 {
            qr16!(x, 0, 4, 8, 12);
            qr16!(x, 1, 5, 9, 13);
            qr16!(x, 2, 6, 10, 14);
            qr16!(x, 3, 7, 11, 15);
            qr16!(x, 0, 5, 10, 15);
            qr16!(x, 1, 6, 11, 12);
            qr16!(x, 2, 7, 8, 13);
            qr16!(x, 3, 4, 9, 14);
        }
        for i in 0..16 {
            x[i] = _mm512_add_epi32(x[i], s[i]);
        }
        // Transpose: first 4x4 within each 128-bit lane, per group of four words, so that lane
        // L of t[g][m] holds words 4g..4g+3 of block 4L+m ...
        let mut t = [[_mm512_setzero_si512(); 4]; 4];
        for g in 0..4 {
            let (v0, v1, v2, v3) = (x[4 * g], x[4 * g + 1], x[4 * g + 2], x[4 * g + 3]);
            let a = _mm512_unpacklo_epi32(v0, v1);
            let b = _mm512_unpackhi_epi32(v0, v1);
            let c = _mm512_unpacklo_epi32(v2, v3);
            let d = _mm512_unpackhi_epi32(v2, v3);
            t[g][0] = _mm512_unpacklo_epi64(a, c);
            t[g][1] = _mm512_unpackhi_epi64(a, c);
            t[g][2] = _mm512_unpacklo_epi64(b, d);
            t[g][3] = _mm512_unpackhi_epi64(b, d);
        }
        // ... then 4x4 of 128-bit lanes across the four groups: block 4L+m whole.
        for m in 0..4 {
            let (a, b, c, d) = (t[0][m], t[1][m], t[2][m], t[3][m]);
            let ab_lo = _mm512_shuffle_i32x4::<0x44>(a, b);
            let ab_hi = _mm512_shuffle_i32x4::<0xEE>(a, b);
            let cd_lo = _mm512_shuffle_i32x4::<0x44>(c, d);
            let cd_hi = _mm512_shuffle_i32x4::<0xEE>(c, d);
            let blocks = [
                _mm512_shuffle_i32x4::<0x88>(ab_lo, cd_lo),
                _mm512_shuffle_i32x4::<0xDD>(ab_lo, cd_lo),
                _mm512_shuffle_i32x4::<0x88>(ab_hi, cd_hi),
                _mm512_shuffle_i32x4::<0xDD>(ab_hi, cd_hi),
            ];
            for (l, k) in blocks.iter().enumerate() {
                let q = p.add(64 * (4 * l + m)) as *mut __m512i;
                _mm512_storeu_si512(q, _mm512_xor_si512(_mm512_loadu_si512(q), *k));
            }
        }
    }

    /// XORs the key stream from block `counter` into `data`.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn xor_keystream(key: &[u32; 8], nonce: &[u32; 3], counter: u32, data: &mut [u8]) {
        let mut ctr = counter;
        let mut chunks = data.chunks_exact_mut(1024);
        for c in &mut chunks {
            sixteen(key, nonce, ctr, c.as_mut_ptr());
            ctr = ctr.wrapping_add(16);
        }
        let tail = chunks.into_remainder();
        if tail.len() > 256 {
            let mut buf = [0u8; 1024];
            buf[..tail.len()].copy_from_slice(tail);
            sixteen(key, nonce, ctr, buf.as_mut_ptr());
            tail.copy_from_slice(&buf[..tail.len()]);
            buf.fill(0);
        } else if !tail.is_empty() {
            super::xor_keystream_portable(key, nonce, ctr, tail);
        }
    }

    #[derive(Clone, Copy)]
    struct Limbs([__m512i; 5]);

    /// Eight blocks (128 bytes) as radix-2^26 limbs, block j in lane j, with the 2^128 bit.
    #[inline(always)]
    unsafe fn load8(p: *const u8) -> Limbs {
        let x = _mm512_loadu_si512(p as *const __m512i);
        let y = _mm512_loadu_si512(p.add(64) as *const __m512i);
        let lo = _mm512_permutex2var_epi64(x, _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), y);
        let hi = _mm512_permutex2var_epi64(x, _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15), y);
        let m = _mm512_set1_epi64(super::M26 as i64);
        Limbs([
            _mm512_and_si512(lo, m),
            _mm512_and_si512(_mm512_srli_epi64::<26>(lo), m),
            _mm512_and_si512(
                _mm512_or_si512(_mm512_srli_epi64::<52>(lo), _mm512_slli_epi64::<12>(hi)),
                m,
            ),
            _mm512_and_si512(_mm512_srli_epi64::<14>(hi), m),
            _mm512_or_si512(_mm512_srli_epi64::<40>(hi), _mm512_set1_epi64(1 << 24)),
        ])
    }

    #[inline(always)]
    unsafe fn add(a: Limbs, b: Limbs) -> Limbs {
        Limbs([
            _mm512_add_epi64(a.0[0], b.0[0]),
            _mm512_add_epi64(a.0[1], b.0[1]),
            _mm512_add_epi64(a.0[2], b.0[2]),
            _mm512_add_epi64(a.0[3], b.0[3]),
            _mm512_add_epi64(a.0[4], b.0[4]),
        ])
    }

    /// `h * r mod 2^130 - 5` per lane; `s` is `5 * r` (limbs 1..4 used).
    #[inline(always)]
    unsafe fn mul(h: Limbs, r: &Limbs, s: &Limbs) -> Limbs {
        let [h0, h1, h2, h3, h4] = h.0;
        let [r0, r1, r2, r3, r4] = r.0;
        let [_, s1, s2, s3, s4] = s.0;
        let m = |a, b| _mm512_mul_epu32(a, b);
        let a = |a, b| _mm512_add_epi64(a, b);
        let d0 = a(
            a(a(m(h0, r0), m(h1, s4)), a(m(h2, s3), m(h3, s2))),
            m(h4, s1),
        );
        let d1 = a(
            a(a(m(h0, r1), m(h1, r0)), a(m(h2, s4), m(h3, s3))),
            m(h4, s2),
        );
        let d2 = a(
            a(a(m(h0, r2), m(h1, r1)), a(m(h2, r0), m(h3, s4))),
            m(h4, s3),
        );
        let d3 = a(
            a(a(m(h0, r3), m(h1, r2)), a(m(h2, r1), m(h3, r0))),
            m(h4, s4),
        );
        let d4 = a(
            a(a(m(h0, r4), m(h1, r3)), a(m(h2, r2), m(h3, r1))),
            m(h4, r0),
        );
        let mask = _mm512_set1_epi64(super::M26 as i64);
        let c = _mm512_srli_epi64::<26>(d0);
        let o0 = _mm512_and_si512(d0, mask);
        let d1 = a(d1, c);
        let c = _mm512_srli_epi64::<26>(d1);
        let o1 = _mm512_and_si512(d1, mask);
        let d2 = a(d2, c);
        let c = _mm512_srli_epi64::<26>(d2);
        let o2 = _mm512_and_si512(d2, mask);
        let d3 = a(d3, c);
        let c = _mm512_srli_epi64::<26>(d3);
        let o3 = _mm512_and_si512(d3, mask);
        let d4 = a(d4, c);
        let c = _mm512_srli_epi64::<26>(d4);
        let o4 = _mm512_and_si512(d4, mask);
        let o0 = a(o0, a(c, _mm512_slli_epi64::<2>(c))); // + 5c
        let c = _mm512_srli_epi64::<26>(o0);
        let o0 = _mm512_and_si512(o0, mask);
        let o1 = a(o1, c);
        Limbs([o0, o1, o2, o3, o4])
    }

    unsafe fn splat(r: &[u32; 5]) -> (Limbs, Limbs) {
        let v = |x: u32| _mm512_set1_epi64(i64::from(x));
        (Limbs(r.map(v)), Limbs(r.map(|x| v(x * 5))))
    }

    /// Absorbs `data` (a multiple of 128 bytes, at least 256) into `h`; returns the new `h`.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn poly_blocks(h: &[u32; 5], r: &[u32; 5], data: &[u8]) -> [u32; 5] {
        debug_assert!(data.len() % 128 == 0 && data.len() >= 256);
        // Powers r^1 .. r^8.
        let mut pw = [*r; 8];
        for i in 1..8 {
            pw[i] = super::mul_mod(&pw[i - 1], r);
        }
        let (r8, s8) = splat(&pw[7]);
        // Lane j is finally multiplied by r^(8-j).
        let lane = |k: usize| {
            _mm512_setr_epi64(
                i64::from(pw[7][k]),
                i64::from(pw[6][k]),
                i64::from(pw[5][k]),
                i64::from(pw[4][k]),
                i64::from(pw[3][k]),
                i64::from(pw[2][k]),
                i64::from(pw[1][k]),
                i64::from(pw[0][k]),
            )
        };
        let rl = Limbs([lane(0), lane(1), lane(2), lane(3), lane(4)]);
        // 5 * r^k (the limbs are below 2^27, so the low-32-bit multiply is exact).
        let five = _mm512_set1_epi64(5);
        let sl = Limbs(rl.0.map(|x| _mm512_mul_epu32(x, five)));

        let n = data.len() / 128;
        let p = data.as_ptr();
        // Lane 0 starts with the running state.
        let first = Limbs(h.map(|x| _mm512_maskz_mov_epi64(1, _mm512_set1_epi64(i64::from(x)))));
        let mut acc = add(load8(p), first);
        for i in 1..n {
            acc = add(mul(acc, &r8, &s8), load8(p.add(128 * i)));
        }
        acc = mul(acc, &rl, &sl);
        // Sum the lanes (each below 2^27, so the sums fit easily) and carry once.
        let mut d = [0u64; 5];
        for (k, v) in acc.0.iter().enumerate() {
            d[k] = _mm512_reduce_add_epi64(*v) as u64;
        }
        let m = u64::from(super::M26);
        let mut c = d[0] >> 26;
        d[0] &= m;
        for k in 1..5 {
            d[k] += c;
            c = d[k] >> 26;
            d[k] &= m;
        }
        d[0] += c * 5;
        c = d[0] >> 26;
        d[0] &= m;
        d[1] += c;
        d.map(|x| x as u32)
    }
    /// Eight blocks as radix-2^44 limbs (44, 44 and 40 bits plus the 2^128 bit), block j in
    /// lane j.
    #[inline(always)]
    unsafe fn load8_44(p: *const u8) -> [__m512i; 3] {
        let x = _mm512_loadu_si512(p as *const __m512i);
        let y = _mm512_loadu_si512(p.add(64) as *const __m512i);
        let lo = _mm512_permutex2var_epi64(x, _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), y);
        let hi = _mm512_permutex2var_epi64(x, _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15), y);
        let m44 = _mm512_set1_epi64(super::M44 as i64);
        [
            _mm512_and_si512(lo, m44),
            _mm512_and_si512(
                _mm512_or_si512(_mm512_srli_epi64::<44>(lo), _mm512_slli_epi64::<20>(hi)),
                m44,
            ),
            _mm512_or_si512(_mm512_srli_epi64::<24>(hi), _mm512_set1_epi64(1 << 40)),
        ]
    }

    /// `h * r mod 2^130 - 5` per lane in radix 2^44 with 52-bit multiply-adds; `s` is `20 * r`
    /// (limbs 1 and 2 used). Limbs in below 2^46, out: 44, 44 and 42 bits plus small carries.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn mul44(h: [__m512i; 3], r: &[__m512i; 3], s: &[__m512i; 3]) -> [__m512i; 3] {
        let [h0, h1, h2] = h;
        let z = _mm512_setzero_si512();
        let lo = |acc, a, b| _mm512_madd52lo_epu64(acc, a, b);
        let hi = |acc, a, b| _mm512_madd52hi_epu64(acc, a, b);
        // d_k = sum of products at weight 2^(44k); low halves weigh 1, high halves 2^52.
        let d0l = lo(lo(lo(z, h0, r[0]), h1, s[2]), h2, s[1]);
        let d0h = hi(hi(hi(z, h0, r[0]), h1, s[2]), h2, s[1]);
        let d1l = lo(lo(lo(z, h0, r[1]), h1, r[0]), h2, s[2]);
        let d1h = hi(hi(hi(z, h0, r[1]), h1, r[0]), h2, s[2]);
        let d2l = lo(lo(lo(z, h0, r[2]), h1, r[1]), h2, r[0]);
        let d2h = hi(hi(hi(z, h0, r[2]), h1, r[1]), h2, r[0]);
        let m44 = _mm512_set1_epi64(super::M44 as i64);
        let m42 = _mm512_set1_epi64(super::M42 as i64);
        // 2^52 = 2^44 * 2^8: a high half moves one limb up, shifted by 8.
        let t0 = d0l;
        let o0 = _mm512_and_si512(t0, m44);
        let t1 = _mm512_add_epi64(
            _mm512_add_epi64(d1l, _mm512_slli_epi64::<8>(d0h)),
            _mm512_srli_epi64::<44>(t0),
        );
        let o1 = _mm512_and_si512(t1, m44);
        let t2 = _mm512_add_epi64(
            _mm512_add_epi64(d2l, _mm512_slli_epi64::<8>(d1h)),
            _mm512_srli_epi64::<44>(t1),
        );
        let o2 = _mm512_and_si512(t2, m42);
        // Above 2^130: t2 >> 42, and d2h at 2^(88+52) = 2^130 * 2^10; times 5 into limb 0.
        let c = _mm512_add_epi64(_mm512_srli_epi64::<42>(t2), _mm512_slli_epi64::<10>(d2h));
        let o0 = _mm512_add_epi64(o0, _mm512_add_epi64(c, _mm512_slli_epi64::<2>(c)));
        let o1 = _mm512_add_epi64(o1, _mm512_srli_epi64::<44>(o0));
        let o0 = _mm512_and_si512(o0, m44);
        [o0, o1, o2]
    }

    /// As [`poly_blocks`], in radix 2^44 with AVX-512IFMA.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub unsafe fn poly_blocks_ifma(h: &[u32; 5], r: &[u32; 5], data: &[u8]) -> [u32; 5] {
        debug_assert!(data.len() % 128 == 0 && data.len() >= 256);
        let mut pw = [*r; 8];
        for i in 1..8 {
            pw[i] = super::mul_mod(&pw[i - 1], r);
        }
        let pw44 = pw.map(|p| super::to44(&p));
        let v = |x: u64| _mm512_set1_epi64(x as i64);
        let r8 = pw44[7].map(v);
        let s8 = pw44[7].map(|x| v(x * 20));
        let lane = |k: usize, f: u64| {
            _mm512_setr_epi64(
                (pw44[7][k] * f) as i64,
                (pw44[6][k] * f) as i64,
                (pw44[5][k] * f) as i64,
                (pw44[4][k] * f) as i64,
                (pw44[3][k] * f) as i64,
                (pw44[2][k] * f) as i64,
                (pw44[1][k] * f) as i64,
                (pw44[0][k] * f) as i64,
            )
        };
        let rl = [lane(0, 1), lane(1, 1), lane(2, 1)];
        let sl = [lane(0, 20), lane(1, 20), lane(2, 20)];

        let n = data.len() / 128;
        let p = data.as_ptr();
        let h44 = super::to44(h);
        let m = load8_44(p);
        let mut acc = [0, 1, 2]
            .map(|k| _mm512_mask_add_epi64(m[k], 1, m[k], _mm512_set1_epi64(h44[k] as i64)));
        for i in 1..n {
            let a = mul44(acc, &r8, &s8);
            let m = load8_44(p.add(128 * i));
            acc = [
                _mm512_add_epi64(a[0], m[0]),
                _mm512_add_epi64(a[1], m[1]),
                _mm512_add_epi64(a[2], m[2]),
            ];
        }
        let a = mul44(acc, &rl, &sl);
        // Lane sums: below 2^48, well inside what to26 reduces.
        let sum = a.map(|x| _mm512_reduce_add_epi64(x) as u64);
        super::to26(&sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8439 section 2.4.2 (ChaCha20 encryption, counter 1).
    #[test]
    fn rfc8439_chacha20() {
        let key: [u8; 32] = (0u8..32).collect::<Vec<_>>().try_into().unwrap();
        let nonce = hex("000000000000004a00000000");
        let pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let want = hex(
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b
             f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8
             07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736
             5af90bbf74a35be6b40b8eedf2785e42874d",
        );
        let k = Key::with_avx512(&key, false);
        let n = nonce_words(&nonce.try_into().unwrap());
        for avx in [false, true] {
            let mut d = pt.to_vec();
            if avx && avx512_available() {
                #[cfg(all(target_arch = "x86_64", wstls_avx512))]
                unsafe {
                    avx512::xor_keystream(&k.k, &n, 1, &mut d)
                };
            } else {
                xor_keystream_portable(&k.k, &n, 1, &mut d);
            }
            assert_eq!(d, want);
        }
    }

    /// RFC 8439 section 2.5.2 (Poly1305). The message is not a multiple of 16 bytes, so this
    /// drives the unpadded form by hand.
    #[test]
    fn rfc8439_poly1305() {
        let key = hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        let mut p = Poly1305::new(&key.try_into().unwrap());
        let msg = b"Cryptographic Forum Research Group";
        for m in msg.chunks_exact(16) {
            p.block(m);
        }
        // Final partial block: 0x01 after the message, no 2^128 bit.
        let tail = &msg[32..];
        let mut b = [0u8; 16];
        b[..tail.len()].copy_from_slice(tail);
        b[tail.len()] = 1;
        let h = [
            p.h[0] + (le32(&b, 0) & M26),
            p.h[1] + ((le32(&b, 3) >> 2) & M26),
            p.h[2] + ((le32(&b, 6) >> 4) & M26),
            p.h[3] + ((le32(&b, 9) >> 6) & M26),
            p.h[4] + (le32(&b, 12) >> 8),
        ];
        p.h = mul_mod(&h, &p.r);
        assert_eq!(p.finish().to_vec(), hex("a8061dc1305136c6c22b8baf0c0127a9"));
    }

    /// Both vector Poly1305 paths (radix 2^26 with AVX-512F, radix 2^44 with IFMA) against the
    /// portable one, from random running states, over random data of every vector length.
    #[test]
    fn poly1305_paths_agree() {
        let mut seed = 0x0123_4567_89ab_cdefu64;
        let mut rnd = move |b: &mut [u8]| {
            for x in b.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *x = seed as u8;
            }
        };
        #[allow(unused_variables)]
        for blocks in (16..=160).step_by(8) {
            let mut key = [0u8; 32];
            let mut pre = [0u8; 48];
            let mut data = vec![0u8; 16 * blocks];
            rnd(&mut key);
            rnd(&mut pre);
            rnd(&mut data);
            let mut want = Poly1305::new(&key);
            want.update_padded(&pre, false);
            let start = want.h;
            want.update_padded(&data, false);
            let want = want.finish();
            #[cfg(all(target_arch = "x86_64", wstls_avx512))]
            if avx512_available() {
                let mut got = Poly1305::new(&key);
                got.h = unsafe { avx512::poly_blocks(&start, &got.r, &data) };
                assert_eq!(got.finish(), want, "radix 2^26, {blocks} blocks");
                if std::arch::is_x86_feature_detected!("avx512ifma") {
                    let mut got = Poly1305::new(&key);
                    got.h = unsafe { avx512::poly_blocks_ifma(&start, &got.r, &data) };
                    assert_eq!(got.finish(), want, "radix 2^44, {blocks} blocks");
                }
            }
        }
        // The radix conversions keep the number.
        for h in [
            [0u32; 5],
            [M26; 5],
            [M26 + 7, M26 + 9, M26, M26 + 1, M26 + 3],
            [1, 0, 0, 0, 0],
        ] {
            let mut a = Poly1305::new(&[1u8; 32]);
            a.h = h;
            let mut b = Poly1305::new(&[1u8; 32]);
            b.h = to26(&to44(&h));
            assert_eq!(a.finish(), b.finish(), "{h:?}");
        }
    }

    /// RFC 8439 section 2.8.2 (AEAD).
    #[test]
    fn rfc8439_aead() {
        let key: [u8; 32] = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
            .try_into()
            .unwrap();
        let nonce: [u8; 12] = hex("070000004041424344454647").try_into().unwrap();
        let aad = hex("50515253c0c1c2c3c4c5c6c7");
        let pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let want_ct = hex(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
             3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
             92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
             3ff4def08e4b7a9de576d26586cec64b6116",
        );
        let want_tag = hex("1ae10b594f09e26a7e902ecbd0600691");
        for avx in [false, true] {
            let k = Key::with_avx512(&key, avx);
            let mut d = pt.to_vec();
            let tag = k.seal_in_place_separate_tag(&nonce, &aad, &mut d).unwrap();
            assert_eq!(d, want_ct);
            assert_eq!(tag.to_vec(), want_tag);
            d.extend_from_slice(&tag);
            let plain = k.open_in_place(&nonce, &aad, &mut d).unwrap();
            assert_eq!(plain, &pt[..]);
        }
    }

    /// Against the crypto provider's AEAD: random keys, nonces and AADs, every length through
    /// 3 KiB and then TLS-record sizes, both implementations; altered inputs rejected.
    #[test]
    fn matches_provider() {
        #[cfg(feature = "aws-lc-rs")]
        use aws_lc_rs::aead;
        #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
        use ring::aead;
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move |b: &mut [u8]| {
            for x in b.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *x = seed as u8;
            }
        };
        let mut lens: Vec<usize> = (0..=3072).collect();
        lens.extend([
            4095, 4096, 4097, 8191, 8192, 16383, 16384, 16385, 16401, 16640, 20000,
        ]);
        for (i, len) in lens.into_iter().enumerate() {
            let mut key = [0u8; 32];
            let mut nonce = [0u8; 12];
            let mut aad = vec![0u8; i % 40];
            let mut pt = vec![0u8; len];
            rnd(&mut key);
            rnd(&mut nonce);
            rnd(&mut aad);
            rnd(&mut pt);
            let theirs = aead::LessSafeKey::new(
                aead::UnboundKey::new(&aead::CHACHA20_POLY1305, &key).unwrap(),
            );
            let mut want = pt.clone();
            let want_tag = theirs
                .seal_in_place_separate_tag(
                    aead::Nonce::assume_unique_for_key(nonce),
                    aead::Aad::from(&aad[..]),
                    &mut want,
                )
                .unwrap();
            for avx in [false, true] {
                let k = Key::with_avx512(&key, avx);
                let mut d = pt.clone();
                let tag = k.seal_in_place_separate_tag(&nonce, &aad, &mut d).unwrap();
                assert_eq!(d, want, "ciphertext, len {len}, avx512 {avx}");
                assert_eq!(&tag[..], want_tag.as_ref(), "tag, len {len}, avx512 {avx}");
                d.extend_from_slice(&tag);
                let mut bad = d.clone();
                let plain = k.open_in_place(&nonce, &aad, &mut d).unwrap();
                assert_eq!(plain, &pt[..]);
                // One flipped bit anywhere (ciphertext or tag) is rejected, nothing decrypted.
                let at = (i * 7919) % bad.len();
                bad[at] ^= 1 << (i % 8);
                let before = bad.clone();
                assert!(k.open_in_place(&nonce, &aad, &mut bad).is_err());
                assert_eq!(bad, before);
            }
        }
    }
}
