/*
 * be_wstls.c - the benchmark backend over wstls, written the Windows CE way: Winsock calls,
 * setsockopt(SO_SECURE, SO_SEC_SSL) before connect/listen, the server identity with the wstls
 * extension WSTLS_SO_SET_SERVER_CREDENTIALS, the name to check with SO_SSL_SET_PEERNAME.
 * Compiled against include/compat and linked with libwstls.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#if defined(__has_include)
#if __has_include(<sslsock.h>)
#include <sslsock.h>
#endif
#endif
#ifndef SO_SECURE
#define SO_SECURE 0x2001
#endif
#ifndef SO_SEC_SSL
#define SO_SEC_SSL 0x2004
#endif
#ifndef SO_SSL_SET_PEERNAME
#define SO_SSL_SET_PEERNAME 0x5073000F
#endif
#include <wstls_ext.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct be_conn {
    SOCKET s;
    char suite[64];
    int info_done;
    int resumed;
};

struct be_listener {
    SOCKET s;
};

static struct be_opts g;

const char *be_name(void) { return "wstls"; }

static void fail(const char *what)
{
    fprintf(stderr, "wstls: %s failed: WSAGetLastError() %d: %s\n", what, WSAGetLastError(),
            wstls_last_error_message());
}

int be_init(const struct be_opts *o)
{
    WSADATA wsa;
    g = *o;
    /* wstls's process-wide settings (docs/extensions.md); read at the first handshake. */
    if (o->ca) setenv("WSTLS_CA_FILE", o->ca, 1);
    if (o->cipher) setenv("WSTLS_CIPHERS", o->cipher, 1);
    if (o->groups) setenv("WSTLS_GROUPS", o->groups, 1);
    setenv("WSTLS_RESUMPTION", o->resume ? "1" : "0", 1);
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
        fprintf(stderr, "WSAStartup failed\n");
        return -1;
    }
    return 0;
}

static void nodelay(SOCKET s)
{
    DWORD one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
}

static int loopback(int port, SOCKADDR_IN *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((u_short)port);
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return (int)sizeof *sa;
}

static SOCKET listener(int secure, int *port)
{
    SOCKADDR_IN sa;
    int len = loopback(0, &sa);
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) { fail("socket"); return INVALID_SOCKET; }
    if (secure) {
        DWORD sec = SO_SEC_SSL;
        WSTLS_CREDENTIALS cred;
        DWORD got = 0;
        if (setsockopt(s, SOL_SOCKET, SO_SECURE, (const char *)&sec, sizeof sec) == SOCKET_ERROR) {
            fail("setsockopt(SO_SECURE)");
            closesocket(s);
            return INVALID_SOCKET;
        }
        memset(&cred, 0, sizeof cred);
        cred.cert_file = g.cert;
        cred.key_file = g.key;
        if (WSAIoctl(s, WSTLS_SO_SET_SERVER_CREDENTIALS, &cred, sizeof cred, NULL, 0, &got, NULL,
                     NULL) == SOCKET_ERROR) {
            fail("WSAIoctl(WSTLS_SO_SET_SERVER_CREDENTIALS)");
            closesocket(s);
            return INVALID_SOCKET;
        }
    }
    if (bind(s, (SOCKADDR *)&sa, len) == SOCKET_ERROR || listen(s, SOMAXCONN) == SOCKET_ERROR ||
        getsockname(s, (SOCKADDR *)&sa, &len) == SOCKET_ERROR) {
        fail("bind/listen");
        closesocket(s);
        return INVALID_SOCKET;
    }
    *port = ntohs(sa.sin_port);
    return s;
}

be_listener *be_listen(int *port)
{
    be_listener *l = (be_listener *)calloc(1, sizeof *l);
    l->s = listener(1, port);
    if (l->s == INVALID_SOCKET) { free(l); return NULL; }
    return l;
}

void be_close_listener(be_listener *l)
{
    closesocket(l->s);
    free(l);
}

be_conn *be_accept(be_listener *l)
{
    be_conn *c;
    SOCKET s = accept(l->s, NULL, NULL); /* blocking: the server handshake runs here */
    if (s == INVALID_SOCKET) { fail("accept"); return NULL; }
    nodelay(s);
    c = (be_conn *)calloc(1, sizeof *c);
    c->s = s;
    return c;
}

