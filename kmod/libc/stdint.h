/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel home's stand-in for <stdint.h>: <linux/types.h> has uint64_t and friends. */
#ifndef PGT_KMOD_LIBC_STDINT_H
#define PGT_KMOD_LIBC_STDINT_H

#include <linux/types.h>

#endif
