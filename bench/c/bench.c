/*
 * bench.c - the measurements, identical for every backend (bench.h). One JSON object per
 * result on stdout; diagnostics on stderr. bench/driver.py runs it.
 *
 *   bench bulk  --bytes N --buf B --threads T   server -> client throughput, T connections
 *   bench hs    --count N                        handshakes per second (--resume 0|1)
 *   bench lat   --count N --size S               ping-pong round trips: p50/p99
 *   bench mem   --count N                        RSS per established idle connection
 *   bench scale --sockets LIST --calls K         per-call cost as open sockets grow
 *   bench calls --threads T --calls K            calls/s with T threads, each on its own socket
 *   bench cg    --count K --size S               send/recv loop for callgrind
 * common: --cert F --key F --ca F --host NAME --cipher IANA --groups LIST --resume 0|1
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static struct be_opts opts = {NULL, NULL, NULL, "localhost", NULL, NULL, 1};
static long long o_bytes = 64LL << 20;
static long o_buf = 16384, o_threads = 1, o_count = 1000, o_size = 64, o_calls = 200000;
static const char *o_sockets = "10,100,1000,10000,100000";
static const char *o_label = "";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the whole process (every thread), user + system. */
static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static void die(const char *what)
{
    fprintf(stderr, "bench(%s): %s\n", be_name(), what);
    exit(2);
}

static void raise_nofile(rlim_t want)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max < want) {
        struct rlimit r2 = {want, want};
        if (setrlimit(RLIMIT_NOFILE, &r2) == 0) return; /* root may raise the hard limit */
    }
    rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
    setrlimit(RLIMIT_NOFILE, &rl);
}

static int recv_exact(be_conn *c, char *buf, long len)
{
    long got = 0;
    while (got < len) {
        long n = be_recv(c, buf + got, (size_t)(len - got));
        if (n <= 0) return -1;
        got += n;
    }
    return 0;
}

/* Reads until the peer's clean close. */
static void drain_to_eof(be_conn *c)
{
    char tmp[256];
    while (be_recv(c, tmp, sizeof tmp) > 0) {
    }
}

/* ------------------------------------------------------------------------------------------ */
/* bulk: T connections, the server side sends o_bytes on each, the client side receives.       */

struct bulk_conn {
    be_conn *srv, *cli;
    int port;
    double end;
    int ok;
};

static pthread_barrier_t bulk_start;

static void *bulk_sender(void *arg)
{
    struct bulk_conn *b = arg;
    char *buf = malloc((size_t)o_buf);
    long long left = o_bytes;
    memset(buf, 'x', (size_t)o_buf);
    pthread_barrier_wait(&bulk_start);
    while (left > 0) {
        long n = left < o_buf ? (long)left : o_buf;
        if (be_send(b->srv, buf, (size_t)n) != 0) die("bulk send");
        left -= n;
    }
    free(buf);
    return NULL;
}

static void *bulk_receiver(void *arg)
{
    struct bulk_conn *b = arg;
    char *buf = malloc((size_t)o_buf);
    long long got = 0;
    pthread_barrier_wait(&bulk_start);
    while (got < o_bytes) {
        long n = be_recv(b->cli, buf, (size_t)o_buf);
        if (n <= 0) die("bulk recv");
        got += n;
    }
    b->end = now();
    b->ok = 1;
    free(buf);
    return NULL;
}

struct connector {
    int port;
    long n;
    be_conn **out;
};

static void *connect_n(void *arg)
{
    struct connector *k = arg;
    for (long i = 0; i < k->n; i++) {
        k->out[i] = be_connect(k->port);
        if (!k->out[i]) die("connect");
    }
    return NULL;
}

