"""wstls.Socket against real peers on loopback: plain Winsock, CE secure sockets (SO_SECURE,
SO_SSL_*), wstls's control codes, errors with their Windows codes and messages."""
import os
import re
import socket
import ssl
import subprocess
import sys
import threading

import pytest

import wstls
from wstls import C, WSAError

from conftest import echo_until_eof, tls_client_context

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def ce_or_skip(fn, *args):
    """Calls a CE control code; skips the test when this libwstls does not have it yet
    (WSAIoctl fails with WSAEOPNOTSUPP)."""
    try:
        return fn(*args)
    except WSAError as e:
        if e.code == C.WSAEOPNOTSUPP:
            pytest.skip(f"this libwstls lacks the CE control code: {e.message}")
        raise


def connect_secure(s, port, name="localhost"):
    """SO_SSL_SET_PEERNAME, then connect: the way a CE client names the server it expects.
    Skips the test when this libwstls has no SO_SSL_SET_PEERNAME yet (wstls then refuses a
    secure client connection with no name and no hook)."""
    ce_or_skip(s.set_peer_name, name)
    s.connect(("127.0.0.1", port))


def test_version_matches_cargo_toml():
    with open(os.path.join(REPO, "Cargo.toml")) as f:
        cargo = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
    assert wstls.version() == cargo


def test_plain_echo(plain_echo_server):
    peer = plain_echo_server()
    with wstls.Socket() as s:
        s.connect(("127.0.0.1", peer.port))
        assert s.getpeername() == ("127.0.0.1", peer.port)
        assert s.getsockname()[0] == "127.0.0.1"
        assert not s.is_secure()
        s.sendall(b"plain winsock")
        assert s.recv_exactly(13) == b"plain winsock"
        s.shutdown(C.SD_SEND)
        assert s.recv(10) == b""
    assert peer.join()[0]["data"] == b"plain winsock"


def test_plain_ipv6_echo(plain_echo_server):
    listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        listener.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve():
        c, _ = listener.accept()
        c.sendall(c.recv(100))
        c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    with wstls.Socket(C.AF_INET6) as s:
        s.connect(("::1", port))
        assert s.getpeername() == ("::1", port)
        s.sendall(b"v6")
        assert s.recv_exactly(2) == b"v6"
    t.join(10)
    listener.close()


def test_connection_refused_has_code_and_message():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with wstls.Socket() as s:
        with pytest.raises(WSAError) as ei:
            s.connect(("127.0.0.1", port))
    e = ei.value
    assert e.code == C.WSAECONNREFUSED == 10061
    assert e.name == "WSAECONNREFUSED"
    assert e.function == "connect"
    assert "refused" in e.message.lower()
    assert "nothing is listening" in e.message  # and what to check
    assert wstls.last_error_message() == e.message


def test_address_in_use_says_what_to_do():
    with wstls.Socket() as a, wstls.Socket() as b:
        a.bind(("127.0.0.1", 0))
        a.listen()
        with pytest.raises(WSAError) as ei:
            b.bind(("127.0.0.1", a.getsockname()[1]))
    assert ei.value.code == C.WSAEADDRINUSE
    assert "pick another port" in ei.value.message


def test_closed_socket_is_not_a_socket():
    s = wstls.Socket()
    h = s.fileno()
    s.close()
    assert s.closed and s.fileno() == -1
    # The stale handle itself: WSAENOTSOCK with a message naming it.
    stale = wstls.Socket(_handle=h)
    with pytest.raises(WSAError) as ei:
        stale.send(b"x")
    assert ei.value.code == C.WSAENOTSOCK
    assert hex(h) in ei.value.message
    stale._h = None


def test_recv_timeout_is_wsaetimedout(plain_echo_server):
    peer = plain_echo_server(handler=lambda c: c.recv(10))
    with wstls.Socket() as s:
        s.connect(("127.0.0.1", peer.port))
        s.settimeout(0.2)
        assert s.getsockopt(C.SOL_SOCKET, C.SO_RCVTIMEO) == 200
        with pytest.raises(WSAError) as ei:
            s.recv(10)
        assert ei.value.code == C.WSAETIMEDOUT
        s.sendall(b"bye")
    peer.join()


def test_nonblocking_recv_would_block(plain_echo_server):
    peer = plain_echo_server(handler=lambda c: c.recv(10))
    with wstls.Socket() as s:
        s.connect(("127.0.0.1", peer.port))
        s.setblocking(False)
        with pytest.raises(WSAError) as ei:
            s.recv(10)
        assert ei.value.code == C.WSAEWOULDBLOCK
        s.setblocking(True)
        s.sendall(b"bye")
    peer.join()


