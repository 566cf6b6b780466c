//! Windows types and constants, one module per Windows surface. Nothing here does I/O.
pub mod ext;
pub mod names;
pub mod schnlsp;
pub mod sslsock;
pub mod winsock;
pub mod wsa;
