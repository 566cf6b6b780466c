/*
 * test_bad_input.c - the bad-input matrix of the Winsock core and wstls's extensions
 * (issue "reliability and security"): for every exported function, NULL pointers, short,
 * oversized and negative lengths, invalid, closed and stale handles, wrong structure sizes and
 * versions, and calls in the wrong state. Each call must return the documented Windows
 * failure value with WSAGetLastError() set to the documented code and a message in
 * wstls_last_error_message(), and must neither crash nor write outside the caller's buffers
 * (canary bytes) nor lose or corrupt data already accepted (the streams are checked byte
 * for byte after the bad calls).
 *
 * bad_input_coverage.sh checks that every function exported in wstls.h is called here.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <wstls_ext.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#ifndef SO_SECURE
#define SO_SECURE 0x2001
#endif
#ifndef SO_SEC_SSL
#define SO_SEC_SSL 0x2004
#endif

/* A call that must fail with `code`, and leave a message. */
#define BAD(call, failvalue, code)                                                                 \
    do {                                                                                           \
        WSASetLastError(0);                                                                        \
        CHECK_FAILS(call, failvalue, code);                                                        \
        if (wstls_last_error_message() == NULL || wstls_last_error_message()[0] == '\0') {        \
            tu_fail(__FILE__, __LINE__, #call, "no error message");                               \
        }                                                                                          \
    } while (0)

/* Functions that return their error code directly (getaddrinfo, WSAStartup, ...). */
#define BAD_CODE(call, code)                                                                       \
    do {                                                                                           \
        int tu_rc_ = (call);                                                                       \
        if (tu_rc_ != (code)) {                                                                    \
            char tu_m_[120];                                                                       \
            snprintf(tu_m_, sizeof tu_m_, "returned %d, expected %s (%d)", tu_rc_, #code, (int)(code)); \
            tu_fail(__FILE__, __LINE__, #call, tu_m_);                                             \
        }                                                                                          \
        CHECK(wstls_last_error_message()[0] != '\0');                                              \
    } while (0)

#define CANARY 0xA5

static int untouched(const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++) {
        if (b[i] != CANARY) {
            return 0;
        }
    }
    return 1;
}

/* Handles that are not open sockets: never issued, reserved values, closed ones. */
static SOCKET bad_handles[8];
static int n_bad_handles;

static void every_socket_call_fails(SOCKET h, int code)
{
    char buf[16];
    SOCKADDR_STORAGE ss;
    int len = (int)sizeof(ss);
    DWORD v = 1, ret = 0, flags = 0;
    u_long arg = 1;
    WSABUF wb;
    fd_set rs;
    struct timeval tv = {0, 0};
    struct sockaddr_in sin;

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    wb.buf = buf;
    wb.len = sizeof buf;

    BAD(closesocket(h), SOCKET_ERROR, code);
    BAD(bind(h, (struct sockaddr *)&sin, sizeof sin), SOCKET_ERROR, code);
    BAD(listen(h, 1), SOCKET_ERROR, code);
    BAD(accept(h, NULL, NULL), INVALID_SOCKET, code);
    BAD(connect(h, (struct sockaddr *)&sin, sizeof sin), SOCKET_ERROR, code);
    BAD(shutdown(h, SD_BOTH), SOCKET_ERROR, code);
    BAD(send(h, "x", 1, 0), SOCKET_ERROR, code);
    BAD(recv(h, buf, sizeof buf, 0), SOCKET_ERROR, code);
    BAD(sendto(h, "x", 1, 0, (struct sockaddr *)&sin, sizeof sin), SOCKET_ERROR, code);
    BAD(recvfrom(h, buf, sizeof buf, 0, NULL, NULL), SOCKET_ERROR, code);
    BAD(WSASend(h, &wb, 1, &ret, 0, NULL, NULL), SOCKET_ERROR, code);
    BAD(WSARecv(h, &wb, 1, &ret, &flags, NULL, NULL), SOCKET_ERROR, code);
    BAD(getsockname(h, (struct sockaddr *)&ss, &len), SOCKET_ERROR, code);
    BAD(getpeername(h, (struct sockaddr *)&ss, &len), SOCKET_ERROR, code);
    BAD(setsockopt(h, SOL_SOCKET, SO_KEEPALIVE, (const char *)&v, sizeof v), SOCKET_ERROR, code);
    len = sizeof v;
    BAD(getsockopt(h, SOL_SOCKET, SO_TYPE, (char *)&v, &len), SOCKET_ERROR, code);
    BAD(ioctlsocket(h, FIONBIO, &arg), SOCKET_ERROR, code);
    BAD(WSAIoctl(h, FIONREAD, NULL, 0, &v, sizeof v, &ret, NULL, NULL), SOCKET_ERROR, code);
    BAD(WSAIoctl(h, WSTLS_SO_GET_SESSION_INFO, NULL, 0, buf, sizeof buf, &ret, NULL, NULL), SOCKET_ERROR, code);
    if (code != WSANOTINITIALISED) {
        FD_ZERO(&rs);
        FD_SET(h, &rs);
        BAD(select(0, &rs, NULL, NULL, &tv), SOCKET_ERROR, code);
        CHECK(!FD_ISSET(h + 1, &rs));
    }
}

static void before_startup(void)
{
    struct addrinfo *res = (struct addrinfo *)0x1;
    struct sockaddr_in sin;
    char host[64], serv[16];
    WSAPOLLFD p;
    fd_set rs;
    struct timeval tv = {0, 0};

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    BAD(socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET, WSANOTINITIALISED);
    every_socket_call_fails((SOCKET)1, WSANOTINITIALISED);
    FD_ZERO(&rs);
    FD_SET((SOCKET)1, &rs);
    BAD(select(0, &rs, NULL, NULL, &tv), SOCKET_ERROR, WSANOTINITIALISED);
    p.fd = (SOCKET)1;
    p.events = POLLRDNORM;
    p.revents = 0;
    BAD(WSAPoll(&p, 1, 0), SOCKET_ERROR, WSANOTINITIALISED);
    BAD(WSACleanup(), SOCKET_ERROR, WSANOTINITIALISED);
    BAD_CODE(getaddrinfo("127.0.0.1", NULL, NULL, &res), WSANOTINITIALISED);
    BAD_CODE(getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST),
             WSANOTINITIALISED);
    BAD(gethostbyname("localhost"), NULL, WSANOTINITIALISED);
    BAD(gethostbyaddr((const char *)&sin.sin_addr, 4, AF_INET), NULL, WSANOTINITIALISED);
    BAD(gethostname(host, sizeof host), SOCKET_ERROR, WSANOTINITIALISED);
    /* These need no WSAStartup (as on Windows). */
    CHECK_EQ(inet_addr("1.2.3.4"), htonl(0x01020304));
    CHECK_EQ(htons(0x1234), 0x3412);
    tu_pass("before WSAStartup: WSANOTINITIALISED everywhere");
}

static void startup_and_cleanup(void)
{
    WSADATA d;
    BAD_CODE(WSAStartup(MAKEWORD(2, 2), NULL), WSAEFAULT);
    BAD_CODE(WSAStartup(0x0000, &d), WSAVERNOTSUPPORTED);
    BAD_CODE(WSAStartup(MAKEWORD(0, 9), &d), WSAVERNOTSUPPORTED);
    /* Above 2.2: 2.2 is granted. */
    memset(&d, CANARY, sizeof d);
    CHECK_EQ(WSAStartup(MAKEWORD(9, 9), &d), 0);
    CHECK_EQ(d.wVersion, MAKEWORD(2, 2));
    CHECK_OK(WSACleanup());
    BAD(WSACleanup(), SOCKET_ERROR, WSANOTINITIALISED);
    tu_pass("WSAStartup/WSACleanup: NULL, bad versions, unbalanced cleanup");
}

static void handles(void)
{
    SOCKET s, fresh;
    int i;
    char buf[4];

    s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(s != INVALID_SOCKET);
    CHECK_OK(closesocket(s));
    n_bad_handles = 0;
    bad_handles[n_bad_handles++] = 0;
    bad_handles[n_bad_handles++] = INVALID_SOCKET;
    bad_handles[n_bad_handles++] = (SOCKET)1;       /* slot 0, generation 0: never issued */
    bad_handles[n_bad_handles++] = (SOCKET)0x7654321;
    bad_handles[n_bad_handles++] = (SOCKET)0x80000001u; /* beyond 31 bits */
    bad_handles[n_bad_handles++] = (SOCKET)-2;
    bad_handles[n_bad_handles++] = s;               /* closed */
    for (i = 0; i < n_bad_handles; i++) {
        every_socket_call_fails(bad_handles[i], WSAENOTSOCK);
    }
    /* A stale handle never reaches a socket opened later. */
    fresh = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fresh != INVALID_SOCKET);
    CHECK(fresh != s);
    BAD(send(s, "x", 1, 0), SOCKET_ERROR, WSAENOTSOCK);
    BAD(recv(s, buf, 1, 0), SOCKET_ERROR, WSAENOTSOCK);
    BAD(closesocket(s), SOCKET_ERROR, WSAENOTSOCK);
    {
        DWORD v = 0;
        int len = sizeof v;
        CHECK_OK(getsockopt(fresh, SOL_SOCKET, SO_TYPE, (char *)&v, &len));
        CHECK_EQ(v, SOCK_STREAM);
    }
    CHECK_OK(closesocket(fresh));
    tu_pass("invalid, closed and stale handles: WSAENOTSOCK for every call");
}

