/* Case variant of winsock.h (Windows file names are case-blind). */
#include "winsock.h"
