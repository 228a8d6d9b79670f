// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_vm.c - the VM layer (Documentation/vm.rst): "vm", "memslot",
 * "memslot_del", "mmu_new", "mmu_del", "mmu_translate", "mmu_dump",
 * "mmu_show", "gfn_map", "hva_unmap", "hva_age", "hva_init" and "vcpu_run".
 *
 * One VM per session, beside (not instead of) the current table.  Its MMUs
 * are numbered 0 to 7, each new one taking the lowest free number.  The MMU
 * lock is a counter, so the output can say whether the operator took it; the
 * local TLB hooks do nothing (vcpu_run prints what the library asked of them).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define VM_MAX_MMUS		8
#define VM_MAX_AS		8
#define VM_MAX_CPUS		64
#define VM_SLOTS		1024		/* per address space */
#define VM_MAX_INIT_PAGES	(1u << 20)	/* hva_init gives up beyond (ERANGE) */
#define NONE			(~0ULL)

struct replay_vm {
	struct pgt_vm vm;
	struct pgt_vm_memslots spaces[VM_MAX_AS];
	struct pgt_memslot slots[VM_MAX_AS][VM_SLOTS];
	struct pgt_memslot_hva_node hva[VM_MAX_AS][VM_SLOTS];
	struct pgt_vmid_allocator va;
	u64 bitmap[PGT_VMID_BITMAP_WORDS(PGT_VMID_MAX_BITS)];
	struct pgt_vmid_cpu cpus[VM_MAX_CPUS];
	struct pgt_vm_ops ops;
	struct pgt_s2_mmu mmu[VM_MAX_MMUS];
	bool live[VM_MAX_MMUS];
	u32 last_ran[VM_MAX_MMUS][VM_MAX_CPUS];
	u64 locks;
};

/* ---------------------------------------------------------------- parsing */

static void echo_add(struct cmd_args *a, const char *fmt, unsigned long long v)
{
	size_t len = strlen(a->echo);

	snprintf(a->echo + len, sizeof(a->echo) - len, fmt, v);
}

/* key=<number> with @max; false (and a message) otherwise. */
static bool parse_opt_num(struct replay *r, const char *key, const char *val, u64 max, u64 *out)
{
	if (!val || !parse_u64(val, out))
		return replay_fail(r, "%s=%s: not a number", key, val ? val : "");
	if (*out > max)
		return replay_fail(r, "%s=%s: at most %llu", key, val, (unsigned long long)max);
	return true;
}

enum vm_opt { VO_IA, VO_GRANULE, VO_PA, VO_AS, VO_CPUS, VO_VMID, VO_FWB, VO_PAGES, VO_NR };

static const char *const vm_opts[VO_NR] = {
	"ia", "granule", "pa", "as", "cpus", "vmid", "fwb", "pages",
};

static int vm_opt_find(const char *key)
{
	int i;

	for (i = 0; i < VO_NR; i++)
		if (!strcmp(vm_opts[i], key))
			return i;
	return -1;
}

static bool vm_opt_set(struct replay *r, struct cmd_args *a, int opt, const char *key,
		       const char *val)
{
	switch (opt) {
	case VO_IA:
		return table_opt_bits(r, key, val, &a->cfg.ia_bits);
	case VO_GRANULE:
		return table_opt_granule(r, val, &a->cfg.granule_shift);
	case VO_PA:
		return table_opt_bits(r, key, val, &a->cfg.pa_bits);
	case VO_AS:
		return parse_opt_num(r, key, val, VM_MAX_AS, &a->num[0]);
	case VO_CPUS:
		return parse_opt_num(r, key, val, VM_MAX_CPUS, &a->num[1]);
	case VO_VMID:
		return parse_opt_num(r, key, val, 64, &a->num[2]);
	case VO_FWB:
		a->cfg.flags |= PGT_S2_FWB;
		return true;
	default:
		a->cfg.flags |= PGT_S2_FORCE_PAGES;
		return true;
	}
}

static bool vm_opt_parse(struct replay *r, struct cmd_args *a, char *word, u32 *seen)
{
	char *val = strchr(word, '=');
	int opt;

	if (val)
		*val++ = '\0';
	opt = vm_opt_find(word);
	if (opt < 0)
		return replay_fail(r, "unknown option '%s'", word);
	if (*seen & (1u << opt))
		return replay_fail(r, "option '%s' given twice", word);
	*seen |= 1u << opt;
	if ((opt < VO_FWB) != !!val)
		return replay_fail(r, val ? "option '%s' takes no value" :
				   "option '%s' needs a value", word);
	return vm_opt_set(r, a, opt, word, val);
}

