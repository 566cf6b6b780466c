//! Certificate checks a client does by default (issue "reliability and security"): expired,
//! not yet valid, wrong extended key usage, a CA used as leaf, name mismatch, unknown issuer
//! and bad signature are all refused on every face (CE sockets and the secure socket
//! extensions: `WSAECONNABORTED`; SSPI: the matching `SEC_E_*`), with a message saying why; a
//! good certificate from the same CA is accepted (the control).
mod common;
mod faces;
mod peer;
mod sspi_common;

use faces::*;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use wstls::win::sspi::*;
use wstls::win::wsa;

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

fn new_ca(name: &str) -> Ca {
    let k = KeyPair::generate().unwrap();
    let p = ca_params(name);
    let c = p.self_signed(&k).unwrap();
    Ca {
        der: c.der().clone(),
        issuer: Issuer::new(p, k),
    }
}

/// The trusted CA of this file (added to wstls's roots once).
fn trusted_ca() -> &'static Ca {
    static CA: once_cell::sync::OnceCell<Ca> = once_cell::sync::OnceCell::new();
    CA.get_or_init(|| {
        let ca = new_ca("wstls cert-check CA");
        wstls::tls::roots::add(vec![ca.der.clone()]).unwrap();
        ca
    })
}

fn leaf_params(names: &[&str]) -> CertificateParams {
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p
}

fn issue(p: CertificateParams, ca: &Ca) -> peer::Ident {
    let k = KeyPair::generate().unwrap();
    let c = p.signed_by(&k, &ca.issuer).unwrap();
    peer::Ident {
        chain: vec![c.der().clone(), ca.der.clone()],
        key: PrivateKeyDer::try_from(k.serialize_der()).unwrap(),
    }
}

/// A client of `face` (peer name "localhost") against a server presenting `id`: `Ok(())` or
/// the failure of the handshake.
fn connect_to(face: &Face, id: peer::Ident, v: peer::Ver) -> Result<(), Failure> {
    trusted_ca();
    let h = peer::serve(move |mut s| {
        let _ = peer::handshake(&mut s, peer::server_config(v, &id));
        peer::stall(s);
    });
    let r = (face.connect)(h.port, 20_000).map(|_| ());
    h.join();
    r
}

/// Refused on every face and both versions, the message saying `why`; SSPI's status is
/// `sec` when given.
fn refused_with(id: peer::Ident, why: &str, sec: Option<i32>) {
    for_each_face(|face| {
        for v in [peer::Ver::Tls13, peer::Ver::Tls12] {
            match connect_to(face, id.clone(), v) {
                Ok(()) => panic!(
                    "{}: {v:?}: a server certificate that is {why} was accepted",
                    face.name
                ),
                Err(f) => {
                    eprintln!("{} {v:?} {why}: {:#x} {}", face.name, f.code, f.message);
                    assert_eq!(f.end, End::Aborted, "{}: {why}: {f:?}", face.name);
                    if f.code > 0 {
                        assert_eq!(f.code, wsa::WSAECONNABORTED);
                    } else if let Some(st) = sec {
                        assert_eq!(f.code, st, "{}: {why}: {}", face.name, f.message);
                    }
                    assert!(
                        f.message.to_lowercase().contains(why),
                        "{}: {v:?}: the message should say '{why}': {}",
                        face.name,
                        f.message
                    );
                }
            }
        }
    });
}

fn refused(id: peer::Ident, why: &str) {
    refused_with(id, why, None)
}

#[test]
fn good_certificate_is_accepted() {
    let id = issue(leaf_params(&["localhost"]), trusted_ca());
    for_each_face(|face| {
        for v in [peer::Ver::Tls13, peer::Ver::Tls12] {
            if let Err(f) = connect_to(face, id.clone(), v) {
                panic!("{} {v:?}: a good certificate was refused: {f:?}", face.name);
            }
        }
    });
}

#[test]
fn expired() {
    let mut p = leaf_params(&["localhost"]);
    p.not_before = rcgen::date_time_ymd(2001, 1, 1);
    p.not_after = rcgen::date_time_ymd(2002, 1, 1);
    refused_with(issue(p, trusted_ca()), "expired", Some(SEC_E_CERT_EXPIRED));
}

#[test]
fn not_yet_valid() {
    let mut p = leaf_params(&["localhost"]);
    p.not_before = rcgen::date_time_ymd(2090, 1, 1);
    p.not_after = rcgen::date_time_ymd(2091, 1, 1);
    refused(issue(p, trusted_ca()), "not valid yet");
}

#[test]
fn wrong_extended_key_usage() {
    let mut p = leaf_params(&["localhost"]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    // Schannel: SEC_E_CERT_WRONG_USAGE (CERT_E_WRONG_USAGE from the chain engine).
    refused_with(
        issue(p, trusted_ca()),
        "purpose",
        Some(SEC_E_CERT_WRONG_USAGE),
    );
}

#[test]
fn ca_used_as_leaf() {
    let mut p = leaf_params(&["localhost"]);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    refused(issue(p, trusted_ca()), "ca certificate");
}

#[test]
fn name_mismatch() {
    refused_with(
        issue(leaf_params(&["other.example"]), trusted_ca()),
        "expected name",
        Some(SEC_E_WRONG_PRINCIPAL),
    );
}

#[test]
fn unknown_issuer() {
    let rogue = new_ca("untrusted CA");
    refused_with(
        issue(leaf_params(&["localhost"]), &rogue),
        "unknown issuer",
        Some(SEC_E_UNTRUSTED_ROOT),
    );
}

#[test]
fn self_signed_leaf() {
    let k = KeyPair::generate().unwrap();
    let c = leaf_params(&["localhost"]).self_signed(&k).unwrap();
    let id = peer::Ident {
        chain: vec![c.der().clone()],
        key: PrivateKeyDer::try_from(k.serialize_der()).unwrap(),
    };
    // Refused; the reason webpki gives depends on which roots have a matching subject.
    for_each_face(|face| {
        for v in [peer::Ver::Tls13, peer::Ver::Tls12] {
            let f = connect_to(face, id.clone(), v).expect_err("a self-signed leaf was accepted");
            assert_eq!(f.end, End::Aborted, "{f:?}");
        }
    });
}

#[test]
fn bad_signature() {
    let mut id = issue(leaf_params(&["localhost"]), trusted_ca());
    let mut der = id.chain[0].to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01; // inside the signature value
    id.chain[0] = CertificateDer::from(der);
    refused(id, "bad signature");
}
