//! The SSPI / Schannel face: credentials and security contexts driven by caller tokens
//! (sans-IO: tokens in, tokens out; the program does its own socket I/O).
//!
//! - [`cred`]: `AcquireCredentialsHandle` for the Schannel packages (`SCHANNEL_CRED`,
//!   `SCH_CREDENTIALS`), protocol versions, verification flags, identities;
//! - [`context`]: the `InitializeSecurityContext`/`AcceptSecurityContext` state machine over a
//!   rustls unbuffered connection, then record protection in the caller's buffers with
//!   [`crate::tls::record`] once the handshake is done;
//! - [`engine`]: the rustls side of a context (handshake driver, key updates, tickets);
//! - [`attrs`]: `QueryContextAttributes` / `QueryCredentialsAttributes`;
//! - [`cert`]: crypt32 certificate contexts and stores;
//! - [`mem`]: memory the package hands out (`FreeContextBuffer`);
//! - [`packages`]: package names and `SecPkgInfo`.
//!
//! Handles: credentials and contexts live in two generational tables
//! ([`crate::net::handles::HandleTable`]); a `SecHandle` carries the table handle in `dwLower`
//! and a tag naming the table in `dwUpper`, so a stale, foreign or swapped handle is
//! `SEC_E_INVALID_HANDLE`.
pub mod attrs;
pub mod cert;
pub mod context;
pub mod cred;
pub mod engine;
pub mod mem;
pub mod packages;

use std::sync::Arc;

use once_cell::sync::Lazy;

use crate::error::Error;
use crate::net::handles::HandleTable;
use crate::win::sspi::{SecHandle, SEC_E_INVALID_HANDLE};

/// An SSPI failure: the status to return, the message for `wstls_last_error_message()`, and
/// an alert record for the program to send when the failure ends a handshake.
#[derive(Debug, Clone)]
pub struct SecError {
    pub status: i32,
    pub message: String,
    pub alert: Vec<u8>,
}

impl SecError {
    pub fn new(status: i32, message: impl Into<String>) -> Self {
        SecError {
            status,
            message: message.into(),
            alert: Vec::new(),
        }
    }
}

impl From<Error> for SecError {
    fn from(e: Error) -> Self {
        SecError {
            status: e.sec_code(),
            message: e.message,
            alert: Vec::new(),
        }
    }
}

pub type SecResult<T> = Result<T, SecError>;

/// `dwUpper` of a credentials handle issued by wstls ("WSTLSCRD").
pub const CRED_TAG: usize = 0x5753_544c_5343_5244;
/// `dwUpper` of a context handle issued by wstls ("WSTLSCTX").
pub const CTXT_TAG: usize = 0x5753_544c_5343_5458;

pub static CREDS: Lazy<HandleTable<cred::Credential>> = Lazy::new(HandleTable::new);
pub static CONTEXTS: Lazy<HandleTable<context::Context>> = Lazy::new(HandleTable::new);

fn invalid(what: &str) -> SecError {
    SecError::new(SEC_E_INVALID_HANDLE, format!("{what} is not a valid wstls handle (never issued, already freed, or of the other kind)"))
}

/// The credential behind a handle.
pub fn cred(h: &SecHandle) -> SecResult<Arc<cred::Credential>> {
    if h.dwUpper != CRED_TAG {
        return Err(invalid("the credentials handle"));
    }
    CREDS
        .get(h.dwLower)
        .ok_or_else(|| invalid("the credentials handle"))
}

/// The context behind a handle.
pub fn context(h: &SecHandle) -> SecResult<Arc<context::Context>> {
    if h.dwUpper != CTXT_TAG {
        return Err(invalid("the context handle"));
    }
    CONTEXTS
        .get(h.dwLower)
        .ok_or_else(|| invalid("the context handle"))
}
