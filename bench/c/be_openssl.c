/*
 * be_openssl.c - the benchmark backend over the system's OpenSSL (libssl): blocking sockets,
 * SSL_connect/SSL_accept, SSL_write/SSL_read, SSL_shutdown. TLS 1.3 only; the client verifies
 * the chain against the CA and the name (SSL_set1_host), as the wstls client does. Resumption
 * keeps the newest ticket from the new-session callback. Defaults otherwise (what a program
 * ported to OpenSSL would get).
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "native.h"

struct be_conn {
    int fd;
    SSL *ssl;
};

struct be_listener {
    int fd;
};

static struct be_opts g;
static SSL_CTX *sctx, *cctx;
static pthread_mutex_t sess_lock = PTHREAD_MUTEX_INITIALIZER;
static SSL_SESSION *saved;

const char *be_name(void) { return "openssl"; }

static void fail(const char *what)
{
    fprintf(stderr, "openssl: %s failed\n", what);
    ERR_print_errors_fp(stderr);
}

static int new_session(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    pthread_mutex_lock(&sess_lock);
    if (saved) SSL_SESSION_free(saved);
    saved = sess;
    pthread_mutex_unlock(&sess_lock);
    return 1; /* we keep the reference */
}

int be_init(const struct be_opts *o)
{
    g = *o;
    sctx = SSL_CTX_new(TLS_server_method());
    cctx = SSL_CTX_new(TLS_client_method());
    if (!sctx || !cctx) { fail("SSL_CTX_new"); return -1; }
    SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION);
    SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
    if (o->cipher && (!SSL_CTX_set_ciphersuites(sctx, o->cipher) ||
                      !SSL_CTX_set_ciphersuites(cctx, o->cipher))) {
        fail("SSL_CTX_set_ciphersuites");
        return -1;
    }
    if (o->groups && (!SSL_CTX_set1_groups_list(sctx, o->groups) ||
                      !SSL_CTX_set1_groups_list(cctx, o->groups))) {
        fail("SSL_CTX_set1_groups_list");
        return -1;
    }
    if (SSL_CTX_use_certificate_chain_file(sctx, o->cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(sctx, o->key, SSL_FILETYPE_PEM) != 1) {
        fail("loading the server certificate");
        return -1;
    }
    if (SSL_CTX_load_verify_locations(cctx, o->ca, NULL) != 1) {
        fail("SSL_CTX_load_verify_locations");
        return -1;
    }
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    if (o->resume) {
        SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(cctx, new_session);
    }
    return 0;
}

be_listener *be_listen(int *port)
{
    be_listener *l = calloc(1, sizeof *l);
    l->fd = nat_listener(port);
    if (l->fd < 0) { free(l); return NULL; }
    return l;
}

void be_close_listener(be_listener *l) { close(l->fd); free(l); }

be_conn *be_accept(be_listener *l)
{
    be_conn *c;
    int fd = nat_accept(l->fd);
    if (fd < 0) return NULL;
    c = calloc(1, sizeof *c);
    c->fd = fd;
    c->ssl = SSL_new(sctx);
    SSL_set_fd(c->ssl, fd);
    if (SSL_accept(c->ssl) != 1) {
        fail("SSL_accept");
        SSL_free(c->ssl);
        close(fd);
        free(c);
        return NULL;
    }
    return c;
}

be_conn *be_connect(int port)
{
    be_conn *c;
    int fd = nat_connect(port);
    if (fd < 0) return NULL;
    c = calloc(1, sizeof *c);
    c->fd = fd;
    c->ssl = SSL_new(cctx);
    SSL_set_fd(c->ssl, fd);
    SSL_set_tlsext_host_name(c->ssl, g.host);
    SSL_set1_host(c->ssl, g.host);
    if (g.resume) {
        pthread_mutex_lock(&sess_lock);
        if (saved) SSL_set_session(c->ssl, saved);
        pthread_mutex_unlock(&sess_lock);
    }
    if (SSL_connect(c->ssl) != 1) {
        fail("SSL_connect");
        SSL_free(c->ssl);
        close(fd);
        free(c);
        return NULL;
    }
    return c;
}

int be_send(be_conn *c, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        int chunk = len > 0x40000000 ? 0x40000000 : (int)len;
        int n = SSL_write(c->ssl, p, chunk);
        if (n <= 0) { fail("SSL_write"); return -1; }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

long be_recv(be_conn *c, void *buf, size_t len)
{
    int n = SSL_read(c->ssl, buf, len > 0x40000000 ? 0x40000000 : (int)len);
    if (n > 0) return n;
    if (SSL_get_error(c->ssl, n) == SSL_ERROR_ZERO_RETURN) return 0;
    fail("SSL_read");
    return -1;
}

void be_close(be_conn *c)
{
    SSL_shutdown(c->ssl); /* sends close_notify */
    SSL_free(c->ssl);
    close(c->fd);
    free(c);
}

const char *be_suite(be_conn *c) { return SSL_CIPHER_standard_name(SSL_get_current_cipher(c->ssl)); }
int be_resumed(be_conn *c) { return SSL_session_reused(c->ssl); }
