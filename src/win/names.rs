//! Windows values for the name helpers (`getaddrinfo` & co) and their translation to and from
//! the glibc resolver's values. Pure functions, unit-tested here; the entry points live in
//! `ffi/names.rs`.
//!
//! Windows and glibc agree on `AI_PASSIVE`, `AI_CANONNAME` and `AI_NUMERICHOST` only; every
//! other `AI_*`, every `NI_*` and every error value differs, and `AF_INET6` is 23 on Windows.
#![allow(missing_docs)]

use crate::error::{Error, Result};
use crate::win::wsa;

// `ADDRINFOA.ai_flags` (ws2def.h).
pub const AI_PASSIVE: i32 = 0x0000_0001;
pub const AI_CANONNAME: i32 = 0x0000_0002;
pub const AI_NUMERICHOST: i32 = 0x0000_0004;
pub const AI_NUMERICSERV: i32 = 0x0000_0008;
pub const AI_DNS_ONLY: i32 = 0x0000_0010;
pub const AI_FORCE_CLEAR_TEXT: i32 = 0x0000_0020;
pub const AI_BYPASS_DNS_CACHE: i32 = 0x0000_0040;
pub const AI_RETURN_TTL: i32 = 0x0000_0080;
pub const AI_ALL: i32 = 0x0000_0100;
pub const AI_ADDRCONFIG: i32 = 0x0000_0400;
pub const AI_V4MAPPED: i32 = 0x0000_0800;
pub const AI_NON_AUTHORITATIVE: i32 = 0x0000_4000;
pub const AI_SECURE: i32 = 0x0000_8000;
pub const AI_RETURN_PREFERRED_NAMES: i32 = 0x0001_0000;
pub const AI_FQDN: i32 = 0x0002_0000;
pub const AI_FILESERVER: i32 = 0x0004_0000;
pub const AI_DISABLE_IDN_ENCODING: i32 = 0x0008_0000;

/// Windows flags that only steer the Windows name service providers (DNS cache, secure
/// resolution, name-service choice, IDN encoding, ...). The glibc resolver has no
/// equivalent; wstls accepts and ignores them (documented in docs/compatibility.md).
pub const AI_IGNORED: i32 = AI_DNS_ONLY
    | AI_FORCE_CLEAR_TEXT
    | AI_BYPASS_DNS_CACHE
    | AI_RETURN_TTL
    | AI_NON_AUTHORITATIVE
    | AI_SECURE
    | AI_RETURN_PREFERRED_NAMES
    | AI_FILESERVER
    | AI_DISABLE_IDN_ENCODING;

// `getnameinfo` flags (ws2def.h).
pub const NI_NOFQDN: i32 = 0x01;
pub const NI_NUMERICHOST: i32 = 0x02;
pub const NI_NAMEREQD: i32 = 0x04;
pub const NI_NUMERICSERV: i32 = 0x08;
pub const NI_DGRAM: i32 = 0x10;

// Error values the name helpers return that `win::wsa` does not carry.
/// `WSATYPE_NOT_FOUND` (`EAI_SERVICE`): the service name is unknown for the socket type.
pub const WSATYPE_NOT_FOUND: i32 = 10109;
/// `WSA_NOT_ENOUGH_MEMORY` (`EAI_MEMORY`), a Win32 error number.
pub const WSA_NOT_ENOUGH_MEMORY: i32 = 8;
/// `WSA_INVALID_PARAMETER` (`ERROR_INVALID_PARAMETER`), a Win32 error number.
pub const WSA_INVALID_PARAMETER: i32 = 87;

