//! Schannel credentials: `AcquireCredentialsHandle` with `SCHANNEL_CRED` (version 4) or
//! `SCH_CREDENTIALS` (version 5).
//!
//! What a credential decides: direction (inbound = server, outbound = client), protocol
//! versions, certificate verification (on by default; `SCH_CRED_MANUAL_CRED_VALIDATION` and
//! `SCH_CRED_NO_SERVERNAME_CHECK` waive it), the certificate and key (`paCred`, else the
//! `WSTLS_*` environment defaults), and the roots for client certificates (`hRootStore`).
//!
//! TLS 1.3 is offered only for `SCH_CREDENTIALS`, as on Windows: code written for
//! `SCHANNEL_CRED` does not expect TLS 1.3's post-handshake messages. `WSTLS_SCHANNEL_CRED_TLS13=1`
//! (or `wstls_set_schannel_cred_tls13(1)`) lifts that for programs that handle them.
use std::collections::HashMap;
use std::os::raw::c_void;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use rustls::client::Resumption;
use rustls::server::{ProducesTickets, StoresServerSessions};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use super::engine::ClientCert;
use super::{cert, SecError, SecResult};
use crate::error::{Error, Kind};
use crate::tls::config::{self, ClientOptions, Identity, Versions};
use crate::tls::verify::Policy;
use crate::win::crypt::CERT_CONTEXT;
use crate::win::sspi::*;

/// Opt-in state for TLS 1.3 on `SCHANNEL_CRED` credentials: 0 = from the environment, 1 = off,
/// 2 = on.
static SCHANNEL_CRED_TLS13: AtomicU8 = AtomicU8::new(0);

/// Sets the opt-in (`wstls_set_schannel_cred_tls13`): `Some(on)`, or `None` for the environment.
pub fn set_schannel_cred_tls13(v: Option<bool>) {
    SCHANNEL_CRED_TLS13.store(
        match v {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        },
        Ordering::Relaxed,
    );
}

/// Whether `SCHANNEL_CRED` credentials may negotiate TLS 1.3.
pub fn schannel_cred_tls13() -> bool {
    match SCHANNEL_CRED_TLS13.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => std::env::var("WSTLS_SCHANNEL_CRED_TLS13")
            .is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true")),
    }
}

/// Which structure the program passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredKind {
    /// `pAuthData` was NULL (outbound system defaults).
    Default,
    SchannelCred,
    SchCredentials,
}

/// Tickets are switched off for a credential with `SCH_CRED_DISABLE_RECONNECTS`.
#[derive(Debug)]
struct NoTickets;

