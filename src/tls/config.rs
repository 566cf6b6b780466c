//! Per-socket TLS settings and the rustls configs built from them.
//!
//! One place builds every `ClientConfig`/`ServerConfig`, whichever face asked: protocol
//! versions, trust roots, identities (PEM files or bytes; `WSTLS_*` environment defaults),
//! the verifier, client-certificate modes, ALPN, the process-wide session cache and
//! `SSLKEYLOGFILE`.
use std::sync::Arc;

use once_cell::sync::Lazy;
use rustls::client::{ClientSessionMemoryCache, Resumption, TicketRequest};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig, SupportedProtocolVersion};

use super::verify::{Hook, Policy, SharedOutcome, Verifier};
use crate::error::{Error, Kind, Result};

/// TLS 1.3 session tickets a server sends after a full handshake (rustls's default).
pub const TICKETS_FULL: u8 = 2;
/// Tickets a wstls client asks for after a resumed handshake (RFC 9149).
pub const TICKETS_RESUMED: u8 = 1;

/// Which protocol versions may be negotiated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Versions {
    pub tls12: bool,
    pub tls13: bool,
}

impl Default for Versions {
    fn default() -> Self {
        Versions {
            tls12: true,
            tls13: true,
        }
    }
}

impl Versions {
    pub fn list(&self) -> Result<Vec<&'static SupportedProtocolVersion>> {
        let mut v = Vec::new();
        if self.tls13 {
            v.push(&rustls::version::TLS13);
        }
        if self.tls12 {
            v.push(&rustls::version::TLS12);
        }
        if v.is_empty() {
            return Err(Error::new(
                Kind::NoCommonAlgorithm,
                "no TLS protocol version is enabled (wstls offers TLS 1.2 and TLS 1.3)",
            ));
        }
        Ok(v)
    }
}

/// A certificate chain and its private key.
#[derive(Debug)]
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Identity {
    /// From PEM data: the chain (leaf first) and a PKCS#8, RSA or EC key (may be in one buffer).
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<Identity>> {
        let chain = super::roots::load_pem_certs(cert_pem)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
            Error::new(
                Kind::NoCredentials,
                format!("no usable private key (PKCS#8, RSA or EC PEM) in the key data: {e}"),
            )
        })?;
        let id = Identity { chain, key };
        id.check()?;
        Ok(Arc::new(id))
    }

    pub fn from_pem_files(cert: &str, key: &str) -> Result<Arc<Identity>> {
        let c = std::fs::read(cert).map_err(|e| {
            Error::new(
                Kind::NoCredentials,
                format!("cannot read certificate file {cert}: {e}"),
            )
        })?;
        let k = std::fs::read(key).map_err(|e| {
            Error::new(
                Kind::NoCredentials,
                format!("cannot read key file {key}: {e}"),
            )
        })?;
        Self::from_pem(&c, &k)
            .map_err(|e| Error::new(e.kind, format!("{cert} / {key}: {}", e.message)))
    }

    /// Checks that the key loads and matches the leaf certificate.
    pub fn check(&self) -> Result<()> {
        let provider = super::provider();
        let signing = provider
            .key_provider
            .load_private_key(self.key.clone_key())
            .map_err(|e| {
                Error::new(
                    Kind::NoCredentials,
                    format!("the private key cannot be used: {e}"),
                )
            })?;
        let ck = rustls::sign::CertifiedKey::new(self.chain.clone(), signing);
        match ck.keys_match() {
            Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
                Ok(())
            }
            Err(e) => Err(Error::new(
                Kind::NoCredentials,
                format!("the private key does not match the certificate: {e}"),
            )),
        }
    }

    /// From an environment pair such as `WSTLS_CERT_FILE`/`WSTLS_KEY_FILE`; `Ok(None)` if unset.
    pub fn from_env(cert_var: &str, key_var: &str) -> Result<Option<Arc<Identity>>> {
        match (std::env::var(cert_var), std::env::var(key_var)) {
            (Ok(c), Ok(k)) => Self::from_pem_files(&c, &k).map(Some),
            (Ok(c), Err(_)) => Self::from_pem_files(&c, &c).map(Some),
            _ => Ok(None),
        }
    }
}

