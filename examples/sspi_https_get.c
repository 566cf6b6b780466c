/*
 * sspi_https_get.c - an HTTPS GET written the way curl's Schannel backend drives SSPI, built
 * unchanged against wstls:
 *
 *   cc sspi_https_get.c -I include/compat -I include -L target/release -lwstls
 *
 * Winsock for the connection; SSPI through the function table InitSecurityInterfaceA returns
 * (as curl calls it); SCH_CREDENTIALS; the InitializeSecurityContext loop with
 * ISC_REQ_ALLOCATE_MEMORY, SECBUFFER_EXTRA and SEC_E_INCOMPLETE_MESSAGE; EncryptMessage for
 * the request; DecryptMessage for the response, with SEC_I_RENEGOTIATE (TLS 1.3 tickets) and
 * SEC_I_CONTEXT_EXPIRED (close_notify); then the SCHANNEL_SHUTDOWN sequence.
 *
 * Usage: sspi_https_get host port [path]
 * Trust: the system store plus WSTLS_CA_FILE. Exit status 0 on an HTTP response.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma comment(lib, "Ws2_32.lib")
#pragma comment(lib, "Secur32.lib")

#define IO_BUFFER_SIZE 0x10000

static PSecurityFunctionTableA sspi;

static const char *last_message(void)
{
#ifdef WSTLS_H
    return wstls_last_error_message(); /* wstls extension: what happened and what to do */
#else
    return "";
#endif
}

static int fail_sec(const char *what, SECURITY_STATUS st)
{
    printf("%s failed: 0x%08x (%s)\n", what, (unsigned)st, last_message());
    return 1;
}

static int send_all(SOCKET s, const void *buf, DWORD len)
{
    const char *p = (const char *)buf;
    while (len > 0) {
        int n = send(s, p, (int)len, 0);
        if (n == SOCKET_ERROR) {
            printf("send failed: %d (%s)\n", WSAGetLastError(), last_message());
            return -1;
        }
        p += n;
        len -= (DWORD)n;
    }
    return 0;
}

/* Sends and frees the output tokens of one ISC call. */
static int flush_tokens(SOCKET s, SecBuffer *out, int count)
{
    int i, rc = 0;
    for (i = 0; i < count; i++) {
        if (out[i].BufferType == SECBUFFER_TOKEN && out[i].cbBuffer && out[i].pvBuffer && rc == 0)
            rc = send_all(s, out[i].pvBuffer, out[i].cbBuffer);
        if (out[i].pvBuffer)
            sspi->FreeContextBuffer(out[i].pvBuffer);
        out[i].pvBuffer = NULL;
    }
    return rc;
}

/* The handshake: ISC until SEC_E_OK. `buf`/`*len` keep what was received and not consumed
 * (application data that followed the handshake goes to DecryptMessage). */
