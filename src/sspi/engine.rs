//! The rustls side of an SSPI context.
//!
//! The handshake runs on a rustls *unbuffered* connection fed whole records from the caller's
//! tokens ([`Handshake::drive`]). When it completes, the connection becomes a
//! `rustls::kernel::KernelConnection` and its traffic secrets key an in-place record layer
//! ([`crate::tls::record`]): `EncryptMessage`/`DecryptMessage` then work in the caller's buffers
//! with no copy. rustls still handles what follows the handshake: TLS 1.3 session tickets
//! (stored for resumption) and key updates (new secrets); wstls parses those messages from the
//! decrypted records itself.
use std::sync::Arc;

use rustls::client::{ClientConnectionData, UnbufferedClientConnection};
use rustls::kernel::KernelConnection;
use rustls::pki_types::CertificateDer;
use rustls::server::{ServerConnectionData, UnbufferedServerConnection};
use rustls::unbuffered::{ConnectionState, EncodeError, InsufficientSizeError, UnbufferedStatus};
use rustls::{AlertDescription, CommonState, ProtocolVersion, SupportedCipherSuite};

use crate::error::{Error, Kind, Result};
use crate::tls::info::{self, ConnInfo};
use crate::tls::record::{self, Opened, Opener, Sealer, Version};
use crate::tls::session::map_rustls;
use crate::tls::verify::SharedOutcome;

/// Where a handshake stands after a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drive {
    /// Waiting for more records from the peer.
    Blocked,
    /// The handshake is complete.
    Done,
}

/// A connection during the handshake.
pub enum Handshake {
    Client(Box<UnbufferedClientConnection>),
    Server(Box<UnbufferedServerConnection>),
}

/// What one pass of the state machine asked for.
enum Next {
    Again,
    Blocked,
    Writable,
    Fail(rustls::Error),
}

macro_rules! drive_conn {
    ($conn:expr, $inbuf:expr, $out:expr) => {{
        let mut rounds = 0usize;
        loop {
            rounds += 1;
            if rounds > 10_000 {
                break Err(rustls::Error::General(
                    "TLS state machine did not settle".into(),
                ));
            }
            let UnbufferedStatus { discard, state } = $conn.process_tls_records(&mut $inbuf[..]);
            let next = match state {
                Err(e) => Next::Fail(e),
                Ok(ConnectionState::EncodeTlsData(mut enc)) => {
                    let start = $out.len();
                    match enc.encode(&mut []) {
                        Ok(_) => Next::Again,
                        Err(EncodeError::InsufficientSize(InsufficientSizeError {
                            required_size,
                        })) => {
                            $out.resize(start + required_size, 0);
                            match enc.encode(&mut $out[start..]) {
                                Ok(n) => {
                                    $out.truncate(start + n);
                                    Next::Again
                                }
                                Err(e) => Next::Fail(rustls::Error::General(format!(
                                    "encoding a handshake record: {e}"
                                ))),
                            }
                        }
                        Err(e) => Next::Fail(rustls::Error::General(format!(
                            "encoding a handshake record: {e}"
                        ))),
                    }
                }
                Ok(ConnectionState::TransmitTlsData(t)) => {
                    // The records are in `out`; the program sends them.
                    t.done();
                    Next::Again
                }
                Ok(ConnectionState::BlockedHandshake) => Next::Blocked,
                Ok(ConnectionState::WriteTraffic(_)) => Next::Writable,
                Ok(ConnectionState::PeerClosed) | Ok(ConnectionState::Closed) => {
                    Next::Fail(rustls::Error::AlertReceived(AlertDescription::CloseNotify))
                }
                Ok(ConnectionState::ReadTraffic(_)) => Next::Fail(rustls::Error::General(
                    "application data arrived before the handshake completed".into(),
                )),
                Ok(_) => Next::Fail(rustls::Error::General(
                    "unexpected TLS state during the handshake".into(),
                )),
            };
            $inbuf.drain(..discard.min($inbuf.len()));
            match next {
                Next::Again => continue,
                Next::Blocked => break Ok(Drive::Blocked),
                // A TLS 1.3 server may send before the client's Finished: still handshaking.
                Next::Writable => {
                    break Ok(if $conn.is_handshaking() {
                        Drive::Blocked
                    } else {
                        Drive::Done
                    })
                }
                Next::Fail(e) => break Err(e),
            }
        }
    }};
}

