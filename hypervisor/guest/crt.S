/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * crt.S - a test guest's entry at EL1: x0 the vCPU index, x1 the seed, the
 * stack set by the hypervisor.  Any exception at EL1 is reported as an exit.
 */
	.section .text.boot, "ax"
	.globl	_start
_start:
	adr	x9, guest_vectors
	msr	vbar_el1, x9
	isb
	bl	guest_main
	mov	x1, x0
	mov	x0, #0		/* HC_EXIT */
	hvc	#0
1:	b	1b

	.balign	0x800
guest_vectors:
	.rept	16
	.balign	0x80
	mrs	x1, esr_el1
	mov	x2, #0xdead
	mov	x0, #0		/* HC_EXIT with the ESR: the hypervisor fails the boot */
	hvc	#0
	b	.
	.endr
