/*
 * ws2tcpip.h - wstls compatibility header (Linux): the TCP/IP extensions of Winsock 2 with
 * Windows values: getaddrinfo/freeaddrinfo/getnameinfo (ADDRINFOA layout, EAI_* as WSA
 * codes), inet_pton/inet_ntop (AF_INET6 23), the IPPROTO_IP/IPPROTO_IPV6/IPPROTO_TCP option
 * numbers, IN6_* helpers and in6addr_any/in6addr_loopback. Function names map onto the
 * wstls_ symbols unless WSTLS_NO_NAME_MAPPING is defined. See docs/porting.md.
 */
#ifndef WSTLS_COMPAT_WS2TCPIP_H
#define WSTLS_COMPAT_WS2TCPIP_H

#ifndef _WS2TCPIP_H_
#define _WS2TCPIP_H_
#endif
#ifndef _WS2IPDEF_
#define _WS2IPDEF_
#endif

#include "winsock2.h"

typedef ADDRINFOA ADDRINFO, *LPADDRINFO;

/* getaddrinfo/getnameinfo errors: Winsock codes (getaddrinfo returns them directly). */
#define EAI_AGAIN WSATRY_AGAIN
#define EAI_BADFLAGS WSAEINVAL
#define EAI_FAIL WSANO_RECOVERY
#define EAI_FAMILY WSAEAFNOSUPPORT
#define EAI_MEMORY WSA_NOT_ENOUGH_MEMORY
#define EAI_NOSECURENAME 11032
#define EAI_NONAME WSAHOST_NOT_FOUND
#define EAI_SERVICE WSATYPE_NOT_FOUND
#define EAI_SOCKTYPE WSAESOCKTNOSUPPORT
#define EAI_NODATA EAI_NONAME
#define EAI_OVERFLOW WSAEFAULT

/* Text forms: sizes include a port/scope, as Windows' values do. */
#define INET_ADDRSTRLEN 22
#define INET6_ADDRSTRLEN 65

/* Options at level IPPROTO_IP (Winsock 2 numbers; wstls supports none of them yet). */
#define IP_OPTIONS 1
#define IP_HDRINCL 2
#define IP_TOS 3
#define IP_TTL 4
#define IP_MULTICAST_IF 9
#define IP_MULTICAST_TTL 10
#define IP_MULTICAST_LOOP 11
#define IP_ADD_MEMBERSHIP 12
#define IP_DROP_MEMBERSHIP 13
#define IP_DONTFRAGMENT 14
#define IP_ADD_SOURCE_MEMBERSHIP 15
#define IP_DROP_SOURCE_MEMBERSHIP 16
#define IP_BLOCK_SOURCE 17
#define IP_UNBLOCK_SOURCE 18
#define IP_PKTINFO 19
#define IP_HOPLIMIT 21
#define IP_RECVTTL 21
#define IP_RECEIVE_BROADCAST 22
#define IP_RECVIF 24
#define IP_RECVDSTADDR 25
#define IP_UNICAST_IF 31
#define IP_TCLASS 39
#define IP_RECVTCLASS 40
#define IP_RECVTOS 40
#define IP_MTU_DISCOVER 71
#define IP_MTU 73
#define IP_RECVERR 75

/* Options at level IPPROTO_IPV6 (IPV6_V6ONLY is supported; it defaults to TRUE). */
#define IPV6_HOPOPTS 1
#define IPV6_HDRINCL 2
#define IPV6_UNICAST_HOPS 4
#define IPV6_MULTICAST_IF 9
#define IPV6_MULTICAST_HOPS 10
#define IPV6_MULTICAST_LOOP 11
#define IPV6_ADD_MEMBERSHIP 12
#define IPV6_JOIN_GROUP IPV6_ADD_MEMBERSHIP
#define IPV6_DROP_MEMBERSHIP 13
#define IPV6_LEAVE_GROUP IPV6_DROP_MEMBERSHIP
#define IPV6_DONTFRAG 14
#define IPV6_PKTINFO 19
#define IPV6_HOPLIMIT 21
#define IPV6_PROTECTION_LEVEL 23
#define IPV6_RECVIF 24
#define IPV6_RECVDSTADDR 25
#define IPV6_CHECKSUM 26
#define IPV6_V6ONLY 27
#define IPV6_UNICAST_IF 31
#define IPV6_RTHDR 32
#define IPV6_RECVRTHDR 38
#define IPV6_TCLASS 39
#define IPV6_RECVTCLASS 40
#define IPV6_MTU_DISCOVER 71
#define IPV6_MTU 72
#define IPV6_RECVERR 75

/* Options at level IPPROTO_TCP (TCP_NODELAY, in winsock2.h, is supported). */
#define TCP_EXPEDITED_1122 0x0002
#define TCP_KEEPALIVE 3
#define TCP_MAXSEG 4
#define TCP_MAXRT 5
#define TCP_STDURG 6
#define TCP_NOURG 7
#define TCP_ATMARK 8
#define TCP_NOSYNRETRIES 9
#define TCP_TIMESTAMPS 10
#define TCP_OFFLOAD_PREFERENCE 11
#define TCP_CONGESTION_ALGORITHM 12
#define TCP_DELAY_FIN_ACK 13
#define TCP_MAXRTMS 14
#define TCP_FASTOPEN 15
#define TCP_KEEPCNT 16
#define TCP_KEEPIDLE TCP_KEEPALIVE
#define TCP_KEEPINTVL 17

