//! Sockets: the handle table, the socket object, TLS over sockets, select/poll.
pub mod addr;
pub mod handles;
pub mod hooks;
pub mod secsock;
pub mod secure;
pub mod select;
pub mod socket;
pub mod startup;
pub mod tlsio;

use std::sync::Arc;

use once_cell::sync::Lazy;

use crate::error::{Error, Result};
use handles::HandleTable;
use socket::Socket;

/// Every open socket.
pub static SOCKETS: Lazy<HandleTable<Socket>> = Lazy::new(HandleTable::new);

/// The socket behind a handle, or `WSAENOTSOCK`.
pub fn lookup(handle: usize) -> Result<Arc<Socket>> {
    SOCKETS
        .get(handle)
        .filter(|s| !s.is_closed())
        .ok_or_else(|| Error::not_sock(handle))
}