static void socket_arguments(void)
{
    BAD(socket(10, SOCK_STREAM, 0), INVALID_SOCKET, WSAEAFNOSUPPORT); /* Linux AF_INET6 */
    BAD(socket(AF_UNSPEC, SOCK_STREAM, 0), INVALID_SOCKET, WSAEAFNOSUPPORT);
    BAD(socket(-1, SOCK_STREAM, 0), INVALID_SOCKET, WSAEAFNOSUPPORT);
    BAD(socket(AF_INET, 0, 0), INVALID_SOCKET, WSAESOCKTNOSUPPORT);
    BAD(socket(AF_INET, 99, 0), INVALID_SOCKET, WSAESOCKTNOSUPPORT);
    BAD(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), INVALID_SOCKET, WSAEPROTONOSUPPORT);
    BAD(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), INVALID_SOCKET, WSAEPROTONOSUPPORT);
    BAD(socket(AF_INET, SOCK_STREAM, -5), INVALID_SOCKET, WSAEPROTONOSUPPORT);
    tu_pass("socket: bad family, type, protocol");
}

static void addresses(void)
{
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    SOCKET s6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    unsigned char big[256];
    SOCKADDR_STORAGE ss;
    int len;

    CHECK(s != INVALID_SOCKET);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;

    BAD(bind(s, NULL, sizeof sin), SOCKET_ERROR, WSAEFAULT);
    BAD(bind(s, (struct sockaddr *)&sin, 0), SOCKET_ERROR, WSAEFAULT);
    BAD(bind(s, (struct sockaddr *)&sin, 1), SOCKET_ERROR, WSAEFAULT);
    BAD(bind(s, (struct sockaddr *)&sin, (int)sizeof sin - 1), SOCKET_ERROR, WSAEFAULT);
    BAD(bind(s, (struct sockaddr *)&sin, -1), SOCKET_ERROR, WSAEFAULT);
    BAD(bind(s, (struct sockaddr *)&sin, INT_MIN), SOCKET_ERROR, WSAEFAULT);
    BAD(connect(s, NULL, 0), SOCKET_ERROR, WSAEFAULT);
    BAD(connect(s, (struct sockaddr *)&sin, 8), SOCKET_ERROR, WSAEFAULT);
    BAD(connect(s, (struct sockaddr *)&sin, -16), SOCKET_ERROR, WSAEFAULT);
    if (s6 != INVALID_SOCKET) {
        BAD(bind(s6, (struct sockaddr *)&sin6, (int)sizeof sin6 - 1), SOCKET_ERROR, WSAEFAULT);
        BAD(bind(s6, (struct sockaddr *)&sin6, 16), SOCKET_ERROR, WSAEFAULT);
    }
    /* Families: the Linux AF_INET6 value and unknown ones. */
    sin.sin_family = 10;
    BAD(bind(s, (struct sockaddr *)&sin, sizeof sin), SOCKET_ERROR, WSAEAFNOSUPPORT);
    sin.sin_family = 0x7777;
    BAD(connect(s, (struct sockaddr *)&sin, sizeof sin), SOCKET_ERROR, WSAEAFNOSUPPORT);
    sin.sin_family = AF_INET;
    /* An IPv6 address on an IPv4 socket. */
    BAD(bind(s, (struct sockaddr *)&sin6, sizeof sin6), SOCKET_ERROR, WSAEAFNOSUPPORT);
    /* Destinations without an address or a port, TCP and UDP. */
    {
        SOCKET u = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in d;
        CHECK(u != INVALID_SOCKET);
        memset(&d, 0, sizeof d);
        d.sin_family = AF_INET;
        d.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        BAD(connect(u, (struct sockaddr *)&d, sizeof d), SOCKET_ERROR, WSAEADDRNOTAVAIL); /* port 0 */
        BAD(sendto(u, "x", 1, 0, (struct sockaddr *)&d, sizeof d), SOCKET_ERROR, WSAEADDRNOTAVAIL);
        d.sin_port = htons(9);
        d.sin_addr.s_addr = 0;
        BAD(connect(u, (struct sockaddr *)&d, sizeof d), SOCKET_ERROR, WSAEADDRNOTAVAIL); /* INADDR_ANY */
        CHECK_OK(closesocket(u));
        d.sin_port = 0;
        d.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        u = socket(AF_INET, SOCK_STREAM, 0);
        BAD(connect(u, (struct sockaddr *)&d, sizeof d), SOCKET_ERROR, WSAEADDRNOTAVAIL);
        CHECK_OK(closesocket(u));
    }
    /* Oversized namelen: accepted (the extra bytes are ignored, as on Windows). */
    memset(big, 0, sizeof big);
    memcpy(big, &sin, sizeof sin);
    CHECK_OK(bind(s, (struct sockaddr *)big, (int)sizeof big));
    BAD(bind(s, (struct sockaddr *)&sin, sizeof sin), SOCKET_ERROR, WSAEINVAL); /* twice */

    /* getsockname/getpeername: NULL and short buffers leave the buffer alone. */
    BAD(getsockname(s, NULL, &len), SOCKET_ERROR, WSAEFAULT);
    BAD(getsockname(s, (struct sockaddr *)&ss, NULL), SOCKET_ERROR, WSAEFAULT);
    memset(&ss, CANARY, sizeof ss);
    len = 15;
    BAD(getsockname(s, (struct sockaddr *)&ss, &len), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(&ss, sizeof ss));
    CHECK_EQ(len, 15);
    len = -1;
    BAD(getsockname(s, (struct sockaddr *)&ss, &len), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(&ss, sizeof ss));
    len = INT_MAX;
    CHECK_OK(getsockname(s, (struct sockaddr *)&ss, &len));
    CHECK_EQ(len, 16);
    len = sizeof ss;
    BAD(getpeername(s, (struct sockaddr *)&ss, &len), SOCKET_ERROR, WSAENOTCONN);
    CHECK_OK(closesocket(s));
    if (s6 != INVALID_SOCKET) {
        CHECK_OK(closesocket(s6));
    }
    tu_pass("addresses: NULL, short, negative and oversized lengths, wrong families");
}

