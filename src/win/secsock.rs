//! Winsock Secure Socket Extensions (`mstcpip.h`, `ws2tcpip.h`): control codes, enumeration
//! and flag values, structures (Windows SDK layouts; no pointers, so 32- and 64-bit layouts
//! are the same).
//!
//! The structures are emitted into `include/wstls.h` as `wstls_<Name>` and mapped to their
//! Windows names by `include/compat/wstls_secsock.h`. Rust code never reads them through a
//! typed reference built from caller memory (the enumeration field could hold any value): it
//! reads the raw fields at the offsets below (see `net::secsock`).
#![allow(non_camel_case_types, non_snake_case)]

use super::winsock::sockaddr_storage;

/// A UTF-16 code unit (Windows `wchar_t`, 2 bytes). The generated header defines
/// `wstls_WCHAR` itself (as `wchar_t` under C++ with `-fshort-wchar`, else `uint16_t`).
pub type WCHAR = u16;

/// `SOCKET_SECURITY_PROTOCOL`, a 4-byte C `enum`. Values outside 0..=2 are rejected with
/// `WSAEINVAL` before the field is ever used as this type. The enumerators carry the `wstls_`
/// prefix in the generated header; `include/compat/wstls_secsock.h` gives the Windows names.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SOCKET_SECURITY_PROTOCOL {
    /// "Default": on Windows IPsec; with wstls, TLS.
    wstls_SOCKET_SECURITY_PROTOCOL_DEFAULT = 0,
    /// IPsec (not available with wstls: `WSAEOPNOTSUPP`).
    wstls_SOCKET_SECURITY_PROTOCOL_IPSEC = 1,
    /// IPsec, version 2 of the API (Windows 7; not available with wstls: `WSAEOPNOTSUPP`).
    wstls_SOCKET_SECURITY_PROTOCOL_IPSEC2 = 2,
    /// Sentinel.
    wstls_SOCKET_SECURITY_PROTOCOL_INVALID = 3,
}

pub const PROTOCOL_DEFAULT: u32 = 0;
pub const PROTOCOL_IPSEC: u32 = 1;
pub const PROTOCOL_IPSEC2: u32 = 2;
pub const PROTOCOL_INVALID: u32 = 3;

/// `SOCKET_SECURITY_SETTINGS` (8 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SOCKET_SECURITY_SETTINGS {
    pub SecurityProtocol: SOCKET_SECURITY_PROTOCOL,
    /// `SOCKET_SETTINGS_*`.
    pub SecurityFlags: u32,
}

/// `SOCKET_PEER_TARGET_NAME` (`sizeof` 144): the name starts at `AllStrings` (offset 140) and
/// runs for `PeerTargetNameStringLen` characters (bytes for `SOCKET_SECURITY_PROTOCOL_IPSEC2`).
/// Windows declares `AllStrings[]`; a one-element array gives the same `sizeof`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SOCKET_PEER_TARGET_NAME {
    pub SecurityProtocol: SOCKET_SECURITY_PROTOCOL,
    /// Peer address (datagram sockets; ignored for TCP).
    pub PeerAddress: sockaddr_storage,
    pub PeerTargetNameStringLen: u32,
    pub AllStrings: [WCHAR; 1],
}

/// `SOCKET_SECURITY_QUERY_TEMPLATE` (`sizeof` 144).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SOCKET_SECURITY_QUERY_TEMPLATE {
    pub SecurityProtocol: SOCKET_SECURITY_PROTOCOL,
    /// Ignored for connected TCP sockets.
    pub PeerAddress: sockaddr_storage,
    /// Access mask for peer token handles (wstls never returns tokens: they stay 0).
    pub PeerTokenAccessMask: u32,
}

/// `SOCKET_SECURITY_QUERY_INFO` (24 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SOCKET_SECURITY_QUERY_INFO {
    pub SecurityProtocol: SOCKET_SECURITY_PROTOCOL,
    /// `SOCKET_INFO_*`.
    pub Flags: u32,
    /// Always 0 with wstls (Linux has no Windows access tokens).
    pub PeerApplicationAccessTokenHandle: u64,
    /// Always 0 with wstls.
    pub PeerMachineAccessTokenHandle: u64,
}

// ---- control codes (`_WSAIOW(IOC_VENDOR, 200)` ...) ----
pub const SIO_SET_SECURITY: u32 = 0x9800_00C8;
pub const SIO_QUERY_SECURITY: u32 = 0xD800_00C9;
pub const SIO_SET_PEER_TARGET_NAME: u32 = 0x9800_00CA;
pub const SIO_DELETE_PEER_TARGET_NAME: u32 = 0x9800_00CB;
pub const SIO_SOCKET_USAGE_NOTIFICATION: u32 = 0x9800_00CC;
pub const SIO_QUERY_WFP_ALE_ENDPOINT_HANDLE: u32 = 0x5800_00CD;

