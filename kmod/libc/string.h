/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel home's stand-in for <string.h> (test/ref_xlat.c: memset, memmove). */
#ifndef PGT_KMOD_LIBC_STRING_H
#define PGT_KMOD_LIBC_STRING_H

#include <linux/string.h>

#endif
