//! Checked conversions of raw pointers and lengths from C into Rust references.
//!
//! A NULL pointer, a negative length or a length too small for the expected structure is a
//! `WSAEFAULT` (never a crash). These are the only places that dereference caller memory
//! without a further check.
use std::os::raw::c_char;

use crate::error::{Error, Result};

/// `&T` from a non-NULL, aligned pointer.
pub unsafe fn as_ref<'a, T>(p: *const T, what: &str) -> Result<&'a T> {
    if p.is_null() || (p as usize) % std::mem::align_of::<T>() != 0 {
        return Err(Error::fault(what));
    }
    Ok(&*p)
}

/// `&mut T` from a non-NULL, aligned pointer.
pub unsafe fn as_mut<'a, T>(p: *mut T, what: &str) -> Result<&'a mut T> {
    if p.is_null() || (p as usize) % std::mem::align_of::<T>() != 0 {
        return Err(Error::fault(what));
    }
    Ok(&mut *p)
}

/// Optional `&mut T`: NULL gives `None`.
pub unsafe fn opt_mut<'a, T>(p: *mut T) -> Option<&'a mut T> {
    if p.is_null() {
        None
    } else {
        Some(&mut *p)
    }
}

/// A byte slice from a C buffer and an `int` length (negative: `WSAEFAULT`/`WSAEINVAL`).
pub unsafe fn bytes<'a>(p: *const c_char, len: i32, what: &str) -> Result<&'a [u8]> {
    if len < 0 {
        return Err(Error::fault(&format!("{what} (negative length {len})")));
    }
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Error::fault(what));
    }
    Ok(std::slice::from_raw_parts(p as *const u8, len as usize))
}

/// A mutable byte slice from a C buffer and an `int` length.
pub unsafe fn bytes_mut<'a>(p: *mut c_char, len: i32, what: &str) -> Result<&'a mut [u8]> {
    if len < 0 {
        return Err(Error::fault(&format!("{what} (negative length {len})")));
    }
    if len == 0 {
        return Ok(&mut []);
    }
    if p.is_null() {
        return Err(Error::fault(what));
    }
    Ok(std::slice::from_raw_parts_mut(p as *mut u8, len as usize))
}

/// A byte slice from a pointer and an unsigned 32-bit length (DWORD buffers); NULL with 0 is empty.
pub unsafe fn dword_bytes<'a>(p: *const u8, len: u32, what: &str) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Error::fault(what));
    }
    Ok(std::slice::from_raw_parts(p, len as usize))
}

/// A NUL-terminated C string as `&str` (NULL: `WSAEFAULT`; not UTF-8: `WSAEINVAL`).
pub unsafe fn c_str<'a>(p: *const c_char, what: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(Error::fault(what));
    }
    std::ffi::CStr::from_ptr(p)
        .to_str()
        .map_err(|_| Error::inval(format!("{what}: not valid UTF-8")))
}

/// Reads a POD value of type `T` from a buffer of `len` bytes (too short: `WSAEFAULT`).
pub unsafe fn read_struct<T: Copy>(p: *const u8, len: usize, what: &str) -> Result<T> {
    if p.is_null() || len < std::mem::size_of::<T>() {
        return Err(Error::fault(&format!(
            "{what} (need {} bytes, got {len})",
            std::mem::size_of::<T>()
        )));
    }
    Ok(std::ptr::read_unaligned(p as *const T))
}

/// Writes a POD value into a buffer of `len` bytes (too short: `WSAEFAULT`).
pub unsafe fn write_struct<T: Copy>(p: *mut u8, len: usize, v: T, what: &str) -> Result<()> {
    if p.is_null() || len < std::mem::size_of::<T>() {
        return Err(Error::fault(&format!(
            "{what} (need {} bytes, got {len})",
            std::mem::size_of::<T>()
        )));
    }
    std::ptr::write_unaligned(p as *mut T, v);
    Ok(())
}
