// SPDX-License-Identifier: GPL-2.0-only
/*
 * dump_check.c - read the output of "pgtable replay" and check every "dump"
 * in it with the reference translator (test/ref_xlat.c) alone: the walker
 * reads a fake physical memory built from the dumped descriptors.
 *
 *   dump_check [--min N] [FILE|-]
 *
 * For each dump: the lines are well formed, every table page is the root or
 * reachable from it, levels agree with the tree, the order is "root pages
 * first, then depth-first in address order" with each page's entries
 * together and in index order, and the reference walker finds no malformed
 * entry.  Each "translate" line right after a dump (no other command in
 * between but "dump --json") must be exactly what the reference translator
 * computes.
 *
 * Shares nothing with the library: only ref_xlat.h and the C library.
 * Exit 0 if all agree (and at least N translations were checked), 1 if not.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_xlat.h"

/* ---- a u64 -> u64 hash map (open addressing) ---- */

struct hmap {
	uint64_t *key, *val;
	unsigned char *used;
	size_t cap, n;
};

static size_t hslot(const struct hmap *m, uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (m->cap - 1);

	while (m->used[i] && m->key[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void hmap_put(struct hmap *m, uint64_t key, uint64_t val);

static void hmap_grow(struct hmap *m)
{
	struct hmap old = *m;
	size_t i;

	m->cap = old.cap ? 2 * old.cap : 1024;
	m->n = 0;
	m->key = calloc(m->cap, sizeof(*m->key));
	m->val = calloc(m->cap, sizeof(*m->val));
	m->used = calloc(m->cap, 1);
	if (!m->key || !m->val || !m->used) {
		fprintf(stderr, "dump_check: out of memory\n");
		exit(1);
	}
	for (i = 0; i < old.cap; i++)
		if (old.used[i])
			hmap_put(m, old.key[i], old.val[i]);
	free(old.key);
	free(old.val);
	free(old.used);
}

static void hmap_put(struct hmap *m, uint64_t key, uint64_t val)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap)
		hmap_grow(m);
	i = hslot(m, key);
	m->n += !m->used[i];
	m->used[i] = 1;
	m->key[i] = key;
	m->val[i] = val;
}

static bool hmap_get(const struct hmap *m, uint64_t key, uint64_t *val)
{
	size_t i;

	if (!m->cap)
		return false;
	i = hslot(m, key);
	if (m->used[i] && val)
		*val = m->val[i];
	return m->used[i];
}

static void hmap_free(struct hmap *m)
{
	free(m->key);
	free(m->val);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

/* ---- one dump ---- */

struct pte_line {
	uint64_t page;
	int level;
	unsigned int index;
	uint64_t val;
};

struct dump {
	int stage;
	unsigned int granule, ia;
	int start_level;
	uint64_t root, ctrl, mair;
	unsigned int root_pages;
	int fwb;
	bool oa52;		/* descriptors carry OA[51:48] (FEAT_LPA or DS=1) */
	struct pte_line *e;
	size_t n, cap;
	struct hmap mem;	/* descriptor pa -> value */
	struct hmap pages;	/* table page pa -> its level */
	struct hmap first;	/* table page pa -> index of its first line */
	struct ref_regime rg;
};

struct checker {
	const char *name;
	unsigned long line;
	unsigned long dumps, xlats, failures;
	bool have_dump;		/* the last dump still describes the table */
	struct dump d;
};

static void fail(struct checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%lu: ", c->name, c->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	c->failures++;
}

static void dump_reset(struct dump *d)
{
	free(d->e);
	hmap_free(&d->mem);
	hmap_free(&d->pages);
	hmap_free(&d->first);
	memset(d, 0, sizeof(*d));
}

/* The table page holding @pa: one of the root pages, or a granule-aligned page. */
static uint64_t page_of(const struct dump *d, uint64_t pa)
{
	uint64_t root_end = d->root + (uint64_t)d->root_pages * d->granule;

	if (pa >= d->root && pa < root_end)
		return d->root + (pa - d->root) / d->granule * d->granule;
	return pa & ~((uint64_t)d->granule - 1);
}

/* ref_xlat's memory: the dumped entries; zero elsewhere in a known table page. */
static bool dump_read64(void *ctx, uint64_t pa, uint64_t *val)
{
	const struct dump *d = ctx;

	if ((pa & 7) || !hmap_get(&d->pages, page_of(d, pa), NULL))
		return false;
	if (!hmap_get(&d->mem, pa, val))
		*val = 0;
	return true;
}

/* After the registers: " e2h=1" (stage 1) and " xnx=1" (stage 2), each only if set. */
static bool parse_flags(struct dump *d, const char *line)
{
	int used = 0;

	if (d->stage == 1 && sscanf(line, " e2h=1%n", &used) == 0 && used) {
		d->rg.e2h = true;
		line += used;
	}
	used = 0;
	if (d->stage == 2 && sscanf(line, " xnx=1%n", &used) == 0 && used) {
		d->rg.xnx = true;
		line += used;
	}
	return !strcmp(line, "\n") || !*line;
}

/*
 * The regime the registers describe.  The dump's root is a plain address;
 * the TTBR holds BADDR[51:48] in bits 5:2 when descriptors carry OA[51:48].
 */
static void setup_regime(struct dump *d)
{
	struct ref_regime_info info;

	d->rg.stage = d->stage;
	d->rg.ctrl = d->ctrl;
	d->rg.ttbr = d->root;
	d->rg.mair = d->mair;
	d->rg.fwb = d->fwb;
	d->rg.read64 = dump_read64;
	d->rg.ctx = d;
	if (ref_regime_info(&d->rg, &info))
		return;		/* check_with_ref() reports the registers */
	d->oa52 = info.ds || (info.granule_shift == 16 && info.oa_bits == 52);
	if (d->oa52)
		d->rg.ttbr = (d->root & ~0xffff00000000003full) | (d->root >> 48) << 2;
}

static bool parse_header(struct dump *d, const char *line)
{
	unsigned long long root, ctrl = 0, mair = 0;
	int n, used = 0;

	n = sscanf(line, "dump stage=%d granule=%u ia=%u start_level=%d root=0x%llx root_pages=%u%n",
		   &d->stage, &d->granule, &d->ia, &d->start_level, &root, &d->root_pages, &used);
	if (n != 6 || !used)
		return false;
	d->root = root;
	line += used;
	used = 0;
	if (d->stage == 1)
		n = sscanf(line, " tcr=0x%llx mair=0x%llx%n", &ctrl, &mair, &used) == 2;
	else
		n = d->stage == 2 &&
		    sscanf(line, " vtcr=0x%llx fwb=%d%n", &ctrl, &d->fwb, &used) == 2;
	d->ctrl = ctrl;
	d->mair = d->stage == 1 ? mair : 0;
	if (!n || !used || !parse_flags(d, line + used))
		return false;
	setup_regime(d);
	return d->granule && !(d->granule & (d->granule - 1)) && d->root_pages;
}

static bool add_line(struct dump *d, const char *line)
{
	unsigned long long page, val;
	struct pte_line e;
	int used = 0;

	if (sscanf(line, "pte 0x%llx %d %u 0x%llx%n", &page, &e.level, &e.index, &val,
		   &used) != 4 || !used || (line[used] != '\n' && line[used] != '\0'))
		return false;
	e.page = page;
	e.val = val;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->e = realloc(d->e, d->cap * sizeof(*d->e));
		if (!d->e)
			return false;
	}
	d->e[d->n++] = e;
	return true;
}

/* Fill the fake memory; every index in its page, no entry twice. */
static void build_memory(struct checker *c)
{
	struct dump *d = &c->d;
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct pte_line *e = &d->e[i];
		uint64_t pa = e->page + 8ull * e->index;

		if (e->index >= d->granule / 8 || page_of(d, e->page) != e->page)
			fail(c, "pte 0x%" PRIx64 " index %u: not inside a table page", e->page, e->index);
		else if (hmap_get(&d->mem, pa, NULL))
			fail(c, "pte 0x%" PRIx64 " index %u: dumped twice", e->page, e->index);
		else
			hmap_put(&d->mem, pa, e->val);
	}
}