static SECURITY_STATUS handshake(SOCKET s, CredHandle *cred, CtxtHandle *ctx, const char *host, BYTE *buf,
                                 DWORD *len)
{
    ULONG req = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |
                ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
    ULONG ret = 0;
    SecBuffer in[2], out[3];
    SecBufferDesc indesc = {SECBUFFER_VERSION, 2, in}, outdesc = {SECBUFFER_VERSION, 3, out};
    SECURITY_STATUS st;
    TimeStamp expiry;
    BOOL need_read = TRUE;

    /* First call: the ClientHello. */
    out[0].BufferType = SECBUFFER_TOKEN; out[0].pvBuffer = NULL; out[0].cbBuffer = 0;
    outdesc.cBuffers = 1;
    st = sspi->InitializeSecurityContextA(cred, NULL, (SEC_CHAR *)host, req, 0, 0, NULL, 0, ctx, &outdesc, &ret,
                                          &expiry);
    if (st != SEC_I_CONTINUE_NEEDED)
        return st;
    if (flush_tokens(s, out, 1) != 0)
        return SEC_E_INTERNAL_ERROR;
    outdesc.cBuffers = 3;

    *len = 0;
    for (;;) {
        if (need_read) {
            int n = recv(s, (char *)buf + *len, (int)(IO_BUFFER_SIZE - *len), 0);
            if (n <= 0) {
                printf("recv during the handshake: %s\n", n == 0 ? "the server closed the connection" : last_message());
                return SEC_E_INTERNAL_ERROR;
            }
            *len += (DWORD)n;
        }
        in[0].BufferType = SECBUFFER_TOKEN; in[0].pvBuffer = buf; in[0].cbBuffer = *len;
        in[1].BufferType = SECBUFFER_EMPTY; in[1].pvBuffer = NULL; in[1].cbBuffer = 0;
        out[0].BufferType = SECBUFFER_TOKEN; out[0].pvBuffer = NULL; out[0].cbBuffer = 0;
        out[1].BufferType = SECBUFFER_ALERT; out[1].pvBuffer = NULL; out[1].cbBuffer = 0;
        out[2].BufferType = SECBUFFER_EMPTY; out[2].pvBuffer = NULL; out[2].cbBuffer = 0;
        st = sspi->InitializeSecurityContextA(cred, ctx, (SEC_CHAR *)host, req, 0, 0, &indesc, 0, NULL, &outdesc,
                                              &ret, &expiry);
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            need_read = TRUE;
            continue;
        }
        if (st == SEC_I_INCOMPLETE_CREDENTIALS) {
            /* The server asked for a client certificate and we have none: go on without. */
            req |= ISC_REQ_USE_SUPPLIED_CREDS;
            need_read = FALSE;
            continue;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
            /* Send the alert wstls produced (e.g. bad_certificate) before giving up. */
            if (out[1].cbBuffer && out[1].pvBuffer)
                send_all(s, out[1].pvBuffer, out[1].cbBuffer);
            flush_tokens(s, out, 3);
            return st;
        }
        if (flush_tokens(s, out, 3) != 0)
            return SEC_E_INTERNAL_ERROR;
        if (in[1].BufferType == SECBUFFER_EXTRA && in[1].cbBuffer) {
            memmove(buf, buf + (*len - in[1].cbBuffer), in[1].cbBuffer);
            *len = in[1].cbBuffer;
            need_read = FALSE;
        } else {
            *len = 0;
            need_read = TRUE;
        }
        if (st == SEC_E_OK) {
            /* curl checks that it got what it asked for. */
            ULONG want = ISC_RET_SEQUENCE_DETECT | ISC_RET_REPLAY_DETECT | ISC_RET_CONFIDENTIALITY |
                         ISC_RET_ALLOCATED_MEMORY | ISC_RET_STREAM;
            if ((ret & want) != want) {
                printf("InitializeSecurityContext returned flags 0x%x, wanted 0x%x\n", (unsigned)ret, (unsigned)want);
                return SEC_E_INTERNAL_ERROR;
            }
            return SEC_E_OK;
        }
    }
}

