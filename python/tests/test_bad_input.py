"""Bad-input matrix of libwstls from Python ctypes (issue "reliability and security").

Independent of the wstls Python package: plain ctypes against the shared library, the way a
scripting language or an FFI would reach it. Every exported function is called with bad input
(NULL pointers, short, negative and oversized lengths, invalid, closed and stale handles, wrong
structure sizes, calls in the wrong state) and must return its documented failure value with
the documented Windows code and a message, never crash; `test_every_export_is_covered` fails
when the library exports a function this file does not call. `test_stream_survives_bad_calls`
checks that bad calls between good ones lose no byte of a TLS stream.

Run: python3 -m pytest python/tests/test_bad_input.py   (or: python3 python/tests/test_bad_input.py)
The library: $WSTLS_LIB or $WSTLS_LIBRARY, else target/release/libwstls.so, else
target/debug/libwstls.so. Certificates are made with the openssl CLI at test time. The file
shares its process with the wstls package's tests under pytest: it changes no process-wide
default (its TLS server gets its certificate through a socket control code), checks the
behaviour before WSAStartup in a fresh process, and balances its WSAStartup/WSACleanup.
"""
import ctypes as C
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _find_lib():
    for var in ("WSTLS_LIB", "WSTLS_LIBRARY"):  # (the second is the wstls package's)
        if os.environ.get(var):
            return os.environ[var]
    for kind in ("release", "debug"):
        p = os.path.join(ROOT, "target", kind, "libwstls.so")
        if os.path.exists(p):
            return p
    raise RuntimeError("libwstls.so not found: build it (cargo build --release) or set WSTLS_LIB")


LIB_PATH = _find_lib()
L = C.CDLL(LIB_PATH)

SOCKET = C.c_size_t
INVALID_SOCKET = (1 << (8 * C.sizeof(C.c_size_t))) - 1
SOCKET_ERROR = -1
VP = C.c_void_p

# Windows values (winsock2.h, winerror.h, sspi.h).
AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM = 2, 23, 1, 2
SOL_SOCKET, SO_TYPE, SO_RCVTIMEO, SO_SECURE, SO_SEC_SSL = 0xFFFF, 0x1008, 0x1006, 0x2001, 0x2004
FIONBIO, FIONREAD = 0x8004667E, 0x4004667F
SO_SSL_SET_PEERNAME, SO_SSL_SET_FLAGS = 0x5073000F, 0x90730002
WSTLS_SO_GET_SESSION_INFO = 0x50570008
POLLRDNORM, POLLWRNORM, POLLPRI, POLLNVAL = 0x0100, 0x0010, 0x0400, 0x0004
WSAEINTR, WSAEFAULT, WSAEINVAL, WSAEWOULDBLOCK = 10004, 10014, 10022, 10035
WSAENOTSOCK, WSAEMSGSIZE, WSAENOPROTOOPT, WSAEPROTONOSUPPORT = 10038, 10040, 10042, 10043
WSAESOCKTNOSUPPORT, WSAEOPNOTSUPP, WSAEAFNOSUPPORT, WSAEADDRNOTAVAIL = 10044, 10045, 10047, 10049
WSAECONNABORTED, WSAEISCONN, WSAENOTCONN, WSAESHUTDOWN = 10053, 10056, 10057, 10058
WSAVERNOTSUPPORTED, WSANOTINITIALISED, WSAHOST_NOT_FOUND = 10092, 10093, 11001
ERROR_INVALID_HANDLE, ERROR_INVALID_DATA, ERROR_INVALID_PARAMETER = 6, 13, 87
ERROR_MOD_NOT_FOUND, ERROR_PROC_NOT_FOUND = 126, 127
MSG_WAITALL = 8


def hr(x):
    return C.c_int32(x).value


SEC_E_OK = 0
SEC_E_INVALID_HANDLE = hr(0x80090301)
SEC_E_UNSUPPORTED_FUNCTION = hr(0x80090302)
SEC_E_SECPKG_NOT_FOUND = hr(0x80090305)
SEC_E_INVALID_TOKEN = hr(0x80090308)
SEC_E_INTERNAL_ERROR = hr(0x80090304)
SEC_E_UNKNOWN_CREDENTIALS = hr(0x8009030D)
SEC_E_INVALID_PARAMETER = hr(0x8009035D)
UNISP = b"Microsoft Unified Security Protocol Provider"


