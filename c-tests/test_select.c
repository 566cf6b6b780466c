/*
 * test_select.c - select with Winsock fd_sets: nfds is ignored (0 here), readiness for read
 * (data, pending accept, peer close), write, timeouts (the timeval is not modified), all-NULL
 * sets (WSAEINVAL), a closed handle in a set (WSAENOTSOCK); and WSAPoll with Windows POLL*.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

int main(void)
{
    SOCKET c, s, l, stale;
    fd_set rs, ws, xs;
    struct timeval tv;
    u_short port;
    char buf[16];
    WSAPOLLFD pfd[2];

    tu_startup();
    tu_pair(AF_INET, &c, &s);

    /* Nothing to read yet: timeout, 0 ready, the set emptied, the timeval untouched. */
    FD_ZERO(&rs);
    FD_SET(s, &rs);
    tv.tv_sec = 0;
    tv.tv_usec = 50000;
    CHECK_EQ(select(0, &rs, NULL, NULL, &tv), 0);
    CHECK_EQ(rs.fd_count, 0);
    CHECK(!FD_ISSET(s, &rs));
    CHECK_EQ(tv.tv_sec, 0);
    CHECK_EQ(tv.tv_usec, 50000);
    tu_pass("select timeout with nfds 0");

    /* Data sent: readable; the connected client is writable; nothing exceptional. */
    tu_send_all(c, "ping", 4);
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&xs);
    FD_SET(s, &rs);
    FD_SET(c, &rs);
    FD_SET(c, &ws);
    FD_SET(s, &xs);
    CHECK_EQ(select(0, &rs, &ws, &xs, NULL), 2);
    CHECK(FD_ISSET(s, &rs));
    CHECK(!FD_ISSET(c, &rs));
    CHECK(FD_ISSET(c, &ws));
    CHECK_EQ(xs.fd_count, 0);
    CHECK_EQ(recv(s, buf, (int)sizeof(buf), 0), 4);
    CHECK(memcmp(buf, "ping", 4) == 0);
    tu_pass("select read/write readiness");

    /* A pending connection makes a listening socket readable. */
    l = tu_listener(AF_INET, &port);
    {
        SOCKET c2 = tu_connect(AF_INET, port), s2;
        FD_ZERO(&rs);
        FD_SET(l, &rs);
        tv.tv_sec = 5;
        tv.tv_usec = 0;
        CHECK_EQ(select(0, &rs, NULL, NULL, &tv), 1);
        CHECK(FD_ISSET(l, &rs));
        s2 = accept(l, NULL, NULL);
        CHECK(s2 != INVALID_SOCKET);
        CHECK_OK(closesocket(s2));
        CHECK_OK(closesocket(c2));
    }
    CHECK_OK(closesocket(l));
    tu_pass("select on a listening socket");

    /* All three sets NULL (or empty): WSAEINVAL, not a sleep. */
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    CHECK_FAILS(select(0, NULL, NULL, NULL, &tv), SOCKET_ERROR, WSAEINVAL);
    FD_ZERO(&rs);
    CHECK_FAILS(select(0, &rs, NULL, NULL, &tv), SOCKET_ERROR, WSAEINVAL);
    tu_pass("select with no sockets: WSAEINVAL");

    /* A closed handle in a set: WSAENOTSOCK. */
    stale = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(stale != INVALID_SOCKET);
    CHECK_OK(closesocket(stale));
    FD_ZERO(&rs);
    FD_SET(stale, &rs);
    CHECK_FAILS(select(0, &rs, NULL, NULL, &tv), SOCKET_ERROR, WSAENOTSOCK);
    tu_pass("select with a closed handle: WSAENOTSOCK");

    /* WSAPoll with Windows flag values. */
    pfd[0].fd = s;
    pfd[0].events = POLLRDNORM;
    pfd[0].revents = 0;
    pfd[1].fd = c;
    pfd[1].events = POLLWRNORM;
    pfd[1].revents = 0;
    CHECK_EQ(WSAPoll(pfd, 2, 0), 1);
    CHECK_EQ(pfd[0].revents, 0);
    CHECK(pfd[1].revents & POLLWRNORM);
    tu_send_all(c, "x", 1);
    CHECK_EQ(WSAPoll(pfd, 1, 5000), 1);
    CHECK(pfd[0].revents & POLLRDNORM);
    CHECK_EQ(recv(s, buf, 1, 0), 1);
    pfd[0].events = POLLPRI; /* not allowed by Windows' provider */
    CHECK_FAILS(WSAPoll(pfd, 1, 0), SOCKET_ERROR, WSAEINVAL);
    tu_pass("WSAPoll");

    /* Peer close: readable, and recv gives 0. */
    CHECK_OK(closesocket(c));
    FD_ZERO(&rs);
    FD_SET(s, &rs);
    CHECK_EQ(select(0, &rs, NULL, NULL, NULL), 1);
    CHECK(FD_ISSET(s, &rs));
    CHECK_EQ(recv(s, buf, (int)sizeof(buf), 0), 0);
    CHECK_OK(closesocket(s));
    tu_pass("select on a closed peer");

    CHECK_OK(WSACleanup());
    return 0;
}
