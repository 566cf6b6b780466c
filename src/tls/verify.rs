//! Server (and client) certificate verification shared by every face.
//!
//! The chain is checked against the trust roots with webpki and, when a name is expected, the
//! name too. Then the policy decides: the CE validation hook (called exactly once, with no
//! wstls lock held, receiving the leaf in DER and `SSL_CERT_FLAG_ISSUER_UNKNOWN` when either
//! check failed) has the last word; without a hook both checks must pass, unless the
//! program's flags (Schannel's manual validation, no-servername-check) waive them. Handshake
//! signatures are always verified: no hook or flag can waive the proof that the peer holds
//! the certificate's key.
use std::os::raw::c_void;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// CE `SSLVALIDATECERTFUNC`: `int fn(DWORD dwType, LPVOID pvArg, DWORD dwChainLen, LPBLOB
/// pCertChain, DWORD dwFlags)`.
pub type ValidateCertFn =
    unsafe extern "C" fn(u32, *mut c_void, u32, *mut crate::win::sslsock::BLOB, u32) -> i32;

/// A CE validation hook and its `pvArg` (kept as an integer so the settings are `Send`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hook {
    pub func: usize,
    pub arg: usize,
}

/// Who decides whether the peer's certificate is acceptable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    /// The name to check the certificate against (`None`: no name check).
    pub name: Option<String>,
    /// Check the chain against the trust roots (Schannel manual validation turns it off).
    pub check_chain: bool,
    /// Check the name when one is known (Schannel `SCH_CRED_NO_SERVERNAME_CHECK` turns it off).
    pub check_name: bool,
    /// The CE hook: when set, its answer decides.
    pub hook: Option<Hook>,
    /// Without a hook and without a name, fail (CE sockets: secure by default).
    pub require_name: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            name: None,
            check_chain: true,
            check_name: true,
            hook: None,
            require_name: false,
        }
    }
}

/// What verification found, readable after the handshake.
#[derive(Default, Debug, Clone)]
pub struct Outcome {
    /// The peer's chain as sent, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The chain ends in a trusted root (and is valid now, with the right usage).
    pub chain_ok: Option<bool>,
    /// Why the chain failed.
    pub chain_error: Option<CertificateError>,
    /// The name matched (`None`: no name was checked).
    pub name_ok: Option<bool>,
    /// How many times the hook ran and its last answer.
    pub hook_calls: u32,
    pub hook_result: Option<i32>,
    /// The final verdict.
    pub accepted: bool,
    /// A message for the last-error text when rejected.
    pub message: Option<String>,
}

pub type SharedOutcome = Arc<Mutex<Outcome>>;

