//! SSPI / Schannel entry points (`wstls_AcquireCredentialsHandleA`, `wstls_InitializeSecurityContextA`,
//! `wstls_EncryptMessage`, ...), each a thin wrapper: guard (panics, NULL and short buffers),
//! handle lookup, a call into [`crate::sspi`], and the Windows conventions for the buffers.
//!
//! Integer parameters keep their Windows widths: `ULONG` is 32-bit (`uint32_t`) in every
//! prototype and structure (see docs/sspi.md for `unsigned long` callers). Wide strings are
//! UTF-16 (`SEC_WCHAR` is 16-bit).
#![allow(non_snake_case)]

use std::os::raw::{c_char, c_int, c_void};
use std::sync::Arc;

use super::sspi_guard;
use crate::sspi::context::{Context, Decrypted};
use crate::sspi::cred::Credential;
use crate::sspi::{
    attrs, cert, mem, packages, SecError, SecResult, CONTEXTS, CREDS, CRED_TAG, CTXT_TAG,
};
use crate::win::sspi::*;

// ---------------------------------------------------------------------------------------------
// Buffer helpers
// ---------------------------------------------------------------------------------------------

fn sec(status: i32, msg: impl Into<String>) -> SecError {
    SecError::new(status, msg)
}

fn btype(b: &SecBuffer) -> u32 {
    b.BufferType & !SECBUFFER_ATTRMASK
}

/// The buffers of a `SecBufferDesc` (NULL or malformed: `SEC_E_INVALID_TOKEN`).
unsafe fn buffers<'a>(desc: *mut SecBufferDesc, what: &str) -> SecResult<&'a mut [SecBuffer]> {
    if desc.is_null() || (desc as usize) % std::mem::align_of::<SecBufferDesc>() != 0 {
        return Err(sec(
            SEC_E_INVALID_TOKEN,
            format!("{what}: NULL or misaligned SecBufferDesc"),
        ));
    }
    let d = &*desc;
    if d.ulVersion != SECBUFFER_VERSION {
        return Err(sec(
            SEC_E_INVALID_TOKEN,
            format!(
                "{what}: ulVersion must be SECBUFFER_VERSION (0), not {}",
                d.ulVersion
            ),
        ));
    }
    if d.cBuffers == 0 {
        return Ok(&mut []);
    }
    if d.cBuffers > 1024
        || d.pBuffers.is_null()
        || (d.pBuffers as usize) % std::mem::align_of::<SecBuffer>() != 0
    {
        return Err(sec(
            SEC_E_INVALID_TOKEN,
            format!("{what}: bad pBuffers/cBuffers ({} buffers)", d.cBuffers),
        ));
    }
    Ok(std::slice::from_raw_parts_mut(
        d.pBuffers,
        d.cBuffers as usize,
    ))
}

/// A buffer's bytes (NULL with a nonzero size: `SEC_E_INVALID_TOKEN`).
unsafe fn bytes<'a>(b: &SecBuffer, what: &str) -> SecResult<&'a [u8]> {
    if b.cbBuffer == 0 {
        return Ok(&[]);
    }
    if b.pvBuffer.is_null() {
        return Err(sec(
            SEC_E_INVALID_TOKEN,
            format!("{what}: NULL pvBuffer with cbBuffer {}", b.cbBuffer),
        ));
    }
    Ok(std::slice::from_raw_parts(
        b.pvBuffer as *const u8,
        b.cbBuffer as usize,
    ))
}

unsafe fn bytes_mut<'a>(p: *mut c_void, len: usize, what: &str) -> SecResult<&'a mut [u8]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if p.is_null() {
        return Err(sec(
            SEC_E_INVALID_TOKEN,
            format!("{what}: NULL pvBuffer with cbBuffer {len}"),
        ));
    }
    Ok(std::slice::from_raw_parts_mut(p as *mut u8, len))
}

/// Puts `data` in an output buffer: a new allocation (`*_REQ_ALLOCATE_MEMORY`, freed with
/// `FreeContextBuffer`; none when `data` is empty) or the caller's memory.
unsafe fn put(b: &mut SecBuffer, data: &[u8], alloc: bool, typ: u32) -> SecResult<()> {
    if alloc {
        if data.is_empty() {
            b.pvBuffer = std::ptr::null_mut();
        } else {
            let p = mem::alloc_copy(data);
            if p.is_null() {
                return Err(sec(
                    SEC_E_INSUFFICIENT_MEMORY,
                    "out of memory for the output token",
                ));
            }
            b.pvBuffer = p as *mut c_void;
        }
    } else {
        if data.len() > b.cbBuffer as usize {
            let msg = format!(
                "the output buffer holds {} bytes but the token needs {}: pass ISC_REQ_ALLOCATE_MEMORY/ASC_REQ_ALLOCATE_MEMORY or a larger buffer",
                b.cbBuffer,
                data.len()
            );
            b.cbBuffer = 0;
            return Err(sec(SEC_E_BUFFER_TOO_SMALL, msg));
        }
        if !data.is_empty() {
            if b.pvBuffer.is_null() {
                return Err(sec(SEC_E_INVALID_TOKEN, "output buffer: NULL pvBuffer"));
            }
            std::ptr::copy_nonoverlapping(data.as_ptr(), b.pvBuffer as *mut u8, data.len());
        }
    }
    b.cbBuffer = data.len() as u32;
    b.BufferType = typ;
    Ok(())
}