/// Client-certificate policy of a server (the seed's verify modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// Do not ask for a client certificate (`SSL_VERIFY_NONE`).
    #[default]
    None,
    /// Ask; verify it if sent (`SSL_VERIFY_PEER`).
    Request,
    /// Ask and require it (`SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT`).
    Require,
}

/// Which face configured the socket (errors and defaults differ slightly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    /// CE `SO_SECURE`.
    Ce,
    /// `WSASetSocketSecurity`.
    SecureSocketExt,
}

/// Everything a socket knows about its TLS, set before the handshake.
#[derive(Clone, Debug)]
pub struct SocketTls {
    pub face: Face,
    /// CE `SSL_FLAG_*`.
    pub flags: u32,
    pub versions: Versions,
    pub hook: Option<Hook>,
    /// `SO_SSL_SET_PEERNAME` / `WSASetSocketPeerTargetName`.
    pub peer_name: Option<String>,
    /// Client certificate to present (defaults from `WSTLS_CLIENT_CERT_FILE`).
    pub client_identity: Option<Arc<Identity>>,
    /// Server identity (defaults from `WSTLS_CERT_FILE`).
    pub server_identity: Option<Arc<Identity>>,
    pub client_auth: ClientAuth,
    /// CAs for client certificates (defaults from `WSTLS_CLIENT_CA_FILE`, then the trust roots).
    pub client_ca: Option<Arc<RootCertStore>>,
    pub alpn: Vec<Vec<u8>>,
    /// Secure socket extensions: serve a peer that does not speak TLS in clear.
    pub allow_insecure: bool,
    /// Require a peer name (or hook) before trusting a server.
    pub require_name: bool,
    /// The server config built from these settings, shared by every socket a listener
    /// accepts (so tickets and the session cache work across connections). Reset whenever a
    /// server setting changes.
    pub server_cache: ServerCache,
}

/// A listener's cached server config and what it was built from.
pub type ServerCache = Arc<std::sync::Mutex<Option<(ServerKey, Arc<ServerConfig>)>>>;

/// What a cached server config was built from; a mismatch rebuilds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKey {
    pub versions: Versions,
    pub identity: usize,
    pub client_auth: ClientAuth,
    pub client_ca: usize,
    pub alpn: Vec<Vec<u8>>,
}

impl SocketTls {
    /// The client-certificate mode in effect: the explicit mode, else `SSL_FLAG_AUTH_CLIENT`
    /// means "request and verify if sent".
    pub fn effective_client_auth(&self) -> ClientAuth {
        if self.client_auth == ClientAuth::None
            && self.flags & crate::win::sslsock::SSL_FLAG_AUTH_CLIENT != 0
        {
            ClientAuth::Request
        } else {
            self.client_auth
        }
    }

    pub fn server_key(&self, identity: &Arc<Identity>) -> ServerKey {
        ServerKey {
            versions: self.versions,
            identity: Arc::as_ptr(identity) as usize,
            client_auth: self.effective_client_auth(),
            client_ca: self
                .client_ca
                .as_ref()
                .map(|c| Arc::as_ptr(c) as usize)
                .unwrap_or(0),
            alpn: self.alpn.clone(),
        }
    }
}

impl SocketTls {
    pub fn new(face: Face) -> Self {
        SocketTls {
            face,
            flags: 0,
            versions: Versions::default(),
            hook: None,
            peer_name: None,
            client_identity: None,
            server_identity: None,
            client_auth: ClientAuth::None,
            client_ca: None,
            alpn: Vec::new(),
            allow_insecure: false,
            require_name: true,
            server_cache: Arc::default(),
        }
    }
}

