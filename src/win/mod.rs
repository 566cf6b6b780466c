//! Windows types and constants, one module per Windows surface. Nothing here does I/O.
pub mod crypt;
pub mod ext;
pub mod names;
pub mod schnlsp;
pub mod secsock;
pub mod sslsock;
pub mod sspi;
pub mod winsock;
pub mod wsa;
