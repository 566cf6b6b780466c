//! Windows CE secure sockets (`sslsock.h`): the `SO_SSL_*` control codes.
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::ffi::winsock::IoBuf;
use crate::net::socket::Socket;

/// Handles one `SO_SSL_*` control code; returns the byte count for `lpcbBytesReturned`.
pub fn ioctl(sock: &Arc<Socket>, code: u32, input: IoBuf, output: IoBuf) -> Result<u32> {
    let _ = (sock, input, output);
    Err(Error::unsupported(format!(
        "WSAIoctl: CE control code {code:#010x} is not implemented yet"
    )))
}
