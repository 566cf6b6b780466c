/*
 * ce_crack.c - SslCrackCertificate/SslFreeCertificate, called directly and through
 * LoadLibrary(TEXT("schannel.dll"))/GetProcAddress, on the test leaf (ce_peer.sh none).
 */
#include "ce_common.h"

int main(void)
{
    DWORD len;
    unsigned char *der = ce_read_file(ce_env("CE_LEAF_DER"), &len);
    long long nb = atoll(ce_env("CE_NOT_BEFORE")), na = atoll(ce_env("CE_NOT_AFTER"));
    PX509Certificate pc = NULL;
    HMODULE h;
    SSL_CRACK_CERTIFICATE_FN crack;
    SSL_FREE_CERTIFICATE_FN freecert;
    unsigned char junk[4] = {1, 2, 3, 4};

    /* Directly. */
    CHECK(SslCrackCertificate(der, len, 0, &pc));
    CHECK(pc != NULL);
    CHECK(strcmp(pc->pszSubject, "CN=wstls C test server") == 0);
    CHECK(strcmp(pc->pszIssuer, "O=wstls tests, CN=wstls C test CA") == 0);
    CHECK(ce_filetime_to_unix(pc->ValidFrom) == nb);
    CHECK(ce_filetime_to_unix(pc->ValidUntil) == na);
    CHECK(pc->SerialNumber[0] == 0x456789ABu && pc->SerialNumber[1] == 0x0123u);
    CHECK(pc->Version == 2);
    CHECK(pc->SignatureAlgorithm == CALG_SHA_256);
    CHECK(pc->pPublicKey->Type == CALG_ECDSA && pc->pPublicKey->cbKey == 65);
    SslFreeCertificate(pc);

    /* Through schannel.dll, as CE hooks do (TEXT() names, any case for the DLL). */
    h = LoadLibrary(TEXT("SCHANNEL.DLL"));
    CHECK(h != NULL);
    crack = (SSL_CRACK_CERTIFICATE_FN)GetProcAddress(h, SSL_CRACK_CERTIFICATE_NAME);
    freecert = (SSL_FREE_CERTIFICATE_FN)GetProcAddress(h, SSL_FREE_CERTIFICATE_NAME);
    CHECK(crack != NULL && freecert != NULL);
    pc = NULL;
    CHECK(crack(der, len, FALSE, &pc));
    CHECK(strcmp(pc->pszSubject, "CN=wstls C test server") == 0);
    freecert(pc);
    CHECK(GetProcAddress(h, "NoSuchFunction") == NULL);
    CHECK(GetLastError() == ERROR_PROC_NOT_FOUND);
    CHECK(FreeLibrary(h));
    CHECK(LoadLibrary("kernel32.dll") == NULL);
    CHECK(GetLastError() == ERROR_MOD_NOT_FOUND);

    /* Not a certificate. */
    pc = NULL;
    CHECK(!SslCrackCertificate(junk, sizeof junk, 0, &pc));
    CHECK(GetLastError() == ERROR_INVALID_DATA && pc == NULL);
    free(der);
    printf("ce_crack: ok\n");
    return 0;
}
