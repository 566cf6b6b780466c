//! SSPI and Schannel (`sspi.h`, `security.h`, `schannel.h`, `subauth.h`): status codes, flags
//! and `#[repr(C)]` structures with their Windows layouts (LP64; `ULONG`/`DWORD`/`LONG` are
//! 32-bit, `ULONG_PTR` is pointer-sized). Values come from the public Windows headers; see
//! /work/shared/reference/sspi-schannel.md. Nothing here does I/O.
#![allow(
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    missing_docs,
    clippy::upper_case_acronyms
)]

use std::os::raw::{c_char, c_void};

use super::crypt::{CERT_CONTEXT, CERT_NAME_BLOB};

/// UTF-16 code unit (`WCHAR`/`SEC_WCHAR`); the C header defines it as a 16-bit type.
pub type WCHAR = u16;

/// `SECURITY_STATUS`: a 32-bit `LONG`; success values are >= 0.
pub type SECURITY_STATUS = i32;

/// `SecHandle` (also `CredHandle`, `CtxtHandle`): two `ULONG_PTR`s, opaque to the caller.
/// wstls stores its table handle in `dwLower` and a tag saying which table in `dwUpper`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecHandle {
    pub dwLower: usize,
    pub dwUpper: usize,
}

/// A credentials handle.
pub type CredHandle = SecHandle;
/// A security-context handle.
pub type CtxtHandle = SecHandle;

/// The two 32-bit halves of a `TimeStamp`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SECURITY_INTEGER_PARTS {
    pub LowPart: u32,
    pub HighPart: i32,
}

/// `TimeStamp`/`SECURITY_INTEGER` (a `LARGE_INTEGER`): 100-ns units since 1601, local time.
#[repr(C)]
#[derive(Clone, Copy)]
pub union SECURITY_INTEGER {
    pub QuadPart: i64,
    pub u: SECURITY_INTEGER_PARTS,
}

/// `TimeStamp`.
pub type TimeStamp = SECURITY_INTEGER;

/// `SecBuffer`: `ULONG cbBuffer; ULONG BufferType; void *pvBuffer;` (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecBuffer {
    pub cbBuffer: u32,
    pub BufferType: u32,
    pub pvBuffer: *mut c_void,
}

/// `SecBufferDesc`: `ULONG ulVersion; ULONG cBuffers; SecBuffer *pBuffers;` (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecBufferDesc {
    pub ulVersion: u32,
    pub cBuffers: u32,
    pub pBuffers: *mut SecBuffer,
}

/// `SecPkgInfoA` (32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgInfoA {
    pub fCapabilities: u32,
    pub wVersion: u16,
    pub wRPCID: u16,
    pub cbMaxToken: u32,
    pub Name: *mut c_char,
    pub Comment: *mut c_char,
}

/// `SecPkgInfoW` (32 bytes; strings are UTF-16).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgInfoW {
    pub fCapabilities: u32,
    pub wVersion: u16,
    pub wRPCID: u16,
    pub cbMaxToken: u32,
    pub Name: *mut WCHAR,
    pub Comment: *mut WCHAR,
}

/// `SEC_GET_KEY_FN` (unused by Schannel; pass NULL).
pub type SEC_GET_KEY_FN = Option<
    unsafe extern "C" fn(*mut c_void, *mut c_void, u32, *mut *mut c_void, *mut SECURITY_STATUS),
>;

// ---------------------------------------------------------------------------------------------
// Function-table entry types (slot order of SecurityFunctionTableA/W)
// ---------------------------------------------------------------------------------------------

pub type ENUMERATE_SECURITY_PACKAGES_FN_A =
    Option<unsafe extern "C" fn(*mut u32, *mut *mut SecPkgInfoA) -> SECURITY_STATUS>;
pub type ENUMERATE_SECURITY_PACKAGES_FN_W =
    Option<unsafe extern "C" fn(*mut u32, *mut *mut SecPkgInfoW) -> SECURITY_STATUS>;
pub type QUERY_CREDENTIALS_ATTRIBUTES_FN =
    Option<unsafe extern "C" fn(*mut CredHandle, u32, *mut c_void) -> SECURITY_STATUS>;
pub type ACQUIRE_CREDENTIALS_HANDLE_FN_A = Option<
    unsafe extern "C" fn(
        *mut c_char,
        *mut c_char,
        u32,
        *mut c_void,
        *mut c_void,
        SEC_GET_KEY_FN,
        *mut c_void,
        *mut CredHandle,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type ACQUIRE_CREDENTIALS_HANDLE_FN_W = Option<
    unsafe extern "C" fn(
        *mut WCHAR,
        *mut WCHAR,
        u32,
        *mut c_void,
        *mut c_void,
        SEC_GET_KEY_FN,
        *mut c_void,
        *mut CredHandle,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type FREE_CREDENTIALS_HANDLE_FN =
    Option<unsafe extern "C" fn(*mut CredHandle) -> SECURITY_STATUS>;
pub type INITIALIZE_SECURITY_CONTEXT_FN_A = Option<
    unsafe extern "C" fn(
        *mut CredHandle,
        *mut CtxtHandle,
        *mut c_char,
        u32,
        u32,
        u32,
        *mut SecBufferDesc,
        u32,
        *mut CtxtHandle,
        *mut SecBufferDesc,
        *mut u32,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type INITIALIZE_SECURITY_CONTEXT_FN_W = Option<
    unsafe extern "C" fn(
        *mut CredHandle,
        *mut CtxtHandle,
        *mut WCHAR,
        u32,
        u32,
        u32,
        *mut SecBufferDesc,
        u32,
        *mut CtxtHandle,
        *mut SecBufferDesc,
        *mut u32,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type ACCEPT_SECURITY_CONTEXT_FN = Option<
    unsafe extern "C" fn(
        *mut CredHandle,
        *mut CtxtHandle,
        *mut SecBufferDesc,
        u32,
        u32,
        *mut CtxtHandle,
        *mut SecBufferDesc,
        *mut u32,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type COMPLETE_AUTH_TOKEN_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle, *mut SecBufferDesc) -> SECURITY_STATUS>;
pub type DELETE_SECURITY_CONTEXT_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle) -> SECURITY_STATUS>;
pub type APPLY_CONTROL_TOKEN_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle, *mut SecBufferDesc) -> SECURITY_STATUS>;
pub type QUERY_CONTEXT_ATTRIBUTES_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle, u32, *mut c_void) -> SECURITY_STATUS>;
pub type IMPERSONATE_SECURITY_CONTEXT_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle) -> SECURITY_STATUS>;
pub type REVERT_SECURITY_CONTEXT_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle) -> SECURITY_STATUS>;
pub type MAKE_SIGNATURE_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle, u32, *mut SecBufferDesc, u32) -> SECURITY_STATUS>;
pub type VERIFY_SIGNATURE_FN = Option<
    unsafe extern "C" fn(*mut CtxtHandle, *mut SecBufferDesc, u32, *mut u32) -> SECURITY_STATUS,
