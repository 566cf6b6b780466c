"""wstls for Python: libwstls through ctypes, no build step.

Two faces of the library, as Windows programs use them:

* `Socket` - a socket-like class over the Winsock and Windows CE secure-socket faces
  (`socket`/`connect`/`send`/`recv`, `setsockopt(SO_SECURE)`, `WSAIoctl(SO_SSL_*)`) and wstls's
  own control codes (server credentials, session info, peer certificate, ALPN);
* `sspi` - the SSPI/Schannel face (`AcquireCredentialsHandle`, `InitializeSecurityContext`,
  `EncryptMessage`, `DecryptMessage`, ...) with `sspi.Credentials`, `sspi.ClientContext` and
  `sspi.TlsStream`, when the library has it (`sspi.available()`).

Errors raise `WSAError` (Winsock code + `wstls_last_error_message()`) or `sspi.SSPIError`
(SECURITY_STATUS + message). The library is found through WSTLS_LIBRARY, the source tree
(target/release or target/debug next to python/), or the system (libwstls.so.0); see
python/README.md. Trust: the system store plus WSTLS_CA_FILE, as for C programs.
"""
from . import constants
from . import constants as C  # noqa: F401  (short alias: wstls.C.SO_SECURE)
from ._lib import (WSAError, WstlsError, has, last_error_message, library_path, set_default_client_credentials,
                   set_default_server_credentials, startup, version)
from .winsock import Socket, create_connection
from . import sspi

__all__ = [
    "Socket",
    "create_connection",
    "WSAError",
    "WstlsError",
    "constants",
    "has",
    "last_error_message",
    "library_path",
    "set_default_client_credentials",
    "set_default_server_credentials",
    "sspi",
    "startup",
    "version",
]