impl ProducesTickets for NoTickets {
    fn enabled(&self) -> bool {
        false
    }
    fn lifetime(&self) -> u32 {
        0
    }
    fn encrypt(&self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
    fn decrypt(&self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

/// A credentials handle's content. Immutable once acquired; contexts keep their own reference,
/// so freeing the handle does not disturb them.
pub struct Credential {
    pub kind: CredKind,
    pub inbound: bool,
    pub outbound: bool,
    /// Versions for client contexts (outbound) and server contexts (inbound).
    pub client_versions: Versions,
    pub server_versions: Versions,
    /// The protocol bits this credential enables (`SECPKG_ATTR_SUPPORTED_PROTOCOLS`).
    pub protocols: u32,
    /// `SCH_CRED_*` flags.
    pub flags: u32,
    /// Our certificate and key: from `paCred`, else the environment defaults.
    pub identity: Option<Arc<Identity>>,
    /// Why there is no identity (for the error a server context reports).
    pub identity_error: Option<Error>,
    /// Roots for client certificates (`hRootStore`).
    pub client_roots: Option<Arc<RootCertStore>>,
    /// The client certificate resolver (the certified key, parsed once).
    pub client_cert: Arc<ClientCert>,
    /// Client configs by (target, chain check, name check, ALPN list): contexts to the same
    /// target share one, so rustls lets them resume each other's sessions.
    client_configs: Mutex<HashMap<ClientKey, Arc<ClientConfig>>>,
    /// Server configs by (mutual authentication, ALPN list), sharing tickets and the session
    /// cache so clients can resume across contexts.
    server_configs: Mutex<HashMap<ServerKey, Arc<ServerConfig>>>,
    ticketer: Mutex<Option<Arc<dyn ProducesTickets>>>,
    session_storage: Arc<dyn StoresServerSessions>,
}

type ClientKey = (Option<String>, bool, bool, Vec<Vec<u8>>);
type ServerKey = (bool, Vec<Vec<u8>>);

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("kind", &self.kind)
            .field("inbound", &self.inbound)
            .field("flags", &self.flags)
            .finish()
    }
}

fn unknown(msg: impl Into<String>) -> SecError {
    SecError::new(SEC_E_UNKNOWN_CREDENTIALS, msg)
}

/// The fields `SCHANNEL_CRED` and `SCH_CREDENTIALS` share.
struct Common {
    kind: CredKind,
    creds: Vec<*const CERT_CONTEXT>,
    root_store: *mut c_void,
    flags: u32,
    cred_format: u32,
    /// `SCHANNEL_CRED`: enabled protocol bits (0 = default).
    enabled: u32,
    /// `SCH_CREDENTIALS`: disabled protocol bits of the default `TLS_PARAMETERS`.
    disabled: u32,
}

unsafe fn read_common(auth: *const c_void) -> SecResult<Common> {
    if (auth as usize) % 8 != 0 {
        return Err(SecError::new(
            SEC_E_INVALID_TOKEN,
            "pAuthData is misaligned",
        ));
    }
    let version = *(auth as *const u32);
    match version {
        SCHANNEL_CRED_VERSION => {
            let c = &*(auth as *const SCHANNEL_CRED);
            Ok(Common {
                kind: CredKind::SchannelCred,
                creds: cred_list(c.cCreds, c.paCred)?,
                root_store: c.hRootStore,
                flags: c.dwFlags,
                cred_format: c.dwCredFormat,
                enabled: c.grbitEnabledProtocols,
                disabled: 0,
            })
        }
        SCH_CREDENTIALS_VERSION => {
            let c = &*(auth as *const SCH_CREDENTIALS);
            if c.cTlsParameters > SCH_CRED_MAX_SUPPORTED_PARAMETERS || (c.cTlsParameters > 0 && c.pTlsParameters.is_null()) {
                return Err(SecError::new(SEC_E_INVALID_TOKEN, format!("SCH_CREDENTIALS: bad TLS_PARAMETERS array ({} entries)", c.cTlsParameters)));
            }
            let params: &[TLS_PARAMETERS] = if c.cTlsParameters == 0 { &[] } else { std::slice::from_raw_parts(c.pTlsParameters, c.cTlsParameters as usize) };
            // The entry without ALPN ids applies to every connection; wstls does not choose
            // parameters by ALPN (documented), so the default entry (or else the first) rules.
            let disabled = params.iter().find(|p| p.cAlpnIds == 0).or(params.first()).map(|p| p.grbitDisabledProtocols).unwrap_or(0);
            Ok(Common {
                kind: CredKind::SchCredentials,
                creds: cred_list(c.cCreds, c.paCred)?,
                root_store: c.hRootStore,
                flags: c.dwFlags,
                cred_format: c.dwCredFormat,
                enabled: 0,
                disabled,
            })
        }
        SCH_CRED_V1 | SCH_CRED_V2 | SCH_CRED_V3 | 0 => Err(unknown(format!("credential structure version {version} is not supported (use SCHANNEL_CRED_VERSION 4 or SCH_CREDENTIALS_VERSION 5)"))),
        v => Err(unknown(format!("unknown credential structure version {v}"))),
    }
}

unsafe fn cred_list(n: u32, pa: *mut *const CERT_CONTEXT) -> SecResult<Vec<*const CERT_CONTEXT>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if pa.is_null() || (pa as usize) % 8 != 0 {
        return Err(SecError::new(
            SEC_E_INVALID_TOKEN,
            "paCred is NULL or misaligned but cCreds is not 0",
        ));
    }
    if n > SCH_CRED_MAX_SUPPORTED_CERTS {
        return Err(unknown(format!("cCreds {n} is more than Schannel accepts")));
    }
    Ok(std::slice::from_raw_parts(pa, n as usize).to_vec())
}