static bool is_table(const struct pte_line *e)
{
	return e->level < 3 && (e->val & 3) == 3;
}

/* A table descriptor's next-level address: bits 47:granule, and OA[51:48] where it goes. */
static uint64_t next_table(const struct dump *d, uint64_t desc)
{
	uint64_t pa = desc & ((1ull << 48) - 1) & ~((uint64_t)d->granule - 1);

	if (d->oa52 && d->granule == 65536)
		pa |= (desc >> 12 & 0xf) << 48;
	else if (d->oa52)
		pa |= (desc & (3ull << 48)) | (desc >> 8 & 3) << 50;
	return pa;
}

/* The root pages and every page a table descriptor points to, with levels. */
static void known_pages(struct checker *c)
{
	struct dump *d = &c->d;
	uint64_t level;
	size_t i;

	for (i = 0; i < d->root_pages; i++)
		hmap_put(&d->pages, d->root + i * d->granule, d->start_level);
	for (i = 0; i < d->n; i++) {
		const struct pte_line *e = &d->e[i];
		uint64_t child = next_table(d, e->val);

		if (!is_table(e))
			continue;
		if (hmap_get(&d->pages, child, &level) && level != (uint64_t)e->level + 1)
			fail(c, "table 0x%" PRIx64 " reached at two levels", child);
		hmap_put(&d->pages, child, e->level + 1);
	}
}

