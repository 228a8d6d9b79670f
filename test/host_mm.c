// SPDX-License-Identifier: GPL-2.0-only
/*
 * host_mm.c - the tests' layer over the hosted home (host_mm.h): failure
 * injection, the test's hook, the TLBI log and the deferred-free modes go
 * through the home's hook and unlinked-free function, misuse reports through
 * its report function to the verdict (host_mm_verdict.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_mm.h"
#include "host_mm_verdict.h"

struct host_deferred {
	void *table;
	pgt_s8 level;
	u8 granule_shift;
};

static void home_report(struct pgt_hosted *h, const char *msg, void *arg)
{
	(void)h;
	host_mm_misuse(arg, msg);
}

__attribute__((format(printf, 2, 3)))
static void host_warn(struct host_mm *hm, const char *fmt, ...)
{
	char msg[sizeof(hm->last_misuse)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stat_add(&hm->warnings, 1);
	host_mm_misuse(hm, msg);
}

__attribute__((format(printf, 1, 2), noreturn))
static void host_bug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("host_mm: BUG: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* ---- The home's hook: the test's hook, injection, the TLBI log ---- */

static __thread bool hook_running;

/* The test's own hook; calls it makes do not run it again. */
static void run_test_hook(struct host_mm *hm, enum pgt_hosted_call call)
{
	host_mm_hook_fn fn = __atomic_load_n(&hm->hook, __ATOMIC_ACQUIRE);

	if (!fn || hook_running ||
	    !(__atomic_load_n(&hm->hook_calls, __ATOMIC_RELAXED) & HOST_CALL_BIT(call)))
		return;
	hook_running = true;
	fn(hm, (enum host_mm_call)call, __atomic_load_n(&hm->hook_arg, __ATOMIC_RELAXED));
	hook_running = false;
}

/* Count the attempt and decide whether an injected failure claims it. */
static bool inject_failure(struct host_mm *hm)
{
	u64 n = __atomic_add_fetch(&hm->alloc_calls, 1, __ATOMIC_RELAXED);
	u64 at = __atomic_load_n(&hm->fail_nth_at, __ATOMIC_RELAXED);
	bool fail = (at == n && __atomic_compare_exchange_n(&hm->fail_nth_at, &at, 0, false,
							   __ATOMIC_RELAXED,
							   __ATOMIC_RELAXED)) ||
		    n > __atomic_load_n(&hm->fail_after_limit, __ATOMIC_RELAXED);

	if (fail)
		stat_add(&hm->injected_failures, 1);
	return fail;
}

static void tlbi_log(struct host_mm *hm, const struct pgt_hosted_call_args *c)
{
	static const enum host_tlbi_kind kinds[] = {
		[PGT_HOSTED_TLBI_VA] = HOST_TLBI_VA,
		[PGT_HOSTED_TLBI_RANGE] = HOST_TLBI_RANGE,
		[PGT_HOSTED_TLBI_ALL] = HOST_TLBI_ALL,
	};
	struct host_tlbi_entry e = {
		.kind = kinds[c->call], .addr = c->va, .size = c->size,
		.level = c->call == PGT_HOSTED_TLBI_ALL ? PGT_NO_LEVEL : c->level,
		.leaf = c->leaf, .cookie = c->cookie,
	};

	if (!__atomic_load_n(&hm->tlbi_log_on, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&hm->log_lock);
	if (hm->n_log == hm->cap_log) {
		size_t cap = hm->cap_log ? 2 * hm->cap_log : 256;
		void *p = realloc(hm->tlbi_log, cap * sizeof(*hm->tlbi_log));

		if (!p)
			host_bug("tlbi log: out of host memory");
		hm->tlbi_log = p;
		hm->cap_log = cap;
	}
	hm->tlbi_log[hm->n_log++] = e;
	pthread_mutex_unlock(&hm->log_lock);
}

static int home_hook(struct pgt_hosted *h, const struct pgt_hosted_call_args *c, void *arg)
{
	struct host_mm *hm = arg;

	(void)h;
	run_test_hook(hm, c->call);
	switch (c->call) {
	case PGT_HOSTED_ZALLOC_PAGE:
	case PGT_HOSTED_ZALLOC_PAGES_EXACT:
		return inject_failure(hm);
	case PGT_HOSTED_TLBI_VA:
	case PGT_HOSTED_TLBI_RANGE:
	case PGT_HOSTED_TLBI_ALL:
		tlbi_log(hm, c);
		return 0;
	default:
		return 0;
	}
}

/* Injection and the log always see their calls; the test's hook adds its own. */
#define LAYER_CALLS	(HOST_CALL_BIT(HOST_CALL_ZALLOC_PAGE) |			\
			 HOST_CALL_BIT(HOST_CALL_ZALLOC_PAGES_EXACT) |		\
			 HOST_CALL_BIT(HOST_CALL_TLBI_VA) |			\
			 HOST_CALL_BIT(HOST_CALL_TLBI_RANGE) |			\
			 HOST_CALL_BIT(HOST_CALL_TLBI_ALL))