/// Windows `ai_flags` to glibc's. Unknown bits and `AI_FQDN | AI_CANONNAME` are
/// `WSAEINVAL` (`EAI_BADFLAGS`), as on Windows. `AI_FQDN` asks for the fully qualified name in
/// `ai_canonname`: glibc's `AI_CANONNAME` gives that.
pub fn ai_flags_to_native(win: i32) -> Result<i32> {
    let known = AI_PASSIVE
        | AI_CANONNAME
        | AI_NUMERICHOST
        | AI_NUMERICSERV
        | AI_ALL
        | AI_ADDRCONFIG
        | AI_V4MAPPED
        | AI_FQDN
        | AI_IGNORED;
    if win & !known != 0 {
        return Err(Error::inval(format!(
            "getaddrinfo: unknown ai_flags bits {:#x} (EAI_BADFLAGS)",
            win & !known
        )));
    }
    if win & AI_FQDN != 0 && win & AI_CANONNAME != 0 {
        return Err(Error::inval(
            "getaddrinfo: AI_FQDN and AI_CANONNAME cannot be combined (EAI_BADFLAGS)",
        ));
    }
    let pairs = [
        (AI_PASSIVE, libc::AI_PASSIVE),
        (AI_CANONNAME, libc::AI_CANONNAME),
        (AI_FQDN, libc::AI_CANONNAME),
        (AI_NUMERICHOST, libc::AI_NUMERICHOST),
        (AI_NUMERICSERV, libc::AI_NUMERICSERV),
        (AI_ALL, libc::AI_ALL),
        (AI_ADDRCONFIG, libc::AI_ADDRCONFIG),
        (AI_V4MAPPED, libc::AI_V4MAPPED),
    ];
    Ok(pairs
        .iter()
        .filter(|(w, _)| win & w != 0)
        .fold(0, |acc, (_, n)| acc | n))
}

/// glibc `ai_flags` back to Windows (for the flags echoed in results).
pub fn ai_flags_from_native(native: i32) -> i32 {
    let pairs = [
        (libc::AI_PASSIVE, AI_PASSIVE),
        (libc::AI_CANONNAME, AI_CANONNAME),
        (libc::AI_NUMERICHOST, AI_NUMERICHOST),
        (libc::AI_NUMERICSERV, AI_NUMERICSERV),
        (libc::AI_ALL, AI_ALL),
        (libc::AI_ADDRCONFIG, AI_ADDRCONFIG),
        (libc::AI_V4MAPPED, AI_V4MAPPED),
    ];
    pairs
        .iter()
        .filter(|(n, _)| native & n != 0)
        .fold(0, |acc, (_, w)| acc | w)
}

/// Windows `getnameinfo` flags to glibc's (unknown bits: `WSAEINVAL`).
pub fn ni_flags_to_native(win: i32) -> Result<i32> {
    let known = NI_NOFQDN | NI_NUMERICHOST | NI_NAMEREQD | NI_NUMERICSERV | NI_DGRAM;
    if win & !known != 0 {
        return Err(Error::inval(format!(
            "getnameinfo: unknown flags {:#x} (EAI_BADFLAGS)",
            win & !known
        )));
    }
    let pairs = [
        (NI_NOFQDN, libc::NI_NOFQDN),
        (NI_NUMERICHOST, libc::NI_NUMERICHOST),
        (NI_NAMEREQD, libc::NI_NAMEREQD),
        (NI_NUMERICSERV, libc::NI_NUMERICSERV),
        (NI_DGRAM, libc::NI_DGRAM),
    ];
    Ok(pairs
        .iter()
        .filter(|(w, _)| win & w != 0)
        .fold(0, |acc, (_, n)| acc | n))
}

/// Windows address family to the native one (`AF_INET6` 23 → 10). Others: `WSAEAFNOSUPPORT`.
pub fn family_to_native(af: i32) -> Result<i32> {
    match af {
        wsa::AF_UNSPEC => Ok(libc::AF_UNSPEC),
        wsa::AF_INET => Ok(libc::AF_INET),
        wsa::AF_INET6 => Ok(libc::AF_INET6),
        other => Err(Error::wsa(
            wsa::WSAEAFNOSUPPORT,
            format!(
                "address family {other} is not supported (AF_UNSPEC 0, AF_INET 2, AF_INET6 23 are)"
            ),
        )),
    }
}

/// Native address family to the Windows one (`None` for families Windows code cannot use).
pub fn family_from_native(af: i32) -> Option<i32> {
    match af {
        libc::AF_INET => Some(wsa::AF_INET),
        libc::AF_INET6 => Some(wsa::AF_INET6),
        _ => None,
    }
}

/// glibc's `EAI_ADDRFAMILY` (a GNU extension the libc crate does not export).
const GLIBC_EAI_ADDRFAMILY: i32 = -9;

