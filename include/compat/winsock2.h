/*
 * winsock2.h - wstls compatibility header (Linux): Winsock 2 with Windows names, values and
 * layouts, mapped onto the wstls_ functions of libwstls (include/wstls.h).
 *
 *  - Types keep their Windows layouts: SOCKET is pointer-sized and unsigned, u_long/ULONG/
 *    DWORD are 32-bit, fd_set is a count plus an array (FD_SETSIZE 64 unless the program
 *    defines it first), in_addr has its S_un union, timeval and linger have Windows fields.
 *  - Constants have Windows values (AF_INET6 23, SOL_SOCKET 0xFFFF, SO_*, MSG_WAITALL 8,
 *    FIONBIO 0x8004667E, POLL*, WSAE*, ...).
 *  - The Windows function names are object-like macros for the wstls_ symbols
 *    (socket -> wstls_socket, ...), so that C++ `::send(...)` works too. Define
 *    WSTLS_NO_NAME_MAPPING before including to keep only the types and constants and call the
 *    wstls_ names yourself.
 *  - Any standard C/POSIX header may come before or after this one: the glibc socket headers
 *    are included first (their guards make a later #include a no-op), their Linux macros are
 *    removed (wstls/glibc_undef.h) and clashing glibc types (u_long, fd_set, timeval,
 *    sockaddr, in_addr, hostent, addrinfo, ...) are renamed to wstls_ types by macros.
 *
 * See docs/porting.md.
 */
#ifndef WSTLS_COMPAT_WINSOCK2_H
#define WSTLS_COMPAT_WINSOCK2_H

#ifndef _WINSOCK2API_
#define _WINSOCK2API_
#endif
#ifndef _WINSOCKAPI_
#define _WINSOCKAPI_ /* as on Windows: keeps windows.h from including winsock.h */
#endif
#ifndef _WINSOCK2_H
#define _WINSOCK2_H
#endif

#include "windows.h"

/* ---- 1. The glibc headers that declare the same names, first ----
 * FD_SETSIZE is saved and restored around them: glibc's <sys/select.h> would replace a value
 * the program chose. */
#pragma push_macro("FD_SETSIZE")
#undef FD_SETSIZE
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>
#undef FD_SETSIZE
#pragma pop_macro("FD_SETSIZE")

/* A FD_SETSIZE left by glibc's <sys/select.h> (included earlier, e.g. by <stdlib.h>, without
 * the include/compat/sys/select.h wrapper) is glibc's, not the program's: it is
 * `__FD_SETSIZE`, which evaluates to 0 once __FD_SETSIZE is hidden. */
#ifdef FD_SETSIZE
#pragma push_macro("__FD_SETSIZE")
#undef __FD_SETSIZE
#if (FD_SETSIZE + 0) == 0
#define WSTLS_FD_SETSIZE_FROM_GLIBC_
#endif
#pragma pop_macro("__FD_SETSIZE")
#ifdef WSTLS_FD_SETSIZE_FROM_GLIBC_
#undef FD_SETSIZE
#undef WSTLS_FD_SETSIZE_FROM_GLIBC_
#endif
#endif

/* ---- 2. Remove glibc's Linux macros of the socket namespaces ---- */
#include "wstls/glibc_undef.h"

/* ---- 3. Basic types ---- */
typedef unsigned char wstls_u_char;
typedef unsigned short wstls_u_short;
typedef unsigned int wstls_u_int;
typedef uint32_t wstls_u_long; /* 32-bit, as on Windows (glibc's u_long is 64-bit) */
#define u_char wstls_u_char
#define u_short wstls_u_short
#define u_int wstls_u_int
#define u_long wstls_u_long
typedef uint64_t u_int64;

typedef wstls_SOCKET SOCKET;
typedef USHORT ADDRESS_FAMILY;
typedef unsigned int GROUP;
/* socklen_t is a signed int on Windows (glibc: unsigned). */
typedef int wstls_socklen_t;
#define socklen_t wstls_socklen_t