void host_mm_set_hook(struct host_mm *hm, u32 calls, host_mm_hook_fn fn, void *arg)
{
	__atomic_store_n(&hm->hook_arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&hm->hook_calls, calls, __ATOMIC_RELAXED);
	__atomic_store_n(&hm->hook, calls ? fn : NULL, __ATOMIC_RELEASE);
	pgt_hosted_set_hook(hm->home, LAYER_CALLS | calls, home_hook, hm);
}

/* ---- Unlinked subtrees: the test's double, at once or queued ---- */

static void call_unlinked_free(struct host_mm *hm, const struct host_deferred *d)
{
	host_mm_unlinked_free_fn fn = __atomic_load_n(&hm->unlinked_free, __ATOMIC_ACQUIRE);

	if (!fn) {
		host_warn(hm, "free_unlinked_table: no unlinked-free function, %p leaked",
			  d->table);
		return;
	}
	fn(host_mm_ops(hm), d->table, d->level, d->granule_shift);
}

static void defer_push(struct host_mm *hm, const struct host_deferred *d)
{
	pthread_mutex_lock(&hm->defer_lock);
	if (hm->n_deferred == hm->cap_deferred) {
		size_t cap = hm->cap_deferred ? 2 * hm->cap_deferred : 64;
		void *p = realloc(hm->deferred, cap * sizeof(*hm->deferred));

		if (!p)
			host_bug("free_unlinked_table: out of host memory");
		hm->deferred = p;
		hm->cap_deferred = cap;
	}
	hm->deferred[hm->n_deferred++] = *d;
	pthread_mutex_unlock(&hm->defer_lock);
}

/* The home calls this at once, or after a grace period in an RCU arena. */
static void home_unlinked_free(struct pgt_mm_ops *mm, void *table, pgt_s8 level,
			       u8 granule_shift, void *arg)
{
	struct host_mm *hm = arg;
	struct host_deferred d = { table, level, granule_shift };

	(void)mm;
	if (!pgt_hosted_rcu_enabled(hm->home) && __atomic_load_n(&hm->defer, __ATOMIC_RELAXED))
		defer_push(hm, &d);
	else
		call_unlinked_free(hm, &d);
}

u64 host_mm_drain_deferred(struct host_mm *hm)
{
	u64 total = host_mm_rcu_barrier(hm);

	for (;;) {
		struct host_deferred *batch;
		size_t n;

		/* Take the whole queue: the frees run unlocked and may queue more. */
		pthread_mutex_lock(&hm->defer_lock);
		batch = hm->deferred;
		n = hm->n_deferred;
		hm->deferred = NULL;
		hm->n_deferred = hm->cap_deferred = 0;
		pthread_mutex_unlock(&hm->defer_lock);
		if (!n)
			return total + host_mm_rcu_barrier(hm);
		for (size_t i = 0; i < n; i++)
			call_unlinked_free(hm, &batch[i]);
		free(batch);
		total += n;
	}
}

u64 host_mm_deferred_pending(struct host_mm *hm)
{
	size_t n;

	pthread_mutex_lock(&hm->defer_lock);
	n = hm->n_deferred;
	pthread_mutex_unlock(&hm->defer_lock);
	return n + pgt_hosted_rcu_pending(hm->home);
}

void host_mm_set_defer(struct host_mm *hm, bool defer)
{
	__atomic_store_n(&hm->defer, defer, __ATOMIC_RELAXED);
}

void host_mm_set_unlinked_free(struct host_mm *hm, host_mm_unlinked_free_fn fn)
{
	__atomic_store_n(&hm->unlinked_free, fn, __ATOMIC_RELEASE);
}

