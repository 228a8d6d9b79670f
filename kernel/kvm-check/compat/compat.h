/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Included before every source of Linux 6.1's KVM selftests by
 * scripts/kvm-check.sh: dirty_log_test.c uses an assertion the 6.1 test
 * library does not have yet.  It is defined on first use, after
 * test_util.h, so that TEST_ASSERT is the library's own.
 */
#ifndef KVM_CHECK_COMPAT_H
#define KVM_CHECK_COMPAT_H

#define TEST_ASSERT_EQ(a, b) \
	TEST_ASSERT((a) == (b), "%s == %s: %lld != %lld", #a, #b, \
		    (long long)(a), (long long)(b))

#endif
