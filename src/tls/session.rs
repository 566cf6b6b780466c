//! The sans-IO session: one `rustls::Connection` plus what verification found. The socket
//! faces feed it from a descriptor (`net::tlsio`), the SSPI face from caller token buffers.
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConnection, Connection, ServerConnection};

use super::config::{self, ClientOptions, ServerOptions};
use super::verify::{Policy, SharedOutcome};
use crate::error::{Error, Kind, Result};

pub struct Session {
    pub conn: Connection,
    /// Verification result of the peer's certificate (client side; server side when client
    /// certificates are requested the chain is read from the connection).
    pub outcome: SharedOutcome,
    /// What a client checks the server against, kept to describe resumed sessions.
    pub check: Option<(Policy, Arc<rustls::RootCertStore>)>,
}

impl Session {
    /// A client session. `sni` is the name sent in SNI (a DNS name) or `None`, in which case
    /// `fallback_ip` is used as the rustls server name (no SNI is sent for an IP).
    pub fn client(
        o: ClientOptions<'_>,
        sni: Option<&str>,
        fallback_ip: std::net::IpAddr,
    ) -> Result<Session> {
        let check = (
            o.policy.clone(),
            o.roots.clone().unwrap_or_else(|| super::roots::current().0),
        );
        let (cfg, outcome) = config::client_config(o)?;
        let name = match sni.and_then(|n| ServerName::try_from(n.to_string()).ok()) {
            Some(n) => n,
            None => ServerName::IpAddress(fallback_ip.into()),
        };
        let conn = ClientConnection::new(cfg, name).map_err(|e| map_rustls(&e, None))?;
        Ok(Session {
            conn: Connection::Client(conn),
            outcome,
            check: Some(check),
        })
    }

    /// Call once the handshake is complete: a resumed client session gets its verification
    /// outcome from the stored chain (rustls does not verify it again).
    pub fn after_handshake(&mut self) {
        let resumed = matches!(
            self.conn.handshake_kind(),
            Some(rustls::HandshakeKind::Resumed)
        );
        if !resumed || !self.is_client() {
            return;
        }
        if let (Some((policy, roots)), Some(chain)) = (&self.check, self.conn.peer_certificates()) {
            let chain: Vec<_> = chain.iter().map(|c| c.clone().into_owned()).collect();
            let o = super::verify::recheck_cached(&super::provider(), roots, policy, &chain);
            *self.outcome.lock().unwrap_or_else(|e| e.into_inner()) = o;
        }
    }

    /// A client session from a prepared config (used by faces that cache their config).
    pub fn client_with(
        cfg: Arc<rustls::ClientConfig>,
        outcome: SharedOutcome,
        name: ServerName<'static>,
    ) -> Result<Session> {
        let conn = ClientConnection::new(cfg, name).map_err(|e| map_rustls(&e, None))?;
        Ok(Session {
            conn: Connection::Client(conn),
            outcome,
            check: None,
        })
    }

    /// A server session.
    pub fn server(o: ServerOptions<'_>) -> Result<Session> {
        let cfg = config::server_config(o)?;
        Self::server_with(cfg)
    }

    pub fn server_with(cfg: Arc<rustls::ServerConfig>) -> Result<Session> {
        let conn = ServerConnection::new(cfg).map_err(|e| map_rustls(&e, None))?;
        Ok(Session {
            conn: Connection::Server(conn),
            outcome: Arc::default(),
            check: None,
        })
    }

    pub fn is_client(&self) -> bool {
        matches!(self.conn, Connection::Client(_))
    }

    /// `process_new_packets` with this session's verification slot in scope (during the
    /// handshake: certificates are only verified then, so data records skip the slot).
    pub fn process(&mut self) -> std::result::Result<rustls::IoState, rustls::Error> {
        if !self.conn.is_handshaking() {
            return self.conn.process_new_packets();
        }
        let outcome = self.outcome.clone();
        super::verify::scoped(&outcome, || self.conn.process_new_packets())
    }

    /// Maps a rustls error from this session, using the verifier's message when it has one.
    pub fn error(&self, e: &rustls::Error) -> Error {
        map_rustls(e, Some(&self.outcome))
    }
}

/// Maps a rustls error to one internal kind with a message saying what happened.
pub fn map_rustls(e: &rustls::Error, outcome: Option<&SharedOutcome>) -> Error {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let detail = outcome.and_then(|o| o.lock().ok().and_then(|o| o.message.clone()));
    let (kind, text) = match e {
        E::InvalidCertificate(ce) => {
            let kind = match ce {
                // A root with the issuer's name but another key type is no issuer either.
                C::UnknownIssuer | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                    Kind::UntrustedRoot
                }
                C::NotValidForName | C::NotValidForNameContext { .. } => Kind::WrongPrincipal,
                C::Expired
                | C::ExpiredContext { .. }
                | C::NotValidYet
                | C::NotValidYetContext { .. } => Kind::CertExpired,
                C::InvalidPurpose | C::InvalidPurposeContext { .. } => Kind::CertWrongUsage,
                C::ApplicationVerificationFailure => Kind::HookRejected,
                _ => Kind::BadCertificate,
            };
            (
                kind,
                format!(
                    "TLS handshake failed: {}",
                    detail.unwrap_or_else(|| format!("certificate rejected: {ce:?}"))
                ),
            )
        }
        E::AlertReceived(a) => {
            let kind = match a {
                A::BadCertificate
                | A::UnsupportedCertificate
                | A::CertificateUnknown
                | A::UnknownCA
                | A::AccessDenied => Kind::BadCertificate,
                A::CertificateExpired => Kind::CertExpired,
                A::CertificateRequired => Kind::NoCredentials,
                A::HandshakeFailure | A::ProtocolVersion | A::InsufficientSecurity => {
                    Kind::NoCommonAlgorithm
                }
                A::BadRecordMac | A::DecryptError => Kind::DecryptFailure,
                _ => Kind::IllegalMessage,
            };
            (kind, format!("the peer sent a fatal TLS alert: {a:?}"))
        }
        E::DecryptError => (
            Kind::DecryptFailure,
            "a TLS record failed authentication (tampered or corrupted data)".to_string(),
        ),
        E::PeerIncompatible(p) => (
            Kind::NoCommonAlgorithm,
            format!("the peer has no protocol version or cipher suite in common with wstls: {p:?}"),
        ),
        E::NoCertificatesPresented => (
            Kind::NoCredentials,
            "the peer presented no certificate but one is required".to_string(),
        ),
        E::InvalidMessage(m) => (
            Kind::IllegalMessage,
            format!("the peer sent an invalid TLS message: {m:?}"),
        ),
        E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. }
        | E::PeerMisbehaved(_) => (
            Kind::IllegalMessage,
            format!("the peer violated the TLS protocol: {e}"),
        ),
        E::HandshakeNotComplete => (
            Kind::Wsa(crate::win::wsa::WSAENOTCONN),
            "the TLS handshake has not completed".to_string(),
        ),
        other => (Kind::IllegalMessage, format!("TLS error: {other}")),
    };
    Error::new(kind, text)
}
