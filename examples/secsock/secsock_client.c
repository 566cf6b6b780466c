/*
 * secsock_client.c - the client of Microsoft's "Using Secure Socket Extensions" (SecureTcpConnect
 * and QueryTcpSocketSecurity), ported to wstls. Windows secures this connection with IPsec;
 * wstls with TLS, with no change to the calls (docs/secure-socket-extensions.md).
 *
 * Differences from the Windows sample, all outside the secure socket calls:
 *  - socket/connect instead of WSASocket/WSAConnect (same effect for this blocking client),
 *    getaddrinfo instead of GetAddrInfoW;
 *  - the SPN "host/<name>" is built by hand instead of with DsMakeSpn (ntdsapi), as UTF-16
 *    WCHARs (a Linux wchar_t is 4 bytes);
 *  - the sample's advanced IPsec settings are not offered (wstls refuses IPsec).
 *
 * Usage: secsock_client <host> <port> <target-name> [message]
 *   <target-name>: the name the server's certificate must match, e.g. server.test (sent as
 *   the SPN host/server.test); "-" sets no peer target name.
 * Sends the message, expects it back upper-cased. Exit status: 0 success, 2 connect failed,
 * 1 any other failure. Build: cc secsock_client.c -I include/compat -I include -L target/debug -lwstls
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int QueryTcpSocketSecurity(SOCKET sock, ULONG *flags)
{
    SOCKET_SECURITY_QUERY_INFO *queryInfo = NULL;
    ULONG infoLen = 0;
    int iResult;

    /* First call: no buffer, to learn the size (the sample expects WSAEFAULT). */
    iResult = WSAQuerySocketSecurity(sock, NULL, 0, NULL, &infoLen, NULL, NULL);
    if (iResult == SOCKET_ERROR && WSAGetLastError() == WSAEFAULT) {
        queryInfo = (SOCKET_SECURITY_QUERY_INFO *)calloc(1, infoLen);
        if (queryInfo == NULL) {
            printf("client: out of memory\n");
            return SOCKET_ERROR;
        }
        iResult = WSAQuerySocketSecurity(sock, NULL, 0, queryInfo, &infoLen, NULL, NULL);
    }
    if (iResult == SOCKET_ERROR) {
        printf("client: WSAQuerySocketSecurity failed with error %d\n", WSAGetLastError());
    } else {
        *flags = queryInfo->Flags;
        printf("client: security query: protocol %d, flags 0x%x (%s%s)\n", (int)queryInfo->SecurityProtocol,
               (unsigned)queryInfo->Flags,
               (queryInfo->Flags & SOCKET_INFO_CONNECTION_SECURED) ? "secured" : "not secured",
               (queryInfo->Flags & SOCKET_INFO_CONNECTION_ENCRYPTED) ? ", encrypted" : "");
    }
    free(queryInfo);
    return iResult;
}

static int SecureTcpConnect(const struct sockaddr *serverAddr, int serverAddrLen, const char *serverName,
                            SOCKET *socketOut)
{
    int iResult = 0;
    SOCKET sock = INVALID_SOCKET;
    SOCKET_SECURITY_SETTINGS securitySettings = {SOCKET_SECURITY_PROTOCOL_DEFAULT,
                                                 SOCKET_SETTINGS_GUARANTEE_ENCRYPTION};
    SOCKET_PEER_TARGET_NAME *peerTargetName = NULL;
    WCHAR spn[256];
    size_t spnLen = 0;
    ULONG peerTargetNameLen;
    const char *prefix = "host/";
    size_t i;

    *socketOut = INVALID_SOCKET;
    sock = socket(serverAddr->sa_family, SOCK_STREAM, IPPROTO_TCP);
    if (sock == INVALID_SOCKET) {
        iResult = WSAGetLastError();
        printf("client: socket returned error %d\n", iResult);
        goto cleanup;
    }

    /* Turn on security for the socket. */
    iResult = WSASetSocketSecurity(sock, &securitySettings, sizeof(securitySettings), NULL, NULL);
    if (iResult == SOCKET_ERROR) {
        iResult = WSAGetLastError();
        printf("client: WSASetSocketSecurity returned error %d\n", iResult);
        goto cleanup;
    }

    if (strcmp(serverName, "-") != 0) {
        /* The SPN DsMakeSpn(L"host", serverName, ...) would build: host/<serverName>. */
        for (i = 0; prefix[i] != '\0' && spnLen < 255; i++)
            spn[spnLen++] = (WCHAR)prefix[i];
        for (i = 0; serverName[i] != '\0' && spnLen < 255; i++)
            spn[spnLen++] = (WCHAR)(unsigned char)serverName[i];

        /* Tell the security protocol the expected identity of the server. */
        peerTargetNameLen = (ULONG)(sizeof(SOCKET_PEER_TARGET_NAME) + spnLen * sizeof(WCHAR));
        peerTargetName = (SOCKET_PEER_TARGET_NAME *)calloc(1, peerTargetNameLen);
        if (peerTargetName == NULL) {
            iResult = WSAENOBUFS;
            goto cleanup;
        }
        peerTargetName->SecurityProtocol = securitySettings.SecurityProtocol;
        peerTargetName->PeerTargetNameStringLen = (ULONG)spnLen; /* characters, as the sample */
        memcpy((BYTE *)peerTargetName->AllStrings, spn, spnLen * sizeof(WCHAR));
        iResult = WSASetSocketPeerTargetName(sock, peerTargetName, peerTargetNameLen, NULL, NULL);
        if (iResult == SOCKET_ERROR) {
            iResult = WSAGetLastError();
            printf("client: WSASetSocketPeerTargetName returned error %d\n", iResult);
            goto cleanup;
        }
    }

    /* Connect; at this point a secure connection must have been established. */
    iResult = connect(sock, serverAddr, serverAddrLen);
    if (iResult == SOCKET_ERROR) {
        iResult = WSAGetLastError();
        printf("client: connect returned error %d: %s\n", iResult, wstls_last_error_message());
        goto cleanup;
    }
    printf("client: secure connection established to the server\n");
    *socketOut = sock;
    sock = INVALID_SOCKET;

cleanup:
    if (sock != INVALID_SOCKET)
        closesocket(sock);
    free(peerTargetName);
    return iResult;
}

