"""The SSPI/Schannel face of libwstls from Python: credentials, a security context, and a
TLS stream that drives the InitializeSecurityContext/AcceptSecurityContext loop over any
socket-like object (Python's socket, or a plain wstls.Socket), the way curl's Schannel
backend does.

    import socket, wstls
    raw = socket.create_connection(("localhost", 4433))
    with wstls.sspi.TlsStream.connect(raw, "localhost") as tls:
        tls.sendall(b"hello")
        print(tls.recv(100))

Every call is the Windows function with its documented signature (ULONG/DWORD are 32-bit):
AcquireCredentialsHandleA, InitializeSecurityContextA, AcceptSecurityContext,
EncryptMessage, DecryptMessage, QueryContextAttributesA, ApplyControlToken,
DeleteSecurityContext, FreeCredentialsHandle, FreeContextBuffer. Failures raise SSPIError
with the SECURITY_STATUS and wstls_last_error_message().

`available()` tells whether this libwstls has the SSPI face.
"""
import ctypes
import struct

from . import _lib
from ._lib import DWORD, ULONG, WstlsError

# ---- constants (sspi.h, schannel.h; Windows values) ----
UNISP_NAME = "Microsoft Unified Security Protocol Provider"
SECPKG_CRED_INBOUND = 1
SECPKG_CRED_OUTBOUND = 2
SECURITY_NATIVE_DREP = 0x10
SECBUFFER_VERSION = 0

SECBUFFER_EMPTY = 0
SECBUFFER_DATA = 1
SECBUFFER_TOKEN = 2
SECBUFFER_MISSING = 4
SECBUFFER_EXTRA = 5
SECBUFFER_STREAM_TRAILER = 6
SECBUFFER_STREAM_HEADER = 7
SECBUFFER_ALERT = 17

ISC_REQ_MUTUAL_AUTH = 0x2
ISC_REQ_REPLAY_DETECT = 0x4
ISC_REQ_SEQUENCE_DETECT = 0x8
ISC_REQ_CONFIDENTIALITY = 0x10
ISC_REQ_USE_SUPPLIED_CREDS = 0x80
ISC_REQ_ALLOCATE_MEMORY = 0x100
ISC_REQ_EXTENDED_ERROR = 0x4000
ISC_REQ_STREAM = 0x8000
ISC_REQ_MANUAL_CRED_VALIDATION = 0x80000
ASC_REQ_MUTUAL_AUTH = 0x2
ASC_REQ_REPLAY_DETECT = 0x4
ASC_REQ_SEQUENCE_DETECT = 0x8
ASC_REQ_CONFIDENTIALITY = 0x10
ASC_REQ_ALLOCATE_MEMORY = 0x100
ASC_REQ_EXTENDED_ERROR = 0x8000
ASC_REQ_STREAM = 0x10000

# curl's request sets.
ISC_FLAGS = (ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY
             | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM)
ASC_FLAGS = (ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY
             | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM)

SCHANNEL_CRED_VERSION = 4
SCH_CREDENTIALS_VERSION = 5
SCH_CRED_NO_SERVERNAME_CHECK = 0x4
SCH_CRED_MANUAL_CRED_VALIDATION = 0x8
SCH_CRED_NO_DEFAULT_CREDS = 0x10
SCH_CRED_AUTO_CRED_VALIDATION = 0x20
SCH_CRED_DISABLE_RECONNECTS = 0x80
SCHANNEL_SHUTDOWN = 1

SECPKG_ATTR_STREAM_SIZES = 4
SECPKG_ATTR_CONNECTION_INFO = 0x5A

SP_PROT_TLS1_2_SERVER = 0x0400
SP_PROT_TLS1_2_CLIENT = 0x0800
SP_PROT_TLS1_3_SERVER = 0x1000
SP_PROT_TLS1_3_CLIENT = 0x2000

