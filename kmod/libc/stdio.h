/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel home's stand-in for <stdio.h>, for test/dump.c only: the dump
 * writes to a seq_file (the debugfs file) where the hosted tools write to a
 * FILE.  Only what test/dump.c uses is here.
 */
#ifndef PGT_KMOD_LIBC_STDIO_H
#define PGT_KMOD_LIBC_STDIO_H

#include <linux/seq_file.h>

typedef struct seq_file FILE;

#define fprintf(f, ...)		seq_printf((f), __VA_ARGS__)
#define fputc(c, f)		seq_putc((f), (c))

#endif
