"""The Python examples (python/examples/) run as programs against real peers: Python's ssl
module and openssl s_server."""
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading

import pytest

import wstls
from wstls import C, sspi

from conftest import tls_client_context

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def example(name):
    return [sys.executable, os.path.join(EXAMPLES, name)]


def has_ce_peer_name():
    with wstls.Socket(secure=True) as s:
        try:
            s.set_peer_name("localhost")
            return True
        except wstls.WSAError as e:
            if e.code == C.WSAEOPNOTSUPP:
                return False
            raise


def test_secure_echo_server_example(pki):
    child = subprocess.Popen(example("secure_echo_server.py") + ["--port", "0", "--clients", "2", pki["cert"],
                                                                pki["key"]],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(re.match(r"listening on port (\d+)", child.stdout.readline()).group(1))
        for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            ctx = tls_client_context(pki)
            ctx.maximum_version = version
            with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as t:
                    t.sendall(b"example")
                    assert t.recv(100) == b"example"
                    t.unwrap()
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, out + err
    assert re.search(r"^client 127\.0\.0\.1:\d+: TLS 1\.3, cipher suite 0x13", out, re.M), out
    assert re.search(r"^client 127\.0\.0\.1:\d+: TLS 1\.2, cipher suite 0xc0", out, re.M), out
    assert out.count("echoed 7 bytes") == 2


def test_secure_client_example(tls_echo_server):
    if not has_ce_peer_name():
        pytest.skip("this libwstls has no SO_SSL_SET_PEERNAME yet")
    peer = tls_echo_server()
    r = subprocess.run(example("secure_client.py") + ["localhost", str(peer.port), "hi there"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "connected to localhost: TLS 1.3" in r.stdout
    assert "reply: hi there" in r.stdout
    assert peer.join()[0]["data"] == b"hi there"


def test_secure_client_example_reports_untrusted_server(tls_echo_server, other_pki):
    if not has_ce_peer_name():
        pytest.skip("this libwstls has no SO_SSL_SET_PEERNAME yet")
    peer = tls_echo_server(pki_=other_pki)
    r = subprocess.run(example("secure_client.py") + ["localhost", str(peer.port)],
                       capture_output=True, text=True, timeout=60)
    peer.join()
    assert r.returncode == 1
    assert re.search(r"error: .*WSAECONNABORTED \(10053\): .*trusted root.*WSTLS_CA_FILE", r.stdout), r.stdout


def test_secure_client_example_starttls(pki):
    if not has_ce_peer_name():
        pytest.skip("this libwstls has no CE deferred handshake yet")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["cert"], pki["key"])

    def server():
        c, _ = listener.accept()
        c.settimeout(30)
        assert c.recv(100) == b"STARTTLS\r\n"
        c.sendall(b"220 go ahead\r\n")
        t = ctx.wrap_socket(c, server_side=True)
        t.sendall(t.recv(100))
        t.unwrap()
        t.close()

    th = threading.Thread(target=server, daemon=True)
    th.start()
    r = subprocess.run(example("secure_client.py") + ["localhost", str(port), "after starttls", "--starttls"],
                       capture_output=True, text=True, timeout=60)
    th.join(30)
    listener.close()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "server: 220 go ahead" in r.stdout
    assert "reply: after starttls" in r.stdout


@pytest.mark.skipif(not sspi.available(), reason="this libwstls has no SSPI face")
@pytest.mark.skipif(not shutil.which("openssl"), reason="no openssl CLI")
def test_sspi_https_get_example_against_openssl_s_server(pki):
    server = subprocess.Popen(["openssl", "s_server", "-accept", "0", "-cert", pki["cert"], "-key", pki["key"],
                               "-www", "-naccept", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        for line in server.stdout:
            m = re.match(r"ACCEPT .*:(\d+)$", line.strip())
            if m:
                port = int(m.group(1))
                break
        assert port, "openssl s_server did not start"
        r = subprocess.run(example("sspi_https_get.py") + ["localhost", str(port)],
                           capture_output=True, text=True, timeout=60)
    finally:
        server.kill()
        server.wait()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "connected: TLS 1.3" in r.stdout
    assert re.search(r"^HTTP/1\.0 200 ok", r.stdout, re.M), r.stdout
