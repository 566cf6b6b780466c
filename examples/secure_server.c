/*
 * secure_server.c - a TLS echo server written the Windows CE way: an ordinary Winsock server
 * whose listening socket is made secure with setsockopt(SO_SECURE, SO_SEC_SSL); every socket
 * accept() returns has finished its TLS handshake, and send/recv carry plaintext.
 *
 *   cc secure_server.c -I include/compat -I include -L target/release -lwstls
 *
 * Usage: secure_server [port [clients [cert.pem [key.pem]]]]
 *   port 0 picks a free port (printed on stdout as "listening on port N");
 *   clients: how many connections to serve before exiting (default 1);
 *   cert.pem/key.pem: the server certificate chain and key, given to the listening socket
 *   with wstls's WSTLS_SO_SET_SERVER_CREDENTIALS control code (<wstls_ext.h>). Without them
 *   the process default applies: WSTLS_CERT_FILE and WSTLS_KEY_FILE.
 *
 * CE itself has no portable way to give a server its certificate (CE servers picked one from
 * the device's certificate store); that is why this step uses the wstls extension. Everything
 * else is unchanged Winsock code. See examples/README.md.
 */
#define WIN32_LEAN_AND_MEAN

#include <windows.h>
#include <winsock2.h>
#include <ws2tcpip.h>
#include <sslsock.h> /* SO_SECURE, SO_SEC_SSL (older CE SDKs had them in winsock.h) */
#include <wstls_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma comment(lib, "Ws2_32.lib")

#define BUFLEN 4096

static void report(const char *what)
{
    printf("%s failed with error %d: %s\n", what, WSAGetLastError(), wstls_last_error_message());
    fflush(stdout);
}

static const char *protocol_name(DWORD p)
{
    if (p & 0x3000) /* SP_PROT_TLS1_3 (server 0x1000, client 0x2000) */
        return "TLS 1.3";
    if (p & 0x0C00) /* SP_PROT_TLS1_2 */
        return "TLS 1.2";
    return "?";
}

static int serve_one(SOCKET ListenSocket)
{
    SOCKET ClientSocket;
    char recvbuf[BUFLEN];
    int iResult, iSendResult;
    long total = 0;
    WSTLS_SESSION_INFO info;
    DWORD returned = 0;

    /* accept() returns once the TLS handshake with the client is complete. */
    ClientSocket = accept(ListenSocket, NULL, NULL);
    if (ClientSocket == INVALID_SOCKET) {
        report("accept");
        return 1;
    }

    memset(&info, 0, sizeof info);
    if (WSAIoctl(ClientSocket, WSTLS_SO_GET_SESSION_INFO, NULL, 0, &info, sizeof info, &returned, NULL, NULL) == 0) {
        printf("client connected: %s, cipher suite 0x%04x%s\n", protocol_name(info.protocol),
               (unsigned)info.cipher_suite, info.resumed ? ", resumed" : "");
        fflush(stdout);
    }

    /* Echo until the client closes (close_notify: recv returns 0). */
    do {
        iResult = recv(ClientSocket, recvbuf, BUFLEN, 0);
        if (iResult > 0) {
            iSendResult = send(ClientSocket, recvbuf, iResult, 0);
            if (iSendResult == SOCKET_ERROR) {
                report("send");
                closesocket(ClientSocket);
                return 1;
            }
            total += iSendResult;
        } else if (iResult == SOCKET_ERROR) {
            /* WSAECONNRESET here means the client went away without close_notify. */
            report("recv");
            closesocket(ClientSocket);
            return 1;
        }
    } while (iResult > 0);

    printf("echoed %ld bytes\n", total);
    fflush(stdout);
    /* SD_SEND on a secure socket sends close_notify. */
    if (shutdown(ClientSocket, SD_SEND) == SOCKET_ERROR) {
        report("shutdown");
        closesocket(ClientSocket);
        return 1;
    }
    closesocket(ClientSocket);
    return 0;
}

int __cdecl main(int argc, char **argv)
{
    WSADATA wsaData;
    SOCKET ListenSocket;
    SOCKADDR_IN addr;
    int addrlen = sizeof addr;
    DWORD secure = SO_SEC_SSL;
    u_short port = (u_short)(argc > 1 ? atoi(argv[1]) : 4433);
    int clients = argc > 2 ? atoi(argv[2]) : 1;
    int iResult, i, failures = 0;

    iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != 0) {
        printf("WSAStartup failed with error: %d\n", iResult);
        return 1;
    }

    ListenSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (ListenSocket == INVALID_SOCKET) {
        report("socket");
        WSACleanup();
        return 1;
    }

    /* CE: make the socket secure before bind/listen; accepted sockets inherit it. */
    if (setsockopt(ListenSocket, SOL_SOCKET, SO_SECURE, (const char *)&secure, sizeof secure) == SOCKET_ERROR) {
        report("setsockopt(SO_SECURE)");
        goto fail;
    }

    if (argc > 3) {
        WSTLS_CREDENTIALS cred;
        memset(&cred, 0, sizeof cred);
        cred.cert_file = argv[3];
        cred.key_file = argc > 4 ? argv[4] : NULL; /* NULL: the key is in the certificate file */
        if (WSAIoctl(ListenSocket, WSTLS_SO_SET_SERVER_CREDENTIALS, &cred, sizeof cred, NULL, 0, NULL, NULL, NULL) ==
            SOCKET_ERROR) {
            report("WSAIoctl(WSTLS_SO_SET_SERVER_CREDENTIALS)");
            goto fail;
        }
    }

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (bind(ListenSocket, (SOCKADDR *)&addr, sizeof addr) == SOCKET_ERROR) {
        report("bind");
        goto fail;
    }
    if (listen(ListenSocket, SOMAXCONN) == SOCKET_ERROR) {
        report("listen");
        goto fail;
    }
    if (getsockname(ListenSocket, (SOCKADDR *)&addr, &addrlen) == SOCKET_ERROR) {
        report("getsockname");
        goto fail;
    }
    printf("listening on port %u\n", (unsigned)ntohs(addr.sin_port));
    fflush(stdout);

    for (i = 0; i < clients; i++)
        failures += serve_one(ListenSocket);

    closesocket(ListenSocket);
    WSACleanup();
    return failures == 0 ? 0 : 1;

fail:
    closesocket(ListenSocket);
    WSACleanup();
    return 1;
}