def fn(name, restype, *argtypes):
    f = getattr(L, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


# The prototypes used below (pointer-sized arguments must be declared for ctypes).
WSAStartup = fn("wstls_WSAStartup", C.c_int, C.c_uint16, VP)
WSACleanup = fn("wstls_WSACleanup", C.c_int)
WSAGetLastError = fn("wstls_WSAGetLastError", C.c_int)
WSASetLastError = fn("wstls_WSASetLastError", None, C.c_int)
last_message = fn("wstls_last_error_message", C.c_char_p)
version = fn("wstls_version", C.c_char_p)
socket_ = fn("wstls_socket", SOCKET, C.c_int, C.c_int, C.c_int)
closesocket = fn("wstls_closesocket", C.c_int, SOCKET)
bind = fn("wstls_bind", C.c_int, SOCKET, VP, C.c_int)
listen = fn("wstls_listen", C.c_int, SOCKET, C.c_int)
accept = fn("wstls_accept", SOCKET, SOCKET, VP, VP)
connect = fn("wstls_connect", C.c_int, SOCKET, VP, C.c_int)
shutdown = fn("wstls_shutdown", C.c_int, SOCKET, C.c_int)
send = fn("wstls_send", C.c_int, SOCKET, VP, C.c_int, C.c_int)
recv = fn("wstls_recv", C.c_int, SOCKET, VP, C.c_int, C.c_int)
sendto = fn("wstls_sendto", C.c_int, SOCKET, VP, C.c_int, C.c_int, VP, C.c_int)
recvfrom = fn("wstls_recvfrom", C.c_int, SOCKET, VP, C.c_int, C.c_int, VP, VP)
WSASend = fn("wstls_WSASend", C.c_int, SOCKET, VP, C.c_uint32, VP, C.c_uint32, VP, VP)
WSARecv = fn("wstls_WSARecv", C.c_int, SOCKET, VP, C.c_uint32, VP, VP, VP, VP)
getsockname = fn("wstls_getsockname", C.c_int, SOCKET, VP, VP)
getpeername = fn("wstls_getpeername", C.c_int, SOCKET, VP, VP)
setsockopt = fn("wstls_setsockopt", C.c_int, SOCKET, C.c_int, C.c_int, VP, C.c_int)
getsockopt = fn("wstls_getsockopt", C.c_int, SOCKET, C.c_int, C.c_int, VP, VP)
ioctlsocket = fn("wstls_ioctlsocket", C.c_int, SOCKET, C.c_int32, VP)
WSAIoctl = fn("wstls_WSAIoctl", C.c_int, SOCKET, C.c_uint32, VP, C.c_uint32, VP, C.c_uint32, VP, VP, VP)
select = fn("wstls_select", C.c_int, C.c_int, VP, VP, VP, VP)
FDIsSet = fn("wstls___WSAFDIsSet", C.c_int, SOCKET, VP)
WSAPoll = fn("wstls_WSAPoll", C.c_int, VP, C.c_uint32, C.c_int)
getaddrinfo = fn("wstls_getaddrinfo", C.c_int, C.c_char_p, C.c_char_p, VP, VP)
freeaddrinfo = fn("wstls_freeaddrinfo", None, VP)
getnameinfo = fn("wstls_getnameinfo", C.c_int, VP, C.c_int, VP, C.c_uint32, VP, C.c_uint32, C.c_int)
gethostbyname = fn("wstls_gethostbyname", VP, C.c_char_p)
gethostbyaddr = fn("wstls_gethostbyaddr", VP, VP, C.c_int, C.c_int)
gethostname = fn("wstls_gethostname", C.c_int, VP, C.c_int)
inet_addr = fn("wstls_inet_addr", C.c_uint32, C.c_char_p)
inet_ntoa = fn("wstls_inet_ntoa", C.c_char_p, C.c_uint32)
inet_pton = fn("wstls_inet_pton", C.c_int, C.c_int, C.c_char_p, VP)
inet_ntop = fn("wstls_inet_ntop", C.c_char_p, C.c_int, VP, VP, C.c_size_t)
htons = fn("wstls_htons", C.c_uint16, C.c_uint16)
htonl = fn("wstls_htonl", C.c_uint32, C.c_uint32)
ntohs = fn("wstls_ntohs", C.c_uint16, C.c_uint16)
ntohl = fn("wstls_ntohl", C.c_uint32, C.c_uint32)
add_ca_file = fn("wstls_add_trusted_ca_file", C.c_int, C.c_char_p)
add_ca_pem = fn("wstls_add_trusted_ca_pem", C.c_int, VP, C.c_uint32)
set_server_creds = fn("wstls_set_default_server_credentials", C.c_int, C.c_char_p, C.c_char_p)
set_client_creds = fn("wstls_set_default_client_credentials", C.c_int, C.c_char_p, C.c_char_p)
peer_chain = fn("wstls_get_peer_certificate_chain", C.c_int, SOCKET, C.c_uint32, VP, C.c_uint32, VP)
hook_chain = fn("wstls_get_hook_certificate_chain", C.c_int, VP, VP)
GetLastError = fn("wstls_GetLastError", C.c_uint32)
SetLastError = fn("wstls_SetLastError", None, C.c_uint32)


def err():
    return WSAGetLastError()


def msg():
    return last_message().decode("utf-8", "replace")


def fails(r, failvalue, code, what=""):
    """`r` must be the failure value, with WSAGetLastError() == code and a message."""
    got = err()
    assert r == failvalue, f"{what}: returned {r!r}, expected {failvalue!r} ({got}: {msg()})"
    assert got == code, f"{what}: WSAGetLastError() {got}, expected {code}: {msg()}"
    assert msg(), f"{what}: no message for {code}"


def sec(r, status, what=""):
    assert r == status, f"{what}: returned {r & 0xFFFFFFFF:#x}, expected {status & 0xFFFFFFFF:#x}: {msg()}"
    assert msg(), f"{what}: no message"


def sin(port=0, ip="127.0.0.1", family=AF_INET):
    return C.create_string_buffer(struct.pack("<HH4s8x", family, socket.htons(port), socket.inet_aton(ip)), 16)


def i32(v=0):
    return C.c_int(v)


def u32(v=0):
    return C.c_uint32(v)


def ref(x):
    return C.byref(x)


# ---------------------------------------------------------------------------------------------
# Process state and a test PKI
# ---------------------------------------------------------------------------------------------

_STATE = {}

_BEFORE_STARTUP = r"""
import ctypes as C, sys
L = C.CDLL(sys.argv[1])
L.wstls_socket.restype = C.c_size_t
L.wstls_getaddrinfo.argtypes = [C.c_char_p, C.c_char_p, C.c_void_p, C.c_void_p]
assert L.wstls_socket(2, 1, 0) == (1 << (8 * C.sizeof(C.c_size_t))) - 1
assert L.wstls_WSAGetLastError() == 10093, L.wstls_WSAGetLastError()
L.wstls_closesocket.argtypes = [C.c_size_t]
assert L.wstls_closesocket(1) == -1 and L.wstls_WSAGetLastError() == 10093
assert L.wstls_WSACleanup() == -1 and L.wstls_WSAGetLastError() == 10093
res = C.c_void_p()
assert L.wstls_getaddrinfo(b"127.0.0.1", None, None, C.byref(res)) == 10093
"""

WSTLS_SO_SET_SERVER_CREDENTIALS = 0x90570001


def credentials(cert, key):
    """A WSTLS_CREDENTIALS with file paths (the buffers are kept alive by the caller)."""
    c, k = C.create_string_buffer(cert), C.create_string_buffer(key)
    return C.create_string_buffer(struct.pack("<QQQI4xQI4x", C.addressof(c), C.addressof(k), 0, 0, 0, 0), 48), c, k


def setup_module(module=None):
    if _STATE.get("started"):
        return
    # Before WSAStartup (in a fresh process: this one may have started already).
    subprocess.run([sys.executable, "-c", _BEFORE_STARTUP, LIB_PATH], check=True)
    data = C.create_string_buffer(512)
    assert WSAStartup(0x0202, None) == WSAEFAULT
    assert WSAStartup(0x0000, data) == WSAVERNOTSUPPORTED
    assert WSAStartup(0x0202, data) == 0
    _STATE["started"] = True
    d = tempfile.mkdtemp(prefix="wstls-py-bad-")
    _STATE["dir"] = d

    def ossl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
         "-out", "ca.pem", "-subj", "/CN=wstls python test CA", "-days", "30",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key",
         "-out", "server.csr", "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n")
    ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "30",
         "-extfile", "ext.cnf", "-out", "leaf.pem")
    with open(os.path.join(d, "server.pem"), "w") as f:
        f.write(open(os.path.join(d, "leaf.pem")).read() + open(os.path.join(d, "ca.pem")).read())
    assert add_ca_file(os.path.join(d, "ca.pem").encode()) == 1, msg()


def teardown_module(module=None):
    if _STATE.pop("started", False):
        # The process default server identity is process-wide: leave none behind.
        assert set_server_creds(None, None) == 0, msg()
        assert WSACleanup() == 0
        shutil.rmtree(_STATE.pop("dir"), ignore_errors=True)


def tcp(ty=SOCK_STREAM):
    s = socket_(AF_INET, ty, 0)
    assert s != INVALID_SOCKET, msg()
    return s


