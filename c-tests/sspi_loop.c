/* An SSPI client and an SSPI server in one process, written as Windows code writes them
 * ("Creating an Schannel Security Context"): AcquireCredentialsHandle with SCH_CREDENTIALS,
 * the InitializeSecurityContext / AcceptSecurityContext token loop with SECBUFFER_EXTRA,
 * EncryptMessage / DecryptMessage with the stream layouts, SEC_I_RENEGOTIATE for TLS 1.3
 * tickets, the shutdown sequence and the cleanup.
 *
 * Usage: sspi_loop <dir with server.pem/server.key>; the CA must be trusted (WSTLS_CA_FILE). */
#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS
#include <windows.h>
#include <subauth.h>
#include <security.h>
#include <schannel.h>
#include <wincrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { printf("FAILED: %s (line %d): %s\n", #c, __LINE__, wstls_last_error_message()); exit(1); } } while (0)

/* A one-way pipe of bytes. */
typedef struct { BYTE data[65536]; DWORD len; } PIPE;

static void pipe_put(PIPE *p, const void *b, DWORD n)
{
    CHECK(p->len + n <= sizeof(p->data));
    memcpy(p->data + p->len, b, n);
    p->len += n;
}

static void pipe_drop(PIPE *p, DWORD n)
{
    memmove(p->data, p->data + n, p->len - n);
    p->len -= n;
}

static PIPE to_server, to_client;
static const ULONG ISC_FLAGS = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |
                               ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
static const ULONG ASC_FLAGS = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY |
                               ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;

/* One leg of the handshake for one side: consumes from `in`, produces into `out`. */
static SECURITY_STATUS leg(BOOL server, CredHandle *cred, CtxtHandle *ctx, BOOL *have_ctx, PIPE *in, PIPE *out)
{
    SecBuffer inbuf[2], outbuf[1];
    SecBufferDesc indesc, outdesc;
    ULONG attrs = 0;
    TimeStamp expiry;
    SECURITY_STATUS st;

    inbuf[0].BufferType = SECBUFFER_TOKEN;
    inbuf[0].pvBuffer = in->data;
    inbuf[0].cbBuffer = in->len;
    inbuf[1].BufferType = SECBUFFER_EMPTY;
    inbuf[1].pvBuffer = NULL;
    inbuf[1].cbBuffer = 0;
    indesc.ulVersion = SECBUFFER_VERSION;
    indesc.cBuffers = 2;
    indesc.pBuffers = inbuf;
    outbuf[0].BufferType = SECBUFFER_TOKEN;
    outbuf[0].pvBuffer = NULL;
    outbuf[0].cbBuffer = 0;
    outdesc.ulVersion = SECBUFFER_VERSION;
    outdesc.cBuffers = 1;
    outdesc.pBuffers = outbuf;

    if (server)
        st = AcceptSecurityContext(cred, *have_ctx ? ctx : NULL, &indesc, ASC_FLAGS, SECURITY_NATIVE_DREP, ctx, &outdesc, &attrs, &expiry);
    else
        st = InitializeSecurityContextA(cred, *have_ctx ? ctx : NULL, (SEC_CHAR *)"localhost", ISC_FLAGS, 0, 0,
                                        *have_ctx ? &indesc : NULL, 0, ctx, &outdesc, &attrs, &expiry);
    if (st == SEC_E_INCOMPLETE_MESSAGE)
        return st;
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED)
        return st;
    *have_ctx = TRUE;
    if (outbuf[0].cbBuffer && outbuf[0].pvBuffer)
        pipe_put(out, outbuf[0].pvBuffer, outbuf[0].cbBuffer);
    if (outbuf[0].pvBuffer)
        CHECK(FreeContextBuffer(outbuf[0].pvBuffer) == SEC_E_OK);
    if (inbuf[1].BufferType == SECBUFFER_EXTRA)
        pipe_drop(in, in->len - inbuf[1].cbBuffer);
    else
        in->len = 0;
    if (st == SEC_E_OK) {
        if (server)
            CHECK(attrs == (ASC_RET_SEQUENCE_DETECT | ASC_RET_REPLAY_DETECT | ASC_RET_CONFIDENTIALITY | ASC_RET_ALLOCATED_MEMORY | ASC_RET_STREAM));
        else
            CHECK(attrs == (ISC_RET_SEQUENCE_DETECT | ISC_RET_REPLAY_DETECT | ISC_RET_CONFIDENTIALITY | ISC_RET_ALLOCATED_MEMORY | ISC_RET_STREAM));
    }
    return st;
}

