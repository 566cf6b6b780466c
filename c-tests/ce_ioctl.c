/*
 * ce_ioctl.c - the SO_SSL_* control codes: buffer sizes, protocol lists, codes wstls does not
 * emulate, and calls in the wrong state. Peer: ce_peer.sh python:echo.
 */
#include "ce_common.h"

int main(void)
{
    SOCKET s, p;
    DWORD dw, caps = 0, cb = 0;
    char small[2] = {0, 0};
    unsigned char out[64];
    SSLPROTOCOLS prot;
    unsigned char two[28];
    SSLVALIDATECERTHOOK h;
    SSLCONNECTIONINFO ci;
    HOOKLOG log;
    static const DWORD unsupported[] = {
        SO_SSL_SET_CIPHERS, SO_SSL_GET_CIPHERS, SO_SSL_SET_CLIENT_OPTS, SO_SSL_GET_CLIENT_OPTS,
        SO_SSL_SET_SERVER_OPTS, SO_SSL_GET_SERVER_OPTS, SO_SSL_SET_CLIENT_AUTH_OPTS,
        SO_SSL_GET_CLIENT_AUTH_OPTS, SO_SSL_SET_AUTH_REQUEST_HOOK, SO_SSL_GET_AUTH_REQUEST_HOOK,
        SO_SSL_SET_KEY_EXCH_HOOK, SO_SSL_GET_KEY_EXCH_HOOK, SO_SSL_SET_SIGNATURE_HOOK,
        SO_SSL_GET_SIGNATURE_HOOK};
    size_t i;

    memset(&log, 0, sizeof log);
    ce_startup();
    ce_trust_ca();
    s = ce_secure_socket();

    /* Capabilities: exact size works, short fails. */
    CHECK(WSAIoctl(s, SO_SSL_GET_CAPABILITIES, NULL, 0, &caps, sizeof caps, &cb, NULL, NULL) == 0);
    CHECK(cb == 4 && caps == (SSL_CAP_CLIENT | SSL_CAP_SERVER));
    CHECK_FAILS(WSAIoctl(s, SO_SSL_GET_CAPABILITIES, NULL, 0, out, 3, &cb, NULL, NULL), WSAEFAULT);

    /* Short or NULL inputs. */
    CHECK_FAILS(ce_ioctl_in(s, SO_SSL_SET_FLAGS, small, 2), WSAEFAULT);
    CHECK_FAILS(ce_ioctl_in(s, SO_SSL_SET_FLAGS, NULL, 4), WSAEFAULT);
    CHECK_FAILS(ce_ioctl_in(s, SO_SSL_SET_VALIDATE_CERT_HOOK, out, sizeof(SSLVALIDATECERTHOOK) - 1), WSAEFAULT);
    CHECK_FAILS(ce_ioctl_in(s, SO_SSL_SET_PEERNAME, NULL, 10), WSAEFAULT);
    CHECK_FAILS(ce_set_flags(s, 0x1), WSAEINVAL);
    CHECK_FAILS(ce_set_peername(s, ""), WSAEINVAL);

    /* Protocols: the default, SSL 3.0 refused, dwCount vs. buffer size. */
    memset(&prot, 0, sizeof prot);
    CHECK(WSAIoctl(s, SO_SSL_GET_PROTOCOLS, NULL, 0, &prot, sizeof prot, &cb, NULL, NULL) == 0);
    CHECK(cb == sizeof prot && prot.dwCount == 1 && prot.ProtocolList[0].dwProtocol == SSL_PROTOCOL_TLS1);
    prot.ProtocolList[0].dwProtocol = SSL_PROTOCOL_SSL3;
    CHECK_FAILS(ce_ioctl_in(s, SO_SSL_SET_PROTOCOLS, &prot, sizeof prot), WSAEOPNOTSUPP);
    CHECK(strstr(wstls_last_error_message(), "SSL 3.0") != NULL);
    memset(two, 0, sizeof two);
    two[0] = 2;
    two[4] = SSL_PROTOCOL_TLS1;
    CHECK_FAILS(ce_ioctl_in(s, SO_SSL_SET_PROTOCOLS, two, 16), WSAEFAULT);
    two[16] = SSL_PROTOCOL_PCT1;
    CHECK(ce_ioctl_in(s, SO_SSL_SET_PROTOCOLS, two, 28) == 0);
    prot.ProtocolList[0].dwProtocol = SSL_PROTOCOL_TLS1;
    CHECK(ce_ioctl_in(s, SO_SSL_SET_PROTOCOLS, &prot, sizeof prot) == 0);

    /* Codes not emulated. */
    for (i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        memset(out, 0, sizeof out);
        CHECK_FAILS(WSAIoctl(s, unsupported[i], out, sizeof out, out, sizeof out, &cb, NULL, NULL), WSAEOPNOTSUPP);
        CHECK(strstr(wstls_last_error_message(), "not supported by wstls") != NULL);
    }

    /* The hook round-trips. */
    CHECK(ce_set_hook(s, ce_hook, &log) == 0);
    memset(&h, 0, sizeof h);
    CHECK(WSAIoctl(s, SO_SSL_GET_VALIDATE_CERT_HOOK, NULL, 0, &h, sizeof h, &cb, NULL, NULL) == 0);
    CHECK(h.HookFunc == ce_hook && h.pvArg == &log);
    log.answer = SSL_ERR_OKAY;

    /* Wrong states: before connect, twice, after. */
    CHECK_FAILS(WSAIoctl(s, SO_SSL_PERFORM_HANDSHAKE, NULL, 0, NULL, 0, NULL, NULL, NULL), WSAENOTCONN);
    CHECK_FAILS(WSAIoctl(s, SO_SSL_GET_CONNECTION_INFO, NULL, 0, &ci, sizeof ci, &cb, NULL, NULL), WSAENOTCONN);
    CHECK(ce_set_flags(s, SSL_FLAG_DEFER_HANDSHAKE) == 0);
    CHECK(ce_connect(s) == 0);
    CHECK(ce_ioctl_in(s, SO_SSL_PERFORM_HANDSHAKE, "localhost", 9) == 0);
    CHECK(log.calls == 1 && log.flags == 0);
    CHECK_FAILS(ce_ioctl_in(s, SO_SSL_PERFORM_HANDSHAKE, "localhost", 9), WSAEISCONN);
    CHECK_FAILS(ce_set_peername(s, "localhost"), WSAEISCONN);
    CHECK_FAILS(ce_set_flags(s, 0), WSAEISCONN);
    dw = SO_SEC_NONE;
    CHECK_FAILS(setsockopt(s, SOL_SOCKET, SO_SECURE, (const char *)&dw, sizeof dw), WSAEISCONN);
    CHECK_FAILS(WSAIoctl(s, SO_SSL_GET_CONNECTION_INFO, NULL, 0, &ci, sizeof ci - 1, &cb, NULL, NULL), WSAEFAULT);
    CHECK(closesocket(s) == 0);

    /* SO_SSL_* setters need SO_SECURE. */
    p = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(p != INVALID_SOCKET);
    CHECK_FAILS(ce_set_flags(p, SSL_FLAG_DEFER_HANDSHAKE), WSAEINVAL);
    CHECK(closesocket(p) == 0);
    WSACleanup();
    printf("ce_ioctl: ok\n");
    return 0;
}
