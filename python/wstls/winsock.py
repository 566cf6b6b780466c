"""A socket-like class over wstls's Winsock and Windows CE secure-socket faces.

    import wstls
    with wstls.Socket(secure=True) as s:          # setsockopt(SO_SECURE, SO_SEC_SSL)
        s.connect(("localhost", 443))              # TCP connect + TLS handshake
        s.sendall(b"GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n")
        print(s.recv(4096))

Every call goes to libwstls (`wstls_socket`, `wstls_connect`, `wstls_WSAIoctl`, ...), exactly
as a Windows program's calls would; failures raise `WSAError` with the Winsock code and
wstls's message. Handles (`fileno()`) are wstls SOCKET values, not kernel descriptors: they
cannot be given to Python's `select` or `socket` modules.
"""
import ctypes
import ipaddress
import socket as _pysocket
import struct

from . import _lib
from . import constants as C
from ._lib import DWORD, WSAError


# ---- addresses (Windows layouts: AF_INET6 is 23; sin6_flowinfo/scope_id are 32-bit) ----

def _sockaddr(family, host, port):
    if family == C.AF_INET:
        return struct.pack("=H", C.AF_INET) + struct.pack("!H", port) + _pysocket.inet_pton(
            _pysocket.AF_INET, host) + b"\0" * 8
    if family == C.AF_INET6:
        return (struct.pack("=H", C.AF_INET6) + struct.pack("!H", port) + struct.pack("=I", 0)
                + _pysocket.inet_pton(_pysocket.AF_INET6, host) + struct.pack("=I", 0))
    raise ValueError(f"unsupported address family {family}")


def _parse_sockaddr(raw):
    family = struct.unpack_from("=H", raw, 0)[0]
    port = struct.unpack_from("!H", raw, 2)[0]
    if family == C.AF_INET:
        return (_pysocket.inet_ntop(_pysocket.AF_INET, raw[4:8]), port)
    if family == C.AF_INET6:
        return (_pysocket.inet_ntop(_pysocket.AF_INET6, raw[8:24]), port)
    raise ValueError(f"unexpected address family {family}")


def _resolve(family, host, port):
    """An IP literal for `host` in `family` (names resolved with the system resolver)."""
    pyfam = _pysocket.AF_INET6 if family == C.AF_INET6 else _pysocket.AF_INET
    if host in ("", None):
        return "::" if family == C.AF_INET6 else "0.0.0.0"
    infos = _pysocket.getaddrinfo(host, port, pyfam, _pysocket.SOCK_STREAM)
    return infos[0][4][0]


