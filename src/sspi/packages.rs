//! The Schannel security packages and their `SecPkgInfoA/W` descriptions.
//!
//! wstls registers the unified provider (`UNISP_NAME`, what curl passes) and its aliases
//! `Schannel` and `Default TLS SSP`, plus the legacy per-protocol names (`Microsoft TLS 1.0`,
//! ...), which select the same TLS engine. Names match case-insensitively (Windows' behaviour
//! is not documented; case-insensitive is the forgiving choice).
use crate::sspi::mem;
use crate::win::sspi::*;

pub const UNISP_NAME: &str = "Microsoft Unified Security Protocol Provider";
pub const SCHANNEL_NAME: &str = "Schannel";
pub const DEFAULT_TLS_SSP_NAME: &str = "Default TLS SSP";
const LEGACY: [&str; 4] = [
    "Microsoft SSL 2.0",
    "Microsoft SSL 3.0",
    "Microsoft TLS 1.0",
    "Microsoft PCT 1.0",
];

/// The packages `EnumerateSecurityPackages` lists.
pub const LISTED: [&str; 3] = [UNISP_NAME, SCHANNEL_NAME, DEFAULT_TLS_SSP_NAME];

pub const COMMENT: &str = "Schannel Security Package (wstls: TLS 1.2 and 1.3 over rustls)";

/// `fCapabilities` of the Schannel packages (as Wine registers them).
pub const CAPABILITIES: u32 = SECPKG_FLAG_INTEGRITY
    | SECPKG_FLAG_PRIVACY
    | SECPKG_FLAG_CONNECTION
    | SECPKG_FLAG_MULTI_REQUIRED
    | SECPKG_FLAG_EXTENDED_ERROR
    | SECPKG_FLAG_IMPERSONATION
    | SECPKG_FLAG_ACCEPT_WIN32_NAME
    | SECPKG_FLAG_STREAM;

/// `cbMaxToken`: the largest token a caller-sized output buffer may have to hold.
pub const MAX_TOKEN: u32 = 16384;

/// Whether `name` selects the Schannel package.
pub fn is_schannel(name: &str) -> bool {
    LISTED
        .iter()
        .chain(LEGACY.iter())
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// The canonical name for `name` (for `QuerySecurityPackageInfo`).
pub fn canonical(name: &str) -> Option<&'static str> {
    LISTED
        .iter()
        .chain(LEGACY.iter())
        .copied()
        .find(|n| n.eq_ignore_ascii_case(name))
}

/// One block holding `SecPkgInfoA` entries for `names` followed by their strings; free it with
/// `FreeContextBuffer`. NULL when out of memory.
pub fn info_block_a(names: &[&str]) -> *mut SecPkgInfoA {
    let head = std::mem::size_of::<SecPkgInfoA>() * names.len();
    let strings: usize = names.iter().map(|n| n.len() + 1 + COMMENT.len() + 1).sum();
    let p = mem::alloc_zeroed(head + strings);
    if p.is_null() {
        return std::ptr::null_mut();
    }
    let mut s = head;
    for (i, n) in names.iter().enumerate() {
        // SAFETY: the block holds `names.len()` entries and every string with its NUL.
        unsafe {
            let name = p.add(s);
            std::ptr::copy_nonoverlapping(n.as_ptr(), name, n.len());
            s += n.len() + 1;
            let comment = p.add(s);
            std::ptr::copy_nonoverlapping(COMMENT.as_ptr(), comment, COMMENT.len());
            s += COMMENT.len() + 1;
            let e = (p as *mut SecPkgInfoA).add(i);
            e.write(SecPkgInfoA {
                fCapabilities: CAPABILITIES,
                wVersion: 1,
                wRPCID: UNISP_RPC_ID,
                cbMaxToken: MAX_TOKEN,
                Name: name as *mut _,
                Comment: comment as *mut _,
            });
        }
    }
    p as *mut SecPkgInfoA
}

/// [`info_block_a`] with UTF-16 strings.
pub fn info_block_w(names: &[&str]) -> *mut SecPkgInfoW {
    let head = std::mem::size_of::<SecPkgInfoW>() * names.len();
    let wide: Vec<(Vec<u16>, Vec<u16>)> = names
        .iter()
        .map(|n| {
            (
                n.encode_utf16().chain([0]).collect(),
                COMMENT.encode_utf16().chain([0]).collect(),
            )
        })
        .collect();
    let strings: usize = wide.iter().map(|(a, b)| 2 * (a.len() + b.len())).sum();
    let p = mem::alloc_zeroed(head + strings);
    if p.is_null() {
        return std::ptr::null_mut();
    }
    let mut s = head;
    for (i, (n, c)) in wide.iter().enumerate() {
        // SAFETY: as in info_block_a; `head` is a multiple of 8, so the u16 strings are aligned.
        unsafe {
            let name = p.add(s) as *mut u16;
            std::ptr::copy_nonoverlapping(n.as_ptr(), name, n.len());
            s += 2 * n.len();
            let comment = p.add(s) as *mut u16;
            std::ptr::copy_nonoverlapping(c.as_ptr(), comment, c.len());
            s += 2 * c.len();
            let e = (p as *mut SecPkgInfoW).add(i);
            e.write(SecPkgInfoW {
                fCapabilities: CAPABILITIES,
                wVersion: 1,
                wRPCID: UNISP_RPC_ID,
                cbMaxToken: MAX_TOKEN,
                Name: name,
                Comment: comment,
            });
        }
    }
    p as *mut SecPkgInfoW
}
