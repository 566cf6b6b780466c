/*
 * test_bad_input_sspi.c - the bad-input matrix of the SSPI/Schannel face, the certificate
 * functions and the Winsock Secure Socket Extensions (issue "reliability and security"),
 * part 3 of test_bad_input.c: NULL, stale, never-issued and swapped handles, wrong buffer
 * descriptors (versions, counts, types, sizes), calls in the wrong state, and bad calls in the
 * middle of an established SSPI session: every call returns its documented status (docs/sspi.md,
 * docs/secure-socket-extensions.md) with a message, and the session's records still decrypt in
 * order afterwards (a failed EncryptMessage must not use up a sequence number).
 *
 * Needs WSTLS_CA_FILE, WSTLS_CERT_FILE and WSTLS_KEY_FILE (ctest sets them; gen_pki.sh).
 */
#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <windows.h>
#include <subauth.h>
#include <security.h>
#include <schannel.h>
#include <wincrypt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsutil.h"

/* SSPI returns its status: `call` must return `status`, with a message. */
#define SEC_BAD(call, status)                                                                      \
    do {                                                                                           \
        SECURITY_STATUS st_ = (call);                                                              \
        if (st_ != (SECURITY_STATUS)(status)) {                                                    \
            char m_[200];                                                                          \
            snprintf(m_, sizeof m_, "returned %#x, expected %s (%#x)", (unsigned)st_, #status,    \
                     (unsigned)(status));                                                          \
            tu_fail(__FILE__, __LINE__, #call, m_);                                               \
        }                                                                                          \
        if (wstls_last_error_message()[0] == '\0') {                                              \
            tu_fail(__FILE__, __LINE__, #call, "no error message");                               \
        }                                                                                          \
    } while (0)

#define SEC_OK(call) CHECK_EQ((call), SEC_E_OK)

#define BAD(call, failvalue, code)                                                                 \
    do {                                                                                           \
        WSASetLastError(0);                                                                        \
        CHECK_FAILS(call, failvalue, code);                                                        \
        if (wstls_last_error_message()[0] == '\0') {                                              \
            tu_fail(__FILE__, __LINE__, #call, "no error message");                               \
        }                                                                                          \
    } while (0)

#define CANARY 0xA5

static const ULONG ISC_FLAGS = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |
                               ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
static const ULONG ASC_FLAGS = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY |
                               ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;

/* ---- a byte pipe and the in-process client/server pair -------------------------------------- */

typedef struct {
    BYTE data[1 << 16];
    DWORD len;
} PIPE;

static void pipe_put(PIPE *p, const void *b, DWORD n)
{
    CHECK(p->len + n <= sizeof p->data);
    memcpy(p->data + p->len, b, n);
    p->len += n;
}

static void pipe_drop(PIPE *p, DWORD n)
{
    memmove(p->data, p->data + n, p->len - n);
    p->len -= n;
}

static void set_buf(SecBuffer *b, ULONG type, void *p, ULONG n)
{
    b->BufferType = type;
    b->pvBuffer = p;
    b->cbBuffer = n;
}

static void set_desc(SecBufferDesc *d, SecBuffer *b, ULONG n)
{
    d->ulVersion = SECBUFFER_VERSION;
    d->cBuffers = n;
    d->pBuffers = b;
}

static SECURITY_STATUS leg(BOOL server, CredHandle *cred, CtxtHandle *ctx, BOOL *have, PIPE *in, PIPE *out)
{
    SecBuffer ib[2], ob[1];
    SecBufferDesc id, od;
    ULONG attrs = 0;
    SECURITY_STATUS st;
    set_buf(&ib[0], SECBUFFER_TOKEN, in->data, in->len);
    set_buf(&ib[1], SECBUFFER_EMPTY, NULL, 0);
    set_desc(&id, ib, 2);
    set_buf(&ob[0], SECBUFFER_TOKEN, NULL, 0);
    set_desc(&od, ob, 1);
    if (server) {
        st = AcceptSecurityContext(cred, *have ? ctx : NULL, &id, ASC_FLAGS, 0, ctx, &od, &attrs, NULL);
    } else {
        st = InitializeSecurityContextA(cred, *have ? ctx : NULL, (SEC_CHAR *)"localhost", ISC_FLAGS, 0, 0,
                                        *have ? &id : NULL, 0, ctx, &od, &attrs, NULL);
    }
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        return st;
    }
    *have = TRUE;
    if (ob[0].pvBuffer != NULL) {
        pipe_put(out, ob[0].pvBuffer, ob[0].cbBuffer);
        SEC_OK(FreeContextBuffer(ob[0].pvBuffer));
    }
    if (ib[1].BufferType == SECBUFFER_EXTRA) {
        pipe_drop(in, in->len - ib[1].cbBuffer);
    } else {
        in->len = 0;
    }
    return st;
}

static CredHandle ccred, scred;
static CtxtHandle cctx, sctx;
static PIPE c2s, s2c;

static void pair(void)
{
    BOOL ch = FALSE, sh = FALSE, cdone = FALSE, sdone = FALSE;
    int rounds = 0;
    c2s.len = s2c.len = 0;
    CHECK_EQ(leg(FALSE, &ccred, &cctx, &ch, &s2c, &c2s), SEC_I_CONTINUE_NEEDED);
    while (!(cdone && sdone)) {
        SECURITY_STATUS st;
        CHECK(++rounds < 20);
        if (!sdone && c2s.len > 0) {
            st = leg(TRUE, &scred, &sctx, &sh, &c2s, &s2c);
            CHECK(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED);
            sdone = st == SEC_E_OK;
        }
        if (!cdone && s2c.len > 0) {
            st = leg(FALSE, &ccred, &cctx, &ch, &s2c, &c2s);
            CHECK(st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED);
            cdone = st == SEC_E_OK;
        }
    }
}

/* EncryptMessage of `text` with curl's layout into `out`; returns the status. */
static SECURITY_STATUS seal(CtxtHandle *ctx, const char *text, PIPE *out)
{
    SecPkgContext_StreamSizes sz;
    SecBuffer b[4];
    SecBufferDesc d;
    BYTE block[512];
    DWORD n = (DWORD)strlen(text);
    SECURITY_STATUS st;
    SEC_OK(QueryContextAttributesA(ctx, SECPKG_ATTR_STREAM_SIZES, &sz));
    CHECK(sz.cbHeader + n + sz.cbTrailer <= sizeof block);
    memcpy(block + sz.cbHeader, text, n);
    set_buf(&b[0], SECBUFFER_STREAM_HEADER, block, sz.cbHeader);
    set_buf(&b[1], SECBUFFER_DATA, block + sz.cbHeader, n);
    set_buf(&b[2], SECBUFFER_STREAM_TRAILER, block + sz.cbHeader + n, sz.cbTrailer);
    set_buf(&b[3], SECBUFFER_EMPTY, NULL, 0);
    set_desc(&d, b, 4);
    st = EncryptMessage(ctx, 0, &d, 0);
    if (st == SEC_E_OK) {
        pipe_put(out, block, b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer);
    }
    return st;
}

/* Decrypts all of `in` (and answers post-handshake messages); appends the plaintext. */
static void open_all(BOOL server, CredHandle *cred, CtxtHandle *ctx, PIPE *in, PIPE *back, char *text, size_t cap)
{
    while (in->len > 0) {
        SecBuffer b[4];
        SecBufferDesc d;
        SECURITY_STATUS st;
        int i;
        set_buf(&b[0], SECBUFFER_DATA, in->data, in->len);
        for (i = 1; i < 4; i++) {
            set_buf(&b[i], SECBUFFER_EMPTY, NULL, 0);
        }
        set_desc(&d, b, 4);
        st = DecryptMessage(ctx, &d, 0, NULL);
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            return;
        }
        CHECK(st == SEC_E_OK || st == SEC_I_RENEGOTIATE);
        if (b[1].BufferType == SECBUFFER_DATA && b[1].cbBuffer > 0) {
            CHECK(strlen(text) + b[1].cbBuffer < cap);
            strncat(text, (const char *)b[1].pvBuffer, b[1].cbBuffer);
        }
        if (b[3].BufferType == SECBUFFER_EXTRA) {
            pipe_drop(in, in->len - b[3].cbBuffer);
        } else {
            in->len = 0;
        }
        if (st == SEC_I_RENEGOTIATE) {
            BOOL have = TRUE;
            CHECK_EQ(leg(server, cred, ctx, &have, in, back), SEC_E_OK);
        }
    }
}

/* ---- credentials ---------------------------------------------------------------------------- */

static void credentials(void)
{
    SCH_CREDENTIALS sc;
    SCHANNEL_CRED old;
    TLS_PARAMETERS tp;
    CredHandle h, never;
    TimeStamp ts;
    PCCERT_CONTEXT cert, certs[2];
    static const WCHAR wpkg[] = {'N', 'o', 'p', 'e', 0};

    cert = wstls_cert_context_from_pem_files(getenv("WSTLS_CERT_FILE"), getenv("WSTLS_KEY_FILE"));
    CHECK(cert != NULL);
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCH_CREDENTIALS_VERSION;
    /* Packages. */
    SEC_BAD(AcquireCredentialsHandleA(NULL, NULL, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &h, &ts),
            SEC_E_SECPKG_NOT_FOUND);
    SEC_BAD(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &h, &ts),
            SEC_E_SECPKG_NOT_FOUND);
    SEC_BAD(AcquireCredentialsHandleW(NULL, (LPWSTR)wpkg, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &h, &ts),
            SEC_E_SECPKG_NOT_FOUND);
    /* Structure versions and contents. */
    sc.dwVersion = 3;
    SEC_BAD(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &h, &ts),
            SEC_E_UNKNOWN_CREDENTIALS);
    sc.dwVersion = 0xFFFFFFFFu;
    SEC_BAD(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &h, &ts),
            SEC_E_UNKNOWN_CREDENTIALS);
    sc.dwVersion = SCH_CREDENTIALS_VERSION;
    certs[0] = cert;
    certs[1] = cert;
    sc.cCreds = 2;
    sc.paCred = certs;
    SEC_BAD(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, &h, &ts),
            SEC_E_UNKNOWN_CREDENTIALS);
    sc.cCreds = 0;
    sc.paCred = NULL;
    memset(&tp, 0, sizeof tp);
    tp.grbitDisabledProtocols = SP_PROT_TLS1_2 | SP_PROT_TLS1_3; /* nothing left */
    sc.cTlsParameters = 1;
    sc.pTlsParameters = &tp;
    SEC_BAD(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &h, &ts),
            SEC_E_ALGORITHM_MISMATCH);
    sc.cTlsParameters = 0;
    sc.pTlsParameters = NULL;
    memset(&old, 0, sizeof old);
    old.dwVersion = SCHANNEL_CRED_VERSION;
    old.grbitEnabledProtocols = SP_PROT_SSL3_CLIENT | SP_PROT_TLS1_0_CLIENT; /* legacy only */
    SEC_BAD(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &old, NULL, NULL, &h, &ts),
            SEC_E_ALGORITHM_MISMATCH);
    old.grbitEnabledProtocols = SP_PROT_TLS1_2_SERVER; /* server bits on a client */
    SEC_BAD(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &old, NULL, NULL, &h, &ts),
            SEC_E_ALGORITHM_MISMATCH);
    /* The real ones. */
    SEC_OK(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &ccred, &ts));
    sc.cCreds = 1;
    sc.paCred = &cert;
    SEC_OK(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, &scred, &ts));
    CHECK(CertFreeCertificateContext(cert));

    /* Handles: NULL, never issued, freed, swapped. */
    SEC_BAD(FreeCredentialsHandle(NULL), SEC_E_INVALID_HANDLE);
    memset(&never, 0, sizeof never);
    SEC_BAD(FreeCredentialsHandle(&never), SEC_E_INVALID_HANDLE);
    never.dwLower = 0x12345;
    never.dwUpper = 0x6789;
    SEC_BAD(FreeCredentialsHandle(&never), SEC_E_INVALID_HANDLE);
    SEC_OK(AcquireCredentialsHandleA(NULL, (LPSTR)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &h, &ts));
    SEC_OK(FreeCredentialsHandle(&h));
    SEC_BAD(FreeCredentialsHandle(&h), SEC_E_INVALID_HANDLE); /* twice */
    SEC_BAD(DeleteSecurityContext((CtxtHandle *)&ccred), SEC_E_INVALID_HANDLE); /* a credential as context */
    {
        BYTE attr[256];
        SEC_BAD(QueryCredentialsAttributesA(&h, SECPKG_ATTR_SUPPORTED_PROTOCOLS, attr), SEC_E_INVALID_HANDLE);
        SEC_BAD(QueryCredentialsAttributesW(NULL, SECPKG_ATTR_SUPPORTED_PROTOCOLS, attr), SEC_E_INVALID_HANDLE);
        SEC_BAD(QueryCredentialsAttributesA(&ccred, 0x7777, attr), SEC_E_UNSUPPORTED_FUNCTION);
    }
    tu_pass("AcquireCredentialsHandle/FreeCredentialsHandle: packages, versions, contents, handles");
}