/// `SSLKEYLOGFILE` support, shared by every config.
static KEY_LOG: Lazy<Arc<rustls::KeyLogFile>> = Lazy::new(|| Arc::new(rustls::KeyLogFile::new()));

fn key_log() -> Option<Arc<dyn rustls::KeyLog>> {
    std::env::var_os("SSLKEYLOGFILE").map(|_| KEY_LOG.clone() as Arc<dyn rustls::KeyLog>)
}

/// The process default client identity (`WSTLS_CLIENT_CERT_FILE`/`WSTLS_CLIENT_KEY_FILE`).
pub fn default_client_identity() -> Result<Option<Arc<Identity>>> {
    Identity::from_env("WSTLS_CLIENT_CERT_FILE", "WSTLS_CLIENT_KEY_FILE")
}

/// The process default server identity (`WSTLS_CERT_FILE`/`WSTLS_KEY_FILE`).
pub fn default_server_identity() -> Result<Option<Arc<Identity>>> {
    Identity::from_env("WSTLS_CERT_FILE", "WSTLS_KEY_FILE")
}

/// The crypto provider for new configs: the engine's provider, restricted to the cipher suites
/// named in `WSTLS_CIPHERS` and the key exchange groups named in `WSTLS_GROUPS` when they are
/// set (read once per process).
///
/// `WSTLS_CIPHERS` is a list separated by `:`, `,` or spaces of IANA suite names
/// (`TLS_AES_128_GCM_SHA256`, `TLS_CHACHA20_POLY1305_SHA256`,
/// `TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384`, ...; rustls's `TLS13_*` spellings too), in order of
/// preference. `WSTLS_GROUPS` likewise lists groups (`X25519MLKEM768`, `X25519`, `secp256r1`,
/// `secp384r1`; `P-256`/`P-384` too). Names wstls does not know are an error at the first
/// handshake, never ignored.
pub fn suite_provider() -> Result<Arc<rustls::crypto::CryptoProvider>> {
    static P: Lazy<std::result::Result<Arc<rustls::crypto::CryptoProvider>, String>> =
        Lazy::new(|| {
            let mut p = super::provider();
            if let Ok(list) = std::env::var("WSTLS_CIPHERS") {
                if !list.trim().is_empty() {
                    p = restrict_suites(&p, &list)?;
                }
            }
            if let Ok(list) = std::env::var("WSTLS_GROUPS") {
                if !list.trim().is_empty() {
                    p = restrict_groups(&p, &list)?;
                }
            }
            Ok(p)
        });
    P.clone()
        .map_err(|m| Error::new(Kind::NoCommonAlgorithm, m))
}

fn names(list: &str) -> impl Iterator<Item = &str> {
    list.split([':', ',', ' '])
        .map(str::trim)
        .filter(|n| !n.is_empty())
}

/// `base` offering only the key exchange groups named in `list` (see [`suite_provider`]).
pub fn restrict_groups(
    base: &rustls::crypto::CryptoProvider,
    list: &str,
) -> std::result::Result<Arc<rustls::crypto::CryptoProvider>, String> {
    let mut groups = Vec::new();
    for name in names(list) {
        let want = match name.to_ascii_lowercase().as_str() {
            "p-256" | "prime256v1" => "secp256r1".to_string(),
            "p-384" => "secp384r1".to_string(),
            other => other.to_string(),
        };
        let found = base
            .kx_groups
            .iter()
            .find(|g| format!("{:?}", g.name()).to_ascii_lowercase() == want);
        match found {
            Some(g) => groups.push(*g),
            None => {
                let known: Vec<String> = base
                    .kx_groups
                    .iter()
                    .map(|g| format!("{:?}", g.name()))
                    .collect();
                return Err(format!(
                    "WSTLS_GROUPS: unknown key exchange group {name:?} (known: {})",
                    known.join(", ")
                ));
            }
        }
    }
    let mut p = base.clone();
    p.kx_groups = groups;
    Ok(Arc::new(p))
}

