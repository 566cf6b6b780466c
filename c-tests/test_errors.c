/*
 * test_errors.c - the Windows error conventions: WSANOTINITIALISED before WSAStartup,
 * WSAStartup's direct return codes, WSAECONNREFUSED (blocking and non-blocking, the latter
 * in exceptfds and SO_ERROR), recv returning 0 on graceful close, SO_RCVTIMEO (DWORD ms)
 * giving WSAETIMEDOUT, stale and never-issued handles (WSAENOTSOCK), WSAEFAULT for bad
 * buffers, WSAEAFNOSUPPORT for the Linux AF_INET6 value.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static u_short closed_port(void)
{
    u_short port;
    SOCKET l = tu_listener(AF_INET, &port);
    CHECK_OK(closesocket(l));
    return port;
}

int main(void)
{
    WSADATA wsaData;
    SOCKET c, s, stale, fresh;
    SOCKADDR_STORAGE ss;
    int len, err, optlen;
    DWORD timeout;
    char buf[16];
    u_long nonblocking = 1;
    fd_set ws, xs;
    struct timeval tv;
    struct addrinfo *res = NULL;

    /* Before WSAStartup. */
    WSASetLastError(0);
    CHECK_EQ(WSAGetLastError(), 0);
    CHECK_FAILS(socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), INVALID_SOCKET, WSANOTINITIALISED);
    CHECK_FAILS(WSACleanup(), SOCKET_ERROR, WSANOTINITIALISED);
    CHECK_EQ(getaddrinfo("127.0.0.1", NULL, NULL, &res), WSANOTINITIALISED);
    CHECK_FAILS(gethostname(buf, (int)sizeof(buf)), SOCKET_ERROR, WSANOTINITIALISED);
    tu_pass("WSANOTINITIALISED before WSAStartup");

    /* WSAStartup returns its error code directly. */
    CHECK_EQ(WSAStartup(MAKEWORD(0, 0), &wsaData), WSAVERNOTSUPPORTED);
    CHECK_EQ(WSAStartup(MAKEWORD(2, 2), NULL), WSAEFAULT);
    CHECK_EQ(WSAStartup(MAKEWORD(1, 1), &wsaData), 0);
    CHECK_EQ(wsaData.wVersion, MAKEWORD(1, 1));
    CHECK_EQ(wsaData.wHighVersion, MAKEWORD(2, 2));
    CHECK_OK(WSACleanup());
    CHECK_FAILS(socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), INVALID_SOCKET, WSANOTINITIALISED);
    tu_pass("WSAStartup codes and reference count");

    tu_startup();

    /* The Linux value of AF_INET6 (10) is not an address family on Windows. */
    CHECK_FAILS(socket(10, SOCK_STREAM, 0), INVALID_SOCKET, WSAEAFNOSUPPORT);

    /* Connection refused, blocking. */
    len = tu_loopback(AF_INET, closed_port(), &ss);
    c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(c != INVALID_SOCKET);
    CHECK_FAILS(connect(c, (struct sockaddr *)&ss, len), SOCKET_ERROR, WSAECONNREFUSED);
    CHECK_OK(closesocket(c));
    tu_pass("WSAECONNREFUSED (blocking)");

    /* Connection refused, non-blocking: WSAEWOULDBLOCK, then exceptfds and SO_ERROR. */
    c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(c != INVALID_SOCKET);
    CHECK_OK(ioctlsocket(c, FIONBIO, &nonblocking));
    if (connect(c, (struct sockaddr *)&ss, len) == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK) {
        FD_ZERO(&ws);
        FD_ZERO(&xs);
        FD_SET(c, &ws);
        FD_SET(c, &xs);
        tv.tv_sec = 10;
        tv.tv_usec = 0;
        CHECK_EQ(select(0, NULL, &ws, &xs, &tv), 1);
        CHECK(FD_ISSET(c, &xs));
        CHECK(!FD_ISSET(c, &ws));
        optlen = (int)sizeof(err);
        CHECK_OK(getsockopt(c, SOL_SOCKET, SO_ERROR, (char *)&err, &optlen));
        CHECK_EQ(err, WSAECONNREFUSED);
        tu_pass("WSAECONNREFUSED (non-blocking, exceptfds, SO_ERROR)");
    } else {
        /* Refused at once: still the Windows code. */
        CHECK_EQ(WSAGetLastError(), WSAECONNREFUSED);
        tu_pass("WSAECONNREFUSED (non-blocking, immediate)");
    }
    CHECK_OK(closesocket(c));

    /* Graceful close: the data, then 0, and 0 again. */
    tu_pair(AF_INET, &c, &s);
    tu_send_all(s, "bye", 3);
    CHECK_OK(shutdown(s, SD_SEND));
    CHECK_EQ(recv(c, buf, (int)sizeof(buf), MSG_WAITALL), 3);
    CHECK(memcmp(buf, "bye", 3) == 0);
    CHECK_EQ(recv(c, buf, (int)sizeof(buf), 0), 0);
    CHECK_EQ(recv(c, buf, (int)sizeof(buf), 0), 0);
    CHECK_FAILS(send(s, "x", 1, 0), SOCKET_ERROR, WSAESHUTDOWN);
    tu_pass("recv returns 0 on graceful close");

    /* SO_RCVTIMEO in DWORD milliseconds: WSAETIMEDOUT. */
    timeout = 200;
    CHECK_OK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout, (int)sizeof(timeout)));
    timeout = 0;
    optlen = (int)sizeof(timeout);
    CHECK_OK(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&timeout, &optlen));
    CHECK_EQ(timeout, 200);
    CHECK_FAILS(recv(s, buf, (int)sizeof(buf), 0), SOCKET_ERROR, WSAETIMEDOUT);
    tu_pass("SO_RCVTIMEO gives WSAETIMEDOUT");
    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(s));

    /* Stale handles: closed ones and ones never issued. */
    stale = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(stale != INVALID_SOCKET);
    CHECK_OK(closesocket(stale));
    CHECK_FAILS(send(stale, "x", 1, 0), SOCKET_ERROR, WSAENOTSOCK);
    CHECK_FAILS(recv(stale, buf, 1, 0), SOCKET_ERROR, WSAENOTSOCK);
    CHECK_FAILS(closesocket(stale), SOCKET_ERROR, WSAENOTSOCK);
    fresh = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(fresh != INVALID_SOCKET);
    CHECK(fresh != stale); /* a just-closed value is not handed out again at once */
    CHECK_FAILS(closesocket(stale), SOCKET_ERROR, WSAENOTSOCK);
    CHECK_FAILS(closesocket((SOCKET)0x7654321), SOCKET_ERROR, WSAENOTSOCK);
    CHECK_FAILS(closesocket(INVALID_SOCKET), SOCKET_ERROR, WSAENOTSOCK);
    CHECK_FAILS(listen((SOCKET)0, 1), SOCKET_ERROR, WSAENOTSOCK);
    tu_pass("stale and never-issued handles: WSAENOTSOCK");

    /* Bad buffers: WSAEFAULT, never a crash. */
    tu_pair(AF_INET, &c, &s);
    CHECK_FAILS(recv(c, NULL, 10, 0), SOCKET_ERROR, WSAEFAULT);
    CHECK_FAILS(send(c, NULL, 10, 0), SOCKET_ERROR, WSAEFAULT);
    len = 4;
    CHECK_FAILS(getsockname(c, (struct sockaddr *)&ss, &len), SOCKET_ERROR, WSAEFAULT);
    CHECK_FAILS(connect(fresh, NULL, 16), SOCKET_ERROR, WSAEFAULT);
    CHECK_FAILS(ioctlsocket(c, FIONBIO, NULL), SOCKET_ERROR, WSAEFAULT);
    CHECK(wstls_last_error_message()[0] != '\0');
    tu_pass("WSAEFAULT for bad buffers");

    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(s));
    CHECK_OK(closesocket(fresh));
    CHECK_OK(WSACleanup());
    return 0;
}
