// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reference translator (test/ref_xlat.c), compiled into the module as it
 * is: the self-test checks what the library wrote in kernel memory with the
 * same independent walker the hosted tests use.  kmod/libc/ stands in for
 * the few libc headers it includes (Kbuild adds it to the include path).
 */
#include "../test/ref_xlat.c"