bool cmd_parse_vm(struct replay *r, struct cmd_args *a, char **tok, int ntok)
{
	u32 seen = 0;
	int i;

	a->cfg = (struct pgt_config){ .granule_shift = PGT_GRANULE_4K, .pa_bits = 48 };
	a->num[0] = 2;
	a->num[1] = 4;
	a->num[2] = 8;
	for (i = 1; i < ntok; i++)
		if (!vm_opt_parse(r, a, tok[i], &seen))
			return false;
	if (!(seen & (1u << VO_IA)))
		return replay_fail(r, "vm: ia=<bits> is missing");
	snprintf(a->echo, sizeof(a->echo), "vm ia=%u granule=%s pa=%u as=%llu cpus=%llu vmid=%llu%s%s",
		 a->cfg.ia_bits, granule_name(a->cfg.granule_shift), a->cfg.pa_bits,
		 (unsigned long long)a->num[0], (unsigned long long)a->num[1],
		 (unsigned long long)a->num[2], a->cfg.flags & PGT_S2_FWB ? " fwb" : "",
		 a->cfg.flags & PGT_S2_FORCE_PAGES ? " pages" : "");
	return true;
}

/* memslot <as> <gfn> <npages> <hva> [ro] */
bool cmd_parse_memslot(struct replay *r, struct cmd_args *a, char **tok, int ntok)
{
	int i;

	if (ntok == 6 && !strcmp(tok[5], "ro"))
		a->prot = PGT_MEMSLOT_READONLY;
	else if (ntok != 5)
		return replay_fail(r, "memslot: expected 'memslot <as> <gfn> <npages> <hva> [ro]'");
	snprintf(a->echo, sizeof(a->echo), "memslot");
	for (i = 1; i < 5; i++) {
		if (!parse_u64(tok[i], &a->num[i - 1]))
			return replay_fail(r, "'%s': not a number", tok[i]);
		echo_add(a, i == 1 ? " %llu" : " 0x%llx", a->num[i - 1]);
	}
	if (a->prot)
		strncat(a->echo, " ro", sizeof(a->echo) - strlen(a->echo) - 1);
	return true;
}

/* mmu_new [as=<n>] [shares=<id>] */
bool cmd_parse_mmu_new(struct replay *r, struct cmd_args *a, char **tok, int ntok)
{
	int i;

	a->num[0] = a->num[1] = NONE;
	snprintf(a->echo, sizeof(a->echo), "mmu_new");
	for (i = 1; i < ntok; i++) {
		char *val = strchr(tok[i], '=');
		int k = val && !strncmp(tok[i], "as=", 3) ? 0 :
			val && !strncmp(tok[i], "shares=", 7) ? 1 : -1;

		if (k < 0)
			return replay_fail(r, "mmu_new: expected 'mmu_new [as=<n>] [shares=<id>]'");
		if (a->num[k] != NONE)
			return replay_fail(r, "option '%.*s' given twice", (int)(val - tok[i]), tok[i]);
		if (!parse_opt_num(r, k ? "shares" : "as", val + 1, k ? VM_MAX_MMUS : VM_MAX_AS,
				   &a->num[k]))
			return false;
	}
	if (a->num[0] != NONE)
		echo_add(a, " as=%llu", a->num[0]);
	if (a->num[1] != NONE)
		echo_add(a, " shares=%llu", a->num[1]);
	return true;
}

/* mmu_dump <id> [--json]: num[3] says JSON, as it does for dump. */
bool cmd_parse_mmu_dump(struct replay *r, struct cmd_args *a, char **tok, int ntok)
{
	bool json = ntok == 3 && !strcmp(tok[2], "--json");

	if (ntok != 2 && !json)
		return replay_fail(r, "mmu_dump: expected 'mmu_dump <id> [--json]'");
	if (!parse_u64(tok[1], &a->num[0]))
		return replay_fail(r, "'%s': not a number", tok[1]);
	a->num[3] = json;
	snprintf(a->echo, sizeof(a->echo), "mmu_dump %llu%s", (unsigned long long)a->num[0],
		 json ? " --json" : "");
	return true;
}

/* ---------------------------------------------------------------- the VM */

static void vm_lock(void *arg)
{
	struct replay_vm *rv = arg;

	rv->locks++;
}

static void vm_unlock(void *arg)
{
	(void)arg;
}

static void tlbi_vmid_local(struct pgt_vm_ops *ops, struct pgt_s2_mmu *mmu, u32 cpu)
{
	(void)ops;
	(void)mmu;
	(void)cpu;
}

static void tlbi_all_local(struct pgt_vm_ops *ops, u32 cpu)
{
	(void)ops;
	(void)cpu;
}

/* Sharers first: an owner cannot go while shared. */
static void destroy_mmus(struct replay_vm *rv, bool sharers)
{
	int i;

	for (i = 0; i < VM_MAX_MMUS; i++) {
		if (rv->live[i] && !rv->mmu[i].shares == !sharers) {
			pgt_s2_mmu_destroy(&rv->mmu[i]);
			rv->live[i] = false;
		}
	}
}

