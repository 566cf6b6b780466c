/*
 * sspi_echo_server.c - a TLS echo server written with SSPI (AcceptSecurityContext), the way Windows
 * servers that do their own socket I/O use Schannel, built unchanged against wstls:
 *
 *   cc sspi_echo_server.c -I include/compat -I include -L target/release -lwstls
 *
 * Winsock listens and accepts; SSPI does TLS on the bytes: AcquireCredentialsHandle(INBOUND)
 * with the server certificate, the AcceptSecurityContext loop, DecryptMessage/EncryptMessage
 * to echo, and the SCHANNEL_SHUTDOWN sequence when the client sends close_notify.
 *
 * Usage: sspi_echo_server [port [clients [cert.pem [key.pem]]]]
 *   port 0 picks a free port (printed as "listening on port N").
 *   cert.pem/key.pem: made into a CERT_CONTEXT with wstls's wstls_cert_context_from_pem_files
 *   (Windows code finds its certificate in a certificate store instead). Without them the
 *   credential has no certificate and wstls uses WSTLS_CERT_FILE/WSTLS_KEY_FILE.
 */
#define WIN32_LEAN_AND_MEAN
#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <subauth.h>
#include <security.h>
#include <schannel.h>
#include <wincrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma comment(lib, "Ws2_32.lib")
#pragma comment(lib, "Secur32.lib")

#define IO_BUFFER_SIZE 0x10000
#define ASC_FLAGS (ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | \
                   ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM)

static const char *last_message(void)
{
#ifdef WSTLS_H
    return wstls_last_error_message();
#else
    return "";
#endif
}

static int send_all(SOCKET s, const void *buf, DWORD len)
{
    const char *p = (const char *)buf;
    while (len > 0) {
        int n = send(s, p, (int)len, 0);
        if (n == SOCKET_ERROR)
            return -1;
        p += n;
        len -= (DWORD)n;
    }
    return 0;
}

/* One AcceptSecurityContext call on buf[0..*len); sends its output; keeps the unconsumed
 * bytes (SECBUFFER_EXTRA) at the front of buf. */
static SECURITY_STATUS accept_step(SOCKET s, CredHandle *cred, CtxtHandle *ctx, BOOL *have_ctx, BYTE *buf,
                                   DWORD *len)
{
    SecBuffer in[2], out[2];
    SecBufferDesc indesc = {SECBUFFER_VERSION, 2, in}, outdesc = {SECBUFFER_VERSION, 2, out};
    ULONG attrs = 0;
    SECURITY_STATUS st;
    int i;

    in[0].BufferType = SECBUFFER_TOKEN; in[0].pvBuffer = buf; in[0].cbBuffer = *len;
    in[1].BufferType = SECBUFFER_EMPTY; in[1].pvBuffer = NULL; in[1].cbBuffer = 0;
    out[0].BufferType = SECBUFFER_TOKEN; out[0].pvBuffer = NULL; out[0].cbBuffer = 0;
    out[1].BufferType = SECBUFFER_ALERT; out[1].pvBuffer = NULL; out[1].cbBuffer = 0;
    st = AcceptSecurityContext(cred, *have_ctx ? ctx : NULL, &indesc, ASC_FLAGS, SECURITY_NATIVE_DREP,
                               *have_ctx ? NULL : ctx, &outdesc, &attrs, NULL);
    if (st == SEC_E_INCOMPLETE_MESSAGE)
        return st;
    if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED)
        *have_ctx = TRUE;
    for (i = 0; i < 2; i++) {
        /* On failure, the alert (if any) tells the client why. */
        if (out[i].cbBuffer && out[i].pvBuffer && (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED || i == 1))
            send_all(s, out[i].pvBuffer, out[i].cbBuffer);
        if (out[i].pvBuffer)
            FreeContextBuffer(out[i].pvBuffer);
    }
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED)
        return st;
    if (in[1].BufferType == SECBUFFER_EXTRA && in[1].cbBuffer) {
        memmove(buf, buf + (*len - in[1].cbBuffer), in[1].cbBuffer);
        *len = in[1].cbBuffer;
    } else {
        *len = 0;
    }
    return st;
}

static int read_more(SOCKET s, BYTE *buf, DWORD *len)
{
    int n = recv(s, (char *)buf + *len, (int)(IO_BUFFER_SIZE - *len), 0);
    if (n > 0)
        *len += (DWORD)n;
    return n;
}

