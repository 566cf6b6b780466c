//! `QueryContextAttributes` and `QueryCredentialsAttributes`.
use std::os::raw::{c_char, c_void};

#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs::digest;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
use ring::digest;

use super::context::Context;
use super::cred::Credential;
use super::{cert, mem, packages, SecError, SecResult};
use crate::tls::record::Cipher;
use crate::win::crypt::*;
use crate::win::sspi::*;

fn sec(status: i32, msg: impl Into<String>) -> SecError {
    SecError::new(status, msg)
}

unsafe fn out<T>(p: *mut c_void, v: T) -> SecResult<i32> {
    if p.is_null() {
        return Err(sec(SEC_E_INVALID_PARAMETER, "pBuffer is NULL"));
    }
    std::ptr::write_unaligned(p as *mut T, v);
    Ok(SEC_E_OK)
}

fn wide64(s: &str) -> [WCHAR; 64] {
    let mut a = [0u16; 64];
    for (i, u) in s.encode_utf16().take(63).enumerate() {
        a[i] = u;
    }
    a
}

/// What kind of key a certificate has ("RSA", "ECDSA", ...), with its ALG_ID.
fn key_kind(der: &[u8]) -> (&'static str, u32) {
    let Ok((_, x)) = x509_parser::parse_x509_certificate(der) else {
        return ("", 0);
    };
    match x
        .tbs_certificate
        .subject_pki
        .algorithm
        .algorithm
        .to_id_string()
        .as_str()
    {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => ("RSA", CALG_RSA_SIGN),
        "1.2.840.10045.2.1" => ("ECDSA", CALG_ECDSA),
        "1.3.101.112" => ("Ed25519", 0),
        "1.3.101.113" => ("Ed448", 0),
        _ => ("", 0),
    }
}

/// The server's certificate of a connection (the peer's for a client, ours for a server).
fn server_cert(ctx: &super::context::Ctx) -> Option<Vec<u8>> {
    if ctx.client {
        ctx.neg.as_ref()?.peer_chain.first().map(|c| c.to_vec())
    } else {
        ctx.cred
            .identity
            .as_ref()?
            .chain
            .first()
            .map(|c| c.to_vec())
    }
}

/// `tls-server-end-point` (RFC 5929): the certificate hashed with its signature's hash (SHA-256
/// for MD5 and SHA-1).
fn end_point_hash(der: &[u8]) -> Vec<u8> {
    let oid = x509_parser::parse_x509_certificate(der)
        .map(|(_, x)| x.signature_algorithm.algorithm.to_id_string())
        .unwrap_or_default();
    let alg = match oid.as_str() {
        // sha384WithRSA, ecdsa-with-SHA384
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => &digest::SHA384,
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => &digest::SHA512,
        _ => &digest::SHA256,
    };
    digest::digest(alg, der).as_ref().to_vec()
}