static void send_msg(CtxtHandle *ctx, const char *text, PIPE *out)
{
    SecPkgContext_StreamSizes sizes;
    SecBuffer b[4];
    SecBufferDesc d;
    BYTE *block;
    DWORD n = (DWORD)strlen(text);

    CHECK(QueryContextAttributes(ctx, SECPKG_ATTR_STREAM_SIZES, &sizes) == SEC_E_OK);
    CHECK(n <= sizes.cbMaximumMessage);
    block = (BYTE *)malloc(sizes.cbHeader + n + sizes.cbTrailer);
    memcpy(block + sizes.cbHeader, text, n);
    b[0].BufferType = SECBUFFER_STREAM_HEADER; b[0].pvBuffer = block; b[0].cbBuffer = sizes.cbHeader;
    b[1].BufferType = SECBUFFER_DATA; b[1].pvBuffer = block + sizes.cbHeader; b[1].cbBuffer = n;
    b[2].BufferType = SECBUFFER_STREAM_TRAILER; b[2].pvBuffer = block + sizes.cbHeader + n; b[2].cbBuffer = sizes.cbTrailer;
    b[3].BufferType = SECBUFFER_EMPTY; b[3].pvBuffer = NULL; b[3].cbBuffer = 0;
    d.ulVersion = SECBUFFER_VERSION; d.cBuffers = 4; d.pBuffers = b;
    CHECK(EncryptMessage(ctx, 0, &d, 0) == SEC_E_OK);
    pipe_put(out, block, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer);
    free(block);
}

/* Decrypts everything in `in`; returns the last status; appends plaintext to `text`. */
static SECURITY_STATUS receive(BOOL server, CredHandle *cred, CtxtHandle *ctx, PIPE *in, PIPE *back, char *text, int *renegotiations)
{
    SECURITY_STATUS st = SEC_E_OK;
    while (in->len) {
        SecBuffer b[4];
        SecBufferDesc d;
        int i;
        b[0].BufferType = SECBUFFER_DATA; b[0].pvBuffer = in->data; b[0].cbBuffer = in->len;
        for (i = 1; i < 4; i++) { b[i].BufferType = SECBUFFER_EMPTY; b[i].pvBuffer = NULL; b[i].cbBuffer = 0; }
        d.ulVersion = SECBUFFER_VERSION; d.cBuffers = 4; d.pBuffers = b;
        st = DecryptMessage(ctx, &d, 0, NULL);
        if (st == SEC_E_INCOMPLETE_MESSAGE)
            break;
        CHECK(st == SEC_E_OK || st == SEC_I_RENEGOTIATE || st == SEC_I_CONTEXT_EXPIRED);
        if (b[1].BufferType == SECBUFFER_DATA && b[1].cbBuffer) {
            CHECK((BYTE *)b[1].pvBuffer >= in->data && (BYTE *)b[1].pvBuffer < in->data + in->len);
            strncat(text, (const char *)b[1].pvBuffer, b[1].cbBuffer);
        }
        if (b[3].BufferType == SECBUFFER_EXTRA)
            pipe_drop(in, in->len - b[3].cbBuffer);
        else
            in->len = 0;
        if (st == SEC_I_RENEGOTIATE) {
            BOOL have = TRUE;
            (*renegotiations)++;
            CHECK(leg(server, cred, ctx, &have, in, back) == SEC_E_OK);
        }
        if (st == SEC_I_CONTEXT_EXPIRED)
            break;
    }
    return st;
}

static void shutdown_ctx(BOOL server, CredHandle *cred, CtxtHandle *ctx, PIPE *out)
{
    DWORD type = SCHANNEL_SHUTDOWN;
    SecBuffer b, o;
    SecBufferDesc d, od;
    ULONG attrs;
    SECURITY_STATUS st;

    b.BufferType = SECBUFFER_TOKEN; b.pvBuffer = &type; b.cbBuffer = sizeof(type);
    d.ulVersion = SECBUFFER_VERSION; d.cBuffers = 1; d.pBuffers = &b;
    CHECK(ApplyControlToken(ctx, &d) == SEC_E_OK);
    o.BufferType = SECBUFFER_TOKEN; o.pvBuffer = NULL; o.cbBuffer = 0;
    od.ulVersion = SECBUFFER_VERSION; od.cBuffers = 1; od.pBuffers = &o;
    if (server)
        st = AcceptSecurityContext(cred, ctx, NULL, ASC_FLAGS, 0, NULL, &od, &attrs, NULL);
    else
        st = InitializeSecurityContextA(cred, ctx, NULL, ISC_FLAGS, 0, 0, NULL, 0, NULL, &od, &attrs, NULL);
    CHECK(st == SEC_E_OK || st == SEC_I_CONTEXT_EXPIRED);
    CHECK(o.cbBuffer > 0);
    pipe_put(out, o.pvBuffer, o.cbBuffer);
    FreeContextBuffer(o.pvBuffer);
}

