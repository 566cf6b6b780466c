/*
 * testutil.h - helpers for the wstls C suite. The tests themselves are written the Windows
 * way (winsock2.h, WSAStartup, SOCKET, closesocket, WSAGetLastError); only the loopback peer
 * threads use pthreads underneath (tu_thread_*).
 *
 * Every CHECK prints file:line, the expression, the values, WSAGetLastError() and
 * wstls_last_error_message(), then exits with status 1.
 */
#ifndef WSTLS_TESTUTIL_H
#define WSTLS_TESTUTIL_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

void tu_fail(const char *file, int line, const char *expr, const char *detail);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            tu_fail(__FILE__, __LINE__, #cond, NULL);                                              \
        }                                                                                          \
    } while (0)

/* Integer equality (both sides as long long). */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long tu_a_ = (long long)(a), tu_b_ = (long long)(b);                                  \
        if (tu_a_ != tu_b_) {                                                                      \
            char tu_m_[160];                                                                       \
            snprintf(tu_m_, sizeof tu_m_, "%lld != %lld", tu_a_, tu_b_);                           \
            tu_fail(__FILE__, __LINE__, #a " == " #b, tu_m_);                                      \
        }                                                                                          \
    } while (0)

/* A call that must not return SOCKET_ERROR. */
#define CHECK_OK(call)                                                                             \
    do {                                                                                           \
        if ((call) == SOCKET_ERROR) {                                                              \
            tu_fail(__FILE__, __LINE__, #call, "returned SOCKET_ERROR");                           \
        }                                                                                          \
    } while (0)

/* A call that must fail: return `failvalue` with WSAGetLastError() == `code`. */
#define CHECK_FAILS(call, failvalue, code)                                                         \
    do {                                                                                           \
        long long tu_r_ = (long long)(call);                                                       \
        int tu_e_ = WSAGetLastError();                                                             \
        if (tu_r_ != (long long)(failvalue) || tu_e_ != (code)) {                                  \
            char tu_m_[200];                                                                       \
            snprintf(tu_m_, sizeof tu_m_, "returned %lld with WSAGetLastError() %d; expected %lld with %s (%d)", \
                     tu_r_, tu_e_, (long long)(failvalue), #code, (int)(code));                    \
            tu_fail(__FILE__, __LINE__, #call, tu_m_);                                             \
        }                                                                                          \
    } while (0)

/* Equal strings. */
void tu_check_str(const char *file, int line, const char *expr, const char *a, const char *b);
#define CHECK_STR(a, b) tu_check_str(__FILE__, __LINE__, #a " == " #b, (a), (b))

/* WSAStartup(2.2) with its checks. */
void tu_startup(void);

/* The loopback address of `af` (AF_INET or AF_INET6) with `port` (host order). */
int tu_loopback(int af, u_short port, SOCKADDR_STORAGE *ss);

/* A listening TCP socket on the loopback address, port chosen by the system; *port gets it. */
SOCKET tu_listener(int af, u_short *port);

/* A blocking TCP connection to the loopback address at `port`. */
SOCKET tu_connect(int af, u_short port);

/* A connected pair over loopback: *client from connect, *server from accept. */
void tu_pair(int af, SOCKET *client, SOCKET *server);

/* Sends all of buf (CHECKs each send). */
void tu_send_all(SOCKET s, const char *buf, int len);

/* Receives exactly len bytes (CHECKs each recv; a premature 0 fails). */
void tu_recv_exact(SOCKET s, char *buf, int len);

/* Whether the host has a usable IPv6 loopback (::1). */
int tu_have_ipv6(void);

/* A thread for a loopback peer. */
typedef struct tu_thread tu_thread;
tu_thread *tu_thread_start(void *(*fn)(void *), void *arg);
void *tu_thread_join(tu_thread *t);

/* Prints "ok: name" (for the ctest log). */
void tu_pass(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* WSTLS_TESTUTIL_H */
