/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kernel/vmm/guest.h - the contract between the VMM (vmm.c) and its guest
 * (guest.S): the port's registers and the guest's commands.
 *
 * Included by C and by the assembler: plain numbers only.
 */
#ifndef VMM_GUEST_H
#define VMM_GUEST_H

/*
 * The port: eight-byte registers at an IPA outside every memslot, which the
 * host passes in x0, so every access to them exits to the VMM as
 * KVM_EXIT_MMIO.  The guest reads a command and its arguments, runs it,
 * reports through the write registers, and reads the next command: the VMM
 * stops the vCPU at that read, so "one command" is one call on the host.
 */
#define PORT_CMD	0x00	/* read: the next command */
#define PORT_ARG0	0x08	/* read: its arguments */
#define PORT_ARG1	0x10
#define PORT_ARG2	0x18
#define PORT_ARG3	0x20
#define PORT_ARG4	0x28
#define PORT_VALUE	0x30	/* write: what CMD_LOAD read */
#define PORT_BAD_ADDR	0x38	/* write: where CMD_CHECK found a wrong word */
#define PORT_BAD_VALUE	0x40	/* write: ... and the word it found there */
#define PORT_COUNT	0x48	/* write: CMD_CHECK's number of wrong words, last */
#define PORT_UNKNOWN	0x50	/* write: a command the guest does not know */
#define PORT_EXC_ESR	0x58	/* write: an exception's ESR_EL1 */
#define PORT_EXC_ELR	0x60	/* write: ... its ELR_EL1 */
#define PORT_EXC_FAR	0x68	/* write: ... its FAR_EL1, last */
#define PORT_SIZE	0x1000

/*
 * The pattern: the word at address a holds (a + delta) ^ seed, so that any
 * word names the address it was written for (delta is nonzero only when a
 * memslot has moved since).
 *
 * CMD_FILL	base, length, stride, seed, delta: write the pattern into the
 *		word at every stride bytes of [base, base + length).
 * CMD_CHECK	the same: read those words; report each wrong one (the first
 *		CHECK_MAX_REPORTS) and then their number.
 * CMD_STORE	address, value, size (1, 2, 4, 8): one store (strb, strh,
 *		str w, str x).
 * CMD_LOAD	address, LOAD_*: one load; report the register's value.
 * CMD_CALL	address, unused: branch-and-link there (code the host wrote,
 *		which sets x9 and returns); report x9.
 */
#define CMD_FILL	1
#define CMD_CHECK	2
#define CMD_STORE	3
#define CMD_LOAD	4
#define CMD_CALL	5

#define CHECK_MAX_REPORTS 8

/* CMD_LOAD's instructions, in the order of guest.S's table. */
#define LOAD_U8		0	/* ldrb   w */
#define LOAD_U16	1	/* ldrh   w */
#define LOAD_U32	2	/* ldr    w */
#define LOAD_U64	3	/* ldr    x */
#define LOAD_S8		4	/* ldrsb  x */
#define LOAD_S16	5	/* ldrsh  x */
#define LOAD_S32	6	/* ldrsw  x */
#define LOAD_S8W	7	/* ldrsb  w: sign-extended to 32 bits, then zero */
#define LOAD_KINDS	8

#ifndef __ASSEMBLER__
/* guest.S, as the VMM sees it: the bytes it copies to IPA 0. */
extern const unsigned char guest_code[], guest_code_end[];
#endif

#endif /* VMM_GUEST_H */