static int serve_one(SOCKET client, CredHandle *cred)
{
    static BYTE buf[IO_BUFFER_SIZE];
    DWORD len = 0;
    CtxtHandle ctx;
    BOOL have_ctx = FALSE;
    SECURITY_STATUS st = SEC_E_INCOMPLETE_MESSAGE;
    SecPkgContext_StreamSizes sizes;
    SecPkgContext_ConnectionInfo info;
    SecBuffer b[4];
    SecBufferDesc desc = {SECBUFFER_VERSION, 4, b};
    long total = 0;
    int i, rc = 1;

    /* Handshake. */
    for (;;) {
        if (st == SEC_E_INCOMPLETE_MESSAGE || len == 0) {
            int n = read_more(client, buf, &len);
            if (n <= 0) {
                printf("handshake: the client went away (%d)\n", n);
                goto out;
            }
        }
        st = accept_step(client, cred, &ctx, &have_ctx, buf, &len);
        if (st == SEC_E_OK)
            break;
        if (st != SEC_I_CONTINUE_NEEDED && st != SEC_E_INCOMPLETE_MESSAGE) {
            printf("AcceptSecurityContext failed: 0x%08x (%s)\n", (unsigned)st, last_message());
            goto out;
        }
    }
    if (QueryContextAttributes(&ctx, SECPKG_ATTR_STREAM_SIZES, &sizes) != SEC_E_OK ||
        QueryContextAttributes(&ctx, SECPKG_ATTR_CONNECTION_INFO, &info) != SEC_E_OK) {
        printf("QueryContextAttributes failed: %s\n", last_message());
        goto out;
    }
    printf("client connected: %s\n", info.dwProtocol == SP_PROT_TLS1_3_SERVER   ? "TLS 1.3"
                                     : info.dwProtocol == SP_PROT_TLS1_2_SERVER ? "TLS 1.2"
                                                                                : "?");
    fflush(stdout);

    /* Echo, one record at a time, until the client's close_notify. */
    st = SEC_E_OK;
    for (;;) {
        if (len == 0 || st == SEC_E_INCOMPLETE_MESSAGE) {
            int n = read_more(client, buf, &len);
            if (n <= 0) {
                printf("the client closed the connection without close_notify\n");
                goto out;
            }
        }
        b[0].BufferType = SECBUFFER_DATA; b[0].pvBuffer = buf; b[0].cbBuffer = len;
        for (i = 1; i < 4; i++) {
            b[i].BufferType = SECBUFFER_EMPTY; b[i].pvBuffer = NULL; b[i].cbBuffer = 0;
        }
        st = DecryptMessage(&ctx, &desc, 0, NULL);
        if (st == SEC_E_INCOMPLETE_MESSAGE)
            continue;
        if (st != SEC_E_OK && st != SEC_I_CONTEXT_EXPIRED && st != SEC_I_RENEGOTIATE) {
            printf("DecryptMessage failed: 0x%08x (%s)\n", (unsigned)st, last_message());
            goto out;
        }
        for (i = 1; i < 4; i++) {
            if (b[i].BufferType == SECBUFFER_DATA && b[i].cbBuffer) {
                /* Echo: encrypt a copy in a header|data|trailer block. */
                DWORD n = b[i].cbBuffer;
                BYTE *msg = (BYTE *)malloc(sizes.cbHeader + n + sizes.cbTrailer);
                SecBuffer e[4];
                SecBufferDesc edesc = {SECBUFFER_VERSION, 4, e};
                SECURITY_STATUS est;
                memcpy(msg + sizes.cbHeader, b[i].pvBuffer, n);
                e[0].BufferType = SECBUFFER_STREAM_HEADER; e[0].pvBuffer = msg; e[0].cbBuffer = sizes.cbHeader;
                e[1].BufferType = SECBUFFER_DATA; e[1].pvBuffer = msg + sizes.cbHeader; e[1].cbBuffer = n;
                e[2].BufferType = SECBUFFER_STREAM_TRAILER; e[2].pvBuffer = msg + sizes.cbHeader + n;
                e[2].cbBuffer = sizes.cbTrailer;
                e[3].BufferType = SECBUFFER_EMPTY; e[3].pvBuffer = NULL; e[3].cbBuffer = 0;
                est = EncryptMessage(&ctx, 0, &edesc, 0);
                if (est != SEC_E_OK || send_all(client, msg, e[0].cbBuffer + e[1].cbBuffer + e[2].cbBuffer) != 0) {
                    printf("EncryptMessage/send failed: 0x%08x (%s)\n", (unsigned)est, last_message());
                    free(msg);
                    goto out;
                }
                free(msg);
                total += (long)n;
            }
        }
        if (b[3].BufferType == SECBUFFER_EXTRA && b[3].cbBuffer) {
            memmove(buf, buf + (len - b[3].cbBuffer), b[3].cbBuffer);
            len = b[3].cbBuffer;
        } else {
            len = 0;
        }
        if (st == SEC_I_CONTEXT_EXPIRED)
            break;
        if (st == SEC_I_RENEGOTIATE) { /* a post-handshake message: one ASC call with the rest */
            st = accept_step(client, cred, &ctx, &have_ctx, buf, &len);
            if (st != SEC_E_OK) {
                printf("AcceptSecurityContext (post-handshake) failed: 0x%08x (%s)\n", (unsigned)st, last_message());
                goto out;
            }
        }
    }
    printf("echoed %ld bytes\n", total);

    /* Our close_notify. */
    {
        DWORD token = SCHANNEL_SHUTDOWN;
        SecBuffer tok = {sizeof token, SECBUFFER_TOKEN, &token}, out[1];
        SecBufferDesc tokdesc = {SECBUFFER_VERSION, 1, &tok}, outdesc = {SECBUFFER_VERSION, 1, out};
        ULONG attrs = 0;
        if (ApplyControlToken(&ctx, &tokdesc) != SEC_E_OK) {
            printf("ApplyControlToken failed: %s\n", last_message());
            goto out;
        }
        out[0].BufferType = SECBUFFER_TOKEN; out[0].pvBuffer = NULL; out[0].cbBuffer = 0;
        st = AcceptSecurityContext(cred, &ctx, NULL, ASC_FLAGS, SECURITY_NATIVE_DREP, NULL, &outdesc, &attrs, NULL);
        if (st == SEC_E_OK || st == SEC_I_CONTEXT_EXPIRED) {
            if (out[0].cbBuffer && out[0].pvBuffer)
                send_all(client, out[0].pvBuffer, out[0].cbBuffer);
            rc = 0;
        } else {
            printf("AcceptSecurityContext (shutdown) failed: 0x%08x (%s)\n", (unsigned)st, last_message());
        }
        if (out[0].pvBuffer)
            FreeContextBuffer(out[0].pvBuffer);
    }
    fflush(stdout);

out:
    if (have_ctx)
        DeleteSecurityContext(&ctx);
    closesocket(client);
    return rc;
}