static void options(void)
{
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    SOCKET u = socket(AF_INET, SOCK_DGRAM, 0);
    DWORD v = 1;
    struct linger lg;
    unsigned char out[16];
    int len;
    u_long arg;

    CHECK(s != INVALID_SOCKET && u != INVALID_SOCKET);
    BAD(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, NULL, 4), SOCKET_ERROR, WSAEFAULT);
    BAD(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (const char *)&v, 0), SOCKET_ERROR, WSAEFAULT);
    BAD(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (const char *)&v, -4), SOCKET_ERROR, WSAEFAULT);
    BAD(setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, (int)sizeof lg - 1), SOCKET_ERROR, WSAEFAULT);
    BAD(setsockopt(s, SOL_SOCKET, 0x7abc, (const char *)&v, sizeof v), SOCKET_ERROR, WSAENOPROTOOPT);
    BAD(setsockopt(s, 0x1234, SO_KEEPALIVE, (const char *)&v, sizeof v), SOCKET_ERROR, WSAENOPROTOOPT);
    v = 0x1234;
    BAD(setsockopt(s, SOL_SOCKET, SO_SECURE, (const char *)&v, sizeof v), SOCKET_ERROR, WSAEINVAL);
    v = SO_SEC_SSL;
    BAD(setsockopt(u, SOL_SOCKET, SO_SECURE, (const char *)&v, sizeof v), SOCKET_ERROR, WSAENOPROTOOPT);

    len = sizeof v;
    BAD(getsockopt(s, SOL_SOCKET, SO_TYPE, NULL, &len), SOCKET_ERROR, WSAEFAULT);
    BAD(getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)out, NULL), SOCKET_ERROR, WSAEFAULT);
    memset(out, CANARY, sizeof out);
    len = 3;
    BAD(getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)out, &len), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(out, sizeof out));
    len = -1;
    BAD(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)out, &len), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(out, sizeof out));
    len = (int)sizeof lg - 1;
    BAD(getsockopt(s, SOL_SOCKET, SO_LINGER, (char *)out, &len), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(out, sizeof out));
    len = sizeof out; /* oversized: fine, and the exact size comes back */
    CHECK_OK(getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)out, &len));
    CHECK_EQ(len, 4);
    len = sizeof v;
    BAD(getsockopt(s, SOL_SOCKET, 0x7abc, (char *)&v, &len), SOCKET_ERROR, WSAENOPROTOOPT);

    BAD(ioctlsocket(s, FIONBIO, NULL), SOCKET_ERROR, WSAEFAULT);
    BAD(ioctlsocket(s, FIONREAD, NULL), SOCKET_ERROR, WSAEFAULT);
    arg = 0;
    BAD(ioctlsocket(s, (long)0x12345678, &arg), SOCKET_ERROR, WSAEINVAL);
    CHECK_OK(closesocket(s));
    CHECK_OK(closesocket(u));
    tu_pass("setsockopt/getsockopt/ioctlsocket: NULL, short, negative, unknown");
}