/// `base` offering only the suites named in `list` (see [`suite_provider`]).
pub fn restrict_suites(
    base: &rustls::crypto::CryptoProvider,
    list: &str,
) -> std::result::Result<Arc<rustls::crypto::CryptoProvider>, String> {
    let mut suites = Vec::new();
    for name in names(list) {
        let want = name.to_ascii_uppercase().replace("TLS13_", "TLS_");
        let found = base
            .cipher_suites
            .iter()
            .find(|s| format!("{:?}", s.suite()).replace("TLS13_", "TLS_") == want);
        match found {
            Some(s) => suites.push(*s),
            None => {
                let known: Vec<String> = base
                    .cipher_suites
                    .iter()
                    .map(|s| format!("{:?}", s.suite()).replace("TLS13_", "TLS_"))
                    .collect();
                return Err(format!(
                    "WSTLS_CIPHERS: unknown cipher suite {name:?} (known: {})",
                    known.join(", ")
                ));
            }
        }
    }
    let mut p = base.clone();
    p.cipher_suites = suites;
    Ok(Arc::new(p))
}

/// `WSTLS_RESUMPTION=0` (or `off`, `no`, `false`): clients never resume a session (every
/// handshake is a full one). Default: on.
fn client_resumption_enabled() -> bool {
    !matches!(
        std::env::var("WSTLS_RESUMPTION")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str(),
        "0" | "off" | "no" | "false"
    )
}

fn rustls_err(e: rustls::Error, what: &str) -> Error {
    Error::new(Kind::NoCredentials, format!("{what}: {e}"))
}

/// Options for a client config.
pub struct ClientOptions<'a> {
    pub versions: Versions,
    pub policy: Policy,
    pub identity: Option<Arc<Identity>>,
    pub alpn: &'a [Vec<u8>],
    /// Extra roots (e.g. from Schannel credentials); `None` uses the process roots.
    pub roots: Option<Arc<RootCertStore>>,
}

/// What a cached client config was built from.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    versions: (bool, bool),
    policy: Policy,
    identity: usize,
    alpn: Vec<Vec<u8>>,
    roots: usize,
}

/// Client configs by settings: connections with the same settings share one config (and so
/// one verifier), which rustls requires to resume a session; it also saves building a config
/// per connection.
/// The value keeps the identity and roots alive, so their addresses in the key stay unique.
type ClientEntry = (Arc<ClientConfig>, Option<Arc<Identity>>, Arc<RootCertStore>);
static CLIENT_CONFIGS: Lazy<std::sync::Mutex<std::collections::HashMap<ClientKey, ClientEntry>>> =
    Lazy::new(Default::default);

/// The client config for these options (cached); returns it with a fresh per-connection
/// outcome slot (see `verify::scoped`).
pub fn client_config(o: ClientOptions<'_>) -> Result<(Arc<ClientConfig>, SharedOutcome)> {
    let roots = match o.roots.clone() {
        Some(r) => r,
        None => super::roots::current().0,
    };
    let key = ClientKey {
        versions: (o.versions.tls12, o.versions.tls13),
        policy: o.policy.clone(),
        identity: o
            .identity
            .as_ref()
            .map(|i| Arc::as_ptr(i) as usize)
            .unwrap_or(0),
        alpn: o.alpn.to_vec(),
        roots: Arc::as_ptr(&roots) as usize,
    };
    let mut cache = CLIENT_CONFIGS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((c, _, _)) = cache.get(&key) {
        return Ok((c.clone(), SharedOutcome::default()));
    }
    let identity = o.identity.clone();
    let (cfg, _) = build_client_config(o, roots.clone())?;
    if cache.len() >= 256 {
        cache.clear();
    }
    cache.insert(key, (cfg.clone(), identity, roots));
    Ok((cfg, SharedOutcome::default()))
}

