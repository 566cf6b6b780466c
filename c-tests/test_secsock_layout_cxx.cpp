// The secure socket extensions declarations from C++ (exact prototypes, enum typing).
#include "test_secsock_layout.c"
