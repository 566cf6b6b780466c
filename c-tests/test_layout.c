/*
 * test_layout.c - the compat headers give Windows (Win64/LLP64) layouts, widths and values.
 * Mostly compile-time: static_assert on sizes and offsets, _Generic on the prototypes'
 * parameter types (u_long * out-parameters are 32-bit), plus runtime checks of the fd_set
 * macros and of the values that cross the library boundary.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* Windows integer widths. */
static_assert(sizeof(BYTE) == 1, "BYTE");
static_assert(sizeof(WORD) == 2, "WORD");
static_assert(sizeof(DWORD) == 4, "DWORD is 32-bit");
static_assert(sizeof(ULONG) == 4, "ULONG is 32-bit");
static_assert(sizeof(LONG) == 4, "LONG is 32-bit");
static_assert(sizeof(u_long) == 4, "u_long is 32-bit");
static_assert(sizeof(u_short) == 2, "u_short");
static_assert(sizeof(BOOL) == 4, "BOOL");
static_assert(sizeof(ULONG_PTR) == sizeof(void *), "ULONG_PTR");
static_assert(sizeof(SOCKET) == sizeof(void *), "SOCKET is pointer-sized");
static_assert((SOCKET)-1 > 0, "SOCKET is unsigned");
static_assert(INVALID_SOCKET == (SOCKET)~(SOCKET)0, "INVALID_SOCKET is all bits set");
static_assert(SOCKET_ERROR == -1, "SOCKET_ERROR");
static_assert(sizeof(socklen_t) == 4 && (socklen_t)-1 < 0, "socklen_t is a signed int");
static_assert(sizeof(LARGE_INTEGER) == 8 && offsetof(LARGE_INTEGER, QuadPart) == 0, "LARGE_INTEGER");

/* Structures (Win64 layouts). */
static_assert(sizeof(WSADATA) == 408, "WSADATA");
static_assert(offsetof(WSADATA, wVersion) == 0, "WSADATA.wVersion");
static_assert(offsetof(WSADATA, wHighVersion) == 2, "WSADATA.wHighVersion");
static_assert(offsetof(WSADATA, iMaxSockets) == 4, "WSADATA.iMaxSockets");
static_assert(offsetof(WSADATA, iMaxUdpDg) == 6, "WSADATA.iMaxUdpDg");
static_assert(offsetof(WSADATA, lpVendorInfo) == 8, "WSADATA.lpVendorInfo");
static_assert(offsetof(WSADATA, szDescription) == 16, "WSADATA.szDescription");
static_assert(offsetof(WSADATA, szSystemStatus) == 273, "WSADATA.szSystemStatus");
static_assert(sizeof(((WSADATA *)0)->szDescription) == WSADESCRIPTION_LEN + 1, "szDescription");
static_assert(sizeof(((WSADATA *)0)->szSystemStatus) == WSASYS_STATUS_LEN + 1, "szSystemStatus");

static_assert(sizeof(struct in_addr) == 4, "in_addr");
static_assert(offsetof(struct in_addr, S_un) == 0, "in_addr.S_un");
static_assert(sizeof(((struct in_addr *)0)->S_un.S_un_b) == 4, "S_un_b");
static_assert(sizeof(((struct in_addr *)0)->S_un.S_un_w) == 4, "S_un_w");
static_assert(sizeof(struct sockaddr) == 16, "sockaddr");
static_assert(offsetof(struct sockaddr, sa_data) == 2, "sockaddr.sa_data");
static_assert(sizeof(struct sockaddr_in) == 16, "sockaddr_in");
static_assert(offsetof(struct sockaddr_in, sin_port) == 2, "sin_port");
static_assert(offsetof(struct sockaddr_in, sin_addr) == 4, "sin_addr");
static_assert(offsetof(struct sockaddr_in, sin_zero) == 8, "sin_zero");
static_assert(sizeof(struct in6_addr) == 16, "in6_addr");
static_assert(sizeof(struct sockaddr_in6) == 28, "sockaddr_in6");
static_assert(offsetof(struct sockaddr_in6, sin6_port) == 2, "sin6_port");
static_assert(offsetof(struct sockaddr_in6, sin6_flowinfo) == 4, "sin6_flowinfo");
static_assert(offsetof(struct sockaddr_in6, sin6_addr) == 8, "sin6_addr");
static_assert(offsetof(struct sockaddr_in6, sin6_scope_id) == 24, "sin6_scope_id");
static_assert(sizeof(SOCKADDR_STORAGE) == 128, "SOCKADDR_STORAGE");
static_assert(_Alignof(SOCKADDR_STORAGE) == 8, "SOCKADDR_STORAGE alignment");
static_assert(offsetof(SOCKADDR_STORAGE, ss_family) == 0, "ss_family");