/// A glibc resolver error (`EAI_*`, with `errno` for `EAI_SYSTEM`) as the Winsock code and
/// the Windows `EAI_*` name. Windows' `EAI_NODATA` is `EAI_NONAME` (`WSAHOST_NOT_FOUND`), so
/// glibc's `EAI_NODATA`/`EAI_ADDRFAMILY` map there too.
pub fn eai_to_wsa(eai: i32, errno: i32) -> (i32, &'static str) {
    match eai {
        libc::EAI_AGAIN => (wsa::WSATRY_AGAIN, "EAI_AGAIN: temporary failure in name resolution, try again later"),
        libc::EAI_BADFLAGS => (wsa::WSAEINVAL, "EAI_BADFLAGS: invalid flags"),
        libc::EAI_FAIL => (wsa::WSANO_RECOVERY, "EAI_FAIL: non-recoverable failure in name resolution"),
        libc::EAI_FAMILY => (wsa::WSAEAFNOSUPPORT, "EAI_FAMILY: address family not supported"),
        libc::EAI_MEMORY => (WSA_NOT_ENOUGH_MEMORY, "EAI_MEMORY: out of memory"),
        libc::EAI_NONAME | libc::EAI_NODATA | GLIBC_EAI_ADDRFAMILY => {
            (wsa::WSAHOST_NOT_FOUND, "EAI_NONAME: the name does not resolve (host not found, or no address of the requested family)")
        }
        libc::EAI_SERVICE => (WSATYPE_NOT_FOUND, "EAI_SERVICE: the service is not known for this socket type"),
        libc::EAI_SOCKTYPE => (wsa::WSAESOCKTNOSUPPORT, "EAI_SOCKTYPE: socket type not supported"),
        libc::EAI_OVERFLOW => (wsa::WSAEFAULT, "EAI_OVERFLOW: a buffer is too small"),
        libc::EAI_SYSTEM => (wsa::from_errno(errno), "EAI_SYSTEM: system error"),
        _ => (wsa::WSANO_RECOVERY, "unknown resolver error"),
    }
}