>;
pub type FREE_CONTEXT_BUFFER_FN = Option<unsafe extern "C" fn(*mut c_void) -> SECURITY_STATUS>;
pub type QUERY_SECURITY_PACKAGE_INFO_FN_A =
    Option<unsafe extern "C" fn(*mut c_char, *mut *mut SecPkgInfoA) -> SECURITY_STATUS>;
pub type QUERY_SECURITY_PACKAGE_INFO_FN_W =
    Option<unsafe extern "C" fn(*mut WCHAR, *mut *mut SecPkgInfoW) -> SECURITY_STATUS>;
pub type EXPORT_SECURITY_CONTEXT_FN = Option<
    unsafe extern "C" fn(*mut CtxtHandle, u32, *mut SecBuffer, *mut *mut c_void) -> SECURITY_STATUS,
>;
pub type IMPORT_SECURITY_CONTEXT_FN_A = Option<
    unsafe extern "C" fn(
        *mut c_char,
        *mut SecBuffer,
        *mut c_void,
        *mut CtxtHandle,
    ) -> SECURITY_STATUS,
>;
pub type IMPORT_SECURITY_CONTEXT_FN_W = Option<
    unsafe extern "C" fn(
        *mut WCHAR,
        *mut SecBuffer,
        *mut c_void,
        *mut CtxtHandle,
    ) -> SECURITY_STATUS,
>;
pub type ADD_CREDENTIALS_FN_A = Option<
    unsafe extern "C" fn(
        *mut CredHandle,
        *mut c_char,
        *mut c_char,
        u32,
        *mut c_void,
        SEC_GET_KEY_FN,
        *mut c_void,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type ADD_CREDENTIALS_FN_W = Option<
    unsafe extern "C" fn(
        *mut CredHandle,
        *mut WCHAR,
        *mut WCHAR,
        u32,
        *mut c_void,
        SEC_GET_KEY_FN,
        *mut c_void,
        *mut TimeStamp,
    ) -> SECURITY_STATUS,
>;
pub type QUERY_SECURITY_CONTEXT_TOKEN_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle, *mut *mut c_void) -> SECURITY_STATUS>;
pub type ENCRYPT_MESSAGE_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle, u32, *mut SecBufferDesc, u32) -> SECURITY_STATUS>;
pub type DECRYPT_MESSAGE_FN = Option<
    unsafe extern "C" fn(*mut CtxtHandle, *mut SecBufferDesc, u32, *mut u32) -> SECURITY_STATUS,
>;
pub type SET_CONTEXT_ATTRIBUTES_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle, u32, *mut c_void, u32) -> SECURITY_STATUS>;
pub type SET_CREDENTIALS_ATTRIBUTES_FN =
    Option<unsafe extern "C" fn(*mut CredHandle, u32, *mut c_void, u32) -> SECURITY_STATUS>;
pub type CHANGE_PASSWORD_FN_A = Option<
    unsafe extern "C" fn(
        *mut c_char,
        *mut c_char,
        *mut c_char,
        *mut c_char,
        *mut c_char,
        u8,
        u32,
        *mut SecBufferDesc,
    ) -> SECURITY_STATUS,
>;
pub type CHANGE_PASSWORD_FN_W = Option<
    unsafe extern "C" fn(
        *mut WCHAR,
        *mut WCHAR,
        *mut WCHAR,
        *mut WCHAR,
        *mut WCHAR,
        u8,
        u32,
        *mut SecBufferDesc,
    ) -> SECURITY_STATUS,
>;
pub type QUERY_CONTEXT_ATTRIBUTES_EX_FN =
    Option<unsafe extern "C" fn(*mut CtxtHandle, u32, *mut c_void, u32) -> SECURITY_STATUS>;
pub type QUERY_CREDENTIALS_ATTRIBUTES_EX_FN =
    Option<unsafe extern "C" fn(*mut CredHandle, u32, *mut c_void, u32) -> SECURITY_STATUS>;

