/* Case variant of winsock2.h (Windows file names are case-blind). */
#include "winsock2.h"
