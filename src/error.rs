//! One error type for the whole library, and the thread-local "last error" of every face.
//!
//! Internal code returns `Result<T, Error>`. An entry point turns the error into its face's
//! code (a `WSAE*` value for the socket faces, a `SEC_E_*` status for SSPI) and stores the code
//! and a detailed message in thread-local storage, readable with `WSAGetLastError()` and
//! `wstls_last_error_message()`.
use std::cell::{Cell, RefCell};
use std::fmt;

use crate::win::wsa;

/// What went wrong, independent of the face that reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A plain Winsock error; the value is the `WSAE*` code.
    Wsa(i32),
    /// The peer's certificate chain does not end in a trusted root.
    UntrustedRoot,
    /// The peer's certificate does not match the expected name.
    WrongPrincipal,
    /// The certificate has expired or is not yet valid.
    CertExpired,
    /// The certificate is not for this use (its extended key usage lacks serverAuth or
    /// clientAuth).
    CertWrongUsage,
    /// Other certificate problems (bad encoding, revoked, a CA as a leaf, ...).
    BadCertificate,
    /// The application's validation hook refused the certificate.
    HookRejected,
    /// The peer sent something that is not valid TLS, or a fatal alert.
    IllegalMessage,
    /// A record failed authentication.
    DecryptFailure,
    /// No protocol version or cipher suite in common.
    NoCommonAlgorithm,
    /// The handshake needs a certificate we do not have.
    NoCredentials,
    /// The peer closed the TCP connection without `close_notify`.
    Truncated,
    /// A bad handle (SSPI) - sockets use `Wsa(WSAENOTSOCK)`.
    InvalidHandle,
    /// A token/buffer supplied by the caller is malformed.
    InvalidToken,
    /// Caller's buffer too small.
    BufferTooSmall,
    /// A panic was caught at the boundary.
    Internal,
    /// Not supported by wstls (documented in docs/compatibility.md).
    Unsupported,
}

/// An error with its kind and a message for `wstls_last_error_message()`.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    /// For "buffer too small" failures: the size that would have been enough (reported
    /// through `lpcbBytesReturned` and similar out-lengths).
    pub needed: Option<u32>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            needed: None,
        }
    }

    /// Attaches the buffer size that would have been enough.
    pub fn with_needed(mut self, n: u32) -> Self {
        self.needed = Some(n);
        self
    }

    /// A Winsock error with a message.
    pub fn wsa(code: i32, message: impl Into<String>) -> Self {
        Error::new(Kind::Wsa(code), message)
    }

    pub fn fault(what: &str) -> Self {
        Error::wsa(
            wsa::WSAEFAULT,
            format!("{what}: NULL pointer or buffer too small"),
        )
    }

    pub fn inval(message: impl Into<String>) -> Self {
        Error::wsa(wsa::WSAEINVAL, message)
    }

    pub fn not_sock(handle: usize) -> Self {
        Error::wsa(
            wsa::WSAENOTSOCK,
            format!("socket handle {handle:#x} is not an open wstls socket (never issued, or already closed)"),
        )
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Error::new(Kind::Unsupported, message)
    }

    /// From an OS error number (Linux errno), mapped to the Windows code.
    pub fn from_errno(errno: i32, context: &str) -> Self {
        let code = wsa::from_errno(errno);
        let os = std::io::Error::from_raw_os_error(errno);
        let hint = errno_hint(errno);
        Error::wsa(code, format!("{context}: {os} ({}){hint}", wsa::name(code)))
    }

    pub fn from_io(e: &std::io::Error, context: &str) -> Self {
        match e.raw_os_error() {
            Some(n) => Error::from_errno(n, context),
            None => match e.kind() {
                std::io::ErrorKind::WouldBlock => Error::wsa(
                    wsa::WSAEWOULDBLOCK,
                    format!("{context}: operation would block"),
                ),
                std::io::ErrorKind::TimedOut => {
                    Error::wsa(wsa::WSAETIMEDOUT, format!("{context}: timed out"))
                }
                std::io::ErrorKind::UnexpectedEof => Error::new(
                    Kind::Truncated,
                    format!("{context}: the peer closed the connection without close_notify"),
                ),
                _ => Error::wsa(wsa::WSAECONNABORTED, format!("{context}: {e}")),
            },
        }
    }

    pub fn would_block(context: &str) -> Self {
        Error::wsa(
            wsa::WSAEWOULDBLOCK,
            format!("{context}: operation would block"),
        )
    }

    pub fn is_would_block(&self) -> bool {
        self.kind == Kind::Wsa(wsa::WSAEWOULDBLOCK)
    }

    /// The Winsock code a socket face reports for this error.
    pub fn wsa_code(&self) -> i32 {
        match self.kind {
            Kind::Wsa(c) => c,
            // Certificate and handshake failures: the connection could not be established
            // securely. CE documents no specific code; WSAECONNABORTED tells callers that the
            // connection is gone, and the message says why.
            Kind::UntrustedRoot
            | Kind::WrongPrincipal
            | Kind::CertExpired
            | Kind::CertWrongUsage
            | Kind::BadCertificate
            | Kind::HookRejected
            | Kind::IllegalMessage
            | Kind::DecryptFailure
            | Kind::NoCommonAlgorithm
            | Kind::NoCredentials => wsa::WSAECONNABORTED,
            Kind::Truncated => wsa::WSAECONNRESET,
            Kind::InvalidHandle => wsa::WSAENOTSOCK,
            Kind::InvalidToken | Kind::BufferTooSmall => wsa::WSAEFAULT,
            Kind::Internal => wsa::WSASYSCALLFAILURE,
            Kind::Unsupported => wsa::WSAEOPNOTSUPP,
        }
    }
}

