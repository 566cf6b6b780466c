/* Layouts and values of the Secure Socket Extensions declarations (mstcpip.h/ws2tcpip.h, from
 * include/compat/wstls_secsock.h) against the Windows SDK (docs/secure-socket-extensions.md),
 * and the function names with their Windows prototypes. Compiled as C and as C++
 * (test_secsock_layout_cxx.cpp); a failed static assertion stops the build, and the program
 * also checks at run time. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
#define SA(c, m) static_assert(c, m)
#else
#define SA(c, m) _Static_assert(c, m)
#endif

SA(sizeof(SOCKET_SECURITY_PROTOCOL) == 4, "enum is 4 bytes");
SA(SOCKET_SECURITY_PROTOCOL_DEFAULT == 0 && SOCKET_SECURITY_PROTOCOL_IPSEC == 1, "protocol values");
SA(SOCKET_SECURITY_PROTOCOL_IPSEC2 == 2 && SOCKET_SECURITY_PROTOCOL_INVALID == 3, "protocol values");
SA(sizeof(SOCKET_SECURITY_SETTINGS) == 8, "SOCKET_SECURITY_SETTINGS");
SA(offsetof(SOCKET_SECURITY_SETTINGS, SecurityFlags) == 4, "SecurityFlags");
SA(sizeof(SOCKET_SECURITY_SETTINGS_IPSEC) == 88, "SOCKET_SECURITY_SETTINGS_IPSEC");
SA(offsetof(SOCKET_SECURITY_SETTINGS_IPSEC, AuthipMMPolicyKey) == 12, "AuthipMMPolicyKey");
SA(offsetof(SOCKET_SECURITY_SETTINGS_IPSEC, Reserved2) == 64, "Reserved2");
SA(offsetof(SOCKET_SECURITY_SETTINGS_IPSEC, UserNameStringLen) == 72, "UserNameStringLen");
SA(offsetof(SOCKET_SECURITY_SETTINGS_IPSEC, AllStrings) == 84, "IPSEC AllStrings");
SA(sizeof(SOCKET_PEER_TARGET_NAME) == 144, "SOCKET_PEER_TARGET_NAME");
SA(offsetof(SOCKET_PEER_TARGET_NAME, PeerAddress) == 8, "PeerAddress");
SA(offsetof(SOCKET_PEER_TARGET_NAME, PeerTargetNameStringLen) == 136, "PeerTargetNameStringLen");
SA(offsetof(SOCKET_PEER_TARGET_NAME, AllStrings) == 140, "AllStrings");
SA(sizeof(SOCKET_SECURITY_QUERY_TEMPLATE) == 144, "SOCKET_SECURITY_QUERY_TEMPLATE");
SA(offsetof(SOCKET_SECURITY_QUERY_TEMPLATE, PeerTokenAccessMask) == 136, "PeerTokenAccessMask");
SA(sizeof(SOCKET_SECURITY_QUERY_TEMPLATE_IPSEC2) == 152, "SOCKET_SECURITY_QUERY_TEMPLATE_IPSEC2");
SA(offsetof(SOCKET_SECURITY_QUERY_TEMPLATE_IPSEC2, FieldMask) == 144, "FieldMask");
SA(sizeof(SOCKET_SECURITY_QUERY_INFO) == 24, "SOCKET_SECURITY_QUERY_INFO");
SA(offsetof(SOCKET_SECURITY_QUERY_INFO, PeerApplicationAccessTokenHandle) == 8, "token handle");
SA(offsetof(SOCKET_SECURITY_QUERY_INFO, PeerMachineAccessTokenHandle) == 16, "token handle");
SA(sizeof(SOCKET_SECURITY_QUERY_INFO_IPSEC2) == 64, "SOCKET_SECURITY_QUERY_INFO_IPSEC2");
SA(offsetof(SOCKET_SECURITY_QUERY_INFO_IPSEC2, NegotiationWinerr) == 40, "NegotiationWinerr");
SA(offsetof(SOCKET_SECURITY_QUERY_INFO_IPSEC2, SaLookupContext) == 44, "SaLookupContext");
SA(sizeof(((SOCKET_PEER_TARGET_NAME *)0)->AllStrings[0]) == 2, "UTF-16 WCHAR");
SA(SIO_SET_SECURITY == 0x980000C8u && SIO_QUERY_SECURITY == 0xD80000C9u, "SIO codes");
SA(SIO_SET_PEER_TARGET_NAME == 0x980000CAu && SIO_DELETE_PEER_TARGET_NAME == 0x980000CBu, "SIO codes");
SA(SOCKET_SETTINGS_GUARANTEE_ENCRYPTION == 1 && SOCKET_SETTINGS_ALLOW_INSECURE == 2, "flags");
SA(SOCKET_INFO_CONNECTION_SECURED == 1 && SOCKET_INFO_CONNECTION_ENCRYPTED == 2, "flags");

/* The names map onto functions with the Windows prototypes (exact types, checked by C++). */
static INT (*const set_security)(SOCKET, const SOCKET_SECURITY_SETTINGS *, ULONG, LPWSAOVERLAPPED,
                                             LPWSAOVERLAPPED_COMPLETION_ROUTINE) = WSASetSocketSecurity;
static INT (*const query_security)(SOCKET, const SOCKET_SECURITY_QUERY_TEMPLATE *, ULONG, SOCKET_SECURITY_QUERY_INFO *,
                                   ULONG *, LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE) = WSAQuerySocketSecurity;
static INT (*const set_name)(SOCKET, const SOCKET_PEER_TARGET_NAME *, ULONG, LPWSAOVERLAPPED,
                             LPWSAOVERLAPPED_COMPLETION_ROUTINE) = WSASetSocketPeerTargetName;
static INT (*const delete_name)(SOCKET, const struct sockaddr *, ULONG, LPWSAOVERLAPPED,
                                LPWSAOVERLAPPED_COMPLETION_ROUTINE) = WSADeleteSocketPeerTargetName;
static INT (*const impersonate)(SOCKET, const struct sockaddr *, ULONG) = WSAImpersonateSocketPeer;
static INT (*const revert)(void) = WSARevertImpersonation;

int main(void) {
    /* Reading the enum back into its own type works in C and C++. */
    SOCKET_SECURITY_SETTINGS s = {SOCKET_SECURITY_PROTOCOL_DEFAULT, SOCKET_SETTINGS_GUARANTEE_ENCRYPTION};
    SOCKET_SECURITY_PROTOCOL p = s.SecurityProtocol;
    struct _SOCKET_SECURITY_SETTINGS *tagged = &s;
    if (p != SOCKET_SECURITY_PROTOCOL_DEFAULT || tagged->SecurityFlags != 1) {
        printf("FAIL: settings\n");
        return 1;
    }
    (void)query_security;
    (void)set_name;
    (void)delete_name;
    (void)impersonate;
    /* Without WSAStartup every call fails with WSANOTINITIALISED: the names reach libwstls. */
    if (revert() != 0) {
        printf("FAIL: WSARevertImpersonation\n");
        return 1;
    }
    if (set_security(1, &s, sizeof(s), NULL, NULL) != SOCKET_ERROR || WSAGetLastError() != WSANOTINITIALISED) {
        printf("FAIL: WSASetSocketSecurity before WSAStartup: %d\n", WSAGetLastError());
        return 1;
    }
    printf("ok\n");
    return 0;
}