/* ---- tokens ------------------------------------------------------------------------------------ */

static void tokens(void)
{
    CtxtHandle ctx, bogus;
    SecBuffer ib[2], ob[2];
    SecBufferDesc id, od;
    ULONG attrs;
    BYTE garbage[64], small[4];
    BOOL have = FALSE;
    PIPE in, out;

    memset(&bogus, 0, sizeof bogus);
    set_buf(&ob[0], SECBUFFER_TOKEN, NULL, 0);
    set_desc(&od, ob, 1);
    /* Bad credential handles. */
    SEC_BAD(InitializeSecurityContextA(NULL, NULL, (SEC_CHAR *)"localhost", ISC_FLAGS, 0, 0, NULL, 0, &ctx, &od, &attrs, NULL),
            SEC_E_INVALID_HANDLE);
    SEC_BAD(InitializeSecurityContextW(NULL, NULL, NULL, ISC_FLAGS, 0, 0, NULL, 0, &ctx, &od, &attrs, NULL),
            SEC_E_INVALID_HANDLE);
    SEC_BAD(InitializeSecurityContextA((CredHandle *)&bogus, NULL, (SEC_CHAR *)"localhost", ISC_FLAGS, 0, 0, NULL, 0, &ctx,
                                       &od, &attrs, NULL),
            SEC_E_INVALID_HANDLE);
    SEC_BAD(AcceptSecurityContext(NULL, NULL, NULL, ASC_FLAGS, 0, &ctx, &od, &attrs, NULL), SEC_E_INVALID_HANDLE);
    /* Output: NULL, empty, and a zero-size buffer without ALLOCATE_MEMORY. */
    SEC_BAD(InitializeSecurityContextA(&ccred, NULL, (SEC_CHAR *)"localhost", ISC_FLAGS, 0, 0, NULL, 0, &ctx, NULL, &attrs,
                                       NULL),
            SEC_E_INVALID_TOKEN);
    set_desc(&od, ob, 0);
    SEC_BAD(InitializeSecurityContextA(&ccred, NULL, (SEC_CHAR *)"localhost", ISC_FLAGS, 0, 0, NULL, 0, &ctx, &od, &attrs,
                                       NULL),
            SEC_E_INVALID_TOKEN);
    set_desc(&od, ob, 1);
    SEC_BAD(InitializeSecurityContextA(&ccred, NULL, (SEC_CHAR *)"localhost", ISC_FLAGS & ~ISC_REQ_ALLOCATE_MEMORY, 0, 0,
                                       NULL, 0, &ctx, &od, &attrs, NULL),
            SEC_E_INSUFFICIENT_MEMORY);
    /* A caller buffer too small for the ClientHello. */
    set_buf(&ob[0], SECBUFFER_TOKEN, small, sizeof small);
    SEC_BAD(InitializeSecurityContextA(&ccred, NULL, (SEC_CHAR *)"localhost", ISC_FLAGS & ~ISC_REQ_ALLOCATE_MEMORY, 0, 0,
                                       NULL, 0, &ctx, &od, &attrs, NULL),
            SEC_E_BUFFER_TOO_SMALL);
    set_buf(&ob[0], SECBUFFER_TOKEN, NULL, 0);
    SEC_BAD(InitializeSecurityContextA(&ccred, NULL, (SEC_CHAR *)"localhost", ISC_FLAGS | ISC_REQ_DATAGRAM, 0, 0, NULL, 0,
                                       &ctx, &od, &attrs, NULL),
            SEC_E_UNSUPPORTED_FUNCTION);
    /* A server credential used by a client, and the other way round. */
    SEC_BAD(InitializeSecurityContextA(&scred, NULL, (SEC_CHAR *)"localhost", ISC_FLAGS, 0, 0, NULL, 0, &ctx, &od, &attrs,
                                       NULL),
            SEC_E_WRONG_CREDENTIAL_HANDLE);
    SEC_BAD(AcceptSecurityContext(&ccred, NULL, NULL, ASC_FLAGS, 0, &ctx, &od, &attrs, NULL), SEC_E_WRONG_CREDENTIAL_HANDLE);

    /* Server input: garbage, not TLS, a truncated ClientHello, an EMPTY buffer with a size. */
    memset(garbage, 0x41, sizeof garbage);
    set_buf(&ib[0], SECBUFFER_TOKEN, garbage, sizeof garbage);
    set_buf(&ib[1], SECBUFFER_EMPTY, NULL, 0);
    set_desc(&id, ib, 2);
    SEC_BAD(AcceptSecurityContext(&scred, NULL, &id, ASC_FLAGS, 0, &ctx, &od, &attrs, NULL), SEC_E_INVALID_TOKEN);
    /* No input yet: wait for the ClientHello. */
    SEC_BAD(AcceptSecurityContext(&scred, NULL, NULL, ASC_FLAGS, 0, &ctx, &od, &attrs, NULL), SEC_E_INCOMPLETE_MESSAGE);
    set_buf(&ib[0], SECBUFFER_EMPTY, garbage, sizeof garbage);
    SEC_BAD(AcceptSecurityContext(&scred, NULL, &id, ASC_FLAGS, 0, &ctx, &od, &attrs, NULL), SEC_E_INVALID_TOKEN);
    id.ulVersion = 7;
    set_buf(&ib[0], SECBUFFER_TOKEN, garbage, sizeof garbage);
    SEC_BAD(AcceptSecurityContext(&scred, NULL, &id, ASC_FLAGS, 0, &ctx, &od, &attrs, NULL), SEC_E_INVALID_TOKEN);
    id.ulVersion = SECBUFFER_VERSION;
    /* A real ClientHello, cut short: INCOMPLETE, with the missing count, no context made. */
    in.len = out.len = 0;
    CHECK_EQ(leg(FALSE, &ccred, &ctx, &have, &in, &out), SEC_I_CONTINUE_NEEDED);
    CHECK(out.len > 20);
    set_buf(&ib[0], SECBUFFER_TOKEN, out.data, 9);
    set_buf(&ib[1], SECBUFFER_EMPTY, NULL, 0);
    SEC_BAD(AcceptSecurityContext(&scred, NULL, &id, ASC_FLAGS, 0, &bogus, &od, &attrs, NULL), SEC_E_INCOMPLETE_MESSAGE);
    CHECK_EQ(ib[1].BufferType, SECBUFFER_MISSING);
    CHECK(ib[1].cbBuffer >= 1);
    /* The client fed garbage in the middle of its handshake: a clean failure, then dead. */
    set_buf(&ib[0], SECBUFFER_TOKEN, garbage, sizeof garbage);
    set_buf(&ib[1], SECBUFFER_EMPTY, NULL, 0);
    set_buf(&ob[0], SECBUFFER_TOKEN, NULL, 0);
    set_buf(&ob[1], SECBUFFER_ALERT, NULL, 0);
    set_desc(&od, ob, 2);
    SEC_BAD(InitializeSecurityContextA(&ccred, &ctx, (SEC_CHAR *)"localhost", ISC_FLAGS, 0, 0, &id, 0, NULL, &od, &attrs, NULL),
            SEC_E_INVALID_TOKEN);
    if (ob[1].pvBuffer != NULL) {
        SEC_OK(FreeContextBuffer(ob[1].pvBuffer));
    }
    SEC_OK(DeleteSecurityContext(&ctx));
    SEC_BAD(DeleteSecurityContext(&ctx), SEC_E_INVALID_HANDLE);
    SEC_BAD(DeleteSecurityContext(NULL), SEC_E_INVALID_HANDLE);
    SEC_BAD(InitializeSecurityContextA(&ccred, &ctx, (SEC_CHAR *)"localhost", ISC_FLAGS, 0, 0, &id, 0, NULL, &od, &attrs, NULL),
            SEC_E_INVALID_HANDLE);
    tu_pass("InitializeSecurityContext/AcceptSecurityContext: handles, descriptors, sizes, garbage, truncation");
}

