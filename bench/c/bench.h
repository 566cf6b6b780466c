/*
 * bench.h - the backend interface shared by the wstls, OpenSSL and plain-TCP builds of the
 * benchmark program. bench.c (the measurements) sees only this header, so the same loops run
 * over every backend. Every call is blocking; a connection is ready for data when returned.
 */
#ifndef WSTLS_BENCH_H
#define WSTLS_BENCH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct be_conn be_conn;
typedef struct be_listener be_listener;

struct be_opts {
    const char *cert;   /* server certificate chain (PEM file) */
    const char *key;    /* server key (PEM file) */
    const char *ca;     /* CA the client trusts (PEM file) */
    const char *host;   /* name the client checks the certificate against */
    const char *cipher; /* IANA TLS 1.3 suite name, or NULL for the defaults */
    const char *groups; /* key exchange groups ("X25519"), or NULL for the defaults */
    int resume;         /* clients resume sessions (1) or always do full handshakes (0) */
};

/* "wstls", "openssl" or "tcp". */
const char *be_name(void);
/* Once per process, before any other call; 0 on success. */
int be_init(const struct be_opts *o);
be_listener *be_listen(int *port);
void be_close_listener(be_listener *l);
/* accept + server handshake. NULL on failure (reason on stderr). */
be_conn *be_accept(be_listener *l);
/* connect + client handshake (resuming when enabled and a session is known). */
be_conn *be_connect(int port);
/* Sends all of buf; 0 or -1. */
int be_send(be_conn *c, const void *buf, size_t len);
/* Receives up to len bytes: >0, 0 at a clean end, -1 on error. */
long be_recv(be_conn *c, void *buf, size_t len);
void be_close(be_conn *c);
/* Negotiated IANA suite name ("" for plain TCP) and whether the session was resumed. */
const char *be_suite(be_conn *c);
int be_resumed(be_conn *c);

/* Scale benchmark: an unconnected TCP socket (handle as a number), a cheap call on it
 * (getsockopt SO_RCVBUF: 0 on success) and close. */
long be_socket(void);
int be_getsockopt_call(long s);
void be_socket_close(long s);
/* ioctlsocket(FIONBIO, 0) on a socket: a call that needs no system call in wstls (its cost is
 * the library's own: handle lookup, locks); on native sockets it is an ioctl. 0 on success. */
int be_fionbio_call(long s);
/* A connected plain (no TLS) pair for the per-call cost; 0 on success. */
int be_plain_pair(long *a, long *b);
int be_plain_send(long s, const void *buf, int len);
int be_plain_recv(long s, void *buf, int len);

#ifdef __cplusplus
}
#endif

#endif
