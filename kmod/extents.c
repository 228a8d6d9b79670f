// SPDX-License-Identifier: GPL-2.0-only
/*
 * "The tree maps exactly these ranges" (test/extents.c), compiled into the
 * module as it is: the self-test and the host harness decide it the same way.
 */
#include "../test/extents.c"