def test_secure_echo_against_python_ssl(tls_echo_server, pki):
    peer = tls_echo_server()
    with wstls.Socket(secure=True) as s:
        assert s.is_secure()
        connect_secure(s, peer.port)  # TCP + TLS handshake: chain and name checked
        info = s.session_info()
        assert info["protocol"] == C.SP_PROT_TLS1_3_CLIENT
        assert info["cipher_suite"] in (0x1301, 0x1302, 0x1303)
        assert info["resumed"] == 0
        payload = os.urandom(100_000)
        s.sendall(payload)
        assert s.recv_exactly(len(payload)) == payload
        s.shutdown(C.SD_SEND)  # close_notify; the peer answers with its own
        assert s.recv(10) == b""
        assert s.session_info()["peer_closed"] == 1
    result = peer.join()[0]
    assert result["data"] == payload
    assert result["version"] == "TLSv1.3"


def test_secure_tls12_only_server(tls_echo_server):
    peer = tls_echo_server(maximum=ssl.TLSVersion.TLSv1_2)
    with wstls.Socket(secure=True) as s:
        connect_secure(s, peer.port)
        info = s.session_info()
        assert info["protocol"] == C.SP_PROT_TLS1_2_CLIENT
        assert info["cipher_suite"] >> 8 == 0xC0  # an ECDHE suite
        s.sendall(b"tls12")
        assert s.recv_exactly(5) == b"tls12"
        s.shutdown(C.SD_SEND)
        assert s.recv(1) == b""
    assert peer.join()[0]["version"] == "TLSv1.2"


def test_peer_certificate_and_verify_result(tls_echo_server, pki):
    peer = tls_echo_server()
    with open(pki["cert"]) as f:
        expected = ssl.PEM_cert_to_DER_cert(f.read())
    with wstls.Socket(secure=True) as s:
        connect_secure(s, peer.port)
        assert s.peer_certificate(0) == expected
        vr = s.verify_result()
        assert vr["has_peer_certificate"] == 1
        assert vr["chain_trusted"] == 1
        assert vr["accepted"] == 1
        assert vr["name_matched"] == 1
        with pytest.raises(WSAError):
            s.peer_certificate(5)  # Python's server sends the leaf only
        s.shutdown(C.SD_SEND)
        s.recv(1)
    peer.join()


def test_untrusted_server_is_refused(tls_echo_server, other_pki):
    peer = tls_echo_server(pki_=other_pki)
    with wstls.Socket(secure=True) as s:
        with pytest.raises(WSAError) as ei:
            connect_secure(s, peer.port)
    e = ei.value
    assert e.code == C.WSAECONNABORTED
    assert "trusted root" in e.message and "WSTLS_CA_FILE" in e.message
    peer.join()
    assert peer.errors and isinstance(peer.errors[0], ssl.SSLError)  # the server saw our alert


def test_truncation_is_reported(tls_echo_server):
    def rude(conn):  # answers once, then closes TCP without close_notify
        conn.sendall(conn.recv(100))
        conn.shutdown(socket.SHUT_RDWR)

    peer = tls_echo_server(handler=rude)
    with wstls.Socket(secure=True) as s:
        connect_secure(s, peer.port)
        s.sendall(b"x")
        assert s.recv_exactly(1) == b"x"
        with pytest.raises(WSAError) as ei:
            while s.recv(100):
                pass
        assert ei.value.code == C.WSAECONNRESET
        assert "close_notify" in ei.value.message
    peer.join()


def test_client_certificate(tls_echo_server, pki):
    peer = tls_echo_server(require_client_cert=True)
    with open(pki["client_cert"]) as f:
        client_der = ssl.PEM_cert_to_DER_cert(f.read())
    with wstls.Socket(secure=True) as s:
        s.set_client_credentials(pki["client_cert"], pki["client_key"])
        connect_secure(s, peer.port)
        s.sendall(b"mutual")
        assert s.recv_exactly(6) == b"mutual"
        s.shutdown(C.SD_SEND)
        s.recv(1)
    assert peer.join()[0]["client_cert"] == client_der


def test_secure_server_with_python_client(pki):
    with wstls.Socket(secure=True) as ls:
        ls.set_server_credentials(pki["cert"], pki["key"])
        ls.bind(("127.0.0.1", 0))
        ls.listen()
        port = ls.getsockname()[1]
        seen = {}

        def client():
            ctx = tls_client_context(pki)
            with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as t:
                    t.sendall(b"to the wstls server")
                    seen["echo"] = t.recv(100)
                    seen["version"] = t.version()
                    t.unwrap()

        th = threading.Thread(target=client, daemon=True)
        th.start()
        conn, addr = ls.accept()  # handshake done here
        with conn:
            assert addr[0] == "127.0.0.1"
            assert conn.session_info()["protocol"] == C.SP_PROT_TLS1_3_SERVER
            data = conn.recv(100)
            conn.sendall(data)
            assert conn.recv(100) == b""  # the client's close_notify
            conn.shutdown(C.SD_SEND)
        th.join(30)
    assert seen == {"echo": b"to the wstls server", "version": "TLSv1.3"}


