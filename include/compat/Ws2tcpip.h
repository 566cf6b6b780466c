/* Case variant of ws2tcpip.h (Windows file names are case-blind). */
#include "ws2tcpip.h"