void host_mm_enable_rcu(struct host_mm *hm)
{
	pgt_hosted_enable_rcu(hm->home);
}

bool host_mm_rcu_enabled(struct host_mm *hm)
{
	return pgt_hosted_rcu_enabled(hm->home);
}

u64 host_mm_rcu_barrier(struct host_mm *hm)
{
	return pgt_hosted_synchronize(hm->home);
}

void host_mm_tlbi_log_enable(struct host_mm *hm, bool on)
{
	__atomic_store_n(&hm->tlbi_log_on, on, __ATOMIC_RELAXED);
}

const struct host_tlbi_entry *host_mm_tlbi_log_get(struct host_mm *hm, size_t *n)
{
	const struct host_tlbi_entry *log;

	pthread_mutex_lock(&hm->log_lock);
	*n = hm->n_log;
	log = hm->n_log ? hm->tlbi_log : NULL;
	pthread_mutex_unlock(&hm->log_lock);
	return log;
}

void host_mm_tlbi_log_clear(struct host_mm *hm)
{
	pthread_mutex_lock(&hm->log_lock);
	hm->n_log = 0;
	pthread_mutex_unlock(&hm->log_lock);
}

/* ---- Creation: every live arena is listed, for host_mm_from_ops() ---- */

static struct host_mm *arenas;
static pthread_mutex_t arenas_lock = PTHREAD_MUTEX_INITIALIZER;

static void arenas_add(struct host_mm *hm)
{
	pthread_mutex_lock(&arenas_lock);
	hm->next = arenas;
	arenas = hm;
	pthread_mutex_unlock(&arenas_lock);
}

static void arenas_del(struct host_mm *hm)
{
	struct host_mm **p;

	pthread_mutex_lock(&arenas_lock);
	for (p = &arenas; *p; p = &(*p)->next) {
		if (*p == hm) {
			*p = hm->next;
			break;
		}
	}
	pthread_mutex_unlock(&arenas_lock);
}

struct host_mm *host_mm_create(u64 size, u64 phys_base)
{
	struct pgt_hosted *home = pgt_hosted_create(size, phys_base, 0);
	struct pgt_mm_ops *mm;
	struct host_mm *hm;

	if (!home)
		return NULL;
	hm = calloc(1, sizeof(*hm));
	if (!hm) {
		pgt_hosted_destroy(home);
		return NULL;
	}
	mm = pgt_hosted_ops(home);
	hm->home = home;
	hm->base = mm->phys_to_virt(mm, phys_base);
	hm->size = size;
	hm->phys_base = phys_base;
	hm->fail_after_limit = UINT64_MAX;
	pthread_mutex_init(&hm->defer_lock, NULL);
	pthread_mutex_init(&hm->log_lock, NULL);
	pthread_mutex_init(&hm->misuse_lock, NULL);
	host_mm_verdict_begin(hm);
	pgt_hosted_set_report(home, home_report, hm);
	pgt_hosted_set_unlinked_free(home, home_unlinked_free, hm);
	host_mm_set_hook(hm, 0, NULL, NULL);
	arenas_add(hm);
	return hm;
}

void host_mm_destroy(struct host_mm *hm)
{
	struct host_mm_verdict v;

	if (!hm)
		return;
	/* Waits for RCU frees, and reports what is still allocated as a leak. */
	pgt_hosted_destroy(hm->home);
	host_mm_verdict(hm, &v);
	arenas_del(hm);
	free(hm->deferred);
	free(hm->tlbi_log);
	pthread_mutex_destroy(&hm->defer_lock);
	pthread_mutex_destroy(&hm->log_lock);
	pthread_mutex_destroy(&hm->misuse_lock);
	free(hm);
	host_mm_verdict_deliver(&v);
}

struct pgt_mm_ops *host_mm_ops(struct host_mm *hm)
{
	return pgt_hosted_ops(hm->home);
}

struct host_mm *host_mm_from_ops(struct pgt_mm_ops *ops)
{
	struct host_mm *hm;

	pthread_mutex_lock(&arenas_lock);
	for (hm = arenas; hm && host_mm_ops(hm) != ops; hm = hm->next)
		;
	pthread_mutex_unlock(&arenas_lock);
	return hm;
}

u64 host_mm_phys_base(const struct host_mm *hm)
{
	return hm->phys_base;
}

