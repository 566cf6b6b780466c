/*
 * test_stress.c - races and stress the C way (issue "reliability and security"), meant to run
 * under AddressSanitizer/UndefinedBehaviorSanitizer and valgrind too:
 *  1. RT_THREADS client threads (default 8) each open, handshake, exchange and close
 *     RT_EACH secure sockets (default 200) against one listener accepted by RT_THREADS threads;
 *  2. full duplex on one secure socket: two threads per end send and receive at once;
 *  3. closesocket racing a blocked recv, a blocked send and a blocked select;
 *  4. descriptors back to their baseline.
 */
#include <winsock2.h>
#include <sslsock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tlsutil.h"

static SOCKET g_listener;
static u_short g_port;
static long g_each;
static volatile int g_served;

static void *server_thread(void *arg)
{
    char buf[32];
    (void)arg;
    for (;;) {
        SOCKET a = accept(g_listener, NULL, NULL);
        if (a == INVALID_SOCKET) {
            int e = WSAGetLastError();
            CHECK(e == WSAEINTR || e == WSAENOTSOCK);
            return NULL;
        }
        CHECK_EQ(recv(a, buf, 32, MSG_WAITALL), 32);
        tu_send_all(a, buf, 32);
        CHECK_OK(closesocket(a));
        __sync_fetch_and_add(&g_served, 1);
    }
}

static void *client_thread(void *arg)
{
    long t = (long)(intptr_t)arg, i;
    char out[32], in[32];
    for (i = 0; i < g_each; i++) {
        SOCKET c = rt_secure_connect(g_port);
        CHECK(c != INVALID_SOCKET);
        memset(out, 0, sizeof out);
        snprintf(out, sizeof out, "thread %d socket %d", (int)(t % 100), (int)(i % 100000));
        tu_send_all(c, out, 32);
        CHECK_EQ(recv(c, in, 32, MSG_WAITALL), 32);
        CHECK(memcmp(in, out, 32) == 0);
        CHECK_OK(closesocket(c));
    }
    return NULL;
}

static void many_handshakes(void)
{
    long threads = rt_env_long("RT_THREADS", 8);
    tu_thread *srv[64], *cli[64];
    long i;
    CHECK(threads > 0 && threads <= 64);
    g_each = rt_env_long("RT_EACH", 200);
    g_listener = rt_secure_listener(&g_port);
    for (i = 0; i < threads; i++) {
        srv[i] = tu_thread_start(server_thread, NULL);
    }
    for (i = 0; i < threads; i++) {
        cli[i] = tu_thread_start(client_thread, (void *)(intptr_t)i);
    }
    for (i = 0; i < threads; i++) {
        tu_thread_join(cli[i]);
    }
    while (g_served < threads * g_each) {
        usleep(10000);
    }
    CHECK_OK(closesocket(g_listener)); /* wakes the accepting threads */
    for (i = 0; i < threads; i++) {
        tu_thread_join(srv[i]);
    }
    CHECK_EQ(g_served, threads * g_each);
    printf("ok: %ld threads x %ld secure sockets opened, handshaken, used and closed\n", threads, g_each);
}

/* ---- full duplex ---------------------------------------------------------------------------- */

#define DUPLEX_BYTES (4 << 20)

struct duplex {
    SOCKET s;
    unsigned seed;
    unsigned long long sum;
};

static unsigned char byte_at(unsigned seed, long i)
{
    return (unsigned char)((i * 2654435761u) >> 13 ^ seed);
}

static void *duplex_send(void *p)
{
    struct duplex *d = (struct duplex *)p;
    static __thread char buf[20000];
    long off = 0;
    while (off < DUPLEX_BYTES) {
        int n = (int)(1 + (off * 7919) % (long)sizeof buf), k;
        if (n > DUPLEX_BYTES - off) {
            n = (int)(DUPLEX_BYTES - off);
        }
        for (k = 0; k < n; k++) {
            buf[k] = (char)byte_at(d->seed, off + k);
        }
        tu_send_all(d->s, buf, n);
        off += n;
    }
    return NULL;
}