/// Fills one context attribute.
pub unsafe fn query_context(
    ctx: &Context,
    attr: u32,
    p: *mut c_void,
    wide: bool,
) -> SecResult<i32> {
    if attr == SECPKG_ATTR_NEGOTIATION_INFO {
        return Err(sec(
            SEC_E_UNSUPPORTED_FUNCTION,
            "SECPKG_ATTR_NEGOTIATION_INFO is not supported by Schannel",
        ));
    }
    if attr == SECPKG_ATTR_PACKAGE_INFO {
        let info = if wide {
            packages::info_block_w(&[packages::UNISP_NAME]) as *mut c_void
        } else {
            packages::info_block_a(&[packages::UNISP_NAME]) as *mut c_void
        };
        if info.is_null() {
            return Err(sec(SEC_E_INSUFFICIENT_MEMORY, "out of memory"));
        }
        return out(p, info);
    }
    let sizes = ctx.stream_sizes();
    let g = ctx.lock();
    let not_done = || {
        sec(
            SEC_E_INVALID_HANDLE,
            "the security context is not established yet",
        )
    };
    match attr {
        SECPKG_ATTR_STREAM_SIZES => {
            let (h, t) = sizes?;
            let cipher = g.neg.as_ref().and_then(|n| n.info).map(|i| i.cipher);
            let block = if cipher == Some(crate::win::sslsock::CALG_WSTLS_CHACHA20_POLY1305) {
                1
            } else {
                16
            };
            out(
                p,
                SecPkgContext_StreamSizes {
                    cbHeader: h as u32,
                    cbTrailer: t as u32,
                    cbMaximumMessage: 16384,
                    cBuffers: 4,
                    cbBlockSize: block,
                },
            )
        }
        SECPKG_ATTR_SIZES => {
            let (_, t) = sizes.unwrap_or((0, 17));
            out(
                p,
                SecPkgContext_Sizes {
                    cbMaxToken: packages::MAX_TOKEN,
                    cbMaxSignature: 0,
                    cbBlockSize: 16,
                    cbSecurityTrailer: t as u32,
                },
            )
        }
        SECPKG_ATTR_CONNECTION_INFO => {
            let i = g.neg.as_ref().and_then(|n| n.info).ok_or_else(not_done)?;
            // Windows reports no separate hash strength for AEAD suites.
            out(
                p,
                SecPkgContext_ConnectionInfo {
                    dwProtocol: i.protocol,
                    aiCipher: i.cipher,
                    dwCipherStrength: i.cipher_strength,
                    aiHash: i.hash,
                    dwHashStrength: 0,
                    aiExch: i.exch,
                    dwExchStrength: i.exch_strength,
                },
            )
        }
        SECPKG_ATTR_CIPHER_INFO => {
            let n = g.neg.as_ref().ok_or_else(not_done)?;
            let i = n.info.ok_or_else(not_done)?;
            let suite = n.suite.suite();
            let name = format!("{suite:?}");
            let tls13 = n.version == rustls::ProtocolVersion::TLSv1_3;
            let cipher = match g.tls_version().map(|_| ()).and(Some(i.cipher)) {
                Some(c) if c == crate::win::sslsock::CALG_WSTLS_CHACHA20_POLY1305 => {
                    Cipher::Chacha20Poly1305
                }
                Some(c) if c == CALG_AES_128 => Cipher::Aes128Gcm,
                _ => Cipher::Aes256Gcm,
            };
            let (cname, block) = match cipher {
                Cipher::Chacha20Poly1305 => ("CHACHA20_POLY1305", 1),
                _ => ("AES", 16),
            };
            let cert_der = server_cert(&g).unwrap_or_default();
            let (cert_kind, _) = key_kind(&cert_der);
            let exchange = if i.exch == CALG_DH_EPHEM {
                "DH"
            } else {
                "ECDH"
            };
            let info = SecPkgContext_CipherInfo {
                dwVersion: SECPKGCONTEXT_CIPHERINFO_V1,
                dwProtocol: if tls13 { 0x0304 } else { 0x0303 },
                dwCipherSuite: u16::from(suite) as u32,
                dwBaseCipherSuite: u16::from(suite) as u32,
                szCipherSuite: wide64(&name),
                szCipher: wide64(cname),
                dwCipherLen: i.cipher_strength,
                dwCipherBlockLen: block,
                szHash: wide64(""),
                dwHashLen: 0,
                szExchange: wide64(exchange),
                dwMinExchangeLen: i.exch_strength,
                dwMaxExchangeLen: i.exch_strength,
                szCertificate: wide64(cert_kind),
                dwKeyType: n.group.unwrap_or(0) as u32,
            };
            out(p, info)
        }
        SECPKG_ATTR_REMOTE_CERT_CONTEXT => {
            let n = g.neg.as_ref().ok_or_else(not_done)?;
            if n.peer_chain.is_empty() {
                return Err(sec(SEC_E_NO_CREDENTIALS, "the peer sent no certificate"));
            }
            let c = cert::create_chain(&n.peer_chain).map_err(SecError::from)?;
            out(p, c)
        }
        SECPKG_ATTR_LOCAL_CERT_CONTEXT => {
            let leaf = if g.client {
                // Only when the server asked and a certificate was sent.
                let sent = g
                    .client_cert
                    .as_ref()
                    .is_some_and(|c| c.requested.load(std::sync::atomic::Ordering::SeqCst))
                    && g.cred.client_cert.key.is_some();
                if sent {
                    g.cred
                        .identity
                        .as_ref()
                        .and_then(|id| id.chain.first().cloned())
                } else {
                    None
                }
            } else {
                g.cred
                    .identity
                    .as_ref()
                    .and_then(|id| id.chain.first().cloned())
            };
            let leaf =
                leaf.ok_or_else(|| sec(SEC_E_NO_CREDENTIALS, "no local certificate was used"))?;
            let c = cert::create(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, &leaf)
                .map_err(SecError::from)?;
            out(p, c)
        }
        SECPKG_ATTR_APPLICATION_PROTOCOL => {
            let n = g.neg.as_ref().ok_or_else(not_done)?;
            let mut a = SecPkgContext_ApplicationProtocol {
                ProtoNegoStatus: 0,
                ProtoNegoExt: 0,
                ProtocolIdSize: 0,
                ProtocolId: [0; 255],
            };
            if let Some(id) = &n.alpn {
                a.ProtoNegoStatus = SecApplicationProtocolNegotiationStatus_Success;
                a.ProtoNegoExt = SecApplicationProtocolNegotiationExt_ALPN;
                let l = id.len().min(255);
                a.ProtocolIdSize = l as u8;
                a.ProtocolId[..l].copy_from_slice(&id[..l]);
            }
            out(p, a)
        }
        SECPKG_ATTR_SESSION_INFO => {
            let n = g.neg.as_ref().ok_or_else(not_done)?;
            out(
                p,
                SecPkgContext_SessionInfo {
                    dwFlags: if n.resumed { SSL_SESSION_RECONNECT } else { 0 },
                    cbSessionId: 0,
                    rgbSessionId: [0; 32],
                },
            )
        }
        SECPKG_ATTR_LIFESPAN => {
            let der = g
                .neg
                .as_ref()
                .and_then(|n| n.peer_chain.first().map(|c| c.to_vec()))
                .or_else(|| server_cert(&g))
                .ok_or_else(not_done)?;
            let (_, x) = x509_parser::parse_x509_certificate(&der)
                .map_err(|_| sec(SEC_E_CERT_UNKNOWN, "bad certificate"))?;
            let ft = |t: i64| SECURITY_INTEGER {
                QuadPart: FILETIME::from_unix(t).as_u64() as i64,
            };
            out(
                p,
                SecPkgContext_Lifespan {
                    tsStart: ft(x.validity().not_before.timestamp()),
                    tsExpiry: ft(x.validity().not_after.timestamp()),
                },
            )
        }
        SECPKG_ATTR_KEY_INFO => {
            let n = g.neg.as_ref().ok_or_else(not_done)?;
            let i = n.info.ok_or_else(not_done)?;
            let (sig, sig_alg) = key_kind(&server_cert(&g).unwrap_or_default());
            let enc = if i.cipher == crate::win::sslsock::CALG_WSTLS_CHACHA20_POLY1305 {
                "CHACHA20_POLY1305"
            } else {
                "AES"
            };
            let s = |t: &str| -> *mut c_void {
                if wide {
                    let w: Vec<u8> = t
                        .encode_utf16()
                        .chain([0])
                        .flat_map(|u| u.to_ne_bytes())
                        .collect();
                    mem::alloc_copy(&w) as *mut c_void
                } else {
                    let mut b = t.as_bytes().to_vec();
                    b.push(0);
                    mem::alloc_copy(&b) as *mut c_void
                }
            };
            let (a, b) = (s(sig), s(enc));
            if wide {
                out(
                    p,
                    SecPkgContext_KeyInfoW {
                        sSignatureAlgorithmName: a as *mut WCHAR,
                        sEncryptAlgorithmName: b as *mut WCHAR,
                        KeySize: i.cipher_strength,
                        SignatureAlgorithm: sig_alg,
                        EncryptAlgorithm: i.cipher,
                    },
                )
            } else {
                out(
                    p,
                    SecPkgContext_KeyInfoA {
                        sSignatureAlgorithmName: a as *mut c_char,
                        sEncryptAlgorithmName: b as *mut c_char,
                        KeySize: i.cipher_strength,
                        SignatureAlgorithm: sig_alg,
                        EncryptAlgorithm: i.cipher,
                    },
                )
            }
        }
        SECPKG_ATTR_ENDPOINT_BINDINGS => {
            if g.neg.is_none() {
                return Err(not_done());
            }
            let der = server_cert(&g)
                .ok_or_else(|| sec(SEC_E_NO_CREDENTIALS, "no server certificate"))?;
            let mut app = b"tls-server-end-point:".to_vec();
            app.extend_from_slice(&end_point_hash(&der));
            let head = std::mem::size_of::<SEC_CHANNEL_BINDINGS>();
            let mut block = vec![0u8; head + app.len()];
            let b = SEC_CHANNEL_BINDINGS {
                cbApplicationDataLength: app.len() as u32,
                dwApplicationDataOffset: head as u32,
                ..Default::default()
            };
            std::ptr::write_unaligned(block.as_mut_ptr() as *mut SEC_CHANNEL_BINDINGS, b);
            block[head..].copy_from_slice(&app);
            let m = mem::alloc_copy(&block);
            if m.is_null() {
                return Err(sec(SEC_E_INSUFFICIENT_MEMORY, "out of memory"));
            }
            out(
                p,
                SecPkgContext_Bindings {
                    BindingsLength: block.len() as u32,
                    Bindings: m as *mut SEC_CHANNEL_BINDINGS,
                },
            )
        }
        SECPKG_ATTR_UNIQUE_BINDINGS => Err(sec(
            SEC_E_UNSUPPORTED_FUNCTION,
            "tls-unique channel bindings are not available (use SECPKG_ATTR_ENDPOINT_BINDINGS)",
        )),
        SECPKG_ATTR_ISSUER_LIST_EX => {
            let names: Vec<Vec<u8>> = g
                .client_cert
                .as_ref()
                .map(|c| c.issuers.lock().unwrap_or_else(|e| e.into_inner()).clone())
                .unwrap_or_default();
            let head = std::mem::size_of::<CERT_NAME_BLOB>() * names.len();
            let total = head + names.iter().map(|n| n.len()).sum::<usize>();
            let m = if names.is_empty() {
                std::ptr::null_mut()
            } else {
                mem::alloc_zeroed(total)
            };
            if !names.is_empty() && m.is_null() {
                return Err(sec(SEC_E_INSUFFICIENT_MEMORY, "out of memory"));
            }
            let mut off = head;
            for (i, n) in names.iter().enumerate() {
                std::ptr::copy_nonoverlapping(n.as_ptr(), m.add(off), n.len());
                (m as *mut CERT_NAME_BLOB)
                    .add(i)
                    .write_unaligned(CERT_NAME_BLOB {
                        cbData: n.len() as u32,
                        pbData: m.add(off),
                    });
                off += n.len();
            }
            out(
                p,
                SecPkgContext_IssuerListInfoEx {
                    aIssuers: m as *mut CERT_NAME_BLOB,
                    cIssuers: names.len() as u32,
                },
            )
        }
        a => Err(sec(
            SEC_E_UNSUPPORTED_FUNCTION,
            format!("context attribute {a:#x} is not supported by wstls"),
        )),
    }
}

