// SPDX-License-Identifier: GPL-2.0-only
/*
 * g_vms.c - the guest of the two-VM test: it reads its test page each time
 * it runs and compares it with what the hypervisor says the page holds now
 * (each VM's page differs, and the hypervisor remaps it now and then), then
 * yields the CPU.  A stale translation, its own or another VM's under a
 * reused VMID, reads the wrong page.
 */
#include "guest.h"

#define TEST_PAGE	G_SLOT1_IPA

u64 guest_main(u64 vcpu, u64 seed, u64 psize)
{
	u64 bad = 0, n = 0;

	(void)vcpu;
	(void)seed;
	(void)psize;
	for (;;) {
		u64 v = PEEK(TEST_PAGE), want = hvc(HC_EXPECT, 0, 0, 0);

		bad += v != want;
		n++;
		if (hvc(HC_YIELD, 0, 0, 0))
			break;
	}
	gprint_hex("guest: runs ", n);
	gcheck(!bad, "vms: every run read this VM's current test page, never another's or a stale one");
	return 0;
}