int main(int argc, char **argv)
{
    WSADATA wsaData;
    struct addrinfo hints, *result = NULL;
    SOCKET sock = INVALID_SOCKET;
    const char *message = argc > 4 ? argv[4] : "hello over secure sockets";
    char expected[512], reply[512];
    WSABUF wsaBuf;
    DWORD bytes = 0, flags = 0;
    ULONG secFlags = 0;
    size_t n, i;
    int rc = 1, iResult;
    char subject[512];
    uint32_t subjectLen = sizeof(subject);

    if (argc < 4) {
        printf("usage: %s <host> <port> <target-name|-> [message]\n", argv[0]);
        return 1;
    }
    n = strlen(message);
    if (n == 0 || n >= sizeof(expected)) {
        printf("client: the message must be 1..511 bytes\n");
        return 1;
    }
    for (i = 0; i <= n; i++)
        expected[i] = (char)toupper((unsigned char)message[i]);

    iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != 0) {
        printf("client: WSAStartup failed: %d\n", iResult);
        return 1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    iResult = getaddrinfo(argv[1], argv[2], &hints, &result);
    if (iResult != 0) {
        printf("client: getaddrinfo failed: %d\n", iResult);
        goto done;
    }

    iResult = SecureTcpConnect(result->ai_addr, (int)result->ai_addrlen, argv[3], &sock);
    if (iResult != 0) {
        rc = 2;
        goto done;
    }
    if (QueryTcpSocketSecurity(sock, &secFlags) == SOCKET_ERROR)
        goto done;
    if (secFlags != (SOCKET_INFO_CONNECTION_SECURED | SOCKET_INFO_CONNECTION_ENCRYPTED)) {
        printf("client: FAIL: the connection is not secured\n");
        goto done;
    }
    if (wstls_get_socket_peer_subject(sock, subject, &subjectLen) == 0 && subjectLen > 0)
        printf("client: server certificate subject: %s\n", subject);

    wsaBuf.len = (ULONG)n;
    wsaBuf.buf = (char *)message;
    if (WSASend(sock, &wsaBuf, 1, &bytes, 0, NULL, NULL) == SOCKET_ERROR || bytes != n) {
        printf("client: WSASend failed with error %d\n", WSAGetLastError());
        goto done;
    }
    printf("client: sent %lu bytes\n", (unsigned long)bytes);

    wsaBuf.len = (ULONG)n;
    wsaBuf.buf = reply;
    flags = MSG_WAITALL;
    if (WSARecv(sock, &wsaBuf, 1, &bytes, &flags, NULL, NULL) == SOCKET_ERROR) {
        printf("client: WSARecv failed with error %d\n", WSAGetLastError());
        goto done;
    }
    reply[bytes] = '\0';
    printf("client: received \"%s\"\n", reply);
    if (bytes != n || memcmp(reply, expected, n) != 0) {
        printf("client: FAIL: expected \"%s\"\n", expected);
        goto done;
    }
    rc = 0;

done:
    if (sock != INVALID_SOCKET)
        closesocket(sock);
    if (result != NULL)
        freeaddrinfo(result);
    WSACleanup();
    return rc;
}