/// `SecurityFunctionTableA`, returned by `InitSecurityInterfaceA`: `dwVersion` then the entry
/// points in Windows slot order (a missing entry is NULL).
#[repr(C)]
pub struct SecurityFunctionTableA {
    pub dwVersion: u32,
    pub EnumerateSecurityPackagesA: ENUMERATE_SECURITY_PACKAGES_FN_A,
    pub QueryCredentialsAttributesA: QUERY_CREDENTIALS_ATTRIBUTES_FN,
    pub AcquireCredentialsHandleA: ACQUIRE_CREDENTIALS_HANDLE_FN_A,
    pub FreeCredentialsHandle: FREE_CREDENTIALS_HANDLE_FN,
    pub Reserved2: *mut c_void,
    pub InitializeSecurityContextA: INITIALIZE_SECURITY_CONTEXT_FN_A,
    pub AcceptSecurityContext: ACCEPT_SECURITY_CONTEXT_FN,
    pub CompleteAuthToken: COMPLETE_AUTH_TOKEN_FN,
    pub DeleteSecurityContext: DELETE_SECURITY_CONTEXT_FN,
    pub ApplyControlToken: APPLY_CONTROL_TOKEN_FN,
    pub QueryContextAttributesA: QUERY_CONTEXT_ATTRIBUTES_FN,
    pub ImpersonateSecurityContext: IMPERSONATE_SECURITY_CONTEXT_FN,
    pub RevertSecurityContext: REVERT_SECURITY_CONTEXT_FN,
    pub MakeSignature: MAKE_SIGNATURE_FN,
    pub VerifySignature: VERIFY_SIGNATURE_FN,
    pub FreeContextBuffer: FREE_CONTEXT_BUFFER_FN,
    pub QuerySecurityPackageInfoA: QUERY_SECURITY_PACKAGE_INFO_FN_A,
    pub Reserved3: *mut c_void,
    pub Reserved4: *mut c_void,
    pub ExportSecurityContext: EXPORT_SECURITY_CONTEXT_FN,
    pub ImportSecurityContextA: IMPORT_SECURITY_CONTEXT_FN_A,
    pub AddCredentialsA: ADD_CREDENTIALS_FN_A,
    pub Reserved8: *mut c_void,
    pub QuerySecurityContextToken: QUERY_SECURITY_CONTEXT_TOKEN_FN,
    pub EncryptMessage: ENCRYPT_MESSAGE_FN,
    pub DecryptMessage: DECRYPT_MESSAGE_FN,
    pub SetContextAttributesA: SET_CONTEXT_ATTRIBUTES_FN,
    pub SetCredentialsAttributesA: SET_CREDENTIALS_ATTRIBUTES_FN,
    pub ChangeAccountPasswordA: CHANGE_PASSWORD_FN_A,
    pub QueryContextAttributesExA: QUERY_CONTEXT_ATTRIBUTES_EX_FN,
    pub QueryCredentialsAttributesExA: QUERY_CREDENTIALS_ATTRIBUTES_EX_FN,
}

/// `SecurityFunctionTableW`, returned by `InitSecurityInterfaceW` (same slots, wide entries).
#[repr(C)]
pub struct SecurityFunctionTableW {
    pub dwVersion: u32,
    pub EnumerateSecurityPackagesW: ENUMERATE_SECURITY_PACKAGES_FN_W,
    pub QueryCredentialsAttributesW: QUERY_CREDENTIALS_ATTRIBUTES_FN,
    pub AcquireCredentialsHandleW: ACQUIRE_CREDENTIALS_HANDLE_FN_W,
    pub FreeCredentialsHandle: FREE_CREDENTIALS_HANDLE_FN,
    pub Reserved2: *mut c_void,
    pub InitializeSecurityContextW: INITIALIZE_SECURITY_CONTEXT_FN_W,
    pub AcceptSecurityContext: ACCEPT_SECURITY_CONTEXT_FN,
    pub CompleteAuthToken: COMPLETE_AUTH_TOKEN_FN,
    pub DeleteSecurityContext: DELETE_SECURITY_CONTEXT_FN,
    pub ApplyControlToken: APPLY_CONTROL_TOKEN_FN,
    pub QueryContextAttributesW: QUERY_CONTEXT_ATTRIBUTES_FN,
    pub ImpersonateSecurityContext: IMPERSONATE_SECURITY_CONTEXT_FN,
    pub RevertSecurityContext: REVERT_SECURITY_CONTEXT_FN,
    pub MakeSignature: MAKE_SIGNATURE_FN,
    pub VerifySignature: VERIFY_SIGNATURE_FN,
    pub FreeContextBuffer: FREE_CONTEXT_BUFFER_FN,
    pub QuerySecurityPackageInfoW: QUERY_SECURITY_PACKAGE_INFO_FN_W,
    pub Reserved3: *mut c_void,
    pub Reserved4: *mut c_void,
    pub ExportSecurityContext: EXPORT_SECURITY_CONTEXT_FN,
    pub ImportSecurityContextW: IMPORT_SECURITY_CONTEXT_FN_W,
    pub AddCredentialsW: ADD_CREDENTIALS_FN_W,
    pub Reserved8: *mut c_void,
    pub QuerySecurityContextToken: QUERY_SECURITY_CONTEXT_TOKEN_FN,
    pub EncryptMessage: ENCRYPT_MESSAGE_FN,
    pub DecryptMessage: DECRYPT_MESSAGE_FN,
    pub SetContextAttributesW: SET_CONTEXT_ATTRIBUTES_FN,
    pub SetCredentialsAttributesW: SET_CREDENTIALS_ATTRIBUTES_FN,
    pub ChangeAccountPasswordW: CHANGE_PASSWORD_FN_W,
    pub QueryContextAttributesExW: QUERY_CONTEXT_ATTRIBUTES_EX_FN,
    pub QueryCredentialsAttributesExW: QUERY_CREDENTIALS_ATTRIBUTES_EX_FN,
}

// SAFETY: the tables hold function pointers and NULLs only; they are never written.
unsafe impl Sync for SecurityFunctionTableA {}
unsafe impl Sync for SecurityFunctionTableW {}

// ---------------------------------------------------------------------------------------------
// Context and credential attribute structures
// ---------------------------------------------------------------------------------------------

/// `SecPkgContext_Sizes` (`SECPKG_ATTR_SIZES`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SecPkgContext_Sizes {
    pub cbMaxToken: u32,
    pub cbMaxSignature: u32,
    pub cbBlockSize: u32,
    pub cbSecurityTrailer: u32,
}

/// `SecPkgContext_StreamSizes` (`SECPKG_ATTR_STREAM_SIZES`, 20 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_StreamSizes {
    pub cbHeader: u32,
    pub cbTrailer: u32,
    pub cbMaximumMessage: u32,
    pub cBuffers: u32,
    pub cbBlockSize: u32,
}

/// `SecPkgContext_ConnectionInfo` (`SECPKG_ATTR_CONNECTION_INFO`, 28 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecPkgContext_ConnectionInfo {
    pub dwProtocol: u32,
    pub aiCipher: u32,
    pub dwCipherStrength: u32,
    pub aiHash: u32,
    pub dwHashStrength: u32,
    pub aiExch: u32,
    pub dwExchStrength: u32,
}

/// `SZ_ALG_MAX_SIZE`: length of the `WCHAR` name arrays of `SecPkgContext_CipherInfo`.
pub const SZ_ALG_MAX_SIZE: usize = 64;

