/* A stand-in for Windows' bcryptprimitives.dll, for Wine 8 (Debian 12),
 * which lacks it: Rust's standard library imports ProcessPrng from it for
 * random numbers, so no Rust program starts without it. The Wine test
 * (tests/e2e/windows.rs) builds this with mingw-w64 into its throwaway
 * prefix only when the prefix has no such DLL; it is never shipped.
 * The bytes come from RtlGenRandom (advapi32's SystemFunction036), the
 * system's generator. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