def listener(secure=False):
    s = tcp()
    if secure:
        v = u32(SO_SEC_SSL)
        assert setsockopt(s, SOL_SOCKET, SO_SECURE, ref(v), 4) == 0, msg()
        d = _STATE["dir"]
        creds, c, k = credentials(os.path.join(d, "server.pem").encode(), os.path.join(d, "server.key").encode())
        assert WSAIoctl(s, WSTLS_SO_SET_SERVER_CREDENTIALS, creds, 48, None, 0, None, None, None) == 0, msg()
    a = sin(0)
    assert bind(s, a, 16) == 0, msg()
    assert listen(s, 8) == 0, msg()
    n = i32(16)
    assert getsockname(s, a, ref(n)) == 0
    return s, socket.ntohs(struct.unpack_from("<H", a.raw, 2)[0])


def pair(secure=False):
    """(client, server) connected over loopback; secure: CE-style TLS with the test PKI."""
    l, port = listener(secure)
    out = {}

    def acc():
        out["a"] = accept(l, None, None)
        out["e"] = (err(), msg())

    t = threading.Thread(target=acc)
    t.start()
    c = tcp()
    if secure:
        v = u32(SO_SEC_SSL)
        assert setsockopt(c, SOL_SOCKET, SO_SECURE, ref(v), 4) == 0
        name = C.create_string_buffer(b"localhost")
        assert WSAIoctl(c, SO_SSL_SET_PEERNAME, name, 10, None, 0, None, None, None) == 0, msg()
    assert connect(c, sin(port), 16) == 0, msg()
    t.join()
    assert out["a"] != INVALID_SOCKET, out["e"]
    assert closesocket(l) == 0
    timeout = u32(10000)
    for s in (c, out["a"]):
        assert setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, ref(timeout), 4) == 0
    return c, out["a"]


def closed_handle():
    s = tcp()
    assert closesocket(s) == 0
    return s


# ---------------------------------------------------------------------------------------------
# The cases: at least one bad call per exported function
# ---------------------------------------------------------------------------------------------

COVERED = set()


def case(*names):
    def deco(f):
        COVERED.update(names)
        return f

    return deco


@case("wstls_WSAStartup", "wstls_WSACleanup", "wstls_WSAGetLastError", "wstls_WSASetLastError",
      "wstls_last_error_message", "wstls_version")
def test_startup_and_errors():
    setup_module()
    data = C.create_string_buffer(512)
    assert WSAStartup(0x0202, None) == WSAEFAULT
    assert WSAStartup(0x0900, data) == WSAVERNOTSUPPORTED  # version 0.9
    assert WSAStartup(0x0909, data) == 0  # 9.9, above 2.2: 2.2 granted
    assert struct.unpack_from("<H", data.raw, 0)[0] == 0x0202
    assert WSACleanup() == 0  # the nested one
    WSASetLastError(12345)
    assert err() == 12345
    assert last_message() is not None
    assert version().decode()


@case("wstls_socket", "wstls_closesocket", "wstls_bind", "wstls_listen", "wstls_accept", "wstls_connect",
      "wstls_shutdown", "wstls_send", "wstls_recv", "wstls_sendto", "wstls_recvfrom", "wstls_WSASend",
      "wstls_WSARecv", "wstls_getsockname", "wstls_getpeername", "wstls_setsockopt", "wstls_getsockopt",
      "wstls_ioctlsocket", "wstls_WSAIoctl")
def test_invalid_closed_and_stale_handles():
    setup_module()
    buf = C.create_string_buffer(64)
    n = i32(64)
    v = u32(1)
    ret = u32()
    wb = C.create_string_buffer(struct.pack("<I4xQ", 4, C.addressof(buf)), 16)
    for h in (0, INVALID_SOCKET, 1, 0x7654321, 0x80000001, closed_handle()):
        for what, call, fail in (
            ("closesocket", lambda: closesocket(h), SOCKET_ERROR),
            ("bind", lambda: bind(h, sin(0), 16), SOCKET_ERROR),
            ("listen", lambda: listen(h, 1), SOCKET_ERROR),
            ("accept", lambda: accept(h, None, None), INVALID_SOCKET),
            ("connect", lambda: connect(h, sin(9), 16), SOCKET_ERROR),
            ("shutdown", lambda: shutdown(h, 2), SOCKET_ERROR),
            ("send", lambda: send(h, buf, 1, 0), SOCKET_ERROR),
            ("recv", lambda: recv(h, buf, 1, 0), SOCKET_ERROR),
            ("sendto", lambda: sendto(h, buf, 1, 0, sin(9), 16), SOCKET_ERROR),
            ("recvfrom", lambda: recvfrom(h, buf, 1, 0, None, None), SOCKET_ERROR),
            ("getsockname", lambda: getsockname(h, buf, ref(n)), SOCKET_ERROR),
            ("getpeername", lambda: getpeername(h, buf, ref(n)), SOCKET_ERROR),
            ("setsockopt", lambda: setsockopt(h, SOL_SOCKET, SO_RCVTIMEO, ref(v), 4), SOCKET_ERROR),
            ("ioctlsocket", lambda: ioctlsocket(h, C.c_int32(FIONBIO).value, ref(v)), SOCKET_ERROR),
            ("WSASend", lambda: WSASend(h, wb, 1, ref(ret), 0, None, None), SOCKET_ERROR),
            ("WSARecv", lambda: WSARecv(h, wb, 1, ref(ret), ref(v), None, None), SOCKET_ERROR),
            ("getsockopt", lambda: getsockopt(h, SOL_SOCKET, SO_TYPE, buf, ref(n)), SOCKET_ERROR),
            ("WSAIoctl", lambda: WSAIoctl(h, FIONREAD, None, 0, buf, 4, ref(ret), None, None), SOCKET_ERROR),
        ):
            fails(call(), fail, WSAENOTSOCK, f"{what}({h:#x})")


def test_socket_arguments():
    setup_module()
    fails(socket_(10, SOCK_STREAM, 0), INVALID_SOCKET, WSAEAFNOSUPPORT, "Linux AF_INET6")
    fails(socket_(-1, SOCK_STREAM, 0), INVALID_SOCKET, WSAEAFNOSUPPORT)
    fails(socket_(AF_INET, 99, 0), INVALID_SOCKET, WSAESOCKTNOSUPPORT)
    fails(socket_(AF_INET, SOCK_STREAM, 17), INVALID_SOCKET, WSAEPROTONOSUPPORT)


