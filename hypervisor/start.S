/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * start.S - entry at EL2, the exception vectors, the world switch, and the
 * probes the stage-1 tests fault on.  Everything else is C.
 */
#include "layout.h"

/* struct vcpu_regs (hyp.h) */
#define VR_X(n)		((n) * 8)
#define VR_SP_EL1	248
#define VR_ELR		256
#define VR_ESR		272
#define VR_HPFAR	288
#define VR_HOST		296
#define VR_HOST_SP	392

/* The trap frame of an exception taken from EL2 itself (struct trap_frame). */
#define TF_SIZE		272
#define TF_ELR		248

	.section .text.boot, "ax"
	.globl	_start
_start:
	mrs	x0, mpidr_el1
	and	x0, x0, #0xff
	b	cpu_entry

/* PSCI CPU_ON lands here with the context id (the CPU number) in x0. */
	.globl	secondary_entry
secondary_entry:
cpu_entry:
	mov	x19, x0
	ldr	x1, =__stacks
	add	x2, x19, #1
	mov	x3, #STACK_SIZE
	madd	x1, x2, x3, x1
	mov	sp, x1
	adr	x1, vectors
	msr	vbar_el2, x1
	isb
	cbnz	x19, 2f
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x0, x19
	bl	hyp_cpu_main
3:	wfe
	b	3b
	.ltorg

	.text
/* ---- vectors ---- */
.macro	hyp_vector kind
	.balign	0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\kind
	b	hyp_trap_common
.endm

.macro	guest_vector code
	.balign	0x80
	stp	x0, x1, [sp, #-16]!
	mov	x1, #\code
	b	guest_exit_common
.endm

	.balign	0x800
	.globl	vectors
vectors:
	hyp_vector	0	/* current EL, SP0: never used */
	hyp_vector	1
	hyp_vector	2
	hyp_vector	3
	hyp_vector	4	/* current EL, SPx: synchronous */
	hyp_vector	5	/* IRQ */
	hyp_vector	6	/* FIQ */
	hyp_vector	7	/* SError */
	guest_vector	0	/* lower EL, AArch64: synchronous */
	guest_vector	1	/* IRQ */
	guest_vector	2	/* FIQ */
	guest_vector	3	/* SError */
	guest_vector	4	/* lower EL, AArch32: never */
	guest_vector	4
	guest_vector	4
	guest_vector	4

hyp_trap_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	str	x30, [sp, #240]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [sp, #TF_ELR]
	mov	x0, sp
	bl	hyp_trap
	ldp	x2, x3, [sp, #TF_ELR]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #TF_SIZE
	eret

/* ---- the world switch ---- */

/* u64 guest_enter(struct vcpu_regs *regs): runs the guest until it exits. */
	.globl	guest_enter
guest_enter:
	stp	x19, x20, [x0, #VR_HOST + 0]
	stp	x21, x22, [x0, #VR_HOST + 16]
	stp	x23, x24, [x0, #VR_HOST + 32]
	stp	x25, x26, [x0, #VR_HOST + 48]
	stp	x27, x28, [x0, #VR_HOST + 64]
	stp	x29, x30, [x0, #VR_HOST + 80]
	mov	x1, sp
	str	x1, [x0, #VR_HOST_SP]
	msr	tpidr_el2, x0
	ldr	x1, [x0, #VR_SP_EL1]
	msr	sp_el1, x1
	ldp	x1, x2, [x0, #VR_ELR]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x2, x3, [x0, #VR_X(2)]
	ldp	x4, x5, [x0, #VR_X(4)]
	ldp	x6, x7, [x0, #VR_X(6)]
	ldp	x8, x9, [x0, #VR_X(8)]
	ldp	x10, x11, [x0, #VR_X(10)]
	ldp	x12, x13, [x0, #VR_X(12)]
	ldp	x14, x15, [x0, #VR_X(14)]
	ldp	x16, x17, [x0, #VR_X(16)]
	ldp	x18, x19, [x0, #VR_X(18)]
	ldp	x20, x21, [x0, #VR_X(20)]
	ldp	x22, x23, [x0, #VR_X(22)]
	ldp	x24, x25, [x0, #VR_X(24)]
	ldp	x26, x27, [x0, #VR_X(26)]
	ldp	x28, x29, [x0, #VR_X(28)]
	ldr	x30, [x0, #VR_X(30)]
	ldp	x0, x1, [x0, #VR_X(0)]
	eret

/* The guest's x0 and x1 are on the stack, the exit code in x1. */
guest_exit_common:
	mrs	x0, tpidr_el2
	stp	x2, x3, [x0, #VR_X(2)]
	stp	x4, x5, [x0, #VR_X(4)]
	stp	x6, x7, [x0, #VR_X(6)]
	stp	x8, x9, [x0, #VR_X(8)]
	stp	x10, x11, [x0, #VR_X(10)]
	stp	x12, x13, [x0, #VR_X(12)]
	stp	x14, x15, [x0, #VR_X(14)]
	stp	x16, x17, [x0, #VR_X(16)]
	stp	x18, x19, [x0, #VR_X(18)]
	stp	x20, x21, [x0, #VR_X(20)]
	stp	x22, x23, [x0, #VR_X(22)]
	stp	x24, x25, [x0, #VR_X(24)]
	stp	x26, x27, [x0, #VR_X(26)]
	stp	x28, x29, [x0, #VR_X(28)]
	str	x30, [x0, #VR_X(30)]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #VR_X(0)]
	mrs	x2, sp_el1
	str	x2, [x0, #VR_SP_EL1]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x0, #VR_ELR]
	mrs	x2, esr_el2
	mrs	x3, far_el2
	stp	x2, x3, [x0, #VR_ESR]
	mrs	x2, hpfar_el2
	str	x2, [x0, #VR_HPFAR]
	ldp	x19, x20, [x0, #VR_HOST + 0]
	ldp	x21, x22, [x0, #VR_HOST + 16]
	ldp	x23, x24, [x0, #VR_HOST + 32]
	ldp	x25, x26, [x0, #VR_HOST + 48]
	ldp	x27, x28, [x0, #VR_HOST + 64]
	ldp	x29, x30, [x0, #VR_HOST + 80]
	ldr	x2, [x0, #VR_HOST_SP]
	mov	sp, x2
	mov	x0, x1
	ret

/* ---- probes: an access that may fault; hyp_trap resumes at the landing ---- */

	.globl	probe_read, probe_read_insn, probe_read_landing
probe_read:
probe_read_insn:
	ldr	x1, [x0]
	mov	x0, #0
probe_read_landing:
	ret

	.globl	probe_write, probe_write_insn, probe_write_landing
probe_write:
probe_write_insn:
	str	x1, [x0]
	mov	x0, #0
probe_write_landing:
	ret

/* Branch to @x0, which must return; an instruction abort lands below. */
	.globl	probe_exec, probe_exec_landing
probe_exec:
	stp	x29, x30, [sp, #-16]!
	blr	x0
	mov	x0, #0
probe_exec_landing:
	ldp	x29, x30, [sp], #16
	ret
