// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib.c - the few libc functions the compiler may call even in a
 * freestanding build (structure copies, zeroing), and a PRNG.
 */
#include "hyp.h"

void *memset(void *s, int c, size_t n)
{
	u8 *p = s;

	while (n--)
		*p++ = (u8)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* xorshift64*: the boot seed is printed, so every run can be replayed. */
static u64 rand_state = 0x9e3779b97f4a7c15ULL;

void rand_seed(u64 s)
{
	rand_state = s ? s : 0x9e3779b97f4a7c15ULL;
}

u64 rand64(void)
{
	u64 x = rand_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rand_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}