u64 host_mm_size(const struct host_mm *hm)
{
	return hm->size;
}

/* ---- Failure injection ---- */

void host_mm_fail_nth_alloc(struct host_mm *hm, u64 k)
{
	u64 now = stat_read(&hm->alloc_calls);

	__atomic_store_n(&hm->fail_nth_at, k ? now + k : 0, __ATOMIC_RELAXED);
}

void host_mm_fail_after(struct host_mm *hm, u64 k)
{
	u64 now = stat_read(&hm->alloc_calls);

	__atomic_store_n(&hm->fail_after_limit, now + k, __ATOMIC_RELAXED);
}

void host_mm_fail_reset(struct host_mm *hm)
{
	__atomic_store_n(&hm->fail_nth_at, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm->fail_after_limit, UINT64_MAX, __ATOMIC_RELAXED);
}

void host_mm_set_quiet(struct host_mm *hm, bool quiet)
{
	__atomic_store_n(&hm->quiet, quiet, __ATOMIC_RELAXED);
}

void host_mm_set_linear(struct host_mm *hm, bool on)
{
	pgt_hosted_set_linear(hm->home, on);
}

/* ---- Inspection ---- */

bool host_mm_read64(void *ctx, u64 pa, uint64_t *val)
{
	struct host_mm *hm = ctx;

	return pgt_hosted_read64(hm->home, pa, (u64 *)val);
}

u64 host_mm_in_use_bytes(struct host_mm *hm)
{
	return pgt_hosted_in_use(hm->home);
}

u64 host_mm_alloc_calls(struct host_mm *hm)
{
	return stat_read(&hm->alloc_calls);
}

void host_mm_stats_get(struct host_mm *hm, struct host_mm_stats *out)
{
	struct pgt_hosted_stats s;

	pgt_hosted_stats(hm->home, &s);
	*out = (struct host_mm_stats){
		.pages_in_use = s.frames_in_use, .peak_in_use = s.peak_frames,
		.allocs = s.allocs, .frees = s.frees,
		.alloc_calls = stat_read(&hm->alloc_calls), .failed_allocs = s.failed_allocs,
		.injected_failures = stat_read(&hm->injected_failures),
		.tlbi_va_leaf = s.tlbi_va_leaf, .tlbi_va_table = s.tlbi_va_table,
		.tlbi_range = s.tlbi_range, .tlbi_all = s.tlbi_all,
		.dcache_ops = s.dcache_ops, .icache_ops = s.icache_ops,
		.dcache_bytes = s.dcache_bytes, .icache_bytes = s.icache_bytes,
		.deferred_frees = s.unlinked_frees, .rcu_frees = s.rcu_frees,
		.warnings = s.warnings + stat_read(&hm->warnings),
	};
}

void host_mm_stats_reset(struct host_mm *hm)
{
	pgt_hosted_stats_reset(hm->home);
	__atomic_store_n(&hm->alloc_calls, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm->injected_failures, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm->warnings, 0, __ATOMIC_RELAXED);
}

/* The counters are printed as an array of u64, in declaration order. */
#define STATS_NR	(sizeof(struct host_mm_stats) / sizeof(u64))
_Static_assert(sizeof(struct host_mm_stats) % sizeof(u64) == 0, "host_mm_stats not all u64");

void host_mm_stats_print(struct host_mm *hm, FILE *f)
{
	static const char *const names[] = {
		"pages_in_use", "peak_in_use", "allocs", "frees", "alloc_calls",
		"failed_allocs", "injected_failures", "tlbi_va_leaf", "tlbi_va_table",
		"tlbi_range", "tlbi_all", "dcache_ops", "icache_ops", "dcache_bytes",
		"icache_bytes", "deferred_frees", "rcu_frees", "warnings",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == STATS_NR, "a counter lacks a name");
	struct host_mm_stats s;
	const u64 *v = (const u64 *)&s;

	host_mm_stats_get(hm, &s);
	fprintf(f, "host_mm: %llu MiB at phys %#llx\n", (unsigned long long)(hm->size >> 20),
		(unsigned long long)hm->phys_base);
	for (size_t i = 0; i < STATS_NR; i++)
		fprintf(f, "  %-18s %llu\n", names[i], (unsigned long long)v[i]);
}

u64 host_mm_global_warnings(void)
{
	return pgt_hosted_lib_warnings();
}