/// Reads a NUL-terminated narrow string (NULL: `None`; invalid UTF-8 is replaced).
unsafe fn str_a(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    Some(std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
}

/// Reads a NUL-terminated UTF-16 string (NULL: `None`).
unsafe fn str_w(p: *const WCHAR) -> Option<String> {
    if p.is_null() || (p as usize) % 2 != 0 {
        return None;
    }
    let mut n = 0usize;
    while n < 65536 && *p.add(n) != 0 {
        n += 1;
    }
    Some(String::from_utf16_lossy(std::slice::from_raw_parts(p, n)))
}

unsafe fn write_time(t: *mut TimeStamp, unix: Option<i64>) {
    if t.is_null() || (t as usize) % 4 != 0 {
        return;
    }
    let v = match unix {
        Some(s) => crate::win::crypt::FILETIME::from_unix(s).as_u64() as i64,
        None => TIMESTAMP_FOREVER,
    };
    std::ptr::write_unaligned(t as *mut i64, v);
}

/// Parses `SEC_APPLICATION_PROTOCOLS` into ALPN names.
fn parse_alpn(b: &[u8]) -> SecResult<Vec<Vec<u8>>> {
    let bad = || {
        sec(
            SEC_E_INVALID_TOKEN,
            "malformed SECBUFFER_APPLICATION_PROTOCOLS buffer",
        )
    };
    if b.len() < 4 {
        return Err(bad());
    }
    let total = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let lists = b.get(4..4 + total).ok_or_else(bad)?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < lists.len() {
        let h = lists.get(i..i + 6).ok_or_else(bad)?;
        let ext = u32::from_ne_bytes([h[0], h[1], h[2], h[3]]);
        let size = u16::from_ne_bytes([h[4], h[5]]) as usize;
        let list = lists.get(i + 6..i + 6 + size).ok_or_else(bad)?;
        i += 6 + size;
        if ext != SecApplicationProtocolNegotiationExt_ALPN {
            continue; // NPN and others: not offered
        }
        let mut j = 0;
        while j < list.len() {
            let l = list[j] as usize;
            let name = list.get(j + 1..j + 1 + l).ok_or_else(bad)?;
            if l == 0 {
                return Err(bad());
            }
            out.push(name.to_vec());
            j += 1 + l;
        }
    }
    Ok(out)
}

/// What the input `SecBufferDesc` of ISC/ASC carries.
struct Input<'a> {
    /// Index of the TOKEN buffer and its bytes.
    token: Option<(usize, &'a [u8])>,
    alpn: Vec<Vec<u8>>,
}

unsafe fn parse_input<'a>(ins: &[SecBuffer]) -> SecResult<Input<'a>> {
    let mut token = None;
    let mut alpn = Vec::new();
    for (i, b) in ins.iter().enumerate() {
        match btype(b) {
            SECBUFFER_TOKEN if token.is_none() => token = Some((i, bytes(b, "input TOKEN")?)),
            SECBUFFER_EMPTY if b.cbBuffer != 0 => {
                return Err(sec(SEC_E_INVALID_TOKEN, "an EMPTY input buffer must have cbBuffer 0 (it receives SECBUFFER_EXTRA/MISSING)"));
            }
            SECBUFFER_APPLICATION_PROTOCOLS => {
                alpn = parse_alpn(bytes(b, "SECBUFFER_APPLICATION_PROTOCOLS")?)?
            }
            _ => {}
        }
    }
    Ok(Input { token, alpn })
}

/// Checks output buffers before any work (Windows fails early on these).
unsafe fn check_outputs(outs: &[SecBuffer], alloc: bool) -> SecResult<()> {
    if outs.is_empty() {
        return Err(sec(SEC_E_INVALID_TOKEN, "pOutput must describe at least one buffer (a TOKEN or EMPTY buffer for the output token)"));
    }
    if !alloc {
        for b in outs {
            let t = btype(b);
            if (t == SECBUFFER_TOKEN || t == SECBUFFER_ALERT) && b.cbBuffer == 0 {
                return Err(sec(SEC_E_INSUFFICIENT_MEMORY, "an output buffer has cbBuffer 0 and ISC_REQ_ALLOCATE_MEMORY/ASC_REQ_ALLOCATE_MEMORY is not set"));
            }
        }
    }
    Ok(())
}

fn token_slot(outs: &[SecBuffer]) -> Option<usize> {
    outs.iter()
        .position(|b| btype(b) == SECBUFFER_TOKEN)
        .or_else(|| outs.iter().position(|b| btype(b) == SECBUFFER_EMPTY))
}

/// A handle the caller passes for "no context yet": NULL or `SecInvalidateHandle`'s value.
unsafe fn opt_handle<'a>(h: *mut SecHandle) -> Option<&'a mut SecHandle> {
    if h.is_null() || (h as usize) % std::mem::align_of::<SecHandle>() != 0 {
        return None;
    }
    let r = &mut *h;
    if r.dwLower == usize::MAX && r.dwUpper == usize::MAX {
        return None;
    }
    Some(r)
}

fn register_context(c: Arc<Context>) -> SecResult<SecHandle> {
    let h = CONTEXTS
        .insert(c)
        .ok_or_else(|| sec(SEC_E_INSUFFICIENT_MEMORY, "too many security contexts"))?;
    Ok(SecHandle {
        dwLower: h,
        dwUpper: CTXT_TAG,
    })
}

// ---------------------------------------------------------------------------------------------
// ISC / ASC
// ---------------------------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
unsafe fn token_call(
    server: bool,
    phCredential: *mut CredHandle,
    phContext: *mut CtxtHandle,
    target: Option<String>,
    fContextReq: u32,
    pInput: *mut SecBufferDesc,
    phNewContext: *mut CtxtHandle,
    pOutput: *mut SecBufferDesc,
    pfContextAttr: *mut u32,
    ptsExpiry: *mut TimeStamp,
) -> SecResult<i32> {
    let alloc = fContextReq & ISC_REQ_ALLOCATE_MEMORY != 0; // same bit for ASC
    let outs = buffers(pOutput, "pOutput")?;
    check_outputs(outs, alloc)?;
    let ins: &mut [SecBuffer] = if pInput.is_null() {
        &mut []
    } else {
        buffers(pInput, "pInput")?
    };
    let input = parse_input(ins)?;
    let existing = match opt_handle(phContext) {
        Some(h) => Some(crate::sspi::context(h)?),
        None => None,
    };
    let (ctx, created) = match existing {
        Some(c) => (c, false),
        None => {
            let ch = opt_handle(phCredential)
                .ok_or_else(|| sec(SEC_E_INVALID_HANDLE, "phCredential is NULL"))?;
            let cred = crate::sspi::cred(ch)?;
            let c = if server {
                Context::server(cred, fContextReq, input.alpn.clone())?
            } else {
                Context::client(cred, target, fContextReq, input.alpn.clone())?
            };
            (Arc::new(c), true)
        }
    };
    let tok: &[u8] = input.token.map(|(_, b)| b).unwrap_or(&[]);
    // The buffer after the input TOKEN receives SECBUFFER_EXTRA / SECBUFFER_MISSING.
    let slot = input
        .token
        .and_then(|(i, _)| ins.get(i + 1).map(|_| i + 1))
        .filter(|&i| btype(&ins[i]) == SECBUFFER_EMPTY);
    let out = match ctx.step(tok, fContextReq, created) {
        Ok(o) => o,
        Err(e) => {
            for b in outs.iter_mut() {
                match btype(b) {
                    SECBUFFER_TOKEN => {
                        if alloc {
                            b.pvBuffer = std::ptr::null_mut();
                        }
                        b.cbBuffer = 0;
                    }
                    SECBUFFER_ALERT => {
                        let _ = put(b, &e.alert, alloc, SECBUFFER_ALERT);
                    }
                    _ => {}
                }
            }
            return Err(e);
        }
    };
    if out.status == SEC_E_INCOMPLETE_MESSAGE {
        if let Some(i) = slot {
            ins[i].BufferType = SECBUFFER_MISSING;
            ins[i].cbBuffer = out.missing as u32;
        }
        return Ok(SEC_E_INCOMPLETE_MESSAGE);
    }
    // Outputs.
    let ti = token_slot(outs)
        .ok_or_else(|| sec(SEC_E_INVALID_TOKEN, "pOutput has no TOKEN or EMPTY buffer"))?;
    if let Err(e) = put(&mut outs[ti], &out.token, alloc, SECBUFFER_TOKEN) {
        // The handshake moved on; the token is lost, so the context cannot continue (the
        // program still deletes it; a context made by this call is dropped).
        ctx.poison(&e);
        return Err(e);
    }
    for b in outs.iter_mut() {
        if btype(b) == SECBUFFER_ALERT {
            put(b, &[], alloc, SECBUFFER_ALERT)?;
        }
    }
    if out.extra > 0 {
        if let (Some(i), Some((_, t))) = (slot, input.token) {
            ins[i].BufferType = SECBUFFER_EXTRA;
            ins[i].cbBuffer = out.extra as u32;
            ins[i].pvBuffer = t.as_ptr().add(t.len() - out.extra) as *mut c_void;
        } else {
            log::warn!("{} unconsumed input bytes and no EMPTY buffer after the input TOKEN to report them in", out.extra);
        }
    }
    let handle = if created {
        register_context(ctx)?
    } else {
        *opt_handle(phContext).expect("checked above")
    };
    if !phNewContext.is_null() && (phNewContext as usize) % std::mem::align_of::<SecHandle>() == 0 {
        *phNewContext = handle;
    }
    if !pfContextAttr.is_null() && (pfContextAttr as usize) % 4 == 0 {
        *pfContextAttr = out.flags;
    }
    if out.status == SEC_E_OK {
        write_time(ptsExpiry, out.expiry);
    }
    Ok(out.status)
}

/// Builds or continues a client (outbound) TLS security context: the `InitializeSecurityContext`
/// loop of Schannel. First call: `phContext` NULL, output = the ClientHello token,
/// `SEC_I_CONTINUE_NEEDED`. Later calls: `pInput` = `[TOKEN (bytes received), EMPTY]`; returns
/// `SEC_I_CONTINUE_NEEDED`, `SEC_E_OK` (handshake done; still send any output token),
/// `SEC_E_INCOMPLETE_MESSAGE` (read more; `SECBUFFER_MISSING` says how much),
/// `SEC_I_INCOMPLETE_CREDENTIALS` (the server asked for a certificate and none was supplied;
/// call again, with `ISC_REQ_USE_SUPPLIED_CREDS` to continue without) or an error such as
/// `SEC_E_UNTRUSTED_ROOT`, `SEC_E_WRONG_PRINCIPAL`, `SEC_E_CERT_EXPIRED`. Unconsumed input is
/// reported as `SECBUFFER_EXTRA` in the buffer after the TOKEN. `pszTargetName` is the server
/// name (SNI and certificate check).
#[no_mangle]
pub unsafe extern "C" fn wstls_InitializeSecurityContextA(
    phCredential: *mut CredHandle,
    phContext: *mut CtxtHandle,
    pszTargetName: *mut c_char,
    fContextReq: u32,
    Reserved1: u32,
    TargetDataRep: u32,
    pInput: *mut SecBufferDesc,
    Reserved2: u32,
    phNewContext: *mut CtxtHandle,
    pOutput: *mut SecBufferDesc,
    pfContextAttr: *mut u32,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (Reserved1, TargetDataRep, Reserved2);
    sspi_guard("InitializeSecurityContextA", || {
        token_call(
            false,
            phCredential,
            phContext,
            str_a(pszTargetName),
            fContextReq,
            pInput,
            phNewContext,
            pOutput,
            pfContextAttr,
            ptsExpiry,
        )
    })
}

/// `InitializeSecurityContextW`: as [`wstls_InitializeSecurityContextA`] with a UTF-16 target
/// name.
#[no_mangle]
pub unsafe extern "C" fn wstls_InitializeSecurityContextW(
    phCredential: *mut CredHandle,
    phContext: *mut CtxtHandle,
    pszTargetName: *mut WCHAR,
    fContextReq: u32,
    Reserved1: u32,
    TargetDataRep: u32,
    pInput: *mut SecBufferDesc,
    Reserved2: u32,
    phNewContext: *mut CtxtHandle,
    pOutput: *mut SecBufferDesc,
    pfContextAttr: *mut u32,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (Reserved1, TargetDataRep, Reserved2);
    sspi_guard("InitializeSecurityContextW", || {
        token_call(
            false,
            phCredential,
            phContext,
            str_w(pszTargetName),
            fContextReq,
            pInput,
            phNewContext,
            pOutput,
            pfContextAttr,
            ptsExpiry,
        )
    })
}

/// Builds or continues a server (inbound) TLS security context: the `AcceptSecurityContext` loop.
/// `pInput` = `[TOKEN (bytes received from the client), EMPTY]`; the output token goes to the
/// client. Returns `SEC_I_CONTINUE_NEEDED`, `SEC_E_OK` (done; send any output, e.g. TLS 1.3
/// session tickets), `SEC_E_INCOMPLETE_MESSAGE` (no context is created until the first
/// ClientHello is complete) or an error. `ASC_REQ_MUTUAL_AUTH` requires a client certificate,
/// checked against the credential's `hRootStore` (else `WSTLS_CLIENT_CA_FILE`, else the trust
/// roots) unless the credential has `SCH_CRED_MANUAL_CRED_VALIDATION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_AcceptSecurityContext(
    phCredential: *mut CredHandle,
    phContext: *mut CtxtHandle,
    pInput: *mut SecBufferDesc,
    fContextReq: u32,
    TargetDataRep: u32,
    phNewContext: *mut CtxtHandle,
    pOutput: *mut SecBufferDesc,
    pfContextAttr: *mut u32,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = TargetDataRep;
    sspi_guard("AcceptSecurityContext", || {
        token_call(
            true,
            phCredential,
            phContext,
            None,
            fContextReq,
            pInput,
            phNewContext,
            pOutput,
            pfContextAttr,
            ptsExpiry,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

unsafe fn acquire(
    package: Option<String>,
    use_: u32,
    auth: *mut c_void,
    ph: *mut CredHandle,
    expiry: *mut TimeStamp,
) -> SecResult<i32> {
    let name = package.ok_or_else(|| sec(SEC_E_SECPKG_NOT_FOUND, "pszPackage is NULL"))?;
    if !packages::is_schannel(&name) {
        return Err(sec(SEC_E_SECPKG_NOT_FOUND, format!("security package {name:?} is not available (wstls provides Schannel: UNISP_NAME, \"Schannel\")")));
    }
    if ph.is_null() || (ph as usize) % std::mem::align_of::<SecHandle>() != 0 {
        return Err(sec(SEC_E_INVALID_HANDLE, "phCredential is NULL"));
    }
    let cred = Credential::acquire(use_, auth)?;
    let not_after = cred
        .identity
        .as_ref()
        .and_then(|id| cert::create_with_identity(id.clone()).ok())
        .map(|p| {
            let t = cert::with_cert(p, |c| c.not_after);
            cert::free(p);
            t
        });
    let h = CREDS
        .insert(Arc::new(cred))
        .ok_or_else(|| sec(SEC_E_INSUFFICIENT_MEMORY, "too many credentials handles"))?;
    *ph = SecHandle {
        dwLower: h,
        dwUpper: CRED_TAG,
    };
    write_time(expiry, not_after.flatten());
    Ok(SEC_E_OK)
}

/// Acquires Schannel credentials. `pszPackage`: `UNISP_NAME_A` (or `"Schannel"`,
/// `"Default TLS SSP"`); `fCredentialUse`: `SECPKG_CRED_OUTBOUND` (client) or
/// `SECPKG_CRED_INBOUND` (server); `pAuthData`: `SCHANNEL_CRED` (version 4, TLS 1.2 at most
/// unless `WSTLS_SCHANNEL_CRED_TLS13=1`) or `SCH_CREDENTIALS` (version 5, TLS 1.2 and 1.3), or
/// NULL for client defaults. A server certificate comes from `paCred` (a context made by
/// `wstls_cert_context_from_pem_files`) or from `WSTLS_CERT_FILE`/`WSTLS_KEY_FILE`. The server
/// certificate is verified unless `SCH_CRED_MANUAL_CRED_VALIDATION` (chain and name) or
/// `SCH_CRED_NO_SERVERNAME_CHECK` (name) is set. Free with `FreeCredentialsHandle`.
#[no_mangle]
pub unsafe extern "C" fn wstls_AcquireCredentialsHandleA(
    pszPrincipal: *mut c_char,
    pszPackage: *mut c_char,
    fCredentialUse: u32,
    pvLogonId: *mut c_void,
    pAuthData: *mut c_void,
    pGetKeyFn: SEC_GET_KEY_FN,
    pvGetKeyArgument: *mut c_void,
    phCredential: *mut CredHandle,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (pszPrincipal, pvLogonId, pGetKeyFn, pvGetKeyArgument);
    sspi_guard("AcquireCredentialsHandleA", || {
        acquire(
            str_a(pszPackage),
            fCredentialUse,
            pAuthData,
            phCredential,
            ptsExpiry,
        )
    })
}

/// `AcquireCredentialsHandleW`: as [`wstls_AcquireCredentialsHandleA`] with UTF-16 names
/// (`UNISP_NAME_W`).
#[no_mangle]
pub unsafe extern "C" fn wstls_AcquireCredentialsHandleW(
    pszPrincipal: *mut WCHAR,
    pszPackage: *mut WCHAR,
    fCredentialUse: u32,
    pvLogonId: *mut c_void,
    pAuthData: *mut c_void,
    pGetKeyFn: SEC_GET_KEY_FN,
    pvGetKeyArgument: *mut c_void,
    phCredential: *mut CredHandle,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (pszPrincipal, pvLogonId, pGetKeyFn, pvGetKeyArgument);
    sspi_guard("AcquireCredentialsHandleW", || {
        acquire(
            str_w(pszPackage),
            fCredentialUse,
            pAuthData,
            phCredential,
            ptsExpiry,
        )
    })
}

/// Releases a credentials handle. Contexts made with it keep working until deleted.
/// `SEC_E_INVALID_HANDLE` for an unknown or already freed handle.
#[no_mangle]
pub unsafe extern "C" fn wstls_FreeCredentialsHandle(
    phCredential: *mut CredHandle,
) -> SECURITY_STATUS {
    sspi_guard("FreeCredentialsHandle", || {
        let h = opt_handle(phCredential)
            .ok_or_else(|| sec(SEC_E_INVALID_HANDLE, "phCredential is NULL"))?;
        crate::sspi::cred(h)?;
        CREDS.remove(h.dwLower);
        Ok(SEC_E_OK)
    })
}

// ---------------------------------------------------------------------------------------------
// Contexts: delete, control tokens
// ---------------------------------------------------------------------------------------------

/// Deletes a security context (after a failed leg, after shutdown, or when done).
/// `SEC_E_INVALID_HANDLE` for an unknown or already deleted handle.
#[no_mangle]
pub unsafe extern "C" fn wstls_DeleteSecurityContext(
    phContext: *mut CtxtHandle,
) -> SECURITY_STATUS {
    sspi_guard("DeleteSecurityContext", || {
        let h =
            opt_handle(phContext).ok_or_else(|| sec(SEC_E_INVALID_HANDLE, "phContext is NULL"))?;
        crate::sspi::context(h)?;
        CONTEXTS.remove(h.dwLower);
        Ok(SEC_E_OK)
    })
}

/// Applies a Schannel control token: `[TOKEN: DWORD SCHANNEL_SHUTDOWN]` makes the next
/// ISC/ASC call produce `close_notify`; `SCHANNEL_ALERT_TOKEN` an alert of the program's
/// choice; `SCHANNEL_SESSION_TOKEN` is accepted (resumption is per credential).
/// `SCHANNEL_RENEGOTIATE` is `SEC_E_UNSUPPORTED_FUNCTION` (rustls does not renegotiate).
#[no_mangle]
pub unsafe extern "C" fn wstls_ApplyControlToken(
    phContext: *mut CtxtHandle,
    pInput: *mut SecBufferDesc,
) -> SECURITY_STATUS {
    sspi_guard("ApplyControlToken", || {
        let h =
            opt_handle(phContext).ok_or_else(|| sec(SEC_E_INVALID_HANDLE, "phContext is NULL"))?;
        let ctx = crate::sspi::context(h)?;
        if pInput.is_null() {
            // Windows' status for a NULL descriptor.
            return Err(sec(SEC_E_INTERNAL_ERROR, "pInput is NULL"));
        }
        let bufs = buffers(pInput, "pInput")?;
        if bufs.len() != 1 || btype(&bufs[0]) != SECBUFFER_TOKEN {
            return Err(sec(
                SEC_E_INVALID_TOKEN,
                "ApplyControlToken takes exactly one SECBUFFER_TOKEN buffer",
            ));
        }
        let b = bytes(&bufs[0], "control token")?;
        if b.len() < 4 {
            return Err(sec(
                SEC_E_UNSUPPORTED_FUNCTION,
                "the control token is shorter than its DWORD type",
            ));
        }
        let word = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        match word(0) {
            SCHANNEL_SHUTDOWN => ctx.shutdown(),
            SCHANNEL_ALERT => {
                if b.len() < 12 {
                    return Err(sec(SEC_E_INVALID_TOKEN, "SCHANNEL_ALERT_TOKEN is 12 bytes"));
                }
                let (level, number) = (word(4), word(8));
                if !(level == TLS1_ALERT_WARNING || level == TLS1_ALERT_FATAL) || number > 255 {
                    return Err(sec(
                        SEC_E_INVALID_TOKEN,
                        format!("bad alert type {level} / number {number}"),
                    ));
                }
                ctx.request_alert(level as u8, number as u8);
            }
            SCHANNEL_SESSION => {}
            SCHANNEL_RENEGOTIATE => {
                return Err(sec(
                    SEC_E_UNSUPPORTED_FUNCTION,
                    "renegotiation is not supported (rustls does not renegotiate)",
                ))
            }
            t => {
                return Err(sec(
                    SEC_E_UNSUPPORTED_FUNCTION,
                    format!("unknown control token type {t}"),
                ))
            }
        }
        Ok(SEC_E_OK)
    })
}

// ---------------------------------------------------------------------------------------------
// Record protection
// ---------------------------------------------------------------------------------------------

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.1 > 0 && b.1 > 0 && a.0 < b.0 + b.1 && b.0 < a.0 + a.1
}

/// Encrypts one record in place. Buffers: `STREAM_HEADER` (`cbHeader` bytes), `DATA` (the
/// plaintext, at most `cbMaximumMessage` = 16384 bytes; encrypted over itself) and
/// `STREAM_TRAILER` (`cbTrailer` bytes; its `cbBuffer` is set to the bytes used), sizes from
/// `SECPKG_ATTR_STREAM_SIZES`. Send `cbHeader + data + trailer` bytes. One contiguous block
/// (header, data, trailer back to back) or three separate buffers both work. `SEC_E_CONTEXT_EXPIRED`
/// after this side's `close_notify`.
#[no_mangle]
pub unsafe extern "C" fn wstls_EncryptMessage(
    phContext: *mut CtxtHandle,
    fQOP: u32,
    pMessage: *mut SecBufferDesc,
    MessageSeqNo: u32,
) -> SECURITY_STATUS {
    let _ = MessageSeqNo;
    sspi_guard("EncryptMessage", || {
        let h =
            opt_handle(phContext).ok_or_else(|| sec(SEC_E_INVALID_HANDLE, "phContext is NULL"))?;
        let ctx = crate::sspi::context(h)?;
        if fQOP != 0 {
            return Err(sec(
                SEC_E_QOP_NOT_SUPPORTED,
                format!(
                    "fQOP {fQOP:#x} is not supported (pass 0; send alerts with ApplyControlToken)"
                ),
            ));
        }
        let bufs = buffers(pMessage, "pMessage")?;
        let live = |b: &SecBuffer| b.BufferType & SECBUFFER_READONLY == 0;
        let di = bufs
            .iter()
            .position(|b| btype(b) == SECBUFFER_DATA && live(b))
            .ok_or_else(|| {
                sec(
                    SEC_E_INVALID_TOKEN,
                    "EncryptMessage: no SECBUFFER_DATA buffer",
                )
            })?;
        let hi = bufs
            .iter()
            .position(|b| btype(b) == SECBUFFER_STREAM_HEADER)
            .or_else(|| bufs[..di].iter().position(|b| btype(b) == SECBUFFER_TOKEN))
            .ok_or_else(|| {
                sec(
                    SEC_E_INVALID_TOKEN,
                    "EncryptMessage: no SECBUFFER_STREAM_HEADER buffer",
                )
            })?;
        let ti = bufs
            .iter()
            .position(|b| btype(b) == SECBUFFER_STREAM_TRAILER)
            .or_else(|| {
                bufs.iter()
                    .enumerate()
                    .skip(di + 1)
                    .find(|(_, b)| btype(b) == SECBUFFER_TOKEN)
                    .map(|(i, _)| i)
            })
            .ok_or_else(|| {
                sec(
                    SEC_E_INVALID_TOKEN,
                    "EncryptMessage: no SECBUFFER_STREAM_TRAILER buffer",
                )
            })?;
        let (hlen, tlen) = ctx.stream_sizes()?;
        let n = bufs[di].cbBuffer as usize;
        if n > crate::tls::record::MAX_PLAINTEXT {
            return Err(sec(SEC_E_ENCRYPT_FAILURE, format!("EncryptMessage: {n} bytes is more than cbMaximumMessage (16384); split the data")));
        }
        if (bufs[hi].cbBuffer as usize) < hlen || (bufs[ti].cbBuffer as usize) < tlen {
            return Err(sec(
                SEC_E_BUFFER_TOO_SMALL,
                format!("EncryptMessage: header/trailer buffers hold {}/{} bytes, need {hlen}/{tlen} (SECPKG_ATTR_STREAM_SIZES)", bufs[hi].cbBuffer, bufs[ti].cbBuffer),
            ));
        }
        let hp = bufs[hi].pvBuffer;
        let dp = bufs[di].pvBuffer;
        let tp = bufs[ti].pvBuffer;
        if hp.is_null() || tp.is_null() || (dp.is_null() && n > 0) {
            return Err(sec(SEC_E_INVALID_TOKEN, "EncryptMessage: NULL buffer"));
        }
        let (hr, dr, tr) = ((hp as usize, hlen), (dp as usize, n), (tp as usize, tlen));
        if overlaps(hr, dr) || overlaps(hr, tr) || overlaps(dr, tr) {
            return Err(sec(
                SEC_E_INVALID_PARAMETER,
                "EncryptMessage: the header, data and trailer buffers overlap",
            ));
        }
        let hdr = bytes_mut(hp, hlen, "header")?;
        let used = if !dp.is_null() && (dp as usize) + n == tp as usize {
            // One block: seal over data and trailer in place.
            let body = bytes_mut(dp, n + tlen, "data")?;
            ctx.encrypt_in_place(hdr, body, n)?
        } else {
            let data = bytes_mut(dp, n, "data")?;
            let trailer = bytes_mut(tp, tlen, "trailer")?;
            ctx.encrypt_split(hdr, data, trailer)?
        };
        bufs[hi].cbBuffer = hlen as u32;
        bufs[ti].cbBuffer = used as u32;
        Ok(SEC_E_OK)
    })
}

/// Decrypts one record in place. Input: one `SECBUFFER_DATA` with the received bytes and three
/// `SECBUFFER_EMPTY` buffers. On return (in buffer order) `STREAM_HEADER`, `DATA` (the
/// plaintext, inside the input), `STREAM_TRAILER`, and `EXTRA` for bytes after this record
/// (curl reads index 1 and 3). Returns `SEC_E_OK` (DATA may be empty), `SEC_E_INCOMPLETE_MESSAGE`
/// (the DATA buffer becomes `SECBUFFER_MISSING` with the missing byte count),
/// `SEC_I_CONTEXT_EXPIRED` (the peer's `close_notify`), `SEC_I_RENEGOTIATE` (a post-handshake
/// message such as a TLS 1.3 session ticket or key update: call ISC/ASC with the EXTRA bytes,
/// then go on decrypting) or `SEC_E_DECRYPT_FAILURE` (the record was altered).
#[no_mangle]
pub unsafe extern "C" fn wstls_DecryptMessage(
    phContext: *mut CtxtHandle,
    pMessage: *mut SecBufferDesc,
    MessageSeqNo: u32,
    pfQOP: *mut u32,
) -> SECURITY_STATUS {
    let _ = MessageSeqNo;
    sspi_guard("DecryptMessage", || {
        let h =
            opt_handle(phContext).ok_or_else(|| sec(SEC_E_INVALID_HANDLE, "phContext is NULL"))?;
        let ctx = crate::sspi::context(h)?;
        let bufs = buffers(pMessage, "pMessage")?;
        let datas: Vec<usize> = bufs
            .iter()
            .enumerate()
            .filter(|(_, b)| btype(b) == SECBUFFER_DATA)
            .map(|(i, _)| i)
            .collect();
        let empties: Vec<usize> = bufs
            .iter()
            .enumerate()
            .filter(|(_, b)| btype(b) == SECBUFFER_EMPTY)
            .map(|(i, _)| i)
            .collect();
        if bufs.len() < 4 || datas.len() != 1 || empties.len() < 3 {
            return Err(sec(
                SEC_E_INVALID_TOKEN,
                "DecryptMessage takes one SECBUFFER_DATA and three SECBUFFER_EMPTY buffers",
            ));
        }
        let di = datas[0];
        let len = bufs[di].cbBuffer as usize;
        let base = bufs[di].pvBuffer;
        let data = bytes_mut(base, len, "DATA")?;
        if !pfQOP.is_null() && (pfQOP as usize) % 4 == 0 {
            *pfQOP = 0;
        }
        match ctx.decrypt(data)? {
            Decrypted::Incomplete(need) => {
                bufs[di].BufferType = SECBUFFER_MISSING;
                bufs[di].cbBuffer = need as u32;
                Ok(SEC_E_INCOMPLETE_MESSAGE)
            }
            Decrypted::Record {
                status,
                start,
                len: plen,
                total,
            } => {
                let mut slots: Vec<usize> =
                    std::iter::once(di).chain(empties.iter().copied()).collect();
                slots.sort_unstable();
                let p = base as *mut u8;
                let set = |b: &mut SecBuffer, t: u32, off: usize, n: usize| {
                    b.BufferType = t;
                    b.pvBuffer = p.add(off) as *mut c_void;
                    b.cbBuffer = n as u32;
                };
                set(&mut bufs[slots[0]], SECBUFFER_STREAM_HEADER, 0, start);
                set(&mut bufs[slots[1]], SECBUFFER_DATA, start, plen);
                set(
                    &mut bufs[slots[2]],
                    SECBUFFER_STREAM_TRAILER,
                    start + plen,
                    total - start - plen,
                );
                if len > total {
                    set(&mut bufs[slots[3]], SECBUFFER_EXTRA, total, len - total);
                }
                Ok(status)
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------------------------

/// Reads a context attribute into `pBuffer`: `SECPKG_ATTR_STREAM_SIZES`, `_CONNECTION_INFO`,
/// `_CIPHER_INFO`, `_REMOTE_CERT_CONTEXT` / `_LOCAL_CERT_CONTEXT` (a new `PCCERT_CONTEXT`; free
/// it with `CertFreeCertificateContext`; its `hCertStore` holds the peer's chain),
/// `_APPLICATION_PROTOCOL`, `_SESSION_INFO`, `_SIZES`, `_LIFESPAN`, `_KEY_INFO`, `_PACKAGE_INFO`,
/// `_ENDPOINT_BINDINGS`, `_ISSUER_LIST_EX`. Others: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_QueryContextAttributesA(
    phContext: *mut CtxtHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    sspi_guard("QueryContextAttributesA", || {
        let h =
            opt_handle(phContext).ok_or_else(|| sec(SEC_E_INVALID_HANDLE, "phContext is NULL"))?;
        let ctx = crate::sspi::context(h)?;
        attrs::query_context(&ctx, ulAttribute, pBuffer, false)
    })
}

/// `QueryContextAttributesW`: as [`wstls_QueryContextAttributesA`]; string-carrying attributes
/// (`_KEY_INFO`, `_PACKAGE_INFO`) are UTF-16.
#[no_mangle]
pub unsafe extern "C" fn wstls_QueryContextAttributesW(
    phContext: *mut CtxtHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    sspi_guard("QueryContextAttributesW", || {
        let h =
            opt_handle(phContext).ok_or_else(|| sec(SEC_E_INVALID_HANDLE, "phContext is NULL"))?;
        let ctx = crate::sspi::context(h)?;
        attrs::query_context(&ctx, ulAttribute, pBuffer, true)
    })
}

/// Reads a credentials attribute: `SECPKG_ATTR_SUPPORTED_PROTOCOLS`, `_CIPHER_STRENGTHS`,
/// `_SUPPORTED_ALGS` (free the array with `FreeContextBuffer`), `SECPKG_CRED_ATTR_NAMES`.
#[no_mangle]
pub unsafe extern "C" fn wstls_QueryCredentialsAttributesA(
    phCredential: *mut CredHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    sspi_guard("QueryCredentialsAttributesA", || {
        let h = opt_handle(phCredential)
            .ok_or_else(|| sec(SEC_E_INVALID_HANDLE, "phCredential is NULL"))?;
        let cred = crate::sspi::cred(h)?;
        attrs::query_credentials(&cred, ulAttribute, pBuffer, false)
    })
}

/// `QueryCredentialsAttributesW`: as [`wstls_QueryCredentialsAttributesA`] (names in UTF-16).
#[no_mangle]
pub unsafe extern "C" fn wstls_QueryCredentialsAttributesW(
    phCredential: *mut CredHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    sspi_guard("QueryCredentialsAttributesW", || {
        let h = opt_handle(phCredential)
            .ok_or_else(|| sec(SEC_E_INVALID_HANDLE, "phCredential is NULL"))?;
        let cred = crate::sspi::cred(h)?;
        attrs::query_credentials(&cred, ulAttribute, pBuffer, true)
    })
}

/// Frees memory the package returned (`ISC_REQ_ALLOCATE_MEMORY` tokens, package lists,
/// attribute arrays). NULL is accepted; a pointer wstls did not hand out is
/// `SEC_E_INVALID_HANDLE` and is not freed.
#[no_mangle]
pub unsafe extern "C" fn wstls_FreeContextBuffer(pvContextBuffer: *mut c_void) -> SECURITY_STATUS {
    sspi_guard("FreeContextBuffer", || {
        if mem::free(pvContextBuffer) {
            Ok(SEC_E_OK)
        } else {
            Err(sec(
                SEC_E_INVALID_HANDLE,
                format!("{pvContextBuffer:p} was not allocated by the security package"),
            ))
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Packages
// ---------------------------------------------------------------------------------------------

/// Lists the security packages (the Schannel names). Free `*ppPackageInfo` with
/// `FreeContextBuffer`.
#[no_mangle]
pub unsafe extern "C" fn wstls_EnumerateSecurityPackagesA(
    pcPackages: *mut u32,
    ppPackageInfo: *mut *mut SecPkgInfoA,
) -> SECURITY_STATUS {
    sspi_guard("EnumerateSecurityPackagesA", || {
        if pcPackages.is_null() || ppPackageInfo.is_null() {
            return Err(sec(SEC_E_INVALID_PARAMETER, "NULL output pointer"));
        }
        let p = packages::info_block_a(&packages::LISTED);
        if p.is_null() {
            return Err(sec(SEC_E_INSUFFICIENT_MEMORY, "out of memory"));
        }
        *pcPackages = packages::LISTED.len() as u32;
        *ppPackageInfo = p;
        Ok(SEC_E_OK)
    })
}

/// `EnumerateSecurityPackagesW` (UTF-16 names).
#[no_mangle]
pub unsafe extern "C" fn wstls_EnumerateSecurityPackagesW(
    pcPackages: *mut u32,
    ppPackageInfo: *mut *mut SecPkgInfoW,
) -> SECURITY_STATUS {
    sspi_guard("EnumerateSecurityPackagesW", || {
        if pcPackages.is_null() || ppPackageInfo.is_null() {
            return Err(sec(SEC_E_INVALID_PARAMETER, "NULL output pointer"));
        }
        let p = packages::info_block_w(&packages::LISTED);
        if p.is_null() {
            return Err(sec(SEC_E_INSUFFICIENT_MEMORY, "out of memory"));
        }
        *pcPackages = packages::LISTED.len() as u32;
        *ppPackageInfo = p;
        Ok(SEC_E_OK)
    })
}

/// Describes one package by name (`SEC_E_SECPKG_NOT_FOUND` if it is not Schannel's). Free
/// `*ppPackageInfo` with `FreeContextBuffer`.
#[no_mangle]
pub unsafe extern "C" fn wstls_QuerySecurityPackageInfoA(
    pszPackageName: *mut c_char,
    ppPackageInfo: *mut *mut SecPkgInfoA,
) -> SECURITY_STATUS {
    sspi_guard("QuerySecurityPackageInfoA", || {
        let name = str_a(pszPackageName)
            .and_then(|n| packages::canonical(&n))
            .ok_or_else(|| sec(SEC_E_SECPKG_NOT_FOUND, "no such security package"))?;
        if ppPackageInfo.is_null() {
            return Err(sec(SEC_E_INVALID_PARAMETER, "ppPackageInfo is NULL"));
        }
        let p = packages::info_block_a(&[name]);
        if p.is_null() {
            return Err(sec(SEC_E_INSUFFICIENT_MEMORY, "out of memory"));
        }
        *ppPackageInfo = p;
        Ok(SEC_E_OK)
    })
}

/// `QuerySecurityPackageInfoW` (UTF-16 names).
#[no_mangle]
pub unsafe extern "C" fn wstls_QuerySecurityPackageInfoW(
    pszPackageName: *mut WCHAR,
    ppPackageInfo: *mut *mut SecPkgInfoW,
) -> SECURITY_STATUS {
    sspi_guard("QuerySecurityPackageInfoW", || {
        let name = str_w(pszPackageName)
            .and_then(|n| packages::canonical(&n))
            .ok_or_else(|| sec(SEC_E_SECPKG_NOT_FOUND, "no such security package"))?;
        if ppPackageInfo.is_null() {
            return Err(sec(SEC_E_INVALID_PARAMETER, "ppPackageInfo is NULL"));
        }
        let p = packages::info_block_w(&[name]);
        if p.is_null() {
            return Err(sec(SEC_E_INSUFFICIENT_MEMORY, "out of memory"));
        }
        *ppPackageInfo = p;
        Ok(SEC_E_OK)
    })
}

// ---------------------------------------------------------------------------------------------
// Functions Schannel does not provide
// ---------------------------------------------------------------------------------------------

fn unsupported(name: &str) -> SECURITY_STATUS {
    sspi_guard(name, || {
        Err(sec(
            SEC_E_UNSUPPORTED_FUNCTION,
            "not provided by the Schannel package",
        ))
    })
}

/// `CompleteAuthToken`: not used by Schannel; `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_CompleteAuthToken(
    phContext: *mut CtxtHandle,
    pToken: *mut SecBufferDesc,
) -> SECURITY_STATUS {
    let _ = (phContext, pToken);
    unsupported("CompleteAuthToken")
}

/// `ImpersonateSecurityContext`: no Windows accounts; `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_ImpersonateSecurityContext(
    phContext: *mut CtxtHandle,
) -> SECURITY_STATUS {
    let _ = (phContext,);
    unsupported("ImpersonateSecurityContext")
}

/// `RevertSecurityContext`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_RevertSecurityContext(
    phContext: *mut CtxtHandle,
) -> SECURITY_STATUS {
    let _ = (phContext,);
    unsupported("RevertSecurityContext")
}

/// `MakeSignature`: Schannel protects streams with EncryptMessage; `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_MakeSignature(
    phContext: *mut CtxtHandle,
    fQOP: u32,
    pMessage: *mut SecBufferDesc,
    MessageSeqNo: u32,
) -> SECURITY_STATUS {
    let _ = (phContext, fQOP, pMessage, MessageSeqNo);
    unsupported("MakeSignature")
}

/// `VerifySignature`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_VerifySignature(
    phContext: *mut CtxtHandle,
    pMessage: *mut SecBufferDesc,
    MessageSeqNo: u32,
    pfQOP: *mut u32,
) -> SECURITY_STATUS {
    let _ = (phContext, pMessage, MessageSeqNo, pfQOP);
    unsupported("VerifySignature")
}

/// `ExportSecurityContext`: contexts cannot leave the process; `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_ExportSecurityContext(
    phContext: *mut CtxtHandle,
    fFlags: u32,
    pPackedContext: *mut SecBuffer,
    pToken: *mut *mut c_void,
) -> SECURITY_STATUS {
    let _ = (phContext, fFlags, pPackedContext, pToken);
    unsupported("ExportSecurityContext")
}

/// `ImportSecurityContextA`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_ImportSecurityContextA(
    pszPackage: *mut c_char,
    pPackedContext: *mut SecBuffer,
    Token: *mut c_void,
    phContext: *mut CtxtHandle,
) -> SECURITY_STATUS {
    let _ = (pszPackage, pPackedContext, Token, phContext);
    unsupported("ImportSecurityContextA")
}

/// `ImportSecurityContextW`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_ImportSecurityContextW(
    pszPackage: *mut WCHAR,
    pPackedContext: *mut SecBuffer,
    Token: *mut c_void,
    phContext: *mut CtxtHandle,
) -> SECURITY_STATUS {
    let _ = (pszPackage, pPackedContext, Token, phContext);
    unsupported("ImportSecurityContextW")
}

/// `AddCredentialsA`: acquire a new credential instead; `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_AddCredentialsA(
    hCredentials: *mut CredHandle,
    pszPrincipal: *mut c_char,
    pszPackage: *mut c_char,
    fCredentialUse: u32,
    pAuthData: *mut c_void,
    pGetKeyFn: SEC_GET_KEY_FN,
    pvGetKeyArgument: *mut c_void,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (
        hCredentials,
        pszPrincipal,
        pszPackage,
        fCredentialUse,
        pAuthData,
        pGetKeyFn,
        pvGetKeyArgument,
        ptsExpiry,
    );
    unsupported("AddCredentialsA")
}

/// `AddCredentialsW`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_AddCredentialsW(
    hCredentials: *mut CredHandle,
    pszPrincipal: *mut WCHAR,
    pszPackage: *mut WCHAR,
    fCredentialUse: u32,
    pAuthData: *mut c_void,
    pGetKeyFn: SEC_GET_KEY_FN,
    pvGetKeyArgument: *mut c_void,
    ptsExpiry: *mut TimeStamp,
) -> SECURITY_STATUS {
    let _ = (
        hCredentials,
        pszPrincipal,
        pszPackage,
        fCredentialUse,
        pAuthData,
        pGetKeyFn,
        pvGetKeyArgument,
        ptsExpiry,
    );
    unsupported("AddCredentialsW")
}

/// `QuerySecurityContextToken`: no access tokens; `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_QuerySecurityContextToken(
    phContext: *mut CtxtHandle,
    Token: *mut *mut c_void,
) -> SECURITY_STATUS {
    let _ = (phContext, Token);
    unsupported("QuerySecurityContextToken")
}

