//! Windows `sockaddr` buffers to and from native addresses (`AF_INET6` is 23 on Windows, 10
//! on Linux; every address crossing the boundary is translated here).
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use socket2::SockAddr;

use crate::error::{Error, Result};
use crate::win::winsock::{sockaddr_in, sockaddr_in6};
use crate::win::wsa;

/// Parses a Windows `sockaddr` of `len` bytes.
///
/// # Safety
/// `p` must point to `len` readable bytes (checked for NULL and size only).
pub unsafe fn from_windows(p: *const u8, len: i32) -> Result<SocketAddr> {
    if p.is_null() || len < 2 {
        return Err(Error::fault("sockaddr"));
    }
    let family = std::ptr::read_unaligned(p as *const u16) as i32;
    match family {
        wsa::AF_INET => {
            if (len as usize) < std::mem::size_of::<sockaddr_in>() {
                return Err(Error::fault(&format!("sockaddr_in (length {len} < 16)")));
            }
            let sin: sockaddr_in = std::ptr::read_unaligned(p as *const sockaddr_in);
            let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.S_un.S_addr));
            Ok(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        }
        wsa::AF_INET6 => {
            if (len as usize) < std::mem::size_of::<sockaddr_in6>() {
                return Err(Error::fault(&format!("sockaddr_in6 (length {len} < 28)")));
            }
            let s6: sockaddr_in6 = std::ptr::read_unaligned(p as *const sockaddr_in6);
            let ip = Ipv6Addr::from(s6.sin6_addr.u.Byte);
            Ok(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(s6.sin6_port),
                u32::from_be(s6.sin6_flowinfo),
                s6.sin6_scope_id,
            )))
        }
        other => Err(Error::wsa(
            wsa::WSAEAFNOSUPPORT,
            format!("address family {other} is not supported (AF_INET 2 and AF_INET6 23 are)"),
        )),
    }
}

/// The Windows encoding of an address: bytes and length.
pub fn to_windows(addr: &SocketAddr) -> ([u8; 28], usize) {
    let mut out = [0u8; 28];
    match addr {
        SocketAddr::V4(v4) => {
            out[0..2].copy_from_slice(&(wsa::AF_INET as u16).to_ne_bytes());
            out[2..4].copy_from_slice(&v4.port().to_be_bytes());
            out[4..8].copy_from_slice(&v4.ip().octets());
            (out, 16)
        }
        SocketAddr::V6(v6) => {
            out[0..2].copy_from_slice(&(wsa::AF_INET6 as u16).to_ne_bytes());
            out[2..4].copy_from_slice(&v6.port().to_be_bytes());
            out[4..8].copy_from_slice(&v6.flowinfo().to_be_bytes());
            out[8..24].copy_from_slice(&v6.ip().octets());
            out[24..28].copy_from_slice(&v6.scope_id().to_ne_bytes());
            (out, 28)
        }
    }
}

/// Writes `addr` into the caller's `(name, namelen)` pair, as `accept`/`getsockname` do.
/// NULL `name` is allowed when `namelen` is NULL too (accept's optional address).
///
/// # Safety
/// `name` must point to `*namelen` writable bytes when non-NULL.
pub unsafe fn write_windows(addr: &SocketAddr, name: *mut u8, namelen: *mut i32) -> Result<()> {
    if name.is_null() && namelen.is_null() {
        return Ok(());
    }
    if name.is_null() || namelen.is_null() {
        return Err(Error::fault("address buffer or its length"));
    }
    let (bytes, n) = to_windows(addr);
    let cap = std::ptr::read_unaligned(namelen);
    if cap < 0 || (cap as usize) < n {
        return Err(Error::fault(&format!(
            "address buffer ({cap} bytes, need {n})"
        )));
    }
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), name, n);
    std::ptr::write_unaligned(namelen, n as i32);
    Ok(())
}

/// Checks a caller's `(name, namelen)` output pair *before* the call that fills it (`accept`,
/// `recvfrom`), so that a bad buffer fails with `WSAEFAULT` before a connection or data is
/// taken, as on Windows. Both NULL is allowed; otherwise `*namelen` must hold an address of
/// the socket's family `af`.
///
/// # Safety
/// `namelen` must be NULL or point to a readable `int`.
pub unsafe fn check_out(af: i32, name: *mut u8, namelen: *mut i32, what: &str) -> Result<()> {
    if name.is_null() && namelen.is_null() {
        return Ok(());
    }
    if name.is_null() || namelen.is_null() {
        return Err(Error::fault(&format!(
            "{what}: address buffer or its length is NULL (pass both or neither)"
        )));
    }
    let need = if af == wsa::AF_INET6 {
        std::mem::size_of::<sockaddr_in6>()
    } else {
        std::mem::size_of::<sockaddr_in>()
    };
    let cap = std::ptr::read_unaligned(namelen);
    if cap < 0 || (cap as usize) < need {
        return Err(Error::fault(&format!(
            "{what}: address buffer ({cap} bytes, need {need})"
        )));
    }
    Ok(())
}

/// Native family for a Windows one.
pub fn native_family(af: i32) -> Result<socket2::Domain> {
    match af {
        wsa::AF_INET => Ok(socket2::Domain::IPV4),
        wsa::AF_INET6 => Ok(socket2::Domain::IPV6),
        wsa::AF_UNSPEC => Err(Error::wsa(
            wsa::WSAEAFNOSUPPORT,
            "socket: AF_UNSPEC needs a concrete family (AF_INET or AF_INET6)",
        )),
        other => Err(Error::wsa(
            wsa::WSAEAFNOSUPPORT,
            format!(
                "socket: address family {other} is not supported (AF_INET 2 and AF_INET6 23 are)"
            ),
        )),
    }
}

pub fn to_sockaddr(a: &SocketAddr) -> SockAddr {
    SockAddr::from(*a)
}

pub fn from_sockaddr(a: &SockAddr) -> Result<SocketAddr> {
    a.as_socket().ok_or_else(|| {
        Error::wsa(
            wsa::WSAEAFNOSUPPORT,
            "address is not an IPv4 or IPv6 address",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_v4_v6() {
        for s in ["127.0.0.1:443", "[::1]:8443", "[fe80::1%3]:1"] {
            let a: SocketAddr = s.parse().unwrap();
            let (b, n) = to_windows(&a);
            let back = unsafe { from_windows(b.as_ptr(), n as i32) }.unwrap();
            assert_eq!(a, back);
        }
        let (b, _) = to_windows(&"[::1]:1".parse().unwrap());
        assert_eq!(u16::from_ne_bytes([b[0], b[1]]), 23);
    }

    #[test]
    fn short_or_null_is_fault() {
        let (b, _) = to_windows(&"[::1]:1".parse().unwrap());
        let e = unsafe { from_windows(b.as_ptr(), 16) }.unwrap_err();
        assert_eq!(e.wsa_code(), wsa::WSAEFAULT);
        let e = unsafe { from_windows(std::ptr::null(), 16) }.unwrap_err();
        assert_eq!(e.wsa_code(), wsa::WSAEFAULT);
    }
}
