/*
 * sslsock.h - Windows CE secure sockets (SO_SECURE, the SO_SSL_* WSAIoctl control codes, the
 * certificate validation hook) for programs rebuilt against wstls. Names, values and layouts
 * are those of the Windows CE 5.0 SDK header; structures have their LP64 layouts (pointers
 * are 8 bytes). See docs/ce-sockets.md for what each code does in wstls and how it differs
 * from CE (secure by default without a hook; SSL_PROTOCOL_TLS1 = TLS 1.2 and 1.3).
 */
#ifndef __SSLSOCK_H__
#define __SSLSOCK_H__

#include "winsock2.h"
#include <time.h>
#include <wstls.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef FAR
#define FAR
#endif
#ifndef CALLBACK
#define CALLBACK
#endif

/* ---- setsockopt(s, SOL_SOCKET, SO_SECURE, &dw, sizeof dw) ---- */
#ifndef SO_SECURE
#define SO_SECURE 0x2001   /* add security to the socket (before connect) */
#endif
#ifndef SO_SEC_NONE
#define SO_SEC_NONE 0x2002 /* no security */
#endif
#ifndef SO_SEC_SSL
#define SO_SEC_SSL 0x2004  /* SSL/TLS */
#endif

/* SSL PROVIDER_INFO security protocol tags (CE 5; the 1997-98 header used the second). */
#define PROTOCOL_TLS 0xA1
#define SECURITY_PROTOCOL_SSL 0x0001

/* ---- control-code encoding ---- */
#ifndef IOC_VOID
#define IOC_VOID 0x20000000
#endif
#ifndef IOC_OUT
#define IOC_OUT 0x40000000
#endif
#ifndef IOC_IN
#define IOC_IN 0x80000000
#endif
#ifndef IOC_INOUT
#define IOC_INOUT (IOC_IN | IOC_OUT)
#endif

#define SO_SSL_FAMILY 0x00730000
#define SO_SSL_FAMILY_MASK 0x07ff0000
#define _SO_SSL 0x10730000 /* (2L << 27) | SO_SSL_FAMILY */

#define _SO_SSL_CAPABILITIES 0x01
#define _SO_SSL_FLAGS 0x02
#define _SO_SSL_PROTOCOLS 0x03
#define _SO_SSL_CIPHERS 0x04
#define _SO_SSL_CLIENT_OPTS 0x05
#define _SO_SSL_SERVER_OPTS 0x06
#define _SO_SSL_CLIENT_AUTH_OPTS 0x07
#define _SO_SSL_VALIDATE_CERT_HOOK 0x08
#define _SO_SSL_AUTH_REQUEST_HOOK 0x09
#define _SO_SSL_KEY_EXCH_HOOK 0x0a
#define _SO_SSL_SIGNATURE_HOOK 0x0b
#define _SO_SSL_PERFORM_HANDSHAKE 0x0d
#define _SO_SSL_CONNECTION_INFO 0x0e
#define _SO_SSL_PEERNAME 0x0f

/* ---- WSAIoctl control codes (DWORD values) ---- */
#define SO_SSL_GET_CAPABILITIES 0x50730001
#define SO_SSL_SET_FLAGS 0x90730002
#define SO_SSL_GET_FLAGS 0x50730002
#define SO_SSL_SET_PROTOCOLS 0x90730003
#define SO_SSL_GET_PROTOCOLS 0x50730003
#define SO_SSL_SET_CIPHERS 0x90730004         /* not supported by wstls */
#define SO_SSL_GET_CIPHERS 0xD0730004         /* not supported by wstls */
#define SO_SSL_SET_CLIENT_OPTS 0x90730005     /* not supported by wstls */
#define SO_SSL_GET_CLIENT_OPTS 0x50730005     /* not supported by wstls */
#define SO_SSL_SET_SERVER_OPTS 0x90730006     /* not supported by wstls */
#define SO_SSL_GET_SERVER_OPTS 0x50730006     /* not supported by wstls */
#define SO_SSL_SET_CLIENT_AUTH_OPTS 0x90730007 /* not supported by wstls */
#define SO_SSL_GET_CLIENT_AUTH_OPTS 0x50730007 /* not supported by wstls */
#define SO_SSL_SET_VALIDATE_CERT_HOOK 0x90730008
#define SO_SSL_GET_VALIDATE_CERT_HOOK 0x50730008
#define SO_SSL_SET_AUTH_REQUEST_HOOK 0x90730009 /* not supported by wstls */
#define SO_SSL_GET_AUTH_REQUEST_HOOK 0x50730009 /* not supported by wstls */
#define SO_SSL_SET_KEY_EXCH_HOOK 0x9073000A     /* not supported by wstls */
#define SO_SSL_GET_KEY_EXCH_HOOK 0x5073000A     /* not supported by wstls */
#define SO_SSL_SET_SIGNATURE_HOOK 0x9073000B    /* not supported by wstls */
#define SO_SSL_GET_SIGNATURE_HOOK 0x5073000B    /* not supported by wstls */
#define SO_SSL_PERFORM_HANDSHAKE 0x1073000D
#define SO_SSL_GET_CONNECTION_INFO 0x5073000E
#define SO_SSL_SET_PEERNAME 0x5073000F /* IOC_OUT as in the SDK; the name is in the INPUT buffer */

