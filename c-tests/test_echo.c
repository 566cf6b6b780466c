/*
 * test_echo.c - a TCP echo client and server, both through the Winsock calls, over IPv4 and
 * (when the host has ::1) IPv6: getaddrinfo, socket, bind, listen, accept, connect, send,
 * recv, WSASend/WSARecv with several WSABUFs, MSG_WAITALL, getpeername, shutdown, closesocket.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define CHUNK 16384
#define TOTAL (1024 * 1024)

struct server_args {
    SOCKET listener;
    long long echoed;
};

/* Accepts one connection and echoes everything until the client shuts down its side. */
static void *echo_server(void *p)
{
    struct server_args *args = (struct server_args *)p;
    SOCKADDR_STORAGE peer;
    int peerlen = (int)sizeof(peer);
    char buf[4096];
    int n;
    SOCKET c = accept(args->listener, (struct sockaddr *)&peer, &peerlen);
    CHECK(c != INVALID_SOCKET);
    BOOL nodelay = TRUE;
    CHECK(peerlen == (int)sizeof(struct sockaddr_in) || peerlen == (int)sizeof(struct sockaddr_in6));
    CHECK_OK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, (const char *)&nodelay, (int)sizeof(nodelay)));
    for (;;) {
        n = recv(c, buf, (int)sizeof(buf), 0);
        CHECK(n != SOCKET_ERROR);
        if (n == 0) {
            break; /* graceful close by the client */
        }
        tu_send_all(c, buf, n);
        args->echoed += n;
    }
    CHECK_OK(shutdown(c, SD_SEND));
    CHECK_OK(closesocket(c));
    return NULL;
}

static void run_echo(int af)
{
    struct addrinfo hints, *result = NULL;
    struct server_args args;
    tu_thread *t;
    SOCKET s;
    char port_text[16];
    u_short port;
    static char out[CHUNK], in[CHUNK];
    long long total = 0;
    int i, rc;
    SOCKADDR_STORAGE peer;
    int peerlen = (int)sizeof(peer);

    args.listener = tu_listener(af, &port);
    args.echoed = 0;
    t = tu_thread_start(echo_server, &args);

    /* Resolve the loopback address the Windows way. */
    snprintf(port_text, sizeof(port_text), "%u", (unsigned)port);
    ZeroMemory(&hints, sizeof(hints));
    hints.ai_family = af;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    rc = getaddrinfo(af == AF_INET ? "127.0.0.1" : "::1", port_text, &hints, &result);
    CHECK_EQ(rc, 0);
    CHECK_EQ(result->ai_family, af);
    s = socket(result->ai_family, result->ai_socktype, result->ai_protocol);
    CHECK(s != INVALID_SOCKET);
    CHECK_OK(connect(s, result->ai_addr, (int)result->ai_addrlen));
    freeaddrinfo(result);

    CHECK_OK(getpeername(s, (struct sockaddr *)&peer, &peerlen));
    CHECK_EQ(peer.ss_family, af);
    CHECK_EQ(ntohs(((struct sockaddr_in *)&peer)->sin_port), port); /* same offset for in6 */
    /* connect bound the socket implicitly: getsockname gives the local address. */
    peerlen = (int)sizeof(peer);
    CHECK_OK(getsockname(s, (struct sockaddr *)&peer, &peerlen));
    CHECK_EQ(peer.ss_family, af);
    CHECK_EQ(peerlen, af == AF_INET ? (int)sizeof(struct sockaddr_in) : (int)sizeof(struct sockaddr_in6));
    CHECK(((struct sockaddr_in *)&peer)->sin_port != 0);
    {
        /* Small segments are echoed at once (no Nagle wait). */
        BOOL nodelay = TRUE;
        int optlen = (int)sizeof(nodelay);
        CHECK_OK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&nodelay, (int)sizeof(nodelay)));
        nodelay = FALSE;
        CHECK_OK(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, (char *)&nodelay, &optlen));
        CHECK(nodelay);
    }

    /* 1 MiB in 16 KiB steps, each echoed back and compared. */
    for (i = 0; total < TOTAL; i++) {
        int k;
        for (k = 0; k < CHUNK; k++) {
            out[k] = (char)((i * 131 + k) & 0xff);
        }
        tu_send_all(s, out, CHUNK);
        memset(in, 0, sizeof(in));
        rc = recv(s, in, CHUNK, MSG_WAITALL);
        CHECK_EQ(rc, CHUNK);
        CHECK(memcmp(in, out, CHUNK) == 0);
        total += CHUNK;
    }

    /* Gather/scatter: three WSABUFs out, two in. */
    {
        char a[] = "hello, ", b[] = "wstls ", c[] = "echo";
        char r1[8], r2[16];
        WSABUF outbufs[3], inbufs[2];
        DWORD sent = 0, got = 0, flags = MSG_WAITALL;
        outbufs[0].buf = a;
        outbufs[0].len = 7;
        outbufs[1].buf = b;
        outbufs[1].len = 6;
        outbufs[2].buf = c;
        outbufs[2].len = 4;
        CHECK_OK(WSASend(s, outbufs, 3, &sent, 0, NULL, NULL));
        CHECK_EQ(sent, 17);
        inbufs[0].buf = r1;
        inbufs[0].len = sizeof(r1);
        inbufs[1].buf = r2;
        inbufs[1].len = 9;
        /* MSG_WAITALL fills the first buffer; the second takes what has arrived. */
        CHECK_OK(WSARecv(s, inbufs, 2, &got, &flags, NULL, NULL));
        CHECK(got >= 8 && got <= 17);
        CHECK_EQ(flags, 0);
        if (got < 17) {
            CHECK_EQ(recv(s, r2 + (got - 8), (int)(17 - got), MSG_WAITALL), (int)(17 - got));
        }
        CHECK(memcmp(r1, "hello, w", 8) == 0);
        CHECK(memcmp(r2, "stls echo", 9) == 0);
        total += 17;
    }

    /* Graceful close: the server sees 0, shuts down, and we see 0 too. */
    CHECK_OK(shutdown(s, SD_SEND));
    CHECK_EQ(recv(s, in, (int)sizeof(in), 0), 0);
    CHECK_OK(closesocket(s));
    tu_thread_join(t);
    CHECK_EQ(args.echoed, total);
    CHECK_OK(closesocket(args.listener));
}

int main(void)
{
    tu_startup();
    run_echo(AF_INET);
    tu_pass("echo over IPv4");
    if (tu_have_ipv6()) {
        run_echo(AF_INET6);
        tu_pass("echo over IPv6");
    } else {
        printf("skip: echo over IPv6 (no ::1 on this host)\n");
    }
    CHECK_OK(WSACleanup());
    return 0;
}
