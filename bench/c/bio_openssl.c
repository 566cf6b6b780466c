/*
 * bio_openssl.c - OpenSSL in memory: a client and a server SSL joined by a BIO pair, the
 * counterpart of sspi_bench.c (same modes and output). SSL_write on the client, SSL_read on
 * the server; the ciphertext crosses the pair's buffers.
 *
 *   bio_openssl mem --cert F --key F --ca F --cipher IANA --bytes N --size S
 *   bio_openssl cg  ... --count K           (callgrind: cg_encrypt_one, cg_decrypt_one)
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "bio_openssl: %s failed (line %d)\n", #c, __LINE__);                   \
            ERR_print_errors_fp(stderr);                                                           \
            exit(2);                                                                               \
        }                                                                                          \
    } while (0)

static SSL *cli, *srv;
static unsigned char *plain, *out;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

__attribute__((noinline)) void cg_encrypt_one(int n) { CHECK(SSL_write(cli, plain, n) == n); }

__attribute__((noinline)) void cg_decrypt_one(int n)
{
    int got = 0;
    while (got < n) {
        int r = SSL_read(srv, out + got, n - got);
        CHECK(r > 0);
        got += r;
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "", *certf = NULL, *keyf = NULL, *ca = NULL,
               *cipher = NULL, *label = "";
    long long bytes = 64LL << 20;
    long size = 16384, count = 200;
    SSL_CTX *sctx, *cctx;
    BIO *bc, *bs;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--cert")) certf = v;
        else if (!strcmp(k, "--key")) keyf = v;
        else if (!strcmp(k, "--ca")) ca = v;
        else if (!strcmp(k, "--cipher")) cipher = v;
        else if (!strcmp(k, "--bytes")) bytes = atoll(v);
        else if (!strcmp(k, "--size")) size = atol(v);
        else if (!strcmp(k, "--count")) count = atol(v);
        else if (!strcmp(k, "--label")) label = v;
    }
    CHECK(certf && keyf && ca);
    sctx = SSL_CTX_new(TLS_server_method());
    cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION);
    SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
    if (cipher) {
        CHECK(SSL_CTX_set_ciphersuites(sctx, cipher) && SSL_CTX_set_ciphersuites(cctx, cipher));
    }
    CHECK(SSL_CTX_use_certificate_chain_file(sctx, certf) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, keyf, SSL_FILETYPE_PEM) == 1);
    CHECK(SSL_CTX_load_verify_locations(cctx, ca, NULL) == 1);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    cli = SSL_new(cctx);
    srv = SSL_new(sctx);
    /* Each pair half buffers up to 256 KiB, enough for a batch of records in flight. */
    CHECK(BIO_new_bio_pair(&bc, 256 * 1024, &bs, 256 * 1024) == 1);
    SSL_set_bio(cli, bc, bc);
    SSL_set_bio(srv, bs, bs);
    SSL_set_tlsext_host_name(cli, "localhost");
    SSL_set1_host(cli, "localhost");
    SSL_set_connect_state(cli);
    SSL_set_accept_state(srv);
    for (int i = 0; i < 20; i++) {
        int a = SSL_do_handshake(cli), b = SSL_do_handshake(srv);
        if (a == 1 && b == 1) break;
    }
    CHECK(SSL_is_init_finished(cli) && SSL_is_init_finished(srv));
    plain = calloc(1, (size_t)size);
    out = malloc((size_t)size);
    if (!strcmp(mode, "cg")) {
        for (long i = 0; i < count; i++) {
            cg_encrypt_one((int)size);
            cg_decrypt_one((int)size);
        }
        printf("{\"bench\":\"cg\",\"impl\":\"openssl_bio\",\"count\":%ld,\"size\":%ld}\n", count, size);
        return 0;
    }
    {
        const long batch = 8; /* 8 records of 16 KiB fit the pair's buffer */
        double te = 0, td = 0, t0;
        long long done = 0;
        while (done < bytes) {
            t0 = now();
            for (long i = 0; i < batch; i++) cg_encrypt_one((int)size);
            te += now() - t0;
            t0 = now();
            for (long i = 0; i < batch; i++) cg_decrypt_one((int)size);
            td += now() - t0;
            done += (long long)size * batch;
        }
        printf("{\"bench\":\"mem\",\"impl\":\"openssl_bio\",\"bytes\":%lld,\"size\":%ld,\"suite\":\"%s\","
               "\"encrypt_mib_s\":%.2f,\"decrypt_mib_s\":%.2f,\"mib_s\":%.2f,\"label\":\"%s\"}\n",
               done, size, SSL_CIPHER_standard_name(SSL_get_current_cipher(cli)),
               (double)done / (1 << 20) / te, (double)done / (1 << 20) / td,
               (double)done / (1 << 20) / (te + td), label);
    }
    return 0;
}
