/*
 * ce_conninfo.c - SO_SSL_GET_CONNECTION_INFO against openssl s_server -rev.
 * Usage: ce_conninfo tls12     (peer: openssl -tls1_2)
 *        ce_conninfo tls13gcm  (peer: openssl -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256)
 */
#include "ce_common.h"

int main(int argc, char **argv)
{
    const char *v = argc > 1 ? argv[1] : "";
    SSLCONNECTIONINFO ci;
    DWORD cb = 0;
    char buf[8];
    SOCKET s;

    ce_startup();
    ce_trust_ca();
    s = ce_secure_socket();
    CHECK(ce_set_peername(s, "localhost") == 0);
    CHECK(ce_connect(s) == 0);
    memset(&ci, 0xEE, sizeof ci);
    CHECK(WSAIoctl(s, SO_SSL_GET_CONNECTION_INFO, NULL, 0, &ci, sizeof ci, &cb, NULL, NULL) == 0);
    CHECK(cb == 28);
    printf("protocol 0x%x cipher 0x%x/%u hash 0x%x/%u exch 0x%x/%u\n", (unsigned)ci.dwProtocol,
           ci.aiCipher, (unsigned)ci.dwCipherStrength, ci.aiHash, (unsigned)ci.dwHashStrength,
           ci.aiExch, (unsigned)ci.dwExchStrength);
    if (strcmp(v, "tls12") == 0) {
        CHECK(ci.dwProtocol == SP_PROT_TLS1_2_CLIENT);
        CHECK(ci.aiExch == CALG_ECDH_EPHEM);
    } else if (strcmp(v, "tls13gcm") == 0) {
        CHECK(ci.dwProtocol == SP_PROT_TLS1_3_CLIENT);
        CHECK(ci.aiCipher == CALG_AES_128 && ci.dwCipherStrength == 128);
        CHECK(ci.aiHash == CALG_SHA_256 && ci.dwHashStrength == 256);
        CHECK(ci.aiExch == CALG_ECDH_EPHEM && ci.dwExchStrength >= 255);
    } else {
        return 2;
    }
    ce_send_all(s, "abc\n", 4);
    ce_recv_n(s, buf, 4);
    CHECK(memcmp(buf, "cba\n", 4) == 0);
    CHECK(closesocket(s) == 0);
    WSACleanup();
    printf("ce_conninfo %s: ok\n", v);
    return 0;
}
