/* SPDX-License-Identifier: GPL-2.0-only */
/* guest.h - what every test guest has: hypercalls, a console, checks. */
#ifndef GUEST_H
#define GUEST_H

#include "../hypercall.h"

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;
typedef _Bool bool;
#define true	1
#define false	0

static inline u64 hvc(u64 fn, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
	return x0;
}

void gputs(const char *s);
void gprint_hex(const char *what, u64 v);
bool gcheck(bool ok, const char *name);
u64 grand(u64 *state);

static inline u64 faults(enum guest_fault_kind k)
{
	return hvc(HC_FAULTS, k, 0, 0);
}

#define READ_ONCE(x)		(*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define PEEK(a)			(*(volatile u64 *)(a))
#define POKE(a, v)		(*(volatile u64 *)(a) = (v))

#endif
