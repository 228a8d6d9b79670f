/* SPDX-License-Identifier: GPL-2.0-only */
/* <linux/bits.h> for Linux's KVM page-table code built in userspace: see kvm_shim.h. */
#include "../kvm_shim.h"
