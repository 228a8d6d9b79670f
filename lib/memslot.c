// SPDX-License-Identifier: GPL-2.0-only
/*
 * memslot.c - a VM's memslots: per address space, a gfn-sorted array for
 * O(log n) lookups by guest frame, and an hva index over it (an implicit
 * interval tree) for lookups and range queries by host address.
 * Invariant: slots never overlap in gfn; the hva index is rebuilt whenever
 * the array changes, so every query sees one consistent set.
 */
#include "memslot.h"

void pgt_vm_memslots_init(struct pgt_vm_memslots *ms, struct pgt_memslot *slots,
			  struct pgt_memslot_hva_node *hva, u32 capacity)
{
	ms->slots = slots;
	ms->hva = hva;
	ms->nr = 0;
	ms->capacity = capacity;
	ms->probes = 0;
}

static struct pgt_vm_memslots *vm_space(struct pgt_vm *vm, u32 as_id)
{
	return as_id < vm->nr_spaces ? &vm->spaces[as_id] : NULL;
}

u64 pgt_vm_slot_hva_end(const struct pgt_vm *vm, const struct pgt_memslot *s)
{
	return s->userspace_addr + (s->npages << vm->page_shift);
}

/* Lossy under concurrent lookups, never torn: statistics only. */
static void count_probes(struct pgt_vm_memslots *ms, u32 probes)
{
	pgt_write_once(&ms->probes, pgt_read_once(&ms->probes) + probes);
}

static int memslot_check(const struct pgt_vm *vm, const struct pgt_memslot *s)
{
	u32 shift = vm->page_shift;
	u64 ipa_pages = 1ULL << (vm->cfg.ia_bits - shift);

	if (s->as_id >= vm->nr_spaces || !s->npages || (s->flags & ~PGT_MEMSLOT_READONLY))
		return -EINVAL;
	if (s->base_gfn + s->npages < s->base_gfn || s->npages > (~0ULL >> shift))
		return -EINVAL;
	/* A host range ending at 2^64 cannot be written as [start, end) either. */
	if (!PGT_IS_ALIGNED(s->userspace_addr, 1ULL << shift) ||
	    pgt_vm_slot_hva_end(vm, s) <= s->userspace_addr)
		return -EINVAL;
	if (s->base_gfn + s->npages > ipa_pages)
		return -ERANGE;
	return 0;
}

