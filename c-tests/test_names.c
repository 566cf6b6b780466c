/*
 * test_names.c - the address helpers with Windows layouts and values, IPv4 and IPv6:
 * inet_addr/inet_ntoa, inet_pton/inet_ntop (AF_INET6 23), getaddrinfo (ADDRINFOA with
 * ai_canonname before ai_addr, family 23, Winsock error codes returned directly),
 * freeaddrinfo, getnameinfo (Windows NI_* flags), gethostbyname/gethostbyaddr (short fields),
 * gethostname, and a connect through a getaddrinfo result for each family.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static void connect_via_getaddrinfo(int af)
{
    struct addrinfo hints, *res = NULL;
    char port_text[8];
    u_short port;
    SOCKET l = tu_listener(af, &port), c, s;
    ZeroMemory(&hints, sizeof(hints));
    hints.ai_family = af;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port_text, sizeof(port_text), "%u", (unsigned)port);
    CHECK_EQ(getaddrinfo(af == AF_INET ? "127.0.0.1" : "::1", port_text, &hints, &res), 0);
    CHECK_EQ(res->ai_family, af);
    CHECK_EQ(res->ai_addr->sa_family, af);
    CHECK_EQ(res->ai_socktype, SOCK_STREAM);
    c = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    CHECK(c != INVALID_SOCKET);
    CHECK_OK(connect(c, res->ai_addr, (int)res->ai_addrlen));
    freeaddrinfo(res);
    s = accept(l, NULL, NULL);
    CHECK(s != INVALID_SOCKET);
    tu_send_all(c, "n", 1);
    {
        char b;
        tu_recv_exact(s, &b, 1);
        CHECK_EQ(b, 'n');
    }
    CHECK_OK(closesocket(c));
    CHECK_OK(closesocket(s));
    CHECK_OK(closesocket(l));
}

int main(void)
{
    struct in_addr a4;
    IN6_ADDR a6;
    char text[INET6_ADDRSTRLEN];
    struct addrinfo hints, *res = NULL, *p;
    struct sockaddr_in *sin;
    struct sockaddr_in6 *sin6;
    struct hostent *h;
    char host[NI_MAXHOST], serv[NI_MAXSERV], name[256];
    SOCKADDR_STORAGE ss;
    int len;

    tu_startup();

    /* inet_addr / inet_ntoa (network order, 32-bit u_long). */
    a4.s_addr = inet_addr("192.168.10.20");
    CHECK_EQ(a4.S_un.S_un_b.s_b1, 192);
    CHECK_EQ(a4.S_un.S_un_b.s_b4, 20);
    CHECK_STR(inet_ntoa(a4), "192.168.10.20");
    CHECK_EQ(inet_addr("127.1"), htonl(0x7f000001));
    CHECK_EQ(inet_addr("not an address"), INADDR_NONE);
    CHECK_EQ(inet_addr(""), INADDR_NONE);
    tu_pass("inet_addr / inet_ntoa");

    /* inet_pton / inet_ntop, both families. */
    CHECK_EQ(inet_pton(AF_INET, "10.0.0.1", &a4), 1);
    CHECK_EQ(a4.s_addr, htonl(0x0a000001));
    CHECK_EQ(inet_pton(AF_INET, "10.0.0", &a4), 0);
    CHECK_EQ(inet_pton(AF_INET6, "2001:db8::42", &a6), 1);
    CHECK_EQ(a6.s6_addr[0], 0x20);
    CHECK_EQ(a6.s6_addr[1], 0x01);
    CHECK_EQ(a6.s6_addr[15], 0x42);
    CHECK_EQ(inet_pton(AF_INET6, "2001:db8::zz", &a6), 0);
    CHECK_FAILS(inet_pton(10, "::1", &a6), -1, WSAEAFNOSUPPORT);
    CHECK(inet_ntop(AF_INET6, &a6, text, sizeof(text)) == text);
    CHECK_EQ(inet_pton(AF_INET6, "2001:db8::42", &a6), 1);
    CHECK_STR(inet_ntop(AF_INET6, &a6, text, sizeof(text)), "2001:db8::42");
    CHECK_STR(inet_ntop(AF_INET, &a4, text, sizeof(text)), "10.0.0.1");
    CHECK_FAILS(inet_ntop(AF_INET, &a4, text, 4) == NULL, 1, WSA_INVALID_PARAMETER);
    CHECK(IN6_IS_ADDR_LOOPBACK(&in6addr_loopback));
    CHECK(IN6_IS_ADDR_UNSPECIFIED(&in6addr_any));
    CHECK_EQ(inet_pton(AF_INET6, "fe80::1", &a6), 1);
    CHECK(IN6_IS_ADDR_LINKLOCAL(&a6));
    CHECK_EQ(inet_pton(AF_INET6, "::ffff:1.2.3.4", &a6), 1);
    CHECK(IN6_IS_ADDR_V4MAPPED(&a6));
    tu_pass("inet_pton / inet_ntop (IPv4 and IPv6)");

    /* getaddrinfo, numeric IPv4: Windows ADDRINFOA layout. */
    ZeroMemory(&hints, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    CHECK_EQ(getaddrinfo("127.0.0.1", "8080", &hints, &res), 0);
    CHECK(res != NULL);
    CHECK_EQ(res->ai_family, AF_INET);
    CHECK_EQ(res->ai_addrlen, sizeof(struct sockaddr_in));
    sin = (struct sockaddr_in *)res->ai_addr;
    CHECK_EQ(sin->sin_family, AF_INET);
    CHECK_EQ(ntohs(sin->sin_port), 8080);
    CHECK_EQ(sin->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK(res->ai_next == NULL);
    freeaddrinfo(res);

    /* Numeric IPv6: family 23 and a 28-byte sockaddr_in6. */
    CHECK_EQ(getaddrinfo("::1", "443", &hints, &res), 0);
    CHECK_EQ(res->ai_family, AF_INET6);
    CHECK_EQ(res->ai_addrlen, sizeof(struct sockaddr_in6));
    sin6 = (struct sockaddr_in6 *)res->ai_addr;
    CHECK_EQ(sin6->sin6_family, 23);
    CHECK_EQ(ntohs(sin6->sin6_port), 443);
    CHECK(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
    freeaddrinfo(res);

    /* Passive wildcard, and a name with its canonical name (first node only). */
    hints.ai_flags = AI_PASSIVE;
    hints.ai_family = AF_INET;
    CHECK_EQ(getaddrinfo(NULL, "0", &hints, &res), 0);
    CHECK_EQ(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr, INADDR_ANY);
    freeaddrinfo(res);
    hints.ai_flags = AI_CANONNAME;
    CHECK_EQ(getaddrinfo("localhost", NULL, &hints, &res), 0);
    CHECK(res->ai_canonname != NULL && res->ai_canonname[0] != '\0');
    for (p = res; p != NULL; p = p->ai_next) {
        CHECK_EQ(p->ai_family, AF_INET);
        CHECK_EQ(((struct sockaddr_in *)p->ai_addr)->sin_addr.S_un.S_un_b.s_b1, 127);
    }
    freeaddrinfo(res);
    tu_pass("getaddrinfo layouts (IPv4 and IPv6)");

    /* Errors come back as Winsock codes (EAI_* are WSA* values). */
    hints.ai_flags = AI_NUMERICHOST;
    hints.ai_family = AF_INET;
    res = NULL;
    CHECK_EQ(getaddrinfo("999.1.2.3", NULL, &hints, &res), EAI_NONAME);
    CHECK_EQ(WSAGetLastError(), WSAHOST_NOT_FOUND);
    CHECK(res == NULL);
    hints.ai_family = 10; /* Linux's AF_INET6 */
    CHECK_EQ(getaddrinfo("::1", NULL, &hints, &res), EAI_FAMILY);
    hints.ai_family = AF_INET;
    hints.ai_flags = 0x200; /* not a Windows AI_* flag */
    CHECK_EQ(getaddrinfo("127.0.0.1", NULL, &hints, &res), EAI_BADFLAGS);
    CHECK_EQ(getaddrinfo(NULL, NULL, NULL, &res), EAI_NONAME);
    CHECK(gai_strerror(EAI_NONAME)[0] != '\0');
    tu_pass("getaddrinfo errors");

    /* getnameinfo with Windows NI_* values. */
    len = tu_loopback(AF_INET6, 8443, &ss);
    CHECK_EQ(getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV), 0);
    CHECK_STR(host, "::1");
    CHECK_STR(serv, "8443");
    len = tu_loopback(AF_INET, 80, &ss);
    CHECK_EQ(getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL, 0, NI_NUMERICHOST), 0);
    CHECK_STR(host, "127.0.0.1");
    CHECK_EQ(getnameinfo((struct sockaddr *)&ss, len, host, 3, NULL, 0, NI_NUMERICHOST), WSAEFAULT);
    CHECK_EQ(getnameinfo((struct sockaddr *)&ss, 8, host, sizeof(host), NULL, 0, NI_NUMERICHOST), WSAEFAULT);
    tu_pass("getnameinfo");

    /* gethostbyname / gethostbyaddr: Windows hostent (short h_addrtype and h_length). */
    h = gethostbyname("localhost");
    CHECK(h != NULL);
    CHECK_EQ(h->h_addrtype, AF_INET);
    CHECK_EQ(h->h_length, 4);
    CHECK(h->h_addr_list[0] != NULL);
    CHECK_EQ((unsigned char)h->h_addr[0], 127);
    h = gethostbyname("127.0.0.1");
    CHECK(h != NULL);
    memcpy(&a4, h->h_addr_list[0], 4);
    CHECK_STR(inet_ntoa(a4), "127.0.0.1");
    a4.s_addr = htonl(INADDR_LOOPBACK);
    h = gethostbyaddr((const char *)&a4, 4, AF_INET);
    CHECK(h != NULL);
    CHECK(h->h_name != NULL && h->h_name[0] != '\0');
    CHECK_EQ(h->h_addrtype, AF_INET);
    tu_pass("gethostbyname / gethostbyaddr");

    /* gethostname: WSAEFAULT when the buffer is too small. */
    CHECK_OK(gethostname(name, (int)sizeof(name)));
    CHECK(strlen(name) > 0);
    CHECK_FAILS(gethostname(name, 1), SOCKET_ERROR, WSAEFAULT);
    tu_pass("gethostname");

    connect_via_getaddrinfo(AF_INET);
    tu_pass("connect through getaddrinfo (IPv4)");
    if (tu_have_ipv6()) {
        connect_via_getaddrinfo(AF_INET6);
        tu_pass("connect through getaddrinfo (IPv6)");
    } else {
        printf("skip: connect over IPv6 (no ::1 on this host)\n");
    }

    CHECK_OK(WSACleanup());
    return 0;
}