/* ---- codes returned by the hooks ---- */
#define SSL_ERR_OKAY 0
#define SSL_ERR_FAILED 2
#define SSL_ERR_BAD_LEN 3
#define SSL_ERR_BAD_TYPE 4
#define SSL_ERR_BAD_DATA 5
#define SSL_ERR_NO_CERT 6
#define SSL_ERR_BAD_SIG 7
#define SSL_ERR_CERT_EXPIRED 8
#define SSL_ERR_CERT_REVOKED 9
#define SSL_ERR_CERT_UNKNOWN 10
#define SSL_ERR_SIGNATURE 11

/* ---- BLOB (as in winsock2.h): { ULONG cbSize; BYTE *pBlobData; }, 16 bytes on LP64 ---- */
#if !defined(_tagBLOB_DEFINED) && !defined(_BLOB_DEFINED)
#define _tagBLOB_DEFINED
#define _BLOB_DEFINED
#define _LPBLOB_DEFINED
typedef wstls_BLOB BLOB, *LPBLOB;
#endif

/* ---- SO_SSL_GET_CAPABILITIES ---- */
#define SSL_CAP_CLIENT 0x0001
#define SSL_CAP_SERVER 0x0002
#define SSL_CAP_CLIENT_AUTH 0x0004
#define SSL_CAP_CRYPTOAPI 0x0008

/* ---- SO_SSL_SET_FLAGS / SO_SSL_GET_FLAGS ---- */
#define SSL_FLAG_SERVER 0x0002
#define SSL_FLAG_AUTH_CLIENT 0x0004
#define SSL_FLAG_DEFER_HANDSHAKE 0x0008

/* ---- SO_SSL_SET_PROTOCOLS / SO_SSL_GET_PROTOCOLS ---- */
#define SSL_PROTOCOL_PCT1 1 /* refused by wstls */
#define SSL_PROTOCOL_SSL2 2 /* refused by wstls */
#define SSL_PROTOCOL_SSL3 3 /* refused by wstls */
#define SSL_PROTOCOL_TLS1 4 /* "TLS": TLS 1.2 and TLS 1.3 in wstls */

/* wstls extension: SSLPROTOCOL.dwVersion with SSL_PROTOCOL_TLS1 (0 = TLS 1.2 and 1.3). */
#define WSTLS_TLS_VERSION_1_2 0x0303
#define WSTLS_TLS_VERSION_1_3 0x0304

typedef struct _SSLPROTOCOL {
    DWORD dwProtocol;
    DWORD dwVersion;
    DWORD dwFlags;
} SSLPROTOCOL, FAR *LPSSLPROTOCOL;

typedef struct _SSLPROTOCOLS {
    DWORD dwCount;
    SSLPROTOCOL ProtocolList[1]; /* dwCount entries */
} SSLPROTOCOLS, FAR *LPSSLPROTOCOLS;

/* ---- SO_SSL_*_CIPHERS, *_CLIENT_OPTS, *_SERVER_OPTS, *_CLIENT_AUTH_OPTS (not supported) ---- */
typedef struct _SSLCIPHERS {
    DWORD dwProtocol;
    DWORD dwCount;
    DWORD CipherList[1]; /* dwCount entries */
} SSLCIPHERS, FAR *LPSSLCIPHERS;

typedef struct _SSLCLIENTOPTS {
    time_t CacheTimeout;
    DWORD dwCacheEntries;
    DWORD dwFlags;
} SSLCLIENTOPTS, FAR *LPSSLCLIENTOPTS;

typedef struct _SSLSERVEROPTS {
    time_t CacheTimeout;
    DWORD dwCacheEntries;
    DWORD dwFlags;
} SSLSERVEROPTS, FAR *LPSSLSERVEROPTS;

