/*
 * schnlsp.h - Windows CE's Schannel header, as far as CE secure-socket programs use it: the
 * CE X509Certificate and SslCrackCertificate/SslFreeCertificate, which validation hooks call
 * (directly, or through LoadLibrary(TEXT("schannel.dll")) + GetProcAddress), plus the SP_PROT_*
 * protocol bits. It includes sslsock.h, as on CE, and schannel.h when wstls provides one.
 */
#ifndef __SCHNLSP_H__
#define __SCHNLSP_H__

#include "sslsock.h"
#include "wstls_kernel32.h"
#if defined(__has_include)
#if __has_include(<schannel.h>)
#include <schannel.h>
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifndef WINAPI
#define WINAPI
#endif

/* ---- protocol bits (also in schannel.h) ---- */
#ifndef SP_PROT_PCT1_SERVER
#define SP_PROT_PCT1_SERVER 0x00000001
#endif
#ifndef SP_PROT_PCT1_CLIENT
#define SP_PROT_PCT1_CLIENT 0x00000002
#endif
#ifndef SP_PROT_PCT1
#define SP_PROT_PCT1 (SP_PROT_PCT1_SERVER | SP_PROT_PCT1_CLIENT)
#endif
#ifndef SP_PROT_SSL2_SERVER
#define SP_PROT_SSL2_SERVER 0x00000004
#endif
#ifndef SP_PROT_SSL2_CLIENT
#define SP_PROT_SSL2_CLIENT 0x00000008
#endif
#ifndef SP_PROT_SSL2
#define SP_PROT_SSL2 (SP_PROT_SSL2_SERVER | SP_PROT_SSL2_CLIENT)
#endif
#ifndef SP_PROT_SSL3_SERVER
#define SP_PROT_SSL3_SERVER 0x00000010
#endif
#ifndef SP_PROT_SSL3_CLIENT
#define SP_PROT_SSL3_CLIENT 0x00000020
#endif
#ifndef SP_PROT_SSL3
#define SP_PROT_SSL3 (SP_PROT_SSL3_SERVER | SP_PROT_SSL3_CLIENT)
#endif
#ifndef SP_PROT_TLS1_SERVER
#define SP_PROT_TLS1_SERVER 0x00000040
#endif
#ifndef SP_PROT_TLS1_CLIENT
#define SP_PROT_TLS1_CLIENT 0x00000080
#endif
#ifndef SP_PROT_TLS1
#define SP_PROT_TLS1 (SP_PROT_TLS1_SERVER | SP_PROT_TLS1_CLIENT)
#endif
#ifndef SP_PROT_TLS1_2
#define SP_PROT_TLS1_2 (SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_2_CLIENT)
#endif
#ifndef SP_PROT_TLS1_3
#define SP_PROT_TLS1_3 (SP_PROT_TLS1_3_SERVER | SP_PROT_TLS1_3_CLIENT)
#endif
#ifndef SCH_CRED_NO_SERVERNAME_CHECK
#define SCH_CRED_NO_SERVERNAME_CHECK 0x00000004
#endif

/* ---- the pre-NT4 certificate API CE kept for validation hooks ---- */
#define CF_CERT_FROM_FILE 0x0001 /* SslCrackCertificate: the data may be PEM */

typedef wstls_PctPublicKey PctPublicKey; /* { DWORD Type; DWORD cbKey; UCHAR pKey[cbKey]; } */

/* Version (0 = v1 ... 2 = v3), SerialNumber (least significant DWORD first),
   SignatureAlgorithm (hash CALG_*), ValidFrom/ValidUntil (FILETIME), pszIssuer/pszSubject
   ("C=.., O=.., CN=.."), pPublicKey (Type = CALG_RSA_KEYX/CALG_ECDSA/..., the key bits). */
typedef wstls_X509Certificate X509Certificate, *PX509Certificate;

#ifndef WSTLS_NO_NAME_MAPPING
#define SslCrackCertificate wstls_SslCrackCertificate
#define SslFreeCertificate wstls_SslFreeCertificate
#endif

#define SSL_CRACK_CERTIFICATE_NAME TEXT("SslCrackCertificate")
#define SSL_FREE_CERTIFICATE_NAME TEXT("SslFreeCertificate")

typedef BOOL(WINAPI *SSL_CRACK_CERTIFICATE_FN)(PUCHAR pbCertificate, DWORD cbCertificate, BOOL VerifySignature, PX509Certificate *ppCertificate);
typedef VOID(WINAPI *SSL_FREE_CERTIFICATE_FN)(PX509Certificate pCertificate);

#ifdef __cplusplus
}
#endif

#endif /* __SCHNLSP_H__ */
