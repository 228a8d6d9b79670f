// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reference translator (test/ref_xlat.c), compiled into the hypervisor
 * as it is: the third opinion next to the MMU's AT and pgt_get_leaf().
 * hypervisor/libc/ stands in for the libc headers it includes.
 */
#include "../test/ref_xlat.c"
