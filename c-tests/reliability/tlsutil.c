/* tlsutil.c - see tlsutil.h. */
#include "tlsutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rt_require_pki(void)
{
    const char *vars[] = {"WSTLS_CA_FILE", "WSTLS_CERT_FILE", "WSTLS_KEY_FILE"};
    size_t i;
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        if (getenv(vars[i]) == NULL) {
            fprintf(stderr, "%s is not set: run this test through ctest (gen_pki.sh makes the files)\n", vars[i]);
            exit(2);
        }
    }
}

SOCKET rt_secure_socket(void)
{
    DWORD dw = SO_SEC_SSL;
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(s != INVALID_SOCKET);
    CHECK_OK(setsockopt(s, SOL_SOCKET, SO_SECURE, (const char *)&dw, sizeof dw));
    return s;
}

SOCKET rt_secure_listener(u_short *port)
{
    SOCKADDR_STORAGE ss;
    int len = tu_loopback(AF_INET, 0, &ss);
    SOCKET s = rt_secure_socket();
    CHECK_OK(bind(s, (struct sockaddr *)&ss, len));
    CHECK_OK(listen(s, SOMAXCONN));
    len = (int)sizeof ss;
    CHECK_OK(getsockname(s, (struct sockaddr *)&ss, &len));
    *port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return s;
}

SOCKET rt_secure_connect(u_short port)
{
    SOCKADDR_STORAGE ss;
    int len = tu_loopback(AF_INET, port, &ss);
    SOCKET s = rt_secure_socket();
    CHECK_OK(WSAIoctl(s, SO_SSL_SET_PEERNAME, (LPVOID) "localhost", 10, NULL, 0, NULL, NULL, NULL));
    if (connect(s, (struct sockaddr *)&ss, len) == SOCKET_ERROR) {
        int e = WSAGetLastError();
        closesocket(s);
        WSASetLastError(e);
        return INVALID_SOCKET;
    }
    return s;
}

struct accept_arg {
    SOCKET l;
    SOCKET a;
};

static void *accept_one(void *p)
{
    struct accept_arg *arg = (struct accept_arg *)p;
    arg->a = accept(arg->l, NULL, NULL);
    return NULL;
}

void rt_secure_pair(SOCKET *client, SOCKET *server)
{
    u_short port;
    struct accept_arg arg;
    tu_thread *t;
    arg.l = rt_secure_listener(&port);
    arg.a = INVALID_SOCKET;
    t = tu_thread_start(accept_one, &arg);
    *client = rt_secure_connect(port);
    CHECK(*client != INVALID_SOCKET);
    tu_thread_join(t);
    CHECK(arg.a != INVALID_SOCKET);
    *server = arg.a;
    CHECK_OK(closesocket(arg.l));
}

int rt_open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    CHECK(d != NULL);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            n++;
        }
    }
    closedir(d);
    return n - 1; /* the directory stream itself */
}

long rt_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    CHECK(f != NULL);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

long rt_env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? strtol(v, NULL, 10) : dflt;
}