int main(int argc, char **argv)
{
    char cert[1024], key[1024], text[256];
    PCCERT_CONTEXT server_cert;
    SCH_CREDENTIALS sc, cc;
    TLS_PARAMETERS tp;
    CredHandle scred, ccred;
    CtxtHandle sctx, cctx;
    BOOL shave = FALSE, chave = FALSE, sdone = FALSE, cdone = FALSE;
    SecPkgContext_ConnectionInfo info;
    SECURITY_STATUS st;
    int renegotiations = 0, rounds = 0;

    CHECK(argc == 2);
    snprintf(cert, sizeof cert, "%s/server.pem", argv[1]);
    snprintf(key, sizeof key, "%s/server.key", argv[1]);
    server_cert = wstls_cert_context_from_pem_files(cert, key);
    CHECK(server_cert != NULL);
    CHECK(server_cert->pCertInfo->dwVersion == CERT_V3);

    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCH_CREDENTIALS_VERSION;
    sc.cCreds = 1;
    sc.paCred = &server_cert;
    CHECK(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, &scred, NULL) == SEC_E_OK);
    CertFreeCertificateContext(server_cert);

    memset(&tp, 0, sizeof tp);
    tp.grbitDisabledProtocols = (DWORD)~(SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT);
    memset(&cc, 0, sizeof cc);
    cc.dwVersion = SCH_CREDENTIALS_VERSION;
    cc.dwFlags = SCH_CRED_AUTO_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS | SCH_USE_STRONG_CRYPTO;
    cc.cTlsParameters = 1;
    cc.pTlsParameters = &tp;
#ifdef UNISP_NAME_W
    CHECK(AcquireCredentialsHandleW(NULL, UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &cc, NULL, NULL, &ccred, NULL) == SEC_E_OK);
#else
    CHECK(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &cc, NULL, NULL, &ccred, NULL) == SEC_E_OK);
#endif

    /* The handshake: each side runs when it has input (the client starts). */
    st = leg(FALSE, &ccred, &cctx, &chave, &to_client, &to_server);
    CHECK(st == SEC_I_CONTINUE_NEEDED);
    while (!(sdone && cdone)) {
        CHECK(++rounds < 20);
        if (!sdone && to_server.len) {
            st = leg(TRUE, &scred, &sctx, &shave, &to_server, &to_client);
            CHECK(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED);
            sdone = st == SEC_E_OK;
        } else if (!cdone && to_client.len) {
            st = leg(FALSE, &ccred, &cctx, &chave, &to_client, &to_server);
            CHECK(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED);
            cdone = st == SEC_E_OK;
        } else {
            CHECK(!"handshake stalled");
        }
    }
    CHECK(QueryContextAttributes(&cctx, SECPKG_ATTR_CONNECTION_INFO, &info) == SEC_E_OK);
    CHECK(info.dwProtocol == SP_PROT_TLS1_3_CLIENT);

    /* Data both ways; the client sees the server's session tickets first. */
    text[0] = 0;
    send_msg(&cctx, "ping", &to_server);
    CHECK(receive(TRUE, &scred, &sctx, &to_server, &to_client, text, &renegotiations) == SEC_E_OK);
    CHECK(strcmp(text, "ping") == 0);
    text[0] = 0;
    send_msg(&sctx, "pong", &to_client);
    CHECK(receive(FALSE, &ccred, &cctx, &to_client, &to_server, text, &renegotiations) == SEC_E_OK);
    CHECK(strcmp(text, "pong") == 0);
    CHECK(renegotiations >= 1);

    /* Shutdown both ways. */
    shutdown_ctx(FALSE, &ccred, &cctx, &to_server);
    text[0] = 0;
    CHECK(receive(TRUE, &scred, &sctx, &to_server, &to_client, text, &renegotiations) == SEC_I_CONTEXT_EXPIRED);
    shutdown_ctx(TRUE, &scred, &sctx, &to_client);
    CHECK(receive(FALSE, &ccred, &cctx, &to_client, &to_server, text, &renegotiations) == SEC_I_CONTEXT_EXPIRED);

    CHECK(DeleteSecurityContext(&cctx) == SEC_E_OK);
    CHECK(DeleteSecurityContext(&sctx) == SEC_E_OK);
    CHECK(DeleteSecurityContext(&sctx) == SEC_E_INVALID_HANDLE);
    CHECK(FreeCredentialsHandle(&ccred) == SEC_E_OK);
    CHECK(FreeCredentialsHandle(&scred) == SEC_E_OK);
    puts("sspi_loop: OK");
    return 0;
}