/// Parses an IPv4 address the way `inet_addr` does: one to four parts separated by dots, each
/// decimal, octal (leading `0`) or hexadecimal (leading `0x`); `a.b.c` puts `c` in the low 16
/// bits, `a.b` puts `b` in the low 24 bits, `a` alone is the whole address. The string ends at
/// its end or at the first whitespace. Returns the address in host order.
pub fn parse_inet_addr(s: &[u8]) -> Option<u32> {
    let end = s
        .iter()
        .position(|c| c.is_ascii_whitespace())
        .unwrap_or(s.len());
    let s = &s[..end];
    if s.is_empty() {
        return None;
    }
    let mut parts: Vec<u64> = Vec::with_capacity(4);
    for part in s.split(|c| *c == b'.') {
        if parts.len() == 4 || part.is_empty() {
            return None;
        }
        let (digits, radix) =
            if part.len() > 2 && (part.starts_with(b"0x") || part.starts_with(b"0X")) {
                (&part[2..], 16)
            } else if part.len() > 1 && part[0] == b'0' {
                (&part[1..], 8)
            } else {
                (part, 10)
            };
        let mut v: u64 = 0;
        for c in digits {
            let d = (*c as char).to_digit(radix)? as u64;
            v = v * radix as u64 + d;
            if v > u32::MAX as u64 {
                return None;
            }
        }
        parts.push(v);
    }
    let (head, last) = parts.split_at(parts.len() - 1);
    if head.iter().any(|p| *p > 0xFF) {
        return None;
    }
    let last = last[0];
    let limit: u64 = match head.len() {
        0 => u32::MAX as u64,
        1 => 0x00FF_FFFF,
        2 => 0xFFFF,
        _ => 0xFF,
    };
    if last > limit {
        return None;
    }
    let mut v: u32 = 0;
    for (i, p) in head.iter().enumerate() {
        v |= (*p as u32) << (24 - 8 * i);
    }
    Some(v | last as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ai_flags_translate_both_ways() {
        assert_eq!(ai_flags_to_native(0).unwrap(), 0);
        assert_eq!(
            ai_flags_to_native(AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST).unwrap(),
            libc::AI_PASSIVE | libc::AI_CANONNAME | libc::AI_NUMERICHOST
        );
        // The values that differ between Windows and glibc.
        assert_eq!(
            ai_flags_to_native(AI_NUMERICSERV).unwrap(),
            libc::AI_NUMERICSERV
        );
        assert_eq!(
            ai_flags_to_native(AI_ALL | AI_V4MAPPED).unwrap(),
            libc::AI_ALL | libc::AI_V4MAPPED
        );
        assert_eq!(
            ai_flags_to_native(AI_ADDRCONFIG).unwrap(),
            libc::AI_ADDRCONFIG
        );
        assert_ne!(AI_NUMERICSERV, libc::AI_NUMERICSERV);
        assert_eq!(ai_flags_to_native(AI_FQDN).unwrap(), libc::AI_CANONNAME);
        assert_eq!(
            ai_flags_to_native(AI_SECURE | AI_PASSIVE).unwrap(),
            libc::AI_PASSIVE
        );
        assert_eq!(
            ai_flags_to_native(0x0000_0200).unwrap_err().wsa_code(),
            wsa::WSAEINVAL
        );
        assert_eq!(
            ai_flags_to_native(AI_FQDN | AI_CANONNAME)
                .unwrap_err()
                .wsa_code(),
            wsa::WSAEINVAL
        );
        for f in [
            AI_PASSIVE,
            AI_CANONNAME,
            AI_NUMERICHOST,
            AI_NUMERICSERV,
            AI_ALL,
            AI_ADDRCONFIG,
            AI_V4MAPPED,
        ] {
            assert_eq!(ai_flags_from_native(ai_flags_to_native(f).unwrap()), f);
        }
    }

    #[test]
    fn ni_flags_translate() {
        assert_eq!(
            ni_flags_to_native(NI_NUMERICHOST | NI_NUMERICSERV).unwrap(),
            libc::NI_NUMERICHOST | libc::NI_NUMERICSERV
        );
        assert_eq!(ni_flags_to_native(NI_NOFQDN).unwrap(), libc::NI_NOFQDN);
        assert_eq!(
            ni_flags_to_native(NI_NAMEREQD | NI_DGRAM).unwrap(),
            libc::NI_NAMEREQD | libc::NI_DGRAM
        );
        assert_eq!(
            ni_flags_to_native(0x40).unwrap_err().wsa_code(),
            wsa::WSAEINVAL
        );
    }

    #[test]
    fn families_and_errors() {
        assert_eq!(family_to_native(23).unwrap(), libc::AF_INET6);
        assert_eq!(family_to_native(2).unwrap(), libc::AF_INET);
        assert_eq!(
            family_to_native(10).unwrap_err().wsa_code(),
            wsa::WSAEAFNOSUPPORT
        );
        assert_eq!(family_from_native(libc::AF_INET6), Some(23));
        assert_eq!(family_from_native(libc::AF_UNIX), None);
        assert_eq!(eai_to_wsa(libc::EAI_NONAME, 0).0, 11001);
        assert_eq!(eai_to_wsa(libc::EAI_NODATA, 0).0, 11001);
        assert_eq!(eai_to_wsa(libc::EAI_AGAIN, 0).0, 11002);
        assert_eq!(eai_to_wsa(libc::EAI_FAIL, 0).0, 11003);
        assert_eq!(eai_to_wsa(libc::EAI_SERVICE, 0).0, 10109);
        assert_eq!(eai_to_wsa(libc::EAI_FAMILY, 0).0, 10047);
        assert_eq!(eai_to_wsa(libc::EAI_SOCKTYPE, 0).0, 10044);
        assert_eq!(eai_to_wsa(libc::EAI_MEMORY, 0).0, 8);
        assert_eq!(eai_to_wsa(libc::EAI_SYSTEM, libc::ECONNREFUSED).0, 10061);
    }

    #[test]
    fn inet_addr_forms() {
        let p = |s: &str| parse_inet_addr(s.as_bytes());
        assert_eq!(p("127.0.0.1"), Some(0x7F00_0001));
        assert_eq!(p("255.255.255.255"), Some(0xFFFF_FFFF));
        assert_eq!(p("0x7f.1"), Some(0x7F00_0001));
        assert_eq!(p("127.1"), Some(0x7F00_0001));
        assert_eq!(p("10.1.258"), Some(0x0A01_0102));
        assert_eq!(p("012.0.0.1"), Some(0x0A00_0001));
        assert_eq!(p("2130706433"), Some(0x7F00_0001));
        assert_eq!(p("1.2.3.4 trailing"), Some(0x0102_0304));
        assert_eq!(p(""), None);
        assert_eq!(p("1.2.3.4.5"), None);
        assert_eq!(p("256.1.1.1"), None);
        assert_eq!(p("1.2.3.256"), None);
        assert_eq!(p("1..3.4"), None);
        assert_eq!(p("1.2.3."), None);
        assert_eq!(p("09.1.1.1"), None);
        assert_eq!(p("abc"), None);
        assert_eq!(p("4294967296"), None);
    }
}