/// Collects the alert rustls queued after a failure.
macro_rules! drain_alert {
    ($conn:expr, $inbuf:expr, $out:expr) => {{
        for _ in 0..4 {
            let UnbufferedStatus { state, .. } = $conn.process_tls_records(&mut $inbuf[..]);
            match state {
                Ok(ConnectionState::EncodeTlsData(mut enc)) => {
                    if let Err(EncodeError::InsufficientSize(InsufficientSizeError {
                        required_size,
                    })) = enc.encode(&mut [])
                    {
                        let start = $out.len();
                        $out.resize(start + required_size, 0);
                        match enc.encode(&mut $out[start..]) {
                            Ok(n) => $out.truncate(start + n),
                            Err(_) => $out.truncate(start),
                        }
                    }
                }
                Ok(ConnectionState::TransmitTlsData(t)) => t.done(),
                _ => break,
            }
        }
    }};
}

/// Facts about the negotiated connection, kept for `QueryContextAttributes`.
#[derive(Debug, Clone)]
pub struct Negotiated {
    pub client: bool,
    pub version: ProtocolVersion,
    pub suite: SupportedCipherSuite,
    pub info: Option<ConnInfo>,
    pub alpn: Option<Vec<u8>>,
    pub peer_chain: Vec<CertificateDer<'static>>,
    pub resumed: bool,
    /// IANA id of the key exchange group.
    pub group: Option<u16>,
}

impl Handshake {
    pub fn is_client(&self) -> bool {
        matches!(self, Handshake::Client(_))
    }

    fn common(&self) -> &CommonState {
        match self {
            Handshake::Client(c) => c,
            Handshake::Server(s) => s,
        }
    }

    /// Runs the state machine over `inbuf` (whole records; bytes rustls keeps for a later call
    /// stay in it), appending the records to send to `out`.
    pub fn drive(
        &mut self,
        inbuf: &mut Vec<u8>,
        out: &mut Vec<u8>,
    ) -> std::result::Result<Drive, rustls::Error> {
        match self {
            Handshake::Client(c) => drive_conn!(c, inbuf, out),
            Handshake::Server(s) => drive_conn!(s, inbuf, out),
        }
    }

    /// After a failure: the alert rustls queued for the peer, if any. `inbuf` is the buffer
    /// the failed call used (rustls may still refer to handshake data in it).
    pub fn take_alert(&mut self, inbuf: &mut [u8]) -> Vec<u8> {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut out = Vec::new();
            match self {
                Handshake::Client(c) => drain_alert!(c, inbuf, out),
                Handshake::Server(s) => drain_alert!(s, inbuf, out),
            }
            out
        }));
        r.unwrap_or_default()
    }

    /// Maps a rustls failure of this handshake to an error with a message.
    pub fn error(&self, e: &rustls::Error, outcome: Option<&SharedOutcome>) -> Error {
        map_rustls(e, outcome)
    }

    fn negotiated(&self) -> Result<Negotiated> {
        let c = self.common();
        let internal = || {
            Error::new(
                Kind::Internal,
                "the handshake completed without a negotiated suite",
            )
        };
        Ok(Negotiated {
            client: self.is_client(),
            version: c.protocol_version().ok_or_else(internal)?,
            suite: c.negotiated_cipher_suite().ok_or_else(internal)?,
            info: info::conn_info_common(c, self.is_client()),
            alpn: c.alpn_protocol().map(|a| a.to_vec()),
            peer_chain: c
                .peer_certificates()
                .map(|p| p.to_vec())
                .unwrap_or_default(),
            resumed: matches!(c.handshake_kind(), Some(rustls::HandshakeKind::Resumed)),
            group: c
                .negotiated_key_exchange_group()
                .map(|g| u16::from(g.name())),
        })
    }

    /// Ends the handshake: takes the traffic secrets over for the in-place record layer.
    pub fn finish(self) -> Result<(Negotiated, Established)> {
        let neg = self.negotiated()?;
        let err = |e: rustls::Error| {
            Error::new(Kind::Internal, format!("taking over the TLS session: {e}"))
        };
        let (secrets, kernel) = match self {
            Handshake::Client(c) => {
                let (s, k) = c.dangerous_into_kernel_connection().map_err(err)?;
                (s, Kernel::Client(k))
            }
            Handshake::Server(s) => {
                let (s, k) = s.dangerous_into_kernel_connection().map_err(err)?;
                (s, Kernel::Server(k))
            }
        };
        let version = if neg.version == ProtocolVersion::TLSv1_3 {
            Version::Tls13
        } else {
            Version::Tls12
        };
        let tx = Sealer::new(version, &secrets.tx.1, secrets.tx.0)?;
        let rx = Opener::new(version, &secrets.rx.1, secrets.rx.0)?;
        let limit = match neg.suite {
            SupportedCipherSuite::Tls13(s) => s.common.confidentiality_limit,
            SupportedCipherSuite::Tls12(s) => s.common.confidentiality_limit,
        };
        Ok((
            neg,
            Established {
                kernel,
                tx,
                rx,
                version,
                tx_update_requested: false,
                pending: Vec::new(),
                hs: Vec::new(),
                scratch: Vec::new(),
                limit,
                temper: Temper::default(),
            },
        ))
    }
}