/// `SecPkgContext_CipherInfo` (`SECPKG_ATTR_CIPHER_INFO`, 680 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecPkgContext_CipherInfo {
    pub dwVersion: u32,
    pub dwProtocol: u32,
    pub dwCipherSuite: u32,
    pub dwBaseCipherSuite: u32,
    pub szCipherSuite: [WCHAR; 64],
    pub szCipher: [WCHAR; 64],
    pub dwCipherLen: u32,
    pub dwCipherBlockLen: u32,
    pub szHash: [WCHAR; 64],
    pub dwHashLen: u32,
    pub szExchange: [WCHAR; 64],
    pub dwMinExchangeLen: u32,
    pub dwMaxExchangeLen: u32,
    pub szCertificate: [WCHAR; 64],
    pub dwKeyType: u32,
}

/// `SecPkgContext_ApplicationProtocol` (`SECPKG_ATTR_APPLICATION_PROTOCOL`, 264 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecPkgContext_ApplicationProtocol {
    /// `SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS`.
    pub ProtoNegoStatus: u32,
    /// `SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT`.
    pub ProtoNegoExt: u32,
    pub ProtocolIdSize: u8,
    pub ProtocolId: [u8; 255],
}

/// `SecPkgContext_SessionInfo` (`SECPKG_ATTR_SESSION_INFO`, 40 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SecPkgContext_SessionInfo {
    pub dwFlags: u32,
    pub cbSessionId: u32,
    pub rgbSessionId: [u8; 32],
}

/// `SecPkgContext_Lifespan` (`SECPKG_ATTR_LIFESPAN`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecPkgContext_Lifespan {
    pub tsStart: TimeStamp,
    pub tsExpiry: TimeStamp,
}

/// `SecPkgContext_KeyInfoA` (`SECPKG_ATTR_KEY_INFO`, 32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyInfoA {
    pub sSignatureAlgorithmName: *mut c_char,
    pub sEncryptAlgorithmName: *mut c_char,
    pub KeySize: u32,
    pub SignatureAlgorithm: u32,
    pub EncryptAlgorithm: u32,
}

/// `SecPkgContext_KeyInfoW`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_KeyInfoW {
    pub sSignatureAlgorithmName: *mut WCHAR,
    pub sEncryptAlgorithmName: *mut WCHAR,
    pub KeySize: u32,
    pub SignatureAlgorithm: u32,
    pub EncryptAlgorithm: u32,
}

/// `SecPkgContext_PackageInfoA` (`SECPKG_ATTR_PACKAGE_INFO`): free `PackageInfo` with
/// `FreeContextBuffer`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_PackageInfoA {
    pub PackageInfo: *mut SecPkgInfoA,
}

/// `SecPkgContext_PackageInfoW`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_PackageInfoW {
    pub PackageInfo: *mut SecPkgInfoW,
}

/// `SEC_CHANNEL_BINDINGS` (32 bytes; application data follows at `dwApplicationDataOffset`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SEC_CHANNEL_BINDINGS {
    pub dwInitiatorAddrType: u32,
    pub cbInitiatorLength: u32,
    pub dwInitiatorOffset: u32,
    pub dwAcceptorAddrType: u32,
    pub cbAcceptorLength: u32,
    pub dwAcceptorOffset: u32,
    pub cbApplicationDataLength: u32,
    pub dwApplicationDataOffset: u32,
}

/// `SecPkgContext_Bindings` (`SECPKG_ATTR_ENDPOINT_BINDINGS`): free `Bindings` with
/// `FreeContextBuffer`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_Bindings {
    pub BindingsLength: u32,
    pub Bindings: *mut SEC_CHANNEL_BINDINGS,
}

/// `SecPkgContext_IssuerListInfoEx` (`SECPKG_ATTR_ISSUER_LIST_EX`): free `aIssuers` with
/// `FreeContextBuffer`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgContext_IssuerListInfoEx {
    pub aIssuers: *mut CERT_NAME_BLOB,
    pub cIssuers: u32,
}

/// `SecPkgCred_SupportedProtocols` (`SECPKG_ATTR_SUPPORTED_PROTOCOLS` on a credential).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SecPkgCred_SupportedProtocols {
    pub grbitProtocol: u32,
}

/// `SecPkgCred_CipherStrengths` (`SECPKG_ATTR_CIPHER_STRENGTHS`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SecPkgCred_CipherStrengths {
    pub dwMinimumCipherStrength: u32,
    pub dwMaximumCipherStrength: u32,
}

/// `SecPkgCred_SupportedAlgs` (`SECPKG_ATTR_SUPPORTED_ALGS`): free the array with
/// `FreeContextBuffer`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SecPkgCred_SupportedAlgs {
    pub cSupportedAlgs: u32,
    pub palgSupportedAlgs: *mut u32,
}

/// One entry of `SEC_APPLICATION_PROTOCOLS` (variable length: `ProtocolListSize` bytes of TLS
/// wire-format protocol names follow at offset 6; entries are packed back to back).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_APPLICATION_PROTOCOL_LIST {
    pub ProtoNegoExt: u32,
    pub ProtocolListSize: u16,
    pub ProtocolList: [u8; 1],
}

/// `SEC_APPLICATION_PROTOCOLS`, the payload of a `SECBUFFER_APPLICATION_PROTOCOLS` buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SEC_APPLICATION_PROTOCOLS {
    pub ProtocolListsSize: u32,
    pub ProtocolLists: [SEC_APPLICATION_PROTOCOL_LIST; 1],
}

// ---------------------------------------------------------------------------------------------
// Schannel credentials
// ---------------------------------------------------------------------------------------------

/// `UNICODE_STRING` (`subauth.h`): lengths in bytes, UTF-16 buffer not necessarily terminated.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct UNICODE_STRING {
    pub Length: u16,
    pub MaximumLength: u16,
    pub Buffer: *mut WCHAR,
}