/* Every line is in a reachable page, at that page's level. */
static void check_reachable(struct checker *c)
{
	struct dump *d = &c->d;
	uint64_t level;
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct pte_line *e = &d->e[i];

		if (!hmap_get(&d->pages, e->page, &level))
			fail(c, "pte 0x%" PRIx64 ": not the root nor reachable from it", e->page);
		else if (level != (uint64_t)e->level)
			fail(c, "pte 0x%" PRIx64 " %u: level %d, the tree says %d", e->page,
			     e->index, e->level, (int)level);
	}
}

/*
 * Each page's lines together, in index order; returns the pages in the order
 * they appear (and records where each starts), or NULL on a violation.
 */
static uint64_t *observed_order(struct checker *c, size_t *npages)
{
	struct dump *d = &c->d;
	uint64_t *seen = malloc((d->n + 1) * sizeof(*seen));
	size_t i, k = 0;

	for (i = 0; seen && i < d->n; i++) {
		const struct pte_line *e = &d->e[i];

		if (i && e->page == d->e[i - 1].page) {
			if (e->index <= d->e[i - 1].index)
				fail(c, "pte 0x%" PRIx64 ": index %u after %u", e->page, e->index,
				     d->e[i - 1].index);
			continue;
		}
		if (hmap_get(&d->first, e->page, NULL)) {
			fail(c, "pte 0x%" PRIx64 ": the page's lines are not together", e->page);
			free(seen);
			return NULL;
		}
		hmap_put(&d->first, e->page, i);
		seen[k++] = e->page;
	}
	*npages = k;
	return seen;
}

struct order {
	uint64_t *pages;
	size_t n, cap;
};

static void order_push(struct order *o, uint64_t page)
{
	if (o->n < o->cap)
		o->pages[o->n] = page;
	o->n++;		/* counts past cap: a mismatch anyway */
}

