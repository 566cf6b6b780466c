/*
 * echo_server.c - a plain TCP echo server written the Windows way (Winsock 2), built
 * unchanged on Linux against the wstls compat headers and libwstls:
 *
 *   cc echo_server.c -I include/compat -I include -L target/release -lwstls
 *
 * Usage: echo_server [port [clients]]   port 0 picks a free port (printed on stdout).
 */
#define WIN32_LEAN_AND_MEAN

#include <windows.h>
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdlib.h>
#include <stdio.h>

#pragma comment(lib, "Ws2_32.lib")

#define DEFAULT_PORT "27015"
#define BUFLEN 4096

static int serve_one(SOCKET ListenSocket)
{
    SOCKET ClientSocket;
    char recvbuf[BUFLEN];
    int iResult, iSendResult;
    long total = 0;

    ClientSocket = accept(ListenSocket, NULL, NULL);
    if (ClientSocket == INVALID_SOCKET) {
        printf("accept failed with error: %d\n", WSAGetLastError());
        return 1;
    }

    /* Echo until the client shuts down its side. */
    do {
        iResult = recv(ClientSocket, recvbuf, BUFLEN, 0);
        if (iResult > 0) {
            iSendResult = send(ClientSocket, recvbuf, iResult, 0);
            if (iSendResult == SOCKET_ERROR) {
                printf("send failed with error: %d\n", WSAGetLastError());
                closesocket(ClientSocket);
                return 1;
            }
            total += iSendResult;
        } else if (iResult == SOCKET_ERROR) {
            printf("recv failed with error: %d\n", WSAGetLastError());
            closesocket(ClientSocket);
            return 1;
        }
    } while (iResult > 0);

    printf("echoed %ld bytes\n", total);
    fflush(stdout);
    if (shutdown(ClientSocket, SD_SEND) == SOCKET_ERROR) {
        printf("shutdown failed with error: %d\n", WSAGetLastError());
        closesocket(ClientSocket);
        return 1;
    }
    closesocket(ClientSocket);
    return 0;
}

int __cdecl main(int argc, char **argv)
{
    WSADATA wsaData;
    SOCKET ListenSocket = INVALID_SOCKET;
    struct addrinfo *result = NULL;
    struct addrinfo hints;
    SOCKADDR_STORAGE bound;
    int boundlen = sizeof(bound);
    const char *port = argc > 1 ? argv[1] : DEFAULT_PORT;
    int clients = argc > 2 ? atoi(argv[2]) : 1;
    int iResult, i, failures = 0;

    iResult = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (iResult != 0) {
        printf("WSAStartup failed with error: %d\n", iResult);
        return 1;
    }

    ZeroMemory(&hints, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_PASSIVE;

    iResult = getaddrinfo(NULL, port, &hints, &result);
    if (iResult != 0) {
        printf("getaddrinfo failed with error: %d (%s)\n", iResult, gai_strerror(iResult));
        WSACleanup();
        return 1;
    }

    ListenSocket = socket(result->ai_family, result->ai_socktype, result->ai_protocol);
    if (ListenSocket == INVALID_SOCKET) {
        printf("socket failed with error: %d\n", WSAGetLastError());
        freeaddrinfo(result);
        WSACleanup();
        return 1;
    }

    iResult = bind(ListenSocket, result->ai_addr, (int)result->ai_addrlen);
    if (iResult == SOCKET_ERROR) {
        printf("bind failed with error: %d\n", WSAGetLastError());
        freeaddrinfo(result);
        closesocket(ListenSocket);
        WSACleanup();
        return 1;
    }
    freeaddrinfo(result);

    iResult = listen(ListenSocket, SOMAXCONN);
    if (iResult == SOCKET_ERROR) {
        printf("listen failed with error: %d\n", WSAGetLastError());
        closesocket(ListenSocket);
        WSACleanup();
        return 1;
    }
    getsockname(ListenSocket, (SOCKADDR *)&bound, &boundlen);
    printf("listening on port %u\n", (unsigned)ntohs(((SOCKADDR_IN *)&bound)->sin_port));
    fflush(stdout);

    for (i = 0; i < clients; i++) {
        failures += serve_one(ListenSocket);
    }

    closesocket(ListenSocket);
    WSACleanup();
    return failures == 0 ? 0 : 1;
}