/// `SCHANNEL_CRED` (version 4, 80 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SCHANNEL_CRED {
    pub dwVersion: u32,
    pub cCreds: u32,
    pub paCred: *mut *const CERT_CONTEXT,
    pub hRootStore: *mut c_void,
    pub cMappers: u32,
    pub aphMappers: *mut *mut c_void,
    pub cSupportedAlgs: u32,
    pub palgSupportedAlgs: *mut u32,
    pub grbitEnabledProtocols: u32,
    pub dwMinimumCipherStrength: u32,
    pub dwMaximumCipherStrength: u32,
    pub dwSessionLifespan: u32,
    pub dwFlags: u32,
    pub dwCredFormat: u32,
}

/// `CRYPTO_SETTINGS` (48 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CRYPTO_SETTINGS {
    /// `eTlsAlgorithmUsage`.
    pub eAlgorithmUsage: u32,
    pub strCngAlgId: UNICODE_STRING,
    pub cChainingModes: u32,
    pub rgstrChainingModes: *mut UNICODE_STRING,
    pub dwMinBitLength: u32,
    pub dwMaxBitLength: u32,
}

/// `TLS_PARAMETERS` (40 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TLS_PARAMETERS {
    pub cAlpnIds: u32,
    pub rgstrAlpnIds: *mut UNICODE_STRING,
    pub grbitDisabledProtocols: u32,
    pub cDisabledCrypto: u32,
    pub pDisabledCrypto: *mut CRYPTO_SETTINGS,
    pub dwFlags: u32,
}

/// `SCH_CREDENTIALS` (version 5, 72 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SCH_CREDENTIALS {
    pub dwVersion: u32,
    pub dwCredFormat: u32,
    pub cCreds: u32,
    pub paCred: *mut *const CERT_CONTEXT,
    pub hRootStore: *mut c_void,
    pub cMappers: u32,
    pub aphMappers: *mut *mut c_void,
    pub dwSessionLifespan: u32,
    pub dwFlags: u32,
    pub cTlsParameters: u32,
    pub pTlsParameters: *mut TLS_PARAMETERS,
}

/// `SCHANNEL_ALERT_TOKEN` (`ApplyControlToken` with `SCHANNEL_ALERT`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SCHANNEL_ALERT_TOKEN {
    pub dwTokenType: u32,
    pub dwAlertType: u32,
    pub dwAlertNumber: u32,
}

/// `SCHANNEL_SESSION_TOKEN` (`ApplyControlToken` with `SCHANNEL_SESSION`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SCHANNEL_SESSION_TOKEN {
    pub dwTokenType: u32,
    pub dwFlags: u32,
}

// ---------------------------------------------------------------------------------------------
// Status codes
// ---------------------------------------------------------------------------------------------

pub const SEC_E_OK: i32 = 0;
pub const SEC_I_CONTINUE_NEEDED: i32 = 0x0009_0312;
pub const SEC_I_COMPLETE_NEEDED: i32 = 0x0009_0313;
pub const SEC_I_COMPLETE_AND_CONTINUE: i32 = 0x0009_0314;
pub const SEC_I_CONTEXT_EXPIRED: i32 = 0x0009_0317;
pub const SEC_I_INCOMPLETE_CREDENTIALS: i32 = 0x0009_0320;
pub const SEC_I_RENEGOTIATE: i32 = 0x0009_0321;

const fn e(v: u32) -> i32 {
    v as i32
}
pub const SEC_E_INSUFFICIENT_MEMORY: i32 = e(0x8009_0300);
pub const SEC_E_INVALID_HANDLE: i32 = e(0x8009_0301);
pub const SEC_E_UNSUPPORTED_FUNCTION: i32 = e(0x8009_0302);
pub const SEC_E_TARGET_UNKNOWN: i32 = e(0x8009_0303);
pub const SEC_E_INTERNAL_ERROR: i32 = e(0x8009_0304);
pub const SEC_E_SECPKG_NOT_FOUND: i32 = e(0x8009_0305);
pub const SEC_E_NOT_OWNER: i32 = e(0x8009_0306);
pub const SEC_E_INVALID_TOKEN: i32 = e(0x8009_0308);
pub const SEC_E_QOP_NOT_SUPPORTED: i32 = e(0x8009_030A);
pub const SEC_E_LOGON_DENIED: i32 = e(0x8009_030C);
pub const SEC_E_UNKNOWN_CREDENTIALS: i32 = e(0x8009_030D);
pub const SEC_E_NO_CREDENTIALS: i32 = e(0x8009_030E);
pub const SEC_E_MESSAGE_ALTERED: i32 = e(0x8009_030F);
pub const SEC_E_OUT_OF_SEQUENCE: i32 = e(0x8009_0310);
pub const SEC_E_CONTEXT_EXPIRED: i32 = e(0x8009_0317);
pub const SEC_E_INCOMPLETE_MESSAGE: i32 = e(0x8009_0318);
pub const SEC_E_INCOMPLETE_CREDENTIALS: i32 = e(0x8009_0320);
pub const SEC_E_BUFFER_TOO_SMALL: i32 = e(0x8009_0321);
pub const SEC_E_WRONG_PRINCIPAL: i32 = e(0x8009_0322);
pub const SEC_E_TIME_SKEW: i32 = e(0x8009_0324);
pub const SEC_E_UNTRUSTED_ROOT: i32 = e(0x8009_0325);
pub const SEC_E_ILLEGAL_MESSAGE: i32 = e(0x8009_0326);
pub const SEC_E_CERT_UNKNOWN: i32 = e(0x8009_0327);
pub const SEC_E_CERT_EXPIRED: i32 = e(0x8009_0328);
pub const SEC_E_ENCRYPT_FAILURE: i32 = e(0x8009_0329);
pub const SEC_E_DECRYPT_FAILURE: i32 = e(0x8009_0330);
pub const SEC_E_ALGORITHM_MISMATCH: i32 = e(0x8009_0331);
pub const SEC_E_WRONG_CREDENTIAL_HANDLE: i32 = e(0x8009_0336);
pub const SEC_E_SHUTDOWN_IN_PROGRESS: i32 = e(0x8009_033F);
pub const SEC_E_CERT_WRONG_USAGE: i32 = e(0x8009_0349);
pub const SEC_E_INVALID_PARAMETER: i32 = e(0x8009_035D);
pub const SEC_E_APPLICATION_PROTOCOL_MISMATCH: i32 = e(0x8009_0367);

