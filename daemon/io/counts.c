/*
 * counts.c — a batch's retention counters (loop.h's count()), added up
 * per (month, field) while the batch steps and written as one HINCRBY
 * each with the batch's transaction: a batch is applied exactly once, so
 * are its counts. One table per step shard: no lock.
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "pipeline_int.h"

static size_t slot_of(const struct counts *c, int32_t month, const char *field)
{
	uint64_t h = XXH3_64bits_withSeed(field, strlen(field), (uint64_t)month);
	size_t mask = c->index_cap - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		int k = c->index[i];
		if (k < 0 || (c->cell[k].month == month && !strcmp(c->cell[k].field, field)))
			return i;
	}
}

/* Twice the cells at least (open addressing). -1 out of memory. */
static int grow_index(struct counts *c)
{
	size_t cap = c->index_cap ? 2 * c->index_cap : 64;
	int *idx = malloc(cap * sizeof(*idx));

	if (!idx)
		return -1;
	memset(idx, 0xff, cap * sizeof(*idx));
	free(c->index);
	c->index = idx;
	c->index_cap = cap;
	for (size_t k = 0; k < c->n; k++)
		c->index[slot_of(c, c->cell[k].month, c->cell[k].field)] = (int)k;
	return 0;
}

int pl_counts_add(struct counts *c, int32_t month, const char *field,
		  int64_t delta)
{
	if (strlen(field) >= sizeof(c->cell[0].field))
		return -1;
	if ((c->n + 1) * 2 > c->index_cap && grow_index(c) < 0)
		return -1;
	size_t s = slot_of(c, month, field);
	if (c->index[s] >= 0) {
		c->cell[c->index[s]].delta += delta;
		return 0;
	}
	struct count_cell *cell = pl_grow(c->cell, &c->cap, c->n + 1, sizeof(*cell));
	if (!cell)
		return -1;
	c->cell = cell;
	cell = &c->cell[c->n];
	cell->month = month;
	strcpy(cell->field, field);
	cell->delta = delta;
	c->index[s] = (int)c->n++;
	return 0;
}

void pl_counts_queue(struct cw_statestore *ss, const struct counts *c)
{
	char month[8];

	for (size_t k = 0; k < c->n; k++) {
		if (!c->cell[k].delta)
			continue;
		cw_loop_month_str(c->cell[k].month, month);
		cw_ss_add_count(ss, month, c->cell[k].field, c->cell[k].delta);
	}
}

void pl_counts_clear(struct counts *c)
{
	if (c->index)
		memset(c->index, 0xff, c->index_cap * sizeof(*c->index));
	c->n = 0;
}

void pl_counts_free(struct counts *c)
{
	free(c->cell);
	free(c->index);
	memset(c, 0, sizeof(*c));
}