def test_addresses_and_lengths():
    setup_module()
    s = tcp()
    a = sin(0)
    for n in (0, 1, 15, -1, -(2 ** 31)):
        fails(bind(s, a, n), SOCKET_ERROR, WSAEFAULT, f"bind namelen {n}")
    fails(bind(s, None, 16), SOCKET_ERROR, WSAEFAULT)
    fails(bind(s, sin(0, family=10), 16), SOCKET_ERROR, WSAEAFNOSUPPORT)
    big = C.create_string_buffer(a.raw + b"\0" * 200, 216)
    assert bind(s, big, 216) == 0, msg()  # oversized: accepted
    fails(bind(s, a, 16), SOCKET_ERROR, WSAEINVAL, "bind twice")
    out = C.create_string_buffer(b"\xa5" * 32, 32)
    n = i32(15)
    fails(getsockname(s, out, ref(n)), SOCKET_ERROR, WSAEFAULT)
    assert out.raw == b"\xa5" * 32, "getsockname wrote into a too short buffer"
    n = i32(-1)
    fails(getsockname(s, out, ref(n)), SOCKET_ERROR, WSAEFAULT)
    fails(getsockname(s, out, None), SOCKET_ERROR, WSAEFAULT)
    fails(getpeername(s, out, ref(i32(32))), SOCKET_ERROR, WSAENOTCONN)
    u = tcp(SOCK_DGRAM)
    fails(connect(u, sin(0), 16), SOCKET_ERROR, WSAEADDRNOTAVAIL, "UDP connect to port 0")
    fails(sendto(u, b"x", 1, 0, sin(0), 16), SOCKET_ERROR, WSAEADDRNOTAVAIL, "sendto port 0")
    fails(sendto(u, b"x", 1, 0, sin(9), 8), SOCKET_ERROR, WSAEFAULT)
    fails(listen(u, 1), SOCKET_ERROR, WSAEOPNOTSUPP)
    assert closesocket(u) == 0
    assert closesocket(s) == 0


def test_options_and_ioctls():
    setup_module()
    s = tcp()
    v = u32(1)
    out = C.create_string_buffer(b"\xa5" * 16, 16)
    fails(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, None, 4), SOCKET_ERROR, WSAEFAULT)
    fails(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, ref(v), -4), SOCKET_ERROR, WSAEFAULT)
    fails(setsockopt(s, SOL_SOCKET, 0x7ABC, ref(v), 4), SOCKET_ERROR, WSAENOPROTOOPT)
    v.value = 0x1234
    fails(setsockopt(s, SOL_SOCKET, SO_SECURE, ref(v), 4), SOCKET_ERROR, WSAEINVAL)
    n = i32(3)
    fails(getsockopt(s, SOL_SOCKET, SO_TYPE, out, ref(n)), SOCKET_ERROR, WSAEFAULT)
    assert out.raw == b"\xa5" * 16
    fails(getsockopt(s, SOL_SOCKET, SO_TYPE, out, None), SOCKET_ERROR, WSAEFAULT)
    fails(ioctlsocket(s, C.c_int32(FIONBIO).value, None), SOCKET_ERROR, WSAEFAULT)
    fails(ioctlsocket(s, 0x12345678, ref(v)), SOCKET_ERROR, WSAEINVAL)
    ret = u32()
    fails(WSAIoctl(s, FIONREAD, None, 0, out, 3, ref(ret), None, None), SOCKET_ERROR, WSAEFAULT)
    fails(WSAIoctl(s, FIONBIO, None, 4, None, 0, ref(ret), None, None), SOCKET_ERROR, WSAEFAULT)
    fails(WSAIoctl(s, 0xFFFFFFFF, None, 0, None, 0, ref(ret), None, None), SOCKET_ERROR, WSAEINVAL)
    ov = C.create_string_buffer(64)
    fails(WSAIoctl(s, FIONREAD, None, 0, out, 4, ref(ret), ov, None), SOCKET_ERROR, WSAEOPNOTSUPP)
    fails(WSAIoctl(s, WSTLS_SO_GET_SESSION_INFO, None, 0, out, 16, ref(ret), None, None), SOCKET_ERROR, WSAENOTCONN)
    sec_s = tcp()
    v.value = SO_SEC_SSL
    assert setsockopt(sec_s, SOL_SOCKET, SO_SECURE, ref(v), 4) == 0
    fails(WSAIoctl(sec_s, WSTLS_SO_GET_SESSION_INFO, None, 0, out, 16, ref(ret), None, None), SOCKET_ERROR,
          WSAENOTCONN)
    fails(WSAIoctl(sec_s, SO_SSL_SET_PEERNAME, None, 10, None, 0, None, None, None), SOCKET_ERROR, WSAEFAULT)
    fails(WSAIoctl(sec_s, SO_SSL_SET_PEERNAME, C.create_string_buffer(b"not a name!"), 12, None, 0, None, None,
                   None), SOCKET_ERROR, WSAEINVAL)
    v.value = 0x1000
    fails(WSAIoctl(sec_s, SO_SSL_SET_FLAGS, ref(v), 4, None, 0, None, None, None), SOCKET_ERROR, WSAEINVAL)
    fails(WSAIoctl(sec_s, SO_SSL_SET_FLAGS, ref(v), 2, None, 0, None, None, None), SOCKET_ERROR, WSAEFAULT)
    for h in (s, sec_s):
        assert closesocket(h) == 0


@case("wstls_select", "wstls___WSAFDIsSet", "wstls_WSAPoll")
def test_select_and_poll():
    setup_module()
    c, a = pair()
    fds = C.create_string_buffer(8 + 64 * 8)
    tv = C.create_string_buffer(struct.pack("<ii", 0, 0), 8)
    fails(select(0, None, None, None, tv), SOCKET_ERROR, WSAEINVAL, "no sets")
    struct.pack_into("<I4xQQ", fds, 0, 2, c, closed_handle())
    fails(select(0, fds, None, None, tv), SOCKET_ERROR, WSAENOTSOCK)
    struct.pack_into("<I4xQ", fds, 0, 1, c)
    bad_tv = C.create_string_buffer(struct.pack("<ii", -1, 0), 8)
    fails(select(0, fds, None, None, bad_tv), SOCKET_ERROR, WSAEINVAL, "negative timeout")
    assert select(-123, None, fds, None, tv) == 1, msg()  # nfds ignored
    assert FDIsSet(c, fds) == 1
    assert FDIsSet(c, None) == 0
    p = C.create_string_buffer(16 * 2)
    fails(WSAPoll(None, 1, 0), SOCKET_ERROR, WSAEFAULT)
    fails(WSAPoll(p, 0, 0), SOCKET_ERROR, WSAEINVAL)
    struct.pack_into("<Qhh4x", p, 0, c, POLLPRI, 0)
    fails(WSAPoll(p, 1, 0), SOCKET_ERROR, WSAEINVAL, "POLLPRI")
    struct.pack_into("<Qhh4xQhh4x", p, 0, c, POLLWRNORM, 0, closed_handle(), POLLRDNORM, 0)
    assert WSAPoll(p, 2, 0) == 2, msg()
    assert struct.unpack_from("<h", p.raw, 10)[0] == POLLWRNORM
    assert struct.unpack_from("<h", p.raw, 26)[0] == POLLNVAL
    for h in (c, a):
        assert closesocket(h) == 0