int __cdecl main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "localhost";
    const char *port = argc > 2 ? argv[2] : "443";
    const char *path = argc > 3 ? argv[3] : "/";
    WSADATA wsa;
    struct addrinfo hints, *ai = NULL;
    SOCKET s = INVALID_SOCKET;
    SCH_CREDENTIALS sch;
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp expiry;
    SECURITY_STATUS st;
    SecPkgContext_StreamSizes sizes;
    SecPkgContext_ConnectionInfo info;
    static BYTE buf[IO_BUFFER_SIZE];
    DWORD len = 0;
    char request[1024];
    BYTE *msg;
    SecBuffer b[4];
    SecBufferDesc desc = {SECBUFFER_VERSION, 4, b};
    DWORD shutdown_token = SCHANNEL_SHUTDOWN;
    long total = 0;
    int i, rc = 1, printed_head = 0;

    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return 1;
    sspi = InitSecurityInterfaceA();
    if (sspi == NULL) {
        printf("InitSecurityInterfaceA failed\n");
        return 1;
    }

    /* 1. TCP connection. */
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0) {
        printf("getaddrinfo(%s) failed: %d\n", host, WSAGetLastError());
        return 1;
    }
    s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s == INVALID_SOCKET || connect(s, ai->ai_addr, (int)ai->ai_addrlen) == SOCKET_ERROR) {
        printf("connect to %s:%s failed: %d (%s)\n", host, port, WSAGetLastError(), last_message());
        freeaddrinfo(ai);
        return 1;
    }
    freeaddrinfo(ai);

    /* 2. Credentials: the system defaults, verification on, no automatic client certificate. */
    memset(&sch, 0, sizeof sch);
    sch.dwVersion = SCH_CREDENTIALS_VERSION;
    sch.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | SCH_USE_STRONG_CRYPTO;
    st = sspi->AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sch, NULL, NULL,
                                         &cred, &expiry);
    if (st != SEC_E_OK)
        return fail_sec("AcquireCredentialsHandle", st);

    /* 3. Handshake. */
    st = handshake(s, &cred, &ctx, host, buf, &len);
    if (st != SEC_E_OK) {
        fail_sec("InitializeSecurityContext", st);
        goto out_cred;
    }
    if (sspi->QueryContextAttributesA(&ctx, SECPKG_ATTR_STREAM_SIZES, &sizes) != SEC_E_OK ||
        sspi->QueryContextAttributesA(&ctx, SECPKG_ATTR_CONNECTION_INFO, &info) != SEC_E_OK) {
        printf("QueryContextAttributes failed: %s\n", last_message());
        goto out_ctx;
    }
    printf("connected to %s: %s, cipher 0x%x (%u bits)\n", host,
           info.dwProtocol == SP_PROT_TLS1_3_CLIENT   ? "TLS 1.3"
           : info.dwProtocol == SP_PROT_TLS1_2_CLIENT ? "TLS 1.2"
                                                      : "?",
           (unsigned)info.aiCipher, (unsigned)info.dwCipherStrength);

    /* 4. The request: header | data | trailer in one block, encrypted in place. */
    snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: wstls-sspi-example\r\n\r\n", path,
             host);
    msg = (BYTE *)malloc(sizes.cbHeader + strlen(request) + sizes.cbTrailer);
    memcpy(msg + sizes.cbHeader, request, strlen(request));
    b[0].BufferType = SECBUFFER_STREAM_HEADER; b[0].pvBuffer = msg; b[0].cbBuffer = sizes.cbHeader;
    b[1].BufferType = SECBUFFER_DATA; b[1].pvBuffer = msg + sizes.cbHeader; b[1].cbBuffer = (ULONG)strlen(request);
    b[2].BufferType = SECBUFFER_STREAM_TRAILER; b[2].pvBuffer = msg + sizes.cbHeader + strlen(request);
    b[2].cbBuffer = sizes.cbTrailer;
    b[3].BufferType = SECBUFFER_EMPTY; b[3].pvBuffer = NULL; b[3].cbBuffer = 0;
    st = sspi->EncryptMessage(&ctx, 0, &desc, 0);
    if (st != SEC_E_OK) {
        free(msg);
        fail_sec("EncryptMessage", st);
        goto out_ctx;
    }
    i = send_all(s, msg, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer);
    free(msg);
    if (i != 0)
        goto out_ctx;

    /* 5. The response, one record per DecryptMessage, until the server's close_notify. */
    for (;;) {
        if (len == 0 || st == SEC_E_INCOMPLETE_MESSAGE) {
            int n = recv(s, (char *)buf + len, (int)(sizeof buf - len), 0);
            if (n == SOCKET_ERROR) {
                printf("recv failed: %d (%s)\n", WSAGetLastError(), last_message());
                goto out_ctx;
            }
            if (n == 0) {
                printf("the server closed the connection without close_notify (truncated response?)\n");
                goto out_ctx;
            }
            len += (DWORD)n;
        }
        b[0].BufferType = SECBUFFER_DATA; b[0].pvBuffer = buf; b[0].cbBuffer = len;
        for (i = 1; i < 4; i++) {
            b[i].BufferType = SECBUFFER_EMPTY; b[i].pvBuffer = NULL; b[i].cbBuffer = 0;
        }
        st = sspi->DecryptMessage(&ctx, &desc, 0, NULL);
        if (st == SEC_E_INCOMPLETE_MESSAGE)
            continue;
        if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE && st != SEC_I_CONTEXT_EXPIRED) {
            fail_sec("DecryptMessage", st);
            goto out_ctx;
        }
        for (i = 1; i < 4; i++) {
            if (b[i].BufferType == SECBUFFER_DATA && b[i].cbBuffer) {
                total += (long)b[i].cbBuffer;
                if (!printed_head) { /* the status line and headers */
                    const char *p = (const char *)b[i].pvBuffer;
                    const char *end = p + b[i].cbBuffer;
                    const char *hdr_end = NULL, *q;
                    for (q = p; q + 3 < end; q++)
                        if (memcmp(q, "\r\n\r\n", 4) == 0) {
                            hdr_end = q;
                            break;
                        }
                    fwrite(p, 1, (size_t)((hdr_end ? hdr_end : end) - p), stdout);
                    printf("\n");
                    printed_head = 1;
                }
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
        if (st == SEC_I_RENEGOTIATE) {
            /* A post-handshake message (TLS 1.3 session ticket): back to ISC with the extra. */
            SecBuffer in[2], out[1];
            SecBufferDesc indesc = {SECBUFFER_VERSION, 2, in}, outdesc = {SECBUFFER_VERSION, 1, out};
            ULONG ret = 0;
            in[0].BufferType = SECBUFFER_TOKEN; in[0].pvBuffer = buf; in[0].cbBuffer = len;
            in[1].BufferType = SECBUFFER_EMPTY; in[1].pvBuffer = NULL; in[1].cbBuffer = 0;
            out[0].BufferType = SECBUFFER_TOKEN; out[0].pvBuffer = NULL; out[0].cbBuffer = 0;
            st = sspi->InitializeSecurityContextA(&cred, &ctx, (SEC_CHAR *)host,
                                                  ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT |
                                                      ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY |
                                                      ISC_REQ_STREAM,
                                                  0, 0, &indesc, 0, NULL, &outdesc, &ret, &expiry);
            if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
                fail_sec("InitializeSecurityContext (renegotiate)", st);
                goto out_ctx;
            }
            if (flush_tokens(s, out, 1) != 0)
                goto out_ctx;
            /* What it did not consume (reported as EXTRA) stays for DecryptMessage. */
            if (in[1].BufferType == SECBUFFER_EXTRA && in[1].cbBuffer) {
                memmove(buf, buf + (len - in[1].cbBuffer), in[1].cbBuffer);
                len = in[1].cbBuffer;
            } else {
                len = 0;
            }
            st = SEC_E_OK;
        }
    }
    printf("response: %ld bytes, then close_notify\n", total);
    rc = printed_head ? 0 : 1;

    /* 6. Our close_notify: ApplyControlToken(SCHANNEL_SHUTDOWN), then one ISC call. */
    {
        SecBuffer tok = {sizeof shutdown_token, SECBUFFER_TOKEN, &shutdown_token}, out[1];
        SecBufferDesc tokdesc = {SECBUFFER_VERSION, 1, &tok}, outdesc = {SECBUFFER_VERSION, 1, out};
        ULONG ret = 0;
        if (sspi->ApplyControlToken(&ctx, &tokdesc) == SEC_E_OK) {
            out[0].BufferType = SECBUFFER_TOKEN; out[0].pvBuffer = NULL; out[0].cbBuffer = 0;
            st = sspi->InitializeSecurityContextA(&cred, &ctx, (SEC_CHAR *)host,
                                                  ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT |
                                                      ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY |
                                                      ISC_REQ_STREAM,
                                                  0, 0, NULL, 0, NULL, &outdesc, &ret, &expiry);
            if (st == SEC_E_OK || st == SEC_I_CONTEXT_EXPIRED)
                flush_tokens(s, out, 1);
        }
    }

out_ctx:
    sspi->DeleteSecurityContext(&ctx);
out_cred:
    sspi->FreeCredentialsHandle(&cred);
    closesocket(s);
    WSACleanup();
    return rc;
}