int __cdecl main(int argc, char **argv)
{
    WSADATA wsa;
    SOCKET ls;
    SOCKADDR_IN addr;
    int addrlen = sizeof addr;
    u_short port = (u_short)(argc > 1 ? atoi(argv[1]) : 4433);
    int clients = argc > 2 ? atoi(argv[2]) : 1;
    PCCERT_CONTEXT cert = NULL;
    SCH_CREDENTIALS sch;
    CredHandle cred;
    TimeStamp expiry;
    SECURITY_STATUS st;
    int i, failures = 0;

    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return 1;

    memset(&sch, 0, sizeof sch);
    sch.dwVersion = SCH_CREDENTIALS_VERSION;
    if (argc > 3) {
#ifdef WSTLS_H
        cert = wstls_cert_context_from_pem_files(argv[3], argc > 4 ? argv[4] : NULL);
#endif
        if (cert == NULL) {
            printf("cannot load %s: %s\n", argv[3], last_message());
            return 1;
        }
        sch.cCreds = 1;
        sch.paCred = &cert;
    }
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sch, NULL, NULL, &cred,
                                   &expiry);
    if (st != SEC_E_OK) {
        printf("AcquireCredentialsHandle failed: 0x%08x (%s)\n", (unsigned)st, last_message());
        return 1;
    }

    ls = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (ls == INVALID_SOCKET || bind(ls, (SOCKADDR *)&addr, sizeof addr) == SOCKET_ERROR ||
        listen(ls, SOMAXCONN) == SOCKET_ERROR || getsockname(ls, (SOCKADDR *)&addr, &addrlen) == SOCKET_ERROR) {
        printf("listen failed: %d (%s)\n", WSAGetLastError(), last_message());
        return 1;
    }
    printf("listening on port %u\n", (unsigned)ntohs(addr.sin_port));
    fflush(stdout);

    for (i = 0; i < clients; i++) {
        SOCKET c = accept(ls, NULL, NULL);
        if (c == INVALID_SOCKET) {
            printf("accept failed: %d (%s)\n", WSAGetLastError(), last_message());
            failures++;
            continue;
        }
        failures += serve_one(c, &cred);
    }

    closesocket(ls);
    FreeCredentialsHandle(&cred);
    if (cert)
        CertFreeCertificateContext(cert);
    WSACleanup();
    return failures == 0 ? 0 : 1;
}
