//! crypt32 objects: certificate contexts (`CERT_CONTEXT` over DER bytes, with a parsed
//! `CERT_INFO`, optionally carrying a private key) and in-memory certificate stores.
//!
//! Every context lives in a store, as on Windows (`CertCreateCertificateContext` makes a
//! temporary one). A context's reference count counts the program's references; a store stays
//! alive while it is open or while any of its contexts is referenced, so `hCertStore` of a live
//! context is always valid. All objects sit in one registry behind one lock: a pointer the
//! program passes in is looked up there first, so a stale or foreign pointer is an error, never
//! a dereference.
use std::collections::HashMap;
use std::ffi::CString;
use std::os::raw::{c_char, c_void};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use rustls::pki_types::CertificateDer;

use crate::error::{Error, Kind, Result};
use crate::tls::config::Identity;
use crate::win::crypt::*;

/// A certificate context: the `CERT_CONTEXT` the program sees comes first.
#[repr(C)]
pub struct CertObj {
    pub ctx: CERT_CONTEXT,
    info: Box<CERT_INFO>,
    der: Box<[u8]>,
    /// Storage the `CERT_INFO` pointers point into.
    blobs: Vec<Box<[u8]>>,
    strings: Vec<CString>,
    exts: Box<[CERT_EXTENSION]>,
    /// The chain and private key, when the context was made with one.
    pub identity: Option<Arc<Identity>>,
    pub not_after: i64,
}

// SAFETY: the raw pointers point into the object's own boxed storage, never shared mutably.
unsafe impl Send for CertObj {}

/// An `HCERTSTORE`: only its address matters.
#[repr(C)]
struct StoreObj {
    magic: u64,
}

struct CertEntry {
    obj: Box<CertObj>,
    refs: usize,
    store: usize,
}

struct StoreEntry {
    obj: Box<StoreObj>,
    open: usize,
    members: Vec<usize>,
}

// SAFETY: only reachable through the registry lock.
unsafe impl Send for StoreEntry {}

#[derive(Default)]
struct Registry {
    certs: HashMap<usize, CertEntry>,
    stores: HashMap<usize, StoreEntry>,
}

static REG: Lazy<Mutex<Registry>> = Lazy::new(|| Mutex::new(Registry::default()));

fn reg() -> std::sync::MutexGuard<'static, Registry> {
    REG.lock().unwrap_or_else(|e| e.into_inner())
}

fn bad_cert(msg: impl Into<String>) -> Error {
    Error::new(Kind::BadCertificate, msg)
}