static void *duplex_recv(void *p)
{
    struct duplex *d = (struct duplex *)p;
    static __thread char buf[16384];
    long got = 0;
    while (got < DUPLEX_BYTES) {
        int n = recv(d->s, buf, (int)(1 + got % (long)sizeof buf), 0), k;
        CHECK(n > 0);
        for (k = 0; k < n; k++) {
            if ((unsigned char)buf[k] != byte_at(d->seed, got + k)) {
                tu_fail(__FILE__, __LINE__, "full duplex", "a byte differs");
            }
        }
        got += n;
    }
    return NULL;
}

static void full_duplex(void)
{
    SOCKET c, s;
    struct duplex cs, cr, ss, sr;
    tu_thread *t[4];
    rt_secure_pair(&c, &s);
    cs.s = c; cs.seed = 1;
    sr.s = s; sr.seed = 1;
    ss.s = s; ss.seed = 2;
    cr.s = c; cr.seed = 2;
    t[0] = tu_thread_start(duplex_send, &cs);
    t[1] = tu_thread_start(duplex_recv, &sr);
    t[2] = tu_thread_start(duplex_send, &ss);
    t[3] = tu_thread_start(duplex_recv, &cr);
    tu_thread_join(t[0]);
    tu_thread_join(t[1]);
    tu_thread_join(t[2]);
    tu_thread_join(t[3]);
    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(s));
    printf("ok: full duplex, %d bytes each way on one secure socket\n", DUPLEX_BYTES);
}

/* ---- closesocket racing blocked calls --------------------------------------------------------- */

struct blocked {
    SOCKET s;
    int what; /* 0 recv, 1 send, 2 select */
    long r;
    int err;
};

static void *blocked_call(void *p)
{
    struct blocked *b = (struct blocked *)p;
    static __thread char buf[1 << 16];
    fd_set rs;
    switch (b->what) {
    case 0:
        b->r = recv(b->s, buf, sizeof buf, 0);
        break;
    case 1:
        do {
            b->r = send(b->s, buf, sizeof buf, 0);
        } while (b->r > 0);
        break;
    default:
        FD_ZERO(&rs);
        FD_SET(b->s, &rs);
        b->r = select(0, &rs, NULL, NULL, NULL);
        break;
    }
    b->err = WSAGetLastError();
    return NULL;
}

static void close_races(void)
{
    int what, round;
    for (what = 0; what < 3; what++) {
        for (round = 0; round < 5; round++) {
            SOCKET c, s;
            struct blocked b;
            tu_thread *t;
            rt_secure_pair(&c, &s);
            b.s = c;
            b.what = what;
            b.r = 0;
            b.err = 0;
            t = tu_thread_start(blocked_call, &b);
            usleep(20000 * (unsigned)round);
            CHECK_OK(closesocket(c));
            tu_thread_join(t);
            CHECK_EQ(b.r, SOCKET_ERROR);
            if (b.err != WSAEINTR && b.err != WSAENOTSOCK) {
                tu_fail(__FILE__, __LINE__, "blocked call interrupted by closesocket", "unexpected code");
            }
            CHECK_OK(closesocket(s));
        }
    }
    printf("ok: closesocket ends blocked recv, send and select (WSAEINTR/WSAENOTSOCK)\n");
}

int main(void)
{
    int fds0;
    rt_require_pki();
    tu_startup();
    /* Warm up so that the baseline holds the library's long-lived descriptors. */
    {
        SOCKET c, s;
        rt_secure_pair(&c, &s);
        CHECK_OK(closesocket(c));
        CHECK_OK(closesocket(s));
    }
    fds0 = rt_open_fds();
    many_handshakes();
    full_duplex();
    close_races();
    CHECK_EQ(rt_open_fds(), fds0);
    printf("ok: descriptors back to the baseline (%d)\n", fds0);
    CHECK_OK(WSACleanup());
    return 0;
}
