//! The C ABI: thin `extern "C"` entry points, one file per Windows surface.
//!
//! Every entry point goes through one of the guards below: it catches panics (none crosses
//! the boundary), turns an `Err` into the face's error code plus the thread-local message,
//! and returns the face's failure value. Each guard first makes sure `WSTLS_LOG` has been read
//! (`logging::init`: one atomic load once done), so logging works whichever face is called first.
pub mod crypt;
pub mod ext;
pub mod kernel32;
pub mod names;
pub mod ptr;
pub mod secsock;
pub mod sslsock;
pub mod sspi;
pub mod winsock;

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{self, Error, Kind, Result};
use crate::win::wsa;

/// Runs a Winsock-style entry point: `Ok(v)` returns `v`; `Err(e)` sets `WSAGetLastError()` and
/// the message and returns `fail` (usually `SOCKET_ERROR` or `INVALID_SOCKET`).
pub fn wsa_guard<T>(name: &str, fail: T, f: impl FnOnce() -> Result<T>) -> T {
    crate::logging::init();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            error::report_wsa(&e);
            fail
        }
        Err(p) => {
            let e = Error::new(
                Kind::Internal,
                format!(
                    "{name}: internal error (caught panic: {})",
                    error::panic_message(&*p)
                ),
            );
            error::report_wsa(&e);
            fail
        }
    }
}

/// Like [`wsa_guard`] for the entry points that return their error code directly
/// (`WSAStartup`, `getaddrinfo`, ...): `Ok` gives 0, `Err` gives the code.
pub fn code_guard(name: &str, f: impl FnOnce() -> Result<()>) -> i32 {
    crate::logging::init();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => error::report_wsa(&e),
        Err(p) => {
            let e = Error::new(
                Kind::Internal,
                format!(
                    "{name}: internal error (caught panic: {})",
                    error::panic_message(&*p)
                ),
            );
            error::report_wsa(&e)
        }
    }
}

/// Runs an SSPI entry point, which returns its status: `Ok(status)` is returned as is (success
/// and informational codes such as `SEC_I_CONTINUE_NEEDED`); `Err(e)` records the message for
/// `wstls_last_error_message()` and returns `e.status`; a caught panic is
/// `SEC_E_INTERNAL_ERROR`.
pub fn sspi_guard(name: &str, f: impl FnOnce() -> crate::sspi::SecResult<i32>) -> i32 {
    crate::logging::init();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            let msg = format!("{name}: {}", e.message);
            log::debug!("wstls SSPI status {:#010x}: {msg}", e.status as u32);
            error::set_message(&msg);
            e.status
        }
        Err(p) => {
            let msg = format!(
                "{name}: internal error (caught panic: {})",
                error::panic_message(&*p)
            );
            error::set_message(&msg);
            crate::win::sspi::SEC_E_INTERNAL_ERROR
        }
    }
}

/// Runs an entry point that cannot fail visibly (returns a value in every case).
pub fn plain_guard<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    crate::logging::init();
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Fails with `WSANOTINITIALISED` unless `WSAStartup` is in effect.
pub fn require_startup() -> Result<()> {
    if crate::net::startup::is_started() {
        Ok(())
    } else {
        Err(Error::wsa(
            wsa::WSANOTINITIALISED,
            "WSAStartup has not been called (or WSACleanup ended it)",
        ))
    }
}