typedef struct _SSLCLIENTAUTHOPTS {
    DWORD dwRequestClientAuth;
    DWORD dwRedoHandshake;
    DWORD dwType;
    DWORD dwIssuerCount;
    LPBLOB pIssuerList;
    DWORD dwFlags;
} SSLCLIENTAUTHOPTS, FAR *LPSSLCLIENTAUTHOPTS;

/* ---- the certificate validation hook (SO_SSL_SET_VALIDATE_CERT_HOOK) ---- */
#define SSL_CERT_X509 0x0001
#define SSL_CERT_X59 SSL_CERT_X509 /* misspelling found in ports; not in the SDK */
#define SSL_CERT_FLAG_ISSUER_UNKNOWN 0x0001

/* dwType = SSL_CERT_X509; pvArg as stored; dwChainLen = 1; pCertChain->pBlobData/cbSize = the
   server's leaf certificate (DER); dwFlags = SSL_CERT_FLAG_ISSUER_UNKNOWN when the chain is not
   trusted or the peer name does not match. Return SSL_ERR_OKAY to accept. The whole chain is
   available from inside the hook with wstls_get_hook_certificate_chain(). */
typedef int (CALLBACK FAR *SSLVALIDATECERTFUNC)(DWORD dwType, LPVOID pvArg, DWORD dwChainLen, LPBLOB pCertChain, DWORD dwFlags);

typedef struct _SSLVALIDATECERTHOOK {
    SSLVALIDATECERTFUNC HookFunc;
    LPVOID pvArg;
} SSLVALIDATECERTHOOK, FAR *LPSSLVALIDATECERTHOOK;

/* ---- the other hooks (layouts only: not supported by wstls) ---- */
typedef int (CALLBACK FAR *SSLAUTHREQUESTFUNC)(DWORD dwType, LPVOID pvArg, DWORD dwIssuerCount, LPBLOB pIssuerList, DWORD dwFlags, LPDWORD pdwChainLen, LPBLOB *ppCertChain);

typedef struct _SSLAUTHREQUESTHOOK {
    SSLAUTHREQUESTFUNC HookFunc;
    LPVOID pvArg;
} SSLAUTHREQUESTHOOK, FAR *LPSSLAUTHREQUESTHOOK;

#define SSL_EXCH_RSAENCRYPT 1
#define SSL_EXCH_RSADECRYPT 2

typedef int (CALLBACK FAR *SSLKEYEXCHANGEFUNC)(DWORD dwType, LPVOID pvArg, LPBYTE pSource, DWORD dwSourceLen, DWORD dwFlags, LPBYTE pDest, LPDWORD pdwDestLen);

typedef struct _SSLKEYEXCHANGEHOOK {
    SSLKEYEXCHANGEFUNC HookFunc;
    LPVOID pvArg;
} SSLKEYEXCHANGEHOOK, FAR *LPSSLKEYEXCHANGEHOOK;

#define SSL_SIGN_RSA_MD2 1
#define SSL_SIGN_RSA_MD5 2
#define SSL_SIGN_RSA_SHA 3
#define SSL_SIGN_RSA_SHAMD5 4
#define SSL_SIGN_VERIFY_SIGNATURE 0x00000001
#define SSL_SIGN_PERFORM_HASH 0x00000002

typedef int (CALLBACK FAR *SSLSIGNATUREFUNC)(DWORD dwType, LPVOID pvArg, LPBYTE pSource, DWORD dwSourceLen, DWORD dwFlags, LPBYTE pDest, LPDWORD pdwDestLen);

typedef struct _SSLSIGNATUREHOOK {
    SSLSIGNATUREFUNC HookFunc;
    LPVOID pvArg;
} SSLSIGNATUREHOOK, FAR *LPSSLSIGNATUREHOOK;

/* ---- ALG_ID (each name guarded: wincrypt.h defines the same values) ---- */
#ifndef ALGIDDEF
#define ALGIDDEF
typedef unsigned int ALG_ID;
#endif

#ifndef GET_ALG_CLASS
#define GET_ALG_CLASS(x) ((x) & (7 << 13))
#endif
#ifndef GET_ALG_TYPE
#define GET_ALG_TYPE(x) ((x) & (15 << 9))
#endif
#ifndef GET_ALG_SID
#define GET_ALG_SID(x) ((x) & (511))
#endif

