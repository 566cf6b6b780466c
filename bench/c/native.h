/* native.h - POSIX socket helpers shared by the OpenSSL and plain-TCP backends. */
#ifndef WSTLS_BENCH_NATIVE_H
#define WSTLS_BENCH_NATIVE_H
int nat_listener(int *port);
int nat_accept(int l);
int nat_connect(int port);
#endif
