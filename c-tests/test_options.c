/*
 * test_options.c - socket options with Windows levels, names and value types (BOOL, DWORD,
 * struct linger of two u_shorts), unsupported options and control codes, and UDP
 * sendto/recvfrom with WSAEMSGSIZE.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static int get_int(SOCKET s, int level, int name)
{
    int v = -1, len = (int)sizeof(v);
    CHECK_OK(getsockopt(s, level, name, (char *)&v, &len));
    CHECK_EQ(len, 4);
    return v;
}

static void set_bool(SOCKET s, int level, int name, BOOL v)
{
    CHECK_OK(setsockopt(s, level, name, (const char *)&v, (int)sizeof(v)));
}

int main(void)
{
    SOCKET s, l, u1, u2, c, a;
    struct linger lg;
    int len;
    u_short port;
    u_long arg;
    DWORD returned = 0;
    SOCKADDR_STORAGE ss, from;
    int fromlen;
    char buf[64];
    struct tcp_keepalive ka;

    tu_startup();
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(s != INVALID_SOCKET);

    /* BOOL options round-trip. */
    set_bool(s, SOL_SOCKET, SO_KEEPALIVE, TRUE);
    CHECK(get_int(s, SOL_SOCKET, SO_KEEPALIVE) != 0);
    set_bool(s, SOL_SOCKET, SO_KEEPALIVE, FALSE);
    CHECK_EQ(get_int(s, SOL_SOCKET, SO_KEEPALIVE), 0);
    set_bool(s, SOL_SOCKET, SO_REUSEADDR, TRUE);
    CHECK(get_int(s, SOL_SOCKET, SO_REUSEADDR) != 0);
    set_bool(s, IPPROTO_TCP, TCP_NODELAY, TRUE);
    CHECK(get_int(s, IPPROTO_TCP, TCP_NODELAY) != 0);
    CHECK_EQ(get_int(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    CHECK_EQ(get_int(s, SOL_SOCKET, SO_ACCEPTCONN), 0);
    tu_pass("BOOL options, SO_TYPE, SO_ACCEPTCONN");

    /* Buffer sizes (Linux stores and reports twice the value set). */
    {
        int size = 65536;
        CHECK_OK(setsockopt(s, SOL_SOCKET, SO_RCVBUF, (const char *)&size, (int)sizeof(size)));
        CHECK(get_int(s, SOL_SOCKET, SO_RCVBUF) >= 65536);
        CHECK_OK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, (const char *)&size, (int)sizeof(size)));
        CHECK(get_int(s, SOL_SOCKET, SO_SNDBUF) >= 65536);
    }
    tu_pass("SO_RCVBUF / SO_SNDBUF");

    /* SO_EXCLUSIVEADDRUSE: before bind only, and exclusive of SO_REUSEADDR. */
    {
        SOCKET e = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        CHECK(e != INVALID_SOCKET);
        set_bool(e, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, TRUE);
        CHECK(get_int(e, SOL_SOCKET, SO_EXCLUSIVEADDRUSE) != 0);
        {
            BOOL on = TRUE;
            CHECK_FAILS(setsockopt(e, SOL_SOCKET, SO_REUSEADDR, (const char *)&on, (int)sizeof(on)), SOCKET_ERROR, WSAEINVAL);
        }
        len = tu_loopback(AF_INET, 0, &ss);
        CHECK_OK(bind(e, (struct sockaddr *)&ss, len));
        {
            BOOL off = FALSE;
            CHECK_FAILS(setsockopt(e, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&off, (int)sizeof(off)), SOCKET_ERROR, WSAEINVAL);
        }
        CHECK_OK(closesocket(e));
    }
    tu_pass("SO_EXCLUSIVEADDRUSE");

    /* struct linger is two u_shorts; SO_DONTLINGER is its negation. */
    lg.l_onoff = 1;
    lg.l_linger = 7;
    CHECK_OK(setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, (int)sizeof(lg)));
    memset(&lg, 0xff, sizeof(lg));
    len = (int)sizeof(lg);
    CHECK_OK(getsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&lg, &len));
    CHECK_EQ(len, 4);
    CHECK_EQ(lg.l_onoff, 1);
    CHECK_EQ(lg.l_linger, 7);
    CHECK_EQ(get_int(s, SOL_SOCKET, SO_DONTLINGER), 0);
    set_bool(s, SOL_SOCKET, SO_DONTLINGER, TRUE);
    CHECK(get_int(s, SOL_SOCKET, SO_DONTLINGER) != 0);
    tu_pass("SO_LINGER / SO_DONTLINGER");

    /* Too small a buffer: WSAEFAULT. */
    len = 2;
    CHECK_FAILS(getsockopt(s, SOL_SOCKET, SO_TYPE, buf, &len), SOCKET_ERROR, WSAEFAULT);

    /* Options wstls does not implement: WSAENOPROTOOPT (Windows numbers, not Linux ones). */
    {
        DWORD ttl = 5;
        CHECK_FAILS(setsockopt(s, IPPROTO_IP, IP_TTL, (const char *)&ttl, (int)sizeof(ttl)), SOCKET_ERROR, WSAENOPROTOOPT);
        CHECK_FAILS(setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, (const char *)&ttl, (int)sizeof(ttl)), SOCKET_ERROR, WSAENOPROTOOPT);
    }
    tu_pass("unsupported options: WSAENOPROTOOPT");

    /* Listening: SO_ACCEPTCONN; a connected socket: SIOCATMARK; unsupported codes: WSAEINVAL. */
    CHECK_OK(closesocket(s));
    l = tu_listener(AF_INET, &port);
    CHECK(get_int(l, SOL_SOCKET, SO_ACCEPTCONN) != 0);
    c = tu_connect(AF_INET, port);
    a = accept(l, NULL, NULL);
    CHECK(a != INVALID_SOCKET);
    arg = 0;
    CHECK_OK(ioctlsocket(c, SIOCATMARK, &arg));
    CHECK(arg != 0);
    CHECK_FAILS(ioctlsocket(c, FIOASYNC, &arg), SOCKET_ERROR, WSAEINVAL);
    ka.onoff = 1;
    ka.keepalivetime = 1000;
    ka.keepaliveinterval = 1000;
    CHECK_FAILS(WSAIoctl(c, SIO_KEEPALIVE_VALS, &ka, sizeof(ka), NULL, 0, &returned, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    arg = 1;
    CHECK_OK(WSAIoctl(c, FIONBIO, &arg, sizeof(arg), NULL, 0, NULL, NULL, NULL));
    CHECK_FAILS(recv(c, buf, 1, 0), SOCKET_ERROR, WSAEWOULDBLOCK);
    tu_pass("SO_ACCEPTCONN, SIOCATMARK, WSAIoctl(FIONBIO), unsupported codes");
    CHECK_OK(closesocket(a));
    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(l));

    /* IPV6_V6ONLY defaults to TRUE, as on Windows. */
    if (tu_have_ipv6()) {
        s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
        CHECK(s != INVALID_SOCKET);
        CHECK(get_int(s, IPPROTO_IPV6, IPV6_V6ONLY) != 0);
        set_bool(s, IPPROTO_IPV6, IPV6_V6ONLY, FALSE);
        CHECK_EQ(get_int(s, IPPROTO_IPV6, IPV6_V6ONLY), 0);
        CHECK_OK(closesocket(s));
        tu_pass("IPV6_V6ONLY");
    }

    /* UDP: sendto/recvfrom with the source address; a short buffer gives WSAEMSGSIZE. */
    u1 = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    u2 = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    CHECK(u1 != INVALID_SOCKET && u2 != INVALID_SOCKET);
    len = tu_loopback(AF_INET, 0, &ss);
    CHECK_OK(bind(u1, (struct sockaddr *)&ss, len));
    len = (int)sizeof(ss);
    CHECK_OK(getsockname(u1, (struct sockaddr *)&ss, &len));
    CHECK_EQ(get_int(u1, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
    CHECK_EQ(sendto(u2, "datagram", 8, 0, (struct sockaddr *)&ss, len), 8);
    fromlen = (int)sizeof(from);
    CHECK_EQ(recvfrom(u1, buf, (int)sizeof(buf), 0, (struct sockaddr *)&from, &fromlen), 8);
    CHECK(memcmp(buf, "datagram", 8) == 0);
    CHECK_EQ(fromlen, (int)sizeof(struct sockaddr_in));
    CHECK_EQ(from.ss_family, AF_INET);
    CHECK_EQ(((struct sockaddr_in *)&from)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    /* getsockname on u2 works after the implicit bind by sendto. */
    len = (int)sizeof(ss);
    CHECK_OK(getsockname(u2, (struct sockaddr *)&ss, &len));
    CHECK_EQ(((struct sockaddr_in *)&ss)->sin_port, ((struct sockaddr_in *)&from)->sin_port);
    len = tu_loopback(AF_INET, 0, &ss);
    len = (int)sizeof(ss);
    CHECK_OK(getsockname(u1, (struct sockaddr *)&ss, &len));
    CHECK_EQ(sendto(u2, "0123456789", 10, 0, (struct sockaddr *)&ss, len), 10);
    fromlen = (int)sizeof(from);
    CHECK_FAILS(recvfrom(u1, buf, 4, 0, (struct sockaddr *)&from, &fromlen), SOCKET_ERROR, WSAEMSGSIZE);
    CHECK(memcmp(buf, "0123", 4) == 0);
    tu_pass("UDP sendto/recvfrom, WSAEMSGSIZE");
    CHECK_OK(closesocket(u1));
    CHECK_OK(closesocket(u2));

    CHECK_OK(WSACleanup());
    return 0;
}
