/*
 * ce_deferred_client.c - the Windows CE 5.0 recipe "Using a Deferred Handshake", written as a
 * CE program would be, built unchanged against wstls:
 *
 *   cc examples/ce_deferred_client.c -I include/compat -I include -L target/debug -lwstls
 *
 * It talks to a STARTTLS-style server (examples/demo_server.rs; scripts/demo-tls.sh runs both):
 * a plaintext "STARTTLS" command and its answer, then the TLS handshake, then an encrypted
 * request and reply.
 *
 * Usage: ce_deferred_client [server-name [ipv4-address [port]]]
 *        (defaults: localhost 127.0.0.1 4433). Trust the server's CA with WSTLS_CA_FILE.
 */
#include <windows.h>
#include <winsock2.h>
#include <sslsock.h>
#include <schnlsp.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the hook saw, reached through pvArg. */
typedef struct {
    int calls;
    DWORD flags;
    char subject[256];
} HOOKSTATE;

/* Step 10: called by the handshake with the server's certificate. */
static int CALLBACK ValidateCert(DWORD dwType, LPVOID pvArg, DWORD dwChainLen, LPBLOB pCertChain, DWORD dwFlags)
{
    HOOKSTATE *st = (HOOKSTATE *)pvArg;
    SSL_CRACK_CERTIFICATE_FN pfnCrack;
    SSL_FREE_CERTIFICATE_FN pfnFree;
    PX509Certificate pCert = NULL;
    HMODULE hSchannel;

    st->calls++;
    st->flags = dwFlags;
    if (dwType != SSL_CERT_X509 || dwChainLen != 1 || pCertChain == NULL)
        return SSL_ERR_BAD_TYPE;

    /* As CE programs do: find SslCrackCertificate in schannel.dll. */
    hSchannel = LoadLibrary(TEXT("schannel.dll"));
    if (hSchannel == NULL)
        return SSL_ERR_FAILED;
    pfnCrack = (SSL_CRACK_CERTIFICATE_FN)GetProcAddress(hSchannel, SSL_CRACK_CERTIFICATE_NAME);
    pfnFree = (SSL_FREE_CERTIFICATE_FN)GetProcAddress(hSchannel, SSL_FREE_CERTIFICATE_NAME);
    if (pfnCrack && pfnFree && pfnCrack(pCertChain->pBlobData, pCertChain->cbSize, FALSE, &pCert)) {
        printf("  hook: subject \"%s\"\n  hook: issuer  \"%s\"\n", pCert->pszSubject, pCert->pszIssuer);
        strncpy(st->subject, pCert->pszSubject, sizeof st->subject - 1);
        pfnFree(pCert);
    }
    FreeLibrary(hSchannel);

    if (dwFlags & SSL_CERT_FLAG_ISSUER_UNKNOWN) {
        printf("  hook: SSL_CERT_FLAG_ISSUER_UNKNOWN (untrusted issuer or wrong name): refusing\n");
        return SSL_ERR_CERT_UNKNOWN;
    }
    printf("  hook: chain trusted and name matched: accepting\n");
    return SSL_ERR_OKAY;
}

static int fail(const char *what)
{
    printf("%s failed: %d (%s)\n", what, WSAGetLastError(), wstls_last_error_message());
    return 1;
}

