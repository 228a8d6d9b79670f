/* SPDX-License-Identifier: GPL-2.0-only */
/* The test guests, each a flat binary linked at its own IPA (guest/guest.ld). */
.macro	guest name
	.section .guest_images, "a"
	.balign	16
	.globl	\name\()_start, \name\()_end
\name\()_start:
	.incbin	"\name\().bin"
\name\()_end:
.endm

	guest	g_main
	guest	g_smp
	guest	g_vms
