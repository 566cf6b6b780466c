#!/usr/bin/env python3
"""secure_client.py HOST PORT [MESSAGE] [--name SERVER_NAME] [--starttls]

A TLS client over wstls's Windows CE face: setsockopt(SO_SECURE), SO_SSL_SET_PEERNAME, connect
(TCP + handshake), then send/recv of plaintext. With --starttls the handshake is deferred
(SSL_FLAG_DEFER_HANDSHAKE): the client sends "STARTTLS\\r\\n" in clear, reads one line, then
runs SO_SSL_PERFORM_HANDSHAKE. Prints the negotiated protocol, the reply, and exits 0.
Trust: the system store plus WSTLS_CA_FILE. Errors print the Winsock code and wstls's message.

    WSTLS_CA_FILE=ca.pem PYTHONPATH=python python3 python/examples/secure_client.py localhost 4433 hello
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import wstls  # noqa: E402
from wstls import C  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("message", nargs="?", default="hello from wstls")
    ap.add_argument("--name", help="the name the certificate must match (default: HOST)")
    ap.add_argument("--starttls", action="store_true")
    args = ap.parse_args()
    name = args.name or args.host
    data = args.message.encode()

    try:
        with wstls.Socket(secure=True, defer_handshake=args.starttls) as s:
            s.settimeout(30)
            s.set_peer_name(name)
            s.connect((args.host, args.port))
            if args.starttls:
                s.sendall(b"STARTTLS\r\n")
                line = b""
                while not line.endswith(b"\n"):
                    chunk = s.recv(1)
                    if not chunk:
                        raise EOFError("the server closed before answering STARTTLS")
                    line += chunk
                print(f"server: {line.decode().strip()}")
                s.perform_handshake()
            info = s.session_info()
            tls13 = info["protocol"] & (C.SP_PROT_TLS1_3_CLIENT | C.SP_PROT_TLS1_3_SERVER)
            print(f"connected to {name}: {'TLS 1.3' if tls13 else 'TLS 1.2'}, cipher suite {info['cipher_suite']:#06x}")
            s.sendall(data)
            reply = s.recv_exactly(len(data))
            print(f"reply: {reply.decode(errors='replace')}")
            s.shutdown(C.SD_SEND)
            s.recv(1)  # the server's close_notify
    except wstls.WSAError as e:
        print(f"error: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
