/*
 * sspi_bench.c - SSPI EncryptMessage/DecryptMessage in memory through wstls, written as
 * Windows Schannel code writes it (SCH_CREDENTIALS, the InitializeSecurityContext /
 * AcceptSecurityContext token loop, stream header/data/trailer buffers). Client and server
 * contexts live in this process; the "network" is a memory buffer. Built when the SSPI face
 * (include/compat/sspi.h) is in the tree.
 *
 *   sspi_bench mem --cert F --key F --bytes N --size S     encrypt + decrypt throughput
 *   sspi_bench cg  --cert F --key F --count K --size S     for callgrind (cg_encrypt_one,
 *                                                          cg_decrypt_one)
 * The CA must be trusted (--ca F sets WSTLS_CA_FILE); --cipher restricts the suite.
 */
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
#include <time.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "sspi_bench: %s failed (line %d): %s\n", #c, __LINE__,                 \
                    wstls_last_error_message());                                                   \
            exit(2);                                                                               \
        }                                                                                          \
    } while (0)

typedef struct {
    BYTE *data;
    DWORD len, cap;
} PIPE;

static void pipe_put(PIPE *p, const void *b, DWORD n)
{
    if (p->len + n > p->cap) {
        p->cap = (p->len + n) * 2;
        p->data = (BYTE *)realloc(p->data, p->cap);
    }
    memcpy(p->data + p->len, b, n);
    p->len += n;
}

static void pipe_drop(PIPE *p, DWORD n)
{
    memmove(p->data, p->data + n, p->len - n);
    p->len -= n;
}

static PIPE to_server, to_client;
static const ULONG ISC_FLAGS = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT |
                               ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
static const ULONG ASC_FLAGS = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT |
                               ASC_REQ_CONFIDENTIALITY | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;

static SECURITY_STATUS leg(BOOL server, CredHandle *cred, CtxtHandle *ctx, BOOL *have_ctx, PIPE *in,
                           PIPE *out)
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
        st = AcceptSecurityContext(cred, *have_ctx ? ctx : NULL, &indesc, ASC_FLAGS,
                                   SECURITY_NATIVE_DREP, ctx, &outdesc, &attrs, &expiry);
    else
        st = InitializeSecurityContextA(cred, *have_ctx ? ctx : NULL, (SEC_CHAR *)"localhost",
                                        ISC_FLAGS, 0, 0, *have_ctx ? &indesc : NULL, 0, ctx,
                                        &outdesc, &attrs, &expiry);
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) return st;
    *have_ctx = TRUE;
    if (outbuf[0].cbBuffer && outbuf[0].pvBuffer) pipe_put(out, outbuf[0].pvBuffer, outbuf[0].cbBuffer);
    if (outbuf[0].pvBuffer) FreeContextBuffer(outbuf[0].pvBuffer);
    if (inbuf[1].BufferType == SECBUFFER_EXTRA)
        pipe_drop(in, in->len - inbuf[1].cbBuffer);
    else
        in->len = 0;
    return st;
}

static CtxtHandle cctx, sctx;
static SecPkgContext_StreamSizes sizes;
static BYTE *plain;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Encrypts `n` bytes of `plain` as one record at `out` (header, data, trailer); returns the
 * record length. The copy into the message buffer is part of what an SSPI sender does. */
__attribute__((noinline)) DWORD cg_encrypt_one(BYTE *out, DWORD n)
{
    SecBuffer b[4];
    SecBufferDesc d;
    memcpy(out + sizes.cbHeader, plain, n);
    b[0].BufferType = SECBUFFER_STREAM_HEADER; b[0].pvBuffer = out; b[0].cbBuffer = sizes.cbHeader;
    b[1].BufferType = SECBUFFER_DATA; b[1].pvBuffer = out + sizes.cbHeader; b[1].cbBuffer = n;
    b[2].BufferType = SECBUFFER_STREAM_TRAILER; b[2].pvBuffer = out + sizes.cbHeader + n;
    b[2].cbBuffer = sizes.cbTrailer;
    b[3].BufferType = SECBUFFER_EMPTY; b[3].pvBuffer = NULL; b[3].cbBuffer = 0;
    d.ulVersion = SECBUFFER_VERSION; d.cBuffers = 4; d.pBuffers = b;
    CHECK(EncryptMessage(&cctx, 0, &d, 0) == SEC_E_OK);
    return b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
}

