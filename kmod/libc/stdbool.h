/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel home's stand-in for <stdbool.h>: <linux/types.h> has bool. */
#ifndef PGT_KMOD_LIBC_STDBOOL_H
#define PGT_KMOD_LIBC_STDBOOL_H

#include <linux/types.h>

#endif
