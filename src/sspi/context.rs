//! Security contexts: the `InitializeSecurityContext` / `AcceptSecurityContext` token loop and
//! record protection (`EncryptMessage` / `DecryptMessage`).
//!
//! Token rules (see docs/sspi.md):
//! - input is consumed whole records at a time; a trailing partial record is reported as
//!   `SECBUFFER_EXTRA` (the program moves it to the front and calls again), and when not even
//!   one record is complete the call returns `SEC_E_INCOMPLETE_MESSAGE` with the missing byte
//!   count and changes nothing;
//! - records go to rustls one by one, so the call that completes the handshake stops at the
//!   record that completed it: what follows (application data, TLS 1.3 tickets) is `EXTRA`,
//!   for `DecryptMessage`;
//! - records rustls produces are the output token.
use std::sync::{Arc, Mutex, MutexGuard};

use rustls::client::UnbufferedClientConnection;
use rustls::pki_types::ServerName;
use rustls::server::UnbufferedServerConnection;

use super::cred::Credential;
use super::engine::{
    self, CertRequest, Drive, Established, Event, Handshake, Negotiated, RequestScope,
};
use super::{SecError, SecResult};
use crate::error::{Error, Kind};
use crate::tls::record::{self, Scan, Version};
use crate::tls::verify::SharedOutcome;
use crate::win::sspi::*;

enum Phase {
    Handshake(Handshake),
    Established(Box<Established>),
    /// Shut down before the handshake completed.
    Closed,
    /// Failed; the error repeats.
    Dead,
}

/// Output withheld while `SEC_I_INCOMPLETE_CREDENTIALS` is reported: the program calls again
/// (curl with the same input), and gets it then.
struct Held {
    input: Vec<u8>,
    token: Vec<u8>,
    status: i32,
}

/// The result of one ISC/ASC call.
#[derive(Debug, Default)]
pub struct Output {
    pub status: i32,
    pub token: Vec<u8>,
    /// Bytes at the end of the input that were not consumed (`SECBUFFER_EXTRA`).
    pub extra: usize,
    /// With `SEC_E_INCOMPLETE_MESSAGE`: bytes still needed (`SECBUFFER_MISSING`).
    pub missing: usize,
    /// `*pfContextAttr`.
    pub flags: u32,
    /// Expiry to report (the peer certificate's end of validity), Unix seconds.
    pub expiry: Option<i64>,
}

/// The result of one `DecryptMessage` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decrypted {
    /// `SEC_E_INCOMPLETE_MESSAGE`: this many more bytes are needed.
    Incomplete(usize),
    /// One record was processed in place.
    Record {
        status: i32,
        /// Plaintext offset and length in the record (length 0 for non-data records).
        start: usize,
        len: usize,
        /// The record's length; input bytes after it are `EXTRA`.
        total: usize,
    },
}

pub struct Ctx {
    pub cred: Arc<Credential>,
    pub client: bool,
    /// The flags of the latest ISC/ASC request.
    pub req: u32,
    pub target: Option<String>,
    phase: Phase,
    pub neg: Option<Negotiated>,
    /// Records handed to rustls and not yet consumed by it (a handshake message that spans
    /// calls).
    inbuf: Vec<u8>,
    pub outcome: SharedOutcome,
    /// Client contexts: what the server's certificate request said.
    pub client_cert: Option<Arc<CertRequest>>,
    held: Option<Held>,
    creds_reported: bool,
    shutdown: bool,
    alert_req: Option<(u8, u8)>,
    pub close_sent: bool,
    pub peer_closed: bool,
    failed: Option<SecError>,
    /// An alert to hand out with the next ISC/ASC call after a failure outside it (a record
    /// that failed authentication in DecryptMessage).
    failure_alert: Vec<u8>,
}

/// A security context (behind a `CtxtHandle`).
pub struct Context {
    inner: Mutex<Ctx>,
}

fn sec(status: i32, msg: impl Into<String>) -> SecError {
    SecError::new(status, msg)
}

/// `*pfContextAttr` for a client: what TLS always provides, plus the requested options that
/// wstls honours (curl requires the result to equal its request).
pub fn isc_ret_flags(req: u32) -> u32 {
    ISC_RET_REPLAY_DETECT
        | ISC_RET_SEQUENCE_DETECT
        | ISC_RET_CONFIDENTIALITY
        | ISC_RET_STREAM
        | (req
            & (ISC_REQ_ALLOCATE_MEMORY
                | ISC_REQ_USE_SUPPLIED_CREDS
                | ISC_REQ_MANUAL_CRED_VALIDATION
                | ISC_REQ_EXTENDED_ERROR
                | ISC_REQ_CONNECTION
                | ISC_REQ_INTEGRITY
                | ISC_REQ_MUTUAL_AUTH))
}