/// Protocol versions from `SCHANNEL_CRED.grbitEnabledProtocols` for one direction.
fn versions_from_enabled(
    enabled: u32,
    side_mask: u32,
    tls13_ok: bool,
) -> SecResult<(Versions, u32)> {
    if enabled == 0 {
        let v = Versions {
            tls12: true,
            tls13: tls13_ok,
        };
        return Ok((v, protocol_bits(v) & side_mask));
    }
    if enabled & SP_PROT_DTLS_ALL != 0
        && enabled & !SP_PROT_DTLS_ALL & (SP_PROT_SERVERS | SP_PROT_CLIENTS) & !0xC000_0000 != 0
    {
        return Err(SecError::new(
            SEC_E_ALGORITHM_MISMATCH,
            "TLS and DTLS protocols cannot be mixed in one credential",
        ));
    }
    if enabled & SP_PROT_DTLS_ALL != 0 {
        return Err(SecError::new(
            SEC_E_ALGORITHM_MISMATCH,
            "DTLS is not supported by wstls",
        ));
    }
    let mine = enabled & side_mask;
    if mine == 0 {
        return Err(SecError::new(
            SEC_E_ALGORITHM_MISMATCH,
            format!("grbitEnabledProtocols {enabled:#x} enables no protocol for this direction (client bits for outbound, server bits for inbound credentials)"),
        ));
    }
    let tls12 = mine & (SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_2_SERVER) != 0;
    let tls13_bits = mine & (SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_3_SERVER) != 0;
    let v = Versions {
        tls12,
        tls13: tls13_bits && tls13_ok,
    };
    if !v.tls12 && !v.tls13 {
        let why = if tls13_bits {
            "TLS 1.3 is negotiated only with SCH_CREDENTIALS (as on Windows); enable TLS 1.2 too, use SCH_CREDENTIALS, or set WSTLS_SCHANNEL_CRED_TLS13=1"
        } else {
            "wstls offers TLS 1.2 and TLS 1.3 only (SSL 3.0, TLS 1.0 and TLS 1.1 are not supported)"
        };
        return Err(SecError::new(
            SEC_E_ALGORITHM_MISMATCH,
            format!("grbitEnabledProtocols {enabled:#x}: {why}"),
        ));
    }
    Ok((v, protocol_bits(v) & side_mask))
}

/// Protocol versions from `TLS_PARAMETERS.grbitDisabledProtocols`.
fn versions_from_disabled(disabled: u32, side_mask: u32) -> SecResult<(Versions, u32)> {
    let v = Versions {
        tls12: disabled & side_mask & (SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_2_SERVER) == 0,
        tls13: disabled & side_mask & (SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_3_SERVER) == 0,
    };
    if !v.tls12 && !v.tls13 {
        return Err(SecError::new(
            SEC_E_ALGORITHM_MISMATCH,
            format!("grbitDisabledProtocols {disabled:#x} disables TLS 1.2 and TLS 1.3, the only protocols wstls offers"),
        ));
    }
    Ok((v, protocol_bits(v) & side_mask))
}

fn protocol_bits(v: Versions) -> u32 {
    let mut b = 0;
    if v.tls12 {
        b |= SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_2_SERVER;
    }
    if v.tls13 {
        b |= SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_3_SERVER;
    }
    b
}

fn certified_key(id: &Identity) -> SecResult<Arc<rustls::sign::CertifiedKey>> {
    let signing = crate::tls::provider()
        .key_provider
        .load_private_key(id.key.clone_key())
        .map_err(|e| {
            SecError::new(
                SEC_E_NO_CREDENTIALS,
                format!("the private key cannot be used: {e}"),
            )
        })?;
    Ok(Arc::new(rustls::sign::CertifiedKey::new(
        id.chain.clone(),
        signing,
    )))
}