be_conn *be_connect(int port)
{
    SOCKADDR_IN sa;
    int len = loopback(port, &sa);
    DWORD sec = SO_SEC_SSL, got = 0;
    be_conn *c;
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) { fail("socket"); return NULL; }
    if (setsockopt(s, SOL_SOCKET, SO_SECURE, (const char *)&sec, sizeof sec) == SOCKET_ERROR) {
        fail("setsockopt(SO_SECURE)");
        closesocket(s);
        return NULL;
    }
    if (WSAIoctl(s, SO_SSL_SET_PEERNAME, (LPVOID)g.host, (DWORD)strlen(g.host) + 1, NULL, 0, &got,
                 NULL, NULL) == SOCKET_ERROR) {
        fail("WSAIoctl(SO_SSL_SET_PEERNAME) (the CE face is not in this build of wstls)");
        closesocket(s);
        return NULL;
    }
    nodelay(s);
    if (connect(s, (SOCKADDR *)&sa, len) == SOCKET_ERROR) { /* TCP connect + TLS handshake */
        fail("connect");
        closesocket(s);
        return NULL;
    }
    c = (be_conn *)calloc(1, sizeof *c);
    c->s = s;
    return c;
}

int be_send(be_conn *c, const void *buf, size_t len)
{
    const char *p = (const char *)buf;
    while (len > 0) {
        int chunk = len > 0x40000000 ? 0x40000000 : (int)len;
        int n = send(c->s, p, chunk, 0); /* blocking: sends everything */
        if (n == SOCKET_ERROR) { fail("send"); return -1; }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

long be_recv(be_conn *c, void *buf, size_t len)
{
    int n = recv(c->s, (char *)buf, len > 0x40000000 ? 0x40000000 : (int)len, 0);
    if (n == SOCKET_ERROR) { fail("recv"); return -1; }
    return n;
}

void be_close(be_conn *c)
{
    closesocket(c->s); /* sends close_notify */
    free(c);
}

static void info(be_conn *c)
{
    WSTLS_SESSION_INFO si;
    DWORD got = 0;
    if (c->info_done) return;
    c->info_done = 1;
    memset(&si, 0, sizeof si);
    if (WSAIoctl(c->s, WSTLS_SO_GET_SESSION_INFO, NULL, 0, &si, sizeof si, &got, NULL, NULL) ==
        SOCKET_ERROR) {
        fail("WSAIoctl(WSTLS_SO_GET_SESSION_INFO)");
        return;
    }
    c->resumed = (int)si.resumed;
    switch (si.cipher_suite) {
    case 0x1301: strcpy(c->suite, "TLS_AES_128_GCM_SHA256"); break;
    case 0x1302: strcpy(c->suite, "TLS_AES_256_GCM_SHA384"); break;
    case 0x1303: strcpy(c->suite, "TLS_CHACHA20_POLY1305_SHA256"); break;
    default: snprintf(c->suite, sizeof c->suite, "0x%04x", (unsigned)si.cipher_suite); break;
    }
}

const char *be_suite(be_conn *c) { info(c); return c->suite; }
int be_resumed(be_conn *c) { info(c); return c->resumed; }

long be_socket(void)
{
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) { fail("socket"); return -1; }
    return (long)s;
}

int be_getsockopt_call(long s)
{
    int v = 0, len = sizeof v;
    return getsockopt((SOCKET)s, SOL_SOCKET, SO_RCVBUF, (char *)&v, &len) == SOCKET_ERROR ? -1 : 0;
}

void be_socket_close(long s) { closesocket((SOCKET)s); }

int be_fionbio_call(long s)
{
    u_long nb = 0;
    return ioctlsocket((SOCKET)s, FIONBIO, &nb) == SOCKET_ERROR ? -1 : 0;
}

int be_plain_pair(long *a, long *b)
{
    int port = 0, len;
    SOCKADDR_IN sa;
    SOCKET l = listener(0, &port), c, s;
    if (l == INVALID_SOCKET) return -1;
    len = loopback(port, &sa);
    c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (c == INVALID_SOCKET || connect(c, (SOCKADDR *)&sa, len) == SOCKET_ERROR) {
        fail("connect");
        return -1;
    }
    s = accept(l, NULL, NULL);
    closesocket(l);
    if (s == INVALID_SOCKET) { fail("accept"); return -1; }
    nodelay(c);
    nodelay(s);
    *a = (long)c;
    *b = (long)s;
    return 0;
}

int be_plain_send(long s, const void *buf, int len) { return send((SOCKET)s, (const char *)buf, len, 0); }
int be_plain_recv(long s, void *buf, int len) { return recv((SOCKET)s, (char *)buf, len, 0); }