/// `*pfContextAttr` for a server.
pub fn asc_ret_flags(req: u32) -> u32 {
    ASC_RET_REPLAY_DETECT
        | ASC_RET_SEQUENCE_DETECT
        | ASC_RET_CONFIDENTIALITY
        | ASC_RET_STREAM
        | (req
            & (ASC_REQ_ALLOCATE_MEMORY
                | ASC_REQ_EXTENDED_ERROR
                | ASC_REQ_CONNECTION
                | ASC_REQ_INTEGRITY
                | ASC_REQ_MUTUAL_AUTH))
}

impl Context {
    /// A client context (first `InitializeSecurityContext`).
    pub fn client(
        cred: Arc<Credential>,
        target: Option<String>,
        req: u32,
        alpn: Vec<Vec<u8>>,
    ) -> SecResult<Context> {
        if !cred.outbound {
            return Err(sec(
                SEC_E_WRONG_CREDENTIAL_HANDLE,
                "InitializeSecurityContext needs an outbound (SECPKG_CRED_OUTBOUND) credential",
            ));
        }
        if req & ISC_REQ_DATAGRAM != 0 {
            return Err(sec(
                SEC_E_UNSUPPORTED_FUNCTION,
                "ISC_REQ_DATAGRAM: DTLS is not supported by wstls",
            ));
        }
        let target = target.filter(|t| !t.is_empty());
        let cfg = cred.client_config(target.as_deref(), req, &alpn)?;
        let outcome = SharedOutcome::default();
        let name = target
            .as_deref()
            .and_then(|t| ServerName::try_from(t.to_string()).ok());
        let name = name.unwrap_or(ServerName::IpAddress(
            std::net::Ipv4Addr::UNSPECIFIED.into(),
        ));
        let conn = UnbufferedClientConnection::new(cfg, name)
            .map_err(|e| SecError::from(crate::tls::session::map_rustls(&e, None)))?;
        Ok(Context {
            inner: Mutex::new(Ctx {
                cred,
                client: true,
                req,
                target,
                phase: Phase::Handshake(Handshake::Client(Box::new(conn))),
                neg: None,
                inbuf: Vec::new(),
                outcome,
                client_cert: Some(Arc::default()),
                held: None,
                creds_reported: false,
                shutdown: false,
                alert_req: None,
                close_sent: false,
                peer_closed: false,
                failed: None,
                failure_alert: Vec::new(),
            }),
        })
    }

