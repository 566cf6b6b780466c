// test_cxx.cpp - the compat headers in C++: the Windows names are object-like macros, so
// qualified calls (::socket, ::send, ::recv, ...) and function pointers work, and the C++
// standard library included afterwards is unaffected. The peer runs in a std::thread.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "testutil.h"

int main()
{
    tu_startup();
    u_short port = 0;
    SOCKET l = tu_listener(AF_INET, &port);

    std::string received;
    std::thread server([&] {
        SOCKET c = ::accept(l, nullptr, nullptr);
        CHECK(c != INVALID_SOCKET);
        char buf[256];
        int n;
        while ((n = ::recv(c, buf, static_cast<int>(sizeof(buf)), 0)) > 0) {
            received.append(buf, static_cast<size_t>(n));
            CHECK_EQ(::send(c, buf, n, 0), n);
        }
        CHECK_EQ(n, 0);
        CHECK_OK(::closesocket(c));
    });

    SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(s != INVALID_SOCKET);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = ::htons(port);
    CHECK_EQ(::inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr), 1);
    CHECK_OK(::connect(s, reinterpret_cast<sockaddr *>(&sin), static_cast<int>(sizeof(sin))));

    // A function pointer to a mapped name, and std::bind (renamed consistently by the macro).
    int (*send_fn)(SOCKET, const char *, int, int) = &::send;
    auto sender = std::bind(send_fn, s, std::placeholders::_1, std::placeholders::_2, 0);
    const std::string msg = "hello from C++";
    CHECK_EQ(sender(msg.data(), static_cast<int>(msg.size())), static_cast<int>(msg.size()));

    std::vector<char> back(msg.size());
    CHECK_EQ(::recv(s, back.data(), static_cast<int>(back.size()), MSG_WAITALL), static_cast<int>(msg.size()));
    CHECK(std::memcmp(back.data(), msg.data(), msg.size()) == 0);
    CHECK_OK(::shutdown(s, SD_SEND));
    char b;
    CHECK_EQ(::recv(s, &b, 1, 0), 0);
    server.join();
    CHECK(received == msg);
    CHECK_OK(::closesocket(s));
    CHECK_OK(::closesocket(l));
    CHECK_OK(::WSACleanup());
    tu_pass("C++: qualified calls, function pointers, std::bind, std::thread peer");
    return 0;
}
