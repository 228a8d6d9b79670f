// SPDX-License-Identifier: GPL-2.0-only
/*
 * parse.c - the words of a script: numbers, sizes, prot letters, granules.
 * The bottom layer: it knows no session and calls nothing of the tool.
 */
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

static u32 prot_bit(char c)
{
	switch (c) {
	case 'r':
		return PGT_PROT_R;
	case 'w':
		return PGT_PROT_W;
	case 'x':
		return PGT_PROT_X;
	case 'd':
		return PGT_PROT_DEVICE;
	default:
		return 0;
	}
}

/* Letters r, w, x, d, each at most once, in any order; "-" alone is none. */
bool parse_prot(const char *s, u32 *prot)
{
	*prot = 0;
	if (!strcmp(s, "-"))
		return true;
	if (!*s)
		return false;
	for (; *s; s++) {
		u32 bit = prot_bit(*s);

		if (!bit || (*prot & bit))
			return false;
		*prot |= bit;
	}
	return true;
}

/* The canonical spelling: letters in the order r w x d, or "-". */
const char *prot_letters(u32 prot, char buf[8])
{
	static const char letters[] = "rwxd";
	char *p = buf;
	int i;

	for (i = 0; i < 4; i++)
		if (prot & prot_bit(letters[i]))
			*p++ = letters[i];
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
