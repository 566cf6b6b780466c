/* Case variant of mstcpip.h (Windows file names are case-blind). */
#include "mstcpip.h"
