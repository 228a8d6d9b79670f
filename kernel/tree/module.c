// SPDX-License-Identifier: GPL-2.0-only
/*
 * module.c - what makes lib/libpgtable/ the module libpgtable.ko when
 * CONFIG_LIBPGTABLE=m; nothing here runs.
 */
#include <linux/module.h>

MODULE_DESCRIPTION("libpgtable: AArch64 EL2 stage-1 and stage-2 translation tables");
MODULE_LICENSE("GPL");
