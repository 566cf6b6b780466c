//! Name and address helpers with Windows layouts and values: `getaddrinfo`/`freeaddrinfo`/
//! `getnameinfo` (Windows `ADDRINFOA`, `AF_INET6` 23, WSA error codes returned directly),
//! `gethostbyname` (per-thread `hostent`), `gethostname`, `inet_addr`, `inet_ntoa`,
//! `inet_pton`, `inet_ntop` and the byte-order helpers (`u_long` is 32-bit).
//!
//! The glibc resolver does the work underneath; this file translates flags, families, layouts
//! and error values both ways.
#![allow(non_snake_case)]

use std::cell::RefCell;
use std::collections::HashSet;
use std::ffi::{CStr, CString};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::{null, null_mut};
use std::sync::Mutex;

use super::{code_guard, plain_guard, ptr, require_startup, wsa_guard};
use crate::error::{Error, Result};
use crate::net::addr;
use crate::win::names::{self as n, WSA_INVALID_PARAMETER};
use crate::win::winsock::{addrinfo, hostent, in_addr, in_addr_S_un, sockaddr};
use crate::win::wsa::{self, SOCKET_ERROR};

// ---------------------------------------------------------------------------------------------
// getaddrinfo / freeaddrinfo
// ---------------------------------------------------------------------------------------------

/// Every `addrinfo` node handed out and not yet freed. `freeaddrinfo` frees only these, so a
/// foreign or already freed pointer is ignored instead of corrupting the heap.
static NODES: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

fn nodes() -> std::sync::MutexGuard<'static, Option<HashSet<usize>>> {
    NODES.lock().unwrap_or_else(|e| e.into_inner())
}

/// One result node: `addrinfo`, then the Windows `sockaddr` (up to 28 bytes), then the
/// canonical name, in a single allocation.
const NODE_ADDR_OFFSET: usize = std::mem::size_of::<addrinfo>();
const NODE_NAME_OFFSET: usize = NODE_ADDR_OFFSET + 32;

/// Allocates one Windows `addrinfo` node for `a` (with `canon` as `ai_canonname` when given).
fn new_node(
    flags: i32,
    socktype: i32,
    protocol: i32,
    a: &SocketAddr,
    canon: Option<&CStr>,
) -> Result<*mut addrinfo> {
    let (bytes, len) = addr::to_windows(a);
    let name = canon.map(|c| c.to_bytes_with_nul()).unwrap_or(&[]);
    let size = NODE_NAME_OFFSET + name.len();
    // SAFETY: calloc returns zeroed memory of `size` bytes, aligned for any type, or NULL.
    let p = unsafe { libc::calloc(1, size) } as *mut u8;
    if p.is_null() {
        return Err(Error::wsa(
            n::WSA_NOT_ENOUGH_MEMORY,
            "getaddrinfo: out of memory",
        ));
    }
    // SAFETY: the block holds the node, the address and the name at the offsets written.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p.add(NODE_ADDR_OFFSET), len);
        let canonname = if name.is_empty() {
            null_mut()
        } else {
            std::ptr::copy_nonoverlapping(name.as_ptr(), p.add(NODE_NAME_OFFSET), name.len());
            p.add(NODE_NAME_OFFSET) as *mut c_char
        };
        let node = p as *mut addrinfo;
        node.write(addrinfo {
            ai_flags: flags,
            ai_family: if a.is_ipv4() {
                wsa::AF_INET
            } else {
                wsa::AF_INET6
            },
            ai_socktype: socktype,
            ai_protocol: protocol,
            ai_addrlen: len,
            ai_canonname: canonname,
            ai_addr: p.add(NODE_ADDR_OFFSET) as *mut sockaddr,
            ai_next: null_mut(),
        });
        nodes()
            .get_or_insert_with(HashSet::new)
            .insert(node as usize);
        Ok(node)
    }
}

/// Frees a list built by `new_node`; stops at the first pointer wstls did not hand out.
unsafe fn free_list(mut p: *mut addrinfo) -> bool {
    let mut all_ours = true;
    while !p.is_null() {
        let ours = nodes().as_mut().is_some_and(|s| s.remove(&(p as usize)));
        if !ours {
            all_ours = false;
            break;
        }
        let next = (*p).ai_next;
        libc::free(p as *mut c_void);
        p = next;
    }
    all_ours
}

/// Owns a glibc result list for the duration of a call.
struct NativeList(*mut libc::addrinfo);

impl Drop for NativeList {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the list came from libc::getaddrinfo and is freed once.
            unsafe { libc::freeaddrinfo(self.0) }
        }
    }
}

/// Runs the glibc resolver; the error is the Winsock code with a message.
fn native_getaddrinfo(
    node: Option<&CStr>,
    service: Option<&CStr>,
    hints: &libc::addrinfo,
    what: &str,
) -> Result<NativeList> {
    let mut res: *mut libc::addrinfo = null_mut();
    // SAFETY: the strings are NUL-terminated, hints is a valid struct, res receives the list.
    let rc = unsafe {
        libc::getaddrinfo(
            node.map_or(null(), |c| c.as_ptr()),
            service.map_or(null(), |c| c.as_ptr()),
            hints,
            &mut res,
        )
    };
    let list = NativeList(res);
    if rc != 0 {
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        let (code, text) = n::eai_to_wsa(rc, errno);
        let host = node
            .map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_else(|| "(null)".into());
        let serv = service
            .map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_else(|| "(null)".into());
        return Err(Error::wsa(
            code,
            format!(
                "{what}(\"{host}\", \"{serv}\"): {text} ({})",
                wsa::name(code)
            ),
        ));
    }
    Ok(list)
}