static void run_bulk(void)
{
    int port = 0;
    be_listener *l = be_listen(&port);
    struct bulk_conn *bc = calloc((size_t)o_threads, sizeof *bc);
    be_conn **clis = calloc((size_t)o_threads, sizeof *clis);
    pthread_t ct, *th = calloc((size_t)o_threads * 2, sizeof *th);
    struct connector k = {port, o_threads, clis};
    double start, end = 0, cpu0, cpu1;
    if (!l) die("listen");
    pthread_create(&ct, NULL, connect_n, &k);
    /* Connections are accepted in connect order (one connector thread, blocking handshakes). */
    for (long i = 0; i < o_threads; i++) {
        bc[i].srv = be_accept(l);
        if (!bc[i].srv) die("accept");
    }
    pthread_join(ct, NULL);
    for (long i = 0; i < o_threads; i++) bc[i].cli = clis[i];
    pthread_barrier_init(&bulk_start, NULL, (unsigned)(o_threads * 2 + 1));
    for (long i = 0; i < o_threads; i++) {
        pthread_create(&th[2 * i], NULL, bulk_sender, &bc[i]);
        pthread_create(&th[2 * i + 1], NULL, bulk_receiver, &bc[i]);
    }
    pthread_barrier_wait(&bulk_start);
    start = now();
    cpu0 = cpu_now();
    for (long i = 0; i < o_threads * 2; i++) pthread_join(th[i], NULL);
    cpu1 = cpu_now();
    for (long i = 0; i < o_threads; i++)
        if (bc[i].end > end) end = bc[i].end;
    printf("{\"bench\":\"bulk\",\"impl\":\"%s\",\"suite\":\"%s\",\"threads\":%ld,\"bytes\":%lld,"
           "\"buf\":%ld,\"secs\":%.6f,\"mib_s\":%.2f,\"cpu_s\":%.6f,\"label\":\"%s\"}\n",
           be_name(), be_suite(bc[0].cli), o_threads, o_bytes * o_threads, o_buf, end - start,
           (double)(o_bytes * o_threads) / (1 << 20) / (end - start), cpu1 - cpu0, o_label);
    fflush(stdout);
    for (long i = 0; i < o_threads; i++) {
        be_close(bc[i].srv);
        drain_to_eof(bc[i].cli);
        be_close(bc[i].cli);
    }
    be_close_listener(l);
}

/* ------------------------------------------------------------------------------------------ */
/* hs: sequential handshakes, client and server in this process (one thread each).            */

static void *hs_server(void *arg)
{
    be_listener *l = arg;
    for (long i = 0; i < o_count + 10; i++) {
        be_conn *c = be_accept(l);
        if (!c) die("hs accept");
        if (be_send(c, "!", 1) != 0) die("hs send");
        drain_to_eof(c);
        be_close(c);
    }
    return NULL;
}

static void run_hs(void)
{
    int port = 0;
    be_listener *l = be_listen(&port);
    pthread_t st;
    double start = 0, cpu0 = 0;
    long resumed = 0;
    char b;
    if (!l) die("listen");
    pthread_create(&st, NULL, hs_server, l);
    for (long i = 0; i < o_count + 10; i++) {
        be_conn *c;
        if (i == 10) { /* 10 warm-up connections */
            start = now();
            cpu0 = cpu_now();
        }
        c = be_connect(port);
        if (!c) die("hs connect");
        if (recv_exact(c, &b, 1) != 0) die("hs recv");
        if (i >= 10) resumed += be_resumed(c);
        be_close(c);
    }
    double secs = now() - start;
    pthread_join(st, NULL);
    double cpu = cpu_now() - cpu0;
    printf("{\"bench\":\"hs\",\"impl\":\"%s\",\"resume\":%d,\"count\":%ld,\"resumed\":%ld,"
           "\"secs\":%.6f,\"per_s\":%.1f,\"cpu_us_per_hs\":%.1f,\"label\":\"%s\"}\n",
           be_name(), opts.resume, o_count, resumed, secs, (double)o_count / secs,
           cpu / (double)o_count * 1e6, o_label);
    be_close_listener(l);
}

/* ------------------------------------------------------------------------------------------ */
/* lat: ping-pong of o_size bytes.                                                            */