/* How many slots start at or below @gfn: the index just after them. */
static u32 gfn_upper_bound(const struct pgt_vm_memslots *ms, u64 gfn, u32 *probes)
{
	u32 lo = 0, hi = ms->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		(*probes)++;
		if (ms->slots[mid].base_gfn <= gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* @s would go at @pos: only its neighbours there can overlap it. */
static bool gfn_overlaps(const struct pgt_vm_memslots *ms, u32 pos, const struct pgt_memslot *s)
{
	const struct pgt_memslot *prev = pos ? &ms->slots[pos - 1] : NULL;
	const struct pgt_memslot *next = pos < ms->nr ? &ms->slots[pos] : NULL;

	return (prev && prev->base_gfn + prev->npages > s->base_gfn) ||
	       (next && next->base_gfn < s->base_gfn + s->npages);
}

/* The hva order: by userspace_addr, aliases by gfn (slot index) for stability. */
static bool hva_before(const struct pgt_vm_memslots *ms, u32 a, u32 b)
{
	u64 ha = ms->slots[a].userspace_addr, hb = ms->slots[b].userspace_addr;

	return ha < hb || (ha == hb && a < b);
}

/* The index of the first of the @nr hva entries that does not sort before @slot. */
static u32 hva_lower_bound(const struct pgt_vm_memslots *ms, u32 nr, u32 slot)
{
	u32 lo = 0, hi = nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (hva_before(ms, ms->hva[mid].slot, slot))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The hva index is an implicit balanced tree: the root of [lo, hi) is its
 * middle entry.  Each entry records the largest hva end below it, so a query
 * skips every subtree that ends before its range even when slots alias.
 * Rebuilt whole after each change, which costs O(n) like the change itself.
 */
static u64 hva_build(const struct pgt_vm *vm, struct pgt_vm_memslots *ms, u32 lo, u32 hi)
{
	u32 mid = lo + (hi - lo) / 2;
	u64 end, sub;

	if (lo >= hi)
		return 0;
	end = pgt_vm_slot_hva_end(vm, &ms->slots[ms->hva[mid].slot]);
	sub = hva_build(vm, ms, lo, mid);
	if (sub > end)
		end = sub;
	sub = hva_build(vm, ms, mid + 1, hi);
	if (sub > end)
		end = sub;
	ms->hva[mid].max_end = end;
	return end;
}

/* Make room at @pos in the gfn order; the hva index follows the slots. */
static void slots_insert(struct pgt_vm_memslots *ms, u32 pos, const struct pgt_memslot *s)
{
	u32 i;

	for (i = ms->nr; i > pos; i--)
		ms->slots[i] = ms->slots[i - 1];
	ms->slots[pos] = *s;
	for (i = 0; i < ms->nr; i++)
		if (ms->hva[i].slot >= pos)
			ms->hva[i].slot++;
}

/* Add slot @slot (already in the gfn order) to the hva order. */
static void hva_insert(struct pgt_vm_memslots *ms, u32 slot)
{
	u32 at = hva_lower_bound(ms, ms->nr, slot), i;

	for (i = ms->nr; i > at; i--)
		ms->hva[i] = ms->hva[i - 1];
	ms->hva[at].slot = slot;
	ms->nr++;
}

int pgt_vm_memslot_insert(struct pgt_vm *vm, const struct pgt_memslot *slot)
{
	struct pgt_vm_memslots *ms;
	u32 pos, probes = 0;
	int ret = memslot_check(vm, slot);

	if (ret)
		return ret;
	ms = vm_space(vm, slot->as_id);
	pos = gfn_upper_bound(ms, slot->base_gfn, &probes);
	if (gfn_overlaps(ms, pos, slot))
		return -EEXIST;
	if (ms->nr == ms->capacity)
		return -ENOMEM;
	slots_insert(ms, pos, slot);
	hva_insert(ms, pos);
	hva_build(vm, ms, 0, ms->nr);
	return 0;
}

/* Take slot @slot out of both orders. */
static void slots_remove(struct pgt_vm_memslots *ms, u32 slot)
{
	u32 at = hva_lower_bound(ms, ms->nr, slot), i;

	for (i = at; i + 1 < ms->nr; i++)
		ms->hva[i] = ms->hva[i + 1];
	for (i = slot; i + 1 < ms->nr; i++)
		ms->slots[i] = ms->slots[i + 1];
	ms->nr--;
	for (i = 0; i < ms->nr; i++)
		if (ms->hva[i].slot > slot)
			ms->hva[i].slot--;
}

int pgt_vm_unmap_gfns(struct pgt_vm *vm, u32 as_id, u64 start, u64 end)
{
	u32 shift = vm->page_shift;
	struct pgt_s2_mmu *m;
	int ret;

	for (m = vm->mmus; m; m = m->next) {
		if (!mmu_owns_root_of(m, as_id))
			continue;
		ret = pgt_stage2_unmap(&m->pgt, start << shift, (end - start) << shift);
		if (ret)
			return ret;
	}
	return 0;
}

int pgt_vm_memslot_delete(struct pgt_vm *vm, u32 as_id, u64 base_gfn)
{
	struct pgt_vm_memslots *ms = vm_space(vm, as_id);
	const struct pgt_memslot *s;
	u32 pos, probes = 0;
	int ret;

	if (!ms)
		return -EINVAL;
	pos = gfn_upper_bound(ms, base_gfn, &probes);
	if (!pos || ms->slots[pos - 1].base_gfn != base_gfn)
		return -ENOENT;
	s = &ms->slots[pos - 1];
	ret = pgt_vm_unmap_gfns(vm, as_id, s->base_gfn, s->base_gfn + s->npages);
	if (ret)
		return ret;
	slots_remove(ms, pos - 1);
	hva_build(vm, ms, 0, ms->nr);
	return 0;
}

const struct pgt_memslot *pgt_vm_memslot_find_gfn(struct pgt_vm *vm, u32 as_id, u64 gfn)
{
	struct pgt_vm_memslots *ms = vm_space(vm, as_id);
	const struct pgt_memslot *s;
	u32 pos, probes = 0;

	if (!ms)
		return NULL;
	pos = gfn_upper_bound(ms, gfn, &probes);
	count_probes(ms, probes);
	if (!pos)
		return NULL;
	s = &ms->slots[pos - 1];
	return gfn - s->base_gfn < s->npages ? s : NULL;
}

static int hva_query_walk(struct hva_query *q, u32 lo, u32 hi)
{
	const struct pgt_memslot_hva_node *node;
	const struct pgt_memslot *s;
	u32 mid = lo + (hi - lo) / 2;
	int ret;

	if (lo >= hi)
		return 0;
	node = &q->ms->hva[mid];
	q->probes++;
	if (node->max_end <= q->start)
		return 0;	/* everything below ends before the range */
	ret = hva_query_walk(q, lo, mid);
	if (ret)
		return ret;
	s = &q->ms->slots[node->slot];
	if (s->userspace_addr >= q->end)
		return 0;	/* it, and all to its right, start after the range */
	if (pgt_vm_slot_hva_end(q->vm, s) > q->start) {
		ret = q->visit(q, s);
		if (ret)
			return ret;
	}
	return hva_query_walk(q, mid + 1, hi);
}

int pgt_vm_hva_query(struct hva_query *q, struct pgt_vm_memslots *ms)
{
	int ret;

	q->ms = ms;
	q->probes = 0;
	ret = hva_query_walk(q, 0, ms->nr);
	count_probes(ms, q->probes);
	return ret;
}

struct hva_find {
	struct hva_query q;	/* first: the visitor gets &q */
	const struct pgt_memslot *found;
};

static int hva_find_visit(struct hva_query *q, const struct pgt_memslot *slot)
{
	((struct hva_find *)q)->found = slot;
	return 1;
}

const struct pgt_memslot *pgt_vm_memslot_find_hva(struct pgt_vm *vm, u32 as_id, u64 hva)
{
	struct pgt_vm_memslots *ms = vm_space(vm, as_id);
	struct hva_find f = {
		.q = { .vm = vm, .start = hva, .end = hva + 1, .visit = hva_find_visit },
	};

	if (!ms || hva == ~0ULL)
		return NULL;	/* no slot reaches the last byte: it would end at 2^64 */
	pgt_vm_hva_query(&f.q, ms);
	return f.found;
}