// ---------------------------------------------------------------------------------------------
// Buffers, flags, attributes
// ---------------------------------------------------------------------------------------------

pub const SECBUFFER_VERSION: u32 = 0;
pub const SECBUFFER_EMPTY: u32 = 0;
pub const SECBUFFER_DATA: u32 = 1;
pub const SECBUFFER_TOKEN: u32 = 2;
pub const SECBUFFER_PKG_PARAMS: u32 = 3;
pub const SECBUFFER_MISSING: u32 = 4;
pub const SECBUFFER_EXTRA: u32 = 5;
pub const SECBUFFER_STREAM_TRAILER: u32 = 6;
pub const SECBUFFER_STREAM_HEADER: u32 = 7;
pub const SECBUFFER_TARGET_HOST: u32 = 16;
pub const SECBUFFER_ALERT: u32 = 17;
pub const SECBUFFER_APPLICATION_PROTOCOLS: u32 = 18;
pub const SECBUFFER_ATTRMASK: u32 = 0xF000_0000;
pub const SECBUFFER_READONLY: u32 = 0x8000_0000;

pub const SECPKG_CRED_INBOUND: u32 = 1;
pub const SECPKG_CRED_OUTBOUND: u32 = 2;
pub const SECPKG_CRED_BOTH: u32 = 3;
pub const SECPKG_CRED_DEFAULT: u32 = 4;

pub const ISC_REQ_DELEGATE: u32 = 0x1;
pub const ISC_REQ_MUTUAL_AUTH: u32 = 0x2;
pub const ISC_REQ_REPLAY_DETECT: u32 = 0x4;
pub const ISC_REQ_SEQUENCE_DETECT: u32 = 0x8;
pub const ISC_REQ_CONFIDENTIALITY: u32 = 0x10;
pub const ISC_REQ_USE_SUPPLIED_CREDS: u32 = 0x80;
pub const ISC_REQ_ALLOCATE_MEMORY: u32 = 0x100;
pub const ISC_REQ_DATAGRAM: u32 = 0x400;
pub const ISC_REQ_CONNECTION: u32 = 0x800;
pub const ISC_REQ_EXTENDED_ERROR: u32 = 0x4000;
pub const ISC_REQ_STREAM: u32 = 0x8000;
pub const ISC_REQ_INTEGRITY: u32 = 0x10000;
pub const ISC_REQ_MANUAL_CRED_VALIDATION: u32 = 0x80000;

pub const ISC_RET_MUTUAL_AUTH: u32 = 0x2;
pub const ISC_RET_REPLAY_DETECT: u32 = 0x4;
pub const ISC_RET_SEQUENCE_DETECT: u32 = 0x8;
pub const ISC_RET_CONFIDENTIALITY: u32 = 0x10;
pub const ISC_RET_USED_SUPPLIED_CREDS: u32 = 0x80;
pub const ISC_RET_ALLOCATED_MEMORY: u32 = 0x100;
pub const ISC_RET_CONNECTION: u32 = 0x800;
pub const ISC_RET_EXTENDED_ERROR: u32 = 0x4000;
pub const ISC_RET_STREAM: u32 = 0x8000;
pub const ISC_RET_INTEGRITY: u32 = 0x10000;
pub const ISC_RET_MANUAL_CRED_VALIDATION: u32 = 0x80000;

pub const ASC_REQ_MUTUAL_AUTH: u32 = 0x2;
pub const ASC_REQ_REPLAY_DETECT: u32 = 0x4;
pub const ASC_REQ_SEQUENCE_DETECT: u32 = 0x8;
pub const ASC_REQ_CONFIDENTIALITY: u32 = 0x10;
pub const ASC_REQ_ALLOCATE_MEMORY: u32 = 0x100;
pub const ASC_REQ_DATAGRAM: u32 = 0x400;
pub const ASC_REQ_CONNECTION: u32 = 0x800;
pub const ASC_REQ_EXTENDED_ERROR: u32 = 0x8000;
pub const ASC_REQ_STREAM: u32 = 0x10000;
pub const ASC_REQ_INTEGRITY: u32 = 0x20000;

pub const ASC_RET_MUTUAL_AUTH: u32 = 0x2;
pub const ASC_RET_REPLAY_DETECT: u32 = 0x4;
pub const ASC_RET_SEQUENCE_DETECT: u32 = 0x8;
pub const ASC_RET_CONFIDENTIALITY: u32 = 0x10;
pub const ASC_RET_ALLOCATED_MEMORY: u32 = 0x100;
pub const ASC_RET_CONNECTION: u32 = 0x800;
pub const ASC_RET_EXTENDED_ERROR: u32 = 0x8000;
pub const ASC_RET_STREAM: u32 = 0x10000;
pub const ASC_RET_INTEGRITY: u32 = 0x20000;

pub const SECPKG_ATTR_SIZES: u32 = 0;
pub const SECPKG_ATTR_NAMES: u32 = 1;
pub const SECPKG_ATTR_LIFESPAN: u32 = 2;
pub const SECPKG_ATTR_STREAM_SIZES: u32 = 4;
pub const SECPKG_ATTR_KEY_INFO: u32 = 5;
pub const SECPKG_ATTR_PACKAGE_INFO: u32 = 10;
pub const SECPKG_ATTR_NEGOTIATION_INFO: u32 = 12;
pub const SECPKG_ATTR_UNIQUE_BINDINGS: u32 = 25;
pub const SECPKG_ATTR_ENDPOINT_BINDINGS: u32 = 26;
pub const SECPKG_ATTR_APPLICATION_PROTOCOL: u32 = 35;
pub const SECPKG_ATTR_ISSUER_LIST_EX: u32 = 0x59;
pub const SECPKG_ATTR_REMOTE_CERT_CONTEXT: u32 = 0x53;
pub const SECPKG_ATTR_LOCAL_CERT_CONTEXT: u32 = 0x54;
pub const SECPKG_ATTR_SUPPORTED_ALGS: u32 = 0x56;
pub const SECPKG_ATTR_CIPHER_STRENGTHS: u32 = 0x57;
pub const SECPKG_ATTR_SUPPORTED_PROTOCOLS: u32 = 0x58;
pub const SECPKG_ATTR_CONNECTION_INFO: u32 = 0x5A;
pub const SECPKG_ATTR_SESSION_INFO: u32 = 0x5D;
pub const SECPKG_ATTR_CIPHER_INFO: u32 = 0x64;

