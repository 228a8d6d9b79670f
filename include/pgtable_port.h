/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pgtable_port.h - the one header that adapts libpgtable to its home.
 *
 * Three homes build the same lib/ sources:
 *   - the Linux kernel (__KERNEL__),
 *   - hosted C on any GCC/clang target (the default; tests and tools),
 *   - bare metal, e.g. EL2 firmware (PGT_HOME_BAREMETAL, built with
 *     -ffreestanding -nostdinc).
 *
 * Everything the library needs from its home beyond struct pgt_mm_ops lives
 * here: fixed-width types, single-copy-atomic accesses, compare-and-swap,
 * acquire/release, the barriers around TLB maintenance, WARN and the error
 * numbers.  Hosted and bare-metal share the compiler's __atomic
 * builtins, which need no libc.
 */
#ifndef PGTABLE_PORT_H
#define PGTABLE_PORT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/atomic.h>
/*
 * cpu_relax(): <vdso/processor.h> has it without arm64's page-table
 * definitions.  UML has no <asm/vdso/processor.h> of its own, so there the
 * header is the host architecture's, whose cpu_relax() collides with the one
 * UML's <asm/processor.h> defines: UML takes its own, through
 * <linux/processor.h>.
 */
#ifdef CONFIG_UML
#include <linux/processor.h>
#else
#include <vdso/processor.h>
#endif
#include <asm/barrier.h>

typedef s8 pgt_s8;

#define pgt_read_once(p)		READ_ONCE(*(p))
#define pgt_write_once(p, v)		WRITE_ONCE(*(p), (v))
#define pgt_load_acquire(p)		smp_load_acquire(p)	/* pairs with the release */
#define pgt_store_release(p, v)		smp_store_release((p), (v)) /* table before entry */
/*
 * The local's name must not be one an architecture's cmpxchg() declares
 * inside itself: x86's __raw_cmpxchg() has its own __old, which a caller's
 * __old would initialise from itself (the swap then never stores, yet the
 * comparison of its result with our __old reports success).
 */
#define pgt_cmpxchg(p, old, new) ({					\
	__typeof__(*(p)) __pgt_old = (old);				\
	try_cmpxchg((p), &__pgt_old, (new));				\
})

/*
 * On arm64 the tables may be live (KVM's, arch/arm64/kvm/hyp/pgtable.c):
 * the DSBs the architecture asks for around TLB maintenance.  Elsewhere
 * tables are data, which no walker of a CPU reads: ordering between CPUs
 * is all that is needed.
 */
#ifdef CONFIG_ARM64
#define pgt_dsb_ishst()			dsb(ishst)	/* stores before the TLBI */
#define pgt_dsb_ish()			dsb(ish)	/* the TLBI before what follows */
#define pgt_isb()			isb()
#else
#define pgt_dsb_ishst()			smp_wmb()	/* stores before the TLBI */
#define pgt_dsb_ish()			smp_mb()	/* the TLBI before what follows */
#define pgt_isb()			barrier()
#endif
#define pgt_cpu_relax()			cpu_relax()

#define PGT_WARN_ON(c)			WARN_ON(c)

#else /* hosted or bare metal */

typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __INT8_TYPE__ s8;
typedef __INT32_TYPE__ s32;
typedef __INT64_TYPE__ s64;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __SIZE_TYPE__ size_t;
typedef s8 pgt_s8;

#ifndef __cplusplus
#if !defined(__bool_true_false_are_defined) && \
	(!defined(__STDC_VERSION__) || __STDC_VERSION__ < 202311L)
typedef _Bool bool;
#define true	1
#define false	0
#define __bool_true_false_are_defined 1
#endif
#endif

#ifndef NULL
#define NULL ((void *)0)
#endif

/* The kernel's spelling; glibc's <sys/cdefs.h> has the same one. */
#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif
/* As the kernel spells it: kept out of line (a cold path off a hot one). */
#ifndef noinline
#define noinline	__attribute__((__noinline__))
#endif
/* As the kernel spells it: rarely called, so its callers' common paths come first. */
#ifndef __cold
#define __cold		__attribute__((__cold__))
#endif

#define pgt_read_once(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define pgt_write_once(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define pgt_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define pgt_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* Sequentially consistent: a successful swap orders like a full barrier. */
#define pgt_cmpxchg(p, old, new) ({					\
	__typeof__(*(p)) __expected = (old);				\
	__atomic_compare_exchange_n((p), &__expected, (new), 0,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);\
})

#if defined(PGT_HOME_BAREMETAL) && defined(__aarch64__)
/* The tables are live on this CPU: these are the architectural barriers. */
#define pgt_dsb_ishst()	__asm__ volatile("dsb ishst" ::: "memory")
#define pgt_dsb_ish()	__asm__ volatile("dsb ish" ::: "memory")
#define pgt_isb()	__asm__ volatile("isb" ::: "memory")
#else
#define pgt_dsb_ishst()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define pgt_dsb_ish()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define pgt_isb()	__atomic_signal_fence(__ATOMIC_SEQ_CST)
#endif

/* A spinning walker yields the core to the lock holder's sibling thread. */
#if defined(__x86_64__) || defined(__i386__)
#define pgt_cpu_relax()	__builtin_ia32_pause()
#elif defined(__aarch64__)
#define pgt_cpu_relax()	__asm__ volatile("yield" ::: "memory")
#else
#define pgt_cpu_relax()	__atomic_signal_fence(__ATOMIC_SEQ_CST)
#endif

/*
 * A home may provide its own reporting (a hosted test harness counts
 * warnings); otherwise WARN evaluates to its condition.
 */
#ifdef PGT_PORT_WARN
void PGT_PORT_WARN(const char *file, int line, const char *cond);
#define PGT_WARN_ON(c) ({						\
	int __c = !!(c);						\
	if (__c)							\
		PGT_PORT_WARN(__FILE__, __LINE__, #c);			\
	__c;								\
})
#else
#define PGT_WARN_ON(c)	({ int __c = !!(c); __c; })
#endif

/*
 * Linux's numbering, which glibc shares on every architecture we build; a
 * hosted file may include <errno.h> before or after this header.
 */
#ifndef EPERM
#define EPERM		1
#endif
#ifndef ENOENT
#define ENOENT		2
#endif
#ifndef EAGAIN
#define EAGAIN		11
#endif
#ifndef ENOMEM
#define ENOMEM		12
#endif
#ifndef EBUSY
#define EBUSY		16
#endif
#ifndef EEXIST
#define EEXIST		17
#endif
#ifndef EINVAL
#define EINVAL		22
#endif
#ifndef ERANGE
#define ERANGE		34
#endif

#endif /* __KERNEL__ */

#define PGT_BIT(n)		(1ULL << (n))
#define PGT_GENMASK(h, l)	((~0ULL >> (63 - (h))) & ~((1ULL << (l)) - 1))
#define PGT_ALIGN_DOWN(x, a)	((x) & ~((u64)(a) - 1))
#define PGT_IS_ALIGNED(x, a)	(((x) & ((u64)(a) - 1)) == 0)

#endif /* PGTABLE_PORT_H */
