// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM/arm64's stage-2 and EL2 stage-1 page tables on libpgtable: the
 * kvm_pgtable_* API of <asm/kvm_pgtable.h>, each call one libpgtable
 * operation on the tree embedded in struct kvm_pgtable.  Built for the
 * kernel proper (VHE, and the host side of nVHE) and for the nVHE
 * hypervisor, which links its own copy of lib/libpgtable/.
 *
 * The only state here is the bridge between the two homes: KVM's
 * struct kvm_pgtable_mm_ops (virtual addresses, a memcache argument to
 * zalloc_page, TLB maintenance left to the caller of the table code) and
 * libpgtable's struct pgt_mm_ops (physical addresses for cache maintenance,
 * TLB maintenance through hooks).  6.1's KVM has no shared walks: every
 * call runs under its caller's lock, and so does the memcache of the call
 * in progress that the bridge keeps in the tree.
 */
#include <linux/bitfield.h>
#include <asm/kvm_pgtable.h>
#include <asm/kvm_mmu.h>
#include <asm/stage2_pgtable.h>

static struct kvm_pgtable *kvm_pgt_of(struct pgt_mm_ops *mm)
{
	return container_of(mm, struct kvm_pgtable, lib_mm);
}

static struct kvm_pgtable_mm_ops *kvm_mm_of(struct pgt_mm_ops *mm)
{
	return kvm_pgt_of(mm)->mm_ops;
}

/*
 * Tables are pages of the kernel's granule: KVM configures no other.  A
 * stage-2 map without a memcache (kvm_set_spte_gfn()) may only use the
 * tables that are there, as in KVM: libpgtable counts what the map needs
 * before it changes anything, and fails with -ENOMEM if that is a page.
 * The hyp's allocators take no memcache.
 */
static void *bridge_zalloc_page(struct pgt_mm_ops *mm, u32 size)
{
	struct kvm_pgtable *pgt = kvm_pgt_of(mm);

	if (WARN_ON(size != PAGE_SIZE))
		return NULL;
	if (pgt->lib.stage == PGT_STAGE_2 && !pgt->memcache)
		return NULL;
	return pgt->mm_ops->zalloc_page(pgt->memcache);
}

/*
 * A root of one page comes from zalloc_page where the home has no exact
 * allocator (the hypervisor's early allocator and pool).
 */
static void *bridge_zalloc_pages_exact(struct pgt_mm_ops *mm, u64 size)
{
	struct kvm_pgtable_mm_ops *kvm_mm = kvm_mm_of(mm);

	if (kvm_mm->zalloc_pages_exact)
		return kvm_mm->zalloc_pages_exact(size);
	if (size != PAGE_SIZE)
		return NULL;
	return kvm_mm->zalloc_page(NULL);
}

static void bridge_free_pages_exact(struct pgt_mm_ops *mm, void *addr, u64 size)
{
	struct kvm_pgtable_mm_ops *kvm_mm = kvm_mm_of(mm);

	if (kvm_mm->free_pages_exact)
		kvm_mm->free_pages_exact(addr, size);
	else if (kvm_mm->put_page)
		kvm_mm->put_page(addr);
}

/*
 * The early allocator of the protected hypervisor counts no references:
 * its tables are counted afterwards (fix_hyp_pgtable_refcnt()).
 */
static void bridge_get_page(struct pgt_mm_ops *mm, void *addr)
{
	struct kvm_pgtable_mm_ops *kvm_mm = kvm_mm_of(mm);

	if (kvm_mm->get_page)
		kvm_mm->get_page(addr);
}

static void bridge_put_page(struct pgt_mm_ops *mm, void *addr)
{
	struct kvm_pgtable_mm_ops *kvm_mm = kvm_mm_of(mm);

	if (kvm_mm->put_page)
		kvm_mm->put_page(addr);
}

static int bridge_page_count(struct pgt_mm_ops *mm, void *addr)
{
	struct kvm_pgtable_mm_ops *kvm_mm = kvm_mm_of(mm);

	return kvm_mm->page_count ? kvm_mm->page_count(addr) : 1;
}

static void *bridge_phys_to_virt(struct pgt_mm_ops *mm, u64 phys)
{
	return kvm_mm_of(mm)->phys_to_virt(phys);
}

