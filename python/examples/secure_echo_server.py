#!/usr/bin/env python3
"""secure_echo_server.py [--port N] [--clients N] CERT.pem [KEY.pem]

A TLS echo server over wstls's Windows CE face, the way a CE program writes it: a socket made
secure with setsockopt(SO_SECURE, SO_SEC_SSL), its certificate given with the wstls control
code WSTLS_SO_SET_SERVER_CREDENTIALS, then bind/listen/accept; accept() returns once the TLS
handshake is done and send/recv carry plaintext.

    PYTHONPATH=python python3 python/examples/secure_echo_server.py --port 4433 server.pem server.key
    openssl s_client -connect 127.0.0.1:4433 -CAfile ca.pem
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import wstls  # noqa: E402
from wstls import C  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cert")
    ap.add_argument("key", nargs="?")
    ap.add_argument("--port", type=int, default=4433, help="0 picks a free port (printed)")
    ap.add_argument("--clients", type=int, default=1)
    args = ap.parse_args()

    with wstls.Socket(secure=True) as ls:
        ls.set_server_credentials(args.cert, args.key)
        ls.bind(("127.0.0.1", args.port))
        ls.listen()
        print(f"listening on port {ls.getsockname()[1]}", flush=True)
        failures = 0
        for _ in range(args.clients):
            try:
                conn, addr = ls.accept()
            except wstls.WSAError as e:  # e.g. the client refused our certificate
                print(f"accept failed: {e}", flush=True)
                failures += 1
                continue
            with conn:
                info = conn.session_info()
                tls13 = info["protocol"] & (C.SP_PROT_TLS1_3_SERVER | C.SP_PROT_TLS1_3_CLIENT)
                print(f"client {addr[0]}:{addr[1]}: {'TLS 1.3' if tls13 else 'TLS 1.2'}, "
                      f"cipher suite {info['cipher_suite']:#06x}", flush=True)
                total = 0
                try:
                    while True:
                        data = conn.recv(16384)
                        if not data:  # close_notify
                            break
                        conn.sendall(data)
                        total += len(data)
                    conn.shutdown(C.SD_SEND)  # our close_notify
                except wstls.WSAError as e:
                    print(f"connection failed: {e}", flush=True)
                    failures += 1
                    continue
                print(f"echoed {total} bytes", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
