/*
 * winsock.h - wstls compatibility header (Linux): Winsock 1.1 programs get the Winsock 2
 * definitions of winsock2.h (a superset). Differences from Winsock 1.1's own header: the
 * Winsock 2 values of SOMAXCONN (0x7fffffff) and of the IP_* options, and an FD_SET that
 * skips duplicates. See docs/porting.md.
 */
#ifndef WSTLS_COMPAT_WINSOCK_H
#define WSTLS_COMPAT_WINSOCK_H
#include "winsock2.h"
#endif /* WSTLS_COMPAT_WINSOCK_H */