/* The structures, renamed so that glibc's own (already declared) never clash. */
#define sockaddr wstls_sockaddr
#define sockaddr_in wstls_sockaddr_in
#define sockaddr_in6 wstls_sockaddr_in6
#define sockaddr_storage wstls_sockaddr_storage
#define in_addr wstls_in_addr
#define in6_addr wstls_in6_addr
#define in_addr6 wstls_in6_addr
#define linger wstls_linger
#define hostent wstls_hostent
#define addrinfo wstls_addrinfo
#define timeval wstls_timeval
#define fd_set wstls_fd_set
#define pollfd wstls_WSAPOLLFD
#define WSAData wstls_WSADATA
#define ip_mreq wstls_ip_mreq
#define ipv6_mreq wstls_ipv6_mreq

/* Field shorthands (Windows names). */
#define s_addr S_un.S_addr
#define s_host S_un.S_un_b.s_b2
#define s_net S_un.S_un_b.s_b1
#define s_imp S_un.S_un_w.s_w2
#define s_impno S_un.S_un_b.s_b4
#define s_lh S_un.S_un_b.s_b3
#define s6_addr u.Byte
#define s6_bytes u.Byte
#define s6_words u.Word
#define h_addr h_addr_list[0]

typedef struct wstls_sockaddr SOCKADDR, *PSOCKADDR, *LPSOCKADDR;
typedef struct wstls_sockaddr_in SOCKADDR_IN, *PSOCKADDR_IN, *LPSOCKADDR_IN;
typedef struct wstls_sockaddr_in6 SOCKADDR_IN6, *PSOCKADDR_IN6, *LPSOCKADDR_IN6;
typedef struct wstls_sockaddr_in6 SOCKADDR_IN6_LH, *PSOCKADDR_IN6_LH;
typedef struct wstls_sockaddr_storage SOCKADDR_STORAGE, *PSOCKADDR_STORAGE, *LPSOCKADDR_STORAGE;
typedef struct wstls_sockaddr_storage SOCKADDR_STORAGE_LH, *PSOCKADDR_STORAGE_LH;
typedef struct wstls_in_addr IN_ADDR, *PIN_ADDR, *LPIN_ADDR;
typedef struct wstls_in6_addr IN6_ADDR, *PIN6_ADDR, *LPIN6_ADDR;
typedef struct wstls_linger LINGER, *PLINGER, *LPLINGER;
typedef struct wstls_hostent HOSTENT, *PHOSTENT, *LPHOSTENT;
typedef struct wstls_addrinfo ADDRINFOA, *PADDRINFOA;
typedef struct wstls_timeval TIMEVAL, *PTIMEVAL, *LPTIMEVAL;
typedef wstls_WSADATA WSADATA, *LPWSADATA;
typedef wstls_WSABUF WSABUF, *LPWSABUF;
typedef wstls_WSAPOLLFD WSAPOLLFD, *PWSAPOLLFD, *LPWSAPOLLFD;
typedef struct wstls_WSAOVERLAPPED WSAOVERLAPPED, *LPWSAOVERLAPPED;
typedef wstls_LPWSAOVERLAPPED_COMPLETION_ROUTINE LPWSAOVERLAPPED_COMPLETION_ROUTINE;
typedef HANDLE WSAEVENT, *LPWSAEVENT;
#define WSA_INVALID_EVENT ((WSAEVENT)NULL)

/* Multicast requests (ws2ipdef.h); wstls does not implement the multicast options. */
struct wstls_ip_mreq {
    struct wstls_in_addr imr_multiaddr;
    struct wstls_in_addr imr_interface;
};
typedef struct wstls_ip_mreq IP_MREQ, *PIP_MREQ;
struct wstls_ipv6_mreq {
    struct wstls_in6_addr ipv6mr_multiaddr;
    unsigned int ipv6mr_interface;
};
typedef struct wstls_ipv6_mreq IPV6_MREQ, *PIPV6_MREQ;

