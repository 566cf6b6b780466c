/*
 * test_fdsetsize.c - a program that defines FD_SETSIZE 1024 before its includes (and includes
 * <stdlib.h>, whose glibc <sys/select.h> defines its own FD_SETSIZE, before winsock2.h) gets a
 * 1024-entry Winsock fd_set, and select handles more than 64 sockets in one set.
 */
#define FD_SETSIZE 1024
#include <stdlib.h>
#include <stdio.h>
#include <winsock2.h>
#include <ws2tcpip.h>
#include <assert.h>
#include <string.h>

#include "testutil.h"

static_assert(FD_SETSIZE == 1024, "the program's FD_SETSIZE wins");
static_assert(sizeof(fd_set) == 8 + 1024 * sizeof(SOCKET), "fd_set holds 1024 handles");

#define N 100

int main(void)
{
    static SOCKET clients[N], servers[N];
    static fd_set rs;
    u_short port;
    SOCKET l;
    int i;
    char b;

    tu_startup();
    l = tu_listener(AF_INET, &port);
    for (i = 0; i < N; i++) {
        clients[i] = tu_connect(AF_INET, port);
        servers[i] = accept(l, NULL, NULL);
        CHECK(servers[i] != INVALID_SOCKET);
    }

    /* Data on three sockets past index 64. */
    tu_send_all(clients[70], "a", 1);
    tu_send_all(clients[85], "b", 1);
    tu_send_all(clients[99], "c", 1);

    FD_ZERO(&rs);
    for (i = 0; i < N; i++) {
        FD_SET(servers[i], &rs);
    }
    CHECK_EQ(rs.fd_count, N);
    /* Wait until all three are readable (they may arrive one by one). */
    for (;;) {
        fd_set copy = rs;
        int n = select(0, &copy, NULL, NULL, NULL);
        CHECK(n != SOCKET_ERROR);
        CHECK(n >= 1 && n <= 3);
        for (i = 0; i < N; i++) {
            int expect = (i == 70 || i == 85 || i == 99);
            if (!expect) {
                CHECK(!FD_ISSET(servers[i], &copy));
            }
        }
        if (n == 3) {
            CHECK(FD_ISSET(servers[70], &copy));
            CHECK(FD_ISSET(servers[85], &copy));
            CHECK(FD_ISSET(servers[99], &copy));
            break;
        }
    }
    CHECK_EQ(recv(servers[85], &b, 1, 0), 1);
    CHECK_EQ(b, 'b');
    tu_pass("select over 100 sockets with FD_SETSIZE 1024");

    for (i = 0; i < N; i++) {
        CHECK_OK(closesocket(clients[i]));
        CHECK_OK(closesocket(servers[i]));
    }
    CHECK_OK(closesocket(l));
    CHECK_OK(WSACleanup());
    return 0;
}