/// `SetContextAttributesA`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_SetContextAttributesA(
    phContext: *mut CtxtHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
    cbBuffer: u32,
) -> SECURITY_STATUS {
    let _ = (phContext, ulAttribute, pBuffer, cbBuffer);
    unsupported("SetContextAttributesA")
}

/// `SetContextAttributesW`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_SetContextAttributesW(
    phContext: *mut CtxtHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
    cbBuffer: u32,
) -> SECURITY_STATUS {
    let _ = (phContext, ulAttribute, pBuffer, cbBuffer);
    unsupported("SetContextAttributesW")
}

/// `SetCredentialsAttributesA`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_SetCredentialsAttributesA(
    phCredential: *mut CredHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
    cbBuffer: u32,
) -> SECURITY_STATUS {
    let _ = (phCredential, ulAttribute, pBuffer, cbBuffer);
    unsupported("SetCredentialsAttributesA")
}

/// `SetCredentialsAttributesW`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_SetCredentialsAttributesW(
    phCredential: *mut CredHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
    cbBuffer: u32,
) -> SECURITY_STATUS {
    let _ = (phCredential, ulAttribute, pBuffer, cbBuffer);
    unsupported("SetCredentialsAttributesW")
}

/// `ChangeAccountPasswordA`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_ChangeAccountPasswordA(
    pszPackageName: *mut c_char,
    pszDomainName: *mut c_char,
    pszAccountName: *mut c_char,
    pszOldPassword: *mut c_char,
    pszNewPassword: *mut c_char,
    bImpersonating: u8,
    dwReserved: u32,
    pOutput: *mut SecBufferDesc,
) -> SECURITY_STATUS {
    let _ = (
        pszPackageName,
        pszDomainName,
        pszAccountName,
        pszOldPassword,
        pszNewPassword,
        bImpersonating,
        dwReserved,
        pOutput,
    );
    unsupported("ChangeAccountPasswordA")
}

