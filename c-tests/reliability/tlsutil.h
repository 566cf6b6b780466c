/*
 * tlsutil.h - secure sockets for the reliability C tests, the Windows CE way: SO_SECURE,
 * SO_SSL_SET_PEERNAME, a blocking connect that runs the handshake, a secure listener whose
 * accept runs the server handshake. The trust root and the server identity come from the
 * environment, as a legacy program configured for wstls would get them: WSTLS_CA_FILE,
 * WSTLS_CERT_FILE and WSTLS_KEY_FILE (made by gen_pki.sh, set by ctest).
 */
#ifndef WSTLS_RELIABILITY_TLSUTIL_H
#define WSTLS_RELIABILITY_TLSUTIL_H

#include <winsock2.h>
#include <sslsock.h>
#include <wstls_ext.h>

#include "testutil.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fails the test unless WSTLS_CA_FILE, WSTLS_CERT_FILE and WSTLS_KEY_FILE are set. */
void rt_require_pki(void);

/* socket() + setsockopt(SO_SECURE, SO_SEC_SSL). */
SOCKET rt_secure_socket(void);

/* A secure listening socket on 127.0.0.1 (port chosen by the system, returned in *port). */
SOCKET rt_secure_listener(u_short *port);

/* A secure client: SO_SECURE, SO_SSL_SET_PEERNAME "localhost", connect (handshake). Returns
 * the socket, or INVALID_SOCKET with the error left by connect. */
SOCKET rt_secure_connect(u_short port);

/* A connected secure pair over loopback (*client from connect, *server from accept). */
void rt_secure_pair(SOCKET *client, SOCKET *server);

/* Descriptors open in this process (/proc/self/fd) and resident memory in KiB. */
int rt_open_fds(void);
long rt_rss_kib(void);

/* An integer from the environment, or `dflt`. */
long rt_env_long(const char *name, long dflt);

#ifdef __cplusplus
}
#endif

#endif