/* recv until a '\n' (or the end). */
static int recv_line(SOCKET s, char *buf, int size)
{
    int n = 0;
    while (n < size - 1) {
        int r = recv(s, buf + n, 1, 0);
        if (r <= 0)
            return r == 0 ? n : -1;
        n += r;
        if (buf[n - 1] == '\n')
            break;
    }
    buf[n] = 0;
    return n;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "localhost";
    const char *ip = argc > 2 ? argv[2] : "127.0.0.1";
    int port = argc > 3 ? atoi(argv[3]) : 4433;
    WSADATA wsa;
    SOCKET s;
    DWORD dw;
    SSLVALIDATECERTHOOK hook;
    HOOKSTATE st;
    struct sockaddr_in sin;
    SSLCONNECTIONINFO ci;
    DWORD cb = 0;
    char line[512];
    const char *request = "hello over TLS\n";
    int r, i;

    memset(&st, 0, sizeof st);
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return fail("WSAStartup");

    /* 1. Create a socket. */
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET)
        return fail("socket");

    /* 2-3. Secure mode: SO_SECURE = SO_SEC_SSL. */
    dw = SO_SEC_SSL;
    if (setsockopt(s, SOL_SOCKET, SO_SECURE, (const char *)&dw, sizeof dw) == SOCKET_ERROR)
        return fail("setsockopt(SO_SECURE)");

    /* 4. The certificate validation hook. */
    hook.HookFunc = ValidateCert;
    hook.pvArg = &st;
    if (WSAIoctl(s, SO_SSL_SET_VALIDATE_CERT_HOOK, &hook, sizeof hook, NULL, 0, NULL, NULL, NULL) == SOCKET_ERROR)
        return fail("WSAIoctl(SO_SSL_SET_VALIDATE_CERT_HOOK)");

    /* 5. The server's name, checked against its certificate. */
    if (WSAIoctl(s, SO_SSL_SET_PEERNAME, (LPVOID)name, (DWORD)strlen(name) + 1, NULL, 0, NULL, NULL, NULL) == SOCKET_ERROR)
        return fail("WSAIoctl(SO_SSL_SET_PEERNAME)");

    /* 6. Deferred handshake. */
    dw = SSL_FLAG_DEFER_HANDSHAKE;
    if (WSAIoctl(s, SO_SSL_SET_FLAGS, &dw, sizeof dw, NULL, 0, NULL, NULL, NULL) == SOCKET_ERROR)
        return fail("WSAIoctl(SO_SSL_SET_FLAGS)");

    /* 7. A plain TCP connection. */
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    sin.sin_addr.s_addr = inet_addr(ip);
    if (connect(s, (struct sockaddr *)&sin, sizeof sin) == SOCKET_ERROR)
        return fail("connect");
    printf("1-7. connected to %s:%d (plain TCP)\n", ip, port);

    /* 8. Clear-text exchange. */
    if (send(s, "STARTTLS\r\n", 10, 0) != 10)
        return fail("send(STARTTLS)");
    if (recv_line(s, line, sizeof line) <= 0)
        return fail("recv(STARTTLS answer)");
    printf("8.   clear text: server said \"%.*s\"\n", (int)strcspn(line, "\r\n"), line);

    /* 9-10. The handshake; the hook decides. */
    printf("9.   SO_SSL_PERFORM_HANDSHAKE with \"%s\"\n", name);
    if (WSAIoctl(s, SO_SSL_PERFORM_HANDSHAKE, (LPVOID)name, (DWORD)strlen(name), NULL, 0, NULL, NULL, NULL) == SOCKET_ERROR) {
        fail("WSAIoctl(SO_SSL_PERFORM_HANDSHAKE)");
        closesocket(s);
        WSACleanup();
        return 1;
    }
    printf("10.  handshake done (hook called %d time(s))\n", st.calls);

    if (WSAIoctl(s, SO_SSL_GET_CONNECTION_INFO, NULL, 0, &ci, sizeof ci, &cb, NULL, NULL) == SOCKET_ERROR)
        return fail("WSAIoctl(SO_SSL_GET_CONNECTION_INFO)");
    printf("     protocol 0x%lx (%s), cipher 0x%x/%lu bits, hash 0x%x/%lu, exchange 0x%x/%lu\n",
           (unsigned long)ci.dwProtocol,
           ci.dwProtocol == SP_PROT_TLS1_3_CLIENT ? "TLS 1.3" : ci.dwProtocol == SP_PROT_TLS1_2_CLIENT ? "TLS 1.2" : "?",
           ci.aiCipher, (unsigned long)ci.dwCipherStrength, ci.aiHash, (unsigned long)ci.dwHashStrength,
           ci.aiExch, (unsigned long)ci.dwExchStrength);

    /* 11-12. send and recv encrypt and decrypt by themselves. */
    if (send(s, request, (int)strlen(request), 0) != (int)strlen(request))
        return fail("send");
    r = recv_line(s, line, sizeof line);
    if (r <= 0)
        return fail("recv");
    printf("11-12. encrypted: sent \"hello over TLS\", received \"%.*s\"\n", (int)strcspn(line, "\r\n"), line);

    /* 13. Close (wstls sends close_notify). */
    closesocket(s);
    WSACleanup();
    printf("13.  closed\n");
    /* The demo server answers in upper case, an echo peer as sent: either will do. */
    for (i = 0; request[i] != 0; i++)
        if (toupper((unsigned char)line[i]) != toupper((unsigned char)request[i]))
            return 1;
    return line[i] == 0 ? 0 : 1;
}