SEC_E_OK = 0
SEC_I_CONTINUE_NEEDED = 0x00090312
SEC_I_CONTEXT_EXPIRED = 0x00090317
SEC_I_INCOMPLETE_CREDENTIALS = 0x00090320
SEC_I_RENEGOTIATE = 0x00090321
SEC_E_INSUFFICIENT_MEMORY = 0x80090300
SEC_E_INVALID_HANDLE = 0x80090301
SEC_E_UNSUPPORTED_FUNCTION = 0x80090302
SEC_E_INTERNAL_ERROR = 0x80090304
SEC_E_SECPKG_NOT_FOUND = 0x80090305
SEC_E_INVALID_TOKEN = 0x80090308
SEC_E_UNKNOWN_CREDENTIALS = 0x8009030D
SEC_E_NO_CREDENTIALS = 0x8009030E
SEC_E_MESSAGE_ALTERED = 0x8009030F
SEC_E_CONTEXT_EXPIRED = 0x80090317
SEC_E_INCOMPLETE_MESSAGE = 0x80090318
SEC_E_BUFFER_TOO_SMALL = 0x80090321
SEC_E_WRONG_PRINCIPAL = 0x80090322
SEC_E_UNTRUSTED_ROOT = 0x80090325
SEC_E_ILLEGAL_MESSAGE = 0x80090326
SEC_E_CERT_UNKNOWN = 0x80090327
SEC_E_CERT_EXPIRED = 0x80090328
SEC_E_ENCRYPT_FAILURE = 0x80090329
SEC_E_DECRYPT_FAILURE = 0x80090330
SEC_E_ALGORITHM_MISMATCH = 0x80090331

STATUS_NAMES = {v: k for k, v in list(globals().items()) if k.startswith(("SEC_E_", "SEC_I_"))}


def status_name(status):
    return STATUS_NAMES.get(status & 0xFFFFFFFF, f"{status & 0xFFFFFFFF:#010x}")


class SSPIError(WstlsError):
    """An SSPI failure: `status` is the SECURITY_STATUS as an unsigned 32-bit value (e.g.
    0x80090325), `name` its symbolic name (SEC_E_UNTRUSTED_ROOT), `message`
    wstls_last_error_message(), `function` the call that failed."""

    def __init__(self, status, message, function=""):
        self.status = status & 0xFFFFFFFF
        self.name = status_name(status)
        self.message = message
        self.function = function
        prefix = f"{function}: " if function else ""
        super().__init__(f"{prefix}{self.name} ({self.status:#010x}): {message}")


# ---- structures (Windows x64 layouts) ----
class SecHandle(ctypes.Structure):
    _fields_ = [("dwLower", ctypes.c_size_t), ("dwUpper", ctypes.c_size_t)]


class SecBuffer(ctypes.Structure):
    _fields_ = [("cbBuffer", ULONG), ("BufferType", ULONG), ("pvBuffer", ctypes.c_void_p)]


class SecBufferDesc(ctypes.Structure):
    _fields_ = [("ulVersion", ULONG), ("cBuffers", ULONG), ("pBuffers", ctypes.POINTER(SecBuffer))]


class SCHANNEL_CRED(ctypes.Structure):
    _fields_ = [
        ("dwVersion", DWORD), ("cCreds", DWORD), ("paCred", ctypes.POINTER(ctypes.c_void_p)),
        ("hRootStore", ctypes.c_void_p), ("cMappers", DWORD), ("aphMappers", ctypes.c_void_p),
        ("cSupportedAlgs", DWORD), ("palgSupportedAlgs", ctypes.c_void_p),
        ("grbitEnabledProtocols", DWORD), ("dwMinimumCipherStrength", DWORD),
        ("dwMaximumCipherStrength", DWORD), ("dwSessionLifespan", DWORD), ("dwFlags", DWORD),
        ("dwCredFormat", DWORD),
    ]


class SCH_CREDENTIALS(ctypes.Structure):
    _fields_ = [
        ("dwVersion", DWORD), ("dwCredFormat", DWORD), ("cCreds", DWORD),
        ("paCred", ctypes.POINTER(ctypes.c_void_p)), ("hRootStore", ctypes.c_void_p),
        ("cMappers", DWORD), ("aphMappers", ctypes.c_void_p), ("dwSessionLifespan", DWORD),
        ("dwFlags", DWORD), ("cTlsParameters", DWORD), ("pTlsParameters", ctypes.c_void_p),
    ]


