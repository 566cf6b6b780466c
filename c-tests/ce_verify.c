/*
 * ce_verify.c - certificate verification and the CE validation hook, non-deferred connect.
 * Usage (through ce_peer.sh python:echo): ce_verify <scenario>
 *   trusted          trusted CA, SO_SSL_SET_PEERNAME "localhost": the hook sees dwFlags 0
 *   unknown-accept   untrusted CA: the hook sees ISSUER_UNKNOWN, accepts; data flows
 *   unknown-reject   untrusted CA: the hook refuses; connect fails with WSAECONNABORTED
 *   mismatch         trusted CA, peer name "wrong.example": ISSUER_UNKNOWN; refused
 *   nohook-untrusted no hook, untrusted CA: connect fails
 *   nohook-trusted   no hook, trusted CA, peer name: connect works
 *   nohook-noname    no hook, trusted CA, no peer name: fails closed, the message says why
 *   leaf             the hook's BLOB equals the server's leaf byte for byte; pvArg passes
 */
#include "ce_common.h"

static void echo_check(SOCKET s)
{
    char buf[32];
    ce_send_all(s, "ping\n", 5);
    ce_recv_n(s, buf, 5);
    CHECK(memcmp(buf, "ping\n", 5) == 0);
}

int main(int argc, char **argv)
{
    const char *sc = argc > 1 ? argv[1] : "";
    HOOKLOG log;
    SOCKET s;

    memset(&log, 0, sizeof log);
    ce_startup();
    s = ce_secure_socket();

    if (strcmp(sc, "trusted") == 0) {
        ce_trust_ca();
        log.answer = SSL_ERR_OKAY;
        CHECK(ce_set_hook(s, ce_hook, &log) == 0);
        CHECK(ce_set_peername(s, "localhost") == 0);
        CHECK(ce_connect(s) == 0);
        CHECK(log.calls == 1 && log.flags == 0 && log.type == SSL_CERT_X509 && log.chain_len == 1);
        echo_check(s);
    } else if (strcmp(sc, "unknown-accept") == 0) {
        log.answer = SSL_ERR_OKAY;
        CHECK(ce_set_hook(s, ce_hook, &log) == 0);
        CHECK(ce_set_peername(s, "localhost") == 0);
        CHECK(ce_connect(s) == 0);
        CHECK(log.calls == 1 && log.flags == SSL_CERT_FLAG_ISSUER_UNKNOWN);
        echo_check(s);
    } else if (strcmp(sc, "unknown-reject") == 0) {
        log.answer = SSL_ERR_CERT_UNKNOWN;
        CHECK(ce_set_hook(s, ce_hook, &log) == 0);
        CHECK_FAILS(ce_connect(s), WSAECONNABORTED);
        CHECK(log.calls == 1 && log.flags == SSL_CERT_FLAG_ISSUER_UNKNOWN);
        CHECK(strstr(wstls_last_error_message(), "hook") != NULL);
    } else if (strcmp(sc, "mismatch") == 0) {
        ce_trust_ca();
        log.answer = SSL_ERR_CERT_UNKNOWN;
        CHECK(ce_set_hook(s, ce_hook, &log) == 0);
        CHECK(ce_set_peername(s, "wrong.example") == 0);
        CHECK_FAILS(ce_connect(s), WSAECONNABORTED);
        CHECK(log.calls == 1 && log.flags == SSL_CERT_FLAG_ISSUER_UNKNOWN);
    } else if (strcmp(sc, "nohook-untrusted") == 0) {
        CHECK(ce_set_peername(s, "localhost") == 0);
        CHECK_FAILS(ce_connect(s), WSAECONNABORTED);
        CHECK(strstr(wstls_last_error_message(), "unknown issuer") != NULL);
    } else if (strcmp(sc, "nohook-trusted") == 0) {
        ce_trust_ca();
        CHECK(ce_set_peername(s, "localhost") == 0);
        CHECK(ce_connect(s) == 0);
        echo_check(s);
    } else if (strcmp(sc, "nohook-noname") == 0) {
        ce_trust_ca();
        CHECK_FAILS(ce_connect(s), WSAECONNABORTED);
        CHECK(strstr(wstls_last_error_message(), "SO_SSL_SET_PEERNAME") != NULL);
    } else if (strcmp(sc, "leaf") == 0) {
        DWORD len;
        unsigned char *leaf = ce_read_file(ce_env("CE_LEAF_DER"), &len);
        log.answer = SSL_ERR_OKAY;
        CHECK(ce_set_hook(s, ce_hook, &log) == 0);
        CHECK(ce_connect(s) == 0);
        CHECK(log.calls == 1);
        CHECK(log.arg == (LPVOID)&log);
        CHECK(log.leaf_len == len && memcmp(log.leaf, leaf, len) == 0);
        free(leaf);
        echo_check(s);
    } else {
        fprintf(stderr, "unknown scenario %s\n", sc);
        return 2;
    }
    CHECK(closesocket(s) == 0);
    WSACleanup();
    printf("ce_verify %s: ok\n", sc);
    return 0;
}