@case("wstls_getaddrinfo", "wstls_freeaddrinfo", "wstls_getnameinfo", "wstls_gethostbyname", "wstls_gethostbyaddr",
      "wstls_gethostname", "wstls_inet_addr", "wstls_inet_ntoa", "wstls_inet_pton", "wstls_inet_ntop", "wstls_htons",
      "wstls_htonl", "wstls_ntohs", "wstls_ntohl")
def test_names():
    setup_module()
    res = VP()
    assert getaddrinfo(b"localhost", None, None, None) == WSAEFAULT
    assert getaddrinfo(None, None, None, ref(res)) == WSAHOST_NOT_FOUND
    hints = C.create_string_buffer(48)
    struct.pack_into("<iiii", hints, 0, 0, 10, 0, 0)  # Linux AF_INET6
    assert getaddrinfo(b"localhost", None, hints, ref(res)) == WSAEAFNOSUPPORT
    freeaddrinfo(None)
    fake = C.create_string_buffer(48)
    WSASetLastError(0)
    freeaddrinfo(fake)  # not ours: left alone
    assert err() == WSAEINVAL
    host = C.create_string_buffer(64)
    a = sin(80)
    assert getnameinfo(None, 16, host, 64, None, 0, 0) == WSAEFAULT
    assert getnameinfo(a, 8, host, 64, None, 0, 0) == WSAEFAULT
    assert getnameinfo(a, 16, None, 0, None, 0, 0) == WSAEFAULT
    fails(gethostbyaddr(None, 4, AF_INET), None, WSAEFAULT)
    fails(gethostbyaddr(C.create_string_buffer(4), 3, AF_INET), None, WSAEFAULT)
    fails(gethostbyaddr(C.create_string_buffer(4), 4, 10), None, WSAEAFNOSUPPORT)
    small = C.create_string_buffer(b"\xa5" * 4, 4)
    fails(gethostname(small, 1), SOCKET_ERROR, WSAEFAULT)
    assert small.raw == b"\xa5" * 4
    fails(gethostname(None, 64), SOCKET_ERROR, WSAEFAULT)
    assert gethostbyname(b"localhost") is not None, msg()
    assert inet_addr(None) == 0xFFFFFFFF
    assert inet_addr(b"256.1.1.1") == 0xFFFFFFFF
    assert inet_ntoa(0xFFFFFFFF) == b"255.255.255.255"
    fails(inet_pton(AF_INET, None, C.create_string_buffer(4)), -1, WSAEFAULT)
    fails(inet_pton(10, b"::1", C.create_string_buffer(16)), -1, WSAEAFNOSUPPORT)
    assert inet_pton(AF_INET6, b"1:::2", C.create_string_buffer(16)) == 0
    four = C.create_string_buffer(b"\x01\x01\x01\x01", 4)
    fails(inet_ntop(AF_INET, four, small, 4), None, ERROR_INVALID_PARAMETER)
    assert small.raw == b"\xa5" * 4
    fails(inet_ntop(AF_INET, None, host, 64), None, ERROR_INVALID_PARAMETER)
    assert inet_ntop(AF_INET, four, host, 64) == b"1.1.1.1"
    assert ntohs(htons(0xBEEF)) == 0xBEEF and ntohl(htonl(0xDEADBEEF)) == 0xDEADBEEF


@case("wstls_add_trusted_ca_file", "wstls_add_trusted_ca_pem", "wstls_set_default_server_credentials",
      "wstls_set_default_client_credentials", "wstls_get_hook_certificate_chain", "wstls_get_peer_certificate_chain")
def test_wstls_extensions():
    setup_module()
    fails(add_ca_file(None), SOCKET_ERROR, WSAEFAULT)
    fails(add_ca_file(b"/nonexistent/ca.pem"), SOCKET_ERROR, WSAEINVAL)
    fails(add_ca_pem(None, 10), SOCKET_ERROR, WSAEFAULT)
    junk = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    fails(add_ca_pem(junk, len(junk)), SOCKET_ERROR, WSAEINVAL)
    fails(set_server_creds(None, b"key.pem"), SOCKET_ERROR, WSAEFAULT)
    fails(set_server_creds(b"/nonexistent.pem", None), SOCKET_ERROR, WSAECONNABORTED)
    fails(set_client_creds(b"/nonexistent.pem", None), SOCKET_ERROR, WSAECONNABORTED)
    n, p = u32(), VP()
    fails(hook_chain(None, ref(p)), 0, WSAEFAULT)
    fails(hook_chain(ref(n), ref(p)), 0, WSAEINVAL, "outside a hook")
    need = u32()
    fails(peer_chain(closed_handle(), 0, None, 0, ref(need)), SOCKET_ERROR, WSAENOTSOCK)
    s = tcp()
    fails(peer_chain(s, 0, None, 0, ref(need)), SOCKET_ERROR, WSAENOTCONN)
    assert closesocket(s) == 0


@case("wstls_LoadLibraryA", "wstls_LoadLibraryW", "wstls_load_library", "wstls_FreeLibrary", "wstls_GetProcAddress",
      "wstls_GetProcAddressA", "wstls_GetProcAddressW", "wstls_get_proc_address", "wstls_GetLastError",
      "wstls_SetLastError", "wstls_SslCrackCertificate", "wstls_SslFreeCertificate")
