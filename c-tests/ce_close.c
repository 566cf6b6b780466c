/*
 * ce_close.c - the end of a secure connection.
 *   notify    (peer python:send, data "last words"): recv gives the data, then 0
 *   truncate  (peer python:truncate, data "cut short"): the data, then SOCKET_ERROR/WSAECONNRESET
 *   shutdown  (peer python:echo --expect CLEAN): shutdown(SD_SEND) sends close_notify
 */
#include "ce_common.h"

int main(int argc, char **argv)
{
    const char *v = argc > 1 ? argv[1] : "";
    char buf[64];
    SOCKET s;

    ce_startup();
    ce_trust_ca();
    s = ce_secure_socket();
    CHECK(ce_set_peername(s, "localhost") == 0);
    CHECK(ce_connect(s) == 0);
    if (strcmp(v, "notify") == 0) {
        ce_recv_n(s, buf, 10);
        CHECK(memcmp(buf, "last words", 10) == 0);
        CHECK(recv(s, buf, sizeof buf, 0) == 0);
    } else if (strcmp(v, "truncate") == 0) {
        ce_recv_n(s, buf, 9);
        CHECK(memcmp(buf, "cut short", 9) == 0);
        CHECK_FAILS(recv(s, buf, sizeof buf, 0), WSAECONNRESET);
    } else if (strcmp(v, "shutdown") == 0) {
        ce_send_all(s, "half", 4);
        ce_recv_n(s, buf, 4);
        CHECK(memcmp(buf, "half", 4) == 0);
        CHECK(shutdown(s, SD_SEND) == 0);
        CHECK(recv(s, buf, sizeof buf, 0) == 0); /* the peer answered with its close_notify */
    } else {
        return 2;
    }
    CHECK(closesocket(s) == 0);
    WSACleanup();
    printf("ce_close %s: ok\n", v);
    return 0;
}