/* The user tables get_user_mapping_size() walks come with phys_to_virt only. */
static u64 bridge_virt_to_phys(struct pgt_mm_ops *mm, void *addr)
{
	struct kvm_pgtable_mm_ops *kvm_mm = kvm_mm_of(mm);

	return kvm_mm->virt_to_phys ? kvm_mm->virt_to_phys(addr) : 0;
}

static void bridge_dcache_clean_inval_poc(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	struct kvm_pgtable_mm_ops *kvm_mm = kvm_mm_of(mm);

	if (kvm_mm->dcache_clean_inval_poc)
		kvm_mm->dcache_clean_inval_poc(kvm_mm->phys_to_virt(phys), size);
}

static void bridge_icache_inval_pou(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	struct kvm_pgtable_mm_ops *kvm_mm = kvm_mm_of(mm);

	if (kvm_mm->icache_inval_pou)
		kvm_mm->icache_inval_pou(kvm_mm->phys_to_virt(phys), size);
}

/* KVM's TTL hint: the level of the changed entry, 0 for none. */
static int kvm_ttl_level(pgt_s8 level)
{
	return level > 0 ? level : 0;
}

static void s2_tlbi_va(struct pgt_mm_ops *mm, void *cookie, u64 addr, pgt_s8 level, bool leaf)
{
	kvm_call_hyp(__kvm_tlb_flush_vmid_ipa, cookie, addr, kvm_ttl_level(level));
}

static void s2_tlbi_all(struct pgt_mm_ops *mm, void *cookie)
{
	kvm_call_hyp(__kvm_tlb_flush_vmid, cookie);
}

/* Beyond this many entries one VMID-wide invalidation is the cheaper. */
#define S2_TLBI_RANGE_MAX_ENTRIES	64

/*
 * A range the library batched (an unmap's entries, invalidated once after
 * the walk): 6.1's hypervisor has no ranged TLBI, so entry by entry while
 * that is short, else the whole VMID.  Deleting a memslot of 4K pages thus
 * costs one invalidation instead of one per page (each a hypercall in nVHE).
 */
static void s2_tlbi_range(struct pgt_mm_ops *mm, void *cookie, u64 addr, u64 size,
			  pgt_s8 level)
{
	u64 stride = level > 0 ? kvm_granule_size(level) : PAGE_SIZE;
	u64 end = addr + size;

	if (size / stride > S2_TLBI_RANGE_MAX_ENTRIES) {
		s2_tlbi_all(mm, cookie);
		return;
	}
	for (; addr < end; addr += stride)
		kvm_call_hyp(__kvm_tlb_flush_vmid_ipa, cookie, addr, kvm_ttl_level(level));
}

/*
 * EL2's TLB can only be invalidated at EL2: by the nVHE hypervisor, or by a
 * VHE kernel.  A kernel at EL1 only ever adds EL2 mappings (into invalid
 * entries, which needs no invalidation), so being asked to is a bug.
 */
static bool hyp_tlbi_possible(void)
{
#ifdef __KVM_NVHE_HYPERVISOR__
	return true;
#else
	return !WARN_ON_ONCE(!is_kernel_in_hyp_mode());
#endif
}

static void hyp_tlbi_va(struct pgt_mm_ops *mm, void *cookie, u64 addr, pgt_s8 level, bool leaf)
{
	if (!hyp_tlbi_possible())
		return;
	if (leaf)
		__tlbi_level(vale2is, __TLBI_VADDR(addr, 0), kvm_ttl_level(level));
	else
		__tlbi_level(vae2is, __TLBI_VADDR(addr, 0), kvm_ttl_level(level));
}

static void hyp_tlbi_all(struct pgt_mm_ops *mm, void *cookie)
{
	if (hyp_tlbi_possible())
		__tlbi(alle2is);
}

static void bridge_init(struct kvm_pgtable *pgt, struct kvm_pgtable_mm_ops *mm_ops, bool stage2)
{
	pgt->mm_ops = mm_ops;
	pgt->memcache = NULL;
	pgt->lib_mm = (struct pgt_mm_ops){
		.zalloc_page = bridge_zalloc_page,
		.zalloc_pages_exact = bridge_zalloc_pages_exact,
		.free_pages_exact = bridge_free_pages_exact,
		.get_page = bridge_get_page,
		.put_page = bridge_put_page,
		.page_count = bridge_page_count,
		.phys_to_virt = bridge_phys_to_virt,
		.virt_to_phys = bridge_virt_to_phys,
		.dcache_clean_inval_poc = bridge_dcache_clean_inval_poc,
		.icache_inval_pou = bridge_icache_inval_pou,
		.tlbi_va = stage2 ? s2_tlbi_va : hyp_tlbi_va,
		.tlbi_range = stage2 ? s2_tlbi_range : NULL,
		.tlbi_all = stage2 ? s2_tlbi_all : hyp_tlbi_all,
	};
}