/* Decrypts the record at `in` in place; returns the plaintext length. */
__attribute__((noinline)) DWORD cg_decrypt_one(BYTE *in, DWORD len)
{
    SecBuffer b[4];
    SecBufferDesc d;
    int i;
    b[0].BufferType = SECBUFFER_DATA; b[0].pvBuffer = in; b[0].cbBuffer = len;
    for (i = 1; i < 4; i++) { b[i].BufferType = SECBUFFER_EMPTY; b[i].pvBuffer = NULL; b[i].cbBuffer = 0; }
    d.ulVersion = SECBUFFER_VERSION; d.cBuffers = 4; d.pBuffers = b;
    CHECK(DecryptMessage(&sctx, &d, 0, NULL) == SEC_E_OK);
    CHECK(b[1].BufferType == SECBUFFER_DATA);
    return b[1].cbBuffer;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "", *certf = NULL, *keyf = NULL, *label = "";
    long long bytes = 64LL << 20;
    long size = 16384, count = 200;
    PCCERT_CONTEXT server_cert;
    SCH_CREDENTIALS sc, cc;
    TLS_PARAMETERS tp;
    CredHandle scred, ccred;
    BOOL shave = FALSE, chave = FALSE, sdone = FALSE, cdone = FALSE;
    SecPkgContext_ConnectionInfo info;
    SECURITY_STATUS st;
    int rounds = 0;

    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--cert")) certf = v;
        else if (!strcmp(k, "--key")) keyf = v;
        else if (!strcmp(k, "--ca")) setenv("WSTLS_CA_FILE", v, 1);
        else if (!strcmp(k, "--cipher")) setenv("WSTLS_CIPHERS", v, 1);
        else if (!strcmp(k, "--bytes")) bytes = atoll(v);
        else if (!strcmp(k, "--size")) size = atol(v);
        else if (!strcmp(k, "--count")) count = atol(v);
        else if (!strcmp(k, "--label")) label = v;
    }
    CHECK(certf && keyf && (!strcmp(mode, "mem") || !strcmp(mode, "cg")));

    server_cert = wstls_cert_context_from_pem_files(certf, keyf);
    CHECK(server_cert != NULL);
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCH_CREDENTIALS_VERSION;
    sc.cCreds = 1;
    sc.paCred = &server_cert;
    CHECK(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL,
                                    NULL, &scred, NULL) == SEC_E_OK);
    CertFreeCertificateContext(server_cert);
    memset(&tp, 0, sizeof tp);
    tp.grbitDisabledProtocols = (DWORD) ~(SP_PROT_TLS1_3_CLIENT);
    memset(&cc, 0, sizeof cc);
    cc.dwVersion = SCH_CREDENTIALS_VERSION;
    cc.dwFlags = SCH_CRED_AUTO_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS | SCH_USE_STRONG_CRYPTO;
    cc.cTlsParameters = 1;
    cc.pTlsParameters = &tp;
    CHECK(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &cc, NULL,
                                    NULL, &ccred, NULL) == SEC_E_OK);

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
    CHECK(QueryContextAttributes(&cctx, SECPKG_ATTR_STREAM_SIZES, &sizes) == SEC_E_OK);
    if (size > (long)sizes.cbMaximumMessage) size = (long)sizes.cbMaximumMessage;

    /* Client -> server only: the server's tickets wait unread in to_client. */
    plain = (BYTE *)calloc(1, (size_t)size);
    {
        const long batch = 64;
        DWORD rec = sizes.cbHeader + (DWORD)size + sizes.cbTrailer;
        BYTE *buf = (BYTE *)malloc((size_t)rec * (size_t)batch);
        DWORD *lens = (DWORD *)calloc((size_t)batch, sizeof *lens);
        double te = 0, td = 0, t0;
        long long done = 0;
        if (!strcmp(mode, "cg")) {
            for (long i = 0; i < count; i++) {
                DWORD n = cg_encrypt_one(buf, (DWORD)size);
                CHECK(cg_decrypt_one(buf, n) == (DWORD)size);
            }
            printf("{\"bench\":\"cg\",\"impl\":\"sspi\",\"count\":%ld,\"size\":%ld}\n", count, size);
            return 0;
        }
        while (done < bytes) {
            t0 = now();
            for (long i = 0; i < batch; i++) lens[i] = cg_encrypt_one(buf + (size_t)i * rec, (DWORD)size);
            te += now() - t0;
            t0 = now();
            for (long i = 0; i < batch; i++) CHECK(cg_decrypt_one(buf + (size_t)i * rec, lens[i]) == (DWORD)size);
            td += now() - t0;
            done += (long long)size * batch;
        }
        printf("{\"bench\":\"mem\",\"impl\":\"sspi\",\"bytes\":%lld,\"size\":%ld,\"cipher_alg\":\"0x%x\","
               "\"encrypt_mib_s\":%.2f,\"decrypt_mib_s\":%.2f,\"mib_s\":%.2f,\"label\":\"%s\"}\n",
               done, size, (unsigned)info.aiCipher, (double)done / (1 << 20) / te,
               (double)done / (1 << 20) / td, (double)done / (1 << 20) / (te + td), label);
    }
    DeleteSecurityContext(&cctx);
    DeleteSecurityContext(&sctx);
    FreeCredentialsHandle(&ccred);
    FreeCredentialsHandle(&scred);
    return 0;
}