def test_server_without_certificate_says_what_to_do(pki):
    with wstls.Socket(secure=True) as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen()
        port = ls.getsockname()[1]

        def client():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
                    tls_client_context(pki).wrap_socket(raw, server_hostname="localhost")
            except (OSError, ssl.SSLError):
                pass

        th = threading.Thread(target=client, daemon=True)
        th.start()
        with pytest.raises(WSAError) as ei:
            ls.accept()
        th.join(30)
    assert ei.value.code == C.WSAECONNABORTED
    assert "WSTLS_CERT_FILE" in ei.value.message
    assert "WSTLS_SO_SET_SERVER_CREDENTIALS" in ei.value.message


def test_setting_credentials_on_a_plain_socket_fails(pki):
    with wstls.Socket() as s:
        with pytest.raises(WSAError) as ei:
            s.set_server_credentials(pki["cert"], pki["key"])
    assert ei.value.code == C.WSAEINVAL
    assert "SO_SECURE" in ei.value.message


def test_default_server_credentials_with_a_missing_file_fail(tmp_path):
    missing = str(tmp_path / "no-such-cert.pem")
    with pytest.raises(WSAError) as ei:
        wstls.set_default_server_credentials(missing)
    assert "no-such-cert.pem" in ei.value.message
    assert ei.value.function == "wstls_set_default_server_credentials"


DEFAULTS_PROGRAM = r"""
import sys
sys.path.insert(0, {pydir!r})
import wstls
from wstls import C
wstls.set_default_server_credentials({cert!r}, {key!r})
with wstls.Socket(secure=True) as ls:     # no per-socket certificate: the process default
    ls.set_verify_mode(C.WSTLS_VERIFY_PEER | C.WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT)
    ls.bind(("127.0.0.1", 0))
    ls.listen()
    print(ls.getsockname()[1], flush=True)
    try:
        ls.accept()
        print("accepted a client without a certificate", flush=True)
    except wstls.WSAError as e:
        print("refused:", e.code, e.message, flush=True)
    conn, _ = ls.accept()
    with conn:
        der = conn.peer_certificate(0)
        print("client certificate:", len(der), "bytes", flush=True)
        conn.sendall(conn.recv(100))
        conn.recv(100)
        conn.shutdown(C.SD_SEND)
"""


