/*
 * ce_deferred.c - the CE 5.0 "Using a Deferred Handshake" recipe, step by step, against a
 * STARTTLS-style peer (ce_peer.sh python:starttls). Usage: ce_deferred <variant>
 *   nul        the name is given to SO_SSL_PERFORM_HANDSHAKE with its NUL (strlen + 1)
 *   nonul      ... without it (strlen)
 *   peername   SO_SSL_SET_PEERNAME only; SO_SSL_PERFORM_HANDSHAKE gets NULL, 0
 *   replace    a wrong SO_SSL_SET_PEERNAME, replaced by the name given to the handshake
 * The CA is trusted, so the hook must see dwFlags 0 (any flag would mean a name mismatch).
 */
#include "ce_common.h"

int main(int argc, char **argv)
{
    const char *v = argc > 1 ? argv[1] : "nul";
    const char *name = "localhost";
    static char big[100000], back[100000];
    HOOKLOG log;
    DWORD dw, flags = 0;
    int len = 4, i, r;
    SOCKET s;
    char line[16];
    SSLCONNECTIONINFO ci;
    DWORD cb = 0;

    memset(&log, 0, sizeof log);
    log.answer = SSL_ERR_OKAY;
    ce_startup();
    ce_trust_ca();

    /* 1-3. */
    s = ce_secure_socket();
    dw = 0;
    CHECK(getsockopt(s, SOL_SOCKET, SO_SECURE, (char *)&dw, &len) == 0);
    CHECK(dw == SO_SEC_SSL);
    /* 4. */
    CHECK(ce_set_hook(s, ce_hook, &log) == 0);
    /* 5. */
    if (strcmp(v, "peername") == 0)
        CHECK(ce_set_peername(s, name) == 0);
    if (strcmp(v, "replace") == 0)
        CHECK(ce_set_peername(s, "wrong.example") == 0);
    /* 6. */
    CHECK(ce_set_flags(s, SSL_FLAG_DEFER_HANDSHAKE) == 0);
    CHECK(WSAIoctl(s, SO_SSL_GET_FLAGS, NULL, 0, &flags, sizeof flags, NULL, NULL, NULL) == 0);
    CHECK(flags == SSL_FLAG_DEFER_HANDSHAKE);
    /* 7. */
    CHECK(ce_connect(s) == 0);
    CHECK(log.calls == 0);
    /* 8. */
    ce_send_all(s, "STARTTLS\r\n", 10);
    ce_recv_n(s, line, 13);
    CHECK(memcmp(line, "OK STARTTLS\r\n", 13) == 0);
    /* 9. */
    if (strcmp(v, "nul") == 0 || strcmp(v, "replace") == 0)
        r = WSAIoctl(s, SO_SSL_PERFORM_HANDSHAKE, (LPVOID)name, (DWORD)strlen(name) + 1, NULL, 0, NULL, NULL, NULL);
    else if (strcmp(v, "nonul") == 0)
        r = WSAIoctl(s, SO_SSL_PERFORM_HANDSHAKE, (LPVOID)name, (DWORD)strlen(name), NULL, 0, NULL, NULL, NULL);
    else
        r = WSAIoctl(s, SO_SSL_PERFORM_HANDSHAKE, NULL, 0, NULL, 0, NULL, NULL, NULL);
    CHECK(r == 0);
    /* 10. */
    CHECK(log.calls == 1 && log.flags == 0);
    CHECK(WSAIoctl(s, SO_SSL_GET_CONNECTION_INFO, NULL, 0, &ci, sizeof ci, &cb, NULL, NULL) == 0);
    CHECK(cb == sizeof ci);
    CHECK(ci.dwProtocol == SP_PROT_TLS1_3_CLIENT);
    /* 11-12: several records each way. */
    for (i = 0; i < (int)sizeof big; i++)
        big[i] = (char)(i % 251);
    ce_send_all(s, big, (int)sizeof big);
    ce_recv_n(s, back, (int)sizeof back);
    CHECK(memcmp(big, back, sizeof big) == 0);
    /* 13. */
    CHECK(closesocket(s) == 0);
    WSACleanup();
    printf("ce_deferred %s: ok\n", v);
    return 0;
}