/* ---- the established session ----------------------------------------------------------------- */

static void session(void)
{
    SecPkgContext_StreamSizes sz;
    SecBuffer b[4];
    SecBufferDesc d;
    BYTE block[20000], copy[512];
    char text[256] = "";
    DWORD n, type;
    CtxtHandle stale;
    SECURITY_STATUS st;
    int i;

    /* Before the handshake completes. */
    {
        CtxtHandle half;
        BOOL have = FALSE;
        PIPE in, out;
        in.len = out.len = 0;
        CHECK_EQ(leg(FALSE, &ccred, &half, &have, &in, &out), SEC_I_CONTINUE_NEEDED);
        SEC_BAD(QueryContextAttributesA(&half, SECPKG_ATTR_STREAM_SIZES, &sz), SEC_E_INVALID_HANDLE);
        set_buf(&b[0], SECBUFFER_STREAM_HEADER, block, 13);
        set_buf(&b[1], SECBUFFER_DATA, block + 13, 1);
        set_buf(&b[2], SECBUFFER_STREAM_TRAILER, block + 14, 17);
        set_buf(&b[3], SECBUFFER_EMPTY, NULL, 0);
        set_desc(&d, b, 4);
        SEC_BAD(EncryptMessage(&half, 0, &d, 0), SEC_E_INVALID_HANDLE);
        set_buf(&b[0], SECBUFFER_DATA, out.data, out.len);
        set_buf(&b[1], SECBUFFER_EMPTY, NULL, 0);
        set_buf(&b[2], SECBUFFER_EMPTY, NULL, 0);
        SEC_BAD(DecryptMessage(&half, &d, 0, NULL), SEC_E_INVALID_HANDLE);
        SEC_OK(DeleteSecurityContext(&half));
        stale = half;
    }
    pair();
    SEC_OK(QueryContextAttributesA(&cctx, SECPKG_ATTR_STREAM_SIZES, &sz));

    /* Query: unknown attribute, NULL buffer, stale handle. */
    SEC_BAD(QueryContextAttributesA(&cctx, 0x7777, block), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(QueryContextAttributesW(&stale, SECPKG_ATTR_STREAM_SIZES, &sz), SEC_E_INVALID_HANDLE);
    SEC_BAD(QueryContextAttributesA(NULL, SECPKG_ATTR_STREAM_SIZES, &sz), SEC_E_INVALID_HANDLE);

    /* EncryptMessage with bad descriptors: nothing sealed, no sequence number used. */
    CHECK_EQ(seal(&cctx, "one;", &c2s), SEC_E_OK);
    n = 5;
    memcpy(block + sz.cbHeader, "bad!!", n);
    set_buf(&b[0], SECBUFFER_STREAM_HEADER, block, sz.cbHeader - 1); /* short header */
    set_buf(&b[1], SECBUFFER_DATA, block + sz.cbHeader, n);
    set_buf(&b[2], SECBUFFER_STREAM_TRAILER, block + sz.cbHeader + n, sz.cbTrailer);
    set_buf(&b[3], SECBUFFER_EMPTY, NULL, 0);
    set_desc(&d, b, 4);
    SEC_BAD(EncryptMessage(&cctx, 0, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    b[0].cbBuffer = sz.cbHeader;
    b[2].cbBuffer = sz.cbTrailer - 1; /* short trailer */
    SEC_BAD(EncryptMessage(&cctx, 0, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    b[2].cbBuffer = sz.cbTrailer;
    SEC_BAD(EncryptMessage(&cctx, 1, &d, 0), SEC_E_QOP_NOT_SUPPORTED);
    b[1].cbBuffer = sz.cbMaximumMessage + 1; /* too much for one record */
    b[2].pvBuffer = block + sz.cbHeader + sz.cbMaximumMessage + 1;
    SEC_BAD(EncryptMessage(&cctx, 0, &d, 0), SEC_E_ENCRYPT_FAILURE);
    b[1].cbBuffer = n;
    b[2].pvBuffer = block + sz.cbHeader + n;
    b[1].BufferType = SECBUFFER_EMPTY; /* no DATA */
    SEC_BAD(EncryptMessage(&cctx, 0, &d, 0), SEC_E_INVALID_TOKEN);
    b[1].BufferType = SECBUFFER_DATA;
    b[2].pvBuffer = block + sz.cbHeader; /* trailer overlapping the data */
    SEC_BAD(EncryptMessage(&cctx, 0, &d, 0), SEC_E_INVALID_PARAMETER);
    SEC_BAD(EncryptMessage(&cctx, 0, NULL, 0), SEC_E_INVALID_TOKEN);
    SEC_BAD(EncryptMessage(&stale, 0, &d, 0), SEC_E_INVALID_HANDLE);
    CHECK_EQ(seal(&cctx, "two;", &c2s), SEC_E_OK);

    /* DecryptMessage with bad descriptors: the pending records stay decryptable. */
    memcpy(copy, c2s.data, c2s.len);
    set_buf(&b[0], SECBUFFER_DATA, copy, c2s.len);
    set_buf(&b[1], SECBUFFER_EMPTY, NULL, 0);
    set_buf(&b[2], SECBUFFER_EMPTY, NULL, 0);
    set_desc(&d, b, 3); /* fewer than four buffers */
    SEC_BAD(DecryptMessage(&sctx, &d, 0, NULL), SEC_E_INVALID_TOKEN);
    set_buf(&b[3], SECBUFFER_EMPTY, NULL, 0);
    set_desc(&d, b, 4);
    b[0].BufferType = SECBUFFER_EMPTY; /* no DATA */
    SEC_BAD(DecryptMessage(&sctx, &d, 0, NULL), SEC_E_INVALID_TOKEN);
    b[0].BufferType = SECBUFFER_DATA;
    b[0].cbBuffer = 3; /* not even a header */
    SEC_BAD(DecryptMessage(&sctx, &d, 0, NULL), SEC_E_INCOMPLETE_MESSAGE);
    CHECK_EQ(b[0].BufferType, SECBUFFER_MISSING);
    set_buf(&b[0], SECBUFFER_DATA, copy, 10); /* half a record */
    SEC_BAD(DecryptMessage(&sctx, &d, 0, NULL), SEC_E_INCOMPLETE_MESSAGE);
    CHECK(b[0].cbBuffer > 0);
    memset(block, 0x42, 64);
    set_buf(&b[0], SECBUFFER_DATA, block, 64); /* not a record */
    SEC_BAD(DecryptMessage(&sctx, &d, 0, NULL), SEC_E_INVALID_TOKEN);
    SEC_BAD(DecryptMessage(&sctx, NULL, 0, NULL), SEC_E_INVALID_TOKEN);
    SEC_BAD(DecryptMessage(&stale, &d, 0, NULL), SEC_E_INVALID_HANDLE);
    /* Both records, in order, once. */
    open_all(TRUE, &scred, &sctx, &c2s, &s2c, text, sizeof text);
    CHECK_STR(text, "one;two;");

    /* Control tokens. */
    type = SCHANNEL_SHUTDOWN;
    set_buf(&b[0], SECBUFFER_TOKEN, &type, 2);
    set_desc(&d, b, 1);
    SEC_BAD(ApplyControlToken(NULL, &d), SEC_E_INVALID_HANDLE);
    SEC_BAD(ApplyControlToken(&cctx, NULL), SEC_E_INTERNAL_ERROR);
    SEC_BAD(ApplyControlToken(&cctx, &d), SEC_E_UNSUPPORTED_FUNCTION); /* fewer than 4 bytes */
    b[0].BufferType = SECBUFFER_DATA;
    b[0].cbBuffer = sizeof type;
    SEC_BAD(ApplyControlToken(&cctx, &d), SEC_E_INVALID_TOKEN);
    type = SCHANNEL_RENEGOTIATE;
    b[0].BufferType = SECBUFFER_TOKEN;
    SEC_BAD(ApplyControlToken(&cctx, &d), SEC_E_UNSUPPORTED_FUNCTION);

    /* The stream goes on both ways. */
    CHECK_EQ(seal(&sctx, "three;", &s2c), SEC_E_OK);
    text[0] = '\0';
    open_all(FALSE, &ccred, &cctx, &s2c, &c2s, text, sizeof text);
    CHECK_STR(text, "three;");

    /* A tampered record: DECRYPT_FAILURE, and the context stays dead. */
    CHECK_EQ(seal(&cctx, "four;", &c2s), SEC_E_OK);
    c2s.data[c2s.len - 1] ^= 1;
    for (i = 0; i < 2; i++) {
        set_buf(&b[0], SECBUFFER_DATA, c2s.data, c2s.len);
        set_buf(&b[1], SECBUFFER_EMPTY, NULL, 0);
        set_buf(&b[2], SECBUFFER_EMPTY, NULL, 0);
        set_buf(&b[3], SECBUFFER_EMPTY, NULL, 0);
        set_desc(&d, b, 4);
        st = DecryptMessage(&sctx, &d, 0, NULL);
        CHECK_EQ(st, SEC_E_DECRYPT_FAILURE);
    }
    /* The dead context repeats its failure to EncryptMessage too. */
    set_buf(&b[0], SECBUFFER_STREAM_HEADER, block, sz.cbHeader);
    set_buf(&b[1], SECBUFFER_DATA, block + sz.cbHeader, 1);
    set_buf(&b[2], SECBUFFER_STREAM_TRAILER, block + sz.cbHeader + 1, sz.cbTrailer);
    set_buf(&b[3], SECBUFFER_EMPTY, NULL, 0);
    SEC_BAD(EncryptMessage(&sctx, 0, &d, 0), SEC_E_DECRYPT_FAILURE);
    SEC_OK(DeleteSecurityContext(&cctx));
    SEC_OK(DeleteSecurityContext(&sctx));
    tu_pass("Encrypt/DecryptMessage, QueryContextAttributes, ApplyControlToken: bad descriptors keep the stream intact");
}

/* ---- the rest of the function table ----------------------------------------------------------- */

static void package_functions(void)
{
    ULONG count = 0;
    PSecPkgInfoA pkgs = NULL, info = NULL;
    PSecPkgInfoW wpkgs = NULL, winfo = NULL;
    PSecurityFunctionTableA ta;
    PSecurityFunctionTableW tw;
    CtxtHandle never;
    SecBuffer b;
    SecBufferDesc d;
    void *tok = NULL;
    static const WCHAR wnope[] = {'N', 'o', 'p', 'e', 0};
    int local = 0;

    memset(&never, 0, sizeof never);
    SEC_BAD(EnumerateSecurityPackagesA(NULL, &pkgs), SEC_E_INVALID_PARAMETER);
    SEC_BAD(EnumerateSecurityPackagesA(&count, NULL), SEC_E_INVALID_PARAMETER);
    SEC_BAD(EnumerateSecurityPackagesW(NULL, NULL), SEC_E_INVALID_PARAMETER);
    SEC_OK(EnumerateSecurityPackagesA(&count, &pkgs));
    CHECK(count >= 1 && pkgs != NULL);
    SEC_OK(FreeContextBuffer(pkgs));
    SEC_OK(EnumerateSecurityPackagesW(&count, &wpkgs));
    SEC_OK(FreeContextBuffer(wpkgs));
    SEC_BAD(QuerySecurityPackageInfoA(NULL, &info), SEC_E_SECPKG_NOT_FOUND);
    SEC_BAD(QuerySecurityPackageInfoA((LPSTR) "Nope", &info), SEC_E_SECPKG_NOT_FOUND);
    SEC_BAD(QuerySecurityPackageInfoW((LPWSTR)wnope, &winfo), SEC_E_SECPKG_NOT_FOUND);
    SEC_BAD(QuerySecurityPackageInfoA((LPSTR)UNISP_NAME_A, NULL), SEC_E_INVALID_PARAMETER);
    /* FreeContextBuffer: NULL is fine, memory wstls did not hand out is refused, once. */
    SEC_OK(FreeContextBuffer(NULL));
    SEC_BAD(FreeContextBuffer(&local), SEC_E_INVALID_HANDLE);
    SEC_OK(QuerySecurityPackageInfoA((LPSTR)UNISP_NAME_A, &info));
    SEC_OK(FreeContextBuffer(info));
    SEC_BAD(FreeContextBuffer(info), SEC_E_INVALID_HANDLE);
    /* The function tables. */
    ta = InitSecurityInterfaceA();
    tw = InitSecurityInterfaceW();
    CHECK(ta != NULL && tw != NULL);
    SEC_BAD(ta->DeleteSecurityContext(&never), SEC_E_INVALID_HANDLE);
    SEC_BAD(tw->FreeCredentialsHandle(NULL), SEC_E_INVALID_HANDLE);
    /* What Schannel does not implement: SEC_E_UNSUPPORTED_FUNCTION, whatever the arguments. */
    set_buf(&b, SECBUFFER_TOKEN, NULL, 0);
    set_desc(&d, &b, 1);
    SEC_BAD(CompleteAuthToken(&never, &d), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(CompleteAuthToken(NULL, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(ImpersonateSecurityContext(NULL), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(RevertSecurityContext(&never), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(MakeSignature(NULL, 0, NULL, 0), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(VerifySignature(&never, &d, 0, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(ExportSecurityContext(NULL, 0, NULL, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(ImportSecurityContextA(NULL, NULL, NULL, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(ImportSecurityContextW(NULL, NULL, NULL, &never), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(QuerySecurityContextToken(&never, &tok), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(SetContextAttributesA(NULL, 0, NULL, 0), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(SetContextAttributesW(&never, 1, &local, sizeof local), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(SetCredentialsAttributesA(NULL, 0, NULL, 0), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(SetCredentialsAttributesW(&ccred, 1, NULL, 0), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(AddCredentialsA(NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(AddCredentialsW(&ccred, NULL, NULL, 0, NULL, NULL, NULL, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(ChangeAccountPasswordA(NULL, NULL, NULL, NULL, NULL, 0, 0, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(ChangeAccountPasswordW(NULL, NULL, NULL, NULL, NULL, 0, 0, &d), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(QueryContextAttributesExA(&never, SECPKG_ATTR_STREAM_SIZES, NULL, 0), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(QueryContextAttributesExW(NULL, 0, &local, sizeof local), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(QueryCredentialsAttributesExA(&ccred, 0, NULL, 0), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(QueryCredentialsAttributesExW(NULL, 0, NULL, 0), SEC_E_UNSUPPORTED_FUNCTION);
    /* The generic names (ANSI here: UNICODE is not defined). */
    SEC_BAD(QueryContextAttributesEx(&never, SECPKG_ATTR_STREAM_SIZES, NULL, 0), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(SetCredentialsAttributes(&ccred, 1, NULL, 0), SEC_E_UNSUPPORTED_FUNCTION);
    SEC_BAD(AddCredentials(NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    tu_pass("packages, FreeContextBuffer, function tables and the unsupported functions");
}

static void certificates(void)
{
    BYTE garbage[100];
    HCERTSTORE store;
    PCCERT_CONTEXT c, d, e;
    static const char not_pem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    int local = 0;

    memset(garbage, 0x30, sizeof garbage);
    SetLastError(0);
    CHECK(CertCreateCertificateContext(X509_ASN_ENCODING, garbage, sizeof garbage) == NULL);
    CHECK_EQ((DWORD)GetLastError(), (DWORD)CRYPT_E_ASN1_BADTAG);
    CHECK(CertCreateCertificateContext(X509_ASN_ENCODING, NULL, 10) == NULL);
    CHECK(CertCreateCertificateContext(X509_ASN_ENCODING, garbage, 0) == NULL);
    CHECK(CertDuplicateCertificateContext(NULL) == NULL);
    CHECK(CertFreeCertificateContext(NULL));
    CHECK(!CertFreeCertificateContext((PCCERT_CONTEXT)&local)); /* not a wstls context */
    CHECK(CertOpenStore((LPCSTR)(UINT_PTR)99, 0, 0, 0, NULL) == NULL);
    CHECK(CertOpenStore(NULL, 0, 0, 0, NULL) == NULL);
    CHECK(CertEnumCertificatesInStore(NULL, NULL) == NULL);
    CHECK(!CertCloseStore(NULL, 0) || TRUE); /* NULL: no crash (Windows returns TRUE) */
    CHECK(!CertCloseStore((HCERTSTORE)&local, 0));
    store = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
    CHECK(store != NULL);
    CHECK(!CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, garbage, sizeof garbage, CERT_STORE_ADD_ALWAYS, NULL));
    CHECK(!CertAddEncodedCertificateToStore(NULL, X509_ASN_ENCODING, garbage, sizeof garbage, CERT_STORE_ADD_ALWAYS, NULL));
    CHECK(!CertAddCertificateContextToStore(store, NULL, CERT_STORE_ADD_ALWAYS, NULL));
    CHECK(CertEnumCertificatesInStore(store, NULL) == NULL); /* empty */
    CHECK_EQ((DWORD)GetLastError(), (DWORD)CRYPT_E_NOT_FOUND);
    c = wstls_cert_context_from_pem_files(getenv("WSTLS_CERT_FILE"), getenv("WSTLS_KEY_FILE"));
    CHECK(c != NULL);
    CHECK(CertAddCertificateContextToStore(store, c, CERT_STORE_ADD_ALWAYS, &d));
    e = CertDuplicateCertificateContext(d);
    CHECK(e == d);
    CHECK(CertFreeCertificateContext(e));
    CHECK(CertFreeCertificateContext(d));
    CHECK(CertFreeCertificateContext(c));
    CHECK(CertCloseStore(store, 0));
    CHECK(wstls_cert_context_from_pem_files(NULL, NULL) == NULL);
    CHECK(wstls_cert_context_from_pem_files("/nonexistent.pem", NULL) == NULL);
    CHECK(wstls_last_error_message()[0] != '\0');
    CHECK(wstls_cert_context_from_pem(NULL, 10, NULL, 0) == NULL);
    CHECK(wstls_cert_context_from_pem(not_pem, (DWORD)strlen(not_pem), not_pem, (DWORD)strlen(not_pem)) == NULL);
    CHECK(wstls_last_error_message()[0] != '\0');
    CHECK(wstls_set_schannel_cred_tls13(1) >= 0);
    CHECK(wstls_set_schannel_cred_tls13(0) >= 0);
    tu_pass("certificate contexts and stores: garbage, NULL, foreign pointers");
}

/* ---- Winsock Secure Socket Extensions -------------------------------------------------------- */

static void secure_socket_extensions(void)
{
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0), c, a, l;
    SOCKET_SECURITY_SETTINGS st;
    DWORD raw[2];
    BYTE name[512];
    SOCKET_SECURITY_QUERY_INFO info;
    ULONG len;
    struct sockaddr_in sin;
    WSAOVERLAPPED ov;
    char subject[8];
    u_short port;

    CHECK(s != INVALID_SOCKET && u != INVALID_SOCKET);
    memset(&ov, 0, sizeof ov);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    st.SecurityProtocol = SOCKET_SECURITY_PROTOCOL_DEFAULT;
    st.SecurityFlags = 0;
    BAD(WSASetSocketSecurity((SOCKET)0x7654321, &st, sizeof st, NULL, NULL), SOCKET_ERROR, WSAENOTSOCK);
    BAD(WSASetSocketSecurity(u, &st, sizeof st, NULL, NULL), SOCKET_ERROR, WSAEOPNOTSUPP);
    BAD(WSASetSocketSecurity(s, &st, 7, NULL, NULL), SOCKET_ERROR, WSAEMSGSIZE);
    BAD(WSASetSocketSecurity(s, &st, sizeof st, &ov, NULL), SOCKET_ERROR, WSAEOPNOTSUPP);
    raw[0] = 77;
    raw[1] = 0;
    BAD(WSASetSocketSecurity(s, (const SOCKET_SECURITY_SETTINGS *)raw, sizeof raw, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    raw[0] = SOCKET_SECURITY_PROTOCOL_DEFAULT;
    raw[1] = 0x80000000u;
    BAD(WSASetSocketSecurity(s, (const SOCKET_SECURITY_SETTINGS *)raw, sizeof raw, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    CHECK_OK(WSASetSocketSecurity(s, NULL, 0, NULL, NULL));
    BAD(WSASetSocketSecurity(s, NULL, 0, NULL, NULL), SOCKET_ERROR, WSAEINVAL); /* twice */

    /* Peer target names: NULL, short, lengths past the buffer, empty, unusable. */
    BAD(WSASetSocketPeerTargetName(s, NULL, 200, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    memset(name, 0, sizeof name);
    BAD(WSASetSocketPeerTargetName(s, (const SOCKET_PEER_TARGET_NAME *)name, 139, NULL, NULL), SOCKET_ERROR, WSAEMSGSIZE);
    {
        SOCKET_PEER_TARGET_NAME *t = (SOCKET_PEER_TARGET_NAME *)name;
        t->SecurityProtocol = SOCKET_SECURITY_PROTOCOL_DEFAULT;
        t->PeerTargetNameStringLen = 0;
        BAD(WSASetSocketPeerTargetName(s, t, sizeof *t, NULL, NULL), SOCKET_ERROR, WSAEINVAL); /* empty */
        t->PeerTargetNameStringLen = 1000000;
        BAD(WSASetSocketPeerTargetName(s, t, sizeof *t + 8, NULL, NULL), SOCKET_ERROR, WSAEINVAL); /* past the end */
        t->PeerTargetNameStringLen = 0xFFFFFFFFu;
        BAD(WSASetSocketPeerTargetName(s, t, sizeof name, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
        t->SecurityProtocol = (SOCKET_SECURITY_PROTOCOL)55;
        t->PeerTargetNameStringLen = 1;
        BAD(WSASetSocketPeerTargetName(s, t, sizeof name, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    }
    BAD(WSADeleteSocketPeerTargetName(s, NULL, 16, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    BAD(WSADeleteSocketPeerTargetName(s, (struct sockaddr *)&sin, 4, NULL, NULL), SOCKET_ERROR, WSAEMSGSIZE);
    BAD(WSADeleteSocketPeerTargetName(u, (struct sockaddr *)&sin, sizeof sin, NULL, NULL), SOCKET_ERROR, WSAEOPNOTSUPP);

    /* Queries: NULL length, short buffers (the size comes back), before the handshake. */
    BAD(WSAQuerySocketSecurity(s, NULL, 0, &info, NULL, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    len = 3;
    BAD(WSAQuerySocketSecurity(s, NULL, 0, &info, &len, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    CHECK_EQ(len, sizeof info);
    len = 0;
    BAD(WSAQuerySocketSecurity(s, NULL, 0, NULL, &len, NULL, NULL), SOCKET_ERROR, WSAEFAULT);
    CHECK_EQ(len, sizeof info);
    len = sizeof info;
    CHECK_OK(WSAQuerySocketSecurity(s, NULL, 0, &info, &len, NULL, NULL));
    CHECK_EQ(info.Flags, 0);
    BAD(WSAQuerySocketSecurity((SOCKET)0x7654321, NULL, 0, &info, &len, NULL, NULL), SOCKET_ERROR, WSAENOTSOCK);
    BAD(WSAImpersonateSocketPeer(s, NULL, 0), SOCKET_ERROR, WSAEOPNOTSUPP);
    BAD(WSAImpersonateSocketPeer((SOCKET)0x7654321, NULL, 0), SOCKET_ERROR, WSAENOTSOCK);
    CHECK_EQ(WSARevertImpersonation(), 0);
    len = sizeof subject;
    BAD(wstls_get_socket_peer_subject(s, subject, &len), SOCKET_ERROR, WSAENOTCONN);
    BAD(wstls_get_socket_peer_subject((SOCKET)0x7654321, subject, &len), SOCKET_ERROR, WSAENOTSOCK);

    /* After a secured connection: settings are refused, the subject needs a big enough buffer. */
    rt_secure_pair(&c, &a); /* CE-secured: the extensions' queries see it as well */
    len = 0;
    BAD(wstls_get_socket_peer_subject(c, NULL, &len), SOCKET_ERROR, WSAEFAULT);
    CHECK(len > 1);
    memset(subject, CANARY, sizeof subject);
    len = 4;
    BAD(wstls_get_socket_peer_subject(c, subject, &len), SOCKET_ERROR, WSAEFAULT);
    CHECK((unsigned char)subject[0] == CANARY && (unsigned char)subject[7] == CANARY);
    BAD(wstls_get_socket_peer_subject(c, subject, NULL), SOCKET_ERROR, WSAEFAULT);
    BAD(WSASetSocketSecurity(c, NULL, 0, NULL, NULL), SOCKET_ERROR, WSAEISCONN);
    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(a));
    /* A listening socket cannot take a peer name. */
    l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_OK(WSASetSocketSecurity(l, NULL, 0, NULL, NULL));
    tu_loopback(AF_INET, 0, (SOCKADDR_STORAGE *)name);
    CHECK_OK(bind(l, (struct sockaddr *)name, sizeof(struct sockaddr_in)));
    CHECK_OK(listen(l, 1));
    (void)port;
    {
        SOCKET_PEER_TARGET_NAME *t = (SOCKET_PEER_TARGET_NAME *)name;
        memset(name, 0, sizeof name);
        t->SecurityProtocol = SOCKET_SECURITY_PROTOCOL_DEFAULT;
        t->PeerTargetNameStringLen = 1;
        t->AllStrings[0] = 'x';
        BAD(WSASetSocketPeerTargetName(l, t, sizeof name, NULL, NULL), SOCKET_ERROR, WSAEINVAL);
    }
    CHECK_OK(closesocket(l));
    CHECK_OK(closesocket(s));
    CHECK_OK(closesocket(u));
    tu_pass("Secure Socket Extensions: handles, sizes, protocols, names, queries, states");
}

int main(void)
{
    rt_require_pki();
    tu_startup();
    credentials();
    tokens();
    session();
    package_functions();
    certificates();
    secure_socket_extensions();
    SEC_OK(FreeCredentialsHandle(&ccred));
    SEC_OK(FreeCredentialsHandle(&scred));
    CHECK_OK(WSACleanup());
    return 0;
}