def test_ce_library_table_and_certificates():
    setup_module()
    LoadA = fn("wstls_LoadLibraryA", VP, C.c_char_p)
    LoadW = fn("wstls_LoadLibraryW", VP, VP)
    load = fn("wstls_load_library", VP, VP, C.c_size_t)
    free_lib = fn("wstls_FreeLibrary", C.c_int, VP)
    gpa = fn("wstls_GetProcAddress", VP, VP, C.c_char_p)
    gpa_a = fn("wstls_GetProcAddressA", VP, VP, C.c_char_p)
    gpa_w = fn("wstls_GetProcAddressW", VP, VP, VP)
    gpa_x = fn("wstls_get_proc_address", VP, VP, VP, C.c_size_t)
    crack = fn("wstls_SslCrackCertificate", C.c_int, VP, C.c_uint32, C.c_uint32, VP)
    free_cert = fn("wstls_SslFreeCertificate", None, VP)

    def last(code, what):
        assert GetLastError() == code, f"{what}: GetLastError() {GetLastError()}, expected {code}: {msg()}"

    assert LoadA(None) is None
    last(ERROR_INVALID_PARAMETER, "LoadLibraryA(NULL)")
    assert LoadA(b"user32.dll") is None
    last(ERROR_MOD_NOT_FOUND, "LoadLibraryA(user32)")
    assert LoadW(None) is None
    assert load(b"schannel.dll", 3) is None
    last(ERROR_INVALID_PARAMETER, "char size 3")
    h = LoadW("schannel".encode("utf-16-le") + b"\0\0")
    assert h is not None, msg()
    assert gpa(None, b"SslCrackCertificate") is None
    last(ERROR_INVALID_HANDLE, "GetProcAddress(NULL)")
    assert gpa_a(h, b"sslcrackcertificate") is None
    last(ERROR_PROC_NOT_FOUND, "case-sensitive names")
    assert gpa_w(h, None) is None
    last(ERROR_PROC_NOT_FOUND, "ordinal/NULL")
    assert gpa_x(h, b"SslCrackCertificate", 0) is None
    assert gpa(h, b"SslCrackCertificate") is not None
    assert free_lib(None) == 0
    last(ERROR_INVALID_HANDLE, "FreeLibrary(NULL)")
    assert free_lib(h) == 1
    SetLastError(ERROR_INVALID_DATA)
    assert GetLastError() == ERROR_INVALID_DATA == err()
    out = VP(1)
    assert crack(None, 10, 0, ref(out)) == 0
    last(ERROR_INVALID_PARAMETER, "SslCrackCertificate(NULL)")
    junk = C.create_string_buffer(b"\x30" * 64, 64)
    assert crack(junk, 64, 0, ref(out)) == 0
    last(ERROR_INVALID_DATA, "SslCrackCertificate(garbage)")
    assert out.value is None
    der = subprocess.run(["openssl", "x509", "-in", os.path.join(_STATE["dir"], "ca.pem"), "-outform", "DER"],
                         check=True, capture_output=True).stdout
    for cut in range(1, len(der), 13):
        assert crack(der[:cut], cut, 0, ref(out)) == 0, f"a certificate cut at {cut} bytes was accepted"
    assert crack(der, len(der), 0, ref(out)) == 1, msg()
    free_cert(out)
    free_cert(out)  # twice: ignored
    free_cert(None)
    free_cert(junk)  # foreign: ignored


SSPI_FUNCS = (
    "AcceptSecurityContext AcquireCredentialsHandleA AcquireCredentialsHandleW AddCredentialsA AddCredentialsW "
    "ApplyControlToken ChangeAccountPasswordA ChangeAccountPasswordW CompleteAuthToken DecryptMessage "
    "DeleteSecurityContext EncryptMessage EnumerateSecurityPackagesA EnumerateSecurityPackagesW "
    "ExportSecurityContext FreeContextBuffer FreeCredentialsHandle ImpersonateSecurityContext ImportSecurityContextA "
    "ImportSecurityContextW InitSecurityInterfaceA InitSecurityInterfaceW InitializeSecurityContextA "
    "InitializeSecurityContextW MakeSignature QueryContextAttributesA QueryContextAttributesExA "
    "QueryContextAttributesExW QueryContextAttributesW QueryCredentialsAttributesA QueryCredentialsAttributesExA "
    "QueryCredentialsAttributesExW QueryCredentialsAttributesW QuerySecurityContextToken QuerySecurityPackageInfoA "
    "QuerySecurityPackageInfoW RevertSecurityContext SetContextAttributesA SetContextAttributesW "
    "SetCredentialsAttributesA SetCredentialsAttributesW VerifySignature"
).split()


@case(*("wstls_" + f for f in SSPI_FUNCS))
def test_sspi():
    setup_module()
    g = lambda name, *a: fn("wstls_" + name, C.c_int32, *a)
    never = C.create_string_buffer(16)  # a zeroed SecHandle: never issued
    h = C.create_string_buffer(16)
    ts = C.create_string_buffer(8)
    acquire = g("AcquireCredentialsHandleA", VP, C.c_char_p, C.c_uint32, VP, VP, VP, VP, VP, VP)
    sec(acquire(None, None, 2, None, None, None, None, h, ts), SEC_E_SECPKG_NOT_FOUND, "no package")
    sec(acquire(None, b"Kerberos", 2, None, None, None, None, h, ts), SEC_E_SECPKG_NOT_FOUND)
    cred = C.create_string_buffer(struct.pack("<I", 3), 80)  # dwVersion 3
    sec(acquire(None, UNISP, 2, None, cred, None, None, h, ts), SEC_E_UNKNOWN_CREDENTIALS)
    sec(g("AcquireCredentialsHandleW", VP, VP, C.c_uint32, VP, VP, VP, VP, VP, VP)(
        None, "Nope\0".encode("utf-16-le"), 2, None, None, None, None, h, ts), SEC_E_SECPKG_NOT_FOUND)
    assert acquire(None, UNISP, 2, None, None, None, None, h, ts) == SEC_E_OK, msg()
    free_cred = g("FreeCredentialsHandle", VP)
    for bad in (None, never):
        sec(free_cred(bad), SEC_E_INVALID_HANDLE)
    # Token calls with bad handles and descriptors.
    out_buf = C.create_string_buffer(struct.pack("<IIQ", 0, 2, 0), 16)  # TOKEN, allocated
    out_desc = C.create_string_buffer(struct.pack("<IIQ", 0, 1, C.addressof(out_buf)), 16)
    ctx = C.create_string_buffer(16)
    attrs = u32()
    isc = g("InitializeSecurityContextA", VP, VP, C.c_char_p, C.c_uint32, C.c_uint32, C.c_uint32, VP, C.c_uint32, VP,
            VP, VP, VP)
    iscw = g("InitializeSecurityContextW", VP, VP, VP, C.c_uint32, C.c_uint32, C.c_uint32, VP, C.c_uint32, VP, VP, VP,
             VP)
    asc = g("AcceptSecurityContext", VP, VP, VP, C.c_uint32, C.c_uint32, VP, VP, VP, VP)
    sec(isc(None, None, b"localhost", 0x811C, 0, 0, None, 0, ctx, out_desc, ref(attrs), None), SEC_E_INVALID_HANDLE)
    sec(iscw(never, None, None, 0x811C, 0, 0, None, 0, ctx, out_desc, ref(attrs), None), SEC_E_INVALID_HANDLE)
    sec(isc(h, None, b"localhost", 0x8011C, 0, 0, None, 0, ctx, None, ref(attrs), None), SEC_E_INVALID_TOKEN)
    sec(asc(None, None, None, 0x811C, 0, ctx, out_desc, ref(attrs), None), SEC_E_INVALID_HANDLE)
    # Messages on contexts that do not exist.
    desc = C.create_string_buffer(struct.pack("<IIQ", 0, 0, 0), 16)
    for name in ("EncryptMessage",):
        sec(g(name, VP, C.c_uint32, VP, C.c_uint32)(never, 0, desc, 0), SEC_E_INVALID_HANDLE, name)
    sec(g("DecryptMessage", VP, VP, C.c_uint32, VP)(never, desc, 0, None), SEC_E_INVALID_HANDLE)
    sec(g("DeleteSecurityContext", VP)(never), SEC_E_INVALID_HANDLE)
    sec(g("DeleteSecurityContext", VP)(None), SEC_E_INVALID_HANDLE)
    sec(g("ApplyControlToken", VP, VP)(None, desc), SEC_E_INVALID_HANDLE)
    attr = C.create_string_buffer(256)
    for name in ("QueryContextAttributesA", "QueryContextAttributesW"):
        sec(g(name, VP, C.c_uint32, VP)(never, 4, attr), SEC_E_INVALID_HANDLE, name)
    for name in ("QueryCredentialsAttributesA", "QueryCredentialsAttributesW"):
        sec(g(name, VP, C.c_uint32, VP)(never, 0x51, attr), SEC_E_INVALID_HANDLE, name)
    # Packages and FreeContextBuffer.
    n, p = u32(), VP()
    sec(g("EnumerateSecurityPackagesA", VP, VP)(None, ref(p)), SEC_E_INVALID_PARAMETER)
    sec(g("EnumerateSecurityPackagesW", VP, VP)(ref(n), None), SEC_E_INVALID_PARAMETER)
    sec(g("QuerySecurityPackageInfoA", C.c_char_p, VP)(b"Nope", ref(p)), SEC_E_SECPKG_NOT_FOUND)
    sec(g("QuerySecurityPackageInfoW", VP, VP)(None, ref(p)), SEC_E_SECPKG_NOT_FOUND)
    freebuf = g("FreeContextBuffer", VP)
    assert freebuf(None) == SEC_E_OK
    sec(freebuf(attr), SEC_E_INVALID_HANDLE, "FreeContextBuffer(foreign)")
    for name in ("InitSecurityInterfaceA", "InitSecurityInterfaceW"):
        assert fn("wstls_" + name, VP)() is not None
    # What Schannel does not implement.
    stubs = {
        "AddCredentialsA": 8, "AddCredentialsW": 8, "ChangeAccountPasswordA": 8, "ChangeAccountPasswordW": 8,
        "CompleteAuthToken": 2, "ExportSecurityContext": 4, "ImpersonateSecurityContext": 1,
        "ImportSecurityContextA": 4, "ImportSecurityContextW": 4, "MakeSignature": 4, "QueryContextAttributesExA": 4,
        "QueryContextAttributesExW": 4, "QueryCredentialsAttributesExA": 4, "QueryCredentialsAttributesExW": 4,
        "QuerySecurityContextToken": 2, "RevertSecurityContext": 1, "SetContextAttributesA": 4,
        "SetContextAttributesW": 4, "SetCredentialsAttributesA": 4, "SetCredentialsAttributesW": 4,
        "VerifySignature": 4,
    }
    for name, argc in stubs.items():
        f = g(name, *([VP] * argc))
        sec(f(*([None] * argc)), SEC_E_UNSUPPORTED_FUNCTION, name)
        sec(f(never, *([None] * (argc - 1))), SEC_E_UNSUPPORTED_FUNCTION, name)
    assert free_cred(h) == SEC_E_OK
    sec(free_cred(h), SEC_E_INVALID_HANDLE, "FreeCredentialsHandle twice")