/// `ChangeAccountPasswordW`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_ChangeAccountPasswordW(
    pszPackageName: *mut WCHAR,
    pszDomainName: *mut WCHAR,
    pszAccountName: *mut WCHAR,
    pszOldPassword: *mut WCHAR,
    pszNewPassword: *mut WCHAR,
    bImpersonating: u8,
    dwReserved: u32,
    pOutput: *mut SecBufferDesc,
) -> SECURITY_STATUS {
    let _ = (
        pszPackageName,
        pszDomainName,
        pszAccountName,
        pszOldPassword,
        pszNewPassword,
        bImpersonating,
        dwReserved,
        pOutput,
    );
    unsupported("ChangeAccountPasswordW")
}

/// `QueryContextAttributesExA`: use QueryContextAttributesA; `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_QueryContextAttributesExA(
    phContext: *mut CtxtHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
    cbBuffer: u32,
) -> SECURITY_STATUS {
    let _ = (phContext, ulAttribute, pBuffer, cbBuffer);
    unsupported("QueryContextAttributesExA")
}

/// `QueryContextAttributesExW`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_QueryContextAttributesExW(
    phContext: *mut CtxtHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
    cbBuffer: u32,
) -> SECURITY_STATUS {
    let _ = (phContext, ulAttribute, pBuffer, cbBuffer);
    unsupported("QueryContextAttributesExW")
}