/* ---- 4. fd_set: a count and an array, FD_SETSIZE chosen by the program (default 64) ---- */
#ifndef FD_SETSIZE
#define FD_SETSIZE 64
#endif
struct wstls_fd_set {
    u_int fd_count;
    SOCKET fd_array[FD_SETSIZE];
};
typedef struct wstls_fd_set FD_SET, *PFD_SET, *LPFD_SET;

#define FD_CLR(fd, set)                                                                            \
    do {                                                                                           \
        u_int wstls_i_;                                                                            \
        for (wstls_i_ = 0; wstls_i_ < ((fd_set *)(set))->fd_count; wstls_i_++) {                   \
            if (((fd_set *)(set))->fd_array[wstls_i_] == (SOCKET)(fd)) {                           \
                while (wstls_i_ + 1 < ((fd_set *)(set))->fd_count) {                               \
                    ((fd_set *)(set))->fd_array[wstls_i_] = ((fd_set *)(set))->fd_array[wstls_i_ + 1]; \
                    wstls_i_++;                                                                    \
                }                                                                                  \
                ((fd_set *)(set))->fd_count--;                                                     \
                break;                                                                             \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* The Winsock 2 FD_SET: appends unless already present or full. */
#define FD_SET(fd, set)                                                                            \
    do {                                                                                           \
        u_int wstls_i_;                                                                            \
        for (wstls_i_ = 0; wstls_i_ < ((fd_set *)(set))->fd_count; wstls_i_++) {                   \
            if (((fd_set *)(set))->fd_array[wstls_i_] == (SOCKET)(fd)) {                           \
                break;                                                                             \
            }                                                                                      \
        }                                                                                          \
        if (wstls_i_ == ((fd_set *)(set))->fd_count && ((fd_set *)(set))->fd_count < FD_SETSIZE) { \
            ((fd_set *)(set))->fd_array[wstls_i_] = (SOCKET)(fd);                                  \
            ((fd_set *)(set))->fd_count++;                                                         \
        }                                                                                          \
    } while (0)

#define FD_ZERO(set) (((fd_set *)(set))->fd_count = 0)
#define FD_ISSET(fd, set) wstls___WSAFDIsSet((SOCKET)(fd), (fd_set *)(set))

/* ---- 5. Constants (Windows values) ---- */
#define INVALID_SOCKET ((SOCKET)(~0))
#define SOCKET_ERROR (-1)
#define FROM_PROTOCOL_INFO (-1)

#define WSADESCRIPTION_LEN 256
#define WSASYS_STATUS_LEN 128
#define MAXGETHOSTSTRUCT 1024

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_RDM 4
#define SOCK_SEQPACKET 5

#define SOL_SOCKET 0xffff
#define SO_DEBUG 0x0001
#define SO_ACCEPTCONN 0x0002
#define SO_REUSEADDR 0x0004
#define SO_KEEPALIVE 0x0008
#define SO_DONTROUTE 0x0010
#define SO_BROADCAST 0x0020
#define SO_USELOOPBACK 0x0040
#define SO_LINGER 0x0080
#define SO_OOBINLINE 0x0100
#define SO_DONTLINGER ((int)(~SO_LINGER))
#define SO_EXCLUSIVEADDRUSE ((int)(~SO_REUSEADDR))
#define SO_SNDBUF 0x1001
#define SO_RCVBUF 0x1002
#define SO_SNDLOWAT 0x1003
#define SO_RCVLOWAT 0x1004
#define SO_SNDTIMEO 0x1005
#define SO_RCVTIMEO 0x1006
#define SO_ERROR 0x1007
#define SO_TYPE 0x1008
#define SO_BSP_STATE 0x1009
#define SO_GROUP_ID 0x2001 /* the same number is CE's SO_SECURE (sslsock.h) */
#define SO_GROUP_PRIORITY 0x2002
#define SO_MAX_MSG_SIZE 0x2003
#define SO_PROTOCOL_INFOA 0x2004
#define SO_PROTOCOL_INFOW 0x2005
#ifdef UNICODE
#define SO_PROTOCOL_INFO SO_PROTOCOL_INFOW
#else
#define SO_PROTOCOL_INFO SO_PROTOCOL_INFOA
#endif
#define PVD_CONFIG 0x3001
#define SO_CONDITIONAL_ACCEPT 0x3002
#define SO_PAUSE_ACCEPT 0x3003
#define SO_COMPARTMENT_ID 0x3004
#define SO_RANDOMIZE_PORT 0x3005
#define SO_PORT_SCALABILITY 0x3006
#define SO_REUSE_UNICASTPORT 0x3007
#define SO_REUSE_MULTICASTPORT 0x3008
#define SO_UPDATE_ACCEPT_CONTEXT 0x700B
#define SO_CONNECT_TIME 0x700C
#define SO_UPDATE_CONNECT_CONTEXT 0x7010

#define TCP_NODELAY 0x0001
#define TCP_BSDURGENT 0x7000

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_IMPLINK 3
#define AF_PUP 4
#define AF_CHAOS 5
#define AF_NS 6
#define AF_IPX AF_NS
#define AF_ISO 7
#define AF_OSI AF_ISO
#define AF_ECMA 8
#define AF_DATAKIT 9
#define AF_CCITT 10
#define AF_SNA 11
#define AF_DECnet 12
#define AF_DLI 13
#define AF_LAT 14
#define AF_HYLINK 15
#define AF_APPLETALK 16
#define AF_NETBIOS 17
#define AF_VOICEVIEW 18
#define AF_FIREFOX 19
#define AF_UNKNOWN1 20
#define AF_BAN 21
#define AF_ATM 22
#define AF_INET6 23
#define AF_CLUSTER 24
#define AF_12844 25
#define AF_IRDA 26
#define AF_NETDES 28
#define AF_TCNPROCESS 29
#define AF_TCNMESSAGE 30
#define AF_ICLFXBM 31
#define AF_BTH 32
#define AF_LINK 33
#define AF_HYPERV 34
#define AF_MAX 35

#define PF_UNSPEC AF_UNSPEC
#define PF_UNIX AF_UNIX
#define PF_INET AF_INET
#define PF_IMPLINK AF_IMPLINK
#define PF_PUP AF_PUP
#define PF_CHAOS AF_CHAOS
#define PF_NS AF_NS
#define PF_IPX AF_IPX
#define PF_ISO AF_ISO
#define PF_OSI AF_OSI
#define PF_ECMA AF_ECMA
#define PF_DATAKIT AF_DATAKIT
#define PF_CCITT AF_CCITT
#define PF_SNA AF_SNA
#define PF_DECnet AF_DECnet
#define PF_DLI AF_DLI
#define PF_LAT AF_LAT
#define PF_HYLINK AF_HYLINK
#define PF_APPLETALK AF_APPLETALK
#define PF_VOICEVIEW AF_VOICEVIEW
#define PF_FIREFOX AF_FIREFOX
#define PF_UNKNOWN1 AF_UNKNOWN1
#define PF_BAN AF_BAN
#define PF_ATM AF_ATM
#define PF_INET6 AF_INET6
#define PF_BTH AF_BTH
#define PF_MAX AF_MAX

#define SOMAXCONN 0x7fffffff
#define SOMAXCONN_HINT(b) (-(b))

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_DONTROUTE 0x4
#define MSG_WAITALL 0x8
#define MSG_INTERRUPT 0x10
#define MSG_PUSH_IMMEDIATE 0x20
#define MSG_PARTIAL 0x8000
#define MSG_MAXIOVLEN 16
#define MSG_TRUNC 0x0100
#define MSG_CTRUNC 0x0200
#define MSG_BCAST 0x0400
#define MSG_MCAST 0x0800
#define MSG_ERRQUEUE 0x1000

#define SD_RECEIVE 0x00
#define SD_SEND 0x01
#define SD_BOTH 0x02

#define INADDR_ANY ((ULONG)0x00000000)
#define INADDR_LOOPBACK 0x7f000001
#define INADDR_BROADCAST ((ULONG)0xffffffff)
#define INADDR_NONE 0xffffffff
#define ADDR_ANY INADDR_ANY

#define IN_CLASSA(i) (((LONG)(i)&0x80000000) == 0)
#define IN_CLASSA_NET 0xff000000
#define IN_CLASSA_NSHIFT 24
#define IN_CLASSA_HOST 0x00ffffff
#define IN_CLASSA_MAX 128
#define IN_CLASSB(i) (((LONG)(i)&0xc0000000) == 0x80000000)
#define IN_CLASSB_NET 0xffff0000
#define IN_CLASSB_NSHIFT 16
#define IN_CLASSB_HOST 0x0000ffff
#define IN_CLASSB_MAX 65536
#define IN_CLASSC(i) (((LONG)(i)&0xe0000000) == 0xc0000000)
#define IN_CLASSC_NET 0xffffff00
#define IN_CLASSC_NSHIFT 8
#define IN_CLASSC_HOST 0x000000ff
#define IN_CLASSD(i) (((LONG)(i)&0xf0000000) == 0xe0000000)
#define IN_CLASSD_NET 0xf0000000
#define IN_CLASSD_NSHIFT 28
#define IN_CLASSD_HOST 0x0fffffff
#define IN_MULTICAST(i) IN_CLASSD(i)

#define IPPORT_ECHO 7
#define IPPORT_DISCARD 9
#define IPPORT_SYSTAT 11
#define IPPORT_DAYTIME 13
#define IPPORT_NETSTAT 15
#define IPPORT_FTP 21
#define IPPORT_TELNET 23
#define IPPORT_SMTP 25
#define IPPORT_TIMESERVER 37
#define IPPORT_NAMESERVER 42
#define IPPORT_WHOIS 43
#define IPPORT_MTP 57
#define IPPORT_TFTP 69
#define IPPORT_RJE 77
#define IPPORT_FINGER 79
#define IPPORT_TTYLINK 87
#define IPPORT_SUPDUP 95
#define IPPORT_HTTPS 443
#define IPPORT_EXECSERVER 512
#define IPPORT_LOGINSERVER 513
#define IPPORT_CMDSERVER 514
#define IPPORT_EFSSERVER 520
#define IPPORT_BIFFUDP 512
#define IPPORT_WHOSERVER 513
#define IPPORT_ROUTESERVER 520
#define IPPORT_RESERVED 1024

/* ioctl encoding and codes: literal 32-bit values (a 64-bit u_long would change them). */
#define IOCPARM_MASK 0x7f
#define IOC_VOID 0x20000000u
#define IOC_OUT 0x40000000u
#define IOC_IN 0x80000000u
#define IOC_INOUT (IOC_IN | IOC_OUT)
#define _IO(x, y) ((u_long)(IOC_VOID | ((u_long)(x) << 8) | (u_long)(y)))
#define _IOR(x, y, t) ((u_long)(IOC_OUT | (((u_long)sizeof(t) & IOCPARM_MASK) << 16) | ((u_long)(x) << 8) | (u_long)(y)))
#define _IOW(x, y, t) ((u_long)(IOC_IN | (((u_long)sizeof(t) & IOCPARM_MASK) << 16) | ((u_long)(x) << 8) | (u_long)(y)))
#define FIONREAD 0x4004667Fu   /* _IOR('f', 127, u_long) */
#define FIONBIO 0x8004667Eu    /* _IOW('f', 126, u_long) */
#define FIOASYNC 0x8004667Du   /* _IOW('f', 125, u_long) */
#define SIOCSHIWAT 0x80047300u /* _IOW('s', 0, u_long) */
#define SIOCGHIWAT 0x40047301u /* _IOR('s', 1, u_long) */
#define SIOCSLOWAT 0x80047302u /* _IOW('s', 2, u_long) */
#define SIOCGLOWAT 0x40047303u /* _IOR('s', 3, u_long) */
#define SIOCATMARK 0x40047307u /* _IOR('s', 7, u_long) */

#define IOC_UNIX 0x00000000u
#define IOC_WS2 0x08000000u
#define IOC_PROTOCOL 0x10000000u
#define IOC_VENDOR 0x18000000u
#define IOC_WSK (IOC_WS2 | 0x07000000u)
#define _WSAIO(x, y) (IOC_VOID | (x) | (y))
#define _WSAIOR(x, y) (IOC_OUT | (x) | (y))
#define _WSAIOW(x, y) (IOC_IN | (x) | (y))
#define _WSAIORW(x, y) (IOC_INOUT | (x) | (y))
#define SIO_ASSOCIATE_HANDLE _WSAIOW(IOC_WS2, 1)
#define SIO_ENABLE_CIRCULAR_QUEUEING _WSAIO(IOC_WS2, 2)
#define SIO_FIND_ROUTE _WSAIOR(IOC_WS2, 3)
#define SIO_FLUSH _WSAIO(IOC_WS2, 4)
#define SIO_GET_BROADCAST_ADDRESS _WSAIOR(IOC_WS2, 5)
#define SIO_GET_EXTENSION_FUNCTION_POINTER _WSAIORW(IOC_WS2, 6)
#define SIO_GET_QOS _WSAIORW(IOC_WS2, 7)
#define SIO_GET_GROUP_QOS _WSAIORW(IOC_WS2, 8)
#define SIO_MULTIPOINT_LOOPBACK _WSAIOW(IOC_WS2, 9)
#define SIO_MULTICAST_SCOPE _WSAIOW(IOC_WS2, 10)
#define SIO_SET_QOS _WSAIOW(IOC_WS2, 11)
#define SIO_SET_GROUP_QOS _WSAIOW(IOC_WS2, 12)
#define SIO_TRANSLATE_HANDLE _WSAIORW(IOC_WS2, 13)
#define SIO_ROUTING_INTERFACE_QUERY _WSAIORW(IOC_WS2, 20)
#define SIO_ROUTING_INTERFACE_CHANGE _WSAIOW(IOC_WS2, 21)
#define SIO_ADDRESS_LIST_QUERY _WSAIOR(IOC_WS2, 22)
#define SIO_ADDRESS_LIST_CHANGE _WSAIO(IOC_WS2, 23)
#define SIO_QUERY_TARGET_PNP_HANDLE _WSAIOR(IOC_WS2, 24)
#define SIO_ADDRESS_LIST_SORT _WSAIORW(IOC_WS2, 25)

/* WSAPoll flags (Windows values). */
#define POLLRDNORM 0x0100
#define POLLRDBAND 0x0200
#define POLLIN (POLLRDNORM | POLLRDBAND)
#define POLLPRI 0x0400
#define POLLWRNORM 0x0010
#define POLLOUT (POLLWRNORM)
#define POLLWRBAND 0x0020
#define POLLERR 0x0001
#define POLLHUP 0x0002
#define POLLNVAL 0x0004

/* WSAAsyncSelect/WSAEventSelect event bits (defined for source compatibility). */
#define FD_READ_BIT 0
#define FD_READ (1 << FD_READ_BIT)
#define FD_WRITE_BIT 1
#define FD_WRITE (1 << FD_WRITE_BIT)
#define FD_OOB_BIT 2
#define FD_OOB (1 << FD_OOB_BIT)
#define FD_ACCEPT_BIT 3
#define FD_ACCEPT (1 << FD_ACCEPT_BIT)
#define FD_CONNECT_BIT 4
#define FD_CONNECT (1 << FD_CONNECT_BIT)
#define FD_CLOSE_BIT 5
#define FD_CLOSE (1 << FD_CLOSE_BIT)
#define FD_MAX_EVENTS 10
#define FD_ALL_EVENTS ((1 << FD_MAX_EVENTS) - 1)

/* getaddrinfo flags and getnameinfo flags (ws2def.h values). */
#define AI_PASSIVE 0x00000001
#define AI_CANONNAME 0x00000002
#define AI_NUMERICHOST 0x00000004
#define AI_NUMERICSERV 0x00000008
#define AI_DNS_ONLY 0x00000010
#define AI_FORCE_CLEAR_TEXT 0x00000020
#define AI_BYPASS_DNS_CACHE 0x00000040
#define AI_RETURN_TTL 0x00000080
#define AI_ALL 0x00000100
#define AI_ADDRCONFIG 0x00000400
#define AI_V4MAPPED 0x00000800
#define AI_NON_AUTHORITATIVE 0x00004000
#define AI_SECURE 0x00008000
#define AI_RETURN_PREFERRED_NAMES 0x00010000
#define AI_FQDN 0x00020000
#define AI_FILESERVER 0x00040000
#define AI_DISABLE_IDN_ENCODING 0x00080000
#define NI_NOFQDN 0x01
#define NI_NUMERICHOST 0x02
#define NI_NAMEREQD 0x04
#define NI_NUMERICSERV 0x08
#define NI_DGRAM 0x10
#define NI_MAXHOST 1025
#define NI_MAXSERV 32

/* Error codes (WSABASEERR + the 4.xBSD errno; not the Linux errno values). */
#define WSABASEERR 10000
#define WSAEINTR (WSABASEERR + 4)
#define WSAEBADF (WSABASEERR + 9)
#define WSAEACCES (WSABASEERR + 13)
#define WSAEFAULT (WSABASEERR + 14)
#define WSAEINVAL (WSABASEERR + 22)
#define WSAEMFILE (WSABASEERR + 24)
#define WSAEWOULDBLOCK (WSABASEERR + 35)
#define WSAEINPROGRESS (WSABASEERR + 36)
#define WSAEALREADY (WSABASEERR + 37)
#define WSAENOTSOCK (WSABASEERR + 38)
#define WSAEDESTADDRREQ (WSABASEERR + 39)
#define WSAEMSGSIZE (WSABASEERR + 40)
#define WSAEPROTOTYPE (WSABASEERR + 41)
#define WSAENOPROTOOPT (WSABASEERR + 42)
#define WSAEPROTONOSUPPORT (WSABASEERR + 43)
#define WSAESOCKTNOSUPPORT (WSABASEERR + 44)
#define WSAEOPNOTSUPP (WSABASEERR + 45)
#define WSAEPFNOSUPPORT (WSABASEERR + 46)
#define WSAEAFNOSUPPORT (WSABASEERR + 47)
#define WSAEADDRINUSE (WSABASEERR + 48)
#define WSAEADDRNOTAVAIL (WSABASEERR + 49)
#define WSAENETDOWN (WSABASEERR + 50)
#define WSAENETUNREACH (WSABASEERR + 51)
#define WSAENETRESET (WSABASEERR + 52)
#define WSAECONNABORTED (WSABASEERR + 53)
#define WSAECONNRESET (WSABASEERR + 54)
#define WSAENOBUFS (WSABASEERR + 55)
#define WSAEISCONN (WSABASEERR + 56)
#define WSAENOTCONN (WSABASEERR + 57)
#define WSAESHUTDOWN (WSABASEERR + 58)
#define WSAETOOMANYREFS (WSABASEERR + 59)
#define WSAETIMEDOUT (WSABASEERR + 60)
#define WSAECONNREFUSED (WSABASEERR + 61)
#define WSAELOOP (WSABASEERR + 62)
#define WSAENAMETOOLONG (WSABASEERR + 63)
#define WSAEHOSTDOWN (WSABASEERR + 64)
#define WSAEHOSTUNREACH (WSABASEERR + 65)
#define WSAENOTEMPTY (WSABASEERR + 66)
#define WSAEPROCLIM (WSABASEERR + 67)
#define WSAEUSERS (WSABASEERR + 68)
#define WSAEDQUOT (WSABASEERR + 69)
#define WSAESTALE (WSABASEERR + 70)
#define WSAEREMOTE (WSABASEERR + 71)
#define WSASYSNOTREADY (WSABASEERR + 91)
#define WSAVERNOTSUPPORTED (WSABASEERR + 92)
#define WSANOTINITIALISED (WSABASEERR + 93)
#define WSAEDISCON (WSABASEERR + 101)
#define WSAENOMORE (WSABASEERR + 102)
#define WSAECANCELLED (WSABASEERR + 103)
#define WSAEINVALIDPROCTABLE (WSABASEERR + 104)
#define WSAEINVALIDPROVIDER (WSABASEERR + 105)
#define WSAEPROVIDERFAILEDINIT (WSABASEERR + 106)
#define WSASYSCALLFAILURE (WSABASEERR + 107)
#define WSASERVICE_NOT_FOUND (WSABASEERR + 108)
#define WSATYPE_NOT_FOUND (WSABASEERR + 109)
#define WSA_E_NO_MORE (WSABASEERR + 110)
#define WSA_E_CANCELLED (WSABASEERR + 111)
#define WSAEREFUSED (WSABASEERR + 112)
#define WSAHOST_NOT_FOUND (WSABASEERR + 1001)
#define WSATRY_AGAIN (WSABASEERR + 1002)
#define WSANO_RECOVERY (WSABASEERR + 1003)
#define WSANO_DATA (WSABASEERR + 1004)
#define WSANO_ADDRESS WSANO_DATA
#define WSA_IO_PENDING (ERROR_IO_PENDING)
#define WSA_IO_INCOMPLETE 996L
#define WSA_INVALID_HANDLE (ERROR_INVALID_HANDLE)
#define WSA_INVALID_PARAMETER (ERROR_INVALID_PARAMETER)
#define WSA_NOT_ENOUGH_MEMORY (ERROR_NOT_ENOUGH_MEMORY)
#define WSA_OPERATION_ABORTED 995L

/* The resolver's h_errno names, on Windows the thread's last Winsock error. */
#define h_errno WSAGetLastError()
#define HOST_NOT_FOUND WSAHOST_NOT_FOUND
#define TRY_AGAIN WSATRY_AGAIN
#define NO_RECOVERY WSANO_RECOVERY
#define NO_DATA WSANO_DATA
#define NO_ADDRESS WSANO_ADDRESS

/* ---- 6. Function names -> wstls_ symbols (prototypes in include/wstls.h) ---- */
/* glibc makes the byte-order functions macros when optimizing. */
#undef htons
#undef htonl
#undef ntohs
#undef ntohl
#ifndef WSTLS_NO_NAME_MAPPING
#define WSAStartup wstls_WSAStartup
#define WSACleanup wstls_WSACleanup
#define WSAGetLastError wstls_WSAGetLastError
#define WSASetLastError wstls_WSASetLastError
#define socket wstls_socket
#define closesocket wstls_closesocket
#define bind wstls_bind
#define listen wstls_listen
#define accept wstls_accept
#define connect wstls_connect
#define shutdown wstls_shutdown
#define send wstls_send
#define recv wstls_recv
#define sendto wstls_sendto
#define recvfrom wstls_recvfrom
#define WSASend wstls_WSASend
#define WSARecv wstls_WSARecv
#define getsockname wstls_getsockname
#define getpeername wstls_getpeername
#define setsockopt wstls_setsockopt
#define getsockopt wstls_getsockopt
#define ioctlsocket wstls_ioctlsocket
#define WSAIoctl wstls_WSAIoctl
#define select wstls_select
#define __WSAFDIsSet wstls___WSAFDIsSet
#define WSAPoll wstls_WSAPoll
#define gethostbyname wstls_gethostbyname
#define gethostbyaddr wstls_gethostbyaddr
#define gethostname wstls_gethostname
#define inet_addr wstls_inet_addr
#define inet_ntoa wstls_inet_ntoa
#define htons wstls_htons
#define htonl wstls_htonl
#define ntohs wstls_ntohs
#define ntohl wstls_ntohl
#else
#undef h_errno
#define h_errno wstls_WSAGetLastError()
#endif

#endif /* WSTLS_COMPAT_WINSOCK2_H */