/* KVM's protections in libpgtable's spelling, and back. */
static u32 lib_prot(enum kvm_pgtable_prot prot)
{
	u32 p = 0;

	p |= prot & KVM_PGTABLE_PROT_R ? PGT_PROT_R : 0;
	p |= prot & KVM_PGTABLE_PROT_W ? PGT_PROT_W : 0;
	p |= prot & KVM_PGTABLE_PROT_X ? PGT_PROT_X : 0;
	p |= prot & KVM_PGTABLE_PROT_DEVICE ? PGT_PROT_DEVICE : 0;
	p |= prot & KVM_PGTABLE_PROT_SW0 ? PGT_PROT_SW0 : 0;
	p |= prot & KVM_PGTABLE_PROT_SW1 ? PGT_PROT_SW1 : 0;
	p |= prot & KVM_PGTABLE_PROT_SW2 ? PGT_PROT_SW2 : 0;
	p |= prot & KVM_PGTABLE_PROT_SW3 ? PGT_PROT_SW3 : 0;
	return p;
}

static enum kvm_pgtable_prot kvm_prot(u32 p)
{
	enum kvm_pgtable_prot prot = 0;

	prot |= p & PGT_PROT_R ? KVM_PGTABLE_PROT_R : 0;
	prot |= p & PGT_PROT_W ? KVM_PGTABLE_PROT_W : 0;
	prot |= (p & PGT_PROT_X) == PGT_PROT_X ? KVM_PGTABLE_PROT_X : 0;
	prot |= p & PGT_PROT_SW0 ? KVM_PGTABLE_PROT_SW0 : 0;
	prot |= p & PGT_PROT_SW1 ? KVM_PGTABLE_PROT_SW1 : 0;
	prot |= p & PGT_PROT_SW2 ? KVM_PGTABLE_PROT_SW2 : 0;
	prot |= p & PGT_PROT_SW3 ? KVM_PGTABLE_PROT_SW3 : 0;
	return prot;
}

/* The output size the CPU has, as the ID register encodes it (48 at most here). */
static u32 kvm_cpu_pa_bits(u64 mmfr0)
{
	u32 bits = id_aa64mmfr0_parange_to_phys_shift(kvm_get_parange(mmfr0));

	return bits > 48 ? 48 : bits;
}

static void kvm_pgt_publish(struct kvm_pgtable *pgt)
{
	pgt->ia_bits = pgt->lib.geom.ia_bits;
	pgt->start_level = pgt->lib.geom.start_level;
	pgt->pgd = pgt->lib.root;
}

/*
 * KVM's calls take any range and output address and round them out to
 * pages (create_hyp_mappings() maps from a symbol's own address); the
 * library takes pages only.
 */
static u64 kvm_page_range(u64 *addr, u64 size)
{
	u64 end = PAGE_ALIGN(*addr + size);

	*addr = ALIGN_DOWN(*addr, PAGE_SIZE);
	return end - *addr;
}

/* ---- EL2 stage 1 ---- */

/*
 * EL2 runs with the kernel's MAIR_EL1 (the host hands it over at hyp init;
 * a VHE kernel's MAIR_EL1 is MAIR_EL2): leaves take its indices.
 */
static u64 kvm_hyp_mair(void)
{
#ifdef __KVM_NVHE_HYPERVISOR__
	return read_sysreg(mair_el2);
#else
	return read_sysreg(mair_el1);
#endif
}

int kvm_pgtable_hyp_init(struct kvm_pgtable *pgt, u32 va_bits,
			 struct kvm_pgtable_mm_ops *mm_ops)
{
	struct pgt_config cfg = {
		.ia_bits = va_bits,
		.granule_shift = PAGE_SHIFT,
		.pa_bits = kvm_cpu_pa_bits(read_sysreg(id_aa64mmfr0_el1)),
		.mair = kvm_hyp_mair(),
	};
	int ret;