static_assert(sizeof(struct addrinfo) == 48, "ADDRINFOA");
static_assert(offsetof(struct addrinfo, ai_flags) == 0, "ai_flags");
static_assert(offsetof(struct addrinfo, ai_family) == 4, "ai_family");
static_assert(offsetof(struct addrinfo, ai_socktype) == 8, "ai_socktype");
static_assert(offsetof(struct addrinfo, ai_protocol) == 12, "ai_protocol");
static_assert(offsetof(struct addrinfo, ai_addrlen) == 16, "ai_addrlen");
static_assert(offsetof(struct addrinfo, ai_canonname) == 24, "ai_canonname before ai_addr");
static_assert(offsetof(struct addrinfo, ai_addr) == 32, "ai_addr");
static_assert(offsetof(struct addrinfo, ai_next) == 40, "ai_next");
static_assert(sizeof(struct hostent) == 32, "hostent");
static_assert(offsetof(struct hostent, h_aliases) == 8, "h_aliases");
static_assert(offsetof(struct hostent, h_addrtype) == 16, "h_addrtype (short)");
static_assert(offsetof(struct hostent, h_length) == 18, "h_length (short)");
static_assert(offsetof(struct hostent, h_addr_list) == 24, "h_addr_list");

static_assert(sizeof(struct timeval) == 8, "timeval: two 32-bit longs");
static_assert(offsetof(struct timeval, tv_usec) == 4, "tv_usec");
static_assert(sizeof(struct linger) == 4, "linger: two u_shorts");
static_assert(offsetof(struct linger, l_linger) == 2, "l_linger");
static_assert(sizeof(WSABUF) == 16, "WSABUF");
static_assert(offsetof(WSABUF, len) == 0, "WSABUF.len first");
static_assert(offsetof(WSABUF, buf) == 8, "WSABUF.buf");
static_assert(sizeof(((WSABUF *)0)->len) == 4, "WSABUF.len is u_long");
static_assert(sizeof(WSAPOLLFD) == 16, "WSAPOLLFD");
static_assert(offsetof(WSAPOLLFD, events) == 8, "WSAPOLLFD.events");
static_assert(offsetof(WSAPOLLFD, revents) == 10, "WSAPOLLFD.revents");
static_assert(sizeof(struct pollfd) == 16, "struct pollfd is WSAPOLLFD");
static_assert(sizeof(WSAOVERLAPPED) == 32, "WSAOVERLAPPED");
static_assert(offsetof(WSAOVERLAPPED, hEvent) == 24, "WSAOVERLAPPED.hEvent");
static_assert(sizeof(struct tcp_keepalive) == 12, "tcp_keepalive");
static_assert(sizeof(IP_MREQ) == 8, "ip_mreq");

/* fd_set: count + array, FD_SETSIZE 64 by default. */
static_assert(FD_SETSIZE == 64, "FD_SETSIZE default is 64");
static_assert(offsetof(fd_set, fd_count) == 0, "fd_count");
static_assert(offsetof(fd_set, fd_array) == 8, "fd_array");
static_assert(sizeof(fd_set) == 8 + 64 * 8, "fd_set is 520 bytes");

