// SPDX-License-Identifier: GPL-2.0-only
/*
 * console.c - the PL011, a small printf, and the PASS/FAIL lines the
 * console is judged by (scripts/hypervisor-check.sh).
 */
#include "hyp.h"

#define UART_DR		0x00
#define UART_FR		0x18
#define UART_FR_TXFF	BIT(5)

static volatile u32 *const uart = (volatile u32 *)UART_PA;

void uart_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	while (uart[UART_FR / 4] & UART_FR_TXFF)
		;
	uart[UART_DR / 4] = (u8)c;
}

/* Recursive by CPU, so that a fault report inside a print still prints. */
static u32 console_owner = ~0u;
static u32 console_depth;
static struct spinlock console_spin;

void console_lock(void)
{
	u32 me = cpu_id();

	if (__atomic_load_n(&console_owner, __ATOMIC_ACQUIRE) != me) {
		spin_lock(&console_spin);
		__atomic_store_n(&console_owner, me, __ATOMIC_RELAXED);
	}
	console_depth++;
}

void console_unlock(void)
{
	if (--console_depth)
		return;
	__atomic_store_n(&console_owner, ~0u, __ATOMIC_RELAXED);
	spin_unlock(&console_spin);
}

static void put_str(const char *s, int width, bool left)
{
	int len = (int)strlen(s);

	if (!left)
		for (; width > len; width--)
			uart_putc(' ');
	while (*s)
		uart_putc(*s++);
	for (; width > len; width--)
		uart_putc(' ');
}

static void put_num(u64 v, unsigned int base, bool neg, int width, char pad)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		buf[n++] = '-';
	for (; width > n; width--)
		uart_putc(pad);
	while (n)
		uart_putc(buf[--n]);
}

void hvprintf(const char *fmt, __builtin_va_list ap)
{
	console_lock();
	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		bool left = false;
		char pad = ' ';
		u64 v;

		if (*fmt != '%') {
			uart_putc(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '-') {
			left = true;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
			v = lng ? (u64)__builtin_va_arg(ap, long) : (u64)(s64)__builtin_va_arg(ap, int);
			put_num((s64)v < 0 ? -v : v, 10, (s64)v < 0, width, pad);
			break;
		case 'u':
		case 'x':
			v = lng ? __builtin_va_arg(ap, unsigned long) : __builtin_va_arg(ap, unsigned int);
			put_num(v, *fmt == 'u' ? 10 : 16, false, width, pad);
			break;
		case 'p':
			put_num((u64)__builtin_va_arg(ap, void *), 16, false, width, pad);
			break;
		case 's':
			put_str(__builtin_va_arg(ap, const char *), width, left);
			break;
		case 'c':
			uart_putc((char)__builtin_va_arg(ap, int));
			break;
		case '%':
			uart_putc('%');
			break;
		default:
			uart_putc('?');
		}
	}
	console_unlock();
}

void hprintf(const char *fmt, ...)
{
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	hvprintf(fmt, ap);
	__builtin_va_end(ap);
}

static u32 checks_passed, checks_failed;

bool check(bool ok, const char *fmt, ...)
{
	__builtin_va_list ap;

	console_lock();
	hprintf("%s: ", ok ? "PASS" : "FAIL");
	__builtin_va_start(ap, fmt);
	hvprintf(fmt, ap);
	__builtin_va_end(ap);
	hprintf("\n");
	console_unlock();
	__atomic_fetch_add(ok ? &checks_passed : &checks_failed, 1, __ATOMIC_RELAXED);
	return ok;
}

void check_counts(u32 *pass, u32 *fail)
{
	*pass = __atomic_load_n(&checks_passed, __ATOMIC_RELAXED);
	*fail = __atomic_load_n(&checks_failed, __ATOMIC_RELAXED);
}

/* PSCI SYSTEM_OFF through the SMC conduit QEMU's virt uses at EL2. */
void system_off(void)
{
	register u64 x0 __asm__("x0") = 0x84000008;

	__asm__ volatile("smc #0" : "+r"(x0) :: "x1", "x2", "x3", "memory");
	for (;;)
		__asm__ volatile("wfe");
}

void panic(const char *fmt, ...)
{
	__builtin_va_list ap;

	console_lock();
	hprintf("PANIC: cpu%u: ", cpu_id());
	__builtin_va_start(ap, fmt);
	hvprintf(fmt, ap);
	__builtin_va_end(ap);
	hprintf("\nHYP: unexpected exception or panic: boot FAILED\n");
	console_unlock();
	system_off();
}