static void *lat_server(void *arg)
{
    be_conn *c = arg;
    char *buf = malloc((size_t)o_size);
    for (;;) {
        if (recv_exact(c, buf, o_size) != 0) break;
        if (be_send(c, buf, (size_t)o_size) != 0) die("lat send");
    }
    free(buf);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void run_lat(void)
{
    int port = 0;
    be_listener *l = be_listen(&port);
    be_conn *cli = NULL, *srv;
    pthread_t ct, st;
    struct connector k = {port, 1, &cli};
    long warm = 1000, n = o_count;
    double *rtt = calloc((size_t)n, sizeof *rtt), sum = 0;
    char *buf = malloc((size_t)o_size);
    memset(buf, 'p', (size_t)o_size);
    if (!l) die("listen");
    pthread_create(&ct, NULL, connect_n, &k);
    srv = be_accept(l);
    if (!srv) die("accept");
    pthread_join(ct, NULL);
    pthread_create(&st, NULL, lat_server, srv);
    for (long i = 0; i < warm + n; i++) {
        double t0 = now();
        if (be_send(cli, buf, (size_t)o_size) != 0) die("lat send");
        if (recv_exact(cli, buf, o_size) != 0) die("lat recv");
        if (i >= warm) rtt[i - warm] = now() - t0;
    }
    be_close(cli);
    pthread_join(st, NULL);
    be_close(srv);
    be_close_listener(l);
    for (long i = 0; i < n; i++) sum += rtt[i];
    qsort(rtt, (size_t)n, sizeof *rtt, cmp_double);
    printf("{\"bench\":\"lat\",\"impl\":\"%s\",\"size\":%ld,\"count\":%ld,\"p50_us\":%.2f,"
           "\"p99_us\":%.2f,\"mean_us\":%.2f,\"label\":\"%s\"}\n",
           be_name(), o_size, n, rtt[n / 2] * 1e6, rtt[(long)((double)n * 0.99)] * 1e6,
           sum / (double)n * 1e6, o_label);
    free(rtt);
    free(buf);
}

/* ------------------------------------------------------------------------------------------ */
/* mem: N established idle connections; the server side in this process, the client side in   */
/* a forked child, each measuring its own resident set growth.                                */

static long rss_kib(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    fclose(f);
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void run_mem(void)
{
    int portpipe[2], resp[2];
    pid_t pid;
    long n = o_count;
    char b = 0;
    raise_nofile((rlim_t)(n + 1024));
    if (pipe(portpipe) != 0 || pipe(resp) != 0) die("pipe");
    pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        /* client */
        int port = 0;
        be_conn **c = calloc((size_t)n + 1, sizeof *c);
        long before, after;
        if (be_init(&opts) != 0) die("init");
        if (read(portpipe[0], &port, sizeof port) != sizeof port) die("read port");
        c[0] = be_connect(port); /* warm-up: configs, roots, lazies */
        if (!c[0] || recv_exact(c[0], &b, 1) != 0) die("mem connect");
        before = rss_kib();
        for (long i = 1; i <= n; i++) {
            c[i] = be_connect(port);
            if (!c[i] || recv_exact(c[i], &b, 1) != 0) die("mem connect");
        }
        after = rss_kib();
        if (write(resp[1], &before, sizeof before) < 0 || write(resp[1], &after, sizeof after) < 0)
            die("write");
        /* wait for the server to measure, then close */
        if (read(portpipe[0], &port, sizeof port) < 0) die("read");
        for (long i = 0; i <= n; i++) be_close(c[i]);
        _exit(0);
    } else {
        int port = 0, status = 0;
        be_listener *l;
        be_conn **s = calloc((size_t)n + 1, sizeof *s);
        long before, after, cb = 0, ca = 0;
        if (be_init(&opts) != 0) die("init");
        l = be_listen(&port);
        if (!l) die("listen");
        if (write(portpipe[1], &port, sizeof port) < 0) die("write");
        s[0] = be_accept(l);
        if (!s[0] || be_send(s[0], "!", 1) != 0) die("mem accept");
        before = rss_kib();
        for (long i = 1; i <= n; i++) {
            s[i] = be_accept(l);
            if (!s[i] || be_send(s[i], "!", 1) != 0) die("mem accept");
        }
        if (read(resp[0], &cb, sizeof cb) != sizeof cb || read(resp[0], &ca, sizeof ca) != sizeof ca)
            die("client side failed");
        after = rss_kib();
        if (write(portpipe[1], &port, sizeof port) < 0) die("write");
        for (long i = 0; i <= n; i++) {
            drain_to_eof(s[i]);
            be_close(s[i]);
        }
        waitpid(pid, &status, 0);
        printf("{\"bench\":\"mem\",\"impl\":\"%s\",\"count\":%ld,\"server_kib\":%.2f,"
               "\"client_kib\":%.2f,\"total_kib\":%.2f,\"label\":\"%s\"}\n",
               be_name(), n, (double)(after - before) / (double)n, (double)(ca - cb) / (double)n,
               (double)(after - before + ca - cb) / (double)n, o_label);
        be_close_listener(l);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* scale: the cost of calls as the number of open sockets grows.                              */

static uint64_t rng = 88172645463325252ULL;
static uint64_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double median5(double *v)
{
    qsort(v, 5, sizeof *v, cmp_double);
    return v[2];
}

static void run_scale(void)
{
    long a, b, k = o_calls, *open = NULL, nopen = 0, cap = 0;
    char c = 'x';
    const char *p = o_sockets;
    struct rlimit rl;
    long max_open;
    int limited = 0;
    raise_nofile(300000);
    getrlimit(RLIMIT_NOFILE, &rl);
    max_open = (long)rl.rlim_cur - 64; /* keep room for the pair, stdio, the library */
    if (be_plain_pair(&a, &b) != 0) die("plain pair");
    while (*p && !limited) {
        long want = strtol(p, (char **)&p, 10);
        double t_opt[5], t_io[5], t_rand[5], t0;
        if (*p == ',') p++;
        if (want > max_open) {
            /* RLIMIT_NOFILE: measure as many as the process may open, and say so */
            fprintf(stderr, "scale: %ld sockets requested, the open-file limit allows %ld\n", want,
                    max_open);
            want = max_open;
            limited = 1;
        }
        if (want > cap) {
            cap = want;
            open = realloc(open, (size_t)cap * sizeof *open);
        }
        while (nopen < want) {
            long s = be_socket();
            if (s < 0) die("socket (raise the open-file limit)");
            open[nopen++] = s;
        }
        for (int r = 0; r < 5; r++) {
            t0 = now();
            for (long i = 0; i < k; i++)
                if (be_getsockopt_call(a) != 0) die("getsockopt");
            t_opt[r] = (now() - t0) / (double)k * 1e9;
            t0 = now();
            for (long i = 0; i < k / 4; i++) {
                if (be_plain_send(a, &c, 1) != 1) die("send");
                if (be_plain_recv(b, &c, 1) != 1) die("recv");
            }
            t_io[r] = (now() - t0) / (double)(k / 4) * 1e9;
            t0 = now();
            for (long i = 0; i < k; i++)
                if (be_getsockopt_call(open[xorshift() % (uint64_t)nopen]) != 0) die("getsockopt");
            t_rand[r] = (now() - t0) / (double)k * 1e9;
        }
        printf("{\"bench\":\"scale\",\"impl\":\"%s\",\"sockets\":%ld,\"getsockopt_ns\":%.1f,"
               "\"send_recv_ns\":%.1f,\"random_getsockopt_ns\":%.1f,\"nofile_limited\":%d,"
               "\"label\":\"%s\"}\n",
               be_name(), nopen, median5(t_opt), median5(t_io), median5(t_rand), limited, o_label);
        fflush(stdout);
    }
    for (long i = 0; i < nopen; i++) be_socket_close(open[i]);
    be_socket_close(a);
    be_socket_close(b);
    free(open);
}

/* ------------------------------------------------------------------------------------------ */
/* calls: T threads, each calling ioctlsocket(FIONBIO) on its own socket: the library's own   */
/* per-call cost (handle lookup, locks) and whether it scales with threads.                   */

struct caller {
    long sock, n;
};

static void *call_loop(void *arg)
{
    struct caller *c = arg;
    pthread_barrier_wait(&bulk_start);
    for (long i = 0; i < c->n; i++)
        if (be_fionbio_call(c->sock) != 0) die("ioctlsocket");
    return NULL;
}

static void run_calls(void)
{
    struct caller *cs = calloc((size_t)o_threads, sizeof *cs);
    pthread_t *th = calloc((size_t)o_threads, sizeof *th);
    double t0;
    pthread_barrier_init(&bulk_start, NULL, (unsigned)o_threads + 1);
    for (long i = 0; i < o_threads; i++) {
        cs[i].sock = be_socket();
        cs[i].n = o_calls;
        if (cs[i].sock < 0) die("socket");
        pthread_create(&th[i], NULL, call_loop, &cs[i]);
    }
    pthread_barrier_wait(&bulk_start);
    t0 = now();
    for (long i = 0; i < o_threads; i++) pthread_join(th[i], NULL);
    t0 = now() - t0;
    printf("{\"bench\":\"calls\",\"impl\":\"%s\",\"threads\":%ld,\"calls\":%ld,\"ns_per_call\":%.1f,"
           "\"mcalls_s\":%.2f,\"label\":\"%s\"}\n",
           be_name(), o_threads, o_calls, t0 / (double)o_calls * 1e9,
           (double)(o_calls * o_threads) / t0 / 1e6, o_label);
    for (long i = 0; i < o_threads; i++) be_socket_close(cs[i].sock);
}

/* ------------------------------------------------------------------------------------------ */
/* cg: one thread alternates send (client) and recv (server) so nothing ever waits; callgrind */
/* counts instructions inside cg_send_one / cg_recv_one (--toggle-collect).                   */

__attribute__((noinline)) void cg_send_one(be_conn *c, const char *buf, long n)
{
    if (be_send(c, buf, (size_t)n) != 0) die("cg send");
}

__attribute__((noinline)) void cg_recv_one(be_conn *c, char *buf, long n)
{
    if (recv_exact(c, buf, n) != 0) die("cg recv");
}

static void run_cg(void)
{
    int port = 0;
    be_listener *l = be_listen(&port);
    be_conn *cli = NULL, *srv;
    pthread_t ct;
    struct connector k = {port, 1, &cli};
    char *buf = calloc(1, (size_t)o_size);
    if (!l) die("listen");
    pthread_create(&ct, NULL, connect_n, &k);
    srv = be_accept(l);
    if (!srv) die("accept");
    pthread_join(ct, NULL);
    /* warm up both directions (tickets, buffers) */
    for (int i = 0; i < 8; i++) {
        if (be_send(srv, buf, (size_t)o_size) != 0 || recv_exact(cli, buf, o_size) != 0) die("warm");
        if (be_send(cli, buf, (size_t)o_size) != 0 || recv_exact(srv, buf, o_size) != 0) die("warm");
    }
    for (long i = 0; i < o_count; i++) {
        cg_send_one(cli, buf, o_size);
        cg_recv_one(srv, buf, o_size);
    }
    printf("{\"bench\":\"cg\",\"impl\":\"%s\",\"count\":%ld,\"size\":%ld}\n", be_name(), o_count,
           o_size);
    be_close(cli);
    drain_to_eof(srv);
    be_close(srv);
    be_close_listener(l);
}

/* ------------------------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    const char *mode;
    if (argc < 2) {
        fprintf(stderr, "usage: %s bulk|hs|lat|mem|scale|cg [options]\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--cert")) opts.cert = v;
        else if (!strcmp(k, "--key")) opts.key = v;
        else if (!strcmp(k, "--ca")) opts.ca = v;
        else if (!strcmp(k, "--host")) opts.host = v;
        else if (!strcmp(k, "--cipher")) opts.cipher = v;
        else if (!strcmp(k, "--groups")) opts.groups = v;
        else if (!strcmp(k, "--resume")) opts.resume = atoi(v);
        else if (!strcmp(k, "--bytes")) o_bytes = atoll(v);
        else if (!strcmp(k, "--buf")) o_buf = atol(v);
        else if (!strcmp(k, "--threads")) o_threads = atol(v);
        else if (!strcmp(k, "--count")) o_count = atol(v);
        else if (!strcmp(k, "--size")) o_size = atol(v);
        else if (!strcmp(k, "--calls")) o_calls = atol(v);
        else if (!strcmp(k, "--sockets")) o_sockets = v;
        else if (!strcmp(k, "--label")) o_label = v;
        else {
            fprintf(stderr, "unknown option %s\n", k);
            return 2;
        }
    }
    if (!strcmp(mode, "mem")) {
        run_mem(); /* forks first, then initializes each side */
        return 0;
    }
    if (be_init(&opts) != 0) die("init");
    if (!strcmp(mode, "bulk")) run_bulk();
    else if (!strcmp(mode, "hs")) run_hs();
    else if (!strcmp(mode, "lat")) run_lat();
    else if (!strcmp(mode, "scale")) run_scale();
    else if (!strcmp(mode, "cg")) run_cg();
    else if (!strcmp(mode, "calls")) run_calls();
    else die("unknown mode");
    return 0;
}
