//! Memory the SSPI package hands to the program (`ISC_REQ_ALLOCATE_MEMORY` tokens, package
//! lists, attribute arrays), released with `FreeContextBuffer`.
//!
//! Blocks come from `malloc` and are recorded, so `FreeContextBuffer` frees only what wstls
//! handed out: an unknown pointer is reported, not passed to `free`.
use std::collections::HashSet;
use std::os::raw::c_void;
use std::sync::Mutex;

use once_cell::sync::Lazy;

static LIVE: Lazy<Mutex<HashSet<usize>>> = Lazy::new(|| Mutex::new(HashSet::new()));

/// A zeroed block of `len` bytes (at least 1), 16-byte aligned; NULL when out of memory.
pub fn alloc_zeroed(len: usize) -> *mut u8 {
    // SAFETY: calloc with a nonzero size; malloc'd memory is aligned for any type.
    let p = unsafe { libc::calloc(1, len.max(1)) } as *mut u8;
    if !p.is_null() {
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p as usize);
    }
    p
}

/// A copy of `bytes` in a new block; NULL when out of memory.
pub fn alloc_copy(bytes: &[u8]) -> *mut u8 {
    let p = alloc_zeroed(bytes.len());
    if !p.is_null() && !bytes.is_empty() {
        // SAFETY: p has room for bytes.len() bytes.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
    }
    p
}

/// Frees a block handed out by [`alloc_zeroed`]/[`alloc_copy`]; `false` if `p` is not one.
// Safe to call with any pointer: only pointers found in the live set reach `free`.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn free(p: *mut c_void) -> bool {
    if p.is_null() {
        return true;
    }
    let known = LIVE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&(p as usize));
    if known {
        // SAFETY: p came from calloc and is freed once (it just left the live set).
        unsafe { libc::free(p) };
    }
    known
}

/// Blocks currently handed out (tests check for leaks with it).
pub fn live() -> usize {
    LIVE.lock().unwrap_or_else(|e| e.into_inner()).len()
}
