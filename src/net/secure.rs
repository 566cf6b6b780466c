//! Starting TLS on a socket from its settings: shared by the CE face (`SO_SECURE`, the
//! `SO_SSL_*` controls) and the secure socket extensions (`WSASetSocketSecurity`).
use std::time::{Duration, Instant};

use crate::error::{Error, Kind, Result};
use crate::net::socket::{Dir, Socket};
use crate::tls::config::{self, ClientOptions, ServerOptions, SocketTls};
use crate::tls::session::Session;
use crate::tls::verify::Policy;
use crate::win::wsa;

/// The limit on a handshake when no `SO_RCVTIMEO` is set (documented in docs/porting.md), so a
/// peer that connects and never speaks cannot hold `connect` or `accept` for ever.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Deadline for a handshake on `sock`: the shorter of `SO_RCVTIMEO` and `SO_SNDTIMEO` when
/// either is set (a handshake both sends and receives), else [`DEFAULT_HANDSHAKE_TIMEOUT`].
pub fn handshake_deadline(sock: &Socket) -> Instant {
    let limit = match (sock.timeout(Dir::Read), sock.timeout(Dir::Write)) {
        (Some(r), Some(w)) => r.min(w),
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => DEFAULT_HANDSHAKE_TIMEOUT,
    };
    Instant::now() + limit
}

/// Creates the client session for `sock` from `t` and installs it (the handshake itself runs in
/// `TlsIo::handshake`).
pub fn begin_client(sock: &Socket, t: &SocketTls) -> Result<()> {
    let sess = client_session(sock, t)?;
    sock.tls.begin(sess)
}

/// The client session for `sock` from `t`, not yet installed (the secure socket extensions'
/// allow-insecure path sends the ClientHello itself before deciding to install it).
pub fn client_session(sock: &Socket, t: &SocketTls) -> Result<Session> {
    let peer = sock.connected_peer()?;
    let identity = match &t.client_identity {
        Some(id) => Some(id.clone()),
        None => default_client_identity()?,
    };
    let policy = Policy {
        name: t.peer_name.clone(),
        check_chain: true,
        check_name: true,
        hook: t.hook,
        require_name: t.require_name,
    };
    Session::client(
        ClientOptions {
            versions: t.versions,
            policy,
            identity,
            alpn: &t.alpn,
            roots: None,
        },
        t.peer_name.as_deref(),
        peer.ip(),
    )
}

/// The process default server identity, loaded once from `WSTLS_CERT_FILE`/`WSTLS_KEY_FILE`
/// (or set with `wstls_set_default_server_credentials`).
static DEFAULT_SERVER_ID: std::sync::Mutex<Option<Option<std::sync::Arc<config::Identity>>>> =
    std::sync::Mutex::new(None);

pub fn default_server_identity() -> Result<Option<std::sync::Arc<config::Identity>>> {
    let mut g = DEFAULT_SERVER_ID.lock().unwrap_or_else(|e| e.into_inner());
    if g.is_none() {
        *g = Some(config::default_server_identity()?);
    }
    Ok(g.clone().flatten())
}

static DEFAULT_CLIENT_ID: std::sync::Mutex<Option<Option<std::sync::Arc<config::Identity>>>> =
    std::sync::Mutex::new(None);

/// The process default client identity, loaded once from `WSTLS_CLIENT_CERT_FILE`/
/// `WSTLS_CLIENT_KEY_FILE` (or set with `wstls_set_default_client_credentials`).
pub fn default_client_identity() -> Result<Option<std::sync::Arc<config::Identity>>> {
    let mut g = DEFAULT_CLIENT_ID.lock().unwrap_or_else(|e| e.into_inner());
    if g.is_none() {
        *g = Some(config::default_client_identity()?);
    }
    Ok(g.clone().flatten())
}

/// Replaces the process default client identity.
pub fn set_default_client_identity(id: Option<std::sync::Arc<config::Identity>>) {
    *DEFAULT_CLIENT_ID.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
}

/// Replaces the process default server identity.
/// Replaces the process default server identity (`None`: no default).
pub fn set_default_server_identity(id: Option<std::sync::Arc<config::Identity>>) {
    *DEFAULT_SERVER_ID.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
}

/// The server config for `t`, built once and shared by every accepted socket.
pub fn server_config(t: &SocketTls) -> Result<std::sync::Arc<rustls::ServerConfig>> {
    let mut cache = t.server_cache.lock().unwrap_or_else(|e| e.into_inner());
    let identity = match &t.server_identity {
        Some(id) => id.clone(),
        None => default_server_identity()?.ok_or_else(|| {
            Error::new(
                Kind::NoCredentials,
                "this secure server socket has no certificate: set WSTLS_CERT_FILE and WSTLS_KEY_FILE, or give the listening socket one with the WSTLS_SO_SET_SERVER_CREDENTIALS control code (wstls_ext.h)",
            )
        })?,
    };
    let key = t.server_key(&identity);
    if let Some((k, c)) = cache.as_ref() {
        if *k == key {
            return Ok(c.clone());
        }
    }
    let cfg = config::server_config(ServerOptions {
        versions: t.versions,
        identity,
        client_auth: t.effective_client_auth(),
        client_ca: t.client_ca.clone(),
        alpn: &t.alpn,
    })?;
    *cache = Some((key, cfg.clone()));
    Ok(cfg)
}

/// Creates the server session for an accepted socket from the listener's settings.
pub fn begin_server(sock: &Socket, t: &SocketTls) -> Result<()> {
    let sess = Session::server_with(server_config(t)?)?;
    sock.tls.begin(sess)
}

/// Client side after the TCP connect: start TLS and, for a blocking socket, finish the
/// handshake. A failed handshake leaves the socket unusable (as Windows does).
pub fn client_handshake(sock: &Socket) -> Result<()> {
    let t = sock
        .state()
        .tls
        .clone()
        .ok_or_else(|| Error::inval("TLS is not enabled on this socket"))?;
    begin_client(sock, &t)?;
    let r = sock.tls.handshake(sock, Some(handshake_deadline(sock)));
    if let Err(e) = &r {
        if !e.is_would_block() {
            sock.state().so_error = e.wsa_code();
        }
    }
    r
}

/// Maps a failed secure connect to what `connect` reports.
pub fn connect_error(e: Error) -> Error {
    if e.kind == Kind::Wsa(wsa::WSAEWOULDBLOCK) {
        return e;
    }
    e
}