/// The local host name (for `gethostname`, and for `getaddrinfo("")`/`gethostbyname(NULL)`).
fn host_name() -> Result<CString> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its length.
    if unsafe { libc::gethostname(buf.as_mut_ptr() as *mut c_char, buf.len()) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error::from_io(&e, "gethostname"));
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    Ok(CString::new(&buf[..end]).unwrap_or_default())
}

/// A glibc socket address (IPv4 or IPv6 only) as a `SocketAddr`.
unsafe fn native_to_socketaddr(
    p: *const libc::sockaddr,
    len: libc::socklen_t,
) -> Option<SocketAddr> {
    if p.is_null() {
        return None;
    }
    match (*p).sa_family as i32 {
        libc::AF_INET if len as usize >= std::mem::size_of::<libc::sockaddr_in>() => {
            let sin = std::ptr::read_unaligned(p as *const libc::sockaddr_in);
            let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            Some(SocketAddr::from((ip, u16::from_be(sin.sin_port))))
        }
        libc::AF_INET6 if len as usize >= std::mem::size_of::<libc::sockaddr_in6>() => {
            let s6 = std::ptr::read_unaligned(p as *const libc::sockaddr_in6);
            let ip = Ipv6Addr::from(s6.sin6_addr.s6_addr);
            Some(SocketAddr::V6(std::net::SocketAddrV6::new(
                ip,
                u16::from_be(s6.sin6_port),
                u32::from_be(s6.sin6_flowinfo),
                s6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

unsafe fn opt_c_str<'a>(p: *const c_char) -> Option<&'a CStr> {
    (!p.is_null()).then(|| CStr::from_ptr(p))
}

/// Resolves a host and/or service into a list of Windows `ADDRINFOA` nodes (`ai_canonname`
/// before `ai_addr`, `AF_INET6` 23) to free with `freeaddrinfo`. Returns 0, or the error code
/// itself (`WSAHOST_NOT_FOUND`, `WSATRY_AGAIN`, `WSANO_RECOVERY`, `WSAEAFNOSUPPORT`,
/// `WSAEINVAL` for bad flags, `WSATYPE_NOT_FOUND`, `WSAESOCKTNOSUPPORT`,
/// `WSANOTINITIALISED`), which is also the thread's last error. Windows `AI_*` flags are
/// translated; provider-only ones (`AI_SECURE`, `AI_RETURN_PREFERRED_NAMES`, ...) are
/// ignored. An empty node name means the local host.
#[no_mangle]
pub unsafe extern "C" fn wstls_getaddrinfo(
    pNodeName: *const c_char,
    pServiceName: *const c_char,
    pHints: *const addrinfo,
    ppResult: *mut *mut addrinfo,
) -> c_int {
    code_guard("getaddrinfo", || {
        require_startup()?;
        let out = ptr::as_mut(ppResult, "getaddrinfo: ppResult")?;
        *out = null_mut();
        // SAFETY: all-zero is a valid libc::addrinfo.
        let mut hints: libc::addrinfo = std::mem::zeroed();
        let mut win_flags = 0;
        if let Some(h) = ptr::opt_mut(pHints as *mut addrinfo) {
            if h.ai_addrlen != 0
                || !h.ai_canonname.is_null()
                || !h.ai_addr.is_null()
                || !h.ai_next.is_null()
            {
                return Err(Error::wsa(
                    wsa::WSANO_RECOVERY,
                    "getaddrinfo: pHints must have ai_addrlen 0 and NULL ai_canonname, ai_addr and ai_next (zero the structure first)",
                ));
            }
            win_flags = h.ai_flags;
            hints.ai_flags = n::ai_flags_to_native(h.ai_flags)?;
            hints.ai_family = n::family_to_native(h.ai_family)?;
            hints.ai_socktype = match h.ai_socktype {
                0 | wsa::SOCK_STREAM | wsa::SOCK_DGRAM | wsa::SOCK_RAW => h.ai_socktype,
                other => {
                    return Err(Error::wsa(
                        wsa::WSAESOCKTNOSUPPORT,
                        format!("getaddrinfo: socket type {other} is not supported (EAI_SOCKTYPE)"),
                    ))
                }
            };
            hints.ai_protocol = h.ai_protocol;
        }
        let node = opt_c_str(pNodeName);
        let service = opt_c_str(pServiceName);
        if node.is_none() && service.is_none() {
            return Err(Error::wsa(
                wsa::WSAHOST_NOT_FOUND,
                "getaddrinfo: pNodeName and pServiceName are both NULL (EAI_NONAME)",
            ));
        }
        if node.is_none() && hints.ai_flags & libc::AI_CANONNAME != 0 {
            return Err(Error::inval(
                "getaddrinfo: AI_CANONNAME needs a node name (EAI_BADFLAGS)",
            ));
        }
        // Windows: an empty node name resolves the local computer's addresses.
        let local;
        let node = match node {
            Some(c) if c.to_bytes().is_empty() => {
                local = host_name()?;
                Some(local.as_c_str())
            }
            other => other,
        };
        let list = native_getaddrinfo(node, service, &hints, "getaddrinfo")?;
        let mut head: *mut addrinfo = null_mut();
        let mut tail: *mut addrinfo = null_mut();
        let mut first = true;
        let mut p = list.0;
        let result = (|| -> Result<()> {
            while !p.is_null() {
                let ai = &*p;
                p = ai.ai_next;
                let Some(a) = native_to_socketaddr(ai.ai_addr, ai.ai_addrlen) else {
                    continue;
                };
                // glibc puts the canonical name on the first node only; so does Windows.
                let canon = if first {
                    opt_c_str(ai.ai_canonname)
                } else {
                    None
                };
                let node = new_node(win_flags, ai.ai_socktype, ai.ai_protocol, &a, canon)?;
                first = false;
                if head.is_null() {
                    head = node;
                } else {
                    (*tail).ai_next = node;
                }
                tail = node;
            }
            Ok(())
        })();
        if let Err(e) = result {
            free_list(head);
            return Err(e);
        }
        if head.is_null() {
            return Err(Error::wsa(
                wsa::WSAHOST_NOT_FOUND,
                "getaddrinfo: the name has no IPv4 or IPv6 address (EAI_NONAME)",
            ));
        }
        *out = head;
        Ok(())
    })
}

/// Frees a list returned by `getaddrinfo` (NULL is allowed). Pointers wstls did not hand out
/// are left alone, and the thread's last error is set to `WSAEINVAL`.
#[no_mangle]
pub unsafe extern "C" fn wstls_freeaddrinfo(pAddrInfo: *mut addrinfo) {
    plain_guard((), || {
        if !free_list(pAddrInfo) {
            crate::error::report_wsa(&Error::inval(
                "freeaddrinfo: the list was not returned by getaddrinfo (or was already freed)",
            ));
        }
    })
}

/// Translates a Windows socket address into a host name and a service name (Windows `NI_*`
/// flags; `NI_MAXHOST` 1025, `NI_MAXSERV` 32). Returns 0 or the error code itself
/// (`WSAEFAULT` for a short address or buffer, `WSAEAFNOSUPPORT`, `WSAHOST_NOT_FOUND` with
/// `NI_NAMEREQD`, `WSAEINVAL` for bad flags, `WSANOTINITIALISED`).
#[no_mangle]
pub unsafe extern "C" fn wstls_getnameinfo(
    pSockaddr: *const sockaddr,
    SockaddrLength: c_int,
    pNodeBuffer: *mut c_char,
    NodeBufferSize: u32,
    pServiceBuffer: *mut c_char,
    ServiceBufferSize: u32,
    Flags: c_int,
) -> c_int {
    code_guard("getnameinfo", || {
        require_startup()?;
        let a = addr::from_windows(pSockaddr as *const u8, SockaddrLength)?;
        let flags = n::ni_flags_to_native(Flags)?;
        let want_host = !pNodeBuffer.is_null() && NodeBufferSize > 0;
        let want_serv = !pServiceBuffer.is_null() && ServiceBufferSize > 0;
        if !want_host && !want_serv {
            return Err(Error::fault(
                "getnameinfo: both pNodeBuffer and pServiceBuffer are NULL or empty",
            ));
        }
        let native = addr::to_sockaddr(&a);
        let rc = libc::getnameinfo(
            native.as_ptr() as *const libc::sockaddr,
            native.len(),
            if want_host { pNodeBuffer } else { null_mut() },
            if want_host { NodeBufferSize } else { 0 },
            if want_serv {
                pServiceBuffer
            } else {
                null_mut()
            },
            if want_serv { ServiceBufferSize } else { 0 },
            flags,
        );
        if rc != 0 {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            let (code, text) = n::eai_to_wsa(rc, errno);
            return Err(Error::wsa(
                code,
                format!("getnameinfo({a}): {text} ({})", wsa::name(code)),
            ));
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// gethostbyname / gethostname
// ---------------------------------------------------------------------------------------------

/// The per-thread storage behind the `hostent` `gethostbyname`/`gethostbyaddr` return.
struct HostentStore {
    hostent: Box<hostent>,
    _name: CString,
    _aliases: Vec<*mut c_char>,
    _addrs: Vec<Vec<u8>>,
    _addr_ptrs: Vec<*mut c_char>,
}

/// Builds the calling thread's `hostent` (replacing the previous one) and returns it.
fn store_hostent(name: CString, family: i32, mut addrs: Vec<Vec<u8>>) -> *mut hostent {
    let length = addrs.first().map_or(4, |a| a.len()) as i16;
    let mut aliases: Vec<*mut c_char> = vec![null_mut()];
    let mut addr_ptrs: Vec<*mut c_char> = addrs
        .iter_mut()
        .map(|a| a.as_mut_ptr() as *mut c_char)
        .collect();
    addr_ptrs.push(null_mut());
    let mut store = HostentStore {
        hostent: Box::new(hostent {
            h_name: name.as_ptr() as *mut c_char,
            h_aliases: aliases.as_mut_ptr(),
            h_addrtype: family as i16,
            h_length: length,
            h_addr_list: addr_ptrs.as_mut_ptr(),
        }),
        _name: name,
        _aliases: aliases,
        _addrs: addrs,
        _addr_ptrs: addr_ptrs,
    };
    let ptr: *mut hostent = &mut *store.hostent;
    HOSTENT.with(|h| *h.borrow_mut() = Some(store));
    ptr
}

thread_local! {
    static HOSTENT: RefCell<Option<HostentStore>> = const { RefCell::new(None) };
    static NTOA: RefCell<[u8; 16]> = const { RefCell::new([0; 16]) };
}

fn lookup_hostent(name: Option<&CStr>) -> Result<*mut hostent> {
    let local;
    let name = match name {
        Some(c) if !c.to_bytes().is_empty() => c,
        _ => {
            local = host_name()?;
            local.as_c_str()
        }
    };
    // SAFETY: all-zero is a valid libc::addrinfo.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = libc::AF_INET;
    hints.ai_socktype = libc::SOCK_STREAM;
    hints.ai_flags = libc::AI_CANONNAME;
    let list = native_getaddrinfo(Some(name), None, &hints, "gethostbyname").map_err(|e| {
        // gethostbyname reports a name without IPv4 address as WSANO_DATA, like Windows.
        if e.wsa_code() == wsa::WSAHOST_NOT_FOUND && name_exists(name) {
            Error::wsa(
                wsa::WSANO_DATA,
                format!(
                    "gethostbyname(\"{}\"): the name is valid but has no IPv4 address (WSANO_DATA)",
                    name.to_string_lossy()
                ),
            )
        } else {
            e
        }
    })?;
    let mut canon: Option<CString> = None;
    let mut addrs: Vec<[u8; 4]> = Vec::new();
    let mut p = list.0;
    while !p.is_null() {
        // SAFETY: p walks the list glibc returned.
        let ai = unsafe { &*p };
        p = ai.ai_next;
        if canon.is_none() && !ai.ai_canonname.is_null() {
            // SAFETY: glibc's canonical name is NUL-terminated.
            canon = Some(unsafe { CStr::from_ptr(ai.ai_canonname) }.to_owned());
        }
        if ai.ai_family == libc::AF_INET && !ai.ai_addr.is_null() {
            // SAFETY: an AF_INET result carries a sockaddr_in.
            let sin = unsafe { &*(ai.ai_addr as *const libc::sockaddr_in) };
            let b = sin.sin_addr.s_addr.to_ne_bytes();
            if !addrs.contains(&b) {
                addrs.push(b);
            }
        }
    }
    if addrs.is_empty() {
        return Err(Error::wsa(
            wsa::WSANO_DATA,
            format!(
                "gethostbyname(\"{}\"): no IPv4 address (WSANO_DATA)",
                name.to_string_lossy()
            ),
        ));
    }
    let name = canon.unwrap_or_else(|| name.to_owned());
    Ok(store_hostent(
        name,
        wsa::AF_INET,
        addrs.into_iter().map(|a| a.to_vec()).collect(),
    ))
}

/// Whether `name` resolves at all (any family): tells `WSANO_DATA` from `WSAHOST_NOT_FOUND`.
fn name_exists(name: &CStr) -> bool {
    // SAFETY: all-zero is a valid libc::addrinfo.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_socktype = libc::SOCK_STREAM;
    native_getaddrinfo(Some(name), None, &hints, "gethostbyname").is_ok()
}

/// Resolves a host name (or a dotted IPv4 address) into a Windows `hostent` (IPv4 only:
/// `h_addrtype` `AF_INET`, `h_length` 4, `short` fields). The structure belongs to wstls and
/// to the calling thread; it stays valid until the thread's next `gethostbyname`. NULL or ""
/// means the local host. NULL on failure: `WSAHOST_NOT_FOUND`, `WSANO_DATA` (the name exists
/// but has no IPv4 address), `WSATRY_AGAIN`, `WSANO_RECOVERY`, `WSANOTINITIALISED`.
#[no_mangle]
pub unsafe extern "C" fn wstls_gethostbyname(name: *const c_char) -> *mut hostent {
    wsa_guard("gethostbyname", null_mut(), || {
        require_startup()?;
        lookup_hostent(opt_c_str(name))
    })
}

/// Resolves an address back to a host name, as a Windows `hostent` in the calling thread's
/// storage (the one `gethostbyname` uses). `addr` points to `len` bytes: a 4-byte IPv4
/// address with `type` `AF_INET` (2), or a 16-byte IPv6 address with `AF_INET6` (23). NULL on
/// failure: `WSAHOST_NOT_FOUND` (no name for the address), `WSAEFAULT` (NULL or short
/// `addr`), `WSAEAFNOSUPPORT`, `WSATRY_AGAIN`, `WSANOTINITIALISED`.
#[no_mangle]
pub unsafe extern "C" fn wstls_gethostbyaddr(
    addr: *const c_char,
    len: c_int,
    r#type: c_int,
) -> *mut hostent {
    wsa_guard("gethostbyaddr", null_mut(), || {
        require_startup()?;
        let need = match r#type {
            wsa::AF_INET => 4,
            wsa::AF_INET6 => 16,
            other => {
                return Err(Error::wsa(
                    wsa::WSAEAFNOSUPPORT,
                    format!("gethostbyaddr: type {other} is not AF_INET (2) or AF_INET6 (23)"),
                ))
            }
        };
        let bytes = ptr::bytes(addr, len, "gethostbyaddr: addr")?;
        if bytes.len() < need {
            return Err(Error::fault(&format!(
                "gethostbyaddr: addr ({len} bytes, need {need})"
            )));
        }
        let bytes = bytes[..need].to_vec();
        let ip: std::net::IpAddr = if need == 4 {
            Ipv4Addr::from(<[u8; 4]>::try_from(&bytes[..]).unwrap_or_default()).into()
        } else {
            Ipv6Addr::from(<[u8; 16]>::try_from(&bytes[..]).unwrap_or_default()).into()
        };
        let native = addr::to_sockaddr(&SocketAddr::new(ip, 0));
        let mut host = [0 as c_char; 1025];
        let rc = libc::getnameinfo(
            native.as_ptr() as *const libc::sockaddr,
            native.len(),
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            null_mut(),
            0,
            libc::NI_NAMEREQD,
        );
        if rc != 0 {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            let (code, text) = n::eai_to_wsa(rc, errno);
            return Err(Error::wsa(
                code,
                format!("gethostbyaddr({ip}): {text} ({})", wsa::name(code)),
            ));
        }
        let name = CStr::from_ptr(host.as_ptr()).to_owned();
        Ok(store_hostent(name, r#type, vec![bytes]))
    })
}

/// Copies the local host name, NUL-terminated, into `name`. `SOCKET_ERROR` with `WSAEFAULT`
/// when `name` is NULL or `namelen` too small, `WSANOTINITIALISED` before `WSAStartup`.
#[no_mangle]
pub unsafe extern "C" fn wstls_gethostname(name: *mut c_char, namelen: c_int) -> c_int {
    wsa_guard("gethostname", SOCKET_ERROR, || {
        require_startup()?;
        let h = host_name()?;
        let bytes = h.as_bytes_with_nul();
        if name.is_null() || namelen < 0 || (namelen as usize) < bytes.len() {
            return Err(Error::fault(&format!(
                "gethostname: name buffer ({namelen} bytes, need {})",
                bytes.len()
            )));
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr() as *const c_char, name, bytes.len());
        Ok(0)
    })
}

// ---------------------------------------------------------------------------------------------
// inet_addr / inet_ntoa / inet_pton / inet_ntop
// ---------------------------------------------------------------------------------------------

/// Converts an IPv4 address string to a network-order `u_long` (32-bit). Accepts the classic
/// forms `a.b.c.d`, `a.b.c`, `a.b` and `a` with decimal, octal (`0` prefix) or hex (`0x`)
/// parts; the string may end at whitespace. Returns `INADDR_NONE` (0xFFFFFFFF) for NULL, ""
/// or an invalid string. Does not need `WSAStartup`.
#[no_mangle]
pub unsafe extern "C" fn wstls_inet_addr(cp: *const c_char) -> u32 {
    plain_guard(u32::MAX, || match opt_c_str(cp) {
        Some(s) => n::parse_inet_addr(s.to_bytes()).map_or(u32::MAX, |v| v.to_be()),
        None => u32::MAX,
    })
}

/// Formats an IPv4 address (`in_addr`, passed by value) as dotted decimal. The string is in a
/// per-thread buffer that the thread's next `inet_ntoa` overwrites. Does not need
/// `WSAStartup`.
#[no_mangle]
pub extern "C" fn wstls_inet_ntoa(r#in: in_addr) -> *mut c_char {
    plain_guard(null_mut(), || {
        // SAFETY: every field of the union is plain data over the same 4 bytes.
        let raw = unsafe { r#in.S_un.S_addr };
        let text = Ipv4Addr::from(u32::from_be(raw)).to_string();
        NTOA.with(|b| {
            let mut b = b.borrow_mut();
            b.fill(0);
            b[..text.len()].copy_from_slice(text.as_bytes());
            b.as_mut_ptr() as *mut c_char
        })
    })
}

/// Converts a text address to binary: `AF_INET` (2) dotted decimal into a 4-byte `IN_ADDR`,
/// `AF_INET6` (23) into a 16-byte `IN6_ADDR`, network order. Returns 1, 0 when the string is
/// not a valid address of that family, or -1 with `WSAEAFNOSUPPORT` (other family) or
/// `WSAEFAULT` (NULL pointer). Does not need `WSAStartup`.
#[no_mangle]
pub unsafe extern "C" fn wstls_inet_pton(
    Family: c_int,
    pszAddrString: *const c_char,
    pAddrBuf: *mut c_void,
) -> c_int {
    wsa_guard("inet_pton", -1, || {
        if pszAddrString.is_null() || pAddrBuf.is_null() {
            return Err(Error::fault("inet_pton: pszAddrString/pAddrBuf"));
        }
        let text = CStr::from_ptr(pszAddrString).to_str().unwrap_or("");
        match Family {
            wsa::AF_INET => Ok(match text.parse::<Ipv4Addr>() {
                Ok(a) => {
                    std::ptr::copy_nonoverlapping(a.octets().as_ptr(), pAddrBuf as *mut u8, 4);
                    1
                }
                Err(_) => 0,
            }),
            wsa::AF_INET6 => Ok(match text.parse::<Ipv6Addr>() {
                Ok(a) => {
                    std::ptr::copy_nonoverlapping(a.octets().as_ptr(), pAddrBuf as *mut u8, 16);
                    1
                }
                Err(_) => 0,
            }),
            other => Err(Error::wsa(
                wsa::WSAEAFNOSUPPORT,
                format!("inet_pton: family {other} is not AF_INET (2) or AF_INET6 (23)"),
            )),
        }
    })
}

/// Converts a binary address to text: `AF_INET` (2) reads a 4-byte `IN_ADDR`, `AF_INET6` (23)
/// a 16-byte `IN6_ADDR` (RFC 5952 form, `::ffff:a.b.c.d` for mapped addresses). Writes into
/// `pStringBuf` (`StringBufSize` bytes: 16 and 46 always suffice) and returns it, or NULL
/// with `WSAEAFNOSUPPORT`, or `WSA_INVALID_PARAMETER` (87: NULL or too small buffer).
/// Does not need `WSAStartup`.
#[no_mangle]
pub unsafe extern "C" fn wstls_inet_ntop(
    Family: c_int,
    pAddr: *const c_void,
    pStringBuf: *mut c_char,
    StringBufSize: usize,
) -> *const c_char {
    wsa_guard("inet_ntop", null(), || {
        if pAddr.is_null() {
            return Err(Error::wsa(
                WSA_INVALID_PARAMETER,
                "inet_ntop: pAddr is NULL",
            ));
        }
        let text = match Family {
            wsa::AF_INET => {
                let mut b = [0u8; 4];
                std::ptr::copy_nonoverlapping(pAddr as *const u8, b.as_mut_ptr(), 4);
                Ipv4Addr::from(b).to_string()
            }
            wsa::AF_INET6 => {
                let mut b = [0u8; 16];
                std::ptr::copy_nonoverlapping(pAddr as *const u8, b.as_mut_ptr(), 16);
                Ipv6Addr::from(b).to_string()
            }
            other => {
                return Err(Error::wsa(
                    wsa::WSAEAFNOSUPPORT,
                    format!("inet_ntop: family {other} is not AF_INET (2) or AF_INET6 (23)"),
                ))
            }
        };
        if pStringBuf.is_null() || StringBufSize <= text.len() {
            return Err(Error::wsa(
                WSA_INVALID_PARAMETER,
                format!(
                    "inet_ntop: pStringBuf is NULL or too small ({StringBufSize} bytes, need {})",
                    text.len() + 1
                ),
            ));
        }
        std::ptr::copy_nonoverlapping(text.as_ptr() as *const c_char, pStringBuf, text.len());
        *pStringBuf.add(text.len()) = 0;
        Ok(pStringBuf as *const c_char)
    })
}

// ---------------------------------------------------------------------------------------------
// Byte order
// ---------------------------------------------------------------------------------------------

/// Host to network byte order, 16-bit (`u_short`).
#[no_mangle]
pub extern "C" fn wstls_htons(hostshort: u16) -> u16 {
    hostshort.to_be()
}

/// Host to network byte order, 32-bit (`u_long` is 32-bit on Windows).
#[no_mangle]
pub extern "C" fn wstls_htonl(hostlong: u32) -> u32 {
    hostlong.to_be()
}

/// Network to host byte order, 16-bit (`u_short`).
#[no_mangle]
pub extern "C" fn wstls_ntohs(netshort: u16) -> u16 {
    u16::from_be(netshort)
}

/// Network to host byte order, 32-bit (`u_long` is 32-bit on Windows).
#[no_mangle]
pub extern "C" fn wstls_ntohl(netlong: u32) -> u32 {
    u32::from_be(netlong)
}

/// `in_addr` from a network-order value (tests and callers building addresses).
pub fn in_addr_from_be(v: u32) -> in_addr {
    in_addr {
        S_un: in_addr_S_un { S_addr: v },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::winsock::{wstls_WSACleanup, wstls_WSAGetLastError, wstls_WSAStartup};
    use crate::win::winsock::{sockaddr_in, sockaddr_in6, WSADATA};

    /// Holds one `WSAStartup` reference for the test's duration.
    struct Started;
    impl Started {
        fn new() -> Started {
            let mut d = std::mem::MaybeUninit::<WSADATA>::zeroed();
            assert_eq!(unsafe { wstls_WSAStartup(0x0202, d.as_mut_ptr()) }, 0);
            Started
        }
    }
    impl Drop for Started {
        fn drop(&mut self) {
            assert_eq!(wstls_WSACleanup(), 0);
        }
    }

    fn hints(family: i32, socktype: i32, flags: i32) -> addrinfo {
        addrinfo {
            ai_flags: flags,
            ai_family: family,
            ai_socktype: socktype,
            ai_protocol: 0,
            ai_addrlen: 0,
            ai_canonname: null_mut(),
            ai_addr: null_mut(),
            ai_next: null_mut(),
        }
    }

    #[test]
    fn getaddrinfo_numeric_v4_and_v6_have_windows_layout() {
        let _s = Started::new();
        let mut res: *mut addrinfo = null_mut();
        let h = hints(
            wsa::AF_UNSPEC,
            wsa::SOCK_STREAM,
            n::AI_NUMERICHOST | n::AI_NUMERICSERV,
        );
        let rc =
            unsafe { wstls_getaddrinfo(c"127.0.0.1".as_ptr(), c"8443".as_ptr(), &h, &mut res) };
        assert_eq!(rc, 0);
        let ai = unsafe { &*res };
        assert_eq!(ai.ai_family, wsa::AF_INET);
        assert_eq!(ai.ai_socktype, wsa::SOCK_STREAM);
        assert_eq!(ai.ai_addrlen, 16);
        let sin = unsafe { &*(ai.ai_addr as *const sockaddr_in) };
        assert_eq!(sin.sin_family, wsa::AF_INET as i16);
        assert_eq!(u16::from_be(sin.sin_port), 8443);
        assert_eq!(
            unsafe { sin.sin_addr.S_un.S_addr },
            u32::from_be_bytes([127, 0, 0, 1]).to_be()
        );
        unsafe { wstls_freeaddrinfo(res) };

        let mut res: *mut addrinfo = null_mut();
        let h = hints(wsa::AF_INET6, wsa::SOCK_STREAM, n::AI_NUMERICHOST);
        let rc = unsafe { wstls_getaddrinfo(c"::1".as_ptr(), c"443".as_ptr(), &h, &mut res) };
        assert_eq!(rc, 0);
        let ai = unsafe { &*res };
        assert_eq!(ai.ai_family, 23);
        assert_eq!(ai.ai_addrlen, 28);
        let s6 = unsafe { &*(ai.ai_addr as *const sockaddr_in6) };
        assert_eq!(s6.sin6_family, 23);
        assert_eq!(unsafe { s6.sin6_addr.u.Byte }, Ipv6Addr::LOCALHOST.octets());
        assert!(ai.ai_next.is_null());
        unsafe { wstls_freeaddrinfo(res) };
    }

    #[test]
    fn getaddrinfo_passive_and_canonname() {
        let _s = Started::new();
        let mut res: *mut addrinfo = null_mut();
        let h = hints(wsa::AF_INET, wsa::SOCK_STREAM, n::AI_PASSIVE);
        assert_eq!(
            unsafe { wstls_getaddrinfo(null(), c"80".as_ptr(), &h, &mut res) },
            0
        );
        let sin = unsafe { &*((*res).ai_addr as *const sockaddr_in) };
        assert_eq!(unsafe { sin.sin_addr.S_un.S_addr }, 0);
        unsafe { wstls_freeaddrinfo(res) };

        let h = hints(wsa::AF_INET, wsa::SOCK_STREAM, n::AI_CANONNAME);
        assert_eq!(
            unsafe { wstls_getaddrinfo(c"localhost".as_ptr(), null(), &h, &mut res) },
            0
        );
        let canon = unsafe { CStr::from_ptr((*res).ai_canonname) };
        assert!(!canon.to_bytes().is_empty());
        unsafe { wstls_freeaddrinfo(res) };
    }

    #[test]
    fn getaddrinfo_errors_are_windows_codes() {
        let _s = Started::new();
        let mut res: *mut addrinfo = null_mut();
        let h = hints(wsa::AF_INET, 0, n::AI_NUMERICHOST);
        let rc = unsafe { wstls_getaddrinfo(c"not-an-address".as_ptr(), null(), &h, &mut res) };
        assert_eq!(rc, wsa::WSAHOST_NOT_FOUND);
        assert_eq!(wstls_WSAGetLastError(), wsa::WSAHOST_NOT_FOUND);
        assert!(res.is_null());
        let h = hints(10, 0, 0);
        assert_eq!(
            unsafe { wstls_getaddrinfo(c"127.0.0.1".as_ptr(), null(), &h, &mut res) },
            wsa::WSAEAFNOSUPPORT
        );
        let h = hints(0, 0, 0x200);
        assert_eq!(
            unsafe { wstls_getaddrinfo(c"127.0.0.1".as_ptr(), null(), &h, &mut res) },
            wsa::WSAEINVAL
        );
        assert_eq!(
            unsafe { wstls_getaddrinfo(null(), null(), null(), &mut res) },
            wsa::WSAHOST_NOT_FOUND
        );
        let h = hints(0, wsa::SOCK_STREAM, n::AI_NUMERICSERV);
        assert_eq!(
            unsafe { wstls_getaddrinfo(c"127.0.0.1".as_ptr(), c"http".as_ptr(), &h, &mut res) },
            wsa::WSAHOST_NOT_FOUND
        );
        assert_eq!(
            unsafe { wstls_getaddrinfo(c"127.0.0.1".as_ptr(), null(), null(), null_mut()) },
            wsa::WSAEFAULT
        );
        // A foreign pointer is not freed.
        let mut fake = hints(0, 0, 0);
        unsafe { wstls_freeaddrinfo(&mut fake) };
        assert_eq!(wstls_WSAGetLastError(), wsa::WSAEINVAL);
    }

    #[test]
    fn getnameinfo_numeric() {
        let _s = Started::new();
        let a: SocketAddr = "[::1]:8080".parse().unwrap();
        let (b, len) = addr::to_windows(&a);
        let mut host = [0 as c_char; 64];
        let mut serv = [0 as c_char; 16];
        let rc = unsafe {
            wstls_getnameinfo(
                b.as_ptr() as *const sockaddr,
                len as c_int,
                host.as_mut_ptr(),
                64,
                serv.as_mut_ptr(),
                16,
                n::NI_NUMERICHOST | n::NI_NUMERICSERV,
            )
        };
        assert_eq!(rc, 0);
        assert_eq!(
            unsafe { CStr::from_ptr(host.as_ptr()) }.to_str().unwrap(),
            "::1"
        );
        assert_eq!(
            unsafe { CStr::from_ptr(serv.as_ptr()) }.to_str().unwrap(),
            "8080"
        );
        let rc = unsafe {
            wstls_getnameinfo(
                b.as_ptr() as *const sockaddr,
                16,
                host.as_mut_ptr(),
                64,
                null_mut(),
                0,
                n::NI_NUMERICHOST,
            )
        };
        assert_eq!(rc, wsa::WSAEFAULT);
        let rc = unsafe {
            wstls_getnameinfo(
                b.as_ptr() as *const sockaddr,
                len as c_int,
                host.as_mut_ptr(),
                2,
                null_mut(),
                0,
                n::NI_NUMERICHOST,
            )
        };
        assert_eq!(rc, wsa::WSAEFAULT);
    }

    #[test]
    fn gethostbyname_localhost_and_literal() {
        let _s = Started::new();
        let h = unsafe { wstls_gethostbyname(c"127.0.0.1".as_ptr()) };
        assert!(!h.is_null());
        let h = unsafe { &*h };
        assert_eq!(h.h_addrtype, wsa::AF_INET as i16);
        assert_eq!(h.h_length, 4);
        let first = unsafe { std::slice::from_raw_parts(*h.h_addr_list as *const u8, 4) };
        assert_eq!(first, &[127, 0, 0, 1]);
        assert!(unsafe { *h.h_aliases }.is_null());
        let h = unsafe { wstls_gethostbyname(c"localhost".as_ptr()) };
        assert!(!h.is_null());
        let h = unsafe { wstls_gethostbyname(c"no-such-host.invalid".as_ptr()) };
        assert!(h.is_null());
        let code = wstls_WSAGetLastError();
        assert!(
            code == wsa::WSAHOST_NOT_FOUND || code == wsa::WSATRY_AGAIN,
            "code {code}"
        );
    }

    #[test]
    fn gethostbyaddr_loopback() {
        let _s = Started::new();
        let a = [127u8, 0, 0, 1];
        let h = unsafe { wstls_gethostbyaddr(a.as_ptr() as *const c_char, 4, wsa::AF_INET) };
        assert!(
            !h.is_null(),
            "gethostbyaddr(127.0.0.1): {}",
            wstls_WSAGetLastError()
        );
        let h = unsafe { &*h };
        assert_eq!(h.h_addrtype, 2);
        assert_eq!(h.h_length, 4);
        assert!(!unsafe { CStr::from_ptr(h.h_name) }.to_bytes().is_empty());
        assert_eq!(
            unsafe { std::slice::from_raw_parts(*h.h_addr_list as *const u8, 4) },
            &a
        );
        assert!(
            unsafe { wstls_gethostbyaddr(a.as_ptr() as *const c_char, 3, wsa::AF_INET) }.is_null()
        );
        assert_eq!(wstls_WSAGetLastError(), wsa::WSAEFAULT);
        assert!(unsafe { wstls_gethostbyaddr(a.as_ptr() as *const c_char, 4, 10) }.is_null());
        assert_eq!(wstls_WSAGetLastError(), wsa::WSAEAFNOSUPPORT);
    }

    #[test]
    fn gethostname_needs_room() {
        let _s = Started::new();
        let mut buf = [0 as c_char; 256];
        assert_eq!(unsafe { wstls_gethostname(buf.as_mut_ptr(), 256) }, 0);
        assert_eq!(
            unsafe { CStr::from_ptr(buf.as_ptr()) },
            host_name().unwrap().as_c_str()
        );
        assert_eq!(
            unsafe { wstls_gethostname(buf.as_mut_ptr(), 1) },
            SOCKET_ERROR
        );
        assert_eq!(wstls_WSAGetLastError(), wsa::WSAEFAULT);
    }

    #[test]
    fn inet_helpers() {
        assert_eq!(
            unsafe { wstls_inet_addr(c"127.0.0.1".as_ptr()) },
            u32::from_ne_bytes([127, 0, 0, 1])
        );
        assert_eq!(unsafe { wstls_inet_addr(c"bogus".as_ptr()) }, u32::MAX);
        assert_eq!(unsafe { wstls_inet_addr(null()) }, u32::MAX);
        let s = wstls_inet_ntoa(in_addr_from_be(u32::from_ne_bytes([10, 1, 2, 3])));
        assert_eq!(unsafe { CStr::from_ptr(s) }.to_str().unwrap(), "10.1.2.3");

        let mut b6 = [0u8; 16];
        assert_eq!(
            unsafe { wstls_inet_pton(23, c"fe80::1".as_ptr(), b6.as_mut_ptr() as *mut c_void) },
            1
        );
        assert_eq!(b6[0], 0xfe);
        assert_eq!(b6[15], 1);
        assert_eq!(
            unsafe { wstls_inet_pton(23, c"1.2.3.4".as_ptr(), b6.as_mut_ptr() as *mut c_void) },
            0
        );
        assert_eq!(
            unsafe { wstls_inet_pton(10, c"::1".as_ptr(), b6.as_mut_ptr() as *mut c_void) },
            -1
        );
        assert_eq!(wstls_WSAGetLastError(), wsa::WSAEAFNOSUPPORT);
        let mut b4 = [0u8; 4];
        assert_eq!(
            unsafe { wstls_inet_pton(2, c"192.168.1.20".as_ptr(), b4.as_mut_ptr() as *mut c_void) },
            1
        );
        assert_eq!(b4, [192, 168, 1, 20]);

        let mut out = [0 as c_char; 46];
        let mapped = Ipv6Addr::from([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]).octets();
        let r =
            unsafe { wstls_inet_ntop(23, mapped.as_ptr() as *const c_void, out.as_mut_ptr(), 46) };
        assert_eq!(r, out.as_ptr());
        assert_eq!(
            unsafe { CStr::from_ptr(r) }.to_str().unwrap(),
            "::ffff:1.2.3.4"
        );
        let r = unsafe { wstls_inet_ntop(2, b4.as_ptr() as *const c_void, out.as_mut_ptr(), 12) };
        assert!(r.is_null());
        assert_eq!(wstls_WSAGetLastError(), WSA_INVALID_PARAMETER);
        let r = unsafe { wstls_inet_ntop(2, b4.as_ptr() as *const c_void, out.as_mut_ptr(), 13) };
        assert_eq!(
            unsafe { CStr::from_ptr(r) }.to_str().unwrap(),
            "192.168.1.20"
        );

        assert_eq!(wstls_htons(0x1234), 0x1234u16.to_be());
        assert_eq!(wstls_ntohl(wstls_htonl(0x0102_0304)), 0x0102_0304);
        assert_eq!(wstls_htonl(1).to_ne_bytes(), [0, 0, 0, 1]);
    }
}
