/*
 * wstls_secsock.h - Winsock Secure Socket Extensions for programs built against wstls.
 *
 * The declarations Windows spreads over mstcpip.h (types, flags, SIO_* control codes) and
 * ws2tcpip.h (WSASetSocketSecurity & co), with the Windows names, values and layouts, mapped
 * onto the wstls_ symbols of libwstls (unless WSTLS_NO_NAME_MAPPING is defined). mstcpip.h and
 * ws2tcpip.h include this file; it needs only wstls.h (it uses fixed-width types, and defines
 * GUID itself unless GUID_DEFINED). Windows secures these sockets with IPsec, wstls with TLS:
 * see docs/secure-socket-extensions.md.
 *
 * Windows declares these only for _WIN32_WINNT >= 0x0600 (Vista) and defines
 * _SECURE_SOCKET_TYPES_DEFINED_; so does this header, unconditionally.
 */
#ifndef WSTLS_COMPAT_SECSOCK_H
#define WSTLS_COMPAT_SECSOCK_H

#include "wstls.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _SECURE_SOCKET_TYPES_DEFINED_
#define _SECURE_SOCKET_TYPES_DEFINED_

/* ---- SOCKET_SECURITY_PROTOCOL (a 4-byte enum) ---- */
#define _SOCKET_SECURITY_PROTOCOL wstls_SOCKET_SECURITY_PROTOCOL
typedef wstls_SOCKET_SECURITY_PROTOCOL SOCKET_SECURITY_PROTOCOL, *PSOCKET_SECURITY_PROTOCOL;
#define SOCKET_SECURITY_PROTOCOL_DEFAULT wstls_SOCKET_SECURITY_PROTOCOL_DEFAULT
#define SOCKET_SECURITY_PROTOCOL_IPSEC   wstls_SOCKET_SECURITY_PROTOCOL_IPSEC
#define SOCKET_SECURITY_PROTOCOL_IPSEC2  wstls_SOCKET_SECURITY_PROTOCOL_IPSEC2
#define SOCKET_SECURITY_PROTOCOL_INVALID wstls_SOCKET_SECURITY_PROTOCOL_INVALID

/* ---- SecurityFlags ---- */
#define SOCKET_SETTINGS_GUARANTEE_ENCRYPTION 0x1
#define SOCKET_SETTINGS_ALLOW_INSECURE       0x2

/* ---- IpsecFlags (IPsec settings are refused by wstls: WSAEOPNOTSUPP) ---- */
#define SOCKET_SETTINGS_IPSEC_SKIP_FILTER_INSTANTIATION          0x1
#define SOCKET_SETTINGS_IPSEC_OPTIONAL_PEER_NAME_VERIFICATION    0x2
#define SOCKET_SETTINGS_IPSEC_ALLOW_FIRST_INBOUND_PKT_UNENCRYPTED 0x4
#define SOCKET_SETTINGS_IPSEC_PEER_NAME_IS_RAW_FORMAT            0x8

/* ---- WSAQuerySocketSecurity Flags ---- */
#define SOCKET_INFO_CONNECTION_SECURED      0x1
#define SOCKET_INFO_CONNECTION_ENCRYPTED    0x2
#define SOCKET_INFO_CONNECTION_IMPERSONATED 0x4

/* ---- IPSEC2 query template ---- */
#define SOCKET_QUERY_IPSEC2_ABORT_CONNECTION_ON_FIELD_CHANGE 0x1
#define SOCKET_QUERY_IPSEC2_FIELD_MASK_MM_SA_ID 0x1
#define SOCKET_QUERY_IPSEC2_FIELD_MASK_QM_SA_ID 0x2

/* ---- structures shared with libwstls (layouts of the Windows SDK) ---- */
#define _SOCKET_SECURITY_SETTINGS wstls_SOCKET_SECURITY_SETTINGS
typedef wstls_SOCKET_SECURITY_SETTINGS SOCKET_SECURITY_SETTINGS;

/* AllStrings[] is a flexible array on Windows; AllStrings[1] has the same sizeof (144). */
#define _SOCKET_PEER_TARGET_NAME wstls_SOCKET_PEER_TARGET_NAME
typedef wstls_SOCKET_PEER_TARGET_NAME SOCKET_PEER_TARGET_NAME;