impl Credential {
    /// `AcquireCredentialsHandle` for a Schannel package. `auth` is the program's `pAuthData`.
    pub unsafe fn acquire(use_: u32, auth: *const c_void) -> SecResult<Credential> {
        let inbound = use_ & SECPKG_CRED_INBOUND != 0;
        let outbound = use_ & SECPKG_CRED_OUTBOUND != 0;
        if use_ & !(SECPKG_CRED_BOTH | SECPKG_CRED_DEFAULT | 0xF000_0000) != 0 {
            return Err(SecError::new(
                SEC_E_UNKNOWN_CREDENTIALS,
                format!("fCredentialUse {use_:#x} is not a valid credential use"),
            ));
        }
        if !inbound && !outbound {
            return Err(SecError::new(SEC_E_NO_CREDENTIALS, "fCredentialUse must include SECPKG_CRED_OUTBOUND (client) or SECPKG_CRED_INBOUND (server)"));
        }
        let common = if auth.is_null() {
            if inbound {
                // Windows needs a certificate for a server; wstls falls back to WSTLS_CERT_FILE.
                match config::default_server_identity() {
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        return Err(SecError::new(
                            SEC_E_NO_CREDENTIALS,
                            "an inbound (server) credential needs a certificate: pass an SCHANNEL_CRED/SCH_CREDENTIALS with paCred, or set WSTLS_CERT_FILE and WSTLS_KEY_FILE",
                        ))
                    }
                    Err(e) => return Err(SecError::new(SEC_E_NO_CREDENTIALS, e.message)),
                }
            }
            Common {
                kind: CredKind::Default,
                creds: Vec::new(),
                root_store: std::ptr::null_mut(),
                flags: 0,
                cred_format: 0,
                enabled: 0,
                disabled: 0,
            }
        } else {
            read_common(auth)?
        };
        if common.cred_format != SCH_CRED_FORMAT_CERT_CONTEXT {
            return Err(unknown(format!(
                "dwCredFormat {} is not supported: pass CERT_CONTEXTs (SCH_CRED_FORMAT_CERT_CONTEXT) in paCred",
                common.cred_format
            )));
        }
        if common.flags & SCH_USE_DTLS_ONLY != 0 {
            return Err(SecError::new(
                SEC_E_ALGORITHM_MISMATCH,
                "DTLS is not supported by wstls",
            ));
        }
        if common.creds.len() > 1 {
            return Err(unknown(
                "wstls takes one certificate per credential (cCreds must be 0 or 1)",
            ));
        }
        let tls13_ok = common.kind != CredKind::SchannelCred || schannel_cred_tls13();
        let (client_versions, server_versions, protocols) = match common.kind {
            CredKind::SchCredentials => {
                let (c, cb) = if outbound {
                    versions_from_disabled(common.disabled, SP_PROT_CLIENTS)?
                } else {
                    (Versions::default(), 0)
                };
                let (s, sb) = if inbound {
                    versions_from_disabled(common.disabled, SP_PROT_SERVERS)?
                } else {
                    (Versions::default(), 0)
                };
                (c, s, cb | sb)
            }
            _ => {
                let (c, cb) = if outbound {
                    versions_from_enabled(common.enabled, SP_PROT_CLIENTS, tls13_ok)?
                } else {
                    (Versions::default(), 0)
                };
                let (s, sb) = if inbound {
                    versions_from_enabled(common.enabled, SP_PROT_SERVERS, tls13_ok)?
                } else {
                    (Versions::default(), 0)
                };
                (c, s, cb | sb)
            }
        };