impl CertObj {
    /// Parses `der` into a context (not yet registered).
    fn parse(enc: u32, der: &[u8], identity: Option<Arc<Identity>>) -> Result<Box<CertObj>> {
        use x509_parser::asn1_rs::ToDer;
        let der: Box<[u8]> = der.into();
        let (rest, x) = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| bad_cert(format!("not a DER X.509 certificate: {e}")))?;
        if !rest.is_empty() {
            return Err(bad_cert("trailing bytes after the DER certificate"));
        }
        let tbs = &x.tbs_certificate;
        let mut blobs: Vec<Box<[u8]>> = Vec::new();
        let mut strings: Vec<CString> = Vec::new();
        let mut blob = |bytes: &[u8]| -> CRYPTOAPI_BLOB {
            if bytes.is_empty() {
                return CRYPTOAPI_BLOB::default();
            }
            let b: Box<[u8]> = bytes.into();
            let p = b.as_ptr() as *mut u8;
            blobs.push(b);
            CRYPTOAPI_BLOB {
                cbData: bytes.len() as u32,
                pbData: p,
            }
        };
        let mut oid = |o: String| -> *mut c_char {
            let c = CString::new(o).unwrap_or_default();
            let p = c.as_ptr() as *mut c_char;
            strings.push(c);
            p
        };
        // CryptoAPI integers are little-endian.
        let mut serial = tbs.raw_serial().to_vec();
        serial.reverse();
        let serial_blob = blob(&serial);
        let sig_params = tbs
            .signature
            .parameters
            .as_ref()
            .and_then(|p| p.to_der_vec().ok())
            .unwrap_or_default();
        let sig_alg = CRYPT_ALGORITHM_IDENTIFIER {
            pszObjId: oid(tbs.signature.algorithm.to_id_string()),
            Parameters: blob(&sig_params),
        };
        let issuer = blob(tbs.issuer.as_raw());
        let subject = blob(tbs.subject.as_raw());
        let spki = &tbs.subject_pki;
        let spki_params = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.to_der_vec().ok())
            .unwrap_or_default();
        let spki_alg = CRYPT_ALGORITHM_IDENTIFIER {
            pszObjId: oid(spki.algorithm.algorithm.to_id_string()),
            Parameters: blob(&spki_params),
        };
        let pk = blob(&spki.subject_public_key.data);
        let public_key = CRYPT_BIT_STRING_BLOB {
            cbData: pk.cbData,
            pbData: pk.pbData,
            cUnusedBits: spki.subject_public_key.unused_bits as u32,
        };
        let mut uid =
            |u: &Option<x509_parser::certificate::UniqueIdentifier>| -> CRYPT_BIT_STRING_BLOB {
                match u {
                    Some(u) => {
                        let b = blob(&u.0.data);
                        CRYPT_BIT_STRING_BLOB {
                            cbData: b.cbData,
                            pbData: b.pbData,
                            cUnusedBits: u.0.unused_bits as u32,
                        }
                    }
                    None => CRYPT_BIT_STRING_BLOB::default(),
                }
            };
        let issuer_uid = uid(&tbs.issuer_uid);
        let subject_uid = uid(&tbs.subject_uid);
        let exts: Box<[CERT_EXTENSION]> = tbs
            .extensions()
            .iter()
            .map(|e| CERT_EXTENSION {
                pszObjId: oid(e.oid.to_id_string()),
                fCritical: e.critical as i32,
                Value: blob(e.value),
            })
            .collect();
        let not_before = tbs.validity.not_before.timestamp();
        let not_after = tbs.validity.not_after.timestamp();
        let mut info = Box::new(CERT_INFO {
            dwVersion: tbs.version.0,
            SerialNumber: serial_blob,
            SignatureAlgorithm: sig_alg,
            Issuer: issuer,
            NotBefore: FILETIME::from_unix(not_before),
            NotAfter: FILETIME::from_unix(not_after),
            Subject: subject,
            SubjectPublicKeyInfo: CERT_PUBLIC_KEY_INFO {
                Algorithm: spki_alg,
                PublicKey: public_key,
            },
            IssuerUniqueId: issuer_uid,
            SubjectUniqueId: subject_uid,
            cExtension: exts.len() as u32,
            rgExtension: std::ptr::null_mut(),
        });
        if !exts.is_empty() {
            info.rgExtension = exts.as_ptr() as *mut CERT_EXTENSION;
        }
        let ctx = CERT_CONTEXT {
            dwCertEncodingType: if enc == 0 { X509_ASN_ENCODING } else { enc },
            pbCertEncoded: der.as_ptr() as *mut u8,
            cbCertEncoded: der.len() as u32,
            pCertInfo: &mut *info as *mut CERT_INFO,
            hCertStore: std::ptr::null_mut(),
        };
        Ok(Box::new(CertObj {
            ctx,
            info,
            der,
            blobs,
            strings,
            exts,
            identity,
            not_after,
        }))
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

impl Registry {
    fn new_store(&mut self, open: usize) -> usize {
        let obj = Box::new(StoreObj {
            magic: 0x5753_544c_5354_4f52,
        });
        let h = &*obj as *const StoreObj as usize;
        self.stores.insert(
            h,
            StoreEntry {
                obj,
                open,
                members: Vec::new(),
            },
        );
        h
    }

    /// Adds a parsed context to `store` with `refs` program references; returns its pointer.
    fn add_member(&mut self, store: usize, mut obj: Box<CertObj>, refs: usize) -> usize {
        obj.ctx.hCertStore = store as *mut c_void;
        let p = &obj.ctx as *const CERT_CONTEXT as usize;
        self.certs.insert(p, CertEntry { obj, refs, store });
        if let Some(s) = self.stores.get_mut(&store) {
            s.members.push(p);
        }
        p
    }

    /// Destroys `store` and its contexts if it is closed and none of them is referenced.
    fn collect(&mut self, store: usize) {
        let Some(s) = self.stores.get(&store) else {
            return;
        };
        if s.open > 0
            || s.members
                .iter()
                .any(|m| self.certs.get(m).is_some_and(|c| c.refs > 0))
        {
            return;
        }
        if let Some(s) = self.stores.remove(&store) {
            for m in s.members {
                self.certs.remove(&m);
            }
            drop(s.obj);
        }
    }
}

/// The registered context behind `p`, if `p` is one of ours.
pub fn with_cert<T>(p: *const CERT_CONTEXT, f: impl FnOnce(&CertObj) -> T) -> Option<T> {
    let r = reg();
    r.certs.get(&(p as usize)).map(|c| f(&c.obj))
}

/// `CertCreateCertificateContext`: a new context (reference count 1) in a temporary store.
pub fn create(enc: u32, der: &[u8]) -> Result<*const CERT_CONTEXT> {
    if enc & CERT_ENCODING_TYPE_MASK & !X509_ASN_ENCODING != 0 {
        return Err(Error::inval(format!(
            "certificate encoding type {enc:#x} is not supported (X509_ASN_ENCODING is)"
        )));
    }
    let obj = CertObj::parse(enc, der, None)?;
    Ok(insert_standalone(obj))
}

