// SPDX-License-Identifier: GPL-2.0-only
/*
 * The readable dump (test/dump.c), compiled into the module as it is: with
 * kmod/libc/stdio.h a FILE is a seq_file, so the debugfs file prints exactly
 * what `pgtable dump` and examples/hyp_map print.
 */
#include "../test/dump.c"