void replay_drop_vm(struct replay *r)
{
	if (!r->vm)
		return;
	destroy_mmus(r->vm, true);
	destroy_mmus(r->vm, false);
	free(r->vm);
	r->vm = NULL;
}

static int vm_setup(struct replay *r, struct replay_vm *rv, struct cmd_args *a)
{
	struct pgt_vm_lock lock = { .lock = vm_lock, .unlock = vm_unlock, .arg = rv };
	u32 as, nr_as = a->num[0], cpus = a->num[1], bits = a->num[2];
	struct pgt_vm_params p = {
		.s2 = a->cfg, .mm_ops = r->mm, .vm_ops = &rv->ops, .mmu_lock = lock,
		.spaces = rv->spaces, .nr_spaces = nr_as, .vmids = &rv->va, .nr_cpus = cpus,
	};
	int ret;

	rv->ops = (struct pgt_vm_ops){ tlbi_vmid_local, tlbi_all_local };
	for (as = 0; as < nr_as; as++)
		pgt_vm_memslots_init(&rv->spaces[as], rv->slots[as], rv->hva[as], VM_SLOTS);
	ret = pgt_vmid_allocator_init(&rv->va, bits, rv->bitmap, rv->cpus, cpus, &lock);
	if (ret)
		return ret;
	/* A VMID space wider than 8 bits needs VTCR_EL2.VS: the tool sets it. */
	if (bits > 8)
		p.s2.flags |= PGT_S2_VMID16;
	return pgt_vm_init(&rv->vm, &p);
}

int cmd_vm(struct replay *r, struct cmd_args *a)
{
	struct replay_vm *rv;
	int ret;

	replay_drop_vm(r);
	rv = calloc(1, sizeof(*rv));
	if (!rv)
		return -ENOMEM;
	ret = vm_setup(r, rv, a);
	if (ret) {
		free(rv);
		return ret;
	}
	r->vm = rv;
	return 0;
}

int cmd_memslot(struct replay *r, struct cmd_args *a)
{
	struct pgt_memslot s = {
		.as_id = a->num[0] > 0xffffffffULL ? 0xffffffffu : (u32)a->num[0],
		.base_gfn = a->num[1], .npages = a->num[2], .userspace_addr = a->num[3],
		.flags = a->prot,
	};

	if (!r->vm)
		return -ENODEV;
	return pgt_vm_memslot_insert(&r->vm->vm, &s);
}

int cmd_memslot_del(struct replay *r, struct cmd_args *a)
{
	if (!r->vm)
		return -ENODEV;
	if (a->num[0] > 0xffffffffULL)
		return -EINVAL;
	return pgt_vm_memslot_delete(&r->vm->vm, a->num[0], a->num[1]);
}

/* ---------------------------------------------------------------- MMUs */

static struct pgt_s2_mmu *find_mmu(struct replay *r, u64 id)
{
	if (!r->vm || id >= VM_MAX_MMUS || !r->vm->live[id])
		return NULL;
	return &r->vm->mmu[id];
}

static int new_mmu_id(const struct replay_vm *rv)
{
	int i;

	for (i = 0; i < VM_MAX_MMUS; i++)
		if (!rv->live[i])
			return i;
	return -1;
}

int cmd_mmu_new(struct replay *r, struct cmd_args *a)
{
	struct pgt_s2_mmu *share = NULL;
	u64 as = a->num[0];
	int id, ret;

	if (!r->vm)
		return -ENODEV;
	if (a->num[1] != NONE && !(share = find_mmu(r, a->num[1])))
		return -ENOENT;
	if (as == NONE)
		as = share ? share->as_id : 0;
	id = new_mmu_id(r->vm);
	if (id < 0)
		return -ENOMEM;
	ret = pgt_s2_mmu_init(&r->vm->mmu[id], &r->vm->vm, as, share, r->vm->last_ran[id]);
	if (ret)
		return ret;
	r->vm->live[id] = true;
	replay_extra(a, "id=%d as=%llu", id, (unsigned long long)as);
	return 0;
}

int cmd_mmu_del(struct replay *r, struct cmd_args *a)
{
	struct pgt_s2_mmu *mmu = find_mmu(r, a->num[0]);
	int ret;

	if (!mmu)
		return r->vm ? -ENOENT : -ENODEV;
	ret = pgt_s2_mmu_destroy(mmu);
	if (!ret)
		r->vm->live[a->num[0]] = false;
	return ret;
}