impl Error {
    /// The SSPI status (`SEC_E_*`) an SSPI entry point reports for this error.
    pub fn sec_code(&self) -> i32 {
        use crate::win::sspi as s;
        match self.kind {
            Kind::UntrustedRoot => s::SEC_E_UNTRUSTED_ROOT,
            Kind::WrongPrincipal => s::SEC_E_WRONG_PRINCIPAL,
            Kind::CertExpired => s::SEC_E_CERT_EXPIRED,
            Kind::CertWrongUsage => s::SEC_E_CERT_WRONG_USAGE,
            Kind::BadCertificate | Kind::HookRejected => s::SEC_E_CERT_UNKNOWN,
            Kind::IllegalMessage => s::SEC_E_ILLEGAL_MESSAGE,
            Kind::DecryptFailure => s::SEC_E_DECRYPT_FAILURE,
            Kind::NoCommonAlgorithm => s::SEC_E_ALGORITHM_MISMATCH,
            Kind::NoCredentials => s::SEC_E_NO_CREDENTIALS,
            // SSPI has no transport; a truncated stream is a message that never completed.
            Kind::Truncated => s::SEC_E_INCOMPLETE_MESSAGE,
            Kind::InvalidHandle => s::SEC_E_INVALID_HANDLE,
            Kind::InvalidToken => s::SEC_E_INVALID_TOKEN,
            Kind::BufferTooSmall => s::SEC_E_BUFFER_TOO_SMALL,
            Kind::Unsupported => s::SEC_E_UNSUPPORTED_FUNCTION,
            Kind::Internal => s::SEC_E_INTERNAL_ERROR,
            Kind::Wsa(c) if c == wsa::WSAEFAULT => s::SEC_E_INVALID_TOKEN,
            Kind::Wsa(c) if c == wsa::WSAEINVAL => s::SEC_E_INVALID_PARAMETER,
            Kind::Wsa(c) if c == wsa::WSAENOTCONN => s::SEC_E_CONTEXT_EXPIRED,
            Kind::Wsa(c) if c == wsa::WSAENOBUFS => s::SEC_E_INSUFFICIENT_MEMORY,
            Kind::Wsa(_) => s::SEC_E_INTERNAL_ERROR,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

thread_local! {
    static LAST_WSA: Cell<i32> = const { Cell::new(0) };
    static LAST_MESSAGE: RefCell<std::ffi::CString> = RefCell::new(std::ffi::CString::default());
}

/// Records `code` and `message` as this thread's last error.
pub fn set_last(code: i32, message: &str) {
    LAST_WSA.with(|c| c.set(code));
    set_message(message);
}

/// Sets only the message (SSPI returns its status directly, but keeps the message too).
pub fn set_message(message: &str) {
    let clean: Vec<u8> = message.bytes().filter(|b| *b != 0).collect();
    let s = std::ffi::CString::new(clean).unwrap_or_default();
    LAST_MESSAGE.with(|m| *m.borrow_mut() = s);
}

pub fn last_wsa() -> i32 {
    LAST_WSA.with(|c| c.get())
}

pub fn set_last_wsa(code: i32) {
    LAST_WSA.with(|c| c.set(code));
}

/// Pointer to this thread's last message; valid until the next wstls call on this thread.
pub fn last_message_ptr() -> *const std::os::raw::c_char {
    LAST_MESSAGE.with(|m| m.borrow().as_ptr())
}

/// Reports `e` as the thread's last Winsock error (code and message).
pub fn report_wsa(e: &Error) -> i32 {
    let code = e.wsa_code();
    set_last(code, &e.message);
    log::debug!("wstls error {} ({}): {}", code, wsa::name(code), e.message);
    code
}

/// Text of a caught panic payload.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// What to do about the network errors programs meet most, appended to their message.
fn errno_hint(errno: i32) -> &'static str {
    match errno {
        libc::ECONNREFUSED => {
            "; nothing is listening at that address and port: check both, and that the server runs"
        }
        libc::ETIMEDOUT => {
            "; the peer did not answer in time: check the address, the route and any firewall"
        }
        libc::EHOSTUNREACH | libc::ENETUNREACH => {
            "; there is no route to that address: check the address and the network configuration"
        }
        libc::EADDRINUSE => {
            "; another socket already uses that address and port: pick another port (0 picks a free one) or stop the other program"
        }
        libc::EADDRNOTAVAIL => {
            "; that address does not belong to this machine: bind to INADDR_ANY or one of its own addresses"
        }
        libc::EACCES => {
            "; permission denied: ports below 1024 need privileges, broadcast needs SO_BROADCAST"
        }
        libc::EMFILE | libc::ENFILE => {
            "; out of file descriptors: close sockets no longer needed, or raise the limit (ulimit -n)"
        }
        _ => "",
    }
}