#ifndef ALG_CLASS_ANY
#define ALG_CLASS_ANY 0
#endif
#ifndef ALG_CLASS_SIGNATURE
#define ALG_CLASS_SIGNATURE 0x2000
#endif
#ifndef ALG_CLASS_MSG_ENCRYPT
#define ALG_CLASS_MSG_ENCRYPT 0x4000
#endif
#ifndef ALG_CLASS_DATA_ENCRYPT
#define ALG_CLASS_DATA_ENCRYPT 0x6000
#endif
#ifndef ALG_CLASS_HASH
#define ALG_CLASS_HASH 0x8000
#endif
#ifndef ALG_CLASS_KEY_EXCHANGE
#define ALG_CLASS_KEY_EXCHANGE 0xA000
#endif
#ifndef ALG_TYPE_ANY
#define ALG_TYPE_ANY 0
#endif
#ifndef ALG_TYPE_DSS
#define ALG_TYPE_DSS 0x0200
#endif
#ifndef ALG_TYPE_RSA
#define ALG_TYPE_RSA 0x0400
#endif
#ifndef ALG_TYPE_BLOCK
#define ALG_TYPE_BLOCK 0x0600
#endif
#ifndef ALG_TYPE_STREAM
#define ALG_TYPE_STREAM 0x0800
#endif
#ifndef ALG_TYPE_DH
#define ALG_TYPE_DH 0x0A00
#endif
#ifndef ALG_TYPE_SECURECHANNEL
#define ALG_TYPE_SECURECHANNEL 0x0C00
#endif
#ifndef ALG_SID_ANY
#define ALG_SID_ANY 0
#endif

#ifndef CALG_MD2
#define CALG_MD2 0x8001
#endif
#ifndef CALG_MD4
#define CALG_MD4 0x8002
#endif
#ifndef CALG_MD5
#define CALG_MD5 0x8003
#endif
#ifndef CALG_SHA
#define CALG_SHA 0x8004
#endif
#ifndef CALG_SHA1
#define CALG_SHA1 0x8004
#endif
#ifndef CALG_MAC
#define CALG_MAC 0x8005
#endif
#ifndef CALG_SSL3_SHAMD5
#define CALG_SSL3_SHAMD5 0x8008
#endif
#ifndef CALG_RSA_SIGN
#define CALG_RSA_SIGN 0x2400
#endif
#ifndef CALG_DSS_SIGN
#define CALG_DSS_SIGN 0x2200
#endif
#ifndef CALG_RSA_KEYX
#define CALG_RSA_KEYX 0xA400
#endif
#ifndef CALG_DES
#define CALG_DES 0x6601
#endif
#ifndef CALG_3DES_112
#define CALG_3DES_112 0x6609
#endif
#ifndef CALG_3DES
#define CALG_3DES 0x6603
#endif
#ifndef CALG_RC2
#define CALG_RC2 0x6602
#endif
#ifndef CALG_RC4
#define CALG_RC4 0x6801
#endif
#ifndef CALG_SEAL
#define CALG_SEAL 0x6802
#endif
#ifndef CALG_DH_SF
#define CALG_DH_SF 0xAA01
#endif
#ifndef CALG_DH_EPHEM
#define CALG_DH_EPHEM 0xAA02
#endif
#ifndef CALG_AGREEDKEY_ANY
#define CALG_AGREEDKEY_ANY 0xAA03
#endif
#ifndef CALG_KEA_KEYX
#define CALG_KEA_KEYX 0xAA04
#endif
#ifndef CALG_HUGHES_MD5
#define CALG_HUGHES_MD5 0xA003
#endif
#ifndef CALG_SKIPJACK
#define CALG_SKIPJACK 0x660A
#endif
#ifndef CALG_TEK
#define CALG_TEK 0x660B
#endif
#ifndef CALG_CYLINK_MEK
#define CALG_CYLINK_MEK 0x660C
#endif
#ifndef CALG_SSL3_MASTER
#define CALG_SSL3_MASTER 0x4C01
#endif
#ifndef CALG_SCHANNEL_MASTER_HASH
#define CALG_SCHANNEL_MASTER_HASH 0x4C02
#endif
#ifndef CALG_SCHANNEL_MAC_KEY
#define CALG_SCHANNEL_MAC_KEY 0x4C03
#endif
#ifndef CALG_PCT1_MASTER
#define CALG_PCT1_MASTER 0x4C04
#endif
#ifndef CALG_SSL2_MASTER
#define CALG_SSL2_MASTER 0x4C05
#endif
#ifndef CALG_TLS1_MASTER
#define CALG_TLS1_MASTER 0x4C06
#endif
#ifndef CALG_SCHANNEL_ENC_KEY
#define CALG_SCHANNEL_ENC_KEY 0x4C07
#endif
/* Modern algorithms wstls reports in SSLCONNECTIONINFO (desktop wincrypt.h values). */
#ifndef CALG_AES_128
#define CALG_AES_128 0x660E
#endif
#ifndef CALG_AES_192
#define CALG_AES_192 0x660F
#endif
#ifndef CALG_AES_256
#define CALG_AES_256 0x6610
#endif
#ifndef CALG_AES
#define CALG_AES 0x6611
#endif
#ifndef CALG_SHA_256
#define CALG_SHA_256 0x800C
#endif
#ifndef CALG_SHA_384
#define CALG_SHA_384 0x800D
#endif
#ifndef CALG_SHA_512
#define CALG_SHA_512 0x800E
#endif
#ifndef CALG_ECDH
#define CALG_ECDH 0xAA05
#endif
#ifndef CALG_ECDH_EPHEM
#define CALG_ECDH_EPHEM 0xAE06
#endif
#ifndef CALG_ECDSA
#define CALG_ECDSA 0x2203
#endif
/* wstls: no wincrypt.h ALG_ID exists for ChaCha20-Poly1305 or EdDSA (wstls's wincrypt.h
 * defines the first too: the same spelling, so either header may come first). */