CRYPT_FUNCS = ("CertAddCertificateContextToStore CertAddEncodedCertificateToStore CertCloseStore "
               "CertCreateCertificateContext CertDuplicateCertificateContext CertEnumCertificatesInStore "
               "CertFreeCertificateContext CertOpenStore").split()


@case(*("wstls_" + f for f in CRYPT_FUNCS), "wstls_cert_context_from_pem", "wstls_cert_context_from_pem_files",
      "wstls_set_schannel_cred_tls13")
def test_certificate_functions():
    setup_module()
    junk = C.create_string_buffer(b"\x30" * 100, 100)
    local = C.create_string_buffer(64)
    create = fn("wstls_CertCreateCertificateContext", VP, C.c_uint32, VP, C.c_uint32)
    assert create(1, junk, 100) is None
    assert GetLastError() == 0x8009310B  # CRYPT_E_ASN1_BADTAG
    assert create(1, None, 10) is None
    assert fn("wstls_CertDuplicateCertificateContext", VP, VP)(None) is None
    free_ctx = fn("wstls_CertFreeCertificateContext", C.c_int, VP)
    assert free_ctx(None) == 1
    assert free_ctx(local) == 0
    open_store = fn("wstls_CertOpenStore", VP, VP, C.c_uint32, C.c_size_t, C.c_uint32, VP)
    assert open_store(99, 0, 0, 0, None) is None
    assert fn("wstls_CertEnumCertificatesInStore", VP, VP, VP)(None, None) is None
    close = fn("wstls_CertCloseStore", C.c_int, VP, C.c_uint32)
    assert close(local, 0) == 0
    store = open_store(2, 0, 0, 0, None)
    assert store is not None
    assert fn("wstls_CertAddEncodedCertificateToStore", C.c_int, VP, C.c_uint32, VP, C.c_uint32, C.c_uint32, VP)(
        store, 1, junk, 100, 3, None) == 0
    assert fn("wstls_CertAddCertificateContextToStore", C.c_int, VP, VP, C.c_uint32, VP)(store, None, 3, None) == 0
    assert close(store, 0) == 1
    assert fn("wstls_cert_context_from_pem_files", VP, C.c_char_p, C.c_char_p)(None, None) is None
    assert fn("wstls_cert_context_from_pem", VP, VP, C.c_uint32, VP, C.c_uint32)(junk, 100, None, 0) is None
    assert msg()
    tls13 = fn("wstls_set_schannel_cred_tls13", C.c_int, C.c_int)
    assert tls13(0) >= 0


SECSOCK_FUNCS = ("WSASetSocketSecurity WSASetSocketPeerTargetName WSADeleteSocketPeerTargetName "
                 "WSAQuerySocketSecurity WSAImpersonateSocketPeer WSARevertImpersonation").split()


