/* The SSPI/Schannel/crypt32 compat headers: they compile as C and C++ without warnings, in the
 * order curl uses (SCHANNEL_USE_BLACKLISTS, <subauth.h> before <schannel.h>), together with the
 * generated <wstls.h>, and give the Windows layouts and values. */
#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS
#include <windows.h>
#include <subauth.h>
#include <security.h>
#include <sspi.h>
#include <schannel.h>
#include <wincrypt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { printf("FAILED: %s (line %d)\n", #c, __LINE__); return 1; } } while (0)

int main(void)
{
    CHECK(sizeof(DWORD) == 4 && sizeof(ULONG) == 4 && sizeof(LONG) == 4 && sizeof(WCHAR) == 2);
    CHECK(sizeof(SecHandle) == 16 && sizeof(SecBuffer) == 16 && sizeof(SecBufferDesc) == 16);
    CHECK(offsetof(SecBuffer, pvBuffer) == 8);
    CHECK(sizeof(TimeStamp) == 8);
    CHECK(sizeof(SecPkgInfoA) == 32 && offsetof(SecPkgInfoA, Name) == 16);
    CHECK(sizeof(SCHANNEL_CRED) == 80);
    CHECK(offsetof(SCHANNEL_CRED, paCred) == 8 && offsetof(SCHANNEL_CRED, grbitEnabledProtocols) == 56);
    CHECK(offsetof(SCHANNEL_CRED, dwFlags) == 72 && offsetof(SCHANNEL_CRED, dwCredFormat) == 76);
    CHECK(sizeof(SCH_CREDENTIALS) == 72 && offsetof(SCH_CREDENTIALS, pTlsParameters) == 64);
    CHECK(sizeof(TLS_PARAMETERS) == 40 && offsetof(TLS_PARAMETERS, grbitDisabledProtocols) == 16);
    CHECK(sizeof(CRYPTO_SETTINGS) == 48 && sizeof(UNICODE_STRING) == 16);
    CHECK(sizeof(SecPkgContext_StreamSizes) == 20);
    CHECK(sizeof(SecPkgContext_ConnectionInfo) == 28);
    CHECK(sizeof(SecPkgContext_CipherInfo) == 680 && offsetof(SecPkgContext_CipherInfo, dwKeyType) == 676);
    CHECK(sizeof(SecPkgContext_ApplicationProtocol) == 264 && offsetof(SecPkgContext_ApplicationProtocol, ProtocolId) == 9);
    CHECK(sizeof(SecPkgContext_SessionInfo) == 40);
    CHECK(sizeof(CERT_CONTEXT) == 40 && offsetof(CERT_CONTEXT, hCertStore) == 32);
    CHECK(sizeof(CERT_INFO) == 208 && offsetof(CERT_INFO, NotAfter) == 72 && offsetof(CERT_INFO, rgExtension) == 200);
    CHECK(sizeof(SecurityFunctionTableA) == 8 + 31 * 8);
    CHECK(offsetof(SecurityFunctionTableA, InitializeSecurityContextA) == 8 + 5 * 8);
    CHECK(offsetof(SecurityFunctionTableA, EncryptMessage) == 8 + 24 * 8);
    CHECK(SEC_E_INVALID_HANDLE == (SECURITY_STATUS)0x80090301);
    CHECK(SEC_E_INVALID_HANDLE < 0 && SEC_I_CONTINUE_NEEDED > 0);
    CHECK(SEC_E_UNTRUSTED_ROOT == (SECURITY_STATUS)0x80090325);
    CHECK(ISC_REQ_STREAM == 0x8000 && ASC_REQ_STREAM == 0x10000 && ASC_REQ_EXTENDED_ERROR == 0x8000);
    CHECK(SP_PROT_TLS1_2_CLIENT == 0x800 && SP_PROT_TLS1_3_CLIENT == 0x2000 && SP_PROT_TLS1_X_CLIENT == 0x2A80);
    CHECK(SECPKG_ATTR_REMOTE_CERT_CONTEXT == 0x53 && SECPKG_ATTR_CIPHER_INFO == 0x64 && SECPKG_ATTR_APPLICATION_PROTOCOL == 35);
    CHECK(SCHANNEL_CRED_VERSION == 4 && SCH_CREDENTIALS_VERSION == 5 && SCH_CRED_MANUAL_CRED_VALIDATION == 8);
    CHECK(strcmp(UNISP_NAME_A, "Microsoft Unified Security Protocol Provider") == 0);
#ifdef UNISP_NAME_W
    CHECK(UNISP_NAME_W[0] == 'M' && sizeof(UNISP_NAME_W[0]) == 2);
#endif
    CHECK((ULONG_PTR)CERT_STORE_PROV_MEMORY == 2);
    {
        SecHandle h;
        SecInvalidateHandle(&h);
        CHECK(!SecIsValidHandle(&h));
        h.dwLower = 1;
        h.dwUpper = 2;
        CHECK(SecIsValidHandle(&h));
    }
    {
        /* The function table, as curl reaches it. */
        PSecurityFunctionTable t = InitSecurityInterface();
        CHECK(t != NULL && t->dwVersion >= 1);
        CHECK(t->InitializeSecurityContext != NULL && t->EncryptMessage != NULL && t->FreeContextBuffer != NULL);
        CHECK(t->Reserved2 == NULL);
        ULONG n = 0;
        PSecPkgInfo info = NULL;
        CHECK(t->EnumerateSecurityPackages(&n, &info) == SEC_E_OK && n >= 1);
        CHECK(strcmp(info[0].Name, UNISP_NAME_A) == 0);
        CHECK(FreeContextBuffer(info) == SEC_E_OK);
    }
    puts("sspi_headers: OK");
    return 0;
}
