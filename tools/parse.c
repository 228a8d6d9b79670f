// SPDX-License-Identifier: GPL-2.0-only
/*
 * parse.c - the words of a script: numbers, sizes, prot words, granules.
 * The bottom layer: it knows no session and calls nothing of the tool.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "replay.h"

static int digit_value(char c, unsigned int base)
{
	int v = -1;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (base == 16 && c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (base == 16 && c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v;
}

static unsigned int suffix_shift(char c)
{
	switch (c) {
	case 'K':
	case 'k':
		return 10;
	case 'M':
	case 'm':
		return 20;
	case 'G':
	case 'g':
		return 30;
	default:
		return 0;
	}
}

/*
 * Decimal, or hex after 0x; an optional K, M or G multiplies by a power of
 * 1024.  No sign, no spaces; anything that would not fit in 64 bits fails.
 */
bool parse_u64(const char *s, u64 *out)
{
	unsigned int base = 10, shift;
	u64 v = 0;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (digit_value(*s, base) < 0)
		return false;
	for (; (d = digit_value(*s, base)) >= 0; s++) {
		if (v > (~0ULL - d) / base)
			return false;
		v = v * base + d;
	}
	shift = suffix_shift(*s);
	if (shift && s[1] == '\0') {
		if (v > ~0ULL >> shift)
			return false;
		v <<= shift;
		s++;
	}
	*out = v;
	return *s == '\0';
}

/*
 * The words of a prot, in canonical order.  X is PX and UX together: the
 * canonical spelling says "x" for both and "px" or "ux" for one alone.
 */
static const struct {
	const char *word;
	u32 bits;
} prot_words[] = {
	{ "r", PGT_PROT_R },
	{ "w", PGT_PROT_W },
	{ "x", PGT_PROT_X },
	{ "px", PGT_PROT_PX },
	{ "ux", PGT_PROT_UX },
	{ "d", PGT_PROT_DEVICE },
	{ "nc", PGT_PROT_NORMAL_NC },
};

#define NR_PROT_WORDS	(sizeof(prot_words) / sizeof(prot_words[0]))
#define PROT_WORD_LIST	"r, w, x, px, ux, d, nc; or - alone"

/* The word at the start of @s (none is a prefix of another), or -1. */
static int prot_word_at(const char *s)
{
	size_t i;

	for (i = 0; i < NR_PROT_WORDS; i++)
		if (!strncmp(s, prot_words[i].word, strlen(prot_words[i].word)))
			return i;
	return -1;
}

/*
 * The words of prot_words written together, each at most once and in any
 * order ("rw", "rpx", "rwnc"); "-" alone is none.  On failure @why says
 * what is wrong.
 */
bool parse_prot(const char *s, u32 *prot, char *why, size_t why_len)
{
	const char *word = s;
	u32 words = 0;		/* which prot_words were given */
	int i;

	*prot = 0;
	if (!strcmp(s, "-"))
		return true;
	for (; *word; word += strlen(prot_words[i].word)) {
		i = prot_word_at(word);
		if (i < 0) {
			snprintf(why, why_len, "'%s': no prot word at '%s' (%s)", s, word,
				 PROT_WORD_LIST);
			return false;
		}
		if (*prot & prot_words[i].bits) {
			snprintf(why, why_len, "'%s': '%s' %s", s, prot_words[i].word,
				 words & (1u << i) ? "given twice" :
				 "overlaps an earlier word (x is px and ux)");
			return false;
		}
		*prot |= prot_words[i].bits;
		words |= 1u << i;
	}
	if (!*prot)
		snprintf(why, why_len, "'%s': not a prot (%s)", s, PROT_WORD_LIST);
	return *prot;
}

/* The canonical spelling: words in prot_words order, or "-"; software bits are not shown. */
const char *prot_spelling(u32 prot, char buf[PROT_SPELLING_LEN])
{
	char *p = buf;
	size_t i;

	for (i = 0; i < NR_PROT_WORDS; i++) {
		u32 bits = prot_words[i].bits;

		/* One of x, px, ux: the first whose bits are all there. */
		if ((prot & bits) != bits)
			continue;
		p = stpcpy(p, prot_words[i].word);
		prot &= ~bits;
	}
	if (p == buf)
		*p++ = '-';
	*p = '\0';
	return buf;
}

static const struct {
	const char *name;
	u32 shift;
} granules[] = {
	{ "4k", PGT_GRANULE_4K },
	{ "16k", PGT_GRANULE_16K },
	{ "64k", PGT_GRANULE_64K },
};

/* "4k", "16k" or "64k", any case: the page shift. */
bool parse_granule(const char *val, u32 *shift)
{
	size_t i;

	for (i = 0; i < sizeof(granules) / sizeof(granules[0]); i++) {
		if (!strcasecmp(val, granules[i].name)) {
			*shift = granules[i].shift;
			return true;
		}
	}
	return false;
}

const char *granule_name(u32 shift)
{
	size_t i;

	for (i = 0; i < sizeof(granules) / sizeof(granules[0]); i++)
		if (granules[i].shift == shift)
			return granules[i].name;
	return "?";
}
