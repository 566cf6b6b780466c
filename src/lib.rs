//! wstls: Windows secure-socket APIs over rustls, with a C ABI.
//!
//! Layers (see docs/architecture.md):
//! - [`ffi`]: thin `extern "C"` entry points, one file per Windows surface;
//! - [`win`]: `#[repr(C)]` Windows types and constants;
//! - [`net`]: the handle table, the socket object, TLS over sockets, select/poll;
//! - [`tls`]: the TLS engine shared by every face (config, trust, verifier, sessions);
//! - [`error`]: one error type mapped to each face's codes.
#![allow(clippy::missing_safety_doc)]

pub mod error;
pub mod ffi;
pub mod logging;
pub mod net;
pub mod sspi;
pub mod tls;
pub mod win;

/// Library version, as `wstls_version()` reports it.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
