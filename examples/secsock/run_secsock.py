#!/usr/bin/env python3
"""Runs the Secure Socket Extensions example pair (examples/secsock/secsock_client.c and
secsock_server.c, Microsoft's "Using Secure Socket Extensions" sequences) against each
other on 127.0.0.1, with a CA and a server certificate generated now with the openssl CLI.

Usage: run_secsock.py <secsock_client> <secsock_server> [case ...]
Cases (default: all): named, wrong-name, no-name, allow-insecure, insecure-refused.
Exit status 0 when every case passed; each failure is printed.
"""
import os
import socket
import subprocess
import sys
import tempfile

TIMEOUT = 60


def make_pki(d):
    def run(*args):
        subprocess.run(args, cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=wstls secsock examples CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=server.test/O=wstls examples")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nsubjectAltName=DNS:server.test\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")


class Server:
    def __init__(self, exe, d, clients, *extra):
        env = dict(os.environ, WSTLS_CERT_FILE=os.path.join(d, "server.pem"),
                   WSTLS_KEY_FILE=os.path.join(d, "server.key"))
        self.p = subprocess.Popen([exe, "0", str(clients), *extra], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        self.lines = []
        line = self.p.stdout.readline()
        self.lines.append(line)
        if "listening on port" not in line:
            raise AssertionError(f"server did not start: {line!r} {self.p.stdout.read()}")
        self.port = int(line.split()[-1])

    def finish(self):
        out, _ = self.p.communicate(timeout=TIMEOUT)
        self.lines.append(out)
        return self.p.returncode, "".join(self.lines)


def client(exe, d, port, name, message="hello over secure sockets"):
    env = dict(os.environ, WSTLS_CA_FILE=os.path.join(d, "ca.pem"))
    r = subprocess.run([exe, "127.0.0.1", str(port), name, message], env=env, capture_output=True,
                       text=True, timeout=TIMEOUT)
    return r.returncode, r.stdout + r.stderr


def check(cond, what, *logs):
    if not cond:
        raise AssertionError(what + "\n" + "\n".join(logs))


def case_named(cli, srv, d):
    s = Server(srv, d, 1)
    rc, out = client(cli, d, s.port, "server.test")
    check(rc == 0, f"client exit {rc}", out)
    check("flags 0x3 (secured, encrypted)" in out, "client not secured", out)
    check("CN=server.test" in out, "no server subject", out)
    check('received "HELLO OVER SECURE SOCKETS"' in out, "wrong reply", out)
    src, sout = s.finish()
    check(src == 0, f"server exit {src}", sout)
    check("flags 0x3 (secured)" in sout and "WSAEOPNOTSUPP" in sout, "server log", sout)


def case_wrong_name(cli, srv, d):
    # The wrong name fails; the server drops that connection and serves the next client.
    s = Server(srv, d, 2)
    rc, out = client(cli, d, s.port, "wrong.test")
    check(rc == 2 and "connect returned error 10053" in out, f"wrong name: client exit {rc}", out)
    rc, out = client(cli, d, s.port, "server.test", "second")
    check(rc == 0 and 'received "SECOND"' in out, f"second client exit {rc}", out)
    src, sout = s.finish()
    check(src == 0 and "a connection was dropped" in sout, f"server exit {src}", sout)


def case_no_name(cli, srv, d):
    s = Server(srv, d, 1)
    rc, out = client(cli, d, s.port, "-")
    check(rc == 2 and "WSASetSocketPeerTargetName" in out, f"no name: client exit {rc}", out)
    src, sout = s.finish()
    check(src == 0 and "a connection was dropped" in sout, f"server exit {src}", sout)


def plain_exchange(port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as c:
        c.sendall(data)
        got = b""
        try:
            while len(got) < len(data):
                b = c.recv(4096)
                if not b:
                    break
                got += b
        except OSError:
            pass
        return got


def case_allow_insecure(cli, srv, d):
    s = Server(srv, d, 2, "allow-insecure")
    got = plain_exchange(s.port, b"plain text")
    check(got == b"PLAIN TEXT", f"plaintext client got {got!r}")
    rc, out = client(cli, d, s.port, "server.test")
    check(rc == 0 and "flags 0x3" in out, f"secure client exit {rc}", out)
    src, sout = s.finish()
    check(src == 0 and "flags 0x0 (in clear)" in sout and "flags 0x3 (secured)" in sout, f"server exit {src}", sout)


def case_insecure_refused(cli, srv, d):
    s = Server(srv, d, 1)
    got = plain_exchange(s.port, b"plain text")
    check(b"PLAIN" not in got, f"a plaintext client was served: {got!r}")
    src, sout = s.finish()
    check(src == 0 and "a connection was dropped" in sout, f"server exit {src}", sout)


CASES = {
    "named": case_named,
    "wrong-name": case_wrong_name,
    "no-name": case_no_name,
    "allow-insecure": case_allow_insecure,
    "insecure-refused": case_insecure_refused,
}


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cli, srv = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    names = sys.argv[3:] or list(CASES)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="wstls-secsock-") as d:
        make_pki(d)
        for n in names:
            try:
                CASES[n](cli, srv, d)
                print(f"ok   {n}")
            except Exception as e:  # noqa: BLE001 - report every failure
                failed += 1
                print(f"FAIL {n}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
