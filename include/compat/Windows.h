/* Case variant of windows.h (Windows file names are case-blind). */
#include "windows.h"