@case(*("wstls_" + f for f in SECSOCK_FUNCS), "wstls_get_socket_peer_subject")
def test_secure_socket_extensions():
    setup_module()
    set_sec = fn("wstls_WSASetSocketSecurity", C.c_int, SOCKET, VP, C.c_uint32, VP, VP)
    set_name = fn("wstls_WSASetSocketPeerTargetName", C.c_int, SOCKET, VP, C.c_uint32, VP, VP)
    del_name = fn("wstls_WSADeleteSocketPeerTargetName", C.c_int, SOCKET, VP, C.c_uint32, VP, VP)
    query = fn("wstls_WSAQuerySocketSecurity", C.c_int, SOCKET, VP, C.c_uint32, VP, VP, VP, VP)
    imp = fn("wstls_WSAImpersonateSocketPeer", C.c_int, SOCKET, VP, C.c_uint32)
    revert = fn("wstls_WSARevertImpersonation", C.c_int)
    subject = fn("wstls_get_socket_peer_subject", C.c_int, SOCKET, VP, VP)
    s, u = tcp(), tcp(SOCK_DGRAM)
    settings = C.create_string_buffer(8)
    fails(set_sec(closed_handle(), settings, 8, None, None), SOCKET_ERROR, WSAENOTSOCK)
    fails(set_sec(u, settings, 8, None, None), SOCKET_ERROR, WSAEOPNOTSUPP)
    fails(set_sec(s, settings, 7, None, None), SOCKET_ERROR, WSAEMSGSIZE)
    struct.pack_into("<I", settings, 0, 77)
    fails(set_sec(s, settings, 8, None, None), SOCKET_ERROR, WSAEINVAL)
    assert set_sec(s, None, 0, None, None) == 0, msg()
    fails(set_sec(s, None, 0, None, None), SOCKET_ERROR, WSAEINVAL, "twice")
    name = C.create_string_buffer(512)
    fails(set_name(s, None, 200, None, None), SOCKET_ERROR, WSAEFAULT)
    fails(set_name(s, name, 139, None, None), SOCKET_ERROR, WSAEMSGSIZE)
    fails(set_name(s, name, 512, None, None), SOCKET_ERROR, WSAEINVAL, "empty name")
    fails(del_name(s, None, 16, None, None), SOCKET_ERROR, WSAEFAULT)
    info, n = C.create_string_buffer(64), u32(3)
    fails(query(s, None, 0, info, None, None, None), SOCKET_ERROR, WSAEFAULT)
    fails(query(s, None, 0, info, ref(n), None, None), SOCKET_ERROR, WSAEFAULT)
    assert n.value == 24
    fails(imp(s, None, 0), SOCKET_ERROR, WSAEOPNOTSUPP)
    assert revert() == 0
    n = u32(64)
    fails(subject(s, info, ref(n)), SOCKET_ERROR, WSAENOTCONN)
    for h in (s, u):
        assert closesocket(h) == 0


def test_stream_survives_bad_calls():
    """Bad calls between good ones on an established TLS connection: no byte lost."""
    setup_module()
    c, a = pair(secure=True)
    buf = C.create_string_buffer(256)
    sent = b""
    for i in range(5):
        chunk = f"record-{i};".encode()
        assert send(c, chunk, len(chunk), 0) == len(chunk), msg()
        sent += chunk
        fails(recv(a, None, 10, 0), SOCKET_ERROR, WSAEFAULT)
        fails(recv(a, buf, -1, 0), SOCKET_ERROR, WSAEFAULT)
        fails(recv(a, buf, 256, 0x40000000), SOCKET_ERROR, WSAEINVAL)
        n = i32(4)
        fails(recvfrom(a, buf, 256, 0, C.create_string_buffer(16), ref(n)), SOCKET_ERROR, WSAEFAULT)
        fails(send(c, None, 5, 0), SOCKET_ERROR, WSAEFAULT)
        fails(send(c, b"junk!", -5, 0), SOCKET_ERROR, WSAEFAULT)
        name = C.create_string_buffer(b"evil.example")
        fails(WSAIoctl(c, SO_SSL_SET_PEERNAME, name, 13, None, 0, None, None, None), SOCKET_ERROR, WSAEISCONN)
        need = u32()
        fails(peer_chain(c, 0, None, 0, ref(need)), SOCKET_ERROR, WSAEFAULT)
        assert need.value > 100
    got = C.create_string_buffer(len(sent))
    assert recv(a, got, len(sent), MSG_WAITALL) == len(sent), msg()
    assert got.raw == sent
    assert send(a, b"reply", 5, 0) == 5
    assert recv(c, buf, 5, MSG_WAITALL) == 5 and buf.raw[:5] == b"reply"
    assert closesocket(c) == 0
    assert recv(a, buf, 256, 0) == 0, msg()  # close_notify: a clean end
    assert closesocket(a) == 0
    # A wrong-state call on the dead handles, and a stale handle never reaches a new socket.
    fails(send(c, b"x", 1, 0), SOCKET_ERROR, WSAENOTSOCK)
    fresh = tcp()
    assert fresh != c
    fails(closesocket(c), SOCKET_ERROR, WSAENOTSOCK)
    assert closesocket(fresh) == 0


def test_wrong_state():
    setup_module()
    s = tcp()
    buf = C.create_string_buffer(8)
    fails(listen(s, 1), SOCKET_ERROR, WSAEINVAL, "listen before bind")
    fails(accept(s, None, None), INVALID_SOCKET, WSAEINVAL, "accept before listen")
    fails(send(s, b"x", 1, 0), SOCKET_ERROR, WSAENOTCONN)
    fails(shutdown(s, 2), SOCKET_ERROR, WSAENOTCONN)
    c, a = pair()
    fails(shutdown(a, 7), SOCKET_ERROR, WSAEINVAL)
    assert shutdown(c, 1) == 0
    fails(send(c, b"x", 1, 0), SOCKET_ERROR, WSAESHUTDOWN)
    v = u32(SO_SEC_SSL)
    fails(setsockopt(c, SOL_SOCKET, SO_SECURE, ref(v), 4), SOCKET_ERROR, WSAEISCONN)
    # accept with a short address buffer keeps the connection queued.
    l, port = listener()
    c2 = tcp()
    assert connect(c2, sin(port), 16) == 0
    n = i32(8)
    addr = C.create_string_buffer(32)
    fails(accept(l, addr, ref(n)), INVALID_SOCKET, WSAEFAULT)
    n = i32(32)
    a2 = accept(l, addr, ref(n))
    assert a2 != INVALID_SOCKET and n.value == 16, msg()
    nb = u32(1)
    assert ioctlsocket(a2, C.c_int32(FIONBIO).value, ref(nb)) == 0
    fails(recv(a2, buf, 8, 0), SOCKET_ERROR, WSAEWOULDBLOCK)
    for h in (s, c, a, l, c2, a2):
        assert closesocket(h) == 0


def test_every_export_is_covered():
    """Every function the library exports has a bad-input case here."""
    out = subprocess.run(["nm", "-D", "--defined-only", LIB_PATH], check=True, capture_output=True, text=True).stdout
    exported = {line.split()[2] for line in out.splitlines()
                if len(line.split()) == 3 and line.split()[1] == "T" and line.split()[2].startswith("wstls_")}
    missing = sorted(exported - COVERED)
    assert not missing, f"exported functions without a bad-input case: {missing}"


def _main():
    tests = [(k, v) for k, v in globals().items() if k.startswith("test_") and callable(v)]
    # The coverage check last: the @case decorators have all run at import.
    tests.sort(key=lambda kv: kv[0] == "test_every_export_is_covered")
    failed = 0
    try:
        setup_module()
        for name, f in tests:
            try:
                f()
                print(f"ok: {name}")
            except AssertionError as e:
                failed += 1
                print(f"FAIL: {name}: {e}")
    finally:
        teardown_module()
    print(f"{len(tests) - failed} of {len(tests)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(_main())
