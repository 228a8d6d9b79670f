/* SPDX-License-Identifier: GPL-2.0-only */
/* The hypervisor's <stdbool.h>; agrees with include/pgtable_port.h's bool. */
#ifndef HYP_LIBC_STDBOOL_H
#define HYP_LIBC_STDBOOL_H

#ifndef __bool_true_false_are_defined
typedef _Bool bool;
#define true	1
#define false	0
#define __bool_true_false_are_defined 1
#endif

#endif
