/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kernel/vmm/guest.S - the guest the VMM runs: a command loop at EL1.
 *
 * The VMM copies guest_code..guest_code_end to IPA 0 and starts each vCPU
 * there with x0 = its port (guest.h).  The code is position-independent
 * (adr only), so it is assembled into the VMM itself and never linked at
 * its guest address.
 *
 * The MMU stays off: every data access is Device-nGnRnE at stage 1, so all
 * accesses are naturally aligned single loads and stores (no exclusives, no
 * pairs, no DC ZVA), and each one KVM has to emulate is decodable from the
 * ESR (ISV set: no writeback, one register).  Registers: x20 the port,
 * x1 the command, x2..x6 its arguments, x7..x9 scratch, x30 the link.
 */
#include "guest.h"

	.section .rodata.guest, "a"
	.balign	4096
	.global	guest_code, guest_code_end
guest_code:
	mov	x20, x0
	adr	x1, guest_vectors
	msr	vbar_el1, x1
	isb

/* Each port access is an exit: a command reads only the arguments it has. */
next:
	ldr	x1, [x20, #PORT_CMD]
	ldr	x2, [x20, #PORT_ARG0]
	ldr	x3, [x20, #PORT_ARG1]
	cmp	x1, #CMD_LOAD
	b.eq	load
	cmp	x1, #CMD_CALL
	b.eq	call
	ldr	x4, [x20, #PORT_ARG2]
	cmp	x1, #CMD_STORE
	b.eq	store
	ldr	x5, [x20, #PORT_ARG3]
	ldr	x6, [x20, #PORT_ARG4]
	cmp	x1, #CMD_FILL
	b.eq	fill
	cmp	x1, #CMD_CHECK
	b.eq	check
	str	x1, [x20, #PORT_UNKNOWN]
	b	next

/* x2 base, x3 length, x4 stride, x5 seed, x6 delta */
fill:
	add	x3, x2, x3
1:	cmp	x2, x3
	b.hs	next
	add	x7, x2, x6
	eor	x7, x7, x5
	str	x7, [x2]
	add	x2, x2, x4
	b	1b

/* the same arguments; x8 counts the wrong words */
check:
	add	x3, x2, x3
	mov	x8, #0
1:	cmp	x2, x3
	b.hs	3f
	add	x7, x2, x6
	eor	x7, x7, x5
	ldr	x9, [x2]
	cmp	x9, x7
	b.eq	2f
	add	x8, x8, #1
	cmp	x8, #CHECK_MAX_REPORTS
	b.hi	2f
	str	x2, [x20, #PORT_BAD_ADDR]
	str	x9, [x20, #PORT_BAD_VALUE]
2:	add	x2, x2, x4
	b	1b
3:	str	x8, [x20, #PORT_COUNT]
	b	next

/* x2 address, x3 value, x4 size */
store:
	cmp	x4, #1
	b.eq	1f
	cmp	x4, #2
	b.eq	2f
	cmp	x4, #4
	b.eq	4f
	cmp	x4, #8
	b.eq	8f
	str	x4, [x20, #PORT_UNKNOWN]
	b	next
1:	strb	w3, [x2]
	b	next
2:	strh	w3, [x2]
	b	next
4:	str	w3, [x2]
	b	next
8:	str	x3, [x2]
	b	next

/* x2 address, x3 LOAD_*: two instructions (8 bytes) per table entry */
load:
	cmp	x3, #LOAD_KINDS
	b.hs	9f
	adr	x7, 1f
	add	x7, x7, x3, lsl #3
	br	x7
1:	ldrb	w9, [x2]
	b	2f
	ldrh	w9, [x2]
	b	2f
	ldr	w9, [x2]
	b	2f
	ldr	x9, [x2]
	b	2f
	ldrsb	x9, [x2]
	b	2f
	ldrsh	x9, [x2]
	b	2f
	ldrsw	x9, [x2]
	b	2f
	ldrsb	w9, [x2]
	b	2f
2:	str	x9, [x20, #PORT_VALUE]
	b	next
9:	str	x3, [x20, #PORT_UNKNOWN]
	b	next

/* x2 the code's address: it leaves its result in x9 and returns */
call:
	blr	x2
	str	x9, [x20, #PORT_VALUE]
	b	next

/*
 * Any exception is a failure: report it and stop.  The VMM stops running
 * the vCPU at the write of FAR, so the final loop only runs if the port
 * itself is broken.
 */
	.balign	2048
guest_vectors:
	.rept	16
	.balign	128
	mrs	x9, esr_el1
	str	x9, [x20, #PORT_EXC_ESR]
	mrs	x9, elr_el1
	str	x9, [x20, #PORT_EXC_ELR]
	mrs	x9, far_el1
	str	x9, [x20, #PORT_EXC_FAR]
	b	.
	.endr
guest_code_end:
