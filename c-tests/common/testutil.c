/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void tu_fail(const char *file, int line, const char *expr, const char *detail)
{
    int code = WSAGetLastError();
    fprintf(stderr, "FAIL %s:%d: %s", file, line, expr);
    if (detail != NULL) {
        fprintf(stderr, " (%s)", detail);
    }
    fprintf(stderr, "\n     WSAGetLastError() = %d; wstls: %s\n", code, wstls_last_error_message());
    fflush(stderr);
    exit(1);
}

void tu_check_str(const char *file, int line, const char *expr, const char *a, const char *b)
{
    if (a == NULL || b == NULL || strcmp(a, b) != 0) {
        fprintf(stderr, "FAIL %s:%d: %s (\"%s\" != \"%s\")\n", file, line, expr, a ? a : "(null)", b ? b : "(null)");
        tu_fail(file, line, expr, "strings differ");
    }
}

void tu_pass(const char *name)
{
    printf("ok: %s\n", name);
    fflush(stdout);
}

void tu_startup(void)
{
    WSADATA wsaData;
    int rc = WSAStartup(MAKEWORD(2, 2), &wsaData);
    CHECK_EQ(rc, 0);
    CHECK_EQ(LOBYTE(wsaData.wVersion), 2);
    CHECK_EQ(HIBYTE(wsaData.wVersion), 2);
}

int tu_loopback(int af, u_short port, SOCKADDR_STORAGE *ss)
{
    ZeroMemory(ss, sizeof(*ss));
    if (af == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return (int)sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        sin6->sin6_addr = in6addr_loopback;
        return (int)sizeof(*sin6);
    }
}

SOCKET tu_listener(int af, u_short *port)
{
    SOCKADDR_STORAGE ss;
    int len = tu_loopback(af, 0, &ss);
    SOCKET s = socket(af, SOCK_STREAM, IPPROTO_TCP);
    CHECK(s != INVALID_SOCKET);
    CHECK_OK(bind(s, (struct sockaddr *)&ss, len));
    CHECK_OK(listen(s, SOMAXCONN));
    len = (int)sizeof(ss);
    CHECK_OK(getsockname(s, (struct sockaddr *)&ss, &len));
    *port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
    CHECK(*port != 0);
    return s;
}

SOCKET tu_connect(int af, u_short port)
{
    SOCKADDR_STORAGE ss;
    int len = tu_loopback(af, port, &ss);
    SOCKET s = socket(af, SOCK_STREAM, IPPROTO_TCP);
    CHECK(s != INVALID_SOCKET);
    CHECK_OK(connect(s, (struct sockaddr *)&ss, len));
    return s;
}

void tu_pair(int af, SOCKET *client, SOCKET *server)
{
    u_short port;
    SOCKET l = tu_listener(af, &port);
    *client = tu_connect(af, port);
    *server = accept(l, NULL, NULL);
    CHECK(*server != INVALID_SOCKET);
    CHECK_OK(closesocket(l));
}

void tu_send_all(SOCKET s, const char *buf, int len)
{
    int off = 0;
    while (off < len) {
        int n = send(s, buf + off, len - off, 0);
        CHECK(n != SOCKET_ERROR);
        CHECK(n > 0);
        off += n;
    }
}

void tu_recv_exact(SOCKET s, char *buf, int len)
{
    int off = 0;
    while (off < len) {
        int n = recv(s, buf + off, len - off, 0);
        CHECK(n != SOCKET_ERROR);
        CHECK(n > 0);
        off += n;
    }
}

int tu_have_ipv6(void)
{
    SOCKADDR_STORAGE ss;
    int len = tu_loopback(AF_INET6, 0, &ss);
    SOCKET s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    int ok;
    if (s == INVALID_SOCKET) {
        return 0;
    }
    ok = bind(s, (struct sockaddr *)&ss, len) == 0;
    closesocket(s);
    return ok;
}

struct tu_thread {
    pthread_t id;
};

tu_thread *tu_thread_start(void *(*fn)(void *), void *arg)
{
    tu_thread *t = (tu_thread *)calloc(1, sizeof(*t));
    CHECK(t != NULL);
    CHECK_EQ(pthread_create(&t->id, NULL, fn, arg), 0);
    return t;
}

void *tu_thread_join(tu_thread *t)
{
    void *ret = NULL;
    CHECK_EQ(pthread_join(t->id, &ret), 0);
    free(t);
    return ret;
}
