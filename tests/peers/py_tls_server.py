#!/usr/bin/env python3
"""A one-connection TLS test peer on 127.0.0.1 (Python's ssl module, i.e. OpenSSL).

Prints "PORT <n>" once listening, serves one client, prints "RESULT <text>" and exits.
Modes:
  echo      TLS echo of everything received; at the client's close_notify prints
            RESULT CLEAN (or RESULT RAGGED when the client closed without close_notify),
            then answers with its own close_notify.
  send      sends --data then close_notify (unwrap), prints RESULT SENT.
  truncate  sends --data then closes TCP without close_notify, prints RESULT TRUNCATED.
  starttls  plaintext: reads a line "STARTTLS", answers "OK STARTTLS\r\n", then TLS echo as
            in "echo".
"""
import argparse
import socket
import ssl
import sys


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def echo(tls):
    try:
        while True:
            data = tls.recv(65536)
            if not data:
                out("RESULT CLEAN")
                break
            tls.sendall(data)
    except ssl.SSLEOFError:
        out("RESULT RAGGED")
        return
    except (ssl.SSLError, OSError) as e:
        out("RESULT ERROR %s" % e)
        return
    try:
        tls.unwrap()
    except (ssl.SSLError, OSError):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True, help="PEM chain, leaf first")
    ap.add_argument("--key", required=True)
    ap.add_argument("--mode", default="echo")
    ap.add_argument("--data", default="hello from python")
    ap.add_argument("--tls12", action="store_true", help="TLS 1.2 only")
    a = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    if a.tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(60)
    out("PORT %d" % ls.getsockname()[1])
    conn, _ = ls.accept()
    conn.settimeout(60)
    if a.mode == "starttls":
        f = b""
        while not f.endswith(b"\n"):
            c = conn.recv(1)
            if not c:
                out("RESULT EOF-BEFORE-STARTTLS")
                return
            f += c
        if f.strip() != b"STARTTLS":
            out("RESULT BAD-COMMAND %r" % f)
            return
        conn.sendall(b"OK STARTTLS\r\n")
    try:
        tls = ctx.wrap_socket(conn, server_side=True, suppress_ragged_eofs=False)
    except (ssl.SSLError, OSError) as e:
        out("RESULT HANDSHAKE-FAILED %s" % e)
        return
    if a.mode in ("echo", "starttls"):
        echo(tls)
    elif a.mode == "send":
        tls.sendall(a.data.encode())
        try:
            tls.unwrap()
        except (ssl.SSLError, OSError):
            pass
        out("RESULT SENT")
    elif a.mode == "truncate":
        tls.sendall(a.data.encode())
        # Close the TCP connection under TLS: no close_notify.
        raw = socket.socket(fileno=tls.detach())
        raw.shutdown(socket.SHUT_RDWR)
        raw.close()
        out("RESULT TRUNCATED")
    tls_close = getattr(tls, "close", None)
    if tls_close:
        try:
            tls_close()
        except OSError:
            pass


if __name__ == "__main__":
    main()