/// `QueryCredentialsAttributesExA`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_QueryCredentialsAttributesExA(
    phCredential: *mut CredHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
    cbBuffer: u32,
) -> SECURITY_STATUS {
    let _ = (phCredential, ulAttribute, pBuffer, cbBuffer);
    unsupported("QueryCredentialsAttributesExA")
}

/// `QueryCredentialsAttributesExW`: `SEC_E_UNSUPPORTED_FUNCTION`.
#[no_mangle]
pub unsafe extern "C" fn wstls_QueryCredentialsAttributesExW(
    phCredential: *mut CredHandle,
    ulAttribute: u32,
    pBuffer: *mut c_void,
    cbBuffer: u32,
) -> SECURITY_STATUS {
    let _ = (phCredential, ulAttribute, pBuffer, cbBuffer);
    unsupported("QueryCredentialsAttributesExW")
}

// ---------------------------------------------------------------------------------------------
// Function tables
// ---------------------------------------------------------------------------------------------

static TABLE_A: SecurityFunctionTableA = SecurityFunctionTableA {
    dwVersion: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5,
    EnumerateSecurityPackagesA: Some(wstls_EnumerateSecurityPackagesA),
    QueryCredentialsAttributesA: Some(wstls_QueryCredentialsAttributesA),
    AcquireCredentialsHandleA: Some(wstls_AcquireCredentialsHandleA),
    FreeCredentialsHandle: Some(wstls_FreeCredentialsHandle),
    Reserved2: std::ptr::null_mut(),
    InitializeSecurityContextA: Some(wstls_InitializeSecurityContextA),
    AcceptSecurityContext: Some(wstls_AcceptSecurityContext),
    CompleteAuthToken: Some(wstls_CompleteAuthToken),
    DeleteSecurityContext: Some(wstls_DeleteSecurityContext),
    ApplyControlToken: Some(wstls_ApplyControlToken),
    QueryContextAttributesA: Some(wstls_QueryContextAttributesA),
    ImpersonateSecurityContext: Some(wstls_ImpersonateSecurityContext),
    RevertSecurityContext: Some(wstls_RevertSecurityContext),
    MakeSignature: Some(wstls_MakeSignature),
    VerifySignature: Some(wstls_VerifySignature),
    FreeContextBuffer: Some(wstls_FreeContextBuffer),
    QuerySecurityPackageInfoA: Some(wstls_QuerySecurityPackageInfoA),
    Reserved3: std::ptr::null_mut(),
    Reserved4: std::ptr::null_mut(),
    ExportSecurityContext: Some(wstls_ExportSecurityContext),
    ImportSecurityContextA: Some(wstls_ImportSecurityContextA),
    AddCredentialsA: Some(wstls_AddCredentialsA),
    Reserved8: std::ptr::null_mut(),
    QuerySecurityContextToken: Some(wstls_QuerySecurityContextToken),
    EncryptMessage: Some(wstls_EncryptMessage),
    DecryptMessage: Some(wstls_DecryptMessage),
    SetContextAttributesA: Some(wstls_SetContextAttributesA),
    SetCredentialsAttributesA: Some(wstls_SetCredentialsAttributesA),
    ChangeAccountPasswordA: Some(wstls_ChangeAccountPasswordA),
    QueryContextAttributesExA: Some(wstls_QueryContextAttributesExA),
    QueryCredentialsAttributesExA: Some(wstls_QueryCredentialsAttributesExA),
};

