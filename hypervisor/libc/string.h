/* SPDX-License-Identifier: GPL-2.0-only */
/* The hypervisor's <string.h>, for test/ref_xlat.c: lib.c defines these. */
#ifndef HYP_LIBC_STRING_H
#define HYP_LIBC_STRING_H

typedef __SIZE_TYPE__ size_t;

void *memset(void *s, int c, __SIZE_TYPE__ n);
void *memmove(void *d, const void *s, __SIZE_TYPE__ n);
void *memcpy(void *d, const void *s, __SIZE_TYPE__ n);

#endif
