/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * layout.h - the hypervisor's physical memory map on QEMU's virt machine
 * (-m 512M: RAM from 0x40000000).  EL2 stage 1 maps all of it at VA == PA.
 * Included by C, assembly and the linker script: constants only.
 */
#ifndef HYP_LAYOUT_H
#define HYP_LAYOUT_H

#define RAM_BASE	0x40000000
#define RAM_SIZE	0x20000000

/* scripts/hypervisor-check.sh writes the boot configuration here. */
#define BOOTCFG_PA	0x401f0000

/* The image: text, rodata (guest images included), data, bss, stacks. */
#define IMAGE_BASE	0x40200000

/* A 2M block of EL2 stage 1 that nothing uses: the unmap-in-a-block test. */
#define SCRATCH_PA	0x41000000
#define SCRATCH_SIZE	0x200000

/* The page pool: every table page of both stages. */
#define POOL_PA		0x42000000
#define POOL_SIZE	0x02000000

/* Guest memory: what memslots are backed by (64M aligned for blocks). */
#define GUESTMEM_PA	0x44000000
#define GUESTMEM_SIZE	0x0c000000

/* PL011 of the virt machine, and its emulated twin in every guest. */
#define UART_PA		0x09000000
#define GUEST_UART_IPA	0x09000000

/* Nothing maps it at EL2: the first address past RAM. */
#define UNMAPPED_VA	(RAM_BASE + RAM_SIZE)

#define STACK_SIZE	0x8000

#endif