static TABLE_W: SecurityFunctionTableW = SecurityFunctionTableW {
    dwVersion: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5,
    EnumerateSecurityPackagesW: Some(wstls_EnumerateSecurityPackagesW),
    QueryCredentialsAttributesW: Some(wstls_QueryCredentialsAttributesW),
    AcquireCredentialsHandleW: Some(wstls_AcquireCredentialsHandleW),
    FreeCredentialsHandle: Some(wstls_FreeCredentialsHandle),
    Reserved2: std::ptr::null_mut(),
    InitializeSecurityContextW: Some(wstls_InitializeSecurityContextW),
    AcceptSecurityContext: Some(wstls_AcceptSecurityContext),
    CompleteAuthToken: Some(wstls_CompleteAuthToken),
    DeleteSecurityContext: Some(wstls_DeleteSecurityContext),
    ApplyControlToken: Some(wstls_ApplyControlToken),
    QueryContextAttributesW: Some(wstls_QueryContextAttributesW),
    ImpersonateSecurityContext: Some(wstls_ImpersonateSecurityContext),
    RevertSecurityContext: Some(wstls_RevertSecurityContext),
    MakeSignature: Some(wstls_MakeSignature),
    VerifySignature: Some(wstls_VerifySignature),
    FreeContextBuffer: Some(wstls_FreeContextBuffer),
    QuerySecurityPackageInfoW: Some(wstls_QuerySecurityPackageInfoW),
    Reserved3: std::ptr::null_mut(),
    Reserved4: std::ptr::null_mut(),
    ExportSecurityContext: Some(wstls_ExportSecurityContext),
    ImportSecurityContextW: Some(wstls_ImportSecurityContextW),
    AddCredentialsW: Some(wstls_AddCredentialsW),
    Reserved8: std::ptr::null_mut(),
    QuerySecurityContextToken: Some(wstls_QuerySecurityContextToken),
    EncryptMessage: Some(wstls_EncryptMessage),
    DecryptMessage: Some(wstls_DecryptMessage),
    SetContextAttributesW: Some(wstls_SetContextAttributesW),
    SetCredentialsAttributesW: Some(wstls_SetCredentialsAttributesW),
    ChangeAccountPasswordW: Some(wstls_ChangeAccountPasswordW),
    QueryContextAttributesExW: Some(wstls_QueryContextAttributesExW),
    QueryCredentialsAttributesExW: Some(wstls_QueryCredentialsAttributesExW),
};

