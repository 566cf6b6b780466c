"""Fixtures for the wstls Python tests: a test PKI made at run time (the `cryptography`
package if installed, else the openssl CLI) and real TLS peers on loopback (Python's ssl
module), on ports chosen by the system.

WSTLS_CA_FILE is set to the test CA before any test runs: libwstls reads it when it first
needs its trust roots, so every TLS test in this process trusts that CA (and only the
"other" CA's server is untrusted)."""
import datetime
import ipaddress
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # python/ on the path: `import wstls`


# ---------------------------------------------------------------- PKI

def _pki_cryptography(d, name):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def key():
        return ec.generate_private_key(ec.SECP256R1())

    def write_key(k, path):
        with open(path, "wb") as f:
            f.write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))

    def write_cert(c, path):
        with open(path, "wb") as f:
            f.write(c.public_bytes(serialization.Encoding.PEM))

    ca_key = key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"wstls python test CA {name}")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    write_cert(ca, os.path.join(d, "ca.pem"))

    def leaf(stem, cn, sans, eku):
        k = key()
        b = (x509.CertificateBuilder()
             .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])).issuer_name(ca_name)
             .public_key(k.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.ExtendedKeyUsage([eku]), critical=False))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        c = b.sign(ca_key, hashes.SHA256())
        write_cert(c, os.path.join(d, f"{stem}.pem"))
        write_key(k, os.path.join(d, f"{stem}.key"))

    leaf("server", "localhost", [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
         ExtendedKeyUsageOID.SERVER_AUTH)
    leaf("client", "wstls python test client", None, ExtendedKeyUsageOID.CLIENT_AUTH)


def _pki_openssl(d, name):
    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
        "-out", "ca.pem", "-subj", f"/CN=wstls python test CA {name}", "-days", "2",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def leaf(stem, subj, ext):
        run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{stem}.key",
            "-out", f"{stem}.csr", "-subj", subj)
        with open(os.path.join(d, f"{stem}.ext"), "w") as f:
            f.write(ext)
        run("x509", "-req", "-in", f"{stem}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
            str(int.from_bytes(os.urandom(8), "big")), "-days", "2", "-out", f"{stem}.pem", "-extfile", f"{stem}.ext")

    leaf("server", "/CN=localhost", "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n"
         "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    leaf("client", "/CN=wstls python test client", "basicConstraints=critical,CA:FALSE\n"
         "extendedKeyUsage=clientAuth\n")


def make_pki(d, name):
    os.makedirs(d, exist_ok=True)
    try:
        import cryptography  # noqa: F401
        _pki_cryptography(d, name)
    except ImportError:
        if not shutil.which("openssl"):
            pytest.skip("neither the cryptography package nor the openssl CLI is available to make certificates")
        _pki_openssl(d, name)
    return {k: os.path.join(d, f) for k, f in (
        ("ca", "ca.pem"), ("cert", "server.pem"), ("key", "server.key"),
        ("client_cert", "client.pem"), ("client_key", "client.key"))}


_TMP = tempfile.mkdtemp(prefix="wstls-pytest-")
PKI = make_pki(os.path.join(_TMP, "trusted"), "trusted")
OTHER_PKI = make_pki(os.path.join(_TMP, "other"), "other")  # a CA nobody trusts
os.environ["WSTLS_CA_FILE"] = PKI["ca"]
os.environ.pop("WSTLS_CERT_FILE", None)
os.environ.pop("WSTLS_KEY_FILE", None)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def pki():
    return PKI


@pytest.fixture(scope="session")
def other_pki():
    return OTHER_PKI


# ---------------------------------------------------------------- peers

class Peer:
    """A loopback server thread; `results` collects what each connection saw."""

    def __init__(self, handler, tls_context=None, connections=1):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(30)
        self.port = self.listener.getsockname()[1]
        self.ctx = tls_context
        self.handler = handler
        self.connections = connections
        self.results = []
        self.errors = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        for _ in range(self.connections):
            try:
                conn, _addr = self.listener.accept()
            except OSError as e:
                self.errors.append(e)
                return
            conn.settimeout(30)
            try:
                if self.ctx is not None:
                    conn = self.ctx.wrap_socket(conn, server_side=True)
                self.results.append(self.handler(conn))
            except Exception as e:  # recorded; the test asserts on it
                self.errors.append(e)
            finally:
                try:
                    conn.close()
                except OSError:
                    pass

    def join(self):
        self.thread.join(30)
        self.listener.close()
        assert not self.thread.is_alive(), "the peer thread did not finish"
        return self.results


def _stop(peer):
    """Wakes a peer thread still blocked in accept (a skipped test) and closes its listener."""
    try:
        peer.listener.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    peer.listener.close()


def echo_until_eof(conn):
    """Echoes until the client closes; a TLS peer answers close_notify (unwrap)."""
    total = b""
    while True:
        data = conn.recv(65536)
        if not data:
            break
        total += data
        conn.sendall(data)
    info = {"data": total}
    if isinstance(conn, ssl.SSLSocket):
        info["version"] = conn.version()
        info["cipher"] = conn.cipher()[0]
        info["client_cert"] = conn.getpeercert(binary_form=True)
        conn.unwrap()
    return info


def tls_server_context(pki, *, maximum=None, require_client_cert=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["cert"], pki["key"])
    if maximum is not None:
        ctx.maximum_version = maximum
    if require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(pki["ca"])
    return ctx


@pytest.fixture
def tls_echo_server(pki):
    """Factory: tls_echo_server(handler=echo_until_eof, connections=1, maximum=None,
    require_client_cert=False, pki=None) -> Peer (Python ssl, our test CA's leaf)."""
    peers = []

    def make(handler=echo_until_eof, connections=1, maximum=None, require_client_cert=False, pki_=None):
        ctx = tls_server_context(pki_ or pki, maximum=maximum, require_client_cert=require_client_cert)
        p = Peer(handler, ctx, connections)
        peers.append(p)
        return p

    yield make
    for p in peers:
        _stop(p)


@pytest.fixture
def plain_echo_server():
    peers = []

    def make(handler=echo_until_eof, connections=1):
        p = Peer(handler, None, connections)
        peers.append(p)
        return p

    yield make
    for p in peers:
        _stop(p)


def tls_client_context(pki):
    ctx = ssl.create_default_context(cafile=pki["ca"])
    return ctx
