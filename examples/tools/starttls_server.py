#!/usr/bin/env python3
"""starttls_server.py CERT KEY [CONNECTIONS] - a STARTTLS-style peer that is not wstls (Python's
ssl module), for examples/ce_deferred_client.c: on each connection it reads "STARTTLS\\r\\n" in
clear, answers "OK STARTTLS\\r\\n", runs the TLS handshake as server, then answers each line
upper-cased until the client closes. Prints "listening on port N" first, then one line per
connection: "tls ok: <version> <n> lines, close_notify received" or "tls failed: <error>".
Exit status 0 when every connection ended with close_notify."""
import socket
import ssl
import sys


def serve(conn, ctx):
    conn.settimeout(30)
    line = b""
    while not line.endswith(b"\n"):
        b = conn.recv(1)
        if not b:
            return "failed: closed before STARTTLS"
        line += b
    if line != b"STARTTLS\r\n":
        conn.sendall(b"ERR say STARTTLS\r\n")
        return f"failed: got {line!r}"
    conn.sendall(b"OK STARTTLS\r\n")
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError) as e:
        return f"tls failed: {e}"
    lines = 0
    reader = tls.makefile("rb")
    try:
        while True:
            try:
                got = reader.readline()
            except ssl.SSLEOFError:
                return f"tls failed: {lines} lines, the client closed without close_notify"
            if not got:  # close_notify
                break
            tls.sendall(got.upper())
            lines += 1
        version = tls.version()
        try:
            tls.unwrap()
        except (ssl.SSLError, OSError):
            pass  # the client may already have closed its socket
        return f"tls ok: {version} {lines} lines, close_notify received"
    finally:
        reader.close()
        tls.close()


def main():
    cert, key = sys.argv[1:3]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    ls.settimeout(60)
    print(f"listening on port {ls.getsockname()[1]}", flush=True)
    ok = True
    for _ in range(count):
        conn, _ = ls.accept()
        result = serve(conn, ctx)
        print(result, flush=True)
        ok = ok and result.startswith("tls ok")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
