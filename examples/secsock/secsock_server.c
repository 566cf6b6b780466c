/*
 * secsock_server.c - the server of Microsoft's "Using Secure Socket Extensions" (the SDK's
 * stcpserver sequence), ported to wstls: WSASetSocketSecurity before bind, then accept,
 * receive, impersonate the client for an access check, revert, reply. Windows secures the
 * connections with IPsec; wstls with TLS, presenting the process server certificate
 * (WSTLS_CERT_FILE/WSTLS_KEY_FILE) - see docs/secure-socket-extensions.md.
 *
 * Differences from the Windows sample:
 *  - socket/accept instead of WSASocket/WSAAccept (same effect for this blocking server);
 *  - the port is an argument (0: any), printed once listening;
 *  - WSAImpersonateSocketPeer cannot exist on Linux: it fails with WSAEOPNOTSUPP, which the
 *    server treats as "no impersonation here" and goes on;
 *  - accept failing with WSAECONNRESET (a client whose TLS handshake failed, which IPsec would
 *    have dropped before accept) does not stop the server: it accepts the next client.
 *
 * Usage: secsock_server <port> <clients> [allow-insecure]
 *   Serves <clients> connections (each: receive up to 512 bytes, send them back upper-cased),
 *   then exits 0. "allow-insecure" adds SOCKET_SETTINGS_ALLOW_INSECURE.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    WSADATA wsaData;
    SOCKET listenSocket = INVALID_SOCKET, clientSocket = INVALID_SOCKET;
    SOCKET_SECURITY_SETTINGS securitySettings = {SOCKET_SECURITY_PROTOCOL_DEFAULT,
                                                 SOCKET_SETTINGS_GUARANTEE_ENCRYPTION};
    SOCKET_SECURITY_QUERY_INFO queryInfo;
    ULONG queryInfoLen;
    struct sockaddr_in addr;
    int addrLen = sizeof(addr);
    char buf[512];
    WSABUF wsaBuf;
    DWORD bytes, flags;
    int clients, served = 0, rc = 1, iResult;
    DWORD i;

    if (argc < 3) {
        printf("usage: %s <port> <clients> [allow-insecure]\n", argv[0]);
        return 1;
    }
    clients = atoi(argv[2]);
    if (argc > 3 && strcmp(argv[3], "allow-insecure") == 0)
        securitySettings.SecurityFlags |= SOCKET_SETTINGS_ALLOW_INSECURE;

    iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != 0) {
        printf("server: WSAStartup failed: %d\n", iResult);
        return 1;
    }

    listenSocket = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (listenSocket == INVALID_SOCKET) {
        printf("server: socket failed with error %d\n", WSAGetLastError());
        goto cleanup;
    }

    /* Turn on security for the socket: before bind. */
    iResult = WSASetSocketSecurity(listenSocket, &securitySettings, sizeof(securitySettings), NULL, NULL);
    if (iResult == SOCKET_ERROR) {
        printf("server: WSASetSocketSecurity failed with error %d\n", WSAGetLastError());
        goto cleanup;
    }

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((u_short)atoi(argv[1]));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listenSocket, (struct sockaddr *)&addr, sizeof(addr)) == SOCKET_ERROR) {
        printf("server: bind failed with error %d\n", WSAGetLastError());
        goto cleanup;
    }
    if (listen(listenSocket, 10) == SOCKET_ERROR) {
        printf("server: listen failed with error %d\n", WSAGetLastError());
        goto cleanup;
    }
    if (getsockname(listenSocket, (struct sockaddr *)&addr, &addrLen) == SOCKET_ERROR) {
        printf("server: getsockname failed with error %d\n", WSAGetLastError());
        goto cleanup;
    }
    printf("server: listening on port %u\n", (unsigned)ntohs(addr.sin_port));
    fflush(stdout);

    while (served < clients) {
        clientSocket = accept(listenSocket, NULL, NULL);
        if (clientSocket == INVALID_SOCKET) {
            iResult = WSAGetLastError();
            if (iResult == WSAECONNRESET) {
                /* The client could not be secured (IPsec would never have shown it to us). */
                printf("server: a connection was dropped: %s\n", wstls_last_error_message());
                fflush(stdout);
                served++;
                continue;
            }
            printf("server: accept failed with error %d\n", iResult);
            goto cleanup;
        }

        /* Inspect the security of the connection. */
        queryInfoLen = sizeof(queryInfo);
        if (WSAQuerySocketSecurity(clientSocket, NULL, 0, &queryInfo, &queryInfoLen, NULL, NULL) == SOCKET_ERROR) {
            printf("server: WSAQuerySocketSecurity failed with error %d\n", WSAGetLastError());
            goto cleanup;
        }
        printf("server: client connected, flags 0x%x (%s)\n", (unsigned)queryInfo.Flags,
               (queryInfo.Flags & SOCKET_INFO_CONNECTION_SECURED) ? "secured" : "in clear");

        wsaBuf.len = sizeof(buf);
        wsaBuf.buf = buf;
        flags = 0;
        if (WSARecv(clientSocket, &wsaBuf, 1, &bytes, &flags, NULL, NULL) == SOCKET_ERROR) {
            printf("server: WSARecv failed with error %d\n", WSAGetLastError());
            goto cleanup;
        }
        printf("server: received %lu bytes\n", (unsigned long)bytes);

        /* Impersonate the client to check its access (not possible on Linux). */
        if (WSAImpersonateSocketPeer(clientSocket, NULL, 0) == SOCKET_ERROR) {
            iResult = WSAGetLastError();
            if (iResult != WSAEOPNOTSUPP) {
                printf("server: WSAImpersonateSocketPeer failed with error %d\n", iResult);
                goto cleanup;
            }
            printf("server: no impersonation on this platform (WSAEOPNOTSUPP); access allowed\n");
        }
        if (WSARevertImpersonation() == SOCKET_ERROR) {
            printf("server: WSARevertImpersonation failed with error %d\n", WSAGetLastError());
            goto cleanup;
        }

        for (i = 0; i < bytes; i++)
            buf[i] = (char)toupper((unsigned char)buf[i]);
        wsaBuf.len = bytes;
        if (WSASend(clientSocket, &wsaBuf, 1, &bytes, 0, NULL, NULL) == SOCKET_ERROR) {
            printf("server: WSASend failed with error %d\n", WSAGetLastError());
            goto cleanup;
        }
        closesocket(clientSocket);
        clientSocket = INVALID_SOCKET;
        served++;
        fflush(stdout);
    }
    rc = 0;

cleanup:
    if (clientSocket != INVALID_SOCKET)
        closesocket(clientSocket);
    if (listenSocket != INVALID_SOCKET)
        closesocket(listenSocket);
    WSACleanup();
    return rc;
}