/* Run a command of the current table on an MMU's tree instead. */
static int on_mmu_tree(struct replay *r, struct cmd_args *a,
		       int (*fn)(struct replay *r, struct cmd_args *a))
{
	struct pgt_s2_mmu *mmu = find_mmu(r, a->num[0]);
	struct pgt saved = r->pgt;
	bool had = r->have_table;
	int ret;

	if (!mmu)
		return r->vm ? -ENOENT : -ENODEV;
	r->pgt = *pgt_s2_mmu_pgt(mmu);
	r->have_table = true;
	a->num[0] = a->num[1];
	ret = fn(r, a);
	r->pgt = saved;
	r->have_table = had;
	return ret;
}

int cmd_mmu_translate(struct replay *r, struct cmd_args *a)
{
	return on_mmu_tree(r, a, cmd_translate);
}

int cmd_mmu_dump(struct replay *r, struct cmd_args *a)
{
	return on_mmu_tree(r, a, cmd_dump);
}

int cmd_mmu_show(struct replay *r, struct cmd_args *a)
{
	return on_mmu_tree(r, a, cmd_show);
}

int cmd_gfn_map(struct replay *r, struct cmd_args *a)
{
	struct pgt_s2_mmu *mmu = find_mmu(r, a->num[0]);

	if (!mmu)
		return r->vm ? -ENOENT : -ENODEV;
	return pgt_s2_mmu_map(mmu, a->num[1], a->num[2], a->num[3], a->prot, NULL, 0);
}

int cmd_vcpu_run(struct replay *r, struct cmd_args *a)
{
	struct pgt_s2_mmu *mmu = find_mmu(r, a->num[2]);
	int ret;

	if (!mmu)
		return r->vm ? -ENOENT : -ENODEV;
	if (a->num[0] >= PGT_VCPU_NONE || a->num[1] > 0xffffffffULL)
		return -EINVAL;
	ret = pgt_s2_mmu_load(mmu, a->num[0], a->num[1]);
	if (ret < 0)
		return ret;
	replay_extra(a, "vmid=%u new_vmid=%d flush_all=%d flush_vmid=%d", pgt_s2_mmu_vmid(mmu),
		     !!(ret & PGT_RUN_NEW_VMID), !!(ret & PGT_RUN_FLUSH_ALL),
		     !!(ret & PGT_RUN_FLUSH_VMID));
	return 0;
}

/* ---------------------------------------------------------------- the operator */

/* Wraps a library handler: counts the slots, notes whether it asked for a flush. */
struct hva_run {
	pgt_hva_handler_fn fn;
	void *data;
	u32 slots;
	bool flush;
};

static int counting_handler(struct pgt_vm *vm, const struct pgt_gfn_range *range, void *data,
			    bool *flush)
{
	struct hva_run *run = data;
	bool f = false;
	int ret;

	run->slots++;
	ret = run->fn(vm, range, run->data, &f);
	if (f)
		*flush = run->flush = true;
	return ret;
}

static int hva_op(struct replay *r, struct cmd_args *a, struct hva_run *run, u32 flags)
{
	struct pgt_hva_range range = {
		.start = a->num[0], .end = a->num[1], .handler = counting_handler, .data = run,
		.flags = flags,
	};
	u64 locks;
	int ret;

	if (!r->vm)
		return -ENODEV;
	locks = r->vm->locks;
	ret = pgt_vm_hva_range_op(&r->vm->vm, &range);
	if (!ret)
		replay_extra(a, "slots=%u locked=%d flush=%d", run->slots,
			     r->vm->locks != locks, run->flush);
	return ret;
}

int cmd_hva_unmap(struct replay *r, struct cmd_args *a)
{
	struct hva_run run = { .fn = pgt_vm_handle_unmap };

	return hva_op(r, a, &run, PGT_HVA_LOCK);
}

int cmd_hva_age(struct replay *r, struct cmd_args *a)
{
	struct pgt_vm_age age = { .mkold = true, .flush = true };
	struct hva_run run = { .fn = pgt_vm_handle_age, .data = &age };
	int ret = hva_op(r, a, &run, PGT_HVA_LOCK);

	if (!ret)
		replay_extra(a, " young=%d", age.young);
	return ret;
}

/* The tool has no guest memory to fill: it counts the pages it is offered. */
static int count_page(void *arg, const struct pgt_memslot *slot, u64 gfn, u64 hva)
{
	struct pgt_vm_contents *c = arg;

	(void)slot;
	(void)gfn;
	(void)hva;
	return c->pages >= VM_MAX_INIT_PAGES ? -ERANGE : 0;
}

int cmd_hva_init(struct replay *r, struct cmd_args *a)
{
	struct pgt_vm_contents contents = { .page = count_page };
	struct hva_run run = { .fn = pgt_vm_handle_contents, .data = &contents };
	int ret;

	contents.arg = &contents;
	ret = hva_op(r, a, &run, 0);
	if (!ret)
		replay_extra(a, " pages=%llu", (unsigned long long)contents.pages);
	return ret;
}