/* Depth-first, address order: the pages with lines below @page. */
static void expect_children(const struct dump *d, struct order *o, uint64_t page)
{
	uint64_t i;

	if (!hmap_get(&d->first, page, &i))
		return;
	for (; i < d->n && d->e[i].page == page; i++) {
		uint64_t child = next_table(d, d->e[i].val);

		if (!is_table(&d->e[i]) || !hmap_get(&d->first, child, NULL) || o->n > o->cap)
			continue;
		order_push(o, child);
		if (d->e[i].level + 1 < 3)
			expect_children(d, o, child);
	}
}

/* Root pages first, then depth-first in address order. */
static void check_order(struct checker *c)
{
	struct dump *d = &c->d;
	struct order o = { 0 };
	size_t i, n;
	uint64_t *seen = observed_order(c, &n);

	if (!seen)
		return;
	o.pages = malloc((n + 1) * sizeof(*o.pages));
	o.cap = n;
	for (i = 0; o.pages && i < d->root_pages; i++)
		if (hmap_get(&d->first, d->root + i * d->granule, NULL))
			order_push(&o, d->root + i * d->granule);
	for (i = 0; o.pages && i < d->root_pages; i++)
		expect_children(d, &o, d->root + i * d->granule);
	if (!o.pages || o.n != n || memcmp(o.pages, seen, n * sizeof(*seen)))
		fail(c, "table pages not in the order root pages, then depth-first");
	free(o.pages);
	free(seen);
}

/* What the reference walker thinks of the tree as a whole. */
static void check_with_ref(struct checker *c)
{
	struct dump *d = &c->d;
	long tables, bad;

	bad = ref_visit_bad_entries(&d->rg, NULL, NULL);
	tables = ref_count_tables(&d->rg);
	if (bad)
		fail(c, "the reference walker finds %ld malformed entries (or -1: bad registers)",
		     bad);
	if (tables != (long)d->pages.n)
		fail(c, "the reference walker counts %ld table pages, the dump has %zu", tables,
		     d->pages.n);
}

/* Read the lines up to "end"; false if the dump is cut or garbled. */
static bool read_dump(struct checker *c, FILE *in, const char *header)
{
	char *line = NULL;
	size_t cap = 0;
	bool ok = false;

	dump_reset(&c->d);
	if (!parse_header(&c->d, header)) {
		fail(c, "bad dump header: %s", header);
		return false;
	}
	while (getline(&line, &cap, in) >= 0) {
		c->line++;
		if (!strcmp(line, "end\n") || !strcmp(line, "end")) {
			ok = true;
			break;
		}
		if (!add_line(&c->d, line)) {
			fail(c, "not a pte line: %s", line);
			break;
		}
	}
	if (!ok && !c->failures)
		fail(c, "dump without end");
	free(line);
	return ok;
}

static void check_dump(struct checker *c, FILE *in, const char *header)
{
	unsigned long before = c->failures;

	c->have_dump = false;
	if (!read_dump(c, in, header))
		return;
	c->dumps++;
	build_memory(c);
	known_pages(c);
	check_reachable(c);
	check_order(c);
	check_with_ref(c);
	c->have_dump = c->failures == before;
}

/*
 * The tool's spelling: r, w, then x (EL1 and EL0 execute; stage 1: EL2),
 * px (EL1 only) or ux (EL0 only), then d (any Device type) or nc.
 */
static const char *prot_letters(const struct ref_result *res, int stage, char buf[8])
{
	bool ux = stage == 2 && res->ux;
	char *p = buf;

	if (res->r)
		*p++ = 'r';
	if (res->w)
		*p++ = 'w';
	if (res->x && (ux || stage == 1))
		*p++ = 'x';
	else if (res->x)
		p = stpcpy(p, "px");
	else if (ux)
		p = stpcpy(p, "ux");
	if (res->mt <= REF_MT_DEVICE_GRE)
		*p++ = 'd';
	else if (res->mt == REF_MT_NORMAL_NC)
		p = stpcpy(p, "nc");
	if (p == buf)
		*p++ = '-';
	*p = '\0';
	return buf;
}

