"""Loading libwstls with ctypes, the prototypes of the functions this package calls, and the
exceptions that carry wstls's error codes and messages.

Where the library comes from, first match wins:
  1. the WSTLS_LIBRARY environment variable (a path to libwstls.so);
  2. the source tree this package sits in: <repo>/target/release/libwstls.so, then
     <repo>/target/debug/libwstls.so (python/ is next to target/);
  3. the system: libwstls.so.0 (the installed SONAME), then ctypes.util.find_library("wstls").
"""
import ctypes
import ctypes.util
import os
import threading

from . import constants as C

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))


def _candidates():
    env = os.environ.get("WSTLS_LIBRARY")
    if env:
        return [env]
    out = [os.path.join(_REPO, "target", p, "libwstls.so") for p in ("release", "debug")]
    out = [p for p in out if os.path.exists(p)]
    out.append("libwstls.so.0")
    found = ctypes.util.find_library("wstls")
    if found:
        out.append(found)
    return out


def _load():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise ImportError(
        "wstls: cannot load libwstls ("
        + "; ".join(errors)
        + "). Build it with `cargo build --release` in the wstls tree, install it "
        "(`cmake --install`), or set WSTLS_LIBRARY to the path of libwstls.so."
    )


lib, library_path = _load()

SOCKET = ctypes.c_size_t  # Windows SOCKET: pointer-sized unsigned
INVALID_SOCKET = (1 << (8 * ctypes.sizeof(SOCKET))) - 1
DWORD = ctypes.c_uint32
ULONG = ctypes.c_uint32
LPDWORD = ctypes.POINTER(DWORD)


def _proto(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


def has(name):
    """True when libwstls exports `name` (e.g. "wstls_InitializeSecurityContextA")."""
    try:
        getattr(lib, name)
        return True
    except AttributeError:
        return False


class WSADATA(ctypes.Structure):
    # Win64 layout, as wstls.h declares it.
    _fields_ = [
        ("wVersion", ctypes.c_uint16),
        ("wHighVersion", ctypes.c_uint16),
        ("iMaxSockets", ctypes.c_uint16),
        ("iMaxUdpDg", ctypes.c_uint16),
        ("lpVendorInfo", ctypes.c_char_p),
        ("szDescription", ctypes.c_char * 257),
        ("szSystemStatus", ctypes.c_char * 129),
    ]


WSAStartup = _proto("wstls_WSAStartup", ctypes.c_int, ctypes.c_uint16, ctypes.POINTER(WSADATA))
WSACleanup = _proto("wstls_WSACleanup", ctypes.c_int)
WSAGetLastError = _proto("wstls_WSAGetLastError", ctypes.c_int)
last_error_message_raw = _proto("wstls_last_error_message", ctypes.c_char_p)
version_raw = _proto("wstls_version", ctypes.c_char_p)
socket_ = _proto("wstls_socket", SOCKET, ctypes.c_int, ctypes.c_int, ctypes.c_int)
closesocket = _proto("wstls_closesocket", ctypes.c_int, SOCKET)
bind = _proto("wstls_bind", ctypes.c_int, SOCKET, ctypes.c_char_p, ctypes.c_int)
listen = _proto("wstls_listen", ctypes.c_int, SOCKET, ctypes.c_int)
accept = _proto("wstls_accept", SOCKET, SOCKET, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int))
connect = _proto("wstls_connect", ctypes.c_int, SOCKET, ctypes.c_char_p, ctypes.c_int)
shutdown = _proto("wstls_shutdown", ctypes.c_int, SOCKET, ctypes.c_int)
send = _proto("wstls_send", ctypes.c_int, SOCKET, ctypes.c_char_p, ctypes.c_int, ctypes.c_int)
recv = _proto("wstls_recv", ctypes.c_int, SOCKET, ctypes.c_void_p, ctypes.c_int, ctypes.c_int)
getsockname = _proto("wstls_getsockname", ctypes.c_int, SOCKET, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int))
getpeername = _proto("wstls_getpeername", ctypes.c_int, SOCKET, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int))
setsockopt = _proto("wstls_setsockopt", ctypes.c_int, SOCKET, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int)
getsockopt = _proto("wstls_getsockopt", ctypes.c_int, SOCKET, ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
                    ctypes.POINTER(ctypes.c_int))
