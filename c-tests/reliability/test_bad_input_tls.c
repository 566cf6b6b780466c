/*
 * test_bad_input_tls.c - the bad-input matrix of the secure faces the C way (issue
 * "reliability and security"), part 2 of test_bad_input.c: the CE secure-socket controls
 * (SO_SSL_*), SslCrackCertificate/SslFreeCertificate, the LoadLibrary table, the wstls
 * extensions (trust roots, peer chains), and bad calls interleaved with the data of an
 * established TLS connection: nothing accepted may be lost, duplicated or reordered.
 *
 * Needs WSTLS_CA_FILE, WSTLS_CERT_FILE and WSTLS_KEY_FILE (ctest sets them; gen_pki.sh).
 */
#include <windows.h>
#include <winsock2.h>
#include <sslsock.h>
#include <schnlsp.h>
#include <wstls_ext.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsutil.h"

#define BAD(call, failvalue, code)                                                                 \
    do {                                                                                           \
        WSASetLastError(0);                                                                        \
        CHECK_FAILS(call, failvalue, code);                                                        \
        if (wstls_last_error_message()[0] == '\0') {                                              \
            tu_fail(__FILE__, __LINE__, #call, "no error message");                               \
        }                                                                                          \
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

static int ioctl_in(SOCKET s, DWORD code, const void *in, DWORD cb)
{
    return WSAIoctl(s, code, (LPVOID)in, cb, NULL, 0, NULL, NULL, NULL);
}

static int CALLBACK accept_all(DWORD type, LPVOID arg, DWORD n, LPBLOB chain, DWORD flags)
{
    (void)type;
    (void)arg;
    (void)n;
    (void)chain;
    (void)flags;
    return SSL_ERR_OKAY;
}

static void ce_controls_before_connect(void)
{
    SOCKET plain = socket(AF_INET, SOCK_STREAM, 0);
    SOCKET s = rt_secure_socket();
    DWORD v, ret;
    unsigned char out[64];
    unsigned char protos[4 + 3 * 12];
    SSLPROTOCOLS *p = (SSLPROTOCOLS *)protos;
    SSLVALIDATECERTHOOK hook;
    char longname[300];

    CHECK(plain != INVALID_SOCKET);
    /* Flags. */
    BAD(ioctl_in(s, SO_SSL_SET_FLAGS, NULL, 4), SOCKET_ERROR, WSAEFAULT);
    v = SSL_FLAG_DEFER_HANDSHAKE;
    BAD(ioctl_in(s, SO_SSL_SET_FLAGS, &v, 2), SOCKET_ERROR, WSAEFAULT);
    v = 0x1000;
    BAD(ioctl_in(s, SO_SSL_SET_FLAGS, &v, 4), SOCKET_ERROR, WSAEINVAL);
    v = 0;
    BAD(ioctl_in(plain, SO_SSL_SET_FLAGS, &v, 4), SOCKET_ERROR, WSAEINVAL);
    memset(out, CANARY, sizeof out);
    BAD(WSAIoctl(s, SO_SSL_GET_FLAGS, NULL, 0, out, 3, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(out, sizeof out));
    BAD(WSAIoctl(s, SO_SSL_GET_FLAGS, NULL, 0, NULL, 4, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    BAD(WSAIoctl(s, SO_SSL_GET_CAPABILITIES, NULL, 0, out, 1, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(out, sizeof out));

    /* Protocols: counts that do not fit the buffer (no overflow), empty lists, unknown and
     * legacy-only protocols. */
    memset(protos, 0, sizeof protos);
    p->dwCount = 0xFFFFFFFFu;
    BAD(ioctl_in(s, SO_SSL_SET_PROTOCOLS, protos, sizeof protos), SOCKET_ERROR, WSAEFAULT);
    p->dwCount = 0x15555556u; /* 4 + count * 12 wraps around 32 bits */
    BAD(ioctl_in(s, SO_SSL_SET_PROTOCOLS, protos, sizeof protos), SOCKET_ERROR, WSAEFAULT);
    p->dwCount = 2;
    BAD(ioctl_in(s, SO_SSL_SET_PROTOCOLS, protos, 4 + 12), SOCKET_ERROR, WSAEFAULT);
    BAD(ioctl_in(s, SO_SSL_SET_PROTOCOLS, protos, 3), SOCKET_ERROR, WSAEFAULT);
    p->dwCount = 0;
    BAD(ioctl_in(s, SO_SSL_SET_PROTOCOLS, protos, sizeof protos), SOCKET_ERROR, WSAEINVAL);
    p->dwCount = 1;
    p->ProtocolList[0].dwProtocol = 99;
    BAD(ioctl_in(s, SO_SSL_SET_PROTOCOLS, protos, sizeof protos), SOCKET_ERROR, WSAEINVAL);
    p->ProtocolList[0].dwProtocol = SSL_PROTOCOL_SSL2;
    BAD(ioctl_in(s, SO_SSL_SET_PROTOCOLS, protos, sizeof protos), SOCKET_ERROR, WSAEOPNOTSUPP);
    p->ProtocolList[0].dwProtocol = SSL_PROTOCOL_TLS1;
    p->ProtocolList[0].dwVersion = 0x0200; /* SSL 2 version number under TLS1 */
    BAD(ioctl_in(s, SO_SSL_SET_PROTOCOLS, protos, sizeof protos), SOCKET_ERROR, WSAEINVAL);

    /* Hook structure too short; a NULL hook function is allowed (no hook). */
    memset(&hook, 0, sizeof hook);
    BAD(ioctl_in(s, SO_SSL_SET_VALIDATE_CERT_HOOK, &hook, sizeof hook - 1), SOCKET_ERROR, WSAEFAULT);
    BAD(ioctl_in(s, SO_SSL_SET_VALIDATE_CERT_HOOK, NULL, sizeof hook), SOCKET_ERROR, WSAEFAULT);
    CHECK_OK(ioctl_in(s, SO_SSL_SET_VALIDATE_CERT_HOOK, &hook, sizeof hook));
    memset(out, CANARY, sizeof out);
    BAD(WSAIoctl(s, SO_SSL_GET_VALIDATE_CERT_HOOK, NULL, 0, out, sizeof hook - 1, &ret, NULL, NULL),
        SOCKET_ERROR, WSAEFAULT);
    CHECK(untouched(out, sizeof out));

    /* Peer names: NULL with a length, empty, too long, not ASCII, not a host name. */
    BAD(ioctl_in(s, SO_SSL_SET_PEERNAME, NULL, 10), SOCKET_ERROR, WSAEFAULT);
    BAD(ioctl_in(s, SO_SSL_SET_PEERNAME, "", 1), SOCKET_ERROR, WSAEINVAL);
    BAD(ioctl_in(s, SO_SSL_SET_PEERNAME, "x", 0), SOCKET_ERROR, WSAEINVAL);
    memset(longname, 'a', sizeof longname);
    longname[sizeof longname - 1] = '\0';
    BAD(ioctl_in(s, SO_SSL_SET_PEERNAME, longname, sizeof longname), SOCKET_ERROR, WSAEINVAL);
    BAD(ioctl_in(s, SO_SSL_SET_PEERNAME, "h\xc3\xa9llo.example", 14), SOCKET_ERROR, WSAEINVAL);
    BAD(ioctl_in(s, SO_SSL_SET_PEERNAME, "not a name!", 12), SOCKET_ERROR, WSAEINVAL);
    /* Not NUL-terminated: the length bounds it. */
    CHECK_OK(ioctl_in(s, SO_SSL_SET_PEERNAME, "localhostXXXX", 9));
    BAD(ioctl_in(plain, SO_SSL_SET_PEERNAME, "localhost", 10), SOCKET_ERROR, WSAEINVAL);

    /* Wrong state. */
    BAD(ioctl_in(s, SO_SSL_PERFORM_HANDSHAKE, NULL, 0), SOCKET_ERROR, WSAENOTCONN);
    BAD(ioctl_in(plain, SO_SSL_PERFORM_HANDSHAKE, NULL, 0), SOCKET_ERROR, WSAEINVAL);
    BAD(WSAIoctl(s, SO_SSL_GET_CONNECTION_INFO, NULL, 0, out, sizeof out, &ret, NULL, NULL), SOCKET_ERROR,
        WSAENOTCONN);
    /* Controls wstls does not provide, and codes that do not exist. */
    BAD(ioctl_in(s, SO_SSL_SET_CIPHERS, out, 8), SOCKET_ERROR, WSAEOPNOTSUPP);
    BAD(ioctl_in(s, SO_SSL_SET_SIGNATURE_HOOK, out, 16), SOCKET_ERROR, WSAEOPNOTSUPP);
    BAD(ioctl_in(s, 0x907300FFu, NULL, 0), SOCKET_ERROR, WSAEINVAL);
    BAD(wstls_get_peer_certificate_chain(s, 0, out, sizeof out, &ret), SOCKET_ERROR, WSAENOTCONN);
    CHECK_OK(closesocket(s));
    CHECK_OK(closesocket(plain));
    BAD(wstls_get_peer_certificate_chain(s, 0, out, sizeof out, &ret), SOCKET_ERROR, WSAENOTSOCK);
    tu_pass("SO_SSL_* before connect: NULL, short, overflowing, unknown, wrong socket");
}

/* Bad calls on both ends of an established TLS connection, between good ones. */
static void tls_stream_survives_bad_calls(void)
{
    SOCKET c, s;
    char buf[256];
    DWORD v, ret, flags;
    DWORD timeout = 10000;
    unsigned char out[64];
    unsigned char der[4096];
    WSABUF wb;
    SSLCONNECTIONINFO ci;
    int i, n, got;

    rt_secure_pair(&c, &s);
    CHECK_OK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout, sizeof timeout));
    CHECK_OK(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout, sizeof timeout));
    for (i = 0; i < 4; i++) {
        char msg[16];
        snprintf(msg, sizeof msg, "record-%d;", i);
        tu_send_all(c, msg, (int)strlen(msg));
        /* Bad receives on the server: nothing consumed. */
        BAD(recv(s, NULL, 10, 0), SOCKET_ERROR, WSAEFAULT);
        BAD(recv(s, buf, -1, 0), SOCKET_ERROR, WSAEFAULT);
        BAD(recv(s, buf, sizeof buf, MSG_OOB), SOCKET_ERROR, WSAEOPNOTSUPP);
        BAD(recv(s, buf, sizeof buf, 0x40000000), SOCKET_ERROR, WSAEINVAL);
        wb.buf = NULL;
        wb.len = 4;
        flags = 0;
        BAD(WSARecv(s, &wb, 1, &ret, &flags, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
        BAD(WSARecv(s, &wb, 1, &ret, NULL, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
        n = 4;
        BAD(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)out, &n), SOCKET_ERROR, WSAEFAULT);
        /* Bad sends on the client: nothing sent. */
        BAD(send(c, NULL, 5, 0), SOCKET_ERROR, WSAEFAULT);
        BAD(send(c, "junk!", -5, 0), SOCKET_ERROR, WSAEFAULT);
        BAD(send(c, "junk!", 5, MSG_PEEK), SOCKET_ERROR, WSAEINVAL);
        /* Settings after the handshake: refused, the session untouched. */
        v = SSL_FLAG_DEFER_HANDSHAKE;
        BAD(ioctl_in(c, SO_SSL_SET_FLAGS, &v, 4), SOCKET_ERROR, WSAEISCONN);
        BAD(ioctl_in(c, SO_SSL_SET_PEERNAME, "evil.example", 13), SOCKET_ERROR, WSAEISCONN);
        BAD(ioctl_in(c, SO_SSL_PERFORM_HANDSHAKE, NULL, 0), SOCKET_ERROR, WSAEISCONN);
        BAD(ioctl_in(s, WSTLS_SO_SET_ALPN, "\x02h2", 3), SOCKET_ERROR, WSAEISCONN);
        v = SO_SEC_NONE;
        BAD(setsockopt(c, SOL_SOCKET, SO_SECURE, (const char *)&v, sizeof v), SOCKET_ERROR, WSAEISCONN);
        memset(out, CANARY, sizeof out);
        BAD(WSAIoctl(c, SO_SSL_GET_CONNECTION_INFO, NULL, 0, out, sizeof ci - 1, &ret, NULL, NULL),
            SOCKET_ERROR, WSAEFAULT);
        CHECK(untouched(out, sizeof out));
        BAD(WSAIoctl(c, WSTLS_SO_GET_SESSION_INFO, NULL, 0, out, 3, &ret, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
        CHECK(untouched(out, sizeof out));
        /* Peer chain: index past the end, NULL and short buffers (the size comes back). */
        BAD(wstls_get_peer_certificate_chain(c, 7, der, sizeof der, &ret), SOCKET_ERROR, WSAEINVAL);
        ret = 0;
        BAD(wstls_get_peer_certificate_chain(c, 0, NULL, 0, &ret), SOCKET_ERROR, WSAEFAULT);
        CHECK(ret > 100 && ret < sizeof der);
        memset(der, CANARY, sizeof der);
        BAD(wstls_get_peer_certificate_chain(c, 0, der, ret - 1, NULL), SOCKET_ERROR, WSAEFAULT);
        CHECK(untouched(der, sizeof der));
        CHECK_EQ(wstls_get_peer_certificate_chain(c, 1, der, sizeof der, NULL), 2);
        v = 5;
        ret = 0;
        BAD(WSAIoctl(c, WSTLS_SO_GET_PEER_CERTIFICATE, &v, 4, der, 10, &ret, NULL, NULL), SOCKET_ERROR,
            WSAEINVAL);
        v = 0;
        BAD(WSAIoctl(c, WSTLS_SO_GET_PEER_CERTIFICATE, &v, 4, der, 10, &ret, NULL, NULL), SOCKET_ERROR,
            WSAEFAULT);
        CHECK(ret > 10); /* the size that would have been enough */
    }
    CHECK_OK(WSAIoctl(c, SO_SSL_GET_CONNECTION_INFO, NULL, 0, &ci, sizeof ci, &ret, NULL, NULL));
    CHECK_EQ(ret, sizeof ci);
    tu_send_all(c, "end.", 4);
    /* Exactly the records, in order, once. */
    got = 0;
    while (got < (int)strlen("record-0;record-1;record-2;record-3;end.")) {
        n = recv(s, buf + got, (int)sizeof buf - 1 - got, 0);
        CHECK(n > 0);
        got += n;
    }
    buf[got] = '\0';
    CHECK_STR(buf, "record-0;record-1;record-2;record-3;end.");
    /* And the other way. */
    tu_send_all(s, "reply", 5);
    CHECK_EQ(recv(c, buf, 5, MSG_WAITALL), 5);
    CHECK(memcmp(buf, "reply", 5) == 0);
    CHECK_OK(closesocket(c));
    CHECK_EQ(recv(s, buf, sizeof buf, 0), 0); /* close_notify: a clean end */
    CHECK_OK(closesocket(s));
    tu_pass("an established TLS stream survives bad calls on both ends, byte for byte");
}

static void crack_certificate(void)
{
    X509Certificate *pc = (X509Certificate *)0x1;
    unsigned char garbage[64];
    unsigned char *der;
    DWORD len = 0;
    FILE *f;
    long n;
    char cmd[600];
    const char *ca = getenv("WSTLS_CA_FILE");

    BAD(SslCrackCertificate(NULL, 10, 0, &pc), FALSE, ERROR_INVALID_PARAMETER);
    BAD(SslCrackCertificate(garbage, 0, 0, &pc), FALSE, ERROR_INVALID_PARAMETER);
    BAD(SslCrackCertificate(garbage, sizeof garbage, 0, NULL), FALSE, ERROR_INVALID_PARAMETER);
    memset(garbage, 0x30, sizeof garbage);
    BAD(SslCrackCertificate(garbage, sizeof garbage, 0, &pc), FALSE, ERROR_INVALID_DATA);
    CHECK(pc == NULL);
    BAD(SslCrackCertificate((BYTE *)"-----BEGIN CERTIFICATE-----\n!!\n", 32, 0, &pc), FALSE, ERROR_INVALID_DATA);

    /* The CA certificate, as DER: whole, then every truncation of it. */
    snprintf(cmd, sizeof cmd, "openssl x509 -in '%s' -outform DER", ca);
    f = popen(cmd, "r");
    CHECK(f != NULL);
    der = (unsigned char *)malloc(4096);
    CHECK(der != NULL);
    n = (long)fread(der, 1, 4096, f);
    CHECK(pclose(f) == 0);
    CHECK(n > 100);
    len = (DWORD)n;
    CHECK(SslCrackCertificate(der, len, 0, &pc));
    CHECK(pc != NULL && pc->pszSubject != NULL);
    SslFreeCertificate(pc);
    SslFreeCertificate(pc);   /* a second free is ignored */
    SslFreeCertificate(NULL); /* and NULL */
    SslFreeCertificate((X509Certificate *)garbage); /* and a foreign pointer */
    for (len = 1; len < (DWORD)n; len += 7) {
        pc = (X509Certificate *)0x1;
        BAD(SslCrackCertificate(der, len, 0, &pc), FALSE, ERROR_INVALID_DATA);
        CHECK(pc == NULL);
    }
    free(der);
    tu_pass("SslCrackCertificate/SslFreeCertificate: NULL, garbage, every truncation, double free");
}

static void library_table(void)
{
    HMODULE h;
    static const WCHAR wname[] = {'s', 'c', 'h', 'a', 'n', 'n', 'e', 'l', 0};
    static const WCHAR wproc[] = {'N', 'o', 'p', 'e', 0};

    BAD(wstls_LoadLibraryA(NULL), NULL, ERROR_INVALID_PARAMETER);
    BAD(wstls_LoadLibraryW(NULL), NULL, ERROR_INVALID_PARAMETER);
    BAD(wstls_LoadLibraryA("user32.dll"), NULL, ERROR_MOD_NOT_FOUND);
    BAD(wstls_load_library("schannel.dll", 3), NULL, ERROR_INVALID_PARAMETER);
    BAD(wstls_load_library(NULL, 1), NULL, ERROR_INVALID_PARAMETER);
    h = wstls_LoadLibraryW(wname);
    CHECK(h != NULL);
    BAD(wstls_GetProcAddress(h, NULL), NULL, ERROR_PROC_NOT_FOUND);
    BAD(wstls_GetProcAddress(h, (LPCSTR)(UINT_PTR)2), NULL, ERROR_PROC_NOT_FOUND);
    BAD(wstls_GetProcAddressA(h, "sslcrackcertificate"), NULL, ERROR_PROC_NOT_FOUND);
    BAD(wstls_GetProcAddressW(h, wproc), NULL, ERROR_PROC_NOT_FOUND);
    BAD(wstls_GetProcAddress(NULL, "SslCrackCertificate"), NULL, ERROR_INVALID_HANDLE);
    BAD(wstls_GetProcAddress((HMODULE)&h, "SslCrackCertificate"), NULL, ERROR_INVALID_HANDLE);
    BAD(wstls_get_proc_address(h, "SslCrackCertificate", 0), NULL, ERROR_INVALID_PARAMETER);
    CHECK(wstls_GetProcAddress(h, "SslCrackCertificate") != NULL);
    BAD(wstls_FreeLibrary(NULL), FALSE, ERROR_INVALID_HANDLE);
    BAD(wstls_FreeLibrary((HMODULE)&h), FALSE, ERROR_INVALID_HANDLE);
    CHECK(wstls_FreeLibrary(h));
    wstls_SetLastError(ERROR_INVALID_DATA);
    CHECK_EQ(wstls_GetLastError(), ERROR_INVALID_DATA);
    CHECK_EQ(WSAGetLastError(), ERROR_INVALID_DATA);
    tu_pass("LoadLibrary/GetProcAddress/FreeLibrary: NULL, unknown, ordinals, foreign handles");
}

static void trust_roots(void)
{
    static const char not_pem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    DWORD n;
    BLOB *chain;
    BAD(wstls_add_trusted_ca_file(NULL), SOCKET_ERROR, WSAEFAULT);
    BAD(wstls_add_trusted_ca_file("/nonexistent/ca.pem"), SOCKET_ERROR, WSAEINVAL);
    BAD(wstls_add_trusted_ca_file("/dev/null"), SOCKET_ERROR, WSAEINVAL);
    BAD(wstls_add_trusted_ca_pem(NULL, 10), SOCKET_ERROR, WSAEFAULT);
    BAD(wstls_add_trusted_ca_pem(not_pem, 0), SOCKET_ERROR, WSAEFAULT); /* an empty buffer */
    BAD(wstls_add_trusted_ca_pem(not_pem, (DWORD)strlen(not_pem)), SOCKET_ERROR, WSAEINVAL);
    BAD(wstls_add_trusted_ca_pem(not_pem, 5), SOCKET_ERROR, WSAEINVAL);
    CHECK_EQ(wstls_add_trusted_ca_file(getenv("WSTLS_CA_FILE")), 1);
    BAD(wstls_get_hook_certificate_chain(NULL, &chain), FALSE, WSAEFAULT);
    BAD(wstls_get_hook_certificate_chain(&n, NULL), FALSE, WSAEFAULT);
    BAD(wstls_get_hook_certificate_chain(&n, &chain), FALSE, WSAEINVAL); /* not in a hook */
    tu_pass("trust roots and hook chain: NULL, missing, empty and malformed input");
}

/* A hook that accepts everything still cannot make a failed handshake look good, and a
 * deferred handshake started twice fails cleanly. */
static void handshake_states(void)
{
    SOCKET l, c, a;
    u_short port;
    SOCKADDR_STORAGE ss;
    int len;
    DWORD v;
    SSLVALIDATECERTHOOK hook;
    char buf[8];

    l = rt_secure_listener(&port);
    c = rt_secure_socket();
    v = SSL_FLAG_DEFER_HANDSHAKE;
    CHECK_OK(ioctl_in(c, SO_SSL_SET_FLAGS, &v, 4));
    hook.HookFunc = accept_all;
    hook.pvArg = NULL;
    CHECK_OK(ioctl_in(c, SO_SSL_SET_VALIDATE_CERT_HOOK, &hook, sizeof hook));
    len = tu_loopback(AF_INET, port, &ss);
    CHECK_OK(connect(c, (struct sockaddr *)&ss, len));
    /* Data before the deferred handshake goes in clear: the wstls server must refuse it. */
    tu_send_all(c, "plain text, not TLS\r\n", 21);
    a = accept(l, NULL, NULL);
    CHECK(a == INVALID_SOCKET);
    CHECK_EQ(WSAGetLastError(), WSAECONNABORTED);
    /* The server gave up (alert or reset): the client's handshake fails, the hook that accepts
     * everything notwithstanding, and fails again the same way; recv reports it too. */
    WSASetLastError(0);
    CHECK_EQ(ioctl_in(c, SO_SSL_PERFORM_HANDSHAKE, "localhost", 10), SOCKET_ERROR);
    v = (DWORD)WSAGetLastError();
    CHECK(v == WSAECONNABORTED || v == WSAECONNRESET);
    BAD(ioctl_in(c, SO_SSL_PERFORM_HANDSHAKE, "localhost", 10), SOCKET_ERROR, (int)v);
    BAD(recv(c, buf, sizeof buf, 0), SOCKET_ERROR, (int)v);
    BAD(send(c, "x", 1, 0), SOCKET_ERROR, (int)v);
    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(l));
    tu_pass("deferred handshake against a refusing server: clean, repeatable failure");
}

int main(void)
{
    rt_require_pki();
    tu_startup();
    ce_controls_before_connect();
    tls_stream_survives_bad_calls();
    crack_certificate();
    library_table();
    trust_roots();
    handshake_states();
    CHECK_OK(WSACleanup());
    return 0;
}
