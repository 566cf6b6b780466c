// The ChaCha20-Poly1305 fuzz driver (wstls::tls::chacha, the AVX-512 record AEAD), shared by
// the cargo-fuzz target (fuzz_targets/chacha.rs) and the plain test that runs generated
// inputs through it (tests/fuzz_replay.rs). Differential: every result must equal aws-lc's.
//
// Input layout: 32 bytes of key, 12 of nonce, one byte for the AAD length (capped at what is
// left), then the AAD, then the plaintext. Checked, with the portable code and with AVX-512
// (where the CPU has it): the ciphertext and tag equal aws-lc's; our opening of aws-lc's
// record gives the plaintext back; a flipped bit (position from the input) or another AAD is
// rejected and leaves the buffer as it was.
#![allow(dead_code)]

use aws_lc_rs::aead;
use wstls::tls::chacha::Key;

pub fn run(data: &[u8]) {
    if data.len() < 45 {
        return;
    }
    let key: [u8; 32] = data[..32].try_into().unwrap();
    let nonce: [u8; 12] = data[32..44].try_into().unwrap();
    let rest = &data[45..];
    let alen = usize::from(data[44]).min(rest.len());
    let (aad, pt) = rest.split_at(alen);

    let theirs =
        aead::LessSafeKey::new(aead::UnboundKey::new(&aead::CHACHA20_POLY1305, &key).unwrap());
    let mut want = pt.to_vec();
    theirs
        .seal_in_place_append_tag(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(aad),
            &mut want,
        )
        .unwrap();

    for avx in [false, true] {
        let k = Key::with_avx512(&key, avx);
        let mut d = pt.to_vec();
        let tag = k.seal_in_place_separate_tag(&nonce, aad, &mut d).unwrap();
        d.extend_from_slice(&tag);
        assert!(
            d == want,
            "seal differs from aws-lc (len {}, avx512 {avx})",
            pt.len()
        );

        let mut w = want.clone();
        let opened = k.open_in_place(&nonce, aad, &mut w).unwrap();
        assert!(
            opened == pt,
            "open of aws-lc's record differs (avx512 {avx})"
        );

        let mut bad = want.clone();
        let at = (usize::from(data[0]) | usize::from(data[1]) << 8) % bad.len();
        bad[at] ^= 1 << (data[2] % 8);
        let before = bad.clone();
        assert!(k.open_in_place(&nonce, aad, &mut bad).is_err());
        assert!(bad == before, "a rejected record was modified");

        let mut other_aad = aad.to_vec();
        other_aad.push(data[3]);
        let mut w = want.clone();
        assert!(k.open_in_place(&nonce, &other_aad, &mut w).is_err());
    }
}