def _is_ip(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


# ---- the CE validation hook ----

class _BLOB(ctypes.Structure):
    _fields_ = [("cbSize", ctypes.c_uint32), ("pBlobData", ctypes.POINTER(ctypes.c_ubyte))]


SSLVALIDATECERTFUNC = ctypes.CFUNCTYPE(ctypes.c_int, DWORD, ctypes.c_void_p, DWORD, ctypes.POINTER(_BLOB), DWORD)


class _SSLVALIDATECERTHOOK(ctypes.Structure):
    _fields_ = [("HookFunc", SSLVALIDATECERTFUNC), ("pvArg", ctypes.c_void_p)]


class _WSTLS_CREDENTIALS(ctypes.Structure):
    _fields_ = [
        ("cert_file", ctypes.c_char_p),
        ("key_file", ctypes.c_char_p),
        ("cert_pem", ctypes.c_char_p),
        ("cert_pem_len", ctypes.c_uint32),
        ("key_pem", ctypes.c_char_p),
        ("key_pem_len", ctypes.c_uint32),
    ]


class Socket:
    """A Winsock socket in libwstls, with Python's socket method names.

    secure=True makes it a Windows CE secure socket (setsockopt(SOL_SOCKET, SO_SECURE,
    SO_SEC_SSL)): connect() then performs the TLS handshake, accept() on a listening secure
    socket returns sockets whose server handshake is done, and send/recv carry plaintext.
    defer_handshake=True sets SSL_FLAG_DEFER_HANDSHAKE: connect() is plain TCP and
    perform_handshake() starts TLS later (STARTTLS-style).
    """

    def __init__(self, family=C.AF_INET, type=C.SOCK_STREAM, proto=0, *, secure=False,
                 defer_handshake=False, _handle=None):
        _lib.startup()
        self.family = family
        self.type = type
        self._peer_name = None
        self._hook = None  # keeps the ctypes callback alive while wstls may call it
        self._hook_error = None
        if _handle is not None:
            self._h = _handle
            return
        h = _lib.socket_(family, type, proto)
        if h == _lib.INVALID_SOCKET:
            _lib.raise_wsa("socket")
        self._h = h
        try:
            if secure:
                self.setsockopt(C.SOL_SOCKET, C.SO_SECURE, C.SO_SEC_SSL)
            if defer_handshake:
                self.set_flags(C.SSL_FLAG_DEFER_HANDSHAKE)
        except BaseException:
            self.close()
            raise

    # ---- basics ----
    def fileno(self):
        """The wstls SOCKET handle (not a kernel file descriptor); -1 once closed."""
        return -1 if self._h is None else self._h

    def _handle(self):
        if self._h is None:
            raise WSAError(C.WSAENOTSOCK, "the socket is closed", "wstls.Socket")
        return self._h

    @property
    def closed(self):
        return self._h is None

    def close(self):
        """closesocket(). A secure socket sends close_notify first."""
        if self._h is not None:
            h, self._h = self._h, None
            if _lib.closesocket(h) != 0:
                _lib.raise_wsa("closesocket")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            if getattr(self, "_h", None) is not None:
                _lib.closesocket(self._h)
                self._h = None
        except Exception:
            pass

    def __repr__(self):
        return f"<wstls.Socket handle={self.fileno()} family={self.family} type={self.type}>"

    # ---- connection ----
    def connect(self, address):
        """connect((host, port)). On a secure, non-deferred socket this includes the TLS
        handshake. If no peer name was set, `host` becomes the peer name (SO_SSL_SET_PEERNAME)
        so that the certificate is checked against it."""
        host, port = address[0], address[1]
        if self._peer_name is None and self.is_secure():
            try:
                self.set_peer_name(host)
            except WSAError as e:
                if e.code != C.WSAEOPNOTSUPP:  # a wstls without the CE codes: checks the IP
                    raise
        ip = _resolve(self.family, host, port)
        sa = _sockaddr(self.family, ip, port)
        if _lib.connect(self._handle(), sa, len(sa)) != 0:
            self._raise_hook_error()
            _lib.raise_wsa("connect")
        self._raise_hook_error()

    def bind(self, address):
        host, port = address[0], address[1]
        sa = _sockaddr(self.family, _resolve(self.family, host, port), port)
        if _lib.bind(self._handle(), sa, len(sa)) != 0:
            _lib.raise_wsa("bind")

    def listen(self, backlog=C.SOMAXCONN):
        if _lib.listen(self._handle(), backlog) != 0:
            _lib.raise_wsa("listen")

    def accept(self):
        """accept() -> (Socket, (host, port)). On a secure listening socket the TLS handshake
        with the client is complete when this returns."""
        buf = ctypes.create_string_buffer(128)
        n = ctypes.c_int(128)
        h = _lib.accept(self._handle(), buf, ctypes.byref(n))
        if h == _lib.INVALID_SOCKET:
            _lib.raise_wsa("accept")
        return Socket(self.family, self.type, _handle=h), _parse_sockaddr(buf.raw[:n.value])

    def shutdown(self, how=C.SD_BOTH):
        """shutdown(SD_RECEIVE/SD_SEND/SD_BOTH). SD_SEND on a secure socket sends close_notify."""
        if _lib.shutdown(self._handle(), how) != 0:
            _lib.raise_wsa("shutdown")

    def getsockname(self):
        buf = ctypes.create_string_buffer(128)
        n = ctypes.c_int(128)
        if _lib.getsockname(self._handle(), buf, ctypes.byref(n)) != 0:
            _lib.raise_wsa("getsockname")
        return _parse_sockaddr(buf.raw[:n.value])

    def getpeername(self):
        buf = ctypes.create_string_buffer(128)
        n = ctypes.c_int(128)
        if _lib.getpeername(self._handle(), buf, ctypes.byref(n)) != 0:
            _lib.raise_wsa("getpeername")
        return _parse_sockaddr(buf.raw[:n.value])

    # ---- data ----
    def send(self, data, flags=0):
        """send() -> bytes accepted (plaintext on a secure socket)."""
        data = bytes(data)
        n = _lib.send(self._handle(), data, len(data), flags)
        if n < 0:
            _lib.raise_wsa("send")
        return n

    def sendall(self, data, flags=0):
        view = memoryview(bytes(data))
        while view:
            n = self.send(view, flags)
            view = view[n:]

    def recv(self, bufsize, flags=0):
        """recv() -> bytes; b"" when the peer closed cleanly (close_notify on a secure socket).
        A peer that closes a secure connection without close_notify raises WSAECONNRESET."""
        buf = ctypes.create_string_buffer(bufsize)
        n = _lib.recv(self._handle(), buf, bufsize, flags)
        if n < 0:
            _lib.raise_wsa("recv")
        return buf.raw[:n]

    def recv_exactly(self, n):
        """Reads exactly n bytes (raises EOFError if the peer closes first)."""
        out = b""
        while len(out) < n:
            chunk = self.recv(n - len(out))
            if not chunk:
                raise EOFError(f"connection closed after {len(out)} of {n} bytes")
            out += chunk
        return out

    # ---- options ----
    def setsockopt(self, level, optname, value):
        """setsockopt(level, optname, int|bytes). An int is passed as a 32-bit DWORD/BOOL."""
        raw = struct.pack("=I", value & 0xFFFFFFFF) if isinstance(value, int) else bytes(value)
        if _lib.setsockopt(self._handle(), level, optname, raw, len(raw)) != 0:
            _lib.raise_wsa("setsockopt")

    def getsockopt(self, level, optname, buflen=None):
        """getsockopt(level, optname) -> int (a DWORD), or bytes when buflen is given."""
        size = 4 if buflen is None else buflen
        buf = ctypes.create_string_buffer(size)
        n = ctypes.c_int(size)
        if _lib.getsockopt(self._handle(), level, optname, buf, ctypes.byref(n)) != 0:
            _lib.raise_wsa("getsockopt")
        if buflen is None:
            return struct.unpack("=I", buf.raw[:4])[0]
        return buf.raw[:n.value]

    def settimeout(self, seconds):
        """SO_RCVTIMEO and SO_SNDTIMEO in milliseconds (None or 0: no timeout). An expired
        timeout raises WSAError WSAETIMEDOUT, as on Windows."""
        ms = 0 if not seconds else max(1, int(seconds * 1000))
        self.setsockopt(C.SOL_SOCKET, C.SO_RCVTIMEO, ms)
        self.setsockopt(C.SOL_SOCKET, C.SO_SNDTIMEO, ms)

    def setblocking(self, flag):
        """ioctlsocket(FIONBIO). Non-blocking calls that would block raise WSAEWOULDBLOCK."""
        arg = ctypes.c_uint32(0 if flag else 1)
        if _lib.ioctlsocket(self._handle(), C.FIONBIO, ctypes.byref(arg)) != 0:
            _lib.raise_wsa("ioctlsocket(FIONBIO)")

    def ioctl(self, code, in_data=None, out_size=0):
        """WSAIoctl(code, in_data, out_size) -> the output bytes actually returned."""
        inbuf = None if in_data is None else ctypes.create_string_buffer(bytes(in_data), len(in_data))
        outbuf = ctypes.create_string_buffer(out_size) if out_size else None
        returned = DWORD(0)
        rc = _lib.WSAIoctl(self._handle(), code & 0xFFFFFFFF, inbuf, 0 if in_data is None else len(in_data),
                           outbuf, out_size, ctypes.byref(returned), None, None)
        if rc != 0:
            _lib.raise_wsa(f"WSAIoctl({code:#010x})")
        return outbuf.raw[:returned.value] if outbuf is not None else b""

    def _ioctl_struct(self, code, in_struct=None, out_struct=None, name=""):
        returned = DWORD(0)
        rc = _lib.WSAIoctl(self._handle(), code, None if in_struct is None else ctypes.byref(in_struct),
                           0 if in_struct is None else ctypes.sizeof(in_struct),
                           None if out_struct is None else ctypes.byref(out_struct),
                           0 if out_struct is None else ctypes.sizeof(out_struct),
                           ctypes.byref(returned), None, None)
        if rc != 0:
            _lib.raise_wsa(f"WSAIoctl({name or hex(code)})")
        return returned.value

    # ---- Windows CE secure sockets (sslsock.h) ----
    def is_secure(self):
        """getsockopt(SO_SECURE) == SO_SEC_SSL."""
        return self.getsockopt(C.SOL_SOCKET, C.SO_SECURE) == C.SO_SEC_SSL

    def set_peer_name(self, name):
        """SO_SSL_SET_PEERNAME: the name the server certificate must match (and the SNI)."""
        raw = name.encode("ascii") + b"\0"
        self.ioctl(C.SO_SSL_SET_PEERNAME, raw)
        self._peer_name = name

    def get_flags(self):
        """SO_SSL_GET_FLAGS."""
        return struct.unpack("=I", self.ioctl(C.SO_SSL_GET_FLAGS, None, 4).ljust(4, b"\0"))[0]

    def set_flags(self, flags):
        """SO_SSL_SET_FLAGS (SSL_FLAG_DEFER_HANDSHAKE, ...)."""
        self.ioctl(C.SO_SSL_SET_FLAGS, struct.pack("=I", flags))

    def perform_handshake(self, name=None):
        """SO_SSL_PERFORM_HANDSHAKE: the TLS handshake of a deferred socket, now. `name`, if
        given, is the server name to check (as SO_SSL_SET_PEERNAME)."""
        raw = None if name is None else name.encode("ascii") + b"\0"
        try:
            self.ioctl(C.SO_SSL_PERFORM_HANDSHAKE, raw)
        finally:
            self._raise_hook_error()

    def set_validate_cert_hook(self, func):
        """SO_SSL_SET_VALIDATE_CERT_HOOK with a Python callable func(der: bytes, flags: int) ->
        int, called once per handshake with the server's leaf certificate (DER) and
        SSL_CERT_FLAG_ISSUER_UNKNOWN when the chain is not trusted or the name does not match.
        Return SSL_ERR_OKAY (0) to accept. An exception in func refuses the certificate and
        is re-raised by connect()/perform_handshake()."""
        def trampoline(dwType, pvArg, dwChainLen, pCertChain, dwFlags):
            try:
                blob = pCertChain[0]
                der = ctypes.string_at(blob.pBlobData, blob.cbSize)
                return int(func(der, dwFlags))
            except BaseException as e:  # never let an exception unwind into wstls
                self._hook_error = e
                return C.SSL_ERR_FAILED
        cb = SSLVALIDATECERTFUNC(trampoline)
        hook = _SSLVALIDATECERTHOOK(cb, None)
        self._ioctl_struct(C.SO_SSL_SET_VALIDATE_CERT_HOOK, in_struct=hook, name="SO_SSL_SET_VALIDATE_CERT_HOOK")
        self._hook = (cb, hook)

    def _raise_hook_error(self):
        if self._hook_error is not None:
            e, self._hook_error = self._hook_error, None
            raise e

    def connection_info(self):
        """SO_SSL_GET_CONNECTION_INFO -> dict(protocol, cipher, cipher_strength, hash,
        hash_strength, exchange, exchange_strength): SP_PROT_* bit and ALG_IDs."""
        raw = self.ioctl(C.SO_SSL_GET_CONNECTION_INFO, None, 28)
        keys = ("protocol", "cipher", "cipher_strength", "hash", "hash_strength", "exchange",
                "exchange_strength")
        return dict(zip(keys, struct.unpack("=7I", raw.ljust(28, b"\0"))))

    # ---- wstls extensions (wstls_ext.h) ----
    def _credentials(self, code, cert_file, key_file, name):
        cred = _WSTLS_CREDENTIALS()
        cred.cert_file = cert_file.encode()
        cred.key_file = key_file.encode() if key_file else None
        self._ioctl_struct(code, in_struct=cred, name=name)

    def set_server_credentials(self, cert_file, key_file=None):
        """WSTLS_SO_SET_SERVER_CREDENTIALS: certificate chain and key (PEM files) of a secure
        listening socket. Without it, WSTLS_CERT_FILE/WSTLS_KEY_FILE apply."""
        self._credentials(C.WSTLS_SO_SET_SERVER_CREDENTIALS, cert_file, key_file,
                          "WSTLS_SO_SET_SERVER_CREDENTIALS")

    def set_client_credentials(self, cert_file, key_file=None):
        """WSTLS_SO_SET_CLIENT_CREDENTIALS: the client certificate sent when a server asks."""
        self._credentials(C.WSTLS_SO_SET_CLIENT_CREDENTIALS, cert_file, key_file,
                          "WSTLS_SO_SET_CLIENT_CREDENTIALS")

    def set_verify_mode(self, mode):
        """WSTLS_SO_SET_VERIFY_MODE (server): WSTLS_VERIFY_NONE, _PEER, _PEER|_FAIL_IF_NO_PEER_CERT."""
        self.ioctl(C.WSTLS_SO_SET_VERIFY_MODE, struct.pack("=I", mode))

    def session_info(self):
        """WSTLS_SO_GET_SESSION_INFO -> dict(protocol (SP_PROT_*), cipher_suite (IANA),
        resumed, peer_closed)."""
        raw = self.ioctl(C.WSTLS_SO_GET_SESSION_INFO, None, 16)
        keys = ("protocol", "cipher_suite", "resumed", "peer_closed")
        return dict(zip(keys, struct.unpack("=4I", raw.ljust(16, b"\0"))))

    def verify_result(self):
        """WSTLS_SO_GET_VERIFY_RESULT -> dict(has_peer_certificate, chain_trusted,
        name_matched (2: not checked), accepted, chain_length)."""
        raw = self.ioctl(C.WSTLS_SO_GET_VERIFY_RESULT, None, 20)
        keys = ("has_peer_certificate", "chain_trusted", "name_matched", "accepted", "chain_length")
        return dict(zip(keys, struct.unpack("=5I", raw.ljust(20, b"\0"))))

    def peer_certificate(self, index=0):
        """WSTLS_SO_GET_PEER_CERTIFICATE: certificate `index` (0 = leaf) of the peer's chain, DER."""
        need = DWORD(0)
        idx = DWORD(index)
        h = self._handle()
        rc = _lib.WSAIoctl(h, C.WSTLS_SO_GET_PEER_CERTIFICATE, ctypes.byref(idx), 4, None, 0,
                           ctypes.byref(need), None, None)
        if rc != 0 and _lib.WSAGetLastError() != C.WSAEFAULT:
            _lib.raise_wsa("WSAIoctl(WSTLS_SO_GET_PEER_CERTIFICATE)")
        buf = ctypes.create_string_buffer(max(need.value, 1))
        got = DWORD(0)
        if _lib.WSAIoctl(h, C.WSTLS_SO_GET_PEER_CERTIFICATE, ctypes.byref(idx), 4, buf, need.value,
                         ctypes.byref(got), None, None) != 0:
            _lib.raise_wsa("WSAIoctl(WSTLS_SO_GET_PEER_CERTIFICATE)")
        return buf.raw[:got.value]

    def set_alpn(self, protocols):
        """WSTLS_SO_SET_ALPN with a list of protocol names (bytes or str)."""
        wire = b"".join(bytes([len(p)]) + p for p in (x.encode() if isinstance(x, str) else x for x in protocols))
        self.ioctl(C.WSTLS_SO_SET_ALPN, wire)

    def selected_alpn(self):
        """WSTLS_SO_GET_ALPN -> the negotiated protocol (bytes), or None."""
        raw = self.ioctl(C.WSTLS_SO_GET_ALPN, None, 256)
        return raw or None


def create_connection(address, *, secure=False, server_name=None, timeout=None, family=None):
    """Like socket.create_connection: a connected wstls.Socket. With secure=True the TLS
    handshake is done and the certificate checked against server_name (default: the host)."""
    host, port = address
    if family is None:
        family = C.AF_INET6 if ":" in host else C.AF_INET
    s = Socket(family, C.SOCK_STREAM, secure=secure)
    try:
        if timeout is not None:
            s.settimeout(timeout)
        if secure and server_name:
            try:
                s.set_peer_name(server_name)
            except WSAError as e:
                if e.code != C.WSAEOPNOTSUPP:
                    raise
                if not _is_ip(server_name) and server_name != host:
                    raise WSAError(C.WSAEOPNOTSUPP,
                                   "this libwstls has no SO_SSL_SET_PEERNAME, so a server name other "
                                   "than the host cannot be checked", "create_connection") from e
        s.connect((host, port))
        return s
    except BaseException:
        s.close()
        raise