	bridge_init(pgt, mm_ops, false);
	pgt->mmu = NULL;
	pgt->flags = 0;
	pgt->force_pte_cb = NULL;
	ret = pgt_hyp_init(&pgt->lib, &cfg, &pgt->lib_mm);
	if (!ret)
		kvm_pgt_publish(pgt);
	return ret;
}

/*
 * A mapping goes into invalid entries only, so no TLB holds it; the DSB
 * makes it visible to the walker of the CPU that uses it next (EL2 runs on
 * what EL1 mapped), the ISB to this CPU's own.
 */
int kvm_pgtable_hyp_map(struct kvm_pgtable *pgt, u64 addr, u64 size, u64 phys,
			enum kvm_pgtable_prot prot)
{
	int ret;

	size = kvm_page_range(&addr, size);
	ret = pgt_hyp_map(&pgt->lib, addr, size, ALIGN_DOWN(phys, PAGE_SIZE), lib_prot(prot));

	dsb(ishst);
	isb();
	return ret;
}

u64 kvm_pgtable_hyp_unmap(struct kvm_pgtable *pgt, u64 addr, u64 size)
{
	u64 unmapped = 0;

	size = kvm_page_range(&addr, size);
	if (pgt_hyp_unmap(&pgt->lib, addr, size, &unmapped))
		return 0;
	return unmapped;
}

void kvm_pgtable_hyp_destroy(struct kvm_pgtable *pgt)
{
	pgt_hyp_destroy(&pgt->lib);
	pgt->pgd = NULL;
}

enum kvm_pgtable_prot kvm_pgtable_hyp_pte_prot(kvm_pte_t pte)
{
	return kvm_prot(pgt_hyp_pte_prot(pte));
}

/* ---- Stage 2 ---- */

static bool kvm_s2_fwb(enum kvm_pgtable_stage2_flags flags)
{
	return cpus_have_const_cap(ARM64_HAS_STAGE2_FWB) && !(flags & KVM_PGTABLE_S2_NOFWB);
}

u64 kvm_get_vtcr(u64 mmfr0, u64 mmfr1, u32 phys_shift)
{
	struct pgt_geometry geom;
	u64 vtcr;

	if (pgt_geometry_stage2(&geom, phys_shift, PAGE_SHIFT))
		return 0;
	vtcr = pgt_vtcr(&geom, kvm_cpu_pa_bits(mmfr0), get_vmid_bits(mmfr1) == 16);
#ifdef CONFIG_ARM64_HW_AFDBM
	/* As KVM does: the hardware access flag wherever the CPU has it. */
	if (!cpus_have_final_cap(ARM64_WORKAROUND_AMPERE_AC03_CPU_38))
		vtcr |= VTCR_EL2_HA;
#endif
	return vtcr;
}

int __kvm_pgtable_stage2_init(struct kvm_pgtable *pgt, struct kvm_s2_mmu *mmu,
			      struct kvm_pgtable_mm_ops *mm_ops,
			      enum kvm_pgtable_stage2_flags flags,
			      kvm_pgtable_force_pte_cb_t force_pte_cb)
{
	u64 vtcr = mmu->arch->vtcr;
	struct pgt_config cfg = {
		.ia_bits = VTCR_EL2_IPA(vtcr),
		.granule_shift = PAGE_SHIFT,
		.pa_bits = id_aa64mmfr0_parange_to_phys_shift(FIELD_GET(VTCR_EL2_PS_MASK, vtcr)),
		.flags = (kvm_s2_fwb(flags) ? PGT_S2_FWB : 0) |
			 (vtcr & VTCR_EL2_VS_16BIT ? PGT_S2_VMID16 : 0),
	};
	u32 sl0 = FIELD_GET(VTCR_EL2_SL0_MASK, vtcr);
	int ret;

	bridge_init(pgt, mm_ops, true);
	pgt->mmu = mmu;
	pgt->flags = flags;
	pgt->force_pte_cb = force_pte_cb;
	ret = pgt_stage2_init(&pgt->lib, &cfg, &pgt->lib_mm, mmu);
	if (ret)
		return ret;
	/* VTCR_EL2 came from kvm_get_vtcr(): the tree must be the shape it says. */
	if (WARN_ON(pgt->lib.geom.start_level != VTCR_EL2_TGRAN_SL0_BASE - sl0)) {
		pgt_stage2_destroy(&pgt->lib);
		return -EINVAL;
	}
	kvm_pgt_publish(pgt);
	return 0;
}