fn build_client_config(
    o: ClientOptions<'_>,
    roots: Arc<RootCertStore>,
) -> Result<(Arc<ClientConfig>, SharedOutcome)> {
    let has_hook = o.policy.hook.is_some();
    let verifier = Arc::new(Verifier::new(roots, o.policy));
    let outcome = verifier.outcome.clone();
    let builder = ClientConfig::builder_with_provider(suite_provider()?)
        .with_protocol_versions(&o.versions.list()?)
        .map_err(|e| rustls_err(e, "TLS client configuration"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut cfg = match &o.identity {
        Some(id) => builder
            .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
            .map_err(|e| rustls_err(e, "client certificate"))?,
        None => builder.with_no_client_auth(),
    };
    // Sessions are kept per config (that is, per server name and settings): rustls resumes only
    // with the config's own verifier, so a shared store would let other settings' tickets
    // displace usable ones.
    let resume = !has_hook && client_resumption_enabled();
    cfg.resumption = if resume {
        Resumption::store(Arc::new(ClientSessionMemoryCache::new(256)))
    } else {
        // A CE validation hook is called once per handshake (programs keep per-connection
        // state in it); a resumed handshake has no certificate to show it.
        Resumption::disabled()
    };
    cfg.send_ticket_request = ticket_request(resume);
    cfg.alpn_protocols = o.alpn.to_vec();
    if let Some(k) = key_log() {
        cfg.key_log = k;
    }
    Ok((Arc::new(cfg), outcome))
}

/// The RFC 9149 `ticket_request` a client sends: two tickets after a full handshake (as
/// servers send by default), one after a resumption (the ticket used is spent, so one keeps
/// the store as full; OpenSSL's servers send one unasked). A client that never resumes asks
/// nothing (asking for none would leave a server that honours it with nothing to send after
/// the handshake, and a client with Nagle on waiting for the delayed ACK of its `Finished`).
/// Servers that do not know the extension ignore it.
pub fn ticket_request(resume: bool) -> Option<TicketRequest> {
    resume.then_some(TicketRequest {
        new_session_count: TICKETS_FULL,
        resumption_count: TICKETS_RESUMED,
    })
}

/// Options for a server config.
pub struct ServerOptions<'a> {
    pub versions: Versions,
    pub identity: Arc<Identity>,
    pub client_auth: ClientAuth,
    pub client_ca: Option<Arc<RootCertStore>>,
    pub alpn: &'a [Vec<u8>],
}

/// The default client-CA store: `WSTLS_CLIENT_CA_FILE`, else the trust roots.
pub fn default_client_ca() -> Result<Arc<RootCertStore>> {
    if let Some(p) = std::env::var_os("WSTLS_CLIENT_CA_FILE") {
        let data = std::fs::read(&p).map_err(|e| {
            Error::new(
                Kind::BadCertificate,
                format!("WSTLS_CLIENT_CA_FILE {}: {e}", p.to_string_lossy()),
            )
        })?;
        return super::roots::store_from_pem(&data);
    }
    Ok(super::roots::current().0)
}

/// Builds a server config (tickets on, so clients can resume).
pub fn server_config(o: ServerOptions<'_>) -> Result<Arc<ServerConfig>> {
    let provider = suite_provider()?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&o.versions.list()?)
        .map_err(|e| rustls_err(e, "TLS server configuration"))?;
    let builder = match o.client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        mode => {
            let roots = match o.client_ca.clone() {
                Some(r) => r,
                None => default_client_ca()?,
            };
            let b = WebPkiClientVerifier::builder_with_provider(roots, provider.clone());
            let b = if mode == ClientAuth::Request {
                b.allow_unauthenticated()
            } else {
                b
            };
            let v = b
                .build()
                .map_err(|e| Error::new(Kind::BadCertificate, format!("client CA list: {e}")))?;
            builder.with_client_cert_verifier(v)
        }
    };
    finish_server(builder, &o)
}

