/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What aarch64/vgic_init.c of Linux 6.1's KVM selftests includes but the
 * 6.1 tools/include lacks (scripts/kvm-check.sh builds with it).
 */
#ifndef KVM_CHECK_COMPAT_BITFIELD_H
#define KVM_CHECK_COMPAT_BITFIELD_H

/* A field is a contiguous mask: its lowest set bit is its shift. */
#define FIELD_PREP(mask, val) \
	(((__typeof__(mask))(val) << __builtin_ctzll(mask)) & (mask))
#define FIELD_GET(mask, reg) \
	((__typeof__(mask))(((reg) & (mask)) >> __builtin_ctzll(mask)))

#endif