def test_default_server_credentials_and_required_client_certificate(pki):
    """In a child process (process-wide defaults): wstls_set_default_server_credentials, and
    WSTLS_SO_SET_VERIFY_MODE requiring a client certificate, against Python ssl clients."""
    prog = DEFAULTS_PROGRAM.format(pydir=os.path.join(REPO, "python"), cert=pki["cert"], key=pki["key"])
    child = subprocess.Popen([sys.executable, "-c", prog], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(child.stdout.readline())
        # 1. no client certificate: the server refuses the handshake.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            with pytest.raises((ssl.SSLError, OSError)):
                t = tls_client_context(pki).wrap_socket(raw, server_hostname="localhost")
                t.recv(1)  # TLS 1.3: the refusal arrives after the client's handshake
        # 2. with one: accepted, and the server reads it.
        ctx = tls_client_context(pki)
        ctx.load_cert_chain(pki["client_cert"], pki["client_key"])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as t:
                t.sendall(b"with cert")
                assert t.recv(100) == b"with cert"
                t.unwrap()
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, out + err
    assert re.search(r"^refused: 10053 .*certificate", out, re.M), out
    assert re.search(r"^client certificate: \d+ bytes", out, re.M), out


# ---- CE control codes (implemented in the CE branch; skipped until this libwstls has them) ----

def test_ce_peer_name_mismatch(tls_echo_server):
    peer = tls_echo_server()
    with wstls.Socket(secure=True) as s:
        ce_or_skip(s.set_peer_name, "not-the-server.example")
        with pytest.raises(WSAError) as ei:
            s.connect(("127.0.0.1", peer.port))
        assert ei.value.code == C.WSAECONNABORTED
        assert "not-the-server.example" in ei.value.message
    peer.join()


def test_ce_deferred_handshake_starttls(pki):
    """STARTTLS-style: plain TCP first, then SO_SSL_PERFORM_HANDSHAKE."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["cert"], pki["key"])
    out = {}

    def server():
        try:
            c, _ = listener.accept()
        except OSError:  # the test was skipped and closed the listener
            return
        c.settimeout(30)
        line = c.recv(100)
        out["plain"] = line
        if line != b"STARTTLS\r\n":
            c.close()
            return
        c.sendall(b"OK\r\n")
        t = ctx.wrap_socket(c, server_side=True)
        out["secret"] = t.recv(100)
        t.sendall(b"secret received")
        t.unwrap()
        t.close()

    th = threading.Thread(target=server, daemon=True)
    th.start()
    try:
        s = ce_or_skip(wstls.Socket, C.AF_INET, C.SOCK_STREAM, 0)
        with s:
            s.setsockopt(C.SOL_SOCKET, C.SO_SECURE, C.SO_SEC_SSL)
            ce_or_skip(s.set_flags, C.SSL_FLAG_DEFER_HANDSHAKE)
            s.connect(("127.0.0.1", port))  # plain TCP only
            s.sendall(b"STARTTLS\r\n")
            assert s.recv_exactly(4) == b"OK\r\n"
            s.perform_handshake("localhost")
            s.sendall(b"the secret")
            assert s.recv_exactly(15) == b"secret received"
            s.shutdown(C.SD_SEND)
            assert s.recv(1) == b""
    finally:
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the server thread if it still waits
        except OSError:
            pass
        listener.close()
        th.join(30)
    assert out == {"plain": b"STARTTLS\r\n", "secret": b"the secret"}


def test_ce_validate_hook_sees_leaf_and_decides(tls_echo_server, other_pki, pki):
    peer = tls_echo_server(pki_=other_pki, connections=2)
    with open(other_pki["cert"]) as f:
        expected = ssl.PEM_cert_to_DER_cert(f.read())
    calls = []

    def accept_anyway(der, flags):
        calls.append((der, flags))
        return C.SSL_ERR_OKAY

    with wstls.Socket(secure=True) as s:
        ce_or_skip(s.set_validate_cert_hook, accept_anyway)
        s.connect(("127.0.0.1", peer.port))
        s.sendall(b"hooked")
        assert s.recv_exactly(6) == b"hooked"
        s.shutdown(C.SD_SEND)
        s.recv(1)
    assert calls == [(expected, C.SSL_CERT_FLAG_ISSUER_UNKNOWN)]

    def refuse(der, flags):
        raise RuntimeError("refused by the test hook")

    with wstls.Socket(secure=True) as s:
        s.set_validate_cert_hook(refuse)
        with pytest.raises(RuntimeError, match="refused by the test hook"):
            s.connect(("127.0.0.1", peer.port))
    peer.join()


def test_ce_connection_info(tls_echo_server):
    peer = tls_echo_server()
    with wstls.Socket(secure=True) as s:
        connect_secure(s, peer.port)
        info = ce_or_skip(s.connection_info)
        assert info["protocol"] == C.SP_PROT_TLS1_3_CLIENT
        assert info["cipher"] in (0x660E, 0x6610, 0x6680)  # AES-128, AES-256, wstls ChaCha20
        s.shutdown(C.SD_SEND)
        s.recv(1)
    peer.join()


# ---- logging ----

LOG_PROGRAM = r"""
import sys
sys.path.insert(0, {pydir!r})
import wstls
with wstls.Socket(secure=True) as ls:
    ls.set_server_credentials({cert!r}, {key!r})
    ls.bind(("127.0.0.1", 0))
    ls.listen()
    print(ls.getsockname()[1], flush=True)
    conn, _ = ls.accept()
    with conn:
        conn.sendall(conn.recv(100))
        conn.recv(100)
        conn.shutdown(wstls.C.SD_SEND)
"""


@pytest.mark.parametrize("level", [None, "debug"])
def test_wstls_log(pki, level):
    """A wstls TLS server in a child process, with and without WSTLS_LOG=debug: its stderr
    has wstls's and rustls's records, or nothing."""
    env = dict(os.environ)
    env.pop("WSTLS_LOG", None)
    if level:
        env["WSTLS_LOG"] = level
    prog = LOG_PROGRAM.format(pydir=os.path.join(REPO, "python"), cert=pki["cert"], key=pki["key"])
    child = subprocess.Popen([sys.executable, "-c", prog], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        port = int(child.stdout.readline())
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            with tls_client_context(pki).wrap_socket(raw, server_hostname="localhost") as t:
                t.sendall(b"log")
                assert t.recv(3) == b"log"
                t.unwrap()
        _out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    if level is None:
        assert "wstls[" not in err
        assert err == ""
    else:
        assert re.search(r"^wstls\[INFO wstls::logging\] wstls \S+ logging at level DEBUG", err, re.M), err
        assert re.search(r"^wstls\[DEBUG rustls::", err, re.M), err
        assert re.search(r"^wstls\[DEBUG wstls::", err, re.M), err
        assert "TRACE" not in err


def test_bad_wstls_log_value_is_reported(plain_echo_server):
    env = dict(os.environ, WSTLS_LOG="loud")
    prog = f"import sys; sys.path.insert(0, {os.path.join(REPO, 'python')!r}); import wstls; wstls.Socket().close()"
    r = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert 'WSTLS_LOG="loud" is not a log level' in r.stderr
