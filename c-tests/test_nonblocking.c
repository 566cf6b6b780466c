/*
 * test_nonblocking.c - FIONBIO: a non-blocking connect fails with WSAEWOULDBLOCK, completes
 * (writable in select, SO_ERROR 0, then WSAEISCONN); non-blocking accept and recv give
 * WSAEWOULDBLOCK when nothing is there; FIONREAD counts readable bytes.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

int main(void)
{
    SOCKET l, c = INVALID_SOCKET, s;
    SOCKADDR_STORAGE ss;
    int len, rc, err = 0, optlen, attempt;
    u_short port;
    u_long nonblocking = 1, avail = 0;
    fd_set ws, xs;
    struct timeval tv;
    char buf[8];

    tu_startup();
    l = tu_listener(AF_INET, &port);
    len = tu_loopback(AF_INET, port, &ss);

    /* Linux may finish a loopback connect at once; retry until one is really pending. */
    for (attempt = 0; attempt < 20; attempt++) {
        c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        CHECK(c != INVALID_SOCKET);
        CHECK_OK(ioctlsocket(c, FIONBIO, &nonblocking));
        rc = connect(c, (struct sockaddr *)&ss, len);
        if (rc == SOCKET_ERROR) {
            break;
        }
        CHECK_OK(closesocket(c));
        s = accept(l, NULL, NULL);
        CHECK(s != INVALID_SOCKET);
        CHECK_OK(closesocket(s));
    }
    CHECK_EQ(rc, SOCKET_ERROR);
    CHECK_EQ(WSAGetLastError(), WSAEWOULDBLOCK);
    tu_pass("non-blocking connect: WSAEWOULDBLOCK");

    /* A second connect while pending: WSAEALREADY (or WSAEISCONN if it already completed). */
    rc = connect(c, (struct sockaddr *)&ss, len);
    CHECK_EQ(rc, SOCKET_ERROR);
    err = WSAGetLastError();
    CHECK(err == WSAEALREADY || err == WSAEISCONN);

    /* Completion: writable, not in exceptfds, SO_ERROR 0. */
    FD_ZERO(&ws);
    FD_ZERO(&xs);
    FD_SET(c, &ws);
    FD_SET(c, &xs);
    tv.tv_sec = 10;
    tv.tv_usec = 0;
    CHECK_EQ(select(0, NULL, &ws, &xs, &tv), 1);
    CHECK(FD_ISSET(c, &ws));
    CHECK(!FD_ISSET(c, &xs));
    optlen = (int)sizeof(err);
    err = -1;
    CHECK_OK(getsockopt(c, SOL_SOCKET, SO_ERROR, (char *)&err, &optlen));
    CHECK_EQ(err, 0);
    CHECK_EQ(optlen, 4);
    CHECK_FAILS(connect(c, (struct sockaddr *)&ss, len), SOCKET_ERROR, WSAEISCONN);
    tu_pass("non-blocking connect completes");

    s = accept(l, NULL, NULL);
    CHECK(s != INVALID_SOCKET);

    /* Non-blocking recv with nothing there, then data and FIONREAD. */
    CHECK_FAILS(recv(c, buf, (int)sizeof(buf), 0), SOCKET_ERROR, WSAEWOULDBLOCK);
    tu_send_all(s, "abc", 3);
    FD_ZERO(&ws);
    FD_SET(c, &ws);
    CHECK_EQ(select(0, &ws, NULL, NULL, &tv), 1);
    CHECK_OK(ioctlsocket(c, FIONREAD, &avail));
    CHECK_EQ(avail, 3);
    CHECK_EQ(recv(c, buf, (int)sizeof(buf), 0), 3);
    CHECK(memcmp(buf, "abc", 3) == 0);
    tu_pass("non-blocking recv and FIONREAD");

    /* Non-blocking accept with no pending connection. */
    CHECK_OK(ioctlsocket(l, FIONBIO, &nonblocking));
    CHECK_FAILS(accept(l, NULL, NULL), INVALID_SOCKET, WSAEWOULDBLOCK);
    tu_pass("non-blocking accept: WSAEWOULDBLOCK");

    CHECK_OK(closesocket(s));
    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(l));
    CHECK_OK(WSACleanup());
    return 0;
}