#define _SOCKET_SECURITY_QUERY_TEMPLATE wstls_SOCKET_SECURITY_QUERY_TEMPLATE
typedef wstls_SOCKET_SECURITY_QUERY_TEMPLATE SOCKET_SECURITY_QUERY_TEMPLATE;

#define _SOCKET_SECURITY_QUERY_INFO wstls_SOCKET_SECURITY_QUERY_INFO
typedef wstls_SOCKET_SECURITY_QUERY_INFO SOCKET_SECURITY_QUERY_INFO;

/* ---- IPsec-only structures: declared so that Windows code compiles; wstls refuses them ---- */
#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} GUID;
#endif

typedef struct _SOCKET_SECURITY_SETTINGS_IPSEC {
    SOCKET_SECURITY_PROTOCOL SecurityProtocol;
    uint32_t SecurityFlags;
    uint32_t IpsecFlags;
    GUID AuthipMMPolicyKey;
    GUID AuthipQMPolicyKey;
    GUID Reserved;
    uint64_t Reserved2;
    uint32_t UserNameStringLen;
    uint32_t DomainNameStringLen;
    uint32_t PasswordStringLen;
    wstls_WCHAR AllStrings[1]; /* flexible on Windows; same sizeof (88) */
} SOCKET_SECURITY_SETTINGS_IPSEC;

typedef struct _SOCKET_SECURITY_QUERY_TEMPLATE_IPSEC2 {
    SOCKET_SECURITY_PROTOCOL SecurityProtocol;
    wstls_sockaddr_storage PeerAddress;
    uint32_t PeerTokenAccessMask;
    uint32_t Flags;
    uint32_t FieldMask;
} SOCKET_SECURITY_QUERY_TEMPLATE_IPSEC2;

typedef struct _SOCKET_SECURITY_QUERY_INFO_IPSEC2 {
    SOCKET_SECURITY_PROTOCOL SecurityProtocol;
    uint32_t Flags;
    uint64_t PeerApplicationAccessTokenHandle;
    uint64_t PeerMachineAccessTokenHandle;
    uint64_t MmSaId;
    uint64_t QmSaId;
    uint32_t NegotiationWinerr;
    GUID SaLookupContext;
} SOCKET_SECURITY_QUERY_INFO_IPSEC2;

#endif /* _SECURE_SOCKET_TYPES_DEFINED_ */

/* ---- WSAIoctl control codes: _WSAIOW(IOC_VENDOR, 200...) / _WSAIORW / _WSAIOR ---- */
#ifndef SIO_SET_SECURITY
#define SIO_SET_SECURITY                  0x980000C8u
#define SIO_QUERY_SECURITY                0xD80000C9u
#define SIO_SET_PEER_TARGET_NAME          0x980000CAu
#define SIO_DELETE_PEER_TARGET_NAME       0x980000CBu
#define SIO_SOCKET_USAGE_NOTIFICATION     0x980000CCu
#define SIO_QUERY_WFP_ALE_ENDPOINT_HANDLE 0x580000CDu
#endif
#ifndef SYSTEM_CRITICAL_SOCKET
#define SYSTEM_CRITICAL_SOCKET 1
#endif

/* ---- functions (ws2tcpip.h; Fwpuclnt.lib on Windows) ---- */
#ifndef WSTLS_NO_NAME_MAPPING
#define WSASetSocketSecurity          wstls_WSASetSocketSecurity
#define WSAQuerySocketSecurity        wstls_WSAQuerySocketSecurity
#define WSASetSocketPeerTargetName    wstls_WSASetSocketPeerTargetName
#define WSADeleteSocketPeerTargetName wstls_WSADeleteSocketPeerTargetName
#define WSAImpersonateSocketPeer      wstls_WSAImpersonateSocketPeer
#define WSARevertImpersonation        wstls_WSARevertImpersonation
#endif

#ifdef __cplusplus
}
#endif

#endif /* WSTLS_COMPAT_SECSOCK_H */
