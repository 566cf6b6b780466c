/*
 * tls_server.c - a small HTTPS server written the Windows CE way against wstls, for scanners
 * (testssl.sh: testssl_scan.sh) and by-hand probing. Listens on 127.0.0.1, prints
 * "PORT <n>", and answers every request with a short HTTP/1.1 response. Four threads accept
 * (the server handshake runs in accept); a client that fails the handshake or goes quiet
 * (SO_RCVTIMEO, 10 s) is dropped and the server goes on.
 *
 *   tls_server [port]       identity from WSTLS_CERT_FILE / WSTLS_KEY_FILE
 *
 * Runs until killed.
 */
#include <winsock2.h>
#include <sslsock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsutil.h"

static SOCKET listener;

static void *serve(void *arg)
{
    /* A well-behaved HTTPS answer (HSTS and the usual security headers), so that a scan is
     * about TLS, not about this toy application. */
    static const char reply[] = "HTTP/1.1 200 OK\r\n"
                                "Content-Type: text/plain\r\n"
                                "Content-Length: 19\r\n"
                                "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"
                                "X-Content-Type-Options: nosniff\r\n"
                                "X-Frame-Options: DENY\r\n"
                                "Content-Security-Policy: default-src 'none'\r\n"
                                "Referrer-Policy: no-referrer\r\n"
                                "Cache-Control: no-store\r\n"
                                "Connection: close\r\n"
                                "\r\n"
                                "hello from wstls.\r\n";
    (void)arg;
    for (;;) {
        char req[4096];
        int got = 0, n;
        SOCKET a = accept(listener, NULL, NULL);
        if (a == INVALID_SOCKET) {
            int e = WSAGetLastError();
            if (e == WSAENOTSOCK || e == WSAEINTR) {
                return NULL;
            }
            continue; /* a failed handshake: next client */
        }
        while (got < (int)sizeof req - 1) {
            n = recv(a, req + got, (int)sizeof req - 1 - got, 0);
            if (n <= 0) {
                break;
            }
            got += n;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n") != NULL) {
                break;
            }
        }
        if (got > 0) {
            send(a, reply, (int)sizeof reply - 1, 0);
            shutdown(a, SD_SEND);
        }
        closesocket(a);
    }
}

int main(int argc, char **argv)
{
    SOCKADDR_STORAGE ss;
    int len, i;
    DWORD timeout = 10000, dw = SO_SEC_SSL;
    tu_thread *t[4];

    tu_startup();
    len = tu_loopback(AF_INET, (u_short)(argc > 1 ? atoi(argv[1]) : 0), &ss);
    listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(listener != INVALID_SOCKET);
    CHECK_OK(setsockopt(listener, SOL_SOCKET, SO_SECURE, (const char *)&dw, sizeof dw));
    CHECK_OK(setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout, sizeof timeout));
    CHECK_OK(bind(listener, (struct sockaddr *)&ss, len));
    CHECK_OK(listen(listener, SOMAXCONN));
    len = (int)sizeof ss;
    CHECK_OK(getsockname(listener, (struct sockaddr *)&ss, &len));
    printf("PORT %u\n", ntohs(((struct sockaddr_in *)&ss)->sin_port));
    fflush(stdout);
    for (i = 0; i < 4; i++) {
        t[i] = tu_thread_start(serve, NULL);
    }
    for (i = 0; i < 4; i++) {
        tu_thread_join(t[i]);
    }
    return 0;
}