fn insert_standalone(obj: Box<CertObj>) -> *const CERT_CONTEXT {
    let mut r = reg();
    let store = r.new_store(0);
    r.add_member(store, obj, 1) as *const CERT_CONTEXT
}

/// A context for the leaf of `identity`, carrying the identity (chain and private key).
pub fn create_with_identity(identity: Arc<Identity>) -> Result<*const CERT_CONTEXT> {
    let leaf = identity
        .chain
        .first()
        .ok_or_else(|| bad_cert("the certificate chain is empty"))?
        .clone();
    let obj = CertObj::parse(
        X509_ASN_ENCODING | PKCS_7_ASN_ENCODING,
        &leaf,
        Some(identity),
    )?;
    Ok(insert_standalone(obj))
}

/// A context for `chain[0]` whose store holds the whole chain (leaf first), as Schannel's
/// `SECPKG_ATTR_REMOTE_CERT_CONTEXT` returns it.
pub fn create_chain(chain: &[CertificateDer<'_>]) -> Result<*const CERT_CONTEXT> {
    let objs = chain
        .iter()
        .map(|c| CertObj::parse(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, c, None))
        .collect::<Result<Vec<_>>>()?;
    if objs.is_empty() {
        return Err(bad_cert("no certificate"));
    }
    let mut r = reg();
    let store = r.new_store(0);
    let mut first = 0;
    for (i, o) in objs.into_iter().enumerate() {
        let p = r.add_member(store, o, usize::from(i == 0));
        if i == 0 {
            first = p;
        }
    }
    Ok(first as *const CERT_CONTEXT)
}

/// `CertDuplicateCertificateContext`.
pub fn duplicate(p: *const CERT_CONTEXT) -> Option<*const CERT_CONTEXT> {
    let mut r = reg();
    let c = r.certs.get_mut(&(p as usize))?;
    c.refs += 1;
    Some(p)
}

/// `CertFreeCertificateContext`: `false` when `p` is not a live context of ours.
pub fn free(p: *const CERT_CONTEXT) -> bool {
    let mut r = reg();
    let Some(c) = r.certs.get_mut(&(p as usize)) else {
        return false;
    };
    if c.refs == 0 {
        return false;
    }
    c.refs -= 1;
    let store = c.store;
    r.collect(store);
    true
}

/// `CertOpenStore(CERT_STORE_PROV_MEMORY)`.
pub fn open_store() -> *mut c_void {
    reg().new_store(1) as *mut c_void
}

/// `CertCloseStore`.
pub fn close_store(h: *mut c_void, flags: u32) -> Result<()> {
    let mut guard = reg();
    let r = &mut *guard;
    let key = h as usize;
    let Some(s) = r.stores.get_mut(&key) else {
        return Err(Error::new(
            Kind::InvalidHandle,
            "CertCloseStore: not an open certificate store",
        ));
    };
    if s.open == 0 {
        return Err(Error::new(
            Kind::InvalidHandle,
            "CertCloseStore: the store is already closed",
        ));
    }
    s.open -= 1;
    let (open, members) = (s.open, s.members.clone());
    let pending = open == 0
        && members
            .iter()
            .any(|m| r.certs.get(m).is_some_and(|c| c.refs > 0));
    if flags & CERT_CLOSE_STORE_FORCE_FLAG != 0 {
        if let Some(s) = r.stores.get(&key) {
            let members = s.members.clone();
            for m in members {
                if let Some(c) = r.certs.get_mut(&m) {
                    c.refs = 0;
                }
            }
        }
    }
    r.collect(key);
    if pending
        && flags & CERT_CLOSE_STORE_CHECK_FLAG != 0
        && flags & CERT_CLOSE_STORE_FORCE_FLAG == 0
    {
        return Err(Error::new(Kind::Wsa(CRYPT_E_PENDING_CLOSE), "CertCloseStore: contexts of this store are still in use; it closes when they are freed"));
    }
    Ok(())
}

fn store_ok(r: &Registry, h: *mut c_void) -> Result<usize> {
    let key = h as usize;
    if r.stores.contains_key(&key) {
        Ok(key)
    } else {
        Err(Error::new(
            Kind::InvalidHandle,
            "not a wstls certificate store",
        ))
    }
}

/// Adds a certificate to a store (`CertAddEncodedCertificateToStore` /
/// `CertAddCertificateContextToStore`). Returns the store's context, duplicated, when `want`.
pub fn add_to_store(
    h: *mut c_void,
    enc: u32,
    der: &[u8],
    identity: Option<Arc<Identity>>,
    disposition: u32,
    want: bool,
) -> Result<Option<*const CERT_CONTEXT>> {
    let obj = CertObj::parse(enc, der, identity)?;
    let mut r = reg();
    let store = store_ok(&r, h)?;
    let existing = r.stores[&store]
        .members
        .iter()
        .copied()
        .find(|m| r.certs.get(m).is_some_and(|c| *c.obj.der == *der));
    let p = match (existing, disposition) {
        (Some(_), CERT_STORE_ADD_NEW) => {
            return Err(Error::new(
                Kind::Wsa(CRYPT_E_EXISTS),
                "the certificate is already in the store",
            ))
        }
        (
            Some(e),
            CERT_STORE_ADD_USE_EXISTING
            | CERT_STORE_ADD_NEWER
            | CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES,
        ) => e,
        (
            Some(e),
            CERT_STORE_ADD_REPLACE_EXISTING | CERT_STORE_ADD_REPLACE_EXISTING_INHERIT_PROPERTIES,
        ) => {
            if let Some(s) = r.stores.get_mut(&store) {
                s.members.retain(|m| *m != e);
            }
            // A referenced old context stays valid (alone in a closed store) until freed.
            let lone = r.new_store(0);
            if let Some(c) = r.certs.get_mut(&e) {
                c.store = lone;
                c.obj.ctx.hCertStore = lone as *mut c_void;
            }
            if let Some(s) = r.stores.get_mut(&lone) {
                s.members.push(e);
            }
            r.collect(lone);
            r.add_member(store, obj, 0)
        }
        (_, 1..=7) => r.add_member(store, obj, 0),
        (_, d) => return Err(Error::inval(format!("unknown add disposition {d}"))),
    };
    if want {
        if let Some(c) = r.certs.get_mut(&p) {
            c.refs += 1;
        }
        Ok(Some(p as *const CERT_CONTEXT))
    } else {
        Ok(None)
    }
}

/// `CertEnumCertificatesInStore`: the context after `prev` (NULL: the first), duplicated;
/// `prev` is freed. `None` at the end.
pub fn enum_store(
    h: *mut c_void,
    prev: *const CERT_CONTEXT,
) -> Result<Option<*const CERT_CONTEXT>> {
    let mut r = reg();
    let store = store_ok(&r, h)?;
    let members = r.stores[&store].members.clone();
    let start =
        if prev.is_null() {
            0
        } else {
            match members.iter().position(|m| *m == prev as usize) {
                Some(i) => i + 1,
                None => return Err(Error::inval(
                    "CertEnumCertificatesInStore: pPrevCertContext is not a context of this store",
                )),
            }
        };
    let next = members.get(start).copied();
    if let Some(n) = next {
        if let Some(c) = r.certs.get_mut(&n) {
            c.refs += 1;
        }
    }
    if !prev.is_null() {
        if let Some(c) = r.certs.get_mut(&(prev as usize)) {
            c.refs = c.refs.saturating_sub(1);
        }
    }
    r.collect(store);
    Ok(next.map(|n| n as *const CERT_CONTEXT))
}

/// The DER certificates of a store (for `hRootStore` in Schannel credentials).
pub fn store_certs(h: *mut c_void) -> Result<Vec<CertificateDer<'static>>> {
    let r = reg();
    let store = store_ok(&r, h)?;
    Ok(r.stores[&store]
        .members
        .iter()
        .filter_map(|m| r.certs.get(m))
        .map(|c| CertificateDer::from(c.obj.der.to_vec()))
        .collect())
}

/// The certificate (and identity, if any) of a context the program passes in: ours by lookup,
/// or a foreign `CERT_CONTEXT` read through its `pbCertEncoded` (such a context has no key).
pub unsafe fn read_context(p: *const CERT_CONTEXT) -> Result<(Vec<u8>, Option<Arc<Identity>>)> {
    if p.is_null() {
        return Err(Error::new(Kind::InvalidToken, "NULL certificate context"));
    }
    if let Some(v) = with_cert(p, |c| (c.der.to_vec(), c.identity.clone())) {
        return Ok(v);
    }
    if (p as usize) % std::mem::align_of::<CERT_CONTEXT>() != 0 {
        return Err(Error::new(
            Kind::InvalidToken,
            "misaligned certificate context",
        ));
    }
    let c = &*p;
    let der = crate::ffi::ptr::dword_bytes(
        c.pbCertEncoded,
        c.cbCertEncoded,
        "CERT_CONTEXT.pbCertEncoded",
    )?;
    Ok((der.to_vec(), None))
}

/// Number of live contexts and stores (tests).
pub fn live_counts() -> (usize, usize) {
    let r = reg();
    (r.certs.len(), r.stores.len())
}