/// The rustls state kept after the handshake.
pub enum Kernel {
    Client(KernelConnection<ClientConnectionData>),
    Server(KernelConnection<ServerConnectionData>),
}

/// What a decrypted record was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Application data (possibly empty).
    Data,
    /// The peer's `close_notify`.
    Closed,
    /// Post-handshake handshake messages (tickets, key update, renegotiation request).
    Handshake,
}

/// Record protection of an established context.
pub struct Established {
    kernel: Kernel,
    pub tx: Sealer,
    pub rx: Opener,
    version: Version,
    /// The peer asked for a key update; ours goes out with the next ISC/ASC output.
    tx_update_requested: bool,
    /// Records to send with the next ISC/ASC output (refusals of renegotiation).
    pending: Vec<u8>,
    /// A post-handshake message split over records.
    hs: Vec<u8>,
    /// Working space for sealing a TLS 1.3 record whose trailer is apart from its data.
    pub scratch: Vec<u8>,
    /// Records one key may protect (the cipher's confidentiality limit).
    pub limit: u64,
    /// What a peer may do in a row without sending data, as rustls limits it for the socket
    /// faces: otherwise a peer could keep the program calling DecryptMessage for ever.
    temper: Temper,
}

/// Denial-of-service limits of the record layer (rustls's values).
#[derive(Default)]
struct Temper {
    /// Warning alerts received (at most `MAX_WARNING_ALERTS` in a connection).
    warning_alerts: u32,
    /// Renegotiation requests received (the first is refused with a warning, the next fails).
    renegotiation_requests: u32,
    /// KeyUpdate requests since the last application data.
    key_updates: u32,
    /// Empty records in a row.
    empty_records: u32,
}

const MAX_WARNING_ALERTS: u32 = 4;
const MAX_RENEGOTIATION_REQUESTS: u32 = 1;
const MAX_KEY_UPDATES: u32 = 32;
const MAX_EMPTY_RECORDS: u32 = 32;

const HS_HELLO_REQUEST: u8 = 0;
const HS_CLIENT_HELLO: u8 = 1;
const HS_NEW_SESSION_TICKET: u8 = 4;
const HS_KEY_UPDATE: u8 = 24;
const MAX_POST_HANDSHAKE: usize = 64 * 1024;

fn illegal(msg: impl Into<String>) -> Error {
    Error::new(Kind::IllegalMessage, msg)
}

impl Established {
    pub fn version(&self) -> Version {
        self.version
    }

