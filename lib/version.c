// SPDX-License-Identifier: GPL-2.0-only
/*
 * version.c - which release of the library a program is running with:
 * the numbers of include/pgtable.h as they were when lib/ was built.
 */
#include "pgtable.h"

#define PGT_STR(x)	#x
#define PGT_XSTR(x)	PGT_STR(x)

u32 pgt_version(void)
{
	return PGT_VERSION;
}

const char *pgt_version_string(void)
{
	return PGT_XSTR(PGT_VERSION_MAJOR) "." PGT_XSTR(PGT_VERSION_MINOR) "."
	       PGT_XSTR(PGT_VERSION_PATCH);
}
