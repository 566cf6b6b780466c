/*
 * mstcpip.h - wstls compatibility header (Linux): Microsoft TCP/IP extensions (the
 * SIO_KEEPALIVE_VALS argument and the vendor control codes), Windows values. wstls does not
 * implement these control codes yet: WSAIoctl fails with WSAEINVAL/WSAEOPNOTSUPP for them
 * (docs/compatibility.md).
 */
#ifndef WSTLS_COMPAT_MSTCPIP_H
#define WSTLS_COMPAT_MSTCPIP_H

#include "winsock2.h"

/* Argument of SIO_KEEPALIVE_VALS: three 32-bit u_longs (12 bytes). */
struct tcp_keepalive {
    u_long onoff;
    u_long keepalivetime;
    u_long keepaliveinterval;
};

#define SIO_RCVALL _WSAIOW(IOC_VENDOR, 1)
#define SIO_RCVALL_MCAST _WSAIOW(IOC_VENDOR, 2)
#define SIO_RCVALL_IGMPMCAST _WSAIOW(IOC_VENDOR, 3)
#define SIO_KEEPALIVE_VALS _WSAIOW(IOC_VENDOR, 4)
#define SIO_ABSORB_RTRALERT _WSAIOW(IOC_VENDOR, 5)
#define SIO_UCAST_IF _WSAIOW(IOC_VENDOR, 6)
#define SIO_LIMIT_BROADCASTS _WSAIOW(IOC_VENDOR, 7)
#define SIO_INDEX_BIND _WSAIOW(IOC_VENDOR, 8)
#define SIO_INDEX_MCASTIF _WSAIOW(IOC_VENDOR, 9)
#define SIO_INDEX_ADD_MCAST _WSAIOW(IOC_VENDOR, 10)
#define SIO_INDEX_DEL_MCAST _WSAIOW(IOC_VENDOR, 11)
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#define SIO_RCVALL_MCAST_IF _WSAIOW(IOC_VENDOR, 13)
#define SIO_RCVALL_IF _WSAIOW(IOC_VENDOR, 14)
#define SIO_LOOPBACK_FAST_PATH _WSAIOW(IOC_VENDOR, 16)

#define RCVALL_OFF 0
#define RCVALL_ON 1
#define RCVALL_SOCKETLEVELONLY 2
#define RCVALL_IPLEVEL 3

/* Secure socket extensions (types, flags and SIO_* codes): include/compat/wstls_secsock.h. */
#include "wstls_secsock.h"

#endif /* WSTLS_COMPAT_MSTCPIP_H */