    /// Decrypts one whole record in place and acts on what it carried.
    pub fn open(&mut self, record: &mut [u8]) -> Result<(Opened, Event)> {
        let op = self.rx.open_in_place(record)?;
        let body = &record[op.start..op.start + op.len];
        if body.is_empty() {
            self.temper.empty_records += 1;
            if self.temper.empty_records > MAX_EMPTY_RECORDS {
                return Err(illegal(format!(
                    "the peer sent more than {MAX_EMPTY_RECORDS} empty TLS records in a row"
                )));
            }
        } else {
            self.temper.empty_records = 0;
        }
        let ev = match op.typ {
            record::CT_APPLICATION_DATA => {
                if !body.is_empty() {
                    self.temper.key_updates = 0;
                }
                Event::Data
            }
            record::CT_ALERT => {
                if body.len() != 2 {
                    return Err(illegal("malformed TLS alert"));
                }
                let desc = AlertDescription::from(body[1]);
                if desc == AlertDescription::CloseNotify {
                    Event::Closed
                } else if body[0] == 1
                    && (self.version == Version::Tls12 || desc == AlertDescription::UserCanceled)
                {
                    // Warnings carry no data; TLS 1.2 peers send no_renegotiation and the like.
                    self.temper.warning_alerts += 1;
                    if self.temper.warning_alerts > MAX_WARNING_ALERTS {
                        return Err(illegal(format!(
                            "the peer sent more than {MAX_WARNING_ALERTS} TLS warning alerts (the last: {desc:?})"
                        )));
                    }
                    log::debug!("TLS warning alert {desc:?} ignored");
                    Event::Data
                } else {
                    return Err(map_rustls(&rustls::Error::AlertReceived(desc), None));
                }
            }
            record::CT_HANDSHAKE => {
                if self.hs.len() + body.len() > MAX_POST_HANDSHAKE {
                    return Err(illegal("post-handshake message too large"));
                }
                self.hs.extend_from_slice(body);
                self.handshake_messages()?;
                Event::Handshake
            }
            t => {
                return Err(illegal(format!(
                    "unexpected TLS record type {t} after the handshake"
                )))
            }
        };
        Ok((op, ev))
    }

    fn handshake_messages(&mut self) -> Result<()> {
        while self.hs.len() >= 4 {
            let typ = self.hs[0];
            let len = u32::from_be_bytes([0, self.hs[1], self.hs[2], self.hs[3]]) as usize;
            if self.hs.len() < 4 + len {
                return Ok(());
            }
            let msg: Vec<u8> = self.hs.drain(..4 + len).collect();
            let body = &msg[4..];
            match (self.version, typ) {
                (Version::Tls13, HS_NEW_SESSION_TICKET) => match &mut self.kernel {
                    Kernel::Client(k) => k
                        .handle_new_session_ticket(body)
                        .map_err(|e| map_rustls(&e, None))?,
                    Kernel::Server(_) => return Err(illegal("a TLS client sent a session ticket")),
                },
                (Version::Tls13, HS_KEY_UPDATE) => {
                    if body.len() != 1 || body[0] > 1 {
                        return Err(illegal("malformed KeyUpdate"));
                    }
                    if !self.hs.is_empty() {
                        return Err(illegal("KeyUpdate not at a record boundary"));
                    }
                    self.temper.key_updates += 1;
                    if self.temper.key_updates > MAX_KEY_UPDATES {
                        return Err(illegal(format!(
                            "the peer sent more than {MAX_KEY_UPDATES} KeyUpdates without data in between"
                        )));
                    }
                    let (seq, secrets) = match &mut self.kernel {
                        Kernel::Client(k) => k.update_rx_secret(),
                        Kernel::Server(k) => k.update_rx_secret(),
                    }
                    .map_err(|e| map_rustls(&e, None))?;
                    self.rx = Opener::new(Version::Tls13, &secrets, seq)?;
                    if body[0] == 1 {
                        self.tx_update_requested = true;
                    }
                }
                (Version::Tls12, HS_HELLO_REQUEST) if matches!(self.kernel, Kernel::Client(_)) => {
                    self.renegotiation_request()?;
                    // rustls does not renegotiate: refuse politely (a warning the server may accept).
                    let a = self.tx.seal_to_vec(
                        record::CT_ALERT,
                        &[1, u8::from(AlertDescription::NoRenegotiation)],
                    )?;
                    self.pending.extend_from_slice(&a);
                }
                (Version::Tls12, HS_CLIENT_HELLO) if matches!(self.kernel, Kernel::Server(_)) => {
                    self.renegotiation_request()?;
                    let a = self.tx.seal_to_vec(
                        record::CT_ALERT,
                        &[1, u8::from(AlertDescription::NoRenegotiation)],
                    )?;
                    self.pending.extend_from_slice(&a);
                }
                (_, t) => {
                    return Err(illegal(format!(
                        "unexpected post-handshake message (type {t})"
                    )))
                }
            }
        }
        Ok(())
    }

