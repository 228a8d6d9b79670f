/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hyp.ld.S - the hypervisor image (preprocessed with layout.h).  Each kind
 * of memory starts on a 64K boundary so that EL2 stage 1 can give it its
 * own permissions: text RX, rodata R, data RW.
 */
#include "layout.h"

OUTPUT_FORMAT("elf64-littleaarch64")
OUTPUT_ARCH(aarch64)
ENTRY(_start)

SECTIONS
{
	. = IMAGE_BASE;
	__text_start = .;
	.text : {
		*(.text.boot)
		*(.text .text.*)
	}
	. = ALIGN(0x10000);
	__text_end = .;

	__rodata_start = .;
	.rodata : {
		*(.rodata .rodata.*)
		. = ALIGN(16);
		*(.guest_images)
	}
	. = ALIGN(0x10000);
	__rodata_end = .;

	__data_start = .;
	.data : { *(.data .data.*) }
	. = ALIGN(16);
	__bss_start = .;
	.bss : { *(.bss .bss.*) *(COMMON) }
	. = ALIGN(16);
	__bss_end = .;
	. = ALIGN(0x1000);
	__stacks = .;
	. += STACK_SIZE * 4;
	. = ALIGN(0x10000);
	__data_end = .;

	/DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) }
}