/// Fills one credentials attribute.
pub unsafe fn query_credentials(
    cred: &Credential,
    attr: u32,
    p: *mut c_void,
    wide: bool,
) -> SecResult<i32> {
    if p.is_null() {
        // Windows' status for a NULL buffer here.
        return Err(sec(SEC_E_INTERNAL_ERROR, "pBuffer is NULL"));
    }
    match attr {
        SECPKG_ATTR_SUPPORTED_PROTOCOLS => out(
            p,
            SecPkgCred_SupportedProtocols {
                grbitProtocol: cred.protocols,
            },
        ),
        SECPKG_ATTR_CIPHER_STRENGTHS => out(
            p,
            SecPkgCred_CipherStrengths {
                dwMinimumCipherStrength: 128,
                dwMaximumCipherStrength: 256,
            },
        ),
        SECPKG_ATTR_SUPPORTED_ALGS => {
            let algs: [u32; 8] = [
                CALG_AES_128,
                CALG_AES_256,
                CALG_SHA_256,
                CALG_SHA_384,
                CALG_ECDH_EPHEM,
                CALG_DH_EPHEM,
                CALG_RSA_SIGN,
                CALG_ECDSA,
            ];
            let bytes: Vec<u8> = algs.iter().flat_map(|a| a.to_ne_bytes()).collect();
            let m = mem::alloc_copy(&bytes);
            if m.is_null() {
                return Err(sec(SEC_E_INSUFFICIENT_MEMORY, "out of memory"));
            }
            out(
                p,
                SecPkgCred_SupportedAlgs {
                    cSupportedAlgs: algs.len() as u32,
                    palgSupportedAlgs: m as *mut u32,
                },
            )
        }
        SECPKG_ATTR_NAMES => {
            let id = cred
                .identity
                .as_ref()
                .ok_or_else(|| sec(SEC_E_NO_CREDENTIALS, "this credential has no certificate"))?;
            let leaf = id
                .chain
                .first()
                .ok_or_else(|| sec(SEC_E_NO_CREDENTIALS, "this credential has no certificate"))?;
            let name = x509_parser::parse_x509_certificate(leaf)
                .map(|(_, x)| x.subject().to_string())
                .unwrap_or_default();
            let m = if wide {
                let w: Vec<u8> = name
                    .encode_utf16()
                    .chain([0])
                    .flat_map(|u| u.to_ne_bytes())
                    .collect();
                mem::alloc_copy(&w)
            } else {
                let mut b = name.into_bytes();
                b.push(0);
                mem::alloc_copy(&b)
            };
            if m.is_null() {
                return Err(sec(SEC_E_INSUFFICIENT_MEMORY, "out of memory"));
            }
            out(p, m as *mut c_void)
        }
        a => Err(sec(
            SEC_E_UNSUPPORTED_FUNCTION,
            format!("credentials attribute {a:#x} is not supported by wstls"),
        )),
    }
}