class SecPkgContext_StreamSizes(ctypes.Structure):
    _fields_ = [("cbHeader", ULONG), ("cbTrailer", ULONG), ("cbMaximumMessage", ULONG),
                ("cBuffers", ULONG), ("cbBlockSize", ULONG)]


class SecPkgContext_ConnectionInfo(ctypes.Structure):
    _fields_ = [("dwProtocol", DWORD), ("aiCipher", DWORD), ("dwCipherStrength", DWORD),
                ("aiHash", DWORD), ("dwHashStrength", DWORD), ("aiExch", DWORD),
                ("dwExchStrength", DWORD)]


# ---- functions (resolved on first use, so the module imports without the SSPI face) ----
_P = ctypes.POINTER
_SIGS = {
    "AcquireCredentialsHandleA": (ctypes.c_char_p, ctypes.c_char_p, ULONG, ctypes.c_void_p, ctypes.c_void_p,
                                  ctypes.c_void_p, ctypes.c_void_p, _P(SecHandle), _P(ctypes.c_int64)),
    "FreeCredentialsHandle": (_P(SecHandle),),
    "InitializeSecurityContextA": (_P(SecHandle), _P(SecHandle), ctypes.c_char_p, ULONG, ULONG, ULONG,
                                   _P(SecBufferDesc), ULONG, _P(SecHandle), _P(SecBufferDesc), _P(ULONG),
                                   _P(ctypes.c_int64)),
    "AcceptSecurityContext": (_P(SecHandle), _P(SecHandle), _P(SecBufferDesc), ULONG, ULONG, _P(SecHandle),
                              _P(SecBufferDesc), _P(ULONG), _P(ctypes.c_int64)),
    "DeleteSecurityContext": (_P(SecHandle),),
    "ApplyControlToken": (_P(SecHandle), _P(SecBufferDesc)),
    "EncryptMessage": (_P(SecHandle), ULONG, _P(SecBufferDesc), ULONG),
    "DecryptMessage": (_P(SecHandle), _P(SecBufferDesc), ULONG, _P(ULONG)),
    "QueryContextAttributesA": (_P(SecHandle), ULONG, ctypes.c_void_p),
    "FreeContextBuffer": (ctypes.c_void_p,),
}
_fns = {}


def available():
    """True when libwstls has the SSPI face (the symbol wstls_InitializeSecurityContextA)."""
    return _lib.has("wstls_InitializeSecurityContextA")


def _fn(name):
    f = _fns.get(name)
    if f is None:
        if not _lib.has("wstls_" + name):
            raise SSPIError(SEC_E_UNSUPPORTED_FUNCTION,
                            f"this libwstls ({_lib.library_path}) has no wstls_{name}: it was built without "
                            "the SSPI face", name)
        f = getattr(_lib.lib, "wstls_" + name)
        f.restype = ctypes.c_int32
        f.argtypes = list(_SIGS[name])
        _fns[name] = f
    return f


def _call(name, *args, ok=(SEC_E_OK,)):
    status = _fn(name)(*args) & 0xFFFFFFFF
    if status not in ok:
        raise SSPIError(status, _lib.last_error_message(), name)
    return status