/// Returns the SSPI dispatch table (`SecurityFunctionTableA`, entries in Windows slot order,
/// version 5); curl calls every SSPI function through it. The table is static: never write to
/// it or free it.
#[no_mangle]
pub extern "C" fn wstls_InitSecurityInterfaceA() -> *mut SecurityFunctionTableA {
    &TABLE_A as *const SecurityFunctionTableA as *mut SecurityFunctionTableA
}

/// Returns the wide SSPI dispatch table (`SecurityFunctionTableW`).
#[no_mangle]
pub extern "C" fn wstls_InitSecurityInterfaceW() -> *mut SecurityFunctionTableW {
    &TABLE_W as *const SecurityFunctionTableW as *mut SecurityFunctionTableW
}

/// wstls extension: lets `SCHANNEL_CRED` credentials acquired afterwards negotiate TLS 1.3
/// (`enable` 1), keeps them at TLS 1.2 as Windows does (0), or follows the environment variable
/// `WSTLS_SCHANNEL_CRED_TLS13` (-1, the default). Only for programs that handle TLS 1.3's
/// post-handshake messages (`SEC_I_RENEGOTIATE` from `DecryptMessage`). Returns 0.
#[no_mangle]
pub extern "C" fn wstls_set_schannel_cred_tls13(enable: c_int) -> c_int {
    super::plain_guard(0, || {
        crate::sspi::cred::set_schannel_cred_tls13(match enable {
            0 => Some(false),
            e if e > 0 => Some(true),
            _ => None,
        });
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpn_buffer() {
        // curl's layout: ProtocolListsSize, then {ALPN, list size, "\x08http/1.1\x02h2"}.
        let list = b"\x08http/1.1\x02h2";
        let mut b = Vec::new();
        b.extend_from_slice(&((6 + list.len()) as u32).to_ne_bytes());
        b.extend_from_slice(&2u32.to_ne_bytes());
        b.extend_from_slice(&(list.len() as u16).to_ne_bytes());
        b.extend_from_slice(list);
        assert_eq!(
            parse_alpn(&b).unwrap(),
            vec![b"http/1.1".to_vec(), b"h2".to_vec()]
        );
        assert!(parse_alpn(&b[..b.len() - 1]).is_err());
    }
}
