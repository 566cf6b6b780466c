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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::config::{ClientAuth, Identity, Versions, TICKETS_FULL, TICKETS_RESUMED};

    /// Moves everything `from` has to send into `to`; `false` if there was nothing.
    fn xfer(from: &mut Session, to: &mut Session) -> bool {
        let mut buf = Vec::new();
        while from.conn.wants_write() {
            from.conn.write_tls(&mut buf).unwrap();
        }
        let mut rd = &buf[..];
        while !rd.is_empty() {
            to.conn.read_tls(&mut rd).unwrap();
            to.process().unwrap();
        }
        !buf.is_empty()
    }

    /// Runs a handshake (and the tickets after it) in memory; returns the client's tickets
    /// and whether it resumed.
    fn connect(mut c: Session, mut s: Session) -> (u32, bool) {
        while xfer(&mut c, &mut s) | xfer(&mut s, &mut c) {}
        assert!(!c.conn.is_handshaking() && !s.conn.is_handshaking());
        let resumed = c.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
        match &c.conn {
            Connection::Client(cc) => (cc.tls13_tickets_received(), resumed),
            Connection::Server(_) => unreachable!(),
        }
    }

    /// A wstls client asks (RFC 9149) for two tickets after a full handshake and one after a
    /// resumption, and a wstls server sends what it is asked for; a client that does not ask
    /// still gets two.
    #[test]
    fn ticket_request_counts() {
        let ca = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let cert_pem = ca.cert.pem();
        let id = Identity::from_pem(
            cert_pem.as_bytes(),
            ca.signing_key.serialize_pem().as_bytes(),
        )
        .unwrap();
        let roots = crate::tls::roots::store_from_pem(cert_pem.as_bytes()).unwrap();
        let versions = Versions {
            tls12: false,
            tls13: true,
        };
        let scfg = config::server_config(ServerOptions {
            versions,
            identity: id,
            client_auth: ClientAuth::None,
            client_ca: None,
            alpn: &[],
        })
        .unwrap();
        // An ALPN list of its own: a client config (and session store) no other test shares.
        let alpn = [b"ticket-request-test".to_vec()];
        let client = || {
            Session::client(
                ClientOptions {
                    versions,
                    policy: Policy {
                        name: Some("localhost".into()),
                        check_chain: true,
                        check_name: true,
                        hook: None,
                        require_name: true,
                    },
                    identity: None,
                    alpn: &alpn,
                    roots: Some(roots.clone()),
                },
                Some("localhost"),
                std::net::Ipv4Addr::LOCALHOST.into(),
            )
            .unwrap()
        };
        let server = || Session::server_with(scfg.clone()).unwrap();
        assert_eq!(
            connect(client(), server()),
            (TICKETS_FULL as u32, false),
            "full handshake"
        );
        for _ in 0..3 {
            assert_eq!(
                connect(client(), server()),
                (TICKETS_RESUMED as u32, true),
                "resumed handshake"
            );
        }
        // A client without the extension (rustls's default config, same roots): two tickets
        // after a resumption too.
        let mut plain = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        assert!(plain.send_ticket_request.is_none());
        plain.resumption = rustls::client::Resumption::in_memory_sessions(8);
        let plain = Arc::new(plain);
        let plain_client = || {
            Session::client_with(
                plain.clone(),
                SharedOutcome::default(),
                ServerName::try_from("localhost").unwrap(),
            )
            .unwrap()
        };
        assert_eq!(connect(plain_client(), server()), (2, false));
        assert_eq!(connect(plain_client(), server()), (2, true));
    }
}