void kvm_pgtable_stage2_destroy(struct kvm_pgtable *pgt)
{
	pgt_stage2_destroy(&pgt->lib);
	pgt->pgd = NULL;
}

/*
 * Map with the pages of @mc: libpgtable takes its tables from the home,
 * whose zalloc_page is KVM's, given the cache of the call in progress.  A
 * range the force_pte callback names is mapped with pages only.
 */
int kvm_pgtable_stage2_map(struct kvm_pgtable *pgt, u64 addr, u64 size,
			   u64 phys, enum kvm_pgtable_prot prot,
			   void *mc)
{
	bool pages = pgt->force_pte_cb && pgt->force_pte_cb(addr, addr + size, prot);
	u32 flags = pgt->lib.flags;
	int ret;

	if (WARN_ON((pgt->flags & KVM_PGTABLE_S2_IDMAP) && addr != phys))
		return -EINVAL;
	pgt->memcache = mc;
	if (pages)
		pgt->lib.flags |= PGT_S2_FORCE_PAGES;
	size = kvm_page_range(&addr, size);
	ret = pgt_stage2_map(&pgt->lib, addr, size, ALIGN_DOWN(phys, PAGE_SIZE), lib_prot(prot),
			     NULL, 0);
	pgt->lib.flags = flags;
	pgt->memcache = NULL;
	/* Seen by the walker before the vCPU runs again: no second fault. */
	dsb(ishst);
	return ret;
}

int kvm_pgtable_stage2_set_owner(struct kvm_pgtable *pgt, u64 addr, u64 size,
				 void *mc, u8 owner_id)
{
	int ret;

	size = kvm_page_range(&addr, size);
	pgt->memcache = mc;
	ret = pgt_stage2_set_owner(&pgt->lib, addr, size, owner_id, NULL);
	pgt->memcache = NULL;
	dsb(ishst);
	return ret;
}

int kvm_pgtable_stage2_unmap(struct kvm_pgtable *pgt, u64 addr, u64 size)
{
	size = kvm_page_range(&addr, size);
	return pgt_stage2_unmap(&pgt->lib, addr, size);
}

/*
 * As in KVM, the caller invalidates: dirty logging write-protects a slot,
 * or a cleared log's 64-page masks, and then flushes the VMID once.
 */
int kvm_pgtable_stage2_wrprotect(struct kvm_pgtable *pgt, u64 addr, u64 size)
{
	size = kvm_page_range(&addr, size);
	return pgt_stage2_wrprotect_unflushed(&pgt->lib, addr, size);
}

/* The leaf translating @addr, or 0: what mkyoung and mkold return from before the change. */
static kvm_pte_t kvm_s2_leaf(struct kvm_pgtable *pgt, u64 addr)
{
	pgt_pte_t pte = 0;
	pgt_s8 level;

	if (pgt_get_leaf(&pgt->lib, addr, &pte, &level) || !pgt_pte_is_leaf(pte, level))
		return 0;
	return pte;
}

kvm_pte_t kvm_pgtable_stage2_mkyoung(struct kvm_pgtable *pgt, u64 addr)
{
	kvm_pte_t pte = kvm_s2_leaf(pgt, addr);

	if (pte && pgt_stage2_mkyoung(&pgt->lib, addr, 0))
		return 0;
	dsb(ishst);
	return pte;
}

kvm_pte_t kvm_pgtable_stage2_mkold(struct kvm_pgtable *pgt, u64 addr)
{
	kvm_pte_t pte = kvm_s2_leaf(pgt, addr);

	/* As KVM does, no TLBI: a stale access flag only delays ageing. */
	if (pte && pgt_stage2_test_clear_young(&pgt->lib, ALIGN_DOWN(addr, PAGE_SIZE),
					       PAGE_SIZE, true, 0) < 0)
		return 0;
	return pte;
}

bool kvm_pgtable_stage2_is_young(struct kvm_pgtable *pgt, u64 addr)
{
	return kvm_s2_leaf(pgt, addr) & PGT_PTE_AF;
}

/*
 * 6.1 relaxes under the MMU lock held for reading (dirty logging's write
 * faults), so the walk is a shared one.  An entry unmapped meanwhile makes
 * the vCPU fault again, which -EAGAIN tells user_mem_abort().
 */