    /// Counts a TLS 1.2 renegotiation request: the first is refused politely, more fail.
    fn renegotiation_request(&mut self) -> Result<()> {
        self.temper.renegotiation_requests += 1;
        if self.temper.renegotiation_requests > MAX_RENEGOTIATION_REQUESTS {
            return Err(illegal(
                "the peer asked again to renegotiate after wstls refused (TLS renegotiation is not supported)",
            ));
        }
        Ok(())
    }

    /// Records to send now (key-update answer, renegotiation refusals); empty when none.
    pub fn take_pending(&mut self) -> Result<Vec<u8>> {
        let mut out = std::mem::take(&mut self.pending);
        if self.tx_update_requested {
            self.tx_update_requested = false;
            out.extend_from_slice(&self.key_update(false)?);
        }
        Ok(out)
    }

    /// Sends a TLS 1.3 KeyUpdate under the current keys, then switches to the next ones.
    pub fn key_update(&mut self, request_peer: bool) -> Result<Vec<u8>> {
        if self.version != Version::Tls13 {
            return Err(Error::unsupported("key updates exist in TLS 1.3 only"));
        }
        let rec = self.tx.seal_to_vec(
            record::CT_HANDSHAKE,
            &[HS_KEY_UPDATE, 0, 0, 1, u8::from(request_peer)],
        )?;
        let (seq, secrets) = match &mut self.kernel {
            Kernel::Client(k) => k.update_tx_secret(),
            Kernel::Server(k) => k.update_tx_secret(),
        }
        .map_err(|e| map_rustls(&e, None))?;
        self.tx = Sealer::new(Version::Tls13, &secrets, seq)?;
        Ok(rec)
    }

    /// An alert record under the current keys.
    pub fn alert(&mut self, level: u8, desc: u8) -> Result<Vec<u8>> {
        self.tx.seal_to_vec(record::CT_ALERT, &[level, desc])
    }
}

/// A plaintext alert record (before keys exist).
pub fn plain_alert(level: u8, desc: u8) -> Vec<u8> {
    vec![record::CT_ALERT, 3, 3, 0, 2, level, desc]
}

/// What a server's certificate request told one client context: whether it asked (for
/// `SEC_I_INCOMPLETE_CREDENTIALS`) and which CAs it named (`SECPKG_ATTR_ISSUER_LIST_EX`).
#[derive(Debug, Default)]
pub struct CertRequest {
    pub requested: std::sync::atomic::AtomicBool,
    pub issuers: std::sync::Mutex<Vec<Vec<u8>>>,
}

thread_local! {
    /// The context whose handshake runs on this thread (rustls calls the resolver from inside
    /// `process_tls_records`, on the caller's thread).
    static CURRENT_REQUEST: std::cell::RefCell<Option<Arc<CertRequest>>> = const { std::cell::RefCell::new(None) };
}

/// Makes `r` the request record for resolver calls on this thread until dropped.
pub struct RequestScope;

impl RequestScope {
    pub fn enter(r: Option<Arc<CertRequest>>) -> RequestScope {
        CURRENT_REQUEST.with(|c| *c.borrow_mut() = r);
        RequestScope
    }
}

impl Drop for RequestScope {
    fn drop(&mut self) {
        CURRENT_REQUEST.with(|c| *c.borrow_mut() = None);
    }
}

/// The client certificate resolver of a credential: offers its certificate (if any) and notes
/// the request in the running context's [`CertRequest`]. One per credential, so the configs of
/// its contexts are equal and rustls lets them resume each other's sessions.
#[derive(Debug, Default)]
pub struct ClientCert {
    pub key: Option<Arc<rustls::sign::CertifiedKey>>,
}

impl rustls::client::ResolvesClientCert for ClientCert {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        CURRENT_REQUEST.with(|c| {
            if let Some(r) = c.borrow().as_ref() {
                r.requested.store(true, std::sync::atomic::Ordering::SeqCst);
                *r.issuers.lock().unwrap_or_else(|e| e.into_inner()) =
                    root_hint_subjects.iter().map(|s| s.to_vec()).collect();
            }
        });
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}
