/* native.c - POSIX socket helpers (plain Linux sockets, blocking) for the OpenSSL and TCP
 * backends, and the scale-benchmark calls on native descriptors. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "native.h"

static void nodelay(int s)
{
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static socklen_t loopback(int port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)port);
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof *sa;
}

int nat_listener(int *port)
{
    struct sockaddr_in sa;
    socklen_t len = loopback(0, &sa);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, len) < 0 || listen(s, 4096) < 0 ||
        getsockname(s, (struct sockaddr *)&sa, &len) < 0) {
        perror("listener");
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return s;
}

int nat_accept(int l)
{
    int s = accept(l, NULL, NULL);
    if (s < 0) { perror("accept"); return -1; }
    nodelay(s);
    return s;
}

int nat_connect(int port)
{
    struct sockaddr_in sa;
    socklen_t len = loopback(port, &sa);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { perror("socket"); return -1; }
    nodelay(s);
    if (connect(s, (struct sockaddr *)&sa, len) < 0) { perror("connect"); close(s); return -1; }
    return s;
}

long be_socket(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) perror("socket");
    return s;
}

int be_getsockopt_call(long s)
{
    int v = 0;
    socklen_t len = sizeof v;
    return getsockopt((int)s, SOL_SOCKET, SO_RCVBUF, &v, &len);
}

void be_socket_close(long s) { close((int)s); }

int be_fionbio_call(long s)
{
    int nb = 0;
    return ioctl((int)s, FIONBIO, &nb);
}

int be_plain_pair(long *a, long *b)
{
    int port = 0, l = nat_listener(&port), c, s;
    if (l < 0) return -1;
    c = nat_connect(port);
    s = nat_accept(l);
    close(l);
    if (c < 0 || s < 0) return -1;
    *a = c;
    *b = s;
    return 0;
}

int be_plain_send(long s, const void *buf, int len) { return (int)send((int)s, buf, (size_t)len, MSG_NOSIGNAL); }
int be_plain_recv(long s, void *buf, int len) { return (int)recv((int)s, buf, (size_t)len, 0); }