pub const SECPKGCONTEXT_CIPHERINFO_V1: u32 = 1;
pub const SSL_SESSION_RECONNECT: u32 = 1;

pub const SecApplicationProtocolNegotiationStatus_None: u32 = 0;
pub const SecApplicationProtocolNegotiationStatus_Success: u32 = 1;
pub const SecApplicationProtocolNegotiationExt_None: u32 = 0;
pub const SecApplicationProtocolNegotiationExt_ALPN: u32 = 2;

// Package capabilities (SecPkgInfo.fCapabilities).
pub const SECPKG_FLAG_INTEGRITY: u32 = 0x1;
pub const SECPKG_FLAG_PRIVACY: u32 = 0x2;
pub const SECPKG_FLAG_CONNECTION: u32 = 0x10;
pub const SECPKG_FLAG_MULTI_REQUIRED: u32 = 0x20;
pub const SECPKG_FLAG_EXTENDED_ERROR: u32 = 0x80;
pub const SECPKG_FLAG_IMPERSONATION: u32 = 0x100;
pub const SECPKG_FLAG_ACCEPT_WIN32_NAME: u32 = 0x200;
pub const SECPKG_FLAG_STREAM: u32 = 0x400;
pub const UNISP_RPC_ID: u16 = 14;

pub const SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5: u32 = 5;

// Schannel credentials.
pub const SCH_CRED_V1: u32 = 1;
pub const SCH_CRED_V2: u32 = 2;
pub const SCH_CRED_V3: u32 = 3;
pub const SCHANNEL_CRED_VERSION: u32 = 4;
pub const SCH_CREDENTIALS_VERSION: u32 = 5;
pub const SCH_CRED_FORMAT_CERT_CONTEXT: u32 = 0;
pub const SCH_CRED_MAX_SUPPORTED_CERTS: u32 = 100;
pub const SCH_CRED_MAX_SUPPORTED_PARAMETERS: u32 = 16;

pub const SCH_CRED_NO_SYSTEM_MAPPER: u32 = 0x2;
pub const SCH_CRED_NO_SERVERNAME_CHECK: u32 = 0x4;
pub const SCH_CRED_MANUAL_CRED_VALIDATION: u32 = 0x8;
pub const SCH_CRED_NO_DEFAULT_CREDS: u32 = 0x10;
pub const SCH_CRED_AUTO_CRED_VALIDATION: u32 = 0x20;
pub const SCH_CRED_USE_DEFAULT_CREDS: u32 = 0x40;
pub const SCH_CRED_DISABLE_RECONNECTS: u32 = 0x80;
pub const SCH_CRED_REVOCATION_CHECK_END_CERT: u32 = 0x100;
pub const SCH_CRED_REVOCATION_CHECK_CHAIN: u32 = 0x200;
pub const SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT: u32 = 0x400;
pub const SCH_USE_STRONG_CRYPTO: u32 = 0x0040_0000;
pub const SCH_USE_DTLS_ONLY: u32 = 0x0100_0000;
pub const SCH_CRED_DEFERRED_CRED_VALIDATION: u32 = 0x0400_0000;

pub const SP_PROT_SSL3_SERVER: u32 = 0x10;
pub const SP_PROT_SSL3_CLIENT: u32 = 0x20;
pub const SP_PROT_TLS1_0_SERVER: u32 = 0x40;
pub const SP_PROT_TLS1_0_CLIENT: u32 = 0x80;
pub const SP_PROT_TLS1_1_SERVER: u32 = 0x100;
pub const SP_PROT_TLS1_1_CLIENT: u32 = 0x200;
pub const SP_PROT_TLS1_2_SERVER: u32 = 0x400;
pub const SP_PROT_TLS1_2_CLIENT: u32 = 0x800;
pub const SP_PROT_TLS1_3_SERVER: u32 = 0x1000;
pub const SP_PROT_TLS1_3_CLIENT: u32 = 0x2000;
pub const SP_PROT_DTLS1_0_SERVER: u32 = 0x10000;
pub const SP_PROT_DTLS1_0_CLIENT: u32 = 0x20000;
pub const SP_PROT_DTLS1_2_SERVER: u32 = 0x40000;
pub const SP_PROT_DTLS1_2_CLIENT: u32 = 0x80000;
/// Every server-side protocol bit (PCT1 .. DTLS 1.2, and UNI).
pub const SP_PROT_SERVERS: u32 = 0x4005_1555;
/// Every client-side protocol bit.
pub const SP_PROT_CLIENTS: u32 = 0x800A_2AAA;
pub const SP_PROT_DTLS_ALL: u32 = 0x000F_0000;

// Control tokens (ApplyControlToken).
pub const SCHANNEL_RENEGOTIATE: u32 = 0;
pub const SCHANNEL_SHUTDOWN: u32 = 1;
pub const SCHANNEL_ALERT: u32 = 2;
pub const SCHANNEL_SESSION: u32 = 3;
pub const TLS1_ALERT_WARNING: u32 = 1;
pub const TLS1_ALERT_FATAL: u32 = 2;
pub const SSL_SESSION_ENABLE_RECONNECTS: u32 = 1;
pub const SSL_SESSION_DISABLE_RECONNECTS: u32 = 2;

