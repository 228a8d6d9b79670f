/* SPDX-License-Identifier: GPL-2.0-only */
/* The hypervisor's <stdint.h>, for test/ref_xlat.c: the compiler's types. */
#ifndef HYP_LIBC_STDINT_H
#define HYP_LIBC_STDINT_H

typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INT8_TYPE__ int8_t;
typedef __INT16_TYPE__ int16_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;

#endif