        // The certificate: paCred, else the environment defaults.
        let mut identity = None;
        let mut identity_error = None;
        if let Some(&p) = common.creds.first() {
            let (der, id) =
                cert::read_context(p).map_err(|e| unknown(format!("paCred[0]: {}", e.message)))?;
            if x509_parser::parse_x509_certificate(&der).is_err() {
                return Err(unknown("paCred[0] is not a valid certificate"));
            }
            match id {
                Some(id) => identity = Some(id),
                None => {
                    return Err(SecError::new(
                        SEC_E_NO_CREDENTIALS,
                        "paCred[0] has no private key: make the context with wstls_cert_context_from_pem_files (or _from_pem)",
                    ))
                }
            }
        } else if inbound {
            match config::default_server_identity() {
                Ok(Some(id)) => identity = Some(id),
                Ok(None) => {
                    identity_error = Some(Error::new(
                        Kind::NoCredentials,
                        "this server credential has no certificate: put one in paCred (see wstls_cert_context_from_pem_files) or set WSTLS_CERT_FILE and WSTLS_KEY_FILE",
                    ))
                }
                Err(e) => identity_error = Some(e),
            }
        } else if common.flags & SCH_CRED_NO_DEFAULT_CREDS == 0 {
            // Windows may pick a client certificate by itself; wstls's default is
            // WSTLS_CLIENT_CERT_FILE/WSTLS_CLIENT_KEY_FILE.
            identity = config::default_client_identity()
                .map_err(|e| SecError::new(SEC_E_NO_CREDENTIALS, e.message))?;
        }
        let client_key = match (&identity, outbound) {
            (Some(id), true) => Some(certified_key(id)?),
            _ => None,
        };
        let client_roots = if common.root_store.is_null() {
            None
        } else {
            let certs = cert::store_certs(common.root_store)
                .map_err(|e| unknown(format!("hRootStore: {}", e.message)))?;
            let mut store = RootCertStore::empty();
            store.add_parsable_certificates(certs);
            Some(Arc::new(store))
        };
        let ticketer: Option<Arc<dyn ProducesTickets>> =
            if common.flags & SCH_CRED_DISABLE_RECONNECTS != 0 {
                Some(Arc::new(NoTickets))
            } else {
                None
            };
        let session_storage: Arc<dyn StoresServerSessions> =
            if common.flags & SCH_CRED_DISABLE_RECONNECTS != 0 {
                Arc::new(rustls::server::NoServerSessionStorage {})
            } else {
                rustls::server::ServerSessionMemoryCache::new(256)
            };
        Ok(Credential {
            kind: common.kind,
            inbound,
            outbound,
            client_versions,
            server_versions,
            protocols,
            flags: common.flags,
            identity,
            identity_error,
            client_roots,
            client_cert: Arc::new(ClientCert { key: client_key }),
            client_configs: Mutex::new(HashMap::new()),
            server_configs: Mutex::new(HashMap::new()),
            ticketer: Mutex::new(ticketer),
            session_storage,
        })
    }

    /// Whether the server's certificate chain is checked (client contexts).
    pub fn check_chain(&self, req: u32) -> bool {
        self.flags & (SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_DEFERRED_CRED_VALIDATION) == 0
            && req & ISC_REQ_MANUAL_CRED_VALIDATION == 0
    }

    /// Whether the target name is checked against the server's certificate.
    pub fn check_name(&self, req: u32) -> bool {
        self.check_chain(req) && self.flags & SCH_CRED_NO_SERVERNAME_CHECK == 0
    }

    /// The client config for a context to `target` (cached per credential; the verifier reports
    /// into the context's outcome through `tls::verify::scoped`).
    pub fn client_config(
        &self,
        target: Option<&str>,
        req: u32,
        alpn: &[Vec<u8>],
    ) -> SecResult<Arc<ClientConfig>> {
        let (check_chain, check_name) = (self.check_chain(req), self.check_name(req));
        let key: ClientKey = (
            target.map(str::to_string),
            check_chain,
            check_name,
            alpn.to_vec(),
        );
        let mut cache = self
            .client_configs
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.get(&key) {
            return Ok(c.clone());
        }
        let policy = Policy {
            name: key.0.clone(),
            check_chain,
            check_name,
            hook: None,
            require_name: false,
        };
        let (cfg, _) = config::client_config(ClientOptions {
            versions: self.client_versions,
            policy,
            identity: None,
            alpn,
            roots: None,
        })?;
        let mut cfg = (*cfg).clone();
        cfg.enable_secret_extraction = true;
        cfg.client_auth_cert_resolver = self.client_cert.clone();
        // Resumption skips verification: only verified, named connections feed the cache.
        let named = target.is_some_and(|t| rustls::pki_types::ServerName::try_from(t).is_ok());
        let resume =
            named && check_chain && check_name && self.flags & SCH_CRED_DISABLE_RECONNECTS == 0;
        cfg.resumption = if resume {
            // Sessions of this credential only (rustls resumes with the config's own verifier
            // and resolver, so another store's tickets would be taken and dropped).
            Resumption::store(Arc::new(rustls::client::ClientSessionMemoryCache::new(256)))
        } else {
            Resumption::disabled()
        };
        cfg.send_ticket_request = config::ticket_request(resume);
        let cfg = Arc::new(cfg);
        cache.insert(key, cfg.clone());
        Ok(cfg)
    }

    /// The server config for a context (cached per mutual-authentication mode and ALPN list).
    pub fn server_config(&self, mutual: bool, alpn: &[Vec<u8>]) -> SecResult<Arc<ServerConfig>> {
        let key = (mutual, alpn.to_vec());
        let mut cache = self
            .server_configs
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.get(&key) {
            return Ok(c.clone());
        }
        let identity = match &self.identity {
            Some(id) => id.clone(),
            None => {
                return Err(self
                    .identity_error
                    .clone()
                    .unwrap_or_else(|| {
                        Error::new(
                            Kind::NoCredentials,
                            "this credential has no certificate for a server",
                        )
                    })
                    .into())
            }
        };
        let check_chain = self.flags & SCH_CRED_MANUAL_CRED_VALIDATION == 0;
        let roots = match &self.client_roots {
            Some(r) => r.clone(),
            None => config::default_client_ca().map_err(SecError::from)?,
        };
        let opts = config::ServerOptions {
            versions: self.server_versions,
            identity,
            client_auth: config::ClientAuth::None,
            client_ca: None,
            alpn,
        };
        let cfg = if mutual {
            let v = Arc::new(crate::tls::verify::ClientVerifier::new(
                roots,
                check_chain,
                true,
            ));
            config::server_config_with_verifier(opts, v)?
        } else {
            config::server_config(opts)?
        };
        let mut cfg = (*cfg).clone();
        cfg.enable_secret_extraction = true;
        cfg.session_storage = self.session_storage.clone();
        // One ticketer per credential, so a client resumes on any context of this server.
        let mut t = self.ticketer.lock().unwrap_or_else(|e| e.into_inner());
        match &*t {
            Some(tk) => cfg.ticketer = tk.clone(),
            None => *t = Some(cfg.ticketer.clone()),
        }
        if !cfg.ticketer.enabled() {
            cfg.send_tls13_tickets = 0;
        }
        let cfg = Arc::new(cfg);
        cache.insert(key, cfg.clone());
        Ok(cfg)
    }
}
