//! `#[repr(C)]` Winsock types with their Windows (Win64 / LLP64) layouts.
//!
//! cbindgen emits them into `include/wstls.h` with the prefix `wstls_`; the compat headers map
//! the Windows names onto them (`#define sockaddr wstls_sockaddr`, `typedef wstls_WSADATA
//! WSADATA`, ...). Layouts are asserted here and, from C, in `c-tests/test_layout.c`.
#![allow(non_camel_case_types, non_snake_case)]

use std::os::raw::{c_char, c_int};

/// Windows `SOCKET`: pointer-sized unsigned handle (`INVALID_SOCKET` is all bits set).
pub type SOCKET = usize;

/// `WSADATA` in its Win64 field order (pointer-size driven, as the SDK does).
#[repr(C)]
pub struct WSADATA {
    pub wVersion: u16,
    pub wHighVersion: u16,
    pub iMaxSockets: u16,
    pub iMaxUdpDg: u16,
    pub lpVendorInfo: *mut c_char,
    pub szDescription: [c_char; 257],
    pub szSystemStatus: [c_char; 129],
}

/// Generic socket address (16 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sockaddr {
    pub sa_family: u16,
    pub sa_data: [c_char; 14],
}

/// `in_addr.S_un.S_un_b`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct in_addr_S_un_b {
    pub s_b1: u8,
    pub s_b2: u8,
    pub s_b3: u8,
    pub s_b4: u8,
}

/// `in_addr.S_un.S_un_w`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct in_addr_S_un_w {
    pub s_w1: u16,
    pub s_w2: u16,
}

/// `in_addr.S_un`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union in_addr_S_un {
    pub S_un_b: in_addr_S_un_b,
    pub S_un_w: in_addr_S_un_w,
    pub S_addr: u32,
}

/// IPv4 address with the Windows `S_un` union (`s_addr` is a macro for `S_un.S_addr`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct in_addr {
    pub S_un: in_addr_S_un,
}

/// `sockaddr_in` (16 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sockaddr_in {
    pub sin_family: i16,
    pub sin_port: u16,
    pub sin_addr: in_addr,
    pub sin_zero: [c_char; 8],
}

/// `in6_addr.u`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union in6_addr_u {
    pub Byte: [u8; 16],
    pub Word: [u16; 8],
}

/// IPv6 address (`s6_addr` is a macro for `u.Byte`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct in6_addr {
    pub u: in6_addr_u,
}

/// `sockaddr_in6` (28 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sockaddr_in6 {
    pub sin6_family: u16,
    pub sin6_port: u16,
    pub sin6_flowinfo: u32,
    pub sin6_addr: in6_addr,
    pub sin6_scope_id: u32,
}

/// `SOCKADDR_STORAGE` (128 bytes, 8-byte aligned).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sockaddr_storage {
    pub ss_family: u16,
    pub __ss_pad1: [c_char; 6],
    pub __ss_align: i64,
    pub __ss_pad2: [c_char; 112],
}

/// Windows `ADDRINFOA`: note `ai_canonname` comes before `ai_addr` (Linux has them the
/// other way round).
#[repr(C)]
pub struct addrinfo {
    pub ai_flags: c_int,
    pub ai_family: c_int,
    pub ai_socktype: c_int,
    pub ai_protocol: c_int,
    pub ai_addrlen: usize,
    pub ai_canonname: *mut c_char,
    pub ai_addr: *mut sockaddr,
    pub ai_next: *mut addrinfo,
}

/// Windows `hostent`: `h_addrtype` and `h_length` are `short`.
#[repr(C)]
pub struct hostent {
    pub h_name: *mut c_char,
    pub h_aliases: *mut *mut c_char,
    pub h_addrtype: i16,
    pub h_length: i16,
    pub h_addr_list: *mut *mut c_char,
}

/// Windows `timeval`: two 32-bit `long`s.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct timeval {
    pub tv_sec: i32,
    pub tv_usec: i32,
}

/// Windows `linger`: two `u_short`s (4 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct linger {
    pub l_onoff: u16,
    pub l_linger: u16,
}

/// `WSABUF`: length first.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct WSABUF {
    pub len: u32,
    pub buf: *mut c_char,
}

/// `WSAPOLLFD`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct WSAPOLLFD {
    pub fd: SOCKET,
    pub events: i16,
    pub revents: i16,
}

/// Winsock `fd_set`: `u_int fd_count` then `SOCKET fd_array[FD_SETSIZE]`. The program chooses
/// `FD_SETSIZE`, so the type is opaque here and defined by `include/compat/winsock2.h`; wstls
/// trusts `fd_count`.
pub struct fd_set {
    _private: [u8; 0],
}

/// Offset of `fd_array` in `fd_set` (the `u_int` count is padded to pointer alignment).
pub const FD_ARRAY_OFFSET: usize = std::mem::size_of::<usize>();

/// `WSAOVERLAPPED` is only ever received as a pointer; wstls rejects overlapped requests.
pub struct WSAOVERLAPPED {
    _private: [u8; 0],
}

/// `LPWSAOVERLAPPED_COMPLETION_ROUTINE`.
pub type LPWSAOVERLAPPED_COMPLETION_ROUTINE = Option<
    unsafe extern "C" fn(
        dwError: u32,
        cbTransferred: u32,
        lpOverlapped: *mut WSAOVERLAPPED,
        dwFlags: u32,
    ),
>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    #[test]
    fn layouts_match_win64() {
        assert_eq!(size_of::<WSADATA>(), 408);
        assert_eq!(offset_of!(WSADATA, szDescription), 16);
        assert_eq!(offset_of!(WSADATA, szSystemStatus), 273);
        assert_eq!(size_of::<sockaddr>(), 16);
        assert_eq!(size_of::<sockaddr_in>(), 16);
        assert_eq!(size_of::<sockaddr_in6>(), 28);
        assert_eq!(size_of::<sockaddr_storage>(), 128);
        assert_eq!(align_of::<sockaddr_storage>(), 8);
        assert_eq!(size_of::<in_addr>(), 4);
        assert_eq!(size_of::<addrinfo>(), 48);
        assert_eq!(offset_of!(addrinfo, ai_canonname), 24);
        assert_eq!(offset_of!(addrinfo, ai_addr), 32);
        assert_eq!(size_of::<hostent>(), 32);
        assert_eq!(offset_of!(hostent, h_length), 18);
        assert_eq!(size_of::<timeval>(), 8);
        assert_eq!(size_of::<linger>(), 4);
        assert_eq!(size_of::<WSABUF>(), 16);
        assert_eq!(offset_of!(WSABUF, buf), 8);
        assert_eq!(size_of::<WSAPOLLFD>(), 16);
    }
}
