/* SPDX-License-Identifier: GPL-2.0-only */
/* <linux/kvm_host.h> for Linux's KVM page-table code built in userspace: see kvm_shim.h. */
#include "../kvm_shim.h"
