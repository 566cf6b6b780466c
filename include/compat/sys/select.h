/*
 * sys/select.h - wstls compatibility wrapper (found first through -I include/compat).
 *
 * glibc's <sys/select.h>, which <stdlib.h> and <sys/types.h> pull in, defines FD_SETSIZE
 * unconditionally: a Windows program that chose its own FD_SETSIZE (or relies on Winsock's
 * default of 64) would silently get glibc's 1024, or a redefinition warning. This wrapper
 * includes glibc's header and then restores FD_SETSIZE to what it was before (the program's
 * value, or undefined), so that winsock2.h sees only the program's choice.
 */
/* #include_next is a GCC/Clang extension; as a system header this file may use it. */
#pragma GCC system_header
#pragma push_macro("FD_SETSIZE")
#undef FD_SETSIZE
#include_next <sys/select.h>
#undef FD_SETSIZE
#pragma pop_macro("FD_SETSIZE")