/* The hypervisor's own mappings grant EL0 nothing (the EL2&0 regime has an EL0). */
static bool el0_has_access(const struct dump *d, const struct ref_result *res)
{
	return d->stage == 1 && (res->ur || res->uw || res->ux);
}

/* The stage-2 owner annotation of an invalid entry: bits 15:2. */
static unsigned int owner_of(const struct dump *d, uint64_t desc)
{
	return d->stage == 2 && !(desc & 1) ? (desc >> 2) & 0x3fff : 0;
}

/* The line "translate" must print for @ia, from the reference walk. */
static void expected_line(const struct dump *d, uint64_t ia, char *buf, size_t size)
{
	unsigned long long a = ia;
	struct ref_result res;
	char prot[8];
	int n = snprintf(buf, size, "translate 0x%llx ", a);

	buf += n;
	size -= n;
	if (d->ia < 64 && (ia >> d->ia)) {
		snprintf(buf, size, "error ERANGE");
	} else if (ref_translate(&d->rg, ia, REF_ACC_NONE, &res)) {
		snprintf(buf, size, "(the registers are misconfigured)");
	} else if (res.fault == REF_OK && el0_has_access(d, &res)) {
		snprintf(buf, size, "(EL0 may access the hypervisor's 0x%llx)",
			 (unsigned long long)res.pa);
	} else if (res.fault == REF_OK) {
		snprintf(buf, size, "pa=0x%llx prot=%s level=%d size=0x%llx",
			 (unsigned long long)res.pa, prot_letters(&res, d->stage, prot), res.level,
			 (unsigned long long)res.leaf_size);
	} else if (res.fault == REF_FAULT_ACCESS_FLAG) {
		snprintf(buf, size, "fault=access level=%d", res.level);
	} else if (res.fault == REF_FAULT_TRANSLATION && owner_of(d, res.desc)) {
		snprintf(buf, size, "owner=%u level=%d", owner_of(d, res.desc), res.level);
	} else if (res.fault == REF_FAULT_TRANSLATION) {
		snprintf(buf, size, "fault=translation level=%d", res.level);
	} else {
		snprintf(buf, size, "(%s fault at level %d)", ref_fault_str(res.fault), res.level);
	}
}

static void check_translate(struct checker *c, char *line)
{
	unsigned long long ia;
	char want[256];

	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "translate 0x%llx", &ia) != 1) {
		fail(c, "not a translate line: %s", line);
		return;
	}
	expected_line(&c->d, ia, want, sizeof(want));
	c->xlats++;
	if (strcmp(line, want))
		fail(c, "tool:      %s\n    reference: %s", line, want);
}

static void check_stream(struct checker *c, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, in) >= 0) {
		c->line++;
		if (!strncmp(line, "dump stage=", 11))
			check_dump(c, in, line);
		else if (!strncmp(line, "translate ", 10) && c->have_dump)
			check_translate(c, line);
		else if (line[0] == '{')
			continue;	/* "dump --json" changes nothing */
		else
			c->have_dump = false;	/* anything else may change the table */
	}
	free(line);
}

int main(int argc, char **argv)
{
	struct checker c = { .name = "-" };
	unsigned long min = 0;
	FILE *in = stdin;

	if (argc > 2 && !strcmp(argv[1], "--min")) {
		min = strtoul(argv[2], NULL, 0);
		argc -= 2;
		argv += 2;
	}
	if (argc > 1 && strcmp(argv[1], "-")) {
		c.name = argv[1];
		in = fopen(argv[1], "r");
		if (!in) {
			perror(argv[1]);
			return 2;
		}
	}
	check_stream(&c, in);
	dump_reset(&c.d);
	printf("dump_check %s: %lu dumps, %lu translations checked, %lu failures\n", c.name,
	       c.dumps, c.xlats, c.failures);
	if (c.xlats < min)
		fprintf(stderr, "dump_check: fewer than %lu translations checked\n", min);
	return c.failures || c.xlats < min;
}