    /// A server context (first `AcceptSecurityContext`).
    pub fn server(cred: Arc<Credential>, req: u32, alpn: Vec<Vec<u8>>) -> SecResult<Context> {
        if !cred.inbound {
            return Err(sec(
                SEC_E_WRONG_CREDENTIAL_HANDLE,
                "AcceptSecurityContext needs an inbound (SECPKG_CRED_INBOUND) credential",
            ));
        }
        if req & ASC_REQ_DATAGRAM != 0 {
            return Err(sec(
                SEC_E_UNSUPPORTED_FUNCTION,
                "ASC_REQ_DATAGRAM: DTLS is not supported by wstls",
            ));
        }
        let cfg = cred.server_config(req & ASC_REQ_MUTUAL_AUTH != 0, &alpn)?;
        let conn = UnbufferedServerConnection::new(cfg)
            .map_err(|e| SecError::from(crate::tls::session::map_rustls(&e, None)))?;
        Ok(Context {
            inner: Mutex::new(Ctx {
                cred,
                client: false,
                req,
                target: None,
                phase: Phase::Handshake(Handshake::Server(Box::new(conn))),
                neg: None,
                inbuf: Vec::new(),
                outcome: SharedOutcome::default(),
                client_cert: None,
                held: None,
                creds_reported: false,
                shutdown: false,
                alert_req: None,
                close_sent: false,
                peer_closed: false,
                failed: None,
                failure_alert: Vec::new(),
            }),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, Ctx> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One ISC/ASC call. `first` marks the call that created the context (a client then
    /// produces its ClientHello without input).
    pub fn step(&self, input: &[u8], req: u32, first: bool) -> SecResult<Output> {
        let mut g = self.lock();
        g.req = req;
        let mut out = g.step(input, first)?;
        out.flags = if g.client {
            isc_ret_flags(req)
        } else {
            asc_ret_flags(req)
        };
        if out.status == SEC_E_OK {
            out.expiry = g.expiry();
        }
        Ok(out)
    }

    /// `EncryptMessage` with the plaintext in `body[..n]` followed by room for the trailer.
    pub fn encrypt_in_place(&self, hdr: &mut [u8], body: &mut [u8], n: usize) -> SecResult<usize> {
        let mut g = self.lock();
        let est = g.sendable()?;
        est.tx
            .seal_in_place(record::CT_APPLICATION_DATA, hdr, body, n)
            .map_err(encrypt_error)
    }

    /// `EncryptMessage` with header, data and trailer in three separate buffers.
    pub fn encrypt_split(
        &self,
        hdr: &mut [u8],
        data: &mut [u8],
        trailer: &mut [u8],
    ) -> SecResult<usize> {
        let mut g = self.lock();
        let est = g.sendable()?;
        let mut scratch = std::mem::take(&mut est.scratch);
        let r = est.tx.seal_split(
            record::CT_APPLICATION_DATA,
            hdr,
            data,
            trailer,
            &mut scratch,
        );
        est.scratch = scratch;
        r.map_err(encrypt_error)
    }

    /// `(cbHeader, cbTrailer)` of the established connection.
    pub fn stream_sizes(&self) -> SecResult<(usize, usize)> {
        let g = self.lock();
        // A context that failed keeps reporting its failure (not "not established yet").
        if let Some(f) = &g.failed {
            return Err(f.clone());
        }
        match &g.phase {
            Phase::Established(e) => Ok((e.tx.header_len(), e.tx.trailer_len())),
            _ => Err(not_established()),
        }
    }

    /// `DecryptMessage` over `data` (the caller's DATA buffer): one record, in place.
    pub fn decrypt(&self, data: &mut [u8]) -> SecResult<Decrypted> {
        let mut g = self.lock();
        if let Some(f) = &g.failed {
            return Err(f.clone());
        }
        if g.peer_closed {
            return Err(sec(
                SEC_E_CONTEXT_EXPIRED,
                "DecryptMessage: the peer already closed the connection (close_notify)",
            ));
        }
        let est = match &mut g.phase {
            Phase::Established(e) => e,
            _ => return Err(not_established()),
        };
        let total = match record::scan(data) {
            Scan::Partial(need) => return Ok(Decrypted::Incomplete(need)),
            Scan::Invalid => {
                return Err(sec(
                    SEC_E_INVALID_TOKEN,
                    "DecryptMessage: the DATA buffer does not start with a TLS record",
                ))
            }
            Scan::Complete(n) => n,
        };
        match est.open(&mut data[..total]) {
            Ok((op, ev)) => {
                let status = match ev {
                    Event::Data => SEC_E_OK,
                    Event::Closed => {
                        g.peer_closed = true;
                        SEC_I_CONTEXT_EXPIRED
                    }
                    Event::Handshake => SEC_I_RENEGOTIATE,
                };
                let len = if op.typ == record::CT_APPLICATION_DATA {
                    op.len
                } else {
                    0
                };
                Ok(Decrypted::Record {
                    status,
                    start: op.start,
                    len,
                    total,
                })
            }
            Err(e) => {
                let se = SecError::from(e);
                if se.status == SEC_E_DECRYPT_FAILURE {
                    // bad_record_mac for the peer, in the ALERT buffer of the next ISC/ASC call.
                    g.failure_alert = est.alert(2, 20).unwrap_or_default();
                }
                g.failed = Some(se.clone());
                g.phase = Phase::Dead;
                Err(se)
            }
        }
    }

    /// Ends the context after a failure outside it (an output token that did not fit): later
    /// calls repeat `e`.
    pub fn poison(&self, e: &SecError) {
        let mut g = self.lock();
        g.failed = Some(e.clone());
        g.phase = Phase::Dead;
    }

    /// `ApplyControlToken(SCHANNEL_SHUTDOWN)`: the next ISC/ASC call yields `close_notify`.
    pub fn shutdown(&self) {
        self.lock().shutdown = true;
    }

    /// `ApplyControlToken(SCHANNEL_ALERT)`: the next ISC/ASC call yields this alert.
    pub fn request_alert(&self, level: u8, desc: u8) {
        self.lock().alert_req = Some((level, desc));
    }
}

fn not_established() -> SecError {
    sec(SEC_E_INVALID_HANDLE, "the security context is not established yet (finish the InitializeSecurityContext/AcceptSecurityContext loop first)")
}

fn encrypt_error(e: Error) -> SecError {
    match e.kind {
        Kind::BufferTooSmall => sec(
            SEC_E_BUFFER_TOO_SMALL,
            format!("EncryptMessage: {}", e.message),
        ),
        _ => sec(
            SEC_E_ENCRYPT_FAILURE,
            format!("EncryptMessage: {}", e.message),
        ),
    }
}

impl Ctx {
    fn sendable(&mut self) -> SecResult<&mut Established> {
        if let Some(f) = &self.failed {
            return Err(f.clone());
        }
        if self.close_sent {
            return Err(sec(
                SEC_E_CONTEXT_EXPIRED,
                "EncryptMessage: this side already sent close_notify",
            ));
        }
        match &mut self.phase {
            Phase::Established(e) => {
                if e.tx.seq() >= e.limit {
                    return Err(sec(
                        SEC_E_CONTEXT_EXPIRED,
                        "EncryptMessage: the cipher's confidentiality limit for one key is reached; open a new connection",
                    ));
                }
                Ok(e)
            }
            _ => Err(not_established()),
        }
    }

    pub fn established(&self) -> bool {
        matches!(self.phase, Phase::Established(_))
    }

    pub fn tls_version(&self) -> Option<Version> {
        match &self.phase {
            Phase::Established(e) => Some(e.version()),
            _ => None,
        }
    }

    /// The peer certificate's end of validity.
    fn expiry(&self) -> Option<i64> {
        let leaf = self.neg.as_ref()?.peer_chain.first()?;
        let (_, x) = x509_parser::parse_x509_certificate(leaf).ok()?;
        Some(x.validity().not_after.timestamp())
    }

    fn fail(&mut self, mut e: SecError, alert: Vec<u8>) -> SecError {
        e.alert = alert;
        self.failed = Some(SecError::new(e.status, e.message.clone()));
        self.phase = Phase::Dead;
        e
    }

    fn step(&mut self, input: &[u8], first: bool) -> SecResult<Output> {
        if let Some(f) = &self.failed {
            let mut e = f.clone();
            e.alert = std::mem::take(&mut self.failure_alert);
            return Err(e);
        }
        if let Some(h) = self.held.take() {
            // The call after SEC_I_INCOMPLETE_CREDENTIALS: curl presents the same bytes again.
            let extra = if input.starts_with(&h.input) {
                input.len() - h.input.len()
            } else {
                input.len()
            };
            return Ok(Output {
                status: h.status,
                token: h.token,
                extra,
                ..Default::default()
            });
        }
        match self.phase {
            Phase::Handshake(_) => self.handshake_step(input, first),
            Phase::Established(_) => self.established_step(input),
            Phase::Closed => {
                if input.is_empty() {
                    Ok(Output {
                        status: SEC_E_INCOMPLETE_MESSAGE,
                        missing: record::HEADER_LEN,
                        ..Default::default()
                    })
                } else {
                    Err(sec(SEC_E_CONTEXT_EXPIRED, "the context was shut down"))
                }
            }
            Phase::Dead => Err(sec(SEC_E_INTERNAL_ERROR, "the context failed earlier")),
        }
    }

    fn handshake_step(&mut self, input: &[u8], first: bool) -> SecResult<Output> {
        if self.shutdown || self.alert_req.is_some() {
            // Shut down before any key exists: the alert goes in clear.
            let (level, desc) = self.alert_req.take().unwrap_or((1, 0));
            self.shutdown = false;
            self.close_sent = true;
            self.phase = Phase::Closed;
            return Ok(Output {
                status: SEC_E_OK,
                token: engine::plain_alert(level, desc),
                extra: input.len(),
                ..Default::default()
            });
        }
        let Phase::Handshake(hs) = &mut self.phase else {
            unreachable!()
        };
        let _scope = RequestScope::enter(self.client_cert.clone());
        let mut out = Vec::new();
        let mut consumed = 0;
        let mut state = Drive::Blocked;
        let mut failure: Option<rustls::Error> = None;
        if first && hs.is_client() {
            match crate::tls::verify::scoped(&self.outcome, || hs.drive(&mut self.inbuf, &mut out))
            {
                Ok(s) => state = s,
                Err(e) => failure = Some(e),
            }
        } else {
            loop {
                match record::scan(&input[consumed..]) {
                    Scan::Invalid => {
                        let e = sec(SEC_E_INVALID_TOKEN, "the input token is not a TLS record (wrong data, or not from a TLS peer)");
                        if consumed == 0 && !first {
                            return Err(e);
                        }
                        let alert = engine::plain_alert(2, 10);
                        return Err(self.fail(e, alert));
                    }
                    Scan::Partial(need) => {
                        if consumed == 0 {
                            return Ok(Output {
                                status: SEC_E_INCOMPLETE_MESSAGE,
                                missing: need,
                                ..Default::default()
                            });
                        }
                        break;
                    }
                    Scan::Complete(n) => {
                        self.inbuf.extend_from_slice(&input[consumed..consumed + n]);
                        consumed += n;
                        match crate::tls::verify::scoped(&self.outcome, || {
                            hs.drive(&mut self.inbuf, &mut out)
                        }) {
                            Ok(Drive::Done) => {
                                state = Drive::Done;
                                break;
                            }
                            Ok(Drive::Blocked) => {}
                            Err(e) => {
                                failure = Some(e);
                                break;
                            }
                        }
                    }
                }
            }
        }
        if let Some(e) = failure {
            let mut alert = hs.take_alert(&mut self.inbuf);
            if alert.is_empty() {
                alert = out;
            }
            let mut err = SecError::from(hs.error(&e, Some(&self.outcome)));
            if matches!(
                e,
                rustls::Error::NoApplicationProtocol
                    | rustls::Error::AlertReceived(rustls::AlertDescription::NoApplicationProtocol)
            ) {
                err.status = SEC_E_APPLICATION_PROTOCOL_MISMATCH;
                err.message = "no application protocol (ALPN) in common with the peer".into();
            }
            return Err(self.fail(err, alert));
        }
        let mut status = SEC_I_CONTINUE_NEEDED;
        if state == Drive::Done {
            if !self.inbuf.is_empty() {
                let e = sec(
                    SEC_E_ILLEGAL_MESSAGE,
                    "the peer sent a partial handshake message at the end of the handshake",
                );
                return Err(self.fail(e, Vec::new()));
            }
            let Phase::Handshake(hs) = std::mem::replace(&mut self.phase, Phase::Dead) else {
                unreachable!()
            };
            match hs.finish() {
                Ok((neg, est)) => {
                    self.neg = Some(neg);
                    self.phase = Phase::Established(Box::new(est));
                }
                Err(e) => return Err(self.fail(e.into(), Vec::new())),
            }
            status = SEC_E_OK;
        }
        let extra = input.len() - consumed;
        // The server asked for a certificate this client cannot send: say so once, keeping the
        // output for the next call (which continues without a certificate).
        if let Some(cc) = &self.client_cert {
            let asked = cc.requested.load(std::sync::atomic::Ordering::SeqCst);
            if asked
                && self.cred.client_cert.key.is_none()
                && self.req & ISC_REQ_USE_SUPPLIED_CREDS == 0
                && !self.creds_reported
            {
                self.creds_reported = true;
                self.held = Some(Held {
                    input: input[..consumed].to_vec(),
                    token: out,
                    status,
                });
                return Ok(Output {
                    status: SEC_I_INCOMPLETE_CREDENTIALS,
                    ..Default::default()
                });
            }
        }
        Ok(Output {
            status,
            token: out,
            extra,
            ..Default::default()
        })
    }

    fn established_step(&mut self, input: &[u8]) -> SecResult<Output> {
        let Phase::Established(est) = &mut self.phase else {
            unreachable!()
        };
        let mut out = est.take_pending().map_err(SecError::from)?;
        if let Some((level, desc)) = self.alert_req.take() {
            out.extend_from_slice(&est.alert(level, desc).map_err(SecError::from)?);
            if level == 2 || desc == 0 {
                self.close_sent = true;
            }
        }
        if self.shutdown {
            self.shutdown = false;
            if !self.close_sent {
                out.extend_from_slice(&est.alert(1, 0).map_err(SecError::from)?);
                self.close_sent = true;
            }
            return Ok(Output {
                status: SEC_E_OK,
                token: out,
                extra: input.len(),
                ..Default::default()
            });
        }
        if out.is_empty() && self.close_sent && input.is_empty() {
            return Ok(Output {
                status: SEC_E_INCOMPLETE_MESSAGE,
                missing: record::HEADER_LEN,
                ..Default::default()
            });
        }
        // Input here is application data or post-handshake records: DecryptMessage's job.
        Ok(Output {
            status: SEC_E_OK,
            token: out,
            extra: input.len(),
            ..Default::default()
        })
    }
}