/* Constants (Windows values). */
static_assert(AF_INET == 2 && AF_INET6 == 23 && AF_UNSPEC == 0 && PF_INET6 == 23, "AF_*");
static_assert(SOL_SOCKET == 0xFFFF, "SOL_SOCKET");
static_assert(SO_REUSEADDR == 4 && SO_KEEPALIVE == 8 && SO_LINGER == 0x80 && SO_BROADCAST == 0x20, "SO_*");
static_assert(SO_DONTLINGER == -129 && SO_EXCLUSIVEADDRUSE == -5, "negative SO_*");
static_assert(SO_SNDBUF == 0x1001 && SO_RCVBUF == 0x1002 && SO_SNDTIMEO == 0x1005 && SO_RCVTIMEO == 0x1006, "SO_*");
static_assert(SO_ERROR == 0x1007 && SO_TYPE == 0x1008 && SO_ACCEPTCONN == 2, "SO_*");
static_assert(TCP_NODELAY == 1 && IPPROTO_TCP == 6 && IPPROTO_UDP == 17 && IPPROTO_IPV6 == 41, "TCP/IPPROTO");
static_assert(IPV6_V6ONLY == 27 && TCP_KEEPIDLE == 3 && TCP_KEEPCNT == 16 && TCP_KEEPINTVL == 17, "ws2ipdef");
static_assert(SOMAXCONN == 0x7fffffff, "SOMAXCONN");
static_assert(MSG_OOB == 1 && MSG_PEEK == 2 && MSG_DONTROUTE == 4 && MSG_WAITALL == 8, "MSG_*");
static_assert(SD_RECEIVE == 0 && SD_SEND == 1 && SD_BOTH == 2, "SD_*");
static_assert(FIONBIO == 0x8004667E && FIONREAD == 0x4004667F && SIOCATMARK == 0x40047307, "ioctl codes");
static_assert(_IOW('f', 126, u_long) == FIONBIO && _IOR('f', 127, u_long) == FIONREAD, "_IOW/_IOR");
static_assert(SIO_GET_EXTENSION_FUNCTION_POINTER == 0xC8000006, "_WSAIORW");
static_assert(SIO_KEEPALIVE_VALS == 0x98000004, "SIO_KEEPALIVE_VALS");
static_assert(IOC_VENDOR == 0x18000000 && IOC_WS2 == 0x08000000 && IOC_PROTOCOL == 0x10000000, "IOC_*");
static_assert(POLLRDNORM == 0x100 && POLLRDBAND == 0x200 && POLLIN == 0x300 && POLLPRI == 0x400, "POLL*");
static_assert(POLLWRNORM == 0x10 && POLLOUT == 0x10 && POLLERR == 1 && POLLHUP == 2 && POLLNVAL == 4, "POLL*");
static_assert(AI_PASSIVE == 1 && AI_CANONNAME == 2 && AI_NUMERICHOST == 4 && AI_NUMERICSERV == 8, "AI_*");
static_assert(AI_ALL == 0x100 && AI_ADDRCONFIG == 0x400 && AI_V4MAPPED == 0x800, "AI_*");
static_assert(NI_NOFQDN == 1 && NI_NUMERICHOST == 2 && NI_NAMEREQD == 4 && NI_NUMERICSERV == 8, "NI_*");
static_assert(EAI_NONAME == 11001 && EAI_AGAIN == 11002 && EAI_FAIL == 11003 && EAI_SERVICE == 10109, "EAI_*");
static_assert(WSAEWOULDBLOCK == 10035 && WSAECONNREFUSED == 10061 && WSAETIMEDOUT == 10060, "WSAE*");
static_assert(WSAENOTSOCK == 10038 && WSANOTINITIALISED == 10093 && WSAHOST_NOT_FOUND == 11001, "WSAE*");
static_assert(WSAEINTR == 10004 && WSAEFAULT == 10014 && WSAEINVAL == 10022 && WSAEISCONN == 10056, "WSAE*");
static_assert(WSA_IO_PENDING == 997 && WSA_INVALID_PARAMETER == 87, "WSA_*");
static_assert(INADDR_LOOPBACK == 0x7f000001 && INADDR_NONE == 0xffffffff && INADDR_ANY == 0, "INADDR_*");
static_assert(INET_ADDRSTRLEN >= 16 && INET6_ADDRSTRLEN >= 46, "text lengths");
static_assert(MAKEWORD(2, 2) == 0x0202 && MAKEWORD(1, 2) == 0x0201, "MAKEWORD");

