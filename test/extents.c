// SPDX-License-Identifier: GPL-2.0-only
/*
 * extents.c - match the reference translator's leaves against expected
 * extents, piece by piece.
 */
#include "extents.h"

struct extents_walk {
	const struct extent *ext;
	int n;
	extent_piece_fn fn;
	void *arg;
	u64 covered;
	bool stopped;
};

static const struct extent *extent_at(const struct extents_walk *w, u64 ia)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (ia >= w->ext[i].ia && ia - w->ext[i].ia < w->ext[i].size)
			return &w->ext[i];
	return NULL;
}

/* Cut each leaf at extent boundaries; each piece goes to the caller. */
static int extents_leaf(void *arg, const struct ref_mapping *m)
{
	struct extents_walk *w = arg;
	u64 ia = m->ia, end = m->ia + m->size;

	while (ia < end) {
		const struct extent *e = extent_at(w, ia);
		u64 piece_end = e && e->ia + e->size < end ? e->ia + e->size : end;

		if (w->fn(w->arg, ia, piece_end, m, e)) {
			w->stopped = true;
			return 1;
		}
		if (!e)
			return 0;
		w->covered += piece_end - ia;
		ia = piece_end;
	}
	return 0;
}

long long extents_walk(const struct ref_regime *rg, const struct extent *ext, int n,
		       extent_piece_fn fn, void *arg)
{
	struct extents_walk w = { .ext = ext, .n = n, .fn = fn, .arg = arg };

	if (ref_visit_leaves(rg, extents_leaf, &w) < 0 || w.stopped)
		return -1;
	return (long long)w.covered;
}

u64 extents_bytes(const struct extent *ext, int n)
{
	u64 bytes = 0;
	int i;

	for (i = 0; i < n; i++)
		bytes += ext[i].size;
	return bytes;
}