int kvm_pgtable_stage2_relax_perms(struct kvm_pgtable *pgt, u64 addr,
				   enum kvm_pgtable_prot prot)
{
	u32 add = lib_prot(prot) & PGT_PROT_RWX;
	int ret = pgt_stage2_relax_perms(&pgt->lib, addr, add, PGT_WALK_SHARED);

	return ret == -ENOENT ? -EAGAIN : ret;
}

int kvm_pgtable_stage2_flush(struct kvm_pgtable *pgt, u64 addr, u64 size)
{
	size = kvm_page_range(&addr, size);
	return pgt_stage2_flush(&pgt->lib, addr, size);
}

enum kvm_pgtable_prot kvm_pgtable_stage2_pte_prot(kvm_pte_t pte)
{
	/* R, W and X do not depend on the MemAttr encoding: FWB or not. */
	return kvm_prot(pgt_s2_pte_prot(pte, false) & (PGT_PROT_RWX | PGT_PROT_SW_MASK));
}

/* ---- Walks ---- */

/*
 * KVM also walks tables it did not make: get_user_mapping_size() reads the
 * process's own stage 1 through a struct kvm_pgtable holding only the pgd,
 * its shape and phys_to_virt.  The walker needs no more than a view of
 * them in libpgtable's terms (the table and valid bits are shared by both
 * formats); nothing is allocated, and nothing but reads happen.
 */
static int kvm_pgt_view(struct kvm_pgtable *pgt)
{
	struct pgt *lib = &pgt->lib;
	int ret;

	if (lib->root)
		return 0;
	ret = pgt_geometry_hyp(&lib->geom, pgt->ia_bits, PAGE_SHIFT);
	if (ret || WARN_ON(lib->geom.start_level != pgt->start_level))
		return -EINVAL;
	bridge_init(pgt, pgt->mm_ops, false);
	lib->stage = PGT_STAGE_HYP;
	lib->pa_bits = 48;
	lib->root = pgt->pgd;
	lib->mm_ops = &pgt->lib_mm;
	return 0;
}

int kvm_pgtable_get_leaf(struct kvm_pgtable *pgt, u64 addr,
			 kvm_pte_t *ptep, u32 *level)
{
	pgt_pte_t pte = 0;
	pgt_s8 lvl = pgt->start_level;
	int ret = kvm_pgt_view(pgt);

	if (!ret)
		ret = pgt_get_leaf(&pgt->lib, addr, &pte, &lvl);

	if (ptep)
		*ptep = pte;
	if (level)
		*level = lvl;
	return ret;
}

/*
 * KVM's own visitors (pKVM's setup and page-state checks) on the walker: a
 * visitor's 0 is CONTINUE, its error EXIT with that error.
 */
static struct pgt_action kvm_visitor_bridge(const struct pgt_visit_ctx *ctx,
					    enum pgt_walk_flags visit)
{
	const struct kvm_pgtable_walker *walker = ctx->arg;
	/* The same bits in both: kvm_pgtable_walk() checks so at build time. */
	enum kvm_pgtable_walk_flags flag = (enum kvm_pgtable_walk_flags)visit;
	int ret = walker->cb(ctx->addr, ctx->end, ctx->level, ctx->ptep, flag, walker->arg);

	return ret ? pgt_exit(ret) : pgt_continue();
}

int kvm_pgtable_walk(struct kvm_pgtable *pgt, u64 addr, u64 size,
		     struct kvm_pgtable_walker *walker)
{
	const struct pgt_walker bridge = {
		.cb = kvm_visitor_bridge,
		.arg = walker,
		.flags = walker->flags & (PGT_WALK_LEAF | PGT_WALK_TABLE_PRE | PGT_WALK_TABLE_POST),
	};
	int ret = kvm_pgt_view(pgt);

	size = kvm_page_range(&addr, size);
	BUILD_BUG_ON((int)KVM_PGTABLE_WALK_LEAF != (int)PGT_WALK_LEAF ||
		     (int)KVM_PGTABLE_WALK_TABLE_PRE != (int)PGT_WALK_TABLE_PRE ||
		     (int)KVM_PGTABLE_WALK_TABLE_POST != (int)PGT_WALK_TABLE_POST);
	return ret ?: pgt_walk(&pgt->lib, addr, size, &bridge);
}