/* IPv6 address constants and tests (Windows provides them as data and inline functions). */
#define IN6ADDR_ANY_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } } }
#define IN6ADDR_LOOPBACK_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } } }
static const struct wstls_in6_addr wstls_in6addr_any __attribute__((unused)) = IN6ADDR_ANY_INIT;
static const struct wstls_in6_addr wstls_in6addr_loopback __attribute__((unused)) = IN6ADDR_LOOPBACK_INIT;
#define in6addr_any wstls_in6addr_any
#define in6addr_loopback wstls_in6addr_loopback

static __inline__ int wstls_IN6_ADDR_EQUAL(const struct wstls_in6_addr *a, const struct wstls_in6_addr *b)
{
    return memcmp(a->u.Byte, b->u.Byte, 16) == 0;
}
static __inline__ int wstls_IN6_IS_ADDR_UNSPECIFIED(const struct wstls_in6_addr *a)
{
    return wstls_IN6_ADDR_EQUAL(a, &wstls_in6addr_any);
}
static __inline__ int wstls_IN6_IS_ADDR_LOOPBACK(const struct wstls_in6_addr *a)
{
    return wstls_IN6_ADDR_EQUAL(a, &wstls_in6addr_loopback);
}
static __inline__ int wstls_IN6_IS_ADDR_MULTICAST(const struct wstls_in6_addr *a)
{
    return a->u.Byte[0] == 0xff;
}
static __inline__ int wstls_IN6_IS_ADDR_LINKLOCAL(const struct wstls_in6_addr *a)
{
    return a->u.Byte[0] == 0xfe && (a->u.Byte[1] & 0xc0) == 0x80;
}
static __inline__ int wstls_IN6_IS_ADDR_SITELOCAL(const struct wstls_in6_addr *a)
{
    return a->u.Byte[0] == 0xfe && (a->u.Byte[1] & 0xc0) == 0xc0;
}
static __inline__ int wstls_IN6_IS_ADDR_V4MAPPED(const struct wstls_in6_addr *a)
{
    static const unsigned char prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    return memcmp(a->u.Byte, prefix, 12) == 0;
}
static __inline__ int wstls_IN6_IS_ADDR_V4COMPAT(const struct wstls_in6_addr *a)
{
    static const unsigned char zero[12] = { 0 };
    return memcmp(a->u.Byte, zero, 12) == 0 && !wstls_IN6_IS_ADDR_UNSPECIFIED(a) && !wstls_IN6_IS_ADDR_LOOPBACK(a);
}
#define IN6_ADDR_EQUAL wstls_IN6_ADDR_EQUAL
#define IN6_ARE_ADDR_EQUAL wstls_IN6_ADDR_EQUAL
#define IN6_IS_ADDR_UNSPECIFIED wstls_IN6_IS_ADDR_UNSPECIFIED
#define IN6_IS_ADDR_LOOPBACK wstls_IN6_IS_ADDR_LOOPBACK
#define IN6_IS_ADDR_MULTICAST wstls_IN6_IS_ADDR_MULTICAST
#define IN6_IS_ADDR_LINKLOCAL wstls_IN6_IS_ADDR_LINKLOCAL
#define IN6_IS_ADDR_SITELOCAL wstls_IN6_IS_ADDR_SITELOCAL
#define IN6_IS_ADDR_V4MAPPED wstls_IN6_IS_ADDR_V4MAPPED
#define IN6_IS_ADDR_V4COMPAT wstls_IN6_IS_ADDR_V4COMPAT

/* gai_strerror: an inline function in Windows' ws2tcpip.h too. */
static __inline__ const char *wstls_gai_strerrorA(int ecode)
{
    switch (ecode) {
    case 0: return "The operation completed successfully.";
    case WSATRY_AGAIN: return "This is usually a temporary error during hostname resolution.";
    case WSAEINVAL: return "An invalid argument was supplied.";
    case WSANO_RECOVERY: return "A non-recoverable error occurred during a database lookup.";
    case WSAEAFNOSUPPORT: return "An address incompatible with the requested protocol was used.";
    case WSA_NOT_ENOUGH_MEMORY: return "Not enough memory resources are available.";
    case WSAHOST_NOT_FOUND: return "No such host is known.";
    case WSANO_DATA: return "The requested name is valid, but no data of the requested type was found.";
    case WSATYPE_NOT_FOUND: return "The specified class was not found.";
    case WSAESOCKTNOSUPPORT: return "The support for the specified socket type does not exist in this address family.";
    case WSANOTINITIALISED: return "Either the application has not called WSAStartup, or WSAStartup failed.";
    case WSAEFAULT: return "The system detected an invalid pointer address.";
    default: return "Unknown error.";
    }
}
#define gai_strerrorA wstls_gai_strerrorA
#define gai_strerror wstls_gai_strerrorA

#ifndef WSTLS_NO_NAME_MAPPING
#define getaddrinfo wstls_getaddrinfo
#define freeaddrinfo wstls_freeaddrinfo
#define getnameinfo wstls_getnameinfo
#define inet_pton wstls_inet_pton
#define inet_ntop wstls_inet_ntop
#define GetAddrInfoA wstls_getaddrinfo
#define FreeAddrInfoA wstls_freeaddrinfo
#define GetNameInfoA wstls_getnameinfo
#define InetPtonA wstls_inet_pton
#define InetNtopA wstls_inet_ntop
#endif

/* Secure socket extensions (WSASetSocketSecurity & co): include/compat/wstls_secsock.h. */
#include "wstls_secsock.h"

#endif /* WSTLS_COMPAT_WS2TCPIP_H */