ioctlsocket = _proto("wstls_ioctlsocket", ctypes.c_int, SOCKET, ctypes.c_int32, ctypes.POINTER(ctypes.c_uint32))
set_default_server_credentials_raw = _proto("wstls_set_default_server_credentials", ctypes.c_int32,
                                           ctypes.c_char_p, ctypes.c_char_p)
set_default_client_credentials_raw = _proto("wstls_set_default_client_credentials", ctypes.c_int32,
                                           ctypes.c_char_p, ctypes.c_char_p)
WSAIoctl = _proto("wstls_WSAIoctl", ctypes.c_int, SOCKET, DWORD, ctypes.c_void_p, DWORD, ctypes.c_void_p, DWORD,
                  LPDWORD, ctypes.c_void_p, ctypes.c_void_p)


def last_error_message():
    """wstls_last_error_message(): this thread's last error, in words ("" if none)."""
    raw = last_error_message_raw()
    return raw.decode("utf-8", "replace") if raw else ""


def version():
    """wstls_version(): the library's version string, e.g. "0.1.0"."""
    return version_raw().decode()


class WstlsError(OSError):
    """Base class of the errors this package raises."""


class WSAError(WstlsError):
    """A Winsock-style failure: `code` is the WSAGetLastError() value (e.g. 10061),
    `name` its symbolic name ("WSAECONNREFUSED"), `message` wstls_last_error_message()
    (what happened and what to do), `function` the call that failed."""

    def __init__(self, code, message, function=""):
        self.code = code
        self.name = C.WSA_ERROR_NAMES.get(code, str(code))
        self.message = message
        self.function = function
        prefix = f"{function}: " if function else ""
        super().__init__(code, f"{prefix}{self.name} ({code}): {message}")
        # OSError would take errno for a Linux errno; keep the Windows code in both places.
        self.errno = code
        self.winerror = code


def raise_wsa(function):
    """Raises WSAError for the calling thread's last Winsock error (call right after the
    failing function, on the same thread: the code and message are thread-local)."""
    code = WSAGetLastError()
    raise WSAError(code, last_error_message(), function)


def set_default_server_credentials(cert_file, key_file=None):
    """wstls_set_default_server_credentials: the process default server certificate chain and
    key (PEM files), as WSTLS_CERT_FILE/WSTLS_KEY_FILE. Raises WSAError on failure."""
    if set_default_server_credentials_raw(cert_file.encode(), key_file.encode() if key_file else None) != 0:
        raise_wsa("wstls_set_default_server_credentials")


def set_default_client_credentials(cert_file=None, key_file=None):
    """wstls_set_default_client_credentials: the process default client certificate (None
    removes it), as WSTLS_CLIENT_CERT_FILE/WSTLS_CLIENT_KEY_FILE."""
    if set_default_client_credentials_raw(cert_file.encode() if cert_file else None,
                                          key_file.encode() if key_file else None) != 0:
        raise_wsa("wstls_set_default_client_credentials")


_started = False
_start_lock = threading.Lock()


def startup():
    """WSAStartup(2.2) once for the process (the package calls it on first use; Winsock
    counts calls, and this one is never undone, so other users of the library in the same
    process are not affected)."""
    global _started
    with _start_lock:
        if _started:
            return
        data = WSADATA()
        rc = WSAStartup(0x0202, ctypes.byref(data))
        if rc != 0:
            raise WSAError(rc, last_error_message(), "WSAStartup")
        _started = True
