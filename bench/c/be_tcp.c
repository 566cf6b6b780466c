/* be_tcp.c - plain TCP over native Linux sockets: the ceiling (no TLS at all). */
#include <stdlib.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "native.h"

struct be_conn { int fd; };
struct be_listener { int fd; };

const char *be_name(void) { return "tcp"; }
int be_init(const struct be_opts *o) { (void)o; return 0; }

be_listener *be_listen(int *port)
{
    be_listener *l = calloc(1, sizeof *l);
    l->fd = nat_listener(port);
    if (l->fd < 0) { free(l); return NULL; }
    return l;
}

void be_close_listener(be_listener *l) { close(l->fd); free(l); }

static be_conn *wrap(int fd)
{
    be_conn *c;
    if (fd < 0) return NULL;
    c = calloc(1, sizeof *c);
    c->fd = fd;
    return c;
}

be_conn *be_accept(be_listener *l) { return wrap(nat_accept(l->fd)); }
be_conn *be_connect(int port) { return wrap(nat_connect(port)); }

int be_send(be_conn *c, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) { perror("send"); return -1; }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

long be_recv(be_conn *c, void *buf, size_t len)
{
    ssize_t n = recv(c->fd, buf, len, 0);
    if (n < 0) perror("recv");
    return (long)n;
}

void be_close(be_conn *c) { close(c->fd); free(c); }
const char *be_suite(be_conn *c) { (void)c; return ""; }
int be_resumed(be_conn *c) { (void)c; return 0; }