// ---- SecurityFlags ----
pub const SOCKET_SETTINGS_GUARANTEE_ENCRYPTION: u32 = 0x1;
pub const SOCKET_SETTINGS_ALLOW_INSECURE: u32 = 0x2;
/// Every `SecurityFlags` bit Windows defines.
pub const SOCKET_SETTINGS_KNOWN: u32 =
    SOCKET_SETTINGS_GUARANTEE_ENCRYPTION | SOCKET_SETTINGS_ALLOW_INSECURE;

// ---- IpsecFlags (for reference; IPsec settings are refused) ----
pub const SOCKET_SETTINGS_IPSEC_SKIP_FILTER_INSTANTIATION: u32 = 0x1;
pub const SOCKET_SETTINGS_IPSEC_OPTIONAL_PEER_NAME_VERIFICATION: u32 = 0x2;
pub const SOCKET_SETTINGS_IPSEC_ALLOW_FIRST_INBOUND_PKT_UNENCRYPTED: u32 = 0x4;
pub const SOCKET_SETTINGS_IPSEC_PEER_NAME_IS_RAW_FORMAT: u32 = 0x8;

// ---- query Flags ----
pub const SOCKET_INFO_CONNECTION_SECURED: u32 = 0x1;
pub const SOCKET_INFO_CONNECTION_ENCRYPTED: u32 = 0x2;
pub const SOCKET_INFO_CONNECTION_IMPERSONATED: u32 = 0x4;

// ---- sizes and offsets ----
pub const SETTINGS_SIZE: usize = 8;
pub const SETTINGS_IPSEC_SIZE: usize = 88;
pub const PEER_TARGET_NAME_SIZE: usize = 144;
/// Offset of `AllStrings` in `SOCKET_PEER_TARGET_NAME`.
pub const PEER_TARGET_NAME_STRINGS: usize = 140;
/// Offset of `PeerTargetNameStringLen`.
pub const PEER_TARGET_NAME_LEN_AT: usize = 136;
/// Offset of `PeerAddress` in the name and the template.
pub const PEER_ADDRESS_AT: usize = 8;
pub const QUERY_TEMPLATE_SIZE: usize = 144;
pub const QUERY_TEMPLATE_IPSEC2_SIZE: usize = 152;
/// Offset of `PeerTokenAccessMask` in the template.
pub const QUERY_TEMPLATE_MASK_AT: usize = 136;
pub const QUERY_INFO_SIZE: usize = 24;
pub const QUERY_INFO_IPSEC2_SIZE: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    #[test]
    fn layouts_match_the_sdk() {
        assert_eq!(size_of::<SOCKET_SECURITY_PROTOCOL>(), 4);
        assert_eq!(size_of::<SOCKET_SECURITY_SETTINGS>(), SETTINGS_SIZE);
        assert_eq!(size_of::<SOCKET_PEER_TARGET_NAME>(), PEER_TARGET_NAME_SIZE);
        assert_eq!(align_of::<SOCKET_PEER_TARGET_NAME>(), 8);
        assert_eq!(
            offset_of!(SOCKET_PEER_TARGET_NAME, PeerAddress),
            PEER_ADDRESS_AT
        );
        assert_eq!(
            offset_of!(SOCKET_PEER_TARGET_NAME, PeerTargetNameStringLen),
            PEER_TARGET_NAME_LEN_AT
        );
        assert_eq!(
            offset_of!(SOCKET_PEER_TARGET_NAME, AllStrings),
            PEER_TARGET_NAME_STRINGS
        );
        assert_eq!(
            size_of::<SOCKET_SECURITY_QUERY_TEMPLATE>(),
            QUERY_TEMPLATE_SIZE
        );
        assert_eq!(
            offset_of!(SOCKET_SECURITY_QUERY_TEMPLATE, PeerAddress),
            PEER_ADDRESS_AT
        );
        assert_eq!(
            offset_of!(SOCKET_SECURITY_QUERY_TEMPLATE, PeerTokenAccessMask),
            QUERY_TEMPLATE_MASK_AT
        );
        assert_eq!(size_of::<SOCKET_SECURITY_QUERY_INFO>(), QUERY_INFO_SIZE);
        assert_eq!(
            offset_of!(SOCKET_SECURITY_QUERY_INFO, PeerApplicationAccessTokenHandle),
            8
        );
        assert_eq!(
            offset_of!(SOCKET_SECURITY_QUERY_INFO, PeerMachineAccessTokenHandle),
            16
        );
    }

    #[test]
    fn control_codes() {
        const IOC_VENDOR: u32 = 0x1800_0000;
        let iow = |y: u32| 0x8000_0000 | IOC_VENDOR | y;
        let iorw = |y: u32| 0xC000_0000 | IOC_VENDOR | y;
        assert_eq!(SIO_SET_SECURITY, iow(200));
        assert_eq!(SIO_QUERY_SECURITY, iorw(201));
        assert_eq!(SIO_SET_PEER_TARGET_NAME, iow(202));
        assert_eq!(SIO_DELETE_PEER_TARGET_NAME, iow(203));
        assert_eq!(SIO_SET_SECURITY, 2550137032);
        assert_eq!(SIO_QUERY_SECURITY, 3623878857);
    }
}