/// Builds a server config whose client certificates are checked by `verifier` (faces with a
/// policy of their own, such as Schannel's credential and context flags); `o.client_auth` and
/// `o.client_ca` are not used.
pub fn server_config_with_verifier(
    o: ServerOptions<'_>,
    verifier: Arc<dyn rustls::server::danger::ClientCertVerifier>,
) -> Result<Arc<ServerConfig>> {
    let builder = ServerConfig::builder_with_provider(suite_provider()?)
        .with_protocol_versions(&o.versions.list()?)
        .map_err(|e| rustls_err(e, "TLS server configuration"))?
        .with_client_cert_verifier(verifier);
    finish_server(builder, &o)
}

/// Identity, ALPN, tickets and key log: the part every server config shares.
fn finish_server(
    builder: rustls::ConfigBuilder<ServerConfig, rustls::server::WantsServerCert>,
    o: &ServerOptions<'_>,
) -> Result<Arc<ServerConfig>> {
    let mut cfg = builder
        .with_single_cert(o.identity.chain.clone(), o.identity.key.clone_key())
        .map_err(|e| rustls_err(e, "server certificate"))?;
    cfg.alpn_protocols = o.alpn.to_vec();
    // The server picks the suite from its own preference order (strongest first), not the
    // client's: a client that lists a weaker suite first does not get it (testssl.sh reports
    // a server without its own cipher order as a HIGH finding).
    cfg.ignore_client_order = true;
    // Tickets and the session cache belong to this config alone: a session established under
    // one client-certificate policy must never resume under another (rustls does not re-check
    // the policy on resumption). Configs are cached per listener settings, so connections
    // accepted by one listener resume each other's sessions.
    #[cfg(feature = "aws-lc-rs")]
    if let Ok(t) = rustls::crypto::aws_lc_rs::Ticketer::new() {
        cfg.ticketer = t;
    }
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    if let Ok(t) = rustls::crypto::ring::Ticketer::new() {
        cfg.ticketer = t;
    }
    cfg.session_storage = rustls::server::ServerSessionMemoryCache::new(1024);
    // Clients without RFC 9149 ticket_request get rustls's default two tickets per handshake;
    // a client that asks gets what it asks for, up to two (wstls clients ask for one after a
    // resumption: each ticket costs an encryption and a key derivation).
    cfg.send_tls13_tickets = TICKETS_FULL as usize;
    cfg.max_tls13_tickets = TICKETS_FULL as usize;
    if let Some(k) = key_log() {
        cfg.key_log = k;
    }
    Ok(Arc::new(cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restrict_suites_by_iana_and_rustls_names() {
        let base = crate::tls::provider();
        let p = restrict_suites(
            &base,
            "TLS_CHACHA20_POLY1305_SHA256:TLS13_AES_256_GCM_SHA384",
        )
        .unwrap();
        let names: Vec<String> = p
            .cipher_suites
            .iter()
            .map(|s| format!("{:?}", s.suite()))
            .collect();
        assert_eq!(
            names,
            ["TLS13_CHACHA20_POLY1305_SHA256", "TLS13_AES_256_GCM_SHA384"]
        );
        let e = restrict_suites(&base, "TLS_AES_128_GCM_SHA256, RC4-MD5").unwrap_err();
        assert!(e.contains("RC4-MD5"), "{e}");
    }

    #[test]
    fn restrict_groups_by_name_and_alias() {
        let base = crate::tls::provider();
        let p = restrict_groups(&base, "x25519 P-256").unwrap();
        let names: Vec<String> = p
            .kx_groups
            .iter()
            .map(|g| format!("{:?}", g.name()))
            .collect();
        assert_eq!(names, ["X25519", "secp256r1"]);
        assert!(restrict_groups(&base, "ffdhe1024").is_err());
    }
}