#ifndef CALG_WSTLS_CHACHA20_POLY1305
#define CALG_WSTLS_CHACHA20_POLY1305 (0x6680)
#endif
#ifndef CALG_WSTLS_EDDSA
#define CALG_WSTLS_EDDSA 0x2280
#endif

/* ---- SO_SSL_GET_CONNECTION_INFO (28 bytes) ---- */
typedef struct _SSLCONNECTIONINFO {
    DWORD dwProtocol;
    ALG_ID aiCipher;
    DWORD dwCipherStrength;
    ALG_ID aiHash;
    DWORD dwHashStrength;
    ALG_ID aiExch;
    DWORD dwExchStrength;
} SSLCONNECTIONINFO, FAR *PSSLCONNECTIONINFO;

/* dwProtocol bits (identical to SP_PROT_* of schnlsp.h/schannel.h). */
#define SSL_PROT_PCT1_SERVER 0x00000001
#define SSL_PROT_PCT1_CLIENT 0x00000002
#define SSL_PROT_SSL2_SERVER 0x00000004
#define SSL_PROT_SSL2_CLIENT 0x00000008
#define SSL_PROT_SSL3_SERVER 0x00000010
#define SSL_PROT_SSL3_CLIENT 0x00000020
#define SSL_PROT_TLS1_SERVER 0x00000040
#define SSL_PROT_TLS1_CLIENT 0x00000080
/* What wstls reports: the desktop values for TLS 1.2 and 1.3 (no CE 5 name exists). */
#ifndef SP_PROT_TLS1_2_SERVER
#define SP_PROT_TLS1_2_SERVER 0x00000400
#endif
#ifndef SP_PROT_TLS1_2_CLIENT
#define SP_PROT_TLS1_2_CLIENT 0x00000800
#endif
#ifndef SP_PROT_TLS1_3_SERVER
#define SP_PROT_TLS1_3_SERVER 0x00001000
#endif
#ifndef SP_PROT_TLS1_3_CLIENT
#define SP_PROT_TLS1_3_CLIENT 0x00002000
#endif

/* ---- wstls extensions (declared in wstls.h) ----
   wstls_get_hook_certificate_chain(&n, &blobs)       inside a hook: the whole chain
   wstls_get_peer_certificate_chain(s, i, buf, cb, &n) after the handshake: certificate i
   wstls_add_trusted_ca_file(path), wstls_add_trusted_ca_pem(pem, len): more trust roots */

/* Layouts (LP64). */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define WSTLS_SSLSOCK_ASSERT(c, m) static_assert(c, m)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define WSTLS_SSLSOCK_ASSERT(c, m) _Static_assert(c, m)
#else
#define WSTLS_SSLSOCK_ASSERT(c, m)
#endif
WSTLS_SSLSOCK_ASSERT(sizeof(DWORD) == 4, "DWORD must be 32-bit");
WSTLS_SSLSOCK_ASSERT(sizeof(SSLPROTOCOLS) == 16, "SSLPROTOCOLS layout");
WSTLS_SSLSOCK_ASSERT(sizeof(SSLCONNECTIONINFO) == 28, "SSLCONNECTIONINFO layout");
WSTLS_SSLSOCK_ASSERT(sizeof(SSLVALIDATECERTHOOK) == 2 * sizeof(void *), "SSLVALIDATECERTHOOK layout");
WSTLS_SSLSOCK_ASSERT(sizeof(BLOB) == 2 * sizeof(void *), "BLOB layout");
#undef WSTLS_SSLSOCK_ASSERT

#ifdef __cplusplus
}
#endif

#endif /* __SSLSOCK_H__ */
