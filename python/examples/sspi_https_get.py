#!/usr/bin/env python3
"""sspi_https_get.py HOST PORT [PATH] [--name SERVER_NAME]

An HTTPS GET the way curl's Schannel backend does it, over wstls's SSPI face: a plain TCP
socket, AcquireCredentialsHandleA (SCH_CREDENTIALS), the InitializeSecurityContextA loop,
EncryptMessage/DecryptMessage for the request and the response, then SCHANNEL_SHUTDOWN and
close_notify. Prints the negotiated protocol and the response's status line and headers.

    WSTLS_CA_FILE=ca.pem PYTHONPATH=python python3 python/examples/sspi_https_get.py localhost 4433
"""
import argparse
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wstls import sspi  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("path", nargs="?", default="/")
    ap.add_argument("--name", help="the name the certificate must match (default: HOST)")
    args = ap.parse_args()
    if not sspi.available():
        print("error: this libwstls has no SSPI face")
        return 2

    raw = socket.create_connection((args.host, args.port), timeout=30)
    try:
        with sspi.Credentials() as cred, sspi.TlsStream.connect(raw, args.name or args.host, cred) as tls:
            proto = tls.ctx.connection_info()["protocol"]
            print(f"connected: {'TLS 1.3' if proto & 0x3000 else 'TLS 1.2'}")
            tls.sendall(f"GET {args.path} HTTP/1.0\r\nHost: {args.host}\r\n\r\n".encode())
            response = b""
            while True:
                chunk = tls.recv(16384)
                if not chunk:  # the server's close_notify
                    break
                response += chunk
        head = response.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
        print(head)
        print(f"({len(response)} bytes)")
    except sspi.SSPIError as e:
        print(f"error: {e}")
        return 1
    finally:
        raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
