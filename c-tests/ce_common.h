/*
 * ce_common.h - helpers shared by the Windows CE secure-socket C tests (c-tests/ce_*.c).
 * The tests are written the way CE programs are (windows.h, winsock2.h, sslsock.h,
 * schnlsp.h), run by ce_peer.sh against a real TLS peer, and check Windows return values,
 * WSAGetLastError() codes and the data.
 */
#ifndef CE_COMMON_H
#define CE_COMMON_H

#include <windows.h>
#include <winsock2.h>
#include <sslsock.h>
#include <schnlsp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                  \
    do {                                                                                          \
        if (!(c)) {                                                                               \
            fprintf(stderr, "%s:%d: CHECK(%s) failed; WSAGetLastError() = %d: %s\n", __FILE__,    \
                    __LINE__, #c, WSAGetLastError(), wstls_last_error_message());                  \
            exit(1);                                                                              \
        }                                                                                         \
    } while (0)

/* `call` must fail with SOCKET_ERROR and WSAGetLastError() == code. */
#define CHECK_FAILS(call, code)                                                                   \
    do {                                                                                          \
        int r_ = (int)(call);                                                                     \
        if (r_ != SOCKET_ERROR || WSAGetLastError() != (code)) {                                  \
            fprintf(stderr, "%s:%d: %s returned %d with WSAGetLastError() = %d, expected "        \
                            "SOCKET_ERROR and %d (%s)\n",                                         \
                    __FILE__, __LINE__, #call, r_, WSAGetLastError(), (int)(code),                \
                    wstls_last_error_message());                                                  \
            exit(1);                                                                              \
        }                                                                                         \
    } while (0)

static inline const char *ce_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL) {
        fprintf(stderr, "%s is not set (run the test through ce_peer.sh)\n", name);
        exit(2);
    }
    return v;
}

static inline void ce_startup(void)
{
    WSADATA wsa;
    CHECK(WSAStartup(MAKEWORD(2, 2), &wsa) == 0);
}

/* Adds the test CA to wstls's trust roots (wstls extension). */
static inline void ce_trust_ca(void)
{
    CHECK(wstls_add_trusted_ca_file(ce_env("CE_CA")) == 1);
}

/* socket() + setsockopt(SO_SECURE, SO_SEC_SSL). */
static inline SOCKET ce_secure_socket(void)
{
    DWORD dw = SO_SEC_SSL;
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(s != INVALID_SOCKET);
    CHECK(setsockopt(s, SOL_SOCKET, SO_SECURE, (const char *)&dw, sizeof dw) == 0);
    return s;
}

static inline int ce_connect(SOCKET s)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(ce_env("CE_PORT")));
    sin.sin_addr.s_addr = inet_addr("127.0.0.1");
    return connect(s, (struct sockaddr *)&sin, sizeof sin);
}

static inline int ce_ioctl_in(SOCKET s, DWORD code, const void *in, DWORD cb)
{
    return WSAIoctl(s, code, (LPVOID)in, cb, NULL, 0, NULL, NULL, NULL);
}

static inline int ce_set_peername(SOCKET s, const char *name)
{
    return ce_ioctl_in(s, SO_SSL_SET_PEERNAME, name, (DWORD)strlen(name) + 1);
}

static inline int ce_set_flags(SOCKET s, DWORD flags)
{
    return ce_ioctl_in(s, SO_SSL_SET_FLAGS, &flags, sizeof flags);
}

static inline void ce_send_all(SOCKET s, const char *data, int len)
{
    CHECK(send(s, data, len, 0) == len);
}

/* recv until n bytes arrived; fails the test on 0 or SOCKET_ERROR before that. */
static inline void ce_recv_n(SOCKET s, char *buf, int n)
{
    int got = 0;
    while (got < n) {
        int r = recv(s, buf + got, n - got, 0);
        CHECK(r > 0);
        got += r;
    }
}

static inline unsigned char *ce_read_file(const char *path, DWORD *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    CHECK(f != NULL);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc((size_t)n);
    CHECK(buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (DWORD)n;
    return buf;
}

/* A validation hook that records what it saw and answers `answer`. */
typedef struct {
    int answer;
    int calls;
    DWORD type;
    LPVOID arg;
    DWORD chain_len;
    DWORD flags;
    unsigned char leaf[8192];
    DWORD leaf_len;
} HOOKLOG;

static inline int CALLBACK ce_hook(DWORD dwType, LPVOID pvArg, DWORD dwChainLen, LPBLOB pCertChain, DWORD dwFlags)
{
    HOOKLOG *log = (HOOKLOG *)pvArg;
    log->calls++;
    log->type = dwType;
    log->arg = pvArg;
    log->chain_len = dwChainLen;
    log->flags = dwFlags;
    if (pCertChain != NULL && pCertChain->cbSize <= sizeof log->leaf) {
        memcpy(log->leaf, pCertChain->pBlobData, pCertChain->cbSize);
        log->leaf_len = pCertChain->cbSize;
    }
    return log->answer;
}

static inline int ce_set_hook(SOCKET s, SSLVALIDATECERTFUNC f, void *arg)
{
    SSLVALIDATECERTHOOK h;
    h.HookFunc = f;
    h.pvArg = arg;
    return ce_ioctl_in(s, SO_SSL_SET_VALIDATE_CERT_HOOK, &h, sizeof h);
}

/* FILETIME -> Unix seconds. */
static inline long long ce_filetime_to_unix(FILETIME ft)
{
    unsigned long long v = ((unsigned long long)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (long long)(v / 10000000ULL) - 11644473600LL;
}

#endif /* CE_COMMON_H */
