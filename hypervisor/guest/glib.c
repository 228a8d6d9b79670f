// SPDX-License-Identifier: GPL-2.0-only
/*
 * glib.c - a test guest's console (the emulated PL011 at its unmapped IPA:
 * every store is an MMIO exit) and checks (a hypercall each).
 */
#include "guest.h"

#define UART_DR		((volatile u32 *)0x09000000UL)

void gputs(const char *s)
{
	while (*s)
		*UART_DR = (u8)*s++;
}

void gprint_hex(const char *what, u64 v)
{
	char buf[19];
	int i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	buf[18] = 0;
	gputs(what);
	gputs(buf);
	gputs("\n");
}

bool gcheck(bool ok, const char *name)
{
	hvc(HC_CHECK, ok, (u64)name, 0);
	return ok;
}

u64 grand(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* The compiler may call these for structure copies. */
void *memset(void *s, int c, unsigned long n)
{
	u8 *p = s;

	while (n--)
		*p++ = (u8)c;
	return s;
}

void *memcpy(void *d, const void *s, unsigned long n)
{
	u8 *dp = d;
	const u8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}
