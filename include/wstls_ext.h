/*
 * wstls_ext.h - wstls's own WSAIoctl control codes and values (not part of any Windows SDK).
 * The structures (wstls_WSTLS_CREDENTIALS, wstls_WSTLS_VERIFY_RESULT, wstls_WSTLS_SESSION_INFO)
 * come from the generated wstls.h. See docs/extensions.md.
 *
 * The codes live in family 0x0057 ('W') under IOC_PROTOCOL, a range Windows does not use.
 */
#ifndef WSTLS_EXT_H
#define WSTLS_EXT_H

#include <wstls.h>

#define WSTLS_SO_FAMILY                  0x00570000u
#define WSTLS_SO_SET_SERVER_CREDENTIALS  0x90570001u /* in: WSTLS_CREDENTIALS */
#define WSTLS_SO_SET_CLIENT_CREDENTIALS  0x90570002u /* in: WSTLS_CREDENTIALS */
#define WSTLS_SO_SET_VERIFY_MODE         0x90570003u /* in: DWORD WSTLS_VERIFY_* */
#define WSTLS_SO_GET_VERIFY_MODE         0x50570003u /* out: DWORD */
#define WSTLS_SO_SET_CLIENT_CA           0x90570004u /* in: WSTLS_CREDENTIALS (certificate part) */
#define WSTLS_SO_GET_VERIFY_RESULT       0x50570005u /* out: WSTLS_VERIFY_RESULT */
#define WSTLS_SO_GET_PEER_CERTIFICATE    0xD0570006u /* in: DWORD index; out: DER bytes */
#define WSTLS_SO_SET_ALPN                0x90570007u /* in: ALPN list, wire format */
#define WSTLS_SO_GET_ALPN                0x50570007u /* out: protocol bytes */
#define WSTLS_SO_GET_SESSION_INFO        0x50570008u /* out: WSTLS_SESSION_INFO */

/* Verify modes (the OpenSSL-style SSL_VERIFY_* values). */
#define WSTLS_VERIFY_NONE                 0u
#define WSTLS_VERIFY_PEER                 1u
#define WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT 2u
#define WSTLS_VERIFY_CLIENT_ONCE          4u
#ifndef SSL_VERIFY_NONE
#define SSL_VERIFY_NONE                 WSTLS_VERIFY_NONE
#define SSL_VERIFY_PEER                 WSTLS_VERIFY_PEER
#define SSL_VERIFY_FAIL_IF_NO_PEER_CERT WSTLS_VERIFY_FAIL_IF_NO_PEER_CERT
#define SSL_VERIFY_CLIENT_ONCE          WSTLS_VERIFY_CLIENT_ONCE
#endif

typedef wstls_WSTLS_CREDENTIALS WSTLS_CREDENTIALS;
typedef wstls_WSTLS_VERIFY_RESULT WSTLS_VERIFY_RESULT;
typedef wstls_WSTLS_SESSION_INFO WSTLS_SESSION_INFO;

#endif /* WSTLS_EXT_H */