class Credentials:
    """AcquireCredentialsHandleA for Schannel.

    Client (default): outbound; the server is verified (chain and name) unless `flags` holds
    SCH_CRED_MANUAL_CRED_VALIDATION / SCH_CRED_NO_SERVERNAME_CHECK. Server (server=True):
    inbound, with the certificate chain and key from cert_file/key_file (made into a
    CERT_CONTEXT with wstls_cert_context_from_pem_files), or WSTLS_CERT_FILE/WSTLS_KEY_FILE.
    A client may also pass cert_file/key_file: its client certificate.

    sch_credentials=True (default) passes SCH_CREDENTIALS (TLS 1.3 and 1.2); False passes
    the legacy SCHANNEL_CRED, which negotiates TLS 1.2 at most, as on Windows."""

    def __init__(self, *, server=False, cert_file=None, key_file=None, flags=0, protocols=0,
                 sch_credentials=True, package=UNISP_NAME):
        self.server = server
        self.handle = SecHandle()
        self._cert = None
        self._free_cert = None
        pa = None
        if cert_file:
            if not _lib.has("wstls_cert_context_from_pem_files"):
                raise SSPIError(SEC_E_UNSUPPORTED_FUNCTION,
                                "this libwstls has no wstls_cert_context_from_pem_files", "Credentials")
            mk = _lib.lib.wstls_cert_context_from_pem_files
            mk.restype = ctypes.c_void_p
            mk.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
            cert = mk(cert_file.encode(), key_file.encode() if key_file else None)
            if not cert:
                raise SSPIError(SEC_E_NO_CREDENTIALS, _lib.last_error_message(),
                                "wstls_cert_context_from_pem_files")
            self._cert = cert
            self._free_cert = _lib.lib.wstls_CertFreeCertificateContext
            self._free_cert.argtypes = [ctypes.c_void_p]
            pa = (ctypes.c_void_p * 1)(cert)
        if sch_credentials:
            auth = SCH_CREDENTIALS()
            auth.dwVersion = SCH_CREDENTIALS_VERSION
        else:
            auth = SCHANNEL_CRED()
            auth.dwVersion = SCHANNEL_CRED_VERSION
            auth.grbitEnabledProtocols = protocols
        auth.dwFlags = flags
        if pa is not None:
            auth.cCreds = 1
            auth.paCred = ctypes.cast(pa, ctypes.POINTER(ctypes.c_void_p))
        self._keep = (auth, pa)
        expiry = ctypes.c_int64(0)
        try:
            _call("AcquireCredentialsHandleA", None, package.encode(),
                  SECPKG_CRED_INBOUND if server else SECPKG_CRED_OUTBOUND, None, ctypes.byref(auth), None, None,
                  ctypes.byref(self.handle), ctypes.byref(expiry))
        except BaseException:
            self._release_cert()
            raise
        self._open = True

    def _release_cert(self):
        if self._cert is not None:
            self._free_cert(self._cert)
            self._cert = None

    def close(self):
        """FreeCredentialsHandle."""
        if getattr(self, "_open", False):
            self._open = False
            try:
                _call("FreeCredentialsHandle", ctypes.byref(self.handle))
            finally:
                self._release_cert()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class _Buffers:
    """A SecBufferDesc over `types` with caller-owned payloads."""

    def __init__(self, specs):
        self.arr = (SecBuffer * len(specs))()
        self.keep = []
        for i, (btype, data) in enumerate(specs):
            self.arr[i].BufferType = btype
            if data is None:
                self.arr[i].cbBuffer = 0
                self.arr[i].pvBuffer = None
            else:
                self.arr[i].cbBuffer = len(data)
                self.arr[i].pvBuffer = ctypes.cast(data, ctypes.c_void_p)
                self.keep.append(data)
        self.desc = SecBufferDesc(SECBUFFER_VERSION, len(specs), self.arr)

    def __getitem__(self, i):
        return self.arr[i]


