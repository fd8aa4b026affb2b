/* status.c - status codes and version of libfate. */
#include "fate.h"

const char *fate_version(void) { return FATE_VERSION; }

const char *fate_strerror(fate_status status)
{
    switch (status) {
    case FATE_OK: return "ok";
    case FATE_EINVAL: return "invalid argument";
    case FATE_ENOMEM: return "out of memory";
    case FATE_EDIVERGED: return "training diverged (NaN/inf or growing loss)";
    case FATE_ENUMERIC: return "a linear-algebra factorisation failed";
    case FATE_EIO: return "input/output error";
    case FATE_EINTERRUPTED: return "interrupted";
    case FATE_EDOMAIN: return "the quantity is undefined for this input";
    }
    return "unknown status";
}