/* The prototypes keep Windows integer types (checked through the function types). */
#define SAME_TYPE(expr, type) _Generic((expr), type : 1, default : 0)
static_assert(SAME_TYPE(&WSAStartup, int (*)(WORD, LPWSADATA)), "WSAStartup");
static_assert(SAME_TYPE(&ioctlsocket, int (*)(SOCKET, LONG, u_long *)), "ioctlsocket takes u_long *");
static_assert(SAME_TYPE(&WSAIoctl, int (*)(SOCKET, DWORD, LPVOID, DWORD, LPVOID, DWORD, LPDWORD, LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE)), "WSAIoctl");
static_assert(SAME_TYPE(&WSASend, int (*)(SOCKET, LPWSABUF, DWORD, LPDWORD, DWORD, LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE)), "WSASend");
static_assert(SAME_TYPE(&WSARecv, int (*)(SOCKET, LPWSABUF, DWORD, LPDWORD, LPDWORD, LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE)), "WSARecv");
static_assert(SAME_TYPE(&WSAPoll, int (*)(LPWSAPOLLFD, ULONG, INT)), "WSAPoll");
static_assert(SAME_TYPE(&select, int (*)(int, fd_set *, fd_set *, fd_set *, const struct timeval *)), "select");
static_assert(SAME_TYPE(&socket, SOCKET (*)(int, int, int)), "socket");
static_assert(SAME_TYPE(&accept, SOCKET (*)(SOCKET, struct sockaddr *, int *)), "accept");
static_assert(SAME_TYPE(&getsockopt, int (*)(SOCKET, int, int, char *, int *)), "getsockopt");
static_assert(SAME_TYPE(&setsockopt, int (*)(SOCKET, int, int, const char *, int)), "setsockopt");
static_assert(SAME_TYPE(&recv, int (*)(SOCKET, char *, int, int)), "recv");
static_assert(SAME_TYPE(&inet_addr, u_long (*)(const char *)), "inet_addr returns u_long");
static_assert(SAME_TYPE(&htonl, u_long (*)(u_long)), "htonl");
static_assert(SAME_TYPE(&htons, u_short (*)(u_short)), "htons");
static_assert(SAME_TYPE(&inet_ntoa, char *(*)(struct in_addr)), "inet_ntoa");
static_assert(SAME_TYPE(&getaddrinfo, INT (*)(PCSTR, PCSTR, const ADDRINFOA *, PADDRINFOA *)), "getaddrinfo");
static_assert(SAME_TYPE(&getnameinfo, INT (*)(const SOCKADDR *, socklen_t, PCHAR, DWORD, PCHAR, DWORD, INT)), "getnameinfo");
static_assert(SAME_TYPE(&inet_pton, INT (*)(INT, PCSTR, PVOID)), "inet_pton");
static_assert(SAME_TYPE(&inet_ntop, PCSTR (*)(INT, const VOID *, PSTR, size_t)), "inet_ntop");
static_assert(SAME_TYPE(&gethostbyname, struct hostent *(*)(const char *)), "gethostbyname");
static_assert(SAME_TYPE(&gethostname, int (*)(char *, int)), "gethostname");

int main(void)
{
    fd_set set;
    struct in_addr a;
    SOCKET i;

    /* FD_* macros: count + array, Winsock 2 semantics. */
    FD_ZERO(&set);
    CHECK_EQ(set.fd_count, 0);
    FD_SET((SOCKET)5, &set);
    FD_SET((SOCKET)7, &set);
    FD_SET((SOCKET)5, &set); /* duplicate: skipped */
    CHECK_EQ(set.fd_count, 2);
    CHECK_EQ(set.fd_array[0], 5);
    CHECK_EQ(set.fd_array[1], 7);
    CHECK(FD_ISSET((SOCKET)7, &set));
    CHECK(!FD_ISSET((SOCKET)6, &set));
    FD_CLR((SOCKET)5, &set);
    CHECK_EQ(set.fd_count, 1);
    CHECK_EQ(set.fd_array[0], 7);
    CHECK(!FD_ISSET((SOCKET)5, &set));
    for (i = 100; i < 200; i++) {
        FD_SET(i, &set); /* full at FD_SETSIZE: the rest is dropped */
    }
    CHECK_EQ(set.fd_count, FD_SETSIZE);
    tu_pass("fd_set macros");

    /* in_addr's S_un union and its shorthand fields. */
    a.s_addr = inet_addr("10.1.2.3");
    CHECK_EQ(a.S_un.S_un_b.s_b1, 10);
    CHECK_EQ(a.S_un.S_un_b.s_b4, 3);
    CHECK_EQ(a.s_net, 10);
    CHECK_EQ(a.s_impno, 3);
    CHECK_EQ(a.S_un.S_addr, htonl(0x0A010203));
    tu_pass("in_addr S_un");

    /* Byte-order helpers on 32-bit u_long. */
    CHECK_EQ(htons(0x1234), 0x3412);
    CHECK_EQ(htonl(0x01020304), 0x04030201);
    CHECK_EQ(ntohl(htonl(0xDEADBEEF)), 0xDEADBEEF);
    tu_pass("byte order");
    return 0;
}
