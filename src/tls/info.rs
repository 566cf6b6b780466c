//! Negotiated-connection facts in Windows terms (ALG_IDs, strengths, protocol bits).
use rustls::{CipherSuite, CommonState, Connection, ProtocolVersion};

use crate::win::sslsock::*;

/// Protocol, cipher, hash and exchange of an established connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnInfo {
    /// `SP_PROT_*` bit for our side (client or server).
    pub protocol: u32,
    pub cipher: u32,
    pub cipher_strength: u32,
    pub hash: u32,
    pub hash_strength: u32,
    pub exch: u32,
    pub exch_strength: u32,
    /// The IANA cipher suite number.
    pub suite: u16,
    /// Whether the session was resumed.
    pub resumed: bool,
}

pub fn conn_info(conn: &Connection) -> Option<ConnInfo> {
    conn_info_common(conn, matches!(conn, Connection::Client(_)))
}

/// [`conn_info`] from the state every rustls connection type shares (buffered, unbuffered).
pub fn conn_info_common(conn: &CommonState, client: bool) -> Option<ConnInfo> {
    let suite = conn.negotiated_cipher_suite()?;
    let protocol = match (conn.protocol_version()?, client) {
        (ProtocolVersion::TLSv1_3, true) => SP_PROT_TLS1_3_CLIENT,
        (ProtocolVersion::TLSv1_3, false) => SP_PROT_TLS1_3_SERVER,
        (ProtocolVersion::TLSv1_2, true) => SP_PROT_TLS1_2_CLIENT,
        (_, _) => SP_PROT_TLS1_2_SERVER,
    };
    let cs = suite.suite();
    let name = format!("{cs:?}");
    let (cipher, cipher_strength) = if name.contains("AES_128") {
        (CALG_AES_128, 128)
    } else if name.contains("AES_256") {
        (CALG_AES_256, 256)
    } else {
        (CALG_WSTLS_CHACHA20_POLY1305, 256)
    };
    let (hash, hash_strength) = if name.ends_with("SHA384") {
        (CALG_SHA_384, 384)
    } else {
        (CALG_SHA_256, 256)
    };
    let group = conn
        .negotiated_key_exchange_group()
        .map(|g| format!("{:?}", g.name()))
        .unwrap_or_default();
    let (exch, exch_strength) = if group.contains("FFDHE") {
        (CALG_DH_EPHEM, 2048)
    } else if group.contains("384") {
        (CALG_ECDH_EPHEM, 384)
    } else if group.contains("521") {
        (CALG_ECDH_EPHEM, 521)
    } else if group.contains("MLKEM") {
        (CALG_ECDH_EPHEM, 768)
    } else {
        (CALG_ECDH_EPHEM, 256)
    };
    let resumed = matches!(conn.handshake_kind(), Some(rustls::HandshakeKind::Resumed));
    let suite_num = u16::from(cs);
    let _ = CipherSuite::from(suite_num);
    Some(ConnInfo {
        protocol,
        cipher,
        cipher_strength,
        hash,
        hash_strength,
        exch,
        exch_strength,
        suite: suite_num,
        resumed,
    })
}