/// The "never expires" `TimeStamp` (what SSPI packages report for no expiry).
pub const TIMESTAMP_FOREVER: i64 = 0x7FFF_FFFF_FFFF_FFFF;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, size_of, zeroed};

    fn off<T, F>(base: &T, field: &F) -> usize {
        field as *const F as usize - base as *const T as usize
    }

    #[test]
    fn core_layouts() {
        assert_eq!(size_of::<SecHandle>(), 16);
        assert_eq!(size_of::<TimeStamp>(), 8);
        assert_eq!(align_of::<TimeStamp>(), 8);
        assert_eq!(size_of::<SecBuffer>(), 16);
        assert_eq!(size_of::<SecBufferDesc>(), 16);
        assert_eq!(size_of::<SecPkgInfoA>(), 32);
        assert_eq!(size_of::<SecPkgInfoW>(), 32);
        let p: SecPkgInfoA = unsafe { zeroed() };
        assert_eq!(off(&p, &p.cbMaxToken), 8);
        assert_eq!(off(&p, &p.Name), 16);
        assert_eq!(off(&p, &p.Comment), 24);
        // dwVersion (padded to 8) then 31 pointers.
        assert_eq!(size_of::<SecurityFunctionTableA>(), 8 + 31 * 8);
        assert_eq!(size_of::<SecurityFunctionTableW>(), 8 + 31 * 8);
        let t: SecurityFunctionTableA = unsafe { zeroed() };
        assert_eq!(off(&t, &t.EnumerateSecurityPackagesA), 8);
        assert_eq!(off(&t, &t.InitializeSecurityContextA), 8 + 5 * 8);
        assert_eq!(off(&t, &t.FreeContextBuffer), 8 + 15 * 8);
        assert_eq!(off(&t, &t.EncryptMessage), 8 + 24 * 8);
        assert_eq!(off(&t, &t.DecryptMessage), 8 + 25 * 8);
        assert_eq!(off(&t, &t.QueryCredentialsAttributesExA), 8 + 30 * 8);
    }

    #[test]
    fn attribute_layouts() {
        assert_eq!(size_of::<SecPkgContext_StreamSizes>(), 20);
        assert_eq!(size_of::<SecPkgContext_ConnectionInfo>(), 28);
        assert_eq!(size_of::<SecPkgContext_CipherInfo>(), 680);
        let c: SecPkgContext_CipherInfo = unsafe { zeroed() };
        assert_eq!(off(&c, &c.szCipherSuite), 16);
        assert_eq!(off(&c, &c.szCipher), 144);
        assert_eq!(off(&c, &c.dwCipherLen), 272);
        assert_eq!(off(&c, &c.szHash), 280);
        assert_eq!(off(&c, &c.dwHashLen), 408);
        assert_eq!(off(&c, &c.szExchange), 412);
        assert_eq!(off(&c, &c.dwMinExchangeLen), 540);
        assert_eq!(off(&c, &c.szCertificate), 548);
        assert_eq!(off(&c, &c.dwKeyType), 676);
        assert_eq!(size_of::<SecPkgContext_ApplicationProtocol>(), 264);
        let a: SecPkgContext_ApplicationProtocol = unsafe { zeroed() };
        assert_eq!(off(&a, &a.ProtocolIdSize), 8);
        assert_eq!(off(&a, &a.ProtocolId), 9);
        assert_eq!(size_of::<SecPkgContext_SessionInfo>(), 40);
        assert_eq!(size_of::<SecPkgContext_KeyInfoA>(), 32);
        assert_eq!(size_of::<SEC_CHANNEL_BINDINGS>(), 32);
        assert_eq!(size_of::<SecPkgContext_Bindings>(), 16);
        assert_eq!(size_of::<SecPkgContext_IssuerListInfoEx>(), 16);
        let l: SEC_APPLICATION_PROTOCOL_LIST = unsafe { zeroed() };
        assert_eq!(off(&l, &l.ProtocolList), 6);
    }

    #[test]
    fn credential_layouts() {
        assert_eq!(size_of::<UNICODE_STRING>(), 16);
        assert_eq!(size_of::<SCHANNEL_CRED>(), 80);
        let c: SCHANNEL_CRED = unsafe { zeroed() };
        assert_eq!(off(&c, &c.paCred), 8);
        assert_eq!(off(&c, &c.hRootStore), 16);
        assert_eq!(off(&c, &c.cMappers), 24);
        assert_eq!(off(&c, &c.aphMappers), 32);
        assert_eq!(off(&c, &c.cSupportedAlgs), 40);
        assert_eq!(off(&c, &c.palgSupportedAlgs), 48);
        assert_eq!(off(&c, &c.grbitEnabledProtocols), 56);
        assert_eq!(off(&c, &c.dwSessionLifespan), 68);
        assert_eq!(off(&c, &c.dwFlags), 72);
        assert_eq!(off(&c, &c.dwCredFormat), 76);
        assert_eq!(size_of::<SCH_CREDENTIALS>(), 72);
        let s: SCH_CREDENTIALS = unsafe { zeroed() };
        assert_eq!(off(&s, &s.cCreds), 8);
        assert_eq!(off(&s, &s.paCred), 16);
        assert_eq!(off(&s, &s.hRootStore), 24);
        assert_eq!(off(&s, &s.cMappers), 32);
        assert_eq!(off(&s, &s.aphMappers), 40);
        assert_eq!(off(&s, &s.dwSessionLifespan), 48);
        assert_eq!(off(&s, &s.dwFlags), 52);
        assert_eq!(off(&s, &s.cTlsParameters), 56);
        assert_eq!(off(&s, &s.pTlsParameters), 64);
        assert_eq!(size_of::<TLS_PARAMETERS>(), 40);
        let t: TLS_PARAMETERS = unsafe { zeroed() };
        assert_eq!(off(&t, &t.rgstrAlpnIds), 8);
        assert_eq!(off(&t, &t.grbitDisabledProtocols), 16);
        assert_eq!(off(&t, &t.pDisabledCrypto), 24);
        assert_eq!(off(&t, &t.dwFlags), 32);
        assert_eq!(size_of::<CRYPTO_SETTINGS>(), 48);
        let k: CRYPTO_SETTINGS = unsafe { zeroed() };
        assert_eq!(off(&k, &k.strCngAlgId), 8);
        assert_eq!(off(&k, &k.cChainingModes), 24);
        assert_eq!(off(&k, &k.rgstrChainingModes), 32);
        assert_eq!(off(&k, &k.dwMinBitLength), 40);
    }

    #[test]
    fn protocol_masks() {
        assert_eq!(SP_PROT_SERVERS & SP_PROT_CLIENTS, 0);
        assert_eq!(SP_PROT_SERVERS | SP_PROT_CLIENTS, 0xC00F_3FFF);
        assert_eq!(SEC_E_INVALID_HANDLE as u32, 0x8009_0301);
    }
}