static void wsaioctl(void)
{
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    SOCKET sec = socket(AF_INET, SOCK_STREAM, 0);
    DWORD v = 1, ret;
    unsigned char out[64];
    WSTLS_CREDENTIALS creds;
    WSAOVERLAPPED ov;
    char missing[] = "/nonexistent/wstls/cert.pem";

    CHECK(s != INVALID_SOCKET && sec != INVALID_SOCKET);
    v = SO_SEC_SSL;
    CHECK_OK(setsockopt(sec, SOL_SOCKET, SO_SECURE, (const char *)&v, sizeof v));

    /* Core codes. */
    BAD(WSAIoctl(s, FIONBIO, NULL, 4, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    BAD(WSAIoctl(s, FIONBIO, &v, 3, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    memset(out, CANARY, sizeof out);
    BAD(WSAIoctl(s, FIONREAD, NULL, 0, out, 3, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(out, sizeof out));
    BAD(WSAIoctl(s, FIONREAD, NULL, 0, NULL, 4, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    ret = 1234;
    CHECK_OK(WSAIoctl(s, FIONREAD, NULL, 0, out, sizeof out, &ret, NULL, NULL));
    CHECK_EQ(ret, 4);
    CHECK_OK(WSAIoctl(s, FIONREAD, NULL, 0, out, 4, NULL, NULL, NULL)); /* NULL count: fine */
    BAD(WSAIoctl(s, 0x12345678, NULL, 0, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    BAD(WSAIoctl(s, 0xFFFFFFFFu, NULL, 0, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    memset(&ov, 0, sizeof ov);
    BAD(WSAIoctl(s, FIONREAD, NULL, 0, out, 4, &ret, &ov, NULL), SOCKET_ERROR, WSAEOPNOTSUPP);

    /* wstls extension codes: wrong sizes and NULLs. */
    memset(&creds, 0, sizeof creds);
    BAD(WSAIoctl(sec, WSTLS_SO_SET_SERVER_CREDENTIALS, NULL, sizeof creds, NULL, 0, &ret, NULL, NULL),
        SOCKET_ERROR, WSAEFAULT);
    BAD(WSAIoctl(sec, WSTLS_SO_SET_SERVER_CREDENTIALS, &creds, sizeof creds - 1, NULL, 0, &ret, NULL, NULL),
        SOCKET_ERROR, WSAEFAULT);
    BAD(WSAIoctl(sec, WSTLS_SO_SET_SERVER_CREDENTIALS, &creds, 0, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR,
        WSAEFAULT);
    /* Empty credentials, a missing file, PEM bytes with a NULL pointer. */
    BAD(WSAIoctl(sec, WSTLS_SO_SET_SERVER_CREDENTIALS, &creds, sizeof creds, NULL, 0, &ret, NULL, NULL),
        SOCKET_ERROR, WSAEINVAL);
    creds.cert_file = missing;
    BAD(WSAIoctl(sec, WSTLS_SO_SET_CLIENT_CREDENTIALS, &creds, sizeof creds, NULL, 0, &ret, NULL, NULL),
        SOCKET_ERROR, WSAECONNABORTED);
    CHECK(strstr(wstls_last_error_message(), "nonexistent") != NULL);
    creds.cert_file = NULL;
    creds.cert_pem = NULL;
    creds.cert_pem_len = 100;
    BAD(WSAIoctl(sec, WSTLS_SO_SET_SERVER_CREDENTIALS, &creds, sizeof creds, NULL, 0, &ret, NULL, NULL),
        SOCKET_ERROR, WSAEFAULT);
    creds.cert_pem = (const uint8_t *)"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
    creds.cert_pem_len = (uint32_t)strlen((const char *)creds.cert_pem);
    BAD(WSAIoctl(sec, WSTLS_SO_SET_SERVER_CREDENTIALS, &creds, sizeof creds, NULL, 0, &ret, NULL, NULL),
        SOCKET_ERROR, WSAECONNABORTED);
    BAD(WSAIoctl(sec, WSTLS_SO_SET_CLIENT_CA, &creds, sizeof creds, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR,
        WSAECONNABORTED);
    v = 0x80;
    BAD(WSAIoctl(sec, WSTLS_SO_SET_VERIFY_MODE, &v, sizeof v, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    v = WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT; /* without WSTLS_VERIFY_PEER */
    BAD(WSAIoctl(sec, WSTLS_SO_SET_VERIFY_MODE, &v, sizeof v, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    BAD(WSAIoctl(sec, WSTLS_SO_SET_VERIFY_MODE, &v, 2, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    memset(out, CANARY, sizeof out);
    BAD(WSAIoctl(sec, WSTLS_SO_GET_VERIFY_MODE, NULL, 0, out, 2, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(out, sizeof out));
    /* ALPN lists: zero-length names, lengths past the end, NULL with a length. */
    BAD(WSAIoctl(sec, WSTLS_SO_SET_ALPN, "\x00", 1, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    BAD(WSAIoctl(sec, WSTLS_SO_SET_ALPN, "\x05h2", 3, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    BAD(WSAIoctl(sec, WSTLS_SO_SET_ALPN, NULL, 8, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    /* Before any handshake. */
    BAD(WSAIoctl(sec, WSTLS_SO_GET_SESSION_INFO, NULL, 0, out, sizeof out, &ret, NULL, NULL), SOCKET_ERROR,
        WSAENOTCONN);
    BAD(WSAIoctl(sec, WSTLS_SO_GET_VERIFY_RESULT, NULL, 0, out, sizeof out, &ret, NULL, NULL), SOCKET_ERROR,
        WSAENOTCONN);
    v = 0;
    BAD(WSAIoctl(sec, WSTLS_SO_GET_PEER_CERTIFICATE, &v, sizeof v, out, sizeof out, &ret, NULL, NULL),
        SOCKET_ERROR, WSAEINVAL);
    /* On a plain socket the setters have nothing to configure. */
    v = WSTLS_VERIFY_PEER;
    BAD(WSAIoctl(s, WSTLS_SO_SET_VERIFY_MODE, &v, sizeof v, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    BAD(WSAIoctl(s, WSTLS_SO_SET_ALPN, "\x02h2", 3, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    /* Unknown code in the wstls family. */
    BAD(WSAIoctl(sec, 0x905700FFu, NULL, 0, NULL, 0, &ret, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    /* The socket is still usable: a good setting goes through. */
    CHECK_OK(WSAIoctl(sec, WSTLS_SO_SET_ALPN, "\x02h2", 3, NULL, 0, &ret, NULL, NULL));
    CHECK_OK(closesocket(s));
    CHECK_OK(closesocket(sec));
    tu_pass("WSAIoctl: core and wstls codes with NULL, short, malformed and out-of-state input");
}

static void data_calls(void)
{
    SOCKET c, s, u;
    char buf[64];
    WSABUF wb[2];
    DWORD n, flags;
    SOCKADDR_STORAGE from;
    int fromlen;
    WSAOVERLAPPED ov;
    struct sockaddr_in to;
    u_long nb = 1;

    tu_pair(AF_INET, &c, &s);
    /* A lost byte must fail the test, not hang it. */
    n = 10000;
    CHECK_OK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&n, sizeof n));
    tu_send_all(c, "abc", 3);

    /* Bad receive calls: nothing may be consumed. */
    BAD(recv(s, NULL, 10, 0), SOCKET_ERROR, WSAEFAULT);
    BAD(recv(s, buf, -1, 0), SOCKET_ERROR, WSAEFAULT);
    BAD(recv(s, buf, INT_MIN, 0), SOCKET_ERROR, WSAEFAULT);
    BAD(recv(s, buf, sizeof buf, 0x40000000), SOCKET_ERROR, WSAEINVAL);
    BAD(recvfrom(s, NULL, 10, 0, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    fromlen = 4;
    memset(&from, CANARY, sizeof from);
    BAD(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(&from, sizeof from));
    BAD(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, NULL), SOCKET_ERROR, WSAEFAULT);
    flags = 0;
    BAD(WSARecv(s, NULL, 1, &n, &flags, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    wb[0].buf = buf;
    wb[0].len = sizeof buf;
    BAD(WSARecv(s, wb, 1, &n, NULL, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    wb[0].buf = NULL;
    wb[0].len = 5;
    BAD(WSARecv(s, wb, 1, &n, &flags, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    memset(&ov, 0, sizeof ov);
    wb[0].buf = buf;
    BAD(WSARecv(s, wb, 1, &n, &flags, &ov, NULL), SOCKET_ERROR, WSAEOPNOTSUPP);
    flags = 0x40000000;
    BAD(WSARecv(s, wb, 1, &n, &flags, NULL, NULL), SOCKET_ERROR, WSAEINVAL);

    /* Bad send calls: nothing may be sent. */
    BAD(send(c, NULL, 10, 0), SOCKET_ERROR, WSAEFAULT);
    BAD(send(c, "xyz", -3, 0), SOCKET_ERROR, WSAEFAULT);
    BAD(send(c, "xyz", 3, 0x40000000), SOCKET_ERROR, WSAEINVAL);
    BAD(sendto(c, NULL, 3, 0, NULL, 0), SOCKET_ERROR, WSAEFAULT);
    BAD(WSASend(c, NULL, 1, &n, 0, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    wb[0].buf = NULL;
    wb[0].len = 3;
    BAD(WSASend(c, wb, 1, &n, 0, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    wb[0].buf = (char *)"xyz";
    BAD(WSASend(c, wb, 1, &n, 0, &ov, NULL), SOCKET_ERROR, WSAEOPNOTSUPP);
    CHECK_EQ(send(c, "xyz", 0, 0), 0);

    /* The stream is intact: exactly "abc" then "def". */
    tu_send_all(c, "def", 3);
    memset(buf, 0, sizeof buf);
    CHECK_EQ(recv(s, buf, 6, MSG_WAITALL), 6);
    CHECK(memcmp(buf, "abcdef", 6) == 0);
    CHECK_OK(ioctlsocket(s, FIONBIO, &nb));
    BAD(recv(s, buf, sizeof buf, 0), SOCKET_ERROR, WSAEWOULDBLOCK);

    /* A receive whose address buffer is too small does not eat the data (stream). */
    tu_send_all(c, "ghi", 3);
    fromlen = 4;
    while (recvfrom(s, buf, sizeof buf, MSG_PEEK, NULL, NULL) == SOCKET_ERROR) {
        CHECK_EQ(WSAGetLastError(), WSAEWOULDBLOCK);
    }
    BAD(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen), SOCKET_ERROR, WSAEFAULT);
    fromlen = sizeof from;
    CHECK_EQ(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen), 3);
    CHECK(memcmp(buf, "ghi", 3) == 0);
    CHECK_EQ(fromlen, 16);

    /* Wrong state. */
    BAD(shutdown(s, 7), SOCKET_ERROR, WSAEINVAL);
    BAD(shutdown(s, -1), SOCKET_ERROR, WSAEINVAL);
    BAD(listen(s, 5), SOCKET_ERROR, WSAEISCONN);
    CHECK_OK(shutdown(c, SD_SEND));
    BAD(send(c, "x", 1, 0), SOCKET_ERROR, WSAESHUTDOWN);
    CHECK_OK(shutdown(s, SD_RECEIVE));
    BAD(recv(s, buf, 1, 0), SOCKET_ERROR, WSAESHUTDOWN);
    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(s));

    /* A datagram is not lost to a bad address buffer. */
    u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(u != INVALID_SOCKET);
    tu_loopback(AF_INET, 0, &from);
    CHECK_OK(bind(u, (struct sockaddr *)&from, 16));
    fromlen = sizeof from;
    CHECK_OK(getsockname(u, (struct sockaddr *)&from, &fromlen));
    memcpy(&to, &from, sizeof to);
    CHECK_EQ(sendto(u, "dgram", 5, 0, (struct sockaddr *)&to, sizeof to), 5);
    BAD(sendto(u, "dgram", 5, 0, (struct sockaddr *)&to, 8), SOCKET_ERROR, WSAEFAULT);
    fromlen = 3;
    BAD(recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen), SOCKET_ERROR, WSAEFAULT);
    fromlen = sizeof from;
    CHECK_EQ(recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen), 5);
    CHECK(memcmp(buf, "dgram", 5) == 0);
    BAD(listen(u, 1), SOCKET_ERROR, WSAEOPNOTSUPP);
    CHECK_OK(closesocket(u));
    tu_pass("send/recv family: NULL, negative, bad flags, overlapped; no byte lost or reordered");
}

static void states(void)
{
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    SOCKET l, c, a;
    u_short port;
    char buf[8];
    SOCKADDR_STORAGE ss;
    int len;
    DWORD v = SO_SEC_SSL;

    BAD(listen(s, 1), SOCKET_ERROR, WSAEINVAL); /* not bound */
    BAD(accept(s, NULL, NULL), INVALID_SOCKET, WSAEINVAL); /* not listening */
    BAD(send(s, "x", 1, 0), SOCKET_ERROR, WSAENOTCONN);
    BAD(recv(s, buf, 1, 0), SOCKET_ERROR, WSAENOTCONN);
    BAD(shutdown(s, SD_BOTH), SOCKET_ERROR, WSAENOTCONN);
    len = sizeof ss;
    BAD(getsockname(s, (struct sockaddr *)&ss, &len), SOCKET_ERROR, WSAEINVAL); /* not bound */

    l = tu_listener(AF_INET, &port);
    BAD(connect(l, (struct sockaddr *)&ss, tu_loopback(AF_INET, port, &ss)), SOCKET_ERROR, WSAEINVAL);
    BAD(recv(l, buf, 1, 0), SOCKET_ERROR, WSAENOTCONN);
    BAD(setsockopt(l, SOL_SOCKET, SO_SECURE, (const char *)&v, sizeof v), SOCKET_ERROR, WSAEISCONN);

    c = tu_connect(AF_INET, port);
    BAD(connect(c, (struct sockaddr *)&ss, tu_loopback(AF_INET, port, &ss)), SOCKET_ERROR, WSAEISCONN);
    BAD(setsockopt(c, SOL_SOCKET, SO_SECURE, (const char *)&v, sizeof v), SOCKET_ERROR, WSAEISCONN);

    /* accept with a short or inconsistent address buffer fails before taking the
     * connection: the pending connection is still there for the next accept. */
    len = 8;
    BAD(accept(l, (struct sockaddr *)&ss, &len), INVALID_SOCKET, WSAEFAULT);
    len = -1;
    BAD(accept(l, (struct sockaddr *)&ss, &len), INVALID_SOCKET, WSAEFAULT);
    BAD(accept(l, NULL, &len), INVALID_SOCKET, WSAEFAULT);
    BAD(accept(l, (struct sockaddr *)&ss, NULL), INVALID_SOCKET, WSAEFAULT);
    len = sizeof ss;
    a = accept(l, (struct sockaddr *)&ss, &len);
    CHECK(a != INVALID_SOCKET);
    CHECK_EQ(len, 16);
    tu_send_all(c, "ok", 2);
    tu_recv_exact(a, buf, 2);
    CHECK(memcmp(buf, "ok", 2) == 0);
    CHECK_OK(closesocket(a));
    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(l));
    CHECK_OK(closesocket(s));
    tu_pass("calls in the wrong state; accept keeps the connection on a bad buffer");
}

static void select_and_poll(void)
{
    SOCKET c, s;
    fd_set rs, ws;
    struct timeval tv = {0, 0};
    WSAPOLLFD p[3];

    tu_pair(AF_INET, &c, &s);
    BAD(select(0, NULL, NULL, NULL, &tv), SOCKET_ERROR, WSAEINVAL);
    FD_ZERO(&rs);
    BAD(select(0, &rs, NULL, NULL, &tv), SOCKET_ERROR, WSAEINVAL);
    FD_ZERO(&rs);
    FD_SET(s, &rs);
    tv.tv_sec = -1;
    BAD(select(0, &rs, NULL, NULL, &tv), SOCKET_ERROR, WSAEINVAL);
    tv.tv_sec = 0;
    tv.tv_usec = -5;
    BAD(select(0, &rs, NULL, NULL, &tv), SOCKET_ERROR, WSAEINVAL);
    tv.tv_usec = 0;
    /* A closed handle among good ones: WSAENOTSOCK, and the sets are left as they were. */
    FD_ZERO(&ws);
    FD_SET(c, &ws);
    FD_SET(bad_handles[6], &ws);
    BAD(select(0, NULL, &ws, NULL, &tv), SOCKET_ERROR, WSAENOTSOCK);
    CHECK_EQ(ws.fd_count, 2);
    CHECK(!FD_ISSET(s, NULL));
    /* nfds is ignored, even when absurd. */
    FD_ZERO(&ws);
    FD_SET(c, &ws);
    CHECK_EQ(select(-12345, NULL, &ws, NULL, &tv), 1);

    BAD(WSAPoll(NULL, 1, 0), SOCKET_ERROR, WSAEFAULT);
    BAD(WSAPoll(p, 0, 0), SOCKET_ERROR, WSAEINVAL);
    p[0].fd = c;
    p[0].events = POLLPRI; /* not allowed on Windows */
    p[0].revents = 0;
    BAD(WSAPoll(p, 1, 0), SOCKET_ERROR, WSAEINVAL);
    p[0].events = POLLWRNORM;
    p[1].fd = bad_handles[6];
    p[1].events = POLLRDNORM;
    p[1].revents = 0;
    p[2].fd = (SOCKET)-1; /* negative: ignored */
    p[2].events = POLLRDNORM;
    p[2].revents = 0x55;
    CHECK_EQ(WSAPoll(p, 3, 0), 2);
    CHECK_EQ(p[0].revents, POLLWRNORM);
    CHECK_EQ(p[1].revents, POLLNVAL);
    CHECK_EQ(p[2].revents, 0);
    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(s));
    tu_pass("select/WSAPoll: empty sets, negative timeouts, closed handles, bad events");
}

static void names(void)
{
    struct addrinfo *res = NULL;
    struct addrinfo hints;
    struct sockaddr_in sin;
    char host[64], serv[16], small[4];
    unsigned char a4[4], a16[16];

    BAD_CODE(getaddrinfo("localhost", NULL, NULL, NULL), WSAEFAULT);
    BAD_CODE(getaddrinfo(NULL, NULL, NULL, &res), WSAHOST_NOT_FOUND);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = 10; /* Linux AF_INET6 */
    BAD_CODE(getaddrinfo("localhost", NULL, &hints, &res), WSAEAFNOSUPPORT);
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = 77;
    BAD_CODE(getaddrinfo("localhost", NULL, &hints, &res), WSAESOCKTNOSUPPORT);
    memset(&hints, 0, sizeof hints);
    hints.ai_addrlen = 16; /* not zeroed */
    BAD_CODE(getaddrinfo("localhost", NULL, &hints, &res), WSANO_RECOVERY);
    CHECK(res == NULL);
    freeaddrinfo(NULL);
    {
        struct addrinfo fake;
        memset(&fake, 0, sizeof fake);
        WSASetLastError(0);
        freeaddrinfo(&fake); /* not ours: left alone */
        CHECK_EQ(WSAGetLastError(), WSAEINVAL);
    }

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BAD_CODE(getnameinfo(NULL, sizeof sin, host, sizeof host, NULL, 0, 0), WSAEFAULT);
    BAD_CODE(getnameinfo((struct sockaddr *)&sin, 8, host, sizeof host, NULL, 0, 0), WSAEFAULT);
    BAD_CODE(getnameinfo((struct sockaddr *)&sin, -1, host, sizeof host, NULL, 0, 0), WSAEFAULT);
    BAD_CODE(getnameinfo((struct sockaddr *)&sin, sizeof sin, NULL, 0, NULL, 0, 0), WSAEFAULT);
    BAD_CODE(getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, serv, sizeof serv, 0x7F000000),
             WSAEINVAL);
    memset(small, CANARY, sizeof small);
    CHECK(getnameinfo((struct sockaddr *)&sin, sizeof sin, small, 2, NULL, 0, NI_NUMERICHOST) != 0);
    sin.sin_family = 10;
    BAD_CODE(getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, NULL, 0, 0), WSAEAFNOSUPPORT);

    BAD(gethostbyaddr(NULL, 4, AF_INET), NULL, WSAEFAULT);
    BAD(gethostbyaddr((const char *)a4, 3, AF_INET), NULL, WSAEFAULT);
    BAD(gethostbyaddr((const char *)a4, -4, AF_INET), NULL, WSAEFAULT);
    BAD(gethostbyaddr((const char *)a16, 4, AF_INET6), NULL, WSAEFAULT);
    BAD(gethostbyaddr((const char *)a4, 4, 10), NULL, WSAEAFNOSUPPORT);
    BAD(gethostname(NULL, 64), SOCKET_ERROR, WSAEFAULT);
    memset(small, CANARY, sizeof small);
    BAD(gethostname(small, 1), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(small, sizeof small));
    BAD(gethostname(host, -1), SOCKET_ERROR, WSAEFAULT);

    CHECK_EQ(inet_addr(NULL), INADDR_NONE);
    CHECK_EQ(inet_addr(""), INADDR_NONE);
    CHECK_EQ(inet_addr("1.2.3.4.5"), INADDR_NONE);
    CHECK_EQ(inet_addr("256.1.1.1"), INADDR_NONE);
    BAD(inet_pton(AF_INET, NULL, a4), -1, WSAEFAULT);
    BAD(inet_pton(AF_INET, "1.2.3.4", NULL), -1, WSAEFAULT);
    BAD(inet_pton(10, "::1", a16), -1, WSAEAFNOSUPPORT);
    CHECK_EQ(inet_pton(AF_INET, "1.2.3", a4), 0);
    CHECK_EQ(inet_pton(AF_INET6, "1:::2", a16), 0);
    memset(a4, 1, sizeof a4);
    BAD(inet_ntop(AF_INET, NULL, host, sizeof host), NULL, WSA_INVALID_PARAMETER);
    BAD(inet_ntop(AF_INET, a4, NULL, 16), NULL, WSA_INVALID_PARAMETER);
    memset(small, CANARY, sizeof small);
    BAD(inet_ntop(AF_INET, a4, small, sizeof small), NULL, WSA_INVALID_PARAMETER);
    CHECK(untouched(small, sizeof small));
    BAD(inet_ntop(10, a16, host, sizeof host), NULL, WSAEAFNOSUPPORT);
    CHECK_STR(inet_ntop(AF_INET, a4, host, 8), "1.1.1.1");
    {
        struct in_addr ia;
        ia.s_addr = htonl(0xFFFFFFFFu);
        CHECK_STR(inet_ntoa(ia), "255.255.255.255");
    }
    CHECK_EQ(ntohs(htons(0xBEEF)), 0xBEEF);
    CHECK_EQ(ntohl(htonl(0xDEADBEEFu)), 0xDEADBEEFu);
    CHECK(!__WSAFDIsSet((SOCKET)1, NULL));
    tu_pass("name helpers: NULL, short, negative, wrong family and flags");
}

static void process_settings(void)
{
    char missing[] = "/nonexistent/wstls.pem";
    BAD(wstls_set_default_server_credentials(NULL, missing), SOCKET_ERROR, WSAEFAULT);
    /* Both NULL removes the process default server identity: not an error. */
    CHECK_OK(wstls_set_default_server_credentials(NULL, NULL));
    BAD(wstls_set_default_server_credentials(missing, NULL), SOCKET_ERROR, WSAECONNABORTED);
    CHECK(strstr(wstls_last_error_message(), missing) != NULL);
    BAD(wstls_set_default_client_credentials(missing, missing), SOCKET_ERROR, WSAECONNABORTED);
    /* NULL removes the client identity: not an error. */
    CHECK_OK(wstls_set_default_client_credentials(NULL, NULL));
    CHECK(wstls_version() != NULL && wstls_version()[0] != '\0');
    tu_pass("process settings: NULL and missing files");
}

int main(void)
{
    WSASetLastError(12345);
    CHECK_EQ(WSAGetLastError(), 12345);
    CHECK(wstls_last_error_message() != NULL);
    before_startup();
    startup_and_cleanup();
    tu_startup();
    socket_arguments();
    handles();
    addresses();
    options();
    wsaioctl();
    data_calls();
    states();
    select_and_poll();
    names();
    process_settings();
    CHECK_OK(WSACleanup());
    return 0;
}