thread_local! {
    static CURRENT: std::cell::RefCell<Option<SharedOutcome>> = const { std::cell::RefCell::new(None) };
    /// The chains being validated by hooks running on this thread, innermost last (a hook may
    /// start another handshake). Each entry is a `BLOB` per certificate, leaf first, pointing
    /// into a chain that outlives the hook call.
    static HOOK_CHAINS: std::cell::RefCell<Vec<Vec<crate::win::sslsock::BLOB>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` (which processes handshake messages of one connection) with `outcome` as the slot
/// the verifier reports into. Verifiers are shared by every connection of a cached config
/// (rustls resumes only with the same verifier), so the per-connection result travels this
/// way: the handshake runs on the calling thread.
pub fn scoped<T>(outcome: &SharedOutcome, f: impl FnOnce() -> T) -> T {
    let prev = CURRENT.with(|c| c.replace(Some(outcome.clone())));
    let r = f();
    CURRENT.with(|c| *c.borrow_mut() = prev);
    r
}

/// Makes a chain visible to [`hook_chain`] for the duration of a hook call.
struct HookChainGuard;

impl HookChainGuard {
    fn push(chain: &[CertificateDer<'static>]) -> HookChainGuard {
        let blobs = chain
            .iter()
            .map(|c| crate::win::sslsock::BLOB {
                cbSize: c.len() as u32,
                pBlobData: c.as_ptr() as *mut u8,
            })
            .collect();
        HOOK_CHAINS.with(|h| h.borrow_mut().push(blobs));
        HookChainGuard
    }
}

impl Drop for HookChainGuard {
    fn drop(&mut self) {
        HOOK_CHAINS.with(|h| {
            h.borrow_mut().pop();
        });
    }
}

/// The chain of the validation hook running on this thread (innermost): a pointer to its
/// `BLOB` array and the count, valid until that hook returns. `None` outside a hook.
pub fn hook_chain() -> Option<(*mut crate::win::sslsock::BLOB, usize)> {
    HOOK_CHAINS.with(|h| h.borrow_mut().last_mut().map(|v| (v.as_mut_ptr(), v.len())))
}

/// The server-certificate verifier used by every client connection.
#[derive(Debug)]
pub struct Verifier {
    pub provider: Arc<CryptoProvider>,
    pub roots: Arc<RootCertStore>,
    pub policy: Policy,
    pub outcome: SharedOutcome,
}

impl Verifier {
    pub fn new(roots: Arc<RootCertStore>, policy: Policy) -> Self {
        Verifier {
            provider: super::provider(),
            roots,
            policy,
            outcome: Arc::default(),
        }
    }
}

fn cert_error_text(e: &CertificateError) -> String {
    match e {
        CertificateError::UnknownIssuer
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => "the certificate chain does not end in a trusted root (unknown issuer); add the CA with WSTLS_CA_FILE or wstls_add_trusted_ca_file".into(),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "the certificate has expired".into(),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => "the certificate is not valid yet".into(),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => "the certificate is not valid for the expected name".into(),
        CertificateError::BadSignature => "a certificate in the chain has a bad signature".into(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => "the certificate is not valid for this purpose (extended key usage)".into(),
        CertificateError::Other(o) => {
            // webpki's errors arrive wrapped; name the ones a user can act on.
            let t = format!("{o:?}");
            if t.contains("CaUsedAsEndEntity") {
                "the server presented a CA certificate as its own (end-entity) certificate".into()
            } else if t.contains("MaximumPathDepthExceeded")
                || t.contains("MaximumPathBuildCallsExceeded")
                || t.contains("MaximumSignatureChecksExceeded")
            {
                format!("the certificate chain is too long or too complex to verify ({t})")
            } else {
                format!("certificate rejected: {t}")
            }
        }
        other => format!("certificate rejected: {other:?}"),
    }
}

/// Runs the chain and name checks and the policy. Called by rustls during the handshake.
pub fn decide(
    provider: &CryptoProvider,
    roots: &RootCertStore,
    policy: &Policy,
    outcome: &SharedOutcome,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> Result<(), rustls::Error> {
    let mut o = Outcome {
        chain: std::iter::once(end_entity)
            .chain(intermediates.iter())
            .map(|c| c.clone().into_owned())
            .collect(),
        ..Default::default()
    };
    let parsed = ParsedCertificate::try_from(end_entity);
    let chain_result = match &parsed {
        Ok(p) => rustls::client::verify_server_cert_signed_by_trust_anchor(
            p,
            roots,
            intermediates,
            now,
            provider.signature_verification_algorithms.all,
        ),
        Err(e) => Err(e.clone()),
    };
    let chain_err = match chain_result {
        Ok(()) => None,
        Err(rustls::Error::InvalidCertificate(ce)) => Some(ce),
        Err(e) => Some(CertificateError::Other(rustls::OtherError(Arc::new(
            std::io::Error::other(e.to_string()),
        )))),
    };
    o.chain_ok = Some(chain_err.is_none());
    o.chain_error = chain_err.clone();
    let name_err = match (&policy.name, &parsed) {
        (Some(name), Ok(p)) if policy.check_name => {
            let r = ServerName::try_from(name.as_str())
                .map_err(|_| CertificateError::NotValidForName)
                .and_then(|sn| {
                    rustls::client::verify_server_name(p, &sn)
                        .map_err(|_| CertificateError::NotValidForName)
                });
            o.name_ok = Some(r.is_ok());
            r.err()
        }
        (Some(_), Err(_)) if policy.check_name => {
            o.name_ok = Some(false);
            Some(CertificateError::BadEncoding)
        }
        _ => None,
    };

    let verdict: Result<(), rustls::Error> = if let Some(hook) = policy.hook {
        let flags = if chain_err.is_some() || name_err.is_some() {
            crate::win::sslsock::SSL_CERT_FLAG_ISSUER_UNKNOWN
        } else {
            0
        };
        let mut blob = crate::win::sslsock::BLOB {
            cbSize: end_entity.len() as u32,
            pBlobData: end_entity.as_ptr() as *mut u8,
        };
        // SAFETY: the program gave us this function pointer through SO_SSL_SET_VALIDATE_CERT_HOOK.
        let f: ValidateCertFn = unsafe { std::mem::transmute::<usize, ValidateCertFn>(hook.func) };
        log::debug!("calling the validation hook (flags {flags:#x})");
        // The whole chain, readable from inside the hook with wstls_get_hook_certificate_chain.
        let _chain = HookChainGuard::push(&o.chain);
        let r = unsafe {
            f(
                crate::win::sslsock::SSL_CERT_X509,
                hook.arg as *mut c_void,
                1,
                &mut blob,
                flags,
            )
        };
        drop(_chain);
        o.hook_calls += 1;
        o.hook_result = Some(r);
        if r == crate::win::sslsock::SSL_ERR_OKAY {
            Ok(())
        } else {
            o.message = Some(format!(
                "the certificate validation hook rejected the server certificate (it returned {r}; flags passed {flags:#x}{})",
                match (&chain_err, &name_err) {
                    (Some(c), _) => format!(": {}", cert_error_text(c)),
                    (None, Some(n)) => format!(": {}", cert_error_text(n)),
                    _ => String::new(),
                }
            ));
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    } else if policy.check_chain && chain_err.is_some() {
        let ce = chain_err.clone().unwrap();
        o.message = Some(cert_error_text(&ce));
        Err(rustls::Error::InvalidCertificate(ce))
    } else if let Some(ne) = name_err {
        o.message = Some(format!(
            "{} ({:?})",
            cert_error_text(&ne),
            policy.name.as_deref().unwrap_or("")
        ));
        Err(rustls::Error::InvalidCertificate(ne))
    } else if policy.require_name && policy.name.is_none() && policy.check_chain {
        o.message = Some("no peer name is set and no validation hook is installed, so the server's identity cannot be checked: set one with SO_SSL_SET_PEERNAME (or pass it to SO_SSL_PERFORM_HANDSHAKE), or install a hook with SO_SSL_SET_VALIDATE_CERT_HOOK".into());
        Err(rustls::Error::InvalidCertificate(
            CertificateError::ApplicationVerificationFailure,
        ))
    } else {
        Ok(())
    };
    o.accepted = verdict.is_ok();
    let slot = CURRENT
        .with(|c| c.borrow().clone())
        .unwrap_or_else(|| outcome.clone());
    *slot.lock().unwrap_or_else(|e| e.into_inner()) = o;
    verdict
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        decide(
            &self.provider,
            &self.roots,
            &self.policy,
            &self.outcome,
            end_entity,
            intermediates,
            now,
        )
        .map(|_| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// How long a recheck of a resumed session's chain is reused (see [`recheck_cached`]).
const RECHECK_TTL: std::time::Duration = std::time::Duration::from_secs(60);

type RecheckEntry = (std::time::Instant, Arc<RootCertStore>, Policy, Outcome);
static RECHECKS: Mutex<Vec<RecheckEntry>> = Mutex::new(Vec::new());

/// [`recheck`], remembered for [`RECHECK_TTL`] per (roots, policy, chain): clients that resume
/// the same server's sessions would otherwise verify the same chain again on every connection
/// (a signature check per resumed handshake, about a sixth of its cost). The result only feeds
/// what the program can read after the handshake; rustls itself never re-verifies on
/// resumption.
pub fn recheck_cached(
    provider: &CryptoProvider,
    roots: &Arc<RootCertStore>,
    policy: &Policy,
    chain: &[CertificateDer<'static>],
) -> Outcome {
    {
        let g = RECHECKS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = g.iter().find(|(t, r, p, o)| {
            t.elapsed() < RECHECK_TTL && Arc::ptr_eq(r, roots) && p == policy && o.chain == chain
        }) {
            return hit.3.clone();
        }
    }
    let o = recheck(provider, roots, policy, chain);
    let mut g = RECHECKS.lock().unwrap_or_else(|e| e.into_inner());
    g.retain(|e| e.0.elapsed() < RECHECK_TTL);
    if g.len() >= 32 {
        g.remove(0);
    }
    g.push((
        std::time::Instant::now(),
        roots.clone(),
        policy.clone(),
        o.clone(),
    ));
    o
}

/// The outcome for a resumed session, whose certificate rustls did not verify again: the
/// chain and name checks are re-evaluated on the stored chain (the hook is not called: there
/// was no certificate exchange). The session was accepted when it was first established.
pub fn recheck(
    provider: &CryptoProvider,
    roots: &RootCertStore,
    policy: &Policy,
    chain: &[CertificateDer<'static>],
) -> Outcome {
    let mut o = Outcome {
        chain: chain.to_vec(),
        accepted: true,
        ..Default::default()
    };
    let Some((leaf, rest)) = chain.split_first() else {
        return o;
    };
    let Ok(parsed) = ParsedCertificate::try_from(leaf) else {
        return o;
    };
    let ok = rustls::client::verify_server_cert_signed_by_trust_anchor(
        &parsed,
        roots,
        rest,
        UnixTime::now(),
        provider.signature_verification_algorithms.all,
    );
    o.chain_ok = Some(ok.is_ok());
    if let (Some(name), true) = (&policy.name, policy.check_name) {
        o.name_ok = Some(
            ServerName::try_from(name.as_str())
                .ok()
                .is_some_and(|sn| rustls::client::verify_server_name(&parsed, &sn).is_ok()),
        );
    }
    o
}

/// Maps a webpki chain error to the rustls certificate error rustls itself would report.
fn webpki_cert_error(e: webpki::Error) -> CertificateError {
    use webpki::Error as W;
    match e {
        // A root with the issuer's name but another key type is no issuer either.
        W::UnknownIssuer | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            CertificateError::UnknownIssuer
        }
        W::CertExpired { .. } | W::InvalidCertValidity => CertificateError::Expired,
        W::CertNotValidYet { .. } => CertificateError::NotValidYet,
        W::CertRevoked => CertificateError::Revoked,
        W::InvalidSignatureForPublicKey => CertificateError::BadSignature,
        #[allow(deprecated)]
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) => {
            CertificateError::InvalidPurpose
        }
        W::BadDer | W::BadDerTime | W::TrailingData(_) => CertificateError::BadEncoding,
        other => CertificateError::Other(rustls::OtherError(Arc::new(std::io::Error::other(
            format!("{other:?}"),
        )))),
    }
}

/// Checks a client certificate chain against `roots` for client authentication.
pub fn verify_client_chain(
    provider: &CryptoProvider,
    roots: &RootCertStore,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> Result<(), CertificateError> {
    let ee = webpki::EndEntityCert::try_from(end_entity).map_err(webpki_cert_error)?;
    ee.verify_for_usage(
        provider.signature_verification_algorithms.all,
        &roots.roots,
        intermediates,
        now,
        webpki::KeyUsage::client_auth(),
        None,
        None,
    )
    .map(|_| ())
    .map_err(webpki_cert_error)
}

/// The client-certificate verifier of servers whose policy comes from flags (Schannel
/// `AcceptSecurityContext`): asks for a certificate, checks its chain against `roots` unless
/// `check_chain` is off (the program validates it itself), and records what it found in
/// `outcome`. The client's handshake signature is always verified.
#[derive(Debug)]
pub struct ClientVerifier {
    pub provider: Arc<CryptoProvider>,
    pub roots: Arc<RootCertStore>,
    pub check_chain: bool,
    pub mandatory: bool,
    pub outcome: SharedOutcome,
    hints: Vec<rustls::DistinguishedName>,
}

impl ClientVerifier {
    pub fn new(roots: Arc<RootCertStore>, check_chain: bool, mandatory: bool) -> Self {
        let hints = if check_chain {
            roots.subjects()
        } else {
            Vec::new()
        };
        ClientVerifier {
            provider: super::provider(),
            roots,
            check_chain,
            mandatory,
            outcome: Arc::default(),
            hints,
        }
    }
}

impl rustls::server::danger::ClientCertVerifier for ClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        let mut o = Outcome {
            chain: std::iter::once(end_entity)
                .chain(intermediates.iter())
                .map(|c| c.clone().into_owned())
                .collect(),
            ..Default::default()
        };
        let r = verify_client_chain(&self.provider, &self.roots, end_entity, intermediates, now);
        o.chain_ok = Some(r.is_ok());
        o.chain_error = r.clone().err();
        let verdict = match r {
            Err(ce) if self.check_chain => {
                o.message = Some(format!("client certificate: {}", cert_error_text(&ce)));
                Err(rustls::Error::InvalidCertificate(ce))
            }
            _ => Ok(rustls::server::danger::ClientCertVerified::assertion()),
        };
        o.accepted = verdict.is_ok();
        // The connection's own slot when its handshake runs under `scoped`.
        let slot = CURRENT
            .with(|c| c.borrow().clone())
            .unwrap_or_else(|| self.outcome.clone());
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = o;
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod recheck_tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

    #[test]
    fn cached_recheck_matches_the_recheck_and_is_keyed_by_policy() {
        let mut cp = CertificateParams::new(Vec::<String>::new()).unwrap();
        cp.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().unwrap();
        let ca = cp.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(cp, ca_key);
        let lp = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        let leaf = lp
            .signed_by(&KeyPair::generate().unwrap(), &issuer)
            .unwrap();
        let mut store = RootCertStore::empty();
        store.add(ca.der().clone()).unwrap();
        let roots = Arc::new(store);
        let chain = vec![leaf.der().clone()];
        let provider = crate::tls::provider();
        let good = Policy {
            name: Some("localhost".into()),
            ..Policy::default()
        };
        let bad = Policy {
            name: Some("other.test".into()),
            ..Policy::default()
        };
        let first = recheck_cached(&provider, &roots, &good, &chain);
        let again = recheck_cached(&provider, &roots, &good, &chain);
        let direct = recheck(&provider, &roots, &good, &chain);
        for o in [&first, &again, &direct] {
            assert_eq!(
                (o.chain_ok, o.name_ok, o.accepted),
                (Some(true), Some(true), true)
            );
        }
        // Another policy (name) is another entry, never a cached answer for the first.
        let other = recheck_cached(&provider, &roots, &bad, &chain);
        assert_eq!((other.chain_ok, other.name_ok), (Some(true), Some(false)));
        // Other roots: the chain no longer ends in a trusted root.
        let empty = Arc::new(RootCertStore::empty());
        let untrusted = recheck_cached(&provider, &empty, &good, &chain);
        assert_eq!(untrusted.chain_ok, Some(false));
    }
}