class SecurityContext:
    """One SSPI security context (client: InitializeSecurityContextA; server:
    AcceptSecurityContext), sans-IO: step() takes received bytes and gives bytes to send;
    encrypt()/decrypt() protect application data once established."""

    def __init__(self, credentials, target_name=None, flags=None, server=None):
        self.cred = credentials
        self.server = credentials.server if server is None else server
        self.target = target_name
        self.flags = flags if flags is not None else (ASC_FLAGS if self.server else ISC_FLAGS)
        self.handle = SecHandle()
        self.has_handle = False
        self.established = False
        self.returned_flags = 0
        self._sizes = None

    # -- handshake --
    def step(self, data=None):
        """One ISC/ASC call. `data`: bytes received so far that were not consumed (None on
        the first client call). Returns (status, out_bytes, unconsumed) where `unconsumed` is
        the count of trailing input bytes to present again (SECBUFFER_EXTRA), or for
        SEC_E_INCOMPLETE_MESSAGE all of them. Raises SSPIError on failure; the alert token, if
        any, is in the exception's `alert` attribute (send it to the peer)."""
        inb = None
        if data is not None:
            payload = ctypes.create_string_buffer(bytes(data), max(len(data), 1))
            inb = _Buffers([(SECBUFFER_TOKEN, payload), (SECBUFFER_EMPTY, None)])
            inb[0].cbBuffer = len(data)
        outb = _Buffers([(SECBUFFER_TOKEN, None), (SECBUFFER_ALERT, None), (SECBUFFER_EMPTY, None)])
        attrs = ULONG(0)
        expiry = ctypes.c_int64(0)
        ctx = ctypes.byref(self.handle) if self.has_handle else None
        if self.server:
            status = _fn("AcceptSecurityContext")(
                ctypes.byref(self.cred.handle), ctx, ctypes.byref(inb.desc) if inb else None, self.flags,
                SECURITY_NATIVE_DREP, ctypes.byref(self.handle), ctypes.byref(outb.desc), ctypes.byref(attrs),
                ctypes.byref(expiry))
        else:
            status = _fn("InitializeSecurityContextA")(
                ctypes.byref(self.cred.handle), ctx, self.target.encode() if self.target else None, self.flags, 0,
                0, ctypes.byref(inb.desc) if inb else None, 0, ctypes.byref(self.handle), ctypes.byref(outb.desc),
                ctypes.byref(attrs), ctypes.byref(expiry))
        status &= 0xFFFFFFFF
        message = _lib.last_error_message()
        out = self._take(outb[0])
        alert = self._take(outb[1])
        if status in (SEC_E_OK, SEC_I_CONTINUE_NEEDED, SEC_I_INCOMPLETE_CREDENTIALS, SEC_I_CONTEXT_EXPIRED):
            self.has_handle = True
            self.returned_flags = attrs.value
        if status == SEC_E_INCOMPLETE_MESSAGE:
            return status, b"", len(data or b"")
        if status not in (SEC_E_OK, SEC_I_CONTINUE_NEEDED, SEC_I_INCOMPLETE_CREDENTIALS, SEC_I_CONTEXT_EXPIRED):
            err = SSPIError(status, message, "AcceptSecurityContext" if self.server else "InitializeSecurityContextA")
            err.alert = alert
            raise err
        extra = 0
        if inb is not None and inb[1].BufferType == SECBUFFER_EXTRA:
            extra = inb[1].cbBuffer
        if status == SEC_E_OK:
            self.established = True
        return status, out, extra

    @staticmethod
    def _take(buf):
        """The bytes of an output buffer, freeing it if wstls allocated it."""
        if not buf.pvBuffer:
            return b""
        data = ctypes.string_at(buf.pvBuffer, buf.cbBuffer) if buf.cbBuffer else b""
        _fn("FreeContextBuffer")(ctypes.c_void_p(buf.pvBuffer))
        buf.pvBuffer = None
        return data

    # -- attributes --
    def stream_sizes(self):
        if self._sizes is None:
            s = SecPkgContext_StreamSizes()
            _call("QueryContextAttributesA", ctypes.byref(self.handle), SECPKG_ATTR_STREAM_SIZES, ctypes.byref(s))
            self._sizes = s
        return self._sizes

    def connection_info(self):
        """SECPKG_ATTR_CONNECTION_INFO as a dict (protocol is an SP_PROT_* bit)."""
        ci = SecPkgContext_ConnectionInfo()
        _call("QueryContextAttributesA", ctypes.byref(self.handle), SECPKG_ATTR_CONNECTION_INFO, ctypes.byref(ci))
        return {"protocol": ci.dwProtocol, "cipher": ci.aiCipher, "cipher_strength": ci.dwCipherStrength,
                "hash": ci.aiHash, "hash_strength": ci.dwHashStrength, "exchange": ci.aiExch,
                "exchange_strength": ci.dwExchStrength}

    # -- records --
    def encrypt(self, data):
        """EncryptMessage over [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY] in one contiguous
        buffer, cbMaximumMessage bytes at a time. Returns the records to send."""
        sz = self.stream_sizes()
        out = []
        data = bytes(data)
        for off in range(0, max(len(data), 1), sz.cbMaximumMessage):
            chunk = data[off:off + sz.cbMaximumMessage]
            total = sz.cbHeader + len(chunk) + sz.cbTrailer
            block = ctypes.create_string_buffer(total)
            ctypes.memmove(ctypes.addressof(block) + sz.cbHeader, chunk, len(chunk))
            base = ctypes.addressof(block)
            arr = (SecBuffer * 4)()
            arr[0] = SecBuffer(sz.cbHeader, SECBUFFER_STREAM_HEADER, base)
            arr[1] = SecBuffer(len(chunk), SECBUFFER_DATA, base + sz.cbHeader)
            arr[2] = SecBuffer(sz.cbTrailer, SECBUFFER_STREAM_TRAILER, base + sz.cbHeader + len(chunk))
            arr[3] = SecBuffer(0, SECBUFFER_EMPTY, None)
            desc = SecBufferDesc(SECBUFFER_VERSION, 4, arr)
            _call("EncryptMessage", ctypes.byref(self.handle), 0, ctypes.byref(desc), 0)
            out.append(block.raw[:arr[0].cbBuffer + arr[1].cbBuffer + arr[2].cbBuffer])
            if not data:
                break
        return b"".join(out)

    def decrypt(self, data):
        """DecryptMessage of the first record in `data` over [DATA, EMPTY, EMPTY, EMPTY].
        Returns (status, plaintext, unconsumed): status is SEC_E_OK, SEC_E_INCOMPLETE_MESSAGE
        (read more; unconsumed = len(data)), SEC_I_CONTEXT_EXPIRED (the peer's close_notify)
        or SEC_I_RENEGOTIATE (a post-handshake message: call step() with the unconsumed
        bytes); unconsumed is the SECBUFFER_EXTRA count. Other statuses raise SSPIError."""
        if not data:
            return SEC_E_INCOMPLETE_MESSAGE, b"", 0
        block = ctypes.create_string_buffer(bytes(data), len(data))
        arr = (SecBuffer * 4)()
        arr[0] = SecBuffer(len(data), SECBUFFER_DATA, ctypes.addressof(block))
        for i in (1, 2, 3):
            arr[i] = SecBuffer(0, SECBUFFER_EMPTY, None)
        desc = SecBufferDesc(SECBUFFER_VERSION, 4, arr)
        status = _fn("DecryptMessage")(ctypes.byref(self.handle), ctypes.byref(desc), 0, None) & 0xFFFFFFFF
        if status == SEC_E_INCOMPLETE_MESSAGE:
            return status, b"", len(data)
        if status not in (SEC_E_OK, SEC_I_CONTEXT_EXPIRED, SEC_I_RENEGOTIATE):
            raise SSPIError(status, _lib.last_error_message(), "DecryptMessage")
        plain = b""
        extra = 0
        for i in range(4):
            b = arr[i]
            if b.BufferType == SECBUFFER_DATA and b.cbBuffer:
                plain = ctypes.string_at(b.pvBuffer, b.cbBuffer)
            elif b.BufferType == SECBUFFER_EXTRA:
                extra = b.cbBuffer
        return status, plain, extra

    def shutdown(self):
        """ApplyControlToken(SCHANNEL_SHUTDOWN) and the ISC/ASC call that produces the
        close_notify record. Returns the bytes to send."""
        token = ctypes.create_string_buffer(struct.pack("=I", SCHANNEL_SHUTDOWN), 4)
        arr = (SecBuffer * 1)(SecBuffer(4, SECBUFFER_TOKEN, ctypes.addressof(token)))
        desc = SecBufferDesc(SECBUFFER_VERSION, 1, arr)
        _call("ApplyControlToken", ctypes.byref(self.handle), ctypes.byref(desc))
        _status, out, _extra = self.step(None)
        return out

    def close(self):
        """DeleteSecurityContext."""
        if self.has_handle:
            self.has_handle = False
            _call("DeleteSecurityContext", ctypes.byref(self.handle))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class TlsStream:
    """TLS over a connected socket-like object (sendall/recv), through an SSPI context: the
    handshake loop, then sendall()/recv() of plaintext, and close() with close_notify."""

    def __init__(self, sock, context):
        self.sock = sock
        self.ctx = context
        self._in = b""       # received, not yet decrypted
        self._plain = b""    # decrypted, not yet returned
        self._eof = False

    @classmethod
    def connect(cls, sock, target_name, credentials=None, flags=None):
        """Client handshake (InitializeSecurityContextA loop) over `sock`, verifying the
        server against target_name."""
        own = credentials is None
        cred = credentials or Credentials()
        stream = cls(sock, SecurityContext(cred, target_name, flags))
        stream._owned_cred = cred if own else None
        try:
            stream._client_handshake()
        except BaseException:
            stream.ctx.close()
            if own:
                cred.close()
            raise
        return stream

    @classmethod
    def accept(cls, sock, credentials, flags=None):
        """Server handshake (AcceptSecurityContext loop) over an accepted `sock`."""
        stream = cls(sock, SecurityContext(credentials, None, flags, server=True))
        stream._owned_cred = None
        try:
            stream._handshake_loop(first_read=True)
        except BaseException:
            stream.ctx.close()
            raise
        return stream

    def _read_more(self):
        data = self.sock.recv(16384 + 512)
        if not data:
            raise SSPIError(SEC_E_INCOMPLETE_MESSAGE,
                            "the peer closed the connection in the middle of the TLS handshake", "recv")
        self._in += data

    def _client_handshake(self):
        status, out, _ = self.ctx.step(None)
        if out:
            self.sock.sendall(out)
        self._handshake_loop(first_read=True)

    def _handshake_loop(self, first_read):
        need_read = first_read
        while True:
            if need_read:
                self._read_more()
            try:
                status, out, extra = self.ctx.step(self._in)
            except SSPIError as e:
                if getattr(e, "alert", b""):
                    try:
                        self.sock.sendall(e.alert)
                    except OSError:
                        pass
                raise
            if status == SEC_I_INCOMPLETE_CREDENTIALS:
                # No client certificate to offer: go on without one (curl does the same).
                self.ctx.flags |= ISC_REQ_USE_SUPPLIED_CREDS
                need_read = False
                continue
            if status == SEC_E_INCOMPLETE_MESSAGE:
                need_read = True
                continue
            if out:
                self.sock.sendall(out)
            self._in = self._in[len(self._in) - extra:] if extra else b""
            if status == SEC_E_OK:
                return
            need_read = not self._in

    # -- data --
    def sendall(self, data):
        self.sock.sendall(self.ctx.encrypt(data))

    def send(self, data):
        self.sendall(data)
        return len(data)

    def recv(self, n):
        """Up to n plaintext bytes; b"" after the peer's close_notify. A peer that closes the
        TCP connection without close_notify raises SSPIError (truncation)."""
        while not self._plain and not self._eof:
            status, plain, extra = self.ctx.decrypt(self._in)
            if status == SEC_E_INCOMPLETE_MESSAGE:
                data = self.sock.recv(16384 + 512)
                if not data:
                    raise SSPIError(SEC_E_INCOMPLETE_MESSAGE,
                                    "the peer closed the connection without close_notify (truncation)", "recv")
                self._in += data
                continue
            consumed_to = len(self._in) - extra
            self._in = self._in[consumed_to:] if extra else b""
            self._plain += plain
            if status == SEC_I_CONTEXT_EXPIRED:
                self._eof = True
            elif status == SEC_I_RENEGOTIATE:
                # Post-handshake message (TLS 1.3 ticket, key update): one ISC/ASC call with
                # the unconsumed bytes; it may produce bytes to send.
                st, out, extra2 = self.ctx.step(self._in)
                if out:
                    self.sock.sendall(out)
                self._in = self._in[len(self._in) - extra2:] if extra2 else b""
        got, self._plain = self._plain[:n], self._plain[n:]
        return got

    def close(self):
        """Sends close_notify, deletes the context and closes the socket."""
        try:
            if self.ctx.established and self.ctx.has_handle:
                try:
                    out = self.ctx.shutdown()
                    if out:
                        self.sock.sendall(out)
                except (SSPIError, OSError):
                    pass
        finally:
            self.ctx.close()
            if self._owned_cred is not None:
                self._owned_cred.close()
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
