"""wstls.sspi (AcquireCredentialsHandleA, InitializeSecurityContextA, AcceptSecurityContext,
EncryptMessage, DecryptMessage, ...) against Python's ssl module on loopback. Skipped when
this libwstls has no SSPI face (no wstls_InitializeSecurityContextA)."""
import os
import re
import socket
import ssl
import subprocess
import sys
import threading

import pytest

import wstls
from wstls import sspi

from conftest import echo_until_eof, tls_client_context

pytestmark = pytest.mark.skipif(not sspi.available(),
                                reason="this libwstls has no SSPI face (wstls_InitializeSecurityContextA)")


def test_client_echo_tls13(tls_echo_server):
    peer = tls_echo_server()
    raw = socket.create_connection(("127.0.0.1", peer.port), timeout=30)
    with sspi.TlsStream.connect(raw, "localhost") as tls:
        info = tls.ctx.connection_info()
        assert info["protocol"] == sspi.SP_PROT_TLS1_3_CLIENT
        sizes = tls.ctx.stream_sizes()
        assert sizes.cbMaximumMessage == 16384 and sizes.cBuffers == 4
        payload = os.urandom(50_000)  # several records each way
        tls.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = tls.recv(len(payload) - len(got))
            assert chunk, "the server closed early"
            got += chunk
        assert got == payload
    # close() sent close_notify: the server's unwrap() completed and it saw all the data.
    result = peer.join()[0]
    assert result["data"] == payload and result["version"] == "TLSv1.3"


def test_legacy_schannel_cred_negotiates_tls12(tls_echo_server):
    peer = tls_echo_server()
    with sspi.Credentials(sch_credentials=False) as cred:
        raw = socket.create_connection(("127.0.0.1", peer.port), timeout=30)
        with sspi.TlsStream.connect(raw, "localhost", cred) as tls:
            assert tls.ctx.connection_info()["protocol"] == sspi.SP_PROT_TLS1_2_CLIENT
            tls.sendall(b"schannel cred")
            assert tls.recv(100) == b"schannel cred"
    assert peer.join()[0]["version"] == "TLSv1.2"


def test_untrusted_root(tls_echo_server, other_pki):
    peer = tls_echo_server(pki_=other_pki)
    raw = socket.create_connection(("127.0.0.1", peer.port), timeout=30)
    with pytest.raises(sspi.SSPIError) as ei:
        sspi.TlsStream.connect(raw, "localhost")
    raw.close()
    e = ei.value
    assert e.status == sspi.SEC_E_UNTRUSTED_ROOT == 0x80090325
    assert e.name == "SEC_E_UNTRUSTED_ROOT"
    assert "trusted root" in e.message and "WSTLS_CA_FILE" in e.message  # what happened, what to do
    peer.join()


def test_wrong_principal(tls_echo_server):
    peer = tls_echo_server()
    raw = socket.create_connection(("127.0.0.1", peer.port), timeout=30)
    with pytest.raises(sspi.SSPIError) as ei:
        sspi.TlsStream.connect(raw, "not-the-server.example")
    raw.close()
    assert ei.value.status == sspi.SEC_E_WRONG_PRINCIPAL
    assert "not-the-server.example" in ei.value.message
    peer.join()


def test_no_servername_check_flag(tls_echo_server):
    peer = tls_echo_server()
    with sspi.Credentials(flags=sspi.SCH_CRED_NO_SERVERNAME_CHECK) as cred:
        raw = socket.create_connection(("127.0.0.1", peer.port), timeout=30)
        with sspi.TlsStream.connect(raw, "not-the-server.example", cred) as tls:
            tls.sendall(b"no name check")
            assert tls.recv(100) == b"no name check"
    peer.join()


def test_truncation(tls_echo_server):
    def rude(conn):
        conn.sendall(conn.recv(100))
        conn.shutdown(socket.SHUT_RDWR)

    peer = tls_echo_server(handler=rude)
    raw = socket.create_connection(("127.0.0.1", peer.port), timeout=30)
    tls = sspi.TlsStream.connect(raw, "localhost")
    try:
        tls.sendall(b"x")
        assert tls.recv(1) == b"x"
        with pytest.raises(sspi.SSPIError) as ei:
            while tls.recv(100):
                pass
        assert "close_notify" in ei.value.message
    finally:
        tls.close()
    peer.join()


def test_server_context_with_python_client(pki):
    if not wstls.has("wstls_cert_context_from_pem_files"):
        pytest.skip("no wstls_cert_context_from_pem_files in this libwstls")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    seen = {}

    def client():
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            with tls_client_context(pki).wrap_socket(raw, server_hostname="localhost") as t:
                t.sendall(b"to the SSPI server")
                seen["echo"] = t.recv(100)
                seen["version"] = t.version()
                t.unwrap()

    th = threading.Thread(target=client, daemon=True)
    th.start()
    with sspi.Credentials(server=True, cert_file=pki["cert"], key_file=pki["key"]) as cred:
        conn, _ = listener.accept()
        conn.settimeout(30)
        with sspi.TlsStream.accept(conn, cred) as tls:
            assert tls.ctx.connection_info()["protocol"] == sspi.SP_PROT_TLS1_3_SERVER
            data = tls.recv(100)
            tls.sendall(data)
            assert tls.recv(100) == b""  # the client's close_notify
    th.join(30)
    listener.close()
    assert seen == {"echo": b"to the SSPI server", "version": "TLSv1.3"}


def test_invalid_handle_is_an_error():
    ctx = sspi.SecurityContext.__new__(sspi.SecurityContext)
    ctx.handle = sspi.SecHandle(12345, 678)
    ctx._sizes = None
    ctx.has_handle = False
    with pytest.raises(sspi.SSPIError) as ei:
        ctx.stream_sizes()
    assert ei.value.status == sspi.SEC_E_INVALID_HANDLE
    assert ei.value.message


def test_server_without_certificate(pki):
    """INBOUND credentials without a certificate are accepted (as on Windows); the handshake
    then fails with SEC_E_NO_CREDENTIALS and a message naming WSTLS_CERT_FILE."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def client():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
                tls_client_context(pki).wrap_socket(raw, server_hostname="localhost")
        except (OSError, ssl.SSLError):
            pass

    th = threading.Thread(target=client, daemon=True)
    th.start()
    with sspi.Credentials(server=True) as cred:
        conn, _ = listener.accept()
        conn.settimeout(30)
        with pytest.raises(sspi.SSPIError) as ei:
            sspi.TlsStream.accept(conn, cred)
        conn.close()
    th.join(30)
    listener.close()
    assert ei.value.status == sspi.SEC_E_NO_CREDENTIALS
    assert "WSTLS_CERT_FILE" in ei.value.message


def test_wstls_log_without_wsastartup():
    """A program that only uses SSPI (never WSAStartup) gets WSTLS_LOG too: the SSPI entry
    points initialise logging."""
    pydir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    prog = f"import sys; sys.path.insert(0, {pydir!r}); from wstls import sspi; sspi.Credentials().close()"
    env = dict(os.environ, WSTLS_LOG="debug")
    r = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^wstls\[INFO wstls::logging\] wstls \S+ logging at level DEBUG", r.stderr, re.M), r.stderr
