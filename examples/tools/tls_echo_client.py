#!/usr/bin/env python3
"""tls_echo_client.py HOST PORT CAFILE SERVER_NAME MESSAGE - a peer that is not wstls: Python's
ssl module connects, verifies the server against CAFILE and SERVER_NAME, sends MESSAGE, reads
it back, then closes with close_notify and waits for the server's close_notify (unwrap).
Prints "echo ok: <protocol> <cipher>" and exits 0, or prints the error and exits 1."""
import socket
import ssl
import sys


def main():
    host, port, cafile, name, message = sys.argv[1:6]
    data = message.encode()
    ctx = ssl.create_default_context(cafile=cafile)
    try:
        with socket.create_connection((host, int(port)), timeout=30) as raw:
            tls = ctx.wrap_socket(raw, server_hostname=name)
            tls.sendall(data)
            got = b""
            while len(got) < len(data):
                chunk = tls.recv(len(data) - len(got))
                if not chunk:
                    break
                got += chunk
            if got != data:
                print(f"echo mismatch: sent {data!r}, got {got!r}")
                return 1
            proto, cipher = tls.version(), tls.cipher()[0]
            tls.unwrap()  # our close_notify, then the server's
            print(f"echo ok: {proto} {cipher}")
            return 0
    except (OSError, ssl.SSLError) as e:
        print(f"client error: {e!r}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
